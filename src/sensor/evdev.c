/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The evdev reader thread and recording to evemu files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/evdev.h"
#include "rasbeat/evemu.h"
#include "rasbeat/spsc.h"
#include "rasbeat/tmpfile.h"
#include "evdev-priv.h"

#define BURST 1024	/* events per wakeup before looking at the stop flag */

struct ras_evdev_reader {
	pthread_t thread;
	bool running;
	struct ras_spsc *events, *statuses;
	int wake_fd;		/* eventfd: something was queued */
	int stop_fd;		/* eventfd: the thread must end */
	int notify_fd;		/* inotify on /dev/input, or -1 */
	atomic_bool connected;
	atomic_uint_least64_t dropped;
	bool overrun;		/* an OVERRUN report is out for this burst */
	bool grab;
	int rescan_ms;
	struct ras_evdev_device id;	/* what to look for when it is lost */
	pthread_mutex_t lock;		/* path */
	char path[RAS_EVDEV_PATH_MAX];
	/* Reader thread only. */
	int fd;
	struct libevdev *dev;
	int64_t lost_at;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wake(struct ras_evdev_reader *r)
{
	uint64_t one = 1;

	if (write(r->wake_fd, &one, sizeof(one)) < 0)
		return;	/* counter full: the consumer is woken anyway */
}

static void report(struct ras_evdev_reader *r, enum ras_evdev_status_kind kind, int error,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct ras_evdev_reader *r, enum ras_evdev_status_kind kind, int error,
		   const char *fmt, ...)
{
	struct ras_evdev_status st = { .kind = kind, .time_ns = now_ns(), .error = error };
	va_list ap;

	pthread_mutex_lock(&r->lock);
	snprintf(st.path, sizeof(st.path), "%s", r->path);
	pthread_mutex_unlock(&r->lock);
	va_start(ap, fmt);
	vsnprintf(st.message, sizeof(st.message), fmt, ap);
	va_end(ap);
	ras_spsc_push(r->statuses, &st);	/* a full status queue drops reports */
	wake(r);
}

/* Queue an event; time_ns 0: the kernel's timestamp. */
static void push(struct ras_evdev_reader *r, const struct input_event *ev, uint32_t flags,
		 int64_t time_ns)
{
	struct ras_evdev_event e = {
		.ev = { .time_ns = time_ns ? time_ns
					   : (int64_t)ev->input_event_sec * 1000000000 +
						     (int64_t)ev->input_event_usec * 1000,
			.type = ev->type, .code = ev->code, .value = ev->value },
		.flags = flags,
	};

	if (ras_spsc_push(r->events, &e)) {
		r->overrun = false;
		return;
	}
	atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
	if (!r->overrun)
		report(r, RAS_EVDEV_OVERRUN, -ENOBUFS,
		       "\"%s\": event queue full, events lost (the consumer is too slow)",
		       r->id.info.name);
	r->overrun = true;
}

/*
 * Open `path` for reading with CLOCK_MONOTONIC timestamps. The clock is set
 * on the raw descriptor first: the kernel flushes a client's queue (and
 * queues SYN_DROPPED) when the clock changes under pending events, so the
 * earlier the better; libevdev_set_clock_id then says the same through the
 * documented API.
 */
static int open_device(const char *path, bool grab, int *fdp, struct libevdev **devp)
{
	int clk = CLOCK_MONOTONIC, fd, ret;
	struct libevdev *dev = NULL;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, EVIOCSCLOCKID, &clk) < 0 && errno != ENOTTY && errno != EINVAL) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = libevdev_new_from_fd(fd, &dev);
	if (!ret)
		ret = libevdev_set_clock_id(dev, CLOCK_MONOTONIC);
	if (!ret && grab)
		ret = libevdev_grab(dev, LIBEVDEV_GRAB);
	if (ret) {
		libevdev_free(dev);
		close(fd);
		return ret;
	}
	*fdp = fd;
	*devp = dev;
	return 0;
}

static void set_path(struct ras_evdev_reader *r, const char *path)
{
	pthread_mutex_lock(&r->lock);
	snprintf(r->path, sizeof(r->path), "%s", path);
	pthread_mutex_unlock(&r->lock);
}

static void lose(struct ras_evdev_reader *r, int error)
{
	/* Keep the libevdev handle: its state is what the consumer last saw,
	 * and the re-sync on reopen reports what changed meanwhile. */
	close(r->fd);
	r->fd = -1;
	r->lost_at = now_ns();
	atomic_store_explicit(&r->connected, false, memory_order_release);
	report(r, RAS_EVDEV_LOST, error,
	       "sensor lost: \"%s\" (%s): %s; waiting for it to come back", r->id.info.name,
	       r->path, strerror(-error));
}

/*
 * libevdev's sync mode after SYN_DROPPED or a forced sync: every event is
 * state, none a live one. libevdev dates them with the last event it read,
 * which after a replug is from before the unplug; the state is that of now,
 * so they get the time the sync began. Returns what ended it (-EAGAIN when
 * done).
 */
static int read_sync(struct ras_evdev_reader *r, int *count)
{
	int64_t t = now_ns();
	struct input_event ev;
	int rc;

	while ((rc = libevdev_next_event(r->dev, LIBEVDEV_READ_FLAG_SYNC, &ev)) ==
	       LIBEVDEV_READ_STATUS_SYNC) {
		push(r, &ev, RAS_EVDEV_SYNCED, t);
		(*count)++;
	}
	return rc;
}

/* Drain the device. 0, or the -errno that lost it. */
static int read_events(struct ras_evdev_reader *r)
{
	struct input_event ev;
	int rc = 0, synced;

	for (int i = 0; i < BURST; i++) {
		rc = libevdev_next_event(r->dev, LIBEVDEV_READ_FLAG_NORMAL, &ev);
		if (rc == LIBEVDEV_READ_STATUS_SUCCESS) {
			push(r, &ev, 0, 0);
			continue;
		}
		if (rc != LIBEVDEV_READ_STATUS_SYNC)
			break;
		/* ev is the SYN_DROPPED itself. */
		push(r, &ev, RAS_EVDEV_SYNCED, 0);
		synced = 0;
		rc = read_sync(r, &synced);
		report(r, RAS_EVDEV_RESYNC, 0,
		       "\"%s\": the kernel dropped events (reader too slow); state re-synced "
		       "(%d events)", r->id.info.name, synced);
		if (rc != -EAGAIN)
			break;
	}
	wake(r);
	return rc == -EAGAIN || rc >= 0 ? 0 : rc;
}

static bool caps_equal(const struct ras_device_info *a, const struct ras_device_info *b)
{
	return a->props == b->props && !memcmp(a->has_ev, b->has_ev, sizeof(a->has_ev)) &&
	       !memcmp(a->has_key, b->has_key, sizeof(a->has_key)) &&
	       !memcmp(a->has_abs, b->has_abs, sizeof(a->has_abs));
}

static int try_candidate(struct ras_evdev_reader *r, const char *path)
{
	struct ras_device_info info;
	struct libevdev *dev;
	int fd, ret, synced = 0;
	const char *phys, *uniq;

	/* Grabbed below, on whichever handle is kept: a second EVIOCGRAB on
	 * the same descriptor would fail with EBUSY. */
	ret = open_device(path, false, &fd, &dev);
	if (ret)
		return ret;
	ras_evdev_device_info(dev, &info);
	phys = libevdev_get_phys(dev);
	uniq = libevdev_get_uniq(dev);
	{
		struct ras_evdev_device d = { .info = info };

		snprintf(d.phys, sizeof(d.phys), "%s", phys ? phys : "");
		snprintf(d.uniq, sizeof(d.uniq), "%s", uniq ? uniq : "");
		if (!ras_evdev_same_device(&r->id, &d)) {
			libevdev_free(dev);
			close(fd);
			return -ENODEV;
		}
	}
	set_path(r, path);
	r->fd = fd;
	if (caps_equal(&info, &r->id.info)) {
		struct input_event ev;

		/* The same device: the old handle knows what the consumer last
		 * saw, and a forced sync delivers only what changed. */
		libevdev_free(dev);
		libevdev_change_fd(r->dev, fd);
		libevdev_next_event(r->dev, LIBEVDEV_READ_FLAG_FORCE_SYNC, &ev);
		ret = read_sync(r, &synced);
		if (ret != -EAGAIN && ret < 0) {
			lose(r, ret);
			return 0;
		}
	} else {
		libevdev_free(r->dev);
		r->dev = dev;
	}
	if (r->grab && libevdev_grab(r->dev, LIBEVDEV_GRAB))
		report(r, RAS_EVDEV_ERROR, -EBUSY, "\"%s\": cannot grab it again: %s",
		       r->id.info.name, strerror(EBUSY));
	atomic_store_explicit(&r->connected, true, memory_order_release);
	report(r, RAS_EVDEV_BACK, 0, "sensor back: \"%s\" at %s after %.1f s%s", r->id.info.name,
	       path, (double)(now_ns() - r->lost_at) * 1e-9,
	       caps_equal(&info, &r->id.info) ? "" : " (its capabilities changed)");
	return 0;
}

/* Look for the lost device: sysfs says who is who without opening
 * anything; candidates on the same port (phys) first. */
static void try_reopen(struct ras_evdev_reader *r)
{
	char paths[2][64][RAS_EVDEV_PATH_MAX];
	int count[2] = { 0, 0 };
	struct dirent *de;
	DIR *d = opendir("/dev/input");

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct ras_evdev_device x = { 0 };
		int pref;

		if (strncmp(de->d_name, "event", 5))
			continue;
		if (ras_evdev_sysfs_read(NULL, de->d_name, &x) == 0 &&
		    !ras_evdev_same_device(&r->id, &x))
			continue;
		/* Without sysfs, every node is a candidate: opening tells. */
		pref = strcmp(x.phys, r->id.phys) == 0 ? 0 : 1;
		if (count[pref] < 64 &&
		    (size_t)snprintf(paths[pref][count[pref]], RAS_EVDEV_PATH_MAX, "/dev/input/%s",
				     de->d_name) < RAS_EVDEV_PATH_MAX)
			count[pref]++;
	}
	closedir(d);
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < count[p]; i++)
			if (try_candidate(r, paths[p][i]) == 0)
				return;
}

static void drain_notify(struct ras_evdev_reader *r)
{
	char buf[4096];

	while (r->notify_fd >= 0 && read(r->notify_fd, buf, sizeof(buf)) > 0)
		;
}

static void *reader_main(void *arg)
{
	struct ras_evdev_reader *r = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = r->stop_fd, .events = POLLIN },
				       { .fd = r->fd >= 0 ? r->fd : r->notify_fd,
					 .events = POLLIN } };
		int n = poll(p, 2, r->fd >= 0 ? -1 : r->rescan_ms);

		if (n < 0 && errno != EINTR) {
			report(r, RAS_EVDEV_ERROR, -errno, "\"%s\": poll: %s", r->id.info.name,
			       strerror(errno));
			break;
		}
		if (p[0].revents)
			break;
		if (r->fd >= 0) {
			int ret = 0;

			/* POLLHUP/POLLERR: gone; reading says so (ENODEV). */
			if (p[1].revents)
				ret = read_events(r);
			if (ret)
				lose(r, ret);
			if (r->fd < 0)
				drain_notify(r);
			continue;
		}
		drain_notify(r);
		try_reopen(r);
	}
	return NULL;
}

struct ras_evdev_reader *ras_evdev_reader_new(const struct ras_evdev_reader_config *cfg,
					      char *err, size_t errlen)
{
	struct ras_evdev_reader *r = calloc(1, sizeof(*r));
	size_t qlen = cfg->queue_len ? cfg->queue_len : 4096;
	const char *phys, *uniq;
	int ret;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->fd = r->wake_fd = r->stop_fd = r->notify_fd = -1;
	r->grab = cfg->grab;
	r->rescan_ms = cfg->rescan_ms > 0 ? cfg->rescan_ms : 200;
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->connected, false);
	atomic_init(&r->dropped, 0);
	snprintf(r->path, sizeof(r->path), "%s", cfg->path);
	ret = open_device(cfg->path, cfg->grab, &r->fd, &r->dev);
	if (ret) {
		if (ret == -EBUSY && cfg->grab)
			snprintf(err, errlen, "%s: another program has grabbed the device",
				 cfg->path);
		else
			ras_evdev_explain(ret, cfg->path, err, errlen);
		goto fail;
	}
	ras_evdev_device_info(r->dev, &r->id.info);
	phys = libevdev_get_phys(r->dev);
	uniq = libevdev_get_uniq(r->dev);
	snprintf(r->id.path, sizeof(r->id.path), "%s", cfg->path);
	snprintf(r->id.phys, sizeof(r->id.phys), "%s", phys ? phys : "");
	snprintf(r->id.uniq, sizeof(r->id.uniq), "%s", uniq ? uniq : "");
	r->id.caps = true;
	r->events = ras_spsc_new(sizeof(struct ras_evdev_event), qlen);
	r->statuses = ras_spsc_new(sizeof(struct ras_evdev_status), 64);
	r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!r->events || !r->statuses || r->wake_fd < 0 || r->stop_fd < 0) {
		ret = r->events && r->statuses ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s: %s", cfg->path, strerror(-ret));
		goto fail;
	}
	/* A device coming back shows up here at once; the periodic rescan
	 * covers what inotify misses (permissions fixed later by udev). */
	r->notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->notify_fd >= 0 && inotify_add_watch(r->notify_fd, "/dev/input",
						   IN_CREATE | IN_ATTRIB | IN_MOVED_TO) < 0) {
		close(r->notify_fd);
		r->notify_fd = -1;
	}
	atomic_store(&r->connected, true);
	ret = -pthread_create(&r->thread, NULL, reader_main, r);
	if (ret) {
		snprintf(err, errlen, "%s: cannot start the reader thread: %s", cfg->path,
			 strerror(-ret));
		goto fail;
	}
	r->running = true;
	return r;
fail:
	ras_evdev_reader_free(r);
	errno = -ret;
	return NULL;
}

void ras_evdev_reader_stop(struct ras_evdev_reader *r)
{
	uint64_t one = 1;

	if (!r || !r->running)
		return;
	if (write(r->stop_fd, &one, sizeof(one)) < 0)
		return;	/* cannot happen: the counter is at most 1 */
	pthread_join(r->thread, NULL);
	r->running = false;
	atomic_store(&r->connected, false);
}

void ras_evdev_reader_free(struct ras_evdev_reader *r)
{
	if (!r)
		return;
	ras_evdev_reader_stop(r);
	if (r->dev && r->grab && r->fd >= 0)
		libevdev_grab(r->dev, LIBEVDEV_UNGRAB);
	libevdev_free(r->dev);
	if (r->fd >= 0)
		close(r->fd);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	if (r->notify_fd >= 0)
		close(r->notify_fd);
	ras_spsc_free(r->events);
	ras_spsc_free(r->statuses);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

const struct ras_device_info *ras_evdev_reader_info(const struct ras_evdev_reader *r)
{
	return &r->id.info;
}

bool ras_evdev_reader_pop(struct ras_evdev_reader *r, struct ras_evdev_event *ev)
{
	return ras_spsc_pop(r->events, ev);
}

size_t ras_evdev_reader_pending(const struct ras_evdev_reader *r)
{
	return ras_spsc_count(r->events);
}

bool ras_evdev_reader_status(struct ras_evdev_reader *r, struct ras_evdev_status *st)
{
	return ras_spsc_pop(r->statuses, st);
}

int ras_evdev_reader_fd(const struct ras_evdev_reader *r)
{
	return r->wake_fd;
}

void ras_evdev_reader_drain_fd(struct ras_evdev_reader *r)
{
	uint64_t n;

	if (read(r->wake_fd, &n, sizeof(n)) < 0)
		return;	/* EAGAIN: nothing to drain */
}

bool ras_evdev_reader_connected(const struct ras_evdev_reader *r)
{
	return atomic_load_explicit(&r->connected, memory_order_acquire);
}

uint64_t ras_evdev_reader_dropped(const struct ras_evdev_reader *r)
{
	return atomic_load_explicit(&((struct ras_evdev_reader *)r)->dropped,
				    memory_order_relaxed);
}

void ras_evdev_reader_path(struct ras_evdev_reader *r, char *path, size_t len)
{
	pthread_mutex_lock(&r->lock);
	snprintf(path, len, "%s", r->path);
	pthread_mutex_unlock(&r->lock);
}

/* ---- recording -------------------------------------------------------- */

static int write_events(struct ras_evdev_reader *r, FILE *f, int64_t *offset, int64_t *last,
			long *count)
{
	struct ras_evdev_event e;

	while (ras_evdev_reader_pop(r, &e)) {
		if (e.ev.type == EV_SYN && e.ev.code == SYN_DROPPED)
			continue;	/* the re-synced state follows as events */
		/* evemu-record: the first event at 0.000001 s, the rest
		 * relative to it; a replay needs times that never go back. */
		if (*offset < 0)
			*offset = e.ev.time_ns - 1000;
		e.ev.time_ns -= *offset;
		if (e.ev.time_ns < *last)
			e.ev.time_ns = *last;
		*last = e.ev.time_ns;
		if (ras_evemu_write_event(f, &e.ev))
			return -EIO;
		(*count)++;
	}
	return 0;
}

long ras_evdev_record(const char *path, const char *out, double duration_s,
		      const volatile sig_atomic_t *stop, FILE *status, char *err, size_t errlen)
{
	struct ras_evdev_reader_config cfg = { .path = path, .queue_len = 65536 };
	struct ras_evdev_reader *r;
	struct ras_evdev_status st;
	struct ras_tmpfile t;
	int64_t offset = -1, last = 0, end = 0;
	long count = 0;
	int ret;
	FILE *f;

	r = ras_evdev_reader_new(&cfg, err, errlen);
	if (!r)
		return -errno;
	ret = ras_tmpfile_open(&t, out, 0666, err, errlen);
	if (ret) {
		ras_evdev_reader_free(r);
		return ret;
	}
	f = fdopen(t.fd, "w");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		close(t.fd);
		goto fail;
	}
	if (ras_evemu_write_header(f, ras_evdev_reader_info(r))) {
		ret = -EIO;
		goto fail_write;
	}
	if (duration_s > 0)
		end = now_ns() + (int64_t)(duration_s * 1e9);
	for (;;) {
		struct pollfd p = { .fd = ras_evdev_reader_fd(r), .events = POLLIN };
		bool done = (stop && *stop) || (end && now_ns() >= end);

		/* A signal setting *stop may come just before poll: wake up
		 * now and then to look. */
		if (!done && poll(&p, 1, 100) > 0)
			ras_evdev_reader_drain_fd(r);
		if (done)
			ras_evdev_reader_stop(r);
		if (write_events(r, f, &offset, &last, &count))
			goto fail_io;
		while (ras_evdev_reader_status(r, &st)) {
			if (status)
				fprintf(status, "%s\n", st.message);
			if (st.kind != RAS_EVDEV_OVERRUN && fprintf(f, "# %s\n", st.message) < 0)
				goto fail_io;
		}
		if (done)
			break;
	}
	ras_evdev_reader_free(r);
	r = NULL;
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		ret = errno ? -errno : -EIO;
		goto fail_write;
	}
	if (fclose(f)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		ras_tmpfile_discard(&t);
		return ret;
	}
	ret = ras_tmpfile_commit(&t, err, errlen);
	return ret ? ret : count;
fail_io:
	ret = -EIO;
fail_write:
	snprintf(err, errlen, "%s: cannot write: %s", out, strerror(-ret));
	fclose(f);
fail:
	ras_tmpfile_discard(&t);
	ras_evdev_reader_free(r);
	return ret;
}

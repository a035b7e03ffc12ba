/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm_evdev - rasbeat's evdev side against real kernel input devices.
 *
 * Runs as root inside the VM of tests/vm/run.sh (`make check-evdev`), where
 * uinput exists. It creates a footswitch (BTN_0 left, BTN_1 right), a force
 * insole pair (ABS_X left, ABS_Y right) and an accelerometer (ABS_X/Y/Z,
 * INPUT_PROP_ACCELEROMETER), drives them with known step patterns, and
 * checks what rasbeat's own reader thread and detectors make of them:
 *
 *   - every event's kernel timestamp lies between the clock readings taken
 *     around its write (CLOCK_MONOTONIC, as asked for);
 *   - the steps detected live are the steps the same detector finds in the
 *     stream as written, dated with those clock readings (to 1 ms);
 *   - SYN_DROPPED: the reader re-syncs, flags the state events, and the
 *     detector counts no step from them;
 *   - unplug: "lost", an impostor (same name, other product) is ignored,
 *     the real device coming back is reopened ("back"), events flow again;
 *   - listing, resolving, permission errors (as user nobody), grab, and
 *     recording to an evemu file that loads back.
 *
 * On a machine without /dev/uinput it fails rather than pretend.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/detect.h"
#include "rasbeat/evdev.h"
#include "rasbeat/evemu.h"

#define VID 0x1209	/* pid.codes test vendor */
#define PID_FSW 0x7001
#define PID_FORCE 0x7002
#define PID_ACCEL 0x7003
#define MS 1000000LL
#define MAXEV 8192
#define MAXSTEPS 64

/* ---- helpers ------------------------------------------------------------ */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { t / 1000000000, t % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void nap_ms(int ms)
{
	sleep_until(now_ns() + ms * MS);
}

struct vdev {
	struct libevdev_uinput *ui;
	char node[64];
};

static struct libevdev *footswitch_tmpl(unsigned product)
{
	struct libevdev *d = libevdev_new();

	libevdev_set_name(d, "rasbeat-vm footswitch");
	libevdev_set_id_bustype(d, BUS_USB);
	libevdev_set_id_vendor(d, VID);
	libevdev_set_id_product(d, product);
	libevdev_enable_event_type(d, EV_KEY);
	libevdev_enable_event_code(d, EV_KEY, BTN_0, NULL);
	libevdev_enable_event_code(d, EV_KEY, BTN_1, NULL);
	return d;
}

static struct libevdev *force_tmpl(void)
{
	static const struct input_absinfo a = { .minimum = 0, .maximum = 1023, .resolution = 0 };
	struct libevdev *d = libevdev_new();

	libevdev_set_name(d, "rasbeat-vm insoles");
	libevdev_set_id_bustype(d, BUS_BLUETOOTH);
	libevdev_set_id_vendor(d, VID);
	libevdev_set_id_product(d, PID_FORCE);
	libevdev_enable_event_type(d, EV_ABS);
	libevdev_enable_event_code(d, EV_ABS, ABS_X, &a);
	libevdev_enable_event_code(d, EV_ABS, ABS_Y, &a);
	return d;
}

static struct libevdev *accel_tmpl(void)
{
	static const struct input_absinfo a = { .minimum = -2048, .maximum = 2047,
						.resolution = 256 };
	struct libevdev *d = libevdev_new();

	libevdev_set_name(d, "rasbeat-vm accelerometer");
	libevdev_set_id_bustype(d, BUS_VIRTUAL);
	libevdev_set_id_vendor(d, VID);
	libevdev_set_id_product(d, PID_ACCEL);
	libevdev_enable_property(d, INPUT_PROP_ACCELEROMETER);
	libevdev_enable_event_type(d, EV_ABS);
	libevdev_enable_event_code(d, EV_ABS, ABS_X, &a);
	libevdev_enable_event_code(d, EV_ABS, ABS_Y, &a);
	libevdev_enable_event_code(d, EV_ABS, ABS_Z, &a);
	return d;
}

static bool vdev_create(struct vdev *v, struct libevdev *tmpl)
{
	int rc = libevdev_uinput_create_from_device(tmpl, LIBEVDEV_UINPUT_OPEN_MANAGED, &v->ui);
	const char *node;

	libevdev_free(tmpl);
	if (rc) {
		fprintf(stderr, "\nuinput: %s\n", strerror(-rc));
		v->ui = NULL;
		return false;
	}
	node = libevdev_uinput_get_devnode(v->ui);
	snprintf(v->node, sizeof(v->node), "%s", node ? node : "");
	return node != NULL;
}

static void vdev_destroy(struct vdev *v)
{
	if (v->ui)
		libevdev_uinput_destroy(v->ui);
	v->ui = NULL;
}

static void emit(struct vdev *v, unsigned type, unsigned code, int value)
{
	CU_ASSERT_EQUAL(libevdev_uinput_write_event(v->ui, type, code, value), 0);
}

/* A frame written: its events, then SYN_REPORT, bracketed by clock
 * readings. */
struct frame {
	int64_t t0, t1;
};

static struct frame emit_frame(struct vdev *v, unsigned type, const unsigned *codes,
			       const int *values, int n)
{
	struct frame f;

	f.t0 = now_ns();
	for (int i = 0; i < n; i++)
		emit(v, type, codes[i], values[i]);
	emit(v, EV_SYN, SYN_REPORT, 0);
	f.t1 = now_ns();
	return f;
}

static struct ras_evdev_reader *reader_open(const char *node, bool grab)
{
	struct ras_evdev_reader_config cfg = { .path = node, .grab = grab, .queue_len = MAXEV,
					       .rescan_ms = 100 };
	char err[512];
	struct ras_evdev_reader *r = ras_evdev_reader_new(&cfg, err, sizeof(err));

	if (!r)
		fprintf(stderr, "\nreader: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(r);
	return r;
}

/* Pop until `quiet_ms` pass without an event (or `max`). */
static int collect(struct ras_evdev_reader *r, struct ras_evdev_event *out, int max, int quiet_ms)
{
	int n = 0;
	int64_t last = now_ns();

	while (now_ns() - last < quiet_ms * MS) {
		struct pollfd p = { .fd = ras_evdev_reader_fd(r), .events = POLLIN };

		poll(&p, 1, 10);
		ras_evdev_reader_drain_fd(r);
		while (n < max && ras_evdev_reader_pop(r, &out[n])) {
			n++;
			last = now_ns();
		}
	}
	return n;
}

/* Wait for a status report of `kind`, up to ms. */
static bool wait_status(struct ras_evdev_reader *r, enum ras_evdev_status_kind kind, int ms,
			struct ras_evdev_status *st)
{
	int64_t end = now_ns() + ms * MS;

	while (now_ns() < end) {
		struct pollfd p = { .fd = ras_evdev_reader_fd(r), .events = POLLIN };

		while (ras_evdev_reader_status(r, st)) {
			printf("\n    [%s]", st->message);
			if (st->kind == kind)
				return true;
		}
		poll(&p, 1, 10);
		ras_evdev_reader_drain_fd(r);
	}
	return false;
}

static int run_detector(enum ras_sensor_kind kind, const struct ras_device_info *info,
			const struct ras_evdev_event *ev, int n, struct ras_step *steps, int max)
{
	struct ras_detect_config cfg;
	struct ras_detector *d;
	int k = 0;

	ras_detect_config_default(&cfg, kind);
	if (kind == RAS_SENSOR_FOOTSWITCH) {
		cfg.left_code = BTN_0;
		cfg.right_code = BTN_1;
	}
	d = ras_detector_new(&cfg, info);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (int i = 0; i < n; i++) {
		if (ev[i].flags & RAS_EVDEV_SYNCED)
			ras_detector_sync(d, &ev[i].ev);
		else
			k += ras_detector_feed(d, &ev[i].ev, steps + (k < max ? k : max),
					       k < max ? max - k : 0);
	}
	k += ras_detector_flush(d, steps + (k < max ? k : max), k < max ? max - k : 0);
	ras_detector_free(d);
	return k < max ? k : max;
}

/*
 * The events as written, dated with the middle of each frame's clock
 * bracket: what the detector should see if the kernel stamps are right.
 */
struct written {
	struct ras_evdev_event ev[MAXEV];
	int n;
};

static void written_add(struct written *w, struct frame f, unsigned type, const unsigned *codes,
			const int *values, int n)
{
	int64_t t = f.t0 + (f.t1 - f.t0) / 2;

	for (int i = 0; i < n && w->n < MAXEV - 1; i++)
		w->ev[w->n++] = (struct ras_evdev_event){ .ev = { t, type, codes[i], values[i] } };
	w->ev[w->n++] = (struct ras_evdev_event){ .ev = { t, EV_SYN, SYN_REPORT, 0 } };
}

/* Each live event inside its frame's bracket. Events are matched to frames
 * in order, skipping values the kernel filtered (unchanged ABS values). */
static void check_stamps(const struct ras_evdev_event *ev, int n, const struct frame *frames,
			 int nframes)
{
	int f = 0, outside = 0, synced = 0;
	int64_t worst = 0;

	for (int i = 0; i < n; i++) {
		synced += (ev[i].flags & RAS_EVDEV_SYNCED) != 0;
		while (f < nframes && ev[i].ev.time_ns > frames[f].t1)
			f++;
		if (f == nframes || ev[i].ev.time_ns < frames[f].t0) {
			outside++;
			continue;
		}
		if (frames[f].t1 - frames[f].t0 > worst)
			worst = frames[f].t1 - frames[f].t0;
		if (ev[i].ev.type == EV_SYN && ev[i].ev.code == SYN_REPORT)
			f++;
	}
	printf("\n    %d events, %d frames, widest write bracket %.1f us", n, nframes, worst / 1e3);
	CU_ASSERT_EQUAL(outside, 0);
	CU_ASSERT_EQUAL(synced, 0);
}

/*
 * The kernel's stamp lies inside the write bracket, the stream as written
 * is dated at its middle: the footswitch and force detectors date steps by
 * event times, so the two agree to half the widest bracket. The accel
 * detector resamples to 10 ms bins and dates a step by its bin: a peak
 * that nearly ties between two bins may fall in the other one (`slack`).
 */
static void check_steps(const char *what, const struct ras_step *live, int nlive,
			const struct ras_step *want, int nwant, int min, const struct frame *f,
			int nf, int64_t slack)
{
	int64_t worst = 0, tol = 0;

	for (int i = 0; i < nf; i++)
		tol = (f[i].t1 - f[i].t0) / 2 > tol ? (f[i].t1 - f[i].t0) / 2 : tol;
	tol += 10000 + slack;
	printf("\n    %s: %d steps live, %d from the stream as written (at least %d expected)",
	       what, nlive, nwant, min);
	CU_ASSERT(nwant >= min);
	CU_ASSERT_EQUAL(nlive, nwant);
	for (int i = 0; i < nlive && i < nwant; i++) {
		int64_t d = llabs(live[i].time_ns - want[i].time_ns);

		worst = d > worst ? d : worst;
		CU_ASSERT_EQUAL(live[i].foot, want[i].foot);
	}
	printf("; worst time difference %.1f us (allowed %.1f)", worst / 1e3, tol / 1e3);
	CU_ASSERT(worst <= tol);
}

static struct ras_evdev_event evbuf[MAXEV];
static struct written wbuf;
static struct frame frames[MAXEV];

/* ---- listing and resolving ----------------------------------------------- */

static void test_devices(void)
{
	struct vdev fs = { 0 }, fo = { 0 }, ac = { 0 };
	struct ras_evdev_device *v;
	char path[256], err[1024], *text = NULL;
	size_t n, len = 0;
	int found = 0;
	FILE *mem;

	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	CU_ASSERT_FATAL(vdev_create(&fo, force_tmpl()));
	CU_ASSERT_FATAL(vdev_create(&ac, accel_tmpl()));

	CU_ASSERT_EQUAL_FATAL(ras_evdev_scan(NULL, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		const struct ras_evdev_device *d = &v[i];

		if (d->info.vendor != VID)
			continue;
		found++;
		CU_ASSERT_EQUAL(d->error, 0);
		CU_ASSERT(d->caps);
		if (d->info.product == PID_FSW) {
			CU_ASSERT_STRING_EQUAL(d->path, fs.node);
			CU_ASSERT(d->info.has_key[BTN_0] && d->info.has_key[BTN_1]);
			CU_ASSERT(ras_evdev_device_serves(d, RAS_SENSOR_FOOTSWITCH));
			CU_ASSERT(!ras_evdev_device_serves(d, RAS_SENSOR_ACCEL));
		} else if (d->info.product == PID_FORCE) {
			CU_ASSERT_EQUAL(d->info.abs[ABS_Y].maximum, 1023);
			CU_ASSERT(ras_evdev_device_serves(d, RAS_SENSOR_FORCE));
			CU_ASSERT(!ras_evdev_device_serves(d, RAS_SENSOR_FOOTSWITCH));
		} else if (d->info.product == PID_ACCEL) {
			CU_ASSERT_EQUAL(d->info.abs[ABS_Z].resolution, 256);
			CU_ASSERT(d->info.props & (1u << INPUT_PROP_ACCELEROMETER));
			CU_ASSERT(ras_evdev_device_serves(d, RAS_SENSOR_ACCEL));
		}
	}
	free(v);
	CU_ASSERT_EQUAL(found, 3);

	mem = open_memstream(&text, &len);
	CU_ASSERT(ras_evdev_print_devices(mem, NULL) >= 3);
	fclose(mem);
	printf("\n%s", text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "rasbeat-vm accelerometer"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "axis ABS_Z -2048..2047 resolution 256/g"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "keys 2: BTN_0 BTN_1"));
	free(text);

	CU_ASSERT_EQUAL(ras_evdev_resolve("vm foot", -1, NULL, path, sizeof(path), err,
					  sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(path, fs.node);
	CU_ASSERT_EQUAL(ras_evdev_resolve("1209:7003", -1, NULL, path, sizeof(path), err,
					  sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(path, ac.node);
	CU_ASSERT_EQUAL(ras_evdev_resolve(strrchr(fo.node, '/') + 1, -1, NULL, path, sizeof(path),
					  err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(path, fo.node);
	CU_ASSERT_EQUAL(ras_evdev_resolve("RASBEAT-VM", -1, NULL, path, sizeof(path), err,
					  sizeof(err)), -ENOTUNIQ);
	printf("\n    %s", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, fs.node));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ac.node));
	/* Only the footswitch of the three can serve as one. */
	CU_ASSERT_EQUAL(ras_evdev_resolve("rasbeat-vm", RAS_SENSOR_FOOTSWITCH, NULL, path,
					  sizeof(path), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(path, fs.node);
	CU_ASSERT_EQUAL(ras_evdev_resolve("no such sensor", -1, NULL, path, sizeof(path), err,
					  sizeof(err)), -ENODEV);

	vdev_destroy(&fs);
	vdev_destroy(&fo);
	vdev_destroy(&ac);
}

/* As user nobody: nodes are root's 0600 here (no udev). */
static void test_permissions(void)
{
	struct vdev fs = { 0 };
	int pipefd[2], status;
	char buf[8192] = "";
	ssize_t got, len = 0;
	pid_t pid;

	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	CU_ASSERT_FATAL(pipe(pipefd) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct ras_evdev_reader_config cfg = { .path = fs.node };
		struct ras_evdev_device *v;
		char err[1024], path[256], *text = NULL;
		size_t n, tlen = 0;
		int fails = 0;
		FILE *mem, *out = fdopen(pipefd[1], "w");

		close(pipefd[0]);
		if (setgid(65534) || setuid(65534))
			_exit(99);
		if (ras_evdev_reader_new(&cfg, err, sizeof(err)) || errno != EACCES)
			fails |= 1;
		fprintf(out, "reader: %s\n", err);
		if (!strstr(err, "permission denied"))
			fails |= 2;
		if (ras_evdev_scan(NULL, &v, &n))
			_exit(98);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(v[i].path, fs.node))
				continue;
			/* Not openable, yet named from sysfs, and what it can
			 * serve is known from its capabilities there. */
			if (v[i].error != -EACCES ||
			    strcmp(v[i].info.name, "rasbeat-vm footswitch") ||
			    v[i].info.vendor != VID ||
			    !ras_evdev_device_serves(&v[i], RAS_SENSOR_FOOTSWITCH))
				fails |= 4;
		}
		free(v);
		mem = open_memstream(&text, &tlen);
		ras_evdev_print_devices(mem, NULL);
		fclose(mem);
		fprintf(out, "%s", text);
		if (!strstr(text, "permission denied") ||
		    !strstr(text, "ATTRS{id/vendor}==\"1209\", ATTRS{id/product}==\"7001\"") ||
		    strstr(text, "ATTRS{id/product}==\"0001\""))
			fails |= 8;
		if (ras_evdev_resolve("vm footswitch", -1, NULL, path, sizeof(path), err,
				      sizeof(err)) || strcmp(path, fs.node))
			fails |= 16;
		fclose(out);
		_exit(fails);
	}
	close(pipefd[1]);
	while ((got = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += got;
	buf[len] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	printf("\n%s", buf);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	vdev_destroy(&fs);
}

/* ---- steps ------------------------------------------------------------------- */

static void test_footswitch_steps(void)
{
	static const unsigned btn[2] = { BTN_0, BTN_1 };
	struct ras_step live[MAXSTEPS], want[MAXSTEPS];
	struct ras_evdev_reader *r;
	struct ras_evdev_status st;
	struct vdev fs = { 0 };
	int nf = 0, n, nl, nw;
	int64_t t;

	wbuf.n = 0;
	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	r = reader_open(fs.node, false);
	if (!r)
		return;
	/* Left, right, ... every 250 ms, each contact held 120 ms. */
	t = now_ns() + 20 * MS;
	for (int i = 0; i < 8; i++) {
		int one = 1, zero = 0;

		sleep_until(t + i * 250 * MS);
		frames[nf] = emit_frame(&fs, EV_KEY, &btn[i % 2], &one, 1);
		written_add(&wbuf, frames[nf++], EV_KEY, &btn[i % 2], &one, 1);
		sleep_until(t + i * 250 * MS + 120 * MS);
		frames[nf] = emit_frame(&fs, EV_KEY, &btn[i % 2], &zero, 1);
		written_add(&wbuf, frames[nf++], EV_KEY, &btn[i % 2], &zero, 1);
	}
	n = collect(r, evbuf, MAXEV, 100);
	CU_ASSERT_EQUAL(n, 32);
	check_stamps(evbuf, n, frames, nf);
	nl = run_detector(RAS_SENSOR_FOOTSWITCH, ras_evdev_reader_info(r), evbuf, n, live,
			  MAXSTEPS);
	nw = run_detector(RAS_SENSOR_FOOTSWITCH, ras_evdev_reader_info(r), wbuf.ev, wbuf.n, want,
			  MAXSTEPS);
	check_steps("footswitch", live, nl, want, nw, 8, frames, nf, 0);
	for (int i = 0; i < nl && i < 8; i++)
		CU_ASSERT_EQUAL(live[i].foot, i % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT);
	CU_ASSERT(!ras_evdev_reader_status(r, &st));
	ras_evdev_reader_free(r);
	vdev_destroy(&fs);
}

/* Pressure under one foot: heel strike at 0, loading over 60 ms, stance
 * 300 ms, unloading over 80 ms; zero in swing. 0..1 */
static double stance(double t)
{
	if (t < 0 || t > 0.44)
		return 0;
	if (t < 0.06)
		return t / 0.06;
	if (t < 0.36)
		return 1;
	return (0.44 - t) / 0.08;
}

static void test_force_steps(void)
{
	static const unsigned codes[2] = { ABS_X, ABS_Y };
	struct ras_step live[MAXSTEPS], want[MAXSTEPS];
	struct ras_evdev_reader *r;
	struct ras_evdev_status st;
	struct vdev fo = { 0 };
	int nf = 0, n, nl, nw;
	int64_t t0;

	wbuf.n = 0;
	CU_ASSERT_FATAL(vdev_create(&fo, force_tmpl()));
	r = reader_open(fo.node, false);
	if (!r)
		return;
	/* 3 s at 100 Hz; heel strikes every 0.5 s, alternating feet, with
	 * a little noise so no frame is empty. */
	t0 = now_ns() + 20 * MS;
	for (int i = 0; i < 300; i++) {
		double s = i / 100.0;
		int v[2];

		for (int f = 0; f < 2; f++) {
			double ph = fmod(s - 0.1 - 0.5 * f, 1.0);

			v[f] = (int)(30 + 900 * stance(ph) + (i * 7 + f * 3) % 5);
		}
		sleep_until(t0 + i * 10 * MS);
		frames[nf] = emit_frame(&fo, EV_ABS, codes, v, 2);
		written_add(&wbuf, frames[nf++], EV_ABS, codes, v, 2);
	}
	n = collect(r, evbuf, MAXEV, 100);
	CU_ASSERT_EQUAL(n, 900);
	check_stamps(evbuf, n, frames, nf);
	nl = run_detector(RAS_SENSOR_FORCE, ras_evdev_reader_info(r), evbuf, n, live, MAXSTEPS);
	nw = run_detector(RAS_SENSOR_FORCE, ras_evdev_reader_info(r), wbuf.ev, wbuf.n, want,
			  MAXSTEPS);
	check_steps("force", live, nl, want, nw, 4, frames, nf, 0);
	CU_ASSERT(!ras_evdev_reader_status(r, &st));
	ras_evdev_reader_free(r);
	vdev_destroy(&fo);
}

static void test_accel_steps(void)
{
	static const unsigned codes[3] = { ABS_X, ABS_Y, ABS_Z };
	struct ras_step live[MAXSTEPS], want[MAXSTEPS];
	struct ras_evdev_reader *r;
	struct ras_evdev_status st;
	struct vdev ac = { 0 };
	int nf = 0, n, nl, nw;
	int64_t t0;

	wbuf.n = 0;
	CU_ASSERT_FATAL(vdev_create(&ac, accel_tmpl()));
	r = reader_open(ac.node, false);
	if (!r)
		return;
	/* 4 s at 100 Hz, 256 units per g: 1 g on Z, a 2 Hz walking sway of
	 * 0.25 g, and an impact of 0.6 g for 40 ms at each heel strike. */
	t0 = now_ns() + 20 * MS;
	for (int i = 0; i < 400; i++) {
		double s = i / 100.0, ph = fmod(s, 0.5);
		double z = 1 + 0.25 * sin(2 * M_PI * 2 * s) + (ph < 0.04 ? 0.6 : 0);
		int v[3] = { (int)(20 + 10 * sin(2 * M_PI * s)) + i % 3, 5 - i % 2,
			     (int)lround(256 * z) };

		sleep_until(t0 + i * 10 * MS);
		frames[nf] = emit_frame(&ac, EV_ABS, codes, v, 3);
		written_add(&wbuf, frames[nf++], EV_ABS, codes, v, 3);
	}
	n = collect(r, evbuf, MAXEV, 100);
	check_stamps(evbuf, n, frames, nf);
	nl = run_detector(RAS_SENSOR_ACCEL, ras_evdev_reader_info(r), evbuf, n, live, MAXSTEPS);
	nw = run_detector(RAS_SENSOR_ACCEL, ras_evdev_reader_info(r), wbuf.ev, wbuf.n, want,
			  MAXSTEPS);
	check_steps("accel", live, nl, want, nw, 4, frames, nf, 10 * MS);
	CU_ASSERT(!ras_evdev_reader_status(r, &st));
	ras_evdev_reader_free(r);
	vdev_destroy(&ac);
}

/* ---- SYN_DROPPED ------------------------------------------------------------- */

/*
 * Overflow the kernel's per-client buffer: this thread writes at SCHED_FIFO
 * on the VM's single CPU, so the reader cannot run until it sleeps. The
 * flood ends with BTN_1 held: state the reader must hand on as SYNCED, and
 * no step from it. Then one real press: exactly one step.
 */
static void test_syn_dropped(void)
{
	struct sched_param fifo = { .sched_priority = 10 }, other = { 0 };
	struct ras_step live[MAXSTEPS];
	struct ras_evdev_reader *r;
	struct ras_evdev_status st;
	struct vdev fs = { 0 };
	int n, nl, synced = 0, held = -1, dropped = 0;
	bool fifo_ok;
	struct frame press;

	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	r = reader_open(fs.node, false);
	if (!r)
		return;
	fifo_ok = pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) == 0;
	CU_ASSERT(fifo_ok);
	for (int i = 0; i < 1000; i++) {
		emit(&fs, EV_KEY, BTN_0, !(i & 1));
		emit(&fs, EV_SYN, SYN_REPORT, 0);
	}
	emit(&fs, EV_KEY, BTN_1, 1);
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &other);
	CU_ASSERT(wait_status(r, RAS_EVDEV_RESYNC, 2000, &st));
	nap_ms(50);
	emit(&fs, EV_KEY, BTN_1, 0);
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	nap_ms(300);
	press = emit_frame(&fs, EV_KEY, (const unsigned[]){ BTN_0 }, (const int[]){ 1 }, 1);
	nap_ms(100);
	emit(&fs, EV_KEY, BTN_0, 0);
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	n = collect(r, evbuf, MAXEV, 100);
	for (int i = 0; i < n; i++) {
		const struct ras_input_event *e = &evbuf[i].ev;

		if (e->type == EV_SYN && e->code == SYN_DROPPED) {
			dropped++;
			CU_ASSERT(evbuf[i].flags & RAS_EVDEV_SYNCED);
		}
		if (evbuf[i].flags & RAS_EVDEV_SYNCED) {
			synced++;
			if (e->type == EV_KEY && e->code == BTN_1)
				held = e->value;
		}
	}
	printf("\n    %d events after the flood, %d SYN_DROPPED, %d synced", n, dropped, synced);
	CU_ASSERT(dropped >= 1);
	CU_ASSERT_EQUAL(held, 1);	/* BTN_1 held: known from the sync only */
	nl = run_detector(RAS_SENSOR_FOOTSWITCH, ras_evdev_reader_info(r), evbuf, n, live,
			  MAXSTEPS);
	CU_ASSERT_EQUAL(nl, 1);
	if (nl == 1) {
		CU_ASSERT_EQUAL(live[0].foot, RAS_FOOT_LEFT);
		CU_ASSERT(live[0].time_ns >= press.t0 && live[0].time_ns <= press.t1);
	}
	ras_evdev_reader_free(r);
	vdev_destroy(&fs);
}

/* ---- unplug and replug -------------------------------------------------------- */

static void test_replug(void)
{
	struct vdev fs = { 0 }, other = { 0 };
	struct ras_evdev_reader *r;
	struct ras_evdev_status st;
	struct ras_step live[MAXSTEPS];
	int n, nl, last_btn1 = -1, live_after = 0;
	int64_t t_unplug, t_replug;
	struct frame press;
	char path[256];

	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	r = reader_open(fs.node, false);
	if (!r)
		return;
	emit(&fs, EV_KEY, BTN_1, 1);	/* held while it goes away */
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	nap_ms(50);
	t_unplug = now_ns();
	vdev_destroy(&fs);
	CU_ASSERT(wait_status(r, RAS_EVDEV_LOST, 2000, &st));
	printf("\n    lost after %.1f ms", (now_ns() - t_unplug) / 1e6);
	CU_ASSERT_EQUAL(st.error, -ENODEV);
	CU_ASSERT(!ras_evdev_reader_connected(r));

	/* Same name, another product: not ours. */
	CU_ASSERT_FATAL(vdev_create(&other, footswitch_tmpl(PID_FSW + 0x100)));
	CU_ASSERT(!wait_status(r, RAS_EVDEV_BACK, 500, &st));
	CU_ASSERT(!ras_evdev_reader_connected(r));

	t_replug = now_ns();
	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	CU_ASSERT(wait_status(r, RAS_EVDEV_BACK, 2000, &st));
	printf("\n    back after %.1f ms at %s", (now_ns() - t_replug) / 1e6, st.path);
	CU_ASSERT(ras_evdev_reader_connected(r));
	ras_evdev_reader_path(r, path, sizeof(path));
	CU_ASSERT_STRING_EQUAL(path, fs.node);
	CU_ASSERT_STRING_EQUAL(st.path, fs.node);

	nap_ms(20);
	press = emit_frame(&fs, EV_KEY, (const unsigned[]){ BTN_0 }, (const int[]){ 1 }, 1);
	nap_ms(100);
	emit(&fs, EV_KEY, BTN_0, 0);
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	n = collect(r, evbuf, MAXEV, 100);
	for (int i = 0; i < n; i++) {
		const struct ras_input_event *e = &evbuf[i].ev;

		if (e->type == EV_KEY && e->code == BTN_1)
			last_btn1 = e->value;
		if (e->type == EV_KEY && e->code == BTN_0 && !(evbuf[i].flags & RAS_EVDEV_SYNCED)) {
			live_after++;
			if (e->value == 1)
				CU_ASSERT(e->time_ns >= press.t0 && e->time_ns <= press.t1);
		}
	}
	CU_ASSERT_EQUAL(live_after, 2);
	/* BTN_1 was down when the device left and is up on the new one:
	 * whether the kernel's release or the reopen's sync said so, the
	 * consumer's last word on it is "up". */
	CU_ASSERT_EQUAL(last_btn1, 0);
	nl = run_detector(RAS_SENSOR_FOOTSWITCH, ras_evdev_reader_info(r), evbuf, n, live,
			  MAXSTEPS);
	CU_ASSERT_EQUAL(nl, 1);

	ras_evdev_reader_free(r);
	vdev_destroy(&fs);
	vdev_destroy(&other);
}

/* ---- grab ------------------------------------------------------------------ */

static void test_grab(void)
{
	struct ras_evdev_reader *r;
	struct input_event ev;
	struct libevdev *other;
	struct vdev fs = { 0 };
	int fd, rc;

	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	fd = open(fs.node, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(fd >= 0 && libevdev_new_from_fd(fd, &other) == 0);
	r = reader_open(fs.node, true);
	if (!r)
		return;
	emit(&fs, EV_KEY, BTN_0, 1);
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	nap_ms(50);
	CU_ASSERT_EQUAL(collect(r, evbuf, MAXEV, 50), 2);
	rc = libevdev_next_event(other, LIBEVDEV_READ_FLAG_NORMAL, &ev);
	CU_ASSERT_EQUAL(rc, -EAGAIN);	/* grabbed: nobody else sees it */
	ras_evdev_reader_free(r);
	emit(&fs, EV_KEY, BTN_0, 0);
	emit(&fs, EV_SYN, SYN_REPORT, 0);
	nap_ms(20);
	rc = libevdev_next_event(other, LIBEVDEV_READ_FLAG_NORMAL, &ev);
	CU_ASSERT_EQUAL(rc, 0);		/* released with the reader */
	libevdev_free(other);
	close(fd);
	vdev_destroy(&fs);
}

/* ---- recording -------------------------------------------------------------- */

struct rec_args {
	const char *node, *out;
	volatile sig_atomic_t stop;
	long ret;
	char err[512];
	FILE *status;
};

static void *record_main(void *arg)
{
	struct rec_args *a = arg;

	a->ret = ras_evdev_record(a->node, a->out, 0, &a->stop, a->status, a->err,
				  sizeof(a->err));
	return NULL;
}

/*
 * Three presses, an unplug and replug, a fourth press. The file: evemu's
 * header, times relative to the first event (at 0.000001, as evemu-record
 * writes them), the replug as comment lines, and it loads back.
 */
static void test_record(void)
{
	struct rec_args a = { .out = "/tmp/rec.evemu" };
	char err[512], line[512], *status = NULL;
	struct ras_evemu *rec = NULL;
	int64_t t[4] = { 0 };
	struct vdev fs = { 0 };
	size_t status_len = 0;
	bool lost = false, back = false;
	struct frame f[4];
	pthread_t th;
	FILE *in;
	int k = 0;

	CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
	a.node = fs.node;
	a.status = open_memstream(&status, &status_len);
	pthread_create(&th, NULL, record_main, &a);
	nap_ms(100);
	for (int i = 0; i < 4; i++) {
		if (i == 3) {
			vdev_destroy(&fs);
			nap_ms(50);
			CU_ASSERT_FATAL(vdev_create(&fs, footswitch_tmpl(PID_FSW)));
			nap_ms(400);
		}
		f[i] = emit_frame(&fs, EV_KEY, (const unsigned[]){ BTN_0 }, (const int[]){ 1 }, 1);
		nap_ms(30);
		emit(&fs, EV_KEY, BTN_0, 0);
		emit(&fs, EV_SYN, SYN_REPORT, 0);
		nap_ms(70 + 50 * i);
	}
	CU_ASSERT_EQUAL(access(a.out, F_OK), -1);	/* not before it is complete */
	a.stop = 1;
	pthread_join(th, NULL);
	fclose(a.status);
	printf("\n%s", status);
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "sensor lost"));
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "sensor back"));
	free(status);
	if (a.ret < 0)
		printf("\n    record: %s", a.err);
	CU_ASSERT(a.ret >= 16);

	/* Our own reading of the lines. */
	in = fopen(a.out, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT(fgets(line, sizeof(line), in) && !strcmp(line, "# EVEMU 1.3\n"));
	while (fgets(line, sizeof(line), in)) {
		unsigned long sec, usec;
		unsigned type, code;
		int value;

		lost |= !strncmp(line, "# sensor lost", 13);
		back |= !strncmp(line, "# sensor back", 13);
		if (sscanf(line, "E: %lu.%6lu %x %x %d", &sec, &usec, &type, &code, &value) != 5)
			continue;
		if (k == 0)
			CU_ASSERT(sec == 0 && usec == 1);
		if (type == EV_KEY && value == 1 && k < 4)
			t[k++] = (int64_t)(sec * 1000000 + usec) * 1000;
	}
	fclose(in);
	CU_ASSERT(lost && back);
	CU_ASSERT_EQUAL(k, 4);
	for (int i = 1; i < k; i++) {
		int64_t lo = f[i].t0 - f[0].t1, hi = f[i].t1 - f[0].t0;
		int64_t d = t[i] - t[0];

		CU_ASSERT(d >= lo - 1000 && d <= hi + 1000);
	}
	CU_ASSERT_EQUAL(ras_evemu_load(a.out, &rec, err, sizeof(err)), 0);
	if (rec) {
		CU_ASSERT_STRING_EQUAL(ras_evemu_device(rec)->name, "rasbeat-vm footswitch");
		CU_ASSERT_EQUAL((long)ras_evemu_count(rec), a.ret);
		ras_evemu_free(rec);
	} else {
		printf("\n    load: %s", err);
	}
	vdev_destroy(&fs);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "devices: list, capabilities, resolve", test_devices },
		{ "devices: permission denied, explained", test_permissions },
		{ "footswitch: stamps and steps", test_footswitch_steps },
		{ "force insoles: stamps and steps", test_force_steps },
		{ "accelerometer: stamps and steps", test_accel_steps },
		{ "SYN_DROPPED: synced state, no step", test_syn_dropped },
		{ "unplug and replug", test_replug },
		{ "grab", test_grab },
		{ "record to evemu", test_record },
	};
	int64_t t0 = now_ns();
	unsigned failed;
	CU_pSuite s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access("/dev/uinput", W_OK)) {
		fprintf(stderr, "vm_evdev: /dev/uinput: %s; run it with tests/vm/run.sh "
				"(make check-evdev)\n", strerror(errno));
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("evdev-vm", NULL, NULL);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	printf("\n%u passed, %u failed (%.1f s in the VM)\n", CU_get_number_of_tests_run() - failed,
	       failed, (now_ns() - t0) / 1e9);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <jack/jack.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rasbeat/jackout.h"

struct ras_jack {
	jack_client_t *client;
	jack_port_t *port[2];
	struct ras_engine *engine;
	bool active;

	atomic_bool lost;
	char why[256];
	atomic_uint_fast64_t xruns;
	atomic_uint latency;
	atomic_bool have_start;
	atomic_uint start_frame;
};

/*
 * Hooks a test preloads to watch the audio thread (tests/tools/rtpreload.c):
 * weak, so in a normal run they are NULL and cost one test a cycle.
 */
extern void ras_rt_enter(void) __attribute__((weak));
extern void ras_rt_leave(void) __attribute__((weak));

static int on_process(jack_nframes_t n, void *arg)
{
	struct ras_jack *j = arg;
	float *l, *r;
	int64_t before;

	if (ras_rt_enter)
		ras_rt_enter();
	l = jack_port_get_buffer(j->port[0], n);
	r = jack_port_get_buffer(j->port[1], n);
	before = ras_engine_frame(j->engine);

	ras_engine_process(j->engine, l, r, n);
	if (ras_engine_frame(j->engine) > before) {
		/*
		 * Engine frame `before` is now. Anchored anew each cycle: after
		 * an xrun JACK's frame time has moved on by cycles the engine
		 * never ran, and sensor times must map to the engine's frames.
		 */
		atomic_store_explicit(&j->start_frame,
				      jack_last_frame_time(j->client) - (uint32_t)before,
				      memory_order_relaxed);
		atomic_store_explicit(&j->have_start, true, memory_order_release);
	}
	if (ras_rt_leave)
		ras_rt_leave();
	return 0;
}

static int on_xrun(void *arg)
{
	struct ras_jack *j = arg;

	atomic_fetch_add_explicit(&j->xruns, 1, memory_order_relaxed);
	return 0;
}

static void on_latency(jack_latency_callback_mode_t mode, void *arg)
{
	struct ras_jack *j = arg;
	jack_latency_range_t range;

	if (mode != JackPlaybackLatency)
		return;
	jack_port_get_latency_range(j->port[0], JackPlaybackLatency, &range);
	atomic_store_explicit(&j->latency, range.max, memory_order_relaxed);
}

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct ras_jack *j = arg;

	snprintf(j->why, sizeof(j->why), "%s (status 0x%x)", reason ? reason : "no reason given",
		 (unsigned)code);
	atomic_store_explicit(&j->lost, true, memory_order_release);
}

static void silent_error(const char *msg)
{
	(void)msg;	/* libjack's own chatter; rasbeat says what failed itself */
}

/* How long a server may take to answer before rasbeat gives up on it. */
#define OPEN_TIMEOUT_S 10

struct opener {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	bool done, abandoned;
	const char *name, *server;
	jack_options_t opts;
	jack_status_t status;
	jack_client_t *client;
	char name_buf[128], server_buf[128];
};

/*
 * jack_client_open can block for ever: PipeWire's libjack waits on a daemon
 * that never answers (e.g. one configured without module-access). It runs in
 * a thread of its own so that rasbeat can give up and say so.
 */
static void *open_thread(void *arg)
{
	struct opener *op = arg;
	jack_client_t *c = jack_client_open(op->name, op->opts, &op->status, op->server);
	bool abandoned;

	pthread_mutex_lock(&op->lock);
	op->client = c;
	op->done = true;
	abandoned = op->abandoned;
	pthread_cond_signal(&op->done_cond);
	pthread_mutex_unlock(&op->lock);
	if (abandoned) {
		/* Nobody waits any more: whoever is last frees. */
		if (c)
			jack_client_close(c);
		free(op);
	}
	return NULL;
}

struct ras_jack *ras_jack_open(const char *client_name, const char *server,
			       char *err, size_t errlen)
{
	struct ras_jack *j = calloc(1, sizeof(*j));
	struct opener *op = calloc(1, sizeof(*op));
	struct timespec deadline;
	pthread_t thread;
	bool done;
	int rc = 0;

	if (!j || !op) {
		snprintf(err, errlen, "out of memory");
		free(j);
		free(op);
		return NULL;
	}
	jack_set_error_function(silent_error);
	jack_set_info_function(silent_error);
	pthread_mutex_init(&op->lock, NULL);
	pthread_cond_init(&op->done_cond, NULL);
	snprintf(op->name_buf, sizeof(op->name_buf), "%s", client_name);
	op->name = op->name_buf;
	if (server) {
		snprintf(op->server_buf, sizeof(op->server_buf), "%s", server);
		op->server = op->server_buf;
	}
	op->opts = JackNoStartServer | (server ? JackServerName : 0);
	if (pthread_create(&thread, NULL, open_thread, op)) {
		snprintf(err, errlen, "cannot start a thread");
		free(j);
		free(op);
		return NULL;
	}
	pthread_detach(thread);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += OPEN_TIMEOUT_S;
	pthread_mutex_lock(&op->lock);
	while (!op->done && rc == 0)
		rc = pthread_cond_timedwait(&op->done_cond, &op->lock, &deadline);
	done = op->done;
	if (!done)
		op->abandoned = true;
	pthread_mutex_unlock(&op->lock);
	if (!done) {
		snprintf(err, errlen, "the JACK server%s%s%s did not answer within %d s "
			 "(a PipeWire daemon without module-access, or a hung jackd?)",
			 server ? " '" : "", server ? server : "", server ? "'" : "", OPEN_TIMEOUT_S);
		free(j);
		return NULL;
	}
	j->client = op->client;
	if (!j->client) {
		snprintf(err, errlen, "no JACK server%s%s%s reachable (status 0x%x)%s",
			 server ? " '" : "", server ? server : "", server ? "'" : "",
			 (unsigned)op->status,
			 op->status & JackServerFailed ? ": start jackd or PipeWire's JACK first" : "");
		free(j);
		j = NULL;
	}
	pthread_mutex_destroy(&op->lock);
	pthread_cond_destroy(&op->done_cond);
	free(op);
	return j;
}

static void *close_thread(void *arg)
{
	struct ras_jack *j = arg;

	jack_client_close(j->client);
	free(j);
	return NULL;
}

void ras_jack_close(struct ras_jack *j)
{
	pthread_attr_t attr;
	pthread_t t;

	if (!j)
		return;
	ras_jack_stop(j);
	if (!atomic_load(&j->lost)) {
		jack_client_close(j->client);
		free(j);
		return;
	}
	/*
	 * Its server is gone. Closing frees libjack's side of the client, but
	 * jack2 has been seen to block in it after a server restart
	 * (jack2#395), and a --reconnect must not freeze the operator's keys:
	 * a thread of its own closes it. Without a thread, it is left.
	 */
	if (pthread_attr_init(&attr))
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &attr, close_thread, j);
	pthread_attr_destroy(&attr);
}

double ras_jack_rate(const struct ras_jack *j)
{
	return jack_get_sample_rate(j->client);
}

uint32_t ras_jack_buffer_size(const struct ras_jack *j)
{
	return jack_get_buffer_size(j->client);
}

jack_client_t *ras_jack_client(const struct ras_jack *j)
{
	return j->client;
}

const char *ras_jack_name(const struct ras_jack *j)
{
	return jack_get_client_name(j->client);
}

static int connect_port(struct ras_jack *j, int i, const char *dest, char *err, size_t errlen)
{
	int e = jack_connect(j->client, jack_port_name(j->port[i]), dest);

	if (e && e != EEXIST) {
		snprintf(err, errlen, "cannot connect %s to '%s'%s", jack_port_name(j->port[i]), dest,
			 jack_port_by_name(j->client, dest) ? "" : ": no such port");
		return -EINVAL;
	}
	return 0;
}

int ras_jack_start(struct ras_jack *j, struct ras_engine *e, const char *const connect[2],
		   bool no_connect, char *err, size_t errlen)
{
	static const char *const names[2] = { "out_L", "out_R" };
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	bool linked = false;
	int ret = 0;

	j->engine = e;
	for (int i = 0; i < 2; i++) {
		j->port[i] = jack_port_register(j->client, names[i], JACK_DEFAULT_AUDIO_TYPE,
						JackPortIsOutput | JackPortIsTerminal, 0);
		if (!j->port[i]) {
			snprintf(err, errlen, "cannot register port %s", names[i]);
			return -EIO;
		}
	}
	if (jack_set_process_callback(j->client, on_process, j) ||
	    jack_set_xrun_callback(j->client, on_xrun, j) ||
	    jack_set_latency_callback(j->client, on_latency, j)) {
		snprintf(err, errlen, "cannot set JACK callbacks");
		return -EIO;
	}
	jack_on_info_shutdown(j->client, on_shutdown, j);
	if (jack_activate(j->client)) {
		snprintf(err, errlen, "cannot activate the JACK client");
		return -EIO;
	}
	j->active = true;

	if (connect && connect[0]) {
		for (int i = 0; i < 2 && !ret; i++)
			if (connect[i])
				ret = connect_port(j, i, connect[i], err, errlen);
		linked = true;
	} else if (!no_connect) {
		const char **ports = jack_get_ports(j->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
						    JackPortIsPhysical | JackPortIsInput);

		/* No physical outputs is not an error: the user may patch by hand. */
		for (int i = 0; ports && ports[0] && i < 2 && !ret; i++)
			ret = connect_port(j, i, ports[1] ? ports[i] : ports[0], err, errlen);
		linked = ports && ports[0];
		jack_free(ports);
	}
	if (ret)
		return ret;
	/*
	 * A connection enters the graph only at the next cycle and port latencies
	 * follow asynchronously, so reading now could give 0. Wait for it
	 * (jack_port_connected waits out a pending graph change), then recompute.
	 */
	for (int i = 0; linked && i < 250 && !jack_port_connected(j->port[0]) &&
			!jack_port_connected(j->port[1]); i++)
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	jack_recompute_total_latencies(j->client);
	on_latency(JackPlaybackLatency, j);
	/* Beats start only now, so the first one is not lost to an unconnected port. */
	if (ras_engine_send(e, &start)) {
		snprintf(err, errlen, "engine command queue full");
		return -EAGAIN;
	}
	return 0;
}

void ras_jack_stop(struct ras_jack *j)
{
	if (!j)
		return;
	if (j->active && !atomic_load(&j->lost))
		jack_deactivate(j->client);
	j->active = false;
}

bool ras_jack_lost(const struct ras_jack *j, char *why, size_t whylen)
{
	bool lost = atomic_load_explicit(&((struct ras_jack *)j)->lost, memory_order_acquire);

	if (lost && why)
		snprintf(why, whylen, "%s", j->why);
	return lost;
}

uint64_t ras_jack_xruns(const struct ras_jack *j)
{
	return atomic_load(&((struct ras_jack *)j)->xruns);
}

uint32_t ras_jack_latency(const struct ras_jack *j)
{
	return atomic_load(&((struct ras_jack *)j)->latency);
}

bool ras_jack_start_frame(const struct ras_jack *j, uint32_t *frame)
{
	struct ras_jack *m = (struct ras_jack *)j;

	if (!atomic_load_explicit(&m->have_start, memory_order_acquire))
		return false;
	*frame = atomic_load_explicit(&m->start_frame, memory_order_relaxed);
	return true;
}

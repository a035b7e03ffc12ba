/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * jackcap - record a JACK client's two inputs, for the tests
 *
 *   jackcap [-n NAME] [-s SECONDS] [-o FILE] [-t TIMEOUT]
 *
 * Registers NAME:in_L and NAME:in_R (NAME defaults to "jackcap", taken
 * exactly), prints one line
 *
 *   jackcap: ready rate=R buffer=B version=V
 *
 * on stdout once active, records SECONDS (default 5) of float samples from
 * its first process cycle on, then writes FILE (default jackcap.raw): a text
 * header of "key value" lines ending in a line "data", then the frames as
 * interleaved L,R native-endian float32. The header keys:
 *
 *   jackcap 1          format version
 *   rate R             sample rate
 *   buffer B           frames a cycle at activation
 *   first_frame F      jack_last_frame_time() of the first recorded cycle
 *   frames N           frames recorded
 *   cycles C           process cycles that recorded something
 *   xruns X            xrun callbacks while recording
 *   gaps G             cycles whose frame time did not follow the last one
 *   jump P F           one line per gap (the first 1024): the cycle at stream
 *                      frame P had frame time F, not the last one's + its length
 *   version V          jack_get_version_string(): tells jackd2 from PipeWire
 *
 * Uses only the libjack API, so it runs on jackd2 and, under pw-jack, on
 * PipeWire. Exit 0 when all SECONDS were recorded; 1 when the server went
 * away, no cycle came for TIMEOUT s (default 5) or a signal stopped it (the
 * file is still written with what was recorded); 2 on a usage error.
 */
#include <jack/jack.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_JUMPS 1024

struct cap {
	jack_client_t *client;
	jack_port_t *port[2];
	float *buf;			/* interleaved, `want` frames, allocated before activation */
	uint32_t want;

	/* Written by the process thread only; read by main after `done` or deactivation. */
	uint32_t have;
	uint32_t first_frame;
	uint32_t next_frame;
	uint64_t gaps;
	uint32_t jump_pos[MAX_JUMPS], jump_frame[MAX_JUMPS];

	atomic_uint_fast64_t cycles;
	atomic_uint_fast64_t xruns;
	atomic_bool done;
	atomic_bool lost;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int on_process(jack_nframes_t n, void *arg)
{
	struct cap *c = arg;
	const float *l = jack_port_get_buffer(c->port[0], n);
	const float *r = jack_port_get_buffer(c->port[1], n);
	jack_nframes_t now = jack_last_frame_time(c->client);
	uint32_t take;

	if (atomic_load_explicit(&c->done, memory_order_relaxed))
		return 0;
	if (c->have == 0)
		c->first_frame = now;
	else if (now != c->next_frame) {
		if (c->gaps < MAX_JUMPS) {
			c->jump_pos[c->gaps] = c->have;
			c->jump_frame[c->gaps] = now;
		}
		c->gaps++;
	}
	c->next_frame = now + n;
	take = c->want - c->have < n ? c->want - c->have : n;
	for (uint32_t i = 0; i < take; i++) {
		c->buf[2 * (c->have + i)] = l[i];
		c->buf[2 * (c->have + i) + 1] = r[i];
	}
	c->have += take;
	atomic_fetch_add_explicit(&c->cycles, 1, memory_order_relaxed);
	if (c->have == c->want)
		atomic_store_explicit(&c->done, true, memory_order_release);
	return 0;
}

static int on_xrun(void *arg)
{
	struct cap *c = arg;

	if (!atomic_load_explicit(&c->done, memory_order_relaxed))
		atomic_fetch_add_explicit(&c->xruns, 1, memory_order_relaxed);
	return 0;
}

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct cap *c = arg;

	(void)code;
	(void)reason;
	atomic_store_explicit(&c->lost, true, memory_order_release);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const struct cap *c, const char *path, uint32_t rate, uint32_t buffer)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "jackcap 1\nrate %u\nbuffer %u\nfirst_frame %u\nframes %u\ncycles %llu\n"
		"xruns %llu\ngaps %llu\nversion %s\n",
		rate, buffer, c->first_frame, c->have,
		(unsigned long long)atomic_load(&c->cycles),
		(unsigned long long)atomic_load(&c->xruns), (unsigned long long)c->gaps,
		jack_get_version_string());
	for (uint64_t i = 0; i < c->gaps && i < MAX_JUMPS; i++)
		fprintf(f, "jump %u %u\n", c->jump_pos[i], c->jump_frame[i]);
	fprintf(f, "data\n");
	if (fwrite(c->buf, 2 * sizeof(float), c->have, f) != c->have || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: jackcap [-n NAME] [-s SECONDS] [-o FILE] [-t TIMEOUT]\n");
}

int main(int argc, char **argv)
{
	static const char *const names[2] = { "in_L", "in_R" };
	const char *name = "jackcap", *out = "jackcap.raw";
	double seconds = 5, timeout = 5, last_change;
	struct cap c = { 0 };
	jack_status_t status;
	uint64_t seen = 0;
	uint32_t rate, buffer;
	int opt, ret = 0;
	char *end;

	while ((opt = getopt(argc, argv, "n:s:o:t:h")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 's':
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0 && seconds <= 3600)) {
				usage();
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || !(timeout > 0)) {
				usage();
				return 2;
			}
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}

	c.client = jack_client_open(name, JackNoStartServer | JackUseExactName, &status);
	if (!c.client) {
		fprintf(stderr, "jackcap: no JACK server (status 0x%x)\n", (unsigned)status);
		return 1;
	}
	rate = jack_get_sample_rate(c.client);
	buffer = jack_get_buffer_size(c.client);
	c.want = (uint32_t)(seconds * rate + 0.5);
	c.buf = calloc((size_t)c.want * 2, sizeof(float));
	if (!c.buf) {
		fprintf(stderr, "jackcap: out of memory\n");
		jack_client_close(c.client);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		c.port[i] = jack_port_register(c.client, names[i], JACK_DEFAULT_AUDIO_TYPE,
					       JackPortIsInput | JackPortIsTerminal, 0);
		if (!c.port[i]) {
			fprintf(stderr, "jackcap: cannot register %s\n", names[i]);
			jack_client_close(c.client);
			return 1;
		}
	}
	jack_set_process_callback(c.client, on_process, &c);
	jack_set_xrun_callback(c.client, on_xrun, &c);
	jack_on_info_shutdown(c.client, on_shutdown, &c);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (jack_activate(c.client)) {
		fprintf(stderr, "jackcap: cannot activate\n");
		jack_client_close(c.client);
		return 1;
	}
	printf("jackcap: ready rate=%u buffer=%u version=%s\n", rate, buffer,
	       jack_get_version_string());
	fflush(stdout);

	last_change = now_s();
	while (!atomic_load_explicit(&c.done, memory_order_acquire)) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		uint64_t cycles = atomic_load_explicit(&c.cycles, memory_order_relaxed);

		if (atomic_load_explicit(&c.lost, memory_order_acquire)) {
			fprintf(stderr, "jackcap: the JACK server shut down\n");
			ret = 1;
			break;
		}
		if (stop_signal) {
			fprintf(stderr, "jackcap: stopped by signal %d\n", (int)stop_signal);
			ret = 1;
			break;
		}
		if (cycles != seen) {
			seen = cycles;
			last_change = now_s();
		} else if (now_s() - last_change > timeout) {
			fprintf(stderr, "jackcap: no process cycle for %.1f s\n", timeout);
			ret = 1;
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (!atomic_load(&c.lost)) {
		jack_deactivate(c.client);
		jack_client_close(c.client);
	} else {
		/* The process thread is gone with the server; what it wrote is complete. */
		atomic_thread_fence(memory_order_acquire);
	}
	if (write_file(&c, out, rate, buffer))
		ret = 1;
	free(c.buf);
	return ret;
}

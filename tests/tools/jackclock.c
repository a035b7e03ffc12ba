/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * jackclock - which system clock does the JACK server's time follow?
 *
 *   jackclock [-n NAME] [-c CYCLES]
 *
 * Compares jack_get_time() and the cycle start times of jack_get_cycle_times()
 * with clock_gettime(CLOCK_MONOTONIC) and clock_gettime(CLOCK_MONOTONIC_RAW).
 * Both clocks count from boot, but NTP slews only CLOCK_MONOTONIC, so after a
 * while they are apart by a visible offset; JACK time that follows one of
 * them sits within microseconds of it. evdev timestamps are CLOCK_MONOTONIC
 * by default, hence the question. Prints "key: value" lines ending in
 *
 *   get_time_clock: MONOTONIC | MONOTONIC_RAW | ambiguous
 *   cycle_clock: MONOTONIC | MONOTONIC_RAW | ambiguous
 *
 * (ambiguous when the two clocks are less than 2 ms apart on this machine,
 * or JACK time is near neither). Exit 0, or 1 when no server answers or no
 * process cycle comes within 5 s.
 */
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CYCLES 256
#define SAMPLES 2001

struct cycle {
	int64_t mono, raw;		/* clock_gettime at callback entry, us */
	int64_t cur_usecs;		/* jack_get_cycle_times current_usecs */
	int64_t frame_usecs;		/* jack_frames_to_time(jack_last_frame_time) */
};

static jack_client_t *client;
static struct cycle cycles[MAX_CYCLES];
static uint32_t want = 32;
static atomic_uint ncycles;

static int64_t usecs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_process(jack_nframes_t n, void *arg)
{
	unsigned i = atomic_load_explicit(&ncycles, memory_order_relaxed);
	jack_nframes_t frames;
	jack_time_t cur, next;
	float period;

	(void)n;
	(void)arg;
	if (i >= want)
		return 0;
	cycles[i].mono = usecs(CLOCK_MONOTONIC);
	cycles[i].raw = usecs(CLOCK_MONOTONIC_RAW);
	if (jack_get_cycle_times(client, &frames, &cur, &next, &period))
		cur = 0;
	cycles[i].cur_usecs = (int64_t)cur;
	cycles[i].frame_usecs = (int64_t)jack_frames_to_time(client, jack_last_frame_time(client));
	atomic_store_explicit(&ncycles, i + 1, memory_order_release);
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t median(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp64);
	return v[n / 2];
}

static const char *verdict(int64_t off_mono, int64_t off_raw, int64_t apart)
{
	int64_t m = llabs(off_mono), r = llabs(off_raw);

	if (llabs(apart) < 2000)
		return "ambiguous";
	if (m < r && m < llabs(apart) / 4)
		return "MONOTONIC";
	if (r < m && r < llabs(apart) / 4)
		return "MONOTONIC_RAW";
	return "ambiguous";
}

int main(int argc, char **argv)
{
	static int64_t mono[SAMPLES], raw[SAMPLES], apart[SAMPLES], a[MAX_CYCLES], b[MAX_CYCLES],
		c[MAX_CYCLES];
	const char *name = "jackclock";
	jack_status_t status;
	int64_t t0, m_mono, m_raw, m_apart, c_mono, c_raw;
	unsigned n;
	int opt;

	while ((opt = getopt(argc, argv, "n:c:")) != -1) {
		if (opt == 'n') {
			name = optarg;
		} else if (opt == 'c' && atoi(optarg) > 0 && atoi(optarg) <= MAX_CYCLES) {
			want = (uint32_t)atoi(optarg);
		} else {
			fprintf(stderr, "usage: jackclock [-n NAME] [-c CYCLES (1-%d)]\n", MAX_CYCLES);
			return 2;
		}
	}
	client = jack_client_open(name, JackNoStartServer, &status);
	if (!client) {
		fprintf(stderr, "jackclock: no JACK server (status 0x%x)\n", (unsigned)status);
		return 1;
	}
	printf("version: %s\n", jack_get_version_string());

	/* jack_get_time() between two readings of each clock; the midpoint is "now". */
	for (int i = 0; i < SAMPLES; i++) {
		int64_t m0 = usecs(CLOCK_MONOTONIC), r0 = usecs(CLOCK_MONOTONIC_RAW);
		int64_t j = (int64_t)jack_get_time();
		int64_t r1 = usecs(CLOCK_MONOTONIC_RAW), m1 = usecs(CLOCK_MONOTONIC);

		mono[i] = j - (m0 + m1) / 2;
		raw[i] = j - (r0 + r1) / 2;
		apart[i] = (m0 + m1) / 2 - (r0 + r1) / 2;
	}
	m_mono = median(mono, SAMPLES);
	m_raw = median(raw, SAMPLES);
	m_apart = median(apart, SAMPLES);
	printf("monotonic_minus_raw_us: %lld\n", (long long)m_apart);
	printf("get_time_minus_monotonic_us: %lld\n", (long long)m_mono);
	printf("get_time_minus_raw_us: %lld\n", (long long)m_raw);

	jack_set_process_callback(client, on_process, NULL);
	if (jack_activate(client)) {
		fprintf(stderr, "jackclock: cannot activate\n");
		jack_client_close(client);
		return 1;
	}
	t0 = usecs(CLOCK_MONOTONIC);
	while ((n = atomic_load_explicit(&ncycles, memory_order_acquire)) < want &&
	       usecs(CLOCK_MONOTONIC) - t0 < 5000000) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	jack_deactivate(client);
	n = atomic_load_explicit(&ncycles, memory_order_acquire);
	jack_client_close(client);
	if (n == 0) {
		fprintf(stderr, "jackclock: no process cycle within 5 s\n");
		printf("get_time_clock: %s\n", verdict(m_mono, m_raw, m_apart));
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		/* How long after the cycle's start the callback ran, on each clock. */
		a[i] = cycles[i].mono - cycles[i].cur_usecs;
		b[i] = cycles[i].raw - cycles[i].cur_usecs;
		c[i] = cycles[i].frame_usecs - cycles[i].cur_usecs;
	}
	c_mono = -median(a, n);
	c_raw = -median(b, n);
	printf("cycles: %u\n", n);
	printf("cycle_start_minus_monotonic_us: %lld\n", (long long)c_mono);
	printf("cycle_start_minus_raw_us: %lld\n", (long long)c_raw);
	printf("frames_to_time_minus_cycle_start_us: %lld\n", (long long)median(c, n));
	printf("get_time_clock: %s\n", verdict(m_mono, m_raw, m_apart));
	printf("cycle_clock: %s\n", verdict(c_mono, c_raw, m_apart));
	return 0;
}

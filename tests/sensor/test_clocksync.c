/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Clock sync: the pure model fed with synthetic clock readings whose truth
 * is known here (offsets, NTP-like drift, microsecond truncation, readings
 * delayed inside their bracket), the frame mapping against the formula of
 * jack_time_to_frames worked out by hand, lock-free publication under
 * concurrent readers, and finally the JACK side against a private jackd
 * (dummy driver): our MONOTONIC-to-frame conversion must agree with JACK's
 * own jack_time_to_frames(jack_get_time()) to a frame or two.
 */
#include <errno.h>
#include <jack/jack.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/clocksync.h"
#include "testutil.h"

#define S 1000000000LL
#define US 1000LL

/*
 * Synthetic clocks: MONOTONIC is the reference t; RAW runs at
 * (1 - mono_ppm) of it from raw0 (NTP makes MONOTONIC a little fast or
 * slow); JACK follows RAW (jack2) or MONOTONIC (PipeWire).
 */
struct clocks {
	int64_t raw0;		/* RAW - MONOTONIC at t = 0 */
	double mono_ppm;
	bool jack_raw;
};

static int64_t raw_at(const struct clocks *c, int64_t t)
{
	return t + c->raw0 - (int64_t)llround((double)t * c->mono_ppm * 1e-6);
}

/* jack_get_time() as the model is fed it: truncated to the microsecond,
 * then the middle of that microsecond. */
static int64_t jack_at(const struct clocks *c, int64_t t)
{
	int64_t j = c->jack_raw ? raw_at(c, t) : t;

	return j / 1000 * 1000 + 500;
}

/* A burst at t: n readings, reading i bracketed by width[i] ns, the JACK
 * and RAW clocks read `at[i]` ns into the bracket. */
static int burst(struct ras_clocksync *cs, const struct clocks *c, int64_t t, const int64_t *width,
		 const int64_t *at, int n)
{
	struct ras_clock_reading r[16];

	for (int i = 0; i < n; i++) {
		int64_t m0 = t + i * 5 * US;

		r[i] = (struct ras_clock_reading){ .mono0_ns = m0, .mono1_ns = m0 + width[i],
						   .raw_ns = raw_at(c, m0 + at[i]),
						   .jack_ns = jack_at(c, m0 + at[i]) };
	}
	return ras_clocksync_add_burst(cs, r, (size_t)n);
}

/* An honest burst: one 400 ns bracket read in its middle among wide ones. */
static int good_burst(struct ras_clocksync *cs, const struct clocks *c, int64_t t)
{
	static const int64_t w[4] = { 30 * US, 400, 8 * US, 45 * US };
	static const int64_t at[4] = { 2 * US, 200, 7 * US, 40 * US };

	return burst(cs, c, t, w, at, 4);
}

static void test_empty(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct ras_clocksync_info info;
	int64_t j;
	uint32_t f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
	CU_ASSERT(!ras_clocksync_mono_to_jack(cs, 5 * S, &j));
	CU_ASSERT(!ras_clocksync_jack_to_frame(cs, 5 * S, &f));
	CU_ASSERT(!ras_clocksync_mono_to_frame(cs, 5 * S, &f));
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.points, 0);
	CU_ASSERT(!info.have_cycle);
	CU_ASSERT_EQUAL(info.source, RAS_CLOCK_UNKNOWN);
	ras_clocksync_free(cs);
}

static void test_refused(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct clocks c = { .raw0 = -3 * 1000 * US };
	static const int64_t wide[3] = { 60 * US, 51 * US, 200 * US }, at[3] = { 0, 0, 0 };
	struct ras_clock_reading bad = { .mono0_ns = 10 * S, .mono1_ns = 10 * S - 1 };
	struct ras_clocksync_info info;
	int64_t j;

	CU_ASSERT_EQUAL(ras_clocksync_add_burst(cs, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(ras_clocksync_add_burst(cs, &bad, 1), -EINVAL);
	/* Preempted in every reading: nothing learnt from it. */
	CU_ASSERT_EQUAL(burst(cs, &c, 10 * S, wide, at, 3), -ERANGE);
	CU_ASSERT(!ras_clocksync_mono_to_jack(cs, 10 * S, &j));
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.points, 0);
	ras_clocksync_free(cs);
}

/*
 * PipeWire: JACK time is MONOTONIC. The wide brackets read JACK late in
 * them (their middles are off by up to 20 us); the tight one decides.
 */
static void test_monotonic_source(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct clocks c = { .raw0 = -3 * 1000 * US, .mono_ppm = 12, .jack_raw = false };
	struct ras_clocksync_info info;
	int64_t j;

	CU_ASSERT_EQUAL(good_burst(cs, &c, 100 * S), 0);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.points, 1);
	CU_ASSERT_EQUAL(info.bracket_ns, 400);
	CU_ASSERT(llabs(info.offset_ns) <= 1000);
	CU_ASSERT_EQUAL(info.source, RAS_CLOCK_MONOTONIC);
	CU_ASSERT(ras_clocksync_mono_to_jack(cs, 100 * S + 123456, &j));
	CU_ASSERT(llabs(j - (100 * S + 123456)) <= 1000);
	ras_clocksync_free(cs);
}

/*
 * jack2: JACK time is RAW, and MONOTONIC runs 25 ppm fast of it (NTP).
 * A burst a second for a minute: the fit finds the drift to a fraction
 * of a ppm, and a time half a second after the last point converts to
 * within a microsecond or two (the offset grows 12.5 us in that time).
 */
static void test_raw_source_drift(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct clocks c = { .raw0 = -5 * 1000 * US, .mono_ppm = 25, .jack_raw = true };
	struct ras_clocksync_info info;
	int64_t t = 1000 * S, j;

	for (int i = 0; i < 60; i++)
		CU_ASSERT_EQUAL(good_burst(cs, &c, t + i * S), 0);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.points, 60);
	CU_ASSERT(fabs(info.drift_ppm + 25) < 0.5);
	CU_ASSERT(fabs(info.raw_drift_ppm + 25) < 0.5);
	CU_ASSERT_EQUAL(info.source, RAS_CLOCK_MONOTONIC_RAW);
	CU_ASSERT(info.residual_ns < 1000);
	CU_ASSERT(ras_clocksync_mono_to_jack(cs, t + 59 * S + S / 2, &j));
	CU_ASSERT(llabs(j - raw_at(&c, t + 59 * S + S / 2)) <= 2000);
	/* Without the drift the error would be 12.5 us: the fit matters. */
	CU_ASSERT(llabs(raw_at(&c, t + 59 * S + S / 2) - raw_at(&c, t + 59 * S) - S / 2) > 10000);
	ras_clocksync_free(cs);
}

/* The fit forgets: 64 points at +100 ppm, then 64 at -40 ppm. */
static void test_window(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct clocks c = { .raw0 = 7 * 1000 * US, .mono_ppm = -100, .jack_raw = true };
	struct ras_clocksync_info info;
	int64_t t = 50 * S;

	for (int i = 0; i < RAS_CLOCKSYNC_POINTS; i++)
		good_burst(cs, &c, t + i * S);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT(fabs(info.drift_ppm - 100) < 0.5);
	/* Continue from where RAW is, at the new rate. */
	t += RAS_CLOCKSYNC_POINTS * S;
	c.raw0 = raw_at(&c, t) - t;
	c.mono_ppm = 40;
	c.raw0 += (int64_t)llround((double)t * 40e-6);
	for (int i = 0; i < RAS_CLOCKSYNC_POINTS; i++)
		good_burst(cs, &c, t + i * S);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.points, RAS_CLOCKSYNC_POINTS);
	CU_ASSERT(fabs(info.drift_ppm + 40) < 0.5);
	ras_clocksync_free(cs);
}

/* Points close in time say nothing about drift; absurd drift is no drift. */
static void test_slope_guards(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct clocks c = { .raw0 = 0, .mono_ppm = 0, .jack_raw = true };
	struct ras_clocksync_info info;
	int64_t j;

	good_burst(cs, &c, 10 * S);
	c.raw0 = 10 * US;	/* a 10 us step one second later */
	good_burst(cs, &c, 11 * S);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.drift_ppm, 0);
	CU_ASSERT(ras_clocksync_mono_to_jack(cs, 11 * S, &j));
	CU_ASSERT(llabs(j - 11 * S - 5 * US) <= 1000);	/* the mean */
	ras_clocksync_free(cs);

	cs = ras_clocksync_new();
	c = (struct clocks){ .mono_ppm = -5000, .jack_raw = true };	/* 5000 ppm: no */
	for (int i = 0; i < 10; i++)
		good_burst(cs, &c, (20 + i) * S);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.drift_ppm, 0);
	ras_clocksync_free(cs);
}

/* jack_time_to_frames: frames + round((t - cur) / (next - cur) * period). */
static void test_frames_at(void)
{
	/* 256 frames at 48 kHz: 5333.33 us; JACK's next is a whole us. */
	struct ras_cycle c = { .frames = 1000, .period_frames = 256, .usecs = 5000000,
			       .next_usecs = 5005333 };

	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 5000000 * US), 1000);
	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 5005333 * US), 1256);
	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 5002666 * US + 500), 1128);
	/* 1 s later: 256 * 1e6 / 5333 = 48003.0 frames. */
	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 6000000 * US), 1000 + 48003);
	/* Before the cycle. */
	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 4994667 * US), 1000 - 256);
	/* The 32-bit frame counter wraps, as JACK's does. */
	c.frames = 0xffffff00u;
	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 5005333 * US), 0x00000000u);
	CU_ASSERT_EQUAL(ras_clocksync_frames_at(&c, 5010666 * US), 0x00000100u);
	CU_ASSERT_EQUAL(ras_frame_diff(0x00000100u, 0xffffff00u), 512);
	CU_ASSERT_EQUAL(ras_frame_diff(0xffffff00u, 0x00000100u), -512);
}

static void test_mono_to_frame(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct clocks c = { .raw0 = 1000 * US, .jack_raw = true };	/* JACK = mono + 1 ms */
	struct ras_cycle bad = { .frames = 5, .period_frames = 256, .usecs = 10, .next_usecs = 10 };
	struct ras_cycle cyc = { .frames = 1000, .period_frames = 256, .usecs = 5000000,
				 .next_usecs = 5005333 };
	uint32_t f;

	good_burst(cs, &c, 4 * S);
	CU_ASSERT(!ras_clocksync_mono_to_frame(cs, 4999 * 1000 * US, &f));	/* no cycle yet */
	ras_clocksync_set_cycle(cs, &bad);
	CU_ASSERT(!ras_clocksync_jack_to_frame(cs, 5 * S, &f));
	ras_clocksync_set_cycle(cs, &cyc);
	/* An event at MONOTONIC 4.999 s is JACK 5.000 s: the cycle's start. */
	CU_ASSERT(ras_clocksync_mono_to_frame(cs, 4999 * 1000 * US, &f));
	CU_ASSERT_EQUAL(f, 1000);
	CU_ASSERT(ras_clocksync_mono_to_frame(cs, 4999 * 1000 * US + 5333 * US, &f));
	CU_ASSERT_EQUAL(f, 1256);
	ras_clocksync_free(cs);
}

/*
 * Readers never see half a cycle: a writer publishes cycles A and B in
 * turn as fast as it can, readers convert one time, which gives 1000 under
 * A and 7000 under B; anything else is a torn read.
 */
static atomic_bool race_stop;
static atomic_long race_torn, race_reads;

static void *race_reader(void *arg)
{
	struct ras_clocksync *cs = arg;

	while (!atomic_load(&race_stop)) {
		uint32_t f;

		if (!ras_clocksync_jack_to_frame(cs, 5000000 * US, &f))
			continue;
		if (f != 1000 && f != 7000)
			atomic_fetch_add(&race_torn, 1);
		atomic_fetch_add(&race_reads, 1);
	}
	return NULL;
}

static void test_publication_race(void)
{
	struct ras_clocksync *cs = ras_clocksync_new();
	struct ras_cycle a = { .frames = 1000, .period_frames = 256, .usecs = 5000000,
			       .next_usecs = 5005333 };
	struct ras_cycle b = { .frames = 7000 - 48, .period_frames = 48, .usecs = 4999000,
			       .next_usecs = 5000000 };
	pthread_t th[2];

	atomic_store(&race_stop, false);
	atomic_store(&race_torn, 0);
	atomic_store(&race_reads, 0);
	ras_clocksync_set_cycle(cs, &a);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race_reader, cs);
	/* On a busy machine the readers may start late: go on until they
	 * have read under the writes (10 s at most). */
	for (long i = 0, t0 = (long)test_now(); i < 2000000 ||
	     (atomic_load(&race_reads) < 1000 && (long)test_now() - t0 < 10); i++)
		ras_clocksync_set_cycle(cs, i & 1 ? &a : &b);
	atomic_store(&race_stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT(atomic_load(&race_reads) > 0);
	CU_ASSERT_EQUAL(atomic_load(&race_torn), 0);
	ras_clocksync_free(cs);
}

/* ---- against a real JACK server ---------------------------------------- */

static char server[64];
static pid_t jackd_pid;

static void quiet(const char *msg)
{
	(void)msg;
}

static jack_client_t *open_client(void)
{
	jack_status_t st;

	return jack_client_open("clocksync", JackNoStartServer | JackServerName, &st, server);
}

/* jackd -d dummy under a unique name, ours by PID; waits until it answers. */
static jack_client_t *start_jackd(void)
{
	char log[512];
	pid_t parent = getpid();

	snprintf(server, sizeof(server), "rasbeat-clocksync-%d", (int)getpid());
	snprintf(log, sizeof(log), "%s", test_path("clocksync-jackd.log"));
	jack_set_error_function(quiet);
	jack_set_info_function(quiet);
	jackd_pid = fork();
	if (jackd_pid == 0) {
		FILE *f = fopen(log, "w");

		if (f) {
			dup2(fileno(f), 1);
			dup2(fileno(f), 2);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		execlp("jackd", "jackd", "-n", server, "--no-realtime", "-d", "dummy", "-r",
		       "48000", "-p", "256", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && jackd_pid > 0; i++) {
		jack_client_t *c = open_client();
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (c)
			return c;
		if (waitpid(jackd_pid, NULL, WNOHANG) == jackd_pid) {
			jackd_pid = 0;
			break;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "\nclocksync: no jackd (see %s; scripts/install-deps)\n", log);
	return NULL;
}

static void stop_jackd(void)
{
	if (jackd_pid > 0) {
		kill(jackd_pid, SIGTERM);
		waitpid(jackd_pid, NULL, 0);
	}
	jackd_pid = 0;
}

static int64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * S + ts.tv_nsec;
}

/* Our conversion of "now" against JACK's own, a few times. */
static int worst_frame_error(struct ras_clocksync *cs, jack_client_t *client)
{
	int worst = 0;

	for (int i = 0; i < 20; i++) {
		int64_t m = mono_now();
		jack_nframes_t ref = jack_time_to_frames(client, jack_get_time());
		uint32_t f;
		int d;

		if (!ras_clocksync_mono_to_frame(cs, m, &f))
			return 1 << 30;
		d = abs(ras_frame_diff(f, ref));
		worst = d > worst ? d : worst;
	}
	return worst;
}

static struct ras_clocksync *cycle_cs;

static int on_process(jack_nframes_t n, void *arg)
{
	ras_clocksync_jack_cycle(cycle_cs, arg, n);
	return 0;
}

static void test_jack(void)
{
	jack_client_t *client = start_jackd();
	struct ras_clocksync *cs = ras_clocksync_new();
	struct ras_clocksync_info info;
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	int err;

	CU_ASSERT_PTR_NOT_NULL(client);
	if (!client) {
		stop_jackd();
		ras_clocksync_free(cs);
		return;
	}
	/* From an ordinary thread: offset and cycle. */
	for (int i = 0; i < 4 && ras_clocksync_jack_measure(cs, client, true) == -ERANGE; i++)
		;
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT_EQUAL(info.points, 1);
	CU_ASSERT(info.have_cycle);
	err = worst_frame_error(cs, client);
	printf("\n    %s: JACK - MONOTONIC %+.1f us, RAW - MONOTONIC %+.1f us, bracket %lld ns, "
	       "follows %s; worst frame error %d",
	       jack_get_version_string(), info.offset_ns / 1e3, info.raw_offset_ns / 1e3,
	       (long long)info.bracket_ns,
	       info.source == RAS_CLOCK_MONOTONIC ? "MONOTONIC"
	       : info.source == RAS_CLOCK_MONOTONIC_RAW ? "MONOTONIC_RAW"
	       : info.source == RAS_CLOCK_OTHER ? "another clock" : "(clocks too close to tell)",
	       err);
	/* Under valgrind the clock reads bracketing JACK's are tens of times
	 * slower: within a millisecond there. */
	CU_ASSERT(err <= (test_under_valgrind() ? 48 : 2));
	/* jack2 reads RAW; when the clocks are far enough apart to tell. */
	CU_ASSERT(info.source == RAS_CLOCK_MONOTONIC_RAW || info.source == RAS_CLOCK_MONOTONIC ||
		  info.source == RAS_CLOCK_UNKNOWN);

	/* The thread re-measures. */
	CU_ASSERT_EQUAL(ras_clocksync_jack_start(cs, client, true, 50), 0);
	nanosleep(&ts, NULL);
	ras_clocksync_jack_stop(cs);
	ras_clocksync_get_info(cs, &info);
	CU_ASSERT(info.points >= 4);
	CU_ASSERT(worst_frame_error(cs, client) <= 2);
	ras_clocksync_free(cs);

	/* Cycles from the process callback instead. */
	cycle_cs = ras_clocksync_new();
	jack_set_process_callback(client, on_process, client);
	CU_ASSERT_EQUAL_FATAL(jack_activate(client), 0);
	for (int i = 0; i < 4; i++)
		if (ras_clocksync_jack_measure(cycle_cs, client, false) != -ERANGE)
			break;
	nanosleep(&ts, NULL);
	ras_clocksync_get_info(cycle_cs, &info);
	CU_ASSERT(info.have_cycle);
	CU_ASSERT(worst_frame_error(cycle_cs, client) <= 2);
	jack_deactivate(client);
	jack_client_close(client);
	ras_clocksync_free(cycle_cs);
	stop_jackd();
}

void test_clocksync_register(void)
{
	TEST_SUITE("clocksync",
		   { "nothing known yet", test_empty },
		   { "bad and preempted bursts refused", test_refused },
		   { "PipeWire: JACK is MONOTONIC, tightest bracket wins", test_monotonic_source },
		   { "jack2: JACK is RAW, NTP drift fitted", test_raw_source_drift },
		   { "the fit forgets old points", test_window },
		   { "no drift from close points or absurd slopes", test_slope_guards },
		   { "frames from a cycle, wrapping", test_frames_at },
		   { "MONOTONIC to frame", test_mono_to_frame },
		   { "readers never see a torn cycle", test_publication_race },
		   { "against a private jackd", test_jack });
}

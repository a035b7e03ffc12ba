/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rasbeat/gait.h"
#include "rasbeat/walker.h"
#include "rtcheck.h"
#include "testutil.h"

#define MAXSTEPS 2000
#define MAXBEATS 1000
/* A JACK cycle of 256 frames at 48 kHz, as `rasbeat render` drives it. */
#define CYCLE (256.0 / 48000)

struct walk {
	struct ras_step step[MAXSTEPS];
	size_t n;
};

static struct ras_walker *walker(const char *spec)
{
	struct ras_walker_config cfg;
	struct ras_walker *w;
	char err[256];
	int ret = ras_walker_parse(spec, &cfg, err, sizeof(err));

	if (ret)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	w = ras_walker_new(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	return w;
}

/* Beats every 60/bpm s from `first` up to `end`, appended at b[n]; the new count. */
static size_t metronome(double *b, size_t n, double first, double bpm, double end)
{
	for (int i = 0; first + i * 60 / bpm < end && n < MAXBEATS; i++)
		b[n++] = first + i * 60 / bpm;
	return n;
}

/*
 * Walk to `duration` in blocks of `block` s, each beat heard before the
 * first next() whose until passes it; or all of them up front (ahead).
 */
static void drive(struct ras_walker *w, const double *beats, size_t nbeats, double duration,
		  double block, bool ahead, struct walk *out)
{
	struct ras_step st;
	size_t b = 0;

	out->n = 0;
	for (; ahead && b < nbeats; b++)
		CU_ASSERT_EQUAL(ras_walker_hear(w, beats[b]), 0);
	for (long i = 1;; i++) {
		double until = fmin(i * block, duration);

		for (; b < nbeats && beats[b] < until; b++)
			CU_ASSERT_EQUAL(ras_walker_hear(w, beats[b]), 0);
		while (ras_walker_next(w, until, &st)) {
			/* in the first call that can give it: never early, never late */
			CU_ASSERT(st.time_ns < until * 1e9 + 1);
			CU_ASSERT(st.time_ns >= (i - 1) * block * 1e9 - 1);
			CU_ASSERT(out->n == 0 || st.time_ns > out->step[out->n - 1].time_ns);
			if (out->n < MAXSTEPS)
				out->step[out->n++] = st;
		}
		if (until >= duration)
			break;
	}
}

static void walk_spec(const char *spec, const double *beats, size_t nbeats, double duration,
		      struct walk *out)
{
	struct ras_walker *w = walker(spec);

	drive(w, beats, nbeats, duration, CYCLE, false, out);
	ras_walker_free(w);
}

/* Mean step interval of steps [from, to). */
static double mean_interval(const struct walk *wk, size_t from, size_t to)
{
	return (wk->step[to - 1].time_ns - wk->step[from].time_ns) * 1e-9 / (double)(to - from - 1);
}

/* Steps per minute over the steps in [a, b) s. */
static double cadence_in(const struct walk *wk, double a, double b)
{
	size_t from = 0, to;

	while (from < wk->n && wk->step[from].time_ns < a * 1e9)
		from++;
	for (to = from; to < wk->n && wk->step[to].time_ns < b * 1e9; to++)
		;
	CU_ASSERT_FATAL(to - from > 2);
	return 60 / mean_interval(wk, from, to);
}

/* Mean of t - nearest beat over steps [from, to). */
static double mean_asynchrony(const struct walk *wk, size_t from, size_t to, const double *b,
			      size_t nb)
{
	double sum = 0;

	for (size_t i = from; i < to; i++) {
		double t = wk->step[i].time_ns * 1e-9, best = INFINITY;

		for (size_t j = 0; j < nb; j++)
			if (fabs(t - b[j]) < fabs(best))
				best = t - b[j];
		sum += best;
	}
	return sum / (double)(to - from);
}

static void test_parse(void)
{
	struct ras_walker_config cfg, again;
	char err[256], text[512], text2[512];

	CU_ASSERT_EQUAL_FATAL(ras_walker_parse("cadence=92,cv=2.5,motor=50,coupling=0.3,period=0.1,"
					       "asym=-8,fatigue=1.5,start=2,first=R,"
					       "seed=18446744073709551615,freeze=30:5,freeze=60:2.5",
					       &cfg, err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.cadence, 92, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.cv, 2.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.motor, 50, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.coupling, 0.3, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.period, 0.1, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.asym, -8, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.fatigue, 1.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.start, 2, 0);
	CU_ASSERT_EQUAL(cfg.first, RAS_FOOT_RIGHT);
	CU_ASSERT_EQUAL(cfg.seed, UINT64_MAX);
	CU_ASSERT_EQUAL(cfg.freezes, 2);
	CU_ASSERT_DOUBLE_EQUAL(cfg.freeze[1].start, 60, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.freeze[1].length, 2.5, 0);

	/* The spec reads back to the same config. */
	CU_ASSERT_EQUAL(ras_walker_describe(&cfg, text, sizeof(text)), 0);
	CU_ASSERT_EQUAL_FATAL(ras_walker_parse(text, &again, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg, &again, sizeof(cfg)), 0);
	CU_ASSERT_EQUAL(ras_walker_describe(&cfg, text2, 40), -ENOSPC);

	/* Defaults; period follows coupling. */
	CU_ASSERT_EQUAL_FATAL(ras_walker_parse("", &cfg, err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.cadence, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.cv, 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.coupling, 0, 0);
	CU_ASSERT_EQUAL(cfg.first, RAS_FOOT_LEFT);
	CU_ASSERT_EQUAL(cfg.seed, 1);
	CU_ASSERT_EQUAL(cfg.freezes, 0);
	CU_ASSERT_EQUAL(ras_walker_describe(&cfg, text, sizeof(text)), 0);
	CU_ASSERT_STRING_EQUAL(text, "cadence=100,cv=3,motor=20,coupling=0,period=0,asym=0,"
				     "fatigue=0,first=L,seed=1");
	CU_ASSERT_EQUAL_FATAL(ras_walker_parse("coupling=0.4,first=left", &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ras_walker_describe(&cfg, text, sizeof(text)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "coupling=0.4,period=0.2,"));
	CU_ASSERT_EQUAL_FATAL(ras_walker_parse("first=r", &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.first, RAS_FOOT_RIGHT);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "cadence=abc", "--walker: cadence: 'abc' is not a number" },
		{ "cadence=500", "--walker: cadence: 500 is out of range (20 to 250)" },
		{ "cadence=0x40", "--walker: cadence: '0x40' is not a number" },
		{ "cadence=90 ", "--walker: cadence: '90 ' is not a number" },
		{ "cv=nan", "--walker: cv: 'nan' is not a number" },
		{ "cv=inf", "--walker: cv: 'inf' is not a number" },
		{ "cv=", "--walker: cv: '' is not a number" },
		{ "cv=-1", "--walker: cv: -1 is out of range (0 to 30)" },
		{ "motor=101", "--walker: motor: 101 is out of range (0 to 100)" },
		{ "coupling=1.5", "--walker: coupling: 1.5 is out of range (0 to 1)" },
		{ "period=2", "--walker: period: 2 is out of range (0 to 1)" },
		{ "asym=60", "--walker: asym: 60 is out of range (-50 to 50)" },
		{ "fatigue=-1", "--walker: fatigue: -1 is out of range (0 to 20)" },
		{ "start=-1", "--walker: start: -1 is out of range (0 to 86400)" },
		{ "coupling=0.2,period=0.2", "--walker: period: 0.2 is not below coupling 0.2" },
		{ "period=0.1", "--walker: period: 0.1 is not below coupling 0" },
		{ "first=X", "--walker: first: 'X' is not L or R" },
		{ "seed=-1", "--walker: seed: '-1' is not a whole number" },
		{ "seed=1.5", "--walker: seed: '1.5' is not a whole number" },
		{ "seed=99999999999999999999", "--walker: seed: '99999999999999999999' is not a whole" },
		{ "freeze=10", "--walker: freeze: '10' is not START:LENGTH (seconds)" },
		{ "freeze=a:1", "--walker: freeze: 'a:1' is not START:LENGTH (seconds)" },
		{ "freeze=10:0", "--walker: freeze: '10:0': START must be 0 to 86400 s" },
		{ "freeze=-1:2", "--walker: freeze: '-1:2': START must be" },
		{ "freeze=1:1,freeze=2:1,freeze=3:1,freeze=4:1,freeze=5:1", "--walker: freeze: more than 4" },
		{ "speed=3", "--walker: speed: unknown key (cadence, cv," },
		{ "cadence", "--walker: cadence: needs a value (cadence=VALUE)" },
		{ "=3", "--walker: '=3': no key before '='" },
		{ "cadence=90,,cv=2", "--walker: empty item in 'cadence=90,,cv=2'" },
		{ "cadence=90,", "--walker: empty item" },
		{ ",", "--walker: empty item" },
		{ "cv=2,cv=3", "--walker: cv: given twice" },
		{ "seed=2,seed=3", "--walker: seed: given twice" },
	};
	struct ras_walker_config cfg;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(err, "(none)");
		CU_ASSERT_EQUAL(ras_walker_parse(bad[i].spec, &cfg, err, sizeof(err)), -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg))) {
			fprintf(stderr, "\n'%s': got '%s', want '%s'\n", bad[i].spec, err, bad[i].msg);
			CU_FAIL("error message");
		}
	}

	/* ras_walker_new checks what it is given too. */
	ras_walker_config_default(&cfg);
	cfg.cadence = 5;
	errno = 0;
	CU_ASSERT_PTR_NULL(ras_walker_new(&cfg));
	CU_ASSERT_EQUAL(errno, EINVAL);
	ras_walker_config_default(&cfg);
	cfg.first = RAS_FOOT_NONE;
	CU_ASSERT_PTR_NULL(ras_walker_new(&cfg));
	ras_walker_config_default(&cfg);
	cfg.cv = NAN;
	CU_ASSERT_PTR_NULL(ras_walker_new(&cfg));
	ras_walker_config_default(&cfg);
	cfg.coupling = 0.2;
	cfg.period = 0.3;
	CU_ASSERT_PTR_NULL(ras_walker_new(&cfg));
	ras_walker_config_default(&cfg);
	cfg.freezes = 1;
	cfg.freeze[0].start = 10;
	CU_ASSERT_PTR_NULL(ras_walker_new(&cfg));
}

static void test_hear_errors(void)
{
	struct ras_walker *w = walker("cadence=100");
	struct ras_step st;
	int n = 0;

	CU_ASSERT_EQUAL(ras_walker_hear(w, NAN), -EINVAL);
	CU_ASSERT_EQUAL(ras_walker_hear(w, INFINITY), -EINVAL);
	CU_ASSERT_EQUAL(ras_walker_hear(w, 5), 0);
	CU_ASSERT_EQUAL(ras_walker_hear(w, 5), 0);
	CU_ASSERT_EQUAL(ras_walker_hear(w, 4.9), -EINVAL);
	/* Beats far ahead fill the room, which frees as the walker passes them. */
	for (int i = 1; i < RAS_WALKER_BEATS - 1; i++)
		CU_ASSERT_EQUAL(ras_walker_hear(w, 5 + 0.5 * i), 0);
	CU_ASSERT_EQUAL(ras_walker_hear(w, 600), -ENOSPC);
	while (ras_walker_next(w, 600, &st))
		n++;
	CU_ASSERT(n > 950);
	CU_ASSERT_EQUAL(ras_walker_hear(w, 600), 0);
	ras_walker_free(w);
	ras_walker_free(NULL);
}

static void test_determinism(void)
{
	static struct walk a, b, c;
	static double beats[MAXBEATS];
	size_t nb = metronome(beats, 0, 0, 100, 120), same = 0;

	walk_spec("cadence=95,cv=4,coupling=0.3,seed=7", beats, nb, 120, &a);
	walk_spec("cadence=95,cv=4,coupling=0.3,seed=7", beats, nb, 120, &b);
	walk_spec("cadence=95,cv=4,coupling=0.3,seed=8", beats, nb, 120, &c);
	CU_ASSERT(a.n > 150);
	CU_ASSERT_EQUAL_FATAL(a.n, b.n);
	CU_ASSERT_EQUAL(memcmp(a.step, b.step, a.n * sizeof(a.step[0])), 0);
	for (size_t i = 0; i < a.n && i < c.n; i++)
		same += a.step[i].time_ns == c.step[i].time_ns;
	CU_ASSERT(same < 5);	/* the first step, at `start`, is fixed */

	/* The generator uses no libm: these hold on any IEEE-754 machine. */
	walk_spec("cadence=100,cv=3,seed=1", NULL, 0, 3, &a);
	CU_ASSERT_EQUAL_FATAL(a.n, 4);
	CU_ASSERT_EQUAL(a.step[0].time_ns, 600000000);
	CU_ASSERT_EQUAL(a.step[1].time_ns, 1210983931);
	CU_ASSERT_EQUAL(a.step[2].time_ns, 1809751715);
	CU_ASSERT_EQUAL(a.step[3].time_ns, 2448967531);
}

/* Uncoupled: cadence and variability as set, over 1000 steps. */
static void test_uncoupled(void)
{
	static const struct {
		double cadence, cv;
	} cases[] = { { 100, 3 }, { 60, 6 }, { 120, 1.5 }, { 92, 0 } };
	static struct walk wk;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int seed = 1; seed <= 4; seed++) {
			struct ras_gait_summary g;
			char spec[128];

			snprintf(spec, sizeof(spec), "cadence=%g,cv=%g,seed=%d", cases[c].cadence,
				 cases[c].cv, seed);
			walk_spec(spec, NULL, 0, 1020 * 60 / cases[c].cadence, &wk);
			CU_ASSERT_FATAL(wk.n >= 1001);
			CU_ASSERT_EQUAL_FATAL(ras_gait_summarize(wk.step, 1001, &g), 0);
			CU_ASSERT(fabs(g.cadence_spm / cases[c].cadence - 1) < 0.01);
			CU_ASSERT(fabs(g.step_cv_pct - cases[c].cv) < 0.5);
			CU_ASSERT(g.asymmetry_pct < 1);
		}
	}
}

static void test_alternation(void)
{
	static struct walk wk;

	walk_spec("cadence=100,cv=5", NULL, 0, 60, &wk);
	CU_ASSERT_FATAL(wk.n > 90);
	CU_ASSERT_EQUAL(wk.step[0].time_ns, 600000000);
	for (size_t i = 0; i < wk.n; i++) {
		CU_ASSERT_EQUAL(wk.step[i].foot, i % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT);
		CU_ASSERT(wk.step[i].strength == 1.0f);
	}
	walk_spec("cadence=100,cv=5,first=R,start=2.5", NULL, 0, 60, &wk);
	CU_ASSERT_EQUAL(wk.step[0].time_ns, 2500000000);
	for (size_t i = 0; i < wk.n; i++)
		CU_ASSERT_EQUAL(wk.step[i].foot, i % 2 ? RAS_FOOT_LEFT : RAS_FOOT_RIGHT);
}

/* asym is the symmetry index `rasbeat analyze` reports; its sign says which side. */
static void test_asym(void)
{
	static struct walk wk;
	struct ras_gait_summary g;

	walk_spec("cadence=100,cv=2,asym=10,seed=3", NULL, 0, 300, &wk);
	CU_ASSERT_EQUAL_FATAL(ras_gait_summarize(wk.step, wk.n, &g), 0);
	CU_ASSERT(fabs(g.asymmetry_pct - 10) < 1);
	CU_ASSERT(fabs(g.cadence_spm - 100) < 1);
	/* Stride times stay alike; left steps (right strike to left) are longer. */
	CU_ASSERT(fabs(g.stride_mean_s[0] - 1.2) < 0.012);
	for (size_t i = 2, longer = 0, n = 0;; i++) {
		if (i == wk.n) {
			CU_ASSERT(longer > n * 9 / 10);
			break;
		}
		if (wk.step[i].foot == RAS_FOOT_LEFT) {
			n++;
			longer += wk.step[i].time_ns - wk.step[i - 1].time_ns >
				  wk.step[i - 1].time_ns - wk.step[i - 2].time_ns;
		}
	}
	walk_spec("cadence=100,cv=2,asym=-20,seed=3", NULL, 0, 300, &wk);
	CU_ASSERT_EQUAL_FATAL(ras_gait_summarize(wk.step, wk.n, &g), 0);
	CU_ASSERT(fabs(g.asymmetry_pct - 20) < 1);
	CU_ASSERT(wk.step[3].time_ns - wk.step[2].time_ns > wk.step[2].time_ns - wk.step[1].time_ns);
}

/* fatigue=2: 2 % of the cadence lost per minute, from the first step. */
static void test_fatigue(void)
{
	static struct walk wk;
	double t0;

	walk_spec("cadence=100,cv=3,fatigue=2,seed=5", NULL, 0, 620, &wk);
	t0 = wk.step[0].time_ns * 1e-9;
	CU_ASSERT(fabs(cadence_in(&wk, t0, t0 + 60) / 99 - 1) < 0.015);
	CU_ASSERT(fabs(cadence_in(&wk, t0 + 240, t0 + 300) / 91 - 1) < 0.015);
	CU_ASSERT(fabs(cadence_in(&wk, t0 + 540, t0 + 600) / 81 - 1) < 0.015);
	walk_spec("cadence=100,cv=3,fatigue=0,seed=5", NULL, 0, 620, &wk);
	CU_ASSERT(fabs(cadence_in(&wk, t0 + 540, t0 + 600) / 100 - 1) < 0.015);
}

static void test_freeze(void)
{
	static struct walk wk;
	size_t after = 0;

	walk_spec("cadence=100,cv=3,freeze=20:5,freeze=40.2:3", NULL, 0, 60, &wk);
	for (size_t i = 0; i < wk.n; i++) {
		int64_t t = wk.step[i].time_ns;

		CU_ASSERT(!(t >= 20000000000 && t < 25000000000));
		CU_ASSERT(!(t >= 40200000000 && t < 43200000000));
		CU_ASSERT_EQUAL(wk.step[i].foot, i % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT);
		after += t == 25000000000 || t == 43200000000;
	}
	/* Walking resumes as the freeze ends, at the cadence it had. */
	CU_ASSERT_EQUAL(after, 2);
	CU_ASSERT(fabs(cadence_in(&wk, 25, 40) - 100) < 3);
	CU_ASSERT(fabs(cadence_in(&wk, 43.2, 60) - 100) < 3);
}

/*
 * A walker at 92 steps/min hearing beats at 100/min: phase and period
 * correction take it to the beat tempo with a small mean asynchrony; phase
 * correction alone matches the tempo but lags by (T - P) / alpha; deaf, it
 * keeps its own cadence.
 */
static void test_entrainment(void)
{
	static struct walk wk;
	static double beats[MAXBEATS];
	size_t nb = metronome(beats, 0, 0, 100, 200);

	for (int seed = 1; seed <= 4; seed++) {
		char spec[128];
		double lag;

		snprintf(spec, sizeof(spec), "cadence=92,cv=3,coupling=0.3,period=0.1,seed=%d", seed);
		walk_spec(spec, beats, nb, 180, &wk);
		CU_ASSERT_FATAL(wk.n > 250);
		CU_ASSERT(fabs(mean_interval(&wk, wk.n - 50, wk.n) / 0.6 - 1) < 0.01);
		CU_ASSERT(fabs(mean_asynchrony(&wk, wk.n - 50, wk.n, beats, nb)) < 0.030);

		/* Faster than the beat: slows down to it. */
		snprintf(spec, sizeof(spec), "cadence=108,cv=3,coupling=0.3,period=0.1,seed=%d", seed);
		walk_spec(spec, beats, nb, 180, &wk);
		CU_ASSERT(fabs(mean_interval(&wk, wk.n - 50, wk.n) / 0.6 - 1) < 0.01);
		CU_ASSERT(fabs(mean_asynchrony(&wk, wk.n - 50, wk.n, beats, nb)) < 0.030);

		snprintf(spec, sizeof(spec), "cadence=92,cv=3,coupling=0.3,period=0,seed=%d", seed);
		walk_spec(spec, beats, nb, 180, &wk);
		CU_ASSERT(fabs(mean_interval(&wk, wk.n - 50, wk.n) / 0.6 - 1) < 0.01);
		lag = mean_asynchrony(&wk, wk.n - 50, wk.n, beats, nb);
		CU_ASSERT(fabs(lag - (60.0 / 92 - 0.6) / 0.3) < 0.03);

		snprintf(spec, sizeof(spec), "cadence=92,cv=3,coupling=0,seed=%d", seed);
		walk_spec(spec, beats, nb, 180, &wk);
		CU_ASSERT(fabs(mean_interval(&wk, wk.n - 50, wk.n) / (60.0 / 92) - 1) < 0.01);
		CU_ASSERT(fabs(mean_interval(&wk, wk.n - 50, wk.n) / 0.6 - 1) > 0.05);
	}

	/* Beats every other step (RAS fading): it keeps to them on one foot. */
	nb = metronome(beats, 0, 0, 50, 200);
	walk_spec("cadence=92,cv=3,coupling=0.3,period=0.1,seed=2", beats, nb, 180, &wk);
	CU_ASSERT(fabs(mean_interval(&wk, wk.n - 50, wk.n) / 0.6 - 1) < 0.01);
}

/*
 * No peeking: however it is driven, the same beats give the same steps, and
 * a step never depends on a beat heard after it.
 */
static void test_causality(void)
{
	static const double blocks[] = { CYCLE, 0.01, 0.05, 0.337, 1, 120 };
	static struct walk ref, wk;
	static double beats[MAXBEATS], other[MAXBEATS];
	const char *spec = "cadence=94,cv=4,motor=30,coupling=0.5,period=0.2,asym=6,seed=11";
	size_t nb = 0, no, before = 0, differ = 0;
	struct ras_walker *w;
	uint64_t x = 42;

	/* Irregular beats, 0.3 to 1.2 s apart: the nearest one is often far. */
	for (double t = 0.017; t < 120 && nb < MAXBEATS; nb++) {
		beats[nb] = t;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t += 0.3 + 0.9 * (double)(x >> 11) * 0x1p-53;
	}

	/* The second corrects fully and is noisy: steps often wait for their decision. */
	for (int s = 0; s < 2; s++) {
		const char *sp = s ? "cadence=94,cv=15,coupling=1,period=0.5,seed=5" : spec;

		w = walker(sp);
		drive(w, beats, nb, 120, CYCLE, false, &ref);
		ras_walker_free(w);
		CU_ASSERT_FATAL(ref.n > 100);
		for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
			for (int ahead = 0; ahead < 2; ahead++) {
				w = walker(sp);
				drive(w, beats, nb, 120, blocks[i], ahead, &wk);
				ras_walker_free(w);
				CU_ASSERT_EQUAL(wk.n, ref.n);
				CU_ASSERT_EQUAL(memcmp(wk.step, ref.step, ref.n * sizeof(ref.step[0])), 0);
			}
		}
	}

	/* A metronome to 60 s, then a new tempo: steps before 60 s stay. */
	nb = metronome(beats, 0, 0.017, 100, 120);
	w = walker(spec);
	drive(w, beats, nb, 120, CYCLE, false, &ref);
	ras_walker_free(w);
	no = 0;
	while (no < nb && beats[no] < 60) {
		other[no] = beats[no];
		no++;
	}
	no = metronome(other, no, other[no - 1] + 0.75, 80, 120);
	w = walker(spec);
	drive(w, other, no, 120, 0.05, true, &wk);
	ras_walker_free(w);
	for (size_t i = 0; i < ref.n && i < wk.n; i++) {
		if (ref.step[i].time_ns < 60000000000 || wk.step[i].time_ns < 60000000000) {
			before++;
			CU_ASSERT_EQUAL(ref.step[i].time_ns, wk.step[i].time_ns);
		} else {
			differ += ref.step[i].time_ns != wk.step[i].time_ns;
		}
	}
	CU_ASSERT(before > 90);
	CU_ASSERT(differ > 50);
}

/* hear and next allocate nothing; three minutes of session take far under a ms. */
static void test_rt_speed(void)
{
	static double beats[MAXBEATS];
	size_t nb = metronome(beats, 0, 0.02, 110, 180);
	double best = INFINITY;
	int steps = 0;

	for (int run = 0; run < 5; run++) {
		struct ras_walker *w = walker("cadence=92,cv=3,coupling=0.3,seed=7");
		struct timespec a, b;
		struct ras_step st;
		size_t k = 0;
		int bad = 0;

		steps = 0;
		rtcheck_arm();
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (long i = 1; i * CYCLE <= 180; i++) {
			for (; k < nb && beats[k] < i * CYCLE; k++)
				bad |= ras_walker_hear(w, beats[k]);
			while (ras_walker_next(w, i * CYCLE, &st))
				steps++;
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		CU_ASSERT_EQUAL(rtcheck_disarm(), 0);
		CU_ASSERT_EQUAL(bad, 0);
		best = fmin(best, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9);
		ras_walker_free(w);
	}
	CU_ASSERT(steps > 300);
	/* Fast: not a bound valgrind's emulation can keep. */
	CU_ASSERT(best < 1e-3 || test_under_valgrind());
}

void test_walker_register(void)
{
	TEST_SUITE("walker",
		   { "parse", test_parse },
		   { "parse errors", test_parse_errors },
		   { "hear errors", test_hear_errors },
		   { "determinism", test_determinism },
		   { "uncoupled cadence and variability", test_uncoupled },
		   { "left/right alternation", test_alternation },
		   { "asymmetry", test_asym },
		   { "fatigue", test_fatigue },
		   { "freezing", test_freeze },
		   { "entrainment", test_entrainment },
		   { "causality", test_causality },
		   { "RT-safe and fast", test_rt_speed });
}

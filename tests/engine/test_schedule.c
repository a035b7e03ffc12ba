/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tempo math: beats against exact references. Constant tempi are checked in
 * integer arithmetic (a decimal bpm is a rational), ramps against __float128
 * closed forms, so the reference shares no code or precision with rasbeat.
 */
#include <errno.h>
#include <math.h>
#include <quadmath.h>
#include <stdlib.h>

#include "rasbeat/schedule.h"
#include "rasbeat/tempomap.h"
#include "testutil.h"

static const double rates[] = { 44100, 48000, 96000 };

/*
 * Beat k of a constant tempo p/q bpm falls at exact frame k*60*q*rate/p.
 * True when |frame - exact| <= 1/2, decided exactly.
 */
static bool const_frame_ok(int64_t frame, int64_t k, int64_t p, int64_t q, int64_t rate)
{
	__int128 num = (__int128)k * 60 * q * rate;	/* exact = num / p */
	__int128 diff = (__int128)frame * p - num;

	if (diff < 0)
		diff = -diff;
	return 2 * diff <= p;
}

/* A 24 h constant schedule: every beat at every rate within half a frame. */
static void test_const_24h(void)
{
	static const struct {
		int64_t p, q;	/* bpm = p / q */
	} tempi[] = { { 1003, 10 }, { 96, 1 }, { 13333, 100 }, { 7, 1 }, { 600, 1 }, { 1193, 20 } };
	struct ras_meter m;

	ras_meter_default(&m);
	for (size_t t = 0; t < sizeof(tempi) / sizeof(tempi[0]); t++) {
		struct ras_schedule *s = ras_tempomap_constant(&m, (double)tempi[t].p / tempi[t].q);
		const struct ras_section *sec = ras_schedule_section(s, 0);
		int64_t beats = 86400 * tempi[t].p / tempi[t].q / 60;
		int bad = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		for (size_t r = 0; r < 3; r++) {
			for (int64_t k = 0; k <= beats; k++) {
				int64_t f = ras_time_to_frame(ras_section_time_at(sec, k), rates[r]);

				bad += !const_frame_ok(f, k, tempi[t].p, tempi[t].q, (int64_t)rates[r]);
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
		ras_schedule_free(s);
	}
}

/* Exact time of phase u in a time-linear ramp from a (bpm) with slope b (bpm/s). */
static __float128 ramp_time_ref(__float128 a, __float128 b, __float128 u)
{
	/* a d + b d^2 / 2 = 60 u, the root near 0 */
	if (b == 0)
		return 60 * u / a;
	return (-a + sqrtq(a * a + 120 * b * u)) / b;
}

static bool ref_frame_ok(int64_t frame, __float128 t, double rate)
{
	__float128 exact = t * rate;
	__float128 diff = (__float128)frame - exact;

	/* Within half a frame; a reference this close to a tie may round either way. */
	return fabsq(diff) <= 0.5Q + 1e-9Q;
}

/* --ramp 80:120:600, then 120, for 24 h: beats against the quad-precision root. */
static void test_ramp_time_24h(void)
{
	struct ras_meter m;
	struct ras_schedule *s;
	int bad = 0, n = 0;

	ras_meter_default(&m);
	s = ras_tempomap_ramp(&m, 80, 120, 600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* The ramp covers (80+120)/2 * 10 min = 1000 beats exactly. */
	CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_section(s, 0)->ph_end, 1000.0, 1e-9);
	for (size_t r = 0; r < 3; r++) {
		for (int64_t k = 0;; k++) {
			__float128 t;
			long double got = ras_schedule_time_at(s, k);

			if (k <= 1000)
				t = ramp_time_ref(80, 40.0Q / 600, k);
			else
				t = 600 + (k - 1000) * 60.0Q / 120;
			if (t > 86400)
				break;
			bad += !ref_frame_ok(ras_time_to_frame(got, rates[r]), t, rates[r]);
			n++;
		}
	}
	CU_ASSERT(n > 3 * 170000);
	CU_ASSERT_EQUAL(bad, 0);
	ras_schedule_free(s);
}

/* A single 24 h ramp from 60 to 180 bpm and a slowing one, every beat. */
static void test_long_ramps(void)
{
	static const double ends[][2] = { { 60, 180 }, { 150, 30 } };
	struct ras_meter m;

	ras_meter_default(&m);
	for (int e = 0; e < 2; e++) {
		struct ras_schedule *s = ras_schedule_new(4);
		__float128 a = ends[e][0], b = (ends[e][1] - ends[e][0]) / 86400.0Q;
		int bad = 0;

		CU_ASSERT_EQUAL_FATAL(ras_schedule_add_ramp_time(s, &m, ends[e][0], ends[e][1], 86400), 0);
		for (int64_t k = 0; k < (int64_t)ras_schedule_end_phase(s); k++) {
			__float128 t = ramp_time_ref(a, b, k);

			for (size_t r = 0; r < 3; r++)
				bad += !ref_frame_ok(ras_time_to_frame(ras_schedule_time_at(s, k), rates[r]),
						     t, rates[r]);
		}
		CU_ASSERT_EQUAL(bad, 0);
		ras_schedule_free(s);
	}
}

/* klick's ramp: tempo linear per beat; time = 60 N/(T2-T1) ln(T(k)/T1). */
static void test_ramp_beats(void)
{
	struct ras_meter m;
	struct ras_schedule *s = ras_schedule_new(4);
	const double n = 64 * 4;
	int bad = 0;

	ras_meter_default(&m);
	CU_ASSERT_EQUAL_FATAL(ras_schedule_add_ramp_beats(s, &m, 80, 160, n), 0);
	CU_ASSERT_EQUAL_FATAL(ras_schedule_add_const(s, &m, 160, -1, -1), 0);
	for (int64_t k = 0; k <= 5000; k++) {
		__float128 t;

		if (k <= n)
			t = 60 * n / 80.0Q * logq((80 + 80.0Q * k / n) / 80);
		else
			t = 60 * n / 80.0Q * logq(2.0Q) + (k - n) * 60 / 160.0Q;
		for (size_t r = 0; r < 3; r++)
			bad += !ref_frame_ok(ras_time_to_frame(ras_schedule_time_at(s, k), rates[r]), t,
					     rates[r]);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* The section's length agrees with klick's own log-mean formula. */
	{
		double avg = (80.0 - 160.0) / (log(80.0) - log(160.0));

		CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_section(s, 0)->t_end, n * 60 / avg, 1e-9);
	}
	ras_schedule_free(s);
}

/* phase(time(x)) == x and time(phase(t)) == t in every kind of section. */
static void test_inverses(void)
{
	struct ras_meter m;
	struct ras_schedule *s = ras_schedule_new(8);
	int bad = 0;

	ras_meter_default(&m);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 100, 32, -1), 0);
	CU_ASSERT_EQUAL(ras_schedule_add_ramp_beats(s, &m, 100, 60, 32), 0);
	CU_ASSERT_EQUAL(ras_schedule_add_ramp_time(s, &m, 60, 140, 45), 0);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 140, -1, 30.5), 0);
	CU_ASSERT_EQUAL(ras_schedule_add_ramp_time(s, &m, 140, 20, 100), 0);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 5);
	for (long double x = 0; x < ras_schedule_end_phase(s); x += 0.37L) {
		long double t = ras_schedule_time_at(s, x);

		bad += fabsl(ras_schedule_phase_at(s, t) - x) > 1e-12L;
		bad += fabsl(ras_schedule_time_at(s, ras_schedule_phase_at(s, t)) - t) > 1e-12L;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Sections meet: each starts where the previous ends, tempo continuous in ramps. */
	for (int i = 1; i < ras_schedule_count(s); i++) {
		const struct ras_section *a = ras_schedule_section(s, i - 1), *b = ras_schedule_section(s, i);

		CU_ASSERT(a->t_end == b->t0);
		CU_ASSERT(a->ph_end == b->ph0);
	}
	CU_ASSERT(isnan(ras_schedule_time_at(s, ras_schedule_end_phase(s) + 1)));
	ras_schedule_free(s);
}

/* A tempo change keeps the phase reached and is closed-form from there. */
static void test_change_phase_continuous(void)
{
	struct ras_meter m;
	struct ras_schedule *s;
	long double tc = 10.3L, ph_before, ph_after;

	ras_meter_default(&m);
	s = ras_tempomap_constant(&m, 100);
	ph_before = ras_schedule_phase_at(s, tc);
	CU_ASSERT_EQUAL_FATAL(ras_schedule_change(s, tc, 75), 0);
	ph_after = ras_schedule_phase_at(s, tc);
	CU_ASSERT(fabsl(ph_after - ph_before) < 1e-15L);
	/* 10.3 s at 100 bpm is phase 17.1666..; beat 18 comes 0.8333 beats later at 75 bpm. */
	CU_ASSERT(fabsl(ras_schedule_time_at(s, 18) - (tc + (18 - 17.0L - 1.0L / 6) * 60 / 75)) < 1e-12L);
	/* Earlier beats are untouched. */
	CU_ASSERT(fabsl(ras_schedule_time_at(s, 17) - 17 * 0.6L) < 1e-12L);
	/* Beat 1000 after the change, far out: no accumulation. */
	CU_ASSERT(fabsl(ras_schedule_time_at(s, 1000) - (tc + (1000 - ph_before) * 0.8L)) < 1e-10L);
	/* The meter survives: bar origin is unchanged. */
	CU_ASSERT(ras_schedule_section(s, 1)->bar_origin == 0);
	CU_ASSERT_EQUAL(ras_schedule_section(s, 1)->meter.beats, 4);

	/* A ramp from the change point: tempo continuous, then constant. */
	CU_ASSERT_EQUAL_FATAL(ras_schedule_ramp(s, 20, 120, 30), 0);
	CU_ASSERT(fabsl(ras_schedule_tempo_at(s, 20) - 75) < 1e-12L);
	CU_ASSERT(fabsl(ras_schedule_tempo_at(s, 35) - 97.5L) < 1e-12L);
	CU_ASSERT(fabsl(ras_schedule_tempo_at(s, 80) - 120) < 1e-12L);
	CU_ASSERT(fabsl(ras_schedule_phase_at(s, 50) - ras_schedule_phase_at(s, 20) -
			(75 * 30 + 45.0L * 30 / 2) / 60) < 1e-12L);
	ras_schedule_free(s);
}

/* A nudge moves the phase by exactly `beats` over `seconds`, then the tempo is as before. */
static void test_nudge(void)
{
	struct ras_meter m;
	struct ras_schedule *s;
	long double ph;

	ras_meter_default(&m);
	s = ras_tempomap_constant(&m, 100);
	ph = ras_schedule_phase_at(s, 10);
	CU_ASSERT_EQUAL_FATAL(ras_schedule_nudge(s, 10, 0.25, 2), 0);
	CU_ASSERT(fabsl(ras_schedule_phase_at(s, 10) - ph) < 1e-15L);
	CU_ASSERT(fabsl(ras_schedule_tempo_at(s, 11) - 107.5L) < 1e-12L);	/* 100 + 60*0.25/2 */
	/* 2 s later the phase is 0.25 beat ahead of the unnudged 100 bpm */
	CU_ASSERT(fabsl(ras_schedule_phase_at(s, 12) - (ph + 2 * 100 / 60.0L + 0.25L)) < 1e-12L);
	CU_ASSERT(fabsl(ras_schedule_tempo_at(s, 30) - 100) < 1e-12L);
	CU_ASSERT(fabsl(ras_schedule_phase_at(s, 70) - (ph + 60 * 100 / 60.0L + 0.25L)) < 1e-10L);
	/* Behind, and refused when the nudged tempo would leave the range. */
	CU_ASSERT_EQUAL(ras_schedule_nudge(s, 80, -0.5, 1), 0);
	CU_ASSERT(fabsl(ras_schedule_tempo_at(s, 80.5) - 70) < 1e-12L);
	CU_ASSERT_EQUAL(ras_schedule_nudge(s, 90, -2, 1), -EINVAL);	/* 100 - 120 < 1 */
	CU_ASSERT_EQUAL(ras_schedule_nudge(s, 90, 0.1, 0), -EINVAL);
	ras_schedule_free(s);
}

/* Thousands of changes in a small schedule: old sections are dropped. */
static void test_change_many(void)
{
	struct ras_meter m;
	struct ras_schedule *s;
	long double ph = 0;

	ras_meter_default(&m);
	s = ras_tempomap_constant(&m, 100);
	for (int i = 1; i <= 5000; i++) {
		long double t = i * 0.25L;
		long double before = ras_schedule_phase_at(s, t);

		CU_ASSERT_EQUAL_FATAL(i % 3 ? ras_schedule_change(s, t, 60 + i % 90)
					    : ras_schedule_ramp(s, t, 60 + i % 97, 0.1), 0);
		CU_ASSERT_FATAL(fabsl(ras_schedule_phase_at(s, t) - before) < 1e-9L);
		ph = before;
	}
	CU_ASSERT(ras_schedule_count(s) <= 1 + RAS_SCHEDULE_SPARE);
	CU_ASSERT(ph > 0);
	ras_schedule_free(s);
}

static void test_bad_values(void)
{
	struct ras_meter m;
	struct ras_schedule *s = ras_schedule_new(2);

	ras_meter_default(&m);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 0, 4, -1), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, NAN, 4, -1), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, INFINITY, 4, -1), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 601, 4, -1), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_add_ramp_time(s, &m, 60, 120, 0), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_add_ramp_beats(s, &m, 60, 120, -3), -EINVAL);
	m.beats = 0;
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 60, 4, -1), -EINVAL);
	ras_meter_default(&m);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 60, -1, -1), 0);
	/* Nothing after an open section. */
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 60, 4, -1), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_change(s, 5, 0.5), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_change(s, NAN, 60), -EINVAL);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 1);
	ras_schedule_free(s);

	/* Full: -ENOSPC. */
	s = ras_schedule_new(1);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 60, 4, -1), 0);
	CU_ASSERT_EQUAL(ras_schedule_add_const(s, &m, 60, 4, -1), -ENOSPC);
	/* A change past the end of a finite schedule is refused. */
	CU_ASSERT_EQUAL(ras_schedule_change(s, 10, 80), -EINVAL);
	ras_schedule_free(s);
}

/* Frame rounding: half away from zero, exact on large values. */
static void test_time_to_frame(void)
{
	CU_ASSERT_EQUAL(ras_time_to_frame(0.625L, 44100), 27563);	/* 27562.5 */
	CU_ASSERT_EQUAL(ras_time_to_frame(1.0L, 48000), 48000);
	CU_ASSERT_EQUAL(ras_time_to_frame(86400.0L, 96000), 8294400000LL);
	CU_ASSERT_EQUAL(ras_time_to_frame(-0.5L / 48000, 48000), -1);
}

void test_schedule_register(void)
{
	TEST_SUITE("schedule",
		   { "constant tempi, 24 h at 44.1/48/96 kHz, exact", test_const_24h },
		   { "time ramp then constant, 24 h", test_ramp_time_24h },
		   { "24 h ramps up and down", test_long_ramps },
		   { "klick per-beat ramps", test_ramp_beats },
		   { "inverses and section joins", test_inverses },
		   { "phase-continuous change and ramp", test_change_phase_continuous },
		   { "phase nudges", test_nudge },
		   { "5000 run-time changes", test_change_many },
		   { "bad values", test_bad_values },
		   { "time to frame rounding", test_time_to_frame });
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "rasbeat/gait.h"
#include "rasbeat/measures.h"
#include "testutil.h"

#define NS(t) ((int64_t)llround((t) * 1e9))
#define S(t, f) { .time_ns = NS(t), .foot = (f) }
#define L RAS_FOOT_LEFT
#define R RAS_FOOT_RIGHT
#define N RAS_FOOT_NONE

/* 1.0, 1.2, 0.8: mean 1.0, sd sqrt((0 + .04 + .04) / 2) = 0.2, CV 20 %. */
static void test_stat_and_symmetry(void)
{
	const double x[] = { 1.0, 1.2, 0.8 };
	struct ras_stat s = { 0 };

	CU_ASSERT(isnan(ras_stat_mean(&s)));
	ras_stat_add(&s, 5);
	CU_ASSERT_DOUBLE_EQUAL(ras_stat_mean(&s), 5, 1e-12);
	CU_ASSERT(isnan(ras_stat_sd(&s)));
	CU_ASSERT(isnan(ras_stat_cv_pct(&s)));
	s = (struct ras_stat){ 0 };
	ras_stat_add_array(&s, x, 3);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_DOUBLE_EQUAL(ras_stat_mean(&s), 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ras_stat_sd(&s), 0.2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ras_stat_cv_pct(&s), 20.0, 1e-9);
	/* Welford keeps a tiny spread on a large mean: 1e9 + {0, 1, 2} has sd 1. */
	s = (struct ras_stat){ 0 };
	for (int i = 0; i < 3; i++)
		ras_stat_add(&s, 1e9 + i);
	CU_ASSERT_DOUBLE_EQUAL(ras_stat_sd(&s), 1.0, 1e-6);
	/* 2 |0.55 - 0.45| / 1.0 = 20 % */
	CU_ASSERT_DOUBLE_EQUAL(ras_symmetry_index_pct(0.55, 0.45), 20.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(ras_symmetry_index_pct(0.5, 0.5), 0.0, 1e-12);
	CU_ASSERT(isnan(ras_symmetry_index_pct(0, 0)));
	CU_ASSERT(isnan(ras_symmetry_index_pct(NAN, 0.5)));
}

static void test_cadence_window(void)
{
	const struct ras_step st[] = {
		S(0, L), S(0.5, R), S(1.0, L), S(1.6, R), S(2.2, L), S(3.0, R),
	};
	double spm = -1;

	/* at 2.5 s, last 3 steps 1.0 1.6 2.2: 2 intervals in 1.2 s = 100/min */
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(2.5), 3, 0, &spm), 0);
	CU_ASSERT_DOUBLE_EQUAL(spm, 100.0, 1e-9);
	/* last 2 s at 2.5 s: from 0.5, i.e. 0.5 .. 2.2: 3 in 1.7 s */
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(2.5), 0, 2.0, &spm), 0);
	CU_ASSERT_DOUBLE_EQUAL(spm, 60.0 * 3 / 1.7, 1e-9);
	/* both limits: the tighter wins (2 steps 1.6, 2.2) */
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(2.5), 2, 2.0, &spm), 0);
	CU_ASSERT_DOUBLE_EQUAL(spm, 100.0, 1e-9);
	/* a step at `now` counts: 2.2, 3.0 -> 60 / 0.8 */
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(3.0), 2, 0, &spm), 0);
	CU_ASSERT_DOUBLE_EQUAL(spm, 75.0, 1e-9);
	/* every step */
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(9), 100, 0, &spm), 0);
	CU_ASSERT_DOUBLE_EQUAL(spm, 100.0, 1e-9);
	spm = -1;
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(0.2), 5, 0, &spm), -ENODATA);
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(2.9), 0, 0.5, &spm), -ENODATA);
	CU_ASSERT_EQUAL(ras_cadence_window(st, 0, NS(2.9), 4, 0, &spm), -ENODATA);
	CU_ASSERT_EQUAL(ras_cadence_window(st, 6, NS(2.9), 0, 0, &spm), -EINVAL);
	CU_ASSERT_EQUAL(spm, -1);
}

static void test_step_stride_times(void)
{
	/* L steps 0.55 s after R, R 0.45 s after L; strides 1 s */
	const struct ras_step st[] = {
		S(0.00, L), S(0.45, R), S(1.00, L), S(1.45, R), S(2.00, L),
	};
	/* R twice: the second R is no step time; an unknown foot breaks a pair */
	const struct ras_step odd[] = {
		S(0, L), S(0.5, R), S(1.0, R), S(1.6, L), S(2.0, N), S(2.3, R),
	};
	const struct ras_step bad[] = { S(1, L), S(0.5, R) };
	struct ras_gait_summary g;
	double t[8];

	CU_ASSERT_EQUAL(ras_step_times(st, 5, L, t, 8), 2);
	CU_ASSERT_DOUBLE_EQUAL(t[0], 0.55, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(t[1], 0.55, 1e-12);
	CU_ASSERT_EQUAL(ras_step_times(st, 5, R, t, 8), 2);
	CU_ASSERT_DOUBLE_EQUAL(t[1], 0.45, 1e-12);
	CU_ASSERT_EQUAL(ras_step_times(st, 5, N, NULL, 0), 4);
	CU_ASSERT_EQUAL(ras_stride_times(st, 5, L, t, 1), 2);	/* counts past max */
	CU_ASSERT_DOUBLE_EQUAL(t[0], 1.0, 1e-12);
	CU_ASSERT_EQUAL(ras_stride_times(st, 5, R, t, 8), 1);
	CU_ASSERT_EQUAL(ras_stride_times(st, 5, N, t, 8), -EINVAL);
	CU_ASSERT_EQUAL(ras_step_times(bad, 2, L, t, 8), -EINVAL);
	CU_ASSERT_EQUAL(ras_stride_times(bad, 2, L, t, 8), -EINVAL);

	CU_ASSERT_EQUAL(ras_step_times(odd, 6, L, t, 8), 1);	/* R 1.0 -> L 1.6 */
	CU_ASSERT_DOUBLE_EQUAL(t[0], 0.6, 1e-12);
	CU_ASSERT_EQUAL(ras_step_times(odd, 6, R, t, 8), 1);	/* L 0 -> R 0.5 */
	CU_ASSERT_DOUBLE_EQUAL(t[0], 0.5, 1e-12);
	CU_ASSERT_EQUAL(ras_step_times(odd, 6, N, t, 8), 5);
	CU_ASSERT_DOUBLE_EQUAL(t[4], 0.3, 1e-12);
	CU_ASSERT_EQUAL(ras_stride_times(odd, 6, R, t, 8), 2);	/* 0.5, 1.3 */
	CU_ASSERT_DOUBLE_EQUAL(t[1], 1.3, 1e-12);

	/* The summary's per-foot step times are the same series. */
	CU_ASSERT_EQUAL(ras_gait_summarize(st, 5, &g), 0);
	CU_ASSERT_DOUBLE_EQUAL(g.foot_step_mean_s[L], 0.55, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(g.foot_step_mean_s[R], 0.45, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(g.foot_step_cv_pct[L], 0.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(g.asymmetry_pct, 20.0, 1e-9);
	CU_ASSERT_EQUAL(ras_gait_summarize(odd, 6, &g), 0);
	CU_ASSERT(isnan(g.foot_step_cv_pct[L]));	/* one value */
}

/*
 * Beats every 0.5 s. Steps and by hand (asynchrony; phase = 2 pi a / 0.5 s):
 *   0.05 -> beat 0   +50 ms   0.2 pi
 *   0.48 -> beat 1   -20 ms  -0.08 pi
 *   1.00 -> beat 2     0        0
 *   1.25 -> beat 2  +250 ms     pi   (halfway: the earlier beat)
 *   1.60 -> beat 3  +100 ms   0.4 pi
 * mean 76 ms; deviations -26 -96 -76 174 24, squares sum 46520,
 * sd sqrt(46520 / 4) = 107.842 ms.
 */
static void test_asynchrony_by_hand(void)
{
	const int64_t beats[] = { NS(0), NS(0.5), NS(1.0), NS(1.5), NS(2.0) };
	const struct ras_step st[] = {
		S(-0.3, L), S(0.05, L), S(0.48, R), S(1.0, L), S(1.25, R), S(1.6, L), S(2.3, R),
	};
	const double a[] = { 50, -20, 0, 250, 100 }, ph[] = { 0.2, -0.08, 0, 1, 0.4 };
	const size_t b[] = { 0, 1, 2, 2, 3 };
	struct ras_sync per[7], s;
	struct ras_sync_summary sum;
	struct ras_circ c = { 0 };

	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(ras_sync_step(st[i + 1].time_ns, beats, 5, &s), 0);
		CU_ASSERT_EQUAL(s.beat, b[i]);
		CU_ASSERT_DOUBLE_EQUAL(s.asynchrony_ms, a[i], 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(s.phase_rad, ph[i] * M_PI, 1e-9);
		ras_circ_add(&c, ph[i] * M_PI);
	}
	/* -0.3 is 0.3 s before the first beat, more than half a beat: outside.
	 * 2.3 likewise after the last. */
	CU_ASSERT_EQUAL(ras_sync_step(st[0].time_ns, beats, 5, &s), -ERANGE);
	CU_ASSERT_EQUAL(ras_sync_step(st[6].time_ns, beats, 5, &s), -ERANGE);

	CU_ASSERT_EQUAL(ras_sync_summarize(st, 7, beats, 5, per, &sum), 0);
	CU_ASSERT_EQUAL(sum.steps, 5);
	CU_ASSERT_EQUAL(sum.outside, 2);
	CU_ASSERT_DOUBLE_EQUAL(sum.asynchrony_mean_ms, 76.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sum.asynchrony_sd_ms, sqrt(46520.0 / 4), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sum.r, ras_circ_r(&c), 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(sum.phase_mean_rad, ras_circ_mean(&c), 1e-12);
	CU_ASSERT_EQUAL(per[0].beat, SIZE_MAX);
	CU_ASSERT(isnan(per[6].asynchrony_ms));
	CU_ASSERT_EQUAL(per[4].beat, 2);
	CU_ASSERT_DOUBLE_EQUAL(per[4].phase_rad, M_PI, 1e-12);
}

/*
 * Uneven beats 0, 0.5, 1.1: the interval is that of the beats around the
 * step (or the first / last one outside them).
 *   0.9  -> beat 2 (0.2 away vs 0.4): -200 ms of 0.6 s, phase -2 pi / 3
 *  -0.2  -> beat 0: -200 ms of 0.5 s, -0.8 pi
 *  -0.25 -> exactly half before the first: would be -pi, outside
 *   1.4  -> half after the last: +pi, inside; 1.41 outside
 */
static void test_asynchrony_edges(void)
{
	const int64_t beats[] = { NS(0), NS(0.5), NS(1.1) };
	const int64_t unsorted_beats[] = { NS(0), NS(0.5), NS(0.5) };
	const struct ras_step st[] = { S(0.9, L) };
	struct ras_sync_summary sum;
	struct ras_sync s;

	CU_ASSERT_EQUAL(ras_sync_step(NS(0.9), beats, 3, &s), 0);
	CU_ASSERT_EQUAL(s.beat, 2);
	CU_ASSERT_DOUBLE_EQUAL(s.asynchrony_ms, -200, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_rad, -2 * M_PI / 3, 1e-9);
	CU_ASSERT_EQUAL(ras_sync_step(NS(-0.2), beats, 3, &s), 0);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_rad, -0.8 * M_PI, 1e-9);
	CU_ASSERT_EQUAL(ras_sync_step(NS(-0.25), beats, 3, &s), -ERANGE);
	CU_ASSERT_EQUAL(ras_sync_step(NS(1.4), beats, 3, &s), 0);
	CU_ASSERT_EQUAL(s.beat, 2);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_rad, M_PI, 1e-9);
	CU_ASSERT_EQUAL(ras_sync_step(NS(1.41), beats, 3, &s), -ERANGE);
	CU_ASSERT_EQUAL(ras_sync_step(NS(0.1), beats, 1, &s), -ENODATA);

	CU_ASSERT_EQUAL(ras_sync_summarize(st, 1, beats, 1, NULL, &sum), -ENODATA);
	CU_ASSERT_EQUAL(ras_sync_summarize(st, 1, unsorted_beats, 3, NULL, &sum), -EINVAL);
	/* one matched step: a mean, no sd */
	CU_ASSERT_EQUAL(ras_sync_summarize(st, 1, beats, 3, NULL, &sum), 0);
	CU_ASSERT_DOUBLE_EQUAL(sum.asynchrony_mean_ms, -200, 1e-9);
	CU_ASSERT(isnan(sum.asynchrony_sd_ms));
	CU_ASSERT_DOUBLE_EQUAL(sum.r, 1.0, 1e-12);
	/* none matched */
	CU_ASSERT_EQUAL(ras_sync_summarize(st, 0, beats, 3, NULL, &sum), 0);
	CU_ASSERT_EQUAL(sum.steps, 0);
	CU_ASSERT(isnan(sum.asynchrony_mean_ms));
	CU_ASSERT(isnan(sum.r));
	CU_ASSERT(isnan(sum.rayleigh_p));
}

static void test_circular(void)
{
	struct ras_circ c = { 0 };

	CU_ASSERT(isnan(ras_circ_r(&c)));
	CU_ASSERT(isnan(ras_circ_mean(&c)));
	CU_ASSERT(isnan(ras_circ_rayleigh_p(&c)));
	/* 0 and pi/2: resultant (1, 1) / 2, R = sqrt(2) / 2, mean pi / 4 */
	ras_circ_add(&c, 0);
	ras_circ_add(&c, M_PI / 2);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_r(&c), sqrt(2) / 2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_mean(&c), M_PI / 4, 1e-12);
	/* around the back: 170 and -170 degrees average to 180 */
	c = (struct ras_circ){ 0 };
	ras_circ_add(&c, 170 * M_PI / 180);
	ras_circ_add(&c, -170 * M_PI / 180);
	CU_ASSERT_DOUBLE_EQUAL(fabs(ras_circ_mean(&c)), M_PI, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_r(&c), cos(10 * M_PI / 180), 1e-12);

	/* Zar's formula, n = 10, R = 0.5 (nR = 5):
	 * exp(sqrt(1 + 40 + 4 (100 - 25)) - 21) = exp(sqrt(341) - 21) = 0.0793557 */
	CU_ASSERT_DOUBLE_EQUAL(ras_rayleigh_p(10, 0.5), 0.0793557248828269, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ras_rayleigh_p(10, 0), 1.0, 1e-12);
	/* R = 1, n = 20: exp(sqrt(81) - 41) = exp(-32) */
	CU_ASSERT_DOUBLE_EQUAL(ras_rayleigh_p(20, 1) / exp(-32), 1.0, 1e-9);
	CU_ASSERT(isnan(ras_rayleigh_p(0, 0.5)));

	/* identical phases: R = 1, p tiny */
	c = (struct ras_circ){ 0 };
	for (int i = 0; i < 20; i++)
		ras_circ_add(&c, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_r(&c), 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_mean(&c), 1.0, 1e-12);
	CU_ASSERT(ras_circ_rayleigh_p(&c) < 1e-12);
	/* evenly spread phases: R = 0, p = 1 */
	c = (struct ras_circ){ 0 };
	for (int i = 0; i < 24; i++)
		ras_circ_add(&c, 2 * M_PI * i / 24 - M_PI);
	CU_ASSERT(ras_circ_r(&c) < 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_rayleigh_p(&c), 1.0, 1e-9);
	/* concentrated: 20 phases within +-0.5 rad of 2 */
	c = (struct ras_circ){ 0 };
	for (int i = 0; i < 20; i++)
		ras_circ_add(&c, 2 + 0.5 * sin(i * 1.7));
	CU_ASSERT(ras_circ_r(&c) > 0.9);
	CU_ASSERT_DOUBLE_EQUAL(ras_circ_mean(&c), 2.0, 0.1);
	CU_ASSERT(ras_circ_rayleigh_p(&c) < 1e-6);
}

/*
 * Left reference strides and the right strike inside each:
 *   [0, 1]: R 0.45 -> phi 162;  [1, 2]: R 1.55 -> 198;  [2, 3]: R 2.5 -> 180
 * phi mean 180, sd sqrt((18^2 + 18^2 + 0) / 2) = 18, CV 10 %;
 * phi_ABS (18 + 18 + 0) / 3 = 12, P 100 * 12 / 180 = 6.667 %; PCI 16.667 %.
 */
static void test_pci_by_hand(void)
{
	const struct ras_step st[] = {
		S(0, L), S(0.45, R), S(1.0, L), S(1.55, R), S(2.0, L), S(2.5, R), S(3.0, L),
	};
	struct ras_pci p;

	CU_ASSERT_EQUAL(ras_phase_coordination(st, 7, L, &p), 0);
	CU_ASSERT_EQUAL(p.ref, L);
	CU_ASSERT_EQUAL(p.strides, 3);
	CU_ASSERT_EQUAL(p.skipped, 0);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_mean_deg, 180, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_cv_pct, 10, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_abs_deg, 12, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.p_phi_abs_pct, 100 * 12.0 / 180, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.pci_pct, 10 + 100 * 12.0 / 180, 1e-9);
}

/*
 * Perfect antiphase: PCI 0. A constant limp (R 0.4 s after L, stride 1 s):
 * onto L 0.6 s, onto R 0.4 s, so the automatic reference is L; phi 144
 * every stride, CV 0, phi_ABS 36, PCI 100 * 36 / 180 = 20 %. With R as
 * reference phi is 216: the same PCI.
 */
static void test_pci_properties(void)
{
	struct ras_step st[41], limp[41];
	const struct ras_step gaps[] = {
		S(0, L), S(0.5, R), S(1.0, L), S(2.0, L), S(2.4, R), S(2.6, R), S(3.0, L),
		S(3.5, R), S(4.0, L),
	};
	const struct ras_step bad[] = { S(1, L), S(0.5, R) };
	struct ras_pci p;

	for (int i = 0; i < 41; i++) {
		st[i] = (struct ras_step)S(0.5 * i, i % 2 ? R : L);
		limp[i] = (struct ras_step)S(i / 2 + (i % 2 ? 0.4 : 0), i % 2 ? R : L);
	}
	CU_ASSERT_EQUAL(ras_phase_coordination(st, 41, L, &p), 0);
	CU_ASSERT_EQUAL(p.strides, 20);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_mean_deg, 180, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(p.pci_pct, 0, 1e-6);

	CU_ASSERT_EQUAL(ras_phase_coordination(limp, 41, N, &p), 0);
	CU_ASSERT_EQUAL(p.ref, L);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_mean_deg, 144, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_abs_deg, 36, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(p.pci_pct, 20, 1e-6);
	CU_ASSERT_EQUAL(ras_phase_coordination(limp, 41, R, &p), 0);
	CU_ASSERT_EQUAL(p.strides, 19);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_mean_deg, 216, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(p.pci_pct, 20, 1e-6);

	/* [1, 2] has no R and [2, 3] two: skipped; the other two phi 180 */
	CU_ASSERT_EQUAL(ras_phase_coordination(gaps, 9, L, &p), 0);
	CU_ASSERT_EQUAL(p.strides, 2);
	CU_ASSERT_EQUAL(p.skipped, 2);
	CU_ASSERT_DOUBLE_EQUAL(p.pci_pct, 0, 1e-9);

	CU_ASSERT_EQUAL(ras_phase_coordination(st, 2, L, &p), 0);	/* no stride */
	CU_ASSERT_EQUAL(p.strides, 0);
	CU_ASSERT(isnan(p.pci_pct));
	CU_ASSERT(isnan(p.phi_abs_deg));
	CU_ASSERT_EQUAL(ras_phase_coordination(st, 3, L, &p), 0);	/* one: no CV */
	CU_ASSERT_EQUAL(p.strides, 1);
	CU_ASSERT_DOUBLE_EQUAL(p.phi_abs_deg, 0, 1e-9);
	CU_ASSERT(isnan(p.pci_pct));
	CU_ASSERT_EQUAL(ras_phase_coordination(bad, 2, L, &p), -EINVAL);
}

/*
 * F by hand. x = 1 -1 1 -1 ...: mean 0, profile y = 1 0 1 0 ...
 *   box 4 (1 0 1 0, index 0..3): index mean 1.5, y mean 0.5,
 *   Sxy = -1.5*.5 - .5*-.5 + .5*.5 + 1.5*-.5 = -1, Sxx = 5, Syy = 1;
 *   residual 1 - 1/5 = 0.8 a box, F^2 = 0.8 / 4 = 0.2.
 *   box 3 (1 0 1, then 0 1 0): Sxy = 0, residual = Syy = 2/3 each,
 *   F^2 = (4/3) / 6 = 2/9.
 */
static void test_dfa_by_hand(void)
{
	const double x[] = { 1, -1, 1, -1, 1, -1, 1, -1 };
	double f = 0, a = 0;

	CU_ASSERT_EQUAL(ras_dfa_fluctuation(x, 8, 4, &f), 0);
	CU_ASSERT_DOUBLE_EQUAL(f, sqrt(0.2), 1e-12);
	CU_ASSERT_EQUAL(ras_dfa_fluctuation(x, 6, 3, &f), 0);
	CU_ASSERT_DOUBLE_EQUAL(f, sqrt(2.0 / 9), 1e-12);
	/* box 3 over 8 values: two boxes, the last 2 values unused */
	CU_ASSERT_EQUAL(ras_dfa_fluctuation(x, 8, 3, &f), 0);
	CU_ASSERT_DOUBLE_EQUAL(f, sqrt(2.0 / 9), 1e-12);
	CU_ASSERT_EQUAL(ras_dfa_fluctuation(x, 8, 2, &f), -EINVAL);
	CU_ASSERT_EQUAL(ras_dfa_fluctuation(x, 8, 9, &f), -EINVAL);
	/* too short for alpha */
	CU_ASSERT_EQUAL(ras_dfa_alpha(x, 8, &a), 0);
	CU_ASSERT(isnan(a));
}

/* xorshift64*, then Box-Muller: the same noise on every run. */
static uint64_t rng = 88172645463325252ull;

static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(void)
{
	double u = uniform(), v = uniform();

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

static void test_dfa_properties(void)
{
	enum { LEN = 1000 };
	double *x = malloc(LEN * sizeof(*x)), *walk = malloc(LEN * sizeof(*walk));
	double a = 0, sum = 0;
	struct ras_step *st = malloc(2 * 300 * sizeof(*st));
	int64_t t = 0;

	CU_ASSERT_FATAL(x && walk && st);
	rng = 88172645463325252ull;
	for (int i = 0; i < LEN; i++) {
		x[i] = gauss();
		walk[i] = sum += x[i];
	}
	CU_ASSERT_EQUAL(ras_dfa_alpha(x, LEN, &a), 0);
	CU_ASSERT_DOUBLE_EQUAL(a, 0.5, 0.1);	/* white noise */
	CU_ASSERT_EQUAL(ras_dfa_alpha(walk, LEN, &a), 0);
	CU_ASSERT_DOUBLE_EQUAL(a, 1.5, 0.1);	/* random walk */
	CU_ASSERT_EQUAL(ras_dfa_alpha(x, RAS_DFA_MIN - 1, &a), 0);
	CU_ASSERT(isnan(a));
	CU_ASSERT_EQUAL(ras_dfa_alpha(x, RAS_DFA_MIN, &a), 0);
	CU_ASSERT(isfinite(a));
	for (int i = 0; i < LEN; i++)
		x[i] = 1.1;
	CU_ASSERT_EQUAL(ras_dfa_alpha(x, LEN, &a), 0);	/* constant: no scaling */
	CU_ASSERT(isnan(a));

	/* From steps: 0.55 s apart with 10 ms of white jitter, 299 left strides. */
	for (int i = 0; i < 2 * 300; i++) {
		t += NS(0.55 + 0.01 * gauss());
		st[i] = (struct ras_step){ .time_ns = t, .foot = i % 2 ? R : L };
	}
	CU_ASSERT_EQUAL(ras_stride_dfa(st, 600, L, &a), 0);
	CU_ASSERT(isfinite(a) && a > 0.2 && a < 0.8);
	CU_ASSERT_EQUAL(ras_stride_dfa(st, 2 * RAS_DFA_MIN, L, &a), 0);	/* 199 strides */
	CU_ASSERT(isnan(a));
	CU_ASSERT_EQUAL(ras_stride_dfa(st, 600, N, &a), -EINVAL);
	free(x);
	free(walk);
	free(st);
}

void test_measures_register(void)
{
	TEST_SUITE("measures",
		   { "mean, sd, CV and symmetry index", test_stat_and_symmetry },
		   { "windowed cadence", test_cadence_window },
		   { "step and stride times per foot", test_step_stride_times },
		   { "asynchrony and relative phase by hand", test_asynchrony_by_hand },
		   { "asynchrony: uneven beats and edges", test_asynchrony_edges },
		   { "circular statistics and Rayleigh test", test_circular },
		   { "phase coordination index by hand", test_pci_by_hand },
		   { "phase coordination index properties", test_pci_properties },
		   { "DFA fluctuation by hand", test_dfa_by_hand },
		   { "DFA alpha of noise and random walk", test_dfa_properties });
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>

#include "rasbeat/gait.h"
#include "testutil.h"

#define S(t, f) { .time_ns = (int64_t)((t) * 1e9 + 0.5), .foot = (f) }
#define L RAS_FOOT_LEFT
#define R RAS_FOOT_RIGHT

/* Worked by hand: L steps 0.55 s after R, R steps 0.45 s after L. */
static void test_by_hand(void)
{
	const struct ras_step st[] = {
		S(0.00, L), S(0.45, R), S(1.00, L), S(1.45, R), S(2.00, L), S(2.45, R), S(3.00, L),
	};
	struct ras_gait_summary g;

	CU_ASSERT_EQUAL(ras_gait_summarize(st, 7, &g), 0);
	CU_ASSERT_EQUAL(g.steps, 7);
	CU_ASSERT_DOUBLE_EQUAL(g.duration_s, 3.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(g.cadence_spm, 120.0, 1e-9);	/* 6 intervals in 3 s */
	CU_ASSERT_EQUAL(g.strides[0], 3);
	CU_ASSERT_EQUAL(g.strides[1], 2);
	CU_ASSERT_DOUBLE_EQUAL(g.stride_mean_s[0], 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(g.stride_mean_s[1], 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(g.stride_cv_pct[0], 0.0, 1e-9);
	/* step times L 0.55, R 0.45: 2|0.55-0.45|/(1.0) = 20 % */
	CU_ASSERT_DOUBLE_EQUAL(g.asymmetry_pct, 20.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(g.step_mean_s, 0.5, 1e-12);
	/* intervals .45 .55 x3: sd = sqrt(6 * 0.05^2 / 5) */
	CU_ASSERT_DOUBLE_EQUAL(g.step_cv_pct, 100 * sqrt(6 * 0.0025 / 5) / 0.5, 1e-9);
}

/* Stride CV: strides 1.0, 1.2, 0.8 -> mean 1.0, sd 0.2, CV 20 %. */
static void test_cv(void)
{
	const struct ras_step st[] = { S(0, L), S(1.0, L), S(2.2, L), S(3.0, L) };
	struct ras_gait_summary g;

	CU_ASSERT_EQUAL(ras_gait_summarize(st, 4, &g), 0);
	CU_ASSERT_DOUBLE_EQUAL(g.stride_mean_s[0], 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(g.stride_cv_pct[0], 20.0, 1e-9);
	CU_ASSERT(isnan(g.stride_mean_s[1]));
	CU_ASSERT(isnan(g.asymmetry_pct));
}

/* Unknown feet (an accelerometer): cadence and step times only. */
static void test_unknown_feet_and_edges(void)
{
	const struct ras_step st[] = {
		S(0, RAS_FOOT_NONE), S(0.6, RAS_FOOT_NONE), S(1.2, RAS_FOOT_NONE),
	};
	const struct ras_step bad[] = { S(1, L), S(0.5, R) };
	struct ras_gait_summary g;

	CU_ASSERT_EQUAL(ras_gait_summarize(st, 3, &g), 0);
	CU_ASSERT_DOUBLE_EQUAL(g.cadence_spm, 100.0, 1e-9);
	CU_ASSERT_EQUAL(g.strides[0] + g.strides[1], 0);
	CU_ASSERT(isnan(g.asymmetry_pct));
	CU_ASSERT_EQUAL(ras_gait_summarize(st, 1, &g), 0);
	CU_ASSERT(isnan(g.cadence_spm));
	CU_ASSERT_EQUAL(ras_gait_summarize(st, 0, &g), 0);
	CU_ASSERT_EQUAL(g.steps, 0);
	CU_ASSERT_EQUAL(ras_gait_summarize(bad, 2, &g), -EINVAL);
}

void test_gait_register(void)
{
	TEST_SUITE("gait",
		   { "summary worked by hand", test_by_hand },
		   { "stride coefficient of variation", test_cv },
		   { "unknown feet, short and unsorted lists", test_unknown_feet_and_edges });
}

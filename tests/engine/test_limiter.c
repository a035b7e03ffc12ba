/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>

#include "rasbeat/limiter.h"
#include "testutil.h"

/* Quiet input passes bit for bit: the limiter adds no colour or delay. */
static void test_transparent(void)
{
	struct ras_limiter lim;
	float l[1000], r[1000], l0[1000], r0[1000];

	ras_limiter_init(&lim, 0.891f, 0.08, 48000);
	for (int i = 0; i < 1000; i++) {
		l0[i] = l[i] = 0.8f * sinf(i * 0.01f);
		r0[i] = r[i] = -0.5f * cosf(i * 0.03f);
	}
	ras_limiter_process(&lim, l, r, 1000);
	for (int i = 0; i < 1000; i++) {
		CU_ASSERT_EQUAL(l[i], l0[i]);
		CU_ASSERT_EQUAL(r[i], r0[i]);
	}
}

/* A 4x overload: never above the ceiling, from the very first sample. */
static void test_ceiling_and_release(void)
{
	struct ras_limiter lim;
	const float c = 0.891f;
	float *l = malloc(48000 * 4), *r = malloc(48000 * 4), peak;
	int above = 0;

	ras_limiter_init(&lim, c, 0.05, 48000);
	for (int i = 0; i < 48000; i++) {
		l[i] = i < 4800 ? 3.6f * sinf(i * 0.2f + 1) : 0.5f * sinf(i * 0.2f + 1);
		r[i] = i < 4800 ? -3.6f : 0.1f;
	}
	peak = ras_limiter_process(&lim, l, r, 48000);
	for (int i = 0; i < 48000; i++)
		above += fabsf(l[i]) > c || fabsf(r[i]) > c;
	CU_ASSERT_EQUAL(above, 0);
	CU_ASSERT(peak <= c && peak > 0.88f);
	CU_ASSERT_DOUBLE_EQUAL(r[0], -c, 1e-6);
	/* Gain recovers after the release: a second later the quiet part is untouched. */
	CU_ASSERT_DOUBLE_EQUAL(l[47000], 0.5f * sinf(47000 * 0.2f + 1), 1e-4);
	/* Right after the overload the gain is still down (release, not a jump). */
	CU_ASSERT(fabsf(r[4801]) < 0.1f * 0.9f);
	free(l);
	free(r);
}

/* NaN and infinity become silence instead of poisoning the envelope. */
static void test_non_finite(void)
{
	struct ras_limiter lim;
	float l[4] = { NAN, 0.2f, INFINITY, 0.3f }, r[4] = { 0.1f, -INFINITY, 0.1f, 0.3f };

	ras_limiter_init(&lim, 0.891f, 0.08, 48000);
	ras_limiter_process(&lim, l, r, 4);
	CU_ASSERT_EQUAL(l[0], 0);
	CU_ASSERT_EQUAL(r[1], 0);
	CU_ASSERT_EQUAL(l[2], 0);
	CU_ASSERT(isfinite(lim.env));
	CU_ASSERT_DOUBLE_EQUAL(l[3], 0.3, 1e-6);
}

void test_limiter_register(void)
{
	TEST_SUITE("limiter",
		   { "transparent below the ceiling", test_transparent },
		   { "ceiling and release", test_ceiling_and_release },
		   { "non-finite input", test_non_finite });
}

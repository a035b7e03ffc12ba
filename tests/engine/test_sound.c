/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>

#include "rasbeat/sound.h"
#include "testutil.h"

/* Every built-in cue: full level on frame 0, louder accent, no clipping, a tail that ends. */
static void test_builtins(void)
{
	static const double rates[] = { 44100, 48000, 96000 };

	for (int c = 0; c < RAS_CUE_COUNT; c++) {
		enum ras_cue back;

		CU_ASSERT_EQUAL(ras_cue_from_name(ras_cue_name(c), &back), 0);
		CU_ASSERT_EQUAL(back, c);
		for (int r = 0; r < 3; r++) {
			struct ras_sound *n = ras_sound_synth(c, false, rates[r]);
			struct ras_sound *a = ras_sound_synth(c, true, rates[r]);

			CU_ASSERT_PTR_NOT_NULL_FATAL(n);
			CU_ASSERT_PTR_NOT_NULL_FATAL(a);
			CU_ASSERT(n->frames > rates[r] * 0.015 && n->frames < rates[r] * 0.2);
			/* The onset is the first frame and it is the loudest. */
			CU_ASSERT_DOUBLE_EQUAL(fabsf(n->data[0]), ras_sound_peak(n), 1e-6);
			CU_ASSERT(ras_sound_peak(n) >= 0.1f && ras_sound_peak(n) <= 0.5f + 1e-6f);
			CU_ASSERT(ras_sound_peak(a) > ras_sound_peak(n));
			CU_ASSERT(ras_sound_peak(a) <= 0.7f + 1e-6f);
			/* Faded out: the last sample is (near) silent. */
			CU_ASSERT(fabsf(n->data[n->frames - 1]) < 1e-3f);
			ras_sound_free(n);
			ras_sound_free(a);
		}
	}
	CU_ASSERT_EQUAL(ras_cue_from_name("cowbell", &(enum ras_cue){ 0 }), -EINVAL);
	CU_ASSERT_PTR_NULL(ras_sound_synth(RAS_CUE_COUNT, false, 48000));
	CU_ASSERT_PTR_NULL(ras_sound_synth(RAS_CUE_CLICK, false, 0));
}

/* The tick is deterministic: the same samples every time. */
static void test_deterministic(void)
{
	struct ras_sound *a = ras_sound_synth(RAS_CUE_TICK, false, 48000);
	struct ras_sound *b = ras_sound_synth(RAS_CUE_TICK, false, 48000);
	int diff = 0;

	for (uint32_t i = 0; i < a->frames; i++)
		diff += a->data[i] != b->data[i];
	CU_ASSERT_EQUAL(diff, 0);
	ras_sound_free(a);
	ras_sound_free(b);
}

void test_sound_register(void)
{
	TEST_SUITE("sound",
		   { "built-in cues", test_builtins },
		   { "deterministic synthesis", test_deterministic });
}

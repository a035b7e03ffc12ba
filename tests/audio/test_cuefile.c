/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "rasbeat/cuefile.h"
#include "rasbeat/render.h"
#include "testutil.h"

/* Write a stereo file with `lead` silent frames then a 1 kHz burst. */
static void write_fixture(const char *path, int rate, int lead, int frames, int channels)
{
	float buf[2 * 96000];
	char err[256];

	for (int i = 0; i < frames; i++) {
		float x = i < lead ? 0 : 0.5f * (float)cos(2 * M_PI * 1000 * (i - lead) / rate);

		buf[channels * i] = x;
		if (channels == 2)
			buf[2 * i + 1] = x * 0.5f;
	}
	CU_ASSERT_EQUAL_FATAL(ras_audiofile_write(path, buf, (uint32_t)frames, channels, rate, err,
						  sizeof(err)), 0);
}

/* WAV, FLAC and OGG at 44.1 kHz, loaded at 48 kHz: resampled, mono, trimmed. */
static void test_formats_resample(void)
{
	static const char *const ext[] = { "wav", "flac", "ogg" };

	for (int x = 0; x < 3; x++) {
		char name[64], err[256];
		struct ras_sound *s = NULL;
		const char *path;

		snprintf(name, sizeof(name), "cue.%s", ext[x]);
		path = test_path(name);
		write_fixture(path, 44100, 441, 4410, 2);
		CU_ASSERT_EQUAL_FATAL(ras_cuefile_load(path, 48000, &s, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(s->rate, 48000);
		/* The mono mix of L and L/2 peaks near 0.375 (lossy OGG: looser). */
		CU_ASSERT(fabsf(ras_sound_peak(s) - 0.375f) < (x == 2 ? 0.08f : 0.02f));
		if (x < 2) {
			/* 3969 frames after trimming 441 silent ones, * 48000/44100,
			 * and the attack on the very first frame. */
			CU_ASSERT_EQUAL(s->frames, 4320);
			CU_ASSERT(fabsf(s->data[0]) > 0.3f);
		} else {
			/* Vorbis smears some pre-echo ahead of the attack (about
			 * -40 dB); the attack still comes within 4 ms. */
			uint32_t i = 0;

			while (i < s->frames && fabsf(s->data[i]) < 0.1f)
				i++;
			CU_ASSERT(i < 192);
			CU_ASSERT(abs((int)s->frames - 4320) < 192);
		}
		ras_sound_free(s);
	}
}

/* Same rate: the samples pass unchanged (after trimming). */
static void test_same_rate(void)
{
	char err[256];
	struct ras_sound *s = NULL;
	const char *path = test_path("same.wav");

	write_fixture(path, 48000, 10, 480, 1);
	CU_ASSERT_EQUAL_FATAL(ras_cuefile_load(path, 48000, &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s->frames, 470);
	CU_ASSERT_DOUBLE_EQUAL(s->data[0], 0.5, 1e-4);	/* 24-bit quantisation */
	ras_sound_free(s);
}

static void test_errors(void)
{
	char err[512];
	struct ras_sound *s = NULL;
	const char *text = test_path("notaudio.wav"), *silent = test_path("silent.wav");
	FILE *f = fopen(text, "w");
	float zeros[1000] = { 0 };

	fputs("this is not audio\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(ras_cuefile_load(text, 48000, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, text));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an audio file"));
	CU_ASSERT_PTR_NULL(s);

	CU_ASSERT_EQUAL(ras_cuefile_load(test_path("missing.flac"), 48000, &s, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.flac: cannot open"));

	CU_ASSERT_EQUAL(ras_audiofile_write(silent, zeros, 1000, 1, 48000, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ras_cuefile_load(silent, 48000, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "silent"));

	/* Longer than 10 s is refused (a song is not a cue). */
	{
		const char *longf = test_path("long.wav");
		static float buf[8000 * 11];

		for (int i = 0; i < 8000 * 11; i++)
			buf[i] = 0.1f;
		CU_ASSERT_EQUAL(ras_audiofile_write(longf, buf, 8000 * 11, 1, 8000, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(ras_cuefile_load(longf, 48000, &s, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 10 s"));
	}
}

/* Names resolve to built-ins; anything else is a path. */
static void test_resolve(void)
{
	char err[256];
	struct ras_sound *s = NULL;

	CU_ASSERT_EQUAL(ras_cuefile_resolve("woodblock", true, 48000, &s, err, sizeof(err)), 0);
	CU_ASSERT(s && s->frames == (uint32_t)(0.12 * 48000));
	ras_sound_free(s);
	CU_ASSERT_EQUAL(ras_cuefile_resolve("nonesuch", false, 48000, &s, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nonesuch"));
}

/* The generated cues/ round-trip: saved then loaded gives the synthesized cue. */
static void test_save_roundtrip(void)
{
	char err[256];
	struct ras_sound *a = ras_sound_synth(RAS_CUE_CLICK, false, 48000), *b = NULL;
	const char *path = test_path("click.flac");
	float worst = 0;

	CU_ASSERT_EQUAL_FATAL(ras_cuefile_save(a, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(ras_cuefile_load(path, 48000, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a->frames, b->frames);
	for (uint32_t i = 0; i < a->frames && i < b->frames; i++)
		worst = fmaxf(worst, fabsf(a->data[i] - b->data[i]));
	CU_ASSERT(worst < 1e-6f);
	ras_sound_free(a);
	ras_sound_free(b);
}

/* Found by fuzz/fuzz_cuefile (make fuzz): a header claiming a 4.2 MHz rate
 * resampled 100 frames to none, and the empty cue was accepted. */
static void test_fuzz_regressions(void)
{
	/* Sun .au: magic, header size 24, 100 data bytes, mu-law, 4202304 Hz, mono */
	static const unsigned char head[24] = { '.', 's', 'n', 'd', 0, 0, 0, 0x18, 0, 0, 0, 0x64,
						0, 0, 0, 1, 0, 0x40, 0x1f, 0x40, 0, 0, 0, 1 };
	const char *path = test_path("fuzz-rate.au");
	struct ras_sound *s = NULL;
	char err[256];
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(head, 1, sizeof(head), f);
	for (int i = 0; i < 100; i++)
		fputc(i % 2 ? 0x00 : 0x80, f);	/* full scale, both signs */
	fclose(f);
	CU_ASSERT_EQUAL(ras_cuefile_load(path, 48000, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "4202304 Hz"));

	/* At a real rate, a single frame still loads as a sound, or is refused
	 * by name: never an empty cue. */
	{
		const char *one = test_path("fuzz-one.wav");
		float x = 0.5f;

		CU_ASSERT_EQUAL_FATAL(ras_audiofile_write(one, &x, 1, 1, 384000, err, sizeof(err)), 0);
		if (ras_cuefile_load(one, 48000, &s, err, sizeof(err)) == 0) {
			CU_ASSERT(s && s->frames > 0);
		} else {
			CU_ASSERT_PTR_NULL(s);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, "too short"));
		}
		ras_sound_free(s);
	}
}

void test_cuefile_register(void)
{
	TEST_SUITE("cuefile",
		   { "WAV, FLAC, OGG resampled 44.1 -> 48 kHz", test_formats_resample },
		   { "same rate, leading silence trimmed", test_same_rate },
		   { "errors name the file", test_errors },
		   { "built-in names and paths", test_resolve },
		   { "save and load round trip", test_save_roundtrip },
		   { "fuzz regressions: clean errors", test_fuzz_regressions });
}

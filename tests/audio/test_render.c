/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rasbeat/render.h"
#include "rasbeat/tempomap.h"
#include "testutil.h"

static int count_beats(const struct ras_beat *b, void *ctx)
{
	int64_t *frames = ctx;

	frames[b->index] = b->frame;
	return 0;
}

/* After each block: the frame reached, and every beat before it reported. */
static int blocks_seen, blocks_bad;

static int count_blocks(int64_t frame, void *ctx)
{
	int64_t *frames = ctx;
	int64_t last = llround(44 * 60.0 / 133 * 44100);

	blocks_seen++;
	blocks_bad += frame != (int64_t)blocks_seen * 500 && frame != 44100 * 20;
	/* the last beat before this frame is already in */
	for (int k = 0; k < 45; k++) {
		int64_t want = llround(k * 60.0 / 133 * 44100);

		if (want < frame && want <= last)
			blocks_bad += frames[k] != want;
	}
	return 0;
}

/* Render 20 s to FLAC, read it back: length, onsets on the beat frames. */
static void test_render_file(void)
{
	struct ras_meter m;
	struct ras_engine_config cfg;
	struct ras_sound *click = ras_sound_synth(RAS_CUE_CLICK, false, 44100);
	struct ras_engine *e;
	struct ras_audiofile *f;
	const char *path = test_path("render.flac");
	char err[256];
	int64_t beat_frames[64] = { 0 };
	SF_INFO info = { 0 };
	SNDFILE *sf;
	float *buf;
	int found = 0;

	ras_meter_default(&m);
	ras_engine_config_default(&cfg);
	cfg.rate = 44100;
	cfg.sound[RAS_PART_NORMAL] = click;
	e = ras_engine_new(&cfg, ras_tempomap_constant(&m, 133));
	f = ras_audiofile_create(path, 44100, 2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ras_render_run(e, f, 44100 * 20, 500, count_beats, count_blocks, beat_frames, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ras_audiofile_commit(f, err, sizeof(err)), 0);
	sf = sf_open(path, SFM_READ, &info);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
	CU_ASSERT_EQUAL(info.frames, 44100 * 20);
	CU_ASSERT_EQUAL(info.channels, 2);
	CU_ASSERT_EQUAL(info.samplerate, 44100);
	buf = malloc(sizeof(float) * 2 * 44100 * 20);
	CU_ASSERT_EQUAL(sf_readf_float(sf, buf, info.frames), info.frames);
	sf_close(sf);
	/* 20 s at 133 bpm: 45 beats (0 .. 44), each at round(k*60/133*44100). */
	for (int k = 0; k < 45; k++) {
		int64_t want = llround(k * 60.0 / 133 * 44100);

		CU_ASSERT_EQUAL(beat_frames[k], want);
		CU_ASSERT(fabsf(buf[2 * want]) > 0.3f);
		CU_ASSERT(want == 0 || fabsf(buf[2 * (want - 1)]) < 1e-3f);
		found++;
	}
	CU_ASSERT_EQUAL(found, 45);
	CU_ASSERT_EQUAL(blocks_seen, (44100 * 20 + 499) / 500);
	CU_ASSERT_EQUAL(blocks_bad, 0);
	free(buf);
	ras_engine_free(e);
	ras_sound_free(click);
}

static int count_parts(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strstr(de->d_name, ".part-") != NULL;
	if (d)
		closedir(d);
	return n;
}

/* Failures leave nothing behind: no file, no temporary. */
static void test_no_partial_files(void)
{
	char err[256];
	struct ras_audiofile *f;
	const char *dir = test_path("nopartial");
	char path[600];
	float frame[2] = { 0, 0 };
	struct stat st;

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/x.mp9", dir);
	CU_ASSERT_PTR_NULL(ras_audiofile_create(path, 48000, 2, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown audio format"));
	snprintf(path, sizeof(path), "%s/missing/x.wav", dir);
	CU_ASSERT_PTR_NULL(ras_audiofile_create(path, 48000, 2, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create"));
	/* An aborted file disappears entirely. */
	snprintf(path, sizeof(path), "%s/y.wav", dir);
	f = ras_audiofile_create(path, 48000, 2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ras_audiofile_append(f, frame, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(count_parts(dir), 1);	/* written under a temporary name */
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
	ras_audiofile_abort(f);
	CU_ASSERT_EQUAL(count_parts(dir), 0);
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
	/* Committed: only the final name exists. */
	CU_ASSERT_EQUAL(ras_audiofile_write(path, frame, 1, 2, 48000, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(count_parts(dir), 0);
}

/* Until done: a finite schedule renders to its end plus the last tail. */
static void test_until_done(void)
{
	struct ras_meter m;
	struct ras_schedule *s = ras_schedule_new(2);
	struct ras_sound *click = ras_sound_synth(RAS_CUE_CLICK, false, 48000);
	struct ras_engine_config cfg;
	struct ras_engine *e;
	char err[128];

	ras_meter_default(&m);
	ras_schedule_add_const(s, &m, 60, 3, -1);
	ras_engine_config_default(&cfg);
	cfg.sound[RAS_PART_NORMAL] = click;
	e = ras_engine_new(&cfg, s);
	CU_ASSERT_EQUAL(ras_render_run(e, NULL, -1, 256, NULL, NULL, NULL, err, sizeof(err)), 0);
	/* Three beats at 60 bpm last 3 s; the render stops in the block reaching it. */
	CU_ASSERT(ras_engine_frame(e) >= 3 * 48000);
	CU_ASSERT(ras_engine_frame(e) < 3 * 48000 + 256);
	ras_engine_free(e);
	ras_sound_free(click);
}

void test_render_register(void)
{
	TEST_SUITE("render",
		   { "FLAC render read back, onsets on beat frames", test_render_file },
		   { "no partial files", test_no_partial_files },
		   { "finite schedule renders until done", test_until_done });
}

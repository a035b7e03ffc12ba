/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Audio songs: a synthetic drum track with a known grid is beat-tracked,
 * then stretched to constant tempi, ramps, changes and jumps; the beats
 * found in the output by onset detection must sit within 5 ms of the
 * engine's beats.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/render.h"
#include "rasbeat/song.h"
#include "rasbeat/tempomap.h"
#include "rtcheck.h"
#include "testutil.h"

#define RATE 48000.0
#define FILE_RATE 44100.0	/* the song is resampled on loading */
#define SONG_BPM 100.0
#define SONG_OFFSET 0.37
#define TOL_S 0.005
#define SETTLE_S 1.0

static float *out_l, *out_r;
static int64_t out_n;

/* Beats: noise bursts of 0.8 decaying in 4 ms; off-beats 0.15; a quiet
 * tone under them. `steady` false: bursts at random intervals. */
static void write_song(const char *path, double seconds, bool steady)
{
	int64_t n = (int64_t)(seconds * FILE_RATE);
	float *x = calloc(2 * n, sizeof(float));
	double period = 60.0 / SONG_BPM, t = SONG_OFFSET;
	char err[256];
	unsigned seed = 7;

	for (int64_t i = 0; i < n; i++)
		x[2 * i] = x[2 * i + 1] = 0.03f * sinf(2 * M_PI * 220 * i / FILE_RATE);
	for (int k = 0; t < seconds; k++) {
		double amp = steady ? (k % 2 ? 0.15 : 0.8) : 0.8;
		int64_t at = (int64_t)llround(t * FILE_RATE);

		for (int64_t i = 0; i < (int64_t)(0.03 * FILE_RATE) && at + i < n; i++) {
			float e = amp * expf(-(float)i / (0.004f * FILE_RATE));
			float w = (float)rand_r(&seed) / RAND_MAX * 2 - 1;

			x[2 * (at + i)] += e * w;
			x[2 * (at + i) + 1] += e * w;
		}
		t += steady ? period / 2 : 0.2 + 1.1 * rand_r(&seed) / RAND_MAX;
	}
	CU_ASSERT_EQUAL_FATAL(ras_audiofile_write(path, x, (uint32_t)n, 2, FILE_RATE, err,
						  sizeof(err)), 0);
	free(x);
}

static const char *song_path(void)
{
	static bool done;
	const char *p = test_path("song.wav");

	if (!done)
		write_song(p, 40, true);
	done = true;
	return p;
}

static struct ras_song *load_given(const char *path)
{
	struct ras_song_grid g = { SONG_BPM, SONG_OFFSET };
	char err[256] = "";
	struct ras_song *s = ras_song_load(path, RATE, &g, err, sizeof(err));

	if (!s)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* With a count-in bar: music beat 0 at beat position 4. */
static struct ras_schedule *with_countin(struct ras_schedule *s)
{
	struct ras_schedule *c = ras_tempomap_countin(s, 1);

	ras_schedule_free(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* Render engine frames [from, from + n) into out_l/out_r at their frame index. */
static void render(const struct ras_music_source *src, struct ras_music_clock *c, int64_t from,
		   int64_t n, uint32_t block)
{
	if (from + n > out_n) {
		out_l = realloc(out_l, (from + n) * sizeof(float));
		out_r = realloc(out_r, (from + n) * sizeof(float));
		memset(out_l + out_n, 0, (from + n - out_n) * sizeof(float));
		memset(out_r + out_n, 0, (from + n - out_n) * sizeof(float));
		out_n = from + n;
	}
	for (int64_t f = from; f < from + n; f += block) {
		uint32_t len = from + n - f < block ? (uint32_t)(from + n - f) : block;

		c->frame = f;
		src->render(src->ctx, c, out_l + f, out_r + f, len);
	}
}

static void clear_out(void)
{
	free(out_l);
	free(out_r);
	out_l = out_r = NULL;
	out_n = 0;
}

/*
 * Beats in out[from, to): onsets above 0.3 (stretched, the beats peak at
 * 0.4 to 0.8 and the off-beats below 0.25)
 * after 0.15 s below it, each checked against the engine frame of the
 * music beat it is nearest to. Returns the max |error| in s; *found gets
 * the number of onsets, *expected the music beats in the range.
 */
static double check_beats(const struct ras_music_clock *c, int64_t from, int64_t to, int *found,
			  int *expected)
{
	static long seen[4096];
	int64_t quiet = 0, gap = (int64_t)(0.15 * RATE);
	double worst = 0;
	/* an onset needs `gap` of quiet before it: none counts earlier */
	long double m0 = ras_music_phase(c, from + gap) - c->start_phase;
	long double m1 = ras_music_phase(c, to) - c->start_phase;

	*found = 0;
	*expected = (int)(floorl(m1) - ceill(m0) + 1);
	for (int64_t f = from; f < to; f++) {
		float a = fmaxf(fabsf(out_l[f]), fabsf(out_r[f]));

		if (a <= 0.3f) {
			quiet++;
			continue;
		}
		if (quiet >= gap) {
			long double m = roundl(ras_music_phase(c, f) - c->start_phase);
			double e = (f - ras_music_frame(c, m)) / RATE;

			/* an early onset of a beat just past the range */
			if (m > floorl(m1)) {
				quiet = 0;
				continue;
			}

			if (fabs(e) > worst)
				worst = fabs(e);
			if (fabs(e) > TOL_S)
				fprintf(stderr, "  beat %Lg at %.3f s: %+.2f ms\n", m, f / RATE,
					e * 1e3);
			if (*found < 4096)
				seen[(*found)] = (long)m;
			(*found)++;
		}
		quiet = 0;
	}
	/* name the beats missed, the tests then say which */
	for (long m = (long)ceill(m0), i = 0; m <= (long)floorl(m1); m++) {
		while (i < *found && i < 4096 && seen[i] < m)
			i++;
		if (i >= *found || i >= 4096 || seen[i] != m)
			fprintf(stderr, "  beat %ld at %.3f s: no onset found\n", m,
				ras_music_frame(c, m) / RATE);
	}
	return worst;
}

static void test_detect(void)
{
	char err[256] = "";
	struct ras_song *s = ras_song_load(song_path(), RATE, NULL, err, sizeof(err));
	struct ras_song_fit fit;
	double bpm, offset;

	if (!s)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ras_song_grid(s, &bpm, &offset);
	ras_song_fit(s, &fit);
	fprintf(stderr, "\n  tracked: %.3f bpm, first beat %.4f s (%d beats, rms %.1f ms, %.0f%% on grid)\n",
		bpm, offset, fit.beats, fit.rms_ms, 100 * fit.on_grid);
	CU_ASSERT(fit.tracked);
	CU_ASSERT(fabs(bpm / SONG_BPM - 1) < 0.005);
	CU_ASSERT(fabs(offset - SONG_OFFSET) < 0.010);
	CU_ASSERT(fabs(ras_song_seconds(s) - 40) < 0.01);
	ras_song_free(s);
}

static void test_constant(void)
{
	struct ras_meter m;
	struct ras_song *s = load_given(song_path());
	const struct ras_music_source *src = ras_song_source(s);
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	int found, expected;
	int64_t f0, last, end;
	double worst, tail = 0;

	ras_meter_default(&m);
	c.sched = with_countin(ras_tempomap_constant(&m, 112));
	f0 = ras_music_frame(&c, 0);
	/* the last song beat: (40 - 0.37) s at 100 bpm */
	last = ras_music_frame(&c, floor((40 - SONG_OFFSET) * SONG_BPM / 60));
	end = last + (int64_t)(3 * RATE);
	render(src, &c, 0, end, 64);
	/* the count-in is silent, music beat 0 is not */
	for (int64_t f = 0; f < f0; f++)
		CU_ASSERT_FATAL(out_l[f] == 0 && out_r[f] == 0);
	CU_ASSERT(fabsf(out_l[f0 + 10]) + fabsf(out_l[f0 + 20]) > 0.05f);
	worst = check_beats(&c, f0 + (int64_t)(SETTLE_S * RATE), last + (int64_t)(0.2 * RATE),
			    &found, &expected);
	fprintf(stderr, "\n  112 bpm, whole song: %d of %d beats, max |error| %.2f ms\n", found,
		expected, worst * 1e3);
	CU_ASSERT(expected > 60);
	CU_ASSERT_EQUAL(found, expected);
	CU_ASSERT(worst < TOL_S);
	/* the song stops at its end */
	for (int64_t f = end - (int64_t)RATE; f < end; f++)
		tail = fmax(tail, fabsf(out_l[f]));
	CU_ASSERT(tail == 0);
	clear_out();
	ras_schedule_free((struct ras_schedule *)c.sched);
	ras_song_free(s);
}

static void run_ramp(double from, double to, double seconds, uint32_t block)
{
	struct ras_meter m;
	struct ras_song *s = load_given(song_path());
	const struct ras_music_source *src = ras_song_source(s);
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	int found, expected;
	int64_t f0, end = (int64_t)((seconds + 12) * RATE);
	double worst;

	/* long ramps outlast the song */
	CU_ASSERT_EQUAL(ras_song_set_loop(s, seconds > 30), 0);
	ras_meter_default(&m);
	c.sched = with_countin(ras_tempomap_ramp(&m, from, to, seconds));
	f0 = ras_music_frame(&c, 0);
	render(src, &c, 0, end, block);
	worst = check_beats(&c, f0 + (int64_t)(SETTLE_S * RATE), end, &found, &expected);
	fprintf(stderr, "\n  ramp %g-%g bpm in %g s, %u-frame blocks: %d of %d beats, max |error| %.2f ms\n",
		from, to, seconds, block, found, expected, worst * 1e3);
	CU_ASSERT(expected > 50);
	CU_ASSERT_EQUAL(found, expected);
	CU_ASSERT(worst < TOL_S);
	clear_out();
	ras_schedule_free((struct ras_schedule *)c.sched);
	ras_song_free(s);
}

static void test_ramp(void)
{
	run_ramp(90, 130, 20, 64);
	run_ramp(90, 130, 20, 1024);
	run_ramp(135, 75, 90, 64);
}

/* Run-time changes: a step, a ramp, a nudge, as the engine applies them. */
static void test_changes(void)
{
	struct ras_meter m;
	struct ras_song *s = load_given(song_path());
	const struct ras_music_source *src = ras_song_source(s);
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	struct ras_schedule *sc;
	int found, expected;
	int64_t f0;
	double worst;

	ras_meter_default(&m);
	sc = with_countin(ras_tempomap_constant(&m, 100));
	c.sched = sc;
	f0 = ras_music_frame(&c, 0);
	render(src, &c, 0, 8 * RATE, 64);
	CU_ASSERT_EQUAL(ras_schedule_change(sc, 8.0L, 118), 0);
	render(src, &c, 8 * RATE, 6 * RATE, 64);
	CU_ASSERT_EQUAL(ras_schedule_ramp(sc, 14.0L, 92, 5), 0);
	render(src, &c, 14 * RATE, 6 * RATE, 64);
	CU_ASSERT_EQUAL(ras_schedule_nudge(sc, 20.0L, 0.25, 2), 0);
	render(src, &c, 20 * RATE, 8 * RATE, 64);
	worst = check_beats(&c, f0 + (int64_t)(SETTLE_S * RATE), 28 * RATE, &found, &expected);
	fprintf(stderr, "\n  step, ramp, nudge: %d of %d beats, max |error| %.2f ms\n", found,
		expected, worst * 1e3);
	CU_ASSERT_EQUAL(found, expected);
	CU_ASSERT(worst < TOL_S);
	clear_out();
	ras_schedule_free(sc);
	ras_song_free(s);
}

/* A pause: the schedule moves 3 s later and reset() is called. A jump
 * without reset() (the schedule alone moves) must be found as well. */
static void test_pause(void)
{
	struct ras_meter m;
	struct ras_song *s = load_given(song_path());
	const struct ras_music_source *src = ras_song_source(s);
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	struct ras_schedule *sc;
	int found, expected;
	int64_t f0, p = (int64_t)(10 * RATE), back = p + (int64_t)(3 * RATE);
	double worst, quiet = 0;

	ras_meter_default(&m);
	sc = with_countin(ras_tempomap_constant(&m, 112));
	c.sched = sc;
	f0 = ras_music_frame(&c, 0);
	render(src, &c, 0, p, 64);
	worst = check_beats(&c, f0 + (int64_t)(SETTLE_S * RATE), p - (int64_t)(0.05 * RATE),
			    &found, &expected);
	CU_ASSERT_EQUAL(found, expected);
	ras_schedule_shift(sc, 3.0L, 0);
	c.frame = back;
	src->reset(src->ctx, &c);
	render(src, &c, back, 8 * RATE, 64);
	/* the fade-out, then nothing until the song comes back in place */
	for (int64_t f = back + (int64_t)(0.011 * RATE); f < back + (int64_t)(0.09 * RATE); f++)
		quiet = fmax(quiet, fabsf(out_l[f]));
	CU_ASSERT(quiet == 0);
	worst = fmax(worst, check_beats(&c, back + (int64_t)(SETTLE_S * RATE),
					back + (int64_t)(8 * RATE), &found, &expected));
	CU_ASSERT_EQUAL(found, expected);
	/* jump: 2.5 beats later without a word */
	ras_schedule_shift(sc, 0, 2.5L);
	back += (int64_t)(8 * RATE);
	render(src, &c, back, 8 * RATE, 64);
	worst = fmax(worst, check_beats(&c, back + (int64_t)(SETTLE_S * RATE),
					back + (int64_t)(8 * RATE), &found, &expected));
	fprintf(stderr, "\n  after a pause and a jump: %d of %d beats, max |error| %.2f ms\n",
		found, expected, worst * 1e3);
	CU_ASSERT_EQUAL(found, expected);
	CU_ASSERT(worst < TOL_S);
	clear_out();
	ras_schedule_free(sc);
	ras_song_free(s);
}

/* A 10 s song looped three times: the grid runs on across the seams. */
static void test_loop(void)
{
	const char *path = test_path("short.wav");
	struct ras_meter m;
	struct ras_song *s;
	const struct ras_music_source *src;
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	int found, expected;
	int64_t f0, end;
	double worst;

	write_song(path, 10, true);
	s = load_given(path);
	CU_ASSERT_EQUAL(ras_song_set_loop(s, true), 0);
	CU_ASSERT(ras_song_loops(s));
	src = ras_song_source(s);
	ras_meter_default(&m);
	c.sched = with_countin(ras_tempomap_constant(&m, 112));
	f0 = ras_music_frame(&c, 0);
	end = f0 + (int64_t)(30 * RATE);
	render(src, &c, 0, end, 64);
	worst = check_beats(&c, f0 + (int64_t)(SETTLE_S * RATE), end, &found, &expected);
	fprintf(stderr, "\n  10 s song looped for 30 s: %d of %d beats, max |error| %.2f ms\n",
		found, expected, worst * 1e3);
	CU_ASSERT(expected > 50);
	CU_ASSERT_EQUAL(found, expected);
	CU_ASSERT(worst < TOL_S);
	clear_out();
	ras_schedule_free((struct ras_schedule *)c.sched);
	ras_song_free(s);
}

static void test_bad_input(void)
{
	const char *txt = test_path("notes.wav"), *noise = test_path("noise.wav");
	struct ras_song_grid bad = { 0, 0.1 };
	char err[512];
	FILE *f = fopen(txt, "w");

	fputs("these are not samples\n", f);
	fclose(f);
	CU_ASSERT_PTR_NULL(ras_song_load("/nonexistent/song.flac", RATE, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/song.flac: cannot open"));
	CU_ASSERT_PTR_NULL(ras_song_load(txt, RATE, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "notes.wav: not an audio file"));
	write_song(noise, 30, false);
	CU_ASSERT_PTR_NULL(ras_song_load(noise, RATE, NULL, err, sizeof(err)));
	fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "noise.wav: no steady beat"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--music-bpm"));
	CU_ASSERT_PTR_NULL(ras_song_load(noise, RATE, &bad, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad beat grid"));
	bad.bpm = 100;
	bad.offset = 31;
	CU_ASSERT_PTR_NULL(ras_song_load(noise, RATE, &bad, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "after the end"));
}

/* No allocation or lock in render() or reset(): start, ramps, a pause. */
static void test_rt(void)
{
	struct ras_meter m;
	struct ras_song *s = load_given(song_path());
	const struct ras_music_source *src = ras_song_source(s);
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	struct ras_schedule *sc;
	static float l[RAS_MUSIC_BLOCK_MAX], r[RAS_MUSIC_BLOCK_MAX];
	uint32_t n = 1;
	int v;

	ras_meter_default(&m);
	sc = with_countin(ras_tempomap_ramp(&m, 70, 140, 15));
	c.sched = sc;
	rtcheck_arm();
	for (int64_t f = 0; f < 30 * RATE; f += n, n = n * 3 % RAS_MUSIC_BLOCK_MAX + 1) {
		c.frame = f;
		if (f > 20 * RATE && f - n <= 20 * RATE) {
			ras_schedule_shift(sc, 1.0L, 0);
			src->reset(src->ctx, &c);
		}
		src->render(src->ctx, &c, l, r, n);
	}
	v = rtcheck_disarm();
	CU_ASSERT_EQUAL(v, 0);
	ras_schedule_free(sc);
	ras_song_free(s);
}

/* CPU per 64-frame block at 48 kHz over 60 s of a ramp (make bench has
 * the same): the mean must stay under 20 % of the period. */
static void test_cpu(void)
{
	struct ras_meter m;
	struct ras_song *s = load_given(song_path());
	const struct ras_music_source *src = ras_song_source(s);
	struct ras_music_clock c = { .rate = RATE, .start_phase = 4 };
	float l[64], r[64];
	double sum = 0, worst = 0, period = 64 / RATE;
	int64_t blocks = 0, slow = 0;

	CU_ASSERT_EQUAL(ras_song_set_loop(s, true), 0);
	ras_meter_default(&m);
	c.sched = with_countin(ras_tempomap_ramp(&m, 80, 130, 60));
	for (int64_t f = 0; f < 62 * RATE; f += 64) {
		double t0 = test_now(), dt;

		c.frame = f;
		src->render(src->ctx, &c, l, r, 64);
		dt = test_now() - t0;
		if (f < ras_music_frame(&c, 0))
			continue;
		sum += dt;
		blocks++;
		worst = fmax(worst, dt);
		slow += dt > period * 0.2;
	}
	fprintf(stderr, "\n  render, 64 frames at 48 kHz: mean %.1f us (%.1f %% of %.0f us), worst %.0f us, %.2f %% of blocks over 20 %%\n",
		sum / blocks * 1e6, 100 * sum / blocks / period, period * 1e6, worst * 1e6,
		100.0 * slow / blocks);
	CU_ASSERT(sum / blocks < 0.2 * period);
	ras_schedule_free((struct ras_schedule *)c.sched);
	ras_song_free(s);
}

void test_song_register(void)
{
	TEST_SUITE("song",
		   { "beat tracking finds the grid (0.5 %, 10 ms)", test_detect },
		   { "constant tempo: beats within 5 ms over the whole song", test_constant },
		   { "ramps 90-130 bpm in 20 s, 135-75 in 90 s: beats within 5 ms", test_ramp },
		   { "step, ramp, nudge at run time: beats within 5 ms", test_changes },
		   { "pause, reset and a jump: back in place", test_pause },
		   { "loop: the grid runs on across the seam", test_loop },
		   { "bad input: clear messages", test_bad_input },
		   { "render and reset are RT-safe", test_rt },
		   { "CPU per 64-frame block", test_cpu });
}

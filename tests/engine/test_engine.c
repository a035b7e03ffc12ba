/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's audio: onsets found in the rendered samples must sit on the
 * exact closed-form frames, whatever the block size.
 */
#include <errno.h>
#include <math.h>
#include <quadmath.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/engine.h"
#include "rasbeat/tempomap.h"
#include "rtcheck.h"
#include "testutil.h"

#define MAXN 400000

static int64_t onsets[MAXN];
static struct ras_beat beats[MAXN];

static struct ras_engine *engine_with(struct ras_schedule *s, double rate,
				      struct ras_sound *snd, struct ras_engine_config *cfg)
{
	struct ras_engine_config c;

	if (!cfg) {
		ras_engine_config_default(&c);
		cfg = &c;
	}
	cfg->rate = rate;
	for (int i = 0; i < RAS_PART_COUNT; i++) {
		if (!cfg->sound[i])
			cfg->sound[i] = snd;
		cfg->gain[i] = 1;
	}
	return ras_engine_new(cfg, s);
}

/* A count-in copy of s; s itself is freed. */
static struct ras_schedule *with_countin(struct ras_schedule *s, int bars)
{
	struct ras_schedule *c = ras_tempomap_countin(s, bars);

	ras_schedule_free(s);
	return c;
}

static struct ras_schedule *constant(double bpm)
{
	struct ras_meter m;

	ras_meter_default(&m);
	return ras_tempomap_constant(&m, bpm);
}

/* Constant p/q bpm: onsets at exact frames for every rate and block size. */
static void test_onsets_constant(void)
{
	static const double rates[] = { 44100, 48000, 96000 };
	static const uint32_t blocks[] = { 1, 16, 64, 1000, 4096 };
	const int64_t p = 1003, q = 10;	/* 100.3 bpm */

	for (size_t r = 0; r < 3; r++) {
		for (size_t b = 0; b < 5; b++) {
			struct ras_sound *imp = test_impulse(rates[r]);
			struct ras_engine *e = engine_with(constant(100.3), rates[r], imp, NULL);
			/* 1-frame blocks are slow: give them less audio. */
			int64_t frames = (int64_t)rates[r] * (blocks[b] == 1 ? 30 : 600);
			size_t nb, n = test_render_onsets(e, frames, blocks[b], 0.1f, 1, onsets, MAXN,
							  beats, MAXN, &nb);
			int bad = 0;

			CU_ASSERT_FATAL(n > 40);
			CU_ASSERT_EQUAL(n, nb);
			for (size_t k = 0; k < n && k < nb; k++) {
				__int128 num = (__int128)k * 60 * q * (int64_t)rates[r];
				__int128 d = (__int128)onsets[k] * p - num;

				bad += 2 * (d < 0 ? -d : d) > p;
				bad += beats[k].frame != onsets[k] || beats[k].index != (int64_t)k;
			}
			CU_ASSERT_EQUAL(bad, 0);
			ras_engine_free(e);
			ras_sound_free(imp);
		}
	}
}

static __float128 ramp_ref(__float128 a, __float128 b, __float128 u)
{
	return (-a + sqrtq(a * a + 120 * b * u)) / b;
}

/* --ramp 80:120:600 then 120: rendered onsets against the quad-precision root. */
static void test_onsets_ramp(void)
{
	static const double rates[] = { 44100, 48000, 96000 };
	struct ras_meter m;

	ras_meter_default(&m);
	for (size_t r = 0; r < 3; r++) {
		struct ras_sound *imp = test_impulse(rates[r]);
		struct ras_engine *e = engine_with(ras_tempomap_ramp(&m, 80, 120, 600), rates[r], imp, NULL);
		size_t n = test_render_onsets(e, (int64_t)rates[r] * 900, 333, 0.1f, 1, onsets, MAXN,
					      NULL, 0, NULL);
		int bad = 0;

		CU_ASSERT_EQUAL(n, 1000 + 600);	/* 1000 ramp beats, 300 s at 120 */
		for (size_t k = 0; k < n; k++) {
			__float128 t = k <= 1000 ? ramp_ref(80, 40.0Q / 600, k) : 600 + (k - 1000) * 0.5Q;
			__float128 d = onsets[k] - t * rates[r];

			bad += fabsq(d) > 0.5Q + 1e-9Q;
		}
		CU_ASSERT_EQUAL(bad, 0);
		ras_engine_free(e);
		ras_sound_free(imp);
	}
}

/* Subdivisions, many ticks in one block, and ticks in 16-frame blocks. */
static void test_many_ticks_per_block(void)
{
	static const struct {
		double bpm;
		int sub;
		uint32_t block;
	} cases[] = { { 300, 4, 16 }, { 600, 16, 8192 }, { 300, 3, 2 }, { 450, 7, 65536 } };

	for (size_t c = 0; c < 4; c++) {
		struct ras_meter m;
		struct ras_sound *imp = test_impulse(48000);
		struct ras_engine *e;
		size_t n;
		int bad = 0;

		ras_meter_default(&m);
		m.sub = cases[c].sub;
		e = engine_with(ras_tempomap_constant(&m, cases[c].bpm), 48000, imp, NULL);
		n = test_render_onsets(e, 48000 * 20, cases[c].block, 0.01f, 1, onsets, MAXN, NULL, 0, NULL);
		/* every tick at round(i * 60 / (bpm * sub) * rate), i counting subdivisions */
		CU_ASSERT_EQUAL(n, (size_t)ceil(20 * cases[c].bpm * cases[c].sub / 60 - 1e-9));
		for (size_t i = 0; i < n; i++) {
			__float128 exact = (__float128)i * 60 * 48000 / ((__float128)cases[c].bpm * cases[c].sub);

			bad += fabsq(onsets[i] - exact) > 0.5Q + 1e-9Q;
		}
		CU_ASSERT_EQUAL(bad, 0);
		ras_engine_free(e);
		ras_sound_free(imp);
	}
}

/* A ramp in two process-block sizes renders the same samples. */
static void test_block_size_invariance(void)
{
	struct ras_meter m;
	struct ras_sound *click = ras_sound_synth(RAS_CUE_WOODBLOCK, false, 48000);
	struct ras_engine *a, *b;
	const uint32_t total = 48000 * 5;
	float *la = calloc(total, 4), *ra = calloc(total, 4), *lb = calloc(total, 4), *rb = calloc(total, 4);
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	int diff = 0;

	ras_meter_default(&m);
	m.sub = 2;
	a = engine_with(ras_tempomap_ramp(&m, 100, 300, 5), 48000, click, NULL);
	b = engine_with(ras_tempomap_ramp(&m, 100, 300, 5), 48000, click, NULL);
	ras_engine_send(a, &start);
	ras_engine_send(b, &start);
	ras_engine_process(a, la, ra, total);
	for (uint32_t done = 0, n = 1; done < total; done += n, n = n % 97 + 1) {
		if (n > total - done)
			n = total - done;
		ras_engine_process(b, lb + done, rb + done, n);
	}
	for (uint32_t i = 0; i < total; i++)
		diff += fabsf(la[i] - lb[i]) > 1e-6f || fabsf(ra[i] - rb[i]) > 1e-6f;
	CU_ASSERT_EQUAL(diff, 0);
	CU_ASSERT(ras_engine_peak(a) > 0.1f);
	ras_engine_free(a);
	ras_engine_free(b);
	ras_sound_free(click);
	free(la);
	free(ra);
	free(lb);
	free(rb);
}

/* A sound long enough for 4 cues to overlap: output is the sum of shifted copies. */
static void test_voice_overlap(void)
{
	const uint32_t len = 48000, total = 48000 * 3;	/* 1 s sound, a beat each 0.25 s */
	float *data = malloc(len * 4), *l = malloc(total * 4), *r = malloc(total * 4);
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	struct ras_engine_config cfg;
	struct ras_sound *snd;
	struct ras_engine *e;
	int bad = 0;
	float maxsum = 0;

	for (uint32_t i = 0; i < len; i++)
		data[i] = 0.05f + 0.1f * (float)((i * 7919) % 13) / 13;
	snd = ras_sound_from(data, len, 48000);
	for (int voices = 2; voices <= 8; voices += 6) {
		ras_engine_config_default(&cfg);
		cfg.voices = voices;
		e = engine_with(constant(240), 48000, snd, &cfg);
		ras_engine_send(e, &start);
		for (uint32_t done = 0; done < total; done += 64)
			ras_engine_process(e, l + done, r + done, 64);
		for (uint32_t i = 0; i < total; i++) {
			float want = 0;
			int active = 0;

			/* The newest `voices` onsets still sounding, newest first. */
			for (int64_t k = i / 12000; k >= 0 && active < voices; k--) {
				uint32_t pos = i - (uint32_t)k * 12000;

				if (pos < len) {
					want += data[pos];
					active++;
				}
			}
			maxsum = fmaxf(maxsum, want);
			bad += fabsf(l[i] - want) > 1e-5f || fabsf(r[i] - want) > 1e-5f;
		}
		CU_ASSERT_EQUAL(bad, 0);
		ras_engine_free(e);
	}
	/* Four voices really overlapped, below the limiter's ceiling. */
	CU_ASSERT(maxsum > 0.4f && maxsum < 0.89f);
	ras_sound_free(snd);
	free(data);
	free(l);
	free(r);
}

/* Loud overlapping cues: the output never passes -1 dBFS. */
static void test_limiter_ceiling(void)
{
	const uint32_t len = 24000, total = 48000 * 4;
	float *data = malloc(len * 4), *l = malloc(total * 4), *r = malloc(total * 4);
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	struct ras_sound *snd;
	struct ras_engine *e;
	const float ceiling = powf(10, -1.0f / 20);
	float peak = 0;

	for (uint32_t i = 0; i < len; i++)
		data[i] = 0.95f * (float)cos(2 * M_PI * 220 * i / 48000.0);
	snd = ras_sound_from(data, len, 48000);
	e = engine_with(constant(480), 48000, snd, NULL);
	ras_engine_send(e, &start);
	for (uint32_t done = 0; done < total; done += 128)
		ras_engine_process(e, l + done, r + done, 128);
	for (uint32_t i = 0; i < total; i++)
		peak = fmaxf(peak, fmaxf(fabsf(l[i]), fabsf(r[i])));
	CU_ASSERT(peak <= ceiling);
	CU_ASSERT(peak > 0.85f);
	CU_ASSERT(ras_engine_peak(e) <= ceiling);
	CU_ASSERT(fabsf(ras_engine_peak(e) - peak) < 1e-7f);
	ras_engine_free(e);
	ras_sound_free(snd);
	free(data);
	free(l);
	free(r);
}

/* Pattern X.x. with two sounds: accents, normals and silent beats. */
static void test_pattern_and_parts(void)
{
	struct ras_meter m;
	struct ras_engine_config cfg;
	const float a = 0.5f, nrm = 0.25f;
	struct ras_sound *acc = ras_sound_from(&a, 1, 48000), *norm = ras_sound_from(&nrm, 1, 48000);
	struct ras_engine *e;
	size_t n, nb;
	float *l = malloc(48000 * 4 * 4), *r = malloc(48000 * 4 * 4);
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };

	ras_meter_default(&m);
	m.pattern[1] = RAS_BEAT_SILENT;
	m.pattern[3] = RAS_BEAT_ACCENT;
	ras_engine_config_default(&cfg);
	cfg.sound[RAS_PART_ACCENT] = acc;
	e = engine_with(ras_tempomap_constant(&m, 120), 48000, norm, &cfg);
	ras_engine_send(e, &start);
	ras_engine_process(e, l, r, 48000 * 4);	/* 8 beats */
	/* beat k at 24000 k; X . x X X . x X */
	static const float want[8] = { 0.5f, 0, 0.25f, 0.5f, 0.5f, 0, 0.25f, 0.5f };
	for (int k = 0; k < 8; k++) {
		CU_ASSERT_DOUBLE_EQUAL(l[k * 24000], want[k], 1e-7);
		CU_ASSERT_DOUBLE_EQUAL(r[k * 24000], want[k], 1e-7);
	}
	nb = 0;
	while (nb < 8 && ras_engine_next_beat(e, &beats[nb]))
		nb++;
	CU_ASSERT_EQUAL(nb, 8);
	CU_ASSERT_EQUAL(beats[0].accent, RAS_BEAT_ACCENT);
	CU_ASSERT_EQUAL(beats[1].accent, RAS_BEAT_SILENT);
	CU_ASSERT_FALSE(beats[1].audible);
	CU_ASSERT_TRUE(beats[2].audible);
	CU_ASSERT_EQUAL(beats[2].accent, RAS_BEAT_NORMAL);
	CU_ASSERT_DOUBLE_EQUAL(beats[5].bar_beat, 1, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(beats[7].tempo, 120, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(beats[7].time, 3.5, 1e-12);
	(void)n;
	ras_engine_free(e);
	ras_sound_free(acc);
	ras_sound_free(norm);
	free(l);
	free(r);
}

/* Count-in, then gaps (1 bar on, 1 off) and fading by time. */
static void test_countin_gap_fade(void)
{
	struct ras_meter m;
	struct ras_engine_config cfg;
	struct ras_sound *imp = test_impulse(48000);
	struct ras_schedule *s;
	struct ras_engine *e;
	size_t nb;

	ras_meter_default(&m);
	s = with_countin(ras_tempomap_constant(&m, 120), 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ras_engine_config_default(&cfg);
	cfg.gap_play = 1;
	cfg.gap_mute = 1;
	e = engine_with(s, 48000, imp, &cfg);
	test_render_onsets(e, 48000 * 10, 256, 0.1f, 1, onsets, MAXN, beats, MAXN, &nb);
	CU_ASSERT_EQUAL(nb, 20);
	for (size_t k = 0; k < nb; k++) {
		bool countin = k < 4;
		bool muted_bar = !countin && ((k - 4) / 4) % 2 == 1;

		CU_ASSERT_EQUAL(beats[k].countin, countin);
		CU_ASSERT_EQUAL(beats[k].audible, !muted_bar);
	}
	ras_engine_free(e);

	/* Fading: every other beat from 2 s after the program start, none from 4 s. */
	s = with_countin(ras_tempomap_constant(&m, 120), 1);
	ras_engine_config_default(&cfg);
	cfg.fade_half = 2;
	cfg.fade_silent = 4;
	e = engine_with(s, 48000, imp, &cfg);
	test_render_onsets(e, 48000 * 8, 256, 0.1f, 1, onsets, MAXN, beats, MAXN, &nb);
	CU_ASSERT_EQUAL(nb, 16);
	for (size_t k = 0; k < nb; k++) {
		double t = beats[k].time - 2.0;	/* program time */
		bool want = beats[k].countin || t < 2 || (t < 4 && (k - 4) % 2 == 0);

		CU_ASSERT_EQUAL(beats[k].audible, want);
	}
	ras_engine_free(e);
	ras_sound_free(imp);
}

/* Alternating feet: even program beats left, odd right, panned. */
static void test_alternate(void)
{
	struct ras_engine_config cfg;
	struct ras_sound *imp = test_impulse(48000);
	struct ras_engine *e;
	float l[48000], r[48000];
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	struct ras_beat b;

	ras_engine_config_default(&cfg);
	cfg.alternate = true;
	cfg.pan = 0.8f;
	cfg.first_foot = RAS_FOOT_RIGHT;
	e = engine_with(constant(120), 48000, imp, &cfg);
	ras_engine_send(e, &start);
	ras_engine_process(e, l, r, 48000);
	/* beat 0 right, beat 1 (frame 24000) left */
	CU_ASSERT_DOUBLE_EQUAL(r[0], 0.5, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[0], 0.5 * 0.2, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[24000], 0.5, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(r[24000], 0.5 * 0.2, 1e-7);
	CU_ASSERT_TRUE(ras_engine_next_beat(e, &b));
	CU_ASSERT_EQUAL(b.foot, RAS_FOOT_RIGHT);
	CU_ASSERT_TRUE(ras_engine_next_beat(e, &b));
	CU_ASSERT_EQUAL(b.foot, RAS_FOOT_LEFT);
	ras_engine_free(e);
	ras_sound_free(imp);
}

/* A tempo change at frame F: no beat doubled or skipped, closed form from F. */
static void test_runtime_change(void)
{
	static const uint32_t blocks[] = { 64, 1, 4096 };

	for (size_t bi = 0; bi < 3; bi++) {
		struct ras_sound *imp = test_impulse(48000);
		struct ras_engine *e = engine_with(constant(100), 48000, imp, NULL);
		struct ras_cmd c = { .kind = RAS_CMD_TEMPO, .frame = 300007, .value = 137.5 };
		struct ras_cmd c2 = { .kind = RAS_CMD_RAMP, .frame = 600011, .value = 80, .seconds = 4 };
		struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
		size_t n, nb;
		long double tc = 300007.0L / 48000, ph = tc * 100 / 60;
		long double t2 = 600011.0L / 48000, ph2 = ph + (t2 - tc) * 137.5L / 60;
		int bad = 0;

		/* Commands apply in order: START first, or the later ones hold it back. */
		CU_ASSERT_EQUAL(ras_engine_send(e, &start), 0);
		CU_ASSERT_EQUAL(ras_engine_send(e, &c), 0);
		CU_ASSERT_EQUAL(ras_engine_send(e, &c2), 0);
		n = test_render_onsets(e, 48000 * 30, blocks[bi], 0.1f, 1, onsets, MAXN, beats, MAXN, &nb);
		CU_ASSERT_EQUAL(n, nb);
		for (size_t k = 0; k < n; k++) {
			long double t;

			if (k <= ph)
				t = k * 0.6L;
			else if (k <= ph2)
				t = tc + (k - ph) * 60 / 137.5L;
			else {
				/* 137.5 -> 80 over 4 s, linear in time, then 80 */
				long double a = 137.5L, b = (80 - 137.5L) / 4, u = k - ph2;
				long double uramp = (a * 4 + b * 8) / 60;

				if (u <= uramp)
					t = t2 + 120 * u / (a + sqrtl(a * a + 120 * b * u));
				else
					t = t2 + 4 + (u - uramp) * 60 / 80;
			}
			bad += onsets[k] != ras_time_to_frame(t, 48000);
			bad += beats[k].index != (int64_t)k;
		}
		CU_ASSERT_EQUAL(bad, 0);
		/* Beat count proves nothing was doubled or skipped over the whole run. */
		CU_ASSERT_TRUE(n > 40);
		CU_ASSERT_DOUBLE_EQUAL(beats[n - 1].tempo, 80, 1e-9);
		CU_ASSERT_EQUAL(ras_engine_rejected(e), 0);
		ras_engine_free(e);
		ras_sound_free(imp);
	}
}

/* A phase nudge from another thread: beats after it closed-form from the nudge. */
static void test_runtime_nudge(void)
{
	struct ras_sound *imp = test_impulse(48000);
	struct ras_engine *e = engine_with(constant(120), 48000, imp, NULL);
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	struct ras_cmd nudge = { .kind = RAS_CMD_NUDGE, .frame = 480007, .value = 0.5, .seconds = 1 };
	long double tc = 480007.0L / 48000, ph = tc * 2;	/* 120 bpm: 2 beats a second */
	size_t n;
	int bad = 0;

	ras_engine_send(e, &start);
	ras_engine_send(e, &nudge);
	n = test_render_onsets(e, 48000 * 20, 256, 0.1f, 1, onsets, MAXN, NULL, 0, NULL);
	CU_ASSERT_EQUAL(n, 41);	/* 40 beats in 20 s, one more for the half beat gained */
	for (size_t k = 0; k < n; k++) {
		long double t;

		if (k <= ph)
			t = k * 0.5L;
		else if (k <= ph + 2.5L)	/* 150 bpm for 1 s: 2.5 beats */
			t = tc + (k - ph) * 0.4L;
		else
			t = tc + 1 + (k - ph - 2.5L) * 0.5L;
		bad += onsets[k] != ras_time_to_frame(t, 48000);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(ras_engine_rejected(e), 0);
	ras_engine_free(e);
	ras_sound_free(imp);
}

/* Pause keeps counting beats silently; bad commands are refused. */
static void test_pause_every_reject(void)
{
	struct ras_sound *imp = test_impulse(48000);
	struct ras_engine *e = engine_with(constant(120), 48000, imp, NULL);
	struct ras_cmd pause = { .kind = RAS_CMD_PAUSE, .frame = 48000 };
	struct ras_cmd resume = { .kind = RAS_CMD_RESUME, .frame = 96000 };
	struct ras_cmd every = { .kind = RAS_CMD_EVERY, .frame = 144000, .value = 2 };
	struct ras_cmd bad = { .kind = RAS_CMD_TEMPO, .frame = 150000, .value = 0 };
	struct ras_cmd bad2 = { .kind = RAS_CMD_EVERY, .frame = 150000, .value = 3 };
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	size_t nb;

	ras_engine_send(e, &start);
	ras_engine_send(e, &pause);
	ras_engine_send(e, &resume);
	ras_engine_send(e, &every);
	ras_engine_send(e, &bad);
	ras_engine_send(e, &bad2);
	test_render_onsets(e, 48000 * 5, 100, 0.1f, 1, onsets, MAXN, beats, MAXN, &nb);
	CU_ASSERT_EQUAL(nb, 10);
	for (size_t k = 0; k < nb; k++) {
		bool want = k < 2 || (k >= 4 && k < 6) || (k >= 6 && k % 2 == 0);

		CU_ASSERT_EQUAL(beats[k].audible, want);
		CU_ASSERT_EQUAL(beats[k].frame, (int64_t)k * 24000);
	}
	CU_ASSERT_EQUAL(ras_engine_rejected(e), 2);
	ras_engine_free(e);
	ras_sound_free(imp);
}

/* Run-time sound, master gain and side: each from its command's frame on. */
static void test_sound_gain_side(void)
{
	static float l[192000], r[192000];
	float a_data[100], b_data = 0.3f;
	struct ras_sound *a, *b;
	struct ras_engine *e;
	struct ras_cmd cmds[] = {
		{ .kind = RAS_CMD_START, .frame = -1 },
		/* in the middle of beat 1's sound A */
		{ .kind = RAS_CMD_SOUND, .frame = 24050, .part = RAS_PART_NORMAL },
		{ .kind = RAS_CMD_SOUND, .frame = 24050, .part = RAS_PART_ACCENT },	/* beat 4 */
		{ .kind = RAS_CMD_SOUND, .frame = 24060, .part = RAS_PART_NORMAL },	/* NULL: refused */
		{ .kind = RAS_CMD_SOUND, .frame = 24060, .part = 9, .sound = NULL },	/* refused */
		{ .kind = RAS_CMD_GAIN, .frame = 72000, .value = 2 },
		{ .kind = RAS_CMD_GAIN, .frame = 72000, .value = -1 },			/* refused */
		{ .kind = RAS_CMD_SIDE, .frame = 96000, .value = RAS_FOOT_RIGHT },
		{ .kind = RAS_CMD_SIDE, .frame = 96000, .value = 3 },			/* refused */
		{ .kind = RAS_CMD_SIDE, .frame = 144000, .value = -1 },
	};

	for (int i = 0; i < 100; i++)
		a_data[i] = 0.1f;
	a = ras_sound_from(a_data, 100, 48000);
	b = ras_sound_from(&b_data, 1, 48000);
	cmds[1].sound = cmds[2].sound = b;
	e = engine_with(constant(120), 48000, a, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		CU_ASSERT_EQUAL(ras_engine_send(e, &cmds[i]), 0);
	for (uint32_t done = 0, n = 777; done < 192000; done += n) {
		if (n > 192000 - done)
			n = 192000 - done;
		ras_engine_process(e, l + done, r + done, n);
	}
	/* beat 0, and beat 1 whose sound A plays on past the change */
	CU_ASSERT_DOUBLE_EQUAL(l[0], 0.1, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[99], 0.1, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[24049], 0.1, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[24099], 0.1, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[24100], 0, 1e-7);
	/* beat 2: sound B */
	CU_ASSERT_DOUBLE_EQUAL(l[48000], 0.3, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(r[48000], 0.3, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[48001], 0, 1e-7);
	/* beat 3: gain 2 */
	CU_ASSERT_DOUBLE_EQUAL(l[72000], 0.6, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r[72000], 0.6, 1e-6);
	/* beats 4 and 5: alternating, hard panned, beat 4 (even) on the right */
	CU_ASSERT_DOUBLE_EQUAL(r[96000], 0.6, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(l[96000], 0, 1e-7);
	CU_ASSERT_DOUBLE_EQUAL(l[120000], 0.6, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r[120000], 0, 1e-7);
	/* beats 6, 7: both sides again */
	CU_ASSERT_DOUBLE_EQUAL(l[144000], 0.6, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r[144000], 0.6, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(l[168000], 0.6, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r[168000], 0.6, 1e-6);
	CU_ASSERT_EQUAL(ras_engine_rejected(e), 4);
	ras_engine_free(e);
	ras_sound_free(a);
	ras_sound_free(b);
}

/* A finite schedule ends: the engine reports done once the tail is out. */
static void test_done_and_config(void)
{
	struct ras_meter m;
	struct ras_schedule *s = ras_schedule_new(4);
	struct ras_sound *snd = ras_sound_synth(RAS_CUE_WOODBLOCK, false, 48000);
	struct ras_engine_config cfg;
	struct ras_engine *e;
	float l[512], r[512];
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	int64_t frames = 0;

	ras_meter_default(&m);
	ras_schedule_add_const(s, &m, 120, 4, -1);	/* 2 s */
	e = engine_with(s, 48000, snd, NULL);
	CU_ASSERT_FALSE(ras_engine_done(e));
	/* Stopped: silence and no time passes. */
	ras_engine_process(e, l, r, 512);
	CU_ASSERT_EQUAL(ras_engine_frame(e), 0);
	ras_engine_send(e, &start);
	while (!ras_engine_done(e) && frames < 48000 * 10) {
		ras_engine_process(e, l, r, 512);
		frames += 512;
	}
	/* Four beats at 120 end at 2.0 s; the last woodblock (1.5 s + 120 ms)
	 * is out before then: done in the block that reaches 2.0 s. */
	CU_ASSERT(ras_engine_done(e));
	CU_ASSERT(frames >= 96000 && frames < 96000 + 512);
	ras_engine_free(e);

	/* A tail longer than the last beat: done when the tail is out. */
	{
		static float longs[48000];
		struct ras_sound *ls;

		for (int i = 0; i < 48000; i++)
			longs[i] = 0.01f;
		ls = ras_sound_from(longs, 48000, 48000);
		s = ras_schedule_new(2);
		ras_schedule_add_const(s, &m, 240, 4, -1);	/* ends at 1 s, last onset 0.75 s */
		e = engine_with(s, 48000, ls, NULL);
		ras_engine_send(e, &start);
		for (frames = 0; !ras_engine_done(e) && frames < 48000 * 10; frames += 512)
			ras_engine_process(e, l, r, 512);
		CU_ASSERT(frames >= 36000 + 48000 && frames < 36000 + 48000 + 512);
		ras_engine_free(e);
		ras_sound_free(ls);
	}

	/* Bad configurations are refused and the schedule is freed (valgrind checks). */
	ras_engine_config_default(&cfg);
	CU_ASSERT_PTR_NULL(ras_engine_new(&cfg, constant(100)));	/* no sound */
	CU_ASSERT_EQUAL(errno, EINVAL);
	cfg.sound[RAS_PART_NORMAL] = snd;
	cfg.rate = 0;
	CU_ASSERT_PTR_NULL(ras_engine_new(&cfg, constant(100)));
	cfg.rate = 48000;
	cfg.voices = 0;
	CU_ASSERT_PTR_NULL(ras_engine_new(&cfg, constant(100)));
	ras_sound_free(snd);
}

/*
 * The process path allocates nothing and takes no lock, with every feature
 * busy: tempo changes and ramps, pause, fading, subdivisions, voice stealing,
 * a full beat queue, tiny and large blocks.
 */
/* ---- music under the cues ---------------------------------------------- */

/*
 * A test source: a unit impulse on each music beat (found from the beat
 * positions, as a real source must), or a constant level; counts resets.
 */
struct fake_music {
	struct ras_music_source src;
	float dc;		/* > 0: a constant instead of impulses */
	int resets;
};

static void fake_render(void *ctx, const struct ras_music_clock *c, float *l, float *r, uint32_t n)
{
	struct fake_music *f = ctx;
	long double p0 = ras_music_phase(c, c->frame) - c->start_phase;
	long double p1 = ras_music_phase(c, c->frame + n) - c->start_phase;

	if (f->dc > 0) {
		for (uint32_t i = 0; i < n; i++)
			l[i] += f->dc, r[i] += f->dc;
		return;
	}
	for (long double m = ceill(p0 < 0 ? 0 : p0 - 1); m <= p1 + 1; m++) {
		int64_t at = ras_music_frame(c, m) - c->frame;

		if (m >= 0 && at >= 0 && at < n)
			l[at] += 0.5f, r[at] += 0.5f;
	}
}

static void fake_reset(void *ctx, const struct ras_music_clock *c)
{
	(void)c;
	((struct fake_music *)ctx)->resets++;
}

static void fake_init(struct fake_music *f, float dc)
{
	memset(f, 0, sizeof(*f));
	f->dc = dc;
	f->src = (struct ras_music_source){ .render = fake_render, .reset = fake_reset, .ctx = f };
}

static void test_rt_safe(void)
{
	struct ras_meter m;
	struct ras_engine_config cfg;
	struct ras_sound *snd = ras_sound_synth(RAS_CUE_BEEP, false, 48000);
	struct ras_sound *snd2 = ras_sound_synth(RAS_CUE_WOODBLOCK, false, 48000);
	struct ras_engine *e;
	static float l[8192], r[8192];
	struct ras_cmd cmds[] = {
		{ .kind = RAS_CMD_START, .frame = -1 },
		{ .kind = RAS_CMD_TEMPO, .frame = 1000, .value = 300 },
		{ .kind = RAS_CMD_RAMP, .frame = 50000, .value = 600, .seconds = 3 },
		{ .kind = RAS_CMD_PAUSE, .frame = 100000 },
		{ .kind = RAS_CMD_RESUME, .frame = 120000 },
		{ .kind = RAS_CMD_EVERY, .frame = 130000, .value = 2 },
		{ .kind = RAS_CMD_TEMPO, .frame = 140000, .value = 0 },	/* refused */
		{ .kind = RAS_CMD_SOUND, .frame = 150000, .part = RAS_PART_NORMAL },
		{ .kind = RAS_CMD_GAIN, .frame = 160000, .value = 0.5 },
		{ .kind = RAS_CMD_SIDE, .frame = 170000, .value = 1 },
		{ .kind = RAS_CMD_SIDE, .frame = 180000, .value = -1 },
	};
	int violations;
	uint32_t n = 1;
	struct fake_music fm, bed;

	ras_meter_default(&m);
	m.sub = 4;
	ras_engine_config_default(&cfg);
	cfg.voices = 3;	/* force stealing */
	/* Music and a bed, ducked, fading with the pause and every other beat. */
	fake_init(&fm, 0);
	fake_init(&bed, 0.01f);
	cfg.music = &fm.src;
	cfg.bed = &bed.src;
	cfg.duck = 0.5f;
	cfg.alternate = true;
	cfg.fade_half = 5;
	cfg.fade_silent = 8;
	cmds[7].sound = snd2;
	e = engine_with(with_countin(ras_tempomap_constant(&m, 200), 1), 48000, snd, &cfg);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		ras_engine_send(e, &cmds[i]);
	/* Beats are never read: the queue fills and overflows, as a stuck reader would. */
	rtcheck_arm();
	for (int64_t done = 0; done < 48000 * 60 * 16; done += n, n = n * 3 % 8191 + 1)
		ras_engine_process(e, l, r, n);
	violations = rtcheck_disarm();
	CU_ASSERT_EQUAL(violations, 0);
	CU_ASSERT_EQUAL(fm.resets, 1);	/* the pause is shorter than the fade */
	CU_ASSERT(ras_engine_dropped(e) > 0);
	CU_ASSERT_EQUAL(ras_engine_rejected(e), 1);
	/* The checker itself works: an allocation while armed is counted. */
	{
		void *volatile p;

		rtcheck_arm();
		p = malloc(16);
		free(p);
		CU_ASSERT_EQUAL(rtcheck_disarm(), 2);
	}
	ras_engine_free(e);
	ras_sound_free(snd);
	ras_sound_free(snd2);
}

/* Music beats land on the cue beats' frames, after the count-in, under a
 * ramp, whatever the block size; no cue sounds with click off. */
static void test_music_on_the_beat(void)
{
	static const uint32_t blocks[] = { 1, 64, 333, 4096, 10000 };
	struct fake_music fm;
	struct ras_meter m;
	struct ras_engine_config cfg;
	struct ras_sound *snd = test_impulse(48000);
	size_t n, nb;

	fake_init(&fm, 0);
	ras_meter_default(&m);
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		struct ras_engine *e;
		struct ras_schedule *s = with_countin(ras_tempomap_ramp(&m, 80, 140, 10), 1);

		ras_engine_config_default(&cfg);
		cfg.music = &fm.src;
		cfg.click = false;
		e = engine_with(s, 48000, snd, &cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		n = test_render_onsets(e, 48000 * 14, blocks[b], 0.1f, 100, onsets, MAXN, beats,
				       MAXN, &nb);
		/* Count-in beats are heard (audible) but only the music sounds:
		 * its impulses from the first beat after the count-in. */
		CU_ASSERT_EQUAL_FATAL(n + 4, nb);
		for (size_t i = 0; i < n; i++)
			CU_ASSERT_EQUAL(onsets[i], beats[i + 4].frame);
		CU_ASSERT(beats[0].audible && beats[5].audible);
		ras_engine_free(e);
	}
	ras_sound_free(snd);
}

static float peak_in(const float *x, size_t from, size_t to)
{
	float p = 0;

	for (size_t i = from; i < to; i++)
		p = fmaxf(p, fabsf(x[i]));
	return p;
}

/* Pause fades the music out (and resets it when it comes back); every
 * other beat halves it; an accented cue ducks it; the limiter holds. */
static void test_music_fades_duck(void)
{
	static float l[48000 * 12], r[48000 * 12];
	struct fake_music fm;
	struct ras_meter m;
	struct ras_engine_config cfg;
	struct ras_sound *snd = test_impulse(48000);
	struct ras_engine *e;
	struct ras_cmd cmds[] = {
		{ .kind = RAS_CMD_START, .frame = -1 },
		{ .kind = RAS_CMD_PAUSE, .frame = 48000 * 3 },
		{ .kind = RAS_CMD_RESUME, .frame = 48000 * 5 },
		{ .kind = RAS_CMD_EVERY, .frame = 48000 * 8, .value = 2 },
	};

	fake_init(&fm, 0.2f);
	ras_meter_default(&m);
	ras_engine_config_default(&cfg);
	cfg.music = &fm.src;
	cfg.duck = 0.5f;
	e = engine_with(ras_tempomap_constant(&m, 60), 48000, snd, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		ras_engine_send(e, &cmds[i]);
	for (uint32_t at = 0; at < 48000 * 12; at += 256)
		ras_engine_process(e, l + at, r + at, 256);
	CU_ASSERT_EQUAL(fm.resets, 2);	/* at the start and after the pause */
	/*
	 * Fading in over 0.5 s from the start: at 0.25 s half way, and the
	 * accent at 0 s still ducks it: 5 ms down to 0.5, 80 ms held, back
	 * over 200 ms, 7920 of whose 9600 frames have gone.
	 */
	CU_ASSERT(fabsf(l[12000] - 0.2f * 0.5f * (0.5f + 0.5f * 7920 / 9600)) < 1e-3f);
	CU_ASSERT(fabsf(l[36000] - 0.2f) < 1e-4f);		/* 0.75 s: full */
	CU_ASSERT(fabsf(r[2 * 48000 + 24000] - 0.2f) < 1e-4f);	/* mid-beat: full */
	/* The accent at 8 s as every other beat starts: 50 ms later the level
	 * is on its way to half (0.9) and the duck holds (0.5). */
	CU_ASSERT(fabsf(l[48000 * 8 + 2400] - 0.2f * 0.9f * 0.5f) < 1e-3f);
	/* Paused: out 0.5 s after the pause, silent until the resume. */
	CU_ASSERT(peak_in(l, 48000 * 3 + 24001, 48000 * 5) == 0);
	CU_ASSERT(fabsf(l[48000 * 3 + 12000] - 0.1f) < 0.01f);	/* half-way down */
	CU_ASSERT(fabsf(l[48000 * 7 + 24000] - 0.2f) < 1e-4f);	/* back, full */
	CU_ASSERT(fabsf(l[48000 * 11 + 24000] - 0.1f) < 1e-4f);	/* every other beat: half */
	ras_engine_free(e);

	/* Loud music and cues together stay under the -1 dBFS ceiling. */
	fake_init(&fm, 3.0f);
	ras_engine_config_default(&cfg);
	cfg.music = &fm.src;
	e = engine_with(ras_tempomap_constant(&m, 120), 48000, snd, &cfg);
	ras_engine_send(e, &cmds[0]);
	for (uint32_t at = 0; at < 48000 * 3; at += 512)
		ras_engine_process(e, l + at, r + at, 512);
	CU_ASSERT(peak_in(l, 0, 48000 * 3) <= ras_db_to_gain(-1) + 1e-6f);
	CU_ASSERT(peak_in(l, 48000 * 2, 48000 * 3) > 0.8f);
	ras_engine_free(e);
	ras_sound_free(snd);
}

void test_engine_register(void)
{
	TEST_SUITE("engine",
		   { "constant-tempo onsets exact, 3 rates x 5 block sizes", test_onsets_constant },
		   { "ramp onsets exact, 3 rates", test_onsets_ramp },
		   { "many ticks per block, tiny blocks", test_many_ticks_per_block },
		   { "same samples whatever the block size", test_block_size_invariance },
		   { "voice overlap and stealing", test_voice_overlap },
		   { "limiter ceiling -1 dBFS", test_limiter_ceiling },
		   { "pattern accents, silent beats, parts", test_pattern_and_parts },
		   { "count-in, gaps, fading", test_countin_gap_fade },
		   { "alternating feet, panned", test_alternate },
		   { "phase-continuous run-time change", test_runtime_change },
		   { "phase nudge at a frame", test_runtime_nudge },
		   { "pause, every-other, rejected commands", test_pause_every_reject },
		   { "run-time sound, gain and side", test_sound_gain_side },
		   { "done after the tail; bad config", test_done_and_config },
		   { "process path: no malloc, free or lock", test_rt_safe },
		   { "music beats on the cue frames, any block size", test_music_on_the_beat },
		   { "music fades with pause and fading, ducks, is limited", test_music_fades_duck });
}

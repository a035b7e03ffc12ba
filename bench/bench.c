/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat benchmark helper (driven by bench/run.sh)
 *
 *   bench beats RATE const|ramps [HOURS]
 *	Run the real engine (ras_engine_process in 4096-frame blocks, audio
 *	discarded) for HOURS (default 24) and compare every beat frame that
 *	ras_engine_next_beat reports with an independent exact reference:
 *	  const  100.3 bpm: beat k at k * 60 * 10 * RATE / 1003 frames, in
 *		 exact integer arithmetic (__int128);
 *	  ramps  a 24 h program of constant sections, linear-in-time ramps,
 *		 klick-style linear-in-beats ramps and two run-time commands,
 *		 recomputed in __float128 from the decimal parameters.
 *	Prints "beats N worst W over H" and the worst |frame - exact|.
 *
 *   bench onsets FILE.wav BPM [BEATS_PER_BAR]
 *	Find every click onset in a rendered file (first sample above 10 %
 *	of the file's peak after at least 20 ms below it) and compare it with
 *	beat k at exactly k * 60 / BPM s (BPM a decimal, made a fraction),
 *	relative to the first onset (its offset from frame 0, rounded to whole
 *	frames, is taken as the latency of the click sound). Also prints the
 *	offset of the first onset at each position in the bar.
 *
 *   bench callback [CYCLES]
 *	Cost of ras_engine_process for one 64-frame cycle at 48 kHz with four
 *	overlapping voices (a 1 s sound at 240 bpm), timed one call at a time
 *	with CLOCK_MONOTONIC.
 *
 * Output lines are "key value ..." for run.sh to pick up.
 */
#include <errno.h>
#include <math.h>
#include <quadmath.h>
#include <sched.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "rasbeat/engine.h"
#include "rasbeat/midi.h"
#include "rasbeat/song.h"
#include "rasbeat/schedule.h"
#include "rasbeat/sound.h"
#include "rasbeat/tempomap.h"

#define BLOCK 4096

typedef __float128 quad;

static void die(const char *msg)
{
	fprintf(stderr, "bench: %s\n", msg);
	exit(1);
}

/* Music under the cues for `bench callback` (NULL: none). */
static const struct ras_music_source *bench_music;

static struct ras_engine *new_engine(double rate, struct ras_schedule *s,
				     const struct ras_sound *snd)
{
	struct ras_engine_config cfg;
	struct ras_engine *e;

	ras_engine_config_default(&cfg);
	cfg.rate = rate;
	cfg.music = bench_music;
	for (int i = 0; i < RAS_PART_COUNT; i++)
		cfg.sound[i] = snd;
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };

	e = ras_engine_new(&cfg, s);
	if (!e)
		die("cannot create the engine");
	/* Commands run in order: START goes first, before any timed one. */
	if (ras_engine_send(e, &start))
		die("command queue full");
	return e;
}

/* ---- the reference: an independent model of the schedule in __float128 ---- */

enum { REF_CONST, REF_RAMP_TIME, REF_RAMP_BEAT };

struct ref_sec {
	int kind;
	quad t0, ph0, t_end, ph_end;	/* end INFINITY when open */
	quad bpm0, slope;		/* bpm/s (time ramp) or bpm/beat (beat ramp) */
};

#define REF_MAX 256

struct ref {
	int n;
	struct ref_sec s[REF_MAX];
};

static quad q(const char *dec)
{
	return strtoflt128(dec, NULL);
}

/* Beat phase at time t inside a section (d = t - t0). */
static quad ref_phase(const struct ref_sec *s, quad t)
{
	quad d = t - s->t0;

	switch (s->kind) {
	case REF_RAMP_TIME:
		return s->ph0 + (s->bpm0 * d + s->slope * d * d / 2) / 60;
	case REF_RAMP_BEAT:
		return s->ph0 + s->bpm0 * (expq(s->slope * d / 60) - 1) / s->slope;
	default:
		return s->ph0 + s->bpm0 * d / 60;
	}
}

static quad ref_tempo(const struct ref_sec *s, quad t)
{
	quad d = t - s->t0;

	switch (s->kind) {
	case REF_RAMP_TIME:
		return s->bpm0 + s->slope * d;
	case REF_RAMP_BEAT:
		return s->bpm0 * expq(s->slope * d / 60);
	default:
		return s->bpm0;
	}
}

/* Time of phase ph inside a section: the plain textbook roots. */
static quad ref_time(const struct ref_sec *s, quad ph)
{
	quad u = ph - s->ph0;

	switch (s->kind) {
	case REF_RAMP_TIME:	/* slope/2 d^2 + bpm0 d - 60 u = 0 */
		return s->t0 + (sqrtq(s->bpm0 * s->bpm0 + 120 * s->slope * u) - s->bpm0) / s->slope;
	case REF_RAMP_BEAT:	/* dt/du = 60 / (bpm0 + slope u) */
		return s->t0 + 60 / s->slope * logq((s->bpm0 + s->slope * u) / s->bpm0);
	default:
		return s->t0 + 60 * u / s->bpm0;
	}
}

static struct ref_sec *ref_append(struct ref *r, int kind, quad bpm0, quad slope)
{
	struct ref_sec *s, *prev = r->n ? &r->s[r->n - 1] : NULL;

	if (r->n >= REF_MAX)
		die("reference: too many sections");
	s = &r->s[r->n++];
	s->kind = kind;
	s->t0 = prev ? prev->t_end : 0;
	s->ph0 = prev ? prev->ph_end : 0;
	s->bpm0 = bpm0;
	s->slope = slope;
	s->t_end = s->ph_end = INFINITY;
	return s;
}

/* Cut the reference at t (a run-time command) and return the new open section. */
static struct ref_sec *ref_split(struct ref *r, quad t, int kind, quad bpm0, quad slope)
{
	int i = 0;
	quad ph;

	while (i < r->n - 1 && t >= r->s[i].t_end)
		i++;
	ph = ref_phase(&r->s[i], t);
	r->s[i].t_end = t;
	r->s[i].ph_end = ph;
	r->n = i + 1;
	return ref_append(r, kind, bpm0, slope);
}

/* ---- the ramp program: the same decimal parameters build both sides ---- */

enum { SEG_CONST_S, SEG_CONST_B, SEG_RAMP_T, SEG_RAMP_B };

struct seg {
	int kind;
	const char *bpm0, *bpm1, *len;	/* len: seconds or beats */
};

/* One cycle, about 2.6 h; repeated to 23 h, then an open section. */
static const struct seg cycle[] = {
	{ SEG_CONST_S, "100.3", NULL, "1800" },
	{ SEG_RAMP_T, "100.3", "120.7", "3600" },	/* slow rise in time */
	{ SEG_CONST_B, "120.7", NULL, "1000" },
	{ SEG_RAMP_B, "120.7", "80.9", "2000" },	/* klick ramp, per beat */
	{ SEG_CONST_S, "80.9", NULL, "900.5" },
	{ SEG_RAMP_T, "80.9", "113.33", "1234.567" },
	{ SEG_RAMP_B, "113.33", "100.3", "333" },
};

static void ramp_program(double rate, struct ras_engine **engine, struct ras_schedule **sched,
			 struct ref *r, const struct ras_sound *snd)
{
	struct ras_schedule *s = ras_schedule_new(REF_MAX);
	struct ras_meter m;
	const quad stop = 23 * 3600;
	struct ras_cmd cmd;
	int64_t f1, f2;
	quad t1, t2;

	if (!s)
		die("out of memory");
	ras_meter_default(&m);
	r->n = 0;
	while (r->n == 0 || r->s[r->n - 1].t_end < stop) {
		for (size_t i = 0; i < sizeof(cycle) / sizeof(cycle[0]); i++) {
			const struct seg *g = &cycle[i];
			double b0 = atof(g->bpm0), b1 = g->bpm1 ? atof(g->bpm1) : 0, len = atof(g->len);
			quad qb0 = q(g->bpm0), qb1 = g->bpm1 ? q(g->bpm1) : 0, ql = q(g->len);
			struct ref_sec *x;
			int err = 0;

			switch (g->kind) {
			case SEG_CONST_S:
				err = ras_schedule_add_const(s, &m, b0, -1, len);
				x = ref_append(r, REF_CONST, qb0, 0);
				x->t_end = x->t0 + ql;
				x->ph_end = ref_phase(x, x->t_end);
				break;
			case SEG_CONST_B:
				err = ras_schedule_add_const(s, &m, b0, len, -1);
				x = ref_append(r, REF_CONST, qb0, 0);
				x->ph_end = x->ph0 + ql;
				x->t_end = ref_time(x, x->ph_end);
				break;
			case SEG_RAMP_T:
				err = ras_schedule_add_ramp_time(s, &m, b0, b1, len);
				x = ref_append(r, REF_RAMP_TIME, qb0, (qb1 - qb0) / ql);
				x->t_end = x->t0 + ql;
				x->ph_end = x->ph0 + (qb0 + qb1) * ql / 120;
				break;
			case SEG_RAMP_B:
				err = ras_schedule_add_ramp_beats(s, &m, b0, b1, len);
				x = ref_append(r, REF_RAMP_BEAT, qb0, (qb1 - qb0) / ql);
				x->ph_end = x->ph0 + ql;
				x->t_end = x->t0 + 60 * ql / (qb1 - qb0) * logq(qb1 / qb0);
				break;
			}
			if (err)
				die("schedule builder refused a section");
		}
	}
	if (ras_schedule_add_const(s, &m, 100.3, -1, -1))
		die("schedule builder refused the last section");
	ref_append(r, REF_CONST, q("100.3"), 0);
	*sched = s;
	*engine = new_engine(rate, s, snd);

	/* Run-time commands: a ramp to 140.2 over 900 s at 23:10, then 99.9 at 23:40. */
	f1 = (int64_t)(23 * 3600 + 600) * (int64_t)rate;
	f2 = (int64_t)(23 * 3600 + 2400) * (int64_t)rate;
	if (rate != floor(rate))
		die("ramps need an integer rate");
	cmd = (struct ras_cmd){ .kind = RAS_CMD_RAMP, .frame = f1, .value = 140.2, .seconds = 900 };
	if (ras_engine_send(*engine, &cmd))
		die("command queue full");
	cmd = (struct ras_cmd){ .kind = RAS_CMD_TEMPO, .frame = f2, .value = 99.9 };
	if (ras_engine_send(*engine, &cmd))
		die("command queue full");
	{
		struct ref_sec *x, *cur;
		quad from, sl;
		int i = 0;

		t1 = (quad)f1 / (quad)rate;
		while (i < r->n - 1 && t1 >= r->s[i].t_end)
			i++;
		cur = &r->s[i];
		from = ref_tempo(cur, t1);
		sl = (q("140.2") - from) / 900;
		x = ref_split(r, t1, REF_RAMP_TIME, from, sl);
		x->t_end = x->t0 + 900;
		x->ph_end = x->ph0 + (from + q("140.2")) * 900 / 120;
		ref_append(r, REF_CONST, q("140.2"), 0);
		t2 = (quad)f2 / (quad)rate;
		ref_split(r, t2, REF_CONST, q("99.9"), 0);
	}
}

static quad ref_beat_time(const struct ref *r, int64_t k, int *hint)
{
	quad ph = k;

	while (*hint < r->n - 1 && ph >= r->s[*hint].ph_end)
		(*hint)++;
	return ref_time(&r->s[*hint], ph);
}

/* ---- bench beats ---- */

static int cmd_beats(int argc, char **argv)
{
	double rate, hours = 24;
	bool ramps;
	struct ras_schedule *sched = NULL;
	struct ras_engine *e;
	struct ras_sound *snd;
	struct ras_meter m;
	struct ras_beat b;
	static float l[BLOCK], rr[BLOCK];
	struct ref ref;
	int64_t frames, done = 0, expect = 0, beats = 0, worst_k = -1;
	double worst = 0;
	int hint = 0;
	struct timespec t0, t1;

	if (argc < 4)
		die("usage: bench beats RATE const|ramps [HOURS]");
	rate = atof(argv[2]);
	ramps = strcmp(argv[3], "ramps") == 0;
	if (!ramps && strcmp(argv[3], "const") != 0)
		die("schedule: const or ramps");
	if (argc > 4)
		hours = atof(argv[4]);
	snd = ras_sound_synth(RAS_CUE_CLICK, false, rate);
	if (!snd)
		die("out of memory");
	ras_meter_default(&m);
	if (ramps) {
		ramp_program(rate, &e, &sched, &ref, snd);
	} else {
		sched = ras_tempomap_constant(&m, 100.3);
		if (!sched)
			die("out of memory");
		e = new_engine(rate, sched, snd);
	}
	frames = (int64_t)llround(hours * 3600 * rate);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < frames) {
		uint32_t n = frames - done < BLOCK ? (uint32_t)(frames - done) : BLOCK;

		ras_engine_process(e, l, rr, n);
		done += n;
		while (ras_engine_next_beat(e, &b)) {
			double err;

			if (b.index != expect) {
				fprintf(stderr, "bench: beat %lld reported, %lld expected\n",
					(long long)b.index, (long long)expect);
				exit(1);
			}
			expect++;
			beats++;
			if (ramps) {
				quad x = ref_beat_time(&ref, b.index, &hint) * (quad)rate;

				err = (double)((quad)b.frame - x);
			} else {
				/* exact frame = k * 600 * rate / 1003; rate is integral */
				__int128 den = 1003, num = (__int128)b.index * 600 * (__int128)llround(rate);
				__int128 diff = (__int128)b.frame * den - num;

				if (rate != floor(rate))
					die("const needs an integer rate");
				err = (double)diff / (double)den;
			}
			if (fabs(err) > fabs(worst)) {
				worst = err;
				worst_k = b.index;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ras_engine_dropped(e) || ras_engine_rejected(e)) {
		fprintf(stderr, "bench: %llu beats dropped, %llu commands rejected\n",
			(unsigned long long)ras_engine_dropped(e),
			(unsigned long long)ras_engine_rejected(e));
		exit(1);
	}
	printf("beats %lld worst %.9f at_beat %lld hours %g rate %.0f schedule %s within_half %s engine_x_realtime %.0f\n",
	       (long long)beats, fabs(worst), (long long)worst_k, hours, rate, argv[3],
	       fabs(worst) <= 0.5 ? "yes" : "no",
	       hours * 3600 / ((t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec)));
	ras_engine_free(e);
	ras_sound_free(snd);
	return fabs(worst) <= 0.5 ? 0 : 3;
}

/* ---- bench onsets ---- */

static int cmd_onsets(int argc, char **argv)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;
	bool point = false;
	long long num = 0, den = 1;
	int per_bar = argc > 4 ? atoi(argv[4]) : 4;
	float *buf, peak = 0, thr;
	sf_count_t got, pos = 0;
	int64_t below = 0, k = 0, gap;
	long long off[64];
	double worst = 0, last = 0, last_bar[64] = { 0 };
	int64_t worst_k = -1;
	bool far = false;

	if (argc < 4 || per_bar < 1 || per_bar > 64)
		die("usage: bench onsets FILE.wav BPM [BEATS_PER_BAR]");
	/* BPM as an exact fraction num/den */
	for (const char *p = argv[3]; *p; p++) {
		if (*p == '.' && !point) {
			point = true;
		} else if (*p >= '0' && *p <= '9' && num < 100000000) {
			num = num * 10 + (*p - '0');
			den *= point ? 10 : 1;
		} else {
			die("BPM: a plain decimal like 100.3");
		}
	}
	if (num == 0)
		die("BPM: not zero");
	sf = sf_open(argv[2], SFM_READ, &info);
	if (!sf)
		die(sf_strerror(NULL));
	buf = malloc(sizeof(float) * 65536 * (size_t)info.channels);
	if (!buf)
		die("out of memory");
	/* pass 1: peak */
	while ((got = sf_readf_float(sf, buf, 65536)) > 0)
		for (sf_count_t i = 0; i < got * info.channels; i++)
			if (fabsf(buf[i]) > peak)
				peak = fabsf(buf[i]);
	if (peak <= 0)
		die("silent file");
	thr = 0.1f * peak;
	gap = info.samplerate / 50;	/* 20 ms below the threshold before an onset */
	below = gap;
	sf_seek(sf, 0, SEEK_SET);
	/* pass 2: onsets */
	while ((got = sf_readf_float(sf, buf, 65536)) > 0) {
		for (sf_count_t i = 0; i < got; i++, pos++) {
			float a = 0;

			for (int c = 0; c < info.channels; c++)
				if (fabsf(buf[i * info.channels + c]) > a)
					a = fabsf(buf[i * info.channels + c]);
			if (a <= thr) {
				below++;
				continue;
			}
			if (below >= gap) {
				/* onset of beat k: exact frame k * 60 * den * rate / num */
				__int128 n = (__int128)k * 60 * den * info.samplerate;
				long double exact = (long double)(n / num) +
						    (long double)(n % num) / (long double)num;
				long double delta = (long double)pos - exact;
				int c = (int)(k % per_bar);
				double err;

				if (k < per_bar)
					off[c] = llroundl(delta);
				/* relative to the first onset, in whole frames */
				err = (double)(delta - off[0]);
				if (fabs(err) > 0.25 * 60.0 * info.samplerate * den / num)
					far = true;
				if (fabs(err) > fabs(worst)) {
					worst = err;
					worst_k = k;
				}
				last_bar[c] = err;
				last = err;
				k++;
			}
			below = 0;
		}
	}
	sf_close(sf);
	free(buf);
	{
		double lb = 0;

		for (int c = 0; c < per_bar; c++)
			lb += last_bar[c] / per_bar;
		printf("onsets %lld worst %.3f at_beat %lld last %.3f last_bar_mean %.3f frames %lld offsets",
		       (long long)k, fabs(worst), (long long)worst_k, last, lb, (long long)pos);
		for (int c = 0; c < per_bar && c < k; c++)
			printf(" %lld", off[c]);
		printf("%s\n", far ? " WARNING_onset_far_from_beat" : "");
	}
	return 0;
}

/* ---- bench callback ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * `bench callback CYCLES [groove FILE | song FILE BPM]`: with music, the
 * same cycles with a FluidSynth groove or a Rubber Band song under the
 * cues (the song on a ramp, so that it is stretched all the time).
 */
static int cmd_callback(int argc, char **argv)
{
	const double rate = 48000;
	const uint32_t n = 64;
	long cycles = argc > 2 ? atol(argv[2]) : 300000;
	struct ras_synth *synth = NULL;
	struct ras_song *song = NULL;
	char err[512];
	float data[48000], l[64], r[64];
	struct ras_sound *snd;
	struct ras_schedule *s;
	struct ras_engine *e;
	struct ras_meter m;
	struct ras_beat b;
	uint64_t *ns, t0, bulk, timer;
	double sum = 0, period_ns = 1e9 * n / rate;
	bool rt, locked;
	long over = 0;

	if (cycles < 1000)
		die("usage: bench callback [CYCLES >= 1000]");
	/* A 1 s decaying 880 Hz tone: at 240 bpm four voices always overlap. */
	for (int i = 0; i < 48000; i++)
		data[i] = 0.45f * expf(-2.0f * i / 48000.0f) * sinf(2 * (float)M_PI * 880 * i / 48000);
	snd = ras_sound_from(data, 48000, rate);
	ras_meter_default(&m);
	s = ras_tempomap_constant(&m, 240);
	if (argc > 4 && strcmp(argv[3], "groove") == 0) {
		struct ras_midi *mid;

		if (ras_midi_load(argv[4], &mid, err, sizeof(err)) ||
		    ras_synth_new(mid, rate, NULL, &synth, err, sizeof(err)))
			die(err);
		ras_midi_free(mid);
		bench_music = ras_synth_source(synth);
		ras_schedule_free(s);
		s = ras_tempomap_constant(&m, 110);
	} else if (argc > 5 && strcmp(argv[3], "song") == 0) {
		struct ras_song_grid g = { .bpm = atof(argv[5]) };

		song = ras_song_load(argv[4], rate, &g, err, sizeof(err));
		if (!song || ras_song_set_loop(song, true))
			die(song ? "the song holds no whole beat" : err);
		bench_music = ras_song_source(song);
		/* 80 to 130 bpm over 60 s, then 130: stretched all along. */
		ras_schedule_free(s);
		s = ras_tempomap_ramp(&m, 80, 130, 60);
	} else if (argc > 3) {
		die("usage: bench callback CYCLES [groove FILE | song FILE BPM]");
	}
	if (!snd || !s)
		die("out of memory");
	e = new_engine(rate, s, snd);
	ns = malloc(sizeof(*ns) * (size_t)cycles);
	if (!ns)
		die("out of memory");
	/* As JACK runs it: real-time priority and locked memory, when allowed. */
	rt = sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 10 }) == 0;
	locked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
	memset(ns, 0, sizeof(*ns) * (size_t)cycles);
	/* warm up 2 s: the voices fill up */
	for (int i = 0; i < 2 * 48000 / 64; i++)
		ras_engine_process(e, l, r, n);
	while (ras_engine_next_beat(e, &b))
		;
	for (long i = 0; i < cycles; i++) {
		t0 = ns_now();
		ras_engine_process(e, l, r, n);
		ns[i] = ns_now() - t0;
		if ((i & 63) == 0)
			while (ras_engine_next_beat(e, &b))
				;
		/*
		 * With music, paced like JACK: the rest of the period asleep. A
		 * busy loop at SCHED_FIFO would run into the kernel's real-time
		 * throttling (50 ms in every second) and time that instead.
		 */
		if (bench_music) {
			struct timespec ts = { 0, (long)(period_ns - (double)ns[i]) };

			if (ts.tv_nsec > 0)
				nanosleep(&ts, NULL);
		}
	}
	/* the same cycles without a timer around each: the mean cost */
	t0 = ns_now();
	for (long i = 0; i < cycles; i++) {
		ras_engine_process(e, l, r, n);
		if ((i & 63) == 0)
			while (ras_engine_next_beat(e, &b))
				;
	}
	bulk = ns_now() - t0;
	if (rt)
		sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ .sched_priority = 0 });
	if (locked)
		munlockall();
	/* the timer's own cost */
	t0 = ns_now();
	for (long i = 0; i < cycles; i++)
		(void)ns_now();
	timer = (ns_now() - t0) / (uint64_t)cycles;
	for (long i = 0; i < cycles; i++)
		sum += (double)ns[i];
	qsort(ns, (size_t)cycles, sizeof(*ns), cmp_u64);
	for (long i = 0; i < cycles; i++)
		over += ns[i] > (uint64_t)period_ns;
	printf("callback cycles %ld median_ns %llu mean_ns %.1f bulk_mean_ns %.1f p99_ns %llu p999_ns %llu max_ns %llu over_period %ld timer_ns %llu sched_fifo %s mlock %s period_ns %.0f median_pct %.4f bulk_pct %.4f p99_pct %.4f\n",
	       cycles, (unsigned long long)ns[cycles / 2], sum / (double)cycles,
	       (double)bulk / (double)cycles, (unsigned long long)ns[cycles * 99 / 100],
	       (unsigned long long)ns[cycles / 1000 * 999], (unsigned long long)ns[cycles - 1],
	       over, (unsigned long long)timer, rt ? "yes" : "no", locked ? "yes" : "no", period_ns,
	       100.0 * (double)ns[cycles / 2] / period_ns,
	       100.0 * (double)bulk / (double)cycles / period_ns,
	       100.0 * (double)ns[cycles * 99 / 100] / period_ns);
	free(ns);
	ras_engine_free(e);
	ras_sound_free(snd);
	ras_synth_free(synth);
	ras_song_free(song);
	return 0;
}

/* `bench cg CYCLES`: the callback loop alone, for callgrind --toggle-collect. */
static int cmd_cg(int argc, char **argv)
{
	long cycles = argc > 2 ? atol(argv[2]) : 10000;
	float data[48000], l[64], r[64];
	struct ras_sound *snd;
	struct ras_engine *e;
	struct ras_meter m;
	struct ras_beat b;

	for (int i = 0; i < 48000; i++)
		data[i] = 0.45f * expf(-2.0f * i / 48000.0f) * sinf(2 * (float)M_PI * 880 * i / 48000);
	snd = ras_sound_from(data, 48000, 48000);
	ras_meter_default(&m);
	e = new_engine(48000, ras_tempomap_constant(&m, 240), snd);
	for (int i = 0; i < 2 * 48000 / 64; i++)
		ras_engine_process(e, l, r, 64);
	for (long i = 0; i < cycles; i++) {
		ras_engine_process(e, l, r, 64);
		while (ras_engine_next_beat(e, &b))
			;
	}
	ras_engine_free(e);
	ras_sound_free(snd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "beats") == 0)
		return cmd_beats(argc, argv);
	if (argc > 1 && strcmp(argv[1], "onsets") == 0)
		return cmd_onsets(argc, argv);
	if (argc > 1 && strcmp(argv[1], "callback") == 0)
		return cmd_callback(argc, argv);
	if (argc > 1 && strcmp(argv[1], "cg") == 0)
		return cmd_cg(argc, argv);
	fprintf(stderr, "usage: bench beats|onsets|callback|cg ...\n");
	return 2;
}

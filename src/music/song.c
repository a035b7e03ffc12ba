/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <aubio/aubio.h>
#include <errno.h>
#include <math.h>
#include <rubberband/rubberband-c.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/song.h"

#define FEED_MAX 1024		/* input frames per process() call */
#define FIFO_CAP 16384		/* retrieved output waiting for the engine */
#define DISC_MAX 1024		/* discard scratch */
#define PREROLL_S 0.1		/* a re-seek sounds this long after it is decided */
#define FADE_S 0.01
#define RESEEK_S 0.05		/* a larger error re-seeks */
#define CORR_S 0.1		/* time constant of the phase correction (song time) */
#define CORR_MAX 0.05		/* most the correction changes the ratio, relative */
#define TAIL_MAX 2048
#define ONGRID_S 0.02		/* an onset this close to a grid point is on it */
#define ONGRID_MIN 0.35		/* a steady beat has onsets on this many grid points */

enum song_state { SONG_IDLE, SONG_RUNNING, SONG_ENDED };

struct ras_song {
	float *l, *r;			/* the song, stereo at the engine rate */
	int64_t frames;
	double rate;
	double bpm, offset;
	struct ras_song_fit fit;
	bool loop;
	int64_t loop_first;		/* frame of beat 0 (rounded) */
	double loop_len;		/* frames in the loop: a whole number of beats */

	RubberBandState rb;
	unsigned lag;			/* input frames a ratio takes to apply */
	enum song_state state;
	int64_t in_pos;			/* virtual frame of the next input (loops unrolled) */
	long double promised;		/* engine frame where virtual frame in_pos - lag sounds */
	double ratio;
	int64_t discard;		/* start delay still to drop */
	int64_t out_end;		/* engine frame after the last output retrieved */
	int64_t fade_at;		/* fade in from this frame; INT64_MIN: none */
	uint32_t fade;			/* frames */
	float *fl, *fr;			/* retrieved output, oldest first */
	uint32_t fcount;
	float *il, *ir, *dl, *dr;	/* input and discard scratch */
	float tl[TAIL_MAX], tr[TAIL_MAX];	/* fading out what sounded before a seek */
	uint32_t tail_n, tail_pos;

	struct ras_music_source src;
};

/* Engine frame (unrounded) where virtual song frame v sounds. */
static long double vframe(const struct ras_song *s, const struct ras_music_clock *c, long double v)
{
	long double mb = (v / s->rate - s->offset) * s->bpm / 60.0L;

	return ras_schedule_time_at(c->sched, c->start_phase + mb) * c->rate;
}

/* Virtual song frame that belongs at engine frame f. */
static long double vpos(const struct ras_song *s, const struct ras_music_clock *c, int64_t f)
{
	long double mb = ras_music_phase(c, f) - c->start_phase;

	return (mb * 60.0L / s->bpm + s->offset) * s->rate;
}

static int64_t loop_bound(const struct ras_song *s, int64_t k)
{
	return s->loop_first + llround(k * s->loop_len);
}

/* Copy len song frames from virtual frame v: loops unrolled, zeros outside. */
static void gather(struct ras_song *s, int64_t v, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		int64_t vv = v + done, x = vv, run = len - done;

		if (s->loop && vv >= s->loop_first) {
			int64_t k = (int64_t)floor((vv - s->loop_first) / s->loop_len);

			/* rounding puts the boundaries; floor may be one off them */
			if (vv < loop_bound(s, k))
				k--;
			else if (vv >= loop_bound(s, k + 1))
				k++;
			x = s->loop_first + vv - loop_bound(s, k);
			if (loop_bound(s, k + 1) - vv < run)
				run = loop_bound(s, k + 1) - vv;
		} else if (s->loop && s->loop_first - vv < run) {
			run = s->loop_first - vv;
		}
		if (x < 0 || x >= s->frames) {
			if (x < 0 && -x < run)
				run = -x;
			memset(s->il + done, 0, run * sizeof(float));
			memset(s->ir + done, 0, run * sizeof(float));
		} else {
			if (s->frames - x < run)
				run = s->frames - x;
			memcpy(s->il + done, s->l + x, run * sizeof(float));
			memcpy(s->ir + done, s->r + x, run * sizeof(float));
		}
		done += run;
	}
}

static void consume(struct ras_song *s, uint32_t k)
{
	s->fcount -= k;
	memmove(s->fl, s->fl + k, s->fcount * sizeof(float));
	memmove(s->fr, s->fr + k, s->fcount * sizeof(float));
}

/* What is sounding fades out over the next few frames instead of cutting. */
static void fade_out(struct ras_song *s)
{
	uint32_t n = s->fcount < s->fade ? s->fcount : s->fade;

	if (s->state != SONG_RUNNING || !n)
		return;
	for (uint32_t i = 0; i < n; i++) {
		float g = 1.0f - (float)(i + 1) / (float)(n + 1);

		s->tl[i] = s->fl[i] * g;
		s->tr[i] = s->fr[i] * g;
	}
	s->tail_n = n;
	s->tail_pos = 0;
}

static double ratio_at(const struct ras_song *s, const struct ras_music_clock *c, int64_t v)
{
	long double a = vframe(s, c, v), b = vframe(s, c, v + 1024);
	double r = (double)((b - a) / 1024);

	return isfinite(r) && r > 0.1 && r < 10 ? r : s->ratio;
}

/* Start the song afresh so that virtual frame vpos(fs) sounds at engine frame fs. */
static void seek(struct ras_song *s, const struct ras_music_clock *c, int64_t fs, bool fade)
{
	long double v = vpos(s, c, fs);
	int64_t vs;
	unsigned pad;

	if (!isfinite(v))
		return;
	vs = llroundl(v);
	if (!s->loop && vs >= s->frames) {
		s->state = SONG_ENDED;
		return;
	}
	rubberband_reset(s->rb);
	s->ratio = ratio_at(s, c, vs);
	rubberband_set_time_ratio(s->rb, s->ratio);
	pad = rubberband_get_preferred_start_pad(s->rb);
	s->discard = rubberband_get_start_delay(s->rb);
	/* The pad is the song before vs, not silence: the stretcher's first
	 * output then already has its context. */
	s->in_pos = vs - pad;
	s->promised = (long double)fs - (long double)(pad + s->lag) * s->ratio;
	s->out_end = fs;
	s->fcount = 0;
	s->fade_at = fade ? fs : INT64_MIN;
	s->state = SONG_RUNNING;
}

/* Feed one piece of input at the ratio that lands it where the schedule
 * wants it, and collect what comes out. */
static void step(struct ras_song *s, const struct ras_music_clock *c)
{
	unsigned req = rubberband_get_samples_required(s->rb);
	uint32_t len = req > FEED_MAX ? FEED_MAX : req ? req : 256;
	long double a = (long double)(s->in_pos - s->lag);
	long double fa = vframe(s, c, a), fb = vframe(s, c, a + len);
	double r = s->ratio;
	int av;

	if (isfinite(fa) && isfinite(fb) && fb > fa) {
		long double nom = (fb - fa) / len;
		long double corr = -(s->promised - fa) / (CORR_S * s->rate);

		if (corr > CORR_MAX * nom)
			corr = CORR_MAX * nom;
		if (corr < -CORR_MAX * nom)
			corr = -CORR_MAX * nom;
		r = (double)(nom + corr);
		if (r < 0.125)
			r = 0.125;
		if (r > 8)
			r = 8;
	}
	/* Every set_time_ratio() costs the stretcher some rounding: a
	 * needless one each step drifts 15 frames a second at a constant
	 * tempo. */
	if (fabs(r - s->ratio) > 1e-6 * r) {
		rubberband_set_time_ratio(s->rb, r);
		s->ratio = r;
	}
	r = s->ratio;
	gather(s, s->in_pos, len);
	{
		const float *in[2] = { s->il, s->ir };

		rubberband_process(s->rb, in, len, 0);
	}
	s->in_pos += len;
	s->promised += (long double)len * r;
	while ((av = rubberband_available(s->rb)) > 0) {
		uint32_t got;

		if (s->discard > 0) {
			float *out[2] = { s->dl, s->dr };
			uint32_t k = av < s->discard ? (uint32_t)av : (uint32_t)s->discard;

			got = rubberband_retrieve(s->rb, out, k > DISC_MAX ? DISC_MAX : k);
			s->discard -= got;
		} else {
			float *out[2] = { s->fl + s->fcount, s->fr + s->fcount };
			uint32_t room = FIFO_CAP - s->fcount;

			if (!room)
				break;
			got = rubberband_retrieve(s->rb, out, (uint32_t)av < room ? (uint32_t)av : room);
			s->fcount += got;
			s->out_end += got;
		}
		if (!got)
			break;
	}
}

static void song_reset(void *ctx, const struct ras_music_clock *c)
{
	struct ras_song *s = ctx;

	(void)c;
	fade_out(s);
	s->state = SONG_IDLE;
}

/* Idle: start at music beat 0 when it is near, or in place (faded in) past it. */
static void start(struct ras_song *s, const struct ras_music_clock *c, int64_t f, int64_t f0)
{
	int64_t pre = (int64_t)(PREROLL_S * c->rate);

	if (f0 >= f) {
		if (f0 - f <= pre)
			seek(s, c, f0, false);
	} else {
		seek(s, c, f + pre, true);
	}
}

static void song_render(void *ctx, const struct ras_music_clock *c, float *l, float *r,
			uint32_t n)
{
	struct ras_song *s = ctx;
	int64_t f = c->frame, end = f + n, f0, head, stop = INT64_MAX;
	long double te;
	uint32_t i0, k;

	if (s->tail_n) {
		uint32_t m = s->tail_n - s->tail_pos < n ? s->tail_n - s->tail_pos : n;

		for (uint32_t i = 0; i < m; i++) {
			l[i] += s->tl[s->tail_pos + i];
			r[i] += s->tr[s->tail_pos + i];
		}
		s->tail_pos += m;
		if (s->tail_pos >= s->tail_n)
			s->tail_n = 0;
	}
	if (!isfinite(ras_music_phase(c, f))) {
		/* past a finite schedule: silence, and a fresh start if it comes back */
		fade_out(s);
		s->state = SONG_IDLE;
		return;
	}
	te = ras_schedule_end_time(c->sched);
	if (!ras_schedule_open(c->sched))
		stop = ras_time_to_frame(te, c->rate);
	f0 = ras_music_frame(c, 0);
	if (s->state == SONG_RUNNING) {
		long double a = (long double)(s->in_pos - s->lag);
		long double e = s->promised - vframe(s, c, a);

		/* a jump: the schedule moved under us (pause, reset, a new start) */
		if (!isfinite(e) || fabsl(e) > RESEEK_S * c->rate) {
			fade_out(s);
			s->state = SONG_IDLE;
		}
	}
	if (s->state == SONG_IDLE)
		start(s, c, f, f0);
	if (s->state == SONG_RUNNING && !s->loop) {
		long double fe = vframe(s, c, (long double)s->frames);

		if (isfinite(fe) && f > fe + c->rate * 0.5) {
			s->state = SONG_ENDED;
			s->fcount = 0;
		}
	}
	if (s->state != SONG_RUNNING)
		return;
	for (int guard = 0; s->out_end < end && guard < 256; guard++)
		step(s, c);
	/* Priming after a seek is spread over the calls before it sounds. */
	if (s->discard > 0)
		step(s, c);
	head = s->out_end - s->fcount;
	if (head < f) {
		uint32_t drop = f - head < s->fcount ? (uint32_t)(f - head) : s->fcount;

		consume(s, drop);
		head += drop;
	}
	if (head < f || head >= end)
		return;
	i0 = (uint32_t)(head - f);
	k = n - i0 < s->fcount ? n - i0 : s->fcount;
	for (uint32_t i = i0; i < i0 + k; i++) {
		int64_t fr = f + i;
		const float *pl = s->fl + (i - i0), *pr = s->fr + (i - i0);
		float g = 1.0f;

		if (fr < f0 || fr >= stop)
			continue;
		if (s->fade_at != INT64_MIN && fr - s->fade_at < s->fade)
			g = fr < s->fade_at ? 0.0f : (float)(fr - s->fade_at) / (float)s->fade;
		l[i] += *pl * g;
		r[i] += *pr * g;
	}
	consume(s, k);
}

/* ---- loading ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Least squares t = a + b * j over the pairs with |t - (a0 + b0 j)| < tol. */
static int fit_line(const double *j, const double *t, int n, double *a, double *b, double tol)
{
	double sj = 0, st = 0, sjj = 0, sjt = 0;
	int m = 0;

	for (int i = 0; i < n; i++) {
		if (fabs(t[i] - (*a + *b * j[i])) >= tol)
			continue;
		sj += j[i];
		st += t[i];
		sjj += j[i] * j[i];
		sjt += j[i] * t[i];
		m++;
	}
	if (m < 2 || m * sjj - sj * sj <= 0)
		return m;
	*b = (m * sjt - sj * st) / (m * sjj - sj * sj);
	*a = (st - *b * sj) / m;
	return m;
}

/* Times (s) of aubio's beats or onsets over the mono song. */
static int track(const float *mono, int64_t n, double rate, bool beats, double **out, int *count)
{
	uint_t hop = beats ? 512 : 128, win = beats ? 1024 : 512;
	aubio_tempo_t *t = NULL;
	aubio_onset_t *o = NULL;
	fvec_t *in = new_fvec(hop), *res = new_fvec(2);
	int cap = 1024, m = 0, ret = 0;
	double *v = malloc(cap * sizeof(double));

	if (beats)
		t = new_aubio_tempo("default", win, hop, (uint_t)rate);
	else
		o = new_aubio_onset("default", win, hop, (uint_t)rate);
	if (!in || !res || !v || (!t && !o)) {
		ret = -ENOMEM;
		goto out;
	}
	for (int64_t i = 0; i + hop <= n; i += hop) {
		double when;

		memcpy(in->data, mono + i, hop * sizeof(float));
		if (t) {
			aubio_tempo_do(t, in, res);
			when = aubio_tempo_get_last_s(t);
		} else {
			aubio_onset_do(o, in, res);
			when = aubio_onset_get_last_s(o);
		}
		if (res->data[0] == 0)
			continue;
		if (m == cap) {
			double *w = realloc(v, 2 * cap * sizeof(double));

			if (!w) {
				ret = -ENOMEM;
				goto out;
			}
			v = w;
			cap *= 2;
		}
		v[m++] = when;
	}
	*out = v;
	*count = m;
	v = NULL;
out:
	free(v);
	if (t)
		del_aubio_tempo(t);
	if (o)
		del_aubio_onset(o);
	if (in)
		del_fvec(in);
	if (res)
		del_fvec(res);
	return ret;
}

static double nearest(const double *v, int n, double x)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || (lo > 0 && x - v[lo - 1] < v[lo] - x))
		lo--;
	return v[lo];
}

/*
 * The grid: the tracker's beats give the period (median interval) and a
 * least-squares line through them; onsets near the line's points then fix
 * it to the attacks (the tracker's beats sit on a 512-frame hop).
 */
static int find_grid(struct ras_song *s, const float *mono, const char *path, char *err,
		     size_t errlen)
{
	double *bt = NULL, *on = NULL, *iv = NULL, *jj = NULL, *tt = NULL;
	double a, b, dur = s->frames / s->rate, sq = 0;
	int nb = 0, no = 0, m, ret, pts = 0, hits = 0;

	ret = track(mono, s->frames, s->rate, true, &bt, &nb);
	if (!ret)
		ret = track(mono, s->frames, s->rate, false, &on, &no);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	ret = -EINVAL;
	if (nb < 8 || no < 8) {
		snprintf(err, errlen,
			 "%s: no steady beat found (%d beats, %d onsets); give --music-bpm and --music-offset",
			 path, nb, no);
		goto out;
	}
	iv = malloc((nb + no) * sizeof(double));
	jj = malloc((nb + no) * sizeof(double));
	tt = malloc((nb + no) * sizeof(double));
	if (!iv || !jj || !tt) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (int i = 1; i < nb; i++)
		iv[i - 1] = bt[i] - bt[i - 1];
	qsort(iv, nb - 1, sizeof(double), cmp_double);
	b = iv[(nb - 1) / 2];
	a = bt[0];
	for (int i = 0; i < nb; i++) {
		jj[i] = round((bt[i] - bt[0]) / b);
		tt[i] = bt[i];
	}
	/* twice: the first fit may still lean on outliers */
	fit_line(jj, tt, nb, &a, &b, b / 4);
	m = fit_line(jj, tt, nb, &a, &b, b / 8);
	for (int i = 0; i < nb; i++) {
		double d = tt[i] - (a + b * jj[i]);

		if (fabs(d) < b / 8)
			sq += d * d;
	}
	s->fit.tracked = true;
	s->fit.beats = m;
	s->fit.rms_ms = m ? 1e3 * sqrt(sq / m) : NAN;
	/* onsets on the grid points between the first and last onset */
	{
		int n = 0;
		double lo = on[0] - ONGRID_S, hi = on[no - 1] + ONGRID_S;
		long j0 = (long)ceil((lo - a) / b), j1 = (long)floor((hi - a) / b);

		for (long j = j0; j <= j1; j++) {
			double g = a + b * j, o = nearest(on, no, g);

			pts++;
			if (fabs(o - g) < ONGRID_S) {
				hits++;
				jj[n] = (double)j;
				tt[n] = o;
				iv[n++] = o - g;
			}
		}
		s->fit.on_grid = pts ? (double)hits / pts : 0;
		if (m < 8 || m < nb * 0.6 || s->fit.on_grid < ONGRID_MIN || hits < 8) {
			snprintf(err, errlen,
				 "%s: no steady beat found (%d of %d tracked beats on a grid, onsets on %.0f%% of its beats); give --music-bpm and --music-offset",
				 path, m, nb, 100 * s->fit.on_grid);
			goto out;
		}
		qsort(iv, n, sizeof(double), cmp_double);
		a += iv[n / 2];
		fit_line(jj, tt, n, &a, &b, 0.015);
	}
	if (!(b > 60.0 / RAS_BPM_MAX && b < 60.0 / RAS_BPM_MIN)) {
		snprintf(err, errlen, "%s: beat tracking gave %.1f bpm; give --music-bpm", path,
			 60 / b);
		goto out;
	}
	s->bpm = 60 / b;
	/* beat 0: the grid point nearest the first sound */
	s->offset = a + b * ceil((on[0] - b / 4 - a) / b);
	if (s->offset < 0)
		s->offset += b * ceil(-s->offset / b);
	if (s->offset >= dur) {
		snprintf(err, errlen, "%s: no beat within the song", path);
		goto out;
	}
	ret = 0;
out:
	free(bt);
	free(on);
	free(iv);
	free(jj);
	free(tt);
	return ret;
}

/* Read, mix to stereo, resample: s->l, s->r, s->frames. */
static int read_audio(struct ras_song *s, const char *path, char *err, size_t errlen)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	float *buf = NULL, *st = NULL, *res = NULL;
	sf_count_t got;
	int64_t n;
	int ret = -EINVAL;

	if (!sf) {
		FILE *f = fopen(path, "rb");

		if (!f) {
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			return -ENOENT;
		}
		fclose(f);
		snprintf(err, errlen, "%s: not an audio file libsndfile can read (%s)", path,
			 sf_strerror(NULL));
		return -EINVAL;
	}
	if (info.frames <= 0 || info.channels < 1 || info.samplerate < 1000) {
		snprintf(err, errlen, "%s: empty or invalid audio (%lld frames, %d channels, %d Hz)",
			 path, (long long)info.frames, info.channels, info.samplerate);
		goto out;
	}
	if ((double)info.frames / info.samplerate > RAS_SONG_SECONDS_MAX) {
		snprintf(err, errlen, "%s: %.0f s long; a song may last at most %.0f s", path,
			 (double)info.frames / info.samplerate, RAS_SONG_SECONDS_MAX);
		goto out;
	}
	buf = malloc((size_t)info.frames * info.channels * sizeof(float));
	st = malloc((size_t)info.frames * 2 * sizeof(float));
	if (!buf || !st) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	got = sf_readf_float(sf, buf, info.frames);
	if (got <= 0) {
		ret = -EIO;
		snprintf(err, errlen, "%s: cannot read audio data (%s)", path, sf_strerror(sf));
		goto out;
	}
	/* mono to both sides; more than two: even channels left, odd right */
	for (sf_count_t i = 0; i < got; i++) {
		float sum[2] = { 0, 0 };
		int cnt[2] = { 0, 0 };

		for (int ch = 0; ch < info.channels; ch++) {
			float x = buf[i * info.channels + ch];

			sum[ch & 1] += isfinite(x) ? x : 0;
			cnt[ch & 1]++;
		}
		st[2 * i] = sum[0] / cnt[0];
		st[2 * i + 1] = cnt[1] ? sum[1] / cnt[1] : st[2 * i];
	}
	n = got;
	if ((double)info.samplerate != s->rate) {
		SRC_DATA d = {
			.data_in = st,
			.input_frames = got,
			.src_ratio = s->rate / info.samplerate,
		};
		int e;

		d.output_frames = (long)ceil(got * d.src_ratio) + 16;
		res = malloc((size_t)d.output_frames * 2 * sizeof(float));
		if (!res) {
			ret = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		d.data_out = res;
		e = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 2);
		if (e) {
			ret = -EIO;
			snprintf(err, errlen, "%s: resampling failed: %s", path, src_strerror(e));
			goto out;
		}
		free(st);
		st = res;
		res = NULL;
		n = d.output_frames_gen;
	}
	s->l = malloc(n * sizeof(float));
	s->r = malloc(n * sizeof(float));
	if (!s->l || !s->r) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	float peak = 0;

	for (int64_t i = 0; i < n; i++) {
		s->l[i] = st[2 * i];
		s->r[i] = st[2 * i + 1];
		peak = fmaxf(peak, fmaxf(fabsf(s->l[i]), fabsf(s->r[i])));
	}
	s->frames = n;
	if (peak < 1e-4f) {
		snprintf(err, errlen, "%s: silent (nothing above -80 dBFS)", path);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	free(st);
	free(res);
	sf_close(sf);
	return ret;
}

/* Everything render() touches is made here. */
static int make_stretcher(struct ras_song *s)
{
	s->rb = rubberband_new((unsigned)s->rate, 2,
			       RubberBandOptionProcessRealTime | RubberBandOptionEngineFiner |
			       RubberBandOptionWindowShort | RubberBandOptionThreadingNever |
			       RubberBandOptionChannelsTogether, 1.0, 1.0);
	if (!s->rb)
		return -ENOMEM;
	rubberband_set_max_process_size(s->rb, FEED_MAX);
	/* A ratio acts on the input the stretcher analyses next, which lags
	 * what was fed: 5/8 of its latency put the beats of 20 s and 90 s
	 * ramps (either way) nearest the clock, within 2.7 ms; the whole
	 * latency leaves 7 ms after a 90 s ramp. */
	s->lag = rubberband_get_latency(s->rb) * 5 / 8;
	s->fl = malloc(FIFO_CAP * sizeof(float));
	s->fr = malloc(FIFO_CAP * sizeof(float));
	s->il = malloc(FEED_MAX * sizeof(float));
	s->ir = malloc(FEED_MAX * sizeof(float));
	s->dl = malloc(DISC_MAX * sizeof(float));
	s->dr = malloc(DISC_MAX * sizeof(float));
	if (!s->fl || !s->fr || !s->il || !s->ir || !s->dl || !s->dr)
		return -ENOMEM;
	s->fade = (uint32_t)(FADE_S * s->rate);
	if (s->fade > TAIL_MAX)
		s->fade = TAIL_MAX;
	if (s->fade < 1)
		s->fade = 1;
	s->ratio = 1.0;
	s->state = SONG_IDLE;
	s->src.render = song_render;
	s->src.reset = song_reset;
	s->src.ctx = s;
	return 0;
}

struct ras_song *ras_song_load(const char *path, double rate, const struct ras_song_grid *grid,
			       char *err, size_t errlen)
{
	struct ras_song *s = calloc(1, sizeof(*s));
	float *mono = NULL;
	int ret;

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	s->rate = rate;
	if (!(rate >= 8000 && rate <= 384000)) {
		snprintf(err, errlen, "%s: bad engine rate %g", path, rate);
		goto fail;
	}
	if (grid && !(grid->bpm >= RAS_BPM_MIN && grid->bpm <= RAS_BPM_MAX &&
		      isfinite(grid->offset) && grid->offset >= 0)) {
		snprintf(err, errlen, "%s: bad beat grid: %g bpm, first beat at %g s", path,
			 grid->bpm, grid->offset);
		goto fail;
	}
	if (read_audio(s, path, err, errlen))
		goto fail;
	if (grid) {
		s->bpm = grid->bpm;
		s->offset = grid->offset;
		s->fit.rms_ms = NAN;
		s->fit.on_grid = NAN;
		if (s->offset >= s->frames / rate) {
			snprintf(err, errlen, "%s: first beat at %g s, after the end (%.2f s)", path,
				 s->offset, s->frames / rate);
			goto fail;
		}
	} else {
		mono = malloc(s->frames * sizeof(float));
		if (!mono) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		for (int64_t i = 0; i < s->frames; i++)
			mono[i] = 0.5f * (s->l[i] + s->r[i]);
		ret = find_grid(s, mono, path, err, errlen);
		free(mono);
		if (ret)
			goto fail;
	}
	if (make_stretcher(s)) {
		snprintf(err, errlen, "%s: cannot make the time stretcher (out of memory)", path);
		goto fail;
	}
	return s;
fail:
	ras_song_free(s);
	return NULL;
}

void ras_song_free(struct ras_song *s)
{
	if (!s)
		return;
	if (s->rb)
		rubberband_delete(s->rb);
	free(s->l);
	free(s->r);
	free(s->fl);
	free(s->fr);
	free(s->il);
	free(s->ir);
	free(s->dl);
	free(s->dr);
	free(s);
}

int ras_song_grid(const struct ras_song *s, double *bpm, double *offset)
{
	if (bpm)
		*bpm = s->bpm;
	if (offset)
		*offset = s->offset;
	return 0;
}

int ras_song_fit(const struct ras_song *s, struct ras_song_fit *fit)
{
	*fit = s->fit;
	return 0;
}

double ras_song_seconds(const struct ras_song *s)
{
	return s->frames / s->rate;
}

int ras_song_set_loop(struct ras_song *s, bool loop)
{
	double beat = 60.0 / s->bpm * s->rate;
	double first = s->offset * s->rate;
	long beats = (long)floor((s->frames - ceil(first) - 1) / beat);

	if (loop && beats < 1)
		return -EINVAL;
	s->loop = loop;
	s->loop_first = llround(first);
	s->loop_len = beats * beat;
	s->state = SONG_IDLE;
	return 0;
}

bool ras_song_loops(const struct ras_song *s)
{
	return s->loop;
}

const struct ras_music_source *ras_song_source(struct ras_song *s)
{
	return &s->src;
}

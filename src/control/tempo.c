/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/tempo.h"

#define MIN_INTERVALS 2		/* before a cadence is believed */
#define HOLD_PERIODS 2.0	/* no step for this many step periods: walking stopped */
#define ALIGN_AHEAD 8		/* steps ahead the start in phase may aim at */
/*
 * Room in the copy of the schedule. When full it drops every section before
 * the one in force (as the engine's does, far more often): steps and beats
 * from before then can no longer be placed, so it should happen seldom:
 * entrain adds two sections a step, so every few minutes.
 */
#define COPY_SECTIONS 1024
#define EPS_BPM 1e-9
#define EPS_BEATS 1e-6

struct ras_tempo {
	struct ras_tempo_config cfg;
	struct ras_schedule *sched;	/* the engine's schedule, as our commands leave it */
	struct ras_schedule *src;	/* the source untouched: its own tempo changes */
	double t_prog;			/* program start, after the count-in */
	double base;			/* entrain's centre */
	double now;
	int64_t last_frame;		/* commands go out in frame order */
	double t_first_cmd;		/* from here on the source is cut off */
	double t_change;		/* end of our last tempo change */
	double nudge_end, nudge_tail;	/* our nudge in force, and the tempo after it */

	double last_step;
	enum ras_foot last_foot;
	double iv[RAS_TEMPO_WINDOW_MAX];
	int niv, iv_next;
	int run;			/* steps since walking (re)started */
	bool holding;

	bool want;			/* a step asks for a correction */
	double target, ramp_to;		/* follow */
	int within;
	bool locked;
	double nudge, async;		/* entrain */

	bool aligned;
	double align_end, align_step;

	uint64_t steps, commands, resyncs;
};

static const char *const names[] = { "fixed", "follow", "entrain" };

void ras_tempo_config_default(struct ras_tempo_config *cfg, enum ras_adapt mode)
{
	*cfg = (struct ras_tempo_config){
		.mode = mode,
		.rate = 48000,
		.lead_s = 0.05,
		.bpm_min = 40,
		.bpm_max = 180,
		.max_change_bpm_per_min = 300,
		.window = 4,
		.gain_up = 0.3,
		.gain_down = 0.5,
		.lock_steps = 4,
		.lock_tol_bpm = 2,
		.unlock_tol_bpm = 6,
		.k_phase = 0.1,
		.k_period = 0.1,
		.max_dev_pct = 20,
		.max_phase_beats = 0.1,
		.start_in_phase = mode == RAS_ADAPT_ENTRAIN,
		.start_steps = 4,
	};
}

int ras_adapt_from_name(const char *name, enum ras_adapt *mode)
{
	for (int i = 0; i < 3; i++) {
		if (name && !strcmp(name, names[i])) {
			*mode = (enum ras_adapt)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ras_adapt_name(enum ras_adapt mode)
{
	return mode >= RAS_ADAPT_FIXED && mode <= RAS_ADAPT_ENTRAIN ? names[mode] : "?";
}

static bool in(double x, double lo, double hi)
{
	return x >= lo && x <= hi;	/* false for NAN */
}

static bool config_ok(const struct ras_tempo_config *c)
{
	return c && in(c->mode, RAS_ADAPT_FIXED, RAS_ADAPT_ENTRAIN) &&
	       in(c->rate, 1000, 768000) && in(c->lead_s, 0, 10) && in(c->latency_s, 0, 10) &&
	       in(c->bpm_min, RAS_BPM_MIN, RAS_BPM_MAX) && in(c->bpm_max, c->bpm_min, RAS_BPM_MAX) &&
	       c->bpm_min < c->bpm_max && c->max_change_bpm_per_min > 0 &&
	       (c->base_bpm == 0 || in(c->base_bpm, c->bpm_min, c->bpm_max)) &&
	       in(c->window, MIN_INTERVALS, RAS_TEMPO_WINDOW_MAX) &&
	       in(c->gain_up, 1e-6, 1) && in(c->gain_down, 1e-6, 1) && c->lock_steps >= 1 &&
	       in(c->lock_tol_bpm, 0, 1000) && in(c->unlock_tol_bpm, c->lock_tol_bpm, 1000) &&
	       in(c->k_phase, 0, 1) && in(c->k_period, 0, 1) && in(c->max_dev_pct, 1e-6, 100) &&
	       in(c->max_phase_beats, 0, 0.5) && c->start_steps >= MIN_INTERVALS + 1;
}

static double end_bpm(const struct ras_section *s)
{
	switch (s->kind) {
	case RAS_SECTION_RAMP_TIME:
		return (double)(s->bpm0 + s->slope * (s->t_end - s->t0));
	case RAS_SECTION_RAMP_BEAT:
		return (double)(s->bpm0 + s->slope * (s->ph_end - s->ph0));
	default:
		return (double)s->bpm0;
	}
}

static bool ramping(const struct ras_section *s)
{
	return s->kind != RAS_SECTION_CONST && s->slope != 0;
}

int ras_tempo_check_source(const struct ras_tempo_config *cfg, const struct ras_schedule *source,
			   char *err, size_t errlen)
{
	double lim = cfg ? cfg->max_change_bpm_per_min : 0, last = 0, prev = NAN;

	if (!config_ok(cfg) || !source || ras_schedule_count(source) < 1) {
		snprintf(err, errlen, "bad tempo control settings");
		return -EINVAL;
	}
	for (int i = 0; i < ras_schedule_count(source); i++) {
		const struct ras_section *s = ras_schedule_section(source, i);
		double b0 = (double)s->bpm0, b1 = end_bpm(s), t0 = (double)s->t0;
		double lo = fmin(b0, b1), hi = fmax(b0, b1);

		if (!(lo >= cfg->bpm_min - EPS_BPM && hi <= cfg->bpm_max + EPS_BPM)) {
			snprintf(err, errlen, "tempo %.1f bpm at %.1f s is outside the limits %g..%g bpm",
				 lo < cfg->bpm_min ? lo : hi, t0, cfg->bpm_min, cfg->bpm_max);
			return -ERANGE;
		}
		if (i == 0)
			last = t0;
		/* A jump needs the time the limit would take to ramp it. */
		if (i > 0 && fabs(b0 - prev) > EPS_BPM) {
			if (fabs(b0 - prev) > lim * (t0 - last) / 60 + EPS_BPM) {
				snprintf(err, errlen,
					 "tempo jumps by %.1f bpm at %.1f s, %.1f s after the last change: over %g bpm per minute",
					 b0 - prev, t0, t0 - last, lim);
				return -ERANGE;
			}
			last = t0;
		}
		if (ramping(s)) {
			/* bpm per beat times beats per minute at the faster end */
			double slope = s->kind == RAS_SECTION_RAMP_TIME ? (double)s->slope * 60
									: (double)s->slope * hi;

			if (fabs(slope) > lim + EPS_BPM) {
				snprintf(err, errlen, "ramp at %.1f s changes %.1f bpm per minute: over %g",
					 t0, fabs(slope), lim);
				return -ERANGE;
			}
			last = (double)s->t_end;
		}
		prev = b1;
	}
	return 0;
}

struct ras_tempo *ras_tempo_new(const struct ras_tempo_config *cfg,
				const struct ras_schedule *source)
{
	struct ras_tempo *tc;
	char err[160];
	int ret = ras_tempo_check_source(cfg, source, err, sizeof(err));

	if (ret) {
		errno = -ret;
		return NULL;
	}
	tc = calloc(1, sizeof(*tc));
	if (!tc || !(tc->sched = ras_schedule_new(COPY_SECTIONS + ras_schedule_count(source))) ||
	    !(tc->src = ras_schedule_dup(source))) {
		ras_tempo_free(tc);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < ras_schedule_count(source); i++)
		ras_schedule_append_copy(tc->sched, ras_schedule_section(source, i), 0, 0);
	tc->cfg = *cfg;
	/* The program starts where the count-in ends, as in the engine. */
	tc->t_prog = (double)ras_schedule_section(source, 0)->t0;
	for (int i = 0; i < ras_schedule_count(source); i++) {
		const struct ras_section *s = ras_schedule_section(source, i);

		if (!s->meter.countin)
			break;
		tc->t_prog = (double)s->t_end;
	}
	tc->base = cfg->base_bpm > 0 ? cfg->base_bpm
				     : (double)ras_schedule_tempo_at(source, tc->t_prog);
	tc->last_frame = INT64_MIN;
	tc->t_first_cmd = INFINITY;
	tc->t_change = -INFINITY;
	tc->nudge_end = -INFINITY;
	tc->last_step = NAN;
	tc->last_foot = RAS_FOOT_NONE;
	tc->target = NAN;
	tc->ramp_to = NAN;
	tc->async = NAN;
	tc->align_end = -INFINITY;
	tc->align_step = NAN;
	return tc;
}

int ras_tempo_set_latency(struct ras_tempo *tc, double latency_s)
{
	if (!(latency_s >= 0 && latency_s <= 10))
		return -EINVAL;
	tc->cfg.latency_s = latency_s;
	return 0;
}

void ras_tempo_free(struct ras_tempo *tc)
{
	if (!tc)
		return;
	ras_schedule_free(tc->sched);
	ras_schedule_free(tc->src);
	free(tc);
}

/* The engine's own conversion, so the copy splits where the engine does. */
static long double frame_time(const struct ras_tempo *tc, int64_t frame)
{
	return (long double)frame / tc->cfg.rate;
}

/* The tempo in force at t with our nudge left out. */
static double underlying(const struct ras_tempo *tc, long double t)
{
	if ((double)t < tc->nudge_end)
		return tc->nudge_tail;
	return (double)ras_schedule_tempo_at(tc->sched, t);
}

static int apply(struct ras_tempo *tc, const struct ras_cmd *c)
{
	long double t = frame_time(tc, c->frame);
	double before = underlying(tc, t);
	int err;

	switch (c->kind) {
	case RAS_CMD_TEMPO:
		err = ras_schedule_change(tc->sched, t, c->value);
		break;
	case RAS_CMD_RAMP:
		err = ras_schedule_ramp(tc->sched, t, c->value, c->seconds);
		break;
	case RAS_CMD_NUDGE:
		err = ras_schedule_nudge(tc->sched, t, c->value, c->seconds);
		break;
	default:
		return 0;
	}
	if (err)
		return err;
	/* Any of them drops what the source had planned after t. */
	if (tc->t_first_cmd > (double)t)
		tc->t_first_cmd = (double)t;
	if (c->kind == RAS_CMD_NUDGE) {
		tc->nudge_end = (double)t + c->seconds;
	} else {
		if (tc->nudge_end > (double)t)
			tc->nudge_end = (double)t;
		/* Ending a nudge at the tempo it would return to is no change. */
		if (c->kind == RAS_CMD_RAMP || fabs(c->value - before) > EPS_BPM)
			tc->t_change = (double)t + (c->kind == RAS_CMD_RAMP ? c->seconds : 0);
	}
	return 0;
}

/* Latest time <= t the source changed tempo (t itself inside a ramp). */
static double source_change(const struct ras_schedule *s, double t)
{
	double last = (double)ras_schedule_section(s, 0)->t0, prev = NAN;

	for (int i = 0; i < ras_schedule_count(s); i++) {
		const struct ras_section *sec = ras_schedule_section(s, i);

		if ((double)sec->t0 > t)
			break;
		if (i > 0 && fabs((double)sec->bpm0 - prev) > EPS_BPM)
			last = (double)sec->t0;
		if (ramping(sec)) {
			if (t < (double)sec->t_end)
				return t;
			last = (double)sec->t_end;
		}
		prev = end_bpm(sec);
	}
	return last;
}

static double last_change(const struct ras_tempo *tc, double t)
{
	return fmax(tc->t_change, source_change(tc->src, fmin(t, tc->t_first_cmd)));
}

static double median_interval(const struct ras_tempo *tc)
{
	double v[RAS_TEMPO_WINDOW_MAX];
	int n = tc->niv;

	if (n < 1)
		return NAN;
	for (int i = 0; i < n; i++) {
		double x = tc->iv[i];
		int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double cadence(const struct ras_tempo *tc)
{
	return tc->niv >= MIN_INTERVALS ? 60 / median_interval(tc) : NAN;
}

static double hold_after(const struct ras_tempo *tc)
{
	double iv = median_interval(tc);

	return HOLD_PERIODS * (isnan(iv) ? 60 / tc->cfg.bpm_min : iv);
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static void follow_step(struct ras_tempo *tc, double t, double c)
{
	const struct ras_tempo_config *cfg = &tc->cfg;
	double g;

	if (isnan(tc->target))
		tc->target = underlying(tc, t);
	if (tc->locked && fabs(c - tc->target) <= cfg->unlock_tol_bpm)
		return;
	tc->locked = false;
	g = c > tc->target ? cfg->gain_up : cfg->gain_down;
	tc->target = clamp(tc->target + g * (c - tc->target), cfg->bpm_min, cfg->bpm_max);
	tc->within = fabs(c - tc->target) <= cfg->lock_tol_bpm ? tc->within + 1 : 0;
	if (tc->within >= cfg->lock_steps) {
		/* Lock on the cadence itself, not on the lagging average. */
		tc->locked = true;
		tc->target = clamp(c, cfg->bpm_min, cfg->bpm_max);
	}
	tc->want = true;
}

static void entrain_step(struct ras_tempo *tc, double t)
{
	const struct ras_tempo_config *cfg = &tc->cfg;
	long double ts = t - cfg->latency_s;	/* on the schedule's clock */
	long double p = ras_schedule_phase_at(tc->sched, ts), n = roundl(p);
	double e = (double)(p - n), v;

	/* Before the copy's first section (dropped when it filled): unknown. */
	if (isnan(e) || ts < ras_schedule_section(tc->sched, 0)->t0)
		return;
	tc->async = (double)(ts - ras_schedule_time_at(tc->sched, n));
	/* phi = theta_step - theta_beat; a step after its beat holds the beat back */
	v = cfg->k_phase * sin(-2 * M_PI * e) / (2 * M_PI);
	tc->nudge = clamp(tc->nudge + v, -cfg->max_phase_beats, cfg->max_phase_beats);
	tc->want = true;
}

void ras_tempo_step(struct ras_tempo *tc, double t, enum ras_foot foot)
{
	double d = t - tc->last_step;

	tc->steps++;
	if (d > hold_after(tc)) {
		/* Walking starts again: the pause is no interval. */
		tc->niv = 0;
		tc->iv_next = 0;
		tc->run = 0;
		tc->aligned = false;
		tc->want = false;
		tc->nudge = 0;
	} else if (d > 0) {
		/* Two strikes of one foot: the other foot's went unseen. */
		if (foot != RAS_FOOT_NONE && foot == tc->last_foot)
			d /= 2;
		tc->iv[tc->iv_next] = d;
		tc->iv_next = (tc->iv_next + 1) % tc->cfg.window;
		if (tc->niv < tc->cfg.window)
			tc->niv++;
	}
	tc->last_step = t;
	tc->last_foot = foot;
	tc->run++;
	tc->holding = false;
	if (t < tc->t_prog || t < tc->align_end)
		return;
	if (tc->cfg.mode == RAS_ADAPT_FOLLOW && tc->niv >= MIN_INTERVALS)
		follow_step(tc, t, cadence(tc));
	else if (tc->cfg.mode == RAS_ADAPT_ENTRAIN && (tc->aligned || !tc->cfg.start_in_phase))
		entrain_step(tc, t);
}

void ras_tempo_beat(struct ras_tempo *tc, const struct ras_beat *b)
{
	const struct ras_section *first = ras_schedule_section(tc->sched, 0);
	long double t, d;

	/* Beats before the copy's first section were compacted away. */
	if (!first || (long double)b->index < first->ph0)
		return;
	t = ras_schedule_time_at(tc->sched, (long double)b->index);
	d = (long double)b->time - t;
	/* A command the engine applied late: move the copy onto the engine. */
	if (!isnan(d) && fabsl(d) * tc->cfg.rate > 0.5L) {
		ras_schedule_shift(tc->sched, d, 0);
		tc->resyncs++;
	}
}

static int emit(struct ras_tempo *tc, struct ras_cmd *out, enum ras_cmd_kind kind, int64_t frame,
		double value, double seconds)
{
	*out = (struct ras_cmd){ .kind = kind, .frame = frame, .value = value, .seconds = seconds };
	if (apply(tc, out))
		return 0;
	tc->last_frame = frame;
	tc->commands++;
	return 1;
}

/* Shrink a nudge so the tempo it runs at keeps the limits. */
static double nudge_limit(const struct ras_tempo *tc, double bpm, double v, double secs)
{
	double fast = clamp(bpm + 60 * v / secs, tc->cfg.bpm_min, tc->cfg.bpm_max);

	return (fast - bpm) * secs / 60;
}

/*
 * D-Jogger's start in phase: nudge so that a beat is heard on a predicted
 * step, the first one the nudge can reach without the tempo leaving the
 * deviation limit.
 */
static int align(struct ras_tempo *tc, int64_t frame, struct ras_cmd *out)
{
	const struct ras_tempo_config *cfg = &tc->cfg;
	long double t = frame_time(tc, frame);
	double bpm = underlying(tc, t), iv = median_interval(tc);
	double fast_max = fmin(cfg->bpm_max, bpm * (1 + cfg->max_dev_pct / 100));
	double slow_min = fmax(cfg->bpm_min, bpm * (1 - cfg->max_dev_pct / 100));
	long double p0 = ras_schedule_phase_at(tc->sched, t);

	for (int m = 1; m <= ALIGN_AHEAD; m++) {
		double step = tc->last_step + m * iv;
		long double tau = step - cfg->latency_s;
		long double p = p0 + (tau - t) * bpm / 60;
		double f = (double)(p - roundl(p)), best = INFINITY, v = 0;
		int n = 0;

		if (tau <= t)
			continue;
		/* Later by f beats or earlier by 1 - f: whichever is quicker. */
		for (int dir = 0; dir < 2; dir++) {
			double w = dir ? (f > 0 ? 1 - f : -1 - f) : -f;
			double room = w > 0 ? fast_max - bpm : bpm - slow_min;
			double secs = fmax(30 / bpm, room > 0 ? 60 * fabs(w) / room : INFINITY);

			if (secs < best) {
				best = secs;
				v = w;
			}
		}
		if (fabs(v) < EPS_BEATS) {
			tc->aligned = true;
			tc->align_step = step;
			return 0;
		}
		if ((double)(tau - t) < best + 0.1 * iv)
			continue;
		if (t < tc->nudge_end)
			n += emit(tc, out + n, RAS_CMD_TEMPO, frame, bpm, 0);
		tc->nudge_tail = bpm;
		if (!emit(tc, out + n, RAS_CMD_NUDGE, frame, v, best))
			return n;
		/* Nothing else moves the beat before it lands on the step. */
		tc->aligned = true;
		tc->align_end = (double)tau;
		tc->align_step = step;
		tc->nudge = 0;
		/* The nudge froze any ramp in force: follow must go on afresh. */
		tc->ramp_to = NAN;
		tc->want = !isnan(tc->target);
		return n + 1;
	}
	return 0;
}

static int follow_poll(struct ras_tempo *tc, int64_t frame, struct ras_cmd *out)
{
	const struct ras_tempo_config *cfg = &tc->cfg;
	long double t = frame_time(tc, frame);
	double to = clamp(tc->target, cfg->bpm_min, cfg->bpm_max), from = underlying(tc, t);
	double secs;

	if (isnan(to) || fabs(to - tc->ramp_to) < EPS_BPM)
		return 0;
	/* Glide over a step at least; never steeper than the limit. */
	secs = fmax(median_interval(tc), 60 * fabs(to - from) / cfg->max_change_bpm_per_min);
	if (!emit(tc, out, RAS_CMD_RAMP, frame, to, fmax(secs, 1e-3)))
		return 0;
	tc->ramp_to = to;
	return 1;
}

static int entrain_poll(struct ras_tempo *tc, int64_t frame, struct ras_cmd *out)
{
	const struct ras_tempo_config *cfg = &tc->cfg;
	long double t = frame_time(tc, frame);
	double cur = underlying(tc, t), c = cadence(tc), bpm = cur, v = tc->nudge, secs;
	int n = 0;

	tc->nudge = 0;
	if (!isnan(c)) {
		double dev = tc->base * cfg->max_dev_pct / 100;
		double lo = fmax(cfg->bpm_min, tc->base - dev), hi = fmin(cfg->bpm_max, tc->base + dev);
		double want = clamp(cur + cfg->k_period * (c - cur), lo, hi);
		double room = cfg->max_change_bpm_per_min * ((double)t - last_change(tc, t)) / 60;

		bpm = cur + clamp(want - cur, -room, room);
		tc->target = want;
	}
	/* A nudge still running would leave its fast tempo behind the next. */
	if (fabs(bpm - cur) > EPS_BPM || (fabs(v) > EPS_BEATS && (double)t < tc->nudge_end)) {
		if (!emit(tc, out + n++, RAS_CMD_TEMPO, frame, bpm, 0))
			return 0;
	}
	secs = 30 / bpm;	/* half a beat: done before the next step comes */
	v = nudge_limit(tc, bpm, v, secs);
	if (fabs(v) > EPS_BEATS) {
		tc->nudge_tail = bpm;
		n += emit(tc, out + n, RAS_CMD_NUDGE, frame, v, secs);
	}
	return n;
}

int ras_tempo_poll(struct ras_tempo *tc, double now, struct ras_cmd *out, int max)
{
	int64_t frame;

	if (max < RAS_TEMPO_CMD_MAX)
		return -EINVAL;
	tc->now = now;
	if (now - tc->last_step > hold_after(tc))
		tc->holding = true;
	if (tc->cfg.mode == RAS_ADAPT_FIXED || now < tc->t_prog)
		return 0;
	frame = (int64_t)ceil((now + tc->cfg.lead_s) * tc->cfg.rate - 1e-6);
	if (frame < tc->last_frame)
		frame = tc->last_frame;
	if (tc->cfg.start_in_phase && !tc->aligned && !tc->holding && tc->run >= tc->cfg.start_steps &&
	    tc->niv >= MIN_INTERVALS)
		return align(tc, frame, out);
	if (!tc->want || (double)frame_time(tc, frame) < tc->align_end)
		return 0;
	tc->want = false;
	if (tc->cfg.mode == RAS_ADAPT_FOLLOW)
		return follow_poll(tc, frame, out);
	return entrain_poll(tc, frame, out);
}

void ras_tempo_sent(struct ras_tempo *tc, const struct ras_cmd *cmd)
{
	struct ras_cmd c = *cmd;

	if (c.frame < 0)
		c.frame = (int64_t)ceil(tc->now * tc->cfg.rate - 1e-6);
	/* The engine's queue keeps order: it waits behind our last command. */
	if (c.frame < tc->last_frame)
		c.frame = tc->last_frame;
	if (c.kind == RAS_CMD_NUDGE)
		tc->nudge_tail = underlying(tc, frame_time(tc, c.frame));
	if (!apply(tc, &c)) {
		if (c.frame > tc->last_frame)
			tc->last_frame = c.frame;
		/* Follow heads for its target afresh from the new tempo. */
		tc->ramp_to = NAN;
	}
}

void ras_tempo_status(const struct ras_tempo *tc, struct ras_tempo_status *st)
{
	*st = (struct ras_tempo_status){
		.mode = tc->cfg.mode,
		.locked = tc->locked,
		.holding = tc->holding,
		.aligning = tc->now < tc->align_end,
		.tempo_bpm = (double)ras_schedule_tempo_at(tc->sched, tc->now),
		.target_bpm = tc->cfg.mode == RAS_ADAPT_FIXED ? NAN : tc->target,
		.cadence_spm = cadence(tc),
		.asynchrony_s = tc->async,
		.align_step_s = tc->align_step,
		.steps = tc->steps,
		.commands = tc->commands,
		.resyncs = tc->resyncs,
	};
}

bool ras_tempo_locked(const struct ras_tempo *tc)
{
	return tc->locked;
}

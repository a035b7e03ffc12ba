/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/engine.h"
#include "rasbeat/limiter.h"
#include "rasbeat/spsc.h"

#define CMD_QUEUE 256
#define BEAT_QUEUE 8192
#define VOICES_MAX 256
#define DUCK_MAX 64	/* accented cues in one block: more wait for the next */

struct voice {
	const float *data;
	uint32_t frames, pos;
	uint32_t start;		/* offset in the current block */
	float gl, gr;
	bool active;
	uint64_t serial;	/* age, for stealing the oldest */
};

struct ras_engine {
	struct ras_engine_config cfg;
	struct ras_schedule *sched;
	struct ras_spsc *cmds, *beats;
	struct ras_limiter lim;

	bool running, paused;
	int every;		/* run-time fading override: 1, 2, 0 */
	int64_t frame;		/* first frame of the next block */
	long double k0;		/* first phase after the count-in */
	long double k0time;	/* and its time */

	/* The next tick: beat k, subdivision j of sub. */
	int64_t k;
	int j, sub, hint;
	bool ended;		/* no tick left in the schedule */
	int64_t end_frame;	/* where the schedule ends; done after it and the tails */
	int64_t tick_frame;
	long double tick_t;
	bool gate;		/* beat k passed the gates: its subdivisions may sound */

	bool have_pending;
	struct ras_cmd pending;

	struct voice *voice;
	uint64_t serial;

	/* Music and bed: what they render goes through buf, then under the cues. */
	struct music_slot {
		const struct ras_music_source *src;
		float gain, level;	/* level: the fade, 0..1 */
		bool live;		/* rendered last time (else reset first) */
		bool duck;
	} slot[2];
	float *buf_l, *buf_r;
	float fade_step;		/* level change a frame */
	int64_t duck_at[DUCK_MAX];	/* accented cues in this block */
	int nduck;
	int64_t duck_last;		/* the last one before */
	uint32_t duck_attack, duck_hold, duck_release;

	_Atomic int64_t frame_pub;
	atomic_bool done;
	atomic_uint_fast64_t dropped, rejected;
	_Atomic float peak;
};

void ras_engine_config_default(struct ras_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rate = 48000;
	for (int i = 0; i < RAS_PART_COUNT; i++)
		cfg->gain[i] = 1.0f;
	cfg->gain[RAS_PART_SUB] = ras_db_to_gain(-6);
	cfg->gain[RAS_PART_COUNTIN] = 0.66f;	/* klick's pre-roll level */
	cfg->master = 1.0f;
	cfg->ceiling = ras_db_to_gain(-1);
	cfg->voices = 32;
	cfg->first_foot = RAS_FOOT_LEFT;
	cfg->pan = 0.8f;
	cfg->fade_half = -1;
	cfg->fade_silent = -1;
	cfg->music_gain = 1.0f;
	cfg->bed_gain = 1.0f;
	cfg->duck = 1.0f;
	cfg->click = true;
}

static void find_tick(struct ras_engine *e);

struct ras_engine *ras_engine_new(const struct ras_engine_config *cfg,
				  struct ras_schedule *sched)
{
	struct ras_engine *e = NULL;

	if (!cfg || !sched || !(cfg->rate >= 1000 && cfg->rate <= 768000) ||
	    !cfg->sound[RAS_PART_NORMAL] || cfg->voices < 1 || cfg->voices > VOICES_MAX ||
	    !(cfg->ceiling > 0 && cfg->ceiling <= 1) || ras_schedule_count(sched) < 1 ||
	    !(cfg->duck > 0 && cfg->duck <= 1) || !(cfg->music_gain >= 0 && cfg->music_gain <= 16) ||
	    !(cfg->bed_gain >= 0 && cfg->bed_gain <= 16)) {
		errno = EINVAL;
		goto fail;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		goto fail;
	e->cfg = *cfg;
	for (int i = 0; i < RAS_PART_COUNT; i++)
		if (!e->cfg.sound[i])
			e->cfg.sound[i] = cfg->sound[RAS_PART_NORMAL];
	e->sched = sched;
	e->cmds = ras_spsc_new(sizeof(struct ras_cmd), CMD_QUEUE);
	e->beats = ras_spsc_new(sizeof(struct ras_beat), BEAT_QUEUE);
	e->voice = calloc((size_t)cfg->voices, sizeof(*e->voice));
	if (cfg->music || cfg->bed) {
		e->buf_l = calloc(RAS_MUSIC_BLOCK_MAX, sizeof(float));
		e->buf_r = calloc(RAS_MUSIC_BLOCK_MAX, sizeof(float));
	}
	if (!e->cmds || !e->beats || !e->voice || ((cfg->music || cfg->bed) && (!e->buf_l || !e->buf_r))) {
		ras_engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	ras_limiter_init(&e->lim, cfg->ceiling, 0.080, cfg->rate);
	e->every = 1;
	e->slot[0] = (struct music_slot){ .src = cfg->music, .gain = cfg->music_gain, .duck = true };
	e->slot[1] = (struct music_slot){ .src = cfg->bed, .gain = cfg->bed_gain };
	e->fade_step = (float)(1.0 / (RAS_MUSIC_FADE_S * cfg->rate));
	e->duck_last = INT64_MIN / 2;
	e->duck_attack = (uint32_t)lround(0.005 * cfg->rate);
	e->duck_hold = (uint32_t)lround(0.080 * cfg->rate);
	e->duck_release = (uint32_t)lround(0.200 * cfg->rate);
	for (int i = 0; i < ras_schedule_count(sched); i++) {
		const struct ras_section *s = ras_schedule_section(sched, i);

		if (!s->meter.countin)
			break;
		e->k0 = s->ph_end;
		e->k0time = s->t_end;
	}
	e->k = (int64_t)ceill(ras_schedule_section(sched, 0)->ph0);
	find_tick(e);
	return e;
fail:
	ras_schedule_free(sched);
	return NULL;
}

void ras_engine_free(struct ras_engine *e)
{
	if (!e)
		return;
	ras_spsc_free(e->cmds);
	ras_spsc_free(e->beats);
	ras_schedule_free(e->sched);
	free(e->voice);
	free(e->buf_l);
	free(e->buf_r);
	free(e);
}

static long double floor_mod(long double a, long double m)
{
	long double r = fmodl(a, m);

	return r < 0 ? r + m : r;
}

/* Whether beat k sounds, after pattern, fading, gaps and pause. */
static bool beat_gate(const struct ras_engine *e, const struct ras_section *s, long double t)
{
	const struct ras_meter *m = &s->meter;
	long double rel = (long double)e->k - e->k0;
	int every = m->every;

	if (e->paused)
		return false;
	if (m->countin)
		return true;
	if (e->cfg.fade_silent >= 0 && t >= e->k0time + e->cfg.fade_silent)
		every = 0;
	else if (e->cfg.fade_half >= 0 && t >= e->k0time + e->cfg.fade_half && every)
		every = 2;
	if (e->every == 0 || (e->every == 2 && every))
		every = e->every;
	if (every == 0 || (every == 2 && floor_mod(rel, 2) != 0))
		return false;
	if (e->cfg.gap_play > 0 && e->cfg.gap_mute > 0) {
		long double bar = floorl(rel / m->beats);

		if (floor_mod(bar, e->cfg.gap_play + e->cfg.gap_mute) >= e->cfg.gap_play)
			return false;
	}
	return true;
}

/* Locate the next tick (beat k, subdivision j) and its frame. */
static void find_tick(struct ras_engine *e)
{
	const struct ras_section *s;
	long double x = (long double)e->k;
	int i;

	if (e->j > 0)
		x += (long double)e->j / e->sub;
	i = ras_schedule_find_phase(e->sched, x, e->hint);
	if (i < 0) {
		e->ended = true;
		e->tick_frame = INT64_MAX;
		e->end_frame = ras_time_to_frame(ras_schedule_end_time(e->sched), e->cfg.rate);
		return;
	}
	e->hint = i;
	s = ras_schedule_section(e->sched, i);
	if (e->j == 0)
		e->sub = s->meter.sub;
	e->tick_t = ras_section_time_at(s, x);
	e->tick_frame = ras_time_to_frame(e->tick_t, e->cfg.rate);
}

static void mix_voice(struct voice *v, float *l, float *r, uint32_t from, uint32_t to)
{
	uint32_t m = to - from, left = v->frames - v->pos;
	const float *src = v->data + v->pos;

	if (m > left)
		m = left;
	for (uint32_t i = 0; i < m; i++) {
		l[from + i] += src[i] * v->gl;
		r[from + i] += src[i] * v->gr;
	}
	v->pos += m;
	if (v->pos >= v->frames)
		v->active = false;
}

static void start_voice(struct ras_engine *e, enum ras_part part, float gain,
			enum ras_foot foot, uint32_t off, float *l, float *r)
{
	const struct ras_sound *snd = e->cfg.sound[part];
	struct voice *v = NULL;

	for (int i = 0; i < e->cfg.voices; i++) {
		struct voice *c = &e->voice[i];

		if (!c->active) {
			v = c;
			break;
		}
		if (!v || c->serial < v->serial)
			v = c;
	}
	/* Stealing the oldest voice: let it sound up to the new onset. */
	if (v->active && off > v->start)
		mix_voice(v, l, r, v->start, off);
	v->data = snd->data;
	v->frames = snd->frames;
	v->pos = 0;
	v->start = off;
	v->gl = v->gr = gain;
	if (foot == RAS_FOOT_LEFT)
		v->gr *= 1.0f - e->cfg.pan;
	else if (foot == RAS_FOOT_RIGHT)
		v->gl *= 1.0f - e->cfg.pan;
	v->active = snd->frames > 0;
	v->serial = ++e->serial;
}

static void fire_tick(struct ras_engine *e, uint32_t off, float *l, float *r)
{
	const struct ras_section *s = ras_schedule_section(e->sched, e->hint);
	float gain = e->cfg.master * s->meter.gain;

	if (e->j == 0) {
		struct ras_beat b = {
			.index = e->k,
			.frame = e->tick_frame,
			.time = (double)e->tick_t,
			.tempo = (double)ras_section_tempo_at(s, e->tick_t),
			.bar_beat = (double)floor_mod((long double)e->k - s->bar_origin, s->meter.beats),
			.countin = s->meter.countin,
			.foot = RAS_FOOT_NONE,
		};
		enum ras_part part;

		b.accent = s->meter.pattern[(int)b.bar_beat % RAS_METER_MAX];
		e->gate = beat_gate(e, s, e->tick_t);
		b.audible = e->gate && b.accent != RAS_BEAT_SILENT;
		if (e->cfg.alternate && !b.countin)
			b.foot = (enum ras_foot)(((int64_t)floorl((long double)e->k - e->k0) +
						  e->cfg.first_foot) & 1);
		part = b.countin ? RAS_PART_COUNTIN :
		       b.accent == RAS_BEAT_ACCENT ? RAS_PART_ACCENT : RAS_PART_NORMAL;
		if (b.audible && e->cfg.click)
			start_voice(e, part, gain * e->cfg.gain[part], b.foot, off, l, r);
		if (b.audible && e->cfg.click && part == RAS_PART_ACCENT && e->cfg.duck < 1 &&
		    e->nduck < DUCK_MAX)
			e->duck_at[e->nduck++] = e->tick_frame;
		if (!ras_spsc_push(e->beats, &b))
			atomic_fetch_add_explicit(&e->dropped, 1, memory_order_relaxed);
	} else if (e->gate && e->cfg.click) {
		start_voice(e, RAS_PART_SUB, gain * e->cfg.gain[RAS_PART_SUB],
			    RAS_FOOT_NONE, off, l, r);
	}
	if (++e->j >= e->sub) {
		e->j = 0;
		e->k++;
	}
	find_tick(e);
}

static void apply(struct ras_engine *e, const struct ras_cmd *c, int64_t frame)
{
	long double t = (long double)frame / e->cfg.rate;
	int err = 0;

	switch (c->kind) {
	case RAS_CMD_START:
		e->running = true;
		return;
	case RAS_CMD_TEMPO:
		err = ras_schedule_change(e->sched, t, c->value);
		break;
	case RAS_CMD_RAMP:
		err = ras_schedule_ramp(e->sched, t, c->value, c->seconds);
		break;
	case RAS_CMD_NUDGE:
		err = ras_schedule_nudge(e->sched, t, c->value, c->seconds);
		break;
	case RAS_CMD_PAUSE:
		e->paused = true;
		return;
	case RAS_CMD_RESUME:
		e->paused = false;
		return;
	case RAS_CMD_EVERY:
		if (c->value == 0 || c->value == 1 || c->value == 2)
			e->every = (int)c->value;
		else
			err = -EINVAL;
		break;
	case RAS_CMD_SOUND:
		/* Sounding voices keep their own data pointer: no cut-off. */
		if (c->part < 0 || c->part >= RAS_PART_COUNT || !c->sound) {
			err = -EINVAL;
			break;
		}
		e->cfg.sound[c->part] = c->sound;
		return;
	case RAS_CMD_GAIN:
		if (!(c->value >= 0 && c->value <= 16)) {
			err = -EINVAL;
			break;
		}
		e->cfg.master = (float)c->value;
		return;
	case RAS_CMD_SIDE:
		if (c->value == -1) {
			e->cfg.alternate = false;
		} else if (c->value == 0 || c->value == 1) {
			e->cfg.alternate = true;
			e->cfg.first_foot = (enum ras_foot)c->value;
			e->cfg.pan = 1;
		} else {
			err = -EINVAL;
			break;
		}
		return;
	}
	if (err) {
		atomic_fetch_add_explicit(&e->rejected, 1, memory_order_relaxed);
		return;
	}
	/* The schedule may have been compacted: look the tick up afresh. */
	e->hint = 0;
	if (!e->ended)
		find_tick(e);
}

/* Where the music's fade heads at time t: it follows the cues' pause and fading. */
static float music_target(const struct ras_engine *e, long double t)
{
	int every = e->every;

	if (e->paused || (e->ended && e->frame >= e->end_frame))
		return 0;
	if (e->cfg.fade_silent >= 0 && t >= e->k0time + e->cfg.fade_silent)
		every = 0;
	else if (e->cfg.fade_half >= 0 && t >= e->k0time + e->cfg.fade_half && every)
		every = 2;
	return every == 0 ? 0.0f : every == 2 ? 0.5f : 1.0f;
}

/* The ducking envelope at frame f, from the latest accented cue at or before it. */
static float duck_gain(const struct ras_engine *e, int64_t f, int *next)
{
	int64_t at = e->duck_last, d;
	float depth = 1.0f - e->cfg.duck;

	while (*next < e->nduck && e->duck_at[*next] <= f)
		(*next)++;
	if (*next > 0)
		at = e->duck_at[*next - 1];
	d = f - at;
	if (d < 0 || d >= (int64_t)(e->duck_attack + e->duck_hold + e->duck_release))
		return 1.0f;
	if (d < e->duck_attack)
		return 1.0f - depth * (float)d / (float)e->duck_attack;
	if (d < e->duck_attack + e->duck_hold)
		return e->cfg.duck;
	d -= e->duck_attack + e->duck_hold;
	return e->cfg.duck + depth * (float)d / (float)e->duck_release;
}

/*
 * Music and bed for frames [from, to) of the block, under the schedule as it
 * is for them: rendered a chunk at a time, faded, ducked, added to out.
 */
static void mix_music(struct ras_engine *e, float *out_l, float *out_r, uint32_t from, uint32_t to)
{
	float target = music_target(e, (long double)(e->frame + from) / e->cfg.rate);

	for (int s = 0; s < 2; s++) {
		struct music_slot *m = &e->slot[s];

		if (!m->src)
			continue;
		for (uint32_t at = from; at < to;) {
			uint32_t n = to - at < RAS_MUSIC_BLOCK_MAX ? to - at : RAS_MUSIC_BLOCK_MAX;
			struct ras_music_clock c = { .sched = e->sched, .rate = e->cfg.rate,
						     .frame = e->frame + at, .start_phase = e->k0 };
			int next = 0;

			if (m->level == 0 && target == 0) {
				m->live = false;	/* silent: skip, reset when it comes back */
				break;
			}
			if (!m->live && m->src->reset)
				m->src->reset(m->src->ctx, &c);
			m->live = true;
			memset(e->buf_l, 0, n * sizeof(float));
			memset(e->buf_r, 0, n * sizeof(float));
			m->src->render(m->src->ctx, &c, e->buf_l, e->buf_r, n);
			for (uint32_t i = 0; i < n; i++) {
				float g;

				if (m->level < target)
					m->level = fminf(target, m->level + e->fade_step);
				else if (m->level > target)
					m->level = fmaxf(target, m->level - e->fade_step);
				g = m->gain * m->level;
				if (m->duck && e->cfg.duck < 1)
					g *= duck_gain(e, e->frame + at + i, &next);
				out_l[at + i] += e->buf_l[i] * g;
				out_r[at + i] += e->buf_r[i] * g;
			}
			at += n;
		}
	}
}

/* Apply every command due at `frame`; keep the first later one pending. */
static void take_commands(struct ras_engine *e, int64_t frame)
{
	for (;;) {
		if (!e->have_pending) {
			if (!ras_spsc_pop(e->cmds, &e->pending))
				return;
			e->have_pending = true;
		}
		/* In order: a later command holds back the ones behind it. */
		if (e->pending.frame > frame)
			return;
		e->have_pending = false;
		apply(e, &e->pending, frame);
	}
}

int ras_engine_process(struct ras_engine *e, float *out_l, float *out_r, uint32_t n)
{
	uint32_t pos = 0;

	memset(out_l, 0, n * sizeof(float));
	memset(out_r, 0, n * sizeof(float));
	take_commands(e, e->frame);
	if (!e->running)
		return 0;

	while (pos < n) {
		uint32_t end = n;

		if (e->have_pending && e->pending.frame < e->frame + n)
			end = (uint32_t)(e->pending.frame - e->frame);
		while (e->tick_frame < e->frame + end) {
			int64_t off = e->tick_frame - e->frame;

			fire_tick(e, off < pos ? pos : (uint32_t)off, out_l, out_r);
		}
		if (e->buf_l)
			mix_music(e, out_l, out_r, pos, end);
		pos = end;
		if (pos < n)
			take_commands(e, e->frame + pos);
	}

	bool sounding = e->slot[0].level > 0 || e->slot[1].level > 0;

	if (e->nduck)
		e->duck_last = e->duck_at[e->nduck - 1];
	e->nduck = 0;
	for (int i = 0; i < e->cfg.voices; i++) {
		struct voice *v = &e->voice[i];

		if (!v->active)
			continue;
		mix_voice(v, out_l, out_r, v->start, n);
		v->start = 0;
		sounding |= v->active;
	}
	float peak = ras_limiter_process(&e->lim, out_l, out_r, n);

	if (peak > atomic_load_explicit(&e->peak, memory_order_relaxed))
		atomic_store_explicit(&e->peak, peak, memory_order_relaxed);
	e->frame += n;
	atomic_store_explicit(&e->frame_pub, e->frame, memory_order_release);
	/* A map lasts to the end of its last beat, not just its last onset. */
	if (e->ended && !sounding && e->frame >= e->end_frame)
		atomic_store_explicit(&e->done, true, memory_order_release);
	return 0;
}

int ras_engine_send(struct ras_engine *e, const struct ras_cmd *cmd)
{
	return ras_spsc_push(e->cmds, cmd) ? 0 : -EAGAIN;
}

bool ras_engine_next_beat(struct ras_engine *e, struct ras_beat *beat)
{
	return ras_spsc_pop(e->beats, beat);
}

int64_t ras_engine_frame(const struct ras_engine *e)
{
	return atomic_load_explicit(&((struct ras_engine *)e)->frame_pub, memory_order_acquire);
}

bool ras_engine_done(const struct ras_engine *e)
{
	return atomic_load_explicit(&((struct ras_engine *)e)->done, memory_order_acquire);
}

uint64_t ras_engine_dropped(const struct ras_engine *e)
{
	return atomic_load_explicit(&((struct ras_engine *)e)->dropped, memory_order_relaxed);
}

uint64_t ras_engine_rejected(const struct ras_engine *e)
{
	return atomic_load_explicit(&((struct ras_engine *)e)->rejected, memory_order_relaxed);
}

float ras_engine_peak(const struct ras_engine *e)
{
	return atomic_load_explicit(&((struct ras_engine *)e)->peak, memory_order_relaxed);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/schedule.h"

struct ras_schedule {
	int count, capacity;
	struct ras_section sec[];
};

struct ras_schedule *ras_schedule_new(int capacity)
{
	struct ras_schedule *s;

	if (capacity < 1)
		capacity = 1;
	s = calloc(1, sizeof(*s) + (size_t)capacity * sizeof(s->sec[0]));
	if (s)
		s->capacity = capacity;
	return s;
}

void ras_schedule_free(struct ras_schedule *s)
{
	free(s);
}

struct ras_schedule *ras_schedule_dup(const struct ras_schedule *s)
{
	size_t size = sizeof(*s) + (size_t)s->capacity * sizeof(s->sec[0]);
	struct ras_schedule *d = malloc(size);

	if (d)
		memcpy(d, s, size);
	return d;
}

void ras_meter_set_beats(struct ras_meter *m, int beats)
{
	m->beats = beats;
	memset(m->pattern, RAS_BEAT_NORMAL, sizeof(m->pattern));
	m->pattern[0] = RAS_BEAT_ACCENT;
}

void ras_meter_default(struct ras_meter *m)
{
	memset(m, 0, sizeof(*m));
	ras_meter_set_beats(m, 4);
	m->denom = 4;
	m->sub = 1;
	m->every = 1;
	m->gain = 1.0f;
}

static bool bpm_ok(double bpm)
{
	return isfinite(bpm) && bpm >= RAS_BPM_MIN && bpm <= RAS_BPM_MAX;
}

static bool meter_ok(const struct ras_meter *m)
{
	return m->beats >= 1 && m->beats <= RAS_METER_MAX && m->sub >= 1 &&
	       m->sub <= RAS_SCHEDULE_SUB_MAX && m->every >= 0 && m->every <= 2 &&
	       isfinite(m->gain) && m->gain >= 0;
}

/* Claim the next slot, positioned at the end of the schedule. */
static struct ras_section *append(struct ras_schedule *s, const struct ras_meter *m)
{
	struct ras_section *sec, *prev;

	if (!meter_ok(m))
		return NULL;
	if (s->count >= s->capacity) {
		errno = ENOSPC;
		return NULL;
	}
	prev = s->count ? &s->sec[s->count - 1] : NULL;
	if (prev && prev->open)
		return NULL;
	sec = &s->sec[s->count];
	memset(sec, 0, sizeof(*sec));
	sec->t0 = prev ? prev->t_end : 0;
	sec->ph0 = prev ? prev->ph_end : 0;
	/* Bars restart at every section boundary, as in klick. */
	sec->bar_origin = sec->ph0;
	sec->meter = *m;
	return sec;
}

static int finish(struct ras_schedule *s, struct ras_section *sec, double beats, double seconds)
{
	if (beats >= 0) {
		sec->ph_end = sec->ph0 + beats;
		sec->t_end = ras_section_time_at(sec, sec->ph_end);
	} else if (seconds >= 0) {
		sec->t_end = sec->t0 + seconds;
		sec->ph_end = ras_section_phase_at(sec, sec->t_end);
	} else {
		sec->t_end = INFINITY;
		sec->ph_end = INFINITY;
		sec->open = true;
	}
	s->count++;
	return 0;
}

#define APPEND_OR_FAIL(sec, s, m)                                   \
	do {                                                        \
		errno = EINVAL;                                     \
		(sec) = append((s), (m));                           \
		if (!(sec))                                         \
			return -errno;                              \
	} while (0)

int ras_schedule_add_const(struct ras_schedule *s, const struct ras_meter *m,
			   double bpm, double beats, double seconds)
{
	struct ras_section *sec;

	if (!bpm_ok(bpm) || isnan(beats) || isnan(seconds) || isinf(beats) || isinf(seconds))
		return -EINVAL;
	APPEND_OR_FAIL(sec, s, m);
	sec->kind = RAS_SECTION_CONST;
	sec->bpm0 = bpm;
	return finish(s, sec, beats, seconds);
}

int ras_schedule_add_ramp_beats(struct ras_schedule *s, const struct ras_meter *m,
				double bpm0, double bpm1, double beats)
{
	struct ras_section *sec;

	if (!bpm_ok(bpm0) || !bpm_ok(bpm1) || !(beats > 0) || isinf(beats))
		return -EINVAL;
	APPEND_OR_FAIL(sec, s, m);
	sec->kind = bpm0 == bpm1 ? RAS_SECTION_CONST : RAS_SECTION_RAMP_BEAT;
	sec->bpm0 = bpm0;
	sec->slope = ((long double)bpm1 - bpm0) / beats;
	return finish(s, sec, beats, -1);
}

int ras_schedule_add_ramp_time(struct ras_schedule *s, const struct ras_meter *m,
			       double bpm0, double bpm1, double seconds)
{
	struct ras_section *sec;

	if (!bpm_ok(bpm0) || !bpm_ok(bpm1) || !(seconds > 0) || isinf(seconds))
		return -EINVAL;
	APPEND_OR_FAIL(sec, s, m);
	sec->kind = bpm0 == bpm1 ? RAS_SECTION_CONST : RAS_SECTION_RAMP_TIME;
	sec->bpm0 = bpm0;
	sec->slope = ((long double)bpm1 - bpm0) / seconds;
	return finish(s, sec, -1, seconds);
}

int ras_schedule_append_copy(struct ras_schedule *s, const struct ras_section *sec,
			     long double seconds, long double beats)
{
	struct ras_section *d;

	if (s->count >= s->capacity)
		return -ENOSPC;
	d = &s->sec[s->count++];
	if (d != sec)
		*d = *sec;
	d->t0 += seconds;
	d->ph0 += beats;
	d->t_end += seconds;
	d->ph_end += beats;
	d->bar_origin += beats;
	return 0;
}

void ras_schedule_shift(struct ras_schedule *s, long double seconds, long double beats)
{
	int n = s->count;

	/* Re-append each section in place: one code path for the shift. */
	s->count = 0;
	for (int i = 0; i < n; i++)
		ras_schedule_append_copy(s, &s->sec[i], seconds, beats);
}

int ras_schedule_count(const struct ras_schedule *s)
{
	return s->count;
}

const struct ras_section *ras_schedule_section(const struct ras_schedule *s, int i)
{
	return i >= 0 && i < s->count ? &s->sec[i] : NULL;
}

long double ras_schedule_end_phase(const struct ras_schedule *s)
{
	return s->count ? s->sec[s->count - 1].ph_end : 0;
}

long double ras_schedule_end_time(const struct ras_schedule *s)
{
	return s->count ? s->sec[s->count - 1].t_end : 0;
}

bool ras_schedule_open(const struct ras_schedule *s)
{
	return s->count && s->sec[s->count - 1].open;
}

/*
 * Inside a section, with u = ph - ph0 and d = t - t0:
 *   CONST      u = bpm0 d / 60
 *   RAMP_TIME  u = (bpm0 d + slope d^2 / 2) / 60
 *              d = 120 u / (bpm0 + sqrt(bpm0^2 + 120 slope u))
 *              (the rationalised root: no cancellation when slope -> 0)
 *   RAMP_BEAT  dt/du = 60 / (bpm0 + slope u)
 *              d = 60 log1p(slope u / bpm0) / slope
 *              u = bpm0 expm1(slope d / 60) / slope
 */
long double ras_section_time_at(const struct ras_section *sec, long double ph)
{
	long double u = ph - sec->ph0;

	switch (sec->kind) {
	case RAS_SECTION_RAMP_TIME:
		return sec->t0 + 120.0L * u /
			(sec->bpm0 + sqrtl(sec->bpm0 * sec->bpm0 + 120.0L * sec->slope * u));
	case RAS_SECTION_RAMP_BEAT:
		return sec->t0 + 60.0L * log1pl(sec->slope * u / sec->bpm0) / sec->slope;
	case RAS_SECTION_CONST:
	default:
		return sec->t0 + 60.0L * u / sec->bpm0;
	}
}

long double ras_section_phase_at(const struct ras_section *sec, long double t)
{
	long double d = t - sec->t0;

	switch (sec->kind) {
	case RAS_SECTION_RAMP_TIME:
		return sec->ph0 + (sec->bpm0 * d + 0.5L * sec->slope * d * d) / 60.0L;
	case RAS_SECTION_RAMP_BEAT:
		return sec->ph0 + sec->bpm0 * expm1l(sec->slope * d / 60.0L) / sec->slope;
	case RAS_SECTION_CONST:
	default:
		return sec->ph0 + sec->bpm0 * d / 60.0L;
	}
}

long double ras_section_tempo_at(const struct ras_section *sec, long double t)
{
	long double d = t - sec->t0;

	switch (sec->kind) {
	case RAS_SECTION_RAMP_TIME:
		return sec->bpm0 + sec->slope * d;
	case RAS_SECTION_RAMP_BEAT:
		return sec->bpm0 * expl(sec->slope * d / 60.0L);
	case RAS_SECTION_CONST:
	default:
		return sec->bpm0;
	}
}

int ras_schedule_find_phase(const struct ras_schedule *s, long double ph, int hint)
{
	int i = hint >= 0 && hint < s->count ? hint : 0;

	if (!s->count || isnan(ph))
		return -1;
	while (i > 0 && ph < s->sec[i].ph0)
		i--;
	while (i < s->count && !s->sec[i].open && ph >= s->sec[i].ph_end)
		i++;
	return i < s->count ? i : -1;
}

int ras_schedule_find_time(const struct ras_schedule *s, long double t, int hint)
{
	int i = hint >= 0 && hint < s->count ? hint : 0;

	if (!s->count || isnan(t))
		return -1;
	while (i > 0 && t < s->sec[i].t0)
		i--;
	while (i < s->count && !s->sec[i].open && t >= s->sec[i].t_end)
		i++;
	return i < s->count ? i : -1;
}

long double ras_schedule_time_at(const struct ras_schedule *s, long double ph)
{
	int i = ras_schedule_find_phase(s, ph, 0);

	return i < 0 ? NAN : ras_section_time_at(&s->sec[i], ph);
}

long double ras_schedule_phase_at(const struct ras_schedule *s, long double t)
{
	int i = ras_schedule_find_time(s, t, 0);

	return i < 0 ? NAN : ras_section_phase_at(&s->sec[i], t);
}

long double ras_schedule_tempo_at(const struct ras_schedule *s, long double t)
{
	int i = ras_schedule_find_time(s, t, 0);

	return i < 0 ? NAN : ras_section_tempo_at(&s->sec[i], t);
}

/*
 * Cut the schedule at t and return the fresh section that starts there,
 * with `room` slots free from it on. When the array is short, sections that
 * ended before t are dropped: only the future is ever looked up again.
 */
static struct ras_section *split_at(struct ras_schedule *s, long double t, int room)
{
	int i = ras_schedule_find_time(s, t, 0);
	struct ras_section *cur, *next;
	long double ph;
	bool replace;

	if (i < 0)
		return NULL;
	replace = t <= s->sec[i].t0;	/* nothing of it has played */
	if (i + !replace + room > s->capacity) {
		if (!replace + room > s->capacity)
			return NULL;
		memmove(&s->sec[0], &s->sec[i], (size_t)(s->count - i) * sizeof(s->sec[0]));
		s->count -= i;
		i = 0;
	}
	cur = &s->sec[i];
	ph = ras_section_phase_at(cur, t);
	if (replace) {
		s->count = i;
	} else {
		cur->t_end = t;
		cur->ph_end = ph;
		cur->open = false;
		s->count = i + 1;
	}
	next = &s->sec[s->count];
	if (next != cur)
		*next = *cur;
	next->t0 = t;
	next->ph0 = ph;
	next->slope = 0;
	next->t_end = INFINITY;
	next->ph_end = INFINITY;
	next->open = true;
	return next;
}

int ras_schedule_change(struct ras_schedule *s, long double t, double bpm)
{
	struct ras_section *sec;

	if (!bpm_ok(bpm) || !isfinite(t))
		return -EINVAL;
	sec = split_at(s, t, 1);
	if (!sec)
		return -EINVAL;
	sec->kind = RAS_SECTION_CONST;
	sec->bpm0 = bpm;
	s->count++;
	return 0;
}

int ras_schedule_ramp(struct ras_schedule *s, long double t, double bpm, double seconds)
{
	struct ras_section *sec, *tail;
	long double from;

	if (!bpm_ok(bpm) || !isfinite(t) || !(seconds > 0) || isinf(seconds))
		return -EINVAL;
	from = ras_schedule_tempo_at(s, t);
	if (isnan(from))
		return -EINVAL;
	sec = split_at(s, t, 2);
	if (!sec)
		return -EINVAL;
	sec->kind = RAS_SECTION_RAMP_TIME;
	sec->bpm0 = from;
	sec->slope = ((long double)bpm - from) / seconds;
	sec->t_end = t + seconds;
	sec->ph_end = ras_section_phase_at(sec, sec->t_end);
	sec->open = false;
	tail = sec + 1;
	*tail = *sec;
	tail->kind = RAS_SECTION_CONST;
	tail->t0 = sec->t_end;
	tail->ph0 = sec->ph_end;
	tail->bpm0 = bpm;
	tail->slope = 0;
	tail->t_end = INFINITY;
	tail->ph_end = INFINITY;
	tail->open = true;
	s->count += 2;
	return 0;
}

int ras_schedule_nudge(struct ras_schedule *s, long double t, double beats, double seconds)
{
	struct ras_section *sec, *tail;
	long double bpm, fast;

	if (!isfinite(t) || !isfinite(beats) || !(seconds > 0) || isinf(seconds))
		return -EINVAL;
	bpm = ras_schedule_tempo_at(s, t);
	fast = bpm + 60.0L * beats / seconds;
	if (isnan(bpm) || !bpm_ok((double)fast))
		return -EINVAL;
	sec = split_at(s, t, 2);
	if (!sec)
		return -EINVAL;
	/* A ramp in force is frozen at its current tempo: the nudge is short. */
	sec->kind = RAS_SECTION_CONST;
	sec->bpm0 = fast;
	sec->t_end = t + seconds;
	sec->ph_end = ras_section_phase_at(sec, sec->t_end);
	sec->open = false;
	tail = sec + 1;
	*tail = *sec;
	tail->t0 = sec->t_end;
	tail->ph0 = sec->ph_end;
	tail->bpm0 = bpm;
	tail->t_end = INFINITY;
	tail->ph_end = INFINITY;
	tail->open = true;
	s->count += 2;
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - beat schedule: closed-form tempo math
 *
 * A schedule is an ordered list of sections. Each section starts at a time
 * t0 (seconds) and a phase ph0 (beats; need not be whole) and has a tempo law
 * whose phase integral phase(t) = ph0 + integral(tempo/60) has a closed form
 * and a closed-form inverse:
 *
 *   RAS_SECTION_CONST      tempo(t) = bpm0
 *   RAS_SECTION_RAMP_TIME  tempo(t) = bpm0 + slope * (t - t0)     (slope: bpm/s)
 *   RAS_SECTION_RAMP_BEAT  tempo(p) = bpm0 + slope * (p - ph0)    (slope: bpm/beat,
 *                                                                 as klick ramps)
 *
 * Beat k falls where phase(t) = k; the engine turns that into a frame as
 * round(t * rate). Nothing is ever summed beat by beat: a section's start is
 * the closed-form end of the previous one, so error does not grow with the
 * number of beats. All times are long double so that 24 h at 96 kHz keeps
 * about 1e-9 frame of headroom before rounding.
 *
 * A section also carries the meter in force (beats per bar, accent pattern,
 * subdivisions, gain), because run-time tempo changes split sections and the
 * bar structure must survive them.
 *
 * Thread safety: building (ras_schedule_add_*, _shift) is for one thread
 * before the schedule is handed to the engine. The query functions and
 * ras_schedule_change/_ramp are RT-safe: no allocation, no locks (capacity is
 * reserved at creation).
 */
#ifndef RASBEAT_SCHEDULE_H
#define RASBEAT_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#define RAS_BPM_MIN 1.0
#define RAS_BPM_MAX 600.0
#define RAS_METER_MAX 32	/* beats per bar */
#define RAS_SUB_MAX 16		/* subdivisions per beat, as options and maps give them */
#define RAS_SCHEDULE_SUB_MAX 64	/* in a schedule: a program's count through a 64 s hold */
#define RAS_LABEL_MAX 32

enum ras_section_kind {
	RAS_SECTION_CONST,
	RAS_SECTION_RAMP_TIME,
	RAS_SECTION_RAMP_BEAT,
};

/* What a beat of the pattern sounds like. */
enum ras_accent {
	RAS_BEAT_SILENT = 0,	/* '.' */
	RAS_BEAT_NORMAL = 1,	/* 'x' */
	RAS_BEAT_ACCENT = 2,	/* 'X' */
};

struct ras_meter {
	int beats;			/* beats per bar, 1..RAS_METER_MAX */
	int denom;			/* note value of a beat (4 = quarter) */
	int sub;			/* clicks per beat, 1..RAS_SCHEDULE_SUB_MAX */
	int every;			/* 1 every beat, 2 every other beat, 0 none */
	bool countin;			/* a count-in section */
	float gain;			/* linear gain of this section */
	uint8_t pattern[RAS_METER_MAX];	/* enum ras_accent per beat of the bar */
	char label[RAS_LABEL_MAX];
};

struct ras_section {
	enum ras_section_kind kind;
	long double t0, ph0;		/* start */
	long double t_end, ph_end;	/* end; INFINITY when open */
	/* The section never ends (t_end, ph_end are INFINITY). Test this,
	 * not isinf(t_end): where long double is emulated with doubles
	 * (valgrind's x87), INFINITY reads back as LDBL_MAX. */
	bool open;
	long double bpm0;		/* tempo at start, beats per minute */
	long double slope;		/* see enum ras_section_kind */
	long double bar_origin;		/* phase of a downbeat of this meter */
	struct ras_meter meter;
};

struct ras_schedule;

/* A schedule with room for `capacity` sections (run-time changes need two
 * spare ones). Returns NULL when out of memory. */
struct ras_schedule *ras_schedule_new(int capacity);
void ras_schedule_free(struct ras_schedule *s);
/* A deep copy with the same capacity; NULL when out of memory. */
struct ras_schedule *ras_schedule_dup(const struct ras_schedule *s);

/* The meter every builder starts from: 4/4, pattern Xxxx, no subdivision. */
void ras_meter_default(struct ras_meter *m);
/* Sets m->beats and a default pattern (accent on the downbeat). */
void ras_meter_set_beats(struct ras_meter *m, int beats);

/*
 * Builders: append a section starting where the schedule ends (time and
 * phase 0 for the first). `beats` or `seconds` < 0 makes the section open
 * (it must be the last). Tempi must lie in [RAS_BPM_MIN, RAS_BPM_MAX].
 * Return 0, -EINVAL (bad value, or appending after an open section) or
 * -ENOSPC (capacity).
 */
int ras_schedule_add_const(struct ras_schedule *s, const struct ras_meter *m,
			   double bpm, double beats, double seconds);
/* Tempo linear in beats from bpm0 to bpm1 over `beats` beats (klick ramps). */
int ras_schedule_add_ramp_beats(struct ras_schedule *s, const struct ras_meter *m,
				double bpm0, double bpm1, double beats);
/* Tempo linear in time from bpm0 to bpm1 over `seconds`. */
int ras_schedule_add_ramp_time(struct ras_schedule *s, const struct ras_meter *m,
			       double bpm0, double bpm1, double seconds);
/* Append a copy of `sec` moved later by `seconds` and `beats`; 0, -ENOSPC. */
int ras_schedule_append_copy(struct ras_schedule *s, const struct ras_section *sec,
			     long double seconds, long double beats);
/* Move the whole schedule later by `seconds` and `beats` (count-in). */
void ras_schedule_shift(struct ras_schedule *s, long double seconds, long double beats);

int ras_schedule_count(const struct ras_schedule *s);
const struct ras_section *ras_schedule_section(const struct ras_schedule *s, int i);
/* Phase where the schedule ends; INFINITY when the last section is open
 * (ask ras_schedule_open rather than isinf: see struct ras_section). */
long double ras_schedule_end_phase(const struct ras_schedule *s);
long double ras_schedule_end_time(const struct ras_schedule *s);
/* True when the last section is open: the schedule never ends. */
bool ras_schedule_open(const struct ras_schedule *s);

/* Index of the section holding phase `ph` (time `t`), starting the search
 * at `hint` (pass 0 if unsure); -1 beyond the end. RT-safe. */
int ras_schedule_find_phase(const struct ras_schedule *s, long double ph, int hint);
int ras_schedule_find_time(const struct ras_schedule *s, long double t, int hint);

/* Closed-form maps inside one section. RT-safe. */
long double ras_section_time_at(const struct ras_section *sec, long double ph);
long double ras_section_phase_at(const struct ras_section *sec, long double t);
long double ras_section_tempo_at(const struct ras_section *sec, long double t);

/* The same over the whole schedule; NAN beyond the end. RT-safe. */
long double ras_schedule_time_at(const struct ras_schedule *s, long double ph);
long double ras_schedule_phase_at(const struct ras_schedule *s, long double t);
long double ras_schedule_tempo_at(const struct ras_schedule *s, long double t);

/*
 * Phase-continuous tempo change at time t: the phase reached at t is kept,
 * and from there the tempo is `bpm` (change) or goes linearly in time to
 * `bpm` over `seconds` and then stays (ramp). The meter in force at t goes
 * on; sections after t are dropped. Return 0, -EINVAL (bpm out of range, t
 * beyond the end) or -ENOSPC. RT-safe.
 */
int ras_schedule_change(struct ras_schedule *s, long double t, double bpm);
int ras_schedule_ramp(struct ras_schedule *s, long double t, double bpm, double seconds);

/*
 * Phase correction at time t: over the next `seconds` the beat runs `beats`
 * beats ahead (negative: behind) of the tempo in force, then goes on at that
 * tempo: a constant section at bpm + 60 beats / seconds, then the old
 * tempo (a ramp in force stops at its current tempo; later sections are
 * dropped, as for a change). Phase-continuous; refused (-EINVAL) when the nudged tempo would
 * leave [RAS_BPM_MIN, RAS_BPM_MAX], or -ENOSPC. RT-safe.
 */
int ras_schedule_nudge(struct ras_schedule *s, long double t, double beats, double seconds);

/* Frame of time t at `rate` Hz: round half away from zero. */
static inline int64_t ras_time_to_frame(long double t, double rate)
{
	long double x = t * (long double)rate;
	return (int64_t)(x < 0 ? x - 0.5L : x + 0.5L);
}

#endif

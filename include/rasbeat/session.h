/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - session protocols (--session FILE)
 *
 * A session file (INI, read with inih) lists the phases of a gait session
 * in order, one section each; the section name is the phase's name. A
 * [session] section, anywhere, holds what applies throughout:
 *
 *   [session]
 *   name = RAS for Parkinson's        ; shown to the therapist
 *   description = Walk in time ...    ; shown to the patient; long text goes
 *       on indented lines, joined by a space (inih reads lines up to 196
 *       characters; on those lines a ';' is text, not a comment)
 *   tempo = 100       ; reference bpm until a baseline is measured (needed
 *                     ; when a cued phase comes before any baseline)
 *   sound = woodblock ; cue sound, a --sound spec
 *   gain = -6         ; dB
 *   side = R          ; cues on that side only (see below): L, R or both
 *
 *   [walk]      type = baseline  steps = 20 | seconds = 30  [skip = 3]
 *   [cue]       type = cue       seconds = 60  [percent = 100]
 *   [ramp]      type = ramp      [step = 5] [every = 60] [max_percent = 115]
 *                                [r_min = 0.8] [async_max_ms = 60] [window = 20]
 *                                [percent = START] [seconds = LIMIT]
 *   [fade]      type = fade      seconds = 30
 *   [retention] type = post      steps = 20 | seconds = 60  [skip = 3]
 *
 * baseline  no cues; the cadence of the steps (after `skip` steps of gait
 *           initiation) over `steps` steps or `seconds` s, whichever comes
 *           first, becomes the reference: the mean interval of those within
 *           a factor 1.5 of the median, so a missed or doubled step does not
 *           count (the first RAS_SESSION_STEPS_MAX intervals). Under 3 steps
 *           the reference stays (tempo=, an earlier baseline); without one
 *           the session aborts if a cued phase follows.
 * cue       cues at `percent` % of the reference.
 * ramp      from `percent` (default: the tempo in force) up by `step` % of
 *           the reference at a time, to `max_percent`. A step is taken only
 *           while the walker is in time with the beat over the last
 *           `window` steps heard at the current tempo: R >= r_min and
 *           |mean asynchrony| <= async_max_ms; otherwise the ramp holds
 *           and keeps checking each step. Each level lasts `every` s at
 *           least; after a cue phase at the same tempo the first step comes
 *           at once. The phase ends `every` s after reaching the top, or
 *           after `seconds` if given. A step's asynchrony is its time less
 *           the nearest beat's as heard (beat time + latency_s), every beat
 *           counting, sounded or muted by side=; its phase is 2 pi times
 *           that over the beat interval, R their mean resultant length.
 * fade      every beat, every other, then none, a third of `seconds` each.
 * post      no cues; its cadence is measured and reported as for baseline.
 *
 * Numbers are plain decimals whatever the locale. Keys start at the
 * beginning of a line (an indented line continues the one above). Errors
 * read "FILE:LINE: KEY: what is wrong".
 *
 * sound=, gain= and side= may also be given in a cue, ramp or fade phase:
 * they hold for that phase; where a phase says nothing, the [session] value
 * does. A phase's sound= must be a built-in cue name or a readable file
 * (checked here, "FILE:LINE: sound: ..."); the caller loads the files.
 * side= makes the cues alternate left/right, hard panned (pan 1), with the
 * first (even) beat on that side, and plays every other beat (EVERY 2):
 * only that side's cues sound, one per stride, at the step tempo; side=both
 * undoes it for a phase. A fade with a side goes from those cues to none,
 * half of `seconds` each (the engine has no every fourth).
 *
 * The runner is pure like the tempo controller: fed beats, steps and time,
 * it returns engine commands (PAUSE/RESUME for cue-less phases, TEMPO for
 * cue and ramp levels, EVERY for fading and side, and at the start of a
 * cued phase whose sound, gain or side differs from the one before it:
 * SOUND, for parts ACCENT and NORMAL, GAIN and SIDE) and events with a
 * reason. The runner knows no buffers and no master gain, so before
 * sending, the caller must translate:
 *   RAS_CMD_SOUND  value i >= 0: set `sound` to its buffer of
 *                  ras_session_sound_name(i) for `part` (loaded before
 *                  the engine starts, accent variant for ACCENT); value -1:
 *                  the sound it configured the engine with for `part`;
 *   RAS_CMD_GAIN   value is the phase's gain=, linear: multiply it by the
 *                  master gain it configured before ras_session_engine_config.
 * Times are session seconds (engine frame / rate; 0 is frame 0). Drive it
 * like the controller (tempo.h), which it replaces: do not run both.
 *
 *   ras_session_poll    once with now = 0 before the engine starts (its
 *                       commands act at frame 0: a cue-less first phase
 *                       silences beat 0), then often (each block, every
 *                       10 ms); send what it returns, in order;
 *   ras_session_beat    every beat ras_engine_next_beat reports;
 *   ras_session_step    every step, in time order;
 *   ras_session_next_event  until false, after each poll;
 *   ras_session_done    true once the last phase is over: stop then.
 *
 * The engine's schedule should be an open constant one at the info's
 * start_bpm, without count-in, every beat 'x' (an accent would make one
 * foot's cue louder).
 *
 * RT-safe: ras_session_beat, ras_session_step, ras_session_poll,
 * ras_session_next_event, ras_session_done, ras_session_status (no
 * allocation, lock or system call; event text is formatted with snprintf).
 * Not RT-safe: the rest. One thread at a time.
 */
#ifndef RASBEAT_SESSION_H
#define RASBEAT_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "rasbeat/engine.h"

#define RAS_SESSION_PHASES_MAX 32
#define RAS_SESSION_NAME_MAX 64
#define RAS_SESSION_TEXT_MAX 160
/* Room ras_session_poll needs in `out`. */
#define RAS_SESSION_CMD_MAX 8
/* Largest ramp window, and most intervals a baseline keeps. */
#define RAS_SESSION_WINDOW_MAX 64
#define RAS_SESSION_STEPS_MAX 512

enum ras_phase_type {
	RAS_PHASE_BASELINE,
	RAS_PHASE_CUE,
	RAS_PHASE_RAMP,
	RAS_PHASE_FADE,
	RAS_PHASE_POST,
};

/* One phase as read (0 or NAN: not given). */
struct ras_phase {
	char name[RAS_SESSION_NAME_MAX];
	enum ras_phase_type type;
	int line;			/* of its first key */
	double seconds;
	int steps, skip;		/* baseline, post */
	double percent;			/* cue (100), ramp start */
	double step, every, max_percent;	/* ramp: 5 %, 60 s, 115 % */
	double r_min, async_max_ms;	/* ramp: 0.8, 60 ms */
	int window;			/* ramp: 20 steps */
	int sound;			/* index for ras_session_sound_name; -1 the
					 * engine's own ([session] sound= or --sound) */
	double gain_db;			/* gain=, else [session] gain= */
	enum ras_foot side;		/* side=, else [session] side= */
};

struct ras_session_config {
	double rate;			/* engine frames per second (48000) */
	double lead_s;			/* commands act this long after `now` (0.05) */
	double latency_s;		/* a beat is heard this long after its frame (0) */
	double bpm_min, bpm_max;	/* cue tempi are kept within (40, 180) */
};

struct ras_session_info {
	const char *name;		/* [session] name=, else the file's base name */
	const char *description;	/* "" if none */
	const char *sound;		/* NULL: the default */
	double gain_db;			/* 0 */
	enum ras_foot side;		/* RAS_FOOT_NONE: both */
	double tempo_bpm;		/* [session] tempo=; NAN if not given */
	double start_bpm;		/* for the engine's schedule: tempo= or 100 */
	int phases;
};

enum ras_session_event_kind {
	RAS_SESSION_PHASE,		/* a phase begins */
	RAS_SESSION_CADENCE,		/* baseline or post-test cadence measured */
	RAS_SESSION_RAMP_UP,
	RAS_SESSION_RAMP_HELD,		/* out of sync: no step up (again every `every` s) */
	RAS_SESSION_FADE,		/* cues thinned out */
	RAS_SESSION_END,		/* the last phase is over */
	RAS_SESSION_ABORT,		/* cannot go on: no baseline */
	RAS_SESSION_SKIP,		/* the operator ended a phase early */
};

struct ras_session_event {
	enum ras_session_event_kind kind;
	double time;			/* session s it acts at */
	int phase;			/* index from 0 */
	double tempo_bpm;		/* in force from then */
	double cadence_spm;		/* CADENCE; else NAN */
	double r, asynchrony_ms;	/* RAMP_*: over the window; else NAN */
	char text[RAS_SESSION_TEXT_MAX];	/* e.g. "ramp held: R 0.55 < 0.8" */
};

struct ras_session_status {
	int phase;			/* index in force; -1 before the first poll */
	enum ras_phase_type type;
	bool done;
	double phase_start;		/* s */
	double reference_spm;		/* baseline (or tempo=); NAN before */
	double tempo_bpm;		/* last set */
	bool cues;			/* cues sound (not paused, not faded out) */
	double level_pct;		/* tempo / reference, %; NAN without a reference */
	size_t window_steps;		/* steps matched at the current tempo */
	double r, asynchrony_ms;	/* over the last `window` of them; NAN under 2 */
	unsigned long events_lost;	/* not taken before the queue filled */
};

/* Defaults as listed above. */
void ras_session_config_default(struct ras_session_config *cfg);
const char *ras_phase_type_name(enum ras_phase_type type);

/*
 * Read a session file. NULL with errno ENOENT (or another open error),
 * EINVAL (bad file or config) or ENOMEM, and a message in err:
 * "FILE:LINE: KEY: what is wrong". Not RT-safe.
 */
struct ras_session *ras_session_new(const struct ras_session_config *cfg, const char *path,
				    char *err, size_t errlen);
/* The same from text; `name` stands for the file in messages. */
struct ras_session *ras_session_new_from_string(const struct ras_session_config *cfg,
						const char *text, const char *name, char *err,
						size_t errlen);
void ras_session_free(struct ras_session *s);

/* Strings stay valid while s lives. */
void ras_session_info(const struct ras_session *s, struct ras_session_info *info);
/* Phase i, or NULL. */
const struct ras_phase *ras_session_phase(const struct ras_session *s, int i);
/* The distinct sound= specs of the phases (not [session] sound=), in order
 * of first use, and the line of that use (line may be NULL). NULL for a
 * bad index. The caller loads each before the engine starts and maps the
 * index of RAS_CMD_SOUND to it. */
int ras_session_sound_count(const struct ras_session *s);
const char *ras_session_sound_name(const struct ras_session *s, int i, int *line);
/* Apply [session] gain= and side= to an engine config: master gain times
 * gain=; alternate, first_foot and pan 1 for side=. The sound= spec is the
 * caller's to load (ras_session_info). */
void ras_session_engine_config(const struct ras_session *s, struct ras_engine_config *cfg);
/* The playback latency, once known; -EINVAL outside 0..10 s. */
int ras_session_set_latency(struct ras_session *s, double latency_s);

/* A beat the engine reported. RT-safe. */
void ras_session_beat(struct ras_session *s, const struct ras_beat *b);
/* A step at session time t, in time order. RT-safe. */
void ras_session_step(struct ras_session *s, double t, enum ras_foot foot);
/*
 * Decide at session time now. Writes up to RAS_SESSION_CMD_MAX commands to
 * out (max must allow them, or -EINVAL) and returns how many. RT-safe.
 */
int ras_session_poll(struct ras_session *s, double now, struct ras_cmd *out, int max);
/* The oldest event not yet taken; false when none. RT-safe. */
bool ras_session_next_event(struct ras_session *s, struct ras_session_event *ev);
bool ras_session_done(const struct ras_session *s);
/* The operator moves on: the phase in force ends at `now` and the next poll
 * begins the next one (a baseline or post-test is measured over the steps
 * so far). -EINVAL before the first poll or after the end. RT-safe. */
int ras_session_next(struct ras_session *s, double now);
void ras_session_status(const struct ras_session *s, struct ras_session_status *st);

#endif

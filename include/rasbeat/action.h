/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - operator actions and the status snapshot of a running session
 *
 * What the therapist (keys on the console, console.h), a tablet (OSC,
 * osc.h) or the tempo adaptation asks of `rasbeat play` is a struct
 * ras_action; each carries its source so that events.csv can tell who did
 * what. The play loop takes actions from every source, turns them into
 * engine commands (ras_engine_send: the one lock-free queue to the audio
 * thread) and logs them (ras_sessionlog_event with ras_action_describe and
 * ras_action_source_name).
 *
 * The other way, the play loop fills a struct ras_status every ~100 ms
 * (ras_status_init once, then the fields) and hands it to whatever shows
 * it: the console, the plain status line, OSC replies and notifications.
 * The snapshot holds its strings, so it can be copied freely.
 *
 * Numbers are formatted with dot decimals whatever the locale.
 *
 * Every function is pure (no allocation, lock or system call) and may be
 * called from any thread; none is meant for the audio thread.
 */
#ifndef RASBEAT_ACTION_H
#define RASBEAT_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/engine.h"

enum ras_action_kind {
	RAS_ACTION_TEMPO_SET,		/* value: bpm */
	RAS_ACTION_TEMPO_DELTA,		/* value: bpm to add (+1, -1) */
	RAS_ACTION_TEMPO_SCALE,		/* value: factor (1.05, 1 / 1.05) */
	RAS_ACTION_PAUSE_TOGGLE,	/* cues off if on, on if off (logging goes on) */
	RAS_ACTION_PAUSE,
	RAS_ACTION_RESUME,
	RAS_ACTION_NEXT_PHASE,
	RAS_ACTION_MARK,		/* text: the note ("" for none); time_s: when */
	RAS_ACTION_QUIT,		/* end the session cleanly */
	RAS_ACTION_QUERY,		/* answer `from` with ras_osc_reply */
	RAS_ACTION_COUNT,
};

enum ras_action_source {
	RAS_SOURCE_KEY,			/* "key": the console */
	RAS_SOURCE_OSC,			/* "osc": from is the sender's URL */
	RAS_SOURCE_ADAPT,		/* "adaptation": the tempo controller or protocol */
	RAS_SOURCE_COUNT,
};

#define RAS_ACTION_TEXT_MAX 128
#define RAS_ACTION_FROM_MAX 80

struct ras_action {
	enum ras_action_kind kind;
	enum ras_action_source source;
	double value;				/* TEMPO_*: see the kinds; else 0 */
	double time_s;				/* session s the operator acted at;
						 * NAN: when the play loop takes it */
	char text[RAS_ACTION_TEXT_MAX];		/* MARK: the note, UTF-8 */
	char from[RAS_ACTION_FROM_MAX];		/* OSC: "osc.udp://127.0.0.1:9000/"; else "" */
};

/* "tempo_set", "pause_toggle", ...; "?" when out of range. */
const char *ras_action_kind_name(enum ras_action_kind kind);
/* "key", "osc", "adaptation"; "?" when out of range. */
const char *ras_action_source_name(enum ras_action_source source);

/*
 * A short description for events.csv and the console's message line:
 * "tempo 104.5 bpm", "tempo +1 bpm", "tempo +5 %" (SCALE 1.05), "pause",
 * "pause/resume", "mark: fell",
 * "next phase", ...; OSC actions end in " (from URL)". Always terminated.
 */
void ras_action_describe(const struct ras_action *a, char *buf, size_t len);

/*
 * The tempo a TEMPO_* action asks for, from the tempo in force: 0 with *bpm
 * set. A SET must lie within [bpm_min, bpm_max]; a DELTA or SCALE stops at
 * the limit it would cross (Up at the top gives *bpm == current_bpm).
 * -ERANGE for a SET out of range or not finite; -EINVAL for another kind,
 * a DELTA or SCALE that is not finite (or a SCALE <= 0), or a current tempo
 * that is not. *bpm is left alone on error.
 */
int ras_action_tempo(const struct ras_action *a, double current_bpm, double bpm_min,
		     double bpm_max, double *bpm);

/* The snapshot of a running session. NAN: not known (yet). */
#define RAS_STATUS_NAME_MAX 64
#define RAS_STATUS_TEXT_MAX 160
#define RAS_STATUS_PATH_MAX 256

enum ras_status_step {
	RAS_STATUS_STEP_LEFT,
	RAS_STATUS_STEP_RIGHT,
	RAS_STATUS_STEP_ANY,		/* a step of unknown foot */
	RAS_STATUS_STEP_COUNT,
};

struct ras_status {
	double time_s;				/* session time: engine frame / rate */
	double tempo_bpm;			/* in force */
	double target_bpm;			/* where the adaptation heads; NAN */
	double cadence_spm;			/* measured; NAN */
	double bpm_min, bpm_max;		/* the safety limits */
	char mode[16];				/* "fixed", "follow", "entrain", "protocol" */
	char patient[RAS_STATUS_NAME_MAX];	/* "" when none */

	/* The protocol (session.h); phase "" and index -1 without one. */
	char phase[RAS_STATUS_NAME_MAX];	/* its name, "ramp" */
	char phase_type[16];			/* "baseline", "cue", "ramp", ... */
	int phase_index, phase_count;		/* from 0 */
	double phase_elapsed_s;
	double phase_length_s;			/* NAN: open (ends on steps or sync) */

	/* Synchronization over the recent steps. */
	double r;				/* mean resultant length 0..1; NAN */
	double async_ms;			/* mean asynchrony, + late; NAN */

	/* The last beat reported (index -1: none yet). */
	int64_t beat_index;
	double beat_time_s;			/* session s, as scheduled */
	enum ras_foot beat_foot;
	bool beat_audible;

	/* The last step of each foot, session s; NAN: none yet. */
	double step_time_s[RAS_STATUS_STEP_COUNT];

	char sensor[RAS_STATUS_NAME_MAX];	/* "walker", "connected /dev/input/event3",
						 * "LOST since 12 s", "none" */
	bool sensor_alert;			/* the sensor needs attention (lost) */
	uint64_t xruns;
	char log_dir[RAS_STATUS_PATH_MAX];	/* the record's folder, or "(no record)" */
	bool paused;				/* the cues, by the operator */
	char message[RAS_STATUS_TEXT_MAX];	/* the last event: "ramp held: R 0.55 < 0.8" */
};

/* Everything unknown: NANs, index -1, limits 40..180, mode "fixed", sensor
 * "none", log "(no record)", empty strings. */
void ras_status_init(struct ras_status *st);

/*
 * One plain line for a terminal-less run (piped, under a service), without
 * a newline; unknown numbers read "-":
 *
 *   rasbeat: 123.4 s  phase ramp 2:10/5:00  tempo 104.5 bpm  cadence 103.9 spm
 *   R 0.93  async -12 ms  steps L 1.2 s R 0.6 s ago  xruns 0
 *
 * (one line). Without a protocol "phase NAME m:ss/m:ss" reads "mode MODE";
 * an open phase shows its elapsed time alone. Steps of unknown foot only:
 * "step 0.4 s ago"; none: "steps -". "  PAUSED" and "  sensor TEXT" (when
 * sensor_alert) follow. Always terminated, truncated to len.
 */
void ras_status_line(const struct ras_status *st, char *buf, size_t len);

/* v with `decimals` decimals and a dot, "-" when not finite; truncated to
 * len. Returns buf. */
char *ras_status_num(char *buf, size_t len, double v, int decimals);
/* Seconds as m:ss (h:mm:ss from an hour), "-" when not finite or < 0. */
char *ras_status_clock(char *buf, size_t len, double s);

#endif

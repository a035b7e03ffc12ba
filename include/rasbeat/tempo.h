/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - tempo control (--adapt MODE)
 *
 *   fixed    the tempo source alone: no command is ever issued.
 *   follow   the tempo tracks the cadence: median of the last step
 *            intervals, smoothed per step (one gain for speeding up, one for
 *            slowing down), glided to with ramps. After lock_steps steps
 *            within lock_tol_bpm it locks and holds still until the cadence
 *            strays beyond unlock_tol_bpm.
 *   entrain  the beat is an oscillator coupled to the steps (BeatWalk):
 *            each step aims at its nearest beat; the relative phase
 *            phi = theta_step - theta_beat gives a phase nudge of
 *            k_phase * sin(phi) / 2pi beats, and the tempo moves by
 *            k_period * (cadence - tempo), within max_dev_pct of the base.
 *
 * Start in phase (D-Jogger): once start_steps steps are in (again after
 * every pause in walking), the next step is predicted and the beat is
 * nudged so that one lands on it; the other corrections wait until it has.
 *
 * Safety limits hold in every mode: the tempo stays within
 * [bpm_min, bpm_max] (phase nudges included) and changes by at most
 * max_change_bpm_per_min: ramps are never steeper, and a step change of D
 * bpm comes at least 60 |D| / max_change s after the previous change. The
 * source is checked against the same rules when the controller is made.
 * When steps stop the tempo holds where it is.
 *
 * The controller is pure: no I/O, no clock, no thread. It keeps a copy of
 * the source schedule and applies to it every command it issues, exactly as
 * the engine will, so it knows where every beat falls, heard or not.
 * Driving it (all times are session seconds, engine frame / rate):
 *
 *   ras_tempo_beat    every beat ras_engine_next_beat reports;
 *   ras_tempo_step    every step, in time order (time_ns / 1e9);
 *   ras_tempo_poll    often (each block, or every 10 ms) with the engine's
 *                     time now; forward what it returns, in order, with
 *                     ras_engine_send;
 *   ras_tempo_sent    any TEMPO, RAMP or NUDGE the caller sends itself.
 *
 * Commands act at least lead_s after `now`: make it longer than one audio
 * period, or the engine applies them late and the copy drifts (then it is
 * re-anchored on the next beat heard and `resyncs` counts it).
 *
 * RT-safe: every function but ras_tempo_new, ras_tempo_free and
 * ras_tempo_check_source (no allocation, lock or system call), so the
 * controller may run in the audio thread. One thread at a time.
 */
#ifndef RASBEAT_TEMPO_H
#define RASBEAT_TEMPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/engine.h"
#include "rasbeat/schedule.h"

enum ras_adapt {
	RAS_ADAPT_FIXED,
	RAS_ADAPT_FOLLOW,
	RAS_ADAPT_ENTRAIN,
};

/* Room ras_tempo_poll needs in `out`. */
#define RAS_TEMPO_CMD_MAX 2
/* Largest cadence window. */
#define RAS_TEMPO_WINDOW_MAX 16

struct ras_tempo_config {
	enum ras_adapt mode;
	double rate;			/* engine frames per second */
	double lead_s;			/* commands act this long after `now` (0.05) */
	double latency_s;		/* a beat is heard this long after its frame (0) */
	double base_bpm;		/* entrain's centre; 0: the source's first program tempo */

	/* Safety, every mode. */
	double bpm_min, bpm_max;	/* 40, 180 */
	double max_change_bpm_per_min;	/* 300 */

	int window;			/* step intervals in the cadence median (4) */

	/* follow */
	double gain_up, gain_down;	/* per step, 0..1 (0.3, 0.5) */
	int lock_steps;			/* 4 */
	double lock_tol_bpm;		/* 2 */
	double unlock_tol_bpm;		/* 6 */

	/* entrain */
	double k_phase;			/* coupling (0.1) */
	double k_period;		/* tempo correction per step (0.1) */
	double max_dev_pct;		/* from the base tempo (20) */
	double max_phase_beats;		/* largest nudge per step (0.1) */

	/* follow and entrain */
	bool start_in_phase;		/* entrain: on, follow: off */
	int start_steps;		/* steps before the start in phase (4) */
};

struct ras_tempo_status {
	enum ras_adapt mode;
	bool locked;			/* follow */
	bool holding;			/* no step for over two step periods */
	bool aligning;			/* a start-in-phase nudge is under way */
	double tempo_bpm;		/* in force at the last poll (a nudge included) */
	double target_bpm;		/* where the controller heads; NAN in fixed mode */
	double cadence_spm;		/* NAN until two step intervals */
	double asynchrony_s;		/* entrain: last step less its heard beat, else NAN */
	double align_step_s;		/* the predicted step the start aimed at; NAN none */
	uint64_t steps, commands, resyncs;
};

/* Defaults for a mode (as listed above). */
void ras_tempo_config_default(struct ras_tempo_config *cfg, enum ras_adapt mode);
/* Parse "fixed", "follow", "entrain"; -EINVAL otherwise. */
int ras_adapt_from_name(const char *name, enum ras_adapt *mode);
const char *ras_adapt_name(enum ras_adapt mode);

/*
 * Whether the source keeps the safety limits of cfg. 0, -EINVAL (bad
 * config) or -ERANGE, with "what, where" in err. Not RT-safe.
 */
int ras_tempo_check_source(const struct ras_tempo_config *cfg, const struct ras_schedule *source,
			   char *err, size_t errlen);

/*
 * A controller for the engine that plays `source` (copied: pass the
 * schedule before the engine takes it). NULL with errno EINVAL (bad config),
 * ERANGE (the source breaks the limits) or ENOMEM. Not RT-safe.
 */
struct ras_tempo *ras_tempo_new(const struct ras_tempo_config *cfg,
				const struct ras_schedule *source);
void ras_tempo_free(struct ras_tempo *tc);
/* The playback latency, once known (JACK reports it after connecting);
 * -EINVAL outside 0..10 s. Before the first step. */
int ras_tempo_set_latency(struct ras_tempo *tc, double latency_s);

/* A beat the engine reported. RT-safe. */
void ras_tempo_beat(struct ras_tempo *tc, const struct ras_beat *b);
/* A step at session time t, in time order. RT-safe. */
void ras_tempo_step(struct ras_tempo *tc, double t, enum ras_foot foot);
/*
 * Decide at session time now. Writes up to RAS_TEMPO_CMD_MAX commands to out
 * (max must allow them, or -EINVAL) and returns how many. RT-safe.
 */
int ras_tempo_poll(struct ras_tempo *tc, double now, struct ras_cmd *out, int max);
/* The caller sent cmd itself (frame < 0: at the last poll); like the
 * engine, it takes it no earlier than the last command issued. RT-safe. */
void ras_tempo_sent(struct ras_tempo *tc, const struct ras_cmd *cmd);

void ras_tempo_status(const struct ras_tempo *tc, struct ras_tempo_status *st);
bool ras_tempo_locked(const struct ras_tempo *tc);

#endif

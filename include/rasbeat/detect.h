/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - step detectors
 *
 * Pure functions of the event stream: a detector is fed input events in time
 * order and reports heel strikes. No clock, file or thread: the same code
 * runs on a live device, a recording replayed as fast as possible, or a
 * synthetic stream in a test.
 *
 *   footswitch  EV_KEY presses; any key or button unless left/right codes
 *               are named; debounce and a lockout per foot.
 *   force       one EV_ABS axis per foot (ABS_X left, ABS_Y right); a heel
 *               strike is a rising crossing of an adaptive threshold with
 *               hysteresis, calibrated from the running signal range.
 *   accel       ABS_X/Y/Z of an accelerometer (resolution: units per g);
 *               steps from the band-passed magnitude with adaptive peak
 *               picking and a refractory period; silent while the person
 *               stands still or freezes. Every step is held
 *               freeze_lookback_s (1 s) after the step time it carries,
 *               and withdrawn if a freeze is recognized meanwhile, so
 *               most steps are reported 1.0 s late (0.2 s with the
 *               look-back off: the filter and the fall of the peak); a
 *               weak step (a turn) waits for the next strong one to
 *               confirm it, and one found by search-back in a gap for
 *               the step after it: up to 2.2 s late. A walk counts from
 *               its fourth step (bout_steps): its first three wait for
 *               it, and walks of fewer steps are dropped. Always with its
 *               own time, in time order.
 *
 * Step times are on the events' clock. Events a reader synthesized while
 * re-syncing after SYN_DROPPED must be fed with ras_detector_sync, not as
 * steps. RT-safe once created: ras_detector_feed, ras_detector_sync,
 * ras_detector_flush (no allocation).
 */
#ifndef RASBEAT_DETECT_H
#define RASBEAT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/engine.h"	/* enum ras_foot */
#include "rasbeat/input.h"

enum ras_sensor_kind {
	RAS_SENSOR_FOOTSWITCH,
	RAS_SENSOR_FORCE,
	RAS_SENSOR_ACCEL,
};

struct ras_detect_config {
	enum ras_sensor_kind kind;
	int left_code, right_code;	/* footswitch: key codes, force: axes; -1 default */
	double lockout_s;		/* minimum time between steps of one foot (0.25) */
	double debounce_s;		/* footswitch: contact must hold this long (0.02) */
	double refractory_s;		/* accel: minimum time between steps (0.25) */
	/* accel: every step is held this long after its own time and withdrawn
	 * if a freeze is recognized meanwhile (1.0; 0 off, at most 2): the
	 * freeze indices lag a freeze's onset, and its first shuffles look
	 * like steps. Steps are reported this much later. */
	double freeze_lookback_s;
	/* accel: a walk's steps count once it has this many, each within
	 * 1.5 s (or two of its step periods) of the last; a shorter walk is
	 * dropped: the shuffles a freeze's look-back did not reach, fidgeting
	 * (4; 1 counts every step, at most 8). A walk's first steps are
	 * reported with its bout_steps-th. */
	int bout_steps;
};

struct ras_step {
	int64_t time_ns;	/* heel strike, on the events' clock */
	enum ras_foot foot;	/* RAS_FOOT_NONE when unknown (accel) */
	float strength;		/* detector-specific confidence, 0..1 */
};

struct ras_detector;

/* Defaults for a kind (lockout 0.25 s and so on). */
void ras_detect_config_default(struct ras_detect_config *cfg, enum ras_sensor_kind kind);
/* Parse "footswitch", "force", "accel"; -EINVAL otherwise. */
int ras_sensor_kind_from_name(const char *name, enum ras_sensor_kind *kind);
const char *ras_sensor_kind_name(enum ras_sensor_kind kind);
/* Whether `dev` can serve `kind` (has the keys/axes it needs). */
bool ras_detect_device_fits(const struct ras_device_info *dev, enum ras_sensor_kind kind);

/* NULL with errno EINVAL when `dev` cannot serve the kind, ENOMEM. */
struct ras_detector *ras_detector_new(const struct ras_detect_config *cfg,
				      const struct ras_device_info *dev);
void ras_detector_free(struct ras_detector *d);

/* A feed or a flush reports at most this many steps at once (a walk's
 * first steps come with its fourth, after the look-back). */
#define RAS_DETECT_MAX_STEPS 32

/* Feed one event; steps found are written to out (up to max); returns how
 * many. Give out room for RAS_DETECT_MAX_STEPS: with less, steps that do
 * not fit wait for a later call, and with less than bout_steps a walk's
 * first steps cannot come out and are lost once ACC_NOUT are held. RT-safe. */
int ras_detector_feed(struct ras_detector *d, const struct ras_input_event *ev,
		      struct ras_step *out, int max);
/* State events from a re-sync: update state, never report a step. RT-safe. */
void ras_detector_sync(struct ras_detector *d, const struct ras_input_event *ev);
/* End of stream: report anything pending (all of it with room for
 * RAS_DETECT_MAX_STEPS; a walk of fewer than bout_steps is dropped).
 * RT-safe. */
int ras_detector_flush(struct ras_detector *d, struct ras_step *out, int max);

#endif

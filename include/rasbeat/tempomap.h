/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - tempo sources: constant, ramps, steps and tempo-map files
 *
 * Each builder returns a fresh schedule (schedule.h) starting at time 0,
 * with spare room for run-time tempo changes.
 *
 * Map files use klick's line format, one section per line:
 *
 *   [label:] bars [beats/denom] tempo[-tempo2|,tempo2,...] [pattern] [volume]
 *
 * tempo is in quarter notes per minute as in klick (a beat lasts
 * 240 / (tempo * denom) s); tempo-tempo2 ramps linearly per beat over the
 * section; a comma list gives one tempo per beat; pattern is X (accent),
 * x (normal), . (silent) per beat; volume is a linear gain. rasbeat adds:
 * bars may be a duration "90s" or "2m" (ramps then run linearly in time) or
 * "*" (for ever, last line only), and trailing "sub=N" (clicks per beat) and
 * "every=N" (1 every beat, 2 every other, 0 silent) keys. '#' starts a
 * comment.
 *
 * None of this is RT-safe.
 */
#ifndef RASBEAT_TEMPOMAP_H
#define RASBEAT_TEMPOMAP_H

#include <stddef.h>

#include "rasbeat/schedule.h"

/* Spare sections every builder reserves for run-time changes. */
#define RAS_SCHEDULE_SPARE 8

/*
 * Parse a map. On error returns -EINVAL (or -errno for I/O) and writes
 * "NAME:LINE: FIELD: what is wrong" to err. `meter` gives the defaults
 * (subdivision, gain) for lines that do not set them.
 */
int ras_tempomap_load(const char *path, const struct ras_meter *meter,
		      struct ras_schedule **out, char *err, size_t errlen);
int ras_tempomap_parse(const char *text, const char *name, const struct ras_meter *meter,
		       struct ras_schedule **out, char *err, size_t errlen);

/* Constant tempo for ever. NULL on a bad value or no memory. */
struct ras_schedule *ras_tempomap_constant(const struct ras_meter *m, double bpm);
/* Linear in time from `from` to `to` over `seconds`, then `to` for ever. */
struct ras_schedule *ras_tempomap_ramp(const struct ras_meter *m, double from, double to,
				       double seconds);
/* `base`, then every `seconds` a step of `percent` of base, up to `max`
 * (down to it for a negative percent), which then holds for ever. */
struct ras_schedule *ras_tempomap_steps(const struct ras_meter *m, double base,
					double percent, double seconds, double max);

/* A copy of `s` that starts with `bars` count-in bars at its opening tempo
 * and meter. NULL on no memory. */
struct ras_schedule *ras_tempomap_countin(const struct ras_schedule *s, int bars);

#endif

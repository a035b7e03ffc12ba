/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - steps on the session clock
 *
 * One source of steps for a session, whatever is behind it:
 *   a device      (--input /dev/input/eventN, a name, vendor:product): the
 *                 reader thread (evdev.h) feeds the detector; event times,
 *                 CLOCK_MONOTONIC, are turned into session time by a
 *                 function the caller supplies (JACK frames, clocksync.h);
 *   a recording   (--input FILE.evemu): replayed in real time against the
 *                 session clock, its first event at the session time of
 *                 the first poll.
 * Steps come out with time_ns on the session clock (ns from engine frame 0).
 *
 * Not RT-safe: polled from the main thread.
 */
#ifndef RASBEAT_STEPSOURCE_H
#define RASBEAT_STEPSOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rasbeat/detect.h"

struct ras_stepsource_config {
	const char *input;		/* device spec, or a .evemu file */
	struct ras_detect_config detect;
	bool grab;
};

/* CLOCK_MONOTONIC ns to session ns; false while that is not yet possible. */
typedef bool (*ras_mono_to_session_fn)(void *ctx, int64_t mono_ns, int64_t *session_ns);

struct ras_stepsource;

/* Resolve and open the input. NULL with err set ("SPEC: ..."). */
struct ras_stepsource *ras_stepsource_open(const struct ras_stepsource_config *cfg,
					   char *err, size_t errlen);
void ras_stepsource_free(struct ras_stepsource *s);

bool ras_stepsource_is_replay(const struct ras_stepsource *s);
/* The device's name (or the recording's). */
const char *ras_stepsource_name(const struct ras_stepsource *s);
void ras_stepsource_set_clock(struct ras_stepsource *s, ras_mono_to_session_fn fn, void *ctx);

/* Sensor news: one line ("sensor lost: ...") and when it was noticed
 * (CLOCK_MONOTONIC ns). */
typedef void (*ras_stepsource_news_fn)(void *ctx, int64_t mono_ns, const char *line);

/*
 * Everything that happened up to session time now_ns: steps into out (up to
 * max; the rest wait for the next poll), sensor news (lost, back, re-synced)
 * to `news` (may be NULL). Returns the number of steps.
 */
int ras_stepsource_poll(struct ras_stepsource *s, int64_t now_ns, struct ras_step *out, int max,
			ras_stepsource_news_fn news, void *ctx);
/* Steps dropped because their time could not be converted. */
uint64_t ras_stepsource_unplaced(const struct ras_stepsource *s);

#endif

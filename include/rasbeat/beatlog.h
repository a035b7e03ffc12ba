/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - beat list (beats.csv)
 *
 * One row per beat of the schedule, sounded or not:
 *   index,frame,time_s,tempo_bpm,accent,audible
 * accent is 1 for an accented beat, audible 1 when a cue sounded. Numbers
 * always use a dot as decimal point, whatever the locale. Written under a
 * temporary name and renamed into place by ras_beatlog_commit.
 *
 * Not RT-safe: fed from the thread that drains the engine's beat queue.
 */
#ifndef RASBEAT_BEATLOG_H
#define RASBEAT_BEATLOG_H

#include <stddef.h>

#include "rasbeat/engine.h"

struct ras_beatlog;

struct ras_beatlog *ras_beatlog_create(const char *path, char *err, size_t errlen);
/* 0 or -EIO. */
int ras_beatlog_write(struct ras_beatlog *log, const struct ras_beat *beat);
/* Flush to the temporary file (rows written so far are whole). */
int ras_beatlog_flush(struct ras_beatlog *log);
/* Close and rename into place / remove; both free log. */
int ras_beatlog_commit(struct ras_beatlog *log, char *err, size_t errlen);
void ras_beatlog_abort(struct ras_beatlog *log);

/* ras_beat_fn adapter for ras_render_run: ctx is the beatlog. */
int ras_beatlog_beat_fn(const struct ras_beat *beat, void *ctx);

#endif

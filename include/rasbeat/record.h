/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - a session's record: the rows of its log folder, in memory
 *
 * A log folder (--log DIR) holds four files. Times are seconds from the
 * session's start (engine frame 0) on one clock; numbers use a dot as
 * decimal point whatever the locale; an empty field is "no value" (NAN,
 * or -1 for an index); the first line names the columns.
 *
 *   beats.csv   index,frame,time_s,heard_time_s,tempo_bpm,accent,audible,phase
 *               every beat of the schedule, sounded or not; heard_time_s is
 *               time_s plus the output latency; accent and audible are 0/1;
 *               phase is the name of the phase the beat fell in.
 *   steps.csv   time_s,foot,interval_s,beat_index,asynchrony_ms,
 *               relative_phase,tempo_bpm,cadence_spm
 *               foot L, R or -; interval_s since the previous step (empty
 *               for the first); beat_index the nearest beat as heard,
 *               asynchrony_ms the step's time less that beat's heard time
 *               (< 0: early), relative_phase 360 asynchrony / beat interval
 *               in degrees, (-180, 180] (all three empty when neither of
 *               the two beats around the step sounded); tempo_bpm the tempo
 *               of the cues sounding then (empty without cues); cadence_spm
 *               over the last 8 steps within 10 s (empty under 2 steps).
 *   events.csv  time_s,kind,detail
 *               kind is one of the RAS_EVENT_* names below; detail is free
 *               text, quoted as CSV wants when it holds a comma or a quote.
 *               A phase event's detail is "NAME (TYPE)".
 *   session.json  settings, versions, rate, latency, device, patient, start
 *               and end, and the summary of each phase (ras_phase_summary);
 *               rewritten whole (temporary file + rename).
 *
 * Not RT-safe: everything here allocates.
 */
#ifndef RASBEAT_RECORD_H
#define RASBEAT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/detect.h"

#define RAS_RECORD_NAME_MAX 64
#define RAS_RECORD_KIND_MAX 16
#define RAS_RECORD_DETAIL_MAX 256

/* events.csv kinds */
#define RAS_EVENT_START "start"		/* detail: what was asked (command line) */
#define RAS_EVENT_PHASE "phase"		/* detail: "NAME (TYPE)" */
#define RAS_EVENT_TEMPO "tempo"		/* detail: "BPM bpm: CAUSE" */
#define RAS_EVENT_PAUSE "pause"
#define RAS_EVENT_RESUME "resume"
#define RAS_EVENT_SENSOR "sensor"	/* lost, back, re-synced */
#define RAS_EVENT_XRUN "xrun"		/* detail: count so far */
#define RAS_EVENT_MARK "mark"		/* an operator's note */
#define RAS_EVENT_INFO "info"		/* a protocol's decision, a measured cadence */
#define RAS_EVENT_ERROR "error"
#define RAS_EVENT_END "end"		/* detail: why */

struct ras_record_beat {
	int64_t index, frame;
	double time_s, heard_s, tempo_bpm;
	bool accent, audible;
	int phase;			/* index in phases; -1 before the first */
};

struct ras_record_step {
	double time_s;
	enum ras_foot foot;
	double interval_s;		/* NAN for the first */
	int64_t beat_index;		/* -1: no cue near */
	double asynchrony_ms;		/* NAN when beat_index is -1 */
	double relative_phase_deg;	/* NAN when beat_index is -1 */
	double tempo_bpm;		/* NAN without cues */
	double cadence_spm;		/* NAN under 2 steps */
};

struct ras_record_event {
	double time_s;
	char kind[RAS_RECORD_KIND_MAX];
	char detail[RAS_RECORD_DETAIL_MAX];
};

/* A phase of the session, from its phase event to the next one (or the end). */
struct ras_record_phase {
	char name[RAS_RECORD_NAME_MAX];
	char type[RAS_RECORD_KIND_MAX];	/* baseline, cue, ramp, fade, post; a
					 * run without a protocol has one phase
					 * "cue" (cue), a program one of its own
					 * name (type "program") */
	double start_s, end_s;		/* end_s NAN while open */
};

/* What a clinician reads per phase. NAN: not enough data, or not cued. */
struct ras_phase_summary {
	char name[RAS_RECORD_NAME_MAX];
	char type[RAS_RECORD_KIND_MAX];
	double start_s, end_s;
	size_t steps;			/* steps in [start_s, end_s) */
	double cadence_spm;		/* 60 (steps - 1) / (last - first) */
	double tempo_bpm;		/* mean tempo of the sounded beats */
	double asynchrony_mean_ms;	/* of the steps with a beat_index */
	double asynchrony_sd_ms;	/* sample SD; NAN under 2 */
	double r;			/* mean resultant length of their phases */
	double cv_pct;			/* stride time CV, mean over the feet with
					 * 2 or more strides; without feet, step time CV */
	double asymmetry_pct;		/* symmetry index of L and R step times */
};

struct ras_record {
	/* From session.json when there is one; "" / NAN otherwise. */
	char patient[RAS_RECORD_NAME_MAX];
	char started[40];		/* ISO 8601 local time, "2026-11-21T10:15:00+01:00" */
	double rate, latency_s;

	struct ras_record_beat *beats;
	size_t nbeats;
	struct ras_record_step *steps;
	size_t nsteps;
	struct ras_record_event *events;
	size_t nevents;
	struct ras_record_phase *phases;
	size_t nphases;
	double end_s;			/* the end event's time, else the last row's */
};

/* An empty record (all counts 0). */
void ras_record_init(struct ras_record *r);
void ras_record_clear(struct ras_record *r);

/* Append a row; 0 or -ENOMEM. A phase event (kind "phase") also closes the
 * open phase and opens one (see ras_record_add_phase). */
int ras_record_add_beat(struct ras_record *r, const struct ras_record_beat *b);
int ras_record_add_step(struct ras_record *r, const struct ras_record_step *s);
int ras_record_add_event(struct ras_record *r, const struct ras_record_event *e);
/* Close the open phase at time_s and open `name` of `type`. 0 or -ENOMEM. */
int ras_record_add_phase(struct ras_record *r, double time_s, const char *name, const char *type);

/* The summary of phase i (0 <= i < nphases); an open phase ends at end_s. */
void ras_record_summarize(const struct ras_record *r, size_t i, struct ras_phase_summary *out);

/*
 * Read a log folder: beats.csv, steps.csv and events.csv (each may be
 * missing: a session killed at its start), session.json when present (its
 * summary is not read: it is rebuilt from the CSVs). A last line without
 * its newline (a write cut short) is dropped. 0, or a negative errno with
 * err set to "FILE:LINE: field: what is wrong".
 */
int ras_record_load(struct ras_record *r, const char *dir, char *err, size_t errlen);

#endif

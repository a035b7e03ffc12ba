/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - reports for clinicians
 *
 * One session (a record, record.h): per phase (baseline, cue, ramp, fade,
 * post) the figures of ras_record_summarize, as a table for the console;
 * an SVG figure with cadence and cue tempo against time over the shaded
 * phases, asynchrony against time, and each step's relative phase on a
 * circle with the mean vector (its length is R); and a self-contained HTML
 * page holding the table and the figure inline.
 *
 * Progress across sessions: one row and one point per session, in the
 * order the sessions started (those without a start date last, as given).
 *
 * Numbers use a dot as decimal point whatever the locale; no value (NAN)
 * shows as an en dash; text from the record (patient, phase names) is
 * escaped. Each writer returns 0, -ENOMEM, or -EIO when writing to `out`
 * failed (it flushes `out` to find out).
 *
 * Not RT-safe.
 */
#ifndef RASBEAT_REPORT_H
#define RASBEAT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "rasbeat/record.h"

int ras_report_text(const struct ras_record *r, FILE *out);
int ras_report_svg(const struct ras_record *r, FILE *out);
int ras_report_html(const struct ras_record *r, FILE *out);

/*
 * Phases of the given types (a NULL-terminated list) as one: steps summed,
 * from the first start to the last end, every other figure the mean of the
 * phases' weighted by their steps (plain mean when those with a value have
 * no steps), NAN when none has a value. name and type are set to `name`.
 */
void ras_report_combine(const struct ras_phase_summary *s, size_t n, const char *const *types,
			const char *name, struct ras_phase_summary *out);

/* A session in a progress report. */
struct ras_progress_row {
	char patient[RAS_RECORD_NAME_MAX];
	char started[40];
	struct ras_phase_summary baseline;	/* type baseline */
	struct ras_phase_summary cued;		/* cue, ramp and program */
	struct ras_phase_summary post;		/* post */
};

/* The row of one session. 0 or -ENOMEM. */
int ras_report_progress_row(const struct ras_record *r, struct ras_progress_row *out);

/*
 * Progress of recs[0..n): a table (date, baseline, cued and post cadence,
 * then the cued phases' tempo, R, asynchrony, CV and asymmetry), a plot of
 * the baseline, cued and post cadence with one point per session, and a
 * page with both.
 */
int ras_report_progress_text(const struct ras_record *const *recs, size_t n, FILE *out);
int ras_report_progress_svg(const struct ras_record *const *recs, size_t n, FILE *out);
int ras_report_progress_html(const struct ras_record *const *recs, size_t n, FILE *out);

#endif

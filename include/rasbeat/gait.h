/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - gait measures
 *
 * Pure functions of a list of steps (detect.h). This first part gives what
 * `rasbeat analyze` prints: step count, cadence, step and stride time mean
 * and coefficient of variation per foot, and step-time asymmetry. The
 * other measures (asynchrony, phase, PCI, DFA) are in measures.h.
 *
 * Not RT-safe (works on whole lists).
 */
#ifndef RASBEAT_GAIT_H
#define RASBEAT_GAIT_H

#include <stddef.h>

#include "rasbeat/detect.h"

struct ras_gait_summary {
	size_t steps;
	double duration_s;		/* first to last step */
	double cadence_spm;		/* steps per minute over that span */
	double step_mean_s;		/* consecutive steps, any feet */
	double step_cv_pct;
	size_t strides[2];		/* per foot (RAS_FOOT_LEFT, RAS_FOOT_RIGHT) */
	double stride_mean_s[2];	/* NAN when fewer than 2 steps of that foot */
	double stride_cv_pct[2];
	/* Step time per foot: from the other foot's strike to this one's
	 * (consecutive pairs only); NAN without any. */
	double foot_step_mean_s[2];
	double foot_step_cv_pct[2];
	/* Symmetry index 100 * 2|L - R| / (L + R) of the mean step times
	 * (L: right strike to the next left one); NAN without both feet. */
	double asymmetry_pct;
};

/* Summarize steps in time order. 0, or -EINVAL for an unsorted list. */
int ras_gait_summarize(const struct ras_step *steps, size_t n, struct ras_gait_summary *out);

#endif

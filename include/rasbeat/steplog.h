/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - step list (steps.csv from `rasbeat analyze`)
 *
 *   time_s,foot,interval_s,stride_s
 *
 * time_s on the recording's own time axis; foot L, R or - (unknown);
 * interval_s since the previous step, stride_s since the previous step of
 * the same foot (empty when there is none). Dot decimals whatever the
 * locale; written under a temporary name and renamed into place on commit.
 *
 * Not RT-safe.
 */
#ifndef RASBEAT_STEPLOG_H
#define RASBEAT_STEPLOG_H

#include <stddef.h>

#include "rasbeat/detect.h"

/* Write all steps to `path`. 0, or a negative errno with err set. */
int ras_steplog_write(const char *path, const struct ras_step *steps, size_t n,
		      char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "rasbeat/gait.h"

struct stat {
	size_t n;
	double sum, sumsq;
};

static void stat_add(struct stat *s, double x)
{
	s->n++;
	s->sum += x;
	s->sumsq += x * x;
}

static double stat_mean(const struct stat *s)
{
	return s->n ? s->sum / s->n : NAN;
}

/* Sample coefficient of variation, in percent. */
static double stat_cv(const struct stat *s)
{
	double mean = stat_mean(s), var;

	if (s->n < 2 || !(mean > 0))
		return NAN;
	var = (s->sumsq - s->n * mean * mean) / (s->n - 1);
	return 100 * sqrt(var > 0 ? var : 0) / mean;
}

int ras_gait_summarize(const struct ras_step *steps, size_t n, struct ras_gait_summary *out)
{
	struct stat stride[2] = { 0 }, step = { 0 }, side[2] = { 0 };
	int64_t last[2] = { -1, -1 };

	memset(out, 0, sizeof(*out));
	out->steps = n;
	for (size_t i = 1; i < n; i++)
		if (steps[i].time_ns < steps[i - 1].time_ns)
			return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct ras_step *s = &steps[i];
		int f = s->foot;

		if (i > 0) {
			double dt = (s->time_ns - steps[i - 1].time_ns) * 1e-9;

			stat_add(&step, dt);
			/* A step time is from the other foot's strike to this one. */
			if ((f == RAS_FOOT_LEFT || f == RAS_FOOT_RIGHT) &&
			    steps[i - 1].foot == 1 - f)
				stat_add(&side[f], dt);
		}
		if (f != RAS_FOOT_LEFT && f != RAS_FOOT_RIGHT)
			continue;
		if (last[f] >= 0)
			stat_add(&stride[f], (s->time_ns - last[f]) * 1e-9);
		last[f] = s->time_ns;
	}
	out->duration_s = n > 1 ? (steps[n - 1].time_ns - steps[0].time_ns) * 1e-9 : 0;
	out->cadence_spm = out->duration_s > 0 ? 60.0 * (n - 1) / out->duration_s : NAN;
	out->step_mean_s = stat_mean(&step);
	out->step_cv_pct = stat_cv(&step);
	for (int f = 0; f < 2; f++) {
		out->strides[f] = stride[f].n;
		out->stride_mean_s[f] = stat_mean(&stride[f]);
		out->stride_cv_pct[f] = stat_cv(&stride[f]);
	}
	if (side[0].n && side[1].n) {
		double l = stat_mean(&side[0]), r = stat_mean(&side[1]);

		out->asymmetry_pct = 100 * 2 * fabs(l - r) / (l + r);
	} else {
		out->asymmetry_pct = NAN;
	}
	return 0;
}

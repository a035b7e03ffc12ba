/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "rasbeat/gait.h"
#include "rasbeat/measures.h"

int ras_gait_summarize(const struct ras_step *steps, size_t n, struct ras_gait_summary *out)
{
	struct ras_stat stride[2] = { 0 }, step = { 0 }, side[2] = { 0 };
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

			ras_stat_add(&step, dt);
			/* A step time is from the other foot's strike to this one. */
			if ((f == RAS_FOOT_LEFT || f == RAS_FOOT_RIGHT) &&
			    steps[i - 1].foot == 1 - f)
				ras_stat_add(&side[f], dt);
		}
		if (f != RAS_FOOT_LEFT && f != RAS_FOOT_RIGHT)
			continue;
		if (last[f] >= 0)
			ras_stat_add(&stride[f], (s->time_ns - last[f]) * 1e-9);
		last[f] = s->time_ns;
	}
	out->duration_s = n > 1 ? (steps[n - 1].time_ns - steps[0].time_ns) * 1e-9 : 0;
	out->cadence_spm = out->duration_s > 0 ? 60.0 * (n - 1) / out->duration_s : NAN;
	out->step_mean_s = ras_stat_mean(&step);
	out->step_cv_pct = ras_stat_cv_pct(&step);
	for (int f = 0; f < 2; f++) {
		out->strides[f] = stride[f].n;
		out->stride_mean_s[f] = ras_stat_mean(&stride[f]);
		out->stride_cv_pct[f] = ras_stat_cv_pct(&stride[f]);
		out->foot_step_mean_s[f] = ras_stat_mean(&side[f]);
		out->foot_step_cv_pct[f] = ras_stat_cv_pct(&side[f]);
	}
	out->asymmetry_pct = ras_symmetry_index_pct(out->foot_step_mean_s[0],
						    out->foot_step_mean_s[1]);
	return 0;
}

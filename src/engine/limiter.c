/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdbool.h>

#include "rasbeat/limiter.h"

void ras_limiter_init(struct ras_limiter *lim, float ceiling, double release_s, double rate)
{
	lim->ceiling = ceiling;
	lim->env = 0;
	lim->release = (float)exp(-1.0 / (release_s * rate));
}

/* Block peak, and whether every sample is finite (x - x is NaN otherwise). */
static float block_peak(const float *l, const float *r, uint32_t n, bool *finite)
{
	float peak = 0, nan = 0;

	/* Plain comparisons: fmaxf's NaN rules keep it a library call. */
	for (uint32_t i = 0; i < n; i++) {
		float a = fabsf(l[i]), b = fabsf(r[i]);

		peak = a > peak ? a : peak;
		peak = b > peak ? b : peak;
		nan += (l[i] - l[i]) + (r[i] - r[i]);
	}
	*finite = nan == 0;
	return peak;
}

float ras_limiter_process(struct ras_limiter *lim, float *l, float *r, uint32_t n)
{
	const float c = lim->ceiling;
	float env = lim->env, peak;
	bool finite;

	/*
	 * Below the ceiling the gain is exactly 1 and an envelope under the
	 * ceiling never changes a later gain (a louder sample resets it), so
	 * a quiet block needs no per-sample work: the common case by far.
	 */
	peak = block_peak(l, r, n, &finite);
	if (finite && peak <= c && env <= c) {
		lim->env = fmaxf(peak, env * powf(lim->release, (float)n));
		return peak;
	}
	peak = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!isfinite(l[i]) || !isfinite(r[i]))
			l[i] = r[i] = 0;
		float p = fmaxf(fabsf(l[i]), fabsf(r[i]));

		env = p > env ? p : p + lim->release * (env - p);
		if (env > c) {
			float g = c / env;

			l[i] *= g;
			r[i] *= g;
		}
		/* g * p <= c holds in exact arithmetic; the clamp covers rounding. */
		l[i] = fminf(fmaxf(l[i], -c), c);
		r[i] = fminf(fmaxf(r[i], -c), c);
		peak = fmaxf(peak, fmaxf(fabsf(l[i]), fabsf(r[i])));
	}
	/* Keep denormals out of the envelope's long tail. */
	lim->env = env < 1e-20f ? 0 : env;
	return peak;
}

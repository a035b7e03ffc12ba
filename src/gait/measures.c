/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/measures.h"

/* Welford: sums of squares cancel badly for times that vary by 1 %. */
void ras_stat_add(struct ras_stat *s, double x)
{
	double d = x - s->mean;

	s->n++;
	s->mean += d / s->n;
	s->m2 += d * (x - s->mean);
}

void ras_stat_add_array(struct ras_stat *s, const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ras_stat_add(s, x[i]);
}

double ras_stat_mean(const struct ras_stat *s)
{
	return s->n ? s->mean : NAN;
}

double ras_stat_sd(const struct ras_stat *s)
{
	return s->n < 2 ? NAN : sqrt(s->m2 > 0 ? s->m2 / (s->n - 1) : 0);
}

double ras_stat_cv_pct(const struct ras_stat *s)
{
	if (s->n < 2 || !(s->mean > 0))
		return NAN;
	return 100 * ras_stat_sd(s) / s->mean;
}

double ras_symmetry_index_pct(double l, double r)
{
	return l + r > 0 ? 100 * 2 * fabs(l - r) / (l + r) : NAN;
}

/* Index of the first step after t (n when none): the steps at or before t. */
static size_t steps_upto(const struct ras_step *steps, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (steps[mid].time_ns <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ras_cadence_window(const struct ras_step *steps, size_t n, int64_t now_ns,
		       size_t max_steps, double max_s, double *spm)
{
	size_t end = steps_upto(steps, n, now_ns), first;

	if (!max_steps && !(max_s > 0))
		return -EINVAL;
	first = max_steps && end > max_steps ? end - max_steps : 0;
	if (max_s > 0) {
		double from = now_ns - max_s * 1e9;

		while (first < end && steps[first].time_ns < from)
			first++;
	}
	if (end - first < 2 || steps[end - 1].time_ns == steps[first].time_ns)
		return -ENODATA;
	*spm = 60.0 * (end - first - 1) / ((steps[end - 1].time_ns - steps[first].time_ns) * 1e-9);
	return 0;
}

static int unsorted(const struct ras_step *steps, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (steps[i].time_ns < steps[i - 1].time_ns)
			return 1;
	return 0;
}

static int known(enum ras_foot f)
{
	return f == RAS_FOOT_LEFT || f == RAS_FOOT_RIGHT;
}

ssize_t ras_step_times(const struct ras_step *steps, size_t n, enum ras_foot foot,
		       double *out, size_t max)
{
	size_t k = 0;

	if (unsorted(steps, n))
		return -EINVAL;
	for (size_t i = 1; i < n; i++) {
		if (foot != RAS_FOOT_NONE &&
		    (steps[i].foot != foot || steps[i - 1].foot != 1 - foot))
			continue;
		if (k < max)
			out[k] = (steps[i].time_ns - steps[i - 1].time_ns) * 1e-9;
		k++;
	}
	return k;
}

ssize_t ras_stride_times(const struct ras_step *steps, size_t n, enum ras_foot foot,
			 double *out, size_t max)
{
	int64_t last = 0;
	size_t k = 0;
	int have = 0;

	if (!known(foot) || unsorted(steps, n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (steps[i].foot != foot)
			continue;
		if (have) {
			if (k < max)
				out[k] = (steps[i].time_ns - last) * 1e-9;
			k++;
		}
		last = steps[i].time_ns;
		have = 1;
	}
	return k;
}

void ras_circ_add(struct ras_circ *c, double rad)
{
	c->n++;
	c->sum_cos += cos(rad);
	c->sum_sin += sin(rad);
}

double ras_circ_r(const struct ras_circ *c)
{
	double r;

	if (!c->n)
		return NAN;
	r = hypot(c->sum_cos, c->sum_sin) / c->n;
	return r > 1 ? 1 : r;	/* rounding of n identical angles */
}

/* Into (-pi, pi]. */
static double wrap_pi(double a)
{
	a = remainder(a, 2 * M_PI);
	return a <= -M_PI ? a + 2 * M_PI : a;
}

double ras_circ_mean(const struct ras_circ *c)
{
	if (!c->n || (c->sum_cos == 0 && c->sum_sin == 0))
		return NAN;
	return wrap_pi(atan2(c->sum_sin, c->sum_cos));
}

double ras_rayleigh_p(size_t n, double r)
{
	double nr = n * r, p;

	if (!n || isnan(r))
		return NAN;
	p = exp(sqrt(1 + 4.0 * n + 4 * ((double)n * n - nr * nr)) - (1 + 2.0 * n));
	return p > 1 ? 1 : p;
}

double ras_circ_rayleigh_p(const struct ras_circ *c)
{
	return ras_rayleigh_p(c->n, ras_circ_r(c));
}

int ras_sync_step(int64_t step_ns, const int64_t *beats_ns, size_t nbeats,
		  struct ras_sync *out)
{
	size_t lo = 0, hi = nbeats, k;
	int64_t a, interval;

	if (nbeats < 2)
		return -ENODATA;
	/* lo: the first beat after the step; the step lies in [lo - 1, lo). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (beats_ns[mid] <= step_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		k = 0;
		interval = beats_ns[1] - beats_ns[0];
	} else if (lo == nbeats) {
		k = nbeats - 1;
		interval = beats_ns[k] - beats_ns[k - 1];
	} else {
		interval = beats_ns[lo] - beats_ns[lo - 1];
		/* The earlier beat on a tie keeps the phase at +pi, not -pi. */
		k = step_ns - beats_ns[lo - 1] <= beats_ns[lo] - step_ns ? lo - 1 : lo;
	}
	a = step_ns - beats_ns[k];
	if (interval <= 0 || 2 * a > interval || 2 * a <= -interval)
		return -ERANGE;
	out->beat = k;
	out->asynchrony_ms = a * 1e-6;
	out->phase_rad = 2 * M_PI * ((double)a / interval);
	return 0;
}

int ras_sync_summarize(const struct ras_step *steps, size_t n, const int64_t *beats_ns,
		       size_t nbeats, struct ras_sync *per_step, struct ras_sync_summary *out)
{
	struct ras_stat as = { 0 };
	struct ras_circ ph = { 0 };

	memset(out, 0, sizeof(*out));
	if (unsorted(steps, n))
		return -EINVAL;
	for (size_t i = 1; i < nbeats; i++)
		if (beats_ns[i] <= beats_ns[i - 1])
			return -EINVAL;
	if (nbeats < 2)
		return -ENODATA;
	for (size_t i = 0; i < n; i++) {
		struct ras_sync s;

		if (ras_sync_step(steps[i].time_ns, beats_ns, nbeats, &s)) {
			s.beat = SIZE_MAX;
			s.asynchrony_ms = s.phase_rad = NAN;
			out->outside++;
		} else {
			ras_stat_add(&as, s.asynchrony_ms);
			ras_circ_add(&ph, s.phase_rad);
		}
		if (per_step)
			per_step[i] = s;
	}
	out->steps = as.n;
	out->asynchrony_mean_ms = ras_stat_mean(&as);
	out->asynchrony_sd_ms = ras_stat_sd(&as);
	out->r = ras_circ_r(&ph);
	out->phase_mean_rad = ras_circ_mean(&ph);
	out->rayleigh_p = ras_circ_rayleigh_p(&ph);
	return 0;
}

int ras_phase_coordination(const struct ras_step *steps, size_t n, enum ras_foot ref,
			   struct ras_pci *out)
{
	struct ras_stat phi = { 0 }, dev = { 0 };
	size_t last = SIZE_MAX, others = 0, other_at = 0;

	memset(out, 0, sizeof(*out));
	if (unsorted(steps, n))
		return -EINVAL;
	if (!known(ref)) {
		/* Heel strikes show no swing; the step time onto a foot is its
		 * swing plus a double support, so the longer one stands in. */
		struct ras_stat st[2] = { 0 };

		for (size_t i = 1; i < n; i++)
			if (known(steps[i].foot) && steps[i - 1].foot == 1 - steps[i].foot)
				ras_stat_add(&st[steps[i].foot],
					     (steps[i].time_ns - steps[i - 1].time_ns) * 1e-9);
		ref = st[RAS_FOOT_RIGHT].n && st[RAS_FOOT_LEFT].n &&
		      st[RAS_FOOT_RIGHT].mean > st[RAS_FOOT_LEFT].mean ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT;
	}
	out->ref = ref;
	for (size_t i = 0; i < n; i++) {
		if (steps[i].foot == (enum ras_foot)(1 - ref)) {
			others++;
			other_at = i;
			continue;
		}
		if (steps[i].foot != ref)
			continue;
		if (last != SIZE_MAX) {
			int64_t stride = steps[i].time_ns - steps[last].time_ns;

			if (others == 1 && stride > 0) {
				double p = 360.0 * (steps[other_at].time_ns - steps[last].time_ns) / stride;

				ras_stat_add(&phi, p);
				ras_stat_add(&dev, fabs(p - 180));
			} else {
				out->skipped++;
			}
		}
		last = i;
		others = 0;
	}
	out->strides = phi.n;
	out->phi_mean_deg = ras_stat_mean(&phi);
	out->phi_cv_pct = ras_stat_cv_pct(&phi);
	out->phi_abs_deg = ras_stat_mean(&dev);
	out->p_phi_abs_pct = 100 * out->phi_abs_deg / 180;
	out->pci_pct = out->phi_cv_pct + out->p_phi_abs_pct;
	return 0;
}

/* Profile: cumulative sum of x - mean. */
static double *dfa_profile(const double *x, size_t n)
{
	double *y = malloc(n * sizeof(*y)), mean = 0, sum = 0;

	if (!y)
		return NULL;
	for (size_t i = 0; i < n; i++)
		mean += x[i];
	mean /= n;
	for (size_t i = 0; i < n; i++)
		y[i] = sum += x[i] - mean;
	return y;
}

/* F(b): rms residual from each box's least-squares line, boxes from the start. */
static double dfa_f(const double *y, size_t n, size_t b)
{
	double xm = (b - 1) / 2.0, sxx = b * ((double)b * b - 1) / 12, ss = 0;
	size_t boxes = n / b;

	for (size_t k = 0; k < boxes; k++) {
		const double *v = y + k * b;
		double ym = 0, sxy = 0, syy = 0;

		for (size_t i = 0; i < b; i++)
			ym += v[i];
		ym /= b;
		for (size_t i = 0; i < b; i++) {
			sxy += (i - xm) * (v[i] - ym);
			syy += (v[i] - ym) * (v[i] - ym);
		}
		ss += syy - sxy * sxy / sxx;
	}
	return sqrt(ss > 0 ? ss / (boxes * b) : 0);
}

int ras_dfa_fluctuation(const double *x, size_t n, size_t box, double *f)
{
	double *y;

	if (box < 3 || box > n)
		return -EINVAL;
	y = dfa_profile(x, n);
	if (!y)
		return -ENOMEM;
	*f = dfa_f(y, n, box);
	free(y);
	return 0;
}

int ras_dfa_alpha(const double *x, size_t n, double *alpha)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, *y;
	size_t m = 0, prev = 0;

	*alpha = NAN;
	if (n < RAS_DFA_MIN)
		return 0;
	y = dfa_profile(x, n);
	if (!y)
		return -ENOMEM;
	/* Four box sizes an octave, rounded, each once. */
	for (int k = 0;; k++) {
		size_t b = (size_t)lround(4 * exp2(k / 4.0));
		double lb, lf, f;

		if (b > n / 4)
			break;
		if (b == prev)
			continue;
		prev = b;
		f = dfa_f(y, n, b);
		if (!(f > 0)) {
			free(y);
			return 0;	/* a constant series: no scaling */
		}
		lb = log(b);
		lf = log(f);
		sx += lb;
		sy += lf;
		sxx += lb * lb;
		sxy += lb * lf;
		m++;
	}
	free(y);
	*alpha = (m * sxy - sx * sy) / (m * sxx - sx * sx);
	return 0;
}

int ras_stride_dfa(const struct ras_step *steps, size_t n, enum ras_foot foot, double *alpha)
{
	ssize_t k = ras_stride_times(steps, n, foot, NULL, 0);
	double *x;
	int ret;

	*alpha = NAN;
	if (k < 0)
		return k;
	if (k < RAS_DFA_MIN)
		return 0;
	x = malloc(k * sizeof(*x));
	if (!x)
		return -ENOMEM;
	ras_stride_times(steps, n, foot, x, k);
	ret = ras_dfa_alpha(x, k, alpha);
	free(x);
	return ret;
}

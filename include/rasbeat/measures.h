/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - gait measures
 *
 * Pure functions of steps (detect.h) and heard beat times: cadence, step and
 * stride times, variability, symmetry, step-to-beat asynchrony and relative
 * phase, circular statistics, the phase coordination index and DFA. No I/O.
 * docs/measures.md gives each formula, its units, edge cases and source.
 *
 * Times: steps and beats on one clock, in ns (struct ras_step's time_ns); a
 * beat time is when the cue was heard (its onset on that clock, output
 * latency included), which the caller works out. Lists are in time order.
 * "Not enough data" gives NAN, not an error.
 *
 * RT-safe (no allocation, no lock): the ras_stat_* and ras_circ_*
 * accumulators, ras_rayleigh_p, ras_symmetry_index_pct, ras_cadence_window,
 * ras_sync_step. The whole-list functions do not allocate either, except
 * ras_dfa_alpha, ras_dfa_fluctuation and ras_stride_dfa.
 */
#ifndef RASBEAT_MEASURES_H
#define RASBEAT_MEASURES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rasbeat/detect.h"

/* Running mean and variance (Welford). Zero-initialize. */
struct ras_stat {
	size_t n;
	double mean, m2;
};

void ras_stat_add(struct ras_stat *s, double x);
/* Add x[0..n). */
void ras_stat_add_array(struct ras_stat *s, const double *x, size_t n);
/* NAN when empty. */
double ras_stat_mean(const struct ras_stat *s);
/* Sample standard deviation (n - 1); NAN under 2 values. */
double ras_stat_sd(const struct ras_stat *s);
/* Coefficient of variation 100 * sd / mean, %; NAN under 2 values or mean <= 0. */
double ras_stat_cv_pct(const struct ras_stat *s);

/* Symmetry index 100 * 2|l - r| / (l + r), %; NAN unless l + r > 0. */
double ras_symmetry_index_pct(double l, double r);

/*
 * Cadence at now_ns, steps/min, from the steps at or before now_ns: the last
 * max_steps of them (0: no limit) no older than now_ns - max_s (max_s <= 0:
 * no limit). With k steps kept, *spm = 60 (k - 1) / (last - first). The
 * figure holds while a walker stands still, until the steps leave the
 * window. 0; -ENODATA under 2 steps (or all at one time); -EINVAL when
 * neither limit is set.
 */
int ras_cadence_window(const struct ras_step *steps, size_t n, int64_t now_ns,
		       size_t max_steps, double max_s, double *spm);

/*
 * Step times of `foot`, s: from a strike of the other foot to the next step
 * when that is of `foot` (a step of the same foot or an unknown one in
 * between breaks the pair). RAS_FOOT_NONE: every interval between
 * consecutive steps. Writes up to max to out (may be NULL when max is 0) and
 * returns how many there are, or -EINVAL for an unsorted list.
 */
ssize_t ras_step_times(const struct ras_step *steps, size_t n, enum ras_foot foot,
		       double *out, size_t max);
/* Stride times of `foot`, s: between its consecutive strikes. As above;
 * -EINVAL also for RAS_FOOT_NONE. */
ssize_t ras_stride_times(const struct ras_step *steps, size_t n, enum ras_foot foot,
			 double *out, size_t max);

/* Circular statistics of angles in radians. Zero-initialize. */
struct ras_circ {
	size_t n;
	double sum_cos, sum_sin;
};

void ras_circ_add(struct ras_circ *c, double rad);
/* Mean resultant length R, 0..1; NAN when empty. */
double ras_circ_r(const struct ras_circ *c);
/* Mean angle in (-pi, pi]; NAN when empty or R is 0 (meaningless near it). */
double ras_circ_mean(const struct ras_circ *c);
/* Rayleigh test of uniformity for ras_circ_r: ras_rayleigh_p(n, R). */
double ras_circ_rayleigh_p(const struct ras_circ *c);
/*
 * Rayleigh test p-value for n angles with mean resultant length r, by Zar's
 * approximation exp(sqrt(1 + 4n + 4(n^2 - (nr)^2)) - (1 + 2n)); good from
 * about n = 10, rough below. NAN when n is 0.
 */
double ras_rayleigh_p(size_t n, double r);

/* One step against the heard beats. */
struct ras_sync {
	size_t beat;		/* index of the nearest beat (the earlier on a tie) */
	double asynchrony_ms;	/* step time minus that beat's; < 0: step early */
	/* Relative phase 2 pi asynchrony / interval, in (-pi, pi]: the interval
	 * is that of the two beats around the step (the first or last one
	 * outside the beats). */
	double phase_rad;
};

/*
 * Match a step to beats_ns[0..nbeats), strictly increasing. 0; -ENODATA
 * under 2 beats; -ERANGE when the step lies more than half an interval
 * before the first beat or after the last (out is left alone).
 */
int ras_sync_step(int64_t step_ns, const int64_t *beats_ns, size_t nbeats,
		  struct ras_sync *out);

struct ras_sync_summary {
	size_t steps;			/* matched to a beat */
	size_t outside;			/* -ERANGE: before or after the beats */
	double asynchrony_mean_ms;	/* NAN when no step matched */
	double asynchrony_sd_ms;	/* NAN under 2 */
	double r;			/* mean resultant length of the phases */
	double phase_mean_rad;		/* their mean angle */
	double rayleigh_p;
};

/*
 * ras_sync_step for every step, and the summary. per_step (n entries, or
 * NULL) gets each match; a step outside the beats gets beat SIZE_MAX and NAN
 * times. 0; -EINVAL when the steps are unsorted or the beats not strictly
 * increasing; -ENODATA under 2 beats.
 */
int ras_sync_summarize(const struct ras_step *steps, size_t n, const int64_t *beats_ns,
		       size_t nbeats, struct ras_sync *per_step, struct ras_sync_summary *out);

/* Phase coordination index (Plotnik, Giladi and Hausdorff 2007). */
struct ras_pci {
	enum ras_foot ref;	/* reference foot used */
	size_t strides;		/* used: exactly one strike of the other foot inside */
	size_t skipped;		/* reference strides with none or several */
	double phi_mean_deg;	/* mean phi_i = 360 (t_other - t_ref) / stride */
	double phi_cv_pct;	/* CV of phi_i; NAN under 2 strides */
	double phi_abs_deg;	/* mean |phi_i - 180| */
	double p_phi_abs_pct;	/* 100 phi_abs / 180 */
	double pci_pct;		/* phi_cv + p_phi_abs; NAN under 2 strides */
};

/*
 * PCI with strides of `ref` (RAS_FOOT_NONE: the foot with the longer mean
 * step time, standing in for Plotnik's longer-swing leg). Steps of unknown
 * foot are ignored. 0 (NAN fields when nothing qualifies); -EINVAL for an
 * unsorted list.
 */
int ras_phase_coordination(const struct ras_step *steps, size_t n, enum ras_foot ref,
			   struct ras_pci *out);

/* Fewest values ras_dfa_alpha takes: shorter series give NAN. */
#define RAS_DFA_MIN 200

/*
 * DFA scaling exponent alpha of x[0..n) (Peng et al. 1995): the profile
 * (cumulative sum of x - mean) is cut into non-overlapping boxes of b values
 * (from the start, the remainder unused) for b log-spaced from 4 to n / 4,
 * each box detrended by its least-squares line; alpha is the least-squares
 * slope of log F(b) against log b, F(b) the rms residual. 0 with *alpha NAN
 * when n < RAS_DFA_MIN or x is constant; -ENOMEM.
 */
int ras_dfa_alpha(const double *x, size_t n, double *alpha);
/* F(box) of the above for one box size (3 <= box <= n). 0; -EINVAL; -ENOMEM. */
int ras_dfa_fluctuation(const double *x, size_t n, size_t box, double *f);
/* ras_dfa_alpha of ras_stride_times(foot); *alpha NAN under RAS_DFA_MIN
 * strides. 0; -EINVAL (as ras_stride_times); -ENOMEM. */
int ras_stride_dfa(const struct ras_step *steps, size_t n, enum ras_foot foot, double *alpha);

#endif

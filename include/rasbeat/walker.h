/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - a simulated walker
 *
 * A deterministic stochastic model of a person stepping, to stand in for a
 * sensor (--walker): the demo shows the whole loop without hardware and
 * closed-loop tests run offline. Steps come out as from a step source
 * (stepsource.h): time_ns on the session clock, feet alternating.
 *
 * Model: a Wing-Kristofferson timekeeper with linear phase and period
 * correction (Vorberg & Wing 1996, Repp 2005). Step n strikes at
 * t_n = k_n + M_n, where k_n is the timekeeper's command and M_n motor
 * noise; with A_n = t_n - the nearest heard beat within half a step:
 *
 *   k_{n+1} = k_n + T_n * side + C_n - alpha * A_n
 *   T_{n+1} = T_n - beta * A_n
 *
 * T_n is the step period: 60 / cadence, lowered by fatigue, plus what
 * period correction has added (kept within half to twice the intrinsic
 * period). side is 1 +- asym / 200 for the foot that lands. C_n and M_n
 * are zero-mean, near-Gaussian noises (sums of 12 uniforms, so no log or
 * cos) sharing the interval variance (cv * T)^2 as `motor` says. With no beat
 * in reach a step gets no correction: the walker carries on at the period
 * it has adopted. The linear system settles iff 0 <= beta < alpha (or
 * both 0), which the config enforces.
 *
 * Causality: step n+1 is decided at t_n + T_n / 2, when every beat that
 * could be nearest to t_n (the window is [t_n - T_n/2, t_n + T_n/2)) has
 * been heard; a step never lands before it is decided. So a step's time
 * depends only on beats heard before it, and the same beats give the same
 * steps however finely the walker is driven.
 *
 * Driving contract:
 *   - ras_walker_hear() every beat that sounded, at its heard time (beat
 *     time + output latency), in nondecreasing order;
 *   - before ras_walker_next(w, until_s, ...), every beat heard before
 *     until_s must have been passed in; beats heard later may be passed
 *     too (they are only used once in reach);
 *   - call ras_walker_next() until it returns false, for each until_s;
 *     until_s may advance by any amount (a JACK cycle, a 10 ms poll, the
 *     whole session at once).
 *
 * Same config (seed included), same beats: same steps, bit for bit, on any
 * IEEE-754 machine.
 *
 * RT-safe once created: ras_walker_hear, ras_walker_next (no allocation,
 * no I/O). Not RT-safe: the rest.
 */
#ifndef RASBEAT_WALKER_H
#define RASBEAT_WALKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/detect.h"	/* struct ras_step */

#define RAS_WALKER_FREEZES 4
/* Beats held ahead of the walker; hearing more gives -ENOSPC. */
#define RAS_WALKER_BEATS 1024

struct ras_walker_config {
	double cadence;		/* steps per minute (100) */
	double cv;		/* step-interval variability, % of the period (3) */
	double motor;		/* share of that variance that is motor noise, % (20) */
	double coupling;	/* alpha, phase correction gain 0..1 (0: deaf to the beat) */
	double period;		/* beta, period correction gain, below alpha; < 0: alpha / 2 */
	double asym;		/* symmetry index of step times, %; > 0: left steps longer */
	double fatigue;		/* cadence drop, % of cadence per minute from the first step */
	double start;		/* first step, s on the session clock; < 0: one period */
	enum ras_foot first;	/* foot of the first step (left) */
	uint64_t seed;		/* (1) */
	int freezes;		/* freezing of gait: no steps in [start, start + length) */
	struct {
		double start, length;
	} freeze[RAS_WALKER_FREEZES];
};

struct ras_walker;

/* Defaults: 100 steps/min, cv 3 %, motor 20 %, uncoupled, seed 1. */
void ras_walker_config_default(struct ras_walker_config *cfg);

/*
 * Parse "cadence=92,cv=3,coupling=0.3,seed=7" into cfg (defaults first).
 * Keys: cadence, cv, motor, coupling, period, asym, fatigue, start,
 * first (L|R), seed, freeze=START:LENGTH (up to RAS_WALKER_FREEZES times).
 * 0, or -EINVAL with "--walker: KEY: what is wrong" in err.
 */
int ras_walker_parse(const char *spec, struct ras_walker_config *cfg, char *err, size_t errlen);

/* The config as a spec ras_walker_parse reads back (for logs).
 * 0, or -ENOSPC when buf is too short. */
int ras_walker_describe(const struct ras_walker_config *cfg, char *buf, size_t len);

/* NULL with errno EINVAL (a value out of range) or ENOMEM. */
struct ras_walker *ras_walker_new(const struct ras_walker_config *cfg);
void ras_walker_free(struct ras_walker *w);

/* A beat heard at heard_s (session clock, s). 0; -EINVAL when not finite
 * or before the last beat heard; -ENOSPC when RAS_WALKER_BEATS beats are
 * already waiting ahead of the walker. RT-safe. */
int ras_walker_hear(struct ras_walker *w, double heard_s);

/* The next step before until_s into *step: true, or false when there is
 * none yet. See the driving contract above. RT-safe. */
bool ras_walker_next(struct ras_walker *w, double until_s, struct ras_step *step);

#endif

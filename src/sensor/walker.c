/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rasbeat/decimal.h"
#include "rasbeat/walker.h"

#define RING RAS_WALKER_BEATS

struct ras_walker {
	struct ras_walker_config cfg;
	double alpha, beta, t0;
	double sd_keeper, sd_motor;	/* noise sd as a fraction of the period */
	uint64_t rng[4];
	/* Step n, the last one decided. */
	double t, k;
	double adapt;			/* period correction so far, s */
	enum ras_foot foot;
	bool pending;			/* decided, not yet handed out */
	/* Heard beats in order; the older ones are dropped once out of reach. */
	double beat[RING];
	unsigned head, count;
	double last_beat, horizon;
};

/* Numeric keys and their ranges; ras_walker_new checks the same. */
static const struct num_key {
	const char *name;
	size_t off;
	double lo, hi;
} nums[] = {
	{ "cadence", offsetof(struct ras_walker_config, cadence), 20, 250 },
	{ "cv", offsetof(struct ras_walker_config, cv), 0, 30 },
	{ "motor", offsetof(struct ras_walker_config, motor), 0, 100 },
	{ "coupling", offsetof(struct ras_walker_config, coupling), 0, 1 },
	{ "period", offsetof(struct ras_walker_config, period), 0, 1 },
	{ "asym", offsetof(struct ras_walker_config, asym), -50, 50 },
	{ "fatigue", offsetof(struct ras_walker_config, fatigue), 0, 20 },
	{ "start", offsetof(struct ras_walker_config, start), 0, 86400 },
};
#define NNUMS (sizeof(nums) / sizeof(nums[0]))
#define FREEZE_RANGE "START must be 0 to 86400 s, LENGTH above 0 up to 3600 s"
#define KEY_LIST "cadence, cv, motor, coupling, period, asym, fatigue, start, first, seed, freeze"

static double *num_field(struct ras_walker_config *cfg, const struct num_key *k)
{
	return (double *)((char *)cfg + k->off);
}

void ras_walker_config_default(struct ras_walker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cadence = 100;
	cfg->cv = 3;
	cfg->motor = 20;
	cfg->period = -1;
	cfg->start = -1;
	cfg->first = RAS_FOOT_LEFT;
	cfg->seed = 1;
}

static double beta_of(const struct ras_walker_config *cfg)
{
	return cfg->period < 0 ? cfg->coupling / 2 : cfg->period;
}

/* What ras_walker_parse and ras_walker_new both refuse: false with "KEY: why". */
static bool valid(const struct ras_walker_config *cfg, char *msg, size_t len)
{
	for (size_t i = 0; i < NNUMS; i++) {
		double v = *num_field((struct ras_walker_config *)cfg, &nums[i]);

		/* period and start < 0 stand for their defaults */
		if ((nums[i].off == offsetof(struct ras_walker_config, period) ||
		     nums[i].off == offsetof(struct ras_walker_config, start)) && v < 0)
			continue;
		if (!(v >= nums[i].lo && v <= nums[i].hi)) {
			snprintf(msg, len, "%s: %g is out of range (%g to %g)", nums[i].name, v,
				 nums[i].lo, nums[i].hi);
			return false;
		}
	}
	if (beta_of(cfg) > 0 && beta_of(cfg) >= cfg->coupling) {
		snprintf(msg, len, "period: %g is not below coupling %g: the walker would never settle",
			 beta_of(cfg), cfg->coupling);
		return false;
	}
	if (cfg->first != RAS_FOOT_LEFT && cfg->first != RAS_FOOT_RIGHT) {
		snprintf(msg, len, "first: not L or R");
		return false;
	}
	if (cfg->freezes < 0 || cfg->freezes > RAS_WALKER_FREEZES) {
		snprintf(msg, len, "freeze: more than %d", RAS_WALKER_FREEZES);
		return false;
	}
	for (int i = 0; i < cfg->freezes; i++)
		if (!(cfg->freeze[i].start >= 0 && cfg->freeze[i].start <= 86400 &&
		      cfg->freeze[i].length > 0 && cfg->freeze[i].length <= 3600)) {
			snprintf(msg, len, "freeze: %g:%g: " FREEZE_RANGE, cfg->freeze[i].start,
				 cfg->freeze[i].length);
			return false;
		}
	return true;
}

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, const char *key, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "--walker: %s: %s", key, msg);
	return -EINVAL;
}

/* Keys other than freeze may be given once: bit i for nums[i], then first, seed. */
static int once(const char *key, unsigned bit, unsigned *seen, char *err, size_t errlen)
{
	if (*seen & 1u << bit)
		return fail(err, errlen, key, "given twice");
	*seen |= 1u << bit;
	return 0;
}

static int parse_item(const char *key, char *val, struct ras_walker_config *cfg,
		      unsigned *seen, char *err, size_t errlen)
{
	char *end, *colon;
	double v, l;

	for (size_t i = 0; i < NNUMS; i++) {
		if (strcmp(key, nums[i].name))
			continue;
		if (once(key, i, seen, err, errlen))
			return -EINVAL;
		if (!ras_decimal(val, &v))
			return fail(err, errlen, key, "'%s' is not a number", val);
		if (v < nums[i].lo || v > nums[i].hi)
			return fail(err, errlen, key, "%s is out of range (%g to %g)", val,
				    nums[i].lo, nums[i].hi);
		*num_field(cfg, &nums[i]) = v;
		return 0;
	}
	if (!strcmp(key, "first")) {
		if (once(key, NNUMS, seen, err, errlen))
			return -EINVAL;
		if (!strcasecmp(val, "L") || !strcasecmp(val, "left"))
			cfg->first = RAS_FOOT_LEFT;
		else if (!strcasecmp(val, "R") || !strcasecmp(val, "right"))
			cfg->first = RAS_FOOT_RIGHT;
		else
			return fail(err, errlen, key, "'%s' is not L or R", val);
		return 0;
	}
	if (!strcmp(key, "seed")) {
		if (once(key, NNUMS + 1, seen, err, errlen))
			return -EINVAL;
		errno = 0;
		cfg->seed = strtoull(val, &end, 10);
		if (!isdigit((unsigned char)*val) || *end || errno)
			return fail(err, errlen, key, "'%s' is not a whole number (0 to 2^64-1)", val);
		return 0;
	}
	if (strcmp(key, "freeze"))
		return fail(err, errlen, key, "unknown key (" KEY_LIST ")");
	if (cfg->freezes == RAS_WALKER_FREEZES)
		return fail(err, errlen, key, "more than %d", RAS_WALKER_FREEZES);
	colon = strchr(val, ':');
	if (colon)
		*colon = '\0';
	if (!colon || !ras_decimal(val, &v) || !ras_decimal(colon + 1, &l)) {
		if (colon)
			*colon = ':';
		return fail(err, errlen, key, "'%s' is not START:LENGTH (seconds)", val);
	}
	*colon = ':';
	if (!(v >= 0 && v <= 86400 && l > 0 && l <= 3600))
		return fail(err, errlen, key, "'%s': " FREEZE_RANGE, val);
	cfg->freeze[cfg->freezes].start = v;
	cfg->freeze[cfg->freezes].length = l;
	cfg->freezes++;
	return 0;
}

int ras_walker_parse(const char *spec, struct ras_walker_config *cfg, char *err, size_t errlen)
{
	const char *p = spec;
	unsigned seen = 0;
	char msg[200];

	ras_walker_config_default(cfg);
	while (*spec && p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128], *eq;
		int ret;

		if (len == 0) {
			snprintf(err, errlen, "--walker: empty item in '%s'", spec);
			return -EINVAL;
		}
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "--walker: '%.20s...': too long", p);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		eq = strchr(item, '=');
		if (eq == item) {
			snprintf(err, errlen, "--walker: '%s': no key before '='", item);
			return -EINVAL;
		}
		if (!eq)
			return fail(err, errlen, item, "needs a value (%s=VALUE)", item);
		*eq = '\0';
		ret = parse_item(item, eq + 1, cfg, &seen, err, errlen);
		if (ret)
			return ret;
		p = comma ? comma + 1 : NULL;
	}
	if (!valid(cfg, msg, sizeof(msg))) {
		snprintf(err, errlen, "--walker: %s", msg);
		return -EINVAL;
	}
	return 0;
}

int ras_walker_describe(const struct ras_walker_config *cfg, char *buf, size_t len)
{
	size_t n;

	n = (size_t)snprintf(buf, len, "cadence=%.15g,cv=%.15g,motor=%.15g,coupling=%.15g,"
			     "period=%.15g,asym=%.15g,fatigue=%.15g,first=%s,seed=%" PRIu64,
			     cfg->cadence, cfg->cv, cfg->motor, cfg->coupling, beta_of(cfg),
			     cfg->asym, cfg->fatigue, cfg->first == RAS_FOOT_RIGHT ? "R" : "L",
			     cfg->seed);
	if (cfg->start >= 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",start=%.15g", cfg->start);
	for (int i = 0; i < cfg->freezes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, ",freeze=%.15g:%.15g", cfg->freeze[i].start,
				      cfg->freeze[i].length);
	return n < len ? 0 : -ENOSPC;
}

/* xoshiro256** seeded by splitmix64: the same stream on any machine. */
static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/*
 * Unit-variance noise as the sum of 12 uniforms: unlike Box-Muller it needs
 * no log or cos, whose last bits differ between libms, so steps are bit for
 * bit the same everywhere. Tails end at 6 sd, which no gait misses.
 */
static double noise(uint64_t s[4])
{
	double sum = 0;

	for (int i = 0; i < 12; i++)
		sum += (double)(rng_next(s) >> 11) * 0x1p-53;
	return sum - 6;
}

/* Intrinsic step period at time t: fatigue lowers the cadence linearly,
 * to a quarter at most. */
static double intrinsic(const struct ras_walker *w, double t)
{
	double f = 1 - w->cfg.fatigue / 100 * (t - w->t0) / 60;

	return 60 / (w->cfg.cadence * (f > 0.25 ? f : 0.25));
}

static double period_at(const struct ras_walker *w, double t)
{
	return intrinsic(w, t) + w->adapt;
}

struct ras_walker *ras_walker_new(const struct ras_walker_config *cfg)
{
	struct ras_walker *w;
	char msg[200];
	uint64_t x;

	if (!valid(cfg, msg, sizeof(msg))) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->cfg = *cfg;
	w->alpha = cfg->coupling;
	w->beta = beta_of(cfg);
	w->sd_keeper = cfg->cv / 100 * sqrt(1 - cfg->motor / 100);
	/* Motor noise enters an interval twice (M_{n+1} - M_n). */
	w->sd_motor = cfg->cv / 100 * sqrt(cfg->motor / 200);
	x = cfg->seed;
	for (int i = 0; i < 4; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		w->rng[i] = z ^ (z >> 31);
	}
	w->t0 = cfg->start >= 0 ? cfg->start : 60 / cfg->cadence;
	w->t = w->k = w->t0;
	w->foot = cfg->first;
	w->pending = true;
	w->last_beat = -INFINITY;
	w->horizon = w->t0 - period_at(w, w->t0);
	return w;
}

void ras_walker_free(struct ras_walker *w)
{
	free(w);
}

/* Drop beats no later step can reach: windows only move forward. */
static void prune(struct ras_walker *w)
{
	while (w->count && w->beat[w->head] < w->horizon) {
		w->head = (w->head + 1) % RING;
		w->count--;
	}
}

int ras_walker_hear(struct ras_walker *w, double heard_s)
{
	if (!isfinite(heard_s) || heard_s < w->last_beat)
		return -EINVAL;
	prune(w);
	if (w->count == RING)
		return -ENOSPC;
	w->beat[(w->head + w->count++) % RING] = heard_s;
	w->last_beat = heard_s;
	return 0;
}

/* Step n+1 from step n; every beat before t_n + T_n / 2 has been heard. */
static void decide(struct ras_walker *w)
{
	const struct ras_walker_config *c = &w->cfg;
	double T = period_at(w, w->t), half = T / 2, asyn = 0, best = INFINITY, next_t, lo;
	enum ras_foot foot = w->foot == RAS_FOOT_LEFT ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT;
	double side = 1 + (foot == RAS_FOOT_LEFT ? c->asym : -c->asym) / 200;
	bool heard = false;

	/* The nearest beat in [t - T/2, t + T/2); the earlier one on a tie. */
	for (unsigned i = 0; i < w->count; i++) {
		double b = w->beat[(w->head + i) % RING];

		if (b >= w->t + half)
			break;
		if (b >= w->t - half && fabs(w->t - b) < best) {
			best = fabs(w->t - b);
			asyn = w->t - b;
			heard = true;
		}
	}
	w->k += T * side + w->sd_keeper * T * noise(w->rng) - w->alpha * asyn;
	next_t = w->k + w->sd_motor * T * noise(w->rng);
	if (heard) {
		double ti = intrinsic(w, w->t);

		/* A person does not halve or double their cadence to follow a beat. */
		w->adapt -= w->beta * asyn;
		w->adapt = fmin(fmax(w->adapt, -ti / 2), ti);
	}
	/* Nothing can land before it is decided. */
	if (next_t < w->t + half)
		next_t = w->t + half;
	/* Frozen: no step until the freeze ends, then the timekeeper starts over. */
	for (int again = 1; again;) {
		again = 0;
		for (int i = 0; i < c->freezes; i++) {
			double fs = c->freeze[i].start, fe = fs + c->freeze[i].length;

			if (next_t >= fs && next_t < fe) {
				next_t = w->k = fe;
				again = 1;
			}
		}
	}
	w->t = next_t;
	w->foot = foot;
	lo = w->t - period_at(w, w->t);
	if (lo > w->horizon)
		w->horizon = lo;
	prune(w);
}

bool ras_walker_next(struct ras_walker *w, double until_s, struct ras_step *step)
{
	if (!w->pending) {
		if (!(until_s >= w->t + period_at(w, w->t) / 2))
			return false;
		decide(w);
		w->pending = true;
	}
	if (!(w->t < until_s))
		return false;
	step->time_ns = llround(w->t * 1e9);
	step->foot = w->foot;
	step->strength = 1.0f;
	w->pending = false;
	return true;
}

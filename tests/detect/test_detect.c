/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Step detectors on synthetic streams whose true heel strikes are known:
 * footswitches that bounce, press inside the lockout and come back after a
 * SYN_DROPPED; force insoles that drift, are weak or noisy, change cadence
 * or dip in mid-stance; accelerometers walking at 80-130 steps/min, turning
 * with weak steps, stopping, standing still, trembling in place, freezing
 * (3-8 Hz trembling) and noisy. Streams are sent as the
 * kernel sends them: an axis only when it changes, SYN_REPORT per frame.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/detect.h"
#include "rtcheck.h"
#include "testutil.h"

#define NS 1000000000LL
#define MAXSTEPS 4096

/* ---- a deterministic noise source ---- */

static uint64_t rng = 88172645463325252ULL;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / (double)(1ULL << 53);
}

static double gauss(void)
{
	double u = uniform(), v = uniform();

	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* ---- a detector fed like a reader would ---- */

struct run {
	struct ras_detector *d;
	struct ras_step step[MAXSTEPS];
	int64_t fed[MAXSTEPS];	/* the time of the event that reported each */
	int n;
	int room;		/* at most this many steps a call; 0: all there is */
	int64_t sync_from, sync_to;	/* frames ended in [from, to) are a re-sync */
	int32_t last[RAS_ABS_COUNT];
	bool sent[RAS_ABS_COUNT];
};

static void run_init(struct run *r, enum ras_sensor_kind kind, const struct ras_device_info *dev,
		     int left, int right)
{
	struct ras_detect_config cfg;

	memset(r, 0, sizeof(*r));
	ras_detect_config_default(&cfg, kind);
	cfg.left_code = left;
	cfg.right_code = right;
	r->d = ras_detector_new(&cfg, dev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->d);
}

static void ev(struct run *r, int64_t t, int type, int code, int value)
{
	struct ras_input_event e = { .time_ns = t, .type = type, .code = code, .value = value };
	int max = r->room && r->room < MAXSTEPS - r->n ? r->room : MAXSTEPS - r->n, k;

	if (type == EV_SYN && t >= r->sync_from && t < r->sync_to) {
		ras_detector_sync(r->d, &e);
		return;
	}
	k = ras_detector_feed(r->d, &e, r->step + r->n, max);
	CU_ASSERT(k >= 0 && k <= max);
	for (int i = 0; i < k; i++)
		r->fed[r->n + i] = t;
	r->n += k;
}

static void sync_ev(struct run *r, int64_t t, int type, int code, int value)
{
	struct ras_input_event e = { .time_ns = t, .type = type, .code = code, .value = value };

	ras_detector_sync(r->d, &e);
}

static void key(struct run *r, double t, int code, int value)
{
	ev(r, (int64_t)llround(t * NS), EV_KEY, code, value);
	ev(r, (int64_t)llround(t * NS), EV_SYN, SYN_REPORT, 0);
}

/* One frame of n axes, the changed ones only. */
static void frame(struct run *r, double t, int n, const int *code, const double *v)
{
	int64_t tn = (int64_t)llround(t * NS);
	bool any = false;

	for (int i = 0; i < n; i++) {
		int32_t x = (int32_t)lround(v[i]);

		if (r->sent[code[i]] && x == r->last[code[i]])
			continue;
		ev(r, tn, EV_ABS, code[i], x);
		r->last[code[i]] = x;
		r->sent[code[i]] = true;
		any = true;
	}
	if (any)
		ev(r, tn, EV_SYN, SYN_REPORT, 0);
}

static void run_end(struct run *r)
{
	r->n += ras_detector_flush(r->d, r->step + r->n, MAXSTEPS - r->n);
	ras_detector_free(r->d);
	r->d = NULL;
}

/* Steps of `foot` (any foot: RAS_FOOT_NONE) within [t0, t1). */
static int count(const struct run *r, int foot, double t0, double t1)
{
	int k = 0;

	for (int i = 0; i < r->n; i++) {
		double t = r->step[i].time_ns * 1e-9;

		k += t >= t0 && t < t1 && (foot == RAS_FOOT_NONE || r->step[i].foot == foot);
	}
	return k;
}

/* How many true strikes have a step of their foot within tol, one each;
 * *worst gets the largest offset of those matched. */
static int matched(const struct run *r, const double *truth, const int *foot, int n, double tol,
		   double *worst)
{
	bool used[MAXSTEPS] = { false };
	int k = 0;

	*worst = 0;
	for (int i = 0; i < n; i++) {
		int best = -1;

		for (int j = 0; j < r->n; j++) {
			double dt = fabs(r->step[j].time_ns * 1e-9 - truth[i]);

			if (used[j] || dt > tol || (foot && r->step[j].foot != foot[i]))
				continue;
			if (best < 0 || dt < fabs(r->step[best].time_ns * 1e-9 - truth[i]))
				best = j;
		}
		if (best >= 0) {
			used[best] = true;
			*worst = fmax(*worst, fabs(r->step[best].time_ns * 1e-9 - truth[i]));
			k++;
		}
	}
	return k;
}

/* ---- devices ---- */

static void footswitch_dev(struct ras_device_info *dev)
{
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->name, "test footswitch");
	dev->has_ev[EV_SYN] = dev->has_ev[EV_KEY] = true;
	dev->has_key[BTN_0] = dev->has_key[BTN_1] = dev->has_key[KEY_SPACE] = 1;
}

static void force_dev(struct ras_device_info *dev, int min, int max)
{
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->name, "test insoles");
	dev->has_ev[EV_SYN] = dev->has_ev[EV_ABS] = true;
	for (int a = ABS_X; a <= ABS_Y; a++) {
		dev->has_abs[a] = 1;
		dev->abs[a].minimum = min;
		dev->abs[a].maximum = max;
	}
}

static void accel_dev(struct ras_device_info *dev, int res)
{
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->name, "test accelerometer");
	dev->has_ev[EV_SYN] = dev->has_ev[EV_ABS] = true;
	dev->props = 1u << INPUT_PROP_ACCELEROMETER;
	for (int a = ABS_X; a <= ABS_Z; a++) {
		dev->has_abs[a] = 1;
		dev->abs[a].minimum = -32768;
		dev->abs[a].maximum = 32767;
		dev->abs[a].resolution = res;
	}
}

/* ---- configuration ---- */

static void test_config(void)
{
	struct ras_detect_config cfg;
	struct ras_device_info fs, fo, ac;
	enum ras_sensor_kind k;

	ras_detect_config_default(&cfg, RAS_SENSOR_FORCE);
	CU_ASSERT_EQUAL(cfg.kind, RAS_SENSOR_FORCE);
	CU_ASSERT_EQUAL(cfg.left_code, -1);
	CU_ASSERT_EQUAL(cfg.right_code, -1);
	CU_ASSERT_DOUBLE_EQUAL(cfg.lockout_s, 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(cfg.debounce_s, 0.02, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(cfg.refractory_s, 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(cfg.freeze_lookback_s, 1.0, 1e-12);

	for (int i = RAS_SENSOR_FOOTSWITCH; i <= RAS_SENSOR_ACCEL; i++) {
		CU_ASSERT_EQUAL(ras_sensor_kind_from_name(ras_sensor_kind_name(i), &k), 0);
		CU_ASSERT_EQUAL(k, i);
	}
	CU_ASSERT_STRING_EQUAL(ras_sensor_kind_name(RAS_SENSOR_ACCEL), "accel");
	CU_ASSERT_EQUAL(ras_sensor_kind_from_name("pedometer", &k), -EINVAL);
	CU_ASSERT_EQUAL(ras_sensor_kind_from_name(NULL, &k), -EINVAL);

	footswitch_dev(&fs);
	force_dev(&fo, 0, 4095);
	accel_dev(&ac, 1000);
	CU_ASSERT_TRUE(ras_detect_device_fits(&fs, RAS_SENSOR_FOOTSWITCH));
	CU_ASSERT_FALSE(ras_detect_device_fits(&fs, RAS_SENSOR_FORCE));
	CU_ASSERT_FALSE(ras_detect_device_fits(&fs, RAS_SENSOR_ACCEL));
	CU_ASSERT_TRUE(ras_detect_device_fits(&fo, RAS_SENSOR_FORCE));
	CU_ASSERT_FALSE(ras_detect_device_fits(&fo, RAS_SENSOR_ACCEL));
	CU_ASSERT_TRUE(ras_detect_device_fits(&ac, RAS_SENSOR_ACCEL));
	CU_ASSERT_FALSE(ras_detect_device_fits(NULL, RAS_SENSOR_ACCEL));

	/* A named key or axis must exist. */
	ras_detect_config_default(&cfg, RAS_SENSOR_FOOTSWITCH);
	cfg.left_code = BTN_5;
	errno = 0;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &fs));
	CU_ASSERT_EQUAL(errno, EINVAL);
	cfg.left_code = RAS_KEY_COUNT;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &fs));
	ras_detect_config_default(&cfg, RAS_SENSOR_FORCE);
	cfg.right_code = ABS_PRESSURE;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &fo));
	ras_detect_config_default(&cfg, RAS_SENSOR_ACCEL);
	cfg.refractory_s = -1;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &ac));
	cfg.refractory_s = NAN;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &ac));
	/* The look-back holds at most ACC_NOUT steps: 2 s of running. */
	ras_detect_config_default(&cfg, RAS_SENSOR_ACCEL);
	cfg.freeze_lookback_s = -0.1;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &ac));
	cfg.freeze_lookback_s = 2.5;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &ac));
	cfg.freeze_lookback_s = NAN;
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &ac));
	ras_detect_config_default(&cfg, RAS_SENSOR_ACCEL);
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, &fs));
	CU_ASSERT_PTR_NULL(ras_detector_new(NULL, &ac));
	CU_ASSERT_PTR_NULL(ras_detector_new(&cfg, NULL));
	ras_detector_free(NULL);
}

/* ---- footswitch ---- */

/* A contact at t that chatters for 8 ms before it holds, for `hold` s. */
static void bouncy_step(struct run *r, double t, int code, double hold)
{
	for (int i = 0; i < 4; i++) {
		key(r, t + i * 0.002, code, 1);
		key(r, t + i * 0.002 + 0.001, code, 0);
	}
	key(r, t + 0.008, code, 1);
	key(r, t + hold, code, 0);
	/* ... and on release too. */
	key(r, t + hold + 0.002, code, 1);
	key(r, t + hold + 0.004, code, 0);
}

static void test_footswitch_bounce(void)
{
	struct ras_device_info dev;
	struct run r;
	double truth[40], worst;
	int foot[40];

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, BTN_0, BTN_1);
	for (int i = 0; i < 40; i++) {
		truth[i] = 1 + 0.55 * i;
		foot[i] = i % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT;
		bouncy_step(&r, truth[i], i % 2 ? BTN_1 : BTN_0, 0.6);
	}
	run_end(&r);
	CU_ASSERT_EQUAL(r.n, 40);
	/* Each at its first press: the bounce does not delay it. */
	CU_ASSERT_EQUAL(matched(&r, truth, foot, 40, 0.0005, &worst), 40);
}

static void test_footswitch_glitch(void)
{
	struct ras_device_info dev;
	struct run r;

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, -1, -1);
	/* Closed 5 ms and 15 ms: shorter than the 20 ms debounce. */
	key(&r, 1.000, BTN_0, 1);
	key(&r, 1.005, BTN_0, 0);
	key(&r, 2.000, BTN_0, 1);
	key(&r, 2.015, BTN_0, 0);
	key(&r, 3.000, BTN_0, 1);
	key(&r, 3.500, BTN_0, 0);
	run_end(&r);
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_EQUAL(r.step[0].time_ns, 3 * NS);
	CU_ASSERT_EQUAL(r.step[0].foot, RAS_FOOT_NONE);
}

static void test_footswitch_lockout(void)
{
	struct ras_device_info dev;
	struct run r;

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, BTN_0, BTN_1);
	key(&r, 1.00, BTN_0, 1);
	key(&r, 1.06, BTN_0, 0);
	/* Open 140 ms (a new contact), but 200 ms after the last strike. */
	key(&r, 1.20, BTN_0, 1);
	key(&r, 1.50, BTN_0, 0);
	/* The other foot has its own lockout. */
	key(&r, 1.10, BTN_1, 1);
	key(&r, 1.60, BTN_1, 0);
	key(&r, 2.00, BTN_0, 1);
	key(&r, 2.50, BTN_0, 0);
	run_end(&r);
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_LEFT, 0, 10), 2);
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_LEFT, 1.1, 1.9), 0);
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_RIGHT, 0, 10), 1);
}

static void test_footswitch_midstance(void)
{
	struct ras_device_info dev;
	struct run r;

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, BTN_0, BTN_1);
	/* A heel switch opens 80 ms as the load rolls to the toes, 350 ms
	 * after the strike: past the lockout, but no new contact. */
	for (int i = 0; i < 10; i++) {
		double t = 1 + 1.1 * i;

		key(&r, t, BTN_0, 1);
		key(&r, t + 0.35, BTN_0, 0);
		key(&r, t + 0.43, BTN_0, 1);
		key(&r, t + 0.70, BTN_0, 0);
	}
	run_end(&r);
	CU_ASSERT_EQUAL(r.n, 10);
}

static void test_footswitch_codes(void)
{
	struct ras_device_info dev;
	struct run r;

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, BTN_1, BTN_0);
	key(&r, 1.0, BTN_0, 1);
	key(&r, 1.5, BTN_0, 0);
	key(&r, 2.0, BTN_1, 1);
	key(&r, 2.5, BTN_1, 0);
	/* Not one of the named switches. */
	key(&r, 3.0, KEY_SPACE, 1);
	key(&r, 3.5, KEY_SPACE, 0);
	/* Auto-repeat is not a new press. */
	key(&r, 4.0, BTN_1, 1);
	key(&r, 4.2, BTN_1, 2);
	key(&r, 4.4, BTN_1, 2);
	key(&r, 4.6, BTN_1, 0);
	run_end(&r);
	CU_ASSERT_EQUAL_FATAL(r.n, 3);
	CU_ASSERT_EQUAL(r.step[0].foot, RAS_FOOT_RIGHT);
	CU_ASSERT_EQUAL(r.step[1].foot, RAS_FOOT_LEFT);
	CU_ASSERT_EQUAL(r.step[2].foot, RAS_FOOT_LEFT);
	CU_ASSERT_EQUAL(r.step[2].time_ns, 4 * NS);

	/* Unnamed: any key or button, one channel, no foot. */
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, -1, -1);
	key(&r, 1.0, KEY_SPACE, 1);
	key(&r, 1.5, KEY_SPACE, 0);
	key(&r, 2.0, BTN_1, 1);
	/* A second key while the first is held is the same contact. */
	key(&r, 2.1, BTN_0, 1);
	key(&r, 2.3, BTN_1, 0);
	key(&r, 2.5, BTN_0, 0);
	run_end(&r);
	CU_ASSERT_EQUAL_FATAL(r.n, 2);
	CU_ASSERT_EQUAL(r.step[0].foot, RAS_FOOT_NONE);
	CU_ASSERT_EQUAL(r.step[1].time_ns, 2 * NS);
}

static void test_footswitch_dropped(void)
{
	struct ras_device_info dev;
	struct run r;
	int64_t t;

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, BTN_0, BTN_1);
	key(&r, 1.0, BTN_0, 1);
	key(&r, 1.5, BTN_0, 0);
	/* A press seen just before the queue overflowed... */
	key(&r, 2.0, BTN_0, 1);
	t = (int64_t)(2.005 * NS);
	ev(&r, t, EV_SYN, SYN_DROPPED, 0);
	/* ... and the state read back: right pressed, left released. */
	sync_ev(&r, t + 1000, EV_KEY, BTN_1, 1);
	sync_ev(&r, t + 1000, EV_KEY, BTN_0, 0);
	sync_ev(&r, t + 1000, EV_SYN, SYN_REPORT, 0);
	CU_ASSERT_EQUAL(r.n, 1);
	/* Time passes with the synced right foot down: still no step. */
	key(&r, 2.3, BTN_1, 0);
	key(&r, 3.0, BTN_0, 1);
	key(&r, 3.5, BTN_0, 0);
	key(&r, 3.6, BTN_1, 1);
	key(&r, 4.0, BTN_1, 0);
	/* A sync press on its own never counts, even at the end. */
	sync_ev(&r, 5 * NS, EV_KEY, BTN_0, 1);
	run_end(&r);
	CU_ASSERT_EQUAL_FATAL(r.n, 3);
	CU_ASSERT_EQUAL(r.step[0].time_ns, 1 * NS);
	CU_ASSERT_EQUAL(r.step[1].time_ns, 3 * NS);
	CU_ASSERT_EQUAL(r.step[1].foot, RAS_FOOT_LEFT);
	CU_ASSERT_EQUAL(r.step[2].foot, RAS_FOOT_RIGHT);
}

static void test_footswitch_flush(void)
{
	struct ras_device_info dev;
	struct run r;

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, -1, -1);
	key(&r, 1.0, BTN_0, 1);
	/* No event since: the step is still pending. */
	CU_ASSERT_EQUAL(r.n, 0);
	run_end(&r);
	CU_ASSERT_EQUAL(r.n, 1);
}

/* ---- force ---- */

struct force_walk {
	double rate;			/* samples per second */
	double spm0, spm1;		/* cadence ramps from spm0 to spm1 */
	double seconds;
	double lo, hi;			/* unloaded and full load */
	double drift;			/* baseline change over the walk */
	double noise;			/* sd, fraction of hi - lo */
	double dip;			/* mid-stance dip, fraction of the load */
	int min, max;			/* axis */
};

/* A load profile: a fast heel rise, a mid-stance dip, a roll-off. */
static double load(double s, double stance, double dip)
{
	double x;

	if (s < 0 || s > stance)
		return 0;
	x = fmin(1, s / 0.04) * fmin(1, (stance - s) / 0.08);
	return x * (1 - dip * exp(-pow((s - stance / 2) / (stance / 8), 2)));
}

static void force_walk(struct run *r, const struct force_walk *w, double *truth, int *foot,
		       int *ntruth)
{
	int n = 0, codes[2] = { ABS_X, ABS_Y };
	double last[2] = { -10, -10 }, stance[2] = { 0, 0 }, next = 1.0;

	for (long i = 0; i < (long)(w->seconds * w->rate); i++) {
		double t = i / w->rate, v[2];
		double spm = w->spm0 + (w->spm1 - w->spm0) * t / w->seconds;

		/* Strikes alternate feet, 60/spm s apart; stance 62 % of a stride. */
		if (t >= next) {
			int f = n % 2;

			last[f] = t;
			stance[f] = 0.62 * 120 / spm;
			truth[n] = t;
			foot[n++] = f;
			next += 60 / spm;
		}
		for (int f = 0; f < 2; f++) {
			v[f] = w->lo + w->drift * t / w->seconds +
			       (w->hi - w->lo) * (load(t - last[f], stance[f], w->dip) +
						  w->noise * gauss());
			v[f] = fmin(w->max, fmax(w->min, v[f]));
		}
		frame(r, t, 2, codes, v);
	}
	*ntruth = n;
}

static void check_force(const struct force_walk *w, double tol)
{
	static double truth[MAXSTEPS];
	static int foot[MAXSTEPS];
	struct ras_device_info dev;
	struct run r;
	double worst;
	int n, hit;

	force_dev(&dev, w->min, w->max);
	run_init(&r, RAS_SENSOR_FORCE, &dev, -1, -1);
	force_walk(&r, w, truth, foot, &n);
	run_end(&r);
	hit = matched(&r, truth, foot, n, tol, &worst);
	/* The first contact may go to learning the range. */
	if (hit < n - 1 || r.n > n || worst > tol) {
		fprintf(stderr, "\nforce: %d strikes, %d steps, %d matched, worst %.3f s\n", n, r.n,
			hit, worst);
		for (int i = 0; i < n; i++) {
			double best = 9;

			for (int j = 0; j < r.n; j++)
				if (r.step[j].foot == foot[i] &&
				    fabs(r.step[j].time_ns * 1e-9 - truth[i]) < fabs(best))
					best = r.step[j].time_ns * 1e-9 - truth[i];
			if (fabs(best) > tol)
				fprintf(stderr, "  strike %.3f %d: nearest %.3f\n", truth[i], foot[i], best);
		}
	}
	CU_ASSERT(hit >= n - 1);
	CU_ASSERT(r.n <= n);
	CU_ASSERT(n > 50);
}

static void test_force_clean(void)
{
	/* 300 Hz FSRs, 80 to 130 steps/min: every strike within 2 samples. */
	struct force_walk w = { 300, 80, 130, 120, 100, 3800, 0, 0.005, 0.3, 0, 4095 };

	check_force(&w, 0.007);
}

static void test_force_drift(void)
{
	/* The baseline climbs by 1.5 times the load range over 2 min, while
	 * the load stays: a fixed threshold soon sees one long contact. */
	struct force_walk w = { 100, 100, 100, 120, 200, 1200, 1500, 0.01, 0.2, 0, 4095 };

	check_force(&w, 0.021);
	/* And falls: a fixed threshold would never see a contact again. */
	w.lo = 2800;
	w.hi = 3800;
	w.drift = -2500;
	check_force(&w, 0.021);
}

static void test_force_weak(void)
{
	/* 40 counts of range on a 12-bit axis, 1 count of noise. */
	struct force_walk w = { 100, 90, 120, 90, 1000, 1040, 0, 0.025, 0.3, 0, 4095 };

	check_force(&w, 0.021);
}

static void test_force_noise(void)
{
	/* Noise of 5 % of the range, sd: peaks of 20 %. */
	struct force_walk w = { 100, 85, 125, 120, 500, 2500, 300, 0.05, 0.3, 0, 4095 };

	check_force(&w, 0.041);
}

static void test_force_standing(void)
{
	struct ras_device_info dev;
	struct run r;
	int codes[2] = { ABS_X, ABS_Y };
	double truth[MAXSTEPS];
	int foot[MAXSTEPS], n;
	struct force_walk w = { 100, 100, 100, 30, 100, 3000, 0, 0.01, 0.2, 0, 4095 };

	force_dev(&dev, 0, 4095);
	run_init(&r, RAS_SENSOR_FORCE, &dev, -1, -1);
	force_walk(&r, &w, truth, foot, &n);
	CU_ASSERT_EQUAL(r.n, n);
	/* Then a minute on both feet, swaying, with 1 % noise: no step. */
	for (int i = 0; i < 6000; i++) {
		double t = 30 + i / 100.0, v[2];

		for (int f = 0; f < 2; f++)
			v[f] = 1500 + 200 * sin(2 * M_PI * 0.2 * t + f * M_PI) + 29 * gauss();
		frame(&r, t, 2, codes, v);
	}
	run_end(&r);
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_NONE, 30.5, 100), 0);
}

static void test_force_sync(void)
{
	struct ras_device_info dev;
	struct run r;
	int codes[1] = { ABS_X };

	force_dev(&dev, 0, 4095);
	run_init(&r, RAS_SENSOR_FORCE, &dev, -1, -1);
	for (int i = 0; i < 1000; i++) {
		double t = i / 100.0, v = 100 + 3000 * load(fmod(t, 1.2) - 0.2, 0.7, 0.2);

		frame(&r, t, 1, codes, &v);
	}
	CU_ASSERT_EQUAL(r.n, 9);
	/* The queue overflows in swing; re-read mid-stance: that contact's
	 * strike was missed, and is not reported late. */
	ev(&r, (int64_t)(10.0 * NS), EV_SYN, SYN_DROPPED, 0);
	sync_ev(&r, (int64_t)(10.5 * NS), EV_ABS, ABS_X, 2900);
	sync_ev(&r, (int64_t)(10.5 * NS), EV_SYN, SYN_REPORT, 0);
	r.sent[ABS_X] = true;
	r.last[ABS_X] = 2900;
	for (int i = 1051; i < 2000; i++) {
		double t = i / 100.0, v = 100 + 3000 * load(fmod(t, 1.2) - 0.2, 0.7, 0.2);

		frame(&r, t, 1, codes, &v);
	}
	run_end(&r);
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_LEFT, 9.9, 11.0), 0);
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_LEFT, 11.0, 20), 8);
}

/* ---- accelerometer ---- */

struct accel_walk {
	double rate;		/* samples per second */
	double jitter;		/* sample time jitter, fraction of the period */
	double spm;
	double amp;		/* step oscillation, g */
	double noise;		/* sd, g */
	double tremor;		/* freeze: 3-8 Hz amplitude, g */
	int res;		/* units per g, 0: unknown (scaled by 1000) */
};

/*
 * Trunk acceleration in the sensor frame (gravity along a tilted axis):
 * walking is a steady vertical oscillation at the step rate with a second
 * harmonic and a little stride-rate sway, one heel strike per cycle.
 */
static double walk_g(double spm, double amp, double *phase)
{
	*phase += 2 * M_PI * spm / 60 * 0.001;
	return amp * (cos(*phase) + 0.35 * cos(2 * *phase + 0.6) + 0.15 * cos(*phase / 2));
}

/* Sends [t0, t1) at w->rate; segment kinds: 0 stand, 1 walk, 2 freeze. */
static int accel_segment(struct run *r, const struct accel_walk *w, double t0, double t1, int kind,
			 double *phase)
{
	int codes[3] = { ABS_X, ABS_Y, ABS_Z }, steps = 0;
	double scale = w->res ? w->res : 1000, next = t0;

	/* The signal is made at 1 kHz and sampled at w->rate. */
	for (double t = t0; t < t1; t += 0.001) {
		double before = *phase, vert = 0, v[3];

		if (kind == 1) {
			vert = walk_g(w->spm, w->amp, phase);
			/* A heel strike per cycle, where cos(phase) peaks. */
			steps += floor(before / (2 * M_PI)) != floor(*phase / (2 * M_PI));
		} else if (kind == 2) {
			/* Trembling at 5-6 Hz, waxing and waning. */
			vert = w->tremor * (0.6 + 0.4 * sin(2 * M_PI * 0.7 * t)) *
			       sin(2 * M_PI * (5.5 * t - 0.5 / (2 * M_PI * 0.3) * cos(2 * M_PI * 0.3 * t)));
		} else {
			/* Standing: 0.2 Hz sway of 0.01 g. */
			vert = 0.01 * sin(2 * M_PI * 0.2 * t);
		}
		if (t < next)
			continue;
		next += (1 + w->jitter * (uniform() - 0.5)) / w->rate;
		v[0] = scale * (0.3 + 0.2 * vert + w->noise * gauss());
		v[1] = scale * (0.1 + 0.1 * vert + w->noise * gauss());
		v[2] = scale * (sqrt(1 - 0.1) + 0.97 * vert + w->noise * gauss());
		frame(r, t, 3, codes, v);
	}
	return steps;
}

static void check_walk(const struct accel_walk *w, double seconds)
{
	struct ras_device_info dev;
	struct run r;
	double phase = M_PI;
	int truth;

	accel_dev(&dev, w->res);
	run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
	accel_segment(&r, w, 0, 3, 0, &phase);
	phase = M_PI;
	truth = accel_segment(&r, w, 3, 3 + seconds, 1, &phase);
	accel_segment(&r, w, 3 + seconds, 6 + seconds, 0, &phase);
	run_end(&r);
	if (abs(r.n - truth) > 1)
		fprintf(stderr, "\naccel %.0f spm, noise %.2f g: %d steps of %d\n", w->spm, w->noise,
			r.n, truth);
	CU_ASSERT(abs(r.n - truth) <= 1);
	CU_ASSERT(truth > 50);
	/* Nothing in the 3 s of standing before. */
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_NONE, -1, 2.9), 0);
	for (int i = 0; i < r.n; i++)
		CU_ASSERT_EQUAL(r.step[i].foot, RAS_FOOT_NONE);
}

static void test_accel_cadence(void)
{
	for (double spm = 80; spm <= 130; spm += 10) {
		struct accel_walk w = { 100, 0, spm, 0.15, 0.01, 0, 1000 };

		check_walk(&w, 60);
	}
}

static void test_accel_rates(void)
{
	/* A phone: 400 Hz; a slow sensor: 50 Hz with 20 % timing jitter. */
	struct accel_walk fast = { 400, 0.1, 105, 0.2, 0.01, 0, 4096 };
	struct accel_walk slow = { 50, 0.2, 115, 0.2, 0.01, 0, 256 };

	check_walk(&fast, 60);
	check_walk(&slow, 60);
}

static void test_accel_noise(void)
{
	/* 0.02 g sd on each axis (twice a phone's), 0.1 g steps. */
	struct accel_walk w = { 100, 0, 100, 0.1, 0.02, 0, 1000 };

	check_walk(&w, 90);
}

static void test_accel_resolution_unknown(void)
{
	/* No resolution: the mean magnitude is taken as 1 g. */
	struct accel_walk w = { 100, 0, 110, 0.15, 0.01, 0, 0 };

	check_walk(&w, 60);
}

static void test_accel_standing(void)
{
	struct accel_walk w = { 100, 0, 100, 0.15, 0.004, 0, 1000 };
	struct ras_device_info dev;
	struct run r;
	double phase = 0;

	accel_dev(&dev, 1000);
	run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
	accel_segment(&r, &w, 0, 120, 0, &phase);
	run_end(&r);
	CU_ASSERT_EQUAL(r.n, 0);
}

/*
 * 30 s walking, 20 s frozen trembling at 5-6 Hz, 30 s walking. The freeze
 * indices need a few seconds of trembling to outweigh the walking before
 * it: a step or two may slip through in the first 3 s, none after.
 */
static void accel_freeze(double tremor)
{
	struct accel_walk w = { 100, 0, 100, 0.15, 0.01, tremor, 1000 };
	struct ras_device_info dev;
	struct run r;
	double phase = M_PI;
	int before, after, onset, frozen;

	accel_dev(&dev, 1000);
	run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
	accel_segment(&r, &w, 0, 3, 0, &phase);
	phase = M_PI;
	before = accel_segment(&r, &w, 3, 33, 1, &phase);
	accel_segment(&r, &w, 33, 53, 2, &phase);
	phase = M_PI;
	after = accel_segment(&r, &w, 53, 83, 1, &phase);
	run_end(&r);
	onset = count(&r, RAS_FOOT_NONE, 33.5, 36);
	frozen = count(&r, RAS_FOOT_NONE, 36, 53);
	if (onset > 2 || frozen)
		fprintf(stderr, "\naccel freeze %.2f g: %d steps at its onset, %d after\n", tremor,
			onset, frozen);
	CU_ASSERT(abs(count(&r, RAS_FOOT_NONE, 0, 33.5) - before) <= 1);
	CU_ASSERT(onset <= 2);
	CU_ASSERT_EQUAL(frozen, 0);
	/* Walking again is counted within a step or two. */
	if (abs(count(&r, RAS_FOOT_NONE, 53, 90) - after) > 2)
		fprintf(stderr, "\naccel freeze %.2f g: %d steps after, %d true\n", tremor,
			count(&r, RAS_FOOT_NONE, 53, 90), after);
	CU_ASSERT(abs(count(&r, RAS_FOOT_NONE, 53, 90) - after) <= 2);
}

static void test_accel_freeze(void)
{
	/* From a third of the walking amplitude to three times it. */
	static const double tremor[] = { 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5 };

	for (size_t i = 0; i < sizeof(tremor) / sizeof(tremor[0]); i++)
		accel_freeze(tremor[i]);
}

/*
 * A turn: 20 s of walking, three steps at 0.02 g against 0.15 g (the
 * trunk of IPOL 10-1 moves 0.03-0.05 g in its 180-degree turn, against
 * 0.15-0.3 g walking), 20 s more. The weak steps come after the RMS has
 * grown on the strong ones, so the fixed threshold of a twentieth alone
 * misses some: the search-back and the weak steps confirmed by the next
 * strong one count every one of them, late but at their own times.
 */
static void test_accel_turn(void)
{
	struct accel_walk w = { 100, 0, 100, 0.15, 0.005, 0, 1000 };
	struct accel_walk turn = w;
	struct ras_device_info dev;
	struct run r;
	double phase = M_PI, t0 = 3 + 20, t1 = t0 + 3 * 0.6;
	int walk1, weak, walk2;

	turn.amp = 0.02;
	accel_dev(&dev, 1000);
	run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
	accel_segment(&r, &w, 0, 3, 0, &phase);
	phase = M_PI;
	walk1 = accel_segment(&r, &w, 3, t0, 1, &phase);
	weak = accel_segment(&r, &turn, t0, t1, 1, &phase);
	walk2 = accel_segment(&r, &w, t1, t1 + 20, 1, &phase);
	accel_segment(&r, &w, t1 + 20, t1 + 23, 0, &phase);
	run_end(&r);
	CU_ASSERT_EQUAL(weak, 3);
	/* Around the turn, from the last strong step before it to the first
	 * after: all of them, and no double step. */
	if (count(&r, RAS_FOOT_NONE, t0 - 0.9, t1 + 0.9) != 6)
		fprintf(stderr, "\naccel turn: %d steps around it, 6 true\n",
			count(&r, RAS_FOOT_NONE, t0 - 0.9, t1 + 0.9));
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_NONE, t0 - 0.9, t1 + 0.9), 6);
	CU_ASSERT(abs(r.n - (walk1 + weak + walk2)) <= 1);
	/* Steps are reported in time order even when some come late. */
	for (int i = 1; i < r.n; i++)
		CU_ASSERT(r.step[i].time_ns > r.step[i - 1].time_ns);
}

/*
 * Stopping: after the last step the trunk sways for a second or two at a
 * fraction of the step amplitude while the RMS is still that of walking.
 * Weak peaks with no strong step after them are not steps.
 */
static void test_accel_stop(void)
{
	struct accel_walk w = { 100, 0, 100, 0.15, 0.005, 0, 1000 };
	struct ras_device_info dev;
	struct run r;
	double phase = M_PI;
	int walk, codes[3] = { ABS_X, ABS_Y, ABS_Z };

	accel_dev(&dev, 1000);
	run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
	accel_segment(&r, &w, 0, 3, 0, &phase);
	phase = M_PI;
	walk = accel_segment(&r, &w, 3, 23, 1, &phase);
	/* 0.8 Hz sway of 0.03 g decaying over 3 s, then still. */
	for (double t = 23; t < 30; t += 0.01) {
		double vert = 0.03 * exp(-(t - 23) / 1.5) * sin(2 * M_PI * 0.8 * (t - 23)), v[3];

		v[0] = 1000 * (0.3 + 0.2 * vert);
		v[1] = 1000 * (0.1 + 0.1 * vert);
		v[2] = 1000 * (sqrt(1 - 0.1) + 0.97 * vert);
		frame(&r, t, 3, codes, v);
	}
	run_end(&r);
	if (count(&r, RAS_FOOT_NONE, 23.2, 40))
		fprintf(stderr, "\naccel stop: %d steps after it\n",
			count(&r, RAS_FOOT_NONE, 23.2, 40));
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_NONE, 23.2, 40), 0);
	CU_ASSERT(abs(r.n - walk) <= 1);
}

/* Trembling in place at 5 Hz from the start, with no walk before it to
 * hide behind: from 0.05 g to 0.5 g, never a step. */
static void test_accel_tremor(void)
{
	static const double tremor[] = { 0.05, 0.1, 0.2, 0.3, 0.5 };
	int codes[3] = { ABS_X, ABS_Y, ABS_Z };

	for (size_t i = 0; i < sizeof(tremor) / sizeof(tremor[0]); i++) {
		struct ras_device_info dev;
		struct run r;

		accel_dev(&dev, 1000);
		run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
		for (double t = 0; t < 60; t += 0.01) {
			double vert = tremor[i] * (0.7 + 0.3 * sin(2 * M_PI * 0.4 * t)) *
				      sin(2 * M_PI * 5 * t), v[3];

			v[0] = 1000 * (0.3 + 0.2 * vert + 0.005 * gauss());
			v[1] = 1000 * (0.1 + 0.1 * vert + 0.005 * gauss());
			v[2] = 1000 * (sqrt(1 - 0.1) + 0.97 * vert + 0.005 * gauss());
			frame(&r, t, 3, codes, v);
		}
		run_end(&r);
		if (r.n)
			fprintf(stderr, "\naccel tremor %.2f g: %d steps\n", tremor[i], r.n);
		CU_ASSERT_EQUAL(r.n, 0);
	}
}

/*
 * Walking that turns into a freeze: 6 Hz trembling of 0.15 g with small
 * shuffles at 2.5 per second (0.05 g, a third of the steps), then walking
 * again. The freeze indices take a second or more to close the gate; the
 * look-back withdraws the shuffles counted meanwhile. Returns the steps
 * from 1.5 s into the freeze to 0.5 s before its end (the fast index needs
 * about 1 s to recognize it, and the look-back reaches 1 s back; a last
 * shuffle may pass as the first step of the walk that ends the freeze, as
 * evaluate trims 0.5 s off each end of an annotated freeze).
 */
static int accel_shuffle_freeze(double lookback, int bout, struct run *r, double *t_freeze,
				double *t_walk, int *walk2)
{
	struct accel_walk w = { 100, 0, 100, 0.15, 0.005, 0, 1000 };
	struct ras_detect_config cfg;
	struct ras_device_info dev;
	int codes[3] = { ABS_X, ABS_Y, ABS_Z };
	double phase = M_PI, sh = 0;

	*t_freeze = 23;
	*t_walk = 38;
	accel_dev(&dev, 1000);
	memset(r, 0, sizeof(*r));
	ras_detect_config_default(&cfg, RAS_SENSOR_ACCEL);
	cfg.freeze_lookback_s = lookback;
	cfg.bout_steps = bout;
	r->d = ras_detector_new(&cfg, &dev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->d);
	accel_segment(r, &w, 0, 3, 0, &phase);
	phase = M_PI;
	accel_segment(r, &w, 3, *t_freeze, 1, &phase);
	for (double t = *t_freeze; t < *t_walk; t += 0.01) {
		double vert = 0.15 * (0.7 + 0.3 * sin(2 * M_PI * 0.5 * t)) * sin(2 * M_PI * 6 * t),
		       v[3];

		sh += 2 * M_PI * 2.5 * 0.01;
		vert += 0.05 * cos(sh);
		v[0] = 1000 * (0.3 + 0.2 * vert + 0.005 * gauss());
		v[1] = 1000 * (0.1 + 0.1 * vert + 0.005 * gauss());
		v[2] = 1000 * (sqrt(1 - 0.1) + 0.97 * vert + 0.005 * gauss());
		frame(r, t, 3, codes, v);
	}
	phase = M_PI;
	*walk2 = accel_segment(r, &w, *t_walk, *t_walk + 20, 1, &phase);
	accel_segment(r, &w, *t_walk + 20, *t_walk + 23, 0, &phase);
	run_end(r);
	return count(r, RAS_FOOT_NONE, *t_freeze + 1.5, *t_walk - 0.5);
}

/* Steps i that are among the first three of their walk (a pause of more
 * than `pause` s before it). */
static bool walk_start(const struct run *r, int i, double pause)
{
	int k = 0;

	while (k < 3 && i - k > 0 &&
	       r->step[i - k].time_ns - r->step[i - k - 1].time_ns <= pause * NS)
		k++;
	return k < 3;
}

static void test_accel_freeze_lookback(void)
{
	static struct run r;
	double t0, t1;
	int walk2, late = 0, frozen = accel_shuffle_freeze(1.0, 4, &r, &t0, &t1, &walk2);

	if (frozen)
		fprintf(stderr, "\naccel shuffling freeze: %d steps in it\n", frozen);
	CU_ASSERT_EQUAL(frozen, 0);
	/* Walking again is counted within a step or two. */
	CU_ASSERT(abs(count(&r, RAS_FOOT_NONE, t1, t1 + 25) - walk2) <= 2);
	/* In time order, each with its own time, a look-back after it; a
	 * walk's first three with its fourth. */
	for (int i = 0; i < r.n; i++) {
		CU_ASSERT(i == 0 || r.step[i].time_ns > r.step[i - 1].time_ns);
		CU_ASSERT(r.fed[i] - r.step[i].time_ns >= NS - 20000000LL);
		if (walk_start(&r, i, 1.5)) {
			int j = i;

			while (j < r.n && walk_start(&r, j, 1.5))
				j++;
			CU_ASSERT(j < r.n && r.fed[i] == r.fed[j]);
		} else {
			late += r.fed[i] - r.step[i].time_ns > 1300000000LL;
		}
	}
	/* Only the few weak steps confirmed late wait longer. */
	CU_ASSERT(late <= 2);

	/* Without the look-back the same freeze gives steps in its first
	 * seconds (4 here): what the look-back is for. */
	frozen = accel_shuffle_freeze(0, 1, &r, &t0, &t1, &walk2);
	CU_ASSERT(frozen >= 2);
	for (int i = 0; i < r.n; i++)
		CU_ASSERT(r.fed[i] - r.step[i].time_ns < 600000000LL || r.step[i].strength < 0.6);
}

/*
 * Standing, with a step or two now and then (a fidget, a weight shift, the
 * shuffles a freeze's look-back did not reach), then walks of 5 and 40
 * steps. found[i]: steps within walk i (to 0.5 s after it: the stop).
 */
#define NWALKS 5
static void accel_short_walks(int bout, double spm, int *found, int *truth)
{
	static const int walks[NWALKS] = { 1, 2, 2, 5, 40 };
	struct accel_walk w = { 100, 0, spm, 0.15, 0.005, 0, 1000 };
	static struct run r;
	struct ras_detect_config cfg;
	struct ras_device_info dev;
	double t = 0, phase = 0, step = 60 / spm, from[NWALKS];

	accel_dev(&dev, 1000);
	memset(&r, 0, sizeof(r));
	ras_detect_config_default(&cfg, RAS_SENSOR_ACCEL);
	cfg.bout_steps = bout;
	r.d = ras_detector_new(&cfg, &dev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.d);
	for (int i = 0; i < NWALKS; i++) {
		accel_segment(&r, &w, t, t + 5, 0, &phase);
		t += 5;
		phase = M_PI;
		from[i] = t;
		truth[i] = accel_segment(&r, &w, t, t + walks[i] * step, 1, &phase);
		t += walks[i] * step;
	}
	accel_segment(&r, &w, t, t + 5, 0, &phase);
	run_end(&r);
	for (int i = 0; i < NWALKS; i++)
		found[i] = count(&r, RAS_FOOT_NONE, from[i], from[i] + walks[i] * step + 0.5);
	/* Nothing else: no step while standing. */
	CU_ASSERT_EQUAL(count(&r, RAS_FOOT_NONE, -1, from[0]), 0);
	/* A walk's first three come with its fourth, each with its own time. */
	for (int i = 0; i < r.n; i++) {
		CU_ASSERT(i == 0 || r.step[i].time_ns > r.step[i - 1].time_ns);
		if (bout > 1 && walk_start(&r, i, fmax(1.5, 2 * step))) {
			int j = i;

			while (j < r.n && walk_start(&r, j, fmax(1.5, 2 * step)))
				j++;
			CU_ASSERT(j < r.n && r.fed[i] == r.fed[j]);
		}
	}
}

static void test_accel_short_walks(void)
{
	int found[NWALKS], truth[NWALKS];

	/* Every step counted: the short walks are found... */
	accel_short_walks(1, 100, found, truth);
	for (int i = 0; i < 3; i++)
		CU_ASSERT(found[i] >= truth[i] && truth[i] >= 1);
	/* ...and dropped from four steps on; the walks of 5 and 40 count. */
	accel_short_walks(4, 100, found, truth);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(found[i], 0);
	CU_ASSERT(abs(found[3] - truth[3]) <= 1 && truth[3] == 5);
	CU_ASSERT(abs(found[4] - truth[4]) <= 1 && truth[4] == 40);
	/* A slow walk (36 steps/min, 1.67 s a step, longer than the 1.5 s
	 * pause that ends a walk) is still a walk: its rhythm sets the pause. */
	accel_short_walks(4, 36, found, truth);
	CU_ASSERT(abs(found[4] - truth[4]) <= 1);
}

/*
 * A walk, a pause and a short walk fed with room for 4 or 8 steps a call,
 * or with half a second of it re-synced (ras_detector_sync has no room):
 * the same steps come out as with all the room there is, later if need be.
 */
static void accel_room_run(struct run *r, int room, double sync_s)
{
	struct accel_walk w = { 100, 0, 110, 0.15, 0.005, 0, 1000 };
	struct ras_detect_config cfg;
	struct ras_device_info dev;
	double phase = 0;

	rng = 88172645463325252ULL;
	accel_dev(&dev, 1000);
	memset(r, 0, sizeof(*r));
	ras_detect_config_default(&cfg, RAS_SENSOR_ACCEL);
	r->d = ras_detector_new(&cfg, &dev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->d);
	r->room = room;
	if (sync_s > 0) {
		r->sync_from = (int64_t)(sync_s * NS);
		r->sync_to = r->sync_from + NS / 2;
	}
	accel_segment(r, &w, 0, 3, 0, &phase);
	phase = M_PI;
	accel_segment(r, &w, 3, 23, 1, &phase);
	accel_segment(r, &w, 23, 27, 0, &phase);
	phase = M_PI;
	accel_segment(r, &w, 27, 30.5, 1, &phase);
	accel_segment(r, &w, 30.5, 34, 0, &phase);
	run_end(r);
}

static void test_accel_room(void)
{
	static struct run ref, r;
	static const struct {
		int room;
		double sync_s;
	} runs[] = { { 4, 0 }, { 8, 0 }, { 0, 12.3 }, { 0, 28.7 } };

	accel_room_run(&ref, 0, 0);
	CU_ASSERT(ref.n > 40);
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		accel_room_run(&r, runs[k].room, runs[k].sync_s);
		CU_ASSERT_EQUAL(r.n, ref.n);
		for (int i = 0; i < r.n && i < ref.n; i++)
			CU_ASSERT_EQUAL(r.step[i].time_ns, ref.step[i].time_ns);
	}
}

static void test_rt(void)
{
	struct accel_walk w = { 100, 0, 100, 0.15, 0.01, 0, 1000 };
	struct force_walk fw = { 100, 100, 100, 20, 100, 3000, 0, 0.01, 0.2, 0, 4095 };
	static double truth[MAXSTEPS];
	static int foot[MAXSTEPS];
	struct ras_device_info dev;
	struct run r;
	double phase = M_PI;
	int n;

	/* Feed, sync and flush allocate and lock nothing. */
	accel_dev(&dev, 1000);
	run_init(&r, RAS_SENSOR_ACCEL, &dev, -1, -1);
	rtcheck_arm();
	accel_segment(&r, &w, 0, 20, 1, &phase);
	sync_ev(&r, 20 * NS, EV_ABS, ABS_X, 0);
	ras_detector_flush(r.d, r.step, MAXSTEPS);
	CU_ASSERT_EQUAL(rtcheck_disarm(), 0);
	CU_ASSERT(r.n > 20);
	/* Too little room: nothing written, nothing claimed. */
	CU_ASSERT_EQUAL(ras_detector_feed(r.d, &(struct ras_input_event){ .time_ns = 21 * NS },
					  r.step, 0), 0);
	run_end(&r);

	force_dev(&dev, 0, 4095);
	run_init(&r, RAS_SENSOR_FORCE, &dev, -1, -1);
	rtcheck_arm();
	force_walk(&r, &fw, truth, foot, &n);
	sync_ev(&r, 21 * NS, EV_ABS, ABS_X, 0);
	ras_detector_flush(r.d, r.step, MAXSTEPS);
	CU_ASSERT_EQUAL(rtcheck_disarm(), 0);
	CU_ASSERT(r.n > 20);
	run_end(&r);

	footswitch_dev(&dev);
	run_init(&r, RAS_SENSOR_FOOTSWITCH, &dev, -1, -1);
	rtcheck_arm();
	for (int i = 0; i < 20; i++)
		bouncy_step(&r, 1 + 0.5 * i, BTN_0, 0.3);
	sync_ev(&r, 12 * NS, EV_KEY, BTN_0, 1);
	ras_detector_flush(r.d, r.step, MAXSTEPS);
	CU_ASSERT_EQUAL(rtcheck_disarm(), 0);
	CU_ASSERT_EQUAL(r.n, 20);
	run_end(&r);
}

void test_detect_register(void)
{
	TEST_SUITE("detect",
		   { "config, names and devices", test_config },
		   { "footswitch: bounces give one step at the first press", test_footswitch_bounce },
		   { "footswitch: presses shorter than the debounce", test_footswitch_glitch },
		   { "footswitch: lockout per foot", test_footswitch_lockout },
		   { "footswitch: mid-stance opening is one contact", test_footswitch_midstance },
		   { "footswitch: left/right codes, any key, auto-repeat", test_footswitch_codes },
		   { "footswitch: SYN_DROPPED re-sync never counts", test_footswitch_dropped },
		   { "footswitch: flush reports a held press", test_footswitch_flush },
		   { "force: 80-130 steps/min at 300 Hz", test_force_clean },
		   { "force: baseline drift up and down", test_force_drift },
		   { "force: weak sensor", test_force_weak },
		   { "force: noise", test_force_noise },
		   { "force: standing and swaying is no step", test_force_standing },
		   { "force: re-sync mid-stance is no step", test_force_sync },
		   { "accel: walking at 80-130 steps/min", test_accel_cadence },
		   { "accel: 400 Hz and jittery 50 Hz", test_accel_rates },
		   { "accel: noise", test_accel_noise },
		   { "accel: resolution 0 estimated from 1 g", test_accel_resolution_unknown },
		   { "accel: standing still", test_accel_standing },
		   { "accel: freezing tremor is no step", test_accel_freeze },
		   { "accel: weak steps in a turn are counted", test_accel_turn },
		   { "accel: swaying after a stop is no step", test_accel_stop },
		   { "accel: 5 Hz trembling in place is no step", test_accel_tremor },
		   { "accel: a walk counts from its fourth step", test_accel_short_walks },
		   { "accel: no step lost to a small out or a re-sync", test_accel_room },
		   { "accel: a shuffling freeze is withdrawn by the look-back",
		     test_accel_freeze_lookback },
		   { "RT-safe: feed, sync, flush", test_rt });
}

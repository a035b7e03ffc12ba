/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/detect.h"

#define NS 1000000000LL

/*
 * Force: envelopes that follow a drop (lo) or a rise (hi) at once and creep
 * back towards the signal with ENV_TAU_S, so a drifting baseline or a sensor
 * losing sensitivity is followed within a few strides while one long stance
 * or swing does not erase the range. A contact must cross TRIG of the range
 * after the signal stayed below REARM for MIN_SWING: a heel-to-toe dip in
 * mid-stance is shorter than any swing. The heel strike is where the signal
 * last left its trough (by ONSET of the range), which is where a reading of
 * the trace puts first contact, not where TRIG is met: a shuffling foot may
 * take half a second to load.
 */
#define ENV_TAU_S 3.0
#define RANGE_TAU_S 60.0	/* memory of the usual range while standing */
#define FLOOR_TAU_S 120.0	/* and of the unloaded level */
#define FLOOR_REL 0.25
#define TRIG 0.40
#define REARM 0.20
#define MIN_SWING_S 0.12
#define ONSET 0.04
#define ONSET_NOISE 3.0		/* times the noise */
#define SMOOTH_TAU_S 0.02
#define RANGE_MIN_REL 0.25	/* of the usual range: below it, no contact */
#define RANGE_MIN_SPAN 0.005	/* of the axis span: a flat line is not a range */
#define NOISE_K 9.0		/* times the noise */

/*
 * Accel: the magnitude, box-resampled to ACC_FS so any input rate filters
 * alike, band-passed to the step band (0.5 Hz high-pass, 4th-order 3 Hz
 * low-pass), which leaves 5 Hz freezing tremor at a tenth. A peak must rise
 * and fall by PROM times the band's running RMS (and PROM_MIN_G), come a
 * refractory period after the last (refractory_s, or REFR_REL of the
 * running step period up to REFR_CAP_S: one step's double bump is not two),
 * and counts only while that RMS shows walking (ACT_MIN_G) and no freeze
 * index says the person trembles in place: 3.5-8 Hz RMS over step-band RMS
 * of the magnitude over 1.5 s (FREEZE_RATIO, quick at a freeze's onset) and
 * over about 4 s (FI_TAU_S, FI_MAG, the window of Moore and Bachlin), and
 * of the acceleration along gravity over 4 s (FI_VERT: a shank trembles
 * mostly along it, which the magnitude dilutes with the other axes). The
 * first step of a walk comes before the RMS has grown: a gated peak is
 * counted late if a step follows within ACC_HOLD_S and it rose at least
 * HOLD_REL as much. Step times are the peaks less ACC_DELAY_S.
 *
 * In a turn the trunk's step peaks shrink within a step or two, faster than
 * the RMS (and so PROM) follows, and one can fall below the threshold. As in
 * the search-back of QRS detectors (Pan and Tompkins 1985), a second peak
 * picker keeps the largest peaks of SB_PROM times the RMS since the last
 * step; when the next step comes more than SB_GAP step periods after it, the
 * largest of them at least a refractory period from both is counted too,
 * late (see detect.h). Only a gap between two counted steps is searched:
 * the peaks after the last step of a walk are never counted this way.
 * Likewise a peak that rises less than WEAK_REL of the usual step (RISE_K
 * average of the strong ones) waits for a strong step within SB_MAX_NS to
 * confirm it: the sway after a stop, at the walking RMS for a second or
 * two, is as large as a turn step but no step follows it. ACC_NPEND weak
 * ones in a row are a softer walk and count at once; a gated peak
 * (standing, freezing) withdraws those waiting.
 *
 * The indices above lag a freeze's onset by 1-3 s, and most steps counted
 * in freezes fall in that lag. So every step is held freeze_lookback_s
 * (detect.h) after its own time and withdrawn if a freeze is recognized
 * meanwhile: by the magnitude's and the vertical ratios over about 1 s
 * (FAST_TAU_S, against FREEZE_RATIO and FI_VERT; the slower indices, still
 * high for a second or two after a freeze, would withdraw the first steps
 * of the walk that ends it, and they gate the peaks anyway), once it held
 * for FAST_HOLD_S (a single flicker while walking is not a freeze) with the
 * 3.5-8 Hz band above ACT_MIN_G (standing still has no tremor, cf. the
 * power threshold of Bachlin 2010): the step was a shuffle at the start of
 * that freeze. ACC_NOUT bounds the steps held.
 *
 * A look-back that withdraws a freeze's shuffles leaves the few around them
 * that it did not reach: one to three steps, with a pause on either side.
 * So, as a pedometer's count regulation does (Zhao 2010, Analog Dialogue
 * 44-06: four steps in a row before any counts), the steps leaving the
 * look-back count only once their walk has bout_steps of them (detect.h),
 * each within WALK_GAP_S or WALK_K times the walk's step period (the
 * peaks' rhythm for its second step) of the last; a shorter walk was
 * shuffles or fidgeting, and is dropped. A recognized freeze ends the
 * walk. A walk's first steps wait for its bout_steps-th to leave the
 * look-back.
 */
#define ACC_FS 100.0
#define ACC_TS_NS 10000000LL
#define ACC_GAP_NS (2 * NS)	/* longer silence: restart the filters */
#define ACC_LP_HZ 3.0
#define ACC_RMS_TAU_S 1.5
#define ACC_G_TAU_S 10.0	/* resolution 0: mean magnitude taken as 1 g */
#define ACC_DELAY_S 0.13	/* band-pass delay, and the trunk's peak after contact */
#define PROM 0.5
#define PROM_MIN_G 0.025
#define REFR_REL 0.65
#define REFR_CAP_S 0.4		/* so a sudden faster cadence is not halved */
#define PERIOD_K 0.2
#define ACT_MIN_G 0.03
#define FI_TAU_S 2.0		/* freeze index powers: ~4 s window */
#define FREEZE_RATIO 1.8	/* 3.5-8 Hz RMS over step-band RMS, 1.5 s */
#define FI_MAG 1.6		/* the same over 4 s */
#define FI_VERT 1.8		/* and along gravity */
#define GRAV_TAU_S 1.0		/* gravity: the mean acceleration vector */
#define ACC_HOLD_S 1.5
#define HOLD_REL 0.2
#define SB_PROM 0.25
#define SB_GAP 1.5		/* step periods: a step was missed in between */
#define SB_MAX_NS (2 * NS)	/* longer: a pause, not a missed step */
#define SB_NCAND 4
#define WEAK_REL 0.2		/* of the usual rise: a weak step, counted once confirmed */
#define RISE_K 0.2
#define ACC_NPEND 4
#define FAST_TAU_S 0.5		/* fast freeze index: ~1 s window */
#define FAST_HOLD_S 0.5
#define ACC_LOOKBACK_MAX_S 2.0
#define ACC_NOUT 16		/* 2 s at 4 steps/s, and a batch of weak ones */
#define WALK_GAP_S 1.5		/* a longer pause ends a walk... */
#define WALK_K 2.0		/* ...unless its steps are that slow */
#define ACC_WALK_MAX 8		/* bout_steps at most */

_Static_assert(ACC_NOUT + ACC_NPEND + 2 + ACC_WALK_MAX <= RAS_DETECT_MAX_STEPS,
	       "a feed or a flush can report every step held");

struct fsw_chan {
	int nkeys;			/* keys of the channel held (raw) */
	bool down;			/* debounced contact */
	bool pending;			/* press not yet held debounce_s */
	bool stepped;
	int64_t t_start, t_change, t_step;
};

struct force_foot {
	int code;
	bool have, armed, below, low, stepped;
	double x, x1, smooth, lo, hi, range_ref, span_min, trough, floor, noise;
	int nnoise;
	int64_t t, t_below, t_onset, t_step;
};

struct biquad {
	double b0, b1, b2, a1, a2, z1, z2;
};

struct acc_cand {
	int64_t t;
	double rise;
};

struct acc_pend {
	int64_t t;
	double strength;
};

struct accel {
	double scale[3];		/* 1/resolution, 0 when unknown */
	int32_t v[3];
	bool have, started, seek_max, peaked, held;
	int64_t t_prev, t_bin, t_ext, t_peak, t_held;
	double m_prev, m0, area, g_est, ext, base, held_rise, pw, pf, period;
	double grav[3], z_prev, z0, zarea, pw4, pf4, pz4, pzf4;
	struct biquad hp, lp1, lp2, thp, tlp;
	struct biquad zhp, zlp1, zlp2, zthp, ztlp;	/* along gravity */
	/* search-back: small peaks since the last step counted */
	bool lseek_max, counted;
	double lext, lbase;
	int64_t lt_ext, t_count;
	int ncand;
	struct acc_cand cand[SB_NCAND];
	/* weak steps waiting for a strong one to confirm them */
	double rise_ref;
	int npend;
	int64_t t_pend;
	struct acc_pend pend[ACC_NPEND + 2];	/* + a held first step and a search-back */
	/* look-back: steps held in case a freeze is recognized behind them */
	double qw, qf, qzw, qzf;		/* fast freeze index powers */
	bool fast_high;
	int64_t t_fast, t_frozen;		/* fast index high since; last frozen */
	int nout;
	struct acc_pend out[ACC_NOUT];
	/* the walk: its first steps wait until it has bout_steps */
	int nwalk, nwait;
	int64_t t_walk;			/* its last step */
	double walk_period;
	struct acc_pend wait[ACC_WALK_MAX];
};

struct ras_detector {
	struct ras_detect_config cfg;
	int64_t lockout, debounce, refractory, lookback;
	union {
		struct {
			struct fsw_chan chan[2];
			uint8_t key[RAS_KEY_COUNT];
			bool named;
		} fsw;
		struct force_foot foot[2];
		struct accel acc;
	};
};

void ras_detect_config_default(struct ras_detect_config *cfg, enum ras_sensor_kind kind)
{
	*cfg = (struct ras_detect_config){
		.kind = kind,
		.left_code = -1,
		.right_code = -1,
		.lockout_s = 0.25,
		.debounce_s = 0.02,
		.refractory_s = 0.25,
		.freeze_lookback_s = 1.0,
		.bout_steps = 4,
	};
}

static const char *const kind_names[] = {
	[RAS_SENSOR_FOOTSWITCH] = "footswitch",
	[RAS_SENSOR_FORCE] = "force",
	[RAS_SENSOR_ACCEL] = "accel",
};

int ras_sensor_kind_from_name(const char *name, enum ras_sensor_kind *kind)
{
	for (size_t i = 0; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (!strcmp(name, kind_names[i])) {
			*kind = (enum ras_sensor_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ras_sensor_kind_name(enum ras_sensor_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

static int force_axis(const struct ras_detect_config *cfg, int foot)
{
	int code = foot ? cfg->right_code : cfg->left_code;

	return code >= 0 ? code : foot ? ABS_Y : ABS_X;
}

static bool config_fits(const struct ras_detect_config *cfg, const struct ras_device_info *dev)
{
	int n = 0;

	switch (cfg->kind) {
	case RAS_SENSOR_FOOTSWITCH:
		if (cfg->left_code >= RAS_KEY_COUNT || cfg->right_code >= RAS_KEY_COUNT)
			return false;
		if (cfg->left_code < 0 && cfg->right_code < 0) {
			for (int k = 0; k < RAS_KEY_COUNT; k++)
				n += dev->has_key[k];
			return n > 0;
		}
		/* A named switch must exist; an unnamed foot is not watched. */
		return (cfg->left_code < 0 || dev->has_key[cfg->left_code]) &&
		       (cfg->right_code < 0 || dev->has_key[cfg->right_code]);
	case RAS_SENSOR_FORCE:
		for (int f = 0; f < 2; f++) {
			int a = force_axis(cfg, f);

			if (a >= RAS_ABS_COUNT)
				return false;
			n += dev->has_abs[a];
		}
		/* One insole is enough; named axes must all exist. */
		if ((cfg->left_code >= 0 && !dev->has_abs[cfg->left_code]) ||
		    (cfg->right_code >= 0 && !dev->has_abs[cfg->right_code]))
			return false;
		return n > 0;
	case RAS_SENSOR_ACCEL:
		return dev->has_abs[ABS_X] && dev->has_abs[ABS_Y] && dev->has_abs[ABS_Z];
	}
	return false;
}

bool ras_detect_device_fits(const struct ras_device_info *dev, enum ras_sensor_kind kind)
{
	struct ras_detect_config cfg;

	if (!dev)
		return false;
	ras_detect_config_default(&cfg, kind);
	return config_fits(&cfg, dev);
}

/* RBJ cookbook biquads; the state is that of a constant zero input. */
static void biquad_init(struct biquad *q, bool high, double fc, double quality)
{
	double w = 2 * M_PI * fc / ACC_FS, c = cos(w), a = sin(w) / (2 * quality), a0 = 1 + a;
	double g = high ? (1 + c) / 2 : (1 - c) / 2;

	*q = (struct biquad){
		.b0 = g / a0,
		.b1 = (high ? -2 * g : 2 * g) / a0,
		.b2 = g / a0,
		.a1 = -2 * c / a0,
		.a2 = (1 - a) / a0,
	};
}

static double biquad_run(struct biquad *q, double x)
{
	double y = q->b0 * x + q->z1;

	q->z1 = q->b1 * x - q->a1 * y + q->z2;
	q->z2 = q->b2 * x - q->a2 * y;
	return y;
}

static void accel_reset(struct accel *a)
{
	/* Butterworth: Q 0.7071 for 2nd order, 0.5412 and 1.3066 for 4th. */
	biquad_init(&a->hp, true, 0.5, M_SQRT1_2);
	biquad_init(&a->lp1, false, ACC_LP_HZ, 0.5412);
	biquad_init(&a->lp2, false, ACC_LP_HZ, 1.3066);
	biquad_init(&a->thp, true, 3.5, M_SQRT1_2);
	biquad_init(&a->tlp, false, 8.0, M_SQRT1_2);
	a->zhp = a->hp;
	a->zlp1 = a->lp1;
	a->zlp2 = a->lp2;
	a->zthp = a->thp;
	a->ztlp = a->tlp;
	a->started = false;
	a->seek_max = true;
	a->held = false;
	a->ext = 0;
	a->lseek_max = true;
	a->lext = 0;
	a->counted = false;
	a->ncand = 0;
	a->rise_ref = 0;
	a->npend = 0;
	a->pw = a->pf = 0;
	a->pw4 = a->pf4 = a->pz4 = a->pzf4 = 0;
	/* The steps held stay: they were steps, and are reported when due. */
	a->qw = a->qf = a->qzw = a->qzf = 0;
	a->fast_high = false;
}

struct ras_detector *ras_detector_new(const struct ras_detect_config *cfg,
				      const struct ras_device_info *dev)
{
	struct ras_detector *d;

	if (!cfg || !dev || (unsigned)cfg->kind > RAS_SENSOR_ACCEL || !(cfg->lockout_s >= 0) ||
	    !(cfg->debounce_s >= 0) || !(cfg->refractory_s >= 0) ||
	    !(cfg->freeze_lookback_s >= 0 && cfg->freeze_lookback_s <= ACC_LOOKBACK_MAX_S) ||
	    cfg->bout_steps < 1 || cfg->bout_steps > ACC_WALK_MAX ||
	    !config_fits(cfg, dev)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->cfg = *cfg;
	d->lockout = (int64_t)llround(cfg->lockout_s * NS);
	d->debounce = (int64_t)llround(cfg->debounce_s * NS);
	d->refractory = (int64_t)llround(cfg->refractory_s * NS);
	d->lookback = (int64_t)llround(cfg->freeze_lookback_s * NS);
	switch (cfg->kind) {
	case RAS_SENSOR_FOOTSWITCH:
		d->fsw.named = cfg->left_code >= 0 || cfg->right_code >= 0;
		break;
	case RAS_SENSOR_FORCE:
		for (int f = 0; f < 2; f++) {
			struct force_foot *ft = &d->foot[f];
			const struct ras_absinfo *ai;

			ft->code = force_axis(cfg, f);
			if (!dev->has_abs[ft->code]) {
				ft->code = -1;
				continue;
			}
			ai = &dev->abs[ft->code];
			ft->span_min = fmax(RANGE_MIN_SPAN * ((double)ai->maximum - ai->minimum),
					    4.0 * ai->fuzz);
		}
		break;
	case RAS_SENSOR_ACCEL:
		for (int i = 0; i < 3; i++) {
			int r = dev->abs[ABS_X + i].resolution;

			d->acc.scale[i] = r > 0 ? 1.0 / r : 0;
			d->acc.v[i] = dev->abs[ABS_X + i].value;
		}
		accel_reset(&d->acc);
		d->acc.t_frozen = INT64_MIN;
		break;
	}
	return d;
}

void ras_detector_free(struct ras_detector *d)
{
	free(d);
}

static int put(struct ras_step *out, int max, int n, int64_t t, enum ras_foot foot, double s)
{
	if (n < max)
		out[n] = (struct ras_step){ .time_ns = t, .foot = foot, .strength = (float)s };
	return n + 1;
}

/* ---- footswitch ---- */

static int fsw_channel(const struct ras_detector *d, int code)
{
	if (!d->fsw.named)
		return 0;
	if (code == d->cfg.left_code)
		return 0;
	if (code == d->cfg.right_code)
		return 1;
	return -1;
}

/*
 * Let time pass to t: a press held debounce_s is a contact (a step at its
 * first press unless within the lockout); an opening as short cancels the
 * press as a glitch. A contact ends when the switch stays open MIN_SWING_S:
 * a heel switch opens briefly in mid-stance as the load rolls to the toes.
 */
static int fsw_poll(struct ras_detector *d, int64_t t, struct ras_step *out, int max, int n)
{
	int64_t swing = (int64_t)(MIN_SWING_S * NS);

	for (int c = 0; c < 2; c++) {
		struct fsw_chan *ch = &d->fsw.chan[c];
		int64_t held = t - ch->t_change;
		bool raw = ch->nkeys > 0;

		if (ch->pending && held >= d->debounce) {
			ch->pending = false;
			ch->down = raw;
			if (raw && (!ch->stepped || ch->t_start - ch->t_step >= d->lockout)) {
				enum ras_foot foot = d->fsw.named ? (enum ras_foot)c : RAS_FOOT_NONE;

				n = put(out, max, n, ch->t_start, foot, 1);
				ch->stepped = true;
				ch->t_step = ch->t_start;
			}
		} else if (ch->down && !raw && held >= d->debounce && held >= swing) {
			ch->down = false;
		}
	}
	return n;
}

static void fsw_key(struct ras_detector *d, const struct ras_input_event *ev, bool sync)
{
	int c = fsw_channel(d, ev->code);
	struct fsw_chan *ch;
	bool was, now;

	if (c < 0 || ev->code >= RAS_KEY_COUNT || ev->value == 2)
		return;
	ch = &d->fsw.chan[c];
	was = ch->nkeys > 0;
	if (ev->value && !d->fsw.key[ev->code])
		ch->nkeys++;
	else if (!ev->value && d->fsw.key[ev->code])
		ch->nkeys--;
	d->fsw.key[ev->code] = ev->value != 0;
	now = ch->nkeys > 0;
	if (sync) {
		/* The state as it is now, with no step for what was missed. */
		ch->down = now;
		ch->pending = false;
		ch->t_change = ev->time_ns;
		return;
	}
	if (was == now)
		return;
	ch->t_change = ev->time_ns;
	if (now && !ch->down && !ch->pending) {
		ch->pending = true;
		ch->t_start = ev->time_ns;
	}
}

static int fsw_feed(struct ras_detector *d, const struct ras_input_event *ev,
		    struct ras_step *out, int max)
{
	int n = fsw_poll(d, ev->time_ns, out, max, 0);

	if (ev->type == EV_KEY) {
		fsw_key(d, ev, false);
	} else if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		/* Whatever was pressed may have been released unseen. */
		d->fsw.chan[0].pending = d->fsw.chan[1].pending = false;
	}
	return n;
}

/* ---- force ---- */

static int force_sample(struct ras_detector *d, struct force_foot *f,
			const struct ras_input_event *ev, bool sync, struct ras_step *out, int max)
{
	double x = ev->value, dt = (double)(ev->time_ns - f->t) / NS, range;
	int64_t onset;

	if (!f->have) {
		/* Ready for a first contact from wherever it starts. */
		f->have = f->armed = f->low = true;
		f->lo = f->hi = f->x = f->x1 = f->smooth = f->floor = f->trough = x;
		f->t_onset = ev->time_ns;
	}
	if (!(dt > 0))
		dt = 0;
	/* The last value held until now (evdev sends changes only). */
	if (f->x > f->lo)
		f->lo += (f->x - f->lo) * -expm1(-dt / ENV_TAU_S);
	if (f->x < f->hi)
		f->hi += (f->x - f->hi) * -expm1(-dt / ENV_TAU_S);
	/* Smoothed for the trough: an undershoot at toe-off is not the floor. */
	f->smooth += (f->x - f->smooth) * -expm1(-dt / SMOOTH_TAU_S);
	if (f->smooth > f->floor)
		f->floor += (f->smooth - f->floor) * -expm1(-dt / FLOOR_TAU_S);
	f->floor = fmin(f->floor, f->smooth);
	if (f->below) {
		f->trough = fmin(f->trough, f->smooth);
		if (ev->time_ns - f->t_below >= (int64_t)(MIN_SWING_S * NS))
			f->armed = true;
	}
	f->lo = fmin(f->lo, x);
	f->hi = fmax(f->hi, x);
	range = f->hi - f->lo;
	f->range_ref = range > f->range_ref ?
			       range :
			       f->range_ref + (range - f->range_ref) * -expm1(-dt / RANGE_TAU_S);
	/* The noise (about its sd) a range must stand well above: the second
	 * difference, blind to slopes, while unloaded or before any contact. */
	if (!f->stepped || x <= f->lo + REARM * range) {
		double d2 = fabs(x - 2 * f->x + f->x1) / 2;

		if (f->nnoise < 16)
			f->noise += (d2 - f->noise) / ++f->nnoise;
		else
			f->noise += (fmin(d2, 4 * f->noise + 1) - f->noise) / 64;
	}
	f->x1 = f->x;
	f->x = x;
	f->t = ev->time_ns;

	if (x < f->lo + REARM * range) {
		if (!f->below) {
			f->below = true;
			f->t_below = f->t;
			f->trough = f->smooth;
		}
		f->trough = fmin(f->trough, f->smooth);
	} else {
		f->below = false;
	}
	/* The first sample of the climb out of the trough (and its noise). */
	if (x <= f->trough + fmax(ONSET * range, ONSET_NOISE * f->noise)) {
		f->low = true;
	} else if (f->low) {
		f->low = false;
		f->t_onset = f->t;
	}
	if (!f->armed || x <= f->lo + TRIG * range || range < f->span_min ||
	    range < RANGE_MIN_REL * f->range_ref || range < NOISE_K * f->noise)
		return 0;
	f->armed = false;
	onset = f->t_onset;
	/* A foot that never unloaded: shifting weight while standing. */
	if (f->trough > f->floor + FLOOR_REL * f->range_ref)
		return 0;
	f->floor += (f->trough - f->floor) / 2;
	if (sync || (f->stepped && onset - f->t_step < d->lockout))
		return 0;
	f->stepped = true;
	f->t_step = onset;
	return put(out, max, 0, onset, (enum ras_foot)(f - d->foot), fmin(1, range / f->range_ref));
}

static int force_feed(struct ras_detector *d, const struct ras_input_event *ev, bool sync,
		      struct ras_step *out, int max)
{
	if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		/* A rise under way has lost its start: wait for the next trough. */
		for (int f = 0; f < 2; f++)
			d->foot[f].armed = d->foot[f].below = false;
		return 0;
	}
	if (ev->type != EV_ABS)
		return 0;
	for (int f = 0; f < 2; f++) {
		if (d->foot[f].code == ev->code)
			return force_sample(d, &d->foot[f], ev, sync, out, max);
	}
	return 0;
}

/* ---- accel ---- */

/* Walking, and no freeze index says the person trembles in place. */
static bool accel_active(const struct accel *a, double rms)
{
	return rms >= ACT_MIN_G && a->pf < FREEZE_RATIO * FREEZE_RATIO * a->pw &&
	       a->pf4 < FI_MAG * FI_MAG * a->pw4 && a->pzf4 < FI_VERT * FI_VERT * a->pz4;
}

/* Keep the SB_NCAND largest small peaks: a turn step is the largest
 * between the two steps around it, the rest is sway. */
static void accel_cand(struct accel *a, int64_t t, double rise)
{
	int k = 0;

	if (a->ncand < SB_NCAND) {
		a->cand[a->ncand++] = (struct acc_cand){ t, rise };
		return;
	}
	for (int i = 1; i < SB_NCAND; i++)
		if (a->cand[i].rise < a->cand[k].rise)
			k = i;
	if (rise > a->cand[k].rise)
		a->cand[k] = (struct acc_cand){ t, rise };
}

/* The second peak picker, at SB_PROM: candidates for the search-back. */
static void accel_small_peaks(struct accel *a, int64_t t, double y, double rms)
{
	double prom = fmax(PROM_MIN_G, SB_PROM * rms);

	if (!a->lseek_max) {
		if (y < a->lext) {
			a->lext = y;
		} else if (y > a->lext + prom) {
			a->lseek_max = true;
			a->lbase = a->lext;
			a->lext = y;
			a->lt_ext = t;
		}
	} else if (y > a->lext) {
		a->lext = y;
		a->lt_ext = t;
	} else if (y < a->lext - prom) {
		a->lseek_max = false;
		if (accel_active(a, rms))
			accel_cand(a, a->lt_ext, a->lext - a->lbase);
		a->lext = y;
	}
}

/* A step whose peak was at t, to report once a strong step confirms it. */
static void accel_queue(struct accel *a, int64_t t, double strength)
{
	if (a->npend == ACC_NPEND + 2)
		return;
	a->pend[a->npend++] = (struct acc_pend){ t - (int64_t)(ACC_DELAY_S * NS), strength };
	a->t_pend = t;
}

/* A step leaving the look-back: reported if its walk has bout_steps, with
 * the walk's first steps, else kept until it does. */
static int accel_walk(struct ras_detector *d, const struct acc_pend *p, struct ras_step *out,
		      int max, int n)
{
	struct accel *a = &d->acc;
	double gap = fmax(WALK_GAP_S * NS, WALK_K * (a->nwalk > 1 ? a->walk_period : a->period));

	if (a->nwalk && (double)(p->t - a->t_walk) > gap) {
		/* Too short a walk: shuffles or fidgeting. */
		a->nwalk = a->nwait = 0;
	}
	if (!a->nwalk) {
		a->walk_period = 0;
	} else if (p->t > a->t_walk) {
		/* (a step confirmed late may come before the last one) */
		double dt = (double)(p->t - a->t_walk);

		a->walk_period = a->nwalk > 1 ? a->walk_period + (dt - a->walk_period) * PERIOD_K
					      : dt;
	}
	if (!a->nwalk || p->t > a->t_walk)
		a->t_walk = p->t;
	if (a->nwalk < d->cfg.bout_steps)
		a->nwalk++;
	if (a->nwalk < d->cfg.bout_steps) {
		a->wait[a->nwait++] = *p;
		return n;
	}
	for (int i = 0; i < a->nwait; i++)
		n = put(out, max, n, a->wait[i].t, RAS_FOOT_NONE, a->wait[i].strength);
	a->nwait = 0;
	return put(out, max, n, p->t, RAS_FOOT_NONE, p->strength);
}

/* Pass the steps held whose look-back is over (all: at the end) to their
 * walk, oldest first, as far as out has room: the rest wait for the next
 * call. */
static int accel_emit(struct ras_detector *d, int64_t now, bool all, struct ras_step *out,
		      int max, int n)
{
	struct accel *a = &d->acc;
	int k = 0;

	while (k < a->nout && n + a->nwait < max && (all || now - a->out[k].t >= d->lookback)) {
		n = accel_walk(d, &a->out[k], out, max, n);
		k++;
	}
	a->nout -= k;
	memmove(a->out, a->out + k, a->nout * sizeof(a->out[0]));
	return n;
}

/* The weak steps waiting and the strong one confirming them are steps: into
 * the look-back, in time order, unless a freeze was recognized since. */
static int accel_release(struct ras_detector *d, int64_t now, struct ras_step *out, int max,
			 int n)
{
	struct accel *a = &d->acc;

	for (int i = 0; i < a->npend; i++) {
		const struct acc_pend *p = &a->pend[i];
		int k;

		if (d->lookback && p->t <= a->t_frozen)
			continue;
		/* Full (more steps than ACC_NOUT within the look-back): the
		 * oldest goes now, early rather than lost, unless out has no
		 * room for it and its walk (RAS_DETECT_MAX_STEPS has). */
		if (a->nout == ACC_NOUT) {
			if (n + a->nwait < max)
				n = accel_walk(d, &a->out[0], out, max, n);
			a->nout--;
			memmove(a->out, a->out + 1, a->nout * sizeof(a->out[0]));
		}
		k = a->nout;
		while (k > 0 && a->out[k - 1].t > p->t)
			k--;
		memmove(a->out + k + 1, a->out + k, (a->nout - k) * sizeof(a->out[0]));
		a->out[k] = *p;
		a->nout++;
	}
	a->npend = 0;
	return accel_emit(d, now, false, out, max, n);
}

/* The fast freeze index, and the look-back's verdict: frozen since before
 * the steps held, which were shuffles, not steps. */
static void accel_lookback(struct accel *a, int64_t t, double y, double f, double yz, double fz)
{
	const double kq = -expm1(-1.0 / (ACC_FS * FAST_TAU_S));
	bool high;

	a->qw += (y * y - a->qw) * kq;
	a->qf += (f * f - a->qf) * kq;
	a->qzw += (yz * yz - a->qzw) * kq;
	a->qzf += (fz * fz - a->qzf) * kq;
	high = a->qf >= ACT_MIN_G * ACT_MIN_G &&
	       (a->qf >= FREEZE_RATIO * FREEZE_RATIO * a->qw ||
		a->qzf >= FI_VERT * FI_VERT * a->qzw);
	if (!high) {
		a->fast_high = false;
		return;
	}
	if (!a->fast_high) {
		a->fast_high = true;
		a->t_fast = t;
	}
	if (t - a->t_fast >= (int64_t)(FAST_HOLD_S * NS)) {
		a->t_frozen = t;
		a->nout = 0;
		a->nwalk = a->nwait = 0;
	}
}

/* A step at t is counted: first the one missed since the last, if any. */
static void accel_search_back(struct ras_detector *d, int64_t t, int64_t refr)
{
	struct accel *a = &d->acc;
	int best = -1;

	if (a->counted && t - a->t_count > SB_GAP * a->period && t - a->t_count < SB_MAX_NS) {
		for (int i = 0; i < a->ncand; i++) {
			const struct acc_cand *c = &a->cand[i];

			if (c->t - a->t_count >= refr && t - c->t >= refr &&
			    (best < 0 || c->rise > a->cand[best].rise))
				best = i;
		}
	}
	if (best >= 0)
		accel_queue(a, a->cand[best].t, 0.5);
	a->counted = true;
	a->t_count = t;
	a->ncand = 0;
}

static int accel_sample(struct ras_detector *d, int64_t t, double m, double z,
			struct ras_step *out, int max, int n)
{
	struct accel *a = &d->acc;
	const double kr = -expm1(-1.0 / (ACC_FS * ACC_RMS_TAU_S));
	const double k4 = -expm1(-1.0 / (ACC_FS * FI_TAU_S));
	double u, y, f, yz, fz, rms, prom, rise, s;
	int64_t refr;
	bool weak;

	if (!a->started) {
		/* Start from rest at this level: no step response to 1 g. */
		a->started = true;
		a->m0 = m;
		a->z0 = z;
	}
	u = m - a->m0;
	y = biquad_run(&a->lp2, biquad_run(&a->lp1, biquad_run(&a->hp, u)));
	f = biquad_run(&a->tlp, biquad_run(&a->thp, u));
	a->pw += (y * y - a->pw) * kr;
	a->pf += (f * f - a->pf) * kr;
	a->pw4 += (y * y - a->pw4) * k4;
	a->pf4 += (f * f - a->pf4) * k4;
	u = z - a->z0;
	yz = biquad_run(&a->zlp2, biquad_run(&a->zlp1, biquad_run(&a->zhp, u)));
	fz = biquad_run(&a->ztlp, biquad_run(&a->zthp, u));
	a->pz4 += (yz * yz - a->pz4) * k4;
	a->pzf4 += (fz * fz - a->pzf4) * k4;
	accel_lookback(a, t, y, f, yz, fz);
	n = accel_emit(d, t, false, out, max, n);
	rms = sqrt(a->pw);
	prom = fmax(PROM_MIN_G, PROM * rms);
	accel_small_peaks(a, t, y, rms);
	/* No strong step came: the walk stopped, the weak ones were sway. */
	if (a->npend && t - a->t_pend > SB_MAX_NS)
		a->npend = 0;

	if (!a->seek_max) {
		if (y < a->ext) {
			a->ext = y;
		} else if (y > a->ext + prom) {
			a->seek_max = true;
			a->base = a->ext;
			a->ext = y;
			a->t_ext = t;
		}
		return n;
	}
	if (y > a->ext) {
		a->ext = y;
		a->t_ext = t;
		return n;
	}
	if (y >= a->ext - prom)
		return n;
	/* A peak, now that the band has fallen from it. */
	a->seek_max = false;
	rise = a->ext - a->base;
	a->ext = y;
	refr = (int64_t)fmax(d->refractory, fmin(REFR_REL * a->period, REFR_CAP_S * NS));
	if (a->peaked && a->t_ext - a->t_peak < refr)
		return n;
	/* The rhythm of the peaks, whether they count or not: a gate cannot
	 * lock the refractory period onto every other step. */
	if (a->peaked && a->t_ext - a->t_peak < 2 * NS) {
		double dt = (double)(a->t_ext - a->t_peak);

		a->period = a->period ? a->period + (dt - a->period) * PERIOD_K : dt;
	}
	a->peaked = true;
	a->t_peak = a->t_ext;
	if (!accel_active(a, rms)) {
		/* Maybe the first step of a walk, before the RMS has grown. */
		a->held = true;
		a->t_held = a->t_ext;
		a->held_rise = rise;
		/* Standing or freezing: the weak steps waiting were none, and
		 * the next walk sets its own scale. */
		a->npend = 0;
		a->rise_ref = 0;
		return n;
	}
	weak = a->rise_ref > 0 && rise < WEAK_REL * a->rise_ref;
	/* It was, if this one is a step and that one nearly as strong. */
	if (a->held && a->t_ext - a->t_held <= (int64_t)(ACC_HOLD_S * NS) &&
	    a->held_rise >= HOLD_REL * rise) {
		accel_queue(a, a->t_held, 0.5);
		a->counted = true;
		a->t_count = a->t_held;
	}
	a->held = false;
	accel_search_back(d, a->t_ext, refr);
	s = fmin(1, rms / (4 * ACT_MIN_G));
	accel_queue(a, a->t_ext, weak ? s / 2 : s);
	if (weak && a->npend < ACC_NPEND)
		return n;
	/* A strong step, or weak ones in a row: a softer walk, its own scale. */
	a->rise_ref = !weak && a->rise_ref ? a->rise_ref + (rise - a->rise_ref) * RISE_K : rise;
	return accel_release(d, t, out, max, n);
}

/* A frame is complete: integrate the magnitude and the acceleration along
 * gravity, linear between frames, into ACC_TS_NS bins and filter each full
 * bin. */
static int accel_frame(struct ras_detector *d, int64_t t, bool sync, struct ras_step *out, int max)
{
	struct accel *a = &d->acc;
	double m = 0, g[3], z = 0, gn = 0, kg;
	int n = 0;

	for (int i = 0; i < 3; i++) {
		g[i] = a->scale[i] ? a->v[i] * a->scale[i] : a->v[i];
		m += g[i] * g[i];
	}
	m = sqrt(m);
	if (a->scale[0] == 0) {
		if (!a->have)
			a->g_est = m > 0 ? m : 1;
		a->g_est += (m - a->g_est) * -expm1(-(double)(t - a->t_prev) / NS / ACC_G_TAU_S);
		m /= a->g_est > 0 ? a->g_est : 1;
		for (int i = 0; i < 3; i++)
			g[i] /= a->g_est > 0 ? a->g_est : 1;
	}
	if (!a->have || t - a->t_prev > ACC_GAP_NS || t < a->t_prev) {
		if (a->have)
			accel_reset(a);
		a->have = true;
		a->t_prev = a->t_bin = t;
		a->m_prev = m;
		a->area = a->zarea = 0;
		memcpy(a->grav, g, sizeof(g));
		a->z_prev = m;
		return 0;
	}
	kg = -expm1(-(double)(t - a->t_prev) / NS / GRAV_TAU_S);
	for (int i = 0; i < 3; i++) {
		a->grav[i] += (g[i] - a->grav[i]) * kg;
		gn += a->grav[i] * a->grav[i];
	}
	gn = sqrt(gn);
	for (int i = 0; i < 3; i++)
		z += gn > 0 ? g[i] * a->grav[i] / gn : 0;
	while (a->t_prev < t) {
		int64_t end = a->t_bin + ACC_TS_NS, upto = end < t ? end : t;
		double w = (double)(upto - a->t_prev) / (t - a->t_prev);
		double mu = a->m_prev + (m - a->m_prev) * w, zu = a->z_prev + (z - a->z_prev) * w;

		a->area += (a->m_prev + mu) / 2 * (double)(upto - a->t_prev);
		a->zarea += (a->z_prev + zu) / 2 * (double)(upto - a->t_prev);
		a->m_prev = mu;
		a->z_prev = zu;
		a->t_prev = upto;
		if (upto < end)
			break;
		n = accel_sample(d, a->t_bin + ACC_TS_NS / 2, a->area / ACC_TS_NS,
				 a->zarea / ACC_TS_NS, out, max, n);
		a->t_bin = end;
		a->area = a->zarea = 0;
	}
	a->m_prev = m;
	a->z_prev = z;
	a->t_prev = t;
	if (sync) {
		/* Steps found in a re-sync are not reported. */
		n = 0;
	}
	return n;
}

static int accel_feed(struct ras_detector *d, const struct ras_input_event *ev, bool sync,
		      struct ras_step *out, int max)
{
	struct accel *a = &d->acc;

	if (ev->type == EV_ABS && ev->code <= ABS_Z) {
		a->v[ev->code - ABS_X] = ev->value;
	} else if (ev->type == EV_SYN && ev->code == SYN_REPORT) {
		return accel_frame(d, ev->time_ns, sync, out, max);
	} else if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		/* Frames are missing: bridge nothing, start again. */
		if (a->have)
			accel_reset(a);
		a->have = false;
	}
	return 0;
}

int ras_detector_feed(struct ras_detector *d, const struct ras_input_event *ev,
		      struct ras_step *out, int max)
{
	int n = 0;

	switch (d->cfg.kind) {
	case RAS_SENSOR_FOOTSWITCH:
		n = fsw_feed(d, ev, out, max);
		break;
	case RAS_SENSOR_FORCE:
		n = force_feed(d, ev, false, out, max);
		break;
	case RAS_SENSOR_ACCEL:
		n = accel_feed(d, ev, false, out, max);
		break;
	}
	return n < max ? n : max;
}

void ras_detector_sync(struct ras_detector *d, const struct ras_input_event *ev)
{
	struct ras_step none;

	switch (d->cfg.kind) {
	case RAS_SENSOR_FOOTSWITCH:
		/* Steps due before the re-sync are lost with the drop. */
		if (ev->type == EV_KEY)
			fsw_key(d, ev, true);
		break;
	case RAS_SENSOR_FORCE:
		force_feed(d, ev, true, &none, 0);
		break;
	case RAS_SENSOR_ACCEL:
		accel_feed(d, ev, true, &none, 0);
		break;
	}
}

int ras_detector_flush(struct ras_detector *d, struct ras_step *out, int max)
{
	int n = 0;

	if (d->cfg.kind == RAS_SENSOR_FOOTSWITCH) {
		/* A press still held at the end counted as held long enough. */
		for (int c = 0; c < 2; c++) {
			struct fsw_chan *ch = &d->fsw.chan[c];

			if (ch->pending && ch->nkeys > 0)
				ch->t_change = INT64_MIN / 2;
		}
		n = fsw_poll(d, INT64_MAX / 2, out, max, 0);
	} else if (d->cfg.kind == RAS_SENSOR_ACCEL) {
		/* No freeze behind the steps held: they were steps. */
		n = accel_emit(d, 0, true, out, max, 0);
	}
	return n < max ? n : max;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tempo control against the real engine, offline: blocks of 64..1024 frames,
 * a synthetic walker stepping on the session clock, every command the
 * controller returns forwarded as the program will. The walker is either a
 * fixed-cadence stepper or one that corrects its phase,
 * t[n+1] = t[n] + T - alpha * A[n], A[n] being its step less the nearest
 * beat it heard.
 *
 * Every run is checked the same way: beats numbered without a gap, each on
 * the frame the schedule math gives once the forwarded commands are applied
 * to a copy of the source, an onset in the audio for each, intervals of
 * 60/tempo wherever the tempo is constant, the tempo within the limits, and
 * the controller free of allocation and locks.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/engine.h"
#include "rasbeat/tempo.h"
#include "rasbeat/tempomap.h"
#include "rtcheck.h"
#include "testutil.h"

#define RATE 48000.0
#define MAXB 8192
#define MAXS 4096
#define MAXC 8192
#define REPLICA_CAP 30000	/* never compacted: the whole run stays checkable */

struct walker {
	double T;		/* natural step period, s */
	double alpha;		/* phase correction gain; 0: fixed cadence */
	double jitter;		/* uniform +- s */
	double t_next;		/* next step */
	double stop;		/* no step from here on */
	bool pending;		/* the last step's asynchrony is not known yet */
	double t_last;
	int n;
	uint32_t seed;
};

struct sim {
	struct ras_tempo_config cfg;
	struct ras_engine *e;
	struct ras_tempo *tc;
	struct ras_schedule *replica;	/* the source with every forwarded command */
	struct ras_sound *imp;
	int64_t frame;
	uint32_t seed;
	int64_t quiet;
	struct ras_beat beat[MAXB];
	size_t nb;
	int64_t onset[MAXB];
	size_t no;
	double step[MAXS];
	size_t ns;
	struct ras_cmd cmd[MAXC];
	size_t nc;
	int late;		/* walker decisions that came after their step was due */
	int rt;			/* allocations and locks inside the controller */
	int refused;		/* commands the replica refused */
	double lag;		/* the controller is told a time this much behind */
	bool resync_ok;
};

static struct sim sim_store;
static float lbuf[1024], rbuf[1024];

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static double uniform(uint32_t *s)
{
	return (double)lcg(s) / (1 << 24) * 2 - 1;
}

static struct ras_schedule *constant(double bpm, int countin)
{
	struct ras_meter m;
	struct ras_schedule *s;

	ras_meter_default(&m);
	s = ras_tempomap_constant(&m, bpm);
	if (countin) {
		struct ras_schedule *c = ras_tempomap_countin(s, countin);

		ras_schedule_free(s);
		s = c;
	}
	return s;
}

/* The engine and controller for `source` (freed here). */
static struct sim *sim_new(struct ras_schedule *source, const struct ras_tempo_config *cfg)
{
	struct sim *s = &sim_store;
	struct ras_engine_config ec;
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(source);
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->cfg.rate = RATE;
	s->seed = 12345;
	s->tc = ras_tempo_new(&s->cfg, source);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->tc);
	s->replica = ras_schedule_new(REPLICA_CAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->replica);
	for (int i = 0; i < ras_schedule_count(source); i++)
		ras_schedule_append_copy(s->replica, ras_schedule_section(source, i), 0, 0);
	s->imp = test_impulse(RATE);
	ras_engine_config_default(&ec);
	ec.rate = RATE;
	for (int i = 0; i < RAS_PART_COUNT; i++) {
		ec.sound[i] = s->imp;
		ec.gain[i] = 1;
	}
	ec.gain[RAS_PART_SUB] = 0.1f;	/* below the onset threshold: beats only */
	s->e = ras_engine_new(&ec, source);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->e);
	ras_engine_send(s->e, &start);
	s->quiet = 1;
	return s;
}

static void sim_free(struct sim *s)
{
	ras_engine_free(s->e);
	ras_tempo_free(s->tc);
	ras_schedule_free(s->replica);
	ras_sound_free(s->imp);
}

static double now_of(const struct sim *s)
{
	return (double)s->frame / RATE;
}

static double heard(const struct sim *s, size_t i)
{
	return s->beat[i].time + s->cfg.latency_s;
}

/* The nearest heard beat to t, once it can be known at `now`. */
static bool nearest_beat(const struct sim *s, double t, double *at)
{
	size_t i = s->nb;
	double prev, next;

	while (i > 0 && heard(s, i - 1) > t)
		i--;
	if (i < s->nb) {
		next = heard(s, i);
		*at = i > 0 && t - heard(s, i - 1) < next - t ? heard(s, i - 1) : next;
		return true;
	}
	if (i == 0)
		return false;
	/* The next has not sounded: the schedule says whether it can be nearer. */
	prev = heard(s, i - 1);
	next = (double)ras_schedule_time_at(s->replica, (long double)s->beat[i - 1].index + 1) +
	       s->cfg.latency_s;
	if (next - t < t - prev)
		return false;
	*at = prev;
	return true;
}

/* Steps due by now: into the list and the controller. */
static void walk(struct sim *s, struct walker *w)
{
	double now = now_of(s);

	for (;;) {
		if (w->pending) {
			double at;

			if (!nearest_beat(s, w->t_last, &at))
				return;
			w->pending = false;
			w->t_next = w->t_last + w->T - w->alpha * (w->t_last - at) +
				    w->jitter * uniform(&w->seed);
			if (w->t_next < now) {
				s->late++;
				w->t_next = now;
			}
		}
		if (!(w->t_next <= now) || w->t_next >= w->stop)
			return;
		if (s->ns < MAXS)
			s->step[s->ns++] = w->t_next;
		rtcheck_arm();
		ras_tempo_step(s->tc, w->t_next, w->n % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT);
		s->rt += rtcheck_disarm();
		w->t_last = w->t_next;
		w->n++;
		if (w->alpha > 0)
			w->pending = true;
		else
			w->t_next = w->t_last + w->T + w->jitter * uniform(&w->seed);
	}
}

static void forward(struct sim *s)
{
	struct ras_cmd out[RAS_TEMPO_CMD_MAX];
	int n;

	rtcheck_arm();
	n = ras_tempo_poll(s->tc, now_of(s) - s->lag, out, RAS_TEMPO_CMD_MAX);
	s->rt += rtcheck_disarm();
	CU_ASSERT(n >= 0);
	for (int i = 0; i < n; i++) {
		/* A command for a frame gone by acts at the next block. */
		long double t = (long double)(out[i].frame > s->frame ? out[i].frame : s->frame) / RATE;
		int err = 0;

		CU_ASSERT(out[i].frame >= s->frame || s->lag > 0);
		CU_ASSERT_EQUAL(ras_engine_send(s->e, &out[i]), 0);
		if (s->nc < MAXC)
			s->cmd[s->nc++] = out[i];
		if (out[i].kind == RAS_CMD_TEMPO)
			err = ras_schedule_change(s->replica, t, out[i].value);
		else if (out[i].kind == RAS_CMD_RAMP)
			err = ras_schedule_ramp(s->replica, t, out[i].value, out[i].seconds);
		else if (out[i].kind == RAS_CMD_NUDGE)
			err = ras_schedule_nudge(s->replica, t, out[i].value, out[i].seconds);
		s->refused += err != 0;
	}
}

/* Run to session time `until`, the walker stepping (w may be NULL). */
static void sim_run(struct sim *s, struct walker *w, double until)
{
	while (s->frame < (int64_t)(until * RATE)) {
		uint32_t n = 64 + lcg(&s->seed) % 961;
		struct ras_beat b;

		if (w)
			walk(s, w);
		forward(s);
		ras_engine_process(s->e, lbuf, rbuf, n);
		for (uint32_t i = 0; i < n; i++) {
			if (fmaxf(lbuf[i], rbuf[i]) > 0.1f) {
				if (s->quiet > 0 && s->no < MAXB)
					s->onset[s->no++] = s->frame + i;
				s->quiet = 0;
			} else {
				s->quiet++;
			}
		}
		s->frame += n;
		while (ras_engine_next_beat(s->e, &b)) {
			if (s->nb < MAXB)
				s->beat[s->nb++] = b;
			rtcheck_arm();
			ras_tempo_beat(s->tc, &b);
			s->rt += rtcheck_disarm();
		}
	}
}

static struct walker walker_at(double spm, double alpha, double jitter, double start)
{
	return (struct walker){ .T = 60 / spm, .alpha = alpha, .jitter = jitter,
				.t_next = start, .stop = INFINITY, .seed = 777 };
}

/*
 * The checks every run passes: no beat skipped or doubled, each where the
 * schedule math puts it, heard, within the limits, and the controller
 * real-time safe and in step with the engine.
 */
static void check_run(const struct sim *s)
{
	const struct ras_tempo_config *c = &s->cfg;
	int gap = 0, off = 0, interval = 0, range = 0, sound = 0;
	size_t audible = 0, o = 0;
	struct ras_tempo_status st;

	ras_tempo_status(s->tc, &st);
	CU_ASSERT_FATAL(s->nb > 10);
	CU_ASSERT(s->nb < MAXB);
	for (size_t i = 0; i < s->nb; i++) {
		const struct ras_beat *b = &s->beat[i];
		long double t = ras_schedule_time_at(s->replica, (long double)i);

		gap += b->index != (int64_t)i;
		off += b->frame != ras_time_to_frame(t, RATE) || fabsl(b->time - t) > 1e-9L;
		range += !(b->tempo >= c->bpm_min - 1e-9 && b->tempo <= c->bpm_max + 1e-9);
		if (b->audible) {
			audible++;
			while (o < s->no && s->onset[o] < b->frame)
				o++;
			sound += o >= s->no || s->onset[o] != b->frame;
		}
		if (i > 0) {
			/* Constant tempo from the last beat to this: exactly 60/tempo apart. */
			int k = ras_schedule_find_phase(s->replica, (long double)i - 1, 0);
			const struct ras_section *sec = ras_schedule_section(s->replica, k);
			double iv = b->time - s->beat[i - 1].time;

			if (sec && sec->kind == RAS_SECTION_CONST && sec->ph_end >= (long double)i)
				interval += fabs(iv * b->tempo / 60 - 1) > 1e-6;
			range += !(iv >= 60 / c->bpm_max - 1e-9 && iv <= 60 / c->bpm_min + 1e-9);
		}
	}
	/* The beat after the last one reported lies beyond the rendered audio. */
	CU_ASSERT(ras_time_to_frame(ras_schedule_time_at(s->replica, (long double)s->nb), RATE) >=
		  s->frame - 1024);
	CU_ASSERT_EQUAL(gap, 0);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(sound, 0);
	CU_ASSERT_EQUAL(audible, s->no);
	CU_ASSERT_EQUAL(interval, 0);
	CU_ASSERT_EQUAL(range, 0);
	CU_ASSERT_EQUAL(s->rt, 0);
	CU_ASSERT_EQUAL(s->refused, 0);
	CU_ASSERT_EQUAL(s->late, 0);
	CU_ASSERT(st.resyncs == 0 || s->resync_ok);
	CU_ASSERT_EQUAL(ras_engine_rejected(s->e), 0);
	CU_ASSERT_EQUAL(ras_engine_dropped(s->e), 0);
	if (gap || off || sound || interval || range || s->rt || s->late)
		fprintf(stderr, "\n%s: gap %d off %d sound %d interval %d range %d rt %d late %d resyncs %llu\n",
			ras_adapt_name(c->mode), gap, off, sound, interval, range, s->rt, s->late,
			(unsigned long long)st.resyncs);
}

/*
 * The tempo never changes faster than the limit: consecutive beats' tempi
 * (ramps), and each step change of the tempo the nudges return to, counted
 * from the previous change (nudges are phase, not tempo).
 */
static void check_rate(const struct sim *s, double source_bpm)
{
	double lim = s->cfg.max_change_bpm_per_min, base = source_bpm, last = 0;
	int bad = 0;

	for (size_t i = 0; i < s->nc; i++) {
		const struct ras_cmd *c = &s->cmd[i];
		double t = (double)c->frame / RATE;

		if (c->kind == RAS_CMD_TEMPO && fabs(c->value - base) > 1e-9) {
			bad += fabs(c->value - base) > lim * (t - last) / 60 + 1e-9;
			base = c->value;
			last = t;
		} else if (c->kind == RAS_CMD_RAMP) {
			base = c->value;
			last = t + c->seconds;
		}
	}
	if (s->cfg.mode == RAS_ADAPT_FOLLOW && !s->cfg.start_in_phase) {
		for (size_t i = 1; i < s->nb; i++) {
			double dt = s->beat[i].time - s->beat[i - 1].time;

			bad += fabs(s->beat[i].tempo - s->beat[i - 1].tempo) > lim * dt / 60 + 1e-9;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* The tempo in force at session time t. */
static double tempo_at(const struct sim *s, double t)
{
	return (double)ras_schedule_tempo_at(s->replica, t);
}

/* The tempo the controller last set by t, nudges aside. */
static double base_at(const struct sim *s, double t, double source_bpm)
{
	double bpm = source_bpm;

	for (size_t i = 0; i < s->nc && (double)s->cmd[i].frame / RATE <= t; i++)
		if (s->cmd[i].kind == RAS_CMD_TEMPO)
			bpm = s->cmd[i].value;
	return bpm;
}

/* Largest |tempo / want - 1| over the beats in [t0, t1). */
static double worst(const struct sim *s, double t0, double t1, double want)
{
	double w = 0;

	for (size_t i = 1; i < s->nb; i++) {
		const struct ras_beat *b = &s->beat[i];

		if (b->time >= t0 && b->time < t1) {
			w = fmax(w, fabs(b->tempo / want - 1));
			/* the interval too: what the walker hears */
			w = fmax(w, fabs(60 / (b->time - s->beat[i - 1].time) / want - 1));
		}
	}
	return w;
}

static void test_names_and_config(void)
{
	struct ras_tempo_config cfg;
	enum ras_adapt m;
	struct ras_schedule *s;
	struct ras_meter meter;
	struct ras_tempo *tc;
	struct ras_cmd out[RAS_TEMPO_CMD_MAX];
	char err[200];

	CU_ASSERT_EQUAL(ras_adapt_from_name("entrain", &m), 0);
	CU_ASSERT_EQUAL(m, RAS_ADAPT_ENTRAIN);
	CU_ASSERT_EQUAL(ras_adapt_from_name("follow", &m), 0);
	CU_ASSERT_EQUAL(m, RAS_ADAPT_FOLLOW);
	CU_ASSERT_EQUAL(ras_adapt_from_name("Fixed", &m), -EINVAL);
	CU_ASSERT_STRING_EQUAL(ras_adapt_name(RAS_ADAPT_FIXED), "fixed");

	ras_tempo_config_default(&cfg, RAS_ADAPT_ENTRAIN);
	CU_ASSERT_TRUE(cfg.start_in_phase);
	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	CU_ASSERT_FALSE(cfg.start_in_phase);
	s = constant(100, 0);

	cfg.bpm_min = 120;	/* source below the floor */
	CU_ASSERT_EQUAL(ras_tempo_check_source(&cfg, s, err, sizeof(err)), -ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "100.0 bpm"));
	CU_ASSERT_PTR_NULL(ras_tempo_new(&cfg, s));
	CU_ASSERT_EQUAL(errno, ERANGE);
	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	cfg.window = 1;
	CU_ASSERT_PTR_NULL(ras_tempo_new(&cfg, s));
	CU_ASSERT_EQUAL(errno, EINVAL);
	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	cfg.unlock_tol_bpm = 1;	/* below the lock tolerance */
	CU_ASSERT_PTR_NULL(ras_tempo_new(&cfg, s));

	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	tc = ras_tempo_new(&cfg, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	CU_ASSERT_EQUAL(ras_tempo_poll(tc, 0, out, 1), -EINVAL);
	CU_ASSERT_EQUAL(ras_tempo_poll(tc, 0, out, RAS_TEMPO_CMD_MAX), 0);
	ras_tempo_free(tc);
	ras_schedule_free(s);

	/* +5 % every 20 s: 5 bpm in 20 s is 15 bpm a minute. */
	ras_meter_default(&meter);
	s = ras_tempomap_steps(&meter, 100, 5, 20, 120);
	ras_tempo_config_default(&cfg, RAS_ADAPT_FIXED);
	CU_ASSERT_EQUAL(ras_tempo_check_source(&cfg, s, err, sizeof(err)), 0);
	cfg.max_change_bpm_per_min = 10;
	CU_ASSERT_EQUAL(ras_tempo_check_source(&cfg, s, err, sizeof(err)), -ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "jumps by 5.0 bpm at 20.0 s"));
	ras_schedule_free(s);
	/* A ramp of 40 bpm in 60 s against 30 bpm a minute. */
	s = ras_tempomap_ramp(&meter, 80, 120, 60);
	cfg.max_change_bpm_per_min = 30;
	CU_ASSERT_EQUAL(ras_tempo_check_source(&cfg, s, err, sizeof(err)), -ERANGE);
	cfg.max_change_bpm_per_min = 40;
	CU_ASSERT_EQUAL(ras_tempo_check_source(&cfg, s, err, sizeof(err)), 0);
	ras_schedule_free(s);
}

/* fixed: the source alone, whatever the walker does. */
static void test_fixed(void)
{
	struct ras_tempo_config cfg;
	struct ras_meter m;
	struct sim *s;
	struct walker w = walker_at(92, 0.3, 0.01, 1.0);

	ras_meter_default(&m);
	ras_tempo_config_default(&cfg, RAS_ADAPT_FIXED);
	{
		struct ras_schedule *plain = ras_tempomap_steps(&m, 100, 5, 20, 110);

		s = sim_new(ras_tempomap_countin(plain, 1), &cfg);
		ras_schedule_free(plain);
	}
	sim_run(s, &w, 70);
	CU_ASSERT_EQUAL(s->nc, 0);
	CU_ASSERT(s->ns > 60);
	check_run(s);
	CU_ASSERT_DOUBLE_EQUAL(s->beat[s->nb - 1].tempo, 110, 1e-9);
	sim_free(s);
}

/* follow: 110 bpm to a 92 spm walker within 10 steps, then within 2 %. */
static void test_follow_converges(void)
{
	struct ras_tempo_config cfg;
	struct ras_tempo_status st;
	struct sim *s;
	struct walker w = walker_at(92, 0, 0.005, 1.0);
	double t10;

	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	s = sim_new(constant(110, 0), &cfg);
	sim_run(s, &w, 60);
	t10 = s->step[9];
	CU_ASSERT(fabs(tempo_at(s, t10) / 92 - 1) < 0.02);
	CU_ASSERT(worst(s, t10, 60, 92) < 0.02);
	ras_tempo_status(s->tc, &st);
	CU_ASSERT_TRUE(st.locked);
	CU_ASSERT_FALSE(st.holding);
	CU_ASSERT(fabs(st.cadence_spm - 92) < 1);
	check_run(s);
	check_rate(s, 110);
	sim_free(s);
}

/* When steps stop the tempo stays; when they come back it follows again. */
static void test_follow_holds(void)
{
	struct ras_tempo_config cfg;
	struct ras_tempo_status st;
	struct sim *s;
	struct walker w = walker_at(92, 0, 0.005, 1.0);
	double held, t10;
	size_t ns;

	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	s = sim_new(constant(110, 0), &cfg);
	w.stop = 30;
	sim_run(s, &w, 30);
	held = tempo_at(s, 30);
	CU_ASSERT(fabs(held / 92 - 1) < 0.02);
	sim_run(s, &w, 90);
	ras_tempo_status(s->tc, &st);
	CU_ASSERT_TRUE(st.holding);
	/* A minute without steps: not one beat off the held tempo. */
	CU_ASSERT(worst(s, 31, 90, held) < 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(st.target_bpm, held, 1e-9);

	/* Walking again, at 100. */
	ns = s->ns;
	w.t_next = 90.3;
	w.T = 0.6;
	w.stop = INFINITY;
	sim_run(s, &w, 150);
	t10 = s->step[ns + 9];
	CU_ASSERT(fabs(tempo_at(s, t10) / 100 - 1) < 0.02);
	CU_ASSERT(worst(s, t10, 150, 100) < 0.02);
	ras_tempo_status(s->tc, &st);
	CU_ASSERT_FALSE(st.holding);
	CU_ASSERT_TRUE(st.locked);
	check_run(s);
	check_rate(s, 110);
	sim_free(s);
}

/* Locked: a drift within the unlock tolerance leaves the tempo alone;
 * beyond it the tempo follows and locks again. */
static void test_follow_lock_unlock(void)
{
	struct ras_tempo_config cfg;
	struct sim *s;
	struct walker w = walker_at(92, 0, 0.003, 1.0);
	double locked_at;
	size_t nc;

	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	s = sim_new(constant(110, 0), &cfg);
	sim_run(s, &w, 3);
	CU_ASSERT_FALSE(ras_tempo_locked(s->tc));
	sim_run(s, &w, 30);
	CU_ASSERT_TRUE(ras_tempo_locked(s->tc));
	locked_at = tempo_at(s, 30);
	nc = s->nc;
	w.T = 60 / 95.5;	/* 3.5 off: within 6 */
	sim_run(s, &w, 60);
	CU_ASSERT_TRUE(ras_tempo_locked(s->tc));
	CU_ASSERT_EQUAL(s->nc, nc);
	CU_ASSERT(worst(s, 30, 60, locked_at) < 1e-9);
	w.T = 60 / 104.0;	/* 12 off */
	sim_run(s, &w, 64);
	CU_ASSERT_FALSE(ras_tempo_locked(s->tc));
	sim_run(s, &w, 100);
	CU_ASSERT_TRUE(ras_tempo_locked(s->tc));
	CU_ASSERT(worst(s, 75, 100, 104) < 0.02);
	check_run(s);
	check_rate(s, 110);
	sim_free(s);
}

/* Limits in follow: never below bpm_min or above bpm_max, never faster
 * than 30 bpm a minute, though the walker asks for more. */
static void test_follow_limits(void)
{
	struct ras_tempo_config cfg;
	struct sim *s;
	struct walker w = walker_at(80, 0, 0.005, 1.0);
	double lo = INFINITY, hi = 0;

	ras_tempo_config_default(&cfg, RAS_ADAPT_FOLLOW);
	cfg.bpm_min = 95;
	cfg.bpm_max = 130;
	cfg.max_change_bpm_per_min = 30;
	s = sim_new(constant(110, 1), &cfg);
	sim_run(s, &w, 60);
	/* 15 bpm at 0.5 bpm/s: 30 s, not less */
	CU_ASSERT(tempo_at(s, 20) > 100);
	CU_ASSERT_DOUBLE_EQUAL(tempo_at(s, 60), 95, 1e-9);
	w.T = 60 / 150.0;
	sim_run(s, &w, 150);
	CU_ASSERT(tempo_at(s, 120) < 126);
	CU_ASSERT_DOUBLE_EQUAL(tempo_at(s, 150), 130, 1e-9);
	for (size_t i = 0; i < s->nb; i++) {
		lo = fmin(lo, s->beat[i].tempo);
		hi = fmax(hi, s->beat[i].tempo);
	}
	CU_ASSERT_DOUBLE_EQUAL(lo, 95, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(hi, 130, 1e-9);
	check_run(s);
	check_rate(s, 110);
	sim_free(s);
}

/* Mean asynchrony (step less heard beat) over steps [from, to). */
static double mean_async(const struct sim *s, size_t from, size_t to)
{
	double sum = 0;
	size_t n = 0;

	for (size_t k = from; k < to; k++) {
		double at;

		if (nearest_beat(s, s->step[k], &at)) {
			sum += s->step[k] - at;
			n++;
		}
	}
	return n ? sum / n : NAN;
}

/* entrain with walkers that correct their phase: asynchrony near zero. */
static void test_entrain_coupled(void)
{
	static const struct {
		double spm, alpha, jitter, latency;
		bool in_phase;
	} cases[] = {
		{ 104, 0.3, 0.010, 0, true },
		{ 95, 0.5, 0.015, 0.03, true },
		{ 108, 0.2, 0.010, 0, false },
		{ 100, 0.4, 0.020, 0.01, false },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ras_tempo_config cfg;
		struct ras_tempo_status st;
		struct sim *s;
		struct walker w = walker_at(cases[c].spm, cases[c].alpha, cases[c].jitter, 1.37);
		double a;

		ras_tempo_config_default(&cfg, RAS_ADAPT_ENTRAIN);
		cfg.latency_s = cases[c].latency;
		cfg.start_in_phase = cases[c].in_phase;
		s = sim_new(constant(100, 1), &cfg);
		sim_run(s, &w, 180);
		CU_ASSERT_FATAL(s->ns > 250);
		a = mean_async(s, s->ns - 51, s->ns - 1);
		if (!(fabs(a) < 0.030))
			fprintf(stderr, "\ncase %zu: mean asynchrony %.1f ms\n", c, a * 1000);
		CU_ASSERT(fabs(a) < 0.030);
		/* the tempo went to meet the walker */
		CU_ASSERT(fabs(base_at(s, 180, 100) / cases[c].spm - 1) < 0.02);
		ras_tempo_status(s->tc, &st);
		CU_ASSERT(fabs(st.asynchrony_s) < 0.1);
		check_run(s);
		check_rate(s, 100);
		sim_free(s);
	}

	/* The coupling does it: the third walker under a fixed tempo settles
	 * where its own correction balances the tempo gap, 0.2 s early. */
	{
		struct ras_tempo_config cfg;
		struct sim *s;
		struct walker w = walker_at(108, 0.2, 0.010, 1.37);

		ras_tempo_config_default(&cfg, RAS_ADAPT_FIXED);
		s = sim_new(constant(100, 1), &cfg);
		sim_run(s, &w, 180);
		CU_ASSERT(mean_async(s, s->ns - 51, s->ns - 1) < -0.15);
		check_run(s);
		sim_free(s);
	}
}

/* entrain's limits: 20 % of the base, bpm_max even while nudging. */
static void test_entrain_limits(void)
{
	struct ras_tempo_config cfg;
	struct sim *s;
	struct walker w = walker_at(130, 0, 0.01, 1.0);
	double hi = 0, top = 0;

	ras_tempo_config_default(&cfg, RAS_ADAPT_ENTRAIN);
	s = sim_new(constant(100, 0), &cfg);
	sim_run(s, &w, 90);
	for (size_t i = 0; i < s->nb; i++)
		if (s->beat[i].time > 60)
			hi = fmax(hi, s->beat[i].tempo);
	for (size_t i = 0; i < s->nc; i++)
		if (s->cmd[i].kind == RAS_CMD_TEMPO)
			top = fmax(top, s->cmd[i].value);
	CU_ASSERT_DOUBLE_EQUAL(base_at(s, 90, 100), 120, 1e-9);	/* base + 20 % */
	CU_ASSERT_DOUBLE_EQUAL(top, 120, 1e-9);
	CU_ASSERT(hi > 120);	/* the nudges still go on */
	check_run(s);
	check_rate(s, 100);
	sim_free(s);

	cfg.bpm_max = 115;
	cfg.max_change_bpm_per_min = 60;
	w = walker_at(130, 0, 0.01, 1.0);
	s = sim_new(constant(100, 0), &cfg);
	sim_run(s, &w, 90);
	CU_ASSERT(base_at(s, 10, 100) < 109);	/* 1 bpm/s */
	CU_ASSERT_DOUBLE_EQUAL(base_at(s, 90, 100), 115, 1e-9);
	check_run(s);	/* every beat, nudged or not, within bpm_max */
	check_rate(s, 100);
	sim_free(s);
}

/* D-Jogger's start: a beat on the predicted step, for walkers out of
 * phase, at the beat's tempo or not, in follow and entrain. */
static void test_start_in_phase(void)
{
	static const struct {
		enum ras_adapt mode;
		double spm, start;
	} cases[] = {
		{ RAS_ADAPT_ENTRAIN, 100, 0.78 },	/* 0.3 beat after */
		{ RAS_ADAPT_ENTRAIN, 100, 0.51 },	/* 0.15 beat before */
		{ RAS_ADAPT_ENTRAIN, 92, 1.1 },
		{ RAS_ADAPT_FOLLOW, 100, 0.9 },		/* half a beat off */
		{ RAS_ADAPT_FOLLOW, 96, 0.7 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ras_tempo_config cfg;
		struct ras_tempo_status st;
		struct sim *s;
		struct walker w = walker_at(cases[c].spm, 0, 0, cases[c].start);
		double at, step = NAN;

		ras_tempo_config_default(&cfg, cases[c].mode);
		cfg.start_in_phase = true;
		s = sim_new(constant(100, 0), &cfg);
		sim_run(s, &w, 20);
		ras_tempo_status(s->tc, &st);
		CU_ASSERT_FATAL(!isnan(st.align_step_s));
		/* within the first few steps, and a step of the walker's indeed */
		CU_ASSERT(st.align_step_s < s->step[cfg.start_steps - 1] + 5 * w.T);
		for (size_t k = 0; k < s->ns; k++)
			if (fabs(s->step[k] - st.align_step_s) < 0.002)
				step = s->step[k];
		CU_ASSERT_FATAL(!isnan(step));
		CU_ASSERT_TRUE(nearest_beat(s, step, &at));
		if (!(fabs(step - at) < 0.020))
			fprintf(stderr, "\ncase %zu: beat %.1f ms off the step\n", c, (step - at) * 1e3);
		CU_ASSERT(fabs(step - at) < 0.020);
		/* before the start, the walker was well off the beat */
		CU_ASSERT_TRUE(nearest_beat(s, s->step[0], &at));
		if (c != 2 && c != 4)
			CU_ASSERT(fabs(s->step[0] - at) > 0.08);
		check_run(s);
		check_rate(s, 100);
		sim_free(s);
	}
}

/* Twelve minutes: the controller's copy of the schedule fills and drops
 * its past several times over; nothing drifts. */
static void test_entrain_long(void)
{
	struct ras_tempo_config cfg;
	struct ras_tempo_status st;
	struct sim *s;
	struct walker w = walker_at(103, 0.25, 0.015, 1.37);
	int far = 0;

	ras_tempo_config_default(&cfg, RAS_ADAPT_ENTRAIN);
	s = sim_new(constant(100, 1), &cfg);
	sim_run(s, &w, 720);
	ras_tempo_status(s->tc, &st);
	CU_ASSERT(s->nc > 3 * 1024 / 2);
	CU_ASSERT_EQUAL(st.resyncs, 0);
	for (size_t from = 100; from + 50 <= s->ns; from += 50)
		far += fabs(mean_async(s, from, from + 50)) >= 0.030;
	CU_ASSERT_EQUAL(far, 0);
	check_run(s);
	check_rate(s, 100);
	sim_free(s);
}

/*
 * Commands that reach the engine late (a lead shorter than the audio
 * period) and commands the caller sends itself: the controller's copy of
 * the schedule follows the beats heard, and entrainment goes on.
 */
static void test_late_and_own_commands(void)
{
	struct ras_tempo_config cfg;
	struct ras_tempo_status st;
	struct sim *s;
	struct walker w = walker_at(104, 0.3, 0.010, 1.37);
	struct ras_cmd own = { .kind = RAS_CMD_TEMPO, .value = 97 };
	double a;

	ras_tempo_config_default(&cfg, RAS_ADAPT_ENTRAIN);
	cfg.lead_s = 0;
	s = sim_new(constant(100, 1), &cfg);
	s->lag = 0.03;
	s->resync_ok = true;
	sim_run(s, &w, 60);
	ras_tempo_status(s->tc, &st);
	CU_ASSERT(st.resyncs > 10);
	s->lag = 0;
	sim_run(s, &w, 120);
	a = mean_async(s, s->ns - 51, s->ns - 1);
	CU_ASSERT(fabs(a) < 0.030);
	check_run(s);
	sim_free(s);

	/* A tempo key in the console, told to the controller: no resync. */
	ras_tempo_config_default(&cfg, RAS_ADAPT_ENTRAIN);
	w = walker_at(104, 0.3, 0.010, 1.37);
	s = sim_new(constant(100, 1), &cfg);
	sim_run(s, &w, 60);
	own.frame = s->frame + 4800;
	CU_ASSERT_EQUAL(ras_engine_send(s->e, &own), 0);
	ras_schedule_change(s->replica, (long double)own.frame / RATE, own.value);
	ras_tempo_sent(s->tc, &own);
	sim_run(s, &w, 150);
	ras_tempo_status(s->tc, &st);
	CU_ASSERT_EQUAL(st.resyncs, 0);
	CU_ASSERT(fabs(mean_async(s, s->ns - 51, s->ns - 1)) < 0.030);
	check_run(s);
	sim_free(s);
}

/*
 * Every mode, every walker, a count-in, commands 50 ms ahead, pauses in
 * walking: no beat skipped or doubled.
 */
static void test_every_mode_no_skip(void)
{
	for (int mode = RAS_ADAPT_FIXED; mode <= RAS_ADAPT_ENTRAIN; mode++) {
		for (int kind = 0; kind < 3; kind++) {
			struct ras_tempo_config cfg;
			struct ras_meter m;
			struct sim *s;
			struct walker w = walker_at(kind == 2 ? 118 : 88, kind == 1 ? 0.4 : 0, 0.02, 2.1);

			ras_tempo_config_default(&cfg, (enum ras_adapt)mode);
			cfg.start_in_phase = kind != 0;
			cfg.latency_s = 0.012 * kind;
			ras_meter_default(&m);
			m.sub = kind + 1;	/* subdivisions: ticks between beats */
			{
				struct ras_schedule *plain = ras_tempomap_constant(&m, 104);

				s = sim_new(ras_tempomap_countin(plain, 2), &cfg);
				ras_schedule_free(plain);
			}
			w.stop = 40;
			sim_run(s, &w, 50);
			w.t_next = 52;
			w.pending = false;
			w.stop = INFINITY;
			w.T *= 0.93;
			sim_run(s, &w, 90);
			CU_ASSERT(s->ns > 90);
			CU_ASSERT((mode == RAS_ADAPT_FIXED) == (s->nc == 0));
			check_run(s);
			check_rate(s, 104);
			sim_free(s);
		}
	}
}

void test_tempo_register(void)
{
	TEST_SUITE("tempo",
		   { "mode names, config, safety check of the source", test_names_and_config },
		   { "fixed: the source alone", test_fixed },
		   { "follow: 110 to 92 spm in 10 steps, then within 2 %", test_follow_converges },
		   { "follow: holds when steps stop, follows when they resume", test_follow_holds },
		   { "follow: lock and unlock", test_follow_lock_unlock },
		   { "follow: bpm range and rate limit", test_follow_limits },
		   { "entrain: coupled walkers, |mean asynchrony| < 30 ms", test_entrain_coupled },
		   { "entrain: deviation and bpm limits", test_entrain_limits },
		   { "entrain: a twelve-minute session", test_entrain_long },
		   { "start in phase: a beat on the predicted step", test_start_in_phase },
		   { "late commands and the caller's own", test_late_and_own_commands },
		   { "every mode: no beat skipped or doubled", test_every_mode_no_skip });
}

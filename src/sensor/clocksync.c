/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MONOTONIC event times to JACK time and frames: a measured, fitted model. */
#include <errno.h>
#include <jack/jack.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rasbeat/clocksync.h"

/* A line y(t) = y_ref + a + b * (t - t_ref), in ns. */
struct line {
	bool valid;
	int64_t t_ref, y_ref;
	double a, b;
};

/*
 * Published values, written by one thread and read by any: the writer fills
 * the slot readers are not using and then moves the generation on; a reader
 * copies the current slot and retries only if a newer one was published
 * meanwhile (that slot could be rewritten by the write after it). Readers
 * never wait for a writer.
 */
struct pub_line {
	atomic_uint gen;
	struct line slot[2];
};

struct pub_cycle {
	atomic_uint gen;
	struct ras_cycle slot[2];
	bool valid[2];
};

struct point {
	int64_t t, y, raw, width;
};

struct ras_clocksync {
	struct pub_line jack;
	struct pub_cycle cycle;
	pthread_mutex_t lock;	/* what follows: the measuring side */
	struct point pts[RAS_CLOCKSYNC_POINTS];
	size_t npts, next;
	struct ras_clocksync_info info;
	/* The _jack_start thread. */
	pthread_t thread;
	bool running, stop;
	pthread_cond_t cond;
	jack_client_t *client;
	bool with_cycle;
	unsigned interval_ms;
};

static void publish_line(struct pub_line *p, const struct line *l)
{
	unsigned g = atomic_load_explicit(&p->gen, memory_order_relaxed);

	p->slot[(g + 1) & 1] = *l;
	atomic_store_explicit(&p->gen, g + 1, memory_order_release);
}

static struct line read_line(const struct pub_line *cp)
{
	struct pub_line *p = (struct pub_line *)cp;
	struct line l;
	unsigned g1, g2;

	do {
		g1 = atomic_load_explicit(&p->gen, memory_order_acquire);
		l = p->slot[g1 & 1];
		atomic_thread_fence(memory_order_acquire);
		g2 = atomic_load_explicit(&p->gen, memory_order_relaxed);
	} while (g1 != g2);
	return l;
}

struct ras_clocksync *ras_clocksync_new(void)
{
	struct ras_clocksync *cs = calloc(1, sizeof(*cs));
	pthread_condattr_t attr;

	if (!cs)
		return NULL;
	atomic_init(&cs->jack.gen, 0);
	atomic_init(&cs->cycle.gen, 0);
	pthread_mutex_init(&cs->lock, NULL);
	/* The measuring thread's deadlines: not moved by settimeofday. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cs->cond, &attr);
	pthread_condattr_destroy(&attr);
	return cs;
}

void ras_clocksync_free(struct ras_clocksync *cs)
{
	if (!cs)
		return;
	ras_clocksync_jack_stop(cs);
	pthread_cond_destroy(&cs->cond);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
}

/*
 * Least squares through (t, y) relative to the newest point, so the doubles
 * hold small numbers. The slope needs points spread over time: over less
 * than MIN_SPAN the noise of single points (~1 us) would make it wild, and
 * then the line is flat at the mean offset. |slope| is at most 1000 ppm:
 * two clocks of one machine cannot drift more (NTP slews by 500 ppm at most).
 */
#define MIN_SPAN_NS 2000000000LL
#define MAX_SLOPE 1e-3

static struct line fit(const struct point *pts, size_t n, bool raw, double *rms)
{
	const struct point *last = NULL;
	double st = 0, sy = 0, stt = 0, sty = 0, mt, my, vt;
	int64_t tmin = INT64_MAX, tmax = INT64_MIN;
	struct line l = { 0 };

	for (size_t i = 0; i < n; i++)
		if (!last || pts[i].t > last->t)
			last = &pts[i];
	if (!last)
		return l;
	l.valid = true;
	l.t_ref = last->t;
	l.y_ref = raw ? last->raw : last->y;
	for (size_t i = 0; i < n; i++) {
		double t = (double)(pts[i].t - l.t_ref);
		double y = (double)((raw ? pts[i].raw : pts[i].y) - l.y_ref);

		st += t;
		sy += y;
		stt += t * t;
		sty += t * y;
		tmin = pts[i].t < tmin ? pts[i].t : tmin;
		tmax = pts[i].t > tmax ? pts[i].t : tmax;
	}
	mt = st / n;
	my = sy / n;
	vt = stt / n - mt * mt;
	if (tmax - tmin >= MIN_SPAN_NS && vt > 0)
		l.b = (sty / n - mt * my) / vt;
	if (fabs(l.b) > MAX_SLOPE)
		l.b = 0;
	l.a = my - l.b * mt;
	if (rms) {
		double ss = 0;

		for (size_t i = 0; i < n; i++) {
			double t = (double)(pts[i].t - l.t_ref);
			double y = (double)((raw ? pts[i].raw : pts[i].y) - l.y_ref);
			double e = y - (l.a + l.b * t);

			ss += e * e;
		}
		*rms = sqrt(ss / n);
	}
	return l;
}

static int64_t line_at(const struct line *l, int64_t t)
{
	return l->y_ref + (int64_t)llround(l->a + l->b * (double)(t - l->t_ref));
}

static enum ras_clock_source classify(int64_t jack_off, int64_t raw_off, bool have_raw)
{
	int64_t apart = llabs(raw_off), d_mono = llabs(jack_off), d_raw = llabs(jack_off - raw_off);

	/* Clocks closer than 20 us cannot be told apart by readings that are
	 * good to a microsecond or two, plus the fit's extrapolation. */
	if (!have_raw || apart < 20000)
		return RAS_CLOCK_UNKNOWN;
	if (d_mono < apart / 4)
		return RAS_CLOCK_MONOTONIC;
	if (d_raw < apart / 4)
		return RAS_CLOCK_MONOTONIC_RAW;
	return RAS_CLOCK_OTHER;
}

int ras_clocksync_add_burst(struct ras_clocksync *cs, const struct ras_clock_reading *r, size_t n)
{
	const struct ras_clock_reading *best = NULL;
	struct line jl, rl;
	struct point p;
	double rms;
	bool have_raw;

	for (size_t i = 0; i < n; i++) {
		if (r[i].mono1_ns < r[i].mono0_ns)
			return -EINVAL;
		if (!best || r[i].mono1_ns - r[i].mono0_ns < best->mono1_ns - best->mono0_ns)
			best = &r[i];
	}
	if (!best)
		return -EINVAL;
	p.width = best->mono1_ns - best->mono0_ns;
	if (p.width > RAS_CLOCKSYNC_MAX_BRACKET_NS)
		return -ERANGE;
	/* The other readings happened somewhere inside the bracket: its
	 * middle is the best guess, wrong by at most half its width. */
	p.t = best->mono0_ns + p.width / 2;
	p.y = best->jack_ns - p.t;
	have_raw = best->raw_ns != 0;
	p.raw = have_raw ? best->raw_ns - p.t : 0;

	pthread_mutex_lock(&cs->lock);
	cs->pts[cs->next] = p;
	cs->next = (cs->next + 1) % RAS_CLOCKSYNC_POINTS;
	if (cs->npts < RAS_CLOCKSYNC_POINTS)
		cs->npts++;
	jl = fit(cs->pts, cs->npts, false, &rms);
	rl = fit(cs->pts, cs->npts, true, NULL);
	publish_line(&cs->jack, &jl);
	cs->info.points = cs->npts;
	cs->info.offset_ns = line_at(&jl, p.t);
	cs->info.drift_ppm = jl.b * 1e6;
	cs->info.raw_offset_ns = have_raw ? line_at(&rl, p.t) : 0;
	cs->info.raw_drift_ppm = have_raw ? rl.b * 1e6 : 0;
	cs->info.bracket_ns = p.width;
	cs->info.residual_ns = rms;
	cs->info.source = classify(cs->info.offset_ns, cs->info.raw_offset_ns, have_raw);
	pthread_mutex_unlock(&cs->lock);
	return 0;
}

void ras_clocksync_set_cycle(struct ras_clocksync *cs, const struct ras_cycle *c)
{
	unsigned g = atomic_load_explicit(&cs->cycle.gen, memory_order_relaxed);

	cs->cycle.slot[(g + 1) & 1] = *c;
	cs->cycle.valid[(g + 1) & 1] = c->next_usecs > c->usecs && c->period_frames > 0;
	atomic_store_explicit(&cs->cycle.gen, g + 1, memory_order_release);
}

static bool read_cycle(const struct ras_clocksync *ccs, struct ras_cycle *c)
{
	struct ras_clocksync *cs = (struct ras_clocksync *)ccs;
	unsigned g1, g2;
	bool valid;

	do {
		g1 = atomic_load_explicit(&cs->cycle.gen, memory_order_acquire);
		*c = cs->cycle.slot[g1 & 1];
		valid = cs->cycle.valid[g1 & 1];
		atomic_thread_fence(memory_order_acquire);
		g2 = atomic_load_explicit(&cs->cycle.gen, memory_order_relaxed);
	} while (g1 != g2);
	return g1 != 0 && valid;
}

void ras_clocksync_get_info(const struct ras_clocksync *ccs, struct ras_clocksync_info *out)
{
	struct ras_clocksync *cs = (struct ras_clocksync *)ccs;
	struct ras_cycle c;

	pthread_mutex_lock(&cs->lock);
	*out = cs->info;
	pthread_mutex_unlock(&cs->lock);
	out->have_cycle = read_cycle(cs, &c);
}

bool ras_clocksync_mono_to_jack(const struct ras_clocksync *cs, int64_t mono_ns, int64_t *jack_ns)
{
	struct line l = read_line(&cs->jack);

	if (!l.valid)
		return false;
	*jack_ns = mono_ns + line_at(&l, mono_ns);
	return true;
}

uint32_t ras_clocksync_frames_at(const struct ras_cycle *c, int64_t jack_ns)
{
	/* jack_time_to_frames: frames + (t - cur) / (next - cur) * period. */
	double span = (double)(c->next_usecs - c->usecs) * 1000.0;
	double d = (double)(jack_ns - c->usecs * 1000) / span * c->period_frames;

	return c->frames + (uint32_t)(int64_t)llround(d);
}

bool ras_clocksync_jack_to_frame(const struct ras_clocksync *cs, int64_t jack_ns, uint32_t *frame)
{
	struct ras_cycle c;

	if (!read_cycle(cs, &c))
		return false;
	*frame = ras_clocksync_frames_at(&c, jack_ns);
	return true;
}

bool ras_clocksync_mono_to_frame(const struct ras_clocksync *cs, int64_t mono_ns, uint32_t *frame)
{
	int64_t j;

	return ras_clocksync_mono_to_jack(cs, mono_ns, &j) &&
	       ras_clocksync_jack_to_frame(cs, j, frame);
}

/* ---- JACK ------------------------------------------------------------ */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ras_clocksync_jack_measure(struct ras_clocksync *cs, jack_client_t *client, bool cycle)
{
	struct ras_clock_reading r[RAS_CLOCKSYNC_BURST];

	for (int i = 0; i < RAS_CLOCKSYNC_BURST; i++) {
		r[i].mono0_ns = clock_ns(CLOCK_MONOTONIC);
		r[i].raw_ns = clock_ns(CLOCK_MONOTONIC_RAW);
		r[i].jack_ns = (int64_t)jack_get_time() * 1000 + 500;
		r[i].mono1_ns = clock_ns(CLOCK_MONOTONIC);
	}
	if (cycle) {
		/* jack_get_cycle_times belongs to the process callback; these
		 * two may be called from any thread and use the same cycle
		 * timing. The far frame gives the period with more digits. */
		jack_nframes_t f = jack_frame_time(client), bs = jack_get_buffer_size(client);
		uint32_t span = bs * 1024;
		struct ras_cycle c = {
			.frames = f, .period_frames = span,
			.usecs = (int64_t)jack_frames_to_time(client, f),
			.next_usecs = (int64_t)jack_frames_to_time(client, f + span),
		};

		if (c.usecs > 0 && c.next_usecs > c.usecs)
			ras_clocksync_set_cycle(cs, &c);
	}
	return ras_clocksync_add_burst(cs, r, RAS_CLOCKSYNC_BURST);
}

void ras_clocksync_jack_cycle(struct ras_clocksync *cs, jack_client_t *client,
			      jack_nframes_t nframes)
{
	jack_nframes_t frames;
	jack_time_t cur, next;
	float period;

	if (jack_get_cycle_times(client, &frames, &cur, &next, &period) == 0)
		ras_clocksync_set_cycle(cs, &(struct ras_cycle){ .frames = frames,
								 .period_frames = nframes,
								 .usecs = (int64_t)cur,
								 .next_usecs = (int64_t)next });
}

static void *measure_main(void *arg)
{
	struct ras_clocksync *cs = arg;
	struct timespec when;

	pthread_mutex_lock(&cs->lock);
	clock_gettime(CLOCK_MONOTONIC, &when);
	while (!cs->stop) {
		when.tv_nsec += (long)(cs->interval_ms % 1000) * 1000000;
		when.tv_sec += cs->interval_ms / 1000 + when.tv_nsec / 1000000000;
		when.tv_nsec %= 1000000000;
		while (!cs->stop &&
		       pthread_cond_timedwait(&cs->cond, &cs->lock, &when) != ETIMEDOUT)
			;
		if (cs->stop)
			break;
		pthread_mutex_unlock(&cs->lock);
		/* A refused burst (preempted) just waits for the next one. */
		ras_clocksync_jack_measure(cs, cs->client, cs->with_cycle);
		pthread_mutex_lock(&cs->lock);
	}
	pthread_mutex_unlock(&cs->lock);
	return NULL;
}

int ras_clocksync_jack_start(struct ras_clocksync *cs, jack_client_t *client, bool cycle,
			     unsigned interval_ms)
{
	int ret;

	if (cs->running)
		return -EBUSY;
	cs->client = client;
	cs->with_cycle = cycle;
	cs->interval_ms = interval_ms ? interval_ms : 1000;
	cs->stop = false;
	/* Up to 4 tries: one burst may be refused when preempted. */
	for (int i = 0; i < 4 && ras_clocksync_jack_measure(cs, client, cycle) == -ERANGE; i++)
		;
	ret = pthread_create(&cs->thread, NULL, measure_main, cs);
	if (ret)
		return -ret;
	cs->running = true;
	return 0;
}

void ras_clocksync_jack_stop(struct ras_clocksync *cs)
{
	if (!cs->running)
		return;
	pthread_mutex_lock(&cs->lock);
	cs->stop = true;
	pthread_cond_signal(&cs->cond);
	pthread_mutex_unlock(&cs->lock);
	pthread_join(cs->thread, NULL);
	cs->running = false;
}

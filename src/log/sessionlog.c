/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/measures.h"
#include "rasbeat/sessionlog.h"
#include "rasbeat/spsc.h"
#include "rasbeat/tmpfile.h"

#define PENDING_MAX 1024
#define WRITER_NAP_NS (10 * 1000 * 1000)

enum msg_kind { MSG_BEAT, MSG_STEP, MSG_EVENT };

struct msg {
	enum msg_kind kind;
	double heard_s;			/* a beat's, with the latency when it was given */
	union {
		struct ras_beat beat;
		struct ras_step step;
		struct ras_record_event ev;
	};
};

/* One CSV file: rows gather in buf and go out in one write() a batch. */
struct out {
	const char *name;
	int fd;
	char *buf;
	size_t len, cap;
	off_t good;			/* end of the last whole row on disk */
};

enum { OUT_BEATS, OUT_STEPS, OUT_EVENTS, OUT_COUNT };

static const char *const out_name[OUT_COUNT] = { "beats.csv", "steps.csv", "events.csv" };
static const char *const out_header[OUT_COUNT] = {
	"index,frame,time_s,heard_time_s,tempo_bpm,accent,audible,phase\n",
	"time_s,foot,interval_s,beat_index,asynchrony_ms,relative_phase,tempo_bpm,cadence_spm\n",
	"time_s,kind,detail\n",
};

struct ras_sessionlog {
	char dir[PATH_MAX];
	double rate;
	double heard_latency_s;		/* the producer's: beats given from now on */
	struct ras_spsc *q;
	pthread_t thread;
	bool started, closed;
	atomic_bool closing;
	atomic_int error;
	char error_text[512];		/* set once, before error */
	atomic_uint_fast64_t lost;
	locale_t c_locale;

	/* The writer's own, once started. */
	struct out out[OUT_COUNT];
	struct ras_record rec;
	int64_t *heard_ns;		/* the beats as heard, for ras_sync_step */
	struct ras_step *steps;		/* as written, for the cadence */
	struct ras_step pending[PENDING_MAX];	/* waiting for the beat after them */
	size_t npending;
	json_t *info;
	double end_s;
	char end_why[128];
	bool ended;
};

static void set_error(struct ras_sessionlog *log, int err, const char *fmt, ...)
{
	va_list ap;

	if (atomic_load(&log->error))
		return;
	va_start(ap, fmt);
	vsnprintf(log->error_text, sizeof(log->error_text), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&log->error, err < 0 ? err : -EIO, memory_order_release);
}

/* ---- producer side ---------------------------------------------------- */

static bool push(struct ras_sessionlog *log, const struct msg *m)
{
	if (ras_spsc_push(log->q, m))
		return true;
	atomic_fetch_add_explicit(&log->lost, 1, memory_order_relaxed);
	return false;
}

bool ras_sessionlog_beat(struct ras_sessionlog *log, const struct ras_beat *b)
{
	struct msg m = { .kind = MSG_BEAT, .beat = *b, .heard_s = b->time + log->heard_latency_s };

	return push(log, &m);
}

bool ras_sessionlog_step(struct ras_sessionlog *log, const struct ras_step *st)
{
	struct msg m = { .kind = MSG_STEP, .step = *st };

	return push(log, &m);
}

bool ras_sessionlog_event(struct ras_sessionlog *log, double time_s, const char *kind,
			  const char *fmt, ...)
{
	struct msg m = { .kind = MSG_EVENT };
	va_list ap;

	m.ev.time_s = time_s;
	snprintf(m.ev.kind, sizeof(m.ev.kind), "%s", kind);
	va_start(ap, fmt);
	vsnprintf(m.ev.detail, sizeof(m.ev.detail), fmt, ap);
	va_end(ap);
	return push(log, &m);
}

bool ras_sessionlog_phase(struct ras_sessionlog *log, double time_s, const char *name,
			  const char *type)
{
	struct msg m = { .kind = MSG_EVENT };
	size_t n = strnlen(name, RAS_RECORD_NAME_MAX - 1);
	size_t k = strnlen(type, RAS_RECORD_KIND_MAX - 1);

	/* By hand: snprintf is not for the audio thread. */
	m.ev.time_s = time_s;
	memcpy(m.ev.kind, RAS_EVENT_PHASE, sizeof(RAS_EVENT_PHASE));
	memcpy(m.ev.detail, name, n);
	memcpy(m.ev.detail + n, " (", 2);
	memcpy(m.ev.detail + n + 2, type, k);
	memcpy(m.ev.detail + n + 2 + k, ")", 2);
	return push(log, &m);
}

int ras_sessionlog_error(const struct ras_sessionlog *log)
{
	return atomic_load_explicit(&((struct ras_sessionlog *)log)->error, memory_order_acquire);
}

void ras_sessionlog_error_text(const struct ras_sessionlog *log, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ras_sessionlog_error(log) ? log->error_text : "");
}

uint64_t ras_sessionlog_lost(const struct ras_sessionlog *log)
{
	return atomic_load(&((struct ras_sessionlog *)log)->lost);
}

const struct ras_record *ras_sessionlog_record(const struct ras_sessionlog *log)
{
	return &log->rec;
}

const char *ras_sessionlog_dir(const struct ras_sessionlog *log)
{
	return log->dir;
}

/* ---- rows ------------------------------------------------------------- */

static int out_reserve(struct out *o, size_t more)
{
	char *p;
	size_t cap = o->cap ? o->cap : 65536;

	while (cap < o->len + more)
		cap *= 2;
	if (cap == o->cap)
		return 0;
	p = realloc(o->buf, cap);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->cap = cap;
	return 0;
}

/*
 * Append formatted text to the row under way. A number goes through the
 * text it is written as, so what the summary sees is what a reader of the
 * file will get back.
 */
static void row_printf(char *row, size_t *len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(row + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static double row_num(char *row, size_t *len, size_t cap, const char *fmt, double v, bool sep)
{
	size_t at;

	if (sep)
		row_printf(row, len, cap, ",");
	if (!isfinite(v))
		return NAN;
	at = *len;
	row_printf(row, len, cap, fmt, v);
	return strtod(row + at, NULL);	/* the writer thread runs in the C locale */
}

/* A text field, quoted as RFC 4180 wants when it must be; no line breaks. */
static void row_text(char *row, size_t *len, size_t cap, const char *s, bool sep)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (sep)
		row_printf(row, len, cap, ",");
	if (quote)
		row_printf(row, len, cap, "\"");
	for (; *s && *len + 3 < cap; s++) {
		if (*s == '"')
			row[(*len)++] = '"';
		row[(*len)++] = *s == '\n' || *s == '\r' ? ' ' : *s;
	}
	row[*len] = '\0';
	if (quote)
		row_printf(row, len, cap, "\"");
}

static void add_row(struct ras_sessionlog *log, int which, const char *row, size_t len)
{
	struct out *o = &log->out[which];

	if (o->fd < 0 || out_reserve(o, len + 1)) {
		atomic_fetch_add_explicit(&log->lost, 1, memory_order_relaxed);
		return;
	}
	memcpy(o->buf + o->len, row, len);
	o->buf[o->len + len] = '\n';
	o->len += len + 1;
}

/* Out with the batch. A write that fails half-way is cut back to its last
 * whole row, so the file never ends in a torn one; the rest is counted lost. */
static void out_flush(struct ras_sessionlog *log, struct out *o)
{
	size_t done = 0, keep;

	while (o->fd >= 0 && done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;

			set_error(log, -e, "%s/%s: cannot write: %s", log->dir, o->name, strerror(e));
			break;
		}
		done += (size_t)n;
	}
	keep = done;
	if (done < o->len) {
		size_t lost = 0;

		while (keep > 0 && o->buf[keep - 1] != '\n')
			keep--;
		for (size_t i = keep; i < o->len; i++)
			lost += o->buf[i] == '\n';
		if (keep < done && ftruncate(o->fd, o->good + (off_t)keep) == 0)
			lseek(o->fd, o->good + (off_t)keep, SEEK_SET);
		atomic_fetch_add_explicit(&log->lost, lost, memory_order_relaxed);
	}
	o->good += (off_t)keep;
	o->len = 0;
}

static void flush_all(struct ras_sessionlog *log, bool sync)
{
	for (int i = 0; i < OUT_COUNT; i++) {
		out_flush(log, &log->out[i]);
		if (sync && log->out[i].fd >= 0 && fdatasync(log->out[i].fd))
			set_error(log, -errno, "%s/%s: cannot sync: %s", log->dir, log->out[i].name,
				  strerror(errno));
	}
}

/* The phase in force at t: the last one begun at or before it. */
static int phase_at(const struct ras_record *r, double t)
{
	for (size_t i = r->nphases; i-- > 0;)
		if (r->phases[i].start_s <= t)
			return (int)i;
	return -1;
}

static void write_beat(struct ras_sessionlog *log, const struct ras_beat *b, double heard_s)
{
	struct ras_record_beat rb = { .index = b->index, .frame = b->frame, .accent =
				      b->accent == RAS_BEAT_ACCENT, .audible = b->audible };
	char row[512];
	size_t len = 0;
	int64_t *h;

	row_printf(row, &len, sizeof(row), "%lld,%lld", (long long)b->index, (long long)b->frame);
	rb.time_s = row_num(row, &len, sizeof(row), "%.6f", b->time, true);
	rb.heard_s = row_num(row, &len, sizeof(row), "%.6f", heard_s, true);
	rb.tempo_bpm = row_num(row, &len, sizeof(row), "%.4f", b->tempo, true);
	row_printf(row, &len, sizeof(row), ",%d,%d", rb.accent, rb.audible);
	rb.phase = phase_at(&log->rec, rb.time_s);
	row_text(row, &len, sizeof(row), rb.phase >= 0 ? log->rec.phases[rb.phase].name : "", true);
	/* Beats must rise for the matching; the engine's always do. */
	if (log->rec.nbeats && rb.heard_s <= log->rec.beats[log->rec.nbeats - 1].heard_s) {
		atomic_fetch_add_explicit(&log->lost, 1, memory_order_relaxed);
		return;
	}
	h = realloc(log->heard_ns, (log->rec.nbeats + 1) * sizeof(*h));
	if (!h || ras_record_add_beat(&log->rec, &rb)) {
		if (h)
			log->heard_ns = h;
		set_error(log, -ENOMEM, "%s: out of memory", log->dir);
		atomic_fetch_add_explicit(&log->lost, 1, memory_order_relaxed);
		return;
	}
	log->heard_ns = h;
	h[log->rec.nbeats - 1] = llround(rb.heard_s * 1e9);
	add_row(log, OUT_BEATS, row, len);
}

/* A step against the beats as heard, its cadence, and its row. */
static void write_step(struct ras_sessionlog *log, const struct ras_step *st)
{
	static const char foot_name[] = { [RAS_FOOT_LEFT] = 'L', [RAS_FOOT_RIGHT] = 'R' };
	struct ras_record *r = &log->rec;
	struct ras_record_step rs = { .beat_index = -1, .asynchrony_ms = NAN,
				      .relative_phase_deg = NAN, .tempo_bpm = NAN, .interval_s = NAN,
				      .cadence_spm = NAN, .foot = st->foot };
	struct ras_sync sync;
	struct ras_step *p, s = *st;
	char row[512];
	size_t len = 0;
	double spm, prev = r->nsteps ? r->steps[r->nsteps - 1].time_s : NAN;
	bool known = st->foot == RAS_FOOT_LEFT || st->foot == RAS_FOOT_RIGHT;

	rs.time_s = row_num(row, &len, sizeof(row), "%.6f", st->time_ns * 1e-9, false);
	/* The session clock as written, for the cadence too. */
	s.time_ns = llround(rs.time_s * 1e9);
	row_printf(row, &len, sizeof(row), ",%c", known ? foot_name[st->foot] : '-');
	rs.interval_s = row_num(row, &len, sizeof(row), "%.6f", rs.time_s - prev, true);
	if (ras_sync_step(s.time_ns, log->heard_ns, r->nbeats, &sync) == 0) {
		size_t k = sync.beat, other = s.time_ns >= log->heard_ns[k] ? k + 1 : k - 1;
		int ph = phase_at(r, rs.time_s);

		/*
		 * Cues near: the nearest beat, or the other one around the step,
		 * sounded (with side= every other beat is muted), in the step's
		 * own phase (the last step of a baseline is not cued by the
		 * first beat of the phase after it).
		 */
		if ((r->beats[k].audible && r->beats[k].phase == ph) ||
		    (other < r->nbeats && r->beats[other].audible && r->beats[other].phase == ph)) {
			rs.beat_index = r->beats[k].index;
			rs.asynchrony_ms = sync.asynchrony_ms;
			rs.relative_phase_deg = sync.phase_rad * 180 / M_PI;
			rs.tempo_bpm = r->beats[k].tempo_bpm;
		}
	}
	if (rs.beat_index >= 0)
		row_printf(row, &len, sizeof(row), ",%lld", (long long)rs.beat_index);
	else
		row_printf(row, &len, sizeof(row), ",");
	rs.asynchrony_ms = row_num(row, &len, sizeof(row), "%.3f", rs.asynchrony_ms, true);
	rs.relative_phase_deg = row_num(row, &len, sizeof(row), "%.3f", rs.relative_phase_deg, true);
	rs.tempo_bpm = row_num(row, &len, sizeof(row), "%.4f", rs.tempo_bpm, true);
	p = realloc(log->steps, (r->nsteps + 1) * sizeof(*p));
	if (!p || ras_record_add_step(r, &rs)) {
		if (p)
			log->steps = p;
		set_error(log, -ENOMEM, "%s: out of memory", log->dir);
		atomic_fetch_add_explicit(&log->lost, 1, memory_order_relaxed);
		return;
	}
	log->steps = p;
	p[r->nsteps - 1] = s;
	if (ras_cadence_window(p, r->nsteps, s.time_ns, 8, 10.0, &spm))
		spm = NAN;
	r->steps[r->nsteps - 1].cadence_spm = row_num(row, &len, sizeof(row), "%.3f", spm, true);
	add_row(log, OUT_STEPS, row, len);
}

/* Steps whose nearest beat is known: one has been heard after them. */
static void release_steps(struct ras_sessionlog *log, bool all)
{
	size_t i = 0;
	int64_t last = log->rec.nbeats ? log->heard_ns[log->rec.nbeats - 1] : INT64_MIN;

	while (i < log->npending && (all || log->pending[i].time_ns < last))
		write_step(log, &log->pending[i++]);
	memmove(log->pending, log->pending + i, (log->npending - i) * sizeof(log->pending[0]));
	log->npending -= i;
}

static void write_event(struct ras_sessionlog *log, const struct ras_record_event *e)
{
	struct ras_record_event re = *e;
	char row[1024];
	size_t len = 0;

	re.time_s = row_num(row, &len, sizeof(row), "%.6f", e->time_s, false);
	row_text(row, &len, sizeof(row), e->kind, true);
	row_text(row, &len, sizeof(row), e->detail, true);
	if (ras_record_add_event(&log->rec, &re)) {
		set_error(log, -ENOMEM, "%s: out of memory", log->dir);
		atomic_fetch_add_explicit(&log->lost, 1, memory_order_relaxed);
		return;
	}
	add_row(log, OUT_EVENTS, row, len);
}

/* ---- session.json ----------------------------------------------------- */

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *summaries(const struct ras_sessionlog *log)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < log->rec.nphases; i++) {
		struct ras_phase_summary s;

		ras_record_summarize(&log->rec, i, &s);
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			"name", s.name, "type", s.type, "start_s", num_or_null(s.start_s),
			"end_s", num_or_null(s.end_s), "steps", (json_int_t)s.steps,
			"cadence_spm", num_or_null(s.cadence_spm), "tempo_bpm", num_or_null(s.tempo_bpm),
			"asynchrony_mean_ms", num_or_null(s.asynchrony_mean_ms),
			"asynchrony_sd_ms", num_or_null(s.asynchrony_sd_ms), "r", num_or_null(s.r),
			"cv_pct", num_or_null(s.cv_pct), "asymmetry_pct", num_or_null(s.asymmetry_pct)));
	}
	return a;
}

static void now_iso(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	size_t n;

	localtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* +0100 -> +01:00, as ISO 8601 and JavaScript want it */
	if (n >= 5 && n + 1 < len) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
}

/* session.json anew, whole or not at all. */
static void write_json(struct ras_sessionlog *log)
{
	char path[PATH_MAX + 16], err[PATH_MAX + 128], ended[40];
	struct ras_tmpfile t;
	char *text;
	size_t len, done = 0;
	int ret, dfd;

	json_object_set_new(log->info, "phases", summaries(log));
	json_object_set_new(log->info, "rows", json_pack("{s:I, s:I, s:I, s:I}",
		"beats", (json_int_t)log->rec.nbeats, "steps", (json_int_t)log->rec.nsteps,
		"events", (json_int_t)log->rec.nevents, "lost", (json_int_t)ras_sessionlog_lost(log)));
	if (log->ended) {
		now_iso(ended, sizeof(ended));
		json_object_set_new(log->info, "ended", json_string(ended));
		json_object_set_new(log->info, "end_reason", json_string(log->end_why));
		json_object_set_new(log->info, "duration_s", num_or_null(log->end_s));
	}
	json_object_set_new(log->info, "complete", json_boolean(log->ended &&
								  !ras_sessionlog_error(log)));
	text = json_dumps(log->info, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (!text) {
		set_error(log, -ENOMEM, "%s/session.json: out of memory", log->dir);
		return;
	}
	len = strlen(text);
	snprintf(path, sizeof(path), "%s/session.json", log->dir);
	if ((ret = ras_tmpfile_open(&t, path, 0600, err, sizeof(err)))) {
		set_error(log, ret, "%s", err);
		free(text);
		return;
	}
	while (done < len) {
		ssize_t n = write(t.fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(text);
	if (done < len || write(t.fd, "\n", 1) != 1 || fsync(t.fd)) {
		set_error(log, -(errno ? errno : EIO), "%s: cannot write: %s", path,
			  strerror(errno ? errno : EIO));
		close(t.fd);
		ras_tmpfile_discard(&t);
		return;
	}
	close(t.fd);
	if ((ret = ras_tmpfile_commit(&t, err, sizeof(err)))) {
		set_error(log, ret, "%s", err);
		return;
	}
	/* The rename itself, durable. */
	if ((dfd = open(log->dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
}

/* ---- the writer thread ------------------------------------------------ */

static void handle(struct ras_sessionlog *log, const struct msg *m)
{
	switch (m->kind) {
	case MSG_BEAT:
		write_beat(log, &m->beat, m->heard_s);
		release_steps(log, false);
		break;
	case MSG_STEP:
		if (log->npending == PENDING_MAX)
			write_step(log, &log->pending[0]), memmove(log->pending, log->pending + 1,
				   --log->npending * sizeof(log->pending[0]));
		log->pending[log->npending++] = m->step;
		break;
	case MSG_EVENT:
		if (strcmp(m->ev.kind, RAS_EVENT_PHASE) == 0) {
			/* The old phase's rows first, then its summary, durable. */
			write_event(log, &m->ev);
			flush_all(log, true);
			write_json(log);
		} else {
			write_event(log, &m->ev);
		}
		break;
	}
}

static void *writer(void *arg)
{
	struct ras_sessionlog *log = arg;
	struct timespec nap = { 0, WRITER_NAP_NS };
	struct msg m;
	/* Dots, whatever the user's locale; put back for a caller's thread
	 * (a log never started is finished on the thread that closes it). */
	locale_t old = uselocale(log->c_locale);

	for (;;) {
		/* Read before draining: all that came before the close is in. */
		bool closing = atomic_load_explicit(&log->closing, memory_order_acquire);
		size_t n = 0;

		while (ras_spsc_pop(log->q, &m)) {
			handle(log, &m);
			/* Keep the batch bounded; the rest comes at once. */
			if (++n % 4096 == 0)
				flush_all(log, false);
		}
		flush_all(log, false);
		if (closing)
			break;
		if (!n)
			nanosleep(&nap, NULL);
	}
	release_steps(log, true);
	{
		struct ras_record_event e = { .time_s = log->end_s };

		snprintf(e.kind, sizeof(e.kind), "%s", RAS_EVENT_END);
		snprintf(e.detail, sizeof(e.detail), "%s", log->end_why);
		write_event(log, &e);
	}
	log->rec.end_s = log->end_s;
	log->ended = true;
	flush_all(log, true);
	write_json(log);
	uselocale(old);
	return NULL;
}

/* ---- set-up and end --------------------------------------------------- */

struct ras_sessionlog *ras_sessionlog_new(const struct ras_sessionlog_config *cfg, char *err,
					  size_t errlen)
{
	struct ras_sessionlog *log = calloc(1, sizeof(*log));
	char path[PATH_MAX + 32];
	int ret = -ENOMEM, i;

	if (!log)
		goto fail_nomem;
	for (i = 0; i < OUT_COUNT; i++)
		log->out[i].fd = -1;
	ras_record_init(&log->rec);
	log->rate = cfg->rate;
	log->heard_latency_s = cfg->latency_s;
	if ((size_t)snprintf(log->dir, sizeof(log->dir), "%s", cfg->dir) >= sizeof(log->dir)) {
		snprintf(err, errlen, "%.64s...: path too long", cfg->dir);
		ret = -ENAMETOOLONG;
		goto fail;
	}
	log->q = ras_spsc_new(sizeof(struct msg), cfg->queue_len ? cfg->queue_len : 16384);
	log->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	log->info = json_object();
	if (!log->q || !log->c_locale || !log->info)
		goto fail_nomem;
	/* Patient data: the folder is the user's alone. */
	if ((ret = ras_mkdirs(log->dir, 0700, err, errlen)))
		goto fail;
	for (i = 0; i < OUT_COUNT; i++) {
		struct out *o = &log->out[i];

		o->name = out_name[i];
		snprintf(path, sizeof(path), "%s/%s", log->dir, o->name);
		o->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (o->fd < 0) {
			ret = -errno;
			if (errno == EEXIST)
				snprintf(err, errlen, "%s: holds a session already (%s); choose another folder",
					 log->dir, o->name);
			else
				snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
			/* Only what this call made goes. */
			while (i-- > 0) {
				snprintf(path, sizeof(path), "%s/%s", log->dir, out_name[i]);
				unlink(path);
			}
			goto fail;
		}
		add_row(log, i, out_header[i], strlen(out_header[i]) - 1);
	}
	json_object_set_new(log->info, "format", json_string("rasbeat session 1"));
	json_object_set_new(log->info, "patient", cfg->patient ? json_string(cfg->patient) : json_null());
	json_object_set_new(log->info, "rate", json_real(cfg->rate));
	json_object_set_new(log->info, "latency_s", json_real(cfg->latency_s));
	json_object_set_new(log->info, "latency_frames", json_integer(llround(cfg->latency_s * cfg->rate)));
	if (cfg->patient)
		snprintf(log->rec.patient, sizeof(log->rec.patient), "%s", cfg->patient);
	log->rec.rate = cfg->rate;
	log->rec.latency_s = cfg->latency_s;
	return log;

fail_nomem:
	snprintf(err, errlen, "%s: out of memory", cfg->dir);
	ret = -ENOMEM;
fail:
	for (i = 0; log && i < OUT_COUNT; i++)
		if (log->out[i].fd >= 0)
			close(log->out[i].fd);
	if (log) {
		for (i = 0; i < OUT_COUNT; i++)
			free(log->out[i].buf);
		ras_spsc_free(log->q);
		if (log->c_locale)
			freelocale(log->c_locale);
		json_decref(log->info);
		ras_record_clear(&log->rec);
		free(log);
	}
	errno = -ret;
	return NULL;
}

static json_t *section(struct ras_sessionlog *log, const char *name)
{
	json_t *o;

	if (!name)
		return log->info;
	o = json_object_get(log->info, name);
	if (!o && (o = json_object()))
		json_object_set_new(log->info, name, o);
	return o;
}

int ras_sessionlog_info(struct ras_sessionlog *log, const char *sec, const char *key,
			const char *value)
{
	json_t *o = section(log, sec);

	if (!o || json_object_set_new(o, key, value ? json_string(value) : json_null()))
		return -ENOMEM;
	return 0;
}

int ras_sessionlog_info_num(struct ras_sessionlog *log, const char *sec, const char *key,
			    double value)
{
	json_t *o = section(log, sec);

	if (!o || json_object_set_new(o, key, num_or_null(value)))
		return -ENOMEM;
	return 0;
}

void ras_sessionlog_set_latency(struct ras_sessionlog *log, double latency_s)
{
	log->heard_latency_s = latency_s;
	/* The rest is the writer's once it runs: session.json keeps the first. */
	if (log->started)
		return;
	log->rec.latency_s = latency_s;
	json_object_set_new(log->info, "latency_s", json_real(latency_s));
	json_object_set_new(log->info, "latency_frames", json_integer(llround(latency_s * log->rate)));
}

int ras_sessionlog_info_argv(struct ras_sessionlog *log, int argc, char *const argv[])
{
	json_t *a = json_array();

	for (int i = 0; a && i < argc; i++)
		if (json_array_append_new(a, json_string(argv[i])))
			break;
	if (!a || json_object_set_new(log->info, "argv", a))
		return -ENOMEM;
	return 0;
}

int ras_sessionlog_start(struct ras_sessionlog *log, char *err, size_t errlen)
{
	char started[40];
	int ret;

	now_iso(started, sizeof(started));
	snprintf(log->rec.started, sizeof(log->rec.started), "%s", started);
	json_object_set_new(log->info, "started", json_string(started));
	json_object_set_new(log->info, "ended", json_null());
	flush_all(log, false);
	write_json(log);
	{
		/* The new files' names, durable before the rows come. */
		int dfd = open(log->dir, O_RDONLY | O_DIRECTORY);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	if ((ret = pthread_create(&log->thread, NULL, writer, log))) {
		snprintf(err, errlen, "%s: cannot start the log writer: %s", log->dir, strerror(ret));
		set_error(log, -ret, "%s", err);
		return -ret;
	}
	log->started = true;
	if (ras_sessionlog_error(log)) {
		ras_sessionlog_error_text(log, err, errlen);
		return ras_sessionlog_error(log);
	}
	return 0;
}

int ras_sessionlog_close(struct ras_sessionlog *log, double end_s, const char *why, char *err,
			 size_t errlen)
{
	if (!log->closed) {
		log->closed = true;
		log->end_s = end_s;
		snprintf(log->end_why, sizeof(log->end_why), "%s", why ? why : "");
		atomic_store_explicit(&log->closing, true, memory_order_release);
		if (log->started)
			pthread_join(log->thread, NULL);
		else
			writer(log);	/* never started: the rows queued are still due */
		for (int i = 0; i < OUT_COUNT; i++) {
			if (log->out[i].fd >= 0 && close(log->out[i].fd))
				set_error(log, -errno, "%s/%s: cannot close: %s", log->dir,
					  log->out[i].name, strerror(errno));
			log->out[i].fd = -1;
		}
	}
	if (ras_sessionlog_error(log)) {
		ras_sessionlog_error_text(log, err, errlen);
		return ras_sessionlog_error(log);
	}
	return 0;
}

void ras_sessionlog_free(struct ras_sessionlog *log)
{
	char err[8];

	if (!log)
		return;
	ras_sessionlog_close(log, log->end_s, "ended", err, sizeof(err));
	for (int i = 0; i < OUT_COUNT; i++)
		free(log->out[i].buf);
	ras_spsc_free(log->q);
	freelocale(log->c_locale);
	json_decref(log->info);
	ras_record_clear(&log->rec);
	free(log->heard_ns);
	free(log->steps);
	free(log);
}

/* ---- where sessions go ------------------------------------------------ */

bool ras_sessionlog_patient_ok(const char *id)
{
	size_t n = strlen(id);

	if (n < 1 || n > 63 || id[0] == '.' || id[0] == '-')
		return false;
	for (; *id; id++)
		if (!(('a' <= *id && *id <= 'z') || ('A' <= *id && *id <= 'Z') ||
		      ('0' <= *id && *id <= '9') || *id == '.' || *id == '_' || *id == '-'))
			return false;
	return true;
}

int ras_sessionlog_patient_dir(const char *patient, char *buf, size_t len)
{
	const char *base = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (!patient)
		patient = "anonymous";
	/* The spec: a relative XDG_DATA_HOME is invalid and ignored. */
	if (base && base[0] == '/')
		n = snprintf(buf, len, "%s/rasbeat/sessions/%s", base, patient);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/share/rasbeat/sessions/%s", home, patient);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ras_sessionlog_default_dir(const char *patient, char *buf, size_t len)
{
	char base[PATH_MAX], stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	struct stat st;
	int ret, n;

	if ((ret = ras_sessionlog_patient_dir(patient, base, sizeof(base))))
		return ret;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H-%M-%S", &tm);
	n = snprintf(buf, len, "%s/%s", base, stamp);
	for (int i = 2; n >= 0 && (size_t)n < len && lstat(buf, &st) == 0; i++) {
		if (i == 1000)
			return -EEXIST;
		n = snprintf(buf, len, "%s/%s-%d", base, stamp, i);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

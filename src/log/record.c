/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rasbeat/decimal.h"
#include "rasbeat/gait.h"
#include "rasbeat/measures.h"
#include "rasbeat/record.h"

void ras_record_init(struct ras_record *r)
{
	memset(r, 0, sizeof(*r));
	r->rate = NAN;
	r->latency_s = NAN;
	r->end_s = NAN;
}

void ras_record_clear(struct ras_record *r)
{
	free(r->beats);
	free(r->steps);
	free(r->events);
	free(r->phases);
	ras_record_init(r);
}

/*
 * Make room for element n. The record keeps no capacities: an array only
 * grows through here, so its capacity is 16 or the power of two at or
 * above n, and it is full exactly when n is 0 or such a power.
 */
static int grow(void **p, size_t n, size_t size)
{
	size_t cap = n < 16 ? 16 : 2 * n;
	void *q;

	if (n && (n < 16 || (n & (n - 1))))
		return 0;
	q = realloc(*p, cap * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

static bool has_end(const struct ras_record *r)
{
	for (size_t i = r->nevents; i-- > 0;)
		if (!strcmp(r->events[i].kind, RAS_EVENT_END))
			return true;
	return false;
}

/* The end event fixes the end; until there is one, the last row does. */
static void extend(struct ras_record *r, double t)
{
	if (isfinite(t) && !has_end(r) && (isnan(r->end_s) || t > r->end_s))
		r->end_s = t;
}

int ras_record_add_beat(struct ras_record *r, const struct ras_record_beat *b)
{
	if (grow((void **)&r->beats, r->nbeats, sizeof(*b)))
		return -ENOMEM;
	r->beats[r->nbeats++] = *b;
	extend(r, b->time_s);
	return 0;
}

int ras_record_add_step(struct ras_record *r, const struct ras_record_step *s)
{
	if (grow((void **)&r->steps, r->nsteps, sizeof(*s)))
		return -ENOMEM;
	r->steps[r->nsteps++] = *s;
	extend(r, s->time_s);
	return 0;
}

static void copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "NAME (TYPE)": the last " (" splits, so a name may hold parentheses. */
static bool parse_phase(const char *detail, char *name, char *type)
{
	size_t len = strlen(detail), open;

	if (len < 5 || detail[len - 1] != ')')
		return false;
	for (open = len - 2; open > 0; open--)
		if (detail[open] == '(' && detail[open - 1] == ' ')
			break;
	if (open < 2 || open + 1 == len - 1 || open - 1 >= RAS_RECORD_NAME_MAX ||
	    len - 2 - open >= RAS_RECORD_KIND_MAX)
		return false;
	copy(name, RAS_RECORD_NAME_MAX, detail, open - 1);
	copy(type, RAS_RECORD_KIND_MAX, detail + open + 1, len - 2 - open);
	return true;
}

int ras_record_add_event(struct ras_record *r, const struct ras_record_event *e)
{
	char name[RAS_RECORD_NAME_MAX], type[RAS_RECORD_KIND_MAX] = "";

	if (grow((void **)&r->events, r->nevents, sizeof(*e)))
		return -ENOMEM;
	if (!strcmp(e->kind, RAS_EVENT_PHASE)) {
		/* A detail that is not "NAME (TYPE)" still names a phase. */
		if (!parse_phase(e->detail, name, type))
			copy(name, sizeof(name), e->detail, strlen(e->detail));
		if (ras_record_add_phase(r, e->time_s, name, type))
			return -ENOMEM;
	}
	extend(r, e->time_s);
	r->events[r->nevents++] = *e;
	if (!strcmp(e->kind, RAS_EVENT_END))
		r->end_s = e->time_s;
	return 0;
}

int ras_record_add_phase(struct ras_record *r, double time_s, const char *name, const char *type)
{
	struct ras_record_phase *p;

	if (grow((void **)&r->phases, r->nphases, sizeof(*p)))
		return -ENOMEM;
	if (r->nphases && isnan(r->phases[r->nphases - 1].end_s))
		r->phases[r->nphases - 1].end_s = time_s;
	p = &r->phases[r->nphases++];
	copy(p->name, sizeof(p->name), name, strlen(name));
	copy(p->type, sizeof(p->type), type, strlen(type));
	p->start_s = time_s;
	p->end_s = NAN;
	return 0;
}

void ras_record_summarize(const struct ras_record *r, size_t i, struct ras_phase_summary *out)
{
	const struct ras_record_phase *p = &r->phases[i];
	bool open = isnan(p->end_s);
	double end = open ? r->end_s : p->end_s;
	struct ras_stat tempo = { 0 }, async = { 0 };
	struct ras_circ phase = { 0 };
	struct ras_gait_summary g;
	struct ras_step *st;
	size_t n = 0, feet = 0;
	double cv = 0;

	*out = (struct ras_phase_summary){ .start_s = p->start_s, .end_s = end,
					   .cadence_spm = NAN, .cv_pct = NAN,
					   .asymmetry_pct = NAN };
	snprintf(out->name, sizeof(out->name), "%s", p->name);
	snprintf(out->type, sizeof(out->type), "%s", p->type);
	for (size_t j = 0; j < r->nbeats; j++)
		if (r->beats[j].phase == (int)i && r->beats[j].audible &&
		    isfinite(r->beats[j].tempo_bpm))
			ras_stat_add(&tempo, r->beats[j].tempo_bpm);
	out->tempo_bpm = ras_stat_mean(&tempo);

	/* Without memory the figures from ras_gait_summarize stay NAN. */
	st = malloc((r->nsteps ? r->nsteps : 1) * sizeof(*st));
	/* An open phase keeps the steps at its end: the session stopped there. */
	for (size_t j = 0; j < r->nsteps; j++) {
		const struct ras_record_step *s = &r->steps[j];

		if (s->time_s < p->start_s || s->time_s > end || (s->time_s == end && !open))
			continue;
		if (st)
			st[n] = (struct ras_step){ .time_ns = llround(s->time_s * 1e9),
						   .foot = s->foot };
		n++;
		if (s->beat_index >= 0 && isfinite(s->asynchrony_ms))
			ras_stat_add(&async, s->asynchrony_ms);
		if (s->beat_index >= 0 && isfinite(s->relative_phase_deg))
			ras_circ_add(&phase, s->relative_phase_deg * M_PI / 180);
	}
	out->steps = n;
	out->asynchrony_mean_ms = ras_stat_mean(&async);
	out->asynchrony_sd_ms = ras_stat_sd(&async);
	out->r = ras_circ_r(&phase);

	if (st && !ras_gait_summarize(st, n, &g)) {
		out->cadence_spm = g.cadence_spm;
		for (int f = 0; f < 2; f++) {
			if (g.strides[f] >= 2 && isfinite(g.stride_cv_pct[f])) {
				cv += g.stride_cv_pct[f];
				feet++;
			}
		}
		out->cv_pct = feet ? cv / feet : g.step_cv_pct;
		out->asymmetry_pct = g.asymmetry_pct;
	}
	free(st);
}

/* Loading */

#define CSV_MAX_FIELDS 8

struct csv {
	char path[4096];
	char *buf;
	size_t len, pos;
	int line, next_line;
	const char *const *cols;
	size_t ncols;
	char *field[CSV_MAX_FIELDS + 1];
	size_t nfield;
	char *err;
	size_t errlen;
};

static int fail(struct csv *c, size_t col, const char *what)
{
	snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->path, c->line, c->cols[col], what);
	return -EINVAL;
}

/* The whole file; 1 when it is missing. */
static int csv_read(struct csv *c)
{
	FILE *f = fopen(c->path, "r");
	size_t cap = 0;
	int ret = 0;

	if (!f) {
		if (errno == ENOENT)
			return 1;
		ret = -errno;
		snprintf(c->err, c->errlen, "%s: cannot open: %s", c->path, strerror(errno));
		return ret;
	}
	for (;;) {
		if (cap - c->len < 4096) {
			char *b = realloc(c->buf, cap = cap ? 2 * cap : 65536);

			if (!b) {
				snprintf(c->err, c->errlen, "%s: out of memory", c->path);
				ret = -ENOMEM;
				break;
			}
			c->buf = b;
		}
		c->len += fread(c->buf + c->len, 1, cap - c->len - 1, f);
		if (ferror(f)) {
			ret = errno ? -errno : -EIO;
			snprintf(c->err, c->errlen, "%s: cannot read: %s", c->path, strerror(-ret));
			break;
		}
		if (feof(f))
			break;
	}
	fclose(f);
	if (!ret)
		c->buf[c->len] = '\0';
	return ret;
}

/*
 * Split the next record in place (RFC 4180: "" is a quote inside quotes,
 * which may span lines). 1 with the fields set; 0 at the end, where a
 * record without its newline is dropped: a write cut short; or -EINVAL.
 */
static int csv_next(struct csv *c)
{
	char *p = c->buf + c->pos, *end = c->buf + c->len, *w;

	c->line = c->next_line;
	c->nfield = 0;
	if (p >= end)
		return 0;
	for (;;) {
		bool quoted = *p == '"';
		char sep;

		if (c->nfield == CSV_MAX_FIELDS + 1) {
			snprintf(c->err, c->errlen, "%s:%d: more than %zu fields", c->path,
				 c->line, c->ncols);
			return -EINVAL;
		}
		c->field[c->nfield++] = w = p;
		if (quoted) {
			for (p++;; p++) {
				if (p >= end)
					return 0;
				if (*p == '"' && p + 1 < end && p[1] == '"')
					p++;
				else if (*p == '"')
					break;
				else if (*p == '\n')
					c->next_line++;
				*w++ = *p;
			}
			p++;
			if (p < end && *p == '\r')
				p++;
			if (p < end && *p != ',' && *p != '\n') {
				c->nfield--;
				return fail(c, c->nfield < c->ncols ? c->nfield : c->ncols - 1,
					    "text after a closing quote");
			}
		} else {
			while (p < end && *p != ',' && *p != '\n')
				*w++ = *p++;
		}
		if (p >= end)
			return 0;
		sep = *p++;
		if (sep == '\n' && !quoted && w > c->field[c->nfield - 1] && w[-1] == '\r')
			w--;
		*w = '\0';
		if (sep == '\n')
			break;
	}
	c->next_line++;
	c->pos = p - c->buf;
	return 1;
}

/* The next row: csv_next with as many fields as columns. */
static int csv_row(struct csv *c)
{
	int ret;

	/* A blank line (a hand edit) is no row. */
	do
		ret = csv_next(c);
	while (ret > 0 && c->nfield == 1 && !c->field[0][0]);
	if (ret > 0 && c->nfield != c->ncols) {
		snprintf(c->err, c->errlen, "%s:%d: %zu field%s, expected %zu", c->path, c->line,
			 c->nfield, c->nfield == 1 ? "" : "s", c->ncols);
		return -EINVAL;
	}
	return ret;
}

/* Open and check the header: 1 with rows to read, 0 when the file is missing
 * or empty, or a negative errno. */
static int csv_open(struct csv *c, const char *dir, const char *name,
		    const char *const *cols, size_t ncols)
{
	char want[256] = "";
	int ret;

	free(c->buf);
	c->buf = NULL;
	c->len = c->pos = 0;
	c->line = c->next_line = 1;
	c->cols = cols;
	c->ncols = ncols;
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s/%s", dir, name) >= sizeof(c->path)) {
		snprintf(c->err, c->errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	ret = csv_read(c);
	if (ret)
		return ret > 0 ? 0 : ret;
	ret = csv_next(c);
	if (!ret)
		return 0;
	for (size_t i = 0; ret > 0 && i < ncols; i++)
		if (c->nfield != ncols || strcmp(c->field[i], cols[i]))
			ret = -EINVAL;
	if (ret > 0)
		return 1;
	for (size_t i = 0; i < ncols; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", i ? "," : "",
			 cols[i]);
	snprintf(c->err, c->errlen, "%s:1: header: expected \"%s\"", c->path, want);
	return -EINVAL;
}

/* A number with a dot, whatever the locale; empty: NAN when `optional`. */
static int get_double(struct csv *c, size_t i, bool optional, double *out)
{
	const char *v = c->field[i];

	if (!*v && optional) {
		*out = NAN;
		return 0;
	}
	if (!*v)
		return fail(c, i, "missing");
	if (!ras_decimal(v, out))
		return fail(c, i, "not a number");
	return 0;
}

/* An integer; empty: -1 when `optional`. */
static int get_int(struct csv *c, size_t i, bool optional, int64_t *out)
{
	const char *v = c->field[i];
	char *end;

	if (!*v && optional) {
		*out = -1;
		return 0;
	}
	if (!*v)
		return fail(c, i, "missing");
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (*end || errno)
		return fail(c, i, "not an integer");
	return 0;
}

static int get_bool(struct csv *c, size_t i, bool *out)
{
	if (strcmp(c->field[i], "0") && strcmp(c->field[i], "1"))
		return fail(c, i, "not 0 or 1");
	*out = c->field[i][0] == '1';
	return 0;
}

static const char *const event_cols[] = { "time_s", "kind", "detail" };
static const char *const beat_cols[] = { "index", "frame", "time_s", "heard_time_s",
					 "tempo_bpm", "accent", "audible", "phase" };
static const char *const step_cols[] = { "time_s", "foot", "interval_s", "beat_index",
					 "asynchrony_ms", "relative_phase", "tempo_bpm",
					 "cadence_spm" };

static int load_events(struct ras_record *r, struct csv *c)
{
	char name[RAS_RECORD_NAME_MAX], type[RAS_RECORD_KIND_MAX];
	struct ras_record_event e;
	size_t len;
	int ret;

	while ((ret = csv_row(c)) > 0) {
		if ((ret = get_double(c, 0, false, &e.time_s)))
			return ret;
		if (!c->field[1][0])
			return fail(c, 1, "missing");
		if (strlen(c->field[1]) >= sizeof(e.kind))
			return fail(c, 1, "too long");
		strcpy(e.kind, c->field[1]);
		/* A long detail (a command line) is cut, at a character. */
		len = strlen(c->field[2]);
		if (len >= sizeof(e.detail))
			/* len > 0: bytes that are all UTF-8 continuations (not
			 * text) would otherwise walk off the field's start. */
			for (len = sizeof(e.detail) - 1;
			     len > 0 && (c->field[2][len] & 0xc0) == 0x80; len--)
				;
		copy(e.detail, sizeof(e.detail), c->field[2], len);
		if (!strcmp(e.kind, RAS_EVENT_PHASE) && !parse_phase(e.detail, name, type))
			return fail(c, 2, "not \"NAME (TYPE)\"");
		if (ras_record_add_event(r, &e))
			return -ENOMEM;
	}
	return ret;
}

/* The phase of that name the beat falls in: names may repeat in a program. */
static int phase_named(const struct ras_record *r, const char *name, double t)
{
	int found = -1;

	for (size_t i = 0; i < r->nphases; i++) {
		if (strcmp(r->phases[i].name, name))
			continue;
		if (found < 0 || r->phases[i].start_s <= t + 1e-3)
			found = i;
		if (r->phases[i].start_s > t + 1e-3)
			break;
	}
	return found;
}

static const char *type_of(const char *name)
{
	static const char *const types[] = { "baseline", "cue", "ramp", "fade", "post" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(name, types[i]))
			return types[i];
	return "cue";
}

static int load_beats(struct ras_record *r, struct csv *c)
{
	bool from_events = r->nphases > 0;
	struct ras_record_beat b;
	const char *name;
	int ret;

	while ((ret = csv_row(c)) > 0) {
		if ((ret = get_int(c, 0, false, &b.index)) ||
		    (ret = get_int(c, 1, false, &b.frame)) ||
		    (ret = get_double(c, 2, false, &b.time_s)) ||
		    (ret = get_double(c, 3, true, &b.heard_s)) ||
		    (ret = get_double(c, 4, true, &b.tempo_bpm)) ||
		    (ret = get_bool(c, 5, &b.accent)) || (ret = get_bool(c, 6, &b.audible)))
			return ret;
		name = c->field[7];
		if (from_events) {
			/* A name without its phase event (a torn events.csv) is in none. */
			b.phase = *name ? phase_named(r, name, b.time_s) : -1;
		} else if (*name) {
			/* No phase events: each change of name opens a phase. */
			if ((!r->nphases || strcmp(r->phases[r->nphases - 1].name, name)) &&
			    ras_record_add_phase(r, b.time_s, name, type_of(name)))
				return -ENOMEM;
			b.phase = r->nphases - 1;
		} else {
			b.phase = -1;
		}
		if (ras_record_add_beat(r, &b))
			return -ENOMEM;
	}
	return ret;
}

static int load_steps(struct ras_record *r, struct csv *c)
{
	struct ras_record_step s;
	const char *foot;
	int ret;

	while ((ret = csv_row(c)) > 0) {
		if ((ret = get_double(c, 0, false, &s.time_s)))
			return ret;
		foot = c->field[1];
		if (!strcmp(foot, "L"))
			s.foot = RAS_FOOT_LEFT;
		else if (!strcmp(foot, "R"))
			s.foot = RAS_FOOT_RIGHT;
		else if (!strcmp(foot, "-") || !*foot)
			s.foot = RAS_FOOT_NONE;
		else
			return fail(c, 1, "not L, R or -");
		if ((ret = get_double(c, 2, true, &s.interval_s)) ||
		    (ret = get_int(c, 3, true, &s.beat_index)) ||
		    (ret = get_double(c, 4, true, &s.asynchrony_ms)) ||
		    (ret = get_double(c, 5, true, &s.relative_phase_deg)) ||
		    (ret = get_double(c, 6, true, &s.tempo_bpm)) ||
		    (ret = get_double(c, 7, true, &s.cadence_spm)))
			return ret;
		if (s.beat_index < -1)
			return fail(c, 3, "negative");
		if (ras_record_add_step(r, &s))
			return -ENOMEM;
	}
	return ret;
}

static int load_json(struct ras_record *r, const char *dir, char *err, size_t errlen)
{
	static const char *const text[] = { "patient", "started" };
	char path[4096];
	json_error_t je;
	json_t *root, *v;
	FILE *f;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/session.json", dir) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	root = json_loadf(f, 0, &je);
	fclose(f);
	if (!root) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s:1: not a JSON object", path);
		ret = -EINVAL;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		v = json_object_get(root, text[i]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: %s: not a string", path, text[i]);
			ret = -EINVAL;
			goto out;
		}
		if (i == 0)
			snprintf(r->patient, sizeof(r->patient), "%s", json_string_value(v));
		else
			snprintf(r->started, sizeof(r->started), "%s", json_string_value(v));
	}
	for (int i = 0; i < 2; i++) {
		v = json_object_get(root, i ? "latency_s" : "rate");
		if (!v || json_is_null(v))
			continue;
		if (!json_is_number(v)) {
			snprintf(err, errlen, "%s: %s: not a number", path,
				 i ? "latency_s" : "rate");
			ret = -EINVAL;
			goto out;
		}
		*(i ? &r->latency_s : &r->rate) = json_number_value(v);
	}
out:
	json_decref(root);
	return ret;
}

int ras_record_load(struct ras_record *r, const char *dir, char *err, size_t errlen)
{
	struct csv c = { .err = err, .errlen = errlen };
	char d[4096];
	size_t len = strlen(dir);
	struct stat st;
	int ret;

	ras_record_init(r);
	/* "DIR/" names its files "DIR/beats.csv", not "DIR//beats.csv". */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	snprintf(d, sizeof(d), "%.*s", (int)len, dir);
	if (stat(d, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", d, strerror(errno));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a folder", d);
		return -ENOTDIR;
	}
	/* Events first: the beats name the phases they open. */
	ret = load_json(r, d, err, errlen);
	if (!ret && (ret = csv_open(&c, d, "events.csv", event_cols, 3)) > 0)
		ret = load_events(r, &c);
	if (!ret && (ret = csv_open(&c, d, "beats.csv", beat_cols, 8)) > 0)
		ret = load_beats(r, &c);
	if (!ret && (ret = csv_open(&c, d, "steps.csv", step_cols, 8)) > 0)
		ret = load_steps(r, &c);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", d);
	free(c.buf);
	if (ret)
		ras_record_clear(r);
	return ret;
}

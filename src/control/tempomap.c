/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/tempomap.h"

#define MAP_FILE_MAX (1 << 20)
#define TOKENS_MAX 64

struct ctx {
	const char *name;
	int line;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->name, c->line, field, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->name, msg);
	return -EINVAL;
}

/* A plain decimal: digits with at most one point, nothing else (no sign,
 * exponent, hex, inf or nan), as klick's grammar has it. */
static bool parse_decimal(const char *s, size_t len, double *out)
{
	char buf[64];
	bool digit = false, point = false;

	if (len == 0 || len >= sizeof(buf))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			digit = true;
		else if (s[i] == '.' && !point)
			point = true;
		else
			return false;
	}
	if (!digit)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, NULL);
	return isfinite(*out);
}

static bool parse_int(const char *s, size_t len, int max, int *out)
{
	long v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return false;
	}
	*out = (int)v;
	return true;
}

static bool is_pattern(const char *s)
{
	return *s && strspn(s, "Xx.") == strlen(s);
}

struct entry {
	char label[RAS_LABEL_MAX];
	int bars;		/* > 0, or 0 with seconds, or -1 for ever */
	double seconds;
	struct ras_meter meter;
	double tempo[2];
	bool ramp;
	double *tempi;		/* per-beat list, or NULL */
	int ntempi;
};

static int parse_length(struct ctx *c, const char *tok, struct entry *e)
{
	size_t len = strlen(tok);
	double v;

	if (strcmp(tok, "*") == 0) {
		e->bars = -1;
		return 0;
	}
	if (len > 1 && (tok[len - 1] == 's' || tok[len - 1] == 'm')) {
		if (!parse_decimal(tok, len - 1, &v) || !(v > 0) || v > 1e7)
			return fail(c, "bars", "'%s' is not a duration (e.g. 90s or 2m)", tok);
		e->bars = 0;
		e->seconds = tok[len - 1] == 'm' ? v * 60 : v;
		return 0;
	}
	if (!parse_int(tok, len, 1000000, &e->bars) || e->bars < 1)
		return fail(c, "bars", "'%s' is not a number of bars from 1 to 1000000, a duration (90s, 2m) or *",
			    tok);
	return 0;
}

static int parse_meter(struct ctx *c, const char *tok, struct entry *e)
{
	const char *slash = strchr(tok, '/');
	int beats, denom;

	if (!parse_int(tok, (size_t)(slash - tok), 1000, &beats) ||
	    !parse_int(slash + 1, strlen(slash + 1), 1000, &denom) ||
	    beats < 1 || beats > RAS_METER_MAX || denom < 1 || denom > 64)
		return fail(c, "meter", "'%s' is not a meter like 4/4 (1 to %d beats, note value 1 to 64)",
			    tok, RAS_METER_MAX);
	ras_meter_set_beats(&e->meter, beats);
	e->meter.denom = denom;
	return 0;
}

static int check_tempo(struct ctx *c, double q, const struct entry *e, const char *tok)
{
	double bpm = q * e->meter.denom / 4.0;

	if (!(bpm >= RAS_BPM_MIN && bpm <= RAS_BPM_MAX))
		return fail(c, "tempo", "%s gives %g beats per minute; allowed %g to %g",
			    tok, bpm, RAS_BPM_MIN, RAS_BPM_MAX);
	return 0;
}

static int parse_tempo(struct ctx *c, const char *tok, struct entry *e)
{
	const char *dash = strchr(tok, '-'), *comma = strchr(tok, ',');
	int err;

	/* A leading '-' is a sign, not a ramp: say so rather than "not a ramp". */
	if (tok[0] == '-')
		return fail(c, "tempo", "'%s' is negative; a tempo is a plain decimal like 120", tok);
	if (dash) {
		if (!parse_decimal(tok, (size_t)(dash - tok), &e->tempo[0]) ||
		    !parse_decimal(dash + 1, strlen(dash + 1), &e->tempo[1]))
			return fail(c, "tempo", "'%s' is not a ramp like 80-120", tok);
		e->ramp = true;
		if (e->bars < 0)
			return fail(c, "tempo", "a ramp needs a length in bars or seconds, not *");
		if ((err = check_tempo(c, e->tempo[0], e, tok)) || (err = check_tempo(c, e->tempo[1], e, tok)))
			return err;
		return 0;
	}
	if (comma) {
		const char *p = tok;

		if (e->bars <= 0)
			return fail(c, "tempo", "a tempo per beat needs a length in bars");
		e->ntempi = 1;
		for (const char *q = tok; *q; q++)
			e->ntempi += *q == ',';
		if (e->ntempi != e->bars * e->meter.beats)
			return fail(c, "tempo", "%d tempi given for %d beats", e->ntempi,
				    e->bars * e->meter.beats);
		e->tempi = calloc((size_t)e->ntempi, sizeof(double));
		if (!e->tempi) {
			fail(c, "tempo", "out of memory for %d tempi", e->ntempi);
			return -ENOMEM;
		}
		for (int i = 0; i < e->ntempi; i++) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);

			if (!parse_decimal(p, len, &e->tempi[i]))
				return fail(c, "tempo", "tempo %d of the list ('%.*s') is not a number",
					    i + 1, (int)len, p);
			if ((err = check_tempo(c, e->tempi[i], e, tok)))
				return err;
			p += len + 1;
		}
		return 0;
	}
	if (!parse_decimal(tok, strlen(tok), &e->tempo[0]))
		return fail(c, "tempo", "'%s' is not a tempo (quarter notes per minute)", tok);
	return check_tempo(c, e->tempo[0], e, tok);
}

/* Anything strtod reads whole ("-1", "1e3", "inf", "nan"): meant as a
 * number, so it is a bad volume rather than a bad pattern. */
static bool looks_numeric(const char *s)
{
	char *end;

	strtod(s, &end);
	return end != s && *end == '\0';
}

static int parse_extra(struct ctx *c, const char *tok, struct entry *e, bool *have_pattern,
		       bool *have_volume)
{
	double v;

	if (strncmp(tok, "sub=", 4) == 0) {
		if (!parse_int(tok + 4, strlen(tok + 4), RAS_SUB_MAX, &e->meter.sub) || e->meter.sub < 1)
			return fail(c, "sub", "'%s' needs a count from 1 to %d", tok + 4, RAS_SUB_MAX);
		return 0;
	}
	if (strncmp(tok, "every=", 6) == 0) {
		if (!parse_int(tok + 6, strlen(tok + 6), 2, &e->meter.every))
			return fail(c, "every", "'%s' must be 1 (every beat), 2 (every other) or 0 (none)",
				    tok + 6);
		return 0;
	}
	if (strchr(tok, '='))
		return fail(c, "option", "unknown key '%s' (known: sub=, every=)", tok);
	if (is_pattern(tok)) {
		/* klick's order is pattern, then volume; one of each. */
		if (*have_pattern)
			return fail(c, "line", "too many fields: a second pattern '%s'", tok);
		if (*have_volume)
			return fail(c, "pattern", "'%s' must come before the volume", tok);
		if ((int)strlen(tok) != e->meter.beats)
			return fail(c, "pattern", "'%s' has %zu beats, the meter %d", tok, strlen(tok),
				    e->meter.beats);
		for (int i = 0; i < e->meter.beats; i++)
			e->meter.pattern[i] = tok[i] == 'X' ? RAS_BEAT_ACCENT :
					      tok[i] == 'x' ? RAS_BEAT_NORMAL : RAS_BEAT_SILENT;
		*have_pattern = true;
		return 0;
	}
	if (*have_volume)
		return fail(c, "line", "too many fields: '%s' after the volume", tok);
	if (parse_decimal(tok, strlen(tok), &v)) {
		if (v > 10)
			return fail(c, "volume", "%s is above 10 (a linear gain)", tok);
		e->meter.gain = (float)v;
		*have_volume = true;
		return 0;
	}
	if (*have_pattern || looks_numeric(tok))
		return fail(c, "volume", "'%s' is not a volume (a plain decimal from 0 to 10)", tok);
	return fail(c, "pattern", "'%s' is neither a pattern of X, x and . nor a volume", tok);
}

/* One non-blank line into e. */
static int parse_line(struct ctx *c, char *line, struct entry *e)
{
	char *tok[TOKENS_MAX], *save = NULL, *colon;
	int n = 0, i = 0, err;
	bool have_pattern = false, have_volume = false;

	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == TOKENS_MAX)
			return fail(c, "line", "too many fields");
		tok[n++] = t;
	}
	if (n == 0)
		return fail(c, "bars", "missing");
	colon = strchr(tok[0], ':');
	if (colon) {
		size_t len = (size_t)(colon - tok[0]);

		if (len == 0 || len >= RAS_LABEL_MAX || strspn(tok[0], "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
			return fail(c, "label", "'%.*s' is not a label (letters, digits, _ and -, up to %d)",
				    (int)len, tok[0], RAS_LABEL_MAX - 1);
		memcpy(e->label, tok[0], len);
		if (colon[1])
			tok[0] = colon + 1;
		else
			i++;
	}
	if (i >= n)
		return fail(c, "bars", "missing");
	if ((err = parse_length(c, tok[i++], e)))
		return err;
	if (i < n && strchr(tok[i], '/') && (err = parse_meter(c, tok[i++], e)))
		return err;
	if (i >= n)
		return fail(c, "tempo", "missing");
	if ((err = parse_tempo(c, tok[i++], e)))
		return err;
	for (; i < n; i++)
		if ((err = parse_extra(c, tok[i], e, &have_pattern, &have_volume)))
			return err;
	return 0;
}

static int add_entry(struct ctx *c, struct ras_schedule *s, const struct entry *e)
{
	const double f = e->meter.denom / 4.0;	/* quarter notes to beats */
	const double beats = e->bars > 0 ? (double)e->bars * e->meter.beats : -1;
	const double seconds = e->bars == 0 ? e->seconds : -1;
	struct ras_meter m = e->meter;
	int err = 0;

	memcpy(m.label, e->label, sizeof(m.label));
	if (e->tempi) {
		for (int i = 0; i < e->ntempi; i++)
			if ((err = ras_schedule_add_const(s, &m, e->tempi[i] * f, 1, -1)))
				break;
	} else if (e->ramp && e->bars > 0) {
		err = ras_schedule_add_ramp_beats(s, &m, e->tempo[0] * f, e->tempo[1] * f, beats);
	} else if (e->ramp) {
		err = ras_schedule_add_ramp_time(s, &m, e->tempo[0] * f, e->tempo[1] * f, seconds);
	} else {
		err = ras_schedule_add_const(s, &m, e->tempo[0] * f, beats, seconds);
	}
	if (err == -ENOSPC || err == -ENOMEM)
		return fail(c, "line", "out of room for sections");
	if (err)
		return fail(c, "line", "section rejected");
	return 0;
}

int ras_tempomap_parse(const char *text, const char *name, const struct ras_meter *meter,
		       struct ras_schedule **out, char *err, size_t errlen)
{
	struct ctx c = { .name = name, .err = err, .errlen = errlen };
	struct ras_schedule *s = NULL;
	char *copy = NULL, *line, *next;
	int capacity = RAS_SCHEDULE_SPARE, ret = 0;
	bool open_ended = false;

	*out = NULL;
	for (const char *p = text; *p; p++)
		capacity += *p == '\n' || *p == ',';
	copy = strdup(text);
	s = ras_schedule_new(capacity + 1);
	if (!copy || !s) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (line = copy; line; line = next) {
		struct entry e;
		char *hash;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		c.line++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		if (open_ended) {
			ret = fail(&c, "bars", "a section after one that lasts for ever (*)");
			goto out;
		}
		memset(&e, 0, sizeof(e));
		e.meter = *meter;
		ras_meter_set_beats(&e.meter, 4);
		e.meter.denom = 4;
		ret = parse_line(&c, line, &e);
		if (!ret)
			ret = add_entry(&c, s, &e);
		free(e.tempi);
		if (ret)
			goto out;
		open_ended = e.bars < 0;
	}
	if (ras_schedule_count(s) == 0) {
		c.line = 0;
		ret = fail(&c, "", "no sections (a line is: [label:] bars [meter] tempo [pattern] [volume])");
	}
out:
	free(copy);
	if (ret)
		ras_schedule_free(s);
	else
		*out = s;
	return ret;
}

int ras_tempomap_load(const char *path, const struct ras_meter *meter,
		      struct ras_schedule **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len;
	int ret;

	*out = NULL;
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	buf = malloc(MAP_FILE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	errno = 0;
	len = fread(buf, 1, MAP_FILE_MAX + 1, f);
	if (ferror(f)) {
		/* fopen() opens a directory; reading it says EISDIR. */
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
		goto out;
	}
	if (len > MAP_FILE_MAX) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s: larger than %d bytes: not a tempo map", path, MAP_FILE_MAX);
		goto out;
	}
	if (memchr(buf, '\0', len)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: binary data: not a tempo map", path);
		goto out;
	}
	buf[len] = '\0';
	ret = ras_tempomap_parse(buf, path, meter, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return ret;
}

struct ras_schedule *ras_tempomap_constant(const struct ras_meter *m, double bpm)
{
	struct ras_schedule *s = ras_schedule_new(1 + RAS_SCHEDULE_SPARE);

	if (s && ras_schedule_add_const(s, m, bpm, -1, -1)) {
		ras_schedule_free(s);
		s = NULL;
	}
	return s;
}

struct ras_schedule *ras_tempomap_ramp(const struct ras_meter *m, double from, double to,
				       double seconds)
{
	struct ras_schedule *s = ras_schedule_new(2 + RAS_SCHEDULE_SPARE);

	if (s && (ras_schedule_add_ramp_time(s, m, from, to, seconds) ||
		  ras_schedule_add_const(s, m, to, -1, -1))) {
		ras_schedule_free(s);
		s = NULL;
	}
	return s;
}

struct ras_schedule *ras_tempomap_steps(const struct ras_meter *m, double base,
					double percent, double seconds, double max)
{
	struct ras_schedule *s;
	double step = base * percent / 100;
	int n;

	if (!(seconds > 0) || !isfinite(step) || step == 0 || !isfinite(max) ||
	    (step > 0 ? max < base : max > base))
		return NULL;
	/* Steps until the limit, the last one clipped to it; compared as a
	 * double first: a tiny step would overflow the int. */
	double steps = ceil((max - base) / step - 1e-9);

	if (!(steps <= 100000))
		return NULL;
	n = (int)steps;
	s = ras_schedule_new(n + 1 + RAS_SCHEDULE_SPARE);
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (ras_schedule_add_const(s, m, base + i * step, -1, seconds))
			goto fail;
	}
	if (ras_schedule_add_const(s, m, max, -1, -1))
		goto fail;
	return s;
fail:
	ras_schedule_free(s);
	return NULL;
}

struct ras_schedule *ras_tempomap_countin(const struct ras_schedule *s, int bars)
{
	const struct ras_section *first = ras_schedule_section(s, 0);
	int count = ras_schedule_count(s);
	struct ras_schedule *d;
	struct ras_meter m;
	long double seconds, beats;

	if (!first || bars < 1)
		return NULL;
	d = ras_schedule_new(count + 1 + RAS_SCHEDULE_SPARE);
	if (!d)
		return NULL;
	m = first->meter;
	/*
	 * A count-in exists to give the tempo: every beat sounds, whatever
	 * the opening section silences (a '.' in its pattern, every=0, a
	 * volume of 0). Its level is the count-in part's own gain.
	 */
	ras_meter_set_beats(&m, first->meter.beats);
	m.countin = true;
	m.every = 1;
	m.sub = 1;
	m.gain = 1.0f;
	snprintf(m.label, sizeof(m.label), "count-in");
	beats = (long double)bars * m.beats;
	if (ras_schedule_add_const(d, &m, (double)first->bpm0, (double)beats, -1))
		goto fail;
	seconds = ras_schedule_end_time(d);
	/* The rest, moved by the count-in: start times shift by a constant,
	 * so each section keeps its own closed form. */
	for (int i = 0; i < count; i++) {
		if (ras_schedule_append_copy(d, ras_schedule_section(s, i), seconds, beats))
			goto fail;
	}
	return d;
fail:
	ras_schedule_free(d);
	return NULL;
}

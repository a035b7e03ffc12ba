/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rasbeat/bed.h"
#include "rasbeat/decimal.h"
#include "rasbeat/inifile.h"
#include "rasbeat/program.h"

#define ITEMS 64
#define VAL_MAX RAS_PROGRAM_TEXT_MAX

static const char *const type_names[] = { "breathing", "stretching", "relaxation" };
/* What the cycle and its segments are called, per type. */
static const char *const on_names[] = { "inhale", "hold", "tense" };
static const char *const off_names[] = { "exhale", "release", "release" };
static const char *const cycle_names[] = { "breath", "rep", "group" };

#define B (1u << RAS_PROGRAM_BREATHING)
#define S (1u << RAS_PROGRAM_STRETCHING)
#define R (1u << RAS_PROGRAM_RELAXATION)

enum key {
	K_NAME, K_DESCRIPTION, K_GAIN, K_PROGRAM,
	K_INHALE, K_EXHALE, K_MINUTES, K_CYCLES, K_START_RATE,
	K_HOLD, K_RELEASE, K_REPS, K_COUNT, K_TENSE, K_GROUPS, K_BED,
	K_N,
};

static const struct {
	const char *name;
	unsigned types;
} keys[K_N] = {
	[K_NAME] = { "name", B | S | R },
	[K_DESCRIPTION] = { "description", B | S | R },
	[K_GAIN] = { "gain", B | S | R },
	[K_PROGRAM] = { "program", B | S | R },
	[K_INHALE] = { "inhale", B },
	[K_EXHALE] = { "exhale", B },
	[K_MINUTES] = { "minutes", B },
	[K_CYCLES] = { "cycles", B },
	[K_START_RATE] = { "start_rate", B },
	[K_HOLD] = { "hold", S },
	[K_RELEASE] = { "release", S | R },
	[K_REPS] = { "reps", S },
	[K_COUNT] = { "count", S },
	[K_TENSE] = { "tense", R },
	[K_GROUPS] = { "groups", R },
	[K_BED] = { "bed", B | S | R },
};

const char *ras_program_type_name(enum ras_program_type type)
{
	return type >= RAS_PROGRAM_BREATHING && type <= RAS_PROGRAM_RELAXATION ? type_names[type] : "?";
}

/* ---- building ---- */

static bool in(double x, double lo, double hi)
{
	return x >= lo && x <= hi;	/* false for NAN */
}

/* Cycle i's period: from 60 / start_rate to on + off, linear in i. */
static double period(const struct ras_program *p, int i)
{
	double p1 = p->on_s + p->off_s;

	if (p->type != RAS_PROGRAM_BREATHING || !(p->start_rate > 0) || p->cycles < 2)
		return p1;
	return 60 / p->start_rate + (p1 - 60 / p->start_rate) * i / (p->cycles - 1);
}

static int check(const struct ras_program *p, char *err, size_t errlen)
{
	const char *t = ras_program_type_name(p->type);

	if (!strcmp(t, "?"))
		return snprintf(err, errlen, "unknown program type %d", (int)p->type), -EINVAL;
	if (!in(p->on_s, RAS_PROGRAM_SEG_MIN, RAS_PROGRAM_SEG_MAX) ||
	    !in(p->off_s, RAS_PROGRAM_SEG_MIN, RAS_PROGRAM_SEG_MAX))
		return snprintf(err, errlen, "%s: segments are %g..%g s", t, RAS_PROGRAM_SEG_MIN,
				RAS_PROGRAM_SEG_MAX), -EINVAL;
	if (p->cycles < 1 || p->cycles > RAS_PROGRAM_CYCLES_MAX)
		return snprintf(err, errlen, "%s: %d cycles is outside 1..%d", t, p->cycles,
				RAS_PROGRAM_CYCLES_MAX), -EINVAL;
	if (p->type == RAS_PROGRAM_STRETCHING && p->count &&
	    (p->on_s != floor(p->on_s) || p->on_s > RAS_SCHEDULE_SUB_MAX))
		return snprintf(err, errlen, "stretching: a counted hold is whole seconds up to %d",
				RAS_SCHEDULE_SUB_MAX), -EINVAL;
	if (p->type == RAS_PROGRAM_BREATHING && p->start_rate &&
	    !in(60 / p->start_rate * p->on_s / (p->on_s + p->off_s), RAS_PROGRAM_SEG_MIN,
		RAS_PROGRAM_SEG_MAX))
		return snprintf(err, errlen, "breathing: start_rate %g makes segments outside %g..%g s",
				p->start_rate, RAS_PROGRAM_SEG_MIN, RAS_PROGRAM_SEG_MAX), -EINVAL;
	if (p->type == RAS_PROGRAM_BREATHING && p->start_rate &&
	    !in(60 / p->start_rate * p->off_s / (p->on_s + p->off_s), RAS_PROGRAM_SEG_MIN,
		RAS_PROGRAM_SEG_MAX))
		return snprintf(err, errlen, "breathing: start_rate %g makes segments outside %g..%g s",
				p->start_rate, RAS_PROGRAM_SEG_MIN, RAS_PROGRAM_SEG_MAX), -EINVAL;
	if (p->type == RAS_PROGRAM_RELAXATION && p->groups && p->groups != p->cycles)
		return snprintf(err, errlen, "relaxation: %d groups named for %d cycles", p->groups,
				p->cycles), -EINVAL;
	return 0;
}

int ras_program_build(const struct ras_program *p, struct ras_schedule **out, char *err,
		      size_t errlen)
{
	struct ras_schedule *s;
	struct ras_meter on, off;
	int ret;

	*out = NULL;
	if ((ret = check(p, err, errlen)))
		return ret;
	s = ras_schedule_new(2 * p->cycles + 2);
	if (!s)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	/* One beat per segment: its cue, its part, and the count as its ticks. */
	ras_meter_default(&on);
	ras_meter_set_beats(&on, 1);
	on.pattern[0] = RAS_BEAT_ACCENT;
	snprintf(on.label, sizeof(on.label), "%s", on_names[p->type]);
	off = on;
	off.pattern[0] = RAS_BEAT_NORMAL;
	snprintf(off.label, sizeof(off.label), "%s", off_names[p->type]);
	for (int i = 0; i < p->cycles; i++) {
		double k = period(p, i) / (p->on_s + p->off_s);
		double a = p->on_s * k, b = p->off_s * k;

		on.sub = p->type == RAS_PROGRAM_STRETCHING && p->count ? (int)a : 1;
		if ((ret = ras_schedule_add_const(s, &on, 60 / a, 1, -1)) ||
		    (ret = ras_schedule_add_const(s, &off, 60 / b, 1, -1))) {
			ras_schedule_free(s);
			return snprintf(err, errlen, "cannot build the program: %s", strerror(-ret)), ret;
		}
	}
	*out = s;
	return 0;
}

double ras_program_segment_time(const struct ras_program *p, int64_t beat, double *len)
{
	int64_t i = beat / 2;
	double t = 0, k;

	for (int64_t j = 0; j < i; j++)
		t += period(p, (int)j);
	k = period(p, (int)i) / (p->on_s + p->off_s);
	if (beat % 2)
		t += p->on_s * k;
	if (len)
		*len = (beat % 2 ? p->off_s : p->on_s) * k;
	return t;
}

void ras_program_describe(const struct ras_program *p, int64_t beat, char *buf, size_t len)
{
	int i = (int)(beat / 2);
	bool on = beat % 2 == 0;
	const char *what = on ? on_names[p->type] : off_names[p->type];
	double seg;

	ras_program_segment_time(p, beat, &seg);
	if (p->type == RAS_PROGRAM_RELAXATION && i < p->groups)
		snprintf(buf, len, "%s %s %.3g s (%d/%d)", what, p->group[i], seg, i + 1, p->cycles);
	else
		snprintf(buf, len, "%s %.3g s%s (%s %d/%d)", what, seg,
			 on && p->type == RAS_PROGRAM_STRETCHING && p->count ? ", counting" : "",
			 cycle_names[p->type], i + 1, p->cycles);
}

/* ---- reading ---- */

struct item {
	int key;			/* enum key; -1 unknown, -2 a section */
	int line;
	char name[32];
	char value[VAL_MAX];
};

struct parser {
	struct ras_ini ini;		/* lines, the first error, the C locale */
	bool program;			/* program= seen in [session] */
	char section[RAS_PROGRAM_NAME_MAX];
	bool in_section;
	struct item item[ITEMS];
	int n, too_many;
};

static struct item *add(struct parser *ps)
{
	if (ps->n == ITEMS) {
		if (!ps->too_many)
			ps->too_many = ps->ini.line;
		return NULL;
	}
	return &ps->item[ps->n++];
}

/* Everything is kept and judged after the whole file is read: only then is
 * it known to be a program (program= may come last) or a gait session. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parser *ps = user;
	struct item *it, *last = ps->n ? &ps->item[ps->n - 1] : NULL;
	int k = 0;

	if (!ps->in_section || strcmp(section, ps->section)) {
		ps->in_section = true;
		snprintf(ps->section, sizeof(ps->section), "%s", section);
		if (*section && strcmp(section, "session") && (it = add(ps))) {
			it->key = -2;
			it->line = ps->ini.line;
			snprintf(it->name, sizeof(it->name), "[%s]", section);
		}
		last = NULL;
	}
	if (!*section) {
		if ((it = add(ps))) {
			it->key = -3;
			it->line = ps->ini.line;
			snprintf(it->name, sizeof(it->name), "%s", name);
		}
		return 1;
	}
	if (strcmp(section, "session"))
		return 1;
	while (k < K_N && strcmp(name, keys[k].name))
		k++;
	if (k == K_PROGRAM)
		ps->program = true;
	/* An indented line goes on with the key above: description only. */
	if (ps->ini.indented && last && !strcmp(last->name, name)) {
		size_t n = strlen(last->value);

		if (k != K_DESCRIPTION) {
			last->key = -4;
			last->line = ps->ini.line;
			return 1;
		}
		if (n + 1 + strlen(value) >= VAL_MAX) {
			last->key = -5;
			last->line = ps->ini.line;
			return 1;
		}
		if (n)
			last->value[n++] = ' ';
		strcpy(last->value + n, value);
		return 1;
	}
	if (!(it = add(ps)))
		return 1;
	it->key = k == K_N ? -1 : k;
	it->line = ps->ini.line;
	snprintf(it->name, sizeof(it->name), "%s", name);
	if (strlen(value) >= RAS_PROGRAM_TEXT_MAX)
		it->key = -5;
	else
		strcpy(it->value, value);
	return 1;
}

static int number(struct parser *ps, const struct item *it, double lo, double hi, bool integer,
		  const char *unit, double *out)
{
	if (!ras_decimal(it->value, out))
		return ras_ini_fail(&ps->ini, it->line, it->name, "'%s' is not a number",
				    it->value);
	if (integer && *out != floor(*out))
		return ras_ini_fail(&ps->ini, it->line, it->name, "'%s' is not a whole number",
				    it->value);
	if (!in(*out, lo, hi))
		return ras_ini_fail(&ps->ini, it->line, it->name, "%s is outside %g..%g%s",
				    it->value, lo, hi, unit);
	return 0;
}

static int groups(struct parser *ps, const struct item *it, struct ras_program *p)
{
	const char *v = it->value;

	p->groups = 0;
	for (;;) {
		const char *e = strchr(v, ',');
		size_t n = e ? (size_t)(e - v) : strlen(v);

		while (n && (*v == ' ' || *v == '\t'))
			v++, n--;
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (!n)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "an empty group name (list them a, b, c)");
		if (n >= RAS_PROGRAM_GROUP_MAX)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "group '%.*s' is longer than %d characters", (int)n, v,
					    RAS_PROGRAM_GROUP_MAX - 1);
		if (p->groups == RAS_PROGRAM_GROUPS_MAX)
			return ras_ini_fail(&ps->ini, it->line, it->name, "more than %d groups",
					    RAS_PROGRAM_GROUPS_MAX);
		memcpy(p->group[p->groups], v, n);
		p->group[p->groups++][n] = '\0';
		if (!e)
			return 0;
		v = e + 1;
	}
}

static int judge(struct parser *ps, struct ras_program *p)
{
	const struct item *at[K_N] = { NULL };
	double x;
	int ret = 0;

	if (ps->ini.long_line)
		return ras_ini_fail(&ps->ini, ps->ini.long_line, NULL,
				    "line too long: continue a description on indented lines");
	if (ps->too_many)
		return ras_ini_fail(&ps->ini, ps->too_many, NULL, "more than %d keys", ITEMS);
	/* The type first: which keys belong is known only from it. */
	for (int i = 0; i < ps->n; i++)
		if (ps->item[i].key == K_PROGRAM && !at[K_PROGRAM])
			at[K_PROGRAM] = &ps->item[i];
	/* None left when program= itself went on over an indented line (its
	 * item then holds that error, key -4). */
	for (int i = 0; i < ps->n && !at[K_PROGRAM]; i++)
		if (!strcmp(ps->item[i].name, "program"))
			return ras_ini_fail(&ps->ini, ps->item[i].line, "program",
					    "indented line: only description= goes on over indented lines; start keys at the beginning of a line");
	for (int t = 0; t <= RAS_PROGRAM_RELAXATION; t++)
		if (!strcmp(at[K_PROGRAM]->value, type_names[t]))
			p->type = (enum ras_program_type)t;
	if (strcmp(at[K_PROGRAM]->value, type_names[p->type]))
		return ras_ini_fail(&ps->ini, at[K_PROGRAM]->line, "program",
				    "'%s' is not breathing, stretching or relaxation",
				    at[K_PROGRAM]->value);
	at[K_PROGRAM] = NULL;
	for (int i = 0; i < ps->n && !ret; i++) {
		const struct item *it = &ps->item[i];
		const char *t = type_names[p->type];

		switch (it->key) {
		case -2:
			return ras_ini_fail(&ps->ini, it->line, NULL,
					    "%s: a %s program has no phases: put every key in [session]",
					    it->name, t);
		case -3:
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "outside a section: start with [session]");
		case -4:
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "indented line: only description= goes on over indented lines; start keys at the beginning of a line");
		case -5:
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "longer than %d characters", RAS_PROGRAM_TEXT_MAX - 1);
		case -1:
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "unknown key in a %s program", t);
		}
		if (at[it->key])
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "given twice (first on line %d)", at[it->key]->line);
		at[it->key] = it;
		if (!(keys[it->key].types & (1u << p->type)))
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "not a key of %s programs", t);
		switch (it->key) {
		case K_NAME:
			if (strlen(it->value) >= sizeof(p->name))
				return ras_ini_fail(&ps->ini, it->line, it->name,
						    "longer than %zu characters",
						    sizeof(p->name) - 1);
			strcpy(p->name, it->value);
			break;
		case K_DESCRIPTION:
			strcpy(p->description, it->value);
			break;
		case K_GAIN:
			ret = number(ps, it, -60, 0, false, " dB", &p->gain_db);
			break;
		case K_BED: {
			struct ras_bed_config bc;
			char why[256];

			/* Checked now; the caller makes the bed. */
			if (ras_bed_parse(it->value, &bc, why, sizeof(why)) ||
			    strlen(it->value) >= sizeof(p->bed))
				return ras_ini_fail(&ps->ini, it->line, it->name, "%s",
						    why + (strncmp(why, "--bed: ", 7) ? 0 : 7));
			strcpy(p->bed, it->value);
			break;
		}
		case K_INHALE:
		case K_HOLD:
		case K_TENSE:
			ret = number(ps, it, RAS_PROGRAM_SEG_MIN, RAS_PROGRAM_SEG_MAX, false, " s",
				     &p->on_s);
			break;
		case K_EXHALE:
		case K_RELEASE:
			ret = number(ps, it, RAS_PROGRAM_SEG_MIN, RAS_PROGRAM_SEG_MAX, false, " s",
				     &p->off_s);
			break;
		case K_MINUTES:
			ret = number(ps, it, 1, 120, false, " min", &x);
			break;
		case K_CYCLES:
		case K_REPS:
			ret = number(ps, it, 1, RAS_PROGRAM_CYCLES_MAX, true, "", &x);
			if (!ret)	/* x is out of int's range when refused */
				p->cycles = (int)x;
			break;
		case K_START_RATE:
			ret = number(ps, it, 1, 30, false, " breaths/min", &p->start_rate);
			break;
		case K_COUNT:
			if (!strcasecmp(it->value, "yes") || !strcasecmp(it->value, "true") ||
			    !strcasecmp(it->value, "on") || !strcmp(it->value, "1"))
				p->count = true;
			else if (!strcasecmp(it->value, "no") || !strcasecmp(it->value, "false") ||
				 !strcasecmp(it->value, "off") || !strcmp(it->value, "0"))
				p->count = false;
			else
				return ras_ini_fail(&ps->ini, it->line, it->name,
						    "'%s' is not yes or no", it->value);
			break;
		case K_GROUPS:
			ret = groups(ps, it, p);
			p->cycles = p->groups;
			break;
		}
	}
	if (ret)
		return ret;
	{
		static const int need[][3] = {
			[RAS_PROGRAM_BREATHING] = { K_INHALE, K_EXHALE, -1 },
			[RAS_PROGRAM_STRETCHING] = { K_HOLD, K_RELEASE, K_REPS },
			[RAS_PROGRAM_RELAXATION] = { K_TENSE, K_RELEASE, K_GROUPS },
		};
		const struct item *pr = NULL;

		for (int i = 0; i < ps->n; i++)
			if (ps->item[i].key == K_PROGRAM)
				pr = &ps->item[i];
		for (int i = 0; i < 3; i++)
			if (need[p->type][i] >= 0 && !at[need[p->type][i]])
				return ras_ini_fail(&ps->ini, pr->line, keys[need[p->type][i]].name,
						    "missing: a %s program needs it",
						    type_names[p->type]);
		if (p->type == RAS_PROGRAM_BREATHING) {
			if (at[K_MINUTES] && at[K_CYCLES])
				return ras_ini_fail(&ps->ini, at[K_CYCLES]->line, "cycles",
						    "give minutes= or cycles=, not both");
			if (!at[K_MINUTES] && !at[K_CYCLES])
				return ras_ini_fail(&ps->ini, pr->line, "minutes",
						    "missing: a breathing program needs minutes= or cycles=");
			if (at[K_MINUTES]) {
				double mean = p->start_rate ?
					      (60 / p->start_rate + p->on_s + p->off_s) / 2 :
					      p->on_s + p->off_s;

				ras_decimal(at[K_MINUTES]->value, &x);
				x = round(x * 60 / mean);
				if (x > RAS_PROGRAM_CYCLES_MAX)
					return ras_ini_fail(&ps->ini, at[K_MINUTES]->line,
							    "minutes",
							    "%s minutes is more than %d breaths",
							    at[K_MINUTES]->value,
							    RAS_PROGRAM_CYCLES_MAX);
				p->cycles = x < 1 ? 1 : (int)x;
			}
			if (at[K_START_RATE] && check(p, ps->ini.err, ps->ini.errlen))
				return ras_ini_fail(&ps->ini, at[K_START_RATE]->line, "start_rate",
						    "%s breaths/min makes a segment shorter than %g or longer than %g s",
						    at[K_START_RATE]->value, RAS_PROGRAM_SEG_MIN,
						    RAS_PROGRAM_SEG_MAX);
		}
		if (p->type == RAS_PROGRAM_STRETCHING && p->count &&
		    (p->on_s != floor(p->on_s) || p->on_s > RAS_SCHEDULE_SUB_MAX))
			return ras_ini_fail(&ps->ini, at[K_HOLD]->line, "hold",
					    "a counted hold is whole seconds up to %d (or count = no)",
					    RAS_SCHEDULE_SUB_MAX);
	}
	return 0;
}

static void defaults(struct ras_program *p)
{
	*p = (struct ras_program){ .gain_db = RAS_PROGRAM_GAIN_DB };
}

static int parse(FILE *f, const char *file, struct ras_program *p, char *err, size_t errlen)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	const char *base = strrchr(file, '/');
	int ret;

	if (!ps) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	ras_ini_init(&ps->ini, f, file, err, errlen);
	ret = ras_ini_parse(&ps->ini, handler, ps);
	if (ret == -2) {
		snprintf(err, errlen, "%s: out of memory", file);
		ret = -ENOMEM;
	} else if (!ps->program) {
		ret = -ENODATA;		/* a gait session: session.c reads it */
	} else if (ret > 0) {
		/* inih's own complaint: a line neither [section] nor key = value */
		ret = ras_ini_fail(&ps->ini, ret, NULL,
				   "syntax error (expected [section] or key = value)");
	} else {
		defaults(p);
		ret = judge(ps, p);
		if (!ret && !p->name[0]) {
			/* the file's base name, as for gait sessions */
			snprintf(p->name, sizeof(p->name), "%s", base ? base + 1 : file);
			if (strrchr(p->name, '.'))
				*strrchr(p->name, '.') = '\0';
		}
	}
	free(ps);
	return ret;
}

int ras_program_load(const char *path, struct ras_program *p, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = parse(f, path, p, err, errlen);
	fclose(f);
	return ret;
}

int ras_program_parse(const char *text, const char *name, struct ras_program *p, char *err,
		      size_t errlen)
{
	FILE *f = NULL;
	int ret;

	if (*text && !(f = fmemopen((void *)text, strlen(text), "r"))) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-ret));
		return ret;
	}
	ret = parse(f, name, p, err, errlen);
	if (f)
		fclose(f);
	return ret;
}

bool ras_program_probe(const char *path)
{
	struct ras_program *p = malloc(sizeof(*p));
	char err[8];
	int ret;

	if (!p)
		return false;
	ret = ras_program_load(path, p, err, sizeof(err));
	free(p);
	/* A broken program file is still a program: its error comes later. */
	return ret == 0 || ret == -EINVAL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Groove pattern files (midi.h, docs/music.md): INI through inifile.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "midi-priv.h"
#include "rasbeat/decimal.h"
#include "rasbeat/inifile.h"
#include "rasbeat/schedule.h"

#define ITEMS 256
#define VAL_MAX 1024
#define NAME_MAX_ 32
#define BARS_MAX 16
#define STEPS_MAX 12
#define CHORD_MAX 6
#define MELODIC_MAX 15		/* 16 channels but the drums' */

struct item {
	int line;
	char section[NAME_MAX_];
	char name[NAME_MAX_];
	char value[VAL_MAX];
	bool used;
};

struct parser {
	struct ras_ini ini;
	struct item *item;
	int n, too_many, too_long, bad_name;
	/* [groove] */
	int beats, steps, bars, kit;
	double swing;
};

/* Everything is kept and judged after the whole file is read: [groove]
 * (the grid) may come after the instruments. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parser *ps = user;
	struct item *last = ps->n ? &ps->item[ps->n - 1] : NULL, *it;

	if (ps->ini.indented && last && !strcmp(last->section, section) &&
	    !strcmp(last->name, name)) {
		size_t n = strlen(last->value);

		if (n + 1 + strlen(value) >= VAL_MAX) {
			if (!ps->too_long)
				ps->too_long = ps->ini.line;
			return 1;
		}
		last->value[n] = ' ';
		strcpy(last->value + n + 1, value);
		return 1;
	}
	if (ps->n == ITEMS) {
		if (!ps->too_many)
			ps->too_many = ps->ini.line;
		return 1;
	}
	if ((strlen(section) >= NAME_MAX_ || strlen(name) >= NAME_MAX_) && !ps->bad_name)
		ps->bad_name = ps->ini.line;
	if (strlen(value) >= VAL_MAX && !ps->too_long)
		ps->too_long = ps->ini.line;
	it = &ps->item[ps->n++];
	it->line = ps->ini.line;
	snprintf(it->section, sizeof(it->section), "%s", section);
	snprintf(it->name, sizeof(it->name), "%s", name);
	snprintf(it->value, sizeof(it->value), "%s", value);
	return 1;
}

static int integer(struct parser *ps, const struct item *it, int lo, int hi, int *out)
{
	double x;

	if (!ras_decimal(it->value, &x) || x != floor(x))
		return ras_ini_fail(&ps->ini, it->line, it->name, "'%s' is not a whole number",
				    it->value);
	if (x < lo || x > hi)
		return ras_ini_fail(&ps->ini, it->line, it->name, "%s is outside %d..%d", it->value,
				    lo, hi);
	*out = (int)x;
	return 0;
}

static int number(struct parser *ps, const struct item *it, double lo, double hi, double *out)
{
	if (!ras_decimal(it->value, out))
		return ras_ini_fail(&ps->ini, it->line, it->name, "'%s' is not a number",
				    it->value);
	if (!(*out >= lo && *out <= hi))
		return ras_ini_fail(&ps->ini, it->line, it->name, "%s is outside %g..%g", it->value,
				    lo, hi);
	return 0;
}

static int boolean(struct parser *ps, const struct item *it, bool *out)
{
	if (!strcasecmp(it->value, "yes") || !strcasecmp(it->value, "true") ||
	    !strcasecmp(it->value, "on") || !strcmp(it->value, "1"))
		*out = true;
	else if (!strcasecmp(it->value, "no") || !strcasecmp(it->value, "false") ||
		 !strcasecmp(it->value, "off") || !strcmp(it->value, "0"))
		*out = false;
	else
		return ras_ini_fail(&ps->ini, it->line, it->name, "'%s' is not yes or no",
				    it->value);
	return 0;
}

static int groove_section(struct parser *ps)
{
	const struct item *seen[5] = { NULL };
	static const char *const keys[] = { "meter", "steps", "bars", "swing", "kit" };
	int ret = 0;

	ps->beats = 4;
	ps->steps = 4;
	ps->bars = 1;
	ps->swing = 50;
	for (int i = 0; i < ps->n && !ret; i++) {
		struct item *it = &ps->item[i];
		int k = 0;

		if (strcmp(it->section, "groove"))
			continue;
		it->used = true;
		if (!strcmp(it->name, "name") || !strcmp(it->name, "description"))
			continue;
		while (k < 5 && strcmp(it->name, keys[k]))
			k++;
		if (k == 5)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "unknown key in [groove] (meter, steps, bars, swing, kit, name, description)");
		if (seen[k])
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "given twice (first on line %d)", seen[k]->line);
		seen[k] = it;
		switch (k) {
		case 0: {
			int b, d, end = 0;

			if (sscanf(it->value, "%d/%d%n", &b, &d, &end) != 2 || it->value[end] ||
			    b < 1 || b > RAS_METER_MAX || (d != 2 && d != 4 && d != 8 && d != 16))
				return ras_ini_fail(&ps->ini, it->line, it->name,
						    "'%s' is not a meter: beats/note value, 1..%d beats of 2, 4, 8 or 16",
						    it->value, RAS_METER_MAX);
			ps->beats = b;
			break;
		}
		case 1:
			ret = integer(ps, it, 1, STEPS_MAX, &ps->steps);
			break;
		case 2:
			ret = integer(ps, it, 1, BARS_MAX, &ps->bars);
			break;
		case 3:
			ret = number(ps, it, 50, 75, &ps->swing);
			break;
		case 4:
			ret = integer(ps, it, 0, 127, &ps->kit);
			break;
		}
	}
	return ret;
}

/* Music beat of grid step s (from the loop's start), swing included. */
static double step_beat(const struct parser *ps, int s)
{
	double b = (double)s / ps->steps;

	if (s % 2)
		b += (ps->swing - 50) / 50 / ps->steps;
	return b;
}

/* A letter A..G and an optional # or b: its semitone from C (Cb is -1),
 * *p moved past it; false when it is not one. */
static bool pitch_class(const char **p, int *pc)
{
	static const int c[] = { 9, 11, 0, 2, 4, 5, 7 };	/* A..G */

	if (**p < 'A' || **p > 'G')
		return false;
	*pc = c[**p - 'A'];
	(*p)++;
	if (**p == '#')
		(*pc)++, (*p)++;
	else if (**p == 'b')
		(*pc)--, (*p)++;
	return true;
}

static int note(const char *tok, size_t len, int *out)
{
	const char *p = tok;
	int pc, oct = 0, sign = 1, digits = 0;

	if (!pitch_class(&p, &pc))
		return -1;
	if (*p == '-')
		sign = -1, p++;
	while (p < tok + len && isdigit((unsigned char)*p) && digits < 2)
		oct = oct * 10 + (*p++ - '0'), digits++;
	if (!digits || p != tok + len)
		return -1;
	*out = 12 * (sign * oct + 1) + pc;
	return *out >= 0 && *out <= 127 ? 0 : -1;
}

static int chord(const char *tok, size_t len, int octave, int *keys)
{
	static const struct {
		const char *name;
		int n, iv[4];
	} q[] = {
		{ "", 3, { 0, 4, 7 } },       { "maj", 3, { 0, 4, 7 } },
		{ "m", 3, { 0, 3, 7 } },      { "min", 3, { 0, 3, 7 } },
		{ "7", 4, { 0, 4, 7, 10 } },  { "maj7", 4, { 0, 4, 7, 11 } },
		{ "m7", 4, { 0, 3, 7, 10 } }, { "dim", 3, { 0, 3, 6 } },
		{ "aug", 3, { 0, 4, 8 } },    { "sus2", 3, { 0, 2, 7 } },
		{ "sus4", 3, { 0, 5, 7 } },   { "6", 4, { 0, 4, 7, 9 } },
		{ "m6", 4, { 0, 3, 7, 9 } },  { "add9", 4, { 0, 4, 7, 14 } },
	};
	const char *p = tok;
	int pc;

	if (!pitch_class(&p, &pc))
		return -1;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (strlen(q[i].name) != (size_t)(tok + len - p) ||
		    strncmp(p, q[i].name, tok + len - p))
			continue;
		for (int k = 0; k < q[i].n; k++) {
			keys[k] = 12 * (octave + 1) + pc + q[i].iv[k];
			if (keys[k] < 0 || keys[k] > 127)
				return -1;
		}
		return q[i].n;
	}
	return -1;
}

struct step {
	uint8_t kind;		/* 0 rest, 1 hold, 2 note(s) */
	uint8_t n;
	uint8_t vel;
	uint8_t key[CHORD_MAX];
};

struct instrument {
	const char *name;
	int drum, program;	/* -1 unset; program 0-based */
	int velocity, accent, volume, octave;
	double gate;
	bool chords;
	const struct item *bar[BARS_MAX + 1];	/* [0]: pattern */
	const struct item *first;
};

/* A bar has a step for each point of the grid, no more, no fewer. */
static int bar_length(struct parser *ps, const struct item *it, int n, int want)
{
	if (n != want)
		return ras_ini_fail(&ps->ini, it->line, it->name,
				    "%d steps, %d expected (%d beats x steps = %d)", n, want,
				    ps->beats, ps->steps);
	return 0;
}

static int drum_bar(struct parser *ps, const struct instrument *in, const struct item *it,
		    int b, struct step *st)
{
	int want = ps->beats * ps->steps, n = 0;

	for (const char *p = it->value; *p; p++) {
		uint8_t vel;

		if (*p == ' ' || *p == '\t' || *p == '|')
			continue;
		switch (*p) {
		case '.':
			vel = 0;
			break;
		case 'x':
			vel = (uint8_t)in->velocity;
			break;
		case 'X':
			vel = (uint8_t)in->accent;
			break;
		case 'o':
			vel = (uint8_t)(in->velocity > 1 ? in->velocity / 2 : 1);
			break;
		default:
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "step %d: '%c' is not a drum step ('.' rest, 'x' hit, 'X' accent, 'o' ghost)",
					    n + 1, *p);
		}
		if (n < want) {
			st[b * want + n] = (struct step){ vel ? 2 : 0, vel ? 1 : 0, vel,
							  { (uint8_t)in->drum } };
		}
		n++;
	}
	return bar_length(ps, it, n, want);
}

static int melodic_bar(struct parser *ps, const struct instrument *in, const struct item *it,
		       int b, struct step *st)
{
	int want = ps->beats * ps->steps, n = 0;
	const char *p = it->value;

	for (;;) {
		const char *t;
		size_t len;
		struct step s = { 0 };
		int keys[CHORD_MAX], k;

		while (*p == ' ' || *p == '\t' || *p == '|')
			p++;
		if (!*p)
			break;
		t = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '|')
			p++;
		len = (size_t)(p - t);
		s.vel = (uint8_t)in->velocity;
		if (len > 1 && t[len - 1] == '!')
			len--, s.vel = (uint8_t)in->accent;
		if (len == 1 && *t == '.') {
			s.kind = 0;
		} else if (len == 1 && *t == '-') {
			s.kind = 1;
			if ((b == 0 && n == 0) || (n < want && !st[b * want + n - 1].kind))
				return ras_ini_fail(&ps->ini, it->line, it->name,
						    "step %d: '-' holds a note but none comes before it",
						    n + 1);
		} else if (in->chords) {
			if ((k = chord(t, len, in->octave, keys)) < 0)
				return ras_ini_fail(&ps->ini, it->line, it->name,
						    "step %d: '%.*s' is not a chord (C, Am, G7, Fmaj7, Dm7, Bdim, Caug, Dsus4, A6, Em6, Cadd9)",
						    n + 1, (int)len, t);
			s.kind = 2;
			s.n = (uint8_t)k;
			for (int i = 0; i < k; i++)
				s.key[i] = (uint8_t)keys[i];
		} else {
			if (note(t, len, keys))
				return ras_ini_fail(&ps->ini, it->line, it->name,
						    "step %d: '%.*s' is not a note (C2, F#3, Bb1; C4 is MIDI 60; 0..127)",
						    n + 1, (int)len, t);
			s.kind = 2;
			s.n = 1;
			s.key[0] = (uint8_t)keys[0];
		}
		if (n < want)
			st[b * want + n] = s;
		n++;
	}
	return bar_length(ps, it, n, want);
}

static int instrument_key(struct parser *ps, struct instrument *in, struct item *it)
{
	static const char *const melodic_only[] = { "chords", "octave" };
	int k;

	for (size_t i = 0; i < 2; i++)
		if (!strcmp(it->name, melodic_only[i]) && in->drum >= 0)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "not a key of drum instruments");
	if (!strcmp(it->name, "drum") || !strcmp(it->name, "program")) {
		if (in->drum >= 0 || in->program >= 0)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "[%s] is already a %s: give drum = or program =, not both",
					    in->name, in->drum >= 0 ? "drum" : "program");
		if (!strcmp(it->name, "drum"))
			return integer(ps, it, 0, 127, &in->drum);
		if (integer(ps, it, 1, 128, &k))
			return -EINVAL;
		in->program = k - 1;
		return 0;
	}
	if (!strcmp(it->name, "velocity"))
		return integer(ps, it, 1, 127, &in->velocity);
	if (!strcmp(it->name, "accent"))
		return integer(ps, it, 1, 127, &in->accent);
	if (!strcmp(it->name, "volume"))
		return integer(ps, it, 0, 127, &in->volume);
	if (!strcmp(it->name, "octave"))
		return integer(ps, it, 0, 8, &in->octave);
	if (!strcmp(it->name, "gate"))
		return number(ps, it, 0.05, 1, &in->gate);
	if (!strcmp(it->name, "chords"))
		return boolean(ps, it, &in->chords);
	if (!strcmp(it->name, "pattern")) {
		k = 0;
	} else if (!strncmp(it->name, "bar", 3) && isdigit((unsigned char)it->name[3])) {
		char *end;
		long b = strtol(it->name + 3, &end, 10);

		if (*end || b < 1)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "not a bar (bar1, bar2, ...)");
		if (b > ps->bars)
			return ras_ini_fail(&ps->ini, it->line, it->name,
					    "the groove has %d bar%s (bars = in [groove])",
					    ps->bars, ps->bars > 1 ? "s" : "");
		k = (int)b;
	} else {
		return ras_ini_fail(&ps->ini, it->line, it->name,
				    "unknown key (drum, program, velocity, accent, volume, gate, chords, octave, pattern, bar1..)");
	}
	if (in->bar[k])
		return ras_ini_fail(&ps->ini, it->line, it->name, "given twice (first on line %d)",
				    in->bar[k]->line);
	in->bar[k] = it;
	return 0;
}

/* Read one instrument's keys (items of section `name` from index i0),
 * then turn its bars into events. */
static int instrument(struct parser *ps, int i0, int channel, struct ras_midi *m,
		      struct step *st)
{
	struct instrument in = { ps->item[i0].section, -1, -1, 90, -1, -1, 4, 0.9 };
	int total = ps->bars * ps->beats * ps->steps, ret;
	bool melodic;

	in.first = &ps->item[i0];
	for (int i = i0; i < ps->n; i++) {
		struct item *it = &ps->item[i];

		if (strcmp(it->section, in.name))
			continue;
		it->used = true;
		if ((ret = instrument_key(ps, &in, it)))
			return ret;
	}
	if (in.drum < 0 && in.program < 0)
		return ras_ini_fail(&ps->ini, in.first->line, NULL,
				    "[%s]: give drum = (a GM percussion key) or program = (a GM program 1..128)",
				    in.name);
	melodic = in.program >= 0;
	if (melodic && channel > MELODIC_MAX)
		return ras_ini_fail(&ps->ini, in.first->line, NULL,
				    "[%s]: more than %d melodic instruments", in.name, MELODIC_MAX);
	if (in.accent < 0)
		in.accent = in.velocity + 24 > 127 ? 127 : in.velocity + 24;
	for (int b = 0; b < ps->bars; b++) {
		const struct item *it = in.bar[b + 1] ? in.bar[b + 1] : in.bar[0];

		if (!it)
			return ras_ini_fail(&ps->ini, in.first->line, NULL,
					    "[%s]: bar%d is missing (give pattern = for every bar, or bar1 .. bar%d)",
					    in.name, b + 1, ps->bars);
		ret = melodic ? melodic_bar(ps, &in, it, b, st) : drum_bar(ps, &in, it, b, st);
		if (ret)
			return ret;
	}
	{
		int ch = melodic ? (channel - 1 < RAS_MIDI_DRUMS ? channel - 1 : channel) :
				   RAS_MIDI_DRUMS;

		ret = 0;
		if (melodic)
			ret = midi_add(m, 0, RAS_MIDI_PROGRAM | ch, (uint8_t)in.program, 0);
		if (!ret && in.volume >= 0)
			ret = midi_add(m, 0, RAS_MIDI_CONTROL | ch, 7, (uint8_t)in.volume);
		for (int s = 0; s < total && !ret; s++) {
			int len = 1;
			double on, off;

			if (st[s].kind != 2)
				continue;
			while (s + len < total && st[s + len].kind == 1)
				len++;
			on = step_beat(ps, s);
			off = on + (step_beat(ps, s + len) - on) * in.gate;
			for (int k = 0; k < st[s].n && !ret; k++) {
				ret = midi_add(m, on, RAS_MIDI_NOTE_ON | ch, st[s].key[k], st[s].vel);
				if (!ret)
					ret = midi_add(m, off, RAS_MIDI_NOTE_OFF | ch, st[s].key[k], 0);
			}
		}
		if (ret)
			return snprintf(ps->ini.err, ps->ini.errlen, "%s: out of memory", ps->ini.file),
			       ret;
	}
	return 0;
}

static int judge(struct parser *ps, struct ras_midi *m)
{
	struct step *st;
	int ret, melodic = 0, drums = 0;

	if (ps->ini.long_line)
		return ras_ini_fail(&ps->ini, ps->ini.long_line, NULL,
				    "line too long: go on over indented lines");
	if (ps->too_long)
		return ras_ini_fail(&ps->ini, ps->too_long, NULL, "value longer than %d characters",
				    VAL_MAX - 1);
	if (ps->too_many)
		return ras_ini_fail(&ps->ini, ps->too_many, NULL, "more than %d keys", ITEMS);
	if (ps->bad_name)
		return ras_ini_fail(&ps->ini, ps->bad_name, NULL,
				    "section or key name longer than %d characters", NAME_MAX_ - 1);
	for (int i = 0; i < ps->n; i++)
		if (!*ps->item[i].section)
			return ras_ini_fail(&ps->ini, ps->item[i].line, ps->item[i].name,
					    "outside a section: start with [groove]");
	if ((ret = groove_section(ps)))
		return ret;
	st = calloc((size_t)ps->bars * ps->beats * ps->steps, sizeof(*st));
	if (!st)
		return snprintf(ps->ini.err, ps->ini.errlen, "%s: out of memory", ps->ini.file),
		       -ENOMEM;
	for (int i = 0; i < ps->n && !ret; i++) {
		bool is_drum = false;

		if (ps->item[i].used)
			continue;
		/* which channel: count melodic sections before reading it */
		for (int j = i; j < ps->n; j++)
			if (!strcmp(ps->item[j].section, ps->item[i].section) &&
			    !strcmp(ps->item[j].name, "drum"))
				is_drum = true;
		memset(st, 0, (size_t)ps->bars * ps->beats * ps->steps * sizeof(*st));
		ret = instrument(ps, i, is_drum ? 0 : ++melodic, m, st);
		drums += is_drum;
	}
	free(st);
	if (ret)
		return ret;
	if (!melodic && !drums)
		return ras_ini_fail(&ps->ini, 0, NULL,
				    "no instruments: add a section such as [kick] drum = 36");
	if (drums && (ret = midi_add(m, 0, RAS_MIDI_PROGRAM | RAS_MIDI_DRUMS, (uint8_t)ps->kit, 0)))
		return snprintf(ps->ini.err, ps->ini.errlen, "%s: out of memory", ps->ini.file), ret;
	if ((ret = midi_finish(m, ps->bars * ps->beats, ps->beats)))
		return snprintf(ps->ini.err, ps->ini.errlen, "%s: out of memory", ps->ini.file), ret;
	return 0;
}

int ras_midi_parse_groove(const char *text, const char *name, struct ras_midi **out, char *err,
			  size_t errlen)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	struct ras_midi *m = midi_new();
	FILE *f = NULL;
	int ret;

	*out = NULL;
	if (ps)
		ps->item = calloc(ITEMS, sizeof(*ps->item));
	if (!ps || !ps->item || !m) {
		snprintf(err, errlen, "%s: out of memory", name);
		ret = -ENOMEM;
		goto cleanup;
	}
	ras_ini_init(&ps->ini, NULL, name, err, errlen);
	if (*text && !(f = fmemopen((void *)text, strlen(text), "r"))) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-ret));
		goto cleanup;
	}
	ps->ini.f = f;
	ret = ras_ini_parse(&ps->ini, handler, ps);
	if (ret == -2) {
		snprintf(err, errlen, "%s: out of memory", name);
		ret = -ENOMEM;
	} else if (ret > 0 && ps->ini.long_line && ps->ini.long_line <= ret) {
		ret = ras_ini_fail(&ps->ini, ps->ini.long_line, NULL,
				   "line too long: go on over indented lines");
	} else if (ret > 0) {
		ret = ras_ini_fail(&ps->ini, ret, NULL,
				   "syntax error (expected [section] or key = value)");
	} else {
		ret = judge(ps, m);
	}
	if (!ret) {
		*out = m;
		m = NULL;
	}
cleanup:
	if (f)
		fclose(f);
	ras_midi_free(m);
	if (ps)
		free(ps->item);
	free(ps);
	return ret;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rasbeat/decimal.h"
#include "rasbeat/inifile.h"
#include "rasbeat/measures.h"
#include "rasbeat/session.h"

#define BEATS 8			/* heard beats kept to place steps against */
#define PENDING 8		/* steps waiting for the beat after them */
#define EVENTS 32
#define MIN_STEPS 3		/* two intervals, or no cadence */
#define BAND 1.5		/* intervals this far off the median are missed or extra steps */
#define DESC_MAX 1024
#define SOUND_MAX 256
#define EPS 1e-9

enum key {
	K_TYPE,
	K_SECONDS,
	K_STEPS,
	K_SKIP,
	K_PERCENT,
	K_STEP,
	K_EVERY,
	K_MAX_PERCENT,
	K_R_MIN,
	K_ASYNC_MAX,
	K_WINDOW,
	K_SOUND,
	K_GAIN,
	K_SIDE,
	K_COUNT,
};

#define T(x) (1u << RAS_PHASE_##x)
#define MEASURED (T(BASELINE) | T(POST))
#define CUED (T(CUE) | T(RAMP) | T(FADE))

static const struct key_info {
	const char *name;
	unsigned types;			/* the phases it belongs to */
	double lo, hi;
	bool integer;
	size_t off;			/* in struct ras_phase */
} keys[K_COUNT] = {
	[K_TYPE] = { "type", ~0u },
	[K_SECONDS] = { "seconds", ~0u, 1, 86400, false, offsetof(struct ras_phase, seconds) },
	[K_STEPS] = { "steps", MEASURED, MIN_STEPS, RAS_SESSION_STEPS_MAX, true,
		      offsetof(struct ras_phase, steps) },
	[K_SKIP] = { "skip", MEASURED, 0, 100, true, offsetof(struct ras_phase, skip) },
	[K_PERCENT] = { "percent", T(CUE) | T(RAMP), 50, 200, false,
			offsetof(struct ras_phase, percent) },
	[K_STEP] = { "step", T(RAMP), 0.5, 50, false, offsetof(struct ras_phase, step) },
	[K_EVERY] = { "every", T(RAMP), 5, 3600, false, offsetof(struct ras_phase, every) },
	[K_MAX_PERCENT] = { "max_percent", T(RAMP), 50, 200, false,
			    offsetof(struct ras_phase, max_percent) },
	[K_R_MIN] = { "r_min", T(RAMP), 0, 1, false, offsetof(struct ras_phase, r_min) },
	[K_ASYNC_MAX] = { "async_max_ms", T(RAMP), 1, 1000, false,
			  offsetof(struct ras_phase, async_max_ms) },
	[K_WINDOW] = { "window", T(RAMP), 2, RAS_SESSION_WINDOW_MAX, true,
		       offsetof(struct ras_phase, window) },
	/* Read by phase_key itself; the [session] values are the defaults. */
	[K_SOUND] = { "sound", CUED },
	[K_GAIN] = { "gain", CUED, -60, 12, false, offsetof(struct ras_phase, gain_db) },
	[K_SIDE] = { "side", CUED },
};

static const char *const type_names[] = { "baseline", "cue", "ramp", "fade", "post" };

struct ras_session {
	struct ras_session_config cfg;
	char name[RAS_SESSION_NAME_MAX], description[DESC_MAX], sound[SOUND_MAX];
	double gain_db, tempo;
	enum ras_foot side;
	struct ras_phase phase[RAS_SESSION_PHASES_MAX];
	int nphases;
	/* Distinct per-phase sound= specs, with the line of their first use. */
	char sounds[RAS_SESSION_PHASES_MAX][SOUND_MAX];
	int sound_line[RAS_SESSION_PHASES_MAX];
	int nsounds;

	bool started, done;
	int p;
	double t0, t_end;		/* phase start; planned end, INFINITY: on an event */
	double now;
	int64_t last_frame;
	double ref;			/* reference cadence, NAN until known */
	bool measured;			/* ref came from a baseline, not tempo= */
	double bpm;			/* as our commands leave the engine */
	bool bpm_from_ref;		/* set by a cued phase from the current ref */
	bool paused;
	int every, base_every;		/* base: 2 with side= */
	int cur_sound;			/* as our commands leave the engine: */
	double cur_gain_db;		/* sound index (-1 its own), gain, side */
	enum ras_foot cur_side;

	/* baseline, post */
	int counted;
	double last_step, ended_at;
	double iv[RAS_SESSION_STEPS_MAX], sorted[RAS_SESSION_STEPS_MAX];
	int niv;

	int stage;			/* fade: 0, 1, 2 */

	/* ramp */
	double level, due, remind;
	bool held;
	size_t checked;

	/* steps against the beat at the current tempo */
	double sync_from;
	int64_t beat_ns[BEATS];
	int nbeats;
	double pend[PENDING];
	int npend;
	double async_ms[RAS_SESSION_WINDOW_MAX], phase_rad[RAS_SESSION_WINDOW_MAX];
	int win_next;
	size_t matched;

	struct ras_session_event ev[EVENTS], ev_spare;
	int ev_head, ev_count;
	unsigned long ev_lost;
};

void ras_session_config_default(struct ras_session_config *cfg)
{
	*cfg = (struct ras_session_config){
		.rate = 48000,
		.lead_s = 0.05,
		.bpm_min = 40,
		.bpm_max = 180,
	};
}

const char *ras_phase_type_name(enum ras_phase_type type)
{
	return type >= RAS_PHASE_BASELINE && type <= RAS_PHASE_POST ? type_names[type] : "?";
}

static bool in(double x, double lo, double hi)
{
	return x >= lo && x <= hi;	/* false for NAN */
}

static bool config_ok(const struct ras_session_config *c)
{
	return c && in(c->rate, 1000, 768000) && in(c->lead_s, 0, 10) && in(c->latency_s, 0, 10) &&
	       in(c->bpm_min, RAS_BPM_MIN, RAS_BPM_MAX) && in(c->bpm_max, c->bpm_min, RAS_BPM_MAX);
}

/* ---- reading ---- */

struct parser {
	struct ras_ini ini;		/* lines, the first error, the C locale */
	struct ras_session *s;
	char section[RAS_SESSION_NAME_MAX];
	int cur;			/* phase of the section; -1 [session] */
	bool in_section, had_session;
	char last_key[32];
	int key_line[RAS_SESSION_PHASES_MAX][K_COUNT];
	int sess_line[6];
};

__attribute__((format(printf, 4, 5)))
static int fail(struct parser *ps, int line, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ras_ini_vfail(&ps->ini, line, key, fmt, ap);
	va_end(ap);
	return 0;	/* to inih: this line is in error */
}

static int number(struct parser *ps, const char *key, const char *v, double lo, double hi,
		  bool integer, const char *unit, double *out)
{
	if (!ras_decimal(v, out))
		return fail(ps, ps->ini.line, key, "'%s' is not a number", v);
	if (integer && *out != floor(*out))
		return fail(ps, ps->ini.line, key, "'%s' is not a whole number", v);
	if (!in(*out, lo, hi))
		return fail(ps, ps->ini.line, key, "%s is outside %g..%g%s", v, lo, hi, unit);
	return 1;
}

static int copy(struct parser *ps, const char *key, char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return fail(ps, ps->ini.line, key, "longer than %zu characters", size - 1);
	strcpy(dst, v);
	return 1;
}

static int side(struct parser *ps, const char *name, const char *v, enum ras_foot *out)
{
	if (!strcasecmp(v, "L") || !strcasecmp(v, "left"))
		*out = RAS_FOOT_LEFT;
	else if (!strcasecmp(v, "R") || !strcasecmp(v, "right"))
		*out = RAS_FOOT_RIGHT;
	else if (!strcasecmp(v, "both"))
		*out = RAS_FOOT_NONE;
	else
		return fail(ps, ps->ini.line, name, "'%s' is not L, R or both", v);
	return 1;
}

/* A built-in cue or a readable file; its index in s->sounds. */
static int sound(struct parser *ps, const char *name, const char *v, int *out)
{
	struct ras_session *s = ps->s;
	enum ras_cue cue;
	int i;

	if (strlen(v) >= SOUND_MAX)
		return fail(ps, ps->ini.line, name, "longer than %d characters", SOUND_MAX - 1);
	if (ras_cue_from_name(v, &cue) && access(v, R_OK))
		return fail(ps, ps->ini.line, name,
			    "'%s' is neither a built-in cue (click, woodblock, beep, tick) nor a readable file (%s)",
			    v, strerror(errno));
	for (i = 0; i < s->nsounds && strcmp(s->sounds[i], v); i++)
		;
	if (i == s->nsounds) {
		strcpy(s->sounds[i], v);
		s->sound_line[i] = ps->ini.line;
		s->nsounds++;
	}
	*out = i;
	return 1;
}

static int session_key(struct parser *ps, const char *name, const char *v)
{
	static const char *const names[] = {
		"name", "description", "tempo", "sound", "gain", "side",
	};
	struct ras_session *s = ps->s;
	int k = 0;

	while (k < 6 && strcmp(name, names[k]))
		k++;
	if (k == 6)
		return fail(ps, ps->ini.line, name,
			    "unknown key in [session] (name, description, tempo, sound, gain, side)");
	if (k == 1 && ps->ini.indented && !strcmp(ps->last_key, name)) {
		size_t n = strlen(s->description);

		/* A continuation line: one paragraph, lines joined by a space. */
		if (n + 1 + strlen(v) >= DESC_MAX)
			return fail(ps, ps->ini.line, name, "longer than %d characters", DESC_MAX - 1);
		if (n)
			s->description[n++] = ' ';
		strcpy(s->description + n, v);
		return 1;
	}
	if (ps->sess_line[k])
		return fail(ps, ps->ini.line, name, "given twice (first on line %d)", ps->sess_line[k]);
	ps->sess_line[k] = ps->ini.line;
	switch (k) {
	case 0:
		return copy(ps, name, s->name, sizeof(s->name), v);
	case 1:
		return copy(ps, name, s->description, sizeof(s->description), v);
	case 2:
		return number(ps, name, v, 20, 300, false, " bpm", &s->tempo);
	case 3:
		return copy(ps, name, s->sound, sizeof(s->sound), v);
	case 4:
		return number(ps, name, v, -60, 12, false, " dB", &s->gain_db);
	default:
		return side(ps, name, v, &s->side);
	}
}

static int phase_key(struct parser *ps, const char *name, const char *v)
{
	struct ras_phase *ph = &ps->s->phase[ps->cur];
	int *line = ps->key_line[ps->cur];
	const struct key_info *k;
	double x;
	int i = 0;

	while (i < K_COUNT && strcmp(name, keys[i].name))
		i++;
	if (i == K_COUNT)
		return fail(ps, ps->ini.line, name, "unknown key");
	k = &keys[i];
	if (line[i])
		return fail(ps, ps->ini.line, name, "given twice (first on line %d)", line[i]);
	line[i] = ps->ini.line;
	if (i == K_TYPE) {
		for (int t = 0; t <= RAS_PHASE_POST; t++) {
			if (!strcmp(v, type_names[t])) {
				ph->type = (enum ras_phase_type)t;
				return 1;
			}
		}
		return fail(ps, ps->ini.line, name, "'%s' is not baseline, cue, ramp, fade or post", v);
	}
	if (i == K_SOUND)
		return sound(ps, name, v, &ph->sound);
	if (i == K_SIDE)
		return side(ps, name, v, &ph->side);
	if (!number(ps, name, v, k->lo, k->hi, k->integer,
		    i == K_SECONDS || i == K_EVERY ? " s" : i == K_ASYNC_MAX ? " ms" :
		    i == K_GAIN ? " dB" :
		    i == K_PERCENT || i == K_STEP || i == K_MAX_PERCENT ? " %" : "", &x))
		return 0;
	if (k->integer)
		*(int *)((char *)ph + k->off) = (int)x;
	else
		*(double *)((char *)ph + k->off) = x;
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parser *ps = user;
	struct ras_session *s = ps->s;
	int ret;

	if (!*section)
		return fail(ps, ps->ini.line, name, "outside a section: start with [session] or a phase");
	if (!ps->in_section || strcmp(section, ps->section)) {
		ps->in_section = true;
		snprintf(ps->section, sizeof(ps->section), "%s", section);
		ps->last_key[0] = '\0';
		if (!strcmp(section, "session")) {
			if (ps->had_session)
				return fail(ps, ps->ini.line, NULL, "[session] appears twice");
			ps->had_session = true;
			ps->cur = -1;
		} else {
			for (int i = 0; i < s->nphases; i++)
				if (!strcmp(s->phase[i].name, section))
					return fail(ps, ps->ini.line, NULL, "[%s] appears twice (first on line %d)",
						    section, s->phase[i].line);
			if (strlen(section) >= RAS_SESSION_NAME_MAX)
				return fail(ps, ps->ini.line, NULL, "[%s]: name longer than %d characters",
					    section, RAS_SESSION_NAME_MAX - 1);
			if (s->nphases == RAS_SESSION_PHASES_MAX)
				return fail(ps, ps->ini.line, NULL, "more than %d phases",
					    RAS_SESSION_PHASES_MAX);
			ps->cur = s->nphases++;
			strcpy(s->phase[ps->cur].name, section);
			s->phase[ps->cur].line = ps->ini.line;
			s->phase[ps->cur].type = (enum ras_phase_type)-1;
		}
	}
	/* inih takes an indented line for the value of the key above going on. */
	if (ps->ini.indented && !strcmp(name, ps->last_key) &&
	    (ps->cur >= 0 || strcmp(name, "description")))
		ret = fail(ps, ps->ini.line, name,
			   "indented line: only description= goes on over indented lines; start keys at the beginning of a line");
	else
		ret = ps->cur < 0 ? session_key(ps, name, value) : phase_key(ps, name, value);
	snprintf(ps->last_key, sizeof(ps->last_key), "%s", name);
	return ret;
}

/* What the file cannot say key by key: types, required keys, defaults. */
static void check(struct parser *ps)
{
	struct ras_session *s = ps->s;
	bool ref = s->tempo > 0;

	if (!s->nphases) {
		fail(ps, 0, NULL, "no phases (sections other than [session])");
		return;
	}
	for (int i = 0; i < s->nphases && !ps->ini.err_line; i++) {
		struct ras_phase *ph = &s->phase[i];
		const int *line = ps->key_line[i];
		const char *t;

		if (!line[K_TYPE]) {
			fail(ps, ph->line, "type", "missing in [%s] (baseline, cue, ramp, fade or post)",
			     ph->name);
			return;
		}
		t = type_names[ph->type];
		/* [session] sound=, gain=, side= hold where a phase says nothing. */
		if (!line[K_SOUND])
			ph->sound = -1;
		if (!line[K_GAIN])
			ph->gain_db = s->gain_db;
		if (!line[K_SIDE])
			ph->side = s->side;
		for (int k = 0; k < K_COUNT; k++) {
			if (line[k] && !(keys[k].types & (1u << ph->type))) {
				fail(ps, line[k], keys[k].name, "not a key of %s phases", t);
				return;
			}
		}
		switch (ph->type) {
		case RAS_PHASE_BASELINE:
		case RAS_PHASE_POST:
			if (!ph->steps && !ph->seconds)
				fail(ps, line[K_TYPE], "steps", "a %s phase needs steps= or seconds=", t);
			if (ph->type == RAS_PHASE_BASELINE)
				ref = true;
			break;
		case RAS_PHASE_CUE:
		case RAS_PHASE_FADE:
			if (!ph->seconds)
				fail(ps, line[K_TYPE], "seconds", "a %s phase needs seconds=", t);
			if (ph->type == RAS_PHASE_CUE && !ph->percent)
				ph->percent = 100;
			break;
		case RAS_PHASE_RAMP:
			if (!line[K_STEP])
				ph->step = 5;
			if (!line[K_EVERY])
				ph->every = 60;
			if (!line[K_MAX_PERCENT])
				ph->max_percent = 115;
			if (!line[K_R_MIN])
				ph->r_min = 0.8;
			if (!line[K_ASYNC_MAX])
				ph->async_max_ms = 60;
			if (!line[K_WINDOW])
				ph->window = 20;
			if (ph->percent && ph->max_percent <= ph->percent)
				fail(ps, line[K_MAX_PERCENT] ? line[K_MAX_PERCENT] : line[K_PERCENT],
				     "max_percent", "%g is not above percent=%g", ph->max_percent,
				     ph->percent);
			break;
		}
		if ((CUED & (1u << ph->type)) && !ref)
			fail(ps, line[K_TYPE], "type",
			     "a %s phase needs a baseline phase before it or tempo= in [session]", t);
	}
}

static struct ras_session *parse(const struct ras_session_config *cfg, FILE *f, const char *file,
				 char *err, size_t errlen)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	struct ras_session *s = calloc(1, sizeof(*s));
	const char *base = strrchr(file, '/');
	int ret;

	if (!ps || !s) {
		snprintf(err, errlen, "%s: out of memory", file);
		free(ps);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	ras_ini_init(&ps->ini, f, file, err, errlen);
	ps->s = s;
	s->cfg = *cfg;
	s->side = RAS_FOOT_NONE;
	s->tempo = NAN;
	ret = ras_ini_parse(&ps->ini, handler, ps);
	/* An overflowing line is refused as it is read: before its own keys. */
	if (ps->ini.long_line && (!ps->ini.err_line || ps->ini.long_line <= ps->ini.err_line)) {
		ps->ini.err_line = 0;
		fail(ps, ps->ini.long_line, NULL,
		     "line too long (over %d characters): continue a description on indented lines",
		     ps->ini.buffer - 3);
	}
	/* inih's own complaint: a line neither [section] nor key = value */
	if (ret > 0 && (!ps->ini.err_line || ret < ps->ini.err_line))
		snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
			 file, ret);
	else if (ret < 0)
		fail(ps, 0, NULL, "out of memory");
	else
		check(ps);
	if (ret || ps->ini.err_line) {
		free(ps);
		free(s);
		errno = ret == -2 ? ENOMEM : EINVAL;
		return NULL;
	}
	free(ps);
	if (!s->name[0]) {
		snprintf(s->name, sizeof(s->name), "%s", base ? base + 1 : file);
		if (strlen(s->name) > 4 && !strcmp(s->name + strlen(s->name) - 4, ".ini"))
			s->name[strlen(s->name) - 4] = '\0';
	}
	s->p = -1;
	s->ref = s->tempo;
	s->bpm = s->tempo > 0 ? s->tempo : 100;
	s->every = 1;
	s->base_every = s->side == RAS_FOOT_NONE ? 1 : 2;
	s->cur_sound = -1;
	s->cur_gain_db = s->gain_db;
	s->cur_side = s->side;
	s->last_frame = INT64_MIN;
	s->last_step = NAN;
	s->ended_at = NAN;
	s->sync_from = INFINITY;
	return s;
}

struct ras_session *ras_session_new(const struct ras_session_config *cfg, const char *path,
				    char *err, size_t errlen)
{
	struct ras_session *s;
	FILE *f;
	int e;

	if (!config_ok(cfg) || !path) {
		snprintf(err, errlen, "bad session settings");
		errno = EINVAL;
		return NULL;
	}
	f = fopen(path, "r");
	if (!f) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	s = parse(cfg, f, path, err, errlen);
	e = errno;
	fclose(f);
	errno = e;
	return s;
}

struct ras_session *ras_session_new_from_string(const struct ras_session_config *cfg,
						const char *text, const char *name, char *err,
						size_t errlen)
{
	struct ras_session *s;
	FILE *f = NULL;
	int e;

	if (!config_ok(cfg) || !text || !name) {
		snprintf(err, errlen, "bad session settings");
		errno = EINVAL;
		return NULL;
	}
	if (*text && !(f = fmemopen((void *)text, strlen(text), "r"))) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return NULL;
	}
	s = parse(cfg, f, name, err, errlen);
	e = errno;
	if (f)
		fclose(f);
	errno = e;
	return s;
}

void ras_session_free(struct ras_session *s)
{
	free(s);
}

void ras_session_info(const struct ras_session *s, struct ras_session_info *info)
{
	*info = (struct ras_session_info){
		.name = s->name,
		.description = s->description,
		.sound = s->sound[0] ? s->sound : NULL,
		.gain_db = s->gain_db,
		.side = s->side,
		.tempo_bpm = s->tempo,
		.start_bpm = s->tempo > 0 ? s->tempo : 100,
		.phases = s->nphases,
	};
}

const struct ras_phase *ras_session_phase(const struct ras_session *s, int i)
{
	return i >= 0 && i < s->nphases ? &s->phase[i] : NULL;
}

int ras_session_sound_count(const struct ras_session *s)
{
	return s->nsounds;
}

const char *ras_session_sound_name(const struct ras_session *s, int i, int *line)
{
	if (i < 0 || i >= s->nsounds)
		return NULL;
	if (line)
		*line = s->sound_line[i];
	return s->sounds[i];
}

void ras_session_engine_config(const struct ras_session *s, struct ras_engine_config *cfg)
{
	cfg->master *= ras_db_to_gain(s->gain_db);
	if (s->side != RAS_FOOT_NONE) {
		/* Even beats on that side, hard panned; EVERY 2 mutes the odd ones. */
		cfg->alternate = true;
		cfg->first_foot = s->side;
		cfg->pan = 1;
	}
}

int ras_session_set_latency(struct ras_session *s, double latency_s)
{
	if (!in(latency_s, 0, 10))
		return -EINVAL;
	s->cfg.latency_s = latency_s;
	return 0;
}

/* ---- running ---- */

__attribute__((format(printf, 3, 4)))
static struct ras_session_event *event(struct ras_session *s, enum ras_session_event_kind kind,
				       const char *fmt, ...)
{
	struct ras_session_event *ev = &s->ev_spare;	/* written, never read */
	va_list ap;

	if (s->ev_count < EVENTS)
		ev = &s->ev[(s->ev_head + s->ev_count++) % EVENTS];
	else
		s->ev_lost++;
	*ev = (struct ras_session_event){ .kind = kind, .phase = s->p, .tempo_bpm = s->bpm,
					  .cadence_spm = NAN, .r = NAN, .asynchrony_ms = NAN };
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
	return ev;
}

/* Commands go out in frame order: the engine's queue waits on the first. */
static int emit(struct ras_session *s, struct ras_cmd *out, enum ras_cmd_kind kind, double t,
		double value)
{
	int64_t frame = ras_time_to_frame(t, s->cfg.rate);

	if (frame < s->last_frame)
		frame = s->last_frame;
	s->last_frame = frame;
	*out = (struct ras_cmd){ .kind = kind, .frame = frame, .value = value };
	return 1;
}

/* Steps from t on are measured against the beat afresh. */
static void sync_reset(struct ras_session *s, double t)
{
	s->sync_from = t;
	s->npend = 0;
	s->matched = 0;
	s->checked = 0;
	s->win_next = 0;
}

static int cues_on(struct ras_session *s, double t, int every, struct ras_cmd *out)
{
	int n = 0;

	if (s->paused)
		n += emit(s, out + n, RAS_CMD_RESUME, t, 0);
	if (s->every != every)
		n += emit(s, out + n, RAS_CMD_EVERY, t, every);
	if (n && every)
		sync_reset(s, t);
	s->paused = false;
	s->every = every;
	return n;
}

static int set_tempo(struct ras_session *s, double t, double bpm, struct ras_cmd *out)
{
	s->bpm_from_ref = true;
	if (fabs(bpm - s->bpm) < EPS)
		return 0;
	s->bpm = bpm;
	sync_reset(s, t);
	return emit(s, out, RAS_CMD_TEMPO, t, bpm);
}

static double clamp_bpm(const struct ras_session *s, double bpm)
{
	return bpm < s->cfg.bpm_min ? s->cfg.bpm_min : bpm > s->cfg.bpm_max ? s->cfg.bpm_max : bpm;
}

static bool cued(const struct ras_session *s)
{
	return !s->paused && s->every != 0;
}

static const char *ref_name(const struct ras_session *s)
{
	return s->measured ? "baseline" : "tempo=";
}

/* The tempo in force as % of the reference; 100 after a new baseline. */
static double level_now(const struct ras_session *s)
{
	return s->bpm_from_ref ? 100 * s->bpm / s->ref : 100;
}

/* A cued phase's sound, gain and side, before its cues sound. */
static int voice(struct ras_session *s, double t, const struct ras_phase *ph,
		 struct ras_cmd *out)
{
	int n = 0;

	if (ph->sound != s->cur_sound) {
		n += emit(s, out + n, RAS_CMD_SOUND, t, ph->sound);
		out[n - 1].part = RAS_PART_ACCENT;
		n += emit(s, out + n, RAS_CMD_SOUND, t, ph->sound);
		out[n - 1].part = RAS_PART_NORMAL;
		s->cur_sound = ph->sound;
	}
	if (ph->gain_db != s->cur_gain_db) {
		n += emit(s, out + n, RAS_CMD_GAIN, t, ras_db_to_gain(ph->gain_db));
		s->cur_gain_db = ph->gain_db;
	}
	if (ph->side != s->cur_side) {
		n += emit(s, out + n, RAS_CMD_SIDE, t, ph->side);
		s->cur_side = ph->side;
	}
	s->base_every = ph->side == RAS_FOOT_NONE ? 1 : 2;
	return n;
}

static int enter(struct ras_session *s, double t, struct ras_cmd *out)
{
	const struct ras_phase *ph = &s->phase[s->p];
	bool was_cued = cued(s);
	double bpm0 = s->bpm;
	struct ras_session_event *ev;
	size_t len;
	int n = 0;

	s->t0 = t;
	s->t_end = ph->seconds > 0 ? t + ph->seconds : INFINITY;
	switch (ph->type) {
	case RAS_PHASE_BASELINE:
	case RAS_PHASE_POST:
		if (!s->paused)
			n += emit(s, out, RAS_CMD_PAUSE, t, 0);
		s->paused = true;
		s->counted = 0;
		s->niv = 0;
		s->last_step = NAN;
		s->ended_at = NAN;
		sync_reset(s, INFINITY);
		break;
	case RAS_PHASE_CUE:
		n += voice(s, t, ph, out);
		n += cues_on(s, t, s->base_every, out + n);
		n += set_tempo(s, t, clamp_bpm(s, s->ref * ph->percent / 100), out + n);
		break;
	case RAS_PHASE_RAMP:
		s->level = ph->percent ? ph->percent : level_now(s);
		n += voice(s, t, ph, out);
		n += cues_on(s, t, s->base_every, out + n);
		n += set_tempo(s, t, clamp_bpm(s, s->ref * s->level / 100), out + n);
		/* After cues at this tempo the first level has been walked already. */
		s->due = was_cued && fabs(s->bpm - bpm0) < EPS ? t : t + ph->every;
		s->held = false;
		if (s->level >= ph->max_percent - EPS)
			s->t_end = fmin(s->t_end, t + ph->every);
		break;
	case RAS_PHASE_FADE:
		s->stage = 0;
		n += voice(s, t, ph, out);
		n += cues_on(s, t, s->base_every, out + n);
		n += set_tempo(s, t, clamp_bpm(s, s->ref * level_now(s) / 100), out + n);
		break;
	}
	ev = event(s, RAS_SESSION_PHASE, "phase %d/%d %s: %s", s->p + 1, s->nphases, ph->name,
		   type_names[ph->type]);
	ev->time = t;
	ev->tempo_bpm = s->bpm;
	len = strlen(ev->text);
	if (ph->type == RAS_PHASE_BASELINE || ph->type == RAS_PHASE_POST)
		snprintf(ev->text + len, sizeof(ev->text) - len, ", no cues");
	else
		snprintf(ev->text + len, sizeof(ev->text) - len, ", %.1f bpm (%.0f %% of %s)",
			 s->bpm, 100 * s->bpm / s->ref, ref_name(s));
	len = strlen(ev->text);
	if (ph->steps)
		snprintf(ev->text + len, sizeof(ev->text) - len, ", %d steps%s", ph->steps,
			 ph->seconds ? " at most" : "");
	len = strlen(ev->text);
	if (ph->seconds)
		snprintf(ev->text + len, sizeof(ev->text) - len, "%s %g s", ph->steps ? " in" : ",",
			 ph->seconds);
	return n;
}

/* Mean interval within BAND of the median: a missed step is no interval. */
static double cadence(struct ras_session *s, int *used)
{
	double *v = s->sorted, med, sum = 0;
	int n = s->niv, k = 0;

	*used = 0;
	if (n < MIN_STEPS - 1)
		return NAN;
	for (int i = 0; i < n; i++) {
		double x = s->iv[i];
		int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	for (int i = 0; i < n; i++) {
		if (v[i] >= med / BAND && v[i] <= med * BAND) {
			sum += v[i];
			k++;
		}
	}
	*used = k;
	return 60 * k / sum;
}

static bool needs_ref(const struct ras_session *s, int from)
{
	for (int i = from; i < s->nphases; i++)
		if (CUED & (1u << s->phase[i].type))
			return true;
	return false;
}

/* Close a measured phase; false when the session cannot go on. */
static bool measure(struct ras_session *s, double t)
{
	bool base = s->phase[s->p].type == RAS_PHASE_BASELINE;
	struct ras_session_event *ev;
	int used;
	double c = cadence(s, &used);

	if (isnan(c) && base && !(s->ref > 0) && needs_ref(s, s->p + 1)) {
		ev = event(s, RAS_SESSION_ABORT,
			   "baseline: too few steps (%d): no cue tempo, session stopped", s->counted);
		ev->time = t;
		return false;
	}
	if (isnan(c))
		ev = event(s, RAS_SESSION_CADENCE, "%s: too few steps (%d)%s",
			   base ? "baseline" : "post-test", s->counted,
			   base && s->ref > 0 ? ", the reference stays" : "");
	else if (base)
		ev = event(s, RAS_SESSION_CADENCE, "baseline: %.1f steps/min (%d intervals)", c, used);
	else if (s->ref > 0)
		ev = event(s, RAS_SESSION_CADENCE,
			   "post-test: %.1f steps/min (%d intervals), %+.1f %% on %s", c, used,
			   100 * (c / s->ref - 1), ref_name(s));
	else
		ev = event(s, RAS_SESSION_CADENCE, "post-test: %.1f steps/min (%d intervals)", c, used);
	ev->time = t;
	ev->cadence_spm = c;
	if (base && !isnan(c)) {
		s->ref = c;
		s->measured = true;
		s->bpm_from_ref = false;
	}
	return true;
}

/* R and mean asynchrony over the last w steps matched; how many there were. */
static size_t sync_stats(const struct ras_session *s, int w, double *r, double *async)
{
	size_t n = s->matched < (size_t)w ? s->matched : (size_t)w;
	struct ras_circ c = { 0 };
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		int k = (s->win_next + RAS_SESSION_WINDOW_MAX - 1 - (int)i) % RAS_SESSION_WINDOW_MAX;

		ras_circ_add(&c, s->phase_rad[k]);
		sum += s->async_ms[k];
	}
	*r = n >= 2 ? ras_circ_r(&c) : NAN;
	*async = n >= 2 ? sum / n : NAN;
	return n;
}

static int ramp(struct ras_session *s, double now, struct ras_cmd *out)
{
	const struct ras_phase *ph = &s->phase[s->p];
	struct ras_session_event *ev;
	double r, a, to, bpm, t;
	size_t n;
	int k;

	if (s->level >= ph->max_percent - EPS || now + 2 * s->cfg.lead_s < s->due ||
	    (s->held && s->matched == s->checked && now < s->remind))
		return 0;
	s->checked = s->matched;
	n = sync_stats(s, ph->window, &r, &a);
	if (n < (size_t)ph->window || r < ph->r_min || fabs(a) > ph->async_max_ms) {
		if (s->held && now < s->remind)
			return 0;
		if (n < (size_t)ph->window)
			ev = event(s, RAS_SESSION_RAMP_HELD, "ramp held: %zu of %d steps in time", n,
				   ph->window);
		else if (r < ph->r_min)
			ev = event(s, RAS_SESSION_RAMP_HELD, "ramp held: R %.2f < %g", r, ph->r_min);
		else
			ev = event(s, RAS_SESSION_RAMP_HELD, "ramp held: |async| %.0f ms > %g ms", fabs(a),
				   ph->async_max_ms);
		ev->time = fmax(now, s->due);
		ev->r = r;
		ev->asynchrony_ms = a;
		s->held = true;
		s->remind = ev->time + ph->every;
		return 0;
	}
	to = fmin(s->level + ph->step, ph->max_percent);
	bpm = clamp_bpm(s, s->ref * to / 100);
	t = fmax(s->due, now + s->cfg.lead_s);
	k = set_tempo(s, t, bpm, out);
	ev = event(s, RAS_SESSION_RAMP_UP, "ramp: %+.0f %% to %.1f bpm (R %.2f, async %.0f ms)%s",
		   to - s->level, bpm, r, a, k ? "" : ", at the tempo limit");
	ev->time = t;
	ev->r = r;
	ev->asynchrony_ms = a;
	/* At the tempo limit the ramp is as high as it goes. */
	s->level = k ? to : ph->max_percent;
	s->due = t + ph->every;
	s->held = false;
	if (s->level >= ph->max_percent - EPS)
		s->t_end = fmin(s->t_end, s->due);
	return k;
}

static int fade(struct ras_session *s, double now, struct ras_cmd *out)
{
	const struct ras_phase *ph = &s->phase[s->p];
	int parts = s->base_every == 1 ? 3 : 2;
	double b = s->t0 + (s->stage + 1) * ph->seconds / parts, t;
	int every, n;

	if (s->stage >= parts - 1 || now + 2 * s->cfg.lead_s < b)
		return 0;
	t = fmax(b, now + s->cfg.lead_s);
	every = ++s->stage == parts - 1 ? 0 : 2;
	n = cues_on(s, t, every, out);
	event(s, RAS_SESSION_FADE, every ? "fade: every other beat" : "fade: no cues")->time = t;
	return n;
}

int ras_session_poll(struct ras_session *s, double now, struct ras_cmd *out, int max)
{
	const struct ras_phase *ph;
	double t;
	int n;

	if (max < RAS_SESSION_CMD_MAX)
		return -EINVAL;
	s->now = now;
	if (s->done)
		return 0;
	if (!s->started) {
		/* Before the engine starts: at `now` itself, beat 0 included. */
		s->started = true;
		s->p = 0;
		return enter(s, now, out);
	}
	ph = &s->phase[s->p];
	t = now + s->cfg.lead_s;
	if (ph->type == RAS_PHASE_BASELINE || ph->type == RAS_PHASE_POST) {
		/* Every step before the end is in once now has passed it. */
		if (isnan(s->ended_at) && now < s->t_end)
			return 0;
		if (!measure(s, fmin(s->ended_at, s->t_end))) {
			s->done = true;
			return 0;
		}
	} else {
		if (now + 2 * s->cfg.lead_s < s->t_end) {
			if (ph->type == RAS_PHASE_RAMP)
				return ramp(s, now, out);
			return ph->type == RAS_PHASE_FADE ? fade(s, now, out) : 0;
		}
		t = fmax(t, s->t_end);
	}
	if (++s->p == s->nphases) {
		s->p--;
		s->done = true;
		event(s, RAS_SESSION_END, "session over")->time = t;
		return 0;
	}
	n = enter(s, t, out);
	return n;
}

int ras_session_next(struct ras_session *s, double now)
{
	if (!s->started || s->done)
		return -EINVAL;
	if (s->t_end > now) {
		s->t_end = now;
		event(s, RAS_SESSION_SKIP, "phase %d/%d %s: ended by the operator", s->p + 1,
		      s->nphases, s->phase[s->p].name)->time = now;
	}
	return 0;
}

/* Steps waiting for the beat after them, matched once it is heard. */
static void match(struct ras_session *s)
{
	while (s->npend && s->nbeats >= 2) {
		int64_t t = llround(s->pend[0] * 1e9);
		struct ras_sync m;

		if (s->beat_ns[s->nbeats - 1] < t)
			return;
		if (!ras_sync_step(t, s->beat_ns, (size_t)s->nbeats, &m)) {
			s->async_ms[s->win_next] = m.asynchrony_ms;
			s->phase_rad[s->win_next] = m.phase_rad;
			s->win_next = (s->win_next + 1) % RAS_SESSION_WINDOW_MAX;
			s->matched++;
		}
		memmove(s->pend, s->pend + 1, (size_t)--s->npend * sizeof(s->pend[0]));
	}
}

void ras_session_beat(struct ras_session *s, const struct ras_beat *b)
{
	int64_t ns = llround((b->time + s->cfg.latency_s) * 1e9);

	/* Every beat, heard or not: side= mutes the other foot's on purpose. */
	if (s->nbeats && ns <= s->beat_ns[s->nbeats - 1])
		return;
	if (s->nbeats == BEATS)
		memmove(s->beat_ns, s->beat_ns + 1, (BEATS - 1) * sizeof(s->beat_ns[0]));
	else
		s->nbeats++;
	s->beat_ns[s->nbeats - 1] = ns;
	match(s);
}

void ras_session_step(struct ras_session *s, double t, enum ras_foot foot)
{
	const struct ras_phase *ph;

	(void)foot;
	if (!s->started || s->done)
		return;
	ph = &s->phase[s->p];
	if (ph->type == RAS_PHASE_BASELINE || ph->type == RAS_PHASE_POST) {
		if (t < s->t0 || t >= s->t_end || !isnan(s->ended_at))
			return;
		/* The first `skip` steps are gait initiation. */
		if (++s->counted > ph->skip + 1 && s->niv < RAS_SESSION_STEPS_MAX)
			s->iv[s->niv++] = t - s->last_step;
		s->last_step = t;
		if (ph->steps && s->counted >= ph->skip + ph->steps)
			s->ended_at = t;
		return;
	}
	if (t < s->sync_from)
		return;
	if (s->npend == PENDING)
		memmove(s->pend, s->pend + 1, (PENDING - 1) * sizeof(s->pend[0]));
	else
		s->npend++;
	s->pend[s->npend - 1] = t;
	match(s);
}

bool ras_session_next_event(struct ras_session *s, struct ras_session_event *ev)
{
	if (!s->ev_count)
		return false;
	*ev = s->ev[s->ev_head];
	s->ev_head = (s->ev_head + 1) % EVENTS;
	s->ev_count--;
	return true;
}

bool ras_session_done(const struct ras_session *s)
{
	return s->done;
}

void ras_session_status(const struct ras_session *s, struct ras_session_status *st)
{
	const struct ras_phase *ph = s->p >= 0 ? &s->phase[s->p] : NULL;
	double r, a;

	sync_stats(s, ph && ph->type == RAS_PHASE_RAMP ? ph->window : 20, &r, &a);

	*st = (struct ras_session_status){
		.phase = s->p,
		.type = ph ? ph->type : RAS_PHASE_BASELINE,
		.done = s->done,
		.phase_start = s->t0,
		.reference_spm = s->ref,
		.tempo_bpm = s->bpm,
		.cues = s->started && cued(s),
		.level_pct = s->ref > 0 ? 100 * s->bpm / s->ref : NAN,
		.window_steps = s->matched,
		.r = r,
		.asynchrony_ms = a,
		.events_lost = s->ev_lost,
	};
}

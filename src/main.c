/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - rhythmic auditory stimulation for JACK
 *
 * main.c wires the modules: options -> tempo source -> schedule -> engine
 * -> JACK client or offline render, with the beat list beside them.
 */
#include <dirent.h>
#include <errno.h>
#include <libevdev/libevdev.h>
#include <locale.h>
#include <linux/input.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/beatlog.h"
#include "rasbeat/midi.h"
#include "rasbeat/operator.h"
#include "rasbeat/song.h"
#include "rasbeat/bed.h"
#include "rasbeat/cli.h"
#include "rasbeat/clocksync.h"
#include "rasbeat/cuefile.h"
#include "rasbeat/detect.h"
#include "rasbeat/evemu.h"
#include "rasbeat/gait.h"
#include "rasbeat/engine.h"
#include "rasbeat/evdev.h"
#include "rasbeat/jackout.h"
#include "rasbeat/measures.h"
#include "rasbeat/program.h"
#include "rasbeat/render.h"
#include "rasbeat/report.h"
#include "rasbeat/session.h"
#include "rasbeat/sessionlog.h"
#include "rasbeat/steplog.h"
#include "rasbeat/stepsource.h"
#include "rasbeat/tempo.h"
#include "rasbeat/walker.h"
#include "rasbeat/tempomap.h"
#include "rasbeat/tmpfile.h"
#include <jack/jack.h>
#include <jansson.h>
#include <sndfile.h>

#ifndef RASBEAT_VERSION
#define RASBEAT_VERSION "0.1.0"
#endif

#define ERRLEN 1024
/* play gives up when the JACK server runs no cycle for this long. */
#define STALL_SECONDS 3

/* The demo session: a warm-up, a ramp, a hold and RAS fading, ~1 min. */
static const char demo_map[] =
	"# rasbeat demo: cadence-paced walking with a ramp and fading\n"
	"warmup: 4 4/4 90\n"
	"ramp:   8 4/4 90-110\n"
	"hold:   8 4/4 110\n"
	"fade:   4 4/4 110 every=2\n"
	"off:    2 4/4 110 every=0\n";

static volatile sig_atomic_t stop_signal;
/* The command line, for the session's record. */
static int main_argc;
static char **main_argv;

static void on_signal(int sig)
{
	stop_signal = sig;
	ras_render_interrupted = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* A growing list of steps. */
struct steps {
	struct ras_step *v;
	size_t n, cap;
};

/*
 * What runs beside the engine in render and play alike: the beat list, the
 * simulated walker hearing the beats, and the steps collected (from the
 * walker or a sensor) for the step list and the summary.
 */
struct session;

struct loop {
	struct ras_beatlog *log;
	struct ras_sessionlog *slog;	/* the session's record, or NULL */
	bool slog_failed;		/* asked for but not kept: exit 1 */
	bool slog_said;			/* its error is on the console */
	double logged_bpm;		/* adaptation: the tempo last logged */
	bool logged_lock;
	struct ras_walker *walker;
	bool adapt;			/* follow or entrain: a controller */
	struct ras_tempo_config tcfg;
	struct ras_tempo *tempo;
	struct ras_session *session;	/* a protocol: it sends the commands */
	struct ras_program *program;	/* or a movement program: a fixed schedule */
	bool verbose;			/* print the program's segments */
	struct ras_engine *engine;
	const struct session *sounds;	/* for the session's RAS_CMD_SOUND */
	float master;			/* --master, for its RAS_CMD_GAIN */
	struct steps steps;
	double rate;
	double latency_s;	/* beat to ear: the playback latency */
	double now;		/* session s of the last poll */
	uint64_t xruns;		/* logged so far */
	uint64_t xrun_base;	/* of JACK clients before a reconnection */
	int64_t beats;
	/* For the operator's status: the last beat, recent beats as heard. */
	struct ras_beat last_beat;
	double tempo_now;	/* bpm in force (the last beat's, or the last set) */
	int64_t heard_ns[64];
	int nheard;
	bool op_paused;		/* the cues, by the operator */
	bool quit;		/* the operator ended the session */
	char quit_why[64];
	bool sensor_lost;
	double sensor_lost_at;
	int error;		/* first failure: -errno */
};

struct session {
	struct ras_sound *sound[RAS_PART_COUNT];
	/* A session's phase sounds: [2 i] accent, [2 i + 1] normal variant. */
	struct ras_sound **phase_sound;
	int phase_sounds;
	struct ras_engine *engine;
	struct ras_bed *bed;
	struct ras_synth *synth;	/* --music: a groove or MIDI song */
	struct ras_song *song;		/* or an audio song */
	double rate;
	bool endless;		/* the schedule never ends by itself */
};

static void session_free(struct session *s)
{
	ras_engine_free(s->engine);
	ras_bed_free(s->bed);
	ras_synth_free(s->synth);
	ras_song_free(s->song);
	for (int i = 0; i < RAS_PART_COUNT; i++)
		ras_sound_free(s->sound[i]);
	for (int i = 0; i < 2 * s->phase_sounds; i++)
		ras_sound_free(s->phase_sound[i]);
	free(s->phase_sound);
	memset(s, 0, sizeof(*s));
}

static struct ras_schedule *build_schedule(const struct ras_options *o, const char *map_text,
					   const struct ras_session_info *info, char *err, size_t errlen)
{
	struct ras_schedule *s = NULL, *c;
	struct ras_meter m;

	ras_meter_default(&m);
	ras_meter_set_beats(&m, o->beats);
	m.denom = o->denom;
	m.sub = o->sub;
	for (int i = 0; o->pattern[i]; i++)
		m.pattern[i] = o->pattern[i] == 'X' ? RAS_BEAT_ACCENT :
			       o->pattern[i] == 'x' ? RAS_BEAT_NORMAL : RAS_BEAT_SILENT;

	if (info) {
		/* A session starts at its tempo, unaccented; it steers from there. */
		memset(m.pattern, RAS_BEAT_NORMAL, sizeof(m.pattern));
		s = ras_tempomap_constant(&m, info->start_bpm);
		if (!s)
			snprintf(err, errlen, "cannot build the tempo schedule (out of memory)");
		return s;
	}
	if (map_text) {
		if (ras_tempomap_parse(map_text, "demo", &m, &s, err, errlen))
			return NULL;
	} else {
		switch (o->source) {
		case RAS_SOURCE_TEMPO:
			s = ras_tempomap_constant(&m, o->tempo);
			break;
		case RAS_SOURCE_RAMP:
			s = ras_tempomap_ramp(&m, o->ramp[0], o->ramp[1], o->ramp[2]);
			break;
		case RAS_SOURCE_STEP:
			s = ras_tempomap_steps(&m, o->tempo, o->step[0], o->step[1], o->step[2]);
			break;
		case RAS_SOURCE_MAP:
			if (ras_tempomap_load(o->map, &m, &s, err, errlen))
				return NULL;
			break;
		}
		if (!s) {
			snprintf(err, errlen, "cannot build the tempo schedule (out of memory or too many steps)");
			return NULL;
		}
	}
	if (o->countin > 0) {
		c = ras_tempomap_countin(s, o->countin);
		ras_schedule_free(s);
		s = c;
		if (!s)
			snprintf(err, errlen, "out of memory");
	}
	return s;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* --music: a groove or MIDI song through FluidSynth, or an audio song
 * stretched with Rubber Band; loaded and analysed here. */
static int music_load(struct session *s, const struct ras_options *o, struct ras_engine_config *cfg,
		      char *err, size_t errlen)
{
	int ret;

	if (ends_with(o->music, ".groove") || ends_with(o->music, ".mid") ||
	    ends_with(o->music, ".midi") || ends_with(o->music, ".smf")) {
		struct ras_midi *m;

		if ((ret = ras_midi_load(o->music, &m, err, errlen)))
			return ret;
		ret = ras_synth_new(m, s->rate, o->soundfont, &s->synth, err, errlen);
		if (!ret && !o->quiet)
			fprintf(stderr, "rasbeat: music: %s, %zu events, looping every %g beats\n",
				o->music, ras_midi_count(m), ras_midi_length(m));
		ras_midi_free(m);
		if (ret)
			return ret;
		cfg->music = ras_synth_source(s->synth);
		return 0;
	}
	{
		struct ras_song_grid grid = { .bpm = o->music_bpm,
					      .offset = o->music_offset >= 0 ? o->music_offset : 0 };
		struct ras_song_fit fit;
		double bpm, offset;

		s->song = ras_song_load(o->music, s->rate, o->music_bpm > 0 ? &grid : NULL, err, errlen);
		if (!s->song)
			return -EINVAL;
		/* A session outlasts most songs: it starts again on its beat 0. */
		ras_song_set_loop(s->song, true);
		ras_song_grid(s->song, &bpm, &offset);
		ras_song_fit(s->song, &fit);
		if (!o->quiet)
			fprintf(stderr, "rasbeat: music: %s, %.1f s, %.2f bpm from %.3f s (%s)\n", o->music,
				ras_song_seconds(s->song), bpm, offset,
				fit.tracked ? "found by beat tracking" : "as given");
		cfg->music = ras_song_source(s->song);
	}
	return 0;
}

/* Music and bed, made before the engine: nothing loads in the audio thread. */
static int music_config(struct session *s, const struct ras_options *o, const struct loop *l,
			struct ras_engine_config *cfg, char *err, size_t errlen)
{
	const char *bed = o->bed ? o->bed : l && l->program && *l->program->bed ? l->program->bed : NULL;

	cfg->click = !o->no_click;
	cfg->music_gain = ras_db_to_gain(o->music_db);
	cfg->bed_gain = ras_db_to_gain(o->bed_db);
	cfg->duck = o->duck_db > 0 ? ras_db_to_gain(-o->duck_db) : 1.0f;
	if (bed) {
		struct ras_bed_config bc;

		if (ras_bed_parse(bed, &bc, err, errlen))
			return -EINVAL;
		s->bed = ras_bed_new(&bc, s->rate);
		if (!s->bed) {
			snprintf(err, errlen, "--bed: %s", strerror(errno));
			return -errno;
		}
		cfg->bed = ras_bed_source(s->bed);
	}
	if (o->music)
		return music_load(s, o, cfg, err, errlen);
	return 0;
}

/* 0, or 1 (runtime error) or 2 (options at odds) with err set. */
static int session_new(struct session *s, const struct ras_options *o, double rate,
		       const char *map_text, struct loop *l, char *err, size_t errlen)
{
	static const char *const defaults[RAS_PART_COUNT] = {
		[RAS_PART_ACCENT] = "click",
		[RAS_PART_NORMAL] = "click",
		[RAS_PART_SUB] = "tick",
		[RAS_PART_COUNTIN] = "click",
	};
	struct ras_engine_config cfg;
	struct ras_schedule *sched;
	struct ras_session_info info;

	memset(s, 0, sizeof(*s));
	if (l && l->session)
		ras_session_info(l->session, &info);
	s->rate = rate;
	ras_engine_config_default(&cfg);
	cfg.rate = rate;
	for (int i = 0; i < RAS_PART_COUNT; i++) {
		const char *spec = o->sound[i];

		/* Accent and count-in follow --sound unless named themselves;
		 * a session may name its sound. */
		if (!spec && i != RAS_PART_SUB)
			spec = o->sound[RAS_PART_NORMAL];
		if (!spec && i != RAS_PART_SUB && l && l->session)
			spec = info.sound;
		/* A program's cues differ by part: on, off and the count. */
		if (!o->sound[i] && l && l->program)
			spec = i == RAS_PART_ACCENT ? RAS_PROGRAM_SOUND_ON :
			       i == RAS_PART_SUB ? RAS_PROGRAM_SOUND_COUNT : RAS_PROGRAM_SOUND_OFF;
		if (!spec)
			spec = defaults[i];
		if (ras_cuefile_resolve(spec, i == RAS_PART_ACCENT, rate, &s->sound[i], err, errlen))
			goto fail;
		cfg.sound[i] = s->sound[i];
		cfg.gain[i] = ras_db_to_gain(o->gain_db[i]);
	}
	/* Every sound a session's phases name, loaded now: none while it plays. */
	if (l && l->session && (s->phase_sounds = ras_session_sound_count(l->session))) {
		s->phase_sound = calloc(2 * (size_t)s->phase_sounds, sizeof(*s->phase_sound));
		if (!s->phase_sound) {
			s->phase_sounds = 0;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (int i = 0; i < 2 * s->phase_sounds; i++) {
			char why[ERRLEN];
			int line;
			const char *name = ras_session_sound_name(l->session, i / 2, &line);

			if (ras_cuefile_resolve(name, i % 2 == 0, rate, &s->phase_sound[i], why,
						sizeof(why))) {
				snprintf(err, errlen, "%s:%d: sound: %.700s", o->session, line, why);
				goto fail;
			}
		}
	}
	cfg.master = ras_db_to_gain(o->master_db);
	cfg.alternate = o->alternate;
	cfg.first_foot = o->first_foot;
	cfg.pan = (float)o->pan;
	cfg.gap_play = o->gap[0];
	cfg.gap_mute = o->gap[1];
	if (o->fade[0] >= 0) {
		cfg.fade_half = o->fade[0];
		cfg.fade_silent = o->fade[0] + o->fade[1];
	}
	if (l && l->session)
		ras_session_engine_config(l->session, &cfg);
	if (music_config(s, o, l, &cfg, err, errlen))
		goto fail;
	if (l && l->program) {
		cfg.master *= ras_db_to_gain(l->program->gain_db);
		if (ras_program_build(l->program, &sched, err, errlen))
			goto fail;
	} else {
		sched = build_schedule(o, map_text, l && l->session ? &info : NULL, err, errlen);
	}
	if (!sched)
		goto fail;
	s->endless = ras_schedule_open(sched);
	/* The controller keeps its own copy of the schedule: made before the
	 * engine takes this one. */
	if (l && l->adapt) {
		if (ras_tempo_check_source(&l->tcfg, sched, err, errlen)) {
			/* --bpm-min/--bpm-max/--max-change against the tempo asked for */
			ras_schedule_free(sched);
			session_free(s);
			return 2;
		}
		l->tempo = ras_tempo_new(&l->tcfg, sched);
		if (!l->tempo) {
			snprintf(err, errlen, "cannot start tempo control: %s", strerror(errno));
			ras_schedule_free(sched);
			goto fail;
		}
	}
	s->engine = ras_engine_new(&cfg, sched);
	if (!s->engine) {
		snprintf(err, errlen, "cannot start the engine: %s", strerror(errno));
		goto fail;
	}
	if (l) {
		l->engine = s->engine;
		l->sounds = s;
		l->master = ras_db_to_gain(o->master_db);
	}
	return 0;
fail:
	session_free(s);
	return 1;
}

static int fail(const char *what, const char *err)
{
	fprintf(stderr, "rasbeat: %s%s%s\n", what ? what : "", what ? ": " : "", err);
	return 1;
}

/* A key or axis by name (KEY_A, BTN_0, ABS_X) or number; 2 with a message if unknown. */
static int event_code(const char *opt, const char *spec, unsigned type, int *code)
{
	char *end;
	long v = strtol(spec, &end, 0);

	if (*spec && !*end && v >= 0 && v <= libevdev_event_type_get_max(type)) {
		*code = (int)v;
		return 0;
	}
	*code = libevdev_event_code_from_name(type, spec);
	if (*code >= 0)
		return 0;
	fprintf(stderr, "rasbeat: --%s: '%s' is not %s (e.g. %s, or a number up to %d)\n", opt, spec,
		type == EV_KEY ? "a key or button" : "an absolute axis",
		type == EV_KEY ? "KEY_A or BTN_0" : "ABS_X", libevdev_event_type_get_max(type));
	return 2;
}

static void print_summary(const struct ras_gait_summary *g)
{
	static const char side[] = { 'L', 'R' };

	printf("steps: %zu over %.1f s\n", g->steps, g->duration_s);
	if (g->steps < 2)
		return;
	printf("cadence: %.1f steps/min\n", g->cadence_spm);
	printf("step time: %.3f s (CV %.1f %%)\n", g->step_mean_s, g->step_cv_pct);
	for (int f = 0; f < 2; f++) {
		if (g->strides[f])
			printf("stride time %c: %.3f s (CV %.1f %%, %zu strides)\n", side[f],
			       g->stride_mean_s[f], g->stride_cv_pct[f], g->strides[f]);
		else
			printf("stride time %c: none\n", side[f]);
	}
	if (isnan(g->asymmetry_pct))
		printf("asymmetry: n/a (feet unknown)\n");
	else
		printf("asymmetry: %.1f %% (2|L-R|/(L+R) of step times)\n", g->asymmetry_pct);
}

/* The detector settings from the options; 2 (usage) with a message. */
static int detect_config(const struct ras_options *o, struct ras_detect_config *cfg)
{
	enum ras_sensor_kind kind;
	unsigned type;

	ras_sensor_kind_from_name(o->sensor, &kind);
	ras_detect_config_default(cfg, kind);
	type = kind == RAS_SENSOR_FORCE ? EV_ABS : EV_KEY;
	if (o->left_code && event_code("left-code", o->left_code, type, &cfg->left_code))
		return 2;
	if (o->right_code && event_code("right-code", o->right_code, type, &cfg->right_code))
		return 2;
	if (o->lockout >= 0)
		cfg->lockout_s = o->lockout;
	if (o->debounce >= 0)
		cfg->debounce_s = o->debounce;
	return 0;
}


static int steps_add(struct steps *st, const struct ras_step *s, size_t n)
{
	if (st->n + n > st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 1024;
		struct ras_step *v;

		while (cap < st->n + n)
			cap *= 2;
		v = realloc(st->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		st->v = v;
		st->cap = cap;
	}
	memcpy(st->v + st->n, s, n * sizeof(*s));
	st->n += n;
	return 0;
}

/* Live event times to the session clock: MONOTONIC -> JACK frame -> engine frame. */
struct play_clock {
	struct ras_clocksync *cs;
	struct ras_jack *jack;
	double rate;
};

static bool mono_to_session(void *ctx, int64_t mono_ns, int64_t *session_ns)
{
	struct play_clock *pc = ctx;
	uint32_t frame, start;

	if (!ras_jack_start_frame(pc->jack, &start) ||
	    !ras_clocksync_mono_to_frame(pc->cs, mono_ns, &frame))
		return false;
	*session_ns = llround(ras_frame_diff(frame, start) / pc->rate * 1e9);
	return true;
}


static int loop_beat(const struct ras_beat *b, void *ctx)
{
	struct loop *l = ctx;

	l->beats++;
	l->last_beat = *b;
	l->tempo_now = b->tempo;
	if (l->nheard == 64)
		memmove(l->heard_ns, l->heard_ns + 1, 63 * sizeof(l->heard_ns[0])), l->nheard--;
	l->heard_ns[l->nheard++] = llround((b->time + l->latency_s) * 1e9);
	if (l->log && ras_beatlog_write(l->log, b) && !l->error)
		l->error = -EIO;
	if (l->slog)
		ras_sessionlog_beat(l->slog, b);
	if (l->walker && b->audible)
		ras_walker_hear(l->walker, b->time + l->latency_s);
	if (l->tempo)
		ras_tempo_beat(l->tempo, b);
	if (l->session)
		ras_session_beat(l->session, b);
	if (l->program && l->verbose) {
		char what[128];

		ras_program_describe(l->program, b->index, what, sizeof(what));
		fprintf(stderr, "rasbeat: %7.1f s  %s\n", b->time, what);
	}
	return 0;
}

static void loop_steps(struct loop *l, const struct ras_step *st, size_t n)
{
	if (n && steps_add(&l->steps, st, n) && !l->error)
		l->error = -ENOMEM;
	for (size_t i = 0; l->slog && i < n; i++)
		ras_sessionlog_step(l->slog, &st[i]);
	for (size_t i = 0; l->tempo && i < n; i++)
		ras_tempo_step(l->tempo, st[i].time_ns * 1e-9, st[i].foot);
	for (size_t i = 0; l->session && i < n; i++)
		ras_session_step(l->session, st[i].time_ns * 1e-9, st[i].foot);
}

/* Sensor lost, back, re-synced: on the console and in events.csv. */
static void sensor_news(void *ctx, int64_t mono_ns, const char *line)
{
	struct loop *l = ctx;

	(void)mono_ns;
	fprintf(stderr, "rasbeat: sensor: %s\n", line);
	if (strstr(line, "lost") && !l->sensor_lost) {
		l->sensor_lost = true;
		l->sensor_lost_at = l->now;
	} else if (strstr(line, "back")) {
		l->sensor_lost = false;
	}
	if (l->slog)
		ras_sessionlog_event(l->slog, l->now, RAS_EVENT_SENSOR, "%s", line);
}

/* What the protocol decided, in events.csv. */
static void log_session_event(struct loop *l, const struct ras_session_event *ev)
{
	const struct ras_phase *ph = ras_session_phase(l->session, ev->phase);

	switch (ev->kind) {
	case RAS_SESSION_PHASE:
		if (ph)
			ras_sessionlog_phase(l->slog, ev->time, ph->name, ras_phase_type_name(ph->type));
		break;
	case RAS_SESSION_RAMP_UP:
		ras_sessionlog_event(l->slog, ev->time, RAS_EVENT_TEMPO, "%.1f bpm: %s", ev->tempo_bpm,
				     ev->text);
		break;
	case RAS_SESSION_ABORT:
		ras_sessionlog_event(l->slog, ev->time, RAS_EVENT_ERROR, "%s", ev->text);
		break;
	default:
		ras_sessionlog_event(l->slog, ev->time, RAS_EVENT_INFO, "%s", ev->text);
		break;
	}
}

/* Adaptation in events.csv: each whole bpm it moves, and lock changes (the
 * tempo of every beat is in beats.csv). */
static void log_adaptation(struct loop *l, double now)
{
	struct ras_tempo_status st;
	const char *mode;

	ras_tempo_status(l->tempo, &st);
	mode = ras_adapt_name(st.mode);
	if (isfinite(st.tempo_bpm) && !(fabs(st.tempo_bpm - l->logged_bpm) < 1)) {
		if (isfinite(st.cadence_spm))
			ras_sessionlog_event(l->slog, now, RAS_EVENT_TEMPO, "%.1f bpm: %s, cadence %.1f spm",
					     st.tempo_bpm, mode, st.cadence_spm);
		else
			ras_sessionlog_event(l->slog, now, RAS_EVENT_TEMPO, "%.1f bpm: %s", st.tempo_bpm,
					     mode);
		l->logged_bpm = st.tempo_bpm;
	}
	if (st.locked != l->logged_lock) {
		ras_sessionlog_event(l->slog, now, RAS_EVENT_INFO, "%s: %s", mode,
				     st.locked ? "locked on the cadence" : "unlocked");
		l->logged_lock = st.locked;
	}
}

/* After a block (render) or a poll (play): the walker's steps up to now. */
static int loop_block(int64_t frame, void *ctx)
{
	struct loop *l = ctx;
	struct ras_step st;

	while (l->walker && ras_walker_next(l->walker, frame / l->rate, &st))
		loop_steps(l, &st, 1);
	if (l->tempo) {
		struct ras_cmd cmd[RAS_TEMPO_CMD_MAX];
		int n = ras_tempo_poll(l->tempo, frame / l->rate, cmd, RAS_TEMPO_CMD_MAX);

		/* A full queue only delays: the controller re-aligns on the next beat. */
		for (int i = 0; i < n; i++)
			ras_engine_send(l->engine, &cmd[i]);
		if (l->slog)
			log_adaptation(l, frame / l->rate);
	}
	if (l->session) {
		struct ras_cmd cmd[RAS_SESSION_CMD_MAX];
		struct ras_session_event ev;
		int n = ras_session_poll(l->session, frame / l->rate, cmd, RAS_SESSION_CMD_MAX);

		for (int i = 0; i < n; i++) {
			/* The runner knows no buffers and no --master: see session.h. */
			if (cmd[i].kind == RAS_CMD_SOUND) {
				int k = (int)cmd[i].value;

				cmd[i].sound = k < 0 ? l->sounds->sound[cmd[i].part] :
					       l->sounds->phase_sound[2 * k + (cmd[i].part != RAS_PART_ACCENT)];
			} else if (cmd[i].kind == RAS_CMD_GAIN) {
				cmd[i].value *= l->master;
			} else if (cmd[i].kind == RAS_CMD_RESUME && l->op_paused) {
				continue;	/* the operator's pause holds until they resume */
			}
			ras_engine_send(l->engine, &cmd[i]);
		}
		while (ras_session_next_event(l->session, &ev)) {
			fprintf(stderr, "rasbeat: %7.1f s  %s\n", ev.time, ev.text);
			if (l->slog)
				log_session_event(l, &ev);
		}
		if (ras_session_done(l->session))
			return 1;	/* the protocol is over: a clean end */
	}
	return 0;
}

/* 0, or 2 (usage: a bad --walker) or 1 (a bad session file) with the
 * message printed. */
static int loop_open(struct loop *l, const struct ras_options *o, double rate)
{
	struct ras_walker_config wc;
	char err[ERRLEN];

	memset(l, 0, sizeof(*l));
	l->rate = rate;
	if (o->session && !(l->program = malloc(sizeof(*l->program)))) {
		fprintf(stderr, "rasbeat: out of memory\n");
		return 1;
	}
	if (o->session) {
		/* A program= file, else a gait session. */
		int ret = ras_program_load(o->session, l->program, err, sizeof(err));

		if (ret && ret != -ENODATA) {
			fprintf(stderr, "rasbeat: %s\n", err);
			free(l->program);
			l->program = NULL;
			return 1;
		}
		if (!ret) {
			l->verbose = !o->quiet;
			if (!o->quiet)
				fprintf(stderr, "rasbeat: %s: %s, %d %ss\n", l->program->name,
					ras_program_type_name(l->program->type), l->program->cycles,
					l->program->type == RAS_PROGRAM_BREATHING ? "breath" :
					l->program->type == RAS_PROGRAM_STRETCHING ? "rep" : "group");
		} else {
			free(l->program);
			l->program = NULL;
		}
	}
	if (o->session && !l->program) {
		struct ras_session_config sc;

		ras_session_config_default(&sc);
		sc.rate = rate;
		sc.bpm_min = o->bpm_min;
		sc.bpm_max = o->bpm_max;
		l->session = ras_session_new(&sc, o->session, err, sizeof(err));
		if (!l->session) {
			/* a file's content, like a tempo map's: a runtime error */
			fprintf(stderr, "rasbeat: %s\n", err);
			return 1;
		}
	}
	if (o->adapt && strcmp(o->adapt, "fixed")) {
		enum ras_adapt mode;

		ras_adapt_from_name(o->adapt, &mode);
		ras_tempo_config_default(&l->tcfg, mode);
		l->tcfg.rate = rate;
		l->tcfg.bpm_min = o->bpm_min;
		l->tcfg.bpm_max = o->bpm_max;
		if (o->max_change > 0)
			l->tcfg.max_change_bpm_per_min = o->max_change;
		l->adapt = true;
	}
	if (!o->walker)
		return 0;
	if (ras_walker_parse(o->walker, &wc, err, sizeof(err))) {
		fprintf(stderr, "rasbeat: %s\n", err);
		return 2;
	}
	l->walker = ras_walker_new(&wc);
	if (!l->walker) {
		fprintf(stderr, "rasbeat: --walker: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}

/* Steps out and the summary; 0 or 1. */
static int loop_finish(struct loop *l, const struct ras_options *o)
{
	char err[ERRLEN];
	struct ras_gait_summary g;
	int ret = 0;

	if (o->steps_out && ras_steplog_write(o->steps_out, l->steps.v, l->steps.n, err, sizeof(err))) {
		fprintf(stderr, "rasbeat: %s\n", err);
		ret = 1;
	}
	if ((o->walker || o->input) && !o->quiet && ras_gait_summarize(l->steps.v, l->steps.n, &g) == 0)
		print_summary(&g);
	return ret;
}

/*
 * The session's record: --log DIR, else a new dated folder, unless --no-log.
 * A folder that cannot be made is said and the cues go on: exit status 1.
 * Opened before the first decisions; the writer starts once the latency is
 * known (log_start).
 */
static void log_open(struct loop *l, const struct ras_options *o, double rate, const char *device)
{
	struct ras_sessionlog_config cfg = { .rate = rate, .patient = o->patient };
	char dir[PATH_MAX], err[ERRLEN];
	int ret;

	if (o->no_log)
		return;
	if (o->log_dir) {
		cfg.dir = o->log_dir;
	} else if ((ret = ras_sessionlog_default_dir(o->patient, dir, sizeof(dir)))) {
		fprintf(stderr, "rasbeat: no folder for the session's record (%s; set HOME or use "
			"--log DIR); cues go on without one\n", strerror(-ret));
		l->slog_failed = true;
		return;
	} else {
		cfg.dir = dir;
	}
	l->slog = ras_sessionlog_new(&cfg, err, sizeof(err));
	if (!l->slog) {
		fprintf(stderr, "rasbeat: session record: %s; cues go on without one\n", err);
		l->slog_failed = true;
		return;
	}
	ras_sessionlog_info(l->slog, NULL, "command", main_argc > 1 ? main_argv[1] : "");
	ras_sessionlog_info_argv(l->slog, main_argc, main_argv);
	ras_sessionlog_info(l->slog, NULL, "device", device);
	ras_sessionlog_info(l->slog, "versions", "rasbeat", RASBEAT_VERSION);
	ras_sessionlog_info(l->slog, "versions", "libsndfile", sf_version_string());
	ras_sessionlog_info(l->slog, "versions", "jack", jack_get_version_string());
	ras_sessionlog_info(l->slog, "versions", "jansson", JANSSON_VERSION);
	ras_sessionlog_info(l->slog, "settings", "session", o->session);
	ras_sessionlog_info(l->slog, "settings", "adapt", o->adapt ? o->adapt : "fixed");
	ras_sessionlog_info(l->slog, "settings", "sensor", o->sensor);
	ras_sessionlog_info(l->slog, "settings", "input", o->input);
	ras_sessionlog_info(l->slog, "settings", "walker", o->walker);
	ras_sessionlog_info(l->slog, "settings", "map", o->map);
	ras_sessionlog_info(l->slog, "settings", "music", o->music);
	ras_sessionlog_info(l->slog, "settings", "bed", o->bed);
	ras_sessionlog_info(l->slog, "settings", "click", o->no_click ? "off" : "on");
	ras_sessionlog_info_num(l->slog, "settings", "tempo_bpm", o->session || o->map ? NAN : o->tempo);
	ras_sessionlog_info_num(l->slog, "settings", "bpm_min", o->bpm_min);
	ras_sessionlog_info_num(l->slog, "settings", "bpm_max", o->bpm_max);
	ras_sessionlog_info_num(l->slog, "settings", "max_change_bpm_per_min",
				o->max_change > 0 ? o->max_change : NAN);
	ras_sessionlog_info_num(l->slog, "settings", "master_db", o->master_db);
	ras_sessionlog_info_num(l->slog, "settings", "duration_s", o->duration >= 0 ? o->duration : NAN);
	ras_sessionlog_event(l->slog, 0, RAS_EVENT_START, "rasbeat %s %s", RASBEAT_VERSION,
			     main_argc > 1 ? main_argv[1] : "");
	/* One phase for a run without a protocol: the protocol names its own. */
	if (l->program)
		ras_sessionlog_phase(l->slog, 0, *l->program->name ? l->program->name :
				     ras_program_type_name(l->program->type), "program");
	else if (!l->session)
		ras_sessionlog_phase(l->slog, 0, "cue", "cue");
}

static void log_start(struct loop *l, double latency_s, bool say)
{
	char err[ERRLEN];

	if (!l->slog)
		return;
	ras_sessionlog_set_latency(l->slog, latency_s);
	if (ras_sessionlog_start(l->slog, err, sizeof(err)) == 0 && say)
		fprintf(stderr, "rasbeat: session record in %s\n", ras_sessionlog_dir(l->slog));
}

/* A log write error, said once while the cues go on. */
static void log_check(struct loop *l)
{
	char err[ERRLEN];

	if (!l->slog || l->slog_said || !ras_sessionlog_error(l->slog))
		return;
	ras_sessionlog_error_text(l->slog, err, sizeof(err));
	fprintf(stderr, "rasbeat: session record: %s; cues go on\n", err);
	/* events.csv may still take it when another file failed */
	ras_sessionlog_event(l->slog, l->now, RAS_EVENT_ERROR, "%s", err);
	l->slog_said = true;
}

/* Finish the record; 0, or 1 when it is incomplete (said why). With steps
 * or a protocol, the table per phase follows the gait summary. */
static int log_close(struct loop *l, double end_s, const char *why, bool quiet)
{
	char err[ERRLEN];
	uint64_t lost;

	if (!l->slog)
		return l->slog_failed;
	if (ras_sessionlog_close(l->slog, end_s, why, err, sizeof(err))) {
		fprintf(stderr, "rasbeat: session record: %s\n", err);
		l->slog_failed = true;
	}
	if ((lost = ras_sessionlog_lost(l->slog))) {
		fprintf(stderr, "rasbeat: session record: %llu rows lost\n", (unsigned long long)lost);
		l->slog_failed = true;
	}
	if (!quiet && (l->steps.n || l->session)) {
		putchar('\n');
		ras_report_text(ras_sessionlog_record(l->slog), stdout);
	}
	return l->slog_failed;
}

static void loop_free(struct loop *l)
{
	ras_sessionlog_free(l->slog);
	ras_session_free(l->session);
	free(l->program);
	ras_tempo_free(l->tempo);
	ras_walker_free(l->walker);
	free(l->steps.v);
	memset(l, 0, sizeof(*l));
}

static int run_render(const struct ras_options *o, const char *map_text, const char *out,
		      const char *beats_out)
{
	char err[ERRLEN];
	struct session s = { 0 };
	struct ras_audiofile *af = NULL;
	struct ras_beatlog *log = NULL;
	struct loop loop;
	int64_t frames = -1;
	int ret;

	if ((ret = loop_open(&loop, o, o->rate)))
		return ret;
	if ((ret = session_new(&s, o, o->rate, map_text, &loop, err, sizeof(err)))) {
		fail(NULL, err);
		goto out;
	}
	if (o->duration >= 0) {
		frames = llround(o->duration * o->rate);
	} else if (s.endless && !loop.session) {
		fprintf(stderr, "rasbeat: render: --duration is required (this tempo goes on for ever)\n");
		ret = 2;
		goto out;
	}
	if ((out && !(af = ras_audiofile_create(out, o->rate, 2, err, sizeof(err)))) ||
	    (beats_out && !(log = ras_beatlog_create(beats_out, err, sizeof(err))))) {
		ret = fail(NULL, err);
		goto out;
	}
	loop.log = log;
	catch_signals();
	log_open(&loop, o, o->rate, NULL);
	/* Decisions due at frame 0 (a session's first phase may be cue-less). */
	loop_block(0, &loop);
	log_start(&loop, 0, false);
	ret = ras_render_run(s.engine, af, frames, o->block, loop_beat, loop_block, &loop, err,
			     sizeof(err));
	log_check(&loop);
	if (!ret && loop.error) {
		snprintf(err, sizeof(err), "%s: %s", beats_out ? beats_out : "steps",
			 strerror(-loop.error));
		ret = loop.error;
	}
	if (!ret && af) {
		ret = ras_audiofile_commit(af, err, sizeof(err));
		af = NULL;
	}
	if (!ret && log) {
		ret = ras_beatlog_commit(log, err, sizeof(err));
		log = NULL;
		/* Both files or neither: a failed render leaves no output,
		 * not an audio file without its beat list. */
		if (ret && out)
			unlink(out);
	}
	if (ret) {
		ret = fail("render", err);
		log_close(&loop, (double)ras_engine_frame(s.engine) / o->rate, "render failed", true);
		goto out;
	}
	ret = loop_finish(&loop, o);
	if (log_close(&loop, (double)ras_engine_frame(s.engine) / o->rate,
		      stop_signal ? "stopped by signal" : "finished", o->quiet))
		ret = 1;
	if (!o->quiet)
		fprintf(stderr, "rasbeat: rendered %.3f s at %.0f Hz%s%s%s%s, peak %.1f dBFS%s%s\n",
			(double)ras_engine_frame(s.engine) / o->rate, o->rate, out ? " to " : "",
			out ? out : "", beats_out ? ", beats in " : "", beats_out ? beats_out : "",
			20 * log10(fmax(ras_engine_peak(s.engine), 1e-9)),
			loop.slog ? "; session record in " : "",
			loop.slog ? ras_sessionlog_dir(loop.slog) : "");
out:
	ras_audiofile_abort(af);
	ras_beatlog_abort(log);
	loop_free(&loop);
	session_free(&s);
	return ret;
}

/* ---- the operator: keys, OSC, what the console shows ---------------------- */

/* Synchronization over the last 16 steps heard against: R and mean asynchrony. */
static void recent_sync(const struct loop *l, double *r, double *async_ms)
{
	struct ras_sync_summary sum;
	size_t n = l->steps.n, k = 0;

	*r = *async_ms = NAN;
	if (l->nheard < 2)
		return;
	while (n > 0 && l->steps.v[n - 1].time_ns >= l->heard_ns[l->nheard - 1])
		n--;	/* not yet followed by a beat */
	while (k < 16 && k < n && l->steps.v[n - k - 1].time_ns > l->heard_ns[0])
		k++;
	if (k >= 2 && ras_sync_summarize(l->steps.v + n - k, k, l->heard_ns, (size_t)l->nheard,
					 NULL, &sum) == 0 && sum.steps >= 2) {
		*r = sum.r;
		*async_ms = sum.asynchrony_mean_ms;
	}
}

static void fill_status(const struct loop *l, const struct ras_options *o, const char *sensor,
			struct ras_status *st)
{
	ras_status_init(st);
	st->time_s = l->now;
	st->tempo_bpm = l->tempo_now;
	st->bpm_min = o->bpm_min;
	st->bpm_max = o->bpm_max;
	st->paused = l->op_paused;
	st->xruns = l->xruns;
	if (l->steps.n >= 2) {
		double spm;

		if (!ras_cadence_window(l->steps.v, l->steps.n, llround(l->now * 1e9), 8, 10.0, &spm))
			st->cadence_spm = spm;
	}
	for (size_t i = l->steps.n; i-- > 0;) {
		const struct ras_step *sp = &l->steps.v[i];
		int k = sp->foot == RAS_FOOT_LEFT ? RAS_STATUS_STEP_LEFT :
			sp->foot == RAS_FOOT_RIGHT ? RAS_STATUS_STEP_RIGHT : RAS_STATUS_STEP_ANY;

		if (isnan(st->step_time_s[k]))
			st->step_time_s[k] = sp->time_ns * 1e-9;
		if (l->steps.n - i > 8)
			break;
	}
	if (l->beats) {
		st->beat_index = l->last_beat.index;
		st->beat_time_s = l->last_beat.time;
		st->beat_foot = l->last_beat.foot;
		st->beat_audible = l->last_beat.audible;
	}
	recent_sync(l, &st->r, &st->async_ms);
	if (l->tempo) {
		struct ras_tempo_status ts;

		ras_tempo_status(l->tempo, &ts);
		snprintf(st->mode, sizeof(st->mode), "%s", ras_adapt_name(ts.mode));
		st->target_bpm = ts.target_bpm;
	}
	if (l->session) {
		struct ras_session_status ss;
		const struct ras_phase *ph;

		ras_session_status(l->session, &ss);
		snprintf(st->mode, sizeof(st->mode), "protocol");
		ph = ras_session_phase(l->session, ss.phase);
		if (ph) {
			struct ras_session_info info;

			ras_session_info(l->session, &info);
			snprintf(st->phase, sizeof(st->phase), "%s", ph->name);
			snprintf(st->phase_type, sizeof(st->phase_type), "%s", ras_phase_type_name(ph->type));
			st->phase_index = ss.phase;
			st->phase_count = info.phases;
			st->phase_elapsed_s = l->now - ss.phase_start;
			st->phase_length_s = ph->seconds > 0 ? ph->seconds : NAN;
		}
		if (isfinite(ss.r)) {
			st->r = ss.r;
			st->async_ms = ss.asynchrony_ms;
		}
	} else if (l->program) {
		snprintf(st->mode, sizeof(st->mode), "program");
		snprintf(st->phase, sizeof(st->phase), "%s", l->program->name);
		snprintf(st->phase_type, sizeof(st->phase_type), "program");
	}
	if (o->patient)
		snprintf(st->patient, sizeof(st->patient), "%s", o->patient);
	if (l->sensor_lost) {
		snprintf(st->sensor, sizeof(st->sensor), "LOST since %.0f s", l->now - l->sensor_lost_at);
		st->sensor_alert = true;
	} else {
		snprintf(st->sensor, sizeof(st->sensor), "%s", sensor);
	}
	snprintf(st->log_dir, sizeof(st->log_dir), "%s",
		 l->slog ? ras_sessionlog_dir(l->slog) : "(no record)");
}

/* What an operator asked for: to the engine, the protocol and the record. */
static void act(struct loop *l, const struct ras_options *o, struct ras_operator *op,
		const struct ras_action *a, const char *sensor)
{
	const char *src = ras_action_source_name(a->source);
	char what[256];
	double bpm;

	ras_action_describe(a, what, sizeof(what));
	switch (a->kind) {
	case RAS_ACTION_TEMPO_SET:
	case RAS_ACTION_TEMPO_DELTA:
	case RAS_ACTION_TEMPO_SCALE: {
		struct ras_cmd c = { .kind = RAS_CMD_TEMPO, .frame = -1 };

		if (ras_action_tempo(a, l->tempo_now, o->bpm_min, o->bpm_max, &bpm)) {
			snprintf(what, sizeof(what), "tempo: outside %g to %g bpm (--bpm-min, --bpm-max)",
				 o->bpm_min, o->bpm_max);
			ras_operator_refuse(op, a, what);
			fprintf(stderr, "rasbeat: %s\n", what);
			return;
		}
		c.value = bpm;
		if (ras_engine_send(l->engine, &c)) {
			ras_operator_refuse(op, a, "tempo: busy, try again");
			return;
		}
		if (l->tempo)
			ras_tempo_sent(l->tempo, &c);
		l->tempo_now = bpm;
		fprintf(stderr, "rasbeat: %7.1f s  tempo %.1f bpm (%s)%s\n", l->now, bpm, src,
			l->session ? "; the protocol sets it again at its next step" : "");
		if (l->slog)
			ras_sessionlog_event(l->slog, l->now, RAS_EVENT_TEMPO, "%.1f bpm: %s", bpm, src);
		return;
	}
	case RAS_ACTION_PAUSE_TOGGLE:
	case RAS_ACTION_PAUSE:
	case RAS_ACTION_RESUME: {
		bool pause = a->kind == RAS_ACTION_PAUSE ||
			     (a->kind == RAS_ACTION_PAUSE_TOGGLE && !l->op_paused);
		struct ras_cmd c = { .kind = pause ? RAS_CMD_PAUSE : RAS_CMD_RESUME, .frame = -1 };

		if (!pause && l->session) {
			struct ras_session_status ss;

			/* A baseline or post-test, or cues faded out: the protocol
			 * wants none, and a resume would spoil its measure. */
			ras_session_status(l->session, &ss);
			if (!ss.cues && !l->op_paused) {
				snprintf(what, sizeof(what), "resume: this phase of the protocol plays no cues");
				ras_operator_refuse(op, a, what);
				fprintf(stderr, "rasbeat: %s\n", what);
				return;
			}
			if (!ss.cues) {
				/* the operator's pause ends; the protocol keeps its silence */
				l->op_paused = false;
				fprintf(stderr, "rasbeat: %7.1f s  operator pause over (%s)\n", l->now, src);
				if (l->slog)
					ras_sessionlog_event(l->slog, l->now, RAS_EVENT_RESUME, "%s", src);
				return;
			}
		}
		if (ras_engine_send(l->engine, &c))
			return;
		l->op_paused = pause;
		fprintf(stderr, "rasbeat: %7.1f s  cues %s (%s)\n", l->now, pause ? "paused" : "resumed", src);
		if (l->slog)
			ras_sessionlog_event(l->slog, l->now, pause ? RAS_EVENT_PAUSE : RAS_EVENT_RESUME,
					     "%s", src);
		return;
	}
	case RAS_ACTION_NEXT_PHASE:
		if (!l->session || ras_session_next(l->session, l->now)) {
			ras_operator_refuse(op, a, "next: no protocol phase to end");
			fprintf(stderr, "rasbeat: next phase: %s\n", l->session ? "the session is over" :
				"no protocol (--session)");
			return;
		}
		if (l->slog)
			ras_sessionlog_event(l->slog, l->now, RAS_EVENT_INFO, "next phase: %s", src);
		return;
	case RAS_ACTION_MARK: {
		double t = isfinite(a->time_s) ? a->time_s : l->now;

		fprintf(stderr, "rasbeat: %7.1f s  mark%s%s (%s)\n", t, *a->text ? ": " : "", a->text, src);
		if (l->slog)
			ras_sessionlog_event(l->slog, t, RAS_EVENT_MARK, "%s%s(%s)", a->text,
					     *a->text ? " " : "", src);
		return;
	}
	case RAS_ACTION_QUIT:
		l->quit = true;
		snprintf(l->quit_why, sizeof(l->quit_why), "ended by the operator (%s)", src);
		return;
	case RAS_ACTION_QUERY: {
		struct ras_status st;

		fill_status(l, o, sensor, &st);
		ras_operator_reply(op, a, &st);
		return;
	}
	default:
		return;
	}
}

/* Each poll of the play loop: actions in, the status out when due. */
static void operate(struct loop *l, const struct ras_options *o, struct ras_operator *op,
		    const char *sensor)
{
	struct ras_action a;

	while (!l->quit && ras_operator_next(op, &a))
		act(l, o, op, &a, sensor);
	if (ras_operator_due(op)) {
		struct ras_status st;

		fill_status(l, o, sensor, &st);
		ras_operator_show(op, &st);
	}
}

/*
 * --reconnect: the server shut down. Wait for one of that name, then go on
 * with the same engine where it stopped: the session's clock (engine
 * frames) stands still meanwhile. 0 once back (*jack replaced); -1 when a
 * signal or the operator ends the wait, or the server came back changed.
 */
static int reconnect(struct ras_jack **jack, struct session *s, struct loop *l,
		     const struct ras_options *o, struct ras_operator *op, const char *sensor,
		     struct play_clock *pc, const char *why)
{
	const char *const connect[2] = { o->connect[0], o->connect[1] };
	double rate = ras_jack_rate(*jack);
	char err[ERRLEN];

	fprintf(stderr, "rasbeat: JACK server shut down: %s; waiting for it (--reconnect)\n", why);
	if (l->slog)
		ras_sessionlog_event(l->slog, l->now, RAS_EVENT_ERROR,
				     "JACK server shut down: %s; waiting for it", why);
	if (pc->cs)
		ras_clocksync_jack_stop(pc->cs);
	l->xrun_base += ras_jack_xruns(*jack);
	ras_jack_stop(*jack);
	ras_jack_close(*jack);
	*jack = NULL;
	while (!stop_signal && !l->quit) {
		struct timespec nap = { 0, 250 * 1000 * 1000 };
		struct ras_jack *j = ras_jack_open(o->client_name, o->server, err, sizeof(err));

		operate(l, o, op, sensor);
		if (!j) {
			nanosleep(&nap, NULL);
			continue;
		}
		if (ras_jack_rate(j) != rate) {
			fprintf(stderr, "rasbeat: the JACK server came back at %.0f Hz, not %.0f Hz: "
				"the session cannot go on\n", ras_jack_rate(j), rate);
			ras_jack_close(j);
			return -1;
		}
		if (ras_jack_start(j, s->engine, connect, o->no_connect, err, sizeof(err))) {
			fprintf(stderr, "rasbeat: JACK: %s\n", err);
			ras_jack_close(j);
			return -1;
		}
		*jack = j;
		pc->jack = j;
		if (ras_jack_latency(j) / rate != l->latency_s) {
			l->latency_s = ras_jack_latency(j) / rate;
			if (l->tempo)
				ras_tempo_set_latency(l->tempo, l->latency_s);
			if (l->session)
				ras_session_set_latency(l->session, l->latency_s);
			if (l->slog) {
				/* session.json keeps the first; heard times follow. */
				ras_sessionlog_set_latency(l->slog, l->latency_s);
				ras_sessionlog_event(l->slog, l->now, RAS_EVENT_INFO,
						     "playback latency now %.1f ms", 1000 * l->latency_s);
			}
		}
		if (pc->cs && ras_clocksync_jack_start(pc->cs, ras_jack_client(j), true, 1000))
			fprintf(stderr, "rasbeat: cannot measure the JACK clock again: steps will not be placed\n");
		fprintf(stderr, "rasbeat: %7.1f s  JACK server back: playing as %s\n", l->now,
			ras_jack_name(j));
		if (l->slog)
			ras_sessionlog_event(l->slog, l->now, RAS_EVENT_INFO, "JACK server back: %s",
					     ras_jack_name(j));
		return 0;
	}
	return -1;
}

/* Every beat the engine has reported, through the loop. */
static void drain_beats(struct ras_engine *e, struct loop *l)
{
	struct ras_beat b;

	while (ras_engine_next_beat(e, &b))
		loop_beat(&b, l);
}

static int run_play(const struct ras_options *o, const char *map_text, struct ras_jack *jack)
{
	const char *const connect[2] = { o->connect[0], o->connect[1] };
	char err[ERRLEN], why[300];
	struct ras_beatlog *log = NULL;
	struct ras_stepsource *src = NULL;
	struct play_clock pc = { .jack = jack };
	struct loop loop;
	struct session s = { 0 };
	struct ras_operator *op = NULL;
	struct ras_operator_config opc = { .console = !o->quiet && !o->no_console,
					   .status_line = !o->quiet, .osc_port = o->osc_port,
					   .osc_bind = o->osc_bind, .bpm_min = o->bpm_min,
					   .bpm_max = o->bpm_max };
	const char *sensor = o->walker ? "walker" : "none";
	double rate = ras_jack_rate(jack);
	int64_t limit = o->duration >= 0 ? llround(o->duration * rate) : -1;
	int64_t seen = -1;
	uint32_t start;
	bool said_start = false, lost = false, stalled = false, said_error = false;
	struct timespec quiet_since;
	int ret = 0;

	if ((ret = loop_open(&loop, o, rate))) {
		ras_jack_close(jack);
		return ret;
	}
	if ((ret = session_new(&s, o, rate, map_text, &loop, err, sizeof(err)))) {
		fail(NULL, err);
		goto fail_setup;
	}
	if (o->input) {
		struct ras_stepsource_config sc = { .input = o->input, .grab = o->grab };

		if ((ret = detect_config(o, &sc.detect)))
			goto fail_setup;
		src = ras_stepsource_open(&sc, err, sizeof(err));
		if (!src) {
			ret = fail(NULL, err);
			goto fail_setup;
		}
	}
	if (o->beats_out && !(log = ras_beatlog_create(o->beats_out, err, sizeof(err)))) {
		ret = fail(NULL, err);
		goto fail_setup;
	}
	loop.log = log;
	catch_signals();
	log_open(&loop, o, rate, src ? ras_stepsource_name(src) : NULL);
	if (src)
		sensor = ras_stepsource_name(src);
	/* Before the start: a port OSC cannot have is a clear error, not a
	 * session without its remote. */
	op = ras_operator_new(&opc, err, sizeof(err));
	if (!op) {
		ret = fail("--osc", err);
		goto fail_setup;
	}
	if (ras_operator_osc_url(op) && !o->quiet)
		fprintf(stderr, "rasbeat: OSC remote control at %s\n", ras_operator_osc_url(op));
	if (loop.slog) {
		ras_sessionlog_info(loop.slog, NULL, "jack_client", ras_jack_name(jack));
		ras_sessionlog_info_num(loop.slog, NULL, "period_frames", ras_jack_buffer_size(jack));
	}
	loop_block(0, &loop);
	if (ras_jack_start(jack, s.engine, connect, o->no_connect, err, sizeof(err))) {
		ret = fail("JACK", err);
		goto fail_setup;
	}
	/* The walker hears a beat when it leaves the speakers; the controller
	 * compares steps with that moment too. */
	loop.latency_s = ras_jack_latency(jack) / rate;
	if (loop.tempo)
		ras_tempo_set_latency(loop.tempo, loop.latency_s);
	if (loop.session)
		ras_session_set_latency(loop.session, loop.latency_s);
	log_start(&loop, loop.latency_s, !o->quiet);
	if (src && !ras_stepsource_is_replay(src)) {
		/* Measured, not assumed: jackd2 counts CLOCK_MONOTONIC_RAW,
		 * PipeWire CLOCK_MONOTONIC, and evdev stamps CLOCK_MONOTONIC. */
		pc.cs = ras_clocksync_new();
		pc.rate = rate;
		if (!pc.cs || ras_clocksync_jack_start(pc.cs, ras_jack_client(jack), true, 1000))
			fprintf(stderr, "rasbeat: cannot measure the JACK clock: steps will not be placed\n");
		else
			ras_stepsource_set_clock(src, mono_to_session, &pc);
	}
	if (src && !o->quiet)
		fprintf(stderr, "rasbeat: steps from %s '%s' (%s sensor)\n",
			ras_stepsource_is_replay(src) ? "the recording of" : "device",
			ras_stepsource_name(src), o->sensor);
	if (!o->quiet)
		fprintf(stderr, "rasbeat: playing as %s at %.0f Hz, %u frames a cycle, playback latency %u frames (%.1f ms)%s\n",
			ras_jack_name(jack), rate, ras_jack_buffer_size(jack), ras_jack_latency(jack),
			1000.0 * ras_jack_latency(jack) / rate,
			limit < 0 && s.endless ? "; Ctrl-C stops" : "");
	clock_gettime(CLOCK_MONOTONIC, &quiet_since);
	while (!stop_signal) {
		struct timespec ts = { 0, 10 * 1000 * 1000 }, now;
		int64_t frame = ras_engine_frame(s.engine);

		loop.now = frame / rate;
		if (ras_jack_lost(jack, why, sizeof(why))) {
			/* Beats of the old server are heard with its latency. */
			drain_beats(s.engine, &loop);
			if (o->reconnect && !reconnect(&jack, &s, &loop, o, op, sensor, &pc, why)) {
				seen = -1;
				clock_gettime(CLOCK_MONOTONIC, &quiet_since);
				continue;
			}
			lost = true;
			break;
		}
		/*
		 * Watchdog: a server can vanish without telling its clients
		 * (PipeWire 0.3.65's libjack calls no shutdown callback), and
		 * then no cycle ever comes. Started engine frames move every cycle.
		 */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (frame != seen) {
			seen = frame;
			quiet_since = now;
		} else if ((now.tv_sec - quiet_since.tv_sec) * 1000000000LL +
			   (now.tv_nsec - quiet_since.tv_nsec) >= STALL_SECONDS * 1000000000LL) {
			snprintf(why, sizeof(why), "no process cycle for %d s (server gone or hung)",
				 STALL_SECONDS);
			lost = stalled = true;
			break;
		}
		if (!said_start && ras_jack_start_frame(jack, &start)) {
			said_start = true;
			if (!o->quiet)
				fprintf(stderr, "rasbeat: engine frame 0 = JACK frame %u\n", start);
		}
		drain_beats(s.engine, &loop);
		if (src) {
			struct ras_step got[64];
			int64_t now_ns = llround(frame / rate * 1e9);
			int k = ras_stepsource_poll(src, now_ns, got, 64, sensor_news, &loop);

			if (k > 0)
				loop_steps(&loop, got, (size_t)k);
		}
		if (loop_block(frame, &loop) > 0)
			break;	/* the session is over */
		if (loop.xrun_base + ras_jack_xruns(jack) != loop.xruns) {
			loop.xruns = loop.xrun_base + ras_jack_xruns(jack);
			if (loop.slog)
				ras_sessionlog_event(loop.slog, frame / rate, RAS_EVENT_XRUN, "%llu in all",
						     (unsigned long long)loop.xruns);
		}
		log_check(&loop);
		operate(&loop, o, op, sensor);
		if (loop.quit)
			break;
		if (loop.error && !said_error) {
			fprintf(stderr, "rasbeat: %s; cues go on\n", loop.error == -ENOMEM ?
				"out of memory for steps" : "beat list: write failed");
			said_error = true;
			ret = 1;
		}
		if (ras_engine_done(s.engine))
			break;
		if (limit >= 0 && ras_engine_frame(s.engine) >= limit)
			break;
		nanosleep(&ts, NULL);
	}
	/* The terminal back before the summary; what was said meanwhile follows. */
	ras_operator_free(op);
	op = NULL;
	/* A hung server would block jack_deactivate for ever: leave it to exit. */
	if (!stalled)
		ras_jack_stop(jack);
	drain_beats(s.engine, &loop);
	if (pc.cs) {
		ras_clocksync_jack_stop(pc.cs);
		ras_clocksync_free(pc.cs);
	}
	if (src && ras_stepsource_unplaced(src))
		fprintf(stderr, "rasbeat: %llu steps could not be placed on the session clock\n",
			(unsigned long long)ras_stepsource_unplaced(src));
	ras_stepsource_free(src);
	if (loop_finish(&loop, o))
		ret = 1;
	if (log && (ret = ras_beatlog_commit(log, err, sizeof(err)) ? 1 : ret))
		fprintf(stderr, "rasbeat: %s\n", err);
	if (lost)
		fprintf(stderr, "rasbeat: JACK server %s: %s; stopped after %.1f s, %lld beats\n",
			stalled ? "lost" : "shut down", why,
			(double)ras_engine_frame(s.engine) / rate, (long long)loop.beats);
	else if (!o->quiet)
		fprintf(stderr, "rasbeat: %s after %.1f s: %lld beats, %llu xruns%s%s\n",
			loop.quit ? loop.quit_why : stop_signal ? "stopped by signal" : "finished",
			(double)ras_engine_frame(s.engine) / rate, (long long)loop.beats,
			(unsigned long long)loop.xruns, o->beats_out ? ", beats in " : "",
			o->beats_out ? o->beats_out : "");
	if (ras_engine_dropped(s.engine))
		fprintf(stderr, "rasbeat: %llu beats not logged (reader too slow)\n",
			(unsigned long long)ras_engine_dropped(s.engine));
	if (lost)
		snprintf(err, sizeof(err), "JACK server %s: %s", stalled ? "lost" : "shut down", why);
	if (log_close(&loop, (double)ras_engine_frame(s.engine) / rate, lost ? err :
		      loop.quit ? loop.quit_why : stop_signal ? "stopped by signal" : "finished",
		      o->quiet))
		ret = 1;
	loop_free(&loop);
	if (stalled)
		return 1;	/* the client may still run: keep the engine it calls */
	ras_jack_close(jack);
	session_free(&s);
	return lost ? 1 : ret;

fail_setup:
	ras_operator_free(op);
	/* The client first: it may be calling the engine. */
	ras_jack_close(jack);
	ras_beatlog_abort(log);
	ras_stepsource_free(src);
	loop_free(&loop);
	session_free(&s);
	return ret;
}


static int run_demo(struct ras_options *o)
{
	char err[ERRLEN], dir[4000], wav[4200], csv[4200], steps[4200];
	struct ras_jack *jack;
	const char *base;

	o->alternate = true;
	if (!o->sound[RAS_PART_NORMAL])
		o->sound[RAS_PART_NORMAL] = "woodblock";
	o->countin = 1;
	/* The whole loop without hardware: a walker starting slower than the
	 * cues, entraining to them as a patient would. */
	if (!o->walker)
		o->walker = "cadence=84,cv=3,coupling=0.3,period=0.1,seed=1";
	catch_signals();
	jack = ras_jack_open(o->client_name, o->server, err, sizeof(err));
	if (jack) {
		fprintf(stderr, "rasbeat: demo through JACK: a 1-bar count-in, 90 bpm, a ramp to 110, "
			"then fading out; a simulated walker steps along\n");
		return run_play(o, demo_map, jack);
	}
	if (o->out_dir) {
		snprintf(dir, sizeof(dir), "%s", o->out_dir);
	} else if ((base = getenv("XDG_DATA_HOME")) && *base) {
		snprintf(dir, sizeof(dir), "%s/rasbeat/demo", base);
	} else {
		snprintf(dir, sizeof(dir), "%s/.local/share/rasbeat/demo",
			 (base = getenv("HOME")) && *base ? base : ".");
	}
	fprintf(stderr, "rasbeat: %s; rendering the demo instead\n", err);
	if (ras_mkdirs(dir, 0755, err, sizeof(err)))
		return fail(NULL, err);
	snprintf(wav, sizeof(wav), "%s/demo.wav", dir);
	snprintf(csv, sizeof(csv), "%s/beats.csv", dir);
	snprintf(steps, sizeof(steps), "%s/steps.csv", dir);
	o->steps_out = steps;
	if (run_render(o, demo_map, wav, csv))
		return 1;
	printf("Demo rendered:\n  audio: %s\n  beats: %s\n  steps: %s (a simulated walker)\n", wav,
	       csv, steps);
	return 0;
}

static int run_cues(const struct ras_options *o)
{
	static const char *const ext[] = { "wav", "flac", "ogg" };
	const char *dir = o->out_dir ? o->out_dir : "cues";
	const double rate = o->rate == 48000 ? 44100 : o->rate;
	char err[ERRLEN], path[4200];

	if (ras_mkdirs(dir, 0755, err, sizeof(err)))
		return fail(NULL, err);
	for (int c = 0; c < RAS_CUE_COUNT; c++) {
		for (int accent = 0; accent < 2; accent++) {
			struct ras_sound *s = ras_sound_synth(c, accent, rate);

			if (!s)
				return fail(NULL, "out of memory");
			for (int x = 0; x < 3; x++) {
				snprintf(path, sizeof(path), "%s/%s%s.%s", dir, ras_cue_name(c),
					 accent ? "-accent" : "", ext[x]);
				if (ras_cuefile_save(s, path, err, sizeof(err))) {
					ras_sound_free(s);
					return fail(NULL, err);
				}
				if (!o->quiet)
					printf("%s\n", path);
			}
			ras_sound_free(s);
		}
	}
	return 0;
}

static int run_analyze(const struct ras_options *o)
{
	char err[ERRLEN];
	struct ras_detect_config cfg;
	enum ras_sensor_kind kind;
	struct ras_evemu *rec = NULL;
	struct ras_detector *det = NULL;
	struct steps steps = { 0 };
	struct ras_gait_summary g;
	const struct ras_input_event *ev;
	size_t count;
	int ret;

	if ((ret = detect_config(o, &cfg)))
		return ret;
	kind = cfg.kind;
	ret = 1;
	if (ras_evemu_load(o->input, &rec, err, sizeof(err)))
		return fail(NULL, err);
	if (!ras_detect_device_fits(ras_evemu_device(rec), kind)) {
		fprintf(stderr, "rasbeat: %s: device '%s' has no %s for a %s sensor\n", o->input,
			ras_evemu_device(rec)->name,
			kind == RAS_SENSOR_FOOTSWITCH ? "keys or buttons" :
			kind == RAS_SENSOR_FORCE ? "absolute axes" : "X, Y and Z axes",
			ras_sensor_kind_name(kind));
		goto out;
	}
	det = ras_detector_new(&cfg, ras_evemu_device(rec));
	if (!det) {
		fprintf(stderr, "rasbeat: %s: cannot set up the %s detector: %s\n", o->input,
			ras_sensor_kind_name(kind), strerror(errno));
		goto out;
	}
	ev = ras_evemu_events(rec);
	count = ras_evemu_count(rec);
	/* As fast as possible: the recording's own time axis is the clock. */
	for (size_t i = 0; i <= count; i++) {
		struct ras_step found[RAS_DETECT_MAX_STEPS];
		int k = i < count ? ras_detector_feed(det, &ev[i], found, RAS_DETECT_MAX_STEPS) :
			ras_detector_flush(det, found, RAS_DETECT_MAX_STEPS);

		if (k > 0 && steps_add(&steps, found, (size_t)k)) {
			fprintf(stderr, "rasbeat: out of memory\n");
			goto out;
		}
	}
	if (ras_gait_summarize(steps.v, steps.n, &g)) {
		fprintf(stderr, "rasbeat: %s: the detector gave steps out of order\n", o->input);
		goto out;
	}
	if (o->steps_out && ras_steplog_write(o->steps_out, steps.v, steps.n, err, sizeof(err))) {
		fail(NULL, err);
		goto out;
	}
	if (!o->quiet)
		printf("%s: '%s', %s sensor, %zu events\n", o->input, ras_evemu_device(rec)->name,
		       ras_sensor_kind_name(kind), count);
	print_summary(&g);
	ret = 0;
out:
	free(steps.v);
	ras_detector_free(det);
	ras_evemu_free(rec);
	return ret;
}

static int run_record(const struct ras_options *o)
{
	char err[ERRLEN], path[RAS_EVDEV_PATH_MAX];
	long n;

	if (ras_evdev_resolve(o->input, -1, NULL, path, sizeof(path), err, sizeof(err)))
		return fail(NULL, err);
	catch_signals();
	if (!o->quiet)
		fprintf(stderr, "rasbeat: recording %s to %s%s\n", path, o->out,
			o->duration >= 0 ? "" : "; Ctrl-C stops");
	n = ras_evdev_record(path, o->out, o->duration, &stop_signal, o->quiet ? NULL : stderr, err,
			     sizeof(err));
	if (n < 0)
		return fail(NULL, err);
	if (!o->quiet)
		fprintf(stderr, "rasbeat: %ld events in %s\n", n, o->out);
	return 0;
}

/* A report into `path`, whole or not at all. 0, or 1 with the message said. */
static int report_file(const char *path, const struct ras_record *const *recs, size_t n,
		       bool progress, bool html)
{
	char err[ERRLEN];
	struct ras_tmpfile t;
	FILE *f;
	int ret;

	if (ras_tmpfile_open(&t, path, 0644, err, sizeof(err)))
		return fail("report", err);
	f = fdopen(t.fd, "w");
	if (!f) {
		close(t.fd);
		ras_tmpfile_discard(&t);
		return fail("report", strerror(errno));
	}
	if (progress)
		ret = html ? ras_report_progress_html(recs, n, f) : ras_report_progress_svg(recs, n, f);
	else
		ret = html ? ras_report_html(recs[0], f) : ras_report_svg(recs[0], f);
	/* On disk before the rename: whole or not at all. */
	if (!ret && (fflush(f) || fsync(fileno(f))))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret) {
		ras_tmpfile_discard(&t);
		snprintf(err, sizeof(err), "%s: cannot write: %s", path, strerror(-ret));
		return fail("report", err);
	}
	if (ras_tmpfile_commit(&t, err, sizeof(err)))
		return fail("report", err);
	return 0;
}

/* The session folders of a patient, oldest first (their names are dates). */
static int patient_sessions(const char *patient, char ***out, int *n)
{
	char base[PATH_MAX], path[PATH_MAX + 300];
	struct dirent **names;
	struct stat st;
	int k;

	if (ras_sessionlog_patient_dir(patient, base, sizeof(base))) {
		fprintf(stderr, "rasbeat: report: no data folder (set HOME or XDG_DATA_HOME)\n");
		return 1;
	}
	k = scandir(base, &names, NULL, alphasort);
	if (k < 0) {
		fprintf(stderr, "rasbeat: report: %s: %s (no sessions of patient '%s')\n", base,
			strerror(errno), patient);
		return 1;
	}
	for (int i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/%s", base, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			char **v = realloc(*out, (size_t)(*n + 1) * sizeof(*v));

			if (!v || !(v[*n] = strdup(path))) {
				if (v)
					*out = v;
				k = -1;
				break;
			}
			*out = v;
			(*n)++;
		}
	}
	for (int i = 0; i < (k > 0 ? k : 0); i++)
		free(names[i]);
	free(names);
	if (k < 0)
		return fail("report", "out of memory");
	return 0;
}

/*
 * One folder: its table on stdout, plots and page when asked. Several, or
 * a patient's: progress, one row per session.
 */
static int run_report(const struct ras_options *o)
{
	char err[ERRLEN], **dirs = NULL;
	struct ras_record *recs = NULL;
	const struct ras_record **ptrs = NULL;
	int n = 0, ret = 1;
	bool progress = o->ndirs > 1 || o->patient;

	for (int i = 0; i < o->ndirs; i++) {
		char **v = realloc(dirs, (size_t)(n + 1) * sizeof(*v));

		if (!v || !(v[n] = strdup(o->dirs[i]))) {
			if (v)
				dirs = v;
			fail("report", "out of memory");
			goto out;
		}
		dirs = v;
		n++;
	}
	if (o->patient && patient_sessions(o->patient, &dirs, &n))
		goto out;
	if (!n) {
		fprintf(stderr, "rasbeat: report: no sessions of patient '%s'\n", o->patient);
		goto out;
	}
	recs = calloc((size_t)n, sizeof(*recs));
	ptrs = calloc((size_t)n, sizeof(*ptrs));
	if (!recs || !ptrs) {
		fail("report", "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		ras_record_init(&recs[i]);
		ptrs[i] = &recs[i];
		if (ras_record_load(&recs[i], dirs[i], err, sizeof(err))) {
			fail("report", err);
			goto out;
		}
	}
	if (progress ? ras_report_progress_text(ptrs, (size_t)n, stdout) :
		       ras_report_text(ptrs[0], stdout)) {
		fail("report", "cannot write to standard output");
		goto out;
	}
	if ((o->svg && report_file(o->svg, ptrs, (size_t)n, progress, false)) ||
	    (o->html && report_file(o->html, ptrs, (size_t)n, progress, true)))
		goto out;
	ret = 0;
out:
	for (int i = 0; i < n; i++) {
		if (recs)
			ras_record_clear(&recs[i]);
		free(dirs[i]);
	}
	free(dirs);
	free(recs);
	free(ptrs);
	return ret;
}

int main(int argc, char **argv)
{
	char err[ERRLEN];
	struct ras_options o;

	main_argc = argc;
	main_argv = argv;
	/* The user's language for messages; numbers stay plain decimals (the
	 * files and options use dots whatever the locale). */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	if (ras_cli_parse(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "rasbeat: %s\n", err);
		return 2;
	}
	switch (o.command) {
	case RAS_RUN_HELP:
		ras_cli_usage(stdout);
		return 0;
	case RAS_RUN_VERSION:
		printf("rasbeat %s\n", RASBEAT_VERSION);
		return 0;
	case RAS_RUN_RENDER:
		return run_render(&o, NULL, o.out, o.beats_out);
	case RAS_RUN_PLAY: {
		struct ras_jack *jack;

		/* Before connecting: a stop asked for meanwhile is a clean stop. */
		catch_signals();
		jack = ras_jack_open(o.client_name, o.server, err, sizeof(err));

		if (!jack)
			return fail(NULL, err);
		return run_play(&o, NULL, jack);
	}
	case RAS_RUN_DEMO:
		return run_demo(&o);
	case RAS_RUN_CUES:
		return run_cues(&o);
	case RAS_RUN_ANALYZE:
		return run_analyze(&o);
	case RAS_RUN_DEVICES:
		return ras_evdev_print_devices(stdout, NULL) < 0;
	case RAS_RUN_RECORD:
		return run_record(&o);
	case RAS_RUN_REPORT:
		return run_report(&o);
	}
	return 2;
}

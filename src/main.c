/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - rhythmic auditory stimulation for JACK
 *
 * main.c wires the modules: options -> tempo source -> schedule -> engine
 * -> JACK client or offline render, with the beat list beside them.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/beatlog.h"
#include "rasbeat/cli.h"
#include "rasbeat/cuefile.h"
#include "rasbeat/engine.h"
#include "rasbeat/jackout.h"
#include "rasbeat/render.h"
#include "rasbeat/tempomap.h"

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

struct session {
	struct ras_sound *sound[RAS_PART_COUNT];
	struct ras_engine *engine;
	double rate;
	bool endless;		/* the schedule never ends by itself */
};

static void session_free(struct session *s)
{
	ras_engine_free(s->engine);
	for (int i = 0; i < RAS_PART_COUNT; i++)
		ras_sound_free(s->sound[i]);
	memset(s, 0, sizeof(*s));
}

static struct ras_schedule *build_schedule(const struct ras_options *o, const char *map_text,
					   char *err, size_t errlen)
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

/* 0, or 1 (runtime error) with err set. */
static int session_new(struct session *s, const struct ras_options *o, double rate,
		       const char *map_text, char *err, size_t errlen)
{
	static const char *const defaults[RAS_PART_COUNT] = {
		[RAS_PART_ACCENT] = "click",
		[RAS_PART_NORMAL] = "click",
		[RAS_PART_SUB] = "tick",
		[RAS_PART_COUNTIN] = "click",
	};
	struct ras_engine_config cfg;
	struct ras_schedule *sched;

	memset(s, 0, sizeof(*s));
	s->rate = rate;
	ras_engine_config_default(&cfg);
	cfg.rate = rate;
	for (int i = 0; i < RAS_PART_COUNT; i++) {
		const char *spec = o->sound[i];

		/* Accent and count-in follow --sound unless named themselves. */
		if (!spec && i != RAS_PART_SUB)
			spec = o->sound[RAS_PART_NORMAL];
		if (!spec)
			spec = defaults[i];
		if (ras_cuefile_resolve(spec, i == RAS_PART_ACCENT, rate, &s->sound[i], err, errlen))
			goto fail;
		cfg.sound[i] = s->sound[i];
		cfg.gain[i] = ras_db_to_gain(o->gain_db[i]);
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
	sched = build_schedule(o, map_text, err, errlen);
	if (!sched)
		goto fail;
	s->endless = isinf(ras_schedule_end_time(sched));
	s->engine = ras_engine_new(&cfg, sched);
	if (!s->engine) {
		snprintf(err, errlen, "cannot start the engine: %s", strerror(errno));
		goto fail;
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

static int run_render(const struct ras_options *o, const char *map_text, const char *out,
		      const char *beats_out)
{
	char err[ERRLEN];
	struct session s;
	struct ras_audiofile *af = NULL;
	struct ras_beatlog *log = NULL;
	int64_t frames = -1;
	int ret;

	if (session_new(&s, o, o->rate, map_text, err, sizeof(err)))
		return fail(NULL, err);
	if (o->duration >= 0) {
		frames = llround(o->duration * o->rate);
	} else if (s.endless) {
		session_free(&s);
		fprintf(stderr, "rasbeat: render: --duration is required (this tempo goes on for ever)\n");
		return 2;
	}
	if (out && !(af = ras_audiofile_create(out, o->rate, 2, err, sizeof(err)))) {
		session_free(&s);
		return fail(NULL, err);
	}
	if (beats_out && !(log = ras_beatlog_create(beats_out, err, sizeof(err)))) {
		ras_audiofile_abort(af);
		session_free(&s);
		return fail(NULL, err);
	}
	catch_signals();
	ret = ras_render_run(s.engine, af, frames, o->block, log ? ras_beatlog_beat_fn : NULL, log,
			     err, sizeof(err));
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
	ras_audiofile_abort(af);
	ras_beatlog_abort(log);
	if (ret) {
		session_free(&s);
		return fail("render", err);
	}
	if (!o->quiet)
		fprintf(stderr, "rasbeat: rendered %.3f s at %.0f Hz%s%s%s%s, peak %.1f dBFS\n",
			(double)ras_engine_frame(s.engine) / o->rate, o->rate, out ? " to " : "",
			out ? out : "", beats_out ? ", beats in " : "", beats_out ? beats_out : "",
			20 * log10(fmax(ras_engine_peak(s.engine), 1e-9)));
	session_free(&s);
	return 0;
}

static int drain_beats(struct ras_engine *e, struct ras_beatlog *log, int64_t *count)
{
	struct ras_beat b;
	int ret = 0;

	while (ras_engine_next_beat(e, &b)) {
		(*count)++;
		if (log && !ret)
			ret = ras_beatlog_write(log, &b);
	}
	return ret;
}

static int run_play(const struct ras_options *o, const char *map_text, struct ras_jack *jack)
{
	const char *const connect[2] = { o->connect[0], o->connect[1] };
	char err[ERRLEN], why[300];
	struct ras_beatlog *log = NULL;
	struct session s;
	double rate = ras_jack_rate(jack);
	int64_t limit = o->duration >= 0 ? llround(o->duration * rate) : -1, beats = 0;
	int64_t seen = -1;
	uint32_t start;
	bool said_start = false, lost = false, stalled = false;
	struct timespec quiet_since;
	int ret = 0;

	if (session_new(&s, o, rate, map_text, err, sizeof(err))) {
		ras_jack_close(jack);
		return fail(NULL, err);
	}
	if (o->beats_out && !(log = ras_beatlog_create(o->beats_out, err, sizeof(err)))) {
		ras_jack_close(jack);
		session_free(&s);
		return fail(NULL, err);
	}
	catch_signals();
	if (ras_jack_start(jack, s.engine, connect, o->no_connect, err, sizeof(err))) {
		ras_jack_close(jack);
		ras_beatlog_abort(log);
		session_free(&s);
		return fail("JACK", err);
	}
	if (!o->quiet)
		fprintf(stderr, "rasbeat: playing as %s at %.0f Hz, %u frames a cycle, playback latency %u frames (%.1f ms)%s\n",
			ras_jack_name(jack), rate, ras_jack_buffer_size(jack), ras_jack_latency(jack),
			1000.0 * ras_jack_latency(jack) / rate,
			limit < 0 && s.endless ? "; Ctrl-C stops" : "");
	clock_gettime(CLOCK_MONOTONIC, &quiet_since);
	while (!stop_signal) {
		struct timespec ts = { 0, 10 * 1000 * 1000 }, now;
		int64_t frame = ras_engine_frame(s.engine);

		if (ras_jack_lost(jack, why, sizeof(why))) {
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
		if (drain_beats(s.engine, log, &beats) && !ret) {
			fprintf(stderr, "rasbeat: %s: write failed; cues go on\n", o->beats_out);
			ret = 1;
		}
		if (ras_engine_done(s.engine))
			break;
		if (limit >= 0 && ras_engine_frame(s.engine) >= limit)
			break;
		nanosleep(&ts, NULL);
	}
	/* A hung server would block jack_deactivate for ever: leave it to exit. */
	if (!stalled)
		ras_jack_stop(jack);
	drain_beats(s.engine, log, &beats);
	if (log && (ret = ras_beatlog_commit(log, err, sizeof(err)) ? 1 : ret))
		fprintf(stderr, "rasbeat: %s\n", err);
	if (lost)
		fprintf(stderr, "rasbeat: JACK server %s: %s; stopped after %.1f s, %lld beats\n",
			stalled ? "lost" : "shut down", why,
			(double)ras_engine_frame(s.engine) / rate, (long long)beats);
	else if (!o->quiet)
		fprintf(stderr, "rasbeat: %s after %.1f s: %lld beats, %llu xruns%s%s\n",
			stop_signal ? "stopped by signal" : "finished",
			(double)ras_engine_frame(s.engine) / rate, (long long)beats,
			(unsigned long long)ras_jack_xruns(jack), o->beats_out ? ", beats in " : "",
			o->beats_out ? o->beats_out : "");
	if (ras_engine_dropped(s.engine))
		fprintf(stderr, "rasbeat: %llu beats not logged (reader too slow)\n",
			(unsigned long long)ras_engine_dropped(s.engine));
	if (stalled)
		return 1;	/* the client may still run: keep the engine it calls */
	ras_jack_close(jack);
	session_free(&s);
	return lost ? 1 : ret;
}

static int make_dirs(const char *path, char *err, size_t errlen)
{
	char buf[4096];

	if (strlen(path) >= sizeof(buf)) {
		/* Only its start: the whole path would not fit the message. */
		snprintf(err, errlen, "%.64s...: path too long (%zu bytes)", path, strlen(path));
		return -1;
	}
	strcpy(buf, path);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST) {
				snprintf(err, errlen, "%s: cannot create: %s", buf, strerror(errno));
				return -1;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static int run_demo(struct ras_options *o)
{
	char err[ERRLEN], dir[4000], wav[4200], csv[4200];
	struct ras_jack *jack;
	const char *base;

	o->alternate = true;
	if (!o->sound[RAS_PART_NORMAL])
		o->sound[RAS_PART_NORMAL] = "woodblock";
	o->countin = 1;
	catch_signals();
	jack = ras_jack_open(o->client_name, o->server, err, sizeof(err));
	if (jack) {
		fprintf(stderr, "rasbeat: demo through JACK: a 1-bar count-in, 90 bpm, a ramp to 110, then fading out\n");
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
	if (make_dirs(dir, err, sizeof(err)))
		return fail(NULL, err);
	snprintf(wav, sizeof(wav), "%s/demo.wav", dir);
	snprintf(csv, sizeof(csv), "%s/beats.csv", dir);
	if (run_render(o, demo_map, wav, csv))
		return 1;
	printf("Demo rendered:\n  audio: %s\n  beats: %s\n", wav, csv);
	return 0;
}

static int run_cues(const struct ras_options *o)
{
	static const char *const ext[] = { "wav", "flac", "ogg" };
	const char *dir = o->out_dir ? o->out_dir : "cues";
	const double rate = o->rate == 48000 ? 44100 : o->rate;
	char err[ERRLEN], path[4200];

	if (make_dirs(dir, err, sizeof(err)))
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

int main(int argc, char **argv)
{
	char err[ERRLEN];
	struct ras_options o;

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
	}
	return 2;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/bed.h"
#include "rasbeat/cli.h"
#include "rasbeat/decimal.h"
#include "rasbeat/program.h"
#include "rasbeat/render.h"
#include "rasbeat/sessionlog.h"

enum {
	OPT_TEMPO = 256, OPT_RAMP, OPT_STEP, OPT_MAP, OPT_METER, OPT_PATTERN, OPT_SUB,
	OPT_COUNTIN, OPT_GAP, OPT_FADE, OPT_ALTERNATE, OPT_FIRST_FOOT, OPT_PAN, OPT_SOUND,
	OPT_ACCENT_SOUND, OPT_SUB_SOUND, OPT_COUNTIN_SOUND, OPT_GAIN, OPT_DURATION, OPT_RATE,
	OPT_BLOCK, OPT_OUT, OPT_BEATS_OUT, OPT_OUT_DIR, OPT_CLIENT_NAME, OPT_SERVER,
	OPT_NO_CONNECT, OPT_CONNECT, OPT_QUIET, OPT_HELP, OPT_VERSION, OPT_INPUT, OPT_SENSOR,
	OPT_STEPS_OUT, OPT_LEFT_CODE, OPT_RIGHT_CODE, OPT_LOCKOUT, OPT_DEBOUNCE, OPT_GRAB,
	OPT_WALKER, OPT_ADAPT, OPT_BPM_MIN, OPT_BPM_MAX, OPT_MAX_CHANGE, OPT_SESSION, OPT_LOG,
	OPT_NO_LOG, OPT_PATIENT, OPT_SVG, OPT_HTML, OPT_MUSIC, OPT_MUSIC_BPM, OPT_MUSIC_OFFSET,
	OPT_SOUNDFONT, OPT_BED, OPT_DUCK, OPT_NO_CLICK, OPT_OSC, OPT_OSC_BIND, OPT_NO_CONSOLE,
	OPT_RECONNECT,
};

/* Which commands take an option. */
#define P (1 << RAS_RUN_PLAY)
#define R (1 << RAS_RUN_RENDER)
#define D (1 << RAS_RUN_DEMO)
#define C (1 << RAS_RUN_CUES)
#define V (1 << RAS_RUN_DEVICES)
#define REC (1 << RAS_RUN_RECORD)
#define A (1 << RAS_RUN_ANALYZE)
#define RP (1 << RAS_RUN_REPORT)

static const struct {
	struct option opt;
	unsigned commands;
} options[] = {
	{ { "tempo", required_argument, NULL, OPT_TEMPO }, P | R },
	{ { "ramp", required_argument, NULL, OPT_RAMP }, P | R },
	{ { "step", required_argument, NULL, OPT_STEP }, P | R },
	{ { "map", required_argument, NULL, OPT_MAP }, P | R },
	{ { "meter", required_argument, NULL, OPT_METER }, P | R },
	{ { "pattern", required_argument, NULL, OPT_PATTERN }, P | R },
	{ { "sub", required_argument, NULL, OPT_SUB }, P | R },
	{ { "count-in", required_argument, NULL, OPT_COUNTIN }, P | R },
	{ { "gap", required_argument, NULL, OPT_GAP }, P | R },
	{ { "fade", required_argument, NULL, OPT_FADE }, P | R },
	{ { "alternate", no_argument, NULL, OPT_ALTERNATE }, P | R },
	{ { "first-foot", required_argument, NULL, OPT_FIRST_FOOT }, P | R },
	{ { "pan", required_argument, NULL, OPT_PAN }, P | R },
	{ { "sound", required_argument, NULL, OPT_SOUND }, P | R },
	{ { "accent-sound", required_argument, NULL, OPT_ACCENT_SOUND }, P | R },
	{ { "sub-sound", required_argument, NULL, OPT_SUB_SOUND }, P | R },
	{ { "count-in-sound", required_argument, NULL, OPT_COUNTIN_SOUND }, P | R },
	{ { "gain", required_argument, NULL, OPT_GAIN }, P | R | D },
	{ { "music", required_argument, NULL, OPT_MUSIC }, P | R },
	{ { "music-bpm", required_argument, NULL, OPT_MUSIC_BPM }, P | R },
	{ { "music-offset", required_argument, NULL, OPT_MUSIC_OFFSET }, P | R },
	{ { "soundfont", required_argument, NULL, OPT_SOUNDFONT }, P | R },
	{ { "bed", required_argument, NULL, OPT_BED }, P | R },
	{ { "duck", required_argument, NULL, OPT_DUCK }, P | R },
	{ { "no-click", no_argument, NULL, OPT_NO_CLICK }, P | R },
	{ { "osc", required_argument, NULL, OPT_OSC }, P },
	{ { "osc-bind", required_argument, NULL, OPT_OSC_BIND }, P },
	{ { "no-console", no_argument, NULL, OPT_NO_CONSOLE }, P },
	{ { "reconnect", no_argument, NULL, OPT_RECONNECT }, P },
	{ { "duration", required_argument, NULL, OPT_DURATION }, P | R | D | REC },
	{ { "rate", required_argument, NULL, OPT_RATE }, R | D | C },
	{ { "block", required_argument, NULL, OPT_BLOCK }, R },
	{ { "out", required_argument, NULL, OPT_OUT }, R | REC },
	{ { "beats-out", required_argument, NULL, OPT_BEATS_OUT }, P | R },
	{ { "out-dir", required_argument, NULL, OPT_OUT_DIR }, D | C },
	{ { "client-name", required_argument, NULL, OPT_CLIENT_NAME }, P | D },
	{ { "server", required_argument, NULL, OPT_SERVER }, P | D },
	{ { "no-connect", no_argument, NULL, OPT_NO_CONNECT }, P | D },
	{ { "connect", required_argument, NULL, OPT_CONNECT }, P | D },
	{ { "input", required_argument, NULL, OPT_INPUT }, P | REC | A },
	{ { "sensor", required_argument, NULL, OPT_SENSOR }, P | A },
	{ { "steps-out", required_argument, NULL, OPT_STEPS_OUT }, P | R | A },
	{ { "walker", required_argument, NULL, OPT_WALKER }, P | R },
	{ { "session", required_argument, NULL, OPT_SESSION }, P | R },
	{ { "log", required_argument, NULL, OPT_LOG }, P | R },
	{ { "no-log", no_argument, NULL, OPT_NO_LOG }, P | R },
	{ { "patient", required_argument, NULL, OPT_PATIENT }, P | R | RP },
	{ { "svg", required_argument, NULL, OPT_SVG }, RP },
	{ { "html", required_argument, NULL, OPT_HTML }, RP },
	{ { "adapt", required_argument, NULL, OPT_ADAPT }, P | R },
	{ { "bpm-min", required_argument, NULL, OPT_BPM_MIN }, P | R },
	{ { "bpm-max", required_argument, NULL, OPT_BPM_MAX }, P | R },
	{ { "max-change", required_argument, NULL, OPT_MAX_CHANGE }, P | R },
	{ { "left-code", required_argument, NULL, OPT_LEFT_CODE }, P | A },
	{ { "right-code", required_argument, NULL, OPT_RIGHT_CODE }, P | A },
	{ { "lockout", required_argument, NULL, OPT_LOCKOUT }, P | A },
	{ { "debounce", required_argument, NULL, OPT_DEBOUNCE }, P | A },
	{ { "grab", no_argument, NULL, OPT_GRAB }, P },
	{ { "quiet", no_argument, NULL, OPT_QUIET }, P | R | D | C | V | REC | A | RP },
	{ { "help", no_argument, NULL, OPT_HELP }, P | R | D | C | V | REC | A | RP },
	{ { "version", no_argument, NULL, OPT_VERSION }, P | R | D | C | V | REC | A | RP },
};

#define NOPTS (sizeof(options) / sizeof(options[0]))

static const char *const command_names[] = {
	[RAS_RUN_PLAY] = "play",
	[RAS_RUN_RENDER] = "render",
	[RAS_RUN_DEMO] = "demo",
	[RAS_RUN_CUES] = "cues",
	[RAS_RUN_DEVICES] = "devices",
	[RAS_RUN_RECORD] = "record",
	[RAS_RUN_ANALYZE] = "analyze",
	[RAS_RUN_REPORT] = "report",
};

static const char *const part_names[RAS_PART_COUNT] = {
	[RAS_PART_ACCENT] = "accent",
	[RAS_PART_NORMAL] = "normal",
	[RAS_PART_SUB] = "sub",
	[RAS_PART_COUNTIN] = "count-in",
};

void ras_cli_usage(FILE *f)
{
	fputs("Usage: rasbeat COMMAND [options]\n"
	      "\n"
	      "Commands:\n"
	      "  play     play cues through JACK (Ctrl-C or --duration ends)\n"
	      "  render   render cues to an audio file, offline\n"
	      "  demo     a short demo session: JACK if a server runs, else a WAV file\n"
	      "  cues     write the built-in cue sounds as WAV/FLAC/OGG files\n"
	      "  devices  list input devices and the sensor kinds each can serve\n"
	      "  record   record an input device to an evemu file\n"
	      "  analyze  find the steps in an evemu recording, summarize the gait\n"
	      "  report   summarize session logs: rasbeat report DIR... | --patient ID\n"
	      "\n"
	      "Tempo (one of; default --tempo 100):\n"
	      "  --tempo BPM               constant tempo (1 to 600 beats per minute)\n"
	      "  --ramp FROM:TO:SECONDS    linear in time, then TO\n"
	      "  --step PERCENT:SECONDS[:MAX]  +PERCENT of --tempo every SECONDS, up to MAX\n"
	      "  --map FILE                klick tempo map (see rasbeat(1))\n"
	      "\n"
	      "Beats and patterns:\n"
	      "  --meter BEATS[/NOTE]      beats per bar (default 4/4)\n"
	      "  --pattern PAT             X accent, x normal, . silent; one per beat\n"
	      "  --sub N                   clicks per beat (subdivisions, 1 to 16)\n"
	      "  --count-in BARS           count-in bars before the program\n"
	      "  --gap PLAY:MUTE           play PLAY bars, then MUTE silent bars, repeat\n"
	      "  --fade START:LENGTH       from START s every other beat, after LENGTH more s none\n"
	      "  --alternate               step cues alternate left/right, panned\n"
	      "  --first-foot L|R          foot of the first cue (default L)\n"
	      "  --pan AMOUNT              0 centre .. 1 hard left/right (default 0.8)\n"
	      "\n"
	      "Sounds (built-in: click, woodblock, beep, tick; or a WAV/FLAC/OGG file):\n"
	      "  --sound S  --accent-sound S  --sub-sound S  --count-in-sound S\n"
	      "  --gain PART=DB[,...]      parts: master, accent, normal, sub, count-in, music, bed\n"
	      "\n"
	      "Music (play, render): in step with the beat, through ramps and adaptation:\n"
	      "  --music FILE              a groove (cues/grooves/*.groove), a MIDI song (.mid), or an\n"
	      "                            audio song (.wav .flac .ogg), time-stretched to the tempo\n"
	      "  --music-bpm BPM --music-offset S   a song's beat grid (else found at load time)\n"
	      "  --soundfont FILE          General MIDI SoundFont for grooves and MIDI songs\n"
	      "  --no-click                the music alone guides: no cue sounds\n"
	      "  --duck DB                 music dips DB under accented cues\n"
	      "  --bed SPEC                relaxation bed: drone[=HZ], binaural=CARRIER:OFFSET, pulse=HZ\n"
	      "\n"
	      "Output:\n"
	      "  --duration SECONDS        stop after this long\n"
	      "  --beats-out FILE          beat list CSV: index,frame,time_s,tempo_bpm,accent,audible\n"
	      "  --out FILE                (render) .wav .flac .ogg .aiff\n"
	      "  --rate HZ                 (render) sample rate, default 48000\n"
	      "  --block FRAMES            (render) process block size, default 256\n"
	      "  --client-name NAME  --server NAME  --no-connect  --connect PORT[,PORT]  (play)\n"
	      "  --reconnect               (play) when the JACK server goes, wait for it and go on\n"
	      "\n"
	      "The operator (play): a full-screen console when stdout is a terminal (keys on\n"
	      "screen: Up/Down +-1 bpm, PgUp/PgDn +-5 %, space pause, n next phase, m mark,\n"
	      "q end), else a status line every 5 s:\n"
	      "  --no-console              the status line even on a terminal\n"
	      "  --osc PORT                OSC remote control: /rasbeat/tempo f, pause, resume,\n"
	      "                            next, mark s, quit, query, register\n"
	      "  --osc-bind ADDR           listen there (default 127.0.0.1: this machine only)\n"
	      "  --out-dir DIR             (demo, cues) where files go\n"
	      "\n"
	      "Sensors (play, record, analyze):\n"
	      "  --input DEV|FILE.evemu    /dev/input/eventN, a name substring, vendor:product, a recording\n"
	      "  --out FILE.evemu          (record) where the recording goes\n"
	      "  --grab                    (play) take the device for rasbeat alone\n"
	      "  --sensor KIND             (play, analyze) footswitch, force or accel\n"
	      "  --steps-out FILE          steps CSV: time_s,foot,interval_s,stride_s\n"
	      "  --left-code C --right-code C   keys (footswitch) or axes (force) per foot: KEY_A, ABS_X, 30\n"
	      "  --lockout S --debounce S  footswitch/force: minimum step spacing per foot (0.25), contact time\n"
	      "\n"
	      "Closing the loop (play, render):\n"
	      "  --walker SPEC             a simulated walker: cadence=100,cv=3,coupling=0.3,seed=1,...\n"
	      "  --adapt MODE              fixed (default), follow (tempo tracks cadence), entrain\n"
	      "  --bpm-min B --bpm-max B   safety limits for adaptation (default 30, 200)\n"
	      "  --max-change B            largest tempo change per minute, bpm\n"
	      "  --session FILE            a RAS protocol (baseline, cue, ramp, fade, post) or a program\n"
	      "                            (breathing, stretching, relaxation): presets/*.ini\n"
	      "  --log DIR                 the session's record in DIR (created 0700): beats.csv,\n"
	      "                            steps.csv, events.csv, session.json; by default a new\n"
	      "                            folder under ~/.local/share/rasbeat/sessions/PATIENT/\n"
	      "  --patient ID              a pseudonymous patient id (letters, digits, . _ -)\n"
	      "  --no-log                  keep no record\n"
	      "\n"
	      "Reports (report DIR... or --patient ID):\n"
	      "  --svg FILE  --html FILE   plots, and a page with them and the table per phase;\n"
	      "                            several sessions: progress, one row per session\n"
	      "  --quiet  --help  --version\n"
	      "\n"
	      "Exit status: 0 done, 1 runtime error (files, JACK), 2 usage error.\n",
	      f);
}

static int usage_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return 2;
}

/* A finite decimal in [min, max]; no hex, inf, nan or trailing junk. */
static int number(const char *opt, const char *s, double min, double max, double *out,
		  char *err, size_t errlen)
{
	if (!ras_decimal(s, out))
		return usage_error(err, errlen, "%s: '%s' is not a number", opt, s);
	if (*out < min || *out > max)
		return usage_error(err, errlen, "%s: %s is out of range (%g to %g)", opt, s, min, max);
	return 0;
}

static int integer(const char *opt, const char *s, int min, int max, int *out,
		   char *err, size_t errlen)
{
	double v;
	int ret = number(opt, s, min, max, &v, err, errlen);

	if (ret)
		return ret;
	if (v != floor(v))
		return usage_error(err, errlen, "%s: '%s' is not a whole number", opt, s);
	*out = (int)v;
	return 0;
}

/* "A:B[:C]" into doubles, each range-checked; names[] say which is which.
 * Returns how many fields were given, or -1 with err set. */
static int fields(const char *opt, const char *s, int need, int max, const char *const names[],
		  const double lo[], const double hi[], double *out, char *err, size_t errlen)
{
	char buf[128], form[96];
	const char *p = s;
	int n = 0;

	snprintf(form, sizeof(form), "%s%s%s%s%s%s", names[0], need > 1 ? ":" : "",
		 need > 1 ? names[1] : "", max > 2 ? (need > 2 ? ":" : "[:") : "",
		 max > 2 ? names[2] : "", max > need ? "]" : "");
	/* Split by hand: strtok would merge "80::600" into two fields and
	 * then blame the wrong one ("TO: 600") instead of the form. */
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char what[160];

		if (n == max)
			return -!!usage_error(err, errlen, "%s: '%s' has too many fields; the form is %s",
					      opt, s, form);
		if (len == 0 || len >= sizeof(buf))
			return -!!usage_error(err, errlen, "%s: '%s' needs the form %s", opt, s, form);
		memcpy(buf, p, len);
		buf[len] = '\0';
		snprintf(what, sizeof(what), "%s %s", opt, names[n]);
		if (number(what, buf, lo[n], hi[n], &out[n], err, errlen))
			return -1;
		n++;
		if (!colon)
			break;
		p = colon + 1;
	}
	if (n < need)
		return -!!usage_error(err, errlen, "%s: '%s' needs the form %s (%s missing)", opt, s,
				      form, names[n]);
	return n;
}

static int set_source(struct ras_options *o, bool *have, enum ras_source src, const char *opt,
		      char *err, size_t errlen)
{
	/* --tempo goes with --step: it is the base tempo. */
	if (src == RAS_SOURCE_TEMPO)
		return 0;
	if (*have && o->source == src)
		return usage_error(err, errlen, "%s: given twice", opt);
	if (*have)
		return usage_error(err, errlen, "%s: choose one of --ramp, --step and --map", opt);
	*have = true;
	o->source = src;
	return 0;
}

static int parse_gain(struct ras_options *o, const char *s, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return usage_error(err, errlen, "--gain: value too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), what[64];
		double *dst = NULL;
		int ret;

		if (!eq)
			return usage_error(err, errlen, "--gain: '%s' needs the form PART=DB", tok);
		*eq = '\0';
		if (strcmp(tok, "master") == 0)
			dst = &o->master_db;
		if (strcmp(tok, "music") == 0)
			dst = &o->music_db;
		if (strcmp(tok, "bed") == 0)
			dst = &o->bed_db;
		for (int i = 0; i < RAS_PART_COUNT; i++)
			if (strcmp(tok, part_names[i]) == 0)
				dst = &o->gain_db[i];
		if (!dst)
			return usage_error(err, errlen,
					   "--gain: unknown part '%s' (master, accent, normal, sub, count-in, music, bed)", tok);
		snprintf(what, sizeof(what), "--gain %s", tok);
		if ((ret = number(what, eq + 1, -120, 24, dst, err, errlen)))
			return ret;
	}
	return 0;
}

static void defaults(struct ras_options *o)
{
	memset(o, 0, sizeof(*o));
	o->source = RAS_SOURCE_TEMPO;
	o->tempo = 100;
	o->beats = 4;
	o->denom = 4;
	o->sub = 1;
	o->fade[0] = -1;
	o->first_foot = RAS_FOOT_LEFT;
	o->pan = 0.8;
	o->gain_db[RAS_PART_SUB] = -6;
	o->gain_db[RAS_PART_COUNTIN] = -3.6;
	o->music_db = -6;
	o->music_offset = -1;
	o->duration = -1;
	o->rate = 48000;
	o->block = 256;
	o->client_name = "rasbeat";
	o->lockout = -1;
	o->debounce = -1;
	o->bpm_min = 30;
	o->bpm_max = 200;
	o->max_change = -1;
}

int ras_cli_parse(int argc, char **argv, struct ras_options *o, char *err, size_t errlen)
{
	struct option longopts[NOPTS + 1];
	bool have_source = false, tempo_set = false, meter_set = false;
	int ret = 0, c, idx;

	defaults(o);
	for (size_t i = 0; i < NOPTS; i++)
		longopts[i] = options[i].opt;
	memset(&longopts[NOPTS], 0, sizeof(longopts[NOPTS]));

	if (argc < 2)
		return usage_error(err, errlen, "missing command (play, render, demo, cues, devices, record, analyze, report); try --help");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		o->command = RAS_RUN_HELP;
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		o->command = RAS_RUN_VERSION;
		return 0;
	}
	for (idx = 0; idx <= RAS_RUN_REPORT; idx++)
		if (strcmp(argv[1], command_names[idx]) == 0)
			break;
	if (idx > RAS_RUN_REPORT)
		return usage_error(err, errlen,
				   "unknown command '%s' (play, render, demo, cues, devices, record, analyze, report); try --help",
				   argv[1]);
	o->command = idx;

	/*
	 * Options follow the command: scan argv + 1, whose [0] (the command)
	 * getopt skips like a program name. optind = 0, not 1, makes glibc
	 * reset all of its state, so that a second call (tests, or any
	 * caller parsing twice) does not resume inside the last vector.
	 */
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", longopts, &idx)) != -1) {
		const char *a = optarg;
		const char *name = "";

		if (c == 'h')
			c = OPT_HELP;
		if (c == 'V')
			c = OPT_VERSION;
		if (c == '?' && optopt > 0 && optopt < 256)
			return usage_error(err, errlen, "unknown option '-%c'; try --help", optopt);
		if (c == '?' && optopt >= 256) {
			/* A known flag given "=value": getopt says '?' too. */
			const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

			return usage_error(err, errlen, "%.*s takes no value", eq ? (int)(eq - arg) :
					   (int)strlen(arg), arg);
		}
		if (c == '?')
			return usage_error(err, errlen, "unknown option '%s'; try --help", argv[optind - 1]);
		if (c == ':')
			return usage_error(err, errlen, "%s needs a value", argv[optind - 1]);
		for (size_t i = 0; i < NOPTS; i++) {
			if (options[i].opt.val == c) {
				name = options[i].opt.name;
				if (!(options[i].commands & (1u << o->command)))
					return usage_error(err, errlen, "--%s does not apply to '%s'", name,
							   command_names[o->command]);
			}
		}
		char opt[48];

		snprintf(opt, sizeof(opt), "--%s", name);
		switch (c) {
		case OPT_TEMPO:
			ret = number(opt, a, RAS_BPM_MIN, RAS_BPM_MAX, &o->tempo, err, errlen);
			tempo_set = true;
			break;
		case OPT_RAMP: {
			static const char *const n[] = { "FROM", "TO", "SECONDS" };
			static const double lo[] = { RAS_BPM_MIN, RAS_BPM_MIN, 0.001 };
			static const double hi[] = { RAS_BPM_MAX, RAS_BPM_MAX, 1e7 };

			ret = fields(opt, a, 3, 3, n, lo, hi, o->ramp, err, errlen) < 0 ? 2 : 0;
			if (!ret)
				ret = set_source(o, &have_source, RAS_SOURCE_RAMP, opt, err, errlen);
			break;
		}
		case OPT_STEP: {
			static const char *const n[] = { "PERCENT", "SECONDS", "MAX_BPM" };
			static const double lo[] = { -90, 0.001, RAS_BPM_MIN };
			static const double hi[] = { 100, 1e7, RAS_BPM_MAX };
			int got;

			o->step[2] = -1;
			got = fields(opt, a, 2, 3, n, lo, hi, o->step, err, errlen);
			ret = got < 0 ? 2 : 0;
			if (got == 2)
				o->step[2] = -1;
			if (!ret && o->step[0] == 0)
				ret = usage_error(err, errlen, "%s PERCENT: must not be 0", opt);
			if (!ret)
				ret = set_source(o, &have_source, RAS_SOURCE_STEP, opt, err, errlen);
			break;
		}
		case OPT_MAP:
			o->map = a;
			ret = set_source(o, &have_source, RAS_SOURCE_MAP, opt, err, errlen);
			break;
		case OPT_METER: {
			const char *slash = strchr(a, '/');
			char beats[32];

			meter_set = true;
			snprintf(beats, sizeof(beats), "%.*s", slash ? (int)(slash - a) : (int)strlen(a), a);
			ret = integer("--meter BEATS", beats, 1, RAS_METER_MAX, &o->beats, err, errlen);
			if (!ret && slash)
				ret = integer("--meter NOTE", slash + 1, 1, 64, &o->denom, err, errlen);
			break;
		}
		case OPT_PATTERN:
			if (!*a || strspn(a, "Xx.") != strlen(a) || strlen(a) > RAS_METER_MAX)
				ret = usage_error(err, errlen,
						  "--pattern: '%s' must be 1 to %d of X (accent), x (normal), . (silent)",
						  a, RAS_METER_MAX);
			else
				strcpy(o->pattern, a);
			break;
		case OPT_SUB:
			ret = integer(opt, a, 1, RAS_SUB_MAX, &o->sub, err, errlen);
			break;
		case OPT_COUNTIN:
			ret = integer(opt, a, 0, 64, &o->countin, err, errlen);
			break;
		case OPT_GAP: {
			static const char *const n[] = { "PLAY", "MUTE" };
			static const double lo[] = { 1, 1 }, hi[] = { 1000, 1000 };
			double v[2] = { 0, 0 };

			ret = fields(opt, a, 2, 2, n, lo, hi, v, err, errlen) < 0 ? 2 : 0;
			if (!ret && (v[0] != floor(v[0]) || v[1] != floor(v[1])))
				ret = usage_error(err, errlen, "%s: '%s' needs whole bars", opt, a);
			/* v holds what was read even when out of range: no cast then. */
			if (!ret) {
				o->gap[0] = (int)v[0];
				o->gap[1] = (int)v[1];
			}
			break;
		}
		case OPT_FADE: {
			static const char *const n[] = { "START", "LENGTH" };
			static const double lo[] = { 0, 0 }, hi[] = { 1e7, 1e7 };

			ret = fields(opt, a, 2, 2, n, lo, hi, o->fade, err, errlen) < 0 ? 2 : 0;
			break;
		}
		case OPT_ALTERNATE:
			o->alternate = true;
			break;
		case OPT_FIRST_FOOT:
			if (strcmp(a, "L") == 0 || strcmp(a, "l") == 0)
				o->first_foot = RAS_FOOT_LEFT;
			else if (strcmp(a, "R") == 0 || strcmp(a, "r") == 0)
				o->first_foot = RAS_FOOT_RIGHT;
			else
				ret = usage_error(err, errlen, "%s: '%s' must be L or R", opt, a);
			break;
		case OPT_PAN:
			ret = number(opt, a, 0, 1, &o->pan, err, errlen);
			break;
		case OPT_SOUND:
			o->sound[RAS_PART_NORMAL] = a;
			break;
		case OPT_ACCENT_SOUND:
			o->sound[RAS_PART_ACCENT] = a;
			break;
		case OPT_SUB_SOUND:
			o->sound[RAS_PART_SUB] = a;
			break;
		case OPT_COUNTIN_SOUND:
			o->sound[RAS_PART_COUNTIN] = a;
			break;
		case OPT_GAIN:
			ret = parse_gain(o, a, err, errlen);
			break;
		case OPT_DURATION:
			ret = number(opt, a, 0.001, 1e7, &o->duration, err, errlen);
			break;
		case OPT_RATE:
			ret = number(opt, a, 8000, 384000, &o->rate, err, errlen);
			if (!ret && o->rate != floor(o->rate))
				ret = usage_error(err, errlen, "%s: '%s' is not a whole number of Hz", opt, a);
			break;
		case OPT_BLOCK: {
			int b = 0;

			ret = integer(opt, a, 1, 65536, &b, err, errlen);
			o->block = (uint32_t)b;
			break;
		}
		case OPT_OUT:
			o->out = a;
			break;
		case OPT_BEATS_OUT:
			o->beats_out = a;
			break;
		case OPT_OUT_DIR:
			o->out_dir = a;
			break;
		case OPT_CLIENT_NAME:
			if (!*a || strlen(a) > 60)
				ret = usage_error(err, errlen, "%s: name must be 1 to 60 characters", opt);
			o->client_name = a;
			break;
		case OPT_SERVER:
			o->server = a;
			break;
		case OPT_NO_CONNECT:
			o->no_connect = true;
			break;
		case OPT_CONNECT: {
			char *comma;

			if (strlen(a) >= sizeof(o->connect_buf) || !*a) {
				ret = usage_error(err, errlen, "%s: need PORT[,PORT]", opt);
				break;
			}
			strcpy(o->connect_buf, a);
			o->connect[0] = o->connect_buf;
			comma = strchr(o->connect_buf, ',');
			if (comma) {
				*comma = '\0';
				o->connect[1] = comma + 1;
			}
			if (!*o->connect[0] || (o->connect[1] && (!*o->connect[1] || strchr(o->connect[1], ','))))
				ret = usage_error(err, errlen, "%s: '%s' needs the form PORT[,PORT]", opt, a);
			break;
		}
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_INPUT:
			if (!*a)
				ret = usage_error(err, errlen, "%s: empty", opt);
			o->input = a;
			break;
		case OPT_SENSOR:
			if (strcmp(a, "footswitch") && strcmp(a, "force") && strcmp(a, "accel"))
				ret = usage_error(err, errlen, "%s: '%s' must be footswitch, force or accel",
						  opt, a);
			o->sensor = a;
			break;
		case OPT_STEPS_OUT:
			o->steps_out = a;
			break;
		case OPT_LEFT_CODE:
			o->left_code = a;
			break;
		case OPT_RIGHT_CODE:
			o->right_code = a;
			break;
		case OPT_LOCKOUT:
			ret = number(opt, a, 0, 5, &o->lockout, err, errlen);
			break;
		case OPT_DEBOUNCE:
			ret = number(opt, a, 0, 1, &o->debounce, err, errlen);
			break;
		case OPT_GRAB:
			o->grab = true;
			break;
		case OPT_SESSION:
			o->session = a;
			break;
		case OPT_LOG:
			if (!*a || strlen(a) > 4000)
				ret = usage_error(err, errlen, "%s: needs a folder name", opt);
			o->log_dir = a;
			break;
		case OPT_NO_LOG:
			o->no_log = true;
			break;
		case OPT_PATIENT:
			if (!ras_sessionlog_patient_ok(a))
				ret = usage_error(err, errlen, "%s: '%s': use 1 to 63 letters, digits, '.', "
						  "'_' or '-', not first '.' or '-' (a pseudonym, "
						  "never a name)", opt, a);
			o->patient = a;
			break;
		case OPT_SVG:
			o->svg = a;
			break;
		case OPT_MUSIC:
			if (!*a)
				ret = usage_error(err, errlen, "%s: needs a file (.mid, .groove, .wav, .flac, .ogg)", opt);
			o->music = a;
			break;
		case OPT_MUSIC_BPM:
			ret = number(opt, a, 20, 400, &o->music_bpm, err, errlen);
			break;
		case OPT_MUSIC_OFFSET:
			ret = number(opt, a, 0, 3600, &o->music_offset, err, errlen);
			break;
		case OPT_SOUNDFONT:
			o->soundfont = a;
			break;
		case OPT_BED: {
			struct ras_bed_config bc;

			ret = ras_bed_parse(a, &bc, err, errlen) ? 2 : 0;
			o->bed = a;
			break;
		}
		case OPT_DUCK:
			ret = number(opt, a, 0, 40, &o->duck_db, err, errlen);
			break;
		case OPT_NO_CLICK:
			o->no_click = true;
			break;
		case OPT_OSC: {
			int port;

			ret = integer(opt, a, 1, 65535, &port, err, errlen);
			o->osc_port = a;
			break;
		}
		case OPT_OSC_BIND:
			if (!*a)
				ret = usage_error(err, errlen, "%s: needs an address (127.0.0.1, 0.0.0.0, ::1)", opt);
			o->osc_bind = a;
			break;
		case OPT_NO_CONSOLE:
			o->no_console = true;
			break;
		case OPT_RECONNECT:
			o->reconnect = true;
			break;
		case OPT_HTML:
			o->html = a;
			break;
		case OPT_WALKER:
			if (!*a)
				ret = usage_error(err, errlen, "%s: empty (e.g. cadence=100,cv=3,seed=1)", opt);
			o->walker = a;
			break;
		case OPT_ADAPT:
			if (strcmp(a, "fixed") && strcmp(a, "follow") && strcmp(a, "entrain"))
				ret = usage_error(err, errlen, "%s: '%s' must be fixed, follow or entrain",
						  opt, a);
			o->adapt = a;
			break;
		case OPT_BPM_MIN:
			ret = number(opt, a, RAS_BPM_MIN, RAS_BPM_MAX, &o->bpm_min, err, errlen);
			break;
		case OPT_BPM_MAX:
			ret = number(opt, a, RAS_BPM_MIN, RAS_BPM_MAX, &o->bpm_max, err, errlen);
			break;
		case OPT_MAX_CHANGE:
			ret = number(opt, a, 0.1, 1000, &o->max_change, err, errlen);
			break;
		case OPT_HELP:
			o->command = RAS_RUN_HELP;
			return 0;
		case OPT_VERSION:
			o->command = RAS_RUN_VERSION;
			return 0;
		}
		if (ret)
			return 2;
	}
	if (o->command == RAS_RUN_REPORT) {
		o->dirs = argv + optind;
		o->ndirs = argc - optind;
		if (!o->ndirs && !o->patient)
			return usage_error(err, errlen, "report: name session folders or --patient ID");
		return 0;
	}
	if (optind < argc)
		return usage_error(err, errlen, "unexpected argument '%s'; try --help", argv[optind]);
	if (tempo_set && (o->source == RAS_SOURCE_RAMP || o->source == RAS_SOURCE_MAP))
		return usage_error(err, errlen, "--tempo: choose one of --tempo, --ramp and --map");
	if (o->source == RAS_SOURCE_STEP) {
		if (o->step[2] < 0)
			o->step[2] = o->step[0] > 0 ? RAS_BPM_MAX : RAS_BPM_MIN;
		if (o->step[0] > 0 ? o->step[2] < o->tempo : o->step[2] > o->tempo)
			return usage_error(err, errlen, "--step MAX_BPM: %g is on the wrong side of --tempo %g",
					   o->step[2], o->tempo);
	}
	/* A map sets meter and pattern on each of its lines (klick's format);
	 * --meter or --pattern would be silently ignored, so refuse them. */
	if (o->source == RAS_SOURCE_MAP && meter_set)
		return usage_error(err, errlen, "--meter: not with --map (the map gives the meter on each line)");
	if (o->source == RAS_SOURCE_MAP && *o->pattern)
		return usage_error(err, errlen, "--pattern: not with --map (the map gives patterns on its lines)");
	if (*o->pattern && (int)strlen(o->pattern) != o->beats)
		return usage_error(err, errlen, "--pattern: '%s' has %zu beats but the meter has %d",
				   o->pattern, strlen(o->pattern), o->beats);
	if (o->log_dir && o->no_log)
		return usage_error(err, errlen, "--no-log: conflicts with --log");
	if ((o->music_bpm > 0 || o->music_offset >= 0) && !o->music)
		return usage_error(err, errlen, "--%s: for a song given with --music",
				   o->music_bpm > 0 ? "music-bpm" : "music-offset");
	if (o->soundfont && !o->music)
		return usage_error(err, errlen, "--soundfont: for a MIDI song or groove given with --music");
	if (o->no_click && !o->music && !o->bed)
		return usage_error(err, errlen, "--no-click: nothing would sound; add --music");
	if (o->osc_bind && !o->osc_port)
		return usage_error(err, errlen, "--osc-bind: needs --osc PORT");
	if (o->duck_db > 0 && !o->music)
		return usage_error(err, errlen, "--duck: there is no music to duck (--music)");
	if (o->command == RAS_RUN_RENDER && !o->out && !o->beats_out && !o->log_dir)
		return usage_error(err, errlen, "render: --out FILE (or --beats-out FILE, --log DIR) is required");
	/* Only a name check: an unknown extension is a usage error, found
	 * before any work is done. */
	if (o->out && o->command != RAS_RUN_RECORD && !ras_audiofile_format(o->out))
		return usage_error(err, errlen, "--out: '%s' is not .wav, .flac, .ogg or .aiff", o->out);
	if ((o->command == RAS_RUN_RECORD || o->command == RAS_RUN_ANALYZE) && !o->input)
		return usage_error(err, errlen, "%s: --input is required", command_names[o->command]);
	if (o->command == RAS_RUN_RECORD && !o->out)
		return usage_error(err, errlen, "record: --out FILE.evemu is required");
	if ((o->left_code || o->right_code || o->lockout >= 0 || o->debounce >= 0) && o->sensor &&
	    strcmp(o->sensor, "accel") == 0)
		return usage_error(err, errlen, "--%s: not for the accel sensor (one stream, no feet)",
				   o->left_code ? "left-code" : o->right_code ? "right-code" :
				   o->lockout >= 0 ? "lockout" : "debounce");
	if (o->command == RAS_RUN_ANALYZE && !o->sensor)
		return usage_error(err, errlen, "analyze: --sensor footswitch|force|accel is required");
	if (o->session) {
		const char *clash = tempo_set ? "--tempo" : have_source ? "--map/--ramp/--step" :
				    o->adapt && strcmp(o->adapt, "fixed") ? "--adapt" :
				    o->fade[0] >= 0 ? "--fade" : o->gap[0] ? "--gap" :
				    o->alternate ? "--alternate" : o->countin ? "--count-in" :
				    meter_set || *o->pattern ? "--meter/--pattern" : NULL;

		if (clash)
			return usage_error(err, errlen, "--session: not with %s (the session file "
					   "sets tempo, cues and phases)", clash);
		/* A movement program (program=) plays without steps. */
		if (!o->input && !o->walker && !ras_program_probe(o->session))
			return usage_error(err, errlen, "--session: needs steps: --input (a sensor) or "
					   "--walker");
	}
	if (o->walker && o->input)
		return usage_error(err, errlen, "--walker: choose one of --walker and --input");
	if (o->command == RAS_RUN_PLAY && (o->input || o->sensor) && !(o->input && o->sensor))
		return usage_error(err, errlen, "play: sensors need both --input and --sensor");
	if (o->steps_out && o->command != RAS_RUN_ANALYZE && !o->input && !o->walker)
		return usage_error(err, errlen, "--steps-out: steps need --input (a sensor) or --walker");
	if (o->adapt && strcmp(o->adapt, "fixed") && !o->input && !o->walker)
		return usage_error(err, errlen, "--adapt %s: needs steps: --input (a sensor) or --walker",
				   o->adapt);
	if (o->bpm_min >= o->bpm_max)
		return usage_error(err, errlen, "--bpm-min: %g is not below --bpm-max %g", o->bpm_min,
				   o->bpm_max);
	if (o->command == RAS_RUN_ANALYZE && !strstr(o->input, ".evemu"))
		return usage_error(err, errlen,
				   "analyze: --input '%s' is not a .evemu recording (record a device first: "
				   "rasbeat record --input DEV --out walk.evemu)", o->input);
	if (o->no_connect && o->connect[0])
		return usage_error(err, errlen, "--no-connect: conflicts with --connect");
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Command line: every accepted form fills ras_options as documented, every
 * usage error returns 2 with a message naming the option or field.
 */
#include <math.h>
#include <string.h>

#include "rasbeat/cli.h"
#include "testutil.h"

#define ERRLEN 512

static struct ras_options o;
static char err[ERRLEN];

/* ras_cli_parse on "rasbeat ARGS..."; getopt only permutes the pointers,
 * never writes the strings, so literals are safe. */
static int parse_v(const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"rasbeat";
	while (*args && argc < 63)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	memset(err, 0, sizeof(err));
	return ras_cli_parse(argc, argv, &o, err, sizeof(err));
}

#define PARSE(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })

static void assert_ok(int ret)
{
	if (ret)
		fprintf(stderr, "\nunexpected usage error: %s\n", err);
	CU_ASSERT_EQUAL(ret, 0);
}

static void test_play(void)
{
	assert_ok(PARSE("play", "--tempo", "96", "--duration", "5", "--client-name", "N",
			"--no-connect"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_PLAY);
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_TEMPO);
	CU_ASSERT_EQUAL(o.tempo, 96);
	CU_ASSERT_EQUAL(o.duration, 5);
	CU_ASSERT_STRING_EQUAL(o.client_name, "N");
	CU_ASSERT(o.no_connect);
	CU_ASSERT_PTR_NULL(o.connect[0]);
	CU_ASSERT_PTR_NULL(o.out);
	CU_ASSERT_PTR_NULL(o.map);

	/* Defaults, as --help states them. */
	assert_ok(PARSE("play"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_PLAY);
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_TEMPO);
	CU_ASSERT_EQUAL(o.tempo, 100);
	CU_ASSERT(o.duration < 0);
	CU_ASSERT_EQUAL(o.beats, 4);
	CU_ASSERT_EQUAL(o.denom, 4);
	CU_ASSERT_EQUAL(o.sub, 1);
	CU_ASSERT_EQUAL(o.countin, 0);
	CU_ASSERT_STRING_EQUAL(o.pattern, "");
	CU_ASSERT_EQUAL(o.rate, 48000);
	CU_ASSERT_EQUAL(o.block, 256);
	CU_ASSERT_EQUAL(o.first_foot, RAS_FOOT_LEFT);
	CU_ASSERT_FALSE(o.no_connect);
	CU_ASSERT_FALSE(o.alternate);
	CU_ASSERT_STRING_EQUAL(o.client_name, "rasbeat");

	/* --opt=value works as well as --opt value. */
	assert_ok(PARSE("play", "--tempo=72.5", "--count-in=2"));
	CU_ASSERT_EQUAL(o.tempo, 72.5);
	CU_ASSERT_EQUAL(o.countin, 2);
}

static void test_map(void)
{
	assert_ok(PARSE("play", "--map", "FILE", "--sub", "2", "--count-in", "1"));
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_MAP);
	CU_ASSERT_STRING_EQUAL(o.map, "FILE");
	CU_ASSERT_EQUAL(o.sub, 2);
	CU_ASSERT_EQUAL(o.countin, 1);
}

static void test_render(void)
{
	assert_ok(PARSE("render", "--tempo", "100.3", "--duration", "7200", "--out", "x.flac"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_RENDER);
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_TEMPO);
	CU_ASSERT_EQUAL(o.tempo, 100.3);
	CU_ASSERT_EQUAL(o.duration, 7200);
	CU_ASSERT_STRING_EQUAL(o.out, "x.flac");
	CU_ASSERT_PTR_NULL(o.beats_out);

	assert_ok(PARSE("render", "--ramp", "80:120:600", "--duration", "900", "--out", "y.wav"));
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_RAMP);
	CU_ASSERT_EQUAL(o.ramp[0], 80);
	CU_ASSERT_EQUAL(o.ramp[1], 120);
	CU_ASSERT_EQUAL(o.ramp[2], 600);
	CU_ASSERT_EQUAL(o.duration, 900);
	CU_ASSERT_STRING_EQUAL(o.out, "y.wav");

	/* The beat list alone is a render too. */
	assert_ok(PARSE("render", "--tempo", "90", "--duration", "10", "--beats-out", "b.csv"));
	CU_ASSERT_PTR_NULL(o.out);
	CU_ASSERT_STRING_EQUAL(o.beats_out, "b.csv");
	assert_ok(PARSE("render", "--duration", "10", "--out", "a.ogg", "--beats-out", "b.csv",
			"--rate", "44100", "--block", "64"));
	CU_ASSERT_STRING_EQUAL(o.out, "a.ogg");
	CU_ASSERT_STRING_EQUAL(o.beats_out, "b.csv");
	CU_ASSERT_EQUAL(o.rate, 44100);
	CU_ASSERT_EQUAL(o.block, 64);
	/* Extensions in any case. */
	assert_ok(PARSE("render", "--out", "A.WAV", "--duration", "1"));
	assert_ok(PARSE("render", "--out", "dir.x/a.aiff", "--duration", "1"));
}

static void test_step(void)
{
	assert_ok(PARSE("render", "--tempo", "100", "--step", "5:120", "--out", "s.wav"));
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_STEP);
	CU_ASSERT_EQUAL(o.tempo, 100);
	CU_ASSERT_EQUAL(o.step[0], 5);
	CU_ASSERT_EQUAL(o.step[1], 120);
	/* Without MAX, up to the fastest tempo allowed. */
	CU_ASSERT_EQUAL(o.step[2], 600);

	/* --tempo is the base of --step, before or after it. */
	assert_ok(PARSE("play", "--step", "5:120:120", "--tempo", "110"));
	CU_ASSERT_EQUAL(o.source, RAS_SOURCE_STEP);
	CU_ASSERT_EQUAL(o.tempo, 110);
	CU_ASSERT_EQUAL(o.step[2], 120);

	/* Steps down: MAX is a floor, by default the slowest tempo. */
	assert_ok(PARSE("play", "--step", "-10:60"));
	CU_ASSERT_EQUAL(o.step[0], -10);
	CU_ASSERT_EQUAL(o.step[2], 1);
	assert_ok(PARSE("play", "--step", "-10:60:80"));
	CU_ASSERT_EQUAL(o.step[2], 80);
}

static void test_meter_pattern(void)
{
	assert_ok(PARSE("play", "--meter", "6/8"));
	CU_ASSERT_EQUAL(o.beats, 6);
	CU_ASSERT_EQUAL(o.denom, 8);
	CU_ASSERT_STRING_EQUAL(o.pattern, "");

	assert_ok(PARSE("play", "--meter", "3", "--pattern", "X.x"));
	CU_ASSERT_EQUAL(o.beats, 3);
	CU_ASSERT_EQUAL(o.denom, 4);
	CU_ASSERT_STRING_EQUAL(o.pattern, "X.x");

	/* Order does not matter: the pattern is checked against the final meter. */
	assert_ok(PARSE("play", "--pattern", "X..x..", "--meter", "6/8"));
	CU_ASSERT_STRING_EQUAL(o.pattern, "X..x..");

	assert_ok(PARSE("play", "--pattern", "xxxx"));
	CU_ASSERT_STRING_EQUAL(o.pattern, "xxxx");
}

static void test_gain(void)
{
	assert_ok(PARSE("play", "--gain", "master=-6,accent=3,normal=-1.5,sub=-12,count-in=0"));
	CU_ASSERT_EQUAL(o.master_db, -6);
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_ACCENT], 3);
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_NORMAL], -1.5);
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_SUB], -12);
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_COUNTIN], 0);

	/* Parts not named keep their defaults. */
	assert_ok(PARSE("play", "--gain", "accent=2"));
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_ACCENT], 2);
	CU_ASSERT_EQUAL(o.master_db, 0);
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_NORMAL], 0);
	CU_ASSERT_EQUAL(o.gain_db[RAS_PART_SUB], -6);
	CU_ASSERT(fabs(o.gain_db[RAS_PART_COUNTIN] + 3.6) < 1e-12);
}

static void test_connect(void)
{
	assert_ok(PARSE("play", "--connect", "system:playback_1,system:playback_2"));
	CU_ASSERT_STRING_EQUAL(o.connect[0], "system:playback_1");
	CU_ASSERT_STRING_EQUAL(o.connect[1], "system:playback_2");
	CU_ASSERT_FALSE(o.no_connect);

	assert_ok(PARSE("play", "--connect", "A"));
	CU_ASSERT_STRING_EQUAL(o.connect[0], "A");
	CU_ASSERT_PTR_NULL(o.connect[1]);

	assert_ok(PARSE("play", "--server", "srv", "--client-name", "walk"));
	CU_ASSERT_STRING_EQUAL(o.server, "srv");
	CU_ASSERT_STRING_EQUAL(o.client_name, "walk");
}

static void test_misc(void)
{
	assert_ok(PARSE("play", "--alternate", "--first-foot", "R", "--pan", "0.5", "--gap", "3:1",
			"--fade", "60:30", "--sound", "woodblock", "--accent-sound", "beep",
			"--sub-sound", "tick", "--count-in-sound", "click", "--quiet"));
	CU_ASSERT(o.alternate);
	CU_ASSERT_EQUAL(o.first_foot, RAS_FOOT_RIGHT);
	CU_ASSERT_EQUAL(o.pan, 0.5);
	CU_ASSERT_EQUAL(o.gap[0], 3);
	CU_ASSERT_EQUAL(o.gap[1], 1);
	CU_ASSERT_EQUAL(o.fade[0], 60);
	CU_ASSERT_EQUAL(o.fade[1], 30);
	CU_ASSERT_STRING_EQUAL(o.sound[RAS_PART_NORMAL], "woodblock");
	CU_ASSERT_STRING_EQUAL(o.sound[RAS_PART_ACCENT], "beep");
	CU_ASSERT_STRING_EQUAL(o.sound[RAS_PART_SUB], "tick");
	CU_ASSERT_STRING_EQUAL(o.sound[RAS_PART_COUNTIN], "click");
	CU_ASSERT(o.quiet);

	assert_ok(PARSE("cues", "--out-dir", "d", "--rate", "96000"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_CUES);
	CU_ASSERT_STRING_EQUAL(o.out_dir, "d");
	assert_ok(PARSE("demo"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_DEMO);
}

static void test_help_version(void)
{
	assert_ok(PARSE("--help"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_HELP);
	assert_ok(PARSE("-h"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_HELP);
	assert_ok(PARSE("--version"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_VERSION);
	/* After a command, too, even with an otherwise incomplete line. */
	assert_ok(PARSE("render", "--help"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_HELP);
	assert_ok(PARSE("play", "-V"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_VERSION);
}

/*
 * A second parse must not resume inside the first argument vector:
 * "-Vh" stops at V with getopt still pointing at "h".
 */
static void test_parse_twice(void)
{
	assert_ok(PARSE("play", "-Vh"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_VERSION);
	assert_ok(PARSE("play", "--tempo", "96"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_PLAY);
	CU_ASSERT_EQUAL(o.tempo, 96);

	CU_ASSERT_EQUAL(PARSE("play", "--bogus", "--tempo", "90"), 2);
	assert_ok(PARSE("render", "--tempo", "90", "--out", "x.wav"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_RENDER);
	CU_ASSERT_EQUAL(o.tempo, 90);
}

/* A usage error: 2, and every string of `names` appears in the message. */
struct usage {
	const char *args[12];
	const char *names[3];
};

static const struct usage usage_errors[] = {
	/* --tempo values */
	{ { "play", "--tempo", "0" }, { "--tempo" } },
	{ { "play", "--tempo", "-1" }, { "--tempo" } },
	{ { "play", "--tempo", "600.5" }, { "--tempo" } },
	{ { "play", "--tempo", "nan" }, { "--tempo", "nan" } },
	{ { "play", "--tempo", "NaN" }, { "--tempo" } },
	{ { "play", "--tempo", "inf" }, { "--tempo", "inf" } },
	{ { "play", "--tempo", "-inf" }, { "--tempo" } },
	{ { "play", "--tempo", "0x10" }, { "--tempo", "0x10" } },
	{ { "play", "--tempo", "1e9" }, { "--tempo" } },
	{ { "play", "--tempo", "1e999" }, { "--tempo" } },
	{ { "play", "--tempo", "abc" }, { "--tempo", "abc" } },
	{ { "play", "--tempo", "96bpm" }, { "--tempo", "96bpm" } },
	{ { "play", "--tempo", "" }, { "--tempo" } },
	{ { "play", "--tempo", " 96" }, { "--tempo" } },
	{ { "play", "--tempo", "96 " }, { "--tempo" } },
	/* options and values */
	{ { "play", "--bogus" }, { "--bogus" } },
	{ { "play", "-x" }, { "-x" } },
	{ { "play", "--tempo" }, { "--tempo" } },
	{ { "render", "--out" }, { "--out" } },
	{ { "play", "--quiet=yes" }, { "--quiet" } },
	{ { "play", "stray" }, { "stray" } },
	{ { "play", "--tempo", "90", "120" }, { "120" } },
	/* --ramp */
	{ { "render", "--ramp", "80:120", "--out", "y.wav" }, { "--ramp", "SECONDS" } },
	{ { "render", "--ramp", "80::600", "--out", "y.wav" }, { "--ramp", "FROM:TO:SECONDS" } },
	{ { "render", "--ramp", ":120:600", "--out", "y.wav" }, { "--ramp" } },
	{ { "render", "--ramp", "80:120:", "--out", "y.wav" }, { "--ramp" } },
	{ { "render", "--ramp", "80:120:600:5", "--out", "y.wav" }, { "--ramp" } },
	{ { "render", "--ramp", "80:700:600", "--out", "y.wav" }, { "--ramp TO" } },
	{ { "render", "--ramp", "0:120:600", "--out", "y.wav" }, { "--ramp FROM" } },
	{ { "render", "--ramp", "80:120:0", "--out", "y.wav" }, { "--ramp SECONDS" } },
	{ { "render", "--ramp", "80:120:nan", "--out", "y.wav" }, { "--ramp SECONDS" } },
	{ { "render", "--ramp", "", "--out", "y.wav" }, { "--ramp" } },
	/* --step */
	{ { "play", "--step", "0:10" }, { "--step PERCENT" } },
	{ { "play", "--step", "5" }, { "--step", "SECONDS" } },
	{ { "play", "--step", "5:0" }, { "--step SECONDS" } },
	{ { "play", "--step", "101:10" }, { "--step PERCENT" } },
	{ { "play", "--step", "5:10:90" }, { "--step MAX_BPM" } },	/* below --tempo 100 */
	{ { "play", "--step", "-5:10:110" }, { "--step MAX_BPM" } },
	{ { "play", "--step", "5:10:1:1" }, { "--step" } },
	/* one tempo source */
	{ { "play", "--tempo", "96", "--map", "m" }, { "--tempo" } },
	{ { "play", "--map", "m", "--tempo", "96" }, { "--tempo" } },
	{ { "play", "--tempo", "96", "--ramp", "80:120:60" }, { "--tempo" } },
	{ { "play", "--ramp", "80:120:60", "--map", "m" }, { "--map" } },
	{ { "play", "--map", "m", "--ramp", "80:120:60" }, { "--ramp" } },
	{ { "play", "--step", "5:10", "--ramp", "80:120:60" }, { "--ramp" } },
	{ { "play", "--map", "a", "--map", "b" }, { "--map" } },
	/* meter and pattern */
	{ { "play", "--meter", "3", "--pattern", "Xxxx" }, { "--pattern" } },
	{ { "play", "--pattern", "X.x" }, { "--pattern" } },	/* default 4/4 */
	{ { "play", "--pattern", "Xq" }, { "--pattern" } },
	{ { "play", "--pattern", "" }, { "--pattern" } },
	{ { "play", "--meter", "0" }, { "--meter BEATS" } },
	{ { "play", "--meter", "33" }, { "--meter BEATS" } },
	{ { "play", "--meter", "4/0" }, { "--meter NOTE" } },
	{ { "play", "--meter", "4/x" }, { "--meter NOTE" } },
	{ { "play", "--meter", "/4" }, { "--meter BEATS" } },
	{ { "play", "--meter", "2.5/4" }, { "--meter BEATS" } },
	{ { "play", "--map", "m", "--meter", "3/4" }, { "--meter", "--map" } },
	{ { "play", "--map", "m", "--pattern", "Xxxx" }, { "--pattern", "--map" } },
	/* other values */
	{ { "play", "--sub", "0" }, { "--sub" } },
	{ { "play", "--sub", "17" }, { "--sub" } },
	{ { "play", "--sub", "1.5" }, { "--sub" } },
	{ { "play", "--count-in", "-1" }, { "--count-in" } },
	{ { "play", "--duration", "0" }, { "--duration" } },
	{ { "play", "--duration", "-5" }, { "--duration" } },
	{ { "render", "--out", "x.wav", "--rate", "44100.5" }, { "--rate" } },
	{ { "render", "--out", "x.wav", "--rate", "1000" }, { "--rate" } },
	{ { "render", "--out", "x.wav", "--block", "0" }, { "--block" } },
	{ { "play", "--first-foot", "X" }, { "--first-foot" } },
	{ { "play", "--pan", "2" }, { "--pan" } },
	{ { "play", "--gap", "3" }, { "--gap" } },
	{ { "play", "--gap", "1.5:1" }, { "--gap" } },
	{ { "play", "--fade", "60" }, { "--fade" } },
	{ { "play", "--client-name", "" }, { "--client-name" } },
	{ { "play", "--gain", "accent" }, { "--gain", "accent" } },
	{ { "play", "--gain", "foo=1" }, { "--gain", "foo" } },
	{ { "play", "--gain", "accent=99" }, { "--gain accent" } },
	{ { "play", "--gain", "sub=x" }, { "--gain sub" } },
	/* outputs */
	{ { "render", "--tempo", "100", "--duration", "5" }, { "--out" } },
	{ { "render", "--out", "x.txt", "--duration", "5" }, { "--out", "x.txt" } },
	{ { "render", "--out", "x", "--duration", "5" }, { "--out" } },
	{ { "play", "--out", "x.wav" }, { "--out", "play" } },
	{ { "play", "--block", "64" }, { "--block", "play" } },
	{ { "render", "--out", "x.wav", "--client-name", "n" }, { "--client-name", "render" } },
	{ { "cues", "--tempo", "90" }, { "--tempo", "cues" } },
	/* JACK ports */
	{ { "play", "--no-connect", "--connect", "A" }, { "--no-connect", "--connect" } },
	{ { "play", "--connect", "A", "--no-connect" }, { "--no-connect", "--connect" } },
	{ { "play", "--connect", ",B" }, { "--connect" } },
	{ { "play", "--connect", "A," }, { "--connect" } },
	{ { "play", "--connect", "A,B,C" }, { "--connect" } },
	{ { "play", "--connect", "" }, { "--connect" } },
	/* sensors */
	{ { "analyze", "--input", "w.evemu" }, { "--sensor" } },
	{ { "analyze", "--sensor", "force" }, { "--input" } },
	{ { "analyze", "--sensor", "knee", "--input", "w.evemu" }, { "--sensor", "knee" } },
	{ { "analyze", "--sensor", "force", "--input", "/dev/input/event3" }, { "evemu", "record" } },
	{ { "analyze", "--sensor", "accel", "--input", "w.evemu", "--left-code", "KEY_A" },
	  { "--left-code", "accel" } },
	{ { "analyze", "--sensor", "force", "--input", "w.evemu", "--lockout", "-1" }, { "--lockout" } },
	{ { "record", "--input", "foot" }, { "--out" } },
	{ { "record", "--out", "w.evemu" }, { "--input" } },
	{ { "record", "--input", "foot", "--out", "w.evemu", "--grab" }, { "--grab", "record" } },
	{ { "play", "--input", "foot" }, { "--sensor" } },
	{ { "play", "--steps-out", "s.csv" }, { "--input" } },
	{ { "render", "--input", "x.evemu", "--out", "x.wav", "--duration", "1" }, { "--input", "render" } },
	{ { "devices", "--tempo", "90" }, { "--tempo", "devices" } },
	/* sessions */
	{ { "render", "--session", "s.ini", "--beats-out", "b.csv" }, { "--session", "--walker" } },
	{ { "render", "--session", "s.ini", "--walker", "cadence=90", "--tempo", "90", "--beats-out",
	    "b.csv" }, { "--session", "--tempo" } },
	{ { "render", "--session", "s.ini", "--walker", "cadence=90", "--adapt", "follow",
	    "--beats-out", "b.csv" }, { "--session", "--adapt" } },
	{ { "play", "--session", "s.ini", "--walker", "cadence=90", "--count-in", "1" },
	  { "--session", "--count-in" } },
	/* commands */
	{ { "bogus" }, { "bogus" } },
	{ { "--tempo", "96" }, { "--tempo", "command" } },
	{ { "PLAY" }, { "PLAY" } },
};

static void test_usage_errors(void)
{
	for (size_t i = 0; i < sizeof(usage_errors) / sizeof(usage_errors[0]); i++) {
		const struct usage *u = &usage_errors[i];
		int ret = parse_v(u->args);
		bool named = true;

		for (int j = 0; j < 3 && u->names[j]; j++)
			named = named && strstr(err, u->names[j]);
		if (ret != 2 || !named) {
			fprintf(stderr, "\n");
			for (int j = 0; u->args[j]; j++)
				fprintf(stderr, "%s ", u->args[j]);
			fprintf(stderr, "-> %d \"%s\"\n", ret, err);
		}
		CU_ASSERT_EQUAL(ret, 2);
		CU_ASSERT(named);
		/* main adds the "rasbeat: " itself, and prints one line. */
		CU_ASSERT(strncmp(err, "rasbeat", 7) != 0);
		CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	}
}

static void test_sensors(void)
{
	assert_ok(PARSE("analyze", "--sensor", "force", "--input", "walk.evemu", "--steps-out", "s.csv",
			"--left-code", "ABS_Z", "--right-code", "5", "--lockout", "0.3"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_ANALYZE);
	CU_ASSERT_STRING_EQUAL(o.sensor, "force");
	CU_ASSERT_STRING_EQUAL(o.input, "walk.evemu");
	CU_ASSERT_STRING_EQUAL(o.steps_out, "s.csv");
	CU_ASSERT_STRING_EQUAL(o.left_code, "ABS_Z");
	CU_ASSERT_STRING_EQUAL(o.right_code, "5");
	CU_ASSERT_DOUBLE_EQUAL(o.lockout, 0.3, 1e-12);
	CU_ASSERT(o.debounce < 0);
	assert_ok(PARSE("record", "--input", "1a86:e026", "--out", "w.evemu", "--duration", "60"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_RECORD);
	CU_ASSERT_STRING_EQUAL(o.out, "w.evemu");
	assert_ok(PARSE("play", "--tempo", "100", "--input", "FootSwitch", "--sensor", "footswitch",
			"--grab", "--debounce", "0.03"));
	CU_ASSERT(o.grab);
	CU_ASSERT_DOUBLE_EQUAL(o.debounce, 0.03, 1e-12);
	assert_ok(PARSE("devices"));
	CU_ASSERT_EQUAL(o.command, RAS_RUN_DEVICES);
}

static void test_no_command(void)
{
	char *argv[] = { (char *)"rasbeat", NULL };

	CU_ASSERT_EQUAL(ras_cli_parse(1, argv, &o, err, sizeof(err)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "command"));
}

static void test_usage_text(void)
{
	/* Every command and every option the parser knows is documented. */
	static const char *const words[] = {
		"play", "render", "demo", "cues", "--tempo", "--ramp", "--step", "--map",
		"--meter", "--pattern", "--sub", "--count-in", "--gap", "--fade", "--alternate",
		"--first-foot", "--pan", "--sound", "--accent-sound", "--sub-sound",
		"--count-in-sound", "--gain", "--duration", "--beats-out", "--out", "--rate",
		"--block", "--client-name", "--server", "--no-connect", "--connect", "--out-dir",
		"--quiet", "--help", "--version",
	};
	char buf[8192] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	ras_cli_usage(f);
	fclose(f);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strstr(buf, words[i]))
			fprintf(stderr, "\n%s missing from --help\n", words[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, words[i]));
	}
}

/* Found by fuzz/fuzz_cli (make fuzz): a --gap value beyond int's range
 * was cast before its range error was returned (UBSan float-cast-overflow). */
static void test_fuzz_regressions(void)
{
	CU_ASSERT_EQUAL(PARSE("play", "--gap", "37777777777777777777777777777777777777777777777777:1"),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--gap PLAY"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
	CU_ASSERT_EQUAL(PARSE("play", "--gap", "2:-1e300"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--gap MUTE"));
	CU_ASSERT_EQUAL(PARSE("play", "--block", "1e300"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--block"));
}

void test_cli_register(void)
{
	TEST_SUITE("cli",
		   { "sensor commands and options", test_sensors },
		   { "play", test_play },
		   { "play --map", test_map },
		   { "render", test_render },
		   { "--step", test_step },
		   { "--meter and --pattern", test_meter_pattern },
		   { "--gain parts", test_gain },
		   { "--connect", test_connect },
		   { "other options", test_misc },
		   { "--help and --version", test_help_version },
		   { "parsing twice", test_parse_twice },
		   { "usage errors name the option", test_usage_errors },
		   { "no command", test_no_command },
		   { "usage text", test_usage_text },
		   { "fuzz regressions: clean errors", test_fuzz_regressions });
}

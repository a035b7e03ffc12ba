/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Movement programs: the builder's segment times exactly, the stretching
 * count in the engine's audio, the INI files (every error names FILE:LINE),
 * and a preset rendered through the binary to its end.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/engine.h"
#include "rasbeat/program.h"
#include "rasbeat/schedule.h"
#include "testutil.h"

#define RATE 48000.0

static char out[16384];

/* ./rasbeat ARGS..., its output in out[]. */
#define RUN(...) test_rasbeat((const char *const[]){ __VA_ARGS__, NULL }, out, sizeof(out))

static struct ras_schedule *build(const struct ras_program *p)
{
	struct ras_schedule *s = NULL;
	char err[256] = "";

	CU_ASSERT_EQUAL(ras_program_build(p, &s, err, sizeof(err)), 0);
	if (!s)
		fprintf(stderr, "\nbuild: %s\n", err);
	return s;
}

/* Beat k of s at t, its accent and sub. */
static void assert_beat(const struct ras_schedule *s, int k, double t, enum ras_accent a, int sub)
{
	int i = ras_schedule_find_phase(s, k, 0);
	const struct ras_section *sec = ras_schedule_section(s, i);

	CU_ASSERT_EQUAL_FATAL(i, k);		/* one section per segment */
	CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_time_at(s, k), t, 1e-9);
	CU_ASSERT_EQUAL(sec->meter.pattern[0], a);
	CU_ASSERT_EQUAL(sec->meter.sub, sub);
}

static void test_breathing(void)
{
	struct ras_program p = { .type = RAS_PROGRAM_BREATHING, .on_s = 4, .off_s = 6, .cycles = 60 };
	struct ras_schedule *s = build(&p);
	char what[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 120);
	for (int i = 0; i < 60; i++) {
		assert_beat(s, 2 * i, 10.0 * i, RAS_BEAT_ACCENT, 1);
		assert_beat(s, 2 * i + 1, 10.0 * i + 4, RAS_BEAT_NORMAL, 1);
	}
	CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_end_time(s), 600, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_end_phase(s), 120, 0);
	CU_ASSERT_DOUBLE_EQUAL(ras_program_segment_time(&p, 3, NULL), 14, 1e-12);
	ras_program_describe(&p, 2, what, sizeof(what));
	CU_ASSERT_STRING_EQUAL(what, "inhale 4 s (breath 2/60)");
	ras_program_describe(&p, 119, what, sizeof(what));
	CU_ASSERT_STRING_EQUAL(what, "exhale 6 s (breath 60/60)");
	ras_schedule_free(s);
}

/* 10 -> 6 breaths/min over 5 breaths: periods 6, 7, 8, 9, 10 s, 2:3 kept. */
static void test_breathing_ramp(void)
{
	struct ras_program p = { .type = RAS_PROGRAM_BREATHING, .on_s = 4, .off_s = 6, .cycles = 5,
				 .start_rate = 10 };
	struct ras_schedule *s = build(&p);
	double t = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (int i = 0; i < 5; i++) {
		double per = 6 + i;

		assert_beat(s, 2 * i, t, RAS_BEAT_ACCENT, 1);
		assert_beat(s, 2 * i + 1, t + per * 0.4, RAS_BEAT_NORMAL, 1);
		CU_ASSERT_DOUBLE_EQUAL(ras_program_segment_time(&p, 2 * i + 1, NULL), t + per * 0.4, 1e-9);
		t += per;
	}
	CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_end_time(s), 40, 1e-9);
	ras_schedule_free(s);
}

/* Hold 20 s with a count: the hold's cue, a tick each second, the release. */
static void test_stretching(void)
{
	struct ras_program p = { .type = RAS_PROGRAM_STRETCHING, .on_s = 20, .off_s = 10, .cycles = 2,
				 .count = true };
	struct ras_schedule *s = build(&p);
	struct ras_engine_config cfg;
	struct ras_sound *imp = test_impulse(RATE);
	struct ras_engine *e;
	struct ras_beat b[8];
	int64_t on[64];
	size_t n, nb, k = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	assert_beat(s, 0, 0, RAS_BEAT_ACCENT, 20);
	assert_beat(s, 1, 20, RAS_BEAT_NORMAL, 1);
	assert_beat(s, 2, 30, RAS_BEAT_ACCENT, 20);
	assert_beat(s, 3, 50, RAS_BEAT_NORMAL, 1);
	ras_engine_config_default(&cfg);
	cfg.rate = RATE;
	for (int i = 0; i < RAS_PART_COUNT; i++)
		cfg.sound[i] = imp;
	e = ras_engine_new(&cfg, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	n = test_render_onsets(e, (int64_t)(62 * RATE), 512, 0.1f, 100, on, 64, b, 8, &nb);
	CU_ASSERT_EQUAL(n, 42);
	CU_ASSERT_EQUAL(nb, 4);
	for (int r = 0; r < 2 && n == 42; r++)
		for (int sec = 0; sec <= 20; sec++)
			CU_ASSERT_EQUAL(on[k++], (int64_t)((30 * r + sec) * RATE));
	CU_ASSERT_TRUE(ras_engine_done(e));
	ras_engine_free(e);
	ras_sound_free(imp);

	/* Without the count: no ticks, and a hold of any length. */
	p.count = false;
	p.on_s = 12.5;
	s = build(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	assert_beat(s, 1, 12.5, RAS_BEAT_NORMAL, 1);
	assert_beat(s, 2, 22.5, RAS_BEAT_ACCENT, 1);
	ras_schedule_free(s);
}

static void test_relaxation(void)
{
	struct ras_program p;
	struct ras_schedule *s;
	char err[256], what[128];

	CU_ASSERT_EQUAL_FATAL(ras_program_load("presets/muscle-relaxation.ini", &p, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(p.type, RAS_PROGRAM_RELAXATION);
	CU_ASSERT_EQUAL(p.cycles, 9);
	CU_ASSERT_EQUAL(p.groups, 9);
	CU_ASSERT_STRING_EQUAL(p.group[8], "feet");
	s = build(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (int i = 0; i < 9; i++) {
		assert_beat(s, 2 * i, 35.0 * i, RAS_BEAT_ACCENT, 1);
		assert_beat(s, 2 * i + 1, 35.0 * i + 5, RAS_BEAT_NORMAL, 1);
	}
	CU_ASSERT_DOUBLE_EQUAL((double)ras_schedule_end_time(s), 315, 1e-9);
	ras_program_describe(&p, 0, what, sizeof(what));
	CU_ASSERT_STRING_EQUAL(what, "tense hands 5 s (1/9)");
	ras_program_describe(&p, 5, what, sizeof(what));
	CU_ASSERT_STRING_EQUAL(what, "release shoulders 30 s (3/9)");
	ras_schedule_free(s);
}

static void test_build_errors(void)
{
	static const struct ras_program bad[] = {
		{ .type = RAS_PROGRAM_BREATHING, .on_s = 0.5, .off_s = 6, .cycles = 1 },
		{ .type = RAS_PROGRAM_BREATHING, .on_s = 4, .off_s = 61, .cycles = 1 },
		{ .type = RAS_PROGRAM_BREATHING, .on_s = 4, .off_s = 6, .cycles = 0 },
		{ .type = RAS_PROGRAM_BREATHING, .on_s = 4, .off_s = 6, .cycles = 1001 },
		{ .type = RAS_PROGRAM_BREATHING, .on_s = 4, .off_s = 6, .cycles = 2, .start_rate = 40 },
		{ .type = RAS_PROGRAM_STRETCHING, .on_s = 20.5, .off_s = 6, .cycles = 2, .count = true },
		{ .type = (enum ras_program_type)7, .on_s = 4, .off_s = 6, .cycles = 2 },
	};
	struct ras_schedule *s = (struct ras_schedule *)1;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(ras_program_build(&bad[i], &s, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NULL(s);
		CU_ASSERT(strlen(err) > 0);
	}
}

static void test_parse(void)
{
	struct ras_program p;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(ras_program_load("presets/paced-breathing.ini", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.type, RAS_PROGRAM_BREATHING);
	CU_ASSERT_EQUAL(p.on_s, 4);
	CU_ASSERT_EQUAL(p.off_s, 6);
	CU_ASSERT_EQUAL(p.cycles, 60);
	CU_ASSERT_EQUAL(p.gain_db, -10);
	CU_ASSERT(strlen(p.name) > 0 && strlen(p.description) > 0);
	CU_ASSERT_EQUAL_FATAL(ras_program_load("presets/home-stretching.ini", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.type, RAS_PROGRAM_STRETCHING);
	CU_ASSERT_EQUAL(p.on_s, 20);
	CU_ASSERT_EQUAL(p.off_s, 10);
	CU_ASSERT_EQUAL(p.cycles, 8);
	CU_ASSERT_TRUE(p.count);
	CU_ASSERT_TRUE(ras_program_probe("presets/home-stretching.ini"));

	/* Gait sessions are not programs; missing files neither. */
	CU_ASSERT_EQUAL(ras_program_load("presets/parkinsons-ras.ini", &p, err, sizeof(err)), -ENODATA);
	CU_ASSERT_FALSE(ras_program_probe("presets/parkinsons-ras.ini"));
	CU_ASSERT_EQUAL(ras_program_load("presets/none.ini", &p, err, sizeof(err)), -ENOENT);
	CU_ASSERT_FALSE(ras_program_probe("presets/none.ini"));

	/* program= last, minutes with a ramp: 10 min of 6..10 s breaths, mean 8 s. */
	CU_ASSERT_EQUAL(ras_program_parse("[session]\ninhale=4\nexhale=6\nminutes=10\nstart_rate=10\n"
					  "program=breathing\n", "t.ini", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.cycles, 75);
	CU_ASSERT_STRING_EQUAL(p.name, "t");
	CU_ASSERT_EQUAL(ras_program_parse("[session]\nprogram=stretching\nhold=30\nrelease=10\n"
					  "reps=3\ncount=no\n", "t.ini", &p, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(p.count);
	CU_ASSERT_EQUAL(ras_program_parse("[session]\nprogram=relaxation\ntense=5\nrelease=30\n"
					  "groups= left hand ,right hand\n", "t.ini", &p, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.cycles, 2);
	CU_ASSERT_STRING_EQUAL(p.group[0], "left hand");
	CU_ASSERT_STRING_EQUAL(p.group[1], "right hand");
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "[session]\nprogram=yoga\n", "t.ini:2: program: 'yoga' is not breathing" },
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\n", "t.ini:2: minutes: missing" },
		{ "[session]\nprogram=breathing\nexhale=6\ncycles=3\n", "t.ini:2: inhale: missing" },
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\ncycles=3\nminutes=2\n",
		  "t.ini:5: cycles: give minutes= or cycles=, not both" },
		{ "[session]\nprogram=breathing\ninhale=four\nexhale=6\ncycles=3\n",
		  "t.ini:3: inhale: 'four' is not a number" },
		{ "[session]\nprogram=breathing\ninhale=0.5\nexhale=6\ncycles=3\n",
		  "t.ini:3: inhale: 0.5 is outside 1..60 s" },
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\ncycles=2.5\n",
		  "t.ini:5: cycles: '2.5' is not a whole number" },
		{ "[session]\nprogram=breathing\ninhale=1\nexhale=1\nminutes=119\n",
		  "t.ini:5: minutes: 119 minutes is more than 1000 breaths" },
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\ncycles=3\nstart_rate=30\n",
		  "t.ini:6: start_rate: 30 breaths/min makes a segment" },
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\ncycles=3\ninhale=5\n",
		  "t.ini:6: inhale: given twice (first on line 3)" },
		{ "[session]\nprogram=breathing\nhold=4\n", "t.ini:3: hold: not a key of breathing programs" },
		{ "[session]\nprogram=breathing\ntempo=100\n", "t.ini:3: tempo: unknown key" },
		{ "[session]\nprogram=stretching\nhold=20.5\nrelease=10\nreps=2\ncount=yes\n",
		  "t.ini:3: hold: a counted hold is whole seconds up to 64" },
		{ "[session]\nprogram=stretching\nhold=20\nrelease=10\nreps=2\ncount=maybe\n",
		  "t.ini:6: count: 'maybe' is not yes or no" },
		{ "[session]\nprogram=relaxation\ntense=5\nrelease=30\ngroups=a,,b\n",
		  "t.ini:5: groups: an empty group name" },
		{ "[session]\nprogram=relaxation\ntense=5\nrelease=30\n", "t.ini:2: groups: missing" },
		{ "[session]\nprogram=relaxation\ntense=5\nrelease=30\ngroups=a\ngain=3\n",
		  "t.ini:6: gain: 3 is outside -60..0 dB" },
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\ncycles=3\n[walk]\ntype=cue\n",
		  "t.ini:7: [walk]: a breathing program has no phases" },
		{ "[session]\nprogram=breathing\ninhale=4\n exhale=6\n",
		  "t.ini:4: inhale: indented line" },
		{ "[session]\nprogram=breathing\nthis is not ini\n", "t.ini:3: syntax error" },
		{ "[session]\nprogram=breathing\nprogram=relaxation\n",
		  "t.ini:3: program: given twice (first on line 2)" },
	};
	struct ras_program p;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(ras_program_parse(cases[i].text, "t.ini", &p, err, sizeof(err)), -EINVAL);
		if (strncmp(err, cases[i].err, strlen(cases[i].err))) {
			fprintf(stderr, "\ncase %zu: got '%s', want '%s...'\n", i, err, cases[i].err);
			CU_FAIL("error message");
		}
	}
}

/* Found by fuzz/fuzz_session (make fuzz): each once crashed the parser
 * (UBSan) and now gets a clean error naming the file, line and key. */
static void test_fuzz_regressions(void)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		/* program= going on over an indented line left no program item:
		 * a NULL dereference. */
		{ "[session]\nprogram=breathing\n program=breathing\n",
		  "t.ini:3: program: indented line" },
		/* cycles= far out of int's range was cast before the range check
		 * refused it: float-cast-overflow. */
		{ "[session]\nprogram=breathing\ninhale=4\nexhale=6\ncycles=1e300\n",
		  "t.ini:5: cycles: 1e300 is outside 1..1000" },
		{ "[session]\nprogram=stretching\nhold=4\nrelease=6\nreps=-1e300\n",
		  "t.ini:5: reps: -1e300 is outside 1..1000" },
	};
	struct ras_program p;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(ras_program_parse(cases[i].text, "t.ini", &p, err, sizeof(err)), -EINVAL);
		if (strncmp(err, cases[i].err, strlen(cases[i].err))) {
			fprintf(stderr, "\ncase %zu: got '%s', want '%s...'\n", i, err, cases[i].err);
			CU_FAIL("error message");
		}
	}
}

/* The preset through the binary: no steps needed, ends with the program. */
static void test_render(void)
{
	char wav[512], csv[512], line[256];
	long idx, frame;
	double t, bpm;
	int accent, audible, rows = 0, bad = 0;
	FILE *f;

	snprintf(wav, sizeof(wav), "%s", test_path("breathing.wav"));
	snprintf(csv, sizeof(csv), "%s", test_path("breathing.csv"));
	CU_ASSERT_EQUAL_FATAL(RUN("render", "--session", "presets/paced-breathing.ini", "--out", wav,
				  "--beats-out", csv), 0);
	/* The program ends at 600 s; its drone bed fades out over 0.5 s after. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "rendered 600.50"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "594.0 s  exhale 6 s (breath 60/60)"));
	f = fopen(csv, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%ld,%ld,%lf,%lf,%d,%d", &idx, &frame, &t, &bpm, &accent, &audible) != 6 ||
		    idx != rows || fabs(t - (10 * (rows / 2) + (rows % 2 ? 4 : 0))) > 1e-6 ||
		    accent != (rows % 2 == 0) || !audible)
			bad++;
		rows++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(rows, 120);
	CU_ASSERT_EQUAL(bad, 0);

	/* A bad program file: FILE:LINE, exit 1. */
	CU_ASSERT_EQUAL(RUN("render", "--session", "presets/home-stretching.ini", "--duration", "1",
			    "--beats-out", csv, "--quiet"), 0);
	{
		const char *bad_ini = test_path("bad.ini");

		f = fopen(bad_ini, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputs("[session]\nprogram=breathing\ninhale=4\n", f);
		fclose(f);
		CU_ASSERT_EQUAL(RUN("render", "--session", bad_ini, "--beats-out", csv), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "bad.ini:2: exhale: missing"));
	}
}

void test_program_register(void)
{
	TEST_SUITE("program",
		   { "breathing: 4 s in, 6 s out", test_breathing },
		   { "breathing ramp 10 -> 6 breaths/min", test_breathing_ramp },
		   { "stretching: a tick each second of the hold", test_stretching },
		   { "relaxation: 35 s a group", test_relaxation },
		   { "builder refuses bad values", test_build_errors },
		   { "parse", test_parse },
		   { "parse errors name file:line: key", test_parse_errors },
		   { "fuzz regressions: clean errors", test_fuzz_regressions },
		   { "render a preset to its end", test_render });
}

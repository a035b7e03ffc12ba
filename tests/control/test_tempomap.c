/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tempo maps: klick's line format and rasbeat's extensions, every error
 * path with its "NAME:LINE: FIELD:" message, and the other builders.
 *
 * Expected times are worked out here from the tempo laws (a beat at b beats
 * per minute lasts 60/b s; a ramp linear in beats integrates to a log), not
 * taken from the parser's output.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/tempomap.h"
#include "testutil.h"

#define EPS 1e-9
#define ERRLEN 512

static struct ras_meter defaults;
static char err[ERRLEN];

static struct ras_schedule *parse_ok(const char *text)
{
	struct ras_schedule *s = NULL;
	struct ras_meter m;
	int ret;

	ras_meter_default(&m);
	err[0] = '\0';
	ret = ras_tempomap_parse(text, "t.map", &m, &s, err, sizeof(err));
	if (ret)
		fprintf(stderr, "\nunexpected error %d for \"%s\": %s\n", ret, text, err);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_PTR_NOT_NULL(s);
	return s;
}

static const struct ras_section *sec(const struct ras_schedule *s, int i)
{
	const struct ras_section *x = s ? ras_schedule_section(s, i) : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	return x;
}

static bool near(long double a, long double b)
{
	return fabsl(a - b) <= EPS * (1 + fabsl(b));
}

/* The default pattern of an n-beat bar: accent, then normal beats. */
static void assert_default_pattern(const struct ras_meter *m, int n)
{
	CU_ASSERT_EQUAL(m->beats, n);
	CU_ASSERT_EQUAL(m->pattern[0], RAS_BEAT_ACCENT);
	for (int i = 1; i < n; i++)
		CU_ASSERT_EQUAL(m->pattern[i], RAS_BEAT_NORMAL);
}

static void test_constant_bars(void)
{
	struct ras_schedule *s = parse_ok("4 4/4 120");
	const struct ras_section *x;

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 1);
	x = sec(s, 0);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_CONST);
	CU_ASSERT(near(x->bpm0, 120));
	CU_ASSERT(near(x->t0, 0));
	CU_ASSERT(near(x->ph0, 0));
	CU_ASSERT(near(x->ph_end, 16));
	/* 16 beats of 0.5 s. */
	CU_ASSERT(near(x->t_end, 8.0));
	CU_ASSERT(near(ras_schedule_end_time(s), 8.0));
	CU_ASSERT_EQUAL(x->meter.denom, 4);
	assert_default_pattern(&x->meter, 4);
	CU_ASSERT_EQUAL(x->meter.sub, 1);
	CU_ASSERT_EQUAL(x->meter.every, 1);
	CU_ASSERT_EQUAL(x->meter.gain, 1.0f);
	CU_ASSERT_FALSE(x->meter.countin);
	CU_ASSERT_STRING_EQUAL(x->meter.label, "");
	/* Beats inside the section (its end is the next section's start). */
	for (int k = 0; k < 16; k++)
		CU_ASSERT(near(ras_schedule_time_at(s, k), 0.5L * k));
	ras_schedule_free(s);

	/* The meter is optional: 4/4. */
	s = parse_ok("3 90");
	if (!s)
		return;
	x = sec(s, 0);
	CU_ASSERT_EQUAL(x->meter.denom, 4);
	assert_default_pattern(&x->meter, 4);
	CU_ASSERT(near(x->ph_end, 12));
	CU_ASSERT(near(x->t_end, 12 * 60.0L / 90));
	ras_schedule_free(s);
}

static void test_meters(void)
{
	/* klick's tempo counts quarters: 60 in 6/8 is 120 eighths a minute. */
	struct ras_schedule *s = parse_ok("2 6/8 60");
	const struct ras_section *x;

	if (!s)
		return;
	x = sec(s, 0);
	CU_ASSERT(near(x->bpm0, 120));
	CU_ASSERT(near(x->ph_end, 12));
	CU_ASSERT(near(x->t_end, 6.0));
	CU_ASSERT_EQUAL(x->meter.denom, 8);
	assert_default_pattern(&x->meter, 6);
	for (int k = 0; k < 12; k++)
		CU_ASSERT(near(ras_schedule_time_at(s, k), 0.5L * k));
	ras_schedule_free(s);

	/* Half notes: 60 quarters a minute is 30 halves. */
	s = parse_ok("1 2/2 60");
	if (!s)
		return;
	x = sec(s, 0);
	CU_ASSERT(near(x->bpm0, 30));
	CU_ASSERT(near(x->t_end, 4.0));
	ras_schedule_free(s);

	/* Bars start again at every line, each line has its own meter, and a
	 * line without one is 4/4 again (not the meter of the line above). */
	s = parse_ok("1 3/4 60\n2 5/8 120\n1 60");
	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 3);
	CU_ASSERT_EQUAL(sec(s, 0)->meter.beats, 3);
	CU_ASSERT(near(sec(s, 0)->t_end, 3.0));
	CU_ASSERT_EQUAL(sec(s, 1)->meter.beats, 5);
	CU_ASSERT_EQUAL(sec(s, 1)->meter.denom, 8);
	CU_ASSERT(near(sec(s, 1)->bpm0, 240));
	CU_ASSERT(near(sec(s, 1)->t0, 3.0));
	CU_ASSERT(near(sec(s, 1)->ph0, 3));
	CU_ASSERT(near(sec(s, 1)->bar_origin, 3));
	CU_ASSERT(near(sec(s, 1)->t_end, 3.0 + 10 * 0.25));
	CU_ASSERT_EQUAL(sec(s, 2)->meter.beats, 4);
	CU_ASSERT_EQUAL(sec(s, 2)->meter.denom, 4);
	CU_ASSERT(near(sec(s, 2)->ph0, 13));
	CU_ASSERT(near(ras_schedule_end_time(s), 5.5 + 4.0));
	ras_schedule_free(s);

	/* The largest meter. */
	s = parse_ok("1 32/4 120");
	if (s) {
		CU_ASSERT_EQUAL(sec(s, 0)->meter.beats, 32);
		ras_schedule_free(s);
	}
}

/* Beat k of a ramp linear in beats from b0 over n beats to b1 (bpm):
 * dt/dk = 60 / (b0 + a k), a = (b1 - b0) / n, so t(k) = 60/a ln(1 + a k/b0). */
static double ramp_beat_time(double b0, double b1, double n, double k)
{
	double a = (b1 - b0) / n;

	return 60.0 / a * log((b0 + a * k) / b0);
}

static void test_ramp_beats(void)
{
	struct ras_schedule *s = parse_ok("4 4/4 80-120\n2 4/4 120");
	const struct ras_section *x;
	const double len = 60.0 * 16 / 40 * log(120.0 / 80);

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 2);
	x = sec(s, 0);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_RAMP_BEAT);
	CU_ASSERT(near(x->bpm0, 80));
	CU_ASSERT(near(x->slope, 40.0 / 16));
	CU_ASSERT(near(x->ph_end, 16));
	CU_ASSERT(fabsl(x->t_end - len) < 1e-9);
	/* It arrives at the second tempo exactly at the end. */
	CU_ASSERT(fabsl(ras_section_tempo_at(x, x->t_end) - 120) < 1e-9);
	for (int k = 0; k <= 16; k++)
		CU_ASSERT(fabsl(ras_schedule_time_at(s, k) - ramp_beat_time(80, 120, 16, k)) < 1e-9);
	/* The next line starts where the ramp ends. */
	CU_ASSERT(fabsl(sec(s, 1)->t0 - len) < 1e-9);
	CU_ASSERT(fabsl(ras_schedule_end_time(s) - (len + 4.0)) < 1e-9);
	ras_schedule_free(s);

	/* In 6/8 both ends convert to eighths: 120 to 180 over 12 beats. */
	s = parse_ok("2 6/8 60-90");
	if (!s)
		return;
	x = sec(s, 0);
	CU_ASSERT(near(x->bpm0, 120));
	CU_ASSERT(near(x->slope, 60.0 / 12));
	CU_ASSERT(fabsl(x->t_end - 12 * log(1.5)) < 1e-9);
	ras_schedule_free(s);

	/* Slowing down works the same way. */
	s = parse_ok("2 4/4 140-80");
	if (!s)
		return;
	CU_ASSERT(fabsl(sec(s, 0)->t_end - ramp_beat_time(140, 80, 8, 8)) < 1e-9);
	ras_schedule_free(s);
}

static void test_tempo_list(void)
{
	/* One tempo per beat: 1, 0.5, 0.25 and 1 s long. */
	struct ras_schedule *s = parse_ok("tl: 1 4/4 60,120,240,60");
	static const double t[] = { 0, 1, 1.5, 1.75, 2.75 };

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 4);
	for (int k = 0; k < 4; k++) {
		const struct ras_section *x = sec(s, k);

		CU_ASSERT_EQUAL(x->kind, RAS_SECTION_CONST);
		CU_ASSERT(near(x->ph0, k));
		CU_ASSERT(near(x->ph_end, k + 1));
		CU_ASSERT_STRING_EQUAL(x->meter.label, "tl");
	}
	CU_ASSERT(near(sec(s, 2)->bpm0, 240));
	for (int k = 0; k < 4; k++)
		CU_ASSERT(near(ras_schedule_time_at(s, k), t[k]));
	CU_ASSERT(near(ras_schedule_end_time(s), t[4]));
	ras_schedule_free(s);

	/* Converted by the meter too: quarters 60,120,30 are eighths 120,240,60. */
	s = parse_ok("1 3/8 60,120,30");
	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 3);
	CU_ASSERT(near(sec(s, 1)->bpm0, 240));
	CU_ASSERT(near(ras_schedule_end_time(s), 0.5 + 0.25 + 1.0));
	ras_schedule_free(s);
}

static void test_seconds(void)
{
	struct ras_schedule *s = parse_ok("90s 100\n2m 60\n.5m 4/4 120");
	const struct ras_section *x;

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 3);
	x = sec(s, 0);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_CONST);
	CU_ASSERT(near(x->t_end, 90));
	CU_ASSERT(near(x->ph_end, 150));
	x = sec(s, 1);
	CU_ASSERT(near(x->t0, 90));
	CU_ASSERT(near(x->t_end, 210));
	CU_ASSERT(near(x->ph_end, 270));
	CU_ASSERT(near(sec(s, 2)->t_end, 240));
	CU_ASSERT(near(sec(s, 2)->ph_end, 330));
	ras_schedule_free(s);

	/* A ramp over seconds is linear in time: 60 to 120 over 30 s is
	 * 2 bpm/s, 90 bpm halfway, and the phase t + t^2/60 (45 beats). */
	s = parse_ok("30s 4/4 60-120\n4 120");
	if (!s)
		return;
	x = sec(s, 0);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_RAMP_TIME);
	CU_ASSERT(near(x->bpm0, 60));
	CU_ASSERT(near(x->slope, 2));
	CU_ASSERT(near(x->t_end, 30));
	CU_ASSERT(near(x->ph_end, 45));
	CU_ASSERT(near(ras_schedule_tempo_at(s, 15), 90));
	for (int k = 1; k <= 45; k += 4) {
		/* t^2/60 + t - k = 0 */
		double t = 30 * (sqrt(1 + 4.0 * k / 60) - 1);

		CU_ASSERT(fabsl(ras_schedule_time_at(s, k) - t) < 1e-9);
	}
	CU_ASSERT(near(sec(s, 1)->t0, 30));
	CU_ASSERT(near(sec(s, 1)->ph0, 45));
	ras_schedule_free(s);
}

static void test_open_end(void)
{
	struct ras_schedule *s = parse_ok("4 100\n* 3/4 120 X.x\n# the end\n\n");
	const struct ras_section *x;

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 2);
	x = sec(s, 1);
	CU_ASSERT(near(x->t0, 16 * 0.6));
	CU_ASSERT(x->open);
	CU_ASSERT(ras_schedule_open(s));
	CU_ASSERT_EQUAL(x->meter.beats, 3);
	CU_ASSERT_EQUAL(x->meter.pattern[1], RAS_BEAT_SILENT);
	/* Beats go on for ever at 120. */
	CU_ASSERT(near(ras_schedule_time_at(s, 16 + 1000), 9.6 + 500));
	ras_schedule_free(s);
}

static void test_fields(void)
{
	struct ras_schedule *s = parse_ok("intro: 2 3/4 90 X.x 0.5 sub=3 every=2\n"
					  "verse:4 120 every=0 sub=1\n"
					  "a_b-9: 1 5/4 100 ..xXx 10\n"
					  "1 100 0\n");
	const struct ras_section *x;

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 4);
	x = sec(s, 0);
	CU_ASSERT_STRING_EQUAL(x->meter.label, "intro");
	CU_ASSERT_EQUAL(x->meter.beats, 3);
	CU_ASSERT_EQUAL(x->meter.pattern[0], RAS_BEAT_ACCENT);
	CU_ASSERT_EQUAL(x->meter.pattern[1], RAS_BEAT_SILENT);
	CU_ASSERT_EQUAL(x->meter.pattern[2], RAS_BEAT_NORMAL);
	CU_ASSERT_EQUAL(x->meter.gain, 0.5f);
	CU_ASSERT_EQUAL(x->meter.sub, 3);
	CU_ASSERT_EQUAL(x->meter.every, 2);
	/* sub= only sets how many clicks a beat has, not the tempo. */
	CU_ASSERT(near(x->bpm0, 90));
	CU_ASSERT(near(x->t_end, 6 * 60.0 / 90));

	/* Nothing leaks from the line above; the label may touch the bars. */
	x = sec(s, 1);
	CU_ASSERT_STRING_EQUAL(x->meter.label, "verse");
	assert_default_pattern(&x->meter, 4);
	CU_ASSERT_EQUAL(x->meter.gain, 1.0f);
	CU_ASSERT_EQUAL(x->meter.sub, 1);
	CU_ASSERT_EQUAL(x->meter.every, 0);
	CU_ASSERT(near(x->ph_end - x->ph0, 16));

	x = sec(s, 2);
	CU_ASSERT_STRING_EQUAL(x->meter.label, "a_b-9");
	CU_ASSERT_EQUAL(x->meter.pattern[0], RAS_BEAT_SILENT);
	CU_ASSERT_EQUAL(x->meter.pattern[3], RAS_BEAT_ACCENT);
	CU_ASSERT_EQUAL(x->meter.pattern[4], RAS_BEAT_NORMAL);
	CU_ASSERT_EQUAL(x->meter.gain, 10.0f);

	/* klick's volume without a pattern; 0 is silence, not an error. */
	x = sec(s, 3);
	CU_ASSERT_EQUAL(x->meter.gain, 0.0f);
	assert_default_pattern(&x->meter, 4);
	CU_ASSERT_EQUAL(x->meter.every, 1);
	ras_schedule_free(s);
}

/* The example of the README, as a user would copy it. */
static void test_readme_example(void)
{
	struct ras_schedule *s = parse_ok("# [label:] bars [meter] tempo[-tempo2|,t2,...] [pattern] [volume]\n"
					  "intro:  4 4/4 90\n"
					  "ramp:   8 4/4 90-110        # linear per beat, as klick does\n"
					  "hold:   8     110 X.x.      # X accent, x normal, . silent\n"
					  "slow:  30s    110-100       # sections in seconds\n"
					  "fade:   4     100 every=2   # every other beat\n"
					  "out:    *     100 every=0   # for ever\n");

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 6);
	CU_ASSERT_EQUAL(sec(s, 1)->kind, RAS_SECTION_RAMP_BEAT);
	CU_ASSERT_EQUAL(sec(s, 2)->meter.pattern[1], RAS_BEAT_SILENT);
	CU_ASSERT_EQUAL(sec(s, 3)->kind, RAS_SECTION_RAMP_TIME);
	CU_ASSERT(near(sec(s, 3)->t_end - sec(s, 3)->t0, 30));
	CU_ASSERT_EQUAL(sec(s, 4)->meter.every, 2);
	CU_ASSERT_EQUAL(sec(s, 5)->meter.every, 0);
	CU_ASSERT_STRING_EQUAL(sec(s, 5)->meter.label, "out");
	CU_ASSERT(ras_schedule_open(s));
	ras_schedule_free(s);
}

/* The caller's meter gives sub and gain to lines that do not set them;
 * its beats and pattern do not apply (each line has its own meter). */
static void test_meter_defaults(void)
{
	struct ras_schedule *s = NULL;
	struct ras_meter m;

	ras_meter_default(&m);
	ras_meter_set_beats(&m, 3);
	m.pattern[1] = RAS_BEAT_SILENT;
	m.sub = 2;
	m.gain = 0.25f;
	CU_ASSERT_EQUAL_FATAL(ras_tempomap_parse("1 100\n1 100 sub=4 0.5\n", "t.map", &m, &s, err,
						 sizeof(err)), 0);
	CU_ASSERT_EQUAL(sec(s, 0)->meter.sub, 2);
	CU_ASSERT_EQUAL(sec(s, 0)->meter.gain, 0.25f);
	assert_default_pattern(&sec(s, 0)->meter, 4);
	CU_ASSERT_EQUAL(sec(s, 1)->meter.sub, 4);
	CU_ASSERT_EQUAL(sec(s, 1)->meter.gain, 0.5f);
	ras_schedule_free(s);
}

static void test_comments_and_blanks(void)
{
	struct ras_schedule *s = parse_ok("# a map\n"
					  "\n"
					  "   \t\n"
					  "  intro: 1 120   # indented, trailing comment\r\n"
					  "\t2\t3/4\t60\tX.x\r\n"
					  "# 4 100 (commented out)\n");

	if (!s)
		return;
	CU_ASSERT_EQUAL(ras_schedule_count(s), 2);
	CU_ASSERT_STRING_EQUAL(sec(s, 0)->meter.label, "intro");
	CU_ASSERT(near(sec(s, 1)->t_end, 2.0 + 6.0));
	ras_schedule_free(s);
}

/*
 * Each bad map must give -EINVAL, no schedule, and a message starting with
 * `prefix` ("t.map:LINE: FIELD: ") followed by an explanation.
 */
struct bad {
	const char *text;
	const char *prefix;
};

static const struct bad bad_maps[] = {
	/* tempo */
	{ "4 4/4 0", "t.map:1: tempo: " },
	{ "4 4/4 700", "t.map:1: tempo: " },
	{ "4 4/4 600.5", "t.map:1: tempo: " },
	{ "4 6/8 400", "t.map:1: tempo: " },	/* 800 eighths a minute */
	{ "4 2/2 1", "t.map:1: tempo: " },	/* 0.5 halves a minute */
	{ "4 4/4 abc", "t.map:1: tempo: " },
	{ "4 4/4 NaN", "t.map:1: tempo: " },
	{ "4 nan", "t.map:1: tempo: " },
	{ "4 inf", "t.map:1: tempo: " },
	{ "4 1e3", "t.map:1: tempo: " },
	{ "4 1e2", "t.map:1: tempo: " },
	{ "4 0x78", "t.map:1: tempo: " },
	{ "4 -120", "t.map:1: tempo: " },
	{ "4 +120", "t.map:1: tempo: " },
	{ "4 120bpm", "t.map:1: tempo: " },
	{ "4 1.2.0", "t.map:1: tempo: " },
	{ "4 .", "t.map:1: tempo: " },
	{ "4 4/4", "t.map:1: tempo: " },
	{ "intro: 4", "t.map:1: tempo: " },
	/* ramps and tempo lists */
	{ "* 80-120", "t.map:1: tempo: " },
	{ "4 80-", "t.map:1: tempo: " },
	{ "4 -", "t.map:1: tempo: " },
	{ "4 80-120-140", "t.map:1: tempo: " },
	{ "4 80-700", "t.map:1: tempo: " },
	{ "4 0-100", "t.map:1: tempo: " },
	{ "4 80-nan", "t.map:1: tempo: " },
	{ "* 80,90", "t.map:1: tempo: " },
	{ "30s 80,90", "t.map:1: tempo: " },
	{ "1 4/4 80,90,100", "t.map:1: tempo: " },
	{ "1 4/4 80,90,100,110,120", "t.map:1: tempo: " },
	{ "1 4/4 80,,90,100", "t.map:1: tempo: " },
	{ "1 4/4 80,90,100,", "t.map:1: tempo: " },
	{ "1 4/4 80,90,100,0", "t.map:1: tempo: " },
	{ "1 4/4 80,90,x,100", "t.map:1: tempo: " },
	/* bars */
	{ "0 120", "t.map:1: bars: " },
	{ "-1 120", "t.map:1: bars: " },
	{ "1.5 120", "t.map:1: bars: " },
	{ "abc 120", "t.map:1: bars: " },
	{ "0s 120", "t.map:1: bars: " },
	{ "1e3s 120", "t.map:1: bars: " },
	{ "s 120", "t.map:1: bars: " },
	{ "2h 120", "t.map:1: bars: " },
	{ "-5s 120", "t.map:1: bars: " },
	{ "1000001 120", "t.map:1: bars: " },
	{ "4/4 120", "t.map:1: bars: " },
	{ "intro:", "t.map:1: bars: " },
	{ "* 100\n4 100", "t.map:2: bars: " },
	{ "* 100\n# fine\n\n2m 100", "t.map:4: bars: " },
	/* meter */
	{ "4 0/4 120", "t.map:1: meter: " },
	{ "4 33/4 120", "t.map:1: meter: " },
	{ "4 4/0 120", "t.map:1: meter: " },
	{ "4 4/65 120", "t.map:1: meter: " },
	{ "4 /4 120", "t.map:1: meter: " },
	{ "4 4/ 120", "t.map:1: meter: " },
	{ "4 a/4 120", "t.map:1: meter: " },
	{ "4 4/4/4 120", "t.map:1: meter: " },
	{ "4 -3/4 120", "t.map:1: meter: " },
	/* pattern */
	{ "4 4/4 120 Xxx", "t.map:1: pattern: " },
	{ "4 3/4 120 Xxxx", "t.map:1: pattern: " },
	{ "4 120 Xyz.", "t.map:1: pattern: " },
	{ "4 120 0.5 Xxxx", "t.map:1: pattern: " },
	/* volume */
	{ "4 120 Xxxx 11", "t.map:1: volume: " },
	{ "4 120 Xxxx -1", "t.map:1: volume: " },
	{ "4 120 Xxxx nan", "t.map:1: volume: " },
	{ "4 120 Xxxx inf", "t.map:1: volume: " },
	{ "4 120 1e-1", "t.map:1: volume: " },
	{ "4 120 -0.5", "t.map:1: volume: " },
	{ "4 120 Xxxx loud", "t.map:1: volume: " },
	/* too many fields */
	{ "4 120 Xxxx 0.5 0.7", "t.map:1: line: " },
	{ "4 120 Xxxx 0.5 extra", "t.map:1: line: " },
	{ "4 120 Xxxx Xxxx", "t.map:1: line: " },
	/* label */
	{ "a.b: 4 120", "t.map:1: label: " },
	{ ": 4 120", "t.map:1: label: " },
	{ "a$: 4 120", "t.map:1: label: " },
	{ "abcdefghijklmnopqrstuvwxyz0123456: 4 120", "t.map:1: label: " },
	/* keys */
	{ "4 120 sub=0", "t.map:1: sub: " },
	{ "4 120 sub=17", "t.map:1: sub: " },
	{ "4 120 sub=x", "t.map:1: sub: " },
	{ "4 120 sub=", "t.map:1: sub: " },
	{ "4 120 sub=-1", "t.map:1: sub: " },
	{ "4 120 every=3", "t.map:1: every: " },
	{ "4 120 every=-1", "t.map:1: every: " },
	{ "4 120 every=", "t.map:1: every: " },
	{ "4 120 foo=1", "t.map:1: option: " },
	{ "4 120 =1", "t.map:1: option: " },
	{ "4 120 Sub=2", "t.map:1: option: " },
	/* the right line, after good lines, comments and blank lines */
	{ "4 120\n2 3/4 90\n1 4/4 90 Xx", "t.map:3: pattern: " },
	{ "# c\n\n4 4/4 0\n", "t.map:3: tempo: " },
	{ "4 120\r\n\r\n4 120 every=9\r\n", "t.map:3: every: " },
	/* no sections at all: no line to name */
	{ "", "t.map: no sections" },
	{ "# only a comment\n\n   \n", "t.map: no sections" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_maps) / sizeof(bad_maps[0]); i++) {
		const struct bad *b = &bad_maps[i];
		struct ras_schedule *s = (struct ras_schedule *)&s;	/* not NULL */
		int ret;

		memset(err, 0, sizeof(err));
		ret = ras_tempomap_parse(b->text, "t.map", &defaults, &s, err, sizeof(err));
		if (ret != -EINVAL || s || strncmp(err, b->prefix, strlen(b->prefix)) ||
		    strlen(err) <= strlen(b->prefix) + 2)
			fprintf(stderr, "\n\"%s\": %d \"%s\", expected \"%s...\"\n", b->text, ret, err,
				b->prefix);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_PTR_NULL(s);
		CU_ASSERT_NSTRING_EQUAL(err, b->prefix, strlen(b->prefix));
		/* Followed by what is wrong, not just the place. */
		CU_ASSERT(strlen(err) > strlen(b->prefix) + 2);
		if (ret == 0)
			ras_schedule_free(s);
	}
}

/* A line of more fields than the tokenizer keeps is an error, not a crash
 * or a silent truncation. */
static void test_too_many_tokens(void)
{
	char text[1024] = "4 120";
	struct ras_schedule *s = NULL;

	for (int i = 0; i < 100; i++)
		strcat(text, " sub=2");
	CU_ASSERT_EQUAL(ras_tempomap_parse(text, "t.map", &defaults, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_NSTRING_EQUAL(err, "t.map:1: line: ", 15);
}

/* The message is cut to errlen and still a C string. */
static void test_short_errbuf(void)
{
	char small[8];
	struct ras_schedule *s = NULL;

	memset(small, 'z', sizeof(small));
	CU_ASSERT_EQUAL(ras_tempomap_parse("4 0", "t.map", &defaults, &s, small, sizeof(small)),
			-EINVAL);
	CU_ASSERT_EQUAL(small[7], '\0');
	CU_ASSERT_STRING_EQUAL(small, "t.map:1");
}

static bool write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f))
		ok = false;
	return ok;
}

static void test_load(void)
{
	const char *path = test_path("load.map");
	static const char text[] = "intro: 2 3/4 90\n\n4 120 Xxxx\n";
	static const char bad[] = "4 120\n4 120 Xx\n";
	struct ras_schedule *s = NULL;
	char expect[600];

	CU_ASSERT_FATAL(write_file(path, text, strlen(text)));
	CU_ASSERT_EQUAL(ras_tempomap_load(path, &defaults, &s, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 2);
	CU_ASSERT(near(ras_schedule_end_time(s), 4.0 + 8.0));
	ras_schedule_free(s);

	/* Errors name the file by its path. */
	CU_ASSERT_FATAL(write_file(path, bad, strlen(bad)));
	CU_ASSERT_EQUAL(ras_tempomap_load(path, &defaults, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	snprintf(expect, sizeof(expect), "%s:2: pattern: ", path);
	CU_ASSERT_NSTRING_EQUAL(err, expect, strlen(expect));
}

static void test_load_missing(void)
{
	const char *path = test_path("no-such.map");
	struct ras_schedule *s = (struct ras_schedule *)&s;

	CU_ASSERT_EQUAL(ras_tempomap_load(path, &defaults, &s, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_NSTRING_EQUAL(err, path, strlen(path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOENT)));
}

static void test_load_directory(void)
{
	struct ras_schedule *s = (struct ras_schedule *)&s;
	const char *dir = test_tmpdir();

	CU_ASSERT(ras_tempomap_load(dir, &defaults, &s, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_NSTRING_EQUAL(err, dir, strlen(dir));
}

static void test_load_binary(void)
{
	/* Valid lines, then a NUL: a map must never be read up to the NUL
	 * and the rest silently dropped. */
	static const char data[] = "4 120\n\0\0\x01\x02" "4 120\n";
	const char *path = test_path("binary.map");
	struct ras_schedule *s = (struct ras_schedule *)&s;

	CU_ASSERT_FATAL(write_file(path, data, sizeof(data) - 1));
	CU_ASSERT_EQUAL(ras_tempomap_load(path, &defaults, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_NSTRING_EQUAL(err, path, strlen(path));
}

/* A file of `size` bytes: one section, a comment, then blank lines. */
static bool write_big_map(const char *path, size_t size)
{
	char *buf = malloc(size);
	bool ok;

	if (!buf)
		return false;
	memset(buf, ' ', size);
	memcpy(buf, "4 120\n#", 7);
	for (size_t i = 63; i < size; i += 64)
		buf[i] = '\n';
	buf[size - 1] = '\n';
	ok = write_file(path, buf, size);
	free(buf);
	return ok;
}

static void test_load_big(void)
{
	const char *path = test_path("big.map");
	struct ras_schedule *s = (struct ras_schedule *)&s;

	/* Over 1 MiB: refused, whatever it holds. */
	CU_ASSERT_FATAL(write_big_map(path, (1 << 20) + 1));
	CU_ASSERT(ras_tempomap_load(path, &defaults, &s, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_NSTRING_EQUAL(err, path, strlen(path));

	/* Half a MiB of comments is still a map. */
	CU_ASSERT_FATAL(write_big_map(path, 1 << 19));
	CU_ASSERT_EQUAL(ras_tempomap_load(path, &defaults, &s, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 1);
	ras_schedule_free(s);
}

static void test_presets(void)
{
	glob_t g;
	bool gait = false;

	CU_ASSERT_EQUAL_FATAL(glob("presets/*.map", 0, NULL, &g), 0);
	CU_ASSERT(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct ras_schedule *s = NULL;
		int ret = ras_tempomap_load(g.gl_pathv[i], &defaults, &s, err, sizeof(err));

		if (ret)
			fprintf(stderr, "\n%s\n", err);
		CU_ASSERT_EQUAL(ret, 0);
		if (!s)
			continue;
		CU_ASSERT(ras_schedule_count(s) >= 1);
		if (strcmp(g.gl_pathv[i], "presets/gait-ramp.map") == 0) {
			/* What its comments promise: 90, a ramp to 100 over
			 * beats, then every other beat, then no cues. */
			int n = ras_schedule_count(s);
			const struct ras_section *last = sec(s, n - 1);

			gait = true;
			CU_ASSERT(near(sec(s, 0)->bpm0, 90));
			CU_ASSERT_EQUAL(sec(s, 1)->kind, RAS_SECTION_RAMP_BEAT);
			CU_ASSERT(fabsl(ras_section_tempo_at(sec(s, 1), sec(s, 1)->t_end) - 100) < 1e-9);
			CU_ASSERT_EQUAL(sec(s, n - 2)->meter.every, 2);
			CU_ASSERT_EQUAL(last->meter.every, 0);
			CU_ASSERT(!last->open);
		}
		ras_schedule_free(s);
	}
	CU_ASSERT(gait);
	globfree(&g);
}

static void test_constant(void)
{
	struct ras_schedule *s = ras_tempomap_constant(&defaults, 96);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 1);
	CU_ASSERT_EQUAL(sec(s, 0)->kind, RAS_SECTION_CONST);
	CU_ASSERT(ras_schedule_open(s));
	CU_ASSERT(near(ras_schedule_time_at(s, 96), 60));
	CU_ASSERT(near(ras_schedule_time_at(s, 96 * 60), 3600));
	ras_schedule_free(s);

	CU_ASSERT_PTR_NULL(ras_tempomap_constant(&defaults, 0));
	CU_ASSERT_PTR_NULL(ras_tempomap_constant(&defaults, 600.01));
	CU_ASSERT_PTR_NULL(ras_tempomap_constant(&defaults, NAN));
	CU_ASSERT_PTR_NULL(ras_tempomap_constant(&defaults, INFINITY));
}

static void test_ramp(void)
{
	struct ras_schedule *s = ras_tempomap_ramp(&defaults, 80, 120, 600);
	const struct ras_section *x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ras_schedule_count(s), 2);
	x = sec(s, 0);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_RAMP_TIME);
	CU_ASSERT(near(x->t_end, 600));
	/* Mean tempo 100 for 10 minutes. */
	CU_ASSERT(near(x->ph_end, 1000));
	CU_ASSERT(near(ras_schedule_tempo_at(s, 300), 100));
	x = sec(s, 1);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_CONST);
	CU_ASSERT(near(x->bpm0, 120));
	CU_ASSERT(near(x->t0, 600));
	CU_ASSERT(x->open);
	CU_ASSERT(near(ras_schedule_time_at(s, 1120), 660));
	ras_schedule_free(s);

	CU_ASSERT_PTR_NULL(ras_tempomap_ramp(&defaults, 80, 700, 60));
	CU_ASSERT_PTR_NULL(ras_tempomap_ramp(&defaults, 0, 100, 60));
	CU_ASSERT_PTR_NULL(ras_tempomap_ramp(&defaults, 80, 120, 0));
	CU_ASSERT_PTR_NULL(ras_tempomap_ramp(&defaults, 80, 120, NAN));
}

/* Sections of steps: tempo tempi[i] from i*seconds, the last open. */
static void assert_steps(struct ras_schedule *s, const double *tempi, int n, double seconds)
{
	long double ph = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(ras_schedule_count(s), n);
	for (int i = 0; i < n; i++) {
		const struct ras_section *x = sec(s, i);

		CU_ASSERT_EQUAL(x->kind, RAS_SECTION_CONST);
		CU_ASSERT(near(x->bpm0, tempi[i]));
		CU_ASSERT(near(x->t0, i * seconds));
		CU_ASSERT(near(x->ph0, ph));
		if (i < n - 1)
			CU_ASSERT(near(x->t_end, (i + 1) * seconds));
		ph += tempi[i] * seconds / 60;
	}
	CU_ASSERT(ras_schedule_open(s));
}

static void test_steps(void)
{
	static const double up[] = { 100, 105, 110, 115, 120 };
	static const double clipped[] = { 100, 107, 114, 120 };
	static const double down[] = { 100, 90, 80 };
	static const double flat[] = { 100 };
	struct ras_schedule *s;

	/* +5 % of 100 every 2 minutes, up to 120. */
	s = ras_tempomap_steps(&defaults, 100, 5, 120, 120);
	assert_steps(s, up, 5, 120);
	ras_schedule_free(s);
	/* The last step is cut at the limit. */
	s = ras_tempomap_steps(&defaults, 100, 7, 60, 120);
	assert_steps(s, clipped, 4, 60);
	ras_schedule_free(s);
	s = ras_tempomap_steps(&defaults, 100, -10, 30, 80);
	assert_steps(s, down, 3, 30);
	ras_schedule_free(s);
	s = ras_tempomap_steps(&defaults, 100, 5, 30, 100);
	assert_steps(s, flat, 1, 30);
	ras_schedule_free(s);

	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 0, 60, 120));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 5, 0, 120));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 5, -1, 120));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 5, 60, 90));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, -5, 60, 110));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 5, 60, 700));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, NAN, 60, 120));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 5, 60, NAN));
}

static void test_countin(void)
{
	struct ras_schedule *s = parse_ok("v: 2 3/4 90-120 X.x 0 sub=2 every=0\n30s 4/4 100\n");
	struct ras_schedule *c;
	const long double len = 2 * 3 * 60.0L / 90;	/* 2 bars of 3 at 90 */
	const struct ras_section *x;

	if (!s)
		return;
	c = ras_tempomap_countin(s, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(ras_schedule_count(c), ras_schedule_count(s) + 1);
	x = sec(c, 0);
	CU_ASSERT(x->meter.countin);
	CU_ASSERT_EQUAL(x->kind, RAS_SECTION_CONST);
	/* At the opening tempo and meter, every beat, no subdivisions. */
	CU_ASSERT(near(x->bpm0, 90));
	CU_ASSERT_EQUAL(x->meter.beats, 3);
	CU_ASSERT_EQUAL(x->meter.denom, 4);
	CU_ASSERT_EQUAL(x->meter.every, 1);
	CU_ASSERT_EQUAL(x->meter.sub, 1);
	/* Every count-in beat sounds, though the opening pattern X.x has a
	 * silent beat and the opening volume is 0: it gives the tempo. */
	assert_default_pattern(&x->meter, 3);
	CU_ASSERT_EQUAL(x->meter.gain, 1.0f);
	CU_ASSERT(near(x->ph0, 0));
	CU_ASSERT(near(x->ph_end, 6));
	CU_ASSERT(near(x->t_end, len));
	/* The program itself, moved by exactly the count-in. */
	for (int i = 0; i < ras_schedule_count(s); i++) {
		const struct ras_section *a = sec(s, i), *b = sec(c, i + 1);

		CU_ASSERT_FALSE(b->meter.countin);
		CU_ASSERT_EQUAL(a->kind, b->kind);
		CU_ASSERT(near(b->t0, a->t0 + len));
		CU_ASSERT(near(b->ph0, a->ph0 + 6));
		CU_ASSERT(near(b->t_end, a->t_end + len));
		CU_ASSERT(near(b->ph_end, a->ph_end + 6));
		CU_ASSERT(near(b->bar_origin, a->bar_origin + 6));
		CU_ASSERT(near(b->bpm0, a->bpm0));
		CU_ASSERT(near(b->slope, a->slope));
		CU_ASSERT_EQUAL(b->meter.sub, a->meter.sub);
		CU_ASSERT_EQUAL(b->meter.every, a->meter.every);
		CU_ASSERT_STRING_EQUAL(b->meter.label, a->meter.label);
	}
	for (int k = 0; k <= 20; k++)
		CU_ASSERT(near(ras_schedule_time_at(c, k + 6), ras_schedule_time_at(s, k) + len));
	ras_schedule_free(c);

	/* An open program stays open. */
	ras_schedule_free(s);
	s = ras_tempomap_constant(&defaults, 120);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	c = ras_tempomap_countin(s, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(near(sec(c, 1)->t0, 2.0));
	CU_ASSERT(ras_schedule_open(c));
	ras_schedule_free(c);
	CU_ASSERT_PTR_NULL(ras_tempomap_countin(s, 0));
	ras_schedule_free(s);
}

/* Found while fuzzing (make fuzz): --step 1e-300:60:180 passes the command
 * line (PERCENT in -90..100, not 0) and made the step count overflow int
 * (UBSan float-cast-overflow, then a negative capacity). Now: NULL, which
 * play reports as "too many steps". */
static void test_steps_tiny_percent(void)
{
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 1e-300, 60, 180));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, -1e-300, 60, 40));
	CU_ASSERT_PTR_NULL(ras_tempomap_steps(&defaults, 100, 0.0001, 60, 180));
}

void test_tempomap_register(void)
{
	ras_meter_default(&defaults);
	TEST_SUITE("tempomap",
		   { "constant tempo in bars", test_constant_bars },
		   { "meters convert quarter tempo to beats", test_meters },
		   { "klick ramp over bars, closed form", test_ramp_beats },
		   { "a tempo per beat", test_tempo_list },
		   { "sections in seconds, time ramps", test_seconds },
		   { "* lasts for ever", test_open_end },
		   { "label, pattern, volume, sub=, every=", test_fields },
		   { "the README example", test_readme_example },
		   { "caller meter gives sub and gain", test_meter_defaults },
		   { "comments, blank lines, CRLF", test_comments_and_blanks },
		   { "every error names line and field", test_errors },
		   { "too many fields on a line", test_too_many_tokens },
		   { "short error buffer", test_short_errbuf },
		   { "load a file", test_load },
		   { "load a missing file", test_load_missing },
		   { "load a directory", test_load_directory },
		   { "load a binary file", test_load_binary },
		   { "load a file over 1 MiB", test_load_big },
		   { "every preset parses", test_presets },
		   { "ras_tempomap_constant", test_constant },
		   { "ras_tempomap_ramp", test_ramp },
		   { "ras_tempomap_steps", test_steps },
		   { "ras_tempomap_countin", test_countin },
		   { "ras_tempomap_steps: a tiny percent", test_steps_tiny_percent });
}

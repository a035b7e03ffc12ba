/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rasbeat/record.h"
#include "testutil.h"

#define NEAR(a, b, eps) CU_ASSERT(fabs((a) - (b)) < (eps))

static const char *folder(const char *name)
{
	const char *dir = test_path(name);

	mkdir(dir, 0755);
	return dir;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

#define BEATS_HEAD "index,frame,time_s,heard_time_s,tempo_bpm,accent,audible,phase\n"
#define STEPS_HEAD "time_s,foot,interval_s,beat_index,asynchrony_ms,relative_phase,tempo_bpm," \
		   "cadence_spm\n"
#define EVENTS_HEAD "time_s,kind,detail\n"

/*
 * Baseline 0..2.5 s: five steps 0.5 s apart, L R L R L, no cue.
 * Cue from 2.5 s to the end event at 5.2 s: L R L R L R at 2.5, 3.0, 3.5,
 * 4.0, 4.5, 5.2; the first four near a beat, asynchrony 10, -10, 30, 10 ms
 * and phase 10, -10, 30, 10 degrees.
 */
static const char *session(const char *name)
{
	const char *dir = folder(name);

	put(dir, "events.csv", EVENTS_HEAD
	    "0.000000,start,\"rasbeat run --bpm 120, \"\"fast\"\"\"\n"
	    "0.000000,phase,baseline (baseline)\n"
	    "2.500000,phase,cue (cue)\n"
	    "3.000000,mark,\"two\nlines\"\n"
	    "5.200000,end,stopped\n");
	put(dir, "beats.csv", BEATS_HEAD
	    "0,0,1.000000,1.020000,120.000000,1,0,baseline\n"
	    "1,120000,2.500000,2.520000,120.000000,1,1,cue\n"
	    "2,144000,3.000000,,120.000000,0,1,cue\n"
	    "3,168000,3.500000,3.520000,90.000000,0,0,cue\n"
	    "4,192000,4.000000,4.020000,100.000000,1,1,cue\n"
	    "5,216000,4.500000,4.520000,,0,0,cue\n");
	put(dir, "steps.csv", STEPS_HEAD
	    "0.000000,L,,,,,,\n"
	    "0.500000,R,0.500000,,,,,\n"
	    "1.000000,L,0.500000,,,,,120.000000\n"
	    "1.500000,R,0.500000,,,,,120.000000\n"
	    "2.000000,L,0.500000,,,,,120.000000\n"
	    "2.500000,L,0.500000,1,10.000000,10.000000,120.000000,120.000000\n"
	    "3.000000,R,0.500000,2,-10.000000,-10.000000,120.000000,120.000000\n"
	    "3.500000,L,0.500000,3,30.000000,30.000000,120.000000,120.000000\n"
	    "4.000000,R,0.500000,4,10.000000,10.000000,100.000000,120.000000\n"
	    "4.500000,L,0.500000,,,,,120.000000\n"
	    "5.200000,R,0.700000,,,,,111.111111\n");
	put(dir, "session.json", "{\"patient\": \"P-017\", \"started\": "
	    "\"2026-11-21T10:15:00+01:00\", \"rate\": 48000, \"latency_s\": 0.0213,\n"
	    " \"phases\": [{\"name\": \"ignored\"}]}\n");
	return dir;
}

static void test_load(void)
{
	const char *dir = session("rec");
	struct ras_record r;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(r.patient, "P-017");
	CU_ASSERT_STRING_EQUAL(r.started, "2026-11-21T10:15:00+01:00");
	NEAR(r.rate, 48000, 1e-9);
	NEAR(r.latency_s, 0.0213, 1e-12);

	CU_ASSERT_EQUAL_FATAL(r.nevents, 5);
	CU_ASSERT_STRING_EQUAL(r.events[0].kind, "start");
	CU_ASSERT_STRING_EQUAL(r.events[0].detail, "rasbeat run --bpm 120, \"fast\"");
	CU_ASSERT_STRING_EQUAL(r.events[3].kind, "mark");
	CU_ASSERT_STRING_EQUAL(r.events[3].detail, "two\nlines");
	NEAR(r.end_s, 5.2, 1e-9);

	CU_ASSERT_EQUAL_FATAL(r.nphases, 2);
	CU_ASSERT_STRING_EQUAL(r.phases[0].name, "baseline");
	CU_ASSERT_STRING_EQUAL(r.phases[0].type, "baseline");
	NEAR(r.phases[0].start_s, 0, 1e-9);
	NEAR(r.phases[0].end_s, 2.5, 1e-9);
	CU_ASSERT_STRING_EQUAL(r.phases[1].type, "cue");
	CU_ASSERT(isnan(r.phases[1].end_s));

	CU_ASSERT_EQUAL_FATAL(r.nbeats, 6);
	CU_ASSERT_EQUAL(r.beats[0].phase, 0);
	CU_ASSERT_EQUAL(r.beats[1].phase, 1);
	CU_ASSERT_EQUAL(r.beats[4].index, 4);
	CU_ASSERT_EQUAL(r.beats[4].frame, 192000);
	CU_ASSERT(r.beats[4].accent && r.beats[4].audible);
	CU_ASSERT(!r.beats[3].audible);
	CU_ASSERT(isnan(r.beats[2].heard_s));
	CU_ASSERT(isnan(r.beats[5].tempo_bpm));
	NEAR(r.beats[1].heard_s, 2.52, 1e-9);

	CU_ASSERT_EQUAL_FATAL(r.nsteps, 11);
	CU_ASSERT_EQUAL(r.steps[0].foot, RAS_FOOT_LEFT);
	CU_ASSERT_EQUAL(r.steps[1].foot, RAS_FOOT_RIGHT);
	CU_ASSERT(isnan(r.steps[0].interval_s));
	CU_ASSERT_EQUAL(r.steps[0].beat_index, -1);
	CU_ASSERT(isnan(r.steps[0].asynchrony_ms));
	CU_ASSERT(isnan(r.steps[0].cadence_spm));
	CU_ASSERT_EQUAL(r.steps[6].beat_index, 2);
	NEAR(r.steps[6].asynchrony_ms, -10, 1e-9);
	NEAR(r.steps[6].relative_phase_deg, -10, 1e-9);
	NEAR(r.steps[8].tempo_bpm, 100, 1e-9);
	ras_record_clear(&r);
	CU_ASSERT_EQUAL(r.nsteps, 0);
	CU_ASSERT_PTR_NULL(r.steps);
}

static void test_summary(void)
{
	const char *dir = session("sum");
	struct ras_phase_summary s;
	struct ras_record r;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(r.nphases, 2);

	/* Baseline: the step at 2.5 s opens the cue phase. */
	ras_record_summarize(&r, 0, &s);
	CU_ASSERT_STRING_EQUAL(s.name, "baseline");
	CU_ASSERT_STRING_EQUAL(s.type, "baseline");
	CU_ASSERT_EQUAL(s.steps, 5);
	NEAR(s.cadence_spm, 120, 1e-6);
	NEAR(s.cv_pct, 0, 1e-6);		/* L strides 1.0, 1.0; R has one */
	NEAR(s.asymmetry_pct, 0, 1e-6);
	CU_ASSERT(isnan(s.tempo_bpm));		/* its one beat is silent */
	CU_ASSERT(isnan(s.asynchrony_mean_ms));
	CU_ASSERT(isnan(s.asynchrony_sd_ms));
	CU_ASSERT(isnan(s.r));

	/* Cue: open, so it ends at the end event and keeps the step there. */
	ras_record_summarize(&r, 1, &s);
	NEAR(s.start_s, 2.5, 1e-9);
	NEAR(s.end_s, 5.2, 1e-9);
	CU_ASSERT_EQUAL(s.steps, 6);
	NEAR(s.cadence_spm, 60.0 * 5 / 2.7, 1e-6);
	NEAR(s.tempo_bpm, (120 + 120 + 100) / 3.0, 1e-9);	/* sounded beats only */
	NEAR(s.asynchrony_mean_ms, 10, 1e-9);
	NEAR(s.asynchrony_sd_ms, sqrt(800.0 / 3), 1e-9);	/* deviations 0, -20, 20, 0 */
	NEAR(s.r, 0.9698463, 1e-6);
	/* L strides 1.0, 1.0: CV 0; R 1.0, 1.2: CV 12.856 %; their mean. */
	NEAR(s.cv_pct, 100 * sqrt(0.02) / 1.1 / 2, 1e-6);
	/* L step times 0.5, 0.5; R 0.5, 0.5, 0.7: 200 |0.5 - 0.5667| / 1.0667 */
	NEAR(s.asymmetry_pct, 12.5, 1e-6);
	ras_record_clear(&r);
}

static void test_in_phase(void)
{
	struct ras_record_event e = { .kind = "phase", .detail = "walk (fast) (cue)" };
	struct ras_phase_summary s;
	struct ras_record r;

	ras_record_init(&r);
	CU_ASSERT(isnan(r.end_s));
	CU_ASSERT_EQUAL(ras_record_add_event(&r, &e), 0);
	CU_ASSERT_EQUAL_FATAL(r.nphases, 1);
	CU_ASSERT_STRING_EQUAL(r.phases[0].name, "walk (fast)");
	CU_ASSERT_STRING_EQUAL(r.phases[0].type, "cue");
	/* 40 steps, all on the beat: R is 1, asynchrony 0 with SD 0. */
	for (int i = 0; i < 40; i++) {
		struct ras_record_step st = { .time_s = 0.5 * i, .foot = i % 2,
					      .interval_s = i ? 0.5 : NAN, .beat_index = i,
					      .asynchrony_ms = 0, .relative_phase_deg = 0,
					      .tempo_bpm = 120, .cadence_spm = NAN };

		CU_ASSERT_EQUAL(ras_record_add_step(&r, &st), 0);
	}
	NEAR(r.end_s, 19.5, 1e-9);
	CU_ASSERT_EQUAL(ras_record_add_phase(&r, 10, "post", "post"), 0);
	CU_ASSERT_EQUAL_FATAL(r.nphases, 2);
	NEAR(r.phases[0].end_s, 10, 1e-9);
	ras_record_summarize(&r, 0, &s);
	CU_ASSERT_EQUAL(s.steps, 20);
	NEAR(s.cadence_spm, 120, 1e-6);
	NEAR(s.r, 1, 1e-12);
	NEAR(s.asynchrony_mean_ms, 0, 1e-12);
	NEAR(s.asynchrony_sd_ms, 0, 1e-12);
	NEAR(s.cv_pct, 0, 1e-6);
	ras_record_summarize(&r, 1, &s);
	CU_ASSERT_EQUAL(s.steps, 20);		/* open: up to the last step, inclusive */
	NEAR(s.end_s, 19.5, 1e-9);
	/* Half the steps a quarter beat late, half a quarter early: R 0. */
	for (size_t i = 0; i < r.nsteps; i++)
		r.steps[i].relative_phase_deg = i % 2 ? 90 : -90;
	ras_record_summarize(&r, 1, &s);
	NEAR(s.r, 0, 1e-9);
	/* The end event fixes the end; later rows leave it alone. */
	e = (struct ras_record_event){ .time_s = 21, .kind = "end" };
	CU_ASSERT_EQUAL(ras_record_add_event(&r, &e), 0);
	e.time_s = 25;
	strcpy(e.kind, "info");
	CU_ASSERT_EQUAL(ras_record_add_event(&r, &e), 0);
	NEAR(r.end_s, 21, 1e-9);
	ras_record_clear(&r);
}

static void test_torn(void)
{
	const char *dir = folder("torn");
	struct ras_record r;
	char err[512] = "";

	put(dir, "beats.csv", BEATS_HEAD
	    "0,0,0.000000,0.020000,120.000000,1,1,cue\n"
	    "1,24000,0.500000,0.520000,120.000000,0,1,cue\n"
	    "2,48000,1.0");
	put(dir, "steps.csv", STEPS_HEAD "0.100000,L,,,,,,\n0.6000");
	put(dir, "events.csv", "time_s,ki");
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.nbeats, 2);
	CU_ASSERT_EQUAL(r.nsteps, 1);
	CU_ASSERT_EQUAL(r.nevents, 0);
	/* No phase events: the beats' names make the phases. */
	CU_ASSERT_EQUAL_FATAL(r.nphases, 1);
	CU_ASSERT_STRING_EQUAL(r.phases[0].name, "cue");
	NEAR(r.end_s, 0.5, 1e-9);
	ras_record_clear(&r);

	/* A quoted field cut short is a torn line too. */
	put(dir, "events.csv", EVENTS_HEAD "0.000000,start,x\n1.000000,mark,\"cut, short");
	put(dir, "beats.csv", "");
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.nevents, 1);
	CU_ASSERT_EQUAL(r.nbeats, 0);
	ras_record_clear(&r);
}

static void expect_error(const char *dir, const char *want)
{
	struct ras_record r;
	char err[512] = "", full[1024];

	snprintf(full, sizeof(full), "%s/%s", dir, want);
	CU_ASSERT_EQUAL(ras_record_load(&r, dir, err, sizeof(err)), -EINVAL);
	if (strcmp(err, full))
		fprintf(stderr, "\n  got  \"%s\"\n  want \"%s\"\n", err, full);
	CU_ASSERT_STRING_EQUAL(err, full);
	CU_ASSERT_EQUAL(r.nbeats + r.nsteps + r.nevents + r.nphases, 0);
}

static void test_errors(void)
{
	const char *dir = folder("bad");
	struct ras_record r;
	char err[512] = "";

	put(dir, "beats.csv", "index,frame,time,heard_time_s,tempo_bpm,accent,audible,phase\n");
	expect_error(dir, "beats.csv:1: header: expected \"index,frame,time_s,heard_time_s,"
		     "tempo_bpm,accent,audible,phase\"");
	put(dir, "beats.csv", "index,frame\n");
	expect_error(dir, "beats.csv:1: header: expected \"index,frame,time_s,heard_time_s,"
		     "tempo_bpm,accent,audible,phase\"");
	put(dir, "beats.csv", BEATS_HEAD);

	put(dir, "steps.csv", STEPS_HEAD "0.100000,L,,,,,,\n0.600000,R,0.5,,,,fast,\n");
	expect_error(dir, "steps.csv:3: tempo_bpm: not a number");
	put(dir, "steps.csv", STEPS_HEAD "0.100000,L,,,,,,\n0.600000,X,0.5,,,,,\n");
	expect_error(dir, "steps.csv:3: foot: not L, R or -");
	put(dir, "steps.csv", STEPS_HEAD "0x10,L,,,,,,\n");
	expect_error(dir, "steps.csv:2: time_s: not a number");
	put(dir, "steps.csv", STEPS_HEAD ",L,,,,,,\n");
	expect_error(dir, "steps.csv:2: time_s: missing");
	put(dir, "steps.csv", STEPS_HEAD "0,5,L,,,,,,\n");
	expect_error(dir, "steps.csv:2: 9 fields, expected 8");
	put(dir, "steps.csv", STEPS_HEAD "0.1,L,,1.5,,,,\n");
	expect_error(dir, "steps.csv:2: beat_index: not an integer");
	put(dir, "steps.csv", STEPS_HEAD);

	put(dir, "beats.csv", BEATS_HEAD "0,0,0.0,0.02,120,2,1,cue\n");
	expect_error(dir, "beats.csv:2: accent: not 0 or 1");
	put(dir, "beats.csv", BEATS_HEAD);

	/* Lines count the newlines inside quotes. */
	put(dir, "events.csv", EVENTS_HEAD "0.0,mark,\"a\nb\"\nnan,mark,x\n");
	expect_error(dir, "events.csv:4: time_s: not a number");
	put(dir, "events.csv", EVENTS_HEAD "0.0,phase,no type\n");
	expect_error(dir, "events.csv:2: detail: not \"NAME (TYPE)\"");
	put(dir, "events.csv", EVENTS_HEAD "0.0,mark,\"a\"b\n");
	expect_error(dir, "events.csv:2: detail: text after a closing quote");
	put(dir, "events.csv", EVENTS_HEAD);

	put(dir, "session.json", "{\"patient\": \"P\",\n \"rate\": }\n");
	CU_ASSERT_EQUAL(ras_record_load(&r, dir, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "session.json:2: "));
	put(dir, "session.json", "{\"rate\": \"fast\"}\n");
	expect_error(dir, "session.json: rate: not a number");

	CU_ASSERT_EQUAL(ras_record_load(&r, test_path("absent"), err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "absent: cannot open: "));
}

static void test_empty(void)
{
	struct ras_record r;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, folder("empty"), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.nbeats + r.nsteps + r.nevents + r.nphases, 0);
	CU_ASSERT(isnan(r.end_s));
	CU_ASSERT(isnan(r.rate));
	CU_ASSERT_STRING_EQUAL(r.patient, "");
	ras_record_clear(&r);
}

/* Phases from the beats' names; a name that repeats maps by time. */
static void test_phase_names(void)
{
	const char *dir = folder("names");
	struct ras_record r;
	char err[512] = "";

	put(dir, "beats.csv", BEATS_HEAD
	    "0,0,0.0,0.02,100,1,0,baseline\n"
	    "1,1,1.0,1.02,100,1,1,cue\n"
	    "2,2,2.0,2.02,100,1,1,cue\n"
	    "3,3,3.0,3.02,100,1,0,post\n");
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(r.nphases, 3);
	CU_ASSERT_STRING_EQUAL(r.phases[0].type, "baseline");
	CU_ASSERT_STRING_EQUAL(r.phases[1].type, "cue");
	CU_ASSERT_STRING_EQUAL(r.phases[2].type, "post");
	NEAR(r.phases[1].start_s, 1, 1e-9);
	NEAR(r.phases[1].end_s, 3, 1e-9);
	CU_ASSERT_EQUAL(r.beats[2].phase, 1);
	CU_ASSERT_EQUAL(r.beats[3].phase, 2);
	ras_record_clear(&r);

	put(dir, "events.csv", EVENTS_HEAD
	    "0.0,phase,cue (cue)\n10.0,phase,rest (baseline)\n20.0,phase,cue (cue)\n");
	put(dir, "beats.csv", BEATS_HEAD
	    "0,0,0.0,0.02,100,1,1,cue\n"
	    "1,1,10.0,10.02,100,1,0,rest\n"
	    "2,2,25.0,25.02,100,1,1,cue\n");
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(r.nphases, 3);
	CU_ASSERT_EQUAL(r.beats[0].phase, 0);
	CU_ASSERT_EQUAL(r.beats[1].phase, 1);
	CU_ASSERT_EQUAL(r.beats[2].phase, 2);
	ras_record_clear(&r);
}

/* strtod under de_DE would read "2.500000" as 2 and stop at the dot. */
static void test_locale(void)
{
	const char *dir = session("de");
	char *saved = strdup(setlocale(LC_ALL, NULL));
	struct ras_phase_summary s;
	struct ras_record r;
	char err[512] = "";
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(setlocale(LC_ALL, "de_DE.UTF-8"));
	ret = ras_record_load(&r, dir, err, sizeof(err));
	setlocale(LC_ALL, saved);
	free(saved);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	NEAR(r.latency_s, 0.0213, 1e-12);
	NEAR(r.phases[1].start_s, 2.5, 1e-12);
	NEAR(r.steps[10].time_s, 5.2, 1e-12);
	NEAR(r.beats[1].heard_s, 2.52, 1e-12);
	ras_record_summarize(&r, 1, &s);
	NEAR(s.cadence_spm, 60.0 * 5 / 2.7, 1e-6);
	ras_record_clear(&r);
}

/* Found by fuzz/fuzz_record (make fuzz): a detail over 255 bytes that are
 * all UTF-8 continuation bytes walked its cut back past the field's start
 * (UBSan pointer overflow, then a read out of bounds). */
static void test_fuzz_regressions(void)
{
	const char *dir = folder("fuzz");
	struct ras_record r;
	char err[512] = "", text[512];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), EVENTS_HEAD "0,mark,");
	memset(text + n, 0x97, 300);
	strcpy(text + n + 300, "\n");
	put(dir, "events.csv", text);
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.nevents, 1);
	/* No character starts in the first 255 bytes: nothing is kept. */
	CU_ASSERT(r.nevents == 1 && r.events[0].detail[0] == '\0');
	ras_record_clear(&r);

	n = (size_t)snprintf(text, sizeof(text), EVENTS_HEAD "0,phase,");
	memset(text + n, 0xa5, 300);
	strcpy(text + n + 300, "\n");
	put(dir, "events.csv", text);
	expect_error(dir, "events.csv:2: detail: not \"NAME (TYPE)\"");
}

void test_record_register(void)
{
	TEST_SUITE("record",
		   { "load a log folder", test_load },
		   { "phase summaries worked by hand", test_summary },
		   { "rows added in memory, R, open phase", test_in_phase },
		   { "torn last lines dropped", test_torn },
		   { "bad input named FILE:LINE: field", test_errors },
		   { "empty folder", test_empty },
		   { "phases from names, repeated names", test_phase_names },
		   { "comma locale", test_locale },
		   { "fuzz regressions: clean errors", test_fuzz_regressions });
}

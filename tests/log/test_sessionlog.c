/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The session log folder: rows as written, steps matched with the beats as
 * heard, session.json, the summary read back, and the failures (a folder
 * that holds a session, one that cannot be made, a full disk, a full queue).
 */
#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rasbeat/record.h"
#include "rasbeat/sessionlog.h"
#include "testutil.h"

#define RATE 48000.0
#define LATENCY 0.01

static char *slurp(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return test_slurp(path, NULL);
}

static const char *join_path(const char *dir, const char *name)
{
	static char buf[4][1024];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 1024, "%s/%s", dir, name);
	return p;
}

static struct ras_beat beat_at(int64_t i, double bpm, bool audible)
{
	struct ras_beat b = { .index = i, .tempo = bpm, .audible = audible };

	b.time = i * 60.0 / bpm;
	b.frame = llround(b.time * RATE);
	b.accent = i % 4 == 0 ? RAS_BEAT_ACCENT : RAS_BEAT_NORMAL;
	return b;
}

static struct ras_sessionlog *open_log(const char *dir, size_t queue_len)
{
	struct ras_sessionlog_config cfg = { .dir = dir, .rate = RATE, .latency_s = LATENCY,
					     .patient = "p01", .queue_len = queue_len };
	char err[512];
	struct ras_sessionlog *log = ras_sessionlog_new(&cfg, err, sizeof(err));

	if (!log)
		fprintf(stderr, "\ntest_sessionlog: %s\n", err);
	return log;
}

/*
 * 20 beats at 120 bpm, the first 8 a silent baseline, then cues on every
 * other beat (as side= plays them); steps 30 ms after each heard beat from
 * beat 2, alternating feet.
 */
static void feed(struct ras_sessionlog *log)
{
	ras_sessionlog_phase(log, 0, "walk", "baseline");
	ras_sessionlog_event(log, 0, RAS_EVENT_START, "test, with \"quotes\"");
	for (int i = 0; i < 20; i++) {
		struct ras_beat b = beat_at(i, 120, i >= 8 && i % 2 == 0);

		if (i == 8)
			ras_sessionlog_phase(log, b.time, "cue, at 100%", "cue");
		ras_sessionlog_beat(log, &b);
		if (i >= 2 && i < 19) {
			struct ras_step st = { .foot = i % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT };

			st.time_ns = llround((b.time + LATENCY + 0.030) * 1e9);
			ras_sessionlog_step(log, &st);
		}
	}
}

static void test_rows(void)
{
	const char *dir = test_path("slog-rows");
	struct ras_sessionlog *log = open_log(dir, 0);
	struct ras_record back;
	const struct ras_record *live;
	char err[512], *steps, *json_text;
	json_t *json, *phases;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	CU_ASSERT_EQUAL(stat(dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	CU_ASSERT_EQUAL(ras_sessionlog_start(log, err, sizeof(err)), 0);
	feed(log);
	CU_ASSERT_EQUAL(ras_sessionlog_close(log, 10.0, "finished", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ras_sessionlog_lost(log), 0);

	CU_ASSERT_EQUAL(test_csv_rows(join_path(dir, "beats.csv"), 8), 21);
	CU_ASSERT_EQUAL(test_csv_rows(join_path(dir, "steps.csv"), 8), 18);
	CU_ASSERT_EQUAL(test_csv_rows(join_path(dir, "events.csv"), 3), 5);	/* header, 2 phases, start, end */
	steps = slurp(dir, "steps.csv");
	CU_ASSERT_PTR_NOT_NULL_FATAL(steps);
	/* Baseline steps have no cue near: no beat, asynchrony or tempo. */
	CU_ASSERT_PTR_NOT_NULL(strstr(steps, "\n1.040000,L,,,,,,\n"));
	/* Step 9 (R) at 4.54 s: 30 ms after beat 9 as heard, 21.6 degrees;
	 * beat 9 is muted but beat 10, after the step, sounds: matched. */
	CU_ASSERT_PTR_NOT_NULL(strstr(steps, "\n4.540000,R,0.500000,9,30.000,21.600,120.0000,120.000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(steps, "\n5.040000,L,0.500000,10,30.000,21.600,120.0000,120.000\n"));
	/* The last baseline step: beat 8 after it sounds, but in the next
	 * phase: not cued. */
	CU_ASSERT_PTR_NOT_NULL(strstr(steps, "\n3.540000,R,0.500000,,,,,120.000\n"));
	free(steps);

	json_text = slurp(dir, "session.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(json_text);
	json = json_loads(json_text, 0, NULL);
	free(json_text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json, "patient")), "p01");
	CU_ASSERT(json_is_true(json_object_get(json, "complete")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json, "end_reason")), "finished");
	phases = json_object_get(json, "phases");
	CU_ASSERT_EQUAL_FATAL(json_array_size(phases), 2);

	/* Read back from the CSVs alone: the very summary written live. */
	live = ras_sessionlog_record(log);
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&back, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.nbeats, 20);
	CU_ASSERT_EQUAL(back.nsteps, 17);
	CU_ASSERT_EQUAL_FATAL(back.nphases, 2);
	CU_ASSERT_STRING_EQUAL(back.phases[1].name, "cue, at 100%");
	for (size_t i = 0; i < 2; i++) {
		struct ras_phase_summary a, b;
		json_t *p = json_array_get(phases, i);

		ras_record_summarize(live, i, &a);
		ras_record_summarize(&back, i, &b);
		CU_ASSERT_STRING_EQUAL(a.name, b.name);
		CU_ASSERT_EQUAL(a.steps, b.steps);
		CU_ASSERT_EQUAL(a.steps, (size_t)json_integer_value(json_object_get(p, "steps")));
#define SAME(f) CU_ASSERT(a.f == b.f || (isnan(a.f) && isnan(b.f)))
		SAME(cadence_spm);
		SAME(tempo_bpm);
		SAME(asynchrony_mean_ms);
		SAME(asynchrony_sd_ms);
		SAME(r);
		SAME(cv_pct);
		SAME(asymmetry_pct);
#undef SAME
		CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(p, "cadence_spm")),
				       a.cadence_spm, 1e-6);
	}
	{
		struct ras_phase_summary cue;

		ras_record_summarize(&back, 1, &cue);
		CU_ASSERT_DOUBLE_EQUAL(cue.asynchrony_mean_ms, 30, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(cue.tempo_bpm, 120, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(cue.r, 1, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(cue.cadence_spm, 120, 1e-6);
	}
	json_decref(json);
	ras_record_clear(&back);
	ras_sessionlog_free(log);
}

/* Dots in the files whatever the locale of the program writing them. */
static void test_locale(void)
{
	const char *dir = test_path("slog-locale");
	struct ras_sessionlog *log;
	char err[512], *text, *old = strdup(setlocale(LC_ALL, NULL));

	CU_ASSERT_PTR_NOT_NULL_FATAL(setlocale(LC_ALL, "de_DE.UTF-8"));
	log = open_log(dir, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	CU_ASSERT_EQUAL(ras_sessionlog_start(log, err, sizeof(err)), 0);
	feed(log);
	CU_ASSERT_EQUAL(ras_sessionlog_close(log, 10.0, "finished", err, sizeof(err)), 0);
	text = slurp(dir, "beats.csv");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n1,24000,0.500000,0.510000,120.0000,0,0,walk\n"));
	free(text);
	text = slurp(dir, "session.json");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"rate\": 48000.0"));
	free(text);
	setlocale(LC_ALL, old);
	free(old);
	ras_sessionlog_free(log);
}

/* Each of the NULL-ended needles is in dir/file. */
static void contains(const char *dir, const char *file, const char *const *needles)
{
	char *text = slurp(dir, file);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (; *needles; needles++)
		if (!strstr(text, *needles))
			CU_FAIL(*needles);
	free(text);
}

/*
 * A reconnection brings a server of another latency: the beats given after
 * it are heard that much later, those before as they were; session.json
 * keeps the first, and steps are matched against the new heard times.
 */
static void test_latency_change(void)
{
	const char *dir = test_path("slog-latency");
	struct ras_sessionlog *log = open_log(dir, 0);
	char err[512], *text;

	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	CU_ASSERT_EQUAL(ras_sessionlog_start(log, err, sizeof(err)), 0);
	ras_sessionlog_phase(log, 0, "walk", "cue");
	for (int i = 0; i < 8; i++) {
		struct ras_beat b = beat_at(i, 120, true);
		struct ras_step st = { .foot = RAS_FOOT_LEFT };

		if (i == 4)
			ras_sessionlog_set_latency(log, 0.1);
		ras_sessionlog_beat(log, &b);
		st.time_ns = llround((b.time + (i < 4 ? LATENCY : 0.1) + 0.020) * 1e9);
		ras_sessionlog_step(log, &st);
	}
	CU_ASSERT_EQUAL(ras_sessionlog_close(log, 4.0, "finished", err, sizeof(err)), 0);
	contains(dir, "beats.csv", (const char *const[]){ "\n3,72000,1.500000,1.510000,",
							  "\n4,96000,2.000000,2.100000,", NULL });
	/* Every step 20 ms after its beat as heard, before and after. */
	contains(dir, "steps.csv", (const char *const[]){ "\n1.530000,L,0.500000,3,20.000,",
							  "\n2.120000,L,0.590000,4,20.000,",
							  "\n3.620000,L,0.500000,7,20.000,", NULL });
	text = slurp(dir, "session.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"latency_s\": 0.01"));
	CU_ASSERT_PTR_NULL(strstr(text, "\"latency_s\": 0.1"));
	free(text);
	ras_sessionlog_free(log);
}

static void test_refusals(void)
{
	const char *dir = test_path("slog-twice"), *file = test_path("slog-file");
	struct ras_sessionlog_config cfg = { .dir = dir, .rate = RATE };
	struct ras_sessionlog *log;
	char err[512], bad[600];
	FILE *f;

	log = ras_sessionlog_new(&cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	ras_sessionlog_free(log);
	/* A folder that holds a session is never written over. */
	CU_ASSERT_PTR_NULL(ras_sessionlog_new(&cfg, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "holds a session already"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, dir));
	/* A folder that cannot be made (under a file: even root cannot). */
	f = fopen(file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	snprintf(bad, sizeof(bad), "%s/sub/dir", file);
	cfg.dir = bad;
	CU_ASSERT_PTR_NULL(ras_sessionlog_new(&cfg, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, ENOTDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, file));
}

/*
 * A full disk, as a file size limit (no root, no mount needed): the writer
 * reports it, rows are lost and counted, and the files hold whole rows only.
 */
static void test_disk_full(void)
{
	const char *dir = test_path("slog-full");
	int status;
	pid_t pid = fork();

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 1000, 1000 };
		struct ras_sessionlog *log;
		char err[512];
		int ret;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		log = open_log(dir, 0);
		if (!log)
			_exit(10);
		ras_sessionlog_start(log, err, sizeof(err));
		for (int i = 0; i < 200; i++) {
			struct ras_beat b = beat_at(i, 120, true);

			ras_sessionlog_beat(log, &b);
		}
		ret = ras_sessionlog_close(log, 100, "finished", err, sizeof(err));
		if (ret != -EFBIG)
			_exit(11);
		if (!strstr(err, "cannot write") || !strstr(err, dir))
			_exit(12);
		if (ras_sessionlog_lost(log) == 0)
			_exit(13);
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	/* Up to the limit, in whole rows: never a torn one. */
	CU_ASSERT(test_csv_rows(join_path(dir, "beats.csv"), 8) > 10);
	CU_ASSERT(test_csv_rows(join_path(dir, "events.csv"), 3) >= 1);
}

/* A queue too small for what comes before the writer starts: counted. */
static void test_queue_full(void)
{
	const char *dir = test_path("slog-queue");
	struct ras_sessionlog *log = open_log(dir, 16);
	char err[512];
	int ok = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	for (int i = 0; i < 100; i++) {
		struct ras_beat b = beat_at(i, 120, true);

		ok += ras_sessionlog_beat(log, &b);
	}
	CU_ASSERT(ok >= 16 && ok < 100);
	CU_ASSERT_EQUAL(ras_sessionlog_lost(log), (uint64_t)(100 - ok));
	CU_ASSERT_EQUAL(ras_sessionlog_start(log, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ras_sessionlog_close(log, 50, "finished", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(test_csv_rows(join_path(dir, "beats.csv"), 8), ok + 1);
	ras_sessionlog_free(log);
}

static void test_folders(void)
{
	char buf[1024], *old = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;

	CU_ASSERT_TRUE(ras_sessionlog_patient_ok("p01"));
	CU_ASSERT_TRUE(ras_sessionlog_patient_ok("PD-2026.a_1"));
	CU_ASSERT_FALSE(ras_sessionlog_patient_ok(""));
	CU_ASSERT_FALSE(ras_sessionlog_patient_ok(".."));
	CU_ASSERT_FALSE(ras_sessionlog_patient_ok("a/b"));
	CU_ASSERT_FALSE(ras_sessionlog_patient_ok("-x"));
	CU_ASSERT_FALSE(ras_sessionlog_patient_ok("Jane Doe"));
	setenv("XDG_DATA_HOME", "/srv/data", 1);
	CU_ASSERT_EQUAL(ras_sessionlog_default_dir("p01", buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(strncmp(buf, "/srv/data/rasbeat/sessions/p01/20", 30), 0);
	CU_ASSERT_EQUAL(strlen(buf), strlen("/srv/data/rasbeat/sessions/p01/2026-11-21T10-15-00"));
	CU_ASSERT_EQUAL(ras_sessionlog_patient_dir(NULL, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/srv/data/rasbeat/sessions/anonymous");
	if (old) {
		setenv("XDG_DATA_HOME", old, 1);
		free(old);
	} else {
		unsetenv("XDG_DATA_HOME");
	}
}

void test_sessionlog_register(void)
{
	TEST_SUITE("sessionlog",
		   { "rows, matching, session.json, summary read back", test_rows },
		   { "dot decimals in a comma locale", test_locale },
		   { "a new latency after a reconnection: heard times follow", test_latency_change },
		   { "a session folder is never reused; unmakeable folder", test_refusals },
		   { "full disk: reported, whole rows only", test_disk_full },
		   { "full queue: rows counted as lost", test_queue_full },
		   { "default folders and patient ids", test_folders });
}

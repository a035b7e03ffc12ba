/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/stepsource.h"
#include "testutil.h"

/* A recording replays against the session clock: nothing before its time. */
static void test_replay_pacing(void)
{
	const char *path = test_path("walk.evemu");
	struct ras_stepsource_config cfg = { .input = path };
	struct ras_stepsource *s;
	struct ras_step got[8];
	char err[256];
	FILE *f = fopen(path, "w");
	int n, total = 0;

	/* KEY_A pressed at 0, 0.6, 1.2, 1.8 s of the recording, released 0.1 s later. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("# EVEMU 1.3\nN: Foot\nI: 0003 0001 0002 0001\nP: 00 00 00 00 00 00 00 00\n"
	      "B: 00 0b 00 00 00 00 00 00 00\nB: 01 00 00 00 40 00 00 00 00\n", f);
	for (int i = 0; i < 4; i++)
		fprintf(f, "E: %d.%06d 0001 001e 1\nE: %d.%06d 0000 0000 0\n"
			"E: %d.%06d 0001 001e 0\nE: %d.%06d 0000 0000 0\n",
			i * 6 / 10, (i * 600000) % 1000000 + 1, i * 6 / 10, (i * 600000) % 1000000 + 1,
			(i * 600 + 100) / 1000, ((i * 600 + 100) % 1000) * 1000 + 1,
			(i * 600 + 100) / 1000, ((i * 600 + 100) % 1000) * 1000 + 1);
	fclose(f);
	ras_detect_config_default(&cfg.detect, RAS_SENSOR_FOOTSWITCH);
	s = ras_stepsource_open(&cfg, err, sizeof(err));
	if (!s)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_TRUE(ras_stepsource_is_replay(s));
	CU_ASSERT_STRING_EQUAL(ras_stepsource_name(s), "Foot");
	/* The first poll at session 5 s anchors the recording's start there. */
	for (int64_t now = 5000000000LL; now <= 8000000000LL; now += 100000000LL) {
		n = ras_stepsource_poll(s, now, got, 8, NULL, NULL);
		for (int i = 0; i < n; i++, total++) {
			int64_t want = 5000000000LL + total * 600000000LL;

			/* never early, and with 0.1 s polls at most 0.1 s late */
			CU_ASSERT(got[i].time_ns <= now);
			CU_ASSERT(now - got[i].time_ns < 100000000LL + 1000);
			CU_ASSERT(llabs(got[i].time_ns - want) < 1000);
		}
	}
	CU_ASSERT_EQUAL(total, 4);
	CU_ASSERT_EQUAL(ras_stepsource_unplaced(s), 0);
	ras_stepsource_free(s);
}

static void test_open_errors(void)
{
	struct ras_stepsource_config cfg = { .input = "tests/sensor/data/accel.evemu" };
	char err[512];

	ras_detect_config_default(&cfg.detect, RAS_SENSOR_FOOTSWITCH);
	CU_ASSERT_PTR_NULL(ras_stepsource_open(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot serve as a footswitch sensor"));
	cfg.input = "missing.evemu";
	CU_ASSERT_PTR_NULL(ras_stepsource_open(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.evemu"));
	cfg.input = "no such device name";
	CU_ASSERT_PTR_NULL(ras_stepsource_open(&cfg, err, sizeof(err)));
	CU_ASSERT(strlen(err) > 0);
}

void test_stepsource_register(void)
{
	TEST_SUITE("stepsource",
		   { "recording paced by the session clock", test_replay_pacing },
		   { "open errors", test_open_errors });
}

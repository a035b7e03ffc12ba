/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rasbeat/beatlog.h"
#include "testutil.h"

/* Rows as specified, dot decimals even under a comma locale. */
static void test_rows_and_locale(void)
{
	struct ras_beat b = {
		.index = 3, .frame = 86142, .time = 1.794616152, .tempo = 100.3,
		.accent = RAS_BEAT_ACCENT, .audible = true,
	};
	const char *path = test_path("beats.csv");
	char err[256], *text;
	struct ras_beatlog *log;
	locale_t de = newlocale(LC_ALL_MASK, "de_DE.UTF-8", (locale_t)0);
	locale_t old;
	struct stat st;

	/* Without the locale this test cannot show anything: fail, do not skip. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(de);
	old = uselocale(de);
	{
		char probe[16];

		snprintf(probe, sizeof(probe), "%.1f", 1.5);
		CU_ASSERT_STRING_EQUAL(probe, "1,5");	/* the locale really is comma-decimal */
	}
	log = ras_beatlog_create(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	CU_ASSERT_EQUAL(ras_beatlog_write(log, &b), 0);
	b.index = 4;
	b.accent = RAS_BEAT_NORMAL;
	b.audible = false;
	CU_ASSERT_EQUAL(ras_beatlog_write(log, &b), 0);
	/* Not in place until committed. */
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(ras_beatlog_commit(log, err, sizeof(err)), 0);
	uselocale(old);
	freelocale(de);
	text = test_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, "index,frame,time_s,tempo_bpm,accent,audible\n"
				     "3,86142,1.794616152,100.300000,1,1\n"
				     "4,86142,1.794616152,100.300000,0,0\n");
	free(text);
}

static void test_unwritable(void)
{
	char err[256];

	CU_ASSERT_PTR_NULL(ras_beatlog_create("/nonexistent-dir/beats.csv", err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/beats.csv: cannot create"));
}

void test_beatlog_register(void)
{
	TEST_SUITE("beatlog",
		   { "rows, header, comma locale", test_rows_and_locale },
		   { "unwritable path", test_unwritable });
}

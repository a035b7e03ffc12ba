/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "rasbeat/steplog.h"
#include "testutil.h"

static void test_rows(void)
{
	const struct ras_step st[] = {
		{ .time_ns = 500000000, .foot = RAS_FOOT_LEFT },
		{ .time_ns = 1050000000, .foot = RAS_FOOT_RIGHT },
		{ .time_ns = 1600000000, .foot = RAS_FOOT_LEFT },
		{ .time_ns = 2000000000, .foot = RAS_FOOT_NONE },
	};
	const char *path = test_path("steps.csv");
	char err[256], buf[512] = { 0 };
	locale_t de = newlocale(LC_ALL_MASK, "de_DE.UTF-8", (locale_t)0), old;

	CU_ASSERT_PTR_NOT_NULL_FATAL(de);
	old = uselocale(de);
	CU_ASSERT_EQUAL(ras_steplog_write(path, st, 4, err, sizeof(err)), 0);
	uselocale(old);
	freelocale(de);
	CU_ASSERT_FATAL(test_read_text(path, buf, sizeof(buf)) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "time_s,foot,interval_s,stride_s\n"
				    "0.500000,L,,\n"
				    "1.050000,R,0.550000,\n"
				    "1.600000,L,0.550000,1.100000\n"
				    "2.000000,-,0.400000,\n");
	CU_ASSERT_NOT_EQUAL(ras_steplog_write("/nonexistent/steps.csv", st, 4, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/steps.csv: cannot create"));
}

void test_steplog_register(void)
{
	TEST_SUITE("steplog", { "rows, feet, comma locale, errors", test_rows });
}

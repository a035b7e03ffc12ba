/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/decimal.h"
#include "testutil.h"

static void test_accepts(void)
{
	static const struct {
		const char *s;
		double v;
	} ok[] = { { "96", 96 }, { "-1.5", -1.5 }, { "+2", 2 }, { ".5", 0.5 },
		   { "-.25", -0.25 }, { "5.", 5 }, { "1e3", 1000 }, { "0", 0 } };
	double v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -7;
		CU_ASSERT_TRUE(ras_decimal(ok[i].s, &v));
		CU_ASSERT_DOUBLE_EQUAL(v, ok[i].v, 1e-12);
	}
}

static void test_refuses(void)
{
	static const char *const bad[] = { "", "-", ".", "+.", "e3", " 5", "5 ", "5x", "0x10",
					   "1p3", "inf", "-inf", "nan", "NAN", "1e999", "1e-400", "1,5",
					   "--1", "five" };
	double v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ras_decimal(bad[i], &v))
			CU_FAIL(bad[i]);
		CU_ASSERT_EQUAL(v, 42);	/* untouched */
	}
}

/* A dot in a comma locale, and a comma refused there too. */
static void test_locale(void)
{
	char *old = strdup(setlocale(LC_ALL, NULL));
	double v = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(setlocale(LC_ALL, "de_DE.UTF-8"));
	CU_ASSERT_TRUE(ras_decimal("1.5", &v));
	CU_ASSERT_DOUBLE_EQUAL(v, 1.5, 1e-12);
	CU_ASSERT_FALSE(ras_decimal("1,5", &v));
	setlocale(LC_ALL, old);
	free(old);
}

void test_decimal_register(void)
{
	TEST_SUITE("decimal",
		   { "decimals read", test_accepts },
		   { "junk, hex, inf, nan, overflow refused", test_refuses },
		   { "a dot whatever the locale", test_locale });
}

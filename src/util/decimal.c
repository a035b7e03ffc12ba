/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/decimal.h"

static locale_t c_locale;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t ras_c_locale(void)
{
	pthread_once(&once, make_c_locale);
	return c_locale;
}

bool ras_decimal(const char *s, double *out)
{
	const char *p = s + (*s == '-' || *s == '+');
	char *end;
	double v;

	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	if (strpbrk(s, "xXpP"))
		return false;
	errno = 0;
	/* Without a C locale object (out of memory), the process's own. */
	v = ras_c_locale() ? strtod_l(s, &end, ras_c_locale()) : strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}

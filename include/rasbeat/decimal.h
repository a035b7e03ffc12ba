/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - numbers with a dot, whatever the locale
 *
 * Command-line options, session and program files, walker and bed specs all
 * take a decimal with a dot whatever the locale: an optional sign, then a
 * digit (or a dot and a digit), and nothing after the number: no white
 * space around it either. No hex, no inf or nan, nothing that overflows
 * or underflows (1e-400; zero itself is fine). Each caller checks its own range and
 * words its own error, naming the option, key or line.
 *
 * Not RT-safe (the first call makes the C locale it reads with).
 */
#ifndef RASBEAT_DECIMAL_H
#define RASBEAT_DECIMAL_H

#include <locale.h>
#include <stdbool.h>

/* true and *out set when s is such a decimal; false otherwise. */
bool ras_decimal(const char *s, double *out);

/* The C locale for LC_NUMERIC, made once for the process and never freed:
 * writers of CSV, JSON and SVG numbers hold it with uselocale() for the
 * thread that writes. (locale_t)0 when it could not be made (out of
 * memory), which uselocale() takes as "leave the locale as it is". */
locale_t ras_c_locale(void);

#endif

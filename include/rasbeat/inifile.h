/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - reading INI files with inih, with line numbers
 *
 * What session files and program files share: inih reads through a reader
 * that counts lines (so every message can say FILE:LINE), notes whether a
 * line is an indented continuation and which line first overflowed inih's
 * buffer; the first error found is kept, as "FILE:LINE: KEY: what". Numbers
 * are read with ras_decimal (decimal.h).
 *
 * Not RT-safe.
 */
#ifndef RASBEAT_INIFILE_H
#define RASBEAT_INIFILE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ras_ini {
	FILE *f;			/* NULL: an empty text */
	const char *file;		/* for messages */
	int line;			/* the line inih is on */
	bool indented;			/* it starts with white space: a continuation */
	bool at_start;
	int long_line;			/* first line longer than inih's buffer; 0 none */
	int buffer;			/* inih's line buffer, bytes */
	char *err;
	size_t errlen;
	int err_line;			/* of the first error; -1 one without a line; 0 none */
};

void ras_ini_init(struct ras_ini *ini, FILE *f, const char *file, char *err, size_t errlen);

/* inih's ini_parse_stream through the counting reader: its return value
 * (0, the first line a handler refused, or -2 out of memory). */
int ras_ini_parse(struct ras_ini *ini, int (*handler)(void *user, const char *section,
						       const char *name, const char *value),
		  void *user);

/* Record an error unless one is already recorded (line 0: none to name). */
void ras_ini_vfail(struct ras_ini *ini, int line, const char *key, const char *fmt, va_list ap);
/* The same; returns -EINVAL, for parsers that judge after reading. */
__attribute__((format(printf, 4, 5)))
int ras_ini_fail(struct ras_ini *ini, int line, const char *key, const char *fmt, ...);


#endif

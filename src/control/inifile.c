/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/inifile.h"

void ras_ini_init(struct ras_ini *ini, FILE *f, const char *file, char *err, size_t errlen)
{
	*ini = (struct ras_ini){ .f = f, .file = file, .at_start = true, .err = err,
				 .errlen = errlen };
}

/* fgets for inih, counting lines so that messages can name them. */
static char *reader(char *str, int num, void *stream)
{
	struct ras_ini *ini = stream;
	char *r = fgets(str, num, ini->f);

	ini->buffer = num;
	if (!r)
		return NULL;
	if (ini->at_start) {
		ini->line++;
		ini->indented = *r == ' ' || *r == '\t';
	}
	ini->at_start = strchr(r, '\n') != NULL;
	if (!ini->at_start && !feof(ini->f) && !ini->long_line)
		ini->long_line = ini->line;
	return r;
}

int ras_ini_parse(struct ras_ini *ini, int (*handler)(void *user, const char *section,
						       const char *name, const char *value),
		  void *user)
{
	return ini->f ? ini_parse_stream(reader, ini, handler, user) : 0;
}

int ras_ini_fail(struct ras_ini *ini, int line, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ras_ini_vfail(ini, line, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void ras_ini_vfail(struct ras_ini *ini, int line, const char *key, const char *fmt, va_list ap)
{
	char msg[200];

	if (ini->err_line)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ini->err_line = line ? line : -1;
	if (line)
		snprintf(ini->err, ini->errlen, "%s:%d: %s%s%s", ini->file, line, key ? key : "",
			 key ? ": " : "", msg);
	else
		snprintf(ini->err, ini->errlen, "%s: %s", ini->file, msg);
}


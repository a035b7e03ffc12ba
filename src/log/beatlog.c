/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasbeat/beatlog.h"

struct ras_beatlog {
	FILE *f;
	locale_t c_locale;
	char path[PATH_MAX];
	char tmp[PATH_MAX];
};

struct ras_beatlog *ras_beatlog_create(const char *path, char *err, size_t errlen)
{
	struct ras_beatlog *log = calloc(1, sizeof(*log));
	int fd;

	if (!log) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if ((size_t)snprintf(log->path, sizeof(log->path), "%s", path) >= sizeof(log->path) ||
	    (size_t)snprintf(log->tmp, sizeof(log->tmp), "%s.part-XXXXXX", path) >= sizeof(log->tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		free(log);
		return NULL;
	}
	log->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	fd = mkstemp(log->tmp);
	if (fd < 0 || !log->c_locale || !(log->f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(log->tmp);
		}
		if (log->c_locale)
			freelocale(log->c_locale);
		free(log);
		return NULL;
	}
	fputs("index,frame,time_s,tempo_bpm,accent,audible\n", log->f);
	return log;
}

int ras_beatlog_write(struct ras_beatlog *log, const struct ras_beat *b)
{
	locale_t old = uselocale(log->c_locale);
	int n = fprintf(log->f, "%" PRId64 ",%" PRId64 ",%.9f,%.6f,%d,%d\n", b->index, b->frame,
			b->time, b->tempo, b->accent == RAS_BEAT_ACCENT, b->audible);

	uselocale(old);
	return n < 0 ? -EIO : 0;
}

int ras_beatlog_flush(struct ras_beatlog *log)
{
	return fflush(log->f) ? -EIO : 0;
}

int ras_beatlog_beat_fn(const struct ras_beat *beat, void *ctx)
{
	return ras_beatlog_write(ctx, beat);
}

int ras_beatlog_commit(struct ras_beatlog *log, char *err, size_t errlen)
{
	int ret = 0;

	if (fflush(log->f) || fsync(fileno(log->f))) {
		ret = -errno;
		snprintf(err, errlen, "%s: write failed: %s", log->path, strerror(errno));
	}
	if (fclose(log->f) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "%s: write failed: %s", log->path, strerror(errno));
	}
	if (!ret && rename(log->tmp, log->path)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot rename into place: %s", log->path, strerror(errno));
	}
	if (ret)
		unlink(log->tmp);
	freelocale(log->c_locale);
	free(log);
	return ret;
}

void ras_beatlog_abort(struct ras_beatlog *log)
{
	if (!log)
		return;
	fclose(log->f);
	unlink(log->tmp);
	freelocale(log->c_locale);
	free(log);
}

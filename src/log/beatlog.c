/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasbeat/beatlog.h"
#include "rasbeat/decimal.h"
#include "rasbeat/tmpfile.h"

struct ras_beatlog {
	FILE *f;
	struct ras_tmpfile file;
};

struct ras_beatlog *ras_beatlog_create(const char *path, char *err, size_t errlen)
{
	struct ras_beatlog *log = calloc(1, sizeof(*log));

	if (!log) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (ras_tmpfile_open(&log->file, path, 0666, err, errlen)) {
		free(log);
		return NULL;
	}
	log->f = fdopen(log->file.fd, "w");
	if (!log->f) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		close(log->file.fd);
		ras_tmpfile_discard(&log->file);
		free(log);
		return NULL;
	}
	fputs("index,frame,time_s,tempo_bpm,accent,audible\n", log->f);
	return log;
}

int ras_beatlog_write(struct ras_beatlog *log, const struct ras_beat *b)
{
	locale_t old = uselocale(ras_c_locale());
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
		snprintf(err, errlen, "%s: write failed: %s", log->file.path, strerror(errno));
	}
	if (fclose(log->f) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "%s: write failed: %s", log->file.path, strerror(errno));
	}
	if (ret)
		ras_tmpfile_discard(&log->file);
	else
		ret = ras_tmpfile_commit(&log->file, err, errlen);
	free(log);
	return ret;
}

void ras_beatlog_abort(struct ras_beatlog *log)
{
	if (!log)
		return;
	fclose(log->f);
	ras_tmpfile_discard(&log->file);
	free(log);
}

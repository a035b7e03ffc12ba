/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - files that appear whole or not at all
 *
 * Output is written under a temporary name beside its destination
 * ("PATH.part-XXXXXX") and renamed into place once complete: rename is
 * atomic within a folder, so a reader, an error or a crash never meets a
 * partial file. The caller writes through the descriptor (wrapping it in
 * stdio or libsndfile as it likes) and closes it before ras_tmpfile_commit.
 *
 * Not RT-safe.
 */
#ifndef RASBEAT_TMPFILE_H
#define RASBEAT_TMPFILE_H

#include <limits.h>
#include <stddef.h>

struct ras_tmpfile {
	char path[PATH_MAX];	/* destination */
	char tmp[PATH_MAX];	/* where the data goes meanwhile */
	int fd;
};

/* Create the temporary file with the permissions the umask allows for
 * `mode`. 0, or a negative errno with err "PATH: cannot create: why". */
int ras_tmpfile_open(struct ras_tmpfile *t, const char *path, int mode, char *err, size_t errlen);
/* Rename into place (the descriptor must be closed). 0 or -errno; on
 * failure the temporary file is removed. */
int ras_tmpfile_commit(struct ras_tmpfile *t, char *err, size_t errlen);
/* Remove the temporary file. */
void ras_tmpfile_discard(struct ras_tmpfile *t);

/* Make a folder and its missing parents, each with `mode` (less the umask).
 * 0, or a negative errno with err "PATH: cannot create: why". */
int ras_mkdirs(const char *path, int mode, char *err, size_t errlen);

#endif

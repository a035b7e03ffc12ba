/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rasbeat/tmpfile.h"

/*
 * The umask, read without changing it: umask(2) can only set it, and
 * setting it even for a moment would give files other threads create
 * meanwhile the wrong mode. Linux says it in /proc/self/status.
 */
static mode_t current_umask(void)
{
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned int um = 077;	/* unknown: the strictest */

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &um) == 1)
			break;
	if (f)
		fclose(f);
	return (mode_t)um;
}

int ras_tmpfile_open(struct ras_tmpfile *t, const char *path, int mode, char *err, size_t errlen)
{
	mode_t um;
	int ret;

	t->fd = -1;
	if ((size_t)snprintf(t->path, sizeof(t->path), "%s", path) >= sizeof(t->path) ||
	    (size_t)snprintf(t->tmp, sizeof(t->tmp), "%s.part-XXXXXX", path) >= sizeof(t->tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	t->fd = mkstemp(t->tmp);
	if (t->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		return ret;
	}
	/* mkstemp makes 0600; honour the umask as open(2) would. */
	um = current_umask();
	fchmod(t->fd, (mode_t)mode & ~um);
	return 0;
}

int ras_tmpfile_commit(struct ras_tmpfile *t, char *err, size_t errlen)
{
	int ret;

	if (rename(t->tmp, t->path) == 0)
		return 0;
	ret = -errno;
	snprintf(err, errlen, "%s: cannot rename into place: %s", t->path, strerror(errno));
	unlink(t->tmp);
	return ret;
}

void ras_tmpfile_discard(struct ras_tmpfile *t)
{
	unlink(t->tmp);
}

int ras_mkdirs(const char *path, int mode, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	int ret;

	if (strlen(path) >= sizeof(buf)) {
		/* Only its start: the whole path would not fit the message. */
		snprintf(err, errlen, "%.64s...: path too long (%zu bytes)", path, strlen(path));
		return -ENAMETOOLONG;
	}
	strcpy(buf, path);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, (mode_t)mode) && errno != EEXIST) {
				ret = -errno;
				snprintf(err, errlen, "%s: cannot create: %s", buf, strerror(errno));
				return ret;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

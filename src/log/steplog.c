/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rasbeat/decimal.h"
#include "rasbeat/steplog.h"
#include "rasbeat/tmpfile.h"

static const char foot_name[] = { 'L', 'R' };

int ras_steplog_write(const char *path, const struct ras_step *steps, size_t n,
		      char *err, size_t errlen)
{
	struct ras_tmpfile t;
	locale_t old;
	int64_t last[2] = { -1, -1 };
	FILE *f;
	int ret;

	ret = ras_tmpfile_open(&t, path, 0666, err, errlen);
	if (ret)
		return ret;
	f = fdopen(t.fd, "w");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		close(t.fd);
		ras_tmpfile_discard(&t);
		return ret;
	}
	old = uselocale(ras_c_locale());
	fputs("time_s,foot,interval_s,stride_s\n", f);
	for (size_t i = 0; i < n; i++) {
		int foot = steps[i].foot;
		bool known = foot == RAS_FOOT_LEFT || foot == RAS_FOOT_RIGHT;

		fprintf(f, "%.6f,%c,", steps[i].time_ns * 1e-9, known ? foot_name[foot] : '-');
		if (i > 0)
			fprintf(f, "%.6f", (steps[i].time_ns - steps[i - 1].time_ns) * 1e-9);
		fputc(',', f);
		if (known && last[foot] >= 0)
			fprintf(f, "%.6f", (steps[i].time_ns - last[foot]) * 1e-9);
		fputc('\n', f);
		if (known)
			last[foot] = steps[i].time_ns;
	}
	uselocale(old);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
	}
	if (fclose(f) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
	}
	if (ret) {
		ras_tmpfile_discard(&t);
		return ret;
	}
	return ras_tmpfile_commit(&t, err, errlen);
}

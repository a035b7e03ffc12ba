/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session's record (rasbeat report / analyze DIR): the input is split on
 * NUL bytes into events.csv, beats.csv, steps.csv and session.json (in
 * that order; a file past the last part is absent) in a folder of this
 * process, which ras_record_load reads; every phase is then summarized as
 * the report does. */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "rasbeat/record.h"

static const char *const files[] = { "events.csv", "beats.csv", "steps.csv", "session.json" };
static char dir[64];

static void cleanup(void)
{
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct ras_record r;
	struct ras_phase_summary sum;
	char path[128];
	FUZZ_ERR(err);

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/rasbeat-fuzz-XXXXXX",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (p > end) {
			unlink(path);
			continue;
		}
		const uint8_t *nul = memchr(p, '\0', end - p);
		size_t n = (nul ? nul : end) - p;
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || write(fd, p, n) != (ssize_t)n)
			abort();
		close(fd);
		p += n + 1;
	}
	if (ras_record_load(&r, dir, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err), dir);
	} else {
		for (size_t i = 0; i < r.nphases; i++)
			ras_record_summarize(&r, i, &sum);
		ras_record_clear(&r);
	}
	return 0;
}

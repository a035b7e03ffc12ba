/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat fuzz targets: what they share (see README.md).
 *
 * Besides crashes, leaks, UB and hangs (the sanitizers and libFuzzer find
 * those), each target checks the parsers' promise about bad input: a
 * refusal comes with a message, NUL-terminated within the buffer, that
 * names the file (or option, or field). A broken promise aborts, so
 * libFuzzer reports it like a crash.
 */
#ifndef RASBEAT_FUZZ_H
#define RASBEAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ERR_LEN 512

/* The input as a C string: a copy with a NUL after it (the parsers that
 * take text stop at the first NUL, as they would reading a file). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* err after a refusal: set, terminated, and starting with `prefix`. */
static inline void fuzz_check_err(const char *err, size_t errlen, const char *prefix)
{
	if (!memchr(err, '\0', errlen)) {
		fprintf(stderr, "fuzz: error message not terminated\n");
		abort();
	}
	if (!err[0]) {
		fprintf(stderr, "fuzz: refused without a message\n");
		abort();
	}
	if (prefix && strncmp(err, prefix, strlen(prefix))) {
		fprintf(stderr, "fuzz: message does not name '%s': %s\n", prefix, err);
		abort();
	}
}

/* A fresh error buffer, empty: a refusal that sets no message shows. */
#define FUZZ_ERR(name) char name[FUZZ_ERR_LEN]; name[0] = '\0'

#endif

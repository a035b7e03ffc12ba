/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shared test helpers. Each tests/DIR/test_MODULE.c defines
 * void test_MODULE_register(void), listed in tests/run_tests.c.
 */
#ifndef RASBEAT_TESTUTIL_H
#define RASBEAT_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rasbeat/engine.h"

/* Add a suite and its tests: TEST_SUITE("name", { "t1", fn1 }, ...). */
struct test_case {
	const char *name;
	void (*fn)(void);
};
void test_add_suite(const char *name, const struct test_case *cases, size_t n);
#define TEST_SUITE(name, ...)                                                     \
	do {                                                                      \
		static const struct test_case cases_[] = { __VA_ARGS__ };         \
		test_add_suite(name, cases_, sizeof(cases_) / sizeof(cases_[0])); \
	} while (0)

/* A scratch directory for this run (created once, removed at exit). */
const char *test_tmpdir(void);
/* test_tmpdir()/name in a static rotating buffer. */
const char *test_path(const char *name);

/* Path of the rasbeat binary under test: $RASBEAT_BIN when set (make
 * check-asan tests build-asan/rasbeat), else the built ./rasbeat (from the
 * top of the tree). TEST_RASBEAT is the same, for argv[] initialisers. */
const char *test_rasbeat_path(void);
#define TEST_RASBEAT ((char *)test_rasbeat_path())

/*
 * Run argv (NULL-terminated) with stdout and stderr captured into `out`
 * (NUL-terminated, truncated to outlen). Returns the exit status, or -1.
 */
int test_run(char *const argv[], char *out, size_t outlen);

/* CLOCK_MONOTONIC in seconds; sleep s seconds (through signals). */
double test_now(void);
void test_nap(double s);

/* A whole file, NUL-terminated, in memory to free(); its length in *len
 * when len is not NULL. NULL when it cannot be read. */
char *test_slurp(const char *path, size_t *len);
/* A file into buf, NUL-terminated, truncated to size - 1; "" when it
 * cannot be read. Returns the length. */
size_t test_read_text(const char *path, char *buf, size_t size);

/*
 * Rows of a CSV file (its header included) when every line is whole (ends
 * in a newline) and has `fields` fields (a quoted field may hold commas);
 * -1 when one is torn or malformed, or the file cannot be read.
 */
long test_csv_rows(const char *path, int fields);

/* True when the runner runs under valgrind (make check-valgrind): tests
 * shorten their loops and drop bounds on speed and timing there, as the
 * code runs 20 to 50 times slower, one thread at a time. */
bool test_under_valgrind(void);

/* test_run on ./rasbeat with args (NULL-terminated). */
int test_rasbeat(const char *const *args, char *out, size_t outlen);

/* A one-frame unit impulse at `rate`: onsets show as single samples. */
struct ras_sound *test_impulse(double rate);

/*
 * Offline-render `frames` frames of engine e in blocks of `block` frames,
 * collecting onsets: frames whose left or right sample rises above
 * `threshold` after at least `gap` frames below it. Returns the count;
 * onsets[] gets up to max of them. Beats go to beats[] (up to maxbeats,
 * count in *nbeats) when beats is not NULL.
 */
size_t test_render_onsets(struct ras_engine *e, int64_t frames, uint32_t block, float threshold,
			  uint32_t gap, int64_t *onsets, size_t max, struct ras_beat *beats,
			  size_t maxbeats, size_t *nbeats);

#endif

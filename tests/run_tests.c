/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CUnit runner: every suite of tests/DIR/test_MODULE.c. */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "rasbeat/cuefile.h"
#include "rasbeat/sound.h"
#include "testutil.h"

void test_schedule_register(void);
void test_engine_register(void);
void test_limiter_register(void);
void test_sound_register(void);
void test_spsc_register(void);
void test_decimal_register(void);
void test_tempomap_register(void);
void test_tempo_register(void);
void test_session_register(void);
void test_program_register(void);
void test_cuefile_register(void);
void test_render_register(void);
void test_jack_register(void);
void test_pipewire_register(void);
void test_beatlog_register(void);
void test_cli_register(void);
void test_main_register(void);
void test_detect_register(void);
void test_evdev_register(void);
void test_clocksync_register(void);
void test_evemu_register(void);
void test_gait_register(void);
void test_measures_register(void);
void test_steplog_register(void);
void test_stepsource_register(void);
void test_walker_register(void);
void test_record_register(void);
void test_report_register(void);
void test_sessionlog_register(void);
void test_song_register(void);
void test_bed_register(void);
void test_console_register(void);
void test_osc_register(void);
void test_midi_register(void);

static char tmpdir[256];

void test_add_suite(const char *name, const struct test_case *cases, size_t n)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);

	for (size_t i = 0; s && i < n; i++)
		CU_add_test(s, cases[i].name, cases[i].fn);
}

char *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *more;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			more = realloc(buf, cap);
			if (!more) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = more;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

size_t test_read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return n;
}

long test_csv_rows(const char *path, int fields)
{
	FILE *f = fopen(path, "r");
	long rows = 0;
	int n = 1, c, last = '\n';
	bool q = false;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF) {
		if (c == '"')
			q = !q;
		else if (c == ',' && !q)
			n++;
		else if (c == '\n' && !q) {
			if (n != fields)
				rows = -1;
			if (rows < 0)
				break;
			rows++;
			n = 1;
		}
		last = c;
	}
	fclose(f);
	return last == '\n' && !q ? rows : -1;
}

const char *test_tmpdir(void)
{
	return tmpdir;
}

const char *test_path(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

int test_run(char *const argv[], char *out, size_t outlen)
{
	int pipefd[2], status;
	size_t len = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char tmp[4096];
		ssize_t r = read(pipefd[0], tmp, sizeof(tmp));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r && len + 1 < outlen; i++)
			out[len++] = tmp[i];
	}
	if (outlen)
		out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool test_under_valgrind(void)
{
	return RUNNING_ON_VALGRIND != 0;
}

const char *test_rasbeat_path(void)
{
	const char *p = getenv("RASBEAT_BIN");

	return p && *p ? p : "./rasbeat";
}

int test_rasbeat(const char *const *args, char *out, size_t outlen)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)test_rasbeat_path();
	while (*args && argc < 63)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return test_run(argv, out, outlen);
}

double test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void test_nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

struct ras_sound *test_impulse(double rate)
{
	const float one = 0.5f;

	return ras_sound_from(&one, 1, rate);
}

size_t test_render_onsets(struct ras_engine *e, int64_t frames, uint32_t block, float threshold,
			  uint32_t gap, int64_t *onsets, size_t max, struct ras_beat *beats,
			  size_t maxbeats, size_t *nbeats)
{
	float *l = malloc(block * sizeof(float)), *r = malloc(block * sizeof(float));
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	struct ras_beat b;
	int64_t quiet = gap, done = 0;
	size_t n = 0;

	if (nbeats)
		*nbeats = 0;
	ras_engine_send(e, &start);
	while (done < frames) {
		uint32_t len = frames - done < block ? (uint32_t)(frames - done) : block;

		ras_engine_process(e, l, r, len);
		for (uint32_t i = 0; i < len; i++) {
			float a = l[i] > r[i] ? l[i] : r[i];

			if (a < 0)
				a = -a;
			if (-l[i] > a)
				a = -l[i];
			if (-r[i] > a)
				a = -r[i];
			if (a > threshold) {
				if (quiet >= gap && n < max)
					onsets[n] = done + i;
				if (quiet >= gap)
					n++;
				quiet = 0;
			} else {
				quiet++;
			}
		}
		while (ras_engine_next_beat(e, &b)) {
			if (beats && nbeats && *nbeats < maxbeats)
				beats[*nbeats] = b;
			if (nbeats)
				(*nbeats)++;
		}
		done += len;
	}
	free(l);
	free(r);
	return n;
}

static void rm_tmpdir(void)
{
	char cmd[300];

	if (!getenv("RASBEAT_KEEP_TMP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

int main(int argc, char **argv)
{
	unsigned failed;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rasbeat-test-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	atexit(rm_tmpdir);
	/* Sessions the tests play keep their default records here, not in
	 * the user's data folder. */
	{
		char data[300];

		snprintf(data, sizeof(data), "%s/data", tmpdir);
		setenv("XDG_DATA_HOME", data, 1);
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	test_schedule_register();
	test_engine_register();
	test_limiter_register();
	test_sound_register();
	test_spsc_register();
	test_decimal_register();
	test_tempomap_register();
	test_tempo_register();
	test_session_register();
	test_program_register();
	test_cuefile_register();
	test_render_register();
	test_beatlog_register();
	test_cli_register();
	test_main_register();
	test_detect_register();
	test_evdev_register();
	test_clocksync_register();
	test_evemu_register();
	test_gait_register();
	test_measures_register();
	test_steplog_register();
	test_stepsource_register();
	test_walker_register();
	test_record_register();
	test_report_register();
	test_sessionlog_register();
	test_song_register();
	test_bed_register();
	test_console_register();
	test_osc_register();
	test_midi_register();
	test_jack_register();
	test_pipewire_register();

	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (argc > 1) {
		/* One suite by name: build/run_tests engine; one test of it:
		 * build/run_tests jack "the test's name" */
		CU_pSuite s = CU_get_suite(argv[1]);
		CU_pTest t = s && argc > 2 ? CU_get_test(s, argv[2]) : NULL;

		if (!s || (argc > 2 && !t)) {
			fprintf(stderr, "no %s '%s'\n", s ? "test" : "suite", s ? argv[2] : argv[1]);
			return 2;
		}
		if (t)
			CU_basic_run_test(s, t);
		else
			CU_basic_run_suite(s);
	} else {
		CU_basic_run_tests();
	}
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	/* The plain closing line CI reads, after CUnit's own summary. */
	printf("\n%u passed, %u failed\n",
	       CU_get_number_of_tests_run() - CU_get_number_of_tests_failed(),
	       CU_get_number_of_tests_failed());
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The status line, the actions' helpers, the block font, and the console
 * itself driven in tmux: tests/ui/console_demo ($(BUILD)/console_demo,
 * found beside run_tests) runs in a private tmux server (its own socket in
 * the test's scratch folder, -S; 100x30); keys go in with send-keys, the screen comes back with
 * capture-pane, and the demo writes every action it gets to a file. Without
 * tmux the test fails: run scripts/install-deps.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rasbeat/action.h"
#include "rasbeat/console.h"
#include "testutil.h"

static void full_status(struct ras_status *st)
{
	ras_status_init(st);
	st->time_s = 123.4;
	snprintf(st->phase, sizeof(st->phase), "ramp");
	st->phase_elapsed_s = 130.2;
	st->phase_length_s = 300;
	st->tempo_bpm = 104.5;
	st->cadence_spm = 103.94;
	st->r = 0.934;
	st->async_ms = -12.4;
	st->step_time_s[RAS_STATUS_STEP_LEFT] = 122.2;
	st->step_time_s[RAS_STATUS_STEP_RIGHT] = 122.8;
}

static const char *line(const struct ras_status *st)
{
	static char buf[512];

	ras_status_line(st, buf, sizeof(buf));
	return buf;
}

static void test_status_line(void)
{
	struct ras_status st;
	char small[20];

	full_status(&st);
	CU_ASSERT_STRING_EQUAL(line(&st),
			       "rasbeat: 123.4 s  phase ramp 2:10/5:00  tempo 104.5 bpm  "
			       "cadence 103.9 spm  R 0.93  async -12 ms  steps L 1.2 s R 0.6 s ago  "
			       "xruns 0");

	/* Nothing known yet. */
	ras_status_init(&st);
	CU_ASSERT_STRING_EQUAL(line(&st),
			       "rasbeat: 0.0 s  mode fixed  tempo - bpm  cadence - spm  R -  "
			       "async - ms  steps -  xruns 0");

	/* An open phase, one foot, paused, the sensor lost. */
	full_status(&st);
	st.phase_length_s = NAN;
	st.step_time_s[RAS_STATUS_STEP_RIGHT] = NAN;
	st.paused = true;
	st.xruns = 2;
	st.sensor_alert = true;
	snprintf(st.sensor, sizeof(st.sensor), "LOST since 12 s");
	CU_ASSERT_STRING_EQUAL(line(&st),
			       "rasbeat: 123.4 s  phase ramp 2:10  tempo 104.5 bpm  cadence 103.9 spm"
			       "  R 0.93  async -12 ms  steps L 1.2 s R - ago  xruns 2  PAUSED  "
			       "sensor LOST since 12 s");

	/* Steps of unknown foot only; no protocol. */
	full_status(&st);
	st.phase[0] = '\0';
	snprintf(st.mode, sizeof(st.mode), "follow");
	st.step_time_s[RAS_STATUS_STEP_LEFT] = st.step_time_s[RAS_STATUS_STEP_RIGHT] = NAN;
	st.step_time_s[RAS_STATUS_STEP_ANY] = 123.0;
	st.async_ms = 7.6;
	CU_ASSERT_STRING_EQUAL(line(&st),
			       "rasbeat: 123.4 s  mode follow  tempo 104.5 bpm  cadence 103.9 spm  "
			       "R 0.93  async 8 ms  step 0.4 s ago  xruns 0");

	/* Truncated, still terminated. */
	ras_status_line(&st, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "rasbeat: 123.4 s  m");
}

/* A comma locale: still dots. */
static void test_status_line_locale(void)
{
	struct ras_status st;
	char buf[32], *old = strdup(setlocale(LC_ALL, NULL));

	if (!setlocale(LC_ALL, "de_DE.UTF-8")) {
		fprintf(stderr, "\ntest_console: no de_DE.UTF-8 locale: run scripts/install-deps\n");
		CU_FAIL("de_DE.UTF-8 locale missing");
		free(old);
		return;
	}
	snprintf(buf, sizeof(buf), "%.1f", 1.5);
	CU_ASSERT_STRING_EQUAL(buf, "1,5");	/* the locale is in force */
	full_status(&st);
	CU_ASSERT_STRING_EQUAL(line(&st),
			       "rasbeat: 123.4 s  phase ramp 2:10/5:00  tempo 104.5 bpm  "
			       "cadence 103.9 spm  R 0.93  async -12 ms  steps L 1.2 s R 0.6 s ago  "
			       "xruns 0");
	CU_ASSERT_STRING_EQUAL(ras_status_num(buf, sizeof(buf), -0.25, 3), "-0.250");
	setlocale(LC_ALL, old);
	free(old);
}

static void test_numbers(void)
{
	char b[32];

	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), NAN, 1), "-");
	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), INFINITY, 1), "-");
	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), -0.04, 1), "0.0");
	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), -0.06, 1), "-0.1");
	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), 99.95, 1), "100.0");
	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), 7, 0), "7");
	CU_ASSERT_STRING_EQUAL(ras_status_num(b, sizeof(b), 1.0 / 1.05, 4), "0.9524");
	CU_ASSERT_STRING_EQUAL(ras_status_clock(b, sizeof(b), 130.9), "2:10");
	CU_ASSERT_STRING_EQUAL(ras_status_clock(b, sizeof(b), 0), "0:00");
	CU_ASSERT_STRING_EQUAL(ras_status_clock(b, sizeof(b), 3725), "1:02:05");
	CU_ASSERT_STRING_EQUAL(ras_status_clock(b, sizeof(b), -1), "-");
	CU_ASSERT_STRING_EQUAL(ras_status_clock(b, sizeof(b), NAN), "-");
}

static void test_actions(void)
{
	struct ras_action a = { .kind = RAS_ACTION_TEMPO_DELTA, .value = 1 };
	char d[256];
	double bpm = 0;

	CU_ASSERT_STRING_EQUAL(ras_action_kind_name(RAS_ACTION_PAUSE_TOGGLE), "pause_toggle");
	CU_ASSERT_STRING_EQUAL(ras_action_kind_name(RAS_ACTION_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(ras_action_source_name(RAS_SOURCE_KEY), "key");
	CU_ASSERT_STRING_EQUAL(ras_action_source_name(RAS_SOURCE_OSC), "osc");
	CU_ASSERT_STRING_EQUAL(ras_action_source_name(RAS_SOURCE_ADAPT), "adaptation");

	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "tempo +1 bpm");
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 100, 40, 180, &bpm), 0);
	CU_ASSERT_EQUAL(bpm, 101);
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 179.5, 40, 180, &bpm), 0);
	CU_ASSERT_EQUAL(bpm, 180);		/* stops at the limit */
	a.value = -1;
	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "tempo -1 bpm");

	a.kind = RAS_ACTION_TEMPO_SCALE;
	a.value = 1.05;
	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "tempo +5 %");
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 100, 40, 180, &bpm), 0);
	CU_ASSERT_DOUBLE_EQUAL(bpm, 105, 1e-9);
	a.value = 1 / 1.05;
	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "tempo -4.8 %");
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 41, 40, 180, &bpm), 0);
	CU_ASSERT_EQUAL(bpm, 40);
	a.value = 0;
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 100, 40, 180, &bpm), -EINVAL);

	a.kind = RAS_ACTION_TEMPO_SET;
	a.value = 104.5;
	a.source = RAS_SOURCE_OSC;
	snprintf(a.from, sizeof(a.from), "osc.udp://127.0.0.1:9000/");
	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "tempo 104.5 bpm (from osc.udp://127.0.0.1:9000/)");
	bpm = 1;
	CU_ASSERT_EQUAL(ras_action_tempo(&a, NAN, 40, 180, &bpm), 0);
	CU_ASSERT_EQUAL(bpm, 104.5);
	a.value = 1000;
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 100, 40, 180, &bpm), -ERANGE);
	a.value = NAN;
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 100, 40, 180, &bpm), -ERANGE);
	CU_ASSERT_EQUAL(bpm, 104.5);		/* untouched */

	a.kind = RAS_ACTION_MARK;
	a.source = RAS_SOURCE_KEY;
	snprintf(a.text, sizeof(a.text), "fell");
	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "mark: fell");
	CU_ASSERT_EQUAL(ras_action_tempo(&a, 100, 40, 180, &bpm), -EINVAL);
	a.kind = RAS_ACTION_NEXT_PHASE;
	ras_action_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "next phase");
}

static void test_big_font(void)
{
	char row[64];

	CU_ASSERT_EQUAL(ras_console_big_row("1", 7, 6, row, sizeof(row)), 5);
	CU_ASSERT_STRING_EQUAL(row, "#####");
	CU_ASSERT_EQUAL(ras_console_big_row("10.5", 7, 0, row, sizeof(row)), 5 + 1 + 5 + 1 + 2 + 1 + 5);
	CU_ASSERT_STRING_EQUAL(row, "  #    ###     #####");
	CU_ASSERT_EQUAL(ras_console_big_row("-", 5, 2, row, sizeof(row)), 3);
	CU_ASSERT_STRING_EQUAL(row, "###");
	CU_ASSERT_EQUAL(ras_console_big_row("x8", 5, 0, row, sizeof(row)), 3);	/* x skipped */
	CU_ASSERT_EQUAL(ras_console_big_row("8", 6, 0, row, sizeof(row)), -EINVAL);
	CU_ASSERT_EQUAL(ras_console_big_row("8", 7, 7, row, sizeof(row)), -EINVAL);
	CU_ASSERT_EQUAL(ras_console_big_row("88888888", 7, 0, row, 8), 7);	/* truncated */
}

/* Not a terminal: no console, and a reason. */
static void test_no_tty(void)
{
	int fds[2], status;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		char err[128];
		struct ras_console *c;

		dup2(fds[1], 1);
		c = ras_console_new(err, sizeof(err));
		_exit(!c && errno == ENOTTY &&
		      !strcmp(err, "console: standard output is not a terminal") ? 0 : 1);
	}
	close(fds[1]);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fds[0]);
	ras_console_restore();		/* nothing up: nothing done */
}

/* ---- the console in tmux -------------------------------------------------- */

static char tmux_bin[512], tmux_sock[512];

static bool find_tmux(void)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(tmux_bin, sizeof(tmux_bin), "%.*s/tmux", (int)n, path);
		if (!access(tmux_bin, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* tmux -S SOCK ARGS...; its output in out (may be NULL). Exit status. */
static int tmux(char *out, size_t outlen, const char *const *args)
{
	char *argv[32], buf[256];
	int argc = 0, status, fds[2];
	size_t len = 0;
	pid_t pid;

	argv[argc++] = tmux_bin;
	argv[argc++] = "-S";
	argv[argc++] = tmux_sock;
	argv[argc++] = "-f";
	argv[argc++] = "/dev/null";
	argv[argc++] = "-u";
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		unsetenv("TMUX");
		setenv("LC_ALL", "C.UTF-8", 1);
		execv(tmux_bin, argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r = read(fds[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r && out && len + 1 < outlen; i++)
			out[len++] = buf[i];
	}
	if (out && outlen)
		out[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define TMUX(out, len, ...) tmux(out, len, (const char *const[]){ __VA_ARGS__, NULL })

/* The screen, with the block character as '#'. */
static const char *screen(void)
{
	static char raw[16384], out[16384];
	size_t j = 0;

	if (TMUX(raw, sizeof(raw), "capture-pane", "-p"))
		return "";
	for (size_t i = 0; raw[i] && j + 1 < sizeof(out); i++) {
		if (!strncmp(raw + i, "\xe2\x96\x88", 3)) {	/* U+2588 */
			out[j++] = '#';
			i += 2;
		} else {
			out[j++] = raw[i];
		}
	}
	out[j] = '\0';
	return out;
}

/* Whether the screen shows text in big digits (7 rows, one under another). */
static bool shows_big(const char *scr, const char *text)
{
	char row[128];
	const char *at, *lines[30];
	int n = 0, col = -1;

	lines[n++] = scr;
	for (const char *p = scr; *p && n < 30; p++)
		if (*p == '\n')
			lines[n++] = p + 1;
	for (int start = 0; start + 7 <= n; start++) {
		bool all = true;

		for (int r = 0; r < 7 && all; r++) {
			const char *end = strchr(lines[start + r], '\n');
			size_t len;

			ras_console_big_row(text, 7, r, row, sizeof(row));
			len = strlen(row);
			while (len && row[len - 1] == ' ')
				row[--len] = '\0';
			at = strstr(lines[start + r], row);
			all = at && (!end || at < end) && (r == 0 || at - lines[start + r] == col);
			if (r == 0 && at)
				col = (int)(at - lines[start + r]);
		}
		if (all)
			return true;
	}
	return false;
}

static bool wait_screen(const char *want, bool big, double s)
{
	double end = test_now() + s;

	do {
		const char *scr = screen();

		if (big ? shows_big(scr, want) : strstr(scr, want) != NULL)
			return true;
		test_nap(0.05);
	} while (test_now() < end);
	fprintf(stderr, "\ntest_console: the screen did not show %s\"%s\" in %.0f s; it shows:\n%s\n",
		big ? "big " : "", want, s, screen());
	return false;
}

static char *slurp(const char *path)
{
	static char buf[8192];

	test_read_text(path, buf, sizeof(buf));
	return buf;
}

static int count_lines(const char *path)
{
	int n = 0;

	for (const char *p = slurp(path); *p; p++)
		n += *p == '\n';
	return n;
}

static bool wait_lines(const char *path, int n, double s)
{
	double end = test_now() + s;

	while (count_lines(path) < n && test_now() < end)
		test_nap(0.02);
	return count_lines(path) >= n;
}

static void demo_path(char *buf, size_t len)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/console_demo", n > 0 ? exe : ".");
}

static void test_tmux(void)
{
	const char *actions = test_path("console_actions.txt");
	char demo[600], cmd[1400], out[4096];
	const char *want =
		"ready\n"
		"tempo_delta key 1.0000 \n"
		"tempo_delta key -1.0000 \n"
		"tempo_scale key 1.0500 \n"
		"tempo_scale key 0.9524 \n"
		"pause_toggle key 0.0000 \n"
		"next_phase key 0.0000 \n"
		"mark key 0.0000 stumbled, left foot\n"
		"pause_toggle key 0.0000 \n"
		"quit key 0.0000 \n"
		"end\n";
	int lines;

	if (!find_tmux()) {
		fprintf(stderr, "\ntest_console: tmux not found in PATH: run scripts/install-deps\n");
		CU_FAIL("tmux missing");
		return;
	}
	demo_path(demo, sizeof(demo));
	if (access(demo, X_OK)) {
		fprintf(stderr, "\ntest_console: %s is missing: make BUILD=... BUILD/console_demo\n",
			demo);
		CU_FAIL("console_demo missing");
		return;
	}
	snprintf(tmux_sock, sizeof(tmux_sock), "%s", test_path("tmux.sock"));
	snprintf(cmd, sizeof(cmd), "exec '%s' '%s' 40", demo, actions);
	if (TMUX(out, sizeof(out), "new-session", "-d", "-x", "100", "-y", "30", cmd)) {
		fprintf(stderr, "\ntest_console: tmux new-session failed: %s\n", out);
		CU_FAIL("tmux new-session");
		return;
	}
	if (!wait_lines(actions, 1, 5)) {
		fprintf(stderr, "\ntest_console: console_demo did not start; it wrote: %s\n",
			slurp(actions));
		CU_FAIL("console_demo did not start");
		TMUX(NULL, 0, "kill-server");
		return;
	}

	/* The screen: big tempo, keys, phase, sync, sensor, log. */
	CU_ASSERT_TRUE(wait_screen("100.0", true, 3));
	CU_ASSERT_TRUE(wait_screen("TEMPO bpm", false, 1));
	CU_ASSERT_TRUE(wait_screen("CADENCE steps/min", false, 1));
	CU_ASSERT_TRUE(wait_screen("Keys: Up/Down tempo +/-1 bpm   PgUp/PgDn tempo +/-5 %   "
				   "Space pause/resume cues", false, 1));
	CU_ASSERT_TRUE(wait_screen("n next phase   m mark event (note, Enter)   q end session",
				   false, 1));
	CU_ASSERT_TRUE(wait_screen("Phase 2/4  ramp", false, 1));
	CU_ASSERT_TRUE(wait_screen("/ 5:00", false, 1));
	CU_ASSERT_TRUE(wait_screen("R 0.93", false, 1));
	CU_ASSERT_TRUE(wait_screen("async -12 ms", false, 1));
	CU_ASSERT_TRUE(wait_screen("Sensor  walker   xruns 0", false, 1));
	CU_ASSERT_TRUE(wait_screen("Log     /tmp/rasbeat-demo/P01/2024-05-01T10-00-00", false, 1));
	CU_ASSERT_TRUE(wait_screen("patient P01", false, 1));

	/* Tempo keys: the demo applies them, the big digits follow. */
	TMUX(NULL, 0, "send-keys", "Up");
	CU_ASSERT_TRUE(wait_screen("101.0", true, 3));
	TMUX(NULL, 0, "send-keys", "Down");
	CU_ASSERT_TRUE(wait_screen("100.0", true, 3));
	TMUX(NULL, 0, "send-keys", "PPage");
	CU_ASSERT_TRUE(wait_screen("105.0", true, 3));
	TMUX(NULL, 0, "send-keys", "NPage");
	CU_ASSERT_TRUE(wait_screen("100.0", true, 3));
	TMUX(NULL, 0, "send-keys", "Space");
	CU_ASSERT_TRUE(wait_screen("CUES PAUSED", false, 3));
	TMUX(NULL, 0, "send-keys", "n");
	CU_ASSERT_TRUE(wait_lines(actions, 7, 3));

	/* m: the prompt; keys only type while it is open. */
	TMUX(NULL, 0, "send-keys", "m");
	CU_ASSERT_TRUE(wait_screen("Mark - note (Enter: save, Esc: drop):", false, 3));
	TMUX(NULL, 0, "send-keys", "Up", "q", "n", "BSpace", "BSpace", "BSpace");
	TMUX(NULL, 0, "send-keys", "-l", "stumbled, left foot");
	CU_ASSERT_TRUE(wait_screen("Esc: drop):  stumbled, left foot", false, 3));
	TMUX(NULL, 0, "send-keys", "Enter");
	CU_ASSERT_TRUE(wait_lines(actions, 8, 3));
	CU_ASSERT_TRUE(wait_screen("mark: stumbled, left foot", false, 3));

	/* Esc drops a mark. */
	TMUX(NULL, 0, "send-keys", "m");
	CU_ASSERT_TRUE(wait_screen("Mark - note", false, 3));
	TMUX(NULL, 0, "send-keys", "-l", "oops");
	TMUX(NULL, 0, "send-keys", "Escape");
	CU_ASSERT_TRUE(wait_screen("mark dropped", false, 3));

	/* Space again resumes. */
	TMUX(NULL, 0, "send-keys", "Space");
	test_nap(0.3);
	CU_ASSERT_FALSE(strstr(screen(), "CUES PAUSED") != NULL);

	/* q asks; another key keeps going; q q ends. */
	TMUX(NULL, 0, "send-keys", "q");
	CU_ASSERT_TRUE(wait_screen("End the session? q or y: end it", false, 3));
	TMUX(NULL, 0, "send-keys", "x");
	CU_ASSERT_TRUE(wait_screen("the session goes on", false, 3));
	TMUX(NULL, 0, "send-keys", "q");
	CU_ASSERT_TRUE(wait_screen("End the session?", false, 3));
	TMUX(NULL, 0, "send-keys", "q");
	CU_ASSERT_TRUE(wait_lines(actions, 11, 5));

	lines = count_lines(actions);
	CU_ASSERT_EQUAL(lines, 11);
	if (strcmp(slurp(actions), want)) {
		fprintf(stderr, "\ntest_console: actions:\n%s\nwanted:\n%s\n", slurp(actions), want);
		CU_FAIL("actions in order");
	}
	/* Only our own server, by its socket. */
	TMUX(NULL, 0, "kill-server");
}

/* A small terminal still shows the essentials, as text. */
static void test_tmux_small(void)
{
	const char *actions = test_path("console_small.txt");
	char demo[600], cmd[1400];

	if (!find_tmux()) {
		CU_FAIL("tmux missing (run scripts/install-deps)");
		return;
	}
	demo_path(demo, sizeof(demo));
	snprintf(tmux_sock, sizeof(tmux_sock), "%s", test_path("tmux-small.sock"));
	snprintf(cmd, sizeof(cmd), "exec '%s' '%s' 20", demo, actions);
	CU_ASSERT_EQUAL_FATAL(TMUX(NULL, 0, "new-session", "-d", "-x", "38", "-y", "12", cmd), 0);
	CU_ASSERT_TRUE(wait_lines(actions, 1, 5));
	CU_ASSERT_TRUE(wait_screen("Tempo 100.0 bpm", false, 3));
	CU_ASSERT_TRUE(wait_screen("Up/Dn", false, 1));
	/* Grows to 80x24: the big digits come. */
	TMUX(NULL, 0, "resize-window", "-x", "80", "-y", "24");
	CU_ASSERT_TRUE(wait_screen("100.0", true, 3));
	CU_ASSERT_TRUE(wait_screen("Keys: Up/Down", false, 1));
	TMUX(NULL, 0, "send-keys", "q", "y");
	CU_ASSERT_TRUE(wait_lines(actions, 3, 5));
	CU_ASSERT_PTR_NOT_NULL(strstr(slurp(actions), "quit key"));
	TMUX(NULL, 0, "kill-server");
}

void test_console_register(void)
{
	TEST_SUITE("console",
		   { "status line", test_status_line },
		   { "status line in a comma locale", test_status_line_locale },
		   { "numbers and clocks", test_numbers },
		   { "actions: names, descriptions, tempo", test_actions },
		   { "block font", test_big_font },
		   { "no console without a terminal", test_no_tty },
		   { "keys and screen in tmux", test_tmux },
		   { "small terminal in tmux", test_tmux_small });
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The JACK integration suite: ./rasbeat play against a private jackd.
 *
 * A jackd of our own (dummy driver, 48 kHz, 64-frame cycles, a unique name)
 * is started by fork/exec and stopped by its PID only. A capture client in
 * this process ("capcli", ports in_L/in_R) records every cycle's samples and
 * jack_last_frame_time into preallocated buffers; rasbeat plays into it as a
 * child process and says on stderr which JACK frame its engine frame 0 was.
 *
 * Every onset must lie exactly (0 frames) on N + round(t_k * 48000), with
 * t_k computed here in closed form, independently of rasbeat's schedule code.
 *
 * Xruns: rasbeat's engine frames advance only in cycles it processes, while
 * JACK's frame counter jumps at an xrun (the dummy driver adds the time it
 * was late), so "engine frame 0 = JACK frame N" maps engine to JACK frames
 * exactly only up to the first xrun; and a late capture client may lose or
 * misread a cycle. The capture records each cycle's frame time, so: up to
 * the first jump in those, every onset is checked exactly both in JACK
 * frames and in processed frames (capture stream position from the cycle
 * whose frame time is N); after it, in processed frames up to whole lost
 * cycles, with exact intervals between jumps; a note on stderr says so.
 * beats.csv (engine frames) is checked exactly in every case.
 *
 * Without jackd every test fails (not skips): run scripts/install-deps.
 */
#include <errno.h>
#include <fcntl.h>
#include <jack/jack.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/record.h"
#include "testutil.h"

#define RATE 48000
#define PERIOD 64
#define CAP_SECONDS 16		/* capture room per session */
#define CAP_LATENCY 200		/* playback latency capcli declares on its inputs */
#define THRESHOLD 1e-5f		/* the engine writes exact zeros between cues */
#define GAP 2400		/* 50 ms of silence before an onset; cues last <= 30 ms */
#define MAX_ONSETS 1024

/* ---- private jackd ---------------------------------------------------- */

struct server {
	char name[64];
	char log[512];
	pid_t pid;
};

static struct server main_srv;
static pid_t started[8];	/* every jackd we started and have not reaped */
static int nservers;

static void quiet_jack(const char *msg)
{
	(void)msg;	/* libjack's "cannot connect" chatter while we poll */
}

static bool have_jackd(void)
{
	const char *path = getenv("PATH");
	char dir[4096];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s/jackd", (int)n, path);
		if (n && access(dir, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static pid_t spawn_jackd(const struct server *s, bool realtime)
{
	char *const rt[] = { "jackd", "-n", (char *)s->name, "-d", "dummy", "-r", "48000",
			     "-p", "64", NULL };
	char *const nort[] = { "jackd", "-n", (char *)s->name, "--no-realtime", "-d", "dummy",
			       "-r", "48000", "-p", "64", NULL };
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int null = open("/dev/null", O_RDONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (null >= 0)
			dup2(null, 0);
		/* Never outlive the test runner, even if it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		execvp("jackd", realtime ? rt : nort);
		_exit(127);
	}
	return pid;
}

static void forget_pid(pid_t pid)
{
	for (int i = 0; i < nservers; i++)
		if (started[i] == pid)
			started[i] = started[--nservers];
}

static bool is_started(pid_t pid)
{
	for (int i = 0; i < nservers; i++)
		if (started[i] == pid)
			return true;
	return false;
}

/* The jackd at pid answers under `name`: true; false when it died or 5 s passed. */
static bool server_answers(const char *name, pid_t pid)
{
	double end = test_now() + 5;
	int status;

	do {
		jack_status_t st;
		jack_client_t *c = jack_client_open("rbprobe", JackNoStartServer | JackServerName,
						    &st, name);

		if (c) {
			jack_client_close(c);
			return true;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			forget_pid(pid);
			return false;
		}
		test_nap(0.05);
	} while (test_now() < end);
	return false;
}

/* Remove what a killed jackd (or a client of it) leaves in /dev/shm; only
 * names with our unique server name. */
static void clean_shm(const char *name)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -f /dev/shm/jack_%s_* /dev/shm/jack_sem.*_%s_*", name, name);
	if (system(cmd))
		fprintf(stderr, "test_jack: could not clean /dev/shm for %s\n", name);
}

/* Signal a jackd we started (by PID) and reap it: `sig`, then SIGKILL after
 * 3 s. Returns its wait status, or -1. */
static int stop_pid(pid_t pid, int sig)
{
	int status = -1;
	double end = test_now() + 3;

	kill(pid, sig);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (test_now() > end) {
			fprintf(stderr, "\ntest_jack: jackd %d ignored signal %d; SIGKILL\n", (int)pid, sig);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		test_nap(0.02);
	}
	forget_pid(pid);
	return status;
}

/*
 * A jackd that did not stop cleanly keeps its slot in libjack's server
 * registry (8 per user) until a server of the same name starts, and the
 * names here are unique: start one under the name and stop it cleanly.
 */
static void reclaim_slot(struct server *s)
{
	pid_t pid = spawn_jackd(s, false);

	if (pid <= 0)
		return;
	started[nservers++] = pid;
	if (!server_answers(s->name, pid))
		fprintf(stderr, "\ntest_jack: could not restart %s to free its jackd registry slot\n",
			s->name);
	if (is_started(pid))
		stop_pid(pid, SIGTERM);
}

/* Stop (or reap, if it has died) the jackd we started, by PID. */
static int stop_server(struct server *s, int sig)
{
	int status;

	if (s->pid <= 0)
		return -1;
	status = stop_pid(s->pid, sig);
	s->pid = 0;
	if (status == -1 || (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		reclaim_slot(s);
	clean_shm(s->name);
	return status;
}

static void stop_all(void)
{
	while (nservers > 0) {
		pid_t pid = started[--nservers];

		kill(pid, SIGTERM);
		for (int i = 0; i < 150 && waitpid(pid, NULL, WNOHANG) == 0; i++)
			test_nap(0.02);
		if (waitpid(pid, NULL, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
}

/* Start a private jackd named rasbeat-test-PID-TAG; realtime if it works. */
static bool start_server(struct server *s, const char *tag)
{
	static bool registered;

	memset(s, 0, sizeof(*s));
	if (!have_jackd()) {
		fprintf(stderr, "\ntest_jack: jackd not found in PATH: run scripts/install-deps\n");
		return false;
	}
	if (!registered) {
		atexit(stop_all);
		jack_set_error_function(quiet_jack);
		jack_set_info_function(quiet_jack);
		registered = true;
	}
	snprintf(s->name, sizeof(s->name), "rasbeat-test-%d-%s", (int)getpid(), tag);
	snprintf(s->log, sizeof(s->log), "%s", test_path(s->name));
	strncat(s->log, ".log", sizeof(s->log) - strlen(s->log) - 1);
	for (int realtime = 1; realtime >= 0; realtime--) {
		s->pid = spawn_jackd(s, realtime);
		if (s->pid < 0)
			break;
		started[nservers++] = s->pid;
		if (server_answers(s->name, s->pid))
			return true;
		if (is_started(s->pid))
			stop_server(s, SIGTERM);	/* alive but silent */
		fprintf(stderr, "\ntest_jack: jackd -n %s %s did not come up (log %s)%s\n", s->name,
			realtime ? "(realtime)" : "--no-realtime", s->log,
			realtime ? "; retrying without realtime" : "");
	}
	s->pid = 0;
	{
		char buf[2048];

		test_read_text(s->log, buf, sizeof(buf));
		fprintf(stderr, "test_jack: jackd said:\n%s\n", buf);
		if (strstr(buf, "Too many servers"))
			fprintf(stderr, "test_jack: libjack's server registry (/dev/shm/jack-shm-registry) "
				"is full: 8 servers per user, and a jackd killed by SIGKILL keeps its "
				"slot until a server of the same name starts again\n");
	}
	return false;
}

/* ---- capture client ----------------------------------------------------- */

struct cycle {
	uint32_t frame_time;	/* jack_last_frame_time of the cycle */
	uint32_t n;
	size_t pos;		/* stream position of its first frame */
};

struct capture {
	jack_client_t *client;
	jack_port_t *in[2];
	float *buf[2];
	size_t max_frames, max_cycles;
	struct cycle *cyc;
	atomic_size_t frames, cycles;
	atomic_bool overflow, lost;
	atomic_uint xruns;
};

static int cap_process(jack_nframes_t n, void *arg)
{
	struct capture *c = arg;
	size_t pos = atomic_load_explicit(&c->frames, memory_order_relaxed);
	size_t k = atomic_load_explicit(&c->cycles, memory_order_relaxed);
	const float *l = jack_port_get_buffer(c->in[0], n);
	const float *r = jack_port_get_buffer(c->in[1], n);

	if (pos + n > c->max_frames || k >= c->max_cycles) {
		atomic_store_explicit(&c->overflow, true, memory_order_relaxed);
		return 0;
	}
	memcpy(c->buf[0] + pos, l, n * sizeof(float));
	memcpy(c->buf[1] + pos, r, n * sizeof(float));
	c->cyc[k].frame_time = jack_last_frame_time(c->client);
	c->cyc[k].n = n;
	c->cyc[k].pos = pos;
	atomic_store_explicit(&c->frames, pos + n, memory_order_release);
	atomic_store_explicit(&c->cycles, k + 1, memory_order_release);
	return 0;
}

static int cap_xrun(void *arg)
{
	struct capture *c = arg;

	atomic_fetch_add_explicit(&c->xruns, 1, memory_order_relaxed);
	return 0;
}

/* capcli's inputs stand for a device with CAP_LATENCY frames of playback latency. */
static void cap_latency(jack_latency_callback_mode_t mode, void *arg)
{
	struct capture *c = arg;
	jack_latency_range_t range = { CAP_LATENCY, CAP_LATENCY };

	if (mode != JackPlaybackLatency)
		return;
	for (int i = 0; i < 2; i++)
		jack_port_set_latency_range(c->in[i], JackPlaybackLatency, &range);
}

static void cap_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct capture *c = arg;

	(void)code;
	(void)reason;
	atomic_store(&c->lost, true);
}

static void cap_close(struct capture *c)
{
	if (c->client) {
		if (!atomic_load(&c->lost))
			jack_deactivate(c->client);
		jack_client_close(c->client);
	}
	free(c->buf[0]);
	free(c->buf[1]);
	free(c->cyc);
	free(c);
}

static struct capture *cap_open(const char *server)
{
	struct capture *c = calloc(1, sizeof(*c));
	jack_status_t st;

	if (!c)
		return NULL;
	c->max_frames = (size_t)CAP_SECONDS * RATE;
	c->max_cycles = c->max_frames / 16 + 16;
	c->buf[0] = malloc(c->max_frames * sizeof(float));
	c->buf[1] = malloc(c->max_frames * sizeof(float));
	c->cyc = malloc(c->max_cycles * sizeof(*c->cyc));
	if (!c->buf[0] || !c->buf[1] || !c->cyc)
		goto fail;
	/* Touch every page now, not in the process callback. */
	memset(c->buf[0], 0, c->max_frames * sizeof(float));
	memset(c->buf[1], 0, c->max_frames * sizeof(float));
	memset(c->cyc, 0, c->max_cycles * sizeof(*c->cyc));
	c->client = jack_client_open("capcli", JackNoStartServer | JackServerName | JackUseExactName,
				     &st, server);
	if (!c->client) {
		fprintf(stderr, "test_jack: capcli: jack_client_open failed (status 0x%x)\n", (unsigned)st);
		goto fail;
	}
	c->in[0] = jack_port_register(c->client, "in_L", JACK_DEFAULT_AUDIO_TYPE,
				      JackPortIsInput | JackPortIsTerminal, 0);
	c->in[1] = jack_port_register(c->client, "in_R", JACK_DEFAULT_AUDIO_TYPE,
				      JackPortIsInput | JackPortIsTerminal, 0);
	if (!c->in[0] || !c->in[1] || jack_set_process_callback(c->client, cap_process, c) ||
	    jack_set_xrun_callback(c->client, cap_xrun, c) ||
	    jack_set_latency_callback(c->client, cap_latency, c))
		goto fail;
	jack_on_info_shutdown(c->client, cap_shutdown, c);
	if (jack_activate(c->client))
		goto fail;
	/* Running: a few cycles recorded. */
	for (double end = test_now() + 3; atomic_load(&c->cycles) < 8 && test_now() < end;)
		test_nap(0.01);
	if (atomic_load(&c->cycles) < 8)
		goto fail;
	return c;
fail:
	cap_close(c);
	return NULL;
}

/* ---- rasbeat as a child ------------------------------------------------ */

enum action {
	ACT_NONE,
	ACT_TERM_RASBEAT,	/* SIGTERM to rasbeat */
	ACT_SIGNAL_SERVER,	/* `sig` to the jackd */
	ACT_KILL_RASBEAT,	/* SIGKILL to rasbeat */
};

/* A file size limit for the next rasbeat run: a full disk (0: none). */
static rlim_t child_fsize;

struct run {
	int status;		/* exit code; -1 killed by a signal or timed out */
	bool timed_out;
	bool have_start;
	uint32_t start;		/* N of "engine frame 0 = JACK frame N" */
	double acted_at;	/* seconds after the start line; < 0 not yet */
	double exited_after;	/* seconds from the action to rasbeat's exit */
	char out[16384];	/* its stdout and stderr */
	size_t len;
};

static void run_rasbeat(char *const argv[], enum action act, double after, struct server *srv,
			int sig, double timeout, int want_status, struct run *r)
{
	static const char key[] = "engine frame 0 = JACK frame ";
	double t0 = test_now(), t_start = 0, t_act = 0;
	int pfd[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	r->acted_at = -1;
	if (pipe2(pfd, O_CLOEXEC)) {
		CU_FAIL("pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (child_fsize) {
			struct rlimit rl = { child_fsize, child_fsize };

			signal(SIGXFSZ, SIG_IGN);	/* EFBIG instead, as ENOSPC would be */
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		CU_FAIL("fork");
		return;
	}
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int e = poll(&p, 1, 20);

		if (e < 0 && errno != EINTR)
			break;
		if (e > 0) {
			char tmp[4096];
			ssize_t n = read(pfd[0], tmp, sizeof(tmp));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			for (ssize_t i = 0; i < n && r->len + 1 < sizeof(r->out); i++)
				r->out[r->len++] = tmp[i];
			r->out[r->len] = '\0';
		}
		if (!r->have_start) {
			const char *k = strstr(r->out, key);

			if (k && strchr(k, '\n')) {
				r->start = (uint32_t)strtoul(k + sizeof(key) - 1, NULL, 10);
				r->have_start = true;
				t_start = test_now();
			}
		}
		if (act != ACT_NONE && r->have_start && r->acted_at < 0 && test_now() - t_start >= after) {
			t_act = test_now();
			r->acted_at = t_act - t_start;
			/* Only signalled here; stop_server reaps it afterwards. */
			if (act == ACT_KILL_RASBEAT)
				kill(pid, SIGKILL);
			else
				kill(act == ACT_TERM_RASBEAT ? pid : srv->pid,
				     act == ACT_TERM_RASBEAT ? SIGTERM : sig);
		}
		if (test_now() - t0 > timeout) {
			r->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (r->acted_at >= 0)
		r->exited_after = test_now() - t_act;
	if (!r->timed_out && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	if (r->timed_out || r->status != want_status)
		fprintf(stderr, "\ntest_jack: %s%s exit %d; its output:\n%s\n", argv[0],
			r->timed_out ? " timed out," : "", r->status, r->out);
}

/* ---- expectations, computed here in closed form -------------------------- */

/* Time of tick k (beats and subdivisions); NAN past the end of a finite schedule. */
typedef long double (*tick_time_fn)(long k);

static long double const_time(long k)
{
	return (long double)k * 60 / 96;	/* 96 bpm, one click a beat */
}

/* --ramp 90:150:4 --sub 2: tempo 90 + 15 t bpm for 4 s (phase 90 t + 7.5 t^2
 * beats/60 = 8 beats at t = 4), then 150 bpm. Ticks at phase k/2. */
static long double ramp_time(long k)
{
	long double p = (long double)k / 2;

	if (p <= 8)
		/* 7.5 t^2 + 90 t - 60 p = 0, the stable root */
		return 120 * p / (90 + sqrtl(8100 + 1800 * p));
	return 4 + (p - 8) * 60 / 150;
}

/* The map below: 1 bar 4/4 at 120; 1 bar 3/4 from 100 to 140 linear in
 * beats (klick); 1 bar 6/8 at 90 quarters a minute, 180 eighths. */
static const char map_text[] =
	"# rasbeat JACK test map (klick format)\n"
	"intro: 1 4/4 120\n"
	"ramp:  1 3/4 100-140\n"
	"six:   1 6/8 90\n";

static long double map_time(long k)
{
	const long double s = (140.0L - 100) / 3;		/* bpm per beat */
	const long double t1 = 4 * 0.5L;			/* end of intro */
	const long double t2 = t1 + 60 / s * logl(140.0L / 100);	/* end of ramp */

	if (k < 4)
		return k * 0.5L;
	if (k < 7)
		/* dp/dt = (100 + s q) / 60  =>  t = 60/s ln(1 + s q / 100) */
		return t1 + 60 / s * log1pl(s * (k - 4) / 100);
	if (k < 13)
		return t2 + (k - 7) * 60 / 180.0L;
	return NAN;
}

static int64_t frame_of(long double t)
{
	return (int64_t)floorl(t * RATE + 0.5L);
}

/* ---- checks -------------------------------------------------------------- */

struct csv_row {
	long index;
	int64_t frame;
	double time, tempo;
	int accent, audible;
};

/* Rows of beats.csv; -1 when it cannot be read or is malformed. */
static long read_csv(const char *path, struct csv_row *rows, long max)
{
	char line[256];
	long n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "index,frame,time_s,tempo_bpm,accent,audible\n")) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct csv_row r;
		long long fr;

		if (sscanf(line, "%ld,%lld,%lf,%lf,%d,%d", &r.index, &fr, &r.time, &r.tempo,
			   &r.accent, &r.audible) != 6) {
			n = -1;
			break;
		}
		r.frame = fr;
		if (n < max)
			rows[n] = r;
		n++;
	}
	fclose(f);
	return n;
}

/* No temporary beats file left next to `path`. */
static bool no_part_files(const char *path)
{
	char pattern[600], cmd[700];

	snprintf(pattern, sizeof(pattern), "%s.part-*", path);
	snprintf(cmd, sizeof(cmd), "ls %s >/dev/null 2>&1", pattern);
	return system(cmd) != 0;
}

/* Onsets in ch[from, to): first sample above THRESHOLD after GAP quiet frames. */
static size_t find_onsets(const float *ch, size_t from, size_t to, size_t *on, size_t max)
{
	size_t n = 0, quiet = GAP;

	for (size_t i = from; i < to; i++) {
		if (fabsf(ch[i]) > THRESHOLD) {
			if (quiet >= GAP && n < max)
				on[n++] = i;
			quiet = 0;
		} else {
			quiet++;
		}
	}
	return n;
}

/*
 * Check a session captured by c against tick_time: every onset exactly on
 * the grid, beats.csv matching them. sub: ticks per beat. min_ticks: ticks
 * that must have sounded (those before the stop). Returns the onset count.
 */
static size_t check_grid(struct capture *c, const struct run *r, tick_time_fn tick_time, int sub,
			 long min_ticks, long max_ticks, const char *csv)
{
	size_t frames = atomic_load_explicit(&c->frames, memory_order_acquire);
	size_t cycles = atomic_load_explicit(&c->cycles, memory_order_acquire);
	size_t c0 = cycles, cbreak, s0, n, nr, bad = 0, bad_abs = 0, abs_checked = 0, uncertain = 0;
	int64_t seg_off = 0;
	bool seg_set = false;
	size_t *on = malloc(MAX_ONSETS * sizeof(*on)), *onr = malloc(MAX_ONSETS * sizeof(*onr));
	struct csv_row *rows = malloc(MAX_ONSETS * sizeof(*rows));
	long nrows, nbeats;
	float before = 0;

	CU_ASSERT_FALSE(atomic_load(&c->overflow));
	CU_ASSERT_TRUE(r->have_start);
	if (!on || !onr || !rows || !r->have_start) {
		n = 0;
		goto out;
	}
	/* The cycle in which rasbeat's engine ran its frame 0. */
	for (size_t i = 0; i < cycles; i++)
		if (c->cyc[i].frame_time == r->start) {
			c0 = i;
			break;
		}
	CU_ASSERT(c0 < cycles);
	if (c0 >= cycles) {
		fprintf(stderr, "\ntest_jack: no captured cycle has JACK frame %u\n", r->start);
		n = 0;
		goto out;
	}
	s0 = c->cyc[c0].pos;
	/* First cycle whose frame time does not follow on from the one before. */
	for (cbreak = c0 + 1; cbreak < cycles; cbreak++)
		if (c->cyc[cbreak].frame_time != c->cyc[cbreak - 1].frame_time + c->cyc[cbreak - 1].n)
			break;

	/* Nothing before engine frame 0. */
	for (size_t i = 0; i < s0; i++)
		before = fmaxf(before, fmaxf(fabsf(c->buf[0][i]), fabsf(c->buf[1][i])));
	CU_ASSERT(before == 0);

	n = find_onsets(c->buf[0], s0, frames, on, MAX_ONSETS);
	nr = find_onsets(c->buf[1], s0, frames, onr, MAX_ONSETS);
	CU_ASSERT_EQUAL(n, nr);
	for (size_t i = 0; i < n && i < nr; i++)
		CU_ASSERT_EQUAL(on[i], onr[i]);
	CU_ASSERT((long)n >= min_ticks);
	CU_ASSERT((long)n <= max_ticks);

	/*
	 * Up to the first jump in the capture's cycle frame times every onset
	 * must be exact both in processed frames and in JACK frames. A jump
	 * means an xrun: JACK's frame counter moved on without audio (so the
	 * JACK-frame mapping no longer holds), or the capture lost or misread
	 * a cycle. After it, onsets are checked in processed frames up to
	 * whole lost cycles: the same offset, a multiple of the cycle size,
	 * for every onset between two jumps (exact intervals), 0 when no
	 * capture cycle was lost.
	 */
	for (size_t i = 0, ci = c0, seg = 0, seg_cycle = c0; i < n; i++) {
		long double t = tick_time((long)i);
		int64_t want = isnan(t) ? -1 : frame_of(t);
		int64_t off = (int64_t)(on[i] - s0) - want;

		while (ci + 1 < cycles && c->cyc[ci + 1].pos <= on[i]) {
			ci++;
			if (c->cyc[ci].frame_time != c->cyc[ci - 1].frame_time + c->cyc[ci - 1].n) {
				seg++;
				seg_cycle = ci;
				seg_set = false;
			}
		}
		if (seg == 0) {
			uint32_t jf = c->cyc[ci].frame_time + (uint32_t)(on[i] - c->cyc[ci].pos);

			abs_checked++;
			if (off && bad++ < 5)
				fprintf(stderr, "\ntest_jack: onset %zu at engine frame %lld, want %lld (t %.9Lf)\n",
					i, (long long)(on[i] - s0), (long long)want, t);
			if (jf != r->start + (uint32_t)want && bad_abs++ < 5)
				fprintf(stderr, "\ntest_jack: onset %zu at JACK frame %u, want N %u + %lld\n",
					i, jf, r->start, (long long)want);
			continue;
		}
		if (ci == seg_cycle && on[i] == c->cyc[ci].pos) {
			uncertain++;	/* the click may have begun in a lost cycle */
			continue;
		}
		if (!seg_set) {
			seg_off = off;
			seg_set = true;
		}
		if ((off % c->cyc[c0].n || off != seg_off) && bad++ < 5)
			fprintf(stderr, "\ntest_jack: onset %zu at engine frame %lld, want %lld (t %.9Lf), "
				"%lld frames off after %zu xrun jumps\n", i, (long long)(on[i] - s0),
				(long long)want, t, (long long)off, seg);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bad_abs, 0);
	/* Engine frame 0 itself is always checked in JACK frames. */
	CU_ASSERT(n == 0 || abs_checked > 0);
	if (abs_checked < n) {
		long long sum = 0;
		size_t jumps = 0;

		for (size_t i = cbreak; i < cycles; i++) {
			long long d = (long long)(int32_t)(c->cyc[i].frame_time -
							   (c->cyc[i - 1].frame_time + c->cyc[i - 1].n));

			jumps += d != 0;
			sum += d;
		}
		fprintf(stderr, "\ntest_jack: note: xruns (capcli saw %u): the cycle frame times jumped "
			"%zu times, by %+lld in all, from JACK frame %u; %zu of %zu onsets were before and "
			"checked exactly in JACK frames, the rest in processed frames (%zu at a jump not "
			"checked; last offset %+lld frames: whole cycles lost or gained)\n",
			atomic_load(&c->xruns), jumps, sum, c->cyc[cbreak].frame_time, abs_checked, n,
			uncertain, (long long)seg_off);
	}

	/* beats.csv: one row per beat sounded, on the same frames. */
	nrows = read_csv(csv, rows, MAX_ONSETS);
	nbeats = ((long)n + sub - 1) / sub;
	CU_ASSERT_EQUAL(nrows, nbeats);
	if (nrows != nbeats)
		fprintf(stderr, "\ntest_jack: %s: %ld rows for %zu onsets (%d a beat)\n", csv, nrows, n, sub);
	bad = 0;
	for (long i = 0; i < nrows && i < MAX_ONSETS; i++) {
		long double t = tick_time(i * sub);
		/* Engine frames: exact whatever xruns did (the onsets are checked above). */
		bool ok = rows[i].index == i && !isnan(t) && rows[i].frame == frame_of(t) &&
			  fabs(rows[i].time - (double)t) < 1e-8 && rows[i].audible == 1;

		if (!ok && bad++ < 5)
			fprintf(stderr, "\ntest_jack: %s row %ld: index %ld frame %lld time %.9f audible %d; "
				"want frame %lld time %.9Lf\n", csv, i, rows[i].index,
				(long long)rows[i].frame, rows[i].time, rows[i].audible,
				(long long)(isnan(t) ? -1 : frame_of(t)), t);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(no_part_files(csv));
out:
	free(on);
	free(onr);
	free(rows);
	return n;
}

/* ---- tests ------------------------------------------------------------- */

#define NEED_SERVER()                                                             \
	do {                                                                      \
		if (!main_srv.pid)                                                \
			fprintf(stderr, "\ntest_jack: no private jackd; is jackd installed? "\
				"run scripts/install-deps\n");                    \
		CU_ASSERT_FATAL(main_srv.pid > 0);                                \
	} while (0)

static void test_server_start(void)
{
	bool ok = start_server(&main_srv, "main");

	if (!ok && !have_jackd())
		CU_FAIL_FATAL("jackd not found: run scripts/install-deps");
	CU_ASSERT_FATAL(ok);
}

static void test_no_server(void)
{
	char name[96], out[4096];
	const char *csv = test_path("jack-noserver.csv");
	struct stat st;
	int ret;

	snprintf(name, sizeof(name), "rasbeat-test-%d-nosuch", (int)getpid());
	{
		char *argv[] = { TEST_RASBEAT, "play", "--server", name, "--tempo", "96",
				 "--duration", "1", "--beats-out", (char *)csv, NULL };

		ret = test_run(argv, out, sizeof(out));
	}
	CU_ASSERT_EQUAL(ret, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "no JACK server"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, name));
	CU_ASSERT_NOT_EQUAL(stat(csv, &st), 0);
	CU_ASSERT_TRUE(no_part_files(csv));
	if (ret != 1 || !strstr(out, "no JACK server"))
		fprintf(stderr, "\ntest_jack: rasbeat without a server said:\n%s\n", out);
}

/* Play argv into capcli on the main server and check it against tick_time. */
static size_t play_and_check(char **argv, const char *csv, enum action act, double after,
			     tick_time_fn tick_time, int sub, long min_ticks, long max_ticks,
			     struct run *r)
{
	struct capture *c;
	char lat[64];
	size_t n;

	NEED_SERVER();
	c = cap_open(main_srv.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	run_rasbeat(argv, act, after, NULL, 0, 20, 0, r);
	test_nap(0.05);	/* a few more cycles of silence after the last cue */
	n = check_grid(c, r, tick_time, sub, min_ticks, max_ticks, csv);
	/* The playback latency rasbeat reports is capcli's, through the connection. */
	snprintf(lat, sizeof(lat), "playback latency %d frames", CAP_LATENCY);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->out, lat));
	if (!strstr(r->out, lat))
		fprintf(stderr, "\ntest_jack: expected '%s' in:\n%s\n", lat, r->out);
	cap_close(c);
	return n;
}

static void test_constant(void)
{
	const char *csv = test_path("jack-const.csv");
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--tempo", "96",
			 "--duration", "6", "--client-name", "rbplay", "--connect",
			 "capcli:in_L,capcli:in_R", "--beats-out", (char *)csv, NULL };
	struct run r;

	/* Beats at 0 .. 5.625 s must sound; 6.25 s only if the stop came very late. */
	play_and_check(argv, csv, ACT_NONE, 0, const_time, 1, 10, 11, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "rasbeat: playing as rbplay"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "finished after"));
}

static void test_ramp(void)
{
	const char *csv = test_path("jack-ramp.csv");
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--ramp", "90:150:4",
			 "--sub", "2", "--duration", "6", "--client-name", "rbplay", "--connect",
			 "capcli:in_L,capcli:in_R", "--beats-out", (char *)csv, NULL };
	long min = 0, max = 0;
	struct run r;

	while (ramp_time(min) < 6 - 0.001L)
		min++;
	while (ramp_time(max) < 6.5L)
		max++;
	play_and_check(argv, csv, ACT_NONE, 0, ramp_time, 2, min, max, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "finished after"));
}

static void test_map(void)
{
	const char *csv = test_path("jack-map.csv"), *map = test_path("jack-test.map");
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--map", (char *)map,
			 "--client-name", "rbplay", "--connect", "capcli:in_L,capcli:in_R",
			 "--beats-out", (char *)csv, NULL };
	FILE *f = fopen(map, "w");
	struct run r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(map_text, f);
	fclose(f);
	/* No --duration: rasbeat ends with the map, after exactly its 13 beats. */
	play_and_check(argv, csv, ACT_NONE, 0, map_time, 1, 13, 13, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "finished after"));
}

static void test_sigterm(void)
{
	const char *csv = test_path("jack-term.csv");
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--tempo", "96",
			 "--duration", "60", "--client-name", "rbplay", "--connect",
			 "capcli:in_L,capcli:in_R", "--beats-out", (char *)csv, NULL };
	struct run r;
	size_t n;

	/* SIGTERM 2.3 s in: beats at 0, 0.625, 1.25, 1.875 s, maybe one more;
	 * 0.4 s of margin for a loaded machine's late start. */
	n = play_and_check(argv, csv, ACT_TERM_RASBEAT, 2.3, const_time, 1, 4, 6, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "stopped by signal"));
	CU_ASSERT(r.acted_at >= 0 && r.exited_after < 2);
	CU_ASSERT(n >= 4);
}

/* rasbeat on a second private server that dies under it: exit 1, a clear
 * message and a complete beats.csv. */
static void server_dies(int sig, const char *tag)
{
	struct server srv;
	char csv[600], dir[600], path[700], *argv[] = { TEST_RASBEAT, "play", "--server", NULL, "--tempo", "96",
				   "--duration", "60", "--client-name", "rbplay", "--connect",
				   "system:playback_1,system:playback_2", "--beats-out", csv,
				   "--log", dir, NULL };
	char text[4096];
	struct csv_row rows[64];
	struct run r;
	long n;

	NEED_SERVER();
	snprintf(csv, sizeof(csv), "%s", test_path(tag));
	strncat(csv, ".csv", sizeof(csv) - strlen(csv) - 1);
	snprintf(dir, sizeof(dir), "%s-log", csv);
	CU_ASSERT_FATAL(start_server(&srv, tag));
	argv[3] = srv.name;
	/* Kill it 1.5 s in: beats at 0, 0.625 and 1.25 s have sounded. */
	run_rasbeat(argv, ACT_SIGNAL_SERVER, 1.5, &srv, sig, 20, 1, &r);
	stop_server(&srv, SIGTERM);	/* reaps it; frees its registry slot after SIGKILL */
	CU_ASSERT(r.acted_at >= 0);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT(r.exited_after < 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "rasbeat: JACK server shut down"));
	if (r.status == 1 && !strstr(r.out, "JACK server shut down"))
		fprintf(stderr, "\ntest_jack: rasbeat after jackd got signal %d said:\n%s\n", sig, r.out);
	n = read_csv(csv, rows, 64);
	CU_ASSERT(n >= 3 && n <= 6);
	for (long i = 0; i < n && i < 64; i++) {
		CU_ASSERT_EQUAL(rows[i].index, i);
		CU_ASSERT_EQUAL(rows[i].frame, frame_of(const_time(i)));
	}
	CU_ASSERT_TRUE(no_part_files(csv));
	/* The record is complete: whole rows, the end and why, every beat. */
	snprintf(path, sizeof(path), "%s/beats.csv", dir);
	CU_ASSERT_EQUAL(test_csv_rows(path, 8), n + 1);
	snprintf(path, sizeof(path), "%s/events.csv", dir);
	CU_ASSERT_FATAL(test_read_text(path, text, sizeof(text)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",end,JACK server shut down: "));
	snprintf(path, sizeof(path), "%s/session.json", dir);
	CU_ASSERT_FATAL(test_read_text(path, text, sizeof(text)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"complete\": true"));
}

static void test_server_killed(void)
{
	server_dies(SIGKILL, "kill");
}

static void test_server_stopped(void)
{
	server_dies(SIGTERM, "term");
}

static void test_server_stop(void)
{
	int status;

	NEED_SERVER();
	status = stop_server(&main_srv, SIGTERM);
	CU_ASSERT(status != -1);
	CU_ASSERT_EQUAL(nservers, 0);
}

/* The session's record after a SIGKILL 3 s in: whole rows up to about the
 * kill, and a record that reads back. */
static void test_record_sigkill(void)
{
	char dir[600], path[700], err[512];
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--tempo", "100",
			 "--walker", "cadence=100,coupling=0.3,seed=3", "--adapt", "follow",
			 "--duration", "60", "--client-name", "rbkill", "--no-connect", "--log", dir,
			 NULL };
	struct ras_record rec;
	struct run r;
	long beats;

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-kill-log"));
	run_rasbeat(argv, ACT_KILL_RASBEAT, 3.0, NULL, 0, 20, -1, &r);
	CU_ASSERT(r.acted_at >= 0);
	CU_ASSERT_EQUAL(r.status, -1);
	snprintf(path, sizeof(path), "%s/beats.csv", dir);
	beats = test_csv_rows(path, 8) - 1;
	/* Beats every 0.6 s: at least those of the first 2 s (the last second
	 * may be lost), none after the kill. */
	CU_ASSERT(beats >= 4 && beats <= 7);
	snprintf(path, sizeof(path), "%s/steps.csv", dir);
	CU_ASSERT(test_csv_rows(path, 8) >= 2);
	snprintf(path, sizeof(path), "%s/events.csv", dir);
	CU_ASSERT(test_csv_rows(path, 3) >= 3);
	snprintf(path, sizeof(path), "%s/session.json", dir);
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&rec, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rec.nbeats, (size_t)beats);
	CU_ASSERT_EQUAL(rec.nphases, 1);
	CU_ASSERT(rec.nsteps >= 1);
	if (rec.nphases == 1) {
		struct ras_phase_summary sum;

		ras_record_summarize(&rec, 0, &sum);
		CU_ASSERT(sum.steps >= 1);
		CU_ASSERT_DOUBLE_EQUAL(sum.tempo_bpm, 100, 5);
	}
	ras_record_clear(&rec);
	{
		char out[8192];
		char *rep[] = { TEST_RASBEAT, "report", dir, NULL };

		CU_ASSERT_EQUAL(test_run(rep, out, sizeof(out)), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "cue"));
	}
}

/* A full disk: said on the console, exit 1, the cues play to the end, and
 * the rows on disk are whole. */
static void test_record_disk_full(void)
{
	char dir[600], path[700];
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--tempo", "240",
			 "--duration", "3", "--client-name", "rbfull", "--no-connect", "--log", dir,
			 NULL };
	struct run r;

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-full-log"));
	child_fsize = 400;
	run_rasbeat(argv, ACT_NONE, 0, NULL, 0, 20, 1, &r);
	child_fsize = 0;
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "session record: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "cannot write"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "cues go on"));
	/* 240 bpm for 3 s: 12 beats, or 13 when the stop comes after 3.0 s. */
	CU_ASSERT(strstr(r.out, "finished after 3.0 s: 12 beats") ||
		  strstr(r.out, "finished after 3.0 s: 13 beats"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "rows lost"));
	snprintf(path, sizeof(path), "%s/beats.csv", dir);
	CU_ASSERT(test_csv_rows(path, 8) >= 2);
}

/* ---- the operator: console keys and OSC, through the record -------------- */

static char tmux_sock[600];

/* /usr/bin/tmux -S SOCK ARGS...; its output in out. Exit status. */
static int tmux(char *out, size_t len, const char *const *args)
{
	char *argv[16] = { "/usr/bin/tmux", "-S", tmux_sock };
	int n = 3;

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return test_run(argv, out, len);
}
#define TMUX(out, len, ...) tmux(out, len, (const char *const[]){ __VA_ARGS__, NULL })

/* Wait up to `s` seconds for `what` in the pane (or in file `path`). */
static bool wait_for(const char *path, const char *what, double s, char *out, size_t len)
{
	for (double t0 = test_now(); test_now() - t0 < s; test_nap(0.1)) {
		if (path) {
			test_read_text(path, out, len);
		} else {
			TMUX(out, len, "capture-pane", "-p");
		}
		if (strstr(out, what))
			return true;
	}
	return false;
}

/* rasbeat in the background, its stdout and stderr into a pipe (*fd). The
 * pid, or -1. */
static pid_t spawn(char *const argv[], int *fd)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	*fd = pfd[0];
	return pid;
}

/* All it says until it exits (into out), then its exit status (-1: a
 * signal ended it). */
static int finish(pid_t pid, int fd, char *out, size_t len)
{
	size_t n = 0;
	ssize_t k;
	int status;

	while (n + 1 < len && (k = read(fd, out + n, len - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * rasbeat play on a terminal (tmux) with a simulated walker: the keys move
 * the tempo, pause the cues, mark an event and end the session, and each
 * is in events.csv with its source; the tempo shows in the big digits.
 */
static void test_console_keys(void)
{
	char dir[600], cmd[2400], out[8192], events[700], beats[700];
	struct ras_record rec;
	bool ok;

	NEED_SERVER();
	if (access("/usr/bin/tmux", X_OK)) {
		CU_FAIL("tmux missing: run scripts/install-deps");
		return;
	}
	snprintf(dir, sizeof(dir), "%s", test_path("jack-console-log"));
	snprintf(tmux_sock, sizeof(tmux_sock), "%s", test_path("tmux-play.sock"));
	snprintf(events, sizeof(events), "%s/events.csv", dir);
	snprintf(beats, sizeof(beats), "%s/beats.csv", dir);
	snprintf(cmd, sizeof(cmd), "%s play --server %s --client-name rbcon --no-connect --tempo 100 "
		 "--walker cadence=100,coupling=0.3,seed=2 --duration 60 --log %s 2>%s.err; "
		 "echo EXIT=$?; sleep 30", TEST_RASBEAT, main_srv.name, dir, dir);
	CU_ASSERT_EQUAL_FATAL(TMUX(out, sizeof(out), "new-session", "-d", "-x", "100", "-y", "30",
				   cmd), 0);
	ok = wait_for(NULL, "Keys: Up/Down", 10, out, sizeof(out));
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\ntest_jack: no console; the pane:\n%s\n", out);
	TMUX(out, sizeof(out), "send-keys", "Up");
	CU_ASSERT(wait_for(NULL, "tempo 101.0 bpm (key)", 5, out, sizeof(out)));
	/* 101 in the big digits: the top rows of 1, 0, 1 in the 5x7 font */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "TEMPO bpm"));
	TMUX(out, sizeof(out), "send-keys", "PPage");
	CU_ASSERT(wait_for(NULL, "tempo 106.1 bpm (key)", 5, out, sizeof(out)));
	TMUX(out, sizeof(out), "send-keys", "Space");
	CU_ASSERT(wait_for(NULL, "CUES PAUSED", 5, out, sizeof(out)));
	TMUX(out, sizeof(out), "send-keys", "Space");
	CU_ASSERT(wait_for(NULL, "cues resumed (key)", 5, out, sizeof(out)));
	test_nap(2);	/* beats at the new tempo */
	TMUX(out, sizeof(out), "send-keys", "m");
	test_nap(0.3);
	TMUX(out, sizeof(out), "send-keys", "-l", "stumbled, then went on");
	TMUX(out, sizeof(out), "send-keys", "Enter");
	CU_ASSERT(wait_for(NULL, "mark: stumbled", 5, out, sizeof(out)));
	TMUX(out, sizeof(out), "send-keys", "q");
	test_nap(0.3);
	TMUX(out, sizeof(out), "send-keys", "q");
	ok = wait_for(NULL, "EXIT=0", 10, out, sizeof(out));
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\ntest_jack: the pane after q q:\n%s\n", out);
	/* The summary table follows on the terminal. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cadence spm"));
	TMUX(out, sizeof(out), "kill-server");
	CU_ASSERT(wait_for(events, "ended by the operator (key)", 5, out, sizeof(out)));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",tempo,101.0 bpm: key\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",tempo,106.1 bpm: key\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",pause,key\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",resume,key\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",mark,\"stumbled, then went on (key)\"\n"));
	/* The beats after the keys are at the tempo they asked for. */
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&rec, dir, NULL, 0), 0);
	CU_ASSERT(rec.nbeats > 5);
	CU_ASSERT_DOUBLE_EQUAL(rec.beats[rec.nbeats - 1].tempo_bpm, 106.05, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(rec.beats[0].tempo_bpm, 100, 1e-9);
	ras_record_clear(&rec);
}

/* oscsend steers a session: the tempo, a mark and the end, all logged;
 * a bad tempo changes nothing. Without a terminal, status lines. */
static void test_osc_remote(void)
{
	char dir[600], port[16], out[8192], events[700];
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--client-name", "rbosc",
			 "--no-connect", "--tempo", "100", "--walker", "cadence=100,seed=4",
			 "--duration", "60", "--osc", port, "--log", dir, NULL };
	pid_t pid;
	int fd;
	struct ras_record rec;

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-osc-log"));
	snprintf(port, sizeof(port), "%d", 20000 + (int)(getpid() % 20000));
	snprintf(events, sizeof(events), "%s/events.csv", dir);
	pid = spawn(argv, &fd);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT(wait_for(events, "phase,cue", 10, out, sizeof(out)));
	test_nap(6);	/* a status line comes every 5 s */
	{
		char *o1[] = { "/usr/bin/oscsend", "localhost", port, "/rasbeat/tempo", "f", "120", NULL };
		char *o2[] = { "/usr/bin/oscsend", "localhost", port, "/rasbeat/tempo", "f", "900", NULL };
		char *o3[] = { "/usr/bin/oscsend", "localhost", port, "/rasbeat/mark", "s", "tablet note", NULL };
		char *o4[] = { "/usr/bin/oscsend", "localhost", port, "/rasbeat/quit", NULL };
		char tmp[512];

		CU_ASSERT_EQUAL(test_run(o1, tmp, sizeof(tmp)), 0);
		CU_ASSERT(wait_for(events, "tempo,120.0 bpm: osc", 5, out, sizeof(out)));
		CU_ASSERT_EQUAL(test_run(o2, tmp, sizeof(tmp)), 0);
		CU_ASSERT_EQUAL(test_run(o3, tmp, sizeof(tmp)), 0);
		CU_ASSERT(wait_for(events, "mark,tablet note (osc)", 5, out, sizeof(out)));
		test_nap(1.5);
		CU_ASSERT_EQUAL(test_run(o4, tmp, sizeof(tmp)), 0);
	}
	CU_ASSERT_EQUAL(finish(pid, fd, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "OSC remote control at osc.udp://127.0.0.1:"));
	/* A status line every 5 s: no terminal, no console. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " s  mode fixed  tempo 100.0 bpm  cadence "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ended by the operator (osc)"));
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&rec, dir, NULL, 0), 0);
	CU_ASSERT_DOUBLE_EQUAL(rec.beats[rec.nbeats - 1].tempo_bpm, 120, 1e-9);
	for (size_t i = 0; i < rec.nevents; i++)
		CU_ASSERT_PTR_NULL(strstr(rec.events[i].detail, "900"));
	ras_record_clear(&rec);
}

/*
 * The audio thread of a whole live session, everything on (a groove and a
 * bed with ducking, follow, the simulated walker, the record), then a song
 * with entrain: tests/tools/rtpreload.c, preloaded, counts every malloc,
 * free, lock, sleep and file call made inside the process callback.
 */
static bool rt_session(char *const argv[], bool selftest, long *cycles, long *violations,
		       char *first, size_t firstlen)
{
	char lib[600], out[700], line[64], self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct run r;
	FILE *f;
	bool ok = false;

	/* Built beside the test runner. */
	self[n > 0 ? n : 0] = '\0';
	if (strrchr(self, '/'))
		*strrchr(self, '/') = '\0';
	snprintf(lib, sizeof(lib), "%s/librtpreload.so", self);
	snprintf(out, sizeof(out), "%s", test_path("rtcheck.out"));
	unlink(out);
	setenv("LD_PRELOAD", lib, 1);
	setenv("RASBEAT_RTCHECK_OUT", out, 1);
	if (selftest)
		setenv("RASBEAT_RTCHECK_SELFTEST", "1", 1);
	run_rasbeat(argv, ACT_NONE, 0, NULL, 0, 30, 0, &r);
	unsetenv("LD_PRELOAD");
	unsetenv("RASBEAT_RTCHECK_OUT");
	unsetenv("RASBEAT_RTCHECK_SELFTEST");
	CU_ASSERT_EQUAL(r.status, 0);
	f = fopen(out, "r");
	if (f) {
		ok = fscanf(f, "cycles %ld violations %ld first %63s", cycles, violations, line) == 3;
		fclose(f);
		snprintf(first, firstlen, "%s", line);
	}
	if (!ok)
		fprintf(stderr, "\ntest_jack: no report from %s (is it built?)\n", lib);
	return ok;
}

static void test_rt_whole_session(void)
{
	char dir[600], dir2[600], song[600], first[64];
	char *groove[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--client-name", "rbrt",
			   "--no-connect", "--tempo", "100", "--walker", "cadence=94,coupling=0.3,seed=6",
			   "--adapt", "follow", "--music", "cues/grooves/walk-4-4.groove", "--duck", "6",
			   "--bed", "drone", "--duration", "6", "--log", dir, "--quiet", NULL };
	char *songrun[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--client-name", "rbrt",
			    "--no-connect", "--tempo", "104", "--walker", "cadence=100,coupling=0.3,seed=7",
			    "--adapt", "entrain", "--music", song, "--music-bpm", "100", "--music-offset",
			    "0", "--duration", "6", "--log", dir2, "--quiet", NULL };
	char *check[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--client-name", "rbrt",
			  "--no-connect", "--tempo", "100", "--duration", "3", "--no-log", "--quiet",
			  NULL };
	long cycles = 0, violations = -1;

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-rt-log"));
	snprintf(dir2, sizeof(dir2), "%s", test_path("jack-rt-log2"));
	snprintf(song, sizeof(song), "%s", test_path("rt-song.wav"));
	/* The check itself works: one allocation in the callback is seen. */
	CU_ASSERT_FATAL(rt_session(check, true, &cycles, &violations, first, sizeof(first)));
	CU_ASSERT_EQUAL(violations, 1);
	CU_ASSERT_STRING_EQUAL(first, "malloc");
	CU_ASSERT_FATAL(rt_session(groove, false, &cycles, &violations, first, sizeof(first)));
	CU_ASSERT(cycles > 3000);	/* 6 s of 64-frame cycles: 4500 */
	CU_ASSERT_EQUAL(violations, 0);
	if (violations)
		fprintf(stderr, "\ntest_jack: %ld violations in the callback, the first %s\n",
			violations, first);
	{
		char *mk[] = { TEST_RASBEAT, "render", "--tempo", "100", "--music",
			       "cues/grooves/walk-2-4.groove", "--no-click", "--duration", "20",
			       "--out", song, "--no-log", "--quiet", NULL };
		char tmp[2048];

		CU_ASSERT_EQUAL_FATAL(test_run(mk, tmp, sizeof(tmp)), 0);
	}
	CU_ASSERT_FATAL(rt_session(songrun, false, &cycles, &violations, first, sizeof(first)));
	CU_ASSERT(cycles > 3000);
	CU_ASSERT_EQUAL(violations, 0);
	if (violations)
		fprintf(stderr, "\ntest_jack: %ld violations in the callback with a song, the first %s\n",
			violations, first);
}

/*
 * For the --reconnect tests: start a server named by tag, start rasbeat
 * on it (argv[3] is set to its name), kill the server with SIGKILL
 * `after_s` in and wait until the record says rasbeat waits for it.
 */
static pid_t spawn_and_lose_server(struct server *srv, const char *tag, char **argv,
				   double after_s, const char *events, int *fd)
{
	char out[4096];
	pid_t pid;

	CU_ASSERT_FATAL(start_server(srv, tag));
	argv[3] = srv->name;
	pid = spawn(argv, fd);
	CU_ASSERT_FATAL(pid > 0);
	test_nap(after_s);
	stop_server(srv, SIGKILL);
	CU_ASSERT(wait_for(events, "waiting for it", 5, out, sizeof(out)));
	return pid;
}

/*
 * --reconnect: the server is killed 2 s in and a server of the same name
 * comes back 1.5 s later; rasbeat waits, goes on with the same engine and
 * finishes its 6 s of session time: every beat once, on its exact frame,
 * and the loss and the return in events.csv.
 */
static void test_reconnect(void)
{
	struct server srv;
	char dir[600], csv[700], events[700], out[4096];
	char *argv[] = { TEST_RASBEAT, "play", "--server", NULL, "--tempo", "96", "--duration", "6",
			 "--client-name", "rbre", "--no-connect", "--reconnect", "--log", dir,
			 "--beats-out", csv, NULL };
	struct csv_row rows[64];
	char text[8192];
	pid_t pid;
	int fd, status;
	long n;

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-re-log"));
	snprintf(csv, sizeof(csv), "%s", test_path("jack-re.csv"));
	snprintf(events, sizeof(events), "%s/events.csv", dir);
	pid = spawn_and_lose_server(&srv, "re", argv, 2, events, &fd);
	test_nap(1.5);
	CU_ASSERT_FATAL(start_server(&srv, "re"));
	status = finish(pid, fd, text, sizeof(text));
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "JACK server back"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "finished after 6.0 s"));
	if (status)
		fprintf(stderr, "\ntest_jack: rasbeat --reconnect said:\n%s\n", text);
	stop_server(&srv, SIGTERM);
	CU_ASSERT(wait_for(events, "info,JACK server back", 1, out, sizeof(out)));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "end,finished"));
	/* 96 bpm for 6 s of session time: beats 0 to 9, none lost or doubled. */
	n = read_csv(csv, rows, 64);
	CU_ASSERT(n >= 10 && n <= 11);
	for (long i = 0; i < n && i < 64; i++) {
		CU_ASSERT_EQUAL(rows[i].index, i);
		CU_ASSERT_EQUAL(rows[i].frame, frame_of(const_time(i)));
	}
}

/* ---- a slow client forces xruns ------------------------------------------ */

struct slow {
	jack_client_t *client;
	atomic_long cycles;
	atomic_int stalls;	/* stalls still to make */
};

/* Every 150th cycle it takes 4 ms, three periods: the graph misses its
 * deadline and every client hears of an xrun. */
static int slow_process(jack_nframes_t n, void *arg)
{
	struct slow *s = arg;

	(void)n;
	if (atomic_fetch_add(&s->cycles, 1) % 150 == 149 && atomic_load(&s->stalls) > 0) {
		double end = test_now() + 0.030;

		atomic_fetch_sub(&s->stalls, 1);
		while (test_now() < end)
			;	/* busy: a stuck plugin */
	}
	return 0;
}

/*
 * xruns forced by a slow client while rasbeat plays: counted and logged,
 * and the beats stay exactly on their frames afterwards (in beats.csv
 * always; in the capture, as check_grid allows for lost cycles).
 */
static void test_forced_xruns(void)
{
	struct slow sl = { .stalls = 6 };
	jack_status_t st;
	char dir[600], csv[700], path[700], text[8192];
	char *argv[] = { TEST_RASBEAT, "play", "--server", main_srv.name, "--tempo", "96",
			 "--duration", "6", "--client-name", "rbplay", "--connect",
			 "capcli:in_L,capcli:in_R", "--beats-out", csv, "--log", dir, NULL };
	struct csv_row rows[64];
	struct run r;
	long n;
	unsigned long long xr = 0;
	const char *p;

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-xrun-log"));
	snprintf(csv, sizeof(csv), "%s", test_path("jack-xrun.csv"));
	sl.client = jack_client_open("slowcli", JackNoStartServer | JackServerName, &st, main_srv.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sl.client);
	CU_ASSERT_FATAL(jack_set_process_callback(sl.client, slow_process, &sl) == 0);
	CU_ASSERT_FATAL(jack_activate(sl.client) == 0);
	play_and_check(argv, csv, ACT_NONE, 0, const_time, 1, 10, 11, &r);
	jack_deactivate(sl.client);
	jack_client_close(sl.client);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT(atomic_load(&sl.stalls) < 6);
	/* "finished after 6.0 s: 10 beats, 96 xruns" */
	p = strstr(r.out, "finished after");
	p = p ? strstr(p, " beats, ") : NULL;
	if (p)
		xr = strtoull(p + 8, NULL, 10);
	CU_ASSERT(xr >= 1);
	if (xr < 1)
		fprintf(stderr, "\ntest_jack: no xrun seen by rasbeat (%ld slow cycles): %s\n",
			atomic_load(&sl.cycles), r.out);
	/* Every beat once, on its exact engine frame, after the xruns too. */
	n = read_csv(csv, rows, 64);
	CU_ASSERT(n >= 10);
	for (long i = 0; i < n && i < 64; i++)
		CU_ASSERT_EQUAL(rows[i].frame, frame_of(const_time(i)));
	/* And each in events.csv, counted. */
	snprintf(path, sizeof(path), "%s/events.csv", dir);
	CU_ASSERT_FATAL(test_read_text(path, text, sizeof(text)) > 0);
	/* Polled every 10 ms: a burst may come as one row; the last has all. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",xrun,"));
	if (xr >= 1) {
		char last[64];

		snprintf(last, sizeof(last), ",xrun,%llu in all\n", xr);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, last));
	}
}

/* --reconnect while no server comes back: a signal ends the wait cleanly,
 * exit 1, the record whole with its end. */
static void test_reconnect_gives_up(void)
{
	struct server srv;
	char dir[600], events[700], out[4096];
	char *argv[] = { TEST_RASBEAT, "play", "--server", NULL, "--tempo", "96", "--duration", "60",
			 "--client-name", "rbre2", "--no-connect", "--reconnect", "--log", dir, NULL };
	pid_t pid;
	int fd, status;
	char said[4096];

	NEED_SERVER();
	snprintf(dir, sizeof(dir), "%s", test_path("jack-re2-log"));
	snprintf(events, sizeof(events), "%s/events.csv", dir);
	pid = spawn_and_lose_server(&srv, "re2", argv, 1.5, events, &fd);
	test_nap(0.5);
	kill(pid, SIGTERM);
	status = finish(pid, fd, said, sizeof(said));
	CU_ASSERT_EQUAL(status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(said, "JACK server shut down"));
	CU_ASSERT(wait_for(events, ",end,JACK server shut down", 1, out, sizeof(out)));
	/* The slot of a server killed by SIGKILL is freed when one of its name starts. */
	if (start_server(&srv, "re2"))
		stop_server(&srv, SIGTERM);
}

void test_jack_register(void)
{
	TEST_SUITE("jack",
		   { "private jackd starts", test_server_start },
		   { "no server: exit 1, no beats file", test_no_server },
		   { "96 bpm exactly on the JACK frame grid", test_constant },
		   { "time ramp with subdivisions on the grid", test_ramp },
		   { "tempo map on the grid, ends with the map", test_map },
		   { "SIGTERM stops cleanly, beats.csv complete", test_sigterm },
		   { "jackd killed: exit 1, beats.csv written", test_server_killed },
		   { "jackd stopped: exit 1, beats.csv written", test_server_stopped },
		   { "--reconnect: the server dies and returns, the session goes on", test_reconnect },
		   { "--reconnect: no server comes back, a signal ends it cleanly", test_reconnect_gives_up },
		   { "xruns from a slow client: logged, the grid exact after", test_forced_xruns },
		   { "SIGKILL: the session record holds whole rows", test_record_sigkill },
		   { "full disk: said, exit 1, cues play on", test_record_disk_full },
		   { "console in tmux: keys steer, the record says so", test_console_keys },
		   { "audio thread: no malloc, lock, sleep or I/O, all on", test_rt_whole_session },
		   { "OSC: oscsend steers, the record says so", test_osc_remote },
		   { "private jackd stops", test_server_stop });
}

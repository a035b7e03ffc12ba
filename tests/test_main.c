/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The program as a user runs it: ./rasbeat in a subprocess, its exit status
 * (0 done, 1 file or runtime error, 2 usage error), its one-line messages,
 * and what it leaves in the output folder: a finished file or nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rasbeat/record.h"
#include "rasbeat/tempomap.h"
#include "testutil.h"

#define OUTLEN 16384

static char out[OUTLEN];

/* ./rasbeat ARGS..., its output in out[]. */
#define RUN(...) test_rasbeat((const char *const[]){ __VA_ARGS__, NULL }, out, sizeof(out))

/* One line, "rasbeat: ...", containing `what`. */
static void assert_message(const char *what)
{
	const char *nl = strchr(out, '\n');
	bool ok = strncmp(out, "rasbeat: ", 9) == 0 && nl && nl[1] == '\0' && strstr(out, what);

	if (!ok)
		fprintf(stderr, "\nexpected one line \"rasbeat: ...%s...\", got \"%s\"\n", what, out);
	CU_ASSERT(ok);
}

#define PATHLEN 1024

/* dir/name into buf[PATHLEN]; the scratch paths are short. */
static const char *path_in(char *buf, const char *dir, const char *name)
{
	CU_ASSERT_FATAL((size_t)snprintf(buf, PATHLEN, "%s/%s", dir, name) < PATHLEN);
	return buf;
}

/* A fresh empty folder in the scratch directory, its path in dir[PATHLEN]. */
static void fresh_dir(char *dir, const char *name)
{
	path_in(dir, test_tmpdir(), name);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
}

/* dir/name in a rotating buffer: for arguments used right away. */
static const char *join(const char *dir, const char *name)
{
	static char buf[32][PATHLEN];
	static int next;

	return path_in(buf[next++ % 32], dir, name);
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = false;
	return ok;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * How many entries `dir` holds besides `keep` and `keep2` (either may be
 * NULL); any temporary *.part-* file counts as a failure on its own.
 */
static int extra_entries(const char *dir, const char *keep, const char *keep2)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		CU_ASSERT_PTR_NULL(strstr(e->d_name, ".part-"));
		if ((keep && strcmp(e->d_name, keep) == 0) ||
		    (keep2 && strcmp(e->d_name, keep2) == 0))
			continue;
		fprintf(stderr, "\nleft behind: %s/%s\n", dir, e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* Frames, channels and rate of an audio file; false if unreadable. */
static bool audio_info(const char *path, SF_INFO *info)
{
	SNDFILE *sf;

	memset(info, 0, sizeof(*info));
	sf = sf_open(path, SFM_READ, info);
	if (!sf)
		return false;
	sf_close(sf);
	return true;
}

static void test_help(void)
{
	static const char *const words[] = { "Usage", "play", "render", "demo", "cues", "--tempo",
					     "--map", "--out" };

	CU_ASSERT_EQUAL(RUN("--help"), 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		CU_ASSERT_PTR_NOT_NULL(strstr(out, words[i]));
	CU_ASSERT_EQUAL(RUN("render", "--help"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage"));
}

static void test_version(void)
{
	CU_ASSERT_EQUAL(RUN("--version"), 0);
	/* The version this tree is built as (the Makefile's VERSION). */
	CU_ASSERT_STRING_EQUAL(out, "rasbeat " RASBEAT_VERSION "\n");
}

static void test_usage_errors(void)
{
	char dir[PATHLEN], wav[PATHLEN];

	fresh_dir(dir, "usage");
	path_in(wav, dir, "y.wav");

	CU_ASSERT_EQUAL(RUN("--bogus-first"), 2);
	assert_message("--bogus-first");
	CU_ASSERT_EQUAL(test_rasbeat((const char *const[]){ NULL }, out, sizeof(out)), 2);
	assert_message("command");
	CU_ASSERT_EQUAL(RUN("walk"), 2);
	assert_message("walk");
	CU_ASSERT_EQUAL(RUN("play", "--tempo", "0"), 2);
	assert_message("--tempo");
	CU_ASSERT_EQUAL(RUN("play", "--tempo", "96bpm"), 2);
	assert_message("--tempo");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "90", "--duration", "5"), 2);
	assert_message("--out");
	CU_ASSERT_EQUAL(RUN("render", "--ramp", "80:120", "--out", wav), 2);
	assert_message("--ramp");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "90", "--duration", "1", "--out", join(dir, "y.mp3")),
			2);
	assert_message("--out");
	/* A constant tempo never ends: render needs to know when to stop. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "90", "--out", wav), 2);
	assert_message("--duration");
	CU_ASSERT_EQUAL(extra_entries(dir, NULL, NULL), 0);
}

static void test_bad_map(void)
{
	char dir[PATHLEN], map[PATHLEN], where[PATHLEN + 32];

	fresh_dir(dir, "badmap");
	path_in(map, dir, "bad.map");

	CU_ASSERT_FATAL(write_text(map, "# a map\nintro: 4 4/4 120\n2 3/4 90 Xxxx\n"));
	CU_ASSERT_EQUAL(RUN("render", "--map", map, "--out", join(dir, "out.wav"), "--beats-out",
			    join(dir, "beats.csv")), 1);
	CU_ASSERT_FATAL((size_t)snprintf(where, sizeof(where), "%s:3: pattern", map) < sizeof(where));
	assert_message(where);
	CU_ASSERT_EQUAL(extra_entries(dir, "bad.map", NULL), 0);

	/* A map that goes on for ever, rendered without --duration. */
	CU_ASSERT_FATAL(write_text(map, "4 120\n* 100\n"));
	CU_ASSERT_EQUAL(RUN("render", "--map", map, "--out", join(dir, "out.wav")), 2);
	assert_message("--duration");
	CU_ASSERT_EQUAL(extra_entries(dir, "bad.map", NULL), 0);

	/* No map at all. */
	CU_ASSERT_EQUAL(RUN("render", "--map", join(dir, "none.map"), "--out",
			    join(dir, "out.wav")), 1);
	assert_message(join(dir, "none.map"));
	CU_ASSERT_EQUAL(extra_entries(dir, "bad.map", NULL), 0);
}

static void test_bad_sound(void)
{
	char dir[PATHLEN], fake[PATHLEN];

	fresh_dir(dir, "badsound");
	path_in(fake, dir, "x.wav");

	CU_ASSERT_FATAL(write_text(fake, "this is not a RIFF file\n"));
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--sound", fake, "--out",
			    join(dir, "out.wav")), 1);
	assert_message(fake);
	CU_ASSERT_EQUAL(extra_entries(dir, "x.wav", NULL), 0);

	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--accent-sound",
			    join(dir, "missing.wav"), "--out", join(dir, "out.wav")), 1);
	assert_message(join(dir, "missing.wav"));
	CU_ASSERT_EQUAL(extra_entries(dir, "x.wav", NULL), 0);
}

static void test_bad_output(void)
{
	char dir[PATHLEN], file[PATHLEN], nope[PATHLEN], wav[PATHLEN];

	fresh_dir(dir, "badout");
	path_in(file, dir, "file.txt");
	path_in(nope, dir, "nope");
	path_in(wav, dir, "ok.wav");

	CU_ASSERT_FATAL(write_text(file, "a regular file\n"));

	/* A folder that does not exist is not created. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out",
			    join(nope, "out.wav")), 1);
	assert_message(join(nope, "out.wav"));
	CU_ASSERT_FALSE(exists(nope));

	/* A "folder" that is a regular file (chmod would not stop root). */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out",
			    join(file, "out.wav")), 1);
	assert_message(join(file, "out.wav"));

	/* A folder nobody may create files in. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out",
			    "/proc/rasbeat-test.wav"), 1);
	assert_message("/proc/rasbeat-test.wav");
	CU_ASSERT_FALSE(exists("/proc/rasbeat-test.wav"));

	/* The audio could be written but the beat list cannot: no audio
	 * file is left either. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav,
			    "--beats-out", join(file, "beats.csv")), 1);
	assert_message(join(file, "beats.csv"));
	CU_ASSERT_FALSE(exists(wav));

	/* The output name is taken by a folder: renaming into place fails
	 * at the very end, and the finished temporary file goes too. */
	CU_ASSERT_FATAL(mkdir(join(dir, "taken.wav"), 0755) == 0);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out",
			    join(dir, "taken.wav")), 1);
	assert_message(join(dir, "taken.wav"));

	/* The same at the beat list's turn, after the audio file is in
	 * place: that goes again, so there is both or neither. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav,
			    "--beats-out", join(dir, "taken.wav")), 1);
	assert_message(join(dir, "taken.wav"));
	CU_ASSERT_FALSE(exists(wav));

	CU_ASSERT_EQUAL(extra_entries(dir, "file.txt", "taken.wav"), 0);
	CU_ASSERT_EQUAL(extra_entries(join(dir, "taken.wav"), NULL, NULL), 0);
}

static void test_render_ramp(void)
{
	char dir[PATHLEN], wav[PATHLEN];
	SF_INFO info;

	fresh_dir(dir, "ramp");
	path_in(wav, dir, "y.wav");

	CU_ASSERT_EQUAL(RUN("render", "--ramp", "80:120:600", "--duration", "900", "--out", wav,
			    "--quiet"), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_FATAL(audio_info(wav, &info));
	CU_ASSERT_EQUAL(info.frames, (sf_count_t)900 * 48000);
	CU_ASSERT_EQUAL(info.channels, 2);
	CU_ASSERT_EQUAL(info.samplerate, 48000);
	CU_ASSERT_EQUAL(extra_entries(dir, "y.wav", NULL), 0);
}

static void test_render_rate_and_beats(void)
{
	char dir[PATHLEN], flac[PATHLEN], csv[PATHLEN];
	SF_INFO info;
	FILE *f;
	char line[256];
	int rows = 0;

	fresh_dir(dir, "beats");
	path_in(flac, dir, "r.flac");
	path_in(csv, dir, "b.csv");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "120", "--duration", "10.25", "--rate", "44100",
			    "--out", flac, "--beats-out", csv), 0);
	/* Not --quiet: one line saying where the files went. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, flac));
	CU_ASSERT_FATAL(audio_info(flac, &info));
	CU_ASSERT_EQUAL(info.frames, 452025);	/* 10.25 s at 44.1 kHz */
	CU_ASSERT_EQUAL(info.samplerate, 44100);
	f = fopen(csv, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	CU_ASSERT_NSTRING_EQUAL(line, "index,", 6);
	while (fgets(line, sizeof(line), f))
		rows++;
	fclose(f);
	/* A beat every 0.5 s from 0 to 10.0 inclusive. */
	CU_ASSERT_EQUAL(rows, 21);
	CU_ASSERT_EQUAL(extra_entries(dir, "r.flac", "b.csv"), 0);
}

static void test_render_map_to_end(void)
{
	char dir[PATHLEN], wav[PATHLEN];
	const char *map = "presets/gait-ramp.map";
	struct ras_schedule *s = NULL;
	struct ras_meter m;
	char err[512];
	double end, last;
	SF_INFO info;

	fresh_dir(dir, "map");
	path_in(wav, dir, "g.wav");
	ras_meter_default(&m);
	CU_ASSERT_EQUAL_FATAL(ras_tempomap_load(map, &m, &s, err, sizeof(err)), 0);
	end = (double)ras_schedule_end_time(s);
	last = (double)ras_schedule_time_at(s, ras_schedule_end_phase(s) - 1);
	ras_schedule_free(s);
	CU_ASSERT_FATAL(isfinite(end) && isfinite(last));

	CU_ASSERT_EQUAL(RUN("render", "--map", map, "--out", wav, "--quiet"), 0);
	CU_ASSERT_FATAL(audio_info(wav, &info));
	/*
	 * Every beat of the map is in the file, which lasts to the end of the
	 * map's last beat (its click is far shorter than the beat) and stops
	 * within the render block (256 frames) that reaches it.
	 */
	CU_ASSERT(info.frames > (sf_count_t)llround(last * 48000));
	CU_ASSERT(info.frames >= (sf_count_t)llround(end * 48000));
	CU_ASSERT(info.frames < (sf_count_t)llround(end * 48000) + 256);
	CU_ASSERT_EQUAL(extra_entries(dir, "g.wav", NULL), 0);
}

/* analyze on a recording: summary on stdout, steps.csv rows; errors name the file. */
static void test_analyze(void)
{
	char dir[PATHLEN], csv[PATHLEN], bad[PATHLEN];
	FILE *f;
	char line[256];
	int rows = 0;

	fresh_dir(dir, "analyze");
	path_in(csv, dir, "steps.csv");
	CU_ASSERT_EQUAL(RUN("analyze", "--sensor", "footswitch", "--input",
			    "tests/sensor/data/footswitch.evemu", "--steps-out", csv), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "steps: 3 over 1.2 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cadence: 96.0 steps/min"));
	f = fopen(csv, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	CU_ASSERT_STRING_EQUAL(line, "time_s,foot,interval_s,stride_s\n");
	while (fgets(line, sizeof(line), f))
		rows++;
	fclose(f);
	CU_ASSERT_EQUAL(rows, 3);

	/* A recording without keys cannot serve a footswitch. */
	CU_ASSERT_EQUAL(RUN("analyze", "--sensor", "footswitch", "--input",
			    "tests/sensor/data/accel.evemu"), 1);
	assert_message("has no keys or buttons for a footswitch sensor");
	/* A malformed recording: FILE:LINE, exit 1, no steps file. */
	path_in(bad, dir, "bad.evemu");
	CU_ASSERT_FATAL(write_text(bad, "# EVEMU 1.3\nN: x\nI: 0003 1 2 3\nE: 0.000001 0001\n"));
	path_in(csv, dir, "none.csv");
	CU_ASSERT_EQUAL(RUN("analyze", "--sensor", "footswitch", "--input", bad, "--steps-out", csv), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bad.evemu:4:"));
	CU_ASSERT_FALSE(exists(csv));
	/* An unknown key name is a usage error naming it. */
	CU_ASSERT_EQUAL(RUN("analyze", "--sensor", "footswitch", "--input",
			    "tests/sensor/data/footswitch.evemu", "--left-code", "KEY_NOPE"), 2);
	assert_message("KEY_NOPE");
}

/* Read a CSV's first numeric column (time_s or, for beats, column `col`). */
static int read_column(const char *path, int col, double *vals, int max)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		char *p = line;

		for (int c = 0; c < col && p; c++) {
			p = strchr(p, ',');
			p = p ? p + 1 : NULL;
		}
		if (p)
			vals[n++] = strtod(p, NULL);
	}
	fclose(f);
	return n;
}

/* render with a walker: 3 minutes in well under a second, the walker entrains. */
static void test_render_walker(void)
{
	static double steps[1000], beats[1000];
	char dir[PATHLEN], sc[PATHLEN], bc[PATHLEN];
	double t0 = test_now(), sum = 0, sumsq = 0;
	int ns, nb, used = 0;

	fresh_dir(dir, "walker");
	path_in(sc, dir, "steps.csv");
	path_in(bc, dir, "beats.csv");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--walker",
			    "cadence=92,coupling=0.3,period=0.1,seed=7", "--duration", "180",
			    "--beats-out", bc, "--steps-out", sc), 0);
	CU_ASSERT(test_now() - t0 < 5);	/* generous: the machine may be busy */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cadence: "));
	ns = read_column(sc, 0, steps, 1000);
	nb = read_column(bc, 2, beats, 1000);
	CU_ASSERT_FATAL(ns > 250 && nb == 300);
	/* The last 50 steps before the last beat: each within half a beat of a
	 * beat, the mean asynchrony small. */
	while (ns > 0 && steps[ns - 1] > beats[nb - 1])
		ns--;
	for (int i = ns - 50; i < ns; i++) {
		double best = 1e9;

		for (int k = 0; k < nb; k++)
			if (fabs(steps[i] - beats[k]) < fabs(best))
				best = steps[i] - beats[k];
		if (fabs(best) < 0.3) {
			sum += best;
			sumsq += best * best;
			used++;
		}
	}
	CU_ASSERT_EQUAL(used, 50);
	/* Locked on: mean asynchrony within 30 ms and steady (an uncoupled
	 * walker at 92 spm spreads over the whole beat, SD ~170 ms), and the
	 * walker's cadence is the beat's 100, not its own 92. */
	CU_ASSERT(fabs(sum / used) < 0.030);
	CU_ASSERT(sqrt(sumsq / used - (sum / used) * (sum / used)) < 0.060);
	CU_ASSERT(fabs((steps[ns - 1] - steps[ns - 51]) / 50 - 0.6) < 0.006);

	/* A bad walker is a usage error naming the key. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--walker", "cadence=fast", "--duration", "1",
			    "--beats-out", bc), 2);
	assert_message("cadence");
}

/*
 * Beats as rasbeat wrote them: consecutive indices, and every interval
 * between the periods of the tempi at its two ends (no beat skipped or
 * doubled, whatever adaptation did). Returns the count.
 */
static int check_beat_grid(const char *csv, double *t, double *bpm, int max)
{
	double idx[2000];
	int n = read_column(csv, 0, idx, max), bad = 0;

	CU_ASSERT_EQUAL(read_column(csv, 2, t, max), n);
	CU_ASSERT_EQUAL(read_column(csv, 3, bpm, max), n);
	for (int k = 1; k < n; k++) {
		double lo = 60 / fmax(bpm[k - 1], bpm[k]), hi = 60 / fmin(bpm[k - 1], bpm[k]);
		double dt = t[k] - t[k - 1];

		bad += idx[k] != idx[k - 1] + 1;
		/* a nudge within the interval may take it beyond: at most 0.1 beat */
		bad += dt < lo * 0.9 - 1e-6 || dt > hi * 1.1 + 1e-6;
	}
	CU_ASSERT_EQUAL(bad, 0);
	return n;
}

/* --adapt follow: from 110 to a 92 spm walker within 10 steps, then within 2 %. */
static void test_adapt_follow(void)
{
	static double steps[1000], t[2000], bpm[2000];
	char dir[PATHLEN], sc[PATHLEN], bc[PATHLEN];
	int ns, nb, bad = 0;

	fresh_dir(dir, "follow");
	path_in(sc, dir, "steps.csv");
	path_in(bc, dir, "beats.csv");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "110", "--adapt", "follow", "--walker",
			    "cadence=92,seed=7", "--duration", "180", "--beats-out", bc, "--steps-out",
			    sc), 0);
	ns = read_column(sc, 0, steps, 1000);
	nb = check_beat_grid(bc, t, bpm, 2000);
	CU_ASSERT_FATAL(ns > 200 && nb > 200);
	CU_ASSERT_DOUBLE_EQUAL(bpm[0], 110, 1e-9);
	for (int k = 0; k < nb; k++)
		bad += t[k] > steps[9] + 0.7 && fabs(bpm[k] - 92) > 0.02 * 92;
	CU_ASSERT_EQUAL(bad, 0);
}

/* --adapt entrain with a coupled walker: |mean asynchrony| < 30 ms. */
static void test_adapt_entrain(void)
{
	static double steps[1000], t[2000], bpm[2000];
	char dir[PATHLEN], sc[PATHLEN], bc[PATHLEN];
	double sum = 0;
	int ns, nb, used = 0;

	fresh_dir(dir, "entrain");
	path_in(sc, dir, "steps.csv");
	path_in(bc, dir, "beats.csv");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--adapt", "entrain", "--walker",
			    "cadence=92,coupling=0.3,period=0.1,seed=3", "--duration", "180",
			    "--beats-out", bc, "--steps-out", sc), 0);
	ns = read_column(sc, 0, steps, 1000);
	nb = check_beat_grid(bc, t, bpm, 2000);
	CU_ASSERT_FATAL(ns > 200 && nb > 200);
	while (ns > 0 && steps[ns - 1] > t[nb - 1])
		ns--;
	for (int i = ns - 50; i < ns; i++) {
		double best = 1e9;

		for (int k = 0; k < nb; k++)
			if (fabs(steps[i] - t[k]) < fabs(best))
				best = steps[i] - t[k];
		sum += best;
		used++;
	}
	CU_ASSERT(fabs(sum / used) < 0.030);
	/* Safety: entrain stays within 20 % of the base tempo. */
	for (int k = 0; k < nb; k++)
		CU_ASSERT(bpm[k] >= 80 - 1e-9 && bpm[k] <= 120 + 1e-9);
	/* Limits at odds with the tempo are a usage error. */
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "250", "--bpm-max", "200", "--adapt", "follow",
			    "--walker", "cadence=92", "--duration", "1", "--beats-out", bc), 2);
	assert_message("outside the limits");
}

/* --session: a preset runs to its end; the ramp advances only while the walker keeps up. */
static void test_session(void)
{
	char dir[PATHLEN], bc[PATHLEN], bad[PATHLEN];

	fresh_dir(dir, "session");
	path_in(bc, dir, "beats.csv");
	CU_ASSERT_EQUAL(RUN("render", "--session", "presets/parkinsons-ras.ini", "--walker",
			    "cadence=96,coupling=0.3,period=0.1,seed=2", "--beats-out", bc), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "baseline: 95."));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ramp: +5 % to "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "session over"));
	CU_ASSERT_PTR_NULL(strstr(out, "ramp held"));
	CU_ASSERT(exists(bc));
	/*
	 * A walker that ignores the beat is in step only by chance at its own
	 * tempo (the cue phase plays the baseline): at most one step up, then
	 * synchronization fails and the ramp holds to its end, never to 110 %.
	 */
	CU_ASSERT_EQUAL(RUN("render", "--session", "presets/parkinsons-ras.ini", "--walker",
			    "cadence=96,coupling=0,seed=2", "--beats-out", bc), 0);
	{
		const char *p = out, *held = strstr(out, "ramp held: R");
		int ups = 0;

		while ((p = strstr(p, "ramp: +5 % to ")))
			ups++, p++;
		CU_ASSERT(ups <= 1);
		CU_ASSERT_PTR_NOT_NULL(held);
		CU_ASSERT(!held || !strstr(held, "ramp: +5 % to "));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "session over"));
	}
	/* A bad session file: FILE:LINE, exit 1. */
	path_in(bad, dir, "bad.ini");
	CU_ASSERT_FATAL(write_text(bad, "[session]\nname=x\n[p1]\ntype=walkabout\n"));
	CU_ASSERT_EQUAL(RUN("render", "--session", bad, "--walker", "cadence=96", "--beats-out", bc), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bad.ini:4:"));
	/* Per-phase sounds, gains and sides: loaded before the start, played. */
	CU_ASSERT_FATAL(write_text(bad, "[session]\ntempo=96\n"
				   "[a]\ntype=cue\nseconds=5\nsound=woodblock\nside=R\n"
				   "[b]\ntype=cue\nseconds=5\ngain=-6\nsound=beep\n"
				   "[c]\ntype=fade\nseconds=6\nsound=woodblock\n"));
	CU_ASSERT_EQUAL(RUN("render", "--session", bad, "--walker", "cadence=96", "--beats-out", bc), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "session over"));
	/* A phase's sound file that is no audio: its FILE:LINE, exit 1. */
	CU_ASSERT_FATAL(write_text(bad, "[session]\ntempo=96\n[a]\ntype=cue\nseconds=5\n"
				   "sound=presets/stroke-paretic.ini\n"));
	CU_ASSERT_EQUAL(RUN("render", "--session", bad, "--walker", "cadence=96", "--beats-out", bc), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bad.ini:6: sound: presets/stroke-paretic.ini"));
	if (!strstr(out, "bad.ini:6: sound: "))
		fprintf(stderr, "\n%s\n", out);
}

/* The issue's own command: three minutes of closed loop, a log folder of the user's alone. */
static void test_render_log_dir(void)
{
	char dir[PATHLEN], logd[PATHLEN], flac[PATHLEN];
	struct stat st;
	double t0 = test_now();
	SF_INFO info;

	fresh_dir(dir, "logdir");
	path_in(logd, dir, "sessions/p01");
	path_in(flac, dir, "w.flac");
	CU_ASSERT_EQUAL(RUN("render", "--adapt", "follow", "--tempo", "110", "--walker",
			    "cadence=92,seed=7", "--duration", "180", "--out", flac, "--log", logd), 0);
	CU_ASSERT(test_now() - t0 < 5);
	CU_ASSERT_FATAL(stat(logd, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	CU_ASSERT(exists(join(logd, "beats.csv")));
	CU_ASSERT(exists(join(logd, "steps.csv")));
	CU_ASSERT(exists(join(logd, "events.csv")));
	CU_ASSERT(exists(join(logd, "session.json")));
	CU_ASSERT_FATAL(audio_info(flac, &info));
	CU_ASSERT_EQUAL(info.frames, 180 * 48000);
}

/* The summary session.json holds for phase i, field by field. */
static bool json_phase(const char *dir, size_t i, struct ras_phase_summary *s)
{
	char *text = NULL, *p, key[64];
	size_t n = 0;
	FILE *f = fopen(join(dir, "session.json"), "r");
	const char *fields[] = { "cadence_spm", "tempo_bpm", "asynchrony_mean_ms", "r", "cv_pct" };
	double *dst[] = { &s->cadence_spm, &s->tempo_bpm, &s->asynchrony_mean_ms, &s->r, &s->cv_pct };

	if (!f)
		return false;
	if (getdelim(&text, &n, '\0', f) < 0) {
		fclose(f);
		return false;
	}
	fclose(f);
	/* The i-th "name" of a phase object, then its fields (one per line). */
	p = strstr(text, "\"phases\"");
	for (size_t k = 0; p && k <= i; k++)
		p = strstr(p + 1, "\"type\"");
	for (size_t k = 0; p && k < 5; k++) {
		char *q;

		snprintf(key, sizeof(key), "\"%s\": ", fields[k]);
		q = strstr(p, key);
		if (!q) {
			p = NULL;
			break;
		}
		q += strlen(key);
		*dst[k] = strncmp(q, "null", 4) == 0 ? NAN : strtod(q, NULL);
	}
	free(text);
	return p != NULL;
}

/* A protocol with a walker: the summary session.json gives per phase is the
 * one the CSVs give when read back, whatever the locale of either run. */
static void test_record_read_back(void)
{
	char dir[PATHLEN], logd[PATHLEN], err[512];
	struct ras_record r;
	const char *old = getenv("LC_ALL");

	fresh_dir(dir, "record");
	path_in(logd, dir, "s1");
	setenv("LC_ALL", "de_DE.UTF-8", 1);
	CU_ASSERT_EQUAL(RUN("render", "--session", "presets/parkinsons-ras.ini", "--walker",
			    "cadence=96,coupling=0.3,period=0.1,seed=2", "--log", logd,
			    "--patient", "pd-07", "--quiet"), 0);
	if (old)
		setenv("LC_ALL", old, 1);
	else
		unsetenv("LC_ALL");
	CU_ASSERT_EQUAL_FATAL(ras_record_load(&r, logd, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(r.patient, "pd-07");
	CU_ASSERT(r.nphases >= 4);
	CU_ASSERT_STRING_EQUAL(r.phases[0].type, "baseline");
	CU_ASSERT(r.nsteps > 100);
	for (size_t i = 0; i < r.nphases; i++) {
		struct ras_phase_summary a, b;

		ras_record_summarize(&r, i, &a);
		CU_ASSERT_FATAL(json_phase(logd, i, &b));
#define NEAR(f) CU_ASSERT((isnan(a.f) && isnan(b.f)) || fabs(a.f - b.f) <= 1e-8 * fmax(1, fabs(a.f)))
		NEAR(cadence_spm);
		NEAR(tempo_bpm);
		NEAR(asynchrony_mean_ms);
		NEAR(r);
		NEAR(cv_pct);
#undef NEAR
		/* Cues in every phase but the baseline and the post-test. */
		if (!strcmp(a.type, "baseline") || !strcmp(a.type, "post")) {
			CU_ASSERT(isnan(a.tempo_bpm));
		} else if (strcmp(a.type, "fade")) {
			CU_ASSERT(a.tempo_bpm > 90 && a.r > 0.5);
		}
	}
	ras_record_clear(&r);
}

/* A folder that cannot be made: said, exit 1, the cues still rendered. */
static void test_record_unwritable(void)
{
	char dir[PATHLEN], file[PATHLEN], bad[PATHLEN], wav[PATHLEN];

	fresh_dir(dir, "record-bad");
	path_in(file, dir, "plain-file");
	CU_ASSERT_FATAL(write_text(file, "x"));
	path_in(bad, file, "log");
	path_in(wav, dir, "cues.wav");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "3", "--out", wav, "--log",
			    bad), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "session record:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cannot create"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cues go on"));
	CU_ASSERT(exists(wav));
	/* And a folder that holds a session already is not written over. */
	path_in(bad, dir, "s");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav, "--log",
			    bad, "--quiet"), 0);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav, "--log",
			    bad), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "holds a session already"));
}

/* No --log: a new dated folder per session under the patient's. */
static void test_record_default(void)
{
	char dir[PATHLEN], wav[PATHLEN], pdir[PATHLEN];
	const char *data = getenv("XDG_DATA_HOME");
	int n = 0;
	DIR *d;
	struct dirent *e;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	fresh_dir(dir, "record-default");
	path_in(wav, dir, "c.wav");
	snprintf(pdir, sizeof(pdir), "%s/rasbeat/sessions/def-01", data);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav,
				    "--patient", "def-01", "--quiet"), 0);
	d = opendir(pdir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			n++;
			CU_ASSERT_EQUAL(strncmp(e->d_name, "20", 2), 0);
			CU_ASSERT_EQUAL(stat(join(join(pdir, e->d_name), "beats.csv"), &st), 0);
		}
	closedir(d);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(stat(pdir, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav,
			    "--patient", "Jane Doe"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--patient"));
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "1", "--out", wav,
			    "--no-log", "--log", dir), 2);
}

/* rasbeat report: one session, a patient's progress, and bad records. */
static void test_report_cli(void)
{
	char dir[PATHLEN], s1[PATHLEN], svg[PATHLEN], html[PATHLEN], wav[PATHLEN];
	const char *p;
	int rows = 0;

	fresh_dir(dir, "report");
	path_in(s1, dir, "s1");
	path_in(svg, dir, "s1.svg");
	path_in(html, dir, "s1.html");
	path_in(wav, dir, "c.wav");
	CU_ASSERT_EQUAL(RUN("render", "--session", "presets/10m-walk-baseline.ini", "--walker",
			    "cadence=104,seed=4", "--log", s1, "--quiet"), 0);
	CU_ASSERT_EQUAL(RUN("report", s1, "--svg", svg, "--html", html), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "baseline"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "104."));
	CU_ASSERT(exists(svg) && exists(html));

	/* Three sessions of one patient: progress, one row each. */
	for (int i = 0; i < 3; i++) {
		char w[64];

		snprintf(w, sizeof(w), "cadence=%d,coupling=0.3,period=0.1,seed=%d", 90 + 4 * i, i + 1);
		CU_ASSERT_EQUAL(RUN("render", "--session", "presets/parkinsons-ras.ini", "--walker", w,
				    "--patient", "prog-01", "--out", wav, "--quiet"), 0);
	}
	CU_ASSERT_EQUAL(RUN("report", "--patient", "prog-01", "--html", join(dir, "p.html")), 0);
	for (p = out; (p = strstr(p, "\n20")); p++)
		rows++;
	CU_ASSERT_EQUAL(rows, 3);
	CU_ASSERT(exists(join(dir, "p.html")));

	/* No such patient, no such folder, a malformed file: exit 1, named. */
	CU_ASSERT_EQUAL(RUN("report", "--patient", "nobody-01"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "nobody-01"));
	CU_ASSERT_EQUAL(RUN("report", join(dir, "nowhere")), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "nowhere"));
	CU_ASSERT_FATAL(write_text(join(s1, "steps.csv"),
				   "time_s,foot,interval_s,beat_index,asynchrony_ms,relative_phase,tempo_bpm,cadence_spm\n"
				   "0.5,L,,,,,,\n1,0.2,R,,,,,\n"));
	CU_ASSERT_EQUAL(RUN("report", s1, "--html", join(dir, "bad.html")), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "steps.csv:3: "));
	CU_ASSERT(!exists(join(dir, "bad.html")));
	CU_ASSERT_EQUAL(RUN("report"), 2);
}

/* Peak of a stereo file's samples in [from, to) s. */
static double file_peak(const char *path, double from, double to)
{
	SF_INFO info;
	SNDFILE *sf;
	float buf[2 * 4800];
	double peak = 0;
	sf_count_t at = 0, n;

	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return -1;
	while ((n = sf_readf_float(sf, buf, 4800)) > 0) {
		for (sf_count_t i = 0; i < n * info.channels; i++) {
			double t = (double)(at + i / info.channels) / info.samplerate;

			if (t >= from && t < to)
				peak = fmax(peak, fabs(buf[i]));
		}
		at += n;
	}
	sf_close(sf);
	return peak;
}

/* --music through the binary: a groove alone (--no-click), then the same
 * audio as a song, its grid found by beat tracking; and bad input. */
static void test_music(void)
{
	char dir[PATHLEN], groove[PATHLEN], song[PATHLEN], beats[PATHLEN];
	FILE *f;
	char line[256];
	int rows = 0, audible = 0;

	fresh_dir(dir, "music");
	path_in(groove, dir, "groove.wav");
	path_in(song, dir, "song.wav");
	path_in(beats, dir, "beats.csv");
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--music", "cues/grooves/walk-4-4.groove",
			    "--no-click", "--gain", "music=0", "--duration", "30", "--out", groove,
			    "--beats-out", beats, "--no-log"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "music: cues/grooves/walk-4-4.groove"));
	CU_ASSERT(file_peak(groove, 1, 29) > 0.1);
	/* No cue sounded, yet every beat counts as heard: the music carries it. */
	f = fopen(beats, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f))
		if (rows++ > 0)
			audible += strstr(line, ",1\n") != NULL || strstr(line, ",1\r") != NULL;
	fclose(f);
	CU_ASSERT_EQUAL(rows, 51);
	CU_ASSERT_EQUAL(audible, 50);

	CU_ASSERT_EQUAL(RUN("render", "--tempo", "112", "--music", groove, "--duck", "6",
			    "--duration", "20", "--out", song, "--no-log"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "100.00 bpm"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "found by beat tracking"));
	CU_ASSERT(file_peak(song, 1, 19) > 0.1);

	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--music", join(dir, "none.mid"),
			    "--duration", "5", "--out", song, "--no-log"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "none.mid"));
	CU_ASSERT_FATAL(write_text(join(dir, "bad.groove"), "[groove]\nmeter = 4/4\nsteps = 99\n"));
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--music", join(dir, "bad.groove"),
			    "--duration", "5", "--out", song, "--no-log"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bad.groove:3: steps"));
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--music-bpm", "100", "--duration", "5",
			    "--out", song), 2);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--no-click", "--duration", "5", "--out",
			    song), 2);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--bed", "rain", "--duration", "5", "--out",
			    song), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--bed: 'rain'"));
}

/* A cue file that changes or disappears between two sessions: the next one
 * plays the new sound, or stops before it starts, naming the file and
 * leaving nothing behind (no audio, no record). */
static void test_cue_file_between_sessions(void)
{
	char dir[PATHLEN], cue[PATHLEN], out1[PATHLEN], out2[PATHLEN], rec[PATHLEN], cmd[3 * PATHLEN];
	double p1, p2;

	fresh_dir(dir, "cuechange");
	path_in(cue, dir, "cue.wav");
	path_in(out1, dir, "one.wav");
	path_in(out2, dir, "two.wav");
	path_in(rec, dir, "record");
	snprintf(cmd, sizeof(cmd), "cp cues/woodblock.wav '%s'", cue);
	CU_ASSERT_FATAL(system(cmd) == 0);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "3", "--sound", cue, "--gain",
			    "accent=0", "--out", out1, "--no-log", "--quiet"), 0);
	snprintf(cmd, sizeof(cmd), "cp cues/beep.wav '%s'", cue);
	CU_ASSERT_FATAL(system(cmd) == 0);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "3", "--sound", cue, "--gain",
			    "accent=0", "--out", out2, "--no-log", "--quiet"), 0);
	p1 = file_peak(out1, 0, 3);
	p2 = file_peak(out2, 0, 3);
	CU_ASSERT(p1 > 0.05 && p2 > 0.05);
	CU_ASSERT(fabs(p1 - p2) > 1e-3);	/* the new sound, not a cached one */
	unlink(cue);
	unlink(out2);
	CU_ASSERT_EQUAL(RUN("render", "--tempo", "100", "--duration", "3", "--sound", cue, "--out",
			    out2, "--log", rec), 1);
	assert_message(cue);
	CU_ASSERT(!exists(out2));
	CU_ASSERT(!exists(rec));
}

void test_main_register(void)
{
	TEST_SUITE("main",
		   { "render --log DIR: the issue's closed-loop command", test_render_log_dir },
		   { "session record read back: same summary, comma locale", test_record_read_back },
		   { "session record: unmakeable or used folder", test_record_unwritable },
		   { "session record: default dated folders, patient ids", test_record_default },
		   { "report: a session, a patient's progress, bad records", test_report_cli },
		   { "music: a groove, a song beat-tracked, bad input", test_music },
		   { "a cue file changed or gone between sessions", test_cue_file_between_sessions },
		   { "--session protocol through the binary", test_session },
		   { "--adapt follow converges and holds", test_adapt_follow },
		   { "--adapt entrain locks on a coupled walker", test_adapt_entrain },
		   { "render with a simulated walker", test_render_walker },
		   { "analyze a recording", test_analyze },
		   { "--help", test_help },
		   { "--version", test_version },
		   { "usage errors exit 2", test_usage_errors },
		   { "bad map exits 1, leaves nothing", test_bad_map },
		   { "bad sound exits 1, leaves nothing", test_bad_sound },
		   { "bad output folder exits 1, leaves nothing", test_bad_output },
		   { "render a 900 s ramp", test_render_ramp },
		   { "render at 44.1 kHz with a beat list", test_render_rate_and_beats },
		   { "render a map until it ends", test_render_map_to_end });
}

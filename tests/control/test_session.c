/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Session protocols: the INI files (every error names file:line: key), and
 * whole sessions against the real engine, offline, in blocks of 64..1024
 * frames, with the simulated walker hearing the cues, driven as the program
 * drives them (beats, then the walker's steps, then a poll whose commands
 * are sent).
 *
 * Every run is checked the same way: beats numbered without a gap, each on
 * the frame the schedule math gives once the session's TEMPO commands are
 * applied to a copy of the source, intervals of 60/tempo, each beat audible
 * exactly when the PAUSE/RESUME/EVERY commands in force say so, an onset in
 * the audio for each audible beat and none else, and the runner free of
 * allocation and locks.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/engine.h"
#include "rasbeat/measures.h"
#include "rasbeat/program.h"
#include "rasbeat/session.h"
#include "rasbeat/tempomap.h"
#include "rasbeat/walker.h"
#include "rtcheck.h"
#include "testutil.h"

#define RATE 48000.0
#define MAXB 4096
#define MAXS 4096
#define MAXC 256
#define MAXE 256
#define REPLICA_CAP 256

struct sim {
	struct ras_session *ss;
	struct ras_engine *e;
	struct ras_walker *w;
	struct ras_schedule *replica;	/* the source with every TEMPO sent */
	struct ras_sound *imp;
	/* The phases' sounds: impulses of 0.3 (i + 1), told apart by level. */
	struct ras_sound *psnd[RAS_SESSION_PHASES_MAX];
	int npsnd;
	struct ras_session_info info;
	double latency;
	int64_t frame, quiet;
	uint32_t seed;
	struct ras_beat beat[MAXB];
	size_t nb;
	int64_t onset[MAXB];
	float onset_l[MAXB], onset_r[MAXB];
	size_t no;
	double step[MAXS];
	size_t ns;
	struct ras_cmd cmd[MAXC];
	size_t nc;
	struct ras_session_event ev[MAXE];
	size_t ne;
	int drop;			/* every drop-th step goes unseen (a missed detection) */
	int rt;				/* allocations and locks inside the runner */
	int refused;
};

static struct sim sim_store;
static float lbuf[1024], rbuf[1024];

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static struct ras_session *load(const char *text, char *err, size_t errlen)
{
	struct ras_session_config cfg;

	ras_session_config_default(&cfg);
	cfg.rate = RATE;
	return ras_session_new_from_string(&cfg, text, "t.ini", err, errlen);
}

static void forward(struct sim *s, int n, struct ras_cmd *out)
{
	for (int i = 0; i < n; i++) {
		long double t = (long double)(out[i].frame > s->frame ? out[i].frame : s->frame) / RATE;

		CU_ASSERT(out[i].frame >= s->frame);
		/* As main does: the index to a buffer (the master gain is 1). */
		if (out[i].kind == RAS_CMD_SOUND) {
			int k = (int)out[i].value;

			CU_ASSERT(k >= -1 && k < s->npsnd);
			CU_ASSERT(out[i].part == RAS_PART_ACCENT || out[i].part == RAS_PART_NORMAL);
			out[i].sound = k < 0 ? s->imp : s->psnd[k];
		}
		CU_ASSERT_EQUAL(ras_engine_send(s->e, &out[i]), 0);
		if (s->nc < MAXC)
			s->cmd[s->nc++] = out[i];
		if (out[i].kind == RAS_CMD_TEMPO)
			s->refused += ras_schedule_change(s->replica, t, out[i].value) != 0;
	}
}

static void sim_poll(struct sim *s)
{
	struct ras_cmd out[RAS_SESSION_CMD_MAX];
	struct ras_session_event ev;
	int n;

	rtcheck_arm();
	n = ras_session_poll(s->ss, (double)s->frame / RATE, out, RAS_SESSION_CMD_MAX);
	s->rt += rtcheck_disarm();
	CU_ASSERT(n >= 0);
	forward(s, n, out);
	while (ras_session_next_event(s->ss, &ev))
		if (s->ne < MAXE)
			s->ev[s->ne++] = ev;
}

/* A session (from a file when `text` starts with '/' or "presets/"), the
 * engine playing an open constant tempo and a walker. */
static struct sim *sim_new(const char *text, const char *walker, double latency)
{
	struct sim *s = &sim_store;
	struct ras_session_config sc;
	struct ras_engine_config ec;
	struct ras_walker_config wc;
	struct ras_schedule *src;
	struct ras_meter m;
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	char err[300];

	memset(s, 0, sizeof(*s));
	s->seed = 4242;
	s->latency = latency;
	ras_session_config_default(&sc);
	sc.rate = RATE;
	sc.latency_s = latency;
	s->ss = strncmp(text, "presets/", 8) ? ras_session_new_from_string(&sc, text, "t.ini", err, sizeof(err))
					     : ras_session_new(&sc, text, err, sizeof(err));
	if (!s->ss)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->ss);
	ras_session_info(s->ss, &s->info);
	CU_ASSERT_EQUAL_FATAL(ras_walker_parse(walker, &wc, err, sizeof(err)), 0);
	s->w = ras_walker_new(&wc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->w);

	/* No accent: both feet's cues alike. */
	ras_meter_default(&m);
	for (int i = 0; i < m.beats; i++)
		m.pattern[i] = RAS_BEAT_NORMAL;
	src = ras_tempomap_constant(&m, s->info.start_bpm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	s->replica = ras_schedule_new(REPLICA_CAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->replica);
	ras_schedule_append_copy(s->replica, ras_schedule_section(src, 0), 0, 0);
	s->imp = test_impulse(RATE);
	s->npsnd = ras_session_sound_count(s->ss);
	for (int i = 0; i < s->npsnd; i++) {
		const float v = 0.3f * (float)(i + 1);

		s->psnd[i] = ras_sound_from(&v, 1, RATE);
	}
	ras_engine_config_default(&ec);
	ec.rate = RATE;
	for (int i = 0; i < RAS_PART_COUNT; i++)
		ec.sound[i] = s->imp;
	ras_session_engine_config(s->ss, &ec);
	s->e = ras_engine_new(&ec, src);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->e);
	/* Before the engine starts: a cue-less first phase silences beat 0. */
	sim_poll(s);
	ras_engine_send(s->e, &start);
	s->quiet = 1;
	return s;
}

static void dump(const struct sim *s);

static void sim_free(struct sim *s)
{
	if (getenv("RASBEAT_TEST_VERBOSE"))
		dump(s);
	ras_engine_free(s->e);
	ras_session_free(s->ss);
	ras_walker_free(s->w);
	ras_schedule_free(s->replica);
	ras_sound_free(s->imp);
	for (int i = 0; i < s->npsnd; i++)
		ras_sound_free(s->psnd[i]);
}

/* Run until the session is over or `until` s. */
static void sim_run(struct sim *s, double until)
{
	while (!ras_session_done(s->ss) && s->frame < (int64_t)(until * RATE)) {
		uint32_t n = 64 + lcg(&s->seed) % 961;
		struct ras_beat b;
		struct ras_step st;

		ras_engine_process(s->e, lbuf, rbuf, n);
		for (uint32_t i = 0; i < n; i++) {
			if (fmaxf(lbuf[i], rbuf[i]) > 0.1f) {
				if (s->quiet > 0 && s->no < MAXB) {
					s->onset_l[s->no] = lbuf[i];
					s->onset_r[s->no] = rbuf[i];
					s->onset[s->no++] = s->frame + i;
				}
				s->quiet = 0;
			} else {
				s->quiet++;
			}
		}
		s->frame += n;
		while (ras_engine_next_beat(s->e, &b)) {
			if (s->nb < MAXB)
				s->beat[s->nb++] = b;
			rtcheck_arm();
			ras_session_beat(s->ss, &b);
			s->rt += rtcheck_disarm();
			if (b.audible)
				CU_ASSERT_EQUAL(ras_walker_hear(s->w, b.time + s->latency), 0);
		}
		while (ras_walker_next(s->w, (double)s->frame / RATE, &st)) {
			if (s->ns < MAXS)
				s->step[s->ns++] = st.time_ns * 1e-9;
			if (s->drop && s->ns % s->drop == 0)
				continue;
			rtcheck_arm();
			ras_session_step(s->ss, st.time_ns * 1e-9, st.foot);
			s->rt += rtcheck_disarm();
		}
		sim_poll(s);
	}
}

/*
 * No beat skipped or doubled, each on its frame, 60/tempo apart, audible
 * exactly as the commands in force say, and heard in the audio.
 */
static void check_run(const struct sim *s)
{
	int gap = 0, off = 0, interval = 0, heard = 0, sound = 0;
	bool paused = false;
	int every = 1;
	size_t c = 0, audible = 0, o = 0;

	CU_ASSERT_FATAL(s->nb > 10);
	CU_ASSERT(s->nb < MAXB);
	for (size_t i = 0; i < s->nb; i++) {
		const struct ras_beat *b = &s->beat[i];
		long double t = ras_schedule_time_at(s->replica, (long double)i);
		bool want;

		gap += b->index != (int64_t)i;
		off += b->frame != ras_time_to_frame(t, RATE) || fabsl(b->time - t) > 1e-9L;
		/* A command acts on the beats from its frame on. */
		for (; c < s->nc && s->cmd[c].frame <= b->frame; c++) {
			if (s->cmd[c].kind == RAS_CMD_PAUSE)
				paused = true;
			else if (s->cmd[c].kind == RAS_CMD_RESUME)
				paused = false;
			else if (s->cmd[c].kind == RAS_CMD_EVERY)
				every = (int)s->cmd[c].value;
		}
		want = !paused && (every == 1 || (every == 2 && i % 2 == 0));
		heard += b->audible != want;
		if (b->audible) {
			audible++;
			while (o < s->no && s->onset[o] < b->frame)
				o++;
			sound += o >= s->no || s->onset[o] != b->frame;
		}
		if (i > 0) {
			int k = ras_schedule_find_phase(s->replica, (long double)i - 1, 0);
			const struct ras_section *sec = ras_schedule_section(s->replica, k);
			double iv = b->time - s->beat[i - 1].time;

			if (sec && sec->kind == RAS_SECTION_CONST && sec->ph_end >= (long double)i)
				interval += fabs(iv * b->tempo / 60 - 1) > 1e-6;
		}
	}
	CU_ASSERT(ras_time_to_frame(ras_schedule_time_at(s->replica, (long double)s->nb), RATE) >=
		  s->frame - 1024);
	CU_ASSERT_EQUAL(gap, 0);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(interval, 0);
	CU_ASSERT_EQUAL(heard, 0);
	CU_ASSERT_EQUAL(sound, 0);
	CU_ASSERT_EQUAL(audible, s->no);
	CU_ASSERT_EQUAL(s->rt, 0);
	CU_ASSERT_EQUAL(s->refused, 0);
	CU_ASSERT_EQUAL(ras_engine_rejected(s->e), 0);
	CU_ASSERT_EQUAL(ras_engine_dropped(s->e), 0);
	if (gap || off || interval || heard || sound || s->rt)
		fprintf(stderr, "\ngap %d off %d interval %d heard %d sound %d rt %d\n", gap, off,
			interval, heard, sound, s->rt);
}

/* The n-th event of a kind (from 0), or NULL. */
static const struct ras_session_event *find(const struct sim *s, enum ras_session_event_kind kind,
					    int n)
{
	for (size_t i = 0; i < s->ne; i++)
		if (s->ev[i].kind == kind && n-- == 0)
			return &s->ev[i];
	return NULL;
}

static int count(const struct sim *s, enum ras_session_event_kind kind)
{
	int n = 0;

	for (size_t i = 0; i < s->ne; i++)
		n += s->ev[i].kind == kind;
	return n;
}

static void dump(const struct sim *s)
{
	for (size_t i = 0; i < s->ne; i++)
		fprintf(stderr, "  %7.2f  %s\n", s->ev[i].time, s->ev[i].text);
}

/* Beats in [t0, t1): how many, how many audible, and whether exactly the
 * even ones sounded. */
static void beats_in(const struct sim *s, double t0, double t1, int *n, int *aud, bool *even)
{
	int64_t f0 = ras_time_to_frame(t0, RATE), f1 = ras_time_to_frame(t1, RATE);

	*n = *aud = 0;
	*even = true;
	for (size_t i = 0; i < s->nb; i++) {
		const struct ras_beat *b = &s->beat[i];

		if (b->frame < f0 || b->frame >= f1)
			continue;
		(*n)++;
		*aud += b->audible;
		*even &= b->audible == (b->index % 2 == 0);
	}
}

/* Cue-less phases silent; a fade sounds every beat, every other, none
 * (with side=: every other, none). */
static void check_phases(const struct sim *s)
{
	for (size_t i = 0; i < s->ne; i++) {
		const struct ras_session_event *ev = &s->ev[i];
		const struct ras_phase *ph = ras_session_phase(s->ss, ev->phase);
		double end = s->frame / RATE;
		int n, aud;
		bool even;

		if (ev->kind != RAS_SESSION_PHASE)
			continue;
		for (size_t j = i + 1; j < s->ne; j++) {
			if (s->ev[j].kind == RAS_SESSION_PHASE || s->ev[j].kind == RAS_SESSION_END) {
				end = s->ev[j].time;
				break;
			}
		}
		beats_in(s, ev->time, end, &n, &aud, &even);
		CU_ASSERT(n > 0);
		if (ph->type == RAS_PHASE_BASELINE || ph->type == RAS_PHASE_POST) {
			CU_ASSERT_EQUAL(aud, 0);
		} else if (ph->type == RAS_PHASE_FADE) {
			int parts = s->info.side == RAS_FOOT_NONE ? 3 : 2;
			double third = ph->seconds / parts;

			CU_ASSERT_DOUBLE_EQUAL(end - ev->time, ph->seconds, 1e-9);
			if (parts == 3) {
				beats_in(s, ev->time, ev->time + third, &n, &aud, &even);
				CU_ASSERT(n > 5 && aud == n);
			}
			beats_in(s, end - 2 * third, end - third, &n, &aud, &even);
			CU_ASSERT(n > 5 && even && aud > 2 && abs(2 * aud - n) <= 1);
			beats_in(s, end - third, end, &n, &aud, &even);
			CU_ASSERT(n > 5 && aud == 0);
		} else if (s->info.side == RAS_FOOT_NONE) {
			CU_ASSERT_EQUAL(aud, n);
		} else {
			CU_ASSERT(even);
		}
	}
}

static const char protocol[] =
	"# the RAS protocol\n"
	"[session]\n"
	"name = test\n"
	"[walk]\n"
	"type = baseline\n"
	"steps = 20\n"
	"[cue]\n"
	"type = cue\n"
	"percent = 100\n"
	"seconds = 30\n"
	"[ramp]\n"
	"type = ramp\n"
	"step = 5\n"
	"every = 30\n"
	"max_percent = 115\n"
	"r_min = 0.8\n"
	"async_max_ms = 60\n"
	"window = 20\n"
	"seconds = 240\n"
	"[fade]\n"
	"type = fade\n"
	"seconds = 30\n"
	"[after]\n"
	"type = post\n"
	"seconds = 30\n";

static void test_parse(void)
{
	struct ras_session_info info;
	const struct ras_phase *ph;
	struct ras_session_status st;
	struct ras_session *s;
	char err[300];

	s = load(protocol, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ras_session_info(s, &info);
	CU_ASSERT_STRING_EQUAL(info.name, "test");
	CU_ASSERT_STRING_EQUAL(info.description, "");
	CU_ASSERT_PTR_NULL(info.sound);
	CU_ASSERT_EQUAL(info.side, RAS_FOOT_NONE);
	CU_ASSERT(isnan(info.tempo_bpm));
	CU_ASSERT_EQUAL(info.start_bpm, 100);
	CU_ASSERT_EQUAL(info.phases, 5);
	ph = ras_session_phase(s, 0);
	CU_ASSERT_STRING_EQUAL(ph->name, "walk");
	CU_ASSERT_EQUAL(ph->type, RAS_PHASE_BASELINE);
	CU_ASSERT_EQUAL(ph->steps, 20);
	CU_ASSERT_EQUAL(ph->seconds, 0);
	CU_ASSERT_EQUAL(ph->line, 5);
	ph = ras_session_phase(s, 2);
	CU_ASSERT_EQUAL(ph->type, RAS_PHASE_RAMP);
	CU_ASSERT_EQUAL(ph->step, 5);
	CU_ASSERT_EQUAL(ph->every, 30);
	CU_ASSERT_EQUAL(ph->max_percent, 115);
	CU_ASSERT_EQUAL(ph->r_min, 0.8);
	CU_ASSERT_EQUAL(ph->async_max_ms, 60);
	CU_ASSERT_EQUAL(ph->window, 20);
	CU_ASSERT_EQUAL(ph->seconds, 240);
	CU_ASSERT_EQUAL(ph->percent, 0);
	CU_ASSERT_EQUAL(ras_session_phase(s, 4)->type, RAS_PHASE_POST);
	CU_ASSERT_PTR_NULL(ras_session_phase(s, 5));
	CU_ASSERT_STRING_EQUAL(ras_phase_type_name(RAS_PHASE_FADE), "fade");
	ras_session_status(s, &st);
	CU_ASSERT_EQUAL(st.phase, -1);
	CU_ASSERT_FALSE(st.done);
	CU_ASSERT(isnan(st.reference_spm));
	{
		struct ras_cmd out[RAS_SESSION_CMD_MAX];

		CU_ASSERT_EQUAL(ras_session_poll(s, 0, out, RAS_SESSION_CMD_MAX - 1), -EINVAL);
		CU_ASSERT_EQUAL(ras_session_set_latency(s, -1), -EINVAL);
		CU_ASSERT_EQUAL(ras_session_set_latency(s, 0.02), 0);
		/* The first poll: the baseline silences beat 0. */
		CU_ASSERT_EQUAL(ras_session_poll(s, 0, out, RAS_SESSION_CMD_MAX), 1);
		CU_ASSERT_EQUAL(out[0].kind, RAS_CMD_PAUSE);
		CU_ASSERT_EQUAL(out[0].frame, 0);
		ras_session_status(s, &st);
		CU_ASSERT_EQUAL(st.phase, 0);
		CU_ASSERT_FALSE(st.cues);
	}
	ras_session_free(s);

	/* Defaults, [session] keys, a description over indented lines, the
	 * file's own comments, no baseline given a tempo. */
	s = load("; comment\n"
		 "[session]\n"
		 "description = Walk with\n"
		 "    the clicks.\n"
		 "  # indented comment\n"
		 "\tPlease.\n"
		 "tempo = 96.5\n"
		 "sound = woodblock\n"
		 "gain = -6\n"
		 "side = left\n"
		 "[r]\n"
		 "type = ramp\n"
		 "[c]\n"
		 "type = cue\n"
		 "seconds = 10\n",
		 err, sizeof(err));
	if (!s)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ras_session_info(s, &info);
	CU_ASSERT_STRING_EQUAL(info.name, "t");
	CU_ASSERT_STRING_EQUAL(info.description, "Walk with the clicks. Please.");
	CU_ASSERT_STRING_EQUAL(info.sound, "woodblock");
	CU_ASSERT_EQUAL(info.gain_db, -6);
	CU_ASSERT_EQUAL(info.side, RAS_FOOT_LEFT);
	CU_ASSERT_EQUAL(info.tempo_bpm, 96.5);
	CU_ASSERT_EQUAL(info.start_bpm, 96.5);
	ph = ras_session_phase(s, 0);
	CU_ASSERT_EQUAL(ph->step, 5);
	CU_ASSERT_EQUAL(ph->every, 60);
	CU_ASSERT_EQUAL(ph->max_percent, 115);
	CU_ASSERT_EQUAL(ph->r_min, 0.8);
	CU_ASSERT_EQUAL(ph->async_max_ms, 60);
	CU_ASSERT_EQUAL(ph->window, 20);
	CU_ASSERT_EQUAL(ras_session_phase(s, 1)->percent, 100);
	{
		struct ras_engine_config ec;

		ras_engine_config_default(&ec);
		ras_session_engine_config(s, &ec);
		CU_ASSERT_TRUE(ec.alternate);
		CU_ASSERT_EQUAL(ec.first_foot, RAS_FOOT_LEFT);
		CU_ASSERT_EQUAL(ec.pan, 1);
		CU_ASSERT_DOUBLE_EQUAL(ec.master, 0.501, 0.001);
	}
	ras_session_free(s);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "t.ini: no phases" },
		{ "[session]\nname = x\n", "t.ini: no phases" },
		{ "type = cue\n", "t.ini:1: type: outside a section" },
		{ "[a]\ntype = baseline\nsteps = 20\nfoo = 1\n", "t.ini:4: foo: unknown key" },
		{ "[a]\ntype = baseline\nsteps = twenty\n", "t.ini:3: steps: 'twenty' is not a number" },
		{ "[a]\ntype = baseline\nsteps = 20.5\n", "t.ini:3: steps: '20.5' is not a whole number" },
		{ "[a]\ntype = baseline\nseconds = 0x10\n", "t.ini:3: seconds: '0x10' is not a number" },
		{ "[a]\ntype = baseline\nseconds = 30 s\n", "t.ini:3: seconds: '30 s' is not a number" },
		{ "[a]\ntype = baseline\nseconds = nan\n", "t.ini:3: seconds: 'nan' is not a number" },
		{ "[a]\ntype = baseline\nsteps = 2\n", "t.ini:3: steps: 2 is outside 3..512" },
		{ "[a]\ntype = baseline\nsteps = 20\n[b]\ntype = cue\nseconds = 9\npercent = 500\n",
		  "t.ini:7: percent: 500 is outside 50..200 %" },
		{ "[a]\ntype = walk\n", "t.ini:2: type: 'walk' is not baseline, cue, ramp, fade or post" },
		{ "[a]\ntype = baseline\n\nsteps = 20\nsteps = 30\n",
		  "t.ini:5: steps: given twice (first on line 4)" },
		{ "[a]\ntype = baseline\nsteps = 20\n[b]\nseconds = 9\n",
		  "t.ini:5: type: missing in [b]" },
		{ "[a]\ntype = baseline\nsteps = 20\n[b]\ntype = cue\n",
		  "t.ini:5: seconds: a cue phase needs seconds=" },
		{ "[a]\ntype = baseline\n", "t.ini:2: steps: a baseline phase needs steps= or seconds=" },
		{ "[a]\ntype = baseline\nsteps = 20\n[b]\ntype = cue\nseconds = 9\nstep = 5\n",
		  "t.ini:7: step: not a key of cue phases" },
		{ "[a]\ntype = baseline\nsteps = 20\nwindow = 10\n",
		  "t.ini:4: window: not a key of baseline phases" },
		{ "[a]\ntype = cue\nseconds = 9\n",
		  "t.ini:2: type: a cue phase needs a baseline phase before it or tempo= in [session]" },
		{ "[a]\ntype = baseline\nsteps = 20\n[b]\ntype = ramp\npercent = 110\nmax_percent = 105\n",
		  "t.ini:7: max_percent: 105 is not above percent=110" },
		{ "[a]\ntype = baseline\nsteps = 20\n[b]\ntype = post\nseconds = 5\n[a]\ntype = post\n",
		  "t.ini:8: [a] appears twice (first on line 2)" },
		{ "[session]\nname = a\n[a]\ntype = baseline\nsteps = 20\n[session]\ntempo = 90\n",
		  "t.ini:7: [session] appears twice" },
		{ "[a]\ntype = baseline\nsteps = 20\nsound = click\n",
		  "t.ini:4: sound: not a key of baseline phases" },
		{ "[a]\ntype = baseline\nsteps = 20\ngain = -3\n",
		  "t.ini:4: gain: not a key of baseline phases" },
		{ "[a]\ntype = post\nsteps = 20\nside = L\n", "t.ini:4: side: not a key of post phases" },
		{ "[session]\ntempo = 90\n[a]\ntype = cue\nseconds = 9\nsound = nosuch.wav\n",
		  "t.ini:6: sound: 'nosuch.wav' is neither a built-in cue (click, woodblock, beep, tick) nor a readable file (No such file or directory)" },
		{ "[session]\ntempo = 90\n[a]\ntype = ramp\ngain = 20\n",
		  "t.ini:5: gain: 20 is outside -60..12 dB" },
		{ "[session]\ntempo = 90\n[a]\ntype = fade\nseconds = 9\nside = up\n",
		  "t.ini:6: side: 'up' is not L, R or both" },
		{ "[session]\nside = up\n[a]\ntype = baseline\nsteps = 20\n",
		  "t.ini:2: side: 'up' is not L, R or both" },
		{ "[session]\ncolour = red\n", "t.ini:2: colour: unknown key in [session]" },
		{ "[session]\ntempo = 1000\n", "t.ini:2: tempo: 1000 is outside 20..300 bpm" },
		{ "[a]\ntype = baseline\nsteps = 20\nthis line is wrong\n",
		  "t.ini:4: syntax error (expected [section] or key = value)" },
		{ "[a\ntype = baseline\n", "t.ini:1: syntax error" },
		{ "[a]\ntype = baseline\nsteps = 20\n  seconds = 30\n",
		  "t.ini:4: steps: indented line: only description=" },
		/* The first error wins, and inih's come in line order. */
		{ "[a]\ntype = baseline\nsteps = x\nbad line\n", "t.ini:3: steps: 'x' is not a number" },
		{ "[a]\nbad line\ntype = baseline\nsteps = x\n", "t.ini:2: syntax error" },
	};
	char err[300], text[400];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ras_session *s;

		err[0] = '\0';
		s = load(bad[i].text, err, sizeof(err));
		CU_ASSERT_PTR_NULL(s);
		CU_ASSERT_EQUAL(errno, EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg))) {
			fprintf(stderr, "\ncase %zu: got '%s', want '%s'\n", i, err, bad[i].msg);
			CU_FAIL("wrong message");
		}
		ras_session_free(s);
	}
	/* A line longer than inih reads. */
	snprintf(text, sizeof(text), "[session]\nname = %0250d\n", 7);
	CU_ASSERT_PTR_NULL(load(text, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:2: line too long"));
}

static void test_files(void)
{
	struct ras_session_config cfg;
	struct ras_session_info info;
	struct ras_session *s;
	char err[300];
	FILE *f;

	ras_session_config_default(&cfg);
	CU_ASSERT_PTR_NULL(ras_session_new(&cfg, test_path("none.ini"), err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.ini: No such file"));

	f = fopen(test_path("bad.ini"), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("[walk]\ntype = baseline\nseconds = -1\n", f);
	fclose(f);
	CU_ASSERT_PTR_NULL(ras_session_new(&cfg, test_path("bad.ini"), err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/bad.ini:3: seconds: -1 is outside 1..86400 s"));

	/* CRLF, a BOM, and the name from the file. */
	f = fopen(test_path("my-walk.ini"), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("\xEF\xBB\xBF[walk]\r\ntype = baseline\r\nseconds = 30\r\n", f);
	fclose(f);
	s = ras_session_new(&cfg, test_path("my-walk.ini"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ras_session_info(s, &info);
	CU_ASSERT_STRING_EQUAL(info.name, "my-walk");
	CU_ASSERT_EQUAL(ras_session_phase(s, 0)->seconds, 30);
	ras_session_free(s);

	cfg.rate = 10;
	CU_ASSERT_PTR_NULL(ras_session_new(&cfg, "presets/parkinsons-ras.ini", err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

/*
 * The walker's own cadence over a measured phase starting at t0: its steps
 * after `skip`, `steps` of them (0: all) before t1, by ras_cadence_window.
 */
static double walked(const struct sim *s, double t0, double t1, int skip, int steps)
{
	struct ras_step st[MAXS];
	size_t n = 0;
	int k = 0;
	double spm = NAN;

	for (size_t i = 0; i < s->ns && s->step[i] < t1; i++)
		if (s->step[i] >= t0 && ++k > skip && (!steps || k <= skip + steps))
			st[n++] = (struct ras_step){ .time_ns = llround(s->step[i] * 1e9) };
	CU_ASSERT_EQUAL(ras_cadence_window(st, n, INT64_MAX, n, 0, &spm), 0);
	return spm;
}

/*
 * The baseline within 1 step/min of the walker's cadence; cues at it. Over
 * 20 steps the walker's own cadence strays from its nominal 96 (seed 3
 * walks 94.9: the mean of 19 intervals with a 3 % CV has an SD of about
 * 0.6 steps/min), so the measure is held to what it walked, and to the
 * nominal cadence over 30 s and more.
 */
static void test_baseline(void)
{
	static const char *const texts[] = {
		"[walk]\ntype = baseline\nsteps = 20\n[cue]\ntype = cue\nseconds = 10\n",
		"[walk]\ntype = baseline\nseconds = 30\n[cue]\ntype = cue\nseconds = 10\n",
		"[walk]\ntype = baseline\nskip = 3\nsteps = 12\nseconds = 60\n[cue]\ntype = cue\npercent = 110\nseconds = 10\n",
	};

	for (int i = 0; i < 3; i++) {
		for (uint64_t seed = 1; seed <= 3; seed++) {
			char spec[100];
			struct sim *s;
			const struct ras_session_event *c, *p;
			struct ras_session_status st;
			double w;

			snprintf(spec, sizeof(spec), "cadence=96,cv=3,seed=%llu", (unsigned long long)seed);
			s = sim_new(texts[i], spec, 0);
			sim_run(s, 300);
			CU_ASSERT_TRUE(ras_session_done(s->ss));
			c = find(s, RAS_SESSION_CADENCE, 0);
			p = find(s, RAS_SESSION_PHASE, 1);
			CU_ASSERT_PTR_NOT_NULL_FATAL(c);
			CU_ASSERT_PTR_NOT_NULL_FATAL(p);
			w = i == 0 ? walked(s, 0, INFINITY, 0, 20) : i == 1 ? walked(s, 0, 30, 0, 0)
								     : walked(s, 0, 60, 3, 12);
			CU_ASSERT(fabs(c->cadence_spm - w) < 1);
			if (i == 1)
				CU_ASSERT(fabs(c->cadence_spm - 96) < 1);
			if (getenv("RASBEAT_TEST_VERBOSE") || !(fabs(c->cadence_spm - w) < 1))
				fprintf(stderr, "\ncase %d seed %d: %.2f, walked %.2f\n", i, (int)seed,
					c->cadence_spm, w);
			CU_ASSERT_DOUBLE_EQUAL(p->tempo_bpm, c->cadence_spm * (i == 2 ? 1.1 : 1), 1e-9);
			ras_session_status(s->ss, &st);
			CU_ASSERT_DOUBLE_EQUAL(st.reference_spm, c->cadence_spm, 1e-12);
			CU_ASSERT(strstr(c->text, "baseline: ") == c->text);
			if (i == 1)
				CU_ASSERT_DOUBLE_EQUAL(c->time, 30, 1e-9);
			check_run(s);
			check_phases(s);
			sim_free(s);
		}
	}
}

/* Missed steps (every 7th) leave double intervals: they do not count. */
static void test_missed_steps(void)
{
	struct sim *s = sim_new("[walk]\ntype = baseline\nseconds = 30\n[post]\ntype = post\nsteps = 20\n",
				"cadence=96,cv=3", 0);
	const struct ras_session_event *c;

	s->drop = 7;
	sim_run(s, 100);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	c = find(s, RAS_SESSION_CADENCE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(fabs(c->cadence_spm - walked(s, 0, 30, 0, 0)) < 1);
	CU_ASSERT(fabs(c->cadence_spm - 96) < 1);
	{
		/* Each unseen step merges two intervals into one left out. */
		int k = 0, d = 0, used = 0;

		for (size_t i = 0; i < s->ns && s->step[i] < 30; i++) {
			k++;
			d += (i + 1) % 7 == 0;
		}
		CU_ASSERT_EQUAL(sscanf(strchr(c->text, '('), "(%d intervals)", &used), 1);
		CU_ASSERT(d >= 4);
		CU_ASSERT_EQUAL(used, k - d - 1 - d);
	}
	c = find(s, RAS_SESSION_CADENCE, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(fabs(c->cadence_spm - 96) < 1.5);
	check_run(s);
	check_phases(s);
	sim_free(s);
}

/* A walker in time with the cues: the ramp climbs to the top, step by step. */
static void test_ramp_coupled(void)
{
	struct sim *s = sim_new(protocol, "cadence=96,cv=3,coupling=0.3,period=0.1", 0.02);
	const struct ras_session_event *c, *post, *top;
	double base;

	sim_run(s, 1200);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	c = find(s, RAS_SESSION_CADENCE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	base = c->cadence_spm;
	CU_ASSERT(fabs(base - 96) < 1);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_RAMP_UP), 3);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_RAMP_HELD), 0);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_PHASE), 5);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_END), 1);
	for (int i = 0; i < 3; i++) {
		const struct ras_session_event *up = find(s, RAS_SESSION_RAMP_UP, i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(up);
		CU_ASSERT_DOUBLE_EQUAL(up->tempo_bpm, base * (1.05 + 0.05 * i), 1e-9);
		CU_ASSERT(up->r >= 0.8 && fabs(up->asynchrony_ms) <= 60);
		CU_ASSERT(strstr(up->text, "ramp: +5 % to ") == up->text);
	}
	/* The first level was the cue phase: the ramp steps up at once. */
	CU_ASSERT_DOUBLE_EQUAL(find(s, RAS_SESSION_RAMP_UP, 0)->time, find(s, RAS_SESSION_PHASE, 2)->time,
			       1e-9);
	CU_ASSERT_DOUBLE_EQUAL(find(s, RAS_SESSION_RAMP_UP, 1)->time - find(s, RAS_SESSION_RAMP_UP, 0)->time,
			       30, 0.05);
	/* At the top for one more level, then the fade. */
	top = find(s, RAS_SESSION_RAMP_UP, 2);
	CU_ASSERT_DOUBLE_EQUAL(find(s, RAS_SESSION_PHASE, 3)->time - top->time, 30, 1e-9);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_FADE), 2);
	CU_ASSERT(strstr(find(s, RAS_SESSION_FADE, 0)->text, "every other") != NULL);
	/* The walker keeps the period it adopted: the post-test shows it. */
	post = find(s, RAS_SESSION_CADENCE, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(post);
	CU_ASSERT(post->cadence_spm > base * 1.08);
	CU_ASSERT(strstr(post->text, "post-test: ") == post->text);
	check_run(s);
	check_phases(s);
	if (count(s, RAS_SESSION_RAMP_UP) != 3)
		dump(s);
	sim_free(s);
}

/* A walker deaf to the cues: synchronization fails and the ramp holds. */
static void test_ramp_uncoupled(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		char spec[100];
		struct sim *s;
		const struct ras_session_event *held;
		struct ras_session_status st;
		int ups;

		snprintf(spec, sizeof(spec), "cadence=96,cv=3,coupling=0,seed=%llu", (unsigned long long)seed);
		s = sim_new(protocol, spec, 0);
		sim_run(s, 1200);
		CU_ASSERT_TRUE(ras_session_done(s->ss));
		ups = count(s, RAS_SESSION_RAMP_UP);
		held = find(s, RAS_SESSION_RAMP_HELD, 0);
		CU_ASSERT(ups < 3);
		CU_ASSERT_PTR_NOT_NULL_FATAL(held);
		CU_ASSERT(held->r < 0.8 || fabs(held->asynchrony_ms) > 60);
		CU_ASSERT(strstr(held->text, "ramp held: ") == held->text);
		/* Held until the phase's time ran out: 240 s. */
		CU_ASSERT_DOUBLE_EQUAL(find(s, RAS_SESSION_PHASE, 3)->time - find(s, RAS_SESSION_PHASE, 2)->time,
				       240, 0.1);
		ras_session_status(s->ss, &st);
		CU_ASSERT(st.tempo_bpm < 1.15 * st.reference_spm - 1e-6);
		if (ups >= 3 || !held)
			dump(s);
		check_run(s);
		check_phases(s);
		sim_free(s);
	}
}

/* side=R: only the right-hand cues, every other beat, through the fade. */
static void test_side(void)
{
	static const char text[] = "[session]\nside = R\n"
				   "[walk]\ntype = baseline\nseconds = 20\n"
				   "[cue]\ntype = cue\nseconds = 30\n"
				   "[ramp]\ntype = ramp\nevery = 30\nmax_percent = 110\n"
				   "[fade]\ntype = fade\nseconds = 20\n"
				   "[post]\ntype = post\nseconds = 10\n";
	struct sim *s = sim_new(text, "cadence=96,cv=3,coupling=0.3,period=0.1", 0);
	int wrong = 0, aud = 0;

	sim_run(s, 1200);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	for (size_t i = 0; i < s->nb; i++) {
		if (s->beat[i].audible) {
			aud++;
			wrong += s->beat[i].foot != RAS_FOOT_RIGHT || s->beat[i].index % 2;
		}
	}
	CU_ASSERT(aud > 30);
	CU_ASSERT_EQUAL(wrong, 0);
	/* In time with one cue a stride, measured against every beat. */
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_RAMP_UP), 2);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_FADE), 1);
	CU_ASSERT(strstr(find(s, RAS_SESSION_FADE, 0)->text, "no cues") != NULL);
	if (count(s, RAS_SESSION_RAMP_UP) != 2)
		dump(s);
	check_run(s);
	check_phases(s);
	sim_free(s);
}

/* Per-phase sound, gain and side, heard as set: the level and the channels
 * of every onset match its phase's. */
static void test_phase_voice(void)
{
	static const char text[] = "[session]\ntempo = 100\n"
				   "[a]\ntype = cue\nseconds = 10\n"
				   "[b]\ntype = cue\nseconds = 10\nsound = woodblock\ngain = -6\n"
				   "[c]\ntype = cue\nseconds = 10\nsound = beep\nside = R\n"
				   "[d]\ntype = ramp\nevery = 10\nmax_percent = 105\n"
				   "sound = woodblock\ngain = 6\nside = both\n"
				   "[e]\ntype = fade\nseconds = 9\n";
	/* left, right level per phase: a impulse 0.5, woodblock 0.3, beep 0.6 */
	const float lo = 0.3f * ras_db_to_gain(-6), hi = 0.3f * ras_db_to_gain(6);
	const float want[][2] = {
		{ 0.5f, 0.5f }, { lo, lo }, { 0, 0.6f }, { hi, hi }, { 0.5f, 0.5f },
	};
	struct sim *s = sim_new(text, "cadence=100,cv=2,coupling=0.5,period=0.1", 0);
	int per[5] = { 0 }, wrong = 0, line = 0, beats_c = 0;

	CU_ASSERT_EQUAL(ras_session_sound_count(s->ss), 2);
	CU_ASSERT_STRING_EQUAL(ras_session_sound_name(s->ss, 0, &line), "woodblock");
	CU_ASSERT_EQUAL(line, 9);
	CU_ASSERT_STRING_EQUAL(ras_session_sound_name(s->ss, 1, NULL), "beep");
	CU_ASSERT_PTR_NULL(ras_session_sound_name(s->ss, 2, NULL));
	CU_ASSERT_EQUAL(ras_session_phase(s->ss, 0)->sound, -1);
	CU_ASSERT_EQUAL(ras_session_phase(s->ss, 2)->side, RAS_FOOT_RIGHT);
	CU_ASSERT_EQUAL(ras_session_phase(s->ss, 4)->side, RAS_FOOT_NONE);
	sim_run(s, 600);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_PHASE), 5);
	for (size_t i = 0; i < s->no; i++) {
		int p = 0;

		for (int k = 1; k < 5; k++)
			if (find(s, RAS_SESSION_PHASE, k) &&
			    s->onset[i] >= ras_time_to_frame(find(s, RAS_SESSION_PHASE, k)->time, RATE))
				p = k;
		per[p]++;
		if (fabsf(s->onset_l[i] - want[p][0]) > 1e-5f ||
		    fabsf(s->onset_r[i] - want[p][1]) > 1e-5f) {
			wrong++;
			fprintf(stderr, "\nonset %zu phase %d: %g %g\n", i, p, s->onset_l[i],
				s->onset_r[i]);
		}
	}
	for (int p = 0; p < 5; p++)
		CU_ASSERT(per[p] >= 7);
	CU_ASSERT_EQUAL(wrong, 0);
	/* side=R: every other beat only, the even ones (on the right foot). */
	for (size_t i = 0; i < s->nb; i++) {
		double t2 = find(s, RAS_SESSION_PHASE, 2)->time, t3 = find(s, RAS_SESSION_PHASE, 3)->time;

		if (s->beat[i].time >= t2 && s->beat[i].time < t3) {
			beats_c++;
			CU_ASSERT_EQUAL(s->beat[i].audible, s->beat[i].index % 2 == 0);
			if (s->beat[i].audible)
				CU_ASSERT_EQUAL(s->beat[i].foot, RAS_FOOT_RIGHT);
		}
	}
	CU_ASSERT(beats_c >= 15);
	CU_ASSERT(abs(per[2] - beats_c / 2) <= 1);
	/* The fade after a one-sided phase thins out from every beat again. */
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_FADE), 2);
	check_run(s);
	sim_free(s);
}

/* No steps in the baseline: the session stops, or goes on at tempo=. */
static void test_no_baseline(void)
{
	static const char text[] = "[walk]\ntype = baseline\nseconds = 10\n"
				   "[cue]\ntype = cue\nseconds = 10\n";
	struct sim *s = sim_new(text, "cadence=96,start=100", 0);
	struct ras_session_status st;

	sim_run(s, 100);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_ABORT), 1);
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_PHASE), 1);
	CU_ASSERT(strstr(find(s, RAS_SESSION_ABORT, 0)->text, "too few steps (0)") != NULL);
	check_run(s);
	sim_free(s);

	s = sim_new("[session]\ntempo = 90\n[walk]\ntype = baseline\nseconds = 10\n"
		    "[cue]\ntype = cue\nseconds = 10\n", "cadence=96,start=100", 0);
	sim_run(s, 100);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	CU_ASSERT_EQUAL(count(s, RAS_SESSION_ABORT), 0);
	CU_ASSERT(isnan(find(s, RAS_SESSION_CADENCE, 0)->cadence_spm));
	CU_ASSERT(strstr(find(s, RAS_SESSION_CADENCE, 0)->text, "the reference stays") != NULL);
	CU_ASSERT_DOUBLE_EQUAL(find(s, RAS_SESSION_PHASE, 1)->tempo_bpm, 90, 1e-9);
	ras_session_status(s->ss, &st);
	CU_ASSERT_EQUAL(st.reference_spm, 90);
	check_run(s);
	check_phases(s);
	sim_free(s);
}

/* Every preset loads and runs to its end with a walker in time. */
static void test_presets(void)
{
	static const char *const need[] = { "presets/10m-walk-baseline.ini",
					    "presets/parkinsons-ras.ini",
					    "presets/stroke-paretic.ini" };
	glob_t g;

	CU_ASSERT_EQUAL_FATAL(glob("presets/*.ini", 0, NULL, &g), 0);
	for (int i = 0; i < 3; i++) {
		bool found = false;

		for (size_t j = 0; j < g.gl_pathc; j++)
			found |= !strcmp(g.gl_pathv[j], need[i]);
		CU_ASSERT_TRUE(found);
	}
	for (size_t j = 0; j < g.gl_pathc; j++) {
		if (ras_program_probe(g.gl_pathv[j]))
			continue;	/* a movement program: test_program.c */
		struct sim *s = sim_new(g.gl_pathv[j], "cadence=96,cv=3,coupling=0.3,period=0.1", 0);
		const struct ras_session_event *c;

		CU_ASSERT(strlen(s->info.name) > 0);
		CU_ASSERT(strlen(s->info.description) > 0);
		sim_run(s, 1800);
		CU_ASSERT_TRUE(ras_session_done(s->ss));
		CU_ASSERT_EQUAL(count(s, RAS_SESSION_RAMP_HELD), 0);
		c = find(s, RAS_SESSION_CADENCE, 0);
		CU_ASSERT_PTR_NOT_NULL(c);
		CU_ASSERT(c && fabs(c->cadence_spm - 96) < 1);
		CU_ASSERT_EQUAL(count(s, RAS_SESSION_ABORT), 0);
		if (getenv("RASBEAT_TEST_VERBOSE"))
			fprintf(stderr, "\n%s (%.0f s):\n", g.gl_pathv[j], s->frame / RATE);
		check_run(s);
		check_phases(s);
		sim_free(s);
	}
	globfree(&g);
}

/* The operator ends a phase early: the next begins at once, a baseline is
 * measured over the steps it has; nothing before the start or after the end. */
static void test_operator_next(void)
{
	static const char text[] = "[walk]\ntype = baseline\nseconds = 60\n"
				   "[cue]\ntype = cue\nseconds = 60\n[post]\ntype = post\nseconds = 30\n";
	struct sim *s = sim_new(text, "cadence=100,cv=2,seed=5", 0);
	const struct ras_session_event *skip, *cad, *cue;

	sim_run(s, 20);
	CU_ASSERT_EQUAL(ras_session_next(s->ss, (double)s->frame / RATE), 0);
	sim_run(s, 40);
	skip = find(s, RAS_SESSION_SKIP, 0);
	cad = find(s, RAS_SESSION_CADENCE, 0);
	cue = find(s, RAS_SESSION_PHASE, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(skip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cad);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cue);
	CU_ASSERT_PTR_NOT_NULL(strstr(skip->text, "walk: ended by the operator"));
	CU_ASSERT(fabs(skip->time - 20) < 0.03);
	CU_ASSERT(cue->time >= skip->time && cue->time < skip->time + 0.2);
	CU_ASSERT(fabs(cad->cadence_spm - 100) < 3);
	/* The cue phase plays at the baseline measured over 20 s. */
	CU_ASSERT_DOUBLE_EQUAL(cue->tempo_bpm, cad->cadence_spm, 1e-9);
	sim_run(s, 300);
	CU_ASSERT_TRUE(ras_session_done(s->ss));
	CU_ASSERT_EQUAL(ras_session_next(s->ss, 300), -EINVAL);
	check_run(s);
	sim_free(s);
}

void test_session_register(void)
{
	TEST_SUITE("session",
		   { "parse", test_parse },
		   { "parse errors name file:line: key", test_parse_errors },
		   { "files", test_files },
		   { "baseline within 1 spm of the walker", test_baseline },
		   { "missed steps", test_missed_steps },
		   { "ramp climbs with a walker in time", test_ramp_coupled },
		   { "ramp holds with a walker out of time", test_ramp_uncoupled },
		   { "side: cues on one side only", test_side },
		   { "per-phase sound, gain and side heard", test_phase_voice },
		   { "no steps in the baseline", test_no_baseline },
		   { "presets", test_presets },
		   { "the operator moves to the next phase", test_operator_next });
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MIDI music: the Standard MIDI File reader on hand-built bytes, groove
 * files, and FluidSynth playing a score frame-exact under a tempo ramp.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/midi.h"
#include "rasbeat/tempomap.h"
#include "rtcheck.h"
#include "testutil.h"

#define RATE 48000
#define TIMGM "/usr/share/sounds/sf2/TimGM6mb.sf2"

/* ---- building files ---- */

struct bytes {
	uint8_t b[65536];
	size_t n;
};

static void put(struct bytes *o, const uint8_t *p, size_t n)
{
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

#define PUT(o, ...)                                          \
	do {                                                 \
		const uint8_t b_[] = { __VA_ARGS__ };        \
		put(o, b_, sizeof(b_));                      \
	} while (0)

static void varlen(struct bytes *o, uint32_t v)
{
	uint8_t t[5];
	int n = 0;

	t[n++] = v & 0x7f;
	while (v >>= 7)
		t[n++] = 0x80 | (v & 0x7f);
	while (n)
		PUT(o, t[--n]);
}

static void header(struct bytes *o, int format, int ntracks, int division)
{
	PUT(o, 'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, (uint8_t)format, 0, (uint8_t)ntracks,
	    (uint8_t)(division >> 8), (uint8_t)division);
}

/* Wrap the track body t into an MTrk chunk. */
static void track(struct bytes *o, const struct bytes *t)
{
	PUT(o, 'M', 'T', 'r', 'k', (uint8_t)(t->n >> 24), (uint8_t)(t->n >> 16),
	    (uint8_t)(t->n >> 8), (uint8_t)t->n);
	put(o, t->b, t->n);
}

static int parse(const struct bytes *o, struct ras_midi **m, char *err)
{
	return ras_midi_parse_smf(o->b, o->n, "t.mid", m, err, 256);
}

static const struct ras_midi_event *ev(const struct ras_midi *m, size_t i)
{
	static const struct ras_midi_event none = { -1, 0, 0, 0 };
	const struct ras_midi_event *e = ras_midi_event(m, i);

	return e ? e : &none;
}

/* ---- the reader ---- */

static void test_format0(void)
{
	static struct bytes o, t;
	struct ras_midi *m;
	char err[256];

	o.n = t.n = 0;
	header(&o, 0, 1, 96);
	PUT(&t, 0, 0xc0, 5);			/* program 5 */
	PUT(&t, 0, 0x90, 60, 100);		/* C4 on */
	PUT(&t, 0x60, 60, 0);			/* running status, velocity 0: off, beat 1 */
	PUT(&t, 0, 62, 80);			/* running status: D4 on at beat 1 */
	PUT(&t, 0, 0xff, 0x51, 3, 7, 0xa1, 0x20);	/* a tempo: ignored */
	PUT(&t, 0x81, 0x40, 0x80, 62, 64);	/* 192 ticks later: D4 off, beat 3 */
	PUT(&t, 0, 0xe0, 0x00, 0x40);		/* bend centre */
	PUT(&t, 0, 0xff, 0x2f, 0);
	track(&o, &t);
	CU_ASSERT_EQUAL_FATAL(parse(&o, &m, err), 0);
	CU_ASSERT_EQUAL_FATAL(ras_midi_count(m), 6);
	CU_ASSERT_EQUAL(ev(m, 0)->status, 0xc0);
	CU_ASSERT_EQUAL(ev(m, 0)->data1, 5);
	CU_ASSERT_EQUAL(ev(m, 1)->status, 0x90);
	CU_ASSERT_EQUAL(ev(m, 1)->beat, 0);
	CU_ASSERT_EQUAL(ev(m, 2)->status, 0x80);	/* velocity 0 became an off, before the on */
	CU_ASSERT_EQUAL(ev(m, 2)->data1, 60);
	CU_ASSERT_EQUAL(ev(m, 2)->beat, 1);
	CU_ASSERT_EQUAL(ev(m, 3)->status, 0x90);
	CU_ASSERT_EQUAL(ev(m, 3)->data1, 62);
	CU_ASSERT_EQUAL(ev(m, 3)->data2, 80);
	CU_ASSERT_EQUAL(ev(m, 4)->status, 0x80);	/* at beat 3 the off before the bend */
	CU_ASSERT_EQUAL(ev(m, 4)->beat, 3);
	CU_ASSERT_EQUAL(ev(m, 5)->status, 0xe0);
	CU_ASSERT_EQUAL(ev(m, 5)->data2, 0x40);
	CU_ASSERT_EQUAL(ras_midi_bar(m), 4);
	CU_ASSERT_EQUAL(ras_midi_length(m), 4);	/* 3 beats: one whole bar */
	ras_midi_free(m);
}

static void test_format1_merge(void)
{
	static struct bytes o, t;
	struct ras_midi *m;
	char err[256];
	double last = -1;

	o.n = 0;
	header(&o, 1, 3, 480);
	t.n = 0;				/* a conductor track: 3/4, a tempo */
	PUT(&t, 0, 0xff, 0x58, 4, 3, 2, 24, 8);
	PUT(&t, 0, 0xff, 0x51, 3, 0x07, 0xa1, 0x20);
	PUT(&t, 0, 0xff, 0x2f, 0);
	track(&o, &t);
	t.n = 0;				/* channel 1 on every beat */
	for (int i = 0; i < 4; i++) {
		varlen(&t, i ? 240 : 0);
		PUT(&t, 0x91, 40, 90);
		varlen(&t, 240);
		PUT(&t, 0x81, 40, 0);
	}
	PUT(&t, 0, 0xff, 0x2f, 0);
	track(&o, &t);
	t.n = 0;				/* channel 2 on the off-beats, sysex first */
	PUT(&t, 0, 0xf0, 3, 0x7e, 0x7f, 0xf7);
	varlen(&t, 240);
	for (int i = 0; i < 4; i++) {
		PUT(&t, 0x92, 50, 70);
		varlen(&t, 240);
		PUT(&t, 0x82, 50, 0);
		if (i < 3)
			varlen(&t, 240);
	}
	varlen(&t, 2880);			/* the track runs on to tick 4800: 10 beats */
	PUT(&t, 0xff, 0x2f, 0);
	track(&o, &t);
	CU_ASSERT_EQUAL_FATAL(parse(&o, &m, err), 0);
	CU_ASSERT_EQUAL_FATAL(ras_midi_count(m), 16);
	for (size_t i = 0; i < 16; i++) {
		const struct ras_midi_event *e = ev(m, i);

		CU_ASSERT(e->beat >= last);
		last = e->beat;
		/* beat k/2: channel 1 on whole beats, channel 2 on halves */
		if ((e->status & 0xf0) == 0x90)
			CU_ASSERT_EQUAL(e->status & 0x0f, fmod(e->beat, 1) == 0 ? 1 : 2);
	}
	CU_ASSERT_EQUAL(ev(m, 0)->beat, 0);
	CU_ASSERT_EQUAL(ev(m, 15)->beat, 4);
	CU_ASSERT_EQUAL(ras_midi_bar(m), 3);		/* 3/4 */
	CU_ASSERT_EQUAL(ras_midi_length(m), 12);	/* 10 beats: 4 bars of 3 */
	ras_midi_free(m);
}

/* A valid one-track file with body t; then the body is damaged by the
 * caller. */
static void one_track(struct bytes *o, const struct bytes *t)
{
	o->n = 0;
	header(o, 0, 1, 96);
	track(o, t);
}

#define EXPECT_ERR(o, msg)                                                        \
	do {                                                                      \
		struct ras_midi *m_ = NULL;                                       \
		char e_[256] = "";                                                \
		CU_ASSERT_EQUAL(parse(o, &m_, e_), -EINVAL);                      \
		CU_ASSERT_PTR_NULL(m_);                                           \
		if (!strstr(e_, msg))                                             \
			fprintf(stderr, "\n  got '%s', want '%s'\n", e_, msg);    \
		CU_ASSERT_PTR_NOT_NULL(strstr(e_, msg));                          \
	} while (0)

static void test_errors(void)
{
	static struct bytes o, t;

	t.n = 0;
	PUT(&t, 0, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0, 0xff, 0x2f, 0);
	one_track(&o, &t);
	{
		struct ras_midi *m;
		char err[256];

		CU_ASSERT_EQUAL_FATAL(parse(&o, &m, err), 0);
		ras_midi_free(m);
	}
	o.b[0] = 'R';
	EXPECT_ERR(&o, "t.mid: byte 0: not a Standard MIDI File");
	one_track(&o, &t);
	o.b[7] = 200;
	EXPECT_ERR(&o, "t.mid: byte 4: header length 200");
	one_track(&o, &t);
	o.b[9] = 2;
	EXPECT_ERR(&o, "t.mid: byte 8: format 2");
	one_track(&o, &t);
	o.b[11] = 2;
	EXPECT_ERR(&o, "t.mid: byte 10: 2 tracks in a format 0 file");
	one_track(&o, &t);
	o.b[12] = 0xe7;				/* -25 fps, 40 subframes */
	o.b[13] = 0x28;
	EXPECT_ERR(&o, "t.mid: byte 12: SMPTE time division");
	one_track(&o, &t);
	o.b[12] = o.b[13] = 0;
	EXPECT_ERR(&o, "byte 12: 0 ticks per quarter note");
	/* truncated: the chunk says 12 bytes, 8 are there */
	one_track(&o, &t);
	o.n -= 4;
	EXPECT_ERR(&o, "t.mid: byte 18: chunk of 12 bytes runs past the end of the file (8 left): truncated");
	/* a header and nothing else */
	o.n = 14;
	EXPECT_ERR(&o, "t.mid: byte 14: the file ends after 0 of 1 tracks");
	o.n = 17;
	EXPECT_ERR(&o, "(a truncated chunk header)");
	/* varlen of 5 bytes as the first delta (track data start at byte 22) */
	{
		static struct bytes b;

		b.n = 0;
		PUT(&b, 0xff, 0xff, 0xff, 0xff, 0x00, 0x90, 60, 100, 0, 0xff, 0x2f, 0);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 22: delta time: variable-length number longer than 4 bytes");
		b.n = 0;
		PUT(&b, 0, 0x90, 60, 100, 0x81, 0x80);	/* the track ends inside a delta */
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 26: delta time: the track ends inside a variable-length number");
		b.n = 0;
		PUT(&b, 0, 60, 100, 0, 0xff, 0x2f, 0);	/* no running status yet */
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 23: data byte 0x3c without a status");
		b.n = 0;
		PUT(&b, 0, 0x90, 60, 0xe4, 0, 0xff, 0x2f, 0);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 25: data byte 0xe4 has its top bit set");
		b.n = 0;
		PUT(&b, 0, 0x90, 60, 100, 0, 0x80, 60, 0);	/* no end of track */
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 30: track 1 ends without an end-of-track event");
		b.n = 0;
		PUT(&b, 0, 0x90, 60);			/* ends inside an event */
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 25: the track ends inside an event");
		b.n = 0;
		PUT(&b, 0, 0xf8, 0, 0xff, 0x2f, 0);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 23: status byte 0xf8 does not belong in a file");
		b.n = 0;
		PUT(&b, 0, 0xff, 0x01, 20, 'a', 0, 0xff, 0x2f, 0);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 23: meta event 0x01 of 20 bytes runs past the track's end");
		b.n = 0;
		PUT(&b, 0, 0xf0, 0x7f, 1, 0xff, 0x2f, 0);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 23: sysex of 127 bytes runs past the track's end");
		b.n = 0;
		PUT(&b, 0, 0xff, 0x2f, 0, 0, 0x90, 60, 100);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 26: 4 bytes after the end of track 1");
		b.n = 0;
		PUT(&b, 0, 0xff, 0x58, 4, 0, 2, 24, 8, 0, 0xff, 0x2f, 0);
		one_track(&o, &b);
		EXPECT_ERR(&o, "t.mid: byte 23: time signature 0/2^2 is not a meter");
	}
}

/* Every truncation and every one-byte change of a valid file: an error or
 * a score, never a crash (the fuzzer will do this at scale). */
static void test_damage(void)
{
	static struct bytes o, t;
	static uint8_t copy[65536];
	int ok = 0, bad = 0;

	t.n = 0;
	PUT(&t, 0, 0xc0, 5, 0, 0x90, 60, 100, 0x60, 60, 0, 0, 0xff, 0x58, 4, 6, 3, 24, 8);
	PUT(&t, 0, 0xf0, 2, 1, 0xf7, 0x81, 0x40, 0xb0, 7, 100, 0, 0xff, 0x2f, 0);
	one_track(&o, &t);
	for (size_t len = 0; len <= o.n; len++) {
		struct ras_midi *m;
		char err[256];
		int ret = ras_midi_parse_smf(o.b, len, "t.mid", &m, err, sizeof(err));

		CU_ASSERT(len == o.n ? ret == 0 : ret == -EINVAL);
		ras_midi_free(m);
	}
	for (size_t i = 0; i < o.n; i++)
		for (int v = 0; v < 256; v += 7) {
			struct ras_midi *m;
			char err[256];
			int ret;

			memcpy(copy, o.b, o.n);
			copy[i] = (uint8_t)v;
			ret = ras_midi_parse_smf(copy, o.n, "t.mid", &m, err, sizeof(err));
			CU_ASSERT(ret == 0 || ret == -EINVAL);
			CU_ASSERT(ret == 0 ? m != NULL : m == NULL);
			ret ? bad++ : ok++;
			if (!ret)
				CU_ASSERT(ras_midi_length(m) > 0 && isfinite(ras_midi_length(m)));
			ras_midi_free(m);
		}
	CU_ASSERT(ok > 0 && bad > 0);
}

static void test_load_file(void)
{
	static struct bytes o, t;
	struct ras_midi *m;
	char err[256];
	FILE *f;

	t.n = 0;
	PUT(&t, 0, 0x99, 42, 100, 0x60, 42, 0, 0, 0xff, 0x2f, 0);
	one_track(&o, &t);
	f = fopen(test_path("song.mid"), "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(o.b, 1, o.n, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(ras_midi_load(test_path("song.mid"), &m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ras_midi_count(m), 2);
	ras_midi_free(m);
	CU_ASSERT_EQUAL(ras_midi_load(test_path("none.mid"), &m, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.mid: No such file"));
	f = fopen(test_path("bad.mid"), "wb");
	fputs("RIFF....", f);
	fclose(f);
	CU_ASSERT_EQUAL(ras_midi_load(test_path("bad.mid"), &m, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.mid: byte 0: not a Standard MIDI File"));
}

/* ---- grooves ---- */

static struct ras_midi *groove(const char *text, char *err)
{
	struct ras_midi *m = NULL;
	int ret = ras_midi_parse_groove(text, "g.groove", &m, err, 256);

	if (ret)
		CU_ASSERT_PTR_NULL(m);
	return m;
}

/* Events of a kind on a channel, their beats in order. */
static int collect(const struct ras_midi *m, uint8_t status, double *beat, uint8_t *key,
		   uint8_t *vel, int max)
{
	int n = 0;

	for (size_t i = 0; i < ras_midi_count(m); i++) {
		const struct ras_midi_event *e = ras_midi_event(m, i);

		if (e->status != status)
			continue;
		if (n < max) {
			beat[n] = e->beat;
			key[n] = e->data1;
			vel[n] = e->data2;
		}
		n++;
	}
	return n;
}

static void test_groove_parse(void)
{
	char err[256] = "";
	double b[64];
	uint8_t k[64], v[64];
	struct ras_midi *m = groove("# a test\n"
				    "[groove]\n"
				    "meter = 4/4\n"
				    "steps = 2\n"
				    "bars = 2\n"
				    "\n"
				    "[kick]\n"
				    "drum = 36\n"
				    "velocity = 100\n"
				    "accent = 120\n"
				    "pattern = X. x. | x. o.\n"
				    "[bass]\n"
				    "program = 33\n"
				    "gate = 0.5\n"
				    "volume = 90\n"
				    "bar1 = C2 - . . G1 . Bb1! .\n"
				    "bar2 = C2 . . . . . . .\n"
				    "[keys]\n"
				    "program = 5\n"
				    "chords = yes\n"
				    "octave = 3\n"
				    "pattern = Am - - - - - - -\n"
				    "  ; a comment\n"
				    "bar2 = F#m7 . . .\n"
				    "  . . Cadd9! .\n",
				    err);

	if (!m)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(ras_midi_length(m), 8);
	CU_ASSERT_EQUAL(ras_midi_bar(m), 4);
	/* kick: beats 0, 1, 2, 3 of each bar; X accent, o half */
	CU_ASSERT_EQUAL(collect(m, 0x99, b, k, v, 64), 8);
	CU_ASSERT_EQUAL(b[0], 0);
	CU_ASSERT_EQUAL(b[7], 7);
	CU_ASSERT_EQUAL(k[0], 36);
	CU_ASSERT_EQUAL(v[0], 120);
	CU_ASSERT_EQUAL(v[1], 100);
	CU_ASSERT_EQUAL(v[3], 50);
	/* bass on channel 0: C2 held 2 steps (1 beat), gate 0.5 */
	CU_ASSERT_EQUAL(collect(m, 0x90, b, k, v, 64), 4);
	CU_ASSERT_EQUAL(k[0], 36);
	CU_ASSERT_EQUAL(b[1], 2);
	CU_ASSERT_EQUAL(k[1], 31);		/* G1 */
	CU_ASSERT_EQUAL(k[2], 34);		/* Bb1 */
	CU_ASSERT_EQUAL(v[2], 114);		/* accent: velocity 90 + 24 */
	CU_ASSERT_EQUAL(b[3], 4);
	CU_ASSERT_EQUAL(collect(m, 0x80, b, k, v, 64), 4);
	CU_ASSERT_EQUAL(b[0], 0.5);		/* 1 beat x gate 0.5 */
	CU_ASSERT_EQUAL(b[3], 4.25);		/* one step, gate 0.5 */
	CU_ASSERT_EQUAL(collect(m, 0xc0, b, k, v, 64), 1);
	CU_ASSERT_EQUAL(k[0], 32);		/* GM program 33 is 32 on the wire */
	CU_ASSERT_EQUAL(collect(m, 0xb0, b, k, v, 64), 1);
	CU_ASSERT_EQUAL(k[0], 7);
	CU_ASSERT_EQUAL(v[0], 90);
	/* keys on channel 1: Am in octave 3 for a whole bar, then F#m7, Cadd9 */
	CU_ASSERT_EQUAL(collect(m, 0x91, b, k, v, 64), 3 + 4 + 4);
	CU_ASSERT_EQUAL(k[0], 57);
	CU_ASSERT_EQUAL(k[1], 60);
	CU_ASSERT_EQUAL(k[2], 64);
	CU_ASSERT_EQUAL(b[3], 4);
	CU_ASSERT_EQUAL(k[3], 54);		/* F#3 */
	CU_ASSERT_EQUAL(k[6], 64);
	CU_ASSERT_EQUAL(b[7], 7);
	CU_ASSERT_EQUAL(k[10], 62);		/* C3 + 14 */
	CU_ASSERT_EQUAL(collect(m, 0x81, b, k, v, 64), 11);
	CU_ASSERT_EQUAL(b[0], 4 * 0.9);		/* a whole bar, default gate */
	/* the kit, on the drum channel */
	CU_ASSERT_EQUAL(collect(m, 0xc9, b, k, v, 64), 1);
	CU_ASSERT_EQUAL(k[0], 0);
	ras_midi_free(m);
}

static void test_groove_swing(void)
{
	char err[256] = "";
	double b[16];
	uint8_t k[16], v[16];
	struct ras_midi *m = groove("[groove]\nmeter = 2/4\nsteps = 2\nswing = 75\nkit = 40\n"
				    "[hat]\ndrum = 42\npattern = xxxx\n",
				    err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(ras_midi_length(m), 2);
	CU_ASSERT_EQUAL(collect(m, 0x99, b, k, v, 16), 4);
	CU_ASSERT_EQUAL(b[0], 0);
	CU_ASSERT_EQUAL(b[1], 0.75);		/* 75 %: the off-beat half a step late */
	CU_ASSERT_EQUAL(b[2], 1);
	CU_ASSERT_EQUAL(b[3], 1.75);
	CU_ASSERT_EQUAL(collect(m, 0xc9, b, k, v, 16), 1);
	CU_ASSERT_EQUAL(k[0], 40);
	ras_midi_free(m);
}

static void test_groove_errors(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[groove]\nmeter = 4\n", "g.groove:2: meter: '4' is not a meter" },
		{ "[groove]\nsteps = 13\n", "g.groove:2: steps: 13 is outside 1..12" },
		{ "[groove]\nbars = 1.5\n", "g.groove:2: bars: '1.5' is not a whole number" },
		{ "[groove]\nswing = 80\n", "g.groove:2: swing: 80 is outside 50..75" },
		{ "[groove]\ntempo = 80\n", "g.groove:2: tempo: unknown key in [groove]" },
		{ "[groove]\nbars = 1\nbars = 2\n", "g.groove:3: bars: given twice (first on line 2)" },
		{ "drum = 36\n", "g.groove:1: drum: outside a section" },
		{ "[groove]\n", "g.groove: no instruments" },
		{ "[groove]\nthis is not ini\n", "g.groove:2: syntax error" },
		{ "[k]\ndrum = 36\npattern = x...x...x...x..\n",
		  "g.groove:3: pattern: 15 steps, 16 expected (4 beats x steps = 4)" },
		{ "[k]\ndrum = 36\npattern = x...x...x...x..y\n",
		  "g.groove:3: pattern: step 16: 'y' is not a drum step" },
		{ "[k]\ndrum = 36\nprogram = 1\n", "g.groove:3: program: [k] is already a drum" },
		{ "[k]\nvelocity = 100\npattern = x...x...x...x...\n",
		  "g.groove:2: [k]: give drum = (a GM percussion key) or program =" },
		{ "[groove]\nbars = 2\n[k]\ndrum = 36\nbar1 = x...x...x...x...\n",
		  "g.groove:4: [k]: bar2 is missing" },
		{ "[k]\ndrum = 36\nbar2 = x...x...x...x...\n",
		  "g.groove:3: bar2: the groove has 1 bar (bars = in [groove])" },
		{ "[k]\ndrum = 36\nchords = yes\n", "g.groove:3: chords: not a key of drum instruments" },
		{ "[k]\ndrum = 36\nvelocity = 0\n", "g.groove:3: velocity: 0 is outside 1..127" },
		{ "[b]\nprogram = 129\n", "g.groove:2: program: 129 is outside 1..128" },
		{ "[b]\nprogram = 33\nfoo = 1\n", "g.groove:3: foo: unknown key" },
		{ "[b]\nprogram = 33\npattern = C2 . . . H2 . . . . . . . . . . .\n",
		  "g.groove:3: pattern: step 5: 'H2' is not a note" },
		{ "[b]\nprogram = 33\npattern = C10 . . . . . . . . . . . . . . .\n",
		  "g.groove:3: pattern: step 1: 'C10' is not a note" },
		{ "[b]\nprogram = 33\npattern = - . . . . . . . . . . . . . . .\n",
		  "g.groove:3: pattern: step 1: '-' holds a note but none comes before it" },
		{ "[b]\nprogram = 33\nbar1 = C2 . - . . . . . . . . . . . . .\n",
		  "g.groove:3: bar1: step 3: '-' holds a note but none comes before it" },
		{ "[b]\nprogram = 1\nchords = yes\npattern = Cm . . . Xq . . . . . . . . . . .\n",
		  "g.groove:4: pattern: step 5: 'Xq' is not a chord" },
		{ "[b]\nprogram = 1\nchords = maybe\n", "g.groove:3: chords: 'maybe' is not yes or no" },
		{ "[b]\nprogram = 1\npattern = C4 . . .\n . . . .\n . . . .\n . . .\n",
		  "g.groove:3: pattern: 15 steps, 16 expected" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		struct ras_midi *m = groove(cases[i].text, err);

		CU_ASSERT_PTR_NULL(m);
		ras_midi_free(m);
		if (!strstr(err, cases[i].msg))
			fprintf(stderr, "\n  case %zu: got '%s', want '%s'\n", i, err, cases[i].msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].msg));
	}
	{
		/* a line longer than inih's buffer */
		static char text[600];
		char err[256] = "";

		snprintf(text, sizeof(text), "[k]\ndrum = 36\npattern = %0450d\n", 0);
		CU_ASSERT_PTR_NULL(groove(text, err));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "g.groove:3: line too long"));
	}
}

/* The grooves shipped in cues/grooves: they load, loop, and sound. */
static void test_groove_files(void)
{
	static const char *const want[] = { "walk-4-4", "walk-2-4", "stretch-slow", "breathe-soft" };
	glob_t g;
	int found = 0;

	CU_ASSERT_EQUAL_FATAL(glob("cues/grooves/*.groove", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct ras_midi *m;
		char err[256];
		int ons = 0;

		if (ras_midi_load(g.gl_pathv[i], &m, err, sizeof(err)))
			fprintf(stderr, "\n  %s\n", err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		for (size_t j = 0; j < ras_midi_count(m); j++) {
			const struct ras_midi_event *e = ras_midi_event(m, j);

			ons += (e->status & 0xf0) == 0x90;
			CU_ASSERT(e->beat >= 0 && e->beat <= ras_midi_length(m));
		}
		CU_ASSERT(ons > 0);
		for (size_t w = 0; w < 4; w++)
			if (strstr(g.gl_pathv[i], want[w]))
				found |= 1 << w;
		ras_midi_free(m);
	}
	CU_ASSERT_EQUAL(found, 15);
	globfree(&g);
}

/* ---- the synth ---- */

static const char *soundfont(void)
{
	FILE *f = fopen(TIMGM, "rb");

	if (f) {
		fclose(f);
		return TIMGM;
	}
	return RAS_SYNTH_SOUNDFONT;
}

/* A format 1 file: a tempo track (its 60 bpm must not matter) and claves on
 * channel 10 on every 8th note from beat 0 to beat `beats`, each a 16th
 * long; or, with `key` < 0, alternating claves and side stick. */
static struct ras_midi *clicks(int beats, int key)
{
	static struct bytes o, t;
	struct ras_midi *m;
	char err[256];

	o.n = 0;
	header(&o, 1, 2, 480);
	t.n = 0;
	PUT(&t, 0, 0xff, 0x51, 3, 0x0f, 0x42, 0x40, 0, 0xff, 0x2f, 0);
	track(&o, &t);
	t.n = 0;
	for (int i = 0; i < 2 * beats; i++) {
		int k = key >= 0 ? key : i % 2 ? 37 : 75;

		varlen(&t, i ? 120 : 0);
		PUT(&t, 0x99, (uint8_t)k, 100);
		varlen(&t, 120);
		PUT(&t, 0x89, (uint8_t)k, 0);
	}
	PUT(&t, 0, 0xff, 0x2f, 0);
	track(&o, &t);
	CU_ASSERT_EQUAL(ras_midi_parse_smf(o.b, o.n, "clicks.mid", &m, err, sizeof(err)), 0);
	return m;
}

#define SECS 12
#define FRAMES (RATE * SECS)
static float L[FRAMES], R[FRAMES], L2[FRAMES], R2[FRAMES];

/* Render FRAMES frames in blocks taken in turn from sizes[] (0-terminated). */
static void render(struct ras_synth *s, const struct ras_schedule *sched, long double start,
		   const uint32_t *sizes, float *l, float *r)
{
	const struct ras_music_source *src = ras_synth_source(s);
	struct ras_music_clock c = { sched, RATE, 0, start };
	int i = 0;

	memset(l, 0, FRAMES * sizeof(float));
	memset(r, 0, FRAMES * sizeof(float));
	src->reset(src->ctx, &c);
	while (c.frame < FRAMES) {
		uint32_t n = sizes[i++];

		if (!sizes[i])
			i = 0;
		if (n > FRAMES - c.frame)
			n = (uint32_t)(FRAMES - c.frame);
		src->render(src->ctx, &c, l + c.frame, r + c.frame, n);
		c.frame += n;
	}
}

/* Onsets: frames above thr after at least gap frames at or below it. With
 * thr 0, the first sample that is not silent: FluidSynth's output is exactly
 * 0 once a voice has ended, and a voice's first sample is 0 (its amplitude
 * ramps up from 0 over its first block), so a note starting at frame f shows
 * at f + 1. A threshold above 0 would depend on the attack's shape, which
 * FluidSynth varies a little with what the voice played before. */
static int onsets(const float *x, int64_t *on, int max, float thr, int gap)
{
	int n = 0, quiet = gap;

	for (int i = 0; i < FRAMES; i++) {
		if (fabsf(x[i]) > thr) {
			if (quiet >= gap && n < max)
				on[n++] = i;
			quiet = 0;
		} else {
			quiet++;
		}
	}
	return n;
}

static struct ras_synth *synth_for(const struct ras_midi *m)
{
	struct ras_synth *s = NULL;
	char err[256];

	if (ras_synth_new(m, RATE, soundfont(), &s, err, sizeof(err)))
		fprintf(stderr, "\n  %s\n", err);
	return s;
}

/* The key test: under a ramp 80 -> 140 bpm over 10 s, after a bar of
 * count-in, every note's onset lands on its closed-form frame (plus one
 * fixed offset: the sample's own attack), whatever the block split. */
static void test_ramp_exact(void)
{
	static const uint32_t splits[][6] = {
		{ 64, 0 }, { 333, 0 }, { 4096, 0 }, { 1, 0 }, { 1000, 17, 4096, 1, 63, 0 },
	};
	struct ras_meter meter;
	struct ras_schedule *ramp, *sched;
	struct ras_midi *m = clicks(40, 75);
	struct ras_synth *s = synth_for(m);
	static int64_t on[256], want[256];
	int n, nwant = 0;
	int64_t off_min = INT64_MAX, off_max = INT64_MIN, spread[64] = { 0 };
	struct ras_music_clock c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	ras_meter_default(&meter);
	ramp = ras_tempomap_ramp(&meter, 80, 140, 10);
	sched = ras_tempomap_countin(ramp, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sched);
	c = (struct ras_music_clock){ sched, RATE, 0, 4 };
	for (size_t i = 0; i < ras_midi_count(m); i++) {
		const struct ras_midi_event *e = ras_midi_event(m, i);
		int64_t f = ras_music_frame(&c, e->beat);

		if ((e->status & 0xf0) == 0x90 && f < FRAMES - RATE / 10)
			want[nwant++] = f;
	}
	CU_ASSERT(nwant > 25);
	render(s, sched, 4, splits[0], L, R);
	n = onsets(L, on, 256, 0, 2000);
	CU_ASSERT(n >= nwant);
	for (int i = 0; i < nwant && i < n; i++) {
		int64_t d = on[i] - want[i];

		off_min = d < off_min ? d : off_min;
		off_max = d > off_max ? d : off_max;
		spread[(want[i] % 64 + 64) % 64] = 1;
	}
	if (off_max - off_min > 1)
		fprintf(stderr, "\n  onset - frame from %lld to %lld (n %d, want %d)\n",
			(long long)off_min, (long long)off_max, n, nwant);
	/* the first onset is a bar of count-in in: 3 s at 80 bpm */
	CU_ASSERT(want[0] == 3 * RATE);
	CU_ASSERT(off_max - off_min <= 1);
	CU_ASSERT(off_min == 1 && off_max == 1);
	{
		/* the grid falls everywhere in FluidSynth's 64-frame blocks, so a
		 * quantizing synth would fail the test above */
		int phases = 0;

		for (int i = 0; i < 64; i++)
			phases += (int)spread[i];
		CU_ASSERT(phases > 20);
	}
	CU_ASSERT_EQUAL(ras_synth_late(s), 0);
	/* the same samples whatever the split (a fresh synth each time: a
	 * voice's attack depends a little on what it played before) */
	ras_synth_free(s);
	for (size_t k = 1; k < sizeof(splits) / sizeof(splits[0]); k++) {
		s = synth_for(m);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		render(s, sched, 4, splits[k], L2, R2);
		CU_ASSERT(!memcmp(L, L2, sizeof(L)) && !memcmp(R, R2, sizeof(R)));
		ras_synth_free(s);
	}
	ras_midi_free(m);
	ras_schedule_free(sched);
	ras_schedule_free(ramp);
}

/* Loops, count-in silence, a schedule's end, and the reset after a jump. */
static void test_loop_reset(void)
{
	struct ras_meter meter;
	struct ras_schedule *sched, *fin;
	struct ras_midi *m = clicks(2, 75);	/* 4 clicks; loop of 4 beats */
	struct ras_synth *s = synth_for(m);
	const struct ras_music_source *src;
	static const uint32_t split[] = { 256, 0 };
	static int64_t on[256];
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	src = ras_synth_source(s);
	CU_ASSERT_EQUAL(ras_midi_length(m), 4);
	ras_meter_default(&meter);
	sched = ras_tempomap_constant(&meter, 120);	/* 24000 frames a beat */
	/* music beat 0 at beat 2: two silent beats, then 4 clicks per 4 beats */
	render(s, sched, 2, split, L, R);
	n = onsets(L, on, 256, 0, 2000);
	CU_ASSERT(on[0] >= 48000 && on[0] < 48000 + 64);
	/* music beats 0..22 in 12 s: loops of 4 with clicks at 0, .5, 1, 1.5 */
	CU_ASSERT_EQUAL(n, 6 * 4);
	CU_ASSERT_EQUAL(on[0], 48000 + 1);
	for (int i = 0; i < n; i++) {
		int64_t want = 48000 + (i / 4) * 96000 + (i % 4) * 12000;

		CU_ASSERT_EQUAL(on[i] - want, on[0] - 48000);
	}
	/* a jump back: render 2 s, then jump the beat clock back to music beat
	 * 0 with reset (as after a pause): the clicks start over there */
	{
		struct ras_music_clock c = { sched, RATE, 0, 2 };
		int64_t want;

		memset(L, 0, sizeof(L));
		memset(R, 0, sizeof(R));
		src->reset(src->ctx, &c);
		for (c.frame = 0; c.frame < 84100; c.frame += 100)
			src->render(src->ctx, &c, L + c.frame, R + c.frame, 100);
		/* at frame 84100 (music beat 1.504), 100 frames into a click, the
		 * music restarts about a beat before its beat 0 */
		c.start_phase = 4.5L;
		want = ras_music_frame(&c, 0);
		CU_ASSERT_EQUAL(want, 108000);
		src->reset(src->ctx, &c);
		for (; c.frame < FRAMES; c.frame += 100)
			src->render(src->ctx, &c, L + c.frame, R + c.frame, 100);
		n = onsets(L, on, 256, 0, 2000);
		/* 4 clicks before, music beats 0 .. 19.5 after */
		CU_ASSERT_EQUAL_FATAL(n, 4 + 5 * 4);
		for (int i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(on[i], 48000 + 12000 * i + 1);
		CU_ASSERT_EQUAL(on[4], want + 1);
		CU_ASSERT_EQUAL(on[5], want + 12000 + 1);
		/* the reset silenced the click of frame 84000 at once */
		CU_ASSERT(L[84099] != 0);
		for (int64_t f = 84100; f < want; f++)
			CU_ASSERT_FATAL(L[f] == 0 && R[f] == 0);
	}
	/* past a schedule's end: nothing new */
	fin = ras_schedule_new(4);
	ras_schedule_add_const(fin, &meter, 120, 4, -1);	/* 2 s */
	{
		struct ras_music_clock c = { fin, RATE, 0, 0 };

		memset(L, 0, sizeof(L));
		memset(R, 0, sizeof(R));
		src->reset(src->ctx, &c);
		for (c.frame = 0; c.frame < 6 * RATE; c.frame += 500)
			src->render(src->ctx, &c, L + c.frame, R + c.frame, 500);
		n = onsets(L, on, 256, 0, 2000);
		CU_ASSERT_EQUAL(n, 4);		/* 2 s of music: beats 0 .. 3.5 */
	}
	ras_schedule_free(fin);
	ras_schedule_free(sched);
	ras_synth_free(s);
	ras_midi_free(m);
}

/* Events found from beat positions: a jump of the clock without a reset
 * (a nudge backwards, a restart) is found again by binary search. */
static void test_jump_without_reset(void)
{
	struct ras_meter meter;
	struct ras_schedule *sched;
	struct ras_midi *m = clicks(4, 75);	/* 8 clicks, 4 beats */
	struct ras_synth *s = synth_for(m);
	const struct ras_music_source *src;
	struct ras_music_clock c;
	static int64_t on[64];
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	src = ras_synth_source(s);
	ras_meter_default(&meter);
	sched = ras_tempomap_constant(&meter, 120);
	c = (struct ras_music_clock){ sched, RATE, 0, 0 };
	memset(L, 0, sizeof(L));
	src->reset(src->ctx, &c);
	/* 1.25 beats (clicks at 0, .5, 1), then the clock goes half a beat
	 * back: music beat 0.75, and the click of music beat 1 comes again */
	for (c.frame = 0; c.frame < 30000; c.frame += 64)
		src->render(src->ctx, &c, L + c.frame, R + c.frame, 64);
	c.start_phase += 0.5L;
	for (; c.frame < 4 * RATE; c.frame += 64)
		src->render(src->ctx, &c, L + c.frame, R + c.frame, 64);
	n = onsets(L, on, 64, 0, 2000);
	CU_ASSERT_EQUAL(n, 3 + 6 + 7);	/* then music beats 1 .. 3.5, 4 .. 7 (the loop) */
	CU_ASSERT_EQUAL(on[2], 24000 + 1);
	CU_ASSERT_EQUAL(on[3], ras_music_frame(&c, 1) + 1);
	CU_ASSERT_EQUAL(on[3], 36000 + 1);
	CU_ASSERT_EQUAL(on[9], ras_music_frame(&c, 4) + 1);
	ras_schedule_free(sched);
	ras_synth_free(s);
	ras_midi_free(m);
}

/* No allocation, free or lock in the audio thread: render and reset. */
static void test_rt_safe(void)
{
	struct ras_meter meter;
	struct ras_schedule *sched;
	struct ras_midi *m;
	struct ras_synth *s;
	const struct ras_music_source *src;
	struct ras_music_clock c;
	char err[256];
	int violations, late;
	uint32_t n = 1;

	CU_ASSERT_EQUAL_FATAL(ras_midi_load("cues/grooves/walk-4-4.groove", &m, err, sizeof(err)),
			      0);
	s = synth_for(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	src = ras_synth_source(s);
	ras_meter_default(&meter);
	sched = ras_tempomap_ramp(&meter, 90, 130, 20);
	c = (struct ras_music_clock){ sched, RATE, 0, 0 };
	rtcheck_arm();
	src->reset(src->ctx, &c);
	for (c.frame = 0; c.frame < FRAMES; c.frame += n, n = n * 3 % 4093 + 1) {
		if (c.frame + n > FRAMES)
			break;
		src->render(src->ctx, &c, L + c.frame, R + c.frame, n);
	}
	src->reset(src->ctx, &c);
	violations = rtcheck_disarm();
	CU_ASSERT_EQUAL(violations, 0);
	late = (int)ras_synth_late(s);
	CU_ASSERT_EQUAL(late, 0);
	ras_schedule_free(sched);
	ras_synth_free(s);
	ras_midi_free(m);
}

/* Levels: a walking groove peaks near -12 dBFS; the soft ones lower. */
static void test_levels(void)
{
	static const struct {
		const char *file;
		float lo, hi;
	} g[] = {
		{ "cues/grooves/walk-4-4.groove", 0.12f, 0.5f },
		{ "cues/grooves/walk-2-4.groove", 0.12f, 0.5f },
		{ "cues/grooves/stretch-slow.groove", 0.03f, 0.3f },
		{ "cues/grooves/breathe-soft.groove", 0.02f, 0.25f },
	};
	static const uint32_t split[] = { 512, 0 };
	struct ras_meter meter;
	struct ras_schedule *sched;

	ras_meter_default(&meter);
	sched = ras_tempomap_constant(&meter, 100);
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct ras_midi *m;
		struct ras_synth *s;
		char err[256];
		float peak = 0;

		CU_ASSERT_EQUAL_FATAL(ras_midi_load(g[i].file, &m, err, sizeof(err)), 0);
		s = synth_for(m);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		render(s, sched, 0, split, L, R);
		for (int f = 0; f < FRAMES; f++)
			peak = fmaxf(peak, fmaxf(fabsf(L[f]), fabsf(R[f])));
		if (getenv("RASBEAT_VERBOSE"))
			fprintf(stderr, "\n  %s: peak %.3f (%.1f dBFS), late %llu\n", g[i].file, peak,
				20 * log10f(peak), (unsigned long long)ras_synth_late(s));
		CU_ASSERT(peak >= g[i].lo && peak <= g[i].hi);
		ras_synth_free(s);
		ras_midi_free(m);
	}
	ras_schedule_free(sched);
}

static void test_bad_soundfont(void)
{
	struct ras_midi *m = clicks(1, 75);
	struct ras_synth *s = NULL;
	char err[256] = "";

	CU_ASSERT_EQUAL(ras_synth_new(m, RATE, test_path("none.sf2"), &s, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.sf2: cannot load the SoundFont"));
	CU_ASSERT_EQUAL(ras_synth_new(m, 192000, NULL, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "8000..96000 Hz"));
	ras_midi_free(m);
}

/* CPU per 64-frame block: the budget is 5 % of the period (1.33 ms at
 * 48 kHz). make bench measures it properly; this catches a gross regression. */
static void test_cpu(void)
{
	struct ras_midi *m;
	struct ras_synth *s;
	char err[256];
	double mean, worst, period = 64.0 / RATE;

	CU_ASSERT_EQUAL_FATAL(ras_midi_load("cues/grooves/walk-4-4.groove", &m, err, sizeof(err)),
			      0);
	s = synth_for(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ras_synth_bench(s, 120, 64, 20, &mean, &worst), 0);
	if (getenv("RASBEAT_VERBOSE"))
		fprintf(stderr, "\n  64-frame block: mean %.1f us (%.2f %% of %.0f us), worst %.1f us\n",
			mean * 1e6, 100 * mean / period, period * 1e6, worst * 1e6);
	/* A speed bound: not one valgrind's emulation can keep. */
	CU_ASSERT(mean < 0.05 * period || test_under_valgrind());
	ras_synth_free(s);
	ras_midi_free(m);
}

void test_midi_register(void)
{
	TEST_SUITE("midi-smf",
		   { "format 0: running status, velocity-0 offs, order", test_format0 },
		   { "format 1: three tracks merged, time signature", test_format1_merge },
		   { "every error names its byte", test_errors },
		   { "truncated and damaged files: errors, no crash", test_damage },
		   { "loading a file", test_load_file });
	TEST_SUITE("midi-groove",
		   { "drums, notes, chords, holds, accents", test_groove_parse },
		   { "swing and kit", test_groove_swing },
		   { "errors name FILE:LINE: KEY", test_groove_errors },
		   { "the shipped grooves load", test_groove_files });
	TEST_SUITE("midi-synth",
		   { "under a ramp every onset on its frame, any split", test_ramp_exact },
		   { "loops, count-in, reset, schedule end", test_loop_reset },
		   { "a jump without reset is found again", test_jump_without_reset },
		   { "render and reset are RT-safe", test_rt_safe },
		   { "groove levels", test_levels },
		   { "bad SoundFont, bad rate", test_bad_soundfont },
		   { "CPU per 64-frame block", test_cpu });
}

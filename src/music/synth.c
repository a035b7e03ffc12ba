/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * FluidSynth playing a score in step with the beat clock (midi.h).
 *
 * FluidSynth renders in 64-frame blocks and starts a voice only where a
 * block starts, so splitting its render at a note's frame is not enough: a
 * note would start up to 63 frames late, by an amount that depends on where
 * the synth's grid falls. Here a pool of instances shares the SoundFont
 * (FluidSynth's sample cache loads the samples once); an idle instance has
 * an empty buffer and no voices, so it may take its grid from any frame: a
 * note goes to a sounding instance whose grid it falls on, or starts an
 * idle one on it.
 */
#include <errno.h>
#include <fluidsynth.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "midi-priv.h"
#include "rasbeat/tempomap.h"

#define BLOCK 64		/* FluidSynth's FLUID_BUFSIZE */
#define GAIN 0.33	/* a groove peaks around -12 dBFS */
#define POLYPHONY 96
#define PHASE_TOL 1e-6L		/* beats: more between two calls is a jump */

struct inst {
	fluid_synth_t *synth;
	bool running;		/* has voices or a part-rendered block */
	int64_t origin;		/* an engine frame where one of its blocks starts */
};

struct ras_synth {
	struct ras_music_source src;
	fluid_settings_t *settings;
	struct inst inst[RAS_SYNTH_POOL];
	struct ras_midi_event *ev;
	size_t n;
	long double length;
	/* the place: ev[next] of loop iteration iter is due next */
	size_t next;
	int64_t iter;
	long double last;	/* music beat where the last call ended; NAN: find anew */
	int64_t end;		/* engine frame where it ended: running instances are there */
	uint8_t held[16][128];	/* instance + 1 sounding a note; 0 none */
	/* channel state every instance has: a program change costs ~10 us an
	 * instance, so only changes are sent (0xff, 0xffff: unknown) */
	uint8_t program[16], cc[16][128];
	uint16_t bend[16];
	uint64_t late;
	float scratch[2][BLOCK];
};

static _Thread_local char fluid_msg[200];

static void fluid_error(int level, const char *msg, void *data)
{
	(void)level, (void)data;
	snprintf(fluid_msg, sizeof(fluid_msg), "%s", msg);
}

static int64_t grid(int64_t f, int64_t origin)
{
	int64_t d = (f - origin) % BLOCK;

	return d < 0 ? d + BLOCK : d;
}

/* Render the sounding instances from frame c->frame + a to + b, added into
 * l and r. Each goes block by block along its own grid and stops at the
 * first block end where it has no voice left: so where it stops does not
 * depend on how the frames were split into calls. */
static void advance(struct ras_synth *s, const struct ras_music_clock *c, float *l, float *r,
		    uint32_t a, uint32_t b)
{
	for (int j = 0; j < RAS_SYNTH_POOL; j++) {
		struct inst *in = &s->inst[j];
		uint32_t f = a;

		while (in->running) {
			int64_t d = grid(c->frame + f, in->origin);
			uint32_t k = b - f;
			float *out[2] = { l + f, r + f };

			if (!d && !fluid_synth_get_active_voice_count(in->synth)) {
				in->running = false;
				break;
			}
			if (f == b)
				break;
			if (BLOCK - d < k)
				k = (uint32_t)(BLOCK - d);
			fluid_synth_process(in->synth, (int)k, 0, NULL, 2, out);
			f += k;
		}
	}
}

/* The instance for a note starting at frame f. */
static struct inst *pick(struct ras_synth *s, int64_t f)
{
	struct inst *idle = NULL, *soonest = NULL;
	int64_t wait = BLOCK;

	for (int j = 0; j < RAS_SYNTH_POOL; j++) {
		struct inst *in = &s->inst[j];

		if (!in->running) {
			if (!idle)
				idle = in;
			continue;
		}
		if (!grid(f, in->origin))
			return in;
		if (BLOCK - grid(f, in->origin) < wait) {
			wait = BLOCK - grid(f, in->origin);
			soonest = in;
		}
	}
	if (idle) {
		idle->running = true;
		idle->origin = f;
		return idle;
	}
	s->late++;
	return soonest;
}

static void apply(struct ras_synth *s, int64_t f, const struct ras_midi_event *e)
{
	int ch = e->status & 0x0f;
	uint8_t *held = &s->held[ch][e->data1 & 0x7f];
	struct inst *in;

	switch (e->status & 0xf0) {
	case RAS_MIDI_NOTE_ON:
		in = pick(s, f);
		if (*held && &s->inst[*held - 1] != in)
			fluid_synth_noteoff(s->inst[*held - 1].synth, ch, e->data1);
		fluid_synth_noteon(in->synth, ch, e->data1, e->data2);
		*held = (uint8_t)(in - s->inst + 1);
		break;
	case RAS_MIDI_NOTE_OFF:
		if (*held)
			fluid_synth_noteoff(s->inst[*held - 1].synth, ch, e->data1);
		*held = 0;
		break;
	case RAS_MIDI_PROGRAM:
		if (s->program[ch] == e->data1)
			break;
		s->program[ch] = e->data1;
		for (int j = 0; j < RAS_SYNTH_POOL; j++)
			fluid_synth_program_change(s->inst[j].synth, ch, e->data1);
		break;
	case RAS_MIDI_CONTROL:
		/* channel mode messages (120..127) act; the others are state */
		if (e->data1 < 120 && s->cc[ch][e->data1] == e->data2)
			break;
		if (e->data1 < 120)
			s->cc[ch][e->data1] = e->data2;
		if (e->data1 == 0 || e->data1 == 32)
			s->program[ch] = 0xff;	/* a bank takes effect at the next program */
		if (e->data1 == 121) {
			memset(s->cc[ch], 0xff, sizeof(s->cc[ch]));
			s->bend[ch] = 0xffff;
		}
		for (int j = 0; j < RAS_SYNTH_POOL; j++)
			fluid_synth_cc(s->inst[j].synth, ch, e->data1, e->data2);
		break;
	case RAS_MIDI_BEND:
		if (s->bend[ch] == (e->data1 | e->data2 << 7))
			break;
		s->bend[ch] = (uint16_t)(e->data1 | e->data2 << 7);
		for (int j = 0; j < RAS_SYNTH_POOL; j++)
			fluid_synth_pitch_bend(s->inst[j].synth, ch, s->bend[ch]);
		break;
	}
}

static long double at(const struct ras_synth *s, int64_t iter, size_t i)
{
	return (long double)iter * s->length + s->ev[i].beat;
}

/* Find the place at music beat p by binary search (never by counting
 * frames): the first event at or after p. The channel state (programs,
 * controls, bends) of the events before it is applied again, and notes
 * still held are let go. */
/* Events a seek looks back through at most (see seek). */
#define SEEK_SCAN_MAX 4096

static void seek(struct ras_synth *s, long double p)
{
	size_t lo = 0, hi = s->n;

	for (int ch = 0; ch < 16; ch++)
		for (int k = 0; k < 128; k++)
			if (s->held[ch][k]) {
				fluid_synth_noteoff(s->inst[s->held[ch][k] - 1].synth, ch, k);
				s->held[ch][k] = 0;
			}
	s->iter = p > 0 ? (int64_t)floorl(p / s->length) : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (at(s, s->iter, mid) < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->next = lo;
	/*
	 * The channels' state at p: the last program, bend and value of each
	 * controller before it, found scanning back and applied in their
	 * order. The scan stops after SEEK_SCAN_MAX events so that a seek in
	 * the audio thread takes bounded time; a setting older than that (a
	 * song with thousands of controller sweeps after its program change)
	 * comes back at its next change instead.
	 */
	{
		uint64_t seen[16][3] = { { 0 } };
		uint32_t pick[16 * 130];
		int np = 0;

		for (size_t i = lo, k = 0; i-- > 0 && k < SEEK_SCAN_MAX; k++) {
			const struct ras_midi_event *e = &s->ev[i];
			int ch = e->status & 0x0f, key;

			switch (e->status & 0xf0) {
			case RAS_MIDI_PROGRAM:
				key = 128;
				break;
			case RAS_MIDI_BEND:
				key = 129;
				break;
			case RAS_MIDI_CONTROL:
				if (e->data1 >= 120)
					continue;	/* modes act once: not state */
				key = e->data1;
				break;
			default:
				continue;
			}
			if (seen[ch][key / 64] & (1ull << (key % 64)))
				continue;
			seen[ch][key / 64] |= 1ull << (key % 64);
			pick[np++] = (uint32_t)i;
		}
		while (np-- > 0)
			apply(s, 0, &s->ev[pick[np]]);
	}
	if (s->next == s->n) {
		s->next = 0;
		s->iter++;
	}
}

static void render(void *ctx, const struct ras_music_clock *c, float *l, float *r, uint32_t n)
{
	struct ras_synth *s = ctx;
	long double p0 = ras_music_phase(c, c->frame) - c->start_phase;
	long double p1 = ras_music_phase(c, c->frame + n) - c->start_phase;
	uint32_t pos = 0;

	/* Past the schedule's end nothing new plays; what sounds rings out. */
	if (!isfinite(p0) || !isfinite(p1) || !s->n) {
		s->last = NAN;
		advance(s, c, l, r, 0, n);
		s->end = c->frame + n;
		return;
	}
	if (!(fabsl(p0 - s->last) <= PHASE_TOL))
		seek(s, p0);
	for (;;) {
		long double m = at(s, s->iter, s->next);
		int64_t f;

		if (!(m < p1))
			break;
		f = ras_music_frame(c, m) - c->frame;
		f = f < pos ? pos : f > n ? n : f;
		advance(s, c, l, r, pos, (uint32_t)f);
		pos = (uint32_t)f;
		apply(s, c->frame + f, &s->ev[s->next]);
		if (++s->next == s->n) {
			s->next = 0;
			s->iter++;
		}
	}
	s->last = p1;
	advance(s, c, l, r, pos, n);
	s->end = c->frame + n;
}

/* Silence everything and leave every instance idle: its part-rendered
 * block played out into scratch, its voices freed. */
static void reset(void *ctx, const struct ras_music_clock *c)
{
	struct ras_synth *s = ctx;

	(void)c;
	for (int j = 0; j < RAS_SYNTH_POOL; j++) {
		struct inst *in = &s->inst[j];
		float *out[2] = { s->scratch[0], s->scratch[1] };
		int64_t d = grid(s->end, in->origin);
		uint32_t k = d ? (uint32_t)(BLOCK - d) : 0;

		fluid_synth_all_sounds_off(in->synth, -1);
		for (int i = 0; in->running && i < 16; i++) {
			if (!k && !fluid_synth_get_active_voice_count(in->synth))
				break;
			memset(s->scratch, 0, sizeof(s->scratch));
			fluid_synth_process(in->synth, k ? (int)k : BLOCK, 0, NULL, 2, out);
			k = 0;
		}
		in->running = false;
	}
	memset(s->held, 0, sizeof(s->held));
	s->last = NAN;
}

static int setup(fluid_settings_t *st, double rate)
{
	return fluid_settings_setnum(st, "synth.sample-rate", rate) ||
	       fluid_settings_setint(st, "synth.threadsafe-api", 0) ||
	       fluid_settings_setint(st, "synth.cpu-cores", 1) ||
	       fluid_settings_setint(st, "synth.dynamic-sample-loading", 0) ||
	       fluid_settings_setint(st, "synth.polyphony", POLYPHONY) ||
	       fluid_settings_setint(st, "synth.reverb.active", 0) ||
	       fluid_settings_setint(st, "synth.chorus.active", 0) ||
	       fluid_settings_setint(st, "synth.ladspa.active", 0) ||
	       fluid_settings_setint(st, "synth.verbose", 0) ||
	       fluid_settings_setnum(st, "synth.gain", GAIN) ? -1 : 0;
}

int ras_synth_new(const struct ras_midi *m, double rate, const char *soundfont,
		  struct ras_synth **out, char *err, size_t errlen)
{
	struct ras_synth *s;
	int ret = -ENOMEM;

	*out = NULL;
	if (!soundfont)
		soundfont = RAS_SYNTH_SOUNDFONT;
	if (!(rate >= 8000 && rate <= 96000))
		return snprintf(err, errlen, "%s: FluidSynth plays at 8000..96000 Hz, not %g",
				soundfont, rate), -EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	s->n = m->n;
	s->length = m->length;
	s->last = NAN;
	s->src = (struct ras_music_source){ render, reset, s };
	if (m->n && !(s->ev = malloc(m->n * sizeof(*s->ev))))
		goto cleanup;
	if (m->n)
		memcpy(s->ev, m->ev, m->n * sizeof(*s->ev));
	if (!(s->settings = new_fluid_settings()))
		goto cleanup;
	if (setup(s->settings, rate)) {
		snprintf(err, errlen, "%s: FluidSynth refused its settings at %g Hz", soundfont, rate);
		ret = -EINVAL;
		goto cleanup;
	}
	for (int j = 0; j < RAS_SYNTH_POOL; j++) {
		struct inst *in = &s->inst[j];

		if (!(in->synth = new_fluid_synth(s->settings)))
			goto cleanup;
		/* After the first synth, which installs FluidSynth's defaults:
		 * errors are kept for the message, nothing else is formatted
		 * (the audio thread must not print). */
		fluid_set_log_function(FLUID_PANIC, fluid_error, NULL);
		fluid_set_log_function(FLUID_ERR, fluid_error, NULL);
		fluid_set_log_function(FLUID_WARN, NULL, NULL);
		fluid_set_log_function(FLUID_INFO, NULL, NULL);
		fluid_set_log_function(FLUID_DBG, NULL, NULL);
		fluid_msg[0] = '\0';
		if (fluid_synth_sfload(in->synth, soundfont, 1) == FLUID_FAILED) {
			snprintf(err, errlen, "%s: cannot load the SoundFont%s%s", soundfont,
				 fluid_msg[0] ? ": " : "", fluid_msg);
			ret = -EINVAL;
			goto cleanup;
		}
	}
	memset(s->program, 0xff, sizeof(s->program));
	memset(s->cc, 0xff, sizeof(s->cc));
	memset(s->bend, 0xff, sizeof(s->bend));
	/* The state of beat 0 (programs, volumes) now, not in the audio thread */
	for (size_t i = 0; i < s->n && s->ev[i].beat == 0; i++)
		if ((s->ev[i].status & 0xf0) != RAS_MIDI_NOTE_ON &&
		    (s->ev[i].status & 0xf0) != RAS_MIDI_NOTE_OFF)
			apply(s, 0, &s->ev[i]);
	/* Loaded: from here FluidSynth runs in the audio thread, where its
	 * log would format text. Errors there go unsaid. */
	fluid_set_log_function(FLUID_PANIC, NULL, NULL);
	fluid_set_log_function(FLUID_ERR, NULL, NULL);
	*out = s;
	return 0;
cleanup:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", soundfont);
	ras_synth_free(s);
	return ret;
}

void ras_synth_free(struct ras_synth *s)
{
	if (!s)
		return;
	for (int j = 0; j < RAS_SYNTH_POOL; j++)
		if (s->inst[j].synth)
			delete_fluid_synth(s->inst[j].synth);
	if (s->settings)
		delete_fluid_settings(s->settings);
	free(s->ev);
	free(s);
}

const struct ras_music_source *ras_synth_source(struct ras_synth *s)
{
	return &s->src;
}

uint64_t ras_synth_late(const struct ras_synth *s)
{
	return s->late;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int ras_synth_bench(struct ras_synth *s, double bpm, uint32_t block, double seconds,
		    double *mean, double *worst)
{
	struct ras_meter meter;
	struct ras_schedule *sched;
	struct ras_music_clock c = { .start_phase = 0 };
	float *l, *r;
	double rate, total = 0;
	int64_t blocks = 0;

	if (!block || block > RAS_MUSIC_BLOCK_MAX || !(seconds > 0))
		return -EINVAL;
	fluid_settings_getnum(s->settings, "synth.sample-rate", &rate);
	ras_meter_default(&meter);
	if (!(sched = ras_tempomap_constant(&meter, bpm)))
		return -EINVAL;
	l = malloc(block * sizeof(float));
	r = malloc(block * sizeof(float));
	if (!l || !r) {
		free(l);
		free(r);
		ras_schedule_free(sched);
		return -ENOMEM;
	}
	c.sched = sched;
	c.rate = rate;
	reset(s, &c);
	*worst = 0;
	for (c.frame = 0; c.frame < seconds * rate; c.frame += block, blocks++) {
		double t;

		memset(l, 0, block * sizeof(float));
		memset(r, 0, block * sizeof(float));
		t = cpu_now();
		render(s, &c, l, r, block);
		t = cpu_now() - t;
		total += t;
		if (t > *worst)
			*worst = t;
	}
	*mean = total / blocks;
	reset(s, &c);
	free(l);
	free(r);
	ras_schedule_free(sched);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - music in step with the beat clock
 *
 * A music source renders audio whose beats land on the engine's beats. The
 * engine calls it from its process function, for each stretch of frames
 * over which its schedule does not change, handing it the schedule that
 * maps those frames to beat positions. The engine mixes what it renders
 * under the cues with the music gain, ducking and fades, then limits the
 * sum (engine.h).
 *
 * Beat positions: engine time t (s, frame / rate) is at beat position
 * ras_schedule_phase_at(sched, t), in beats from 0 (count-in included,
 * fractional); beat position p is at time ras_schedule_time_at(sched, p).
 * Music beat m (a quarter note of a MIDI file, a beat of a song's grid, a
 * step of a groove) belongs at beat position start_phase + m: music beat 0
 * falls on the first beat after the count-in. A note at music beat m
 * starts at engine frame ras_time_to_frame(ras_schedule_time_at(sched,
 * start_phase + m), rate), exactly as a cue on that beat would.
 *
 * The schedule can change between calls (tempo commands, ramps, nudges, a
 * pause and resume): a source must find its place from the beat positions
 * of each call, not by counting frames, and must survive a jump in them
 * (reset() is called after a pause, when the music comes back).
 *
 * Sources: generated grooves and MIDI songs (FluidSynth: midi.h), audio
 * songs time-stretched to the tempo (Rubber Band: song.h), relaxation beds
 * (bed.h). Each is made, loaded and freed outside the audio thread.
 */
#ifndef RASBEAT_MUSIC_H
#define RASBEAT_MUSIC_H

#include <stdint.h>

#include "rasbeat/schedule.h"

/* The most frames the engine asks for in one render call. */
#define RAS_MUSIC_BLOCK_MAX 4096

struct ras_music_clock {
	const struct ras_schedule *sched;	/* the engine's, valid for these frames */
	double rate;				/* frames per second */
	int64_t frame;				/* engine frame of out[0] */
	long double start_phase;		/* beat position of music beat 0 */
};

struct ras_music_source {
	/*
	 * Add n frames (1 <= n <= RAS_MUSIC_BLOCK_MAX) of the music at
	 * c->frame into l and r (add, do not overwrite). RT-safe: no
	 * allocation, lock, file or console I/O.
	 */
	void (*render)(void *ctx, const struct ras_music_clock *c, float *l, float *r,
		       uint32_t n);
	/* The music comes back at c->frame after a pause: silence what was
	 * sounding, find the place anew. May be NULL. RT-safe. */
	void (*reset)(void *ctx, const struct ras_music_clock *c);
	void *ctx;
};

/* Beat position at engine frame f: a small helper for sources. RT-safe. */
static inline long double ras_music_phase(const struct ras_music_clock *c, int64_t f)
{
	return ras_schedule_phase_at(c->sched, (long double)f / c->rate);
}

/* Engine frame of music beat m (music beat 0 at start_phase). RT-safe. */
static inline int64_t ras_music_frame(const struct ras_music_clock *c, long double m)
{
	return ras_time_to_frame(ras_schedule_time_at(c->sched, c->start_phase + m), c->rate);
}

#endif

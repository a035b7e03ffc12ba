/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - beat engine
 *
 * The engine turns a schedule (schedule.h) into audio: for each block it
 * starts every tick (beat or subdivision) whose frame round(t * rate) falls
 * inside the block at its exact offset, mixes a fixed pool of voices so that
 * tails overlap, applies the part gains and a limiter whose output never
 * exceeds the ceiling (-1 dBFS by default).
 *
 * One process function serves both outputs: the JACK client calls it from
 * its process callback and the offline renderer calls it in a loop.
 *
 * Threads: one control thread sends commands (ras_engine_send), the audio
 * thread runs ras_engine_process, one reader thread takes beats
 * (ras_engine_next_beat). They meet only in lock-free SPSC queues and atomics.
 * The engine reaches no file, screen or sensor.
 *
 * RT-safe: ras_engine_process, ras_engine_send, ras_engine_next_beat,
 * ras_engine_frame, ras_engine_done, ras_engine_dropped, ras_engine_peak.
 * Not RT-safe: ras_engine_new, ras_engine_free.
 */
#ifndef RASBEAT_ENGINE_H
#define RASBEAT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "rasbeat/music.h"
#include "rasbeat/schedule.h"
#include "rasbeat/sound.h"

/* The parts of the cue track, each with its own sound and gain. */
enum ras_part {
	RAS_PART_ACCENT,	/* 'X' beats */
	RAS_PART_NORMAL,	/* 'x' beats */
	RAS_PART_SUB,		/* subdivisions between beats */
	RAS_PART_COUNTIN,	/* count-in bars */
	RAS_PART_COUNT,
};

enum ras_foot {
	RAS_FOOT_NONE = -1,
	RAS_FOOT_LEFT = 0,
	RAS_FOOT_RIGHT = 1,
};

struct ras_engine_config {
	double rate;					/* frames per second */
	const struct ras_sound *sound[RAS_PART_COUNT];	/* borrowed; must outlive the engine */
	float gain[RAS_PART_COUNT];			/* linear */
	float master;					/* linear */
	float ceiling;					/* limiter ceiling, linear (0.891 = -1 dBFS) */
	int voices;					/* pool size */
	/* Alternating step cues: even beats on the first foot, panned. */
	bool alternate;
	enum ras_foot first_foot;
	float pan;					/* 0 centre .. 1 hard to the foot's side */
	/* Silent bars: play `gap_play` bars, mute `gap_mute`, repeat (0 off). */
	int gap_play, gap_mute;
	/* RAS fading by time from the program start (after the count-in):
	 * every other beat from fade_half s, none from fade_silent s (<0 off). */
	double fade_half, fade_silent;
	/*
	 * Music under the cues (music.h), and a relaxation bed; borrowed, may
	 * be NULL, must outlive the engine. Music beat 0 falls on the first
	 * beat after the count-in. Both fade (RAS_MUSIC_FADE_S) out while the
	 * cues are paused, to half level with every other beat, out with none,
	 * and in again: a source is reset before it comes back.
	 */
	const struct ras_music_source *music, *bed;
	float music_gain, bed_gain;			/* linear */
	/* The music's gain under an accented cue (1: no ducking): it dips
	 * over 5 ms at the cue, holds 80 ms, comes back over 200 ms. */
	float duck;
	/* false: no cue sounds (--no-click); beats are still counted and
	 * reported audible, for the music carries them. */
	bool click;
};

/* How long the music takes to fade in or out, s. */
#define RAS_MUSIC_FADE_S 0.5

/* Defaults: 48 kHz, unit gains but sub -6 dB and count-in -3.6 dB, -1 dBFS
 * ceiling, 32 voices, centred cues, no gaps or fading, cues on; no music
 * (music and bed gains 1, no ducking). Sounds stay NULL. */
void ras_engine_config_default(struct ras_engine_config *cfg);

enum ras_cmd_kind {
	RAS_CMD_START,		/* begin counting frames (the engine starts stopped) */
	RAS_CMD_TEMPO,		/* value: bpm; phase-continuous */
	RAS_CMD_RAMP,		/* value: bpm, seconds: duration; linear in time */
	RAS_CMD_PAUSE,		/* cues silent, beats go on being counted and reported */
	RAS_CMD_RESUME,
	RAS_CMD_EVERY,		/* value: 1 every beat, 2 every other, 0 none (fading) */
	RAS_CMD_NUDGE,		/* value: beats to move the phase by (+ earlier),
				 * seconds: over how long; see ras_schedule_nudge */
	RAS_CMD_SOUND,		/* part, sound: the part's sound from then on (voices
				 * already sounding finish their old buffer); the
				 * sound is the sender's and must outlive the engine */
	RAS_CMD_GAIN,		/* value: master gain, linear (replaces cfg.master) */
	RAS_CMD_SIDE,		/* value: -1 both (alternate off, as configured
				 * pan no longer applies), 0 left, 1 right: cues
				 * alternate, hard panned (pan 1), even beats on
				 * that side; with EVERY 2 only that side sounds */
};

struct ras_cmd {
	enum ras_cmd_kind kind;
	int64_t frame;		/* engine frame to act at; < 0: at the next block */
	double value;
	double seconds;
	int part;				/* SOUND: enum ras_part */
	const struct ras_sound *sound;		/* SOUND: borrowed, non-NULL */
};

/* One beat of the schedule, reported whether it sounded or not. */
struct ras_beat {
	int64_t index;		/* beat number from 0 (count-in included) */
	int64_t frame;		/* engine frame of its onset */
	double time;		/* exact schedule time, s; frame = round(time * rate) */
	double tempo;		/* bpm in force at the beat */
	double bar_beat;	/* beat within the bar, from 0 */
	enum ras_accent accent;	/* from the pattern */
	bool audible;		/* after pattern, gaps, fading and pause */
	bool countin;
	enum ras_foot foot;
};

struct ras_engine;

/*
 * A stopped engine that owns `sched` (also on failure). Needs at least the
 * normal sound. Returns NULL with errno EINVAL (bad config) or ENOMEM.
 */
struct ras_engine *ras_engine_new(const struct ras_engine_config *cfg,
				  struct ras_schedule *sched);
void ras_engine_free(struct ras_engine *e);

/*
 * Render n frames into out_l/out_r (overwritten). While stopped it writes
 * silence and time does not move. Returns 0. RT-safe.
 */
int ras_engine_process(struct ras_engine *e, float *out_l, float *out_r, uint32_t n);

/* Queue a command for the audio thread (one sending thread only).
 * 0, or -EAGAIN when the queue is full. RT-safe. */
int ras_engine_send(struct ras_engine *e, const struct ras_cmd *cmd);

/* Take the next reported beat (one reading thread only); false when none.
 * RT-safe. */
bool ras_engine_next_beat(struct ras_engine *e, struct ras_beat *beat);

/* Frames processed since START. RT-safe. */
int64_t ras_engine_frame(const struct ras_engine *e);
/* True once the schedule has ended (its last beat has run its full length)
 * and every tail has died out. RT-safe. */
bool ras_engine_done(const struct ras_engine *e);
/* Beats not reported because the reader fell behind. RT-safe. */
uint64_t ras_engine_dropped(const struct ras_engine *e);
/* Largest absolute output sample so far. RT-safe. */
float ras_engine_peak(const struct ras_engine *e);
/* Commands refused by the schedule (bad tempo, no room). RT-safe. */
uint64_t ras_engine_rejected(const struct ras_engine *e);

/* dB to linear gain. */
static inline float ras_db_to_gain(double db)
{
	return (float)__builtin_pow(10.0, db / 20.0);
}

#endif

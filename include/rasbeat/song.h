/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - audio songs stretched to the beat clock
 *
 * A song is an audio file (WAV, FLAC, OGG: anything libsndfile reads), held
 * in memory as stereo at the engine's rate (libsamplerate), with a straight
 * beat grid: song beat j sounds at song time offset + j * 60 / bpm. The
 * grid is given (--music-bpm, --music-offset) or found at load time: aubio's
 * beat tracker gives the period, a least-squares fit over its beats the
 * grid, and the file's onsets near the grid points refine it to a
 * millisecond or so. A song without a steady beat is refused.
 *
 * As a music source (music.h), song beat m is music beat m: it sounds at
 * beat position start_phase + m. Rubber Band (R3 engine, short window, real
 * time) stretches the song to the tempo in force; the time ratio of each
 * piece of input is set so that the piece ends where the schedule wants it,
 * which keeps the song's beats on the cue beats through ramps (a
 * first-order correction absorbs what tempo changes leave in flight). A
 * jump of more than 50 ms (a pause, a reset) re-seeks: what sounded fades
 * out in 10 ms and the song comes back 100 ms later, faded in, in place.
 * Before music beat 0 (the count-in, the song's intro before its first
 * beat) and past a finite schedule's end the source is silent.
 *
 * At the end of the song the source stops (silence) unless looping is on:
 * then the song repeats from beat 0 after its last whole beat, so the grid
 * runs on across the loop (the loop spans a whole number of beats; the
 * audio after the last whole beat is never heard).
 *
 * Stretching runs inside render() in the audio thread: Rubber Band's R3
 * engine neither allocates nor locks in process/retrieve/set_time_ratio/
 * reset (checked by the tests), and its short window keeps the cost per
 * hop small. A song feeds one engine at a time.
 *
 * RT-safe: the source's render and reset. Nothing else: load, set_loop and
 * free are for the main thread, before and after the engine uses the source.
 */
#ifndef RASBEAT_SONG_H
#define RASBEAT_SONG_H

#include <stdbool.h>
#include <stddef.h>

#include "rasbeat/music.h"

/* Longest song loaded into memory (stereo float: 11 MB a minute at 48 kHz). */
#define RAS_SONG_SECONDS_MAX 1800.0

/* A song's beat grid: beat j at offset + j * 60 / bpm (s, song time). */
struct ras_song_grid {
	double bpm;
	double offset;
};

/* How a grid was found (ras_song_fit). */
struct ras_song_fit {
	bool tracked;		/* found by the beat tracker (else given) */
	int beats;		/* tracker beats the grid was fitted to */
	double rms_ms;		/* their RMS distance from the grid */
	double on_grid;		/* fraction of grid points with an onset within 20 ms */
};

struct ras_song;

/*
 * Load `path` for an engine running at `rate`. `grid` NULL: find the grid
 * (refused when there is no steady beat). NULL on error, with err saying
 * "PATH: what is wrong" (cannot open, not audio, silent, too long, no
 * steady beat: give --music-bpm and --music-offset).
 */
struct ras_song *ras_song_load(const char *path, double rate, const struct ras_song_grid *grid,
			       char *err, size_t errlen);
void ras_song_free(struct ras_song *s);

/* The grid in use; 0. */
int ras_song_grid(const struct ras_song *s, double *bpm, double *offset);
/* How it was found; 0. */
int ras_song_fit(const struct ras_song *s, struct ras_song_fit *fit);
/* Length in seconds. */
double ras_song_seconds(const struct ras_song *s);

/* Loop the song (default: stop at its end). -EINVAL when the song holds
 * no whole beat after its first. Not while the engine uses the source. */
int ras_song_set_loop(struct ras_song *s, bool loop);
bool ras_song_loops(const struct ras_song *s);

/* The song as a music source, valid until ras_song_free. */
const struct ras_music_source *ras_song_source(struct ras_song *s);

#endif

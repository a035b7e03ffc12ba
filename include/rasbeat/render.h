/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - offline render
 *
 * Drives the engine's process function in a loop, exactly as the JACK client
 * does, and writes the result with libsndfile. Files are written under a
 * temporary name in the destination folder and renamed into place only when
 * complete, so an error or interruption never leaves a partial file.
 *
 * Not RT-safe (this is the offline path).
 */
#ifndef RASBEAT_RENDER_H
#define RASBEAT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/engine.h"

struct ras_audiofile;

/* The libsndfile format for a path's extension (.wav .flac .ogg .aiff), or 0. */
int ras_audiofile_format(const char *path);
/* Open a temporary file beside `path`. NULL with err set on failure. */
struct ras_audiofile *ras_audiofile_create(const char *path, double rate, int channels,
					   char *err, size_t errlen);
/* Append interleaved frames. 0 or -EIO (err set). */
int ras_audiofile_append(struct ras_audiofile *f, const float *frames, uint32_t n,
			 char *err, size_t errlen);
/* Close and rename into place (commit) or remove (abort); both free f. */
int ras_audiofile_commit(struct ras_audiofile *f, char *err, size_t errlen);
void ras_audiofile_abort(struct ras_audiofile *f);
/* The three steps at once, for a whole buffer. */
int ras_audiofile_write(const char *path, const float *frames, uint32_t n, int channels,
			double rate, char *err, size_t errlen);

/* Called with every beat the engine reports; non-zero stops the render. */
typedef int (*ras_beat_fn)(const struct ras_beat *beat, void *ctx);
/* Called after each block with the engine frame reached (beats of the block
 * already reported): the place for a simulated walker and the tempo
 * controller to act, as the main loop does in play. Negative stops with an
 * error; positive ends the render there, cleanly (a session that is over). */
typedef int (*ras_block_fn)(int64_t frame, void *ctx);

/* Set by a signal handler to end a render early (it then fails, cleanly). */
extern volatile int ras_render_interrupted;

/*
 * Start the engine and render `frames` frames (< 0: until the schedule has
 * ended and the tails died out) in blocks of `block`, into `out` (may be
 * NULL: audio discarded), reporting beats to `fn` and blocks to `block_fn`
 * (either may be NULL; both get ctx). 0 or a negative errno with err set.
 * Does not commit `out`.
 */
int ras_render_run(struct ras_engine *e, struct ras_audiofile *out, int64_t frames,
		   uint32_t block, ras_beat_fn fn, ras_block_fn block_fn, void *ctx,
		   char *err, size_t errlen);

#endif

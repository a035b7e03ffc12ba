/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - cue sounds from files
 *
 * Loads WAV, FLAC, OGG/Vorbis (anything libsndfile reads), mixes it to mono,
 * drops what comes before the attack (samples more than 40 dB below the
 * peak: silence, noise, a codec's pre-echo) so the onset sits on the beat, and
 * resamples it once, here, with libsamplerate to the engine's rate. Also
 * writes the built-in cues out as files (the project's own cues/ folder).
 *
 * Not RT-safe: call before the engine starts.
 */
#ifndef RASBEAT_CUEFILE_H
#define RASBEAT_CUEFILE_H

#include <stddef.h>

#include "rasbeat/sound.h"

#define RAS_CUE_SECONDS_MAX 10.0

/*
 * Load `path` at `rate`. 0 or a negative errno; on error err says
 * "PATH: what is wrong" (cannot open, not audio, empty, too long).
 */
int ras_cuefile_load(const char *path, double rate, struct ras_sound **out,
		     char *err, size_t errlen);

/*
 * A built-in cue name ("click", "woodblock:accent") or a file path. Names
 * win over files of the same name; write ./click to mean the file.
 */
int ras_cuefile_resolve(const char *spec, bool accent, double rate, struct ras_sound **out,
			char *err, size_t errlen);

/* Write `s` to `path`, format from the extension (.wav, .flac, .ogg). */
int ras_cuefile_save(const struct ras_sound *s, const char *path, char *err, size_t errlen);

#endif

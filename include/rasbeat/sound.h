/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - cue sounds
 *
 * A sound is a mono float buffer at the engine's rate. The built-in cues are
 * synthesized here; files are loaded by the audio module (cuefile.h). Every
 * built-in cue is at full level on its first frame, so its onset is the beat
 * frame itself, measurable to the sample.
 *
 * Nothing here is RT-safe except reading a finished sound.
 */
#ifndef RASBEAT_SOUND_H
#define RASBEAT_SOUND_H

#include <stdbool.h>
#include <stdint.h>

enum ras_cue {
	RAS_CUE_CLICK,
	RAS_CUE_WOODBLOCK,
	RAS_CUE_BEEP,
	RAS_CUE_TICK,	/* soft tick: a quiet filtered-noise tap */
	RAS_CUE_COUNT,
};

/* A plain value type: the engine reads data[] directly. */
struct ras_sound {
	float *data;
	uint32_t frames;
	double rate;
};

/* The cue's name ("click", ...) and back; -EINVAL for an unknown name. */
const char *ras_cue_name(enum ras_cue cue);
int ras_cue_from_name(const char *name, enum ras_cue *cue);

/* Synthesize a built-in cue at `rate`; the accented variant is higher and
 * louder. Returns NULL when out of memory or for a bad argument. */
struct ras_sound *ras_sound_synth(enum ras_cue cue, bool accent, double rate);
/* Wrap a copy of `frames` samples; NULL when out of memory. */
struct ras_sound *ras_sound_from(const float *data, uint32_t frames, double rate);
void ras_sound_free(struct ras_sound *s);

/* Largest absolute sample. */
float ras_sound_peak(const struct ras_sound *s);

#endif

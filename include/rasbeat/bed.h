/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - relaxation beds for the breathing and stretching programs
 *
 * A bed is a quiet sound under the cues, synthesized (no file):
 *   drone     a soft chord of sines (a root, its fifth and octave, slightly
 *             detuned) swelling slowly over 8 s; -24 dBFS at most
 *   binaural  a pure tone in each ear, the right one offset_hz above the
 *             left (the beat is heard inside the head, with headphones);
 *             -30 dBFS each
 *   pulse     a low tone of pulse_hz whose loudness rises and falls once
 *             per beat of the beat clock (a breath cue you can feel as much
 *             as hear); -27 dBFS at most
 * together at most -18 dBFS, well under the cues. A spec names the parts:
 *   "drone", "drone=110", "binaural=200:6", "pulse=40", joined by commas:
 *   "drone,binaural=200:6". Hz ranges: drone root 40..500, binaural
 *   carrier 40..1000 and offset 0.5..40 (carrier + offset <= 1500), pulse
 *   20..200.
 *
 * RT-safe: the source's render and reset. Not RT-safe: the rest.
 */
#ifndef RASBEAT_BED_H
#define RASBEAT_BED_H

#include <stdbool.h>
#include <stddef.h>

#include "rasbeat/music.h"

struct ras_bed_config {
	double drone_hz;		/* root; 0: no drone */
	double binaural_hz;		/* left carrier; 0: none */
	double binaural_offset_hz;	/* right = left + offset */
	double pulse_hz;		/* 0: no pulse */
};

/* Parse a spec (above). 0, or -EINVAL with err "--bed: ...". */
int ras_bed_parse(const char *spec, struct ras_bed_config *cfg, char *err, size_t errlen);

struct ras_bed;

/* NULL with errno EINVAL (a value out of range) or ENOMEM. */
struct ras_bed *ras_bed_new(const struct ras_bed_config *cfg, double rate);
void ras_bed_free(struct ras_bed *b);
const struct ras_music_source *ras_bed_source(struct ras_bed *b);

#endif

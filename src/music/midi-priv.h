/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the score readers (smf.c, groove.c) share with midi.c. */
#ifndef RASBEAT_MIDI_PRIV_H
#define RASBEAT_MIDI_PRIV_H

#include "rasbeat/midi.h"

struct ras_midi {
	struct ras_midi_event *ev;
	size_t n, cap;
	double length;		/* loop, beats */
	double bar;		/* beats per bar */
};

struct ras_midi *midi_new(void);
/* Append an event; 0 or -ENOMEM. */
int midi_add(struct ras_midi *m, double beat, uint8_t status, uint8_t d1, uint8_t d2);
/* Sort (stable within one beat, by kind) and set the loop: `end` rounded
 * up to whole bars of `bar` beats. 0 or -ENOMEM. */
int midi_finish(struct ras_midi *m, double end, double bar);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the two MIDI fuzz targets (SMF, groove) check of a parse. */
#ifndef RASBEAT_FUZZ_MIDI_H
#define RASBEAT_FUZZ_MIDI_H

#include <math.h>

#include "fuzz.h"
#include "rasbeat/midi.h"

/*
 * After a MIDI parser (SMF or groove): a refusal has its message and no
 * score; a score reads as the synth would (every event, a positive finite
 * loop and bar), then is freed.
 */
static inline void fuzz_check_score(int ret, struct ras_midi *m, const char *err, size_t errlen,
				    const char *name)
{
	if (ret) {
		fuzz_check_err(err, errlen, name);
		if (m)
			abort();
		return;
	}
	{
		size_t n = ras_midi_count(m);
		double len = ras_midi_length(m), bar = ras_midi_bar(m);

		if (!(len > 0) || !(bar > 0) || !isfinite(len))
			abort();
		for (size_t i = 0; i < n; i++)
			if (!ras_midi_event(m, i))
				abort();
	}
	ras_midi_free(m);
}

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Standard MIDI Files (--music FILE.mid): ras_midi_parse_smf on the bytes,
 * then the score read as the synth would (every event, length, bar). */
#include <math.h>

#include "fuzz.h"
#include "rasbeat/midi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct ras_midi *m = NULL;
	FUZZ_ERR(err);
	int ret;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	ret = ras_midi_parse_smf(buf, size, "fuzz.mid", &m, err, sizeof(err));
	if (ret) {
		fuzz_check_err(err, sizeof(err), "fuzz.mid");
		if (m)
			abort();
	} else {
		size_t n = ras_midi_count(m);
		double len = ras_midi_length(m), bar = ras_midi_bar(m);

		if (!(len > 0) || !(bar > 0) || !isfinite(len))
			abort();
		for (size_t i = 0; i < n; i++)
			if (!ras_midi_event(m, i))
				abort();
		ras_midi_free(m);
	}
	free(buf);
	return 0;
}

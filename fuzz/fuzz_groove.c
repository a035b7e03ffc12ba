/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Groove files (--music FILE.groove): ras_midi_parse_groove (over the INI
 * layer), then the score read as the synth would. */
#include <math.h>

#include "fuzz.h"
#include "rasbeat/midi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct ras_midi *m = NULL;
	FUZZ_ERR(err);
	int ret;

	ret = ras_midi_parse_groove(text, "fuzz.groove", &m, err, sizeof(err));
	if (ret) {
		fuzz_check_err(err, sizeof(err), "fuzz.groove");
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
	free(text);
	return 0;
}

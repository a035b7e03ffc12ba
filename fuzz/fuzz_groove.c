/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Groove files (--music FILE.groove): ras_midi_parse_groove (over the INI
 * layer), then the score read as the synth would. */
#include "fuzz-midi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct ras_midi *m = NULL;
	FUZZ_ERR(err);
	int ret;

	ret = ras_midi_parse_groove(text, "fuzz.groove", &m, err, sizeof(err));
	fuzz_check_score(ret, m, err, sizeof(err), "fuzz.groove");
	free(text);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Standard MIDI Files (--music FILE.mid): ras_midi_parse_smf on the bytes,
 * then the score read as the synth would (every event, length, bar). */
#include "fuzz-midi.h"

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
	fuzz_check_score(ret, m, err, sizeof(err), "fuzz.mid");
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The small option grammars: --bed SPEC (ras_bed_parse) and --walker SPEC
 * (ras_walker_parse), each fed the same text; an accepted spec is also
 * built (ras_bed_new, ras_walker_new) and the walker's described back and
 * re-read, which must give the same spec again. */
#include <errno.h>

#include "fuzz.h"
#include "rasbeat/bed.h"
#include "rasbeat/walker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct ras_bed_config bc;
	struct ras_walker_config wc, back;
	char spec[1024], again[1024];
	FUZZ_ERR(err);

	if (ras_bed_parse(text, &bc, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err), "--bed");
	} else {
		struct ras_bed *b = ras_bed_new(&bc, 48000);

		ras_bed_free(b);
	}
	err[0] = '\0';
	if (ras_walker_parse(text, &wc, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err), "--walker");
	} else {
		struct ras_walker *w = ras_walker_new(&wc);

		ras_walker_free(w);
		if (!ras_walker_describe(&wc, spec, sizeof(spec))) {
			err[0] = '\0';
			if (ras_walker_parse(spec, &back, err, sizeof(err))) {
				fprintf(stderr, "fuzz: described walker '%s' refused: %s\n", spec, err);
				abort();
			}
			if (ras_walker_describe(&back, again, sizeof(again)) || strcmp(spec, again)) {
				fprintf(stderr, "fuzz: walker '%s' read back as '%s'\n", spec, again);
				abort();
			}
		}
	}
	free(text);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tempo maps (--map FILE): ras_tempomap_parse, then what play does with
 * the schedule: a count-in copy and the times of the first beats. */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "rasbeat/tempomap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct ras_schedule *s = NULL, *c;
	struct ras_meter m;
	FUZZ_ERR(err);
	int ret;

	ras_meter_default(&m);
	ret = ras_tempomap_parse(text, "fuzz.map", &m, &s, err, sizeof(err));
	if (ret) {
		fuzz_check_err(err, sizeof(err), "fuzz.map");
		if (s)
			abort();
	} else {
		c = ras_tempomap_countin(s, 1);
		for (int i = 0; i < 64; i++) {
			long double t = ras_schedule_time_at(s, i * 0.5L);

			if (isfinite((double)t))
				(void)ras_time_to_frame(t, 48000);
		}
		(void)ras_schedule_end_time(s);
		ras_schedule_free(c);
		ras_schedule_free(s);
	}
	free(text);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* evemu recordings (--input FILE.evemu): ras_evemu_parse on the raw bytes
 * (it takes a length: no NUL needed), then the device and events read. */
#include "fuzz.h"
#include "rasbeat/evemu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly `size` bytes: ASan sees a read past the end. */
	char *text = malloc(size ? size : 1);
	struct ras_evemu *rec = NULL;
	FUZZ_ERR(err);
	int ret;

	if (!text)
		abort();
	memcpy(text, data, size);
	ret = ras_evemu_parse(text, size, "fuzz.evemu", &rec, err, sizeof(err));
	if (ret) {
		fuzz_check_err(err, sizeof(err), "fuzz.evemu");
	} else {
		const struct ras_input_event *ev = ras_evemu_events(rec);
		size_t n = ras_evemu_count(rec);
		long sum = 0;

		(void)ras_evemu_device(rec);
		for (size_t i = 0; i < n; i++)
			sum += ev[i].value;
		if (sum == 42424242)
			fprintf(stderr, "%ld\n", sum);
		ras_evemu_free(rec);
	}
	free(text);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OSC datagrams (--osc PORT): ras_osc_parse_packet, what the receiving
 * thread runs on each datagram (bundles walked, each message parsed by
 * ras_osc_parse with liblo). The input is one datagram; the checks are
 * that a refusal says why and an action's strings are terminated. */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "rasbeat/osc.h"

static void each(void *user, int ret, const struct ras_action *a, const char *why)
{
	(void)user;
	if (ret < 0) {
		if (a || !why || !why[0] || ret != -EINVAL)
			abort();
		return;
	}
	if (!a || ret > RAS_OSC_UNREGISTER || a->source != RAS_SOURCE_OSC)
		abort();
	if (!memchr(a->text, '\0', sizeof(a->text)) || !memchr(a->from, '\0', sizeof(a->from)))
		abort();
	if (ret == RAS_OSC_ACTION && a->kind == RAS_ACTION_TEMPO_SET && !isfinite(a->value))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly `size` bytes, as recvfrom leaves them. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	ras_osc_parse_packet(buf, size, each, NULL);
	free(buf);
	return 0;
}

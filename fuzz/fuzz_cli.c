/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line: the input split on NUL bytes into argv (argv[0] is
 * "rasbeat"), then ras_cli_parse. A refusal must come with a message. An
 * accepted line gets its tempo schedule built as play builds it (main.c:
 * meter, --tempo/--ramp/--step, count-in; a --map file is not read). */
#include "fuzz.h"
#include "rasbeat/cli.h"
#include "rasbeat/tempomap.h"

#define ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *argv[ARGS_MAX + 2];
	static struct ras_options o;
	int argc = 0;
	FUZZ_ERR(err);
	char name[] = "rasbeat";

	argv[argc++] = name;
	for (char *p = text; p <= text + size && argc <= ARGS_MAX; p += strlen(p) + 1)
		argv[argc++] = p;
	/* A trailing NUL ends the last argument; it starts none. */
	if (argc > 1 && size && !data[size - 1] && argv[argc - 1] == text + size)
		argc--;
	argv[argc] = NULL;
	memset(&o, 0, sizeof(o));
	if (ras_cli_parse(argc, argv, &o, err, sizeof(err))) {
		fuzz_check_err(err, sizeof(err), NULL);
	} else {
		struct ras_schedule *s = NULL, *c;
		struct ras_meter m;

		ras_meter_default(&m);
		ras_meter_set_beats(&m, o.beats);
		m.denom = o.denom;
		m.sub = o.sub;
		switch (o.source) {
		case RAS_SOURCE_TEMPO:
			s = ras_tempomap_constant(&m, o.tempo);
			break;
		case RAS_SOURCE_RAMP:
			s = ras_tempomap_ramp(&m, o.ramp[0], o.ramp[1], o.ramp[2]);
			break;
		case RAS_SOURCE_STEP:
			s = ras_tempomap_steps(&m, o.tempo, o.step[0], o.step[1], o.step[2]);
			break;
		case RAS_SOURCE_MAP:
			break;
		}
		if (s && o.countin > 0) {
			c = ras_tempomap_countin(s, o.countin);
			ras_schedule_free(s);
			s = c;
		}
		if (s)
			(void)ras_schedule_time_at(s, 4);
		ras_schedule_free(s);
	}
	free(text);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --session FILE: the file goes to the program parser (program.h) and,
 * without program=, to the gait session parser (session.h), both over the
 * shared INI layer (inifile.h). A program is also built into its schedule
 * and described; a session is polled through its first phase. */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "rasbeat/program.h"
#include "rasbeat/session.h"

static void program(const char *text)
{
	static struct ras_program p;
	struct ras_schedule *s = NULL;
	char buf[256];
	FUZZ_ERR(err);
	int ret;

	ret = ras_program_parse(text, "fuzz.ini", &p, err, sizeof(err));
	if (ret == -ENODATA)
		return;
	if (ret) {
		fuzz_check_err(err, sizeof(err), "fuzz.ini");
		return;
	}
	err[0] = '\0';
	ret = ras_program_build(&p, &s, err, sizeof(err));
	if (ret) {
		fuzz_check_err(err, sizeof(err), NULL);
		return;
	}
	for (int64_t b = 0; b < 6; b++) {
		double len;

		(void)ras_program_segment_time(&p, b, &len);
		ras_program_describe(&p, b, buf, sizeof(buf));
	}
	ras_schedule_free(s);
}

static void session(const char *text)
{
	struct ras_session_config cfg;
	struct ras_session_info info;
	struct ras_cmd cmd[RAS_SESSION_CMD_MAX];
	struct ras_session_event ev;
	struct ras_session *s;
	FUZZ_ERR(err);

	ras_session_config_default(&cfg);
	s = ras_session_new_from_string(&cfg, text, "fuzz.ini", err, sizeof(err));
	if (!s) {
		fuzz_check_err(err, sizeof(err), "fuzz.ini");
		return;
	}
	ras_session_info(s, &info);
	for (int i = 0; i < info.phases; i++)
		if (!ras_session_phase(s, i))
			abort();
	for (int i = 0; i < ras_session_sound_count(s); i++)
		if (!ras_session_sound_name(s, i, NULL))
			abort();
	for (int i = 0; i < 4; i++) {
		ras_session_poll(s, i * 0.5, cmd, RAS_SESSION_CMD_MAX);
		ras_session_step(s, i * 0.5 + 0.1, RAS_FOOT_LEFT);
		while (ras_session_next_event(s, &ev))
			;
	}
	ras_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	program(text);
	session(text);
	free(text);
	return 0;
}

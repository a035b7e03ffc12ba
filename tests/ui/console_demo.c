// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * console_demo ACTIONS_FILE [SECONDS]: the console over a made-up session,
 * for tests/ui/test_console.c (driven in tmux). It applies the tempo and
 * pause actions to its fake status, so the screen follows the keys, and
 * writes every action to ACTIONS_FILE, one line each:
 *
 *   KIND SOURCE VALUE TEXT      e.g. "tempo_delta key 1.0000 "
 *
 * then "ready" once the first screen is drawn, "end" at exit. It ends on
 * QUIT or after SECONDS (default 60).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rasbeat/console.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct ras_status st;
	struct ras_console *c;
	struct ras_action a;
	char err[256], v[32];
	double t0 = now(), limit = argc > 2 ? atof(argv[2]) : 60, t;
	FILE *out;
	bool quit = false, ready = false;

	if (argc < 2) {
		fprintf(stderr, "usage: console_demo ACTIONS_FILE [SECONDS]\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	c = ras_console_new(err, sizeof(err));
	if (!c) {
		fprintf(out, "error %s\n", err);
		fclose(out);
		return 1;
	}
	ras_status_init(&st);
	st.tempo_bpm = 100;
	st.target_bpm = 104;
	snprintf(st.mode, sizeof(st.mode), "protocol");
	snprintf(st.patient, sizeof(st.patient), "P01");
	snprintf(st.phase, sizeof(st.phase), "ramp");
	snprintf(st.phase_type, sizeof(st.phase_type), "ramp");
	st.phase_index = 1;
	st.phase_count = 4;
	st.phase_length_s = 300;
	snprintf(st.sensor, sizeof(st.sensor), "walker");
	snprintf(st.log_dir, sizeof(st.log_dir), "/tmp/rasbeat-demo/P01/2024-05-01T10-00-00");
	while (!quit && (t = now() - t0) < limit) {
		double period = 60 / st.tempo_bpm;

		st.time_s = t;
		st.phase_elapsed_s = 130 + t;
		st.cadence_spm = 98.5 + fmod(t, 3);
		st.r = 0.93;
		st.async_ms = -12;
		st.beat_index = (int64_t)(t / period);
		st.beat_time_s = st.beat_index * period;
		st.beat_foot = st.beat_index % 2 ? RAS_FOOT_RIGHT : RAS_FOOT_LEFT;
		st.beat_audible = !st.paused;
		st.step_time_s[st.beat_foot] = st.beat_time_s + 0.01;
		snprintf(st.message, sizeof(st.message), "ramp up: R 0.93 >= 0.8");
		while (ras_console_poll(c, &a) > 0) {
			double bpm;

			fprintf(out, "%s %s %s %s\n", ras_action_kind_name(a.kind),
				ras_action_source_name(a.source), ras_status_num(v, sizeof(v), a.value, 4),
				a.text);
			fflush(out);
			if (!ras_action_tempo(&a, st.tempo_bpm, st.bpm_min, st.bpm_max, &bpm))
				st.tempo_bpm = bpm;
			if (a.kind == RAS_ACTION_PAUSE_TOGGLE)
				st.paused = !st.paused;
			if (a.kind == RAS_ACTION_QUIT)
				quit = true;
		}
		ras_console_draw(c, &st);
		if (!ready) {
			fprintf(out, "ready\n");
			fflush(out);
			ready = true;
		}
		nanosleep(&(struct timespec){ 0, 30000000 }, NULL);
	}
	ras_console_free(c);
	fprintf(out, "end\n");
	fclose(out);
	printf("console_demo: ended\n");
	return 0;
}

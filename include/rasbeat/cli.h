/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - command line
 *
 * Parses `rasbeat COMMAND [options]` into struct ras_options, checking every
 * value. Nothing is opened or started here. Not RT-safe.
 */
#ifndef RASBEAT_CLI_H
#define RASBEAT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rasbeat/engine.h"

enum ras_command {
	RAS_RUN_PLAY,
	RAS_RUN_RENDER,
	RAS_RUN_DEMO,
	RAS_RUN_CUES,
	RAS_RUN_DEVICES,
	RAS_RUN_RECORD,
	RAS_RUN_ANALYZE,
	RAS_RUN_REPORT,
	RAS_RUN_HELP,
	RAS_RUN_VERSION,
};

enum ras_source {
	RAS_SOURCE_TEMPO,
	RAS_SOURCE_RAMP,
	RAS_SOURCE_STEP,
	RAS_SOURCE_MAP,
};

struct ras_options {
	enum ras_command command;

	enum ras_source source;
	double tempo;
	double ramp[3];			/* from, to, seconds */
	double step[3];			/* percent, seconds, max bpm */
	const char *map;

	int beats, denom, sub;
	char pattern[RAS_METER_MAX + 1];	/* "" for the default */
	int countin;
	int gap[2];			/* play, mute bars */
	double fade[2];			/* start, length s; start < 0 off */
	bool alternate;
	enum ras_foot first_foot;
	double pan;

	const char *sound[RAS_PART_COUNT];	/* NULL: default */
	double gain_db[RAS_PART_COUNT];
	double master_db;
	double music_db, bed_db;	/* --gain music=, bed= */

	/* music (music.h) */
	const char *music;		/* .mid, .groove, or an audio song */
	double music_bpm, music_offset;	/* a song's grid; music_bpm 0: find it */
	const char *soundfont;
	const char *bed;		/* bed.h spec */
	double duck_db;			/* music dips this much under accents; 0 off */
	bool no_click;

	/* the operator (play) */
	const char *osc_port;		/* --osc PORT: remote control; NULL off */
	const char *osc_bind;		/* --osc-bind ADDR (127.0.0.1) */
	bool no_console;		/* a status line even on a terminal */
	bool reconnect;			/* wait for a lost JACK server to return */

	double duration;		/* < 0: until the schedule ends or a signal */
	double rate;
	uint32_t block;
	const char *out;
	const char *beats_out;
	const char *out_dir;

	const char *client_name;
	const char *server;
	bool no_connect;
	char *connect[2];
	char connect_buf[512];
	bool quiet;

	/* sensors */
	const char *input;		/* device path, name, vendor:product, or .evemu file */
	const char *sensor;		/* footswitch, force, accel */
	const char *steps_out;
	const char *left_code, *right_code;	/* names (KEY_A, ABS_X) or numbers */
	double lockout, debounce;	/* s; < 0: the detector's default */
	bool grab;

	/* closing the loop */
	const char *walker;		/* simulated walker spec, see walker.h */
	const char *session;		/* a session protocol (INI), see session.h */
	const char *log_dir;		/* --log DIR: the session's record (record.h) */
	bool no_log;			/* --no-log: none, not even the default one */
	const char *patient;		/* pseudonymous id (sessionlog.h) */
	const char *adapt;		/* fixed, follow, entrain */
	double bpm_min, bpm_max;	/* safety limits */
	double max_change;		/* bpm per minute; < 0: the controller's default */

	/* report */
	char **dirs;			/* log folders named on the command line */
	int ndirs;
	const char *svg, *html;
};

/* 0; or 2 (usage error) with a message naming the option or field. */
int ras_cli_parse(int argc, char **argv, struct ras_options *o, char *err, size_t errlen);
void ras_cli_usage(FILE *f);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - the operator's side of `rasbeat play`: console, status line, OSC
 *
 * One place for what the therapist sees and does during a live session:
 * the full-screen console when stdout is a terminal (console.h), else one
 * plain status line every few seconds on stdout, and OSC remote control
 * when asked (osc.h). The play loop takes actions from here, applies them
 * (engine commands, the protocol, the record) and hands back a status
 * snapshot when one is due.
 *
 * While the console is up, whatever the program writes to stderr would
 * land in the middle of the screen: stderr goes to a pipe instead, its
 * last line shows as the console's message, and every line is written to
 * the real stderr when the console closes.
 *
 * Not RT-safe: the play loop's thread only.
 */
#ifndef RASBEAT_OPERATOR_H
#define RASBEAT_OPERATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "rasbeat/action.h"

struct ras_operator_config {
	bool console;		/* take the terminal when stdout is one */
	bool status_line;	/* else a status line every line_s seconds */
	double line_s;		/* 5 */
	const char *osc_port;	/* NULL: no OSC */
	const char *osc_bind;	/* NULL: 127.0.0.1 */
	double bpm_min, bpm_max;	/* what /rasbeat/tempo accepts */
};

struct ras_operator;

/* NULL with err set when OSC cannot listen (the console failing only
 * falls back to the status line, said on stderr). */
struct ras_operator *ras_operator_new(const struct ras_operator_config *cfg, char *err,
				      size_t errlen);
/* The console back to the terminal, stderr back, its lines replayed. */
void ras_operator_free(struct ras_operator *op);

/* The next action from a key or OSC; false when none waits. */
bool ras_operator_next(struct ras_operator *op, struct ras_action *out);
/* A status snapshot is due (every 100 ms). */
bool ras_operator_due(struct ras_operator *op);
/* Show it: draw the console, or print the line when its time has come; tell
 * OSC clients of a change (at most 4 times a second, else once a second).
 * st->message is filled here from stderr while the console is up. */
void ras_operator_show(struct ras_operator *op, struct ras_status *st);
/* Answer a QUERY; tell an OSC sender why its action did nothing. */
void ras_operator_reply(struct ras_operator *op, const struct ras_action *a,
			const struct ras_status *st);
void ras_operator_refuse(struct ras_operator *op, const struct ras_action *a, const char *why);
/* Where OSC listens ("osc.udp://127.0.0.1:9000/"), or NULL. */
const char *ras_operator_osc_url(const struct ras_operator *op);
bool ras_operator_console(const struct ras_operator *op);

#endif

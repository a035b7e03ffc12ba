/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rasbeat/console.h"
#include "rasbeat/operator.h"
#include "rasbeat/osc.h"

#define DRAW_S 0.1
#define NOTIFY_MIN_S 0.25
#define NOTIFY_MAX_S 1.0
#define SAID_MAX (256 * 1024)

struct ras_operator {
	struct ras_operator_config cfg;
	struct ras_console *con;
	struct ras_osc *osc;
	double next_draw, next_line, last_notify;
	struct ras_status told;		/* what OSC clients heard last */
	bool told_any;
	/* stderr while the console is up */
	int saved_err, pipe_rd;
	char *said;
	size_t nsaid;
	char last[RAS_STATUS_TEXT_MAX];
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* stderr into a pipe read here, so that messages never scribble on the screen. */
static void capture_stderr(struct ras_operator *op)
{
	int fd[2];

	op->saved_err = op->pipe_rd = -1;
	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK))
		return;
	fflush(stderr);
	op->saved_err = dup(2);
	if (op->saved_err < 0 || dup2(fd[1], 2) < 0) {
		close(fd[0]);
		close(fd[1]);
		if (op->saved_err >= 0)
			close(op->saved_err);
		op->saved_err = -1;
		return;
	}
	close(fd[1]);
	op->pipe_rd = fd[0];
	setvbuf(stderr, NULL, _IOLBF, 0);
}

static void read_stderr(struct ras_operator *op)
{
	char buf[4096];
	ssize_t n;

	if (op->pipe_rd < 0)
		return;
	fflush(stderr);
	while ((n = read(op->pipe_rd, buf, sizeof(buf))) > 0) {
		char *p;

		/* Keep the newest: past the cap, the oldest half goes. */
		if (op->nsaid + (size_t)n > SAID_MAX) {
			size_t drop = op->nsaid / 2;

			memmove(op->said, op->said + drop, op->nsaid - drop);
			op->nsaid -= drop;
		}
		if ((p = realloc(op->said, op->nsaid + (size_t)n))) {
			op->said = p;
			memcpy(op->said + op->nsaid, buf, (size_t)n);
			op->nsaid += (size_t)n;
		}
	}
	/* The last whole line, without "rasbeat: ", for the message line. */
	if (op->nsaid) {
		size_t end = op->nsaid, start;

		while (end > 0 && op->said[end - 1] == '\n')
			end--;
		start = end;
		while (start > 0 && op->said[start - 1] != '\n')
			start--;
		if (end - start > 9 && !strncmp(op->said + start, "rasbeat: ", 9))
			start += 9;
		snprintf(op->last, sizeof(op->last), "%.*s", (int)(end - start), op->said + start);
	}
}

struct ras_operator *ras_operator_new(const struct ras_operator_config *cfg, char *err,
				      size_t errlen)
{
	struct ras_operator *op = calloc(1, sizeof(*op));

	if (!op) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	op->cfg = *cfg;
	if (op->cfg.line_s <= 0)
		op->cfg.line_s = 5;
	op->saved_err = op->pipe_rd = -1;
	if (cfg->osc_port) {
		op->osc = ras_osc_new(cfg->osc_port, cfg->osc_bind, err, errlen);
		if (!op->osc) {
			free(op);
			return NULL;
		}
		ras_osc_set_limits(op->osc, cfg->bpm_min, cfg->bpm_max);
	}
	if (cfg->console && isatty(1)) {
		char why[256];

		op->con = ras_console_new(why, sizeof(why));
		if (op->con)
			capture_stderr(op);
		else
			fprintf(stderr, "rasbeat: no console (%s): a status line instead\n", why);
	}
	op->next_line = mono_now() + op->cfg.line_s;
	return op;
}

void ras_operator_free(struct ras_operator *op)
{
	if (!op)
		return;
	ras_console_free(op->con);
	read_stderr(op);
	if (op->saved_err >= 0) {
		fflush(stderr);
		dup2(op->saved_err, 2);
		close(op->saved_err);
		close(op->pipe_rd);
		/* What was said meanwhile, now that the screen is back. */
		if (op->nsaid && write(2, op->said, op->nsaid) < 0)
			op->nsaid = 0;
	}
	ras_osc_free(op->osc);
	free(op->said);
	free(op);
}

bool ras_operator_next(struct ras_operator *op, struct ras_action *out)
{
	if (op->con && ras_console_poll(op->con, out) > 0)
		return true;
	return op->osc && ras_osc_next(op->osc, out);
}

bool ras_operator_due(struct ras_operator *op)
{
	double now = mono_now();

	if (now < op->next_draw)
		return false;
	op->next_draw = now + DRAW_S;
	return true;
}

/* Worth telling OSC clients at once. */
static bool changed(const struct ras_status *a, const struct ras_status *b)
{
	return fabs(a->tempo_bpm - b->tempo_bpm) >= 0.05 || a->phase_index != b->phase_index ||
	       a->paused != b->paused || a->sensor_alert != b->sensor_alert;
}

void ras_operator_show(struct ras_operator *op, struct ras_status *st)
{
	double now = mono_now();

	if (op->con) {
		read_stderr(op);
		if (*op->last)
			snprintf(st->message, sizeof(st->message), "%s", op->last);
		ras_console_draw(op->con, st);
	} else if (op->cfg.status_line && now >= op->next_line) {
		char line[512];

		ras_status_line(st, line, sizeof(line));
		printf("%s\n", line);
		fflush(stdout);
		op->next_line = now + op->cfg.line_s;
	}
	if (op->osc && ras_osc_clients(op->osc) > 0 &&
	    ((now - op->last_notify >= NOTIFY_MIN_S && (!op->told_any || changed(st, &op->told))) ||
	     now - op->last_notify >= NOTIFY_MAX_S)) {
		ras_osc_notify(op->osc, st);
		op->told = *st;
		op->told_any = true;
		op->last_notify = now;
	}
}

void ras_operator_reply(struct ras_operator *op, const struct ras_action *a,
			const struct ras_status *st)
{
	if (op->osc && a->source == RAS_SOURCE_OSC && *a->from)
		ras_osc_reply(op->osc, a->from, st);
}

void ras_operator_refuse(struct ras_operator *op, const struct ras_action *a, const char *why)
{
	if (op->osc && a->source == RAS_SOURCE_OSC && *a->from)
		ras_osc_error(op->osc, a->from, why);
}

const char *ras_operator_osc_url(const struct ras_operator *op)
{
	return op->osc ? ras_osc_url(op->osc) : NULL;
}

bool ras_operator_console(const struct ras_operator *op)
{
	return op->con != NULL;
}

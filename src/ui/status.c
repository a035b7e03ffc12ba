// SPDX-License-Identifier: GPL-3.0-or-later
/* Actions and the status snapshot: names, descriptions, the plain line. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rasbeat/action.h"

static const char *const kind_names[RAS_ACTION_COUNT] = {
	[RAS_ACTION_TEMPO_SET] = "tempo_set",
	[RAS_ACTION_TEMPO_DELTA] = "tempo_delta",
	[RAS_ACTION_TEMPO_SCALE] = "tempo_scale",
	[RAS_ACTION_PAUSE_TOGGLE] = "pause_toggle",
	[RAS_ACTION_PAUSE] = "pause",
	[RAS_ACTION_RESUME] = "resume",
	[RAS_ACTION_NEXT_PHASE] = "next_phase",
	[RAS_ACTION_MARK] = "mark",
	[RAS_ACTION_QUIT] = "quit",
	[RAS_ACTION_QUERY] = "query",
};

static const char *const source_names[RAS_SOURCE_COUNT] = {
	[RAS_SOURCE_KEY] = "key",
	[RAS_SOURCE_OSC] = "osc",
	[RAS_SOURCE_ADAPT] = "adaptation",
};

const char *ras_action_kind_name(enum ras_action_kind kind)
{
	return (unsigned)kind < RAS_ACTION_COUNT ? kind_names[kind] : "?";
}

const char *ras_action_source_name(enum ras_action_source source)
{
	return (unsigned)source < RAS_SOURCE_COUNT ? source_names[source] : "?";
}

/* Integer arithmetic, so that no locale can turn the dot into a comma. */
char *ras_status_num(char *buf, size_t len, double v, int decimals)
{
	long long scale = 1, r;

	if (!len)
		return buf;
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	if (fabs(v) * scale >= 9e15) {
		snprintf(buf, len, "%.0f", v);	/* no decimal point to localize */
		return buf;
	}
	r = llround(fabs(v) * scale);
	if (decimals)
		snprintf(buf, len, "%s%lld.%0*lld", v < 0 && r ? "-" : "", r / scale, decimals,
			 r % scale);
	else
		snprintf(buf, len, "%s%lld", v < 0 && r ? "-" : "", r);
	return buf;
}

char *ras_status_clock(char *buf, size_t len, double s)
{
	long t;

	if (!isfinite(s) || s < 0 || s > 1e7) {
		snprintf(buf, len, "-");
		return buf;
	}
	t = (long)floor(s);
	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
	return buf;
}

/* A number with up to `decimals` decimals, trailing zeros dropped, signed. */
static char *signed_num(char *buf, size_t len, double v, int decimals)
{
	char tmp[48];
	char *dot;
	size_t n;

	ras_status_num(tmp, sizeof(tmp), v, decimals);
	dot = strchr(tmp, '.');
	if (dot) {
		n = strlen(tmp);
		while (n && tmp[n - 1] == '0')
			tmp[--n] = '\0';
		if (tmp[n - 1] == '.')
			tmp[n - 1] = '\0';
	}
	snprintf(buf, len, "%s%s", isfinite(v) && v >= 0 ? "+" : "", tmp);
	return buf;
}

void ras_action_describe(const struct ras_action *a, char *buf, size_t len)
{
	char num[48];
	int n = 0;

	if (!len)
		return;
	switch (a->kind) {
	case RAS_ACTION_TEMPO_SET:
		n = snprintf(buf, len, "tempo %s bpm", ras_status_num(num, sizeof(num), a->value, 1));
		break;
	case RAS_ACTION_TEMPO_DELTA:
		n = snprintf(buf, len, "tempo %s bpm", signed_num(num, sizeof(num), a->value, 1));
		break;
	case RAS_ACTION_TEMPO_SCALE:
		n = snprintf(buf, len, "tempo %s %%",
			     signed_num(num, sizeof(num), (a->value - 1) * 100, 1));
		break;
	case RAS_ACTION_PAUSE_TOGGLE:
		n = snprintf(buf, len, "pause/resume");
		break;
	case RAS_ACTION_PAUSE:
		n = snprintf(buf, len, "pause");
		break;
	case RAS_ACTION_RESUME:
		n = snprintf(buf, len, "resume");
		break;
	case RAS_ACTION_NEXT_PHASE:
		n = snprintf(buf, len, "next phase");
		break;
	case RAS_ACTION_MARK:
		n = a->text[0] ? snprintf(buf, len, "mark: %.*s", RAS_ACTION_TEXT_MAX, a->text)
			       : snprintf(buf, len, "mark");
		break;
	case RAS_ACTION_QUIT:
		n = snprintf(buf, len, "quit");
		break;
	case RAS_ACTION_QUERY:
		n = snprintf(buf, len, "query");
		break;
	default:
		n = snprintf(buf, len, "unknown action %d", (int)a->kind);
		break;
	}
	if (a->source == RAS_SOURCE_OSC && a->from[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (from %.*s)", RAS_ACTION_FROM_MAX, a->from);
}

int ras_action_tempo(const struct ras_action *a, double current_bpm, double bpm_min,
		     double bpm_max, double *bpm)
{
	double v;

	if (a->kind == RAS_ACTION_TEMPO_SET) {
		if (!isfinite(a->value) || a->value < bpm_min || a->value > bpm_max)
			return -ERANGE;
		*bpm = a->value;
		return 0;
	}
	if (!isfinite(a->value) || !isfinite(current_bpm))
		return -EINVAL;
	switch (a->kind) {
	case RAS_ACTION_TEMPO_DELTA:
		v = current_bpm + a->value;
		break;
	case RAS_ACTION_TEMPO_SCALE:
		if (a->value <= 0)
			return -EINVAL;
		v = current_bpm * a->value;
		break;
	default:
		return -EINVAL;
	}
	*bpm = fmin(fmax(v, bpm_min), bpm_max);
	return 0;
}

void ras_status_init(struct ras_status *st)
{
	memset(st, 0, sizeof(*st));
	st->tempo_bpm = st->target_bpm = st->cadence_spm = NAN;
	st->bpm_min = 40;
	st->bpm_max = 180;
	snprintf(st->mode, sizeof(st->mode), "fixed");
	st->phase_index = -1;
	st->phase_elapsed_s = st->phase_length_s = NAN;
	st->r = st->async_ms = NAN;
	st->beat_index = -1;
	st->beat_time_s = NAN;
	st->beat_foot = RAS_FOOT_NONE;
	for (int i = 0; i < RAS_STATUS_STEP_COUNT; i++)
		st->step_time_s[i] = NAN;
	snprintf(st->sensor, sizeof(st->sensor), "none");
	snprintf(st->log_dir, sizeof(st->log_dir), "(no record)");
}

/* Append to buf at *pos, keeping it terminated when it does not fit. */
__attribute__((format(printf, 4, 5)))
static void add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = *pos + n < len ? *pos + n : len;
}

static double ago(const struct ras_status *st, enum ras_status_step i)
{
	double d = st->time_s - st->step_time_s[i];

	return isfinite(d) ? fmax(d, 0) : NAN;
}

void ras_status_line(const struct ras_status *st, char *buf, size_t len)
{
	char a[48], b[48];
	size_t pos = 0;
	double l, r, any;

	if (!len)
		return;
	buf[0] = '\0';
	add(buf, len, &pos, "rasbeat: %s s", ras_status_num(a, sizeof(a), st->time_s, 1));
	if (st->phase[0] && isfinite(st->phase_length_s))
		add(buf, len, &pos, "  phase %s %s/%s", st->phase,
		    ras_status_clock(a, sizeof(a), st->phase_elapsed_s),
		    ras_status_clock(b, sizeof(b), st->phase_length_s));
	else if (st->phase[0])
		add(buf, len, &pos, "  phase %s %s", st->phase,
		    ras_status_clock(a, sizeof(a), st->phase_elapsed_s));
	else
		add(buf, len, &pos, "  mode %s", st->mode);
	add(buf, len, &pos, "  tempo %s bpm", ras_status_num(a, sizeof(a), st->tempo_bpm, 1));
	add(buf, len, &pos, "  cadence %s spm", ras_status_num(a, sizeof(a), st->cadence_spm, 1));
	add(buf, len, &pos, "  R %s", ras_status_num(a, sizeof(a), st->r, 2));
	add(buf, len, &pos, "  async %s ms", ras_status_num(a, sizeof(a), st->async_ms, 0));
	l = ago(st, RAS_STATUS_STEP_LEFT);
	r = ago(st, RAS_STATUS_STEP_RIGHT);
	any = ago(st, RAS_STATUS_STEP_ANY);
	if (isfinite(l) || isfinite(r)) {
		add(buf, len, &pos, "  steps L %s%s", ras_status_num(a, sizeof(a), l, 1),
		    isfinite(l) ? " s" : "");
		add(buf, len, &pos, " R %s%s ago", ras_status_num(a, sizeof(a), r, 1),
		    isfinite(r) ? " s" : "");
	} else if (isfinite(any)) {
		add(buf, len, &pos, "  step %s s ago", ras_status_num(a, sizeof(a), any, 1));
	} else {
		add(buf, len, &pos, "  steps -");
	}
	add(buf, len, &pos, "  xruns %llu", (unsigned long long)st->xruns);
	if (st->paused)
		add(buf, len, &pos, "  PAUSED");
	if (st->sensor_alert)
		add(buf, len, &pos, "  sensor %s", st->sensor);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/measures.h"
#include "rasbeat/report.h"
#include "rasbeat/svg.h"

#define DASH "\xe2\x80\x93"	/* en dash: no value */
#define CELL 96

/* Formatting */

static const char *num(char *buf, double v, int decimals)
{
	if (!isfinite(v))
		return strcpy(buf, DASH);
	snprintf(buf, CELL, "%.*f", decimals, v);
	/* "-0" reads as a sign where there is none. */
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	return buf;
}

/* m:ss, or h:mm:ss from an hour. */
static const char *clock_time(char *buf, double s)
{
	long t;

	if (!isfinite(s))
		return strcpy(buf, DASH);
	t = lround(s);
	if (t >= 3600)
		snprintf(buf, CELL, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, CELL, "%s%ld:%02ld", t < 0 ? "-" : "", labs(t) / 60, labs(t) % 60);
	return buf;
}

static const char *asynchrony(char *buf, double mean, double sd)
{
	if (!isfinite(mean))
		return strcpy(buf, DASH);
	/* + 0.0 turns a rounded -0 into 0. */
	if (!isfinite(sd))
		snprintf(buf, CELL, "%.0f", round(mean) + 0.0);
	else
		snprintf(buf, CELL, "%.0f \xc2\xb1 %.0f", round(mean) + 0.0, sd);
	return buf;
}

/* "2026-11-21T10:15:00+01:00" as "2026-11-21 10:15". */
static const char *date(char *buf, const char *started)
{
	if (!*started)
		return strcpy(buf, DASH);
	snprintf(buf, CELL, "%s", started);
	if (strlen(buf) >= 16 && buf[10] == 'T') {
		buf[10] = ' ';
		buf[16] = '\0';
	}
	return buf;
}

/* Characters, not bytes: the en dash and ± take one column each. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += (*s & 0xc0) != 0x80;
	return n;
}

/* cells[row * ncols + col]; the first `left` columns are text. */
static void print_table(FILE *out, const char *const *head, size_t ncols, char (*cells)[CELL],
			size_t nrows, size_t left)
{
	size_t w[16];

	for (size_t c = 0; c < ncols; c++) {
		w[c] = width(head[c]);
		for (size_t i = 0; i < nrows; i++)
			if (width(cells[i * ncols + c]) > w[c])
				w[c] = width(cells[i * ncols + c]);
	}
	for (size_t i = 0; i <= nrows; i++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *v = i ? cells[(i - 1) * ncols + c] : head[c];
			int pad = (int)(w[c] - width(v));

			if (c < left)
				fprintf(out, "%s%s%*s", c ? "  " : "", v, pad, "");
			else
				fprintf(out, "  %*s%s", pad, "", v);
		}
		fputc('\n', out);
	}
}

static void html_table(FILE *out, const char *cls, const char *const *head, size_t ncols,
		       char (*cells)[CELL], size_t nrows, size_t left)
{
	fprintf(out, "<table class=\"%s\">\n<thead><tr>", cls);
	for (size_t c = 0; c < ncols; c++) {
		fputs("<th>", out);
		ras_svg_escape(out, head[c]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < nrows; i++) {
		fputs("<tr>", out);
		for (size_t c = 0; c < ncols; c++) {
			fputs(c < left ? "<td>" : "<td class=\"n\">", out);
			ras_svg_escape(out, cells[i * ncols + c]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static const char html_style[] =
	"<style>\n"
	"body { font-family: sans-serif; margin: 24px; color: #222222; background: #ffffff; }\n"
	"h1 { font-size: 22px; } p { margin: 4px 0; }\n"
	"table { border-collapse: collapse; margin: 16px 0; }\n"
	"th, td { border: 1px solid #bbbbbb; padding: 4px 10px; }\n"
	"th { background: #eeeeee; } td { white-space: nowrap; } td.n { text-align: right; }\n"
	"figure { margin: 16px 0; } svg { max-width: 100%; height: auto; }\n"
	"</style>\n";

static void html_begin(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
	      out);
	ras_svg_escape(out, title);
	fprintf(out, "</title>\n%s</head>\n<body>\n<h1>", html_style);
	ras_svg_escape(out, title);
	fputs("</h1>\n", out);
}

/* One session */

static const struct {
	const char *type, *shade, *dot;
} colours[] = {
	{ "baseline", "#e4e4e4", "#555555" },
	{ "cue", "#d5e5f5", "#1f5fa8" },
	{ "ramp", "#d8efd2", "#2e7d32" },
	{ "fade", "#fde4c4", "#c76f00" },
	{ "post", "#eadbf3", "#7b3f9e" },
	{ "", "#f0f0dc", "#666633" },
};

static size_t colour(const char *type)
{
	size_t i = 0;

	while (colours[i].type[0] && strcmp(colours[i].type, type))
		i++;
	return i;
}

static const char *const session_head[] = {
	"phase", "type", "start", "duration", "steps", "cadence spm", "tempo bpm",
	"asynchrony ms", "R", "CV %", "asymmetry %",
};
#define SESSION_COLS (sizeof(session_head) / sizeof(session_head[0]))

static char (*session_cells(const struct ras_record *r))[CELL]
{
	char (*cells)[CELL] = calloc(r->nphases ? r->nphases * SESSION_COLS : 1, CELL);
	struct ras_phase_summary s;

	for (size_t i = 0; cells && i < r->nphases; i++) {
		char (*c)[CELL] = cells + i * SESSION_COLS;

		ras_record_summarize(r, i, &s);
		snprintf(c[0], CELL, "%s", s.name);
		snprintf(c[1], CELL, "%s", s.type);
		clock_time(c[2], s.start_s);
		clock_time(c[3], s.end_s - s.start_s);
		snprintf(c[4], CELL, "%zu", s.steps);
		num(c[5], s.cadence_spm, 1);
		num(c[6], s.tempo_bpm, 1);
		asynchrony(c[7], s.asynchrony_mean_ms, s.asynchrony_sd_ms);
		num(c[8], s.r, 2);
		num(c[9], s.cv_pct, 1);
		num(c[10], s.asymmetry_pct, 1);
	}
	return cells;
}

/* The session's length: its end, or its last row when later (plots hold every row). */
static double session_end(const struct ras_record *r)
{
	double end = r->end_s;

	if (!isfinite(end))
		end = 0;
	if (r->nsteps && r->steps[r->nsteps - 1].time_s > end)
		end = r->steps[r->nsteps - 1].time_s;
	if (r->nbeats && r->beats[r->nbeats - 1].time_s > end)
		end = r->beats[r->nbeats - 1].time_s;
	return end;
}

static void session_title(char *buf, size_t len, const struct ras_record *r)
{
	char d[CELL];

	date(d, r->started);
	if (*r->patient && *r->started)
		snprintf(buf, len, "Session of patient %s, %s", r->patient, d);
	else if (*r->patient)
		snprintf(buf, len, "Session of patient %s", r->patient);
	else if (*r->started)
		snprintf(buf, len, "Session of %s", d);
	else
		snprintf(buf, len, "Session report");
}

/* Cells and title for the text and HTML writers, in the C locale (the
 * cells' numbers need it too), as progress_begin is for progress. */
struct session_doc {
	char (*cells)[CELL];
	char title[256];
	struct ras_c_numeric l;
};

static int session_doc_begin(struct session_doc *doc, const struct ras_record *r)
{
	int ret = ras_c_numeric_begin(&doc->l);

	if (ret)
		return ret;
	doc->cells = session_cells(r);
	if (!doc->cells) {
		uselocale(doc->l.old);
		return -ENOMEM;
	}
	session_title(doc->title, sizeof(doc->title), r);
	return 0;
}

static int session_doc_end(struct session_doc *doc, FILE *out, int ret)
{
	free(doc->cells);
	return ras_c_numeric_end(&doc->l, out, ret);
}

int ras_report_text(const struct ras_record *r, FILE *out)
{
	struct session_doc doc;
	char len[CELL];
	int ret = session_doc_begin(&doc, r);

	if (ret)
		return ret;
	fprintf(out, "%s\nLength %s, %zu step%s, %zu beat%s, %zu phase%s\n\n", doc.title,
		clock_time(len, session_end(r)), r->nsteps, r->nsteps == 1 ? "" : "s", r->nbeats,
		r->nbeats == 1 ? "" : "s", r->nphases, r->nphases == 1 ? "" : "s");
	if (r->nphases)
		print_table(out, session_head, SESSION_COLS, doc.cells, r->nphases, 2);
	else
		fputs("No phase was recorded.\n", out);
	return session_doc_end(&doc, out, 0);
}

/* Where the plots sit, px. */
#define FIG_W 960
#define FIG_H 1010
#define PLOT_LEFT 80
#define PLOT_W 850

static int phase_at(const struct ras_record *r, double t)
{
	int found = -1;

	for (size_t i = 0; i < r->nphases && r->phases[i].start_s <= t; i++)
		found = i;
	return found;
}

static void phase_bands(struct ras_svg *s, const struct ras_record *r,
			const struct ras_svg_plot *p, double unit, bool labels)
{
	for (size_t i = 0; i < r->nphases; i++) {
		const struct ras_record_phase *ph = &r->phases[i];
		double a = fmax(ph->start_s / unit, p->x0);
		double b = fmin(isnan(ph->end_s) ? p->x1 : ph->end_s / unit, p->x1);
		double x = ras_svg_px(p, a);

		ras_svg_rect(s, x, p->top, ras_svg_px(p, b) - x, p->height, "phase",
			     colours[colour(ph->type)].shade);
		/* Two rows of labels: short phases side by side stay legible. */
		if (labels)
			ras_svg_text(s, x + 3, p->top + (i % 2 ? 26 : 13), "start", 11,
				     "phase-label", ph->name);
	}
}

static void legend(struct ras_svg *s, double x, double y, const char *stroke, bool dot,
		   const char *label)
{
	if (dot)
		ras_svg_circle(s, x + 10, y - 4, 3, NULL, stroke);
	else
		ras_svg_line(s, x, y - 4, x + 20, y - 4, NULL, stroke, 2);
	ras_svg_text(s, x + 26, y, "start", 11, NULL, label);
}

static int plot_cadence(struct ras_svg *s, const struct ras_record *r, double unit,
			const char *xlabel)
{
	struct ras_svg_plot p = { PLOT_LEFT, 70, PLOT_W, 270, 0, session_end(r) / unit, NAN, NAN };
	double lo = INFINITY, hi = -INFINITY, xstep, ystep, *x, *y;
	size_t n = 0;

	x = malloc((4 * r->nbeats + r->nsteps + 1) * sizeof(*x));
	y = malloc((4 * r->nbeats + r->nsteps + 1) * sizeof(*y));
	if (!x || !y) {
		free(x);
		free(y);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nsteps; i++) {
		lo = fmin(lo, r->steps[i].cadence_spm);
		hi = fmax(hi, r->steps[i].cadence_spm);
	}
	for (size_t i = 0; i < r->nbeats; i++) {
		if (r->beats[i].audible) {
			lo = fmin(lo, r->beats[i].tempo_bpm);
			hi = fmax(hi, r->beats[i].tempo_bpm);
		}
	}
	if (lo > hi)
		lo = 60, hi = 140;
	p.y0 = lo - 5;
	p.y1 = hi + 5;
	ystep = ras_svg_nice(&p.y0, &p.y1, 6);
	if (!(p.x1 > 0))
		p.x1 = 1;
	xstep = ras_svg_nice(&p.x0, &p.x1, 10);

	ras_svg_group(s, "cadence-plot", NULL);
	ras_svg_text(s, PLOT_LEFT, 58, "start", 14, "plot-title",
		     "Cadence and cue tempo over the phases");
	phase_bands(s, r, &p, unit, true);
	ras_svg_axes(s, &p, xstep, ystep, xlabel, "steps or beats per minute");

	/* The tempo holds from one sounded beat to the next: a step line. */
	for (size_t i = 0; i < r->nbeats; i++) {
		const struct ras_record_beat *b = &r->beats[i];
		bool on = b->audible && isfinite(b->tempo_bpm);
		bool next = i + 1 < r->nbeats && r->beats[i + 1].audible &&
			    isfinite(r->beats[i + 1].tempo_bpm);

		if (!on)
			continue;
		x[n] = ras_svg_px(&p, b->time_s / unit);
		y[n++] = ras_svg_py(&p, b->tempo_bpm);
		x[n] = ras_svg_px(&p, fmin(next ? r->beats[i + 1].time_s :
					   b->time_s + 60 / b->tempo_bpm, p.x1 * unit) / unit);
		y[n++] = ras_svg_py(&p, b->tempo_bpm);
		if (!next)
			x[n] = y[n] = NAN, n++;
	}
	ras_svg_polyline(s, x, y, n, "tempo", "#222222", 1.5);
	n = 0;
	for (size_t i = 0; i < r->nsteps; i++) {
		x[n] = ras_svg_px(&p, r->steps[i].time_s / unit);
		y[n++] = ras_svg_py(&p, r->steps[i].cadence_spm);
	}
	ras_svg_polyline(s, x, y, n, "cadence-line", "#c0392b", 1);
	for (size_t i = 0; i < n; i++)
		if (isfinite(y[i]))
			ras_svg_circle(s, x[i], y[i], 2.5, "cadence", "#c0392b");
	legend(s, PLOT_LEFT + PLOT_W - 340, 58, "#c0392b", true, "cadence (steps/min)");
	legend(s, PLOT_LEFT + PLOT_W - 165, 58, "#222222", false, "cue tempo (beats/min)");
	ras_svg_group_end(s);
	free(x);
	free(y);
	return 0;
}

static void plot_asynchrony(struct ras_svg *s, const struct ras_record *r, double unit,
			    const char *xlabel)
{
	struct ras_svg_plot p = { PLOT_LEFT, 420, PLOT_W, 200, 0, session_end(r) / unit, 0, 0 };
	double m = 50, xstep, ystep;

	for (size_t i = 0; i < r->nsteps; i++)
		if (r->steps[i].beat_index >= 0)
			m = fmax(m, fabs(r->steps[i].asynchrony_ms));
	p.y0 = -m;
	p.y1 = m;
	ystep = ras_svg_nice(&p.y0, &p.y1, 6);
	if (!(p.x1 > 0))
		p.x1 = 1;
	xstep = ras_svg_nice(&p.x0, &p.x1, 10);

	ras_svg_group(s, "asynchrony-plot", NULL);
	ras_svg_text(s, PLOT_LEFT, 408, "start", 14, "plot-title",
		     "Asynchrony: step time less the beat's (below 0: step before the beat)");
	phase_bands(s, r, &p, unit, false);
	ras_svg_axes(s, &p, xstep, ystep, xlabel, "asynchrony (ms)");
	ras_svg_line(s, p.left, ras_svg_py(&p, 0), p.left + p.width, ras_svg_py(&p, 0), "zero",
		     "#222222", 1);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct ras_record_step *st = &r->steps[i];
		int ph = phase_at(r, st->time_s);

		if (st->beat_index >= 0 && isfinite(st->asynchrony_ms))
			ras_svg_circle(s, ras_svg_px(&p, st->time_s / unit),
				       ras_svg_py(&p, st->asynchrony_ms), 2.5, "asynchrony",
				       colours[colour(ph >= 0 ? r->phases[ph].type : "")].dot);
	}
	ras_svg_group_end(s);
}

static void plot_phase(struct ras_svg *s, const struct ras_record *r)
{
	const double cx = 260, cy = 830, rad = 130;
	struct ras_circ c = { 0 };
	char buf[128];
	double mean, len;

	ras_svg_group(s, "phase-plot", NULL);
	ras_svg_text(s, PLOT_LEFT, 668, "start", 14, "plot-title",
		     "Relative phase of each step to the beat");
	ras_svg_circle(s, cx, cy, rad, "unit-circle", "#f7f7f7");
	fprintf(s->f, "<circle cx=\"%g\" cy=\"%g\" r=\"%g\" fill=\"none\" stroke=\"#444444\" "
		      "stroke-width=\"1\"/>\n", cx, cy, rad);
	ras_svg_line(s, cx - rad, cy, cx + rad, cy, "axis", "#bbbbbb", 1);
	ras_svg_line(s, cx, cy - rad, cx, cy + rad, "axis", "#bbbbbb", 1);
	ras_svg_text(s, cx, cy - rad - 8, "middle", 11, NULL, "0\xc2\xb0 on the beat");
	ras_svg_text(s, cx + rad + 6, cy + 4, "start", 11, NULL, "+90\xc2\xb0 late");
	ras_svg_text(s, cx - rad - 6, cy + 4, "end", 11, NULL, "early -90\xc2\xb0");
	ras_svg_text(s, cx, cy + rad + 18, "middle", 11, NULL, "\xc2\xb1" "180\xc2\xb0");
	/* 0 at the top, late steps clockwise. */
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct ras_record_step *st = &r->steps[i];
		double a = st->relative_phase_deg * M_PI / 180;
		int ph = phase_at(r, st->time_s);

		if (st->beat_index < 0 || !isfinite(a))
			continue;
		ras_circ_add(&c, a);
		ras_svg_circle(s, cx + rad * sin(a), cy - rad * cos(a), 3.5, "step-phase",
			       colours[colour(ph >= 0 ? r->phases[ph].type : "")].dot);
	}
	len = ras_circ_r(&c);
	mean = ras_circ_mean(&c);
	if (isfinite(mean) && isfinite(len))
		ras_svg_line(s, cx, cy, cx + rad * len * sin(mean), cy - rad * len * cos(mean),
			     "mean-vector", "#c0392b", 3);
	if (c.n)
		snprintf(buf, sizeof(buf), "R = %.2f, mean %.0f\xc2\xb0 over %zu steps", len,
			 isfinite(mean) ? mean * 180 / M_PI : 0.0, c.n);
	else
		snprintf(buf, sizeof(buf), "no step near a sounded beat");
	ras_svg_text(s, cx + rad + 120, cy - 70, "start", 13, "phase-r", buf);
	ras_svg_text(s, cx + rad + 120, cy - 48, "start", 11, NULL,
		     "Each dot is a step at its phase relative to the nearest beat;");
	ras_svg_text(s, cx + rad + 120, cy - 32, "start", 11, NULL,
		     "the red line is their mean, its length R (1: all steps at one phase).");
	for (size_t i = 0; i < sizeof(colours) / sizeof(colours[0]) - 1; i++) {
		double y = cy + i * 18;

		ras_svg_rect(s, cx + rad + 120, y - 10, 24, 12, NULL, colours[i].shade);
		ras_svg_circle(s, cx + rad + 132, y - 4, 3.5, NULL, colours[i].dot);
		ras_svg_text(s, cx + rad + 152, y, "start", 11, NULL, colours[i].type);
	}
	ras_svg_group_end(s);
}

static int session_svg(const struct ras_record *r, FILE *out, bool standalone)
{
	double unit = session_end(r) > 300 ? 60 : 1;
	const char *xlabel = unit > 1 ? "time (min)" : "time (s)";
	struct ras_svg s;
	char title[256];
	int ret;

	session_title(title, sizeof(title), r);
	ret = ras_svg_begin(&s, out, FIG_W, FIG_H, title, standalone);
	if (ret)
		return ret;
	ras_svg_text(&s, FIG_W / 2, 28, "middle", 18, "title", title);
	ret = plot_cadence(&s, r, unit, xlabel);
	plot_asynchrony(&s, r, unit, xlabel);
	plot_phase(&s, r);
	return ras_svg_end(&s) ? -EIO : ret;
}

int ras_report_svg(const struct ras_record *r, FILE *out)
{
	return session_svg(r, out, true);
}

int ras_report_html(const struct ras_record *r, FILE *out)
{
	struct session_doc doc;
	char buf[CELL];
	int ret = session_doc_begin(&doc, r);

	if (ret)
		return ret;
	html_begin(out, doc.title);
	fprintf(out, "<p>Length %s, %zu step%s, %zu phase%s", clock_time(buf, session_end(r)),
		r->nsteps, r->nsteps == 1 ? "" : "s", r->nphases, r->nphases == 1 ? "" : "s");
	if (isfinite(r->latency_s))
		fprintf(out, "; output latency %.1f ms", r->latency_s * 1e3);
	fputs(".</p>\n", out);
	if (r->nphases)
		html_table(out, "summary", session_head, SESSION_COLS, doc.cells, r->nphases, 2);
	else
		fputs("<p>No phase was recorded.</p>\n", out);
	fputs("<figure>\n", out);
	ret = session_svg(r, out, false);
	fputs("</figure>\n</body>\n</html>\n", out);
	return session_doc_end(&doc, out, ret);
}

/* Progress */

void ras_report_combine(const struct ras_phase_summary *s, size_t n, const char *const *types,
			const char *name, struct ras_phase_summary *out)
{
	enum { CADENCE, TEMPO, ASYNC, SD, R, CV, ASYM, FIELDS };
	double w[FIELDS] = { 0 }, sum[FIELDS] = { 0 }, plain[FIELDS] = { 0 }, v[FIELDS];
	size_t count[FIELDS] = { 0 };
	double *dst[FIELDS];

	*out = (struct ras_phase_summary){ .start_s = NAN, .end_s = NAN };
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->type, sizeof(out->type), "%s", name);
	dst[CADENCE] = &out->cadence_spm;
	dst[TEMPO] = &out->tempo_bpm;
	dst[ASYNC] = &out->asynchrony_mean_ms;
	dst[SD] = &out->asynchrony_sd_ms;
	dst[R] = &out->r;
	dst[CV] = &out->cv_pct;
	dst[ASYM] = &out->asymmetry_pct;
	for (size_t i = 0; i < n; i++) {
		size_t t = 0;

		while (types[t] && strcmp(types[t], s[i].type))
			t++;
		if (!types[t])
			continue;
		out->steps += s[i].steps;
		out->start_s = fmin(out->start_s, s[i].start_s);
		out->end_s = fmax(out->end_s, s[i].end_s);
		v[CADENCE] = s[i].cadence_spm;
		v[TEMPO] = s[i].tempo_bpm;
		v[ASYNC] = s[i].asynchrony_mean_ms;
		v[SD] = s[i].asynchrony_sd_ms;
		v[R] = s[i].r;
		v[CV] = s[i].cv_pct;
		v[ASYM] = s[i].asymmetry_pct;
		for (int f = 0; f < FIELDS; f++) {
			if (!isfinite(v[f]))
				continue;
			w[f] += s[i].steps;
			sum[f] += s[i].steps * v[f];
			plain[f] += v[f];
			count[f]++;
		}
	}
	for (int f = 0; f < FIELDS; f++)
		*dst[f] = !count[f] ? NAN : w[f] > 0 ? sum[f] / w[f] : plain[f] / count[f];
}

static const char *const baseline_types[] = { "baseline", NULL };
/* A program's own phase is cued too: it sounds the cues. */
static const char *const cued_types[] = { "cue", "ramp", "program", NULL };
static const char *const post_types[] = { "post", NULL };

int ras_report_progress_row(const struct ras_record *r, struct ras_progress_row *out)
{
	struct ras_phase_summary *s = malloc((r->nphases ? r->nphases : 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < r->nphases; i++)
		ras_record_summarize(r, i, &s[i]);
	snprintf(out->patient, sizeof(out->patient), "%s", r->patient);
	snprintf(out->started, sizeof(out->started), "%s", r->started);
	ras_report_combine(s, r->nphases, baseline_types, "baseline", &out->baseline);
	ras_report_combine(s, r->nphases, cued_types, "cued", &out->cued);
	ras_report_combine(s, r->nphases, post_types, "post", &out->post);
	free(s);
	return 0;
}

/* Seconds since the epoch of an ISO 8601 time with its offset; NAN if not one. */
static double epoch(const char *iso)
{
	int y, mo, d, h = 0, mi = 0, n = 0, oh = 0, om = 0, era, yoe, doe;
	double sec = 0, days;
	char sign = 0;

	if (sscanf(iso, "%d-%d-%d%n", &y, &mo, &d, &n) != 3)
		return NAN;
	iso += n;
	if ((*iso == 'T' || *iso == ' ') && sscanf(iso + 1, "%d:%d%n", &h, &mi, &n) == 2) {
		iso += 1 + n;
		if (*iso == ':' && sscanf(iso + 1, "%lf%n", &sec, &n) == 1)
			iso += 1 + n;
		if ((*iso == '+' || *iso == '-') && (sscanf(iso + 1, "%2d:%2d", &oh, &om) == 2 ||
						     sscanf(iso + 1, "%2d%2d", &oh, &om) == 2))
			sign = *iso;
	}
	/* Days from civil (Howard Hinnant's algorithm), no time zone involved. */
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	days = era * 146097.0 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + sec -
	       (sign == '-' ? -1 : sign ? 1 : 0) * (oh * 3600 + om * 60);
}

/* Rows in the order the sessions started; undated ones last, as given. */
static struct ras_progress_row *progress_rows(const struct ras_record *const *recs, size_t n)
{
	struct ras_progress_row *rows = malloc((n ? n : 1) * sizeof(*rows));
	double *t = malloc((n ? n : 1) * sizeof(*t));

	for (size_t i = 0; rows && t && i < n; i++) {
		struct ras_progress_row row;
		double ti = epoch(recs[i]->started);
		size_t j = i;

		if (ras_report_progress_row(recs[i], &row)) {
			free(rows);
			rows = NULL;
			break;
		}
		/* Insertion sort: stable, and n is a handful of sessions. */
		for (; j > 0 && isfinite(ti) && !(isfinite(t[j - 1]) && t[j - 1] <= ti); j--) {
			rows[j] = rows[j - 1];
			t[j] = t[j - 1];
		}
		rows[j] = row;
		t[j] = ti;
	}
	if (!t) {
		free(rows);
		rows = NULL;
	}
	free(t);
	return rows;
}

static const char *const progress_head[] = {
	"date", "baseline spm", "cued spm", "post spm", "tempo bpm", "R", "asynchrony ms",
	"CV %", "asymmetry %",
};
#define PROGRESS_COLS (sizeof(progress_head) / sizeof(progress_head[0]))

static char (*progress_cells(const struct ras_progress_row *rows, size_t n))[CELL]
{
	char (*cells)[CELL] = calloc(n ? n * PROGRESS_COLS : 1, CELL);

	for (size_t i = 0; cells && i < n; i++) {
		char (*c)[CELL] = cells + i * PROGRESS_COLS;
		const struct ras_phase_summary *cued = &rows[i].cued;

		date(c[0], rows[i].started);
		num(c[1], rows[i].baseline.cadence_spm, 1);
		num(c[2], cued->cadence_spm, 1);
		num(c[3], rows[i].post.cadence_spm, 1);
		num(c[4], cued->tempo_bpm, 1);
		num(c[5], cued->r, 2);
		asynchrony(c[6], cued->asynchrony_mean_ms, cued->asynchrony_sd_ms);
		num(c[7], cued->cv_pct, 1);
		num(c[8], cued->asymmetry_pct, 1);
	}
	return cells;
}

static void progress_title(char *buf, size_t len, const struct ras_progress_row *rows, size_t n)
{
	bool one = n > 0 && *rows[0].patient;

	for (size_t i = 1; one && i < n; i++)
		one = !strcmp(rows[i].patient, rows[0].patient);
	if (one)
		snprintf(buf, len, "Progress of patient %s over %zu session%s", rows[0].patient, n,
			 n == 1 ? "" : "s");
	else
		snprintf(buf, len, "Progress over %zu session%s", n, n == 1 ? "" : "s");
}

/* Rows, cells and title for the three progress writers. */
struct progress {
	struct ras_progress_row *rows;
	char (*cells)[CELL];
	char title[256];
	struct ras_c_numeric l;
};

static int progress_begin(struct progress *p, const struct ras_record *const *recs, size_t n)
{
	if (ras_c_numeric_begin(&p->l))
		return -ENOMEM;
	p->rows = progress_rows(recs, n);
	p->cells = p->rows ? progress_cells(p->rows, n) : NULL;
	if (!p->cells) {
		free(p->rows);
		uselocale(p->l.old);
		return -ENOMEM;
	}
	progress_title(p->title, sizeof(p->title), p->rows, n);
	return 0;
}

static int progress_end(struct progress *p, FILE *out, int ret)
{
	free(p->rows);
	free(p->cells);
	return ras_c_numeric_end(&p->l, out, ret);
}

int ras_report_progress_text(const struct ras_record *const *recs, size_t n, FILE *out)
{
	struct progress p;
	int ret = progress_begin(&p, recs, n);

	if (ret)
		return ret;
	fprintf(out, "%s\n(tempo, R, asynchrony, CV and asymmetry of the cued phases)\n\n",
		p.title);
	print_table(out, progress_head, PROGRESS_COLS, p.cells, n, 1);
	return progress_end(&p, out, 0);
}

static int progress_svg(const struct progress *pr, size_t n, FILE *out, bool standalone)
{
	static const struct {
		const char *name, *colour;
		size_t off;
	} series[] = {
		{ "baseline", "#555555", offsetof(struct ras_progress_row, baseline) },
		{ "cued", "#1f5fa8", offsetof(struct ras_progress_row, cued) },
		{ "post", "#7b3f9e", offsetof(struct ras_progress_row, post) },
	};
	struct ras_svg_plot p = { PLOT_LEFT, 70, PLOT_W, 300, 0.5, (n ? n : 1) + 0.5, INFINITY,
				   -INFINITY };
	double ystep, *x = malloc((n ? n : 1) * sizeof(*x)), *y = malloc((n ? n : 1) * sizeof(*y));
	size_t every = n > 12 ? (n + 11) / 12 : 1;
	struct ras_svg s;
	char buf[CELL];
	int ret;

	if (!x || !y || (ret = ras_svg_begin(&s, out, FIG_W, 440, pr->title, standalone))) {
		free(x);
		free(y);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < 3; k++) {
			const struct ras_phase_summary *ph =
				(const void *)((const char *)&pr->rows[i] + series[k].off);

			p.y0 = fmin(p.y0, ph->cadence_spm);
			p.y1 = fmax(p.y1, ph->cadence_spm);
		}
	}
	if (p.y0 > p.y1)
		p.y0 = 60, p.y1 = 140;
	p.y0 -= 5;
	p.y1 += 5;
	ystep = ras_svg_nice(&p.y0, &p.y1, 6);
	ras_svg_text(&s, FIG_W / 2, 28, "middle", 18, "title", pr->title);
	ras_svg_text(&s, PLOT_LEFT, 58, "start", 14, "plot-title", "Cadence per session");
	ras_svg_axes(&s, &p, 0, ystep, "session", "cadence (steps/min)");
	for (size_t i = 0; i < n; i += every) {
		double px = ras_svg_px(&p, i + 1.0);

		ras_svg_line(&s, px, p.top + p.height, px, p.top + p.height + 5, "tick", "#444444",
			     1);
		ras_svg_text(&s, px, p.top + p.height + 18, "middle", 11, "tick-label",
			     date(buf, pr->rows[i].started));
	}
	for (size_t k = 0; k < 3; k++) {
		ras_svg_group(&s, NULL, series[k].name);
		for (size_t i = 0; i < n; i++) {
			const struct ras_phase_summary *ph =
				(const void *)((const char *)&pr->rows[i] + series[k].off);

			x[i] = ras_svg_px(&p, i + 1.0);
			y[i] = isfinite(ph->cadence_spm) ? ras_svg_py(&p, ph->cadence_spm) : NAN;
		}
		snprintf(buf, sizeof(buf), "%s-line", series[k].name);
		ras_svg_polyline(&s, x, y, n, buf, series[k].colour, 1.5);
		for (size_t i = 0; i < n; i++)
			if (isfinite(y[i]))
				ras_svg_circle(&s, x[i], y[i], 4, series[k].name, series[k].colour);
		legend(&s, PLOT_LEFT + PLOT_W - 330 + 110 * k, 58, series[k].colour, true,
		       series[k].name);
		ras_svg_group_end(&s);
	}
	free(x);
	free(y);
	return ras_svg_end(&s);
}

int ras_report_progress_svg(const struct ras_record *const *recs, size_t n, FILE *out)
{
	struct progress p;
	int ret = progress_begin(&p, recs, n);

	if (ret)
		return ret;
	return progress_end(&p, out, progress_svg(&p, n, out, true));
}

int ras_report_progress_html(const struct ras_record *const *recs, size_t n, FILE *out)
{
	struct progress p;
	int ret = progress_begin(&p, recs, n);

	if (ret)
		return ret;
	html_begin(out, p.title);
	fputs("<p>Cadence in steps per minute; tempo, R, asynchrony, CV and asymmetry of the "
	      "cued phases.</p>\n", out);
	html_table(out, "progress", progress_head, PROGRESS_COLS, p.cells, n, 1);
	fputs("<figure>\n", out);
	ret = progress_svg(&p, n, out, false);
	fputs("</figure>\n</body>\n</html>\n", out);
	return progress_end(&p, out, ret);
}

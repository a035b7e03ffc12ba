/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <locale.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rasbeat/record.h"
#include "rasbeat/report.h"
#include "testutil.h"

#define ODD_NAME "a<b&c"

/*
 * A session of 80 s: baseline 0-20 s, cue "a<b&c" 20-60 s (beats every
 * 60 / tempo s, sounded), post from 60 s, open. Steps every `iv` s,
 * alternating feet; in the cue phase every step but each 7th is near a
 * beat, with an asynchrony of 20 sin(k) ms.
 */
static void synth(struct ras_record *r, const char *started, double iv, double tempo)
{
	struct ras_record_event e = { .time_s = 0, .kind = "phase",
				      .detail = "baseline (baseline)" };
	int k = 0;

	ras_record_init(r);
	snprintf(r->patient, sizeof(r->patient), "P-017");
	snprintf(r->started, sizeof(r->started), "%s", started);
	r->latency_s = 0.02;
	CU_ASSERT_EQUAL(ras_record_add_event(r, &e), 0);
	e.time_s = 20;
	snprintf(e.detail, sizeof(e.detail), "%s (cue)", ODD_NAME);
	CU_ASSERT_EQUAL(ras_record_add_event(r, &e), 0);
	for (double t = 20; t < 60; t += 60 / tempo, k++) {
		struct ras_record_beat b = { .index = k, .frame = (int64_t)(t * 48000),
					     .time_s = t, .heard_s = t + 0.02, .tempo_bpm = tempo,
					     .accent = k % 4 == 0, .audible = true, .phase = 1 };

		CU_ASSERT_EQUAL(ras_record_add_beat(r, &b), 0);
	}
	CU_ASSERT_EQUAL(ras_record_add_phase(r, 60, "post", "post"), 0);
	k = 0;
	for (double t = 0; t <= 80; t += iv, k++) {
		bool cued = t >= 20 && t < 60 && k % 7;
		double a = 20 * sin(k);
		struct ras_record_step s = {
			.time_s = t, .foot = k % 2, .interval_s = k ? iv : NAN,
			.beat_index = cued ? k : -1, .asynchrony_ms = cued ? a : NAN,
			.relative_phase_deg = cued ? 360 * a / (60000 / tempo) : NAN,
			.tempo_bpm = cued ? tempo : NAN, .cadence_spm = k ? 60 / iv : NAN,
		};

		CU_ASSERT_EQUAL(ras_record_add_step(r, &s), 0);
	}
}

/* What a writer wrote, NUL-terminated (free it). */
static char *capture(int (*fn)(const struct ras_record *, FILE *), const struct ras_record *r,
		     size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fn(r, f), 0);
	fclose(f);
	return buf;
}

static char *capture_progress(int (*fn)(const struct ras_record *const *, size_t, FILE *),
			      const struct ras_record *const *recs, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fn(recs, n, f), 0);
	fclose(f);
	return buf;
}

static bool has_class(xmlNode *n, const char *cls)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)"class");
	bool ok = v && !strcmp((const char *)v, cls);

	xmlFree(v);
	return ok;
}

/* Elements `name` (of class `cls` unless NULL) under n, n included. */
static size_t count(xmlNode *n, const char *name, const char *cls)
{
	size_t c = 0;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, name) && (!cls || has_class(n, cls)))
			c++;
		c += count(n->children, name, cls);
	}
	return c;
}

/* The first element `name` with attribute attr="value" (NULL: any) under n. */
static xmlNode *find(xmlNode *n, const char *name, const char *attr, const char *value)
{
	for (; n; n = n->next) {
		xmlNode *f;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, name)) {
			xmlChar *v = attr ? xmlGetProp(n, (const xmlChar *)attr) : NULL;
			bool ok = !attr || (v && !strcmp((const char *)v, value));

			xmlFree(v);
			if (ok)
				return n;
		}
		f = find(n->children, name, attr, value);
		if (f)
			return f;
	}
	return NULL;
}

/* The k-th child element `name` of class `cls` among n and its siblings. */
static xmlNode *nth(xmlNode *n, const char *name, const char *cls, int k)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) &&
		    has_class(n, cls) && !k--)
			return n;
	return NULL;
}

static double attr_num(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	double x = v ? strtod((const char *)v, NULL) : NAN;

	xmlFree(v);
	return x;
}

static bool text_is(xmlNode *n, const char *want)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	bool ok = t && !strcmp((const char *)t, want);

	if (!ok)
		fprintf(stderr, "\n  text \"%s\", want \"%s\"\n", t ? (const char *)t : "", want);
	xmlFree(t);
	return ok;
}

static size_t steps_where(const struct ras_record *r, bool (*pred)(const struct ras_record_step *))
{
	size_t n = 0;

	for (size_t i = 0; i < r->nsteps; i++)
		n += pred(&r->steps[i]);
	return n;
}

static bool has_cadence(const struct ras_record_step *s)
{
	return isfinite(s->cadence_spm);
}

static bool has_phase(const struct ras_record_step *s)
{
	return s->beat_index >= 0 && isfinite(s->relative_phase_deg);
}

static void test_svg(void)
{
	struct ras_record r;
	xmlNode *root, *g;
	xmlDoc *doc;
	size_t len;
	char *svg;

	synth(&r, "2026-11-21T10:15:00+01:00", 0.52, 110);
	svg = capture(ras_report_svg, &r, &len);
	doc = xmlReadMemory(svg, (int)len, "report.svg", NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	root = xmlDocGetRootElement(doc);
	CU_ASSERT_STRING_EQUAL(root->name, "svg");
	CU_ASSERT_PTR_NOT_NULL(root->ns);
	if (root->ns)
		CU_ASSERT_STRING_EQUAL(root->ns->href, "http://www.w3.org/2000/svg");

	g = find(root, "g", "id", "cadence-plot");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(count(g->children, "rect", "phase"), 3);
	CU_ASSERT_EQUAL(count(g->children, "circle", "cadence"), steps_where(&r, has_cadence));
	CU_ASSERT_EQUAL(count(g->children, "polyline", "cadence-line"), 1);
	CU_ASSERT_EQUAL(count(g->children, "polyline", "tempo"), 1);
	/* The phase named "a<b&c" labels its band, escaped in the file. */
	CU_ASSERT(text_is(nth(g->children, "text", "phase-label", 1), ODD_NAME));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">a&lt;b&amp;c</text>"));
	CU_ASSERT_PTR_NULL(strstr(svg, ODD_NAME));

	g = find(root, "g", "id", "asynchrony-plot");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(count(g->children, "rect", "phase"), 3);
	CU_ASSERT_EQUAL(count(g->children, "line", "zero"), 1);
	CU_ASSERT_EQUAL(count(g->children, "circle", "asynchrony"), steps_where(&r, has_phase));

	g = find(root, "g", "id", "phase-plot");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(count(g->children, "circle", "unit-circle"), 1);
	CU_ASSERT(steps_where(&r, has_phase) > 20);
	CU_ASSERT_EQUAL(count(g->children, "circle", "step-phase"), steps_where(&r, has_phase));
	CU_ASSERT_EQUAL(count(g->children, "line", "mean-vector"), 1);
	xmlFreeDoc(doc);
	free(svg);
	ras_record_clear(&r);
}

/* The mean vector: phases all at +30 degrees point it to 30 degrees, length R = 1. */
static void test_svg_vector(void)
{
	struct ras_record r;
	double x1, y1, x2, y2;
	xmlNode *line;
	xmlDoc *doc;
	size_t len;
	char *svg;

	synth(&r, "", 0.5, 120);
	for (size_t i = 0; i < r.nsteps; i++)
		if (r.steps[i].beat_index >= 0)
			r.steps[i].relative_phase_deg = 30;
	svg = capture(ras_report_svg, &r, &len);
	doc = xmlReadMemory(svg, (int)len, "report.svg", NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	line = find(xmlDocGetRootElement(doc), "line", "class", "mean-vector");
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	x1 = attr_num(line, "x1");
	y1 = attr_num(line, "y1");
	x2 = attr_num(line, "x2");
	y2 = attr_num(line, "y2");
	/* Clockwise from the top: right and up, as long as the circle's radius. */
	CU_ASSERT(fabs(atan2(x2 - x1, y1 - y2) - M_PI / 6) < 0.01);
	CU_ASSERT(fabs(hypot(x2 - x1, y2 - y1) - 130) < 0.2);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "R = 1.00, mean 30"));
	xmlFreeDoc(doc);
	free(svg);
	ras_record_clear(&r);
}

static void test_html(void)
{
	struct ras_phase_summary s;
	struct ras_record r;
	xmlNode *root, *table, *body, *row;
	char want[64];
	htmlDocPtr doc;
	size_t len;
	char *html;

	synth(&r, "2026-11-21T10:15:00+01:00", 0.52, 110);
	html = capture(ras_report_html, &r, &len);
	doc = htmlReadMemory(html, (int)len, "report.html", "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	root = xmlDocGetRootElement(doc);
	CU_ASSERT(text_is(find(root, "h1", NULL, NULL),
			  "Session of patient P-017, 2026-11-21 10:15"));
	table = find(root, "table", "class", "summary");
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	body = find(table, "tbody", NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(count(body->children, "tr", NULL), 3);
	CU_ASSERT_EQUAL(count(find(table, "thead", NULL, NULL), "th", NULL), 11);

	/* Row 2: the cue phase, its name unescaped again, its cadence. */
	row = find(body->children, "tr", NULL, NULL)->next;
	while (row && row->type != XML_ELEMENT_NODE)
		row = row->next;
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT(text_is(row->children, ODD_NAME));
	ras_record_summarize(&r, 1, &s);
	snprintf(want, sizeof(want), "%.1f", s.cadence_spm);
	CU_ASSERT(text_is(row->children->next->next->next->next->next, want));
	/* The baseline has no cue: its tempo is an en dash. */
	row = find(body->children, "tr", NULL, NULL);
	CU_ASSERT(text_is(row->children->next->next->next->next->next->next, "\xe2\x80\x93"));

	/* The figure is inline, whole. */
	CU_ASSERT_EQUAL(count(root, "svg", NULL), 1);
	CU_ASSERT_EQUAL(count(root, "circle", "step-phase"), steps_where(&r, has_phase));
	CU_ASSERT_PTR_NULL(strstr(html, "<?xml"));
	/* Self-contained: nothing to fetch. */
	CU_ASSERT_PTR_NULL(strstr(html, "src="));
	CU_ASSERT_PTR_NULL(strstr(html, "href="));
	CU_ASSERT_PTR_NULL(strstr(html, "url("));
	CU_ASSERT_PTR_NULL(strstr(html, "@import"));
	xmlFreeDoc(doc);
	free(html);
	ras_record_clear(&r);
}

static void test_text(void)
{
	char *saved = strdup(setlocale(LC_ALL, NULL)), *text, *line, want[64];
	struct ras_phase_summary s;
	struct ras_record r;
	size_t len, rows = 0;

	synth(&r, "2026-11-21T10:15:00+01:00", 0.52, 110);
	ras_record_summarize(&r, 1, &s);
	CU_ASSERT_PTR_NOT_NULL(setlocale(LC_ALL, "de_DE.UTF-8"));
	text = capture(ras_report_text, &r, &len);
	setlocale(LC_ALL, saved);
	free(saved);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Session of patient P-017, 2026-11-21 10:15"));
	line = strstr(text, "\nphase ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "cadence spm"));
	for (char *p = strchr(line + 1, '\n'); p && p[1]; p = strchr(p + 1, '\n'))
		rows++;
	CU_ASSERT_EQUAL(rows, 3);
	/* Dots, whatever the locale. */
	line = strstr(text, "\n" ODD_NAME " ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	snprintf(want, sizeof(want), " %.1f ", s.cadence_spm);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
	snprintf(want, sizeof(want), " %.2f ", s.r);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
	CU_ASSERT_PTR_NULL(strchr(want, ','));
	free(text);
	ras_record_clear(&r);
}

static void test_write_error(void)
{
	const struct ras_record *recs[1];
	struct ras_record r;
	FILE *f = fopen("/dev/full", "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	synth(&r, "", 0.5, 100);
	recs[0] = &r;
	CU_ASSERT_EQUAL(ras_report_svg(&r, f), -EIO);
	clearerr(f);
	CU_ASSERT_EQUAL(ras_report_html(&r, f), -EIO);
	clearerr(f);
	CU_ASSERT_EQUAL(ras_report_progress_text(recs, 1, f), -EIO);
	fclose(f);
	ras_record_clear(&r);
}

/* Cue and ramp count as cued, weighted by their steps. */
static void test_combine(void)
{
	struct ras_record r;
	struct ras_progress_row row;
	int k = 0;

	ras_record_init(&r);
	ras_record_add_phase(&r, 0, "baseline", "baseline");
	ras_record_add_phase(&r, 20, "cue", "cue");
	ras_record_add_phase(&r, 26, "ramp", "ramp");
	ras_record_add_phase(&r, 41, "fade", "fade");
	/* baseline: 0.75 s (80/min); cue: 10 steps 0.6 s (100/min);
	 * ramp: 30 steps 0.5 s (120/min); fade: some. */
	for (double t = 0; t < 19.9; t += 0.75, k++)
		ras_record_add_step(&r, &(struct ras_record_step){ .time_s = t, .foot = k % 2,
			.beat_index = -1, .asynchrony_ms = NAN, .relative_phase_deg = NAN });
	for (int i = 0; i < 10; i++, k++)
		ras_record_add_step(&r, &(struct ras_record_step){ .time_s = 20 + 0.6 * i,
			.foot = k % 2, .beat_index = k, .asynchrony_ms = 10,
			.relative_phase_deg = 0 });
	for (int i = 0; i < 30; i++, k++)
		ras_record_add_step(&r, &(struct ras_record_step){ .time_s = 26 + 0.5 * i,
			.foot = k % 2, .beat_index = k, .asynchrony_ms = -10,
			.relative_phase_deg = 0 });
	for (int i = 0; i < 10; i++, k++)
		ras_record_add_step(&r, &(struct ras_record_step){ .time_s = 41 + 0.4 * i,
			.foot = k % 2, .beat_index = -1, .asynchrony_ms = NAN,
			.relative_phase_deg = NAN });
	CU_ASSERT_EQUAL(ras_report_progress_row(&r, &row), 0);
	CU_ASSERT_EQUAL(row.baseline.steps, 27);
	CU_ASSERT(fabs(row.baseline.cadence_spm - 80) < 1e-6);
	CU_ASSERT_EQUAL(row.cued.steps, 40);
	CU_ASSERT(fabs(row.cued.cadence_spm - (10 * 100 + 30 * 120) / 40.0) < 1e-6);
	CU_ASSERT(fabs(row.cued.asynchrony_mean_ms - (10 * 10 - 30 * 10) / 40.0) < 1e-9);
	CU_ASSERT(fabs(row.cued.start_s - 20) < 1e-9 && fabs(row.cued.end_s - 41) < 1e-9);
	CU_ASSERT_EQUAL(row.post.steps, 0);
	CU_ASSERT(isnan(row.post.cadence_spm));
	ras_record_clear(&r);
}

/* Three sessions given out of order: rows and points by date. */
static void test_progress(void)
{
	static const char *const dates[] = { "2026-11-28T09:00:00+01:00",
					     "2026-11-14T09:00:00+01:00",
					     "2026-11-21T09:00:00+01:00" };
	static const double iv[] = { 0.48, 0.56, 0.52 };
	struct ras_record r[3];
	const struct ras_record *recs[3] = { &r[0], &r[1], &r[2] };
	char *text, *svg, *html, *a, *b, *c, *saved;
	double last_x = 0, last_y = INFINITY;
	xmlNode *root, *g, *n;
	xmlDoc *doc;
	size_t len;

	for (int i = 0; i < 3; i++)
		synth(&r[i], dates[i], iv[i], 110);

	saved = strdup(setlocale(LC_ALL, NULL));
	CU_ASSERT_PTR_NOT_NULL(setlocale(LC_ALL, "de_DE.UTF-8"));
	text = capture_progress(ras_report_progress_text, recs, 3, &len);
	setlocale(LC_ALL, saved);
	free(saved);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Progress of patient P-017 over 3 sessions"));
	a = strstr(text, "\n2026-11-14 09:00 ");
	b = strstr(text, "\n2026-11-21 09:00 ");
	c = strstr(text, "\n2026-11-28 09:00 ");
	CU_ASSERT_FATAL(a && b && c);
	CU_ASSERT(a < b && b < c);
	CU_ASSERT_PTR_NOT_NULL(strstr(c, " 125.0 "));	/* 60 / 0.48, a dot in de_DE */
	free(text);

	svg = capture_progress(ras_report_progress_svg, recs, 3, &len);
	doc = xmlReadMemory(svg, (int)len, "progress.svg", NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	root = xmlDocGetRootElement(doc);
	CU_ASSERT_EQUAL(count(root, "circle", "baseline"), 3);
	CU_ASSERT_EQUAL(count(root, "circle", "cued"), 3);
	CU_ASSERT_EQUAL(count(root, "circle", "post"), 3);
	CU_ASSERT_EQUAL(count(root, "polyline", "cued-line"), 1);
	/* By date the cadence rises (0.56, 0.52, 0.48 s): points go right and up. */
	g = find(root, "g", "class", "cued");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (n = g->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "circle") ||
		    !has_class(n, "cued"))
			continue;
		CU_ASSERT(attr_num(n, "cx") > last_x);
		CU_ASSERT(attr_num(n, "cy") < last_y);
		last_x = attr_num(n, "cx");
		last_y = attr_num(n, "cy");
	}
	xmlFreeDoc(doc);
	free(svg);

	html = capture_progress(ras_report_progress_html, recs, 3, &len);
	doc = htmlReadMemory(html, (int)len, "progress.html", "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	root = xmlDocGetRootElement(doc);
	g = find(root, "table", "class", "progress");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(count(find(g, "tbody", NULL, NULL), "tr", NULL), 3);
	CU_ASSERT_EQUAL(count(root, "svg", NULL), 1);
	CU_ASSERT_EQUAL(count(root, "circle", "post"), 3);
	xmlFreeDoc(doc);
	free(html);
	for (int i = 0; i < 3; i++)
		ras_record_clear(&r[i]);
}

/* Order by the instant: 09:00 at +01:00 came before 08:30 at UTC; undated last. */
static void test_progress_order(void)
{
	struct ras_record r[3];
	const struct ras_record *recs[3] = { &r[0], &r[1], &r[2] };
	char *text, *a, *b, *c;
	size_t len;

	synth(&r[0], "", 0.5, 100);
	synth(&r[1], "2026-11-21T08:30:00+0000", 0.5, 100);
	synth(&r[2], "2026-11-21T09:00:00+01:00", 0.5, 100);
	text = capture_progress(ras_report_progress_text, recs, 3, &len);
	a = strstr(text, "\n2026-11-21 09:00 ");
	b = strstr(text, "\n2026-11-21 08:30 ");
	c = strstr(text, "\n\xe2\x80\x93 ");
	CU_ASSERT_FATAL(a && b && c);
	CU_ASSERT(a < b && b < c);
	free(text);
	for (int i = 0; i < 3; i++)
		ras_record_clear(&r[i]);
}

/* Chromium */

static bool find_program(const char *name, char *path, size_t len)
{
	const char *dirs = getenv("PATH");
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dirs ? dirs : "/usr/bin:/bin");
	for (char *save, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, len, "%s/%s", d, name);
		if (!access(path, X_OK))
			return true;
	}
	return false;
}

static size_t near_colour(const unsigned char *px, size_t n, unsigned rgb)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = px + 3 * i;

		c += abs(p[0] - (int)(rgb >> 16)) <= 4 && abs(p[1] - (int)(rgb >> 8 & 0xff)) <= 4 &&
		     abs(p[2] - (int)(rgb & 0xff)) <= 4;
	}
	return c;
}

static void test_chromium(void)
{
	char chromium[1024], url[1100], shot_arg[1100], home[600], out[8192];
	const char *page = test_path("report.html"), *shot = test_path("report.png");
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	size_t n, dark = 0, colours = 0;
	unsigned seen[512] = { 0 };
	png_image img = { .version = PNG_IMAGE_VERSION };
	unsigned char *px;
	struct ras_record r;
	FILE *f;
	int rc;

	if (!find_program("chromium", chromium, sizeof(chromium))) {
		CU_FAIL("chromium is not installed: install Debian's chromium package "
			"(scripts/install-deps does)");
		free(old_home);
		return;
	}
	synth(&r, "2026-11-21T10:15:00+01:00", 0.52, 110);
	f = fopen(page, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ras_report_html(&r, f), 0);
	CU_ASSERT_EQUAL(fclose(f), 0);
	ras_record_clear(&r);

	/* Chromium writes its profile under HOME: a scratch one. */
	snprintf(home, sizeof(home), "%s", test_path("chromium-home"));
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	snprintf(url, sizeof(url), "file://%s", page);
	snprintf(shot_arg, sizeof(shot_arg), "--screenshot=%s", shot);
	{
		char *argv[] = { "/usr/bin/timeout", "20", chromium, "--headless", "--no-sandbox",
				 "--disable-gpu", "--hide-scrollbars", shot_arg,
				 "--window-size=1200,1600", url, NULL };

		rc = test_run(argv, out, sizeof(out));
	}
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_home);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		fprintf(stderr, "\n  chromium (%d): %.2000s\n", rc, out);

	CU_ASSERT_FATAL(png_image_begin_read_from_file(&img, shot));
	img.format = PNG_FORMAT_RGB;
	CU_ASSERT_EQUAL(img.width, 1200);
	CU_ASSERT_EQUAL(img.height, 1600);
	n = (size_t)img.width * img.height;
	px = malloc(PNG_IMAGE_SIZE(img));
	CU_ASSERT_PTR_NOT_NULL_FATAL(px);
	CU_ASSERT_FATAL(png_image_finish_read(&img, NULL, px, 0, NULL));
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = px + 3 * i;
		unsigned q = (p[0] >> 5) << 6 | (p[1] >> 5) << 3 | p[2] >> 5;

		dark += p[0] < 200 || p[1] < 200 || p[2] < 200;
		if (!(seen[q / 32] & 1u << q % 32) && !(p[0] > 240 && p[1] > 240 && p[2] > 240)) {
			seen[q / 32] |= 1u << q % 32;
			colours++;
		}
	}
	/* Text, lines and dots; the shading of baseline, cue and post. */
	CU_ASSERT(dark > n / 200);
	CU_ASSERT(colours >= 8);
	CU_ASSERT(near_colour(px, n, 0xe4e4e4) > 10000);
	CU_ASSERT(near_colour(px, n, 0xd5e5f5) > 10000);
	CU_ASSERT(near_colour(px, n, 0xeadbf3) > 10000);
	CU_ASSERT(near_colour(px, n, 0xc0392b) > 50);
	if (dark <= n / 200 || colours < 8)
		fprintf(stderr, "\n  screenshot %s: %zu dark pixels, %zu colours\n", shot, dark,
			colours);
	free(px);
}

void test_report_register(void)
{
	TEST_SUITE("report",
		   { "session SVG parses, one mark per step and phase", test_svg },
		   { "mean vector of the phase plot", test_svg_vector },
		   { "session HTML: table per phase, inline SVG", test_html },
		   { "console table, comma locale", test_text },
		   { "write errors", test_write_error },
		   { "cue and ramp combined by steps", test_combine },
		   { "progress across three sessions", test_progress },
		   { "progress in time order across offsets", test_progress_order },
		   { "HTML page rendered by headless Chromium", test_chromium });
}

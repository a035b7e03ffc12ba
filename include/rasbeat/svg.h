/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - a small SVG writer
 *
 * What the reports draw and no more: groups, rectangles, lines, circles,
 * polylines and text, and plots with linear axes. Coordinates are pixels
 * from the top left. Numbers are written with a dot as decimal point
 * whatever the locale; text is escaped for XML, invalid UTF-8 becoming
 * U+FFFD. A write error sticks to the FILE and ras_svg_end reports it.
 * Styles are a class (for tests and style sheets) and colours as
 * "#rrggbb" or "none"; NULL leaves an attribute out.
 *
 * Not RT-safe.
 */
#ifndef RASBEAT_SVG_H
#define RASBEAT_SVG_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The C numeric locale for this thread while a report is written (dots,
 * whatever the user's locale), and the old one put back. begin: 0 or
 * -ENOMEM. end: `ret`, or -EIO when writing to out failed.
 */
struct ras_c_numeric {
	locale_t old;
};

int ras_c_numeric_begin(struct ras_c_numeric *l);
int ras_c_numeric_end(struct ras_c_numeric *l, FILE *out, int ret);

struct ras_svg {
	FILE *f;
	struct ras_c_numeric l;
};

/*
 * Open a document of width x height px titled `title` (NULL: none) on f.
 * `standalone` starts with the XML declaration, which an SVG inside an
 * HTML page must not have. The C numeric locale holds for this thread
 * until ras_svg_end. 0 or -ENOMEM.
 */
int ras_svg_begin(struct ras_svg *s, FILE *f, double width, double height, const char *title,
		  bool standalone);
/* Close the document, restore the locale. 0, or -EIO when a write failed. */
int ras_svg_end(struct ras_svg *s);

/* Write text escaped for XML and HTML (& < > " '). */
void ras_svg_escape(FILE *f, const char *text);

/* <g>, with an id and a class (either may be NULL); and its end. */
void ras_svg_group(struct ras_svg *s, const char *id, const char *cls);
void ras_svg_group_end(struct ras_svg *s);

void ras_svg_rect(struct ras_svg *s, double x, double y, double w, double h, const char *cls,
		  const char *fill);
void ras_svg_line(struct ras_svg *s, double x1, double y1, double x2, double y2,
		  const char *cls, const char *stroke, double width);
void ras_svg_circle(struct ras_svg *s, double cx, double cy, double r, const char *cls,
		    const char *fill);
/* anchor: "start", "middle" or "end"; size in px. */
void ras_svg_text(struct ras_svg *s, double x, double y, const char *anchor, double size,
		  const char *cls, const char *text);
/* Polylines through (x[i], y[i]): a NAN coordinate breaks the line, and
 * each run of two points or more becomes one <polyline>. */
void ras_svg_polyline(struct ras_svg *s, const double *x, const double *y, size_t n,
		      const char *cls, const char *stroke, double width);

/* A plot: data x0..x1, y0..y1 drawn in a box of width x height px at
 * (left, top), y upwards. */
struct ras_svg_plot {
	double left, top, width, height;
	double x0, x1, y0, y1;
};

double ras_svg_px(const struct ras_svg_plot *p, double x);
double ras_svg_py(const struct ras_svg_plot *p, double y);
/*
 * Widen [*lo, *hi] to multiples of a round step (1, 2 or 5 times a power
 * of ten) giving about `ticks` intervals; returns the step. An empty or
 * reversed range is widened around *lo first.
 */
double ras_svg_nice(double *lo, double *hi, int ticks);
/*
 * Frame the plot, with ticks and labels every xstep and ystep from the
 * first multiple in range (0: none on that axis) and the axis titles
 * (NULL: none).
 */
void ras_svg_axes(struct ras_svg *s, const struct ras_svg_plot *p, double xstep, double ystep,
		  const char *xlabel, const char *ylabel);

#endif

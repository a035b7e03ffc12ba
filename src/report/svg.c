/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rasbeat/decimal.h"
#include "rasbeat/svg.h"

int ras_c_numeric_begin(struct ras_c_numeric *l)
{
	if (!ras_c_locale())
		return -ENOMEM;
	l->old = uselocale(ras_c_locale());
	return 0;
}

int ras_c_numeric_end(struct ras_c_numeric *l, FILE *out, int ret)
{
	uselocale(l->old);
	if (fflush(out) || ferror(out))
		return -EIO;
	return ret;
}

int ras_svg_begin(struct ras_svg *s, FILE *f, double width, double height, const char *title,
		  bool standalone)
{
	int ret;

	s->f = f;
	if ((ret = ras_c_numeric_begin(&s->l)))
		return ret;
	if (standalone)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		   "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\">\n",
		width, height, width, height);
	if (title) {
		fputs("<title>", f);
		ras_svg_escape(f, title);
		fputs("</title>\n", f);
	}
	/* A white ground: a viewer's dark background would hide the axes. */
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%g\" height=\"%g\" fill=\"#ffffff\"/>\n",
		width, height);
	return 0;
}

int ras_svg_end(struct ras_svg *s)
{
	fputs("</svg>\n", s->f);
	return ras_c_numeric_end(&s->l, s->f, 0);
}

/* Length of the valid UTF-8 sequence at p, 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = *p < 0x80 ? 1 : *p >= 0xc2 && *p < 0xe0 ? 2 : *p >= 0xe0 && *p < 0xf0 ? 3 :
		   *p >= 0xf0 && *p < 0xf5 ? 4 : 0;
	uint32_t c;

	if (n < 2)
		return n;
	c = *p & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms and surrogates are not characters. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c < 0xe000))
		return 0;
	return n;
}

void ras_svg_escape(FILE *f, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			fputs("\xef\xbf\xbd", f);
			p++;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			/* XML 1.0 has no other control characters. */
			if (*p < 0x20 && *p != '\t' && *p != '\n')
				fputc(' ', f);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

static void attrs(FILE *f, const char *cls, const char *fill, const char *stroke, double width)
{
	if (cls)
		fprintf(f, " class=\"%s\"", cls);
	if (fill)
		fprintf(f, " fill=\"%s\"", fill);
	if (stroke)
		fprintf(f, " stroke=\"%s\" stroke-width=\"%g\"", stroke, width);
}

void ras_svg_group(struct ras_svg *s, const char *id, const char *cls)
{
	fputs("<g", s->f);
	if (id)
		fprintf(s->f, " id=\"%s\"", id);
	attrs(s->f, cls, NULL, NULL, 0);
	fputs(">\n", s->f);
}

void ras_svg_group_end(struct ras_svg *s)
{
	fputs("</g>\n", s->f);
}

void ras_svg_rect(struct ras_svg *s, double x, double y, double w, double h, const char *cls,
		  const char *fill)
{
	fprintf(s->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y,
		w > 0 ? w : 0, h > 0 ? h : 0);
	attrs(s->f, cls, fill, NULL, 0);
	fputs("/>\n", s->f);
}

void ras_svg_line(struct ras_svg *s, double x1, double y1, double x2, double y2,
		  const char *cls, const char *stroke, double width)
{
	fprintf(s->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2, y2);
	attrs(s->f, cls, NULL, stroke, width);
	fputs("/>\n", s->f);
}

void ras_svg_circle(struct ras_svg *s, double cx, double cy, double r, const char *cls,
		    const char *fill)
{
	fprintf(s->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\"", cx, cy, r);
	attrs(s->f, cls, fill, NULL, 0);
	fputs("/>\n", s->f);
}

void ras_svg_text(struct ras_svg *s, double x, double y, const char *anchor, double size,
		  const char *cls, const char *text)
{
	fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%g\" text-anchor=\"%s\"", x, y,
		size, anchor);
	attrs(s->f, cls, NULL, NULL, 0);
	fputc('>', s->f);
	ras_svg_escape(s->f, text);
	fputs("</text>\n", s->f);
}

void ras_svg_polyline(struct ras_svg *s, const double *x, const double *y, size_t n,
		      const char *cls, const char *stroke, double width)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && isfinite(x[j]) && isfinite(y[j]))
			j++;
		if (j - i >= 2) {
			fputs("<polyline points=\"", s->f);
			for (size_t k = i; k < j; k++)
				fprintf(s->f, "%s%.1f,%.1f", k > i ? " " : "", x[k], y[k]);
			fputc('"', s->f);
			attrs(s->f, cls, "none", stroke, width);
			fputs("/>\n", s->f);
		}
		i = j + 1;
	}
}

double ras_svg_px(const struct ras_svg_plot *p, double x)
{
	return p->left + (x - p->x0) / (p->x1 - p->x0) * p->width;
}

double ras_svg_py(const struct ras_svg_plot *p, double y)
{
	return p->top + p->height - (y - p->y0) / (p->y1 - p->y0) * p->height;
}

double ras_svg_nice(double *lo, double *hi, int ticks)
{
	double span, mag, step, f;

	if (!isfinite(*lo) || !isfinite(*hi))
		*lo = 0, *hi = 1;
	if (*hi <= *lo) {
		double d = fabs(*lo) > 0 ? fabs(*lo) / 10 : 1;

		*hi = *lo + d;
		*lo -= d;
	}
	span = (*hi - *lo) / (ticks > 0 ? ticks : 5);
	mag = pow(10, floor(log10(span)));
	f = span / mag;
	step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	*lo = floor(*lo / step) * step;
	*hi = ceil(*hi / step) * step;
	return step;
}

/* A tick label: the step's multiple without float noise or "-0". */
static void tick_label(char *buf, size_t len, double v, double step)
{
	v = round(v / step) * step;
	snprintf(buf, len, "%g", fabs(v) < step / 1e6 ? 0.0 : v);
}

void ras_svg_axes(struct ras_svg *s, const struct ras_svg_plot *p, double xstep, double ystep,
		  const char *xlabel, const char *ylabel)
{
	double bottom = p->top + p->height;
	char buf[32];

	ras_svg_group(s, NULL, "axes");
	fprintf(s->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		      "stroke=\"#444444\" stroke-width=\"1\"/>\n",
		p->left, p->top, p->width, p->height);
	for (double v = xstep > 0 ? ceil(p->x0 / xstep - 1e-9) * xstep : INFINITY;
	     v <= p->x1 + xstep * 1e-9; v += xstep) {
		double x = ras_svg_px(p, v);

		ras_svg_line(s, x, bottom, x, bottom + 5, "tick", "#444444", 1);
		tick_label(buf, sizeof(buf), v, xstep);
		ras_svg_text(s, x, bottom + 18, "middle", 11, "tick-label", buf);
	}
	for (double v = ystep > 0 ? ceil(p->y0 / ystep - 1e-9) * ystep : INFINITY;
	     v <= p->y1 + ystep * 1e-9; v += ystep) {
		double y = ras_svg_py(p, v);

		ras_svg_line(s, p->left - 5, y, p->left, y, "tick", "#444444", 1);
		ras_svg_line(s, p->left, y, p->left + p->width, y, "grid", "#dddddd", 0.5);
		tick_label(buf, sizeof(buf), v, ystep);
		ras_svg_text(s, p->left - 8, y + 4, "end", 11, "tick-label", buf);
	}
	if (xlabel)
		ras_svg_text(s, p->left + p->width / 2, bottom + 36, "middle", 12, "axis-label",
			     xlabel);
	if (ylabel) {
		double x = p->left - 48, y = p->top + p->height / 2;

		fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
			      "class=\"axis-label\" transform=\"rotate(-90 %.1f %.1f)\">",
			x, y, x, y);
		ras_svg_escape(s->f, ylabel);
		fputs("</text>\n", s->f);
	}
	ras_svg_group_end(s);
}

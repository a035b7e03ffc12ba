/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval/convert DATA OUT: turn the public gait recordings under DATA (see
 * DATA/README.md and each SOURCE.md) into evemu recordings, as a Linux input
 * device would have sent them, plus a ground-truth file for eval/evaluate.
 *
 * For each record OUT/<dataset>/<record>.<sensor>.evemu and .truth:
 *
 *   sensor footswitch|force|accel
 *   left_code N / right_code N    detector config (optional)
 *   tolerance S                   match window for heel strikes, s
 *   window A B                    score steps with A <= t <= B (s)
 *   hs T L|R|-                    a true heel strike
 *   count N                       true number of steps in the window
 *   exclude A B                   not scored (the reference is unsure there)
 *   freeze A B                    an annotated freeze (no steps expected)
 *   walk A B                      the rest of an annotated experiment
 *   info                          reported, not part of the targets
 *   note TEXT
 *
 * Like the kernel, an axis is sent only when its value changes, and a frame
 * ends with SYN_REPORT. Nothing is copied from DATA into the source tree.
 */
#include <errno.h>
#include <limits.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rasbeat/evemu.h"

#define NS 1000000000LL
#define G 9.80665

static const char *data_dir, *out_dir;
static int nrecords;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "convert: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* A growable array of doubles. */
struct vec {
	double *v;
	size_t n, cap;
};

static void push(struct vec *a, double x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 1024;
		a->v = xrealloc(a->v, a->cap * sizeof(double));
	}
	a->v[a->n++] = x;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			buf = xrealloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static const char *path(const char *fmt, ...)
{
	static char buf[4][1024];
	static int next;
	char *p = buf[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return p;
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* ---- output ---- */

struct out {
	FILE *ev, *truth;
	int32_t last[RAS_ABS_COUNT];
	int64_t t_last;
	char name[512];
};

static void out_open(struct out *o, const char *dataset, const char *record, const char *sensor,
		     const struct ras_device_info *dev)
{
	char file[1200];

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s/%s.%s", dataset, record, sensor);
	snprintf(file, sizeof(file), "%s/%s", out_dir, dataset);
	mkdir(out_dir, 0777);
	mkdir(file, 0777);
	snprintf(file, sizeof(file), "%s/%s.evemu", out_dir, o->name);
	o->ev = fopen(file, "w");
	snprintf(file, sizeof(file), "%s/%s.truth", out_dir, o->name);
	o->truth = fopen(file, "w");
	if (!o->ev || !o->truth)
		die("%s/%s: %s", out_dir, o->name, strerror(errno));
	if (ras_evemu_write_header(o->ev, dev))
		die("%s: cannot write the evemu header", o->name);
	fprintf(o->truth, "# rasbeat eval truth\ndataset %s\nrecord %s\nsensor %s\n", dataset,
		record, sensor);
	nrecords++;
}

static void emit(struct out *o, int64_t t, int type, int code, int value)
{
	struct ras_input_event ev = { .time_ns = t, .type = type, .code = code, .value = value };

	if (t < o->t_last)
		die("%s: time goes back at %.6f s", o->name, t * 1e-9);
	o->t_last = t;
	if (ras_evemu_write_event(o->ev, &ev))
		die("%s: cannot write an event", o->name);
}

/* One sample of n axes: the changed ones, then SYN_REPORT. */
static void frame(struct out *o, int64_t t, int n, const int *codes, const int32_t *v)
{
	bool any = false;

	for (int i = 0; i < n; i++) {
		if (v[i] == o->last[codes[i]])
			continue;
		emit(o, t, EV_ABS, codes[i], v[i]);
		o->last[codes[i]] = v[i];
		any = true;
	}
	if (any)
		emit(o, t, EV_SYN, SYN_REPORT, 0);
}

static void key(struct out *o, int64_t t, int code, bool down)
{
	emit(o, t, EV_KEY, code, down);
	emit(o, t, EV_SYN, SYN_REPORT, 0);
}

static void out_close(struct out *o)
{
	if (fclose(o->ev) || fclose(o->truth))
		die("%s: write error", o->name);
}

static void device(struct ras_device_info *dev, const char *name)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->bustype = 0x06;	/* BUS_VIRTUAL */
	dev->has_ev[EV_SYN] = true;
}

static void axis(struct ras_device_info *dev, int code, int min, int max, int res)
{
	dev->has_ev[EV_ABS] = true;
	dev->has_abs[code] = 1;
	dev->abs[code] = (struct ras_absinfo){ .minimum = min, .maximum = max, .resolution = res };
}

static void accel_device(struct ras_device_info *dev, const char *name)
{
	/* Milli-g, as the kernel's accelerometers give resolution in units/g. */
	device(dev, name);
	dev->props = 1u << INPUT_PROP_ACCELEROMETER;
	for (int i = 0; i < 3; i++)
		axis(dev, ABS_X + i, -16000, 16000, 1000);
}

static int32_t mg(double ms2)
{
	return (int32_t)lround(ms2 / G * 1000);
}

/* ---- helpers for force traces ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void percentiles(const double *x, size_t n, double *p5, double *p95)
{
	double *s = xrealloc(NULL, n * sizeof(double));

	memcpy(s, x, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	*p5 = s[n * 5 / 100];
	*p95 = s[n * 95 / 100];
	free(s);
}

/*
 * Reference contacts of a whole force trace, read off-line: a rise through
 * 10 % of the range, after a fall below 3 %, at least 0.4 s after the last;
 * its heel strike is the first sample of the rise above 3 %. The range is
 * the 5-95 % percentiles of the trace, or with `local` the lowest value of
 * the 1.5 s before to the highest of the 1.5 s around (for drifting FSRs),
 * and the 3 % are then counted from the lowest of the 0.15 s before. A
 * contact under way at the start is skipped (its strike was not recorded).
 */
static void offline_onsets(const double *x, size_t n, double fs, bool local, struct vec *on)
{
	size_t w = (size_t)(1.5 * fs);
	double p5, p95;
	bool armed = false;

	percentiles(x, n, &p5, &p95);
	for (size_t i = 0; i < n; i++) {
		double lo = p5, hi = p95;

		if (local) {
			lo = hi = x[i];
			for (size_t j = i > w ? i - w : 0; j < n && j <= i + w; j++) {
				if (j <= i)
					lo = fmin(lo, x[j]);
				hi = fmax(hi, x[j]);
			}
		}
		if (!armed) {
			armed = x[i] < lo + 0.03 * (hi - lo);
			continue;
		}
		if (x[i] <= lo + 0.10 * (hi - lo))
			continue;
		size_t j = i;
		double foot = lo;

		if (local) {
			/* From the foot of this rise, not from an undershoot
			 * at toe-off or a hover in swing. */
			foot = x[i];
			for (size_t k = i > w / 10 ? i - w / 10 : 0; k <= i; k++)
				foot = fmin(foot, x[k]);
		}
		while (j > 0 && x[j - 1] > foot + 0.03 * (hi - lo))
			j--;
		if (!on->n || j / fs - on->v[on->n - 1] >= 0.4)
			push(on, j / fs);
		armed = false;
	}
}

/* ---- PhysioNet gaitndd: FSR under each foot, 300 Hz, WFDB format 212 ---- */

static double *read212(const char *file, size_t *n)
{
	size_t len;
	unsigned char *b = (unsigned char *)slurp(file, &len);
	double *x;

	if (!b)
		die("%s: %s", file, strerror(errno));
	*n = len / 3 * 2;
	x = xrealloc(NULL, *n * sizeof(double));
	for (size_t i = 0; i + 2 < len; i += 3) {
		int s0 = b[i] | (b[i + 1] & 0x0f) << 8, s1 = b[i + 2] | (b[i + 1] & 0xf0) << 4;

		x[i / 3 * 2] = s0 >= 2048 ? s0 - 4096 : s0;
		x[i / 3 * 2 + 1] = s1 >= 2048 ? s1 - 4096 : s1;
	}
	free(b);
	return x;
}

/* Nearest value of sorted v to t. */
static double nearest(const struct vec *v, double t)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v->v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == v->n || (lo > 0 && t - v->v[lo - 1] < v->v[lo] - t))
		lo--;
	return v->v[lo];
}

/* How many of chain[a..b] + c lie within tol of an onset. */
static size_t hits(const struct vec *chain, size_t a, size_t b, double c, const struct vec *on,
		   double tol)
{
	size_t k = 0;

	for (size_t i = a; i <= b; i++)
		k += fabs(nearest(on, chain->v[i] + c) - (chain->v[i] + c)) < tol;
	return k;
}

/*
 * Right heel strikes of a gaitndd record: .ts gives only their intervals.
 * Row i's right stride ends at the right strike within the left stride
 * that ends at row i, so chaining the strides gives the strikes up to a
 * constant. Rows where .ts skipped a strike (a stride beyond 0.7-1.3 times
 * the median: the 180-degree turns) break the chain and are left out of
 * the scoring (`excl`). Each unbroken run is placed where most of its
 * strikes fall on off-line contacts of the right trace (`onr`), less the
 * offset of the same reading from the true left strikes (`onl`).
 */
static void right_strikes(const struct vec *ts, const struct vec *ls, const struct vec *rs,
			  const struct vec *onl, const struct vec *onr, struct vec *rgt,
			  struct vec *excl, size_t *matched)
{
	struct vec tmp = { 0 }, chain = { 0 };
	double ml, mr, bias;
	size_t n = ts->n;
	bool *odd = xrealloc(NULL, n * sizeof(bool));

	for (size_t i = 0; i < n; i++)
		push(&tmp, ls->v[i]);
	ml = median(tmp.v, tmp.n);
	tmp.n = 0;
	for (size_t i = 0; i < n; i++)
		push(&tmp, rs->v[i]);
	mr = median(tmp.v, tmp.n);
	tmp.n = 0;
	for (size_t i = 0; i < n; i++) {
		double d = nearest(onl, ts->v[i]) - ts->v[i];

		if (fabs(d) < 0.05)
			push(&tmp, d);
	}
	bias = median(tmp.v, tmp.n);
	for (size_t i = 0; i < n; i++) {
		odd[i] = ls->v[i] < 0.7 * ml || ls->v[i] > 1.3 * ml || rs->v[i] < 0.7 * mr ||
			 rs->v[i] > 1.3 * mr;
		if (odd[i]) {
			push(excl, (i ? ts->v[i - 1] : ts->v[0] - ls->v[0]) + 0.15);
			push(excl, ts->v[i] - 0.15);
		}
		push(&chain, i && !odd[i - 1] ? chain.v[i - 1] + rs->v[i] : 0);
	}
	*matched = 0;
	for (size_t a = 0; a < n;) {
		size_t b = a, best = 0;
		double c = 0;

		if (odd[a]) {
			a++;
			continue;
		}
		while (b + 1 < n && !odd[b + 1])
			b++;
		/* Candidates: an onset in the first rows' left strides. */
		for (size_t i = a; i <= b && i < a + 5; i++) {
			double t0 = i ? ts->v[i - 1] : ts->v[0] - ls->v[0];

			for (size_t j = 0; j < onr->n; j++) {
				double cc = onr->v[j] - chain.v[i];
				size_t h;

				if (onr->v[j] <= t0 || onr->v[j] > ts->v[i])
					continue;
				h = hits(&chain, a, b, cc, onr, 0.025);
				if (h > best) {
					best = h;
					c = cc;
				}
			}
		}
		tmp.n = 0;
		for (size_t i = a; i <= b; i++) {
			double d = nearest(onr, chain.v[i] + c) - (chain.v[i] + c);

			if (fabs(d) < 0.025)
				push(&tmp, d);
		}
		if (tmp.n)
			c += median(tmp.v, tmp.n);
		*matched += hits(&chain, a, b, c, onr, 0.05);
		for (size_t i = a; i <= b; i++)
			push(rgt, chain.v[i] + c - bias);
		a = b + 1;
	}
	free(odd);
	free(tmp.v);
	free(chain.v);
}

static void gaitndd(void)
{
	static const char *recs[] = { "control1", "control2", "control3", "park1", "park2",
				      "park3",    "hunt1",    "hunt2",    "als1",  "als2" };
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/physionet-gaitndd", data_dir);

	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		struct vec ts = { 0 }, ls = { 0 }, rs = { 0 }, onl = { 0 }, onr = { 0 };
		struct vec rgt = { 0 }, excl = { 0 };
		double *x[2], fs = 300, p5[2], p95[2];
		size_t n[2], matched = 0;
		char *text, *line, *save;
		struct ras_device_info dev;
		struct out o;

		if (!exists(path("%s/%s.hea", dir, recs[r])))
			continue;
		text = slurp(path("%s/%s.hea", dir, recs[r]), NULL);
		if (!text || sscanf(text, "%*s %*d %lf", &fs) != 1 || fs <= 0)
			die("%s/%s.hea: no sampling frequency", dir, recs[r]);
		free(text);
		x[0] = read212(path("%s/%s.let", dir, recs[r]), &n[0]);
		x[1] = read212(path("%s/%s.rit", dir, recs[r]), &n[1]);

		/* .ts: elapsed time (a left heel strike), left and right stride. */
		text = slurp(path("%s/%s.ts", dir, recs[r]), NULL);
		if (!text)
			die("%s/%s.ts: %s", dir, recs[r], strerror(errno));
		for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
			double t, sl, sr;

			if (sscanf(line, "%lf %lf %lf", &t, &sl, &sr) == 3) {
				push(&ts, t);
				push(&ls, sl);
				push(&rs, sr);
			}
		}
		free(text);
		if (ts.n < 10)
			die("%s/%s.ts: too few strides", dir, recs[r]);

		for (int f = 0; f < 2; f++) {
			double *y = xrealloc(NULL, n[f] * sizeof(double));

			memcpy(y, x[f], n[f] * sizeof(double));
			for (size_t i = 0; i < n[f]; i++)
				if (y[i] == -2048)	/* WFDB's invalid sample */
					y[i] = i ? y[i - 1] : 0;
			offline_onsets(y, n[f], fs, true, f ? &onr : &onl);
			percentiles(y, n[f], &p5[f], &p95[f]);
			free(y);
		}
		right_strikes(&ts, &ls, &rs, &onl, &onr, &rgt, &excl, &matched);

		/* As a force device: both feet's raw counts. */
		device(&dev, path("physionet-gaitndd %s FSR", recs[r]));
		axis(&dev, ABS_X, -2048, 2047, 0);
		axis(&dev, ABS_Y, -2048, 2047, 0);
		for (int sensor = 0; sensor < 2; sensor++) {
			bool down[2] = { false, false };
			double th[2];

			if (sensor == 0) {
				out_open(&o, "physionet-gaitndd", recs[r], "force", &dev);
			} else {
				/*
				 * As footswitches: each FSR through a comparator set
				 * once for the walker (30 % of the record's 5-95 %
				 * range), no hysteresis, so it chatters as a switch
				 * would. Only the left strikes are timed exactly,
				 * which is the reason to keep both.
				 */
				struct ras_device_info kd;

				device(&kd, path("physionet-gaitndd %s FSR switch", recs[r]));
				kd.has_ev[EV_KEY] = true;
				kd.has_key[BTN_0] = kd.has_key[BTN_1] = 1;
				out_open(&o, "physionet-gaitndd", recs[r], "footswitch", &kd);
				fprintf(o.truth, "left_code %d\nright_code %d\n", BTN_0, BTN_1);
				for (int f = 0; f < 2; f++)
					th[f] = p5[f] + 0.30 * (p95[f] - p5[f]);
			}
			fprintf(o.truth, "tolerance 0.100\nwindow %.4f %.4f\n", ts.v[0] - ls.v[0],
				ts.v[ts.n - 1]);
			fprintf(o.truth, "note left strikes from .ts; right ones chained from .ts "
				"right strides, placed off-line (%zu of %zu on a contact within "
				"50 ms); %zu turns where .ts skips strikes not scored\n",
				matched, rgt.n, excl.n / 2);
			for (size_t i = 0; i + 1 < excl.n; i += 2)
				fprintf(o.truth, "exclude %.4f %.4f\n", excl.v[i], excl.v[i + 1]);
			fprintf(o.truth, "hs %.4f L\n", ts.v[0] - ls.v[0]);
			for (size_t i = 0; i < ts.n; i++)
				fprintf(o.truth, "hs %.4f L\n", ts.v[i]);
			for (size_t i = 0; i < rgt.n; i++)
				if (rgt.v[i] >= ts.v[0] - ls.v[0])
					fprintf(o.truth, "hs %.4f R\n", rgt.v[i]);
			for (size_t i = 0; i < n[0] && i < n[1]; i++) {
				int64_t t = (int64_t)llround(i * (NS / fs));
				int codes[2] = { ABS_X, ABS_Y }, k = 0;
				int32_t v[2];

				for (int f = 0; f < 2; f++) {
					/* An invalid sample is a gap: nothing sent. */
					if (x[f][i] == -2048)
						continue;
					if (sensor == 0) {
						codes[k] = f ? ABS_Y : ABS_X;
						v[k++] = (int32_t)x[f][i];
					} else if ((x[f][i] > th[f]) != down[f]) {
						down[f] = !down[f];
						key(&o, t, f ? BTN_1 : BTN_0, down[f]);
					}
				}
				if (sensor == 0)
					frame(&o, t, k, codes, v);
			}
			out_close(&o);
		}
		free(x[0]);
		free(x[1]);
		free(ts.v);
		free(ls.v);
		free(rs.v);
		free(onl.v);
		free(onr.v);
		free(rgt.v);
		free(excl.v);
	}
}

/* ---- PhysioNet gaitpdb: VGRF insoles, 100 Hz, total per foot in N ---- */

static void gaitpdb(void)
{
	static const char *recs[] = { "GaCo01_01", "GaCo02_01", "GaCo03_01",
				      "GaPt03_01", "GaPt05_01", "GaPt07_01" };
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/physionet-gaitpdb", data_dir);

	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		struct vec t = { 0 }, f[2] = { { 0 } }, on[2] = { { 0 } };
		char *text, *line, *save;
		struct ras_device_info dev;
		struct out o;

		text = slurp(path("%s/%s.txt", dir, recs[r]), NULL);
		if (!text)
			continue;
		for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
			double c[19];
			char *p = line, *e;
			int k;

			for (k = 0; k < 19; k++, p = e) {
				c[k] = strtod(p, &e);
				if (e == p)
					break;
			}
			if (k < 19)
				continue;
			push(&t, c[0]);
			push(&f[0], c[17]);
			push(&f[1], c[18]);
		}
		free(text);
		if (t.n < 100)
			die("%s/%s.txt: too few rows", dir, recs[r]);
		for (int k = 0; k < 2; k++)
			offline_onsets(f[k].v, f[k].n, 1 / (t.v[1] - t.v[0]), false, &on[k]);

		for (int sensor = 0; sensor < 2; sensor++) {
			bool down[2] = { false, false };

			if (sensor == 0) {
				/* Tenths of a newton, as a pressure axis would count. */
				device(&dev, path("physionet-gaitpdb %s VGRF", recs[r]));
				axis(&dev, ABS_X, 0, 30000, 0);
				axis(&dev, ABS_Y, 0, 30000, 0);
				out_open(&o, "physionet-gaitpdb", recs[r], "force", &dev);
			} else {
				/*
				 * As footswitches: a contact closes above 50 N
				 * total (an under-heel switch's few kilograms), no
				 * hysteresis.
				 */
				device(&dev, path("physionet-gaitpdb %s VGRF switch", recs[r]));
				dev.has_ev[EV_KEY] = true;
				dev.has_key[BTN_0] = dev.has_key[BTN_1] = 1;
				out_open(&o, "physionet-gaitpdb", recs[r], "footswitch", &dev);
				fprintf(o.truth, "left_code %d\nright_code %d\n", BTN_0, BTN_1);
			}
			fprintf(o.truth, "tolerance 0.100\nwindow %.4f %.4f\n", t.v[0],
				t.v[t.n - 1]);
			fprintf(o.truth, "note heel strikes read off-line: first sample above 3 %% "
				"of the 5-95 %% range of the rise through 10 %%\n");
			for (int k = 0; k < 2; k++)
				for (size_t i = 0; i < on[k].n; i++)
					fprintf(o.truth, "hs %.4f %c\n", t.v[0] + on[k].v[i],
						k ? 'R' : 'L');
			for (size_t i = 0; i < t.n; i++) {
				int64_t tn = (int64_t)llround(t.v[i] * NS);
				int codes[2] = { ABS_X, ABS_Y };
				int32_t v[2];

				for (int k = 0; k < 2; k++) {
					v[k] = (int32_t)lround(f[k].v[i] * 10);
					if (sensor == 1 && (f[k].v[i] > 50) != down[k]) {
						down[k] = !down[k];
						key(&o, tn, k ? BTN_1 : BTN_0, down[k]);
					}
				}
				if (sensor == 0)
					frame(&o, tn, 2, codes, v);
			}
			out_close(&o);
		}
		free(t.v);
		for (int k = 0; k < 2; k++) {
			free(f[k].v);
			free(on[k].v);
		}
	}
}

/* ---- Oxford step counter: phone accelerometer, m/s^2 ---- */

static void oxford(void)
{
	static const char *val[][2] = {
		{ "validation/user1_frontpocket_1506422223341.csv", "user1_frontpocket" },
		{ "validation/user2_hand_1506421987098.csv", "user2_hand" },
	};
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/oxford-step-counter", data_dir);
	struct ras_device_info dev;
	struct out o;

	for (size_t r = 0; r < sizeof(val) / sizeof(val[0]); r++) {
		char *text = slurp(path("%s/%s", dir, val[r][0]), NULL), *line, *save;
		double t0 = -1, gt0 = -1, gtn = 0, tn = 0, prev = -1;
		struct vec hs = { 0 };
		int codes[3] = { ABS_X, ABS_Y, ABS_Z };

		if (!text)
			continue;
		accel_device(&dev, path("oxford-step-counter %s phone", val[r][1]));
		out_open(&o, "oxford-step-counter", val[r][1], "accel", &dev);
		/* ns since boot, ax, ay, az, app count, ground-truth count, hw count */
		for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
			double ts, a[3], algo, gt;
			int32_t v[3];

			if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf", &ts, &a[0], &a[1], &a[2], &algo,
				   &gt) != 6)
				continue;
			if (t0 < 0)
				t0 = ts;
			tn = (ts - t0) * 1e-9;
			if (gt0 < 0)
				gt0 = gt;
			if (prev >= 0 && gt > prev)
				push(&hs, tn);
			prev = gtn = gt;
			for (int k = 0; k < 3; k++)
				v[k] = mg(a[k]);
			frame(&o, (int64_t)llround(ts - t0), 3, codes, v);
		}
		fprintf(o.truth, "tolerance 0.250\nwindow 0 %.4f\ncount %.0f\n", tn, gtn - gt0);
		fprintf(o.truth, "note true steps where the ground-truth device's count "
			"goes up (~90 ms resolution)\n");
		for (size_t i = 0; i < hs.n; i++)
			fprintf(o.truth, "hs %.4f -\n", hs.v[i]);
		out_close(&o);
		free(hs.v);
		free(text);
	}

	/* Optimisation trace: 400 Hz phone, two foot-contact switches at ~11 Hz. */
	const char *rec = "optimisation/data/Pixel_Jamie_Hard_FrontPocket_1";
	char *acc = slurp(path("%s/%s/accelerometer.csv", dir, rec), NULL);
	char *sc = slurp(path("%s/%s/stepcounter.csv", dir, rec), NULL), *line, *save;
	double t0 = -1, tn = 0;
	int prev[2] = { -1, -1 };
	struct vec hs = { 0 };
	int codes[3] = { ABS_X, ABS_Y, ABS_Z };

	if (!acc || !sc) {
		free(acc);
		free(sc);
		return;
	}
	accel_device(&dev, "oxford-step-counter Pixel_Jamie_Hard_FrontPocket_1 phone");
	out_open(&o, "oxford-step-counter", "Pixel_Jamie_Hard_FrontPocket_1", "accel", &dev);
	for (line = strtok_r(acc, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		double ts, st, a[3];
		int32_t v[3];

		if (sscanf(line, "%lf,%lf,%lf,%lf,%lf", &ts, &st, &a[0], &a[1], &a[2]) != 5)
			continue;
		if (t0 < 0)
			t0 = ts;
		tn = (ts - t0) * 1e-9;
		for (int k = 0; k < 3; k++)
			v[k] = mg(a[k]);
		frame(&o, (int64_t)llround(ts - t0), 3, codes, v);
	}
	for (line = strtok_r(sc, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		double ts;
		int c[2];

		if (sscanf(line, "%lf,%d,%d", &ts, &c[0], &c[1]) != 3)
			continue;
		for (int k = 0; k < 2; k++) {
			if (prev[k] == 0 && c[k] == 1)
				push(&hs, (ts - t0) * 1e-9);
			prev[k] = c[k];
		}
	}
	qsort(hs.v, hs.n, sizeof(double), cmp_double);
	fprintf(o.truth, "tolerance 0.250\nwindow 0 %.4f\ncount %zu\n", tn, hs.n);
	fprintf(o.truth, "note true steps: rising edges of either foot-contact switch "
		"(~90 ms resolution)\n");
	for (size_t i = 0; i < hs.n; i++)
		fprintf(o.truth, "hs %.4f -\n", hs.v[i]);
	out_close(&o);
	free(hs.v);
	free(acc);
	free(sc);
}

/* ---- IPOL Voisard 2023: XSens IMUs, 100 Hz, m/s^2 ---- */

/* The [a, b] pairs after "key": in the JSON; returns how many. */
static size_t json_pairs(const char *json, const char *key, double (*pair)[2], size_t max)
{
	const char *p = strstr(json, key);
	size_t n = 0;
	int depth = 0;

	if (!p || !(p = strchr(p, '[')))
		return 0;
	for (; *p; p++) {
		if (*p == '[' && ++depth == 2) {
			if (n < max && sscanf(p, "[%lf , %lf]", &pair[n][0], &pair[n][1]) == 2)
				n++;
		} else if (*p == ']' && --depth == 0) {
			break;
		}
	}
	return n;
}

static void ipol(void)
{
	static const char *recs[] = { "1-1", "5-1", "10-1", "15-1" };
	static const char *where[] = { "lb", "lf", "rf" };
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/ipol-voisard2023-healthy-imu", data_dir);

	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		char *json = slurp(path("%s/%s.json", dir, recs[r]), NULL);
		double ev[2][64][2];
		size_t ne[2];

		if (!json)
			continue;
		ne[0] = json_pairs(json, "\"LeftFootEvents\"", ev[0], 64);
		ne[1] = json_pairs(json, "\"RightFootEvents\"", ev[1], 64);
		free(json);
		for (int w = 0; w < 3; w++) {
			char *text = slurp(path("%s/%s_%s.txt", dir, recs[r], where[w]), NULL);
			char *line, *save;
			int codes[3] = { ABS_X, ABS_Y, ABS_Z };
			size_t i = 0, count = 0;
			struct ras_device_info dev;
			struct out o;

			if (!text)
				continue;
			accel_device(&dev, path("ipol-voisard2023 %s %s IMU", recs[r], where[w]));
			out_open(&o, "ipol-voisard2023-healthy-imu", path("%s_%s", recs[r], where[w]),
				 "accel", &dev);
			/* Two header lines, then PacketCounter Acc_X Acc_Y Acc_Z ... */
			for (line = strtok_r(text, "\r\n", &save); line;
			     line = strtok_r(NULL, "\r\n", &save)) {
				double pc, a[3];
				int32_t v[3];

				if (sscanf(line, "%lf %lf %lf %lf", &pc, &a[0], &a[1], &a[2]) != 4)
					continue;
				for (int k = 0; k < 3; k++)
					v[k] = mg(a[k]);
				frame(&o, (int64_t)i * (NS / 100), 3, codes, v);
				i++;
			}
			/* The trunk feels both feet; a foot's sensor is scored on its own. */
			for (int f = 0; f < 2; f++)
				if (w == 0 || w == f + 1)
					count += ne[f];
			fprintf(o.truth, "tolerance 0.250\nwindow 0 %.2f\ncount %zu\n", i / 100.0,
				count);
			/* The detector is for the body (waist, pocket, hand); a foot
			 * sensor shows push-off and strike of every stride. */
			if (w)
				fprintf(o.truth, "info\n");
			fprintf(o.truth, "note true steps: ends of the annotated foot motions "
				"(heel strikes); stand, 10 m, turn, 10 m, stop\n");
			for (int f = 0; f < 2; f++)
				for (size_t k = 0; k < ne[f] && (w == 0 || w == f + 1); k++)
					fprintf(o.truth, "hs %.2f %c\n", ev[f][k][1] / 100,
						w == 0 ? '-' : f ? 'R' : 'L');
			out_close(&o);
			free(text);
		}
	}
}

/* ---- Daphnet FoG: ankle, thigh, trunk accelerometers, 64 Hz, mg ---- */

static void daphnet(void)
{
	static const char *recs[] = { "S01R02", "S03R02" };
	static const char *where[] = { "ankle", "trunk" };
	static const int col[] = { 1, 7 };
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/daphnet-fog", data_dir);

	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		for (int w = 0; w < 2; w++) {
			char *text = slurp(path("%s/%s.txt", dir, recs[r]), NULL), *line, *save;
			int codes[3] = { ABS_X, ABS_Y, ABS_Z }, ann_prev = 0;
			double t_first = -1, t = 0, fz0 = 0, w0 = 0;
			struct ras_device_info dev;
			struct out o;

			if (!text)
				continue;
			accel_device(&dev, path("daphnet-fog %s %s", recs[r], where[w]));
			out_open(&o, "daphnet-fog", path("%s_%s", recs[r], where[w]), "accel", &dev);
			fprintf(o.truth, "tolerance 0.250\n");
			fprintf(o.truth, "note no step annotations: only freezes (no step should be "
				"found) and the rest of the experiment (walk: stand, walk, turn)\n");
			for (line = strtok_r(text, "\r\n", &save); line;
			     line = strtok_r(NULL, "\r\n", &save)) {
				double c[11];
				int32_t v[3];
				int k, ann;
				char *p = line, *e;

				for (k = 0; k < 11; k++, p = e) {
					c[k] = strtod(p, &e);
					if (e == p)
						break;
				}
				if (k < 11)
					continue;
				t = c[0] / 1000;
				ann = (int)c[10];
				if (ann != ann_prev && ann_prev == 2)
					fprintf(o.truth, "freeze %.3f %.3f\n", fz0, t);
				if (ann != ann_prev && ann_prev == 1)
					fprintf(o.truth, "walk %.3f %.3f\n", w0, t);
				if (ann != ann_prev)
					fz0 = w0 = t;
				ann_prev = ann;
				/* The sensor streams zeros before it starts. */
				if (!c[col[w]] && !c[col[w] + 1] && !c[col[w] + 2])
					continue;
				if (t_first < 0)
					t_first = t;
				for (int a = 0; a < 3; a++)
					v[a] = (int32_t)c[col[w] + a];
				frame(&o, (int64_t)llround(c[0] * 1e6), 3, codes, v);
			}
			if (ann_prev == 2)
				fprintf(o.truth, "freeze %.3f %.3f\n", fz0, t);
			if (ann_prev == 1)
				fprintf(o.truth, "walk %.3f %.3f\n", w0, t);
			fprintf(o.truth, "window %.3f %.3f\n", t_first, t);
			out_close(&o);
			free(text);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: convert DATA-DIR OUT-DIR\n");
		return 2;
	}
	data_dir = argv[1];
	out_dir = argv[2];
	gaitndd();
	gaitpdb();
	oxford();
	ipol();
	daphnet();
	printf("convert: %d recordings from %s in %s\n", nrecords, data_dir, out_dir);
	return nrecords ? 0 : 1;
}

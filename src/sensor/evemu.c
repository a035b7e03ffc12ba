/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <libevdev/libevdev.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "rasbeat/evemu.h"

#define EVEMU_FILE_MAX (64u << 20)
#define EVEMU_LINE_MAX 4096
#define MASK_BYTES (RAS_KEY_COUNT / 8)	/* evemu's per-type bitmask: EV_KEY's */
#define NS_PER_SEC 1000000000LL
#define TOKENS_MAX 9			/* B: type and 8 bytes */

struct ras_evemu {
	struct ras_device_info dev;
	struct ras_input_event *ev;
	size_t count, cap;
};

/* Data lines in the order evemu_read takes them; index 0 is "none yet". */
static const char STAGES[] = "-NIPBALSE";
#define STAGE(c) ((int)(strchr(STAGES, (c)) - STAGES))

struct parser {
	struct ras_evemu *rec;
	const char *name;
	char *err;
	size_t errlen;
	int line;
	bool seen;			/* a non-blank line: the version line is first */
	int minor;			/* file format 1.minor; 1.0 without a version line */
	int stage;			/* STAGES index of the last data line */
	bool axes_checked;
	size_t pbytes, mbytes[EV_CNT];
	int abs_line;			/* the B: 03 line that declared the axes */
	bool has_a[RAS_ABS_COUNT];
	int64_t last_ns;
};

static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, p->line, msg);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split s in place into tokens; more than max gives max + 1. */
static int split(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		while (*s && !is_space(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static bool all_of(const char *s, const char *set)
{
	return *s && s[strspn(s, set)] == '\0';
}

/* Hex without 0x, as evemu writes it; 8 digits at most so it cannot overflow. */
static bool parse_hex(const char *s, unsigned long *out)
{
	if (!all_of(s, "0123456789abcdefABCDEF") || strlen(s) > 8)
		return false;
	*out = strtoul(s, NULL, 16);
	return true;
}

/* Decimal int32 with an optional sign; evemu pads values with zeros (%04d). */
static bool parse_int(const char *s, int32_t *out)
{
	const char *d = s + (*s == '-' || *s == '+');
	long long v;

	if (!all_of(d, "0123456789") || strlen(d) > 18)
		return false;
	v = strtoll(s, NULL, 10);
	if (v < INT32_MIN || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

/* SEC.USEC with exactly 6 digits: evemu reads "1.5" as 5 us, so refuse it. */
static int parse_time(struct parser *p, const char *s, int64_t *ns)
{
	const char *dot = strchr(s, '.');
	long long sec, usec;

	if (!dot || dot == s || dot - s > 10 || strspn(s, "0123456789") != (size_t)(dot - s) ||
	    strlen(dot + 1) != 6 || !all_of(dot + 1, "0123456789"))
		return fail(p, "E: bad time '%.32s' (SEC.USEC, 6 digits of microseconds)", s);
	sec = strtoll(s, NULL, 10);
	usec = strtoll(dot + 1, NULL, 10);
	if (sec > INT64_MAX / NS_PER_SEC || usec * 1000 > INT64_MAX - sec * NS_PER_SEC)
		return fail(p, "E: time %.32s out of range", s);
	*ns = sec * NS_PER_SEC + usec * 1000;
	return 0;
}

static int bad_hex(struct parser *p, char kind, const char *s)
{
	return fail(p, "%c: bad hex '%.32s'", kind, s);
}

/* "# EVEMU 1.3" on the first line gives the format; without it, 1.0. */
static int parse_version(struct parser *p, const char *s)
{
	const char *major = s + 8, *minor;
	size_t n;

	if (strncmp(s, "# EVEMU ", 8) != 0 || *major < '0' || *major > '9')
		return 0;	/* a plain comment */
	n = strspn(major, "0123456789");
	minor = major + n;
	if (n > 3 || *minor++ != '.' || (n = strspn(minor, "0123456789")) == 0 || n > 3 ||
	    minor[n + strspn(minor + n, " \t")] != '\0')
		return fail(p, "bad version line (expected \"# EVEMU 1.3\")");
	if (atoi(major) != 1)
		return fail(p, "file format %d.%d: rasbeat reads 1.x", atoi(major), atoi(minor));
	p->minor = atoi(minor);
	return 0;
}

static int parse_name(struct parser *p, const char *s)
{
	struct ras_device_info *dev = &p->rec->dev;
	size_t len;

	/* The whole rest is the name: '#' may be part of it (evemu README). */
	while (is_space(*s))
		s++;
	len = strlen(s);
	if (len == 0)
		return fail(p, "N: empty device name");
	if (len >= sizeof(dev->name))
		return fail(p, "N: device name longer than %zu bytes", sizeof(dev->name) - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(p, "N: control character in the device name");
	memcpy(dev->name, s, len + 1);
	return 0;
}

static int parse_id(struct parser *p, char **tok)
{
	uint16_t *id[4] = { &p->rec->dev.bustype, &p->rec->dev.vendor, &p->rec->dev.product,
			    &p->rec->dev.version };
	unsigned long v;

	for (int i = 0; i < 4; i++) {
		if (!parse_hex(tok[i], &v))
			return bad_hex(p, 'I', tok[i]);
		if (v > 0xffff)
			return fail(p, "I: %.32s out of range (16 bits)", tok[i]);
		*id[i] = (uint16_t)v;
	}
	return 0;
}

static int parse_bytes(struct parser *p, char kind, char **tok, uint8_t *bytes)
{
	unsigned long v;

	for (int i = 0; i < 8; i++) {
		if (!parse_hex(tok[i], &v) || strlen(tok[i]) > 2)
			return fail(p, "%c: bad hex byte '%.32s'", kind, tok[i]);
		bytes[i] = (uint8_t)v;
	}
	return 0;
}

static int parse_prop(struct parser *p, char **tok)
{
	uint8_t b[8];
	int ret = parse_bytes(p, 'P', tok, b);

	if (ret)
		return ret;
	for (size_t bit = 0; bit < 64; bit++) {
		size_t prop = p->pbytes * 8 + bit;

		if (!(b[bit / 8] & (1u << (bit % 8))))
			continue;
		if (prop >= 32)
			return fail(p, "P: property %zu out of range (INPUT_PROP_CNT is 32)", prop);
		p->rec->dev.props |= 1u << prop;
	}
	p->pbytes += 8;
	return 0;
}

static int parse_mask(struct parser *p, char **tok)
{
	struct ras_device_info *dev = &p->rec->dev;
	unsigned long type;
	uint8_t b[8];
	int ret;

	if (!parse_hex(tok[0], &type))
		return bad_hex(p, 'B', tok[0]);
	if (type >= EV_CNT)
		return fail(p, "B: event type 0x%lx out of range (EV_CNT is 0x%x)", type, EV_CNT);
	ret = parse_bytes(p, 'B', tok + 1, b);
	if (ret)
		return ret;
	if (p->mbytes[type] + 8 > MASK_BYTES)
		return fail(p, "B: more than %d bitmask bytes for type 0x%02lx", MASK_BYTES, type);
	for (unsigned bit = 0; bit < 64; bit++) {
		unsigned code = (unsigned)p->mbytes[type] * 8 + bit;

		if (!(b[bit / 8] & (1u << (bit % 8))))
			continue;
		dev->has_ev[type] = true;
		if (type == EV_KEY) {
			dev->has_key[code] = 1;
		} else if (type == EV_ABS) {
			if (code >= RAS_ABS_COUNT)
				return fail(p, "B: axis 0x%x out of range (ABS_CNT is 0x%x)", code,
					    RAS_ABS_COUNT);
			dev->has_abs[code] = 1;
			p->abs_line = p->line;
		}
	}
	p->mbytes[type] += 8;
	return 0;
}

static int parse_abs(struct parser *p, char **tok)
{
	struct ras_device_info *dev = &p->rec->dev;
	struct ras_absinfo a = { 0 };
	int32_t *field[5] = { &a.minimum, &a.maximum, &a.fuzz, &a.flat, &a.resolution };
	unsigned long axis;

	if (!parse_hex(tok[0], &axis))
		return bad_hex(p, 'A', tok[0]);
	if (axis >= RAS_ABS_COUNT)
		return fail(p, "A: axis 0x%lx out of range (ABS_CNT is 0x%x)", axis, RAS_ABS_COUNT);
	for (int i = 0; i < (p->minor >= 2 ? 5 : 4); i++)
		if (!parse_int(tok[i + 1], field[i]))
			return fail(p, "A: bad number '%.32s'", tok[i + 1]);
	if (!dev->has_abs[axis])
		return fail(p, "A: axis 0x%02lx is not in the B: 03 bitmask", axis);
	if (p->has_a[axis])
		return fail(p, "A: axis 0x%02lx given twice", axis);
	if (a.minimum > a.maximum)
		return fail(p, "A: axis 0x%02lx: min %d above max %d", axis, a.minimum, a.maximum);
	p->has_a[axis] = true;
	dev->abs[axis] = a;
	return 0;
}

/* L: and S: give LED and switch states; nothing here needs them. */
static int parse_state(struct parser *p, char kind, char **tok)
{
	unsigned long code;
	int32_t state;

	if (!parse_hex(tok[0], &code))
		return bad_hex(p, kind, tok[0]);
	if (code >= RAS_KEY_COUNT)
		return fail(p, "%c: code 0x%lx out of range", kind, code);
	if (!parse_int(tok[1], &state))
		return fail(p, "%c: bad number '%.32s'", kind, tok[1]);
	return 0;
}

static int parse_event(struct parser *p, char **tok)
{
	struct ras_evemu *rec = p->rec;
	struct ras_input_event ev;
	unsigned long type, code;
	int ret = parse_time(p, tok[0], &ev.time_ns);

	if (ret)
		return ret;
	if (!parse_hex(tok[1], &type))
		return bad_hex(p, 'E', tok[1]);
	if (!parse_hex(tok[2], &code))
		return bad_hex(p, 'E', tok[2]);
	if (type >= EV_CNT)
		return fail(p, "E: event type 0x%lx out of range (EV_CNT is 0x%x)", type, EV_CNT);
	if (code >= (type == EV_ABS ? RAS_ABS_COUNT : RAS_KEY_COUNT))
		return fail(p, "E: code 0x%lx out of range for type 0x%02lx", code, type);
	if (!parse_int(tok[3], &ev.value))
		return fail(p, "E: bad value '%.32s'", tok[3]);
	if (rec->count && ev.time_ns < p->last_ns)
		return fail(p, "E: time %s goes backwards (previous event at %" PRId64 ".%06" PRId64
			    ")", tok[0], p->last_ns / NS_PER_SEC, p->last_ns % NS_PER_SEC / 1000);
	if (rec->count == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 256;
		struct ras_input_event *e = realloc(rec->ev, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		rec->ev = e;
		rec->cap = cap;
	}
	ev.type = (uint16_t)type;
	ev.code = (uint16_t)code;
	rec->ev[rec->count++] = ev;
	p->last_ns = ev.time_ns;
	return 0;
}

/* Every axis B: 03 declares needs its A: line (evemu-record writes one each). */
static int check_axes(struct parser *p)
{
	p->axes_checked = true;
	for (int i = 0; i < RAS_ABS_COUNT; i++) {
		if (p->rec->dev.has_abs[i] && !p->has_a[i]) {
			p->line = p->abs_line;	/* where the axis was declared */
			return fail(p, "axis 0x%02x is in B: 03 but has no A: line", i);
		}
	}
	return 0;
}

static int parse_line(struct parser *p, char *s)
{
	static const char *const usage[] = {
		['I'] = "BUSTYPE VENDOR PRODUCT VERSION (hex)",
		['P'] = "8 property bytes (hex)",
		['B'] = "TYPE and 8 bitmask bytes (hex)",
		['L'] = "LED STATE",
		['S'] = "SWITCH STATE",
		['E'] = "SEC.USEC TYPE CODE VALUE",
	};
	static const int want[] = { ['I'] = 4, ['P'] = 8, ['B'] = 9, ['L'] = 2, ['S'] = 2,
				    ['E'] = 4 };
	char *tok[TOKENS_MAX], *hash;
	bool first = !p->seen;
	int kind, stage, n, ret;

	while (is_space(*s))
		s++;
	if (!*s)
		return 0;
	p->seen = true;
	if (*s == '#')
		return first ? parse_version(p, s) : 0;
	if (s[1] != ':' || !strchr(STAGES + 1, s[0]))
		return fail(p, "not an evemu line (N:, I:, P:, B:, A:, L:, S:, E: or #)");
	kind = s[0];
	stage = STAGE(kind);
	if (p->stage == 0 && kind != 'N')
		return fail(p, kind == 'E' ? "E: event before the N: and I: device header" :
			    "expected the N: device name first");
	if (p->stage == STAGE('N') && kind != 'I')
		return fail(p, "expected the I: line after N:");
	if ((kind == 'N' || kind == 'I') && p->stage >= stage)
		return fail(p, "a second %c: line", kind);
	if (stage < p->stage)
		return fail(p, "%c: line after the %c: lines", kind, STAGES[p->stage]);
	p->stage = stage;
	if (!p->axes_checked && stage > STAGE('A')) {
		ret = check_axes(p);
		if (ret)
			return ret;
	}
	if (kind == 'N')
		return parse_name(p, s + 2);

	hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	n = split(s + 2, tok, TOKENS_MAX);
	if (kind == 'A') {
		if (n != (p->minor >= 2 ? 6 : 5))
			return fail(p, "A: expected %s in a version 1.%d file",
				    p->minor >= 2 ? "AXIS MIN MAX FUZZ FLAT RESOLUTION" :
				    "AXIS MIN MAX FUZZ FLAT", p->minor);
		return parse_abs(p, tok);
	}
	if (n != want[kind])
		return fail(p, "%c: expected %s", kind, usage[kind]);
	switch (kind) {
	case 'I':
		return parse_id(p, tok);
	case 'P':
		return parse_prop(p, tok);
	case 'B':
		return parse_mask(p, tok);
	case 'L':
	case 'S':
		return parse_state(p, (char)kind, tok);
	default:
		return parse_event(p, tok);
	}
}

int ras_evemu_parse(const char *text, size_t len, const char *name, struct ras_evemu **out,
		    char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	char buf[EVEMU_LINE_MAX + 1];
	size_t pos = 0;
	int ret = 0;

	*out = NULL;
	if (len > EVEMU_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u MiB: not an evemu recording", name,
			 EVEMU_FILE_MAX >> 20);
		return -EFBIG;
	}
	p.rec = calloc(1, sizeof(*p.rec));
	if (!p.rec)
		ret = -ENOMEM;
	/* Lines are copied out: text need not be NUL-terminated. */
	while (!ret && pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + (nl != NULL);
		p.line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n > EVEMU_LINE_MAX)
			ret = fail(&p, "line longer than %d bytes", EVEMU_LINE_MAX);
		else if (memchr(s, '\0', n))
			ret = fail(&p, "NUL byte: not an evemu recording");
		if (ret)
			break;
		memcpy(buf, s, n);
		buf[n] = '\0';
		ret = parse_line(&p, buf);
	}
	if (!ret && p.stage < STAGE('I')) {
		p.line += !p.line;
		ret = fail(&p, "no N: and I: device header: not an evemu recording");
	}
	if (!ret && !p.axes_checked)
		ret = check_axes(&p);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	if (ret)
		ras_evemu_free(p.rec);
	else
		*out = p.rec;
	return ret;
}

int ras_evemu_load(const char *path, struct ras_evemu **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret;

	*out = NULL;
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	/* Read one byte past the limit so parse can tell "too large". */
	errno = 0;
	while (!feof(f) && !ferror(f)) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 16;
			char *b;

			if (ncap > EVEMU_FILE_MAX + 1)
				ncap = EVEMU_FILE_MAX + 1;
			if (ncap == cap)
				break;
			b = realloc(buf, ncap);
			if (!b) {
				ret = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = b;
			cap = ncap;
		}
		len += fread(buf + len, 1, cap - len, f);
	}
	if (ferror(f)) {
		/* fopen() opens a directory; reading it says EISDIR. */
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
		goto out;
	}
	ret = ras_evemu_parse(buf ? buf : "", len, path, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return ret;
}

void ras_evemu_free(struct ras_evemu *rec)
{
	if (!rec)
		return;
	free(rec->ev);
	free(rec);
}

const struct ras_device_info *ras_evemu_device(const struct ras_evemu *rec)
{
	return &rec->dev;
}

size_t ras_evemu_count(const struct ras_evemu *rec)
{
	return rec->count;
}

const struct ras_input_event *ras_evemu_events(const struct ras_evemu *rec)
{
	return rec->ev;
}

/* libevdev has no name for some codes; evemu prints glibc's "(null)". */
static const char *nm(const char *s)
{
	return s ? s : "(null)";
}

/* What the device info knows: every EV_SYN code (as libevdev says), keys, axes. */
static bool has_code(const struct ras_device_info *dev, unsigned type, unsigned code)
{
	if (type == EV_SYN)
		return true;
	if (type == EV_KEY)
		return code < RAS_KEY_COUNT && dev->has_key[code];
	if (type == EV_ABS)
		return code < RAS_ABS_COUNT && dev->has_abs[code];
	return false;
}

static void write_absinfo(FILE *f, const struct ras_absinfo *a)
{
	fprintf(f, "#       Value   %6d\n#       Min     %6d\n#       Max     %6d\n"
		"#       Fuzz    %6d\n#       Flat    %6d\n#       Resolution %3d\n",
		a->value, a->minimum, a->maximum, a->fuzz, a->flat, a->resolution);
}

/* evemu's evtest-like description, as comments. */
static void write_desc(FILE *f, const struct ras_device_info *dev)
{
	const struct ras_absinfo *x = &dev->abs[ABS_X], *y = &dev->abs[ABS_Y];

	fprintf(f, "# Input device name: \"%s\"\n", dev->name);
	fprintf(f, "# Input device ID: bus %#04x vendor %#04x product %#04x version %#04x\n",
		dev->bustype, dev->vendor, dev->product, dev->version);
	if (dev->has_abs[ABS_X] && dev->has_abs[ABS_Y] && x->resolution && y->resolution) {
		int64_t w = ((int64_t)x->maximum - x->minimum) / x->resolution;
		int64_t h = ((int64_t)y->maximum - y->minimum) / y->resolution;

		if (w && h)
			fprintf(f, "# Size in mm: %" PRId64 "x%" PRId64 "\n", w, h);
	}
	fprintf(f, "# Supported events:\n");
	for (unsigned t = 0; t < EV_CNT; t++) {
		if (!dev->has_ev[t])
			continue;
		fprintf(f, "#   Event type %u (%s)\n", t, nm(libevdev_event_type_get_name(t)));
		for (int c = 0; c <= libevdev_event_type_get_max(t); c++) {
			if (!has_code(dev, t, (unsigned)c))
				continue;
			fprintf(f, "#     Event code %d (%s)\n", c,
				nm(libevdev_event_code_get_name(t, (unsigned)c)));
			if (t == EV_ABS)
				write_absinfo(f, &dev->abs[c]);
		}
	}
	fprintf(f, "# Properties:\n");
	for (unsigned i = 0; i < 32; i++)
		if (dev->props & (1u << i))
			fprintf(f, "#   Property  type %u (%s)\n", i,
				nm(libevdev_property_get_name(i)));
}

int ras_evemu_write_header(FILE *f, const struct ras_device_info *dev)
{
	size_t len = strnlen(dev->name, sizeof(dev->name));
	struct utsname u;

	/* What the parser (and evemu_read) would refuse. */
	if (len == 0 || len == sizeof(dev->name))
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)dev->name[i] < 0x20 || dev->name[i] == 0x7f)
			return -EINVAL;

	fprintf(f, "# EVEMU 1.3\n");
	if (uname(&u) == 0)
		fprintf(f, "# Kernel: %s\n", u.release);
	write_desc(f, dev);
	fprintf(f, "N: %s\n", dev->name);
	fprintf(f, "I: %04x %04x %04x %04x\n", dev->bustype, dev->vendor, dev->product,
		dev->version);
	fprintf(f, "P: %02x %02x %02x %02x 00 00 00 00\n", dev->props & 0xff,
		dev->props >> 8 & 0xff, dev->props >> 16 & 0xff, dev->props >> 24);
	/* evemu writes this constant for EV_SYN, then every type libevdev knows. */
	fprintf(f, "B: 00 0b 00 00 00 00 00 00 00\n");
	for (unsigned t = 1; t < EV_CNT; t++) {
		int max = libevdev_event_type_get_max(t);
		uint8_t mask[MASK_BYTES] = { 0 };
		int bytes = (max + 8) / 8;

		if (max < 0)
			continue;
		if (bytes > MASK_BYTES)
			bytes = MASK_BYTES;
		for (int c = 0; c < bytes * 8; c++)
			if (has_code(dev, t, (unsigned)c))
				mask[c / 8] |= 1u << (c % 8);
		for (int i = 0; i < bytes; i += 8)
			fprintf(f, "B: %02x %02x %02x %02x %02x %02x %02x %02x %02x\n", t, mask[i],
				mask[i + 1], mask[i + 2], mask[i + 3], mask[i + 4], mask[i + 5],
				mask[i + 6], mask[i + 7]);
	}
	for (int i = 0; i < RAS_ABS_COUNT; i++) {
		const struct ras_absinfo *a = &dev->abs[i];

		if (dev->has_abs[i])
			fprintf(f, "A: %02x %d %d %d %d %d\n", i, a->minimum, a->maximum, a->fuzz,
				a->flat, a->resolution);
	}
	fprintf(f, "################################\n"
		"#      Waiting for events      #\n"
		"################################\n");
	return ferror(f) ? -EIO : 0;
}

int ras_evemu_write_event(FILE *f, const struct ras_input_event *ev)
{
	const char *type = nm(libevdev_event_type_get_name(ev->type));
	const char *code = nm(libevdev_event_code_get_name(ev->type, ev->code));
	int64_t us = ev->time_ns / 1000;

	if (ev->time_ns < 0)
		return -EINVAL;
	fprintf(f, "E: %" PRId64 ".%06u %04x %04x %04d\t", us / 1000000,
		(unsigned)(us % 1000000), ev->type, ev->code, ev->value);
	/* evemu-record adds "+Nms" since the last report; that needs state. */
	if (ev->type != EV_SYN)
		fprintf(f, "# %s / %-20s %d\n", type, code, ev->value);
	else if (ev->code == SYN_MT_REPORT)
		fprintf(f, "# ++++++++++++ %s (%d) ++++++++++\n", code, ev->value);
	else
		fprintf(f, "# ------------ %s (%d) ----------\n", code, ev->value);
	return ferror(f) ? -EIO : 0;
}

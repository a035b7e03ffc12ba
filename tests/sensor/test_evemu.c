/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * evemu recordings: the fixtures in tests/sensor/data are evemu 2.7 output
 * (libevemu's own evemu_write and evemu_write_event, with a typical Kernel
 * and DMI line), so parsing them checks the format as evemu-record writes
 * it, and writing them back must give the same text. Every refusal names
 * its line; random mutations never crash the parser.
 */
#include <errno.h>
#include <linux/input.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasbeat/evemu.h"
#include "testutil.h"

#define FOOTSWITCH "tests/sensor/data/footswitch.evemu"
#define ACCEL "tests/sensor/data/accel.evemu"
#define ERRLEN 512

static char err[ERRLEN];

static struct ras_evemu *load_ok(const char *path)
{
	struct ras_evemu *rec = NULL;
	int ret = ras_evemu_load(path, &rec, err, sizeof(err));

	if (ret)
		fprintf(stderr, "\n%s: unexpected error %d: %s\n", path, ret, err);
	CU_ASSERT_EQUAL(ret, 0);
	return rec;
}

static struct ras_evemu *parse_ok(const char *text)
{
	struct ras_evemu *rec = NULL;
	int ret = ras_evemu_parse(text, strlen(text), "t.evemu", &rec, err, sizeof(err));

	if (ret)
		fprintf(stderr, "\nunexpected error %d for \"%s\": %s\n", ret, text, err);
	CU_ASSERT_EQUAL(ret, 0);
	return rec;
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = test_slurp(path, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	return buf;
}

static void assert_event(const struct ras_evemu *rec, size_t i, int64_t ns, int type, int code,
			 int32_t value)
{
	const struct ras_input_event *ev = ras_evemu_events(rec) + i;

	CU_ASSERT_FATAL(i < ras_evemu_count(rec));
	CU_ASSERT_EQUAL(ev->time_ns, ns);
	CU_ASSERT_EQUAL(ev->type, type);
	CU_ASSERT_EQUAL(ev->code, code);
	CU_ASSERT_EQUAL(ev->value, value);
}

static int count_keys(const struct ras_device_info *d)
{
	int n = 0;

	for (int i = 0; i < RAS_KEY_COUNT; i++)
		n += d->has_key[i];
	return n;
}

static int count_axes(const struct ras_device_info *d)
{
	int n = 0;

	for (int i = 0; i < RAS_ABS_COUNT; i++)
		n += d->has_abs[i];
	return n;
}

static void test_footswitch(void)
{
	struct ras_evemu *rec = load_ok(FOOTSWITCH);
	const struct ras_device_info *d;

	if (!rec)
		return;
	d = ras_evemu_device(rec);
	CU_ASSERT_STRING_EQUAL(d->name, "PCsensor FootSwitch");
	CU_ASSERT_EQUAL(d->bustype, BUS_USB);
	CU_ASSERT_EQUAL(d->vendor, 0x3553);
	CU_ASSERT_EQUAL(d->product, 0xb001);
	CU_ASSERT_EQUAL(d->version, 0x0111);
	CU_ASSERT_EQUAL(d->props, 0);
	for (int t = 0; t < 32; t++)
		CU_ASSERT_EQUAL(d->has_ev[t], t == EV_SYN || t == EV_KEY || t == EV_MSC);
	CU_ASSERT_EQUAL(count_keys(d), 2);
	CU_ASSERT(d->has_key[KEY_A]);
	CU_ASSERT(d->has_key[BTN_0]);
	CU_ASSERT_EQUAL(count_axes(d), 0);

	CU_ASSERT_EQUAL(ras_evemu_count(rec), 20);
	assert_event(rec, 0, 1000, EV_MSC, MSC_SCAN, 458756);
	assert_event(rec, 1, 1000, EV_KEY, KEY_A, 1);
	assert_event(rec, 2, 1000, EV_SYN, SYN_REPORT, 0);
	assert_event(rec, 4, 104012000, EV_KEY, KEY_A, 0);
	assert_event(rec, 7, 652300000, EV_KEY, BTN_0, 1);
	assert_event(rec, 10, 761999000, EV_KEY, BTN_0, 0);
	/* Autorepeat and the report that carries it: value 1 on EV_SYN. */
	assert_event(rec, 15, 1250000000, EV_KEY, KEY_A, 2);
	assert_event(rec, 16, 1250000000, EV_SYN, SYN_REPORT, 1);
	assert_event(rec, 19, 1383417000, EV_SYN, SYN_REPORT, 0);
	ras_evemu_free(rec);
}

static void test_accelerometer(void)
{
	struct ras_evemu *rec = load_ok(ACCEL);
	const struct ras_device_info *d;

	if (!rec)
		return;
	d = ras_evemu_device(rec);
	CU_ASSERT_STRING_EQUAL(d->name,
			       "Sony Interactive Entertainment Wireless Controller Motion Sensors");
	CU_ASSERT_EQUAL(d->bustype, BUS_USB);
	CU_ASSERT_EQUAL(d->vendor, 0x054c);
	CU_ASSERT_EQUAL(d->product, 0x09cc);
	CU_ASSERT_EQUAL(d->version, 0x8111);
	CU_ASSERT_EQUAL(d->props, 1u << INPUT_PROP_ACCELEROMETER);
	for (int t = 0; t < 32; t++)
		CU_ASSERT_EQUAL(d->has_ev[t], t == EV_SYN || t == EV_ABS || t == EV_MSC);
	CU_ASSERT_EQUAL(count_keys(d), 0);
	CU_ASSERT_EQUAL(count_axes(d), 6);
	for (int a = ABS_X; a <= ABS_RZ; a++) {
		const struct ras_absinfo *ai = &d->abs[a];
		int32_t range = a <= ABS_Z ? 32768 : 2097152;

		CU_ASSERT(d->has_abs[a]);
		CU_ASSERT_EQUAL(ai->minimum, -range);
		CU_ASSERT_EQUAL(ai->maximum, range);
		CU_ASSERT_EQUAL(ai->fuzz, 16);
		CU_ASSERT_EQUAL(ai->flat, 0);
		CU_ASSERT_EQUAL(ai->resolution, a <= ABS_Z ? 8192 : 1024);
	}

	CU_ASSERT_EQUAL(ras_evemu_count(rec), 22);
	assert_event(rec, 0, 1000, EV_ABS, ABS_X, -124);
	assert_event(rec, 2, 1000, EV_ABS, ABS_Z, -1302);
	assert_event(rec, 5, 1000, EV_ABS, ABS_RZ, 512);	/* written "0512" */
	assert_event(rec, 6, 1000, EV_MSC, MSC_TIMESTAMP, 0);
	assert_event(rec, 8, 4004000, EV_ABS, ABS_X, -98);	/* written "-098" */
	assert_event(rec, 18, 12002000, EV_ABS, ABS_X, -5);	/* written "-005" */
	assert_event(rec, 19, 12002000, EV_ABS, ABS_Y, 10240);
	assert_event(rec, 21, 12002000, EV_SYN, SYN_REPORT, 0);
	ras_evemu_free(rec);
}

#define HDR "# EVEMU 1.3\nN: t\nI: 0003 0001 0002 0003\n"

/* sec.usec to ns exactly, up to the last microsecond int64 ns can hold. */
static void test_times_ns(void)
{
	struct ras_evemu *rec = parse_ok(HDR
					 "E: 0.000000 0000 0000 0000\n"
					 "E: 0.000001 0000 0000 0000\n"
					 "E: 0.999999 0000 0000 0000\n"
					 "E: 1.000000 0000 0000 0000\n"
					 "E: 1700000000.123456 0000 0000 0000\n"
					 "E: 9223372036.854775 0000 0000 0000\n");

	if (!rec)
		return;
	CU_ASSERT_EQUAL(ras_evemu_count(rec), 6);
	assert_event(rec, 0, 0, 0, 0, 0);
	assert_event(rec, 1, 1000, 0, 0, 0);
	assert_event(rec, 2, 999999000, 0, 0, 0);
	assert_event(rec, 3, 1000000000, 0, 0, 0);
	assert_event(rec, 4, 1700000000123456000LL, 0, 0, 0);
	assert_event(rec, 5, 9223372036854775000LL, 0, 0, 0);
	ras_evemu_free(rec);
}

/* Compare what the format can carry: has_ev only for the types it has codes of. */
static void assert_same_device(const struct ras_device_info *a, const struct ras_device_info *b)
{
	CU_ASSERT_STRING_EQUAL(a->name, b->name);
	CU_ASSERT_EQUAL(a->bustype, b->bustype);
	CU_ASSERT_EQUAL(a->vendor, b->vendor);
	CU_ASSERT_EQUAL(a->product, b->product);
	CU_ASSERT_EQUAL(a->version, b->version);
	CU_ASSERT_EQUAL(a->props, b->props);
	CU_ASSERT_EQUAL(a->has_ev[EV_KEY], b->has_ev[EV_KEY]);
	CU_ASSERT_EQUAL(a->has_ev[EV_ABS], b->has_ev[EV_ABS]);
	CU_ASSERT_EQUAL(memcmp(a->has_key, b->has_key, sizeof(a->has_key)), 0);
	CU_ASSERT_EQUAL(memcmp(a->has_abs, b->has_abs, sizeof(a->has_abs)), 0);
	for (int i = 0; i < RAS_ABS_COUNT; i++) {
		CU_ASSERT_EQUAL(a->abs[i].minimum, b->abs[i].minimum);
		CU_ASSERT_EQUAL(a->abs[i].maximum, b->abs[i].maximum);
		CU_ASSERT_EQUAL(a->abs[i].fuzz, b->abs[i].fuzz);
		CU_ASSERT_EQUAL(a->abs[i].flat, b->abs[i].flat);
		CU_ASSERT_EQUAL(a->abs[i].resolution, b->abs[i].resolution);
	}
}

static void test_round_trip(void)
{
	static const struct ras_input_event events[] = {
		{ 0, EV_KEY, BTN_0, 1 },
		{ 0, EV_SYN, SYN_REPORT, 0 },
		{ 1500000000, EV_ABS, ABS_X, -32768 },
		{ 1500000000, EV_ABS, ABS_Z, 2147483647 },
		{ 1500000000, EV_ABS, ABS_Y, -2147483647 - 1 },
		{ 1500000000, EV_SYN, SYN_MT_REPORT, 0 },
		{ 1500001000, EV_SYN, SYN_REPORT, 0 },
		{ 86400123456000LL, EV_KEY, KEY_A, 2 },
		{ 86400123456000LL, EV_SYN, SYN_REPORT, 1 },
	};
	const size_t n = sizeof(events) / sizeof(events[0]);
	struct ras_device_info dev = {
		.name = "rasbeat test # footpod",
		.bustype = BUS_BLUETOOTH, .vendor = 0x1d6b, .product = 0x0104, .version = 0x0001,
		.props = 1u << INPUT_PROP_ACCELEROMETER | 1u << 31,
	};
	const char *path = test_path("trip.evemu");
	struct ras_evemu *rec;
	FILE *f;

	dev.has_ev[EV_SYN] = dev.has_ev[EV_KEY] = dev.has_ev[EV_ABS] = true;
	dev.has_key[KEY_A] = dev.has_key[BTN_0] = dev.has_key[RAS_KEY_COUNT - 1] = 1;
	for (int a = ABS_X; a <= ABS_Z; a++) {
		dev.has_abs[a] = 1;
		dev.abs[a] = (struct ras_absinfo){ 7, -32768 - a, 32767 + a, 16, a, 8192 - a };
	}
	dev.has_abs[RAS_ABS_COUNT - 1] = 1;
	dev.abs[RAS_ABS_COUNT - 1] = (struct ras_absinfo){ 0, INT32_MIN, INT32_MAX, 0, 0, 0 };

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ras_evemu_write_header(f, &dev), 0);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(ras_evemu_write_event(f, &events[i]), 0);
	CU_ASSERT_EQUAL(fclose(f), 0);

	rec = load_ok(path);
	if (!rec)
		return;
	assert_same_device(&dev, ras_evemu_device(rec));
	CU_ASSERT_TRUE(ras_evemu_device(rec)->has_ev[EV_SYN]);
	CU_ASSERT_EQUAL_FATAL(ras_evemu_count(rec), n);
	for (size_t i = 0; i < n; i++)
		assert_event(rec, i, events[i].time_ns, events[i].type, events[i].code,
			     events[i].value);
	ras_evemu_free(rec);
}

/*
 * The header and events written back from a fixture, against evemu-record's
 * own text. Left out: the Kernel and DMI lines (this machine's), the "+Nms"
 * evemu appends to reports (it needs state across calls), and the EV_MSC
 * codes, which struct ras_device_info does not carry.
 */
static char *normalize(const char *text, bool from_evemu)
{
	char *copy = strdup(text), *out = calloc(1, strlen(text) + 1), *line, *save;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ms = strstr(line, " ---------- +");

		if (!strncmp(line, "# Kernel: ", 10) || !strncmp(line, "# DMI: ", 7))
			continue;
		if (from_evemu && !strncmp(line, "#     Event code ", 17) && strstr(line, "(MSC_"))
			continue;
		if (from_evemu && !strncmp(line, "B: 04 ", 6))
			line = "B: 04 00 00 00 00 00 00 00 00";
		if (from_evemu && ms)
			ms[11] = '\0';
		strcat(out, line);
		strcat(out, "\n");
	}
	free(copy);
	return out;
}

static void check_write_back(const char *fixture, const char *name)
{
	struct ras_evemu *rec = load_ok(fixture);
	const char *path = test_path(name);
	char *want, *got, *a, *b;
	FILE *f;

	if (!rec)
		return;
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ras_evemu_write_header(f, ras_evemu_device(rec)), 0);
	for (size_t i = 0; i < ras_evemu_count(rec); i++)
		CU_ASSERT_EQUAL(ras_evemu_write_event(f, ras_evemu_events(rec) + i), 0);
	CU_ASSERT_EQUAL(fclose(f), 0);
	ras_evemu_free(rec);

	want = slurp(fixture, NULL);
	got = slurp(path, NULL);
	a = normalize(want, true);
	b = normalize(got, false);
	CU_ASSERT_STRING_EQUAL(b, a);
	if (strcmp(a, b))
		fprintf(stderr, "\n%s written back differs (RASBEAT_KEEP_TMP=1 keeps %s)\n",
			fixture, path);
	free(want);
	free(got);
	free(a);
	free(b);
}

static void test_write_like_evemu(void)
{
	check_write_back(FOOTSWITCH, "footswitch.evemu");
	check_write_back(ACCEL, "accel.evemu");
}

static void test_write_refuses(void)
{
	struct ras_device_info dev = { .name = "" };
	struct ras_input_event ev = { -1000, EV_SYN, SYN_REPORT, 0 };
	FILE *f = fopen(test_path("refused.evemu"), "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ras_evemu_write_header(f, &dev), -EINVAL);
	strcpy(dev.name, "two\nlines");
	CU_ASSERT_EQUAL(ras_evemu_write_header(f, &dev), -EINVAL);
	memset(dev.name, 'x', sizeof(dev.name));	/* not terminated */
	CU_ASSERT_EQUAL(ras_evemu_write_header(f, &dev), -EINVAL);
	CU_ASSERT_EQUAL(ras_evemu_write_event(f, &ev), -EINVAL);
	CU_ASSERT_EQUAL(ftell(f), 0);
	fclose(f);
}

/* Older formats, comments, line endings, optional parts. */
static void test_variants(void)
{
	struct ras_evemu *rec;

	/* 1.0 (no version line) and 1.1: A: lines without resolution. */
	rec = parse_ok("N: old\nI: 0003 0001 0002 0003\nB: 03 01 00 00 00 00 00 00 00\n"
		       "A: 00 -5 5 1 2\nE: 3.000000 0003 0000 -5\n");
	if (rec) {
		CU_ASSERT_EQUAL(ras_evemu_device(rec)->abs[0].minimum, -5);
		CU_ASSERT_EQUAL(ras_evemu_device(rec)->abs[0].flat, 2);
		CU_ASSERT_EQUAL(ras_evemu_device(rec)->abs[0].resolution, 0);
		assert_event(rec, 0, 3000000000LL, EV_ABS, ABS_X, -5);
	}
	ras_evemu_free(rec);
	rec = parse_ok("# EVEMU 1.1\nN: old\nI: 0003 0001 0002 0003\n"
		       "B: 03 01 00 00 00 00 00 00 00\nA: 00 -5 5 1 2  # ABS_X\n");
	ras_evemu_free(rec);
	/* 1.2 added the resolution. */
	rec = parse_ok("# EVEMU 1.2\nN: n\nI: 0003 0001 0002 0003\n"
		       "B: 03 01 00 00 00 00 00 00 00\nA: 00 -5 5 1 2 40\n");
	if (rec)
		CU_ASSERT_EQUAL(ras_evemu_device(rec)->abs[0].resolution, 40);
	ras_evemu_free(rec);

	/* CRLF, no final newline, comments everywhere, '#' in the name, blank lines. */
	rec = parse_ok("# EVEMU 1.3\r\n# a comment\r\n\r\nN: Foot #2 \r\n  # indented\r\n"
		       "I: 0003 0001 0002 0003 # ids\r\nP: 40 00 00 00 00 00 00 00\t# accel\r\n"
		       "B: 01 00 00 00 40 00 00 00 00 # KEY_A\r\n\t\r\n"
		       "E: 0.000001 0001 001e 0001\t# EV_KEY / KEY_A 1\r\n"
		       "# ------\r\nE: 0.000002 1 1e 0");
	if (rec) {
		CU_ASSERT_STRING_EQUAL(ras_evemu_device(rec)->name, "Foot #2 ");
		CU_ASSERT_EQUAL(ras_evemu_device(rec)->props, 1u << INPUT_PROP_ACCELEROMETER);
		CU_ASSERT(ras_evemu_device(rec)->has_key[KEY_A]);
		CU_ASSERT_EQUAL(ras_evemu_count(rec), 2);
		assert_event(rec, 1, 2000, EV_KEY, KEY_A, 0);
	}
	ras_evemu_free(rec);

	/* evemu-describe output: a header and no events; L: and S: states. */
	rec = parse_ok(HDR "B: 05 01 00 00 00 00 00 00 00\nB: 11 01 00 00 00 00 00 00 00\n"
		       "L: 00 1\nS: 00 1\n");
	if (rec) {
		CU_ASSERT_EQUAL(ras_evemu_count(rec), 0);
		CU_ASSERT(ras_evemu_device(rec)->has_ev[EV_SW]);
		CU_ASSERT(ras_evemu_device(rec)->has_ev[EV_LED]);
	}
	ras_evemu_free(rec);

	/* The text need not be NUL-terminated: parse only reads len bytes. */
	{
		static const char text[] = HDR "E: 0.000001 0001 001e 0001\n";
		size_t len = strlen(text) - 1;	/* and no final newline */
		char *exact = malloc(len);

		CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
		memcpy(exact, text, len);
		rec = NULL;
		CU_ASSERT_EQUAL(ras_evemu_parse(exact, len, "t.evemu", &rec, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(rec ? ras_evemu_count(rec) : 0, 1);
		ras_evemu_free(rec);
		free(exact);
	}
}

struct bad {
	const char *text;
	int line;
	const char *what;
};

#define ABS3 "B: 03 07 00 00 00 00 00 00 00\n"
#define AXES "A: 00 0 10 0 0 0\nA: 01 0 10 0 0 0\nA: 02 0 10 0 0 0\n"
#define ZEROS " 00 00 00 00 00 00 00 00\n"

static const struct bad bad[] = {
	{ "", 1, "no N: and I: device header" },
	{ "# EVEMU 1.3\n# nothing else\n", 2, "no N: and I: device header" },
	{ "N: t\n", 1, "no N: and I: device header" },
	{ "E: 0.000001 0000 0000 0\n", 1, "E: event before the N: and I: device header" },
	{ "# EVEMU 1.3\nI: 0003 0001 0002 0003\n", 2, "expected the N: device name first" },
	{ "N: t\nE: 0.000001 0000 0000 0\n", 2, "expected the I: line after N:" },
	{ HDR "N: u\n", 4, "a second N: line" },
	{ HDR "P:" ZEROS "I: 0 0 0 0\n", 5, "a second I: line" },
	{ HDR ABS3 AXES "P:" ZEROS, 8, "P: line after the A: lines" },
	{ HDR "E: 0.000001 0000 0000 0\nB: 01" ZEROS, 5, "B: line after the E: lines" },
	{ HDR "hello\n", 4, "not an evemu line" },
	{ HDR "X: 1\n", 4, "not an evemu line" },
	{ HDR "E\n", 4, "not an evemu line" },
	{ "# EVEMU 2.0\nN: t\n", 1, "file format 2.0: rasbeat reads 1.x" },
	{ "# EVEMU 1.x\n", 1, "bad version line" },
	{ "# EVEMU 1\n", 1, "bad version line" },
	{ "# EVEMU 1.3.1\n", 1, "bad version line" },
	{ "# EVEMU -1.3\n", 1, "no N: and I: device header" },	/* just a comment */
	{ "N:\nI: 0003 0001 0002 0003\n", 1, "N: empty device name" },
	{ "N: a\tb\n", 1, "N: control character in the device name" },
	{ "N: ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
	  "tttttttttttttttttttttttttttttttttttttttttttttttttt\n", 1, "longer than 127 bytes" },
	{ "N: t\nI: 0003 0001 0002\n", 2, "I: expected BUSTYPE VENDOR PRODUCT VERSION" },
	{ "N: t\nI: 0003 0001 0002 0003 0004\n", 2, "I: expected BUSTYPE" },
	{ "N: t\nI: 0003 0001 0002 zz\n", 2, "I: bad hex 'zz'" },
	{ "N: t\nI: 0x03 0001 0002 0003\n", 2, "I: bad hex '0x03'" },
	{ "N: t\nI: 0003 10000 0002 0003\n", 2, "I: 10000 out of range" },
	{ HDR "P: 00 00 00 00 00 00 00\n", 4, "P: expected 8 property bytes" },
	{ HDR "P: 00 00 00 00 00 00 00 100\n", 4, "P: bad hex byte '100'" },
	{ HDR "P: 00 00 00 00 01 00 00 00\n", 4, "P: property 32 out of range" },
	{ HDR "P:" ZEROS "P: 01 00 00 00 00 00 00 00\n", 5, "P: property 64 out of range" },
	{ HDR "B: 01 00 00 00\n", 4, "B: expected TYPE and 8 bitmask bytes" },
	{ HDR "B: 20" ZEROS, 4, "B: event type 0x20 out of range" },
	{ HDR "B: 01 0g 00 00 00 00 00 00 00\n", 4, "B: bad hex byte '0g'" },
	{ HDR "B: 03" ZEROS "B: 03 01 00 00 00 00 00 00 00\n", 5, "B: axis 0x40 out of range" },
	{ HDR "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS
	  "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS "B: 01" ZEROS
	  "B: 01" ZEROS "B: 01" ZEROS, 16, "B: more than 96 bitmask bytes for type 0x01" },
	{ HDR ABS3 "A: 00 0 10 0 0\n", 5, "A: expected AXIS MIN MAX FUZZ FLAT RESOLUTION" },
	{ "N: t\nI: 0003 0001 0002 0003\n" ABS3 "A: 00 0 10 0 0 0\n", 4,
	  "A: expected AXIS MIN MAX FUZZ FLAT in a version 1.0 file" },
	{ HDR ABS3 "A: 40 0 10 0 0 0\n", 5, "A: axis 0x40 out of range" },
	{ HDR ABS3 "A: 03 0 10 0 0 0\n", 5, "A: axis 0x03 is not in the B: 03 bitmask" },
	{ HDR ABS3 "A: 00 0 1x 0 0 0\n", 5, "A: bad number '1x'" },
	{ HDR ABS3 "A: 00 0 2147483648 0 0 0\n", 5, "A: bad number '2147483648'" },
	{ HDR ABS3 "A: 00 10 0 0 0 0\n", 5, "A: axis 0x00: min 10 above max 0" },
	{ HDR ABS3 AXES "A: 01 0 10 0 0 0\n", 8, "A: axis 0x01 given twice" },
	{ HDR ABS3 "A: 00 0 1 0 0 0\nA: 01 0 1 0 0 0\nE: 0.000001 0000 0000 0\n", 4,
	  "axis 0x02 is in B: 03 but has no A: line" },
	{ HDR ABS3 "A: 00 0 1 0 0 0\n# the end\n", 4, "axis 0x01 is in B: 03 but has no A: line" },
	{ HDR "L: 00\n", 4, "L: expected LED STATE" },
	{ HDR "S: 00 x\n", 4, "S: bad number 'x'" },
	{ HDR "E: 0.000001 0001 001e\n", 4, "E: expected SEC.USEC TYPE CODE VALUE" },
	{ HDR "E: 0.000001 0001 001e 1 1\n", 4, "E: expected SEC.USEC TYPE CODE VALUE" },
	{ HDR "E: 1.5 0001 001e 1\n", 4, "E: bad time '1.5'" },
	{ HDR "E: 1.0000001 0001 001e 1\n", 4, "E: bad time" },
	{ HDR "E: -1.000000 0001 001e 1\n", 4, "E: bad time" },
	{ HDR "E: .000001 0001 001e 1\n", 4, "E: bad time" },
	{ HDR "E: 1,000001 0001 001e 1\n", 4, "E: bad time" },
	{ HDR "E: 99999999999.000000 0001 001e 1\n", 4, "E: bad time" },
	{ HDR "E: 9223372036.854776 0001 001e 1\n", 4, "E: time 9223372036.854776 out of range" },
	{ HDR "E: 0.000001 0020 0000 1\n", 4, "E: event type 0x20 out of range" },
	{ HDR "E: 0.000001 0003 0040 1\n", 4, "E: code 0x40 out of range for type 0x03" },
	{ HDR "E: 0.000001 0001 0300 1\n", 4, "E: code 0x300 out of range for type 0x01" },
	{ HDR "E: 0.000001 000g 0000 1\n", 4, "E: bad hex '000g'" },
	{ HDR "E: 0.000001 0001 001e 0x1\n", 4, "E: bad value '0x1'" },
	{ HDR "E: 0.000001 0001 001e -2147483649\n", 4, "E: bad value" },
	{ HDR "E: 2.000000 0 0 0\nE: 2.000000 0 0 0\nE: 1.999999 0 0 0\n", 6,
	  "E: time 1.999999 goes backwards (previous event at 2.000000)" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ras_evemu *rec = NULL;
		char want[64];
		int ret;

		err[0] = '\0';
		ret = ras_evemu_parse(bad[i].text, strlen(bad[i].text), "t.evemu", &rec, err,
				      sizeof(err));
		snprintf(want, sizeof(want), "t.evemu:%d: ", bad[i].line);
		if (ret != -EINVAL || strncmp(err, want, strlen(want)) || !strstr(err, bad[i].what))
			fprintf(stderr, "\ncase %zu: ret %d, \"%s\", wanted %s...%s\n", i, ret, err,
				want, bad[i].what);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_PTR_NULL(rec);
		CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].what));
	}
}

/* What only shows with explicit lengths or real files. */
static void test_bytes_and_files(void)
{
	static const char nul[] = HDR "E: 0.000001 0001\0 001e 1\n";
	char line[5000];
	struct ras_evemu *rec = NULL;
	const char *huge = test_path("huge.evemu");
	FILE *f;
	int fd;

	CU_ASSERT_EQUAL(ras_evemu_parse(nul, sizeof(nul) - 1, "t.evemu", &rec, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "t.evemu:4: NUL byte: not an evemu recording");

	memset(line, '#', sizeof(line));
	memcpy(line, HDR, strlen(HDR));
	CU_ASSERT_EQUAL(ras_evemu_parse(line, sizeof(line), "t.evemu", &rec, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "t.evemu:4: line longer than 4096 bytes");
	/* A full-length line is fine. */
	CU_ASSERT_EQUAL(ras_evemu_parse(line, strlen(HDR) + 4096, "t.evemu", &rec, err,
					sizeof(err)), 0);
	ras_evemu_free(rec);

	CU_ASSERT_EQUAL(ras_evemu_load("tests/sensor/data/none.evemu", &rec, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.evemu: cannot open: "));
	CU_ASSERT_EQUAL(ras_evemu_load("tests/sensor/data", &rec, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_NULL(rec);

	/* A sparse file one byte past the limit. */
	f = fopen(huge, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(HDR, f);
	fd = fileno(f);
	fflush(f);
	CU_ASSERT_EQUAL(ftruncate(fd, (64 << 20) + 1), 0);
	fclose(f);
	CU_ASSERT_EQUAL(ras_evemu_load(huge, &rec, err, sizeof(err)), -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "huge.evemu: larger than 64 MiB"));
	CU_ASSERT_PTR_NULL(rec);
	unlink(huge);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;	/* xorshift64: fixed seed, the same run every time */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Bytes that matter to the grammar, and now and then any byte. */
static char random_byte(void)
{
	static const char pick[] = "0123456789abcdefx .-+:#\t\r\n\nNIPBALSE";

	return next() % 8 ? pick[next() % (sizeof(pick) - 1)] : (char)next();
}

static size_t mutate(char *buf, size_t len, size_t cap)
{
	size_t at = len ? next() % len : 0, n = next() % 16 + 1;

	switch (next() % 6) {
	case 0:		/* overwrite */
		for (size_t i = at; i < len && i < at + n; i++)
			buf[i] = random_byte();
		break;
	case 1:		/* delete */
		n = at + n > len ? len - at : n;
		memmove(buf + at, buf + at + n, len - at - n);
		len -= n;
		break;
	case 2:		/* insert */
		if (len + n > cap)
			break;
		memmove(buf + at + n, buf + at, len - at);
		for (size_t i = 0; i < n; i++)
			buf[at + i] = random_byte();
		len += n;
		break;
	case 3:		/* copy a stretch over another: lines out of order, repeats */
	{
		size_t from = len ? next() % len : 0;

		n = next() % 200;
		if (from + n > len)
			n = len - from;
		if (at + n > len)
			n = len - at;
		memmove(buf + at, buf + from, n);
		break;
	}
	case 4:		/* truncate */
		len = at;
		break;
	default:	/* one digit changed: numbers out of range, times backwards */
		for (size_t i = at; i < len; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				buf[i] = (char)('0' + next() % 10);
				break;
			}
		}
	}
	return len;
}

static void test_random_mutations(void)
{
	size_t len, ok = 0, refused = 0, lines;
	char *base = slurp(ACCEL, &len), *foot = slurp(FOOTSWITCH, NULL);
	const size_t cap = len + 4096;

	for (int round = 0; round < 20000; round++) {
		const char *src = round % 2 ? base : foot;
		size_t n = strlen(src);
		char *buf = malloc(cap);	/* no terminator: overreads show under ASan */
		struct ras_evemu *rec = NULL;
		int ret, line = 0, used = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		memcpy(buf, src, n);
		for (int m = 0, muts = 1 + (int)(next() % 4); m < muts; m++)
			n = mutate(buf, n, cap);
		lines = 1;
		for (size_t i = 0; i + 1 < n; i++)
			lines += buf[i] == '\n';
		buf = realloc(buf, n ? n : 1);
		err[0] = '\0';
		ret = ras_evemu_parse(buf, n, "fuzz.evemu", &rec, err, sizeof(err));
		if (ret == 0) {
			ok++;
			CU_ASSERT_PTR_NOT_NULL(rec);
			for (size_t i = 1; rec && i < ras_evemu_count(rec); i++)
				CU_ASSERT(ras_evemu_events(rec)[i].time_ns >=
					  ras_evemu_events(rec)[i - 1].time_ns);
		} else {
			refused++;
			CU_ASSERT_EQUAL(ret, -EINVAL);
			CU_ASSERT_PTR_NULL(rec);
			CU_ASSERT(sscanf(err, "fuzz.evemu:%d: %n", &line, &used) == 1 && used > 0);
			CU_ASSERT(line >= 1 && (size_t)line <= lines);
			if (ret != -EINVAL || line < 1 || (size_t)line > lines)
				fprintf(stderr, "\nround %d: %d %s (%zu lines)\n", round, ret, err,
					lines);
		}
		ras_evemu_free(rec);
		free(buf);
	}
	/* Both outcomes are exercised, not just one. */
	CU_ASSERT(ok > 1000);
	CU_ASSERT(refused > 1000);
	free(base);
	free(foot);
}

void test_evemu_register(void)
{
	TEST_SUITE("evemu",
		   { "footswitch fixture", test_footswitch },
		   { "accelerometer fixture", test_accelerometer },
		   { "times in ns", test_times_ns },
		   { "round trip", test_round_trip },
		   { "written like evemu-record", test_write_like_evemu },
		   { "write refuses", test_write_refuses },
		   { "older formats and layout", test_variants },
		   { "errors name their line", test_errors },
		   { "bytes and files", test_bytes_and_files },
		   { "random mutations", test_random_mutations });
}

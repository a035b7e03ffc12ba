/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Relaxation beds: what the spec asks for, at safe levels, in step. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "rasbeat/bed.h"
#include "rasbeat/tempomap.h"
#include "testutil.h"

#define RATE 48000
#define SECONDS 4

static float l[RATE * SECONDS], r[RATE * SECONDS];

static void render(const struct ras_bed_config *cfg, double bpm)
{
	struct ras_meter m;
	struct ras_schedule *s;
	struct ras_bed *b = ras_bed_new(cfg, RATE);
	const struct ras_music_source *src;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ras_meter_default(&m);
	s = ras_tempomap_constant(&m, bpm);
	src = ras_bed_source(b);
	memset(l, 0, sizeof(l));
	memset(r, 0, sizeof(r));
	for (uint32_t at = 0; at < RATE * SECONDS; at += 100) {
		struct ras_music_clock c = { .sched = s, .rate = RATE, .frame = at };

		src->render(src->ctx, &c, l + at, r + at, 100);
	}
	ras_schedule_free(s);
	ras_bed_free(b);
}

/* Frequency from rising zero crossings over the whole buffer. */
static double freq(const float *x)
{
	int first = -1, last = -1, n = 0;

	for (int i = 1; i < RATE * SECONDS; i++)
		if (x[i - 1] < 0 && x[i] >= 0) {
			if (first < 0)
				first = i;
			last = i;
			n++;
		}
	return n > 1 ? (n - 1) * (double)RATE / (last - first) : 0;
}

static float peak(const float *x, int from, int to)
{
	float p = 0;

	for (int i = from; i < to; i++)
		p = fmaxf(p, fabsf(x[i]));
	return p;
}

static void test_parse(void)
{
	struct ras_bed_config c;
	char err[256];

	CU_ASSERT_EQUAL(ras_bed_parse("drone,binaural=200:6,pulse=40", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.drone_hz, 110);
	CU_ASSERT_EQUAL(c.binaural_hz, 200);
	CU_ASSERT_EQUAL(c.binaural_offset_hz, 6);
	CU_ASSERT_EQUAL(c.pulse_hz, 40);
	CU_ASSERT_EQUAL(ras_bed_parse("drone=98", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.drone_hz, 98);
	CU_ASSERT_EQUAL(c.pulse_hz, 0);
	CU_ASSERT_EQUAL(ras_bed_parse("rain", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'rain'"));
	CU_ASSERT_EQUAL(ras_bed_parse("binaural=200", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "CARRIER:OFFSET"));
	CU_ASSERT_EQUAL(ras_bed_parse("binaural=200:90", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(ras_bed_parse("pulse=4000", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "20 to 200 Hz"));
	CU_ASSERT_EQUAL(ras_bed_parse("drone=nan", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(ras_bed_parse("", &c, err, sizeof(err)), -EINVAL);
}

/* Binaural: the left ear at the carrier, the right one offset above it. */
static void test_binaural(void)
{
	struct ras_bed_config c = { .binaural_hz = 200, .binaural_offset_hz = 6 };

	render(&c, 60);
	CU_ASSERT_DOUBLE_EQUAL(freq(l), 200, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(freq(r), 206, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(peak(l, 0, RATE), pow(10, -30 / 20.0), 1e-3);
}

/* The pulse swells once a beat, silent on the beat itself. */
static void test_pulse_in_step(void)
{
	struct ras_bed_config c = { .pulse_hz = 40 };

	render(&c, 60);	/* a beat a second */
	CU_ASSERT(peak(l, RATE - 480, RATE + 480) < 0.005f);		/* within 10 ms of beat 1 */
	CU_ASSERT(peak(l, RATE + 22000, RATE + 26000) > 0.04f);	/* mid-beat: near -27 dBFS */
	CU_ASSERT(peak(l, 0, RATE * SECONDS) <= pow(10, -24 / 20.0) + 1e-4);
	CU_ASSERT_DOUBLE_EQUAL(freq(l), 40, 0.1);
}

/* Everything at once stays a bed: under -18 dBFS. */
static void test_levels(void)
{
	struct ras_bed_config c = { .drone_hz = 110, .binaural_hz = 200, .binaural_offset_hz = 6,
				    .pulse_hz = 40 };

	render(&c, 60);
	CU_ASSERT(peak(l, 0, RATE * SECONDS) <= pow(10, -18 / 20.0));
	CU_ASSERT(peak(r, 0, RATE * SECONDS) <= pow(10, -18 / 20.0));
	CU_ASSERT(peak(l, 0, RATE * SECONDS) > pow(10, -30 / 20.0));
	c.binaural_offset_hz = 0.1;
	CU_ASSERT_PTR_NULL(ras_bed_new(&c, RATE));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

void test_bed_register(void)
{
	TEST_SUITE("bed",
		   { "spec parsing and its errors", test_parse },
		   { "binaural pair: carrier and offset", test_binaural },
		   { "pulse swells once a beat", test_pulse_in_step },
		   { "all together under -18 dBFS", test_levels });
}

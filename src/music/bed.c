/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/bed.h"
#include "rasbeat/decimal.h"

#define DRONE_DB -24.0
#define BINAURAL_DB -30.0
#define PULSE_DB -27.0
#define SWELL_S 8.0

struct ras_bed {
	struct ras_bed_config cfg;
	struct ras_music_source src;
	double rate;
	/* Oscillator phases in cycles, kept in [0, 1) so they never lose precision. */
	double ph[6], inc[6];
	double swell, swell_inc;
};

enum { DRONE_ROOT, DRONE_FIFTH, DRONE_OCTAVE, BIN_L, BIN_R, PULSE };

static bool in(double x, double lo, double hi)
{
	return x >= lo && x <= hi;	/* false for NAN */
}

int ras_bed_parse(const char *spec, struct ras_bed_config *cfg, char *err, size_t errlen)
{
	char buf[256], *save = NULL;

	memset(cfg, 0, sizeof(*cfg));
	if (strlen(spec) >= sizeof(buf) || !*spec) {
		snprintf(err, errlen, "--bed: '%.40s': expected drone, binaural=CARRIER:OFFSET or pulse=HZ",
			 spec);
		return -EINVAL;
	}
	strcpy(buf, spec);
	for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *val = strchr(part, '=');

		if (val)
			*val++ = '\0';
		if (!strcmp(part, "drone")) {
			cfg->drone_hz = 110;
			if (val && (!ras_decimal(val, &cfg->drone_hz) || !in(cfg->drone_hz, 40, 500))) {
				snprintf(err, errlen, "--bed: drone=%s: a root of 40 to 500 Hz", val);
				return -EINVAL;
			}
		} else if (!strcmp(part, "binaural")) {
			char *off = val ? strchr(val, ':') : NULL;

			if (off)
				*off++ = '\0';
			if (!off || !ras_decimal(val, &cfg->binaural_hz) ||
			    !ras_decimal(off, &cfg->binaural_offset_hz) || !in(cfg->binaural_hz, 40, 1000) ||
			    !in(cfg->binaural_offset_hz, 0.5, 40) ||
			    cfg->binaural_hz + cfg->binaural_offset_hz > 1500) {
				snprintf(err, errlen, "--bed: binaural: CARRIER:OFFSET in Hz, a carrier of "
					 "40 to 1000 and an offset of 0.5 to 40 (e.g. binaural=200:6)");
				return -EINVAL;
			}
		} else if (!strcmp(part, "pulse")) {
			cfg->pulse_hz = 40;
			if (val && (!ras_decimal(val, &cfg->pulse_hz) || !in(cfg->pulse_hz, 20, 200))) {
				snprintf(err, errlen, "--bed: pulse=%s: a tone of 20 to 200 Hz", val);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "--bed: '%s': not drone, binaural or pulse", part);
			return -EINVAL;
		}
	}
	return 0;
}

static void bed_reset(void *ctx, const struct ras_music_clock *c)
{
	(void)ctx;
	(void)c;	/* the engine fades the bed back in: nothing to silence */
}

static void bed_render(void *ctx, const struct ras_music_clock *c, float *l, float *r, uint32_t n)
{
	struct ras_bed *b = ctx;
	const float drone = (float)pow(10, DRONE_DB / 20) / 3;
	const float bin = (float)pow(10, BINAURAL_DB / 20);
	const float pulse = (float)pow(10, PULSE_DB / 20);
	/* The pulse follows the beat clock: loudest mid-beat, silent on it. */
	long double p0 = ras_music_phase(c, c->frame), p1 = ras_music_phase(c, c->frame + n);
	double dp = isfinite((double)p0) && isfinite((double)p1) ? (double)(p1 - p0) / n : 0;
	double beat = isfinite((double)p0) ? (double)(p0 - floorl(p0)) : 0;

	for (uint32_t i = 0; i < n; i++) {
		float dl = 0, dr = 0;

		if (b->cfg.drone_hz > 0) {
			float sw = (float)(0.6 + 0.4 * sin(2 * M_PI * b->swell));
			float d = (float)(sin(2 * M_PI * b->ph[DRONE_ROOT]) + 0.7 * sin(2 * M_PI * b->ph[DRONE_FIFTH]) +
					  0.5 * sin(2 * M_PI * b->ph[DRONE_OCTAVE]));

			dl += d * drone * sw;
			dr += d * drone * sw;
		}
		if (b->cfg.binaural_hz > 0) {
			dl += bin * (float)sin(2 * M_PI * b->ph[BIN_L]);
			dr += bin * (float)sin(2 * M_PI * b->ph[BIN_R]);
		}
		if (b->cfg.pulse_hz > 0) {
			float env = (float)(0.5 - 0.5 * cos(2 * M_PI * (beat + dp * i)));
			float t = pulse * env * (float)sin(2 * M_PI * b->ph[PULSE]);

			dl += t;
			dr += t;
		}
		l[i] += dl;
		r[i] += dr;
		for (int k = 0; k < 6; k++) {
			b->ph[k] += b->inc[k];
			if (b->ph[k] >= 1)
				b->ph[k] -= 1;
		}
		b->swell += b->swell_inc;
		if (b->swell >= 1)
			b->swell -= 1;
	}
}

struct ras_bed *ras_bed_new(const struct ras_bed_config *cfg, double rate)
{
	struct ras_bed *b;

	if (!in(rate, 1000, 768000) || (cfg->drone_hz && !in(cfg->drone_hz, 40, 500)) ||
	    (cfg->binaural_hz && (!in(cfg->binaural_hz, 40, 1000) ||
				  !in(cfg->binaural_offset_hz, 0.5, 40))) ||
	    (cfg->pulse_hz && !in(cfg->pulse_hz, 20, 200))) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = *cfg;
	b->rate = rate;
	/* A slight detune keeps the chord from sounding like a test tone. */
	b->inc[DRONE_ROOT] = cfg->drone_hz / rate;
	b->inc[DRONE_FIFTH] = cfg->drone_hz * 1.5 * 1.0007 / rate;
	b->inc[DRONE_OCTAVE] = cfg->drone_hz * 2 * 0.9995 / rate;
	b->inc[BIN_L] = cfg->binaural_hz / rate;
	b->inc[BIN_R] = (cfg->binaural_hz + cfg->binaural_offset_hz) / rate;
	b->inc[PULSE] = cfg->pulse_hz / rate;
	b->swell_inc = 1 / (SWELL_S * rate);
	b->src = (struct ras_music_source){ .render = bed_render, .reset = bed_reset, .ctx = b };
	return b;
}

void ras_bed_free(struct ras_bed *b)
{
	free(b);
}

const struct ras_music_source *ras_bed_source(struct ras_bed *b)
{
	return &b->src;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/sound.h"

static const char *const cue_names[RAS_CUE_COUNT] = {
	[RAS_CUE_CLICK] = "click",
	[RAS_CUE_WOODBLOCK] = "woodblock",
	[RAS_CUE_BEEP] = "beep",
	[RAS_CUE_TICK] = "tick",
};

const char *ras_cue_name(enum ras_cue cue)
{
	return cue >= 0 && cue < RAS_CUE_COUNT ? cue_names[cue] : NULL;
}

int ras_cue_from_name(const char *name, enum ras_cue *cue)
{
	for (int i = 0; i < RAS_CUE_COUNT; i++) {
		if (strcmp(name, cue_names[i]) == 0) {
			*cue = i;
			return 0;
		}
	}
	return -EINVAL;
}

static struct ras_sound *sound_alloc(uint32_t frames, double rate)
{
	struct ras_sound *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->data = calloc(frames ? frames : 1, sizeof(float));
	if (!s->data) {
		free(s);
		return NULL;
	}
	s->frames = frames;
	s->rate = rate;
	return s;
}

struct ras_sound *ras_sound_from(const float *data, uint32_t frames, double rate)
{
	struct ras_sound *s = sound_alloc(frames, rate);

	if (s && frames)
		memcpy(s->data, data, frames * sizeof(float));
	return s;
}

void ras_sound_free(struct ras_sound *s)
{
	if (!s)
		return;
	free(s->data);
	free(s);
}

float ras_sound_peak(const struct ras_sound *s)
{
	float peak = 0;

	for (uint32_t i = 0; i < s->frames; i++)
		peak = fmaxf(peak, fabsf(s->data[i]));
	return peak;
}

/*
 * A damped mode starting in cosine phase: full level on frame 0, so the
 * onset is the beat frame. A woodblock is two such modes; a click is one
 * high, fast one.
 */
static void add_mode(struct ras_sound *s, double freq, double tau, double amp)
{
	const double w = 2 * M_PI * freq / s->rate;

	for (uint32_t i = 0; i < s->frames; i++)
		s->data[i] += (float)(amp * cos(w * i) * exp(-(double)i / (tau * s->rate)));
}

/* A short fade at the end so that no cue stops on a step. */
static void fade_out(struct ras_sound *s, double seconds)
{
	uint32_t n = (uint32_t)(seconds * s->rate);

	if (n > s->frames)
		n = s->frames;
	for (uint32_t i = 0; i < n; i++)
		s->data[s->frames - 1 - i] *= (float)i / n;
}

/* Deterministic noise (a 32-bit LCG), so renders are reproducible. */
static double noise(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return (double)(*state >> 8) / (1u << 23) - 1.0;
}

struct ras_sound *ras_sound_synth(enum ras_cue cue, bool accent, double rate)
{
	static const double length[RAS_CUE_COUNT] = {
		[RAS_CUE_CLICK] = 0.030,
		[RAS_CUE_WOODBLOCK] = 0.120,
		[RAS_CUE_BEEP] = 0.080,
		[RAS_CUE_TICK] = 0.020,
	};
	const double up = accent ? 1.25 : 1.0;	/* pitch of the accent */
	const double amp = accent ? 0.70 : 0.50;	/* -3 dBFS / -6 dBFS */
	struct ras_sound *s;

	if (cue < 0 || cue >= RAS_CUE_COUNT || !(rate >= 1000 && rate <= 768000))
		return NULL;
	s = sound_alloc((uint32_t)(length[cue] * rate), rate);
	if (!s)
		return NULL;

	switch (cue) {
	case RAS_CUE_CLICK:
		add_mode(s, 2500 * up, 0.004, amp);
		break;
	case RAS_CUE_WOODBLOCK:
		add_mode(s, 880 * up, 0.018, amp * 0.6);
		add_mode(s, 2090 * up, 0.007, amp * 0.4);
		break;
	case RAS_CUE_BEEP:
		add_mode(s, 880 * up * (accent ? 1.6 : 1.0), 1e9, amp * 0.8);
		break;
	case RAS_CUE_TICK: {
		/* One-pole low-passed noise under a fast decay, about -14 dBFS. */
		uint32_t seed = accent ? 7 : 3;
		double y = 0, a = exp(-2 * M_PI * 3000 * up / rate);

		for (uint32_t i = 0; i < s->frames; i++) {
			y = (1 - a) * noise(&seed) + a * y;
			s->data[i] = (float)(y * exp(-(double)i / (0.003 * rate)));
		}
		float peak = ras_sound_peak(s);
		for (uint32_t i = 0; i < s->frames; i++)
			s->data[i] *= (float)(amp * 0.4 / peak);
		s->data[0] = (float)(amp * 0.4);
		break;
	}
	default:
		break;
	}
	fade_out(s, 0.003);
	return s;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - output limiter
 *
 * A stereo-linked peak limiter with instant attack and no look-ahead: the
 * gain envelope rises with the very sample that needs it, so the output can
 * never pass the ceiling, and nothing is delayed, so onsets stay on their
 * frames. Release is exponential. Non-finite input becomes silence.
 *
 * RT-safe: ras_limiter_process. The struct is plain data: no allocation.
 */
#ifndef RASBEAT_LIMITER_H
#define RASBEAT_LIMITER_H

#include <stdint.h>

struct ras_limiter {
	float ceiling;		/* linear */
	float env;		/* peak envelope */
	float release;		/* per-frame decay coefficient of the envelope */
};

/* ceiling linear (0 < ceiling <= 1), release time in seconds. */
void ras_limiter_init(struct ras_limiter *lim, float ceiling, double release_s, double rate);
/* In place. Returns the largest absolute output sample. RT-safe. */
float ras_limiter_process(struct ras_limiter *lim, float *l, float *r, uint32_t n);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - from input event times to JACK frames
 *
 * Live events carry kernel CLOCK_MONOTONIC times; the engine counts JACK
 * frames. Between the two lies JACK's own microsecond clock (jack_get_time),
 * which jack2 takes from CLOCK_MONOTONIC_RAW and PipeWire's JACK from
 * CLOCK_MONOTONIC. The two kernel clocks drift apart (NTP slews only
 * MONOTONIC, by up to 500 ppm), so nothing is assumed: the offset is
 * measured, again and again.
 *
 *   measuring  a burst of readings, each jack_get_time() (and RAW) between
 *              two MONOTONIC readings; the tightest bracket of the burst is
 *              one point (MONOTONIC time, JACK - MONOTONIC offset). A burst
 *              whose best bracket is wide (the thread was preempted) is
 *              refused.
 *   fitting    a least-squares line through the last points (offset and
 *              drift), so a time is converted with the offset at that time.
 *   frames     JACK time to frames the way jack_time_to_frames does it:
 *              from a cycle's start (frames, usecs) and the next cycle's
 *              start, linearly; 32-bit frame counters wrap, as JACK's do.
 *
 * The model is pure (tests feed it synthetic readings); the ras_clocksync_jack_*
 * functions are the thin part that reads the real clocks.
 *
 * Threads: one thread measures (ras_clocksync_add_burst, _set_cycle,
 * _jack_measure, or the thread of _jack_start), any number convert.
 * RT-safe: ras_clocksync_mono_to_jack, ras_clocksync_jack_to_frame,
 * ras_clocksync_mono_to_frame, ras_clocksync_frames_at,
 * ras_clocksync_set_cycle, ras_clocksync_jack_cycle (no lock, no
 * allocation; a conversion retries only when a new fit was published
 * during its copy).
 */
#ifndef RASBEAT_CLOCKSYNC_H
#define RASBEAT_CLOCKSYNC_H

#include <jack/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One reading: mono0 <= jack (and raw) <= mono1. */
struct ras_clock_reading {
	int64_t mono0_ns, mono1_ns;	/* CLOCK_MONOTONIC before and after */
	int64_t raw_ns;			/* CLOCK_MONOTONIC_RAW in between (0: none) */
	int64_t jack_ns;		/* jack_get_time() * 1000 + 500: the
					 * middle of the microsecond it names */
};

/* A JACK cycle, as jack_get_cycle_times gives it. */
struct ras_cycle {
	uint32_t frames;		/* frame time at the cycle's start */
	uint32_t period_frames;		/* frames per cycle (the buffer size) */
	int64_t usecs, next_usecs;	/* this and the next cycle's start, JACK us */
};

enum ras_clock_source {
	RAS_CLOCK_UNKNOWN,		/* not measured, or the clocks agree too closely */
	RAS_CLOCK_MONOTONIC,		/* PipeWire's JACK */
	RAS_CLOCK_MONOTONIC_RAW,	/* jack2 */
	RAS_CLOCK_OTHER,		/* near neither */
};

struct ras_clocksync_info {
	size_t points;			/* in the fit */
	int64_t offset_ns;		/* JACK - MONOTONIC at the last point */
	double drift_ppm;		/* of JACK against MONOTONIC */
	int64_t raw_offset_ns;		/* RAW - MONOTONIC at the last point */
	double raw_drift_ppm;
	int64_t bracket_ns;		/* width of the last accepted bracket */
	double residual_ns;		/* rms distance of the points from the line */
	enum ras_clock_source source;	/* what jack_get_time follows */
	bool have_cycle;
};

struct ras_clocksync;

/* NULL when out of memory. */
struct ras_clocksync *ras_clocksync_new(void);
/* Stops the _jack_start thread first. */
void ras_clocksync_free(struct ras_clocksync *cs);

/* The most readings ras_clocksync_jack_measure takes per burst. */
#define RAS_CLOCKSYNC_BURST 32
/* A burst whose tightest bracket is wider than this is refused. */
#define RAS_CLOCKSYNC_MAX_BRACKET_NS 50000
/* Points kept for the fit (the oldest are forgotten). */
#define RAS_CLOCKSYNC_POINTS 64

/* Pure side. Add one burst: its tightest reading becomes a point and the fit
 * is published. 0, -EINVAL (no readings, or one with mono1 < mono0), or
 * -ERANGE (even the tightest bracket is too wide: nothing changed). */
int ras_clocksync_add_burst(struct ras_clocksync *cs, const struct ras_clock_reading *r, size_t n);
/* Publish a cycle to map JACK time to frames. RT-safe. */
void ras_clocksync_set_cycle(struct ras_clocksync *cs, const struct ras_cycle *c);
/* The state of the fit. */
void ras_clocksync_get_info(const struct ras_clocksync *cs, struct ras_clocksync_info *out);

/* MONOTONIC ns to JACK ns (jack_get_time() * 1000, plus the fraction); false
 * before the first point. RT-safe. */
bool ras_clocksync_mono_to_jack(const struct ras_clocksync *cs, int64_t mono_ns, int64_t *jack_ns);
/* The frame at JACK time jack_ns, rounded, extrapolated from the cycle.
 * RT-safe; a pure function. */
uint32_t ras_clocksync_frames_at(const struct ras_cycle *c, int64_t jack_ns);
/* JACK ns to frame; false before the first cycle. RT-safe. */
bool ras_clocksync_jack_to_frame(const struct ras_clocksync *cs, int64_t jack_ns, uint32_t *frame);
/* Both steps: MONOTONIC ns (an input event's time) to JACK frame. RT-safe. */
bool ras_clocksync_mono_to_frame(const struct ras_clocksync *cs, int64_t mono_ns, uint32_t *frame);
/* a - b for frame counters that wrap at 2^32 (valid within +-2^31). */
static inline int32_t ras_frame_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/*
 * JACK side; `client` must be open (jack_get_time needs one).
 *
 * Measure once: a burst of readings, and when `cycle` is true the current
 * cycle through jack_frame_time/jack_frames_to_time (callable from any
 * thread; leave it false when the process callback calls
 * ras_clocksync_jack_cycle instead). 0, or the error of add_burst.
 */
int ras_clocksync_jack_measure(struct ras_clocksync *cs, jack_client_t *client, bool cycle);
/* From the process callback (nframes: its argument): publish this cycle
 * (jack_get_cycle_times). RT-safe. */
void ras_clocksync_jack_cycle(struct ras_clocksync *cs, jack_client_t *client,
			      jack_nframes_t nframes);
/* A thread that measures every interval_ms (0: 1000) until
 * ras_clocksync_jack_stop or _free; measures once before returning. 0 or
 * -errno. */
int ras_clocksync_jack_start(struct ras_clocksync *cs, jack_client_t *client, bool cycle,
			     unsigned interval_ms);
void ras_clocksync_jack_stop(struct ras_clocksync *cs);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - input events and device descriptions
 *
 * What the sensor side hands on, whether it comes from a live device
 * (evdev.h), a recording (evemu.h) or a simulation: Linux input events with
 * their time in nanoseconds on the source's own clock (CLOCK_MONOTONIC for
 * live devices, the recording's time axis for replays), and a description of
 * the device detail detectors need (axes, ranges, resolution, properties).
 *
 * Plain data; the inline helpers are RT-safe.
 */
#ifndef RASBEAT_INPUT_H
#define RASBEAT_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#define RAS_ABS_COUNT 0x40	/* ABS_CNT */
#define RAS_KEY_COUNT 0x300	/* KEY_CNT */
#define RAS_DEVICE_NAME_MAX 128

struct ras_input_event {
	int64_t time_ns;	/* source clock, ns */
	uint16_t type, code;	/* EV_*, and the code within it */
	int32_t value;
};

struct ras_absinfo {
	int32_t value, minimum, maximum, fuzz, flat, resolution;
};

struct ras_device_info {
	char name[RAS_DEVICE_NAME_MAX];
	uint16_t bustype, vendor, product, version;
	uint32_t props;				/* bit n: INPUT_PROP n */
	uint8_t has_abs[RAS_ABS_COUNT];		/* 1 when the axis exists */
	struct ras_absinfo abs[RAS_ABS_COUNT];
	uint8_t has_key[RAS_KEY_COUNT];		/* 1 when the key/button exists */
	bool has_ev[32];			/* event types, EV_* */
};

static inline double ras_input_seconds(const struct ras_input_event *ev)
{
	return (double)ev->time_ns * 1e-9;
}

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - live input devices (evdev)
 *
 * Finding the sensor, reading it, and recording it:
 *
 *   listing   every /dev/input/event* with its name, ids, the capabilities
 *             that matter for step detection and the sensor kinds it can
 *             serve; a device that cannot be opened is still listed (name
 *             and ids come from sysfs) with the reason, and permission
 *             problems are explained.
 *   resolver  `--input SPEC`: a path, "eventN", vendor:product in hex, or a
 *             case-insensitive name substring; one device or a clear error.
 *   reader    a thread that reads one device with kernel CLOCK_MONOTONIC
 *             timestamps and hands its events to one consumer thread
 *             through a lock-free queue. SYN_DROPPED is handled as libevdev
 *             documents it, and the events of the re-sync are flagged as
 *             state, never to be taken as steps. When the device goes away
 *             (ENODEV) the reader says so, keeps running, and reopens the
 *             same device (name, ids, and uniq/phys when set) once it is
 *             back, wherever it reappears.
 *   record    a device to an evemu file, as evemu-record writes it.
 *
 * Functions taking `root` look under ROOT/dev/input and ROOT/sys/class/input
 * (NULL: the real system), so tests can stage fake trees.
 *
 * RT-safe: ras_evdev_reader_pop, ras_evdev_reader_pending,
 * ras_evdev_reader_connected, ras_evdev_reader_dropped. Everything else
 * belongs to ordinary threads.
 */
#ifndef RASBEAT_EVDEV_H
#define RASBEAT_EVDEV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rasbeat/detect.h"	/* enum ras_sensor_kind */
#include "rasbeat/input.h"

struct libevdev;

#define RAS_EVDEV_PATH_MAX 256
#define RAS_EVDEV_ID_MAX 64

/* ---- devices ---------------------------------------------------------- */

struct ras_evdev_device {
	char path[RAS_EVDEV_PATH_MAX];	/* /dev/input/eventN */
	int error;			/* 0, or -errno opening it failed with */
	bool caps;			/* info has capabilities (it could be opened) */
	struct ras_device_info info;	/* name and ids at least (sysfs) */
	char phys[RAS_EVDEV_ID_MAX], uniq[RAS_EVDEV_ID_MAX];
};

/* Fill `out` from an open libevdev handle: name, ids, properties, event
 * types, keys and absolute axes with their absinfo. */
void ras_evdev_device_info(const struct libevdev *dev, struct ras_device_info *out);

/* Open `path`, describe it, close it. 0, or a negative errno with err
 * "PATH: why" (permission problems explained). */
int ras_evdev_probe(const char *path, struct ras_evdev_device *out, char *err, size_t errlen);

/* Every ROOT/dev/input/event* in number order. 0 with *list (free with
 * free()) and *n, or a negative errno (-ENOENT: no input directory). */
int ras_evdev_scan(const char *root, struct ras_evdev_device **list, size_t *n);

/* Whether a listed device can serve a sensor kind (false when its
 * capabilities are unknown). */
bool ras_evdev_device_serves(const struct ras_evdev_device *d, enum ras_sensor_kind kind);

/* `rasbeat devices`: the table, capabilities of each device, and what to do
 * about devices that could not be opened. The number of devices listed, or
 * a negative errno (message printed too). */
int ras_evdev_print_devices(FILE *f, const char *root);

/*
 * `--input SPEC` to a device path. SPEC is a path (contains '/'), "eventN",
 * "VVVV:PPPP" (hex vendor:product) or a case-insensitive name substring; an
 * exact name wins over substrings. When several devices match and `kind` is
 * a sensor kind (not -1), those that cannot serve it are left out. 0 with
 * path set, or -ENODEV (none matches), -ENOTUNIQ (several: err lists them),
 * -ENOENT (no input devices at all), with err set.
 */
int ras_evdev_resolve(const char *spec, int kind, const char *root, char *path, size_t pathlen,
		      char *err, size_t errlen);

/* ---- reader thread ---------------------------------------------------- */

/* Flags of a queued event. */
#define RAS_EVDEV_SYNCED 0x1	/* device state from a re-sync (SYN_DROPPED,
				 * reopen): feed with ras_detector_sync */

struct ras_evdev_event {
	struct ras_input_event ev;	/* time: kernel CLOCK_MONOTONIC, ns */
	uint32_t flags;
};

enum ras_evdev_status_kind {
	RAS_EVDEV_LOST,		/* device gone (unplugged); waiting for it */
	RAS_EVDEV_BACK,		/* the same device again (path may differ) */
	RAS_EVDEV_RESYNC,	/* the kernel dropped events (SYN_DROPPED);
				 * state re-synced */
	RAS_EVDEV_OVERRUN,	/* the consumer queue was full: events lost */
	RAS_EVDEV_ERROR,	/* something else failed; message says what */
};

struct ras_evdev_status {
	enum ras_evdev_status_kind kind;
	int64_t time_ns;		/* CLOCK_MONOTONIC when it was noticed */
	int error;			/* -errno, when there is one */
	char path[RAS_EVDEV_PATH_MAX];	/* device node at the time */
	char message[256];		/* one line for the user */
};

struct ras_evdev_reader_config {
	const char *path;	/* device to read */
	bool grab;		/* EVIOCGRAB: nobody else sees its events */
	size_t queue_len;	/* events the queue holds (0: 4096) */
	int rescan_ms;		/* look for a lost device this often (0: 200) */
};

struct ras_evdev_reader;

/* Open the device (errors now, not later: -EACCES explained in err) and
 * start the thread. NULL with errno and err set on failure. */
struct ras_evdev_reader *ras_evdev_reader_new(const struct ras_evdev_reader_config *cfg,
					      char *err, size_t errlen);
/* Stop the thread (idempotent): no events are queued afterwards, those
 * queued can still be popped. */
void ras_evdev_reader_stop(struct ras_evdev_reader *r);
/* Stop and free. */
void ras_evdev_reader_free(struct ras_evdev_reader *r);

/* The device as first opened. */
const struct ras_device_info *ras_evdev_reader_info(const struct ras_evdev_reader *r);

/* Consumer side (one thread): the oldest event; false when none. RT-safe. */
bool ras_evdev_reader_pop(struct ras_evdev_reader *r, struct ras_evdev_event *ev);
size_t ras_evdev_reader_pending(const struct ras_evdev_reader *r);
/* Status side (one thread, may be the consumer): the oldest report. */
bool ras_evdev_reader_status(struct ras_evdev_reader *r, struct ras_evdev_status *st);
/* Readable (POLLIN) when events or reports were queued; a consumer that
 * sleeps polls it, then calls ras_evdev_reader_drain_fd. */
int ras_evdev_reader_fd(const struct ras_evdev_reader *r);
void ras_evdev_reader_drain_fd(struct ras_evdev_reader *r);
/* Device open now. RT-safe. */
bool ras_evdev_reader_connected(const struct ras_evdev_reader *r);
/* Events lost because the queue was full, in total. RT-safe. */
uint64_t ras_evdev_reader_dropped(const struct ras_evdev_reader *r);
/* Current device node (changes when it comes back elsewhere). */
void ras_evdev_reader_path(struct ras_evdev_reader *r, char *path, size_t len);

/* ---- recording -------------------------------------------------------- */

/*
 * Record `path` to an evemu file `out` (written under a temporary name,
 * renamed at the end): the device header, then every event with times
 * relative to the first event (the first is at 0.000001, as evemu-record
 * writes it). Re-sync and unplug/replug show as '#' comment lines; the
 * re-synced state is written as events, so a replay keeps the right state.
 * Runs until *stop becomes nonzero (a signal handler may set it), or after
 * `duration_s` seconds (<= 0: no limit). `status` (NULL: none) gets one
 * line per reader report. The number of events written, or a negative
 * errno with err set.
 */
long ras_evdev_record(const char *path, const char *out, double duration_s,
		      const volatile sig_atomic_t *stop, FILE *status, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - JACK output
 *
 * A JACK client with stereo ports out_L and out_R whose process callback is
 * the engine's process function. Works with jackd2 and PipeWire's JACK: it
 * uses only the common JACK API (no server start, no internal clients).
 *
 * RT-safe: nothing here is called from the audio thread by the user; the
 * client's own process callback only calls ras_engine_process and atomics.
 * The other functions belong to the main thread.
 */
#ifndef RASBEAT_JACKOUT_H
#define RASBEAT_JACKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jack/jack.h>

#include "rasbeat/engine.h"

struct ras_jack;

/* Connect to a running server (never starts one); `server` may be NULL for
 * the default ($JACK_DEFAULT_SERVER). NULL with err set when none answers. */
struct ras_jack *ras_jack_open(const char *client_name, const char *server,
			       char *err, size_t errlen);
/* Close and free. A client whose server is gone is closed in a thread of
 * its own, so that a libjack that blocks there holds nothing up. */
void ras_jack_close(struct ras_jack *j);

double ras_jack_rate(const struct ras_jack *j);
uint32_t ras_jack_buffer_size(const struct ras_jack *j);
const char *ras_jack_name(const struct ras_jack *j);

/*
 * Register the ports, activate with `e` as the process function, connect
 * out_L/out_R to `connect[0]`/`connect[1]` (NULL: the first two physical
 * playback ports, unless no_connect), then start the engine. 0, or a
 * negative errno with err set.
 */
int ras_jack_start(struct ras_jack *j, struct ras_engine *e, const char *const connect[2],
		   bool no_connect, char *err, size_t errlen);
/* Deactivate; the engine is no longer called afterwards. NULL is fine. */
void ras_jack_stop(struct ras_jack *j);

/* The server went away (reason copied into `why` when non-NULL). */
bool ras_jack_lost(const struct ras_jack *j, char *why, size_t whylen);
uint64_t ras_jack_xruns(const struct ras_jack *j);
/* Playback latency of out_L in frames (max of the range). */
uint32_t ras_jack_latency(const struct ras_jack *j);
/* The client, for the clock measurements of clocksync.h. */
jack_client_t *ras_jack_client(const struct ras_jack *j);
/* JACK frame time at which engine frame 0 was played, as of the latest
 * cycle: an xrun moves it on by the frames the engine never ran. false
 * until the engine has run. RT-safe. */
bool ras_jack_start_frame(const struct ras_jack *j, uint32_t *frame);

#endif

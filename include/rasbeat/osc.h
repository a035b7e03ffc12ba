/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - remote control over OSC (UDP), so that a tablet can steer a
 * session (like klick's OSC interface)
 *
 * The server listens on one address, 127.0.0.1 unless the caller binds it
 * elsewhere (--osc-bind 0.0.0.0 for every IPv4 interface, :: for every
 * interface). liblo 0.31 binds its servers to every interface whatever URL
 * it is given, so this module keeps its own socket and receiving thread and
 * uses liblo for the OSC wire format only.
 *
 * Messages understood (types in brackets; a number is f, d, i or h):
 *
 *   /rasbeat/tempo BPM      [number] set the tempo, within the limits
 *                           (ras_osc_set_limits; 40..180 by default)
 *   /rasbeat/pause          []       cues off (logging goes on)
 *   /rasbeat/resume         []       cues on
 *   /rasbeat/next           []       the protocol's next phase
 *   /rasbeat/mark [NOTE]    [] [s]   an event in the record, with a note
 *   /rasbeat/quit           []       end the session cleanly
 *   /rasbeat/query          []       reply /rasbeat/state to the sender
 *   /rasbeat/register [URL]   [] [s] send /rasbeat/state to URL (the sender
 *   /rasbeat/unregister [URL] [] [s] by default) whenever the caller
 *                                    notifies; stop doing so
 *
 * The argument-less messages also take one number or T/F, as the buttons of
 * tablet OSC apps send them: 0 or F (a button's release) is ignored, any
 * other value acts. Bundles are opened and their messages acted on at once,
 * whatever their time tag.
 *
 * Every other path, wrong types, a tempo out of the limits or not finite,
 * a malformed packet or a full queue gets no action but a reply to the
 * sender: /rasbeat/error s, e.g. "/rasbeat/tempo: 1000 bpm is outside
 * 40..180". A register answers /rasbeat/registered s URL, then (once the
 * caller has given a status) /rasbeat/state, to the registered URL;
 * unregister answers /rasbeat/unregistered s URL to the sender. At most
 * RAS_OSC_CLIENTS_MAX clients: registering one more drops the oldest
 * (a tablet that reconnects from a new port must not lock itself out).
 *
 * /rasbeat/state carries, in this order (NaN: not known; "" none):
 *
 *    1 f  session time, s          10 f  phase length, s (NaN: open)
 *    2 f  tempo, bpm               11 f  R, 0..1
 *    3 f  target tempo, bpm        12 f  mean asynchrony, ms (+ late)
 *    4 f  cadence, steps/min       13 i  paused (1) or not (0)
 *    5 s  mode                     14 i  xruns
 *    6 s  phase name               15 s  sensor state
 *    7 i  phase index from 0 (-1)  16 s  log folder
 *    8 i  phase count              17 s  last message
 *    9 f  phase elapsed, s
 *
 * that is the type tag ",ffffssiiffffiisss" (RAS_OSC_STATE_TYPES).
 *
 * Threads: the receiving thread is the one producer of a lock-free queue of
 * actions (spsc.h); ras_osc_next is its one consumer, the play loop's
 * thread. ras_osc_reply, ras_osc_notify and ras_osc_error may be called
 * from any one thread at a time (the play loop's); the list of clients is
 * shared with the receiving thread behind a mutex, which is why none of
 * this is for the audio thread. ras_osc_set_limits, _url, _port and
 * _clients from any thread. Not RT-safe: everything.
 */
#ifndef RASBEAT_OSC_H
#define RASBEAT_OSC_H

#include <stdbool.h>
#include <stddef.h>

#include "rasbeat/action.h"

#define RAS_OSC_CLIENTS_MAX 8
#define RAS_OSC_STATE_TYPES "ffffssiiffffiisss"
#define RAS_OSC_DEFAULT_BIND "127.0.0.1"

struct ras_osc;

/*
 * Listen on UDP `port` ("9000"; NULL or "0": any free port) at bind_addr
 * (a numeric address or a host name; NULL: 127.0.0.1) and start the
 * receiving thread. NULL with errno (EADDRINUSE, EADDRNOTAVAIL, EINVAL for a
 * bad port or address, ENOMEM, ...) and err "OSC: cannot listen on
 * ADDR:PORT: why".
 */
struct ras_osc *ras_osc_new(const char *port, const char *bind_addr, char *err, size_t errlen);
/* Stops the thread (within 0.1 s), closes the socket. NULL is fine. */
void ras_osc_free(struct ras_osc *osc);

/* "osc.udp://127.0.0.1:9000/": the numeric address bound ([::1] for IPv6). */
const char *ras_osc_url(const struct ras_osc *osc);
int ras_osc_port(const struct ras_osc *osc);

/* The tempo range /rasbeat/tempo accepts (the session's safety limits).
 * -EINVAL unless 0 < min <= max, both finite. */
int ras_osc_set_limits(struct ras_osc *osc, double bpm_min, double bpm_max);

/* The oldest action received; false when none. source is RAS_SOURCE_OSC,
 * from the sender's URL, time_s NAN. The play loop's thread only. */
bool ras_osc_next(struct ras_osc *osc, struct ras_action *out);

/*
 * Send /rasbeat/state about st to url (an "osc.udp://HOST:PORT/" URL, e.g.
 * a QUERY action's `from`). Remembers st for clients that register later.
 * 0, -EINVAL (bad URL, not UDP), -ENOENT (host not found), -ENOMEM or the
 * send error.
 */
int ras_osc_reply(struct ras_osc *osc, const char *url, const struct ras_status *st);
/* Send /rasbeat/state to every registered client (and remember st). Call
 * it on changes, at most a few times a second. 0, or the last error of a
 * send (the other clients are still sent to). */
int ras_osc_notify(struct ras_osc *osc, const struct ras_status *st);
/* Send /rasbeat/error s text to url: an action the play loop could not
 * carry out ("next: no protocol"). 0 or as ras_osc_reply. */
int ras_osc_error(struct ras_osc *osc, const char *url, const char *text);

/* Clients registered now. */
int ras_osc_clients(struct ras_osc *osc);

/*
 * Parsing, apart from the socket: what the receiving thread does with each
 * datagram before acting on it (and the fuzz target's entry). Pure
 * functions of the bytes; any thread.
 *
 * ras_osc_parse reads one message (not a bundle) into *out (source
 * RAS_SOURCE_OSC, time_s NAN, from "": the sender is the caller's to fill
 * in) and returns what it asks for:
 *   RAS_OSC_IGNORE      a button's release (0 or F): nothing to do;
 *   RAS_OSC_ACTION      the action in *out; a tempo is finite but not yet
 *                       checked against the limits (the caller's);
 *   RAS_OSC_REGISTER,   out->text is the URL given ("": the sender's);
 *   RAS_OSC_UNREGISTER  checked when sending, not here;
 * or -EINVAL with why set to the text of the /rasbeat/error reply ("PATH:
 * expects ..., got 'TYPES'", "malformed OSC message (N bytes)", ...).
 */
enum {
	RAS_OSC_IGNORE,
	RAS_OSC_ACTION,
	RAS_OSC_REGISTER,
	RAS_OSC_UNREGISTER,
};
int ras_osc_parse(const void *buf, size_t len, struct ras_action *out, char *why, size_t whylen);

/*
 * A datagram as received: one message, or a bundle whose messages (bundles
 * nested up to 4 deep) are parsed in order. fn gets each result as
 * ras_osc_parse gives it (a NULL action when ret < 0; a malformed bundle
 * is one -EINVAL, "malformed OSC bundle", and ends the walk).
 */
void ras_osc_parse_packet(const void *buf, size_t len,
			  void (*fn)(void *user, int ret, const struct ras_action *a,
				     const char *why),
			  void *user);

#endif

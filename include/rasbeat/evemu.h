/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - evemu recordings
 *
 * Reads and writes the text format evemu-record writes (version 1.3):
 *
 *   # EVEMU 1.3
 *   N: <device name>
 *   I: <bustype> <vendor> <product> <version>      (hex, 4 digits each)
 *   P: <8 property bytes, hex>                      (repeated as needed)
 *   B: <type, 2 hex digits> <bitmask bytes, hex>    (one or more per type)
 *   A: <axis hex> <min> <max> <fuzz> <flat> <resolution>
 *   E: <sec>.<usec, 6 digits> <type hex4> <code hex4> <value>
 *
 * plus L: and S: lines (LED and switch states, checked and ignored). '#'
 * starts a comment anywhere except on the N: line, where it belongs to the
 * name. Without the version line a file is 1.0; before 1.2, A: lines have
 * no resolution. CRLF line ends and a missing final newline are fine.
 * Files from evemu-record load here; files written here replay with
 * evemu-play. A malformed file is refused with "FILE:LINE: what is wrong"
 * (lines out of evemu's order, bad numbers, codes out of range, an axis
 * without its A: line, a time going backwards, NUL bytes, lines over 4 KiB,
 * files over 64 MiB); nothing in it can crash the parser.
 *
 * struct ras_device_info has code bitmasks for EV_KEY and EV_ABS only, so
 * a header written from it declares no EV_REL, EV_MSC, EV_SW... codes.
 *
 * Not RT-safe.
 */
#ifndef RASBEAT_EVEMU_H
#define RASBEAT_EVEMU_H

#include <stddef.h>
#include <stdio.h>

#include "rasbeat/input.h"

struct ras_evemu;

/* Parse a file (or `len` bytes of text, no NUL terminator needed; `name`
 * used in messages). 0; -EINVAL with err "NAME:LINE: ..."; -EFBIG, -ENOMEM
 * or an open/read -errno with err "NAME: ...". */
int ras_evemu_load(const char *path, struct ras_evemu **out, char *err, size_t errlen);
int ras_evemu_parse(const char *text, size_t len, const char *name, struct ras_evemu **out,
		    char *err, size_t errlen);
void ras_evemu_free(struct ras_evemu *rec);

const struct ras_device_info *ras_evemu_device(const struct ras_evemu *rec);
size_t ras_evemu_count(const struct ras_evemu *rec);
/* Events in file order; times are the file's own (E: sec.usec) in ns. */
const struct ras_input_event *ras_evemu_events(const struct ras_evemu *rec);

/* Writing: a header for `dev`, then events, as evemu-record prints them
 * (less the "+Nms" comment on reports, which needs state; times in whole
 * microseconds, truncated). 0, -EIO, or -EINVAL for what the format cannot
 * hold (an empty, unterminated or control-character name; a negative time),
 * having written nothing. The FILE is buffered: its fflush/fclose tells of
 * later write errors. */
int ras_evemu_write_header(FILE *f, const struct ras_device_info *dev);
int ras_evemu_write_event(FILE *f, const struct ras_input_event *ev);

#endif

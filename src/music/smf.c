/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A strict Standard MIDI File reader: a pure function of a byte buffer,
 * bounds-checked at every read, for it will be fuzzed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "midi-priv.h"

/* Ticks past this are not music (about 2^40 / 960 quarter notes). */
#define TICK_MAX (1ull << 40)

struct reader {
	const uint8_t *buf;
	size_t len, pos;
	const char *name;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct reader *rd, size_t at, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(rd->err, rd->errlen, "%s: byte %zu: %s", rd->name, at, msg);
	return -EINVAL;
}

static uint32_t be(const uint8_t *p, int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* A variable-length quantity ending before `end`: at most 4 bytes. */
static int varlen(struct reader *rd, size_t end, const char *what, uint32_t *out)
{
	size_t start = rd->pos;
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		uint8_t b;

		if (rd->pos >= end)
			return fail(rd, start, "%s: the track ends inside a variable-length number",
				    what);
		b = rd->buf[rd->pos++];
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return fail(rd, start, "%s: variable-length number longer than 4 bytes", what);
}

struct track {
	int index;
	double ppq;
	uint64_t ticks;		/* where the track ended */
	double *bar;		/* the first time signature sets it */
	bool *have_bar;
};

static int data(struct reader *rd, size_t end, uint8_t *out)
{
	if (rd->pos >= end)
		return fail(rd, rd->pos, "the track ends inside an event");
	if (rd->buf[rd->pos] & 0x80)
		return fail(rd, rd->pos, "data byte 0x%02x has its top bit set",
			    rd->buf[rd->pos]);
	*out = rd->buf[rd->pos++];
	return 0;
}

static int track(struct reader *rd, size_t end, struct track *t, struct ras_midi *m)
{
	uint64_t tick = 0;
	uint8_t running = 0;
	int ret;

	while (rd->pos < end) {
		size_t at;
		uint32_t delta, len;
		uint8_t st, d1 = 0, d2 = 0;

		if ((ret = varlen(rd, end, "delta time", &delta)))
			return ret;
		tick += delta;
		if (tick > TICK_MAX)
			return fail(rd, rd->pos, "track %d is longer than %llu ticks", t->index,
				    (unsigned long long)TICK_MAX);
		at = rd->pos;
		if (at >= end)
			return fail(rd, at, "the track ends after a delta time, without an event");
		st = rd->buf[at];
		if (st & 0x80) {
			rd->pos++;
		} else if (running) {
			st = running;	/* running status: st is a data byte */
		} else {
			return fail(rd, at, "data byte 0x%02x without a status (no running status)",
				    st);
		}
		if (st == 0xff) {
			uint8_t type;

			running = 0;
			if (rd->pos >= end)
				return fail(rd, at, "the track ends inside a meta event");
			type = rd->buf[rd->pos++];
			if ((ret = varlen(rd, end, "meta event length", &len)))
				return ret;
			if (len > end - rd->pos)
				return fail(rd, at, "meta event 0x%02x of %u bytes runs past the track's end",
					    type, len);
			if (type == 0x58 && !*t->have_bar) {
				/* time signature nn dd cc bb: a bar is nn * 4 / 2^dd quarters */
				const uint8_t *p = rd->buf + rd->pos;

				if (len != 4)
					return fail(rd, at, "time signature of %u bytes (not 4)", len);
				if (!p[0] || p[1] > 6)
					return fail(rd, at, "time signature %u/2^%u is not a meter",
						    p[0], p[1]);
				*t->bar = p[0] * 4.0 / (1 << p[1]);
				*t->have_bar = true;
			}
			rd->pos += len;
			if (type == 0x2f) {
				/* end of track: it closes the chunk */
				if (len)
					return fail(rd, at, "end of track with %u data bytes", len);
				if (rd->pos != end)
					return fail(rd, rd->pos, "%zu bytes after the end of track %d",
						    end - rd->pos, t->index);
				t->ticks = tick;
				return 0;
			}
			continue;
		}
		if (st == 0xf0 || st == 0xf7) {
			running = 0;
			if ((ret = varlen(rd, end, "sysex length", &len)))
				return ret;
			if (len > end - rd->pos)
				return fail(rd, at, "sysex of %u bytes runs past the track's end", len);
			rd->pos += len;
			continue;
		}
		if (st >= 0xf0)
			return fail(rd, at, "status byte 0x%02x does not belong in a file", st);
		running = st;
		if ((ret = data(rd, end, &d1)))
			return ret;
		if ((st & 0xf0) != 0xc0 && (st & 0xf0) != 0xd0 && (ret = data(rd, end, &d2)))
			return ret;
		switch (st & 0xf0) {
		case 0x90:
			if (d2) {
				ret = midi_add(m, tick / t->ppq, st, d1, d2);
				break;
			}
			st = RAS_MIDI_NOTE_OFF | (st & 0x0f);	/* velocity 0: a note off */
			/* fall through */
		case 0x80:
			ret = midi_add(m, tick / t->ppq, st, d1, 0);
			break;
		case 0xb0:
		case 0xc0:
		case 0xe0:
			ret = midi_add(m, tick / t->ppq, st, d1, d2);
			break;
		default:
			break;	/* aftertouch */
		}
		if (ret)
			return snprintf(rd->err, rd->errlen, "%s: out of memory", rd->name), ret;
	}
	return fail(rd, end, "track %d ends without an end-of-track event", t->index);
}

int ras_midi_parse_smf(const uint8_t *buf, size_t len, const char *name, struct ras_midi **out,
		       char *err, size_t errlen)
{
	struct reader rd = { buf, len, 0, name, err, errlen };
	struct ras_midi *m;
	uint32_t hlen, format, ntracks, division;
	uint64_t end = 0;
	double bar = 4;
	bool have_bar = false;
	int ret = 0, found = 0;

	*out = NULL;
	if (len < 14 || be(buf, 4) != 0x4d546864)	/* "MThd" */
		return fail(&rd, 0, "not a Standard MIDI File (no MThd header)");
	hlen = be(buf + 4, 4);
	if (hlen < 6 || hlen > len - 8)
		return fail(&rd, 4, "header length %u (6 expected, at most %zu in the file)", hlen,
			    len - 8);
	format = be(buf + 8, 2);
	ntracks = be(buf + 10, 2);
	division = be(buf + 12, 2);
	if (format > 1)
		return fail(&rd, 8, "format %u: only formats 0 and 1 are supported", format);
	if (!ntracks || (format == 0 && ntracks != 1))
		return fail(&rd, 10, "%u tracks in a format %u file", ntracks, format);
	if (division & 0x8000)
		return fail(&rd, 12, "SMPTE time division (frames per second): only ticks per quarter note are supported");
	if (!division)
		return fail(&rd, 12, "0 ticks per quarter note");
	if (!(m = midi_new()))
		return snprintf(err, errlen, "%s: out of memory", name), -ENOMEM;
	rd.pos = 8 + hlen;
	while (found < (int)ntracks) {
		size_t at = rd.pos;
		uint32_t clen;

		if (len - rd.pos < 8) {
			ret = fail(&rd, at, "the file ends after %d of %u tracks%s", found, ntracks,
				   len > rd.pos ? " (a truncated chunk header)" : "");
			goto cleanup;
		}
		clen = be(buf + rd.pos + 4, 4);
		if (clen > len - rd.pos - 8) {
			ret = fail(&rd, at + 4, "chunk of %u bytes runs past the end of the file (%zu left): truncated",
				   clen, len - rd.pos - 8);
			goto cleanup;
		}
		rd.pos += 8;
		if (be(buf + at, 4) != 0x4d54726b) {	/* not "MTrk": skipped, as the spec says */
			rd.pos += clen;
			continue;
		}
		{
			struct track t = { found + 1, division, 0, &bar, &have_bar };

			if ((ret = track(&rd, rd.pos + clen, &t, m)))
				goto cleanup;
			if (t.ticks > end)
				end = t.ticks;
		}
		found++;
	}
	if ((ret = midi_finish(m, end / (double)division, bar))) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto cleanup;
	}
	*out = m;
	return 0;
cleanup:
	ras_midi_free(m);
	return ret;
}

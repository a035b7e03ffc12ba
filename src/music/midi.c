/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi-priv.h"

/* A file larger than this is not a song. */
#define FILE_MAX (64u << 20)

struct ras_midi *midi_new(void)
{
	return calloc(1, sizeof(struct ras_midi));
}

int midi_add(struct ras_midi *m, double beat, uint8_t status, uint8_t d1, uint8_t d2)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 256;
		struct ras_midi_event *ev = realloc(m->ev, cap * sizeof(*ev));

		if (!ev)
			return -ENOMEM;
		m->ev = ev;
		m->cap = cap;
	}
	m->ev[m->n++] = (struct ras_midi_event){ beat, status, d1, d2 };
	return 0;
}

struct keyed {
	struct ras_midi_event ev;
	size_t seq;
};

/* At one beat: offs first (a re-struck note is not cut), then the state a
 * note on needs (program, controls, bend), then the note ons. */
static int rank(uint8_t status)
{
	switch (status & 0xf0) {
	case RAS_MIDI_NOTE_OFF:
		return 0;
	case RAS_MIDI_PROGRAM:
		return 1;
	case RAS_MIDI_CONTROL:
		return 2;
	case RAS_MIDI_BEND:
		return 3;
	default:
		return 4;
	}
}

static int cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->ev.beat != y->ev.beat)
		return x->ev.beat < y->ev.beat ? -1 : 1;
	if (rank(x->ev.status) != rank(y->ev.status))
		return rank(x->ev.status) - rank(y->ev.status);
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int midi_finish(struct ras_midi *m, double end, double bar)
{
	struct keyed *k = m->n ? malloc(m->n * sizeof(*k)) : NULL;

	if (m->n && !k)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		k[i] = (struct keyed){ m->ev[i], i };
	if (m->n)
		qsort(k, m->n, sizeof(*k), cmp);
	for (size_t i = 0; i < m->n; i++)
		m->ev[i] = k[i].ev;
	free(k);
	m->bar = bar;
	/* A hair of tolerance: 4 bars of ticks are exactly 16 beats. */
	m->length = fmax(1, ceil(end / bar - 1e-9)) * bar;
	return 0;
}

void ras_midi_free(struct ras_midi *m)
{
	if (!m)
		return;
	free(m->ev);
	free(m);
}

size_t ras_midi_count(const struct ras_midi *m)
{
	return m->n;
}

const struct ras_midi_event *ras_midi_event(const struct ras_midi *m, size_t i)
{
	return i < m->n ? &m->ev[i] : NULL;
}

double ras_midi_length(const struct ras_midi *m)
{
	return m->length;
}

double ras_midi_bar(const struct ras_midi *m)
{
	return m->bar;
}

static int slurp(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 65536;
	char *b = NULL, *nb;
	int ret = 0;

	if (!f)
		return ret = -errno, snprintf(err, errlen, "%s: %s", path, strerror(-ret)), ret;
	for (;;) {
		if (!(nb = realloc(b, cap + 1))) {
			ret = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
		b = nb;
		n += fread(b + n, 1, cap - n, f);
		if (ferror(f)) {
			ret = -EIO;
			snprintf(err, errlen, "%s: read error", path);
			break;
		}
		if (n < cap)
			break;
		if (cap >= FILE_MAX) {
			ret = -EFBIG;
			snprintf(err, errlen, "%s: larger than %u MB", path, FILE_MAX >> 20);
			break;
		}
		cap *= 2;
	}
	fclose(f);
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int ras_midi_load(const char *path, struct ras_midi **out, char *err, size_t errlen)
{
	size_t len = 0, plen = strlen(path);
	char *buf = NULL;
	int ret;

	*out = NULL;
	if ((ret = slurp(path, &buf, &len, err, errlen)))
		return ret;
	if (plen >= 7 && !strcmp(path + plen - 7, ".groove")) {
		if (strlen(buf) != len)
			ret = -EINVAL, snprintf(err, errlen, "%s: byte %zu: a NUL byte in a text file",
						path, strlen(buf));
		else
			ret = ras_midi_parse_groove(buf, path, out, err, errlen);
	} else {
		ret = ras_midi_parse_smf((const uint8_t *)buf, len, path, out, err, errlen);
	}
	free(buf);
	return ret;
}

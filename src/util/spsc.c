/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/spsc.h"

struct ras_spsc {
	/* Head and tail on their own cache lines: each is written by one side. */
	alignas(64) atomic_size_t head;	/* next slot to read; written by consumer */
	alignas(64) atomic_size_t tail;	/* next slot to write; written by producer */
	alignas(64) size_t mask, size;
	unsigned char *buf;
};

struct ras_spsc *ras_spsc_new(size_t size, size_t capacity)
{
	struct ras_spsc *q;
	size_t n = 2;

	if (!size || !capacity || capacity > SIZE_MAX / 4 / size)
		return NULL;
	while (n < capacity)
		n <<= 1;
	q = aligned_alloc(64, sizeof(*q));
	if (!q)
		return NULL;
	memset(q, 0, sizeof(*q));
	q->buf = calloc(n, size);
	if (!q->buf) {
		free(q);
		return NULL;
	}
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	q->mask = n - 1;
	q->size = size;
	return q;
}

void ras_spsc_free(struct ras_spsc *q)
{
	if (!q)
		return;
	free(q->buf);
	free(q);
}

bool ras_spsc_push(struct ras_spsc *q, const void *rec)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	if (tail - head > q->mask)
		return false;
	memcpy(q->buf + (tail & q->mask) * q->size, rec, q->size);
	/* Release: the record is visible before the new tail is. */
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	return true;
}

bool ras_spsc_pop(struct ras_spsc *q, void *rec)
{
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head == tail)
		return false;
	memcpy(rec, q->buf + (head & q->mask) * q->size, q->size);
	/* Release: the slot is read before the producer may reuse it. */
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	return true;
}

size_t ras_spsc_count(const struct ras_spsc *q)
{
	size_t tail = atomic_load_explicit(&((struct ras_spsc *)q)->tail, memory_order_acquire);
	size_t head = atomic_load_explicit(&((struct ras_spsc *)q)->head, memory_order_acquire);

	return tail - head;
}

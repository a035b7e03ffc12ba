/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - lock-free single-producer/single-consumer queue
 *
 * A ring of fixed-size records on C11 atomics: one thread pushes, one thread
 * pops, neither ever blocks or allocates. This is how every other thread talks
 * to the audio thread and how the audio thread hands beats to the writers.
 *
 * RT-safe: ras_spsc_push, ras_spsc_pop, ras_spsc_count (each from its own
 * side). Not RT-safe: ras_spsc_new, ras_spsc_free.
 */
#ifndef RASBEAT_SPSC_H
#define RASBEAT_SPSC_H

#include <stdbool.h>
#include <stddef.h>

struct ras_spsc;

/* Room for at least `capacity` records of `size` bytes; NULL on no memory. */
struct ras_spsc *ras_spsc_new(size_t size, size_t capacity);
void ras_spsc_free(struct ras_spsc *q);

/* Producer side: copy one record in; false when full (nothing written).
 * RT-safe. */
bool ras_spsc_push(struct ras_spsc *q, const void *rec);
/* Consumer side: copy the oldest record out; false when empty. RT-safe. */
bool ras_spsc_pop(struct ras_spsc *q, void *rec);
/* Records waiting (a snapshot). RT-safe. */
size_t ras_spsc_count(const struct ras_spsc *q);

#endif

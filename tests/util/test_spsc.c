/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "rasbeat/spsc.h"
#include "testutil.h"

static void test_fifo(void)
{
	struct ras_spsc *q = ras_spsc_new(sizeof(int), 5);	/* rounds up to 8 */
	int v, pushed = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_FALSE(ras_spsc_pop(q, &v));
	while (ras_spsc_push(q, &pushed))
		pushed++;
	CU_ASSERT_EQUAL(pushed, 8);
	CU_ASSERT_EQUAL(ras_spsc_count(q), 8);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_TRUE(ras_spsc_pop(q, &v));
		CU_ASSERT_EQUAL(v, i);
	}
	CU_ASSERT_FALSE(ras_spsc_pop(q, &v));
	CU_ASSERT_PTR_NULL(ras_spsc_new(0, 4));
	CU_ASSERT_PTR_NULL(ras_spsc_new(8, 0));
	ras_spsc_free(q);
}

struct rec {
	uint64_t seq;
	uint64_t check;
};

/*
 * Valgrind runs one thread at a time, so a spinning side burns its whole
 * time slice: there the records are fewer (the ring still wraps over a
 * thousand times) and a side that finds the ring full or empty yields.
 */
static uint64_t records(void)
{
	return test_under_valgrind() ? 100000 : 2000000;
}

static void wait_turn(void)
{
	if (test_under_valgrind())
		sched_yield();
}

static void *producer(void *arg)
{
	struct ras_spsc *q = arg;
	uint64_t n = records();

	for (uint64_t i = 0; i < n;) {
		struct rec r = { i, ~i * 2654435761u };

		if (ras_spsc_push(q, &r))
			i++;
		else
			wait_turn();
	}
	return NULL;
}

/* Two threads, a small ring: every record arrives once, whole, in order. */
static void test_threads(void)
{
	struct ras_spsc *q = ras_spsc_new(sizeof(struct rec), 64);
	pthread_t t;
	uint64_t next = 0, torn = 0, order = 0, n = records();

	pthread_create(&t, NULL, producer, q);
	while (next < n) {
		struct rec r;

		if (!ras_spsc_pop(q, &r)) {
			wait_turn();
			continue;
		}
		order += r.seq != next;
		torn += r.check != (~r.seq * 2654435761u);
		next++;
	}
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(order, 0);
	CU_ASSERT_EQUAL(torn, 0);
	CU_ASSERT_EQUAL(ras_spsc_count(q), 0);
	ras_spsc_free(q);
}

void test_spsc_register(void)
{
	TEST_SUITE("spsc",
		   { "fifo order and capacity", test_fifo },
		   { "two threads, 2M records (100k under valgrind)", test_threads });
}

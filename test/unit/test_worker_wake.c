/* test_worker_wake.c -- other threads' way into a worker (worker_wake.c):
 * calls queued from another thread run in the worker's own loop, in order,
 * with stop and apply requests; what is still queued when the loop has
 * ended is freed. And the per-worker counters (net_internal.h) name their
 * counter once.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "../../server/net_internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include "testlib.h"

#define NCALLS 1000

typedef struct wake_test {
	worker_t *w;
	struct event_base *base;
	pthread_t loop_thread;         /* the thread the loop runs in */
	int seen[NCALLS];
	unsigned nseen;
	bool wrong_thread;
	unsigned stops, applies;
} wake_test_t;

static wake_test_t t;

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	bool stop, apply;
	worker_wake_take(t.w, &stop, &apply);
	t.applies += apply;
	if (stop) {
		t.stops++;
		event_base_loopbreak(t.base);
	}
}

static void
record_call(void *arg)
{
	if (!pthread_equal(pthread_self(), t.loop_thread))
		t.wrong_thread = true;
	if (t.nseen < NCALLS)
		t.seen[t.nseen] = (int)(intptr_t)arg;
	t.nseen++;
}

static void *
producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < NCALLS; i++) {
		ck_assert(server_worker_call(t.w, record_call, (void *)(intptr_t)i));
		if (i == NCALLS / 2)
			worker_wake_request(t.w, false, true);
	}
	worker_wake_request(t.w, true, false);
	return NULL;
}

START_TEST(calls_run_in_the_worker_in_order)
{
	memset(&t, 0, sizeof(t));
	t.w = calloc(1, sizeof(*t.w));
	ck_assert_ptr_nonnull(t.w);
	pthread_mutex_init(&t.w->lock, NULL);
	ck_assert_int_ge(worker_wake_open(t.w), 0);
	struct event_config *cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	t.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	ck_assert_ptr_nonnull(t.base);
	struct event *ev = event_new(t.base, t.w->wake_fd, EV_READ | EV_PERSIST, wake_cb, NULL);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	t.loop_thread = pthread_self();

	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, producer, NULL), 0);
	event_base_loop(t.base, EVLOOP_NO_EXIT_ON_EMPTY);
	pthread_join(th, NULL);

	/* the stop came last: every call ran before it, in the order queued,
	 * in the loop's thread */
	ck_assert_uint_eq(t.nseen, NCALLS);
	for (int i = 0; i < NCALLS; i++)
		ck_assert_int_eq(t.seen[i], i);
	ck_assert(!t.wrong_thread);
	ck_assert_uint_eq(t.stops, 1);
	ck_assert_uint_ge(t.applies, 1);

	/* queued after the loop ended: never run, freed (LeakSanitizer) */
	ck_assert(server_worker_call(t.w, record_call, (void *)(intptr_t)-1));
	event_free(ev);
	event_base_free(t.base);
	worker_wake_discard(t.w);
	ck_assert_int_eq(t.w->wake_fd, -1);
	ck_assert_uint_eq(t.nseen, NCALLS);
	pthread_mutex_destroy(&t.w->lock);
	free(t.w);
}
END_TEST

/* NET_COUNT's counter expression is evaluated once: the index of a
 * per-qtype counter came from a call, which ran twice per query. */
static unsigned index_calls;

static unsigned
counted_index(void)
{
	index_calls++;
	return 2;
}

START_TEST(counter_named_once)
{
	static net_counter_t counters[4];
	index_calls = 0;
	NET_COUNT(counters[counted_index()], 5);
	NET_COUNT(counters[counted_index()], 1);
	ck_assert_uint_eq(index_calls, 2);
	ck_assert_uint_eq(atomic_load(&counters[2]), 6);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("worker_wake");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, calls_run_in_the_worker_in_order);
	tcase_add_test(tc, counter_named_once);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}

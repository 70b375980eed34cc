/* test_background.c -- the low-priority thread: calls run on it at
 * SCHED_IDLE (or nice 19 where that is refused), a retired snapshot is freed
 * only once every worker has left it, before a call queued after it, and
 * stopping frees what is still retired. Freed twice or never shows under
 * ASan.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* SCHED_IDLE */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "background.h"
#include "bg_gate.h"
#include "conf.h"
#include "publish.h"
#include "snapshot.h"
#include "testlib.h"

static snapshot_t *
new_snapshot(void)
{
	static const char text[] = "server: {listen: [127.0.0.1@5300]}\n"
				   "views:\n  - {name: a, match-clients: [any], zones: [{name: x, file: x.zone}]}\n";
	diag_t d = { .quiet = 1 };
	conf_t *c = conf_parse("test.yaml", text, strlen(text), &d);
	ck_assert_ptr_nonnull(c);
	return snapshot_new(c);
}

/* Poll until no snapshot is retired, for at most 20 s (a hang guard, not a
 * timing: the grace period ends as soon as the workers have left). */
static bool
wait_all_freed(void)
{
	for (int i = 0; i < 20000 && background_retired_pending() > 0; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return background_retired_pending() == 0;
}

static void
teardown(void)
{
	background_stop();
	snapshot_t *s = publish_shutdown();
	snapshot_free(&s);
}

static struct {
	bool ran;
	pthread_t thread;
	int policy;
	int nice;
	unsigned pending;
} seen;

static void
note_thread(void *arg)
{
	(void)arg;
	seen.ran = true;
	seen.thread = pthread_self();
	seen.policy = sched_getscheduler(0);
	errno = 0;
	seen.nice = getpriority(PRIO_PROCESS, (id_t)gettid());
	seen.pending = background_retired_pending();
}

START_TEST(call_runs_on_the_low_priority_thread)
{
	publish_init(1, new_snapshot());
	ck_assert_int_eq(background_start(), 0);
	memset(&seen, 0, sizeof(seen));
	background_call(note_thread, NULL);
	ck_assert(seen.ran);
	ck_assert(!pthread_equal(seen.thread, pthread_self()));
	ck_assert_msg(seen.policy == SCHED_IDLE || seen.nice == 19,
		      "policy %d, nice %d: neither SCHED_IDLE nor nice 19", seen.policy, seen.nice);
	/* this thread keeps its priority */
	ck_assert_int_eq(sched_getscheduler(0), SCHED_OTHER);
}
END_TEST

START_TEST(call_without_the_thread_runs_in_place)
{
	publish_init(1, new_snapshot());
	memset(&seen, 0, sizeof(seen));
	background_call(note_thread, NULL);
	ck_assert(seen.ran);
	ck_assert(pthread_equal(seen.thread, pthread_self()));
}
END_TEST

START_TEST(retired_snapshot_waits_for_every_worker)
{
	publish_init(3, new_snapshot());
	ck_assert_int_eq(background_start(), 0);
	/* worker 0 is inside a batch on the first snapshot; 1 is idle */
	const snapshot_t *held = publish_enter(0);
	uint64_t retired;
	snapshot_t *old = publish_exchange(new_snapshot(), &retired);
	ck_assert_ptr_eq(old, held);
	ck_assert(!publish_quiescent(retired));
	/* worker 2 enters after the exchange: it sees the new one and does
	 * not hold the old one back */
	ck_assert_ptr_ne(publish_enter(2), held);
	background_retire(old, retired);
	/* a call queued after the retirement returns once the thread has
	 * looked at it: still there, worker 0 has not left */
	background_call(note_thread, NULL);
	ck_assert_uint_eq(background_retired_pending(), 1);
	ck_assert(!publish_quiescent(retired));
	publish_leave(0);
	ck_assert(publish_quiescent(retired));
	ck_assert(wait_all_freed());
	publish_leave(2);
}
END_TEST

static void *
call_in_thread(void *fn)
{
	background_call((void (*)(void *))fn, NULL);
	return NULL;
}

START_TEST(retired_snapshot_freed_before_a_later_call)
{
	publish_init(1, new_snapshot());
	ck_assert_int_eq(background_start(), 0);
	/* the thread is busy; meanwhile a snapshot is retired (no worker
	 * holds it) and then a call is queued */
	pthread_t later;
	bg_gate_close();
	uint64_t retired;
	background_retire(publish_exchange(new_snapshot(), &retired), retired);
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(pthread_create(&later, NULL, call_in_thread, (void *)note_thread), 0);
	/* let the second call reach the queue (if it has not by then, this
	 * test cannot fail, it does not wrongly fail) */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	bg_gate_open();
	pthread_join(later, NULL);
	ck_assert(seen.ran);
	ck_assert_uint_eq(seen.pending, 0);   /* freed before the later call ran */
}
END_TEST

/* What a worker thread does in retired_freed_by_stop: holds the snapshot,
 * then leaves when told. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool leave;
} w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };

static void *
worker_leaves_when_told(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&w.lock);
	while (!w.leave)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	publish_leave(0);
	return NULL;
}

START_TEST(stop_frees_what_is_retired)
{
	publish_init(1, new_snapshot());
	ck_assert_int_eq(background_start(), 0);
	(void)publish_enter(0);
	uint64_t retired;
	background_retire(publish_exchange(new_snapshot(), &retired), retired);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, worker_leaves_when_told, NULL), 0);
	ck_assert_uint_eq(background_retired_pending(), 1);
	pthread_mutex_lock(&w.lock);
	w.leave = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	/* stop waits for the worker to leave, then frees (ASan: no leak) */
	background_stop();
	ck_assert_uint_eq(background_retired_pending(), 0);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(retire_without_the_thread_frees_in_place)
{
	publish_init(1, new_snapshot());
	uint64_t retired;
	background_retire(publish_exchange(new_snapshot(), &retired), retired);
	ck_assert_uint_eq(background_retired_pending(), 0);
	background_retire(NULL, retired);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("background");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, call_runs_on_the_low_priority_thread);
	tcase_add_test(tc, call_without_the_thread_runs_in_place);
	tcase_add_test(tc, retired_snapshot_waits_for_every_worker);
	tcase_add_test(tc, retired_snapshot_freed_before_a_later_call);
	tcase_add_test(tc, stop_frees_what_is_retired);
	tcase_add_test(tc, retire_without_the_thread_frees_in_place);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}

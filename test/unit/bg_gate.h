/* bg_gate.h -- for unit tests: keep the background thread (background.h)
 * busy until released, to see what waits behind it. Header-only (each test
 * is its own program).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TEST_BG_GATE_H
#define HZ_TEST_BG_GATE_H

#include <check.h>
#include <pthread.h>
#include <stdbool.h>

#include "background.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started, release;
	pthread_t thread;
} bg_gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, 0 };

/* The call that holds the thread: returns once released. */
static inline void
bg_gate_call(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&bg_gate.lock);
	bg_gate.started = true;
	pthread_cond_broadcast(&bg_gate.cond);
	while (!bg_gate.release)
		pthread_cond_wait(&bg_gate.cond, &bg_gate.lock);
	pthread_mutex_unlock(&bg_gate.lock);
}

static inline void *
bg_gate_main(void *arg)
{
	(void)arg;
	background_call(bg_gate_call, NULL);
	return NULL;
}

/* Queue the holding call from a thread of its own; return once it runs. */
static inline void
bg_gate_close(void)
{
	ck_assert_int_eq(pthread_create(&bg_gate.thread, NULL, bg_gate_main, NULL), 0);
	pthread_mutex_lock(&bg_gate.lock);
	while (!bg_gate.started)
		pthread_cond_wait(&bg_gate.cond, &bg_gate.lock);
	pthread_mutex_unlock(&bg_gate.lock);
}

/* Let the thread go on. */
static inline void
bg_gate_open(void)
{
	pthread_mutex_lock(&bg_gate.lock);
	bg_gate.release = true;
	pthread_cond_broadcast(&bg_gate.cond);
	pthread_mutex_unlock(&bg_gate.lock);
	pthread_join(bg_gate.thread, NULL);
}

#endif

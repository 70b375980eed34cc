/* background.c -- the low-priority thread for reload builds and for freeing
 * retired snapshots. The design is in background.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* SCHED_IDLE, pthread_setname_np */
#include "background.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "log.h"
#include "publish.h"
#include "snapshot.h"

typedef struct bg_call {
	struct bg_call *next;
	void (*fn)(void *);
	void *arg;
	bool done;
} bg_call_t;

typedef struct bg_retiree {
	struct bg_retiree *next;
	snapshot_t *snap;
	uint64_t retired;
} bg_retiree_t;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* work queued, or quit */
	pthread_cond_t done;       /* a call returned */
	bg_call_t *calls, **calls_tail;
	bg_retiree_t *retirees, **retirees_tail;   /* in retirement order */
	unsigned npending;
	bool running, quit;
	pthread_t thread;
} bg = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	 .done = PTHREAD_COND_INITIALIZER, .calls_tail = &bg.calls, .retirees_tail = &bg.retirees };

/* SCHED_IDLE: any worker that wakes up preempts this thread (at the kernel's
 * next chance: at once, or within a tick where rescheduling is lazy), and a
 * CPU running only this thread counts as idle when a worker wakes. Failing
 * that (a kernel or sandbox that refuses it), the lowest nice value. */
static void
background_lower_priority(void)
{
	struct sched_param sp = { .sched_priority = 0 };
	int err = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	if (err == 0)
		return;
	/* setpriority on a thread id changes that thread only (Linux) */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), 19) != 0)
		log_warning("background: cannot lower the priority of the reload thread (%s, %s): "
			    "reloads compete with queries for the CPU", strerror(err), strerror(errno));
}

/* The oldest retiree if every worker has left it, unlinked; else NULL.
 * Tickets grow in retirement order, so a later one cannot be quiescent
 * before the head. Under bg.lock. */
static bg_retiree_t *
background_take_quiescent(void)
{
	bg_retiree_t *r = bg.retirees;
	if (r == NULL || !publish_quiescent(r->retired))
		return NULL;
	bg.retirees = r->next;
	if (bg.retirees == NULL)
		bg.retirees_tail = &bg.retirees;
	return r;
}

static void
background_free_retiree(bg_retiree_t *r)
{
	snapshot_free(&r->snap);
	free(r);
}

static void *
background_main(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "hz-background");
	background_lower_priority();
	/* unmapping a retired snapshot must not keep a worker that needs
	 * the memory-map lock waiting for a scheduler tick (arena.h) */
	arena_unmap_gently();
	pthread_mutex_lock(&bg.lock);
	for (;;) {
		/* frees first: a build queued after a retirement never runs
		 * beside the snapshot it replaced two reloads ago */
		bg_retiree_t *r = background_take_quiescent();
		if (r != NULL) {
			pthread_mutex_unlock(&bg.lock);
			background_free_retiree(r);
			pthread_mutex_lock(&bg.lock);
			bg.npending--;
			continue;
		}
		bg_call_t *c = bg.calls;
		if (c != NULL) {
			bg.calls = c->next;
			if (bg.calls == NULL)
				bg.calls_tail = &bg.calls;
			pthread_mutex_unlock(&bg.lock);
			c->fn(c->arg);
			pthread_mutex_lock(&bg.lock);
			c->done = true;   /* c lives on the caller's stack: not touched after this */
			pthread_cond_broadcast(&bg.done);
			continue;
		}
		if (bg.retirees != NULL) {
			/* a worker is still in a batch that began before the
			 * exchange: batches are short, look again soon */
			pthread_mutex_unlock(&bg.lock);
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
			pthread_mutex_lock(&bg.lock);
			continue;
		}
		if (bg.quit)
			break;
		pthread_cond_wait(&bg.cond, &bg.lock);
	}
	pthread_mutex_unlock(&bg.lock);
	return NULL;
}

int
background_start(void)
{
	pthread_mutex_lock(&bg.lock);
	if (bg.running) {
		pthread_mutex_unlock(&bg.lock);
		return 0;
	}
	bg.quit = false;
	int rc = pthread_create(&bg.thread, NULL, background_main, NULL);
	bg.running = rc == 0;
	pthread_mutex_unlock(&bg.lock);
	if (rc != 0) {
		log_error("background: cannot start the reload thread: %s", strerror(rc));
		return -1;
	}
	return 0;
}

void
background_stop(void)
{
	pthread_mutex_lock(&bg.lock);
	if (!bg.running) {
		pthread_mutex_unlock(&bg.lock);
		return;
	}
	bg.quit = true;
	pthread_cond_signal(&bg.cond);
	pthread_mutex_unlock(&bg.lock);
	/* the thread leaves once no call and no retiree is left */
	pthread_join(bg.thread, NULL);
	pthread_mutex_lock(&bg.lock);
	bg.running = false;
	pthread_mutex_unlock(&bg.lock);
}

void
background_call(void (*fn)(void *arg), void *arg)
{
	bg_call_t c = { .fn = fn, .arg = arg };
	pthread_mutex_lock(&bg.lock);
	if (!bg.running || bg.quit) {
		pthread_mutex_unlock(&bg.lock);
		fn(arg);
		return;
	}
	*bg.calls_tail = &c;
	bg.calls_tail = &c.next;
	pthread_cond_signal(&bg.cond);
	while (!c.done)
		pthread_cond_wait(&bg.done, &bg.lock);
	pthread_mutex_unlock(&bg.lock);
}

void
background_retire(struct snapshot *old, uint64_t retired)
{
	if (old == NULL)
		return;
	bg_retiree_t *r = xcalloc(1, sizeof(*r));
	r->snap = old;
	r->retired = retired;
	pthread_mutex_lock(&bg.lock);
	if (!bg.running || bg.quit) {
		pthread_mutex_unlock(&bg.lock);
		publish_wait(retired);
		background_free_retiree(r);
		return;
	}
	*bg.retirees_tail = r;
	bg.retirees_tail = &r->next;
	bg.npending++;
	pthread_cond_signal(&bg.cond);
	pthread_mutex_unlock(&bg.lock);
}

unsigned
background_retired_pending(void)
{
	pthread_mutex_lock(&bg.lock);
	unsigned n = bg.npending;
	pthread_mutex_unlock(&bg.lock);
	return n;
}

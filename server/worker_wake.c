/* worker_wake.c -- other threads' way into a worker: stop and apply
 * requests and queued calls, under the worker's mutex, announced on its
 * eventfd (net_internal.h: wake_fd). The worker's event_base has no lock of
 * its own (server.c), so nothing else may touch it from outside.
 *
 * A module of its own so that tcp.c and xfr_out.c, which server.c calls,
 * can queue calls without calling back into server.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "net_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

typedef struct worker_call {
	void (*fn)(void *arg);
	void *arg;
	struct worker_call *next;
} worker_call_t;

int
worker_wake_open(worker_t *w)
{
	w->calls = NULL;
	w->calls_tail = &w->calls;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0)
		log_error("worker %u: eventfd: %s", w->id, strerror(errno));
	return w->wake_fd;
}

static void
worker_wake(worker_t *w)
{
	uint64_t one = 1;
	/* EAGAIN: the counter is full, the worker has a wake-up coming anyway */
	if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("worker %u: wake-up: %s", w->id, strerror(errno));
}

void
worker_wake_request(worker_t *w, bool stop, bool apply)
{
	pthread_mutex_lock(&w->lock);
	w->wake_stop |= stop;
	w->wake_apply |= apply;
	pthread_mutex_unlock(&w->lock);
	worker_wake(w);
}

bool
server_worker_call(worker_t *w, void (*fn)(void *arg), void *arg)
{
	worker_call_t *c = malloc(sizeof(*c));
	if (c == NULL)
		return false;
	c->fn = fn;
	c->arg = arg;
	c->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->calls_tail = c;
	w->calls_tail = &c->next;
	pthread_mutex_unlock(&w->lock);
	worker_wake(w);
	return true;
}

void
worker_wake_take(worker_t *w, bool *stop, bool *apply)
{
	uint64_t n;
	if (read(w->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("worker %u: wake-up read: %s", w->id, strerror(errno));
	pthread_mutex_lock(&w->lock);
	worker_call_t *calls = w->calls;
	w->calls = NULL;
	w->calls_tail = &w->calls;
	*stop = w->wake_stop;
	*apply = w->wake_apply;
	w->wake_stop = w->wake_apply = false;
	pthread_mutex_unlock(&w->lock);
	while (calls != NULL) {
		worker_call_t *c = calls;
		calls = c->next;
		c->fn(c->arg);
		free(c);
	}
}

void
worker_wake_discard(worker_t *w)
{
	/* calls that came after the loop ended: their arguments are the
	 * callers' (freed at exit), the queue is ours */
	while (w->calls != NULL) {
		worker_call_t *c = w->calls;
		w->calls = c->next;
		free(c);
	}
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	w->wake_fd = -1;
}

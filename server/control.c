/* control.c -- the control thread and its queue of zone events. The design
 * is in control.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* pthread_setname_np */
#include "control.h"
#include "arena.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "background.h"
#include "log.h"
#include "notify.h"
#include "publish.h"
#include "xfr_in.h"

#define CONTROL_UPDATES_MAX 1024
/* One source address may hold this many queued updates: a flood from one
 * address cannot crowd out another's (the DHCP server's) updates. */
#define CONTROL_UPDATES_PER_SOURCE 64

enum control_kind { CONTROL_UPDATE, CONTROL_RELOAD, CONTROL_UPKEEP, CONTROL_RESIGN, CONTROL_TASK };

/* A reload's caller waits on the queue's condition for done. */
typedef struct control_wait {
	const char *conf_path;
	zonestore_reload_t *out;
	bool done, ok;
} control_wait_t;

typedef struct control_event {
	struct control_event *next;
	enum control_kind kind;
	/* update */
	uint8_t *pkt;
	size_t len;
	struct sockaddr_storage src, dst;
	bool have_dst, tcp;
	control_reply_fn reply;
	void *arg;
	/* reload */
	control_wait_t *wait;
	/* task */
	control_task_fn task;
} control_event_t;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* events queued, or quit */
	pthread_cond_t done;       /* a reload finished */
	control_event_t *head, *tail;
	size_t nupdates;
	bool upkeep_queued;
	bool running, quit;
	pthread_t thread;
} cq = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	 .done = PTHREAD_COND_INITIALIZER };

/* Counted on the control thread, read by metrics (control_get_stats). */
static struct {
	_Atomic unsigned long long accepted, refused;
} cstats;

void
control_get_stats(control_stats_t *out)
{
	out->updates_accepted = atomic_load_explicit(&cstats.accepted, memory_order_relaxed);
	out->updates_refused = atomic_load_explicit(&cstats.refused, memory_order_relaxed);
}

/* Under cq.lock. */
static void
control_push(control_event_t *e)
{
	if (cq.tail != NULL)
		cq.tail->next = e;
	else
		cq.head = e;
	cq.tail = e;
	pthread_cond_signal(&cq.cond);
}

static size_t
control_sockaddr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Updates queued from src's address (any port). Under cq.lock; a walk of
 * at most the queue's length, once per submitted update. */
static size_t
control_queued_from(const struct sockaddr *src)
{
	size_t n = 0;
	for (const control_event_t *e = cq.head; e != NULL; e = e->next) {
		const struct sockaddr *q = (const struct sockaddr *)&e->src;
		if (e->kind != CONTROL_UPDATE || q->sa_family != src->sa_family)
			continue;
		if (src->sa_family == AF_INET6
			    ? memcmp(&((const struct sockaddr_in6 *)q)->sin6_addr,
				     &((const struct sockaddr_in6 *)src)->sin6_addr, 16) == 0
			    : ((const struct sockaddr_in *)q)->sin_addr.s_addr ==
				      ((const struct sockaddr_in *)src)->sin_addr.s_addr)
			n++;
	}
	return n;
}

bool
control_submit_update(const uint8_t *pkt, size_t len, const query_src_t *from,
		      control_reply_fn reply, void *arg)
{
	control_event_t *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return false;
	e->kind = CONTROL_UPDATE;
	e->pkt = malloc(len);
	if (e->pkt == NULL) {
		free(e);
		return false;
	}
	memcpy(e->pkt, pkt, len);
	e->len = len;
	memcpy(&e->src, from->src, control_sockaddr_len(from->src));
	if (from->dst != NULL) {
		memcpy(&e->dst, from->dst, control_sockaddr_len(from->dst));
		e->have_dst = true;
	}
	e->tcp = from->tcp;
	e->reply = reply;
	e->arg = arg;
	pthread_mutex_lock(&cq.lock);
	if (!cq.running || cq.quit || cq.nupdates >= CONTROL_UPDATES_MAX ||
	    control_queued_from(from->src) >= CONTROL_UPDATES_PER_SOURCE) {
		pthread_mutex_unlock(&cq.lock);
		free(e->pkt);
		free(e);
		return false;
	}
	cq.nupdates++;
	control_push(e);
	pthread_mutex_unlock(&cq.lock);
	return true;
}

bool
control_reload(const char *conf_path, zonestore_reload_t *out)
{
	control_event_t *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return false;
	control_wait_t wait = { .conf_path = conf_path, .out = out };
	e->kind = CONTROL_RELOAD;
	e->wait = &wait;
	pthread_mutex_lock(&cq.lock);
	if (!cq.running || cq.quit) {
		pthread_mutex_unlock(&cq.lock);
		free(e);
		log_error("reload: the control thread is not running, keeping the old data");
		return false;
	}
	control_push(e);
	while (!wait.done)
		pthread_cond_wait(&cq.done, &cq.lock);
	pthread_mutex_unlock(&cq.lock);
	return wait.ok;
}

bool
control_submit_task(control_task_fn task, void *arg)
{
	control_event_t *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return false;
	e->kind = CONTROL_TASK;
	e->task = task;
	e->arg = arg;
	pthread_mutex_lock(&cq.lock);
	if (!cq.running || cq.quit) {
		pthread_mutex_unlock(&cq.lock);
		free(e);
		return false;
	}
	control_push(e);
	pthread_mutex_unlock(&cq.lock);
	return true;
}

/* Tell a reload's caller how it went. */
static void
control_wake(control_wait_t *w, bool ok)
{
	pthread_mutex_lock(&cq.lock);
	w->ok = ok;
	w->done = true;
	pthread_cond_broadcast(&cq.done);
	pthread_mutex_unlock(&cq.lock);
}

/* An update event; returns true if a zone changed. */
static bool
control_run_update(const control_event_t *e)
{
	query_src_t from = {
		.src = (const struct sockaddr *)&e->src,
		.dst = e->have_dst ? (const struct sockaddr *)&e->dst : NULL,
		.tcp = e->tcp,
	};
	uint8_t out[4096];
	snapshot_t *next = NULL;
	zonestore_lock();
	const snapshot_t *cur = publish_current();
	size_t n = cur ? zonestore_update(cur, e->pkt, e->len, &from, out, sizeof(out), &next) : 0;
	if (next != NULL)
		zonestore_publish(next);
	zonestore_unlock();
	if (n >= 4)
		atomic_fetch_add_explicit((out[3] & 0x0F) == 0 ? &cstats.accepted : &cstats.refused, 1,
					  memory_order_relaxed);
	/* the update is visible to the next query when the client learns it
	 * succeeded */
	e->reply(e->arg, n ? out : NULL, n);
	return next != NULL;
}

/* A reload's build, swap and free, and a resign, are bulk work: they run on
 * the background thread (background.h), below the query workers, while this
 * thread holds the writer lock for them and waits. */
static void
control_reload_bulk(void *arg)
{
	control_wait_t *w = arg;
	w->ok = zonestore_reload(w->conf_path, w->out);
}

static void
control_resign_bulk(void *unused)
{
	(void)unused;
	snapshot_t *next = zonestore_resign(publish_current());
	if (next != NULL)
		zonestore_publish(next);
}

static void
control_run(control_event_t *e)
{
	switch (e->kind) {
	case CONTROL_UPDATE:
		if (control_run_update(e)) {
			/* after the reply: the client does not wait for a compaction */
			pthread_mutex_lock(&cq.lock);
			if (!cq.upkeep_queued) {
				control_event_t *u = calloc(1, sizeof(*u));
				if (u != NULL) {
					u->kind = CONTROL_UPKEEP;
					cq.upkeep_queued = true;
					control_push(u);
				}
			}
			pthread_mutex_unlock(&cq.lock);
		}
		break;
	case CONTROL_RELOAD:
		zonestore_lock();
		background_call(control_reload_bulk, e->wait);
		zonestore_unlock();
		control_wake(e->wait, e->wait->ok);
		break;
	case CONTROL_RESIGN:
		zonestore_lock();
		background_call(control_resign_bulk, NULL);
		zonestore_unlock();
		break;
	case CONTROL_TASK:
		zonestore_lock();
		e->task(e->arg, true);
		zonestore_unlock();
		break;
	case CONTROL_UPKEEP:
		pthread_mutex_lock(&cq.lock);
		cq.upkeep_queued = false;
		pthread_mutex_unlock(&cq.lock);
		zonestore_lock();
		zonestore_journal_maintain();
		zonestore_unlock();
		break;
	}
}

/* An event that will not run: an update gets no reply, a reload fails. */
static void
control_drop(control_event_t *e)
{
	if (e->kind == CONTROL_UPDATE)
		e->reply(e->arg, NULL, 0);
	else if (e->kind == CONTROL_RELOAD)
		control_wake(e->wait, false);
	else if (e->kind == CONTROL_TASK)
		e->task(e->arg, false);
}

static void
control_event_free(control_event_t *e)
{
	free(e->pkt);
	free(e);
}

/* Wait for an event; when zones signed online are due for signing again
 * (zonestore_sign_next) and nothing came meanwhile, queue a "resign" event.
 * Only this thread publishes, so reading the published snapshot here needs
 * no lock. Under cq.lock. */
static void
control_wait_or_resign(void)
{
	long long wait = zonestore_sign_next(publish_current());
	if (wait < 0) {
		pthread_cond_wait(&cq.cond, &cq.lock);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(wait > 86400 ? 86400 : wait);   /* the clock may jump: look daily */
	if (pthread_cond_timedwait(&cq.cond, &cq.lock, &ts) != ETIMEDOUT || cq.head != NULL ||
	    cq.quit || zonestore_sign_next(publish_current()) != 0)
		return;
	control_event_t *e = calloc(1, sizeof(*e));
	if (e != NULL) {
		e->kind = CONTROL_RESIGN;
		control_push(e);
	}
}

static void *
control_main(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "hz-control");
	pthread_mutex_lock(&cq.lock);
	for (;;) {
		while (cq.head == NULL && !cq.quit)
			control_wait_or_resign();
		if (cq.quit)
			break;
		control_event_t *e = cq.head;
		cq.head = e->next;
		if (cq.head == NULL)
			cq.tail = NULL;
		if (e->kind == CONTROL_UPDATE)
			cq.nupdates--;
		pthread_mutex_unlock(&cq.lock);
		control_run(e);
		control_event_free(e);
		pthread_mutex_lock(&cq.lock);
	}
	pthread_mutex_unlock(&cq.lock);
	return NULL;
}

/* A secondary zone's new data (xfr_in.h), queued as a call event. */
typedef struct control_xfrin {
	char *view, *name;
	zone_t *zone;
} control_xfrin_t;

static void
control_xfrin_run(void *arg, bool run)
{
	control_xfrin_t *p = arg;
	if (run)
		zonestore_secondary_publish(p->view, p->name, p->zone);
	zone_unref(&p->zone);
	free(p->view);
	free(p->name);
	free(p);
}

static void
control_xfrin_publish(const char *view, const char *zone, zone_t *z)
{
	control_xfrin_t *p = xcalloc(1, sizeof(*p));
	p->view = strdup(view);
	p->name = strdup(zone);
	p->zone = z;
	if (p->view == NULL || p->name == NULL)
		abort();
	if (!control_submit_call(control_xfrin_run, p))
		control_xfrin_run(p, false);
}

int
control_start(void)
{
	/* from now on journals may be written: cut torn tails before the
	 * first append, and compact what grew too large */
	zonestore_lock();
	zonestore_journal_open();
	if (notify_start() == 0)
		zonestore_notify_all();   /* as BIND at start: the secondaries look */
	zonestore_unlock();
	(void)background_start();   /* on failure the bulk work runs here, as before */
	pthread_mutex_lock(&cq.lock);
	cq.quit = false;
	int rc = pthread_create(&cq.thread, NULL, control_main, NULL);
	cq.running = rc == 0;
	pthread_mutex_unlock(&cq.lock);
	if (rc != 0) {
		log_error("control: cannot start the control thread");
		background_stop();
		return -1;
	}
	return xfrin_start(control_xfrin_publish);   /* transfers publish through this thread */
}

void
control_stop(void)
{
	xfrin_stop();
	pthread_mutex_lock(&cq.lock);
	if (!cq.running) {
		pthread_mutex_unlock(&cq.lock);
		return;
	}
	cq.quit = true;
	pthread_cond_signal(&cq.cond);
	pthread_mutex_unlock(&cq.lock);
	pthread_join(cq.thread, NULL);
	background_stop();   /* frees the retired snapshots */
	notify_stop();   /* after the last publish */
	pthread_mutex_lock(&cq.lock);
	cq.running = false;
	control_event_t *e = cq.head;
	cq.head = cq.tail = NULL;
	cq.nupdates = 0;
	cq.upkeep_queued = false;
	pthread_mutex_unlock(&cq.lock);
	while (e != NULL) {
		control_event_t *nx = e->next;
		control_drop(e);
		control_event_free(e);
		e = nx;
	}
}

bool
control_submit_call(control_call_fn fn, void *arg)
{
	return control_submit_task(fn, arg);
}

/* reload.c -- the reload thread behind SIGHUP.
 *
 * The main loop only sets a flag under a mutex and signals a condition
 * variable; the reload thread queues a reload event for the control thread
 * (control.h), which builds and publishes the new zones, and waits for it.
 * Then it applies the server settings and the router rules (nft/iptables),
 * outside the writer lock: updates never wait on an external process.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* pthread_setname_np */
#include "reload.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "control.h"
#include "log.h"
#include "nat.h"
#include "sdnotify.h"

struct reload {
	char *conf_path;
	server_t *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending;     /* under lock */
	bool quit;        /* under lock */
	unsigned long done, failed;   /* under lock */
	/* Tickets for callers that wait (horizonctl reload): each request takes
	 * the next number; a run serves every ticket taken before it started. */
	unsigned long asked, served;  /* under lock */
	pthread_cond_t finished;      /* a run ended */
	bool last_ok;                 /* under lock: the last run's result */
	time_t last_time;             /* under lock: when it ended (0: none yet) */
	double last_ms;               /* under lock: how long it took */
};

static double
reload_ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* One reload, start to end. Returns true if new data is in service. */
static bool
reload_run_once(reload_t *r)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	zonestore_reload_t res;
	if (!control_reload(r->conf_path, &res))
		return false;
	/* The zones are in service; the rest runs outside the writer lock and
	 * off the control thread, so updates never wait on it. res.conf stays
	 * valid: only a reload replaces the conf, and reloads come from here. */
	const conf_t *conf = res.conf;
	unsigned want = conf->workers;
	if (want != 0 && want != server_workers(r->srv))
		log_warning("reload: server.workers changed to %u; a restart is needed for that "
			    "(still running %u)", want, server_workers(r->srv));
	/* If the new listen sockets cannot be bound, the old set stays and the
	 * new data stays in service. */
	(void)server_reconfigure(r->srv, conf);
	/* nat.apply: the router rules follow the map (errors are logged) */
	if (conf->nat != NULL && conf->nat->apply)
		(void)nat_rules_apply(conf->nat);
	size_t nzones = conf_zone_count(conf);
	log_notice("reload: done: %zu view%s, %zu zone%s; built in %.1f ms, swapped in %.1f ms, "
		   "%.1f ms in all", conf->nviews, conf->nviews == 1 ? "" : "s", nzones,
		   nzones == 1 ? "" : "s", res.build_ms, res.swap_ms, reload_ms_since(&t0));
	return true;
}

static void *
reload_main(void *arg)
{
	reload_t *r = arg;
	pthread_setname_np(pthread_self(), "hz-reload");
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->pending && !r->quit)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->quit)
			break;
		r->pending = false;
		unsigned long serving = r->asked;
		pthread_mutex_unlock(&r->lock);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		char note[96];
		snprintf(note, sizeof(note), "RELOADING=1\nMONOTONIC_USEC=%llu",
			 (unsigned long long)t0.tv_sec * 1000000ull +
				 (unsigned long long)t0.tv_nsec / 1000u);
		sdnotify_send(note);
		bool ok = reload_run_once(r);
		sdnotify_send(ok ? "READY=1\nSTATUS=serving" : "READY=1\nSTATUS=serving; the last "
			      "reload failed, the old data stays");
		double ms = reload_ms_since(&t0);
		pthread_mutex_lock(&r->lock);
		if (ok)
			r->done++;
		else
			r->failed++;
		r->served = serving;
		r->last_ok = ok;
		r->last_time = time(NULL);
		r->last_ms = ms;
		pthread_cond_broadcast(&r->finished);
	}
	/* callers still waiting get a failure (stopping) */
	r->served = r->asked;
	r->last_ok = false;
	pthread_cond_broadcast(&r->finished);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

reload_t *
reload_new(const char *conf_path, server_t *srv)
{
	reload_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->conf_path = strdup(conf_path);
	r->srv = srv;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	pthread_cond_init(&r->finished, NULL);
	if (r->conf_path == NULL || pthread_create(&r->thread, NULL, reload_main, r) != 0) {
		log_error("reload: cannot start the reload thread");
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		pthread_cond_destroy(&r->finished);
		free(r->conf_path);
		free(r);
		return NULL;
	}
	return r;
}

void
reload_request(reload_t *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->pending)
		log_info("reload: already pending");
	r->pending = true;
	r->asked++;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

bool
reload_request_wait(reload_t *r)
{
	pthread_mutex_lock(&r->lock);
	r->pending = true;
	unsigned long ticket = ++r->asked;
	pthread_cond_signal(&r->cond);
	while (r->served < ticket && !r->quit)
		pthread_cond_wait(&r->finished, &r->lock);
	bool ok = r->served >= ticket && r->last_ok;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

void
reload_get_stats(reload_t *r, reload_stats_t *out)
{
	pthread_mutex_lock(&r->lock);
	out->done = r->done;
	out->failed = r->failed;
	out->last_ok = r->last_ok;
	out->last_time = r->last_time;
	out->last_ms = r->last_ms;
	pthread_mutex_unlock(&r->lock);
}

void
reload_free(reload_t **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	reload_t *r = *rp;
	pthread_mutex_lock(&r->lock);
	r->quit = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	pthread_cond_destroy(&r->finished);
	free(r->conf_path);
	free(r);
	*rp = NULL;
}

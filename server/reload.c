/* reload.c -- the loader thread behind SIGHUP.
 *
 * The main loop only sets a flag under a mutex and signals a condition
 * variable; the loader thread does the slow work (parsing, swapping, waiting
 * for workers to pass a quiescent point, freeing the old snapshot). Workers
 * never wait on it: publish_swap() waits for them, not the other way round.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "reload.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "diag.h"
#include "log.h"
#include "nat.h"
#include "publish.h"
#include "snapshot.h"
#include "update.h"

struct reload {
	char *conf_path;
	server_t *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending;     /* under lock */
	bool quit;        /* under lock */
	unsigned long done, failed;   /* under lock */
};

static double
reload_ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The zone with z's apex in view v (looked up in v's apex table), or NULL. */
static const zone_t *
reload_find_zone(const view_t *v, const zone_t *z)
{
	for (uint32_t k = z->apex_hash & v->zmask;; k = (k + 1) & v->zmask) {
		const zone_t *o = v->ztable[k];
		if (o == NULL)
			return NULL;
		if (o->apex_hash == z->apex_hash && o->apex_len == z->apex_len &&
		    memcmp(o->apex, z->apex, z->apex_len) == 0)
			return o;
	}
}

/* RFC 1982: is serial a newer than b? */
static bool
reload_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

typedef struct reload_counts {
	size_t kept, changed, added, removed, same_serial;
} reload_counts_t;

/* One zone of the new snapshot against the zone with its apex in the old
 * view (o, or NULL). Zones auto-ptr synthesizes are derived data: they are
 * kept while their sources are (snapshot.c), and when rebuilt they are not
 * "files changed" -- the warning about a serial belongs to the zone file they
 * come from. A configured zone that takes the place of a synthesized one (or
 * the other way round) is added (removed), not a serial change. */
static void
reload_log_zone(const view_t *ov, const zone_t *o, const view_t *nv, const zone_t *z,
		reload_counts_t *c)
{
	const char *view = nv->conf->name;
	bool synth = snapshot_zone_synthesized(nv, z);
	bool osynth = o != NULL && snapshot_zone_synthesized(ov, o);
	if (o == z) {
		c->kept++;
	} else if (o == NULL || (osynth && !synth)) {
		c->added++;
		log_notice("reload: zone %s in view %s: added, serial %" PRIu32 "%s", z->name, view,
			   z->serial, synth ? " (synthesized by auto-ptr)" : osynth
			   ? " (replaces the reverse zone auto-ptr synthesized)" : "");
	} else if (synth && !osynth) {
		c->removed++;
		log_notice("reload: zone %s in view %s: removed (was serial %" PRIu32 "); auto-ptr "
			   "synthesizes it now", z->name, view, o->serial);
	} else if (synth) {
		c->changed++;
		log_info("reload: zone %s in view %s: synthesized again by auto-ptr, serial %" PRIu32,
			 z->name, view, z->serial);
	} else if (o->serial == z->serial) {
		c->changed++;
		c->same_serial++;
		log_warning("reload: zone %s in view %s: files changed but the serial is still %"
			    PRIu32 "; secondaries would not notice", z->name, view, z->serial);
	} else if (reload_serial_newer(o->serial, z->serial)) {
		c->changed++;
		log_warning("reload: zone %s in view %s: serial went backwards, %" PRIu32 " -> %"
			    PRIu32 "; secondaries would keep the old data", z->name, view, o->serial,
			    z->serial);
	} else {
		c->changed++;
		log_notice("reload: zone %s in view %s: serial %" PRIu32 " -> %" PRIu32,
			   z->name, view, o->serial, z->serial);
	}
}

/* Log what a reload changed, zone by zone (matched by view name and zone
 * apex): the old and new SOA serial of every zone that was parsed again, a
 * warning when its files changed but its serial did not or went backwards
 * (secondaries that poll the SOA would keep the old data), added and removed
 * zones, and one count for the zones taken over unchanged. Runs on the
 * loader thread while it still owns old, so reading both snapshots needs no
 * care. */
static void
reload_log_zones(const snapshot_t *old, const snapshot_t *next)
{
	reload_counts_t c = { 0 };
	for (size_t v = 0; v < next->nviews; v++) {
		const view_t *nv = &next->views[v];
		const view_t *ov = snapshot_find_view(old, nv->conf->name);
		for (size_t i = 0; i < nv->nzones; i++) {
			const zone_t *z = nv->zones[i];
			reload_log_zone(ov, ov != NULL ? reload_find_zone(ov, z) : NULL, nv, z, &c);
		}
	}
	for (size_t v = 0; old != NULL && v < old->nviews; v++) {
		const view_t *ov = &old->views[v];
		const view_t *nv = snapshot_find_view(next, ov->conf->name);
		for (size_t i = 0; i < ov->nzones; i++) {
			const zone_t *o = ov->zones[i];
			if (nv == NULL || reload_find_zone(nv, o) == NULL) {
				c.removed++;
				log_notice("reload: zone %s in view %s: removed (was serial %" PRIu32 "%s)",
					   o->name, ov->conf->name, o->serial,
					   snapshot_zone_synthesized(ov, o) ? ", synthesized by auto-ptr" : "");
			}
		}
	}
	log_notice("reload: zones: %zu unchanged (kept, not parsed), %zu reloaded (%zu with an "
		   "unchanged serial), %zu added, %zu removed", c.kept, c.changed, c.same_serial,
		   c.added, c.removed);
}

/* One reload, start to end. Returns true if new data is in service. */
static bool
reload_run_once(reload_t *r)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_notice("reload: loading %s", r->conf_path);

	diag_t diag = { 0 };
	/* Only this thread swaps, so the current snapshot stays alive (and
	 * current) until our own publish_swap() below. */
	const snapshot_t *cur = publish_current();
	snapshot_t *next = snapshot_build(r->conf_path, cur, &diag);
	if (next == NULL) {
		log_error("reload failed (%u error%s), keeping the old data",
			  diag.errors, diag.errors == 1 ? "" : "s");
		return false;
	}
	double build_ms = reload_ms_since(&t0);
	const conf_t *conf = snapshot_conf(next);
	unsigned want = conf->workers;
	if (want != 0 && want != server_workers(r->srv))
		log_warning("reload: server.workers changed to %u; a restart is needed for that "
			    "(still running %u)", want, server_workers(r->srv));
	/* Listen sockets first: if the new ones cannot be bound, the old set
	 * stays and the new data still goes into service. */
	(void)server_reconfigure(r->srv, conf);
	/* nat.apply: the router rules follow the map (errors are logged) */
	if (conf->nat != NULL && conf->nat->apply)
		(void)nat_rules_apply(conf->nat);

	snapshot_t *old = publish_swap(next);
	double swap_ms = reload_ms_since(&t0) - build_ms;
	reload_log_zones(old, next);
	snapshot_free(&old);
	size_t nzones = conf_zone_count(conf);
	log_notice("reload: done: %zu view%s, %zu zone%s; built in %.1f ms, swapped in %.1f ms, "
		   "%.1f ms in all", conf->nviews, conf->nviews == 1 ? "" : "s", nzones,
		   nzones == 1 ? "" : "s", build_ms, swap_ms, reload_ms_since(&t0));
	return true;
}

static void *
reload_main(void *arg)
{
	reload_t *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->pending && !r->quit)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->quit)
			break;
		r->pending = false;
		pthread_mutex_unlock(&r->lock);
		update_writer_lock();   /* never interleave with a dynamic update */
		bool ok = reload_run_once(r);
		update_writer_unlock();
		pthread_mutex_lock(&r->lock);
		if (ok)
			r->done++;
		else
			r->failed++;
	}
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
	if (r->conf_path == NULL || pthread_create(&r->thread, NULL, reload_main, r) != 0) {
		log_error("reload: cannot start the loader thread");
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
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
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void
reload_get_stats(reload_t *r, reload_stats_t *out)
{
	pthread_mutex_lock(&r->lock);
	out->done = r->done;
	out->failed = r->failed;
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
	free(r->conf_path);
	free(r);
	*rp = NULL;
}

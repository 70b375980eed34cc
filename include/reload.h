/* reload.h -- SIGHUP: queue a reload event, then apply what lies outside the
 * zone store.
 *
 * One reload thread per server waits for requests. A request queues a reload
 * event on the control thread (control_reload), which builds a new snapshot
 * beside the published one (zonestore_reload: unchanged zones are shared),
 * publishes it and logs what changed, under the writer lock; the reload
 * thread waits for that, then applies the server settings
 * (server_reconfigure) and the router rules (nat.apply) outside the lock
 * and logs "reload: done". On failure every error is logged as FILE:LINE,
 * the old snapshot stays in service, and the failure is counted. Requests
 * that arrive while a reload runs collapse into one more reload afterwards
 * (a pending flag, not a queue).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_RELOAD_H
#define HZ_RELOAD_H

#include <stdbool.h>
#include <time.h>

#include "server.h"

typedef struct reload reload_t;

/* Start the reload thread (the control thread must run when a request
 * comes). conf_path is copied; srv must outlive the
 * reload_t. Returns NULL on failure (logged). */
reload_t *reload_new(const char *conf_path, server_t *srv);

/* Ask for a reload; returns at once. Safe from the main event loop (not from
 * a signal handler). */
void reload_request(reload_t *r);

/* Ask for a reload and wait until a reload that started after the request
 * has ended (horizonctl reload). Returns true if it put new data in
 * service; false if it failed or the server is stopping. Not from the
 * control thread or the main loop. */
bool reload_request_wait(reload_t *r);

/* Counters since reload_new(). */
typedef struct reload_stats {
	unsigned long done;      /* reloads that swapped in new data */
	unsigned long failed;    /* reloads that kept the old data */
	bool last_ok;            /* the last reload's result */
	time_t last_time;        /* when it ended; 0: no reload yet */
	double last_ms;          /* how long it took, ms */
} reload_stats_t;
void reload_get_stats(reload_t *r, reload_stats_t *out);

/* Wait for a reload in progress to finish (a pending one is dropped), stop
 * the thread and release; clears *r. Accepts NULL. */
void reload_free(reload_t **r);

#endif

/* metrics.h -- the server's counters in Prometheus text format.
 *
 * One renderer serves both `GET /metrics` (server.metrics, an evhttp server
 * on its own thread) and `horizonctl stats`. The counters themselves stay
 * where they are counted (per-worker network counters in server.c, the
 * caches' own, the reload thread's); metrics_collect() reads them, racy but
 * fine (relaxed loads), under the zone store's writer lock for the snapshot.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_METRICS_H
#define HZ_METRICS_H

#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "reload.h"
#include "server.h"
#include "snapshot.h"

/* What one scrape shows. */
typedef struct metrics_input {
	const server_stats_t *net;      /* summed over workers */
	const reload_stats_t *reload;
	unsigned long long updates_accepted;   /* control_get_stats */
	unsigned long long updates_refused;    /* the control thread's and the workers' */
	const snapshot_t *snap;         /* views, zones, caches (held stable by the caller) */
	/* forwarder counters by view slot, [FORWARD_STAT_VIEWS + 1] (forward.h);
	 * NULL: none shown */
	const struct forward_stats *fwd;
	const struct xfr_stats *xfr;    /* transfers and NOTIFY (xfr_stats.h); NULL: none shown */
	double uptime_s;
} metrics_input_t;

/* Write the exposition text (format 0.0.4) to out: every family has HELP
 * and TYPE lines, label values are escaped. */
void metrics_render(FILE *out, const metrics_input_t *in);

/* Collect from the running server (started: CLOCK_MONOTONIC at start) and
 * render: takes the writer lock around the snapshot's part. Any thread but
 * the control thread. Returns a malloc'd string (the caller frees) or NULL
 * (out of memory). */
char *metrics_text(server_t *srv, reload_t *reload, const struct timespec *started);

/* Seconds on CLOCK_MONOTONIC since t0. */
double metrics_seconds_since(const struct timespec *t0);

/* Bind http://addr/metrics for metrics_text() (evhttp; text is the address
 * as written, for the log); metrics_http_start() serves it on its own
 * thread. Returns NULL if the address cannot be bound (logged). srv and started
 * must outlive it. */
typedef struct metrics_http metrics_http_t;
metrics_http_t *metrics_http_new(const struct sockaddr *addr, const char *text, server_t *srv,
				 const struct timespec *started);
/* Start the thread; reload must outlive m. Returns 0, or -1 (logged). */
int metrics_http_start(metrics_http_t *m, reload_t *reload);
/* Stop the thread and release; clears *m. Accepts NULL. */
void metrics_http_free(metrics_http_t **m);

#endif

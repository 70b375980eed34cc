/* xfr_stats.h -- counters of zone transfers (out and in) and NOTIFY out,
 * for the metrics (metrics.c). Transfers and NOTIFYs run on the workers'
 * TCP path, the transfer threads and the NOTIFY thread, never on the query
 * path, so these are process-wide atomics.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_XFR_STATS_H
#define HZ_XFR_STATS_H

typedef enum { XFR_STAT_OUT, XFR_STAT_IN, XFR_STAT_DIRS } xfr_stat_dir_t;
typedef enum { XFR_STAT_AXFR, XFR_STAT_IXFR, XFR_STAT_TYPES } xfr_stat_type_t;
/* done: the zone went over in full; refused: REFUSED or NOTAUTH (we refused
 * the client, or the primary refused us); failed: anything else (SERVFAIL,
 * an aborted or unusable transfer, a network error) */
typedef enum { XFR_STAT_DONE, XFR_STAT_REFUSED, XFR_STAT_FAILED, XFR_STAT_RESULTS } xfr_stat_result_t;
/* sent: a NOTIFY to one target (retries not counted again); answered: the
 * target acknowledged it; failed: no answer after every try */
typedef enum { NOTIFY_STAT_SENT, NOTIFY_STAT_ANSWERED, NOTIFY_STAT_FAILED, NOTIFY_STAT_RESULTS } notify_stat_t;

typedef struct xfr_stats {
	unsigned long long xfr[XFR_STAT_DIRS][XFR_STAT_TYPES][XFR_STAT_RESULTS];
	unsigned long long notify[NOTIFY_STAT_RESULTS];
} xfr_stats_t;

/* Count one transfer (any thread). */
void xfr_stats_count(xfr_stat_dir_t dir, xfr_stat_type_t type, xfr_stat_result_t result);

/* Count one NOTIFY event (any thread). */
void xfr_stats_notify(notify_stat_t what);

/* The counts so far (any thread). */
void xfr_stats_get(xfr_stats_t *out);

#endif

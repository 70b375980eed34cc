/* xfr_stats.c -- transfer and NOTIFY counters (xfr_stats.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "xfr_stats.h"

#include <stdatomic.h>

static _Atomic unsigned long long xfr_counts[XFR_STAT_DIRS][XFR_STAT_TYPES][XFR_STAT_RESULTS];
static _Atomic unsigned long long notify_counts[NOTIFY_STAT_RESULTS];

void
xfr_stats_count(xfr_stat_dir_t dir, xfr_stat_type_t type, xfr_stat_result_t result)
{
	atomic_fetch_add_explicit(&xfr_counts[dir][type][result], 1, memory_order_relaxed);
}

void
xfr_stats_notify(notify_stat_t what)
{
	atomic_fetch_add_explicit(&notify_counts[what], 1, memory_order_relaxed);
}

void
xfr_stats_get(xfr_stats_t *out)
{
	for (unsigned d = 0; d < XFR_STAT_DIRS; d++)
		for (unsigned t = 0; t < XFR_STAT_TYPES; t++)
			for (unsigned r = 0; r < XFR_STAT_RESULTS; r++)
				out->xfr[d][t][r] = atomic_load_explicit(&xfr_counts[d][t][r],
									 memory_order_relaxed);
	for (unsigned k = 0; k < NOTIFY_STAT_RESULTS; k++)
		out->notify[k] = atomic_load_explicit(&notify_counts[k], memory_order_relaxed);
}

/* snapshot.h -- the served world: config, ACLs, views and their zones.
 *
 * A snapshot is built from a config file in one go, away from the query
 * loop, and never changes after it is published. Workers read it without
 * locks. A reload builds a new one beside the old and swaps a pointer
 * (see reload.h). Zones whose files did not change are shared with the
 * previous snapshot instead of being parsed again (zones are refcounted).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_SNAPSHOT_H
#define HZ_SNAPSHOT_H

#include "conf.h"
#include "diag.h"

typedef struct snapshot snapshot_t;

/* Load the config at path and every zone it names; report every problem
 * through d. prev (may be NULL) lends unchanged zones. Returns NULL if
 * anything failed. The caller owns the result. */
snapshot_t *snapshot_build(const char *conf_path, const snapshot_t *prev, diag_t *d);

/* Release; clears *s. Accepts NULL. */
void snapshot_free(snapshot_t **s);

const conf_t *snapshot_conf(const snapshot_t *s);

/* Warnings that need zone data: a private address (RFC 1918, ULA) in a view
 * whose match-clients reaches public addresses. */
void snapshot_check(const snapshot_t *s, diag_t *d);

#endif

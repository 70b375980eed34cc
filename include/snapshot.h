/* snapshot.h -- the served world: config, ACLs, views and their zones.
 *
 * A snapshot is assembled in one go by the zone store (zonestore.h), away
 * from the query loop, and never changes after it is published. Workers read
 * it without locks. A reload builds a new one beside the old and swaps a
 * pointer. Zones are refcounted handles of the zone store: a zone whose
 * files did not change is shared with the previous snapshot instead of
 * being parsed again. This module reads no file and publishes nothing.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_SNAPSHOT_H
#define HZ_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "diag.h"
#include "zone.h"

/* A view as the query path sees it. */
typedef struct view {
	const conf_view_t *conf;
	/* references held by the snapshot: zones[i] for conf->zones[i], then
	 * (i >= conf->nzones) the reverse zones synthesized for auto-ptr */
	zone_t **zones;
	size_t nzones;
	zone_t **ztable;           /* zones by apex hash, open addressing */
	uint32_t zmask;
	uint64_t apex_labels[2];   /* bit n: some zone apex has n labels */
	struct cache *cache;       /* recursive views: the view's own cache (a reference) */
} view_t;

/* A CHAOS-class answer (version.bind and friends). */
typedef struct chaos_answer {
	const uint8_t *name;       /* lower-case wire */
	answer_t ans;
} chaos_answer_t;

typedef struct snapshot {
	conf_t *conf;
	view_t *views;
	size_t nviews;
	uint16_t edns_size;        /* what we advertise and accept at most */
	chaos_answer_t chaos[4];
	unsigned nchaos;
	struct arena *arena;       /* views, tables; zones are refcounted apart */
	/* conf belongs to a newer snapshot (snapshot_conf_handed_on): not freed
	 * with this one. Read only by snapshot_free, never by a worker. */
	bool conf_handed_on;
} snapshot_t;

/* The deepest zone of the view that holds the name whose lower-case labels
 * (lower_len bytes) are at lower+offs[i] with suffix hashes (see dname.h); sets *label to the
 * index of the apex's first label. Suffixes shorter than label index
 * `first` are skipped (0: the whole name). NULL: no zone. */
static inline const zone_t *
view_find_zone(const view_t *v, const uint8_t *lower, unsigned lower_len,
	       const uint8_t *offs, unsigned nlabels, const uint32_t *hashes,
	       unsigned first, unsigned *label)
{
	/* a view without zones (a recursive one that only forwards) walks no
	 * label: the walk was a twentieth of a cache hit
	 * (bench/server_callgrind.sh, HZ_CG_MODE=cache) */
	if ((v->apex_labels[0] | v->apex_labels[1]) == 0)
		return NULL;
	for (unsigned i = first; i <= nlabels; i++) {
		unsigned n = nlabels - i;
		if (!(v->apex_labels[n >> 6] >> (n & 63) & 1))
			continue;
		const uint8_t *name = i < nlabels ? lower + offs[i] : lower + lower_len - 1;
		for (uint32_t k = hashes[i] & v->zmask;; k = (k + 1) & v->zmask) {
			const zone_t *z = v->ztable[k];
			if (z == NULL)
				break;
			if (z->apex_hash == hashes[i] && z->apex_labels == n) {
				if (memcmp(z->apex, name, z->apex_len) == 0) {
					*label = i;
					return z;
				}
			}
		}
	}
	return NULL;
}

/* --- assembling (the zone store's side: zonestore.h builds and publishes) -- */

/* A snapshot of conf (taken over: snapshot_free frees it) whose views have
 * no zones yet. */
snapshot_t *snapshot_new(conf_t *conf);

/* Append n zones to view v of s (the references are taken over; NULL
 * entries, for zones that failed to load, only until the snapshot is
 * freed). The configured zones come first, in conf order, then the reverse
 * zones synthesized for auto-ptr. */
void snapshot_view_add_zones(snapshot_t *s, view_t *v, zone_t *const *zones, size_t n);

/* The synthesized reverse zones of prev (the same view in the previous
 * snapshot, or NULL) if they are still what auto-ptr would build for v: they
 * depend only on the view's name and configured zones, so they are if every
 * configured zone is the very same zone_t with the same auto-ptr setting.
 * Then a reload keeps them (and logs nothing for them) instead of building
 * equal copies. Appends new references to v; returns false otherwise. */
bool snapshot_view_keep_synthesized(snapshot_t *s, view_t *v, const view_t *prev);

/* Done adding zones: the apex tables, the caches of recursive views (prev's
 * for the view of the same name if its forwarders and cache settings are the
 * same) and the CHAOS answers. false (reported as conf_path:LINE): a cache
 * could not be allocated; the caller frees s. */
bool snapshot_finish(snapshot_t *s, const snapshot_t *prev, const char *conf_path, diag_t *d);

/* A copy of old in which every view that holds old_zone holds new_zone
 * instead (a new reference); all other zones are shared. The views that
 * hold new_zone have no synthesized zones in the copy (the zone store builds
 * them again from the new records); then snapshot_index() the copy. The
 * copy shares old's conf: snapshot_conf_handed_on(old) once the copy is
 * published (or kept instead of old). For dynamic updates. */
snapshot_t *snapshot_replace_zone(const snapshot_t *old, const zone_t *old_zone,
				  zone_t *new_zone);

/* Does v serve z as one of its configured zones? */
bool snapshot_view_holds(const view_t *v, const zone_t *z);

/* (Re)build every view's apex table (after snapshot_replace_zone). */
void snapshot_index(snapshot_t *s);

/* s's conf goes on in a newer snapshot (snapshot_replace_zone's copy):
 * snapshot_free(s) leaves it. Writes nothing a worker reads, so it may be
 * called on a snapshot just swapped out while workers still answer from it
 * (s->conf stays valid for them). */
void snapshot_conf_handed_on(snapshot_t *s);

/* Release; clears *s. Accepts NULL. */
void snapshot_free(snapshot_t **s);

const conf_t *snapshot_conf(const snapshot_t *s);

/* The view called name, or NULL (also when s is NULL). */
const view_t *snapshot_find_view(const snapshot_t *s, const char *name);

/* Is z one of the reverse zones auto-ptr synthesized for v (not a zone of
 * the configuration)? */
bool snapshot_zone_synthesized(const view_t *v, const zone_t *z);

/* Warnings that need zone data: a private address (RFC 1918, ULA) in a view
 * whose match-clients reaches public addresses. */
void snapshot_check(const snapshot_t *s, diag_t *d);

#endif

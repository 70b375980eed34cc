/* autoptr.h -- auto-ptr: reverse zones synthesized from A/AAAA records.
 *
 * DESIGN. A zone with `auto-ptr: yes` lends its addresses to reverse zones
 * its view serves: one zone per IPv4 /24 and IPv6 /64 that holds an address,
 * with the source zone's SOA and apex NS at the reverse apex and one PTR per
 * (address, name). Names under a zone the view configures itself are left to
 * that zone; wildcards have no single name to point at and are skipped.
 * The module is pure: records in, zones out (signing, when the source zone
 * is signed online, is the zone store's build callback). The zone store (zonestore.h)
 * hands it the records its zones are served from and decides when to build
 * again (a reload keeps the zones while their sources are the same zone_t;
 * an update of a source zone builds the view's reverse zones again).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_AUTOPTR_H
#define HZ_AUTOPTR_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "snapshot.h"
#include "zone.h"
#include "zonefile.h"

/* The reverse zones of view v. v->zones[0..conf->nzones) must be loaded;
 * records[i] holds the records zone i is served from (read for the view's
 * auto-ptr zones only; NULL: none). *out is a malloc'ed array of new
 * references (NULL if none); returns how many. Zones that cannot be built
 * are reported through d and left out. */
size_t autoptr_build(const view_t *v, const zonefile_t *const *records, zone_t ***out,
		     diag_t *d);

/* As autoptr_build, each zone compiled by build (NULL: zone_build) from its
 * records zf (which build must not keep) and the config of the auto-ptr
 * zone whose SOA it carries, src: the zone store signs the reverse zones of
 * a zone signed online (docs/dnssec.md). */
typedef zone_t *(*autoptr_build_fn)(const conf_zone_t *src, const zonefile_t *zf, void *arg,
				    diag_t *d);
size_t autoptr_build_with(const view_t *v, const zonefile_t *const *records,
			  autoptr_build_fn build, void *arg, zone_t ***out, diag_t *d);

/* The records of the reverse zone that autoptr_build builds for v at apex
 * (lower-case wire name), or NULL if there is none. The caller frees the
 * result (zonefile_free); it does not point into records. */
zonefile_t *autoptr_records(const view_t *v, const zonefile_t *const *records,
			    const uint8_t *apex);

#endif

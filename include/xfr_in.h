/* xfr_in.h -- secondary zones: zone transfers in (RFC 1995, 5936) and
 * NOTIFY in (RFC 1996).
 *
 * DESIGN. Every secondary zone (a zone with primaries:) of every view has
 * an entry here, keyed by (view, zone): views never share a transferred
 * copy. The entry holds the zone being served (the kept copy, or an expired
 * placeholder until the first transfer) and the SOA timers. Four transfer
 * threads, never a worker, do the network work with blocking TCP sockets
 * and timeouts, one zone each at a time (a silent primary holds one thread,
 * not every refresh); stopping shuts their sockets down: the SOA query, then IXFR (when a copy is held) with AXFR as
 * the fallback, TSIG-signed and checked on every message when the zone has
 * a transfer-key. A new copy is written atomically (temp file, fsync,
 * rename), parsed and built on that thread; the control thread then only
 * swaps it in (xfrin_publish_fn: zonestore_secondary_publish, under the
 * writer lock).
 * Expiry (SOA expire without a successful refresh) publishes the zone
 * marked expired: queries get SERVFAIL, as BIND does.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_XFR_IN_H
#define HZ_XFR_IN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "conf.h"
#include "diag.h"
#include "zone.h"

/* The zone to serve for the secondary zone cz (zonestore_build): the
 * current copy, else the kept copy read from cz->path, else an expired
 * placeholder (SERVFAIL until the first transfer). Registers or updates
 * the entry (primaries, key). A new reference, or NULL (reported: the kept
 * copy is broken). Under the writer lock, or single-threaded. */
zone_t *xfrin_zone_get(const conf_zone_t *cz, diag_t *d);

/* A new configuration was built: secondary zones that it no longer has
 * (by view and zone name) stop refreshing; the others go on. */
void xfrin_retain(const conf_t *c);

/* The control thread published z for (view, zone): the entry serves it
 * from now on (a new reference is taken). Under the writer lock. */
void xfrin_zone_set(const char *view, const char *zone, zone_t *z);

/* A NOTIFY for zone from src: every secondary copy of zone, in any view,
 * that has src's address among its primaries refreshes now (a primary
 * notifies once, from one address, whatever view that address selects;
 * each copy's SOA query is signed with its own key, so a NOTIFY only
 * makes it look). Returns true if any did; false: src is no primary of
 * the zone (the caller refuses). Any thread; takes the module's mutex
 * (NOTIFY is not the query path). */
bool xfrin_notify(const char *zone, const struct sockaddr *src);

/* A NOTIFY for the secondary zone of view that its allow-notify lets in
 * (the caller checked the address and key): that copy refreshes now.
 * Returns false if view has no such copy. Any thread; the module's mutex. */
bool xfrin_notify_allowed(const char *view, const char *zone);

/* How a new zone (a transfer, an expiry) goes into service: called on the
 * transfer thread with a new reference to z, which the callee takes over;
 * the control thread gives this (control.c: zonestore_secondary_publish
 * under the writer lock), so this module calls nothing above it. */
typedef void (*xfrin_publish_fn)(const char *view, const char *zone, zone_t *z);

/* Start / stop the transfer threads (stop cuts the transfers under way
 * short). Safe to call stop without start. */
int xfrin_start(xfrin_publish_fn publish);
void xfrin_stop(void);

/* Free every entry (at exit, after the last snapshot). */
void xfrin_shutdown(void);

#endif

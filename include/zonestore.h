/* zonestore.h -- the zone store: every zone, the journals, the one writer.
 *
 * DESIGN. The zone store owns the zones the server serves: zones served as
 * their files say, NAT-translated ones (nat.h), "managed" zones (allow-update,
 * auto-ptr, or a journal beside the file) whose records are file + compacted
 * state + journal, and the reverse zones auto-ptr synthesizes (autoptr.h).
 * It builds snapshots from them (zonestore_build: startup, --check, every
 * reload; snapshot.c only assembles the views), appends every applied update
 * to its zone's journal and compacts journals into server.state-dir
 * (journal.h), and it alone publishes: zonestore_publish() is the only
 * caller of publish_exchange(); the snapshot it replaces goes to the
 * background thread, freed once no worker can see it (background.h).
 *
 * Zones are immutable and refcounted. A managed zone is kept in a registry,
 * keyed by (zone name, file path), next to the records it was built from,
 * so that an update (update.h: records in, changeset out) edits those and
 * builds a new zone, and a reload reuses the zone while its file is
 * unchanged. Each replayed or applied change costs the records of its name,
 * not the zone. Journals are written only once the control thread runs
 * (zonestore_journal_open): a tail a crash left is cut before the first
 * append.
 *
 * Writers hold the writer lock (zonestore_lock): the control thread
 * (control.h) takes it around each zone event, so updates, reloads and
 * journal upkeep never interleave. External commands (nat.apply, new listen
 * sockets) run outside it, on the reload thread (reload.h). Workers never
 * take it: they read the published snapshot (publish.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ZONESTORE_H
#define HZ_ZONESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "diag.h"
#include "query.h"
#include "snapshot.h"
#include "zone.h"
#include "zonefile.h"

/* --- building snapshots ------------------------------------------------------ */

/* Load the config at path and every zone it names; report every problem
 * through d. prev (may be NULL) lends unchanged zones (and its caches and
 * auto-ptr zones where they still fit). Returns NULL if anything failed.
 * The caller owns the result. Single writer: the control thread, or a
 * caller no control thread runs beside (startup, --check, tests). */
snapshot_t *zonestore_build(const char *conf_path, const snapshot_t *prev, diag_t *d);

/* Is this zone loaded through the registry (allow-update, auto-ptr, or a
 * journal exists beside the file)? */
bool zonestore_zone_managed(const conf_zone_t *cz);

/* A managed zone from file + compacted state + journal (or the registry's
 * copy if its files did not change since); a new reference, or NULL with the
 * errors reported. */
zone_t *zonestore_zone_load(const conf_zone_t *cz, diag_t *d);

/* --- for --dump-view: the records a zone is served from ------------------- */

/* A managed zone's records now: file + journal + updates since (the zone
 * must have been loaded by zonestore_build). NULL if it is not loaded.
 * Borrowed from the registry: valid until the zone changes (an update or a
 * reload) or zonestore_shutdown(); for single-threaded callers. */
const zonefile_t *zonestore_zone_records(const conf_zone_t *cz);

/* The records of the reverse zone auto-ptr synthesizes for view v at apex
 * (lower-case wire name); NULL if there is none. The caller frees the result
 * (zonefile_free). */
zonefile_t *zonestore_autoptr_records(const view_t *v, const uint8_t *apex);

/* The records view v serves for its zone v->zones[i] now (what --dump-view
 * prints): the registry's for a managed zone (borrowed, as above), else a
 * fresh copy in *own that the caller frees (the file read again, NAT
 * translation applied, or the synthesized reverse zone). NULL: cannot be
 * read (reported through d). For the control thread (writer lock held) or a
 * single-threaded caller. */
const zonefile_t *zonestore_view_records(const snapshot_t *s, const view_t *v, size_t i,
					 zonefile_t **own, diag_t *d);

/* What a transfer sends and --dump-view prints: zonestore_view_records, and
 * for a zone signed online the signed records the served zone was built
 * from (zone_t.signed_records, borrowed: valid while s holds the zone; *own
 * NULL), so the RRSIGs are the ones queries are answered with, the same for
 * every call at one serial. NULL: cannot be read (reported through d). Same
 * callers as above. */
const zonefile_t *zonestore_served_records(const snapshot_t *s, const view_t *v, size_t i,
					   zonefile_t **own, diag_t *d);

/* --- online signing (dnssec_sign.h) ---------------------------------------- */

/* Is zone z signed online and due for signing again (half its signatures'
 * validity gone, or a key roll step reached)? A reload then builds it
 * again; the control thread's "resign" event runs such a reload. */
bool zonestore_sign_due(const zone_t *z);

/* Seconds until a zone of s is due for signing again (0: now), -1 if no
 * zone is signed online. */
long long zonestore_sign_next(const snapshot_t *s);

/* The "resign" event: a copy of snap in which every zone due for signing
 * is signed again (the others shared, as for an update), or NULL if none
 * was due. Publish it like an update's snapshot. A zone that fails keeps
 * its signatures and is tried again an hour later (logged). The caller
 * holds the writer lock. */
snapshot_t *zonestore_resign(const snapshot_t *snap);

/* Tests: add offset seconds to the clock the signer uses. */
void zonestore_set_sign_clock(long long offset);

/* --check and --dump-view: zones signed online are served with the serial
 * a restart would give them, but it is not kept (see zonestore.c). */
void zonestore_set_serials_readonly(bool readonly);

/* --- the writer side ------------------------------------------------------------ */

/* The writer lock: held around every change of zones and of the published
 * snapshot. */
void zonestore_lock(void);
void zonestore_unlock(void);

/* Handle one UPDATE against snap (update.h does the RFC 2136 part). The
 * reply goes to out (outmax >= 512); returns its length (0: no reply). If
 * the zone changed, the change is in the journal and *next is the snapshot
 * to publish (it shares snap's conf; zonestore_publish knows). The caller
 * holds the writer lock. */
size_t zonestore_update(const snapshot_t *snap, const uint8_t *pkt, size_t len,
			const query_src_t *from, uint8_t *out, size_t outmax, snapshot_t **next);

/* The one publish call: install next (taken over), wait until no worker
 * can see the old snapshot, free it (its conf too, unless next shares it).
 * The caller holds the writer lock. */
void zonestore_publish(snapshot_t *next);

/* What a reload did, for the reload thread's log line. */
typedef struct zonestore_reload {
	const conf_t *conf;   /* the published conf: valid until the next reload */
	double build_ms;      /* from the event's start to a built snapshot */
	double swap_ms;       /* publish_exchange() and the NOTIFY hand-off (the old
	                         snapshot is freed later, on the background thread) */
} zonestore_reload_t;

/* A reload event: build a new snapshot from conf_path beside the published
 * one (unchanged zones shared), publish it and log what changed, zone by
 * zone. On failure every error is logged as FILE:LINE and the old snapshot
 * stays. The caller holds the writer lock. Returns true if new data is in
 * service (*out filled). */
bool zonestore_reload(const char *conf_path, zonestore_reload_t *out);

/* From now on journals may be written: cut torn tails, and compact what
 * grew too large. The caller holds the writer lock. */
void zonestore_journal_open(void);

/* Journal upkeep for every managed zone: cut what a crash left after the
 * last commit, and compact a journal that grew past its bound (larger than
 * the zone file and the compacted state together, and than 64 KiB): the
 * zone's difference from its file goes into "<server.state-dir>/<zone>.
 * <hash>.state" and the journal starts anew (journal.h). The caller holds
 * the writer lock. */
void zonestore_journal_maintain(void);

/* Tests: compact past min_bytes instead of 64 KiB (<= 0: the default), and
 * stop a compaction after step stop_after (1..3, see journal_compact) as a
 * crash would; 0: complete. */
void zonestore_set_compaction(long long min_bytes, int stop_after);

/* A secondary zone's new data (a transfer, or expiry: xfr_in.h) into
 * service: the published snapshot with z in place of the zone (view, zone)
 * serves now. Nothing happens if the view no longer has that secondary
 * zone. The caller holds the writer lock (the control thread). */
void zonestore_secondary_publish(const char *view, const char *zone, zone_t *z);

/* NOTIFY every zone with notify targets (notify.h) at its current serial:
 * at start. The caller holds the writer lock. Every publish later notifies
 * the zones whose serial changed. */
void zonestore_notify_all(void);

/* Free the registry (at exit, after the last snapshot is freed); journals
 * are read-only again. */
void zonestore_shutdown(void);

#endif

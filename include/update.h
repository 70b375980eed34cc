/* update.h -- dynamic updates (RFC 2136) with TSIG, a journal, auto-PTR.
 *
 * DESIGN. Zones stay immutable. Zones that allow updates (or have auto-ptr,
 * or a journal beside their file) are "managed": the update module keeps
 * their source records (a zonefile_t: file + journal + updates since) in a
 * registry keyed by (zone name, file path), next to the zone_t built from
 * them. snapshot_build() gets such zones from update_zone_load(), which
 * reuses the registry's zone while the file is unchanged and otherwise reads
 * the file again and replays the compacted state and the journal on top
 * (journal.h); each replayed change costs the records of its name, not the
 * zone. The journal is written only while the update service runs
 * (update_start): a tail a crash left is cut before the first append, and a
 * journal past its bound is compacted into server.state-dir.
 *
 * An UPDATE message never touches the query path: the network layer hands
 * it to update_submit() (a queue) and goes on. One update thread takes the
 * messages in order, holds the writer lock (the reload loader takes it too,
 * so updates and reloads never interleave), and for each: picks the view of
 * the client's address, checks TSIG and allow-update, evaluates the
 * prerequisites and applies the update section to a copy of the records,
 * builds a new zone_t, appends the change to the journal (fsync), builds a
 * snapshot that shares every other zone (snapshot_replace_zone) and
 * publishes it. Only then is the reply sent, through the callback the
 * network layer gave: the update is visible to the next query when the
 * client learns it succeeded.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_UPDATE_H
#define HZ_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "diag.h"
#include "query.h"
#include "snapshot.h"
#include "zone.h"
#include "zonefile.h"

/* DNS rcodes of RFC 2136. */
enum {
	UPDATE_NOERROR = 0, UPDATE_FORMERR = 1, UPDATE_SERVFAIL = 2, UPDATE_NXDOMAIN = 3,
	UPDATE_NOTIMP = 4, UPDATE_REFUSED = 5, UPDATE_YXDOMAIN = 6, UPDATE_YXRRSET = 7,
	UPDATE_NXRRSET = 8, UPDATE_NOTAUTH = 9, UPDATE_NOTZONE = 10,
};

/* --- for snapshot.c ------------------------------------------------------ */

/* Load this zone through the registry (allow-update, auto-ptr, or a journal
 * exists beside the file)? */
bool update_zone_managed(const conf_zone_t *cz);

/* The zone from file + journal (or the registry's copy if the file did not
 * change since); a new reference, or NULL with the errors reported. */
zone_t *update_zone_load(const conf_zone_t *cz, diag_t *d);

/* Reverse zones for the view's auto-ptr zones (view->zones[0..conf->nzones)
 * must be loaded): one per IPv4 /24 and IPv6 /64 holding an A/AAAA record,
 * except names under a zone the view has configured. *out is a malloc'ed
 * array of new references; returns how many. */
size_t update_autoptr_build(const view_t *v, zone_t ***out, diag_t *d);

/* --- for --dump-view: the records a zone is served from ------------------- */

/* A managed zone's records now: file + journal + updates since (the zone
 * must have been loaded with update_zone_load). NULL if it is not loaded.
 * Borrowed from the registry: valid until the zone changes (an update or a
 * reload) or update_shutdown(); for single-threaded callers. */
const zonefile_t *update_zone_records(const conf_zone_t *cz);

/* The records of the reverse zone that auto-ptr synthesizes for view v at
 * apex (lower-case wire name), as update_autoptr_build builds it; NULL if
 * there is none. The caller frees the result (zonefile_free). */
zonefile_t *update_autoptr_records(const view_t *v, const uint8_t *apex);

/* --- the update path ------------------------------------------------------ */

/* Opcode UPDATE and not a response: goes to update_submit(). */
static inline bool
update_is_update(const uint8_t *pkt, size_t len)
{
	return len >= 12 && !(pkt[2] & 0x80) && ((pkt[2] >> 3) & 0x0F) == 5;
}

/* Called once per submitted message on the update thread: msg is the reply
 * (NULL: none, release arg). */
typedef void (*update_reply_fn)(void *arg, const uint8_t *msg, size_t len);

/* Before update_submit(), on the worker: an unsigned update that the
 * client's view would refuse -- no zone of that name in the view (NOTAUTH),
 * or its allow-update does not take this address (REFUSED) -- is answered
 * at once, never queued (so it holds no queue slot and no socket), and
 * logged rate-limited (lograte.h). Returns the answer's length in out
 * (room for 12 + 259 bytes); 0: queue it. */
size_t update_screen(const snapshot_t *snap, const uint8_t *pkt, size_t len,
		     const query_src_t *from, uint8_t *out);

/* An answer of only rcode to the update in pkt (header and zone section),
 * e.g. SERVFAIL when update_submit() refuses. Returns its length. */
size_t update_answer_rcode(const uint8_t *pkt, size_t len, int rcode, uint8_t *out);

/* Queue an update. Returns true if queued (reply will be called exactly
 * once), false if the update thread is not running, the queue is full, or
 * the source address already has its share of the queue (64 updates)
 * (the caller keeps arg and answers as it sees fit). Any thread. */
bool update_submit(const uint8_t *pkt, size_t len, const query_src_t *from,
		   update_reply_fn reply, void *arg);

/* Handle one UPDATE against snap. The reply goes to out (outmax >= 512);
 * returns its length (0: no reply). If the zone changed, *next is the
 * snapshot to publish (from snapshot_replace_zone: it shares snap's conf).
 * The caller holds the writer lock. Used by the update thread and tests. */
size_t update_handle(const snapshot_t *snap, const uint8_t *pkt, size_t len,
		     const query_src_t *from, uint8_t *out, size_t outmax, snapshot_t **next);

/* Serialises everything that publishes snapshots (updates, reloads). */
void update_writer_lock(void);
void update_writer_unlock(void);

/* Start / stop the update thread. update_stop() answers nothing more:
 * queued messages are dropped (their reply callback gets NULL). */
int update_start(void);
void update_stop(void);

/* Journal upkeep for every managed zone: cut what a crash left after the
 * last commit, and compact a journal that grew past its bound (larger than
 * the zone file and the compacted state together, and than 64 KiB): the
 * zone's difference from its file goes into "<server.state-dir>/<zone>.
 * <hash>.state" and the journal starts anew (journal.h). Runs in
 * update_start() and on the update thread after each applied update; the
 * caller holds the writer lock. */
void update_journal_maintain(void);

/* Tests: compact past min_bytes instead of 64 KiB (<= 0: the default), and
 * stop a compaction after step stop_after (1..3, see journal_compact) as a
 * crash would; 0: complete. */
void update_set_compaction(long long min_bytes, int stop_after);

/* Free the registry (at exit, after the last snapshot is freed). */
void update_shutdown(void);

#endif

/* update.h -- dynamic updates (RFC 2136): message and zone in, changeset out.
 *
 * DESIGN. This module is pure: it owns no zone, no thread and no file. It
 * knows what an UPDATE means -- the zone section, TSIG and allow-update, the
 * prerequisites (RFC 2136 3.2), the update section (3.4) applied to a copy
 * of the zone's records -- and answers it (the reply, signed when the
 * request was). The zone store (zonestore.h) gives it the records in force
 * and takes the changeset: it builds the new zone, appends the change to the
 * journal, publishes, and only then lets the reply go out. The same
 * changeset code replays journals when the zone store loads a zone, so a
 * journal line means exactly what the update that wrote it did.
 *
 * Before the queue, the network layer answers what needs no zone data
 * (update_screen, update_answer_rcode); the rest goes to the control
 * thread's queue (control.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_UPDATE_H
#define HZ_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "diag.h"
#include "journal.h"
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

/* Opcode UPDATE and not a response: goes to the control thread's queue. */
static inline bool
update_is_update(const uint8_t *pkt, size_t len)
{
	return len >= 12 && !(pkt[2] & 0x80) && ((pkt[2] >> 3) & 0x0F) == 5;
}

/* --- changesets: a working copy of a zone's records ------------------------ */

/* The records of one zone and the changes made to them, in order. */
typedef struct update_changeset update_changeset_t;

/* A working copy of zf's records (zf must outlive the changeset). Records
 * added later are marked as coming from dyn_file (the journal's path, kept
 * by pointer): they are not the zone file's. Never NULL (aborts without
 * memory, as the zone builder does). */
update_changeset_t *update_changeset_new(const zonefile_t *zf, const char *dyn_file);

/* A journal line applied as the update that wrote it would be (a journal_op_fn:
 * arg is the changeset); false (reported through d) for a record of
 * another class or outside the zone. */
bool update_changeset_replay(void *arg, char op, const zrr_t *rr, diag_t *d);

/* The records now in force, as a new zonefile_t that owns its memory (the
 * caller frees it). */
zonefile_t *update_changeset_records(const update_changeset_t *cs);

/* The changes in order ('-' and '+'), for the journal. Valid while cs and
 * the zonefile it was made from live. */
const journal_op_t *update_changeset_ops(const update_changeset_t *cs, size_t *n);

/* Records of the zone's files (not the SOA, not records an update added)
 * that the changes removed: a compaction must remove them again when the
 * zone file is read anew. Same lifetime as the ops. */
const zrr_t *update_changeset_removed(const update_changeset_t *cs, size_t *n);

/* Release; clears *cs. Accepts NULL. */
void update_changeset_free(update_changeset_t **cs);

/* --- one UPDATE message ------------------------------------------------------ */

/* An UPDATE on its way through: the parsed request, its TSIG result, the
 * view of the client and the zone it names, and the answer so far. */
typedef struct update_msg update_msg_t;

/* Parse pkt, check its TSIG against snap's keys, pick the client's view
 * and the zone of the zone section and check allow-update. NULL if pkt is
 * not an UPDATE (no answer at all). pkt, from and snap must outlive the
 * message. */
update_msg_t *update_msg_new(const snapshot_t *snap, const uint8_t *pkt, size_t len,
			     const query_src_t *from);

/* The zone the update may change, if every check passed: its config and the
 * zone the view serves now. false: the answer is decided (update_msg_reply). */
bool update_msg_zone(const update_msg_t *m, const conf_zone_t **cz, const zone_t **served);

/* Prerequisites, then the update section, on a copy of records (the zone's
 * records in force; dyn_file as for update_changeset_new). Returns the
 * changeset with the SOA serial raised (unless the update set a newer one),
 * or NULL: refused, or nothing changed (the answer is decided). */
update_changeset_t *update_msg_apply(update_msg_t *m, const zonefile_t *records,
				     const char *dyn_file);

/* The journal comment for an applied change ("key=NAME client=ADDR#PORT"). */
void update_msg_comment(const update_msg_t *m, char *out, size_t size);

/* The change could not be kept (why: e.g. "journal write failed"): the
 * answer is SERVFAIL. */
void update_msg_fail(update_msg_t *m, const char *why);

/* The change is in force (journaled and published): logs it. */
void update_msg_done(update_msg_t *m, size_t nchanges, uint32_t serial);

/* The answer into out (outmax >= 512), TSIG-signed when the request was;
 * logs a refusal (rate-limited, lograte.h). Returns its length (0: none). */
size_t update_msg_reply(update_msg_t *m, uint8_t *out, size_t outmax);

/* Release; clears *m. Accepts NULL. */
void update_msg_free(update_msg_t **m);

/* --- before the queue, on the worker ----------------------------------------- */

/* An unsigned update that the client's view would refuse -- no zone of that
 * name in the view (NOTAUTH), or its allow-update does not take this address
 * (REFUSED) -- is answered at once, never queued (so it holds no queue slot
 * and no socket), and logged rate-limited (lograte.h). Returns the answer's
 * length in out (room for 12 + 259 bytes); 0: queue it. */
size_t update_screen(const snapshot_t *snap, const uint8_t *pkt, size_t len,
		     const query_src_t *from, uint8_t *out);

/* An answer of only rcode to the update in pkt (header and zone section),
 * e.g. SERVFAIL when the queue refuses it. Returns its length. */
size_t update_answer_rcode(const uint8_t *pkt, size_t len, int rcode, uint8_t *out);

#endif

/* control.h -- the control thread: zone events from one queue.
 *
 * DESIGN. One thread changes zones, so changes never interleave and the
 * query workers only ever see published results (publish.h). It takes
 * events from a FIFO queue and runs each under the zone store's writer lock
 * (zonestore.h):
 *
 *   update   an UPDATE message from a worker (control_submit_update): the
 *            zone store applies it, journals and publishes it, and only then
 *            is the reply handed to the worker's callback
 *   reload   SIGHUP (control_reload, from the reload thread, which waits for
 *            the result and then runs the external commands: reload.h)
 *   upkeep   journal upkeep (cut, compaction), queued once after updates
 *            that changed a zone, so the client never waits for it
 *   task     a function that reads the zone store (control_submit_task):
 *            an outgoing zone transfer collects the zone's records so
 *            (xfr_out.h)
 *
 *   resign   zones signed online whose signatures reached half their
 *            validity, or whose keys reached a roll step, are signed again
 *            (zonestore_resign); queued by the thread itself when the
 *            earliest such time comes and the queue is empty
 * Later events (refresh, transfer, notify) are meant to join the
 * same queue. Nothing here blocks on an external process.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_CONTROL_H
#define HZ_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "zonestore.h"

/* Called once per submitted update, on the control thread: msg is the
 * reply (NULL: none; release arg). */
typedef void (*control_reply_fn)(void *arg, const uint8_t *msg, size_t len);

/* A task run on the control thread under the writer lock: run is true; or
 * dropped (the thread stopped): run is false, and the task only releases arg. */
typedef void (*control_task_fn)(void *arg, bool run);

/* Open the journals for writing (zonestore_journal_open, under the writer
 * lock) and start the thread. Returns 0, or -1 (logged). */
int control_start(void);

/* Stop the thread after the event it runs. Queued updates are answered
 * with nothing (their reply callback gets NULL); a queued reload fails.
 * Safe if control_start() was never called. */
void control_stop(void);

/* Queue an update (pkt is copied). Returns true if queued (reply will be
 * called exactly once), false if the thread is not running, the queue is
 * full (1024 updates), or the source address already has its share of the
 * queue (64 updates) (the caller keeps arg and answers as it sees fit).
 * Any thread. */
bool control_submit_update(const uint8_t *pkt, size_t len, const query_src_t *from,
			   control_reply_fn reply, void *arg);

/* Queue a task (a zone transfer out reads the zone store's records with
 * it: xfr_out.h). Returns true if queued (task is called exactly once),
 * false if the thread is not running. Any thread. */
bool control_submit_task(control_task_fn task, void *arg);

/* Zone transfers in publish through the same kind of event (xfr_in.h). */
typedef control_task_fn control_call_fn;
bool control_submit_call(control_call_fn fn, void *arg);

/* Queue a reload of conf_path and wait for it (zonestore_reload). Returns
 * true if new data is in service (*out filled); false if the reload failed
 * (logged) or the thread is not running. Not from the control thread. */
bool control_reload(const char *conf_path, zonestore_reload_t *out);

/* UPDATEs the control thread answered: NOERROR (applied, or nothing to
 * change) and anything else (refused by the prerequisites, the policy, a
 * bad signature...). Relaxed reads; any thread. */
typedef struct control_stats {
	unsigned long long updates_accepted, updates_refused;
} control_stats_t;
void control_get_stats(control_stats_t *out);

#endif

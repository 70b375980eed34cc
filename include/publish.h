/* publish.h -- hand the current snapshot to worker threads without locks.
 *
 * The current snapshot is one C11 atomic pointer. Reclamation is quiescent-
 * state based (the scheme behind liburcu's QSBR flavour): a worker calls
 * publish_enter() before it looks at packets and publish_leave() when its
 * batch is answered; between the two it may use the snapshot it got, after
 * publish_leave() it must not keep any pointer into it. publish_exchange()
 * installs a new snapshot and hands back the old one with a ticket; once
 * publish_quiescent(ticket) every worker has been outside a batch at least
 * once (or is idle), so the old one can be freed. Nobody has to wait for
 * that: background.h frees retired snapshots when they are quiescent.
 * Workers never wait on the swapper.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_PUBLISH_H
#define HZ_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

struct snapshot;

/* Set up nworkers slots (ids 0..nworkers-1) and the first snapshot. */
void publish_init(unsigned nworkers, struct snapshot *first);

/* Worker side. Cheap: two atomic operations. */
const struct snapshot *publish_enter(unsigned worker);
void publish_leave(unsigned worker);

/* The current snapshot, for the control thread (not for workers). */
struct snapshot *publish_current(void);

/* Install next; return the previous snapshot, which the caller now owns but
 * must not free before publish_quiescent(*retired) (background_retire()
 * does that). Control thread only. */
struct snapshot *publish_exchange(struct snapshot *next, uint64_t *retired);

/* Has every worker left the snapshots replaced by the exchange that gave
 * retired (each is idle or entered a batch after it)? Any thread. */
bool publish_quiescent(uint64_t retired);

/* Sleep in short steps until publish_quiescent(retired). */
void publish_wait(uint64_t retired);

/* Tear down at exit (workers stopped); returns the current snapshot to free. */
struct snapshot *publish_shutdown(void);

#endif

/* publish.h -- hand the current snapshot to worker threads without locks.
 *
 * The current snapshot is one C11 atomic pointer. Reclamation is quiescent-
 * state based (the scheme behind liburcu's QSBR flavour): a worker calls
 * publish_enter() before it looks at packets and publish_leave() when its
 * batch is answered; between the two it may use the snapshot it got, after
 * publish_leave() it must not keep any pointer into it. publish_swap()
 * installs a new snapshot and waits until every worker has been outside a
 * batch at least once (or is idle), so the old one can be freed.
 * Workers never wait on the swapper.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_PUBLISH_H
#define HZ_PUBLISH_H

struct snapshot;

/* Set up nworkers slots (ids 0..nworkers-1) and the first snapshot. */
void publish_init(unsigned nworkers, struct snapshot *first);

/* Worker side. Cheap: two atomic operations. */
const struct snapshot *publish_enter(unsigned worker);
void publish_leave(unsigned worker);

/* The current snapshot, for the control thread (not for workers). */
struct snapshot *publish_current(void);

/* Install next; wait for every worker to pass a quiescent point; return the
 * previous snapshot, which the caller now owns and frees. Control thread only. */
struct snapshot *publish_swap(struct snapshot *next);

/* Tear down at exit (workers stopped); returns the current snapshot to free. */
struct snapshot *publish_shutdown(void);

#endif

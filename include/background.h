/* background.h -- the control thread's bulk work, below the workers.
 *
 * DESIGN. A reload builds a whole snapshot (seconds of CPU for a zone of a
 * million names) and frees the one it replaces (hundreds of megabytes of
 * munmap). On a small machine that thread competes with the query workers
 * for the same cores; at equal priority the scheduler lets it finish its
 * time slice (several milliseconds) before a worker woken by a packet gets
 * the CPU back. So the bulk work runs on one thread of its own at
 * SCHED_IDLE: a worker that wakes up preempts it at the kernel's next
 * chance (within a tick where the kernel reschedules lazily, as 6.18 does;
 * docs/performance.md "Reload"). (Only this thread is lowered, for good: a
 * thread without CAP_SYS_NICE cannot come back from SCHED_IDLE, and the
 * control thread must not hold a worker's event-base lock at that priority.)
 * It runs, in order:
 *
 *   calls     background_call(): a function the control thread waits for
 *             (a reload's build and swap), under the control thread's
 *             writer lock, which the caller keeps holding;
 *   retirees  background_retire(): snapshots taken out of service by
 *             publish_exchange(), freed once every worker has left them
 *             (publish_quiescent), so neither the control thread nor a
 *             worker waits for the grace period or for the munmap.
 *
 * A retired snapshot is freed before any call queued after it starts, so a
 * reload never builds while the snapshot two reloads back is still alive.
 * Under a load that keeps every CPU of the process's scheduling group busy,
 * the thread only gets a minimal share (SCHED_IDLE's weight is 3 against
 * 1024 for nice 0): queries come first, reloads wait.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_BACKGROUND_H
#define HZ_BACKGROUND_H

#include <stdbool.h>
#include <stdint.h>

struct snapshot;

/* Start the thread (SCHED_IDLE, else nice 19). Returns 0, or -1 (logged;
 * then calls run on the caller's thread and retirees are freed in place). */
int background_start(void);

/* Free what is retired (waiting for the workers to leave it) and join.
 * Safe if background_start() was never called. */
void background_stop(void);

/* Run fn(arg) on the background thread and wait for it to return; on the
 * caller's thread if the background thread is not running. */
void background_call(void (*fn)(void *arg), void *arg);

/* old was replaced by publish_exchange(), which gave retired: free it (with
 * snapshot_free) once publish_quiescent(retired). Does not wait, unless the
 * background thread is not running: then waits for the workers and frees it
 * here. Accepts NULL. */
void background_retire(struct snapshot *old, uint64_t retired);

/* Snapshots retired and not freed yet (for tests and the log). */
unsigned background_retired_pending(void);

#endif

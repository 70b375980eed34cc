/* publish.c -- lock-free hand-over of the current snapshot to workers.
 *
 * Quiescent-state based reclamation: each worker slot holds the generation
 * it saw when it entered a batch, or 0 while it is outside one. An exchange
 * bumps the generation after installing the new pointer; once every slot is
 * 0 or at least the new generation (publish_quiescent), no worker can hold
 * the old pointer. Who frees it waits for that, not the exchange. All atomics are sequentially consistent; the argument is
 * in docs/architecture.md ("Publishing a snapshot").
 * SPDX-License-Identifier: BSD-3-Clause */
#include "publish.h"
#include "arena.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct slot {
	_Atomic uint64_t seen;
	char pad[64 - sizeof(uint64_t)];   /* one cache line per worker */
};

static _Atomic(struct snapshot *) current;
static _Atomic uint64_t generation = 1;
static struct slot *slots;
static unsigned nslots;

void
publish_init(unsigned nworkers, struct snapshot *first)
{
	nslots = nworkers;
	slots = xcalloc(nworkers ? nworkers : 1, sizeof(*slots));
	atomic_store(&current, first);
}

const struct snapshot *
publish_enter(unsigned worker)
{
	atomic_store(&slots[worker].seen, atomic_load(&generation));
	return atomic_load(&current);
}

void
publish_leave(unsigned worker)
{
	atomic_store(&slots[worker].seen, 0);
}

struct snapshot *
publish_current(void)
{
	return atomic_load(&current);
}

struct snapshot *
publish_exchange(struct snapshot *next, uint64_t *retired)
{
	struct snapshot *old = atomic_exchange(&current, next);
	*retired = atomic_fetch_add(&generation, 1) + 1;
	return old;
}

bool
publish_quiescent(uint64_t retired)
{
	for (unsigned i = 0; i < nslots; i++) {
		uint64_t seen = atomic_load(&slots[i].seen);
		if (seen != 0 && seen < retired)
			return false;
	}
	return true;
}

void
publish_wait(uint64_t retired)
{
	while (!publish_quiescent(retired)) {
		struct timespec ts = { 0, 20000 };  /* 20 us: a batch is short */
		nanosleep(&ts, NULL);
	}
}

struct snapshot *
publish_shutdown(void)
{
	struct snapshot *s = atomic_exchange(&current, NULL);
	free(slots);
	slots = NULL;
	nslots = 0;
	return s;
}

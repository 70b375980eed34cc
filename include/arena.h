/* arena.h -- bump allocator: many allocations, one free; and the allocators
 * that abort when memory runs out.
 *
 * A snapshot, a zone and a config each own one arena; dropping the owner is
 * one arena_free(). Build with -DHZ_ARENA_MALLOC to turn every allocation
 * into its own malloc so ASan sees overflows.
 *
 * Out of memory (docs/architecture.md has the whole policy): data that is
 * being built -- a config, a zone, a snapshot, an update's new zone -- is
 * allocated through an arena or xmalloc/xcalloc/xrealloc, which log and
 * abort() on failure: a half-built snapshot cannot be served, and a recovery
 * path that never runs is a bug waiting. Per-query memory (the forwarder,
 * the cache, TCP connections, queued updates) never comes from here: there a
 * failure costs one client a SERVFAIL or its connection, never the server.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ARENA_H
#define HZ_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct arena arena_t;

arena_t *arena_new(size_t chunk_size);        /* 0: default chunk size */
void arena_free(arena_t **a);                 /* accepts NULL and *a == NULL */
void *arena_alloc(arena_t *a, size_t size);   /* 16-byte aligned, uninitialised */
void *arena_zalloc(arena_t *a, size_t size);  /* zeroed */
void *arena_memdup(arena_t *a, const void *p, size_t size);
/* Byte data with no alignment (wire data, names): packs tighter. */
void *arena_alloc_bytes(arena_t *a, size_t size);
/* align: a power of two, at most 16 */
void *arena_alloc_aligned(arena_t *a, size_t size, size_t align);
void *arena_memdup_bytes(arena_t *a, const void *p, size_t size);
char *arena_strdup(arena_t *a, const char *s);
size_t arena_used(const arena_t *a);          /* bytes handed out + chunk overhead */
/* Let transparent huge pages back a's big chunks from now on (MADV_HUGEPAGE).
 * Called on a finished zone, not while building: with the advice, each
 * first touch of 2 MiB faults in a zeroed huge page, a long stretch in the
 * kernel during which a reload's build (SCHED_IDLE) holds a worker's CPU
 * (docs/performance.md, "Reload"); afterwards khugepaged collapses the
 * written pages in its own thread. */
void arena_advise_huge_pages(arena_t *a);

/* A growable block for an array whose final length is only known at the end
 * (the records of a zone file): arena_block_resize() grows or shrinks it
 * with mremap(), so growing never copies nor holds the old and the new size
 * at once, and untouched capacity is never resident. arena_block_adopt()
 * hands it to an arena, which frees it with everything else (no copy into
 * the arena); arena_block_free() frees a block nobody adopted. */
void *arena_block_resize(void *block, size_t size);   /* block NULL: a new one */
void arena_block_adopt(arena_t *a, void *block);      /* accepts NULL */
void arena_block_free(void *block);                   /* accepts NULL */
/* Free an adopted block before the rest of its arena; false (and nothing
 * done) if a did not adopt block. */
bool arena_block_release(arena_t *a, void *block);

/* Give back what a handed out before p (an allocation of a), for data read
 * in the order it was allocated and never again (zone.c's build index):
 * the older chunks are freed and the whole pages of p's chunk below p given
 * back (MADV_DONTNEED); what was allocated from p on stays. With
 * HZ_ARENA_MALLOC the older allocations are freed one by one, so that ASan
 * reports any later read of them. */
void arena_release_before(arena_t *a, const void *p);
/* The same for a block of arena_block_resize(): its whole pages below upto
 * are given back (poisoned for ASan with HZ_ARENA_MALLOC); the block stays
 * the caller's to free. */
void arena_block_release_below(void *block, const void *upto);

/* From now on, this thread pauses 20 us after every 2 MiB of chunks it
 * unmaps, so a thread that needs the memory-map lock meanwhile (mmap,
 * mprotect: a worker's malloc growing its heap) gets it within about one
 * munmap instead of a scheduler tick. For the thread that frees retired
 * snapshots (background.c). arena_unmap_pauses(): how many pauses this
 * thread has made. */
void arena_unmap_gently(void);
unsigned long arena_unmap_pauses(void);

/* malloc, calloc (n 0: one element's worth) and realloc that never return
 * NULL: they log and abort() instead. For building data only (above). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

#endif

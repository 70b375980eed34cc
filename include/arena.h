/* arena.h -- bump allocator: many allocations, one free.
 *
 * A snapshot, a zone and a config each own one arena; dropping the owner is
 * one arena_free(). Allocation failure aborts (out of memory while building
 * data is not recoverable in a useful way). Build with -DHZ_ARENA_MALLOC to
 * turn every allocation into its own malloc so ASan sees overflows.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ARENA_H
#define HZ_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

arena_t *arena_new(size_t chunk_size);        /* 0: default chunk size */
void arena_free(arena_t **a);                 /* accepts NULL and *a == NULL */
void *arena_alloc(arena_t *a, size_t size);   /* 16-byte aligned, uninitialised */
void *arena_zalloc(arena_t *a, size_t size);  /* zeroed */
void *arena_memdup(arena_t *a, const void *p, size_t size);
/* Byte data with no alignment (wire data, names): packs tighter. */
void *arena_alloc_bytes(arena_t *a, size_t size);
void *arena_memdup_bytes(arena_t *a, const void *p, size_t size);
char *arena_strdup(arena_t *a, const char *s);
size_t arena_used(const arena_t *a);          /* bytes handed out + chunk overhead */

#endif

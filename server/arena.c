/* arena.c -- bump allocator: many allocations, one free.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* mremap */
#endif
#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "log.h"

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK (64 * 1024)
/* Chunks double from the first size up to this; chunks this big are mapped
 * 2 MiB-aligned so that transparent huge pages can back them once
 * arena_advise_huge_pages() asks (it saves TLB misses on big zones). */
#define ARENA_MAX_CHUNK (2 * 1024 * 1024)

/* Chunks are mmap()ed, not malloc()ed, so freeing an arena gives its memory
 * back to the system at once instead of leaving holes in the malloc heap
 * (a reload builds a whole new zone beside the old one). */
struct chunk {
	struct chunk *next;
	size_t size;     /* usable bytes after the header */
	size_t used;
	size_t mapped;   /* bytes mapped, header included; 0: malloc()ed */
	/* Put behind the head (a big allocation, an adopted block) rather
	 * than made the head: its allocations are newer than some of the
	 * chunk in front of it (arena_release_before) */
	bool behind;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t chunk_size;  /* the next chunk's size */
	size_t total;
};

static _Noreturn void
arena_out_of_memory(size_t n)
{
	log_error("out of memory (%zu bytes)", n);
	abort();
}

#ifndef HZ_ARENA_MALLOC
static struct chunk *
chunk_new(size_t bytes)
{
	size_t map = (bytes + 4095) & ~(size_t)4095;
	size_t align = map >= ARENA_MAX_CHUNK ? ARENA_MAX_CHUNK : 4096;
	/* over-map, then cut to an aligned start so huge pages can back it */
	size_t over = map + align - 4096;
	uint8_t *p = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		arena_out_of_memory(map);
	uint8_t *start = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + map < p + over)
		munmap(start + map, (size_t)(p + over - (start + map)));
	struct chunk *c = (struct chunk *)start;
	c->mapped = map;
	c->size = map - sizeof(*c);
	c->used = 0;
	c->behind = false;
	return c;
}

#endif

/* The gentle unmapping of arena_unmap_gently(): after every
 * ARENA_UNMAP_BURST bytes, a pause of ARENA_UNMAP_PAUSE_NS. munmap() holds
 * the memory-map lock, and a thread waiting for it as a writer (mmap,
 * mprotect) is handed it only after a scheduler tick while this thread
 * keeps unmapping (rwsem lock stealing): 4.4 ms on average while 300 MiB are
 * unmapped, against 0.14 ms with the pauses (bench/mmap_wait.c), for 13 ms
 * more spent freeing. */
#define ARENA_UNMAP_BURST (2 * 1024 * 1024)
#define ARENA_UNMAP_PAUSE_NS 20000
static _Thread_local bool unmap_gently;
static _Thread_local size_t unmapped_since_pause;
static _Thread_local unsigned long unmap_pauses;

void
arena_unmap_gently(void)
{
	unmap_gently = true;
}

unsigned long
arena_unmap_pauses(void)
{
	return unmap_pauses;
}

static void
chunk_unmap(void *p, size_t len)
{
	munmap(p, len);
	if (!unmap_gently)
		return;
	unmapped_since_pause += len;
	if (unmapped_since_pause >= ARENA_UNMAP_BURST) {
		unmapped_since_pause = 0;
		unmap_pauses++;
		struct timespec pause = { 0, ARENA_UNMAP_PAUSE_NS };
		nanosleep(&pause, NULL);
	}
}

static void
chunk_free(struct chunk *c)
{
	if (c->mapped)
		chunk_unmap(c, c->mapped);
	else
		free(c);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL)
		arena_out_of_memory(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		arena_out_of_memory(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (q == NULL)
		arena_out_of_memory(n);
	return q;
}

arena_t *
arena_new(size_t chunk_size)
{
	arena_t *a = xmalloc(sizeof(*a));
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
	a->total = 0;
	return a;
}

void
arena_free(arena_t **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	struct chunk *c = (*ap)->head;
	while (c != NULL) {
		struct chunk *next = c->next;
		chunk_free(c);
		c = next;
	}
	free(*ap);
	*ap = NULL;
}

/* Take size bytes aligned to align (a power of two, at most ARENA_ALIGN). */
static void *
arena_take(arena_t *a, size_t size, size_t align)
{
#ifdef HZ_ARENA_MALLOC
	/* Every allocation its own chunk, sized exactly, so ASan sees overflows. */
	(void)align;
	struct chunk *c = xmalloc(sizeof(*c) + size);
	c->size = c->used = size;
	c->mapped = 0;
	c->behind = false;
	c->next = a->head;
	a->head = c;
	a->total += sizeof(*c) + size;
	return c->data;
#else
	struct chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (c == NULL || at > c->size || c->size - at < size) {
		bool big = size > a->chunk_size / 4;
		struct chunk *n = chunk_new(big ? sizeof(*n) + size : a->chunk_size);
		a->total += n->mapped;
		if (!big && a->chunk_size < ARENA_MAX_CHUNK)
			a->chunk_size *= 2;
		if (big && c != NULL) {
			/* A big block goes behind the head so the head's free space stays usable. */
			n->behind = true;
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			a->head = n;
		}
		c = n;
		at = 0;
	}
	c->used = at + size;
	return c->data + at;
#endif
}

void *
arena_alloc(arena_t *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	return arena_take(a, size ? size : ARENA_ALIGN, ARENA_ALIGN);
}

void *
arena_alloc_aligned(arena_t *a, size_t size, size_t align)
{
	return arena_take(a, size ? size : align, align);
}

void *
arena_alloc_bytes(arena_t *a, size_t size)
{
	return arena_take(a, size ? size : 1, 1);
}

void *
arena_memdup_bytes(arena_t *a, const void *p, size_t size)
{
	void *q = arena_alloc_bytes(a, size);
	if (size > 0)
		memcpy(q, p, size);
	return q;
}

void *
arena_zalloc(arena_t *a, size_t size)
{
	void *p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

void *
arena_memdup(arena_t *a, const void *p, size_t size)
{
	void *q = arena_alloc(a, size);
	if (size > 0)
		memcpy(q, p, size);
	return q;
}

char *
arena_strdup(arena_t *a, const char *s)
{
	return arena_memdup(a, s, strlen(s) + 1);
}

void
arena_advise_huge_pages(arena_t *a)
{
#if defined(MADV_HUGEPAGE) && !defined(HZ_ARENA_MALLOC)
	for (struct chunk *c = a->head; c != NULL; c = c->next)
		if (c->mapped >= ARENA_MAX_CHUNK)
			madvise(c, c->mapped, MADV_HUGEPAGE);
#else
	(void)a;
#endif
}

size_t
arena_used(const arena_t *a)
{
	return a->total;
}

static struct chunk *
block_chunk(void *block)
{
	return (struct chunk *)((unsigned char *)block - offsetof(struct chunk, data));
}

void *
arena_block_resize(void *block, size_t size)
{
	if (size > SIZE_MAX - sizeof(struct chunk) - 4096)
		arena_out_of_memory(size);
	struct chunk *c;
#ifdef HZ_ARENA_MALLOC
	/* sized exactly, so ASan sees overflows */
	c = xrealloc(block ? block_chunk(block) : NULL, sizeof(*c) + size);
	c->mapped = 0;
	c->size = size;
#else
	size_t map = (sizeof(*c) + size + 4095) & ~(size_t)4095;
	if (block == NULL) {
		c = chunk_new(sizeof(*c) + size);
	} else {
		c = block_chunk(block);
		if (map != c->mapped) {
			void *p = mremap(c, c->mapped, map, MREMAP_MAYMOVE);
			if (p == MAP_FAILED)
				arena_out_of_memory(map);
			c = p;
			c->mapped = map;
		}
		c->size = map - sizeof(*c);
	}
#endif
	c->used = size;
	c->next = NULL;
	c->behind = false;
	return c->data;
}

void
arena_block_adopt(arena_t *a, void *block)
{
	if (block == NULL)
		return;
	struct chunk *c = block_chunk(block);
	/* behind the head, as a big allocation: the head's free space stays usable */
	c->behind = a->head != NULL;
	if (a->head != NULL) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = NULL;
		a->head = c;
	}
	/* full, so that no allocation is placed in it */
	c->used = c->size;
	a->total += c->mapped ? c->mapped : sizeof(*c) + c->size;
}

void
arena_block_free(void *block)
{
	if (block != NULL)
		chunk_free(block_chunk(block));
}

bool
arena_block_release(arena_t *a, void *block)
{
	if (block == NULL)
		return false;
	struct chunk *c = block_chunk(block);
	for (struct chunk **pp = &a->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp != c)
			continue;
		*pp = c->next;
		a->total -= c->mapped ? c->mapped : sizeof(*c) + c->size;
		chunk_free(c);
		return true;
	}
	return false;
}

#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define HZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(HZ_ASAN)
#include <sanitizer/asan_interface.h>
#define poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#else
#define poison(p, n) ((void)(p), (void)(n))
#endif

/* The whole pages in [from, to) given back to the system. */
static void
release_pages(const void *from, const void *to)
{
	uintptr_t lo = ((uintptr_t)from + 4095) & ~(uintptr_t)4095, hi = (uintptr_t)to & ~(uintptr_t)4095;
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void
arena_release_before(arena_t *a, const void *p)
{
	const unsigned char *q = p;
	struct chunk *c = a->head;
	while (c != NULL && !(q >= c->data && q < c->data + c->size))
		c = c->next;
	if (c == NULL)
		return;
	/* The chunks behind a regular chunk, up to the next regular one, were
	 * put there while it was the head: they may be newer than p. Every
	 * chunk after that is older. A chunk that was put behind is newer
	 * than every chunk after it. */
	struct chunk **pp = &c->next;
	while (!c->behind && *pp != NULL && (*pp)->behind)
		pp = &(*pp)->next;
	struct chunk *old = *pp;
	*pp = NULL;
	while (old != NULL) {
		struct chunk *next = old->next;
		a->total -= old->mapped ? old->mapped : sizeof(*old) + old->size;
		chunk_free(old);
		old = next;
	}
	if (c->mapped)
		release_pages(c->data, q);
}

void
arena_block_release_below(void *block, const void *upto)
{
	if (block == NULL)
		return;
	struct chunk *c = block_chunk(block);
	if (c->mapped)
		release_pages(c->data, upto);
	else
		poison(c->data, (size_t)((const unsigned char *)upto - c->data));
}

/* arena.c -- bump allocator: many allocations, one free.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t size;     /* usable bytes after the header */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t chunk_size;
	size_t total;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL) {
		fprintf(stderr, "horizond: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
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
		free(c);
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
	c->next = a->head;
	a->head = c;
	a->total += sizeof(*c) + size;
	return c->data;
#else
	struct chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (c == NULL || at > c->size || c->size - at < size) {
		size_t want = size > a->chunk_size / 4 ? size : a->chunk_size;
		struct chunk *n = xmalloc(sizeof(*n) + want);
		n->size = want;
		n->used = 0;
		a->total += sizeof(*n) + want;
		if (want == size && c != NULL) {
			/* A big block goes behind the head so the head's free space stays usable. */
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

size_t
arena_used(const arena_t *a)
{
	return a->total;
}

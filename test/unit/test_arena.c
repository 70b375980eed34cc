/* test_arena.c -- the arena's growable blocks (issue 16): a block keeps its
 * bytes when it grows and shrinks, an arena that adopts it frees it (the
 * ASan build's leak check fails otherwise), releasing it early frees it once,
 * and a block the arena did not adopt is refused. Big chunks are not
 * advised for transparent huge pages while being filled, only when
 * arena_advise_huge_pages() says the arena is finished (a reload's build
 * zeroing huge pages in the kernel held a worker's CPU). An index read in
 * allocation order is given back behind the reader (arena_release_before,
 * arena_block_release_below) without touching what comes after. A thread
 * that frees gently (arena_unmap_gently, the background thread) pauses
 * after every 2 MiB it unmaps, and only that thread.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "testlib.h"

static void
fill(uint32_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		p[i] = (uint32_t)(i * 2654435761u);
}

static void
expect_filled(const uint32_t *p, size_t n)
{
	size_t bad = SIZE_MAX;
	for (size_t i = 0; i < n && bad == SIZE_MAX; i++)
		if (p[i] != (uint32_t)(i * 2654435761u))
			bad = i;
	ck_assert_msg(bad == SIZE_MAX, "element %zu of %zu lost", bad, n);
}

START_TEST(block_keeps_its_bytes_while_it_grows_and_shrinks)
{
	size_t n = 1000;
	uint32_t *p = arena_block_resize(NULL, n * sizeof(*p));
	fill(p, 0, n);
	/* from a page to several megabytes: mremap may move it */
	for (size_t m = n * 2; m <= 4u << 20; m *= 2) {
		p = arena_block_resize(p, m * sizeof(*p));
		fill(p, n, m);
		n = m;
		expect_filled(p, n);
	}
	p = arena_block_resize(p, 12345 * sizeof(*p));
	expect_filled(p, 12345);
	arena_block_free(p);
	arena_block_free(NULL);
}
END_TEST

START_TEST(adopted_block_is_the_arenas)
{
	arena_t *a = arena_new(0);
	char *before = arena_strdup(a, "before");
	size_t used = arena_used(a);
	uint32_t *p = arena_block_resize(NULL, 300000 * sizeof(*p));
	fill(p, 0, 300000);
	arena_block_adopt(a, p);
	ck_assert_uint_ge(arena_used(a), used + 300000 * sizeof(*p));
	/* the arena goes on allocating around it, never inside it */
	for (int i = 0; i < 100000; i++)
		memset(arena_alloc(a, 24), 0xAB, 24);
	expect_filled(p, 300000);
	ck_assert_str_eq(before, "before");
	arena_block_adopt(a, NULL);
	arena_free(&a);   /* frees p: LeakSanitizer checks it */
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(adopted_block_released_early)
{
	arena_t *a = arena_new(0);
	uint32_t *other = arena_block_resize(NULL, 4096);
	ck_assert(!arena_block_release(a, other));   /* not adopted: left alone */
	uint32_t *p = arena_block_resize(NULL, 100000 * sizeof(*p));
	arena_block_adopt(a, p);
	size_t with = arena_used(a);
	ck_assert(arena_block_release(a, p));
	ck_assert_uint_lt(arena_used(a), with);
	ck_assert(!arena_block_release(a, p));   /* once */
	ck_assert(!arena_block_release(a, NULL));
	ck_assert_str_eq(arena_strdup(a, "after"), "after");
	arena_free(&a);   /* must not free p again (ASan: double free) */
	arena_block_free(other);
}
END_TEST

/* The arena is empty (no chunk) when it adopts its first block: what it
 * allocates next must not go into the block's spare room (it would go when
 * the block is released). */
START_TEST(block_adopted_by_an_empty_arena)
{
	arena_t *a = arena_new(0);
	uint32_t *p = arena_block_resize(NULL, 64);
	arena_block_adopt(a, p);
	char *s = arena_strdup(a, "next");
	ck_assert(arena_block_release(a, p));
	ck_assert_str_eq(s, "next");
	arena_free(&a);
}
END_TEST

/* arena_release_before: what was allocated before p is given back, what
 * was allocated from p on keeps its bytes -- a big allocation put behind the
 * head while p's chunk was the head included (it is newer than p). Under
 * ASan (HZ_ARENA_MALLOC) the older allocations are freed: reading one
 * would fail the test. */
START_TEST(release_before_keeps_what_came_after)
{
	arena_t *a = arena_new(0);
	enum { N = 60000 };
	uint32_t **small = calloc(N, sizeof(*small));
	ck_assert_ptr_nonnull(small);
	uint32_t *big = NULL;
	for (size_t i = 0; i < N; i++) {
		small[i] = arena_alloc(a, 40);
		fill(small[i], 0, 10);
		if (i == N / 2 + 10) {   /* in the same chunk as small[N / 2]: behind it */
			big = arena_alloc(a, 1u << 20);
			fill(big, 0, (1u << 20) / 4);
		}
	}
	size_t before = arena_used(a);
	arena_release_before(a, small[N / 2]);
	ck_assert_uint_lt(arena_used(a), before);   /* older chunks freed */
	for (size_t i = N / 2; i < N; i++)
		expect_filled(small[i], 10);
	expect_filled(big, (1u << 20) / 4);
	/* again, further on; then the arena goes on allocating */
	arena_release_before(a, small[N - 1]);   /* big is older than that */
	expect_filled(small[N - 1], 10);
	uint32_t *after = arena_alloc(a, 40);
	fill(after, 0, 10);
	expect_filled(after, 10);
	arena_release_before(a, "not the arena's");   /* ignored */
	expect_filled(small[N - 1], 10);
	arena_free(&a);   /* nothing freed twice (ASan) */
	free(small);
}
END_TEST

/* arena_block_release_below: the block's pages below upto go, the rest
 * keeps its bytes. */
START_TEST(block_release_below_keeps_the_rest)
{
	size_t n = 1u << 20;
	uint32_t *p = arena_block_resize(NULL, n * sizeof(*p));
	fill(p, 0, n);
	arena_block_release_below(p, p + n / 2);
	for (size_t i = n / 2; i < n; i++)
		ck_assert_uint_eq(p[i], (uint32_t)(i * 2654435761u));
	arena_block_release_below(NULL, p);   /* accepted */
	arena_block_free(p);
}
END_TEST

#ifndef HZ_ARENA_MALLOC
/* 1: the mapping that holds p has VmFlags "hg" (MADV_HUGEPAGE), 0: it has
 * not, -1: no such mapping in /proc/self/smaps. */
static int
advised_huge(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	int inside = 0, found = -1;
	while (found < 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0)
			found = strstr(line, " hg") != NULL;
	}
	fclose(f);
	return found;
}

START_TEST(big_chunks_advised_for_huge_pages_only_when_finished)
{
	if (access("/sys/kernel/mm/transparent_hugepage", F_OK) != 0)
		return;   /* a kernel without THP: nothing to advise */
	arena_t *a = arena_new(0);
	unsigned char *big = arena_alloc(a, 4u << 20);      /* a chunk of its own */
	memset(big, 1, 4u << 20);
	ck_assert_int_eq(advised_huge(big), 0);
	arena_advise_huge_pages(a);
	ck_assert_int_eq(advised_huge(big), 1);
	ck_assert_int_eq(big[(4u << 20) - 1], 1);
	arena_free(&a);
}
END_TEST

/* Frees an arena of 16 MiB in big chunks (plus small ones) on a thread of
 * its own; returns how many pauses that thread made. */
static void *
free_sixteen_mib(void *gently)
{
	if (gently != NULL)
		arena_unmap_gently();
	arena_t *a = arena_new(0);
	for (int i = 0; i < 8; i++)
		memset(arena_alloc(a, 2u << 20), 1, 4096);   /* each a chunk of its own */
	for (int i = 0; i < 100; i++)
		arena_alloc(a, 1000);
	arena_free(&a);
	return (void *)(uintptr_t)arena_unmap_pauses();
}

static unsigned long
pauses_of_a_thread(bool gently)
{
	pthread_t t;
	void *pauses;
	ck_assert_int_eq(pthread_create(&t, NULL, free_sixteen_mib, gently ? "yes" : NULL), 0);
	ck_assert_int_eq(pthread_join(t, &pauses), 0);
	return (unsigned long)(uintptr_t)pauses;
}

START_TEST(gentle_thread_pauses_between_unmaps)
{
	/* 16 MiB and more unmapped: a pause after every 2 MiB */
	ck_assert_uint_ge(pauses_of_a_thread(true), 8);
	ck_assert_uint_le(pauses_of_a_thread(true), 9);
	/* the setting is the thread's own: another thread frees at full speed */
	ck_assert_uint_eq(pauses_of_a_thread(false), 0);
	ck_assert_uint_eq(arena_unmap_pauses(), 0);
}
END_TEST
#endif

int
main(void)
{
	Suite *su = suite_create("arena");
	TCase *tc = tcase_create("blocks");
	tcase_add_test(tc, block_keeps_its_bytes_while_it_grows_and_shrinks);
	tcase_add_test(tc, adopted_block_is_the_arenas);
	tcase_add_test(tc, adopted_block_released_early);
	tcase_add_test(tc, block_adopted_by_an_empty_arena);
	tcase_add_test(tc, release_before_keeps_what_came_after);
	tcase_add_test(tc, block_release_below_keeps_the_rest);
#ifndef HZ_ARENA_MALLOC
	tcase_add_test(tc, big_chunks_advised_for_huge_pages_only_when_finished);
	tcase_add_test(tc, gentle_thread_pauses_between_unmaps);
#endif
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

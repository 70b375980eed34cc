/* test_dname.c -- wire-name parsing, hashing and comparison (dname.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dname.h"
#include "testlib.h"

#define W(s) ((const uint8_t *)(s))

START_TEST(parse_lowercases_and_hashes_every_suffix)
{
	static const uint8_t pkt[] = "\3WwW\7ExAmPlE\3cOm\0";
	uint8_t lower[DNAME_MAXLEN], offs[DNAME_MAXLABELS];
	uint32_t hashes[DNAME_MAXLABELS + 1];
	unsigned n;
	size_t pos = 0;
	int len = dname_parse_query(pkt, sizeof(pkt), &pos, lower, offs, &n, hashes);
	ck_assert_int_eq(len, 17);
	ck_assert_uint_eq(pos, 17);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(lower, "\3www\7example\3com\0", 17);
	ck_assert_uint_eq(offs[0], 0);
	ck_assert_uint_eq(offs[1], 4);
	ck_assert_uint_eq(offs[2], 12);
	/* every suffix hash equals the hash of that suffix on its own, in any case */
	ck_assert_uint_eq(hashes[0], dname_hash(W("\3www\7example\3com")));
	ck_assert_uint_eq(hashes[1], dname_hash(W("\7EXAMPLE\3com")));
	ck_assert_uint_eq(hashes[2], dname_hash(W("\3com")));
	ck_assert_uint_eq(hashes[3], dname_hash(W("")));
	ck_assert_uint_ne(hashes[0], hashes[1]);
	ck_assert_uint_ne(hashes[1], hashes[2]);
}
END_TEST

START_TEST(parse_rejects_malformed_names)
{
	uint8_t lower[DNAME_MAXLEN], offs[DNAME_MAXLABELS];
	unsigned n;
	size_t pos;
	/* compression pointer */
	static const uint8_t ptr[] = { 0xC0, 0x0C };
	pos = 0;
	ck_assert_int_eq(dname_parse_query(ptr, sizeof(ptr), &pos, lower, offs, &n, NULL), -1);
	/* reserved label type 0x40 */
	static const uint8_t ext[] = { 0x41, 'a', 0 };
	pos = 0;
	ck_assert_int_eq(dname_parse_query(ext, sizeof(ext), &pos, lower, offs, &n, NULL), -1);
	/* label running past the end, name without its root byte */
	static const uint8_t cut[] = { 5, 'a', 'b' };
	pos = 0;
	ck_assert_int_eq(dname_parse_query(cut, sizeof(cut), &pos, lower, offs, &n, NULL), -1);
	static const uint8_t noroot[] = { 1, 'a' };
	pos = 0;
	ck_assert_int_eq(dname_parse_query(noroot, sizeof(noroot), &pos, lower, offs, &n, NULL), -1);
	/* 255 octets is the limit: four 63-octet labels make 257 */
	uint8_t big[300];
	size_t o = 0;
	for (int i = 0; i < 4; i++) {
		big[o++] = 63;
		memset(big + o, 'x', 63);
		o += 63;
	}
	big[o++] = 0;
	pos = 0;
	ck_assert_int_eq(dname_parse_query(big, o, &pos, lower, offs, &n, NULL), -1);
	/* 3 x 63 + 61: 255 exactly */
	o = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t l = i < 3 ? 63 : 61;
		big[o++] = l;
		memset(big + o, 'x', l);
		o += l;
	}
	big[o++] = 0;
	pos = 0;
	ck_assert_int_eq(dname_parse_query(big, o, &pos, lower, offs, &n, NULL), 255);
}
END_TEST

/* The word-at-a-time reader (dname.c) against a byte-by-byte model: every
 * label length from 1 to 63 (full words, partial last words), every byte
 * value around 'A'..'Z', the name at the very end of an exactly sized
 * allocation (so a read past it is an ASan error) and at offset 0. */
static void
model_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (uint8_t)(src[i] + 32) : src[i];
}

START_TEST(parse_word_reader_matches_bytewise_model)
{
	for (unsigned l1 = 1; l1 <= 63; l1++) {
		for (unsigned l2 = 1; l2 <= 9; l2++) {
			/* name: <l1 bytes><l2 bytes>, every byte value cycling so
			 * letters, their neighbours ('@' '[' '`' '{') and >= 0x80 occur */
			uint8_t name[DNAME_MAXLEN];
			size_t n = 0;
			name[n++] = (uint8_t)l1;
			for (unsigned i = 0; i < l1; i++)
				name[n++] = (uint8_t)(0x3f + (i * 7 + l1 + l2) % 0xc1);
			name[n++] = (uint8_t)l2;
			for (unsigned i = 0; i < l2; i++)
				name[n++] = (uint8_t)("@AZ[`az{\xc1\xff"[(i + l1) % 10]);
			name[n++] = 0;
			for (size_t at = 0; at <= 12; at += 12) {
				uint8_t *pkt = malloc(at + n);   /* nothing behind the name */
				ck_assert_ptr_nonnull(pkt);
				memset(pkt, 0xAA, at);
				memcpy(pkt + at, name, n);
				uint8_t lower[DNAME_MAXLEN], offs[DNAME_MAXLABELS], want[DNAME_MAXLEN];
				uint32_t hashes[DNAME_MAXLABELS + 1];
				unsigned labels;
				size_t pos = at;
				int len = dname_parse_query(pkt, at + n, &pos, lower, offs, &labels, hashes);
				ck_assert_int_eq(len, (int)n);
				ck_assert_uint_eq(pos, at + n);
				ck_assert_uint_eq(labels, 2);
				ck_assert_uint_eq(offs[1], 1 + l1);
				model_lower(want, name, n);
				ck_assert_mem_eq(lower, want, n);
				/* case does not change any suffix's hash */
				ck_assert_uint_eq(hashes[0], dname_hash(want));
				ck_assert_uint_eq(hashes[1], dname_hash(want + 1 + l1));
				ck_assert_uint_eq(hashes[2], dname_hash(W("")));
				uint8_t copy[DNAME_MAXLEN];
				dname_to_lower(copy, name);
				ck_assert_mem_eq(copy, want, n);
				free(pkt);
			}
		}
	}
}
END_TEST

/* Suffix hashes tell names apart, including ones that differ only in a
 * label boundary or in the bytes of a partial last word. */
START_TEST(hashes_tell_close_names_apart)
{
	static const char *const names[] = {
		"\3abc\3def", "\6abcdef", "\2ab\4cdef", "\10abcdefgh", "\10abcdefgi",
		"\11abcdefghi", "\7abcdefg", "\7abcdefg\0", "\1a", "\1b",
	};
	size_t k = sizeof(names) / sizeof(names[0]) - 1;   /* the last two differ too */
	uint32_t h[16];
	for (size_t i = 0; i <= k; i++)
		h[i] = dname_hash(W(names[i]));
	for (size_t i = 0; i <= k; i++)
		for (size_t j = i + 1; j <= k; j++)
			if (strcmp(names[i], names[j]) != 0)
				ck_assert_uint_ne(h[i], h[j]);
	/* the low bits index the tables: 20,000 hostN names spread over
	 * 2^15 slots with no more than a few per slot */
	static uint8_t slots[1u << 15];
	memset(slots, 0, sizeof(slots));
	unsigned worst = 0;
	for (unsigned i = 0; i < 20000; i++) {
		uint8_t w[64];
		char label[32];
		int l = snprintf(label, sizeof(label), "host%u", i);
		w[0] = (uint8_t)l;
		memcpy(w + 1, label, (size_t)l);
		memcpy(w + 1 + l, "\5bench\4test", 12);
		unsigned c = ++slots[dname_hash(w) & ((1u << 15) - 1)];
		worst = c > worst ? c : worst;
	}
	ck_assert_uint_le(worst, 8);
}
END_TEST

/* The hash of a name as another process of this program computes it. */
static uint32_t
hash_in_new_process(void)
{
	char exe[4096], cmd[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "HZ_TEST_PRINT_HASH=1 '%s'", exe);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	unsigned long h = 0;
	ck_assert_int_eq(fscanf(p, "%lu", &h), 1);
	ck_assert_int_eq(pclose(p), 0);
	return (uint32_t)h;
}

#define SEED_NAME W("\3www\7example\3com")

/* The hash is seeded at random per process (so clients cannot aim names
 * at one chain of a zone's or the cache's table): two processes hash the
 * same name differently, and each agrees with itself (the parser and
 * dname_hash(), which builds the zones, use the same seed). */
START_TEST(hash_seed_differs_per_process)
{
	uint32_t mine = dname_hash(SEED_NAME);
	uint32_t a = hash_in_new_process(), b = hash_in_new_process();
	ck_assert_uint_ne(a, b);
	ck_assert_uint_ne(a, mine);
	ck_assert_uint_ne(b, mine);
	ck_assert_uint_eq(mine, dname_hash(SEED_NAME));
}
END_TEST

START_TEST(compare_and_print)
{
	ck_assert(dname_equal(W("\3WWW\7example\0"), W("\3www\7EXAMPLE\0")));
	ck_assert(!dname_equal(W("\3www\7example\0"), W("\3ww1\7example\0")));
	ck_assert(dname_is_subdomain(W("\3www\7Example\3com\0"), W("\7example\3COM\0")));
	ck_assert(dname_is_subdomain(W("\7example\3com\0"), W("\7example\3com\0")));
	ck_assert(dname_is_subdomain(W("\3com\0"), W("\0")));
	ck_assert(!dname_is_subdomain(W("\3com\0"), W("\7example\3com\0")));
	/* a label boundary matters: xexample.com is not below example.com */
	ck_assert(!dname_is_subdomain(W("\10xexample\3com\0"), W("\7example\3com\0")));
	ck_assert_uint_eq(dname_label_count(W("\1a\1b\0")), 2);
	ck_assert_uint_eq(dname_length(W("\1a\1b\0")), 5);
	char buf[64];
	dname_to_text(W("\3a.b\2c\\\0"), buf, sizeof(buf));
	ck_assert_str_eq(buf, "a\\.b.c\\\\.");
	dname_to_text(W("\0"), buf, sizeof(buf));
	ck_assert_str_eq(buf, ".");
}
END_TEST

int
main(void)
{
	if (getenv("HZ_TEST_PRINT_HASH") != NULL) {   /* hash_seed_differs_per_process */
		printf("%lu\n", (unsigned long)dname_hash(SEED_NAME));
		return 0;
	}
	Suite *s = suite_create("dname");
	TCase *tc = tcase_create("dname");
	tcase_add_test(tc, parse_lowercases_and_hashes_every_suffix);
	tcase_add_test(tc, parse_rejects_malformed_names);
	tcase_add_test(tc, compare_and_print);
	tcase_add_test(tc, parse_word_reader_matches_bytewise_model);
	tcase_add_test(tc, hashes_tell_close_names_apart);
	tcase_add_test(tc, hash_seed_differs_per_process);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}

/* test_cookie.c -- SipHash-2-4 known answers, RFC 9018's server cookie
 * examples, and the validity window of our server cookies.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "testlib.h"

static void
unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i] != '\0'; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* The reference implementation's vectors (key 00..0f, message 00..len-1). */
START_TEST(siphash_reference)
{
	uint8_t key[16], msg[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(cookie_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(cookie_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);  /* the paper's */
	ck_assert_uint_eq(cookie_siphash24(key, msg, 8), 0x93f5f5799a932462ULL);
	ck_assert_uint_eq(cookie_siphash24(key, msg, 63), 0x958a324ceb064572ULL);
}
END_TEST

/* RFC 9018 Appendix A.1 and A.2: the same client, learning a server cookie
 * and then a renewed one. */
START_TEST(rfc9018_examples)
{
	uint8_t secret[16], cc[8], want[16], got[16];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, "198.51.100.100", &sin.sin_addr);
	unhex("e5e973e5a6b2a43f48e7dc849e37bfcf", secret);
	unhex("2464c4abcf10c957", cc);
	cookie_server_make(secret, cc, 1559731985, (struct sockaddr *)&sin, got);
	unhex("010000005cf79f111f8130c3eee29480", want);
	ck_assert_mem_eq(got, want, 16);
	cookie_server_make(secret, cc, 1559734385, (struct sockaddr *)&sin, got);
	unhex("010000005cf7a871d4a564a1442aca77", want);
	ck_assert_mem_eq(got, want, 16);
}
END_TEST

START_TEST(validity)
{
	uint8_t cc[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, sc[16];
	struct sockaddr_in a = { .sin_family = AF_INET }, b = a;
	inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
	inet_pton(AF_INET, "192.0.2.2", &b.sin_addr);
	uint32_t t = 86400u * 20000u - 100;   /* 100 s before a new day's key */
	cookie_server_now(cc, (struct sockaddr *)&a, t, sc);
	ck_assert_uint_eq(sc[0], 1);
	ck_assert(cookie_server_valid(cc, sc, 16, (struct sockaddr *)&a, t));
	ck_assert(cookie_server_valid(cc, sc, 16, (struct sockaddr *)&a, t + 3600));  /* next day */
	ck_assert(!cookie_server_valid(cc, sc, 16, (struct sockaddr *)&a, t + 3601));
	ck_assert(cookie_server_valid(cc, sc, 16, (struct sockaddr *)&a, t - 300));
	ck_assert(!cookie_server_valid(cc, sc, 16, (struct sockaddr *)&a, t - 301));
	ck_assert(!cookie_server_valid(cc, sc, 16, (struct sockaddr *)&b, t));   /* other client */
	ck_assert(!cookie_server_valid(cc, sc, 15, (struct sockaddr *)&a, t));
	uint8_t other[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };
	ck_assert(!cookie_server_valid(other, sc, 16, (struct sockaddr *)&a, t));
	for (int i = 0; i < 16; i++) {
		sc[i] ^= 0x20;
		ck_assert(!cookie_server_valid(cc, sc, 16, (struct sockaddr *)&a, t));
		sc[i] ^= 0x20;
	}
	/* IPv6 clients are keyed by the whole address */
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 }, t6 = s6;
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	inet_pton(AF_INET6, "2001:db8::2", &t6.sin6_addr);
	cookie_server_now(cc, (struct sockaddr *)&s6, t, sc);
	ck_assert(cookie_server_valid(cc, sc, 16, (struct sockaddr *)&s6, t + 10));
	ck_assert(!cookie_server_valid(cc, sc, 16, (struct sockaddr *)&t6, t + 10));
}
END_TEST

static Suite *
cookie_suite(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("cookie");
	tcase_add_test(tc, siphash_reference);
	tcase_add_test(tc, rfc9018_examples);
	tcase_add_test(tc, validity);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(cookie_suite());
}

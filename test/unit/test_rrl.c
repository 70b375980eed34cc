/* test_rrl.c -- response rate limiting: buckets per (prefix, class, name),
 * refill per second, slip, window, exemptions; a fake clock (now_s).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "rrl.h"
#include "testlib.h"
#include "wire.h"

/* An answer as query.c writes it: header, question "www.example." A, and
 * ancount records (not written: rrl only reads the header and question). */
static size_t
answer(uint8_t *a, const char *label, unsigned rcode, unsigned ancount)
{
	memset(a, 0, 12);
	a[2] = 0x84;
	a[3] = (uint8_t)rcode;
	put16(a + 4, 1);
	put16(a + 6, (uint16_t)ancount);
	size_t n = 12, l = strlen(label);
	a[n++] = (uint8_t)l;
	memcpy(a + n, label, l);
	n += l;
	memcpy(a + n, "\7example\0", 9);
	n += 9;
	put16(a + n, LDNS_RR_TYPE_A);
	put16(a + n + 2, LDNS_RR_CLASS_IN);
	n += 4;
	memset(a + n, 0xAB, 40);   /* stands for the records */
	return n + 40;
}

static struct sockaddr_in
v4(const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, text, &sin.sin_addr);
	return sin;
}

static conf_rate_limit_t
settings(unsigned rps, unsigned slip)
{
	conf_rate_limit_t rl = {
		.responses_per_second = rps, .errors_per_second = rps, .nxdomains_per_second = rps,
		.slip = slip, .window = 15, .ipv4_prefix_length = 24, .ipv6_prefix_length = 56,
	};
	return rl;
}

/* Charge n identical answers at time now: counts of pass, slip, drop. */
static void
charge(rrl_table_t *t, const conf_rate_limit_t *rl, const char *src, const uint8_t *a,
       size_t len, unsigned n, uint32_t now, unsigned got[3])
{
	struct sockaddr_in sin = v4(src);
	got[0] = got[1] = got[2] = 0;
	for (unsigned i = 0; i < n; i++)
		got[rrl_account(t, rl, 0, (struct sockaddr *)&sin, a, len, now)]++;
}

START_TEST(rate_and_slip)
{
	rrl_table_t *t = rrl_table_new();
	ck_assert_ptr_nonnull(t);
	conf_rate_limit_t rl = settings(5, 2);
	uint8_t a[128];
	size_t len = answer(a, "www", LDNS_RCODE_NOERROR, 1);
	unsigned got[3];
	/* 300 in one second: 5 answers, then every other one TC */
	charge(t, &rl, "192.0.2.1", a, len, 300, 1000, got);
	ck_assert_uint_eq(got[RRL_PASS], 5);
	ck_assert_uint_eq(got[RRL_SLIP], 147);
	ck_assert_uint_eq(got[RRL_DROP], 148);
	/* the same /24 shares the bucket; another /24 and another name do not */
	charge(t, &rl, "192.0.2.200", a, len, 1, 1000, got);
	ck_assert_uint_eq(got[RRL_PASS], 0);
	charge(t, &rl, "192.0.3.1", a, len, 5, 1000, got);
	ck_assert_uint_eq(got[RRL_PASS], 5);
	uint8_t b[128];
	size_t blen = answer(b, "mail", LDNS_RCODE_NOERROR, 1);
	charge(t, &rl, "192.0.2.1", b, blen, 5, 1000, got);
	ck_assert_uint_eq(got[RRL_PASS], 5);
	/* the debt is at most window (15) seconds of rate: after 15 s all is forgiven */
	charge(t, &rl, "192.0.2.1", a, len, 1, 1014, got);
	ck_assert_uint_eq(got[RRL_PASS], 0);
	charge(t, &rl, "192.0.2.1", a, len, 5, 1030, got);
	ck_assert_uint_eq(got[RRL_PASS], 5);
	/* steady at the rate: every answer passes */
	for (uint32_t s = 1031; s < 1040; s++) {
		charge(t, &rl, "192.0.2.1", a, len, 5, s, got);
		ck_assert_uint_eq(got[RRL_PASS], 5);
	}
	rrl_stats_t st;
	rrl_table_stats(t, &st);
	ck_assert_uint_eq(st.limited, 295 + 1 + 1);
	ck_assert_uint_eq(st.slipped + st.dropped, st.limited);
	rrl_table_free(&t);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(classes_and_slip_settings)
{
	rrl_table_t *t = rrl_table_new();
	conf_rate_limit_t rl = settings(100, 0);
	rl.nxdomains_per_second = 2;
	rl.errors_per_second = 0;   /* errors not limited */
	uint8_t a[128];
	unsigned got[3];
	/* NXDOMAIN: one bucket per prefix whatever the name; slip 0 drops */
	size_t len = answer(a, "r1", LDNS_RCODE_NXDOMAIN, 0);
	charge(t, &rl, "198.51.100.7", a, len, 2, 50, got);
	ck_assert_uint_eq(got[RRL_PASS], 2);
	len = answer(a, "r2", LDNS_RCODE_NXDOMAIN, 0);
	charge(t, &rl, "198.51.100.7", a, len, 10, 50, got);
	ck_assert_uint_eq(got[RRL_PASS], 0);
	ck_assert_uint_eq(got[RRL_DROP], 10);
	len = answer(a, "r3", LDNS_RCODE_REFUSED, 0);
	charge(t, &rl, "198.51.100.7", a, len, 500, 50, got);
	ck_assert_uint_eq(got[RRL_PASS], 500);
	/* slip 1: every limited answer is TC */
	rl = settings(1, 1);
	len = answer(a, "x", LDNS_RCODE_SERVFAIL, 0);
	charge(t, &rl, "203.0.113.9", a, len, 4, 60, got);
	ck_assert_uint_eq(got[RRL_PASS], 1);
	ck_assert_uint_eq(got[RRL_SLIP], 3);
	rrl_table_free(&t);
}
END_TEST

START_TEST(exempt_and_v6_prefix)
{
	rrl_table_t *t = rrl_table_new();
	conf_rate_limit_t rl = settings(1, 2);
	acl_elem_t e = { 0 };
	const char *why;
	ck_assert_int_eq(acl_parse_prefix("192.0.2.0/28", &e, &why), 0);
	acl_t exempt = { .elems = &e, .count = 1 };
	rl.exempt_clients = &exempt;
	uint8_t a[128];
	size_t len = answer(a, "www", LDNS_RCODE_NOERROR, 1);
	unsigned got[3];
	charge(t, &rl, "192.0.2.3", a, len, 50, 7, got);
	ck_assert_uint_eq(got[RRL_PASS], 50);
	/* two addresses in one /56 share a bucket, another /56 does not */
	struct sockaddr_in6 s1 = { .sin6_family = AF_INET6 }, s2 = s1, s3 = s1;
	inet_pton(AF_INET6, "2001:db8:0:1::1", &s1.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:0:2::1", &s2.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1::1", &s3.sin6_addr);
	ck_assert_int_eq(rrl_account(t, &rl, 0, (struct sockaddr *)&s1, a, len, 7), RRL_PASS);
	ck_assert_int_ne(rrl_account(t, &rl, 0, (struct sockaddr *)&s2, a, len, 7), RRL_PASS);
	ck_assert_int_eq(rrl_account(t, &rl, 0, (struct sockaddr *)&s3, a, len, 7), RRL_PASS);
	/* another view has its own buckets */
	ck_assert_int_eq(rrl_account(t, &rl, 1, (struct sockaddr *)&s1, a, len, 7), RRL_PASS);
	rrl_table_free(&t);
}
END_TEST

START_TEST(truncate_to_tc)
{
	uint8_t a[128];
	size_t len = answer(a, "www", LDNS_RCODE_NOERROR, 1);
	put16(a + 10, 1);
	size_t n = rrl_truncate(a, len);
	ck_assert_uint_eq(n, 12 + 1 + 3 + 9 + 4);
	ck_assert(a[2] & 0x02);
	ck_assert_uint_eq(get16(a + 4), 1);
	ck_assert_uint_eq(get16(a + 6), 0);
	ck_assert_uint_eq(get16(a + 10), 0);
	/* no question: the header alone */
	put16(a + 4, 0);
	ck_assert_uint_eq(rrl_truncate(a, n), 12);
}
END_TEST

static Suite *
rrl_suite(void)
{
	Suite *s = suite_create("rrl");
	TCase *tc = tcase_create("rrl");
	tcase_add_test(tc, rate_and_slip);
	tcase_add_test(tc, classes_and_slip_settings);
	tcase_add_test(tc, exempt_and_v6_prefix);
	tcase_add_test(tc, truncate_to_tc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(rrl_suite());
}

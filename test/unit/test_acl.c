/* test_acl.c -- unit tests for address-match lists.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "acl.h"
#include "conf.h"
#include "testlib.h"

/* Build a list from element strings: "any", "none", prefixes, each with an
 * optional "!"; "@N" is nested list N from the nested[] argument. */
#define MAXE 32
typedef struct test_acl {
	acl_t acl;
	acl_elem_t elems[MAXE];
} test_acl_t;

static void
build(test_acl_t *t, const char *const *items, const acl_t *const *nested)
{
	memset(t, 0, sizeof(*t));
	t->acl.elems = t->elems;
	for (size_t i = 0; items[i] != NULL; i++) {
		ck_assert_uint_lt(i, MAXE);
		const char *s = items[i];
		acl_elem_t *e = &t->elems[i];
		bool neg = false;
		if (*s == '!') {
			neg = true;
			s++;
		}
		if (strcmp(s, "any") == 0) {
			e->kind = ACL_ANY;
		} else if (strcmp(s, "none") == 0) {
			e->kind = ACL_NONE;
		} else if (*s == '@') {
			e->kind = ACL_NESTED;
			e->nested = nested[atoi(s + 1)];
		} else {
			const char *why = NULL;
			ck_assert_msg(acl_parse_prefix(s, e, &why) == 0, "%s: %s", s, why);
		}
		e->negated = neg;
		t->acl.count++;
	}
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static enum acl_result
m4(const acl_t *acl, const char *s)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, s, &sin.sin_addr), 1);
	enum acl_result r = acl_match(acl, (const struct sockaddr *)&sin);
	/* the raw-address entry point agrees */
	ck_assert_int_eq(acl_match_addr(acl, AF_INET, (const uint8_t *)&sin.sin_addr), r);
	return r;
}

static enum acl_result
m6(const acl_t *acl, const char *s)
{
	struct sockaddr_in6 sin6;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &sin6.sin6_addr), 1);
	enum acl_result r = acl_match(acl, (const struct sockaddr *)&sin6);
	ck_assert_int_eq(acl_match_addr(acl, AF_INET6, (const uint8_t *)&sin6.sin6_addr), r);
	return r;
}

/* One probe of a list: its elements (as build() takes them, separated by
 * spaces), a client address (IPv4, or IPv6 if it has a ':'), the result. */
typedef struct match_row {
	const char *list;
	const char *addr;
	enum acl_result want;
} match_row_t;

/* Build each row's list and ask it; a failure names the row. */
static void
check_rows(const match_row_t *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		const char *items[MAXE + 1];
		size_t k = 0;
		ck_assert_uint_lt(strlen(rows[i].list), sizeof(buf));
		strcpy(buf, rows[i].list);
		for (char *save = NULL, *e = strtok_r(buf, " ", &save); e != NULL; e = strtok_r(NULL, " ", &save)) {
			ck_assert_uint_lt(k, MAXE);
			items[k++] = e;
		}
		items[k] = NULL;
		test_acl_t t;
		build(&t, items, NULL);
		const char *a = rows[i].addr;
		enum acl_result got = strchr(a, ':') != NULL ? m6(&t.acl, a) : m4(&t.acl, a);
		ck_assert_msg(got == rows[i].want, "row %zu: [%s] %s: %d, expected %d", i, rows[i].list, a,
			      got, rows[i].want);
	}
}

START_TEST(test_parse_prefix)
{
	acl_elem_t e;
	const char *why;
	uint8_t want[16];

	ck_assert_int_eq(acl_parse_prefix("192.0.2.1", &e, &why), 0);
	ck_assert_int_eq(e.kind, ACL_PREFIX);
	ck_assert_int_eq(e.family, AF_INET);
	ck_assert_uint_eq(e.prefixlen, 32);
	inet_pton(AF_INET, "192.0.2.1", want);
	ck_assert_mem_eq(e.addr, want, 4);

	/* host bits are cleared, not an error */
	ck_assert_int_eq(acl_parse_prefix("10.1.2.3/13", &e, &why), 0);
	ck_assert_uint_eq(e.prefixlen, 13);
	inet_pton(AF_INET, "10.0.0.0", want);
	ck_assert_mem_eq(e.addr, want, 4);

	ck_assert_int_eq(acl_parse_prefix("2001:db8:ffff:ffff:ffff::1/77", &e, &why), 0);
	ck_assert_int_eq(e.family, AF_INET6);
	ck_assert_uint_eq(e.prefixlen, 77);
	inet_pton(AF_INET6, "2001:db8:ffff:ffff:fff8::", want);
	ck_assert_mem_eq(e.addr, want, 16);

	ck_assert_int_eq(acl_parse_prefix("0.0.0.0/0", &e, &why), 0);
	ck_assert_uint_eq(e.prefixlen, 0);
	ck_assert_int_eq(acl_parse_prefix("::/0", &e, &why), 0);
	ck_assert_int_eq(acl_parse_prefix("::1/128", &e, &why), 0);
	ck_assert_uint_eq(e.prefixlen, 128);
	ck_assert_int_eq(acl_parse_prefix("255.255.255.255/32", &e, &why), 0);

	/* an IPv4-mapped prefix becomes IPv4 */
	ck_assert_int_eq(acl_parse_prefix("::ffff:10.0.0.0/104", &e, &why), 0);
	ck_assert_int_eq(e.family, AF_INET);
	ck_assert_uint_eq(e.prefixlen, 8);
	inet_pton(AF_INET, "10.0.0.0", want);
	ck_assert_mem_eq(e.addr, want, 4);
	ck_assert_int_eq(acl_parse_prefix("::ffff:1.2.3.4", &e, &why), 0);
	ck_assert_int_eq(e.family, AF_INET);
	ck_assert_uint_eq(e.prefixlen, 32);

	why = NULL;
	ck_assert_int_eq(acl_parse_prefix("10.0.0.0/33", &e, &why), -1);
	ck_assert_str_eq(why, "prefix length out of range");
	ck_assert_int_eq(acl_parse_prefix("::/129", &e, &why), -1);
	ck_assert_str_eq(why, "prefix length out of range");
	ck_assert_int_eq(acl_parse_prefix("10.0.0.0/99999999999", &e, &why), -1);
	ck_assert_str_eq(why, "prefix length out of range");
	static const char *const bad_len[] = { "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/ 8",
					       "10.0.0.0/8/8", "10.0.0.0/+8", "10.0.0.0/x" };
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		ck_assert_int_eq(acl_parse_prefix(bad_len[i], &e, &why), -1);
		ck_assert_str_eq(why, "bad prefix length");
	}
	static const char *const bad[] = { "", "abc", "1.2.3", "256.0.0.0", "1.2.3.4.5", "/8",
					   "fe80::1%eth0", " 10.0.0.0", "10.0.0.0 ", ":::",
					   "1111:2222:3333:4444:5555:6666:7777:8888:9999/64" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(acl_parse_prefix(bad[i], &e, &why) == -1, "'%s' parsed", bad[i]);
		ck_assert_str_eq(why, "bad address");
	}
	ck_assert_int_eq(acl_parse_prefix("nonsense", &e, NULL), -1);   /* why may be NULL */
}
END_TEST

START_TEST(test_match_v4_prefixes)
{
	static const match_row_t rows[] = {
		{ "10.8.0.0/13", "10.8.0.0", ACL_MATCH },
		{ "10.8.0.0/13", "10.15.255.255", ACL_MATCH },
		{ "10.8.0.0/13", "10.7.255.255", ACL_NOMATCH },
		{ "10.8.0.0/13", "10.16.0.0", ACL_NOMATCH },

		/* /32 */
		{ "192.0.2.7", "192.0.2.7", ACL_MATCH },
		{ "192.0.2.7", "192.0.2.6", ACL_NOMATCH },
		{ "192.0.2.7", "192.0.2.8", ACL_NOMATCH },

		{ "0.0.0.0/0", "0.0.0.0", ACL_MATCH },
		{ "0.0.0.0/0", "255.255.255.255", ACL_MATCH },
		{ "0.0.0.0/0", "2001:db8::1", ACL_NOMATCH }, /* other family */
		{ "0.0.0.0/0", "::ffff:1.2.3.4", ACL_MATCH }, /* mapped is v4 */

		{ "128.0.0.0/1", "127.255.255.255", ACL_NOMATCH },
		{ "128.0.0.0/1", "128.0.0.0", ACL_MATCH },

		{ "172.16.0.0/12 192.168.0.0/16", "172.31.1.1", ACL_MATCH },
		{ "172.16.0.0/12 192.168.0.0/16", "172.32.1.1", ACL_NOMATCH },
		{ "172.16.0.0/12 192.168.0.0/16", "192.168.200.1", ACL_MATCH },
	};
	check_rows(rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(test_match_v6_prefixes)
{
	static const match_row_t rows[] = {
		{ "2001:db8:ffff:ffff:fff8::/77", "2001:db8:ffff:ffff:fff8::", ACL_MATCH },
		{ "2001:db8:ffff:ffff:fff8::/77", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", ACL_MATCH },
		{ "2001:db8:ffff:ffff:fff8::/77", "2001:db8:ffff:ffff:fff7:ffff:ffff:ffff", ACL_NOMATCH },
		{ "2001:db8:ffff:ffff:fff8::/77", "32.1.13.184", ACL_NOMATCH },

		/* /128 */
		{ "::1", "::1", ACL_MATCH },
		{ "::1", "::2", ACL_NOMATCH },
		{ "::1", "::", ACL_NOMATCH },

		{ "::/0", "ffff::1", ACL_MATCH },
		{ "::/0", "::", ACL_MATCH },
		/* IPv4 clients, also those arriving as mapped addresses, are IPv4 */
		{ "::/0", "10.0.0.1", ACL_NOMATCH },
		{ "::/0", "::ffff:10.0.0.1", ACL_NOMATCH },

		{ "fc00::/7", "fdff:ffff::1", ACL_MATCH },
		{ "fc00::/7", "fe00::1", ACL_NOMATCH },
		{ "fc00::/7", "fbff::1", ACL_NOMATCH },
	};
	check_rows(rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(test_match_mapped)
{
	static const match_row_t rows[] = {
		{ "10.0.0.0/8", "::ffff:10.1.2.3", ACL_MATCH },
		{ "10.0.0.0/8", "::ffff:11.1.2.3", ACL_NOMATCH },
		/* not mapped: IPv4-compatible and NAT64 forms stay IPv6 */
		{ "10.0.0.0/8", "::10.1.2.3", ACL_NOMATCH },
		{ "10.0.0.0/8", "64:ff9b::10.1.2.3", ACL_NOMATCH },

		{ "::ffff:192.168.0.0/112", "192.168.5.5", ACL_MATCH },
		{ "::ffff:192.168.0.0/112", "::ffff:192.168.5.5", ACL_MATCH },
		{ "::ffff:192.168.0.0/112", "192.169.0.0", ACL_NOMATCH },

		{ "!127.0.0.1 any", "::ffff:127.0.0.1", ACL_DENY },
		{ "!127.0.0.1 any", "::ffff:127.0.0.2", ACL_MATCH },
	};
	check_rows(rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(test_match_any_none_negation)
{
	static const match_row_t rows[] = {
		{ "any", "1.2.3.4", ACL_MATCH },
		{ "any", "2001:db8::1", ACL_MATCH },

		{ "none", "1.2.3.4", ACL_DENY },
		{ "none", "::1", ACL_DENY },

		/* nothing after none is reached */
		{ "10.0.0.0/8 none any", "10.0.0.1", ACL_MATCH },
		{ "10.0.0.0/8 none any", "11.0.0.1", ACL_DENY },

		{ "!any 10.0.0.0/8", "10.0.0.1", ACL_DENY },
		{ "!none", "10.0.0.1", ACL_MATCH },

		/* first match decides */
		{ "!10.1.0.0/16 10.0.0.0/8", "10.1.2.3", ACL_DENY },
		{ "!10.1.0.0/16 10.0.0.0/8", "10.2.2.3", ACL_MATCH },
		{ "!10.1.0.0/16 10.0.0.0/8", "11.2.2.3", ACL_NOMATCH },
		{ "10.0.0.0/8 !10.1.0.0/16", "10.1.2.3", ACL_MATCH },
		{ "!10.0.0.0/8", "10.1.2.3", ACL_DENY },
		{ "!10.0.0.0/8", "11.1.2.3", ACL_NOMATCH },
	};
	check_rows(rows, sizeof(rows) / sizeof(rows[0]));

	/* empty list and NULL list */
	test_acl_t t;
	memset(&t, 0, sizeof(t));
	t.acl.elems = t.elems;
	ck_assert_int_eq(m4(&t.acl, "1.2.3.4"), ACL_NOMATCH);
	ck_assert_int_eq(m4(NULL, "1.2.3.4"), ACL_MATCH);
	ck_assert_int_eq(m6(NULL, "::1"), ACL_MATCH);
}
END_TEST

/* "key NAME": matches only a request signed with that very key; an unsigned
 * request (acl_match) never matches it, whatever its address. */
START_TEST(test_match_key)
{
	conf_key_t k1 = { .name = "int-xfr" }, k2 = { .name = "ext-xfr" };
	test_acl_t t;
	build(&t, L("127.0.0.0/8"), NULL);
	memmove(&t.elems[1], &t.elems[0], sizeof(t.elems[0]));
	memset(&t.elems[0], 0, sizeof(t.elems[0]));
	t.elems[0].kind = ACL_KEY;
	t.elems[0].key = &k1;
	t.elems[0].negated = true;   /* [!key int-xfr, 127/8] */
	t.acl.count = 2;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.3", &sin.sin_addr);
	const struct sockaddr *sa = (const struct sockaddr *)&sin;
	ck_assert_int_eq(acl_match(&t.acl, sa), ACL_MATCH);
	ck_assert_int_eq(acl_match_key(&t.acl, sa, NULL), ACL_MATCH);
	ck_assert_int_eq(acl_match_key(&t.acl, sa, &k1), ACL_DENY);
	ck_assert_int_eq(acl_match_key(&t.acl, sa, &k2), ACL_MATCH);

	/* [key ext-xfr] alone: only that key, from any address */
	t.elems[0].key = &k2;
	t.elems[0].negated = false;
	t.acl.count = 1;
	ck_assert_int_eq(acl_match(&t.acl, sa), ACL_NOMATCH);
	ck_assert_int_eq(acl_match_key(&t.acl, sa, &k1), ACL_NOMATCH);
	ck_assert_int_eq(acl_match_key(&t.acl, sa, &k2), ACL_MATCH);
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	ck_assert_int_eq(acl_match_key(&t.acl, (const struct sockaddr *)&sin6, &k2), ACL_MATCH);

	/* inside a named (nested) list */
	test_acl_t outer;
	const acl_t *n[] = { &t.acl };
	build(&outer, L("@0", "!any"), n);
	ck_assert_int_eq(acl_match_key(&outer.acl, sa, &k2), ACL_MATCH);
	ck_assert_int_eq(acl_match_key(&outer.acl, sa, NULL), ACL_DENY);
}
END_TEST

START_TEST(test_match_nested)
{
	test_acl_t inner, outer, lan;
	build(&inner, L("!10.1.0.0/16", "10.0.0.0/8"), NULL);
	const acl_t *n1[] = { &inner.acl };

	/* positive inner match: outer matches */
	build(&outer, L("@0", "!any"), n1);
	ck_assert_int_eq(m4(&outer.acl, "10.2.0.1"), ACL_MATCH);
	/* inner ends negatively: that element does not match, outer goes on */
	ck_assert_int_eq(m4(&outer.acl, "10.1.0.1"), ACL_DENY);   /* reaches !any */
	build(&outer, L("@0", "any"), n1);
	ck_assert_int_eq(m4(&outer.acl, "10.1.0.1"), ACL_MATCH);
	ck_assert_int_eq(m4(&outer.acl, "11.0.0.1"), ACL_MATCH);
	build(&outer, L("@0"), n1);
	ck_assert_int_eq(m4(&outer.acl, "10.1.0.1"), ACL_NOMATCH);

	/* negated nested: !x denies where x matches positively; where x ends
	 * negatively it is skipped (no double negation into a match) */
	build(&outer, L("!@0", "any"), n1);
	ck_assert_int_eq(m4(&outer.acl, "10.2.0.1"), ACL_DENY);
	ck_assert_int_eq(m4(&outer.acl, "10.1.0.1"), ACL_MATCH);   /* via any */
	build(&outer, L("!@0"), n1);
	ck_assert_int_eq(m4(&outer.acl, "10.1.0.1"), ACL_NOMATCH);
	ck_assert_int_eq(m4(&outer.acl, "12.0.0.1"), ACL_NOMATCH);

	/* none inside a nested list stops only that list */
	build(&inner, L("127.0.0.1", "none"), NULL);
	build(&outer, L("@0", "10.0.0.0/8"), n1);
	ck_assert_int_eq(m4(&outer.acl, "127.0.0.1"), ACL_MATCH);
	ck_assert_int_eq(m4(&outer.acl, "10.0.0.1"), ACL_MATCH);
	ck_assert_int_eq(m4(&outer.acl, "11.0.0.1"), ACL_NOMATCH);

	/* two levels: BIND's common "!lan; any" pattern with lan nested */
	build(&lan, L("10.0.0.0/8", "fc00::/7"), NULL);
	const acl_t *n2[] = { &lan.acl };
	build(&inner, L("@0"), n2);
	build(&outer, L("!@0", "any"), n1);
	ck_assert_int_eq(m4(&outer.acl, "10.9.9.9"), ACL_DENY);
	ck_assert_int_eq(m6(&outer.acl, "fd00::9"), ACL_DENY);
	ck_assert_int_eq(m6(&outer.acl, "2001:db8::9"), ACL_MATCH);
	ck_assert_int_eq(m6(&outer.acl, "::ffff:10.9.9.9"), ACL_DENY);

	/* NULL nested pointer (never produced by the loader) does not match */
	build(&outer, L("@0", "any"), (const acl_t *const[]){ NULL });
	ck_assert_int_eq(m4(&outer.acl, "10.0.0.1"), ACL_MATCH);
}
END_TEST

START_TEST(test_match_depth_and_loops)
{
	/* A chain: lists[i] = [lists[i+1]], the last = [10/8]. */
	static test_acl_t lists[ACL_MAX_DEPTH + 2];
	for (int depth = 1; depth <= ACL_MAX_DEPTH + 1; depth++) {
		/* depth lists in the chain: the outermost plus depth-1 nested */
		for (int i = 0; i < depth; i++) {
			if (i == depth - 1) {
				build(&lists[i], L("10.0.0.0/8"), NULL);
			} else {
				const acl_t *n[] = { &lists[i + 1].acl };
				build(&lists[i], L("@0"), n);
			}
		}
		enum acl_result want = depth <= ACL_MAX_DEPTH ? ACL_MATCH : ACL_NOMATCH;
		ck_assert_msg(m4(&lists[0].acl, "10.0.0.1") == want, "depth %d", depth);
	}

	/* A cycle built by hand (the loader rejects these) must terminate. */
	test_acl_t a, b;
	const acl_t *nb[] = { &b.acl };
	const acl_t *na[] = { &a.acl };
	build(&a, L("@0", "10.0.0.0/8"), nb);
	build(&b, L("@0"), na);
	ck_assert_int_eq(m4(&a.acl, "10.0.0.1"), ACL_MATCH);
	ck_assert_int_eq(m4(&a.acl, "11.0.0.1"), ACL_NOMATCH);
	build(&a, L("@0"), na);   /* a refers to itself */
	ck_assert_int_eq(m4(&a.acl, "11.0.0.1"), ACL_NOMATCH);
}
END_TEST

START_TEST(test_match_other_family)
{
	test_acl_t t;
	struct sockaddr_un su;
	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	build(&t, L("0.0.0.0/0", "::/0"), NULL);
	ck_assert_int_eq(acl_match(&t.acl, (const struct sockaddr *)&su), ACL_NOMATCH);
	build(&t, L("any"), NULL);
	ck_assert_int_eq(acl_match(&t.acl, (const struct sockaddr *)&su), ACL_MATCH);
	ck_assert_int_eq(acl_match(&t.acl, NULL), ACL_NOMATCH);
}
END_TEST

static Suite *
acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("acl");
	tcase_add_test(tc, test_parse_prefix);
	tcase_add_test(tc, test_match_key);
	tcase_add_test(tc, test_match_v4_prefixes);
	tcase_add_test(tc, test_match_v6_prefixes);
	tcase_add_test(tc, test_match_mapped);
	tcase_add_test(tc, test_match_any_none_negation);
	tcase_add_test(tc, test_match_nested);
	tcase_add_test(tc, test_match_depth_and_loops);
	tcase_add_test(tc, test_match_other_family);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(acl_suite());
}

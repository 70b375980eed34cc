/* test_xfr_hist.c -- the IXFR history: the difference of two record sets,
 * and the chain of changes from a client's serial to the newest.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "testlib.h"
#include "xfr_hist.h"
#include "zonefile.h"

static zonefile_t *
zone(unsigned serial, const char *body)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "$TTL 300\n@ SOA ns1 host %u 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n%s",
		 serial, body);
	diag_t d = { .quiet = 1 };
	zonefile_t *zf = zonefile_parse("example.com", "t.zone", text, strlen(text), &d);
	ck_assert_msg(zf != NULL, "zone %u does not parse", serial);
	return zf;
}

/* "name TYPE rdata" of a wire record, via ldns. */
static char *
rr_text(const xfr_rr_t *r)
{
	ldns_rr *rr = NULL;
	size_t pos = 0;
	ck_assert_int_eq(ldns_wire2rr(&rr, r->wire, r->len, &pos, LDNS_SECTION_ANSWER), LDNS_STATUS_OK);
	char *s = ldns_rr2str(rr);
	ldns_rr_free(rr);
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static void
ck_rrs(const xfr_rr_t *r, size_t n, const char *const *want, size_t nwant)
{
	ck_assert_uint_eq(n, nwant);
	for (size_t i = 0; i < n; i++) {
		char *s = rr_text(&r[i]);
		bool found = false;
		for (size_t k = 0; k < nwant; k++)
			found |= strcmp(s, want[k]) == 0;
		ck_assert_msg(found, "unexpected record %s", s);
		free(s);
	}
}

START_TEST(test_diff)
{
	zonefile_t *a = zone(10, "www A 192.0.2.80\nmail A 192.0.2.25\ntxt TXT \"same\"\nttl 300 A 192.0.2.9\n");
	zonefile_t *b = zone(11, "WWW A 192.0.2.81\nmail A 192.0.2.25\ntxt TXT \"same\"\nnew AAAA 2001:db8::1\nttl 600 A 192.0.2.9\n");
	xfr_version_t *va = xfr_version_new(a), *vb = xfr_version_new(b);
	ck_assert_uint_eq(va->serial, 10);
	ck_assert_uint_eq(vb->serial, 11);
	ck_assert_uint_eq(va->n, 6);   /* SOA apart */
	xfr_change_t c;
	xfr_diff(va, vb, &c);
	ck_assert_uint_eq(c.from, 10);
	ck_assert_uint_eq(c.to, 11);
	/* owner case does not count (www vs WWW); a TTL change is remove + add */
	ck_rrs(c.del, c.ndel, (const char *const[]){ "www.example.com.\t300\tIN\tA\t192.0.2.80",
						   "ttl.example.com.\t300\tIN\tA\t192.0.2.9" }, 2);
	ck_rrs(c.add, c.nadd, (const char *const[]){ "www.example.com.\t300\tIN\tA\t192.0.2.81",
						   "new.example.com.\t300\tIN\tAAAA\t2001:db8::1",
						   "ttl.example.com.\t600\tIN\tA\t192.0.2.9" }, 3);
	char *s = rr_text(&c.old_soa);
	ck_assert_msg(strstr(s, " 10 3600") != NULL || strstr(s, "\t10 ") != NULL || strstr(s, " 10 ") != NULL, "%s", s);
	free(s);
	xfr_change_clear(&c);

	/* identical sets: an empty change */
	xfr_diff(va, va, &c);
	ck_assert_uint_eq(c.ndel, 0);
	ck_assert_uint_eq(c.nadd, 0);
	xfr_change_clear(&c);
	xfr_version_free(&va);
	xfr_version_free(&vb);
	ck_assert_ptr_null(va);
	zonefile_free(&a);
	zonefile_free(&b);
}
END_TEST

START_TEST(test_chain)
{
	static const uint8_t apex[] = "\7example\3com";
	xfr_hist_t *h = xfr_hist_get("external", apex);
	ck_assert_ptr_eq(xfr_hist_get("external", apex), h);
	ck_assert_ptr_ne(xfr_hist_get("internal", apex), h);
	const xfr_change_t *ch[XFR_HIST_MAX];
	zonefile_t *zf = zone(1, "");
	xfr_hist_note(h, zf);
	zonefile_free(&zf);
	ck_assert_uint_eq(xfr_hist_chain(h, 1, ch), 0);   /* nothing changed yet */
	/* versions 2..20: one record more each time */
	char body[2048] = "";
	for (unsigned v = 2; v <= 20; v++) {
		char line[64];
		snprintf(line, sizeof(line), "h%u A 192.0.2.%u\n", v, v);
		strcat(body, line);
		zf = zone(v, body);
		xfr_hist_note(h, zf);
		xfr_hist_note(h, zf);   /* the same serial again: no change */
		zonefile_free(&zf);
	}
	/* 19 changes seen, the newest 16 kept: 4 -> 20 */
	ck_assert_uint_eq(xfr_hist_chain(h, 3, ch), 0);
	ck_assert_uint_eq(xfr_hist_chain(h, 2, ch), 0);
	size_t n = xfr_hist_chain(h, 4, ch);
	ck_assert_uint_eq(n, 16);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(ch[i]->from, 4 + i);
		ck_assert_uint_eq(ch[i]->to, 5 + i);
		ck_assert_uint_eq(ch[i]->ndel, 0);
		ck_assert_uint_eq(ch[i]->nadd, 1);
	}
	ck_assert_uint_eq(xfr_hist_chain(h, 19, ch), 1);
	ck_assert_uint_eq(xfr_hist_chain(h, 20, ch), 0);   /* current: nothing to send */
	ck_assert_uint_eq(xfr_hist_chain(h, 77, ch), 0);   /* never seen */

	/* a file edited back to an older serial: the newest change from it counts */
	zf = zone(19, "back A 192.0.2.99\n");
	xfr_hist_note(h, zf);
	zonefile_free(&zf);
	n = xfr_hist_chain(h, 20, ch);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ch[0]->to, 19);
	n = xfr_hist_chain(h, 19, ch);   /* 19 -> 20 -> 19 */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ch[1]->to, 19);
}
END_TEST

static Suite *
xfr_hist_suite(void)
{
	Suite *s = suite_create("xfr_hist");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_chain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(xfr_hist_suite());
}

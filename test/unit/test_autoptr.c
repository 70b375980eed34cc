/* test_autoptr.c -- auto-ptr as a pure module: the A/AAAA records of a view's
 * auto-ptr zones in, one reverse zone per IPv4 /24 and IPv6 /64 out, with the
 * source zone's SOA and apex NS; wildcards and names under a reverse zone the
 * view configures are left out; nothing without auto-ptr.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "autoptr.h"
#include "dname.h"
#include "snapshot.h"
#include "testlib.h"
#include "zone.h"
#include "zonefile.h"

static const char *lan_zone =
	"$ORIGIN lan.example.\n"
	"@ 300 IN SOA ns1 hostmaster 5 3600 600 86400 300\n"
	"@ 300 NS ns1\n"
	"ns1 300 A 192.168.1.2\n"
	"www 300 A 192.168.1.20\n"
	"web 600 A 192.168.1.20\n"        /* two names, one address: two PTRs */
	"far 300 A 10.1.2.3\n"
	"v6 300 AAAA fd00::20\n"
	"* 300 A 192.168.1.99\n"          /* a wildcard names no single host */
	"covered 300 A 172.16.0.5\n";     /* the view serves 16.172.in-addr.arpa */

static const char *rev_zone =
	"$ORIGIN 16.172.in-addr.arpa.\n"
	"@ 300 IN SOA ns1.lan.example. hostmaster.lan.example. 1 3600 600 86400 300\n"
	"@ 300 NS ns1.lan.example.\n";

/* "1.168.192.in-addr.arpa." and "0.16.172.in-addr.arpa." as wire names */
static const uint8_t apex_192[] = "\1" "1" "\3" "168" "\3" "192" "\7" "in-addr" "\4" "arpa";
static const uint8_t apex_172[] = "\1" "0" "\2" "16" "\3" "172" "\7" "in-addr" "\4" "arpa";

static zonefile_t *files[2];
static zone_t *zones[2];
static conf_zone_t czs[2];
static conf_view_t cv;
static view_t v;

static void
setup(void)
{
	diag_t d = { 0 };
	files[0] = zonefile_parse("lan.example", "lan.zone", lan_zone, strlen(lan_zone), &d);
	files[1] = zonefile_parse("16.172.in-addr.arpa", "rev.zone", rev_zone, strlen(rev_zone), &d);
	ck_assert_ptr_nonnull(files[0]);
	ck_assert_ptr_nonnull(files[1]);
	for (int i = 0; i < 2; i++) {
		zones[i] = zone_build(files[i], &d);
		ck_assert_ptr_nonnull(zones[i]);
	}
	czs[0] = (conf_zone_t){ .name = "lan.example", .auto_ptr = true };
	czs[1] = (conf_zone_t){ .name = "16.172.in-addr.arpa" };
	cv = (conf_view_t){ .name = "lan", .zones = czs, .nzones = 2 };
	v = (view_t){ .conf = &cv, .zones = zones, .nzones = 2 };
}

static void
teardown(void)
{
	for (int i = 0; i < 2; i++) {
		zone_unref(&zones[i]);
		zonefile_free(&files[i]);
	}
}

/* The sources as the zone store hands them: records of auto-ptr zones only. */
static const zonefile_t *const *
sources(void)
{
	static const zonefile_t *rec[2];
	rec[0] = files[0];
	rec[1] = NULL;
	return rec;
}

START_TEST(one_zone_per_prefix)
{
	zone_t **out = NULL;
	diag_t d = { 0 };
	size_t n = autoptr_build(&v, sources(), &out, &d);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(n, 3);
	const char *want[] = { "1.168.192.in-addr.arpa.", "2.1.10.in-addr.arpa.",
			       "0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa." };
	for (size_t w = 0; w < 3; w++) {
		size_t found = 0;
		for (size_t i = 0; i < n; i++)
			found += strcmp(out[i]->name, want[w]) == 0;
		ck_assert_msg(found == 1, "%s: %zu zones", want[w], found);
	}
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(out[i]->serial, 5);   /* the source zone's SOA */
		zone_unref(&out[i]);
	}
	free(out);
}
END_TEST

START_TEST(records_of_a_reverse_zone)
{
	zonefile_t *zf = autoptr_records(&v, sources(), apex_192);
	ck_assert_ptr_nonnull(zf);
	size_t soa = 0, ns = 0, ptr = 0, www = 0, web = 0;
	uint8_t www_name[] = "\3" "www" "\3" "lan" "\7" "example";
	uint8_t web_name[] = "\3" "web" "\3" "lan" "\7" "example";
	for (size_t i = 0; i < zf->count; i++) {
		const zrr_t *r = &zf->rrs[i];
		soa += r->type == 6;
		ns += r->type == 2;
		if (r->type != 12)
			continue;
		ptr++;
		if (dname_equal(r->rdata, www_name)) {
			www++;
			ck_assert_uint_eq(r->ttl, 300);
		}
		if (dname_equal(r->rdata, web_name)) {
			web++;
			ck_assert_uint_eq(r->ttl, 600);   /* the A record's TTL */
		}
	}
	ck_assert_uint_eq(soa, 1);
	ck_assert_uint_eq(ns, 1);
	ck_assert_uint_eq(ptr, 3);   /* ns1, www, web: not the wildcard */
	ck_assert_uint_eq(www, 1);
	ck_assert_uint_eq(web, 1);
	zonefile_free(&zf);
	/* the view's own reverse zone decides for its names */
	ck_assert_ptr_null(autoptr_records(&v, sources(), apex_172));
}
END_TEST

START_TEST(nothing_without_auto_ptr)
{
	czs[0].auto_ptr = false;
	zone_t **out = NULL;
	diag_t d = { 0 };
	ck_assert_uint_eq(autoptr_build(&v, sources(), &out, &d), 0);
	ck_assert_ptr_null(out);
	ck_assert_ptr_null(autoptr_records(&v, sources(), apex_192));
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("autoptr");
	TCase *tc = tcase_create("synthesis");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_zone_per_prefix);
	tcase_add_test(tc, records_of_a_reverse_zone);
	tcase_add_test(tc, nothing_without_auto_ptr);
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

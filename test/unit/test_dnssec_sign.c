/* test_dnssec_sign.c -- online signing: the signed records verify with ldns
 * (every RRSIG against the zone's DNSKEYs), NSEC and NSEC3 (RFC 9276
 * parameters) chains, CDS/CDNSKEY, the validity window, DNSSEC records in
 * the zone file refused as FILE:LINE, and in the zone store: two views sign
 * with the same keys, zones become due half-way through the validity and
 * the "resign" step signs them again.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dnssec_chain.h"
#include "dnssec_sign.h"
#include "nat.h"
#include "query.h"
#include "snapshot.h"
#include "testlib.h"
#include "tmpdir.h"
#include "zone.h"
#include "zonefile.h"
#include "zonestore.h"

static const char *zone_text =
	"$ORIGIN example.com.\n"
	"$TTL 300\n"
	"@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"www A 192.0.2.10\n"
	"www AAAA 2001:db8::10\n"
	"alias CNAME www\n"
	"* TXT \"wild\"\n"
	"sub NS ns.sub\n"           /* a delegation with glue: not signed, no NSEC3 of its own glue */
	"ns.sub A 192.0.2.53\n";

static tmpdir_t td;
static conf_zone_t cz;
static zonefile_t *zf;

static void
setup(void)
{
	tmpdir_make(&td, "hz-sign");
	cz = (conf_zone_t){ .name = "example.com", .path = "example.com.zone", .state_dir = td.path,
			    .dnssec_signing = true, .dnssec_algorithm = 13,
			    .dnssec_validity = 14 * 86400, .dnssec_zsk_lifetime = 90 * 86400 };
	diag_t d = { 0 };
	zf = zonefile_parse("example.com", "example.com.zone", zone_text, strlen(zone_text), &d);
	ck_assert_ptr_nonnull(zf);
}

static void
teardown(void)
{
	zonefile_free(&zf);
	tmpdir_remove(&td);
}

/* The records as ldns RRs (through text: independent of the module's own
 * wire conversion). */
static ldns_rr_list *
to_ldns(const zonefile_t *z)
{
	char *path = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&path, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(nat_zonefile_print(z, f), 0);
	fclose(f);
	ldns_rr_list *out = ldns_rr_list_new();
	char *save = NULL;
	for (char *line = strtok_r(path, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ldns_rr *rr = NULL;
		ck_assert_msg(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) == LDNS_STATUS_OK, "%s", line);
		ldns_rr_list_push_rr(out, rr);
	}
	free(path);
	return out;
}

static size_t
count_type(const ldns_rr_list *l, ldns_rr_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t;
	return n;
}

/* Every RRSIG verifies (ldns_verify_rrsig_keylist_time at now) against the
 * zone's DNSKEYs; returns how many there are. */
static size_t
verify_all(const ldns_rr_list *l, time_t now)
{
	ldns_rr_list *keys = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_DNSKEY)
			ldns_rr_list_push_rr(keys, ldns_rr_list_rr(l, i));
	size_t nsig = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *sig = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG)
			continue;
		ldns_rr_type covered = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
		ldns_rr_list *set = ldns_rr_list_new();
		for (size_t k = 0; k < ldns_rr_list_rr_count(l); k++) {
			ldns_rr *rr = ldns_rr_list_rr(l, k);
			if (ldns_rr_get_type(rr) == covered &&
			    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(sig)) == 0)
				ldns_rr_list_push_rr(set, rr);
		}
		ldns_rr_list *good = ldns_rr_list_new();
		ldns_status st = ldns_verify_rrsig_keylist_time(set, sig, keys, now, good);
		char *t = ldns_rr2str(sig);
		ck_assert_msg(st == LDNS_STATUS_OK, "%s: %s", t, ldns_get_errorstr_by_id(st));
		free(t);
		ldns_rr_list_free(good);
		ldns_rr_list_free(set);
		nsig++;
	}
	ldns_rr_list_free(keys);
	return nsig;
}

START_TEST(nsec_signed_zone_verifies)
{
	diag_t d = { 0 };
	const time_t now = time(NULL);
	time_t refresh = 0;
	zonefile_t *s = dnssec_sign_zonefile(&cz, zf, now, 1, &refresh, NULL, &d);
	ck_assert_ptr_nonnull(s);
	ldns_rr_list *l = to_ldns(s);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_DNSKEY), 1);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_CDS), 1);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_CDNSKEY), 1);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_NSEC3), 0);
	/* apex, ns1, www, alias, *, sub: one NSEC each (glue ns.sub has none) */
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_NSEC), 6);
	/* SOA NS DNSKEY CDS CDNSKEY NSEC at the apex, A NSEC, A AAAA NSEC,
	 * CNAME NSEC, TXT NSEC, NSEC of sub (its NS is not signed) */
	ck_assert_uint_eq(verify_all(l, now), 6 + 2 + 3 + 2 + 2 + 1);
	/* the validity: an hour back, 14 days less a jitter of at most 1.4 days */
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG)
			continue;
		uint32_t inc = ldns_rdf2native_time_t(ldns_rr_rrsig_inception(rr));
		uint32_t exp = ldns_rdf2native_time_t(ldns_rr_rrsig_expiration(rr));
		ck_assert_uint_eq(inc, (uint32_t)now - 3600);
		ck_assert_uint_le(exp, (uint32_t)now + 14 * 86400);
		ck_assert_uint_ge(exp, (uint32_t)now + 14 * 86400 - 14 * 8640);
		ck_assert_int_eq(refresh, (time_t)exp - 7 * 86400);
	}
	ck_assert_uint_eq(s->count, ldns_rr_list_rr_count(l));
	ldns_rr_list_deep_free(l);
	zonefile_free(&s);
}
END_TEST

START_TEST(nsec3_rfc9276_parameters)
{
	diag_t d = { 0 };
	cz.dnssec_nsec3 = true;
	const time_t now = time(NULL);
	time_t refresh = 0;
	zonefile_t *s = dnssec_sign_zonefile(&cz, zf, now, 1, &refresh, NULL, &d);
	ck_assert_ptr_nonnull(s);
	ldns_rr_list *l = to_ldns(s);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_NSEC), 0);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_NSEC3PARAM), 1);
	ck_assert_uint_ge(count_type(l, LDNS_RR_TYPE_NSEC3), 6);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_NSEC3 && t != LDNS_RR_TYPE_NSEC3PARAM)
			continue;
		/* SHA-1, no opt-out, 0 extra iterations, no salt */
		ck_assert_uint_eq(ldns_rdf2native_int8(ldns_rr_rdf(rr, 0)), 1);
		ck_assert_uint_eq(ldns_rdf2native_int8(ldns_rr_rdf(rr, 1)), 0);
		ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)), 0);
		ck_assert_uint_eq(ldns_rdf_size(ldns_rr_rdf(rr, 3)), 1);   /* salt length 0 */
	}
	ck_assert_uint_gt(verify_all(l, now), 10);
	ldns_rr_list_deep_free(l);
	zonefile_free(&s);
}
END_TEST

/* Signing again with the cache: only the RRsets that changed (the SOA, the
 * new name's A, its NSEC and its predecessor's) get new signatures, the
 * rest are put back, and everything verifies; past half the validity
 * nothing is put back. */
START_TEST(cache_signs_only_what_changed)
{
	diag_t d = { 0 };
	const time_t now = time(NULL);
	time_t refresh = 0;
	dnssec_sign_cache_t *cache = NULL;
	size_t reused, made;
	zonefile_t *s1 = dnssec_sign_zonefile(&cz, zf, now, 1, &refresh, &cache, &d);
	ck_assert_ptr_nonnull(s1);
	dnssec_sign_cache_stats(cache, &reused, &made);
	ck_assert_uint_eq(reused, 0);
	ck_assert_uint_eq(made, 16);
	zonefile_free(&s1);

	char text[2048];
	snprintf(text, sizeof(text), "%sprinter A 192.0.2.40\n", zone_text);
	char *serial = strstr(text, "hostmaster 1 ");
	ck_assert_ptr_nonnull(serial);
	serial[strlen("hostmaster ")] = '2';
	zonefile_t *zf2 = zonefile_parse("example.com", "example.com.zone", text, strlen(text), &d);
	ck_assert_ptr_nonnull(zf2);
	zonefile_t *s2 = dnssec_sign_zonefile(&cz, zf2, now + 60, 2, &refresh, &cache, &d);
	ck_assert_ptr_nonnull(s2);
	dnssec_sign_cache_stats(cache, &reused, &made);
	ck_assert_uint_eq(made, 4);     /* SOA, printer A, printer NSEC, ns1's NSEC (next: printer) */
	ck_assert_uint_eq(reused, 14);  /* 16 + A + NSEC of the new name - 4 */
	ldns_rr_list *l = to_ldns(s2);
	ck_assert_uint_eq(verify_all(l, now + 60), 18);
	ldns_rr_list_deep_free(l);
	zonefile_free(&s2);

	/* 8 days on: every signature has less than half its validity left */
	zonefile_t *s3 = dnssec_sign_zonefile(&cz, zf2, now + 8 * 86400, 2, &refresh, &cache, &d);
	ck_assert_ptr_nonnull(s3);
	dnssec_sign_cache_stats(cache, &reused, &made);
	ck_assert_uint_eq(reused, 0);
	ck_assert_uint_eq(made, 18);
	zonefile_free(&s3);
	zonefile_free(&zf2);
	dnssec_sign_cache_free(&cache);
	ck_assert_uint_eq(d.errors, 0);
}
END_TEST

/* NSEC3: the chain is signed anew, the other unchanged RRsets are put back. */
START_TEST(cache_with_nsec3)
{
	diag_t d = { 0 };
	cz.dnssec_nsec3 = true;
	const time_t now = time(NULL);
	time_t refresh = 0;
	dnssec_sign_cache_t *cache = NULL;
	size_t reused, made;
	zonefile_t *s1 = dnssec_sign_zonefile(&cz, zf, now, 1, &refresh, &cache, &d);
	ck_assert_ptr_nonnull(s1);
	zonefile_free(&s1);
	zonefile_t *s2 = dnssec_sign_zonefile(&cz, zf, now + 60, 1, &refresh, &cache, &d);
	ck_assert_ptr_nonnull(s2);
	dnssec_sign_cache_stats(cache, &reused, &made);
	ck_assert_uint_gt(reused, 8);
	ldns_rr_list *l = to_ldns(s2);
	ck_assert_uint_eq(verify_all(l, now + 60), reused + made);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_NSEC3PARAM), 1);
	ldns_rr_list_deep_free(l);
	zonefile_free(&s2);
	dnssec_sign_cache_free(&cache);
}
END_TEST

START_TEST(dnssec_records_in_the_file_are_refused)
{
	static const char *text =
		"$ORIGIN example.com.\n"
		"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
		"@ 300 NS ns1\n"
		"ns1 300 A 192.0.2.1\n"
		"@ 300 DNSKEY 257 3 13 inLWBbk1tHeNz8792lm3jldBiU7q8qrprI9BCwUO5l3n+T19Lgrd6gQ8MX7IPmAMhw+g356Qiez0bvCkZLuynw==\n";
	diag_t d0 = { 0 };
	zonefile_t *z = zonefile_parse("example.com", "signed.zone", text, strlen(text), &d0);
	ck_assert_ptr_nonnull(z);
	char out[1024] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");
	diag_t d = { .out = f };
	time_t refresh;
	ck_assert_ptr_null(dnssec_sign_zonefile(&cz, z, time(NULL), 1, &refresh, NULL, &d));
	fclose(f);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_msg(strstr(out, "signed.zone:5: zone example.com. has dnssec-signing: true but its "
			      "file holds DNSKEY records") != NULL, "%s", out);
	zonefile_free(&z);
}
END_TEST

/* --- in the zone store ----------------------------------------------------- */

static const char *conf_text =
	"server:\n"
	"  listen: [127.0.0.1@5399]\n"
	"  state-dir: state\n"
	"views:\n"
	"  - name: lan\n"
	"    match-clients: [127.0.0.2]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: lan.zone\n"
	"        dnssec-signing: true\n"
	"  - name: out\n"
	"    match-clients: [any]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: out.zone\n"
	"        dnssec-signing: true\n";

/* The DNSKEY records the signer gave view v's zone (through --dump-view's call). */
static ldns_rr_list *
view_dnskeys(const snapshot_t *s, const char *view)
{
	const view_t *v = snapshot_find_view(s, view);
	ck_assert_ptr_nonnull(v);
	diag_t d = { 0 };
	zonefile_t *own = NULL;
	const zonefile_t *sz = zonestore_served_records(s, v, 0, &own, &d);
	ck_assert_ptr_nonnull(sz);
	ck_assert_ptr_null(own);
	ldns_rr_list *all = to_ldns(sz), *keys = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(all, i)) == LDNS_RR_TYPE_DNSKEY)
			ldns_rr_list_push_rr(keys, ldns_rr_clone(ldns_rr_list_rr(all, i)));
	ldns_rr_list_deep_free(all);
	return keys;
}

START_TEST(two_views_same_keys_and_resign)
{
	tmpdir_put(&td, "horizond.yaml", conf_text);
	tmpdir_put(&td, "lan.zone", zone_text);
	tmpdir_put(&td, "out.zone", "$ORIGIN example.com.\n@ 300 IN SOA ns1 h 1 3600 600 86400 300\n"
				    "@ 300 NS ns1\nns1 300 A 198.51.100.1\nwww 300 A 198.51.100.10\n");
	char path[256];
	diag_t d = { 0 };
	zonestore_set_sign_clock(0);
	snapshot_t *s = zonestore_build(tmpdir_file(&td, "horizond.yaml", path, sizeof(path)), NULL, &d);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(d.errors, 0);
	/* one key set for both views, each with its own data */
	ldns_rr_list *k1 = view_dnskeys(s, "lan"), *k2 = view_dnskeys(s, "out");
	ck_assert_uint_eq(ldns_rr_list_rr_count(k1), 1);
	ck_assert_int_eq(ldns_rr_list_compare(k1, k2), 0);
	ldns_rr_list_deep_free(k1);
	ldns_rr_list_deep_free(k2);
	zone_t *lan = snapshot_find_view(s, "lan")->zones[0];
	zone_t *out = snapshot_find_view(s, "out")->zones[0];
	ck_assert_ptr_ne(lan, out);
	/* due half-way through the validity (7 days, less the jitter) */
	long long wait = zonestore_sign_next(s);
	ck_assert_int_gt(wait, 7 * 86400 - 14 * 8640 - 60);
	ck_assert_int_le(wait, 7 * 86400);
	ck_assert(!zonestore_sign_due(lan));
	ck_assert_ptr_null(zonestore_resign(s));
	zonestore_set_sign_clock(7 * 86400);
	ck_assert(zonestore_sign_due(lan) && zonestore_sign_due(out));
	ck_assert_int_eq(zonestore_sign_next(s), 0);
	snapshot_t *next = zonestore_resign(s);
	ck_assert_ptr_nonnull(next);
	zone_t *lan2 = snapshot_find_view(next, "lan")->zones[0];
	ck_assert_ptr_ne(lan2, lan);
	ck_assert(!zonestore_sign_due(lan2));
	ck_assert_int_gt(lan2->dnssec_refresh, lan->dnssec_refresh);
	ck_assert_int_gt(zonestore_sign_next(next), 0);
	/* new signatures, a new serial for the secondaries (dnssec-serial:
	 * increment), its SOA signed with it */
	ck_assert_uint_eq(lan->serial, 1);
	ck_assert_uint_eq(lan2->serial, 2);
	ck_assert_uint_eq(dnssec_sign_source_serial(lan2->signed_records), 2);
	ldns_rr_list *l = to_ldns(lan2->signed_records);
	ck_assert_uint_gt(verify_all(l, time(NULL) + 7 * 86400), 5);
	ldns_rr_list_deep_free(l);
	/* next shares s's conf (as an update's snapshot) */
	snapshot_conf_handed_on(s);
	snapshot_free(&s);
	snapshot_free(&next);
	zonestore_shutdown();
	/* a restart signs afresh: the serial goes on from the one kept in
	 * state-dir, never back to the file's */
	s = zonestore_build(path, NULL, &d);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(snapshot_find_view(s, "lan")->zones[0]->serial, 3);
	ck_assert_uint_eq(snapshot_find_view(s, "out")->zones[0]->serial, 3);
	snapshot_free(&s);
	zonestore_shutdown();
	/* --check and --dump-view show what a restart would serve, and keep nothing */
	zonestore_set_serials_readonly(true);
	for (int i = 0; i < 2; i++) {
		s = zonestore_build(path, NULL, &d);
		ck_assert_uint_eq(snapshot_find_view(s, "lan")->zones[0]->serial, 4);
		snapshot_free(&s);
		zonestore_shutdown();
	}
	zonestore_set_serials_readonly(false);
	zonestore_set_sign_clock(0);
}
END_TEST

/* One view serving example.com signed online with auto-ptr, built. */
static snapshot_t *
autoptr_signed_build(void)
{
	tmpdir_put(&td, "horizond.yaml",
		   "server:\n  listen: [127.0.0.1@5399]\n  state-dir: state\nviews:\n"
		   "  - name: lan\n    match-clients: [any]\n    zones:\n"
		   "      - {name: example.com, file: lan.zone, auto-ptr: true, dnssec-signing: true}\n");
	tmpdir_put(&td, "lan.zone", zone_text);
	char path[256];
	diag_t d = { 0 };
	zonestore_set_sign_clock(0);
	snapshot_t *s = zonestore_build(tmpdir_file(&td, "horizond.yaml", path, sizeof(path)), NULL, &d);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(d.errors, 0);
	return s;
}

/* Free a snapshot and the one resign made from it (sharing its conf). */
static void
autoptr_signed_free(snapshot_t *s, snapshot_t *next)
{
	snapshot_conf_handed_on(s);
	snapshot_free(&s);
	snapshot_free(&next);
	zonestore_set_sign_clock(0);
	zonestore_shutdown();
}

/* auto-ptr's reverse zones of a zone signed online are signed (their own
 * keys), and signed again by the resign step when they are due, even while
 * their source zone is not (else zonestore_sign_next would say "now" for
 * ever). */
START_TEST(autoptr_reverse_zones_signed_and_resigned)
{
	snapshot_t *s = autoptr_signed_build();
	view_t *v = &s->views[0];
	ck_assert_uint_eq(v->nzones, 3);   /* example.com, 2.0.192.in-addr.arpa, an ip6.arpa /64 */
	zone_t *fwd = v->zones[0], *rev = v->zones[1];
	ck_assert_ptr_nonnull(rev->signed_records);
	ck_assert_ptr_nonnull(v->zones[2]->signed_records);
	ldns_rr_list *l = to_ldns(rev->signed_records);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_DNSKEY), 1);
	ck_assert_uint_gt(verify_all(l, time(NULL)), 3);
	ldns_rr *key = ldns_rr_list_rr(l, 0);
	for (size_t i = 0; ldns_rr_get_type(key) != LDNS_RR_TYPE_DNSKEY; i++)
		key = ldns_rr_list_rr(l, i);
	char *owner = ldns_rdf2str(ldns_rr_owner(key));
	ck_assert_str_eq(owner, "2.0.192.in-addr.arpa.");   /* its own keys */
	free(owner);
	ldns_rr_list_deep_free(l);
	ck_assert_int_gt(rev->dnssec_refresh, 0);
	/* the reverse zone due, its source not */
	fwd->dnssec_refresh = (long long)time(NULL) + 100 * 86400;
	zonestore_set_sign_clock(7 * 86400);
	ck_assert(zonestore_sign_due(rev) && !zonestore_sign_due(fwd));
	snapshot_t *next = zonestore_resign(s);
	ck_assert_ptr_nonnull(next);
	ck_assert_ptr_eq(next->views[0].zones[0], fwd);
	ck_assert_uint_eq(next->views[0].nzones, 3);
	zone_t *rev2 = next->views[0].zones[1];
	ck_assert_ptr_ne(rev2, rev);
	ck_assert(!zonestore_sign_due(rev2));
	ck_assert_uint_eq(rev2->serial, rev->serial + 1);
	ck_assert_int_gt(zonestore_sign_next(next), 0);
	autoptr_signed_free(s, next);
}
END_TEST

/* A reverse zone auto-ptr synthesized that cannot be signed again (its
 * key lock file is a directory: the keys cannot be read) stays served as it
 * was, with its old signatures, and is tried again in an hour; the other
 * reverse zone of the view is signed again. Before, it was dropped from the
 * view until the next rebuild. */
START_TEST(autoptr_reverse_zone_kept_when_signing_fails)
{
	char keys[256];
	snapshot_t *s = autoptr_signed_build();
	view_t *v = &s->views[0];
	ck_assert_uint_eq(v->nzones, 3);   /* example.com, 2.0.192.in-addr.arpa, an ip6.arpa /64 */
	zone_t *fwd = v->zones[0], *rev4 = v->zones[1], *rev6 = v->zones[2];
	ck_assert_str_eq(rev4->name, "2.0.192.in-addr.arpa.");
	/* the IPv4 reverse zone's keys become unreadable */
	char lock[400];
	snprintf(lock, sizeof(lock), "%s/.K2.0.192.in-addr.arpa..lock",
		 tmpdir_file(&td, "state/keys", keys, sizeof(keys)));
	if (access(lock, F_OK) != 0)   /* the name without the final dot */
		snprintf(lock, sizeof(lock), "%s/.K2.0.192.in-addr.arpa.lock", keys);
	ck_assert_int_eq(unlink(lock), 0);
	ck_assert_int_eq(mkdir(lock, 0700), 0);
	fwd->dnssec_refresh = (long long)time(NULL) + 100 * 86400;
	zonestore_set_sign_clock(7 * 86400);
	ck_assert(zonestore_sign_due(rev4) && zonestore_sign_due(rev6));
	snapshot_t *next = zonestore_resign(s);
	ck_assert_ptr_nonnull(next);
	const view_t *nv = &next->views[0];
	ck_assert_uint_eq(nv->nzones, 3);
	ck_assert_ptr_eq(nv->zones[0], fwd);
	zone_t *kept = NULL, *new6 = NULL;
	for (size_t i = 1; i < nv->nzones; i++) {
		if (strcmp(nv->zones[i]->name, rev4->name) == 0)
			kept = nv->zones[i];
		else
			new6 = nv->zones[i];
	}
	ck_assert_ptr_eq(kept, rev4);            /* served as it was */
	ck_assert_ptr_nonnull(new6);
	ck_assert_ptr_ne(new6, rev6);            /* the other one signed again */
	ck_assert_uint_eq(new6->serial, rev6->serial + 1);
	ck_assert(!zonestore_sign_due(kept));    /* in an hour, not at once again */
	ck_assert_int_gt(zonestore_sign_next(next), 0);
	/* and the kept zone still answers, signed */
	ldns_rr_list *l = to_ldns(kept->signed_records);
	ck_assert_uint_gt(verify_all(l, time(NULL)), 3);
	ldns_rr_list_deep_free(l);
	autoptr_signed_free(s, next);
}
END_TEST

/* The signer's own canonical form and chains (dnssec_chain.c): upper case
 * in owners and in rdata names (signed lowered, RFC 4034 6.2), a name
 * below a delegation and one below a DNAME (occluded: no RRSIG, not in the
 * chain), empty non-terminals (an NSEC3 each, RFC 5155 7.1), a zone large
 * enough for the signing threads; every RRSIG verifies with ldns, with one
 * thread and with several. */
START_TEST(chain_canonical_occluded_and_threads)
{
	char *text = xmalloc(64 * 1024);
	size_t len = (size_t)snprintf(text, 64 * 1024,
		"$ORIGIN Example.COM.\n$TTL 300\n@ IN SOA NS1 Hostmaster 1 3600 600 86400 120\n"
		"@ NS NS1\nNS1 A 192.0.2.1\nMail MX 10 NS1.Example.COM.\nAlias CNAME WWW.example.com.\n"
		"Sub NS ns.Sub\nns.Sub A 192.0.2.53\ndeep.below.Sub A 192.0.2.54\n"
		"d DNAME other.example.\nx.d A 192.0.2.55\nhost.a.b.c TXT \"ent\"\n");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, 64 * 1024 - len, "h%d A 192.0.2.%d\n", i, i % 250);
	for (int i = 0; i < 40; i++)   /* an RRset of 8 KB: more than the signer's first buffer */
		len += (size_t)snprintf(text + len, 64 * 1024 - len, "h0 TXT \"%03d%0197d\"\n", i, 0);
	diag_t d = { 0 };
	zonefile_t *z = zonefile_parse("example.com", "example.com.zone", text, len, &d);
	ck_assert_ptr_nonnull(z);
	free(text);
	for (int nsec3 = 0; nsec3 < 2; nsec3++) {
		for (unsigned threads = 1; threads <= 2; threads++) {
			cz.dnssec_nsec3 = nsec3;
			dnssec_sign_set_threads(threads);
			time_t refresh = 0;
			zonefile_t *sz = dnssec_sign_zonefile(&cz, z, time(NULL), 1, &refresh, NULL, &d);
			ck_assert_ptr_nonnull(sz);
			ldns_rr_list *l = to_ldns(sz);
			/* 305 RRsets below the apex (the cut's NS is not signed), and at
			 * the apex SOA, NS, DNSKEY, CDS, CDNSKEY (NSEC3PARAM) */
			size_t nsig = verify_all(l, time(NULL));
			size_t nchain = count_type(l, nsec3 ? LDNS_RR_TYPE_NSEC3 : LDNS_RR_TYPE_NSEC);
			/* names: apex ns1 mail alias sub d host.a.b.c h0..h299 = 307;
			 * NSEC3 adds the empty non-terminals a.b.c, b.c, c */
			ck_assert_uint_eq(nchain, nsec3 ? 310 : 307);
			ck_assert_uint_eq(nsig, nchain + 306 + (nsec3 ? 6 : 5));   /* and h0 TXT */
			for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
				ldns_rr *rr = ldns_rr_list_rr(l, i);
				char *o = ldns_rdf2str(ldns_rr_owner(rr));
				bool occluded = strstr(o, "below.sub.") != NULL || strcmp(o, "x.d.example.com.") == 0 ||
						strcmp(o, "ns.sub.example.com.") == 0;
				ck_assert_msg(!occluded || ldns_rr_get_type(rr) == LDNS_RR_TYPE_A,
					      "%s has a %d record", o, ldns_rr_get_type(rr));
				free(o);
			}
			ldns_rr_list_deep_free(l);
			zonefile_free(&sz);
		}
	}
	dnssec_sign_set_threads(0);
	zonefile_free(&z);
	ck_assert_uint_eq(d.errors, 0);
}
END_TEST

/* The type bitmap (RFC 4034 4.1.2) as ldns makes it. */
START_TEST(chain_bitmap_as_ldns)
{
	static const uint16_t sets[][6] = {
		{ 1, 2, 6, 46, 47, 0 }, { 1, 28, 46, 47, 257, 0 }, { 2, 43, 46, 65535, 0 }, { 0 },
	};
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		size_t n = 0;
		while (n < 6 && sets[s][n] != 0)
			n++;
		uint8_t out[8704];
		size_t len = dnssec_chain_bitmap(sets[s], n, out);
		ldns_rr_type t[6];
		for (size_t i = 0; i < n; i++)
			t[i] = (ldns_rr_type)sets[s][i];
		ldns_rdf *ref = ldns_dnssec_create_nsec_bitmap(t, n, LDNS_RR_TYPE_NSEC3);
		ck_assert_ptr_nonnull(ref);
		ck_assert_uint_eq(len, ldns_rdf_size(ref));
		ck_assert(len == 0 || memcmp(out, ldns_rdf_data(ref), len) == 0);
		ldns_rdf_deep_free(ref);
	}
}
END_TEST

/* dnssec-serial: the serial after a signing never goes back (RFC 1982). */
START_TEST(serial_policies)
{
	const time_t now = 1700000000;   /* 2023-11-14 22:13:20 UTC */
	uint32_t last = 5;
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_INCREMENT, NULL, 7, now), 7);
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_INCREMENT, &last, 1, now), 6);
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_INCREMENT, &last, 6, now), 6);
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_INCREMENT, &last, 9, now), 9);
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_UNIXTIME, &last, 1, now), 1700000000u);
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_DATE, &last, 1, now), 2023111400u);
	last = 2023111400u;
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_DATE, &last, 1, now), 2023111401u);
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_UNIXTIME, &last, 1, now), 2023111401u);
	last = UINT32_MAX;   /* wraps to 0: newer by RFC 1982 */
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_INCREMENT, &last, 1, now), 1);
	last = 4000000000u;  /* 1700000000 is newer than it by RFC 1982 */
	ck_assert_uint_eq(dnssec_sign_serial(CONF_SERIAL_UNIXTIME, &last, 1, now), 1700000000u);
}
END_TEST

/* A zone that takes updates (kept in the zone store's registry) is reused
 * by a reload while its file and signing settings are unchanged, and signed
 * again when they change (here: NSEC to NSEC3); the older snapshot still
 * transfers its own signed records (ASan: nothing borrowed from the
 * registry's freed records). */
START_TEST(reload_resigns_when_the_settings_change)
{
	static const char *managed =
		"server:\n  listen: [127.0.0.1@5399]\n  state-dir: state\n"
		"views:\n  - name: lan\n    match-clients: [any]\n    zones:\n"
		"      - name: example.com\n        file: lan.zone\n        allow-update: [127.0.0.2]\n"
		"        dnssec-signing: true\n";
	char path[256], text[1024];
	tmpdir_put(&td, "lan.zone", zone_text);
	tmpdir_put(&td, "horizond.yaml", managed);
	tmpdir_file(&td, "horizond.yaml", path, sizeof(path));
	diag_t d = { 0 };
	snapshot_t *s1 = zonestore_build(path, NULL, &d);
	ck_assert_ptr_nonnull(s1);
	snapshot_t *s2 = zonestore_build(path, s1, &d);
	ck_assert_ptr_nonnull(s2);
	ck_assert_ptr_eq(s2->views[0].zones[0], s1->views[0].zones[0]);
	snprintf(text, sizeof(text), "%s        dnssec-nsec3: true\n", managed);
	tmpdir_put(&td, "horizond.yaml", text);
	snapshot_t *s3 = zonestore_build(path, s2, &d);
	ck_assert_ptr_nonnull(s3);
	ck_assert_ptr_ne(s3->views[0].zones[0], s2->views[0].zones[0]);
	ck_assert_uint_eq(d.errors, 0);
	/* the old zone's signed records outlive the registry's records it was
	 * signed from (replaced by s3's load): they are the zone's own */
	zonefile_t *own = NULL;
	const zonefile_t *old = zonestore_served_records(s2, &s2->views[0], 0, &own, &d);
	ck_assert_ptr_nonnull(old);
	ck_assert_ptr_null(own);
	ldns_rr_list *l = to_ldns(old);
	ck_assert_uint_gt(verify_all(l, time(NULL)), 3);
	ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_NSEC3), 0);
	ldns_rr_list_deep_free(l);
	snapshot_free(&s1);
	snapshot_free(&s2);
	snapshot_free(&s3);
	zonestore_shutdown();
}
END_TEST

/* The RRSIG over owner/type in l (NULL if none). */
static ldns_rr *
find_rrsig(const ldns_rr_list *l, const char *owner, ldns_rr_type type)
{
	ldns_rdf *want = ldns_dname_new_frm_str(owner);
	ldns_rr *found = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l) && found == NULL; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type &&
		    ldns_dname_compare(ldns_rr_owner(rr), want) == 0)
			found = rr;
	}
	ldns_rdf_deep_free(want);
	return found;
}

/* The answer section of the query path's answer to "name type" with DO set
 * (free it). */
static ldns_rr_list *
answer_do(const snapshot_t *s, const char *name, ldns_rr_type type)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_edns_udp_size(q, 4096);
	ldns_pkt_set_edns_do(q, true);
	ldns_pkt *a = tl_ask(s, q, "127.0.0.2", true);
	ldns_rr_list *an = ldns_rr_list_clone(ldns_pkt_answer(a));
	ldns_pkt_free(a);
	return an;
}

/* What a transfer sends (zonestore_served_records, xfr_out.c): a zone signed
 * online with its signatures, whether the zone store keeps its records (a
 * zone that takes updates) or reads its file again; an unsigned zone as it
 * is. (Transfers used to send a signed zone's records without them.) The
 * signatures are the ones the zone was built with: every call for the same
 * served zone hands out the same RRSIGs, and they are the ones queries are
 * answered with (transfers used to sign again, with new ECDSA signatures
 * each time). */
START_TEST(served_records_are_signed)
{
	static const char *conf =
		"server:\n  listen: [127.0.0.1@5399]\n  state-dir: state\n"
		"views:\n  - name: lan\n    match-clients: [any]\n    zones:\n"
		"      - name: example.com\n        file: lan.zone\n        allow-update: [127.0.0.2]\n"
		"        dnssec-signing: true\n"
		"      - name: example.net\n        file: out.zone\n        dnssec-signing: true\n"
		"        dnssec-nsec3: true\n"
		"      - name: example.org\n        file: plain.zone\n";
	char path[256];
	tmpdir_put(&td, "lan.zone", zone_text);
	tmpdir_put(&td, "out.zone", "$ORIGIN example.net.\n@ 300 IN SOA ns1 h 1 3600 600 86400 300\n"
				    "@ 300 NS ns1\nns1 300 A 198.51.100.1\n");
	tmpdir_put(&td, "plain.zone", "$ORIGIN example.org.\n@ 300 IN SOA ns1 h 1 3600 600 86400 300\n"
				      "@ 300 NS ns1\nns1 300 A 198.51.100.1\n");
	tmpdir_put(&td, "horizond.yaml", conf);
	diag_t d = { 0 };
	snapshot_t *s = zonestore_build(tmpdir_file(&td, "horizond.yaml", path, sizeof(path)), NULL, &d);
	ck_assert_ptr_nonnull(s);
	const view_t *v = snapshot_find_view(s, "lan");
	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < 3; i++) {
		zonefile_t *own = NULL;
		const zonefile_t *served = zonestore_served_records(s, v, i, &own, &d);
		ck_assert_ptr_nonnull(served);
		ldns_rr_list *l = to_ldns(served);
		if (i < 2) {
			ck_assert_ptr_null(own);   /* the zone's own, borrowed */
			ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_DNSKEY), 1);
			ck_assert_uint_gt(count_type(l, i == 0 ? LDNS_RR_TYPE_NSEC : LDNS_RR_TYPE_NSEC3), 0);
			ck_assert_uint_gt(verify_all(l, time(NULL)), 3);
			/* a second call: the same signatures */
			zonefile_t *own2 = NULL;
			const zonefile_t *again = zonestore_served_records(s, v, i, &own2, &d);
			ck_assert_ptr_nonnull(again);
			ldns_rr_list *l2 = to_ldns(again);
			ck_assert_int_eq(ldns_rr_list_compare(l, l2), 0);
			ldns_rr_list_deep_free(l2);
			zonefile_free(&own2);
			/* the RRSIG the query path answers with is the one served */
			const char *name = i == 0 ? "www.example.com." : "ns1.example.net.";
			ldns_rr *xfr_sig = find_rrsig(l, name, LDNS_RR_TYPE_A);
			ck_assert_ptr_nonnull(xfr_sig);
			ldns_rr_list *an = answer_do(s, name, LDNS_RR_TYPE_A);
			ldns_rr *q_sig = find_rrsig(an, name, LDNS_RR_TYPE_A);
			ck_assert_ptr_nonnull(q_sig);
			/* the signature field, then the whole record */
			ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(q_sig, 8),
							  ldns_rr_rdf(xfr_sig, 8)), 0);
			ck_assert_int_eq(ldns_rr_compare(q_sig, xfr_sig), 0);
			ldns_rr_list_deep_free(an);
		} else {
			ck_assert_uint_eq(count_type(l, LDNS_RR_TYPE_RRSIG), 0);
		}
		ldns_rr_list_deep_free(l);
		zonefile_free(&own);
	}
	ck_assert_uint_eq(d.errors, 0);
	snapshot_free(&s);
	zonestore_shutdown();
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("dnssec_sign");
	TCase *tc = tcase_create("sign");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nsec_signed_zone_verifies);
	tcase_add_test(tc, nsec3_rfc9276_parameters);
	tcase_add_test(tc, dnssec_records_in_the_file_are_refused);
	tcase_add_test(tc, cache_signs_only_what_changed);
	tcase_add_test(tc, cache_with_nsec3);
	tcase_add_test(tc, two_views_same_keys_and_resign);
	tcase_add_test(tc, serial_policies);
	tcase_add_test(tc, chain_canonical_occluded_and_threads);
	tcase_add_test(tc, chain_bitmap_as_ldns);
	tcase_add_test(tc, autoptr_reverse_zones_signed_and_resigned);
	tcase_add_test(tc, autoptr_reverse_zone_kept_when_signing_fails);
	tcase_add_test(tc, reload_resigns_when_the_settings_change);
	tcase_add_test(tc, served_records_are_signed);
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

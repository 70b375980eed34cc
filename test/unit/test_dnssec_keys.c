/* test_dnssec_keys.c -- the signing keys under server.state-dir: made once,
 * read back on the next call (a restart reads the same files), mode 0600,
 * one CSK or a KSK and a ZSK, Ed25519, the ZSK roll by pre-publication, and
 * a clear error where the directory cannot be made.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dnssec_keys.h"
#include "testlib.h"
#include "tmpdir.h"

static tmpdir_t td;
static conf_zone_t cz;

static void
setup(void)
{
	tmpdir_make(&td, "hz-keys");
	cz = (conf_zone_t){ .name = "example.com", .path = "example.com.zone", .state_dir = td.path,
			    .dnssec_signing = true, .dnssec_algorithm = 13,
			    .dnssec_validity = 14 * 86400, .dnssec_zsk_lifetime = 10 * 86400 };
}

static void
teardown(void)
{
	tmpdir_remove(&td);
}

/* Files in state-dir/keys; every one must have mode 0600. */
static int
key_files(void)
{
	char *dir = dnssec_keys_dir(td.path);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_msg((st.st_mode & 0777) == 0600, "%s has mode %o", path, st.st_mode & 0777);
		n++;
	}
	closedir(d);
	free(dir);
	return n;
}

static bool
same_rrs(const ldns_rr_list *a, const ldns_rr_list *b)
{
	if (ldns_rr_list_rr_count(a) != ldns_rr_list_rr_count(b))
		return false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(a); i++)
		if (!ldns_rr_list_contains_rr(b, ldns_rr_list_rr(a, i)))
			return false;
	return true;
}

START_TEST(csk_made_once_then_reused)
{
	diag_t d = { .quiet = true };
	dnssec_keyset_t a, b;
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", 1000000, &a, &d), 0);
	ck_assert_uint_eq(a.created, 1);
	ck_assert_uint_eq(ldns_rr_list_rr_count(a.dnskeys), 1);
	ck_assert_uint_eq(ldns_key_list_key_count(a.signing), 1);
	ck_assert_uint_eq(ldns_rr_list_rr_count(a.sep), 1);
	ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(a.dnskeys, 0), 0)), 257);
	ck_assert_int_eq(key_files(), 2);
	/* the next call (another view, or the server after a restart) reads the files */
	ck_assert_int_eq(dnssec_keys_get(&cz, "EXAMPLE.com.", 1000100, &b, &d), 0);
	ck_assert_uint_eq(b.created, 0);
	ck_assert(same_rrs(a.dnskeys, b.dnskeys));
	ck_assert_int_eq(key_files(), 2);
	ck_assert_uint_eq(d.errors, 0);
	dnssec_keys_free(&a);
	dnssec_keys_free(&b);
}
END_TEST

START_TEST(ed25519_ksk_zsk)
{
	diag_t d = { .quiet = true };
	cz.dnssec_algorithm = 15;
	cz.dnssec_ksk_zsk = true;
	dnssec_keyset_t a, b;
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", 1000000, &a, &d), 0);
	ck_assert_uint_eq(a.created, 2);
	ck_assert_uint_eq(ldns_rr_list_rr_count(a.dnskeys), 2);
	ck_assert_uint_eq(ldns_key_list_key_count(a.signing), 2);
	ck_assert_uint_eq(ldns_rr_list_rr_count(a.sep), 1);   /* the KSK only */
	for (size_t i = 0; i < 2; i++)
		ck_assert_uint_eq(ldns_rdf2native_int8(ldns_rr_rdf(ldns_rr_list_rr(a.dnskeys, i), 2)), 15);
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", 1000000, &b, &d), 0);
	ck_assert_uint_eq(b.created, 0);
	ck_assert(same_rrs(a.dnskeys, b.dnskeys));
	ck_assert_int_eq(key_files(), 4);
	dnssec_keys_free(&a);
	dnssec_keys_free(&b);
}
END_TEST

/* Which of ks's DNSKEYs (flags 256) sign: the tags of the ZSKs in signing. */
static uint16_t
signing_zsk(const dnssec_keyset_t *ks)
{
	uint16_t tag = 0;
	int n = 0;
	for (size_t i = 0; i < ldns_key_list_key_count(ks->signing); i++) {
		ldns_key *k = ldns_key_list_key(ks->signing, i);
		if (!(ldns_key_flags(k) & LDNS_KEY_SEP_KEY)) {
			tag = ldns_key_keytag(k);
			n++;
		}
	}
	ck_assert_int_eq(n, 1);
	return tag;
}

START_TEST(zsk_rolls_by_prepublication)
{
	diag_t d = { .quiet = true };
	cz.dnssec_ksk_zsk = true;
	const time_t t0 = 2000000000, day = 86400;
	dnssec_keyset_t ks;
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", t0, &ks, &d), 0);
	uint16_t old = signing_zsk(&ks);
	ck_assert_int_eq(ks.next_event, t0 + 9 * day);   /* lifetime 10 days, published 1 day early */
	dnssec_keys_free(&ks);
	/* a day before the lifetime ends: the successor is published, the old one signs */
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", t0 + 9 * day, &ks, &d), 0);
	ck_assert_uint_eq(ks.created, 1);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ks.dnskeys), 3);
	ck_assert_uint_eq(signing_zsk(&ks), old);
	ck_assert_int_eq(ks.next_event, t0 + 10 * day);
	dnssec_keys_free(&ks);
	/* at the end of the lifetime the successor signs; both are published */
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", t0 + 10 * day, &ks, &d), 0);
	ck_assert_uint_eq(ks.created, 0);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ks.dnskeys), 3);
	uint16_t succ = signing_zsk(&ks);
	ck_assert_uint_ne(succ, old);
	ck_assert_int_eq(key_files(), 6);
	dnssec_keys_free(&ks);
	/* a day later the old DNSKEY and its files are gone */
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", t0 + 11 * day, &ks, &d), 0);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ks.dnskeys), 2);
	ck_assert_uint_eq(signing_zsk(&ks), succ);
	ck_assert_int_eq(key_files(), 4);
	ck_assert_uint_eq(d.errors, 0);
	dnssec_keys_free(&ks);
}
END_TEST

START_TEST(unwritable_state_dir_is_an_error)
{
	char buf[256];
	tmpdir_put(&td, "file", "not a directory\n");
	cz.state_dir = tmpdir_file(&td, "file", buf, sizeof(buf));
	char out[1024] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");
	diag_t d = { .out = f };
	dnssec_keyset_t ks;
	ck_assert_int_eq(dnssec_keys_get(&cz, "example.com.", 1000000, &ks, &d), -1);
	fclose(f);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_msg(strstr(out, "example.com.zone: zone example.com.: cannot create the key "
			      "directory") != NULL, "%s", out);
	dnssec_keys_free(&ks);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("dnssec_keys");
	TCase *tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, csk_made_once_then_reused);
	tcase_add_test(tc, ed25519_ksk_zsk);
	tcase_add_test(tc, zsk_rolls_by_prepublication);
	tcase_add_test(tc, unwritable_state_dir_is_an_error);
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

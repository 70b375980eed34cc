/* test_snapshot.c -- building snapshots: zone sharing between views and
 * across reloads, errors keep nothing, the private-address warning.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"
#include "tmpdir.h"
#include "update.h"
#include "zonestore.h"
#include "testlib.h"

static tmpdir_t dir;

static void
put(const char *name, const char *text)
{
	tmpdir_put(&dir, name, text);
}

static const char *conf_two_views =
	"server:\n  listen: [127.0.0.1@5300]\n"
	"views:\n"
	"  - name: a\n    match-clients: [127.0.0.2]\n"
	"    zones:\n      - {name: example.com, file: shared.zone}\n      - {name: example.org, file: org.zone}\n"
	"  - name: b\n    match-clients: [any]\n"
	"    zones:\n      - {name: example.com, file: shared.zone}\n";

static const char *zone_v1 =
	"$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.168.1.20\n";
static const char *zone_v2 =
	"$TTL 300\n@ SOA ns hostmaster 2 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.20\n";
static const char *org_zone =
	"$TTL 300\n@ SOA ns.example.com. h.example.com. 1 3600 900 604800 300\n@ NS ns.example.com.\n";

static snapshot_t *
build(const snapshot_t *prev, diag_t *d)
{
	char path[256];
	return zonestore_build(tmpdir_file(&dir, "horizond.yaml", path, sizeof(path)), prev, d);
}

static void
setup(void)
{
	tmpdir_make(&dir, "hz-test-snap");
	put("horizond.yaml", conf_two_views);
	put("shared.zone", zone_v1);
	put("org.zone", org_zone);
}

static void
teardown(void)
{
	tmpdir_remove(&dir);
}

START_TEST(views_share_a_file)
{
	diag_t d = { .quiet = 1 };
	snapshot_t *s = build(NULL, &d);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->nviews, 2);
	/* the same file for the same origin is loaded once */
	ck_assert_ptr_eq(s->views[0].zones[0], s->views[1].zones[0]);
	ck_assert_uint_eq(s->views[0].zones[0]->serial, 1);
	snapshot_free(&s);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(reload_reuses_unchanged_zones)
{
	diag_t d = { .quiet = 1 };
	snapshot_t *s1 = build(NULL, &d);
	snapshot_t *s2 = build(s1, &d);
	ck_assert_ptr_nonnull(s2);
	ck_assert_ptr_eq(s1->views[0].zones[0], s2->views[0].zones[0]);
	ck_assert_ptr_eq(s1->views[0].zones[1], s2->views[0].zones[1]);
	/* a changed file is read again; the other zone is still shared */
	/* the size differs too, so mtime granularity does not matter */
	char v2[512];
	snprintf(v2, sizeof(v2), "%s; padding so the size differs\n", zone_v2);
	put("shared.zone", v2);
	snapshot_t *s3 = build(s2, &d);
	ck_assert_ptr_nonnull(s3);
	ck_assert_ptr_ne(s2->views[0].zones[0], s3->views[0].zones[0]);
	ck_assert_uint_eq(s3->views[0].zones[0]->serial, 2);
	ck_assert_ptr_eq(s2->views[0].zones[1], s3->views[0].zones[1]);
	/* dropping the old snapshots leaves the new one intact */
	snapshot_free(&s1);
	snapshot_free(&s2);
	ck_assert_uint_eq(s3->views[1].zones[0]->serial, 2);
	snapshot_free(&s3);
}
END_TEST

/* Many zones (the lookup of a zone to share is a hash index by file path):
 * view b lists view a's files in reverse order and one file again under
 * another origin. Every zone of b is a's zone from the same file, except
 * the other origin; a reload shares all; a changed file is read once for
 * both views. */
#define MANY 200
static void
put_many_zone(unsigned i, const char *extra)
{
	char name[32], text[256];
	snprintf(name, sizeof(name), "z%u.zone", i);
	snprintf(text, sizeof(text), "$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n"
		 "@ NS ns\nns A 192.0.2.%u\n%s", i % 250 + 1, extra);
	put(name, text);
}

START_TEST(many_zones_shared_by_path)
{
	size_t cap = 100 * MANY + 256, n = 0;
	char *conf = malloc(cap);
	ck_assert_ptr_nonnull(conf);
	n += (size_t)snprintf(conf + n, cap - n, "server:\n  listen: [127.0.0.1@5300]\nviews:\n"
			      "  - name: a\n    match-clients: [127.0.0.2]\n    zones:\n");
	for (unsigned i = 0; i < MANY; i++) {
		put_many_zone(i, "");
		n += (size_t)snprintf(conf + n, cap - n, "      - {name: z%u.test, file: z%u.zone}\n", i, i);
	}
	n += (size_t)snprintf(conf + n, cap - n, "  - name: b\n    match-clients: [any]\n    zones:\n");
	for (unsigned i = MANY; i-- > 0;)
		n += (size_t)snprintf(conf + n, cap - n, "      - {name: z%u.test, file: z%u.zone}\n", i, i);
	n += (size_t)snprintf(conf + n, cap - n, "      - {name: other.test, file: z5.zone}\n");
	ck_assert_uint_lt(n, cap);
	put("horizond.yaml", conf);
	free(conf);

	diag_t d = { .quiet = 1 };
	snapshot_t *s1 = build(NULL, &d);
	ck_assert_ptr_nonnull(s1);
	ck_assert_uint_eq(s1->views[1].nzones, MANY + 1);
	for (unsigned k = 0; k < MANY; k++)
		ck_assert_ptr_eq(s1->views[1].zones[k], s1->views[0].zones[MANY - 1 - k]);
	ck_assert_ptr_ne(s1->views[1].zones[MANY], s1->views[0].zones[5]);
	ck_assert_str_eq(s1->views[1].zones[MANY]->name, "other.test.");

	snapshot_t *s2 = build(s1, &d);
	ck_assert_ptr_nonnull(s2);
	for (size_t v = 0; v < 2; v++)
		for (size_t i = 0; i < s1->views[v].nzones; i++)
			ck_assert_ptr_eq(s2->views[v].zones[i], s1->views[v].zones[i]);

	put_many_zone(7, "; padding so the size differs\n");
	snapshot_t *s3 = build(s2, &d);
	ck_assert_ptr_nonnull(s3);
	ck_assert_ptr_ne(s3->views[0].zones[7], s2->views[0].zones[7]);
	ck_assert_ptr_eq(s3->views[1].zones[MANY - 1 - 7], s3->views[0].zones[7]);
	ck_assert_ptr_eq(s3->views[0].zones[8], s2->views[0].zones[8]);
	ck_assert_ptr_eq(s3->views[1].zones[MANY], s2->views[1].zones[MANY]);
	snapshot_free(&s1);
	snapshot_free(&s2);
	snapshot_free(&s3);
}
END_TEST

START_TEST(broken_zone_builds_nothing)
{
	put("org.zone", "$TTL 300\n@ NS ns.example.com.\n");   /* no SOA */
	char buf[4096] = "";
	FILE *out = fmemopen(buf, sizeof(buf), "w");
	diag_t d = { .out = out };
	snapshot_t *s = build(NULL, &d);
	fclose(out);
	ck_assert_ptr_null(s);
	ck_assert_uint_ge(d.errors, 1);
	ck_assert_ptr_nonnull(strstr(buf, "org.zone"));
}
END_TEST

START_TEST(private_address_warning)
{
	char buf[4096] = "";
	FILE *out = fmemopen(buf, sizeof(buf), "w");
	diag_t d = { .out = out };
	snapshot_t *s = build(NULL, &d);
	ck_assert_ptr_nonnull(s);
	snapshot_check(s, &d);
	fclose(out);
	/* view b matches any client and serves www A 192.168.1.20 (line 5) */
	ck_assert_uint_eq(d.warnings, 1);
	ck_assert_ptr_nonnull(strstr(buf, "shared.zone:5: warning:"));
	ck_assert_ptr_nonnull(strstr(buf, "\"b\""));
	snapshot_free(&s);
}
END_TEST

/* auto-ptr zones are derived from the view's zones: a reload that keeps
 * those keeps the synthesized ones too (and a changed source rebuilds them). */
START_TEST(reload_keeps_autoptr_zones)
{
	put("horizond.yaml",
	    "server:\n  listen: [127.0.0.1@5300]\n"
	    "views:\n"
	    "  - name: a\n    match-clients: [any]\n"
	    "    zones:\n      - {name: example.com, file: shared.zone, auto-ptr: true}\n"
	    "      - {name: example.org, file: org.zone}\n");
	diag_t d = { .quiet = 1 };
	snapshot_t *s1 = build(NULL, &d);
	ck_assert_ptr_nonnull(s1);
	/* + 2.0.192.in-addr.arpa (ns) and 1.168.192.in-addr.arpa (www) */
	ck_assert_uint_eq(s1->views[0].nzones, 4);
	const zone_t *rev = s1->views[0].zones[3];
	ck_assert_str_eq(rev->name, "1.168.192.in-addr.arpa.");
	ck_assert(snapshot_zone_synthesized(&s1->views[0], rev));
	ck_assert(!snapshot_zone_synthesized(&s1->views[0], s1->views[0].zones[0]));
	snapshot_t *s2 = build(s1, &d);
	ck_assert_ptr_nonnull(s2);
	ck_assert_uint_eq(s2->views[0].nzones, 4);
	ck_assert_ptr_eq(s2->views[0].zones[2], s1->views[0].zones[2]);
	ck_assert_ptr_eq(s2->views[0].zones[3], rev);
	/* the source changed (www 192.168.1.20 -> 192.0.2.20): rebuilt */
	char v2[512];
	snprintf(v2, sizeof(v2), "%s; padding so the size differs\n", zone_v2);
	put("shared.zone", v2);
	snapshot_t *s3 = build(s2, &d);
	ck_assert_ptr_nonnull(s3);
	ck_assert_uint_eq(s3->views[0].nzones, 3);
	ck_assert_str_eq(s3->views[0].zones[2]->name, "2.0.192.in-addr.arpa.");
	ck_assert_ptr_ne(s3->views[0].zones[2], s2->views[0].zones[2]);
	snapshot_free(&s1);
	snapshot_free(&s2);
	snapshot_free(&s3);
	zonestore_shutdown();
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, views_share_a_file);
	tcase_add_test(tc, reload_reuses_unchanged_zones);
	tcase_add_test(tc, many_zones_shared_by_path);
	tcase_add_test(tc, broken_zone_builds_nothing);
	tcase_add_test(tc, private_address_warning);
	tcase_add_test(tc, reload_keeps_autoptr_zones);
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

/* test_xfr_in.c -- secondary zones without a primary: the zone a build
 * gets (the kept copy, or an expired placeholder that answers SERVFAIL),
 * one entry per view, NOTIFY accepted only from a primary's address, and
 * zones dropped from the config no longer take NOTIFY.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "testlib.h"
#include "tmpdir.h"
#include "xfr_in.h"

static struct sockaddr_in
addr4(const char *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(4242) };
	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

static conf_t *
load(const tmpdir_t *dir, const char *text)
{
	char path[256];
	tmpdir_file(dir, "c.yaml", path, sizeof(path));
	diag_t d = { .quiet = 1 };
	conf_t *c = conf_parse(path, text, strlen(text), &d);
	ck_assert_msg(c != NULL, "%u errors", d.errors);
	return c;
}

START_TEST(test_copy_or_placeholder)
{
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-xfrin");
	tmpdir_put(&dir, "kept.zone",
		   "example.com. 300 IN SOA ns1.example.com. h.example.com. 7 3600 600 86400 300\n"
		   "example.com. 300 IN NS ns1.example.com.\n"
		   "ns1.example.com. 300 IN A 192.0.2.53\n");
	conf_t *c = load(&dir,
			 "server: {listen: [127.0.0.1@5300], state-dir: state}\n"
			 "views:\n"
			 "  - name: a\n"
			 "    match-clients: [127.0.0.2]\n"
			 "    zones: [{name: example.com, primaries: [192.0.2.1], file: kept.zone}]\n"
			 "  - name: b\n"
			 "    match-clients: [any]\n"
			 "    zones: [{name: example.com, primaries: [192.0.2.1]}]\n");
	diag_t d = { .quiet = 1 };
	zone_t *za = xfrin_zone_get(&c->views[0].zones[0], &d);
	zone_t *zb = xfrin_zone_get(&c->views[1].zones[0], &d);
	ck_assert_ptr_nonnull(za);
	ck_assert_ptr_nonnull(zb);
	/* view a serves its kept copy; view b has none yet: SERVFAIL */
	ck_assert(!za->expired);
	ck_assert_uint_eq(za->serial, 7);
	ck_assert(zb->expired);
	/* a second build gets the entry's zone again, not a new load */
	zone_t *za2 = xfrin_zone_get(&c->views[0].zones[0], &d);
	ck_assert_ptr_eq(za, za2);
	ck_assert_uint_eq(d.errors, 0);

	/* NOTIFY: only from a primary's address (any port) */
	struct sockaddr_in p = addr4("192.0.2.1"), o = addr4("192.0.2.2");
	ck_assert(xfrin_notify("example.com.", (struct sockaddr *)&p));
	ck_assert(xfrin_notify("EXAMPLE.com", (struct sockaddr *)&p));
	ck_assert(!xfrin_notify("example.com", (struct sockaddr *)&o));
	ck_assert(!xfrin_notify("example.net", (struct sockaddr *)&p));

	/* a broken kept copy: a warning, and the zone waits for a transfer */
	tmpdir_put(&dir, "broken.zone", "example.org. 300 IN SOA ns1 (\n");
	conf_t *c3 = load(&dir,
			  "server: {listen: [127.0.0.1@5300]}\n"
			  "views: [{name: a, match-clients: [any], zones: "
			  "[{name: example.org, primaries: [192.0.2.1], file: broken.zone}]}]\n");
	diag_t d3 = { .quiet = 1 };
	zone_t *zc = xfrin_zone_get(&c3->views[0].zones[0], &d3);
	ck_assert_ptr_nonnull(zc);
	ck_assert(zc->expired);
	ck_assert_uint_eq(d3.errors, 0);
	ck_assert_uint_eq(d3.warnings, 1);
	zone_unref(&zc);
	conf_free(&c3);

	/* a config without the secondary zones: NOTIFY no longer refreshes */
	conf_t *c2 = load(&dir,
			  "server: {listen: [127.0.0.1@5300]}\n"
			  "views: [{name: a, match-clients: [any], zones: "
			  "[{name: example.com, file: kept.zone}]}]\n");
	xfrin_retain(c2);
	ck_assert(!xfrin_notify("example.com", (struct sockaddr *)&p));
	xfrin_retain(c);
	ck_assert(xfrin_notify("example.com", (struct sockaddr *)&p));

	zone_unref(&za);
	zone_unref(&za2);
	zone_unref(&zb);
	xfrin_shutdown();
	conf_free(&c);
	conf_free(&c2);
	tmpdir_remove(&dir);
}
END_TEST

static Suite *
xfr_in_suite(void)
{
	Suite *s = suite_create("xfr_in");
	TCase *tc = tcase_create("entries");
	tcase_add_test(tc, test_copy_or_placeholder);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(xfr_in_suite());
}

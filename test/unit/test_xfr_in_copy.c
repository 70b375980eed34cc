/* test_xfr_in_copy.c -- a secondary's records: AXFR taken as it is, IXFR
 * differences applied to the copy (and refused when they do not fit it),
 * out-of-zone data dropped, the copy written and read back.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "tmpdir.h"
#include "xfr_in_copy.h"

/* A list from records, one per string, NULL-terminated. */
static ldns_rr_list *
list_of(const char *const *texts)
{
	ldns_rr_list *l = ldns_rr_list_new();
	for (; *texts != NULL; texts++) {
		ldns_rr *rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, *texts, 300, NULL, NULL), LDNS_STATUS_OK);
		ldns_rr_list_push_rr(l, rr);
	}
	return l;
}

static bool
holds(const ldns_rr_list *l, const char *text)
{
	ldns_rr *rr = NULL;
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL), LDNS_STATUS_OK);
	bool found = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l) && !found; i++)
		found = ldns_rr_compare(ldns_rr_list_rr(l, i), rr) == 0;
	ldns_rr_free(rr);
	return found;
}

#define SOA(n) "example.com. 300 IN SOA ns1.example.com. h.example.com. " #n " 3600 600 86400 60"

static const char *const copy1[] = {
	SOA(1), "example.com. 300 IN NS ns1.example.com.", "ns1.example.com. 300 IN A 192.0.2.53",
	"www.example.com. 300 IN A 192.0.2.1", NULL,
};

START_TEST(test_axfr)
{
	static const char *const axfr[] = {
		SOA(2), "example.com. 300 IN NS ns1.example.com.", "www.example.com. 300 IN A 192.0.2.9",
		SOA(2), NULL,
	};
	ldns_rr_list *ans = list_of(axfr);
	bool inc = true;
	ldns_rr_list *r = xfrin_copy_apply(ans, NULL, &inc);
	ck_assert_ptr_nonnull(r);
	ck_assert(!inc);
	ck_assert_uint_eq(ldns_rr_list_rr_count(r), 3);   /* the closing SOA is not a record */
	ck_assert_uint_eq(xfrin_copy_soa_field(ldns_rr_list_rr(r, 0), 2), 2);
	ldns_rr_list_deep_free(r);
	ldns_rr_list_deep_free(ans);
}
END_TEST

START_TEST(test_ixfr)
{
	/* 1 -> 2: www changes; 2 -> 3: new added */
	static const char *const ixfr[] = {
		SOA(3),
		SOA(1), "www.example.com. 300 IN A 192.0.2.1",
		SOA(2), "www.example.com. 300 IN A 192.0.2.2",
		SOA(2),
		SOA(3), "new.example.com. 300 IN A 192.0.2.3",
		SOA(3), NULL,
	};
	ldns_rr_list *cur = list_of(copy1), *ans = list_of(ixfr);
	bool inc = false;
	ldns_rr_list *r = xfrin_copy_apply(ans, cur, &inc);
	ck_assert_ptr_nonnull(r);
	ck_assert(inc);
	ck_assert_uint_eq(xfrin_copy_soa_field(ldns_rr_list_rr(r, 0), 2), 3);
	ck_assert_uint_eq(ldns_rr_list_rr_count(r), 5);
	ck_assert(holds(r, "www.example.com. 300 IN A 192.0.2.2"));
	ck_assert(!holds(r, "www.example.com. 300 IN A 192.0.2.1"));
	ck_assert(holds(r, "new.example.com. 300 IN A 192.0.2.3"));
	ldns_rr_list_deep_free(r);
	ldns_rr_list_deep_free(ans);

	/* differences from another serial, or deleting what we lack: AXFR instead */
	static const char *const other_start[] = {
		SOA(3), SOA(7), SOA(3), "new.example.com. 300 IN A 192.0.2.3", SOA(3), NULL,
	};
	static const char *const missing[] = {
		SOA(3), SOA(1), "gone.example.com. 300 IN A 192.0.2.7", SOA(3), SOA(3), NULL,
	};
	ans = list_of(other_start);
	ck_assert_ptr_null(xfrin_copy_apply(ans, cur, &inc));
	ldns_rr_list_deep_free(ans);
	ans = list_of(missing);
	ck_assert_ptr_null(xfrin_copy_apply(ans, cur, &inc));
	ldns_rr_list_deep_free(ans);
	ldns_rr_list_deep_free(cur);
}
END_TEST

START_TEST(test_drop_write_read)
{
	static const char *const recs[] = {
		SOA(4), "example.com. 300 IN NS ns1.example.com.", "www.example.org. 300 IN A 192.0.2.66",
		"ns1.example.com. 300 IN A 192.0.2.53", "EXAMPLE.com. 300 IN TXT \"apex\"", NULL,
	};
	ldns_rr_list *l = list_of(recs);
	ldns_rdf *origin = ldns_dname_new_frm_str("example.com.");
	xfrin_copy_drop_outside(l, origin, "test");
	ck_assert_uint_eq(ldns_rr_list_rr_count(l), 4);
	ck_assert(!holds(l, "www.example.org. 300 IN A 192.0.2.66"));

	tmpdir_t dir;
	tmpdir_make(&dir, "hz-xfrcopy");
	char path[256], tmp[300];
	snprintf(path, sizeof(path), "%s/a/b/example.com.zone", dir.path);
	ck_assert_int_eq(xfrin_copy_write(path, l, "test copy"), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_ne(access(tmp, F_OK), 0);   /* renamed, not left behind */
	ldns_rr_list *back = xfrin_copy_read(path, origin);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(ldns_rr_list_rr_count(back), 4);
	ck_assert_uint_eq(xfrin_copy_soa_field(ldns_rr_list_rr(back, 0), 2), 4);
	ck_assert(holds(back, "example.com. 300 IN TXT \"apex\""));
	/* no copy: NULL */
	snprintf(tmp, sizeof(tmp), "%s/none.zone", dir.path);
	ck_assert_ptr_null(xfrin_copy_read(tmp, origin));
	ldns_rr_list_deep_free(back);
	ldns_rr_list_deep_free(l);
	ldns_rdf_deep_free(origin);
	snprintf(tmp, sizeof(tmp), "rm -rf '%s'", dir.path);
	ck_assert_int_eq(system(tmp), 0);
}
END_TEST

static Suite *
xfr_in_copy_suite(void)
{
	Suite *s = suite_create("xfr_in_copy");
	TCase *tc = tcase_create("records");
	tcase_add_test(tc, test_axfr);
	tcase_add_test(tc, test_ixfr);
	tcase_add_test(tc, test_drop_write_read);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(xfr_in_copy_suite());
}

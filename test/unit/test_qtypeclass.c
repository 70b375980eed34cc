/* test_qtypeclass.c -- unit tests for the QTYPE classes of the counters.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>

#include "qtypeclass.h"
#include "testlib.h"

START_TEST(test_qtype_classes)
{
	ck_assert_str_eq(qtypeclass_name(qtypeclass_of(1)), "A");
	ck_assert_str_eq(qtypeclass_name(qtypeclass_of(12)), "PTR");
	ck_assert_str_eq(qtypeclass_name(qtypeclass_of(65)), "HTTPS");
	ck_assert_str_eq(qtypeclass_name(qtypeclass_of(99)), "other");
	ck_assert_str_eq(qtypeclass_name(qtypeclass_of(0)), "other");
	ck_assert_uint_eq(qtypeclass_of(65535), QTYPECLASS_N - 1);
	/* every class has its own name */
	for (unsigned i = 0; i < QTYPECLASS_N; i++)
		for (unsigned k = i + 1; k < QTYPECLASS_N; k++)
			ck_assert_str_ne(qtypeclass_name(i), qtypeclass_name(k));
}
END_TEST

static Suite *
qtypeclass_suite(void)
{
	Suite *s = suite_create("qtypeclass");
	TCase *tc = tcase_create("classes");
	tcase_add_test(tc, test_qtype_classes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(qtypeclass_suite());
}

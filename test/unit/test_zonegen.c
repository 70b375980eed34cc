/* test_zonegen.c -- unit tests for $GENERATE's template expander.
 *
 * The expected texts are what BIND 9.18 makes of the same templates (checked
 * with named-checkzone -D; the differential suite checks the served records).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "zonegen.h"

START_TEST(test_range)
{
	long a, b, c;
	ck_assert_int_eq(zonegen_range("1-254", &a, &b, &c), 0);
	ck_assert(a == 1 && b == 254 && c == 1);
	ck_assert_int_eq(zonegen_range("0-20/7", &a, &b, &c), 0);
	ck_assert(a == 0 && b == 20 && c == 7);
	ck_assert_int_eq(zonegen_range("5-5", &a, &b, &c), 0);
	ck_assert_int_eq(zonegen_range("0-2147483647", &a, &b, &c), 0);
	static const char *const bad[] = { "5-1", "1-5/0", "-1-5", "1-", "-", "1-2x", "1",
					   "0-2147483648", "1-5/", "a-b", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(zonegen_range(bad[i], &a, &b, &c) == -1, "'%s' accepted", bad[i]);
}
END_TEST

static const struct {
	const char *tmpl;
	long value;
	const char *want;
} cases[] = {
	{ "$", 7, "7" },
	{ "host-$.example.", 254, "host-254.example." },
	{ "a$$b$", 2, "a\\$b2" },            /* "$$": a literal, escaped, "$" */
	{ "c\\$", 1, "c\\$" },               /* backslash keeps the next char */
	{ "${0,3,n}", 1024, "0.0.4" },        /* nibbles, width counts the dots */
	{ "${0,4,x}", 1024, "0400" },
	{ "n${-5}", 1, "n-4" },
	{ "${0,3}", 1, "001" },
	{ "s${+2,4,X}", 14, "s0010" },
	{ "t${0,6,N}", 1, "t1.0.0." },       /* width 6 ends in a dot, as BIND */
	{ "u${1,0,o}", 7, "u10" },
	{ "${0,7,N}", 10, "A.0.0.0" },
	{ "${0,0,n}", 0, "0" },
	{ "${0,0,n}", 0x1234, "4.3.2.1" },
	{ "${10,2} host-$", 1, "11 host-11" },  /* the offset stays for the later "$" */
	{ "${5} ${0} $", 1, "6 1 1" },
	{ "plain", 3, "plain" },
	{ "${0,0,d}", 30, "30" },
	{ "${0,0,o}", 30, "36" },
};

START_TEST(test_expand)
{
	char out[256];
	zonegen_err_t e = zonegen_expand(cases[_i].tmpl, cases[_i].value, out, sizeof(out));
	ck_assert_msg(e == ZONEGEN_OK, "%s for %ld: %s", cases[_i].tmpl, cases[_i].value,
		      zonegen_strerror(e));
	ck_assert_str_eq(out, cases[_i].want);
}
END_TEST

START_TEST(test_errors)
{
	char out[256];
	ck_assert_int_eq(zonegen_expand("${1,2,q}", 1, out, sizeof(out)), ZONEGEN_SYNTAX);
	ck_assert_int_eq(zonegen_expand("${1", 1, out, sizeof(out)), ZONEGEN_SYNTAX);
	ck_assert_int_eq(zonegen_expand("${1,x}", 1, out, sizeof(out)), ZONEGEN_SYNTAX);
	ck_assert_int_eq(zonegen_expand("${}", 1, out, sizeof(out)), ZONEGEN_SYNTAX);
	ck_assert_int_eq(zonegen_expand("${1,2,d", 1, out, sizeof(out)), ZONEGEN_SYNTAX);
	/* BIND prints each number into 128 bytes */
	ck_assert_int_eq(zonegen_expand("${0,127}", 1, out, sizeof(out)), ZONEGEN_OK);
	ck_assert_uint_eq(strlen(out), 127);
	ck_assert_int_eq(zonegen_expand("${0,128}", 1, out, sizeof(out)), ZONEGEN_NOSPACE);
	ck_assert_int_eq(zonegen_expand("${0,100,n}", 1, out, sizeof(out)), ZONEGEN_OK);
	ck_assert_int_eq(zonegen_expand("${-1,0,n}", 0, out, sizeof(out)), ZONEGEN_RANGE);
	ck_assert_int_eq(zonegen_expand("${2147483647}", 1, out, sizeof(out)), ZONEGEN_RANGE);
	/* the output buffer */
	ck_assert_int_eq(zonegen_expand("abc", 1, out, 4), ZONEGEN_OK);
	ck_assert_int_eq(zonegen_expand("abcd", 1, out, 4), ZONEGEN_NOSPACE);
	ck_assert_int_eq(zonegen_expand("$$", 1, out, 2), ZONEGEN_NOSPACE);
	ck_assert_str_eq(zonegen_strerror(ZONEGEN_RANGE), "value out of range");
}
END_TEST

static Suite *
zonegen_suite(void)
{
	Suite *s = suite_create("zonegen");
	TCase *tc = tcase_create("zonegen");
	tcase_add_test(tc, test_range);
	tcase_add_loop_test(tc, test_expand, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(zonegen_suite());
}

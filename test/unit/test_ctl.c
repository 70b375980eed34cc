/* test_ctl.c -- unit tests for horizonctl's command parser (ctl_parse),
 * shared by the client and the server.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "testlib.h"

static const char *
parse_fails(const char *line)
{
	ctl_cmd_t cmd;
	const char *why = NULL;
	ck_assert_int_eq(ctl_parse(line, &cmd, &why), -1);
	ck_assert_ptr_nonnull(why);
	return why;
}

START_TEST(test_parse_simple)
{
	ctl_cmd_t cmd;
	const char *why = NULL;
	ck_assert_int_eq(ctl_parse("status", &cmd, &why), 0);
	ck_assert_int_eq(cmd.verb, CTL_STATUS);
	ck_assert_str_eq(cmd.view, "");
	ck_assert_int_eq(ctl_parse("reload\n", &cmd, &why), 0);
	ck_assert_int_eq(cmd.verb, CTL_RELOAD);
	ck_assert_int_eq(ctl_parse("  stats  \r\n", &cmd, &why), 0);
	ck_assert_int_eq(cmd.verb, CTL_STATS);
}
END_TEST

START_TEST(test_parse_flush)
{
	ctl_cmd_t cmd;
	const char *why = NULL;
	ck_assert_int_eq(ctl_parse("flush", &cmd, &why), 0);
	ck_assert_int_eq(cmd.verb, CTL_FLUSH);
	ck_assert_str_eq(cmd.view, "");
	ck_assert_str_eq(cmd.name, "");
	ck_assert_int_eq(ctl_parse("flush lan", &cmd, &why), 0);
	ck_assert_str_eq(cmd.view, "lan");
	ck_assert_str_eq(cmd.name, "");
	ck_assert_int_eq(ctl_parse("flush lan\twww.Example.com.\n", &cmd, &why), 0);
	ck_assert_str_eq(cmd.view, "lan");
	ck_assert_str_eq(cmd.name, "www.Example.com.");
	ck_assert_str_eq(parse_fails("flush a b c"), "too many arguments");
}
END_TEST

START_TEST(test_parse_dump)
{
	ctl_cmd_t cmd;
	const char *why = NULL;
	ck_assert_int_eq(ctl_parse("dump internal example.com", &cmd, &why), 0);
	ck_assert_int_eq(cmd.verb, CTL_DUMP);
	ck_assert_str_eq(cmd.view, "internal");
	ck_assert_str_eq(cmd.name, "example.com");
	ck_assert_str_eq(parse_fails("dump internal"), "usage: dump VIEW ZONE");
	ck_assert_str_eq(parse_fails("dump"), "usage: dump VIEW ZONE");
	ck_assert_str_eq(parse_fails("dump a b c"), "too many arguments");
}
END_TEST

START_TEST(test_parse_errors)
{
	ck_assert_str_eq(parse_fails(""), "no command");
	ck_assert_str_eq(parse_fails("   \n"), "no command");
	ck_assert_ptr_nonnull(strstr(parse_fails("frobnicate"), "unknown command"));
	ck_assert_ptr_nonnull(strstr(parse_fails("statusx"), "unknown command"));
	ck_assert_ptr_nonnull(strstr(parse_fails("averyveryverylongcommandword"), "unknown command"));
	ck_assert_str_eq(parse_fails("status now"), "too many arguments");
	ck_assert_str_eq(parse_fails("reload x"), "too many arguments");
	/* an argument longer than any view or domain name */
	char line[600] = "flush ";
	memset(line + 6, 'a', 300);
	line[306] = '\0';
	ck_assert_str_eq(parse_fails(line), "argument too long");
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_simple);
	tcase_add_test(tc, test_parse_flush);
	tcase_add_test(tc, test_parse_dump);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(ctl_suite());
}

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

/* Lines that parse, and what they say (a row of test_parse_good). */
static const struct {
	const char *line;
	enum ctl_verb verb;
	const char *view, *name;
} good[] = {
	{ "status", CTL_STATUS, "", "" },
	{ "reload\n", CTL_RELOAD, "", "" },
	{ "  stats  \r\n", CTL_STATS, "", "" },
	{ "flush", CTL_FLUSH, "", "" },
	{ "flush lan", CTL_FLUSH, "lan", "" },
	{ "flush lan\twww.Example.com.\n", CTL_FLUSH, "lan", "www.Example.com." },
	{ "dump internal example.com", CTL_DUMP, "internal", "example.com" },
};
#define N_GOOD ((int)(sizeof(good) / sizeof(good[0])))

START_TEST(test_parse_good)
{
	ctl_cmd_t cmd;
	const char *why = NULL;
	ck_assert_msg(ctl_parse(good[_i].line, &cmd, &why) == 0, "'%s': %s", good[_i].line, why);
	ck_assert_int_eq(cmd.verb, good[_i].verb);
	ck_assert_str_eq(cmd.view, good[_i].view);
	ck_assert_str_eq(cmd.name, good[_i].name);
}
END_TEST

START_TEST(test_parse_usage)
{
	ck_assert_str_eq(parse_fails("flush a b c"), "too many arguments");
	ck_assert_str_eq(parse_fails("dump internal"), "usage: dump VIEW ZONE");
	ck_assert_str_eq(parse_fails("dump"), "usage: dump VIEW ZONE");
	ck_assert_str_eq(parse_fails("dump a b c"), "too many arguments");
}
END_TEST

START_TEST(test_parse_errors)
{
	ck_assert_str_eq(parse_fails(""), "no command");
	ck_assert_str_eq(parse_fails("   \n"), "no command");
	ck_assert_has(parse_fails("frobnicate"), "unknown command");
	ck_assert_has(parse_fails("statusx"), "unknown command");
	ck_assert_has(parse_fails("averyveryverylongcommandword"), "unknown command");
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
	tcase_add_loop_test(tc, test_parse_good, 0, N_GOOD);
	tcase_add_test(tc, test_parse_usage);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(ctl_suite());
}

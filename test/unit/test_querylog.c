/* test_querylog.c -- unit tests for the query log: a record pushed to a
 * worker's ring carries the question, RCODE and flags, and formats as one
 * line naming client, view, name, type, rcode, flags, transport, latency.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "querylog.h"
#include "testlib.h"

START_TEST(test_format)
{
	querylog_rec_t r;
	memset(&r, 0, sizeof(r));
	struct sockaddr_in *sin = (struct sockaddr_in *)&r.client;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5353);
	inet_pton(AF_INET, "127.0.0.2", &sin->sin_addr);
	static const uint8_t name[] = "\3www\7example\3com";
	memcpy(r.qname, name, sizeof(name));
	r.qname_len = sizeof(name);
	r.qtype = 28;
	r.rcode = 3;
	r.flags = QUERYLOG_RD | QUERYLOG_AA;
	strcpy(r.view_name, "internal");
	r.latency_us = 12;
	char line[512];
	querylog_format(&r, line, sizeof(line));
	ck_assert_str_eq(line, "query: client 127.0.0.2#5353 view internal www.example.com. AAAA "
			       "NXDOMAIN flags rd,aa udp 12us");
	/* IPv6, TCP, forwarded (no RCODE yet), an unknown type */
	memset(&r.client, 0, sizeof(r.client));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&r.client;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(53000);
	inet_pton(AF_INET6, "::1", &s6->sin6_addr);
	r.tcp = true;
	r.qtype = 65280;
	r.flags = QUERYLOG_FWD;
	querylog_format(&r, line, sizeof(line));
	ck_assert_str_eq(line, "query: client ::1#53000 view internal www.example.com. TYPE65280 - "
			       "flags fwd tcp 12us");
	/* no question */
	r.qname_len = 0;
	r.flags = 0;
	r.rcode = 1;
	r.qtype = 0;
	querylog_format(&r, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " view internal - "));
	ck_assert_ptr_nonnull(strstr(line, " FORMERR flags - tcp"));
}
END_TEST

static Suite *
querylog_suite(void)
{
	Suite *s = suite_create("querylog");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(querylog_suite());
}

/* test_chain.c -- answers assembled from parts (chain.h): records copied
 * behind a prefix with their names written out, loops and bounds, the
 * client's size limit.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "dname.h"
#include "rrtext.h"
#include "testlib.h"

/* A message built by ldns (which compresses names): question, then the
 * records of each section given as text, NULL-terminated lists. */
static size_t
msg_build(uint8_t *buf, const char *qname, const char *const *an, const char *const *ns,
	  const char *const *ar)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, qname, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_id(p, 0x4242);
	const char *const *secs[3] = { an, ns, ar };
	ldns_pkt_section which[3] = { LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL };
	for (int s = 0; s < 3; s++)
		for (const char *const *r = secs[s]; r != NULL && *r != NULL; r++) {
			ldns_rr *rr = NULL;
			ck_assert_int_eq(ldns_rr_new_frm_str(&rr, *r, 0, NULL, NULL), LDNS_STATUS_OK);
			ldns_pkt_push_rr(p, which[s], rr);
		}
	uint8_t *wire = NULL;
	size_t len = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	memcpy(buf, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static const char *const prefix_an[] = { "a.example. 300 IN CNAME b.test.", NULL };
static const char *const part_an[] = { "b.test. 60 IN A 192.0.2.1", "b.test. 60 IN A 192.0.2.2", NULL };
static const char *const part_ns[] = { "test. 60 IN NS ns.b.test.", NULL };
static const char *const part_ar[] = { "ns.b.test. 60 IN A 192.0.2.53", NULL };

START_TEST(append_writes_names_out)
{
	uint8_t msg[1024], part[512];
	size_t len = msg_build(msg, "a.example.", prefix_an, NULL, NULL);
	size_t plen = msg_build(part, "b.test.", part_an, part_ns, part_ar);
	uint8_t target[DNAME_MAXLEN];
	unsigned cnames;
	bool loop;
	ck_assert_uint_eq(chain_target(msg, len, target, &cnames, &loop), 8);
	ck_assert_mem_eq(target, "\001b\004test", 8);
	ck_assert_uint_eq(cnames, 1);
	ck_assert(!loop);
	size_t before = len;
	ck_assert(chain_append(msg, &len, sizeof(msg), part, plen));
	ck_assert_uint_gt(len, before);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 3);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 1);
	ck_rr(ldns_pkt_answer(p), 0, "a.example. 300 IN CNAME b.test.");
	ck_rr(ldns_pkt_answer(p), 2, "b.test. 60 IN A 192.0.2.2");
	ck_rr(ldns_pkt_authority(p), 0, "test. 60 IN NS ns.b.test.");
	ck_rr(ldns_pkt_additional(p), 0, "ns.b.test. 60 IN A 192.0.2.53");
	ldns_pkt_free(p);
	/* the owners equal to the chain's target point at it: 2 bytes each,
	 * then type, class, TTL, length and 4 bytes of address */
	ck_assert_uint_eq(msg[before], 0xC0);
	ck_assert_uint_eq(msg[before + 16], 0xC0);
	ck_assert_uint_eq(msg[before + 1], msg[before + 17]);
}
END_TEST

START_TEST(append_moves_compressed_rdata)
{
	/* an SRV whose target points into the part's question (some senders
	 * compress it): written out, since the question is not ours */
	static const uint8_t part[] = {
		0x42, 0x42, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		1, 'b', 4, 't', 'e', 's', 't', 0, 0, 33, 0, 1,
		0xC0, 0x0C, 0, 33, 0, 1, 0, 0, 0, 60, 0, 8, 0, 0, 0, 0, 0, 80, 0xC0, 0x0C,
	};
	uint8_t msg[1024];
	size_t len = msg_build(msg, "a.example.", prefix_an, NULL, NULL);
	ck_assert(chain_append(msg, &len, sizeof(msg), part, sizeof(part)));
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	ck_rr(ldns_pkt_answer(p), 1, "b.test. 60 IN SRV 0 0 80 b.test.");
	ldns_pkt_free(p);
}
END_TEST

START_TEST(append_refuses_bad_parts)
{
	uint8_t msg[1024], part[512];
	size_t len = msg_build(msg, "a.example.", prefix_an, NULL, NULL);
	size_t plen = msg_build(part, "b.test.", part_an, NULL, NULL);
	uint8_t copy[1024];
	memcpy(copy, msg, len);
	/* the first answer's owner pointer aimed forward, at itself */
	size_t at = 12 + 8 + 4;
	ck_assert_uint_eq(part[at], 0xC0);
	part[at + 1] = (uint8_t)at;
	size_t n = len;
	ck_assert(!chain_append(msg, &n, sizeof(msg), part, plen));
	ck_assert_uint_eq(n, len);
	ck_assert_mem_eq(msg, copy, len);
	/* cut short */
	plen = msg_build(part, "b.test.", part_an, NULL, NULL);
	ck_assert(!chain_append(msg, &n, sizeof(msg), part, plen - 1));
	/* does not fit */
	ck_assert(!chain_append(msg, &n, len + 10, part, plen));
	ck_assert_uint_eq(n, len);
}
END_TEST

START_TEST(target_and_loops)
{
	static const char *const looped[] = {
		"a.example. 300 IN CNAME b.test.", "b.test. 300 IN CNAME A.example.", NULL };
	uint8_t msg[1024], target[DNAME_MAXLEN];
	size_t len = msg_build(msg, "a.example.", looped, NULL, NULL);
	unsigned cnames;
	bool loop;
	ck_assert_uint_gt(chain_target(msg, len, target, &cnames, &loop), 0);
	ck_assert_uint_eq(cnames, 2);
	ck_assert(loop);
	ck_assert_mem_eq(target, "\001a\007example", 11);   /* lower case */
	/* no CNAME at the end: nothing to follow */
	static const char *const data[] = { "a.example. 300 IN A 192.0.2.1", NULL };
	len = msg_build(msg, "a.example.", data, NULL, NULL);
	ck_assert_uint_eq(chain_target(msg, len, target, &cnames, &loop), 0);
}
END_TEST

START_TEST(finish_limits_and_flags)
{
	uint8_t msg[1024], part[512];
	size_t len = msg_build(msg, "a.example.", prefix_an, NULL, NULL);
	size_t plen = msg_build(part, "b.test.", part_an, part_ns, part_ar);
	ck_assert(chain_append(msg, &len, sizeof(msg), part, plen));
	msg[3] |= 0xA0;   /* RA and AD */
	uint8_t copy[1024];
	memcpy(copy, msg, len);
	size_t full = chain_finish(msg, len, 3, true, 4096, true, true, 1232);
	ck_assert_uint_eq(full, len + 11);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, full), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert(!ldns_pkt_ad(p));
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ldns_pkt_free(p);
	/* one byte short: the additional section goes */
	memcpy(msg, copy, len);
	size_t n = chain_finish(msg, len, 0, true, full - 1, true, false, 1232);
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 3);
	ck_assert(!ldns_pkt_tc(p));
	ldns_pkt_free(p);
	/* far too small: header and question, TC */
	memcpy(msg, copy, len);
	n = chain_finish(msg, len, 0, true, 40, false, false, 0);
	ck_assert_uint_le(n, 40);
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, n), LDNS_STATUS_OK);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	/* chain_fail: no records, the rcode */
	memcpy(msg, copy, len);
	n = chain_fail(msg, len, 2, 512, false, false, 0);
	ck_assert_int_eq(ldns_wire2pkt(&p, msg, n), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(ldns_pkt_ancount(p) + ldns_pkt_nscount(p) + ldns_pkt_arcount(p), 0);
	ldns_pkt_free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("chain");
	TCase *tc = tcase_create("chain");
	tcase_add_test(tc, append_writes_names_out);
	tcase_add_test(tc, append_moves_compressed_rdata);
	tcase_add_test(tc, append_refuses_bad_parts);
	tcase_add_test(tc, target_and_loops);
	tcase_add_test(tc, finish_limits_and_flags);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}

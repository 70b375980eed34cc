/* test_scrub.c -- records outside the question's chain are dropped from
 * upstream answers; the chain, DNAMEs, the zone's SOA and glue stay.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "scrub.h"
#include "testlib.h"

/* An answer to name/type with records "S|rr" (S: A answer, U authority,
 * D additional); its wire in *len (free it). */
static uint8_t *
response(const char *name, ldns_rr_type type, const char *const *rrs, size_t *len)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	for (size_t i = 0; rrs[i] != NULL; i++) {
		ldns_rr *rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, rrs[i] + 2, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_section sec = rrs[i][0] == 'A' ? LDNS_SECTION_ANSWER
				     : rrs[i][0] == 'U' ? LDNS_SECTION_AUTHORITY : LDNS_SECTION_ADDITIONAL;
		ldns_pkt_push_rr(p, sec, rr);
	}
	uint8_t *wire = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

static void
key_of(cache_key_t *k, const char *name, ldns_rr_type type)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	ldns_dname2canonical(d);
	memset(k, 0, sizeof(*k));
	memcpy(k->name, ldns_rdf_data(d), ldns_rdf_size(d));
	k->name_len = (uint8_t)ldns_rdf_size(d);
	k->qtype = type;
	k->qclass = LDNS_RR_CLASS_IN;
	ldns_rdf_deep_free(d);
}

/* Scrub and parse: the counts of each section (-1 each if nothing dropped). */
static unsigned
scrub(const char *name, ldns_rr_type type, const char *const *rrs, size_t counts[3])
{
	size_t len, slen;
	uint8_t *wire = response(name, type, rrs, &len);
	cache_key_t k;
	key_of(&k, name, type);
	unsigned dropped;
	uint8_t *out = scrub_response(wire, len, &k, &slen, &dropped);
	free(wire);
	counts[0] = counts[1] = counts[2] = (size_t)-1;
	if (out != NULL) {
		ldns_pkt *p = NULL;
		ck_assert_int_eq(ldns_wire2pkt(&p, out, slen), LDNS_STATUS_OK);
		counts[0] = ldns_pkt_ancount(p);
		counts[1] = ldns_pkt_nscount(p);
		counts[2] = ldns_pkt_arcount(p);
		ldns_pkt_free(p);
		free(out);
	}
	return dropped;
}

START_TEST(drops_what_is_not_asked)
{
	size_t c[3];
	const char *const extra[] = {
		"A|extra.test. 60 IN A 192.0.2.97",
		"A|evil.example. 86400 IN A 6.6.6.9",
		"A|extra.test. 60 IN MX 10 mail.evil.example.",
		"U|evil.example. 60 IN NS ns.evil.example.",
		"U|test. 60 IN NS ns.test.",
		"D|ns.test. 60 IN A 192.0.2.53",
		"D|ns.test. 60 IN TXT \"x\"",
		NULL,
	};
	ck_assert_uint_eq(scrub("extra.test.", LDNS_RR_TYPE_A, extra, c), 4);
	ck_assert_uint_eq(c[0], 1);
	ck_assert_uint_eq(c[1], 1);
	ck_assert_uint_eq(c[2], 1);
	/* ANY keeps every type at the name */
	ck_assert_uint_eq(scrub("extra.test.", LDNS_RR_TYPE_ANY, extra, c), 3);
	ck_assert_uint_eq(c[0], 2);
}
END_TEST

START_TEST(keeps_chains)
{
	size_t c[3];
	/* a chain in reverse order, a DNAME above it, the zone's SOA: nothing to drop */
	const char *const chain[] = {
		"A|target.example.net. 60 IN A 192.0.2.96",
		"A|www.alias.test. 60 IN CNAME target.example.net.",
		"A|alias.test. 60 IN DNAME example.net.",
		"A|chain.test. 60 IN CNAME www.alias.test.",
		"U|example.net. 60 IN SOA ns.example.net. h.example.net. 1 2 3 4 5",
		NULL,
	};
	ck_assert_uint_eq(scrub("chain.test.", LDNS_RR_TYPE_A, chain, c), 0);
	ck_assert_uint_eq(c[0], (size_t)-1);
	/* a negative answer with another zone's SOA */
	const char *const neg[] = {
		"U|other.example. 60 IN SOA ns.other.example. h.other.example. 1 2 3 4 5",
		NULL,
	};
	ck_assert_uint_eq(scrub("nx.test.", LDNS_RR_TYPE_A, neg, c), 1);
	ck_assert_uint_eq(c[1], 0);
	/* not a DNS message: left to cache_msg_parse */
	cache_key_t k;
	key_of(&k, "x.test.", LDNS_RR_TYPE_A);
	size_t slen;
	unsigned dropped;
	ck_assert_ptr_null(scrub_response((const uint8_t *)"\1\2\3", 3, &k, &slen, &dropped));
}
END_TEST

static Suite *
scrub_suite(void)
{
	Suite *s = suite_create("scrub");
	TCase *tc = tcase_create("scrub");
	tcase_add_test(tc, drops_what_is_not_asked);
	tcase_add_test(tc, keeps_chains);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(scrub_suite());
}

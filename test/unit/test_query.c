/* test_query.c -- the query path without sockets: snapshot from in-memory
 * zone text, queries built with ldns, answers parsed back with ldns.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "query.h"
#include "rrtext.h"
#include "snapshot.h"
#include "zonestore.h"
#include "wire.h"
#include "testlib.h"

static char dir[] = "/tmp/hz-test-query.XXXXXX";
static snapshot_t *snap;

static const char *config_text =
	"server:\n"
	"  listen: [127.0.0.1@5300]\n"
	"  version: \"test-version\"\n"
	"  identity: \"test-host\"\n"
	"acls:\n"
	"  lan: [10.0.0.0/8, 192.168.0.0/16, 127.0.0.2]\n"
	"views:\n"
	"  - name: resolver\n"
	"    match-clients: [127.0.0.10]\n"
	"    recursion: true\n"
	"    forwarders: [127.0.0.1@5399]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: res.zone\n"
	"      - name: Example.ORG\n"
	"        file: org.zone\n"
	"      - name: chain.test\n"
	"        file: chain.zone\n"
	"      - name: child.example.com\n"
	"        file: child.zone\n"
	"  - name: internal\n"
	"    match-clients: [\"!127.0.0.9\", lan]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: in.zone\n"
	"      - name: child.example.com\n"
	"        file: child.zone\n"
	"  - name: external\n"
	"    match-clients: [\"!127.0.0.9\", any]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: out.zone\n"
	"      - name: Example.ORG\n"
	"        file: org.zone\n"
	"      - name: signed.test\n"
	"        file: signed.zone\n";

#define SOA_AND_NS \
	"$TTL 3600\n" \
	"@ IN SOA ns1.example.com. hostmaster.example.com. 7 3600 900 604800 300\n" \
	"@ NS ns1\n" \
	"ns1 A 192.0.2.1\n"

static const char *in_zone = SOA_AND_NS
	"child NS ns1.child\n"
	"ns1.child A 10.0.0.54\n"
	"tochild CNAME www.child\n"
	"www A 192.168.1.20\n"
	"nas A 192.168.1.30\n";

static const char *out_zone = SOA_AND_NS
	"www A 203.0.113.10\n"
	"www AAAA 2001:db8::10\n"
	"@ MX 10 mail\n"
	"mail A 203.0.113.25\n"
	"alias CNAME www\n"
	"chain1 CNAME chain2\n"
	"chain2 CNAME www\n"
	"dangling CNAME nothere\n"
	"outside CNAME www.example.net.\n"
	"a.b.c.ent A 192.0.2.7\n"
	"*.wild TXT \"wildcard\"\n"
	"*.wild MX 10 mail\n"
	"host.wild A 192.0.2.8\n"
	"*.cn CNAME www\n"
	"old DNAME new.example.com.\n"
	"www.new A 192.0.2.81\n"
	"x.old A 192.0.2.99\n"
	"long DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example.com.\n"
	"tosub CNAME host.sub\n"
	"sub NS ns.sub\n"
	"sub NS ns.example.net.\n"
	"sub DS 12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7E5E4F1A6B0F4A6B0F4A6B0F\n"
	"ns.sub A 192.0.2.53\n"
	"big TXT \"" "0123456789012345678901234567890123456789012345678901234567890123456789" "\"\n"
	"big TXT \"1123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"2123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"3123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"4123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"5123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"6123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"7123456789012345678901234567890123456789012345678901234567890123456789\"\n";

/* The recursive view's example.com: chains that leave the zone. */
static const char *res_zone = SOA_AND_NS
	"www A 192.0.2.80\n"
	"alias CNAME www.upstream.test.\n"
	"alias2 CNAME alias\n"
	"toorg CNAME mixed.example.org.\n"
	"tolocal CNAME 1.0.0.10.in-addr.arpa.\n"
	"toloop CNAME loop.chain.test.\n"
	"loopback CNAME loop.chain.test.\n"
	"tobig CNAME big.chain.test.\n"
	"up DNAME upstream.test.\n"
	"child NS ns1.child\n"
	"ns1.child A 10.0.0.54\n"
	"tochild CNAME www.child\n"
	"c1 CNAME c2\n" "c2 CNAME c3\n" "c3 CNAME c4\n" "c4 CNAME c5\n" "c5 CNAME c6\n"
	"c6 CNAME c7\n" "c7 CNAME c8\n" "c8 CNAME c9\n" "c9 CNAME c10\n" "c10 CNAME c11\n"
	"c11 CNAME c12\n" "c12 CNAME www\n";

static const char *chain_zone =
	"$TTL 600\n"
	"@ IN SOA ns.chain.test. h.chain.test. 1 3600 900 604800 300\n"
	"@ NS ns.chain.test.\n"
	"ns A 198.51.100.9\n"
	"loop CNAME loopback.example.com.\n"
	"big TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"1123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"2123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"3123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"4123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"5123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"6123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"7123456789012345678901234567890123456789012345678901234567890123456789\"\n";

static const char *child_zone =
	"$TTL 3600\n"
	"@ IN SOA ns1.child.example.com. hostmaster.example.com. 1 3600 900 604800 60\n"
	"@ NS ns1\n"
	"ns1 A 10.0.0.54\n"
	"www A 10.0.0.80\n";

static const char *org_zone =
	"$TTL 600\n"
	"@ IN SOA ns.example.org. h.example.org. 1 3600 900 604800 300\n"
	"@ NS ns.example.org.\n"
	"ns A 198.51.100.1\n"
	"MiXeD A 198.51.100.2\n";

/* A signed zone (fake signatures: the choice of records is what counts;
 * test_dnssec.sh has validators check real ones). Canonical order: @, a,
 * b.c (c: empty non-terminal), *.w, x.w. */
#define SIG(type, labels) " RRSIG " type " 13 " labels " 300 20300101000000 20200101000000 1 signed.test. AAAA\n"
static const char *signed_zone =
	"$TTL 300\n"
	"@ SOA ns1 h 1 3600 900 604800 300\n"
	"@" SIG("SOA", "2")
	"@ NS ns1\n"
	"@ DNSKEY 257 3 13 AwEAAQ==\n"
	"@ NSEC a.signed.test. NS SOA RRSIG NSEC DNSKEY\n"
	"@" SIG("NSEC", "2")
	"a A 192.0.2.1\n"
	"a" SIG("A", "3")
	"a NSEC b.c.signed.test. A RRSIG NSEC\n"
	"a" SIG("NSEC", "3")
	"b.c A 192.0.2.2\n"
	"b.c NSEC *.w.signed.test. A RRSIG NSEC\n"
	"b.c" SIG("NSEC", "4")
	"*.w TXT \"w\"\n"
	"*.w" SIG("TXT", "3")
	"*.w NSEC x.w.signed.test. TXT RRSIG NSEC\n"
	"*.w" SIG("NSEC", "3")
	"x.w A 192.0.2.3\n"
	"x.w NSEC signed.test. A RRSIG NSEC\n"
	"x.w" SIG("NSEC", "4")
	"ns1 A 192.0.2.53\n";

static void
write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	strcpy(dir, "/tmp/hz-test-query.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("horizond.yaml", config_text);
	write_file("in.zone", in_zone);
	write_file("out.zone", out_zone);
	write_file("child.zone", child_zone);
	write_file("org.zone", org_zone);
	write_file("res.zone", res_zone);
	write_file("chain.zone", chain_zone);
	write_file("signed.zone", signed_zone);
	char path[256];
	snprintf(path, sizeof(path), "%s/horizond.yaml", dir);
	diag_t d = { 0 };
	snap = zonestore_build(path, NULL, &d);
	ck_assert_ptr_nonnull(snap);
}

static void
teardown(void)
{
	snapshot_free(&snap);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Ask a query from source address src; returns the parsed answer (NULL if
 * horizond sent nothing); *len_out gets the wire length. */
static ldns_pkt *
ask_wire(const uint8_t *wire, size_t wlen, const char *src, bool tcp, size_t *len_out)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };
	inet_pton(AF_INET, src, &sin.sin_addr);
	query_src_t from = { .src = (struct sockaddr *)&sin, .dst = NULL, .tcp = tcp };
	static uint8_t out[QUERY_MAX_ANSWER];
	size_t n = query_answer(snap, wire, wlen, out, sizeof(out), &from);
	if (len_out)
		*len_out = n;
	if (n == 0)
		return NULL;
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(p), 0x1234);
	ck_assert(ldns_pkt_qr(p));
	return p;
}

static ldns_pkt *
ask_full(const char *name, ldns_rr_type type, ldns_rr_class cls, const char *src,
	 bool tcp, int edns_size, size_t *len_out)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, cls, LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 0x1234);
	if (edns_size > 0) {
		ldns_pkt_set_edns_udp_size(q, (uint16_t)edns_size);
		ldns_pkt_set_edns_do(q, false);
		/* ldns adds the OPT only if something EDNS-ish is set */
		ldns_pkt_set_edns_data(q, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_HEX, "00"));
		ldns_rdf_deep_free(ldns_pkt_edns_data(q));
		ldns_pkt_set_edns_data(q, NULL);
	}
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, q, &wlen), LDNS_STATUS_OK);
	ldns_pkt *a = ask_wire(wire, wlen, src, tcp, len_out);
	free(wire);
	ldns_pkt_free(q);
	return a;
}

static ldns_pkt *
ask(const char *name, ldns_rr_type type, const char *src)
{
	return ask_full(name, type, LDNS_RR_CLASS_IN, src, false, 0, NULL);
}

START_TEST(views_by_source)
{
	ldns_pkt *a = ask("www.example.com.", LDNS_RR_TYPE_A, "127.0.0.2");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a));
	ck_assert(ldns_pkt_rd(a));
	ck_assert(!ldns_pkt_ra(a));
	ck_rr(ldns_pkt_answer(a), 0, "www.example.com. 3600 IN A 192.168.1.20");
	ldns_pkt_free(a);
	a = ask("www.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_rr(ldns_pkt_answer(a), 0, "www.example.com. 3600 IN A 203.0.113.10");
	ldns_pkt_free(a);
	/* internal-only name from outside: NXDOMAIN */
	a = ask("nas.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(a);
	/* matched by no view (negated first element): REFUSED */
	a = ask("www.example.com.", LDNS_RR_TYPE_A, "127.0.0.9");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ck_assert(!ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	/* a zone only in the other view */
	a = ask("www.child.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(a);
	a = ask("www.child.example.com.", LDNS_RR_TYPE_A, "127.0.0.2");
	ck_rr(ldns_pkt_answer(a), 0, "www.child.example.com. 3600 IN A 10.0.0.80");
	ldns_pkt_free(a);
}
END_TEST

/* A query with EDNS and DO=1 (size: the client's UDP size). */
static ldns_pkt *
ask_do(const char *name, ldns_rr_type type, int size, size_t *len_out)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 0x1234);
	ldns_pkt_set_edns_udp_size(q, (uint16_t)size);
	ldns_pkt_set_edns_do(q, true);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, q, &wlen), LDNS_STATUS_OK);
	ldns_pkt *a = ask_wire(wire, wlen, "127.0.0.3", false, len_out);
	free(wire);
	ldns_pkt_free(q);
	return a;
}

/* The owner and type of record i of a section: "b.c.signed.test. NSEC". */
static void
ck_owner_type(ldns_rr_list *l, size_t i, const char *owner, ldns_rr_type type)
{
	ck_assert_uint_gt(ldns_rr_list_rr_count(l), i);
	ldns_rr *rr = ldns_rr_list_rr(l, i);
	char *o = ldns_rdf2str(ldns_rr_owner(rr));
	ck_assert_str_eq(o, owner);
	free(o);
	ck_assert_int_eq(ldns_rr_get_type(rr), type);
}

/* DO=1 on a signed zone: RRSIGs, and the NSEC proofs found per query for
 * the name asked (NXDOMAIN, wildcard answers); DO=0 unchanged; TC. */
START_TEST(dnssec_proofs)
{
	ldns_pkt *a = ask_do("d.signed.test.", LDNS_RR_TYPE_A, 1232, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_edns_do(a));
	ldns_rr_list *ns = ldns_pkt_authority(a);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ns), 6);
	ck_owner_type(ns, 0, "signed.test.", LDNS_RR_TYPE_SOA);
	ck_owner_type(ns, 1, "signed.test.", LDNS_RR_TYPE_RRSIG);
	ck_owner_type(ns, 2, "b.c.signed.test.", LDNS_RR_TYPE_NSEC);   /* covers d */
	ck_owner_type(ns, 3, "b.c.signed.test.", LDNS_RR_TYPE_RRSIG);
	ck_owner_type(ns, 4, "signed.test.", LDNS_RR_TYPE_NSEC);       /* covers *.signed.test */
	ck_owner_type(ns, 5, "signed.test.", LDNS_RR_TYPE_RRSIG);
	ck_assert_uint_eq(ldns_pkt_arcount(a), 0);   /* ldns counts the OPT apart */
	ldns_pkt_free(a);
	/* the same without DO: the SOA only */
	a = ask("d.signed.test.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);
	/* wildcard expansion: the RRSIG under the name asked, the NSEC that
	 * covers the name */
	a = ask_do("Y.w.signed.test.", LDNS_RR_TYPE_TXT, 1232, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ck_owner_type(ldns_pkt_answer(a), 1, "Y.w.signed.test.", LDNS_RR_TYPE_RRSIG);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 2);
	ck_owner_type(ldns_pkt_authority(a), 0, "x.w.signed.test.", LDNS_RR_TYPE_NSEC);
	ldns_pkt_free(a);
	/* wildcard NODATA: the covering NSEC and the wildcard's */
	a = ask_do("y.w.signed.test.", LDNS_RR_TYPE_A, 1232, NULL);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 6);
	ck_owner_type(ldns_pkt_authority(a), 2, "x.w.signed.test.", LDNS_RR_TYPE_NSEC);
	ck_owner_type(ldns_pkt_authority(a), 4, "*.w.signed.test.", LDNS_RR_TYPE_NSEC);
	ldns_pkt_free(a);
	/* NODATA at a name: its own NSEC, built with the zone */
	a = ask_do("a.signed.test.", LDNS_RR_TYPE_TXT, 1232, NULL);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 4);
	ck_owner_type(ldns_pkt_authority(a), 2, "a.signed.test.", LDNS_RR_TYPE_NSEC);
	ldns_pkt_free(a);
	/* positive: the RRSIG follows the RRset */
	a = ask_do("a.signed.test.", LDNS_RR_TYPE_A, 1232, NULL);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ck_owner_type(ldns_pkt_answer(a), 1, "a.signed.test.", LDNS_RR_TYPE_RRSIG);
	ldns_pkt_free(a);
}
END_TEST

START_TEST(negative_answers)
{
	ldns_pkt *a = ask("nothere.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	/* TTL = min(SOA TTL 3600, MINIMUM 300) */
	ck_rr(ldns_pkt_authority(a), 0,
	      "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 7 3600 900 604800 300");
	ldns_pkt_free(a);
	a = ask("www.example.com.", LDNS_RR_TYPE_TXT, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);
	/* empty non-terminal: NODATA, not NXDOMAIN */
	a = ask("b.c.ent.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);
	/* outside every zone of the view */
	a = ask("www.example.net.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ldns_pkt_free(a);
}
END_TEST

START_TEST(cname_chains)
{
	ldns_pkt *a = ask("chain1.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 3);
	ck_rr(ldns_pkt_answer(a), 0, "chain1.example.com. 3600 IN CNAME chain2.example.com.");
	ck_rr(ldns_pkt_answer(a), 1, "chain2.example.com. 3600 IN CNAME www.example.com.");
	ck_rr(ldns_pkt_answer(a), 2, "www.example.com. 3600 IN A 203.0.113.10");
	ldns_pkt_free(a);
	/* the target lacks the type: chain + SOA */
	a = ask("alias.example.com.", LDNS_RR_TYPE_MX, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);
	/* QTYPE=CNAME: the CNAME alone */
	a = ask("alias.example.com.", LDNS_RR_TYPE_CNAME, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* dangling target inside the zone: NXDOMAIN with the CNAME (RFC 6604) */
	a = ask("dangling.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* target outside the zone: left to the client */
	a = ask("outside.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 0);
	ldns_pkt_free(a);
}
END_TEST

START_TEST(dname_synthesis)
{
	/* RFC 6672: the DNAME, a CNAME with its TTL, the target's data */
	ldns_pkt *a = ask("www.old.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 3);
	ck_rr(ldns_pkt_answer(a), 0, "old.example.com. 3600 IN DNAME new.example.com.");
	ck_rr(ldns_pkt_answer(a), 1, "www.old.example.com. 3600 IN CNAME www.new.example.com.");
	ck_rr(ldns_pkt_answer(a), 2, "www.new.example.com. 3600 IN A 192.0.2.81");
	ldns_pkt_free(a);
	/* the synthesized name keeps the question's case */
	a = ask("WwW.OlD.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_rr(ldns_pkt_answer(a), 1, "WwW.OlD.example.com. 3600 IN CNAME WwW.new.example.com.");
	ldns_pkt_free(a);
	/* data below a DNAME is occluded: the target does not exist */
	a = ask("x.old.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ck_rr(ldns_pkt_answer(a), 1, "x.old.example.com. 3600 IN CNAME x.new.example.com.");
	ck_assert_uint_eq(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);
	/* QTYPE=CNAME: DNAME and CNAME only */
	a = ask("www.old.example.com.", LDNS_RR_TYPE_CNAME, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ldns_pkt_free(a);
	/* the owner itself answers as any name */
	a = ask("old.example.com.", LDNS_RR_TYPE_DNAME, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_rr(ldns_pkt_answer(a), 0, "old.example.com. 3600 IN DNAME new.example.com.");
	ldns_pkt_free(a);
	/* the new name would be longer than 255 bytes: YXDOMAIN, DNAME alone */
	char name[300];
	snprintf(name, sizeof(name), "%.60s.long.example.com.",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	a = ask(name, LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_YXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* a view without recursion stops where the target leaves the zone */
	a = ask("www.up.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(a);
}
END_TEST

/* query_answer_fwd() from the recursive view's client (127.0.0.10). */
static size_t
ask_fwd(const char *name, ldns_rr_type type, bool rd, query_fwd_t *fwd, uint8_t *out)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0),
			 LDNS_STATUS_OK);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, q, &wlen), LDNS_STATUS_OK);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };
	inet_pton(AF_INET, "127.0.0.10", &sin.sin_addr);
	query_src_t from = { .src = (struct sockaddr *)&sin, .dst = NULL, .tcp = false };
	size_t n = query_answer_fwd(snap, wire, wlen, out, QUERY_MAX_ANSWER, &from, fwd);
	free(wire);
	ldns_pkt_free(q);
	return n;
}

START_TEST(recursive_chains)
{
	/* into another zone of the view: answered at once, AA and RA */
	ldns_pkt *a = ask("toorg.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a));
	ck_assert(ldns_pkt_ra(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ck_rr(ldns_pkt_answer(a), 0, "toorg.example.com. 3600 IN CNAME mixed.example.org.");
	ck_rr(ldns_pkt_answer(a), 1, "mixed.example.org. 600 IN A 198.51.100.2");
	ldns_pkt_free(a);
	/* the same name from a view without recursion: the CNAME only */
	a = ask("outside.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* below a delegation of the zone, to a child zone the view serves:
	 * followed into it with recursion; the CNAME alone without (as BIND) */
	a = ask("tochild.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ck_rr(ldns_pkt_answer(a), 1, "www.child.example.com. 3600 IN A 10.0.0.80");
	ldns_pkt_free(a);
	a = ask("tochild.example.com.", LDNS_RR_TYPE_A, "127.0.0.2");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 0);
	ldns_pkt_free(a);
	/* ...to a child the view does not serve: the CNAME and the referral */
	a = ask("tosub.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 2);
	ck_rr(ldns_pkt_additional(a), 0, "ns.sub.example.com. 3600 IN A 192.0.2.53");
	ldns_pkt_free(a);
	/* into a locally served zone (RFC 6303) */
	a = ask("tolocal.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_rr(ldns_pkt_authority(a), 0,
	      "10.in-addr.arpa. 10800 IN SOA 10.in-addr.arpa. nobody.invalid. 1 3600 1200 604800 10800");
	ldns_pkt_free(a);
	/* a loop across zones: SERVFAIL with every CNAME of it once, AA kept */
	a = ask("toloop.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_SERVFAIL);
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 3);
	ck_rr(ldns_pkt_answer(a), 2, "loopback.example.com. 3600 IN CNAME loop.chain.test.");
	ldns_pkt_free(a);
	/* BIND's bound: 11 CNAMEs and the data; a 12th CNAME is SERVFAIL */
	a = ask("c2.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 12);
	ldns_pkt_free(a);
	a = ask("c1.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 12);
	ldns_pkt_free(a);
	/* too large for UDP: TC; TCP gets it all */
	size_t len;
	a = ask_full("tobig.example.com.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, "127.0.0.10", false, 0, &len);
	ck_assert(ldns_pkt_tc(a));
	ck_assert_uint_le(len, 512);
	ldns_pkt_free(a);
	a = ask_full("tobig.example.com.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, "127.0.0.10", true, 0, &len);
	ck_assert(!ldns_pkt_tc(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 9);
	ldns_pkt_free(a);
	/* out of the view without a forwarder (query_answer()): SERVFAIL */
	a = ask("alias.example.com.", LDNS_RR_TYPE_A, "127.0.0.10");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);

	/* ...and with one: the forwarder gets the target and the prefix */
	static uint8_t out[QUERY_MAX_ANSWER];
	query_fwd_t fwd;
	ck_assert_uint_eq(ask_fwd("alias2.example.com.", LDNS_RR_TYPE_AAAA, true, &fwd, out), 0);
	ck_assert(fwd.forward);
	ck_assert(fwd.rd);
	ck_assert_uint_eq(fwd.qtype, LDNS_RR_TYPE_AAAA);
	ck_assert_uint_eq(fwd.qname_len, 19);
	ck_assert_mem_eq(fwd.qname, "\003www\010upstream\004test", 19);
	ck_assert_ptr_eq(fwd.prefix, out);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, fwd.prefix, fwd.prefix_len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_rr(ldns_pkt_answer(p), 1, "alias.example.com. 3600 IN CNAME www.upstream.test.");
	ldns_pkt_free(p);
	/* through a DNAME */
	ck_assert_uint_eq(ask_fwd("www.up.example.com.", LDNS_RR_TYPE_A, true, &fwd, out), 0);
	ck_assert(fwd.forward);
	ck_assert_mem_eq(fwd.qname, "\003www\010upstream\004test", 19);
	ck_assert_int_eq(ldns_wire2pkt(&p, fwd.prefix, fwd.prefix_len), LDNS_STATUS_OK);
	ck_rr(ldns_pkt_answer(p), 0, "up.example.com. 3600 IN DNAME upstream.test.");
	ldns_pkt_free(p);
	/* RD=0: handed over for a cache lookup only */
	ck_assert_uint_eq(ask_fwd("alias.example.com.", LDNS_RR_TYPE_A, false, &fwd, out), 0);
	ck_assert(fwd.forward);
	ck_assert(!fwd.rd);
	/* a plain forwarded name has no prefix */
	ck_assert_uint_eq(ask_fwd("www.upstream.test.", LDNS_RR_TYPE_A, true, &fwd, out), 0);
	ck_assert(fwd.forward);
	ck_assert_ptr_null(fwd.prefix);
}
END_TEST

START_TEST(wildcards)
{
	ldns_pkt *a = ask("anything.wild.example.com.", LDNS_RR_TYPE_TXT, "127.0.0.3");
	ck_assert(ldns_pkt_aa(a));
	ck_rr(ldns_pkt_answer(a), 0, "anything.wild.example.com. 3600 IN TXT \"wildcard\"");
	ldns_pkt_free(a);
	/* deeper names match too; the MX gets its target's address */
	a = ask("x.y.wild.example.com.", LDNS_RR_TYPE_MX, "127.0.0.3");
	ck_rr(ldns_pkt_answer(a), 0, "x.y.wild.example.com. 3600 IN MX 10 mail.example.com.");
	ck_rr(ldns_pkt_additional(a), 0, "mail.example.com. 3600 IN A 203.0.113.25");
	ldns_pkt_free(a);
	/* an existing name is not covered by the wildcard (RFC 4592 2.2.1) */
	a = ask("host.wild.example.com.", LDNS_RR_TYPE_TXT, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	/* wildcard without the type: NODATA */
	a = ask("z.wild.example.com.", LDNS_RR_TYPE_AAAA, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ck_rr(ldns_pkt_authority(a), 0,
	      "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 7 3600 900 604800 300");
	ldns_pkt_free(a);
	/* a wildcard CNAME is followed */
	a = ask("foo.cn.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ck_rr(ldns_pkt_answer(a), 0, "foo.cn.example.com. 3600 IN CNAME www.example.com.");
	ck_rr(ldns_pkt_answer(a), 1, "www.example.com. 3600 IN A 203.0.113.10");
	ldns_pkt_free(a);
}
END_TEST

START_TEST(referrals)
{
	ldns_pkt *a = ask("host.sub.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(!ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(a), 2);
	ck_assert_uint_eq(ldns_pkt_arcount(a), 1);
	ck_rr(ldns_pkt_additional(a), 0, "ns.sub.example.com. 3600 IN A 192.0.2.53");
	ldns_pkt_free(a);
	/* glue itself is not authoritative data: referral */
	a = ask("ns.sub.example.com.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert(!ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	/* DS is the parent's */
	a = ask("sub.example.com.", LDNS_RR_TYPE_DS, "127.0.0.3");
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* DS at the apex of a child zone served in the same view: the parent answers */
	a = ask("child.example.com.", LDNS_RR_TYPE_DS, "127.0.0.2");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ck_rr(ldns_pkt_authority(a), 0,
	      "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 7 3600 900 604800 300");
	ldns_pkt_free(a);
}
END_TEST

START_TEST(additional_and_any)
{
	ldns_pkt *a = ask("example.com.", LDNS_RR_TYPE_MX, "127.0.0.3");
	ck_rr(ldns_pkt_answer(a), 0, "example.com. 3600 IN MX 10 mail.example.com.");
	ck_rr(ldns_pkt_additional(a), 0, "mail.example.com. 3600 IN A 203.0.113.25");
	ldns_pkt_free(a);
	a = ask("example.com.", LDNS_RR_TYPE_NS, "127.0.0.3");
	ck_rr(ldns_pkt_additional(a), 0, "ns1.example.com. 3600 IN A 192.0.2.1");
	ldns_pkt_free(a);
	a = ask("www.example.com.", LDNS_RR_TYPE_ANY, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_ancount(a), 2);
	ldns_pkt_free(a);
	/* a name with one type has no ANY entry of its own (issue 16): ANY
	 * is answered from that type */
	a = ask("mail.example.com.", LDNS_RR_TYPE_ANY, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_rr(ldns_pkt_answer(a), 0, "mail.example.com. 3600 IN A 203.0.113.25");
	ldns_pkt_free(a);
}
END_TEST

START_TEST(case_and_compression)
{
	ldns_pkt *a = ask("WwW.ExAmPlE.cOm.", LDNS_RR_TYPE_A, "127.0.0.3");
	char *q = rr_text(ldns_pkt_question(a), 0);
	ck_assert_ptr_nonnull(strstr(q, "WwW.ExAmPlE.cOm."));
	free(q);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* a zone whose name is written in mixed case in the config and file */
	a = ask("mixed.example.org.", LDNS_RR_TYPE_A, "127.0.0.3");
	ck_assert(ldns_pkt_aa(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
}
END_TEST

START_TEST(edns_and_truncation)
{
	size_t len;
	/* no EDNS: 512 bytes at most, TC set, no records */
	ldns_pkt *a = ask_full("big.example.com.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, "127.0.0.3",
			       false, 0, &len);
	ck_assert(ldns_pkt_tc(a));
	ck_assert_uint_le(len, 512);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ck_assert_ptr_null(ldns_pkt_edns(a) ? (void *)1 : NULL);
	ldns_pkt_free(a);
	/* EDNS 1232: fits, OPT in the answer advertising 1232 */
	a = ask_full("big.example.com.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, "127.0.0.3",
		     false, 1232, &len);
	ck_assert(!ldns_pkt_tc(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 8);
	ck_assert(ldns_pkt_edns(a));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(a), 1232);
	ldns_pkt_free(a);
	/* TCP: everything */
	a = ask_full("big.example.com.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, "127.0.0.3",
		     true, 0, &len);
	ck_assert(!ldns_pkt_tc(a));
	ck_assert_uint_eq(ldns_pkt_ancount(a), 8);
	ldns_pkt_free(a);
}
END_TEST

START_TEST(chaos)
{
	ldns_pkt *a = ask_full("version.bind.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, "127.0.0.3",
			       false, 0, NULL);
	ck_rr(ldns_pkt_answer(a), 0, "version.bind. 0 CH TXT \"test-version\"");
	ldns_pkt_free(a);
	a = ask_full("id.server.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, "127.0.0.3", false, 0, NULL);
	ck_rr(ldns_pkt_answer(a), 0, "id.server. 0 CH TXT \"test-host\"");
	ldns_pkt_free(a);
	/* a client that no view matches learns neither version nor host name */
	static const char *const names[] = { "version.bind.", "hostname.bind.", "id.server." };
	for (unsigned i = 0; i < 3; i++) {
		a = ask_full(names[i], LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, "127.0.0.9", false, 0, NULL);
		ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
		ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
		ldns_pkt_free(a);
	}
}
END_TEST

/* identity: "" and version: "" hide the CHAOS answers: REFUSED, as for a
 * name that is not there. */
START_TEST(chaos_hidden)
{
	write_file("hidden.yaml",
		   "server:\n"
		   "  listen: [127.0.0.1@5300]\n"
		   "  version: \"\"\n"
		   "  identity: \"\"\n"
		   "views:\n"
		   "  - name: all\n"
		   "    match-clients: [any]\n"
		   "    zones:\n"
		   "      - name: example.com\n"
		   "        file: out.zone\n");
	char path[256];
	snprintf(path, sizeof(path), "%s/hidden.yaml", dir);
	diag_t d = { 0 };
	snapshot_t *normal = snap;
	snap = zonestore_build(path, NULL, &d);
	ck_assert_ptr_nonnull(snap);
	static const char *const names[] = {
		"version.bind.", "version.server.", "hostname.bind.", "id.server.",
	};
	for (unsigned i = 0; i < 4; i++) {
		ldns_pkt *a = ask_full(names[i], LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, "127.0.0.3",
				       false, 0, NULL);
		ck_assert_msg(ldns_pkt_get_rcode(a) == LDNS_RCODE_REFUSED, "%s answered", names[i]);
		ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
		ldns_pkt_free(a);
	}
	snapshot_free(&snap);
	snap = normal;
}
END_TEST

/* Meta types (RFC 6895: 128-255) other than ANY, AXFR, IXFR, MAILA, MAILB
 * are not questions: FORMERR, as BIND. A client that no view matches gets
 * REFUSED whatever the type. */
START_TEST(meta_types)
{
	static const ldns_rr_type meta[] = { 128, LDNS_RR_TYPE_TKEY, LDNS_RR_TYPE_TSIG, 248 };
	for (unsigned i = 0; i < 4; i++) {
		ldns_pkt *a = ask("www.example.com.", meta[i], "127.0.0.3");
		ck_assert_msg(ldns_pkt_get_rcode(a) == LDNS_RCODE_FORMERR, "type %d", meta[i]);
		ck_assert_uint_eq(ldns_pkt_qdcount(a), 1);
		ldns_pkt_free(a);
		a = ask("www.example.com.", meta[i], "127.0.0.9");
		ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
		ldns_pkt_free(a);
	}
	/* data types above 255 (CAA 257) are answered */
	ldns_pkt *a = ask("www.example.com.", LDNS_RR_TYPE_CAA, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a));
	ldns_pkt_free(a);
	a = ask("www.example.com.", LDNS_RR_TYPE_MAILA, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTIMPL);
	ldns_pkt_free(a);
	a = ask("www.example.com.", LDNS_RR_TYPE_MAILA, "127.0.0.9");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ldns_pkt_free(a);
	/* QCLASS * (RFC 1035 3.2.5) is answered from the IN data (BIND: FORMERR) */
	a = ask_full("www.example.com.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_ANY, "127.0.0.3", false, 0, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_rr(ldns_pkt_answer(a), 0, "www.example.com. 3600 IN A 203.0.113.10");
	ldns_pkt_free(a);
}
END_TEST

/* The records of an RRset come in zone-file order, every time (BIND
 * rotates them). */
START_TEST(rrset_order)
{
	for (int round = 0; round < 3; round++) {
		ldns_pkt *a = ask_full("big.example.com.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN,
				       "127.0.0.3", true, 0, NULL);
		ck_assert_uint_eq(ldns_pkt_ancount(a), 8);
		for (size_t i = 0; i < 8; i++) {
			char *t = rr_text(ldns_pkt_answer(a), i);
			char want[8];
			snprintf(want, sizeof(want), "\"%zu123", i);
			ck_assert_msg(strstr(t, want) != NULL, "record %zu: %s", i, t);
			free(t);
		}
		ldns_pkt_free(a);
	}
}
END_TEST

/* Hand-made packets for what ldns would not build. */
static const uint8_t q_www[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
};

START_TEST(malformed)
{
	uint8_t p[600];
	size_t len;
	/* the well-formed base packet works */
	ldns_pkt *a = ask_wire(q_www, sizeof(q_www), "127.0.0.3", false, &len);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	/* QR=1: silence */
	memcpy(p, q_www, sizeof(q_www));
	p[2] |= 0x80;
	ck_assert_ptr_null(ask_wire(p, sizeof(q_www), "127.0.0.3", false, &len));
	ck_assert_uint_eq(len, 0);
	/* shorter than a header: silence */
	ck_assert_ptr_null(ask_wire(q_www, 11, "127.0.0.3", false, &len));
	/* opcode 2 (STATUS): NOTIMP */
	memcpy(p, q_www, sizeof(q_www));
	p[2] = (uint8_t)(2 << 3);
	a = ask_wire(p, sizeof(q_www), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTIMPL);
	ldns_pkt_free(a);
	/* QDCOUNT 2 and 0: FORMERR */
	memcpy(p, q_www, sizeof(q_www));
	p[5] = 2;
	a = ask_wire(p, sizeof(q_www), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
	p[5] = 0;
	a = ask_wire(p, sizeof(q_www), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
	/* bytes after the last record are ignored, as BIND does: after the
	 * question, and after an OPT */
	memcpy(p, q_www, sizeof(q_www));
	memcpy(p + sizeof(q_www), "\xde\xad\xbe\xef", 4);
	a = ask_wire(p, sizeof(q_www) + 4, "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	static const uint8_t opt0[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	p[11] = 1;
	memcpy(p + sizeof(q_www), opt0, sizeof(opt0));
	p[sizeof(q_www) + sizeof(opt0)] = 0xff;
	a = ask_wire(p, sizeof(q_www) + sizeof(opt0) + 1, "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_assert(ldns_pkt_edns(a));
	ldns_pkt_free(a);
	/* a record in the answer section is skipped (BIND answers too); an OPT
	 * there is malformed: FORMERR, question echoed */
	static const uint8_t rr_a[] = { 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
	memcpy(p, q_www, sizeof(q_www));
	p[7] = 1;
	memcpy(p + sizeof(q_www), rr_a, sizeof(rr_a));
	a = ask_wire(p, sizeof(q_www) + sizeof(rr_a), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	ck_rr(ldns_pkt_answer(a), 0, "www.example.com. 3600 IN A 203.0.113.10");
	ldns_pkt_free(a);
	memcpy(p + sizeof(q_www), opt0, sizeof(opt0));
	a = ask_wire(p, sizeof(q_www) + sizeof(opt0), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(a), 1);
	ldns_pkt_free(a);
	/* QDCOUNT 0 with an OPT: FORMERR with an OPT (as BIND) */
	memcpy(p, q_www, 12);
	p[5] = 0;
	p[11] = 1;
	memcpy(p + 12, opt0, sizeof(opt0));
	a = ask_wire(p, 12 + sizeof(opt0), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(a), 0);
	ck_assert(ldns_pkt_edns(a));
	ldns_pkt_free(a);
	/* compression pointer in the question (a loop onto itself) */
	memcpy(p, q_www, 12);
	p[12] = 0xC0;
	p[13] = 12;
	memcpy(p + 14, "\0\1\0\1", 4);
	a = ask_wire(p, 18, "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
	/* label longer than 63 */
	memcpy(p, q_www, 12);
	p[12] = 64;
	memset(p + 13, 'a', 64);
	memcpy(p + 77, "\0\0\1\0\1", 5);
	a = ask_wire(p, 82, "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
	/* name longer than 255: five labels of 63 */
	memcpy(p, q_www, 12);
	size_t o = 12;
	for (int i = 0; i < 5; i++) {
		p[o++] = 63;
		memset(p + o, 'a', 63);
		o += 63;
	}
	memcpy(p + o, "\0\0\1\0\1", 5);
	a = ask_wire(p, o + 5, "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
	/* two OPT records */
	memcpy(p, q_www, sizeof(q_www));
	p[11] = 2;
	static const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	memcpy(p + sizeof(q_www), opt, sizeof(opt));
	memcpy(p + sizeof(q_www) + sizeof(opt), opt, sizeof(opt));
	a = ask_wire(p, sizeof(q_www) + 2 * sizeof(opt), "127.0.0.3", false, &len);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
	/* EDNS version 1: BADVERS (16) with an OPT */
	p[11] = 1;
	p[sizeof(q_www) + 6] = 1;
	a = ask_wire(p, sizeof(q_www) + sizeof(opt), "127.0.0.3", false, &len);
	ck_assert(ldns_pkt_edns(a));
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(a), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	/* COOKIE options (RFC 7873 5.2.2): 8 bytes, or 16 to 40, else FORMERR;
	 * an option longer than the OPT's data: FORMERR */
	static const struct { uint16_t olen, rdlen; int rcode; } cookies[] = {
		{ 8, 12, LDNS_RCODE_NOERROR }, { 24, 28, LDNS_RCODE_NOERROR },
		{ 40, 44, LDNS_RCODE_NOERROR }, { 4, 8, LDNS_RCODE_FORMERR },
		{ 12, 16, LDNS_RCODE_FORMERR }, { 41, 45, LDNS_RCODE_FORMERR },
		{ 8, 10, LDNS_RCODE_FORMERR },
	};
	for (size_t i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++) {
		uint8_t cq[sizeof(q_www) + sizeof(opt) + 64];
		memcpy(cq, q_www, sizeof(q_www));
		cq[11] = 1;
		memcpy(cq + sizeof(q_www), opt, sizeof(opt));
		uint8_t *rd = cq + sizeof(q_www) + sizeof(opt);
		put16(rd - 2, cookies[i].rdlen);
		put16(rd, LDNS_EDNS_COOKIE);
		put16(rd + 2, cookies[i].olen);
		memset(rd + 4, 0x5c, 60);
		a = ask_wire(cq, sizeof(q_www) + sizeof(opt) + cookies[i].rdlen, "127.0.0.3", false, &len);
		ck_assert_msg((int)ldns_pkt_get_rcode(a) == cookies[i].rcode, "cookie of %u bytes: rcode %d",
			      cookies[i].olen, ldns_pkt_get_rcode(a));
		ldns_pkt_free(a);
	}
}
END_TEST

/* q_www with another opcode, flags (third and fourth header byte) and
 * optionally an OPT of EDNS version ednsv (-1: none); the reply parsed. */
static ldns_pkt *
ask_opcode(unsigned opcode, uint8_t f2, uint8_t f3, int ednsv, const char *src)
{
	uint8_t p[sizeof(q_www) + 11];
	memcpy(p, q_www, sizeof(q_www));
	p[2] = (uint8_t)(opcode << 3 | f2);
	p[3] = f3;
	size_t n = sizeof(q_www);
	if (ednsv >= 0) {
		const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, (uint8_t)ednsv, 0x80, 0, 0, 0 };
		memcpy(p + n, opt, sizeof(opt));
		n += sizeof(opt);
		p[11] = 1;
	}
	return ask_wire(p, n, src, false, NULL);
}

/* Opcodes other than QUERY answer as BIND 9.18 does: no flag of the request
 * is echoed (ISC genreport's opcodeflg test), the question only for NOTIFY,
 * an OPT if the request had one. */
START_TEST(other_opcodes)
{
	/* opcode 15 with AA TC RD RA Z AD CD set: NOTIMP, QR alone */
	ldns_pkt *a = ask_opcode(15, 0x07, 0xF0, -1, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_opcode(a), 15);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTIMPL);
	ck_assert(!ldns_pkt_rd(a) && !ldns_pkt_cd(a) && !ldns_pkt_aa(a) && !ldns_pkt_tc(a));
	ck_assert(!ldns_pkt_ra(a) && !ldns_pkt_ad(a));
	ck_assert_uint_eq(ldns_pkt_qdcount(a), 0);
	ck_assert(!ldns_pkt_edns(a));
	ldns_pkt_free(a);
	/* with EDNS: an OPT in the reply; EDNS version 1: BADVERS first */
	a = ask_opcode(2, 0x01, 0x10, 0, "127.0.0.3");
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTIMPL);
	ck_assert(!ldns_pkt_rd(a) && !ldns_pkt_cd(a));
	ck_assert(ldns_pkt_edns(a));
	ck_assert(ldns_pkt_edns_do(a));
	ldns_pkt_free(a);
	a = ask_opcode(1, 0, 0, 1, "127.0.0.3");
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(a), 1);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), 0);
	ck_assert_uint_eq(ldns_pkt_qdcount(a), 0);
	ldns_pkt_free(a);
	/* QUERY keeps RD and CD */
	a = ask_opcode(0, 0x01, 0x10, -1, "127.0.0.3");
	ck_assert(ldns_pkt_rd(a) && ldns_pkt_cd(a));
	ldns_pkt_free(a);

	/* NOTIFY for a zone of the client's view: NOERROR, AA, question echoed
	 * (we have no secondaries: nothing to refresh), RD not echoed */
	uint8_t p[64];
	static const uint8_t q_soa[] = {
		0x12, 0x34, 0x21, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 6, 0, 1,
	};
	a = ask_wire(q_soa, sizeof(q_soa), "127.0.0.3", false, NULL);
	ck_assert_int_eq(ldns_pkt_get_opcode(a), LDNS_PACKET_NOTIFY);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(a) && !ldns_pkt_rd(a));
	ck_assert_uint_eq(ldns_pkt_qdcount(a), 1);
	ldns_pkt_free(a);
	/* example.org is a zone of the external view only: NOTAUTH from the
	 * internal one */
	memcpy(p, q_soa, sizeof(q_soa));
	memcpy(p + 12 + 9, "org", 3);
	a = ask_wire(p, sizeof(q_soa), "127.0.0.3", false, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	ldns_pkt_free(a);
	a = ask_wire(p, sizeof(q_soa), "127.0.0.2", false, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTAUTH);
	ldns_pkt_free(a);
	/* not SOA: FORMERR with the question; below the apex: NOTAUTH */
	a = ask_opcode(4, 0, 0, -1, "127.0.0.3");        /* www.example.com A */
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(a), 1);
	ldns_pkt_free(a);
	memcpy(p, q_www, sizeof(q_www));
	p[2] = 4 << 3;
	p[sizeof(q_www) - 3] = 6;                        /* www.example.com SOA */
	a = ask_wire(p, sizeof(q_www), "127.0.0.3", false, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTAUTH);
	ck_assert(!ldns_pkt_aa(a));
	ldns_pkt_free(a);
	/* no view for the client: REFUSED; no question: FORMERR */
	a = ask_wire(q_soa, sizeof(q_soa), "127.0.0.9", false, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ldns_pkt_free(a);
	memcpy(p, q_soa, 12);
	p[5] = 0;
	a = ask_wire(p, 12, "127.0.0.3", false, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_FORMERR);
	ldns_pkt_free(a);
}
END_TEST

static Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("answers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, views_by_source);
	tcase_add_test(tc, negative_answers);
	tcase_add_test(tc, dnssec_proofs);
	tcase_add_test(tc, cname_chains);
	tcase_add_test(tc, dname_synthesis);
	tcase_add_test(tc, recursive_chains);
	tcase_add_test(tc, wildcards);
	tcase_add_test(tc, referrals);
	tcase_add_test(tc, additional_and_any);
	tcase_add_test(tc, case_and_compression);
	tcase_add_test(tc, edns_and_truncation);
	tcase_add_test(tc, chaos);
	tcase_add_test(tc, chaos_hidden);
	tcase_add_test(tc, other_opcodes);
	tcase_add_test(tc, meta_types);
	tcase_add_test(tc, rrset_order);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(query_suite());
}

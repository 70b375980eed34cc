/* test_tsig.c -- TSIG without sockets: requests signed with ldns (or with
 * tsig_reply_append, for a skewed clock) go through query_answer() and the
 * replies are checked with ldns_pkt_tsig_verify(), as a client does. Also
 * the fudge clamp, the Original ID, and lograte.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lograte.h"
#include "query.h"
#include "snapshot.h"
#include "testlib.h"
#include "tmpdir.h"
#include "tsig.h"
#include "update.h"
#include "zonestore.h"

#define SECRET "c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
#define WRONG "d3JvbmctLXNlY3JldC1mb3ItdGhlLWtleQ=="

/* a key name of 197 bytes on the wire */
#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_KEY L63 "." L63 "." L63 ".key"
/* a query name of 255 bytes on the wire, in example.com */
#define LONG_QNAME L63 "." L63 "." L63 "." "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com."

static tmpdir_t dir;
static snapshot_t *snap;

static const char *config_text =
	"server:\n"
	"  listen: [127.0.0.1@5300]\n"
	"keys:\n"
	"  - name: dhcp-key\n"
	"    algorithm: hmac-sha256\n"
	"    secret: \"" SECRET "\"\n"
	"  - name: " LONG_KEY "\n"   /* its TSIG record takes 302 bytes */
	"    algorithm: hmac-sha512\n"
	"    secret: \"" SECRET "\"\n"
	"views:\n"
	"  - name: lan\n"
	"    match-clients: [127.0.0.2]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: lan.zone\n";

static void
setup(void)
{
	tmpdir_make(&dir, "hz-test-tsig");
	tmpdir_put(&dir, "horizond.yaml", config_text);
	char zone[4096] = "$ORIGIN example.com.\n$TTL 300\n"
			  "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.168.1.2\n";
	for (int i = 0; i < 12; i++)   /* about 900 bytes of TXT: more than 512 */
		snprintf(zone + strlen(zone), sizeof(zone) - strlen(zone),
			 "big TXT \"record-%02d-%060d\"\n", i, 0);
	tmpdir_put(&dir, "lan.zone", zone);
	char conf[300];
	diag_t d = { 0 };
	snap = zonestore_build(tmpdir_file(&dir, "horizond.yaml", conf, sizeof(conf)), NULL, &d);
	ck_assert_ptr_nonnull(snap);
}

static void
teardown(void)
{
	snapshot_free(&snap);
	zonestore_shutdown();
	tmpdir_remove(&dir);
}

typedef struct exch {
	const char *name;
	ldns_rr_type type;
	bool edns, tcp;
	const char *key;            /* key name; NULL: unsigned */
	const char *secret;
	const char *alg;            /* NULL: hmac-sha256 */
	int skew;                   /* sign this many seconds off our clock */
	int id_xor;                 /* send with another ID than the one signed */
	uint8_t out[QUERY_MAX_ANSWER];
	size_t n;
	ldns_pkt *reply;
	ldns_rdf *mac;              /* the request's MAC */
} exch_t;

/* Sign p's wire as a request at time now + skew (ldns signs at "now" only):
 * tsig_reply_append() without a request MAC computes a request's MAC. */
static size_t
sign_skewed(ldns_pkt *p, const exch_t *x, uint8_t *wire, size_t cap, ldns_rdf **mac)
{
	ck_assert_int_eq(ldns_pkt_tsig_sign(p, x->key, x->secret, 300,
					    "hmac-sha256.", NULL), LDNS_STATUS_OK);
	conf_key_t k = { .name = (char *)x->key, .algorithm = "hmac-sha256", .secret = (char *)x->secret };
	tsig_reply_t r;
	ck_assert(tsig_reply_init(&r, ldns_pkt_tsig(p), &k, TSIG_OK, time(NULL) + x->skew));
	r.req_mac_len = 0;
	ldns_rr_free(ldns_pkt_tsig(p));
	ldns_pkt_set_tsig(p, NULL);
	uint8_t *w = NULL;
	size_t n = 0;
	ck_assert_int_eq(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	memcpy(wire, w, n);
	free(w);
	n = tsig_reply_append(&r, wire, n, cap);
	ck_assert_uint_gt(n, 0);
	ldns_pkt *back = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&back, wire, n), LDNS_STATUS_OK);
	*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(back), 3));
	ldns_pkt_free(back);
	return n;
}

/* Send x's query from 127.0.0.2; x->reply is the parsed answer. */
static void
exchange(exch_t *x)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, x->name, x->type, LDNS_RR_CLASS_IN, 0),
			 LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x1111);
	if (x->edns) {
		ldns_pkt_set_edns_udp_size(p, 1232);
		ldns_pkt_set_edns_data(p, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, 0, ""));
	}
	uint8_t wire[4096];
	size_t wlen = 0;
	x->mac = NULL;
	if (x->key != NULL && x->skew != 0) {
		wlen = sign_skewed(p, x, wire, sizeof(wire), &x->mac);
	} else {
		if (x->key != NULL) {
			ck_assert_int_eq(ldns_pkt_tsig_sign(p, x->key, x->secret, 300,
							    x->alg ? x->alg : "hmac-sha256.", NULL),
					 LDNS_STATUS_OK);
			x->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		}
		uint8_t *w = NULL;
		ck_assert_int_eq(ldns_pkt2wire(&w, p, &wlen), LDNS_STATUS_OK);
		memcpy(wire, w, wlen);
		free(w);
	}
	ldns_pkt_free(p);
	wire[0] ^= (uint8_t)(x->id_xor >> 8);
	wire[1] ^= (uint8_t)x->id_xor;
	struct sockaddr_in sin = tl_addr("127.0.0.2");
	query_src_t from = { .src = (struct sockaddr *)&sin, .tcp = x->tcp };
	x->n = query_answer(snap, wire, wlen, x->out, sizeof(x->out), &from);
	ck_assert_uint_gt(x->n, 12);
	x->reply = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&x->reply, x->out, x->n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(x->reply), 0x1111 ^ x->id_xor);
}

static void
exch_free(exch_t *x)
{
	ldns_pkt_free(x->reply);
	ldns_rdf_deep_free(x->mac);
}

/* The reply's TSIG error field; -1 without TSIG. */
static int
tsig_error(const exch_t *x)
{
	const ldns_rr *t = ldns_pkt_tsig(x->reply);
	return t ? ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) : -1;
}

static bool
reply_verifies_key(exch_t *x, const char *key)
{
	return ldns_pkt_tsig(x->reply) != NULL &&
	       ldns_pkt_tsig_verify(x->reply, x->out, x->n, key, SECRET, x->mac);
}

static bool
reply_verifies(exch_t *x)
{
	return reply_verifies_key(x, "dhcp-key");
}

/* ------------------------------------------------------------------------ */

START_TEST(signed_query_signed_answer)
{
	for (int tcp = 0; tcp < 2; tcp++) {
		exch_t x = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA, .tcp = tcp,
			     .key = "dhcp-key", .secret = SECRET, .edns = true };
		exchange(&x);
		ck_assert_int_eq(ldns_pkt_get_rcode(x.reply), LDNS_RCODE_NOERROR);
		ck_assert_uint_eq(ldns_pkt_ancount(x.reply), 1);
		ck_assert(ldns_pkt_edns(x.reply));      /* the OPT stays */
		ck_assert_int_eq(tsig_error(&x), 0);
		ck_assert(reply_verifies(&x));
		exch_free(&x);
	}
	/* unsigned: no TSIG */
	exch_t u = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA };
	exchange(&u);
	ck_assert_ptr_null(ldns_pkt_tsig(u.reply));
	exch_free(&u);
}
END_TEST

START_TEST(truncated_answer_signed)
{
	exch_t x = { .name = "big.example.com.", .type = LDNS_RR_TYPE_TXT, .key = "dhcp-key",
		     .secret = SECRET };
	exchange(&x);
	ck_assert(ldns_pkt_tc(x.reply));
	ck_assert_uint_le(x.n, 512);
	ck_assert(reply_verifies(&x));
	exch_free(&x);
	/* over TCP the whole answer, signed */
	exch_t t = { .name = "big.example.com.", .type = LDNS_RR_TYPE_TXT, .key = "dhcp-key",
		     .secret = SECRET, .tcp = true };
	exchange(&t);
	ck_assert(!ldns_pkt_tc(t.reply));
	ck_assert_uint_eq(ldns_pkt_ancount(t.reply), 12);
	ck_assert(reply_verifies(&t));
	exch_free(&t);
}
END_TEST

/* A long question and a long key over UDP without EDNS: the TC answer
 * (header and question, 271 bytes) fills more than the 210 bytes left
 * beside the key's 302-byte TSIG record, so it loses its question to stay
 * within 512 bytes, signed still (RFC 8945 5.3). Was: 571 bytes. */
START_TEST(long_question_long_key_udp)
{
	exch_t x = { .name = LONG_QNAME, .type = LDNS_RR_TYPE_A, .key = LONG_KEY,
		     .secret = SECRET, .alg = "hmac-sha512." };
	exchange(&x);
	ck_assert_uint_le(x.n, 512);
	ck_assert(ldns_pkt_tc(x.reply));
	ck_assert_uint_eq(ldns_pkt_qdcount(x.reply), 0);
	ck_assert_int_eq(tsig_error(&x), 0);
	ck_assert(reply_verifies_key(&x, LONG_KEY));
	exch_free(&x);
	/* with EDNS 1232 it fits as it is: question, answer, TSIG */
	exch_t e = { .name = LONG_QNAME, .type = LDNS_RR_TYPE_A, .key = LONG_KEY,
		     .secret = SECRET, .alg = "hmac-sha512.", .edns = true };
	exchange(&e);
	ck_assert(!ldns_pkt_tc(e.reply));
	ck_assert_uint_eq(ldns_pkt_qdcount(e.reply), 1);
	ck_assert_int_eq(ldns_pkt_get_rcode(e.reply), LDNS_RCODE_NXDOMAIN);
	ck_assert(reply_verifies_key(&e, LONG_KEY));
	exch_free(&e);
}
END_TEST

/* Append a name of len bytes on the wire (labels of 'a') to w at *n. */
static void
put_long_name(uint8_t *w, size_t *n, size_t len)
{
	size_t left = len - 1;
	while (left > 0) {
		size_t l = left - 1 < 63 ? left - 1 : 63;
		w[(*n)++] = (uint8_t)l;
		memset(w + *n, 'a', l);
		*n += l;
		left -= l + 1;
	}
	w[(*n)++] = 0;
}

/* The unsigned BADKEY record echoes the request's key and algorithm names:
 * 536 bytes with two of 255, more than 512 alone. Over UDP the client gets
 * the header with TC (and the TSIG over TCP); was: 807 bytes over UDP (the
 * fuzz_query finding test/fuzz/query.in/regress-tsig-error-long-names). */
START_TEST(unknown_long_key_udp)
{
	uint8_t w[1024];
	static const uint8_t head[12] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
	size_t n = sizeof(head);
	memcpy(w, head, n);
	put_long_name(w, &n, 255);
	static const uint8_t qtail[4] = { 0, 1, 0, 1 };
	memcpy(w + n, qtail, 4);
	n += 4;
	put_long_name(w, &n, 255);                           /* key name */
	static const uint8_t tsig[10] = { 0, 250, 0, 255, 0, 0, 0, 0, 0, 0 };
	memcpy(w + n, tsig, sizeof(tsig));
	size_t rdlen_at = n + 8;
	n += sizeof(tsig);
	size_t rd = n;
	put_long_name(w, &n, 255);                           /* algorithm */
	static const uint8_t rest[16] = { 0, 0, 0, 0, 0, 0, 1, 44, 0, 0, 0x12, 0x34, 0, 0, 0, 0 };
	memcpy(w + n, rest, sizeof(rest));
	n += sizeof(rest);
	w[rdlen_at] = (uint8_t)((n - rd) >> 8);
	w[rdlen_at + 1] = (uint8_t)(n - rd);
	struct sockaddr_in sin = tl_addr("127.0.0.2");
	uint8_t out[QUERY_MAX_ANSWER];
	for (int tcp = 0; tcp < 2; tcp++) {
		query_src_t from = { .src = (struct sockaddr *)&sin, .tcp = tcp };
		size_t len = query_answer(snap, w, n, out, sizeof(out), &from);
		ldns_pkt *r = NULL;
		ck_assert_int_eq(ldns_wire2pkt(&r, out, len), LDNS_STATUS_OK);
		ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOTAUTH);
		if (tcp) {
			ck_assert(!ldns_pkt_tc(r));
			ck_assert_uint_eq(ldns_pkt_qdcount(r), 1);
			ck_assert_ptr_nonnull(ldns_pkt_tsig(r));
			ck_assert_int_eq(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(r), 5)), 17);
		} else {
			ck_assert_uint_le(len, 512);
			ck_assert(ldns_pkt_tc(r));
		}
		ldns_pkt_free(r);
	}
}
END_TEST

START_TEST(errors)
{
	/* wrong secret: NOTAUTH, unsigned BADSIG */
	exch_t x = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA, .key = "dhcp-key", .secret = WRONG };
	exchange(&x);
	ck_assert_int_eq(ldns_pkt_get_rcode(x.reply), LDNS_RCODE_NOTAUTH);
	ck_assert_int_eq(tsig_error(&x), 16);
	ck_assert_uint_eq(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(x.reply), 3)), 2);   /* MAC size 0 */
	ck_assert_uint_eq(ldns_pkt_ancount(x.reply), 0);
	exch_free(&x);
	/* unknown key: NOTAUTH, unsigned BADKEY */
	exch_t k = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA, .key = "nokey", .secret = SECRET };
	exchange(&k);
	ck_assert_int_eq(ldns_pkt_get_rcode(k.reply), LDNS_RCODE_NOTAUTH);
	ck_assert_int_eq(tsig_error(&k), 17);
	ck_assert_uint_eq(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(k.reply), 3)), 2);
	exch_free(&k);
	/* 1000 s off: NOTAUTH, BADTIME signed, our time in Other Data */
	for (int skew = -1000; skew <= 1000; skew += 2000) {
		exch_t t = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA, .key = "dhcp-key",
			     .secret = SECRET, .skew = skew };
		exchange(&t);
		ck_assert_int_eq(ldns_pkt_get_rcode(t.reply), LDNS_RCODE_NOTAUTH);
		ck_assert_int_eq(tsig_error(&t), 18);
		ck_assert(reply_verifies(&t));
		const ldns_rdf *other = ldns_rr_rdf(ldns_pkt_tsig(t.reply), 6);
		ck_assert_uint_eq(ldns_rdf_size(other), 8);
		uint64_t ours = 0;
		for (int i = 2; i < 8; i++)
			ours = ours << 8 | ldns_rdf_data(other)[i];
		ck_assert_uint_le((uint64_t)llabs((long long)ours - (long long)time(NULL)), 5);
		exch_free(&t);
	}
	/* 200 s off: within the fudge */
	exch_t ok = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA, .key = "dhcp-key",
		      .secret = SECRET, .skew = 200 };
	exchange(&ok);
	ck_assert_int_eq(ldns_pkt_get_rcode(ok.reply), LDNS_RCODE_NOERROR);
	ck_assert(reply_verifies(&ok));
	exch_free(&ok);
}
END_TEST

/* An SOA query for example.com. signed with dhcp-key and fudge: its wire
 * in wire (1024 bytes), parsed in *pkt. Returns the length. */
static size_t
signed_soa_query(uint16_t fudge, uint8_t *wire, ldns_pkt **pkt)
{
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(pkt, "example.com.", LDNS_RR_TYPE_SOA,
						    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_tsig_sign(*pkt, "dhcp-key", SECRET, fudge, "hmac-sha256.", NULL),
			 LDNS_STATUS_OK);
	uint8_t *w = NULL;
	size_t n = 0;
	ck_assert_int_eq(ldns_pkt2wire(&w, *pkt, &n), LDNS_STATUS_OK);
	ck_assert_uint_le(n, 1000);
	memcpy(wire, w, n);
	free(w);
	return n;
}

START_TEST(fudge_clamped)
{
	/* a request that claims 18 hours of fudge gets 300 s */
	uint8_t wire[1024];
	ldns_pkt *p = NULL;
	size_t wlen = signed_soa_query(65535, wire, &p);
	const conf_key_t *k = NULL;
	time_t now = time(NULL);
	ck_assert_int_eq(tsig_verify(p, wire, wlen, snap->conf, &k, now + 299), TSIG_OK);
	ck_assert_int_eq(tsig_verify(p, wire, wlen, snap->conf, &k, now + 400), TSIG_BADTIME);
	ck_assert_int_eq(tsig_verify(p, wire, wlen, snap->conf, &k, now - 400), TSIG_BADTIME);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(original_id)
{
	/* signed with ID 0x1111, sent with 0x1111 ^ 0x2468 (RFC 8945 4.3.1) */
	exch_t x = { .name = "example.com.", .type = LDNS_RR_TYPE_SOA, .key = "dhcp-key",
		     .secret = SECRET, .id_xor = 0x2468 };
	exchange(&x);
	ck_assert_int_eq(ldns_pkt_get_rcode(x.reply), LDNS_RCODE_NOERROR);
	ck_assert(reply_verifies(&x));
	exch_free(&x);
}
END_TEST

START_TEST(tsig_not_last)
{
	uint8_t wire[1024];
	ldns_pkt *p = NULL;
	size_t n = signed_soa_query(300, wire, &p);
	ldns_pkt_free(p);
	/* an OPT after the TSIG: FORMERR (RFC 8945 5.1), no TSIG */
	static const uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	memcpy(wire + n, opt, sizeof(opt));
	wire[11]++;
	struct sockaddr_in sin = tl_addr("127.0.0.2");
	query_src_t from = { .src = (struct sockaddr *)&sin };
	uint8_t out[4096];
	size_t len = query_answer(snap, wire, n + sizeof(opt), out, sizeof(out), &from);
	ck_assert_uint_ge(len, 12);
	ck_assert_int_eq(out[3] & 15, LDNS_RCODE_FORMERR);
	ck_assert_int_eq(out[10] << 8 | out[11], 0);
}
END_TEST

START_TEST(lograte_burst)
{
	static lograte_t rl = LOGRATE_INIT;
	struct sockaddr_in a = { .sin_family = AF_INET }, b = a;
	inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
	inet_pton(AF_INET, "192.0.2.2", &b.sin_addr);
	unsigned held = 99;
	for (int i = 0; i < LOGRATE_BURST; i++) {
		ck_assert(lograte_allow(&rl, (struct sockaddr *)&a, 1000, &held));
		ck_assert_uint_eq(held, 0);
	}
	for (int i = 0; i < 5; i++)
		ck_assert(!lograte_allow(&rl, (struct sockaddr *)&a, 1000 + i, &held));
	/* another address is not held back by the first */
	ck_assert(lograte_allow(&rl, (struct sockaddr *)&b, 1001, &held));
	/* after the interval: logged again, with the count held back */
	ck_assert(lograte_allow(&rl, (struct sockaddr *)&a, 1000 + LOGRATE_INTERVAL, &held));
	ck_assert_uint_eq(held, 5);
	ck_assert(lograte_allow(&rl, (struct sockaddr *)&a, 1000 + LOGRATE_INTERVAL, &held));
	ck_assert_uint_eq(held, 0);
}
END_TEST

static Suite *
tsig_suite(void)
{
	Suite *s = suite_create("tsig");
	TCase *tc = tcase_create("tsig");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, signed_query_signed_answer);
	tcase_add_test(tc, truncated_answer_signed);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, long_question_long_key_udp);
	tcase_add_test(tc, unknown_long_key_udp);
	tcase_add_test(tc, fudge_clamped);
	tcase_add_test(tc, original_id);
	tcase_add_test(tc, tsig_not_last);
	tcase_add_test(tc, lograte_burst);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(tsig_suite());
}

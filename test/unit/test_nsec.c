/* test_nsec.c -- denial proofs of signed zones: canonical order (RFC 4034
 * 6.1), the NSEC3 hash (RFC 5155 Appendix A), and which NSEC/NSEC3 records
 * nsec_proof_write() picks for NXDOMAIN, wildcard, wildcard NODATA and
 * NODATA, on zones built by zone_build (the signatures are fake: only the
 * choice of records is checked here; test/system/test_dnssec.sh has real
 * validators check real signatures).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "nsec.h"
#include "testlib.h"
#include "zone.h"
#include "zonefile.h"

/* The records of a proof as "owner TYPE" lines, in order. */
static void
proof_text(const zone_t *z, enum nsec_proof kind, const char *name, const char *ce, char *out,
	   size_t cap)
{
	uint8_t qn[DNAME_MAXLEN], cn[DNAME_MAXLEN], buf[4096];
	tl_name_wire(name, qn);
	tl_name_wire(ce, cn);
	uint16_t count = 0;
	size_t len = nsec_proof_write(z->nsec, kind, qn, cn, buf, sizeof(buf), &count);
	ck_assert_uint_ne(len, (size_t)-1);
	out[0] = '\0';
	size_t pos = 0;
	for (unsigned i = 0; i < count; i++) {
		char owner[1024];
		ck_assert_uint_lt(pos, len);
		dname_to_text(buf + pos, owner, sizeof(owner));
		pos += dname_length(buf + pos);
		uint16_t type = (uint16_t)(buf[pos] << 8 | buf[pos + 1]);
		uint16_t rdlen = (uint16_t)(buf[pos + 8] << 8 | buf[pos + 9]);
		char *t = ldns_rr_type2str((ldns_rr_type)type);
		size_t used = strlen(out);
		snprintf(out + used, cap - used, "%s%s %s", i ? ", " : "", owner, t);
		free(t);
		pos += 10u + rdlen;
	}
	ck_assert_uint_eq(pos, len);
}

START_TEST(canonical_order)
{
	/* RFC 4034 6.1's example, in its order */
	static const char *const names[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	size_t n = sizeof(names) / sizeof(names[0]);
	for (size_t i = 0; i + 1 < n; i++) {
		uint8_t a[DNAME_MAXLEN], b[DNAME_MAXLEN];
		tl_name_wire(names[i], a);
		tl_name_wire(names[i + 1], b);
		ck_assert_msg(nsec_canonical_cmp(a, b) < 0, "%s < %s", names[i], names[i + 1]);
		ck_assert_msg(nsec_canonical_cmp(b, a) > 0, "%s > %s", names[i + 1], names[i]);
		ck_assert_int_eq(nsec_canonical_cmp(a, a), 0);
	}
}
END_TEST

START_TEST(nsec3_hash_vectors)
{
	/* RFC 5155 Appendix A: salt aabbccdd, 12 iterations */
	nsec_index_t x = { .nsec3 = true, .iterations = 12, .salt_len = 4,
			   .salt = { 0xaa, 0xbb, 0xcc, 0xdd } };
	static const char *const v[][2] = {
		{ "example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s" },
	};
	for (size_t i = 0; i < 2; i++) {
		uint8_t n[DNAME_MAXLEN], h[NSEC3_HASH_LEN];
		char text[64];
		tl_name_wire(v[i][0], n);
		nsec3_hash(&x, n, h);
		ck_assert_int_eq(ldns_b32_ntop_extended_hex(h, sizeof(h), text, sizeof(text)), 32);
		for (char *p = text; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		ck_assert_str_eq(text, v[i][1]);
	}
}
END_TEST

#define SIG(type, labels) " RRSIG " type " 13 " labels " 300 20300101000000 20200101000000 1 example. AAAA\n"

/* Canonical order: example, a, b.c, *.w, x.w (c is an empty non-terminal). */
static const char *nsec_zone =
	"$TTL 300\n"
	"@ SOA ns1 h 1 3600 900 604800 300\n"
	"@" SIG("SOA", "1")
	"@ NS ns1\n"
	"@ DNSKEY 257 3 13 AwEAAQ==\n"
	"@ NSEC a.example. NS SOA RRSIG NSEC DNSKEY\n"
	"@" SIG("NSEC", "1")
	"a A 192.0.2.1\n"
	"a" SIG("A", "2")
	"a NSEC b.c.example. A RRSIG NSEC\n"
	"a" SIG("NSEC", "2")
	"b.c A 192.0.2.2\n"
	"b.c NSEC *.w.example. A RRSIG NSEC\n"
	"b.c" SIG("NSEC", "3")
	"*.w TXT \"w\"\n"
	"*.w" SIG("TXT", "2")
	"*.w NSEC x.w.example. TXT RRSIG NSEC\n"
	"*.w" SIG("NSEC", "2")
	"x.w A 192.0.2.3\n"
	"x.w NSEC example. A RRSIG NSEC\n"
	"x.w" SIG("NSEC", "3")
	"ns1 A 192.0.2.53\n"
	"sub NS ns.sub\n"
	"sub DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7E5E4F1A6B0F4A6B0F4A6B0F\n"
	"sub" SIG("DS", "2")
	"ns.sub A 192.0.2.54\n";

START_TEST(nsec_proofs)
{
	zone_t *z = tl_zone("example.", nsec_zone);
	ck_assert(z->is_signed);
	ck_assert_ptr_nonnull(z->nsec);
	ck_assert(!z->nsec->nsec3);
	char p[1024];
	/* NXDOMAIN: the NSEC covering the name, the one covering *.example */
	proof_text(z, NSEC_PROOF_NXDOMAIN, "d.example.", "example.", p, sizeof(p));
	ck_assert_str_eq(p, "b.c.example. NSEC, b.c.example. RRSIG, example. NSEC, example. RRSIG");
	/* the two are the same record: once */
	proof_text(z, NSEC_PROOF_NXDOMAIN, "0.example.", "example.", p, sizeof(p));
	ck_assert_str_eq(p, "example. NSEC, example. RRSIG");
	/* a wildcard answer: only the name's nonexistence */
	proof_text(z, NSEC_PROOF_WILDCARD, "y.w.example.", "w.example.", p, sizeof(p));
	ck_assert_str_eq(p, "x.w.example. NSEC, x.w.example. RRSIG");
	/* wildcard NODATA: and the wildcard's own NSEC */
	proof_text(z, NSEC_PROOF_WILD_NODATA, "y.w.example.", "w.example.", p, sizeof(p));
	ck_assert_str_eq(p, "x.w.example. NSEC, x.w.example. RRSIG, *.w.example. NSEC, *.w.example. RRSIG");
	/* NODATA: the name's NSEC; an empty non-terminal: the covering one */
	proof_text(z, NSEC_PROOF_NODATA, "a.example.", "a.example.", p, sizeof(p));
	ck_assert_str_eq(p, "a.example. NSEC, a.example. RRSIG");
	proof_text(z, NSEC_PROOF_NODATA, "c.example.", "c.example.", p, sizeof(p));
	ck_assert_str_eq(p, "a.example. NSEC, a.example. RRSIG");
	/* too small a buffer: -1, nothing counted */
	uint8_t qn[DNAME_MAXLEN], cn[DNAME_MAXLEN], buf[40];
	tl_name_wire("d.example.", qn);
	tl_name_wire("example.", cn);
	uint16_t count = 0;
	ck_assert_uint_eq(nsec_proof_write(z->nsec, NSEC_PROOF_NXDOMAIN, qn, cn, buf, sizeof(buf), &count),
			  (size_t)-1);
	ck_assert_uint_eq(count, 0);
	zone_unref(&z);
}
END_TEST

/* The prebuilt answers: a DO=1 twin behind ANSWER_SIGNED, with RRSIGs and
 * the NSEC of the name for NODATA; an unsigned zone has none. */
START_TEST(signed_answers)
{
	zone_t *z = tl_zone("example.", nsec_zone);
	const node_t *a = tl_find(z, "a.example.");
	ck_assert_ptr_nonnull(a);
	const answer_t *ans = type_answer_find(a->types, a->ntypes, LDNS_RR_TYPE_A);
	ck_assert_ptr_nonnull(ans);
	ck_assert_uint_eq(ans->ancount, 1);
	ck_assert(ans->follow & ANSWER_SIGNED);
	ck_assert_ptr_nonnull(ans->dnssec);
	ck_assert_uint_eq(ans->dnssec->ancount, 2);              /* A, RRSIG */
	ck_assert_uint_eq(ans->dnssec->follow, 0);
	/* NODATA at a: SOA, RRSIG; and for DO=1 the NSEC, RRSIG */
	ck_assert_ptr_nonnull(a->ext);
	ck_assert_ptr_nonnull(a->ext->other);
	ck_assert_uint_eq(a->ext->other->nscount, 1);
	ck_assert_uint_eq(a->ext->other->dnssec->nscount, 4);
	ck_assert_uint_eq(a->ext->other->dnssec->proof, NSEC_PROOF_NONE);
	/* NXDOMAIN: the proof is found per query */
	ck_assert_uint_eq(z->nxdomain.dnssec->proof, NSEC_PROOF_NXDOMAIN);
	ck_assert_uint_eq(z->nxdomain.dnssec->nscount, 2);
	/* wildcard expansions: RRSIG, the proof per query, no additional */
	const node_t *w = tl_find(z, "*.w.example.");
	const answer_t *wt = type_answer_find(w->ext->wild_types, w->ext->nwild_types, LDNS_RR_TYPE_TXT);
	ck_assert_uint_eq(wt->dnssec->ancount, 2);
	ck_assert_uint_eq(wt->dnssec->proof, NSEC_PROOF_WILDCARD);
	ck_assert_uint_eq(w->ext->wild_other->dnssec->proof, NSEC_PROOF_WILD_NODATA);
	/* a referral: NS; for DO=1 also the DS and its RRSIG; glue unsigned */
	const node_t *sub = tl_find(z, "sub.example.");
	ck_assert_uint_eq(sub->ext->referral->nscount, 1);
	ck_assert_uint_eq(sub->ext->referral->dnssec->nscount, 3);
	ck_assert_uint_eq(sub->ext->referral->dnssec->arcount, 1);
	zone_unref(&z);

	zone_t *u = tl_zone("example.", "$TTL 300\n@ SOA ns1 h 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.53\n");
	ck_assert(!u->is_signed);
	ck_assert_ptr_null(u->nsec);
	const node_t *ns1 = tl_find(u, "ns1.example.");
	ans = type_answer_find(ns1->types, ns1->ntypes, LDNS_RR_TYPE_A);
	ck_assert_ptr_null(ans->dnssec);
	ck_assert_uint_eq(ans->follow, 0);
	ck_assert_ptr_null(ns1->ext);
	ck_assert_ptr_null(u->nxdomain.dnssec);
	zone_unref(&u);
}
END_TEST

/* NSEC3: owner names built with nsec3_hash itself (RFC 9276: no salt, no
 * extra iterations); every record a proof returns must match or cover what
 * RFC 5155 7.2 says, checked against its own next-hash field. */
static const char *const n3_names[] = { "example.", "a.example.", "b.a.example.", "*.w.example.",
					"w.example.", "x.w.example.", "ns1.example." };
#define N3_NAMES (sizeof(n3_names) / sizeof(n3_names[0]))

static void
b32(const uint8_t *h, char *out)
{
	ck_assert_int_eq(ldns_b32_ntop_extended_hex(h, NSEC3_HASH_LEN, out, 64), 32);
}

static zone_t *
build_nsec3(void)
{
	nsec_index_t p = { .nsec3 = true };
	uint8_t hashes[N3_NAMES][NSEC3_HASH_LEN];
	for (size_t i = 0; i < N3_NAMES; i++) {
		uint8_t w[DNAME_MAXLEN];
		tl_name_wire(n3_names[i], w);
		nsec3_hash(&p, w, hashes[i]);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fputs("$TTL 300\n@ SOA ns1 h 1 3600 900 604800 300\n@" SIG("SOA", "1") "@ NS ns1\n"
	      "@ DNSKEY 257 3 13 AwEAAQ==\n@ NSEC3PARAM 1 0 0 -\n"
	      "b.a A 192.0.2.1\n*.w TXT \"w\"\nx.w A 192.0.2.2\nns1 A 192.0.2.53\n", f);
	for (size_t i = 0; i < N3_NAMES; i++) {
		/* next: the smallest hash above, or the smallest of all */
		size_t next = SIZE_MAX;
		for (size_t k = 0; k < N3_NAMES; k++)
			if (memcmp(hashes[k], hashes[i], NSEC3_HASH_LEN) > 0 &&
			    (next == SIZE_MAX || memcmp(hashes[k], hashes[next], NSEC3_HASH_LEN) < 0))
				next = k;
		if (next == SIZE_MAX)
			for (size_t k = 0; k < N3_NAMES; k++)
				if (next == SIZE_MAX || memcmp(hashes[k], hashes[next], NSEC3_HASH_LEN) < 0)
					next = k;
		char o[64], nx[64];
		b32(hashes[i], o);
		b32(hashes[next], nx);
		fprintf(f, "%s NSEC3 1 0 0 - %s A RRSIG\n%s" SIG("NSEC3", "2"), o, nx, o);
	}
	fclose(f);
	zone_t *z = tl_zone("example.", text);
	free(text);
	return z;
}

/* Does the proof hold a record that matches (cover false) or covers name? */
static bool
proof_has(const zone_t *z, const uint8_t *buf, size_t len, const char *name, bool cover)
{
	uint8_t w[DNAME_MAXLEN], h[NSEC3_HASH_LEN];
	tl_name_wire(name, w);
	nsec3_hash(z->nsec, w, h);
	for (size_t pos = 0; pos < len;) {
		const uint8_t *owner = buf + pos;
		pos += dname_length(owner);
		uint16_t type = (uint16_t)(buf[pos] << 8 | buf[pos + 1]);
		uint16_t rdlen = (uint16_t)(buf[pos + 8] << 8 | buf[pos + 9]);
		const uint8_t *rd = buf + pos + 10;
		pos += 10u + rdlen;
		if (type != LDNS_RR_TYPE_NSEC3)
			continue;
		uint8_t own[NSEC3_HASH_LEN + 4];
		char label[64];
		memcpy(label, owner + 1, owner[0]);
		label[owner[0]] = '\0';
		ck_assert_int_eq(ldns_b32_pton_extended_hex(label, owner[0], own, sizeof(own)), NSEC3_HASH_LEN);
		const uint8_t *next = rd + 5 + rd[4] + 1;   /* alg flags iter saltlen salt hashlen */
		int lo = memcmp(own, h, NSEC3_HASH_LEN), hi = memcmp(h, next, NSEC3_HASH_LEN);
		bool wraps = memcmp(own, next, NSEC3_HASH_LEN) >= 0;
		if (!cover && lo == 0)
			return true;
		if (cover && ((lo < 0 && hi < 0) || (wraps && (lo < 0 || hi < 0))))
			return true;
	}
	return false;
}

START_TEST(nsec3_proofs)
{
	zone_t *z = build_nsec3();
	ck_assert(z->nsec->nsec3);
	ck_assert_uint_eq(z->nsec->nrecs, N3_NAMES);
	/* hashed owner names are no names of the zone */
	ck_assert_ptr_null(tl_find(z, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example."));
	uint8_t qn[DNAME_MAXLEN], cn[DNAME_MAXLEN], buf[4096];
	uint16_t count;
	size_t len;
	/* NXDOMAIN (RFC 5155 7.2.2): closest encloser a.example matches, the
	 * next closer c.a.example and *.a.example are covered */
	tl_name_wire("d.c.a.example.", qn);
	tl_name_wire("a.example.", cn);
	count = 0;
	len = nsec_proof_write(z->nsec, NSEC_PROOF_NXDOMAIN, qn, cn, buf, sizeof(buf), &count);
	ck_assert_uint_ne(len, (size_t)-1);
	ck_assert(proof_has(z, buf, len, "a.example.", false));
	ck_assert(proof_has(z, buf, len, "c.a.example.", true));
	ck_assert(proof_has(z, buf, len, "*.a.example.", true));
	ck_assert_uint_ge(count, 2);   /* one record may match and cover */
	ck_assert_uint_le(count, 6);
	/* wildcard answer (7.2.6): the next closer name is covered */
	tl_name_wire("q.w.example.", qn);
	tl_name_wire("w.example.", cn);
	count = 0;
	len = nsec_proof_write(z->nsec, NSEC_PROOF_WILDCARD, qn, cn, buf, sizeof(buf), &count);
	ck_assert(proof_has(z, buf, len, "q.w.example.", true));
	ck_assert_uint_eq(count, 2);
	/* wildcard NODATA (7.2.5): encloser, next closer, the wildcard's own */
	count = 0;
	len = nsec_proof_write(z->nsec, NSEC_PROOF_WILD_NODATA, qn, cn, buf, sizeof(buf), &count);
	ck_assert(proof_has(z, buf, len, "w.example.", false));
	ck_assert(proof_has(z, buf, len, "q.w.example.", true));
	ck_assert(proof_has(z, buf, len, "*.w.example.", false));
	/* NODATA (7.2.3): the name's own */
	tl_name_wire("x.w.example.", qn);
	count = 0;
	len = nsec_proof_write(z->nsec, NSEC_PROOF_NODATA, qn, qn, buf, sizeof(buf), &count);
	ck_assert(proof_has(z, buf, len, "x.w.example.", false));
	ck_assert_uint_eq(count, 2);
	/* a name without an NSEC3 of its own (an opt-out delegation, 7.2.4):
	 * the closest provable encloser and the next closer name */
	tl_name_wire("c.example.", qn);
	count = 0;
	len = nsec_proof_write(z->nsec, NSEC_PROOF_NODATA, qn, qn, buf, sizeof(buf), &count);
	ck_assert(proof_has(z, buf, len, "example.", false));
	ck_assert(proof_has(z, buf, len, "c.example.", true));
	zone_unref(&z);
}
END_TEST

/* An answer that fits in 65535 bytes but not with its RRSIGs (a CNAME to a
 * big RRset, both with large signatures): the zone still loads (with a
 * warning) and DO=1 gets the plain answer. */
START_TEST(signed_answer_too_big)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fputs("$TTL 300\n@ SOA ns1 h 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.53\n"
	      "@ DNSKEY 257 3 13 AwEAAQ==\n", f);
	char data[251];
	for (int i = 0; i < 243; i++) {   /* 243 x (2 + 10 + 1 + 250) = 63909 bytes */
		memset(data, 'a' + i % 26, 250);
		snprintf(data, sizeof(data), "%03d", i);
		data[3] = 'x';
		memset(data + 4, 'y', 246);
		data[250] = '\0';
		fprintf(f, "big TXT \"%s\"\n", data);
	}
	fputs("alias CNAME big\n", f);
	for (int k = 0; k < 2; k++) {
		fputs(k ? "alias RRSIG CNAME" : "big RRSIG TXT", f);
		fputs(" 13 2 300 20300101000000 20200101000000 1 example. ", f);
		for (int i = 0; i < 400; i++)
			fputs("AAAA", f);   /* a 1200-byte signature */
		fputs("\n", f);
	}
	fclose(f);
	diag_t d = { .quiet = 1 };
	zonefile_t *zf = zonefile_parse("example.", "test.zone", text, strlen(text), &d);
	ck_assert_ptr_nonnull(zf);
	zone_t *z = zone_build(zf, &d);
	zonefile_free(&zf);
	free(text);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_ge(d.warnings, 1);
	const node_t *alias = tl_find(z, "alias.example.");
	const answer_t *a = type_answer_find(alias->types, alias->ntypes, LDNS_RR_TYPE_TXT);
	ck_assert_uint_eq(a->ancount, 244);
	ck_assert(!(a->follow & ANSWER_SIGNED));
	ck_assert_ptr_null(a->dnssec);
	const node_t *big = tl_find(z, "big.example.");
	a = type_answer_find(big->types, big->ntypes, LDNS_RR_TYPE_TXT);
	ck_assert(a->follow & ANSWER_SIGNED);
	ck_assert_uint_eq(a->dnssec->ancount, 244);
	/* the other answers keep their twins */
	const node_t *ns1 = tl_find(z, "ns1.example.");
	ck_assert(type_answer_find(ns1->types, ns1->ntypes, LDNS_RR_TYPE_A)->follow & ANSWER_SIGNED);
	zone_unref(&z);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("nsec");
	TCase *tc = tcase_create("nsec");
	tcase_add_test(tc, canonical_order);
	tcase_add_test(tc, nsec3_hash_vectors);
	tcase_add_test(tc, nsec_proofs);
	tcase_add_test(tc, signed_answers);
	tcase_add_test(tc, nsec3_proofs);
	tcase_add_test(tc, signed_answer_too_big);
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

/* query.c -- the query path: parse the question, pick the view, find the
 * answer the zone has ready, copy it out.
 *
 * Hand-written for speed (this runs for every packet; ldns' packet parser
 * allocates per packet): no allocation, no locks, no system calls. Every read
 * of the packet is bounds-checked; the fuzzer test/fuzz/fuzz_query.c drives
 * this file with arbitrary bytes.
 *
 * Other messages, as BIND 9.18 answers them (docs/differences.md,
 * "Malformed queries"; test/diff/hostile.py compares them with BIND):
 *   shorter than a header, or QR=1      -> no answer at all
 *   QDCOUNT > 1, a bad question name    -> FORMERR, header only
 *   a record cut short, two OPT records,
 *   OPT not at the root or outside the
 *   additional section                  -> FORMERR (question echoed if it parsed)
 *   EDNS version > 0                    -> BADVERS
 *   QDCOUNT 0                           -> FORMERR (QUERY, NOTIFY), else NOTIMP
 *   NOTIFY                              -> NOERROR+AA for a zone of the client's
 *                                          view (we have no secondaries to
 *                                          refresh), NOTAUTH for other names
 *   any other opcode                    -> NOTIMP
 *   bytes after the last record         -> ignored
 * Replies to other opcodes than QUERY carry no flag of the request (RD, CD
 * are QUERY's) and, but for NOTIFY, no question; an OPT if the request had one.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "cache.h"
#include "chain.h"
#include "cookie.h"
#include "dname.h"
#include "nsec.h"
#include "snapshot.h"
#include "tsig_answer.h"
#include "wire.h"
#include "xfr_in.h"
#include "zone.h"

#define PARSE_TSIG 0x100          /* parse_additional: fine, and the last record is a TSIG */

#define OPT_LEN 11

/* What the parser learned from the query. */
typedef struct qinfo {
	uint8_t lower[DNAME_MAXLEN];    /* question name, lower case */
	uint8_t offs[DNAME_MAXLABELS];  /* label offsets in lower */
	unsigned nlabels;
	unsigned name_len;
	size_t qsec_len;                /* name + type + class; 0: no question in the reply */
	uint16_t qtype, qclass;
	bool edns;
	bool edns_do;
	uint8_t edns_version;
	uint16_t edns_size;
	bool ra;                        /* the view is recursive: RA in the answer */
	size_t tsig_pos;                /* where the TSIG record starts (PARSE_TSIG) */
	/* set by zone_answer() for a name below a DNAME (answer_dname): the
	 * DNAME's node and the index of its first label in the question */
	const node_t *dname;
	unsigned dname_label;
} qinfo_t;

/* The options of an OPT record (RFC 6891 6.1.2): each within the rdata,
 * and a COOKIE (RFC 7873 5.2.2) 8 bytes (client cookie) or 16 to 40 (with
 * a server cookie); anything else is malformed: FORMERR. Only queries that
 * carry options get here. A good COOKIE is noted for cookie_answer()
 * (cookie.h), which adds the server cookie once the answer is built. */
static bool __attribute__((noinline, cold))
edns_options_ok(const uint8_t *q, size_t owner, size_t rdata, size_t rdlen, size_t avail)
{
	const uint8_t *p = q + rdata;
	if (rdlen > avail)
		return true;   /* parse_additional reports the short record */
	size_t off = 0;
	while (off < rdlen) {
		if (off + 4 > rdlen)
			return false;
		uint16_t code = get16(p + off), olen = get16(p + off + 2);
		if (off + 4 + olen > rdlen)
			return false;
		if (code == LDNS_EDNS_COOKIE) {
			if (olen != 8 && (olen < 16 || olen > 40))
				return false;
			cookie_note(q, owner, rdata + off + 4, olen);   /* for cookie_answer() */
		}
		off += 4u + olen;
	}
	return true;
}

/* Parse the additional section (EDNS, TSIG). Returns an rcode; 0: fine;
 * PARSE_TSIG: fine, and the last record is a TSIG at qi->tsig_pos. */
static int
parse_additional(const uint8_t *q, size_t len, size_t pos, unsigned arcount, qinfo_t *qi)
{
	for (unsigned i = 0; i < arcount; i++) {
		size_t owner = pos;
		if (!dname_skip_wire(q, len, &pos) || pos + 10 > len)
			return LDNS_RCODE_FORMERR;
		uint16_t type = get16(q + pos);
		uint16_t rdlen = get16(q + pos + 8);
		if (type == LDNS_RR_TYPE_OPT) {
			if (qi->edns || q[owner] != 0)
				return LDNS_RCODE_FORMERR;
			qi->edns = true;
			qi->edns_size = get16(q + pos + 2);
			qi->edns_version = q[pos + 5];
			qi->edns_do = (q[pos + 6] & 0x80) != 0;
			if (__builtin_expect(rdlen > 0, 0) &&
			    !edns_options_ok(q, owner, pos + 10, rdlen, len - pos - 10))
				return LDNS_RCODE_FORMERR;
		} else if (type == LDNS_RR_TYPE_TSIG) {
			if (i + 1 != arcount)
				return LDNS_RCODE_FORMERR;   /* TSIG must be last (RFC 8945 5.1) */
			qi->tsig_pos = owner;
		}
		pos += 10;
		if (pos + rdlen > len)
			return LDNS_RCODE_FORMERR;
		pos += rdlen;
	}
	/* bytes after the last record: ignored, as BIND does */
	return qi->tsig_pos != 0 ? PARSE_TSIG : LDNS_RCODE_NOERROR;
}

/* Skip n records of the answer or authority section; OPT and TSIG belong
 * in the additional section only. Returns false if malformed. */
static bool
skip_records(const uint8_t *q, size_t len, size_t *pos, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!dname_skip_wire(q, len, pos) || *pos + 10 > len)
			return false;
		uint16_t type = get16(q + *pos);
		if (type == LDNS_RR_TYPE_OPT || type == LDNS_RR_TYPE_TSIG)
			return false;
		*pos += 10u + get16(q + *pos + 8);
		if (*pos > len)
			return false;
	}
	return true;
}

/* acl_match()/acl_match_key() of one view's list, with the list that
 * starts with "any" (the last view of most split-horizon setups) decided by
 * one test here instead of a call per query and view (bench/callgrind.sh):
 * acl_match() answers that list ACL_MATCH for any address. */
static inline __attribute__((always_inline)) enum acl_result
view_acl_match(const acl_t *acl, const struct sockaddr *sa, const struct conf_key *key)
{
	if (acl != NULL && sa != NULL && acl->count > 0 && acl->elems[0].kind == ACL_ANY &&
	    !acl->elems[0].negated)
		return ACL_MATCH;
	return key == NULL ? acl_match(acl, sa) : acl_match_key(acl, sa, key);
}

/* The first view whose match-clients (and match-destinations) take the
 * client; key: the verified TSIG key of a signed request, for "key NAME"
 * elements (NULL: unsigned). */
static inline __attribute__((always_inline)) const view_t *
view_select_by(const snapshot_t *s, const query_src_t *from, const struct conf_key *key)
{
	for (size_t i = 0; i < s->nviews; i++) {
		const view_t *v = &s->views[i];
		if (view_acl_match(v->conf->match_clients, from->src, key) != ACL_MATCH)
			continue;
		const acl_t *dst = v->conf->match_destinations;
		if (dst != NULL && (from->dst == NULL ||
				    view_acl_match(dst, from->dst, key) != ACL_MATCH))
			continue;
		return v;
	}
	return NULL;
}

/* Signed requests (the slow path): their key can select the view. */
static const view_t * __attribute__((noinline, cold))
view_select_signed(const snapshot_t *s, const query_src_t *from)
{
	return view_select_by(s, from, from->key);
}

/* Inlined into query_answer_fwd() (it stays hot there); query_view_select()
 * is the copy for the slow paths. Unsigned queries pay one test for keys. */
static inline __attribute__((always_inline)) const view_t *
view_select(const snapshot_t *s, const query_src_t *from)
{
	if (from->key != NULL)
		return view_select_signed(s, from);
	return view_select_by(s, from, NULL);
}

const view_t *
query_view_select(const snapshot_t *s, const query_src_t *from)
{
	return view_select(s, from);
}

static const answer_t *
chaos_lookup(const snapshot_t *s, const qinfo_t *qi)
{
	for (unsigned i = 0; i < s->nchaos; i++)
		if (dname_length(s->chaos[i].name) == qi->name_len &&
		    memcmp(s->chaos[i].name, qi->lower, qi->name_len) == 0)
			return &s->chaos[i].ans;
	return NULL;
}

/* Empty answers with only an rcode. */
static const answer_t answer_refused = { .rcode = LDNS_RCODE_REFUSED };
static const answer_t answer_notimp = { .rcode = LDNS_RCODE_NOTIMPL };
static const answer_t answer_formerr = { .rcode = LDNS_RCODE_FORMERR };
static const answer_t answer_chaos_nodata = { .aa = true };
/* zone_answer()'s marker for a name below a DNAME (synthesized per query) */
static const answer_t answer_dname = { .aa = true, .follow = ANSWER_FOLLOW_DNAME };

/* The answer at an existing name for a type it has no entry for. Out of
 * line: the check for ANY kept inline cost every query instructions
 * (bench/callgrind.sh), though only these queries run it. */
static __attribute__((noinline)) const answer_t *
node_answer_other(const zone_t *z, const node_t *n, uint16_t qtype)
{
	/* a name with one type has no ANY entry (zone.c build_types) */
	if (qtype == LDNS_RR_TYPE_ANY && n->ntypes == 1)
		return &n->types[0].ans;
	if (n->ext != NULL && n->ext->other != NULL)
		return n->ext->other;
	return &z->nodata;
}

/* The zone's answer for the question (RFC 1034 4.3.2 with RFC 4592
 * wildcards, all decided when the zone was built). For a name below a
 * DNAME: answer_dname, with qi->dname and qi->dname_label set. */
static const answer_t *
zone_answer(const zone_t *z, qinfo_t *qi, const uint32_t *hashes, unsigned apex_label)
{
	const node_t *n = zone_find(z, qi->lower, (uint8_t)qi->name_len, hashes[0]);
	if (n != NULL) {
		if (n->flags & NODE_OCCLUDED)
			return n->ext->referral;
		if ((n->flags & NODE_DELEG) && qi->qtype != LDNS_RR_TYPE_DS)
			return n->ext->referral;
		const answer_t *a = type_answer_find(n->types, n->ntypes, qi->qtype);
		if (a != NULL)
			return a;
		return node_answer_other(z, n, qi->qtype);
	}
	/* Closest encloser: walk up towards the apex (which always exists). */
	for (unsigned i = 1; i <= apex_label; i++) {
		const uint8_t *name = qi->lower + qi->offs[i];
		n = zone_find(z, name, (uint8_t)(qi->name_len - qi->offs[i]), hashes[i]);
		if (n == NULL)
			continue;
		if (n->flags & (NODE_OCCLUDED | NODE_DELEG))
			return n->ext->referral;
		if (n->ext == NULL || n->ext->wildcard == NULL) {
			if (n->flags & NODE_DNAME) {   /* RFC 6672: no wildcard below a DNAME */
				qi->dname = n;
				qi->dname_label = i;
				return &answer_dname;
			}
			return &z->nxdomain;
		}
		const node_t *w = n->ext->wildcard;
		if (w->ext == NULL)
			return &z->nodata;
		const answer_t *a = type_answer_find(w->ext->wild_types, w->ext->nwild_types, qi->qtype);
		if (a != NULL)
			return a;
		return w->ext->wild_other ? w->ext->wild_other : &z->nodata;
	}
	return &z->nxdomain;
}

/* Header for an answer; counts are filled in by the caller. */
static void
put_header(uint8_t *out, const uint8_t *q, uint8_t rcode, bool aa)
{
	/* QR set, opcode copied; RD and CD copied for QUERY (opcode 0) only (as
	 * BIND: a reply to another opcode echoes no flag, genreport's opcodeflg
	 * test); AA as decided; TC, RA, AD clear */
	unsigned query = (q[2] & 0x78) == 0;
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(0x80 | (q[2] & (0x78 | query)) | (aa ? 0x04 : 0));
	out[3] = (uint8_t)((q[3] & (query << 4)) | (rcode & 0x0F));
	memset(out + 4, 0, 8);
}

static size_t
put_opt(uint8_t *p, const snapshot_t *s, const qinfo_t *qi, uint8_t ext_rcode)
{
	p[0] = 0;
	put16(p + 1, LDNS_RR_TYPE_OPT);
	put16(p + 3, s->edns_size);
	p[5] = ext_rcode;
	p[6] = 0;                           /* version 0 */
	p[7] = qi->edns_do ? 0x80 : 0;      /* DO copied (RFC 3225) */
	p[8] = 0;
	put16(p + 9, 0);
	return OPT_LEN;
}

/* Copy the chosen answer behind the question and finish the message. */
static size_t
write_answer(const snapshot_t *s, const uint8_t *q, const qinfo_t *qi,
	     const answer_t *a, uint8_t *out, size_t limit, uint8_t ext_rcode)
{
	size_t head = 12 + qi->qsec_len;
	size_t opt = qi->edns ? OPT_LEN : 0;
	size_t body = a->len;
	uint16_t arcount = a->arcount;
	bool tc = false;
	if (head + body + opt > limit) {
		/* Drop the additional section first; a referral without its glue,
		 * or an answer that still does not fit, is sent empty with TC. */
		if (!a->glue_required && head + a->len_noadd + opt <= limit) {
			body = a->len_noadd;
			arcount = 0;
		} else {
			body = 0;
			tc = true;
		}
	}
	put_header(out, q, a->rcode, a->aa);
	if (tc)
		out[2] |= 0x02;
	if (qi->ra)
		out[3] |= 0x80;
	put16(out + 4, qi->qsec_len > 0);
	memcpy(out + 12, q + 12, qi->qsec_len);
	uint8_t *sec = out + head;
	if (body > 0) {
		memcpy(sec, a->wire, body);
		put16(out + 6, a->ancount);
		put16(out + 8, a->nscount);
		put16(out + 10, arcount);
		for (unsigned i = 0; i < a->nfixups; i++) {
			const fixup_t *f = &a->fixups[i];
			if (f->pos + 2u > body)
				continue;
			size_t target = f->kind == FIX_QSUF ? 12 + qi->name_len - f->value
							    : head + f->value;
			put16(sec + f->pos, (uint16_t)(0xC000 | target));
		}
	}
	if (opt) {
		put_opt(sec + body, s, qi, ext_rcode);
		put16(out + 10, (uint16_t)(get16(out + 10) + 1));
	}
	return head + body + opt;
}

/* A signed zone's DO=1 answer whose NSEC/NSEC3 proof depends on the query
 * name (a->proof, nsec.h): the answer, then the proof's records found in the
 * zone's chain behind its authority section (such answers are built without
 * an additional section), then the OPT. TC if it does not fit. */
static size_t __attribute__((noinline))
write_proved(const snapshot_t *s, const zone_t *z, const uint8_t *q, const qinfo_t *qi,
	     const answer_t *a, uint8_t *out, size_t limit)
{
	/* the closest encloser, found again as zone_answer() did (only these
	 * answers need it: the common path neither keeps it nor its hashes) */
	unsigned ce = 1;
	while (ce < qi->nlabels) {
		const uint8_t *name = qi->lower + qi->offs[ce];
		if (zone_find(z, name, (uint8_t)(qi->name_len - qi->offs[ce]), dname_hash(name)) != NULL)
			break;
		ce++;
	}
	qinfo_t bare = *qi;
	bare.edns = false;
	size_t opt = qi->edns ? OPT_LEN : 0;
	size_t n = write_answer(s, q, &bare, a, out, limit - opt, 0);
	uint16_t ns = get16(out + 8);
	size_t p = (out[2] & 0x02) ? (size_t)-1
		: nsec_proof_write(z->nsec, (enum nsec_proof)a->proof, qi->lower,
				   ce < qi->nlabels ? qi->lower + qi->offs[ce] : qi->lower + qi->name_len - 1,
				   out + n, limit - opt - n, &ns);
	if (p == (size_t)-1)   /* header, question and OPT only, with TC */
		return write_answer(s, q, qi, a, out, 12 + qi->qsec_len + opt, 0);
	put16(out + 8, ns);
	n += p;
	if (opt) {
		put_opt(out + n, s, qi, 0);
		put16(out + 10, (uint16_t)(get16(out + 10) + 1));
	}
	return n + opt;
}

/* An answer that is only a header (the question could not be read). */
static size_t
write_header_only(const uint8_t *q, uint8_t rcode, uint8_t *out)
{
	put_header(out, q, rcode, false);
	return 12;
}

/* ---------------------------------------------------------------------------
 * Recursive views: locally served zones, the DoH canary, forwarding
 */

/* Is label r of the question, counted from the right (0: the TLD), s?
 * Inlined: strlen and memcmp of the literals fold into a few compares
 * (every recursive query asks for "arpa" and the canary's "net"). */
static inline __attribute__((always_inline)) bool
qlabel_is(const qinfo_t *qi, unsigned r, const char *str)
{
	if (r >= qi->nlabels)
		return false;
	const uint8_t *l = qi->lower + qi->offs[qi->nlabels - 1 - r];
	size_t n = strlen(str);
	return l[0] == n && memcmp(l + 1, str, n) == 0;
}

/* Label r from the right as a decimal octet 0..255 in canonical form, else -1. */
static int
qlabel_octet(const qinfo_t *qi, unsigned r)
{
	if (r >= qi->nlabels)
		return -1;
	const uint8_t *l = qi->lower + qi->offs[qi->nlabels - 1 - r];
	if (l[0] == 0 || l[0] > 3 || (l[0] > 1 && l[1] == '0'))
		return -1;
	int v = 0;
	for (unsigned i = 1; i <= l[0]; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -1;
		v = v * 10 + (l[i] - '0');
	}
	return v <= 255 ? v : -1;
}

/* The locally served zone (RFC 6303, and the IANA registry it set up:
 * RFC 6598/7793 shared space, documentation ranges, RFC 8375 home.arpa)
 * that holds the question, as its number of labels; 0: none. */
static unsigned
local_zone_labels(const qinfo_t *qi)
{
	if (!qlabel_is(qi, 0, "arpa"))
		return 0;
	if (qlabel_is(qi, 1, "home"))
		return 2;
	if (qlabel_is(qi, 1, "in-addr")) {
		int a = qlabel_octet(qi, 2), b = qlabel_octet(qi, 3), c = qlabel_octet(qi, 4);
		if (a == 10 || a == 0 || a == 127)
			return 3;
		if ((a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) ||
		    (a == 169 && b == 254) || (a == 100 && b >= 64 && b <= 127))
			return 4;
		if ((a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) ||
		    (a == 203 && b == 0 && c == 113))
			return 5;
		if (a == 255 && b == 255 && c == 255 && qlabel_octet(qi, 5) == 255)
			return 6;
		return 0;
	}
	if (!qlabel_is(qi, 1, "ip6"))
		return 0;
	if (qlabel_is(qi, 2, "f")) {
		if (qlabel_is(qi, 3, "d"))
			return 4;                       /* fd00::/8 (ULA) */
		if (qlabel_is(qi, 3, "e") && (qlabel_is(qi, 4, "8") || qlabel_is(qi, 4, "9") ||
					      qlabel_is(qi, 4, "a") || qlabel_is(qi, 4, "b")))
			return 5;                       /* fe80::/10 (link-local) */
		return 0;
	}
	static const char *const doc[8] = { "2", "0", "0", "1", "0", "d", "b", "8" };
	unsigned i;
	for (i = 0; i < 8 && qlabel_is(qi, 2 + i, doc[i]); i++)
		;
	if (i == 8)
		return 10;                              /* 2001:db8::/32 */
	/* ::/128 and ::1/128: 31 zero nibbles, then 0 or 1 */
	for (i = 0; i < 31 && qlabel_is(qi, 2 + i, "0"); i++)
		;
	if (i == 31 && (qlabel_is(qi, 33, "0") || qlabel_is(qi, 33, "1")))
		return 34;
	return 0;
}

#define LOCAL_TTL 10800

/* The answer of an RFC 6303 zone (SOA "@ nobody.invalid. 1 3600 1200
 * 604800 10800", NS "@") for the question; apex_len is the zone's wire
 * length, a suffix of the question name. wire needs 64 bytes, fix 3 slots. */
static answer_t
local_zone_answer(const qinfo_t *qi, size_t apex_len, uint8_t *wire, fixup_t *fix)
{
	static const uint8_t rname[16] = "\006nobody\007invalid";   /* 15 bytes + root */
	answer_t a = { .wire = wire, .fixups = fix, .aa = true };
	bool apex = qi->name_len == apex_len;
	bool want_soa = apex && (qi->qtype == LDNS_RR_TYPE_SOA || qi->qtype == LDNS_RR_TYPE_ANY);
	bool want_ns = apex && (qi->qtype == LDNS_RR_TYPE_NS || qi->qtype == LDNS_RR_TYPE_ANY);
	size_t n = 0;
	if (!apex)
		a.rcode = LDNS_RCODE_NXDOMAIN;
	for (int pass = 0; pass < 2; pass++) {
		bool soa = pass == 0;
		bool in_answer = soa ? want_soa : want_ns;
		bool in_auth = soa && !want_soa && !want_ns;
		if (!in_answer && !in_auth)
			continue;
		fix[a.nfixups++] = (fixup_t){ .pos = (uint16_t)n, .value = (uint16_t)apex_len, .kind = FIX_QSUF };
		uint8_t *p = wire + n;
		put16(p + 2, soa ? LDNS_RR_TYPE_SOA : LDNS_RR_TYPE_NS);
		put16(p + 4, LDNS_RR_CLASS_IN);
		p[6] = 0;
		p[7] = 0;
		put16(p + 8, LOCAL_TTL);
		size_t rd = 12;
		fix[a.nfixups++] = (fixup_t){ .pos = (uint16_t)(n + rd), .value = (uint16_t)apex_len, .kind = FIX_QSUF };
		rd += 2;
		if (soa) {
			memcpy(p + rd, rname, 16);
			rd += 16;
			static const uint32_t v[5] = { 1, 3600, 1200, 604800, LOCAL_TTL };
			for (int i = 0; i < 5; i++) {
				put16(p + rd, (uint16_t)(v[i] >> 16));
				put16(p + rd + 2, (uint16_t)v[i]);
				rd += 4;
			}
		}
		put16(p + 10, (uint16_t)(rd - 12));
		n += rd;
		if (in_answer)
			a.ancount++;
		else
			a.nscount++;
	}
	a.len = a.len_noadd = (uint16_t)n;
	return a;
}

/* The answers a recursive view gives without its cache or forwarder: a
 * locally served zone, the canary, SERVFAIL when there is no forwarder
 * (fwd NULL). 0: none of them. Out of line: the hot path of a cache hit
 * tests two labels and carries none of this (query_recursive). */
static size_t __attribute__((noinline))
query_recursive_local(const snapshot_t *s, const view_t *v, const uint8_t *q, const qinfo_t *qi,
		      uint8_t *out, size_t limit, const query_fwd_t *fwd)
{
	unsigned k = local_zone_labels(qi);
	if (k > 0 && (qi->qclass == LDNS_RR_CLASS_IN || qi->qclass == LDNS_RR_CLASS_ANY)) {
		uint8_t wire[64];
		fixup_t fix[4];
		size_t apex_len = qi->name_len - qi->offs[qi->nlabels - k];
		answer_t a = local_zone_answer(qi, apex_len, wire, fix);
		return write_answer(s, q, qi, &a, out, limit, 0);
	}
	/* Browsers turn their own DNS-over-HTTPS off when this name does not
	 * resolve, so LAN clients keep using us and our views. */
	if (v->conf->doh_canary && qi->nlabels >= 2 && qlabel_is(qi, 0, "net") &&
	    qlabel_is(qi, 1, "use-application-dns")) {
		static const answer_t nxdomain = { .rcode = LDNS_RCODE_NXDOMAIN };
		return write_answer(s, q, qi, &nxdomain, out, limit, 0);
	}
	if (fwd == NULL) {
		static const answer_t servfail = { .rcode = LDNS_RCODE_SERVFAIL };
		return write_answer(s, q, qi, &servfail, out, limit, 0);
	}
	return 0;
}

/* Hand the question to the forwarder: fill in fwd (a cache miss, or no
 * cache lookup). Returns 0. */
static size_t __attribute__((noinline))
query_forward(const snapshot_t *s, const view_t *v, const uint8_t *q, const qinfo_t *qi,
	      uint32_t name_hash, size_t limit, query_fwd_t *fwd, bool looked)
{
	fwd->forward = true;
	fwd->cache_missed = looked;
	fwd->view = (unsigned)(v - s->views);
	memcpy(fwd->qname, qi->lower, qi->name_len);
	fwd->qname_len = (uint8_t)qi->name_len;
	fwd->qname_hash = name_hash;
	fwd->qtype = qi->qtype;
	fwd->qclass = qi->qclass;
	fwd->qsec_len = qi->qsec_len;
	fwd->rd = (q[2] & 0x01) != 0;
	fwd->edns = qi->edns;
	fwd->edns_do = qi->edns_do;
	fwd->edns_size = s->edns_size;
	fwd->limit = limit;
	fwd->prefix = NULL;
	fwd->prefix_len = 0;
	return 0;
}

/* A name outside the zones of recursive view v: a locally served zone,
 * the canary, the cache (client_question: the client's own question, not
 * a chain's target, whose cache answer the forwarder puts behind the
 * chain), or the forwarder's. name_hash: the question name's hash
 * (dname_parse_query()'s hashes[0]), the cache's key. */
static inline __attribute__((always_inline)) size_t
query_recursive(const snapshot_t *s, const view_t *v, const uint8_t *q, const qinfo_t *qi,
		uint32_t name_hash, uint8_t *out, size_t limit, query_fwd_t *fwd,
		bool client_question)
{
	/* the local zones are below "arpa", the canary is below "net" */
	if (qlabel_is(qi, 0, "arpa") || qlabel_is(qi, 0, "net") || fwd == NULL) {
		size_t n = query_recursive_local(s, v, q, qi, out, limit, fwd);
		if (n > 0)
			return n;
	}
	bool looked = client_question && v->cache != NULL && v->conf->nforwarders > 0;
	if (looked) {
		/* A cache hit is answered here, as an authoritative answer is:
		 * handing the question to the forwarder first (copying the name
		 * out, its bookkeeping) made a hit cost about a fifth more
		 * (bench/server_callgrind.sh, HZ_CG_MODE=cache). */
		const cache_lookup_t lk = { .name = qi->lower, .name_len = qi->name_len,
					    .qtype = qi->qtype, .qclass = qi->qclass,
					    .bits = cache_key_bits(qi->edns_do, q),
					    .name_hash = name_hash };
		const cache_client_t cl = { .hdr = q, .qsec = q + 12, .qsec_len = qi->qsec_len,
					    .edns = qi->edns, .edns_do = qi->edns_do,
					    .edns_size = s->edns_size, .limit = limit };
		size_t n = cache_answer(v->cache, &lk, &cl, out, cache_now_ms());
		if (n > 0)
			return n;
	}
	return query_forward(s, v, q, qi, name_hash, limit, fwd, looked);
}

/* NOTIFY (RFC 1996). For a zone of the client's view, a NOTIFY from an
 * address among the primaries of a secondary copy of it (in any view)
 * schedules a refresh of those copies (xfr_in.h; a mutex and a signal:
 * NOTIFY is not the query path) and is acknowledged; for a secondary zone
 * of the view, from any other address, it refreshes that copy if the
 * zone's allow-notify lets the address or the request's key in, else it is
 * REFUSED, as BIND does. For other zones of
 * the view there is nothing to refresh: acknowledge, like BIND for its
 * primary zones; NOTAUTH for any other name. */
static size_t
answer_notify(const snapshot_t *s, const uint8_t *q, const qinfo_t *qi, const uint32_t *hashes,
	      const view_t *v, const query_src_t *from, uint8_t *out, size_t limit)
{
	static const answer_t ack = { .aa = true };
	static const answer_t notauth = { .rcode = LDNS_RCODE_NOTAUTH };
	if (qi->qclass == LDNS_RR_CLASS_ANY || qi->qclass == LDNS_RR_CLASS_NONE)
		return write_header_only(q, LDNS_RCODE_FORMERR, out);
	if (qi->qtype != LDNS_RR_TYPE_SOA)
		return write_answer(s, q, qi, &answer_formerr, out, limit, 0);
	if (qi->qclass == LDNS_RR_CLASS_CH)
		return write_answer(s, q, qi, &answer_notimp, out, limit, 0);
	if (qi->qclass != LDNS_RR_CLASS_IN || v == NULL)
		return write_answer(s, q, qi, &answer_refused, out, limit, 0);
	unsigned apex_label;
	const zone_t *z = view_find_zone(v, qi->lower, qi->name_len, qi->offs, qi->nlabels,
					 hashes, 0, &apex_label);
	if (z == NULL || apex_label != 0)
		return write_answer(s, q, qi, &notauth, out, limit, 0);
	if (xfrin_notify(z->name, from->src))
		return write_answer(s, q, qi, &ack, out, limit, 0);
	for (size_t i = 0; i < v->conf->nzones && i < v->nzones; i++) {
		const conf_zone_t *cz = &v->conf->zones[i];
		if (v->zones[i] != z || !conf_zone_secondary(cz))
			continue;
		/* allow-notify (BIND's): others the zone trusts, by address or key */
		bool allowed = cz->allow_notify != NULL &&
			       acl_match_key(cz->allow_notify, from->src, from->key) == ACL_MATCH &&
			       xfrin_notify_allowed(v->conf->name, cz->name);
		return write_answer(s, q, qi, allowed ? &ack : &answer_refused, out, limit, 0);
	}
	return write_answer(s, q, qi, &ack, out, limit, 0);
}

/* ---------------------------------------------------------------------------
 * Chains past a prebuilt answer (chain.h): CNAMEs that leave the zone in a
 * recursive view, names below a DNAME (RFC 6672). Only answers marked
 * `follow` come here; the common path never does.
 */

/* A question of our own for the next name of a chain: the client's header,
 * type and class, the chain's target as the name. */
typedef struct subq {
	uint8_t wire[12 + DNAME_MAXLEN + 4];
	size_t len;
	qinfo_t qi;
	uint32_t hashes[DNAME_MAXLABELS + 1];
} subq_t;

static bool
subq_make(subq_t *sq, const uint8_t *q, const qinfo_t *qi, const uint8_t *name, size_t name_len)
{
	memcpy(sq->wire, q, 4);
	put16(sq->wire + 4, 1);
	memset(sq->wire + 6, 0, 6);
	memcpy(sq->wire + 12, name, name_len);
	put16(sq->wire + 12 + name_len, qi->qtype);
	put16(sq->wire + 14 + name_len, qi->qclass);
	sq->len = 16 + name_len;
	size_t pos = 12;
	int n = dname_parse_query(sq->wire, sq->len, &pos, sq->qi.lower, sq->qi.offs,
				  &sq->qi.nlabels, sq->hashes);
	if (n < 0)
		return false;
	sq->qi.name_len = (unsigned)n;
	sq->qi.qsec_len = name_len + 4;
	sq->qi.qtype = qi->qtype;
	sq->qi.qclass = qi->qclass;
	sq->qi.edns = false;
	sq->qi.edns_do = qi->edns_do;   /* a signed zone's parts: their DO=1 twins */
	sq->qi.edns_version = 0;
	sq->qi.edns_size = 0;
	sq->qi.ra = qi->ra;
	return true;
}

/* DO=1 and a signed zone: the DNAME's RRSIGs (RFC 6672 5.3.1), from the
 * DO=1 twin of the DNAME's answer ([DNAME][RRSIG]..., each owner a pointer
 * to the question), written at out + *n with their owner pointing at owner.
 * Returns the number of records written. */
static unsigned
write_dname_sigs(const answer_t *d, const qinfo_t *qi, size_t rdlen, uint8_t *out, size_t *n,
		 size_t cap, uint16_t owner)
{
	if (!qi->edns_do || !(d->follow & ANSWER_SIGNED))
		return 0;
	const answer_t *t = d->dnssec;
	size_t pos = 12 + rdlen, count = 0;
	while (count + 1 < t->ancount && pos + 12 <= t->len_noadd) {
		size_t len = 12u + get16(t->wire + pos + 10);
		if (get16(t->wire + pos) != 0xC00C || pos + len > t->len_noadd || *n + 14 + len > cap)
			break;
		memcpy(out + *n, t->wire + pos, len);
		put16(out + *n, (uint16_t)(0xC000 | owner));
		*n += len;
		pos += len;
		count++;
	}
	return (unsigned)count;
}

/* A name below a DNAME (RFC 6672 3.1, as BIND answers): the DNAME, and a
 * CNAME from the question name to the name with the DNAME's owner replaced
 * by its target, with the DNAME's TTL; YXDOMAIN (the DNAME alone) if that
 * name would be longer than 255 bytes. Header, question and these records
 * (no OPT) go to out (cap bytes). Built per query in the caller's buffer:
 * the CNAME depends on the question. qi->dname: the DNAME's node (see
 * zone_answer()). Returns the length; *rcode gets the rcode. */
static size_t
write_dname(const snapshot_t *s, const uint8_t *q, const qinfo_t *qi, uint8_t *out, size_t cap,
	    uint8_t *rcode)
{
	const node_t *owner = qi->dname;
	unsigned label = qi->dname_label;
	static const answer_t head_only = { .aa = true };
	const answer_t *d = type_answer_find(owner->types, owner->ntypes, LDNS_RR_TYPE_DNAME);
	qinfo_t bare = *qi;
	bare.edns = false;
	size_t n = write_answer(s, q, &bare, &head_only, out, cap, 0);
	/* the DNAME answer at its owner: [C00C][type class TTL rdlen][target] */
	if (d == NULL || d->ancount != 1 || d->len < 12 || (size_t)d->len < 12u + get16(d->wire + 10)) {
		*rcode = LDNS_RCODE_SERVFAIL;
		return n;
	}
	size_t rdlen = get16(d->wire + 10), prefix = qi->offs[label];
	if (n + 12 + rdlen + 14 + prefix > cap) {
		*rcode = LDNS_RCODE_SERVFAIL;
		return n;
	}
	uint8_t *p = out + n;
	put16(p, (uint16_t)(0xC000 | (12 + prefix)));   /* owner: a suffix of the question */
	memcpy(p + 2, d->wire + 2, 10 + rdlen);          /* type, class, TTL, rdlen, target */
	size_t target = n + 12;
	n += 12 + rdlen;
	unsigned count = 1 + write_dname_sigs(d, qi, rdlen, out, &n, cap, (uint16_t)(12 + prefix));
	*rcode = LDNS_RCODE_NOERROR;
	if (prefix + rdlen > DNAME_MAXLEN) {
		put16(out + 6, (uint16_t)count);
		*rcode = LDNS_RCODE_YXDOMAIN;
		return n;
	}
	p = out + n;
	put16(p, 0xC00C);
	put16(p + 2, LDNS_RR_TYPE_CNAME);
	memcpy(p + 4, d->wire + 4, 6);                   /* class, TTL */
	put16(p + 10, (uint16_t)(prefix + 2));
	memcpy(p + 12, q + 12, prefix);                  /* the question's labels, its case */
	put16(p + 12 + prefix, (uint16_t)(0xC000 | target));
	if (n + 14 + prefix > cap) {
		*rcode = LDNS_RCODE_SERVFAIL;
		return n;
	}
	n += 14 + prefix;
	put16(out + 6, (uint16_t)(count + 1));
	return n;
}

/* The answer a starts a chain that goes on: follow it, as BIND does with
 * recursion (RFC 1034 4.3.2 step 3a, restarted at the CNAME's target): a
 * recursive view follows it, for a query with RD, into any zone of the
 * view, the locally served zones and the forwarder (then 0 is returned
 * with fwd filled in and the prefix in out); otherwise only inside the
 * zone z. AA stays set, as BIND leaves it (the chain began in a zone of
 * ours), also when it ends in a referral. Every CNAME of the
 * chain and the final answer's records end up in the answer; more than
 * CHAIN_MAX_CNAMES CNAMEs: SERVFAIL. Uses 64 KiB of stack for the parts. */
static size_t __attribute__((noinline))
query_chain(const snapshot_t *s, const view_t *v, const zone_t *z, const uint8_t *q,
	    const qinfo_t *qi, const answer_t *a, uint8_t *out, size_t outmax, size_t limit,
	    query_fwd_t *fwd)
{
	qinfo_t bare = *qi;
	bare.edns = false;
	uint8_t rcode = a->rcode;
	/* BIND leaves the zone only with recursion available and desired */
	bool recurse = qi->ra && (q[2] & 0x01);
	size_t n;
	if ((a->follow & ANSWER_FOLLOW_MASK) == ANSWER_FOLLOW_DNAME) {
		n = write_dname(s, q, &bare, out, outmax, &rcode);
	} else {
		n = write_answer(s, q, &bare, a, out, outmax, 0);
		if (out[2] & 0x02)   /* the chain alone fills the buffer: as it is, TC */
			return write_answer(s, q, qi, a, out, limit, 0);
	}
	/* QTYPE=CNAME or ANY: the (synthesized) CNAME is the answer, as BIND */
	bool more = rcode == LDNS_RCODE_NOERROR && !(out[2] & 0x02) && qi->qtype != LDNS_RR_TYPE_CNAME &&
		    qi->qtype != LDNS_RR_TYPE_ANY;
	uint8_t part[QUERY_MAX_ANSWER];
	subq_t sq;
	const zone_t *cur = z;
	while (more) {
		uint8_t target[DNAME_MAXLEN];
		unsigned cnames;
		bool loop;
		size_t tlen = chain_target(out, n, target, &cnames, &loop);
		if (tlen == 0)
			break;
		if (cnames >= CHAIN_MAX_CNAMES || loop || !subq_make(&sq, q, qi, target, tlen)) {
			rcode = LDNS_RCODE_SERVFAIL;   /* with the chain, AA kept, as BIND */
			break;
		}
		unsigned tlabel = 0;
		const zone_t *tz = view_find_zone(v, sq.qi.lower, sq.qi.name_len, sq.qi.offs,
						  sq.qi.nlabels, sq.hashes, 0, &tlabel);
		/* authoritative only: the zone's own names; a recursive view
		 * with RD=0 also looks the target up in its cache, as BIND */
		if (tz != cur && (!qi->ra || (tz != NULL && !recurse)))
			break;
		size_t plen;
		uint8_t prc;
		more = false;
		if (tz != NULL) {
			const answer_t *b = zone_answer(tz, &sq.qi, sq.hashes, tlabel);
			if (sq.qi.edns_do && (b->follow & ANSWER_SIGNED))
				b = b->dnssec;   /* a signed zone: its DO=1 twin */
			if ((b->follow & ANSWER_FOLLOW_MASK) == ANSWER_FOLLOW_DNAME) {
				plen = write_dname(s, sq.wire, &sq.qi, part, sizeof(part), &prc);
			} else if (b->proof != 0 && b->follow == 0) {
				plen = write_proved(s, tz, sq.wire, &sq.qi, b, part, sizeof(part));
				prc = b->rcode;
			} else {
				plen = write_answer(s, sq.wire, &sq.qi, b, part, sizeof(part), 0);
				prc = b->rcode;
			}
			more = (b->follow & ANSWER_FOLLOW_MASK) != 0 && prc == LDNS_RCODE_NOERROR;
			cur = tz;
		} else {
			query_fwd_t tf = { .forward = false };   /* tsig, prefix: none */
			plen = query_recursive(s, v, sq.wire, &sq.qi, sq.hashes[0], part, sizeof(part),
					       &tf, false);
			if (plen == 0) {
				if (fwd == NULL)    /* no forwarder (query_answer()) */
					return chain_fail(out, n, LDNS_RCODE_SERVFAIL, limit, qi->edns,
							  qi->edns_do, s->edns_size);
				*fwd = tf;          /* tf.rd: RD=0 is answered from the cache only */
				fwd->qsec_len = qi->qsec_len;
				fwd->edns = qi->edns;
				fwd->edns_do = qi->edns_do;
				fwd->limit = limit;
				fwd->prefix = out;
				fwd->prefix_len = n;
				return 0;
			}
			prc = part[3] & 0x0F;
		}
		if (!chain_append(out, &n, outmax, part, plen)) {
			/* larger than the buffer (our parts are well-formed): only
			 * header and question fit, so TC (TCP buffers hold 64 KiB) */
			return chain_finish(out, n, prc, true, 12 + qi->qsec_len, qi->edns, qi->edns_do,
					    s->edns_size);
		}
		rcode = prc;
	}
	return chain_finish(out, n, rcode, true, limit, qi->edns, qi->edns_do, s->edns_size);
}

bool
query_transfer_allowed(const view_t *v, const zone_t *z, const query_src_t *from)
{
	const conf_view_t *cv = v->conf;
	size_t i = 0;
	while (i < v->nzones && v->zones[i] != z)
		i++;
	for (size_t k = 0; k < cv->nzones; k++) {
		if (i < cv->nzones ? k != i : !cv->zones[k].auto_ptr)
			continue;
		const acl_t *acl = cv->zones[k].allow_transfer;
		if (acl != NULL && acl_match_key(acl, from->src, from->key) == ACL_MATCH)
			return true;
	}
	return false;
}

/* AXFR or IXFR here (TCP ones go to xfr_out.c, xfr_out.h), as BIND 9.18:
 * AXFR over UDP is FORMERR; IXFR over UDP gets the zone's SOA alone when
 * allow-transfer lets the client in (RFC 1995 2: "the server sends the SOA",
 * and the client goes on over TCP), NOTAUTH for a name that is no zone
 * apex of the view, else REFUSED. */
static size_t __attribute__((noinline, cold))
answer_transfer_udp(const snapshot_t *s, const view_t *v, const uint8_t *q, qinfo_t *qi,
		    const uint32_t *hashes, const query_src_t *from, uint8_t *out, size_t limit)
{
	if (qi->qtype == LDNS_RR_TYPE_AXFR)
		return write_answer(s, q, qi, &answer_formerr, out, limit, 0);
	unsigned apex_label = 0;
	const zone_t *z = view_find_zone(v, qi->lower, qi->name_len, qi->offs, qi->nlabels, hashes, 0,
					 &apex_label);
	if (z == NULL || apex_label != 0)
		return write_answer(s, q, qi, &(answer_t){ .rcode = LDNS_RCODE_NOTAUTH }, out, limit, 0);
	if (!query_transfer_allowed(v, z, from))
		return write_answer(s, q, qi, &answer_refused, out, limit, 0);
	const node_t *apex = zone_find(z, qi->lower, (uint8_t)qi->name_len, hashes[0]);
	const answer_t *soa = apex ? type_answer_find(apex->types, apex->ntypes, LDNS_RR_TYPE_SOA) : NULL;
	return write_answer(s, q, qi, soa ? soa : &answer_refused, out, limit, 0);
}

/* A query whose last record is a TSIG (RFC 8945): tsig_answer.c checks the
 * signature and answers a bad one; a good one is answered here without its
 * TSIG, leaving room for the TSIG record, and signed there. The copy without
 * the TSIG is the one allocation on this path: signed queries are the slow
 * path, and a failed allocation answers SERVFAIL (docs/architecture.md). */
static size_t __attribute__((noinline, cold))
answer_signed(const snapshot_t *s, const uint8_t *q, size_t qlen, size_t tsig_pos,
	      uint8_t *out, size_t outmax, size_t limit, const query_src_t *from, query_fwd_t *fwd)
{
	size_t n;
	uint16_t reserve;
	if (!tsig_answer_check(s, view_select(s, from), from, q, qlen, out, limit, &n, &reserve))
		return n;
	uint8_t *plain = malloc(tsig_pos);
	if (plain == NULL)
		return tsig_answer_servfail(q, qlen, out, limit);
	memcpy(plain, q, tsig_pos);
	put16(plain + 10, (uint16_t)(get16(q + 10) - 1));   /* ARCOUNT without the TSIG */
	query_src_t inner = *from;
	inner.reserve = reserve;
	inner.key = tsig_answer_key();   /* "key NAME" in match-clients picks the view */
	n = query_answer_fwd(s, plain, tsig_pos, out, outmax, &inner, fwd);
	free(plain);
	if (n == 0) {
		if (fwd != NULL && fwd->forward)
			fwd->tsig = tsig_answer_reply();   /* the forwarder signs its answer */
		return 0;
	}
	/* within the client's limit: a TC answer of a long question may
	 * have filled the room left for the TSIG (tsig_answer_sign) */
	return tsig_answer_sign(out, n, limit);
}

size_t
query_answer(const snapshot_t *s, const uint8_t *q, size_t qlen,
	     uint8_t *out, size_t outmax, const query_src_t *from)
{
	return query_answer_fwd(s, q, qlen, out, outmax, from, NULL);
}

size_t
query_answer_fwd(const snapshot_t *s, const uint8_t *q, size_t qlen,
		 uint8_t *out, size_t outmax, const query_src_t *from, query_fwd_t *fwd)
{
	if (fwd != NULL) {
		fwd->forward = false;
		fwd->tsig = NULL;
		fwd->stat_view = QUERY_NO_VIEW;
		fwd->stat_qtype = 0;
	}
	if (qlen < 12 || (q[2] & 0x80))
		return 0;                       /* never answer an answer */
	uint8_t opcode = (q[2] >> 3) & 0x0F;
	unsigned qdcount = get16(q + 4);
	if (qdcount > 1)
		return write_header_only(q, LDNS_RCODE_FORMERR, out);

	qinfo_t qi;
	uint32_t hashes[DNAME_MAXLABELS + 1];
	size_t pos = 12;
	qi.edns = qi.edns_do = false;
	qi.ra = false;
	qi.edns_version = 0;
	qi.edns_size = 0;
	if (qdcount == 1) {
		int nlen = dname_parse_query(q, qlen, &pos, qi.lower, qi.offs, &qi.nlabels, hashes);
		if (nlen < 0 || pos + 4 > qlen)
			return write_header_only(q, LDNS_RCODE_FORMERR, out);
		qi.name_len = (unsigned)nlen;
		qi.qtype = get16(q + pos);
		qi.qclass = get16(q + pos + 2);
		pos += 4;
		/* only replies to QUERY and NOTIFY echo the question (as BIND) */
		qi.qsec_len = opcode == LDNS_PACKET_QUERY || opcode == LDNS_PACKET_NOTIFY ? pos - 12 : 0;
	} else {
		qi.name_len = qi.nlabels = 0;
		qi.qtype = qi.qclass = 0;
		qi.qsec_len = 0;
	}
	qi.tsig_pos = 0;
	int rc = LDNS_RCODE_FORMERR;
	if (skip_records(q, qlen, &pos, (unsigned)get16(q + 6) + get16(q + 8)))
		rc = parse_additional(q, qlen, pos, get16(q + 10), &qi);

	size_t limit = 512;
	if (from->tcp)
		limit = outmax;
	else if (qi.edns) {
		size_t want = qi.edns_size < 512 ? 512 : qi.edns_size;
		limit = want < s->edns_size ? want : s->edns_size;
	}
	if (limit > outmax)
		limit = outmax;
	limit -= from->reserve;   /* room for a TSIG record (< 400 bytes; outmax >= 512) */

	const answer_t *a;
	if (rc != LDNS_RCODE_NOERROR) {
		if (rc == PARSE_TSIG)   /* signed: the slow path, back here without the TSIG */
			return answer_signed(s, q, qlen, qi.tsig_pos, out, outmax, limit, from, fwd);
		qi.edns = false;    /* the OPT may be what is broken */
		return write_answer(s, q, &qi, &answer_formerr, out, limit, 0);
	}
	if (qi.edns && qi.edns_version > 0) {
		/* BADVERS = 16: upper 8 bits in the OPT, lower 4 in the header */
		return write_answer(s, q, &qi, &(answer_t){ .rcode = WIRE_RCODE_BADVERS & 0x0F },
				    out, limit, WIRE_RCODE_BADVERS >> 4);
	}
	if (qdcount == 0) {
		bool formerr = opcode == LDNS_PACKET_QUERY || opcode == LDNS_PACKET_NOTIFY;
		return write_answer(s, q, &qi, formerr ? &answer_formerr : &answer_notimp, out, limit, 0);
	}
	if (opcode != LDNS_PACKET_QUERY && opcode != LDNS_PACKET_NOTIFY) {
		if (qi.qclass == LDNS_RR_CLASS_ANY || qi.qclass == LDNS_RR_CLASS_NONE)
			return write_header_only(q, LDNS_RCODE_FORMERR, out);
		return write_answer(s, q, &qi, &answer_notimp, out, limit, 0);
	}
	/* a client that no view matches learns nothing, not even the version */
	const view_t *v = view_select(s, from);
	if (fwd != NULL && v != NULL) {
		fwd->stat_view = (unsigned)(v - s->views);
		fwd->stat_qtype = qi.qtype;
	}
	if (opcode == LDNS_PACKET_NOTIFY)
		return answer_notify(s, q, &qi, hashes, v, from, out, limit);
	if (v == NULL || (qi.qclass != LDNS_RR_CLASS_IN && qi.qclass != LDNS_RR_CLASS_ANY && qi.qclass != LDNS_RR_CLASS_CH))
		return write_answer(s, q, &qi, &answer_refused, out, limit, 0);
	/* OPT and the meta types but ANY (RFC 6895: 128-255) */
	if (qi.qtype == LDNS_RR_TYPE_OPT || (unsigned)(qi.qtype - WIRE_TYPE_META_FIRST) < LDNS_RR_TYPE_ANY - WIRE_TYPE_META_FIRST) {
		a = &answer_formerr;    /* TKEY, TSIG, 128-248: no question, as BIND */
		if (qi.qtype == LDNS_RR_TYPE_MAILA || qi.qtype == LDNS_RR_TYPE_MAILB)
			a = &answer_notimp;
		else if (qi.qtype == LDNS_RR_TYPE_AXFR || qi.qtype == LDNS_RR_TYPE_IXFR)
			return answer_transfer_udp(s, v, q, &qi, hashes, from, out, limit);
		return write_answer(s, q, &qi, a, out, limit, 0);
	}
	if (qi.qclass == LDNS_RR_CLASS_CH) {
		a = chaos_lookup(s, &qi);
		if (a != NULL && qi.qtype != LDNS_RR_TYPE_TXT && qi.qtype != LDNS_RR_TYPE_ANY)
			a = &answer_chaos_nodata;
		return write_answer(s, q, &qi, a ? a : &answer_refused, out, limit, 0);
	}
	qi.ra = v->conf->recursion;
	unsigned apex_label;
	const zone_t *z = view_find_zone(v, qi.lower, qi.name_len, qi.offs, qi.nlabels,
					 hashes, 0, &apex_label);
	if (z == NULL) {
		if (qi.ra)
			return query_recursive(s, v, q, &qi, hashes[0], out, limit, fwd, true);
		return write_answer(s, q, &qi, &answer_refused, out, limit, 0);
	}
	if (z->expired) {   /* a secondary zone without data (xfr_in.h), as BIND */
		static const answer_t servfail = { .rcode = LDNS_RCODE_SERVFAIL };
		return write_answer(s, q, &qi, &servfail, out, limit, 0);
	}
	if (qi.qtype == LDNS_RR_TYPE_DS && apex_label == 0 && qi.nlabels > 0) {
		/* DS belongs to the parent side of a cut (RFC 4035 3.1.4.1) */
		const zone_t *parent = view_find_zone(v, qi.lower, qi.name_len, qi.offs,
						      qi.nlabels, hashes, 1, &apex_label);
		if (parent != NULL)
			z = parent;
		else
			apex_label = 0;
	}
	a = zone_answer(z, &qi, hashes, apex_label);
	if (a->follow != 0) {   /* one test for chains and signed zones */
		if (a->follow & ANSWER_SIGNED) {
			/* a signed zone and DO=1: its twin with RRSIGs and proofs */
			if (qi.edns_do) {
				a = a->dnssec;
				if (a->proof != 0 && a->follow == 0)
					return write_proved(s, z, q, &qi, a, out, limit);
			}
			if ((a->follow & ANSWER_FOLLOW_MASK) == 0)
				return write_answer(s, q, &qi, a, out, limit, 0);
		}
		uint8_t f = a->follow & ANSWER_FOLLOW_MASK;
		if (qi.ra || f != ANSWER_FOLLOW_OUT)
			return query_chain(s, v, z, q, &qi, a, out, outmax, limit, fwd);
	}
	return write_answer(s, q, &qi, a, out, limit, 0);
}

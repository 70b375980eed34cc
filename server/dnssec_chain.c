/* dnssec_chain.c -- a zone's records in canonical order, its RRsets to
 * sign and its NSEC or NSEC3 chain. The design is in dnssec_chain.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dnssec_chain.h"

#include <ldns/ldns.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "journal.h"   /* journal_rr_to_ldns */
#include "nsec.h"      /* nsec_canonical_cmp, NSEC3_HASH_LEN */
#include "wire.h"

#define C_IN 1
#define BITMAP_MAX 8704   /* 256 windows of 2 + 32 bytes */

static bool
chain_has_upper(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			return true;
	return false;
}

/* The rdata of rr with its names in lower case (RFC 4034 6.2; RRSIG and
 * NSEC never come from a zone signed online), copied into a only where
 * that changes it. The types whose layout wire.h knows, DNAME and NAPTR
 * here; SIG, NXT and A6 through ldns. */
static const uint8_t *
chain_canon_rdata(const zrr_t *rr, arena_t *a, uint16_t *len)
{
	*len = rr->rdlen;
	size_t skip = 0, tail = 0;
	unsigned names = wire_rdata_names(rr->type, &skip, &tail);
	if (rr->type == LDNS_RR_TYPE_DNAME) {
		names = 1;
	} else if (rr->type == LDNS_RR_TYPE_NAPTR) {
		skip = 4;   /* order, preference, then flags, services, regexp */
		for (int i = 0; i < 3 && skip < rr->rdlen; i++)
			skip += 1u + rr->rdata[skip];
		names = 1;
	} else if (rr->type == LDNS_RR_TYPE_SIG || rr->type == LDNS_RR_TYPE_NXT ||
		   rr->type == LDNS_RR_TYPE_A6) {
		ldns_rr *l = journal_rr_to_ldns(rr);
		ldns_buffer *b = ldns_buffer_new((size_t)rr->rdlen + 64);
		const uint8_t *out = rr->rdata;
		if (l != NULL && b != NULL) {
			ldns_rr2canonical(l);
			if (ldns_rr_rdata2buffer_wire(b, l) == LDNS_STATUS_OK &&
			    ldns_buffer_position(b) <= 65535) {
				*len = (uint16_t)ldns_buffer_position(b);
				out = arena_memdup_bytes(a, ldns_buffer_begin(b), *len ? *len : 1);
			}
		}
		ldns_buffer_free(b);
		ldns_rr_free(l);
		return out;
	}
	uint8_t *copy = NULL;
	size_t p = skip;
	for (unsigned i = 0; i < names && p < rr->rdlen; i++) {
		size_t l = dname_length(rr->rdata + p);   /* the zone file parser checked them */
		if (chain_has_upper(rr->rdata + p, l)) {
			if (copy == NULL)
				copy = arena_memdup_bytes(a, rr->rdata, rr->rdlen);
			dname_to_lower(copy + p, copy + p);
		}
		p += l;
	}
	return copy != NULL ? copy : rr->rdata;
}

/* qsort's order: owner (canonical), type, canonical rdata (RFC 4034 6.3). */
static int
chain_rec_cmp(const void *a, const void *b)
{
	const dnssec_rec_t *x = a, *y = b;
	if (x->lname != y->lname) {
		int c = nsec_canonical_cmp(x->lname, y->lname);
		if (c != 0)
			return c;
	}
	if (x->rr->type != y->rr->type)
		return x->rr->type < y->rr->type ? -1 : 1;
	size_t m = x->crdlen < y->crdlen ? x->crdlen : y->crdlen;
	int c = memcmp(x->crd, y->crd, m);
	if (c != 0)
		return c;
	return (x->crdlen > y->crdlen) - (x->crdlen < y->crdlen);
}

size_t
dnssec_chain_bitmap(const uint16_t *types, size_t n, uint8_t *out)
{
	size_t len = 0;
	for (size_t i = 0; i < n;) {
		unsigned win = types[i] >> 8, maxb = 0;
		uint8_t bits[32] = { 0 };
		for (; i < n && (unsigned)(types[i] >> 8) == win; i++) {
			unsigned b = types[i] & 0xff;
			bits[b >> 3] |= (uint8_t)(0x80 >> (b & 7));
			maxb = (b >> 3) + 1;
		}
		out[len++] = (uint8_t)win;
		out[len++] = (uint8_t)maxb;
		memcpy(out + len, bits, maxb);
		len += maxb;
	}
	return len;
}

/* One name of the zone: its records recs[first, first + n). */
typedef struct cname {
	size_t first, n;
	bool cut;        /* a delegation (NS below the apex) */
	bool has_ds;
	bool occluded;   /* below a cut or a DNAME: neither signed nor chained */
} cname_t;

static bool
chain_name_has(const dnssec_chain_t *c, const cname_t *nm, uint16_t type)
{
	for (size_t i = nm->first; i < nm->first + nm->n; i++)
		if (c->recs[i].rr->type == type)
			return true;
	return false;
}

/* The types of name nm a chain record lists (RFC 4035 2.3, RFC 5155 7.1)
 * in types[] (room for nm->n + 2), sorted: at a cut only NS and DS. rrsig:
 * list RRSIG (NSEC: always, its own signature is there; NSEC3: when the
 * name has a signed RRset). */
static size_t
chain_types(const dnssec_chain_t *c, const cname_t *nm, bool nsec3, uint16_t *types)
{
	size_t n = 0;
	for (size_t i = nm->first; i < nm->first + nm->n; i++) {
		uint16_t t = c->recs[i].rr->type;
		if (n > 0 && types[n - 1] == t)
			continue;
		if (nm->cut && t != LDNS_RR_TYPE_NS && t != LDNS_RR_TYPE_DS)
			continue;
		types[n++] = t;
	}
	bool rrsig = nsec3 ? !nm->cut || nm->has_ds : true;
	uint16_t extra[2] = { LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_NSEC };
	for (size_t e = 0; e < (nsec3 ? 1u : 2u); e++) {
		if (e == 0 && !rrsig)
			continue;
		size_t k = n;   /* insert in order */
		while (k > 0 && types[k - 1] > extra[e]) {
			types[k] = types[k - 1];
			k--;
		}
		types[k] = extra[e];
		n++;
	}
	return n;
}

/* A chain record; owner already in out, rdata copied there. */
static zrr_t
chain_rr(const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rd, size_t rdlen,
	 arena_t *out)
{
	return (zrr_t){ .owner = owner, .owner_len = (uint16_t)dname_length(owner), .type = type,
			.rclass = C_IN, .ttl = ttl, .rdlen = (uint16_t)rdlen,
			.rdata = arena_memdup_bytes(out, rd, rdlen ? rdlen : 1) };
}

/* NSEC (RFC 4034 4): one per name that is not occluded, in canonical order,
 * each pointing to the next, the last to the apex. */
static size_t
chain_nsec(dnssec_chain_t *c, const cname_t *names, size_t nnames, uint32_t ttl, arena_t *out)
{
	size_t first = nnames;
	for (size_t i = 0; i < nnames && first == nnames; i++)
		if (!names[i].occluded)
			first = i;
	c->chain = arena_alloc(out, (nnames ? nnames : 1) * sizeof(zrr_t));
	uint16_t *types = NULL;
	size_t captypes = 0;
	uint8_t *rd = xmalloc(DNAME_MAXLEN + BITMAP_MAX);
	for (size_t i = first; i < nnames; i++) {
		const cname_t *nm = &names[i];
		if (nm->occluded)
			continue;
		size_t next = i + 1;
		while (next < nnames && names[next].occluded)
			next++;
		const uint8_t *nextname = c->recs[names[next < nnames ? next : first].first].lname;
		if (captypes < nm->n + 2) {
			captypes = nm->n + 2;
			types = xrealloc(types, captypes * sizeof(*types));
		}
		size_t nt = chain_types(c, nm, false, types);
		size_t len = dname_length(nextname);
		memcpy(rd, nextname, len);
		len += dnssec_chain_bitmap(types, nt, rd + len);
		const uint8_t *lname = c->recs[nm->first].lname;
		const uint8_t *owner = arena_memdup_bytes(out, lname, dname_length(lname));
		c->chain[c->nchain++] = chain_rr(owner, LDNS_RR_TYPE_NSEC, ttl, rd, len, out);
	}
	free(rd);
	free(types);
	return c->nchain;
}

typedef struct chash {
	uint8_t hash[NSEC3_HASH_LEN];
	const cname_t *name;   /* NULL: an empty non-terminal */
} chash_t;

static int
chain_hash_cmp(const void *a, const void *b)
{
	const chash_t *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, NSEC3_HASH_LEN);
	if (c != 0)
		return c;
	return (x->name == NULL) - (y->name == NULL);   /* the real name first */
}

static void
chain_hash_push(chash_t **v, size_t *n, size_t *cap, const uint8_t *name, const cname_t *nm)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	SHA1(name, dname_length(name), (*v)[*n].hash);   /* no salt, no extra iterations */
	(*v)[*n].name = nm;
	++*n;
}

/* NSEC3 (RFC 5155 7.1, RFC 9276): one per name that is not occluded and
 * per empty non-terminal, in hash order, each holding the next hash. */
static size_t
chain_nsec3(dnssec_chain_t *c, const cname_t *names, size_t nnames, const uint8_t *apex,
	    uint32_t ttl, arena_t *out)
{
	static const char b32[] = "0123456789abcdefghijklmnopqrstuv";   /* base32hex */
	chash_t *h = NULL;
	size_t nh = 0, caph = 0;
	unsigned apex_labels = dname_label_count(apex);
	for (size_t i = 0; i < nnames; i++) {
		if (names[i].occluded)
			continue;
		const uint8_t *name = c->recs[names[i].first].lname;
		chain_hash_push(&h, &nh, &caph, name, &names[i]);
		/* its ancestors below the apex: empty non-terminals unless they
		 * are names themselves (dropped as duplicates below) */
		unsigned labels = dname_label_count(name);
		for (const uint8_t *p = name + 1 + name[0]; labels > apex_labels + 1;
		     p += 1 + p[0], labels--)
			chain_hash_push(&h, &nh, &caph, p, NULL);
	}
	qsort(h, nh, sizeof(*h), chain_hash_cmp);
	size_t w = 0;
	for (size_t i = 0; i < nh; i++)
		if (w == 0 || memcmp(h[w - 1].hash, h[i].hash, NSEC3_HASH_LEN) != 0)
			h[w++] = h[i];
	nh = w;
	c->chain = arena_alloc(out, (nh ? nh : 1) * sizeof(zrr_t));
	size_t apex_len = dname_length(apex);
	uint16_t *types = NULL;
	size_t captypes = 0;
	uint8_t *rd = xmalloc(6 + NSEC3_HASH_LEN + BITMAP_MAX);
	for (size_t i = 0; i < nh; i++) {
		uint8_t *owner = arena_alloc_bytes(out, 33 + apex_len);
		owner[0] = 32;
		const uint8_t *hs = h[i].hash;
		for (int k = 0; k < 32; k++) {   /* 5 bits at a time, most significant first */
			int bit = k * 5;
			unsigned v = ((unsigned)hs[bit / 8] << 8 | (bit / 8 + 1 < NSEC3_HASH_LEN ? hs[bit / 8 + 1] : 0));
			owner[1 + k] = (uint8_t)b32[(v >> (11 - bit % 8)) & 31];
		}
		memcpy(owner + 33, apex, apex_len);
		/* algorithm 1 (SHA-1), flags 0, iterations 0, no salt, the next hash */
		size_t len = 0;
		rd[len++] = 1;
		rd[len++] = 0;
		rd[len++] = 0;
		rd[len++] = 0;
		rd[len++] = 0;
		rd[len++] = NSEC3_HASH_LEN;
		memcpy(rd + len, h[(i + 1) % nh].hash, NSEC3_HASH_LEN);
		len += NSEC3_HASH_LEN;
		const cname_t *nm = h[i].name;
		if (nm != NULL) {
			if (captypes < nm->n + 2) {
				captypes = nm->n + 2;
				types = xrealloc(types, captypes * sizeof(*types));
			}
			len += dnssec_chain_bitmap(types, chain_types(c, nm, true, types), rd + len);
		}
		c->chain[c->nchain++] = chain_rr(owner, LDNS_RR_TYPE_NSEC3, ttl, rd, len, out);
	}
	free(rd);
	free(types);
	free(h);
	return c->nchain;
}

static void
chain_set_push(dnssec_chain_t *c, size_t *cap, const dnssec_rec_t *recs, size_t n)
{
	if (c->nsets == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		c->sets = xrealloc(c->sets, *cap * sizeof(*c->sets));
	}
	c->sets[c->nsets++] = (dnssec_rrset_t){ .recs = recs, .n = n };
}

int
dnssec_chain_build(dnssec_chain_t *c, const zrr_t *rrs, size_t n, const uint8_t *apex, bool nsec3,
		   uint32_t ttl, arena_t *out)
{
	memset(c, 0, sizeof(*c));
	c->tmp = arena_new(0);
	c->recs = xmalloc((n ? n : 1) * sizeof(*c->recs));
	c->nrecs = n;
	for (size_t i = 0; i < n; i++) {
		const zrr_t *rr = &rrs[i];
		dnssec_rec_t *r = &c->recs[i];
		r->rr = rr;
		if (i > 0 && rr->owner_len == rrs[i - 1].owner_len &&
		    memcmp(rr->owner, rrs[i - 1].owner, rr->owner_len) == 0) {
			r->lname = c->recs[i - 1].lname;   /* file order keeps a name's records together */
		} else if (chain_has_upper(rr->owner, rr->owner_len)) {
			uint8_t *l = arena_memdup_bytes(c->tmp, rr->owner, rr->owner_len);
			dname_to_lower(l, l);
			r->lname = l;
		} else {
			r->lname = rr->owner;
		}
		r->crd = chain_canon_rdata(rr, c->tmp, &r->crdlen);
	}
	qsort(c->recs, n, sizeof(*c->recs), chain_rec_cmp);

	/* names, and what is occluded: canonical order puts a name's
	 * descendants right after it */
	cname_t *names = xmalloc((n ? n : 1) * sizeof(*names));
	size_t nnames = 0;
	const uint8_t *cut = NULL;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && (c->recs[j].lname == c->recs[i].lname ||
				 dname_equal(c->recs[j].lname, c->recs[i].lname)))
			j++;
		cname_t *nm = &names[nnames++];
		*nm = (cname_t){ .first = i, .n = j - i };
		const uint8_t *name = c->recs[i].lname;
		bool apex_name = dname_equal(name, apex);
		if (cut != NULL && dname_is_subdomain(name, cut)) {
			nm->occluded = true;
		} else {
			cut = NULL;
			nm->cut = !apex_name && chain_name_has(c, nm, LDNS_RR_TYPE_NS);
			nm->has_ds = chain_name_has(c, nm, LDNS_RR_TYPE_DS);
			if (nm->cut || chain_name_has(c, nm, LDNS_RR_TYPE_DNAME))
				cut = name;
		}
		i = j;
	}

	/* the RRsets to sign: authoritative data; at a cut only the DS */
	size_t capsets = 0;
	for (size_t k = 0; k < nnames; k++) {
		const cname_t *nm = &names[k];
		if (nm->occluded)
			continue;
		for (size_t i = nm->first; i < nm->first + nm->n;) {
			size_t j = i + 1;
			while (j < nm->first + nm->n && c->recs[j].rr->type == c->recs[i].rr->type)
				j++;
			if (!nm->cut || c->recs[i].rr->type == LDNS_RR_TYPE_DS)
				chain_set_push(c, &capsets, &c->recs[i], j - i);
			i = j;
		}
	}
	if (nsec3)
		chain_nsec3(c, names, nnames, apex, ttl, out);
	else
		chain_nsec(c, names, nnames, ttl, out);
	free(names);
	c->chain_recs = xmalloc((c->nchain ? c->nchain : 1) * sizeof(*c->chain_recs));
	for (size_t i = 0; i < c->nchain; i++) {
		c->chain_recs[i] = (dnssec_rec_t){ .rr = &c->chain[i], .lname = c->chain[i].owner,
						   .crd = c->chain[i].rdata,
						   .crdlen = c->chain[i].rdlen };
		chain_set_push(c, &capsets, &c->chain_recs[i], 1);
	}
	return 0;
}

void
dnssec_chain_free(dnssec_chain_t *c)
{
	free(c->recs);
	free(c->chain_recs);
	free(c->sets);
	arena_free(&c->tmp);
	memset(c, 0, sizeof(*c));
}

/* nsec.c -- denial proofs from a signed zone's NSEC/NSEC3 chain (nsec.h).
 * Runs on the query path: no allocation, no lock, no system call.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "nsec.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "dname.h"

int
nsec_canonical_cmp(const uint8_t *a, const uint8_t *b)
{
	/* label offsets, then compare from the rightmost label on */
	uint8_t la[DNAME_MAXLABELS], lb[DNAME_MAXLABELS];
	unsigned na = 0, nb = 0;
	for (unsigned p = 0; a[p] != 0 && na < DNAME_MAXLABELS; p += 1u + a[p])
		la[na++] = (uint8_t)p;
	for (unsigned p = 0; b[p] != 0 && nb < DNAME_MAXLABELS; p += 1u + b[p])
		lb[nb++] = (uint8_t)p;
	while (na > 0 && nb > 0) {
		const uint8_t *x = a + la[--na], *y = b + lb[--nb];
		unsigned m = x[0] < y[0] ? x[0] : y[0];
		int c = memcmp(x + 1, y + 1, m);
		if (c != 0)
			return c;
		if (x[0] != y[0])
			return x[0] < y[0] ? -1 : 1;
	}
	return (na > 0) - (nb > 0);
}

static int
rec_cmp(const nsec_rec_t *r, const uint8_t *key, bool nsec3)
{
	if (nsec3)
		return memcmp(r->key, key, NSEC3_HASH_LEN);
	return nsec_canonical_cmp(r->key, key);
}

/* qsort has no context argument: one comparator per kind of chain (zones
 * may be built by several threads at once). */
static int
sort_nsec(const void *pa, const void *pb)
{
	return rec_cmp(pa, ((const nsec_rec_t *)pb)->key, false);
}

static int
sort_nsec3(const void *pa, const void *pb)
{
	return rec_cmp(pa, ((const nsec_rec_t *)pb)->key, true);
}

void
nsec_index_build(nsec_index_t *x, nsec_rec_t *recs, size_t n)
{
	qsort(recs, n, sizeof(*recs), x->nsec3 ? sort_nsec3 : sort_nsec);
	x->recs = recs;
	x->nrecs = n;
}

void
nsec3_hash(const nsec_index_t *x, const uint8_t *name, uint8_t out[NSEC3_HASH_LEN])
{
	uint8_t buf[DNAME_MAXLEN + 255];
	size_t len = dname_length(name);
	memcpy(buf, name, len);
	memcpy(buf + len, x->salt, x->salt_len);
	SHA1(buf, len + x->salt_len, out);
	for (unsigned i = 0; i < x->iterations; i++) {
		memcpy(buf, out, NSEC3_HASH_LEN);
		memcpy(buf + NSEC3_HASH_LEN, x->salt, x->salt_len);
		SHA1(buf, NSEC3_HASH_LEN + x->salt_len, out);
	}
}

/* The record whose key equals key (*exact) or else the one that covers it:
 * the last one before it, wrapping round to the last of the chain. */
static const nsec_rec_t *
find(const nsec_index_t *x, const uint8_t *key, bool *exact)
{
	size_t lo = 0, hi = x->nrecs;   /* first index with rec > key ... */
	*exact = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rec_cmp(&x->recs[mid], key, x->nsec3);
		if (c == 0) {
			*exact = true;
			return &x->recs[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &x->recs[lo > 0 ? lo - 1 : x->nrecs - 1];
}

/* The key of a name: itself (NSEC) or its hash (NSEC3). */
static const uint8_t *
key_of(const nsec_index_t *x, const uint8_t *name, uint8_t *hash)
{
	if (!x->nsec3)
		return name;
	nsec3_hash(x, name, hash);
	return hash;
}

typedef struct pw {
	const nsec_index_t *x;
	const nsec_rec_t *done[4];
	unsigned ndone;
	uint8_t *out;
	size_t cap, len;
	uint16_t count;
	bool full;
} pw_t;

static void
pw_add(pw_t *w, const nsec_rec_t *r)
{
	for (unsigned i = 0; i < w->ndone; i++)
		if (w->done[i] == r)
			return;
	if (w->ndone < 4)
		w->done[w->ndone++] = r;
	if (w->len + r->len > w->cap) {
		w->full = true;
		return;
	}
	memcpy(w->out + w->len, r->wire, r->len);
	w->len += r->len;
	w->count = (uint16_t)(w->count + r->count);
}

/* The record that matches (want_match) or covers name, if the chain has one. */
static void
pw_name(pw_t *w, const uint8_t *name, bool want_match)
{
	uint8_t hash[NSEC3_HASH_LEN];
	bool exact;
	const nsec_rec_t *r = find(w->x, key_of(w->x, name, hash), &exact);
	if (exact == want_match)
		pw_add(w, r);
}

/* "*.<ce>" into buf; false if longer than a name may be. */
static bool
wildcard_of(const uint8_t *ce, uint8_t buf[DNAME_MAXLEN])
{
	size_t len = dname_length(ce);
	if (len + 2 > DNAME_MAXLEN)
		return false;
	buf[0] = 1;
	buf[1] = '*';
	memcpy(buf + 2, ce, len);
	return true;
}

/* The suffix of name one label longer than its suffix ce (the next closer name). */
static const uint8_t *
next_closer(const uint8_t *name, const uint8_t *ce)
{
	const uint8_t *p = name;
	while (p[0] != 0 && p + 1 + p[0] < ce)
		p += 1 + p[0];
	return p;
}

size_t
nsec_proof_write(const nsec_index_t *x, enum nsec_proof kind, const uint8_t *name,
		 const uint8_t *ce, uint8_t *out, size_t cap, uint16_t *count)
{
	pw_t w = { .x = x, .out = out, .cap = cap };
	if (x == NULL || x->nrecs == 0 || kind == NSEC_PROOF_NONE)
		return 0;
	uint8_t wild[DNAME_MAXLEN];
	bool have_wild = wildcard_of(ce, wild);
	if (kind == NSEC_PROOF_NODATA) {
		uint8_t hash[NSEC3_HASH_LEN];
		bool exact;
		const nsec_rec_t *r = find(x, key_of(x, name, hash), &exact);
		if (exact || !x->nsec3) {
			pw_add(&w, r);   /* NSEC: an empty non-terminal is covered (RFC 4035 3.1.3.2) */
		} else {
			/* no NSEC3 for the name (an opt-out delegation): the closest
			 * provable encloser and the next closer name (RFC 5155 7.2.4) */
			const uint8_t *p = name;
			while (p[0] != 0) {
				p += 1 + p[0];
				find(x, key_of(x, p, hash), &exact);
				if (exact)
					break;
			}
			pw_name(&w, p, true);
			pw_name(&w, next_closer(name, p), false);
		}
	} else if (!x->nsec3) {
		pw_name(&w, name, false);
		if (kind == NSEC_PROOF_NXDOMAIN && have_wild)
			pw_name(&w, wild, false);
		else if (kind == NSEC_PROOF_WILD_NODATA && have_wild)
			pw_name(&w, wild, true);
	} else {
		if (kind != NSEC_PROOF_WILDCARD)
			pw_name(&w, ce, true);
		pw_name(&w, next_closer(name, ce), false);
		if (kind == NSEC_PROOF_NXDOMAIN && have_wild)
			pw_name(&w, wild, false);
		else if (kind == NSEC_PROOF_WILD_NODATA && have_wild)
			pw_name(&w, wild, true);
	}
	if (w.full)
		return (size_t)-1;
	*count = (uint16_t)(*count + w.count);
	return w.len;
}

/* dnssec_sign.c -- online signing of a zone's final records: the chain
 * (dnssec_chain.h), the signatures (ldns, on every core), the signature
 * cache. The design is in dnssec_sign.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dnssec_sign.h"

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "dname.h"
#include "dnssec_chain.h"
#include "dnssec_keys.h"
#include "journal.h"   /* journal_rr_to_ldns, journal_rr_from_ldns */
#include "wire.h"

static bool
dnssec_sign_is_ours(uint16_t type)
{
	switch (type) {
	case LDNS_RR_TYPE_DNSKEY:
	case LDNS_RR_TYPE_RRSIG:
	case LDNS_RR_TYPE_NSEC:
	case LDNS_RR_TYPE_NSEC3:
	case LDNS_RR_TYPE_NSEC3PARAM:
	case LDNS_RR_TYPE_CDS:
	case LDNS_RR_TYPE_CDNSKEY:
		return true;
	default:
		return false;
	}
}

bool
dnssec_sign_check(const zonefile_t *zf, diag_t *d)
{
	bool ok = true;
	uint16_t seen[8];
	size_t nseen = 0;
	for (size_t i = 0; i < zf->count; i++) {
		const zrr_t *rr = &zf->rrs[i];
		if (!dnssec_sign_is_ours(rr->type))
			continue;
		ok = false;
		bool again = false;
		for (size_t k = 0; k < nseen; k++)
			again |= seen[k] == rr->type;
		if (again)
			continue;
		seen[nseen++] = rr->type;
		char *t = ldns_rr_type2str((ldns_rr_type)rr->type);
		diag_error(d, rr->file ? rr->file : zf->path, rr->line, "zone %s has dnssec-signing: "
			   "true but its file holds %s records: horizond makes the keys, signatures "
			   "and denial records itself (remove them, or serve the file as a zone "
			   "signed offline)", zf->origin_text, t ? t : "DNSSEC");
		free(t);
	}
	return ok;
}

bool
dnssec_sign_same(const conf_zone_t *a, const conf_zone_t *b)
{
	if (a->dnssec_signing != b->dnssec_signing)
		return false;
	return !a->dnssec_signing ||
	       (a->dnssec_algorithm == b->dnssec_algorithm && a->dnssec_ksk_zsk == b->dnssec_ksk_zsk &&
		a->dnssec_nsec3 == b->dnssec_nsec3 && a->dnssec_validity == b->dnssec_validity &&
		a->dnssec_zsk_lifetime == b->dnssec_zsk_lifetime &&
		strcmp(a->state_dir ? a->state_dir : "", b->state_dir ? b->state_dir : "") == 0);
}

/* ---------------------------------------------------------------------------
 * The served SOA serial (dnssec-serial)
 */

/* RFC 1982: is a newer than b? */
static bool
dnssec_sign_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

uint32_t
dnssec_sign_serial(int policy, const uint32_t *last, uint32_t source, time_t now)
{
	if (last == NULL)
		return source;   /* nothing served before: the zone file's serial */
	uint32_t next = *last + 1;
	if (policy == CONF_SERIAL_UNIXTIME) {
		next = (uint32_t)now;
	} else if (policy == CONF_SERIAL_DATE) {
		struct tm tm;
		time_t t = now;
		gmtime_r(&t, &tm);
		next = ((uint32_t)(tm.tm_year + 1900) * 10000u + (uint32_t)(tm.tm_mon + 1) * 100u +
			(uint32_t)tm.tm_mday) * 100u;
	}
	if (!dnssec_sign_serial_newer(next, *last))
		next = *last + 1;
	/* an operator who raised the file's serial past ours gets theirs */
	return dnssec_sign_serial_newer(source, next) ? source : next;
}

/* Where the serial is in a SOA's rdata (after the two names), or 0 if the
 * rdata is too short to hold one. */
static size_t
dnssec_sign_serial_offset(const zrr_t *soa)
{
	size_t p = dname_length(soa->rdata);
	p += dname_length(soa->rdata + p);
	return p + 20 <= soa->rdlen ? p : 0;
}

uint32_t
dnssec_sign_source_serial(const zonefile_t *zf)
{
	size_t p = zf->soa != NULL ? dnssec_sign_serial_offset(zf->soa) : 0;
	return p != 0 ? get32(zf->soa->rdata + p) : 0;
}

/* ---------------------------------------------------------------------------
 * The records we publish: DNSKEY, CDS, CDNSKEY, NSEC3PARAM
 */

static void
dnssec_sign_push(zrr_t **v, size_t *n, size_t *cap, const zrr_t *rr)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = *rr;
}

/* rr (freed here) as a record in a; false if ldns could not make it. */
static bool
dnssec_sign_add_ldns(ldns_rr *rr, arena_t *a, zrr_t **v, size_t *n, size_t *cap)
{
	zrr_t z = { 0 };
	bool ok = rr != NULL && journal_rr_from_ldns(rr, a, &z);
	ldns_rr_free(rr);
	if (ok)
		dnssec_sign_push(v, n, cap, &z);
	return ok;
}

/* DNSKEY of every published key; CDS (SHA-256) and CDNSKEY of the keys the
 * parent's DS points to (RFC 7344/8078), so that the parent can pick it up;
 * with NSEC3 the NSEC3PARAM (TTL 0, as BIND). */
static bool
dnssec_sign_add_keys(const dnssec_keyset_t *ks, bool nsec3, const uint8_t *apex, arena_t *a,
		     zrr_t **v, size_t *n, size_t *cap)
{
	bool ok = true;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ks->dnskeys); i++)
		ok &= dnssec_sign_add_ldns(ldns_rr_clone(ldns_rr_list_rr(ks->dnskeys, i)), a, v, n, cap);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ks->sep); i++) {
		const ldns_rr *key = ldns_rr_list_rr(ks->sep, i);
		ldns_rr *cds = ldns_key_rr2ds(key, LDNS_SHA256);
		if (cds != NULL) {
			ldns_rr_set_type(cds, LDNS_RR_TYPE_CDS);
			ldns_rr_set_ttl(cds, ldns_rr_ttl(key));
		}
		ok &= dnssec_sign_add_ldns(cds, a, v, n, cap);
		ldns_rr *cdnskey = ldns_rr_clone(key);
		ldns_rr_set_type(cdnskey, LDNS_RR_TYPE_CDNSKEY);
		ok &= dnssec_sign_add_ldns(cdnskey, a, v, n, cap);
	}
	if (nsec3) {
		static const uint8_t param[5] = { 1, 0, 0, 0, 0 };   /* SHA-1, flags 0, 0 iterations, no salt */
		zrr_t z = { .owner = arena_memdup_bytes(a, apex, dname_length(apex)),
			    .owner_len = (uint16_t)dname_length(apex),
			    .type = LDNS_RR_TYPE_NSEC3PARAM, .rclass = 1, .ttl = 0, .rdlen = 5,
			    .rdata = arena_memdup_bytes(a, param, 5) };
		dnssec_sign_push(v, n, cap, &z);
	}
	return ok;
}

/* ---------------------------------------------------------------------------
 * The signature cache: the last signing's RRSIGs per (owner, type), with a
 * digest of the RRset they cover, so that signing again after an update
 * only signs what changed.
 */

typedef struct sigent {
	const uint8_t *owner;    /* lower case, in the cache's arena */
	uint16_t type;           /* the covered type */
	uint8_t digest[32];      /* of the RRset when it was signed */
	uint32_t expire;         /* the earliest expiration of its RRSIGs */
	zrr_t *sigs;             /* in the cache's arena */
	size_t nsigs;
} sigent_t;

struct dnssec_sign_cache {
	arena_t *arena;
	sigent_t *ents;
	size_t n;
	uint32_t *table;         /* index + 1 into ents; 0: empty */
	uint32_t mask;
	size_t reused, made;     /* of the signing that made this cache */
};

void
dnssec_sign_cache_free(dnssec_sign_cache_t **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	arena_free(&(*cp)->arena);
	free((*cp)->ents);
	free((*cp)->table);
	free(*cp);
	*cp = NULL;
}

void
dnssec_sign_cache_stats(const dnssec_sign_cache_t *c, size_t *reused, size_t *made)
{
	*reused = c ? c->reused : 0;
	*made = c ? c->made : 0;
}

static uint32_t
dnssec_sign_key_hash(const uint8_t *owner, uint16_t type)
{
	uint32_t h = 2166136261u ^ type;   /* FNV-1a over the lower-case name */
	size_t len = dname_length(owner);
	for (size_t i = 0; i < len; i++)
		h = (h ^ owner[i]) * 16777619u;
	return h;
}

static const sigent_t *
dnssec_sign_cache_find(const dnssec_sign_cache_t *c, const uint8_t *owner, uint16_t type)
{
	if (c == NULL || c->table == NULL)
		return NULL;
	for (uint32_t k = dnssec_sign_key_hash(owner, type) & c->mask;; k = (k + 1) & c->mask) {
		if (c->table[k] == 0)
			return NULL;
		const sigent_t *e = &c->ents[c->table[k] - 1];
		if (e->type == type && dname_equal(e->owner, owner))
			return e;
	}
}

/* Index the entries (open addressing, load at most 1/2). */
static void
dnssec_sign_cache_index(dnssec_sign_cache_t *c)
{
	uint32_t size = 16;
	while (size < 2 * c->n)
		size *= 2;
	c->mask = size - 1;
	c->table = xcalloc(size, sizeof(*c->table));
	for (size_t i = 0; i < c->n; i++) {
		const sigent_t *e = &c->ents[i];
		uint32_t k = dnssec_sign_key_hash(e->owner, e->type) & c->mask;
		while (c->table[k] != 0)
			k = (k + 1) & c->mask;
		c->table[k] = (uint32_t)i + 1;
	}
}

/* ---------------------------------------------------------------------------
 * Signing: RRSIG rdata (RFC 4034 3.1, 3.1.8.1) over the canonical RRsets,
 * the signatures made by ldns (ldns_sign_public_buffer) on every core
 */

#define SIG_MAX 64   /* ECDSAP256SHA256 and Ed25519 signatures: 64 bytes */

typedef struct signer {
	ldns_key *key;
	uint16_t tag;
	uint8_t alg;
	bool sep;
} signer_t;

typedef struct setres {          /* per RRset */
	uint8_t digest[32];
	const sigent_t *reuse;   /* the cached signatures put back, or NULL */
} setres_t;

typedef struct sigjob {          /* one new signature */
	const dnssec_rrset_t *set;
	const signer_t *k;
	uint8_t sig[SIG_MAX];
	uint8_t len;             /* 0: failed */
} sigjob_t;

typedef struct signctx {
	const dnssec_chain_t *chain;
	const uint8_t *apex;
	size_t apex_len;
	uint32_t inception, expiration, keep_until;
	const signer_t *signers;
	size_t nsigners;
	const dnssec_sign_cache_t *old;
	EVP_MD *sha256;          /* fetched once: SHA256() fetches (and locks) per call */
	setres_t *res;
	sigjob_t *jobs;
} signctx_t;

/* The RRSIG rdata up to the signature: type covered, algorithm, labels,
 * original TTL, expiration, inception, key tag, signer. */
static size_t
dnssec_sign_header(uint8_t *out, const signctx_t *x, const dnssec_rrset_t *set, const signer_t *k)
{
	const dnssec_rec_t *r = &set->recs[0];
	unsigned labels = dname_label_count(r->lname);
	if (r->lname[0] == 1 && r->lname[1] == '*')
		labels--;   /* a wildcard's labels do not count the '*' */
	put16(out, r->rr->type);
	out[2] = k->alg;
	out[3] = (uint8_t)labels;
	put32(out + 4, r->rr->ttl);
	put32(out + 8, x->expiration);
	put32(out + 12, x->inception);
	put16(out + 16, k->tag);
	memcpy(out + 18, x->apex, x->apex_len);
	return 18 + x->apex_len;
}

/* The RRset in canonical wire form (RFC 4034 3.1.8.1: lower-case owner,
 * the RRset's TTL, canonical rdata, sorted) appended to b; false if b
 * cannot grow (ldns's writes do not grow a buffer: reserve first). */
static bool
dnssec_sign_rrset_wire(ldns_buffer *b, const dnssec_rrset_t *set)
{
	uint32_t ttl = set->recs[0].rr->ttl;
	for (size_t i = 0; i < set->n; i++) {
		const dnssec_rec_t *r = &set->recs[i];
		size_t nlen = dname_length(r->lname);
		if (!ldns_buffer_reserve(b, nlen + 10 + r->crdlen))
			return false;
		ldns_buffer_write(b, r->lname, nlen);
		ldns_buffer_write_u16(b, r->rr->type);
		ldns_buffer_write_u16(b, r->rr->rclass);
		ldns_buffer_write_u32(b, ttl);
		ldns_buffer_write_u16(b, r->crdlen);
		ldns_buffer_write(b, r->crd, r->crdlen);
	}
	return true;
}

/* Does key k sign RRsets of this type? KSK/ZSK: SEP keys sign the key
 * sets (DNSKEY, CDS, CDNSKEY), the others the rest; a CSK everything. */
static bool
dnssec_sign_key_for(const signctx_t *x, const signer_t *k, uint16_t type)
{
	bool keyset = type == LDNS_RR_TYPE_DNSKEY || type == LDNS_RR_TYPE_CDS ||
		      type == LDNS_RR_TYPE_CDNSKEY;
	bool any_sep = false, any_other = false;
	for (size_t i = 0; i < x->nsigners; i++) {
		any_sep |= x->signers[i].sep;
		any_other |= !x->signers[i].sep;
	}
	if (!any_sep || !any_other)
		return true;
	return keyset ? k->sep : !k->sep;
}

static size_t
dnssec_sign_nkeys_for(const signctx_t *x, uint16_t type)
{
	size_t n = 0;
	for (size_t i = 0; i < x->nsigners; i++)
		n += dnssec_sign_key_for(x, &x->signers[i], type);
	return n;
}

/* Pass 1, per RRset: its digest, and whether the cached signatures may be
 * put back -- unchanged RRset, more than half their validity left, one
 * from each key that signs this type now and none from another. */
static void
dnssec_sign_pass_digest(void *arg, size_t i, ldns_buffer *b)
{
	signctx_t *x = arg;
	const dnssec_rrset_t *set = &x->chain->sets[i];
	setres_t *r = &x->res[i];
	ldns_buffer_clear(b);
	r->reuse = NULL;
	if (!dnssec_sign_rrset_wire(b, set)) {
		memset(r->digest, 0, sizeof(r->digest));   /* signed anew, and that fails */
		return;
	}
	if (EVP_Digest(ldns_buffer_begin(b), ldns_buffer_position(b), r->digest, NULL, x->sha256,
		       NULL) != 1)
		memset(r->digest, 0, sizeof(r->digest));   /* matches no cached digest */
	uint16_t type = set->recs[0].rr->type;
	const sigent_t *e = dnssec_sign_cache_find(x->old, set->recs[0].lname, type);
	if (e == NULL || e->nsigs == 0 || memcmp(e->digest, r->digest, 32) != 0 ||
	    e->expire <= x->keep_until || e->nsigs != dnssec_sign_nkeys_for(x, type))
		return;
	for (size_t s = 0; s < e->nsigs; s++) {
		uint16_t tag = get16(e->sigs[s].rdata + 16);   /* RRSIG key tag */
		bool active = false;
		for (size_t k = 0; k < x->nsigners; k++)
			active |= x->signers[k].tag == tag && dnssec_sign_key_for(x, &x->signers[k], type);
		if (!active)
			return;
	}
	r->reuse = e;
}

/* Pass 2, per new signature. */
static void
dnssec_sign_pass_sign(void *arg, size_t i, ldns_buffer *b)
{
	signctx_t *x = arg;
	sigjob_t *j = &x->jobs[i];
	uint8_t head[18 + DNAME_MAXLEN];
	ldns_buffer_clear(b);
	size_t hl = dnssec_sign_header(head, x, j->set, j->k);
	j->len = 0;
	if (!ldns_buffer_reserve(b, hl))
		return;
	ldns_buffer_write(b, head, hl);
	if (!dnssec_sign_rrset_wire(b, j->set))
		return;
	ldns_rdf *sig = ldns_sign_public_buffer(b, j->k->key);
	if (sig != NULL && ldns_rdf_size(sig) <= SIG_MAX) {
		memcpy(j->sig, ldns_rdf_data(sig), ldns_rdf_size(sig));
		j->len = (uint8_t)ldns_rdf_size(sig);
	}
	ldns_rdf_deep_free(sig);
}

typedef struct pool {
	void (*fn)(void *, size_t, ldns_buffer *);
	void *arg;
	size_t n;
	atomic_size_t next;
} pool_t;

static void *
dnssec_sign_worker(void *arg)
{
	pool_t *p = arg;
	ldns_buffer *b = ldns_buffer_new(4096);
	if (b == NULL)
		return NULL;
	for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
		p->fn(p->arg, i, b);
	ldns_buffer_free(b);
	return NULL;
}

static unsigned sign_threads;   /* 0: one per core (dnssec_sign_set_threads) */

void
dnssec_sign_set_threads(unsigned n)
{
	sign_threads = n;
}

/* fn(arg, i) for i in [0, n) on every core (at most 8 threads; small jobs
 * on this one). Each index is done once, by one thread: results go to
 * their own slot, in order. */
static void
dnssec_sign_parallel(void (*fn)(void *, size_t, ldns_buffer *), void *arg, size_t n)
{
	pool_t p = { .fn = fn, .arg = arg, .n = n };
	atomic_init(&p.next, 0);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nt = sign_threads ? sign_threads : cores > 0 ? (unsigned)cores : 1;
	if (nt > 8)
		nt = 8;
	if (n < 256)
		nt = 1;
	pthread_t th[8];
	unsigned started = 0;
	for (unsigned t = 1; t < nt; t++)
		started += pthread_create(&th[started], NULL, dnssec_sign_worker, &p) == 0;
	dnssec_sign_worker(&p);   /* this thread too (and alone if none started) */
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* ---------------------------------------------------------------------------
 * Putting it together
 */

/* The owner for the RRSIGs of set (lower case, in a), shared with the
 * previous set's when it is the same name. */
static const uint8_t *
dnssec_sign_owner(const dnssec_rrset_t *set, arena_t *a, const uint8_t **last_src,
		  const uint8_t **last_copy)
{
	const uint8_t *l = set->recs[0].lname;
	if (*last_src == NULL || !dname_equal(*last_src, l)) {
		*last_src = l;
		*last_copy = arena_memdup_bytes(a, l, dname_length(l));
	}
	return *last_copy;
}

zonefile_t *
dnssec_sign_zonefile(const conf_zone_t *cz, const zonefile_t *zf, time_t now, uint32_t serial,
		     time_t *refresh_at, dnssec_sign_cache_t **cache, diag_t *d)
{
	if (!dnssec_sign_check(zf, d))
		return NULL;
	if (zf->soa == NULL) {
		diag_error(d, zf->path, 0, "zone %s: no SOA to sign", zf->origin_text);
		return NULL;
	}
	dnssec_keyset_t ks;
	if (dnssec_keys_get(cz, zf->origin_text, now, &ks, d) != 0)
		return NULL;
	arena_t *a = arena_new(0);
	/* the zone's records (SOA with the new serial), then ours */
	size_t nbase = zf->count, capbase = zf->count + 16;
	zrr_t *base = xmalloc(capbase * sizeof(*base));
	memcpy(base, zf->rrs, zf->count * sizeof(*base));
	size_t soa_i = (size_t)(zf->soa - zf->rrs), sp = dnssec_sign_serial_offset(zf->soa);
	if (sp != 0) {
		uint8_t *rd = arena_memdup_bytes(a, zf->soa->rdata, zf->soa->rdlen);
		put32(rd + sp, serial);
		base[soa_i].rdata = rd;
	}
	bool ok = dnssec_sign_add_keys(&ks, cz->dnssec_nsec3, zf->origin, a, &base, &nbase, &capbase);
	/* NSEC/NSEC3 TTL: the smaller of the SOA's TTL and minimum (RFC 9077) */
	uint32_t neg_ttl = zf->soa->ttl;
	if (sp != 0 && get32(base[soa_i].rdata + sp + 16) < neg_ttl)
		neg_ttl = get32(base[soa_i].rdata + sp + 16);
	dnssec_chain_t chain;
	dnssec_chain_build(&chain, base, nbase, zf->origin, cz->dnssec_nsec3, neg_ttl, a);

	/* the signature validity, with a jitter of up to a tenth of it */
	uint32_t jitter = 0;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = (uint32_t)now;
	uint32_t validity = cz->dnssec_validity - jitter % (cz->dnssec_validity / 10 + 1);
	size_t nsigners = ldns_key_list_key_count(ks.signing);
	signer_t *signers = xcalloc(nsigners ? nsigners : 1, sizeof(*signers));
	for (size_t i = 0; i < nsigners; i++) {
		ldns_key *k = ldns_key_list_key(ks.signing, i);
		signers[i] = (signer_t){ .key = k, .tag = ldns_key_keytag(k),
					 .alg = (uint8_t)ldns_key_algorithm(k),
					 .sep = (ldns_key_flags(k) & LDNS_KEY_SEP_KEY) != 0 };
	}
	signctx_t x = {
		.chain = &chain, .apex = zf->origin, .apex_len = dname_length(zf->origin),
		.inception = (uint32_t)(now - DNSSEC_SIGN_INCEPTION_SKEW),
		.expiration = (uint32_t)now + validity,
		.keep_until = (uint32_t)now + cz->dnssec_validity / 2,
		.signers = signers, .nsigners = nsigners,
		.old = cache != NULL ? *cache : NULL,
		.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL),
		.res = xmalloc((chain.nsets ? chain.nsets : 1) * sizeof(setres_t)),
	};
	ok = ok && nsigners > 0 && x.sha256 != NULL;
	dnssec_sign_parallel(dnssec_sign_pass_digest, &x, chain.nsets);
	size_t njobs = 0, nreused = 0;
	for (size_t i = 0; i < chain.nsets; i++)
		if (x.res[i].reuse == NULL)
			njobs += dnssec_sign_nkeys_for(&x, chain.sets[i].recs[0].rr->type);
		else
			nreused += x.res[i].reuse->nsigs;
	x.jobs = xmalloc((njobs ? njobs : 1) * sizeof(*x.jobs));
	size_t j = 0;
	for (size_t i = 0; i < chain.nsets; i++)
		for (size_t k = 0; x.res[i].reuse == NULL && k < nsigners; k++)
			if (dnssec_sign_key_for(&x, &signers[k], chain.sets[i].recs[0].rr->type))
				x.jobs[j++] = (sigjob_t){ .set = &chain.sets[i], .k = &signers[k] };
	dnssec_sign_parallel(dnssec_sign_pass_sign, &x, njobs);
	for (size_t i = 0; i < njobs && ok; i++)
		ok = x.jobs[i].len > 0;
	if (!ok)
		diag_error(d, zf->path, 0, "zone %s: signing failed%s", zf->origin_text,
			   nsigners == 0 ? " (no key signs now)" : "");

	zonefile_t *out = NULL;
	if (ok) {
		/* the signed zone: zf's records first (zonestore_own_signed copies
		 * them), ours, the chain, the RRSIGs in the order of the sets */
		out = arena_zalloc(a, sizeof(*out));
		*out = *zf;
		out->arena = a;
		out->count = nbase + chain.nchain + njobs + nreused;
		out->rrs = arena_alloc(a, out->count * sizeof(zrr_t));
		memcpy(out->rrs, base, nbase * sizeof(zrr_t));
		memcpy(out->rrs + nbase, chain.chain, chain.nchain * sizeof(zrr_t));
		out->soa = &out->rrs[soa_i];
		dnssec_sign_cache_t *nc = NULL;
		if (cache != NULL) {
			nc = xcalloc(1, sizeof(*nc));
			nc->arena = arena_new(0);
			nc->ents = xmalloc((chain.nsets ? chain.nsets : 1) * sizeof(*nc->ents));
		}
		size_t n = nbase + chain.nchain;
		uint32_t min_expire = x.expiration;
		const uint8_t *last_src = NULL, *last_copy = NULL, *clast_src = NULL, *clast_copy = NULL;
		uint8_t head[18 + DNAME_MAXLEN];
		j = 0;
		for (size_t i = 0; i < chain.nsets; i++) {
			const dnssec_rrset_t *set = &chain.sets[i];
			const uint8_t *owner = dnssec_sign_owner(set, a, &last_src, &last_copy);
			size_t first = n;
			const sigent_t *e = x.res[i].reuse;
			if (e != NULL) {
				for (size_t s = 0; s < e->nsigs; s++) {
					zrr_t *r = &out->rrs[n++];
					*r = e->sigs[s];
					r->owner = owner;
					r->rdata = arena_memdup_bytes(a, r->rdata, r->rdlen);
				}
				if (e->expire < min_expire)
					min_expire = e->expire;
			} else {
				for (; j < njobs && x.jobs[j].set == set; j++) {
					size_t hl = dnssec_sign_header(head, &x, set, x.jobs[j].k);
					uint8_t *rd = arena_alloc_bytes(a, hl + x.jobs[j].len);
					memcpy(rd, head, hl);
					memcpy(rd + hl, x.jobs[j].sig, x.jobs[j].len);
					out->rrs[n++] = (zrr_t){ .owner = owner,
								 .owner_len = (uint16_t)dname_length(owner),
								 .type = LDNS_RR_TYPE_RRSIG, .rclass = 1,
								 .ttl = set->recs[0].rr->ttl,
								 .rdlen = (uint16_t)(hl + x.jobs[j].len),
								 .rdata = rd };
				}
			}
			if (nc == NULL)
				continue;
			sigent_t *ce = &nc->ents[nc->n++];
			ce->owner = dnssec_sign_owner(set, nc->arena, &clast_src, &clast_copy);
			ce->type = set->recs[0].rr->type;
			memcpy(ce->digest, x.res[i].digest, 32);
			ce->expire = e != NULL ? e->expire : x.expiration;
			ce->nsigs = n - first;
			ce->sigs = arena_alloc(nc->arena, (ce->nsigs ? ce->nsigs : 1) * sizeof(zrr_t));
			for (size_t s = 0; s < ce->nsigs; s++) {
				ce->sigs[s] = out->rrs[first + s];
				ce->sigs[s].owner = ce->owner;
				ce->sigs[s].rdata = arena_memdup_bytes(nc->arena, ce->sigs[s].rdata,
								       ce->sigs[s].rdlen);
				ce->sigs[s].file = NULL;
			}
		}
		out->count = n;
		if (nc != NULL) {
			dnssec_sign_cache_index(nc);
			nc->reused = nreused;
			nc->made = njobs;
			dnssec_sign_cache_free(cache);
			*cache = nc;
		}
		/* signed again when the first signature has half the validity left */
		time_t refresh = (time_t)min_expire - (time_t)(cz->dnssec_validity / 2);
		if (ks.next_event != 0 && ks.next_event < refresh)
			refresh = ks.next_event;
		*refresh_at = refresh;
	} else {
		arena_free(&a);
		if (cache != NULL)
			dnssec_sign_cache_free(cache);   /* the next signing starts afresh */
	}
	EVP_MD_free(x.sha256);
	free(x.jobs);
	free(x.res);
	free(signers);
	dnssec_chain_free(&chain);
	free(base);
	dnssec_keys_free(&ks);
	return out;
}

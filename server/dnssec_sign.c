/* dnssec_sign.c -- online signing of a zone's final records with ldns. The
 * design is in dnssec_sign.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dnssec_sign.h"

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "arena.h"
#include "dname.h"
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

/* Add rr to the zone and to the list of records we add (both take it: the
 * zone owns it, the list only points). */
static bool
dnssec_sign_add(ldns_dnssec_zone *z, ldns_rr_list *added, ldns_rr *rr)
{
	if (rr == NULL || ldns_dnssec_zone_add_rr(z, rr) != LDNS_STATUS_OK) {
		ldns_rr_free(rr);
		return false;
	}
	ldns_rr_list_push_rr(added, rr);
	return true;
}

/* DNSKEY of every published key; CDS (SHA-256) and CDNSKEY of the keys the
 * parent's DS points to (RFC 7344/8078), so that the parent can pick it up. */
static bool
dnssec_sign_add_keys(ldns_dnssec_zone *z, ldns_rr_list *added, const dnssec_keyset_t *ks)
{
	bool ok = true;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ks->dnskeys); i++)
		ok &= dnssec_sign_add(z, added, ldns_rr_clone(ldns_rr_list_rr(ks->dnskeys, i)));
	for (size_t i = 0; i < ldns_rr_list_rr_count(ks->sep); i++) {
		const ldns_rr *key = ldns_rr_list_rr(ks->sep, i);
		ldns_rr *cds = ldns_key_rr2ds(key, LDNS_SHA256);
		if (cds != NULL) {
			ldns_rr_set_type(cds, LDNS_RR_TYPE_CDS);
			ldns_rr_set_ttl(cds, ldns_rr_ttl(key));
		}
		ok &= dnssec_sign_add(z, added, cds);
		ldns_rr *cdnskey = ldns_rr_clone(key);
		ldns_rr_set_type(cdnskey, LDNS_RR_TYPE_CDNSKEY);
		ok &= dnssec_sign_add(z, added, cdnskey);
	}
	return ok;
}

/* ---------------------------------------------------------------------------
 * The signature cache: the last signing's RRSIGs per (owner, type), with a
 * digest of the RRset they cover, so that signing again after an update
 * only signs what changed.
 */

typedef struct sigent {
	uint8_t owner[255];      /* lower case */
	uint8_t owner_len;
	uint16_t type;           /* the covered type */
	uint8_t digest[32];      /* of the RRset when it was signed */
	uint32_t expire;         /* the earliest expiration of its RRSIGs */
	zrr_t *sigs;             /* in the cache's arena */
	size_t nsigs;
} sigent_t;

struct dnssec_sign_cache {
	arena_t *arena;
	sigent_t *ents;
	size_t n, cap;
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

static size_t
dnssec_sign_key_lower(const ldns_rdf *owner, uint8_t *out)
{
	size_t n = ldns_rdf_size(owner);
	const uint8_t *p = ldns_rdf_data(owner);
	if (n > 255)
		n = 255;
	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
	return n;
}

static uint32_t
dnssec_sign_key_hash(const uint8_t *owner, size_t len, uint16_t type)
{
	uint32_t h = 2166136261u ^ type;   /* FNV-1a; label bytes are lower case already */
	for (size_t i = 0; i < len; i++)
		h = (h ^ owner[i]) * 16777619u;
	return h;
}

static const sigent_t *
dnssec_sign_cache_find(const dnssec_sign_cache_t *c, const uint8_t *owner, size_t len, uint16_t type)
{
	if (c == NULL || c->table == NULL)
		return NULL;
	for (uint32_t k = dnssec_sign_key_hash(owner, len, type) & c->mask;; k = (k + 1) & c->mask) {
		if (c->table[k] == 0)
			return NULL;
		const sigent_t *e = &c->ents[c->table[k] - 1];
		if (e->type == type && e->owner_len == len && memcmp(e->owner, owner, len) == 0)
			return e;
	}
}

/* The digest of a set of RRs as signed (type, class, TTL, rdata; the owner
 * is the cache key): SHA-256 per record, combined by XOR so the order does
 * not matter (an RRset holds no duplicates). */
static void
dnssec_sign_digest(const ldns_dnssec_rrs *rrs, const ldns_rr *single, uint8_t out[32])
{
	memset(out, 0, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t count = 0;
	for (;;) {
		const ldns_rr *rr = single != NULL ? single : rrs != NULL ? rrs->rr : NULL;
		if (rr == NULL || ctx == NULL)
			break;
		uint8_t head[8], md[32];
		ldns_write_uint16(head, (uint16_t)ldns_rr_get_type(rr));
		ldns_write_uint16(head + 2, (uint16_t)ldns_rr_get_class(rr));
		ldns_write_uint32(head + 4, ldns_rr_ttl(rr));
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		EVP_DigestUpdate(ctx, head, sizeof(head));
		for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
			uint8_t len[2];
			const ldns_rdf *f = ldns_rr_rdf(rr, i);
			ldns_write_uint16(len, (uint16_t)ldns_rdf_size(f));
			EVP_DigestUpdate(ctx, len, 2);
			EVP_DigestUpdate(ctx, ldns_rdf_data(f), ldns_rdf_size(f));
		}
		EVP_DigestFinal_ex(ctx, md, NULL);
		for (int i = 0; i < 32; i++)
			out[i] ^= md[i];
		count++;
		if (single != NULL)
			break;
		rrs = rrs->next;
	}
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 8; i++)
		out[i] ^= (uint8_t)(count >> (8 * i));
}

static void
dnssec_sign_cache_add(dnssec_sign_cache_t *c, const ldns_rdf *owner, uint16_t type,
		      const uint8_t digest[32], const ldns_dnssec_rrs *sigs)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->ents = xrealloc(c->ents, c->cap * sizeof(*c->ents));
	}
	sigent_t *e = &c->ents[c->n];
	e->owner_len = (uint8_t)dnssec_sign_key_lower(owner, e->owner);
	e->type = type;
	memcpy(e->digest, digest, 32);
	e->nsigs = 0;
	e->expire = UINT32_MAX;
	for (const ldns_dnssec_rrs *r = sigs; r != NULL; r = r->next)
		e->nsigs++;
	e->sigs = arena_alloc(c->arena, (e->nsigs ? e->nsigs : 1) * sizeof(*e->sigs));
	size_t k = 0;
	for (const ldns_dnssec_rrs *r = sigs; r != NULL; r = r->next) {
		if (!journal_rr_from_ldns(r->rr, c->arena, &e->sigs[k]))
			continue;
		uint32_t exp = ldns_rdf2native_int32(ldns_rr_rrsig_expiration(r->rr));
		e->expire = exp < e->expire ? exp : e->expire;
		k++;
	}
	e->nsigs = k;
	c->n++;
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
		uint32_t k = dnssec_sign_key_hash(e->owner, e->owner_len, e->type) & c->mask;
		while (c->table[k] != 0)
			k = (k + 1) & c->mask;
		c->table[k] = (uint32_t)i + 1;
	}
}

/* The cache of the signed zone z: every RRset's and NSEC/NSEC3 record's
 * signatures. *min_expire: the earliest expiration of any RRSIG. */
static dnssec_sign_cache_t *
dnssec_sign_cache_build(const ldns_dnssec_zone *z, uint32_t *min_expire)
{
	dnssec_sign_cache_t *c = xcalloc(1, sizeof(*c));
	c->arena = arena_new(0);
	*min_expire = UINT32_MAX;
	uint8_t digest[32];
	for (ldns_rbnode_t *node = ldns_rbtree_first(z->names); node != LDNS_RBTREE_NULL;
	     node = ldns_rbtree_next(node)) {
		const ldns_dnssec_name *name = node->data;
		for (const ldns_dnssec_rrsets *s = name->rrsets; s != NULL; s = s->next) {
			if (s->signatures == NULL)
				continue;
			dnssec_sign_digest(s->rrs, NULL, digest);
			dnssec_sign_cache_add(c, name->name, (uint16_t)s->type, digest, s->signatures);
		}
		if (name->nsec != NULL && name->nsec_signatures != NULL) {
			dnssec_sign_digest(NULL, name->nsec, digest);
			dnssec_sign_cache_add(c, ldns_rr_owner(name->nsec),
					      (uint16_t)ldns_rr_get_type(name->nsec), digest,
					      name->nsec_signatures);
		}
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->ents[i].expire < *min_expire)
			*min_expire = c->ents[i].expire;
	dnssec_sign_cache_index(c);
	return c;
}

/* May the cached signatures of e be served for the RRset with this digest
 * now? Unchanged RRset, more than half the validity left, and made by keys
 * that still sign. */
static bool
dnssec_sign_reusable(const sigent_t *e, const uint8_t digest[32], uint32_t keep_until,
		     const ldns_key_list *signing)
{
	if (e == NULL || e->nsigs == 0 || memcmp(e->digest, digest, 32) != 0 || e->expire <= keep_until)
		return false;
	for (size_t i = 0; i < e->nsigs; i++) {
		uint16_t tag = ldns_read_uint16(e->sigs[i].rdata + 16);   /* RRSIG key tag */
		bool active = false;
		for (size_t k = 0; k < ldns_key_list_key_count(signing); k++)
			active |= ldns_key_keytag(ldns_key_list_key(signing, k)) == tag;
		if (!active)
			return false;
	}
	return true;
}

/* Put the cached signatures of unchanged RRsets (nsec: of the NSEC records
 * instead) into z, and list them in reused. */
static void
dnssec_sign_reuse(ldns_dnssec_zone *z, const dnssec_sign_cache_t *c, bool nsec, uint32_t keep_until,
		  const ldns_key_list *signing, ldns_rr_list *reused)
{
	ldns_rr_list *put = ldns_rr_list_new();
	uint8_t digest[32], owner[255];
	for (ldns_rbnode_t *node = ldns_rbtree_first(z->names); node != LDNS_RBTREE_NULL;
	     node = ldns_rbtree_next(node)) {
		const ldns_dnssec_name *name = node->data;
		const sigent_t *e;
		if (nsec) {
			if (name->nsec == NULL)
				continue;
			size_t len = dnssec_sign_key_lower(ldns_rr_owner(name->nsec), owner);
			e = dnssec_sign_cache_find(c, owner, len, (uint16_t)ldns_rr_get_type(name->nsec));
			dnssec_sign_digest(NULL, name->nsec, digest);
			if (dnssec_sign_reusable(e, digest, keep_until, signing))
				for (size_t i = 0; i < e->nsigs; i++)
					ldns_rr_list_push_rr(put, journal_rr_to_ldns(&e->sigs[i]));
			continue;
		}
		size_t len = dnssec_sign_key_lower(name->name, owner);
		for (const ldns_dnssec_rrsets *s = name->rrsets; s != NULL; s = s->next) {
			e = dnssec_sign_cache_find(c, owner, len, (uint16_t)s->type);
			if (e == NULL)
				continue;
			dnssec_sign_digest(s->rrs, NULL, digest);
			if (dnssec_sign_reusable(e, digest, keep_until, signing))
				for (size_t i = 0; i < e->nsigs; i++)
					ldns_rr_list_push_rr(put, journal_rr_to_ldns(&e->sigs[i]));
		}
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(put); i++) {
		ldns_rr *rr = ldns_rr_list_rr(put, i);
		if (rr != NULL && ldns_dnssec_zone_add_rr(z, rr) == LDNS_STATUS_OK)
			ldns_rr_list_push_rr(reused, rr);
		else
			ldns_rr_free(rr);
	}
	ldns_rr_list_free(put);
}

/* ldns keeps every signature already in the zone (only reused ones are)
 * and makes none for its key; sig is NULL for an RRset without any (then
 * "no add" would stop every key). */
static int
dnssec_sign_keep(ldns_rr *sig, void *arg)
{
	(void)arg;
	return sig == NULL ? LDNS_SIGNATURE_LEAVE_ADD_NEW : LDNS_SIGNATURE_LEAVE_NO_ADD;
}

zonefile_t *
dnssec_sign_zonefile(const conf_zone_t *cz, const zonefile_t *zf, time_t now, uint32_t serial,
		     time_t *refresh_at, dnssec_sign_cache_t **cache, diag_t *d)
{
	if (!dnssec_sign_check(zf, d))
		return NULL;
	dnssec_keyset_t ks;
	if (dnssec_keys_get(cz, zf->origin_text, now, &ks, d) != 0)
		return NULL;
	ldns_dnssec_zone *z = ldns_dnssec_zone_new();
	ldns_rr_list *added = ldns_rr_list_new();
	bool ok = true;
	for (size_t i = 0; i < zf->count && ok; i++) {
		ldns_rr *rr = journal_rr_to_ldns(&zf->rrs[i]);
		if (rr != NULL && &zf->rrs[i] == zf->soa && ldns_rr_rd_count(rr) == 7)
			ldns_rdf_deep_free(ldns_rr_set_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32,
										     serial), 2));
		ok = rr != NULL && ldns_dnssec_zone_add_rr(z, rr) == LDNS_STATUS_OK;
		if (!ok) {
			ldns_rr_free(rr);
			diag_error(d, zf->rrs[i].file ? zf->rrs[i].file : zf->path, zf->rrs[i].line,
				   "zone %s: record cannot be signed (ldns does not read it)",
				   zf->origin_text);
		}
	}
	ok = ok && dnssec_sign_add_keys(z, added, &ks);
	/* the signature validity, with a jitter of up to a tenth of it */
	uint32_t jitter = 0;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = (uint32_t)now;
	uint32_t validity = cz->dnssec_validity - jitter % (cz->dnssec_validity / 10 + 1);
	uint32_t inception = (uint32_t)(now - DNSSEC_SIGN_INCEPTION_SKEW);
	uint32_t expiration = (uint32_t)now + validity;
	for (size_t i = 0; i < ldns_key_list_key_count(ks.signing); i++) {
		ldns_key *k = ldns_key_list_key(ks.signing, i);
		ldns_key_set_inception(k, inception);
		ldns_key_set_expiration(k, expiration);
	}
	ldns_status st = LDNS_STATUS_OK;
	const dnssec_sign_cache_t *old = cache != NULL ? *cache : NULL;
	uint32_t keep_until = (uint32_t)now + cz->dnssec_validity / 2;
	size_t nreused = 0;
	if (ok) {
		ldns_dnssec_zone_mark_glue(z);
		/* only the records ldns makes are listed: ours are in added already */
		ldns_rr_list *made = ldns_rr_list_new(), *reused = ldns_rr_list_new();
		if (old != NULL)
			dnssec_sign_reuse(z, old, false, keep_until, ks.signing, reused);
		if (cz->dnssec_nsec3) {
			/* the NSEC3 chain's signatures are made anew each time */
			st = ldns_dnssec_zone_sign_nsec3(z, made, ks.signing, dnssec_sign_keep, NULL,
							 LDNS_SHA1, 0, 0, 0, NULL);
		} else {
			/* ldns_dnssec_zone_sign in two steps, to put back the
			 * signatures of NSEC records that did not change */
			st = ldns_dnssec_zone_create_nsecs(z, made);
			if (st == LDNS_STATUS_OK && old != NULL)
				dnssec_sign_reuse(z, old, true, keep_until, ks.signing, reused);
			if (st == LDNS_STATUS_OK)
				st = ldns_dnssec_zone_create_rrsigs_flg(z, made, ks.signing,
									dnssec_sign_keep, NULL, 0);
		}
		nreused = ldns_rr_list_rr_count(reused);
		ldns_rr_list_push_rr_list(added, made);
		ldns_rr_list_push_rr_list(added, reused);
		ldns_rr_list_free(made);
		ldns_rr_list_free(reused);
		if (st != LDNS_STATUS_OK) {
			diag_error(d, zf->path, 0, "zone %s: signing failed: %s", zf->origin_text,
				   ldns_get_errorstr_by_id(st));
			ok = false;
		}
	}
	zonefile_t *out = NULL;
	if (ok) {
		arena_t *a = arena_new(0);
		out = arena_zalloc(a, sizeof(*out));
		*out = *zf;
		out->arena = a;
		size_t nadd = ldns_rr_list_rr_count(added);
		out->count = zf->count + nadd;
		out->rrs = arena_alloc(a, out->count * sizeof(*out->rrs));
		memcpy(out->rrs, zf->rrs, zf->count * sizeof(*zf->rrs));
		size_t n = zf->count;
		for (size_t i = 0; i < nadd; i++)   /* made by ldns: they always fit */
			n += journal_rr_from_ldns(ldns_rr_list_rr(added, i), a, &out->rrs[n]);
		out->count = n;
		out->soa = zf->soa ? &out->rrs[zf->soa - zf->rrs] : NULL;
		size_t sp = out->soa != NULL ? dnssec_sign_serial_offset(out->soa) : 0;
		if (sp != 0) {   /* the serial the SOA was signed with */
			uint8_t *rd = arena_memdup_bytes(a, out->soa->rdata, out->soa->rdlen);
			put32(rd + sp, serial);
			out->rrs[zf->soa - zf->rrs].rdata = rd;
		}
		uint32_t min_expire = expiration;
		if (cache != NULL) {
			dnssec_sign_cache_t *nc = dnssec_sign_cache_build(z, &min_expire);
			size_t nsigs = 0;
			for (size_t i = 0; i < nc->n; i++)
				nsigs += nc->ents[i].nsigs;
			nc->reused = nreused;
			nc->made = nsigs - nreused;
			dnssec_sign_cache_free(cache);
			*cache = nc;
		}
		/* signed again when the first signature has half the validity left */
		time_t refresh = (time_t)min_expire - (time_t)(cz->dnssec_validity / 2);
		if (ks.next_event != 0 && ks.next_event < refresh)
			refresh = ks.next_event;
		*refresh_at = refresh;
	}
	if (out == NULL && cache != NULL)
		dnssec_sign_cache_free(cache);   /* the next signing starts afresh */
	ldns_rr_list_free(added);
	ldns_dnssec_zone_deep_free(z);
	dnssec_keys_free(&ks);
	return out;
}

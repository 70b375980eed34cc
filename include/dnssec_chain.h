/* dnssec_chain.h -- what online signing signs: a zone's records in
 * canonical order (RFC 4034 6), grouped into the RRsets that get RRSIGs,
 * and the NSEC or NSEC3 chain (RFC 4034 4, RFC 5155 with RFC 9276's
 * parameters: SHA-1, no extra iterations, no salt, no opt-out).
 *
 * DESIGN. Straight from the zone store's wire records: one array of
 * pointers sorted canonically (owner, type, canonical rdata), no tree and
 * no copy of the zone (ldns's ldns_dnssec_zone, which this replaces, held
 * the whole zone again as ldns objects: most of the signer's time and
 * memory). Owners and rdata are lowered only where they hold upper case or
 * names. Names below a zone cut or a DNAME are occluded: neither signed nor
 * in the chain; at a cut only the DS is signed. Pure: no keys, no
 * cryptography but the NSEC3 hash (OpenSSL's SHA-1).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DNSSEC_CHAIN_H
#define HZ_DNSSEC_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "zonefile.h"

typedef struct dnssec_rec {
	const zrr_t *rr;
	const uint8_t *lname;   /* the owner in lower case (may be rr->owner itself) */
	const uint8_t *crd;     /* the rdata in canonical form (RFC 4034 6.2) */
	uint16_t crdlen;
} dnssec_rec_t;

/* One RRset to sign: n records in canonical order. */
typedef struct dnssec_rrset {
	const dnssec_rec_t *recs;
	size_t n;
} dnssec_rrset_t;

typedef struct dnssec_chain {
	dnssec_rec_t *recs;       /* the zone's records, sorted canonically */
	size_t nrecs;
	zrr_t *chain;             /* the NSEC or NSEC3 records made (rdata in the out arena) */
	size_t nchain;
	dnssec_rec_t *chain_recs; /* ... as records, one RRset each */
	dnssec_rrset_t *sets;     /* every RRset to sign: the zone's, then the chain's */
	size_t nsets;
	arena_t *tmp;             /* lowered names and rdata; freed with the chain */
} dnssec_chain_t;

/* The chain of the n records rrs of the zone at apex (lower-case wire):
 * sorted, grouped, NSEC (nsec3 false) or NSEC3 records made with TTL ttl
 * into out (an arena that lives as long as the signed zone). The records
 * must include the DNSKEY, CDS, CDNSKEY and NSEC3PARAM records to publish
 * (they are in the apex's type bitmap and signed). Returns 0. */
int dnssec_chain_build(dnssec_chain_t *c, const zrr_t *rrs, size_t n, const uint8_t *apex,
		       bool nsec3, uint32_t ttl, arena_t *out);

/* Accepts a zeroed chain. */
void dnssec_chain_free(dnssec_chain_t *c);

/* The RFC 4034 4.1.2 type bitmap of types (sorted ascending, no
 * duplicates) into out (at least 8704 bytes); returns its length. */
size_t dnssec_chain_bitmap(const uint16_t *types, size_t n, uint8_t *out);

#endif

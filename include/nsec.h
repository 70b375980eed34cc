/* nsec.h -- the NSEC/NSEC3 chain of a signed zone, for denial proofs.
 *
 * DESIGN. Which NSEC or NSEC3 record proves that a name does not exist
 * depends on the query name, so NXDOMAIN and wildcard answers find it per
 * query. The zone compiler (zone.c) hands every NSEC (or NSEC3) RRset with its
 * RRSIGs to nsec_index_build(), which lays each one out as ready wire (owner
 * uncompressed) and sorts them: NSEC by owner in canonical order (RFC 4034
 * 6.1), NSEC3 by the raw hash. A proof is then a binary search -- no
 * allocation, no lock -- and a copy of the record's bytes. We chose the
 * search over a per-node "covering NSEC" table because the names asked for
 * are not in the zone: only a search over the chain's order can place them
 * (the same code serves the proofs built at zone build time, e.g. for the
 * target of a CNAME that does not exist). NSEC3 hashes the name per query
 * (SHA-1, RFC 5155 5; zones signed as RFC 9276 advises have no extra
 * iterations).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_NSEC_H
#define HZ_NSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define NSEC3_HASH_LEN 20   /* SHA-1, the only NSEC3 hash algorithm (RFC 5155) */

/* One NSEC/NSEC3 RRset and its RRSIGs, as wire records to append. */
typedef struct nsec_rec {
	const uint8_t *key;    /* NSEC: lower-case owner (wire); NSEC3: raw hash */
	const uint8_t *wire;
	uint16_t len;          /* bytes of wire */
	uint16_t count;        /* records in wire */
	uint8_t keylen;
} nsec_rec_t;

typedef struct nsec_index {
	bool nsec3;
	uint16_t iterations;   /* NSEC3 */
	uint8_t salt_len;
	uint8_t salt[255];
	const nsec_rec_t *recs;   /* sorted (see DESIGN) */
	size_t nrecs;
} nsec_index_t;

/* Kinds of proof (RFC 4035 3.1.3, RFC 5155 7.2). */
enum nsec_proof {
	NSEC_PROOF_NONE = 0,
	NSEC_PROOF_NXDOMAIN = 1,    /* the name and the wildcard at its closest encloser do not exist */
	NSEC_PROOF_WILDCARD = 2,    /* a wildcard answer: the name itself does not exist */
	NSEC_PROOF_WILD_NODATA = 3, /* and the wildcard has not the type */
	NSEC_PROOF_NODATA = 4,      /* the name exists without the type (also: no DS at a cut) */
};

/* Sort recs (n of them, allocated by the caller in arena-owned memory) and
 * fill x. NSEC3: iterations and salt from the NSEC3PARAM/NSEC3 record. */
void nsec_index_build(nsec_index_t *x, nsec_rec_t *recs, size_t n);

/* Compare two lower-case wire names in canonical DNS order (RFC 4034 6.1). */
int nsec_canonical_cmp(const uint8_t *a, const uint8_t *b);

/* The NSEC3 hash of a lower-case wire name with the index's parameters. */
void nsec3_hash(const nsec_index_t *x, const uint8_t *name, uint8_t out[NSEC3_HASH_LEN]);

/* Write the records of a proof of kind for name (lower-case wire) whose
 * closest encloser is the suffix ce of name (NXDOMAIN and wildcard kinds;
 * NODATA: ce = name) to out (cap bytes). Each record goes in once. Returns
 * the bytes written and adds the records to *count; (size_t)-1 if they do
 * not fit. */
size_t nsec_proof_write(const nsec_index_t *x, enum nsec_proof kind, const uint8_t *name,
			const uint8_t *ce, uint8_t *out, size_t cap, uint16_t *count);

#endif

/* dname.h -- domain names in wire form: parsing, hashing, comparing.
 *
 * Hand-written rather than ldns because this runs for every query: no
 * allocation, one pass over the name. Fuzzed through the query parser
 * (test/fuzz/fuzz_query.c).
 *
 * Names are hashed label by label from the right, so one pass over a query
 * name yields the hash of every suffix (www.example.com, example.com, com,
 * root): the lookup walks up the tree with no re-hashing. Names are read,
 * lower-cased and hashed eight bytes at a time (dname.c says how).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DNAME_H
#define HZ_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNAME_MAXLEN 255
#define DNAME_MAXLABELS 128

extern const uint8_t dname_lower[256];

/* Read an uncompressed name at pkt[*pos] (a query's question), lower-casing
 * it into lower (DNAME_MAXLEN bytes: up to 7 bytes behind the name may be
 * written, with zeros), recording the offset of each label in
 * offs, and, if hashes is not NULL, the hash of every suffix: hashes[i] for
 * the suffix starting at label i, hashes[nlabels] for the root (the array
 * needs DNAME_MAXLABELS + 1 entries). Compression pointers are rejected (a
 * question has nothing before it to point at). Returns the wire length
 * (>= 1), or -1 if malformed. */
int dname_parse_query(const uint8_t *pkt, size_t len, size_t *pos,
		      uint8_t *lower, uint8_t *offs, unsigned *nlabels,
		      uint32_t *hashes);

/* Hash of a whole wire name, as dname_parse_query() computes it. Seeded at
 * random per process (before main() runs): never store it outside the
 * process. The cache keys on it too (cache.h). */
uint32_t dname_hash(const uint8_t *name);

/* Check a possibly compressed name at msg[*pos] inside a message of lim
 * bytes, and advance *pos past it as it sits there. Every pointer must go
 * strictly backwards and not into the header, and the expanded name must be
 * at most 255 bytes; false otherwise. For records we only step over or
 * check (EDNS, upstream answers), never on the question. */
bool dname_skip_wire(const uint8_t *msg, size_t lim, size_t *pos);

/* The same, and false if the name, followed through its pointers, touches a
 * byte whose bit is set in avoid (one bit per message byte). The cache uses
 * it so no name can lean on a TTL field it rewrites later. */
bool dname_skip_wire_avoid(const uint8_t *msg, size_t lim, size_t *pos, const uint8_t *avoid);

/* Wire length of a valid uncompressed name (including the root byte). */
size_t dname_length(const uint8_t *name);
unsigned dname_label_count(const uint8_t *name);   /* root: 0 */

void dname_to_lower(uint8_t *dst, const uint8_t *src);   /* dst may equal src */

/* Case-insensitive equality of two valid wire names. */
bool dname_equal(const uint8_t *a, const uint8_t *b);

/* Is name equal to or below parent (case-insensitive)? */
bool dname_is_subdomain(const uint8_t *name, const uint8_t *parent);

/* Text form for logs, "www.example.com." (buf >= 1024 is always enough). */
void dname_to_text(const uint8_t *name, char *buf, size_t size);

#endif

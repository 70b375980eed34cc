/* dnssec_sign.h -- online signing: a zone's final records in, signed
 * records out (docs/dnssec.md "Online signing").
 *
 * DESIGN. The zone store (zonestore.c) calls dnssec_sign_zonefile() at the
 * one point where a zone's records are final -- after the NAT translation,
 * the journal replay and each dynamic update -- and hands the result to the
 * zone compiler (zone_build) exactly like a zone signed offline. The keys
 * come from dnssec_keys.h (per zone name: every view signs with the same
 * keys). The records are sorted canonically and chained (NSEC, or NSEC3
 * with the RFC 9276 parameters: SHA-1, no extra iterations, no salt, no
 * opt-out) by dnssec_chain.h straight from the wire records, with no copy
 * of the zone; ldns makes the signatures (ldns_sign_public_buffer), on
 * every core. With a signature cache the RRSIGs of RRsets (and NSEC/NSEC3
 * records) that did not change since the last signing are put back instead
 * of made again: an update costs the zone's size in sorting, digests and
 * chain building, and new signatures only for what it changed (figures in
 * docs/performance.md).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DNSSEC_SIGN_H
#define HZ_DNSSEC_SIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "diag.h"
#include "zonefile.h"

/* Signatures are made valid from an hour before now (clock skew) to
 * now + cz->dnssec_validity - jitter, the jitter (up to a tenth of the
 * validity) spreading the refresh of zones signed at the same moment; the
 * zone is due for signing again when half the validity is left. */
#define DNSSEC_SIGN_INCEPTION_SKEW 3600

/* Records dnssec-signing makes itself and a zone file must not hold
 * (DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM, CDS, CDNSKEY): one FILE:LINE
 * error per record type found. Returns true if there is none. */
bool dnssec_sign_check(const zonefile_t *zf, diag_t *d);

/* Sign zf for cz at time now, its SOA serial set to serial. Returns the
 * signed zone: zf's records (the result points into zf: free it first,
 * with zonefile_free; its SOA carries the new serial) followed by the
 * DNSKEY, CDS, CDNSKEY, RRSIG, NSEC or NSEC3 and NSEC3PARAM records (file
 * NULL, line 0). *refresh_at: when the zone must be signed again (the
 * first signature has half the validity left, or the next key roll step). NULL with the errors reported
 * through d. */
/* The last signing's signatures of one zone (opaque; owned by the caller
 * of dnssec_sign_zonefile, freed with dnssec_sign_cache_free). */
typedef struct dnssec_sign_cache dnssec_sign_cache_t;

/* cache (may be NULL: sign everything): *cache (NULL at first) lends the
 * signatures of unchanged RRsets with more than half their validity left,
 * made by keys that still sign; it is replaced by this signing's cache (on
 * failure freed, so the next signing starts afresh). */
zonefile_t *dnssec_sign_zonefile(const conf_zone_t *cz, const zonefile_t *zf, time_t now,
				 uint32_t serial, time_t *refresh_at, dnssec_sign_cache_t **cache,
				 diag_t *d);

/* The SOA serial to serve when a zone is signed again (dnssec-serial,
 * CONF_SERIAL_*): the signatures changed, so the serial must rise for
 * secondaries to pick them up. last: the serial served before (NULL: none,
 * then the file's serial, source, is served); increment: last + 1;
 * unixtime: now; date: YYYYMMDD00 -- either if newer than last (RFC 1982),
 * else last + 1. A source newer than that (the operator raised the file's
 * serial) wins. */
uint32_t dnssec_sign_serial(int policy, const uint32_t *last, uint32_t source, time_t now);

/* The serial of zf's SOA (0 without one). */
uint32_t dnssec_sign_source_serial(const zonefile_t *zf);

/* Accepts NULL; clears *cp. */
void dnssec_sign_cache_free(dnssec_sign_cache_t **cp);

/* How many RRSIGs the signing that made c put back from the previous cache,
 * and how many it made (tests, logs). */
void dnssec_sign_cache_stats(const dnssec_sign_cache_t *c, size_t *reused, size_t *made);

/* Threads that make signatures (0, the default: one per core, at most 8;
 * benchmarks compare). */
void dnssec_sign_set_threads(unsigned n);

/* Do two zone configs sign the same way (a zone built for one may be
 * served for the other)? */
bool dnssec_sign_same(const conf_zone_t *a, const conf_zone_t *b);

#endif

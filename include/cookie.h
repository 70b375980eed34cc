/* cookie.h -- DNS COOKIE (RFC 7873) with interoperable server cookies
 * (RFC 9018: version 1, a timestamp, SipHash-2-4 of the client cookie, the
 * timestamp and the client address).
 *
 * DESIGN. The query path (query.c) only checks the option's length
 * (FORMERR when malformed) and notes where a good one is (cookie_note(), in
 * its cold path for queries with EDNS options); the network layer then calls
 * cookie_answer() on the built answer, which appends our COOKIE option (the
 * client cookie and a fresh server cookie) to the answer's OPT record, and
 * says whether the query's own server cookie was valid (rate limiting
 * exempts those clients: they proved their address). A query without a
 * COOKIE costs the network layer one thread-local compare.
 *
 * The secret: one master key from getrandom() per process; the SipHash key
 * of a server cookie is derived from it and the day of the cookie's
 * timestamp, so the key rotates every day without any shared state or lock,
 * and a cookie made yesterday is still checked with yesterday's key. A
 * server cookie is valid for COOKIE_MAX_AGE seconds (RFC 9018 4.3: one
 * hour), and up to 5 minutes in the future (clock steps).
 *
 * BADCOOKIE is never sent: a query with a wrong or stale server cookie is
 * answered normally, with a new server cookie (RFC 7873 5.2.3, as BIND does
 * unless require-server-cookie is set).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_COOKIE_H
#define HZ_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "query.h"

struct snapshot;

#define COOKIE_MAX_AGE 3600
#define COOKIE_OPTION_LEN (4 + 8 + 16)   /* what cookie_answer() appends */

/* Where query.c found a well-formed COOKIE in query q (one per thread,
 * taken by cookie_answer()). */
typedef struct cookie_seen {
	const uint8_t *q;
	uint16_t opt_at;           /* the OPT record (its owner byte) */
	uint16_t at, len;          /* the option's data: client cookie [+ server cookie] */
} cookie_seen_t;

extern _Thread_local cookie_seen_t cookie_seen;

/* Called by query.c for a query q with a COOKIE of len (8, 16..40) bytes of
 * data at q + at, in the OPT record at q + opt_at. */
void cookie_note(const uint8_t *q, size_t opt_at, size_t at, size_t len);

/* Did the query at q (the network layer's buffer) carry a COOKIE? */
static inline bool
cookie_noted(const uint8_t *q)
{
	return cookie_seen.q == q;
}

/* The answer ans[0..alen) to query q[0..qlen) from client `from`: append
 * our COOKIE option to its OPT record (if it ends in one and the option
 * fits the client's size, capped by the server's edns size over UDP, outmax
 * over TCP). *valid: the query's server cookie was ours and fresh. Returns
 * the answer's new length. Only after cookie_noted(q). */
size_t cookie_answer(const struct snapshot *snap, const uint8_t *q, size_t qlen,
		     const query_src_t *from, uint8_t *ans, size_t alen, size_t outmax,
		     bool *valid);

/* SipHash-2-4 (Aumasson and Bernstein) of m[0..len) with a 16-byte key,
 * from the reference description. Written here rather than taken from
 * libcrypto: OpenSSL's EVP_MAC "SIPHASH" allocates a context per
 * computation, and the answer path must not allocate. */
uint64_t cookie_siphash24(const uint8_t key[16], const uint8_t *m, size_t len);

/* The 16-byte RFC 9018 server cookie for client cookie cc, time ts (Unix
 * seconds) and client src, with SipHash key `secret`. */
void cookie_server_make(const uint8_t secret[16], const uint8_t cc[8], uint32_t ts,
			const struct sockaddr *src, uint8_t out[16]);

/* Is sc[0..sclen) a server cookie we made for cc and src, no older than
 * COOKIE_MAX_AGE at now (Unix seconds)? Uses the process's keys. */
bool cookie_server_valid(const uint8_t cc[8], const uint8_t *sc, size_t sclen,
			 const struct sockaddr *src, uint32_t now);

/* The process's server cookie for cc, src at now (Unix seconds). */
void cookie_server_now(const uint8_t cc[8], const struct sockaddr *src, uint32_t now,
		       uint8_t out[16]);

#endif

/* cookie.c -- DNS COOKIE: server cookies per RFC 9018 (see cookie.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "cookie.h"

#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "snapshot.h"
#include "wire.h"

_Thread_local cookie_seen_t cookie_seen;

void
cookie_note(const uint8_t *q, size_t opt_at, size_t at, size_t len)
{
	cookie_seen.q = q;
	cookie_seen.opt_at = (uint16_t)opt_at;
	cookie_seen.at = (uint16_t)at;
	cookie_seen.len = (uint16_t)len;
}

/* ---------------------------------------------------------------------------
 * SipHash-2-4 (https://131002.net/siphash/siphash.pdf)
 */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
cookie_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
cookie_siphash24(const uint8_t key[16], const uint8_t *m, size_t len)
{
	uint64_t k0 = cookie_le64(key), k1 = cookie_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	size_t full = len - len % 8;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t w = cookie_le64(m + i);
		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)m[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---------------------------------------------------------------------------
 * Server cookies
 */

void
cookie_server_make(const uint8_t secret[16], const uint8_t cc[8], uint32_t ts,
		   const struct sockaddr *src, uint8_t out[16])
{
	/* RFC 9018 4.4: Client Cookie | Version | Reserved | Timestamp | Client-IP */
	uint8_t m[8 + 8 + 16];
	memcpy(m, cc, 8);
	m[8] = 1;
	m[9] = m[10] = m[11] = 0;
	put32(m + 12, ts);
	size_t n = 16;
	if (src->sa_family == AF_INET) {
		memcpy(m + n, &((const struct sockaddr_in *)src)->sin_addr, 4);
		n += 4;
	} else if (src->sa_family == AF_INET6) {
		memcpy(m + n, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
		n += 16;
	}
	uint64_t h = cookie_siphash24(secret, m, n);
	memcpy(out, m + 8, 8);
	for (int i = 0; i < 8; i++)   /* as the reference writes it: little-endian */
		out[8 + i] = (uint8_t)(h >> (8 * i));
}

static uint8_t cookie_master[16];
static pthread_once_t cookie_once = PTHREAD_ONCE_INIT;

static void
cookie_master_init(void)
{
	if (getrandom(cookie_master, sizeof(cookie_master), 0) != (ssize_t)sizeof(cookie_master)) {
		/* no kernel randomness (never on Linux >= 3.17): cookies still
		 * work, but are only as unguessable as this */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t a = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ts.tv_sec;
		memcpy(cookie_master, &a, 8);
		memcpy(cookie_master + 8, &ts, 8);
	}
}

/* The SipHash key of day `day`: derived from the master key, so it rotates
 * daily with no shared state. */
static void
cookie_day_key(uint32_t day, uint8_t key[16])
{
	pthread_once(&cookie_once, cookie_master_init);
	uint8_t m[5];
	put32(m, day);
	for (int half = 0; half < 2; half++) {
		m[4] = (uint8_t)half;
		uint64_t h = cookie_siphash24(cookie_master, m, sizeof(m));
		for (int i = 0; i < 8; i++)
			key[half * 8 + i] = (uint8_t)(h >> (8 * i));
	}
}

void
cookie_server_now(const uint8_t cc[8], const struct sockaddr *src, uint32_t now, uint8_t out[16])
{
	uint8_t key[16];
	cookie_day_key(now / 86400, key);
	cookie_server_make(key, cc, now, src, out);
}

bool
cookie_server_valid(const uint8_t cc[8], const uint8_t *sc, size_t sclen,
		    const struct sockaddr *src, uint32_t now)
{
	if (sclen != 16 || sc[0] != 1)
		return false;
	uint32_t ts = get32(sc + 4);
	int32_t age = (int32_t)(now - ts);   /* serial number arithmetic (RFC 9018 4.3) */
	if (age > COOKIE_MAX_AGE || age < -300)
		return false;
	uint8_t key[16], want[16];
	cookie_day_key(ts / 86400, key);
	cookie_server_make(key, cc, ts, src, want);
	/* constant time: the hash must not be guessed byte by byte */
	uint8_t diff = 0;
	for (int i = 0; i < 16; i++)
		diff |= (uint8_t)(want[i] ^ sc[i]);
	return diff == 0;
}

size_t
cookie_answer(const snapshot_t *snap, const uint8_t *q, size_t qlen, const query_src_t *from,
	      uint8_t *ans, size_t alen, size_t outmax, bool *valid)
{
	cookie_seen_t seen = cookie_seen;
	cookie_seen.q = NULL;
	*valid = false;
	/* the note is this query's: the option really is where it says */
	if (seen.q != q || (size_t)seen.at + seen.len > qlen || seen.at < 4 ||
	    (size_t)seen.opt_at + 11 > qlen || get16(q + seen.opt_at + 1) != LDNS_RR_TYPE_OPT ||
	    get16(q + seen.at - 4) != LDNS_EDNS_COOKIE || get16(q + seen.at - 2) != seen.len)
		return alen;
	const uint8_t *cc = q + seen.at;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);   /* vDSO: no system call */
	uint32_t now = (uint32_t)ts.tv_sec;
	if (seen.len > 8)
		*valid = cookie_server_valid(cc, cc + 8, seen.len - 8u, from->src, now);

	/* our answer ends in its OPT record, without options (query.c, cache.c) */
	if (alen < 12 + 11 || get16(ans + 10) == 0 || ans[alen - 11] != 0 ||
	    get16(ans + alen - 10) != LDNS_RR_TYPE_OPT || get16(ans + alen - 2) != 0)
		return alen;
	size_t limit = outmax;
	if (!from->tcp) {
		size_t want = get16(q + seen.opt_at + 3);   /* the client's UDP size */
		if (want < 512)
			want = 512;
		if (want < limit)
			limit = want;
		if (snap->edns_size < limit)
			limit = snap->edns_size;
	}
	if (alen + COOKIE_OPTION_LEN > limit)
		return alen;   /* no room: answered without our cookie */
	uint8_t *p = ans + alen;
	put16(ans + alen - 2, COOKIE_OPTION_LEN);
	put16(p, LDNS_EDNS_COOKIE);
	put16(p + 2, 8 + 16);
	memcpy(p + 4, cc, 8);
	cookie_server_now(cc, from->src, now, p + 12);
	return alen + COOKIE_OPTION_LEN;
}

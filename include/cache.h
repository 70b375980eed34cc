/* cache.h -- the answer cache of one recursive view.
 *
 * DESIGN. A cache_t belongs to exactly one view and is never consulted for
 * another (the snapshot hands each recursive view its own). It is shared by
 * all worker threads: the table is split into shards, each with its own
 * mutex, hash table and LRU list, so workers rarely meet on a lock and every
 * worker sees what any worker fetched (one copy of each answer, and the hit
 * rate does not fall with the number of workers). A cache_t is refcounted: the
 * snapshot holds one reference, every forwarded query in flight holds one, and
 * a reload hands the same cache to the new snapshot's view of the same name
 * unless its forwarders or cache settings changed.
 *
 * What is stored is an upstream response cut down to what a client needs:
 * the answer, authority and additional sections as the upstream wrote them
 * (compression pointers stay valid because the question in front of them has
 * the same length in every reply), without the upstream's OPT record, with
 * every TTL clamped to [min-ttl, max-ttl] and the offset of each TTL field
 * kept so the TTLs can be counted down on output. Negative answers (NXDOMAIN,
 * NODATA) are cached per RFC 2308 for min(SOA TTL, SOA MINIMUM) when the
 * authority section carries the SOA, and not at all otherwise; never
 * longer than the view's cache-max-negative-ttl (BIND's max-ncache-ttl, 3 h by default), so a
 * flood of made-up names cannot pin the cache with day-long entries.
 *
 * Eviction is a segmented LRU per shard, with CLOCK's second chance in
 * place of moving an entry on every hit: a new entry is on probation, a hit
 * only marks it referenced, and eviction takes probation's oldest entry
 * first; a referenced one is spared, moving to the protected list (at most
 * 3/4 of the shard; its oldest entries fall back to probation unless
 * referenced again). So a flood of names asked once cannot flush the
 * entries clients keep asking for, and a hit writes no list links.
 *
 * Keys: (lower-case qname, qtype, qclass, DO, CD). Time is passed in by the
 * caller (milliseconds on a monotonic clock) so tests can inject it.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_CACHE_H
#define HZ_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cache cache_t;

/* Key bits besides name, type and class. */
#define CACHE_KEY_DO 0x01
#define CACHE_KEY_CD 0x02

/* The key bits of a client's query: DO from its EDNS, CD from its header
 * (hdr: at least 4 bytes). One definition for the query path's lookup and
 * the forwarder's. */
static inline uint8_t
cache_key_bits(bool edns_do, const uint8_t *hdr)
{
	return (uint8_t)((edns_do ? CACHE_KEY_DO : 0) | ((hdr[3] & 0x10) ? CACHE_KEY_CD : 0));
}

typedef struct cache_key {
	uint8_t name[255];         /* lower-case wire */
	uint8_t name_len;
	uint16_t qtype, qclass;
	uint8_t bits;              /* CACHE_KEY_DO | CACHE_KEY_CD */
} cache_key_t;

/* A key to look up without copying the name into a cache_key_t: a cache
 * hit builds none (the copy was a fifth of what a hit cost more than an
 * authoritative answer; bench/server_callgrind.sh, HZ_CG_MODE=cache), nor
 * hashes the name again: name_hash is the parser's (dname_parse_query()'s
 * hashes[0], dname_hash() of the name; seeded per process, dname.h). */
typedef struct cache_lookup {
	const uint8_t *name;       /* lower-case wire */
	size_t name_len;
	uint16_t qtype, qclass;
	uint8_t bits;
	uint32_t name_hash;        /* dname_hash(name) */
} cache_lookup_t;

/* The lookup key of a stored key (hashes its name). */
cache_lookup_t cache_key_lookup(const cache_key_t *k);

/* A parsed upstream response (also the cache entry). Opaque but for the
 * fields below; allocated as one block by cache_msg_parse(). */
typedef struct cache_msg {
	cache_key_t key;
	uint8_t rcode;
	bool ad;                   /* the upstream set AD */
	bool negative;             /* NXDOMAIN or NODATA */
	uint32_t ttl;              /* seconds it may be cached; 0: not cacheable */
	uint16_t ancount, nscount, arcount;
	size_t len;                /* section bytes */
	size_t len_noadd;          /* answer + authority only */
	uint64_t stored_ms;        /* set by cache_store */
	uint64_t expire_ms;        /* stored_ms + ttl seconds: gone from then on */
	uint64_t next_age_ms;      /* the TTLs in wire are counted down again from then */
	uint32_t wire_age;         /* seconds already taken off the TTLs in wire */
	/* QDCOUNT..ARCOUNT as they go in the header, without and with our OPT
	 * (one copy per reply that fits whole) */
	uint8_t counts[2][8];
	/* internal */
	uint64_t hash;             /* of the key (cache.c), set by cache_store */
	struct cache_msg *hnext, *lprev, *lnext;
	bool hot;                  /* on the protected list */
	bool ref;                  /* hit since it last came up for eviction */
	size_t size;               /* bytes charged to the cache */
	uint16_t nttl;
	uint16_t *ttl_pos;         /* offsets of the TTL fields in wire */
	uint8_t *wire;
} cache_msg_t;

/* What one client asked: its header (id, flags) and question bytes. */
typedef struct cache_client {
	const uint8_t *hdr;        /* at least 4 bytes: id, flags */
	const uint8_t *qsec;       /* question: name (client's case), type, class */
	size_t qsec_len;
	bool edns, edns_do;
	uint16_t edns_size;        /* what we advertise in our OPT */
	size_t limit;              /* the largest message the client takes */
} cache_client_t;

/* max_bytes: the memory bound (0: store nothing). min_ttl <= max_ttl;
 * max_neg_ttl caps negative answers after that clamp.
 * Built with the snapshot: out of memory aborts (arena.h); never NULL. */
cache_t *cache_new(unsigned long long max_bytes, uint32_t min_ttl, uint32_t max_ttl,
		   uint32_t max_neg_ttl);
void cache_ref(cache_t *c);
/* Drop a reference; frees at zero; clears *c. Accepts NULL. */
void cache_unref(cache_t **c);
/* Same settings (a reload may keep the cache)? */
bool cache_same_settings(const cache_t *c, unsigned long long max_bytes, uint32_t min_ttl,
			 uint32_t max_ttl, uint32_t max_neg_ttl);

/* Parse an upstream response msg[0..len) to the question key. Returns NULL
 * if it is malformed, does not answer that question, or is truncated. The
 * ID is the caller's business. Free with cache_msg_free() unless handed to
 * cache_store(). */
cache_msg_t *cache_msg_parse(const uint8_t *msg, size_t len, const cache_key_t *key,
			     uint32_t min_ttl, uint32_t max_ttl, uint32_t max_neg_ttl);
void cache_msg_free(cache_msg_t *m);
/* The TTL clamps of a cache (for cache_msg_parse). */
void cache_get_clamps(const cache_t *c, uint32_t *min_ttl, uint32_t *max_ttl,
		      uint32_t *max_neg_ttl);

/* Write the reply to a client from m, TTLs lowered by age_s seconds, into
 * out (at least 12 + qsec_len + 11 bytes). Limited to cl->limit: the
 * additional section goes first, then everything with TC set. RA is set, AA
 * clear, AD only if the upstream set it and the client asked with AD or DO. */
size_t cache_msg_write(const cache_msg_t *m, uint32_t age_s, const cache_client_t *cl,
		       uint8_t *out);

/* A reply with no records (SERVFAIL, REFUSED...) to a client. */
size_t cache_write_rcode(uint8_t rcode, const cache_client_t *cl, uint8_t *out);

/* Store m (the cache takes it over, also when it does not keep it: m->ttl
 * is 0, or m is larger than the cache). Replaces an entry with the same key.
 * Returns true if stored. */
bool cache_store(cache_t *c, cache_msg_t *m, uint64_t now_ms);

/* Look key up; if a fresh entry is there, write the reply for cl into out
 * and return its length. 0: miss (expired entries are removed). A stored
 * entry's TTLs are counted down in place, once per second of its age, not
 * on every hit. */
size_t cache_answer(cache_t *c, const cache_lookup_t *key, const cache_client_t *cl,
		    uint8_t *out, uint64_t now_ms);

/* Drop cached answers: every entry (name NULL), or every entry for the
 * lower-case wire name name[0..name_len), whatever its type (horizonctl
 * flush). Returns how many were dropped. Any thread. */
size_t cache_flush(cache_t *c, const uint8_t *name, size_t name_len);

typedef struct cache_stats {
	unsigned long long entries, bytes, max_bytes;
	unsigned long long hits, misses, stores, evictions;
} cache_stats_t;
void cache_get_stats(cache_t *c, cache_stats_t *out);

/* Milliseconds on the monotonic clock (coarse, cheap: the vDSO, no system
 * call). Inline: a cache hit reads it (a call was a tenth of what a hit
 * cost more than an authoritative answer). */
static inline uint64_t
cache_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif

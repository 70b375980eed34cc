/* cache.c -- the answer cache of one recursive view: parsing upstream
 * responses, sharded LRU store, replies with counted-down TTLs.
 *
 * See cache.h for the design. Every byte of an upstream response is
 * untrusted: names are walked with bounds checks, compression pointers must
 * point backwards into the message body (never into the header), and
 * records must fit the message.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "cache.h"

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "dname.h"
#include "wire.h"

#define CACHE_MAX_SHARDS 16
#define CACHE_SHARD_MIN (1u << 20)   /* a shard holds at least this much */
#define CACHE_SLOT_COST 16           /* bytes charged per entry for the table */

/* The shard lock: a futex mutex (Drepper, "Futexes Are Tricky", mutex 3).
 * Hand-written because a cache hit takes it on every recursive answer and
 * glibc's pthread_mutex_lock/unlock cost about 57 instructions a pair
 * (type dispatch, elision checks; bench/server_callgrind.sh, HZ_CG_MODE=
 * cache), this one about 8 uncontended. It blocks in the kernel when
 * contended, as a pthread mutex does: no spinning against a preempted
 * holder. State: 0 free, 1 held, 2 held with waiters. */
typedef struct cache_lock {
	_Atomic int state;
} cache_lock_t;

static void
cache_futex(_Atomic int *addr, int op, int val)
{
	syscall(SYS_futex, (int *)addr, op, val, NULL, NULL, 0);
}

static inline void
cache_lock(cache_lock_t *l)
{
	int c = 0;
	if (atomic_compare_exchange_strong_explicit(&l->state, &c, 1, memory_order_acquire,
						    memory_order_relaxed))
		return;
	if (c != 2)
		c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
	while (c != 0) {
		cache_futex(&l->state, FUTEX_WAIT_PRIVATE, 2);
		c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
	}
}

static inline void
cache_unlock(cache_lock_t *l)
{
	if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2)
		cache_futex(&l->state, FUTEX_WAKE_PRIVATE, 1);
}

typedef struct cache_shard {
	cache_lock_t lock;
	cache_msg_t **table;
	uint32_t mask;
	size_t count;
	size_t bytes, max_bytes;
	/* Segmented LRU with second chance: an entry starts on probation; a
	 * hit marks it referenced, and when it comes up for eviction it moves
	 * to the protected list instead, which holds at most
	 * CACHE_PROTECTED_SHARE of the shard (its oldest unreferenced entries
	 * fall back to probation). Eviction takes probation's oldest entry
	 * first, so a flood of names asked once (a random-name flood, negative
	 * answers) churns only probation and the entries clients keep asking
	 * for stay. */
	cache_msg_t lru;            /* probation; sentinel: lnext = most recent */
	cache_msg_t hot;            /* protected; sentinel */
	size_t hot_bytes;
	/* counted under the lock already held: no shared atomic written by
	 * every worker on every lookup (cache_get_stats sums the shards) */
	unsigned long long hits, misses;
} cache_shard_t;

#define CACHE_PROTECTED_SHARE(max) ((max) / 4 * 3)

struct cache {
	_Atomic unsigned refs;
	unsigned long long max_bytes;
	uint32_t min_ttl, max_ttl, max_neg_ttl;
	uint64_t seed;
	unsigned nshards;
	_Atomic unsigned long long stores, evictions;
	cache_shard_t shards[CACHE_MAX_SHARDS];
};

#define STAT_ADD(c, f) atomic_fetch_add_explicit(&(c)->f, 1, memory_order_relaxed)

/* ---------------------------------------------------------------------------
 * Parsing an upstream response
 */

/* Names inside rdata that may be compressed (wire.h): check them, and the
 * layout around them, so a reply never carries a pointer we did not vet. */
static bool
cache_check_rdata(const uint8_t *msg, size_t start, size_t end, uint16_t type,
		  const uint8_t *avoid)
{
	size_t p = start, skip, tail;
	unsigned names = wire_rdata_names(type, &skip, &tail);
	if (names > 0) {
		if (end - start < skip)
			return false;
		p += skip;
		for (unsigned i = 0; i < names; i++)
			if (!dname_skip_wire_avoid(msg, end, &p, avoid))
				return false;
		return p + tail == end;
	}
	switch (type) {
	case 64:  /* SVCB, HTTPS (RFC 9460): priority, then the target name */
	case 65:
		p += 2;
		return p < end && dname_skip_wire_avoid(msg, end, &p, avoid);
	case 1:   /* A */
		return end - start == 4;
	case 28:  /* AAAA */
		return end - start == 16;
	default:
		return true;
	}
}

static uint32_t
cache_clamp(uint32_t ttl, uint32_t min_ttl, uint32_t max_ttl)
{
	if (ttl > 0x7FFFFFFFu)   /* RFC 2181 8: the top bit set means zero */
		ttl = 0;
	if (ttl < min_ttl)
		ttl = min_ttl;
	if (ttl > max_ttl)
		ttl = max_ttl;
	return ttl;
}

cache_msg_t *
cache_msg_parse(const uint8_t *msg, size_t len, const cache_key_t *key,
		uint32_t min_ttl, uint32_t max_ttl, uint32_t max_neg_ttl)
{
	if (len < 12 || !(msg[2] & 0x80) || (msg[2] & 0x78) != 0 || (msg[2] & 0x02))
		return NULL;   /* not a response, not QUERY, or truncated */
	if (get16(msg + 4) != 1)
		return NULL;
	/* The question: exactly the key's, case aside. */
	size_t qend = 12 + (size_t)key->name_len + 4;
	if (qend > len)
		return NULL;
	for (size_t i = 0; i < key->name_len; i++)
		if (dname_lower[msg[12 + i]] != key->name[i])
			return NULL;
	if (get16(msg + 12 + key->name_len) != key->qtype ||
	    get16(msg + 12 + key->name_len + 2) != key->qclass)
		return NULL;

	/* TTL fields are rewritten on output: a name whose compression
	 * pointers lead into one would change with the TTL, so such a message
	 * is refused (one bit per message byte; only upstream input, never on
	 * the authoritative path) */
	static _Thread_local uint8_t ttl_bytes[65536 / 8];
	memset(ttl_bytes, 0, (len + 7) / 8);

	unsigned counts[3] = { get16(msg + 6), get16(msg + 8), get16(msg + 10) };
	unsigned kept[3] = { 0, 0, 0 };
	size_t pos = qend, cut = 0, noadd = 0;
	unsigned nrr = 0;
	for (unsigned sec = 0; sec < 3; sec++) {
		if (sec == 2)
			noadd = pos;
		for (unsigned i = 0; i < counts[sec] && cut == 0; i++) {
			size_t rr = pos;
			if (!dname_skip_wire_avoid(msg, len, &pos, ttl_bytes) || pos + 10 > len)
				return NULL;
			for (size_t b = pos + 4; b < pos + 8; b++)
				ttl_bytes[b >> 3] |= (uint8_t)(1u << (b & 7));
			uint16_t type = get16(msg + pos);
			uint16_t rdlen = get16(msg + pos + 8);
			size_t rdata = pos + 10;
			if (rdata + rdlen > len)
				return NULL;
			if (type == LDNS_RR_TYPE_OPT || type == LDNS_RR_TYPE_TSIG) {
				if (sec != 2)
					return NULL;
				cut = rr;    /* ours replaces it; nothing after it is kept */
				break;
			}
			if (!cache_check_rdata(msg, rdata, rdata + rdlen, type, ttl_bytes))
				return NULL;
			pos = rdata + rdlen;
			kept[sec]++;
			nrr++;
		}
	}
	if (cut == 0) {
		if (pos != len)
			return NULL;   /* bytes after the last record */
		cut = pos;
	}

	size_t body = cut - qend;
	size_t size = sizeof(cache_msg_t) + body + nrr * sizeof(uint16_t);
	cache_msg_t *m = malloc(size);
	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->key = *key;
	m->size = size + CACHE_SLOT_COST;
	m->ttl_pos = (uint16_t *)(m + 1);
	m->wire = (uint8_t *)(m->ttl_pos + nrr);
	memcpy(m->wire, msg + qend, body);
	m->len = body;
	m->len_noadd = noadd - qend;
	m->ancount = (uint16_t)kept[0];
	m->nscount = (uint16_t)kept[1];
	m->arcount = (uint16_t)kept[2];
	m->rcode = msg[3] & 0x0F;
	m->ad = (msg[3] & 0x20) != 0;
	for (unsigned o = 0; o < 2; o++) {
		put16(m->counts[o], 1);
		put16(m->counts[o] + 2, m->ancount);
		put16(m->counts[o] + 4, m->nscount);
		put16(m->counts[o] + 6, (uint16_t)(m->arcount + o));
	}

	/* Second pass over what we kept: clamp TTLs, note where they are, and
	 * work out how long the whole answer may live. */
	uint32_t life = UINT32_MAX, neg = UINT32_MAX;
	bool negative = m->rcode == LDNS_RCODE_NXDOMAIN || (m->rcode == LDNS_RCODE_NOERROR && m->ancount == 0);
	pos = 0;
	for (unsigned i = 0; i < nrr; i++) {
		size_t p = qend + pos;
		dname_skip_wire(msg, len, &p);     /* validated above */
		size_t fixed = p - qend;
		uint16_t type = get16(m->wire + fixed);
		uint32_t orig = get32(m->wire + fixed + 4);
		uint32_t ttl = cache_clamp(orig, min_ttl, max_ttl);
		put32(m->wire + fixed + 4, ttl);
		m->ttl_pos[m->nttl++] = (uint16_t)(fixed + 4);
		if (ttl < life)
			life = ttl;
		uint16_t rdlen = get16(m->wire + fixed + 8);
		bool in_authority = i >= m->ancount && i < (unsigned)m->ancount + m->nscount;
		if (negative && type == LDNS_RR_TYPE_SOA && in_authority && rdlen >= 22) {
			/* RFC 2308 5: the lesser of the SOA's TTL and its MINIMUM */
			uint32_t minimum = get32(m->wire + fixed + 10 + rdlen - 4);
			uint32_t n = orig < minimum ? orig : minimum;
			n = cache_clamp(n, min_ttl, max_ttl);
			if (n > max_neg_ttl)
				n = max_neg_ttl;
			if (n < neg)
				neg = n;
			/* ...which is also the TTL the SOA is served with. */
			put32(m->wire + fixed + 4, n);
			if (n < life)
				life = n;
		}
		pos = fixed + 10 + rdlen;
	}
	if (negative) {
		m->negative = true;
		m->ttl = neg == UINT32_MAX ? 0 : (neg < life ? neg : life);
	} else if (m->rcode == LDNS_RCODE_NOERROR) {
		m->ttl = life == UINT32_MAX ? 0 : life;
	} else {
		m->ttl = 0;
	}
	return m;
}

void
cache_msg_free(cache_msg_t *m)
{
	free(m);
}

/* ---------------------------------------------------------------------------
 * Replies
 */

static size_t
cache_put_header(uint8_t *out, const cache_client_t *cl, uint8_t rcode, bool ad)
{
	out[0] = cl->hdr[0];
	out[1] = cl->hdr[1];
	out[2] = (uint8_t)(0x80 | (cl->hdr[2] & 0x01));              /* QR, RD copied */
	out[3] = (uint8_t)(0x80 | (ad ? 0x20 : 0) | (cl->hdr[3] & 0x10) | (rcode & 0x0F));
	put16(out + 4, 1);
	memset(out + 6, 0, 6);
	memcpy(out + 12, cl->qsec, cl->qsec_len);
	return 12 + cl->qsec_len;
}

static size_t
cache_put_opt(uint8_t *p, const cache_client_t *cl)
{
	p[0] = 0;
	put16(p + 1, LDNS_RR_TYPE_OPT);
	put16(p + 3, cl->edns_size);
	p[5] = 0;
	p[6] = 0;
	p[7] = cl->edns_do ? 0x80 : 0;
	p[8] = 0;
	put16(p + 9, 0);
	return 11;
}

size_t
cache_write_rcode(uint8_t rcode, const cache_client_t *cl, uint8_t *out)
{
	size_t n = cache_put_header(out, cl, rcode, false);
	if (cl->edns) {
		n += cache_put_opt(out + n, cl);
		put16(out + 10, 1);
	}
	return n;
}

size_t
cache_msg_write(const cache_msg_t *m, uint32_t age_s, const cache_client_t *cl, uint8_t *out)
{
	bool ad = m->ad && ((cl->hdr[3] & 0x20) || cl->edns_do);
	size_t head = cache_put_header(out, cl, m->rcode, ad);
	size_t opt = cl->edns ? 11 : 0;
	size_t body = m->len;
	uint16_t arcount = m->arcount;
	bool tc = false;
	if (head + body + opt > cl->limit) {
		if (head + m->len_noadd + opt <= cl->limit) {
			body = m->len_noadd;
			arcount = 0;
		} else {
			body = 0;
			tc = true;
		}
	}
	if (tc)
		out[2] |= 0x02;
	uint8_t *sec = out + head;
	if (body > 0) {
		memcpy(sec, m->wire, body);
		put16(out + 6, m->ancount);
		put16(out + 8, m->nscount);
		put16(out + 10, arcount);
		for (unsigned i = 0; age_s > 0 && i < m->nttl && m->ttl_pos[i] + 4u <= body; i++) {
			uint32_t ttl = get32(sec + m->ttl_pos[i]);
			put32(sec + m->ttl_pos[i], ttl > age_s ? ttl - age_s : 0);
		}
	}
	if (opt) {
		cache_put_opt(sec + body, cl);
		put16(out + 10, (uint16_t)(get16(out + 10) + 1));
	}
	return head + body + opt;
}

/* Copy n bytes between buffers that do not overlap: the short copies of
 * every cache hit (the question, a few records) a word at a time, the last
 * word overlapping the one before, instead of a call to memcpy each. */
static inline void
cache_copy(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n > 64) {
		memcpy(d, s, n);
	} else if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			memcpy(d + i, s + i, 8);   /* one load and one store */
		memcpy(d + n - 8, s + n - 8, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

/* A stored entry's reply (its TTLs counted down already, cache_age_wire):
 * when it fits whole, as cache_msg_write() writes it, with the header's
 * counts copied from the entry, the OPT record stored as two words and
 * no calls (a cache hit's reply cost more than an authoritative answer's;
 * bench/server_callgrind.sh, HZ_CG_MODE=cache). */
static inline size_t
cache_hit_write(const cache_msg_t *m, const cache_client_t *cl, uint8_t *out)
{
	size_t head = 12 + cl->qsec_len;
	size_t opt = cl->edns ? 11 : 0;
	if (__builtin_expect(head + m->len + opt > cl->limit, 0))
		return cache_msg_write(m, 0, cl, out);
	const uint8_t *hdr = cl->hdr;
	bool ad = m->ad && ((hdr[3] & 0x20) || cl->edns_do);
	out[0] = hdr[0];
	out[1] = hdr[1];
	out[2] = (uint8_t)(0x80 | (hdr[2] & 0x01));              /* QR, RD copied */
	out[3] = (uint8_t)(0x80 | (ad ? 0x20 : 0) | (hdr[3] & 0x10) | m->rcode);
	memcpy(out + 4, m->counts[opt != 0], 8);
	cache_copy(out + 12, cl->qsec, cl->qsec_len);
	cache_copy(out + head, m->wire, m->len);
	if (opt) {
		/* name 0, type OPT, our size, rcode 0, version 0, DO, Z, rdlen 0 */
		uint8_t *p = out + head + m->len;
		uint8_t o[12] = { 0, 0, 41, (uint8_t)(cl->edns_size >> 8), (uint8_t)cl->edns_size,
				  0, 0, cl->edns_do ? 0x80 : 0, 0, 0, 0, 0 };
		memcpy(p, o, 8);
		memcpy(p + 7, o + 7, 4);
	}
	return head + m->len + opt;
}

/* ---------------------------------------------------------------------------
 * The store
 */

cache_t *
cache_new(unsigned long long max_bytes, uint32_t min_ttl, uint32_t max_ttl, uint32_t max_neg_ttl)
{
	cache_t *c = xcalloc(1, sizeof(*c));   /* built with the snapshot: aborts */
	atomic_init(&c->refs, 1);
	c->max_bytes = max_bytes;
	c->min_ttl = min_ttl;
	c->max_ttl = max_ttl;
	c->max_neg_ttl = max_neg_ttl;
	if (getrandom(&c->seed, sizeof(c->seed), 0) != (ssize_t)sizeof(c->seed))
		c->seed = (uint64_t)(uintptr_t)c ^ cache_now_ms();
	/* Small caches get one shard, so the bound and LRU order are exact. */
	unsigned n = 1;
	while (n < CACHE_MAX_SHARDS && max_bytes / (n * 2ULL) >= CACHE_SHARD_MIN)
		n *= 2;
	c->nshards = n;
	for (unsigned i = 0; i < n; i++) {
		cache_shard_t *s = &c->shards[i];
		atomic_init(&s->lock.state, 0);
		s->max_bytes = (size_t)(max_bytes / n);
		s->lru.lnext = s->lru.lprev = &s->lru;
		s->hot.lnext = s->hot.lprev = &s->hot;
	}
	return c;
}

void
cache_ref(cache_t *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void
cache_unref(cache_t **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	cache_t *c = *cp;
	*cp = NULL;
	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < c->nshards; i++) {
		cache_shard_t *s = &c->shards[i];
		for (cache_msg_t *list = &s->lru; list != NULL; list = list == &s->lru ? &s->hot : NULL) {
			cache_msg_t *m = list->lnext;
			while (m != list) {
				cache_msg_t *next = m->lnext;
				free(m);
				m = next;
			}
		}
		free(s->table);
	}
	free(c);
}

bool
cache_same_settings(const cache_t *c, unsigned long long max_bytes, uint32_t min_ttl,
		    uint32_t max_ttl, uint32_t max_neg_ttl)
{
	return c->max_bytes == max_bytes && c->min_ttl == min_ttl && c->max_ttl == max_ttl &&
	       c->max_neg_ttl == max_neg_ttl;
}

void
cache_get_clamps(const cache_t *c, uint32_t *min_ttl, uint32_t *max_ttl, uint32_t *max_neg_ttl)
{
	*min_ttl = c->min_ttl;
	*max_ttl = c->max_ttl;
	*max_neg_ttl = c->max_neg_ttl;
}

cache_lookup_t
cache_key_lookup(const cache_key_t *k)
{
	return (cache_lookup_t){ k->name, k->name_len, k->qtype, k->qclass, k->bits,
				 dname_hash(k->name) };
}

/* The key's hash: the name's (seeded per process, so clients cannot aim
 * entries at one chain) with type, class and bits mixed in by one
 * multiply, its 128-bit product's halves folded. The name is not hashed
 * here: a hit takes the parser's hash (hashing it again with a seed of the
 * cache's own was a third of what a hit cost more than an authoritative
 * answer; bench/server_callgrind.sh, HZ_CG_MODE=cache). */
static inline uint64_t
cache_hash(const cache_t *c, const cache_lookup_t *k)
{
	uint64_t x = (uint64_t)k->name_hash << 32 | (uint64_t)k->qtype << 16 | k->qclass;
	__extension__ unsigned __int128 r =
		(unsigned __int128)(x ^ c->seed ^ (uint64_t)k->bits << 30) * 0x9e3779b97f4a7c15ull;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Names of equal length, a word at a time (the last word overlaps the one
 * before it; both names are readable for len bytes). */
static inline bool
cache_name_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y;
	if (len < 8) {
		for (size_t i = 0; i < len; i++)
			if (a[i] != b[i])
				return false;
		return true;
	}
	size_t i = 0;
	for (; i + 8 < len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	memcpy(&x, a + len - 8, 8);
	memcpy(&y, b + len - 8, 8);
	return x == y;
}

static inline bool
cache_key_equal(const cache_msg_t *m, uint64_t h, const cache_lookup_t *b)
{
	const cache_key_t *a = &m->key;
	return m->hash == h && a->name_len == b->name_len && a->qtype == b->qtype &&
	       a->qclass == b->qclass && a->bits == b->bits &&
	       cache_name_equal(a->name, b->name, a->name_len);
}

/* The link that points at k's entry (its stored hash compared first), or
 * at the NULL that ends k's chain. */
static inline cache_msg_t **
cache_slot(cache_shard_t *s, uint64_t h, const cache_lookup_t *k)
{
	cache_msg_t **pp = &s->table[(h >> 8) & s->mask];
	while (*pp != NULL && !cache_key_equal(*pp, h, k))
		pp = &(*pp)->hnext;
	return pp;
}

/* The link that points at m itself (m is in the table). */
static cache_msg_t **
cache_slot_of(cache_shard_t *s, const cache_msg_t *m)
{
	cache_msg_t **pp = &s->table[(m->hash >> 8) & s->mask];
	while (*pp != m)
		pp = &(*pp)->hnext;
	return pp;
}

static void
cache_lru_unlink(cache_msg_t *m)
{
	m->lprev->lnext = m->lnext;
	m->lnext->lprev = m->lprev;
}

/* Make m the most recent entry of list (the shard's lru or hot sentinel). */
static void
cache_list_push(cache_msg_t *list, cache_msg_t *m)
{
	m->lnext = list->lnext;
	m->lprev = list;
	list->lnext->lprev = m;
	list->lnext = m;
}

/* A new entry: on probation. */
static void
cache_lru_push(cache_shard_t *s, cache_msg_t *m)
{
	m->hot = false;
	m->ref = false;
	cache_list_push(&s->lru, m);
}

/* A hit only marks the entry referenced: no relinking, so the shard's list
 * heads and the neighbours' links are not written by every hit (they were
 * the most written lines of a cache hit, shared by all workers), and an
 * entry hit again writes nothing at all. Eviction gives referenced entries
 * their second chance (CLOCK, cache_make_room). */
static inline void
cache_hit(cache_msg_t *m)
{
	if (!m->ref)
		m->ref = true;
}

/* m (referenced on probation) becomes the most recent protected entry; the
 * protected list gives entries back to probation above its share, a
 * referenced one first goes round once more. Every step clears a ref bit
 * or moves an unreferenced entry, so this ends. */
static void
cache_protect(cache_shard_t *s, cache_msg_t *m)
{
	cache_lru_unlink(m);
	m->hot = true;
	m->ref = false;
	s->hot_bytes += m->size;
	cache_list_push(&s->hot, m);
	while (s->hot_bytes > CACHE_PROTECTED_SHARE(s->max_bytes) && s->hot.lprev != m) {
		cache_msg_t *old = s->hot.lprev;
		cache_lru_unlink(old);
		if (old->ref) {
			old->ref = false;
			cache_list_push(&s->hot, old);
			continue;
		}
		s->hot_bytes -= old->size;
		cache_lru_push(s, old);
	}
}

/* Remove the entry at *pp from table and list and free it. */
static void
cache_remove(cache_shard_t *s, cache_msg_t **pp)
{
	cache_msg_t *m = *pp;
	*pp = m->hnext;
	cache_lru_unlink(m);
	if (m->hot)
		s->hot_bytes -= m->size;
	s->bytes -= m->size;
	s->count--;
	free(m);
}

static void
cache_grow(cache_shard_t *s)
{
	uint32_t nsize = s->table == NULL ? 64 : (s->mask + 1) * 2;
	cache_msg_t **nt = calloc(nsize, sizeof(*nt));
	if (nt == NULL)
		return;   /* keep the old table; chains just get longer */
	for (uint32_t i = 0; s->table != NULL && i <= s->mask; i++) {
		cache_msg_t *m = s->table[i];
		while (m != NULL) {
			cache_msg_t *next = m->hnext;
			m->hnext = nt[(m->hash >> 8) & (nsize - 1)];
			nt[(m->hash >> 8) & (nsize - 1)] = m;
			m = next;
		}
	}
	free(s->table);
	s->table = nt;
	s->mask = nsize - 1;
}

bool
cache_store(cache_t *c, cache_msg_t *m, uint64_t now_ms)
{
	cache_lookup_t key = cache_key_lookup(&m->key);
	uint64_t h = cache_hash(c, &key);
	cache_shard_t *s = &c->shards[h & (c->nshards - 1)];
	if (m->ttl == 0 || m->size > s->max_bytes) {
		free(m);
		return false;
	}
	m->stored_ms = now_ms;
	m->expire_ms = now_ms + (uint64_t)m->ttl * 1000u;
	m->next_age_ms = now_ms + 1000u;
	m->wire_age = 0;
	m->hash = h;
	cache_lock(&s->lock);
	if (s->table == NULL || s->count >= (size_t)(s->mask + 1) / 4 * 3)
		cache_grow(s);
	if (s->table == NULL) {
		cache_unlock(&s->lock);
		free(m);
		return false;
	}
	cache_msg_t **pp = cache_slot(s, h, &key);
	if (*pp != NULL)
		cache_remove(s, pp);   /* *pp now holds the old entry's successor */
	m->hnext = *pp;
	*pp = m;
	cache_lru_push(s, m);
	s->bytes += m->size;
	s->count++;
	unsigned evicted = 0;
	while (s->bytes > s->max_bytes) {
		/* probation's least recent (never m, just stored), else
		 * protected's; a referenced one is spared once (CLOCK): from
		 * probation it is protected, on protected it goes round again.
		 * Each spare clears a ref bit that nothing sets meanwhile (we
		 * hold the lock), so the loop ends. */
		cache_msg_t *old = s->lru.lprev != &s->lru && s->lru.lprev != m ? s->lru.lprev
				 : s->hot.lprev != &s->hot ? s->hot.lprev : NULL;
		if (old == NULL)
			break;
		if (old->ref) {
			if (old->hot) {
				old->ref = false;
				cache_lru_unlink(old);
				cache_list_push(&s->hot, old);
			} else {
				cache_protect(s, old);
			}
			continue;
		}
		cache_remove(s, cache_slot_of(s, old));
		evicted++;
	}
	cache_unlock(&s->lock);
	STAT_ADD(c, stores);
	if (evicted)
		atomic_fetch_add_explicit(&c->evictions, evicted, memory_order_relaxed);
	return true;
}

/* Count m's TTLs down to its age in whole seconds, in place (under the
 * shard's lock), once now_ms reaches m->next_age_ms: a hit in the same
 * second as the one before copies the records unchanged and divides
 * nothing. No TTL reaches zero: each is at least m->ttl, and m is served
 * only while younger. A clock read a little behind another worker's never
 * counts back up (it is before next_age_ms). */
static void
cache_age_wire(cache_msg_t *m, uint64_t now_ms)
{
	uint32_t age_s = (uint32_t)((now_ms - m->stored_ms) / 1000u);
	m->next_age_ms = m->stored_ms + ((uint64_t)age_s + 1) * 1000u;
	if (age_s <= m->wire_age)
		return;
	uint32_t d = age_s - m->wire_age;
	for (unsigned i = 0; i < m->nttl; i++) {
		uint8_t *t = m->wire + m->ttl_pos[i];
		uint32_t ttl = get32(t);
		put32(t, ttl > d ? ttl - d : 0);
	}
	m->wire_age = age_s;
}

size_t
cache_answer(cache_t *c, const cache_lookup_t *key, const cache_client_t *cl, uint8_t *out,
	     uint64_t now_ms)
{
	uint64_t h = cache_hash(c, key);
	cache_shard_t *s = &c->shards[h & (c->nshards - 1)];
	size_t n = 0;
	cache_lock(&s->lock);
	if (s->table != NULL) {
		cache_msg_t **pp = cache_slot(s, h, key);
		cache_msg_t *m = *pp;
		if (m != NULL) {
			if (now_ms >= m->expire_ms) {
				cache_remove(s, pp);
			} else {
				cache_hit(m);
				if (now_ms >= m->next_age_ms)
					cache_age_wire(m, now_ms);
				n = cache_hit_write(m, cl, out);
			}
		}
	}
	if (n > 0)
		s->hits++;
	else
		s->misses++;
	cache_unlock(&s->lock);
	return n;
}

void
cache_get_stats(cache_t *c, cache_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	out->max_bytes = c->max_bytes;
	for (unsigned i = 0; i < c->nshards; i++) {
		cache_shard_t *s = &c->shards[i];
		cache_lock(&s->lock);
		out->entries += s->count;
		out->bytes += s->bytes;
		out->hits += s->hits;
		out->misses += s->misses;
		cache_unlock(&s->lock);
	}
	out->stores = atomic_load_explicit(&c->stores, memory_order_relaxed);
	out->evictions = atomic_load_explicit(&c->evictions, memory_order_relaxed);
}

size_t
cache_flush(cache_t *c, const uint8_t *name, size_t name_len)
{
	size_t removed = 0;
	for (unsigned i = 0; i < c->nshards; i++) {
		cache_shard_t *s = &c->shards[i];
		cache_lock(&s->lock);
		for (uint32_t k = 0; s->table != NULL && k <= s->mask; k++) {
			cache_msg_t **pp = &s->table[k];
			while (*pp != NULL) {
				const cache_key_t *key = &(*pp)->key;
				if (name == NULL ||
				    (key->name_len == name_len && memcmp(key->name, name, name_len) == 0)) {
					cache_remove(s, pp);   /* *pp is now the successor */
					removed++;
				} else {
					pp = &(*pp)->hnext;
				}
			}
		}
		cache_unlock(&s->lock);
	}
	return removed;
}

/* test_cache.c -- the per-view answer cache (TTL countdown and expiry with
 * injected time, clamps, RFC 2308 negative caching, size bound and LRU
 * eviction, separation between views, hostile upstream messages), the
 * recursive-view side of the query path (forward marking, RA, RFC 6303,
 * the canary) and the cache hand-over across a reload. Upstream responses
 * are built with ldns; replies are parsed back with ldns.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "dname.h"
#include "query.h"
#include "snapshot.h"
#include "zonestore.h"
#include "testlib.h"

#define SEC 1000ULL   /* cache time is in milliseconds */

/* ---------------------------------------------------------------------------
 * Helpers
 */

static void
make_key(cache_key_t *k, const char *name, uint16_t type)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	ck_assert_ptr_nonnull(d);
	memset(k, 0, sizeof(*k));
	k->name_len = (uint8_t)ldns_rdf_size(d);
	memcpy(k->name, ldns_rdf_data(d), k->name_len);
	dname_to_lower(k->name, k->name);
	k->qtype = type;
	k->qclass = LDNS_RR_CLASS_IN;
	ldns_rdf_deep_free(d);
}

static void
add_rr(ldns_pkt *p, ldns_pkt_section sec, const char *text)
{
	ldns_rr *rr = NULL;
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, sec, rr);
}

/* An upstream response to (name, type) with rcode and records
 * "S|text" where S is A(nswer), U(thority) or D (additional). */
static uint8_t *
response(const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, size_t *len,
	 const char *const *rrs)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN,
					 LDNS_RD);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, 4242);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rcode);
	for (; rrs != NULL && *rrs != NULL; rrs++) {
		ldns_pkt_section sec = (*rrs)[0] == 'A' ? LDNS_SECTION_ANSWER
				     : (*rrs)[0] == 'U' ? LDNS_SECTION_AUTHORITY
							: LDNS_SECTION_ADDITIONAL;
		add_rr(p, sec, *rrs + 2);
	}
	uint8_t *wire = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

/* A client's query, for the header and question bytes. */
static uint8_t client_q[512];
static size_t client_qlen;

static void
make_client(cache_client_t *cl, const char *name, ldns_rr_type type, size_t limit)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN,
					 LDNS_RD);
	ldns_pkt_set_id(p, 777);
	uint8_t *wire = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &client_qlen), LDNS_STATUS_OK);
	memcpy(client_q, wire, client_qlen);
	free(wire);
	ldns_pkt_free(p);
	memset(cl, 0, sizeof(*cl));
	cl->hdr = client_q;
	cl->qsec = client_q + 12;
	cl->qsec_len = client_qlen - 12;
	cl->edns_size = 1232;
	cl->limit = limit;
}

static ldns_pkt *
parse_reply(const uint8_t *out, size_t n)
{
	ldns_pkt *p = NULL;
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	return p;
}

static uint32_t
first_ttl(ldns_pkt *p, ldns_pkt_section sec)
{
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, sec);
	ck_assert_uint_gt(ldns_rr_list_rr_count(l), 0);
	uint32_t ttl = ldns_rr_ttl(ldns_rr_list_rr(l, 0));
	ldns_rr_list_deep_free(l);
	return ttl;
}

/* Parse and store a response in c at time now; returns the entry's ttl. */
static uint32_t
store(cache_t *c, const char *name, ldns_rr_type type, ldns_pkt_rcode rcode,
      const char *const *rrs, uint64_t now)
{
	cache_key_t k;
	make_key(&k, name, type);
	size_t len;
	uint8_t *wire = response(name, type, rcode, &len, rrs);
	uint32_t min_ttl, max_ttl, max_neg_ttl;
	cache_get_clamps(c, &min_ttl, &max_ttl, &max_neg_ttl);
	cache_msg_t *m = cache_msg_parse(wire, len, &k, min_ttl, max_ttl, max_neg_ttl);
	free(wire);
	ck_assert_ptr_nonnull(m);
	uint32_t ttl = m->ttl;
	cache_store(c, m, now);
	return ttl;
}

static uint8_t out[65535];

/* Look up name/type in c at time now; NULL on a miss. */
static ldns_pkt *
lookup(cache_t *c, const char *name, ldns_rr_type type, uint64_t now)
{
	cache_key_t k;
	make_key(&k, name, type);
	cache_client_t cl;
	make_client(&cl, name, type, 65535);
	size_t n = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&k) }, &cl, out, now);
	return n == 0 ? NULL : parse_reply(out, n);
}

/* ---------------------------------------------------------------------------
 * Cache tests
 */

START_TEST(ttl_countdown_and_expiry)
{
	cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
	const char *const rrs[] = { "A|www.example.net. 300 IN A 192.0.2.1", NULL };
	ck_assert_uint_eq(store(c, "www.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 1000 * SEC), 300);

	ldns_pkt *p = lookup(c, "www.example.net.", LDNS_RR_TYPE_A, 1000 * SEC);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_ANSWER), 300);
	ck_assert_uint_eq(ldns_pkt_id(p), 777);            /* the client's ID */
	ck_assert(ldns_pkt_ra(p));
	ck_assert(!ldns_pkt_aa(p));
	ldns_pkt_free(p);

	p = lookup(c, "www.example.net.", LDNS_RR_TYPE_A, 1100 * SEC + 500);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_ANSWER), 200);
	ldns_pkt_free(p);
	p = lookup(c, "www.example.net.", LDNS_RR_TYPE_A, 1299 * SEC + 999);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_ANSWER), 1);
	ldns_pkt_free(p);
	ck_assert_ptr_null(lookup(c, "www.example.net.", LDNS_RR_TYPE_A, 1300 * SEC));

	cache_stats_t st;
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 0);                   /* the expired entry is gone */
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.hits, 3);
	ck_assert_uint_eq(st.misses, 1);
	/* Other type, other key. */
	ck_assert_ptr_null(lookup(c, "www.example.net.", LDNS_RR_TYPE_AAAA, 1000 * SEC));
	cache_unref(&c);
	ck_assert_ptr_null(c);
}
END_TEST

/* A hit counts the stored TTLs down in place, once per second of age
 * (cache_age_wire): later hits take off only the seconds since, and a hit
 * timed a little earlier than the last (another worker's clock read) never
 * counts them back up. */
START_TEST(ttl_countdown_in_place)
{
	cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
	const char *const rrs[] = { "A|www.example.com. 300 IN A 192.0.2.1", NULL };
	ck_assert_uint_eq(store(c, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 0), 300);
	static const uint64_t at[] = { 0, 10 * SEC, 10 * SEC + 500, 9 * SEC, 25 * SEC, 25 * SEC };
	static const uint32_t want[] = { 300, 290, 290, 290, 275, 275 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		ldns_pkt *p = lookup(c, "www.example.com.", LDNS_RR_TYPE_A, at[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_ANSWER), want[i]);
		ldns_pkt_free(p);
	}
	cache_unref(&c);
}
END_TEST

START_TEST(ttl_clamps)
{
	cache_t *c = cache_new(1 << 20, 60, 100, 10800);
	const char *const low[] = { "A|low.example.net. 10 IN A 192.0.2.1", NULL };
	const char *const high[] = { "A|high.example.net. 5000 IN A 192.0.2.2", NULL };
	ck_assert_uint_eq(store(c, "low.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, low, 0), 60);
	ck_assert_uint_eq(store(c, "high.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, high, 0), 100);
	ldns_pkt *p = lookup(c, "low.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_ANSWER), 60);
	ldns_pkt_free(p);
	p = lookup(c, "high.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_ANSWER), 100);
	ldns_pkt_free(p);
	ck_assert_ptr_null(lookup(c, "high.example.net.", LDNS_RR_TYPE_A, 100 * SEC));
	cache_unref(&c);
}
END_TEST

START_TEST(negative_caching)
{
	cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
	/* NXDOMAIN: min(SOA TTL 3600, MINIMUM 30) = 30 s (RFC 2308 5). */
	const char *const nx[] = {
		"U|example.net. 3600 IN SOA ns.example.net. h.example.net. 1 3600 600 86400 30", NULL,
	};
	ck_assert_uint_eq(store(c, "nope.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, nx, 0), 30);
	ldns_pkt *p = lookup(c, "nope.example.net.", LDNS_RR_TYPE_A, 10 * SEC);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_AUTHORITY), 20);   /* negative TTL counts down */
	ldns_pkt_free(p);
	ck_assert_ptr_null(lookup(c, "nope.example.net.", LDNS_RR_TYPE_A, 30 * SEC));

	/* NODATA: SOA TTL 20 < MINIMUM 300 */
	const char *const nodata[] = {
		"U|example.net. 20 IN SOA ns.example.net. h.example.net. 1 3600 600 86400 300", NULL,
	};
	ck_assert_uint_eq(store(c, "www.example.net.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, nodata, 0), 20);
	p = lookup(c, "www.example.net.", LDNS_RR_TYPE_AAAA, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	/* A day-long negative TTL is cut to 3 h (BIND's max-ncache-ttl). */
	const char *const longneg[] = {
		"U|example.net. 86400 IN SOA ns.example.net. h.example.net. 1 3600 600 86400 86400", NULL,
	};
	ck_assert_uint_eq(store(c, "long.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, longneg, 0),
			  10800);
	p = lookup(c, "long.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(first_ttl(p, LDNS_SECTION_AUTHORITY), 10800);
	ldns_pkt_free(p);
	ck_assert_ptr_null(lookup(c, "long.example.net.", LDNS_RR_TYPE_A, 10800 * SEC));

	/* cache-max-negative-ttl: 600 cuts it to 10 minutes, positive TTLs
	 * still up to cache-max-ttl. */
	cache_t *short_neg = cache_new(1 << 20, 0, 86400, 600);
	ck_assert_uint_eq(store(short_neg, "long.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
				longneg, 0), 600);
	ck_assert_ptr_null(lookup(short_neg, "long.example.net.", LDNS_RR_TYPE_A, 600 * SEC));
	const char *const longpos[] = { "A|long.example.net. 86400 IN A 192.0.2.1", NULL };
	ck_assert_uint_eq(store(short_neg, "long.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
				longpos, 0), 86400);
	cache_unref(&short_neg);

	/* Without a SOA there is nothing to bound it: not cached. */
	cache_key_t k;
	make_key(&k, "nosoa.example.net.", LDNS_RR_TYPE_A);
	size_t len;
	uint8_t *wire = response("nosoa.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, &len, NULL);
	cache_msg_t *m = cache_msg_parse(wire, len, &k, 0, 86400, 10800);
	free(wire);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->ttl, 0);
	ck_assert(!cache_store(c, m, 0));
	ck_assert_ptr_null(lookup(c, "nosoa.example.net.", LDNS_RR_TYPE_A, 0));

	/* SERVFAIL is never cached. */
	make_key(&k, "fail.example.net.", LDNS_RR_TYPE_A);
	wire = response("fail.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, &len, NULL);
	m = cache_msg_parse(wire, len, &k, 0, 86400, 10800);
	free(wire);
	ck_assert_ptr_nonnull(m);
	ck_assert(!cache_store(c, m, 0));
	cache_unref(&c);
}
END_TEST

/* A flood of names asked once (a random-name flood) must not evict an entry
 * that clients ask for again (segmented LRU: hits are protected). */
START_TEST(flood_spares_hit_entries)
{
	cache_t *c = cache_new(8192, 0, 86400, 10800);
	const char *const pop[] = { "A|popular.example.net. 300 IN A 192.0.2.1", NULL };
	store(c, "popular.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, pop, 0);
	ldns_pkt *p = lookup(c, "popular.example.net.", LDNS_RR_TYPE_A, 0);   /* one hit */
	ck_assert_ptr_nonnull(p);
	ldns_pkt_free(p);
	char name[64], rr[128];
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "r%d.flood.example.net.", i);
		snprintf(rr, sizeof(rr), "U|example.net. 300 IN SOA ns.example.net. h.example.net. 1 2 3 4 %d",
			 300 + i);
		const char *const rrs[] = { rr, NULL };
		store(c, name, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, rrs, 0);
	}
	cache_stats_t st;
	cache_get_stats(c, &st);
	ck_assert_uint_gt(st.evictions, 400);
	ck_assert_uint_le(st.bytes, 8192);
	p = lookup(c, "popular.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_msg(p != NULL, "the flood evicted the entry that was being hit");
	ldns_pkt_free(p);
	/* the newest flood entry is there: probation still caches */
	p = lookup(c, "r499.flood.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_free(p);
	cache_unref(&c);
}
END_TEST

/* Hits only mark an entry referenced (no relinking per hit): eviction
 * gives it its second chance. An entry protected and hit again outlives
 * protected entries not hit since, when newer hit entries push the
 * protected list over its share; and a shard where every entry is
 * referenced still evicts within its bound. */
START_TEST(protected_entries_hit_again_stay)
{
	const unsigned long long bound = 8192;
	cache_t *c = cache_new(bound, 0, 86400, 10800);
	char name[64], rr[128];
	cache_stats_t st;
	const char *const one[] = { "A|a0.example.net. 300 IN A 192.0.2.1", NULL };
	store(c, "a0.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, one, 0);
	cache_get_stats(c, &st);
	unsigned k = (unsigned)(bound / 4 * 3 / st.bytes) * 2 / 3;   /* fits protected alone */
	ck_assert_uint_ge(k, 3);
	for (char g = 'a'; g <= 'b'; g++) {
		for (unsigned i = 0; i < k; i++) {
			snprintf(name, sizeof(name), "%c%u.example.net.", g, i);
			snprintf(rr, sizeof(rr), "A|%s 300 IN A 192.0.2.%u", name, i + 1);
			const char *const rrs[] = { rr, NULL };
			store(c, name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 0);
		}
		for (unsigned i = 0; i < k; i++) {
			snprintf(name, sizeof(name), "%c%u.example.net.", g, i);
			ldns_pkt *p = lookup(c, name, LDNS_RR_TYPE_A, 0);
			ck_assert_msg(p != NULL, "%s not cached", name);
			ldns_pkt_free(p);
		}
		if (g == 'b') {
			/* the a entries are protected by now: a0 is hit again */
			ldns_pkt *p = lookup(c, "a0.example.net.", LDNS_RR_TYPE_A, 0);
			ck_assert_ptr_nonnull(p);
			ldns_pkt_free(p);
		}
		for (int i = 0; i < 100; i++) {   /* names asked once */
			snprintf(name, sizeof(name), "%c%d.flood.example.net.", g, i);
			snprintf(rr, sizeof(rr), "U|example.net. 300 IN SOA ns.example.net. h.example.net. 1 2 3 4 %d",
				 300 + i);
			const char *const rrs[] = { rr, NULL };
			store(c, name, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, rrs, 0);
			cache_get_stats(c, &st);
			ck_assert_uint_le(st.bytes, bound);
		}
	}
	ldns_pkt *p = lookup(c, "a0.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_msg(p != NULL, "a0, protected and hit again, was evicted");
	ldns_pkt_free(p);
	ck_assert_msg(lookup(c, "a1.example.net.", LDNS_RR_TYPE_A, 0) == NULL,
		      "a1, not hit since it was protected, outlived newer hit entries");
	for (unsigned i = 0; i < k; i++) {
		snprintf(name, sizeof(name), "b%u.example.net.", i);
		p = lookup(c, name, LDNS_RR_TYPE_A, 0);
		ck_assert_msg(p != NULL, "%s evicted by names asked once", name);
		ldns_pkt_free(p);
	}

	/* Every entry referenced: storing more still evicts, within the bound. */
	cache_get_stats(c, &st);
	unsigned long long evicted = st.evictions;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 40; i++) {
			snprintf(name, sizeof(name), "h%d.example.net.", i);
			snprintf(rr, sizeof(rr), "A|%s 300 IN A 192.0.2.%d", name, i + 1);
			const char *const rrs[] = { rr, NULL };
			if (round == 0)
				store(c, name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 0);
			p = lookup(c, name, LDNS_RR_TYPE_A, 0);
			if (p != NULL)
				ldns_pkt_free(p);
			cache_get_stats(c, &st);
			ck_assert_uint_le(st.bytes, bound);
		}
	}
	cache_get_stats(c, &st);
	ck_assert_uint_gt(st.evictions, evicted + 20);
	cache_unref(&c);
}
END_TEST

/* Workers share a cache: the shard lock (cache.c's own futex mutex) must
 * keep its lists and counters whole. Threads store and look up the same few
 * names in a one-shard cache small enough to evict all the time; every
 * lookup is counted once (the counters are plain increments under the
 * lock: a lock that lets two holders in loses some), the bound holds, and
 * the lists survive (a torn relink crashes or loops in cache_unref). */
#define SHARE_NAMES 24
#define SHARE_THREADS 4
#define SHARE_ROUNDS 100000
static struct share_name {
	cache_key_t key;
	uint8_t *wire;
	size_t len;
	uint8_t qsec[DNAME_MAXLEN + 4];
} share[SHARE_NAMES];

static void *
share_worker(void *arg)
{
	cache_t *c = arg;
	uint8_t buf[1024];
	const uint8_t hdr[4] = { 0x12, 0x34, 0x01, 0x00 };
	uint32_t min_ttl, max_ttl, max_neg_ttl;
	cache_get_clamps(c, &min_ttl, &max_ttl, &max_neg_ttl);
	for (unsigned i = 0; i < SHARE_ROUNDS; i++) {
		/* every other lookup one of 3 names (hits), the rest all 24 in
		 * turn (more than the cache holds: misses, stores, evictions) */
		unsigned pick = (i & 1) ? i / 2 % 3 : (i * 7 + (unsigned)(uintptr_t)&buf % 5) % SHARE_NAMES;
		struct share_name *n = &share[pick];
		cache_client_t cl = { .hdr = hdr, .qsec = n->qsec, .qsec_len = n->key.name_len + 4u,
				      .limit = sizeof(buf) };
		if (cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&n->key) }, &cl, buf, 0) == 0) {
			cache_msg_t *m = cache_msg_parse(n->wire, n->len, &n->key, min_ttl, max_ttl,
							 max_neg_ttl);
			if (m == NULL)
				return "parse failed";
			cache_store(c, m, 0);
		}
	}
	return NULL;
}

START_TEST(shared_by_threads)
{
	const unsigned long long bound = 4096;
	cache_t *c = cache_new(bound, 0, 86400, 10800);
	char name[64], rr[128];
	for (unsigned i = 0; i < SHARE_NAMES; i++) {
		snprintf(name, sizeof(name), "t%u.example.net.", i);
		snprintf(rr, sizeof(rr), "A|%s 300 IN A 192.0.2.%u", name, i + 1);
		const char *const rrs[] = { rr, NULL };
		make_key(&share[i].key, name, LDNS_RR_TYPE_A);
		share[i].wire = response(name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, &share[i].len, rrs);
		memcpy(share[i].qsec, share[i].key.name, share[i].key.name_len);
		uint8_t *t = share[i].qsec + share[i].key.name_len;
		t[0] = 0, t[1] = 1, t[2] = 0, t[3] = 1;
	}
	pthread_t th[SHARE_THREADS];
	for (int i = 0; i < SHARE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, share_worker, c), 0);
	for (int i = 0; i < SHARE_THREADS; i++) {
		void *err = NULL;
		pthread_join(th[i], &err);
		ck_assert_msg(err == NULL, "%s", (const char *)err);
	}
	cache_stats_t st;
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.hits + st.misses, (unsigned long long)SHARE_THREADS * SHARE_ROUNDS);
	ck_assert_uint_gt(st.hits, 0);
	ck_assert_uint_gt(st.evictions, 0);
	ck_assert_uint_le(st.bytes, bound);
	ck_assert_uint_eq(cache_flush(c, NULL, 0), st.entries);
	for (unsigned i = 0; i < SHARE_NAMES; i++)
		free(share[i].wire);
	cache_unref(&c);
}
END_TEST

START_TEST(eviction_under_size_bound)
{
	const unsigned long long bound = 8192;
	cache_t *c = cache_new(bound, 0, 86400, 10800);
	char name[64], rr[128];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "host%d.example.net.", i);
		snprintf(rr, sizeof(rr), "A|host%d.example.net. 300 IN A 192.0.2.%d", i, i % 250);
		const char *const rrs[] = { rr, NULL };
		store(c, name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 0);
		/* Keep host0 recently used: LRU must spare it. */
		ldns_pkt *p = lookup(c, "host0.example.net.", LDNS_RR_TYPE_A, 0);
		ck_assert_msg(p != NULL, "host0 evicted at %d", i);
		ldns_pkt_free(p);
		cache_stats_t st;
		cache_get_stats(c, &st);
		ck_assert_uint_le(st.bytes, bound);
	}
	cache_stats_t st;
	cache_get_stats(c, &st);
	ck_assert_uint_gt(st.evictions, 100);
	ck_assert_uint_lt(st.entries, 200);
	ck_assert_uint_gt(st.entries, 10);
	ldns_pkt *p = lookup(c, "host199.example.net.", LDNS_RR_TYPE_A, 0);   /* newest */
	ck_assert_ptr_nonnull(p);
	ldns_pkt_free(p);
	ck_assert_ptr_null(lookup(c, "host1.example.net.", LDNS_RR_TYPE_A, 0)); /* oldest unused */

	/* cache-size 0: nothing is kept. */
	cache_t *none = cache_new(0, 0, 86400, 10800);
	const char *const rrs[] = { "A|x.example.net. 300 IN A 192.0.2.1", NULL };
	store(none, "x.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 0);
	ck_assert_ptr_null(lookup(none, "x.example.net.", LDNS_RR_TYPE_A, 0));
	cache_unref(&none);
	cache_unref(&c);
}
END_TEST

START_TEST(views_do_not_share)
{
	cache_t *internal = cache_new(1 << 20, 0, 86400, 10800);
	cache_t *lab = cache_new(1 << 20, 0, 86400, 10800);
	const char *const a[] = { "A|www.example.net. 300 IN A 192.0.2.1", NULL };
	store(internal, "www.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a, 0);
	ck_assert_ptr_null(lookup(lab, "www.example.net.", LDNS_RR_TYPE_A, 0));
	const char *const b[] = { "A|www.example.net. 300 IN A 198.51.100.1", NULL };
	store(lab, "www.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, b, 0);
	ldns_pkt *p = lookup(internal, "www.example.net.", LDNS_RR_TYPE_A, 0);
	char *s = ldns_rr_list2str(ldns_pkt_answer(p));
	ck_assert_ptr_nonnull(strstr(s, "192.0.2.1"));
	free(s);
	ldns_pkt_free(p);
	cache_unref(&internal);
	cache_unref(&lab);
}
END_TEST

START_TEST(reply_shape)
{
	cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
	char rr[20][160];
	const char *rrs[22];
	int n = 0;
	for (int i = 0; i < 12; i++) {
		snprintf(rr[i], sizeof(rr[i]), "A|big.example.net. 300 IN TXT \"%02d-%s\"", i,
			 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
		rrs[n++] = rr[i];
	}
	rrs[n++] = "D|ns.example.net. 300 IN A 192.0.2.53";
	rrs[n] = NULL;
	store(c, "big.example.net.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, rrs, 0);

	/* The client's case and ID; everything fits in 4096. */
	cache_key_t k;
	make_key(&k, "big.example.net.", LDNS_RR_TYPE_TXT);
	cache_client_t cl;
	make_client(&cl, "BiG.ExAmPlE.nEt.", LDNS_RR_TYPE_TXT, 4096);
	size_t len = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&k) }, &cl, out, 0);
	ldns_pkt *p = parse_reply(out, len);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 12);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 1);
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_int_eq(memcmp(out + 12, client_q + 12, cl.qsec_len), 0);
	ldns_pkt_free(p);

	/* One byte short: without the additional section it fits. */
	size_t full = len;
	cl.limit = full - 1;
	len = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&k) }, &cl, out, 0);
	ck_assert_uint_lt(len, full);
	p = parse_reply(out, len);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 12);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert(!ldns_pkt_tc(p));
	ldns_pkt_free(p);

	/* 512 bytes: TC, no records; with EDNS our OPT. */
	cl.limit = 512;
	cl.edns = true;
	cl.edns_do = true;
	len = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&k) }, &cl, out, 0);
	ck_assert_uint_le(len, 512);
	p = parse_reply(out, len);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ck_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
	cache_unref(&c);
}
END_TEST

START_TEST(hostile_upstream)
{
	cache_key_t k;
	make_key(&k, "www.example.net.", LDNS_RR_TYPE_A);
	const char *const a[] = { "A|www.example.net. 300 IN A 192.0.2.1", NULL };
	size_t len;

	/* Another question. */
	uint8_t *wire = response("www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, &len, a);
	ck_assert_ptr_null(cache_msg_parse(wire, len, &k, 0, 86400, 10800));
	free(wire);

	/* Same name, other case: accepted. */
	wire = response("WWW.Example.NET.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, &len, a);
	cache_msg_t *m = cache_msg_parse(wire, len, &k, 0, 86400, 10800);
	ck_assert_ptr_nonnull(m);
	cache_msg_free(m);

	/* Cut short, trailing garbage, TC, a query (QR=0). */
	ck_assert_ptr_null(cache_msg_parse(wire, len - 3, &k, 0, 86400, 10800));
	uint8_t big[600];
	memcpy(big, wire, len);
	big[len] = 0xAB;
	ck_assert_ptr_null(cache_msg_parse(big, len + 1, &k, 0, 86400, 10800));
	memcpy(big, wire, len);
	big[2] |= 0x02;
	ck_assert_ptr_null(cache_msg_parse(big, len, &k, 0, 86400, 10800));
	memcpy(big, wire, len);
	big[2] &= 0x7F;
	ck_assert_ptr_null(cache_msg_parse(big, len, &k, 0, 86400, 10800));

	/* A compression pointer pointing forwards, or into the header. */
	memcpy(big, wire, len);
	size_t owner = 12 + k.name_len + 4;
	ck_assert_uint_eq(big[owner], 0xC0);
	big[owner + 1] = (uint8_t)(owner + 4);
	ck_assert_ptr_null(cache_msg_parse(big, len, &k, 0, 86400, 10800));
	big[owner + 1] = 2;
	ck_assert_ptr_null(cache_msg_parse(big, len, &k, 0, 86400, 10800));
	free(wire);

	/* The upstream's OPT is dropped (ours replaces it). */
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("www.example.net."),
					 LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_qr(p, true);
	add_rr(p, LDNS_SECTION_ANSWER, "www.example.net. 300 IN A 192.0.2.1");
	ldns_pkt_set_edns_udp_size(p, 4096);
	ldns_pkt_set_edns_data(p, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_HEX, "000a00020102"));
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	m = cache_msg_parse(wire, len, &k, 0, 86400, 10800);
	free(wire);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->arcount, 0);
	ck_assert_uint_eq(m->ancount, 1);
	cache_msg_free(m);
}
END_TEST

/* An upstream message by hand: header (ID 0x1234, QR RD RA, one question,
 * ancount answers), then the question name, type, class IN, then body. */
static size_t
hand_message(uint8_t *msg, const char *qname, uint16_t qtype, unsigned ancount,
	     const uint8_t *body, size_t body_len)
{
	const uint8_t hdr[12] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, (uint8_t)ancount, 0, 0, 0, 0 };
	memcpy(msg, hdr, sizeof(hdr));
	ldns_rdf *d = ldns_dname_new_frm_str(qname);
	size_t n = 12 + ldns_rdf_size(d);
	memcpy(msg + 12, ldns_rdf_data(d), ldns_rdf_size(d));
	ldns_rdf_deep_free(d);
	const uint8_t qtail[4] = { (uint8_t)(qtype >> 8), (uint8_t)qtype, 0, 1 };
	memcpy(msg + n, qtail, 4);
	memcpy(msg + n + 4, body, body_len);
	return n + 4 + body_len;
}

/* Data of a type the cache does not look into is kept byte for byte as
 * RDLENGTH delimits it, and the TTLs counted down are where RDLENGTH puts
 * them -- even where a parser reading the data field by field would read
 * something else (ldns 1.8.3 takes one byte of SINK data and reads the next
 * byte as an owner name; fuzz_cache's regress-sink-longer-than-ldns-reads).
 * The types whose layout the cache checks get no such leeway: an MX with a
 * byte after its exchange, or an SVCB target running out of its record, is
 * refused. */
START_TEST(opaque_data_kept_by_rdlength)
{
	static const uint8_t body[] = {
		0xC0, 0x0C, 0, 40, 0, 1, 0, 0, 0x01, 0x2C, 0, 2, 0x01, 0x00,   /* SINK, TTL 300 */
		0xC0, 0x0C, 0xFF, 0, 0, 1, 0, 0, 0x02, 0x58, 0, 3, 0xAA, 0xBB, 0xCC, /* TTL 600 */
	};
	uint8_t msg[512];
	size_t len = hand_message(msg, "sink.example.", 40, 2, body, sizeof(body));
	cache_key_t k;
	make_key(&k, "sink.example.", 40);
	cache_msg_t *m = cache_msg_parse(msg, len, &k, 0, 86400, 10800);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->ancount, 2);
	ck_assert_uint_eq(m->ttl, 300);
	cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
	cache_store(c, m, 0);
	cache_client_t cl;
	make_client(&cl, "sink.example.", 40, 65535);
	size_t n = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&k) }, &cl, out, 100 * SEC);
	size_t head = 12 + cl.qsec_len;
	ck_assert_uint_eq(n, head + sizeof(body));
	ck_assert_uint_eq(out[6] << 8 | out[7], 2);
	uint8_t want[sizeof(body)];
	memcpy(want, body, sizeof(body));
	want[8] = 0;      /* 300 - 100 */
	want[9] = 200;
	want[22] = 0x01;  /* 600 - 100 */
	want[23] = 0xF4;
	ck_assert_int_eq(memcmp(out + head, want, sizeof(want)), 0);
	cache_unref(&c);

	/* MX: preference, exchange (a pointer to the question), one byte more. */
	static const uint8_t mx[] = {
		0xC0, 0x0C, 0, 15, 0, 1, 0, 0, 0x01, 0x2C, 0, 5, 0, 10, 0xC0, 0x0C, 0,
	};
	make_key(&k, "mx.example.", LDNS_RR_TYPE_MX);
	len = hand_message(msg, "mx.example.", LDNS_RR_TYPE_MX, 1, mx, sizeof(mx));
	ck_assert_ptr_null(cache_msg_parse(msg, len, &k, 0, 86400, 10800));
	msg[len - 6] = 4;   /* RDLENGTH without the extra byte */
	m = cache_msg_parse(msg, len - 1, &k, 0, 86400, 10800);
	ck_assert_ptr_nonnull(m);
	cache_msg_free(m);

	/* SVCB: priority, then a target "ab" whose root label is the next
	 * record's owner. */
	static const uint8_t svcb[] = {
		0xC0, 0x0C, 0, 64, 0, 1, 0, 0, 0x01, 0x2C, 0, 5, 0, 1, 2, 'a', 'b',
		0, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1,
	};
	make_key(&k, "svc.example.", 64);
	len = hand_message(msg, "svc.example.", 64, 2, svcb, sizeof(svcb));
	ck_assert_ptr_null(cache_msg_parse(msg, len, &k, 0, 86400, 10800));
	/* The same with the root label inside the record: accepted. */
	uint8_t svcb_ok[sizeof(svcb) + 1];
	memcpy(svcb_ok, svcb, 17);
	svcb_ok[11] = 6;
	svcb_ok[17] = 0;
	memcpy(svcb_ok + 18, svcb + 17, sizeof(svcb) - 17);
	len = hand_message(msg, "svc.example.", 64, 2, svcb_ok, sizeof(svcb_ok));
	m = cache_msg_parse(msg, len, &k, 0, 86400, 10800);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->ancount, 2);
	cache_msg_free(m);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Recursive views in the query path, and the cache across a reload
 */

static char dir[] = "/tmp/hz-test-cache.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static const char *zone_text =
	"$TTL 300\n"
	"@ IN SOA ns1.home.test. h.home.test. 1 3600 600 86400 300\n"
	"@ NS ns1\n"
	"ns1 A 192.168.1.1\n"
	"nas A 192.168.1.30\n";

static const char *
conf_text(const char *lab_forwarders)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
		 "server:\n"
		 "  listen: [127.0.0.1@5300]\n"
		 "views:\n"
		 "  - name: internal\n"
		 "    match-clients: [127.0.0.2]\n"
		 "    recursion: true\n"
		 "    forwarders: [127.0.0.1@5399]\n"
		 "    zones:\n"
		 "      - name: home.test\n"
		 "        file: home.zone\n"
		 "  - name: lab\n"
		 "    match-clients: [127.0.0.4]\n"
		 "    recursion: true\n"
		 "    forwarders: [%s]\n"
		 "    doh-canary: false\n"
		 "  - name: external\n"
		 "    match-clients: [any]\n"
		 "    zones:\n"
		 "      - name: home.test\n"
		 "        file: home.zone\n", lab_forwarders);
	return buf;
}

static snapshot_t *
build(const char *lab_forwarders, const snapshot_t *prev)
{
	write_file("horizond.yaml", conf_text(lab_forwarders));
	char path[256];
	snprintf(path, sizeof(path), "%s/horizond.yaml", dir);
	diag_t d = { 0 };
	snapshot_t *s = zonestore_build(path, prev, &d);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void
setup_dir(void)
{
	strcpy(dir, "/tmp/hz-test-cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("home.zone", zone_text);
}

static void
teardown_dir(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Ask name/type from src with RD as given; fills *fwd. */
static size_t
ask(const snapshot_t *s, const char *src, const char *name, ldns_rr_type type, bool rd,
    query_fwd_t *fwd, ldns_pkt **reply)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN,
					 rd ? LDNS_RD : 0);
	uint8_t *wire = NULL;
	size_t wlen;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &wlen), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };
	inet_pton(AF_INET, src, &sin.sin_addr);
	query_src_t from = { .src = (struct sockaddr *)&sin };
	size_t n = query_answer_fwd(s, wire, wlen, out, sizeof(out), &from, fwd);
	free(wire);
	*reply = NULL;
	if (n > 0)
		ck_assert_int_eq(ldns_wire2pkt(reply, out, n), LDNS_STATUS_OK);
	return n;
}

START_TEST(query_path_recursive_views)
{
	snapshot_t *s = build("127.0.0.1@5398", NULL);
	query_fwd_t fwd;
	ldns_pkt *r;

	/* Own zone in a recursive view: AA and RA. */
	ck_assert_uint_gt(ask(s, "127.0.0.2", "nas.home.test.", LDNS_RR_TYPE_A, true, &fwd, &r), 0);
	ck_assert(!fwd.forward);
	ck_assert(ldns_pkt_aa(r) && ldns_pkt_ra(r));
	ldns_pkt_free(r);
	/* Same zone, non-recursive view: no RA. */
	ask(s, "127.0.0.3", "nas.home.test.", LDNS_RR_TYPE_A, true, &fwd, &r);
	ck_assert(!ldns_pkt_ra(r));
	ldns_pkt_free(r);

	/* A foreign name: forwarded, with the details copied out. */
	ck_assert_uint_eq(ask(s, "127.0.0.2", "WWW.Example.NET.", LDNS_RR_TYPE_AAAA, true, &fwd, &r), 0);
	ck_assert(fwd.forward);
	ck_assert_uint_eq(fwd.view, 0);
	ck_assert_uint_eq(fwd.qtype, LDNS_RR_TYPE_AAAA);
	ck_assert(fwd.rd);
	ck_assert_uint_eq(fwd.qname_len, 17);
	ck_assert_int_eq(memcmp(fwd.qname, "\003www\007example\003net", 17), 0);
	ck_assert_uint_eq(fwd.limit, 512);
	ck_assert(fwd.cache_missed);   /* looked up once, here: not again in forward.c */

	/* A cache hit is answered on the query path itself, like an
	 * authoritative answer: not handed to the forwarder; the client's case
	 * and ID kept, RA, not AA; the answer of one view only. */
	const char *const rrs[] = { "AAAA|www.example.net. 300 IN AAAA 2001:db8::1", NULL };
	ck_assert_ptr_nonnull(s->views[0].cache);
	store(s->views[0].cache, "www.example.net.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, rrs,
	      cache_now_ms());
	ck_assert_uint_gt(ask(s, "127.0.0.2", "WWW.Example.NET.", LDNS_RR_TYPE_AAAA, true, &fwd, &r), 0);
	ck_assert(!fwd.forward);
	ck_assert(ldns_pkt_ra(r) && !ldns_pkt_aa(r));
	ck_assert_uint_eq(ldns_pkt_ancount(r), 1);
	ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), 300);
	char *qn = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0)));
	ck_assert_str_eq(qn, "WWW.Example.NET.");
	free(qn);
	ldns_pkt_free(r);
	ck_assert_uint_eq(ask(s, "127.0.0.4", "www.example.net.", LDNS_RR_TYPE_AAAA, true, &fwd, &r), 0);
	ck_assert(fwd.forward);        /* the other recursive view's cache is its own */

	ck_assert_uint_eq(ask(s, "127.0.0.4", "www.example.net.", LDNS_RR_TYPE_A, false, &fwd, &r), 0);
	ck_assert(fwd.forward && !fwd.rd);
	ck_assert_uint_eq(fwd.view, 1);
	/* The non-recursive view refuses, without RA. */
	ask(s, "127.0.0.3", "www.example.net.", LDNS_RR_TYPE_A, true, &fwd, &r);
	ck_assert(!fwd.forward);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ck_assert(!ldns_pkt_ra(r));
	ldns_pkt_free(r);

	/* RFC 6303 zones, in recursive views only. */
	ask(s, "127.0.0.2", "1.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, true, &fwd, &r);
	ck_assert(!fwd.forward);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(r));
	ck_assert_uint_eq(ldns_pkt_nscount(r), 1);
	ldns_pkt_free(r);
	ask(s, "127.0.0.2", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	    LDNS_RR_TYPE_PTR, true, &fwd, &r);
	ck_assert(!fwd.forward);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);   /* the apex: NODATA */
	ck_assert_uint_eq(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	ask(s, "127.0.0.2", "168.192.in-addr.arpa.", LDNS_RR_TYPE_NS, true, &fwd, &r);
	ck_assert_uint_eq(ldns_pkt_ancount(r), 1);
	ldns_pkt_free(r);
	/* Not locally served: 172.32/16, 100.128/16, public reverse. */
	ck_assert_uint_eq(ask(s, "127.0.0.2", "1.0.32.172.in-addr.arpa.", LDNS_RR_TYPE_PTR, true, &fwd, &r), 0);
	ck_assert(fwd.forward);
	ck_assert_uint_eq(ask(s, "127.0.0.2", "1.0.128.100.in-addr.arpa.", LDNS_RR_TYPE_PTR, true, &fwd, &r), 0);
	ck_assert(fwd.forward);
	ck_assert_uint_eq(ask(s, "127.0.0.2", "8.8.8.8.in-addr.arpa.", LDNS_RR_TYPE_PTR, true, &fwd, &r), 0);
	ck_assert(fwd.forward);
	ask(s, "127.0.0.3", "1.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, true, &fwd, &r);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ldns_pkt_free(r);

	/* The canary: on in internal, off in lab. */
	ask(s, "127.0.0.2", "use-application-dns.net.", LDNS_RR_TYPE_A, true, &fwd, &r);
	ck_assert(!fwd.forward);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	ck_assert_uint_eq(ask(s, "127.0.0.4", "use-application-dns.net.", LDNS_RR_TYPE_A, true, &fwd, &r), 0);
	ck_assert(fwd.forward);

	/* Without a forwarder (query_answer): SERVFAIL with RA. */
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("www.example.net."), LDNS_RR_TYPE_A,
					 LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *wire = NULL;
	size_t wlen;
	ldns_pkt2wire(&wire, p, &wlen);
	ldns_pkt_free(p);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	query_src_t from = { .src = (struct sockaddr *)&sin };
	size_t n = query_answer(s, wire, wlen, out, sizeof(out), &from);
	free(wire);
	ck_assert_int_eq(ldns_wire2pkt(&r, out, n), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_SERVFAIL);
	ck_assert(ldns_pkt_ra(r));
	ldns_pkt_free(r);
	snapshot_free(&s);
}
END_TEST

START_TEST(reload_keeps_or_flushes)
{
	snapshot_t *s1 = build("127.0.0.1@5398", NULL);
	ck_assert_ptr_nonnull(s1->views[0].cache);
	ck_assert_ptr_nonnull(s1->views[1].cache);
	ck_assert_ptr_ne(s1->views[0].cache, s1->views[1].cache);   /* never shared */
	ck_assert_ptr_null(s1->views[2].cache);                      /* not recursive */

	/* Same forwarders: the same caches carry over. */
	snapshot_t *s2 = build("127.0.0.1@5398", s1);
	ck_assert_ptr_eq(s2->views[0].cache, s1->views[0].cache);
	ck_assert_ptr_eq(s2->views[1].cache, s1->views[1].cache);
	/* lab's forwarders change: lab gets a new cache, internal keeps its own. */
	snapshot_t *s3 = build("127.0.0.1@5397", s2);
	ck_assert_ptr_eq(s3->views[0].cache, s1->views[0].cache);
	ck_assert_ptr_ne(s3->views[1].cache, s1->views[1].cache);
	snapshot_free(&s1);
	snapshot_free(&s2);
	/* The carried-over cache outlives the snapshots that made it. */
	const char *const a[] = { "A|www.example.net. 300 IN A 192.0.2.1", NULL };
	store(s3->views[0].cache, "www.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a, 0);
	ldns_pkt *p = lookup(s3->views[0].cache, "www.example.net.", LDNS_RR_TYPE_A, 0);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_free(p);
	snapshot_free(&s3);
}
END_TEST

/* Keys that share a name (so its hash) but not type or DO/CD bits are
 * entries of their own, found again after the table has grown; the query
 * path's key, hashed by the parser from a question in any case, finds what
 * the forwarder stored under the lower-case name. */
START_TEST(keys_sharing_a_name)
{
	cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
	enum { NTYPES = 120 };
	for (unsigned t = 0; t < NTYPES; t++) {
		for (uint8_t bits = 0; bits < 4; bits++) {
			char rr[96];
			snprintf(rr, sizeof(rr), "A|Name.Example.net. 300 IN TYPE%u \\# 2 %04x",
				 1000 + t, t * 4 + bits);
			const char *const rrs[] = { rr, NULL };
			cache_key_t k;
			make_key(&k, "Name.Example.net.", (uint16_t)(1000 + t));
			k.bits = bits;
			size_t len;
			uint8_t *wire = response("Name.Example.net.", (ldns_rr_type)(1000 + t),
						 LDNS_RCODE_NOERROR, &len, rrs);
			cache_msg_t *m = cache_msg_parse(wire, len, &k, 0, 86400, 10800);
			free(wire);
			ck_assert_ptr_nonnull(m);
			ck_assert(cache_store(c, m, 0));
		}
	}
	cache_stats_t st;
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, NTYPES * 4);   /* the table grew past 64 slots */
	/* the question as a client sends it: the parser lower-cases and hashes */
	static const uint8_t qname[] = "\4NAME\7exAMPLE\3NET";
	uint8_t lower[DNAME_MAXLEN], offs[DNAME_MAXLABELS];
	uint32_t hashes[DNAME_MAXLABELS + 1];
	unsigned nlabels;
	size_t pos = 0;
	int nlen = dname_parse_query(qname, sizeof(qname), &pos, lower, offs, &nlabels, hashes);
	ck_assert_int_eq(nlen, (int)sizeof(qname));
	for (unsigned t = 0; t < NTYPES; t++) {
		for (uint8_t bits = 0; bits < 4; bits++) {
			cache_client_t cl;
			make_client(&cl, "NAME.exAMPLE.NET.", (ldns_rr_type)(1000 + t), 65535);
			cache_lookup_t lk = { .name = lower, .name_len = (size_t)nlen,
					      .qtype = (uint16_t)(1000 + t), .qclass = LDNS_RR_CLASS_IN,
					      .bits = bits, .name_hash = hashes[0] };
			size_t n = cache_answer(c, &lk, &cl, out, 10 * SEC);
			ck_assert_uint_gt(n, 4);
			/* the record's rdata, the last two bytes: its own entry */
			ck_assert_uint_eq(out[n - 2] << 8 | out[n - 1], t * 4 + bits);
		}
	}
	cache_unref(&c);
}
END_TEST

/* A cache hit's reply (written by cache_answer()'s own code, with the TTLs
 * counted down in place) is byte for byte what the general writer,
 * cache_msg_write(), makes of the same response at the same age: question
 * lengths across the word copies' cases (5 bytes up, past 64), bodies from
 * one record to past 64 bytes, a negative answer, every header flag the
 * client sets, with and without EDNS and DO, and limits that drop the
 * additional section or leave only TC. Expiry comes at ttl seconds exactly,
 * and a clock read behind the last never counts a TTL back up. */
START_TEST(hit_bytes_as_general_writer)
{
	static const char *const names[] = {
		".", "a.", "ab.cd.", "www.example.net.", "host-0000001.bench.test.",
		"a-rather-long-label-for-the-word-copies.and-another-one-after-it.example.net.",
	};
	for (size_t ni = 0; ni < sizeof(names) / sizeof(names[0]); ni++) {
		for (unsigned shape = 0; shape < 4; shape++) {
			const char *name = names[ni];
			char r0[300], r1[300], r2[300];
			const char *rrs[4] = { r0, NULL, NULL, NULL };
			ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
			ldns_rr_type type = LDNS_RR_TYPE_A;
			if (shape == 0) {          /* one record: a short body */
				snprintf(r0, sizeof(r0), "A|%s 300 IN A 192.0.2.1", name);
			} else if (shape == 1) {   /* answer and additional */
				type = LDNS_RR_TYPE_TXT;
				snprintf(r0, sizeof(r0), "A|%s 300 IN TXT \"%.*s\"", name, 40 + (int)ni * 9,
					 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
				snprintf(r1, sizeof(r1), "A|%s 200 IN TXT \"second\"", name);
				snprintf(r2, sizeof(r2), "D|ns.example.net. 100 IN A 192.0.2.53");
				rrs[1] = r1;
				rrs[2] = r2;
			} else if (shape == 2) {   /* NXDOMAIN with the SOA */
				rcode = LDNS_RCODE_NXDOMAIN;
				snprintf(r0, sizeof(r0), "U|net. 900 IN SOA a.net. h.net. 1 3600 600 86400 300");
			} else {                   /* a body of 7 bytes short of a word */
				type = LDNS_RR_TYPE_AAAA;
				snprintf(r0, sizeof(r0), "A|%s 300 IN AAAA 2001:db8::1", name);
			}
			cache_t *c = cache_new(1 << 20, 0, 86400, 10800);
			cache_key_t k;
			make_key(&k, name, type);
			size_t wlen;
			uint8_t *wire = response(name, type, rcode, &wlen, rrs);
			cache_msg_t *m = cache_msg_parse(wire, wlen, &k, 0, 86400, 10800);
			cache_msg_t *ref = cache_msg_parse(wire, wlen, &k, 0, 86400, 10800);
			free(wire);
			ck_assert_ptr_nonnull(m);
			ck_assert_ptr_nonnull(ref);
			uint32_t ttl = m->ttl;
			ck_assert_uint_gt(ttl, 10);
			ck_assert(cache_store(c, m, 1000 * SEC));
			const cache_lookup_t lk = cache_key_lookup(&k);
			static const uint64_t ages[] = { 0, 999, 1000, 2500, 7 * SEC + 1 };
			for (size_t ai = 0; ai < sizeof(ages) / sizeof(ages[0]); ai++) {
				for (unsigned flags = 0; flags < 32; flags++) {
					cache_client_t cl;
					make_client(&cl, name, type, 65535);
					client_q[2] = (uint8_t)((client_q[2] & ~0x01) | (flags & 1));   /* RD */
					client_q[3] = (uint8_t)((flags & 2 ? 0x20 : 0) | (flags & 4 ? 0x10 : 0));
					cl.edns = (flags & 8) != 0;
					cl.edns_do = (flags & 16) != 0;
					static uint8_t want[65535];
					size_t full = cache_msg_write(ref, (uint32_t)(ages[ai] / 1000), &cl, want);
					size_t opt = cl.edns ? 11 : 0;
					const size_t limits[] = { 65535, full, full - 1, 12 + cl.qsec_len + opt };
					for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
						cl.limit = limits[li];
						size_t wn = cache_msg_write(ref, (uint32_t)(ages[ai] / 1000), &cl, want);
						size_t n = cache_answer(c, &lk, &cl, out, 1000 * SEC + ages[ai]);
						ck_assert_uint_eq(n, wn);
						ck_assert_mem_eq(out, want, n);
					}
				}
			}
			/* behind the last read: the TTLs stay as they were */
			cache_client_t cl;
			make_client(&cl, name, type, 65535);
			static uint8_t want[65535];
			size_t wn = cache_msg_write(ref, 7, &cl, want);
			ck_assert_uint_eq(cache_answer(c, &lk, &cl, out, 1000 * SEC + 5 * SEC), wn);
			ck_assert_mem_eq(out, want, wn);
			/* fresh until ttl seconds have passed, gone from then on */
			ck_assert_uint_gt(cache_answer(c, &lk, &cl, out, 1000 * SEC + ttl * SEC - 1), 0);
			ck_assert_uint_eq(cache_answer(c, &lk, &cl, out, 1000 * SEC + ttl * SEC), 0);
			ck_assert_uint_eq(cache_answer(c, &lk, &cl, out, 1000 * SEC + ttl * SEC - 1), 0);
			cache_msg_free(ref);
			cache_unref(&c);
		}
	}
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");
	tcase_add_test(tc, ttl_countdown_and_expiry);
	tcase_add_test(tc, ttl_countdown_in_place);
	tcase_add_test(tc, ttl_clamps);
	tcase_add_test(tc, negative_caching);
	tcase_add_test(tc, eviction_under_size_bound);
	tcase_add_test(tc, flood_spares_hit_entries);
	tcase_add_test(tc, protected_entries_hit_again_stay);
	tcase_add_test(tc, shared_by_threads);
	tcase_add_test(tc, views_do_not_share);
	tcase_add_test(tc, reply_shape);
	tcase_add_test(tc, hostile_upstream);
	tcase_add_test(tc, opaque_data_kept_by_rdlength);
	tcase_add_test(tc, keys_sharing_a_name);
	tcase_add_test(tc, hit_bytes_as_general_writer);
	suite_add_tcase(s, tc);
	TCase *tq = tcase_create("recursive views");
	tcase_add_checked_fixture(tq, setup_dir, teardown_dir);
	tcase_add_test(tq, query_path_recursive_views);
	tcase_add_test(tq, reload_keeps_or_flushes);
	suite_add_tcase(s, tq);
	return s;
}

int
main(void)
{
	return tl_run_suite(cache_suite());
}

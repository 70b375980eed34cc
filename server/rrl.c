/* rrl.c -- response rate limiting (see rrl.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "rrl.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "acl.h"
#include "dname.h"
#include "log.h"
#include "snapshot.h"
#include "wire.h"

enum { RRL_CLASS_RESPONSE = 1, RRL_CLASS_NXDOMAIN, RRL_CLASS_ERROR };

typedef struct rrl_bucket {
	uint64_t key;              /* keyed hash of what it counts; 0: free */
	int64_t balance;           /* answers it may still send now (negative: owed) */
	uint32_t time;             /* last charged, seconds */
	uint32_t slip_count;       /* limited answers so far, for slip */
} rrl_bucket_t;

struct rrl_table {
	uint64_t seed;
	rrl_stats_t st;
	rrl_bucket_t b[RRL_TABLE_SIZE];
};

rrl_table_t *
rrl_table_new(void)
{
	rrl_table_t *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if (getrandom(&t->seed, sizeof(t->seed), 0) != (ssize_t)sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)t;
	t->seed |= 1;
	return t;
}

void
rrl_table_free(rrl_table_t **t)
{
	if (t == NULL || *t == NULL)
		return;
	free(*t);
	*t = NULL;
}

void
rrl_table_stats(const rrl_table_t *t, rrl_stats_t *out)
{
	*out = t->st;
}

static uint64_t
rrl_mix(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ULL;
	return h;
}

/* The question of one of our answers: its name's end (the type follows), or
 * 0 if it has none. Our own output: no compression in the question. */
static size_t
rrl_question_end(const uint8_t *a, size_t len)
{
	if (len < 12 || get16(a + 4) == 0)
		return 0;
	size_t pos = 12;
	while (pos < len && a[pos] != 0) {
		if (a[pos] & 0xC0)
			return 0;
		pos += 1u + a[pos];
	}
	return pos + 5 <= len ? pos + 1 : 0;
}

/* The bucket key: view, class, client prefix and, for answers with data,
 * the question's name (lower case) and type. Never 0. */
static uint64_t
rrl_key(const rrl_table_t *t, const conf_rate_limit_t *rl, unsigned view_id, int cls,
	const struct sockaddr *src, const uint8_t *a, size_t len)
{
	uint8_t addr[16] = { 0 };
	unsigned bits = 0;
	if (src->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)src)->sin_addr, 4);
		bits = rl->ipv4_prefix_length;
	} else if (src->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
		bits = rl->ipv6_prefix_length;
	}
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits > i * 8 ? bits - i * 8 : 0;
		if (keep < 8)
			addr[i] &= (uint8_t)(0xFF00u >> keep);
	}
	uint64_t h = t->seed * 0x9E3779B97F4A7C15ULL;
	uint8_t head[6] = { (uint8_t)view_id, (uint8_t)(view_id >> 8), (uint8_t)cls,
			    (uint8_t)src->sa_family, 0, 0 };
	h = rrl_mix(h, head, sizeof(head));
	h = rrl_mix(h, addr, sizeof(addr));
	size_t qend = cls == RRL_CLASS_RESPONSE ? rrl_question_end(a, len) : 0;
	for (size_t i = 12; i < qend; i++)
		h = (h ^ dname_lower[a[i]]) * 0x100000001B3ULL;
	if (qend > 0)
		h = rrl_mix(h, a + qend, 2);   /* the type */
	h ^= h >> 29;
	return h == 0 ? 1 : h;
}

rrl_action_t
rrl_account(rrl_table_t *t, const conf_rate_limit_t *rl, unsigned view_id,
	    const struct sockaddr *src, const uint8_t *answer, size_t len, uint32_t now_s)
{
	if (len < 12)
		return RRL_PASS;
	unsigned rcode = answer[3] & 0x0F;
	int cls = rcode == LDNS_RCODE_NOERROR ? RRL_CLASS_RESPONSE
		: rcode == LDNS_RCODE_NXDOMAIN ? RRL_CLASS_NXDOMAIN : RRL_CLASS_ERROR;
	unsigned rate = cls == RRL_CLASS_RESPONSE ? rl->responses_per_second
		      : cls == RRL_CLASS_NXDOMAIN ? rl->nxdomains_per_second : rl->errors_per_second;
	if (rate == 0)
		return RRL_PASS;
	if (rl->exempt_clients != NULL && acl_match(rl->exempt_clients, src) == ACL_MATCH)
		return RRL_PASS;

	uint64_t key = rrl_key(t, rl, view_id, cls, src, answer, len);
	rrl_bucket_t *b0 = &t->b[key & (RRL_TABLE_SIZE - 1)];
	rrl_bucket_t *b1 = &t->b[(key & (RRL_TABLE_SIZE - 1)) ^ 1];
	rrl_bucket_t *b = b0->key == key ? b0 : b1->key == key ? b1 : NULL;
	int64_t full = rate, debt = -(int64_t)rl->window * rate;
	if (b == NULL) {
		/* a new bucket takes the way charged least recently */
		b = b0->key == 0 || (b1->key != 0 && (int32_t)(b0->time - b1->time) <= 0) ? b0 : b1;
		b->key = key;
		b->balance = full;
		b->time = now_s;
		b->slip_count = 0;
	} else if (now_s != b->time) {
		uint32_t elapsed = now_s - b->time;   /* a clock going back earns nothing */
		if ((int32_t)elapsed > 0) {
			b->balance = elapsed > rl->window ? full : b->balance + (int64_t)elapsed * rate;
			if (b->balance > full)
				b->balance = full;
		}
		b->time = now_s;
	}
	if (--b->balance >= 0)
		return RRL_PASS;
	if (b->balance < debt)
		b->balance = debt;
	t->st.limited++;
	if (rl->slip > 0 && ++b->slip_count % rl->slip == 0) {
		t->st.slipped++;
		return RRL_SLIP;
	}
	t->st.dropped++;
	return RRL_DROP;
}

size_t
rrl_truncate(uint8_t *a, size_t len)
{
	size_t qend = rrl_question_end(a, len);
	size_t n = qend > 0 ? qend + 4 : 12;
	if (n > len)
		return len;
	a[2] |= 0x02;   /* TC */
	if (qend == 0)
		put16(a + 4, 0);
	put16(a + 6, 0);
	put16(a + 8, 0);
	put16(a + 10, 0);
	return n;
}

/* This thread's table: made at its first rate-limited answer (once per
 * thread, never per query), freed when the thread ends, logging what it
 * limited. */
static _Thread_local rrl_table_t *rrl_tls;
static pthread_key_t rrl_key_free;
static pthread_once_t rrl_once = PTHREAD_ONCE_INIT;

static void
rrl_thread_end(void *arg)
{
	rrl_table_t *t = arg;
	if (t->st.limited > 0)
		log_notice("rate limit: %llu answers limited (%llu sent as TC, %llu dropped)",
			   t->st.limited, t->st.slipped, t->st.dropped);
	rrl_table_free(&t);
}

static void
rrl_key_init(void)
{
	(void)pthread_key_create(&rrl_key_free, rrl_thread_end);
}

static rrl_table_t *
rrl_thread_table(void)
{
	if (rrl_tls == NULL) {
		pthread_once(&rrl_once, rrl_key_init);
		rrl_tls = rrl_table_new();
		if (rrl_tls == NULL)
			return NULL;   /* no memory: answers go out unlimited */
		(void)pthread_setspecific(rrl_key_free, rrl_tls);
	}
	return rrl_tls;
}

size_t
rrl_apply(const snapshot_t *snap, const query_src_t *from, uint8_t *answer, size_t len,
	  bool cookie_valid, rrl_action_t *action)
{
	*action = RRL_PASS;
	if (cookie_valid || from->tcp)
		return len;
	const view_t *v = query_view_select(snap, from);
	if (v == NULL || v->conf->rate_limit == NULL)
		return len;
	/* RFC 8482: a view that limits its answers does not amplify ANY over
	 * UDP either: an empty answer with TC, the full one over TCP */
	size_t qend = rrl_question_end(answer, len);
	if (qend > 0 && get16(answer + qend) == LDNS_RR_TYPE_ANY && get16(answer + 6) > 0)
		return rrl_truncate(answer, len);
	rrl_table_t *t = rrl_thread_table();
	if (t == NULL)
		return len;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);   /* vDSO: no system call */
	*action = rrl_account(t, v->conf->rate_limit, (unsigned)(v - snap->views), from->src, answer,
			      len, (uint32_t)ts.tv_sec);
	switch (*action) {
	case RRL_PASS:
		return len;
	case RRL_SLIP:
		return rrl_truncate(answer, len);
	case RRL_DROP:
	default:
		return 0;
	}
}

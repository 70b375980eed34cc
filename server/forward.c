/* forward.c -- recursive views: forward to upstream resolvers, asynchronously,
 * on the worker's event loop; coalesce identical questions; feed the cache.
 *
 * See forward.h for the design. Everything here runs in the worker thread
 * that owns the forwarder.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdatomic.h>
#include <time.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "cache.h"
#include "chain.h"
#include "dname.h"
#include "forward.h"
#include "log.h"
#include "nat.h"
#include "scrub.h"
#include "server.h"
#include "snapshot.h"
#include "tsig.h"
#include "tsig_answer.h"
#include "wire.h"

#define FWD_UDP_TIMEOUT_MS 1500   /* per forwarder, per try */
#define FWD_TCP_TIMEOUT_MS 3000   /* connect, send and answer */
#define FWD_MAX_PENDING 4096      /* upstream queries in flight per worker */
#define FWD_MAX_WAITING 64        /* clients waiting on one upstream query */
#define FWD_BUCKETS 4096          /* coalescing table */
/* Fairness: one client address (an IPv6 /64) may start at most
 * FWD_CLIENT_SHARE of the worker's pending upstream queries, so that its
 * flood of new names against a slow or dead upstream fails only its own
 * queries. Counted in a fixed table of FWD_CLIENT_SLOTS by keyed hash: two
 * clients in one slot share a share (rare, and never more than that). */
#define FWD_CLIENT_SHARE (FWD_MAX_PENDING / 8)
#define FWD_CLIENT_SLOTS 4096

typedef struct fwd_client {
	struct fwd_client *next;
	uint8_t hdr[4];                   /* ID and flags as the client sent them */
	uint8_t qsec[DNAME_MAXLEN + 4];   /* its question, its case */
	uint16_t qsec_len;
	bool edns, edns_do, tcp;
	uint16_t edns_size;
	size_t limit;
	void *conn;                       /* TCP; NULL once the connection is gone */
	unsigned *conn_pending;           /* TCP: its count of answers owed (forward.h) */
	struct sockaddr_storage peer, local, listen;
	socklen_t peer_len, listen_len;
	tsig_reply_t *tsig;               /* a signed query: sign the answer (tsig_answer.h) */
	/* A CNAME chain that led here (chain.h): the answer so far, which the
	 * answer to the query (the chain's target) completes. 0: none. */
	uint16_t prefix_len;
	uint8_t prefix[];
} fwd_client_t;

typedef struct fwd_query {
	forwarder_t *f;
	struct fwd_query *hnext;          /* coalescing chain */
	struct fwd_query *prev, *next;    /* all queries in flight */
	uint32_t bucket;
	cache_t *cache;                   /* a reference: the view's */
	cache_key_t key;
	struct sockaddr_storage *up;      /* the view's forwarders, copied */
	socklen_t *up_len;
	size_t nup, cur;
	uint16_t id;
	int fd;                           /* UDP socket of the current try */
	struct event *read_ev;
	struct event *timer_ev;
	struct bufferevent *bev;          /* TCP retry */
	uint8_t qmsg[12 + DNAME_MAXLEN + 4 + 11];
	size_t qmsg_len;
	fwd_client_t *clients;
	unsigned nclients;
	nat_map_t doctor;                 /* DNS doctoring: the view's NAT rules, copied
	                                     (no ports); nrules 0: off */
	uint32_t owner;                   /* client_pending slot of the client that started it */
	unsigned stat_view;               /* forwarder_t.vst slot of the view */
	struct timespec sent_at;          /* when the current try was sent */
} fwd_query_t;

struct forwarder {
	struct event_base *base;          /* the worker's */
	unsigned id;                      /* the worker's, for logs */
	forward_reply_fn reply;           /* the network layer's */
	void *reply_arg;
	fwd_query_t *buckets[FWD_BUCKETS];
	fwd_query_t *all;
	unsigned npending;
	uint16_t client_pending[FWD_CLIENT_SLOTS];   /* queries started, per client slot */
	uint64_t seed;                    /* for fwd_bucket: chains cannot be aimed at */
	uint8_t rnd[256];
	unsigned rnd_left;
	struct {
		unsigned long long queries, cache_hits, coalesced, refused_rd0;
		unsigned long long sent, sent_tcp, accepted, dropped, timeouts;
		unsigned long long upstream_errors, servfail, overload, doctored;
		unsigned long long client_share;   /* SERVFAIL: the client's share was in use */
		unsigned long long scrubbed;       /* records dropped from answers (scrub.h) */
	} st;
	/* forward_stats_t, per view slot (forward_add_stats) */
	struct fwd_view_stats {
		_Atomic unsigned long long sent, answers, timeouts, rcode_errors, malformed, network;
		_Atomic unsigned long long client_share, overload;
		_Atomic unsigned long long latency[FORWARD_LATENCY_BUCKETS + 1], latency_sum_us;
	} vst[FORWARD_STAT_VIEWS + 1];
	uint8_t rbuf[65535];
	uint8_t out[65535];
	uint8_t dbuf[65535];                  /* an answer being doctored */
	uint8_t cbuf[65535];                  /* the end of a chain, before assembly */
};

_Static_assert(FORWARD_STAT_VIEWS == SERVER_STAT_VIEWS, "one view slot numbering for all metrics");

const unsigned forward_latency_le_us[FORWARD_LATENCY_BUCKETS] = {
	1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
};

/* Relaxed counters: one writer (the worker), read at scrape by any thread;
 * no read-modify-write on the worker's path. */
#define FWD_COUNT(c, n) atomic_store_explicit(&(c), \
	atomic_load_explicit(&(c), memory_order_relaxed) + (n), memory_order_relaxed)

static pthread_once_t fwd_rlimit_once = PTHREAD_ONCE_INIT;

/* One socket per upstream query: thousands in flight need more descriptors
 * than the usual soft limit of 1024. Raise it to the hard limit (capped). */
static void
fwd_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static uint16_t
fwd_random16(forwarder_t *f)
{
	if (f->rnd_left < 2) {
		/* getrandom() is the kernel CSPRNG; libevent's is the fallback. */
		if (getrandom(f->rnd, sizeof(f->rnd), 0) != (ssize_t)sizeof(f->rnd))
			evutil_secure_rng_get_bytes(f->rnd, sizeof(f->rnd));
		f->rnd_left = sizeof(f->rnd);
	}
	f->rnd_left -= 2;
	return (uint16_t)(f->rnd[f->rnd_left] << 8 | f->rnd[f->rnd_left + 1]);
}

forwarder_t *
forward_new(struct event_base *base, unsigned id, forward_reply_fn reply, void *arg)
{
	pthread_once(&fwd_rlimit_once, fwd_raise_nofile);
	forwarder_t *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->base = base;
	f->id = id;
	f->reply = reply;
	f->reply_arg = arg;
	uint8_t b[8];
	for (int i = 0; i < 4; i++) {
		uint16_t r = fwd_random16(f);
		b[2 * i] = (uint8_t)(r >> 8);
		b[2 * i + 1] = (uint8_t)r;
	}
	memcpy(&f->seed, b, sizeof(f->seed));
	return f;
}

static uint32_t
fwd_bucket(const forwarder_t *f, const cache_t *cache, const cache_key_t *k)
{
	uint64_t h = (f->seed ^ (uint64_t)(uintptr_t)cache) * 0x9E3779B97F4A7C15ULL;
	h ^= (uint64_t)k->qtype << 24 | (uint64_t)k->qclass << 8 | k->bits;
	for (size_t i = 0; i < k->name_len; i++)
		h = (h ^ k->name[i]) * 0x100000001B3ULL;
	return (uint32_t)(h ^ h >> 32) & (FWD_BUCKETS - 1);
}

/* The client_pending slot of a client address (IPv4 address, IPv6 /64). */
static uint32_t
fwd_client_slot(const forwarder_t *f, const struct sockaddr_storage *peer)
{
	const uint8_t *a = NULL;
	size_t n = 0;
	if (peer != NULL && peer->ss_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
		n = 4;
	} else if (peer != NULL && peer->ss_family == AF_INET6) {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
		n = 8;
	}
	uint64_t h = f->seed * 0x9E3779B97F4A7C15ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ a[i]) * 0x100000001B3ULL;
	return (uint32_t)(h ^ h >> 32) & (FWD_CLIENT_SLOTS - 1);
}

static bool
fwd_key_equal(const cache_key_t *a, const cache_key_t *b)
{
	return a->name_len == b->name_len && a->qtype == b->qtype && a->qclass == b->qclass &&
	       a->bits == b->bits && memcmp(a->name, b->name, a->name_len) == 0;
}

/* ---------------------------------------------------------------------------
 * Answers to clients
 */

static void
fwd_client_desc(const fwd_client_t *c, cache_client_t *cl)
{
	cl->hdr = c->hdr;
	cl->qsec = c->qsec;
	cl->qsec_len = c->qsec_len;
	cl->edns = c->edns;
	cl->edns_do = c->edns_do;
	cl->edns_size = c->edns_size;
	cl->limit = c->limit;
}

/* The question of q's key as message bytes (name, type, class). */
static size_t
fwd_key_qsec(const cache_lookup_t *k, uint8_t *qsec)
{
	memcpy(qsec, k->name, k->name_len);
	put16(qsec + k->name_len, k->qtype);
	put16(qsec + k->name_len + 2, k->qclass);
	return (size_t)k->name_len + 4;
}

/* A client at the end of a CNAME chain: its answer is the prefix followed
 * by the records of f->cbuf[0..plen) (the answer for the chain's target),
 * in f->out. Returns the length. */
static size_t
fwd_chain_finish(forwarder_t *f, const uint8_t *prefix, size_t prefix_len, size_t plen,
		 const cache_client_t *cl)
{
	memmove(f->out, prefix, prefix_len);
	size_t n = prefix_len;
	if (!chain_append(f->out, &n, sizeof(f->out), f->cbuf, plen))
		return chain_fail(f->out, n, LDNS_RCODE_SERVFAIL, cl->limit, cl->edns, cl->edns_do,
				  cl->edns_size);
	/* AA stays as the chain began: in a zone of ours (as BIND) */
	return chain_finish(f->out, n, f->cbuf[3] & 0x0F, true, cl->limit, cl->edns, cl->edns_do,
			    cl->edns_size);
}

/* The answer for one waiting client from m (written to f->out). */
static size_t
fwd_client_write(forwarder_t *f, const fwd_client_t *c, const cache_msg_t *m)
{
	cache_client_t cl;
	fwd_client_desc(c, &cl);
	if (c->prefix_len == 0)
		return cache_msg_write(m, 0, &cl, f->out);
	uint8_t qsec[DNAME_MAXLEN + 4];
	cache_lookup_t lk = cache_key_lookup(&m->key);
	cache_client_t tcl = { .hdr = c->hdr, .qsec = qsec, .qsec_len = fwd_key_qsec(&lk, qsec),
			       .limit = sizeof(f->cbuf) };
	size_t plen = cache_msg_write(m, 0, &tcl, f->cbuf);
	return fwd_chain_finish(f, c->prefix, c->prefix_len, plen, &cl);
}

static void
fwd_client_free(fwd_client_t *c)
{
	if (c != NULL)
		free(c->tsig);
	free(c);
}

/* msg is f->out: room for the TSIG record of a signed query. Signed within
 * the client's own size (c->limit left room for the record): an answer
 * that does not fit with it is cut to TC, signed (tsig_answer.h). */
static void
fwd_deliver(forwarder_t *f, fwd_client_t *c, uint8_t *msg, size_t len)
{
	if (c->tsig != NULL &&
	    (len = tsig_answer_fit(c->tsig, msg, len, c->limit + tsig_reply_size(c->tsig))) == 0)
		return;   /* never an unsigned answer to a signed query */
	if (c->tcp) {
		if (c->conn == NULL)
			return;
		/* forgotten first: the reply may free the connection */
		forward_reply_to_t to = { .conn = c->conn };
		c->conn = NULL;
		(*c->conn_pending)--;
		f->reply(f->reply_arg, &to, msg, len);
		return;
	}
	forward_reply_to_t to = {
		.peer = &c->peer, .peer_len = c->peer_len, .local = &c->local,
		.listen = &c->listen, .listen_len = c->listen_len,
	};
	f->reply(f->reply_arg, &to, msg, len);
}

/* Close the current try's socket or connection. */
static void
fwd_close_transport(fwd_query_t *q)
{
	if (q->read_ev != NULL) {
		event_free(q->read_ev);
		q->read_ev = NULL;
	}
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
	if (q->bev != NULL) {
		bufferevent_free(q->bev);
		q->bev = NULL;
	}
}

static void
fwd_query_free(fwd_query_t *q)
{
	forwarder_t *f = q->f;
	fwd_query_t **pp = &f->buckets[q->bucket];
	while (*pp != NULL && *pp != q)
		pp = &(*pp)->hnext;
	if (*pp == q)
		*pp = q->hnext;
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		f->all = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	f->npending--;
	f->client_pending[q->owner]--;
	fwd_close_transport(q);
	if (q->timer_ev != NULL)
		event_free(q->timer_ev);
	while (q->clients != NULL) {
		fwd_client_t *c = q->clients;
		q->clients = c->next;
		if (c->tcp && c->conn != NULL)
			(*c->conn_pending)--;     /* nothing will be sent */
		fwd_client_free(c);
	}
	cache_unref(&q->cache);
	free(q->up);
	free(q->up_len);
	free(q->doctor.rules);
	free(q);
}

static struct fwd_view_stats *
fwd_vst(const fwd_query_t *q)
{
	return &q->f->vst[q->stat_view];
}

/* A try was sent: start its clock. */
static void
fwd_count_sent(fwd_query_t *q)
{
	clock_gettime(CLOCK_MONOTONIC, &q->sent_at);
	FWD_COUNT(fwd_vst(q)->sent, 1);
}

/* An answer to the current try was accepted: its latency. */
static void
fwd_count_answer(fwd_query_t *q)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long us = (long long)(now.tv_sec - q->sent_at.tv_sec) * 1000000 +
		       (now.tv_nsec - q->sent_at.tv_nsec) / 1000;
	if (us < 0)
		us = 0;
	unsigned b = 0;
	while (b < FORWARD_LATENCY_BUCKETS && (unsigned long long)us > forward_latency_le_us[b])
		b++;
	struct fwd_view_stats *v = fwd_vst(q);
	FWD_COUNT(v->answers, 1);
	FWD_COUNT(v->latency[b], 1);
	FWD_COUNT(v->latency_sum_us, (unsigned long long)us);
}

void
forward_add_stats(const forwarder_t *f, forward_stats_t *out)
{
	for (unsigned i = 0; i <= FORWARD_STAT_VIEWS; i++) {
		const struct fwd_view_stats *v = &f->vst[i];
		forward_stats_t *o = &out[i];
		o->sent += atomic_load_explicit(&v->sent, memory_order_relaxed);
		o->answers += atomic_load_explicit(&v->answers, memory_order_relaxed);
		o->timeouts += atomic_load_explicit(&v->timeouts, memory_order_relaxed);
		o->rcode_errors += atomic_load_explicit(&v->rcode_errors, memory_order_relaxed);
		o->malformed += atomic_load_explicit(&v->malformed, memory_order_relaxed);
		o->network += atomic_load_explicit(&v->network, memory_order_relaxed);
		o->client_share += atomic_load_explicit(&v->client_share, memory_order_relaxed);
		o->overload += atomic_load_explicit(&v->overload, memory_order_relaxed);
		for (unsigned b = 0; b <= FORWARD_LATENCY_BUCKETS; b++)
			o->latency[b] += atomic_load_explicit(&v->latency[b], memory_order_relaxed);
		o->latency_sum_us += atomic_load_explicit(&v->latency_sum_us, memory_order_relaxed);
	}
}

/* Every forwarder failed: SERVFAIL to everyone waiting. */
static void
fwd_fail(fwd_query_t *q)
{
	forwarder_t *f = q->f;
	for (fwd_client_t *c = q->clients; c != NULL; c = c->next) {
		cache_client_t cl;
		fwd_client_desc(c, &cl);
		size_t n = cache_write_rcode(LDNS_RCODE_SERVFAIL, &cl, f->out);
		f->st.servfail++;
		fwd_deliver(f, c, f->out, n);
	}
	fwd_query_free(q);
}

/* ---------------------------------------------------------------------------
 * Upstream
 */

static void fwd_udp_read_cb(evutil_socket_t fd, short what, void *arg);
static void fwd_tcp_read_cb(struct bufferevent *bev, void *arg);
static void fwd_tcp_event_cb(struct bufferevent *bev, short what, void *arg);

static void
fwd_arm_timer(fwd_query_t *q, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	evtimer_add(q->timer_ev, &tv);
}

static void
fwd_set_id(fwd_query_t *q)
{
	q->id = fwd_random16(q->f);
	put16(q->qmsg, q->id);
}

/* Send the question to forwarder q->cur over UDP. False: could not. */
static bool
fwd_send_udp(fwd_query_t *q)
{
	forwarder_t *f = q->f;
	const struct sockaddr_storage *up = &q->up[q->cur];
	fwd_close_transport(q);
	int fd = socket(up->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_debug("forward: socket: %s", strerror(errno));
		return false;
	}
	/* Port 0: the kernel picks a random free port from the ephemeral range. */
	struct sockaddr_storage any;
	memset(&any, 0, sizeof(any));
	any.ss_family = up->ss_family;
	socklen_t anylen = up->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						      : sizeof(struct sockaddr_in);
	if (bind(fd, (struct sockaddr *)&any, anylen) < 0) {
		log_debug("forward: bind: %s", strerror(errno));
		close(fd);
		return false;
	}
	q->fd = fd;
	fwd_set_id(q);
	if (sendto(fd, q->qmsg, q->qmsg_len, 0, (const struct sockaddr *)up, q->up_len[q->cur]) < 0) {
		log_debug("forward: sendto: %s", strerror(errno));
		return false;
	}
	q->read_ev = event_new(f->base, fd, EV_READ | EV_PERSIST, fwd_udp_read_cb, q);
	if (q->read_ev == NULL || event_add(q->read_ev, NULL) < 0)
		return false;
	fwd_arm_timer(q, FWD_UDP_TIMEOUT_MS);
	f->st.sent++;
	fwd_count_sent(q);
	return true;
}

/* Ask forwarder q->cur again over TCP. */
static bool
fwd_send_tcp(fwd_query_t *q)
{
	forwarder_t *f = q->f;
	fwd_close_transport(q);
	q->bev = bufferevent_socket_new(f->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (q->bev == NULL)
		return false;
	bufferevent_setcb(q->bev, fwd_tcp_read_cb, NULL, fwd_tcp_event_cb, q);
	if (bufferevent_socket_connect(q->bev, (const struct sockaddr *)&q->up[q->cur],
				       (int)q->up_len[q->cur]) < 0)
		return false;
	fwd_set_id(q);
	uint8_t len[2];
	put16(len, (uint16_t)q->qmsg_len);
	if (bufferevent_write(q->bev, len, 2) < 0 ||
	    bufferevent_write(q->bev, q->qmsg, q->qmsg_len) < 0 ||
	    bufferevent_enable(q->bev, EV_READ | EV_WRITE) < 0)
		return false;
	fwd_arm_timer(q, FWD_TCP_TIMEOUT_MS);
	f->st.sent++;
	f->st.sent_tcp++;
	fwd_count_sent(q);
	return true;
}

/* Try forwarders from q->cur on until one takes the question. */
static bool
fwd_try(fwd_query_t *q)
{
	for (; q->cur < q->nup; q->cur++)
		if (fwd_send_udp(q))
			return true;
		else
			FWD_COUNT(fwd_vst(q)->network, 1);
	fwd_close_transport(q);
	return false;
}

/* This forwarder failed: on to the next, or give up. */
static void
fwd_next(fwd_query_t *q)
{
	fwd_close_transport(q);
	evtimer_del(q->timer_ev);
	q->cur++;
	if (!fwd_try(q))
		fwd_fail(q);
}

/* Is msg an answer to our question with our ID? (Source checked by caller.) */
static bool
fwd_matches(const fwd_query_t *q, const uint8_t *msg, size_t len)
{
	const cache_key_t *k = &q->key;
	if (len < 12 + (size_t)k->name_len + 4)
		return false;
	if (get16(msg) != q->id || !(msg[2] & 0x80) || get16(msg + 4) != 1)
		return false;
	for (size_t i = 0; i < k->name_len; i++)
		if (dname_lower[msg[12 + i]] != k->name[i])
			return false;
	const uint8_t *t = msg + 12 + k->name_len;
	return get16(t) == k->qtype && get16(t + 2) == k->qclass;
}

/* An accepted answer from forwarder q->cur. May free q. */
static void
fwd_handle_answer(fwd_query_t *q, const uint8_t *msg, size_t len, bool via_tcp)
{
	forwarder_t *f = q->f;
	f->st.accepted++;
	fwd_count_answer(q);
	if (!via_tcp && (msg[2] & 0x02)) {
		/* Truncated: the same forwarder over TCP. */
		evtimer_del(q->timer_ev);
		if (!fwd_send_tcp(q)) {
			FWD_COUNT(fwd_vst(q)->network, 1);
			fwd_next(q);
		}
		return;
	}
	uint8_t rcode = msg[3] & 0x0F;
	if (rcode == LDNS_RCODE_SERVFAIL || rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTIMPL ||
	    rcode == LDNS_RCODE_FORMERR) {
		f->st.upstream_errors++;
		FWD_COUNT(fwd_vst(q)->rcode_errors, 1);
		fwd_next(q);
		return;
	}
	if (q->doctor.nrules > 0 && !(q->key.bits & CACHE_KEY_DO)) {
		/* DNS doctoring: mapped public addresses become private ones
		 * before the answer is cached (in this view's cache only) and sent */
		memcpy(f->dbuf, msg, len);
		size_t n = nat_doctor_message(&q->doctor, f->dbuf, len);
		if (n > 0) {
			f->st.doctored += n;
			msg = f->dbuf;
		}
	}
	/* records outside the question's chain go (scrub.h) */
	size_t slen;
	unsigned dropped;
	uint8_t *scrubbed = scrub_response(msg, len, &q->key, &slen, &dropped);
	if (scrubbed != NULL) {
		f->st.scrubbed += dropped;
		msg = scrubbed;
		len = slen;
	}
	uint32_t min_ttl, max_ttl, max_neg_ttl;
	cache_get_clamps(q->cache, &min_ttl, &max_ttl, &max_neg_ttl);
	cache_msg_t *m = cache_msg_parse(msg, len, &q->key, min_ttl, max_ttl, max_neg_ttl);
	/* A cacheable answer is stored before any client gets it: a client that
	 * retries at once (over TCP after TC, on another worker) must find it in
	 * the cache, not forward again. The cache takes over its own copy (it
	 * may evict it at any time), the clients are written from this one. */
	cache_msg_t *keep = m != NULL && m->ttl > 0
		? cache_msg_parse(msg, len, &q->key, min_ttl, max_ttl, max_neg_ttl) : NULL;
	free(scrubbed);
	if (m == NULL) {
		log_debug("forward: unusable answer from forwarder #%zu", q->cur + 1);
		f->st.upstream_errors++;
		FWD_COUNT(fwd_vst(q)->malformed, 1);
		fwd_next(q);
		return;
	}
	if (keep != NULL)
		cache_store(q->cache, keep, cache_now_ms());
	for (fwd_client_t *c = q->clients; c != NULL; c = c->next) {
		size_t n = fwd_client_write(f, c, m);
		fwd_deliver(f, c, f->out, n);
	}
	cache_msg_free(m);
	fwd_query_free(q);
}

static bool
fwd_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

static void
fwd_udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	fwd_query_t *q = arg;
	forwarder_t *f = q->f;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom((int)fd, f->rbuf, sizeof(f->rbuf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;   /* EAGAIN; an ICMP error is left to the timeout */
		}
		if (!fwd_same_addr(&from, &q->up[q->cur]) || !fwd_matches(q, f->rbuf, (size_t)n)) {
			/* Wrong source, ID or question: spoofed, or a stray. */
			f->st.dropped++;
			continue;
		}
		fwd_handle_answer(q, f->rbuf, (size_t)n, false);
		return;   /* q may be gone */
	}
}

static void
fwd_tcp_read_cb(struct bufferevent *bev, void *arg)
{
	fwd_query_t *q = arg;
	forwarder_t *f = q->f;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t have = evbuffer_get_length(in);
	if (have < 2)
		return;
	uint8_t hdr[2];
	evbuffer_copyout(in, hdr, 2);
	size_t mlen = get16(hdr);
	if (have < mlen + 2)
		return;
	const uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(mlen + 2));
	if (msg == NULL || !fwd_matches(q, msg + 2, mlen)) {
		f->st.dropped++;
		fwd_next(q);
		return;
	}
	memcpy(f->rbuf, msg + 2, mlen);
	fwd_handle_answer(q, f->rbuf, mlen, true);
}

static void
fwd_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	fwd_query_t *q = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	log_debug("forward: TCP to forwarder #%zu failed (events 0x%x)", q->cur + 1, (unsigned)what);
	FWD_COUNT(fwd_vst(q)->network, 1);
	fwd_next(q);
}

static void
fwd_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	fwd_query_t *q = arg;
	q->f->st.timeouts++;
	FWD_COUNT(fwd_vst(q)->timeouts, 1);
	log_debug("forward: forwarder #%zu timed out", q->cur + 1);
	fwd_next(q);
}

/* ---------------------------------------------------------------------------
 * Entry points
 */

static fwd_client_t *
fwd_client_new(const query_fwd_t *qf, const uint8_t *q, const forward_reply_to_t *to)
{
	size_t plen = qf->prefix != NULL ? qf->prefix_len : 0;
	if (plen > UINT16_MAX)
		return NULL;
	fwd_client_t *c = calloc(1, sizeof(*c) + plen);
	if (c == NULL)
		return NULL;
	if (qf->tsig != NULL) {
		/* copied: the worker's copy is reused by its next query */
		if ((c->tsig = malloc(sizeof(*c->tsig))) == NULL) {
			free(c);
			return NULL;
		}
		*c->tsig = *qf->tsig;
	}
	if (plen > 0)
		memcpy(c->prefix, qf->prefix, plen);
	c->prefix_len = (uint16_t)plen;
	memcpy(c->hdr, q, 4);
	memcpy(c->qsec, q + 12, qf->qsec_len);
	c->qsec_len = (uint16_t)qf->qsec_len;
	c->edns = qf->edns;
	c->edns_do = qf->edns_do;
	c->edns_size = qf->edns_size;
	c->limit = qf->limit;
	if (to->conn != NULL) {
		c->tcp = true;
		c->conn = to->conn;
		c->conn_pending = to->pending;
	} else {
		memcpy(&c->peer, to->peer, to->peer_len);
		c->peer_len = to->peer_len;
		memcpy(&c->local, to->local, sizeof(c->local));
		memcpy(&c->listen, to->listen, to->listen_len);
		c->listen_len = to->listen_len;
	}
	return c;
}

static void
fwd_client_add(fwd_query_t *q, fwd_client_t *c)
{
	c->next = q->clients;
	q->clients = c;
	q->nclients++;
	if (c->tcp)
		(*c->conn_pending)++;
}

/* The message we send upstream: our ID, RD, the client's CD, the question in
 * lower case, an OPT with our UDP size and the client's DO. */
static void
fwd_build_query(fwd_query_t *q, uint16_t edns_size)
{
	uint8_t *p = q->qmsg;
	memset(p, 0, 12);
	p[2] = 0x01;
	p[3] = (q->key.bits & CACHE_KEY_CD) ? 0x10 : 0;
	p[5] = 1;
	p[11] = 1;
	size_t n = 12;
	memcpy(p + n, q->key.name, q->key.name_len);
	n += q->key.name_len;
	put16(p + n, q->key.qtype);
	put16(p + n + 2, q->key.qclass);
	n += 4;
	/* OPT: root owner, our UDP size, extended rcode and version 0, DO */
	p[n++] = 0;
	put16(p + n, LDNS_RR_TYPE_OPT);
	put16(p + n + 2, edns_size);
	p[n + 4] = 0;
	p[n + 5] = 0;
	p[n + 6] = (q->key.bits & CACHE_KEY_DO) ? 0x80 : 0;
	p[n + 7] = 0;
	put16(p + n + 8, 0);   /* no options */
	n += 10;
	q->qmsg_len = n;
}

/* A question answered SERVFAIL without asking upstream (counted for the
 * log and per view for the metrics): the client's share of the worker's
 * pending questions was in use, or the worker was full or out of memory. */
static size_t
fwd_shed(forwarder_t *f, const query_fwd_t *qf, bool client_share, const cache_client_t *cl,
	 uint8_t *out)
{
	struct fwd_view_stats *v = &f->vst[qf->view < FORWARD_STAT_VIEWS ? qf->view : FORWARD_STAT_VIEWS];
	if (client_share) {
		f->st.client_share++;
		FWD_COUNT(v->client_share, 1);
	} else {
		f->st.overload++;
		FWD_COUNT(v->overload, 1);
	}
	return cache_write_rcode(LDNS_RCODE_SERVFAIL, cl, out);
}

static size_t
fwd_query_start(forwarder_t *f, const snapshot_t *s, const query_fwd_t *qf, const uint8_t *qpkt,
		uint8_t *out, const forward_reply_to_t *to)
{
	const view_t *v = &s->views[qf->view];
	f->st.queries++;
	/* looked up without a copy of the name; the key is built on a miss */
	const cache_lookup_t lk = {
		.name = qf->qname, .name_len = qf->qname_len, .qtype = qf->qtype, .qclass = qf->qclass,
		.bits = cache_key_bits(qf->edns_do, qpkt), .name_hash = qf->qname_hash,
	};
	cache_client_t cl = {
		.hdr = qpkt, .qsec = qpkt + 12, .qsec_len = qf->qsec_len, .edns = qf->edns,
		.edns_do = qf->edns_do, .edns_size = qf->edns_size, .limit = qf->limit,
	};
	if (v->cache == NULL || v->conf->nforwarders == 0)
		return cache_write_rcode(LDNS_RCODE_SERVFAIL, &cl, out);
	size_t n;
	if (qf->prefix != NULL) {
		/* the end of a CNAME chain: the cache's answer for its target,
		 * behind the chain (the prefix is in out: assembled aside) */
		uint8_t qsec[DNAME_MAXLEN + 4];
		cache_client_t tcl = { .hdr = qpkt, .qsec = qsec, .qsec_len = fwd_key_qsec(&lk, qsec),
				       .limit = sizeof(f->cbuf) };
		size_t plen = cache_answer(v->cache, &lk, &tcl, f->cbuf, cache_now_ms());
		n = plen > 0 ? fwd_chain_finish(f, qf->prefix, qf->prefix_len, plen, &cl) : 0;
		if (n > 0)
			memcpy(out, f->out, n);
	} else {
		/* query.c answered a hit itself: a miss is not looked up twice */
		n = qf->cache_missed ? 0 : cache_answer(v->cache, &lk, &cl, out, cache_now_ms());
	}
	if (n > 0) {
		f->st.cache_hits++;
		return n;
	}
	if (!qf->rd) {
		/* RD=0: answered from the cache only, never forwarded; the end of
		 * a chain that is not cached leaves the chain as it is. */
		if (qf->prefix != NULL) {
			memmove(out, qf->prefix, qf->prefix_len);
			return chain_finish(out, qf->prefix_len, LDNS_RCODE_NOERROR, true, qf->limit,
					    qf->edns, qf->edns_do, qf->edns_size);
		}
		f->st.refused_rd0++;
		return cache_write_rcode(LDNS_RCODE_REFUSED, &cl, out);
	}

	cache_key_t key;
	memcpy(key.name, lk.name, lk.name_len);
	key.name_len = (uint8_t)lk.name_len;
	key.qtype = lk.qtype;
	key.qclass = lk.qclass;
	key.bits = lk.bits;
	uint32_t bucket = fwd_bucket(f, v->cache, &key);
	for (fwd_query_t *q = f->buckets[bucket]; q != NULL; q = q->hnext) {
		if (q->cache != v->cache || !fwd_key_equal(&q->key, &key))
			continue;
		fwd_client_t *c = q->nclients < FWD_MAX_WAITING ? fwd_client_new(qf, qpkt, to) : NULL;
		if (c == NULL)
			return fwd_shed(f, qf, false, &cl, out);
		fwd_client_add(q, c);
		f->st.coalesced++;
		return 0;
	}
	if (f->npending >= FWD_MAX_PENDING)
		return fwd_shed(f, qf, false, &cl, out);
	uint32_t owner = fwd_client_slot(f, to->peer);
	if (f->client_pending[owner] >= FWD_CLIENT_SHARE)
		return fwd_shed(f, qf, true, &cl, out);

	/* DNS doctoring: the view's NAT rules, copied (the query may outlive
	 * the snapshot: a reload) */
	const nat_map_t *nat = s->conf->nat;
	bool doctor = v->conf->nat_doctoring == 1 ||
		      (v->conf->nat_doctoring == -1 && v->conf->recursion);
	size_t ndoctor = doctor && nat != NULL ? nat->nrules : 0;
	/* Per-query memory: out of it, this client gets SERVFAIL (arena.h) --
	 * never an answer that skipped the doctoring. */
	fwd_query_t *q = calloc(1, sizeof(*q));
	fwd_client_t *c = fwd_client_new(qf, qpkt, to);
	size_t nup = v->conf->nforwarders;
	if (q != NULL) {
		q->stat_view = qf->view < FORWARD_STAT_VIEWS ? qf->view : FORWARD_STAT_VIEWS;
		q->up = calloc(nup, sizeof(*q->up));
		q->up_len = calloc(nup, sizeof(*q->up_len));
		q->timer_ev = evtimer_new(f->base, fwd_timeout_cb, q);
		if (ndoctor > 0)
			q->doctor.rules = calloc(ndoctor, sizeof(*q->doctor.rules));
	}
	if (q == NULL || c == NULL || q->up == NULL || q->up_len == NULL || q->timer_ev == NULL ||
	    (ndoctor > 0 && q->doctor.rules == NULL)) {
		if (q != NULL) {
			if (q->timer_ev != NULL)
				event_free(q->timer_ev);
			free(q->up);
			free(q->up_len);
			free(q->doctor.rules);
		}
		free(q);
		fwd_client_free(c);
		return fwd_shed(f, qf, false, &cl, out);
	}
	q->f = f;
	q->fd = -1;
	q->key = key;
	q->bucket = bucket;
	q->nup = nup;
	for (size_t i = 0; i < nup; i++) {
		memcpy(&q->up[i], &v->conf->forwarders[i].ss, v->conf->forwarders[i].len);
		q->up_len[i] = v->conf->forwarders[i].len;
	}
	q->cache = v->cache;
	cache_ref(q->cache);
	for (size_t i = 0; i < ndoctor; i++) {
		q->doctor.rules[i].pub = nat->rules[i].pub;
		q->doctor.rules[i].priv = nat->rules[i].priv;
	}
	q->doctor.nrules = ndoctor;
	fwd_build_query(q, qf->edns_size);
	/* Linked before the first send so that fwd_query_free() can undo it. */
	q->hnext = f->buckets[bucket];
	f->buckets[bucket] = q;
	q->next = f->all;
	if (f->all != NULL)
		f->all->prev = q;
	f->all = q;
	f->npending++;
	q->owner = owner;
	f->client_pending[owner]++;
	if (!fwd_try(q)) {
		fwd_query_free(q);
		fwd_client_free(c);
		f->st.servfail++;
		return cache_write_rcode(LDNS_RCODE_SERVFAIL, &cl, out);
	}
	fwd_client_add(q, c);
	return 0;
}

void
forward_conn_gone(forwarder_t *f, const void *conn)
{
	for (fwd_query_t *q = f->all; q != NULL; q = q->next)
		for (fwd_client_t *c = q->clients; c != NULL; c = c->next)
			if (c->tcp && c->conn == conn)
				c->conn = NULL;
}

void
forward_free(forwarder_t **fp)
{
	if (fp == NULL || *fp == NULL)
		return;
	forwarder_t *f = *fp;
	*fp = NULL;
	while (f->all != NULL)
		fwd_query_free(f->all);
	if (f->st.queries > 0)
		log_notice("worker %u forwarder: %llu questions (cache misses, chain ends), "
			   "%llu chain ends from the cache, %llu coalesced, "
			   "%llu refused (RD=0); upstream: %llu sent (%llu over tcp), %llu answers "
			   "accepted, %llu dropped (wrong source, ID or question), %llu timeouts, "
			   "%llu errors; %llu servfail, %llu overload, %llu over a client's share; "
			   "%llu addresses doctored, %llu records outside the question's chain dropped",
			   f->id, f->st.queries, f->st.cache_hits, f->st.coalesced,
			   f->st.refused_rd0, f->st.sent, f->st.sent_tcp, f->st.accepted,
			   f->st.dropped, f->st.timeouts, f->st.upstream_errors, f->st.servfail,
			   f->st.overload, f->st.client_share, f->st.doctored, f->st.scrubbed);
	free(f);
}

size_t
forward_query(forwarder_t *f, const snapshot_t *s, const query_fwd_t *qf, const uint8_t *qpkt,
	      uint8_t *out, const forward_reply_to_t *to)
{
	size_t n = fwd_query_start(f, s, qf, qpkt, out, to);
	if (n > 0 && qf->tsig != NULL)
		n = tsig_answer_fit(qf->tsig, out, n, qf->limit + tsig_reply_size(qf->tsig));
	return n;
}

/* forward.h -- the per-worker forwarder of recursive views.
 *
 * DESIGN. Every worker has one forwarder on its own event_base; nothing in
 * it is shared with other threads but the views' caches (cache.h, sharded
 * mutexes). A query the query path hands over (query_answer_fwd) is first
 * looked up in the view's cache and, on a hit, answered at once into the
 * worker's batch. Otherwise it joins an identical question already in
 * flight in this worker (same view, name, type, class, DO and CD bits), or
 * starts a new upstream query that copies everything it needs out of the
 * snapshot -- the forwarders' addresses, a reference to the view's cache,
 * the question and, per waiting client, its header, question bytes, EDNS
 * flags, size limit and address -- so it outlives the batch and any reload.
 *
 * An upstream query uses a fresh UDP socket bound to port 0 (the kernel
 * picks a random source port) and a fresh 16-bit ID from getrandom(). Only a
 * datagram from the forwarder's own address and port, with that ID, QR set
 * and the same question (case-insensitive) is accepted; everything else is
 * dropped and counted. No answer within 1.5 s, or SERVFAIL/REFUSED/NOTIMP/
 * FORMERR or an unusable answer: the next forwarder. TC: the same forwarder
 * again over TCP (3 s). All failed: SERVFAIL to every waiting client.
 * Each client gets the answer with its own ID and question bytes, limited to
 * its UDP size. Per forwarded query there is one malloc for the query, one
 * per waiting client and one for the parsed answer (which the cache keeps).
 *
 * The end of a CNAME/DNAME chain that left a zone of the view (query.h,
 * chain.h) comes here as the chain's target with the chain so far: the
 * waiting client keeps a copy of that prefix (in its own malloc), and its
 * answer is the prefix followed by the cache's or the upstream's answer for
 * the target; identical targets share one upstream query as usual.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_FORWARD_H
#define HZ_FORWARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "query.h"

struct event_base;
struct snapshot;

typedef struct forwarder forwarder_t;

/* Who a late answer goes to, as the network layer describes its client.
 * forward_query() copies the addresses; conn is the network layer's own
 * handle of a stream connection, never looked into here. */
typedef struct forward_reply_to {
	void *conn;                             /* TCP client; NULL: UDP */
	unsigned *pending;                      /* TCP: the connection's count of answers it
	                                           is owed; the forwarder adds one per query
	                                           it keeps and takes it off before the reply
	                                           (or when it drops the query unanswered) */
	const struct sockaddr_storage *peer;    /* the client (UDP: where the answer goes;
	                                           both: whose share of pending upstream
	                                           queries it counts against) */
	socklen_t peer_len;
	const struct sockaddr_storage *local;   /* UDP: the address it asked (our source) */
	const struct sockaddr_storage *listen;  /* UDP: the listener it came in on */
	socklen_t listen_len;
} forward_reply_to_t;

/* Send a late answer msg[0..len) to a client: registered by the network
 * layer, called on the worker's thread from its event loop (never from
 * inside forward_query()). to points at the forwarder's copy of the
 * client's addresses; to->conn is a connection that forward_conn_gone()
 * has not yet been told about. */
typedef void (*forward_reply_fn)(void *arg, const forward_reply_to_t *to,
				 const uint8_t *msg, size_t len);

/* A forwarder on the worker's event base (id: the worker's, for logs), which
 * sends its late answers through reply(arg, ...). Call before the worker
 * runs. NULL: no memory. */
forwarder_t *forward_new(struct event_base *base, unsigned id, forward_reply_fn reply, void *arg);

/* Drop every query in flight (no answers are sent), log the counters if
 * anything was forwarded, release; clears *f. Accepts NULL. */
void forward_free(forwarder_t **f);

/* Handle a query that query_answer_fwd() marked for forwarding, inside the
 * worker's publish_enter/leave (s is the snapshot qf was made from; q the
 * client's message). Returns the length of an answer written to out now (a
 * cache hit, REFUSED for RD=0 without a cached answer, SERVFAIL when
 * overloaded or out of memory), or 0 if the answer will be sent later. out holds qf->limit
 * (plus the TSIG record of a signed query: qf->tsig, which signs every
 * answer to it, now or later). */
size_t forward_query(forwarder_t *f, const struct snapshot *s, const query_fwd_t *qf,
		     const uint8_t *q, uint8_t *out, const forward_reply_to_t *to);

/* A TCP connection (forward_reply_to_t.conn) with answers pending is being
 * freed: forget it and its pending counter. */
void forward_conn_gone(forwarder_t *f, const void *conn);

/* Upstream latency histogram: the upper bounds of its buckets in
 * microseconds (1 ms .. 2.5 s); one more bucket counts the rest (+Inf). */
#define FORWARD_LATENCY_BUCKETS 10
extern const unsigned forward_latency_le_us[FORWARD_LATENCY_BUCKETS];

/* Forwarder counters of one view (metrics.c). Failures are per upstream
 * try: a query that falls over to the next forwarder counts one. */
typedef struct forward_stats {
	unsigned long long sent;          /* questions sent upstream (UDP and TCP) */
	unsigned long long answers;       /* answers accepted (our ID, question, source) */
	unsigned long long timeouts;      /* no answer in time */
	unsigned long long rcode_errors;  /* SERVFAIL, REFUSED, NOTIMP or FORMERR from upstream */
	unsigned long long malformed;     /* an answer the cache could not parse */
	unsigned long long network;       /* socket, send or TCP connection failed */
	/* questions answered SERVFAIL without asking upstream: the client had
	 * its share of the worker's pending questions in use, or the worker was
	 * full (or out of memory) */
	unsigned long long client_share, overload;
	/* latency of accepted answers, by bucket (not cumulative; the last is
	 * +Inf), and their sum in microseconds */
	unsigned long long latency[FORWARD_LATENCY_BUCKETS + 1];
	unsigned long long latency_sum_us;
} forward_stats_t;

/* Add f's counters into out[0..FORWARD_STAT_VIEWS]: slot i is the view at
 * position i of the snapshot, the last slot views past the limit. Any
 * thread (relaxed reads of counters the worker writes). */
#define FORWARD_STAT_VIEWS 64
void forward_add_stats(const forwarder_t *f, forward_stats_t *out);

#endif

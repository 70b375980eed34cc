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

struct worker;
struct snapshot;
struct tcp_conn;

typedef struct forwarder forwarder_t;

/* Where a late answer goes. */
typedef struct forward_reply_to {
	struct tcp_conn *conn;                  /* TCP client; NULL: UDP */
	const struct sockaddr_storage *peer;    /* UDP: the client */
	socklen_t peer_len;
	const struct sockaddr_storage *local;   /* UDP: the address it asked (our source) */
	const struct sockaddr_storage *listen;  /* UDP: the listener it came in on */
	socklen_t listen_len;
} forward_reply_to_t;

/* Worker thread's event base; call before the worker runs. NULL: no memory. */
forwarder_t *forward_new(struct worker *w);

/* Drop every query in flight (no answers are sent), log the counters if
 * anything was forwarded, release; clears *f. Accepts NULL. */
void forward_free(forwarder_t **f);

/* Handle a query that query_answer_fwd() marked for forwarding, inside the
 * worker's publish_enter/leave (s is the snapshot qf was made from; q the
 * client's message). Returns the length of an answer written to out now (a
 * cache hit, REFUSED for RD=0 without a cached answer, SERVFAIL when
 * overloaded), or 0 if the answer will be sent later. out holds qf->limit
 * (plus the TSIG record of a signed query: qf->tsig, which signs every
 * answer to it, now or later). */
size_t forward_query(forwarder_t *f, const struct snapshot *s, const query_fwd_t *qf,
		     const uint8_t *q, uint8_t *out, const forward_reply_to_t *to);

/* A TCP connection with answers pending is being freed: forget it. */
void forward_conn_gone(forwarder_t *f, struct tcp_conn *c);

#endif

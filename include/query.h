/* query.h -- the query path: a wire query in, a wire answer out.
 *
 * query_answer() is a pure function of (snapshot, packet, source address,
 * destination address, transport): no I/O, no allocation, no locks. The
 * network layer calls it for every packet; tests and fuzzers call it without
 * sockets. Names outside the zones of a recursive view are the exception:
 * those are forwarded (query_answer_fwd(), forward.h), except the RFC 6303
 * locally served zones and the DoH canary, answered here.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_QUERY_H
#define HZ_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct snapshot;
struct conf_key;

/* Largest message we ever build (TCP). */
#define QUERY_MAX_ANSWER 65535

typedef struct query_src {
	const struct sockaddr *src;   /* the client */
	const struct sockaddr *dst;   /* local address the query arrived on; NULL = unknown */
	bool tcp;
	uint16_t reserve;             /* bytes (< 400) the answer leaves free at its end, for the
	                                 TSIG record of a signed query (tsig_answer.h) */
	const struct conf_key *key;   /* the verified TSIG key of a signed request, for
	                                 "key NAME" in match-clients; NULL: unsigned */
} query_src_t;

/* Build the answer to the query in q[0..qlen) into out (capacity outmax,
 * at least 512; pass QUERY_MAX_ANSWER for TCP). Returns the answer length,
 * or 0 when the packet must not be answered (QR=1, shorter than a header).
 * Over UDP the answer is limited to 512 bytes, or to the client's EDNS size
 * capped by the server's, with TC set if it does not fit. */
size_t query_answer(const struct snapshot *snap, const uint8_t *q, size_t qlen,
		    uint8_t *out, size_t outmax, const query_src_t *from);

/* A query that a recursive view must forward or answer from its cache
 * (see docs/resolver.md): everything the forwarder needs, copied out of the
 * packet so it can outlive the worker's batch. It is the query path's
 * output, so it is declared here: forward.h takes it, query.h knows nothing
 * of the forwarder. */
typedef struct query_fwd {
	bool forward;              /* set by query_answer_fwd() */
	unsigned view;             /* index into snapshot->views */
	uint8_t qname[255];        /* lower case wire */
	uint8_t qname_len;
	uint32_t qname_hash;       /* dname_hash(qname): the cache's key */
	uint16_t qtype, qclass;
	size_t qsec_len;           /* the question: q + 12, qsec_len bytes */
	bool rd, edns, edns_do;
	uint16_t edns_size;        /* ours, for the OPT of the reply */
	size_t limit;              /* the largest answer this client takes */
	const struct tsig_reply *tsig;  /* a signed query: sign every answer with this
	                                   (tsig.h; copy it, it lasts until the thread's
	                                   next query) */
	/* A chain that left the view's zones (chain.h): qname is the chain's
	 * target, and the answer so far -- header, the client's question, the
	 * CNAMEs -- is prefix[0..prefix_len), which lives in the out buffer of
	 * query_answer_fwd() (copy it before writing there). NULL: no chain. */
	const uint8_t *prefix;
	size_t prefix_len;
	/* The query path looked the cache up already and missed (a hit it
	 * answers itself): the forwarder does not look again. */
	bool cache_missed;
	/* For the metrics, set for every query (forwarded or not): the view
	 * that took it (QUERY_NO_VIEW: none, or not a query) and its QTYPE. */
	unsigned stat_view;
	uint16_t stat_qtype;
} query_fwd_t;

#define QUERY_NO_VIEW (~0u)

/* The view that answers a client: the first whose match-clients (and
 * match-destinations) take it; NULL if none. */
const struct view *query_view_select(const struct snapshot *snap, const query_src_t *from);

/* May from (address, verified key) transfer zone z of view v? The zone's
 * allow-transfer (none: nobody); a reverse zone auto-ptr synthesizes
 * follows the allow-transfer of the view's auto-ptr zones (any of them). */
struct view;
struct zone;
bool query_transfer_allowed(const struct view *v, const struct zone *z, const query_src_t *from);

/* query_answer(), except that a query for a name outside a recursive view's
 * zones, or whose CNAME chain leads there, returns 0 with fwd->forward set
 * and fwd filled in (nothing is written to out but a chain's prefix); the
 * worker hands it to the forwarder. query_answer()
 * itself answers such queries SERVFAIL (it has no forwarder).
 * A query whose last record is a TSIG has its signature checked by
 * tsig_answer_check() (tsig_answer.h), is answered here without it and
 * signed by tsig_answer_sign(). */
size_t query_answer_fwd(const struct snapshot *snap, const uint8_t *q, size_t qlen,
			uint8_t *out, size_t outmax, const query_src_t *from, query_fwd_t *fwd);

#endif

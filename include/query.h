/* query.h -- the query path: a wire query in, a wire answer out.
 *
 * query_answer() is a pure function of (snapshot, packet, source address,
 * destination address, transport): no I/O, no allocation, no locks. The
 * network layer calls it for every packet; tests and fuzzers call it without
 * sockets.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_QUERY_H
#define HZ_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct snapshot;

/* Largest message we ever build (TCP). */
#define QUERY_MAX_ANSWER 65535

typedef struct query_src {
	const struct sockaddr *src;   /* the client */
	const struct sockaddr *dst;   /* local address the query arrived on; NULL = unknown */
	bool tcp;
} query_src_t;

/* Build the answer to the query in q[0..qlen) into out (capacity outmax,
 * at least 512; pass QUERY_MAX_ANSWER for TCP). Returns the answer length,
 * or 0 when the packet must not be answered (QR=1, shorter than a header).
 * Over UDP the answer is limited to 512 bytes, or to the client's EDNS size
 * capped by the server's, with TC set if it does not fit. */
size_t query_answer(const struct snapshot *snap, const uint8_t *q, size_t qlen,
		    uint8_t *out, size_t outmax, const query_src_t *from);

#endif

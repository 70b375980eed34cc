/* querylog.h -- the query log (server.query-log, a view's query-log).
 *
 * DESIGN. A worker never formats or writes a log line: it copies a small
 * fixed record (client, view, name, type, rcode, flags, latency) into its
 * own single-producer ring and goes on. When the ring is full the record is
 * dropped and counted -- a worker never waits for the log. One logger
 * thread drains every ring a few times a second, formats the lines and
 * writes them through log.h (at notice level, so `-v` is not needed).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_QUERYLOG_H
#define HZ_QUERYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* One query as the worker saw it. */
typedef struct querylog_rec {
	struct sockaddr_storage client;
	uint8_t qname[255];         /* wire, as asked */
	uint8_t qname_len;          /* 0: no question */
	bool tcp;
	uint16_t qtype;
	uint8_t rcode;              /* header RCODE of the response */
	uint8_t flags;              /* QUERYLOG_* */
	unsigned view;              /* index in the snapshot */
	char view_name[64];         /* copied: the snapshot may be gone when it is written */
	uint32_t latency_us;
} querylog_rec_t;

#define QUERYLOG_RD 0x01   /* the query asked for recursion */
#define QUERYLOG_CD 0x02
#define QUERYLOG_TC 0x08   /* the response was truncated */
#define QUERYLOG_AA 0x10
#define QUERYLOG_FWD 0x20  /* handed to the forwarder (answered later) */

/* Set up one ring per worker and start the logger thread. Returns 0, or
 * -1 (logged). */
int querylog_start(unsigned nworkers);

/* Drain what is left, stop the thread, free the rings; logs how many
 * records were dropped. Safe if never started. */
void querylog_stop(void);

/* Worker side: fill rec from a query q[0..qlen), its response a[0..alen)
 * (alen 0: forwarded, answered later) and push it to worker's ring. No lock,
 * no allocation, no system call. */
void querylog_push(unsigned worker, const struct sockaddr *client, bool tcp, unsigned view,
		   const char *view_name, const uint8_t *q, size_t qlen, const uint8_t *a,
		   size_t alen, uint32_t latency_us);

/* querylog_push() for the query fwd says the view of (snap's view
 * fwd->stat_view): latency from t0 (CLOCK_MONOTONIC, when the message was
 * read) to now. */
struct snapshot;
struct query_fwd;
struct timespec;
void querylog_query(unsigned worker, const struct snapshot *snap, const struct query_fwd *fwd,
		    const struct sockaddr *client, bool tcp, const uint8_t *q, size_t qlen,
		    const uint8_t *a, size_t alen, const struct timespec *t0);

/* Format rec as one line into buf (size n): "client 127.0.0.2#5353 view
 * internal www.example.com. A NOERROR flags rd,aa udp 12us". Pure. */
void querylog_format(const querylog_rec_t *rec, char *buf, size_t n);

#endif

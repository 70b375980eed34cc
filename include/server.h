/* server.h -- the network side: worker threads, UDP and TCP on libevent.
 *
 * Each worker has its own event_base and its own SO_REUSEPORT UDP and TCP
 * sockets on every listen address, so the kernel spreads load across workers
 * and no two threads share a socket. UDP is read and written in batches with
 * recvmmsg/sendmmsg; the local destination address of every query is read
 * with IP_PKTINFO / IPV6_RECVPKTINFO, used for match-destinations and as the
 * source of the reply. TCP uses 2-byte length framing, answers pipelined
 * queries in order, closes idle connections and caps concurrent connections
 * per worker. Workers answer with query_answer() on the snapshot they get
 * from publish_enter().
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_SERVER_H
#define HZ_SERVER_H

#include <stdint.h>

#include "conf.h"
#include "qtypeclass.h"

typedef struct server server_t;

/* Open every socket for nworkers workers (errors are logged with the
 * address; returns NULL if any socket cannot be opened). Uses conf's listen
 * addresses and TCP settings; conf must outlive the call only. */
server_t *server_new(const conf_t *conf, unsigned nworkers);

/* Start the worker threads. Returns 0, or -1 (logged). */
int server_start(server_t *s);

/* Stop: close listening sockets, let pending TCP answers be written (up to a
 * couple of seconds), stop and join the workers. Idempotent. */
void server_stop(server_t *s);

/* Release; clears *s. Stops first if needed. Accepts NULL. */
void server_free(server_t **s);

/* Per-view counters cover the first SERVER_STAT_VIEWS views of the
 * snapshot; slot SERVER_STAT_VIEWS counts queries no view took (and views
 * past the limit). */
#define SERVER_STAT_VIEWS 64

/* Statistics, summed over workers (relaxed reads). */
typedef struct server_stats {
	unsigned long long udp_queries, udp_answers, udp_dropped;
	unsigned long long tcp_connections, tcp_queries, tcp_refused;
	unsigned long long tcp_evicted;   /* idle connections closed to make room */
	/* queries with a question, by view slot and transport (0 udp, 1 tcp) */
	unsigned long long view_queries[SERVER_STAT_VIEWS + 1][2];
	/* responses written at once (not the forwarder's late ones), by
	 * transport and RCODE (the header's 4 bits) */
	unsigned long long responses[2][16];
	unsigned long long qtypes[QTYPECLASS_N];   /* qtypeclass.h */
	unsigned long long updates_refused;   /* UPDATEs the workers answered without queueing them */
	/* UDP answers rate limited (rrl.h), by view slot: [0] sent as TC, [1] dropped */
	unsigned long long rrl_limited[SERVER_STAT_VIEWS][2];
} server_stats_t;

void server_get_stats(const server_t *s, server_stats_t *out);

/* The forwarders' counters summed over workers into out[0..FORWARD_STAT_VIEWS]
 * (forward.h; zeroed first). */
struct forward_stats;
void server_get_forward_stats(const server_t *s, struct forward_stats *out);

/* Number of workers (worker ids 0..n-1 for publish_enter). */
unsigned server_workers(const server_t *s);

/* Apply a reloaded config's server settings while running: listen addresses
 * that were added are opened (in every worker) and removed ones closed;
 * tcp-idle-timeout and tcp-clients take effect for new connections. New
 * sockets are all bound before anything changes, so if one cannot be opened
 * the listen set stays as it was (logged) and -1 is returned; the other
 * settings are applied either way. The number of workers cannot change.
 * Control thread only; returns once every worker has applied the change. */
int server_reconfigure(server_t *s, const conf_t *conf);

#endif

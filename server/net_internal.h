/* net_internal.h -- what server.c, udp.c and tcp.c share: workers and sockets.
 *
 * A worker is one thread with its own event_base. Everything hanging off a
 * worker (its listeners, its TCP connections, its buffers) is touched only by
 * that thread once it runs; the control thread talks to it through two
 * events made active from outside (stop, apply) and a mutex-protected
 * hand-over slot for reconfiguration.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_NET_INTERNAL_H
#define HZ_NET_INTERNAL_H

/* recvmmsg, sendmmsg, in6_pktinfo: include this header before any other. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "query.h"
#include "server.h"
#include "snapshot.h"

struct event;
struct event_base;
struct evconnlistener;
struct bufferevent;

#define UDP_BATCH 32           /* datagrams per recvmmsg/sendmmsg */
#define UDP_MAX_QUERY 4096     /* longer datagrams are truncated, then dropped */
#define UDP_MAX_ANSWER 4096    /* edns-udp-size is at most 4096 */
#define UDP_CMSG_SIZE 64       /* room for one in[6]_pktinfo control message */
#define TCP_OUT_HIGH (256 * 1024)  /* stop reading a connection above this much queued output */
#define TCP_DRAIN_SECONDS 2    /* how long server_stop waits for TCP output */
#define TCP_ACCEPT_PAUSE_MS 100   /* accept stays off this long after EMFILE and the like */
#define TCP_ACCEPT_LOG_SECONDS 10 /* at most one accept error line per listener this often */

/* Relaxed counters: one writer (the worker), readers anywhere. A plain
 * load and store, no atomic read-modify-write; the counter is named once
 * (an index computed by a call, such as qtypeclass_of(), runs once). */
typedef _Atomic unsigned long long net_counter_t;
static inline void
net_count_add(net_counter_t *c, unsigned long long n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}
#define NET_COUNT(c, n) net_count_add(&(c), (n))

/* One listen address in one worker: a UDP socket and a TCP listener. */
typedef struct listener {
	struct worker *w;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[80];                 /* "127.0.0.1@5300", for logs */
	int udp_fd;
	struct event *udp_ev;
	int tcp_fd;                    /* owned by tcp_l once that exists */
	struct evconnlistener *tcp_l;
	struct event *tcp_pause_ev;    /* re-enables tcp_l after an accept error (tcp.c) */
	time_t tcp_err_logged;         /* last accept error logged, CLOCK_MONOTONIC seconds */
	unsigned tcp_err_held;         /* accept errors not logged since */
	struct listener *next;
} listener_t;

typedef struct tcp_conn {
	struct worker *w;
	struct bufferevent *bev;
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
	bool closing;                  /* free once the output is written */
	uint64_t last_active_ms;       /* accepted or last message answered (tcp_now_ms) */
	uint64_t accepted_ms;          /* when accepted: tcp-max-lifetime counts from here */
	uint64_t msg_start_ms;         /* first byte of the message being read, 0: none */
	bool deadline_armed;           /* the read timeout is that message's deadline */
	unsigned fwd_pending;          /* forwarded queries not yet answered (counted by
	                                  the forwarder: forward_reply_to_t.pending) */
	struct tcp_conn *prev, *next;
	uint64_t id;                   /* unique in the worker: liveness check for update replies */
	unsigned updates_pending;      /* dynamic updates queued, reply not yet written */
	struct xfr_out *xfr;           /* a zone transfer out in progress (xfr_out.h): no
	                                  request is read meanwhile */
} tcp_conn_t;

/* A reconfiguration handed to one worker (server_reconfigure). */
typedef struct net_change {
	listener_t *add;               /* sockets already open, events not yet made */
	struct sockaddr_storage *remove;
	socklen_t *remove_len;
	size_t nremove;
	unsigned tcp_idle_timeout;
	unsigned tcp_max_lifetime;
	unsigned tcp_clients;
} net_change_t;

typedef struct worker {
	struct server *srv;
	unsigned id;
	pthread_t thread;
	bool thread_started;
	struct event_base *base;       /* no lock of its own (EVENT_BASE_FLAG_NOLOCK): other
	                                  threads reach the worker through wake_fd only */
	struct event *drain_ev;        /* the bounded wait for TCP output at stop */
	/* Requests from other threads: stop, apply (w->pending) and calls
	 * (server_worker_call), under lock, announced on wake_fd (an eventfd
	 * the worker reads in its own loop). */
	int wake_fd;
	struct event *wake_ev;
	bool wake_stop, wake_apply;    /* under lock */
	struct worker_call *calls;     /* under lock, first in first out */
	struct worker_call **calls_tail;
	bool stopping;

	listener_t *listeners;
	struct forwarder *fwd;         /* recursive views (forward.h) */

	/* TCP settings, as last applied in this worker. */
	unsigned tcp_idle_timeout;
	unsigned tcp_max_lifetime;     /* seconds, 0 = none */
	unsigned tcp_clients;
	unsigned tcp_count;
	tcp_conn_t *conns;
	unsigned xfr_count;            /* zone transfers out running (xfr_out.h) */

	/* Reconfiguration hand-over. */
	pthread_mutex_t lock;
	pthread_cond_t applied_cond;
	net_change_t *pending;         /* under lock */
	uint64_t applied;              /* under lock: changes applied so far */

	/* UDP batch buffers, preallocated once. */
	struct mmsghdr rmsg[UDP_BATCH];
	/* rmsg[0..rmsg_dirty) had lengths changed by the last recvmmsg; the
	 * pointers in every entry are set once (rmsg_ready) */
	unsigned rmsg_dirty;
	bool rmsg_ready;
	struct iovec riov[UDP_BATCH];
	struct sockaddr_storage rname[UDP_BATCH];
	uint8_t rbuf[UDP_BATCH][UDP_MAX_QUERY];
	uint8_t rcmsg[UDP_BATCH][UDP_CMSG_SIZE];
	struct mmsghdr smsg[UDP_BATCH];
	struct iovec siov[UDP_BATCH];
	uint8_t sbuf[UDP_BATCH][UDP_MAX_ANSWER];
	uint8_t scmsg[UDP_BATCH][UDP_CMSG_SIZE];

	/* One TCP answer at a time. */
	uint8_t tcp_out[2 + 65535];

	net_counter_t udp_queries, udp_answers, udp_dropped;
	net_counter_t tcp_connections, tcp_queries, tcp_refused;
	net_counter_t tcp_evicted;     /* idle connections closed to make room (tcp.c) */
	/* server_stats_t's per-view, per-rcode and per-qtype counters */
	net_counter_t view_queries[SERVER_STAT_VIEWS + 1][2];
	net_counter_t responses[2][16];
	net_counter_t qtypes[QTYPECLASS_N];
	net_counter_t updates_refused;   /* answered by the worker: refused, or no room in the queue */
	net_counter_t rrl_limited[SERVER_STAT_VIEWS][2];   /* by view slot: [0] sent as TC, [1] dropped */
	uint64_t next_conn_id;         /* tcp_conn_t.id */
} worker_t;

struct server {
	worker_t **workers;
	unsigned nworkers;
	unsigned edns_udp_size;
	pthread_mutex_t lock;          /* listen set, for the control thread */
	struct sockaddr_storage *listen;
	socklen_t *listen_len;
	size_t nlisten;
	enum { SERVER_NEW, SERVER_RUNNING, SERVER_STOPPED } state;
};

/* Format "addr@port" into buf. */
void net_format_addr(const struct sockaddr *sa, char *buf, size_t len);
bool net_addr_equal(const struct sockaddr_storage *a, socklen_t alen,
		    const struct sockaddr_storage *b, socklen_t blen);

/* Count one message the worker handled (plain per-worker stores, no
 * atomic read-modify-write): fwd says which view took it. */
static inline void
net_count_query(worker_t *w, int tcp, const query_fwd_t *fwd)
{
	if (fwd->stat_view != QUERY_NO_VIEW) {
		unsigned v = fwd->stat_view < SERVER_STAT_VIEWS ? fwd->stat_view : SERVER_STAT_VIEWS;
		NET_COUNT(w->view_queries[v][tcp], 1);
		NET_COUNT(w->qtypes[qtypeclass_of(fwd->stat_qtype)], 1);
	} else {
		NET_COUNT(w->view_queries[SERVER_STAT_VIEWS][tcp], 1);
	}
}

/* The query log (querylog.h): is it on for the view that took fwd's
 * query? One load and a compare when it is off. */
static inline bool
net_querylog_on(const snapshot_t *snap, const query_fwd_t *fwd)
{
	if (fwd->stat_view == QUERY_NO_VIEW)
		return false;
	int on = snap->views[fwd->stat_view].conf->query_log;
	return on > 0 || (on < 0 && snap->conf->query_log);
}


/* Count a response written at once, by its RCODE. */
static inline void
net_count_response(worker_t *w, int tcp, const uint8_t *answer)
{
	NET_COUNT(w->responses[tcp][answer[3] & 0x0F], 1);
}

/* worker_wake.c. Run fn(arg) in w's thread, from any thread, as soon as
 * w's loop gets to it (before w stops: a call queued after that never runs).
 * False: out of memory, fn will not run. */
bool server_worker_call(worker_t *w, void (*fn)(void *arg), void *arg);
/* Make w's eventfd (returns it; < 0: failed, logged). */
int worker_wake_open(worker_t *w);
/* Ask w to stop and/or apply w->pending (any thread). */
void worker_wake_request(worker_t *w, bool stop, bool apply);
/* In w's thread, on wake_fd: run the queued calls, and say whether a stop
 * or an apply was asked. */
void worker_wake_take(worker_t *w, bool *stop, bool *apply);
/* Free what is still queued and close the eventfd (w's loop has ended). */
void worker_wake_discard(worker_t *w);

/* udp.c */
int udp_open(const struct sockaddr_storage *addr, socklen_t len, const char *text);
int udp_listener_start(listener_t *l);   /* make the read event; worker thread or before start */
void udp_listener_close(listener_t *l);

/* Send one late answer (forwarded) to a UDP client from listener l, source
 * address local. */
void udp_reply(listener_t *l, const struct sockaddr_storage *peer, socklen_t peer_len,
	       const struct sockaddr_storage *local, const uint8_t *msg, size_t len);

/* tcp.c */
int tcp_open(const struct sockaddr_storage *addr, socklen_t len, const char *text);
int tcp_listener_start(listener_t *l);
void tcp_listener_close(listener_t *l);
/* Stop reading every connection of w, free those with nothing to write;
 * returns how many are still draining. */
unsigned tcp_drain_all(worker_t *w);
void tcp_free_all(worker_t *w);
/* Queue one late answer (forwarded) on c (the forwarder has already taken
 * it off c->fwd_pending). */
void tcp_conn_reply(tcp_conn_t *c, const uint8_t *msg, size_t len);

#endif

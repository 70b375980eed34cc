/* udp.c -- UDP sockets: recvmmsg a batch, answer it, sendmmsg the answers.
 *
 * Every worker has its own SO_REUSEPORT socket per listen address, so no two
 * threads read the same socket. A batch of up to UDP_BATCH datagrams is read
 * into the worker's preallocated buffers, answered inside one
 * publish_enter/publish_leave pair, and written back with one sendmmsg. The
 * local address each query arrived on comes from IP_PKTINFO/IPV6_PKTINFO on
 * a wildcard socket, and the reply carries the same control message so that
 * its source address is the address the client asked, on a multi-homed
 * host; a socket bound to one address needs neither (udp_open).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "net_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "cookie.h"
#include "forward.h"
#include "log.h"
#include "publish.h"
#include "query.h"
#include "querylog.h"
#include "rrl.h"
#include "update.h"

int
udp_open(const struct sockaddr_storage *addr, socklen_t len, const char *text)
{
	int family = addr->ss_family;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("udp %s: socket: %s", text, strerror(errno));
		return -1;
	}
	int on = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) {
		log_error("udp %s: SO_REUSEPORT: %s", text, strerror(errno));
		goto fail;
	}
	/* The destination address of each datagram (IP_PKTINFO) only on a
	 * wildcard socket: a socket bound to one address receives only what is
	 * sent to it and answers from it, so the query path takes l->addr and
	 * neither the kernel nor udp_read_cb builds and parses a control
	 * message per datagram. */
	bool wildcard = family == AF_INET6
		? IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)addr)->sin6_addr)
		: ((const struct sockaddr_in *)addr)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
		    (wildcard && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)) {
			log_error("udp %s: IPV6_V6ONLY/IPV6_RECVPKTINFO: %s", text, strerror(errno));
			goto fail;
		}
	} else if (wildcard && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0) {
		log_error("udp %s: IP_PKTINFO: %s", text, strerror(errno));
		goto fail;
	}
	/* A larger receive buffer absorbs bursts; best effort. */
	int rcvbuf = 1 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)addr, len) < 0) {
		log_error("udp %s: bind: %s", text, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Pull the destination address out of the control messages of one
 * datagram into dst (port: the listener's). Returns the control message it
 * came from (for udp_reply_cmsg), NULL if there was none. */
static const struct cmsghdr *
udp_get_dst(struct msghdr *mh, const listener_t *l, struct sockaddr_storage *dst)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct sockaddr_in *sin = (struct sockaddr_in *)dst;
			memset(sin, 0, sizeof(*sin));
			sin->sin_family = AF_INET;
			sin->sin_addr = pi.ipi_addr;
			sin->sin_port = ((const struct sockaddr_in *)&l->addr)->sin_port;
			return c;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)dst;
			memset(sin6, 0, sizeof(*sin6));
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = pi.ipi6_addr;
			sin6->sin6_port = ((const struct sockaddr_in6 *)&l->addr)->sin6_port;
			sin6->sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
			return c;
		}
	}
	return NULL;
}

/* Write one control message (IP_PKTINFO or IPV6_PKTINFO) into cbuf;
 * returns its length. */
static size_t
udp_put_cmsg(uint8_t *cbuf, int level, int type, const void *data, size_t size)
{
	struct cmsghdr *r = (struct cmsghdr *)cbuf;
	memset(cbuf, 0, CMSG_SPACE(size));
	r->cmsg_level = level;
	r->cmsg_type = type;
	r->cmsg_len = CMSG_LEN(size);
	memcpy(CMSG_DATA(r), data, size);
	return CMSG_SPACE(size);
}

/* The reply's control message from the query's pktinfo c (udp_get_dst):
 * the reply leaves from the address the query was sent to. Returns the
 * control length. */
static size_t
udp_reply_cmsg(const struct cmsghdr *c, uint8_t *cbuf)
{
	if (c->cmsg_level == IPPROTO_IP) {
		struct in_pktinfo qi, ri;
		memcpy(&qi, CMSG_DATA(c), sizeof(qi));
		memset(&ri, 0, sizeof(ri));
		/* Source address only; let routing pick the interface. */
		ri.ipi_spec_dst = qi.ipi_addr;
		return udp_put_cmsg(cbuf, IPPROTO_IP, IP_PKTINFO, &ri, sizeof(ri));
	}
	/* Address and interface: link-local sources need the interface. */
	return udp_put_cmsg(cbuf, IPPROTO_IPV6, IPV6_PKTINFO, CMSG_DATA(c), sizeof(struct in6_pktinfo));
}

/* Fill the reply's control buffer from the query's. Returns the control
 * length, 0 for none. */
static size_t
udp_set_src(const listener_t *l, struct msghdr *qmh, uint8_t *cbuf)
{
	struct sockaddr_storage dst;
	const struct cmsghdr *c = udp_get_dst(qmh, l, &dst);
	return c != NULL ? udp_reply_cmsg(c, cbuf) : 0;
}

/* recvmmsg() and sendmmsg() as plain system calls: glibc's wrappers are
 * cancellation points, and switching asynchronous cancellation on and off
 * around each call cost about a tenth of a light wake-up's instructions
 * (bench/server_callgrind.sh). No thread of horizond is ever cancelled. */
static inline int
udp_recvmmsg(int fd, struct mmsghdr *v, unsigned n)
{
	return (int)syscall(SYS_recvmmsg, fd, v, n, MSG_DONTWAIT, NULL);
}

static inline int
udp_sendmmsg(int fd, struct mmsghdr *v, unsigned n)
{
	return (int)syscall(SYS_sendmmsg, fd, v, n, 0);
}

/* Send smsg[0..n); a datagram the kernel refuses is dropped and counted. */
static void
udp_send_batch(worker_t *w, int fd, unsigned n)
{
	unsigned off = 0;
	while (off < n) {
		int sent = udp_sendmmsg(fd, &w->smsg[off], n - off);
		if (sent > 0) {
			NET_COUNT(w->udp_answers, (unsigned)sent);
			off += (unsigned)sent;
			continue;
		}
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Socket buffer full: UDP may lose, the client retries. */
			NET_COUNT(w->udp_dropped, n - off);
			return;
		}
		/* This datagram fails on its own (e.g. unreachable); skip it. */
		log_debug("udp sendmmsg: %s", strerror(errno));
		NET_COUNT(w->udp_dropped, 1);
		off++;
	}
}

/* Dynamic updates (update.h): the message goes to the control thread (control.h), which
 * sends the reply itself, after the change is published, on a duplicate of
 * this socket (so that a reload closing the socket meanwhile does no harm)
 * with the same source address control message as a query's answer. */
typedef struct udp_update_reply {
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	_Alignas(struct cmsghdr) uint8_t cmsg[UDP_CMSG_SIZE];
	size_t clen;
} udp_update_reply_t;

static void
udp_update_reply_cb(void *arg, const uint8_t *msg, size_t len)
{
	udp_update_reply_t *r = arg;
	if (msg != NULL) {
		struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
		struct msghdr mh = {
			.msg_name = &r->peer, .msg_namelen = r->peerlen,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = r->clen ? r->cmsg : NULL, .msg_controllen = r->clen,
		};
		if (sendmsg(r->fd, &mh, 0) < 0)
			log_debug("udp update reply: sendmsg: %s", strerror(errno));
	}
	close(r->fd);
	free(r);
}

static bool
udp_update_submit(const listener_t *l, int fd, unsigned i, const query_src_t *from)
{
	worker_t *w = l->w;
	udp_update_reply_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return false;
	r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0) {
		free(r);
		return false;
	}
	memcpy(&r->peer, &w->rname[i], sizeof(r->peer));
	r->peerlen = w->rmsg[i].msg_hdr.msg_namelen;
	r->clen = udp_set_src(l, &w->rmsg[i].msg_hdr, r->cmsg);
	if (!control_submit_update(w->rbuf[i], w->rmsg[i].msg_len, from, udp_update_reply_cb, r)) {
		close(r->fd);
		free(r);
		return false;
	}
	return true;
}

/* How many batches one readiness event may read before yielding to the
 * other sockets of the worker. */
#define UDP_BATCHES_PER_EVENT 8

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	listener_t *l = arg;
	worker_t *w = l->w;
	if (!w->rmsg_ready) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			struct msghdr *mh = &w->rmsg[i].msg_hdr;
			w->riov[i].iov_base = w->rbuf[i];
			w->riov[i].iov_len = UDP_MAX_QUERY;
			mh->msg_name = &w->rname[i];
			mh->msg_iov = &w->riov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = w->rcmsg[i];
		}
		w->rmsg_dirty = UDP_BATCH;
		w->rmsg_ready = true;
	}
	for (int round = 0; round < UDP_BATCHES_PER_EVENT; round++) {
		/* only what the kernel changed needs resetting: with light load a
		 * batch is one or two datagrams, and rewriting all 32 headers each
		 * time cost as much as answering */
		for (unsigned i = 0; i < w->rmsg_dirty; i++) {
			struct msghdr *mh = &w->rmsg[i].msg_hdr;
			mh->msg_namelen = sizeof(w->rname[i]);
			mh->msg_controllen = UDP_CMSG_SIZE;
			mh->msg_flags = 0;
		}
		w->rmsg_dirty = 0;
		int got = udp_recvmmsg((int)fd, w->rmsg, UDP_BATCH);
		w->rmsg_dirty = got > 0 ? (unsigned)got : got < 0 && errno != EAGAIN ? UDP_BATCH : 0;
		if (got <= 0) {
			if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug("udp %s recvmmsg: %s", l->text, strerror(errno));
			return;
		}
		NET_COUNT(w->udp_queries, (unsigned)got);

		unsigned nout = 0;
		const struct snapshot *snap = publish_enter(w->id);
		/* the query log's latency, only when some view logs (vDSO, no
		 * system call) */
		struct timespec t0 = { 0, 0 };
		if (snap->conf->any_query_log)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < got; i++) {
			struct msghdr *mh = &w->rmsg[i].msg_hdr;
			if (mh->msg_flags & MSG_TRUNC) {
				NET_COUNT(w->udp_dropped, 1);
				continue;
			}
			struct sockaddr_storage dst;
			const struct cmsghdr *pktinfo = udp_get_dst(mh, l, &dst);
			bool have_dst = pktinfo != NULL;
			query_src_t from = {
				.src = (const struct sockaddr *)&w->rname[i],
				.dst = have_dst ? (const struct sockaddr *)&dst
						: (const struct sockaddr *)&l->addr,
				.tcp = false,
			};
			query_fwd_t fwd;
			fwd.forward = false;
			fwd.stat_view = QUERY_NO_VIEW;
			size_t alen;
			if (update_is_update(w->rbuf[i], w->rmsg[i].msg_len)) {
				/* refused at once, queued (the control thread replies),
				 * or SERVFAIL when the queue has no room for it */
				alen = update_screen(snap, w->rbuf[i], w->rmsg[i].msg_len, &from,
						     w->sbuf[nout]);
				if (alen == 0 && udp_update_submit(l, (int)fd, i, &from))
					continue;
				if (alen == 0)
					alen = update_answer_rcode(w->rbuf[i], w->rmsg[i].msg_len,
								   UPDATE_SERVFAIL, w->sbuf[nout]);
				NET_COUNT(w->updates_refused, 1);   /* not queued */
			} else {
				alen = query_answer_fwd(snap, w->rbuf[i], w->rmsg[i].msg_len,
							w->sbuf[nout], UDP_MAX_ANSWER, &from, &fwd);
			}
			net_count_query(w, 0, &fwd);
			if (alen == 0 && fwd.forward) {
				forward_reply_to_t to = {
					.peer = &w->rname[i], .peer_len = mh->msg_namelen,
					.local = have_dst ? &dst : &l->addr,
					.listen = &l->addr, .listen_len = l->addrlen,
				};
				alen = forward_query(w->fwd, snap, &fwd, w->rbuf[i], w->sbuf[nout], &to);
			}
			bool cookie_valid = false;   /* DNS COOKIE (cookie.h) */
			if (alen > 0 && cookie_noted(w->rbuf[i]))
				alen = cookie_answer(snap, w->rbuf[i], w->rmsg[i].msg_len, &from,
						     w->sbuf[nout], alen, UDP_MAX_ANSWER, &cookie_valid);
			if (alen > 0 && snap->conf->rate_limited) {   /* response rate limiting (rrl.h) */
				rrl_action_t act;
				alen = rrl_apply(snap, &from, w->sbuf[nout], alen, cookie_valid, &act);
				if (act != RRL_PASS && fwd.stat_view < SERVER_STAT_VIEWS)
					NET_COUNT(w->rrl_limited[fwd.stat_view][act == RRL_DROP], 1);
			}
			if (net_querylog_on(snap, &fwd))
				querylog_query(w->id, snap, &fwd, from.src, 0, w->rbuf[i], w->rmsg[i].msg_len,
					     w->sbuf[nout], alen, &t0);
			if (alen == 0 && fwd.forward)
				continue;      /* answered later by the forwarder */
			if (alen == 0) {
				NET_COUNT(w->udp_dropped, 1);
				continue;
			}
			net_count_response(w, 0, w->sbuf[nout]);
			struct msghdr *sh = &w->smsg[nout].msg_hdr;
			w->siov[nout].iov_base = w->sbuf[nout];
			w->siov[nout].iov_len = alen;
			sh->msg_name = &w->rname[i];
			sh->msg_namelen = mh->msg_namelen;
			sh->msg_iov = &w->siov[nout];
			sh->msg_iovlen = 1;
			size_t clen = have_dst ? udp_reply_cmsg(pktinfo, w->scmsg[nout]) : 0;
			sh->msg_control = clen ? w->scmsg[nout] : NULL;
			sh->msg_controllen = clen;
			sh->msg_flags = 0;
			nout++;
		}
		publish_leave(w->id);
		if (nout > 0)
			udp_send_batch(w, (int)fd, nout);
		if (got < UDP_BATCH)
			return;
	}
}

/* The control message that makes a reply leave from local (none for a
 * wildcard address). Returns its length. */
static size_t
udp_src_from_addr(const struct sockaddr_storage *local, uint8_t *cbuf)
{
	if (local->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)local;
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			return 0;
		struct in_pktinfo ri;
		memset(&ri, 0, sizeof(ri));
		ri.ipi_spec_dst = sin->sin_addr;
		return udp_put_cmsg(cbuf, IPPROTO_IP, IP_PKTINFO, &ri, sizeof(ri));
	}
	if (local->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)local;
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			return 0;
		struct in6_pktinfo ri;
		memset(&ri, 0, sizeof(ri));
		ri.ipi6_addr = sin6->sin6_addr;
		ri.ipi6_ifindex = sin6->sin6_scope_id;
		return udp_put_cmsg(cbuf, IPPROTO_IPV6, IPV6_PKTINFO, &ri, sizeof(ri));
	}
	return 0;
}

void
udp_reply(listener_t *l, const struct sockaddr_storage *peer, socklen_t peer_len,
	  const struct sockaddr_storage *local, const uint8_t *msg, size_t len)
{
	worker_t *w = l->w;
	uint8_t cbuf[UDP_CMSG_SIZE];
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = {
		.msg_name = (void *)peer, .msg_namelen = peer_len,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	size_t clen = udp_src_from_addr(local, cbuf);
	mh.msg_control = clen ? cbuf : NULL;
	mh.msg_controllen = clen;
	if (sendmsg(l->udp_fd, &mh, 0) < 0) {
		log_debug("udp %s sendmsg: %s", l->text, strerror(errno));
		NET_COUNT(w->udp_dropped, 1);
		return;
	}
	NET_COUNT(w->udp_answers, 1);
}

int
udp_listener_start(listener_t *l)
{
	l->udp_ev = event_new(l->w->base, l->udp_fd, EV_READ | EV_PERSIST, udp_read_cb, l);
	if (l->udp_ev == NULL || event_add(l->udp_ev, NULL) < 0) {
		log_error("udp %s: cannot add the read event", l->text);
		return -1;
	}
	return 0;
}

void
udp_listener_close(listener_t *l)
{
	if (l->udp_ev != NULL) {
		event_free(l->udp_ev);
		l->udp_ev = NULL;
	}
	if (l->udp_fd >= 0) {
		close(l->udp_fd);
		l->udp_fd = -1;
	}
}

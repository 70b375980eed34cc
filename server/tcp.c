/* tcp.c -- DNS over TCP: 2-byte length framing on libevent bufferevents.
 *
 * Each worker accepts on its own SO_REUSEPORT listening socket. A connection
 * is a bufferevent; every complete message in its input is answered at once,
 * in order, into the worker's one 64 KiB answer buffer and appended to the
 * output, so pipelined queries get their answers in the order asked.
 * A connection whose unread output passes TCP_OUT_HIGH stops being read
 * until the client catches up (the write timeout then bounds that wait).
 *
 * Abuse resistance (issue 15; Unbound and Knot behave alike):
 * - tcp-idle-timeout bounds the wait between messages AND the time one
 *   message may take to arrive from its first byte: a client trickling one
 *   byte at a time cannot hold a slot longer than that (the read timeout is
 *   shortened to what is left of the message's deadline on every read).
 * - One source (IPv4 address, IPv6 /64) may hold at most tcp_source_limit()
 *   connections of a worker; more are closed at accept.
 * - When every slot is taken, the connection idle the longest (nothing
 *   buffered, nothing pending) is closed to make room for the new one.
 * - An accept error (EMFILE, ENFILE, ENOBUFS...) turns accepting off for
 *   TCP_ACCEPT_PAUSE_MS, closes the oldest idle connection to free a
 *   descriptor, and is logged at most once per TCP_ACCEPT_LOG_SECONDS.
 * - tcp-max-lifetime: a connection older than that is closed after the
 *   answer to the message that finds it too old, once its forwarded
 *   queries, updates and transfer are done (tcp_conn_close_after_write), so
 *   a client that keeps sending cannot keep its slot forever.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "net_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control.h"
#include "cookie.h"
#include "forward.h"
#include "log.h"
#include "publish.h"
#include "query.h"
#include "querylog.h"
#include "update.h"
#include "wire.h"
#include "xfr_out.h"

/* Milliseconds on the monotonic clock (vDSO, no system call). */
static uint64_t
tcp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Connections one source address may hold in one worker: a quarter of the
 * slots, at least 2, so that one address cannot take them all. */
static unsigned
tcp_source_limit(const worker_t *w)
{
	unsigned limit = w->tcp_clients / 4;
	return limit < 2 ? 2 : limit;
}

/* Same client: the IPv4 address, or the IPv6 /64 (one host or LAN has a
 * whole /64 to pick addresses from); the port is ignored. */
static bool
tcp_same_source(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (b->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 8) == 0;
	return false;
}

/* Idle: nothing half-read, nothing to write, nothing pending elsewhere:
 * closing it loses no query. */
static bool
tcp_conn_idle(tcp_conn_t *c)
{
	return !c->closing && c->fwd_pending == 0 && c->updates_pending == 0 &&
	       evbuffer_get_length(bufferevent_get_input(c->bev)) == 0 &&
	       evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

int
tcp_open(const struct sockaddr_storage *addr, socklen_t len, const char *text)
{
	int family = addr->ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("tcp %s: socket: %s", text, strerror(errno));
		return -1;
	}
	int on = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) {
		log_error("tcp %s: SO_REUSEADDR/SO_REUSEPORT: %s", text, strerror(errno));
		goto fail;
	}
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) {
		log_error("tcp %s: IPV6_V6ONLY: %s", text, strerror(errno));
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)addr, len) < 0) {
		log_error("tcp %s: bind: %s", text, strerror(errno));
		goto fail;
	}
	if (listen(fd, 128) < 0) {
		log_error("tcp %s: listen: %s", text, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void
tcp_conn_free(tcp_conn_t *c)
{
	worker_t *w = c->w;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->fwd_pending > 0)
		forward_conn_gone(w->fwd, c);
	xfr_out_conn_gone(c);
	bufferevent_free(c->bev);   /* closes the socket */
	free(c);
	w->tcp_count--;
	if (w->stopping && w->conns == NULL)
		event_base_loopbreak(w->base);
}

/* Close once everything queued has been written; stop reading meanwhile. */
static void
tcp_conn_close_after_write(tcp_conn_t *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && c->fwd_pending == 0 &&
	    c->updates_pending == 0 && c->xfr == NULL) {
		tcp_conn_free(c);
		return;
	}
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

/* Past tcp-max-lifetime? Checked once per message answered (the clock is
 * read there anyway); a connection that sends nothing meets the idle timeout. */
static bool
tcp_conn_too_old(const tcp_conn_t *c)
{
	unsigned life = c->w->tcp_max_lifetime;
	return life != 0 && c->last_active_ms - c->accepted_ms >= (uint64_t)life * 1000u;
}

/* Dynamic updates (update.h): the message goes to the control thread (control.h); its
 * reply comes back to this worker through server_worker_call() and is written
 * if the connection still exists (same pointer and id). A closing
 * connection waits for its pending replies. */
typedef struct tcp_update_reply {
	worker_t *w;
	tcp_conn_t *c;
	uint64_t id;
	uint8_t *msg;
	size_t len;
} tcp_update_reply_t;

static void
tcp_update_done(void *arg)
{
	tcp_update_reply_t *r = arg;
	tcp_conn_t *c = r->w->conns;
	while (c != NULL && !(c == r->c && c->id == r->id))
		c = c->next;
	if (c != NULL) {
		struct evbuffer *out = bufferevent_get_output(c->bev);
		c->updates_pending--;
		uint8_t hdr[2];
		put16(hdr, (uint16_t)r->len);
		if (r->msg != NULL && (evbuffer_add(out, hdr, 2) < 0 || evbuffer_add(out, r->msg, r->len) < 0))
			tcp_conn_free(c);
		else if (c->closing && c->updates_pending == 0 && c->fwd_pending == 0 &&
			 evbuffer_get_length(out) == 0)
			tcp_conn_free(c);
	}
	free(r->msg);
	free(r);
}

static void
tcp_update_reply_cb(void *arg, const uint8_t *msg, size_t len)
{
	tcp_update_reply_t *r = arg;
	if (msg != NULL && (r->msg = malloc(len)) != NULL) {
		memcpy(r->msg, msg, len);
		r->len = len;
	}
	if (!server_worker_call(r->w, tcp_update_done, r)) {
		log_warning("tcp: cannot hand an update reply to worker %u", r->w->id);
		free(r->msg);
		free(r);
	}
}

static bool
tcp_update_submit(tcp_conn_t *c, const uint8_t *msg, size_t len, const query_src_t *from)
{
	tcp_update_reply_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return false;
	r->w = c->w;
	r->c = c;
	r->id = c->id;
	if (!control_submit_update(msg, len, from, tcp_update_reply_cb, r)) {
		free(r);
		return false;
	}
	c->updates_pending++;
	return true;
}

/* Answer every complete message in the input. Returns false if the
 * connection was closed. */
static bool
tcp_conn_process(tcp_conn_t *c)
{
	worker_t *w = c->w;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	query_src_t from = {
		.src = (const struct sockaddr *)&c->peer,
		.dst = (const struct sockaddr *)&c->local,
		.tcp = true,
	};
	while (!c->closing) {
		if (c->xfr != NULL || evbuffer_get_length(out) > TCP_OUT_HIGH) {
			/* A transfer runs, or the client is not reading; resume
			 * from tcp_write_cb. */
			bufferevent_disable(c->bev, EV_READ);
			return true;
		}
		size_t have = evbuffer_get_length(in);
		if (have < 2)
			return true;
		uint8_t hdr[2];
		evbuffer_copyout(in, hdr, 2);
		size_t mlen = get16(hdr);
		if (mlen == 0) {
			log_debug("tcp: zero-length message, closing");
			tcp_conn_close_after_write(c);
			return false;
		}
		if (have < mlen + 2)
			return true;
		const uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(mlen + 2));
		if (msg == NULL) {
			tcp_conn_free(c);
			return false;
		}
		NET_COUNT(w->tcp_queries, 1);
		const struct snapshot *snap = publish_enter(w->id);
		/* the query log's latency, only when some view logs */
		struct timespec t0 = { 0, 0 };
		if (snap->conf->any_query_log)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		query_fwd_t fwd;
		fwd.forward = false;
		fwd.stat_view = QUERY_NO_VIEW;
		size_t alen;
		if (update_is_update(msg + 2, mlen)) {
			/* refused at once, queued, or SERVFAIL (no room): as udp.c */
			alen = update_screen(snap, msg + 2, mlen, &from, w->tcp_out + 2);
			if (alen == 0 && tcp_update_submit(c, msg + 2, mlen, &from)) {
				publish_leave(w->id);
				evbuffer_drain(in, mlen + 2);
				c->msg_start_ms = 0;
				c->last_active_ms = tcp_now_ms();
				continue;
			}
			if (alen == 0)
				alen = update_answer_rcode(msg + 2, mlen, UPDATE_SERVFAIL, w->tcp_out + 2);
			NET_COUNT(w->updates_refused, 1);   /* not queued */
		} else if (xfr_out_is_transfer(msg + 2, mlen)) {
			/* AXFR/IXFR: xfr_out.c answers; 0: it runs, and this
			 * connection reads nothing more until it is written */
			alen = xfr_out_start(c, snap, msg + 2, mlen, &from, w->tcp_out + 2,
					     QUERY_MAX_ANSWER);
		} else {
			alen = query_answer_fwd(snap, msg + 2, mlen, w->tcp_out + 2, QUERY_MAX_ANSWER,
						&from, &fwd);
		}
		net_count_query(w, 1, &fwd);
		if (alen == 0 && fwd.forward) {
			forward_reply_to_t to = { .conn = c, .pending = &c->fwd_pending,
						  .peer = &c->peer };
			alen = forward_query(w->fwd, snap, &fwd, msg + 2, w->tcp_out + 2, &to);
		}
		if (alen > 0 && cookie_noted(msg + 2)) {   /* DNS COOKIE (cookie.h) */
			bool valid;
			alen = cookie_answer(snap, msg + 2, mlen, &from, w->tcp_out + 2, alen,
					     QUERY_MAX_ANSWER, &valid);
		}
		if (net_querylog_on(snap, &fwd)) {
			querylog_query(w->id, snap, &fwd, (const struct sockaddr *)&c->peer, 1, msg + 2, mlen,
				     w->tcp_out + 2, alen, &t0);
		}
		publish_leave(w->id);
		evbuffer_drain(in, mlen + 2);
		c->msg_start_ms = 0;
		c->last_active_ms = tcp_now_ms();
		if (alen > 0) {
			net_count_response(w, 1, w->tcp_out + 2);
			put16(w->tcp_out, (uint16_t)alen);
			if (evbuffer_add(out, w->tcp_out, alen + 2) < 0) {
				tcp_conn_free(c);
				return false;
			}
		}
		if (c->xfr == NULL && tcp_conn_too_old(c)) {   /* a transfer: at the next message */
			log_debug("tcp: connection older than tcp-max-lifetime, closing");
			tcp_conn_close_after_write(c);
			return false;
		}
	}
	return true;
}

/* The read timeout: the idle timeout between messages; within a message,
 * what is left of its deadline (tcp-idle-timeout from its first byte),
 * however slowly its bytes arrive. */
static void
tcp_conn_set_deadline(tcp_conn_t *c)
{
	worker_t *w = c->w;
	uint64_t limit = (uint64_t)w->tcp_idle_timeout * 1000u;
	struct timeval tv = { (time_t)w->tcp_idle_timeout, 0 };
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
		c->msg_start_ms = 0;
		if (!c->deadline_armed)
			return;   /* already the idle timeout */
		c->deadline_armed = false;
	} else {
		c->deadline_armed = true;
		uint64_t now = tcp_now_ms();
		if (c->msg_start_ms == 0)
			c->msg_start_ms = now;
		uint64_t used = now - c->msg_start_ms;
		uint64_t left = used >= limit ? 1 : limit - used;
		tv.tv_sec = (time_t)(left / 1000u);
		tv.tv_usec = (suseconds_t)(left % 1000u) * 1000;
	}
	struct timeval idle = { (time_t)w->tcp_idle_timeout, 0 };
	bufferevent_set_timeouts(c->bev, &tv, &idle);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	tcp_conn_t *c = arg;
	if (tcp_conn_process(c) && !c->closing)
		tcp_conn_set_deadline(c);
}

static void
tcp_write_cb(struct bufferevent *bev, void *arg)
{
	tcp_conn_t *c = arg;
	/* Called when the output has drained to the low watermark (empty). */
	if (c->xfr != NULL) {
		if (!xfr_out_pump(c))   /* the next messages of a zone transfer */
			tcp_conn_free(c);
		return;                 /* back here once they are written */
	}
	if (c->closing) {
		if (c->fwd_pending == 0 && c->updates_pending == 0)
			tcp_conn_free(c);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		tcp_conn_process(c);   /* messages that waited in the input */
	}
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	tcp_conn_t *c = arg;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !c->closing) {
		/* The client half-closed after sending: answer what is complete,
		 * write it out, then close. */
		if (!tcp_conn_process(c))
			return;
		tcp_conn_close_after_write(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("tcp: idle timeout, closing");
	tcp_conn_free(c);
}

/* Close the connection of w idle the longest, if there is one. */
static bool
tcp_evict_oldest_idle(worker_t *w)
{
	tcp_conn_t *oldest = NULL;
	for (tcp_conn_t *c = w->conns; c != NULL; c = c->next)
		if (tcp_conn_idle(c) &&
		    (oldest == NULL || c->last_active_ms < oldest->last_active_ms ||
		     /* equal coarse times (accepted in one burst from the backlog
		      * by a busy worker): the one accepted first */
		     (c->last_active_ms == oldest->last_active_ms && c->id < oldest->id)))
			oldest = c;
	if (oldest == NULL)
		return false;
	NET_COUNT(w->tcp_evicted, 1);
	tcp_conn_free(oldest);
	return true;
}

/* May a connection from sa be added? Refuses a source at its limit; when
 * the table is full, makes room by closing the oldest idle connection.
 * One pass over the connections, at accept only (never per query). */
static bool
tcp_make_room(worker_t *w, const struct sockaddr *sa)
{
	unsigned same = 0;
	for (tcp_conn_t *c = w->conns; c != NULL; c = c->next)
		if (!c->closing && tcp_same_source(&c->peer, sa))
			same++;
	if (same >= tcp_source_limit(w))
		return false;
	if (w->tcp_count < w->tcp_clients)
		return true;
	return tcp_evict_oldest_idle(w) && w->tcp_count < w->tcp_clients;
}

static void
tcp_accept_cb(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
	      int salen, void *arg)
{
	listener_t *l = arg;
	worker_t *w = l->w;
	if (w->stopping || !tcp_make_room(w, sa)) {
		NET_COUNT(w->tcp_refused, 1);
		close(fd);
		return;
	}
	tcp_conn_t *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		NET_COUNT(w->tcp_refused, 1);
		close(fd);
		return;
	}
	c->w = w;
	c->id = ++w->next_conn_id;
	if (salen > 0 && (size_t)salen <= sizeof(c->peer))
		memcpy(&c->peer, sa, (size_t)salen);
	socklen_t llen = sizeof(c->local);
	if (getsockname(fd, (struct sockaddr *)&c->local, &llen) < 0)
		memcpy(&c->local, &l->addr, l->addrlen);
	int on = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		NET_COUNT(w->tcp_refused, 1);
		close(fd);
		free(c);
		return;
	}
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->tcp_count++;
	NET_COUNT(w->tcp_connections, 1);
	c->last_active_ms = tcp_now_ms();
	c->accepted_ms = c->last_active_ms;

	struct timeval idle = { (time_t)w->tcp_idle_timeout, 0 };
	bufferevent_setcb(c->bev, tcp_read_cb, tcp_write_cb, tcp_event_cb, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
tcp_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	listener_t *l = arg;
	if (l->tcp_l != NULL && !l->w->stopping)
		evconnlistener_enable(l->tcp_l);
}

static void
tcp_accept_error_cb(struct evconnlistener *el, void *arg)
{
	listener_t *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	/* Out of descriptors and the like: the pending connection stays in the
	 * backlog and would fail again at once, so accepting would spin (and
	 * log) in a loop. Pause, and free a descriptor for when it resumes. */
	struct timeval pause = { 0, TCP_ACCEPT_PAUSE_MS * 1000 };
	if (l->tcp_pause_ev != NULL && evconnlistener_disable(el) == 0)
		evtimer_add(l->tcp_pause_ev, &pause);
	tcp_evict_oldest_idle(l->w);
	time_t now = (time_t)(tcp_now_ms() / 1000u);
	if (l->tcp_err_logged != 0 && now - l->tcp_err_logged < TCP_ACCEPT_LOG_SECONDS) {
		l->tcp_err_held++;
		return;
	}
	if (l->tcp_err_held > 0)
		log_warning("tcp %s: accept: %s (paused %d ms; %u more accept errors not logged)",
			    l->text, evutil_socket_error_to_string(err), TCP_ACCEPT_PAUSE_MS, l->tcp_err_held);
	else
		log_warning("tcp %s: accept: %s (paused %d ms)", l->text,
			    evutil_socket_error_to_string(err), TCP_ACCEPT_PAUSE_MS);
	l->tcp_err_logged = now == 0 ? 1 : now;
	l->tcp_err_held = 0;
}

int
tcp_listener_start(listener_t *l)
{
	l->tcp_pause_ev = evtimer_new(l->w->base, tcp_accept_resume_cb, l);
	if (l->tcp_pause_ev == NULL) {
		log_error("tcp %s: cannot make the accept pause timer", l->text);
		return -1;
	}
	l->tcp_l = evconnlistener_new(l->w->base, tcp_accept_cb, l,
				      LEV_OPT_CLOSE_ON_FREE, 0, l->tcp_fd);   /* 0: already listening */
	if (l->tcp_l == NULL) {
		log_error("tcp %s: cannot make the listener", l->text);
		return -1;
	}
	evconnlistener_set_error_cb(l->tcp_l, tcp_accept_error_cb);
	return 0;
}

void
tcp_listener_close(listener_t *l)
{
	if (l->tcp_pause_ev != NULL) {
		event_free(l->tcp_pause_ev);
		l->tcp_pause_ev = NULL;
	}
	if (l->tcp_l != NULL) {
		evconnlistener_free(l->tcp_l);   /* closes tcp_fd */
		l->tcp_l = NULL;
		l->tcp_fd = -1;
	} else if (l->tcp_fd >= 0) {
		close(l->tcp_fd);
		l->tcp_fd = -1;
	}
}

void
tcp_conn_reply(tcp_conn_t *c, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2];
	put16(hdr, (uint16_t)len);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (evbuffer_add(out, hdr, 2) < 0 || evbuffer_add(out, msg, len) < 0)
		tcp_conn_free(c);
	/* A closing connection is freed by tcp_write_cb once this is written. */
}

unsigned
tcp_drain_all(worker_t *w)
{
	tcp_conn_t *c = w->conns;
	while (c != NULL) {
		tcp_conn_t *next = c->next;
		if (!c->closing)
			tcp_conn_close_after_write(c);
		c = next;
	}
	return w->tcp_count;
}

void
tcp_free_all(worker_t *w)
{
	bool stopping = w->stopping;
	w->stopping = false;   /* no loopbreak from tcp_conn_free here */
	while (w->conns != NULL)
		tcp_conn_free(w->conns);
	w->stopping = stopping;
}

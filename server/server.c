/* server.c -- worker threads: sockets, start, reconfigure, stop.
 *
 * DESIGN. server_new() opens, for every worker and every listen address, one
 * UDP and one TCP socket with SO_REUSEPORT, so the kernel spreads clients over
 * workers and a failing address is reported before anything runs. Each worker
 * has its own event_base, made without locking (EVENT_BASE_FLAG_NOLOCK): a
 * locked base took and released its mutex several times per wake-up, a
 * tenth of the instructions of a light UDP wake-up (bench/server_callgrind.sh).
 * And without a time cache (EVENT_BASE_FLAG_NO_CACHE_TIME): refreshing it
 * cost every UDP wake-up about 80 instructions; the clock is read instead
 * where a timeout is set (TCP: about 70 per query, the smaller loss).
 * Other threads reach a worker through one eventfd (wake_fd) and a few
 * fields under w->lock:
 *
 *   wake_stop   close the listeners, stop reading TCP connections, free those
 *               with nothing to write, and leave the loop when the last one is
 *               written or after TCP_DRAIN_SECONDS, whichever comes first;
 *   wake_apply  take a net_change_t from w->pending (new listen sockets already
 *               bound by the control thread, addresses to close, TCP settings)
 *               and apply it in the worker's own thread;
 *   calls       functions to run in the worker's thread (server_worker_call,
 *               worker_wake.c):
 *               dynamic-update replies (tcp.c), finished transfer layouts
 *               (xfr_out.c).
 *
 * Nothing else is shared: the worker's listeners, connections and buffers
 * are its own, and the snapshot comes from publish_enter().
 * SPDX-License-Identifier: BSD-3-Clause */
#include "net_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "forward.h"
#include "log.h"

static pthread_once_t server_evthread_once = PTHREAD_ONCE_INIT;

static void
server_evthread_init(void)
{
	if (evthread_use_pthreads() < 0)
		log_error("evthread_use_pthreads failed");
}

void
net_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, len, "%s@%u", a, port);
}

bool
net_addr_equal(const struct sockaddr_storage *a, socklen_t alen,
	       const struct sockaddr_storage *b, socklen_t blen)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* SO_REUSEPORT would let us join the socket group of another process of
 * the same user already serving this port (and silently share its traffic).
 * A plain bind without the option fails if anything holds the address, so
 * probe with one before opening the real sockets. */
static int
server_probe_free(const struct sockaddr_storage *addr, socklen_t len, const char *text)
{
	static const int types[2] = { SOCK_DGRAM, SOCK_STREAM };
	for (int i = 0; i < 2; i++) {
		int fd = socket(addr->ss_family, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			log_error("%s %s: socket: %s", i ? "tcp" : "udp", text, strerror(errno));
			return -1;
		}
		int on = 1;
		if (addr->ss_family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (types[i] == SOCK_STREAM)   /* TIME_WAIT leftovers are no conflict */
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		int rc = bind(fd, (const struct sockaddr *)addr, len);
		int err = errno;
		close(fd);
		if (rc < 0) {
			log_error("%s %s: bind: %s", i ? "tcp" : "udp", text, strerror(err));
			return -1;
		}
	}
	return 0;
}

/* Open the UDP and TCP sockets of one address for one worker. */
static listener_t *
server_listener_open(worker_t *w, const struct sockaddr_storage *addr, socklen_t len)
{
	listener_t *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->w = w;
	memcpy(&l->addr, addr, len);
	l->addrlen = len;
	net_format_addr((const struct sockaddr *)addr, l->text, sizeof(l->text));
	l->udp_fd = udp_open(addr, len, l->text);
	l->tcp_fd = l->udp_fd < 0 ? -1 : tcp_open(addr, len, l->text);
	if (l->udp_fd < 0 || l->tcp_fd < 0) {
		if (l->udp_fd >= 0)
			close(l->udp_fd);
		free(l);
		return NULL;
	}
	return l;
}

/* Close a listener's sockets and free it (worker thread, or any thread once
 * the worker is not running). */
static void
server_listener_free(listener_t *l)
{
	udp_listener_close(l);
	tcp_listener_close(l);
	free(l);
}

static void
server_listener_free_list(listener_t *l)
{
	while (l != NULL) {
		listener_t *next = l->next;
		server_listener_free(l);
		l = next;
	}
}

static int
server_listener_start(listener_t *l)
{
	if (udp_listener_start(l) < 0 || tcp_listener_start(l) < 0)
		return -1;
	return 0;
}

static void
worker_drain_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	worker_t *w = arg;
	log_info("worker %u: %u TCP connection(s) still writing after %d s, closing",
		 w->id, w->tcp_count, TCP_DRAIN_SECONDS);
	event_base_loopbreak(w->base);
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	worker_t *w = arg;
	if (w->stopping)
		return;
	w->stopping = true;
	server_listener_free_list(w->listeners);
	w->listeners = NULL;
	if (tcp_drain_all(w) == 0) {
		event_base_loopbreak(w->base);
		return;
	}
	struct timeval tv = { TCP_DRAIN_SECONDS, 0 };
	w->drain_ev = evtimer_new(w->base, worker_drain_timeout_cb, w);
	if (w->drain_ev == NULL || evtimer_add(w->drain_ev, &tv) < 0)
		event_base_loopbreak(w->base);
}

static void
net_change_free(net_change_t *ch)
{
	if (ch == NULL)
		return;
	server_listener_free_list(ch->add);
	free(ch->remove);
	free(ch->remove_len);
	free(ch);
}

static void
worker_apply(worker_t *w, net_change_t *ch)
{
	w->tcp_idle_timeout = ch->tcp_idle_timeout;
	w->tcp_max_lifetime = ch->tcp_max_lifetime;
	w->tcp_clients = ch->tcp_clients;
	/* Close the removed addresses. */
	listener_t **pp = &w->listeners;
	while (*pp != NULL) {
		listener_t *l = *pp;
		bool gone = false;
		for (size_t i = 0; i < ch->nremove && !gone; i++)
			gone = net_addr_equal(&l->addr, l->addrlen, &ch->remove[i], ch->remove_len[i]);
		if (gone) {
			*pp = l->next;
			server_listener_free(l);
		} else {
			pp = &l->next;
		}
	}
	/* Start the new ones (already bound, so nothing was lost meanwhile:
	 * the kernel queued for them). */
	while (ch->add != NULL) {
		listener_t *l = ch->add;
		ch->add = l->next;
		l->w = w;
		if (server_listener_start(l) < 0) {
			server_listener_free(l);
			continue;
		}
		l->next = w->listeners;
		w->listeners = l;
	}
}

static void
worker_apply_cb(evutil_socket_t fd, short what, void *arg)
{
	worker_t *w = arg;
	pthread_mutex_lock(&w->lock);
	net_change_t *ch = w->pending;
	w->pending = NULL;
	pthread_mutex_unlock(&w->lock);
	if (ch != NULL && !w->stopping)
		worker_apply(w, ch);
	net_change_free(ch);
	pthread_mutex_lock(&w->lock);
	w->applied++;
	pthread_cond_broadcast(&w->applied_cond);
	pthread_mutex_unlock(&w->lock);
}

/* The worker's side of wake_fd (worker_wake.c): calls in the order queued,
 * then apply, then stop (a reload racing a stop is applied first). */
static void
worker_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	worker_t *w = arg;
	bool stop, apply;
	worker_wake_take(w, &stop, &apply);
	if (apply)
		worker_apply_cb(-1, 0, w);
	if (stop)
		worker_stop_cb(-1, 0, w);
}

static void *
worker_main(void *arg)
{
	worker_t *w = arg;
	char name[16];
	snprintf(name, sizeof(name), "hz-worker-%u", w->id);
	pthread_setname_np(pthread_self(), name);
	/* glibc sets up a thread's malloc (an arena: mmap, then mprotect) at
	 * the thread's first malloc() or free(). Both wait for the process's
	 * memory-map lock as writers, and while the background thread unmaps a
	 * retired snapshot, such a writer gets the lock only when the kernel
	 * hands it over, a scheduler tick later (4 ms at HZ=250) for each
	 * call. Left to the first reload (its net_change_free()), that stopped
	 * this worker's answers for 9.6 ms (docs/performance.md, "Gaps in the
	 * answers..."); done here, before the first query, it costs nothing. */
	void *volatile warm = malloc(1);
	free(warm);
	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	/* Whatever is left after the drain time is closed here, in the
	 * worker's own thread. */
	tcp_free_all(w);
	return NULL;
}

static void
worker_free(worker_t *w)
{
	if (w == NULL)
		return;
	server_listener_free_list(w->listeners);
	tcp_free_all(w);
	net_change_free(w->pending);
	forward_free(&w->fwd);
	if (w->wake_ev != NULL)
		event_free(w->wake_ev);
	if (w->drain_ev != NULL)
		event_free(w->drain_ev);
	if (w->base != NULL)
		event_base_free(w->base);
	worker_wake_discard(w);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->applied_cond);
	free(w);
}

/* The forwarder's late answers (forward_reply_fn): TCP to the connection,
 * UDP from the listener the query came in on, if a reload has not closed it. */
static void
worker_forward_reply(void *arg, const forward_reply_to_t *to, const uint8_t *msg, size_t len)
{
	worker_t *w = arg;
	if (to->conn != NULL) {
		tcp_conn_reply(to->conn, msg, len);
		return;
	}
	for (listener_t *l = w->listeners; l != NULL; l = l->next)
		if (l->udp_fd >= 0 && net_addr_equal(&l->addr, l->addrlen, to->listen, to->listen_len)) {
			udp_reply(l, to->peer, to->peer_len, to->local, msg, len);
			return;
		}
	NET_COUNT(w->udp_dropped, 1);   /* the address was removed by a reload meanwhile */
}

static worker_t *
worker_new(server_t *s, unsigned id, const conf_t *conf)
{
	worker_t *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->wake_fd = -1;
	w->srv = s;
	w->id = id;
	w->tcp_idle_timeout = conf->tcp_idle_timeout;
	w->tcp_max_lifetime = conf->tcp_max_lifetime;
	w->tcp_clients = conf->tcp_clients;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->applied_cond, NULL);
	if (worker_wake_open(w) < 0)
		goto fail;
	struct event_config *cfg = event_config_new();
	if (cfg == NULL || event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK | EVENT_BASE_FLAG_NO_CACHE_TIME) < 0) {
		event_config_free(cfg);
		goto fail;
	}
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (w->base == NULL) {
		log_error("worker %u: event_base_new failed", id);
		goto fail;
	}
	w->wake_ev = event_new(w->base, w->wake_fd, EV_READ | EV_PERSIST, worker_wake_cb, w);
	if (w->wake_ev == NULL || event_add(w->wake_ev, NULL) < 0)
		goto fail;
	w->fwd = forward_new(w->base, w->id, worker_forward_reply, w);
	if (w->fwd == NULL)
		goto fail;
	/* Same order as the config, for tidy logs. */
	listener_t **tail = &w->listeners;
	for (size_t i = 0; i < conf->nlisten; i++) {
		listener_t *l = server_listener_open(w, &conf->listen[i].ss, conf->listen[i].len);
		if (l == NULL)
			goto fail;
		*tail = l;
		tail = &l->next;
		if (server_listener_start(l) < 0)
			goto fail;
	}
	return w;
fail:
	worker_free(w);
	return NULL;
}

server_t *
server_new(const conf_t *conf, unsigned nworkers)
{
	pthread_once(&server_evthread_once, server_evthread_init);
	if (nworkers == 0)
		nworkers = 1;
	server_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->edns_udp_size = conf->edns_udp_size;
	s->nlisten = conf->nlisten;
	s->listen = calloc(conf->nlisten ? conf->nlisten : 1, sizeof(*s->listen));
	s->listen_len = calloc(conf->nlisten ? conf->nlisten : 1, sizeof(*s->listen_len));
	s->workers = calloc(nworkers, sizeof(*s->workers));
	if (s->listen == NULL || s->listen_len == NULL || s->workers == NULL)
		goto fail;
	for (size_t i = 0; i < conf->nlisten; i++) {
		memcpy(&s->listen[i], &conf->listen[i].ss, conf->listen[i].len);
		s->listen_len[i] = conf->listen[i].len;
	}
	s->nworkers = nworkers;
	for (size_t i = 0; i < conf->nlisten; i++)
		if (server_probe_free(&conf->listen[i].ss, conf->listen[i].len,
				      conf->listen[i].text) < 0)
			goto fail;
	for (unsigned i = 0; i < nworkers; i++) {
		s->workers[i] = worker_new(s, i, conf);
		if (s->workers[i] == NULL)
			goto fail;
	}
	return s;
fail:
	server_free(&s);
	return NULL;
}

int
server_start(server_t *s)
{
	if (s->state != SERVER_NEW)
		return -1;
	s->state = SERVER_RUNNING;
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_t *w = s->workers[i];
		int err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err != 0) {
			log_error("worker %u: pthread_create: %s", i, strerror(err));
			server_stop(s);
			return -1;
		}
		w->thread_started = true;
	}
	return 0;
}

void
server_stop(server_t *s)
{
	if (s == NULL)
		return;
	/* The lock waits out a server_reconfigure() in progress. */
	pthread_mutex_lock(&s->lock);
	bool running = s->state == SERVER_RUNNING;
	s->state = SERVER_STOPPED;
	pthread_mutex_unlock(&s->lock);
	if (!running)
		return;
	/* All workers drain at the same time: the whole stop takes at most
	 * TCP_DRAIN_SECONDS, not that times the number of workers. */
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i]->thread_started) {
			worker_t *w = s->workers[i];
			worker_wake_request(w, true, false);
		}
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_t *w = s->workers[i];
		if (w->thread_started) {
			pthread_join(w->thread, NULL);
			w->thread_started = false;
		}
	}
}

void
server_free(server_t **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	server_t *s = *sp;
	server_stop(s);
	if (s->workers != NULL)
		for (unsigned i = 0; i < s->nworkers; i++)
			worker_free(s->workers[i]);
	free(s->workers);
	free(s->listen);
	free(s->listen_len);
	pthread_mutex_destroy(&s->lock);
	free(s);
	*sp = NULL;
}

void
server_get_stats(const server_t *s, server_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_t *w = s->workers[i];
		out->udp_queries += atomic_load_explicit(&w->udp_queries, memory_order_relaxed);
		out->udp_answers += atomic_load_explicit(&w->udp_answers, memory_order_relaxed);
		out->udp_dropped += atomic_load_explicit(&w->udp_dropped, memory_order_relaxed);
		out->tcp_connections += atomic_load_explicit(&w->tcp_connections, memory_order_relaxed);
		out->tcp_queries += atomic_load_explicit(&w->tcp_queries, memory_order_relaxed);
		out->tcp_refused += atomic_load_explicit(&w->tcp_refused, memory_order_relaxed);
		out->tcp_evicted += atomic_load_explicit(&w->tcp_evicted, memory_order_relaxed);
		for (unsigned v = 0; v <= SERVER_STAT_VIEWS; v++)
			for (unsigned t = 0; t < 2; t++)
				out->view_queries[v][t] += atomic_load_explicit(
					&w->view_queries[v][t], memory_order_relaxed);
		for (unsigned t = 0; t < 2; t++)
			for (unsigned r = 0; r < 16; r++)
				out->responses[t][r] += atomic_load_explicit(&w->responses[t][r],
									     memory_order_relaxed);
		out->updates_refused += atomic_load_explicit(&w->updates_refused, memory_order_relaxed);
		for (unsigned k = 0; k < QTYPECLASS_N; k++)
			out->qtypes[k] += atomic_load_explicit(&w->qtypes[k], memory_order_relaxed);
		for (unsigned v = 0; v < SERVER_STAT_VIEWS; v++)
			for (unsigned a = 0; a < 2; a++)
				out->rrl_limited[v][a] += atomic_load_explicit(&w->rrl_limited[v][a],
									       memory_order_relaxed);
	}
}

void
server_get_forward_stats(const server_t *s, forward_stats_t *out)
{
	memset(out, 0, sizeof(*out) * (FORWARD_STAT_VIEWS + 1));
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i]->fwd != NULL)
			forward_add_stats(s->workers[i]->fwd, out);
}

unsigned
server_workers(const server_t *s)
{
	return s->nworkers;
}

/* Is addr in the list? */
static bool
server_addr_in(const struct sockaddr_storage *addr, socklen_t len,
	       const struct sockaddr_storage *list, const socklen_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (net_addr_equal(addr, len, &list[i], lens[i]))
			return true;
	return false;
}

int
server_reconfigure(server_t *s, const conf_t *conf)
{
	pthread_mutex_lock(&s->lock);
	int rc = 0;
	size_t nw = s->nworkers;
	net_change_t **ch = calloc(nw, sizeof(*ch));
	struct sockaddr_storage *nl = calloc(conf->nlisten ? conf->nlisten : 1, sizeof(*nl));
	socklen_t *nll = calloc(conf->nlisten ? conf->nlisten : 1, sizeof(*nll));
	if (ch == NULL || nl == NULL || nll == NULL) {
		free(ch);
		free(nl);
		free(nll);
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	for (size_t i = 0; i < conf->nlisten; i++) {
		memcpy(&nl[i], &conf->listen[i].ss, conf->listen[i].len);
		nll[i] = conf->listen[i].len;
	}

	bool listen_ok = true;
	for (size_t k = 0; k < nw; k++) {
		ch[k] = calloc(1, sizeof(*ch[k]));
		if (ch[k] == NULL) {
			listen_ok = false;
			break;
		}
		ch[k]->tcp_idle_timeout = conf->tcp_idle_timeout;
		ch[k]->tcp_max_lifetime = conf->tcp_max_lifetime;
		ch[k]->tcp_clients = conf->tcp_clients;
	}
	/* Bind every new address for every worker first, here, so a failure
	 * leaves the listen set exactly as it was. */
	for (size_t i = 0; i < conf->nlisten && listen_ok; i++) {
		if (server_addr_in(&nl[i], nll[i], s->listen, s->listen_len, s->nlisten) ||
		    server_addr_in(&nl[i], nll[i], nl, nll, i))
			continue;
		if (server_probe_free(&nl[i], nll[i], conf->listen[i].text) < 0) {
			listen_ok = false;
			break;
		}
		for (size_t k = 0; k < nw && listen_ok; k++) {
			listener_t *l = server_listener_open(s->workers[k], &nl[i], nll[i]);
			if (l == NULL) {
				listen_ok = false;
				break;
			}
			l->next = ch[k]->add;
			ch[k]->add = l;
		}
		if (listen_ok)
			log_notice("reload: now listening on %s", conf->listen[i].text);
	}
	size_t nremove = 0;
	for (size_t i = 0; i < s->nlisten && listen_ok; i++)
		if (!server_addr_in(&s->listen[i], s->listen_len[i], nl, nll, conf->nlisten))
			nremove++;
	for (size_t k = 0; k < nw && listen_ok && nremove > 0; k++) {
		ch[k]->remove = calloc(nremove, sizeof(*ch[k]->remove));
		ch[k]->remove_len = calloc(nremove, sizeof(*ch[k]->remove_len));
		if (ch[k]->remove == NULL || ch[k]->remove_len == NULL) {
			listen_ok = false;
			break;
		}
		for (size_t i = 0; i < s->nlisten; i++) {
			if (server_addr_in(&s->listen[i], s->listen_len[i], nl, nll, conf->nlisten))
				continue;
			if (k == 0) {
				char text[80];
				net_format_addr((const struct sockaddr *)&s->listen[i], text, sizeof(text));
				log_notice("reload: no longer listening on %s", text);
			}
			ch[k]->remove[ch[k]->nremove] = s->listen[i];
			ch[k]->remove_len[ch[k]->nremove] = s->listen_len[i];
			ch[k]->nremove++;
		}
	}
	if (!listen_ok) {
		log_error("reload: cannot open the new listen addresses; keeping the old ones "
			  "(other settings are applied)");
		rc = -1;
		for (size_t k = 0; k < nw; k++) {
			if (ch[k] == NULL)
				continue;
			server_listener_free_list(ch[k]->add);
			ch[k]->add = NULL;
			free(ch[k]->remove);
			free(ch[k]->remove_len);
			ch[k]->remove = NULL;
			ch[k]->remove_len = NULL;
			ch[k]->nremove = 0;
		}
	} else {
		free(s->listen);
		free(s->listen_len);
		s->listen = nl;
		s->listen_len = nll;
		s->nlisten = conf->nlisten;
		nl = NULL;
		nll = NULL;
	}
	free(nl);
	free(nll);
	s->edns_udp_size = conf->edns_udp_size;

	/* Hand each worker its change and wait until it has taken it (so two
	 * reconfigurations never overlap). Workers never wait on us. */
	for (size_t k = 0; k < nw; k++) {
		worker_t *w = s->workers[k];
		if (ch[k] == NULL)
			continue;
		if (s->state != SERVER_RUNNING) {
			if (s->state == SERVER_NEW)
				worker_apply(w, ch[k]);
			net_change_free(ch[k]);
			continue;
		}
		pthread_mutex_lock(&w->lock);
		uint64_t target = w->applied + 1;
		w->pending = ch[k];
		pthread_mutex_unlock(&w->lock);
		worker_wake_request(w, false, true);
		pthread_mutex_lock(&w->lock);
		while (w->applied < target)
			pthread_cond_wait(&w->applied_cond, &w->lock);
		pthread_mutex_unlock(&w->lock);
	}
	free(ch);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* querylog.c -- per-worker rings and the logger thread (querylog.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "querylog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "log.h"
#include "query.h"
#include "snapshot.h"

#define QUERYLOG_RING 1024          /* records per worker (a power of two) */
#define QUERYLOG_DRAIN_MS 100

typedef struct querylog_ring {
	_Atomic unsigned long head;      /* written by the worker */
	char pad[64 - sizeof(unsigned long)];
	_Atomic unsigned long tail;      /* written by the logger */
	_Atomic unsigned long dropped;   /* the worker's, read by the logger */
	querylog_rec_t recs[QUERYLOG_RING];
} querylog_ring_t;

static struct {
	querylog_ring_t *rings;
	unsigned nrings;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running, quit;
} ql = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

void
querylog_format(const querylog_rec_t *r, char *buf, size_t n)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (r->client.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&r->client;
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		port = ntohs(s6->sin6_port);
	} else if (r->client.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&r->client;
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		port = ntohs(s4->sin_port);
	}
	char name[1024] = "-";
	if (r->qname_len > 0) {
		ldns_rdf *rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, r->qname_len, r->qname);
		char *s = rdf != NULL ? ldns_rdf2str(rdf) : NULL;
		if (s != NULL)
			snprintf(name, sizeof(name), "%s", s);
		free(s);
		ldns_rdf_deep_free(rdf);
	}
	char type[32];
	const ldns_rr_descriptor *d = ldns_rr_descript(r->qtype);
	if (d != NULL && d->_name != NULL)
		snprintf(type, sizeof(type), "%s", d->_name);
	else
		snprintf(type, sizeof(type), "TYPE%u", r->qtype);
	const ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, r->rcode);
	static const struct {
		uint8_t bit;
		const char *name;
	} fl[] = { { QUERYLOG_RD, "rd" }, { QUERYLOG_CD, "cd" },
		   { QUERYLOG_AA, "aa" }, { QUERYLOG_TC, "tc" }, { QUERYLOG_FWD, "fwd" } };
	char flags[40] = "";
	size_t fo = 0;
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (r->flags & fl[i].bit)
			fo += (size_t)snprintf(flags + fo, sizeof(flags) - fo, "%s%s", fo ? "," : "",
					       fl[i].name);
	char rcode[16];
	if (r->flags & QUERYLOG_FWD)
		snprintf(rcode, sizeof(rcode), "-");
	else if (rc != NULL)
		snprintf(rcode, sizeof(rcode), "%s", rc->name);
	else
		snprintf(rcode, sizeof(rcode), "RCODE%u", r->rcode);
	snprintf(buf, n, "query: client %s#%u view %s %s %s %s flags %s %s %uus", addr, port,
		 r->view_name, name, type, rcode, fo ? flags : "-", r->tcp ? "tcp" : "udp",
		 r->latency_us);
}

void
querylog_push(unsigned worker, const struct sockaddr *client, bool tcp, unsigned view,
	      const char *view_name, const uint8_t *q, size_t qlen, const uint8_t *a, size_t alen,
	      uint32_t latency_us)
{
	if (worker >= ql.nrings)
		return;
	querylog_ring_t *ring = &ql.rings[worker];
	unsigned long head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	unsigned long tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
	if (head - tail >= QUERYLOG_RING) {
		atomic_store_explicit(&ring->dropped,
				      atomic_load_explicit(&ring->dropped, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		return;
	}
	querylog_rec_t *r = &ring->recs[head & (QUERYLOG_RING - 1)];
	size_t clen = client->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	memcpy(&r->client, client, clen);
	r->client.ss_family = client->sa_family;
	r->tcp = tcp;
	r->view = view;
	snprintf(r->view_name, sizeof(r->view_name), "%s", view_name);
	r->latency_us = latency_us;
	r->qname_len = 0;
	r->qtype = 0;
	r->flags = 0;
	r->rcode = 0;
	if (qlen >= 12) {
		if (q[2] & 0x01)
			r->flags |= QUERYLOG_RD;
		if (q[3] & 0x10)
			r->flags |= QUERYLOG_CD;
		/* the question's name: uncompressed labels (a query) */
		size_t pos = 12;
		while (pos < qlen && q[pos] != 0 && q[pos] < 64 && pos + 1 + q[pos] < qlen)
			pos += 1u + q[pos];
		if (pos < qlen && q[pos] == 0 && pos + 5 <= qlen && pos + 1 - 12 <= sizeof(r->qname)) {
			r->qname_len = (uint8_t)(pos + 1 - 12);
			memcpy(r->qname, q + 12, r->qname_len);
			r->qtype = (uint16_t)(q[pos + 1] << 8 | q[pos + 2]);
		}
	}
	if (alen >= 12) {
		r->rcode = a[3] & 0x0F;
		if (a[2] & 0x04)
			r->flags |= QUERYLOG_AA;
		if (a[2] & 0x02)
			r->flags |= QUERYLOG_TC;
	} else {
		r->flags |= QUERYLOG_FWD;
	}
	atomic_store_explicit(&ring->head, head + 1, memory_order_release);
}

/* Write out what the rings hold. Returns records written. */
static size_t
querylog_drain(void)
{
	size_t n = 0;
	char line[1400];
	for (unsigned i = 0; i < ql.nrings; i++) {
		querylog_ring_t *ring = &ql.rings[i];
		unsigned long tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
		unsigned long head = atomic_load_explicit(&ring->head, memory_order_acquire);
		for (; tail != head; tail++, n++) {
			querylog_format(&ring->recs[tail & (QUERYLOG_RING - 1)], line, sizeof(line));
			log_notice("%s", line);
			atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
		}
	}
	return n;
}

static void *
querylog_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&ql.lock);
	while (!ql.quit) {
		pthread_mutex_unlock(&ql.lock);
		querylog_drain();
		pthread_mutex_lock(&ql.lock);
		if (ql.quit)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += QUERYLOG_DRAIN_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ql.cond, &ql.lock, &until);
	}
	pthread_mutex_unlock(&ql.lock);
	return NULL;
}

int
querylog_start(unsigned nworkers)
{
	ql.rings = calloc(nworkers, sizeof(*ql.rings));
	if (ql.rings == NULL) {
		log_error("query-log: out of memory");
		return -1;
	}
	ql.nrings = nworkers;
	ql.quit = false;
	if (pthread_create(&ql.thread, NULL, querylog_main, NULL) != 0) {
		log_error("query-log: cannot start the logger thread");
		free(ql.rings);
		ql.rings = NULL;
		ql.nrings = 0;
		return -1;
	}
	ql.running = true;
	return 0;
}

void
querylog_stop(void)
{
	if (!ql.running)
		return;
	pthread_mutex_lock(&ql.lock);
	ql.quit = true;
	pthread_cond_signal(&ql.cond);
	pthread_mutex_unlock(&ql.lock);
	pthread_join(ql.thread, NULL);
	querylog_drain();   /* the workers are stopped: what they left */
	unsigned long long dropped = 0;
	for (unsigned i = 0; i < ql.nrings; i++)
		dropped += atomic_load_explicit(&ql.rings[i].dropped, memory_order_relaxed);
	if (dropped > 0)
		log_notice("query-log: %llu records dropped (the log could not keep up)", dropped);
	free(ql.rings);
	ql.rings = NULL;
	ql.nrings = 0;
	ql.running = false;
}

void
querylog_query(unsigned worker, const struct snapshot *snap, const struct query_fwd *fwd,
	       const struct sockaddr *client, bool tcp, const uint8_t *q, size_t qlen,
	       const uint8_t *a, size_t alen, const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);   /* vDSO: no system call */
	long long us = (long long)(t1.tv_sec - t0->tv_sec) * 1000000 +
		       (t1.tv_nsec - t0->tv_nsec) / 1000;
	querylog_push(worker, client, tcp, fwd->stat_view, snap->views[fwd->stat_view].conf->name,
		      q, qlen, a, alen, us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
}

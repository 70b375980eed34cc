/* notify.c -- NOTIFY out with retries. The design is in notify.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* pipe2 */
#include "notify.h"
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "log.h"
#include "tsig.h"
#include "xfr_stats.h"

typedef struct notify_item {
	struct notify_item *next;
	char *view, *zone, *target;        /* target: as configured, for the log */
	struct sockaddr_storage addr;
	socklen_t alen;
	uint32_t serial;
	/* notify-key: the key (copied: the config may be gone by the answer)
	 * and the request's MAC, which the answer's TSIG covers */
	char *key_name, *key_secret;
	ldns_rdf *mac;
	bool bad_answer_logged;
	uint8_t *wire;
	size_t len;
	uint16_t id;
	unsigned tries;                    /* sent so far */
	long long next_ms;                 /* next send (monotonic ms) */
} notify_item_t;

static struct {
	pthread_mutex_t lock;
	notify_item_t *head;
	int wake[2];                       /* pipe: new items, or quit */
	int fd4, fd6;
	bool running, quit;
	pthread_t thread;
} nq = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 }, .fd4 = -1, .fd6 = -1 };

static long long
notify_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
notify_item_free(notify_item_t *it)
{
	free(it->view);
	free(it->zone);
	free(it->target);
	free(it->wire);
	free(it->key_name);
	free(it->key_secret);
	ldns_rdf_deep_free(it->mac);
	free(it);
}

static bool
notify_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* The NOTIFY: question zone SOA IN, AA, and soa (if not NULL) as its answer
 * section (RFC 1996 3.7: the secondary learns the serial without asking;
 * BIND and Knot send it too); signed with key if not NULL, its MAC then in
 * it->mac. Sets it->wire and it->len; false if it cannot be built. */
static bool
notify_build(notify_item_t *it, const char *zone, const uint8_t *soa, size_t soa_len,
	     const conf_key_t *key)
{
	ldns_rdf *name = NULL;
	if (ldns_str2rdf_dname(&name, zone) != LDNS_STATUS_OK)
		return false;
	ldns_pkt *p = ldns_pkt_query_new(name, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, LDNS_AA);
	if (p == NULL)
		return false;
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_rd(p, false);
	ldns_pkt_set_id(p, it->id);
	uint8_t *wire = NULL, *msg = NULL;
	size_t qlen = 0;
	if (ldns_pkt2wire(&wire, p, &qlen) == LDNS_STATUS_OK && qlen >= 12) {
		msg = xmalloc(qlen + soa_len);
		memcpy(msg, wire, qlen);
		if (soa != NULL) {
			memcpy(msg + qlen, soa, soa_len);
			msg[6] = 0;   /* ANCOUNT 1 */
			msg[7] = 1;
		}
		it->len = qlen + (soa != NULL ? soa_len : 0);
	}
	free(wire);
	ldns_pkt_free(p);
	if (msg == NULL || key == NULL) {
		it->wire = msg;
		return msg != NULL;
	}
	/* signed: the whole message through ldns, which puts the TSIG last */
	ldns_pkt *sp = NULL;
	bool ok = ldns_wire2pkt(&sp, msg, it->len) == LDNS_STATUS_OK &&
		  ldns_pkt_tsig_sign(sp, key->name, key->secret, TSIG_FUDGE_MAX,
				     tsig_algorithm_dname(key->algorithm), NULL) == LDNS_STATUS_OK &&
		  ldns_pkt2wire(&it->wire, sp, &it->len) == LDNS_STATUS_OK;
	free(msg);
	if (ok) {
		it->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(sp), 3));
		it->key_name = strdup(key->name);
		it->key_secret = strdup(key->secret);
		ok = it->mac != NULL && it->key_name != NULL && it->key_secret != NULL;
	}
	ldns_pkt_free(sp);
	return ok;
}

void
notify_zone(const char *view, const char *zone, uint32_t serial, const uint8_t *soa, size_t soa_len,
	    const conf_key_t *key, const conf_sockaddr_t *targets, size_t ntargets)
{
	for (size_t i = 0; i < ntargets; i++) {
		notify_item_t *it = xcalloc(1, sizeof(*it));
		it->id = (uint16_t)ldns_get_random();
		bool built = notify_build(it, zone, soa, soa_len, key);
		it->view = strdup(view ? view : "");
		it->zone = strdup(zone);
		it->target = strdup(targets[i].text ? targets[i].text : "?");
		if (!built || it->view == NULL || it->zone == NULL || it->target == NULL) {
			notify_item_free(it);
			continue;
		}
		it->addr = targets[i].ss;
		it->alen = targets[i].len;
		it->serial = serial;
		pthread_mutex_lock(&nq.lock);
		/* a newer serial replaces a NOTIFY still waiting for its answer */
		for (notify_item_t **p = &nq.head; *p != NULL; p = &(*p)->next) {
			notify_item_t *o = *p;
			if (strcmp(o->zone, zone) == 0 && strcmp(o->view, it->view) == 0 &&
			    notify_same_addr(&o->addr, &it->addr)) {
				*p = o->next;
				notify_item_free(o);
				break;
			}
		}
		it->next = nq.head;
		nq.head = it;
		pthread_mutex_unlock(&nq.lock);
		if (nq.wake[1] >= 0)
			(void)!write(nq.wake[1], "n", 1);
	}
}

/* Does the answer msg[0..len) to it carry a valid TSIG of it's key
 * (RFC 8945 5.3: the answer to a signed request is signed)? */
static bool
notify_answer_signed(const notify_item_t *it, const uint8_t *msg, size_t len)
{
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return false;
	bool ok = ldns_pkt_tsig(p) != NULL &&
		  ldns_pkt_tsig_verify(p, msg, len, it->key_name, it->key_secret, it->mac);
	ldns_pkt_free(p);
	return ok;
}

/* An answer on fd: the item it acknowledges is done. */
static void
notify_receive(int fd)
{
	uint8_t buf[512];
	struct sockaddr_storage from;
	for (;;) {
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		if (n < 12 || !(buf[2] & 0x80) || ((buf[2] >> 3) & 0x0F) != LDNS_PACKET_NOTIFY)
			continue;
		uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
		unsigned rcode = buf[3] & 0x0F;
		pthread_mutex_lock(&nq.lock);
		for (notify_item_t **p = &nq.head; *p != NULL; p = &(*p)->next) {
			notify_item_t *it = *p;
			if (it->id != id || it->tries == 0 || !notify_same_addr(&it->addr, &from))
				continue;
			if (it->key_name != NULL && !notify_answer_signed(it, buf, (size_t)n)) {
				/* not the target's answer as far as we can tell: keep
				 * sending until one is signed, or give up */
				if (!it->bad_answer_logged)
					log_warning("notify: zone %s in view %s, serial %" PRIu32 ": the "
						    "answer from %s is not signed with key %s: ignored",
						    it->zone, it->view, it->serial, it->target,
						    it->key_name);
				it->bad_answer_logged = true;
				break;
			}
			ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)rcode);
			log_notice("notify: zone %s in view %s, serial %" PRIu32 ": %s answered %s%s",
				   it->zone, it->view, it->serial, it->target, lt ? lt->name : "?",
				   it->tries > 1 ? " (after retries)" : "");
			xfr_stats_notify(NOTIFY_STAT_ANSWERED);
			*p = it->next;
			notify_item_free(it);
			break;
		}
		pthread_mutex_unlock(&nq.lock);
	}
}

/* Send what is due; the time until the next send (ms, -1: nothing
 * waits). Under nq.lock. */
static int
notify_send_due(void)
{
	long long now = notify_now_ms(), next = -1;
	for (notify_item_t **p = &nq.head; *p != NULL;) {
		notify_item_t *it = *p;
		if (it->next_ms <= now) {
			if (it->tries >= NOTIFY_TRIES) {
				log_warning("notify: zone %s in view %s, serial %" PRIu32 ": no answer "
					    "from %s after %u tries, giving up", it->zone, it->view,
					    it->serial, it->target, it->tries);
				xfr_stats_notify(NOTIFY_STAT_FAILED);
				*p = it->next;
				notify_item_free(it);
				continue;
			}
			int fd = it->addr.ss_family == AF_INET6 ? nq.fd6 : nq.fd4;
			if (fd < 0 || sendto(fd, it->wire, it->len, 0, (struct sockaddr *)&it->addr,
					     it->alen) < 0)
				log_debug("notify: zone %s: send to %s failed: %s", it->zone, it->target,
					  strerror(errno));
			it->tries++;
			/* 1, 2, 4, 8 s between tries */
			it->next_ms = now + (1000LL << (it->tries - 1));
			if (it->tries == 1) {
				xfr_stats_notify(NOTIFY_STAT_SENT);
				log_info("notify: zone %s in view %s, serial %" PRIu32 ": sent to %s",
					 it->zone, it->view, it->serial, it->target);
			}
		}
		if (next < 0 || it->next_ms < next)
			next = it->next_ms;
		p = &it->next;
	}
	return next < 0 ? -1 : (int)(next > now ? next - now : 0);
}

static void *
notify_main(void *unused)
{
	(void)unused;
	for (;;) {
		pthread_mutex_lock(&nq.lock);
		if (nq.quit) {
			pthread_mutex_unlock(&nq.lock);
			break;
		}
		int wait = notify_send_due();
		pthread_mutex_unlock(&nq.lock);
		struct pollfd pf[3] = {
			{ .fd = nq.wake[0], .events = POLLIN },
			{ .fd = nq.fd4, .events = POLLIN },
			{ .fd = nq.fd6, .events = POLLIN },
		};
		if (poll(pf, 3, wait) <= 0)
			continue;
		if (pf[0].revents & POLLIN) {
			char drain[64];
			while (read(nq.wake[0], drain, sizeof(drain)) > 0)
				;
		}
		if (pf[1].revents & POLLIN)
			notify_receive(nq.fd4);
		if (pf[2].revents & POLLIN)
			notify_receive(nq.fd6);
	}
	return NULL;
}

int
notify_start(void)
{
	if (nq.running)
		return 0;
	if (pipe2(nq.wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_error("notify: cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	nq.fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	nq.fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);   /* may fail: no IPv6 */
	nq.quit = false;
	if (pthread_create(&nq.thread, NULL, notify_main, NULL) != 0) {
		log_error("notify: cannot start the NOTIFY thread");
		notify_stop();
		return -1;
	}
	nq.running = true;
	return 0;
}

void
notify_stop(void)
{
	if (nq.running) {
		pthread_mutex_lock(&nq.lock);
		nq.quit = true;
		pthread_mutex_unlock(&nq.lock);
		(void)!write(nq.wake[1], "q", 1);
		pthread_join(nq.thread, NULL);
		nq.running = false;
	}
	pthread_mutex_lock(&nq.lock);
	while (nq.head != NULL) {
		notify_item_t *it = nq.head;
		nq.head = it->next;
		notify_item_free(it);
	}
	pthread_mutex_unlock(&nq.lock);
	for (int i = 0; i < 2; i++) {
		if (nq.wake[i] >= 0)
			close(nq.wake[i]);
		nq.wake[i] = -1;
	}
	if (nq.fd4 >= 0)
		close(nq.fd4);
	if (nq.fd6 >= 0)
		close(nq.fd6);
	nq.fd4 = nq.fd6 = -1;
}

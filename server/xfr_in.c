/* xfr_in.c -- secondary zones: the transfer thread, SOA timers, IXFR/AXFR
 * in over TCP with ldns, the kept copy. The design is in xfr_in.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "xfr_in.h"
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "log.h"
#include "xfr_in_copy.h"
#include "tsig.h"
#include "xfr_stats.h"
#include "zonefile.h"

#define XFRIN_MSG_MAX 65535
/* No SOA yet (no copy, primaries unreachable): try again this often. */
#define XFRIN_RETRY_NODATA 10
/* One exchange may last this many socket timeouts in all (300 s by default). */
#define XFRIN_EXCHANGE_STEPS 30
/* Transfer threads: a primary that does not answer holds one of them for
 * its timeouts, not every other zone's refresh. */
#define XFRIN_THREADS 4

typedef struct xfrin_entry {
	struct xfrin_entry *next;
	char *view, *name, *path;          /* name: "example.com." as configured */
	struct sockaddr_storage *primaries;
	socklen_t *plen;
	char **ptext;
	size_t nprimaries;
	char *key_name, *key_alg, *key_secret;   /* NULL: unsigned */
	zone_t *zone;                      /* served now (reference) */
	/* scheduling, under xl.lock */
	bool have_soa;                     /* a copy with an SOA is held */
	bool expired, busy, stale;         /* stale: gone from the config */
	uint32_t serial, refresh, retry, expire;
	time_t next_at, expire_at;
	/* the transfer thread's own */
	ldns_rr_list *rrs;                 /* the copy's records, SOA first */
	bool rrs_read;
} xfrin_entry_t;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	xfrin_entry_t *head;
	bool running, quit;
	int busy_fd[XFRIN_THREADS];        /* each thread's transfer socket: stop shuts it down */
	pthread_t threads[XFRIN_THREADS];
	unsigned nthreads;
	unsigned timeout;                  /* seconds, each step of an exchange */
} xl = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .timeout = 10,
	 .busy_fd = { -1, -1, -1, -1 } };

/* Which of the transfer threads this is (its busy_fd slot). */
static _Thread_local unsigned xfrin_slot;

/* Under xl.lock. */
static xfrin_entry_t *
xfrin_find(const char *view, const char *zone)
{
	for (xfrin_entry_t *e = xl.head; e != NULL; e = e->next)
		if (strcmp(e->view, view) == 0 && conf_name_equal(e->name, zone))
			return e;
	return NULL;
}

static char *
xfrin_strdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s != NULL && d == NULL)
		abort();
	return d;
}

static void
xfrin_entry_clear_conf(xfrin_entry_t *e)
{
	for (size_t i = 0; i < e->nprimaries; i++)
		free(e->ptext[i]);
	free(e->ptext);
	free(e->primaries);
	free(e->plen);
	free(e->key_name);
	free(e->key_alg);
	free(e->key_secret);
	free(e->path);
	e->ptext = NULL;
	e->primaries = NULL;
	e->plen = NULL;
	e->key_name = e->key_alg = e->key_secret = e->path = NULL;
	e->nprimaries = 0;
}

/* Under xl.lock. */
static void
xfrin_entry_set_conf(xfrin_entry_t *e, const conf_zone_t *cz)
{
	xfrin_entry_clear_conf(e);
	e->nprimaries = cz->nprimaries;
	e->primaries = xcalloc(cz->nprimaries, sizeof(*e->primaries));
	e->plen = xcalloc(cz->nprimaries, sizeof(*e->plen));
	e->ptext = xcalloc(cz->nprimaries, sizeof(*e->ptext));
	for (size_t i = 0; i < cz->nprimaries; i++) {
		e->primaries[i] = cz->primaries[i].ss;
		e->plen[i] = cz->primaries[i].len;
		e->ptext[i] = xfrin_strdup(cz->primaries[i].text);
	}
	if (cz->transfer_key != NULL) {
		e->key_name = xfrin_strdup(cz->transfer_key->name);
		e->key_alg = xfrin_strdup(cz->transfer_key->algorithm);
		e->key_secret = xfrin_strdup(cz->transfer_key->secret);
	}
	e->path = xfrin_strdup(cz->path);
	e->stale = false;
}

/* A zone that answers SERVFAIL: no copy yet, or expired. */
static zone_t *
xfrin_placeholder(const char *name, diag_t *d)
{
	static const char text[] = "@ 0 IN SOA invalid. invalid. 0 0 0 0 0\n@ 0 IN NS invalid.\n";
	zonefile_t *zf = zonefile_parse(name, "(no copy yet)", text, sizeof(text) - 1, d);
	zone_t *z = zf ? zone_build(zf, d) : NULL;
	zonefile_free(&zf);
	if (z != NULL)
		z->expired = true;
	return z;
}

zone_t *
xfrin_zone_get(const conf_zone_t *cz, diag_t *d)
{
	const char *view = cz->view_name ? cz->view_name : "";
	pthread_mutex_lock(&xl.lock);
	xfrin_entry_t *e = xfrin_find(view, cz->name);
	bool same_file = e != NULL && e->path != NULL && strcmp(e->path, cz->path) == 0;
	if (e != NULL && same_file && e->zone != NULL) {
		xfrin_entry_set_conf(e, cz);
		zone_ref(e->zone);
		zone_t *z = e->zone;
		pthread_mutex_unlock(&xl.lock);
		return z;
	}
	pthread_mutex_unlock(&xl.lock);

	/* the kept copy, so the zone serves at once; or a placeholder */
	zone_t *z = NULL;
	bool kept = access(cz->path, F_OK) == 0;
	if (kept) {
		/* a broken copy (a disk problem: horizond writes it whole) must not
		 * keep the server from starting: its errors are printed, not
		 * counted, and the zone waits for a transfer */
		diag_t copy_diag = { .out = d->out, .quiet = d->quiet };
		z = zone_load(cz->name, cz->path, &copy_diag);
		if (z == NULL) {
			diag_warn(d, cz->path, 0, "zone %s in view %s: the kept copy does not load; "
				  "SERVFAIL until a transfer", cz->name, view);
			kept = false;
		}
	}
	if (z == NULL)
		z = xfrin_placeholder(cz->name, d);
	if (z == NULL)
		return NULL;

	pthread_mutex_lock(&xl.lock);
	e = xfrin_find(view, cz->name);
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->view = xfrin_strdup(view);
		e->name = xfrin_strdup(cz->name);
		e->next = xl.head;
		xl.head = e;
	} else if (!e->busy) {
		/* another file now: start over from it */
		ldns_rr_list_deep_free(e->rrs);
		e->rrs = NULL;
		e->rrs_read = false;
		e->have_soa = false;
	}
	xfrin_entry_set_conf(e, cz);
	zone_unref(&e->zone);
	e->zone = z;
	zone_ref(z);
	e->next_at = 0;   /* refresh now */
	pthread_cond_broadcast(&xl.cond);
	pthread_mutex_unlock(&xl.lock);
	if (kept)
		log_info("zone %s in view %s: secondary, serving the kept copy %s (serial %" PRIu32 ")",
			 cz->name, view, cz->path, z->serial);
	return z;
}

void
xfrin_zone_set(const char *view, const char *zone, zone_t *z)
{
	pthread_mutex_lock(&xl.lock);
	xfrin_entry_t *e = xfrin_find(view, zone);
	if (e != NULL) {
		zone_ref(z);
		zone_unref(&e->zone);
		e->zone = z;
	}
	pthread_mutex_unlock(&xl.lock);
}

static bool
xfrin_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return false;
}

bool
xfrin_notify(const char *zone, const struct sockaddr *src)
{
	size_t n = 0;
	pthread_mutex_lock(&xl.lock);
	for (xfrin_entry_t *e = xl.head; e != NULL; e = e->next) {
		bool ok = false;
		for (size_t i = 0; !e->stale && !ok && i < e->nprimaries; i++)
			ok = conf_name_equal(e->name, zone) &&
			     xfrin_same_addr((const struct sockaddr *)&e->primaries[i], src);
		if (!ok)
			continue;
		e->next_at = 0;
		n++;
		log_notice("zone %s in view %s: NOTIFY from a primary, refreshing", e->name, e->view);
	}
	if (n > 0)
		pthread_cond_broadcast(&xl.cond);
	pthread_mutex_unlock(&xl.lock);
	return n > 0;
}

bool
xfrin_notify_allowed(const char *view, const char *zone)
{
	pthread_mutex_lock(&xl.lock);
	xfrin_entry_t *e = xfrin_find(view, zone);
	if (e != NULL && !e->stale) {
		e->next_at = 0;
		log_notice("zone %s in view %s: NOTIFY allowed by allow-notify, refreshing", e->name,
			   e->view);
		pthread_cond_broadcast(&xl.cond);
	}
	pthread_mutex_unlock(&xl.lock);
	return e != NULL && !e->stale;
}

/* ---------------------------------------------------------------------------
 * One exchange over TCP: a query, then messages until the answer is complete
 */

typedef struct xfrin_job {
	const char *view, *name, *path;
	const struct sockaddr *addr;
	socklen_t alen;
	const char *ptext;
	const char *key_name, *key_alg, *key_secret;
	ldns_rdf *origin;
} xfrin_job_t;

static bool
xfrin_io(int fd, void *buf, size_t len, bool writing)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Is the answer so far a complete transfer (or SOA answer)? whole: the
 * last message ended here. */
static bool
xfrin_complete(const ldns_rr_list *l, ldns_rr_type qtype, bool *bad)
{
	size_t n = ldns_rr_list_rr_count(l);
	if (n == 0)
		return false;
	const ldns_rr *first = ldns_rr_list_rr(l, 0);
	if (ldns_rr_get_type(first) != LDNS_RR_TYPE_SOA) {
		*bad = true;
		return true;
	}
	if (qtype == LDNS_RR_TYPE_SOA || (qtype == LDNS_RR_TYPE_IXFR && n == 1))
		return true;
	uint32_t last = xfrin_copy_soa_field(first, 2);
	bool ixfr_form = qtype == LDNS_RR_TYPE_IXFR && n >= 2 &&
			 ldns_rr_get_type(ldns_rr_list_rr(l, 1)) == LDNS_RR_TYPE_SOA;
	if (!ixfr_form)
		return n >= 2 && ldns_rr_get_type(ldns_rr_list_rr(l, n - 1)) == LDNS_RR_TYPE_SOA;
	/* SOA(new) [SOA(from) dels SOA(to) adds]* SOA(new) */
	size_t i = 1;
	for (;;) {
		if (i >= n)
			return false;
		const ldns_rr *from = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(from) != LDNS_RR_TYPE_SOA) {
			*bad = true;
			return true;
		}
		if (xfrin_copy_soa_field(from, 2) == last && i == n - 1)
			return true;
		for (i++; i < n && ldns_rr_get_type(ldns_rr_list_rr(l, i)) != LDNS_RR_TYPE_SOA; i++)
			;
		for (i++; i < n && ldns_rr_get_type(ldns_rr_list_rr(l, i)) != LDNS_RR_TYPE_SOA; i++)
			;
	}
}

/* Send q (signed with the job's key, if any) to the job's primary over TCP
 * and collect the answer records into *out until complete. Returns NULL on
 * success, else why not (static text or *why_buf). rcode: the first
 * message's. */
static const char *
xfrin_exchange(const xfrin_job_t *j, ldns_pkt *q, ldns_rr_list **out, int *rcode, char *why_buf,
	       size_t why_size)
{
	*out = NULL;
	*rcode = -1;
	ldns_rr_type qtype = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0));
	uint16_t id = (uint16_t)ldns_get_random();
	ldns_pkt_set_id(q, id);
	if (j->key_name != NULL &&
	    ldns_pkt_tsig_sign(q, j->key_name, j->key_secret, TSIG_FUDGE_MAX,
			       tsig_algorithm_dname(j->key_alg), NULL) != LDNS_STATUS_OK)
		return "cannot sign the query";
	uint8_t *wire = NULL;
	size_t wlen = 0;
	if (ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK || wlen > XFRIN_MSG_MAX) {
		free(wire);
		return "cannot build the query";
	}
	int fd = socket(j->addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(wire);
		return "no socket";
	}
	struct timeval tv = { .tv_sec = xl.timeout };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	const char *why = NULL;
	uint8_t len2[2] = { (uint8_t)(wlen >> 8), (uint8_t)wlen };
	pthread_mutex_lock(&xl.lock);
	bool quit = xl.quit;
	xl.busy_fd[xfrin_slot] = fd;
	pthread_mutex_unlock(&xl.lock);
	if (quit) {
		why = "stopping";
	} else if (connect(fd, j->addr, j->alen) != 0) {
		snprintf(why_buf, why_size, "cannot connect: %s", strerror(errno));
		why = why_buf;
	} else if (!xfrin_io(fd, len2, 2, true) || !xfrin_io(fd, wire, wlen, true)) {
		why = "cannot send the query";
	}
	free(wire);
	ldns_rdf *mac = NULL;
	if (j->key_name != NULL && ldns_pkt_tsig(q) != NULL)
		mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	ldns_rr_list *all = ldns_rr_list_new();
	uint8_t *buf = malloc(XFRIN_MSG_MAX);
	if (all == NULL || buf == NULL)
		abort();
	bool done = false, bad = false;
	/* each read has the socket timeout; the whole exchange is bounded too,
	 * so a primary that trickles messages cannot hold the thread forever */
	time_t deadline = time(NULL) + (time_t)xl.timeout * XFRIN_EXCHANGE_STEPS;
	for (unsigned msgs = 0; why == NULL && !done; msgs++) {
		if (time(NULL) > deadline) {
			why = "the transfer took too long";
			break;
		}
		if (!xfrin_io(fd, len2, 2, false)) {
			why = msgs == 0 ? "no answer (timeout or closed)" : "the transfer broke off";
			break;
		}
		size_t mlen = (size_t)len2[0] << 8 | len2[1];
		if (mlen < 12 || !xfrin_io(fd, buf, mlen, false)) {
			why = "short message";
			break;
		}
		ldns_pkt *m = NULL;
		if (ldns_wire2pkt(&m, buf, mlen) != LDNS_STATUS_OK) {
			why = "malformed message";
			break;
		}
		if (ldns_pkt_id(m) != id || !ldns_pkt_qr(m)) {
			ldns_pkt_free(m);
			why = "answer with a wrong id";
			break;
		}
		if (msgs == 0)
			*rcode = ldns_pkt_get_rcode(m);
		if (ldns_pkt_get_rcode(m) != LDNS_RCODE_NOERROR) {
			ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(m));
			/* an error is a failure whether signed or not */
			snprintf(why_buf, why_size, "answer %s%s", lt ? lt->name : "error",
				 ldns_pkt_tsig(m) != NULL ? " (TSIG: the key or signature is not accepted?)" : "");
			ldns_pkt_free(m);
			why = why_buf;
			break;
		}
		if (j->key_name != NULL) {
			/* RFC 8945 5.3.1: every message here must carry a TSIG */
			bool ok = ldns_pkt_tsig(m) != NULL &&
				  (msgs == 0 ? ldns_pkt_tsig_verify(m, buf, mlen, j->key_name,
								    j->key_secret, mac)
					     : ldns_pkt_tsig_verify_next(m, buf, mlen, j->key_name,
									 j->key_secret, mac, 0));
			if (!ok) {
				ldns_pkt_free(m);
				why = "TSIG check failed";
				break;
			}
			ldns_rdf_deep_free(mac);
			mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(m), 3));
		} else if (ldns_pkt_tsig(m) != NULL && msgs == 0) {
			log_debug("zone %s: signed answer to an unsigned query", j->name);
		}
		ldns_rr_list *an = ldns_pkt_answer(m);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
			ldns_rr_list_push_rr(all, ldns_rr_clone(ldns_rr_list_rr(an, i)));
		ldns_pkt_free(m);
		done = xfrin_complete(all, qtype, &bad);
		if (bad)
			why = "the answer is not a zone transfer";
	}
	free(buf);
	ldns_rdf_deep_free(mac);
	pthread_mutex_lock(&xl.lock);
	xl.busy_fd[xfrin_slot] = -1;
	pthread_mutex_unlock(&xl.lock);
	close(fd);
	if (why != NULL) {
		ldns_rr_list_deep_free(all);
		return why;
	}
	*out = all;
	return NULL;
}

static ldns_pkt *
xfrin_query(const xfrin_job_t *j, ldns_rr_type t, const ldns_rr *our_soa)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_rdf_clone(j->origin), t, LDNS_RR_CLASS_IN, 0);
	if (q == NULL)
		abort();
	if (t == LDNS_RR_TYPE_IXFR && our_soa != NULL) {
		/* RFC 1995 3: our SOA in the authority section */
		ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, ldns_rr_clone(our_soa));
	}
	return q;
}

/* ---------------------------------------------------------------------------
 * Publishing, through the control thread
 */

/* Hands a new zone to the control thread (xfrin_start); takes over the
 * reference. */
static xfrin_publish_fn xfrin_publish_cb;

static void
xfrin_publish(const char *view, const char *name, zone_t *z)
{
	if (xfrin_publish_cb != NULL)
		xfrin_publish_cb(view, name, z);
	else
		zone_unref(&z);
}

/* ---------------------------------------------------------------------------
 * The transfer threads
 */

/* The SOA timers of the copy into e. Under xl.lock. */
static void
xfrin_set_timers(xfrin_entry_t *e, const ldns_rr *soa)
{
	e->have_soa = true;
	e->serial = xfrin_copy_soa_field(soa, 2);
	e->refresh = xfrin_copy_soa_field(soa, 3);
	e->retry = xfrin_copy_soa_field(soa, 4);
	e->expire = xfrin_copy_soa_field(soa, 5);
	if (e->refresh == 0)
		e->refresh = 1;
	if (e->retry == 0)
		e->retry = 1;
}

/* RFC 1982 */
static bool
xfrin_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* One primary: SOA, then IXFR/AXFR if it is newer. Returns 1 (new copy
 * published), 0 (current), -1 (failed: try the next primary). */
static int
xfrin_from_primary(xfrin_entry_t *e, const xfrin_job_t *j)
{
	char why_buf[160];
	int rcode;
	ldns_rr_list *ans = NULL;
	ldns_pkt *q = xfrin_query(j, LDNS_RR_TYPE_SOA, NULL);
	const char *why = xfrin_exchange(j, q, &ans, &rcode, why_buf, sizeof(why_buf));
	ldns_pkt_free(q);
	if (why != NULL) {
		log_warning("zone %s in view %s: SOA query to %s%s%s: %s", j->name, j->view, j->ptext,
			    j->key_name ? " with key " : "", j->key_name ? j->key_name : "", why);
		return -1;
	}
	uint32_t theirs = xfrin_copy_soa_field(ldns_rr_list_rr(ans, 0), 2);
	ldns_rr_list_deep_free(ans);
	const ldns_rr *our_soa = e->rrs ? ldns_rr_list_rr(e->rrs, 0) : NULL;
	if (our_soa != NULL && !xfrin_serial_newer(theirs, xfrin_copy_soa_field(our_soa, 2)))
		return 0;

	ldns_rr_list *result = NULL;
	bool incremental = false;
	const char *kind = "AXFR";
	for (int attempt = our_soa != NULL ? 0 : 1; attempt < 2 && result == NULL; attempt++) {
		kind = attempt == 0 ? "IXFR" : "AXFR";
		q = xfrin_query(j, attempt == 0 ? LDNS_RR_TYPE_IXFR : LDNS_RR_TYPE_AXFR, our_soa);
		why = xfrin_exchange(j, q, &ans, &rcode, why_buf, sizeof(why_buf));
		ldns_pkt_free(q);
		if (why == NULL) {
			result = xfrin_copy_apply(ans, e->rrs, &incremental);
			if (result == NULL)
				why = "the differences do not fit our copy";
			else if (ldns_rr_list_rr_count(ans) == 1)
				why = "no newer version offered";
			if (why != NULL) {
				ldns_rr_list_deep_free(result);
				result = NULL;
			}
			ldns_rr_list_deep_free(ans);
		}
		if (why != NULL) {
			xfr_stats_count(XFR_STAT_IN, attempt == 0 ? XFR_STAT_IXFR : XFR_STAT_AXFR,
					rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH
						? XFR_STAT_REFUSED : XFR_STAT_FAILED);
			log_warning("zone %s in view %s: %s from %s%s%s: %s%s", j->name, j->view, kind,
				    j->ptext, j->key_name ? " with key " : "",
				    j->key_name ? j->key_name : "", why,
				    attempt == 0 ? "; trying AXFR" : "");
		}
	}
	if (result == NULL)
		return -1;
	{
		char what[300];
		snprintf(what, sizeof(what), "zone %s in view %s: transfer from %s", j->name, j->view,
			 j->ptext);
		xfrin_copy_drop_outside(result, j->origin, what);
	}
	char head[400];
	snprintf(head, sizeof(head), "zone %s in view %s, transferred from %s by horizond", j->name,
		 j->view, j->ptext);
	xfr_stat_type_t type = kind[0] == 'I' ? XFR_STAT_IXFR : XFR_STAT_AXFR;
	if (xfrin_copy_write(j->path, result, head) != 0) {
		xfr_stats_count(XFR_STAT_IN, type, XFR_STAT_FAILED);
		ldns_rr_list_deep_free(result);
		return -1;
	}
	diag_t d = { 0 };
	zone_t *z = zone_load(j->name, j->path, &d);
	if (z == NULL) {
		log_error("zone %s in view %s: the transferred copy %s does not load (%u errors); "
			  "keeping the old data", j->name, j->view, j->path, d.errors);
		xfr_stats_count(XFR_STAT_IN, type, XFR_STAT_FAILED);
		ldns_rr_list_deep_free(result);
		return -1;
	}
	log_notice("zone %s in view %s: transferred in (%s%s) from %s, key %s, serial %" PRIu32
		   ", %zu records", j->name, j->view, kind, incremental ? ", incremental" : "",
		   j->ptext, j->key_name ? j->key_name : "none", z->serial,
		   ldns_rr_list_rr_count(result));
	xfr_stats_count(XFR_STAT_IN, type, XFR_STAT_DONE);
	ldns_rr_list_deep_free(e->rrs);
	e->rrs = result;
	xfrin_publish(j->view, j->name, z);
	return 1;
}

/* Publish the kept copy again, marked expired (SERVFAIL) or not. */
static void
xfrin_publish_copy(xfrin_entry_t *e, const char *path, bool expired)
{
	diag_t d = { 0 };
	zone_t *z = access(path, F_OK) == 0 ? zone_load(e->name, path, &d) : NULL;
	if (z == NULL)
		z = xfrin_placeholder(e->name, &d);
	if (z == NULL)
		return;
	z->expired = expired;
	xfrin_publish(e->view, e->name, z);
}

/* Refresh entry e (marked busy: the transfer thread alone touches its
 * records). Its configuration may change meanwhile (a reload): the job
 * works on a copy. */
static void
xfrin_refresh(xfrin_entry_t *e)
{
	pthread_mutex_lock(&xl.lock);
	xfrin_entry_t c = { 0 };
	size_t np = e->nprimaries;
	struct sockaddr_storage *prim = xcalloc(np ? np : 1, sizeof(*prim));
	socklen_t *plen = xcalloc(np ? np : 1, sizeof(*plen));
	char **ptext = xcalloc(np ? np : 1, sizeof(*ptext));
	for (size_t i = 0; i < np; i++) {
		prim[i] = e->primaries[i];
		plen[i] = e->plen[i];
		ptext[i] = xfrin_strdup(e->ptext[i]);
	}
	c.key_name = xfrin_strdup(e->key_name);
	c.key_alg = xfrin_strdup(e->key_alg);
	c.key_secret = xfrin_strdup(e->key_secret);
	char *path = xfrin_strdup(e->path);
	pthread_mutex_unlock(&xl.lock);

	ldns_rdf *origin = NULL;
	int got = -1;
	if (ldns_str2rdf_dname(&origin, e->name) == LDNS_STATUS_OK && !e->rrs_read) {
		e->rrs_read = true;
		e->rrs = xfrin_copy_read(path, origin);
		struct stat st;
		if (e->rrs != NULL && stat(path, &st) == 0) {
			pthread_mutex_lock(&xl.lock);
			xfrin_set_timers(e, ldns_rr_list_rr(e->rrs, 0));
			/* the copy's age counts: expire is from the last good refresh */
			e->expire_at = st.st_mtime + (time_t)e->expire;
			pthread_mutex_unlock(&xl.lock);
		}
	}
	for (size_t i = 0; origin != NULL && i < np && got < 0; i++) {
		xfrin_job_t j = {
			.view = e->view, .name = e->name, .path = path,
			.addr = (const struct sockaddr *)&prim[i], .alen = plen[i],
			.ptext = ptext[i], .key_name = c.key_name, .key_alg = c.key_alg,
			.key_secret = c.key_secret, .origin = origin,
		};
		got = xfrin_from_primary(e, &j);
	}
	ldns_rdf_deep_free(origin);
	if (got == 0) {
		/* the copy is current: its mtime says so (expiry after a restart) */
		(void)utimensat(AT_FDCWD, path, NULL, 0);
		if (e->expired)
			xfrin_publish_copy(e, path, false);   /* serves again */
	}
	time_t now = time(NULL);
	pthread_mutex_lock(&xl.lock);
	if (got >= 0 && e->rrs != NULL) {
		xfrin_set_timers(e, ldns_rr_list_rr(e->rrs, 0));
		e->expire_at = now + (time_t)e->expire;
		e->expired = false;
		e->next_at = now + (time_t)e->refresh;
	} else {
		e->next_at = now + (time_t)(e->have_soa ? e->retry : XFRIN_RETRY_NODATA);
	}
	pthread_mutex_unlock(&xl.lock);
	for (size_t i = 0; i < np; i++)
		free(ptext[i]);
	free(ptext);
	free(prim);
	free(plen);
	free(c.key_name);
	free(c.key_alg);
	free(c.key_secret);
	free(path);
}

static void *
xfrin_main(void *slot)
{
	xfrin_slot = (unsigned)(uintptr_t)slot;
	pthread_mutex_lock(&xl.lock);
	while (!xl.quit) {
		time_t now = time(NULL), wake = now + 3600;
		xfrin_entry_t *due = NULL;
		bool again = false;
		for (xfrin_entry_t *e = xl.head; e != NULL && !again; e = e->next) {
			if (e->stale || e->busy)
				continue;
			if (e->have_soa && !e->expired && e->expire_at <= now) {
				e->expired = true;
				log_error("zone %s in view %s: expired (no refresh from a primary for %"
					  PRIu32 " seconds, SOA expire): answering SERVFAIL", e->name,
					  e->view, e->expire);
				e->busy = true;
				char *path = xfrin_strdup(e->path);
				pthread_mutex_unlock(&xl.lock);
				xfrin_publish_copy(e, path, true);
				free(path);
				pthread_mutex_lock(&xl.lock);
				e->busy = false;
				again = true;   /* the list may have changed: look again */
			}
			if (e->next_at <= now && due == NULL)
				due = e;
			if (e->next_at < wake)
				wake = e->next_at;
			if (e->have_soa && !e->expired && e->expire_at < wake)
				wake = e->expire_at;
		}
		if (again)
			continue;
		if (due != NULL) {
			due->busy = true;
			pthread_mutex_unlock(&xl.lock);
			xfrin_refresh(due);
			pthread_mutex_lock(&xl.lock);
			due->busy = false;
			continue;
		}
		if (wake <= now)
			continue;
		struct timespec ts = { .tv_sec = wake };
		pthread_cond_timedwait(&xl.cond, &xl.lock, &ts);
	}
	pthread_mutex_unlock(&xl.lock);
	return NULL;
}

int
xfrin_start(xfrin_publish_fn publish)
{
	pthread_mutex_lock(&xl.lock);
	xfrin_publish_cb = publish;
	if (xl.running) {
		pthread_mutex_unlock(&xl.lock);
		return 0;
	}
	xl.quit = false;
	xl.nthreads = 0;
	while (xl.nthreads < XFRIN_THREADS &&
	       pthread_create(&xl.threads[xl.nthreads], NULL, xfrin_main,
			      (void *)(uintptr_t)xl.nthreads) == 0)
		xl.nthreads++;
	xl.running = xl.nthreads > 0;
	pthread_mutex_unlock(&xl.lock);
	if (!xl.running) {
		log_error("xfr-in: cannot start the transfer threads");
		return -1;
	}
	return 0;
}

void
xfrin_stop(void)
{
	pthread_mutex_lock(&xl.lock);
	if (!xl.running) {
		pthread_mutex_unlock(&xl.lock);
		return;
	}
	xl.quit = true;
	for (unsigned i = 0; i < XFRIN_THREADS; i++)
		if (xl.busy_fd[i] >= 0)
			shutdown(xl.busy_fd[i], SHUT_RDWR);   /* a transfer under way ends now */
	pthread_cond_broadcast(&xl.cond);
	pthread_mutex_unlock(&xl.lock);
	for (unsigned i = 0; i < xl.nthreads; i++)
		pthread_join(xl.threads[i], NULL);
	pthread_mutex_lock(&xl.lock);
	xl.running = false;
	pthread_mutex_unlock(&xl.lock);
}

void
xfrin_shutdown(void)
{
	pthread_mutex_lock(&xl.lock);
	while (xl.head != NULL) {
		xfrin_entry_t *e = xl.head;
		xl.head = e->next;
		xfrin_entry_clear_conf(e);
		zone_unref(&e->zone);
		ldns_rr_list_deep_free(e->rrs);
		free(e->view);
		free(e->name);
		free(e);
	}
	pthread_mutex_unlock(&xl.lock);
}

void
xfrin_retain(const conf_t *c)
{
	pthread_mutex_lock(&xl.lock);
	for (xfrin_entry_t *e = xl.head; e != NULL; e = e->next) {
		bool found = false;
		for (size_t v = 0; v < c->nviews && !found; v++) {
			const conf_view_t *cv = &c->views[v];
			for (size_t i = 0; cv->name != NULL && i < cv->nzones && !found; i++)
				found = strcmp(cv->name, e->view) == 0 &&
					conf_zone_secondary(&cv->zones[i]) &&
					conf_name_equal(cv->zones[i].name, e->name);
		}
		e->stale = !found;
	}
	pthread_mutex_unlock(&xl.lock);
}

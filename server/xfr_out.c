/* xfr_out.c -- zone transfers out (see xfr_out.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "net_internal.h"

#include "xfr_out.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <ldns/ldns.h>

#include "arena.h"
#include "control.h"
#include "dname.h"
#include "log.h"
#include "lograte.h"
#include "publish.h"
#include "snapshot.h"
#include "tsig.h"
#include "tsig_answer.h"
#include "wire.h"
#include "xfr_hist.h"
#include "xfr_stats.h"
#include "zonestore.h"

/* Stop adding messages while this much output is unread. */
#define XFR_OUT_LOW (64 * 1024)

typedef struct xfr_out {
	worker_t *w;
	tcp_conn_t *c;                 /* NULL once the connection is gone */
	bool pending;                  /* with the control thread */
	/* the request */
	uint16_t id;
	uint16_t qtype;
	uint8_t question[DNAME_MAXLEN + 4];   /* name (lower case) + type + class */
	size_t question_len;
	uint8_t apex[DNAME_MAXLEN];
	uint32_t client_serial;        /* IXFR: the client's */
	bool have_client_serial;
	bool sign;
	tsig_reply_t tsig;
	char *view;                    /* the view's name (malloc'ed), or NULL: none */
	char zone[DNAME_MAXLEN * 4 + 1], key[256], client[INET6_ADDRSTRLEN + 16];
	/* the answer, from the control thread */
	uint8_t rcode;                 /* not 0: answer this rcode alone */
	uint32_t serial;
	size_t nrecords;
	uint8_t **msg;
	size_t *msg_len;
	size_t nmsg, next;
	bool incremental_soa;          /* IXFR of a current client: the SOA alone */
	bool incremental;              /* IXFR answered from the history (xfr_hist.h) */
} xfr_out_t;

bool
xfr_out_is_transfer(const uint8_t *q, size_t len)
{
	if (len < 12 || (q[2] & 0x80) || ((q[2] >> 3) & 0x0F) != LDNS_PACKET_QUERY || get16(q + 4) != 1)
		return false;
	size_t pos = 12;
	if (!dname_skip_wire(q, len, &pos) || pos + 4 > len)
		return false;
	uint16_t t = get16(q + pos);
	return t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR;
}

static void
xfr_out_free(xfr_out_t *x)
{
	for (size_t i = 0; i < x->nmsg; i++)
		free(x->msg[i]);
	free(x->msg);
	free(x->msg_len);
	free(x->view);
	free(x);
}

/* Header (+ question) with rcode and AA for the reply to x's request. */
static size_t
xfr_out_header(const xfr_out_t *x, uint8_t rcode, bool question, uint8_t *out)
{
	put16(out, x->id);
	out[2] = 0x80 | 0x04;          /* QR, AA; opcode QUERY */
	out[3] = rcode;
	memset(out + 4, 0, 8);
	if (!question)
		return 12;
	put16(out + 4, 1);
	memcpy(out + 12, x->question, x->question_len);
	return 12 + x->question_len;
}

/* --- the control thread: lay out the messages --------------------------------- */

/* The SOA serial in a record's rdata (uncompressed names). */
static bool
xfr_out_soa_serial(const zrr_t *rr, uint32_t *serial)
{
	size_t pos = 0;
	for (int n = 0; n < 2; n++) {
		while (pos < rr->rdlen && rr->rdata[pos] != 0)
			pos += 1u + rr->rdata[pos];
		pos++;
	}
	if (pos + 4 > rr->rdlen)
		return false;
	*serial = get32(rr->rdata + pos);
	return true;
}

static bool
xfr_out_add_msg(xfr_out_t *x, const uint8_t *buf, size_t len)
{
	uint8_t **m = realloc(x->msg, (x->nmsg + 1) * sizeof(*m));
	if (m == NULL)
		return false;
	x->msg = m;
	size_t *l = realloc(x->msg_len, (x->nmsg + 1) * sizeof(*l));
	if (l == NULL)
		return false;
	x->msg_len = l;
	if ((x->msg[x->nmsg] = malloc(len)) == NULL)
		return false;
	memcpy(x->msg[x->nmsg], buf, len);
	x->msg_len[x->nmsg++] = len;
	return true;
}

/* Messages being laid out: records are appended to buf until the next does
 * not fit in XFR_OUT_MSG_MAX, then buf becomes a message of x. */
typedef struct xfr_out_layout {
	xfr_out_t *x;
	uint8_t buf[XFR_OUT_MSG_MAX];
	size_t len, count;
	bool ok;
} xfr_out_layout_t;

static void
xfr_out_emit(xfr_out_layout_t *l, const uint8_t *rr, size_t n)
{
	if (!l->ok)
		return;
	if (l->len + n > sizeof(l->buf)) {
		put16(l->buf + 6, (uint16_t)l->count);
		if (l->count == 0 || !xfr_out_add_msg(l->x, l->buf, l->len)) {
			l->ok = false;   /* one record larger than a message */
			return;
		}
		l->len = xfr_out_header(l->x, 0, false, l->buf);
		l->count = 0;
		if (l->len + n > sizeof(l->buf)) {
			l->ok = false;
			return;
		}
	}
	memcpy(l->buf + l->len, rr, n);
	l->len += n;
	l->count++;
	l->x->nrecords++;
}

static void
xfr_out_emit_zrr(xfr_out_layout_t *l, const zrr_t *rr)
{
	uint8_t w[DNAME_MAXLEN + 10 + 65535];
	memcpy(w, rr->owner, rr->owner_len);
	uint8_t *p = w + rr->owner_len;
	put16(p, rr->type);
	put16(p + 2, LDNS_RR_CLASS_IN);
	put32(p + 4, rr->ttl);
	put16(p + 8, rr->rdlen);
	memcpy(p + 10, rr->rdata, rr->rdlen);
	xfr_out_emit(l, w, rr->owner_len + 10u + rr->rdlen);
}

static void
xfr_out_emit_rrs(xfr_out_layout_t *l, const xfr_rr_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		xfr_out_emit(l, r[i].wire, r[i].len);
}

/* The messages of x's answer (RFC 5936 2.2, RFC 1995 4): AXFR form: SOA,
 * the other records in the order the store keeps them, SOA; IXFR form:
 * SOA, then per change the old SOA, the records removed, the new SOA, the
 * records added, then SOA; a current client: the SOA alone. Names go
 * uncompressed; the question is in the first message only. */
static bool
xfr_out_layout(xfr_out_t *x, const zonefile_t *zf, const xfr_change_t *const *chain, size_t nchain)
{
	xfr_out_layout_t *l = xmalloc(sizeof(*l));
	l->x = x;
	l->len = xfr_out_header(x, 0, true, l->buf);
	l->count = 0;
	l->ok = true;
	xfr_out_emit_zrr(l, zf->soa);
	if (nchain > 0) {
		for (size_t c = 0; c < nchain; c++) {
			xfr_out_emit(l, chain[c]->old_soa.wire, chain[c]->old_soa.len);
			xfr_out_emit_rrs(l, chain[c]->del, chain[c]->ndel);
			xfr_out_emit(l, chain[c]->new_soa.wire, chain[c]->new_soa.len);
			xfr_out_emit_rrs(l, chain[c]->add, chain[c]->nadd);
		}
		xfr_out_emit_zrr(l, zf->soa);
	} else if (!x->incremental_soa) {
		for (size_t i = 0; i < zf->count; i++)
			if (zf->rrs[i].type != LDNS_RR_TYPE_SOA)
				xfr_out_emit_zrr(l, &zf->rrs[i]);
		xfr_out_emit_zrr(l, zf->soa);
	}
	put16(l->buf + 6, (uint16_t)l->count);
	bool ok = l->ok && xfr_out_add_msg(x, l->buf, l->len);
	free(l);
	return ok;
}

static void xfr_out_ready(void *arg);

/* The control task: the records the view serves now, laid out. */
static void
xfr_out_collect(void *arg, bool run)
{
	xfr_out_t *x = arg;
	x->rcode = LDNS_RCODE_SERVFAIL;
	const snapshot_t *s = run ? publish_current() : NULL;
	const view_t *v = snapshot_find_view(s, x->view);
	size_t i = 0;
	while (v != NULL && i < v->nzones &&
	       !(v->zones[i] != NULL && memcmp(v->zones[i]->apex, x->apex, v->zones[i]->apex_len) == 0 &&
		 dname_length(x->apex) == v->zones[i]->apex_len))
		i++;
	if (v != NULL && i < v->nzones) {
		diag_t d = { .quiet = 1 };
		zonefile_t *own = NULL;
		/* signed online: the records with their signatures (as served) */
		const zonefile_t *zf = zonestore_served_records(s, v, i, &own, &d);
		uint32_t serial = 0;
		if (zf == NULL || zf->soa == NULL || !xfr_out_soa_serial(zf->soa, &serial)) {
			log_warning("transfer out: zone %s view %s: its records cannot be read", x->zone,
				    x->view);
		} else if (serial != v->zones[i]->serial) {
			log_warning("transfer out: zone %s view %s: the file has serial %u, the server "
				    "serves %u: reload first", x->zone, x->view, serial, v->zones[i]->serial);
		} else {
			x->serial = serial;
			x->incremental_soa = x->have_client_serial &&
					     (int32_t)(x->client_serial - serial) >= 0;
			xfr_hist_t *h = xfr_hist_get(x->view, x->apex, s->conf->state_dir);
			xfr_hist_note(h, zf);
			const xfr_change_t *chain[XFR_HIST_MAX];
			size_t nchain = 0;
			if (x->have_client_serial && !x->incremental_soa)
				nchain = xfr_hist_chain(h, x->client_serial, chain);
			x->incremental = nchain > 0;
			if (xfr_out_layout(x, zf, chain, nchain))
				x->rcode = 0;
			else
				log_warning("transfer out: zone %s view %s: a record does not fit in a "
					    "message, or out of memory", x->zone, x->view);
		}
		zonefile_free(&own);
	}
	/* the worker's event_base has no lock: hand x over through its queue */
	if (!server_worker_call(x->w, xfr_out_ready, x))
		log_error("transfer out: cannot hand zone %s back to worker %u", x->zone, x->w->id);
	/* (out of memory for the event: x and the connection's transfer slot
	 * stay taken until the server stops; the connection reads nothing) */
}

/* --- the worker: write the messages ----------------------------------------- */

static void
xfr_out_done(xfr_out_t *x, const char *how)
{
	tcp_conn_t *c = x->c;
	const char *type = x->qtype == LDNS_RR_TYPE_IXFR ? "IXFR" : "AXFR";
	/* how is empty unless the transfer was cut short */
	xfr_stats_count(XFR_STAT_OUT, x->qtype == LDNS_RR_TYPE_IXFR ? XFR_STAT_IXFR : XFR_STAT_AXFR,
			x->rcode == 0 && how[0] == '\0' ? XFR_STAT_DONE : XFR_STAT_FAILED);
	if (x->rcode != 0)
		log_notice("transfer out: client %s view %s zone %s key %s: %s SERVFAIL", x->client,
			   x->view, x->zone, x->key, type);
	else
		log_notice("transfer out: client %s view %s zone %s key %s: %s%s serial %u, "
			   "records %zu, messages %zu%s", x->client, x->view, x->zone, x->key, type,
			   x->incremental_soa ? " (up to date: SOA only)"
			   : x->incremental ? " (incremental)"
			   : x->qtype == LDNS_RR_TYPE_IXFR ? " (as AXFR)" : "",
			   x->serial, x->nrecords, x->nmsg, how);
	x->w->xfr_count--;
	if (c != NULL)
		c->xfr = NULL;
	xfr_out_free(x);
}

bool
xfr_out_pump(tcp_conn_t *c)
{
	xfr_out_t *x = c->xfr;
	if (x == NULL || x->pending)
		return true;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t *buf = c->w->tcp_out;
	while (evbuffer_get_length(out) < XFR_OUT_LOW) {
		size_t n;
		if (x->rcode != 0) {
			n = xfr_out_header(x, x->rcode, true, buf + 2);
			if (x->sign)
				n = tsig_reply_append_next(&x->tsig, true, buf + 2, n, QUERY_MAX_ANSWER);
		} else {
			memcpy(buf + 2, x->msg[x->next], x->msg_len[x->next]);
			n = x->msg_len[x->next];
			if (x->sign)
				n = tsig_reply_append_next(&x->tsig, x->next == 0, buf + 2, n, QUERY_MAX_ANSWER);
			free(x->msg[x->next]);
			x->msg[x->next++] = NULL;
		}
		put16(buf, (uint16_t)n);
		if (n == 0 || evbuffer_add(out, buf, n + 2) < 0) {
			xfr_out_done(x, " (aborted: cannot sign or queue)");
			return false;
		}
		if (x->rcode != 0 || x->next == x->nmsg) {
			xfr_out_done(x, "");
			return true;
		}
	}
	return true;
}

static void
xfr_out_ready(void *arg)
{
	xfr_out_t *x = arg;
	x->pending = false;
	if (x->c == NULL) {
		xfr_out_done(x, " (aborted: the client went away)");
		return;
	}
	tcp_conn_t *c = x->c;
	if (!xfr_out_pump(c))   /* tcp.c's event callback closes c (no call into tcp.c) */
		bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR, 0);
}

void
xfr_out_conn_gone(tcp_conn_t *c)
{
	xfr_out_t *x = c->xfr;
	if (x == NULL)
		return;
	c->xfr = NULL;
	x->c = NULL;
	if (!x->pending)   /* else xfr_out_ready drops it */
		xfr_out_done(x, " (aborted: the client went away)");
}

/* --- the worker: judge the request -------------------------------------------- */

/* A refusal or error answer, signed if the request was. */
static size_t
xfr_out_refuse(const xfr_out_t *x, uint8_t rcode, const char *why, uint8_t *out, size_t outmax,
	       const struct sockaddr *src)
{
	lograte_warning(&lograte_refused, src, "transfer out: client %s view %s zone %s key %s: %s %s: %s",
			x->client, x->view ? x->view : "-", x->zone, x->key,
			x->qtype == LDNS_RR_TYPE_IXFR ? "IXFR" : "AXFR", ldns_lookup_by_id(ldns_rcodes, rcode)->name,
			why);
	xfr_stats_count(XFR_STAT_OUT, x->qtype == LDNS_RR_TYPE_IXFR ? XFR_STAT_IXFR : XFR_STAT_AXFR,
			rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH ? XFR_STAT_REFUSED
										   : XFR_STAT_FAILED);
	size_t n = xfr_out_header(x, rcode, true, out);
	return x->sign ? tsig_answer_sign(out, n, outmax) : n;
}

size_t
xfr_out_start(tcp_conn_t *c, const snapshot_t *snap, const uint8_t *q, size_t len,
	      const query_src_t *from, uint8_t *out, size_t outmax)
{
	xfr_out_t *x = calloc(1, sizeof(*x));
	ldns_pkt *pkt = NULL;
	if (x == NULL || ldns_wire2pkt(&pkt, q, len) != LDNS_STATUS_OK ||
	    ldns_pkt_qdcount(pkt) != 1) {
		/* FORMERR, header only */
		free(x);
		ldns_pkt_free(pkt);
		put16(out, get16(q));
		out[2] = 0x80;
		out[3] = LDNS_RCODE_FORMERR;
		memset(out + 4, 0, 8);
		return 12;
	}
	query_src_t who = *from;
	x->w = c->w;
	x->id = get16(q);
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	const ldns_rdf *qname = ldns_rr_owner(question);
	x->qtype = ldns_rr_get_type(question);
	ldns_rr_class qclass = ldns_rr_get_class(question);
	size_t nl = ldns_rdf_size(qname);
	for (size_t i = 0; i < nl; i++)
		x->apex[i] = dname_lower[ldns_rdf_data(qname)[i]];
	memcpy(x->question, x->apex, nl);
	put16(x->question + nl, x->qtype);
	put16(x->question + nl + 2, qclass);
	x->question_len = nl + 4;
	dname_to_text(x->apex, x->zone, sizeof(x->zone));
	lograte_client_text(from->src, x->client, sizeof(x->client));
	strcpy(x->key, "-");
	/* IXFR: the client's SOA in the authority section (RFC 1995 3) */
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	if (x->qtype == LDNS_RR_TYPE_IXFR && ldns_rr_list_rr_count(auth) == 1 &&
	    ldns_rr_get_type(ldns_rr_list_rr(auth, 0)) == LDNS_RR_TYPE_SOA &&
	    ldns_rr_rd_count(ldns_rr_list_rr(auth, 0)) == 7) {
		x->client_serial = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(auth, 0), 2));
		x->have_client_serial = true;
	}
	bool tsigned = ldns_pkt_tsig(pkt) != NULL;
	ldns_pkt_free(pkt);

	size_t n;
	if (tsigned) {
		uint16_t reserve;
		if (!tsig_answer_check(snap, query_view_select(snap, from), from, q, len, out, outmax,
				       &n, &reserve)) {
			free(x);
			return n;   /* NOTAUTH with the TSIG error, logged */
		}
		who.key = tsig_answer_key();
		x->tsig = *tsig_answer_reply();
		x->sign = true;
		snprintf(x->key, sizeof(x->key), "%s", who.key->name);
	}
	const view_t *v = query_view_select(snap, &who);
	size_t i = 0;
	if (v != NULL) {
		size_t vl = strlen(v->conf->name);
		x->view = xmalloc(vl + 1);
		memcpy(x->view, v->conf->name, vl + 1);
		while (i < v->nzones && !(v->zones[i] != NULL && v->zones[i]->apex_len == nl &&
					  memcmp(v->zones[i]->apex, x->apex, nl) == 0))
			i++;
	}
	if (v == NULL)
		n = xfr_out_refuse(x, LDNS_RCODE_REFUSED, "no view", out, outmax, from->src);
	else if (qclass != LDNS_RR_CLASS_IN && qclass != LDNS_RR_CLASS_ANY)
		n = xfr_out_refuse(x, LDNS_RCODE_REFUSED, "not class IN", out, outmax, from->src);
	else if (i == v->nzones)
		n = xfr_out_refuse(x, LDNS_RCODE_NOTAUTH, "not a zone of the view", out, outmax, from->src);
	else if (!query_transfer_allowed(v, v->zones[i], &who))
		n = xfr_out_refuse(x, LDNS_RCODE_REFUSED, "allow-transfer", out, outmax, from->src);
	else if (c->w->xfr_count >= XFR_OUT_PER_WORKER)
		n = xfr_out_refuse(x, LDNS_RCODE_REFUSED, "too many transfers", out, outmax, from->src);
	else {
		x->c = c;
		x->pending = true;
		c->xfr = x;
		c->w->xfr_count++;
		if (control_submit_task(xfr_out_collect, x))
			return 0;
		c->xfr = NULL;
		c->w->xfr_count--;
		n = xfr_out_refuse(x, LDNS_RCODE_SERVFAIL, "the control thread is not running", out,
				   outmax, from->src);
	}
	xfr_out_free(x);
	return n;
}

/* update.c -- dynamic updates (RFC 2136): the records of a zone as a
 * changeset that an update (or a journal line) edits, and one UPDATE message
 * from request to answer. Pure: the zone store (zonestore.c) owns the zones,
 * the journal and the publishing. The design is in update.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "update.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "acl.h"
#include "arena.h"
#include "dname.h"
#include "log.h"
#include "lograte.h"
#include "tsig.h"
#include "wire.h"


/* ---------------------------------------------------------------------------
 * Records: comparison, and a working copy that an update edits
 */

/* RFC 1982: is a newer than b? */
static bool
serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* Serial of a SOA's rdata (the 5 numbers follow two names). */
static uint32_t
soa_serial(const zrr_t *soa)
{
	size_t p = dname_length(soa->rdata);
	p += dname_length(soa->rdata + p);
	return p + 4 <= soa->rdlen ? get32(soa->rdata + p) : 0;
}

/* Canonical rdata (RFC 4034 6.2: names in lower case), malloc'ed. */
static uint8_t *
rdata_canonical(const zrr_t *rr, size_t *len)
{
	ldns_rr *l = journal_rr_to_ldns(rr);
	if (l == NULL) {
		*len = rr->rdlen;
		return rr->rdlen ? memcpy(xmalloc(rr->rdlen), rr->rdata, rr->rdlen) : xmalloc(1);
	}
	ldns_rr2canonical(l);
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(l); i++)
		n += ldns_rdf_size(ldns_rr_rdf(l, i));
	uint8_t *out = xmalloc(n ? n : 1);
	size_t p = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(l); i++) {
		memcpy(out + p, ldns_rdf_data(ldns_rr_rdf(l, i)), ldns_rdf_size(ldns_rr_rdf(l, i)));
		p += ldns_rdf_size(ldns_rr_rdf(l, i));
	}
	ldns_rr_free(l);
	*len = n;
	return out;
}

/* Same owner, type, class and rdata (TTL ignored). */
static bool
rr_same(const zrr_t *a, const zrr_t *b)
{
	if (a->type != b->type || a->rclass != b->rclass || !dname_equal(a->owner, b->owner))
		return false;
	if (a->type == LDNS_RR_TYPE_A || a->type == LDNS_RR_TYPE_AAAA || a->type == LDNS_RR_TYPE_TXT)
		return a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0;
	size_t la, lb;
	uint8_t *ca = rdata_canonical(a, &la), *cb = rdata_canonical(b, &lb);
	bool same = la == lb && memcmp(ca, cb, la) == 0;
	free(ca);
	free(cb);
	return same;
}

typedef struct update_changeset {
	const zonefile_t *base;
	zrr_t *rrs;
	uint8_t *dead;
	size_t n, cap;
	size_t soa;               /* index of the live SOA */
	bool soa_replaced;
	arena_t *tmp;             /* data of added records */
	const char *file;         /* for added records */
	journal_op_t *ops;        /* the change, in order */
	size_t nops, capops;
	/* records by owner (lower-case hash), so that every operation costs
	 * the records of one name, not the zone: replay is O(changes) */
	uint32_t *bucket, *chain; /* first / next record index, WS_END: none */
	uint32_t mask;
	zrr_t *tombs;             /* records from the zone's files killed (not SOA) */
	size_t ntombs, captombs;
} ws_t;

#define WS_END UINT32_MAX

static uint32_t
ws_hash(const uint8_t *owner)
{
	uint8_t low[DNAME_MAXLEN];
	dname_to_lower(low, owner);
	return dname_hash(low);
}

static void
ws_link(ws_t *w, size_t i)
{
	uint32_t h = ws_hash(w->rrs[i].owner) & w->mask;
	w->chain[i] = w->bucket[h];
	w->bucket[h] = (uint32_t)i;
}

/* Take a dead record out of its chain, so that a name changed again and
 * again does not drag its history along. chain[i] stays as it was: a loop
 * standing on i goes on. */
static void
ws_unlink(ws_t *w, size_t i)
{
	uint32_t *p = &w->bucket[ws_hash(w->rrs[i].owner) & w->mask];
	while (*p != WS_END && *p != i)
		p = &w->chain[*p];
	if (*p == i)
		*p = w->chain[i];
}

/* (Re)build the index (live records) for w->cap records. */
static void
ws_index(ws_t *w)
{
	size_t size = 64;
	while (size < 2 * w->cap)
		size *= 2;
	free(w->bucket);
	free(w->chain);
	w->bucket = xmalloc(size * sizeof(*w->bucket));
	w->chain = xmalloc(w->cap * sizeof(*w->chain));
	memset(w->bucket, 0xff, size * sizeof(*w->bucket));
	w->mask = (uint32_t)(size - 1);
	for (size_t i = 0; i < w->n; i++)
		if (!w->dead[i])
			ws_link(w, i);
}

/* Records that may be at owner: for (i = ws_first(w, o); i != WS_END; i = w->chain[i]),
 * then compare the owner. */
static uint32_t
ws_first(const ws_t *w, const uint8_t *owner)
{
	return w->bucket[ws_hash(owner) & w->mask];
}

/* Added by an update (or the journal): not from the zone's files. */
static bool
ws_dynamic(const ws_t *w, const zrr_t *r)
{
	return r->file == w->file || (r->file != NULL && strcmp(r->file, w->file) == 0);
}

static void
ws_init(ws_t *w, const zonefile_t *zf, const char *file)
{
	memset(w, 0, sizeof(*w));
	w->base = zf;
	w->cap = zf->count + 16;
	w->rrs = xmalloc(w->cap * sizeof(*w->rrs));
	w->dead = xcalloc(w->cap, 1);
	memcpy(w->rrs, zf->rrs, zf->count * sizeof(*w->rrs));
	w->n = zf->count;
	w->soa = (size_t)(zf->soa - zf->rrs);
	w->tmp = arena_new(0);
	w->file = file;
	ws_index(w);
}

static void
ws_free(ws_t *w)
{
	free(w->rrs);
	free(w->dead);
	free(w->ops);
	free(w->bucket);
	free(w->chain);
	free(w->tombs);
	arena_free(&w->tmp);
}

static void
ws_op(ws_t *w, char op, const zrr_t *rr)
{
	if (w->nops == w->capops) {
		w->capops = w->capops ? w->capops * 2 : 16;
		w->ops = xrealloc(w->ops, w->capops * sizeof(*w->ops));
	}
	w->ops[w->nops].op = op;
	w->ops[w->nops].rr = *rr;
	w->nops++;
}

static void
ws_kill(ws_t *w, size_t i)
{
	w->dead[i] = 1;
	ws_unlink(w, i);
	ws_op(w, '-', &w->rrs[i]);
	/* a compaction keeps these apart: they must go again when the zone
	 * file is read anew (the SOA is replaced by a newer one instead) */
	if (w->rrs[i].type == LDNS_RR_TYPE_SOA || ws_dynamic(w, &w->rrs[i]))
		return;
	if (w->ntombs == w->captombs) {
		w->captombs = w->captombs ? w->captombs * 2 : 16;
		w->tombs = xrealloc(w->tombs, w->captombs * sizeof(*w->tombs));
	}
	w->tombs[w->ntombs++] = w->rrs[i];
}

static size_t
ws_add(ws_t *w, const zrr_t *rr)
{
	if (w->n == w->cap) {
		w->cap *= 2;
		w->rrs = xrealloc(w->rrs, w->cap * sizeof(*w->rrs));
		w->dead = xrealloc(w->dead, w->cap);
		ws_index(w);
	}
	zrr_t *n = &w->rrs[w->n];
	*n = *rr;
	n->owner = arena_memdup_bytes(w->tmp, rr->owner, rr->owner_len);
	n->rdata = arena_memdup_bytes(w->tmp, rr->rdata, rr->rdlen ? rr->rdlen : 1);
	n->file = w->file;
	w->dead[w->n] = 0;
	ws_op(w, '+', n);
	ws_link(w, w->n);
	return w->n++;
}

static bool
ws_name_in_use(const ws_t *w, const uint8_t *owner)
{
	for (uint32_t i = ws_first(w, owner); i != WS_END; i = w->chain[i])
		if (!w->dead[i] && dname_equal(w->rrs[i].owner, owner))
			return true;
	return false;
}

static size_t
ws_count(const ws_t *w, const uint8_t *owner, uint16_t type)
{
	size_t n = 0;
	for (uint32_t i = ws_first(w, owner); i != WS_END; i = w->chain[i])
		if (!w->dead[i] && w->rrs[i].type == type && dname_equal(w->rrs[i].owner, owner))
			n++;
	return n;
}

static bool
ws_rrset_exists(const ws_t *w, const uint8_t *owner, uint16_t type)
{
	return ws_count(w, owner, type) > 0;
}

static bool
ws_find(const ws_t *w, const zrr_t *rr, size_t *at)
{
	for (uint32_t i = ws_first(w, rr->owner); i != WS_END; i = w->chain[i])
		if (!w->dead[i] && rr_same(&w->rrs[i], rr)) {
			*at = i;
			return true;
		}
	return false;
}

static bool
ws_at_apex(const ws_t *w, const uint8_t *owner)
{
	return dname_equal(owner, w->base->origin);
}

/* Replace the SOA by rr if rr's serial is newer (RFC 2136 3.4.2.2). */
static void
ws_replace_soa(ws_t *w, const zrr_t *rr)
{
	if (!ws_at_apex(w, rr->owner) || !serial_gt(soa_serial(rr), soa_serial(&w->rrs[w->soa])))
		return;
	ws_kill(w, w->soa);
	w->soa = ws_add(w, rr);
	w->soa_replaced = true;
}

/* Add a record (class IN update, or a "+" journal line). */
static void
ws_add_rr(ws_t *w, const zrr_t *rr)
{
	if (rr->type == LDNS_RR_TYPE_SOA) {
		ws_replace_soa(w, rr);
		return;
	}
	bool has_cname = ws_rrset_exists(w, rr->owner, LDNS_RR_TYPE_CNAME);
	if (rr->type == LDNS_RR_TYPE_CNAME) {
		for (uint32_t i = ws_first(w, rr->owner); i != WS_END; i = w->chain[i])
			if (!w->dead[i] && w->rrs[i].type != LDNS_RR_TYPE_CNAME && dname_equal(w->rrs[i].owner, rr->owner))
				return;   /* CNAME next to other data: ignored */
	} else if (has_cname) {
		return;           /* other data next to a CNAME: ignored */
	}
	size_t at;
	if (ws_find(w, rr, &at) && w->rrs[at].ttl == rr->ttl)
		return;           /* already there */
	if (rr->type == LDNS_RR_TYPE_CNAME) {
		/* one CNAME per name: replace */
		for (uint32_t i = ws_first(w, rr->owner); i != WS_END; i = w->chain[i])
			if (!w->dead[i] && w->rrs[i].type == LDNS_RR_TYPE_CNAME && dname_equal(w->rrs[i].owner, rr->owner))
				ws_kill(w, i);
		ws_add(w, rr);
		return;
	}
	/* the RRset takes the new TTL (one TTL per RRset, RFC 2181 5.2); the
	 * members are collected first, as ws_add may rebuild the index */
	uint32_t *redo = NULL;
	size_t nredo = 0, capredo = 0;
	for (uint32_t i = ws_first(w, rr->owner); i != WS_END; i = w->chain[i]) {
		if (w->dead[i] || w->rrs[i].type != rr->type || w->rrs[i].ttl == rr->ttl ||
		    !dname_equal(w->rrs[i].owner, rr->owner))
			continue;
		if (nredo == capredo) {
			capredo = capredo ? capredo * 2 : 8;
			redo = xrealloc(redo, capredo * sizeof(*redo));
		}
		redo[nredo++] = i;
	}
	for (size_t k = nredo; k-- > 0;) {   /* oldest first, as the file had them */
		uint32_t i = redo[k];
		ws_kill(w, i);
		if (!rr_same(&w->rrs[i], rr)) {
			zrr_t c = w->rrs[i];
			c.ttl = rr->ttl;
			ws_add(w, &c);
		}
	}
	free(redo);
	ws_add(w, rr);
}

/* Remove one record (class NONE update, or a "-" journal line). */
static void
ws_delete_rr(ws_t *w, const zrr_t *rr)
{
	if (rr->type == LDNS_RR_TYPE_SOA)
		return;
	if (rr->type == LDNS_RR_TYPE_NS && ws_at_apex(w, rr->owner) && ws_count(w, rr->owner, LDNS_RR_TYPE_NS) <= 1)
		return;   /* the last apex NS stays */
	size_t at;
	if (ws_find(w, rr, &at))
		ws_kill(w, at);
}

/* Class ANY: delete an RRset, or (type ANY) every RRset at the name; SOA
 * and NS at the apex stay. */
static void
ws_delete_rrset(ws_t *w, const uint8_t *owner, uint16_t type)
{
	bool apex = ws_at_apex(w, owner);
	for (uint32_t i = ws_first(w, owner); i != WS_END; i = w->chain[i]) {
		const zrr_t *r = &w->rrs[i];
		if (w->dead[i] || !dname_equal(r->owner, owner))
			continue;
		if (type != LDNS_RR_TYPE_ANY && r->type != type)
			continue;
		if (apex && (r->type == LDNS_RR_TYPE_SOA || r->type == LDNS_RR_TYPE_NS))
			continue;
		ws_kill(w, i);
	}
}

/* Bump the serial unless the update set one. */
static void
ws_bump_serial(ws_t *w)
{
	if (w->soa_replaced || w->nops == 0)
		return;
	zrr_t soa = w->rrs[w->soa];
	size_t p = dname_length(soa.rdata);
	p += dname_length(soa.rdata + p);
	if (p + 20 > soa.rdlen)
		return;
	uint8_t *rd = arena_memdup_bytes(w->tmp, soa.rdata, soa.rdlen);
	uint32_t s = get32(rd + p) + 1;
	if (s == 0)
		s = 1;
	rd[p] = (uint8_t)(s >> 24);
	rd[p + 1] = (uint8_t)(s >> 16);
	rd[p + 2] = (uint8_t)(s >> 8);
	rd[p + 3] = (uint8_t)s;
	soa.rdata = rd;
	ws_kill(w, w->soa);
	w->soa = ws_add(w, &soa);
}

/* The live records as a new zonefile_t that owns its memory. */
static zonefile_t *
ws_finish(const ws_t *w)
{
	arena_t *a = arena_new(0);
	zonefile_t *zf = arena_zalloc(a, sizeof(*zf));
	const zonefile_t *b = w->base;
	zf->arena = a;
	zf->origin = arena_memdup_bytes(a, b->origin, b->origin_len);
	zf->origin_len = b->origin_len;
	zf->origin_text = arena_strdup(a, b->origin_text);
	zf->path = arena_strdup(a, b->path);
	size_t live = 0;
	for (size_t i = 0; i < w->n; i++)
		live += !w->dead[i];
	zf->rrs = arena_zalloc(a, (live ? live : 1) * sizeof(zrr_t));
	/* file names are shared by many records: copy each once */
	const char *last_in = NULL, *last_out = NULL;
	for (size_t i = 0; i < w->n; i++) {
		if (w->dead[i])
			continue;
		zrr_t *r = &zf->rrs[zf->count];
		*r = w->rrs[i];
		r->owner = arena_memdup_bytes(a, r->owner, r->owner_len);
		r->rdata = arena_memdup_bytes(a, r->rdata, r->rdlen ? r->rdlen : 1);
		if (r->file != last_in) {
			last_in = r->file;
			last_out = arena_strdup(a, r->file ? r->file : b->path);
		}
		r->file = last_out;
		if (i == w->soa)
			zf->soa = r;
		zf->count++;
	}
	return zf;
}

/* ---------------------------------------------------------------------------
 * Changesets: the working copy as the zone store sees it
 */

update_changeset_t *
update_changeset_new(const zonefile_t *zf, const char *dyn_file)
{
	ws_t *w = xmalloc(sizeof(*w));
	ws_init(w, zf, dyn_file);
	return w;
}

bool
update_changeset_replay(void *arg, char op, const zrr_t *rr, diag_t *d)
{
	ws_t *w = arg;
	if (rr->rclass != LDNS_RR_CLASS_IN) {
		diag_error(d, rr->file, rr->line, "class other than IN");
		return false;
	}
	if (!dname_is_subdomain(rr->owner, w->base->origin)) {
		diag_error(d, rr->file, rr->line, "record outside zone %s", w->base->origin_text);
		return false;
	}
	/* journal lines name the journal as their source in messages, and
	 * mark the record as added by an update */
	zrr_t r = *rr;
	r.file = w->file;
	if (op == '+')
		ws_add_rr(w, &r);
	else
		ws_delete_rr(w, &r);
	return true;
}

zonefile_t *
update_changeset_records(const update_changeset_t *cs)
{
	return ws_finish(cs);
}

const journal_op_t *
update_changeset_ops(const update_changeset_t *cs, size_t *n)
{
	*n = cs->nops;
	return cs->ops;
}

const zrr_t *
update_changeset_removed(const update_changeset_t *cs, size_t *n)
{
	*n = cs->ntombs;
	return cs->tombs;
}

void
update_changeset_free(update_changeset_t **cs)
{
	if (cs == NULL || *cs == NULL)
		return;
	ws_free(*cs);
	free(*cs);
	*cs = NULL;
}

/* ---------------------------------------------------------------------------
 * One UPDATE message
 */

/* allow-update: the first element that matches decides. */
static bool
update_allowed(const conf_zone_t *cz, const conf_key_t *key, const struct sockaddr *src)
{
	for (size_t i = 0; i < cz->nallow_update; i++) {
		const conf_update_elem_t *e = &cz->allow_update[i];
		if (e->key != NULL) {
			if (key == e->key)
				return true;
			continue;
		}
		acl_t one = { .elems = (acl_elem_t *)&e->addr, .count = 1 };
		enum acl_result r = acl_match(&one, src);
		if (r != ACL_NOMATCH)
			return r == ACL_MATCH;
	}
	return false;
}

static const char *
update_rcode_str(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};
	return rcode >= 0 && rcode <= 10 ? names[rcode] : "?";
}

static bool
update_meta_type(uint16_t t)
{
	return t == 41 || (t >= 249 && t <= 255) || t == 0;
}

static size_t
update_reply(ldns_pkt *req, const uint8_t *pkt, int rcode, const conf_key_t *key,
	     tsig_result_t tr, uint8_t *out, size_t outmax)
{
	if (req == NULL) {
		/* could not be parsed: the header is all we can echo */
		memset(out, 0, 12);
		out[0] = pkt[0];
		out[1] = pkt[1];
		out[2] = (uint8_t)(0x80 | (5 << 3));
		out[3] = (uint8_t)rcode;
		return 12;
	}
	ldns_pkt *resp = ldns_pkt_new();
	if (resp == NULL)
		return 0;
	ldns_pkt_set_id(resp, ldns_pkt_id(req));
	ldns_pkt_set_qr(resp, true);
	ldns_pkt_set_opcode(resp, LDNS_PACKET_UPDATE);
	ldns_pkt_set_rcode(resp, (uint8_t)rcode);
	if (ldns_pkt_qdcount(req) == 1 && ldns_rr_list_rr_count(ldns_pkt_question(req)) == 1)
		ldns_pkt_push_rr(resp, LDNS_SECTION_QUESTION,
				 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(req), 0)));
	uint8_t *wire = NULL;
	size_t wlen = 0;
	size_t n = 0;
	if (ldns_pkt2wire(&wire, resp, &wlen) == LDNS_STATUS_OK && wlen <= outmax) {
		memcpy(out, wire, wlen);
		n = wlen;
	}
	/* a signed request gets a signed reply, errors included (tsig.h) */
	tsig_reply_t tsr;
	bool must_sign = tr == TSIG_OK || tr == TSIG_BADTIME;
	if (n > 0 && tsig_reply_init(&tsr, ldns_pkt_tsig(req), key, tr, time(NULL)))
		n = tsig_reply_append(&tsr, out, n, outmax);
	else if (must_sign)
		n = 0;
	if (n == 0 && must_sign)
		log_warning("update: cannot sign the reply with key %s", key ? key->name : "-");
	free(wire);
	ldns_pkt_free(resp);
	return n;
}

/* Records of a section as zrr_t (data in a). */
static zrr_t *
update_section(const ldns_rr_list *l, arena_t *a, size_t *n)
{
	*n = l ? ldns_rr_list_rr_count(l) : 0;
	zrr_t *rrs = arena_zalloc(a, (*n ? *n : 1) * sizeof(zrr_t));
	for (size_t i = 0; i < *n; i++)
		if (!journal_rr_from_ldns(ldns_rr_list_rr(l, i), a, &rrs[i]))
			return NULL;
	return rrs;
}

/* RFC 2136 3.2: prerequisites. */
static int
update_prereqs(const ws_t *w, const zrr_t *pre, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const zrr_t *r = &pre[i];
		if (r->ttl != 0)
			return UPDATE_FORMERR;
		if (!dname_is_subdomain(r->owner, w->base->origin))
			return UPDATE_NOTZONE;
		if (r->rclass == LDNS_RR_CLASS_ANY) {
			if (r->rdlen != 0)
				return UPDATE_FORMERR;
			if (r->type == LDNS_RR_TYPE_ANY) {
				if (!ws_name_in_use(w, r->owner))
					return UPDATE_NXDOMAIN;
			} else if (!ws_rrset_exists(w, r->owner, r->type)) {
				return UPDATE_NXRRSET;
			}
		} else if (r->rclass == LDNS_RR_CLASS_NONE) {
			if (r->rdlen != 0)
				return UPDATE_FORMERR;
			if (r->type == LDNS_RR_TYPE_ANY) {
				if (ws_name_in_use(w, r->owner))
					return UPDATE_YXDOMAIN;
			} else if (ws_rrset_exists(w, r->owner, r->type)) {
				return UPDATE_YXRRSET;
			}
		} else if (r->rclass != LDNS_RR_CLASS_IN || update_meta_type(r->type)) {
			return UPDATE_FORMERR;
		}
	}
	/* value-dependent: each (name, type) of class IN records must be
	 * exactly the zone's RRset (TTL ignored) */
	for (size_t i = 0; i < n; i++) {
		const zrr_t *r = &pre[i];
		if (r->rclass != LDNS_RR_CLASS_IN)
			continue;
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = !(pre[k].rclass == LDNS_RR_CLASS_IN && pre[k].type == r->type &&
				  dname_equal(pre[k].owner, r->owner));
		if (!first)
			continue;
		size_t distinct = 0;
		for (size_t k = i; k < n; k++) {
			const zrr_t *p = &pre[k];
			if (p->rclass != LDNS_RR_CLASS_IN || p->type != r->type || !dname_equal(p->owner, r->owner))
				continue;
			bool seen = false;
			for (size_t m = i; m < k && !seen; m++)
				seen = pre[m].rclass == LDNS_RR_CLASS_IN && rr_same(&pre[m], p);
			if (seen)
				continue;
			distinct++;
			size_t at;
			if (!ws_find(w, p, &at))
				return UPDATE_NXRRSET;
		}
		if (distinct != ws_count(w, r->owner, r->type))
			return UPDATE_NXRRSET;
	}
	return UPDATE_NOERROR;
}

/* RFC 2136 3.4.1.3: check the whole update section before changing anything. */
static int
update_prescan(const ws_t *w, const zrr_t *up, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const zrr_t *r = &up[i];
		if (!dname_is_subdomain(r->owner, w->base->origin))
			return UPDATE_NOTZONE;
		if (r->rclass == LDNS_RR_CLASS_IN) {
			if (update_meta_type(r->type))
				return UPDATE_FORMERR;
		} else if (r->rclass == LDNS_RR_CLASS_ANY) {
			if (r->ttl != 0 || r->rdlen != 0 || (r->type != LDNS_RR_TYPE_ANY && update_meta_type(r->type)))
				return UPDATE_FORMERR;
		} else if (r->rclass == LDNS_RR_CLASS_NONE) {
			if (r->ttl != 0 || update_meta_type(r->type))
				return UPDATE_FORMERR;
		} else {
			return UPDATE_FORMERR;
		}
	}
	return UPDATE_NOERROR;
}

/* RFC 2136 3.4.2 */
static void
update_apply(ws_t *w, const zrr_t *up, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const zrr_t *r = &up[i];
		if (r->rclass == LDNS_RR_CLASS_IN)
			ws_add_rr(w, r);
		else if (r->rclass == LDNS_RR_CLASS_ANY)
			ws_delete_rrset(w, r->owner, r->type);
		else
			ws_delete_rr(w, &(zrr_t){ .owner = r->owner, .owner_len = r->owner_len,
						 .type = r->type, .rclass = LDNS_RR_CLASS_IN, .rdlen = r->rdlen,
						 .rdata = r->rdata });
	}
}

/* ---------------------------------------------------------------------------
 * One UPDATE message, from request to answer
 */

struct update_msg {
	const uint8_t *pkt;
	size_t len;
	const query_src_t *from;
	char client[INET6_ADDRSTRLEN + 16];
	ldns_pkt *req;              /* NULL: could not be parsed */
	const conf_key_t *key;
	tsig_result_t tr;
	const view_t *v;
	const conf_zone_t *cz;      /* the zone to change, once the checks passed */
	const zone_t *vz;
	char zname[1024];
	int rcode;
	const char *why;
	uint32_t serial;
	bool open;                  /* the zone may change: the answer is not decided */
	bool logged;
	arena_t *tmp;               /* the prerequisite and update sections */
};

update_msg_t *
update_msg_new(const snapshot_t *snap, const uint8_t *pkt, size_t len, const query_src_t *from)
{
	if (!update_is_update(pkt, len))
		return NULL;
	update_msg_t *m = xcalloc(1, sizeof(*m));
	m->pkt = pkt;
	m->len = len;
	m->from = from;
	m->tr = TSIG_UNSIGNED;
	snprintf(m->zname, sizeof(m->zname), "?");
	lograte_client_text(from->src, m->client, sizeof(m->client));
	if (ldns_wire2pkt(&m->req, pkt, len) != LDNS_STATUS_OK) {
		m->req = NULL;
		unsigned held = 0;   /* anyone can send these: rate-limited (lograte.h) */
		if (lograte_allow(&lograte_refused, from->src, time(NULL), &held))
			log_notice("update from %s: malformed message: FORMERR%s", m->client,
				   held > 0 ? " (and similar lines from this address not logged)" : "");
		m->rcode = UPDATE_FORMERR;
		m->logged = true;
		return m;
	}
	m->tr = tsig_verify(m->req, pkt, len, snap->conf, &m->key, time(NULL));
	const ldns_rr_list *zl = ldns_pkt_question(m->req);
	const ldns_rr *zrr = zl && ldns_rr_list_rr_count(zl) == 1 ? ldns_rr_list_rr(zl, 0) : NULL;
	if (zrr != NULL) {
		char *s = ldns_rdf2str(ldns_rr_owner(zrr));
		if (s != NULL)
			snprintf(m->zname, sizeof(m->zname), "%s", s);
		free(s);
	}
	m->v = query_view_select(snap, from);   /* named in the log, also for TSIG failures */
	if (m->tr == TSIG_BADSIG || m->tr == TSIG_BADKEY || m->tr == TSIG_BADTIME) {
		m->rcode = UPDATE_NOTAUTH;
		m->why = tsig_result_str(m->tr);
		return m;
	}
	if (zrr == NULL || ldns_pkt_qdcount(m->req) != 1 ||
	    ldns_rr_get_type(zrr) != LDNS_RR_TYPE_SOA || ldns_rr_get_class(zrr) != LDNS_RR_CLASS_IN) {
		m->rcode = UPDATE_FORMERR;
		m->why = "zone section is not one SOA question of class IN";
		return m;
	}
	const view_t *v = m->v;
	if (v == NULL) {
		m->rcode = UPDATE_REFUSED;
		m->why = "no view for this client";
		return m;
	}
	const ldns_rdf *zown = ldns_rr_owner(zrr);
	for (size_t i = 0; i < v->conf->nzones && i < v->nzones && m->vz == NULL; i++) {
		if (v->zones[i] != NULL && ldns_rdf_size(zown) == v->zones[i]->apex_len &&
		    dname_equal(ldns_rdf_data(zown), v->zones[i]->apex)) {
			m->vz = v->zones[i];
			m->cz = &v->conf->zones[i];
		}
	}
	if (m->vz == NULL) {
		m->rcode = UPDATE_NOTAUTH;
		m->why = "not a zone of this view";
		return m;
	}
	if (!update_allowed(m->cz, m->tr == TSIG_OK ? m->key : NULL, from->src)) {
		m->rcode = UPDATE_REFUSED;
		m->why = m->tr == TSIG_OK ? "key not allowed for this zone" : m->cz->nallow_update
			? "not allowed (unsigned, or address not allowed)" : "zone does not allow updates";
		return m;
	}
	m->open = true;
	return m;
}

bool
update_msg_zone(const update_msg_t *m, const conf_zone_t **cz, const zone_t **served)
{
	*cz = m->open ? m->cz : NULL;
	*served = m->open ? m->vz : NULL;
	return m->open;
}

update_changeset_t *
update_msg_apply(update_msg_t *m, const zonefile_t *records, const char *dyn_file)
{
	if (!m->open)
		return NULL;
	m->open = false;
	if (m->tmp == NULL)
		m->tmp = arena_new(0);
	size_t npre, nup;
	zrr_t *pre = update_section(ldns_pkt_answer(m->req), m->tmp, &npre);
	zrr_t *up = update_section(ldns_pkt_authority(m->req), m->tmp, &nup);
	if (pre == NULL || up == NULL) {
		m->rcode = UPDATE_FORMERR;
		m->why = "record too large";
		return NULL;
	}
	ws_t *w = update_changeset_new(records, dyn_file);
	if ((m->rcode = update_prereqs(w, pre, npre)) != UPDATE_NOERROR) {
		m->why = "prerequisite not met";
		update_changeset_free(&w);
		return NULL;
	}
	if ((m->rcode = update_prescan(w, up, nup)) != UPDATE_NOERROR) {
		m->why = "bad update section";
		update_changeset_free(&w);
		return NULL;
	}
	update_apply(w, up, nup);
	if (w->nops == 0) {
		m->why = "no change";
		m->serial = soa_serial(&w->rrs[w->soa]);
		update_changeset_free(&w);
		return NULL;
	}
	ws_bump_serial(w);
	m->serial = soa_serial(&w->rrs[w->soa]);
	return w;
}

void
update_msg_comment(const update_msg_t *m, char *out, size_t size)
{
	snprintf(out, size, "key=%s client=%s", m->tr == TSIG_OK ? m->key->name : "-", m->client);
}

void
update_msg_fail(update_msg_t *m, const char *why)
{
	m->open = false;
	m->rcode = UPDATE_SERVFAIL;
	m->why = why;
}

void
update_msg_done(update_msg_t *m, size_t nchanges, uint32_t serial)
{
	char nbuf[64];
	snprintf(nbuf, sizeof(nbuf), "%zu record change%s, serial %u", nchanges,
		 nchanges == 1 ? "" : "s", serial);
	log_notice("update from %s view %s zone %s key %s: NOERROR (%s)", m->client,
		   m->v->conf->name, m->zname, m->tr == TSIG_OK ? m->key->name : "-", nbuf);
	m->open = false;
	m->rcode = UPDATE_NOERROR;
	m->logged = true;
}

size_t
update_msg_reply(update_msg_t *m, uint8_t *out, size_t outmax)
{
	if (m->open)
		update_msg_fail(m, "the update was not applied");
	if (!m->logged && m->rcode == UPDATE_NOERROR)
		log_notice("update from %s view %s zone %s key %s: NOERROR (%s, serial %u)", m->client,
			   m->v ? m->v->conf->name : "-", m->zname,
			   m->tr == TSIG_OK ? m->key->name : "-", m->why, m->serial);
	else if (!m->logged)
		lograte_warning(&lograte_refused, m->from->src,
				"update from %s view %s zone %s key %s: %s: %s", m->client,
				m->v ? m->v->conf->name : "-", m->zname, m->key ? m->key->name : "-",
				update_rcode_str(m->rcode), m->why ? m->why : "");
	m->logged = true;
	return update_reply(m->req, m->pkt, m->rcode, m->key, m->tr, out, outmax);
}

void
update_msg_free(update_msg_t **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	update_msg_t *m = *mp;
	ldns_pkt_free(m->req);
	arena_free(&m->tmp);
	free(m);
	*mp = NULL;
}

/* ---------------------------------------------------------------------------
 * Before the queue: answers the network layer sends at once
 */

/* The zone section of an UPDATE: one uncompressed name + type + class at
 * offset 12. Returns its length; 0 if it is not there. */
static size_t
update_zone_section(const uint8_t *pkt, size_t len)
{
	size_t pos = 12;
	if (len < 12 || pkt[4] != 0 || pkt[5] != 1 || !dname_skip_wire(pkt, len, &pos) ||
	    pos + 4 > len || (pkt[12] & 0xC0))
		return 0;
	for (size_t p = 12; pkt[p] != 0; p += 1 + pkt[p])
		if (pkt[p] & 0xC0)
			return 0;   /* compressed: cannot be, there is nothing before it */
	return pos + 4 - 12;
}

size_t
update_answer_rcode(const uint8_t *pkt, size_t len, int rcode, uint8_t *out)
{
	size_t zlen = update_zone_section(pkt, len);
	memset(out, 0, 12);
	out[0] = pkt[0];
	out[1] = pkt[1];
	out[2] = (uint8_t)(0x80 | (5 << 3));
	out[3] = (uint8_t)rcode;
	if (zlen > 0) {
		out[5] = 1;
		memcpy(out + 12, pkt + 12, zlen);
	}
	return 12 + zlen;
}

/* Is the last record a TSIG? false also for a malformed message (the
 * update thread answers FORMERR). */
static bool
update_is_signed(const uint8_t *pkt, size_t len)
{
	size_t pos = 12;
	unsigned qd = (unsigned)(pkt[4] << 8 | pkt[5]);
	unsigned n = (unsigned)(pkt[6] << 8 | pkt[7]) + (unsigned)(pkt[8] << 8 | pkt[9]) +
		     (unsigned)(pkt[10] << 8 | pkt[11]);
	for (unsigned i = 0; i < qd; i++) {
		if (!dname_skip_wire(pkt, len, &pos) || pos + 4 > len)
			return false;
		pos += 4;
	}
	uint16_t type = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!dname_skip_wire(pkt, len, &pos) || pos + 10 > len)
			return false;
		type = (uint16_t)(pkt[pos] << 8 | pkt[pos + 1]);
		pos += 10 + (size_t)(pkt[pos + 8] << 8 | pkt[pos + 9]);
		if (pos > len)
			return false;
	}
	return n > 0 && (unsigned)(pkt[10] << 8 | pkt[11]) > 0 && type == LDNS_RR_TYPE_TSIG;
}

size_t
update_screen(const snapshot_t *snap, const uint8_t *pkt, size_t len, const query_src_t *from,
	      uint8_t *out)
{
	if (len < 12 || update_is_signed(pkt, len))
		return 0;   /* the key is checked on the update thread */
	size_t zlen = update_zone_section(pkt, len);
	uint8_t zone[DNAME_MAXLEN] = { 0 };   /* the root, when the section is malformed */
	if (zlen > 0)
		memcpy(zone, pkt + 12, zlen - 4);
	const uint8_t *tc = pkt + 12 + zlen - 4;
	const view_t *v = query_view_select(snap, from);
	int rcode = UPDATE_REFUSED;
	const char *why = "no view for this client";
	if (zlen == 0) {
		/* answered here, never queued: a flood of these from outside
		 * must not fill the control thread's queue (issue 15) */
		rcode = UPDATE_FORMERR;
		why = "malformed zone section";
	} else if ((tc[0] << 8 | tc[1]) != LDNS_RR_TYPE_SOA || (tc[2] << 8 | tc[3]) != LDNS_RR_CLASS_IN) {
		rcode = UPDATE_FORMERR;
		why = "zone section is not one SOA question of class IN";
	} else if (v != NULL) {
		rcode = UPDATE_NOTAUTH;
		why = "not a zone of this view";
		for (size_t i = 0; i < v->conf->nzones && i < v->nzones; i++) {
			if (v->zones[i] == NULL || !dname_equal(zone, v->zones[i]->apex))
				continue;
			if (update_allowed(&v->conf->zones[i], NULL, from->src))
				return 0;   /* allowed by address: queue it */
			rcode = UPDATE_REFUSED;
			why = v->conf->zones[i].nallow_update
				      ? "not allowed (unsigned, or address not allowed)"
				      : "zone does not allow updates";
			break;
		}
	}
	char client[INET6_ADDRSTRLEN + 16], zname[1024];
	lograte_client_text(from->src, client, sizeof(client));
	dname_to_text(zone, zname, sizeof(zname));
	lograte_warning(&lograte_refused, from->src, "update from %s view %s zone %s key -: %s: %s",
			client, v ? v->conf->name : "-", zname, update_rcode_str(rcode), why);
	return update_answer_rcode(pkt, len, rcode, out);
}

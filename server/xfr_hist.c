/* xfr_hist.c -- the IXFR history (see xfr_hist.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "xfr_hist.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "arena.h"
#include "dname.h"
#include "durable.h"
#include "log.h"
#include "wire.h"

static xfr_rr_t
xfr_rr_make(const zrr_t *rr)
{
	xfr_rr_t r;
	r.len = (uint16_t)(rr->owner_len + 10u + rr->rdlen);
	r.wire = xmalloc(r.len);
	for (size_t i = 0; i < rr->owner_len; i++)
		r.wire[i] = dname_lower[rr->owner[i]];
	uint8_t *p = r.wire + rr->owner_len;
	put16(p, rr->type);
	put16(p + 2, rr->rclass);
	put32(p + 4, rr->ttl);
	put16(p + 8, rr->rdlen);
	memcpy(p + 10, rr->rdata, rr->rdlen);
	return r;
}

static xfr_rr_t
xfr_rr_copy(const xfr_rr_t *r)
{
	xfr_rr_t c = { .wire = xmalloc(r->len), .len = r->len };
	memcpy(c.wire, r->wire, r->len);
	return c;
}

/* Any total order does for the merge in xfr_diff: bytes, then length. */
static int
xfr_rr_cmp(const xfr_rr_t *a, const xfr_rr_t *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->wire, b->wire, n);
	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

static int
xfr_rr_qcmp(const void *a, const void *b)
{
	return xfr_rr_cmp(a, b);
}

static void
xfr_rrs_free(xfr_rr_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].wire);
	free(r);
}

xfr_version_t *
xfr_version_new(const zonefile_t *zf)
{
	if (zf->soa == NULL)
		return NULL;
	xfr_version_t *v = xcalloc(1, sizeof(*v));
	v->soa = xfr_rr_make(zf->soa);
	/* serial: after MNAME and RNAME (uncompressed) */
	size_t pos = zf->soa->owner_len + 10u;
	for (int k = 0; k < 2; k++)
		pos += dname_length(v->soa.wire + pos);
	v->serial = pos + 4 <= v->soa.len ? get32(v->soa.wire + pos) : 0;
	v->rrs = xcalloc(zf->count ? zf->count : 1, sizeof(*v->rrs));
	for (size_t i = 0; i < zf->count; i++)
		if (zf->rrs[i].type != LDNS_RR_TYPE_SOA)
			v->rrs[v->n++] = xfr_rr_make(&zf->rrs[i]);
	qsort(v->rrs, v->n, sizeof(*v->rrs), xfr_rr_qcmp);
	return v;
}

void
xfr_version_free(xfr_version_t **v)
{
	if (*v == NULL)
		return;
	free((*v)->soa.wire);
	xfr_rrs_free((*v)->rrs, (*v)->n);
	free(*v);
	*v = NULL;
}

void
xfr_diff(const xfr_version_t *a, const xfr_version_t *b, xfr_change_t *out)
{
	memset(out, 0, sizeof(*out));
	out->from = a->serial;
	out->to = b->serial;
	out->old_soa = xfr_rr_copy(&a->soa);
	out->new_soa = xfr_rr_copy(&b->soa);
	out->del = xcalloc(a->n ? a->n : 1, sizeof(*out->del));
	out->add = xcalloc(b->n ? b->n : 1, sizeof(*out->add));
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : xfr_rr_cmp(&a->rrs[i], &b->rrs[j]);
		if (c < 0)
			out->del[out->ndel++] = xfr_rr_copy(&a->rrs[i++]);
		else if (c > 0)
			out->add[out->nadd++] = xfr_rr_copy(&b->rrs[j++]);
		else
			i++, j++;
	}
}

void
xfr_change_clear(xfr_change_t *c)
{
	free(c->old_soa.wire);
	free(c->new_soa.wire);
	xfr_rrs_free(c->del, c->ndel);
	xfr_rrs_free(c->add, c->nadd);
	memset(c, 0, sizeof(*c));
}

struct xfr_hist {
	struct xfr_hist *next;
	char *view;
	uint8_t apex[DNAME_MAXLEN];
	char *path;                          /* its file under state-dir; NULL: none */
	xfr_version_t *last;
	xfr_change_t change[XFR_HIST_MAX];   /* oldest first */
	size_t nchange;
};

static xfr_hist_t *xfr_hists;   /* the control thread's alone */

/* Empty h: no version, no change. */
static void
xfr_hist_clear(xfr_hist_t *h)
{
	for (size_t i = 0; i < h->nchange; i++)
		xfr_change_clear(&h->change[i]);
	h->nchange = 0;
	xfr_version_free(&h->last);
}

void
xfr_hist_forget_all(void)
{
	while (xfr_hists != NULL) {
		xfr_hist_t *h = xfr_hists;
		xfr_hists = h->next;
		xfr_hist_clear(h);
		free(h->view);
		free(h->path);
		free(h);
	}
}

static void xfr_hist_load(xfr_hist_t *h);

/* "<state_dir>/ixfr-<hash>.hist": the hash (SHA-256, first 8 bytes) of the
 * view's name and the apex, which view names of any characters and long
 * zone names cannot break; the file holds both, checked when read. */
static char *
xfr_hist_path(const char *state_dir, const char *view, const uint8_t *apex)
{
	size_t vlen = strlen(view), alen = dname_length(apex);
	uint8_t *key = xmalloc(vlen + 1 + alen), md[EVP_MAX_MD_SIZE];
	memcpy(key, view, vlen + 1);
	memcpy(key + vlen + 1, apex, alen);
	unsigned mdlen = 0;
	bool ok = EVP_Digest(key, vlen + 1 + alen, md, &mdlen, EVP_sha256(), NULL) == 1;
	free(key);
	if (!ok)
		return NULL;
	size_t len = strlen(state_dir) + 32;
	char *path = xmalloc(len);
	snprintf(path, len, "%s/ixfr-%02x%02x%02x%02x%02x%02x%02x%02x.hist", state_dir, md[0], md[1],
		 md[2], md[3], md[4], md[5], md[6], md[7]);
	return path;
}

xfr_hist_t *
xfr_hist_get(const char *view, const uint8_t *apex, const char *state_dir)
{
	size_t alen = dname_length(apex);
	for (xfr_hist_t *h = xfr_hists; h != NULL; h = h->next)
		if (strcmp(h->view, view) == 0 && dname_length(h->apex) == alen &&
		    memcmp(h->apex, apex, alen) == 0)
			return h;
	if (xfr_hists == NULL)
		atexit(xfr_hist_forget_all);
	xfr_hist_t *h = xcalloc(1, sizeof(*h));
	h->view = xmalloc(strlen(view) + 1);
	strcpy(h->view, view);
	memcpy(h->apex, apex, alen);
	h->next = xfr_hists;
	xfr_hists = h;
	if (state_dir != NULL && (h->path = xfr_hist_path(state_dir, view, apex)) != NULL)
		xfr_hist_load(h);
	return h;
}

void
xfr_hist_note(xfr_hist_t *h, const zonefile_t *zf)
{
	xfr_version_t *v = xfr_version_new(zf);
	if (v == NULL)
		return;
	if (h->last != NULL && h->last->serial == v->serial) {
		xfr_version_free(&v);
		return;
	}
	if (h->last != NULL) {
		if (h->nchange == XFR_HIST_MAX) {
			xfr_change_clear(&h->change[0]);
			memmove(&h->change[0], &h->change[1], (XFR_HIST_MAX - 1) * sizeof(h->change[0]));
			h->nchange--;
		}
		xfr_diff(h->last, v, &h->change[h->nchange++]);
		xfr_version_free(&h->last);
	}
	h->last = v;
}

size_t
xfr_hist_chain(const xfr_hist_t *h, uint32_t from, const xfr_change_t **out)
{
	/* the newest change that starts at from, then its successors; a serial
	 * that came back (a file edited back and forth) starts the newest */
	size_t start = h->nchange;
	for (size_t i = h->nchange; i-- > 0;)
		if (h->change[i].from == from) {
			start = i;
			break;
		}
	size_t n = 0;
	for (size_t i = start; i < h->nchange; i++) {
		if (n > 0 && h->change[i].from != out[n - 1]->to)
			return 0;
		out[n++] = &h->change[i];
	}
	return n > 0 && h->last != NULL && out[n - 1]->to == h->last->serial ? n : 0;
}

/* ------------------------------------------------------------------------
 * Kept across restarts: written at a clean stop (xfr_hist_save_all), read
 * when the history is first asked for. A crash loses the changes since the
 * last clean stop, which costs the secondaries an AXFR, never a wrong IXFR:
 * a change is always the difference of two record sets actually served.
 *
 * The file (all numbers big-endian): "HZIXFR1\n"; the view (u16 length,
 * bytes) and the apex (wire); u32 changes, each: u32 from, u32 to, the old
 * and the new SOA, u32 removed, records, u32 added, records; u8 1 if the
 * last version follows: u32 serial, its SOA, u32 records, records (sorted);
 * then the SHA-256 of everything before it. A record: u16 length, bytes. */

#define XFR_HIST_MAGIC "HZIXFR1\n"
#define XFR_HIST_SUM 32

typedef struct hbuf {
	uint8_t *p;
	size_t len, cap;
} hbuf_t;

static void
hbuf_put(hbuf_t *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
hbuf_u32(hbuf_t *b, uint32_t v)
{
	uint8_t x[4];
	put32(x, v);
	hbuf_put(b, x, 4);
}

static void
hbuf_rr(hbuf_t *b, const xfr_rr_t *r)
{
	uint8_t x[2];
	put16(x, r->len);
	hbuf_put(b, x, 2);
	hbuf_put(b, r->wire, r->len);
}

static void
hbuf_rrs(hbuf_t *b, const xfr_rr_t *r, size_t n)
{
	hbuf_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		hbuf_rr(b, &r[i]);
}

uint8_t *
xfr_hist_serialize(const xfr_hist_t *h, size_t *len)
{
	hbuf_t b = { 0 };
	hbuf_put(&b, XFR_HIST_MAGIC, 8);
	size_t vlen = strlen(h->view);
	uint8_t x[2];
	put16(x, (uint16_t)vlen);
	hbuf_put(&b, x, 2);
	hbuf_put(&b, h->view, vlen);
	hbuf_put(&b, h->apex, dname_length(h->apex));
	hbuf_u32(&b, (uint32_t)h->nchange);
	for (size_t i = 0; i < h->nchange; i++) {
		const xfr_change_t *c = &h->change[i];
		hbuf_u32(&b, c->from);
		hbuf_u32(&b, c->to);
		hbuf_rr(&b, &c->old_soa);
		hbuf_rr(&b, &c->new_soa);
		hbuf_rrs(&b, c->del, c->ndel);
		hbuf_rrs(&b, c->add, c->nadd);
	}
	uint8_t has_last = h->last != NULL;
	hbuf_put(&b, &has_last, 1);
	if (has_last) {
		hbuf_u32(&b, h->last->serial);
		hbuf_rr(&b, &h->last->soa);
		hbuf_rrs(&b, h->last->rrs, h->last->n);
	}
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (EVP_Digest(b.p, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != XFR_HIST_SUM) {
		free(b.p);
		return NULL;
	}
	hbuf_put(&b, md, XFR_HIST_SUM);
	*len = b.len;
	return b.p;
}

/* Reading: every field checked against what is left. */
typedef struct hread {
	const uint8_t *p;
	size_t left;
	bool bad;
} hread_t;

static const uint8_t *
hread_take(hread_t *r, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *q = r->p;
	r->p += n;
	r->left -= n;
	return q;
}

static uint32_t
hread_u32(hread_t *r)
{
	const uint8_t *q = hread_take(r, 4);
	return q != NULL ? get32(q) : 0;
}

static xfr_rr_t
hread_rr(hread_t *r)
{
	xfr_rr_t rr = { 0 };
	const uint8_t *q = hread_take(r, 2);
	uint16_t len = q != NULL ? get16(q) : 0;
	const uint8_t *w = hread_take(r, len);
	size_t name_end = 0;   /* the owner, checked inside the record's bytes */
	if (w == NULL || !dname_skip_wire(w, len, &name_end) || name_end + 10u > len) {
		r->bad = true;   /* at least a name and type, class, TTL, rdlength */
		return rr;
	}
	rr.wire = xmalloc(len);
	memcpy(rr.wire, w, len);
	rr.len = len;
	return rr;
}

/* n records; their count first. Never more than the bytes left could hold
 * (2 bytes each at least): a bad count allocates nothing big. */
static xfr_rr_t *
hread_rrs(hread_t *r, size_t *n)
{
	uint32_t count = hread_u32(r);
	if (r->bad || count > r->left / 2) {
		r->bad = true;
		*n = 0;
		return xcalloc(1, sizeof(xfr_rr_t));
	}
	xfr_rr_t *rrs = xcalloc(count ? count : 1, sizeof(*rrs));
	size_t k = 0;
	while (k < count && !r->bad) {
		rrs[k] = hread_rr(r);
		if (!r->bad)
			k++;
	}
	*n = k;
	return rrs;
}

bool
xfr_hist_restore(xfr_hist_t *h, const uint8_t *buf, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (len < 8 + XFR_HIST_SUM || memcmp(buf, XFR_HIST_MAGIC, 8) != 0 ||
	    EVP_Digest(buf, len - XFR_HIST_SUM, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != XFR_HIST_SUM || memcmp(md, buf + len - XFR_HIST_SUM, XFR_HIST_SUM) != 0)
		return false;
	hread_t r = { .p = buf + 8, .left = len - 8 - XFR_HIST_SUM };
	const uint8_t *q = hread_take(&r, 2);
	size_t vlen = q != NULL ? get16(q) : 0;
	const uint8_t *view = hread_take(&r, vlen);
	size_t alen = dname_length(h->apex);
	const uint8_t *apex = hread_take(&r, alen);
	if (r.bad || vlen != strlen(h->view) || memcmp(view, h->view, vlen) != 0 ||
	    memcmp(apex, h->apex, alen) != 0)
		return false;   /* another view's or zone's (a hash collision: never seen) */
	xfr_hist_clear(h);
	uint32_t nchange = hread_u32(&r);
	if (nchange > XFR_HIST_MAX)
		r.bad = true;
	for (uint32_t i = 0; i < nchange && !r.bad; i++) {
		xfr_change_t *c = &h->change[h->nchange++];
		c->from = hread_u32(&r);
		c->to = hread_u32(&r);
		c->old_soa = hread_rr(&r);
		c->new_soa = hread_rr(&r);
		c->del = hread_rrs(&r, &c->ndel);
		c->add = hread_rrs(&r, &c->nadd);
		/* a chain: each change starts where the one before ended */
		if (i > 0 && c->from != h->change[i - 1].to)
			r.bad = true;
	}
	const uint8_t *has_last = hread_take(&r, 1);
	if (has_last != NULL && *has_last == 1) {
		xfr_version_t *v = xcalloc(1, sizeof(*v));
		h->last = v;
		v->serial = hread_u32(&r);
		v->soa = hread_rr(&r);
		v->rrs = hread_rrs(&r, &v->n);
		for (size_t i = 1; i < v->n && !r.bad; i++)
			if (xfr_rr_cmp(&v->rrs[i - 1], &v->rrs[i]) > 0)
				r.bad = true;   /* xfr_diff merges sorted sets */
		if (h->nchange > 0 && h->change[h->nchange - 1].to != v->serial)
			r.bad = true;
	} else if (has_last == NULL || *has_last != 0 || h->nchange > 0) {
		r.bad = true;   /* changes lead to a version: it must be there */
	}
	if (r.bad || r.left != 0) {
		xfr_hist_clear(h);
		return false;
	}
	return true;
}

/* Read h's file, if there is one (a regular file: zonefile_slurp); a file
 * that cannot be used is logged and left alone (the next clean stop
 * replaces it). */
static void
xfr_hist_load(xfr_hist_t *h)
{
	size_t len = 0;
	uint8_t *buf = (uint8_t *)zonefile_slurp(h->path, &len);
	if (buf == NULL) {
		if (errno != ENOENT)
			log_warning("transfer out: cannot read the IXFR history %s: %s", h->path,
				    strerror(errno));
		return;
	}
	char zone[1024];
	dname_to_text(h->apex, zone, sizeof(zone));
	if (!xfr_hist_restore(h, buf, len))
		log_warning("transfer out: zone %s view %s: the IXFR history %s is damaged: ignored "
			    "(older serials get the zone in AXFR form)", zone, h->view, h->path);
	else
		log_notice("transfer out: zone %s view %s: IXFR history read from %s: %zu change%s "
			   "up to serial %" PRIu32, zone, h->view, h->path, h->nchange,
			   h->nchange == 1 ? "" : "s", h->last != NULL ? h->last->serial : 0);
	free(buf);
}

int
xfr_hist_save_all(void)
{
	int failed = 0;
	for (const xfr_hist_t *h = xfr_hists; h != NULL; h = h->next) {
		if (h->path == NULL || h->last == NULL)
			continue;
		size_t len = 0;
		uint8_t *buf = xfr_hist_serialize(h, &len);
		const char *slash = strrchr(h->path, '/');
		char dir[4096];
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - h->path) : 1,
			 slash ? h->path : ".");
		if (buf == NULL || durable_mkdirs(dir, 0750) != 0 ||
		    durable_replace(h->path, buf, len, 0640) != 0) {
			log_warning("transfer out: view %s: cannot keep the IXFR history in %s: %s",
				    h->view, h->path, buf == NULL ? "no digest" : strerror(errno));
			failed++;
		}
		free(buf);
	}
	return failed ? -1 : 0;
}

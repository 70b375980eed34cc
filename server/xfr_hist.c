/* xfr_hist.c -- the IXFR history (see xfr_hist.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "xfr_hist.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dname.h"
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
	xfr_version_t *last;
	xfr_change_t change[XFR_HIST_MAX];   /* oldest first */
	size_t nchange;
};

static xfr_hist_t *xfr_hists;   /* the control thread's alone */

static void
xfr_hist_free_all(void)
{
	while (xfr_hists != NULL) {
		xfr_hist_t *h = xfr_hists;
		xfr_hists = h->next;
		for (size_t i = 0; i < h->nchange; i++)
			xfr_change_clear(&h->change[i]);
		xfr_version_free(&h->last);
		free(h->view);
		free(h);
	}
}

xfr_hist_t *
xfr_hist_get(const char *view, const uint8_t *apex)
{
	size_t alen = dname_length(apex);
	for (xfr_hist_t *h = xfr_hists; h != NULL; h = h->next)
		if (strcmp(h->view, view) == 0 && dname_length(h->apex) == alen &&
		    memcmp(h->apex, apex, alen) == 0)
			return h;
	if (xfr_hists == NULL)
		atexit(xfr_hist_free_all);
	xfr_hist_t *h = xcalloc(1, sizeof(*h));
	h->view = xmalloc(strlen(view) + 1);
	strcpy(h->view, view);
	memcpy(h->apex, apex, alen);
	h->next = xfr_hists;
	xfr_hists = h;
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

/* autoptr.c -- auto-ptr: the reverse zones a view synthesizes from the A and
 * AAAA records of its auto-ptr zones. The design is in autoptr.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "autoptr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "wire.h"
#include "dname.h"

#define C_IN 1

typedef struct ptrgrp {
	uint8_t apex[DNAME_MAXLEN];
	size_t apex_len;
	const zonefile_t *src;     /* SOA and NS come from this zone */
	const conf_zone_t *src_conf;   /* ... configured so (signed online or not) */
	zrr_t *rrs;
	size_t n, cap;
} ptrgrp_t;

/* The reverse name of an address into name; returns the wire length and
 * sets *apex_off to where the /24 (IPv4) or /64 (IPv6) apex starts. */
static size_t
autoptr_name(const zrr_t *rr, uint8_t *name, size_t *apex_off)
{
	static const char hex[] = "0123456789abcdef";
	size_t p = 0;
	if (rr->type == LDNS_RR_TYPE_A) {
		for (int i = 3; i >= 0; i--) {
			if (i == 2)
				*apex_off = p;
			char b[4];
			int l = snprintf(b, sizeof(b), "%u", rr->rdata[i]);
			name[p++] = (uint8_t)l;
			memcpy(name + p, b, (size_t)l);
			p += (size_t)l;
		}
		memcpy(name + p, "\7in-addr\4arpa", 14);
		return p + 14;
	}
	for (int i = 31; i >= 0; i--) {
		if (i == 15)
			*apex_off = p;
		uint8_t nib = i & 1 ? rr->rdata[i / 2] & 15 : rr->rdata[i / 2] >> 4;
		name[p++] = 1;
		name[p++] = (uint8_t)hex[nib];
	}
	memcpy(name + p, "\3ip6\4arpa", 10);
	return p + 10;
}

static void
autoptr_push(ptrgrp_t *g, const zrr_t *rr)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->rrs = xrealloc(g->rrs, g->cap * sizeof(*g->rrs));
	}
	g->rrs[g->n++] = *rr;
}

/* The records of one synthesized reverse zone: the source zone's SOA and
 * apex NS at the reverse apex, then the PTRs. Owns its memory; the caller
 * frees it. */
static zonefile_t *
autoptr_zonefile(const ptrgrp_t *g, const view_t *v)
{
	arena_t *a = arena_new(0);
	zonefile_t *zf = arena_zalloc(a, sizeof(*zf));
	zf->arena = a;
	uint8_t lower[DNAME_MAXLEN];
	memcpy(lower, g->apex, g->apex_len);
	dname_to_lower(lower, lower);
	zf->origin = arena_memdup_bytes(a, lower, g->apex_len);
	zf->origin_len = (uint16_t)g->apex_len;
	char text[1024];
	dname_to_text(lower, text, sizeof(text));
	zf->origin_text = arena_strdup(a, text);
	char path[300];
	snprintf(path, sizeof(path), "auto-ptr (view %s)", v->conf->name);
	zf->path = arena_strdup(a, path);
	const zonefile_t *src = g->src;
	size_t nns = 0;
	for (size_t i = 0; i < src->count; i++)
		nns += src->rrs[i].type == LDNS_RR_TYPE_NS && dname_equal(src->rrs[i].owner, src->origin);
	zf->rrs = arena_zalloc(a, (1 + nns + g->n) * sizeof(zrr_t));
	zrr_t *soa = &zf->rrs[zf->count++];
	*soa = *src->soa;
	soa->owner = zf->origin;
	soa->owner_len = zf->origin_len;
	soa->file = zf->path;
	soa->line = 0;
	zf->soa = soa;
	for (size_t i = 0; i < src->count; i++) {
		const zrr_t *r = &src->rrs[i];
		if (r->type != LDNS_RR_TYPE_NS || !dname_equal(r->owner, src->origin))
			continue;
		zrr_t *ns = &zf->rrs[zf->count++];
		*ns = *r;
		ns->owner = zf->origin;
		ns->owner_len = zf->origin_len;
		ns->file = zf->path;
		ns->line = 0;
	}
	memcpy(zf->rrs + zf->count, g->rrs, g->n * sizeof(zrr_t));
	zf->count += g->n;
	/* its own copy of every name and rdata: the group's owners and the
	 * source's records do not outlive the caller's hold on them */
	for (size_t i = 0; i < zf->count; i++) {
		zrr_t *r = &zf->rrs[i];
		r->file = zf->path;
		if (r->owner != zf->origin)
			r->owner = arena_memdup_bytes(a, r->owner, r->owner_len);
		r->rdata = arena_memdup_bytes(a, r->rdata, r->rdlen ? r->rdlen : 1);
	}
	return zf;
}

static zone_t *
autoptr_zone(const ptrgrp_t *g, const view_t *v, autoptr_build_fn build, void *arg, diag_t *d)
{
	zonefile_t *zf = autoptr_zonefile(g, v);
	zone_t *z = build != NULL ? build(g->src_conf, zf, arg, d) : zone_build(zf, d);
	zonefile_free(&zf);
	return z;
}

/* Does the view have an auto-ptr zone at all? */
static bool
autoptr_wanted(const view_t *v)
{
	size_t nconf = v->conf->nzones < v->nzones ? v->conf->nzones : v->nzones;
	for (size_t i = 0; i < nconf; i++)
		if (v->conf->zones[i].auto_ptr)
			return true;
	return false;
}

/* The PTRs of the view's auto-ptr zones, grouped by reverse apex (/24,
 * /64). Owner names live in tmp; *groups is malloc'ed, and so is each
 * group's rrs (free with autoptr_groups_free). */
static size_t
autoptr_groups(const view_t *v, const zonefile_t *const *records, arena_t *tmp,
	       ptrgrp_t **groups_out)
{
	size_t nconf = v->conf->nzones < v->nzones ? v->conf->nzones : v->nzones;
	ptrgrp_t *groups = NULL;
	size_t ngroups = 0, capgroups = 0;
	for (size_t i = 0; i < nconf; i++) {
		const conf_zone_t *cz = &v->conf->zones[i];
		const zonefile_t *zf = cz->auto_ptr && v->zones[i] != NULL ? records[i] : NULL;
		if (zf == NULL)
			continue;
		for (size_t k = 0; k < zf->count; k++) {
			const zrr_t *rr = &zf->rrs[k];
			if (!((rr->type == LDNS_RR_TYPE_A && rr->rdlen == 4) || (rr->type == LDNS_RR_TYPE_AAAA && rr->rdlen == 16)))
				continue;
			if (rr->owner[0] == 1 && rr->owner[1] == '*')
				continue;   /* a wildcard has no single name to point at */
			uint8_t name[DNAME_MAXLEN];
			size_t apex_off = 0, len = autoptr_name(rr, name, &apex_off);
			bool covered = false;
			for (size_t j = 0; j < nconf && !covered; j++)
				covered = v->zones[j] != NULL && dname_is_subdomain(name, v->zones[j]->apex);
			if (covered)
				continue;   /* a real reverse zone of the view decides */
			ptrgrp_t *g = NULL;
			for (size_t j = 0; j < ngroups && g == NULL; j++)
				if (dname_equal(groups[j].apex, name + apex_off))
					g = &groups[j];
			if (g == NULL) {
				if (ngroups == capgroups) {
					capgroups = capgroups ? capgroups * 2 : 8;
					groups = xrealloc(groups, capgroups * sizeof(*groups));
				}
				g = &groups[ngroups++];
				memset(g, 0, sizeof(*g));
				g->apex_len = len - apex_off;
				memcpy(g->apex, name + apex_off, g->apex_len);
				g->src = zf;
				g->src_conf = cz;
			}
			zrr_t ptr = {
				.owner = arena_memdup_bytes(tmp, name, len),
				.owner_len = (uint16_t)len,
				.type = LDNS_RR_TYPE_PTR,
				.rclass = C_IN,
				.ttl = rr->ttl,
				.rdlen = rr->owner_len,
				.rdata = rr->owner,
			};
			bool dup = false;
			for (size_t j = 0; j < g->n && !dup; j++)
				dup = dname_equal(g->rrs[j].owner, ptr.owner) &&
				      dname_equal(g->rrs[j].rdata, ptr.rdata);
			if (!dup)
				autoptr_push(g, &ptr);
		}
	}
	*groups_out = groups;
	return ngroups;
}

static void
autoptr_groups_free(ptrgrp_t *groups, size_t n)
{
	for (size_t j = 0; j < n; j++)
		free(groups[j].rrs);
	free(groups);
}

size_t
autoptr_build(const view_t *v, const zonefile_t *const *records, zone_t ***out, diag_t *d)
{
	return autoptr_build_with(v, records, NULL, NULL, out, d);
}

size_t
autoptr_build_with(const view_t *v, const zonefile_t *const *records, autoptr_build_fn build,
		   void *arg, zone_t ***out, diag_t *d)
{
	*out = NULL;
	if (!autoptr_wanted(v))
		return 0;
	arena_t *tmp = arena_new(0);
	ptrgrp_t *groups = NULL;
	size_t ngroups = autoptr_groups(v, records, tmp, &groups);
	size_t nout = 0;
	if (ngroups > 0) {
		*out = xcalloc(ngroups, sizeof(zone_t *));
	}
	for (size_t j = 0; j < ngroups; j++) {
		zone_t *z = autoptr_zone(&groups[j], v, build, arg, d);
		if (z != NULL)
			(*out)[nout++] = z;
	}
	autoptr_groups_free(groups, ngroups);
	arena_free(&tmp);
	if (nout == 0) {
		free(*out);
		*out = NULL;
	}
	return nout;
}

zonefile_t *
autoptr_records(const view_t *v, const zonefile_t *const *records, const uint8_t *apex)
{
	if (!autoptr_wanted(v))
		return NULL;
	arena_t *tmp = arena_new(0);
	ptrgrp_t *groups = NULL;
	zonefile_t *zf = NULL;
	size_t ngroups = autoptr_groups(v, records, tmp, &groups);
	for (size_t j = 0; j < ngroups && zf == NULL; j++)
		if (dname_equal(groups[j].apex, apex))
			zf = autoptr_zonefile(&groups[j], v);
	autoptr_groups_free(groups, ngroups);
	arena_free(&tmp);
	return zf;
}

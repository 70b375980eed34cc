/* snapshot.c -- assemble the served world: views from the zone store's
 * zones, their apex tables, caches and the CHAOS answers. Loading is the
 * zone store's (zonestore.c); this module never reads a file.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arena.h"
#include "cache.h"
#include "dname.h"
#include "log.h"

static void
view_index_zones(snapshot_t *s, view_t *v)
{
	uint32_t size = 8;
	while (size < v->nzones * 2)
		size <<= 1;
	v->ztable = arena_zalloc(s->arena, size * sizeof(*v->ztable));
	v->zmask = size - 1;
	for (size_t i = 0; i < v->nzones; i++) {
		zone_t *z = v->zones[i];
		uint32_t k = z->apex_hash & v->zmask;
		while (v->ztable[k] != NULL)
			k = (k + 1) & v->zmask;
		v->ztable[k] = z;
		v->apex_labels[z->apex_labels >> 6] |= 1ULL << (z->apex_labels & 63);
	}
}

bool
snapshot_view_keep_synthesized(snapshot_t *s, view_t *v, const view_t *prev)
{
	size_t nconf = v->conf->nzones;
	if (prev == NULL || prev->conf->nzones != nconf || v->nzones != nconf || prev->nzones < nconf)
		return false;
	for (size_t i = 0; i < nconf; i++)
		if (prev->zones[i] != v->zones[i] || prev->conf->zones[i].auto_ptr != v->conf->zones[i].auto_ptr)
			return false;
	size_t n = prev->nzones - nconf;
	if (n == 0)
		return true;
	zone_t **all = arena_zalloc(s->arena, (nconf + n) * sizeof(*all));
	memcpy(all, v->zones, nconf * sizeof(*all));
	for (size_t i = 0; i < n; i++) {
		all[nconf + i] = prev->zones[nconf + i];
		zone_ref(all[nconf + i]);
	}
	v->zones = all;
	v->nzones = nconf + n;
	return true;
}

void
snapshot_view_add_zones(snapshot_t *s, view_t *v, zone_t *const *zones, size_t n)
{
	if (n == 0)
		return;
	if (v->nzones + n > v->conf->nzones || v->zones == NULL) {
		/* past the configured zones (auto-ptr): a larger array */
		zone_t **all = arena_zalloc(s->arena, (v->nzones + n) * sizeof(*all));
		if (v->nzones > 0)
			memcpy(all, v->zones, v->nzones * sizeof(*all));
		v->zones = all;
	}
	memcpy(v->zones + v->nzones, zones, n * sizeof(*zones));
	v->nzones += n;
}

/* TXT answers in class CHAOS: owner is the question name, so no fixups. */
static void
chaos_add(snapshot_t *s, const char *name, const char *text)
{
	if (text == NULL || text[0] == '\0')
		return;   /* "" means: do not tell (REFUSED) */
	uint8_t wire[DNAME_MAXLEN];
	size_t w = 0;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		wire[w++] = (uint8_t)l;
		memcpy(wire + w, p, l);
		w += l;
		p += l + (dot ? 1 : 0);
	}
	wire[w++] = 0;
	size_t tl = strlen(text);
	if (tl > 255)
		tl = 255;
	uint8_t *ans = arena_alloc_bytes(s->arena, 12 + 1 + tl);
	uint8_t rr[12] = { 0xC0, 0x0C, 0, 16, 0, 3, 0, 0, 0, 0, 0, (uint8_t)(1 + tl) };
	memcpy(ans, rr, 12);
	ans[12] = (uint8_t)tl;
	memcpy(ans + 13, text, tl);
	chaos_answer_t *c = &s->chaos[s->nchaos++];
	c->name = arena_memdup_bytes(s->arena, wire, w);
	c->ans = (answer_t){ .wire = ans, .len = (uint16_t)(13 + tl), .len_noadd = (uint16_t)(13 + tl),
			     .ancount = 1, .aa = true };
}

static void
chaos_build(snapshot_t *s)
{
	const conf_t *c = s->conf;
	char host[256] = "";
	const char *identity = c->identity;
	if (identity == NULL) {
		if (gethostname(host, sizeof(host) - 1) != 0)
			host[0] = '\0';
		identity = host;
	}
	const char *version = c->version ? c->version : "horizond " HZ_VERSION;
	chaos_add(s, "version.bind", version);
	chaos_add(s, "version.server", version);
	chaos_add(s, "hostname.bind", identity);
	chaos_add(s, "id.server", identity);
}

static bool
same_forwarders(const conf_view_t *a, const conf_view_t *b)
{
	if (a->nforwarders != b->nforwarders)
		return false;
	for (size_t i = 0; i < a->nforwarders; i++)
		if (a->forwarders[i].len != b->forwarders[i].len ||
		    memcmp(&a->forwarders[i].ss, &b->forwarders[i].ss, a->forwarders[i].len) != 0)
			return false;
	return true;
}

/* A recursive view's cache: the previous snapshot's for the view of the same
 * name if its forwarders and cache settings are unchanged (a reload keeps
 * what was learnt), else a new one. Caches are never shared between views. */
static struct cache *
view_cache(const snapshot_t *prev, const conf_view_t *cv)
{
	for (size_t i = 0; prev != NULL && i < prev->nviews; i++) {
		const view_t *pv = &prev->views[i];
		if (pv->cache == NULL || strcmp(pv->conf->name, cv->name) != 0)
			continue;
		if (!same_forwarders(pv->conf, cv) ||
		    !cache_same_settings(pv->cache, cv->cache_size, cv->cache_min_ttl, cv->cache_max_ttl,
					 cv->cache_max_negative_ttl)) {
			log_info("view %s: forwarders or cache settings changed, new cache", cv->name);
			break;
		}
		cache_ref(pv->cache);
		return pv->cache;
	}
	return cache_new(cv->cache_size, cv->cache_min_ttl, cv->cache_max_ttl,
			 cv->cache_max_negative_ttl);
}

snapshot_t *
snapshot_new(conf_t *conf)
{
	arena_t *arena = arena_new(0);
	snapshot_t *s = arena_zalloc(arena, sizeof(*s));
	s->arena = arena;
	s->conf = conf;
	s->edns_size = (uint16_t)(conf->edns_udp_size ? conf->edns_udp_size : 1232);
	s->views = arena_zalloc(arena, (conf->nviews ? conf->nviews : 1) * sizeof(*s->views));
	for (size_t v = 0; v < conf->nviews; v++) {
		const conf_view_t *cv = &conf->views[v];
		s->views[v].conf = cv;
		s->views[v].zones = arena_zalloc(arena, (cv->nzones ? cv->nzones : 1) * sizeof(zone_t *));
	}
	s->nviews = conf->nviews;
	return s;
}

bool
snapshot_finish(snapshot_t *s, const snapshot_t *prev, const char *conf_path, diag_t *d)
{
	for (size_t v = 0; v < s->nviews; v++) {
		view_t *view = &s->views[v];
		view_index_zones(s, view);
		if (view->conf->recursion && (view->cache = view_cache(prev, view->conf)) == NULL) {
			diag_error(d, conf_path, view->conf->line, "view %s: cannot allocate its cache",
				   view->conf->name);
			return false;
		}
	}
	chaos_build(s);
	return true;
}

snapshot_t *
snapshot_replace_zone(const snapshot_t *old, const zone_t *old_zone, zone_t *new_zone)
{
	arena_t *arena = arena_new(0);
	snapshot_t *s = arena_zalloc(arena, sizeof(*s));
	*s = *old;   /* settings and the conf are shared */
	s->arena = arena;
	s->conf_handed_on = false;   /* the newest snapshot owns the conf */
	s->nchaos = 0;
	chaos_build(s);
	s->views = arena_zalloc(arena, (old->nviews ? old->nviews : 1) * sizeof(*s->views));
	for (size_t v = 0; v < old->nviews; v++) {
		const view_t *ov = &old->views[v];
		view_t *nv = &s->views[v];
		*nv = *ov;
		nv->apex_labels[0] = nv->apex_labels[1] = 0;
		if (nv->cache != NULL)
			cache_ref(nv->cache);   /* the cache goes on, shared */
		nv->zones = arena_zalloc(arena, (ov->nzones ? ov->nzones : 1) * sizeof(zone_t *));
		size_t nconf = ov->conf->nzones < ov->nzones ? ov->conf->nzones : ov->nzones;
		bool touched = false;
		for (size_t i = 0; i < nconf; i++) {
			zone_t *z = ov->zones[i];
			if (z == old_zone) {
				z = new_zone;
				touched = true;
			}
			zone_ref(z);
			nv->zones[i] = z;
		}
		nv->nzones = nconf;
		nv->ztable = NULL;   /* snapshot_index() */
		if (!touched) {
			for (size_t i = nconf; i < ov->nzones; i++) {
				zone_ref(ov->zones[i]);
				nv->zones[nv->nzones++] = ov->zones[i];
			}
		}
	}
	return s;
}

bool
snapshot_view_holds(const view_t *v, const zone_t *z)
{
	size_t nconf = v->conf->nzones < v->nzones ? v->conf->nzones : v->nzones;
	for (size_t i = 0; i < nconf; i++)
		if (v->zones[i] == z)
			return true;
	return false;
}

void
snapshot_index(snapshot_t *s)
{
	for (size_t v = 0; v < s->nviews; v++)
		view_index_zones(s, &s->views[v]);
}

void
snapshot_conf_handed_on(snapshot_t *s)
{
	s->conf_handed_on = true;
}

void
snapshot_free(snapshot_t **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	snapshot_t *s = *sp;
	*sp = NULL;
	for (size_t v = 0; v < s->nviews; v++) {
		for (size_t i = 0; i < s->views[v].nzones; i++)
			zone_unref(&s->views[v].zones[i]);
		cache_unref(&s->views[v].cache);
	}
	if (!s->conf_handed_on)
		conf_free(&s->conf);
	arena_t *a = s->arena;
	arena_free(&a);
}

const view_t *
snapshot_find_view(const snapshot_t *s, const char *name)
{
	for (size_t v = 0; s != NULL && v < s->nviews; v++)
		if (strcmp(s->views[v].conf->name, name) == 0)
			return &s->views[v];
	return NULL;
}

bool
snapshot_zone_synthesized(const view_t *v, const zone_t *z)
{
	for (size_t i = v->conf->nzones; i < v->nzones; i++)
		if (v->zones[i] == z)
			return true;
	return false;
}

const conf_t *
snapshot_conf(const snapshot_t *s)
{
	return s->conf;
}

/* Signatures within this many seconds of their expiration get a warning. */
#define SIG_WARN_SECONDS (7 * 86400)

/* A signed zone (docs/dnssec.md): its signatures expired or about to, or
 * its records rewritten by `translate: nat` under signatures made for the
 * original ones. */
static void
check_signed(const view_t *view, const conf_zone_t *zc, const zone_t *z, diag_t *d)
{
	if (!z->is_signed)
		return;
	const char *file = z->nfiles > 0 ? z->files[0].path : zc->path;
	if (zc->translate_nat)
		diag_warn(d, file, 0, "view \"%s\": zone %s is signed and translated by `translate: nat`: "
			  "the translated records keep signatures that do not match them",
			  view->conf->name, z->name);
	if (z->sig_expire_owner == NULL)
		return;
	/* RRSIG times are serial numbers (RFC 4034 3.1.5) */
	int32_t left = (int32_t)(z->sig_expire_min - (uint32_t)time(NULL));
	if (left < 0)
		diag_warn(d, file, 0, "view \"%s\": zone %s: the RRSIG of %s expired %ld days ago; "
			  "validating resolvers will reject its answers (sign it again)",
			  view->conf->name, z->name, z->sig_expire_owner, (long)(-(int64_t)left / 86400));
	else if (left < SIG_WARN_SECONDS)
		diag_warn(d, file, 0, "view \"%s\": zone %s: the RRSIG of %s expires in %ld hours "
			  "(sign it again before then)",
			  view->conf->name, z->name, z->sig_expire_owner, (long)(left / 3600));
}

void
snapshot_check(const snapshot_t *s, diag_t *d)
{
	for (size_t v = 0; v < s->nviews; v++) {
		const view_t *view = &s->views[v];
		for (size_t i = 0; i < view->conf->nzones && i < view->nzones; i++)
			check_signed(view, &view->conf->zones[i], view->zones[i], d);
		if (!conf_acl_reaches_public(view->conf->match_clients))
			continue;
		for (size_t i = 0; i < view->nzones; i++) {
			const zone_t *z = view->zones[i];
			if (z->private_count == 0)
				continue;
			diag_warn(d, z->private_file, z->private_line,
				  "view \"%s\" matches public clients but zone %s serves %u private address%s (%s)",
				  view->conf->name, z->name, z->private_count,
				  z->private_count == 1 ? "" : "es", z->private_example);
		}
	}
}

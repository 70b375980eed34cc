/* snapshot.c -- build the served world from a config file.
 *
 * snapshot_build() is the one loader: startup, --check and every reload go
 * through it, so a config that passes --check loads the same way on reload.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "snapshot.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arena.h"
#include "cache.h"
#include "dname.h"
#include "log.h"
#include "nat.h"
#include "update.h"

/* A zone from the same file for the same origin, translated the same way
 * (nat: NULL for zones served as written): already loaded for this build
 * (two views sharing a file), or lent by the previous snapshot if none of
 * its files changed. Returns a new reference, or NULL. */
static zone_t *
zone_find_loaded(const snapshot_t *s, size_t nviews, const char *origin,
		 const char *path, const nat_map_t *nat, bool check_files)
{
	if (s == NULL)
		return NULL;
	for (size_t v = 0; v < nviews; v++) {
		const view_t *view = &s->views[v];
		for (size_t i = 0; i < view->nzones && i < view->conf->nzones; i++) {
			zone_t *z = view->zones[i];
			const conf_zone_t *cz = &view->conf->zones[i];
			if (z == NULL || strcmp(cz->path, path) != 0 || !conf_name_equal(cz->name, origin))
				continue;
			/* The NAT translation is part of the key: the same file is
			 * another zone when rewritten, or rewritten by another map. */
			if (cz->translate_nat != (nat != NULL) ||
			    (nat != NULL && !nat_map_same_translation(s->conf->nat, nat)))
				continue;
			if (check_files && !zone_files_unchanged(z))
				return NULL;
			zone_ref(z);
			return z;
		}
	}
	return NULL;
}

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

/* The synthesized reverse zones of prev (the same view in the previous
 * snapshot, or NULL) if they are still what auto-ptr would build for v: they
 * depend only on the view's name and configured zones, so they are if every
 * configured zone is the very same zone_t with the same auto-ptr setting.
 * Then a reload keeps them (and logs nothing for them) instead of building
 * equal copies. Appends new references to v; returns false otherwise. */
static bool
snapshot_keep_autoptr(snapshot_t *s, view_t *v, const view_t *prev)
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

/* Append the view's synthesized reverse zones (auto-ptr) after its
 * configured zones: prev's if they are still current (see above), else
 * built again. */
static void
snapshot_add_autoptr(snapshot_t *s, view_t *v, const view_t *prev, diag_t *d)
{
	if (snapshot_keep_autoptr(s, v, prev))
		return;
	zone_t **extra = NULL;
	size_t n = update_autoptr_build(v, &extra, d);
	if (n == 0)
		return;
	zone_t **all = arena_zalloc(s->arena, (v->nzones + n) * sizeof(*all));
	memcpy(all, v->zones, v->nzones * sizeof(*all));
	memcpy(all + v->nzones, extra, n * sizeof(*all));
	free(extra);
	v->zones = all;
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
		    !cache_same_settings(pv->cache, cv->cache_size, cv->cache_min_ttl, cv->cache_max_ttl)) {
			log_info("view %s: forwarders or cache settings changed, new cache", cv->name);
			break;
		}
		cache_ref(pv->cache);
		return pv->cache;
	}
	return cache_new(cv->cache_size, cv->cache_min_ttl, cv->cache_max_ttl);
}

snapshot_t *
snapshot_build(const char *conf_path, const snapshot_t *prev, diag_t *d)
{
	unsigned errors_before = d->errors;
	conf_t *conf = conf_load(conf_path, d);
	if (conf == NULL)
		return NULL;
	arena_t *arena = arena_new(0);
	snapshot_t *s = arena_zalloc(arena, sizeof(*s));
	s->arena = arena;
	s->conf = conf;
	s->edns_size = (uint16_t)(conf->edns_udp_size ? conf->edns_udp_size : 1232);
	s->views = arena_zalloc(arena, (conf->nviews ? conf->nviews : 1) * sizeof(*s->views));
	size_t reused = 0, loaded = 0;
	for (size_t v = 0; v < conf->nviews; v++) {
		const conf_view_t *cv = &conf->views[v];
		view_t *view = &s->views[v];
		view->conf = cv;
		view->zones = arena_zalloc(arena, (cv->nzones ? cv->nzones : 1) * sizeof(zone_t *));
		for (size_t i = 0; i < cv->nzones; i++) {
			const conf_zone_t *cz = &cv->zones[i];
			if (update_zone_managed(cz)) {
				/* dynamic/auto-ptr zones: file + journal, kept by update.c */
				view->zones[i] = update_zone_load(cz, d);
				view->nzones = i + 1;
				continue;
			}
			const nat_map_t *nat = cz->translate_nat ? conf->nat : NULL;
			zone_t *z = zone_find_loaded(s, v, cz->name, cz->path, nat, false);
			if (z == NULL && (z = zone_find_loaded(prev, prev ? prev->nviews : 0, cz->name, cz->path, nat, true)) != NULL)
				reused++;
			if (z == NULL && (z = zone_load_translated(cz->name, cz->path, nat, d)) != NULL)
				loaded++;
			view->zones[i] = z;
			view->nzones = i + 1;   /* so that snapshot_free releases what we hold */
		}
		s->nviews = v + 1;
	}
	if (d->errors > errors_before) {
		snapshot_free(&s);
		return NULL;
	}
	for (size_t v = 0; v < s->nviews; v++) {
		snapshot_add_autoptr(s, &s->views[v], snapshot_find_view(prev, s->views[v].conf->name), d);
		view_index_zones(s, &s->views[v]);
		if (s->views[v].conf->recursion && (s->views[v].cache = view_cache(prev, s->views[v].conf)) == NULL) {
			diag_error(d, conf_path, s->views[v].conf->line, "view %s: cannot allocate its cache",
				   s->views[v].conf->name);
			snapshot_free(&s);
			return NULL;
		}
	}
	chaos_build(s);
	/* Parsing left freed memory all over the malloc heap: give it back. */
	malloc_trim(0);
	log_debug("snapshot: %zu views, %zu zones loaded, %zu unchanged zones kept",
		  s->nviews, loaded, reused);
	return s;
}

snapshot_t *
snapshot_replace_zone(const snapshot_t *old, const zone_t *old_zone, zone_t *new_zone, diag_t *d)
{
	arena_t *arena = arena_new(0);
	snapshot_t *s = arena_zalloc(arena, sizeof(*s));
	*s = *old;   /* settings and the conf are shared */
	s->arena = arena;
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
		if (touched) {
			snapshot_add_autoptr(s, nv, NULL, d);
		} else {
			for (size_t i = nconf; i < ov->nzones; i++) {
				zone_ref(ov->zones[i]);
				nv->zones[nv->nzones++] = ov->zones[i];
			}
		}
		view_index_zones(s, nv);
	}
	return s;
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

void
snapshot_check(const snapshot_t *s, diag_t *d)
{
	for (size_t v = 0; v < s->nviews; v++) {
		const view_t *view = &s->views[v];
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

/* update.c -- dynamic updates (RFC 2136): registry of managed zones, the
 * update semantics on a copy of the records, auto-PTR, and the update
 * thread. The design is in update.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "acl.h"
#include "arena.h"
#include "autoptr.h"
#include "dname.h"
#include "journal.h"
#include "log.h"
#include "lograte.h"
#include "publish.h"
#include "tsig.h"

#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_SOA 6
#define T_PTR 12
#define T_TXT 16
#define T_AAAA 28
#define C_IN 1
#define C_NONE 254
#define C_ANY 255
#define T_ANY 255

#define UPDATE_QUEUE_MAX 1024
/* One source address may hold this many queued updates: a flood from one
 * address cannot crowd out another's (the DHCP server's) updates. */
#define UPDATE_QUEUE_PER_SOURCE 64

/* ---------------------------------------------------------------------------
 * Registry of managed zones
 */

typedef struct dynzone {
	struct dynzone *next;
	char *origin;       /* lower case, trailing dot */
	char *path;
	char *jnl;
	zonefile_t *zf;     /* records in force: file + state + journal + updates */
	zone_t *zone;       /* built from zf; reference held */
	/* the journal and its compaction (see "Journal upkeep" below) */
	char *state;        /* compacted state in server.state-dir */
	long long jnl_end;  /* where the journal's last commit ended when read */
	bool jnl_cut;       /* the tail after jnl_end is cut: appends may go on */
	long long file_size, state_size;   /* the bound for compaction */
	long long retry_at; /* a compaction failed: try again at this journal size */
	zrr_t *tombs;       /* records of the zone file that updates removed */
	size_t ntombs, captombs;
	arena_t *tomb_arena;
} dynzone_t;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static dynzone_t *registry;

static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

void
update_writer_lock(void)
{
	pthread_mutex_lock(&writer_lock);
}

void
update_writer_unlock(void)
{
	pthread_mutex_unlock(&writer_lock);
}

static void
update_canon_name(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	if (n + 2 > size)
		n = size - 2;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	if (n == 0 || out[n - 1] != '.')
		out[n++] = '.';
	out[n] = '\0';
}

/* Under reg_lock. */
static dynzone_t *
reg_find(const conf_zone_t *cz)
{
	char origin[1100];
	update_canon_name(cz->name, origin, sizeof(origin));
	for (dynzone_t *z = registry; z != NULL; z = z->next)
		if (strcmp(z->origin, origin) == 0 && strcmp(z->path, cz->path) == 0)
			return z;
	return NULL;
}

bool
update_zone_managed(const conf_zone_t *cz)
{
	if (cz->translate_nat)
		return false;   /* served translated from the file alone (conf.c refuses updates) */
	if (cz->nallow_update > 0 || cz->auto_ptr)
		return true;
	char *j = journal_path(cz->path);
	bool exists = access(j, F_OK) == 0;
	free(j);
	return exists;
}

/* ---------------------------------------------------------------------------
 * Records: comparison, and a working copy that an update edits
 */

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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
		return rr->rdlen ? memcpy(malloc(rr->rdlen), rr->rdata, rr->rdlen) : malloc(1);
	}
	ldns_rr2canonical(l);
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(l); i++)
		n += ldns_rdf_size(ldns_rr_rdf(l, i));
	uint8_t *out = malloc(n ? n : 1);
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
	if (a->type == T_A || a->type == T_AAAA || a->type == T_TXT)
		return a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0;
	size_t la, lb;
	uint8_t *ca = rdata_canonical(a, &la), *cb = rdata_canonical(b, &lb);
	bool same = la == lb && memcmp(ca, cb, la) == 0;
	free(ca);
	free(cb);
	return same;
}

typedef struct ws {
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
	w->bucket = malloc(size * sizeof(*w->bucket));
	w->chain = malloc(w->cap * sizeof(*w->chain));
	if (w->bucket == NULL || w->chain == NULL)
		abort();
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
	w->rrs = malloc(w->cap * sizeof(*w->rrs));
	w->dead = calloc(w->cap, 1);
	if (w->rrs == NULL || w->dead == NULL)
		abort();
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
		w->ops = realloc(w->ops, w->capops * sizeof(*w->ops));
		if (w->ops == NULL)
			abort();
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
	if (w->rrs[i].type == T_SOA || ws_dynamic(w, &w->rrs[i]))
		return;
	if (w->ntombs == w->captombs) {
		w->captombs = w->captombs ? w->captombs * 2 : 16;
		w->tombs = realloc(w->tombs, w->captombs * sizeof(*w->tombs));
		if (w->tombs == NULL)
			abort();
	}
	w->tombs[w->ntombs++] = w->rrs[i];
}

static size_t
ws_add(ws_t *w, const zrr_t *rr)
{
	if (w->n == w->cap) {
		w->cap *= 2;
		w->rrs = realloc(w->rrs, w->cap * sizeof(*w->rrs));
		w->dead = realloc(w->dead, w->cap);
		if (w->rrs == NULL || w->dead == NULL)
			abort();
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
	if (rr->type == T_SOA) {
		ws_replace_soa(w, rr);
		return;
	}
	bool has_cname = ws_rrset_exists(w, rr->owner, T_CNAME);
	if (rr->type == T_CNAME) {
		for (uint32_t i = ws_first(w, rr->owner); i != WS_END; i = w->chain[i])
			if (!w->dead[i] && w->rrs[i].type != T_CNAME && dname_equal(w->rrs[i].owner, rr->owner))
				return;   /* CNAME next to other data: ignored */
	} else if (has_cname) {
		return;           /* other data next to a CNAME: ignored */
	}
	size_t at;
	if (ws_find(w, rr, &at) && w->rrs[at].ttl == rr->ttl)
		return;           /* already there */
	if (rr->type == T_CNAME) {
		/* one CNAME per name: replace */
		for (uint32_t i = ws_first(w, rr->owner); i != WS_END; i = w->chain[i])
			if (!w->dead[i] && w->rrs[i].type == T_CNAME && dname_equal(w->rrs[i].owner, rr->owner))
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
			redo = realloc(redo, capredo * sizeof(*redo));
			if (redo == NULL)
				abort();
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
	if (rr->type == T_SOA)
		return;
	if (rr->type == T_NS && ws_at_apex(w, rr->owner) && ws_count(w, rr->owner, T_NS) <= 1)
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
		if (type != T_ANY && r->type != type)
			continue;
		if (apex && (r->type == T_SOA || r->type == T_NS))
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

static void
update_copy_file_ids(zone_t *to, const zone_t *from)
{
	to->files = arena_zalloc(to->arena, (from->nfiles ? from->nfiles : 1) * sizeof(*to->files));
	to->nfiles = from->nfiles;
	for (size_t i = 0; i < from->nfiles; i++) {
		to->files[i] = from->files[i];
		to->files[i].path = arena_strdup(to->arena, from->files[i].path);
	}
}

/* ---------------------------------------------------------------------------
 * Loading: file + compacted state + journal
 */

static bool
update_replay_op(void *arg, char op, const zrr_t *rr, diag_t *d)
{
	ws_t *w = arg;
	if (rr->rclass != C_IN) {
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

/* Journal files are written only while the update service runs (not by
 * --check, nor before the server is up): see update_start(). */
static bool update_writable;

/* Compaction: the journal is folded into the state once it is larger than
 * the zone file and the state together (so rewriting the state costs at
 * most as much as the journal did), and at least this large. */
#define UPDATE_COMPACT_MIN (64 * 1024)
static long long compact_min = UPDATE_COMPACT_MIN;
static int compact_stop_after;

void
update_set_compaction(long long min_bytes, int stop_after)
{
	compact_min = min_bytes > 0 ? min_bytes : UPDATE_COMPACT_MIN;
	compact_stop_after = stop_after;
}

/* "<state-dir>/<zone>.<hash of the zone file's real path>.state", malloc'ed:
 * one per zone name and file, as the registry. */
static char *
update_state_path(const conf_zone_t *cz, const char *origin)
{
	if (cz->state_dir == NULL)
		return NULL;
	char *real = realpath(cz->path, NULL);
	const char *p = real ? real : cz->path;
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	free(real);
	char name[300];
	size_t n = 0;
	for (const char *c = origin; *c && n < 250; c++)
		name[n++] = (char)((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
				   *c == '.' || *c == '_' ? *c : '_');
	while (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0) {
		memcpy(name, "root", 4);
		n = 4;
	}
	name[n] = '\0';
	size_t len = strlen(cz->state_dir) + n + 32;
	char *out = malloc(len);
	if (out == NULL)
		abort();
	snprintf(out, len, "%s/%s.%08x.state", cz->state_dir, name, h);
	return out;
}

/* Keep the records of the zone's files that w removed (deep copies). */
static void
update_tombs_take(dynzone_t *dz, const ws_t *w)
{
	if (dz->tomb_arena == NULL)
		dz->tomb_arena = arena_new(0);
	for (size_t i = 0; i < w->ntombs; i++) {
		if (dz->ntombs == dz->captombs) {
			dz->captombs = dz->captombs ? dz->captombs * 2 : 16;
			dz->tombs = realloc(dz->tombs, dz->captombs * sizeof(*dz->tombs));
			if (dz->tombs == NULL)
				abort();
		}
		zrr_t *t = &dz->tombs[dz->ntombs++];
		*t = w->tombs[i];
		t->owner = arena_memdup_bytes(dz->tomb_arena, t->owner, t->owner_len);
		t->rdata = arena_memdup_bytes(dz->tomb_arena, t->rdata, t->rdlen ? t->rdlen : 1);
		t->file = NULL;
	}
}

static void
update_tombs_free(dynzone_t *dz)
{
	free(dz->tombs);
	dz->tombs = NULL;
	dz->ntombs = dz->captombs = 0;
	arena_free(&dz->tomb_arena);
}

/* Cut what a crash left after the last commit, once, before the first
 * append. Caller holds the writer lock. */
static int
update_journal_cut(dynzone_t *dz)
{
	if (dz->jnl_cut)
		return 0;
	if (journal_cut(dz->jnl, dz->jnl_end) != 0)
		return -1;
	dz->jnl_cut = true;
	return 0;
}

zone_t *
update_zone_load(const conf_zone_t *cz, diag_t *d)
{
	pthread_mutex_lock(&reg_lock);
	dynzone_t *dz = reg_find(cz);
	if (dz != NULL && zone_files_unchanged(dz->zone)) {
		zone_ref(dz->zone);
		pthread_mutex_unlock(&reg_lock);
		return dz->zone;
	}
	pthread_mutex_unlock(&reg_lock);

	struct stat st;
	if (stat(cz->path, &st) != 0) {
		diag_error(d, cz->path, 0, "cannot read zone file: %s", strerror(errno));
		return NULL;
	}
	zonefile_t *zf = zonefile_read(cz->name, cz->path, d);
	if (zf == NULL)
		return NULL;
	char *jnl = journal_path(cz->path);
	char *state = update_state_path(cz, zf->origin_text);
	ws_t w;
	ws_init(&w, zf, jnl);
	/* the file, then the compacted state, then the journal's part that the
	 * state does not hold already */
	journal_info_t si = { .covers_end = -1 }, ji = { 0 };
	long ns = state ? journal_read(state, zf->origin_text, NULL, -1, update_replay_op, &w, d,
				       &si) : 0;
	long n = ns < 0 ? -1 : journal_read(jnl, zf->origin_text, si.covers_end >= 0 ?
					    si.covers_id : NULL, si.covers_end, update_replay_op,
					    &w, d, &ji);
	if (n < 0) {
		ws_free(&w);
		zonefile_free(&zf);
		free(jnl);
		free(state);
		return NULL;
	}
	zonefile_t *nzf = ws_finish(&w);
	zone_t *z = zone_build(nzf, d);
	if (z == NULL) {
		ws_free(&w);
		zonefile_free(&nzf);
		zonefile_free(&zf);
		free(jnl);
		free(state);
		return NULL;
	}
	/* records added by updates (and kept in the state) name the journal:
	 * not a source file */
	zone_track_files(z, nzf, cz->path, &st, jnl);
	if (ns > 0 || n > 0)
		log_info("zone %s: %s%s%ld journal transaction%s replayed from %s (serial %u)",
			 nzf->origin_text, ns > 0 ? "compacted state " : "", ns > 0 ? state : "",
			 n, n == 1 ? "" : "s", jnl, z->serial);

	pthread_mutex_lock(&reg_lock);
	dz = reg_find(cz);
	if (dz == NULL) {
		dz = calloc(1, sizeof(*dz));
		if (dz == NULL)
			abort();
		char origin[1100];
		update_canon_name(cz->name, origin, sizeof(origin));
		dz->origin = strdup(origin);
		dz->path = strdup(cz->path);
		dz->next = registry;
		registry = dz;
	} else {
		free(dz->jnl);
		free(dz->state);
		zonefile_free(&dz->zf);
		zone_unref(&dz->zone);
		update_tombs_free(dz);
	}
	dz->jnl = jnl;
	dz->state = state;
	dz->jnl_end = ji.end;
	dz->jnl_cut = false;
	dz->file_size = (long long)st.st_size;
	dz->state_size = si.size;
	dz->retry_at = 0;
	update_tombs_take(dz, &w);
	ws_free(&w);
	zonefile_free(&zf);
	dz->zf = nzf;
	dz->zone = z;
	zone_ref(z);
	/* a reload (the loader holds the writer lock): cut a torn tail now */
	if (update_writable)
		(void)update_journal_cut(dz);
	pthread_mutex_unlock(&reg_lock);
	return z;
}

const zonefile_t *
update_zone_records(const conf_zone_t *cz)
{
	pthread_mutex_lock(&reg_lock);
	dynzone_t *dz = reg_find(cz);
	const zonefile_t *zf = dz != NULL ? dz->zf : NULL;
	pthread_mutex_unlock(&reg_lock);
	return zf;
}

/* ---------------------------------------------------------------------------
 * Journal upkeep: appends, and compaction into server.state-dir
 */

/* Append one update's change. Caller holds the writer lock. */
static int
update_journal_append(dynzone_t *dz, uint32_t serial, const char *comment, const ws_t *w)
{
	if (update_journal_cut(dz) != 0)
		return -1;
	return journal_append(dz->jnl, serial, comment, w->ops, w->nops);
}

/* Write the zone's difference from its file into the state, and start a
 * new journal: the removed file records, then every record an update
 * added. Under reg_lock and the writer lock. */
static int
update_compact(dynzone_t *dz, long long jsize)
{
	const zonefile_t *zf = dz->zf;
	size_t n = dz->ntombs;
	for (size_t i = 0; i < zf->count; i++)
		n += strcmp(zf->rrs[i].file, dz->jnl) == 0;
	journal_op_t *ops = malloc((n ? n : 1) * sizeof(*ops));
	if (ops == NULL)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < dz->ntombs; i++)
		ops[k++] = (journal_op_t){ .op = '-', .rr = dz->tombs[i] };
	for (size_t i = 0; i < zf->count; i++)
		if (strcmp(zf->rrs[i].file, dz->jnl) == 0)
			ops[k++] = (journal_op_t){ .op = '+', .rr = zf->rrs[i] };
	uint32_t serial = soa_serial(zf->soa);
	int rc = journal_compact(dz->jnl, dz->state, serial, ops, k, compact_stop_after);
	free(ops);
	if (rc != 0 || compact_stop_after != 0)
		return rc;
	struct stat st;
	dz->state_size = stat(dz->state, &st) == 0 ? (long long)st.st_size : 0;
	log_notice("zone %s: journal %s (%lld bytes) compacted into %s (%zu removed, %zu added "
		   "records, serial %u)", dz->origin, dz->jnl, jsize, dz->state, dz->ntombs,
		   k - dz->ntombs, serial);
	return 0;
}

void
update_journal_maintain(void)
{
	pthread_mutex_lock(&reg_lock);
	for (dynzone_t *dz = registry; dz != NULL; dz = dz->next) {
		if (update_journal_cut(dz) != 0 || dz->state == NULL)
			continue;
		struct stat st;
		if (stat(dz->jnl, &st) != 0)
			continue;
		long long size = (long long)st.st_size;
		long long bound = dz->file_size + dz->state_size;
		if (size <= bound || size <= compact_min || size < dz->retry_at)
			continue;
		if (update_compact(dz, size) != 0) {
			/* nothing is lost: the journal goes on; try again when it doubled */
			log_error("zone %s: journal %s not compacted; trying again when it is twice "
				  "as large", dz->origin, dz->jnl);
			dz->retry_at = 2 * size;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}

void
update_shutdown(void)
{
	pthread_mutex_lock(&reg_lock);
	while (registry != NULL) {
		dynzone_t *dz = registry;
		registry = dz->next;
		zonefile_free(&dz->zf);
		zone_unref(&dz->zone);
		update_tombs_free(dz);
		free(dz->origin);
		free(dz->path);
		free(dz->jnl);
		free(dz->state);
		free(dz);
	}
	update_writable = false;
	pthread_mutex_unlock(&reg_lock);
}

/* ---------------------------------------------------------------------------
 * auto-ptr (autoptr.c) over the registry's records
 */

/* The records of v's configured zones, for autoptr.c: the registry's for
 * its auto-ptr zones, NULL for the others. Under reg_lock; malloc'ed. */
static const zonefile_t **
update_autoptr_sources(const view_t *v)
{
	size_t nconf = v->conf->nzones < v->nzones ? v->conf->nzones : v->nzones;
	const zonefile_t **rec = calloc(nconf ? nconf : 1, sizeof(*rec));
	if (rec == NULL)
		abort();
	for (size_t i = 0; i < nconf; i++) {
		const conf_zone_t *cz = &v->conf->zones[i];
		dynzone_t *dz = cz->auto_ptr && v->zones[i] != NULL ? reg_find(cz) : NULL;
		rec[i] = dz != NULL ? dz->zf : NULL;
	}
	return rec;
}

size_t
update_autoptr_build(const view_t *v, zone_t ***out, diag_t *d)
{
	pthread_mutex_lock(&reg_lock);
	const zonefile_t **rec = update_autoptr_sources(v);
	size_t n = autoptr_build(v, rec, out, d);
	pthread_mutex_unlock(&reg_lock);
	free(rec);
	return n;
}

zonefile_t *
update_autoptr_records(const view_t *v, const uint8_t *apex)
{
	pthread_mutex_lock(&reg_lock);
	const zonefile_t **rec = update_autoptr_sources(v);
	zonefile_t *zf = autoptr_records(v, rec, apex);
	pthread_mutex_unlock(&reg_lock);
	free(rec);
	return zf;
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
		if (r->rclass == C_ANY) {
			if (r->rdlen != 0)
				return UPDATE_FORMERR;
			if (r->type == T_ANY) {
				if (!ws_name_in_use(w, r->owner))
					return UPDATE_NXDOMAIN;
			} else if (!ws_rrset_exists(w, r->owner, r->type)) {
				return UPDATE_NXRRSET;
			}
		} else if (r->rclass == C_NONE) {
			if (r->rdlen != 0)
				return UPDATE_FORMERR;
			if (r->type == T_ANY) {
				if (ws_name_in_use(w, r->owner))
					return UPDATE_YXDOMAIN;
			} else if (ws_rrset_exists(w, r->owner, r->type)) {
				return UPDATE_YXRRSET;
			}
		} else if (r->rclass != C_IN || update_meta_type(r->type)) {
			return UPDATE_FORMERR;
		}
	}
	/* value-dependent: each (name, type) of class IN records must be
	 * exactly the zone's RRset (TTL ignored) */
	for (size_t i = 0; i < n; i++) {
		const zrr_t *r = &pre[i];
		if (r->rclass != C_IN)
			continue;
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = !(pre[k].rclass == C_IN && pre[k].type == r->type &&
				  dname_equal(pre[k].owner, r->owner));
		if (!first)
			continue;
		size_t distinct = 0;
		for (size_t k = i; k < n; k++) {
			const zrr_t *p = &pre[k];
			if (p->rclass != C_IN || p->type != r->type || !dname_equal(p->owner, r->owner))
				continue;
			bool seen = false;
			for (size_t m = i; m < k && !seen; m++)
				seen = pre[m].rclass == C_IN && rr_same(&pre[m], p);
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
		if (r->rclass == C_IN) {
			if (update_meta_type(r->type))
				return UPDATE_FORMERR;
		} else if (r->rclass == C_ANY) {
			if (r->ttl != 0 || r->rdlen != 0 || (r->type != T_ANY && update_meta_type(r->type)))
				return UPDATE_FORMERR;
		} else if (r->rclass == C_NONE) {
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
		if (r->rclass == C_IN)
			ws_add_rr(w, r);
		else if (r->rclass == C_ANY)
			ws_delete_rrset(w, r->owner, r->type);
		else
			ws_delete_rr(w, &(zrr_t){ .owner = r->owner, .owner_len = r->owner_len,
						 .type = r->type, .rclass = C_IN, .rdlen = r->rdlen,
						 .rdata = r->rdata });
	}
}

size_t
update_handle(const snapshot_t *snap, const uint8_t *pkt, size_t len, const query_src_t *from,
	      uint8_t *out, size_t outmax, snapshot_t **next)
{
	*next = NULL;
	if (!update_is_update(pkt, len))
		return 0;
	char client[INET6_ADDRSTRLEN + 16];
	lograte_client_text(from->src, client, sizeof(client));
	ldns_pkt *req = NULL;
	if (ldns_wire2pkt(&req, pkt, len) != LDNS_STATUS_OK) {
		log_notice("update from %s: malformed message: FORMERR", client);
		return update_reply(NULL, pkt, UPDATE_FORMERR, NULL, TSIG_UNSIGNED, out, outmax);
	}
	const conf_key_t *key = NULL;
	tsig_result_t tr = tsig_verify(req, pkt, len, snap->conf, &key, time(NULL));
	int rcode = UPDATE_NOERROR;
	const char *why = NULL;
	char zname[1024] = "?";
	const view_t *v = NULL;
	const conf_zone_t *cz = NULL;
	zone_t *vz = NULL;
	arena_t *tmp = arena_new(0);
	ws_t w;
	bool have_ws = false;
	uint32_t serial = 0;

	const ldns_rr_list *zl = ldns_pkt_question(req);
	const ldns_rr *zrr = zl && ldns_rr_list_rr_count(zl) == 1 ? ldns_rr_list_rr(zl, 0) : NULL;
	if (zrr != NULL) {
		char *s = ldns_rdf2str(ldns_rr_owner(zrr));
		if (s != NULL)
			snprintf(zname, sizeof(zname), "%s", s);
		free(s);
	}
	v = query_view_select(snap, from);   /* named in the log, also for TSIG failures */
	if (tr == TSIG_BADSIG || tr == TSIG_BADKEY || tr == TSIG_BADTIME) {
		rcode = UPDATE_NOTAUTH;
		why = tsig_result_str(tr);
		goto reply;
	}
	if (zrr == NULL || ldns_pkt_qdcount(req) != 1 || ldns_rr_get_type(zrr) != LDNS_RR_TYPE_SOA ||
	    ldns_rr_get_class(zrr) != LDNS_RR_CLASS_IN) {
		rcode = UPDATE_FORMERR;
		why = "zone section is not one SOA question of class IN";
		goto reply;
	}
	if (v == NULL) {
		rcode = UPDATE_REFUSED;
		why = "no view for this client";
		goto reply;
	}
	const ldns_rdf *zown = ldns_rr_owner(zrr);
	for (size_t i = 0; i < v->conf->nzones && i < v->nzones && vz == NULL; i++) {
		if (v->zones[i] != NULL && ldns_rdf_size(zown) == v->zones[i]->apex_len &&
		    dname_equal(ldns_rdf_data(zown), v->zones[i]->apex)) {
			vz = v->zones[i];
			cz = &v->conf->zones[i];
		}
	}
	if (vz == NULL) {
		rcode = UPDATE_NOTAUTH;
		why = "not a zone of this view";
		goto reply;
	}
	if (!update_allowed(cz, tr == TSIG_OK ? key : NULL, from->src)) {
		rcode = UPDATE_REFUSED;
		why = tr == TSIG_OK ? "key not allowed for this zone" : cz->nallow_update
			? "not allowed (unsigned, or address not allowed)" : "zone does not allow updates";
		goto reply;
	}
	pthread_mutex_lock(&reg_lock);
	dynzone_t *dz = reg_find(cz);
	pthread_mutex_unlock(&reg_lock);
	if (dz == NULL) {
		rcode = UPDATE_SERVFAIL;
		why = "zone is not loaded for updates";
		goto reply;
	}
	size_t npre, nup;
	zrr_t *pre = update_section(ldns_pkt_answer(req), tmp, &npre);
	zrr_t *up = update_section(ldns_pkt_authority(req), tmp, &nup);
	if (pre == NULL || up == NULL) {
		rcode = UPDATE_FORMERR;
		why = "record too large";
		goto reply;
	}
	ws_init(&w, dz->zf, dz->jnl);
	have_ws = true;
	if ((rcode = update_prereqs(&w, pre, npre)) != UPDATE_NOERROR) {
		why = "prerequisite not met";
		goto reply;
	}
	if ((rcode = update_prescan(&w, up, nup)) != UPDATE_NOERROR) {
		why = "bad update section";
		goto reply;
	}
	update_apply(&w, up, nup);
	if (w.nops == 0) {
		why = "no change";
		serial = soa_serial(&w.rrs[w.soa]);
		goto reply;
	}
	ws_bump_serial(&w);
	serial = soa_serial(&w.rrs[w.soa]);
	zonefile_t *nzf = ws_finish(&w);
	diag_t diag = { 0 };
	zone_t *nz = zone_build(nzf, &diag);
	if (nz == NULL) {
		zonefile_free(&nzf);
		rcode = UPDATE_SERVFAIL;
		why = "the zone could not be built with this change";
		goto reply;
	}
	update_copy_file_ids(nz, dz->zone);
	char comment[300];
	snprintf(comment, sizeof(comment), "key=%s client=%s", tr == TSIG_OK ? key->name : "-",
		 client);
	if (update_journal_append(dz, serial, comment, &w) != 0) {
		zone_unref(&nz);
		zonefile_free(&nzf);
		rcode = UPDATE_SERVFAIL;
		why = "journal write failed";
		goto reply;
	}
	size_t nchanges = w.nops;
	update_tombs_take(dz, &w);   /* before dz->zf, which they point into, goes */
	ws_free(&w);
	have_ws = false;
	pthread_mutex_lock(&reg_lock);
	zonefile_free(&dz->zf);
	zone_unref(&dz->zone);
	dz->zf = nzf;
	dz->zone = nz;
	pthread_mutex_unlock(&reg_lock);
	*next = snapshot_replace_zone(snap, vz, nz, &diag);
	char nbuf[64];
	snprintf(nbuf, sizeof(nbuf), "%zu record change%s, serial %u", nchanges,
		 nchanges == 1 ? "" : "s", serial);
	log_notice("update from %s view %s zone %s key %s: NOERROR (%s)", client, v->conf->name,
		   zname, tr == TSIG_OK ? key->name : "-", nbuf);
	why = NULL;
	goto done;

reply:
	if (rcode == UPDATE_NOERROR)
		log_notice("update from %s view %s zone %s key %s: NOERROR (%s, serial %u)", client,
			   v ? v->conf->name : "-", zname, tr == TSIG_OK ? key->name : "-", why, serial);
	else
		lograte_warning(&lograte_refused, from->src, "update from %s view %s zone %s key %s: %s: %s",
				client, v ? v->conf->name : "-", zname, key ? key->name : "-",
				update_rcode_str(rcode), why ? why : "");
done:
	if (have_ws)
		ws_free(&w);
	size_t n = update_reply(req, pkt, rcode, key, tr, out, outmax);
	ldns_pkt_free(req);
	arena_free(&tmp);
	return n;
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
	if (zlen == 0)
		return 0;   /* malformed: the update thread says FORMERR */
	uint8_t zone[DNAME_MAXLEN];
	memcpy(zone, pkt + 12, zlen - 4);
	const uint8_t *tc = pkt + 12 + zlen - 4;
	const view_t *v = query_view_select(snap, from);
	int rcode = UPDATE_REFUSED;
	const char *why = "no view for this client";
	if ((tc[0] << 8 | tc[1]) != T_SOA || (tc[2] << 8 | tc[3]) != C_IN) {
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

/* ---------------------------------------------------------------------------
 * The update thread
 */

typedef struct ujob {
	struct ujob *next;
	uint8_t *pkt;
	size_t len;
	struct sockaddr_storage src, dst;
	bool have_dst, tcp;
	update_reply_fn reply;
	void *arg;
} ujob_t;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	ujob_t *head, *tail;
	size_t n;
	bool running, quit;
	pthread_t thread;
} uq = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static size_t
update_sockaddr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Updates queued from src's address (any port). Under uq.lock; a walk of
 * at most UPDATE_QUEUE_MAX jobs, once per submitted update. */
static size_t
update_queued_from(const struct sockaddr *src)
{
	size_t n = 0;
	for (const ujob_t *j = uq.head; j != NULL; j = j->next) {
		const struct sockaddr *q = (const struct sockaddr *)&j->src;
		if (q->sa_family != src->sa_family)
			continue;
		if (src->sa_family == AF_INET6
			    ? memcmp(&((const struct sockaddr_in6 *)q)->sin6_addr,
				     &((const struct sockaddr_in6 *)src)->sin6_addr, 16) == 0
			    : ((const struct sockaddr_in *)q)->sin_addr.s_addr ==
				      ((const struct sockaddr_in *)src)->sin_addr.s_addr)
			n++;
	}
	return n;
}

bool
update_submit(const uint8_t *pkt, size_t len, const query_src_t *from, update_reply_fn reply,
	      void *arg)
{
	ujob_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return false;
	j->pkt = malloc(len);
	if (j->pkt == NULL) {
		free(j);
		return false;
	}
	memcpy(j->pkt, pkt, len);
	j->len = len;
	memcpy(&j->src, from->src, update_sockaddr_len(from->src));
	if (from->dst != NULL) {
		memcpy(&j->dst, from->dst, update_sockaddr_len(from->dst));
		j->have_dst = true;
	}
	j->tcp = from->tcp;
	j->reply = reply;
	j->arg = arg;
	pthread_mutex_lock(&uq.lock);
	if (!uq.running || uq.quit || uq.n >= UPDATE_QUEUE_MAX ||
	    update_queued_from(from->src) >= UPDATE_QUEUE_PER_SOURCE) {
		pthread_mutex_unlock(&uq.lock);
		free(j->pkt);
		free(j);
		return false;
	}
	if (uq.tail != NULL)
		uq.tail->next = j;
	else
		uq.head = j;
	uq.tail = j;
	uq.n++;
	pthread_cond_signal(&uq.cond);
	pthread_mutex_unlock(&uq.lock);
	return true;
}

static void
update_run_job(ujob_t *j)
{
	query_src_t from = {
		.src = (const struct sockaddr *)&j->src,
		.dst = j->have_dst ? (const struct sockaddr *)&j->dst : NULL,
		.tcp = j->tcp,
	};
	uint8_t out[4096];
	snapshot_t *next = NULL;
	update_writer_lock();
	snapshot_t *cur = publish_current();
	size_t n = cur ? update_handle(cur, j->pkt, j->len, &from, out, sizeof(out), &next) : 0;
	if (next != NULL) {
		/* workers see the new zone from their next batch on; the old
		 * snapshot's conf now belongs to the new one */
		snapshot_t *old = publish_swap(next);
		old->conf = NULL;
		snapshot_free(&old);
	}
	update_writer_unlock();
	j->reply(j->arg, n ? out : NULL, n);
	if (next != NULL) {
		/* after the reply: the client does not wait for a compaction */
		update_writer_lock();
		update_journal_maintain();
		update_writer_unlock();
	}
}

static void *
update_main(void *unused)
{
	pthread_mutex_lock(&uq.lock);
	for (;;) {
		while (uq.head == NULL && !uq.quit)
			pthread_cond_wait(&uq.cond, &uq.lock);
		if (uq.quit)
			break;
		ujob_t *j = uq.head;
		uq.head = j->next;
		if (uq.head == NULL)
			uq.tail = NULL;
		uq.n--;
		pthread_mutex_unlock(&uq.lock);
		update_run_job(j);
		free(j->pkt);
		free(j);
		pthread_mutex_lock(&uq.lock);
	}
	pthread_mutex_unlock(&uq.lock);
	return NULL;
}

int
update_start(void)
{
	/* from now on journals may be written: cut torn tails before the
	 * first append, and compact what grew too large */
	update_writer_lock();
	pthread_mutex_lock(&reg_lock);
	update_writable = true;
	pthread_mutex_unlock(&reg_lock);
	update_journal_maintain();
	update_writer_unlock();
	pthread_mutex_lock(&uq.lock);
	uq.quit = false;
	int rc = pthread_create(&uq.thread, NULL, update_main, NULL);
	uq.running = rc == 0;
	pthread_mutex_unlock(&uq.lock);
	if (rc != 0) {
		log_error("update: cannot start the update thread");
		return -1;
	}
	return 0;
}

void
update_stop(void)
{
	pthread_mutex_lock(&uq.lock);
	if (!uq.running) {
		pthread_mutex_unlock(&uq.lock);
		return;
	}
	uq.quit = true;
	pthread_cond_signal(&uq.cond);
	pthread_mutex_unlock(&uq.lock);
	pthread_join(uq.thread, NULL);
	pthread_mutex_lock(&uq.lock);
	uq.running = false;
	ujob_t *j = uq.head;
	uq.head = uq.tail = NULL;
	uq.n = 0;
	pthread_mutex_unlock(&uq.lock);
	while (j != NULL) {
		ujob_t *nx = j->next;
		j->reply(j->arg, NULL, 0);
		free(j->pkt);
		free(j);
		j = nx;
	}
}

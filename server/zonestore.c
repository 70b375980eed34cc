/* zonestore.c -- the zone store: the registry of managed zones (file +
 * compacted state + journal), static and NAT-translated zones shared
 * between views and reloads, auto-ptr over the registry's records, journal
 * upkeep, the writer lock and the one publish call. The design is in
 * zonestore.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "zonestore.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "autoptr.h"
#include "background.h"
#include "dname.h"
#include "dnssec_sign.h"
#include "durable.h"
#include "journal.h"
#include "log.h"
#include "nat.h"
#include "notify.h"
#include "publish.h"
#include "update.h"
#include "xfr_in.h"

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
	conf_zone_t signed_as; /* the dnssec-* settings zone was built with (state_dir: ours) */
	dnssec_sign_cache_t *sigcache; /* signed online: the last signing's RRSIGs */
	zrr_t *tombs;       /* records of the zone file that updates removed */
	size_t ntombs, captombs;
	arena_t *tomb_arena;
} dynzone_t;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static dynzone_t *registry;

static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

void
zonestore_lock(void)
{
	pthread_mutex_lock(&writer_lock);
}

void
zonestore_unlock(void)
{
	pthread_mutex_unlock(&writer_lock);
}

static void
zonestore_canon_name(const char *name, char *out, size_t size)
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
	zonestore_canon_name(cz->name, origin, sizeof(origin));
	for (dynzone_t *z = registry; z != NULL; z = z->next)
		if (strcmp(z->origin, origin) == 0 && strcmp(z->path, cz->path) == 0)
			return z;
	return NULL;
}

bool
zonestore_zone_managed(const conf_zone_t *cz)
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

/* An updated zone keeps the file ids of the zone it replaces: a reload
 * compares them to tell whether its files changed since. */
static void
zonestore_copy_file_ids(zone_t *to, const zone_t *from)
{
	to->files = arena_zalloc(to->arena, (from->nfiles ? from->nfiles : 1) * sizeof(*to->files));
	to->nfiles = from->nfiles;
	for (size_t i = 0; i < from->nfiles; i++) {
		to->files[i] = from->files[i];
		to->files[i].path = arena_strdup(to->arena, from->files[i].path);
	}
}

/* ---------------------------------------------------------------------------
 * Online signing (dnssec_sign.h)
 */

static long long sign_clock_offset;   /* tests: seconds added to the clock */

void
zonestore_set_sign_clock(long long offset)
{
	sign_clock_offset = offset;
}

static time_t
zonestore_sign_now(void)
{
	return time(NULL) + (time_t)sign_clock_offset;
}

bool
zonestore_sign_due(const zone_t *z)
{
	return z != NULL && z->dnssec_refresh != 0 &&
	       (long long)zonestore_sign_now() >= z->dnssec_refresh;
}

/* The SOA serial a zone signed online is served with (dnssec-serial) rises
 * with every signing -- new signatures are new content that secondaries
 * must transfer -- and never goes back, not even across a restart: the last
 * one served is kept in "<state-dir>/<zone>.<hash of the file's path>.serial"
 * (one per zone name and file, as the journal's state; a NAT-translated and
 * a plain copy of one file share it, which keeps both rising). --check and
 * --dump-view only read it. */
static bool serials_readonly;

void
zonestore_set_serials_readonly(bool readonly)
{
	serials_readonly = readonly;
}

static char *zonestore_state_path(const conf_zone_t *cz, const char *origin);

/* malloc'ed; NULL without a state-dir. */
static char *
zonestore_serial_path(const conf_zone_t *cz, const char *origin)
{
	char *state = zonestore_state_path(cz, origin);   /* "....state" */
	if (state == NULL)
		return NULL;
	size_t n = strlen(state) - strlen("state");
	char *p = xrealloc(state, n + sizeof("serial"));
	memcpy(p + n, "serial", sizeof("serial"));
	return p;
}

static bool
zonestore_serial_read(const char *path, uint32_t *out)
{
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	if (f == NULL)
		return false;
	unsigned long v = 0;
	bool ok = fscanf(f, "%lu", &v) == 1 && v <= UINT32_MAX;
	fclose(f);
	if (ok)
		*out = (uint32_t)v;
	else
		log_warning("%s: not a serial, ignored (the zone file's serial is served)", path);
	return ok;
}

/* Keep serial as the last one served, before it is served. */
static void
zonestore_serial_write(const char *path, const char *zone, uint32_t serial)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%" PRIu32 "\n", serial);
	if (path == NULL || durable_replace(path, buf, (size_t)n, 0600) != 0)
		log_error("zone %s: cannot keep the served serial %" PRIu32 " in %s: %s; after a "
			  "restart it may be served again with other signatures", zone, serial,
			  path ? path : "(no state-dir)", strerror(errno));
}

/* The signed set szf points into zf (dnssec_sign_zonefile): copy what it
 * borrows into szf's own arena, so that it lives as long as the zone built
 * from it, whatever becomes of zf (a managed zone's records are replaced by
 * the next update while older snapshots still serve the old zone). */
static void
zonestore_own_signed(zonefile_t *szf, const zonefile_t *zf)
{
	arena_t *a = szf->arena;
	szf->origin = arena_memdup_bytes(a, zf->origin, zf->origin_len);
	szf->origin_text = arena_strdup(a, zf->origin_text);
	szf->path = zf->path != NULL ? arena_strdup(a, zf->path) : NULL;
	const char *file = NULL, *file_copy = NULL;   /* runs of records share their file */
	for (size_t i = 0; i < zf->count; i++) {
		zrr_t *r = &szf->rrs[i];
		r->owner = arena_memdup_bytes(a, r->owner, r->owner_len);
		r->rdata = arena_memdup_bytes(a, r->rdata, r->rdlen ? r->rdlen : 1);
		if (r->file != NULL && r->file != file) {
			file = r->file;
			file_copy = arena_strdup(a, file);
		}
		r->file = r->file != NULL ? file_copy : NULL;
	}
}

/* The one signing hook: zf holds the zone's final records (file, NAT
 * translation, journal, updates); with dnssec-signing they are signed and
 * the signed set is compiled, as a zone signed offline would be. The zone
 * keeps the signed set (zone_t.signed_records): transfers and --dump-view
 * hand out exactly the signatures queries are answered with. */
static zone_t *
zonestore_zone_build(const conf_zone_t *cz, const zonefile_t *zf, dnssec_sign_cache_t **cache,
		     diag_t *d)
{
	if (!cz->dnssec_signing)
		return zone_build(zf, d);
	time_t refresh = 0, now = zonestore_sign_now();
	char *spath = zonestore_serial_path(cz, zf->origin_text);
	uint32_t last = 0;
	bool have = zonestore_serial_read(spath, &last);
	uint32_t serial = dnssec_sign_serial(cz->dnssec_serial, have ? &last : NULL,
					     dnssec_sign_source_serial(zf), now);
	zonefile_t *szf = dnssec_sign_zonefile(cz, zf, now, serial, &refresh, cache, d);
	zone_t *z = szf != NULL ? zone_build(szf, d) : NULL;
	if (z == NULL) {
		zonefile_free(&szf);
		free(spath);
		return NULL;
	}
	if (!serials_readonly && (!have || serial != last))
		zonestore_serial_write(spath, zf->origin_text, serial);
	free(spath);
	zonestore_own_signed(szf, zf);
	z->signed_records = szf;
	z->dnssec_refresh = (long long)refresh;
	return z;
}

/* A zone served from its file (NAT translation applied), signed: as
 * zone_load_translated, with the signing hook between reading and
 * compiling. */
static zone_t *
zonestore_load_signed(const conf_zone_t *cz, const nat_map_t *nat, diag_t *d)
{
	struct stat st;
	if (stat(cz->path, &st) != 0) {
		diag_error(d, cz->path, 0, "cannot read zone file: %s", strerror(errno));
		return NULL;
	}
	zonefile_t *zf = nat_zonefile_read(cz->name, cz->path, nat, d);
	if (zf == NULL)
		return NULL;
	zone_t *z = zonestore_zone_build(cz, zf, NULL, d);
	if (z != NULL)
		zone_track_files(z, zf, cz->path, &st, NULL);
	zonefile_free(&zf);
	return z;
}

/* ---------------------------------------------------------------------------
 * Loading: file + compacted state + journal
 */

/* Journal files are written only while the control thread runs (not by
 * --check, nor before the server is up): see zonestore_journal_open(). */
static bool journal_writable;

/* Compaction: the journal is folded into the state once it is larger than
 * the zone file and the state together (so rewriting the state costs at
 * most as much as the journal did), and at least this large. */
#define ZONESTORE_COMPACT_MIN (64 * 1024)
static long long compact_min = ZONESTORE_COMPACT_MIN;
static int compact_stop_after;

void
zonestore_set_compaction(long long min_bytes, int stop_after)
{
	compact_min = min_bytes > 0 ? min_bytes : ZONESTORE_COMPACT_MIN;
	compact_stop_after = stop_after;
}

/* "<state-dir>/<zone>.<hash of the zone file's real path>.state", malloc'ed:
 * one per zone name and file, as the registry. */
static char *
zonestore_state_path(const conf_zone_t *cz, const char *origin)
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
	char *out = xmalloc(len);
	snprintf(out, len, "%s/%s.%08x.state", cz->state_dir, name, h);
	return out;
}

/* Keep the records of the zone's files that w removed (deep copies). */
static void
zonestore_tombs_take(dynzone_t *dz, const update_changeset_t *cs)
{
	size_t nremoved;
	const zrr_t *removed = update_changeset_removed(cs, &nremoved);
	if (dz->tomb_arena == NULL)
		dz->tomb_arena = arena_new(0);
	for (size_t i = 0; i < nremoved; i++) {
		if (dz->ntombs == dz->captombs) {
			dz->captombs = dz->captombs ? dz->captombs * 2 : 16;
			dz->tombs = xrealloc(dz->tombs, dz->captombs * sizeof(*dz->tombs));
		}
		zrr_t *t = &dz->tombs[dz->ntombs++];
		*t = removed[i];
		t->owner = arena_memdup_bytes(dz->tomb_arena, t->owner, t->owner_len);
		t->rdata = arena_memdup_bytes(dz->tomb_arena, t->rdata, t->rdlen ? t->rdlen : 1);
		t->file = NULL;
	}
}

static void
zonestore_tombs_free(dynzone_t *dz)
{
	free(dz->tombs);
	dz->tombs = NULL;
	dz->ntombs = dz->captombs = 0;
	arena_free(&dz->tomb_arena);
}

/* Cut what a crash left after the last commit, once, before the first
 * append. Caller holds the writer lock. */
static int
zonestore_journal_cut(dynzone_t *dz)
{
	if (dz->jnl_cut)
		return 0;
	if (journal_cut(dz->jnl, dz->jnl_end) != 0)
		return -1;
	dz->jnl_cut = true;
	return 0;
}

zone_t *
zonestore_zone_load(const conf_zone_t *cz, diag_t *d)
{
	pthread_mutex_lock(&reg_lock);
	dynzone_t *dz = reg_find(cz);
	if (dz != NULL && zone_files_unchanged(dz->zone) && !zonestore_sign_due(dz->zone) &&
	    dnssec_sign_same(&dz->signed_as, cz)) {
		zone_ref(dz->zone);
		pthread_mutex_unlock(&reg_lock);
		return dz->zone;
	}
	/* the signatures of the records that did not change are lent to the signer */
	dnssec_sign_cache_t *sigcache = NULL;
	if (dz != NULL && dnssec_sign_same(&dz->signed_as, cz)) {
		sigcache = dz->sigcache;
		dz->sigcache = NULL;
	}
	pthread_mutex_unlock(&reg_lock);

	struct stat st;
	if (stat(cz->path, &st) != 0) {
		dnssec_sign_cache_free(&sigcache);
		diag_error(d, cz->path, 0, "cannot read zone file: %s", strerror(errno));
		return NULL;
	}
	zonefile_t *zf = zonefile_read(cz->name, cz->path, d);
	if (zf == NULL) {
		dnssec_sign_cache_free(&sigcache);
		return NULL;
	}
	char *jnl = journal_path(cz->path);
	char *state = zonestore_state_path(cz, zf->origin_text);
	update_changeset_t *w = update_changeset_new(zf, jnl);
	/* the file, then the compacted state, then the journal's part that the
	 * state does not hold already */
	journal_info_t si = { .covers_end = -1 }, ji = { 0 };
	long ns = state ? journal_read(state, zf->origin_text, NULL, -1, update_changeset_replay, w, d,
				       &si) : 0;
	long n = ns < 0 ? -1 : journal_read(jnl, zf->origin_text, si.covers_end >= 0 ?
					    si.covers_id : NULL, si.covers_end, update_changeset_replay,
					    w, d, &ji);
	if (n < 0) {
		dnssec_sign_cache_free(&sigcache);
		update_changeset_free(&w);
		zonefile_free(&zf);
		free(jnl);
		free(state);
		return NULL;
	}
	zonefile_t *nzf = update_changeset_records(w);
	zone_t *z = zonestore_zone_build(cz, nzf, &sigcache, d);
	if (z == NULL) {
		dnssec_sign_cache_free(&sigcache);
		update_changeset_free(&w);
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
		dz = xcalloc(1, sizeof(*dz));
		char origin[1100];
		zonestore_canon_name(cz->name, origin, sizeof(origin));
		dz->origin = strdup(origin);
		dz->path = strdup(cz->path);
		dz->next = registry;
		registry = dz;
	} else {
		free(dz->jnl);
		free(dz->state);
		zonefile_free(&dz->zf);
		zone_unref(&dz->zone);
		zonestore_tombs_free(dz);
	}
	dz->jnl = jnl;
	dz->state = state;
	dnssec_sign_cache_free(&dz->sigcache);
	dz->sigcache = sigcache;
	free((char *)dz->signed_as.state_dir);
	dz->signed_as = (conf_zone_t){
		.dnssec_signing = cz->dnssec_signing, .dnssec_algorithm = cz->dnssec_algorithm,
		.dnssec_ksk_zsk = cz->dnssec_ksk_zsk, .dnssec_nsec3 = cz->dnssec_nsec3,
		.dnssec_validity = cz->dnssec_validity, .dnssec_zsk_lifetime = cz->dnssec_zsk_lifetime,
		.state_dir = cz->state_dir ? strdup(cz->state_dir) : NULL,
	};
	dz->jnl_end = ji.end;
	dz->jnl_cut = false;
	dz->file_size = (long long)st.st_size;
	dz->state_size = si.size;
	dz->retry_at = 0;
	zonestore_tombs_take(dz, w);
	update_changeset_free(&w);
	zonefile_free(&zf);
	dz->zf = nzf;
	dz->zone = z;
	zone_ref(z);
	/* a reload (the control thread holds the writer lock): cut a torn tail now */
	if (journal_writable)
		(void)zonestore_journal_cut(dz);
	pthread_mutex_unlock(&reg_lock);
	return z;
}

const zonefile_t *
zonestore_zone_records(const conf_zone_t *cz)
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
zonestore_journal_append(dynzone_t *dz, uint32_t serial, const char *comment,
		      const update_changeset_t *cs)
{
	if (zonestore_journal_cut(dz) != 0)
		return -1;
	size_t nops;
	const journal_op_t *ops = update_changeset_ops(cs, &nops);
	return journal_append(dz->jnl, serial, comment, ops, nops);
}

/* Write the zone's difference from its file into the state, and start a
 * new journal: the removed file records, then every record an update
 * added. Under reg_lock and the writer lock. */
static int
zonestore_compact(dynzone_t *dz, long long jsize)
{
	const zonefile_t *zf = dz->zf;
	size_t n = dz->ntombs;
	for (size_t i = 0; i < zf->count; i++)
		n += strcmp(zf->rrs[i].file, dz->jnl) == 0;
	journal_op_t *ops = xmalloc((n ? n : 1) * sizeof(*ops));
	size_t k = 0;
	for (size_t i = 0; i < dz->ntombs; i++)
		ops[k++] = (journal_op_t){ .op = '-', .rr = dz->tombs[i] };
	for (size_t i = 0; i < zf->count; i++)
		if (strcmp(zf->rrs[i].file, dz->jnl) == 0)
			ops[k++] = (journal_op_t){ .op = '+', .rr = zf->rrs[i] };
	uint32_t serial = dz->zone->serial;
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
zonestore_journal_maintain(void)
{
	pthread_mutex_lock(&reg_lock);
	for (dynzone_t *dz = registry; dz != NULL; dz = dz->next) {
		if (zonestore_journal_cut(dz) != 0 || dz->state == NULL)
			continue;
		struct stat st;
		if (stat(dz->jnl, &st) != 0)
			continue;
		long long size = (long long)st.st_size;
		long long bound = dz->file_size + dz->state_size;
		if (size <= bound || size <= compact_min || size < dz->retry_at)
			continue;
		if (zonestore_compact(dz, size) != 0) {
			/* nothing is lost: the journal goes on; try again when it doubled */
			log_error("zone %s: journal %s not compacted; trying again when it is twice "
				  "as large", dz->origin, dz->jnl);
			dz->retry_at = 2 * size;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}

void
zonestore_shutdown(void)
{
	pthread_mutex_lock(&reg_lock);
	while (registry != NULL) {
		dynzone_t *dz = registry;
		registry = dz->next;
		zonefile_free(&dz->zf);
		zone_unref(&dz->zone);
		zonestore_tombs_free(dz);
		free((char *)dz->signed_as.state_dir);
		dnssec_sign_cache_free(&dz->sigcache);
		free(dz->origin);
		free(dz->path);
		free(dz->jnl);
		free(dz->state);
		free(dz);
	}
	journal_writable = false;
	pthread_mutex_unlock(&reg_lock);
	xfrin_shutdown();
}

/* ---------------------------------------------------------------------------
 * auto-ptr (autoptr.c) over the registry's records
 */

/* The records of v's configured zones, for autoptr.c: the registry's for
 * its auto-ptr zones, NULL for the others. Under reg_lock; malloc'ed. */
static const zonefile_t **
zonestore_autoptr_sources(const view_t *v)
{
	size_t nconf = v->conf->nzones < v->nzones ? v->conf->nzones : v->nzones;
	const zonefile_t **rec = xcalloc(nconf ? nconf : 1, sizeof(*rec));
	for (size_t i = 0; i < nconf; i++) {
		const conf_zone_t *cz = &v->conf->zones[i];
		dynzone_t *dz = cz->auto_ptr && v->zones[i] != NULL ? reg_find(cz) : NULL;
		rec[i] = dz != NULL ? dz->zf : NULL;
	}
	return rec;
}

/* Reverse zones that could not be signed (zonestore_autoptr_zone), by apex. */
typedef struct autoptr_failed {
	uint8_t (*apex)[DNAME_MAXLEN];
	size_t n;
} autoptr_failed_t;

/* A reverse zone auto-ptr synthesized: signed online, with its own keys
 * (those of its name, shared by the views that synthesize it) and serial,
 * when the auto-ptr zone whose SOA it carries is (its dnssec-* settings).
 * One that cannot be signed is noted in arg (an autoptr_failed_t, or NULL). */
static zone_t *
zonestore_autoptr_zone(const conf_zone_t *src, const zonefile_t *zf, void *arg, diag_t *d)
{
	if (!src->dnssec_signing)
		return zone_build(zf, d);
	conf_zone_t rcz = *src;
	rcz.name = zf->origin_text;
	rcz.path = zf->path;   /* "auto-ptr (view V)": names its serial file, per view */
	rcz.file = zf->path;
	rcz.nallow_update = 0;
	rcz.auto_ptr = false;
	rcz.translate_nat = false;
	zone_t *z = zonestore_zone_build(&rcz, zf, NULL, d);
	autoptr_failed_t *failed = arg;
	if (z == NULL && failed != NULL && zf->origin_len <= DNAME_MAXLEN) {
		failed->apex = xrealloc(failed->apex, (failed->n + 1) * sizeof(*failed->apex));
		memcpy(failed->apex[failed->n++], zf->origin, zf->origin_len);
	}
	return z;
}

static size_t
zonestore_autoptr_build(const view_t *v, zone_t ***out, autoptr_failed_t *failed, diag_t *d)
{
	pthread_mutex_lock(&reg_lock);
	const zonefile_t **rec = zonestore_autoptr_sources(v);
	size_t n = autoptr_build_with(v, rec, zonestore_autoptr_zone, failed, out, d);
	pthread_mutex_unlock(&reg_lock);
	free(rec);
	return n;
}

zonefile_t *
zonestore_autoptr_records(const view_t *v, const uint8_t *apex)
{
	pthread_mutex_lock(&reg_lock);
	const zonefile_t **rec = zonestore_autoptr_sources(v);
	zonefile_t *zf = autoptr_records(v, rec, apex);
	pthread_mutex_unlock(&reg_lock);
	free(rec);
	return zf;
}

/* ---------------------------------------------------------------------------
 * Building snapshots
 */

/* The configured zones of a snapshot by file path, so that finding a zone
 * to share costs one probe instead of a walk over every zone (a reload of
 * thousands of unchanged zones was quadratic). Open addressing, at most
 * half full; entries of one path lie along its probe sequence in the order
 * they were added, (view, zone) order, which is the order of the search. */
typedef struct zone_by_path {
	struct zbp_slot {
		uint32_t hash;
		uint32_t v, i;
		bool used;
	} *slot;
	uint32_t mask;
} zone_by_path_t;

static uint32_t
zone_by_path_hash(const char *path)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static void
zone_by_path_init(zone_by_path_t *x, const conf_t *c)
{
	size_t n = 0, size = 16;
	for (size_t v = 0; c != NULL && v < c->nviews; v++)
		n += c->views[v].nzones;
	while (size < 2 * n)
		size <<= 1;
	x->slot = xcalloc(size, sizeof(*x->slot));
	x->mask = (uint32_t)(size - 1);
}

static void
zone_by_path_add(zone_by_path_t *x, const char *path, size_t v, size_t i)
{
	uint32_t h = zone_by_path_hash(path), k = h & x->mask;
	while (x->slot[k].used)
		k = (k + 1) & x->mask;
	x->slot[k] = (struct zbp_slot){ .hash = h, .v = (uint32_t)v, .i = (uint32_t)i, .used = true };
}

/* Index every configured zone of s (prev: all of them are in place). */
static void
zone_by_path_fill(zone_by_path_t *x, const snapshot_t *s)
{
	zone_by_path_init(x, s != NULL ? s->conf : NULL);
	for (size_t v = 0; s != NULL && v < s->nviews; v++)
		for (size_t i = 0; i < s->views[v].conf->nzones; i++)
			zone_by_path_add(x, s->views[v].conf->zones[i].path, v, i);
}

static void
zone_by_path_free(zone_by_path_t *x)
{
	free(x->slot);
	x->slot = NULL;
}

/* A zone from the same file for the same origin, translated the same way
 * (nat: NULL for zones served as written), among the zones of views before
 * nviews in s (x indexes them): already loaded for this build (two views
 * sharing a file), or lent by the previous snapshot if none of its files
 * changed. Returns a new reference, or NULL. */
static zone_t *
zonestore_find_loaded(const snapshot_t *s, size_t nviews, const zone_by_path_t *x,
		      const conf_zone_t *want, const nat_map_t *nat, bool check_files)
{
	const char *origin = want->name, *path = want->path;
	if (s == NULL)
		return NULL;
	uint32_t h = zone_by_path_hash(path);
	for (uint32_t k = h & x->mask; x->slot[k].used; k = (k + 1) & x->mask) {
		if (x->slot[k].hash != h || x->slot[k].v >= nviews)
			continue;
		const view_t *view = &s->views[x->slot[k].v];
		size_t i = x->slot[k].i;
		if (i >= view->nzones || i >= view->conf->nzones)
			continue;
		zone_t *z = view->zones[i];
		const conf_zone_t *cz = &view->conf->zones[i];
		if (z == NULL || strcmp(cz->path, path) != 0 || !conf_name_equal(cz->name, origin))
			continue;
		if (conf_zone_secondary(cz))
			continue;   /* xfr_in.c's, never lent to a zone served from its file */
		/* The NAT translation is part of the key: the same file is
		 * another zone when rewritten, or rewritten by another map. */
		if (cz->translate_nat != (nat != NULL) ||
		    (nat != NULL && !nat_map_same_translation(s->conf->nat, nat)))
			continue;
		/* signed the same way (and not due for signing again) */
		if (!dnssec_sign_same(cz, want))
			continue;
		if (check_files && (!zone_files_unchanged(z) || zonestore_sign_due(z)))
			return NULL;
		zone_ref(z);
		return z;
	}
	return NULL;
}

/* Append the view's synthesized reverse zones (auto-ptr) after its
 * configured zones: prev's if they are still current, else built again.
 * A reverse zone that cannot be signed (its keys unusable: a full disk, a
 * broken state-dir) keeps the one the view served before, in before (the
 * same view in the snapshot being replaced, or NULL), with its old
 * signatures, tried again in an hour -- as a configured zone's signing
 * does. Dropping it would leave the view without the zone: a recursive
 * view would then forward its PTR questions upstream. */
static void
zonestore_add_autoptr(snapshot_t *s, view_t *v, const view_t *prev, const view_t *before,
		      diag_t *d)
{
	if (snapshot_view_keep_synthesized(s, v, prev))
		return;
	zone_t **extra = NULL;
	autoptr_failed_t failed = { 0 };
	size_t n = zonestore_autoptr_build(v, &extra, &failed, d);
	snapshot_view_add_zones(s, v, extra, n);
	free(extra);
	for (size_t f = 0; f < failed.n; f++) {
		/* before's synthesized zones follow its configured ones */
		zone_t *old = NULL;
		for (size_t i = before ? before->conf->nzones : 0;
		     old == NULL && before && i < before->nzones; i++)
			if (before->zones[i] != NULL && dname_equal(before->zones[i]->apex, failed.apex[f]))
				old = before->zones[i];
		char name[1024];
		dname_to_text(failed.apex[f], name, sizeof(name));
		if (old == NULL) {
			log_error("view %s: reverse zone %s of auto-ptr could not be signed: not served "
				  "until it can be", v->conf->name, name);
			continue;
		}
		/* only the writer reads dnssec_refresh: no worker sees this */
		old->dnssec_refresh = (long long)zonestore_sign_now() + 3600;
		log_error("view %s: reverse zone %s of auto-ptr could not be signed again: serving "
			  "it as it was (serial %" PRIu32 ", old signatures), trying again in an hour",
			  v->conf->name, name, old->serial);
		zone_ref(old);
		snapshot_view_add_zones(s, v, &old, 1);
	}
	free(failed.apex);
}

/* The zone for cz in view v of s (being built): managed zones from the
 * registry; others shared with an earlier view of s or with prev, else
 * loaded (and NAT-translated). A new reference, or NULL (reported). */
static zone_t *
zonestore_zone_get(const snapshot_t *s, size_t v, const zone_by_path_t *s_paths,
		   const snapshot_t *prev, const zone_by_path_t *prev_paths, const conf_zone_t *cz,
		   diag_t *d, size_t *reused, size_t *loaded)
{
	if (conf_zone_secondary(cz))
		return xfrin_zone_get(cz, d);        /* the transferred copy (xfr_in.h) */
	if (zonestore_zone_managed(cz))
		return zonestore_zone_load(cz, d);   /* file + journal, in the registry */
	const nat_map_t *nat = cz->translate_nat ? s->conf->nat : NULL;
	zone_t *z = zonestore_find_loaded(s, v, s_paths, cz, nat, false);
	if (z != NULL)
		return z;
	z = zonestore_find_loaded(prev, prev ? prev->nviews : 0, prev_paths, cz, nat, true);
	if (z != NULL) {
		++*reused;
		return z;
	}
	z = cz->dnssec_signing ? zonestore_load_signed(cz, nat, d)
			       : zone_load_translated(cz->name, cz->path, nat, d);
	*loaded += z != NULL;
	return z;
}

snapshot_t *
zonestore_build(const char *conf_path, const snapshot_t *prev, diag_t *d)
{
	unsigned errors_before = d->errors;
	conf_t *conf = conf_load(conf_path, d);
	if (conf == NULL)
		return NULL;
	snapshot_t *s = snapshot_new(conf);
	size_t reused = 0, loaded = 0;
	zone_by_path_t s_paths, prev_paths;
	zone_by_path_init(&s_paths, conf);
	zone_by_path_fill(&prev_paths, prev);
	for (size_t v = 0; v < s->nviews; v++) {
		view_t *view = &s->views[v];
		for (size_t i = 0; i < view->conf->nzones; i++) {
			zone_t *z = zonestore_zone_get(s, v, &s_paths, prev, &prev_paths,
						       &view->conf->zones[i], d, &reused, &loaded);
			/* failed ones too, so that snapshot_free releases what we hold */
			snapshot_view_add_zones(s, view, &z, 1);
			zone_by_path_add(&s_paths, view->conf->zones[i].path, v, i);
		}
	}
	zone_by_path_free(&s_paths);
	zone_by_path_free(&prev_paths);
	if (d->errors > errors_before) {
		snapshot_free(&s);
		return NULL;
	}
	for (size_t v = 0; v < s->nviews; v++) {
		view_t *view = &s->views[v];
		const view_t *pv = snapshot_find_view(prev, view->conf->name);
		zonestore_add_autoptr(s, view, pv, pv, d);
	}
	if (!snapshot_finish(s, prev, conf_path, d)) {
		snapshot_free(&s);
		return NULL;
	}
	xfrin_retain(s->conf);   /* secondary zones no longer configured stop refreshing */
	/* Parsing left freed memory all over the malloc heap: give it back. */
	malloc_trim(0);
	log_debug("snapshot: %zu views, %zu zones loaded, %zu unchanged zones kept",
		  s->nviews, loaded, reused);
	return s;
}


/* ---------------------------------------------------------------------------
 * Applying a changeset
 */

/* The update's changeset *csp (freed here) goes into force: the new zone,
 * the journal, the registry, and the snapshot to publish, in which the
 * views serving the zone get their auto-ptr zones built again. NULL (the
 * answer is SERVFAIL) if the zone cannot be built or journaled. Caller holds
 * the writer lock. */
static snapshot_t *
zonestore_commit(dynzone_t *dz, const conf_zone_t *cz, update_msg_t *m, update_changeset_t **csp,
		 const snapshot_t *snap, const zone_t *vz)
{
	zonefile_t *nzf = update_changeset_records(*csp);
	diag_t diag = { 0 };
	zone_t *nz = zonestore_zone_build(cz, nzf, &dz->sigcache, &diag);
	if (nz == NULL) {
		zonefile_free(&nzf);
		update_msg_fail(m, "the zone could not be built with this change");
		return NULL;
	}
	zonestore_copy_file_ids(nz, dz->zone);
	char comment[300];
	update_msg_comment(m, comment, sizeof(comment));
	if (zonestore_journal_append(dz, nz->serial, comment, *csp) != 0) {
		zone_unref(&nz);
		zonefile_free(&nzf);
		update_msg_fail(m, "journal write failed");
		return NULL;
	}
	size_t nchanges;
	(void)update_changeset_ops(*csp, &nchanges);
	zonestore_tombs_take(dz, *csp);   /* before dz->zf, which they point into, goes */
	update_changeset_free(csp);
	pthread_mutex_lock(&reg_lock);
	zonefile_free(&dz->zf);
	zone_unref(&dz->zone);
	dz->zf = nzf;
	dz->zone = nz;
	pthread_mutex_unlock(&reg_lock);
	snapshot_t *next = snapshot_replace_zone(snap, vz, nz);
	for (size_t v = 0; v < next->nviews; v++)
		if (snapshot_view_holds(&next->views[v], nz))
			zonestore_add_autoptr(next, &next->views[v], NULL, &snap->views[v], &diag);
	snapshot_index(next);
	update_msg_done(m, nchanges, nz->serial);
	return next;
}

/* ---------------------------------------------------------------------------
 * Signing again: signatures that reach half their validity, key roll steps
 */

long long
zonestore_sign_next(const snapshot_t *s)
{
	long long next = -1;
	for (size_t v = 0; s != NULL && v < s->nviews; v++) {
		const view_t *view = &s->views[v];
		for (size_t i = 0; i < view->nzones; i++) {
			long long r = view->zones[i]->dnssec_refresh;
			if (r != 0 && (next < 0 || r < next))
				next = r;
		}
	}
	if (next < 0)
		return -1;
	long long wait = next - (long long)zonestore_sign_now();
	return wait > 0 ? wait : 0;
}

/* z signed again from the records it was built from: a managed zone's
 * from the registry (which then holds the new zone), another's from its
 * file. A new reference, or NULL (reported). */
static zone_t *
zonestore_sign_again(const snapshot_t *s, const conf_zone_t *cz, diag_t *d)
{
	if (!zonestore_zone_managed(cz))
		return zonestore_load_signed(cz, cz->translate_nat ? s->conf->nat : NULL, d);
	pthread_mutex_lock(&reg_lock);
	dynzone_t *dz = reg_find(cz);
	zone_t *nz = dz != NULL ? zonestore_zone_build(cz, dz->zf, &dz->sigcache, d) : NULL;
	if (nz != NULL) {
		zonestore_copy_file_ids(nz, dz->zone);
		zone_unref(&dz->zone);
		dz->zone = nz;
		zone_ref(nz);
	}
	pthread_mutex_unlock(&reg_lock);
	return nz;
}

snapshot_t *
zonestore_resign(const snapshot_t *snap)
{
	snapshot_t *cur = NULL;
	for (size_t v = 0; v < snap->nviews; v++) {
		for (size_t i = 0; i < snap->views[v].conf->nzones; i++) {
			const snapshot_t *in = cur != NULL ? cur : snap;
			const view_t *view = &in->views[v];
			zone_t *z = i < view->nzones ? view->zones[i] : NULL;
			if (!zonestore_sign_due(z))
				continue;
			diag_t diag = { 0 };
			zone_t *nz = zonestore_sign_again(in, &view->conf->zones[i], &diag);
			if (nz == NULL) {
				/* the old signatures stay; try again in an hour. Only
				 * the writer reads dnssec_refresh: no worker sees this. */
				log_error("zone %s in view %s: signing again failed, trying again in "
					  "an hour", z->name, view->conf->name);
				z->dnssec_refresh = (long long)zonestore_sign_now() + 3600;
				continue;
			}
			log_notice("zone %s in view %s: signed again (signatures refreshed), serial %"
				   PRIu32 " -> %" PRIu32, nz->name, view->conf->name, z->serial, nz->serial);
			snapshot_t *next = snapshot_replace_zone(in, z, nz);
			zone_unref(&nz);
			for (size_t k = 0; k < next->nviews; k++)
				if (snapshot_view_holds(&next->views[k], next->views[v].zones[i]))
					zonestore_add_autoptr(next, &next->views[k], NULL, &in->views[k],
							      &diag);
			if (cur != NULL) {   /* in: after its zones were taken over */
				snapshot_conf_handed_on(cur);   /* shared with next */
				snapshot_free(&cur);
			}
			cur = next;
		}
	}
	/* reverse zones auto-ptr synthesized and signed are signed again by
	 * synthesizing them again */
	for (size_t v = 0; v < snap->nviews; v++) {
		const snapshot_t *in = cur != NULL ? cur : snap;
		const view_t *view = &in->views[v];
		bool due = false;
		for (size_t i = view->conf->nzones; i < view->nzones; i++)
			due |= zonestore_sign_due(view->zones[i]);
		zone_t *anchor = NULL;   /* one of the view's configured zones */
		for (size_t i = 0; i < view->conf->nzones && i < view->nzones && anchor == NULL; i++)
			anchor = view->zones[i];
		if (!due || anchor == NULL)
			continue;
		/* a zone replaced (here by itself) drops the synthesized zones of
		 * the views holding it: they are built again below */
		const char *vname = view->conf->name;   /* the conf outlives the snapshots */
		snapshot_t *next = snapshot_replace_zone(in, anchor, anchor);
		diag_t diag = { 0 };
		for (size_t k = 0; k < next->nviews; k++)
			if (snapshot_view_holds(&next->views[k], anchor))
				zonestore_add_autoptr(next, &next->views[k], NULL, &in->views[k], &diag);
		if (cur != NULL) {   /* in: after its zones were taken over */
			snapshot_conf_handed_on(cur);   /* shared with next */
			snapshot_free(&cur);
		}
		cur = next;
		log_notice("view %s: reverse zones of auto-ptr signed again", vname);
	}
	if (cur != NULL)
		snapshot_index(cur);
	return cur;
}

/* ---------------------------------------------------------------------------
 * Reload: a new snapshot beside the published one
 */

static double
zonestore_ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The zone with z's apex in view v (looked up in v's apex table), or NULL. */
static const zone_t *
zonestore_find_apex(const view_t *v, const zone_t *z)
{
	for (uint32_t k = z->apex_hash & v->zmask;; k = (k + 1) & v->zmask) {
		const zone_t *o = v->ztable[k];
		if (o == NULL)
			return NULL;
		if (o->apex_hash == z->apex_hash && o->apex_len == z->apex_len &&
		    memcmp(o->apex, z->apex, z->apex_len) == 0)
			return o;
	}
}

/* RFC 1982: is serial a newer than b? */
static bool
zonestore_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

typedef struct zonestore_counts {
	size_t kept, changed, added, removed, same_serial;
} zonestore_counts_t;

/* One zone of the new snapshot against the zone with its apex in the old
 * view (o, or NULL). Zones auto-ptr synthesizes are derived data: they are
 * kept while their sources are (snapshot_view_keep_synthesized), and when rebuilt they are not
 * "files changed" -- the warning about a serial belongs to the zone file they
 * come from. A configured zone that takes the place of a synthesized one (or
 * the other way round) is added (removed), not a serial change. */
static void
zonestore_log_zone(const view_t *ov, const zone_t *o, const view_t *nv, const zone_t *z,
		zonestore_counts_t *c)
{
	const char *view = nv->conf->name;
	bool synth = snapshot_zone_synthesized(nv, z);
	bool osynth = o != NULL && snapshot_zone_synthesized(ov, o);
	if (o == z) {
		c->kept++;
	} else if (o == NULL || (osynth && !synth)) {
		c->added++;
		log_notice("reload: zone %s in view %s: added, serial %" PRIu32 "%s", z->name, view,
			   z->serial, synth ? " (synthesized by auto-ptr)" : osynth
			   ? " (replaces the reverse zone auto-ptr synthesized)" : "");
	} else if (synth && !osynth) {
		c->removed++;
		log_notice("reload: zone %s in view %s: removed (was serial %" PRIu32 "); auto-ptr "
			   "synthesizes it now", z->name, view, o->serial);
	} else if (synth) {
		c->changed++;
		log_info("reload: zone %s in view %s: synthesized again by auto-ptr, serial %" PRIu32,
			 z->name, view, z->serial);
	} else if (o->serial == z->serial) {
		c->changed++;
		c->same_serial++;
		log_warning("reload: zone %s in view %s: files changed but the serial is still %"
			    PRIu32 "; secondaries would not notice", z->name, view, z->serial);
	} else if (zonestore_serial_newer(o->serial, z->serial)) {
		c->changed++;
		log_warning("reload: zone %s in view %s: serial went backwards, %" PRIu32 " -> %"
			    PRIu32 "; secondaries would keep the old data", z->name, view, o->serial,
			    z->serial);
	} else {
		c->changed++;
		log_notice("reload: zone %s in view %s: serial %" PRIu32 " -> %" PRIu32,
			   z->name, view, o->serial, z->serial);
	}
}

/* Log what a reload changed, zone by zone (matched by view name and zone
 * apex): the old and new SOA serial of every zone that was parsed again, a
 * warning when its files changed but its serial did not or went backwards
 * (secondaries that poll the SOA would keep the old data), added and removed
 * zones, and one count for the zones taken over unchanged. Runs on the
 * control thread while it still owns old, so reading both snapshots needs no
 * care. */
static void
zonestore_log_reload(const snapshot_t *old, const snapshot_t *next)
{
	zonestore_counts_t c = { 0 };
	for (size_t v = 0; v < next->nviews; v++) {
		const view_t *nv = &next->views[v];
		const view_t *ov = snapshot_find_view(old, nv->conf->name);
		for (size_t i = 0; i < nv->nzones; i++) {
			const zone_t *z = nv->zones[i];
			const zone_t *o = ov != NULL ? zonestore_find_apex(ov, z) : NULL;
			zonestore_log_zone(ov, o, nv, z, &c);
		}
	}
	for (size_t v = 0; old != NULL && v < old->nviews; v++) {
		const view_t *ov = &old->views[v];
		const view_t *nv = snapshot_find_view(next, ov->conf->name);
		for (size_t i = 0; i < ov->nzones; i++) {
			const zone_t *o = ov->zones[i];
			if (nv == NULL || zonestore_find_apex(nv, o) == NULL) {
				c.removed++;
				log_notice("reload: zone %s in view %s: removed (was serial %" PRIu32 "%s)",
					   o->name, ov->conf->name, o->serial,
					   snapshot_zone_synthesized(ov, o) ? ", synthesized by auto-ptr" : "");
			}
		}
	}
	log_notice("reload: zones: %zu unchanged (kept, not parsed), %zu reloaded (%zu with an "
		   "unchanged serial), %zu added, %zu removed", c.kept, c.changed, c.same_serial,
		   c.added, c.removed);
}

/* ---------------------------------------------------------------------------
 * Updates
 */

size_t
zonestore_update(const snapshot_t *snap, const uint8_t *pkt, size_t len, const query_src_t *from,
		 uint8_t *out, size_t outmax, snapshot_t **next)
{
	*next = NULL;
	update_msg_t *m = update_msg_new(snap, pkt, len, from);
	if (m == NULL)
		return 0;
	const conf_zone_t *cz;
	const zone_t *vz;
	if (update_msg_zone(m, &cz, &vz)) {
		pthread_mutex_lock(&reg_lock);
		dynzone_t *dz = reg_find(cz);
		pthread_mutex_unlock(&reg_lock);
		update_changeset_t *cs = NULL;
		if (dz == NULL)
			update_msg_fail(m, "zone is not loaded for updates");
		else
			cs = update_msg_apply(m, dz->zf, dz->jnl);
		if (cs != NULL)
			*next = zonestore_commit(dz, cz, m, &cs, snap, vz);
		update_changeset_free(&cs);
	}
	size_t n = update_msg_reply(m, out, outmax);
	update_msg_free(&m);
	return n;
}

/* ---------------------------------------------------------------------------
 * Publishing
 */

/* The only publish_exchange() call: workers see next from their next batch
 * on; old is retired, freed on the background thread once none can see it
 * (background.h: neither this thread nor a worker waits for that). A reload
 * logs what changed meanwhile (it still owns old) and learns how long the
 * swap took. */
static void zonestore_notify_changes(const snapshot_t *old, const snapshot_t *next);

static void
zonestore_swap(snapshot_t *next, double *reload_swap_ms)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t retired;
	snapshot_t *old = publish_exchange(next, &retired);
	zonestore_notify_changes(old, next);
	if (reload_swap_ms != NULL) {
		*reload_swap_ms = zonestore_ms_since(&t0);
		zonestore_log_reload(old, next);
	} else if (old != NULL && old->conf == next->conf) {
		/* an update's snapshot: the conf goes on in next. Not old->conf =
		 * NULL: workers that began their batch before the exchange still
		 * answer from old and read old->conf (a SIGSEGV under an update
		 * flood, test_update publish_leaves_the_held_snapshot_whole) */
		snapshot_conf_handed_on(old);
	}
	background_retire(old, retired);
}

void
zonestore_publish(snapshot_t *next)
{
	zonestore_swap(next, NULL);
}

bool
zonestore_reload(const char *conf_path, zonestore_reload_t *out)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_notice("reload: loading %s", conf_path);
	diag_t diag = { 0 };
	/* Only the writer swaps, so the current snapshot stays alive (and
	 * current) until our own swap below. */
	const snapshot_t *cur = publish_current();
	snapshot_t *next = zonestore_build(conf_path, cur, &diag);
	if (next == NULL) {
		log_error("reload failed (%u error%s), keeping the old data",
			  diag.errors, diag.errors == 1 ? "" : "s");
		return false;
	}
	out->build_ms = zonestore_ms_since(&t0);
	out->conf = snapshot_conf(next);
	zonestore_swap(next, &out->swap_ms);
	return true;
}

void
zonestore_journal_open(void)
{
	pthread_mutex_lock(&reg_lock);
	journal_writable = true;
	pthread_mutex_unlock(&reg_lock);
	zonestore_journal_maintain();
}

/* --- for zone transfers out (xfr_out.h) ------------------------------------- */

const zonefile_t *
zonestore_view_records(const snapshot_t *s, const view_t *v, size_t i, zonefile_t **own, diag_t *d)
{
	*own = NULL;
	if (i >= v->nzones)
		return NULL;
	if (i >= v->conf->nzones)   /* a reverse zone auto-ptr synthesizes */
		return *own = zonestore_autoptr_records(v, v->zones[i]->apex);
	const conf_zone_t *cz = &v->conf->zones[i];
	if (zonestore_zone_managed(cz))
		return zonestore_zone_records(cz);
	/* served as its file says: read it again, as it was built (the caller
	 * compares the serial with the served zone's) */
	return *own = nat_zonefile_read(cz->name, cz->path, cz->translate_nat ? s->conf->nat : NULL, d);
}

/* ---------------------------------------------------------------------------
 * Secondary zones: a transfer's result goes into service
 */

void
zonestore_secondary_publish(const char *view, const char *zone, zone_t *z)
{
	const snapshot_t *cur = publish_current();
	const view_t *v = snapshot_find_view(cur, view);
	const zone_t *old = NULL;
	for (size_t i = 0; v != NULL && i < v->conf->nzones && i < v->nzones; i++)
		if (conf_zone_secondary(&v->conf->zones[i]) && conf_name_equal(v->conf->zones[i].name, zone))
			old = v->zones[i];
	if (old == NULL) {
		log_info("zone %s in view %s: no longer configured, transfer not published", zone, view);
		return;
	}
	xfrin_zone_set(view, zone, z);
	snapshot_t *next = snapshot_replace_zone(cur, old, z);
	diag_t diag = { 0 };
	for (size_t k = 0; k < next->nviews; k++)
		if (snapshot_view_holds(&next->views[k], z))
			zonestore_add_autoptr(next, &next->views[k], NULL, &cur->views[k], &diag);
	snapshot_index(next);
	zonestore_publish(next);
}

/* ---------------------------------------------------------------------------
 * NOTIFY out (notify.h) after every new serial
 */

/* Every configured zone of next with notify targets whose serial differs
 * from the zone with its apex in old's view of the same name (or that old
 * lacks: a new zone, or the first snapshot when old is NULL) is announced.
 * Zones without data (an expired secondary) are not. */
static void
zonestore_notify_changes(const snapshot_t *old, const snapshot_t *next)
{
	for (size_t v = 0; next != NULL && v < next->nviews; v++) {
		const view_t *nv = &next->views[v];
		const view_t *ov = snapshot_find_view(old, nv->conf->name);
		for (size_t i = 0; i < nv->conf->nzones && i < nv->nzones; i++) {
			const conf_zone_t *cz = &nv->conf->zones[i];
			const zone_t *z = nv->zones[i];
			if (cz->nnotify == 0 || z == NULL || z->expired)
				continue;
			const zone_t *o = ov != NULL ? zonestore_find_apex(ov, z) : NULL;
			if (o != NULL && o->serial == z->serial && !o->expired)
				continue;
			/* the SOA answer at the apex: laid out behind a question
			 * for the apex, as the NOTIFY's is */
			const node_t *apex = zone_find(z, z->apex, z->apex_len, z->apex_hash);
			const answer_t *soa = apex != NULL
				? type_answer_find(apex->types, apex->ntypes, LDNS_RR_TYPE_SOA) : NULL;
			bool usable = soa != NULL && soa->ancount == 1 && soa->nfixups == 0;
			notify_zone(nv->conf->name, cz->name, z->serial, usable ? soa->wire : NULL,
				    usable ? soa->len_noadd : 0, cz->notify_key, cz->notify, cz->nnotify);
		}
	}
}

void
zonestore_notify_all(void)
{
	zonestore_notify_changes(NULL, publish_current());
}

const zonefile_t *
zonestore_served_records(const snapshot_t *s, const view_t *v, size_t i, zonefile_t **own,
			 diag_t *d)
{
	if (i < v->nzones && v->zones[i] != NULL && v->zones[i]->signed_records != NULL) {
		*own = NULL;
		return v->zones[i]->signed_records;   /* signed once, when the zone was built */
	}
	return zonestore_view_records(s, v, i, own, d);
}

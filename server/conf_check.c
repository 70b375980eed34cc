/* conf_check.c -- checks over a whole parsed configuration.
 *
 * Errors found while parsing (conf_ctx_t, reported as FILE:LINE with the
 * rest): cycles and depth of named ACLs, translate: nat without a map, a
 * zone file that takes updates named by two zone entries. And the warnings
 * --check prints for a valid conf_t (conf.h): views no client reaches, views
 * without zones, lists that reach public addresses.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "conf_internal.h"
#include "nat.h"

/* ---------------------------------------------------------------------------
 * Named ACLs
 */

/* Cycles and depth of nested named ACLs, with an explicit stack (no
 * recursion on user-controlled depth). */
void
conf_check_acl_graph(conf_ctx_t *x)
{
	conf_t *c = x->c;
	size_t n = c->nacls;
	if (n == 0)
		return;
	unsigned char *state = arena_zalloc(x->tmp, n);       /* 0 new, 1 on stack, 2 done */
	unsigned *height = arena_zalloc(x->tmp, n * sizeof(unsigned));
	size_t *stack = arena_alloc(x->tmp, n * sizeof(size_t));
	size_t *next = arena_zalloc(x->tmp, n * sizeof(size_t));
	bool too_deep_reported = false;

	for (size_t root = 0; root < n; root++) {
		if (state[root] != 0)
			continue;
		size_t sp = 0;
		stack[sp++] = root;
		state[root] = 1;
		next[root] = 0;
		height[root] = 1;
		while (sp > 0) {
			size_t v = stack[sp - 1];
			acl_t *a = &c->acls[v];
			if (next[v] < a->count) {
				acl_elem_t *e = &a->elems[next[v]++];
				if (e->kind != ACL_NESTED || e->nested == NULL)
					continue;
				size_t w = (size_t)(e->nested - c->acls);
				if (state[w] == 1) {
					char path[512];
					size_t off = 0, from = sp;
					while (from > 0 && stack[from - 1] != w)
						from--;
					for (size_t i = from - 1; i < sp && off < sizeof(path); i++)
						off += (size_t)snprintf(path + off, sizeof(path) - off,
									"%s -> ", c->acls[stack[i]].name);
					if (off < sizeof(path))
						snprintf(path + off, sizeof(path) - off, "%s", c->acls[w].name);
					if (w == v)
						conf_error(x, e->line, "ACL '%s' refers to itself", a->name);
					else
						conf_error(x, e->line, "ACL cycle: %s", path);
					e->nested = NULL;   /* break it so nothing loops */
				} else if (state[w] == 0) {
					state[w] = 1;
					next[w] = 0;
					height[w] = 1;
					stack[sp++] = w;
				} else if (height[w] + 1 > height[v]) {
					height[v] = height[w] + 1;
				}
				continue;
			}
			state[v] = 2;
			sp--;
			if (sp > 0 && height[v] + 1 > height[stack[sp - 1]])
				height[stack[sp - 1]] = height[v] + 1;
		}
	}
	/* A view's list is one level above its named ACLs. */
	for (size_t i = 0; i < n && !too_deep_reported; i++) {
		if (height[i] > ACL_MAX_DEPTH - 1) {
			conf_error(x, c->acls[i].line, "ACL '%s': named ACLs nested more than %d deep",
				   c->acls[i].name, ACL_MAX_DEPTH - 1);
			too_deep_reported = true;
		}
	}
}

/* Register every ACL name first (so lists may refer to ACLs defined later),
 * then parse the bodies and check the graph. */

/* ---------------------------------------------------------------------------
 * translate: nat
 */

/* Every zone with translate: nat needs a map to translate with. */
void
conf_check_translate(conf_ctx_t *x)
{
	const conf_t *c = x->c;
	for (size_t v = 0; v < c->nviews; v++) {
		for (size_t i = 0; i < c->views[v].nzones; i++) {
			const conf_zone_t *z = &c->views[v].zones[i];
			if (z->translate_nat && (c->nat == NULL || c->nat->nrules == 0))
				conf_error(x, z->line, "view '%s': zone %s: translate: nat, but the "
					   "configuration has no nat mappings", c->views[v].name
					   ? c->views[v].name : "?", z->name);
		}
	}
}

/* ---------------------------------------------------------------------------
 * Zone files that take updates
 */

/* (Here, not in conf.c, so that the schema walk uses the checks and not the
 * other way round: no cycle between the two.) */
size_t
conf_zone_count(const conf_t *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nviews; i++)
		n += c->views[i].nzones;
	return n;
}

typedef struct conf_file_ref {
	const conf_view_t *view;
	const conf_zone_t *zone;
	unsigned long long dev, ino;
	bool have_id;                /* the file exists: compare by device and inode */
} conf_file_ref_t;

static bool
conf_same_file(const conf_file_ref_t *a, const conf_file_ref_t *b)
{
	if (a->have_id && b->have_id)
		return a->dev == b->dev && a->ino == b->ino;
	return strcmp(a->zone->path, b->zone->path) == 0;
}

/* A zone file that allows updates belongs to one zone entry only, as BIND
 * refuses a "writeable file already in use": the update module keeps one
 * set of records (and one journal, named after the file) per file, so a
 * second entry reading it -- in another view, typically -- would serve every
 * name registered through the first at once. Reported once per later entry,
 * naming the earlier one it collides with. */
void
conf_check_writable_files(conf_ctx_t *x)
{
	const conf_t *c = x->c;
	size_t n = conf_zone_count(c), k = 0;
	if (n < 2)
		return;
	conf_file_ref_t *refs = arena_zalloc(x->tmp, n * sizeof(*refs));
	for (size_t v = 0; v < c->nviews; v++) {
		for (size_t i = 0; i < c->views[v].nzones; i++, k++) {
			conf_file_ref_t *r = &refs[k];
			struct stat st;
			r->view = &c->views[v];
			r->zone = &c->views[v].zones[i];
			if (stat(r->zone->path, &st) == 0) {
				r->dev = (unsigned long long)st.st_dev;
				r->ino = (unsigned long long)st.st_ino;
				r->have_id = true;
			}
		}
	}
	for (size_t j = 1; j < n; j++) {
		const conf_file_ref_t *later = &refs[j];
		for (size_t i = 0; i < j; i++) {
			const conf_file_ref_t *first = &refs[i];
			bool fw = first->zone->nallow_update > 0, lw = later->zone->nallow_update > 0;
			if ((!fw && !lw) || !conf_same_file(first, later))
				continue;
			conf_error(x, later->zone->line, "view '%s': zone %s: file '%s' is already the "
				   "file of zone %s in view '%s' (line %lu), and %s: a zone file that "
				   "takes updates must belong to one zone only (give each view its own "
				   "copy of the file)", later->view->name ? later->view->name : "?",
				   later->zone->name, later->zone->file, first->zone->name,
				   first->view->name ? first->view->name : "?", first->zone->line,
				   fw && lw ? "both allow updates" : fw ? "that one allows updates"
				   : "this one allows updates");
			break;   /* one message per entry */
		}
	}
}
/* ---------------------------------------------------------------------------
 * Whole-address-space reasoning
 *
 * An address-match list only changes its answer where some prefix in it (or
 * in a list it nests) starts or ends. So the start address of every prefix
 * and the address just past its end, plus the lowest address, split each
 * family into intervals on which every list involved is constant; one
 * address from each interval decides for all of it. The IPv4-mapped block
 * ::ffff:0:0/96 is matched as IPv4, so IPv6 points inside it are skipped
 * (the IPv4 points stand for them).
 */

typedef struct conf_point {
	int family;
	uint8_t a[16];
} conf_point_t;

typedef struct conf_points {
	conf_point_t *p;
	size_t n, cap;
	const acl_t **seen;     /* lists already walked */
	size_t nseen, capseen;
} conf_points_t;

static void
conf_points_add(conf_points_t *ps, int family, const uint8_t *a)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		conf_point_t *p = xrealloc(ps->p, cap * sizeof(*p));
		ps->p = p;
		ps->cap = cap;
	}
	conf_point_t *pt = &ps->p[ps->n++];
	pt->family = family;
	memset(pt->a, 0, sizeof(pt->a));
	memcpy(pt->a, a, family == AF_INET ? 4 : 16);
}

/* Start of the prefix and the first address after it (if any). */
static void
conf_points_add_prefix(conf_points_t *ps, int family, const uint8_t *addr, unsigned len)
{
	unsigned size = family == AF_INET ? 4 : 16;
	uint8_t end[16];
	memcpy(end, addr, size);
	conf_points_add(ps, family, end);
	for (unsigned bit = len; bit < size * 8; bit++)
		end[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	/* end + 1, unless end is the last address of the family. */
	for (int i = (int)size - 1; i >= 0; i--) {
		if (++end[i] != 0) {
			conf_points_add(ps, family, end);
			return;
		}
	}
}

static void
conf_points_add_acl(conf_points_t *ps, const acl_t *acl, unsigned depth)
{
	if (acl == NULL || depth >= ACL_MAX_DEPTH)
		return;
	for (size_t i = 0; i < ps->nseen; i++)
		if (ps->seen[i] == acl)
			return;
	if (ps->nseen == ps->capseen) {
		size_t cap = ps->capseen ? ps->capseen * 2 : 16;
		const acl_t **s = xrealloc(ps->seen, cap * sizeof(*s));
		ps->seen = s;
		ps->capseen = cap;
	}
	ps->seen[ps->nseen++] = acl;
	for (size_t i = 0; i < acl->count; i++) {
		const acl_elem_t *e = &acl->elems[i];
		if (e->kind == ACL_PREFIX)
			conf_points_add_prefix(ps, e->family, e->addr, e->prefixlen);
		else if (e->kind == ACL_NESTED)
			conf_points_add_acl(ps, e->nested, depth + 1);
	}
}

static const uint8_t conf_v4mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 };

static void
conf_points_init(conf_points_t *ps)
{
	static const uint8_t zero[16];
	memset(ps, 0, sizeof(*ps));
	conf_points_add(ps, AF_INET, zero);
	conf_points_add(ps, AF_INET6, zero);
	conf_points_add_prefix(ps, AF_INET6, conf_v4mapped, 96);
}

static int
conf_point_cmp(const void *a, const void *b)
{
	const conf_point_t *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, 16);
}

/* Sort, drop duplicates and the points inside the mapped block. */
static void
conf_points_finish(conf_points_t *ps)
{
	qsort(ps->p, ps->n, sizeof(*ps->p), conf_point_cmp);
	size_t out = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (out > 0 && conf_point_cmp(&ps->p[out - 1], &ps->p[i]) == 0)
			continue;
		if (ps->p[i].family == AF_INET6 && memcmp(ps->p[i].a, conf_v4mapped, 12) == 0)
			continue;
		ps->p[out++] = ps->p[i];
	}
	ps->n = out;
	free(ps->seen);
	ps->seen = NULL;
	ps->nseen = ps->capseen = 0;
}

static void
conf_points_free(conf_points_t *ps)
{
	free(ps->p);
	free(ps->seen);
	memset(ps, 0, sizeof(*ps));
}

/* Prefixes that are not "public": the private ones below plus special
 * purpose blocks no real client has. */
struct conf_range {
	int family;
	uint8_t a[16];
	unsigned len;
	bool private_;
};

static const struct conf_range conf_special[] = {
	{ AF_INET, { 10 }, 8, true },
	{ AF_INET, { 172, 16 }, 12, true },
	{ AF_INET, { 192, 168 }, 16, true },
	{ AF_INET, { 100, 64 }, 10, true },          /* shared address space (CGN) */
	{ AF_INET, { 169, 254 }, 16, true },         /* link-local */
	{ AF_INET, { 127 }, 8, true },               /* loopback */
	{ AF_INET, { 0 }, 8, false },                /* "this network" */
	{ AF_INET, { 192, 0, 0 }, 24, false },       /* IETF protocol assignments */
	{ AF_INET, { 192, 0, 2 }, 24, false },       /* TEST-NET-1 */
	{ AF_INET, { 198, 18 }, 15, false },         /* benchmarking */
	{ AF_INET, { 198, 51, 100 }, 24, false },    /* TEST-NET-2 */
	{ AF_INET, { 203, 0, 113 }, 24, false },     /* TEST-NET-3 */
	{ AF_INET, { 224 }, 4, false },              /* multicast */
	{ AF_INET, { 240 }, 4, false },              /* reserved, broadcast */
	/* IPv6: only 2000::/3 is global unicast; everything outside it is
	 * not a public client address. */
	{ AF_INET6, { 0x00 }, 3, false },            /* ::/3: unspecified, loopback, ... */
	{ AF_INET6, { 0x40 }, 2, false },            /* 4000::/2 */
	{ AF_INET6, { 0x80 }, 1, false },            /* 8000::/1: ULA, link-local, multicast */
	{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 }, 32, false },  /* documentation */
	{ AF_INET6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, true },  /* ::1 */
	{ AF_INET6, { 0xfc }, 7, true },             /* ULA */
	{ AF_INET6, { 0xfe, 0x80 }, 10, true },      /* link-local */
	{ AF_INET6, { 0xfe, 0xc0 }, 10, true },      /* old site-local */
};

static bool
conf_range_contains(const struct conf_range *r, const uint8_t *a)
{
	unsigned bytes = r->len / 8, bits = r->len % 8;
	if (memcmp(r->a, a, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (r->a[bytes] & mask) == (a[bytes] & mask);
}

/* private_only: the conf_addr_is_private set; else every non-public block. */
static bool
conf_addr_in_special(int family, const uint8_t *addr, bool private_only)
{
	if (family == AF_INET6 && memcmp(addr, conf_v4mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < sizeof(conf_special) / sizeof(conf_special[0]); i++) {
		const struct conf_range *r = &conf_special[i];
		if (r->family == family && (r->private_ || !private_only) &&
		    conf_range_contains(r, addr))
			return true;
	}
	return false;
}

bool
conf_addr_is_private(int family, const uint8_t *addr)
{
	if (addr == NULL || (family != AF_INET && family != AF_INET6))
		return false;
	return conf_addr_in_special(family, addr, true);
}

bool
conf_acl_reaches_public(const acl_t *acl)
{
	if (acl == NULL)
		return true;
	conf_points_t ps;
	conf_points_init(&ps);
	conf_points_add_acl(&ps, acl, 0);
	for (size_t i = 0; i < sizeof(conf_special) / sizeof(conf_special[0]); i++)
		conf_points_add_prefix(&ps, conf_special[i].family, conf_special[i].a,
				       conf_special[i].len);
	conf_points_finish(&ps);
	bool found = false;
	for (size_t i = 0; i < ps.n && !found; i++) {
		const conf_point_t *p = &ps.p[i];
		if (!conf_addr_in_special(p->family, p->a, false) &&
		    acl_match_addr(acl, p->family, p->a) == ACL_MATCH)
			found = true;
	}
	conf_points_free(&ps);
	return found;
}

/* Beyond this many (view, client point, destination point) cells the
 * reachability check is skipped: no warning rather than a slow start. */
#define CONF_CHECK_MAX_CELLS (20u * 1000 * 1000)

void
conf_check_views(const conf_t *c, diag_t *d)
{
	if (c == NULL)
		return;
	for (size_t v = 0; v < c->nviews; v++) {
		const conf_view_t *view = &c->views[v];
		if (view->nzones == 0 && !view->recursion)
			diag_warn(d, c->path, view->line, "view '%s' has no zones and recursion is "
				  "off: every query it gets is REFUSED", view->name);
	}
	if (c->nviews == 0)
		return;

	conf_points_t cp, dp;
	conf_points_init(&cp);
	conf_points_init(&dp);
	bool any_dest = false;
	for (size_t v = 0; v < c->nviews; v++) {
		conf_points_add_acl(&cp, c->views[v].match_clients, 0);
		if (c->views[v].match_destinations != NULL) {
			any_dest = true;
			conf_points_add_acl(&dp, c->views[v].match_destinations, 0);
		}
	}
	conf_points_finish(&cp);
	conf_points_finish(&dp);
	if (!any_dest)
		dp.n = 1;   /* every destination list is "any": one point stands for all */
	size_t nv = c->nviews;
	if (cp.n * dp.n > CONF_CHECK_MAX_CELLS / nv || nv > 100000) {
		conf_points_free(&cp);
		conf_points_free(&dp);
		return;
	}

	/* mc[v * cp.n + i]: view v's clients match point i; md likewise. */
	bool *mc = xmalloc(nv * cp.n * sizeof(bool));
	bool *md = xmalloc(nv * dp.n * sizeof(bool));
	bool *blame = xmalloc(nv * sizeof(bool));
	for (size_t v = 0; v < nv; v++) {
		for (size_t i = 0; i < cp.n; i++)
			mc[v * cp.n + i] = acl_match_addr(c->views[v].match_clients, cp.p[i].family,
							  cp.p[i].a) == ACL_MATCH;
		for (size_t j = 0; j < dp.n; j++)
			md[v * dp.n + j] = acl_match_addr(c->views[v].match_destinations,
							  dp.p[j].family, dp.p[j].a) == ACL_MATCH;
	}

	for (size_t v = 0; v < nv; v++) {
		const conf_view_t *view = &c->views[v];
		bool matches_some = false, reachable = false;
		memset(blame, 0, nv * sizeof(bool));
		for (size_t i = 0; i < cp.n && !reachable; i++) {
			if (!mc[v * cp.n + i])
				continue;
			for (size_t j = 0; j < dp.n && !reachable; j++) {
				if (!md[v * dp.n + j])
					continue;
				matches_some = true;
				size_t e;
				for (e = 0; e < v; e++)
					if (mc[e * cp.n + i] && md[e * dp.n + j])
						break;
				if (e == v)
					reachable = true;
				else
					blame[e] = true;
			}
		}
		if (reachable)
			continue;
		if (!matches_some) {
			diag_warn(d, c->path, view->line, "view '%s' matches no client%s; it is never "
				  "used", view->name, view->match_destinations ? " and destination" : "");
			continue;
		}
		char names[512];
		size_t off = 0, nb = 0;
		names[0] = '\0';
		for (size_t e = 0; e < v; e++) {
			if (!blame[e] || off >= sizeof(names))
				continue;
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s'%s'",
						nb ? ", " : "", c->views[e].name);
			nb++;
		}
		diag_warn(d, c->path, view->line, "view '%s' is never used: every client it matches "
			  "is taken by earlier view%s %s", view->name, nb > 1 ? "s" : "", names);
	}
	free(mc);
	free(md);
	free(blame);
	conf_points_free(&cp);
	conf_points_free(&dp);
}

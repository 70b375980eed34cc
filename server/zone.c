/* zone.c -- compile a parsed zone file into nodes with ready-made answers.
 *
 * DESIGN. Building runs in three passes over a temporary index (freed at the
 * end; only the zone's arena survives). The index holds the records as
 * 24-byte brr_t copies in sorted order, so zone_load gives the zone file's
 * own record array back before pass 3, when memory peaks (the answers are
 * laid out beside the index); docs/performance.md has the figures.
 *   1. sort the records by (owner, type, file order) and group them into
 *      RRsets per name (grouped by the reader's owner numbers where it
 *      gave them); add empty non-terminals between names and the apex;
 *   2. mark zone cuts (NS below the apex), names below cuts (glue), CNAMEs
 *      and wildcard parents;
 *   3. for every name lay out each answer it can give, with the writer
 *      below (cw_*), which compresses names against the question and against
 *      names already written, and records fixups where an offset is only
 *      known per query (see zone.h). Names whose answers read other names
 *      go first; the rest (most of a big zone) follow in index order while
 *      the index behind them is given back, so that it does not sit beside
 *      the finished zone when memory peaks (bz_answers).
 * Answers follow BIND's "minimal-responses no-auth": no NS in the authority
 * section of positive answers; A/AAAA of MX, SRV and NS targets in the
 * additional section when the zone has them.
 *
 * Signed zones (DNSKEY or RRSIG records; docs/dnssec.md): every answer is
 * built twice, the plain one and its DO=1 twin (bz_passes, bz_keep): RRSIGs
 * after every RRset (cw_sigs), and the NSEC/NSEC3 records of the proofs that
 * do not depend on the query name (cw_proof). Proofs that do (NXDOMAIN,
 * wildcards) are marked in answer_t.proof and found per query in the chain
 * that bz_nsec_index() sorts (nsec.h). NSEC3 records never become names.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "zone.h"

#include <errno.h>
#include <malloc.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conf.h"

#include "arena.h"
#include "chain.h"
#include "dname.h"
#include "log.h"
#include "nat.h"
#include "nsec.h"
#include "wire.h"
#include "zonefile.h"

#define MAX_CHAIN CHAIN_MAX_CNAMES   /* CNAMEs in one answer, as BIND (chain.h) */
/* Build-time only (never in a placed node): the name is below a DNAME, so
 * its data is occluded (RFC 6672 2.4; BIND ignores it): no node is placed. */
#define BNODE_BELOW_DNAME (1u << 15)
#define MAX_MSG 65535

/* ------------------------------------------------------------------ */
/* Build-time index                                                     */

/* A record as the build needs it: what a zrr_t has without its file, line
 * and class (24 bytes, not 48). The build works on copies in this form, so
 * that a caller that owns the zone file's records can give them back before
 * the answers are laid out (zone_load_translated). */
typedef struct brr {
	const uint8_t *owner;    /* as in the file; the bytes stay the zone file's */
	const uint8_t *rdata;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
} brr_t;

/* The index lives only while a zone is built, but a big zone has one bnode
 * per name and one bset per RRset: both are kept small (40 and 24 bytes, in
 * one block), what few names need is in bnode_rare_t, and the lower-case
 * name is the zone file's own bytes where the file wrote it in lower case. */
typedef struct bset {
	const brr_t *rrs;        /* count records, in b->recs; the set's TTL is
	                            the first one's (bset_ttl), as BIND does */
	const brr_t **sigs;      /* the RRSIGs covering this type at this name */
	uint32_t count;
	uint16_t type;
	/* Saturates: 65,535 RRSIGs do not fit in one message, so an answer
	 * with that many is served without them whatever the real number. */
	uint16_t nsigs;
} bset_t;

#define bset_ttl(s) ((s)->rrs[0].ttl)

struct bnode;

typedef struct bnode_rare {
	struct bnode *cut;            /* delegation above or at this name */
	struct bnode *wildcard;       /* "*.<this>" */
	const answer_t *referral;     /* NODE_DELEG: the referral built for it */
	node_ext_t *ext;              /* out->ext, writable while building */
} bnode_rare_t;

typedef struct bnode {
	const uint8_t *lname;         /* lower case, len bytes */
	bnode_rare_t *rare;           /* NULL: none of its fields set (bn_rare()) */
	node_t *out;
	uint32_t hash;
	uint32_t nsets;               /* up to 65,536 types at one name */
	uint16_t flags;
	uint8_t len;
	bset_t sets[];                /* sets[0].rrs[0].owner: the name as written */
} bnode_t;

typedef struct cw cw_t;

typedef struct builder {
	const zonefile_t *zf;
	zone_t *zone;
	arena_t *arena;
	bnode_t **table;              /* open addressing by hash */
	uint32_t tsize;               /* slots: any number, not only a power of 2 */
	bnode_t **nodes;              /* all nodes, in creation order */
	size_t nnodes, capnodes;
	brr_t *recs;                  /* records sorted by owner, type */
	size_t nrecs;                 /* all but the NSEC3 chain */
	const zrr_t **n3;             /* NSEC3 records and their RRSIGs, sorted */
	size_t nn3;
	/* DNSSEC: the answer being built is the one for DO=1 (RRSIGs, proofs) */
	bool dnssec;
	uint8_t proof;                /* enum nsec_proof, taken by cw_finish() */
	bool dnssec_overflow;         /* this DO=1 answer is too big: keep none */
	bool dnssec_overflow_warned;
	arena_t *tmp;                 /* bnodes and their sets; freed after the build */
	const bset_t *soa;
	uint32_t neg_ttl;             /* min(SOA TTL, SOA MINIMUM), RFC 2308 */
	bnode_t *apex;
	cw_t *cw;
	/* While a node's own answers are built, their bytes gather here so the
	 * node, its answer table, its name and its answers end up in one block
	 * of memory: one or two cache lines per query instead of four. */
	bool staging;
	uint8_t *stage;
	size_t stage_len, stage_cap;
	diag_t *d;
	int failed;
	uint8_t follow;               /* set by chase(), taken by cw_finish() */
} builder_t;

/* The build table is open addressing with linear probing, kept at most half
 * full by bz_add (which grows it), so a probe always meets an empty slot; the
 * loop is still bounded by the table size so that it can never spin. Its
 * size is twice the names, not the next power of 2 (which costs up to twice
 * the memory: 32 MB instead of 18 for a million names): the first slot is
 * the mixed hash scaled to the size (a multiply, no division). */
static uint32_t
bz_slot(uint32_t hash, uint32_t size)
{
	hash ^= hash >> 16;   /* spread the low bits into the high ones that scaling keeps */
	hash *= 0x85ebca6bu;
	hash ^= hash >> 13;
	return (uint32_t)(((uint64_t)hash * size) >> 32);
}

static bnode_t *
bz_find(const builder_t *b, const uint8_t *lname, size_t len, uint32_t hash)
{
	uint32_t i = bz_slot(hash, b->tsize);
	for (uint32_t probes = 0; probes < b->tsize; probes++, i = i + 1 == b->tsize ? 0 : i + 1) {
		bnode_t *n = b->table[i];
		if (n == NULL)
			return NULL;
		if (n->hash == hash && n->len == len && memcmp(n->lname, lname, len) == 0)
			return n;
	}
	return NULL;
}

static bnode_t *
bz_find_name(const builder_t *b, const uint8_t *name)
{
	uint8_t l[DNAME_MAXLEN];
	dname_to_lower(l, name);
	return bz_find(b, l, dname_length(l), dname_hash(l));
}

static void
bz_table_insert(bnode_t **table, uint32_t size, bnode_t *n)
{
	uint32_t i = bz_slot(n->hash, size);
	while (table[i] != NULL)
		i = i + 1 == size ? 0 : i + 1;
	table[i] = n;
}

/* Double the build table. The number of names is only known once the empty
 * non-terminals are in (a /64 ip6.arpa zone has up to 16 of them per
 * record), so the table grows as names are added. */
static void
bz_table_grow(builder_t *b)
{
	if (b->tsize > UINT32_MAX / 2) {   /* more names than a zone can hold */
		log_error("zone build: too many names");
		abort();
	}
	uint32_t size = b->tsize * 2;
	bnode_t **table = xcalloc(size, sizeof(*table));
	for (size_t i = 0; i < b->nnodes; i++)
		bz_table_insert(table, size, b->nodes[i]);
	free(b->table);
	b->table = table;
	b->tsize = size;
}

/* A node for a name the table does not have, with room for nsets sets. */
static bnode_t *
bz_add_new(builder_t *b, const uint8_t *lname, size_t len, uint32_t hash, const uint8_t *owner,
	   size_t nsets)
{
	if ((b->nnodes + 1) * 2 > (size_t)b->tsize)
		bz_table_grow(b);
	bnode_t *n = arena_zalloc(b->tmp, sizeof(*n) + nsets * sizeof(n->sets[0]));
	/* owner: a record's, which outlives the build */
	n->lname = owner != NULL && memcmp(owner, lname, len) == 0 ? owner
		 : arena_memdup_bytes(b->tmp, lname, len);
	n->len = (uint8_t)len;
	n->hash = hash;
	bz_table_insert(b->table, b->tsize, n);
	if (b->nnodes == b->capnodes) {
		b->capnodes = b->capnodes ? b->capnodes * 2 : 64;
		b->nodes = xrealloc(b->nodes, b->capnodes * sizeof(*b->nodes));
	}
	b->nodes[b->nnodes++] = n;
	return n;
}

static bnode_t *
bz_add(builder_t *b, const uint8_t *lname, const uint8_t *owner)
{
	size_t len = dname_length(lname);
	uint32_t hash = dname_hash(lname);
	bnode_t *n = bz_find(b, lname, len, hash);
	return n != NULL ? n : bz_add_new(b, lname, len, hash, owner, 0);
}

/* The name as written in the file (its first record's), else lower case. */
static const uint8_t *
bn_owner(const bnode_t *n)
{
	return n->nsets > 0 ? n->sets[0].rrs[0].owner : n->lname;
}

/* The rare fields of n, made on first use. */
static bnode_rare_t *
bn_rare(builder_t *b, bnode_t *n)
{
	if (n->rare == NULL)
		n->rare = arena_zalloc(b->tmp, sizeof(*n->rare));
	return n->rare;
}

static bnode_t *
bn_cut(const bnode_t *n)
{
	return n->rare != NULL ? n->rare->cut : NULL;
}

static bnode_t *
bn_wildcard(const bnode_t *n)
{
	return n->rare != NULL ? n->rare->wildcard : NULL;
}

static const bset_t *
bnode_set(const bnode_t *n, uint16_t type)
{
	for (size_t i = 0; i < n->nsets; i++)
		if (n->sets[i].type == type)
			return &n->sets[i];
	return NULL;
}

/* The type an RRSIG covers (RFC 4034 3.1.1); 0 if malformed. A macro: for
 * zrr_t and brr_t alike. */
#define rrsig_covered(rr) \
	((rr)->type == LDNS_RR_TYPE_RRSIG && (rr)->rdlen >= 18 ? get16((rr)->rdata) : 0)

static bool
rr_is_nsec3(const zrr_t *rr)
{
	return rr->type == LDNS_RR_TYPE_NSEC3 || rrsig_covered(rr) == LDNS_RR_TYPE_NSEC3;
}

/* Give every RRset of a name the RRSIGs that cover it. */
static void
bset_pair_sigs(builder_t *b, bset_t *sets, size_t nsets)
{
	const bset_t *sig = NULL;
	for (size_t i = 0; i < nsets; i++)
		if (sets[i].type == LDNS_RR_TYPE_RRSIG)
			sig = &sets[i];
	if (sig == NULL)
		return;
	for (size_t i = 0; i < nsets; i++) {
		bset_t *s = &sets[i];
		if (s->type == LDNS_RR_TYPE_RRSIG)
			continue;
		for (size_t k = 0; k < sig->count; k++) {
			if (rrsig_covered(&sig->rrs[k]) != s->type)
				continue;
			if (s->sigs == NULL)
				s->sigs = arena_zalloc(b->tmp, sig->count * sizeof(*s->sigs));
			if (s->nsigs < UINT16_MAX)
				s->sigs[s->nsigs++] = &sig->rrs[k];
		}
	}
}

/* The order of the lower-cased wire owners (a grouping order, not DNSSEC's),
 * compared in place: sorting calls this n log n times, and lower-casing
 * copies of both names was a fifth of a zone's load time. */
static int
cmp_owner(const zrr_t *a, const zrr_t *b)
{
	if (a->owner == b->owner)
		return 0;   /* the reader shares the bytes of consecutive owners */
	size_t n = a->owner_len < b->owner_len ? a->owner_len : b->owner_len;
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a->owner[i], y = b->owner[i];
		x = (x >= 'A' && x <= 'Z') ? (uint8_t)(x + 32) : x;
		y = (y >= 'A' && y <= 'Z') ? (uint8_t)(y + 32) : y;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->owner_len == b->owner_len ? 0 : a->owner_len < b->owner_len ? -1 : 1;
}

static int
cmp_rr(const void *pa, const void *pb)
{
	const zrr_t *a = *(const zrr_t *const *)pa, *b = *(const zrr_t *const *)pb;
	int c = cmp_owner(a, b);
	if (c != 0)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return (a > b) - (a < b);   /* file order: rrs is one array */
}

static int
cmp_type_in_file_order(const void *pa, const void *pb)
{
	const zrr_t *a = *(const zrr_t *const *)pa, *b = *(const zrr_t *const *)pb;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return (a > b) - (a < b);
}

/* The reader numbered the owners (zonefile_t.nnames): group the records by
 * that number with a counting sort, each name's records by (type, file
 * order), instead of sorting by owner bytes (n log n name comparisons were
 * a fifth of a big zone's load). The names come in order of first
 * appearance in the file. */
static void
bz_group_by_name_id(const zrr_t **recs, size_t n, uint32_t nnames)
{
	/* mapped, not malloc()ed: freeing a big malloc block raises glibc's
	 * mmap threshold, and the build's later big arrays would then stay
	 * in the heap (4.7 MiB more peak at 1M names) */
	uint32_t *start = arena_block_resize(NULL, ((size_t)nnames + 1) * sizeof(*start));
	memset(start, 0, ((size_t)nnames + 1) * sizeof(*start));
	for (size_t i = 0; i < n; i++)
		start[recs[i]->name_id + 1]++;
	for (uint32_t k = 0; k < nnames; k++)
		start[k + 1] += start[k];
	const zrr_t **out = arena_block_resize(NULL, n * sizeof(*out));
	for (size_t i = 0; i < n; i++)   /* in file order: stable */
		out[start[recs[i]->name_id]++] = recs[i];
	arena_block_free(start);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		bool ordered = true;
		for (; j < n && out[j]->name_id == out[i]->name_id; j++)
			ordered = ordered && out[j]->type >= out[j - 1]->type;
		if (!ordered)
			qsort(out + i, j - i, sizeof(*out), cmp_type_in_file_order);
		i = j;
	}
	memcpy(recs, out, n * sizeof(*out));
	arena_block_free(out);
}

/* Whether a and b have the same owner (case-insensitive). */
static bool
same_owner(const zonefile_t *zf, const zrr_t *a, const zrr_t *b)
{
	return zonefile_name_count(zf) > 0 ? a->name_id == b->name_id : cmp_owner(a, b) == 0;
}

/* rr in the build's form, in *out; returns out. */
static brr_t *
brr_of(brr_t *out, const zrr_t *rr)
{
	*out = (brr_t){ .owner = rr->owner, .rdata = rr->rdata, .ttl = rr->ttl, .type = rr->type,
			.rdlen = rr->rdlen };
	return out;
}

/* Pass 1: nodes, RRsets, empty non-terminals. */
static void
bz_index(builder_t *b)
{
	const zonefile_t *zf = b->zf;
	size_t n = zf->count;

	/* NSEC3 records and their RRSIGs are only served in proofs: their
	 * hashed owner names are no names of the zone (RFC 5155 7.2.8; BIND).
	 * Both arrays sized exactly: a big zone has no NSEC3 at all. */
	size_t nall = n;
	for (size_t i = 0; i < nall; i++)
		b->nn3 += rr_is_nsec3(&zf->rrs[i]);
	const zrr_t **sorted = xcalloc(nall - b->nn3, sizeof(*sorted));
	b->n3 = xcalloc(b->nn3, sizeof(*b->n3));
	size_t k3 = 0;
	n = 0;
	for (size_t i = 0; i < nall; i++) {
		const zrr_t *rr = &zf->rrs[i];
		if (rr_is_nsec3(rr))
			b->n3[k3++] = rr;
		else
			sorted[n++] = rr;
	}
	if (zonefile_name_count(zf) > 0)
		bz_group_by_name_id(sorted, n, zonefile_name_count(zf));
	else
		qsort(sorted, n, sizeof(*sorted), cmp_rr);
	qsort(b->n3, b->nn3, sizeof(*b->n3), cmp_rr);

	/* Sized for the names with records, half full; the empty non-terminals
	 * added below grow it (bz_add). */
	size_t owners = n > 0;
	for (size_t i = 1; i < n; i++)
		owners += !same_owner(zf, sorted[i - 1], sorted[i]);
	/* the records in the build's form, in this order */
	/* mapped: the build gives it back page by page (bz_answers) */
	b->recs = arena_block_resize(NULL, n * sizeof(*b->recs));
	b->nrecs = n;
	for (size_t i = 0; i < n; i++)
		brr_of(&b->recs[i], sorted[i]);
	const brr_t *recs = b->recs;
	if (owners > (UINT32_MAX - 64) / 2) {
		log_error("zone build: too many names");
		abort();
	}
	b->tsize = (uint32_t)(owners * 2 + 64);
	b->table = xcalloc(b->tsize, sizeof(*b->table));

	for (size_t i = 0; i < n;) {
		uint8_t l[DNAME_MAXLEN];
		dname_to_lower(l, sorted[i]->owner);
		size_t j = i;
		while (j < n && same_owner(zf, sorted[j], sorted[i]))
			j++;
		size_t ntypes = 0;
		for (size_t k = i; k < j; k++)
			if (k == i || sorted[k]->type != sorted[k - 1]->type)
				ntypes++;
		/* each owner is one run of the sort: no lookup (a cache miss or
		 * two per name in a big zone) */
		bnode_t *node = bz_add_new(b, l, sorted[i]->owner_len, dname_hash(l), sorted[i]->owner,
					   ntypes);
		for (size_t k = i; k < j;) {
			size_t m = k;
			while (m < j && sorted[m]->type == sorted[k]->type)
				m++;
			bset_t *s = &node->sets[node->nsets++];
			s->type = sorted[k]->type;
			s->rrs = &recs[k];
			s->count = (uint32_t)(m - k);
			k = m;
		}
		bset_pair_sigs(b, node->sets, node->nsets);
		i = j;
	}
	free(sorted);

	/* Empty non-terminals: every missing name between a name and the apex.
	 * Names come sorted or in file order, where siblings are mostly
	 * neighbours: the parent found for the last name is looked up once,
	 * not once per child. */
	size_t existing = b->nnodes;
	const bnode_t *known = NULL;
	for (size_t i = 0; i < existing; i++) {
		uint8_t p[DNAME_MAXLEN];
		memcpy(p, b->nodes[i]->lname, b->nodes[i]->len);
		const uint8_t *q = p;
		while (q[0] != 0) {
			q += 1 + q[0];
			size_t ql = dname_length(q);
			if (ql < b->zone->apex_len)
				break;
			if (known != NULL && known->len == ql && memcmp(known->lname, q, ql) == 0)
				break;
			known = bz_find(b, q, ql, dname_hash(q));
			if (known != NULL)
				break;
			bz_add(b, q, NULL)->flags |= NODE_EMPTY;
		}
	}
	b->apex = bz_find(b, zf->origin, zf->origin_len, dname_hash(zf->origin));
	b->soa = b->apex ? bnode_set(b->apex, LDNS_RR_TYPE_SOA) : NULL;
}

/* Pass 2: cuts, glue, CNAMEs, wildcards. */
static void
bz_mark(builder_t *b)
{
	b->apex->flags |= NODE_APEX;
	/* the walks up from every name below look for cuts and DNAMEs: none
	 * if the zone has none (a lookup per name and label saved) */
	bool any_cut = false, any_dname = false;
	for (size_t i = 0; i < b->nnodes; i++) {
		bnode_t *n = b->nodes[i];
		if (n != b->apex && bnode_set(n, LDNS_RR_TYPE_NS) != NULL) {
			n->flags |= NODE_DELEG;
			bn_rare(b, n)->cut = n;
			any_cut = true;
		}
		if (bnode_set(n, LDNS_RR_TYPE_CNAME) != NULL)
			n->flags |= NODE_CNAME;
		if (bnode_set(n, LDNS_RR_TYPE_DNAME) != NULL) {
			n->flags |= NODE_DNAME;
			any_dname = true;
		}
	}
	for (size_t i = 0; i < b->nnodes && any_dname; i++) {
		bnode_t *n = b->nodes[i];
		for (const uint8_t *q = n->lname; q[0] != 0;) {
			q += 1 + q[0];
			size_t ql = dname_length(q);
			if (ql < b->zone->apex_len)
				break;
			bnode_t *up = bz_find(b, q, ql, dname_hash(q));
			if (up != NULL && (up->flags & NODE_DNAME))
				n->flags |= BNODE_BELOW_DNAME;
		}
	}
	for (size_t i = 0; i < b->nnodes; i++) {
		bnode_t *n = b->nodes[i];
		if (n == b->apex)
			continue;
		/* the highest cut above this name wins */
		const uint8_t *q = n->lname;
		while (any_cut && q[0] != 0) {
			q += 1 + q[0];
			size_t ql = dname_length(q);
			if (ql <= b->zone->apex_len)
				break;
			bnode_t *up = bz_find(b, q, ql, dname_hash(q));
			if (up != NULL && (up->flags & NODE_DELEG)) {
				n->flags |= NODE_OCCLUDED;
				bn_rare(b, n)->cut = up;
			}
		}
		if (n->lname[0] == 1 && n->lname[1] == '*' && !(n->flags & BNODE_BELOW_DNAME)) {
			const uint8_t *parent = n->lname + 2;
			bnode_t *p = bz_find(b, parent, dname_length(parent), dname_hash(parent));
			if (p != NULL) {
				bn_rare(b, p)->wildcard = n;
				n->flags |= NODE_WILDCARD;
			}
		}
	}
	/* A name below a cut that is itself a cut answers with the higher cut. */
	for (size_t i = 0; i < b->nnodes; i++) {
		bnode_t *n = b->nodes[i];
		if ((n->flags & NODE_OCCLUDED) && (n->flags & NODE_DELEG))
			n->flags &= (uint16_t)~NODE_DELEG;
	}
}

/* ------------------------------------------------------------------ */
/* The answer writer                                                    */

enum { D_ABS, D_QSUF, D_REL };

typedef struct dict_ent {
	uint8_t name[DNAME_MAXLEN];   /* lower case */
	uint8_t len;
	uint8_t kind;
	bool question;                /* a suffix of the question: client's case */
	uint16_t val;
} dict_ent_t;

#define CW_DICT 128
#define CW_FIX 256
/* Offsets a pointer can reach: below 0x4000. A dynamic answer starts at most
 * 12 + 255 + 4 bytes into the message. */
#define CW_PTR_LIMIT 0x3FFF
#define CW_DYN_BASE_MAX (12 + 255 + 4)

struct cw {
	uint8_t buf[MAX_MSG + 512];
	size_t len;
	int base;                  /* message offset of buf[0]; -1: per query */
	dict_ent_t dict[CW_DICT];
	unsigned ndict;
	fixup_t fix[CW_FIX];
	unsigned nfix;
	int section;               /* 0 answer, 1 authority, 2 additional */
	uint16_t count[3];
	size_t len_noadd;
	bool overflow;
	bool dnssec;               /* each RRset with its RRSIGs (DO=1 answers) */
};

static void
cw_dict_add(cw_t *w, const uint8_t *lname, uint8_t kind, uint16_t val, bool question)
{
	if (w->ndict == CW_DICT || lname[0] == 0)
		return;
	dict_ent_t *e = &w->dict[w->ndict++];
	e->question = question;
	size_t len = dname_length(lname);
	memcpy(e->name, lname, len);
	e->len = (uint8_t)len;
	e->kind = kind;
	e->val = val;
}

/* Start an answer. known: a name the question ends with (lower case);
 * exact: known IS the question name, so every offset is final. */
static void
cw_reset(cw_t *w, const uint8_t *known, bool exact)
{
	size_t klen = dname_length(known);
	w->len = 0;
	w->ndict = 0;
	w->nfix = 0;
	w->section = 0;
	w->count[0] = w->count[1] = w->count[2] = 0;
	w->len_noadd = 0;
	w->overflow = false;
	w->base = exact ? (int)(12 + klen + 4) : -1;
	for (const uint8_t *p = known; p[0] != 0; p += 1 + p[0]) {
		if (exact)
			cw_dict_add(w, p, D_ABS, (uint16_t)(12 + (p - known)), true);
		else
			cw_dict_add(w, p, D_QSUF, (uint16_t)dname_length(p), true);
	}
}

static void
cw_put(cw_t *w, const void *data, size_t n)
{
	if (w->len + n > MAX_MSG) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
}

static void
cw_put16(cw_t *w, uint16_t v)
{
	uint8_t b[2];
	put16(b, v);
	cw_put(w, b, 2);
}

static void
cw_put32(cw_t *w, uint32_t v)
{
	uint8_t b[4];
	put32(b, v);
	cw_put(w, b, 4);
}

static void
cw_pointer(cw_t *w, const dict_ent_t *e)
{
	size_t at = w->len;
	switch (e->kind) {
	case D_ABS:
		cw_put16(w, (uint16_t)(0xC000 | e->val));
		return;
	case D_QSUF:
	case D_REL:
		cw_put16(w, 0xC000);
		if (w->nfix == CW_FIX) {
			w->overflow = true;
			return;
		}
		w->fix[w->nfix++] = (fixup_t){ .pos = (uint16_t)at, .value = e->val,
			.kind = e->kind == D_QSUF ? FIX_QSUF : FIX_REL };
		return;
	}
}

static const dict_ent_t *
cw_dict_find(const cw_t *w, const uint8_t *lname, size_t len, bool in_rdata)
{
	for (unsigned i = 0; i < w->ndict; i++)
		if (w->dict[i].len == len && !(in_rdata && w->dict[i].question) &&
		    memcmp(w->dict[i].name, lname, len) == 0)
			return &w->dict[i];
	return NULL;
}

/* Write a name (case as given), compressed against what is known. Names in
 * record data keep the zone's case, as BIND's case-sensitive compression
 * does: they never point into the question, whose case is the client's. */
static void
cw_name(cw_t *w, const uint8_t *name, bool in_rdata)
{
	uint8_t lname[DNAME_MAXLEN];
	dname_to_lower(lname, name);
	size_t p = 0;
	const dict_ent_t *hit = NULL;
	while (lname[p] != 0) {
		hit = cw_dict_find(w, lname + p, dname_length(lname + p), in_rdata);
		if (hit != NULL)
			break;
		p += 1 + (size_t)lname[p];
	}
	/* labels before p are written out and become pointer targets */
	size_t start = w->len;
	cw_put(w, name, p);
	for (size_t q = 0; q < p; q += 1 + (size_t)lname[q]) {
		size_t at = start + q;
		if (w->base >= 0 && w->base + at < CW_PTR_LIMIT)
			cw_dict_add(w, lname + q, D_ABS, (uint16_t)(w->base + at), false);
		else if (w->base < 0 && at + CW_DYN_BASE_MAX < CW_PTR_LIMIT)
			cw_dict_add(w, lname + q, D_REL, (uint16_t)at, false);
	}
	if (hit != NULL) {
		dict_ent_t copy = *hit;   /* cw_dict_add may not move it, but be safe */
		cw_pointer(w, &copy);
	} else {
		uint8_t root = 0;
		cw_put(w, &root, 1);
	}
}

static void
cw_section(cw_t *w, int section)
{
	if (section == 2 && w->section < 2)
		w->len_noadd = w->len;
	w->section = section;
}

/* Is the rdata of this type a name (or does it hold names) that RFC 1035
 * lets us compress? Returns the offset of the first name or -1. */
static void
cw_rdata(cw_t *w, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	size_t n1, n2;
	switch (type) {
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_PTR:
		if (rdlen > 0 && dname_length(rd) == rdlen) {
			cw_name(w, rd, true);
			return;
		}
		break;
	case LDNS_RR_TYPE_MX:
		if (rdlen > 2 && dname_length(rd + 2) == (size_t)rdlen - 2) {
			cw_put(w, rd, 2);
			cw_name(w, rd + 2, true);
			return;
		}
		break;
	case LDNS_RR_TYPE_SOA:
		n1 = dname_length(rd);
		if (n1 < rdlen) {
			n2 = dname_length(rd + n1);
			if (n1 + n2 + 20 == rdlen) {
				cw_name(w, rd, true);
				cw_name(w, rd + n1, true);
				cw_put(w, rd + n1 + n2, 20);
				return;
			}
		}
		break;
	}
	cw_put(w, rd, rdlen);
}

/* One record; owner NULL means "the question name" (offset 12). */
static void
cw_rr(cw_t *w, const uint8_t *owner, uint16_t type, uint32_t ttl,
      const uint8_t *rd, uint16_t rdlen)
{
	if (owner == NULL)
		cw_put16(w, 0xC00C);
	else
		cw_name(w, owner, false);
	cw_put16(w, type);
	cw_put16(w, LDNS_RR_CLASS_IN);
	cw_put32(w, ttl);
	size_t lenpos = w->len;
	cw_put16(w, 0);
	cw_rdata(w, type, rd, rdlen);
	if (w->overflow)
		return;
	size_t n = w->len - lenpos - 2;
	put16(w->buf + lenpos, (uint16_t)n);
	w->count[w->section]++;
}

/* The RRSIGs of a set, with the TTL the set is served with. */
static void
cw_sigs(cw_t *w, const uint8_t *owner, const bset_t *s, uint32_t ttl)
{
	if (!w->dnssec)
		return;
	for (size_t i = 0; i < s->nsigs; i++)
		cw_rr(w, owner, LDNS_RR_TYPE_RRSIG, ttl, s->sigs[i]->rdata, s->sigs[i]->rdlen);
}

static void
cw_rrset(cw_t *w, const uint8_t *owner, const bset_t *s)
{
	for (size_t i = 0; i < s->count; i++)
		cw_rr(w, owner, s->type, bset_ttl(s), s->rrs[i].rdata, s->rrs[i].rdlen);
	cw_sigs(w, owner, s, bset_ttl(s));
}

/* Append to the staging buffer; returns the offset. */
static size_t
stage_put(builder_t *b, const void *data, size_t n, size_t align)
{
	size_t at = (b->stage_len + align - 1) & ~(align - 1);
	if (at + n > b->stage_cap) {
		b->stage_cap = (at + n) * 2 + 4096;
		b->stage = xrealloc(b->stage, b->stage_cap);
	}
	if (n > 0)
		memcpy(b->stage + at, data, n);
	b->stage_len = at + n;
	return at;
}

/* Copy the answer out of the writer: into the zone's arena, or while
 * staging into the staging buffer, with wire and fixups holding offsets
 * until node_place() turns them into pointers. */
static answer_t
cw_finish(builder_t *b, uint8_t rcode, bool aa, bool glue_required)
{
	cw_t *w = b->cw;
	answer_t a = { 0 };
	if (w->overflow && b->dnssec) {
		/* too big with its RRSIGs: DO=1 gets the plain answer (bz_keep) */
		if (!b->dnssec_overflow_warned)
			diag_warn(b->d, b->zf->path, 0, "zone %s: a signed answer would exceed 65535 bytes; "
				  "it is served without its signatures", b->zone->name);
		b->dnssec_overflow_warned = true;
		b->dnssec_overflow = true;
	} else if (w->overflow && !b->failed) {
		diag_error(b->d, b->zf->path, 0, "an answer in zone %s would exceed 65535 bytes",
			   b->zone->name);
		b->failed = 1;
	}
	if (w->section < 2)
		w->len_noadd = w->len;
	if (b->staging) {
		size_t f = stage_put(b, w->fix, w->nfix * sizeof(fixup_t), _Alignof(fixup_t));
		a.fixups = (const fixup_t *)(uintptr_t)f;
		a.wire = (const uint8_t *)(uintptr_t)stage_put(b, w->buf, w->len, 1);
	} else {
		a.wire = arena_memdup_bytes(b->arena, w->buf, w->len);
		if (w->nfix > 0)
			a.fixups = arena_memdup(b->arena, w->fix, w->nfix * sizeof(fixup_t));
	}
	a.len = (uint16_t)w->len;
	a.len_noadd = (uint16_t)w->len_noadd;
	a.ancount = w->count[0];
	a.nscount = w->count[1];
	a.arcount = w->count[2];
	a.nfixups = (uint16_t)w->nfix;
	a.rcode = rcode;
	a.aa = aa;
	a.glue_required = glue_required;
	a.follow = b->follow;
	b->follow = 0;
	a.proof = b->proof & 0x0F;
	b->proof = 0;
	return a;
}

/* Build the DO=1 answers from here on (on) or the plain ones. stage: the
 * plain answers go to the staging buffer (DO=1 answers always go to the
 * arena: they are only read for DO queries). */
static void
bz_dnssec_pass(builder_t *b, bool on, bool stage)
{
	b->dnssec = on;
	b->cw->dnssec = on;
	b->staging = stage && !on;
}

/* Passes to build an answer in: 2 for a signed zone (plain, then DO=1). */
static int
bz_passes(const builder_t *b)
{
	return b->zone->is_signed ? 2 : 1;
}

/* Keep the answer of a pass: the plain one in *plain, the DO=1 one as its
 * twin. An answer with a proof added per query (behind the authority
 * section) is kept without its additional section, which may be left out
 * (RFC 2181 9): the proof then stays in the authority section. */
static void
bz_keep(builder_t *b, answer_t *plain, answer_t a)
{
	if (!b->dnssec) {
		*plain = a;
		return;
	}
	if (b->dnssec_overflow) {
		b->dnssec_overflow = false;
		return;
	}
	if (a.proof != 0) {
		a.len = a.len_noadd;
		a.arcount = 0;
		a.glue_required = false;
	}
	plain->dnssec = arena_memdup(b->arena, &a, sizeof(a));
	plain->follow |= ANSWER_SIGNED;
}

/* The NSEC/NSEC3 records of a proof known when building (name: lower case),
 * in the current section; DO=1 answers of signed zones only. */
static void
cw_proof(builder_t *b, enum nsec_proof kind, const uint8_t *name, const uint8_t *ce)
{
	cw_t *w = b->cw;
	if (!w->dnssec || b->zone->nsec == NULL || w->overflow)
		return;
	uint16_t count = 0;
	size_t n = nsec_proof_write(b->zone->nsec, kind, name, ce, w->buf + w->len, MAX_MSG - w->len,
				    &count);
	if (n == (size_t)-1) {
		w->overflow = true;
		return;
	}
	w->len += n;
	w->count[w->section] = (uint16_t)(w->count[w->section] + count);
}

/* ------------------------------------------------------------------ */
/* Answers                                                              */

enum resolve { R_OUT, R_EXACT, R_WILD, R_NX, R_CUT, R_DNAME };

/* Where does a name lead inside this zone (at build time)? */
static enum resolve
bz_resolve(const builder_t *b, const uint8_t *name, bnode_t **out)
{
	uint8_t l[DNAME_MAXLEN];
	dname_to_lower(l, name);
	*out = NULL;
	if (!dname_is_subdomain(l, b->zone->apex))
		return R_OUT;
	for (const uint8_t *q = l;; q += 1 + q[0]) {
		bnode_t *n = bz_find(b, q, dname_length(q), dname_hash(q));
		if (n == NULL)
			continue;
		*out = n;
		/* below a DNAME: synthesized per query (query.c) */
		if ((n->flags & BNODE_BELOW_DNAME) || (q != l && (n->flags & NODE_DNAME)))
			return R_DNAME;
		if (n->flags & (NODE_DELEG | NODE_OCCLUDED))
			return R_CUT;
		if (q == l)
			return R_EXACT;
		if (bn_wildcard(n) != NULL) {
			*out = bn_wildcard(n);
			return R_WILD;
		}
		return R_NX;
	}
}

/* Which addresses of targets go into the additional section. */
enum targets {
	TARGETS_AUTH,      /* MX, SRV: the zone's own (authoritative) data */
	TARGETS_ALL,       /* NS answers: authoritative data and glue */
	TARGETS_GLUE,      /* referrals: glue only -- names at or below a zone cut
	                      of this zone; not a name of the parent zone outside
	                      the delegation (BIND 9.18 adds none for those) */
};

/* A/AAAA of the targets of MX, SRV and NS records, if this zone has them.
 * Returns whether one of them is at or below cut (in-bailiwick glue). */
static bool
add_targets(builder_t *b, const bset_t *s, enum targets which, const uint8_t *cut)
{
	const uint8_t *seen[64];
	unsigned nseen = 0;
	bool inside = false;
	for (size_t i = 0; i < s->count; i++) {
		const brr_t *rr = &s->rrs[i];
		size_t off = s->type == LDNS_RR_TYPE_MX ? 2 : s->type == LDNS_RR_TYPE_SRV ? 6 : 0;
		if (rr->rdlen <= off || dname_length(rr->rdata + off) != rr->rdlen - off)
			continue;
		const uint8_t *target = rr->rdata + off;
		bool dup = false;
		for (unsigned k = 0; k < nseen; k++)
			dup = dup || dname_equal(seen[k], target);
		if (dup || target[0] == 0)
			continue;
		if (nseen < 64)
			seen[nseen++] = target;
		bnode_t *t = bz_find_name(b, target);
		if (t == NULL || (t->flags & BNODE_BELOW_DNAME))
			continue;
		bool glue = (t->flags & (NODE_OCCLUDED | NODE_DELEG)) != 0;
		if ((which == TARGETS_AUTH && (t->flags & NODE_OCCLUDED)) || (which == TARGETS_GLUE && !glue))
			continue;
		const bset_t *a = bnode_set(t, LDNS_RR_TYPE_A), *aaaa = bnode_set(t, LDNS_RR_TYPE_AAAA);
		if (a == NULL && aaaa == NULL)
			continue;
		cw_section(b->cw, 2);
		if (a != NULL)
			cw_rrset(b->cw, target, a);
		if (aaaa != NULL)
			cw_rrset(b->cw, target, aaaa);
		if (cut != NULL && dname_is_subdomain(t->lname, cut))
			inside = true;
	}
	return inside;
}

static void
add_set_with_targets(builder_t *b, const uint8_t *owner, const bset_t *s)
{
	cw_section(b->cw, 0);
	cw_rrset(b->cw, owner, s);
	if (s->type == LDNS_RR_TYPE_MX || s->type == LDNS_RR_TYPE_SRV || s->type == LDNS_RR_TYPE_NS)
		add_targets(b, s, s->type == LDNS_RR_TYPE_NS ? TARGETS_ALL : TARGETS_AUTH, NULL);
}

static void
add_negative_soa(builder_t *b)
{
	cw_section(b->cw, 1);
	const brr_t *soa = &b->soa->rrs[0];
	cw_rr(b->cw, bn_owner(b->apex), LDNS_RR_TYPE_SOA, b->neg_ttl, soa->rdata, soa->rdlen);
	cw_sigs(b->cw, bn_owner(b->apex), b->soa, b->neg_ttl);
}

/* NS of a cut in the authority section, glue in the additional section.
 * Returns whether glue from below the cut was needed. */
static bool
add_referral(builder_t *b, const bnode_t *cut)
{
	cw_section(b->cw, 1);
	const bset_t *ns = bnode_set(cut, LDNS_RR_TYPE_NS);
	cw_rrset(b->cw, bn_owner(cut), ns);
	if (b->dnssec) {
		/* the DS, or the proof there is none (RFC 4035 3.1.4) */
		const bset_t *ds = bnode_set(cut, LDNS_RR_TYPE_DS);
		if (ds != NULL)
			cw_rrset(b->cw, bn_owner(cut), ds);
		else
			cw_proof(b, NSEC_PROOF_NODATA, cut->lname, cut->lname);
	}
	return add_targets(b, ns, TARGETS_GLUE, cut->lname);
}

/* Follow a CNAME chain from start. want: the query type (0: none of the
 * final name's types). Writes into b->cw, which the caller has reset and
 * seeded; returns the rcode. owner: NULL = the question name. */
/* DO=1: a chain's names that a wildcard stands for need the proof that
 * they do not exist (RFC 4035 3.1.3.3), behind the answer section. */
typedef struct hops {
	uint8_t name[MAX_CHAIN][DNAME_MAXLEN];   /* lower case */
	const uint8_t *ce[MAX_CHAIN];            /* the wildcard's parent */
	unsigned n;
} hops_t;

static void
hops_add(hops_t *h, const uint8_t *name, const bnode_t *wild)
{
	if (h->n == MAX_CHAIN)
		return;
	dname_to_lower(h->name[h->n], name);
	h->ce[h->n++] = wild->lname + 2;
}

static void
hops_proofs(builder_t *b, const hops_t *h)
{
	if (!b->dnssec || h->n == 0)
		return;
	cw_section(b->cw, 1);
	for (unsigned i = 0; i < h->n; i++)
		cw_proof(b, NSEC_PROOF_WILDCARD, h->name[i], h->ce[i]);
}

static uint8_t
chase(builder_t *b, const bnode_t *start, uint16_t want)
{
	const bnode_t *cur = start;
	const uint8_t *owner = NULL;
	const bnode_t *seen[MAX_CHAIN];
	hops_t hops;
	hops.n = 0;
	uint8_t lt[DNAME_MAXLEN];
	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		seen[depth] = cur;
		const bset_t *cs = bnode_set(cur, LDNS_RR_TYPE_CNAME);
		cw_section(b->cw, 0);
		cw_rrset(b->cw, owner, cs);
		const uint8_t *target = cs->rrs[0].rdata;
		owner = target;
		if (depth + 1 >= MAX_CHAIN)
			return LDNS_RCODE_SERVFAIL;   /* the chain's last CNAME, as BIND (chain.h) */
		bnode_t *t;
		enum resolve r = bz_resolve(b, target, &t);
		switch (r) {
		case R_OUT:
			b->follow = ANSWER_FOLLOW_OUT;
			return 0;
		case R_DNAME:
			b->follow = ANSWER_FOLLOW_ZONE;
			return 0;
		case R_CUT:
			/* below a delegation: decided per query, as BIND does -- a
			 * zone of the view that serves the target ends the chain
			 * there (or, with recursion, answers it); otherwise the
			 * chain and the referral for the target */
			b->follow = ANSWER_FOLLOW_ZONE;
			return 0;
		case R_NX:
			add_negative_soa(b);
			hops_proofs(b, &hops);
			dname_to_lower(lt, target);
			cw_proof(b, NSEC_PROOF_NXDOMAIN, lt, t->lname);
			return 3;
		case R_EXACT:
		case R_WILD:
			if (t->flags & NODE_CNAME) {
				/* a loop is a broken zone: SERVFAIL after one round, as BIND */
				for (int k = 0; k <= depth; k++)
					if (seen[k] == t)
						return LDNS_RCODE_SERVFAIL;
				if (r == R_WILD)
					hops_add(&hops, target, t);
				cur = t;
				continue;
			}
			const bset_t *s = want ? bnode_set(t, want) : NULL;
			bool wild = r == R_WILD;
			dname_to_lower(lt, target);
			if (s != NULL && b->dnssec) {
				/* DO=1: no additional section, the proofs follow */
				cw_section(b->cw, 0);
				cw_rrset(b->cw, target, s);
				if (wild)
					hops_add(&hops, target, t);
				hops_proofs(b, &hops);
			} else if (s != NULL) {
				add_set_with_targets(b, target, s);
			} else {
				add_negative_soa(b);
				hops_proofs(b, &hops);
				if (wild)
					cw_proof(b, NSEC_PROOF_WILD_NODATA, lt, t->lname + 2);
				else
					cw_proof(b, NSEC_PROOF_NODATA, lt, lt);
			}
			return 0;
		}
	}
	return LDNS_RCODE_SERVFAIL;
}

/* Where a chain from start ends (NULL: outside, a cut, NXDOMAIN, a loop). */
static const bnode_t *
chase_end(const builder_t *b, const bnode_t *start)
{
	const bnode_t *cur = start;
	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		bnode_t *t;
		enum resolve r = bz_resolve(b, bnode_set(cur, LDNS_RR_TYPE_CNAME)->rrs[0].rdata, &t);
		if (r != R_EXACT && r != R_WILD)
			return NULL;
		if (!(t->flags & NODE_CNAME))
			return t;
		cur = t;
	}
	return NULL;
}

static int
cmp_type_answer(const void *a, const void *b)
{
	uint16_t x = ((const type_answer_t *)a)->type, y = ((const type_answer_t *)b)->type;
	return (x > y) - (x < y);
}

/* All answers a name gives for the question "name" itself (exact) or for
 * names it stands for (wildcard expansion, exact == false). Exact answers go
 * through the staging buffer and come back in a malloc()ed array the caller
 * frees after node_place(); wildcard answers go to the arena. */
static type_answer_t *
build_types(builder_t *b, const bnode_t *n, bool exact, uint16_t *count, const answer_t **other)
{
	const uint8_t *known = exact ? n->lname : n->lname + 2;   /* wildcard: the parent */
	size_t cap = n->nsets + 2;
	const bnode_t *end = NULL;
	if (n->flags & NODE_CNAME) {
		end = chase_end(b, n);
		if (end != NULL)
			cap += end->nsets;
	}
	type_answer_t *t = exact ? xcalloc(cap, sizeof(*t)) : arena_zalloc(b->arena, cap * sizeof(*t));
	/* DO=1, wildcard: the proof that the name asked for does not exist
	 * (RFC 4035 3.1.3.3) goes with the answer, found per query */
	uint8_t wild_proof = exact ? NSEC_PROOF_NONE : NSEC_PROOF_WILDCARD;
	uint16_t k = 0;
	for (size_t i = 0; i < n->nsets; i++) {
		t[k].type = n->sets[i].type;
		for (int pass = 0; pass < bz_passes(b); pass++) {
			bz_dnssec_pass(b, pass == 1, exact);
			cw_reset(b->cw, known, exact);
			add_set_with_targets(b, NULL, &n->sets[i]);
			b->proof = pass == 1 ? wild_proof : 0;
			bz_keep(b, &t[k].ans, cw_finish(b, 0, true, false));
		}
		k++;
	}
	/* QTYPE=ANY: every RRset (a CNAME name has only its CNAME). A name
	 * with one type and no CNAME gets no ANY entry: zone_answer() answers
	 * ANY at a node with one type from that type (48 bytes saved for most
	 * names of a big zone; wildcard expansions keep theirs). */
	if (n->nsets == 1 && exact && !(n->flags & NODE_CNAME)) {
		/* nothing: the single entry stands for ANY too */
	} else if (n->nsets == 1) {
		t[k] = t[0];
		t[k++].type = LDNS_RR_TYPE_ANY;
	} else if (n->nsets > 1) {
		t[k].type = LDNS_RR_TYPE_ANY;
		for (int pass = 0; pass < bz_passes(b); pass++) {
			bz_dnssec_pass(b, pass == 1, exact);
			cw_reset(b->cw, known, exact);
			for (size_t i = 0; i < n->nsets; i++) {
				uint16_t type = n->sets[i].type;
				if (pass == 1 && type == LDNS_RR_TYPE_RRSIG)
					continue;   /* they come with the sets they cover */
				if (!(n->flags & NODE_CNAME) || type == LDNS_RR_TYPE_CNAME)
					cw_rrset(b->cw, NULL, &n->sets[i]);
			}
			b->proof = pass == 1 ? wild_proof : 0;
			bz_keep(b, &t[k].ans, cw_finish(b, 0, true, false));
		}
		k++;
	}
	if (n->flags & NODE_CNAME) {
		for (size_t i = 0; end != NULL && i < end->nsets; i++) {
			uint16_t type = end->sets[i].type;
			if (bnode_set(n, type) != NULL || type == LDNS_RR_TYPE_ANY)
				continue;
			t[k].type = type;
			for (int pass = 0; pass < bz_passes(b); pass++) {
				bz_dnssec_pass(b, pass == 1, exact);
				cw_reset(b->cw, known, exact);
				uint8_t rcode = chase(b, n, type);
				b->proof = pass == 1 ? wild_proof : 0;
				bz_keep(b, &t[k].ans, cw_finish(b, rcode, true, false));
			}
			k++;
		}
		answer_t *o = arena_zalloc(b->arena, sizeof(*o));
		for (int pass = 0; pass < bz_passes(b); pass++) {
			bz_dnssec_pass(b, pass == 1, false);
			cw_reset(b->cw, known, exact);
			uint8_t rcode = chase(b, n, 0);
			b->proof = pass == 1 ? wild_proof : 0;
			bz_keep(b, o, cw_finish(b, rcode, true, false));
		}
		*other = o;
	}
	bz_dnssec_pass(b, false, false);
	qsort(t, k, sizeof(*t), cmp_type_answer);
	*count = k;
	return t;
}

/* Lay out one node: [node_t][type_answer_t x ntypes][staged bytes][name]. */
static node_t *
node_place(builder_t *b, const bnode_t *bn, const type_answer_t *types, uint16_t ntypes)
{
	size_t head = sizeof(node_t) + ntypes * sizeof(type_answer_t);
	/* 8-byte aligned (node_t's alignment), not the arena's 16: 4 bytes a
	 * name less on average */
	uint8_t *blk = arena_alloc_aligned(b->arena, head + b->stage_len + bn->len,
					   _Alignof(node_t));
	node_t *n = (node_t *)blk;
	type_answer_t *t = (type_answer_t *)(blk + sizeof(node_t));
	uint8_t *bytes = blk + head;
	if (b->stage_len > 0)   /* nothing staged yet: b->stage may be NULL */
		memcpy(bytes, b->stage, b->stage_len);
	memcpy(bytes + b->stage_len, bn->lname, bn->len);
	memset(n, 0, sizeof(*n));
	n->name = bytes + b->stage_len;
	n->name_len = bn->len;
	n->hash = bn->hash;
	n->flags = (uint16_t)(bn->flags & ~BNODE_BELOW_DNAME);
	n->types = t;
	n->ntypes = ntypes;
	for (uint16_t i = 0; i < ntypes; i++) {
		t[i] = types[i];
		t[i].ans.wire = bytes + (uintptr_t)types[i].ans.wire;
		t[i].ans.fixups = types[i].ans.nfixups
			? (const fixup_t *)(bytes + (uintptr_t)types[i].ans.fixups) : NULL;
	}
	b->stage_len = 0;
	return n;
}

static answer_t *
build_referral(builder_t *b, const bnode_t *cut)
{
	answer_t *a = arena_zalloc(b->arena, sizeof(*a));
	for (int pass = 0; pass < bz_passes(b); pass++) {
		bz_dnssec_pass(b, pass == 1, false);
		cw_reset(b->cw, cut->lname, false);
		bool inside = add_referral(b, cut);
		bz_keep(b, a, cw_finish(b, 0, false, inside));
	}
	bz_dnssec_pass(b, false, false);
	return a;
}

/* A signed zone's NODATA answer at a name: the zone's plain one, and for
 * DO=1 the SOA, its RRSIGs and the NSEC/NSEC3 that shows the name's types
 * (RFC 4035 3.1.3.1, RFC 5155 7.2.3). */
static const answer_t *
build_nodata(builder_t *b, const bnode_t *n)
{
	answer_t *a = arena_alloc(b->arena, sizeof(*a));
	*a = b->zone->nodata;
	bz_dnssec_pass(b, true, false);
	cw_reset(b->cw, n->lname, true);
	add_negative_soa(b);
	cw_proof(b, NSEC_PROOF_NODATA, n->lname, n->lname);
	bz_keep(b, a, cw_finish(b, 0, true, false));
	bz_dnssec_pass(b, false, false);
	return a;
}

/* The zone's negative answers; a signed zone's DO=1 twins carry the SOA's
 * RRSIGs and the kind of proof query.c adds for the name asked. */
static void
build_negative(builder_t *b, answer_t *a, uint8_t rcode, uint8_t proof)
{
	for (int pass = 0; pass < bz_passes(b); pass++) {
		bz_dnssec_pass(b, pass == 1, false);
		cw_reset(b->cw, b->zone->apex, false);
		add_negative_soa(b);
		b->proof = pass == 1 ? proof : 0;
		bz_keep(b, a, cw_finish(b, rcode, true, false));
	}
	bz_dnssec_pass(b, false, false);
}

/* ------------------------------------------------------------------ */
/* Signed zones: the NSEC/NSEC3 chain                                   */

/* Base32hex (RFC 4648 7), the NSEC3 owner label, into out; its length, or
 * 0 if it is not base32hex or longer than cap. */
static size_t
b32hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int c = s[i], v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		else
			return 0;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (len == cap)
				return 0;
			out[len++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return len;
}

/* A record in wire form, owner uncompressed, appended to w. */
static void
raw_rr(cw_t *w, const uint8_t *owner, const brr_t *rr)
{
	cw_put(w, owner, dname_length(owner));
	cw_put16(w, rr->type);
	cw_put16(w, LDNS_RR_CLASS_IN);
	cw_put32(w, rr->ttl);
	cw_put16(w, rr->rdlen);
	cw_put(w, rr->rdata, rr->rdlen);
}

/* An entry of the chain: its key and the records now in the writer. */
static void
nsec_rec_fill(builder_t *b, nsec_rec_t *r, const uint8_t *key, size_t keylen, unsigned count)
{
	r->key = arena_memdup_bytes(b->arena, key, keylen);
	r->keylen = (uint8_t)keylen;
	r->wire = arena_memdup_bytes(b->arena, b->cw->buf, b->cw->len);
	r->len = (uint16_t)b->cw->len;
	r->count = (uint16_t)count;
}

/* Is the zone signed (a DNSKEY at the apex or any RRSIG)? Then collect its
 * NSEC or NSEC3 chain into z->nsec, and note the earliest RRSIG expiration
 * (for --check). */
static void
bz_nsec_index(builder_t *b)
{
	zone_t *z = b->zone;
	const zonefile_t *zf = b->zf;
	bool any_sig = false;
	for (size_t i = 0; i < zf->count; i++) {
		const zrr_t *rr = &zf->rrs[i];
		if (rrsig_covered(rr) == 0)
			continue;
		uint32_t exp = get32(rr->rdata + 8);
		if (!any_sig || (int32_t)(exp - z->sig_expire_min) < 0) {
			char name[1024], text[1100];
			dname_to_text(rr->owner, name, sizeof(name));
			char *type = ldns_rr_type2str((ldns_rr_type)get16(rr->rdata));
			snprintf(text, sizeof(text), "%s %s", name, type ? type : "?");
			free(type);
			z->sig_expire_min = exp;
			z->sig_expire_owner = arena_strdup(b->arena, text);
		}
		any_sig = true;
	}
	z->is_signed = any_sig || bnode_set(b->apex, LDNS_RR_TYPE_DNSKEY) != NULL;
	if (!z->is_signed)
		return;
	nsec_index_t *x = arena_zalloc(b->arena, sizeof(*x));
	cw_t *w = b->cw;
	size_t cap = b->nn3 + b->nnodes, n = 0;
	nsec_rec_t *recs = arena_zalloc(b->arena, (cap ? cap : 1) * sizeof(*recs));
	if (b->nn3 > 0) {
		x->nsec3 = true;
		const bset_t *param = bnode_set(b->apex, LDNS_RR_TYPE_NSEC3PARAM);
		const brr_t *p = param ? &param->rrs[0] : NULL;
		brr_t first;
		for (size_t i = 0; p == NULL && i < b->nn3; i++)
			if (b->n3[i]->type == LDNS_RR_TYPE_NSEC3)
				p = brr_of(&first, b->n3[i]);
		if (p != NULL && p->rdlen >= 5 && p->rdlen >= 5u + p->rdata[4]) {
			x->iterations = get16(p->rdata + 2);
			x->salt_len = p->rdata[4];
			memcpy(x->salt, p->rdata + 5, x->salt_len);
		}
		/* one record per hashed owner: its NSEC3 and the RRSIGs (sorted
		 * by owner, then type: RRSIG (46) before NSEC3 (50)) */
		for (size_t i = 0; i < b->nn3;) {
			size_t j = i;
			while (j < b->nn3 && dname_equal(b->n3[j]->owner, b->n3[i]->owner))
				j++;
			uint8_t lname[DNAME_MAXLEN], hash[NSEC3_HASH_LEN + 1];
			dname_to_lower(lname, b->n3[i]->owner);
			w->len = 0;
			w->overflow = false;
			unsigned count = 0;
			brr_t one;
			for (int pass = 0; pass < 2; pass++)
				for (size_t k = i; k < j; k++)
					if ((b->n3[k]->type == LDNS_RR_TYPE_NSEC3) == (pass == 0)) {
						raw_rr(w, lname, brr_of(&one, b->n3[k]));
						count++;
					}
			if (!w->overflow && lname[0] > 0 &&
			    b32hex_decode(lname + 1, lname[0], hash, sizeof(hash)) == NSEC3_HASH_LEN)
				nsec_rec_fill(b, &recs[n++], hash, NSEC3_HASH_LEN, count);
			i = j;
		}
	} else {
		for (size_t i = 0; i < b->nnodes; i++) {
			const bnode_t *bn = b->nodes[i];
			const bset_t *ns = bnode_set(bn, LDNS_RR_TYPE_NSEC);
			if (ns == NULL || (bn->flags & (BNODE_BELOW_DNAME | NODE_OCCLUDED)))
				continue;
			w->len = 0;
			w->overflow = false;
			for (size_t k = 0; k < ns->count; k++)
				raw_rr(w, bn->lname, &ns->rrs[k]);
			for (size_t k = 0; k < ns->nsigs; k++)
				raw_rr(w, bn->lname, ns->sigs[k]);
			if (!w->overflow)
				nsec_rec_fill(b, &recs[n++], bn->lname, bn->len,
					      (unsigned)(ns->count + ns->nsigs));
		}
	}
	nsec_index_build(x, recs, n);
	z->nsec = x;
}

/* Whether laying out bn's answers reads nothing but bn: its own sets, their
 * records and bytes -- no CNAME chain, no MX/SRV/NS targets, no cut, wildcard
 * or DNAME, no negative answer (an unsigned zone; a signed one gives every
 * name a NODATA twin with the apex's SOA). Most names of a big zone are. */
static bool
bn_self_contained(const builder_t *b, const bnode_t *bn)
{
	if (b->zone->is_signed || bn->rare != NULL ||
	    (bn->flags & (NODE_APEX | NODE_DELEG | NODE_OCCLUDED | NODE_CNAME | NODE_WILDCARD |
			  NODE_DNAME | BNODE_BELOW_DNAME)))
		return false;
	for (uint32_t i = 0; i < bn->nsets; i++) {
		uint16_t type = bn->sets[i].type;
		if (type == LDNS_RR_TYPE_MX || type == LDNS_RR_TYPE_SRV || type == LDNS_RR_TYPE_NS)
			return false;   /* add_targets() looks the targets up */
	}
	return true;
}

/* Lay out every answer of bn and place its node (NULL: below a DNAME,
 * nothing to place). wild_nodata: a signed zone's wildcard NODATA. */
static node_t *
bz_answer_node(builder_t *b, bnode_t *bn, const answer_t *wild_nodata)
{
	zone_t *z = b->zone;
	if (bn->flags & BNODE_BELOW_DNAME)
		return NULL;
	node_ext_t ext = { 0 };
	bool need_ext = false;
	type_answer_t *types = NULL;
	uint16_t ntypes = 0;
	if (bn->flags & NODE_OCCLUDED) {
		ext.referral = bn_cut(bn)->rare->referral;
		need_ext = true;
	} else if (bn->flags & NODE_DELEG) {
		ext.referral = bn->rare->referral;
		need_ext = true;
		const bset_t *ds = bnode_set(bn, LDNS_RR_TYPE_DS);
		if (ds != NULL) {   /* DS is answered from the parent side */
			types = xcalloc(1, sizeof(*types));
			types->type = LDNS_RR_TYPE_DS;
			for (int pass = 0; pass < bz_passes(b); pass++) {
				bz_dnssec_pass(b, pass == 1, true);
				cw_reset(b->cw, bn->lname, true);
				cw_rrset(b->cw, NULL, ds);
				bz_keep(b, &types->ans, cw_finish(b, 0, true, false));
			}
			bz_dnssec_pass(b, false, false);
			ntypes = 1;
		} else if (z->is_signed) {
			ext.other = build_nodata(b, bn);
		}
	} else {
		types = build_types(b, bn, true, &ntypes, &ext.other);
		need_ext = ext.other != NULL;
		if (ext.other == NULL && z->is_signed) {
			ext.other = build_nodata(b, bn);
			need_ext = true;
		}
		if (bn->flags & NODE_WILDCARD) {
			ext.wild_types = build_types(b, bn, false, &ext.nwild_types, &ext.wild_other);
			if (ext.wild_other == NULL)
				ext.wild_other = wild_nodata;
			need_ext = true;
		}
	}
	if (bn_wildcard(bn) != NULL && !(bn->flags & (NODE_OCCLUDED | NODE_DELEG)))
		need_ext = true;   /* ext.wildcard is set once every node is placed */
	node_t *n = node_place(b, bn, types, ntypes);
	free(types);
	bn->out = n;
	if (need_ext) {
		bn_rare(b, bn)->ext = arena_memdup(b->arena, &ext, sizeof(ext));
		n->ext = bn->rare->ext;
	}
	return n;
}

/* Self-contained names between two give-backs of the index behind them. */
#define BZ_RELEASE_EVERY 4096

/* Pass 3. The names whose answers read other names are laid out first,
 * while the whole index is there; then the self-contained ones, in index
 * order, giving back the index behind them as they go (the build nodes and
 * sets in b->tmp and the records in b->recs are in that order): at a
 * million names about 110 MiB of index no longer sits beside the finished
 * zone when memory peaks (docs/performance.md, "Memory"). b->nodes[i] turns
 * into the placed node (NULL: none) as node i is laid out. */
static void
bz_answers(builder_t *b)
{
	zone_t *z = b->zone;

	/* Negative answers: SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308). */
	const brr_t *soa = &b->soa->rrs[0];
	uint32_t minimum = get32(soa->rdata + soa->rdlen - 4);
	b->neg_ttl = bset_ttl(b->soa) < minimum ? bset_ttl(b->soa) : minimum;
	z->serial = get32(soa->rdata + soa->rdlen - 20);
	build_negative(b, &z->nodata, 0, NSEC_PROOF_NONE);
	build_negative(b, &z->nxdomain, LDNS_RCODE_NXDOMAIN, NSEC_PROOF_NXDOMAIN);
	/* a wildcard without the type asked for (signed zones) */
	answer_t *wild_nodata = NULL;
	if (z->is_signed) {
		wild_nodata = arena_zalloc(b->arena, sizeof(*wild_nodata));
		build_negative(b, wild_nodata, 0, NSEC_PROOF_WILD_NODATA);
	}

	/* Referrals first: names below a cut share their cut's. */
	for (size_t i = 0; i < b->nnodes; i++)
		if (b->nodes[i]->flags & NODE_DELEG)
			bn_rare(b, b->nodes[i])->referral = build_referral(b, b->nodes[i]);
	uint64_t *later = xcalloc(b->nnodes / 64 + 1, sizeof(*later));
	for (size_t i = 0; i < b->nnodes; i++) {
		if (bn_self_contained(b, b->nodes[i]))
			later[i / 64] |= 1ull << (i % 64);
		else
			bz_answer_node(b, b->nodes[i], wild_nodata);
	}
	for (size_t i = 0; i < b->nnodes; i++) {
		bnode_t *bn = b->nodes[i];
		bnode_t *w = bn_wildcard(bn);
		if (w != NULL && bn->rare->ext != NULL && w->out != NULL)
			bn->rare->ext->wildcard = w->out;
	}
	for (size_t i = 0; i < b->nnodes; i++)
		if (!(later[i / 64] & (1ull << (i % 64))))
			b->nodes[i] = (bnode_t *)(void *)b->nodes[i]->out;
	/* from here on no name is looked up */
	free(b->table);
	b->table = NULL;
	size_t since = 0;
	for (size_t i = 0; i < b->nnodes; i++) {
		if (!(later[i / 64] & (1ull << (i % 64))))
			continue;
		bnode_t *bn = b->nodes[i];
		if (++since == BZ_RELEASE_EVERY) {
			since = 0;
			arena_release_before(b->tmp, bn);
			if (bn->nsets > 0)
				arena_block_release_below(b->recs, bn->sets[0].rrs);
		}
		b->nodes[i] = (bnode_t *)(void *)bz_answer_node(b, bn, wild_nodata);
	}
	free(later);
	/* The placed nodes, in b->nodes' storage, so that bz_table() can run
	 * after the build index is freed: the name table then never sits
	 * beside it (16 MiB less peak at 1M names). */
	node_t **placed = (node_t **)(void *)b->nodes;
	size_t nplaced = 0;
	for (size_t i = 0; i < b->nnodes; i++)
		if (placed[i] != NULL)   /* NULL: below a DNAME */
			placed[nplaced++] = placed[i];
	b->nnodes = nplaced;
}

/* The zone's name table, from the nodes bz_answers() left in b->nodes.
 * Sized after every name (empty non-terminals included) is known, at most
 * half full: zone_find's probe always ends at an empty slot. */
static void
bz_table(zone_t *z, node_t *const *placed, size_t n)
{
	uint32_t size = 16;
	while (size < n * 2)
		size <<= 1;
	uintptr_t *table = arena_zalloc(z->arena, size * sizeof(*table));
	z->mask = size - 1;
	z->nnodes = n;
	/* the tags need the top 16 bits of every node's address free */
	z->tag_mask = ZONE_SLOT_TAG;
	for (size_t i = 0; i < n; i++)
		if ((uintptr_t)placed[i] & ZONE_SLOT_TAG)
			z->tag_mask = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = placed[i]->hash & z->mask;
		while (table[k] != 0)
			k = (k + 1) & z->mask;
		table[k] = zone_slot(z, placed[i], placed[i]->hash);
	}
	z->table = table;
}

static void
bz_free(builder_t *b)
{
	arena_free(&b->tmp);
	free(b->table);
	b->table = NULL;
	arena_block_free(b->recs);
	free(b->n3);
	free(b->cw);
	free(b->stage);
}

/* Remember the first private address the zone serves (see zone.h). */
static void
zone_note_private(zone_t *z, const zonefile_t *zf)
{
	for (size_t i = 0; i < zf->count; i++) {
		const zrr_t *rr = &zf->rrs[i];
		int family = rr->type == LDNS_RR_TYPE_A && rr->rdlen == 4 ? AF_INET :
			     rr->type == LDNS_RR_TYPE_AAAA && rr->rdlen == 16 ? AF_INET6 : 0;
		if (family == 0 || !conf_addr_is_private(family, rr->rdata))
			continue;
		if (z->private_count++ == 0) {
			char name[1024], addr[INET6_ADDRSTRLEN], text[1200];
			dname_to_text(rr->owner, name, sizeof(name));
			inet_ntop(family, rr->rdata, addr, sizeof(addr));
			snprintf(text, sizeof(text), "%s %s %s", name, family == AF_INET ? "A" : "AAAA", addr);
			z->private_example = arena_strdup(z->arena, text);
			z->private_file = arena_strdup(z->arena, rr->file);
			z->private_line = rr->line;
		}
	}
}

/* Build from zf. owned (zf itself, or NULL): the caller lets go of zf
 * here, so the files the zone was read from (path, st) are tracked and the
 * records given back before the answers are laid out, when memory peaks
 * (the build keeps only the brr_t form; owner and rdata bytes stay in zf's
 * arena), and zf is freed with the build index, before the name table is
 * made. */
static zone_t *
zone_compile(const zonefile_t *zf, zonefile_t *owned, const char *path, const struct stat *st,
	     diag_t *d)
{
	arena_t *arena = arena_new(0);
	zone_t *z = arena_zalloc(arena, sizeof(*z));
	atomic_init(&z->refs, 1);
	z->arena = arena;
	z->apex = arena_memdup_bytes(arena, zf->origin, zf->origin_len);
	z->apex_len = (uint8_t)zf->origin_len;
	z->apex_labels = (uint8_t)dname_label_count(zf->origin);
	z->apex_hash = dname_hash(zf->origin);
	z->name = arena_strdup(arena, zf->origin_text);

	builder_t b = { .zf = zf, .zone = z, .arena = arena, .d = d, .tmp = arena_new(0) };
	b.cw = xmalloc(sizeof(cw_t));
	b.cw->dnssec = false;
	bz_index(&b);
	if (b.apex == NULL || b.soa == NULL) {
		diag_error(d, zf->path, 0, "zone %s has no SOA record at its apex", zf->origin_text);
		b.failed = 1;
	} else {
		bz_mark(&b);
		bz_nsec_index(&b);
		zone_note_private(z, zf);
		if (owned != NULL) {
			zone_track_files(z, zf, path, st, NULL);
			if (arena_block_release(owned->arena, owned->rrs)) {
				owned->rrs = NULL;
				owned->count = 0;
				owned->soa = NULL;
			}
			/* and what the reader and the sort left free in the malloc
			 * heap: the answers go to the zone's arena, never there */
			malloc_trim(0);
		}
		bz_answers(&b);
	}
	bz_free(&b);
	if (owned != NULL)   /* the build no longer reads the records' bytes */
		zonefile_free(&owned);
	if (!b.failed)
		bz_table(z, (node_t *const *)(void *)b.nodes, b.nnodes);
	free(b.nodes);
	if (b.failed) {
		arena_free(&arena);
		return NULL;
	}
	arena_advise_huge_pages(arena);
	return z;
}

zone_t *
zone_build(const zonefile_t *zf, diag_t *d)
{
	return zone_compile(zf, NULL, NULL, NULL, d);
}

static void
file_id_fill(zone_file_id_t *id, const struct stat *st)
{
	id->dev = (unsigned long long)st->st_dev;
	id->ino = (unsigned long long)st->st_ino;
	id->size = (unsigned long long)st->st_size;
	id->mtime_sec = (long long)st->st_mtim.tv_sec;
	id->mtime_nsec = (long long)st->st_mtim.tv_nsec;
}

void
zone_track_files(zone_t *z, const zonefile_t *zf, const char *path, const struct stat *st,
		 const char *skip)
{
	size_t n = 0, cap = 8;
	const char **files = xcalloc(cap, sizeof(*files));
	files[n++] = path;
	const char *last = path;
	for (size_t i = 0; i < zf->count; i++) {
		const char *f = zf->rrs[i].file;
		/* records come in runs from one file: compare with the last first */
		if (f == NULL || f == last || strcmp(f, last) == 0)
			continue;
		last = f;
		if (skip != NULL && strcmp(f, skip) == 0)
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(files[k], f) == 0;
		if (seen)
			continue;
		if (n == cap) {
			cap *= 2;
			files = xrealloc(files, cap * sizeof(*files));
		}
		files[n++] = f;
	}
	z->files = arena_zalloc(z->arena, n * sizeof(*z->files));
	z->nfiles = n;
	file_id_fill(&z->files[0], st);
	for (size_t k = 0; k < n; k++) {
		struct stat ist;
		z->files[k].path = arena_strdup(z->arena, files[k]);
		/* a file that cannot be stat'ed keeps zeros: it looks changed */
		if (k > 0 && stat(files[k], &ist) == 0)
			file_id_fill(&z->files[k], &ist);
	}
	free(files);
}

zone_t *
zone_load(const char *origin, const char *path, diag_t *d)
{
	return zone_load_translated(origin, path, NULL, d);
}

/* Declared in nat.h: the NAT rewrite happens between reading and building. */
zone_t *
zone_load_translated(const char *origin, const char *path, const nat_map_t *nat, diag_t *d)
{
	/* stat before reading: a file replaced while we read it then looks
	 * changed at the next reload, never unchanged. */
	struct stat st;
	if (stat(path, &st) != 0) {
		diag_error(d, path, 0, "cannot read zone file: %s", strerror(errno));
		return NULL;
	}
	zonefile_t *zf = nat_zonefile_read(origin, path, nat, d);
	if (zf == NULL)
		return NULL;
	zone_t *z = zone_compile(zf, zf, path, &st, d);   /* frees zf */
	/* The reader's and the builder's tables leave free memory all over the
	 * malloc heap: give it back now, not after the next zone has peaked on
	 * top of it (a few ms for a heap of tens of MB). */
	malloc_trim(0);
	return z;
}

bool
zone_files_unchanged(const zone_t *z)
{
	if (z->nfiles == 0)
		return false;
	for (size_t i = 0; i < z->nfiles; i++) {
		struct stat st;
		zone_file_id_t now = { 0 };
		if (stat(z->files[i].path, &st) != 0)
			return false;
		file_id_fill(&now, &st);
		const zone_file_id_t *was = &z->files[i];
		if (now.dev != was->dev || now.ino != was->ino || now.size != was->size ||
		    now.mtime_sec != was->mtime_sec || now.mtime_nsec != was->mtime_nsec)
			return false;
	}
	return true;
}

void
zone_ref(zone_t *z)
{
	atomic_fetch_add(&z->refs, 1);
}

void
zone_unref(zone_t **zp)
{
	if (zp == NULL || *zp == NULL)
		return;
	zone_t *z = *zp;
	*zp = NULL;
	if (atomic_fetch_sub(&z->refs, 1) == 1) {
		zonefile_free(&z->signed_records);
		arena_t *a = z->arena;
		arena_free(&a);
	}
}

size_t
zone_memory(const zone_t *z)
{
	return arena_used(z->arena) + (z->signed_records ? arena_used(z->signed_records->arena) : 0);
}

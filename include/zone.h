/* zone.h -- a zone compiled for answering: names in a hash table, and for
 * every name the answers already built in wire form.
 *
 * DESIGN. The query path does no DNS logic that could be done earlier: when a
 * zone is built, every answer it can give is laid out as the bytes that
 * follow the question in the response (answer, authority and additional
 * sections, names compressed). Answering is then: parse the question, find
 * the node, pick the answer for the type, copy it behind the question.
 *
 * Names that only occur exactly as asked (the common case) get answers whose
 * compression pointers are final, because the question's position and length
 * are known. Answers whose position depends on the query name -- wildcard
 * expansions, referrals for names below a cut, negative answers (the SOA's
 * owner is the apex, a suffix of the query name) -- carry a short fixup list:
 * 2-byte pointer slots patched with the offset of a suffix of the question or
 * of an earlier name in the answer.
 *
 * A zone_t is immutable once built, shared by snapshots (refcounted) and
 * read by all workers without locks.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ZONE_H
#define HZ_ZONE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"

struct nat_map;
struct nsec_index;

struct arena;
struct stat;
struct zonefile;

/* A pointer slot in an answer's wire to fill in per query. */
typedef struct fixup {
	uint16_t pos;     /* offset of the 2-byte slot within answer_t.wire */
	uint16_t value;   /* FIX_QSUF: wire length of a suffix of the qname;
	                     FIX_REL: offset within answer_t.wire */
	uint8_t kind;
} fixup_t;

enum { FIX_QSUF = 1, FIX_REL = 2 };

/* The sections of one response, ready to copy behind the question. */
typedef struct answer {
	const uint8_t *wire;
	const fixup_t *fixups;
	uint16_t len;          /* all sections */
	uint16_t len_noadd;    /* answer + authority only */
	uint16_t ancount, nscount, arcount;
	uint16_t nfixups;
	uint8_t rcode;
	bool aa;
	bool glue_required : 1;   /* referral: if additional is dropped, set TC */
	uint8_t proof : 4;     /* enum nsec_proof (nsec.h): NSEC/NSEC3 records that depend on
	                          the query name go into the authority section per query */
	uint8_t follow;        /* ANSWER_FOLLOW_* (the chain goes on past this answer), and
	                          ANSWER_SIGNED: there is a DO=1 twin in dnssec */
	/* A signed zone: the answer to a query with DO set (RFC 3225) -- the same
	 * with RRSIGs and NSEC/NSEC3 proofs (docs/dnssec.md). NULL: the same
	 * answer (an unsigned zone); set together with ANSWER_SIGNED. */
	const struct answer *dnssec;
} answer_t;

/* answer_t.follow: the answer section ends with a CNAME whose target this
 * zone's prebuilt answers could not follow (query.c goes on per query). */
enum {
	ANSWER_FOLLOW_OUT = 1,     /* target outside the zone: recursive views only */
	ANSWER_FOLLOW_ZONE = 2,    /* target in the zone below a DNAME or a cut: every view */
	ANSWER_FOLLOW_DNAME = 3,   /* query.c's marker: synthesize from a DNAME */
	ANSWER_FOLLOW_MASK = 7,
	/* Not a chain: the answer of a signed zone has a DO=1 twin. A bit of
	 * `follow` so that the query path tests one byte for both: an unsigned
	 * zone's answers pay nothing for DNSSEC. */
	ANSWER_SIGNED = 8,
};

/* An answer for one query type at a node. */
typedef struct type_answer {
	uint16_t type;
	answer_t ans;
} type_answer_t;

enum node_flags {
	NODE_APEX = 1 << 0,
	NODE_DELEG = 1 << 1,      /* NS below the apex: a zone cut */
	NODE_OCCLUDED = 1 << 2,   /* strictly below a zone cut (glue) */
	NODE_CNAME = 1 << 3,
	NODE_EMPTY = 1 << 4,      /* empty non-terminal */
	NODE_WILDCARD = 1 << 5,   /* the name is "*.<parent>" */
	NODE_DNAME = 1 << 6,      /* owns a DNAME (RFC 6672): names below are synthesized */
};

struct node;

/* What only some names need, kept out of node_t to keep nodes small. */
typedef struct node_ext {
	const answer_t *other;           /* CNAME: answer for types not in types[] */
	const type_answer_t *wild_types; /* wildcard: answers for expansions */
	const answer_t *wild_other;      /* wildcard CNAME: other types */
	const answer_t *referral;        /* NODE_DELEG / NODE_OCCLUDED */
	const struct node *wildcard;     /* the "*.<this>" child, if any */
	uint16_t nwild_types;
} node_ext_t;

typedef struct node {
	const uint8_t *name;          /* lower-case wire */
	const type_answer_t *types;   /* sorted by type; QTYPE=ANY is type 255,
	                                 except at a name with one type (and no
	                                 CNAME): that one answers ANY too */
	const node_ext_t *ext;        /* NULL for plain names */
	uint32_t hash;
	uint16_t flags;
	uint16_t ntypes;
	uint8_t name_len;
} node_t;

typedef struct zone {
	_Atomic unsigned refs;
	const uint8_t *apex;      /* lower-case wire */
	uint8_t apex_len;
	uint8_t apex_labels;
	uint32_t apex_hash;
	const char *name;         /* "example.com." */
	uint32_t serial;
	/* Open addressing, 0 = empty slot. A slot is a node's address with
	 * bits 16-31 of its hash in the top 16 bits (ZONE_SLOT_TAG), so a
	 * probe passes other names without reading their nodes: each node
	 * read is a cache miss on a big zone, and they were most of a query's
	 * user time (docs/performance.md, "Where a query's user time goes").
	 * tag_mask is ZONE_SLOT_TAG, or 0 if some node's address needs those
	 * bits (never seen on Linux: user addresses stay below 2^47) and on
	 * 32-bit systems. */
	const uintptr_t *table;
	uintptr_t tag_mask;
	uint32_t mask;
	size_t nnodes;
	answer_t nxdomain;        /* SOA in authority, owner = apex (fixup) */
	answer_t nodata;
	/* Signed zones (DNSKEY or RRSIG records in the file): the NSEC/NSEC3
	 * chain for the proofs built per query (nsec.h); NULL if unsigned. */
	const struct nsec_index *nsec;
	bool is_signed;
	uint32_t sig_expire_min;  /* earliest RRSIG expiration (RFC 4034 3.1.5) */
	const char *sig_expire_owner;   /* "www.example.com. A" of that RRSIG */
	/* The first A/AAAA record holding a private address (RFC 1918, ULA...),
	 * for the --check warning about private data served to public clients. */
	unsigned private_count;
	const char *private_example;   /* "www.example.com. A 192.168.1.20" */
	const char *private_file;
	unsigned long private_line;
	/* What it was built from, to skip unchanged files on reload. */
	struct zone_file_id *files;
	size_t nfiles;
	/* Signed online (dnssec_sign.h): when it must be signed again (0: not
	 * signed online). A reload builds it again from then on. */
	long long dnssec_refresh;
	/* Signed online: the signed records it was built from (own arena; set
	 * and owned by the zone store, freed with the zone), which transfers and
	 * --dump-view hand out: the very RRSIGs queries are answered with.
	 * NULL for every other zone. */
	struct zonefile *signed_records;
	struct arena *arena;
	bool expired;             /* a secondary zone without data (xfr_in.h): SERVFAIL;
	                             set before the zone is published, never after */
} zone_t;

typedef struct zone_file_id {
	const char *path;
	unsigned long long dev, ino, size;
	long long mtime_sec, mtime_nsec;
} zone_file_id_t;

/* Build from a parsed, validated zone file. Problems that only show when
 * building (e.g. an answer larger than 65535 bytes) are reported through d;
 * returns NULL on error. The zone starts with one reference. */
zone_t *zone_build(const struct zonefile *zf, diag_t *d);

/* Read the file and build: zonefile_read + zone_build + file ids. */
zone_t *zone_load(const char *origin, const char *path, diag_t *d);

/* zone_load with the NAT rewrite of a `translate: nat` zone applied
 * (nat_zonefile_read(), nat.h); m NULL: exactly zone_load. */
zone_t *zone_load_translated(const char *origin, const char *path, const struct nat_map *m,
			     diag_t *d);

/* Remember every file the zone was built from, for zone_files_unchanged:
 * path (st: its stat, taken before it was read) and every other file a
 * record of zf names ($INCLUDE), however many, except skip (may be NULL;
 * the journal, which names records added by updates). */
void zone_track_files(zone_t *z, const struct zonefile *zf, const char *path,
		      const struct stat *st, const char *skip);

/* True if no file the zone was built from changed (stat: dev, inode, size,
 * mtime). */
bool zone_files_unchanged(const zone_t *z);

void zone_ref(zone_t *z);
/* Drop a reference; frees at zero; clears *z. Accepts NULL. */
void zone_unref(zone_t **z);

#if UINTPTR_MAX > 0xFFFFFFFFu
#define ZONE_SLOT_TAG ((uintptr_t)0xFFFF000000000000ull)
#else
#define ZONE_SLOT_TAG ((uintptr_t)0)   /* 32-bit addresses: no room for a tag */
#endif

/* The tag bits of a slot for hash h (0 where z has no tags). */
static inline uintptr_t
zone_slot_tag(const zone_t *z, uint32_t h)
{
	return (uintptr_t)(((uint64_t)h << 32) & z->tag_mask);
}

/* A slot of z->table for node n with hash h (zone.c builds them). */
static inline uintptr_t
zone_slot(const zone_t *z, const node_t *n, uint32_t h)
{
	return (uintptr_t)n | zone_slot_tag(z, h);
}

static inline const node_t *
zone_slot_node(const zone_t *z, uintptr_t slot)
{
	return (const node_t *)(slot & ~z->tag_mask);
}

/* Find a name in the zone: hash is dname_hash()/dname_parse_query()'s of the
 * lower-case name. NULL if absent. The table is at most half full (zone.c
 * sizes it after every name is known), so the probe ends at an empty slot.
 * The query path's own code: a slot whose tag differs is passed without
 * reading its node; the node that matches is fetched in one go (its block,
 * node_t, answer table, answer bytes and name, spans two or three cache
 * lines: asked for together, they arrive in the time of one miss). */
static inline const node_t *
zone_find(const zone_t *z, const uint8_t *lower, uint8_t len, uint32_t hash)
{
	uintptr_t want = zone_slot_tag(z, hash);
	uint32_t i = hash & z->mask;
	for (;;) {
		uintptr_t s = z->table[i];
		if (s == 0)
			return NULL;
		if (((s ^ want) & z->tag_mask) == 0) {
			const node_t *n = zone_slot_node(z, s);
			/* integer arithmetic: the lines may lie past the block */
			__builtin_prefetch((const void *)((uintptr_t)n + 64));
			__builtin_prefetch((const void *)((uintptr_t)n + 128));
			if (n->hash == hash && n->name_len == len && memcmp(n->name, lower, len) == 0)
				return n;
		}
		i = (i + 1) & z->mask;
	}
}

/* The answer for qtype in a sorted type list, or NULL: not present. */
static inline const answer_t *
type_answer_find(const type_answer_t *types, unsigned n, uint16_t qtype)
{
	/* a pointer walk: no index times the entry's size per step */
	for (const type_answer_t *t = types, *end = types + n; t < end && t->type <= qtype; t++)
		if (t->type == qtype)
			return &t->ans;
	return NULL;
}

/* Memory the zone holds (bytes): its arena, and its signed records if signed online. */
size_t zone_memory(const zone_t *z);

#endif

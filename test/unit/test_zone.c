/* test_zone.c -- the zone store: building zones with many and deep names
 * (ip6.arpa, long chains of empty non-terminals) finishes in bounded time
 * and finds every name; zone_load and zonestore_zone_load track every file a
 * zone came from, however many $INCLUDEs; owners are grouped without regard
 * to case; zone_load (which lets go of the records early) builds what
 * zone_build builds; the build gives its index back behind it, and a load
 * peaks near what the zone keeps; the name table's tags let a probe pass
 * other names' nodes unread.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* memmem */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "dname.h"
#include "testlib.h"
#include "tmpdir.h"
#include "update.h"
#include "zone.h"
#include "zonefile.h"
#include "zonestore.h"

/* Every test builds with a deadline: the bug these guard against is a
 * loop that never ends (CK_FORK=yes, so Check kills the test). */
#define BUILD_TIMEOUT 30

#define SOA_NS \
	"$TTL 300\n" \
	"@ SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300\n" \
	"@ NS ns1.example.com.\n"

/* Text of a growing zone file. */
typedef struct text {
	char *buf;
	size_t len;
	FILE *f;
} text_t;

static void
text_start(text_t *t, const char *head)
{
	memset(t, 0, sizeof(*t));
	t->f = open_memstream(&t->buf, &t->len);
	ck_assert_ptr_nonnull(t->f);
	fputs(head, t->f);
}

static const char *
text_done(text_t *t)
{
	ck_assert_int_eq(fflush(t->f), 0);
	return t->buf;
}

static void
text_free(text_t *t)
{
	fclose(t->f);
	free(t->buf);
}

/* The reverse name of a 128-bit address (32 nibbles) under ip6.arpa. */
static void
ip6_reverse(const uint8_t addr[16], char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	for (int i = 31; i >= 0; i--) {
		uint8_t nib = i & 1 ? addr[i / 2] & 15 : addr[i / 2] >> 4;
		*p++ = hex[nib];
		*p++ = '.';
	}
	strcpy(p, "ip6.arpa.");
}

/* A /64 reverse zone with six PTRs at random interface ids: the names and
 * their empty non-terminals outnumber the records about 16 to 1. */
START_TEST(ip6_reverse_six_ptrs)
{
	const char *origin = "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
	text_t t;
	text_start(&t, SOA_NS);
	srandom(42);
	char names[6][80];
	for (int i = 0; i < 6; i++) {
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		for (int k = 8; k < 16; k++)
			a[k] = (uint8_t)random();
		ip6_reverse(a, names[i]);
		fprintf(t.f, "%s PTR host%d.example.com.\n", names[i], i);
	}
	zone_t *z = tl_zone(origin, text_done(&t));
	for (int i = 0; i < 6; i++) {
		const node_t *n = tl_find(z, names[i]);
		ck_assert_msg(n != NULL, "%s not found", names[i]);
		ck_assert(!(n->flags & NODE_EMPTY));
		/* its parent (15 nibbles below the apex) is an empty non-terminal */
		const node_t *p = tl_find(z, names[i] + 2);
		ck_assert_ptr_nonnull(p);
		ck_assert(p->flags & NODE_EMPTY);
	}
	/* apex + 6 x 16 names below it, minus shared ancestors: more than 60 */
	ck_assert_uint_gt(z->nnodes, 60);
	ck_assert_uint_ge(z->mask + 1, z->nnodes * 2);
	zone_unref(&z);
	text_free(&t);
}
END_TEST

/* Thousands of random 32-nibble PTRs in one zone at ip6.arpa. */
START_TEST(ip6_reverse_thousands_of_ptrs)
{
	enum { N = 5000 };
	text_t t;
	text_start(&t, SOA_NS);
	srandom(7);
	static char names[N][80];
	for (int i = 0; i < N; i++) {
		uint8_t a[16];
		for (int k = 0; k < 16; k++)
			a[k] = (uint8_t)random();
		ip6_reverse(a, names[i]);
		fprintf(t.f, "%s PTR h%d.example.com.\n", names[i], i);
	}
	zone_t *z = tl_zone("ip6.arpa.", text_done(&t));
	for (int i = 0; i < N; i++)
		ck_assert_msg(tl_find(z, names[i]) != NULL, "%s not found", names[i]);
	/* every nibble prefix of every name is there: 16 first nibbles all
	 * occur among 5000 random addresses */
	ck_assert_ptr_nonnull(tl_find(z, "0.ip6.arpa."));
	ck_assert_ptr_nonnull(tl_find(z, "f.ip6.arpa."));
	ck_assert_ptr_null(tl_find(z, "g.ip6.arpa."));
	ck_assert_uint_gt(z->nnodes, (size_t)N * 16);
	ck_assert_uint_ge(z->mask + 1, z->nnodes * 2);
	zone_unref(&z);
	text_free(&t);
}
END_TEST

/* One name 120 labels deep: 119 empty non-terminals above it. */
START_TEST(long_chain_of_empty_non_terminals)
{
	char name[300] = "";
	for (int i = 0; i < 120; i++)
		strcat(name, "a.");
	strcat(name, "example.");
	text_t t;
	text_start(&t, "$TTL 300\n"
		       "@ SOA ns1 hostmaster 1 3600 900 604800 300\n"
		       "@ NS ns1\n"
		       "ns1 A 192.0.2.1\n");
	fprintf(t.f, "%s TXT \"deep\"\n", name);
	zone_t *z = tl_zone("example.", text_done(&t));
	const node_t *n = tl_find(z, name);
	ck_assert_ptr_nonnull(n);
	ck_assert(!(n->flags & NODE_EMPTY));
	for (int up = 1; up < 120; up++) {
		const node_t *e = tl_find(z, name + 2 * up);
		ck_assert_msg(e != NULL && (e->flags & NODE_EMPTY), "empty non-terminal %d up", up);
	}
	/* apex, ns1, 120 names of the chain */
	ck_assert_uint_eq(z->nnodes, 122);
	ck_assert_ptr_null(tl_find(z, "b.example."));
	zone_unref(&z);
	text_free(&t);
}
END_TEST

/* ---- files a zone came from ---- */

static tmpdir_t dir;

static void
files_setup(void)
{
	tmpdir_make(&dir, "hz-test-zone");
}

static void
files_teardown(void)
{
	tmpdir_remove(&dir);
}

enum { NINCLUDES = 70 };   /* more than the 64 that were once tracked */

/* A zone file that $INCLUDEs NINCLUDES files, each with one record; returns
 * the main file's path. */
static const char *
write_many_includes(void)
{
	text_t t;
	text_start(&t, "$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n");
	for (int i = 0; i < NINCLUDES; i++) {
		char name[32], rec[64];
		snprintf(name, sizeof(name), "inc%02d.zone", i);
		snprintf(rec, sizeof(rec), "host%02d A 192.0.2.%d\n", i, i + 10);
		tmpdir_put(&dir, name, rec);
		fprintf(t.f, "$INCLUDE %s\n", name);
	}
	tmpdir_put(&dir, "main.zone", text_done(&t));
	text_free(&t);
	static char path[128];
	return tmpdir_file(&dir, "main.zone", path, sizeof(path));
}

/* Change the last include so that the change shows in its size. */
static void
change_last_include(void)
{
	char name[32];
	snprintf(name, sizeof(name), "inc%02d.zone", NINCLUDES - 1);
	tmpdir_put(&dir, name, "hostXX A 192.0.2.200\nextra A 192.0.2.201\n");
}

/* z (a reference, dropped here) was loaded from write_many_includes()'s
 * files: a change in the last include must show. */
static void
expect_tracks_every_include(zone_t *z)
{
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->nfiles, 1 + NINCLUDES);
	ck_assert(zone_files_unchanged(z));
	change_last_include();
	ck_assert(!zone_files_unchanged(z));
	zone_unref(&z);
}

START_TEST(every_include_is_tracked)
{
	const char *path = write_many_includes();
	diag_t d = { .quiet = 1 };
	expect_tracks_every_include(zone_load("example.", path, &d));
}
END_TEST

/* The same for a zone loaded with its journal (allow-update, auto-ptr). */
START_TEST(every_include_is_tracked_with_updates)
{
	const char *path = write_many_includes();
	conf_zone_t cz = { .name = "example", .file = "main.zone", .path = path, .line = 1 };
	diag_t d = { .quiet = 1 };
	expect_tracks_every_include(zonestore_zone_load(&cz, &d));
	zonestore_shutdown();
}
END_TEST

/* Issue 16: the build groups records by owner compared without regard to
 * case, in place. Owners that differ only in case and are not next to each
 * other in the file are one name with every type. */
START_TEST(owners_differing_in_case_are_one_name)
{
	zone_t *z = tl_zone("example.com", SOA_NS
			  "WWW A 192.0.2.1\n"
			  "other A 192.0.2.9\n"
			  "www AAAA 2001:db8::1\n"
			  "a.b A 192.0.2.7\n"
			  "Www.Example.COM. MX 10 www\n"
			  "wWw TXT \"t\"\n"
			  "A.B AAAA 2001:db8::7\n");
	const node_t *n = tl_find(z, "www.example.com.");
	ck_assert_ptr_nonnull(n);
	/* A, AAAA, MX, TXT and ANY */
	ck_assert_uint_eq(n->ntypes, 5);
	uint16_t want[] = { 1, 15, 16, 28, 255 };
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(n->types[i].type, want[i]);
	n = tl_find(z, "a.b.example.com.");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->ntypes, 3);   /* A, AAAA, ANY */
	/* apex, ns1? no: ns1 is out of zone; www, other, a.b and b (empty) */
	ck_assert_uint_eq(z->nnodes, 5);
	zone_unref(&z);
}
END_TEST

/* Issue 16: a name with one type and no CNAME has no ANY entry (48 bytes
 * a name; query.c answers ANY from the one type); a CNAME keeps its own. */
START_TEST(single_type_names_have_no_any_entry)
{
	zone_t *z = tl_zone("example.com", SOA_NS
			  "one A 192.0.2.1\n"
			  "two A 192.0.2.2\n"
			  "two TXT \"t\"\n"
			  "alias CNAME elsewhere.example.net.\n");
	const node_t *n = tl_find(z, "one.example.com.");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->ntypes, 1);
	ck_assert_uint_eq(n->types[0].type, LDNS_RR_TYPE_A);
	n = tl_find(z, "two.example.com.");
	ck_assert_uint_eq(n->ntypes, 3);   /* A, TXT, ANY */
	ck_assert_uint_eq(n->types[2].type, LDNS_RR_TYPE_ANY);
	n = tl_find(z, "alias.example.com.");
	ck_assert_uint_eq(n->ntypes, 2);   /* CNAME, ANY */
	ck_assert_uint_eq(n->types[1].type, LDNS_RR_TYPE_ANY);
	zone_unref(&z);
}
END_TEST

/* Issue 16: each slot of the name table carries a tag from its name's hash
 * (zone.h zone_find), so a probe passes the slots of other names without
 * reading their nodes, each a cache miss on a big zone. The slot in the
 * way here points at a page nobody may read: reading it kills the test. */
START_TEST(slots_of_other_names_passed_unread)
{
	zone_t *z = tl_zone("example.com", SOA_NS "www A 192.0.2.1\n");
	const node_t *www = tl_find(z, "www.example.com.");
	ck_assert_ptr_nonnull(www);
	ck_assert(z->tag_mask == ZONE_SLOT_TAG);
	if (ZONE_SLOT_TAG == 0) {   /* 32-bit: no tags, every slot's node is read */
		zone_unref(&z);
		return;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const node_t *guard = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(guard != MAP_FAILED);
	/* a table of 16 slots: where www's probe starts, a name of another
	 * tag (the guard page), then www */
	uintptr_t table[16] = { 0 };
	zone_t t;
	memcpy(&t, z, sizeof(t));
	t.table = table;
	t.mask = 15;
	uint32_t h = www->hash;
	table[h & 15] = zone_slot(&t, guard, h ^ 0x00010000u);
	table[(h + 1) & 15] = zone_slot(&t, www, h);
	ck_assert_ptr_eq(zone_find(&t, www->name, www->name_len, h), www);
	/* a third tag: passes both, ends at the empty slot */
	ck_assert_ptr_null(zone_find(&t, www->name, www->name_len, h ^ 0x00020000u));
	munmap((void *)guard, page);
	zone_unref(&z);
}
END_TEST

/* If some node's address needed the tag's bits, the zone's table is built
 * without tags (tag_mask 0): every name is still found, absent ones not. */
START_TEST(untagged_table_finds_every_name)
{
	zone_t *z = tl_zone("example.com", SOA_NS
			  "www A 192.0.2.1\n"
			  "a.b A 192.0.2.7\n"
			  "mail MX 10 www\n"
			  "*.w TXT \"w\"\n");
	zone_t t;
	memcpy(&t, z, sizeof(t));
	t.tag_mask = 0;
	uintptr_t *table = calloc((size_t)z->mask + 1, sizeof(*table));
	ck_assert_ptr_nonnull(table);
	for (uint32_t i = 0; i <= z->mask; i++)
		if (z->table[i] != 0)
			table[i] = (uintptr_t)zone_slot_node(z, z->table[i]);
	t.table = table;
	size_t seen = 0;
	for (uint32_t i = 0; i <= t.mask; i++) {
		if (table[i] == 0)
			continue;
		const node_t *n = zone_slot_node(&t, table[i]);
		ck_assert_ptr_eq(zone_find(&t, n->name, n->name_len, n->hash), n);
		seen++;
	}
	ck_assert_uint_eq(seen, z->nnodes);
	ck_assert_ptr_nonnull(tl_find(&t, "a.b.example.com."));
	ck_assert_ptr_nonnull(tl_find(&t, "b.example.com."));   /* empty non-terminal */
	ck_assert_ptr_null(tl_find(&t, "nope.example.com."));
	ck_assert_ptr_null(tl_find(&t, "x.w.example.com."));    /* only the wildcard is a node */
	free(table);
	zone_unref(&z);
}
END_TEST

/* Two zones answer alike, byte for byte, node for node. */
static void
expect_same_zone(const zone_t *a, const zone_t *b)
{
	ck_assert_uint_eq(a->nnodes, b->nnodes);
	ck_assert_uint_eq(a->serial, b->serial);
	ck_assert_uint_eq(a->private_count, b->private_count);
	ck_assert_str_eq(a->private_example, b->private_example);
	ck_assert_str_eq(a->private_file, b->private_file);
	ck_assert_uint_eq(a->private_line, b->private_line);
	ck_assert_uint_eq(a->nxdomain.len, b->nxdomain.len);
	ck_assert(memcmp(a->nxdomain.wire, b->nxdomain.wire, a->nxdomain.len) == 0);
	size_t seen = 0;
	for (uint32_t i = 0; i <= a->mask; i++) {
		if (a->table[i] == 0)
			continue;
		const node_t *x = zone_slot_node(a, a->table[i]);
		seen++;
		const node_t *y = zone_find(b, x->name, x->name_len, x->hash);
		ck_assert_ptr_nonnull(y);
		ck_assert_uint_eq(x->flags, y->flags);
		ck_assert_uint_eq(x->ntypes, y->ntypes);
		ck_assert_uint_eq(x->ext != NULL, y->ext != NULL);
		for (unsigned k = 0; k < x->ntypes; k++) {
			const answer_t *p = &x->types[k].ans, *q = &y->types[k].ans;
			ck_assert_uint_eq(x->types[k].type, y->types[k].type);
			ck_assert_uint_eq(p->len, q->len);
			ck_assert_uint_eq(p->ancount, q->ancount);
			ck_assert_uint_eq(p->nscount, q->nscount);
			ck_assert_uint_eq(p->arcount, q->arcount);
			ck_assert_uint_eq(p->nfixups, q->nfixups);
			ck_assert(memcmp(p->wire, q->wire, p->len) == 0);
		}
	}
	ck_assert_uint_eq(seen, a->nnodes);
}

/* Issue 16: zone_load gives the file's records back before it lays out the
 * answers (the build works on its own compact copies). The zone it builds
 * is the one zone_build builds from records that are kept. */
/* A zone with every kind of name: wildcards, a cut with glue, CNAME chains,
 * a DNAME, MX targets, private addresses, names differing in case, types
 * of one name apart and out of order, $INCLUDE and $GENERATE; its path in
 * path. */
static void
put_every_kind(char *path, size_t size)
{
	tmpdir_put(&dir, "part.zone",
		   "$GENERATE 1-250 gen$ A 192.0.2.$\n"
		   "inc MX 10 www\n");
	tmpdir_put(&dir, "main.zone",
		   "$TTL 300\n@ SOA ns1 hostmaster 7 3600 900 604800 300\n@ NS ns1\n"
		   "ns1 A 192.0.2.1\n"
		   "@ MX 10 mail\nmail A 192.0.2.25\nmail AAAA 2001:db8::25\n"
		   "WWW A 192.0.2.80\nwww A 192.168.1.80\n"
		   "*.wild TXT \"any\"\n*.wild A 192.0.2.99\n"
		   "alias CNAME www\nalias2 CNAME alias\nloop CNAME x.wild\n"
		   "sub NS ns.sub\nns.sub A 192.0.2.53\nbelow.sub A 192.0.2.54\n"
		   "d DNAME example.net.\nx.d A 192.0.2.66\n"
		   "a.b.c.deep A 192.0.2.4\n"
		   "$INCLUDE part.zone\n"
		   "srv._tcp SRV 0 0 80 www\n"
		   "Mail TXT \"m\"\nwWw MX 5 mail\nMAIL A 192.0.2.26\n");
	tmpdir_file(&dir, "main.zone", path, size);
}

START_TEST(zone_load_builds_what_zone_build_builds)
{
	char path[256];
	put_every_kind(path, sizeof(path));
	diag_t d = { .quiet = 1 };
	zone_t *loaded = zone_load("example.com", path, &d);
	ck_assert_ptr_nonnull(loaded);
	zonefile_t *zf = zonefile_read("example.com", path, &d);
	ck_assert_ptr_nonnull(zf);
	zone_t *built = zone_build(zf, &d);
	ck_assert_ptr_nonnull(built);
	zonefile_free(&zf);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(loaded->private_count, 1);   /* www A 192.168.1.80 */
	ck_assert_uint_eq(loaded->private_line, 9);
	expect_same_zone(loaded, built);
	expect_same_zone(built, loaded);
	ck_assert_uint_eq(loaded->nfiles, 2);           /* main.zone and part.zone */
	zone_unref(&loaded);
	zone_unref(&built);
}
END_TEST

/* Issue 16: the build groups the records by the reader's name numbers
 * (zonefile_t.nnames) instead of sorting them by owner; a zone file without
 * them (made by an update, a signer, a journal) is sorted. Both give the
 * same zone. */
START_TEST(grouped_by_name_numbers_as_by_sorting)
{
	char path[256];
	put_every_kind(path, sizeof(path));
	diag_t d = { .quiet = 1 };
	zonefile_t *zf = zonefile_read("example.com", path, &d);
	ck_assert_ptr_nonnull(zf);
	/* @, ns1, mail, www, *.wild, alias, alias2, loop, sub, ns.sub,
	 * below.sub, d, x.d, a.b.c.deep, inc, gen1-250, srv._tcp */
	ck_assert_uint_eq(zonefile_name_count(zf), 16 + 250);
	zone_t *grouped = zone_build(zf, &d);
	ck_assert_ptr_nonnull(grouped);
	/* a copy of the struct with records of its own (as the signer makes
	 * it, adding records numbered 0) has no numbers */
	zonefile_t copy = *zf;
	copy.rrs = malloc(zf->count * sizeof(*zf->rrs));
	ck_assert_ptr_nonnull(copy.rrs);
	memcpy(copy.rrs, zf->rrs, zf->count * sizeof(*zf->rrs));
	ck_assert_uint_eq(zonefile_name_count(&copy), 0);
	zone_t *sorted = zone_build(&copy, &d);
	free(copy.rrs);
	ck_assert_ptr_nonnull(sorted);
	zonefile_free(&zf);
	ck_assert_uint_eq(d.errors, 0);
	expect_same_zone(grouped, sorted);
	expect_same_zone(sorted, grouped);
	const node_t *n = tl_find(grouped, "mail.example.com.");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->ntypes, 4);   /* A, TXT, AAAA, ANY */
	zone_unref(&grouped);
	zone_unref(&sorted);
}
END_TEST

/* Issue 16: zone.c lays out the names whose answers read only themselves
 * last and gives the build index back behind them as it goes (bz_answers).
 * 20,000 such names, with names that read others (CNAMEs to them, MX
 * targets, wildcards, cuts with glue) before, among and after them: every
 * answer is whole. Under ASan reading given-back index fails the test;
 * without it, given-back pages read as zeros and the answers show it. */
START_TEST(index_given_back_behind_the_build)
{
	enum { N = 20000 };
	text_t t;
	text_start(&t, SOA_NS "ns1 A 192.0.2.1\nfirst CNAME h20000\nfirstmx MX 10 h7\n");
	for (int i = 1; i <= N; i++) {
		fprintf(t.f, "h%d TXT \"t%d\"\n", i, i);
		if (i % 7 == 0)
			fprintf(t.f, "h%d A 10.%d.%d.%d\n", i, i >> 16, (i >> 8) & 255, i & 255);
		if (i % 1000 == 0)
			fprintf(t.f, "c%d CNAME h%d\nm%d MX 10 h%d\n*.w%d A 192.0.2.9\n"
				"d%d NS ns.d%d\nns.d%d A 192.0.2.53\n",
				i, i - 999, i, i - i % 7 - 7, i, i, i, i);
	}
	fputs("last CNAME h1\n", t.f);
	zone_t *z = tl_zone("example.com", text_done(&t));
	text_free(&t);
	char name[64], txt[16];
	for (int i = 1; i <= N; i++) {
		snprintf(name, sizeof(name), "h%d.example.com.", i);
		const node_t *n = tl_find(z, name);
		ck_assert_msg(n != NULL, "%s missing", name);
		const answer_t *a = type_answer_find(n->types, n->ntypes, LDNS_RR_TYPE_TXT);
		ck_assert_msg(a != NULL && a->ancount == 1, "%s: no TXT answer", name);
		int len = snprintf(txt + 1, sizeof(txt) - 1, "t%d", i);
		txt[0] = (char)len;
		ck_assert_msg(memmem(a->wire, a->len, txt, (size_t)len + 1) != NULL, "%s: TXT lost", name);
		ck_assert_uint_eq(n->ntypes, i % 7 == 0 ? 3 : 1);   /* A, TXT, ANY */
	}
	for (int i = 1000; i <= N; i += 1000) {
		snprintf(name, sizeof(name), "c%d.example.com.", i);
		const node_t *n = tl_find(z, name);
		ck_assert_ptr_nonnull(n);
		ck_assert_ptr_nonnull(n->ext);
		/* the chain's end: the target's TXT */
		int len = snprintf(txt + 1, sizeof(txt) - 1, "t%d", i - 999);
		txt[0] = (char)len;
		const answer_t *a = type_answer_find(n->types, n->ntypes, LDNS_RR_TYPE_TXT);
		ck_assert_msg(a != NULL && a->ancount == 2, "%s: chain cut", name);
		ck_assert_msg(memmem(a->wire, a->len, txt, (size_t)len + 1) != NULL, "%s: TXT lost", name);
		snprintf(name, sizeof(name), "m%d.example.com.", i);
		n = tl_find(z, name);
		ck_assert_ptr_nonnull(n);
		a = type_answer_find(n->types, n->ntypes, LDNS_RR_TYPE_MX);
		ck_assert_msg(a != NULL && a->arcount == 1, "%s: target's address lost", name);
		int k = i - i % 7 - 7;   /* has an A */
		const uint8_t addr[4] = { 10, (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k };
		ck_assert(memmem(a->wire, a->len, addr, 4) != NULL);
		snprintf(name, sizeof(name), "w%d.example.com.", i);
		n = tl_find(z, name);
		ck_assert_msg(n != NULL && n->ext != NULL && n->ext->wildcard != NULL, "%s", name);
		snprintf(name, sizeof(name), "ns.d%d.example.com.", i);
		n = tl_find(z, name);
		ck_assert_msg(n != NULL && n->ext != NULL && n->ext->referral != NULL &&
			      n->ext->referral->arcount == 1, "%s: referral without glue", name);
	}
	zone_unref(&z);
}
END_TEST

#ifndef HZ_ARENA_MALLOC
/* A number of kB from /proc/self/status ("VmRSS", "VmHWM"). */
static long
status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	char line[256];
	long v = -1;
	while (v < 0 && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Issue 16: loading a zone peaks at no more than 1.3 times what the zone
 * keeps (the process's peak RSS, reset before, against its RSS after). A
 * build that holds its whole index until the end peaks at about 1.5 times. */
START_TEST(load_peaks_near_what_the_zone_keeps)
{
	enum { N = 200000 };
	char path[256];
	FILE *f = fopen(tmpdir_file(&dir, "big.zone", path, sizeof(path)), "w");
	ck_assert_ptr_nonnull(f);
	fputs(SOA_NS "ns1 A 192.0.2.1\n", f);
	for (int i = 0; i < N; i++) {
		fprintf(f, "host%d A 10.%d.%d.%d\n", i, i >> 16, (i >> 8) & 255, i & 255);
		if (i % 4 == 0)
			fprintf(f, "host%d AAAA 2001:db8::%x:%x\n", i, i >> 16, i & 0xffff);
		if (i % 10 == 0)
			fprintf(f, "alias%d CNAME host%d\n", i, i);
	}
	ck_assert_int_eq(fclose(f), 0);
	FILE *clear = fopen("/proc/self/clear_refs", "w");
	if (clear == NULL || fputs("5", clear) < 0 || fclose(clear) != 0)
		return;   /* the peak cannot be reset here (old kernel, no /proc) */
	long before = status_kib("VmRSS");
	ck_assert_int_le(status_kib("VmHWM"), before + 1024);
	diag_t d = { .quiet = 1 };
	zone_t *z = zone_load("example.com", path, &d);
	ck_assert_ptr_nonnull(z);
	long peak = status_kib("VmHWM"), after = status_kib("VmRSS");
	ck_assert_int_gt(after - before, 10 * 1024);   /* the zone is there */
	ck_assert_msg((peak - before) * 10 <= (after - before) * 13,
		      "load peaked at %ld kB for a zone of %ld kB", peak - before, after - before);
	zone_unref(&z);
}
END_TEST
#endif

int
main(void)
{
	Suite *su = suite_create("zone");
	TCase *tc = tcase_create("deep names");
	tcase_set_timeout(tc, BUILD_TIMEOUT);
	tcase_add_test(tc, ip6_reverse_six_ptrs);
	tcase_add_test(tc, ip6_reverse_thousands_of_ptrs);
	tcase_add_test(tc, long_chain_of_empty_non_terminals);
	tcase_add_test(tc, owners_differing_in_case_are_one_name);
	tcase_add_test(tc, single_type_names_have_no_any_entry);
	tcase_add_test(tc, slots_of_other_names_passed_unread);
	tcase_add_test(tc, untagged_table_finds_every_name);
	tcase_add_test(tc, index_given_back_behind_the_build);
	suite_add_tcase(su, tc);
	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, files_setup, files_teardown);
	tcase_add_test(tc, every_include_is_tracked);
	tcase_add_test(tc, every_include_is_tracked_with_updates);
	tcase_add_test(tc, zone_load_builds_what_zone_build_builds);
	tcase_add_test(tc, grouped_by_name_numbers_as_by_sorting);
#ifndef HZ_ARENA_MALLOC
	tcase_add_test(tc, load_peaks_near_what_the_zone_keeps);
#endif
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

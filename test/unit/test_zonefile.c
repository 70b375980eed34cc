/* test_zonefile.c -- unit tests for the master file reader.
 *
 * The corpus test loads every test/data/zones/good-*.zone and bad-*.zone.
 * Each file states what it expects in comments:
 *   ; expect-error: [FILE:]LINE: text
 *   ; expect-warning: [FILE:]LINE: text
 * (LINE 0 means a message without line; FILE defaults to the zone file,
 * paths relative to test/data/zones). The test captures the diagnostics and
 * checks that each expectation matches one message and that the error and
 * warning counts are exactly those expected. good-* files must load, bad-*
 * files must not.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "capture.h"
#include "testlib.h"
#include "tmpdir.h"
#include "zonefile.h"

#define ZONES_DIR HZ_TEST_DATA "/zones"
#define MAX_CORPUS 128

static char *corpus[MAX_CORPUS];
static int ncorpus;

/* Parse text as zone example.com from "mem.zone", capturing the messages. */
static zonefile_t *
parse_mem(const char *text, size_t len, capture_t *c)
{
	capture_start(c);
	zonefile_t *z = zonefile_parse("example.com", "mem.zone", text, len, &c->d);
	capture_text(c);
	return z;
}

/* Read the zone file path of example.com with the messages captured in c. */
static zonefile_t *
read_capture(const char *path, capture_t *c)
{
	capture_start(c);
	zonefile_t *z = zonefile_read("example.com", path, &c->d);
	capture_text(c);
	return z;
}

static const zrr_t *
find_rr(const zonefile_t *z, const char *owner_wire, size_t owner_len, uint16_t type)
{
	for (size_t i = 0; i < z->count; i++) {
		const zrr_t *r = &z->rrs[i];
		if (r->type == type && r->owner_len == owner_len &&
		    memcmp(r->owner, owner_wire, owner_len) == 0)
			return r;
	}
	return NULL;
}

/* Owner names as wire literals; sizeof() - 1 drops the literal's NUL. */
#define W(s) (s), (sizeof(s) - 1)

static void
assert_rdata(const zrr_t *r, const char *want, size_t len)
{
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->rdlen, len);
	ck_assert_int_eq(memcmp(r->rdata, want, len), 0);
}

START_TEST(test_corpus)
{
	const char *name = corpus[_i];
	ck_assert_int_eq(chdir(ZONES_DIR), 0);

	FILE *fp = fopen(name, "r");
	ck_assert_ptr_nonnull(fp);
	char line[512];
	unsigned want_err = 0, want_warn = 0;
	struct { char prefix[256]; char text[256]; } exp[32];
	int nexp = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		int warn;
		const char *rest;
		if (strncmp(line, "; expect-error: ", 16) == 0) {
			warn = 0;
			rest = line + 16;
		} else if (strncmp(line, "; expect-warning: ", 18) == 0) {
			warn = 1;
			rest = line + 18;
		} else {
			continue;
		}
		ck_assert_int_lt(nexp, 32);
		/* [FILE:]LINE: text */
		char file[200];
		unsigned long ln;
		/* "LINE: text" or "FILE:LINE: text" */
		const char *p = rest;
		const char *colon = strchr(p, ':');
		ck_assert_ptr_nonnull(colon);
		char *end;
		ln = strtoul(p, &end, 10);
		if (end == colon) {
			snprintf(file, sizeof(file), "%s", name);
		} else {
			snprintf(file, sizeof(file), "%.*s", (int)(colon - p), p);
			p = colon + 1;
			ln = strtoul(p, &end, 10);
			ck_assert_msg(*end == ':', "bad expectation in %s: %s", name, line);
			colon = end;
		}
		if (ln > 0)
			snprintf(exp[nexp].prefix, sizeof(exp[nexp].prefix), "%s:%lu: %s", file, ln,
				 warn ? "warning: " : "");
		else
			snprintf(exp[nexp].prefix, sizeof(exp[nexp].prefix), "%s: %s", file,
				 warn ? "warning: " : "");
		const char *text = colon + 1;
		while (*text == ' ')
			text++;
		snprintf(exp[nexp].text, sizeof(exp[nexp].text), "%s", text);
		exp[nexp].text[strcspn(exp[nexp].text, "\n")] = '\0';
		nexp++;
		if (warn)
			want_warn++;
		else
			want_err++;
	}
	fclose(fp);

	capture_t c;
	zonefile_t *z = read_capture(name, &c);

	for (int i = 0; i < nexp; i++) {
		int found = 0;
		size_t plen = strlen(exp[i].prefix);
		for (char *l = c.buf; l != NULL && *l != '\0';) {
			char *nl = strchr(l, '\n');
			size_t llen = nl != NULL ? (size_t)(nl - l) : strlen(l);
			char msg[1200];
			snprintf(msg, sizeof(msg), "%.*s", (int)llen, l);
			if (strncmp(msg, exp[i].prefix, plen) == 0 &&
			    strstr(msg + plen, exp[i].text) != NULL)
				found = 1;
			l = nl != NULL ? nl + 1 : NULL;
		}
		ck_assert_msg(found, "%s: expected \"%s...%s\" in output:\n%s", name,
			      exp[i].prefix, exp[i].text, c.buf);
	}
	ck_assert_msg(c.d.errors == want_err, "%s: %u errors, expected %u:\n%s", name,
		      c.d.errors, want_err, c.buf);
	ck_assert_msg(c.d.warnings == want_warn, "%s: %u warnings, expected %u:\n%s", name,
		      c.d.warnings, want_warn, c.buf);
	if (strncmp(name, "good-", 5) == 0) {
		ck_assert_msg(z != NULL, "%s should load:\n%s", name, c.buf);
		ck_assert_uint_eq(want_err, 0);
	} else {
		ck_assert_msg(z == NULL, "%s should not load", name);
		ck_assert_uint_gt(want_err, 0);
	}
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

START_TEST(test_full_zone_records)
{
	ck_assert_int_eq(chdir(ZONES_DIR), 0);
	capture_t c;
	capture_start(&c);
	zonefile_t *z = zonefile_read("Example.COM.", "good-full.zone", &c.d);
	capture_text(&c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(c.d.errors, 0);
	ck_assert_uint_eq(c.d.warnings, 0);

	/* origin lower-cased */
	ck_assert_str_eq(z->origin_text, "example.com.");
	ck_assert_uint_eq(z->origin_len, 13);
	ck_assert_int_eq(memcmp(z->origin, "\7example\3com\0", 13), 0);
	ck_assert_str_eq(z->path, "good-full.zone");
	ck_assert_uint_eq(z->count, 24);

	/* multi-line SOA: line where it starts, rname case kept, fields */
	ck_assert_ptr_eq(z->soa, &z->rrs[0]);
	ck_assert_uint_eq(z->soa->type, 6);
	ck_assert_uint_eq(z->soa->rclass, 1);
	ck_assert_uint_eq(z->soa->line, 5);
	ck_assert_uint_eq(z->soa->ttl, 3600);
	ck_assert_str_eq(z->soa->file, "good-full.zone");
	static const char soa[] = "\3ns1\7example\3com\0"
				  "\12hostmaster\7Example\3COM\0"
				  "\x78\xA3\xF1\x75" /* 2024010101 */
				  "\0\0\x1C\x20"     /* 7200 */
				  "\0\0\x0E\x10"     /* 3600 */
				  "\0\x12\x75\0"     /* 1209600 */
				  "\0\0\x01\x2C";    /* 300 */
	assert_rdata(z->soa, soa, sizeof(soa) - 1);

	/* records with blank owner belong to the apex; @ and relative names */
	const zrr_t *r = find_rr(z, W("\7example\3com\0"), 15);
	assert_rdata(r, W("\0\x0a\4mail\7example\3com\0"));
	ck_assert_uint_eq(r->line, 13);
	r = find_rr(z, W("\7example\3com\0"), 257);
	assert_rdata(r, W("\0\5issueletsencrypt.org"));
	r = find_rr(z, W("\7example\3com\0"), 28);
	assert_rdata(r, W("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1"));

	/* owner case as in the file */
	r = find_rr(z, W("\5MiXeD\4CaSe\7example\3com\0"), 1);
	assert_rdata(r, W("\xc0\0\2\7"));
	ck_assert_uint_eq(r->ttl, 3600);
	r = find_rr(z, W("\4mail\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->ttl, 300);

	/* CNAME to @, wildcard, SRV, TXT with many strings, DNAME, PTR */
	assert_rdata(find_rr(z, W("\3www\7example\3com\0"), 5), W("\7example\3com\0"));
	assert_rdata(find_rr(z, W("\1*\4wild\7example\3com\0"), 1), W("\xc0\0\2\x63"));
	assert_rdata(find_rr(z, W("\4_sip\4_udp\7example\3com\0"), 33),
		     W("\0\x0a\0\x3c\x13\xc4\3sip\7example\3com\0"));
	assert_rdata(find_rr(z, W("\3txt\7example\3com\0"), 16),
		     W("\3one\3two\21three with spaces\16four;semicolon\12five\"quote\3six"));
	assert_rdata(find_rr(z, W("\3old\7example\3com\0"), 39), W("\3new\7example\3net\0"));
	assert_rdata(find_rr(z, W("\0011\0012\7example\3com\0"), 12),
		     W("\4host\7example\3com\0"));

	/* RFC 3597 unknown types */
	assert_rdata(find_rr(z, W("\7unknown\7example\3com\0"), 65534), W("\1\2\3"));
	r = find_rr(z, W("\5empty\7example\3com\0"), 65535);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->rdlen, 0);

	/* $TTL 60 applies after it */
	r = find_rr(z, W("\5short\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->ttl, 60);

	/* $INCLUDE inc/sub.inc sub: file, line, origin, its own $TTL/$ORIGIN */
	r = find_rr(z, W("\3sub\7example\3com\0"), 2);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->file, "inc/sub.inc");
	ck_assert_uint_eq(r->line, 3);
	ck_assert_uint_eq(r->ttl, 30);
	r = find_rr(z, W("\1x\6deeper\3sub\7example\3com\0"), 16);
	assert_rdata(r, W("\6inside"));
	ck_assert_uint_eq(r->line, 6);

	/* after the include: the include's $TTL and $ORIGIN did not leak */
	r = find_rr(z, W("\5after\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->ttl, 60);
	ck_assert_str_eq(r->file, "good-full.zone");
	ck_assert_uint_eq(r->line, 32);

	zonefile_free(&z);
	ck_assert_ptr_null(z);
	capture_end(&c);
}
END_TEST

START_TEST(test_default_ttl_soa_minimum)
{
	ck_assert_int_eq(chdir(ZONES_DIR), 0);
	capture_t c;
	zonefile_t *z = read_capture("good-nottl.zone", &c);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->count, 4);
	ck_assert_uint_eq(z->rrs[0].ttl, 3600); /* SOA, explicit */
	ck_assert_uint_eq(z->rrs[1].ttl, 600);  /* NS, SOA minimum */
	ck_assert_uint_eq(z->rrs[2].ttl, 100);  /* explicit */
	ck_assert_uint_eq(z->rrs[3].ttl, 600);
	zonefile_free(&z);
	capture_end(&c);

	/* Records before the SOA get its minimum too; $TTL 0 means 0. */
	static const char text[] =
		"www A 192.0.2.1\n"
		"@ 10 SOA ns1 h 1 2 3 4 77\n"
		"@ NS ns1\n"
		"$TTL 0\n"
		"ns1 A 192.0.2.2\n";
	z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(z->rrs[0].ttl, 77);
	ck_assert_uint_eq(z->rrs[1].ttl, 10);
	ck_assert_uint_eq(z->rrs[2].ttl, 77);
	ck_assert_uint_eq(z->rrs[3].ttl, 0);
	ck_assert_uint_eq(c.d.warnings, 1);
	ck_assert_has(c.buf, "mem.zone:1: warning: no TTL and no $TTL");
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

START_TEST(test_duplicates_dropped)
{
	ck_assert_int_eq(chdir(ZONES_DIR), 0);
	capture_t c;
	zonefile_t *z = read_capture("good-dups.zone", &c);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->count, 4);
	/* the first of the duplicates is the one kept, in its case */
	const zrr_t *r = find_rr(z, W("\3ns1\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->line, 8);
	r = find_rr(z, W("\3www\7example\3com\0"), 5);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->ttl, 300);
	zonefile_free(&z);
	capture_end(&c);

	/* same name, different rdata: both kept */
	static const char text[] = "$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\n@ NS b\na A 192.0.2.1\n"
				   "a A 192.0.2.2\na TXT \"A\"\na TXT \"a\"\n";
	z = zonefile_parse("example.com", "mem.zone", text, sizeof(text) - 1, NULL);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->count, 7);
	zonefile_free(&z);
}
END_TEST

START_TEST(test_missing_file)
{
	capture_t c;
	zonefile_t *z = read_capture("/nonexistent/x.zone", &c);
	ck_assert_ptr_null(z);
	ck_assert_uint_eq(c.d.errors, 1);
	ck_assert_str_eq(c.buf, "/nonexistent/x.zone: cannot read zone file: No such file or directory\n");
	capture_end(&c);

	z = read_capture(ZONES_DIR, &c);
	ck_assert_ptr_null(z);
	ck_assert_has(c.buf, "Is a directory");
	capture_end(&c);
}
END_TEST

START_TEST(test_bad_origin)
{
	capture_t c;
	capture_start(&c);
	zonefile_t *z = zonefile_parse("bad..name", "mem.zone", "", 0, &c.d);
	capture_text(&c);
	ck_assert_ptr_null(z);
	ck_assert_uint_eq(c.d.errors, 1);
	ck_assert_has(c.buf, "mem.zone: invalid zone name 'bad..name'");
	capture_end(&c);
}
END_TEST

START_TEST(test_parse_memory_include)
{
	/* $INCLUDE resolves against the directory of the path given. */
	static const char text[] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n"
				   "$INCLUDE inc/sub.inc sub\nns1 A 192.0.2.1\n";
	capture_t c;
	capture_start(&c);
	zonefile_t *z = zonefile_parse("example.com", ZONES_DIR "/virtual.zone", text,
				       sizeof(text) - 1, &c.d);
	capture_text(&c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(z->count, 6);
	const zrr_t *r = find_rr(z, W("\4host\3sub\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->file, ZONES_DIR "/inc/sub.inc");
	ck_assert_uint_eq(r->line, 4);
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

START_TEST(test_many_includes)
{
	/* libzscanner keeps a call frame per $INCLUDE it reports, with room
	 * for 16: the 17th smashed its stack until the reader took a fresh
	 * scanner after each one. 40 includes, then a record of the file's own. */
	char text[4096] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n";
	for (int i = 0; i < 40; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "$INCLUDE inc/sub.inc s%d.example.com.\n", i);
	strcat(text, "after 7 A 192.0.2.99\n");
	capture_t c;
	capture_start(&c);
	zonefile_t *z = zonefile_parse("example.com", ZONES_DIR "/virtual.zone", text, strlen(text), &c.d);
	capture_text(&c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(z->count, 3 + 1 + 40 * 3);
	ck_assert_ptr_nonnull(find_rr(z, W("\4host\3s39\7example\3com\0"), 1));
	const zrr_t *r = find_rr(z, W("\5after\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->ttl, 7);
	ck_assert_uint_eq(r->line, 45);
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

static tmpdir_t chain_dir;

/* Chain: top.zone includes d1.inc, d1 includes d2, ... up to d<last>. */
static zonefile_t *
load_chain(int last, capture_t *c)
{
	char name[32], text[256];
	for (int i = 1; i <= last; i++) {
		snprintf(name, sizeof(name), "d%d.inc", i);
		if (i < last)
			snprintf(text, sizeof(text), "d%d A 192.0.2.%d\n$INCLUDE d%d.inc\n", i, i, i + 1);
		else
			snprintf(text, sizeof(text), "d%d A 192.0.2.%d\n", i, i);
		tmpdir_put(&chain_dir, name, text);
	}
	tmpdir_put(&chain_dir, "top.zone", "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n$INCLUDE d1.inc\n");
	char path[256];
	return read_capture(tmpdir_file(&chain_dir, "top.zone", path, sizeof(path)), c);
}

START_TEST(test_include_depth)
{
	tmpdir_make(&chain_dir, "hz-zonefile");
	capture_t c;
	/* top + 9 included files: 10 levels, allowed */
	zonefile_t *z = load_chain(9, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(z->count, 3 + 9);
	zonefile_free(&z);
	capture_end(&c);

	/* one more is too deep: reported at the $INCLUDE in d9.inc */
	z = load_chain(10, &c);
	ck_assert_ptr_null(z);
	ck_assert_uint_eq(c.d.errors, 1);
	char want[300];
	snprintf(want, sizeof(want), "%s/d9.inc:2: $INCLUDE nested more than 10 deep\n", chain_dir.path);
	ck_assert_str_eq(c.buf, want);
	capture_end(&c);

	/* a file including itself */
	char path[256];
	tmpdir_put(&chain_dir, "self.zone", "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$INCLUDE self.zone\n");
	z = read_capture(tmpdir_file(&chain_dir, "self.zone", path, sizeof(path)), &c);
	tmpdir_remove(&chain_dir);
	ck_assert_ptr_null(z);
	ck_assert_uint_eq(c.d.errors, 1);
	ck_assert_has(c.buf, "self.zone:4: include loop");
	capture_end(&c);
}
END_TEST

START_TEST(test_rdata_too_long)
{
	/* rdata over 65535 octets is rejected (ldns used to cut it silently) */
	size_t cap = 300 * 260 + 200;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	size_t n = (size_t)snprintf(text, cap, "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nbig TXT");
	for (int i = 0; i < 300; i++) {
		text[n++] = ' ';
		text[n++] = '"';
		memset(text + n, 'x', 250);
		n += 250;
		text[n++] = '"';
	}
	text[n++] = '\n';
	capture_t c;
	zonefile_t *z = parse_mem(text, n, &c);
	ck_assert_msg(z == NULL, "loaded, count %zu rdlen %u", z->count, z->rrs[2].rdlen);
	ck_assert_uint_eq(c.d.errors, 1);
	ck_assert_has(c.buf, "mem.zone:4: text is too long");
	capture_end(&c);
	free(text);
}
END_TEST

/* Texts that do not load, each with its message (a row of test_bad_text). */
#define TEXT(s) s, sizeof(s) - 1   /* its length: a text may hold a NUL byte */
static const struct {
	const char *text;
	size_t len;
	const char *want;   /* in the messages */
	bool whole;         /* ... and the only one */
} bad_texts[] = {
	{ TEXT("$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nx A 192.0.2.1\0\n"), "mem.zone:4: NUL byte", false },
	{ TEXT("$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nt TXT \"open\nns1 A 192.0.2.1\n"),
	  "mem.zone:4: unterminated quoted string", false },
	{ TEXT("$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$INCLUDE /dev/zero\n"),
	  "mem.zone:4: cannot read included file /dev/zero: not a regular file (a device)\n", true },
};
#define N_BAD_TEXTS ((int)(sizeof(bad_texts) / sizeof(bad_texts[0])))

START_TEST(test_bad_text)
{
	capture_t c;
	zonefile_t *z = parse_mem(bad_texts[_i].text, bad_texts[_i].len, &c);
	ck_assert_msg(z == NULL, "row %d loaded", _i);
	if (bad_texts[_i].whole)
		ck_assert_str_eq(c.buf, bad_texts[_i].want);
	else
		ck_assert_has(c.buf, bad_texts[_i].want);
	capture_end(&c);
}
END_TEST

START_TEST(test_blank_owner)
{
	/* A blank owner repeats the previous owner, also after "@". */
	static const char text[] = "$TTL 5\nwww A 192.0.2.1\n@ SOA ns1 h 1 2 3 4 5\n"
				   "  NS ns1\nNs1 A 192.0.2.2\n\tAAAA 2001:db8::2\n";
	zonefile_t *z = zonefile_parse("example.com", "mem.zone", text, sizeof(text) - 1, NULL);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->count, 5);
	ck_assert_ptr_nonnull(find_rr(z, W("\7example\3com\0"), 2));
	const zrr_t *r = find_rr(z, W("\3Ns1\7example\3com\0"), 28);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->line, 6);
	zonefile_free(&z);
}
END_TEST

/* Issue 10, row 1: the class before the TTL (RFC 1035 allows both orders). */
START_TEST(test_class_before_ttl)
{
	static const char text[] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n"
				   "www IN 300 A 192.0.2.1\n"
				   "ftp 301 IN A 192.0.2.2\n"
				   "mx IN ( 302\n  MX 10 www )\n"
				   "ns1 IN A 192.0.2.3\n";
	capture_t c;
	zonefile_t *z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(c.d.warnings, 0);
	const zrr_t *r = find_rr(z, W("\3www\7example\3com\0"), 1);
	assert_rdata(r, W("\xc0\0\2\1"));
	ck_assert_uint_eq(r->ttl, 300);
	ck_assert_uint_eq(r->line, 4);
	ck_assert_uint_eq(find_rr(z, W("\3ftp\7example\3com\0"), 1)->ttl, 301);
	r = find_rr(z, W("\2mx\7example\3com\0"), 15);
	assert_rdata(r, W("\0\x0a\3www\7example\3com\0"));
	ck_assert_uint_eq(r->ttl, 302);
	ck_assert_uint_eq(r->line, 6);
	ck_assert_uint_eq(find_rr(z, W("\3ns1\7example\3com\0"), 1)->ttl, 5);
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

/* Name characters BIND takes bare but the scanner only escaped ("a+b"):
 * read with them escaped; a blank owner after them means them. */
START_TEST(test_name_characters)
{
	static const char text[] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"
				   "a+b 60 TXT \"x+y\" z=w\n"
				   "  ( MX 10\n q=r ) ; c\n"
				   "c CNAME x!y\n"
				   "  ; c\n";
	capture_t c;
	zonefile_t *z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	const zrr_t *r = find_rr(z, W("\3a+b\7example\3com\0"), 16);
	assert_rdata(r, W("\3x+y\3z=w"));
	ck_assert_uint_eq(r->ttl, 60);
	r = find_rr(z, W("\3a+b\7example\3com\0"), 15);
	assert_rdata(r, W("\0\x0a\3q=r\7example\3com\0"));
	ck_assert_uint_eq(r->line, 6);
	assert_rdata(find_rr(z, W("\1c\7example\3com\0"), 5), W("\3x!y\7example\3com\0"));
	zonefile_free(&z);
	capture_end(&c);

	/* numbers are still checked on that path */
	static const char bad[] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nb+c MX 70000 x\n";
	z = parse_mem(bad, sizeof(bad) - 1, &c);
	ck_assert_ptr_null(z);
	ck_assert_uint_eq(c.d.errors, 1);
	capture_end(&c);
}
END_TEST

/* The TTL field is found however long the rest of the record is. */
START_TEST(test_ttl_before_long_rdata)
{
	char text[2000];
	char big[801];
	memset(big, 'x', 800);
	big[800] = '\0';
	snprintf(text, sizeof(text), "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"
		 "www 300 TXT \"%s\"\nftp IN 301 TXT %s\n", big, big);
	zonefile_t *z = zonefile_parse("example.com", "mem.zone", text, strlen(text), NULL);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(find_rr(z, W("\3www\7example\3com\0"), 16)->ttl, 300);
	ck_assert_uint_eq(find_rr(z, W("\3ftp\7example\3com\0"), 16)->ttl, 301);
	zonefile_free(&z);
}
END_TEST

/* Types the zone scanner has no name for are read through ldns, in any
 * field order, on several lines, with a blank owner. */
START_TEST(test_types_through_ldns)
{
	static const char text[] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"
				   "w IN 300 WKS 192.0.2.1 6 25\n"
				   "  X25 ( 311061700956 ; comment\n )\n"
				   "bad WKS 192.0.2 6 25\n";
	capture_t c;
	zonefile_t *z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_ptr_null(z);
	ck_assert_str_eq(c.buf, "mem.zone:8: WKS record: Syntax error, could not parse the RR's rdata\n");
	capture_end(&c);

	z = parse_mem(text, sizeof(text) - 1 - 21, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	const zrr_t *r = find_rr(z, W("\1w\7example\3com\0"), 11);
	assert_rdata(r, W("\xc0\0\2\1\6\0\0\0\x40"));
	ck_assert_uint_eq(r->ttl, 300);
	r = find_rr(z, W("\1w\7example\3com\0"), 19);
	assert_rdata(r, W("\014311061700956"));
	ck_assert_uint_eq(r->ttl, 5);
	ck_assert_uint_eq(r->line, 6);
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

/* Issue 16: the record array is reserved for the lines of the top file and
 * grows in place (mremap) past that: $GENERATE and $INCLUDE make far more
 * records than the file has lines. Every record arrives, in file order,
 * with its own FILE:LINE, and the duplicates of the generated range are
 * still found after the array moved. */
START_TEST(test_records_beyond_the_line_count)
{
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-zf-grow");
	char inc[256], top[256];
	tmpdir_file(&dir, "inc.zone", inc, sizeof(inc));
	tmpdir_file(&dir, "top.zone", top, sizeof(top));
	tl_put_file(inc, "$GENERATE 1-3000 i$ A 192.0.2.2\n");
	tl_put_file(top, "$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"          /* lines 1-3 */
			 "$GENERATE 1-5000 g$ A 192.0.2.1\n"                   /* 4 */
			 "$INCLUDE inc.zone\n"                                 /* 5 */
			 "$GENERATE 4000-5000 G$ A 192.0.2.1\n"                /* 6: duplicates */
			 "last A 192.0.2.3\n");                                /* 7 */
	capture_t c;
	zonefile_t *z = read_capture(top, &c);
	ck_assert_msg(z != NULL, "%.500s", c.buf);
	ck_assert_uint_eq(c.d.errors, 0);
	ck_assert_uint_eq(z->count, 2 + 5000 + 3000 + 1);   /* G4000-G5000: duplicates of g4000-g5000 */
	for (size_t i = 0; i < 5000; i++) {
		const zrr_t *r = &z->rrs[2 + i];
		char want[16];
		int n = snprintf(want, sizeof(want), "g%zu", i + 1);
		ck_assert_uint_eq(r->owner[0], (unsigned)n);
		ck_assert(memcmp(r->owner + 1, want, (size_t)n) == 0);
		ck_assert_uint_eq(r->line, 4);
		ck_assert_str_eq(r->file, top);
	}
	const zrr_t *r = &z->rrs[2 + 5000 + 2999];
	ck_assert(memcmp(r->owner, "\005i3000", 6) == 0);
	ck_assert_str_eq(r->file, inc);
	ck_assert_uint_eq(r->line, 1);
	r = &z->rrs[z->count - 1];
	ck_assert(memcmp(r->owner, "\004last", 5) == 0);
	ck_assert_uint_eq(r->line, 7);
	ck_assert_ptr_eq(z->soa, &z->rrs[0]);
	zonefile_free(&z);
	capture_end(&c);
	tmpdir_remove(&dir);
}
END_TEST

#ifndef HZ_ARENA_MALLOC
/* VmSize of this process in bytes, or 0. */
static size_t
vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kib = 0;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %zu kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib * 1024;
}
#endif

/* Issue 16: what the reader reserves before reading is guessed from the
 * lines, but held to the size of the text: a file of 8 million blank lines
 * and three records loads with 96 MB of address space to spare (the line
 * count alone would reserve over 500 MB). Not in sanitizer builds, which
 * map terabytes of shadow memory. */
START_TEST(test_reserve_bounded_by_text)
{
#ifdef HZ_ARENA_MALLOC
	fprintf(stderr, "test_reserve_bounded_by_text: skipped (sanitizer build)\n");
#else
	char path[] = "/tmp/hz-zf-blank-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n", f);
	static char blank[1 << 20];
	memset(blank, '\n', sizeof(blank));
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(fwrite(blank, 1, sizeof(blank), f), sizeof(blank));
	fputs("x A 192.0.2.1\n", f);
	fclose(f);
	size_t vm = vm_size();
	ck_assert_uint_gt(vm, 0);
	struct rlimit rl = { .rlim_cur = vm + ((size_t)96 << 20), .rlim_max = RLIM_INFINITY };
	ck_assert_int_eq(getrlimit(RLIMIT_AS, &rl) == 0 ? 0 : -1, 0);
	rl.rlim_cur = vm + ((size_t)96 << 20);
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
	capture_t c;
	zonefile_t *z = read_capture(path, &c);
	unlink(path);
	ck_assert_msg(z != NULL, "%.500s", c.buf);
	ck_assert_uint_eq(z->count, 3);
	ck_assert_uint_eq(z->rrs[2].line, 3 + 8 * (1 << 20) + 1);
	zonefile_free(&z);
	capture_end(&c);
#endif
}
END_TEST

/* Issue 10, row 2: $GENERATE with BIND's modifiers. The expected records are
 * what named-checkzone -D (BIND 9.18) prints for the same file. */
START_TEST(test_generate)
{
	static const char text[] =
		"$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
		"$ORIGIN 2.0.192.example.com.\n"
		"$GENERATE 1-254 $ PTR host-$.example.\n"                         /* 6 */
		"$ORIGIN example.com.\n"
		"$GENERATE 1-3 a$$b$ TXT x$$y\n"                                   /* 8 */
		"$GENERATE 1-3 c\\$ TXT z\\$w\n"                                   /* 9: one record, 2 dups */
		"$GENERATE 1024-1026 ${0,3,n} AAAA 2001:db8::${0,4,x}\n"           /* 10 */
		"$GENERATE 1-2 n${-5} TXT ${0,3}\n"                                /* 11 */
		"$GENERATE 0-20/7 s${+2,4,X} IN 60 TXT \"a b\"\n"                 /* 12 */
		"$GENERATE 1-2 t${0,6,N} 70 IN A 10.1.1.$\n"                       /* 13: out of zone */
		"$GENERATE 1-2 u${1,0,o} A 10.2.2.$\n"                             /* 14 */
		"$GENERATE 1-1 v${1,2} MX \"10 mail$\" ; comment\n"                /* 15 */
		"$generate 8-9 W$ CNAME ${0,0,N}.rev\n";                           /* 16 */
	capture_t c;
	zonefile_t *z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(c.d.errors, 0);
	/* BIND: "ignoring out-of-zone data (t1.0.0)", (t2.0.0) */
	ck_assert_uint_eq(c.d.warnings, 2);
	ck_assert_has(c.buf, "mem.zone:13: warning: t1.0.0. is outside the zone");
	ck_assert_uint_eq(z->count, 3 + 254 + 3 + 1 + 3 + 2 + 3 + 2 + 1 + 2);

	const zrr_t *r = find_rr(z, W("\0011\0012\0010\003192\7example\3com\0"), 12);
	assert_rdata(r, W("\6host-1\7example\0"));
	ck_assert_uint_eq(r->line, 6);
	ck_assert_uint_eq(r->ttl, 300);
	assert_rdata(find_rr(z, W("\003254\0012\0010\003192\7example\3com\0"), 12),
		     W("\10host-254\7example\0"));
	assert_rdata(find_rr(z, W("\4a$b2\7example\3com\0"), 16), W("\3x$y"));
	assert_rdata(find_rr(z, W("\2c$\7example\3com\0"), 16), W("\3z$w"));
	assert_rdata(find_rr(z, W("\0012\0010\0014\7example\3com\0"), 28),
		     W("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\x04\x02"));
	assert_rdata(find_rr(z, W("\3n-4\7example\3com\0"), 16), W("\003001"));
	r = find_rr(z, W("\5s0010\7example\3com\0"), 16);
	assert_rdata(r, W("\1a\1b"));
	ck_assert_uint_eq(r->ttl, 60);
	ck_assert_ptr_nonnull(find_rr(z, W("\5s0009\7example\3com\0"), 16));
	ck_assert_ptr_nonnull(find_rr(z, W("\5s0002\7example\3com\0"), 16));
	assert_rdata(find_rr(z, W("\2u3\7example\3com\0"), 1), W("\x0a\2\2\2"));
	assert_rdata(find_rr(z, W("\3v02\7example\3com\0"), 15),
		     W("\0\x0a\5mail1\7example\3com\0"));
	assert_rdata(find_rr(z, W("\2W9\7example\3com\0"), 5), W("\0019\3rev\7example\3com\0"));
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

/* Bad $GENERATE lines: an error at their line, the rest still read. */
START_TEST(test_generate_errors)
{
	static const char text[] =
		"$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
		"$GENERATE 5-1 a$ A 10.0.0.$\n"                 /* 5: range */
		"$GENERATE 1-5/0 a$ A 10.0.0.$\n"               /* 6: step */
		"$GENERATE 1-2 a${1,2,q} A 10.0.0.$\n"           /* 7: modifier */
		"$GENERATE 1-300 a$ A 10.0.0.$\n"                /* 8: 10.0.0.256 */
		"$GENERATE 1-2 a$ CH TXT x\n"                    /* 9: class */
		"$GENERATE 1-2 a$ A\n"                           /* 10: no rhs */
		"$GENERATE 1-2 a$ A 10.0.0.$ extra\n"            /* 11 */
		"$GENERATE 1-2 a$ TXT (x)\n"                     /* 12 */
		"$GENERATE 1-2 a${0,200} A 10.0.0.1\n"           /* 13: width */
		"$GENERATE 0-2000000 a$ A 10.0.0.1\n"            /* 14: too many */
		"$GENERATE 0-1 ${-1,0,n} TXT x\n"                /* 15: negative nibbles */
		"ok A 192.0.2.9\n";
	capture_t c;
	zonefile_t *z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_ptr_null(z);
	static const char *const want[] = {
		"mem.zone:5: $GENERATE: invalid range '5-1'",
		"mem.zone:6: $GENERATE: invalid range '1-5/0'",
		"mem.zone:7: $GENERATE: invalid ${offset,width,base} modifier (for value 1)",
		"mem.zone:8: $GENERATE: invalid IPv4 address (for value 256)",
		"mem.zone:9: class CH is not supported (only IN)",
		"mem.zone:10: $GENERATE needs a range, a lhs, a type and a rhs",
		"mem.zone:11: $GENERATE: extra text after the rhs",
		"mem.zone:12: $GENERATE: parentheses are not supported",
		"mem.zone:13: $GENERATE: expanded text too long (for value 1)",
		"mem.zone:14: $GENERATE: more than 1048576 records",
		"mem.zone:15: $GENERATE: value out of range (for value 0)",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(c.buf, want[i]) != NULL, "no \"%s\" in:\n%s", want[i], c.buf);
	ck_assert_uint_eq(c.d.errors, sizeof(want) / sizeof(want[0]));
	capture_end(&c);
}
END_TEST

/* Issue 10, row 4: a stray record outside the zone is ignored with a warning. */
START_TEST(test_outside_ignored)
{
	ck_assert_int_eq(chdir(ZONES_DIR), 0);
	capture_t c;
	zonefile_t *z = read_capture("good-outside.zone", &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(z->count, 3);
	ck_assert_uint_eq(c.d.warnings, 3);
	ck_assert_has(c.buf, "good-outside.zone:9: warning: www.example.org. is "
					    "outside the zone example.com.: ignored\n");
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

/* Issue 10, row 5: no newline after the last record: loaded, with a warning. */
START_TEST(test_no_final_newline)
{
	static const char text[] = "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1";
	capture_t c;
	zonefile_t *z = parse_mem(text, sizeof(text) - 1, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	ck_assert_uint_eq(z->count, 3);
	assert_rdata(find_rr(z, W("\3ns1\7example\3com\0"), 1), W("\xc0\0\2\1"));
	ck_assert_str_eq(c.buf, "mem.zone:4: warning: last line has no newline: file cut short?\n");
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

/* Issue 10, row 6: "$INCLUDE /etc/shadow" must not print the file's text. */
START_TEST(test_include_secret_not_echoed)
{
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-zonefile-secret");
	char secret[300], text[600];
	tmpdir_file(&dir, "shadow", secret, sizeof(secret));
	tl_put_file(secret, "root:$y$j9T$S3CRETHASH:19000:0:99999:7:::\n"
			   "daemon:*:19000:0:99999:7:::\n");
	snprintf(text, sizeof(text), "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$INCLUDE %s\n"
		 "ns1 A 192.0.2.1\n", secret);
	capture_t c;
	zonefile_t *z = parse_mem(text, strlen(text), &c);
	tmpdir_remove(&dir);
	ck_assert_ptr_null(z);
	ck_assert_ptr_null(strstr(c.buf, "S3CRET"));
	ck_assert_ptr_null(strstr(c.buf, "root"));
	ck_assert_ptr_null(strstr(c.buf, "daemon"));
	char want[800];
	snprintf(want, sizeof(want), "%s:1: invalid domain name character (included file; "
		 "its text is not shown: is it a zone file?)\n%s:2: ", secret, secret);
	ck_assert_has(c.buf, want);
	capture_end(&c);
}
END_TEST

/* Issue 9 item 8: a FIFO as zone file or $INCLUDE is refused at once, never
 * read (open would block until a writer comes). Check's per-test timeout
 * fails the test if it hangs. */
START_TEST(test_fifo_refused)
{
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-zonefile-fifo");
	char fifo[300], text[600], want[600];
	tmpdir_file(&dir, "zone.fifo", fifo, sizeof(fifo));
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	alarm(20);

	capture_t c;
	zonefile_t *z = read_capture(fifo, &c);
	ck_assert_ptr_null(z);
	snprintf(want, sizeof(want), "%s: cannot read zone file: not a regular file (a FIFO)\n", fifo);
	ck_assert_str_eq(c.buf, want);
	capture_end(&c);

	snprintf(text, sizeof(text), "$TTL 5\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$INCLUDE %s\n", fifo);
	z = parse_mem(text, strlen(text), &c);
	ck_assert_ptr_null(z);
	snprintf(want, sizeof(want),
		 "mem.zone:4: cannot read included file %s: not a regular file (a FIFO)\n", fifo);
	ck_assert_str_eq(c.buf, want);
	capture_end(&c);
	alarm(0);
	tmpdir_remove(&dir);
}
END_TEST

/* Errors inside an $INCLUDE keep its FILE:LINE; records after a bad
 * multi-line record are still read; relative $ORIGIN; CRLF line ends. */
START_TEST(test_errors_in_include_and_recovery)
{
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-zonefile-inc");
	char inc[300], top[300], want[600];
	tmpdir_file(&dir, "bad.inc", inc, sizeof(inc));
	tmpdir_file(&dir, "top.zone", top, sizeof(top));
	tl_put_file(inc, "ok A 192.0.2.7\nmx MX 70000 ok\n");
	tl_put_file(top, "$TTL 5\r\n@ SOA ns1 h 1 2 3 4 5\r\n@ NS ns1\r\n$INCLUDE bad.inc\r\n"
			"x MX ( 10\n  bad..name )\nns1 A 192.0.2.1\n$ORIGIN sub\nw A 192.0.2.2\n"
			"$ORIGIN example.com.\nbig 9999999999 A 192.0.2.3\n");
	capture_t c;
	zonefile_t *z = read_capture(top, &c);
	ck_assert_ptr_null(z);
	snprintf(want, sizeof(want), "%s:2: number is bigger than 16 bits\n", inc);
	ck_assert_has(c.buf, want);
	snprintf(want, sizeof(want), "%s:5: invalid domain name character: x MX ( 10\n", top);
	ck_assert_has(c.buf, want);
	snprintf(want, sizeof(want), "%s:11: TTL 9999999999 does not fit in 32 bits", top);
	ck_assert_has(c.buf, want);
	ck_assert_uint_eq(c.d.errors, 3);
	capture_end(&c);

	/* the same without the errors loads, with sub's names where they belong */
	tl_put_file(inc, "ok A 192.0.2.7\n");
	tl_put_file(top, "$TTL 5\r\n@ SOA ns1 h 1 2 3 4 5\r\n@ NS ns1\r\n$INCLUDE bad.inc\r\n"
			"ns1 A 192.0.2.1\n$ORIGIN sub\nw A 192.0.2.2\n");
	z = read_capture(top, &c);
	ck_assert_msg(z != NULL, "%s", c.buf);
	const zrr_t *r = find_rr(z, W("\2ok\7example\3com\0"), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->file, inc);
	ck_assert_uint_eq(r->line, 1);
	ck_assert_ptr_nonnull(find_rr(z, W("\1w\3sub\7example\3com\0"), 1));
	zonefile_free(&z);
	capture_end(&c);
	tmpdir_remove(&dir);
}
END_TEST

START_TEST(test_root_zone)
{
	static const char text[] = "$TTL 5\n. SOA a.root. b.root. 1 2 3 4 5\n. NS a.root.\n"
				   "a.root. A 192.0.2.1\ncom. NS a.gtld.\n";
	zonefile_t *z = zonefile_parse(".", "root.zone", text, sizeof(text) - 1, NULL);
	ck_assert_ptr_nonnull(z);
	ck_assert_str_eq(z->origin_text, ".");
	ck_assert_uint_eq(z->origin_len, 1);
	ck_assert_uint_eq(z->count, 4);
	zonefile_free(&z);
}
END_TEST

START_TEST(test_free_null)
{
	zonefile_free(NULL);
	zonefile_t *z = NULL;
	zonefile_free(&z);
	ck_assert_ptr_null(z);
}
END_TEST

/* 100,000 records: load time and peak memory are printed, not asserted
 * (apart from a generous time limit that catches quadratic behaviour). */
START_TEST(test_large_zone)
{
	char path[] = "/tmp/hz-zonefile-big-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
		    "ns1 A 192.0.2.1\n");
	const int n = 100000;
	for (int i = 0; i < n - 3; i++) {
		switch (i % 4) {
		case 0: fprintf(fp, "host%d A 10.%d.%d.%d\n", i, (i >> 16) & 255, (i >> 8) & 255, i & 255); break;
		case 1: fprintf(fp, "host%d AAAA 2001:db8::%x:%x\n", i - 1, i >> 16, i & 0xffff); break;
		case 2: fprintf(fp, "mx%d MX 10 host%d\n", i, i - 2); break;
		default: fprintf(fp, "txt%d TXT \"record number %d\" \"second string\"\n", i, i); break;
		}
	}
	fclose(fp);

	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	capture_t c;
	zonefile_t *z = read_capture(path, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &ru1);
	unlink(path);
	ck_assert_msg(z != NULL, "%.500s", c.buf);
	ck_assert_uint_eq(z->count, (size_t)n);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
		     (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
		     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
		     (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	fprintf(stderr, "test_large_zone: %d records in %.3f s (%.3f s CPU), peak RSS %ld KiB "
		"(before load %ld KiB), zone arena %zu KiB\n", n, secs, cpu, ru1.ru_maxrss,
		ru0.ru_maxrss, arena_used(z->arena) / 1024);
	ck_assert_msg(secs < 60.0, "100k records took %.1f s", secs);
	zonefile_free(&z);
	capture_end(&c);
}
END_TEST

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
corpus_scan(void)
{
	DIR *dir = opendir(ZONES_DIR);
	if (dir == NULL) {
		perror(ZONES_DIR);
		exit(1);
	}
	struct dirent *e;
	while ((e = readdir(dir)) != NULL && ncorpus < MAX_CORPUS) {
		size_t len = strlen(e->d_name);
		if ((strncmp(e->d_name, "good-", 5) == 0 || strncmp(e->d_name, "bad-", 4) == 0) &&
		    len > 5 && strcmp(e->d_name + len - 5, ".zone") == 0)
			corpus[ncorpus++] = strdup(e->d_name);
	}
	closedir(dir);
	qsort(corpus, (size_t)ncorpus, sizeof(corpus[0]), cmp_str);
}

static Suite *
zonefile_suite(void)
{
	Suite *s = suite_create("zonefile");
	TCase *tc = tcase_create("corpus");
	tcase_add_loop_test(tc, test_corpus, 0, ncorpus);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_test(tc, test_full_zone_records);
	tcase_add_test(tc, test_default_ttl_soa_minimum);
	tcase_add_test(tc, test_duplicates_dropped);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_bad_origin);
	tcase_add_test(tc, test_parse_memory_include);
	tcase_add_test(tc, test_many_includes);
	tcase_add_test(tc, test_include_depth);
	tcase_add_test(tc, test_rdata_too_long);
	tcase_add_loop_test(tc, test_bad_text, 0, N_BAD_TEXTS);
	tcase_add_test(tc, test_blank_owner);
	tcase_add_test(tc, test_root_zone);
	tcase_add_test(tc, test_class_before_ttl);
	tcase_add_test(tc, test_types_through_ldns);
	tcase_add_test(tc, test_ttl_before_long_rdata);
	tcase_add_test(tc, test_name_characters);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_records_beyond_the_line_count);
	tcase_add_test(tc, test_reserve_bounded_by_text);
	tcase_add_test(tc, test_generate_errors);
	tcase_add_test(tc, test_outside_ignored);
	tcase_add_test(tc, test_no_final_newline);
	tcase_add_test(tc, test_include_secret_not_echoed);
	tcase_add_test(tc, test_fifo_refused);
	tcase_add_test(tc, test_errors_in_include_and_recovery);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("large");
	tcase_set_timeout(tc, 110);
	tcase_add_test(tc, test_large_zone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	corpus_scan();
	if (ncorpus < 10) {
		fprintf(stderr, "zone corpus in %s looks incomplete (%d files)\n", ZONES_DIR, ncorpus);
		return 1;
	}
	int status = tl_run_suite(zonefile_suite());
	for (int i = 0; i < ncorpus; i++)
		free(corpus[i]);
	return status;
}

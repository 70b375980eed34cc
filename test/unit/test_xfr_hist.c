/* test_xfr_hist.c -- the IXFR history: the difference of two record sets,
 * the chain of changes from a client's serial to the newest, kept across a
 * restart in a file that is refused whole when damaged.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "testlib.h"
#include "tmpdir.h"
#include "xfr_hist.h"
#include "zonefile.h"

static zonefile_t *
zone(unsigned serial, const char *body)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "$TTL 300\n@ SOA ns1 host %u 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n%s",
		 serial, body);
	diag_t d = { .quiet = 1 };
	zonefile_t *zf = zonefile_parse("example.com", "t.zone", text, strlen(text), &d);
	ck_assert_msg(zf != NULL, "zone %u does not parse", serial);
	return zf;
}

/* "name TYPE rdata" of a wire record, via ldns. */
static char *
rr_text(const xfr_rr_t *r)
{
	ldns_rr *rr = NULL;
	size_t pos = 0;
	ck_assert_int_eq(ldns_wire2rr(&rr, r->wire, r->len, &pos, LDNS_SECTION_ANSWER), LDNS_STATUS_OK);
	char *s = ldns_rr2str(rr);
	ldns_rr_free(rr);
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static void
ck_rrs(const xfr_rr_t *r, size_t n, const char *const *want, size_t nwant)
{
	ck_assert_uint_eq(n, nwant);
	for (size_t i = 0; i < n; i++) {
		char *s = rr_text(&r[i]);
		bool found = false;
		for (size_t k = 0; k < nwant; k++)
			found |= strcmp(s, want[k]) == 0;
		ck_assert_msg(found, "unexpected record %s", s);
		free(s);
	}
}

START_TEST(test_diff)
{
	zonefile_t *a = zone(10, "www A 192.0.2.80\nmail A 192.0.2.25\ntxt TXT \"same\"\nttl 300 A 192.0.2.9\n");
	zonefile_t *b = zone(11, "WWW A 192.0.2.81\nmail A 192.0.2.25\ntxt TXT \"same\"\nnew AAAA 2001:db8::1\nttl 600 A 192.0.2.9\n");
	xfr_version_t *va = xfr_version_new(a), *vb = xfr_version_new(b);
	ck_assert_uint_eq(va->serial, 10);
	ck_assert_uint_eq(vb->serial, 11);
	ck_assert_uint_eq(va->n, 6);   /* SOA apart */
	xfr_change_t c;
	xfr_diff(va, vb, &c);
	ck_assert_uint_eq(c.from, 10);
	ck_assert_uint_eq(c.to, 11);
	/* owner case does not count (www vs WWW); a TTL change is remove + add */
	ck_rrs(c.del, c.ndel, (const char *const[]){ "www.example.com.\t300\tIN\tA\t192.0.2.80",
						   "ttl.example.com.\t300\tIN\tA\t192.0.2.9" }, 2);
	ck_rrs(c.add, c.nadd, (const char *const[]){ "www.example.com.\t300\tIN\tA\t192.0.2.81",
						   "new.example.com.\t300\tIN\tAAAA\t2001:db8::1",
						   "ttl.example.com.\t600\tIN\tA\t192.0.2.9" }, 3);
	char *s = rr_text(&c.old_soa);
	ck_assert_msg(strstr(s, " 10 3600") != NULL || strstr(s, "\t10 ") != NULL || strstr(s, " 10 ") != NULL, "%s", s);
	free(s);
	xfr_change_clear(&c);

	/* identical sets: an empty change */
	xfr_diff(va, va, &c);
	ck_assert_uint_eq(c.ndel, 0);
	ck_assert_uint_eq(c.nadd, 0);
	xfr_change_clear(&c);
	xfr_version_free(&va);
	xfr_version_free(&vb);
	ck_assert_ptr_null(va);
	zonefile_free(&a);
	zonefile_free(&b);
}
END_TEST

START_TEST(test_chain)
{
	static const uint8_t apex[] = "\7example\3com";
	xfr_hist_t *h = xfr_hist_get("external", apex, NULL);
	ck_assert_ptr_eq(xfr_hist_get("external", apex, NULL), h);
	ck_assert_ptr_ne(xfr_hist_get("internal", apex, NULL), h);
	const xfr_change_t *ch[XFR_HIST_MAX];
	zonefile_t *zf = zone(1, "");
	xfr_hist_note(h, zf);
	zonefile_free(&zf);
	ck_assert_uint_eq(xfr_hist_chain(h, 1, ch), 0);   /* nothing changed yet */
	/* versions 2..20: one record more each time */
	char body[2048] = "";
	for (unsigned v = 2; v <= 20; v++) {
		char line[64];
		snprintf(line, sizeof(line), "h%u A 192.0.2.%u\n", v, v);
		strcat(body, line);
		zf = zone(v, body);
		xfr_hist_note(h, zf);
		xfr_hist_note(h, zf);   /* the same serial again: no change */
		zonefile_free(&zf);
	}
	/* 19 changes seen, the newest 16 kept: 4 -> 20 */
	ck_assert_uint_eq(xfr_hist_chain(h, 3, ch), 0);
	ck_assert_uint_eq(xfr_hist_chain(h, 2, ch), 0);
	size_t n = xfr_hist_chain(h, 4, ch);
	ck_assert_uint_eq(n, 16);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(ch[i]->from, 4 + i);
		ck_assert_uint_eq(ch[i]->to, 5 + i);
		ck_assert_uint_eq(ch[i]->ndel, 0);
		ck_assert_uint_eq(ch[i]->nadd, 1);
	}
	ck_assert_uint_eq(xfr_hist_chain(h, 19, ch), 1);
	ck_assert_uint_eq(xfr_hist_chain(h, 20, ch), 0);   /* current: nothing to send */
	ck_assert_uint_eq(xfr_hist_chain(h, 77, ch), 0);   /* never seen */

	/* a file edited back to an older serial: the newest change from it counts */
	zf = zone(19, "back A 192.0.2.99\n");
	xfr_hist_note(h, zf);
	zonefile_free(&zf);
	n = xfr_hist_chain(h, 20, ch);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ch[0]->to, 19);
	n = xfr_hist_chain(h, 19, ch);   /* 19 -> 20 -> 19 */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ch[1]->to, 19);
}
END_TEST

/* versions first..last of the zone seen by h: one record more each time */
static void
note_versions(xfr_hist_t *h, unsigned first, unsigned last)
{
	char body[4096] = "";
	for (unsigned v = 1; v <= last; v++) {
		char line[64];
		snprintf(line, sizeof(line), "h%u A 192.0.2.%u\n", v, v);
		strcat(body, line);
		if (v < first)
			continue;
		zonefile_t *zf = zone(v, body);
		xfr_hist_note(h, zf);
		zonefile_free(&zf);
	}
}

/* The chain from serial from: n changes, each from -> from + 1 adding one
 * record. */
static void
ck_chain(const xfr_hist_t *h, uint32_t from, size_t n)
{
	const xfr_change_t *ch[XFR_HIST_MAX];
	ck_assert_uint_eq(xfr_hist_chain(h, from, ch), n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(ch[i]->from, from + i);
		ck_assert_uint_eq(ch[i]->to, from + i + 1);
		ck_assert_uint_eq(ch[i]->nadd, 1);
		ck_assert_uint_eq(ch[i]->ndel, 0);
		char want[64], *got = rr_text(&ch[i]->add[0]);
		snprintf(want, sizeof(want), "h%zu.example.com.\t300\tIN\tA\t192.0.2.%zu", from + i + 1,
			 from + i + 1);
		ck_assert_str_eq(got, want);
		free(got);
	}
}

/* A clean stop writes the history under state-dir; after a restart the
 * history of the same view and zone is read back: the secondaries' serials
 * keep their incremental transfers, and later changes join the chain. */
START_TEST(history_kept_across_a_restart)
{
	static const uint8_t apex[] = "\7example\3com";
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-xfr-hist");
	char state[256];
	tmpdir_file(&dir, "state/deeper", state, sizeof(state));   /* made on saving */
	xfr_hist_t *h = xfr_hist_get("ext", apex, state);
	note_versions(h, 1, 4);
	ck_chain(h, 1, 3);
	xfr_hist_t *other = xfr_hist_get("int", apex, state);   /* no version: no file */
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(xfr_hist_save_all(), 0);
	xfr_hist_forget_all();   /* the restart */
	h = xfr_hist_get("ext", apex, state);
	ck_chain(h, 1, 3);
	note_versions(h, 4, 6);   /* 4 again (nothing new), then 5 and 6 */
	ck_chain(h, 1, 5);
	ck_assert_uint_eq(xfr_hist_chain(xfr_hist_get("int", apex, state), 1,
					 (const xfr_change_t *[XFR_HIST_MAX]){ 0 }), 0);
	/* a FIFO where the file was: refused (logged), never waited on */
	xfr_hist_forget_all();
	DIR *d = opendir(state);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	char fifo[512] = "";
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "ixfr-", 5) == 0)
			snprintf(fifo, sizeof(fifo), "%s/%s", state, e->d_name);
	closedir(d);
	ck_assert(fifo[0] != '\0');
	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_uint_eq(xfr_hist_chain(xfr_hist_get("ext", apex, state), 1,
					 (const xfr_change_t *[XFR_HIST_MAX]){ 0 }), 0);
	/* without a state dir nothing is read */
	xfr_hist_forget_all();
	ck_assert_uint_eq(xfr_hist_chain(xfr_hist_get("ext", apex, NULL), 1,
					 (const xfr_change_t *[XFR_HIST_MAX]){ 0 }), 0);
	/* a state dir that cannot be made: the save says so */
	xfr_hist_forget_all();
	tmpdir_put(&dir, "file", "not a directory\n");
	char bad[256];
	tmpdir_file(&dir, "file/sub", bad, sizeof(bad));
	note_versions(xfr_hist_get("ext", apex, bad), 1, 2);
	ck_assert_int_eq(xfr_hist_save_all(), -1);
	xfr_hist_forget_all();
	tmpdir_remove(&dir);
}
END_TEST

/* A file cut at any byte, or with any byte changed, is refused whole (the
 * history stays empty: AXFR for older serials), never half read; nor is a
 * file of another view. */
START_TEST(damaged_history_is_refused)
{
	static const uint8_t apex[] = "\7example\3com";
	xfr_hist_t *h = xfr_hist_get("ext", apex, NULL);
	note_versions(h, 1, 3);
	size_t len = 0;
	uint8_t *buf = xfr_hist_serialize(h, &len);
	ck_assert_ptr_nonnull(buf);
	xfr_hist_forget_all();
	h = xfr_hist_get("ext", apex, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		ck_assert_msg(!xfr_hist_restore(h, buf, cut), "cut at %zu accepted", cut);
		ck_assert_uint_eq(xfr_hist_chain(h, 1, (const xfr_change_t *[XFR_HIST_MAX]){ 0 }), 0);
	}
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x40;
		ck_assert_msg(!xfr_hist_restore(h, buf, len), "byte %zu changed, accepted", i);
		buf[i] ^= 0x40;
	}
	/* the same cuts with a digest that fits them: the structure is checked
	 * too (every count and length against what is left) */
	uint8_t *cut = malloc(len);
	ck_assert_ptr_nonnull(cut);
	for (size_t body = 8; body < len - 32; body++) {
		memcpy(cut, buf, body);
		unsigned mdlen = 0;
		ck_assert_int_eq(EVP_Digest(cut, body, cut + body, &mdlen, EVP_sha256(), NULL), 1);
		ck_assert_msg(!xfr_hist_restore(h, cut, body + 32), "body cut at %zu accepted", body);
		ck_assert_uint_eq(xfr_hist_chain(h, 1, (const xfr_change_t *[XFR_HIST_MAX]){ 0 }), 0);
	}
	/* and every byte of the body altered, with a digest that fits: read
	 * or refused, never a read outside the record (ASan), and what is read
	 * is a chain that leads to the version read */
	for (size_t i = 8; i < len - 32; i++) {
		for (unsigned bit = 1; bit < 256; bit <<= 3) {
			memcpy(cut, buf, len);
			cut[i] ^= (uint8_t)bit;
			unsigned mdlen = 0;
			ck_assert_int_eq(EVP_Digest(cut, len - 32, cut + len - 32, &mdlen, EVP_sha256(), NULL), 1);
			if (xfr_hist_restore(h, cut, len)) {
				const xfr_change_t *ch[XFR_HIST_MAX];
				size_t n = xfr_hist_chain(h, 1, ch);
				ck_assert(n == 0 || n == 2);
			}
		}
	}
	free(cut);
	ck_assert(!xfr_hist_restore(xfr_hist_get("int", apex, NULL), buf, len));
	ck_assert(xfr_hist_restore(h, buf, len));
	ck_chain(h, 1, 2);
	free(buf);
	xfr_hist_forget_all();
}
END_TEST

static Suite *
xfr_hist_suite(void)
{
	Suite *s = suite_create("xfr_hist");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, history_kept_across_a_restart);
	tcase_add_test(tc, damaged_history_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(xfr_hist_suite());
}

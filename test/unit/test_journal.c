/* test_journal.c -- the journal of dynamic updates against crashes, its
 * compaction into server.state-dir, and replay cost. Updates go through
 * zonestore_update() as in test_update.c; "restart" drops everything and loads
 * the files again. A crash is simulated by leaving the files as a crash
 * would: the journal cut at every byte of its last block, a tail of zeros
 * or garbage, a compaction stopped after each of its steps.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "control.h"
#include "journal.h"
#include "query.h"
#include "snapshot.h"
#include "testlib.h"
#include "tmpdir.h"
#include "update.h"
#include "zonestore.h"

static tmpdir_t dir;
static char conf_path[300], jnl_path[300], zone_path[300], state_dir[300];
static snapshot_t *snap;

static const char *config_text =
	"server:\n"
	"  listen: [127.0.0.1@5300]\n"
	"  state-dir: state\n"
	"views:\n"
	"  - name: internal\n"
	"    match-clients: [any]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: in.zone\n"
	"        allow-update: [127.0.0.2]\n";

static const char *in_zone =
	"$ORIGIN example.com.\n"
	"$TTL 300\n"
	"@ IN SOA ns1.example.com. hostmaster.example.com. 10 3600 600 86400 300\n"
	"@ NS ns1\n"
	"ns1 A 192.168.1.2\n"
	"www A 192.168.1.20\n"
	"www TXT \"web\"\n";

static long long
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Load as a start does; NULL (with the errors in cap) if it fails. */
static snapshot_t *
try_load(capture_t *cap)
{
	return zonestore_build(conf_path, NULL, &cap->d);
}

static void
restart(void)
{
	snapshot_free(&snap);
	zonestore_shutdown();
	capture_t cap;
	capture_start(&cap);
	snap = try_load(&cap);
	ck_assert_msg(snap != NULL, "restart failed: %s", capture_text(&cap));
	capture_end(&cap);
}

static void
setup(void)
{
	tmpdir_make(&dir, "hz-test-journal");
	tmpdir_file(&dir, "horizond.yaml", conf_path, sizeof(conf_path));
	tmpdir_file(&dir, "in.zone", zone_path, sizeof(zone_path));
	tmpdir_file(&dir, "in.zone.jnl", jnl_path, sizeof(jnl_path));
	tmpdir_file(&dir, "state", state_dir, sizeof(state_dir));
	tl_put_file(conf_path, config_text);
	tl_put_file(zone_path, in_zone);
	zonestore_set_compaction(0, 0);
	snap = NULL;
	restart();
}

static void
teardown(void)
{
	snapshot_free(&snap);
	zonestore_shutdown();
	zonestore_set_compaction(0, 0);
	tmpdir_remove(&dir);
}

/* Send an unsigned update from 127.0.0.2 with these records (master-file
 * text; a leading '-' deletes that record); returns the rcode. */
static int
update(const char *const *specs)
{
	ldns_rr_list *up = ldns_rr_list_new();
	for (size_t i = 0; specs[i] != NULL; i++) {
		bool del = specs[i][0] == '-';
		ldns_rr *rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, specs[i] + del, 0, NULL, NULL), LDNS_STATUS_OK);
		if (del) {
			ldns_rr_set_class(rr, LDNS_RR_CLASS_NONE);
			ldns_rr_set_ttl(rr, 0);
		}
		ldns_rr_list_push_rr(up, rr);
	}
	ldns_rdf *zone = ldns_dname_new_frm_str("example.com.");
	ldns_pkt *p = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, NULL, up, NULL);
	ldns_rr_list_deep_free(up);
	uint8_t out[4096];
	size_t n = tl_update(&snap, p, "127.0.0.2", out, sizeof(out), NULL);
	ck_assert_uint_ge(n, 12);
	return out[3] & 0x0F;
}

static int
add(const char *rr)
{
	return update((const char *const[]){ rr, NULL });
}

/* The answer to a query from 127.0.0.2 (free it). */
static ldns_pkt *
query(const char *name, ldns_rr_type type)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	return tl_ask(snap, q, "127.0.0.2", true);
}

/* The rdata of the answer (first record), "" for none, or the rcode's name. */
static const char *
lookup(const char *name, ldns_rr_type type)
{
	static char buf[512];
	ldns_pkt *a = query(name, type);
	buf[0] = '\0';
	if (ldns_pkt_get_rcode(a) != LDNS_RCODE_NOERROR) {
		char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(a));
		snprintf(buf, sizeof(buf), "%s", rc);
		free(rc);
	} else if (ldns_rr_list_rr_count(ldns_pkt_answer(a)) > 0) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, ldns_rr_rd_count(rr) - 1));
		snprintf(buf, sizeof(buf), "%s", s);
		free(s);
	}
	ldns_pkt_free(a);
	return buf;
}

static uint32_t
serial(void)
{
	ldns_pkt *a = query("example.com.", LDNS_RR_TYPE_SOA);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 1);
	uint32_t v = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(a), 0), 2));
	ldns_pkt_free(a);
	return v;
}

/* Loading as a restart does must fail with a message holding needle. */
static void
expect_load_error(const char *needle)
{
	snapshot_free(&snap);
	zonestore_shutdown();
	capture_t cap;
	capture_start(&cap);
	snap = try_load(&cap);
	ck_assert_ptr_null(snap);
	ck_assert_msg(strstr(capture_text(&cap), needle) != NULL, "got: %s", capture_text(&cap));
	capture_end(&cap);
}

/* The updates every crash test starts from, and what they must leave. */
static void
two_updates(void)
{
	ck_assert_int_eq(add("one.example.com. 300 IN A 192.168.1.51"), LDNS_RCODE_NOERROR);
	ck_assert_int_eq(update((const char *const[]){ "two.example.com. 300 IN A 192.168.1.52",
		"-www.example.com. 300 IN TXT \"web\"", NULL }), LDNS_RCODE_NOERROR);
}

static void
check_two_updates(void)
{
	ck_assert_str_eq(lookup("one.example.com.", LDNS_RR_TYPE_A), "192.168.1.51");
	ck_assert_str_eq(lookup("two.example.com.", LDNS_RR_TYPE_A), "192.168.1.52");
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_TXT), "");
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_A), "192.168.1.20");
}

/* two_updates() and a third one: the journal's text (malloc'ed), its
 * length, and *acked the size before the third. */
static char *
three_updates(long long *acked, size_t *len)
{
	two_updates();
	*acked = file_size(jnl_path);
	ck_assert_int_eq(add("three.example.com. 300 IN A 192.168.1.53"), LDNS_RCODE_NOERROR);
	char *full = tl_read_file(jnl_path, len);
	ck_assert_ptr_nonnull(full);
	return full;
}

/* ------------------------------------------------------------------------ */

/* Item 4 of issue 9: a crash while the last block was written, at every
 * byte of it, then one more update, then a restart. */
START_TEST(torn_at_every_offset)
{
	size_t full_len;
	long long acked;
	char *full = three_updates(&acked, &full_len);
	int round = 0;
	for (long long cut = acked; cut <= (long long)full_len; cut++, round++) {
		tl_write_file(jnl_path, full, (size_t)cut, "w");
		restart();
		check_two_updates();
		char rr[100], name[40];
		snprintf(name, sizeof(name), "after%d.example.com.", round);
		snprintf(rr, sizeof(rr), "%s 300 IN A 192.168.2.%d", name, round % 250 + 1);
		ck_assert_msg(add(rr) == LDNS_RCODE_NOERROR, "update after a cut at %lld", cut);
		restart();
		check_two_updates();
		ck_assert_msg(strncmp(lookup(name, LDNS_RR_TYPE_A), "192.168.2.", 10) == 0,
			      "cut at %lld: acknowledged update lost", cut);
		/* the whole block survived only if it was there */
		ck_assert_str_eq(lookup("three.example.com.", LDNS_RR_TYPE_A),
				 cut == (long long)full_len ? "192.168.1.53" : "NXDOMAIN");
	}
	free(full);
}
END_TEST

/* A power cut can leave zeros or garbage after the last commit. */
START_TEST(zeros_and_garbage_tail)
{
	static const struct { const char *text; size_t len; } tails[] = {
		{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16 },
		{ "begin 13 x\n+ half.example.com. 300 IN A 192.168.1.9\n\0\0\0\0\0\0", 59 },
		{ "xyz\nabc", 7 },
		{ "commit 12\nhello\n", 16 },
		{ "begin 13 x\n+ t.example.com. 300 IN A 192.168.1.9\ncommit 1", 58 },
		{ "\xff\xfe\n\n;\n", 6 },
	};
	two_updates();
	size_t full_len;
	char *full = tl_read_file(jnl_path, &full_len);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		tl_write_file(jnl_path, full, full_len, "w");
		tl_write_file(jnl_path, tails[i].text, tails[i].len, "a");
		restart();
		check_two_updates();
		char rr[100], name[40];
		snprintf(name, sizeof(name), "after%zu.example.com.", i);
		snprintf(rr, sizeof(rr), "%s 300 IN A 192.168.3.%zu", name, i + 1);
		ck_assert_int_eq(add(rr), LDNS_RCODE_NOERROR);
		restart();
		check_two_updates();
		ck_assert_msg(strncmp(lookup(name, LDNS_RR_TYPE_A), "192.168.3.", 10) == 0,
			      "tail %zu: acknowledged update lost", i);
		ck_assert_str_eq(lookup("half.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
		ck_assert_str_eq(lookup("t.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
	}
	free(full);
}
END_TEST

/* The tail is cut at start (control_start) with a warning, before any
 * append; --check (no update service) leaves the file alone. */
START_TEST(cut_at_start)
{
	two_updates();
	long long good = file_size(jnl_path);
	tl_write_file(jnl_path, "begin 13 x\n+ tor", 16, "a");
	restart();
	ck_assert_int_eq(file_size(jnl_path), good + 16);   /* loading alone writes nothing */
	ck_assert_int_eq(control_start(), 0);
	ck_assert_int_eq(file_size(jnl_path), good);
	control_stop();
	size_t len;
	char *j = tl_read_file(jnl_path, &len);
	ck_assert_msg(len > 6 && strcmp(j + len - 8, "mmit 12\n") == 0, "ends: %s", j);
	free(j);
}
END_TEST

/* Journals written before the tail was cut at open: the fragment a crash
 * left became a complete line when the next block's leading newline was
 * appended. Every such journal must load, with the later block applied. */
START_TEST(old_journal_with_fragment)
{
	size_t full_len;
	long long acked;
	char *full = three_updates(&acked, &full_len);
	static const char next[] =
		"\nbegin 14 2025-01-31T10:00:00Z key=- client=127.0.0.2#1\n"
		"+ four.example.com.\t300\tIN\tA\t192.168.1.54\n"
		"commit 14\n";
	/* each cut, and then the block cut short but filled with zeros (a power
	 * cut: the size was written, the data not) */
	for (long long cut = acked; cut <= (long long)full_len; cut++) {
		bool zeros = cut == (long long)full_len;
		tl_write_file(jnl_path, full, zeros ? (size_t)acked : (size_t)cut, "w");
		if (zeros)
			tl_write_file(jnl_path, "\0\0\0\0\0\0\0\0\0\0\0\0", 12, "a");
		tl_write_file(jnl_path, next, strlen(next), "a");
		capture_t cap;
		capture_start(&cap);
		snapshot_free(&snap);
		zonestore_shutdown();
		snap = try_load(&cap);
		ck_assert_msg(snap != NULL, "cut at %lld: %s", cut, capture_text(&cap));
		capture_end(&cap);
		check_two_updates();
		ck_assert_str_eq(lookup("four.example.com.", LDNS_RR_TYPE_A), "192.168.1.54");
	}
	free(full);
	/* a malformed line followed by committed data is still an error */
	static const char bad[] = "journal 0123456789abcdef\nbegin 12 x\ncomit 12\n"
				  "begin 13 x\ncommit 13\n";
	tl_put_file(jnl_path, bad);
	expect_load_error("in.zone.jnl:3: unexpected line");
}
END_TEST

/* Compaction: the difference from the file goes into the state dir, the
 * journal starts anew, and everything is served after a restart. */
START_TEST(compaction)
{
	two_updates();
	ck_assert_int_eq(update((const char *const[]){ "ns1.example.com. 600 IN A 192.168.1.2",
		"one.example.com. 300 IN TXT \"dynamic\"", NULL }), LDNS_RCODE_NOERROR);
	uint32_t s = serial();
	zonestore_set_compaction(1, 0);
	zonestore_journal_maintain();
	size_t len;
	char *j = tl_read_file(jnl_path, &len);
	ck_assert_msg(len == 25 && strncmp(j, "journal ", 8) == 0, "new journal: %s", j);
	free(j);
	char state[400];
	char cmd[500];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^example.com.[0-9a-f]\\{8\\}.state$'", state_dir);
	FILE *p = popen(cmd, "r");
	ck_assert_int_eq(fgetc(p), '1');
	pclose(p);
	snprintf(cmd, sizeof(cmd), "ls %s/*.state", state_dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(state, sizeof(state), p));
	pclose(p);
	state[strcspn(state, "\n")] = '\0';
	char *st = tl_read_file(state, &len);
	ck_assert_ptr_nonnull(strstr(st, "\n- www.example.com.\t300\tIN\tTXT\t\"web\"\n"));
	ck_assert_has(st, "\n- ns1.example.com.\t300\tIN\tA\t192.168.1.2\n");
	ck_assert_has(st, "\n+ ns1.example.com.\t600\tIN\tA\t192.168.1.2\n");
	ck_assert_has(st, "\n+ one.example.com.\t300\tIN\tA\t192.168.1.51\n");
	ck_assert_ptr_null(strstr(st, "www.example.com.\t300\tIN\tA"));   /* unchanged: not there */
	free(st);
	restart();
	check_two_updates();
	ck_assert_str_eq(lookup("one.example.com.", LDNS_RR_TYPE_TXT), "\"dynamic\"");
	ck_assert_uint_eq(serial(), s);
	/* more updates on top, compacted again, deleting a dynamic record */
	ck_assert_int_eq(update((const char *const[]){ "-one.example.com. 300 IN TXT \"dynamic\"",
		"five.example.com. 300 IN A 192.168.1.55", NULL }), LDNS_RCODE_NOERROR);
	restart();
	ck_assert_str_eq(lookup("one.example.com.", LDNS_RR_TYPE_TXT), "");
	ck_assert_str_eq(lookup("five.example.com.", LDNS_RR_TYPE_A), "192.168.1.55");
	zonestore_journal_maintain();
	restart();
	check_two_updates();
	ck_assert_str_eq(lookup("one.example.com.", LDNS_RR_TYPE_TXT), "");
	ck_assert_str_eq(lookup("five.example.com.", LDNS_RR_TYPE_A), "192.168.1.55");
	ck_assert_uint_eq(serial(), s + 1);
	/* below the bound nothing happens */
	zonestore_set_compaction(0, 0);
	ck_assert_int_eq(add("six.example.com. 300 IN A 192.168.1.56"), LDNS_RCODE_NOERROR);
	long long before = file_size(jnl_path);
	zonestore_journal_maintain();
	ck_assert_int_eq(file_size(jnl_path), before);
}
END_TEST

/* A crash after each step of a compaction (a test hook stops it there, as
 * a crash would): the restart serves everything, also after one more
 * update, and the next compaction completes. */
START_TEST(compaction_crash_at_each_step)
{
	for (int step = 1; step <= 3; step++) {
		teardown();
		setup();
		two_updates();
		zonestore_set_compaction(1, step);
		zonestore_journal_maintain();
		restart();
		check_two_updates();
		ck_assert_uint_eq(serial(), 12);
		ck_assert_int_eq(add("after.example.com. 300 IN A 192.168.1.60"), LDNS_RCODE_NOERROR);
		restart();
		check_two_updates();
		ck_assert_str_eq(lookup("after.example.com.", LDNS_RR_TYPE_A), "192.168.1.60");
		ck_assert_uint_eq(serial(), 13);
		zonestore_set_compaction(1, 0);
		zonestore_journal_maintain();
		restart();
		check_two_updates();
		ck_assert_str_eq(lookup("after.example.com.", LDNS_RR_TYPE_A), "192.168.1.60");
		ck_assert_uint_eq(serial(), 13);
	}
}
END_TEST

/* The zone file edited by hand after a compaction: the file's new records
 * are served, the updates' changes are applied on top of it again (as the
 * journal was before), the newer serial wins. */
START_TEST(hand_edit_after_compaction)
{
	two_updates();
	zonestore_set_compaction(1, 0);
	zonestore_journal_maintain();
	ck_assert_int_eq(add("three.example.com. 300 IN A 192.168.1.53"), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(serial(), 13);
	/* raise the serial past the served one, add a host */
	char edited[1000];
	snprintf(edited, sizeof(edited), "%s", in_zone);
	char *at = strstr(edited, " 10 3600");
	memcpy(at, " 50", 3);
	strcat(edited, "printer A 192.168.1.30\n");
	tl_put_file(zone_path, edited);
	restart();
	ck_assert_str_eq(lookup("printer.example.com.", LDNS_RR_TYPE_A), "192.168.1.30");
	check_two_updates();
	ck_assert_str_eq(lookup("three.example.com.", LDNS_RR_TYPE_A), "192.168.1.53");
	ck_assert_uint_eq(serial(), 50);
	ck_assert_int_eq(add("four.example.com. 300 IN A 192.168.1.54"), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(serial(), 51);
	zonestore_journal_maintain();
	restart();
	ck_assert_str_eq(lookup("printer.example.com.", LDNS_RR_TYPE_A), "192.168.1.30");
	check_two_updates();
	ck_assert_str_eq(lookup("four.example.com.", LDNS_RR_TYPE_A), "192.168.1.54");
	ck_assert_uint_eq(serial(), 51);
	/* a file serial below the served one: the served serial stays */
	memcpy(strstr(edited, " 50 3600"), " 20", 3);
	tl_put_file(zone_path, edited);
	restart();
	ck_assert_uint_eq(serial(), 51);
}
END_TEST

/* The state directory cannot be made (a file is in the way): the error is
 * logged, the journal goes on, nothing is lost; once the way is clear the
 * next compaction works. */
START_TEST(compaction_failure)
{
	tl_write_file(state_dir, "in the way\n", 11, "w");
	two_updates();
	long long before = file_size(jnl_path);
	zonestore_set_compaction(1, 0);
	zonestore_journal_maintain();
	ck_assert_int_eq(file_size(jnl_path), before);
	ck_assert_int_eq(add("three.example.com. 300 IN A 192.168.1.53"), LDNS_RCODE_NOERROR);
	restart();
	check_two_updates();
	ck_assert_str_eq(lookup("three.example.com.", LDNS_RR_TYPE_A), "192.168.1.53");
	ck_assert_int_eq(unlink(state_dir), 0);
	zonestore_journal_maintain();
	ck_assert_int_eq(file_size(jnl_path), 25);
	restart();
	check_two_updates();
	ck_assert_str_eq(lookup("three.example.com.", LDNS_RR_TYPE_A), "192.168.1.53");
}
END_TEST

/* A state that covers more of the journal than the journal holds (edited
 * by hand) is an error, not a silent skip of later updates. */
START_TEST(state_covers_too_much)
{
	two_updates();
	zonestore_set_compaction(1, 2);   /* state written, old journal kept */
	zonestore_journal_maintain();
	ck_assert_int_eq(truncate(jnl_path, 30), 0);
	expect_load_error("compacted state covers");
}
END_TEST

/* Replay costs the changes, not journal x zone: 40,000 transactions on a
 * 100,000-record zone load in about twice the time of the zone alone. The
 * bound is generous (ten times, plus 2 s); the replay before the working
 * set was indexed scanned the zone for every record of the journal: fifty
 * times and more (83 s against 1.6 s on this data with horizond --check). */
#define ZONE_RECORDS 100000
/* Seconds a restart takes. */
static double
timed_restart(void)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	restart();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}
#define TRANSACTIONS 40000

START_TEST(replay_is_linear)
{
	size_t cap = 1 << 20, len = 0;
	char *z = malloc(cap);
	len += (size_t)snprintf(z + len, cap - len, "%s", in_zone);
	for (int i = 0; i < ZONE_RECORDS; i++) {
		if (len + 100 > cap)
			z = realloc(z, cap *= 2);
		len += (size_t)snprintf(z + len, cap - len, "h%d A 10.%d.%d.%d\n", i, i >> 16,
					(i >> 8) & 255, i & 255);
	}
	tl_write_file(zone_path, z, len, "w");
	double zone_only = timed_restart();
	len = 0;
	len += (size_t)snprintf(z + len, cap - len, "journal 0123456789abcdef\n");
	for (int i = 0; i < TRANSACTIONS; i++) {
		if (len + 300 > cap)
			z = realloc(z, cap *= 2);
		/* and one name whose address changes every time (a flapping client) */
		len += (size_t)snprintf(z + len, cap - len,
			"begin %d x\n- h%d.example.com. 300 IN A 10.%d.%d.%d\n"
			"+ d%d.example.com. 300 IN A 10.250.%d.%d\n"
			"- flap.example.com. 300 IN A 10.251.%d.%d\n"
			"+ flap.example.com. 300 IN A 10.251.%d.%d\ncommit %d\n",
			11 + i, i, i >> 16, (i >> 8) & 255, i & 255, i, i / 250, i % 250,
			(i - 1) / 250, (i + 249) % 250, i / 250, i % 250, 11 + i);
	}
	tl_write_file(jnl_path, z, len, "w");
	free(z);
	double with_journal = timed_restart();
	fprintf(stderr, "%d-record zone: loaded in %.2f s; with %d transactions: %.2f s\n",
		ZONE_RECORDS, zone_only, TRANSACTIONS, with_journal);
	/* against the zone's own load time, so that a slow machine or a
	 * sanitizer build scales both sides: a few times, never fifty */
	ck_assert_msg(with_journal < 10 * zone_only + 2, "replay took %.1f s (zone alone %.1f s)",
		      with_journal, zone_only);
	ck_assert_str_eq(lookup("h5.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
	ck_assert_str_eq(lookup("h60000.example.com.", LDNS_RR_TYPE_A), "10.0.234.96");
	ck_assert_str_eq(lookup("d39999.example.com.", LDNS_RR_TYPE_A), "10.250.159.249");
	ck_assert_str_eq(lookup("flap.example.com.", LDNS_RR_TYPE_A), "10.251.159.249");
	ck_assert_uint_eq(serial(), 10);   /* the transactions carry no SOA */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, torn_at_every_offset);
	tcase_add_test(tc, zeros_and_garbage_tail);
	tcase_add_test(tc, cut_at_start);
	tcase_add_test(tc, old_journal_with_fragment);
	tcase_add_test(tc, compaction);
	tcase_add_test(tc, compaction_crash_at_each_step);
	tcase_add_test(tc, hand_edit_after_compaction);
	tcase_add_test(tc, compaction_failure);
	tcase_add_test(tc, state_covers_too_much);
	tcase_add_test(tc, replay_is_linear);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}

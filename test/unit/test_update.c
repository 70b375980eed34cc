/* test_update.c -- dynamic updates without sockets: UPDATE messages built
 * with ldns go through zonestore_update(); the snapshot it returns is queried
 * with query_answer(). Prerequisites (RFC 2136 3.2), update semantics (3.4),
 * TSIG accept/reject, the journal (write, replay, torn and bad journals),
 * auto-ptr, and the configuration errors.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "background.h"
#include "capture.h"
#include "control.h"
#include "journal.h"
#include "publish.h"
#include "query.h"
#include "rrtext.h"
#include "snapshot.h"
#include "testlib.h"
#include "tmpdir.h"
#include "tsig.h"
#include "update.h"
#include "zonestore.h"

#define SECRET "c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
#define WRONG "d3JvbmctLXNlY3JldC1mb3ItdGhlLWtleQ=="

static tmpdir_t dir;
static char conf_path[300];
static snapshot_t *snap;

static const char *config_text =
	"server:\n"
	"  listen: [127.0.0.1@5300]\n"
	"keys:\n"
	"  - name: dhcp-key\n"
	"    algorithm: hmac-sha256\n"
	"    secret: \"" SECRET "\"\n"
	"  - name: sha1-key\n"
	"    algorithm: hmac-sha1\n"
	"    secret: \"" SECRET "\"\n"
	"views:\n"
	"  - name: internal\n"
	"    match-clients: [127.0.0.2, 127.0.0.5]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: in.zone\n"
	"        allow-update: [\"!127.0.0.5\", key dhcp-key, 127.0.0.2]\n"
	"        auto-ptr: yes\n"
	"      - name: static.example\n"
	"        file: static.zone\n"
	"  - name: external\n"
	"    match-clients: [any]\n"
	"    recursion: true\n"               /* a cache the updated snapshots share */
	"    forwarders: [127.0.0.1@5399]\n"
	"    zones:\n"
	"      - name: example.org\n"
	"        file: org.zone\n"
	"        allow-update: [key sha1-key]\n";

static const char *in_zone =
	"$ORIGIN example.com.\n"
	"$TTL 300\n"
	"@ IN SOA ns1.example.com. hostmaster.example.com. 10 3600 600 86400 300\n"
	"@ NS ns1\n"
	"ns1 A 192.168.1.2\n"
	"www A 192.168.1.20\n"
	"www A 192.168.1.21\n"
	"www TXT \"web\"\n"
	"alias CNAME www\n"
	"v6 AAAA fd00::20\n";

static const char *static_zone =
	"$ORIGIN static.example.\n"
	"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"@ 300 NS ns1\n"
	"ns1 300 A 10.9.9.9\n";

static const char *org_zone =
	"$ORIGIN example.org.\n"
	"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"@ 300 NS ns1\n"
	"ns1 300 A 192.0.2.1\n";

static void
load(void)
{
	diag_t d = { 0 };
	snap = zonestore_build(conf_path, NULL, &d);
	ck_assert_ptr_nonnull(snap);
}

/* Drop everything and load from the files again, as a restart does. */
static void
restart(void)
{
	snapshot_free(&snap);
	zonestore_shutdown();
	load();
}

static void
setup(void)
{
	tmpdir_make(&dir, "hz-test-update");
	tmpdir_put(&dir, "horizond.yaml", config_text);
	tmpdir_put(&dir, "in.zone", in_zone);
	tmpdir_put(&dir, "static.zone", static_zone);
	tmpdir_put(&dir, "org.zone", org_zone);
	tmpdir_file(&dir, "horizond.yaml", conf_path, sizeof(conf_path));
	load();
}

static void
teardown(void)
{
	snapshot_free(&snap);
	zonestore_shutdown();
	tmpdir_remove(&dir);
}

static ldns_rr *
rr_new(const char *text)
{
	ldns_rr *rr = NULL;
	ck_assert_msg(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) == LDNS_STATUS_OK, "%s", text);
	return rr;
}

/* A record without rdata (class ANY/NONE prerequisites and deletes). */
static ldns_rr *
rr_empty(const char *name, const char *type, ldns_rr_class cls)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(name));
	ldns_rr_set_type(rr, strcmp(type, "ANY") == 0 ? LDNS_RR_TYPE_ANY : ldns_get_rr_type_by_name(type));
	ldns_rr_set_class(rr, cls);
	ldns_rr_set_ttl(rr, 0);
	return rr;
}

/* Update specs:  "+name ttl type rdata" add, "-name type rdata" delete an
 * RR, "-name type" delete an RRset, "-name" delete a name. Prerequisite
 * specs: "yxdomain name", "nxdomain name", "yxrrset name type", "nxrrset
 * name type", "=name type rdata" (value-dependent), "!raw record text". */
static ldns_rr *
spec_update(const char *s)
{
	char name[256], type[16], rest[512];
	int n = sscanf(s + 1, "%255s %15s %511[^\n]", name, type, rest);
	if (s[0] == '+')
		return rr_new(s + 1);
	if (n == 3) {
		char text[900];
		snprintf(text, sizeof(text), "%s 0 IN %s %s", name, type, rest);
		ldns_rr *rr = rr_new(text);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_NONE);
		return rr;
	}
	return rr_empty(name, n == 2 ? type : "ANY", LDNS_RR_CLASS_ANY);
}

static ldns_rr *
spec_prereq(const char *s)
{
	char what[16], name[256], type[16] = "ANY", rest[512];
	if (s[0] == '=') {
		int n = sscanf(s + 1, "%255s %15s %511[^\n]", name, type, rest);
		ck_assert_int_eq(n, 3);
		char text[900];
		snprintf(text, sizeof(text), "%s 0 IN %s %s", name, type, rest);
		return rr_new(text);
	}
	if (s[0] == '!')
		return rr_new(s + 1);
	ck_assert_int_ge(sscanf(s, "%15s %255s %15s", what, name, type), 2);
	if (strcmp(what, "yxdomain") == 0 || strcmp(what, "yxrrset") == 0)
		return rr_empty(name, type, LDNS_RR_CLASS_ANY);
	return rr_empty(name, type, LDNS_RR_CLASS_NONE);
}

typedef struct req {
	const char *src;          /* default 127.0.0.2 */
	const char *zone;         /* default example.com. */
	const char *key;          /* "name:alg:secret" or NULL */
	const char *pre[8];
	const char *up[8];
} req_t;

static ldns_pkt *last_reply;
static bool swapped;

/* Send an update; returns the rcode of the reply; publishes the new
 * snapshot, if any, the way the control thread does. */
static int
send_update(const req_t *r)
{
	ldns_rr_list *pre = ldns_rr_list_new(), *up = ldns_rr_list_new();
	for (int i = 0; i < 8 && r->pre[i]; i++)
		ldns_rr_list_push_rr(pre, spec_prereq(r->pre[i]));
	for (int i = 0; i < 8 && r->up[i]; i++)
		ldns_rr_list_push_rr(up, spec_update(r->up[i]));
	ldns_rdf *zone = ldns_dname_new_frm_str(r->zone ? r->zone : "example.com.");
	ldns_pkt *p = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, pre, up, NULL);
	ck_assert_ptr_nonnull(p);
	ldns_rr_list_deep_free(pre);   /* ldns_update_pkt_new cloned them */
	ldns_rr_list_deep_free(up);
	ldns_pkt_set_id(p, 0x4242);
	ldns_rdf *mac = NULL;
	char kname[64] = "", alg[64] = "", sec[128] = "";
	if (r->key != NULL) {
		ck_assert_int_eq(sscanf(r->key, "%63[^:]:%63[^:]:%127s", kname, alg, sec), 3);
		ck_assert_int_eq(ldns_pkt_tsig_sign(p, kname, sec, 300, alg, NULL), LDNS_STATUS_OK);
		mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	}
	uint8_t out[4096];
	size_t n = tl_update(&snap, p, r->src ? r->src : "127.0.0.2", out, sizeof(out), &swapped);
	ck_assert_uint_gt(n, 12);
	ldns_pkt_free(last_reply);
	last_reply = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&last_reply, out, n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(last_reply), 0x4242);
	ck_assert(ldns_pkt_qr(last_reply));
	ck_assert_int_eq(ldns_pkt_get_opcode(last_reply), LDNS_PACKET_UPDATE);
	if (ldns_pkt_get_rcode(last_reply) == LDNS_RCODE_NOERROR && r->key != NULL) {
		/* a signed request gets a signed reply, checked like a client does */
		ck_assert_ptr_nonnull(ldns_pkt_tsig(last_reply));
		ck_assert(ldns_pkt_tsig_verify(last_reply, out, n, kname, sec, mac));
	}
	ldns_rdf_deep_free(mac);
	return ldns_pkt_get_rcode(last_reply);
}

/* The answer records to a query from src, as "name ttl class type rdata"
 * lines joined with '|'; "" for none; "NXDOMAIN"/"REFUSED" for those. */
static const char *
lookup_from(const char *src, const char *name, ldns_rr_type type)
{
	static char buf[4096];
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 7);
	ldns_pkt *a = tl_ask(snap, q, src, true);
	buf[0] = '\0';
	if (ldns_pkt_get_rcode(a) != LDNS_RCODE_NOERROR) {
		char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(a));
		snprintf(buf, sizeof(buf), "%s", rc);
		free(rc);
	}
	ldns_rr_list *l = ldns_pkt_answer(a);
	ldns_rr_list_sort(l);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		char *s = rr_text(l, i);
		if (buf[0])
			strncat(buf, "|", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, s, sizeof(buf) - strlen(buf) - 1);
		free(s);
	}
	ldns_pkt_free(a);
	return buf;
}

static const char *
lookup(const char *name, ldns_rr_type type)
{
	return lookup_from("127.0.0.2", name, type);
}

static uint32_t
serial(void)
{
	const char *s = lookup("example.com.", LDNS_RR_TYPE_SOA);
	const char *p = strstr(s, "hostmaster.example.com. ");
	ck_assert_ptr_nonnull(p);
	return (uint32_t)strtoul(p + strlen("hostmaster.example.com. "), NULL, 10);
}

#define KEY "dhcp-key:hmac-sha256.:" SECRET

/* ------------------------------------------------------------------------ */

START_TEST(tsig_accept_reject)
{
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+laptop.example.com. 300 IN A 192.168.1.50" } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("laptop.example.com.", LDNS_RR_TYPE_A),
			 "laptop.example.com. 300 IN A 192.168.1.50");
	/* wrong secret: NOTAUTH with TSIG error BADSIG, nothing applied */
	ck_assert_int_eq(send_update(&(req_t){ .key = "dhcp-key:hmac-sha256.:" WRONG,
		.up = { "+bad.example.com. 300 IN A 192.168.1.51" } }), LDNS_RCODE_NOTAUTH);
	ck_assert_ptr_nonnull(ldns_pkt_tsig(last_reply));
	ck_assert_int_eq(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(last_reply), 5)), 16);
	ck_assert(!swapped);
	/* unknown key name: BADKEY */
	ck_assert_int_eq(send_update(&(req_t){ .key = "nokey:hmac-sha256.:" SECRET,
		.up = { "+bad.example.com. 300 IN A 192.168.1.51" } }), LDNS_RCODE_NOTAUTH);
	ck_assert_int_eq(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(last_reply), 5)), 17);
	/* the right secret under another algorithm than configured: BADKEY */
	ck_assert_int_eq(send_update(&(req_t){ .key = "dhcp-key:hmac-sha1.:" SECRET,
		.up = { "+bad.example.com. 300 IN A 192.168.1.51" } }), LDNS_RCODE_NOTAUTH);
	ck_assert_int_eq(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(last_reply), 5)), 17);
	/* a valid key that the zone does not list: REFUSED */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY, .src = "127.0.0.9", .zone = "example.org.",
		.up = { "+bad.example.org. 300 IN A 192.0.2.51" } }), LDNS_RCODE_REFUSED);
	ck_assert_str_eq(lookup_from("127.0.0.9", "bad.example.org.", LDNS_RR_TYPE_A), "NXDOMAIN");
	ck_assert_str_eq(lookup("bad.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
	/* 127.0.0.5 is denied by "!127.0.0.5" before the key element */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY, .src = "127.0.0.5",
		.up = { "+bad.example.com. 300 IN A 192.168.1.51" } }), LDNS_RCODE_REFUSED);
	ck_assert_str_eq(lookup("bad.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
}
END_TEST

START_TEST(tsig_time)
{
	ldns_rr_list *none = ldns_rr_list_new();
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str("example.com."), LDNS_RR_CLASS_IN,
					  none, none, NULL);
	ldns_rr_list_free(none);
	ck_assert_int_eq(ldns_pkt_tsig_sign(p, "dhcp-key", SECRET, 300, "hmac-sha256.", NULL),
			 LDNS_STATUS_OK);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &wlen), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&q, wire, wlen), LDNS_STATUS_OK);
	const conf_key_t *k = NULL;
	time_t now = time(NULL);
	ck_assert_int_eq(tsig_verify(q, wire, wlen, snap->conf, &k, now), TSIG_OK);
	ck_assert_str_eq(k->name, "dhcp-key");
	ck_assert_int_eq(tsig_verify(q, wire, wlen, snap->conf, &k, now + 200), TSIG_OK);
	ck_assert_int_eq(tsig_verify(q, wire, wlen, snap->conf, &k, now + 400), TSIG_BADTIME);
	ck_assert_int_eq(tsig_verify(q, wire, wlen, snap->conf, &k, now - 400), TSIG_BADTIME);
	wire[14] ^= 1;   /* a bit of the zone name: the MAC no longer matches */
	ldns_pkt_free(q);
	ck_assert_int_eq(ldns_wire2pkt(&q, wire, wlen), LDNS_STATUS_OK);
	ck_assert_int_eq(tsig_verify(q, wire, wlen, snap->conf, &k, now), TSIG_BADSIG);
	ldns_pkt_free(q);
	free(wire);
}
END_TEST

/* RFC 8945 4.3.1: the MAC covers the message with the TSIG's Original ID
 * in the header. Kea signs with an Original ID other than the header's. */
START_TEST(tsig_original_id)
{
	ldns_rr_list *none = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_rr_list_push_rr(up, rr_new("kea.example.com. 300 IN A 192.168.1.70"));
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str("example.com."), LDNS_RR_CLASS_IN,
					  none, up, NULL);
	ldns_rr_list_free(none);
	ldns_rr_list_deep_free(up);
	ldns_pkt_set_id(p, 0x1111);   /* signed with this ID: the Original ID */
	ck_assert_int_eq(ldns_pkt_tsig_sign(p, "dhcp-key", SECRET, 300, "hmac-sha256.", NULL),
			 LDNS_STATUS_OK);
	ldns_rdf *mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &wlen), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	wire[0] = 0x42;   /* ... and sent with 0x4242 */
	wire[1] = 0x42;
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&q, wire, wlen), LDNS_STATUS_OK);
	const conf_key_t *k = NULL;
	ck_assert_int_eq(tsig_verify(q, wire, wlen, snap->conf, &k, time(NULL)), TSIG_OK);
	ldns_pkt_free(q);

	uint8_t out[4096];
	bool swapped_here = false;
	size_t n = tl_update_wire(&snap, wire, wlen, "127.0.0.2", out, sizeof(out), &swapped_here);
	free(wire);
	ck_assert(swapped_here);
	ldns_pkt *r = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&r, out, n), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_id(r), 0x4242);   /* the reply answers the header ID */
	ck_assert(ldns_pkt_tsig_verify(r, out, n, "dhcp-key", SECRET, mac));
	ldns_pkt_free(r);
	ldns_rdf_deep_free(mac);
	ck_assert_str_eq(lookup("kea.example.com.", LDNS_RR_TYPE_A),
			 "kea.example.com. 300 IN A 192.168.1.70");
}
END_TEST

START_TEST(unsigned_and_views)
{
	/* unsigned from an address the list allows: accepted */
	ck_assert_int_eq(send_update(&(req_t){ .up = { "+printer.example.com. 300 IN A 192.168.1.30" } }),
			 LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("printer.example.com.", LDNS_RR_TYPE_A),
			 "printer.example.com. 300 IN A 192.168.1.30");
	/* unsigned from elsewhere: REFUSED; the external view has no
	 * example.com at all: NOTAUTH */
	ck_assert_int_eq(send_update(&(req_t){ .src = "127.0.0.5",
		.up = { "+x.example.com. 300 IN A 192.168.1.31" } }), LDNS_RCODE_REFUSED);
	ck_assert_int_eq(send_update(&(req_t){ .src = "127.0.0.9", .key = KEY,
		.up = { "+x.example.com. 300 IN A 192.168.1.31" } }), LDNS_RCODE_NOTAUTH);
	/* a zone without allow-update: REFUSED; the external view's zone
	 * with its own key, from outside */
	ck_assert_int_eq(send_update(&(req_t){ .zone = "static.example.", .key = KEY,
		.up = { "+x.static.example. 300 IN A 10.9.9.10" } }), LDNS_RCODE_REFUSED);
	ck_assert_int_eq(send_update(&(req_t){ .src = "127.0.0.9", .zone = "example.org.",
		.key = "sha1-key:hmac-sha1.:" SECRET,
		.up = { "+vpn.example.org. 300 IN A 192.0.2.99" } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup_from("127.0.0.9", "vpn.example.org.", LDNS_RR_TYPE_A),
			 "vpn.example.org. 300 IN A 192.0.2.99");
	ck_assert_str_eq(lookup("vpn.example.org.", LDNS_RR_TYPE_A), "REFUSED");
	/* zone section must be SOA IN */
	ck_assert_int_eq(send_update(&(req_t){ .zone = "www.example.com.", .key = KEY,
		.up = { "+y.example.com. 300 IN A 192.168.1.32" } }), LDNS_RCODE_NOTAUTH);
}
END_TEST

START_TEST(prerequisites)
{
	const char *add = "+new.example.com. 300 IN A 192.168.1.40";
	struct { const char *pre; int rcode; } cases[] = {
		{ "yxdomain www.example.com.", LDNS_RCODE_NOERROR },
		{ "yxdomain none.example.com.", LDNS_RCODE_NXDOMAIN },
		{ "nxdomain www.example.com.", LDNS_RCODE_YXDOMAIN },
		{ "nxdomain none.example.com.", LDNS_RCODE_NOERROR },
		{ "yxrrset www.example.com. TXT", LDNS_RCODE_NOERROR },
		{ "yxrrset www.example.com. MX", LDNS_RCODE_NXRRSET },
		{ "nxrrset www.example.com. A", LDNS_RCODE_YXRRSET },
		{ "nxrrset www.example.com. MX", LDNS_RCODE_NOERROR },
		{ "=www.example.com. A 192.168.1.20", LDNS_RCODE_NXRRSET },   /* only one of two */
		{ "=www.example.com. A 192.168.1.99", LDNS_RCODE_NXRRSET },
		{ "!www.example.com. 300 IN A 192.168.1.20", LDNS_RCODE_FORMERR }, /* TTL must be 0 */
		{ "yxdomain www.example.org.", LDNS_RCODE_NOTZONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		uint32_t before = serial();
		int rc = send_update(&(req_t){ .key = KEY, .pre = { cases[i].pre }, .up = { add } });
		ck_assert_msg(rc == cases[i].rcode, "%s: rcode %d, expected %d", cases[i].pre, rc,
			      cases[i].rcode);
		if (rc == LDNS_RCODE_NOERROR) {
			ck_assert_uint_eq(serial(), before + 1);
			ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
				.up = { "-new.example.com." } }), LDNS_RCODE_NOERROR);
		} else {
			ck_assert_uint_eq(serial(), before);
			ck_assert_str_eq(lookup("new.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
		}
	}
	/* value-dependent on the whole RRset, in any order, TTL ignored */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.pre = { "=www.example.com. A 192.168.1.21", "=WWW.example.com. A 192.168.1.20" },
		.up = { add } }), LDNS_RCODE_NOERROR);
	/* several prerequisites: all must hold */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.pre = { "yxdomain www.example.com.", "nxdomain new.example.com." },
		.up = { "+other.example.com. 300 IN A 192.168.1.41" } }), LDNS_RCODE_YXDOMAIN);
	ck_assert_str_eq(lookup("other.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
}
END_TEST

START_TEST(update_semantics)
{
	uint32_t s0 = serial();
	/* add to an RRset: it takes the new TTL */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+www.example.com. 600 IN A 192.168.1.22" } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_A),
			 "www.example.com. 600 IN A 192.168.1.20|www.example.com. 600 IN A 192.168.1.21|"
			 "www.example.com. 600 IN A 192.168.1.22");
	ck_assert_uint_eq(serial(), s0 + 1);
	/* the same again: no change, no new serial */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+www.example.com. 600 IN A 192.168.1.22" } }), LDNS_RCODE_NOERROR);
	ck_assert(!swapped);
	ck_assert_uint_eq(serial(), s0 + 1);
	/* delete one RR, then an RRset */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "-www.example.com. A 192.168.1.20" } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_A),
			 "www.example.com. 600 IN A 192.168.1.21|www.example.com. 600 IN A 192.168.1.22");
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY, .up = { "-www.example.com. A" } }),
			 LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_A), "");   /* NODATA: TXT stays */
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_TXT), "www.example.com. 300 IN TXT \"web\"");
	/* delete a name */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY, .up = { "-www.example.com." } }),
			 LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_TXT), "NXDOMAIN");
	/* CNAME rules: no data beside a CNAME, no CNAME beside data */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+alias.example.com. 300 IN A 192.168.1.23" } }), LDNS_RCODE_NOERROR);
	ck_assert(!swapped);
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+ns1.example.com. 300 IN CNAME www.example.com." } }), LDNS_RCODE_NOERROR);
	ck_assert(!swapped);
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+alias.example.com. 300 IN CNAME ns1.example.com." } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("alias.example.com.", LDNS_RR_TYPE_CNAME),
			 "alias.example.com. 300 IN CNAME ns1.example.com.");
	/* apex: SOA and NS survive deletes; the last NS stays */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "-example.com.", "-example.com. NS", "-example.com. SOA",
			"-example.com. NS ns1.example.com." } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("example.com.", LDNS_RR_TYPE_NS), "example.com. 300 IN NS ns1.example.com.");
	/* a second NS can be added and deleted again */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+example.com. 300 IN NS ns2.example.com." } }), LDNS_RCODE_NOERROR);
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "-example.com. NS ns1.example.com." } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("example.com.", LDNS_RR_TYPE_NS), "example.com. 300 IN NS ns2.example.com.");
	/* an explicit SOA with a newer serial replaces it; an older one does nothing */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+example.com. 300 IN SOA ns1.example.com. admin.example.com. 5000 1 2 3 4" } }),
		LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("example.com.", LDNS_RR_TYPE_SOA),
			 "example.com. 300 IN SOA ns1.example.com. admin.example.com. 5000 1 2 3 4");
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+example.com. 300 IN SOA ns1.example.com. old.example.com. 4000 1 2 3 4" } }),
		LDNS_RCODE_NOERROR);
	ck_assert(!swapped);
	/* prescan: one bad record rejects the whole update */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+ok.example.com. 300 IN A 192.168.1.60", "+out.example.net. 300 IN A 192.168.1.61" } }),
		LDNS_RCODE_NOTZONE);
	ck_assert_str_eq(lookup("ok.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
	/* other zones of the snapshot are shared, not rebuilt */
	ck_assert_str_eq(lookup("ns1.static.example.", LDNS_RR_TYPE_A), "ns1.static.example. 300 IN A 10.9.9.9");
}
END_TEST

START_TEST(journal_write_replay)
{
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+laptop.example.com. 300 IN A 192.168.1.50", "-www.example.com. TXT" } }),
		LDNS_RCODE_NOERROR);
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "-laptop.example.com. A 192.168.1.50", "+laptop.example.com. 300 IN A 192.168.1.51" } }),
		LDNS_RCODE_NOERROR);
	char path[300];
	char *j = tl_read_file(tmpdir_file(&dir, "in.zone.jnl", path, sizeof(path)), NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(strstr(j, "begin 11 "));
	ck_assert_ptr_nonnull(strstr(j, "+ laptop.example.com.\t300\tIN\tA\t192.168.1.50\n"));
	ck_assert_ptr_nonnull(strstr(j, "- www.example.com.\t300\tIN\tTXT\t\"web\"\n"));
	ck_assert_ptr_nonnull(strstr(j, "commit 12\n"));
	free(j);
	restart();
	ck_assert_str_eq(lookup("laptop.example.com.", LDNS_RR_TYPE_A),
			 "laptop.example.com. 300 IN A 192.168.1.51");
	ck_assert_str_eq(lookup("www.example.com.", LDNS_RR_TYPE_TXT), "");
	ck_assert_uint_eq(serial(), 12);
	/* the zone file changes (admin bumps the serial): the journal goes on top */
	tmpdir_write(&dir, "in.zone", "host IN A 192.168.1.70\n", "a");
	restart();
	ck_assert_str_eq(lookup("host.example.com.", LDNS_RR_TYPE_A), "host.example.com. 300 IN A 192.168.1.70");
	ck_assert_str_eq(lookup("laptop.example.com.", LDNS_RR_TYPE_A),
			 "laptop.example.com. 300 IN A 192.168.1.51");
	/* a torn last block is skipped */
	tmpdir_write(&dir, "in.zone.jnl", "\nbegin 13 x\n+ torn.example.com. 300 IN A 192.168.1.9\n+ tor", "a");
	restart();
	ck_assert_str_eq(lookup("torn.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
	/* appending after it keeps the journal readable */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+after.example.com. 300 IN A 192.168.1.10" } }), LDNS_RCODE_NOERROR);
	restart();
	ck_assert_str_eq(lookup("after.example.com.", LDNS_RR_TYPE_A), "after.example.com. 300 IN A 192.168.1.10");
	ck_assert_str_eq(lookup("torn.example.com.", LDNS_RR_TYPE_A), "NXDOMAIN");
}
END_TEST

/* Collects the records a journal replays. */
static bool
count_op(void *arg, char op, const zrr_t *rr, diag_t *d)
{
	(*(int *)arg)++;
	return true;
}

START_TEST(journal_errors)
{
	char path[300];
	tmpdir_file(&dir, "bad.jnl", path, sizeof(path));
	diag_t d = { .quiet = 1 };
	int n = 0;
	ck_assert_int_eq(journal_replay("/nonexistent/x.jnl", "example.com.", count_op, &n, &d), 0);
	tmpdir_write(&dir, "bad.jnl", "begin 5 x\n+ a.example.com. 300 IN A 1.2.3.4\ncommit 5\n"
		   "begin 6 x\n+ b.example.com. 300 IN A 300.1.1.1\ncommit 6\n", "w");
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &d), -1);
	ck_assert_uint_eq(d.errors, 1);
	/* the error names the line: check the message text */
	capture_t cap;
	capture_start(&cap);
	n = 0;
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &cap.d), -1);
	char want[400];
	snprintf(want, sizeof(want), "%s:5: bad record", path);
	const char *got = capture_text(&cap);
	ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "got: %s", got);   /* the first line */
	capture_end(&cap);
	/* commit without begin, serial mismatch, stray lines: errors when a
	 * committed transaction follows them */
	tmpdir_write(&dir, "bad.jnl", "commit 5\nbegin 7 x\ncommit 7\n", "w");
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &d), -1);
	tmpdir_write(&dir, "bad.jnl", "begin 5 x\ncommit 6\nbegin 7 x\ncommit 7\n", "w");
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &d), -1);
	tmpdir_write(&dir, "bad.jnl", "hello\nbegin 7 x\ncommit 7\n", "w");
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &d), -1);
	/* ... and the end of a write cut short (a warning) when nothing does */
	diag_t dw = { .quiet = 1 };
	tmpdir_write(&dir, "bad.jnl", "begin 5 x\ncommit 5\nhello\n", "w");
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &dw), 1);
	ck_assert_uint_eq(dw.errors, 0);
	ck_assert_uint_eq(dw.warnings, 1);
	/* comments, blank lines, two good blocks */
	tmpdir_write(&dir, "bad.jnl", "; note\n\nbegin 5 x\n+ a.example.com. 300 IN A 1.2.3.4\ncommit 5\n"
		   "begin 6 x\n- a.example.com. 300 IN A 1.2.3.4\n+ b 300 IN A 1.2.3.5\ncommit 6\n", "w");
	n = 0;
	ck_assert_int_eq(journal_replay(path, "example.com.", count_op, &n, &d), 2);
	ck_assert_int_eq(n, 3);
	/* a broken journal stops the zone from loading (as a broken zone file does) */
	tmpdir_write(&dir, "in.zone.jnl", "begin 5 x\n+ a.example.com. 300 IN A 1.2.3.4\ncommit 6\n"
		   "begin 7 x\ncommit 7\n", "w");
	snapshot_free(&snap);
	zonestore_shutdown();
	diag_t d3 = { .quiet = 1 };
	snap = zonestore_build(conf_path, NULL, &d3);
	ck_assert_ptr_null(snap);
	ck_assert_uint_ge(d3.errors, 1);
}
END_TEST

START_TEST(auto_ptr)
{
	ck_assert_str_eq(lookup("20.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			 "20.1.168.192.in-addr.arpa. 300 IN PTR www.example.com.");
	ck_assert_str_eq(lookup("2.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			 "2.1.168.192.in-addr.arpa. 300 IN PTR ns1.example.com.");
	ck_assert_str_eq(lookup("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
				LDNS_RR_TYPE_PTR),
			 "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. 300 IN PTR v6.example.com.");
	ck_assert_str_eq(lookup("99.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR), "NXDOMAIN");
	ck_assert_str_eq(lookup("1.168.192.in-addr.arpa.", LDNS_RR_TYPE_NS),
			 "1.168.192.in-addr.arpa. 300 IN NS ns1.example.com.");
	/* not synthesized for a zone without auto-ptr, nor in another view */
	ck_assert_str_eq(lookup("9.9.9.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), "REFUSED");
	/* (the external view forwards or answers RFC 6303 NXDOMAIN: never the LAN name) */
	ck_assert_ptr_null(strstr(lookup_from("127.0.0.9", "20.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR),
				  "www.example.com"));
	/* updates regenerate it */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+laptop.example.com. 300 IN A 192.168.7.50", "-www.example.com. A 192.168.1.20" } }),
		LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("50.7.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			 "50.7.168.192.in-addr.arpa. 300 IN PTR laptop.example.com.");
	ck_assert_str_eq(lookup("20.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR), "NXDOMAIN");
	/* two names on one address: two PTRs */
	ck_assert_int_eq(send_update(&(req_t){ .key = KEY,
		.up = { "+nas.example.com. 300 IN A 192.168.1.21" } }), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(lookup("21.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			 "21.1.168.192.in-addr.arpa. 300 IN PTR nas.example.com.|"
			 "21.1.168.192.in-addr.arpa. 300 IN PTR www.example.com.");
}
END_TEST

START_TEST(auto_ptr_real_zone_wins)
{
	/* a hand-written reverse zone in the view takes precedence */
	tmpdir_write(&dir, "rev.zone", "$ORIGIN 1.168.192.in-addr.arpa.\n"
		   "@ 300 IN SOA ns1.example.com. h.example.com. 1 2 3 4 5\n"
		   "@ 300 NS ns1.example.com.\n"
		   "20 300 PTR handwritten.example.com.\n", "w");
	const char *at = strstr(config_text, "      - name: static.example\n");
	char conf[4096];
	snprintf(conf, sizeof(conf), "%.*s      - name: 1.168.192.in-addr.arpa\n"
		 "        file: rev.zone\n%s", (int)(at - config_text), config_text, at);
	tmpdir_put(&dir, "horizond.yaml", conf);
	restart();
	ck_assert_str_eq(lookup("20.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			 "20.1.168.192.in-addr.arpa. 300 IN PTR handwritten.example.com.");
	ck_assert_str_eq(lookup("21.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR), "NXDOMAIN");
	/* the IPv6 one is still synthesized */
	ck_assert_str_ne(lookup("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
				LDNS_RR_TYPE_PTR), "REFUSED");
}
END_TEST

START_TEST(config_errors)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap,
		"server:\n"
		"  listen: [127.0.0.1@5300]\n"
		"keys:\n"
		"  - name: a\n"                    /* 4 */
		"    algorithm: hmac-sha999\n"     /* 5 */
		"    secret: \"c2VjcmV0\"\n"
		"  - name: b\n"                    /* 7 */
		"    secret: \"not base64!!\"\n"   /* 8 */
		"  - name: c\n"                    /* 9 */
		"    secret: \"c2VjcmV0\"\n"
		"    color: blue\n"                /* 11 */
		"  - name: d\n"                    /* 12 */
		"  - name: e\n"                    /* 13 */
		"    secret: \"c2VjcmV0\"\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [any]\n"
		"    zones:\n"
		"      - name: example.com\n"
		"        file: x.zone\n"
		"        allow-update: [key e, key nosuch, nolist, \"!10.0.0.1\", any]\n" /* 21 */
		"        auto-ptr: maybe\n");      /* 22 */
	ck_assert_ptr_null(c);
	const char *msgs = capture_text(&cap);
	ck_assert_has(msgs, "test.yaml:5: key a: unknown algorithm 'hmac-sha999'");
	ck_assert_has(msgs, "test.yaml:8: key b: secret is not valid base64");
	ck_assert_has(msgs, "test.yaml:11: unknown key 'color' in key");
	ck_assert_has(msgs, "test.yaml:12: key d: missing required key 'secret'");
	ck_assert_msg(strstr(msgs, "test.yaml:21: ") && strstr(msgs, "undefined key 'nosuch'"), "%s", msgs);
	ck_assert_has(msgs, "undefined ACL 'nolist'");
	ck_assert_msg(strstr(msgs, "test.yaml:22: ") && strstr(msgs, "auto-ptr: expected true or false"), "%s", msgs);
	ck_assert_msg(strstr(msgs, "key e") == NULL, "%s", msgs);
	capture_end(&cap);

	c = tl_conf(&cap,
		"server:\n"
		"  listen: [127.0.0.1@5300]\n"
		"keys:\n"
		"  - name: dhcp-key\n"
		"    secret: \"c2VjcmV0\"\n"
		"  - name: DHCP-key.\n"
		"    secret: \"c2VjcmV0\"\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [any]\n"
		"    zones:\n"
		"      - name: example.com\n"
		"        file: x.zone\n"
		"        allow-update: [key dhcp-key]\n");
	ck_assert_ptr_null(c);
	msgs = capture_text(&cap);
	ck_assert_has(msgs, "test.yaml:6: duplicate key name 'DHCP-key.' (first at line 4)");
	capture_end(&cap);

	c = tl_conf(&cap,
		"server:\n"
		"  listen: [127.0.0.1@5300]\n"
		"keys:\n"
		"  - name: dhcp-key\n"
		"    secret: \"c2VjcmV0\"\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [any]\n"
		"    zones:\n"
		"      - name: example.com\n"
		"        file: x.zone\n"
		"        allow-update: [key dhcp-key, 192.168.0.0/16]\n"
		"        auto-ptr: true\n");
	ck_assert_msg(c != NULL, "%s", capture_text(&cap));
	ck_assert_str_eq(c->keys[0].algorithm, "hmac-sha256");   /* the default */
	ck_assert_uint_eq(c->views[0].zones[0].nallow_update, 2);
	ck_assert_ptr_eq(c->views[0].zones[0].allow_update[0].key, &c->keys[0]);
	ck_assert(c->views[0].zones[0].auto_ptr);
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* The wire of an update of zone, unsigned or signed with key "name:alg:secret". */
static size_t
update_wire(const char *zone, const char *key, uint8_t *wire)
{
	ldns_rr_list *none = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_rr_list_push_rr(up, rr_new("x.example.com. 300 IN A 192.168.1.99"));
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str(zone), LDNS_RR_CLASS_IN, none, up, NULL);
	ldns_rr_list_free(none);
	ldns_rr_list_deep_free(up);
	ldns_pkt_set_id(p, 0x5151);
	if (key != NULL) {
		char kname[64], alg[64], sec[128];
		ck_assert_int_eq(sscanf(key, "%63[^:]:%63[^:]:%127s", kname, alg, sec), 3);
		ck_assert_int_eq(ldns_pkt_tsig_sign(p, kname, sec, 300, alg, NULL), LDNS_STATUS_OK);
	}
	uint8_t *w = NULL;
	size_t n = 0;
	ck_assert_int_eq(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	memcpy(wire, w, n);
	free(w);
	return n;
}

/* update_screen's answer (-1: none, queue it) to an update from src. */
static int
screen(const char *src, const char *zone, const char *key)
{
	uint8_t wire[1024], out[512];
	size_t n = update_wire(zone, key, wire);
	struct sockaddr_in sin = tl_addr(src);
	query_src_t from = { .src = (struct sockaddr *)&sin };
	size_t a = update_screen(snap, wire, n, &from, out);
	if (a == 0)
		return -1;
	/* header and the zone section echoed, like the control thread's answers */
	ck_assert_uint_eq(a, 12 + strlen(zone) + 1 + 4);
	ck_assert_int_eq(out[0] << 8 | out[1], 0x5151);
	ck_assert_int_eq(out[2], 0x80 | 5 << 3);
	ck_assert_int_eq(out[5], 1);
	ck_assert_mem_eq(out + 12, wire + 12, a - 12);
	return out[3] & 15;
}

START_TEST(screen_unsigned)
{
	/* unsigned updates the view would refuse never reach the queue */
	ck_assert_int_eq(screen("127.0.0.9", "example.org.", NULL), LDNS_RCODE_REFUSED);   /* keys only */
	ck_assert_int_eq(screen("127.0.0.5", "example.com.", NULL), LDNS_RCODE_REFUSED);   /* "!127.0.0.5" */
	ck_assert_int_eq(screen("127.0.0.2", "static.example.", NULL), LDNS_RCODE_REFUSED); /* no allow-update */
	ck_assert_int_eq(screen("127.0.0.2", "example.net.", NULL), LDNS_RCODE_NOTAUTH);   /* not in the view */
	ck_assert_int_eq(screen("127.0.0.9", "example.com.", NULL), LDNS_RCODE_NOTAUTH);   /* the other view's */
	/* allowed by address, or signed (the control thread checks the key): queued */
	ck_assert_int_eq(screen("127.0.0.2", "example.com.", NULL), -1);
	ck_assert_int_eq(screen("127.0.0.9", "example.org.", "sha1-key:hmac-sha1.:" SECRET), -1);
	ck_assert_int_eq(screen("127.0.0.9", "example.org.", "dhcp-key:hmac-sha256.:" WRONG), -1);
	/* the same answer as the control thread gives */
	ck_assert_int_eq(send_update(&(req_t){ .src = "127.0.0.9", .zone = "example.org.",
		.up = { "+x.example.org. 300 IN A 192.0.2.5" } }), LDNS_RCODE_REFUSED);
	ck_assert_int_eq(send_update(&(req_t){ .src = "127.0.0.2", .zone = "example.net.",
		.up = { "+x.example.net. 300 IN A 192.0.2.5" } }), LDNS_RCODE_NOTAUTH);
}
END_TEST

static int replies;

static void
count_reply(void *arg, const uint8_t *msg, size_t len)
{
	__atomic_add_fetch(&replies, 1, __ATOMIC_SEQ_CST);
}

START_TEST(queue_share_per_source)
{
	/* hold the writer lock: the control thread stops at its first job, so
	 * the queue only fills */
	ck_assert_int_eq(control_start(), 0);   /* takes the writer lock itself once */
	zonestore_lock();
	uint8_t wire[1024];
	size_t n = update_wire("example.com.", KEY, wire);
	struct sockaddr_in a = tl_addr("127.0.0.3"), b = tl_addr("127.0.0.2");
	query_src_t fa = { .src = (struct sockaddr *)&a }, fb = { .src = (struct sockaddr *)&b };
	int queued = 0;
	for (int i = 0; i < 500; i++)
		queued += control_submit_update(wire, n, &fa, count_reply, NULL);
	/* 64 in the queue, and perhaps one the thread took before it blocked */
	ck_assert_int_ge(queued, 64);
	ck_assert_int_le(queued, 65);
	/* another address still gets its updates in */
	for (int i = 0; i < 10; i++)
		ck_assert(control_submit_update(wire, n, &fb, count_reply, NULL));
	zonestore_unlock();
	control_stop();
	ck_assert_int_eq(replies, queued + 10);   /* each queued one answered or dropped once */
}
END_TEST

START_TEST(malformed)
{
	struct sockaddr_in sin = tl_addr("127.0.0.2");
	query_src_t from = { .src = (struct sockaddr *)&sin };
	uint8_t out[4096];
	snapshot_t *next = NULL;
	/* header only, opcode UPDATE, counts that promise more: FORMERR */
	uint8_t pkt[12] = { 0x12, 0x34, 5 << 3, 0, 0, 1, 0, 0, 0, 1, 0, 0 };
	size_t n = zonestore_update(snap, pkt, sizeof(pkt), &from, out, sizeof(out), &next);
	ck_assert_uint_eq(n, 12);
	ck_assert_ptr_null(next);
	ck_assert_int_eq(out[3] & 15, LDNS_RCODE_FORMERR);
	ck_assert_int_eq(out[2], 0x80 | 5 << 3);
	/* no zone section */
	uint8_t pkt2[12] = { 0x12, 0x34, 5 << 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	n = zonestore_update(snap, pkt2, sizeof(pkt2), &from, out, sizeof(out), &next);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(out[3] & 15, LDNS_RCODE_FORMERR);
	/* a response is never answered */
	pkt2[2] |= 0x80;
	ck_assert_uint_eq(zonestore_update(snap, pkt2, sizeof(pkt2), &from, out, sizeof(out), &next), 0);
	/* the query path still says NOTIMP for UPDATE (no control thread) */
	pkt2[2] &= 0x7f;
	ck_assert_uint_eq(query_answer(snap, pkt2, sizeof(pkt2), out, sizeof(out), &from), 12);
	ck_assert_int_eq(out[3] & 15, LDNS_RCODE_NOTIMPL);
	/* without a running control thread nothing is queued */
	ck_assert(!control_submit_update(pkt2, sizeof(pkt2), &from, NULL, NULL));
}
END_TEST

/* A worker that began its batch before an update's snapshot was published
 * goes on answering from the old one until it leaves: nothing in the old
 * snapshot may change meanwhile, not even the conf it shares with the new
 * one (it used to be cleared at the exchange: workers read old->conf, and
 * horizond died under an update flood). */
START_TEST(publish_leaves_the_held_snapshot_whole)
{
	publish_init(1, snap);
	snap = NULL;   /* published: freed by retirement or publish_shutdown */
	ck_assert_int_eq(background_start(), 0);
	const snapshot_t *held = publish_enter(0);
	snapshot_t before;
	memcpy(&before, held, sizeof(before));
	size_t vbytes = held->nviews * sizeof(view_t);
	view_t *views_before = malloc(vbytes);
	memcpy(views_before, held->views, vbytes);

	uint8_t wire[1024], out[4096];
	size_t n = update_wire("example.com.", KEY, wire);
	struct sockaddr_in sin = tl_addr("127.0.0.2");
	query_src_t from = { .src = (struct sockaddr *)&sin };
	snapshot_t *next = NULL;
	zonestore_lock();
	ck_assert_uint_gt(zonestore_update(publish_current(), wire, n, &from, out, sizeof(out), &next), 0);
	ck_assert_ptr_nonnull(next);
	zonestore_publish(next);
	zonestore_unlock();
	ck_assert_ptr_eq(publish_current(), next);

	/* the old snapshot, as the worker still sees it (but for the one
	 * field only snapshot_free reads) */
	ck_assert(held->conf_handed_on);
	before.conf_handed_on = true;
	ck_assert_mem_eq(held, &before, sizeof(before));
	ck_assert_mem_eq(held->views, views_before, vbytes);
	ck_assert_ptr_eq(held->conf, next->conf);
	ck_assert_uint_eq(background_retired_pending(), 1);
	/* and it still answers, with the data of before the update */
	const snapshot_t *answering[] = { held, next };
	const ldns_pkt_rcode want[] = { LDNS_RCODE_NXDOMAIN, LDNS_RCODE_NOERROR };
	for (int k = 0; k < 2; k++) {
		ldns_pkt *r = tl_ask(answering[k],
				     ldns_pkt_query_new(ldns_dname_new_frm_str("x.example.com."),
							LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD),
				     "127.0.0.2", false);
		ck_assert_int_eq(ldns_pkt_get_rcode(r), want[k]);
		ldns_pkt_free(r);
	}
	free(views_before);

	/* the worker leaves: the old snapshot goes, the conf stays with next
	 * (ASan: neither freed twice nor leaked) */
	publish_leave(0);
	for (int i = 0; i < 20000 && background_retired_pending() > 0; i++) {
		struct timespec ts = { 0, 1000000 };   /* a hang guard, not a timing */
		nanosleep(&ts, NULL);
	}
	ck_assert_uint_eq(background_retired_pending(), 0);
	background_stop();
	snap = publish_shutdown();
	ck_assert_ptr_eq(snap, next);
	ck_assert_ptr_nonnull(snap->conf->views);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("update");
	TCase *tc = tcase_create("update");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tsig_accept_reject);
	tcase_add_test(tc, tsig_time);
	tcase_add_test(tc, tsig_original_id);
	tcase_add_test(tc, unsigned_and_views);
	tcase_add_test(tc, prerequisites);
	tcase_add_test(tc, update_semantics);
	tcase_add_test(tc, journal_write_replay);
	tcase_add_test(tc, journal_errors);
	tcase_add_test(tc, auto_ptr);
	tcase_add_test(tc, auto_ptr_real_zone_wins);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, screen_unsigned);
	tcase_add_test(tc, queue_share_per_source);
	tcase_add_test(tc, publish_leaves_the_held_snapshot_whole);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}

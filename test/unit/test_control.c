/* test_control.c -- the control thread without sockets: a reload event
 * publishes the new zones (and a failed one keeps the old), an update event
 * is published before its reply goes out, and nothing is queued while the
 * thread is not running.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "background.h"
#include "bg_gate.h"
#include "control.h"
#include "publish.h"
#include "snapshot.h"
#include "tmpdir.h"
#include "zone.h"
#include "zonestore.h"
#include "testlib.h"

static tmpdir_t dir;
static char conf_path[256];

static const char *config_text =
	"server:\n"
	"  listen: [127.0.0.1@5300]\n"
	"views:\n"
	"  - name: lan\n"
	"    match-clients: [127.0.0.2]\n"
	"    zones:\n"
	"      - name: example.com\n"
	"        file: example.zone\n"
	"        allow-update: [127.0.0.2]\n"
	"      - name: static.example\n"
	"        file: static.zone\n";

static const char *static_zone =
	"$ORIGIN static.example.\n"
	"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"@ 300 NS ns1\n"
	"ns1 300 A 10.9.9.9\n";

static void
put_example_zone(unsigned serial)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "$ORIGIN example.com.\n"
		 "@ 300 IN SOA ns1 hostmaster %u 3600 600 86400 300\n"
		 "@ 300 NS ns1\n"
		 "ns1 300 A 192.0.2.53\n", serial);
	tmpdir_put(&dir, "example.zone", text);
}

/* The serial of zone i of the published snapshot's first view. */
static uint32_t
published_serial(size_t i)
{
	const snapshot_t *s = publish_current();
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_gt(s->views[0].nzones, i);
	return s->views[0].zones[i]->serial;
}

static void
setup(void)
{
	tmpdir_make(&dir, "hz-test-control");
	tmpdir_put(&dir, "horizond.yaml", config_text);
	tmpdir_put(&dir, "static.zone", static_zone);
	put_example_zone(1);
	tmpdir_file(&dir, "horizond.yaml", conf_path, sizeof(conf_path));
	diag_t d = { .quiet = 1 };
	snapshot_t *s = zonestore_build(conf_path, NULL, &d);
	ck_assert_ptr_nonnull(s);
	publish_init(1, s);
}

static void
teardown(void)
{
	control_stop();
	snapshot_t *s = publish_shutdown();
	snapshot_free(&s);
	zonestore_shutdown();
	tmpdir_remove(&dir);
}

START_TEST(reload_event_publishes)
{
	ck_assert_int_eq(control_start(), 0);
	const snapshot_t *before = publish_current();
	put_example_zone(12345);   /* another size: the file counts as changed */
	zonestore_reload_t res = { 0 };
	ck_assert(control_reload(conf_path, &res));
	ck_assert_ptr_nonnull(res.conf);
	ck_assert_ptr_eq(res.conf, snapshot_conf(publish_current()));
	ck_assert_ptr_ne(publish_current(), before);
	ck_assert_uint_eq(published_serial(0), 12345);
	/* a broken config: the reload fails, the published data stays */
	const snapshot_t *good = publish_current();
	tmpdir_put(&dir, "horizond.yaml", "views: [\n");
	ck_assert(!control_reload(conf_path, &res));
	ck_assert_ptr_eq(publish_current(), good);
	ck_assert_uint_eq(published_serial(0), 12345);
}
END_TEST

/* What reload_in_thread saw. */
static struct {
	pthread_mutex_t lock;
	bool reloaded, ok;
} rl = { PTHREAD_MUTEX_INITIALIZER, false, false };

static void *
reload_in_thread(void *arg)
{
	(void)arg;
	zonestore_reload_t res = { 0 };
	bool ok = control_reload(conf_path, &res);
	pthread_mutex_lock(&rl.lock);
	rl.reloaded = true;
	rl.ok = ok;
	pthread_mutex_unlock(&rl.lock);
	return NULL;
}

/* The build of a reload runs on the background thread (below the query
 * workers), not on the control thread: while that thread is held busy, a
 * reload cannot finish. */
START_TEST(reload_builds_on_the_background_thread)
{
	ck_assert_int_eq(control_start(), 0);
	pthread_t reloader;
	bg_gate_close();
	put_example_zone(777);
	ck_assert_int_eq(pthread_create(&reloader, NULL, reload_in_thread, NULL), 0);
	/* a reload of two small zones takes milliseconds: had the control
	 * thread built it, it would be done within this second */
	struct timespec ts = { 1, 0 };
	nanosleep(&ts, NULL);
	pthread_mutex_lock(&rl.lock);
	bool early = rl.reloaded;
	pthread_mutex_unlock(&rl.lock);
	ck_assert(!early);
	bg_gate_open();
	pthread_join(reloader, NULL);
	ck_assert(rl.reloaded && rl.ok);
	ck_assert_uint_eq(published_serial(0), 777);
}
END_TEST

/* What the reply callback saw. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool called;
	int rcode;
	uint32_t serial_at_reply;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void
record_reply(void *arg, const uint8_t *msg, size_t len)
{
	(void)arg;
	pthread_mutex_lock(&seen.lock);
	seen.rcode = msg != NULL && len >= 4 ? msg[3] & 15 : -1;
	seen.serial_at_reply = published_serial(0);
	seen.called = true;
	pthread_cond_signal(&seen.cond);
	pthread_mutex_unlock(&seen.lock);
}

START_TEST(update_event_published_before_reply)
{
	ck_assert_int_eq(control_start(), 0);
	ldns_rr_list *up = ldns_rr_list_new(), *none = ldns_rr_list_new();
	ldns_rr *rr = NULL;
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, "dyn.example.com. 300 IN A 192.0.2.7", 0, NULL,
					     NULL), LDNS_STATUS_OK);
	ldns_rr_list_push_rr(up, rr);
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str("example.com."), LDNS_RR_CLASS_IN,
					  none, up, NULL);
	ck_assert_ptr_nonnull(p);
	ldns_rr_list_free(none);
	ldns_rr_list_deep_free(up);   /* ldns_update_pkt_new cloned them */
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &wlen), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5353) };
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	query_src_t from = { .src = (struct sockaddr *)&sin };
	ck_assert(control_submit_update(wire, wlen, &from, record_reply, NULL));
	free(wire);
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 20;   /* guards against a hang only */
	pthread_mutex_lock(&seen.lock);
	while (!seen.called && pthread_cond_timedwait(&seen.cond, &seen.lock, &limit) == 0)
		;
	pthread_mutex_unlock(&seen.lock);
	ck_assert(seen.called);
	ck_assert_int_eq(seen.rcode, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(seen.serial_at_reply, 2);   /* already in service when the reply went */
	ck_assert_uint_eq(published_serial(1), 1);    /* the other zone is shared, untouched */
}
END_TEST

START_TEST(nothing_queued_when_not_running)
{
	uint8_t pkt[12] = { 0x12, 0x34, 5 << 3, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	query_src_t from = { .src = (struct sockaddr *)&sin };
	ck_assert(!control_submit_update(pkt, sizeof(pkt), &from, record_reply, NULL));
	zonestore_reload_t res;
	ck_assert(!control_reload(conf_path, &res));
	ck_assert(!seen.called);
}
END_TEST

/* The resign event: the thread queues it itself when a zone signed online
 * is due (here the signer's clock is 8 days ahead of the signatures, so it
 * is due at once) and publishes the zone signed again. */
START_TEST(resign_event_when_signatures_are_due)
{
	char text[1024];
	/* the static zone signed online, its keys in state-dir */
	snprintf(text, sizeof(text), "server:\n  listen: [127.0.0.1@5300]\n  state-dir: state\n%s"
		 "        dnssec-signing: true\n", strstr(config_text, "views:"));
	tmpdir_put(&dir, "horizond.yaml", text);
	zonestore_reload_t res;
	zonestore_lock();
	ck_assert(zonestore_reload(conf_path, &res));   /* no thread yet: we are the writer */
	zonestore_unlock();
	long long refresh_before = publish_current()->views[0].zones[1]->dnssec_refresh;
	ck_assert_int_ne(refresh_before, 0);
	zonestore_set_sign_clock(8 * 86400);
	ck_assert_int_eq(control_start(), 0);
	long long refresh_after = refresh_before;
	for (int i = 0; i < 200 && refresh_after == refresh_before; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		zonestore_lock();   /* the thread publishes under it */
		refresh_after = publish_current()->views[0].zones[1]->dnssec_refresh;
		zonestore_unlock();
	}
	/* signed again: due half a validity after the fake clock's now */
	ck_assert_int_gt(refresh_after, refresh_before + 6 * 86400);   /* 8 days on, less 2 jitters */
	zonestore_lock();
	ck_assert_uint_eq(published_serial(0), 1);   /* the other zone is shared */
	zonestore_unlock();
	zonestore_set_sign_clock(0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("control");
	TCase *tc = tcase_create("events");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reload_event_publishes);
	tcase_add_test(tc, reload_builds_on_the_background_thread);
	tcase_add_test(tc, update_event_published_before_reply);
	tcase_add_test(tc, nothing_queued_when_not_running);
	tcase_add_test(tc, resign_event_when_signatures_are_due);
	suite_add_tcase(su, tc);
	return tl_run_suite(su);
}

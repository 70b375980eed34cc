/* test_forward.c -- the forwarder without the network layer: a query that
 * query_answer_fwd() marks goes to a fake upstream (a UDP socket of this
 * test on 127.0.0.1), and its answer comes back through the reply callback
 * the caller registered (forward.h), doctored (nat:). And per-query out of
 * memory (docs/architecture.md): the allocations of one forwarded query fail
 * (calloc is wrapped at link time, test/CMakeLists.txt) and the client gets
 * SERVFAIL at once, never an answer that skipped the doctoring.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <event2/event.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"
#include "nat.h"
#include "query.h"
#include "snapshot.h"
#include "testlib.h"
#include "tmpdir.h"
#include "zonestore.h"

/* calloc, failing for one element size while fail_size is set. */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static size_t fail_size;

void *
__wrap_calloc(size_t n, size_t size)
{
	if (fail_size != 0 && size == fail_size)
		return NULL;
	return __real_calloc(n, size);
}

static tmpdir_t dir;
static unsigned tcp_pending;           /* a TCP client's count of answers owed */
static int tcp_conn;                   /* stands for the network layer's connection */
static int upstream = -1;              /* the fake upstream's socket */
static snapshot_t *snap;
static struct event_base *base;
static forwarder_t *fwd;

/* What the reply callback saw. */
static struct {
	unsigned calls;
	bool tcp;
	unsigned pending_at_reply;     /* the TCP connection's count, in the callback */
	struct sockaddr_storage peer;
	uint8_t msg[4096];
	size_t len;
} got;

static void
reply_cb(void *arg, const forward_reply_to_t *to, const uint8_t *msg, size_t len)
{
	ck_assert_ptr_eq(arg, &got);
	got.calls++;
	got.tcp = to->conn != NULL;
	if (got.tcp)
		got.pending_at_reply = tcp_pending;
	if (to->peer != NULL)
		memcpy(&got.peer, to->peer, to->peer_len);
	ck_assert_uint_le(len, sizeof(got.msg));
	memcpy(got.msg, msg, len);
	got.len = len;
}

static void
setup(void)
{
	upstream = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(upstream, 0);
	struct sockaddr_in up = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(upstream, (struct sockaddr *)&up, sizeof(up)), 0);
	socklen_t len = sizeof(up);
	ck_assert_int_eq(getsockname(upstream, (struct sockaddr *)&up, &len), 0);

	tmpdir_make(&dir, "hz-test-forward");
	char conf[1024];
	snprintf(conf, sizeof(conf),
		 "server:\n"
		 "  listen: [127.0.0.1@5300]\n"
		 "nat:\n"
		 "  map:\n"
		 "    - { public: 203.0.113.10, private: 192.168.1.20 }\n"
		 "views:\n"
		 "  - name: lan\n"
		 "    match-clients: [127.0.0.2]\n"
		 "    recursion: true\n"
		 "    forwarders: [127.0.0.1@%u]\n",
		 ntohs(up.sin_port));
	tmpdir_put(&dir, "horizond.yaml", conf);
	char path[256];
	diag_t d = { 0 };
	snap = zonestore_build(tmpdir_file(&dir, "horizond.yaml", path, sizeof(path)), NULL, &d);
	ck_assert_ptr_nonnull(snap);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	fwd = forward_new(base, 0, reply_cb, &got);
	ck_assert_ptr_nonnull(fwd);
	memset(&got, 0, sizeof(got));
	fail_size = 0;
}

static void
teardown(void)
{
	fail_size = 0;
	forward_free(&fwd);
	ck_assert_ptr_null(fwd);
	event_base_free(base);
	snapshot_free(&snap);
	close(upstream);
	tmpdir_remove(&dir);
}

static const struct sockaddr_in client = {
	.sin_family = AF_INET, .sin_port = 0x3412, .sin_addr.s_addr = 0x0200007f,   /* 127.0.0.2 */
};

/* Ask name A from 127.0.0.2 over UDP (tcp: TCP): the query path
 * marks it, then the forwarder takes it. Returns forward_query()'s result,
 * the answer in out. */
static size_t
ask_over(bool tcp, const char *name, uint8_t *out)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(name), LDNS_RR_TYPE_A,
					 LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_id(p, 0x4242);
	uint8_t *wire = NULL;
	size_t wlen;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &wlen), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	query_src_t from = { .src = (const struct sockaddr *)&client };
	query_fwd_t qf;
	ck_assert_uint_eq(query_answer_fwd(snap, wire, wlen, out, 4096, &from, &qf), 0);
	ck_assert(qf.forward);
	struct sockaddr_storage peer, local = { .ss_family = AF_INET };
	memcpy(&peer, &client, sizeof(client));
	forward_reply_to_t to = {
		.peer = &peer, .peer_len = sizeof(client), .local = &local,
		.listen = &local, .listen_len = sizeof(struct sockaddr_in),
	};
	if (tcp)
		to = (forward_reply_to_t){ .conn = &tcp_conn, .pending = &tcp_pending };
	size_t n = forward_query(fwd, snap, &qf, wire, out, &to);
	free(wire);
	return n;
}

static size_t
ask(uint8_t *out)
{
	return ask_over(false, "www.example.net.", out);
}

/* The fake upstream answers the query waiting on its socket with the public
 * address; the worker's loop runs until the reply callback has been called. */
static void
upstream_answers(void)
{
	struct pollfd pfd = { .fd = upstream, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	uint8_t q[512];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t qlen = recvfrom(upstream, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
	ck_assert_int_gt(qlen, 12);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, q, (size_t)qlen), LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_rr *rr = NULL;
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, "www.example.net. 300 IN A 203.0.113.10", 0, NULL,
					     NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	uint8_t *a = NULL;
	size_t alen;
	ck_assert_int_eq(ldns_pkt2wire(&a, p, &alen), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	ck_assert_int_eq(sendto(upstream, a, alen, 0, (struct sockaddr *)&from, flen), (ssize_t)alen);
	free(a);
	for (int i = 0; i < 50 && got.calls == 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_uint_eq(got.calls, 1);
}

static ldns_pkt_rcode
rcode_of(const uint8_t *msg, size_t len)
{
	ldns_pkt *r = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&r, msg, len), LDNS_STATUS_OK);
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(r);
	ldns_pkt_free(r);
	return rc;
}

START_TEST(late_answer_through_reply_callback)
{
	uint8_t out[4096];
	ck_assert_uint_eq(ask(out), 0);   /* answered later */
	ck_assert_uint_eq(got.calls, 0);  /* never from inside forward_query() */

	upstream_answers();
	ck_assert(!got.tcp);
	ck_assert_mem_eq(&got.peer, &client, sizeof(client));
	ldns_pkt *r = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&r, got.msg, got.len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(r), 0x4242);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(r), 1);
	char *text = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), 0), 0));
	ck_assert_str_eq(text, "192.168.1.20");   /* doctored */
	free(text);
	ldns_pkt_free(r);
}
END_TEST

/* TCP: the connection's count of answers owed goes up while the query is
 * out and is back down when the reply callback runs (which may free it). */
START_TEST(tcp_client_pending_count)
{
	uint8_t out[4096];
	tcp_pending = 0;
	ck_assert_uint_eq(ask_over(true, "www.example.net.", out), 0);
	ck_assert_uint_eq(tcp_pending, 1);
	upstream_answers();
	ck_assert(got.tcp);
	ck_assert_uint_eq(got.pending_at_reply, 0);
	ck_assert_int_eq(rcode_of(got.msg, got.len), LDNS_RCODE_NOERROR);

	/* A connection that goes away is forgotten: no reply, count left alone. */
	memset(&got, 0, sizeof(got));
	ck_assert_uint_eq(ask_over(true, "other.example.net.", out), 0);
	ck_assert_uint_eq(tcp_pending, 1);
	forward_conn_gone(fwd, &tcp_conn);
	forward_free(&fwd);
	ck_assert_uint_eq(got.calls, 0);
	ck_assert_uint_eq(tcp_pending, 1);
}
END_TEST

/* Out of memory for one query's copy of the NAT rules: SERVFAIL now, and
 * nothing is sent upstream (the answer could not be doctored). */
START_TEST(no_memory_for_doctoring_servfail)
{
	uint8_t out[4096];
	fail_size = sizeof(nat_rule_t);
	size_t n = ask(out);
	fail_size = 0;
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(rcode_of(out, n), LDNS_RCODE_SERVFAIL);
	struct pollfd pfd = { .fd = upstream, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 200), 0);
	ck_assert_uint_eq(got.calls, 0);
}
END_TEST

/* Out of memory for the query itself or its client: SERVFAIL now. */
START_TEST(no_memory_for_the_client_servfail)
{
	uint8_t out[4096];
	fail_size = sizeof(struct sockaddr_storage);   /* the forwarders' addresses */
	size_t n = ask(out);
	fail_size = 0;
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(rcode_of(out, n), LDNS_RCODE_SERVFAIL);
}
END_TEST

static Suite *
forward_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = tcase_create("forward");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, late_answer_through_reply_callback);
	tcase_add_test(tc, tcp_client_pending_count);
	tcase_add_test(tc, no_memory_for_doctoring_servfail);
	tcase_add_test(tc, no_memory_for_the_client_servfail);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(forward_suite());
}

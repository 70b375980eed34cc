/* fuzz_query.c -- libFuzzer harness: arbitrary packets through query_answer().
 *
 * Input: byte 0 picks the client's source and local address (and so the
 * view), byte 1 bit 0 picks TCP, the rest is the DNS message. The snapshot is
 * built once from test/fuzz/data/horizond.yaml. Every query but those query.h
 * lets us drop gets an answer; every answer must respect the size limit, echo
 * the ID, have QR set and parse with ldns (so all compression pointers we
 * write are valid); a violation aborts, which the fuzzer reports.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsan_quiet.h"
#include "query.h"
#include "snapshot.h"
#include "zonestore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sources: internal (lan, 127.0.0.2), external, no view (blocked), v6, mapped. */
static const char *const fuzz_sources[8] = {
	"127.0.0.2", "10.1.2.3", "203.0.113.5", "192.0.2.66",
	"::1", "fd00::5", "::ffff:192.168.7.7", "2001:db8::1",
};

static void
fuzz_make_addr(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(40000);
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(40000);
	} else {
		abort();
	}
}

static const snapshot_t *
fuzz_snapshot(void)
{
	static snapshot_t *snap;
	if (snap == NULL) {
		diag_t d = { 0 };
		snap = zonestore_build(HZ_FUZZ_DATA "/horizond.yaml", NULL, &d);
		if (snap == NULL) {
			fprintf(stderr, "fuzz_query: cannot build the snapshot\n");
			abort();
		}
	}
	return snap;
}

/* The UDP size limit the answer must respect: 512 without EDNS, else the
 * client's size (at least 512) capped by ours. The query is read by ldns,
 * an independent parser, when it can. */
static size_t
fuzz_udp_limit(const snapshot_t *s, const uint8_t *q, size_t qlen, const ldns_pkt *ans)
{
	if (!ldns_pkt_edns(ans))
		return 512;
	size_t limit = s->edns_size;
	ldns_pkt *qp = NULL;
	if (LSAN_QUIET((int)ldns_wire2pkt(&qp, q, qlen)) == LDNS_STATUS_OK && ldns_pkt_edns(qp)) {
		size_t want = ldns_pkt_edns_udp_size(qp);
		if (want < 512)
			want = 512;
		if (want < limit)
			limit = want;
	}
	ldns_pkt_free(qp);
	return limit;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[QUERY_MAX_ANSWER];
	if (size < 2)
		return 0;
	const snapshot_t *s = fuzz_snapshot();
	struct sockaddr_storage src, dst;
	fuzz_make_addr(fuzz_sources[data[0] & 7], &src);
	fuzz_make_addr(data[0] & 8 ? "127.0.1.1" : "127.0.0.1", &dst);
	query_src_t from = { .src = (struct sockaddr *)&src,
			     .dst = data[0] & 16 ? NULL : (struct sockaddr *)&dst,
			     .tcp = data[1] & 1 };
	const uint8_t *q = data + 2;
	size_t qlen = size - 2;

	size_t n = query_answer(s, q, qlen, out, sizeof(out), &from);
	if (n == 0) {
		/* silence only for what query.h allows: QR=1, shorter than a header */
		if (qlen >= 12 && !(q[2] & 0x80))
			abort();
		return 0;
	}
	if (n < 12 || n > QUERY_MAX_ANSWER || qlen < 12 || memcmp(out, q, 2) != 0 ||
	    !(out[2] & 0x80))
		abort();
	ldns_pkt *ans = NULL;
	if (ldns_wire2pkt(&ans, out, n) != LDNS_STATUS_OK)
		abort();
	if (!from.tcp && n > fuzz_udp_limit(s, q, qlen, ans))
		abort();
	ldns_pkt_free(ans);
	return 0;
}

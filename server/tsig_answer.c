/* tsig_answer.c -- queries signed with TSIG (see tsig_answer.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "tsig_answer.h"

#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dname.h"
#include "lograte.h"
#include "snapshot.h"
#include "tsig.h"

/* The TSIG record of the answer being built on this thread. A forwarded
 * query takes a pointer to it in fwd->tsig, which the forwarder copies
 * before the worker reads its next query. */
static _Thread_local tsig_reply_t tsig_answer_reply_state;
/* Its key when the signature was good (tsig_answer_key). */
static _Thread_local const conf_key_t *tsig_answer_good_key;

/* An answer of only the header (and the question, when it can be read):
 * ID, opcode, RD and CD of the query, QR, rcode. Returns its length. */
static size_t
tsig_answer_error(const uint8_t *q, size_t qlen, uint8_t rcode, uint8_t *out)
{
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79));
	out[3] = (uint8_t)((q[3] & 0x10) | rcode);
	memset(out + 4, 0, 8);
	size_t pos = 12;
	if (q[4] != 0 || q[5] != 1 || !dname_skip_wire(q, qlen, &pos) || pos + 4 > qlen)
		return 12;
	memcpy(out + 12, q + 12, pos + 4 - 12);
	out[5] = 1;
	return pos + 4;
}

/* An answer too long for limit with its TSIG becomes, as RFC 8945 5.3
 * says, the question and the TSIG with TC set (its rcode kept: NOTAUTH
 * stays NOTAUTH); with a long question (up to 259 bytes) and a long record
 * (up to 536 bytes unsigned: an unknown key's name and algorithm echoed)
 * not even that may fit: then the header and the TSIG, and else the header
 * alone with TC -- the client asks again over TCP. */
size_t
tsig_answer_fit(const tsig_reply_t *r, uint8_t *out, size_t n, size_t limit)
{
	size_t need = tsig_reply_size(r);
	if (n + need <= limit)
		return tsig_reply_append(r, out, n, limit);
	size_t qend = 12;   /* our own answer: the question is one plain name */
	if (n > 12 && out[4] == 0 && out[5] == 1 && dname_skip_wire(out, n, &qend) && qend + 4 <= n)
		qend += 4;
	else
		qend = 12;
	if (qend + need > limit) {
		qend = 12;
		out[5] = 0;
	}
	out[4] = 0;
	memset(out + 6, 0, 6);
	out[2] |= 0x02;
	if (12 + need > limit)
		return 12;
	return tsig_reply_append(r, out, qend, limit);
}

static void
tsig_answer_log(const struct view *v, const query_src_t *from, const conf_key_t *key,
		const uint8_t *q, size_t qlen, tsig_result_t tr)
{
	char client[INET6_ADDRSTRLEN + 16];
	lograte_client_text(from->src, client, sizeof(client));
	char name[1024] = "?";
	size_t pos = 12;
	if (dname_skip_wire(q, qlen, &pos) && pos <= 12 + DNAME_MAXLEN) {
		uint8_t wire[DNAME_MAXLEN];
		memcpy(wire, q + 12, pos - 12);
		dname_to_text(wire, name, sizeof(name));
	}
	lograte_warning(&lograte_refused, from->src, "query from %s view %s for %s key %s: NOTAUTH: %s",
			client, v ? v->conf->name : "-", name, key ? key->name : "-",
			tsig_result_str(tr));
}

bool
tsig_answer_check(const struct snapshot *snap, const struct view *v, const query_src_t *from,
		  const uint8_t *q, size_t qlen, uint8_t *out, size_t limit, size_t *len,
		  uint16_t *reserve)
{
	tsig_answer_good_key = NULL;
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, q, qlen) != LDNS_STATUS_OK) {
		*len = tsig_answer_error(q, qlen, LDNS_RCODE_FORMERR, out);
		return false;
	}
	const conf_key_t *key = NULL;
	time_t now = time(NULL);
	tsig_result_t tr = tsig_verify(pkt, q, qlen, snap->conf, &key, now);
	tsig_reply_t *r = &tsig_answer_reply_state;
	bool usable = tsig_reply_init(r, ldns_pkt_tsig(pkt), key, tr, now);
	ldns_pkt_free(pkt);
	if (!usable) {
		*len = tsig_answer_error(q, qlen, LDNS_RCODE_FORMERR, out);
		return false;
	}
	if (tr != TSIG_OK) {
		tsig_answer_log(v, from, key, q, qlen, tr);
		size_t n = tsig_answer_error(q, qlen, LDNS_RCODE_NOTAUTH, out);
		*len = tsig_answer_fit(r, out, n, limit);
		return false;
	}
	/* The record fits in 400 bytes (a known algorithm's name and MAC); the
	 * query path takes it off its limit (at least 512). */
	size_t room = tsig_reply_size(r);
	if (room >= 400) {
		*len = tsig_answer_servfail(q, qlen, out, limit);
		return false;
	}
	*reserve = (uint16_t)room;
	tsig_answer_good_key = key;
	return true;
}

size_t
tsig_answer_sign(uint8_t *out, size_t n, size_t limit)
{
	return tsig_answer_fit(&tsig_answer_reply_state, out, n, limit);
}

size_t
tsig_answer_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t limit)
{
	return tsig_answer_sign(out, tsig_answer_error(q, qlen, LDNS_RCODE_SERVFAIL, out), limit);
}

const struct tsig_reply *
tsig_answer_reply(void)
{
	return &tsig_answer_reply_state;
}

const struct conf_key *
tsig_answer_key(void)
{
	return tsig_answer_good_key;
}

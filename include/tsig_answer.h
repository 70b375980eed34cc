/* tsig_answer.h -- queries signed with TSIG: the slow path beside the query
 * path (RFC 8945 5.3: every signed request gets a signed response).
 *
 * query_answer_fwd() notices, while it reads the additional section, that
 * the last record is a TSIG, and asks this module to check the signature
 * (tsig.h) first: an unknown key or a wrong MAC is answered here with
 * NOTAUTH and an unsigned TSIG error record, a stale time with NOTAUTH and a
 * signed BADTIME record. A good signature goes back to the query path, which
 * answers the query without its TSIG -- leaving room for the TSIG record, so
 * an answer that does not fit is truncated (TC) and still signed -- and has
 * it signed here. A query the recursive view forwards carries the TSIG state
 * in fwd->tsig: the forwarder signs its answer (forward.h). This module sits
 * below the query path: it never calls back into it.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TSIG_ANSWER_H
#define HZ_TSIG_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct snapshot;
struct view;
struct tsig_reply;
struct conf_key;

/* Check the signed query q[0..qlen) for a client of view v (NULL: none; for
 * the log). True: the signature is good, and *reserve is the room (< 400
 * bytes) the answer must leave for the TSIG record that tsig_answer_sign()
 * adds. False: the answer is final and written to out (capacity outmax):
 * *len bytes -- FORMERR, or NOTAUTH with its TSIG error record; 0: none.
 * Keeps the TSIG state of this query in a thread-local until the thread's
 * next call. Logs refusals (rate-limited, lograte.h). */
bool tsig_answer_check(const struct snapshot *snap, const struct view *v, const query_src_t *from,
		       const uint8_t *q, size_t qlen, uint8_t *out, size_t outmax, size_t *len,
		       uint16_t *reserve);

/* Sign out[0..n) (capacity outmax), the answer to the query last checked on
 * this thread. Returns the new length; 0 if it cannot be signed: send
 * nothing rather than an unsigned answer. */
size_t tsig_answer_sign(uint8_t *out, size_t n, size_t outmax);

/* The signed SERVFAIL (header and question of q) for a query last checked
 * on this thread that could not be answered. Returns its length, 0: none. */
size_t tsig_answer_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t outmax);

/* The key that signed the query last checked on this thread, when
 * tsig_answer_check() returned true; NULL otherwise. */
const struct conf_key *tsig_answer_key(void);

/* The TSIG state of the query last checked on this thread, for the
 * forwarder (query_fwd_t.tsig: it copies it). */
const struct tsig_reply *tsig_answer_reply(void);

#endif

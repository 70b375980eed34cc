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
 * adds. False: the answer is final and written to out within limit bytes
 * (the client's UDP size, or the TCP buffer): *len bytes -- FORMERR, or
 * NOTAUTH with its TSIG error record (cut as tsig_answer_sign() cuts); 0: none.
 * Keeps the TSIG state of this query in a thread-local until the thread's
 * next call. Logs refusals (rate-limited, lograte.h). */
bool tsig_answer_check(const struct snapshot *snap, const struct view *v, const query_src_t *from,
		       const uint8_t *q, size_t qlen, uint8_t *out, size_t limit, size_t *len,
		       uint16_t *reserve);

/* Sign out[0..n), the answer to the query last checked on this thread,
 * within limit bytes. An answer that does not fit with its TSIG becomes
 * the question and the TSIG with TC (RFC 8945 5.3), or the header and the
 * TSIG when the question is too long for that, or the header alone with TC
 * when even the record does not fit (an unsigned error record echoes names
 * of up to 255 bytes each). Returns the new length; 0 if the MAC failed:
 * send nothing rather than an unsigned answer. */
size_t tsig_answer_sign(uint8_t *out, size_t n, size_t limit);

/* Sign out[0..n), an answer to the query whose TSIG state is r, within
 * limit bytes (the client's UDP size, or the TCP buffer), cut as
 * tsig_answer_sign() cuts. For the forwarder, which answers later from its
 * copy of the state; the answer may already be longer than limit (a long
 * question's TC answer left no room for the record). Returns the new
 * length; 0 if the MAC failed. */
size_t tsig_answer_fit(const struct tsig_reply *r, uint8_t *out, size_t n, size_t limit);

/* The signed SERVFAIL (header and question of q) for a query last checked
 * on this thread that could not be answered. Returns its length, 0: none. */
size_t tsig_answer_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t limit);

/* The key that signed the query last checked on this thread, when
 * tsig_answer_check() returned true; NULL otherwise. */
const struct conf_key *tsig_answer_key(void);

/* The TSIG state of the query last checked on this thread, for the
 * forwarder (query_fwd_t.tsig: it copies it). */
const struct tsig_reply *tsig_answer_reply(void);

#endif

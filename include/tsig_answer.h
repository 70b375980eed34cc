/* tsig_answer.h -- queries signed with TSIG: the slow path beside the query
 * path (RFC 8945 5.3: every signed request gets a signed response).
 *
 * query_answer_fwd() notices, while it reads the additional section, that
 * the last record is a TSIG, and hands the whole query here. This module
 * checks the signature (tsig.h), answers an unknown key or a wrong MAC with
 * NOTAUTH and an unsigned TSIG error record, a stale time with NOTAUTH and a
 * signed BADTIME record, and otherwise answers the query without its TSIG
 * through query_answer_fwd() -- leaving room for the TSIG record, so an
 * answer that does not fit is truncated (TC) and still signed -- and signs
 * the answer. A query the recursive view forwards comes back with
 * fwd->tsig set: the forwarder signs its answer (forward.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TSIG_ANSWER_H
#define HZ_TSIG_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct snapshot;

/* Answer the query q[0..qlen) whose last record, a TSIG, starts at
 * tsig_pos; arguments and result as query_answer_fwd(). Allocates; logs
 * refusals (rate-limited, lograte.h). */
size_t tsig_answer_query(const struct snapshot *snap, const uint8_t *q, size_t qlen,
			 size_t tsig_pos, uint8_t *out, size_t outmax, const query_src_t *from,
			 query_fwd_t *fwd);

#endif

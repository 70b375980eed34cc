/* scrub.h -- drop what an upstream answer has no business saying.
 *
 * A forwarded answer is cached and relayed for its own question only
 * (cache.h), so extra records cannot poison other names; they would still
 * reach the client that asked. scrub_response() keeps, in the answer
 * section, only records of the question's chain (the name, then each CNAME
 * target; DNAMEs above a name of the chain) of the type asked (any type for
 * ANY), CNAME, DNAME or RRSIG; in the authority section only SOA, NS and DS
 * records at or above a name of the chain, and NSEC, NSEC3 and RRSIG; in the
 * additional section only A, AAAA and RRSIG. What BIND's resolver also
 * ignores. Runs on the forwarder's path (one upstream answer), not per query;
 * uses ldns, so it allocates.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_SCRUB_H
#define HZ_SCRUB_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"

/* If msg[0..len), an answer to key's question, has records to drop: a new
 * message without them (malloc'd, the caller frees; *out_len its length,
 * *dropped how many went). NULL: nothing to drop, or not parseable by ldns
 * (then cache_msg_parse() judges msg as it is). */
uint8_t *scrub_response(const uint8_t *msg, size_t len, const cache_key_t *key, size_t *out_len,
			unsigned *dropped);

#endif

/* chain.h -- answers assembled from parts: CNAME and DNAME chains that go
 * on past the answer one zone has ready.
 *
 * DESIGN. A zone's prebuilt answers follow CNAMEs inside the zone only.
 * When a chain leaves it (a recursive view: into another zone of the view
 * or out through the forwarder; RFC 6672 DNAME synthesis in any view), the
 * message so far -- header, the client's question, the CNAMEs (and DNAME)
 * -- is the prefix, and the target's answer is a whole message of its own
 * (a zone's answer to a question for the target name, or the cache's).
 * chain_append() copies that message's records behind the prefix with
 * their names written out in full (its compression pointers are relative
 * to its own question), except owner names equal to a name already written
 * in the chain, which point at it. chain_finish() sets rcode, flags and the
 * OPT and applies the client's size limit. Nothing here allocates; only
 * answers that need a chain come this way, never the common path.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_CHAIN_H
#define HZ_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest chain, as BIND 9.18 (11 restarts; measured with the
 * differential suite): an answer holds at most this many CNAMEs, and when
 * the last of them still has to be followed the answer is SERVFAIL, with
 * the CNAMEs (AA kept). A loop ends the same way once every CNAME of the
 * loop is in the answer (BIND writes each RRset once). */
#define CHAIN_MAX_CNAMES 12

/* If the last record of msg's answer section (msg: len bytes, one question,
 * only an answer section; RRSIGs not counted) is a CNAME, write its target, lower case and
 * uncompressed, to target (DNAME_MAXLEN bytes) and return its length;
 * otherwise 0. *cnames gets the number of CNAME records in the answer
 * section; *loop whether the target owns one of them already. */
size_t chain_target(const uint8_t *msg, size_t len, uint8_t *target, unsigned *cnames, bool *loop);

/* Append the records of part (a whole message of plen bytes with one
 * question) behind msg[0..*len), which must end with its answer section
 * (no authority or additional records yet). msg's counts are updated.
 * False if part is malformed or the result would exceed cap; msg is then
 * unchanged. */
bool chain_append(uint8_t *msg, size_t *len, size_t cap, const uint8_t *part, size_t plen);

/* Finish an assembled message in place: rcode, AA as given, AD and TC
 * clear, an OPT record (EDNS size, DO) if edns, and the client's limit:
 * first the additional section goes, then every record, with TC set.
 * Returns the final length. */
size_t chain_finish(uint8_t *msg, size_t len, uint8_t rcode, bool aa, size_t limit,
		    bool edns, bool edns_do, uint16_t edns_size);

/* Only header and question of msg, rcode set (SERVFAIL for a chain that
 * is too long or does not fit), then as chain_finish(). */
size_t chain_fail(uint8_t *msg, size_t len, uint8_t rcode, size_t limit,
		  bool edns, bool edns_do, uint16_t edns_size);

#endif

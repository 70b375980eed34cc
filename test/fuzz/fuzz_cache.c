/* fuzz_cache.c -- libFuzzer harness: arbitrary bytes as an upstream answer.
 * Upstream answers are untrusted input: cache_msg_parse() must never crash or
 * read out of bounds on them, and what it accepts must come back out of the
 * cache within the client's size limit -- and, if ldns could parse what the
 * upstream sent, as a message ldns can parse (the cache never breaks a
 * well-formed answer; it does not promise to repair every broken one) --
 * unless ldns itself read the upstream's message other than its RDLENGTHs
 * say, in data the cache does not look into (ldns_misreads_opaque()).
 * What the cache gives back is also appended behind a CNAME as the end of a
 * chain (chain.h), which must stay in bounds and within the limit.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "chain.h"
#include "lsan_quiet.h"
#include "dname.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether cache_check_rdata() checks the layout of a type's data (A, AAAA,
 * the types with names in wire.h, SVCB and HTTPS); the rest it keeps as
 * opaque bytes. */
static bool
cache_vets_layout(uint16_t type)
{
	size_t skip, tail;
	return wire_rdata_names(type, &skip, &tail) > 0 || type == 1 || type == 28 ||
	       type == 64 || type == 65;
}

/* Whether ldns reads a record of a type the cache keeps as opaque bytes to
 * another end than its RDLENGTH gives. ldns 1.8.3 reads record data field by
 * field from its table of the type (ldns_wire2rdf()) and goes on with the
 * next record where the last field ended, not at the end RDLENGTH gives:
 * - short: a record holding more than the table has fields for. The SINK
 *   entry allows one field (minimum = maximum = 1, though SINK is coding,
 *   subcoding, data), so SINK data of two bytes has its second byte taken as
 *   the next owner name (cache.in/regress-sink-longer-than-ldns-reads);
 * - past: a name field read on beyond RDLENGTH (ldns_wire2dname() is bounded
 *   by the message, not the record), such as an NSEC next name whose last
 *   label runs into the following record (regress-nsec-name-past-rdata).
 * ldns_wire2pkt() may still say OK, but about another message than the one
 * on the wire. The cache follows RDLENGTH (RFC 1035 4.1.3) and does not look
 * inside the data of these types, so ldns's verdict then says nothing about
 * whether the cache kept the message intact: the TTL it counts down may be
 * another field in ldns's misreading (the SINK case: its last byte is the
 * first of the RDLENGTH of an OPT ldns imagines), and the OPT or TSIG it
 * drops may hold the rest of ldns's NSEC name. Only this case is excused,
 * and only where ldns first parts from RDLENGTH (what it reads after that is
 * not the message's records). For a type whose layout the cache checks
 * (cache_vets_layout()) such a record has bytes the type does not have, or
 * a name running out of its record, and the cache must refuse it, so it
 * stays under the oracle. Call only on a message ldns_wire2pkt() accepted. */
static bool
ldns_misreads_opaque(const uint8_t *data, size_t size)
{
	unsigned qd = get16(data + 4);
	unsigned all = qd + get16(data + 6) + get16(data + 8) + get16(data + 10);
	size_t pos = 12;
	for (unsigned i = 0; i < all; i++) {
		size_t end = 0;
		uint16_t type = 0;
		if (i >= qd) {
			ldns_rdf *owner = NULL;
			size_t p = pos;
			ldns_status st = ldns_wire2dname(&owner, data, size, &p);
			ldns_rdf_deep_free(owner);
			if (st != LDNS_STATUS_OK || p + 10 > size)
				return false;
			type = get16(data + p);
			end = p + 10 + get16(data + p + 8);
		}
		ldns_rr *rr = NULL;
		ldns_status st = ldns_wire2rr(&rr, data, size, &pos,
					      i < qd ? LDNS_SECTION_QUESTION : LDNS_SECTION_ANSWER);
		ldns_rr_free(rr);
		if (st != LDNS_STATUS_OK)
			return false;
		if (i >= qd && pos != end)
			return !cache_vets_layout(type);
	}
	return false;
}

/* The reply in part, as the end of the chain "a.example. CNAME <its name>". */
static void
fuzz_chain(const uint8_t *part, size_t plen, const cache_key_t *key, size_t limit)
{
	static uint8_t msg[65535];
	static const uint8_t head[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
		0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0, 60, 0, 0,
	};
	memcpy(msg, head, sizeof(head));
	msg[sizeof(head) - 1] = key->name_len;
	memcpy(msg + sizeof(head), key->name, key->name_len);
	size_t len = sizeof(head) + key->name_len;
	if (!chain_append(msg, &len, sizeof(msg), part, plen))
		return;
	size_t n = chain_finish(msg, len, part[3] & 0x0F, true, limit, limit == 512, false, 1232);
	if (n > (limit == 512 ? limit : sizeof(msg)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	if (size < 12)
		return 0;
	/* the question the message claims to answer becomes the key asked */
	cache_key_t key;
	uint8_t offs[DNAME_MAXLABELS];
	unsigned nlabels;
	size_t pos = 12;
	int nlen = dname_parse_query(data, size, &pos, key.name, offs, &nlabels, NULL);
	if (nlen < 0 || pos + 4 > size)
		return 0;
	key.name_len = (uint8_t)nlen;
	key.qtype = (uint16_t)(data[pos] << 8 | data[pos + 1]);
	key.qclass = (uint16_t)(data[pos + 2] << 8 | data[pos + 3]);
	key.bits = 0;
	cache_msg_t *m = cache_msg_parse(data, size, &key, 0, 86400, 10800);
	if (m == NULL)
		return 0;
	uint8_t hdr[4] = { data[0], data[1], 0x01, 0x00 };
	cache_client_t cl = {
		.hdr = hdr, .qsec = data + 12, .qsec_len = pos + 4 - 12,
		.edns = (data[0] & 1) != 0, .edns_do = (data[0] & 3) == 3, .edns_size = 1232,
		.limit = (data[1] & 1) ? 65535 : 512,
	};
	ldns_pkt *in = NULL;
	bool well_formed = LSAN_QUIET((int)ldns_wire2pkt(&in, data, size)) == LDNS_STATUS_OK &&
			   !ldns_misreads_opaque(data, size);
	ldns_pkt_free(in);
	/* the same response for the general writer: a hit's reply is its
	 * bytes at the same age (cache.c writes hits with code of its own) */
	cache_msg_t *ref = cache_msg_parse(data, size, &key, 0, 86400, 10800);
	if (ref == NULL)
		abort();
	cache_t *c = cache_new(1 << 16, 0, 86400, 10800);
	cache_store(c, m, 1000);   /* the cache owns m from here */
	size_t n = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&key) }, &cl, out, 1000 + 1500);
	if (n > 0) {
		static uint8_t want[65535];
		if (cache_msg_write(ref, 1, &cl, want) != n || memcmp(out, want, n) != 0)
			abort();
		ldns_pkt *p = NULL;
		if (n > cl.limit)
			abort();
		if (well_formed && ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK)
			abort();
		ldns_pkt_free(p);
		/* the whole reply, without OPT, as a chain's end */
		cache_client_t whole = cl;
		whole.edns = false;
		whole.limit = sizeof(out);
		n = cache_answer(c, (cache_lookup_t[1]){ cache_key_lookup(&key) }, &whole, out, 1000 + 1500);
		if (n > 0)
			fuzz_chain(out, n, &key, cl.limit);
	}
	cache_msg_free(ref);
	cache_unref(&c);
	return 0;
}

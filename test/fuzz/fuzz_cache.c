/* fuzz_cache.c -- libFuzzer harness: arbitrary bytes as an upstream answer.
 * Upstream answers are untrusted input: cache_msg_parse() must never crash or
 * read out of bounds on them, and what it accepts must come back out of the
 * cache within the client's size limit -- and, if ldns could parse what the
 * upstream sent, as a message ldns can parse (the cache never breaks a
 * well-formed answer; it does not promise to repair every broken one).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	cache_msg_t *m = cache_msg_parse(data, size, &key, 0, 86400);
	if (m == NULL)
		return 0;
	uint8_t hdr[4] = { data[0], data[1], 0x01, 0x00 };
	cache_client_t cl = {
		.hdr = hdr, .qsec = data + 12, .qsec_len = pos + 4 - 12,
		.edns = (data[0] & 1) != 0, .edns_size = 1232,
		.limit = (data[1] & 1) ? 65535 : 512,
	};
	ldns_pkt *in = NULL;
	bool well_formed = LSAN_QUIET((int)ldns_wire2pkt(&in, data, size)) == LDNS_STATUS_OK;
	ldns_pkt_free(in);
	cache_t *c = cache_new(1 << 16, 0, 86400);
	cache_store(c, m, 1000);   /* the cache owns m from here */
	size_t n = cache_answer(c, &key, &cl, out, 1000 + 1500);
	if (n > 0) {
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
		n = cache_answer(c, &key, &whole, out, 1000 + 1500);
		if (n > 0)
			fuzz_chain(out, n, &key, cl.limit);
	}
	cache_unref(&c);
	return 0;
}

/* fuzz_zonefile.c -- libFuzzer harness: parse arbitrary bytes as a master file.
 *
 * Drives the whole reader: Knot's zone scanner, our directives ($TTL,
 * $ORIGIN, $INCLUDE, $GENERATE and its ${offset,width,base} expander), the
 * FILE:LINE bookkeeping and the zone checks. Invariants (abort() if broken):
 * zonefile_parse() returns NULL exactly when it reported an error; every
 * record it returns is at or below the apex, class IN, with a wire owner
 * name that ends at its root label and a TTL that is not the "missing"
 * marker; the SOA is one of them.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_owner(const zonefile_t *z, const zrr_t *rr)
{
	size_t pos = 0;
	while (pos < rr->owner_len && rr->owner[pos] != 0)
		pos += 1 + (size_t)rr->owner[pos];
	if (pos + 1 != rr->owner_len || rr->owner_len < z->origin_len)
		abort();
	/* ends with the apex, compared case-insensitively */
	const uint8_t *tail = rr->owner + rr->owner_len - z->origin_len;
	for (size_t i = 0; i < z->origin_len; i++) {
		uint8_t c = tail[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != z->origin[i])
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	diag_t d = { 0, 0, NULL, 1 };
	/* $INCLUDE in the input resolves relative to the current directory. */
	zonefile_t *z = zonefile_parse("example.com", "fuzz.zone", (const char *)data, size, &d);
	if ((z == NULL) != (d.errors > 0))
		abort();
	if (z != NULL) {
		if (z->soa == NULL || z->soa < z->rrs || z->soa >= z->rrs + z->count)
			abort();
		for (size_t i = 0; i < z->count; i++) {
			const zrr_t *rr = &z->rrs[i];
			if (rr->rclass != 1 || rr->ttl == 0xFFFFFFFFu || rr->file == NULL ||
			    rr->line == 0)
				abort();
			check_owner(z, rr);
		}
	}
	zonefile_free(&z);
	return 0;
}

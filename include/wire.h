/* wire.h -- big-endian 16- and 32-bit fields of DNS messages.
 * Inline: used per packet on the query path and in the cache.
 * (Plus which record types carry compressible names, for the cache's checks
 * and chain.c.)
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_WIRE_H
#define HZ_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Where the record data of a type holds names that senders may compress
 * (RFC 3597 4: the RFC 1035 types, and the later ones receivers must
 * decompress because some senders do): *skip bytes, then the returned
 * number of names, then *tail bytes (the SOA's five numbers), nothing
 * else. 0: no such names (the data is opaque here). */
static inline unsigned
wire_rdata_names(uint16_t type, size_t *skip, size_t *tail)
{
	*skip = 0;
	*tail = 0;
	switch (type) {
	case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12:
		return 1;           /* NS MD MF CNAME MB MG MR PTR */
	case 6:
		*tail = 20;         /* SOA */
		return 2;
	case 14: case 17:
		return 2;           /* MINFO RP */
	case 15: case 18: case 21: case 36:
		*skip = 2;          /* MX AFSDB RT KX */
		return 1;
	case 26:
		*skip = 2;          /* PX */
		return 2;
	case 33:
		*skip = 6;          /* SRV */
		return 1;
	default:
		return 0;
	}
}

#endif

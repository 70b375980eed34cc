/* wire.h -- big-endian 16- and 32-bit fields of DNS messages.
 * Inline: used per packet on the query path and in the cache.
 * (Plus which record types carry compressible names, for the cache's checks
 * and chain.c.)
 *
 * DNS numbers: ldns names them (LDNS_RR_TYPE_*, LDNS_RR_CLASS_*,
 * LDNS_RCODE_*, LDNS_PACKET_* for opcodes), and this header brings those
 * in; the two below are the ones it has no name for. Use these rather than
 * a file's own #defines.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_WIRE_H
#define HZ_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* RFC 6891 extended rcode BADVERS: its upper 8 bits go in the OPT record,
 * its lower 4 in the header. */
#define WIRE_RCODE_BADVERS 16
/* RFC 6895: types 128-255 are meta and query types (TSIG, AXFR, ANY...). */
#define WIRE_TYPE_META_FIRST 128

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
	case LDNS_RR_TYPE_NS: case LDNS_RR_TYPE_MD: case LDNS_RR_TYPE_MF:
	case LDNS_RR_TYPE_CNAME: case LDNS_RR_TYPE_MB: case LDNS_RR_TYPE_MG:
	case LDNS_RR_TYPE_MR: case LDNS_RR_TYPE_PTR:
		return 1;
	case LDNS_RR_TYPE_SOA:
		*tail = 20;         /* serial, refresh, retry, expire, minimum */
		return 2;
	case LDNS_RR_TYPE_MINFO: case LDNS_RR_TYPE_RP:
		return 2;
	case LDNS_RR_TYPE_MX: case LDNS_RR_TYPE_AFSDB: case LDNS_RR_TYPE_RT:
	case LDNS_RR_TYPE_KX:
		*skip = 2;          /* preference */
		return 1;
	case LDNS_RR_TYPE_PX:
		*skip = 2;
		return 2;
	case LDNS_RR_TYPE_SRV:
		*skip = 6;          /* priority, weight, port */
		return 1;
	default:
		return 0;
	}
}

#endif

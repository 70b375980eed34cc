/* qtypeclass.c -- the QTYPE classes of the query counters (qtypeclass.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "qtypeclass.h"

static const char *const qtypeclass_names[QTYPECLASS_N] = {
	"A", "AAAA", "PTR", "MX", "TXT", "SRV", "NS", "SOA", "CNAME", "ANY", "DS", "DNSKEY", "HTTPS",
	"other",
};

unsigned
qtypeclass_of(uint16_t qtype)
{
	switch (qtype) {
	case 1: return 0;      /* A */
	case 28: return 1;     /* AAAA */
	case 12: return 2;     /* PTR */
	case 15: return 3;     /* MX */
	case 16: return 4;     /* TXT */
	case 33: return 5;     /* SRV */
	case 2: return 6;      /* NS */
	case 6: return 7;      /* SOA */
	case 5: return 8;      /* CNAME */
	case 255: return 9;    /* ANY */
	case 43: return 10;    /* DS */
	case 48: return 11;    /* DNSKEY */
	case 65: return 12;    /* HTTPS */
	default: return QTYPECLASS_N - 1;
	}
}

const char *
qtypeclass_name(unsigned cls)
{
	return qtypeclass_names[cls < QTYPECLASS_N ? cls : QTYPECLASS_N - 1];
}

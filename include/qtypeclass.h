/* qtypeclass.h -- the QTYPE classes the query counters tell apart.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_QTYPECLASS_H
#define HZ_QTYPECLASS_H

#include <stdint.h>

/* A, AAAA, PTR, MX, TXT, SRV, NS, SOA, CNAME, ANY, DS, DNSKEY, HTTPS, other */
#define QTYPECLASS_N 14

/* The class of a QTYPE: an index below QTYPECLASS_N (the last: "other").
 * Pure; a switch, for the workers. */
unsigned qtypeclass_of(uint16_t qtype);

/* Its name ("A", ..., "other"). */
const char *qtypeclass_name(unsigned cls);

#endif

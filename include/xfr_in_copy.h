/* xfr_in_copy.h -- a secondary zone's records (xfr_in.h): the kept copy
 * read with ldns, a transfer's answer turned into the zone's records (AXFR
 * as it is, IXFR differences applied to the copy), out-of-zone data
 * dropped, and the copy written atomically (temp file, fsync, rename,
 * fsync of the directory). Lists are ldns_rr_list with the SOA first; the
 * caller owns (and deep-frees) every list returned.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_XFR_IN_COPY_H
#define HZ_XFR_IN_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* Field i of an SOA's rdata as a number (2 serial, 3 refresh, 4 retry,
 * 5 expire); 0 if absent. */
uint32_t xfrin_copy_soa_field(const ldns_rr *soa, size_t i);

/* The records of the master file at path (origin: the zone), SOA first;
 * NULL if it cannot be read or has no SOA. */
ldns_rr_list *xfrin_copy_read(const char *path, const ldns_rdf *origin);

/* The zone's records after the transfer answer ans (all its records, first
 * SOA to last): an AXFR's (or an IXFR answered in full), or cur with an
 * IXFR's differences applied (*incremental set). NULL: the differences do
 * not fit cur (a deletion of a record cur lacks, another starting serial),
 * and the caller falls back to AXFR. */
ldns_rr_list *xfrin_copy_apply(const ldns_rr_list *ans, const ldns_rr_list *cur,
			       bool *incremental);

/* Drop the records outside origin, each with a log line "<what>: ignoring
 * out-of-zone data (NAME)", as BIND does. */
void xfrin_copy_drop_outside(ldns_rr_list *l, const ldns_rdf *origin, const char *what);

/* Write l to path atomically, with head as the first comment line (and
 * the prefix of error log lines); creates the parent directories. 0, or -1
 * (logged; the old file stays). */
int xfrin_copy_write(const char *path, const ldns_rr_list *l, const char *head);

#endif

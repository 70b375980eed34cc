/* dump.h -- a zone as one view serves it, in master-file format.
 *
 * Shared by `horizond --dump-view` (a snapshot built for the purpose) and
 * `horizonctl dump` (the published snapshot, under the writer lock).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DUMP_H
#define HZ_DUMP_H

#include <stdio.h>

#include "snapshot.h"

/* Print zone zone_name of view view_name in snap to out, one record per
 * line: the file (NAT translation applied), file + journal + updates for
 * managed zones, or the PTR records auto-ptr synthesizes. Problems (no such
 * view or zone, unreadable file) go to err, prefixed with what. Returns 0,
 * or 1 on failure. Single writer: the caller holds the writer lock or no
 * control thread runs (zonestore_zone_records). */
int dump_view_zone(const snapshot_t *snap, const char *view_name, const char *zone_name,
		   FILE *out, FILE *err, const char *what);

#endif

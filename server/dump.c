/* dump.c -- a zone as one view serves it (dump.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dump.h"

#include "diag.h"
#include "nat.h"
#include "zonefile.h"
#include "zonestore.h"

int
dump_view_zone(const snapshot_t *snap, const char *view_name, const char *zone_name,
	       FILE *out, FILE *err, const char *what)
{
	int rc = 1;
	diag_t diag = { .out = err };
	zonefile_t *own = NULL;
	const zonefile_t *zf = NULL;
	const view_t *v = snapshot_find_view(snap, view_name);
	size_t i = 0;
	while (v != NULL && i < v->nzones && !conf_name_equal(v->zones[i]->name, zone_name))
		i++;
	if (v == NULL) {
		fprintf(err, "%s: no view named '%s'\n", what, view_name);
	} else if (i == v->nzones) {
		fprintf(err, "%s: view '%s' has no zone '%s'\n", what, view_name, zone_name);
	} else {
		zf = zonestore_served_records(snap, v, i, &own, &diag);   /* what transfers send */
	}
	if (zf != NULL)
		rc = nat_zonefile_print(zf, out) == 0 && fflush(out) == 0 ? 0 : 1;
	else if (v != NULL && i < v->nzones)
		fprintf(err, "%s: view '%s' zone '%s': records not available\n", what, view_name,
			zone_name);
	zonefile_free(&own);
	return rc;
}

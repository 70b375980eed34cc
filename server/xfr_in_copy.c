/* xfr_in_copy.c -- a secondary zone's records: the kept copy read with
 * ldns, an IXFR's differences applied, out-of-zone data dropped, the copy
 * written atomically. The interface is in xfr_in_copy.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "xfr_in_copy.h"
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "log.h"

static char *
xfrin_copy_strdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		abort();
	return d;
}

uint32_t
xfrin_copy_soa_field(const ldns_rr *soa, size_t i)
{
	ldns_rdf *f = ldns_rr_rdf(soa, i);
	return f != NULL ? ldns_rdf2native_int32(f) : 0;
}

ldns_rr_list *
xfrin_copy_read(const char *path, const ldns_rdf *origin)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return NULL;
	ldns_zone *z = NULL;
	int line = 0;
	ldns_status st = ldns_zone_new_frm_fp_l(&z, fp, origin, 3600, LDNS_RR_CLASS_IN, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK || z == NULL || ldns_zone_soa(z) == NULL) {
		ldns_zone_deep_free(z);
		return NULL;
	}
	ldns_rr_list *l = ldns_rr_list_new();
	ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_zone_soa(z)));
	ldns_rr_list *rrs = ldns_zone_rrs(z);
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++)
		ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(rrs, i)));
	ldns_zone_deep_free(z);
	return l;
}

/* Free record i of l; the last record takes its place (order does not
 * matter in a zone's records, and the SOA, first, is never deleted so). */
static void
xfrin_copy_list_delete(ldns_rr_list *l, size_t i)
{
	size_t n = ldns_rr_list_rr_count(l);
	ldns_rr_free(ldns_rr_list_rr(l, i));
	ldns_rr_list_set_rr(l, ldns_rr_list_rr(l, n - 1), i);
	ldns_rr_list_set_rr_count(l, n - 1);
}

/* Remove the record equal to rr (TTL aside) from l; false if absent. */
static bool
xfrin_copy_list_remove(ldns_rr_list *l, const ldns_rr *rr)
{
	size_t n = ldns_rr_list_rr_count(l);
	for (size_t i = 0; i < n; i++) {
		if (ldns_rr_compare(ldns_rr_list_rr(l, i), rr) != 0)
			continue;
		xfrin_copy_list_delete(l, i);
		return true;
	}
	return false;
}

/* The records after the transfer in ans: an AXFR's (trailing SOA off), or
 * the copy cur with an IXFR's differences applied. NULL: the differences
 * do not fit cur (the caller falls back to AXFR). */
ldns_rr_list *
xfrin_copy_apply(const ldns_rr_list *ans, const ldns_rr_list *cur, bool *incremental)
{
	size_t n = ldns_rr_list_rr_count(ans);
	*incremental = n >= 2 && ldns_rr_get_type(ldns_rr_list_rr(ans, 1)) == LDNS_RR_TYPE_SOA;
	ldns_rr_list *l = ldns_rr_list_new();
	if (!*incremental) {
		for (size_t i = 0; i + 1 < n; i++)
			ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(ans, i)));
		return l;
	}
	if (cur == NULL)
		goto fail;
	for (size_t i = 1; i < ldns_rr_list_rr_count(cur); i++)   /* all but the SOA */
		ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(cur, i)));
	/* the from-SOA of the first difference must be ours */
	if (xfrin_copy_soa_field(ldns_rr_list_rr(ans, 1), 2) !=
	    xfrin_copy_soa_field(ldns_rr_list_rr(cur, 0), 2))
		goto fail;
	int phase = 0;   /* 0: deletions, 1: additions */
	for (size_t i = 2; i + 1 < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
			phase = !phase;
			continue;
		}
		if (phase == 0 ? !xfrin_copy_list_remove(l, rr) : !ldns_rr_list_push_rr(l, ldns_rr_clone(rr)))
			goto fail;
	}
	/* the new SOA first */
	ldns_rr_list *out = ldns_rr_list_new();
	ldns_rr_list_push_rr(out, ldns_rr_clone(ldns_rr_list_rr(ans, 0)));
	ldns_rr_list_cat(out, l);
	ldns_rr_list_free(l);
	return out;
fail:
	ldns_rr_list_deep_free(l);
	return NULL;
}

/* Records outside the zone are dropped with a log line, as BIND does
 * ("ignoring out-of-zone data"): never written to the copy. */
void
xfrin_copy_drop_outside(ldns_rr_list *l, const ldns_rdf *origin, const char *what)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l);) {
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(l, i));
		if (ldns_dname_compare(owner, origin) == 0 || ldns_dname_is_subdomain(owner, origin)) {
			i++;
			continue;
		}
		char *text = ldns_rdf2str(owner);
		log_warning("%s: ignoring out-of-zone data (%s)", what, text ? text : "?");
		free(text);
		xfrin_copy_list_delete(l, i);
	}
}

/* mkdir -p for the directory part of path (errors show when the copy is
 * written). */
static void
xfrin_copy_mkdirs(const char *path)
{
	char *d = xfrin_copy_strdup(path);
	char *slash = strrchr(d, '/');
	if (slash != NULL && slash != d) {
		*slash = '\0';
		(void)durable_mkdirs(d, 0755);
	}
	free(d);
}

/* Write the copy: temp file, fsync, rename, fsync of the directory
 * (durable_replace). */
int
xfrin_copy_write(const char *path, const ldns_rr_list *l, const char *head)
{
	xfrin_copy_mkdirs(path);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	if (fp == NULL) {
		log_error("%s: cannot write %s: %s", head, path, strerror(errno));
		return -1;
	}
	fprintf(fp, "; %s\n", head);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		ldns_rr_print(fp, ldns_rr_list_rr(l, i));
	int rc = fclose(fp) == 0 ? durable_replace(path, text, len, 0644) : -1;
	if (rc != 0)
		log_error("%s: cannot write %s: %s", head, path, strerror(errno));
	free(text);
	return rc;
}

/* testlib.c -- see testlib.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "testlib.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "conf.h"
#include "dname.h"
#include "query.h"
#include "snapshot.h"
#include "zone.h"
#include "zonefile.h"
#include "zonestore.h"

int
tl_run_suite(Suite *su)
{
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void
tl_write_file(const char *path, const void *data, size_t len, const char *mode)
{
	FILE *f = fopen(path, mode);
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void
tl_put_file(const char *path, const char *text)
{
	tl_write_file(path, text, strlen(text), "w");
}

char *
tl_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

conf_t *
tl_conf(capture_t *cap, const char *text)
{
	capture_start(cap);
	return conf_parse(TL_CONF_PATH, text, strlen(text), &cap->d);
}

void
tl_conf_refused(const char *text, const char *want)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c == NULL, "config accepted, expected '%s':\n%s", want, text);
	ck_assert_has(capture_text(&cap), want);
	capture_end(&cap);
}

zone_t *
tl_zone(const char *origin, const char *text)
{
	diag_t d = { .quiet = 1 };
	zonefile_t *zf = zonefile_parse(origin, "test.zone", text, strlen(text), &d);
	ck_assert_msg(zf != NULL, "zone text does not parse (%u errors)", d.errors);
	zone_t *z = zone_build(zf, &d);
	zonefile_free(&zf);
	ck_assert_ptr_nonnull(z);
	return z;
}

size_t
tl_name_wire(const char *name, uint8_t *out)
{
	ldns_rdf *r = ldns_dname_new_frm_str(name);
	ck_assert_msg(r != NULL, "not a name: %s", name);
	size_t n = ldns_rdf_size(r);
	ck_assert_uint_le(n, DNAME_MAXLEN);
	memcpy(out, ldns_rdf_data(r), n);
	ldns_rdf_deep_free(r);
	dname_to_lower(out, out);
	return n;
}

const node_t *
tl_find(const zone_t *z, const char *name)
{
	uint8_t w[DNAME_MAXLEN];
	size_t n = tl_name_wire(name, w);
	return zone_find(z, w, (uint8_t)n, dname_hash(w));
}

struct sockaddr_in
tl_addr(const char *ip)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };
	ck_assert_msg(inet_pton(AF_INET, ip, &sin.sin_addr) == 1, "not an IPv4 address: %s", ip);
	return sin;
}

uint8_t *
tl_wire(const ldns_pkt *p, size_t *len)
{
	uint8_t *wire = NULL;
	*len = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	return wire;
}

ldns_pkt *
tl_ask(const struct snapshot *snap, ldns_pkt *q, const char *ip, bool tcp)
{
	size_t wlen;
	uint8_t *wire = tl_wire(q, &wlen);
	ldns_pkt_free(q);
	struct sockaddr_in sin = tl_addr(ip);
	query_src_t from = { .src = (struct sockaddr *)&sin, .tcp = tcp };
	static uint8_t out[QUERY_MAX_ANSWER];
	size_t n = query_answer(snap, wire, wlen, out, sizeof(out), &from);
	free(wire);
	ldns_pkt *a = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&a, out, n), LDNS_STATUS_OK);
	return a;
}

size_t
tl_update(struct snapshot **snap, ldns_pkt *p, const char *ip, uint8_t *out, size_t outmax,
	  bool *swapped)
{
	size_t wlen;
	uint8_t *wire = tl_wire(p, &wlen);
	ldns_pkt_free(p);
	size_t n = tl_update_wire(snap, wire, wlen, ip, out, outmax, swapped);
	free(wire);
	return n;
}

size_t
tl_update_wire(struct snapshot **snap, const uint8_t *wire, size_t wlen, const char *ip,
	       uint8_t *out, size_t outmax, bool *swapped)
{
	struct sockaddr_in sin = tl_addr(ip);
	query_src_t from = { .src = (struct sockaddr *)&sin };
	snapshot_t *next = NULL;
	size_t n = zonestore_update(*snap, wire, wlen, &from, out, outmax, &next);
	if (swapped != NULL)
		*swapped = next != NULL;
	if (next != NULL) {
		snapshot_t *old = *snap;
		*snap = next;
		snapshot_conf_handed_on(old);   /* next shares it */
		snapshot_free(&old);
	}
	return n;
}

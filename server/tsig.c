/* tsig.c -- TSIG checks and signatures for dynamic updates (see tsig.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "tsig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name, *dname;
} tsig_algs[] = {
	{ "hmac-md5", "hmac-md5.sig-alg.reg.int." },
	{ "hmac-sha1", "hmac-sha1." },
	{ "hmac-sha224", "hmac-sha224." },
	{ "hmac-sha256", "hmac-sha256." },
	{ "hmac-sha384", "hmac-sha384." },
	{ "hmac-sha512", "hmac-sha512." },
};

uint16_t
tsig_error_code(tsig_result_t r)
{
	switch (r) {
	case TSIG_BADSIG:
		return 16;
	case TSIG_BADKEY:
		return 17;
	case TSIG_BADTIME:
		return 18;
	default:
		return 0;
	}
}

const char *
tsig_result_str(tsig_result_t r)
{
	switch (r) {
	case TSIG_UNSIGNED:
		return "unsigned";
	case TSIG_OK:
		return "signature ok";
	case TSIG_BADSIG:
		return "BADSIG (wrong signature)";
	case TSIG_BADKEY:
		return "BADKEY (unknown key or algorithm)";
	case TSIG_BADTIME:
		return "BADTIME (clock skew beyond fudge)";
	}
	return "?";
}

const char *
tsig_algorithm_dname(const char *algorithm)
{
	for (size_t i = 0; i < sizeof(tsig_algs) / sizeof(*tsig_algs); i++)
		if (strcasecmp(algorithm, tsig_algs[i].name) == 0)
			return tsig_algs[i].dname;
	return NULL;
}

/* Text of a name rdf, lower case, for comparisons; malloc'ed. */
static char *
tsig_name_lower(const ldns_rdf *rdf)
{
	char *s = ldns_rdf2str(rdf);
	if (s == NULL)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static bool
tsig_key_name_equal(const char *conf_name, const char *wire_text)
{
	size_t a = strlen(conf_name), b = strlen(wire_text);
	if (a > 1 && conf_name[a - 1] == '.')
		a--;
	if (b > 1 && wire_text[b - 1] == '.')
		b--;
	return a == b && strncasecmp(conf_name, wire_text, a) == 0;
}

static uint64_t
tsig_time_signed(const ldns_rdf *rdf)
{
	if (rdf == NULL || ldns_rdf_size(rdf) != 6)
		return 0;
	const uint8_t *p = ldns_rdf_data(rdf);
	uint64_t t = 0;
	for (int i = 0; i < 6; i++)
		t = t << 8 | p[i];
	return t;
}

/* The MAC covers the message with the TSIG's Original ID in the header
 * (RFC 8945 4.3.1): a client may sign with an ID other than the one it
 * sends (Kea's DHCP-DDNS does). ldns checks the bytes it is given, so it
 * gets a copy with the Original ID put back. */
static bool
tsig_mac_ok(ldns_pkt *pkt, const ldns_rr *t, const uint8_t *wire, size_t len, const char *kname,
	    const char *secret)
{
	const ldns_rdf *orig = ldns_rr_rdf(t, 4);
	if (len < 12 || orig == NULL || ldns_rdf_size(orig) != 2)
		return false;
	const uint8_t *id = ldns_rdf_data(orig);
	if (id[0] == wire[0] && id[1] == wire[1])
		return ldns_pkt_tsig_verify(pkt, wire, len, kname, secret, NULL);
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return false;
	memcpy(copy, wire, len);
	copy[0] = id[0];
	copy[1] = id[1];
	bool ok = ldns_pkt_tsig_verify(pkt, copy, len, kname, secret, NULL);
	free(copy);
	return ok;
}

tsig_result_t
tsig_verify(ldns_pkt *pkt, const uint8_t *wire, size_t len, const conf_t *conf,
	    const conf_key_t **key, time_t now)
{
	*key = NULL;
	ldns_rr *t = ldns_pkt_tsig(pkt);
	if (t == NULL)
		return TSIG_UNSIGNED;
	if (ldns_rr_rd_count(t) < 7)
		return TSIG_BADSIG;
	char *kname = tsig_name_lower(ldns_rr_owner(t));
	char *alg = tsig_name_lower(ldns_rr_rdf(t, 0));
	tsig_result_t res = TSIG_BADKEY;
	const conf_key_t *k = NULL;
	for (size_t i = 0; kname != NULL && i < conf->nkeys; i++)
		if (tsig_key_name_equal(conf->keys[i].name, kname))
			k = &conf->keys[i];
	const char *want = k ? tsig_algorithm_dname(k->algorithm) : NULL;
	if (k != NULL && alg != NULL && want != NULL && strcmp(alg, want) == 0) {
		*key = k;
		if (!tsig_mac_ok(pkt, t, wire, len, kname, k->secret)) {
			res = TSIG_BADSIG;
		} else {
			uint64_t signed_at = tsig_time_signed(ldns_rr_rdf(t, 1));
			uint64_t fudge = ldns_rdf_size(ldns_rr_rdf(t, 2)) == 2
						 ? ldns_rdf2native_int16(ldns_rr_rdf(t, 2)) : 0;
			uint64_t n = (uint64_t)now;
			uint64_t skew = n > signed_at ? n - signed_at : signed_at - n;
			res = skew > fudge ? TSIG_BADTIME : TSIG_OK;
		}
	} else if (k != NULL) {
		*key = k;   /* known name, other algorithm: BADKEY, but name it in logs */
	}
	free(kname);
	free(alg);
	return res;
}

int
tsig_sign(ldns_pkt *resp, const conf_key_t *key, const ldns_rr *request_tsig)
{
	const char *alg = tsig_algorithm_dname(key->algorithm);
	if (alg == NULL || request_tsig == NULL || ldns_rr_rd_count(request_tsig) < 4)
		return -1;
	ldns_status st = ldns_pkt_tsig_sign(resp, key->name, key->secret, 300, alg,
					    ldns_rr_rdf(request_tsig, 3));
	return st == LDNS_STATUS_OK ? 0 : -1;
}

void
tsig_set_error(ldns_pkt *resp, const ldns_rr *req, uint16_t err, time_t now)
{
	if (req == NULL || ldns_rr_rd_count(req) < 7)
		return;
	ldns_rr *t = ldns_rr_new_frm_type(LDNS_RR_TYPE_TSIG);
	if (t == NULL)
		return;
	/* ldns_rr_new_frm_type made empty rdf slots; replace them all */
	while (ldns_rr_rd_count(t) > 0)
		ldns_rdf_deep_free(ldns_rr_pop_rdf(t));
	ldns_rr_set_owner(t, ldns_rdf_clone(ldns_rr_owner(req)));
	ldns_rr_set_class(t, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(t, 0);
	uint8_t zero2[2] = { 0, 0 };
	uint8_t e[2] = { (uint8_t)(err >> 8), (uint8_t)err };
	uint8_t other[8] = { 0, 6 };
	for (int i = 0; i < 6; i++)
		other[2 + i] = (uint8_t)((uint64_t)now >> (8 * (5 - i)));
	ldns_rr_push_rdf(t, ldns_rdf_clone(ldns_rr_rdf(req, 0)));   /* algorithm */
	ldns_rr_push_rdf(t, ldns_rdf_clone(ldns_rr_rdf(req, 1)));   /* time signed */
	ldns_rr_push_rdf(t, ldns_rdf_clone(ldns_rr_rdf(req, 2)));   /* fudge */
	ldns_rr_push_rdf(t, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, zero2)); /* no MAC */
	ldns_rr_push_rdf(t, ldns_rdf_clone(ldns_rr_rdf(req, 4)));   /* original id */
	ldns_rr_push_rdf(t, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16, 2, e));
	if (err == 18)
		ldns_rr_push_rdf(t, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 8, other));
	else
		ldns_rr_push_rdf(t, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, zero2));
	ldns_rr_free(ldns_pkt_tsig(resp));
	ldns_pkt_set_tsig(resp, t);
}

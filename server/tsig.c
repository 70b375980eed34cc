/* tsig.c -- TSIG checks of requests and signatures of replies (see tsig.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "tsig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

static const struct {
	const char *name, *dname, *digest;
} tsig_algs[] = {
	{ "hmac-md5", "hmac-md5.sig-alg.reg.int.", "MD5" },
	{ "hmac-sha1", "hmac-sha1.", "SHA1" },
	{ "hmac-sha224", "hmac-sha224.", "SHA224" },
	{ "hmac-sha256", "hmac-sha256.", "SHA256" },
	{ "hmac-sha384", "hmac-sha384.", "SHA384" },
	{ "hmac-sha512", "hmac-sha512.", "SHA512" },
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
			if (fudge > TSIG_FUDGE_MAX)
				fudge = TSIG_FUDGE_MAX;   /* a request cannot widen our window */
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

static const char *
tsig_algorithm_digest(const char *algorithm)
{
	for (size_t i = 0; i < sizeof(tsig_algs) / sizeof(*tsig_algs); i++)
		if (strcasecmp(algorithm, tsig_algs[i].name) == 0)
			return tsig_algs[i].digest;
	return NULL;
}

/* Wire form of a name rdf in lower case into out (255 bytes). */
static bool
tsig_copy_name(const ldns_rdf *rdf, uint8_t *out, uint8_t *len)
{
	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME || ldns_rdf_size(rdf) > 255)
		return false;
	const uint8_t *p = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf);
	for (size_t i = 0; i < n; i++)   /* label length bytes are < 64: never A..Z */
		out[i] = (uint8_t)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
	*len = (uint8_t)n;
	return true;
}

/* The key's secret, decoded; a secret longer than the buffer is longer than
 * any digest's block size, so HMAC would use its hash: store that. */
static bool
tsig_reply_secret(tsig_reply_t *r, const char *b64)
{
	ldns_rdf *rdf = NULL;
	if (ldns_str2rdf_b64(&rdf, b64) != LDNS_STATUS_OK || rdf == NULL)
		return false;
	const uint8_t *k = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf);
	bool ok = true;
	if (n <= sizeof(r->secret)) {
		memcpy(r->secret, k, n);
		r->secret_len = (uint16_t)n;
	} else {
		unsigned int hl = 0;
		ok = EVP_Digest(k, n, r->secret, &hl, EVP_get_digestbyname(r->digest), NULL) == 1;
		r->secret_len = (uint16_t)hl;
	}
	ldns_rdf_deep_free(rdf);
	return ok;
}

bool
tsig_reply_init(tsig_reply_t *r, const ldns_rr *t, const conf_key_t *key, tsig_result_t tr,
		time_t now)
{
	memset(r, 0, sizeof(*r));
	if (tr == TSIG_UNSIGNED || t == NULL || ldns_rr_rd_count(t) < 7)
		return false;
	if (!tsig_copy_name(ldns_rr_owner(t), r->name, &r->name_len) ||
	    !tsig_copy_name(ldns_rr_rdf(t, 0), r->alg, &r->alg_len))
		return false;
	r->error = tsig_error_code(tr);
	r->now = (uint64_t)now;
	const ldns_rdf *ts = ldns_rr_rdf(t, 1);
	if (ldns_rdf_size(ts) == 6)
		for (int i = 0; i < 6; i++)
			r->req_time = r->req_time << 8 | ldns_rdf_data(ts)[i];
	/* RFC 8945 5.3.2: errors of the key or the MAC go back unsigned */
	r->sign = tr == TSIG_OK || tr == TSIG_BADTIME;
	if (!r->sign)
		return true;
	r->digest = key != NULL ? tsig_algorithm_digest(key->algorithm) : NULL;
	const EVP_MD *md = r->digest != NULL ? EVP_get_digestbyname(r->digest) : NULL;
	if (md == NULL || EVP_MD_get_size(md) > TSIG_MAC_MAX)
		return false;
	r->mac_size = (uint8_t)EVP_MD_get_size(md);
	const ldns_rdf *mac = ldns_rr_rdf(t, 3);   /* INT16_DATA: length, then the MAC */
	size_t ml = ldns_rdf_size(mac) >= 2 ? ldns_rdf_size(mac) - 2 : 0;
	if (ml > sizeof(r->req_mac))
		return false;
	memcpy(r->req_mac, ldns_rdf_data(mac) + 2, ml);
	r->req_mac_len = (uint16_t)ml;
	return tsig_reply_secret(r, key->secret);
}

size_t
tsig_reply_size(const tsig_reply_t *r)
{
	/* owner, type class TTL rdlength, algorithm, time fudge, MAC size,
	 * MAC, original ID, error, other length, other (BADTIME: our time) */
	return (size_t)r->name_len + 10 + r->alg_len + 8 + 2 + (r->sign ? r->mac_size : 0) + 6 +
	       (r->error == 18 ? 6 : 0);
}

static uint8_t *
tsig_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
tsig_put48(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (8 * (5 - i)));
	return p + 6;
}

/* HMAC over the concatenation of parts (OpenSSL 3 EVP_MAC). */
static bool
tsig_hmac(const tsig_reply_t *r, const uint8_t *const *part, const size_t *plen, int nparts,
	  uint8_t *mac)
{
	EVP_MAC *alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	EVP_MAC_CTX *ctx = alg != NULL ? EVP_MAC_CTX_new(alg) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)r->digest, 0),
		OSSL_PARAM_construct_end(),
	};
	bool ok = ctx != NULL && EVP_MAC_init(ctx, r->secret, r->secret_len, params) == 1;
	for (int i = 0; ok && i < nparts; i++)
		ok = EVP_MAC_update(ctx, part[i], plen[i]) == 1;
	size_t n = 0;
	ok = ok && EVP_MAC_final(ctx, mac, &n, TSIG_MAC_MAX) == 1 && n == r->mac_size;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
	return ok;
}

/* Append r's TSIG record. timers_only: a later message of a multi-message
 * answer (RFC 8945 5.3.1), whose MAC covers the previous MAC (r->req_mac),
 * the message and the timers alone. The MAC goes to mac_out too (NULL: not
 * wanted). */
static size_t
tsig_reply_write(const tsig_reply_t *r, bool timers_only, uint8_t *msg, size_t len, size_t cap,
		 uint8_t *mac_out)
{
	size_t need = tsig_reply_size(r);
	if (len < 12 || need > cap || len > cap - need)
		return 0;
	uint16_t arcount = (uint16_t)(msg[10] << 8 | msg[11]);
	if (arcount == 0xFFFF)
		return 0;
	/* BADTIME: the request's time signed, so the client can check our MAC,
	 * and our clock in Other Data (RFC 8945 5.2.3, as BIND does) */
	uint64_t signed_at = r->error == 18 ? r->req_time : r->now;
	uint8_t other[6];
	size_t olen = r->error == 18 ? 6 : 0;
	tsig_put48(other, r->now);
	uint8_t mac[TSIG_MAC_MAX];
	if (r->sign) {
		/* RFC 8945 4.3.3: TSIG variables = name, class, TTL, algorithm,
		 * time signed, fudge, error, other len, other data */
		uint8_t var[255 + 6 + 255 + 8 + 4 + 6], *v = var;
		if (timers_only) {
			v = tsig_put48(v, signed_at);
			v = tsig_put16(v, TSIG_FUDGE_MAX);
		} else {
			memcpy(v, r->name, r->name_len);
			v += r->name_len;
			v = tsig_put16(v, LDNS_RR_CLASS_ANY);
			memset(v, 0, 4);   /* TTL */
			v += 4;
			memcpy(v, r->alg, r->alg_len);
			v += r->alg_len;
			v = tsig_put48(v, signed_at);
			v = tsig_put16(v, TSIG_FUDGE_MAX);
			v = tsig_put16(v, r->error);
			v = tsig_put16(v, (uint16_t)olen);
			memcpy(v, other, olen);
			v += olen;
		}
		uint8_t reqlen[2];
		tsig_put16(reqlen, r->req_mac_len);
		/* the request's MAC with its length first; none at all if there is
		 * none (a request, as the unit tests sign them) */
		const uint8_t *part[] = { reqlen, r->req_mac, msg, var };
		size_t plen[] = { r->req_mac_len ? 2 : 0, r->req_mac_len, len, (size_t)(v - var) };
		if (!tsig_hmac(r, part, plen, 4, mac))
			return 0;
		if (mac_out != NULL)
			memcpy(mac_out, mac, r->mac_size);
	}
	uint8_t *p = msg + len;
	memcpy(p, r->name, r->name_len);
	p += r->name_len;
	p = tsig_put16(p, LDNS_RR_TYPE_TSIG);
	p = tsig_put16(p, LDNS_RR_CLASS_ANY);
	memset(p, 0, 4);
	p += 4;
	p = tsig_put16(p, (uint16_t)(need - r->name_len - 10));
	memcpy(p, r->alg, r->alg_len);
	p += r->alg_len;
	p = tsig_put48(p, signed_at);
	p = tsig_put16(p, TSIG_FUDGE_MAX);
	size_t ml = r->sign ? r->mac_size : 0;
	p = tsig_put16(p, (uint16_t)ml);
	memcpy(p, mac, ml);
	p += ml;
	p[0] = msg[0];   /* original ID: the reply's own */
	p[1] = msg[1];
	p = tsig_put16(p + 2, r->error);
	p = tsig_put16(p, (uint16_t)olen);
	memcpy(p, other, olen);
	tsig_put16(msg + 10, (uint16_t)(arcount + 1));
	return len + need;
}

size_t
tsig_reply_append(const tsig_reply_t *r, uint8_t *msg, size_t len, size_t cap)
{
	return tsig_reply_write(r, false, msg, len, cap, NULL);
}

size_t
tsig_reply_append_next(tsig_reply_t *r, bool first, uint8_t *msg, size_t len, size_t cap)
{
	uint8_t mac[TSIG_MAC_MAX];
	size_t n = tsig_reply_write(r, !first, msg, len, cap, mac);
	if (n != 0 && r->sign) {
		memcpy(r->req_mac, mac, r->mac_size);   /* the next message covers this MAC */
		r->req_mac_len = r->mac_size;
	}
	return n;
}

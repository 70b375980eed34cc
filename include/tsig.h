/* tsig.h -- TSIG (RFC 8945) for updates and queries, on top of ldns and
 * OpenSSL.
 *
 * ldns checks the MAC of a request; this module picks the configured key by
 * the TSIG record's owner name, insists that the record's algorithm is the
 * key's (ldns would take whatever the packet names), puts the Original ID
 * back before the check (RFC 8945 4.3.1; ldns does not), and checks the
 * time signed against the fudge, clamped to TSIG_FUDGE_MAX (ldns does not).
 *
 * Replies are signed here, on the wire (OpenSSL HMAC), not with ldns:
 * ldns signs only a parsed packet with error 0, but a reply is built as
 * wire by the query path, must keep its size for the UDP limit, and a
 * BADTIME reply is signed with the server's time in Other Data
 * (RFC 8945 5.2.3). Everything a reply needs is copied into a tsig_reply_t,
 * so a forwarded query's answer can be signed after a reload.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TSIG_H
#define HZ_TSIG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "conf.h"

/* Largest accepted clock skew, whatever fudge a request claims (BIND: 300 s). */
#define TSIG_FUDGE_MAX 300

typedef enum tsig_result {
	TSIG_UNSIGNED = 0,   /* no TSIG record */
	TSIG_OK,
	TSIG_BADSIG,         /* wrong MAC */
	TSIG_BADKEY,         /* unknown key name, or another algorithm */
	TSIG_BADTIME,        /* time signed outside the fudge */
} tsig_result_t;

/* The TSIG error code (16, 17, 18) for a result; 0 for the others. */
uint16_t tsig_error_code(tsig_result_t r);
const char *tsig_result_str(tsig_result_t r);

/* The DNS name of an algorithm: "hmac-sha256" -> "hmac-sha256.",
 * "hmac-md5" -> "hmac-md5.sig-alg.reg.int."; NULL if unknown. */
const char *tsig_algorithm_dname(const char *algorithm);

/* Check the TSIG of a request parsed by ldns from wire[0..len). *key is the
 * configured key the record names (NULL if none). */
tsig_result_t tsig_verify(ldns_pkt *pkt, const uint8_t *wire, size_t len,
			  const conf_t *conf, const conf_key_t **key, time_t now);

#define TSIG_SECRET_MAX 256   /* longer secrets are hashed first, as HMAC does */
#define TSIG_MAC_MAX 64

/* The TSIG record of a reply to a signed request (RFC 8945 5.3): signed
 * (OK, BADTIME) or an unsigned error record (BADSIG, BADKEY). Plain data:
 * copy it freely. */
typedef struct tsig_reply {
	uint16_t error;                     /* 0, 16 BADSIG, 17 BADKEY, 18 BADTIME */
	bool sign;
	uint8_t name[255], name_len;        /* key name, wire, lower case */
	uint8_t alg[255], alg_len;          /* algorithm name, wire, lower case */
	const char *digest;                 /* OpenSSL digest name; sign only */
	uint8_t mac_size;
	uint8_t secret[TSIG_SECRET_MAX];
	uint16_t secret_len;
	uint8_t req_mac[TSIG_MAC_MAX];      /* the request's MAC, which the reply's covers */
	uint16_t req_mac_len;
	uint64_t req_time;                  /* the request's time signed */
	uint64_t now;
} tsig_reply_t;

/* Fill r for a reply to a request whose TSIG record is t, judged tr by
 * tsig_verify() with key. Returns false if t is unusable or tr is
 * TSIG_UNSIGNED (no TSIG in the reply then). */
bool tsig_reply_init(tsig_reply_t *r, const ldns_rr *t, const conf_key_t *key, tsig_result_t tr,
		     time_t now);

/* Bytes the TSIG record of r takes. */
size_t tsig_reply_size(const tsig_reply_t *r);

/* Append r's TSIG record to the reply msg[0..len) (cap bytes of room) and
 * count it in ARCOUNT. The MAC covers the message as it was (RFC 8945 4.3).
 * Returns the new length; 0 if it does not fit or the MAC failed. */
size_t tsig_reply_append(const tsig_reply_t *r, uint8_t *msg, size_t len, size_t cap);

/* The same for one message of a multi-message answer (a zone transfer,
 * RFC 8945 5.3.1): the first is signed as tsig_reply_append() signs; each
 * later one (first false) covers the previous message's MAC, the message
 * and the timers only. r remembers this message's MAC for the next.
 * Every message is signed (allowed, and what BIND does). */
size_t tsig_reply_append_next(tsig_reply_t *r, bool first, uint8_t *msg, size_t len, size_t cap);

#endif

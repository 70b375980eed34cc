/* tsig.h -- TSIG (RFC 8945) for dynamic updates, on top of ldns.
 *
 * ldns computes and checks the MAC; this module picks the configured key by
 * the TSIG record's owner name, insists that the record's algorithm is the
 * key's (ldns would take whatever the packet names), checks the time signed
 * against the fudge (ldns does not), and builds the error record of a
 * refused request.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TSIG_H
#define HZ_TSIG_H

#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "conf.h"

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

/* Sign a response to a request that carried request_tsig, with key.
 * Returns 0 or -1. */
int tsig_sign(ldns_pkt *resp, const conf_key_t *key, const ldns_rr *request_tsig);

/* Put an unsigned TSIG record with error code err into resp (BADKEY,
 * BADSIG: RFC 8945 5.3.2; BADTIME carries our time in other data). */
void tsig_set_error(ldns_pkt *resp, const ldns_rr *request_tsig, uint16_t err, time_t now);

#endif

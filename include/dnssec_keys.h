/* dnssec_keys.h -- the signing keys of a zone, kept under server.state-dir.
 *
 * DESIGN. Keys belong to a zone NAME, not to a view: every view that signs
 * "example.com" signs with the same keys, so validating resolvers on the LAN
 * and outside check both against the one DS in the parent. A key is two
 * files in "<state-dir>/keys/", both written atomically (temporary file,
 * fsync, rename) with mode 0600:
 *   K<zone>+<alg>+<tag>.pem  the private key (PKCS#8 PEM, OpenSSL)
 *   K<zone>+<alg>+<tag>.key  its DNSKEY record, after one comment line with
 *                            our timing metadata:
 *     ; horizond-key role=csk|ksk|zsk created=T activate=T retire=T remove=T
 *   (Unix times, 0 = not set). The .key file is written last: a key
 *   without it (a crash in between) is ignored and made again.
 * Keys are made on first use (ldns_key_new_frm_algorithm), under an
 * exclusive flock on "<state-dir>/keys/.K<zone>.lock" held from reading the
 * directory to the last file written: processes (two servers, --check beside
 * a server) and threads that start on one state-dir at once agree on one
 * key set. ZSKs roll by
 * pre-publication (RFC 7583 section 3.2.1): dnssec_keys_get() publishes a
 * successor ZSK a day before the active one's lifetime ends, switches the
 * signing to it at the end, and drops the old DNSKEY a day after that (the
 * zone is signed whole, so only caches still hold its signatures). A CSK
 * and a KSK are not rolled automatically: that needs a new DS in the parent.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DNSSEC_KEYS_H
#define HZ_DNSSEC_KEYS_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "diag.h"

#define DNSSEC_KEYS_PREPUBLISH 86400   /* a successor ZSK's DNSKEY before it signs */
#define DNSSEC_KEYS_POSTPUBLISH 86400  /* a retired ZSK's DNSKEY after it stopped */
#define DNSSEC_KEYS_DNSKEY_TTL 3600

typedef struct dnssec_keyset {
	ldns_key_list *signing;  /* keys that sign now (owned) */
	ldns_rr_list *dnskeys;   /* DNSKEY of every published key (owned) */
	ldns_rr_list *sep;       /* DNSKEY of the keys the parent's DS points to (owned) */
	time_t next_event;       /* the next key event (roll step), 0: none */
	unsigned created;        /* keys made by this call (tests, logs) */
} dnssec_keyset_t;

/* The keys of zone origin (text, "example.com.") as cz asks for them
 * (algorithm, csk or ksk-zsk, ZSK lifetime), at time now: read from
 * cz->state_dir/keys, made where missing, rolled. Returns 0, or -1 with the
 * error reported through d (FILE:LINE of cz). Free with dnssec_keys_free. */
int dnssec_keys_get(const conf_zone_t *cz, const char *origin, time_t now, dnssec_keyset_t *out,
		    diag_t *d);

/* Accepts a zeroed set. */
void dnssec_keys_free(dnssec_keyset_t *ks);

/* "<dir>/keys", malloc'ed. */
char *dnssec_keys_dir(const char *state_dir);

#endif

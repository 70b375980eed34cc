/* dnssec_sign.c -- online signing of a zone's final records with ldns. The
 * design is in dnssec_sign.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dnssec_sign.h"

#include <ldns/ldns.h>
#include <openssl/rand.h>
#include <string.h>

#include "arena.h"
#include "dnssec_keys.h"
#include "journal.h"   /* journal_rr_to_ldns, journal_rr_from_ldns */

static bool
dnssec_sign_is_ours(uint16_t type)
{
	switch (type) {
	case LDNS_RR_TYPE_DNSKEY:
	case LDNS_RR_TYPE_RRSIG:
	case LDNS_RR_TYPE_NSEC:
	case LDNS_RR_TYPE_NSEC3:
	case LDNS_RR_TYPE_NSEC3PARAM:
	case LDNS_RR_TYPE_CDS:
	case LDNS_RR_TYPE_CDNSKEY:
		return true;
	default:
		return false;
	}
}

bool
dnssec_sign_check(const zonefile_t *zf, diag_t *d)
{
	bool ok = true;
	uint16_t seen[8];
	size_t nseen = 0;
	for (size_t i = 0; i < zf->count; i++) {
		const zrr_t *rr = &zf->rrs[i];
		if (!dnssec_sign_is_ours(rr->type))
			continue;
		ok = false;
		bool again = false;
		for (size_t k = 0; k < nseen; k++)
			again |= seen[k] == rr->type;
		if (again)
			continue;
		seen[nseen++] = rr->type;
		char *t = ldns_rr_type2str((ldns_rr_type)rr->type);
		diag_error(d, rr->file ? rr->file : zf->path, rr->line, "zone %s has dnssec-signing: "
			   "true but its file holds %s records: horizond makes the keys, signatures "
			   "and denial records itself (remove them, or serve the file as a zone "
			   "signed offline)", zf->origin_text, t ? t : "DNSSEC");
		free(t);
	}
	return ok;
}

bool
dnssec_sign_same(const conf_zone_t *a, const conf_zone_t *b)
{
	if (a->dnssec_signing != b->dnssec_signing)
		return false;
	return !a->dnssec_signing ||
	       (a->dnssec_algorithm == b->dnssec_algorithm && a->dnssec_ksk_zsk == b->dnssec_ksk_zsk &&
		a->dnssec_nsec3 == b->dnssec_nsec3 && a->dnssec_validity == b->dnssec_validity &&
		a->dnssec_zsk_lifetime == b->dnssec_zsk_lifetime &&
		strcmp(a->state_dir ? a->state_dir : "", b->state_dir ? b->state_dir : "") == 0);
}

/* Add rr to the zone and to the list of records we add (both take it: the
 * zone owns it, the list only points). */
static bool
dnssec_sign_add(ldns_dnssec_zone *z, ldns_rr_list *added, ldns_rr *rr)
{
	if (rr == NULL || ldns_dnssec_zone_add_rr(z, rr) != LDNS_STATUS_OK) {
		ldns_rr_free(rr);
		return false;
	}
	ldns_rr_list_push_rr(added, rr);
	return true;
}

/* DNSKEY of every published key; CDS (SHA-256) and CDNSKEY of the keys the
 * parent's DS points to (RFC 7344/8078), so that the parent can pick it up. */
static bool
dnssec_sign_add_keys(ldns_dnssec_zone *z, ldns_rr_list *added, const dnssec_keyset_t *ks)
{
	bool ok = true;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ks->dnskeys); i++)
		ok &= dnssec_sign_add(z, added, ldns_rr_clone(ldns_rr_list_rr(ks->dnskeys, i)));
	for (size_t i = 0; i < ldns_rr_list_rr_count(ks->sep); i++) {
		const ldns_rr *key = ldns_rr_list_rr(ks->sep, i);
		ldns_rr *cds = ldns_key_rr2ds(key, LDNS_SHA256);
		if (cds != NULL) {
			ldns_rr_set_type(cds, LDNS_RR_TYPE_CDS);
			ldns_rr_set_ttl(cds, ldns_rr_ttl(key));
		}
		ok &= dnssec_sign_add(z, added, cds);
		ldns_rr *cdnskey = ldns_rr_clone(key);
		ldns_rr_set_type(cdnskey, LDNS_RR_TYPE_CDNSKEY);
		ok &= dnssec_sign_add(z, added, cdnskey);
	}
	return ok;
}

zonefile_t *
dnssec_sign_zonefile(const conf_zone_t *cz, const zonefile_t *zf, time_t now, time_t *refresh_at,
		     diag_t *d)
{
	if (!dnssec_sign_check(zf, d))
		return NULL;
	dnssec_keyset_t ks;
	if (dnssec_keys_get(cz, zf->origin_text, now, &ks, d) != 0)
		return NULL;
	ldns_dnssec_zone *z = ldns_dnssec_zone_new();
	ldns_rr_list *added = ldns_rr_list_new();
	bool ok = true;
	for (size_t i = 0; i < zf->count && ok; i++) {
		ldns_rr *rr = journal_rr_to_ldns(&zf->rrs[i]);
		ok = rr != NULL && ldns_dnssec_zone_add_rr(z, rr) == LDNS_STATUS_OK;
		if (!ok) {
			ldns_rr_free(rr);
			diag_error(d, zf->rrs[i].file ? zf->rrs[i].file : zf->path, zf->rrs[i].line,
				   "zone %s: record cannot be signed (ldns does not read it)",
				   zf->origin_text);
		}
	}
	ok = ok && dnssec_sign_add_keys(z, added, &ks);
	/* the signature validity, with a jitter of up to a tenth of it */
	uint32_t jitter = 0;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = (uint32_t)now;
	uint32_t validity = cz->dnssec_validity - jitter % (cz->dnssec_validity / 10 + 1);
	uint32_t inception = (uint32_t)(now - DNSSEC_SIGN_INCEPTION_SKEW);
	uint32_t expiration = (uint32_t)now + validity;
	for (size_t i = 0; i < ldns_key_list_key_count(ks.signing); i++) {
		ldns_key *k = ldns_key_list_key(ks.signing, i);
		ldns_key_set_inception(k, inception);
		ldns_key_set_expiration(k, expiration);
	}
	ldns_status st = LDNS_STATUS_OK;
	if (ok) {
		ldns_dnssec_zone_mark_glue(z);
		/* only the records ldns makes are listed: ours are in added already */
		ldns_rr_list *made = ldns_rr_list_new();
		if (cz->dnssec_nsec3)
			st = ldns_dnssec_zone_sign_nsec3(z, made, ks.signing,
							 ldns_dnssec_default_replace_signatures, NULL,
							 LDNS_SHA1, 0, 0, 0, NULL);
		else
			st = ldns_dnssec_zone_sign(z, made, ks.signing,
						   ldns_dnssec_default_replace_signatures, NULL);
		ldns_rr_list_push_rr_list(added, made);
		ldns_rr_list_free(made);
		if (st != LDNS_STATUS_OK) {
			diag_error(d, zf->path, 0, "zone %s: signing failed: %s", zf->origin_text,
				   ldns_get_errorstr_by_id(st));
			ok = false;
		}
	}
	zonefile_t *out = NULL;
	if (ok) {
		arena_t *a = arena_new(0);
		out = arena_zalloc(a, sizeof(*out));
		*out = *zf;
		out->arena = a;
		size_t nadd = ldns_rr_list_rr_count(added);
		out->count = zf->count + nadd;
		out->rrs = arena_alloc(a, out->count * sizeof(*out->rrs));
		memcpy(out->rrs, zf->rrs, zf->count * sizeof(*zf->rrs));
		size_t n = zf->count;
		for (size_t i = 0; i < nadd; i++)   /* made by ldns: they always fit */
			n += journal_rr_from_ldns(ldns_rr_list_rr(added, i), a, &out->rrs[n]);
		out->count = n;
		out->soa = zf->soa ? &out->rrs[zf->soa - zf->rrs] : NULL;
		time_t refresh = (time_t)expiration - (time_t)(cz->dnssec_validity / 2);
		if (ks.next_event != 0 && ks.next_event < refresh)
			refresh = ks.next_event;
		*refresh_at = refresh;
	}
	ldns_rr_list_free(added);
	ldns_dnssec_zone_deep_free(z);
	dnssec_keys_free(&ks);
	return out;
}

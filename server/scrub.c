/* scrub.c -- keep only the records of the question's chain (see scrub.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "scrub.h"

#include <stdbool.h>
#include <stdlib.h>

#include <ldns/ldns.h>

#define SCRUB_MAX_CHAIN 16   /* names followed through CNAMEs */

typedef struct scrub_chain {
	ldns_rdf *name[SCRUB_MAX_CHAIN];
	size_t n;
} scrub_chain_t;

static bool
scrub_in_chain(const scrub_chain_t *c, const ldns_rdf *owner)
{
	for (size_t i = 0; i < c->n; i++)
		if (ldns_dname_compare(owner, c->name[i]) == 0)
			return true;
	return false;
}

/* owner is a name of the chain or an ancestor of one */
static bool
scrub_above_chain(const scrub_chain_t *c, const ldns_rdf *owner)
{
	for (size_t i = 0; i < c->n; i++)
		if (ldns_dname_compare(owner, c->name[i]) == 0 ||
		    ldns_dname_is_subdomain(c->name[i], owner))
			return true;
	return false;
}

/* The chain: the question's name and every CNAME target reached from it,
 * whatever the order of the records. */
static void
scrub_follow(scrub_chain_t *c, const ldns_rr_list *answer)
{
	bool grew = true;
	while (grew && c->n < SCRUB_MAX_CHAIN) {
		grew = false;
		for (size_t i = 0; i < ldns_rr_list_rr_count(answer) && c->n < SCRUB_MAX_CHAIN; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(answer, i);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || ldns_rr_rd_count(rr) != 1 ||
			    !scrub_in_chain(c, ldns_rr_owner(rr)) || scrub_in_chain(c, ldns_rr_rdf(rr, 0)))
				continue;
			c->name[c->n++] = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
			grew = true;
		}
	}
}

static bool
scrub_keep(const scrub_chain_t *c, ldns_pkt_section sec, const ldns_rr *rr, uint16_t qtype)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	const ldns_rdf *owner = ldns_rr_owner(rr);
	switch (sec) {
	case LDNS_SECTION_ANSWER:
		if (t == LDNS_RR_TYPE_DNAME)
			return scrub_above_chain(c, owner);
		return scrub_in_chain(c, owner) &&
		       (qtype == LDNS_RR_TYPE_ANY || t == qtype || t == LDNS_RR_TYPE_CNAME ||
			t == LDNS_RR_TYPE_RRSIG);
	case LDNS_SECTION_AUTHORITY:
		if (t == LDNS_RR_TYPE_SOA || t == LDNS_RR_TYPE_NS || t == LDNS_RR_TYPE_DS)
			return scrub_above_chain(c, owner);
		return t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3 || t == LDNS_RR_TYPE_RRSIG;
	default:
		return t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_RRSIG;
	}
}

/* Drop from list what scrub_keep() refuses; returns how many. */
static unsigned
scrub_list(const scrub_chain_t *c, ldns_pkt_section sec, ldns_rr_list *list, uint16_t qtype)
{
	unsigned dropped = 0;
	size_t n = ldns_rr_list_rr_count(list), kept = 0;
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (scrub_keep(c, sec, rr, qtype)) {
			ldns_rr_list_set_rr(list, rr, kept++);
		} else {
			ldns_rr_free(rr);
			dropped++;
		}
	}
	ldns_rr_list_set_rr_count(list, kept);
	return dropped;
}

uint8_t *
scrub_response(const uint8_t *msg, size_t len, const cache_key_t *key, size_t *out_len,
	       unsigned *dropped)
{
	*dropped = 0;
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return NULL;
	scrub_chain_t c = { .n = 0 };
	c.name[c.n++] = ldns_dname_new_frm_data(key->name_len, key->name);
	uint8_t *out = NULL;
	if (c.name[0] != NULL) {
		scrub_follow(&c, ldns_pkt_answer(p));
		unsigned an = scrub_list(&c, LDNS_SECTION_ANSWER, ldns_pkt_answer(p), key->qtype);
		unsigned ns = scrub_list(&c, LDNS_SECTION_AUTHORITY, ldns_pkt_authority(p), key->qtype);
		unsigned ar = scrub_list(&c, LDNS_SECTION_ADDITIONAL, ldns_pkt_additional(p), key->qtype);
		*dropped = an + ns + ar;
		if (*dropped > 0) {
			ldns_pkt_set_ancount(p, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(p)));
			ldns_pkt_set_nscount(p, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_authority(p)));
			ldns_pkt_set_arcount(p, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_additional(p)));
			if (ldns_pkt2wire(&out, p, out_len) != LDNS_STATUS_OK) {
				free(out);
				out = NULL;
			}
		}
	}
	for (size_t i = 0; i < c.n; i++)
		ldns_rdf_deep_free(c.name[i]);
	ldns_pkt_free(p);
	return out;
}

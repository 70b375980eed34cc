/* acl.c -- BIND-style address-match lists: parsing prefixes and matching.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "acl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

static const uint8_t acl_v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static inline uint64_t
acl_load64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Does addr (network order, family-sized) lie inside addr/len of elem?
 * Word compares under a mask: this runs for every query and every view. */
static bool
acl_prefix_contains(const acl_elem_t *e, const uint8_t *addr)
{
	unsigned len = e->prefixlen;
	if (e->family == AF_INET) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
		uint32_t p = (uint32_t)e->addr[0] << 24 | (uint32_t)e->addr[1] << 16 |
			     (uint32_t)e->addr[2] << 8 | e->addr[3];
		uint32_t mask = len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
		return ((a ^ p) & mask) == 0;
	}
	for (unsigned half = 0; half < 2; half++) {
		unsigned l = len > 64 ? 64 : len;
		uint64_t mask = l == 0 ? 0 : ~(uint64_t)0 << (64 - l);
		if (((acl_load64(addr + 8 * half) ^ acl_load64(e->addr + 8 * half)) & mask) != 0)
			return false;
		len -= l;
	}
	return true;
}

/* The verified key of the request being matched by acl_match_key(); NULL
 * for acl_match(). A thread-local rather than a parameter: the query path
 * matches every unsigned query against every view's list, and an extra
 * argument threaded through the recursion costs it measurably
 * (bench/callgrind.sh); this costs it nothing but the case below. */
static _Thread_local const struct conf_key *acl_request_key;

/* One list; depth counts the nested lists above this one. */
static enum acl_result
acl_match_depth(const acl_t *acl, int family, const uint8_t *addr, unsigned depth)
{
	for (size_t i = 0; i < acl->count; i++) {
		const acl_elem_t *e = &acl->elems[i];
		bool hit;
		switch (e->kind) {
		case ACL_ANY:
			hit = true;
			break;
		case ACL_NONE:
			/* "none" matches every address negatively, "!none" positively. */
			return e->negated ? ACL_MATCH : ACL_DENY;
		case ACL_PREFIX:
			hit = e->family == family && acl_prefix_contains(e, addr);
			break;
		case ACL_NESTED:
			/* Only a positive result of the nested list counts; a nested
			 * negative is "no match here", as in BIND, so "!x" never turns
			 * into a positive match through double negation. */
			hit = e->nested != NULL && depth + 1 < ACL_MAX_DEPTH &&
			      acl_match_depth(e->nested, family, addr, depth + 1) == ACL_MATCH;
			break;
		default:   /* ACL_KEY: kept out of the switch's cases, which the
			    * compiler lays out worse for five (bench/callgrind.sh) */
			hit = e->kind == ACL_KEY && acl_request_key != NULL && e->key == acl_request_key;
			break;
		}
		if (hit)
			return e->negated ? ACL_DENY : ACL_MATCH;
	}
	return ACL_NOMATCH;
}

enum acl_result
acl_match_addr(const acl_t *acl, int family, const uint8_t *addr)
{
	if (acl == NULL)
		return ACL_MATCH;
	if (family == AF_INET6 && memcmp(addr, acl_v4mapped_prefix, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	return acl_match_depth(acl, family, addr, 0);
}

enum acl_result
acl_match(const acl_t *acl, const struct sockaddr *sa)
{
	if (acl == NULL)
		return ACL_MATCH;
	if (sa == NULL)
		return ACL_NOMATCH;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		return acl_match_addr(acl, AF_INET, (const uint8_t *)&sin->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		return acl_match_addr(acl, AF_INET6, (const uint8_t *)&sin6->sin6_addr);
	}
	/* Another family: only "any"/"none" can decide. */
	static const uint8_t zero[16];
	return acl_match_depth(acl, AF_UNSPEC, zero, 0);
}

/* Parse decimal digits only (no sign, no spaces); -1 if not a number <= max. */
static int
acl_parse_len(const char *s, int max)
{
	if (*s == '\0')
		return -1;
	int v = 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return max + 1;
	}
	return v;
}

int
acl_parse_prefix(const char *text, acl_elem_t *elem, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *msg = "bad address";
	size_t n = strlen(text);
	if (n == 0 || n >= sizeof(buf))
		goto fail;
	memcpy(buf, text, n + 1);

	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';

	uint8_t addr[16];
	int family, maxlen;
	memset(addr, 0, sizeof(addr));
	if (inet_pton(AF_INET, buf, addr) == 1) {
		family = AF_INET;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		family = AF_INET6;
		maxlen = 128;
	} else {
		goto fail;
	}

	int len = maxlen;
	if (slash != NULL) {
		len = acl_parse_len(slash + 1, maxlen);
		if (len < 0) {
			msg = "bad prefix length";
			goto fail;
		}
		if (len > maxlen) {
			msg = "prefix length out of range";
			goto fail;
		}
	}

	/* ::ffff:a.b.c.d/96+ is an IPv4 prefix: clients arriving as mapped
	 * addresses are matched as IPv4, so store it that way. */
	if (family == AF_INET6 && len >= 96 && memcmp(addr, acl_v4mapped_prefix, 12) == 0) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		family = AF_INET;
		len -= 96;
	}

	/* Clear host bits. */
	unsigned bytes = (unsigned)len / 8, bits = (unsigned)len % 8;
	if (bits != 0)
		addr[bytes++] &= (uint8_t)(0xff << (8 - bits));
	if (bytes < sizeof(addr))
		memset(addr + bytes, 0, sizeof(addr) - bytes);

	memset(elem->addr, 0, sizeof(elem->addr));
	memcpy(elem->addr, addr, family == AF_INET ? 4 : 16);
	elem->kind = ACL_PREFIX;
	elem->family = family;
	elem->prefixlen = (uint8_t)len;
	elem->nested = NULL;
	if (why != NULL)
		*why = NULL;
	return 0;
fail:
	if (why != NULL)
		*why = msg;
	return -1;
}

enum acl_result
acl_match_key(const acl_t *acl, const struct sockaddr *sa, const struct conf_key *key)
{
	acl_request_key = key;
	enum acl_result r = acl_match(acl, sa);
	acl_request_key = NULL;
	return r;
}

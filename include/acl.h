/* acl.h -- BIND-style address-match lists.
 *
 * A list is read left to right; the first element that matches the address
 * decides. A negated element ("!x") that matches means "no match". "none" is
 * an element every address matches negatively. A nested list (a named ACL used
 * as an element) that matches positively makes the outer list match; if it
 * ends negatively the outer list goes on with its next element.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ACL_H
#define HZ_ACL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum acl_elem_kind {
	ACL_ANY,     /* "any" */
	ACL_NONE,    /* "none" */
	ACL_PREFIX,  /* address or address/len */
	ACL_NESTED,  /* a named ACL */
	ACL_KEY,     /* "key NAME": the request is signed with that TSIG key (verified) */
};

struct acl;
struct conf_key;

typedef struct acl_elem {
	enum acl_elem_kind kind;
	bool negated;
	int family;              /* AF_INET or AF_INET6, for ACL_PREFIX */
	uint8_t addr[16];        /* network address, host bits zeroed */
	uint8_t prefixlen;
	const struct acl *nested;  /* for ACL_NESTED; owned by the config */
	const struct conf_key *key;  /* for ACL_KEY; owned by the config */
	unsigned long line;      /* where it was written, for diagnostics */
} acl_elem_t;

typedef struct acl {
	const char *name;        /* NULL for an anonymous list */
	acl_elem_t *elems;
	size_t count;
	unsigned long line;
} acl_t;

/* Deepest chain of nested named ACLs acl_match follows; a deeper element is
 * treated as not matching. The config loader rejects deeper nesting (and
 * cycles), so a loaded config never reaches this limit. */
#define ACL_MAX_DEPTH 16

enum acl_result {
	ACL_NOMATCH = 0,   /* no element matched */
	ACL_MATCH = 1,     /* first matching element was positive */
	ACL_DENY = -1,     /* first matching element was negated (or "none") */
};

/* Match a socket address (AF_INET or AF_INET6; IPv4-mapped IPv6 addresses
 * are matched as IPv4). A NULL acl matches every address. Hot path: no
 * allocation. */
enum acl_result acl_match(const acl_t *acl, const struct sockaddr *sa);

/* The same on a raw address: family AF_INET (4 bytes) or AF_INET6 (16). */
enum acl_result acl_match_addr(const acl_t *acl, int family, const uint8_t *addr);

/* acl_match() for a request signed with key (verified by the caller; NULL:
 * unsigned). A "key NAME" element matches only the very key of the config
 * (pointer equality); acl_match() is this with key NULL, so unsigned
 * requests never match a key element. */
enum acl_result acl_match_key(const acl_t *acl, const struct sockaddr *sa,
			      const struct conf_key *key);

/* Parse "192.0.2.0/24", "2001:db8::1", "10.1.2.3" into elem (kind ACL_PREFIX;
 * negation and names are the caller's). Returns 0, or -1 with *why set to a
 * static message ("bad address", "prefix length out of range", "host bits
 * set" is NOT an error: host bits are cleared). */
int acl_parse_prefix(const char *text, acl_elem_t *elem, const char **why);

#endif

/* nat.h -- the NAT map: public <-> private address translation.
 *
 * The config's `nat:` section (see docs/hairpin-nat.md) lists mappings from a
 * public address or prefix to a private one of the same family and length.
 * horizond uses the map two ways:
 *
 * - Derived views: a zone with `translate: nat` is the zone file written once
 *   with public addresses, served with every A/AAAA that a mapping covers
 *   rewritten to its private address (prefix mappings keep the host bits).
 *   The rewrite is done on the parsed zone file when the snapshot is built,
 *   so answering costs nothing extra.
 * - Router rules: nat_rules_render() writes an nftables or iptables ruleset
 *   implementing the map (DNAT for the port forwards, hairpin masquerade for
 *   LAN clients that dial a public address), in a table or chains of its own
 *   that are replaced whole when loaded again.
 *
 * A nat_map_t lives in the config's arena (conf_t.nat); nothing here frees it.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_NAT_H
#define HZ_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

struct zonefile;

/* An address and prefix length; AF_INET (4 bytes used) or AF_INET6. */
typedef struct nat_prefix {
	int family;
	uint8_t addr[16];      /* host bits zero */
	uint8_t len;           /* 0..32 or 0..128 */
} nat_prefix_t;

enum nat_proto { NAT_PROTO_TCP = 6, NAT_PROTO_UDP = 17 };

typedef struct nat_port {
	uint16_t port;
	uint8_t proto;         /* enum nat_proto */
} nat_port_t;

typedef struct nat_rule {
	nat_prefix_t pub;
	nat_prefix_t priv;
	nat_port_t *ports;     /* forwarded ports; none listed: all ports */
	size_t nports;
	unsigned long line;    /* of the mapping, for messages */
} nat_rule_t;

typedef struct nat_map {
	nat_rule_t *rules;     /* in file order; no two share public or private space */
	size_t nrules;
	nat_prefix_t *lan;     /* nat.lan: sources that get the hairpin masquerade */
	size_t nlan;
	const char *wan_interface;  /* nat.wan-interface: outbound 1:1 SNAT; NULL: none */
	bool apply;            /* nat.apply: load the nftables rules on start/reload */
	unsigned long line;
} nat_map_t;

/* "192.0.2.1", "192.0.2.0/28", "2001:db8::/64". A plain address is /32 or
 * /128. strict: host bits set below the length are an error (mappings);
 * otherwise they are cleared (LAN prefixes). Returns 0, or -1 with *why set
 * to a static message. */
int nat_parse_prefix(const char *text, bool strict, nat_prefix_t *p, const char **why);

/* "80/tcp", "53/udp". Returns 0, or -1 with *why set. */
int nat_parse_port(const char *text, nat_port_t *p, const char **why);

/* Does p hold addr (same family)? */
bool nat_prefix_contains(const nat_prefix_t *p, int family, const uint8_t *addr);

/* Do the two prefixes share any address? */
bool nat_prefix_overlaps(const nat_prefix_t *a, const nat_prefix_t *b);

/* "203.0.113.16/28", or "203.0.113.10" for a full-length prefix. */
void nat_prefix_format(const nat_prefix_t *p, char *buf, size_t size);

/* Problems within one mapping (mixed families, different lengths). NULL if
 * none, else a static message. */
const char *nat_rule_check(const nat_rule_t *r);

/* Problems between mappings: public or private ranges that overlap another
 * mapping's, or a public range that overlaps a private one. Each is passed to
 * report with the line of the later mapping; returns how many. */
typedef void nat_report_fn(void *ctx, unsigned long line, const char *msg);
unsigned nat_map_check(const nat_map_t *m, nat_report_fn *report, void *ctx);

/* Translate a public address: if a mapping covers addr, write the private
 * address (host bits kept) to out and return the mapping; else NULL. */
const nat_rule_t *nat_map_translate(const nat_map_t *m, int family, const uint8_t *addr,
				    uint8_t *out);

/* DNS doctoring: rewrite, in place, every A/AAAA record (class IN) of a DNS
 * response whose address the map covers to its private address. Lengths do
 * not change, so compression stays valid. A response that carries RRSIGs is
 * left alone (rewriting would break validation), and so is one that does not
 * parse. A rewritten response has its AD bit cleared: it is no longer the
 * data an upstream validated. Returns the number of records rewritten. */
size_t nat_doctor_message(const nat_map_t *m, uint8_t *msg, size_t len);

/* Do both maps translate every address the same way? (Ports, LAN, interface
 * do not matter for zone data.) NULL is the empty map. */
bool nat_map_same_translation(const nat_map_t *a, const nat_map_t *b);

/* Rewrite every A/AAAA record of zf that the map covers, in place (new rdata
 * in zf's arena). A record that becomes identical to another one of the same
 * owner and type is dropped. Returns the number of records rewritten. */
size_t nat_zonefile_translate(struct zonefile *zf, const nat_map_t *m);

/* zonefile_read, then nat_zonefile_translate if m is not NULL: the zone
 * data a view serves. */
struct zonefile *nat_zonefile_read(const char *origin, const char *path, const nat_map_t *m,
				   diag_t *d);

/* Print every record as master-file text, one per line: the SOA, then the
 * others in file order. Returns 0, or -1 if a record could not be converted. */
int nat_zonefile_print(const struct zonefile *zf, FILE *out);

enum nat_rules_format {
	NAT_RULES_NFTABLES,    /* nft -f FILE: table inet horizond, both families */
	NAT_RULES_IPTABLES,    /* iptables-restore: IPv4 mappings */
	NAT_RULES_IP6TABLES,   /* ip6tables-restore: IPv6 mappings */
};

/* "nftables", "iptables", "ip6tables". Returns 0 or -1. */
int nat_rules_parse_format(const char *name, enum nat_rules_format *f);

/* The ruleset as text (malloc'd, the caller frees), or NULL with *why set:
 * e.g. no mapping of that family, or hairpin rules needing nat.lan. */
char *nat_rules_render(const nat_map_t *m, enum nat_rules_format f, const char **why);

/* nat.apply: render the nftables rules and load them with `nft -f -`.
 * Returns 0, or -1 after logging why. Needs CAP_NET_ADMIN. */
int nat_rules_apply(const nat_map_t *m);

#endif

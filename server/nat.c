/* nat.c -- the NAT map: address translation, zone rewrite, router rules.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE 1   /* qsort_r */
#include "nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "durable.h"
#include "dname.h"
#include "log.h"
#include "wire.h"
#include "zonefile.h"

extern char **environ;

#define NAT_TYPE_A 1
#define NAT_TYPE_AAAA 28

static unsigned
nat_addr_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* ---------------------------------------------------------------------------
 * Parsing and prefix arithmetic
 */

int
nat_parse_prefix(const char *text, bool strict, nat_prefix_t *p, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(text);
	memset(p, 0, sizeof(*p));
	if (n == 0 || n >= sizeof(buf)) {
		*why = "bad address (expected an IPv4 or IPv6 address or prefix)";
		return -1;
	}
	memcpy(buf, text, n + 1);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
	} else {
		*why = "bad address (expected an IPv4 or IPv6 address or prefix)";
		return -1;
	}
	unsigned max = nat_addr_size(p->family) * 8;
	unsigned len = max;
	if (slash != NULL) {
		const char *s = slash + 1;
		if (*s == '\0' || strlen(s) > 3) {
			*why = "bad prefix length";
			return -1;
		}
		len = 0;
		for (; *s != '\0'; s++) {
			if (*s < '0' || *s > '9') {
				*why = "bad prefix length";
				return -1;
			}
			len = len * 10 + (unsigned)(*s - '0');
		}
		if (len > max) {
			*why = p->family == AF_INET ? "prefix length out of range (0 to 32)"
						    : "prefix length out of range (0 to 128)";
			return -1;
		}
	}
	p->len = (uint8_t)len;
	bool host_bits = false;
	for (unsigned bit = len; bit < max; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));
		if (p->addr[bit / 8] & mask) {
			host_bits = true;
			p->addr[bit / 8] &= (uint8_t)~mask;
		}
	}
	if (host_bits && strict) {
		*why = "host bits set below the prefix length (write the network address)";
		return -1;
	}
	return 0;
}

int
nat_parse_port(const char *text, nat_port_t *p, const char **why)
{
	const char *slash = strchr(text, '/');
	if (slash == NULL) {
		*why = "expected port/protocol, e.g. 80/tcp or 53/udp";
		return -1;
	}
	unsigned long v = 0;
	if (slash == text || slash - text > 5) {
		*why = "bad port (expected a number from 1 to 65535)";
		return -1;
	}
	for (const char *s = text; s < slash; s++) {
		if (*s < '0' || *s > '9') {
			*why = "bad port (expected a number from 1 to 65535)";
			return -1;
		}
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535) {
		*why = "port out of range (1 to 65535)";
		return -1;
	}
	if (strcmp(slash + 1, "tcp") == 0) {
		p->proto = NAT_PROTO_TCP;
	} else if (strcmp(slash + 1, "udp") == 0) {
		p->proto = NAT_PROTO_UDP;
	} else {
		*why = "unknown protocol (tcp or udp)";
		return -1;
	}
	p->port = (uint16_t)v;
	return 0;
}

static bool
nat_bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

bool
nat_prefix_contains(const nat_prefix_t *p, int family, const uint8_t *addr)
{
	return p->family == family && nat_bits_equal(p->addr, addr, p->len);
}

bool
nat_prefix_overlaps(const nat_prefix_t *a, const nat_prefix_t *b)
{
	if (a->family != b->family)
		return false;
	return nat_bits_equal(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

void
nat_prefix_format(const nat_prefix_t *p, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	if (inet_ntop(p->family, p->addr, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "?");
	if (p->len == nat_addr_size(p->family) * 8)
		snprintf(buf, size, "%s", text);
	else
		snprintf(buf, size, "%s/%u", text, p->len);
}

const char *
nat_rule_check(const nat_rule_t *r)
{
	if (r->pub.family != r->priv.family)
		return "public and private are of different families (IPv4 and IPv6 cannot be "
		       "mapped onto each other)";
	if (r->pub.len != r->priv.len)
		return "public and private prefixes have different lengths (a mapping keeps the "
		       "host part, so both sides must be the same size)";
	return NULL;
}

unsigned
nat_map_check(const nat_map_t *m, nat_report_fn *report, void *ctx)
{
	unsigned problems = 0;
	char msg[512], a[64], b[64];
	for (size_t j = 0; j < m->nrules; j++) {
		const nat_rule_t *r = &m->rules[j];
		if (r->pub.family == r->priv.family && nat_prefix_overlaps(&r->pub, &r->priv)) {
			nat_prefix_format(&r->pub, a, sizeof(a));
			nat_prefix_format(&r->priv, b, sizeof(b));
			snprintf(msg, sizeof(msg), "nat: public %s and private %s overlap", a, b);
			report(ctx, r->line, msg);
			problems++;
		}
		for (size_t i = 0; i < j; i++) {
			const nat_rule_t *q = &m->rules[i];
			const char *what = NULL;
			const nat_prefix_t *x = NULL, *y = NULL;
			if (nat_prefix_overlaps(&r->pub, &q->pub)) {
				what = "public";
				x = &r->pub;
				y = &q->pub;
			} else if (nat_prefix_overlaps(&r->priv, &q->priv)) {
				what = "private";
				x = &r->priv;
				y = &q->priv;
			} else if (nat_prefix_overlaps(&r->pub, &q->priv)) {
				what = "public/private";
				x = &r->pub;
				y = &q->priv;
			} else if (nat_prefix_overlaps(&r->priv, &q->pub)) {
				what = "private/public";
				x = &r->priv;
				y = &q->pub;
			}
			if (what == NULL)
				continue;
			nat_prefix_format(x, a, sizeof(a));
			nat_prefix_format(y, b, sizeof(b));
			if (strcmp(what, "public") == 0 || strcmp(what, "private") == 0)
				snprintf(msg, sizeof(msg), "nat: %s %s overlaps %s %s of the mapping at "
					 "line %lu", what, a, what, b, q->line);
			else
				snprintf(msg, sizeof(msg), "nat: %s %s overlaps %s %s of the mapping at "
					 "line %lu (an address must not be both public and private)",
					 what[1] == 'u' ? "public" : "private", a,
					 what[1] == 'u' ? "private" : "public", b, q->line);
			report(ctx, r->line, msg);
			problems++;
		}
	}
	return problems;
}

const nat_rule_t *
nat_map_translate(const nat_map_t *m, int family, const uint8_t *addr, uint8_t *out)
{
	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < m->nrules; i++) {
		const nat_rule_t *r = &m->rules[i];
		if (!nat_prefix_contains(&r->pub, family, addr))
			continue;
		unsigned size = nat_addr_size(family);
		/* network bits from the private prefix, host bits from addr */
		for (unsigned k = 0; k < size; k++) {
			unsigned first = k * 8;
			uint8_t mask;
			if (first + 8 <= r->priv.len)
				mask = 0xff;
			else if (first >= r->priv.len)
				mask = 0;
			else
				mask = (uint8_t)(0xff << (8 - (r->priv.len - first)));
			out[k] = (uint8_t)((r->priv.addr[k] & mask) | (addr[k] & (uint8_t)~mask));
		}
		return r;
	}
	return NULL;
}

static bool
nat_prefix_equal(const nat_prefix_t *a, const nat_prefix_t *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, nat_addr_size(a->family)) == 0;
}

bool
nat_map_same_translation(const nat_map_t *a, const nat_map_t *b)
{
	size_t na = a ? a->nrules : 0, nb = b ? b->nrules : 0;
	if (na != nb)
		return false;
	/* Mappings do not overlap, so order does not change the result;
	 * still, the same file gives the same order, and that is what reloads
	 * compare. */
	for (size_t i = 0; i < na; i++)
		if (!nat_prefix_equal(&a->rules[i].pub, &b->rules[i].pub) ||
		    !nat_prefix_equal(&a->rules[i].priv, &b->rules[i].priv))
			return false;
	return true;
}

/* ---------------------------------------------------------------------------
 * Zone data
 */

/* Owner names compared case-insensitively; label length bytes are below
 * 'A', so folding every byte is safe. */
static int
nat_owner_cmp(const zrr_t *a, const zrr_t *b)
{
	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	for (size_t k = 0; k < a->owner_len; k++) {
		int x = a->owner[k] >= 'A' && a->owner[k] <= 'Z' ? a->owner[k] + 32 : a->owner[k];
		int y = b->owner[k] >= 'A' && b->owner[k] <= 'Z' ? b->owner[k] + 32 : b->owner[k];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static bool
nat_rr_same(const zrr_t *a, const zrr_t *b)
{
	return a->type == b->type && a->rdlen == b->rdlen && nat_owner_cmp(a, b) == 0 &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

/* Order A/AAAA records (indices into rrs) by type, owner, rdata, then
 * position, so identical records are adjacent with the first one first. */
static int
nat_rr_cmp(const void *pa, const void *pb, void *arg)
{
	const zrr_t *rrs = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const zrr_t *a = &rrs[ia], *b = &rrs[ib];
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	int r = nat_owner_cmp(a, b);
	if (r != 0)
		return r;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	r = memcmp(a->rdata, b->rdata, a->rdlen);
	if (r != 0)
		return r;
	return ia < ib ? -1 : ia > ib;
}

size_t
nat_zonefile_translate(zonefile_t *zf, const nat_map_t *m)
{
	if (zf == NULL || m == NULL || m->nrules == 0)
		return 0;
	size_t changed = 0, naddr = 0;
	for (size_t i = 0; i < zf->count; i++) {
		zrr_t *rr = &zf->rrs[i];
		int family = 0;
		if (rr->type == NAT_TYPE_A && rr->rdlen == 4)
			family = AF_INET;
		else if (rr->type == NAT_TYPE_AAAA && rr->rdlen == 16)
			family = AF_INET6;
		if (family == 0)
			continue;
		naddr++;
		uint8_t out[16];
		if (nat_map_translate(m, family, rr->rdata, out) == NULL)
			continue;
		rr->rdata = arena_memdup_bytes(zf->arena, out, rr->rdlen);
		changed++;
	}
	if (changed == 0)
		return 0;

	/* www A 203.0.113.10 next to www A 192.168.1.20 would now be the same
	 * record twice: keep the first. */
	size_t *idx = xmalloc(naddr * sizeof(*idx));
	bool *drop = xcalloc(zf->count, sizeof(*drop));
	size_t n = 0;
	for (size_t i = 0; i < zf->count; i++)
		if (zf->rrs[i].type == NAT_TYPE_A || zf->rrs[i].type == NAT_TYPE_AAAA)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), nat_rr_cmp, zf->rrs);
	size_t dropped = 0;
	for (size_t k = 1; k < n; k++) {
		const zrr_t *a = &zf->rrs[idx[k - 1]], *b = &zf->rrs[idx[k]];
		if (nat_rr_same(a, b)) {
			drop[idx[k]] = true;
			idx[k] = idx[k - 1];   /* compare the next one with the kept record */
			dropped++;
		}
	}
	if (dropped > 0) {
		size_t out = 0;
		for (size_t i = 0; i < zf->count; i++)
			if (!drop[i])
				zf->rrs[out++] = zf->rrs[i];
		zf->count = out;
		for (size_t i = 0; i < zf->count; i++)
			if (zf->rrs[i].type == 6)
				zf->soa = &zf->rrs[i];
		log_debug("nat: %s: %zu record%s identical after translation dropped",
			  zf->origin_text, dropped, dropped == 1 ? "" : "s");
	}
	free(idx);
	free(drop);
	return changed;
}

zonefile_t *
nat_zonefile_read(const char *origin, const char *path, const nat_map_t *m, diag_t *d)
{
	zonefile_t *zf = zonefile_read(origin, path, d);
	if (zf != NULL && m != NULL)
		nat_zonefile_translate(zf, m);
	return zf;
}

int
nat_zonefile_print(const zonefile_t *zf, FILE *out)
{
	int rc = 0;
	/* the SOA first (an update moves it to the end of the records) */
	for (size_t k = 0; k < zf->count; k++) {
		size_t i = zf->soa == NULL ? k : k == 0 ? (size_t)(zf->soa - zf->rrs)
			   : &zf->rrs[k - 1] < zf->soa ? k - 1 : k;
		const zrr_t *rr = &zf->rrs[i];
		size_t len = (size_t)rr->owner_len + 10 + rr->rdlen;
		uint8_t *wire = xmalloc(len);
		memcpy(wire, rr->owner, rr->owner_len);
		uint8_t *p = wire + rr->owner_len;
		p[0] = (uint8_t)(rr->type >> 8);
		p[1] = (uint8_t)rr->type;
		p[2] = (uint8_t)(rr->rclass >> 8);
		p[3] = (uint8_t)rr->rclass;
		p[4] = (uint8_t)(rr->ttl >> 24);
		p[5] = (uint8_t)(rr->ttl >> 16);
		p[6] = (uint8_t)(rr->ttl >> 8);
		p[7] = (uint8_t)rr->ttl;
		p[8] = (uint8_t)(rr->rdlen >> 8);
		p[9] = (uint8_t)rr->rdlen;
		memcpy(p + 10, rr->rdata, rr->rdlen);
		ldns_rr *lrr = NULL;
		size_t pos = 0;
		char *text = NULL;
		if (ldns_wire2rr(&lrr, wire, len, &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK)
			text = ldns_rr2str(lrr);
		if (text != NULL) {
			fputs(text, out);
			if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
				fputc('\n', out);
		} else {
			rc = -1;
		}
		free(text);
		ldns_rr_free(lrr);
		free(wire);
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * Router rules
 */

int
nat_rules_parse_format(const char *name, enum nat_rules_format *f)
{
	if (strcmp(name, "nftables") == 0 || strcmp(name, "nft") == 0)
		*f = NAT_RULES_NFTABLES;
	else if (strcmp(name, "iptables") == 0)
		*f = NAT_RULES_IPTABLES;
	else if (strcmp(name, "ip6tables") == 0)
		*f = NAT_RULES_IP6TABLES;
	else
		return -1;
	return 0;
}

static bool
nat_map_has_family(const nat_map_t *m, int family)
{
	for (size_t i = 0; i < m->nrules; i++)
		if (m->rules[i].pub.family == family)
			return true;
	return false;
}

static bool
nat_lan_has_family(const nat_map_t *m, int family)
{
	for (size_t i = 0; i < m->nlan; i++)
		if (m->lan[i].family == family)
			return true;
	return false;
}

static bool
nat_rule_has_proto(const nat_rule_t *r, uint8_t proto)
{
	for (size_t i = 0; i < r->nports; i++)
		if (r->ports[i].proto == proto)
			return true;
	return false;
}

static const char *
nat_proto_name(uint8_t proto)
{
	return proto == NAT_PROTO_TCP ? "tcp" : "udp";
}

/* nftables: one table for both families; "table" then "delete table" makes
 * sure it exists before it is deleted, and the whole file is one
 * transaction, so loading it again replaces the table atomically. */
static void
nat_render_nft(const nat_map_t *m, FILE *f)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	char pub[64], priv[64];

	fprintf(f, "# horizond NAT rules (nftables), generated by horizond --nat-rules nftables.\n"
		   "# Load with: nft -f FILE (needs CAP_NET_ADMIN). Loading it again replaces\n"
		   "# table inet horizond as a whole, in one transaction; nothing else is touched.\n"
		   "table inet horizond\n"
		   "delete table inet horizond\n"
		   "table inet horizond {\n");
	for (int k = 0; k < 2; k++) {
		int fam = families[k];
		if (!nat_map_has_family(m, fam))
			continue;
		fprintf(f, "\tset lan%d {\n\t\ttype %s\n\t\tflags interval\n\t\telements = { ",
			fam == AF_INET ? 4 : 6, fam == AF_INET ? "ipv4_addr" : "ipv6_addr");
		bool first = true;
		for (size_t i = 0; i < m->nlan; i++) {
			if (m->lan[i].family != fam)
				continue;
			char lan[64];
			nat_prefix_format(&m->lan[i], lan, sizeof(lan));
			fprintf(f, "%s%s", first ? "" : ", ", lan);
			first = false;
		}
		fprintf(f, " }\n\t}\n");
	}

	fprintf(f, "\tchain prerouting {\n"
		   "\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
	for (size_t i = 0; i < m->nrules; i++) {
		const nat_rule_t *r = &m->rules[i];
		const char *ip = r->pub.family == AF_INET ? "ip" : "ip6";
		bool single = r->pub.len == nat_addr_size(r->pub.family) * 8;
		nat_prefix_format(&r->pub, pub, sizeof(pub));
		nat_prefix_format(&r->priv, priv, sizeof(priv));
		char to[200];
		if (single)
			snprintf(to, sizeof(to), "dnat %s to %s", ip, priv);
		else
			snprintf(to, sizeof(to), "dnat %s prefix to %s daddr map { %s : %s }", ip, ip,
				 pub, priv);
		if (r->nports == 0) {
			fprintf(f, "\t\t%s daddr %s %s\n", ip, pub, to);
			continue;
		}
		for (int p = 0; p < 2; p++) {
			uint8_t proto = p == 0 ? NAT_PROTO_TCP : NAT_PROTO_UDP;
			if (!nat_rule_has_proto(r, proto))
				continue;
			fprintf(f, "\t\t%s daddr %s %s dport { ", ip, pub, nat_proto_name(proto));
			bool first = true;
			for (size_t j = 0; j < r->nports; j++) {
				if (r->ports[j].proto != proto)
					continue;
				fprintf(f, "%s%u", first ? "" : ", ", r->ports[j].port);
				first = false;
			}
			fprintf(f, " } %s\n", to);
		}
	}
	fprintf(f, "\t}\n");

	fprintf(f, "\tchain postrouting {\n"
		   "\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	/* Hairpin: a LAN client that dialled a public address was DNATed to a
	 * LAN server; masquerade it so the reply comes back through us. */
	for (size_t i = 0; i < m->nrules; i++) {
		const nat_rule_t *r = &m->rules[i];
		const char *ip = r->pub.family == AF_INET ? "ip" : "ip6";
		nat_prefix_format(&r->pub, pub, sizeof(pub));
		nat_prefix_format(&r->priv, priv, sizeof(priv));
		fprintf(f, "\t\t%s saddr @lan%d %s daddr %s ct status dnat ct original %s daddr %s "
			   "masquerade\n", ip, r->pub.family == AF_INET ? 4 : 6, ip, priv, ip, pub);
	}
	/* 1:1 mappings (no port list) also leave with their public address. */
	if (m->wan_interface != NULL) {
		for (size_t i = 0; i < m->nrules; i++) {
			const nat_rule_t *r = &m->rules[i];
			if (r->nports != 0)
				continue;
			const char *ip = r->pub.family == AF_INET ? "ip" : "ip6";
			bool single = r->pub.len == nat_addr_size(r->pub.family) * 8;
			nat_prefix_format(&r->pub, pub, sizeof(pub));
			nat_prefix_format(&r->priv, priv, sizeof(priv));
			if (single)
				fprintf(f, "\t\toifname \"%s\" %s saddr %s snat %s to %s\n",
					m->wan_interface, ip, priv, ip, pub);
			else
				fprintf(f, "\t\toifname \"%s\" %s saddr %s snat %s prefix to %s saddr "
					   "map { %s : %s }\n", m->wan_interface, ip, priv, ip, ip, priv,
					pub);
		}
	}
	fprintf(f, "\t}\n}\n");
}

/* "a/len" always, as iptables-save writes it. */
static void
nat_cidr(const nat_prefix_t *p, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	if (inet_ntop(p->family, p->addr, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "?");
	snprintf(buf, size, "%s/%u", text, p->len);
}

/* iptables-restore input for one family. The *nat table is written whole
 * (iptables-restore without --noflush replaces it), with our rules in
 * chains of their own that the built-in chains jump to. */
static void
nat_render_iptables(const nat_map_t *m, int fam, FILE *f)
{
	const char *prog = fam == AF_INET ? "iptables" : "ip6tables";
	unsigned full = nat_addr_size(fam) * 8;
	char pub[64], priv[64], plain[64];

	fprintf(f, "# horizond NAT rules (%s), generated by horizond --nat-rules %s.\n"
		   "# Load with: %s-restore < FILE (needs CAP_NET_ADMIN). This replaces the whole\n"
		   "# nat table: the built-in chains only jump to the HORIZOND-* chains.\n"
		   "*nat\n"
		   ":PREROUTING ACCEPT [0:0]\n"
		   ":INPUT ACCEPT [0:0]\n"
		   ":OUTPUT ACCEPT [0:0]\n"
		   ":POSTROUTING ACCEPT [0:0]\n"
		   ":HORIZOND-PREROUTING - [0:0]\n"
		   ":HORIZOND-POSTROUTING - [0:0]\n"
		   "-A PREROUTING -j HORIZOND-PREROUTING\n"
		   "-A POSTROUTING -j HORIZOND-POSTROUTING\n", prog, prog, prog);
	for (size_t i = 0; i < m->nrules; i++) {
		const nat_rule_t *r = &m->rules[i];
		if (r->pub.family != fam)
			continue;
		nat_cidr(&r->pub, pub, sizeof(pub));
		nat_cidr(&r->priv, priv, sizeof(priv));
		nat_prefix_format(&r->priv, plain, sizeof(plain));
		char to[128];
		if (r->pub.len == full)
			snprintf(to, sizeof(to), "-j DNAT --to-destination %s",
				 plain);
		else
			snprintf(to, sizeof(to), "-j NETMAP --to %s", priv);
		if (r->nports == 0) {
			fprintf(f, "-A HORIZOND-PREROUTING -d %s %s\n", pub, to);
			continue;
		}
		for (size_t j = 0; j < r->nports; j++) {
			const char *pn = nat_proto_name(r->ports[j].proto);
			fprintf(f, "-A HORIZOND-PREROUTING -d %s -p %s -m %s --dport %u %s\n", pub, pn, pn,
				r->ports[j].port, to);
		}
	}
	for (size_t i = 0; i < m->nrules; i++) {
		const nat_rule_t *r = &m->rules[i];
		if (r->pub.family != fam)
			continue;
		nat_cidr(&r->pub, pub, sizeof(pub));
		nat_cidr(&r->priv, priv, sizeof(priv));
		for (size_t k = 0; k < m->nlan; k++) {
			if (m->lan[k].family != fam)
				continue;
			char lan[64];
			nat_cidr(&m->lan[k], lan, sizeof(lan));
			fprintf(f, "-A HORIZOND-POSTROUTING -s %s -d %s -m conntrack --ctstate DNAT "
				   "--ctorigdst %s -j MASQUERADE\n", lan, priv, pub);
		}
	}
	if (m->wan_interface != NULL) {
		for (size_t i = 0; i < m->nrules; i++) {
			const nat_rule_t *r = &m->rules[i];
			if (r->pub.family != fam || r->nports != 0)
				continue;
			nat_cidr(&r->pub, pub, sizeof(pub));
			nat_cidr(&r->priv, priv, sizeof(priv));
			nat_prefix_format(&r->pub, plain, sizeof(plain));
			if (r->pub.len == full)
				fprintf(f, "-A HORIZOND-POSTROUTING -o %s -s %s -j SNAT --to-source %s\n",
					m->wan_interface, priv, plain);
			else
				fprintf(f, "-A HORIZOND-POSTROUTING -o %s -s %s -j NETMAP --to %s\n",
					m->wan_interface, priv, pub);
		}
	}
	fprintf(f, "COMMIT\n");
}

char *
nat_rules_render(const nat_map_t *m, enum nat_rules_format fmt, const char **why)
{
	if (m == NULL || m->nrules == 0) {
		*why = "the configuration has no nat mappings";
		return NULL;
	}
	int need[2] = { 0, 0 };
	if (fmt == NAT_RULES_NFTABLES) {
		need[0] = AF_INET;
		need[1] = AF_INET6;
	} else {
		int fam = fmt == NAT_RULES_IPTABLES ? AF_INET : AF_INET6;
		if (!nat_map_has_family(m, fam)) {
			*why = fam == AF_INET ? "the nat map has no IPv4 mapping (for IPv6 use "
						"--nat-rules ip6tables)"
					      : "the nat map has no IPv6 mapping (for IPv4 use "
						"--nat-rules iptables)";
			return NULL;
		}
		need[0] = fam;
	}
	for (int k = 0; k < 2; k++) {
		if (need[k] == 0 || !nat_map_has_family(m, need[k]) || nat_lan_has_family(m, need[k]))
			continue;
		*why = need[k] == AF_INET
			       ? "nat.lan lists no IPv4 prefix; the hairpin rules for the IPv4 "
				 "mappings need the LAN's prefixes (e.g. lan: [192.168.1.0/24])"
			       : "nat.lan lists no IPv6 prefix; the hairpin rules for the IPv6 "
				 "mappings need the LAN's prefixes (e.g. lan: [\"fd00:1::/64\"])";
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if (fmt == NAT_RULES_NFTABLES)
		nat_render_nft(m, f);
	else
		nat_render_iptables(m, need[0], f);
	if (fclose(f) != 0) {
		free(buf);
		*why = "out of memory";
		return NULL;
	}
	return buf;
}

int
nat_rules_apply(const nat_map_t *m)
{
	const char *why = NULL;
	char *text = nat_rules_render(m, NAT_RULES_NFTABLES, &why);
	if (text == NULL) {
		log_error("nat.apply: %s", why);
		return -1;
	}
	char path[] = "/tmp/horizond-nft.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		log_error("nat.apply: cannot create a temporary file: %s", strerror(errno));
		free(text);
		return -1;
	}
	bool written = durable_write_all(fd, text, strlen(text)) == 0;
	close(fd);
	free(text);
	int rc = -1;
	if (written) {
		char *argv[] = { "nft", "-f", path, NULL };
		pid_t pid;
		int err = posix_spawnp(&pid, "nft", NULL, NULL, argv, environ);
		if (err != 0) {
			log_error("nat.apply: cannot run nft: %s", strerror(err));
		} else {
			int status;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				log_notice("nat.apply: nftables table inet horizond loaded");
				rc = 0;
			} else {
				log_error("nat.apply: nft -f failed (status %d); needs CAP_NET_ADMIN and "
					  "the nft program", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			}
		}
	} else {
		log_error("nat.apply: cannot write %s", path);
	}
	unlink(path);
	return rc;
}

/* Walk the records; with rewrite false only look for RRSIG (returns 1 if one
 * is there), with rewrite true translate addresses (returns the count).
 * (size_t)-1: the message does not parse. */
static size_t
nat_doctor_walk(const nat_map_t *m, uint8_t *msg, size_t len, bool rewrite)
{
	if (len < 12)
		return (size_t)-1;
	unsigned qd = get16(msg + 4);
	unsigned rr = (unsigned)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	size_t pos = 12, n = 0;
	for (unsigned i = 0; i < qd; i++) {
		if (!dname_skip_wire(msg, len, &pos) || pos + 4 > len)
			return (size_t)-1;
		pos += 4;
	}
	for (unsigned i = 0; i < rr; i++) {
		if (!dname_skip_wire(msg, len, &pos) || pos + 10 > len)
			return (size_t)-1;
		uint16_t type = get16(msg + pos);
		uint16_t cls = get16(msg + pos + 2);
		uint16_t rdlen = get16(msg + pos + 8);
		pos += 10;
		if (pos + rdlen > len)
			return (size_t)-1;
		if (!rewrite && type == LDNS_RR_TYPE_RRSIG)
			return 1;
		int family = type == LDNS_RR_TYPE_A && rdlen == 4 ? AF_INET
			   : type == LDNS_RR_TYPE_AAAA && rdlen == 16 ? AF_INET6 : 0;
		if (rewrite && cls == LDNS_RR_CLASS_IN && family != 0) {
			uint8_t priv[16];
			if (nat_map_translate(m, family, msg + pos, priv) != NULL) {
				memcpy(msg + pos, priv, rdlen);
				n++;
			}
		}
		pos += rdlen;
	}
	return n;
}

size_t
nat_doctor_message(const nat_map_t *m, uint8_t *msg, size_t len)
{
	if (m == NULL || m->nrules == 0)
		return 0;
	size_t signed_or_bad = nat_doctor_walk(m, msg, len, false);
	if (signed_or_bad != 0)
		return 0;
	size_t n = nat_doctor_walk(m, msg, len, true);
	if (n > 0)
		msg[3] &= (uint8_t)~0x20;   /* AD: no longer the data an upstream validated */
	return n;
}

/* nat_conf.c -- the nat: section of the configuration into a nat_map_t.
 *
 * The schema of the section; the address, port and overlap rules are nat.c's
 * (nat_parse_prefix, nat_parse_port, nat_rule_check, nat_map_check).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "conf_internal.h"
#include "nat.h"

static void
nat_conf_report(void *ctx, unsigned long line, const char *msg)
{
	conf_error(ctx, line, "%s", msg);
}

/* One mapping: { public: P, private: Q, ports: [80/tcp] }. */
static bool
nat_conf_parse_rule(conf_ctx_t *x, const ynode_t *map, nat_rule_t *r)
{
	static const char *const keys[] = { "public", "private", "ports" };
	const ynode_t *v[3];
	if (!conf_expect_map(x, map, "nat mapping"))
		return false;
	memset(r, 0, sizeof(*r));
	r->line = map->line;
	conf_map_keys(x, map, "a nat mapping", keys, 3, v);
	bool ok = true;
	for (int k = 0; k < 2; k++) {
		const char *key = keys[k];
		nat_prefix_t *p = k == 0 ? &r->pub : &r->priv;
		char what[64];
		snprintf(what, sizeof(what), "nat: %s", key);
		if (v[k] == NULL) {
			conf_error(x, map->line, "nat mapping: missing required key '%s'", key);
			ok = false;
			continue;
		}
		const char *s = conf_get_string(x, v[k], what, false);
		const char *why;
		if (s == NULL) {
			ok = false;
		} else if (nat_parse_prefix(s, true, p, &why) != 0) {
			conf_error(x, v[k]->line, "%s: '%s': %s", what, s, why);
			ok = false;
		}
	}
	const char *why;
	if (ok && (why = nat_rule_check(r)) != NULL) {
		conf_error(x, map->line, "nat mapping: %s", why);
		ok = false;
	}
	if (v[2] != NULL && conf_expect_seq(x, v[2], "nat: ports", false)) {
		r->ports = arena_zalloc(x->c->arena, sizeof(nat_port_t) * (v[2]->n ? v[2]->n : 1));
		for (const ynode_t *it = v[2]->first; it != NULL; it = it->next) {
			const char *s = conf_get_string(x, it, "nat: ports", false);
			nat_port_t port;
			if (s == NULL) {
				ok = false;
				continue;
			}
			if (nat_parse_port(s, &port, &why) != 0) {
				conf_error(x, it->line, "nat: ports: '%s': %s", s, why);
				ok = false;
				continue;
			}
			bool dup = false;
			for (size_t i = 0; i < r->nports && !dup; i++)
				dup = r->ports[i].port == port.port && r->ports[i].proto == port.proto;
			if (dup) {
				conf_error(x, it->line, "nat: ports: '%s' given twice", s);
				ok = false;
				continue;
			}
			r->ports[r->nports++] = port;
		}
		if (v[2]->n == 0) {
			conf_error(x, v[2]->line, "nat: ports: empty list (leave 'ports' out to "
				   "forward every port)");
			ok = false;
		}
	} else if (v[2] != NULL) {
		ok = false;
	}
	return ok;
}

/* nat: either a list of mappings, or a map { map: [...], lan: [...],
 * wan-interface: IF, apply: BOOL }. */
void
nat_conf_parse(conf_ctx_t *x, const ynode_t *node)
{
	static const char *const keys[] = { "map", "lan", "wan-interface", "apply" };
	enum { K_MAP, K_LAN, K_WAN, K_APPLY, K_N };
	const ynode_t *v[K_N] = { NULL, NULL, NULL, NULL };
	nat_map_t *m = arena_zalloc(x->c->arena, sizeof(*m));
	m->line = node->line;
	if (node->type == YN_SEQ) {
		v[K_MAP] = node;
	} else if (conf_is_null(node) || node->type != YN_MAP) {
		conf_error(x, node->line, "nat: expected a list of mappings or a map with 'map', "
			   "'lan', 'wan-interface', 'apply', got %s", conf_describe(node));
		return;
	} else {
		if (!conf_expect_map(x, node, "nat"))
			return;
		conf_map_keys(x, node, "nat", keys, K_N, v);
		if (v[K_MAP] == NULL)
			conf_error(x, node->line, "nat: missing required key 'map' (the list of "
				   "mappings)");
	}
	x->c->nat = m;
	if (v[K_MAP] != NULL && conf_expect_seq(x, v[K_MAP], "nat: map", false)) {
		m->rules = arena_zalloc(x->c->arena,
					sizeof(nat_rule_t) * (v[K_MAP]->n ? v[K_MAP]->n : 1));
		for (const ynode_t *it = v[K_MAP]->first; it != NULL; it = it->next) {
			if (nat_conf_parse_rule(x, it, &m->rules[m->nrules]))
				m->nrules++;
		}
		if (v[K_MAP]->n == 0)
			conf_warn(x, v[K_MAP]->line, "nat: no mappings");
	}
	/* Overlaps among the mappings that parsed; the others are reported. */
	nat_map_check(m, nat_conf_report, x);
	if (v[K_LAN] != NULL && conf_expect_seq(x, v[K_LAN], "nat: lan", false)) {
		m->lan = arena_zalloc(x->c->arena,
				      sizeof(nat_prefix_t) * (v[K_LAN]->n ? v[K_LAN]->n : 1));
		for (const ynode_t *it = v[K_LAN]->first; it != NULL; it = it->next) {
			const char *s = conf_get_string(x, it, "nat: lan", false);
			const char *why;
			if (s == NULL)
				continue;
			if (nat_parse_prefix(s, false, &m->lan[m->nlan], &why) != 0)
				conf_error(x, it->line, "nat: lan: '%s': %s", s, why);
			else
				m->nlan++;
		}
	}
	if (v[K_WAN] != NULL) {
		const char *s = conf_get_string(x, v[K_WAN], "nat: wan-interface", false);
		if (s != NULL) {
			bool bad = strlen(s) >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
			for (const char *p = s; *p != '\0' && !bad; p++)
				bad = *p <= ' ' || *p == '/' || *p == '"' || *p == '\'' || *p == '\\' ||
				      (unsigned char)*p >= 0x7f;
			if (bad)
				conf_error(x, v[K_WAN]->line, "nat: wan-interface: '%s' is not an "
					   "interface name (1 to 15 characters, no blanks, quotes or '/')",
					   s);
			else
				m->wan_interface = arena_strdup(x->c->arena, s);
		}
	}
	if (v[K_APPLY] != NULL)
		conf_get_bool(x, v[K_APPLY], "nat: apply", &m->apply);
}


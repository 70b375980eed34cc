/* conf.c -- the configuration's schema: the walk over the YAML tree that
 * fills conf_t.
 *
 * conf_yaml.c reads the text into a tree of nodes with lines; the walk here
 * checks every key and value against the schema (docs/configuration.md) and
 * reports each problem as FILE:LINE without stopping at the first;
 * conf_check.c then checks the whole (ACL graph, translate, shared writable
 * files), and nat_conf.c parses the nat: section.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "arena.h"
#include "conf_internal.h"

#define CONF_MAX_FILE_SIZE (16u * 1024 * 1024)
#define CONF_MAX_TXT 255          /* identity/version go into one TXT string */
#define CONF_MAX_PATH 3000        /* state-dir: room left for a file name under PATH_MAX */
#define CONF_MAX_UNIX_PATH 107    /* server.control: sockaddr_un.sun_path less the NUL */

/* ---------------------------------------------------------------------------
 * Addresses
 */

/* "addr@port" or "addr" (default_port). Returns NULL or a static reason. */
static const char *
conf_parse_sockaddr(const char *text, unsigned default_port, conf_sockaddr_t *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(text);
	if (n == 0 || n >= sizeof(buf))
		return "bad address";
	memcpy(buf, text, n + 1);
	/* "[::]@53" as well as "::@53": brackets around an IPv6 address */
	char *close = buf[0] == '[' ? strchr(buf, ']') : NULL;
	if (close != NULL && (close[1] == '\0' || close[1] == '@')) {
		memmove(close, close + 1, strlen(close + 1) + 1);
		memmove(buf, buf + 1, strlen(buf));
	}

	unsigned port = default_port;
	char *at = strrchr(buf, '@');
	if (at != NULL) {
		*at = '\0';
		const char *p = at + 1;
		unsigned long v = 0;
		if (*p == '\0')
			return "missing port after '@'";
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return "bad port (expected a number from 1 to 65535)";
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > 65535)
				return "port out of range (1 to 65535)";
		}
		if (v == 0)
			return "port out of range (1 to 65535)";
		port = (unsigned)v;
	}

	memset(&out->ss, 0, sizeof(out->ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*sin6);
	} else if (buf[0] == '[' || (strchr(buf, ':') != NULL && strchr(buf, '.') != NULL &&
				     strchr(buf, ':') == strrchr(buf, ':'))) {
		return "bad address (write address@port, e.g. 127.0.0.1@5300 or ::1@5300)";
	} else {
		return "bad address (expected an IPv4 or IPv6 address, optionally @port)";
	}
	return NULL;
}

static bool
conf_sockaddr_equal(const conf_sockaddr_t *a, const conf_sockaddr_t *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->ss;
		const struct sockaddr_in *y = (const struct sockaddr_in *)&b->ss;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->ss;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->ss;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* A list of address@port into an arena array. */
static conf_sockaddr_t *
conf_parse_sockaddr_list(conf_ctx_t *x, const ynode_t *list, unsigned default_port,
			 const char *what, size_t *count)
{
	*count = 0;
	if (!conf_expect_seq(x, list, what, false))
		return NULL;
	conf_sockaddr_t *out = arena_zalloc(x->c->arena, sizeof(*out) * (list->n ? list->n : 1));
	size_t n = 0;
	for (const ynode_t *it = list->first; it != NULL; it = it->next) {
		const char *text = conf_get_string(x, it, what, false);
		if (text == NULL)
			continue;
		conf_sockaddr_t *sa = &out[n];
		const char *why = conf_parse_sockaddr(text, default_port, sa);
		if (why != NULL) {
			conf_error(x, it->line, "%s: '%s': %s", what, text, why);
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++) {
			if (conf_sockaddr_equal(&out[i], sa)) {
				conf_error(x, it->line, "%s: '%s' given twice (first at line %lu)", what,
					   text, out[i].line);
				dup = true;
			}
		}
		if (dup)
			continue;
		sa->text = arena_strdup(x->c->arena, text);
		sa->line = it->line;
		n++;
	}
	*count = n;
	return out;
}

/* ---------------------------------------------------------------------------
 * Address-match lists
 */

static acl_t *
conf_acl_find(const conf_t *c, const char *name)
{
	for (size_t i = 0; i < c->nacls; i++)
		if (c->acls[i].name != NULL && strcmp(c->acls[i].name, name) == 0)
			return &c->acls[i];
	return NULL;
}

static bool
conf_looks_like_address(const char *s)
{
	return (*s >= '0' && *s <= '9') || strchr(s, ':') != NULL || strchr(s, '/') != NULL;
}

static const conf_key_t *conf_key_find(const conf_t *c, const char *name);

/* "key NAME" (any blanks between): an address-match element naming a key. */
static bool
conf_is_key_elem(const char *s)
{
	return strncmp(s, "key", 3) == 0 && (s[3] == ' ' || s[3] == '\t');
}

static const char *
conf_key_elem_name(const char *s)
{
	s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One element of an address-match list, e.g. "!lan" (quoted in YAML: an
 * unquoted !lan is a tag, refused by conf_check_tag). */
static bool
conf_parse_acl_elem(conf_ctx_t *x, const char *text, unsigned long line, const char *what,
		    acl_elem_t *e)
{
	memset(e, 0, sizeof(*e));
	e->line = line;
	const char *s = text;
	if (*s == '!') {
		e->negated = true;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0') {
			conf_error(x, line, "%s: '!' must be followed by an address, prefix, ACL "
				   "name, any or none", what);
			return false;
		}
		if (*s == '!') {
			conf_error(x, line, "%s: '%s': double negation is not allowed", what, text);
			return false;
		}
	}
	if (strcasecmp(s, "any") == 0) {
		e->kind = ACL_ANY;
		return true;
	}
	if (conf_is_key_elem(s)) {
		/* "key NAME": the request is signed with that key (INTERFACE.md) */
		const char *kn = conf_key_elem_name(s);
		e->kind = ACL_KEY;
		e->key = *kn ? conf_key_find(x->c, kn) : NULL;
		if (e->key == NULL) {
			conf_error(x, line, "%s: undefined key '%s' (define it under keys:)", what, kn);
			return false;
		}
		return true;
	}
	if (strcasecmp(s, "none") == 0) {
		e->kind = ACL_NONE;
		return true;
	}
	if (conf_looks_like_address(s)) {
		const char *why;
		bool neg = e->negated;
		if (acl_parse_prefix(s, e, &why) != 0) {
			conf_error(x, line, "%s: '%s': %s", what, s, why);
			return false;
		}
		e->negated = neg;
		e->line = line;
		return true;
	}
	const acl_t *nested = conf_acl_find(x->c, s);
	if (nested == NULL) {
		conf_error(x, line, "%s: undefined ACL '%s'", what, s);
		return false;
	}
	e->kind = ACL_NESTED;
	e->nested = nested;
	return true;
}

/* A YAML list of elements into acl (name and line are the caller's). */
static bool
conf_parse_match_list(conf_ctx_t *x, const ynode_t *list, const char *what, acl_t *acl)
{
	acl->elems = NULL;
	acl->count = 0;
	if (!conf_expect_seq(x, list, what, false))
		return false;
	if (list->n == 0) {
		conf_error(x, list->line, "%s: empty address-match list (write [none] to match "
			   "nothing)", what);
		return false;
	}
	acl->elems = arena_zalloc(x->c->arena, sizeof(acl_elem_t) * list->n);
	bool ok = true;
	for (const ynode_t *it = list->first; it != NULL; it = it->next) {
		const char *text;
		if (it->poisoned) {
			ok = false;
			continue;
		} else if (it->type != YN_SCALAR || conf_is_null(it)) {
			conf_error(x, it->line, "%s: expected an address, prefix, ACL name, any or "
				   "none, got %s", what, conf_describe(it));
			ok = false;
			continue;
		} else if ((text = conf_get_string(x, it, what, false)) == NULL) {
			/* an unquoted !lan is a YAML tag: conf_check_tag says to quote it */
			ok = false;
			continue;
		}
		if (conf_parse_acl_elem(x, text, it->line, what, &acl->elems[acl->count]))
			acl->count++;
		else
			ok = false;
	}
	return ok;
}

static bool
conf_acl_name_valid(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}
static void
conf_parse_acls(conf_ctx_t *x, const ynode_t *map)
{
	conf_t *c = x->c;
	if (!conf_expect_map(x, map, "acls"))
		return;
	c->acls = arena_zalloc(c->arena, sizeof(acl_t) * (map->n ? map->n : 1));
	c->nacls = 0;
	/* Which acls[] slot each key's body goes into; NULL: report-only. */
	acl_t **slot = arena_zalloc(x->tmp, sizeof(acl_t *) * (map->n ? map->n : 1));
	size_t ki = 0;
	for (const ynode_t *k = map->first; k != NULL && k->next != NULL; k = k->next->next, ki++) {
		if (k->poisoned)
			continue;
		if (k->type != YN_SCALAR || conf_is_null(k) || !conf_check_tag(x, k, "acls")) {
			if (k->type != YN_SCALAR || conf_is_null(k))
				conf_error(x, k->line, "acls: an ACL name must be a string, got %s",
					   conf_describe(k));
			continue;
		}
		const char *name = k->value;
		if (strcasecmp(name, "any") == 0 || strcasecmp(name, "none") == 0) {
			conf_error(x, k->line, "acls: '%s' is a reserved name", name);
			continue;
		}
		if (!conf_acl_name_valid(name)) {
			conf_error(x, k->line, "acls: bad ACL name '%s' (letters, digits, '_', '-', "
				   "'.'; starting with a letter or '_')", name);
			continue;
		}
		const acl_t *prev = conf_acl_find(c, name);
		if (prev != NULL) {
			conf_error(x, k->line, "duplicate ACL name '%s' (first defined at line %lu)",
				   name, prev->line);
			slot[ki] = arena_zalloc(x->tmp, sizeof(acl_t));
			slot[ki]->name = name;
			continue;
		}
		acl_t *a = &c->acls[c->nacls++];
		a->name = arena_strdup(c->arena, name);
		a->line = k->line;
		slot[ki] = a;
	}
	ki = 0;
	for (const ynode_t *k = map->first; k != NULL && k->next != NULL; k = k->next->next, ki++) {
		if (slot[ki] == NULL)
			continue;
		char what[128];
		snprintf(what, sizeof(what), "ACL '%s'", slot[ki]->name);
		conf_parse_match_list(x, k->next, what, slot[ki]);
	}
	conf_check_acl_graph(x);
}

/* ---------------------------------------------------------------------------
 * Dynamic updates: TSIG keys, allow-update, auto-ptr
 */

static char *conf_zone_canonical(conf_ctx_t *x, const char *name);

static const char *const conf_tsig_algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512",
};

bool
conf_name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static const conf_key_t *
conf_key_find(const conf_t *c, const char *name)
{
	for (size_t i = 0; i < c->nkeys; i++)
		if (conf_name_equal(c->keys[i].name, name))
			return &c->keys[i];
	return NULL;
}

static void
conf_parse_keys(conf_ctx_t *x, const ynode_t *list)
{
	static const char *const keys[] = { "name", "algorithm", "secret" };
	enum { K_NAME, K_ALG, K_SECRET, K_N };
	conf_t *c = x->c;
	if (!conf_expect_seq(x, list, "keys", true))
		return;
	c->keys = arena_zalloc(c->arena, sizeof(conf_key_t) * (list->n ? list->n : 1));
	for (const ynode_t *it = list->first; it != NULL; it = it->next) {
		if (!conf_expect_map(x, it, "keys"))
			continue;
		const ynode_t *v[K_N];
		conf_map_keys(x, it, "key", keys, K_N, v);
		const char *name = NULL, *alg = "hmac-sha256", *secret = NULL;
		bool ok = true;
		if (v[K_NAME] == NULL) {
			conf_error(x, it->line, "key: missing required key 'name'");
			ok = false;
		} else if ((name = conf_get_string(x, v[K_NAME], "key name", false)) == NULL) {
			ok = false;
		} else if (conf_zone_canonical(x, name) == NULL) {
			conf_error(x, v[K_NAME]->line, "key: '%s' is not a valid key name (a domain name)",
				   name);
			ok = false;
		} else if (conf_key_find(c, name) != NULL) {
			conf_error(x, v[K_NAME]->line, "duplicate key name '%s' (first at line %lu)", name,
				   conf_key_find(c, name)->line);
			ok = false;
		}
		if (v[K_ALG] != NULL) {
			alg = conf_get_string(x, v[K_ALG], "key algorithm", false);
			size_t i = 0;
			while (alg != NULL && i < sizeof(conf_tsig_algorithms) / sizeof(*conf_tsig_algorithms) &&
			       strcasecmp(alg, conf_tsig_algorithms[i]) != 0)
				i++;
			if (alg != NULL && i == sizeof(conf_tsig_algorithms) / sizeof(*conf_tsig_algorithms)) {
				conf_error(x, v[K_ALG]->line, "key%s%s: unknown algorithm '%s' (known: "
					   "hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, "
					   "hmac-sha512)", name ? " " : "", name ? name : "", alg);
				alg = NULL;
			} else if (alg != NULL) {
				alg = conf_tsig_algorithms[i];
			}
			ok = ok && alg != NULL;
		}
		if (v[K_SECRET] == NULL) {
			conf_error(x, it->line, "key%s%s: missing required key 'secret' (base64)",
				   name ? " " : "", name ? name : "");
			ok = false;
		} else if ((secret = conf_get_string(x, v[K_SECRET], "key secret", false)) != NULL) {
			ldns_rdf *rdf = NULL;
			bool good = ldns_str2rdf_b64(&rdf, secret) == LDNS_STATUS_OK && rdf != NULL &&
				    ldns_rdf_size(rdf) > 0;
			ldns_rdf_deep_free(rdf);
			if (!good) {
				conf_error(x, v[K_SECRET]->line, "key%s%s: secret is not valid base64",
					   name ? " " : "", name ? name : "");
				secret = NULL;
			}
		}
		if (!ok || secret == NULL)
			continue;
		conf_key_t *k = &c->keys[c->nkeys++];
		k->name = arena_strdup(c->arena, name);
		k->algorithm = alg;
		k->secret = arena_strdup(c->arena, secret);
		k->line = it->line;
	}
}

/* allow-update: [key NAME, 192.168.1.0/24, lan, "!x", any, none] */
static void
conf_parse_allow_update(conf_ctx_t *x, const ynode_t *list, conf_zone_t *z, const char *what)
{
	if (!conf_expect_seq(x, list, what, false))
		return;
	z->allow_update = arena_zalloc(x->c->arena, sizeof(conf_update_elem_t) * (list->n ? list->n : 1));
	for (const ynode_t *it = list->first; it != NULL; it = it->next) {
		conf_update_elem_t *e = &z->allow_update[z->nallow_update];
		memset(e, 0, sizeof(*e));
		e->line = it->line;
		const char *text = conf_get_string(x, it, what, false);
		if (text == NULL)
			continue;
		if (conf_is_key_elem(text)) {
			const char *kn = conf_key_elem_name(text);
			e->key = *kn ? conf_key_find(x->c, kn) : NULL;
			if (e->key == NULL) {
				conf_error(x, it->line, "%s: undefined key '%s' (define it under keys:)",
					   what, kn);
				continue;
			}
			z->nallow_update++;
			continue;
		}
		if (conf_parse_acl_elem(x, text, it->line, what, &e->addr))
			z->nallow_update++;
	}
}

/* ---------------------------------------------------------------------------
 * Sections
 */

/* file relative to the config file's directory (absolute: as it is) */
static char *
conf_path_join(conf_ctx_t *x, const char *file)
{
	if (file[0] == '/')
		return arena_strdup(x->c->arena, file);
	size_t dl = strlen(x->c->dir), fl = strlen(file);
	char *p = arena_alloc(x->c->arena, dl + 1 + fl + 1);
	memcpy(p, x->c->dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, file, fl + 1);
	return p;
}

/* server.control, server.metrics, server.user (docs/operations.md). */
static void
conf_parse_server_ops(conf_ctx_t *x, const ynode_t *control, const ynode_t *metrics,
		      const ynode_t *user)
{
	conf_t *c = x->c;
	const char *s;
	if (control != NULL && (s = conf_get_string(x, control, "server.control", true)) != NULL) {
		if (strlen(s) > CONF_MAX_UNIX_PATH)
			conf_error(x, control->line, "server.control: longer than %d bytes (a unix "
				   "socket path)", CONF_MAX_UNIX_PATH);
		else
			c->control = s[0] == '\0' ? "" : conf_path_join(x, s);
	}
	if (metrics != NULL && (s = conf_get_string(x, metrics, "server.metrics", false)) != NULL) {
		conf_sockaddr_t *sa = arena_zalloc(c->arena, sizeof(*sa));
		const char *why = conf_parse_sockaddr(s, CONF_DEFAULT_METRICS_PORT, sa);
		if (why != NULL) {
			conf_error(x, metrics->line, "server.metrics: '%s': %s", s, why);
		} else {
			sa->text = arena_strdup(c->arena, s);
			sa->line = metrics->line;
			c->metrics = sa;
		}
	}
	if (user != NULL && (s = conf_get_string(x, user, "server.user", false)) != NULL)
		c->user = arena_strdup(c->arena, s);
}

static void
conf_parse_server(conf_ctx_t *x, const ynode_t *key, const ynode_t *map)
{
	static const char *const keys[] = {
		"listen", "workers", "tcp-idle-timeout", "tcp-clients", "edns-udp-size",
		"identity", "version", "state-dir", "control", "metrics", "user", "query-log",
		"tcp-max-lifetime",
	};
	enum { K_LISTEN, K_WORKERS, K_IDLE, K_CLIENTS, K_EDNS, K_IDENTITY, K_VERSION, K_STATE,
	       K_CONTROL, K_METRICS, K_USER, K_QUERYLOG, K_LIFETIME, K_N };
	const ynode_t *v[K_N];
	conf_t *c = x->c;

	if (!conf_expect_map(x, map, "server"))
		return;
	conf_map_keys(x, map, "server", keys, K_N, v);
	if (v[K_LISTEN] != NULL) {
		c->listen = conf_parse_sockaddr_list(x, v[K_LISTEN], 53, "server.listen", &c->nlisten);
		if (c->nlisten == 0 && v[K_LISTEN]->type == YN_SEQ && v[K_LISTEN]->n == 0)
			conf_error(x, v[K_LISTEN]->line, "server.listen: at least one address is needed");
	} else {
		conf_error(x, key->line, "server: missing required key 'listen'");
	}
	if (v[K_WORKERS] != NULL)
		conf_get_uint(x, v[K_WORKERS], "server.workers", 0, 256, &c->workers);
	if (v[K_IDLE] != NULL)
		conf_get_uint(x, v[K_IDLE], "server.tcp-idle-timeout", 1, 3600, &c->tcp_idle_timeout);
	if (v[K_LIFETIME] != NULL)
		conf_get_uint(x, v[K_LIFETIME], "server.tcp-max-lifetime", 0, 86400,
			      &c->tcp_max_lifetime);
	if (v[K_CLIENTS] != NULL)
		conf_get_uint(x, v[K_CLIENTS], "server.tcp-clients", 1, 65535, &c->tcp_clients);
	if (v[K_EDNS] != NULL)
		conf_get_uint(x, v[K_EDNS], "server.edns-udp-size", 512, 4096, &c->edns_udp_size);
	const char *s;
	if (v[K_IDENTITY] != NULL &&
	    (s = conf_get_string(x, v[K_IDENTITY], "server.identity", true)) != NULL) {
		if (strlen(s) > CONF_MAX_TXT)
			conf_error(x, v[K_IDENTITY]->line, "server.identity: longer than %d bytes",
				   CONF_MAX_TXT);
		else
			c->identity = arena_strdup(c->arena, s);
	}
	if (v[K_VERSION] != NULL &&
	    (s = conf_get_string(x, v[K_VERSION], "server.version", true)) != NULL) {
		if (strlen(s) > CONF_MAX_TXT)
			conf_error(x, v[K_VERSION]->line, "server.version: longer than %d bytes",
				   CONF_MAX_TXT);
		else
			c->version = arena_strdup(c->arena, s);
	}
	if (v[K_STATE] != NULL &&
	    (s = conf_get_string(x, v[K_STATE], "server.state-dir", false)) != NULL) {
		if (strlen(s) > CONF_MAX_PATH)
			conf_error(x, v[K_STATE]->line, "server.state-dir: longer than %d bytes",
				   CONF_MAX_PATH);
		else
			c->state_dir = conf_path_join(x, s);
	}
	conf_parse_server_ops(x, v[K_CONTROL], v[K_METRICS], v[K_USER]);
	if (v[K_QUERYLOG] != NULL)
		conf_get_bool(x, v[K_QUERYLOG], "server.query-log", &c->query_log);
}

/* ---------------------------------------------------------------------------
 * translate: nat (the nat: section itself is nat_conf.c's)
 */

static bool
conf_parse_translate(conf_ctx_t *x, const ynode_t *n, const char *zwhat)
{
	char what[240];
	snprintf(what, sizeof(what), "%s: translate", zwhat);
	const char *s = conf_get_string(x, n, what, false);
	if (s == NULL)
		return false;
	if (strcmp(s, "nat") != 0) {
		conf_error(x, n->line, "%s: unknown translation '%s' (the only one is 'nat')", what, s);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Zones and views
 */

/* The dnssec-* keys of a zone: v[0..6] = dnssec-signing, -algorithm, -keys,
 * -nsec3, -validity, -zsk-lifetime, -serial (NULL: absent). The others need
 * dnssec-signing: true (an error otherwise: they would silently do nothing). */
static void
conf_parse_zone_dnssec(conf_ctx_t *x, const ynode_t *const *v, conf_zone_t *z, const char *zwhat)
{
	char what[300];
	z->dnssec_algorithm = 13;   /* LDNS_SIGN_ECDSAP256SHA256 */
	z->dnssec_validity = 14 * 86400;
	z->dnssec_zsk_lifetime = 90 * 86400;
	snprintf(what, sizeof(what), "%s %s: dnssec-signing", zwhat, z->name);
	if (v[0] != NULL) {
		conf_get_bool(x, v[0], what, &z->dnssec_signing);
		z->dnssec_line = v[0]->line;
	}
	static const char *const names[] = { "dnssec-algorithm", "dnssec-keys", "dnssec-nsec3",
					     "dnssec-validity", "dnssec-zsk-lifetime", "dnssec-serial" };
	for (int i = 1; i < 7; i++) {
		if (v[i] == NULL)
			continue;
		snprintf(what, sizeof(what), "%s %s: %s", zwhat, z->name, names[i - 1]);
		if (!z->dnssec_signing)
			conf_error(x, v[i]->line, "%s needs dnssec-signing: true", what);
		const char *s = NULL;
		switch (i) {
		case 1:
			if ((s = conf_get_string(x, v[i], what, false)) == NULL)
				break;
			if (strcasecmp(s, "ecdsap256sha256") == 0)
				z->dnssec_algorithm = 13;
			else if (strcasecmp(s, "ed25519") == 0)
				z->dnssec_algorithm = 15;
			else
				conf_error(x, v[i]->line, "%s: unknown algorithm '%s' "
					   "(ecdsap256sha256 or ed25519)", what, s);
			break;
		case 2:
			if ((s = conf_get_string(x, v[i], what, false)) == NULL)
				break;
			if (strcmp(s, "ksk-zsk") == 0)
				z->dnssec_ksk_zsk = true;
			else if (strcmp(s, "csk") != 0)
				conf_error(x, v[i]->line, "%s: '%s' is neither csk nor ksk-zsk", what, s);
			break;
		case 3:
			conf_get_bool(x, v[i], what, &z->dnssec_nsec3);
			break;
		case 4:   /* seconds (the refresh runs at half of it); below an hour: tests */
			conf_get_uint(x, v[i], what, 20, 366 * 86400, &z->dnssec_validity);
			break;
		case 5:   /* must outlive the pre-publication (a validity) and the roll */
			conf_get_uint(x, v[i], what, 86400, 3650u * 86400, &z->dnssec_zsk_lifetime);
			break;
		default:
			if ((s = conf_get_string(x, v[i], what, false)) == NULL)
				break;
			if (strcmp(s, "increment") == 0)
				z->dnssec_serial = CONF_SERIAL_INCREMENT;
			else if (strcmp(s, "unixtime") == 0)
				z->dnssec_serial = CONF_SERIAL_UNIXTIME;
			else if (strcmp(s, "date") == 0)
				z->dnssec_serial = CONF_SERIAL_DATE;
			else
				conf_error(x, v[i]->line, "%s: '%s' is not increment, unixtime or date",
					   what, s);
			break;
		}
	}
}

/* Keys belong to a zone name (dnssec_keys.h): views that sign the same
 * zone must ask for the same keys, or their copies would not validate
 * against one DS. An error at the later zone's dnssec-signing line. */
static void
conf_check_dnssec_views(conf_ctx_t *x)
{
	const conf_t *c = x->c;
	for (size_t v = 0; v < c->nviews; v++)
		for (size_t i = 0; i < c->views[v].nzones; i++) {
			const conf_zone_t *z = &c->views[v].zones[i];
			bool done = !z->dnssec_signing;
			for (size_t w = 0; w < v && !done; w++)
				for (size_t k = 0; k < c->views[w].nzones && !done; k++) {
					const conf_zone_t *o = &c->views[w].zones[k];
					if (!o->dnssec_signing || !conf_name_equal(o->name, z->name))
						continue;
					done = true;
					if (o->dnssec_algorithm != z->dnssec_algorithm ||
					    o->dnssec_ksk_zsk != z->dnssec_ksk_zsk ||
					    o->dnssec_zsk_lifetime != z->dnssec_zsk_lifetime)
						conf_error(x, z->dnssec_line, "view %s: zone %s: dnssec-algorithm, "
							   "dnssec-keys and dnssec-zsk-lifetime must be the same in "
							   "every view that signs it (view %s, line %lu): all views "
							   "sign with one set of keys", c->views[v].name, z->name,
							   c->views[w].name, o->dnssec_line);
				}
		}
}

/* Zone name check and canonical form (lower case, trailing dot) for
 * duplicate detection; NULL if the name is not a valid domain name. */
static char *
conf_zone_canonical(conf_ctx_t *x, const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return NULL;
	ldns_rdf *rdf = ldns_dname_new_frm_str(name);
	if (rdf == NULL)
		return NULL;
	ldns_dname2canonical(rdf);
	char *s = ldns_rdf2str(rdf);
	ldns_rdf_deep_free(rdf);
	if (s == NULL)
		return NULL;
	char *out = arena_strdup(x->tmp, s);
	free(s);
	return out;
}

struct conf_zone_key {
	const char *canon;
	size_t index;
};

static int
conf_zone_key_cmp(const void *a, const void *b)
{
	const struct conf_zone_key *x = a, *y = b;
	int r = strcmp(x->canon, y->canon);
	if (r != 0)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* allow-transfer, allow-notify (key): an address-match list (key NAME
 * elements included); the default, no list, lets nobody in. */
static const acl_t *
conf_parse_zone_acl(conf_ctx_t *x, const ynode_t *list, const char *zwhat, const char *name,
		    const char *key)
{
	char what[300];
	snprintf(what, sizeof(what), "%s %s: %s", zwhat, name, key);
	acl_t *acl = arena_zalloc(x->c->arena, sizeof(*acl));
	acl->line = list->line;
	return conf_parse_match_list(x, list, what, acl) ? acl : NULL;
}
static void conf_parse_zone_xfr(conf_ctx_t *x, const ynode_t *notify, const ynode_t *primaries,
				const ynode_t *key, const ynode_t *notify_key, conf_zone_t *z,
				const char *zwhat);

static void
conf_parse_zones(conf_ctx_t *x, const ynode_t *list, conf_view_t *view, const char *vwhat)
{
	static const char *const keys[] = { "name", "file", "translate", "allow-update", "auto-ptr",
					    "allow-transfer", "dnssec-signing", "dnssec-algorithm", "dnssec-keys",
					    "dnssec-nsec3", "dnssec-validity", "dnssec-zsk-lifetime", "dnssec-serial",
					    "notify", "primaries", "transfer-key", "notify-key", "allow-notify" };
	enum { ZK_ALLOW_TRANSFER = 5, ZK_DNSSEC = 6, ZK_NOTIFY = 13, ZK_PRIMARIES, ZK_TRANSFER_KEY,
	       ZK_NOTIFY_KEY, ZK_ALLOW_NOTIFY, ZK_N };
	_Static_assert(sizeof(keys) / sizeof(keys[0]) == ZK_N, "the zone key table and its indexes");
	char what[200];
	snprintf(what, sizeof(what), "%s: zones", vwhat);
	if (!conf_expect_seq(x, list, what, true))
		return;
	view->zones = arena_zalloc(x->c->arena, sizeof(conf_zone_t) * (list->n ? list->n : 1));
	struct conf_zone_key *canon = arena_zalloc(x->tmp, sizeof(*canon) * (list->n ? list->n : 1));
	size_t ncanon = 0;
	for (const ynode_t *it = list->first; it != NULL; it = it->next) {
		if (!conf_expect_map(x, it, what))
			continue;
		const ynode_t *v[ZK_N];
		char zwhat[200];
		snprintf(zwhat, sizeof(zwhat), "%s: zone", vwhat);
		conf_map_keys(x, it, zwhat, keys, ZK_N, v);
		bool translate_nat = false;
		if (v[2] != NULL)
			translate_nat = conf_parse_translate(x, v[2], zwhat);
		const char *name = NULL, *file = NULL;
		char *cn = NULL;
		if (v[0] == NULL)
			conf_error(x, it->line, "%s: missing required key 'name'", zwhat);
		else if ((name = conf_get_string(x, v[0], "zone name", false)) != NULL &&
			 (cn = conf_zone_canonical(x, name)) == NULL) {
			conf_error(x, v[0]->line, "%s: '%s' is not a valid domain name", zwhat, name);
			name = NULL;
		}
		/* a secondary zone's file is optional: its copy goes under state-dir */
		bool secondary = v[ZK_PRIMARIES] != NULL;
		if (v[1] == NULL && !secondary)
			conf_error(x, it->line, "%s%s%s: missing required key 'file'", zwhat,
				   name ? " " : "", name ? name : "");
		else if (v[1] != NULL)
			file = conf_get_string(x, v[1], "zone file", false);
		if (name == NULL || (file == NULL && (v[1] != NULL || !secondary)))
			continue;
		conf_zone_t *z = &view->zones[view->nzones];
		z->name = arena_strdup(x->c->arena, name);
		z->file = file ? arena_strdup(x->c->arena, file) : NULL;
		z->path = file ? conf_path_join(x, file) : NULL;   /* NULL: set in conf_xfr_finish */
		z->view_name = view->name;
		z->line = it->line;
		z->translate_nat = translate_nat;
		char uwhat[300];
		snprintf(uwhat, sizeof(uwhat), "%s %s: allow-update", zwhat, name);
		if (v[3] != NULL)
			conf_parse_allow_update(x, v[3], z, uwhat);
		snprintf(uwhat, sizeof(uwhat), "%s %s: auto-ptr", zwhat, name);
		if (v[4] != NULL)
			conf_get_bool(x, v[4], uwhat, &z->auto_ptr);
		if (v[ZK_ALLOW_TRANSFER] != NULL)
			z->allow_transfer = conf_parse_zone_acl(x, v[ZK_ALLOW_TRANSFER], zwhat, name,
								"allow-transfer");
		conf_parse_zone_xfr(x, v[ZK_NOTIFY], v[ZK_PRIMARIES], v[ZK_TRANSFER_KEY], v[ZK_NOTIFY_KEY],
				    z, zwhat);
		if (v[ZK_ALLOW_NOTIFY] != NULL) {
			z->allow_notify = conf_parse_zone_acl(x, v[ZK_ALLOW_NOTIFY], zwhat, name,
							      "allow-notify");
			if (v[ZK_PRIMARIES] == NULL)
				conf_error(x, v[ZK_ALLOW_NOTIFY]->line, "%s %s: allow-notify: only for a "
					   "secondary zone (give primaries:); a primary zone acknowledges "
					   "every NOTIFY", zwhat, name);
		}
		if (z->translate_nat && (z->nallow_update > 0 || z->auto_ptr))
			conf_error(x, it->line, "%s %s: allow-update and auto-ptr cannot be combined "
				   "with translate: nat", zwhat, name);
		conf_parse_zone_dnssec(x, &v[ZK_DNSSEC], z, zwhat);   /* the seven dnssec-* keys */
		canon[ncanon].canon = cn;
		canon[ncanon].index = view->nzones;
		ncanon++;
		view->nzones++;
	}
	/* Duplicates: sort by canonical name, report every later one. */
	qsort(canon, ncanon, sizeof(*canon), conf_zone_key_cmp);
	for (size_t i = 1; i < ncanon; i++) {
		size_t first = i - 1;
		while (first > 0 && strcmp(canon[first - 1].canon, canon[i].canon) == 0)
			first--;
		if (strcmp(canon[first].canon, canon[i].canon) != 0)
			continue;
		const conf_zone_t *z0 = &view->zones[canon[first].index];
		const conf_zone_t *z1 = &view->zones[canon[i].index];
		conf_error(x, z1->line, "%s: duplicate zone '%s' (first at line %lu)", vwhat,
			   z1->name, z0->line);
	}
}

/* "64M", "512k", "1G" or plain bytes (binary multiples). */
static bool
conf_get_size(conf_ctx_t *x, const ynode_t *n, const char *what, unsigned long long *out)
{
	static const unsigned long long max = 64ULL << 30;
	if (n->poisoned)
		return false;
	if (n->type != YN_SCALAR || conf_is_null(n) || !conf_check_tag(x, n, what)) {
		if (n->type != YN_SCALAR || conf_is_null(n))
			conf_error(x, n->line, "%s: expected a size such as 64M, got %s", what,
				   conf_describe(n));
		return false;
	}
	unsigned long long v = 0;
	size_t i = 0;
	bool ok = n->len > 0;
	for (; ok && i < n->len && n->value[i] >= '0' && n->value[i] <= '9'; i++) {
		v = v * 10 + (unsigned long long)(n->value[i] - '0');
		if (v > max)
			ok = false;
	}
	if (i == 0)
		ok = false;
	if (ok && i < n->len) {
		switch (n->value[i]) {
		case 'k': case 'K': v <<= 10; break;
		case 'm': case 'M': v <<= 20; break;
		case 'g': case 'G': v <<= 30; break;
		default: ok = false;
		}
		if (i + 1 != n->len)
			ok = false;
	}
	if (!ok || v > max) {
		conf_error(x, n->line, "%s: expected a size such as 64M (bytes, or a number with "
			   "k, M or G; at most 64G), got '%s'", what, n->value);
		return false;
	}
	*out = v;
	return true;
}

/* The cache and canary keys of a view (defaults when absent). */
static void
conf_parse_view_cache(conf_ctx_t *x, const ynode_t *size, const ynode_t *min,
		      const ynode_t *max, const ynode_t *max_neg, const ynode_t *canary,
		      conf_view_t *view,
		      const char *what)
{
	char kwhat[200];
	view->cache_size = 32ULL << 20;
	view->cache_min_ttl = 0;
	view->cache_max_ttl = 86400;
	view->cache_max_negative_ttl = 10800;   /* BIND's max-ncache-ttl default */
	view->doh_canary = true;
	if (size != NULL) {
		snprintf(kwhat, sizeof(kwhat), "%s: cache-size", what);
		conf_get_size(x, size, kwhat, &view->cache_size);
	}
	if (min != NULL) {
		snprintf(kwhat, sizeof(kwhat), "%s: cache-min-ttl", what);
		conf_get_uint(x, min, kwhat, 0, 604800, &view->cache_min_ttl);
	}
	if (max != NULL) {
		snprintf(kwhat, sizeof(kwhat), "%s: cache-max-ttl", what);
		conf_get_uint(x, max, kwhat, 0, 604800, &view->cache_max_ttl);
	}
	if (max_neg != NULL) {
		snprintf(kwhat, sizeof(kwhat), "%s: cache-max-negative-ttl", what);
		conf_get_uint(x, max_neg, kwhat, 0, 604800, &view->cache_max_negative_ttl);
	}
	if (canary != NULL) {
		snprintf(kwhat, sizeof(kwhat), "%s: doh-canary", what);
		conf_get_bool(x, canary, kwhat, &view->doh_canary);
	}
	if (view->cache_min_ttl > view->cache_max_ttl)
		conf_error(x, min->line, "%s: cache-min-ttl (%u) is larger than cache-max-ttl (%u)",
			   what, view->cache_min_ttl, view->cache_max_ttl);
	const ynode_t *given = size ? size : min ? min : max ? max : max_neg ? max_neg : canary;
	if (given != NULL && !view->recursion)
		conf_warn(x, given->line, "%s: cache-size, cache-min-ttl, cache-max-ttl, "
			  "cache-max-negative-ttl and doh-canary only matter with recursion: true", what);
}

/* rate-limit: {responses-per-second, ...} of a view (BIND's names). */
static void
conf_parse_rate_limit(conf_ctx_t *x, const ynode_t *map, conf_view_t *view, const char *what)
{
	static const char *const keys[] = {
		"responses-per-second", "errors-per-second", "nxdomains-per-second", "slip", "window",
		"ipv4-prefix-length", "ipv6-prefix-length", "exempt-clients",
	};
	enum { K_RPS, K_EPS, K_NPS, K_SLIP, K_WINDOW, K_V4, K_V6, K_EXEMPT, K_N };
	char rwhat[200], kwhat[260];
	snprintf(rwhat, sizeof(rwhat), "%s: rate-limit", what);
	if (!conf_expect_map(x, map, rwhat))
		return;
	const ynode_t *v[K_N];
	conf_map_keys(x, map, rwhat, keys, K_N, v);
	conf_rate_limit_t *rl = arena_zalloc(x->c->arena, sizeof(*rl));
	rl->slip = 2;
	rl->window = 15;
	rl->ipv4_prefix_length = 24;
	rl->ipv6_prefix_length = 56;
	struct { int k; unsigned min, max; unsigned *out; } num[] = {
		{ K_RPS, 0, 1000000, &rl->responses_per_second },
		{ K_EPS, 0, 1000000, &rl->errors_per_second },
		{ K_NPS, 0, 1000000, &rl->nxdomains_per_second },
		{ K_SLIP, 0, 10, &rl->slip },
		{ K_WINDOW, 1, 3600, &rl->window },
		{ K_V4, 0, 32, &rl->ipv4_prefix_length },
		{ K_V6, 0, 128, &rl->ipv6_prefix_length },
	};
	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		if (v[num[i].k] == NULL)
			continue;
		snprintf(kwhat, sizeof(kwhat), "%s.%s", rwhat, keys[num[i].k]);
		conf_get_uint(x, v[num[i].k], kwhat, num[i].min, num[i].max, num[i].out);
	}
	if (v[K_EPS] == NULL)
		rl->errors_per_second = rl->responses_per_second;
	if (v[K_NPS] == NULL)
		rl->nxdomains_per_second = rl->responses_per_second;
	if (v[K_RPS] == NULL)
		conf_error(x, map->line, "%s: responses-per-second is required", rwhat);
	if (v[K_EXEMPT] != NULL) {
		acl_t *acl = arena_zalloc(x->c->arena, sizeof(*acl));
		acl->line = v[K_EXEMPT]->line;
		snprintf(kwhat, sizeof(kwhat), "%s.exempt-clients", rwhat);
		conf_parse_match_list(x, v[K_EXEMPT], kwhat, acl);
		rl->exempt_clients = acl;
	}
	view->rate_limit = rl;
	x->c->rate_limited = true;
}

static void
conf_parse_views(conf_ctx_t *x, const ynode_t *list)
{
	static const char *const keys[] = {
		"name", "match-clients", "match-destinations", "recursion", "forwarders", "zones",
		"cache-size", "cache-min-ttl", "cache-max-ttl", "doh-canary", "nat-doctoring",
		"rate-limit", "query-log", "cache-max-negative-ttl",
	};
	enum { K_NAME, K_CLIENTS, K_DESTS, K_RECURSION, K_FORWARDERS, K_ZONES,
	       K_CACHE_SIZE, K_CACHE_MIN, K_CACHE_MAX, K_CANARY, K_DOCTOR, K_RATE_LIMIT, K_QUERYLOG,
	       K_CACHE_MAX_NEG, K_N };
	conf_t *c = x->c;

	if (!conf_expect_seq(x, list, "views", false))
		return;
	if (list->n == 0) {
		conf_error(x, list->line, "views: at least one view is needed");
		return;
	}
	c->views = arena_zalloc(c->arena, sizeof(conf_view_t) * list->n);
	size_t index = 0;
	for (const ynode_t *it = list->first; it != NULL; it = it->next, index++) {
		char what[160];
		snprintf(what, sizeof(what), "view #%zu", index + 1);
		if (!conf_expect_map(x, it, what))
			continue;
		/* Name the view in messages about its other keys, if it has a name. */
		for (const ynode_t *k = it->first; k != NULL && k->next != NULL; k = k->next->next) {
			if (k->type == YN_SCALAR && strcmp(k->value, "name") == 0 &&
			    k->next->type == YN_SCALAR && !conf_is_null(k->next) && k->next->tag == NULL &&
			    strlen(k->next->value) == k->next->len) {
				snprintf(what, sizeof(what), "view '%s'", k->next->value);
				break;
			}
		}
		const ynode_t *v[K_N];
		conf_map_keys(x, it, what, keys, K_N, v);
		conf_view_t *view = &c->views[c->nviews];
		memset(view, 0, sizeof(*view));
		view->line = it->line;

		if (v[K_NAME] == NULL) {
			conf_error(x, it->line, "%s: missing required key 'name'", what);
		} else {
			const char *name = conf_get_string(x, v[K_NAME], "view name", false);
			if (name != NULL) {
				for (size_t i = 0; i < c->nviews; i++) {
					if (c->views[i].name != NULL && strcmp(c->views[i].name, name) == 0) {
						conf_error(x, v[K_NAME]->line,
							   "duplicate view name '%s' (first at line %lu)", name,
							   c->views[i].line);
						break;
					}
				}
				view->name = arena_strdup(c->arena, name);
			}
		}

		if (v[K_CLIENTS] == NULL) {
			conf_error(x, it->line, "%s: missing required key 'match-clients'", what);
		} else {
			acl_t *acl = arena_zalloc(c->arena, sizeof(*acl));
			acl->line = v[K_CLIENTS]->line;
			char lwhat[200];
			snprintf(lwhat, sizeof(lwhat), "%s: match-clients", what);
			conf_parse_match_list(x, v[K_CLIENTS], lwhat, acl);
			view->match_clients = acl;
		}
		if (v[K_DESTS] != NULL) {
			acl_t *acl = arena_zalloc(c->arena, sizeof(*acl));
			acl->line = v[K_DESTS]->line;
			char lwhat[200];
			snprintf(lwhat, sizeof(lwhat), "%s: match-destinations", what);
			conf_parse_match_list(x, v[K_DESTS], lwhat, acl);
			view->match_destinations = acl;
		}
		bool recursion_ok = true;
		if (v[K_RECURSION] != NULL) {
			char rwhat[200];
			snprintf(rwhat, sizeof(rwhat), "%s: recursion", what);
			recursion_ok = conf_get_bool(x, v[K_RECURSION], rwhat, &view->recursion);
		}
		/* Missing or [] (not: given but invalid, already reported). */
		bool fwd_missing = v[K_FORWARDERS] == NULL ||
				   (v[K_FORWARDERS]->type == YN_SEQ && v[K_FORWARDERS]->n == 0);
		if (v[K_FORWARDERS] != NULL) {
			char fwhat[200];
			snprintf(fwhat, sizeof(fwhat), "%s: forwarders", what);
			view->forwarders = conf_parse_sockaddr_list(x, v[K_FORWARDERS], 53, fwhat,
								    &view->nforwarders);
		}
		if (view->recursion && fwd_missing)
			conf_error(x, v[K_RECURSION]->line,
				   "%s: recursion is on but no forwarders are given (horizond only "
				   "forwards; add forwarders: [address@port])", what);
		else if (recursion_ok && !view->recursion && view->nforwarders > 0)
			conf_warn(x, v[K_FORWARDERS]->line,
				  "%s: forwarders are ignored because recursion is off", what);
		conf_parse_view_cache(x, v[K_CACHE_SIZE], v[K_CACHE_MIN], v[K_CACHE_MAX],
				      v[K_CACHE_MAX_NEG], v[K_CANARY], view, what);
		/* nat-doctoring: unset means "on in recursive views when nat: maps
		 * something" (decided where the map is known, see forward.c) */
		view->nat_doctoring = -1;
		if (v[K_DOCTOR] != NULL) {
			bool on = false;
			char kwhat[200];
			snprintf(kwhat, sizeof(kwhat), "%s: nat-doctoring", what);
			conf_get_bool(x, v[K_DOCTOR], kwhat, &on);
			view->nat_doctoring = on;
			if (!view->recursion)
				conf_warn(x, v[K_DOCTOR]->line, "%s: nat-doctoring only matters with "
					  "recursion: true", what);
		}
		if (v[K_RATE_LIMIT] != NULL)
			conf_parse_rate_limit(x, v[K_RATE_LIMIT], view, what);
		view->query_log = -1;
		if (v[K_QUERYLOG] != NULL) {
			bool on = false;
			char kwhat[200];
			snprintf(kwhat, sizeof(kwhat), "%s: query-log", what);
			conf_get_bool(x, v[K_QUERYLOG], kwhat, &on);
			view->query_log = on;
		}
		if (v[K_ZONES] != NULL)
			conf_parse_zones(x, v[K_ZONES], view, what);
		c->nviews++;
	}
}

/* ---------------------------------------------------------------------------
 * Entry points
 */

static char *
conf_dirname(arena_t *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return arena_strdup(a, ".");
	if (slash == path)
		return arena_strdup(a, "/");
	size_t n = (size_t)(slash - path);
	char *d = arena_alloc(a, n + 1);
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

static void conf_xfr_finish(conf_ctx_t *x);

conf_t *
conf_parse(const char *path, const char *text, size_t len, diag_t *d)
{
	arena_t *arena = arena_new(0);
	conf_t *c = arena_zalloc(arena, sizeof(*c));
	c->arena = arena;
	c->path = arena_strdup(arena, path);
	c->dir = conf_dirname(arena, path);
	c->workers = 0;
	c->tcp_idle_timeout = 10;
	c->tcp_max_lifetime = 120;
	c->tcp_clients = 256;
	c->edns_udp_size = 1232;
	c->state_dir = arena_strdup(arena, CONF_DEFAULT_STATE_DIR);
	c->control = CONF_DEFAULT_CONTROL;

	conf_ctx_t x = { .c = c, .d = d, .file = c->path, .tmp = arena_new(0) };
	bool empty;
	ynode_t *root = conf_yaml_load(&x, text, len, &empty);
	if (root == NULL && empty) {
		conf_error(&x, 1, "the configuration is empty (server.listen and views are required)");
	} else if (root != NULL && conf_expect_map(&x, root, "top level")) {
		static const char *const keys[] = { "server", "acls", "views", "nat", "keys" };
		const ynode_t *v[5];
		conf_map_keys(&x, root, "the top level", keys, 5, v);
		/* ACL and key names must be known before any list refers to them;
		 * the rest goes in file order so messages come out in line order. */
		if (v[4] != NULL)
			conf_parse_keys(&x, v[4]);   /* first: ACLs may name keys */
		if (v[1] != NULL)
			conf_parse_acls(&x, v[1]);
		for (const ynode_t *k = root->first; k != NULL && k->next != NULL; k = k->next->next) {
			if (k->next == v[0])
				conf_parse_server(&x, k, v[0]);
			else if (k->next == v[2])
				conf_parse_views(&x, v[2]);
			else if (k->next == v[3])
				nat_conf_parse(&x, v[3]);
		}
		conf_check_translate(&x);
		conf_xfr_finish(&x);   /* secondaries' default files, before the file checks */
		conf_check_writable_files(&x);
		conf_check_dnssec_views(&x);
		/* zones carry the state directory (where compacted journals go) */
		for (size_t i = 0; i < c->nviews; i++)
			for (size_t k = 0; k < c->views[i].nzones; k++)
				c->views[i].zones[k].state_dir = c->state_dir;
		/* does any view log queries? (workers then take a timestamp per batch) */
		for (size_t i = 0; i < c->nviews; i++)
			if (c->views[i].query_log > 0 || (c->views[i].query_log < 0 && c->query_log))
				c->any_query_log = true;
		if (v[0] == NULL)
			conf_error(&x, root->line, "missing required section 'server' (server.listen "
				   "is required)");
		if (v[2] == NULL)
			conf_error(&x, root->line, "missing required key 'views'");
	}
	conf_msg_flush(&x);
	arena_free(&x.tmp);
	if (x.errors > 0) {
		conf_free(&c);
		return NULL;
	}
	return c;
}

conf_t *
conf_load(const char *path, diag_t *d)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		diag_error(d, path, 0, "not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > (off_t)CONF_MAX_FILE_SIZE) {
		diag_error(d, path, 0, "larger than %u bytes", CONF_MAX_FILE_SIZE);
		fclose(f);
		return NULL;
	}
	size_t size = (size_t)st.st_size;
	char *text = malloc(size + 1);
	if (text == NULL) {
		diag_error(d, path, 0, "out of memory");
		fclose(f);
		return NULL;
	}
	size_t got = fread(text, 1, size, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		diag_error(d, path, 0, "read error");
		free(text);
		return NULL;
	}
	text[got] = '\0';
	conf_t *c = conf_parse(path, text, got, d);
	free(text);
	return c;
}

void
conf_free(conf_t **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	arena_t *a = (*cp)->arena;
	*cp = NULL;
	arena_free(&a);
}

/* ---------------------------------------------------------------------------
 * Zone transfers in and NOTIFY (docs/transfers.md): notify, primaries,
 * transfer-key, notify-key
 */

/* A key name at node (a string naming a key under keys:), or NULL (an
 * error reported as what). */
static const conf_key_t *
conf_parse_key_ref(conf_ctx_t *x, const ynode_t *node, const char *what)
{
	const char *kn = conf_get_string(x, node, what, false);
	const conf_key_t *k = kn != NULL ? conf_key_find(x->c, kn) : NULL;
	if (kn != NULL && k == NULL)
		conf_error(x, node->line, "%s: undefined key '%s' (define it under keys:)", what, kn);
	return k;
}

static void
conf_parse_zone_xfr(conf_ctx_t *x, const ynode_t *notify, const ynode_t *primaries,
		    const ynode_t *key, const ynode_t *notify_key, conf_zone_t *z, const char *zwhat)
{
	char what[300];
	if (notify != NULL) {
		snprintf(what, sizeof(what), "%s %s: notify", zwhat, z->name);
		z->notify = conf_parse_sockaddr_list(x, notify, 53, what, &z->nnotify);
	}
	if (primaries != NULL) {
		snprintf(what, sizeof(what), "%s %s: primaries", zwhat, z->name);
		z->primaries = conf_parse_sockaddr_list(x, primaries, 53, what, &z->nprimaries);
		if (z->nprimaries == 0 && conf_expect_seq(x, primaries, what, false) && primaries->n == 0)
			conf_error(x, primaries->line, "%s: empty (a secondary zone needs at least one "
				   "primary)", what);
		if (z->nallow_update > 0 || z->auto_ptr || z->translate_nat)
			conf_error(x, primaries->line, "%s %s: a secondary zone (primaries:) cannot take "
				   "allow-update, auto-ptr or translate: its data comes from the primary",
				   zwhat, z->name);
	}
	if (key != NULL) {
		snprintf(what, sizeof(what), "%s %s: transfer-key", zwhat, z->name);
		z->transfer_key = conf_parse_key_ref(x, key, what);
		if (primaries == NULL)
			conf_error(x, key->line, "%s: only for a secondary zone (give primaries:)", what);
	}
	if (notify_key != NULL) {
		snprintf(what, sizeof(what), "%s %s: notify-key", zwhat, z->name);
		z->notify_key = conf_parse_key_ref(x, notify_key, what);
		if (notify == NULL)
			conf_error(x, notify_key->line, "%s: signs the zone's NOTIFYs: give notify: too",
				   what);
	}
}

/* A secondary zone's copy, when no file is given:
 * "<state-dir>/secondary/<view>/<zone>.zone", one per view and zone, so two
 * views never share a transferred copy by accident. */
static char *
conf_xfr_default_path(conf_ctx_t *x, const conf_zone_t *z)
{
	char view[128], zone[300];
	const char *parts[2] = { z->view_name ? z->view_name : "view", z->name };
	char *outs[2] = { view, zone };
	size_t caps[2] = { sizeof(view), sizeof(zone) };
	for (int p = 0; p < 2; p++) {
		size_t n = 0;
		for (const char *c = parts[p]; *c && n + 1 < caps[p]; c++) {
			bool keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
				    (*c == '.' && n > 0);
			outs[p][n++] = keep ? *c : '_';
		}
		while (n > 1 && outs[p][n - 1] == '.')
			n--;
		outs[p][n] = '\0';
	}
	size_t len = strlen(x->c->state_dir) + strlen(view) + strlen(zone) + 32;
	char *out = arena_alloc(x->c->arena, len);
	snprintf(out, len, "%s/secondary/%s/%s.zone", x->c->state_dir, view, zone);
	return out;
}

/* Default files for secondary zones; a secondary zone's file belongs to it
 * alone (the transfers write it): no other zone, in any view, may name it. */
static void
conf_xfr_finish(conf_ctx_t *x)
{
	conf_t *c = x->c;
	for (size_t v = 0; v < c->nviews; v++)
		for (size_t i = 0; i < c->views[v].nzones; i++) {
			conf_zone_t *z = &c->views[v].zones[i];
			if (z->path == NULL) {   /* a secondary (or primaries: [], reported) */
				z->path = conf_xfr_default_path(x, z);
				z->file = z->path;
			}
		}
	for (size_t v = 0; v < c->nviews; v++)
		for (size_t i = 0; i < c->views[v].nzones; i++) {
			const conf_zone_t *z = &c->views[v].zones[i];
			if (!conf_zone_secondary(z))
				continue;
			for (size_t w = 0; w < c->nviews; w++)
				for (size_t k = 0; k < c->views[w].nzones; k++) {
					const conf_zone_t *o = &c->views[w].zones[k];
					if (o == z || strcmp(o->path, z->path) != 0 ||
					    (conf_zone_secondary(o) && (w > v || (w == v && k > i))))
						continue;
					conf_error(x, z->line, "view '%s': secondary zone %s: file '%s' is "
						   "also the file of zone %s in view '%s' (line %lu): a "
						   "transferred copy belongs to one secondary zone (leave "
						   "file: out, each view gets its own under state-dir)",
						   c->views[v].name ? c->views[v].name : "?", z->name,
						   z->file, o->name, c->views[w].name ? c->views[w].name : "?",
						   o->line);
				}
		}
}

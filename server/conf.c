/* conf.c -- the YAML configuration file into conf_t, every problem as FILE:LINE.
 *
 * libyaml's event API builds a small tree (so every node keeps its line and
 * explicit tag, and aliases can be refused), then a schema walk fills conf_t
 * and reports each problem without stopping at the first.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "arena.h"
#include "nat.h"

#define CONF_MAX_FILE_SIZE (16u * 1024 * 1024)
#define CONF_MAX_YAML_DEPTH 64
#define CONF_MAX_TXT 255          /* identity/version go into one TXT string */
#define CONF_MAX_PATH 3000        /* state-dir: room left for a file name under PATH_MAX */

/* ---------------------------------------------------------------------------
 * The YAML tree
 */

enum ynode_type { YN_SCALAR, YN_SEQ, YN_MAP };

typedef struct ynode {
	enum ynode_type type;
	unsigned long line;
	const char *tag;        /* explicit tag, NULL if none */
	const char *value;      /* scalars: NUL-terminated text */
	size_t len;
	bool plain;             /* plain (unquoted) scalar */
	bool poisoned;          /* stands in for something already reported */
	struct ynode *first;    /* children: list items, or map key, value, key, ... */
	struct ynode *last;
	struct ynode *next;
	size_t n;               /* number of children */
} ynode_t;

/* Messages are held and printed sorted by line when parsing ends: the
 * walk does not visit the file strictly top to bottom. */
typedef struct conf_msg {
	struct conf_msg *next;
	unsigned long line;
	size_t seq;
	bool warning;
	char *text;
} conf_msg_t;

typedef struct conf_ctx {
	conf_t *c;
	diag_t *d;
	const char *file;
	arena_t *tmp;           /* the YAML tree and scratch; freed after parsing */
	unsigned errors;
	conf_msg_t *msgs;       /* newest first */
	size_t nmsgs;
} conf_ctx_t;

static void
conf_msg_add(conf_ctx_t *x, unsigned long line, bool warning, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void
conf_msg_add(conf_ctx_t *x, unsigned long line, bool warning, const char *fmt, va_list ap)
{
	char text[768];
	vsnprintf(text, sizeof(text), fmt, ap);
	conf_msg_t *m = arena_alloc(x->tmp, sizeof(*m));
	m->line = line;
	m->seq = x->nmsgs++;
	m->warning = warning;
	m->text = arena_strdup(x->tmp, text);
	m->next = x->msgs;
	x->msgs = m;
}

static int
conf_msg_cmp(const void *a, const void *b)
{
	const conf_msg_t *x = *(const conf_msg_t *const *)a, *y = *(const conf_msg_t *const *)b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
conf_msg_flush(conf_ctx_t *x)
{
	if (x->nmsgs == 0)
		return;
	conf_msg_t **v = arena_alloc(x->tmp, x->nmsgs * sizeof(*v));
	size_t n = 0;
	for (conf_msg_t *m = x->msgs; m != NULL; m = m->next)
		v[n++] = m;
	qsort(v, n, sizeof(*v), conf_msg_cmp);
	for (size_t i = 0; i < n; i++) {
		if (v[i]->warning)
			diag_warn(x->d, x->file, v[i]->line, "%s", v[i]->text);
		else
			diag_error(x->d, x->file, v[i]->line, "%s", v[i]->text);
	}
	x->msgs = NULL;
	x->nmsgs = 0;
}

static void
conf_error(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
conf_error(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conf_msg_add(x, line, false, fmt, ap);
	va_end(ap);
	x->errors++;
}

static void
conf_warn(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
conf_warn(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conf_msg_add(x, line, true, fmt, ap);
	va_end(ap);
}

static ynode_t *
conf_ynode_new(conf_ctx_t *x, enum ynode_type type, const yaml_mark_t *mark, const yaml_char_t *tag)
{
	ynode_t *n = arena_zalloc(x->tmp, sizeof(*n));
	n->type = type;
	n->line = (unsigned long)mark->line + 1;
	if (tag != NULL)
		n->tag = arena_strdup(x->tmp, (const char *)tag);
	return n;
}

static void
conf_ynode_append(ynode_t *parent, ynode_t *child)
{
	if (parent->last != NULL)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
	parent->n++;
}

static bool
conf_is_v6_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ||
	       ch == ':' || ch == '.' || ch == '@' || ch == '/' || ch == '%';
}

/* libyaml follows YAML 1.1, where a plain value in a flow collection cannot
 * start with ':', so `listen: [::1@5300]` is a syntax error there (YAML 1.2
 * allows it). Wrap such bare IPv6 tokens in double quotes before parsing;
 * no newline is added, so line numbers stay right. Returns a malloc'd copy,
 * or NULL if nothing needed quoting. */
static char *
conf_quote_flow_v6(const char *text, size_t len, size_t *outlen)
{
	char *out = NULL;
	size_t o = 0, flow = 0;
	bool dq = false, sq = false;
	char prev = '\n';     /* previous character, for comment and token starts */
	char prevns = '\n';   /* previous non-blank character outside comments */
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		size_t tok_end = 0;
		if (dq) {
			if (ch == '\\' && i + 1 < len) {
				if (out != NULL)
					out[o++] = ch;
				ch = text[++i];
			} else if (ch == '"') {
				dq = false;
			}
		} else if (sq) {
			if (ch == '\'')
				sq = false;
		} else if (ch == '#' && (prev == ' ' || prev == '\t' || prev == '\n' || prev == '\r')) {
			while (i < len && text[i] != '\n') {
				if (out != NULL)
					out[o++] = text[i];
				i++;
			}
			if (i == len)
				break;
			ch = '\n';
		} else if ((ch == '"' || ch == '\'') &&
			   (prev == ' ' || prev == '\t' || prev == '\n' || prev == '\r' ||
			    prev == '[' || prev == '{' || prev == ',')) {
			/* a quoted scalar starts only where a value can start */
			if (ch == '"')
				dq = true;
			else
				sq = true;
		} else if ((ch == '[' || ch == '{') &&
			   (flow > 0 || prevns == ':' || prevns == '-' || prevns == '\n')) {
			flow++;
		} else if ((ch == ']' || ch == '}') && flow > 0) {
			flow--;
		} else if (flow > 0 && ch == ':' && i + 1 < len && conf_is_v6_char(text[i + 1]) &&
			   (prev == ' ' || prev == '\t' || prev == '[' || prev == ',' || prev == '{')) {
			size_t j = i;
			while (j < len && conf_is_v6_char(text[j]))
				j++;
			if (j == len || text[j] == ',' || text[j] == ']' || text[j] == '}' ||
			    text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n')
				tok_end = j;
		}
		if (tok_end != 0 && out == NULL) {
			/* Worst case every remaining byte starts a token: 3x. */
			out = malloc(len * 3 + 1);
			if (out == NULL)
				return NULL;
			memcpy(out, text, i);
			o = i;
		}
		if (tok_end != 0) {
			out[o++] = '"';
			memcpy(out + o, text + i, tok_end - i);
			o += tok_end - i;
			out[o++] = '"';
			ch = text[tok_end - 1];
			i = tok_end - 1;
		} else if (out != NULL) {
			out[o++] = ch;
		}
		prev = ch;
		if (ch == '\n' || (ch != ' ' && ch != '\t' && ch != '\r'))
			prevns = ch;
	}
	if (out != NULL) {
		out[o] = '\0';
		*outlen = o;
	}
	return out;
}

/* Parse text into a tree. NULL after a YAML syntax error (libyaml cannot go
 * on after one) or for an empty stream (*empty set). */
static ynode_t *
conf_yaml_load(conf_ctx_t *x, const char *text, size_t len, bool *empty)
{
	yaml_parser_t p;
	ynode_t *stack[CONF_MAX_YAML_DEPTH];
	size_t depth = 0;
	ynode_t *root = NULL;
	int docs = 0;
	bool ok = true, done = false;

	*empty = false;
	if (!yaml_parser_initialize(&p)) {
		conf_error(x, 0, "cannot initialise the YAML parser");
		return NULL;
	}
	size_t qlen = 0;
	char *quoted = conf_quote_flow_v6(text, len, &qlen);
	if (quoted != NULL)
		yaml_parser_set_input_string(&p, (const unsigned char *)quoted, qlen);
	else
		yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			const char *problem = p.problem != NULL ? p.problem : "unknown problem";
			if (p.context != NULL)
				conf_error(x, (unsigned long)p.problem_mark.line + 1,
					   "YAML syntax error: %s (%s at line %lu)", problem, p.context,
					   (unsigned long)p.context_mark.line + 1);
			else
				conf_error(x, (unsigned long)p.problem_mark.line + 1,
					   "YAML syntax error: %s", problem);
			ok = false;
			break;
		}
		ynode_t *node = NULL;
		bool push = false;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs == 2)
				conf_error(x, (unsigned long)ev.start_mark.line + 1,
					   "only one YAML document is allowed in the configuration");
			break;
		case YAML_SCALAR_EVENT:
			node = conf_ynode_new(x, YN_SCALAR, &ev.start_mark, ev.data.scalar.tag);
			node->value = arena_memdup(x->tmp, ev.data.scalar.value, ev.data.scalar.length + 1);
			node->len = ev.data.scalar.length;
			node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_ALIAS_EVENT:
			conf_error(x, (unsigned long)ev.start_mark.line + 1,
				   "YAML aliases (*%s) are not supported; write the value out",
				   (const char *)ev.data.alias.anchor);
			/* A null stands in for it, so the walk goes on. */
			node = conf_ynode_new(x, YN_SCALAR, &ev.start_mark, NULL);
			node->value = "";
			node->plain = true;
			node->poisoned = true;
			break;
		case YAML_SEQUENCE_START_EVENT:
			node = conf_ynode_new(x, YN_SEQ, &ev.start_mark, ev.data.sequence_start.tag);
			push = true;
			break;
		case YAML_MAPPING_START_EVENT:
			node = conf_ynode_new(x, YN_MAP, &ev.start_mark, ev.data.mapping_start.tag);
			push = true;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		if (node != NULL) {
			if (depth > 0)
				conf_ynode_append(stack[depth - 1], node);
			else if (docs == 1 && root == NULL)
				root = node;
			if (push) {
				if (depth == CONF_MAX_YAML_DEPTH) {
					conf_error(x, node->line, "YAML nested more than %d levels deep",
						   CONF_MAX_YAML_DEPTH);
					ok = false;
					done = true;
				} else {
					stack[depth++] = node;
				}
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(quoted);
	if (!ok)
		return NULL;
	if (root == NULL)
		*empty = true;
	return root;
}

/* ---------------------------------------------------------------------------
 * Typed access to nodes
 */

static bool
conf_is_null(const ynode_t *n)
{
	if (n == NULL)
		return true;
	if (n->type != YN_SCALAR || !n->plain || n->tag != NULL)
		return false;
	return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	       strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

static const char *
conf_describe(const ynode_t *n)
{
	if (conf_is_null(n))
		return "nothing";
	switch (n->type) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a map";
	default:
		return "a string";
	}
}

/* Tags other than the standard ones (!!str, !!int...) are not ours. */
static bool
conf_check_tag(conf_ctx_t *x, const ynode_t *n, const char *what)
{
	if (n->tag == NULL || strncmp(n->tag, "tag:yaml.org,2002:", 18) == 0)
		return true;
	conf_error(x, n->line, "%s: unexpected YAML tag '%s' (a value starting with '!' "
		   "must be quoted, e.g. \"!lan\")", what, n->tag);
	return false;
}

/* A string value; NULL (with the error reported) if n is not one. */
static const char *
conf_get_string(conf_ctx_t *x, const ynode_t *n, const char *what, bool allow_empty)
{
	if (n->poisoned)
		return NULL;
	if (n->type != YN_SCALAR || conf_is_null(n)) {
		if (conf_is_null(n))
			conf_error(x, n->line, "%s: missing value", what);
		else
			conf_error(x, n->line, "%s: expected a string, got %s", what, conf_describe(n));
		return NULL;
	}
	if (!conf_check_tag(x, n, what))
		return NULL;
	if (strlen(n->value) != n->len) {
		conf_error(x, n->line, "%s: NUL byte in string", what);
		return NULL;
	}
	if (!allow_empty && n->len == 0) {
		conf_error(x, n->line, "%s: empty string", what);
		return NULL;
	}
	return n->value;
}

static bool
conf_get_uint(conf_ctx_t *x, const ynode_t *n, const char *what, unsigned min, unsigned max,
	      unsigned *out)
{
	if (n->poisoned)
		return false;
	if (n->type != YN_SCALAR || conf_is_null(n)) {
		conf_error(x, n->line, "%s: expected a number from %u to %u, got %s", what, min, max,
			   conf_describe(n));
		return false;
	}
	if (!conf_check_tag(x, n, what))
		return false;
	unsigned long v = 0;
	bool ok = n->len > 0 && n->len <= 10;
	for (size_t i = 0; ok && i < n->len; i++) {
		if (n->value[i] < '0' || n->value[i] > '9')
			ok = false;
		else
			v = v * 10 + (unsigned long)(n->value[i] - '0');
	}
	if (!ok || v < min || v > max) {
		conf_error(x, n->line, "%s: expected a number from %u to %u, got '%s'", what, min,
			   max, n->value);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool
conf_get_bool(conf_ctx_t *x, const ynode_t *n, const char *what, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	if (n->poisoned)
		return false;
	if (n->type == YN_SCALAR && !conf_is_null(n) && conf_check_tag(x, n, what)) {
		for (size_t i = 0; i < 3; i++) {
			if (strcasecmp(n->value, yes[i]) == 0) {
				*out = true;
				return true;
			}
			if (strcasecmp(n->value, no[i]) == 0) {
				*out = false;
				return true;
			}
		}
		conf_error(x, n->line, "%s: expected true or false, got '%s'", what, n->value);
		return false;
	}
	if (n->type != YN_SCALAR || conf_is_null(n))
		conf_error(x, n->line, "%s: expected true or false, got %s", what, conf_describe(n));
	return false;
}

/* A list; a null counts as an empty list only if allow_null. */
static bool
conf_expect_seq(conf_ctx_t *x, const ynode_t *n, const char *what, bool allow_null)
{
	if (n->poisoned)
		return false;
	if (n->type == YN_SEQ)
		return conf_check_tag(x, n, what);
	if (allow_null && conf_is_null(n))
		return false;
	conf_error(x, n->line, "%s: expected a list, got %s", what, conf_describe(n));
	return false;
}

static bool
conf_expect_map(conf_ctx_t *x, const ynode_t *n, const char *what)
{
	if (n->poisoned)
		return false;
	if (n->type == YN_MAP)
		return conf_check_tag(x, n, what);
	conf_error(x, n->line, "%s: expected a map (key: value), got %s", what, conf_describe(n));
	return false;
}

/* Walk a map's keys: values of known keys land in vals[] (by index into
 * names[]); unknown and duplicate keys are reported. */
static void
conf_map_keys(conf_ctx_t *x, const ynode_t *map, const char *where, const char *const *names,
	      size_t nnames, const ynode_t **vals)
{
	for (size_t i = 0; i < nnames; i++)
		vals[i] = NULL;
	for (const ynode_t *k = map->first; k != NULL && k->next != NULL; k = k->next->next) {
		const ynode_t *v = k->next;
		if (k->poisoned)
			continue;
		if (k->type != YN_SCALAR || conf_is_null(k)) {
			conf_error(x, k->line, "%s: a key must be a string, got %s", where,
				   conf_describe(k));
			continue;
		}
		size_t i;
		for (i = 0; i < nnames; i++)
			if (strcmp(k->value, names[i]) == 0)
				break;
		if (i == nnames) {
			char allowed[256];
			size_t off = 0;
			allowed[0] = '\0';
			for (size_t j = 0; j < nnames && off < sizeof(allowed); j++)
				off += (size_t)snprintf(allowed + off, sizeof(allowed) - off, "%s%s",
							j ? ", " : "", names[j]);
			conf_error(x, k->line, "unknown key '%s' in %s (allowed there: %s)", k->value,
				   where, allowed);
			continue;
		}
		if (vals[i] != NULL) {
			conf_error(x, k->line, "duplicate key '%s' in %s (first at line %lu)", k->value,
				   where, vals[i]->line);
			continue;
		}
		vals[i] = v;
	}
}

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

/* One element of an address-match list. The text of an element written as
 * an unquoted !name (a YAML tag to libyaml) arrives here rebuilt as "!name". */
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
		if (it->type == YN_SCALAR && it->tag != NULL && it->tag[0] == '!' &&
		    (it->len == 0 || strcmp(it->tag, "!") == 0)) {
			/* Unquoted !lan: libyaml reads tag "!lan" on an empty scalar (and
			 * "! lan" as tag "!" on "lan"). Take it as the negation meant. */
			char *t = arena_alloc(x->tmp, strlen(it->tag) + it->len + 1);
			strcpy(t, it->tag);
			strcat(t, it->value);
			text = t;
		} else if (it->poisoned) {
			ok = false;
			continue;
		} else if (it->type != YN_SCALAR || conf_is_null(it)) {
			conf_error(x, it->line, "%s: expected an address, prefix, ACL name, any or "
				   "none, got %s", what, conf_describe(it));
			ok = false;
			continue;
		} else if (it->tag != NULL && it->tag[0] == '!') {
			conf_error(x, it->line, "%s: unexpected YAML tag '%s' before '%s' (quote "
				   "negated elements, e.g. \"!lan\")", what, it->tag, it->value);
			ok = false;
			continue;
		} else {
			text = conf_get_string(x, it, what, false);
			if (text == NULL) {
				ok = false;
				continue;
			}
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

/* Cycles and depth of nested named ACLs, with an explicit stack (no
 * recursion on user-controlled depth). */
static void
conf_check_acl_graph(conf_ctx_t *x)
{
	conf_t *c = x->c;
	size_t n = c->nacls;
	if (n == 0)
		return;
	unsigned char *state = arena_zalloc(x->tmp, n);       /* 0 new, 1 on stack, 2 done */
	unsigned *height = arena_zalloc(x->tmp, n * sizeof(unsigned));
	size_t *stack = arena_alloc(x->tmp, n * sizeof(size_t));
	size_t *next = arena_zalloc(x->tmp, n * sizeof(size_t));
	bool too_deep_reported = false;

	for (size_t root = 0; root < n; root++) {
		if (state[root] != 0)
			continue;
		size_t sp = 0;
		stack[sp++] = root;
		state[root] = 1;
		next[root] = 0;
		height[root] = 1;
		while (sp > 0) {
			size_t v = stack[sp - 1];
			acl_t *a = &c->acls[v];
			if (next[v] < a->count) {
				acl_elem_t *e = &a->elems[next[v]++];
				if (e->kind != ACL_NESTED || e->nested == NULL)
					continue;
				size_t w = (size_t)(e->nested - c->acls);
				if (state[w] == 1) {
					char path[512];
					size_t off = 0, from = sp;
					while (from > 0 && stack[from - 1] != w)
						from--;
					for (size_t i = from - 1; i < sp && off < sizeof(path); i++)
						off += (size_t)snprintf(path + off, sizeof(path) - off,
									"%s -> ", c->acls[stack[i]].name);
					if (off < sizeof(path))
						snprintf(path + off, sizeof(path) - off, "%s", c->acls[w].name);
					if (w == v)
						conf_error(x, e->line, "ACL '%s' refers to itself", a->name);
					else
						conf_error(x, e->line, "ACL cycle: %s", path);
					e->nested = NULL;   /* break it so nothing loops */
				} else if (state[w] == 0) {
					state[w] = 1;
					next[w] = 0;
					height[w] = 1;
					stack[sp++] = w;
				} else if (height[w] + 1 > height[v]) {
					height[v] = height[w] + 1;
				}
				continue;
			}
			state[v] = 2;
			sp--;
			if (sp > 0 && height[v] + 1 > height[stack[sp - 1]])
				height[stack[sp - 1]] = height[v] + 1;
		}
	}
	/* A view's list is one level above its named ACLs. */
	for (size_t i = 0; i < n && !too_deep_reported; i++) {
		if (height[i] > ACL_MAX_DEPTH - 1) {
			conf_error(x, c->acls[i].line, "ACL '%s': named ACLs nested more than %d deep",
				   c->acls[i].name, ACL_MAX_DEPTH - 1);
			too_deep_reported = true;
		}
	}
}

/* Register every ACL name first (so lists may refer to ACLs defined later),
 * then parse the bodies and check the graph. */
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
		const char *text;
		if (it->type == YN_SCALAR && it->tag != NULL && it->tag[0] == '!' &&
		    (it->len == 0 || strcmp(it->tag, "!") == 0)) {
			/* unquoted !name, as in match lists */
			char *t = arena_alloc(x->tmp, strlen(it->tag) + it->len + 1);
			strcpy(t, it->tag);
			strcat(t, it->value);
			text = t;
		} else if ((text = conf_get_string(x, it, what, false)) == NULL) {
			continue;
		}
		if (strncmp(text, "key", 3) == 0 && (text[3] == ' ' || text[3] == '\t')) {
			const char *kn = text + 4;
			while (*kn == ' ' || *kn == '\t')
				kn++;
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

static void
conf_parse_server(conf_ctx_t *x, const ynode_t *key, const ynode_t *map)
{
	static const char *const keys[] = {
		"listen", "workers", "tcp-idle-timeout", "tcp-clients", "edns-udp-size",
		"identity", "version", "state-dir",
	};
	enum { K_LISTEN, K_WORKERS, K_IDLE, K_CLIENTS, K_EDNS, K_IDENTITY, K_VERSION, K_STATE, K_N };
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
}

/* ---------------------------------------------------------------------------
 * NAT map (nat:) and translate: nat -- the types and checks are in nat.c
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

/* Every zone with translate: nat needs a map to translate with. */
static void
conf_check_translate(conf_ctx_t *x)
{
	const conf_t *c = x->c;
	for (size_t v = 0; v < c->nviews; v++) {
		for (size_t i = 0; i < c->views[v].nzones; i++) {
			const conf_zone_t *z = &c->views[v].zones[i];
			if (z->translate_nat && (c->nat == NULL || c->nat->nrules == 0))
				conf_error(x, z->line, "view '%s': zone %s: translate: nat, but the "
					   "configuration has no nat mappings", c->views[v].name
					   ? c->views[v].name : "?", z->name);
		}
	}
}

/* ---------------------------------------------------------------------------
 * Zone files that take updates
 */

typedef struct conf_file_ref {
	const conf_view_t *view;
	const conf_zone_t *zone;
	unsigned long long dev, ino;
	bool have_id;                /* the file exists: compare by device and inode */
} conf_file_ref_t;

static bool
conf_same_file(const conf_file_ref_t *a, const conf_file_ref_t *b)
{
	if (a->have_id && b->have_id)
		return a->dev == b->dev && a->ino == b->ino;
	return strcmp(a->zone->path, b->zone->path) == 0;
}

/* A zone file that allows updates belongs to one zone entry only, as BIND
 * refuses a "writeable file already in use": the update module keeps one
 * set of records (and one journal, named after the file) per file, so a
 * second entry reading it -- in another view, typically -- would serve every
 * name registered through the first at once. Reported once per later entry,
 * naming the earlier one it collides with. */
static void
conf_check_writable_files(conf_ctx_t *x)
{
	const conf_t *c = x->c;
	size_t n = conf_zone_count(c), k = 0;
	if (n < 2)
		return;
	conf_file_ref_t *refs = arena_zalloc(x->tmp, n * sizeof(*refs));
	for (size_t v = 0; v < c->nviews; v++) {
		for (size_t i = 0; i < c->views[v].nzones; i++, k++) {
			conf_file_ref_t *r = &refs[k];
			struct stat st;
			r->view = &c->views[v];
			r->zone = &c->views[v].zones[i];
			if (stat(r->zone->path, &st) == 0) {
				r->dev = (unsigned long long)st.st_dev;
				r->ino = (unsigned long long)st.st_ino;
				r->have_id = true;
			}
		}
	}
	for (size_t j = 1; j < n; j++) {
		const conf_file_ref_t *later = &refs[j];
		for (size_t i = 0; i < j; i++) {
			const conf_file_ref_t *first = &refs[i];
			bool fw = first->zone->nallow_update > 0, lw = later->zone->nallow_update > 0;
			if ((!fw && !lw) || !conf_same_file(first, later))
				continue;
			conf_error(x, later->zone->line, "view '%s': zone %s: file '%s' is already the "
				   "file of zone %s in view '%s' (line %lu), and %s: a zone file that "
				   "takes updates must belong to one zone only (give each view its own "
				   "copy of the file)", later->view->name ? later->view->name : "?",
				   later->zone->name, later->zone->file, first->zone->name,
				   first->view->name ? first->view->name : "?", first->zone->line,
				   fw && lw ? "both allow updates" : fw ? "that one allows updates"
				   : "this one allows updates");
			break;   /* one message per entry */
		}
	}
}

static void
conf_nat_report(void *ctx, unsigned long line, const char *msg)
{
	conf_error(ctx, line, "%s", msg);
}

/* One mapping: { public: P, private: Q, ports: [80/tcp] }. */
static bool
conf_parse_nat_rule(conf_ctx_t *x, const ynode_t *map, nat_rule_t *r)
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
static void
conf_parse_nat(conf_ctx_t *x, const ynode_t *node)
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
			if (conf_parse_nat_rule(x, it, &m->rules[m->nrules]))
				m->nrules++;
		}
		if (v[K_MAP]->n == 0)
			conf_warn(x, v[K_MAP]->line, "nat: no mappings");
	}
	/* Overlaps among the mappings that parsed; the others are reported. */
	nat_map_check(m, conf_nat_report, x);
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

static void
conf_parse_zones(conf_ctx_t *x, const ynode_t *list, conf_view_t *view, const char *vwhat)
{
	static const char *const keys[] = { "name", "file", "translate", "allow-update", "auto-ptr" };
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
		const ynode_t *v[5];
		char zwhat[200];
		snprintf(zwhat, sizeof(zwhat), "%s: zone", vwhat);
		conf_map_keys(x, it, zwhat, keys, 5, v);
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
		if (v[1] == NULL)
			conf_error(x, it->line, "%s%s%s: missing required key 'file'", zwhat,
				   name ? " " : "", name ? name : "");
		else
			file = conf_get_string(x, v[1], "zone file", false);
		if (name == NULL || file == NULL)
			continue;
		conf_zone_t *z = &view->zones[view->nzones];
		z->name = arena_strdup(x->c->arena, name);
		z->file = arena_strdup(x->c->arena, file);
		z->path = conf_path_join(x, file);
		z->line = it->line;
		z->translate_nat = translate_nat;
		char uwhat[300];
		snprintf(uwhat, sizeof(uwhat), "%s %s: allow-update", zwhat, name);
		if (v[3] != NULL)
			conf_parse_allow_update(x, v[3], z, uwhat);
		snprintf(uwhat, sizeof(uwhat), "%s %s: auto-ptr", zwhat, name);
		if (v[4] != NULL)
			conf_get_bool(x, v[4], uwhat, &z->auto_ptr);
		if (z->translate_nat && (z->nallow_update > 0 || z->auto_ptr))
			conf_error(x, it->line, "%s %s: allow-update and auto-ptr cannot be combined "
				   "with translate: nat", zwhat, name);
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
		      const ynode_t *max, const ynode_t *canary, conf_view_t *view,
		      const char *what)
{
	char kwhat[200];
	view->cache_size = 32ULL << 20;
	view->cache_min_ttl = 0;
	view->cache_max_ttl = 86400;
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
	if (canary != NULL) {
		snprintf(kwhat, sizeof(kwhat), "%s: doh-canary", what);
		conf_get_bool(x, canary, kwhat, &view->doh_canary);
	}
	if (view->cache_min_ttl > view->cache_max_ttl)
		conf_error(x, min->line, "%s: cache-min-ttl (%u) is larger than cache-max-ttl (%u)",
			   what, view->cache_min_ttl, view->cache_max_ttl);
	const ynode_t *given = size ? size : min ? min : max ? max : canary;
	if (given != NULL && !view->recursion)
		conf_warn(x, given->line, "%s: cache-size, cache-min-ttl, cache-max-ttl and "
			  "doh-canary only matter with recursion: true", what);
}

static void
conf_parse_views(conf_ctx_t *x, const ynode_t *list)
{
	static const char *const keys[] = {
		"name", "match-clients", "match-destinations", "recursion", "forwarders", "zones",
		"cache-size", "cache-min-ttl", "cache-max-ttl", "doh-canary", "nat-doctoring",
	};
	enum { K_NAME, K_CLIENTS, K_DESTS, K_RECURSION, K_FORWARDERS, K_ZONES,
	       K_CACHE_SIZE, K_CACHE_MIN, K_CACHE_MAX, K_CANARY, K_DOCTOR, K_N };
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
				      v[K_CANARY], view, what);
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
	c->tcp_clients = 256;
	c->edns_udp_size = 1232;
	c->state_dir = arena_strdup(arena, CONF_DEFAULT_STATE_DIR);

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
		if (v[1] != NULL)
			conf_parse_acls(&x, v[1]);
		if (v[4] != NULL)
			conf_parse_keys(&x, v[4]);
		for (const ynode_t *k = root->first; k != NULL && k->next != NULL; k = k->next->next) {
			if (k->next == v[0])
				conf_parse_server(&x, k, v[0]);
			else if (k->next == v[2])
				conf_parse_views(&x, v[2]);
			else if (k->next == v[3])
				conf_parse_nat(&x, v[3]);
		}
		conf_check_translate(&x);
		conf_check_writable_files(&x);
		/* zones carry the state directory (where compacted journals go) */
		for (size_t i = 0; i < c->nviews; i++)
			for (size_t k = 0; k < c->views[i].nzones; k++)
				c->views[i].zones[k].state_dir = c->state_dir;
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
 * Whole-address-space reasoning
 *
 * An address-match list only changes its answer where some prefix in it (or
 * in a list it nests) starts or ends. So the start address of every prefix
 * and the address just past its end, plus the lowest address, split each
 * family into intervals on which every list involved is constant; one
 * address from each interval decides for all of it. The IPv4-mapped block
 * ::ffff:0:0/96 is matched as IPv4, so IPv6 points inside it are skipped
 * (the IPv4 points stand for them).
 */

typedef struct conf_point {
	int family;
	uint8_t a[16];
} conf_point_t;

typedef struct conf_points {
	conf_point_t *p;
	size_t n, cap;
	const acl_t **seen;     /* lists already walked */
	size_t nseen, capseen;
} conf_points_t;

static void
conf_points_add(conf_points_t *ps, int family, const uint8_t *a)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		conf_point_t *p = realloc(ps->p, cap * sizeof(*p));
		if (p == NULL)
			abort();
		ps->p = p;
		ps->cap = cap;
	}
	conf_point_t *pt = &ps->p[ps->n++];
	pt->family = family;
	memset(pt->a, 0, sizeof(pt->a));
	memcpy(pt->a, a, family == AF_INET ? 4 : 16);
}

/* Start of the prefix and the first address after it (if any). */
static void
conf_points_add_prefix(conf_points_t *ps, int family, const uint8_t *addr, unsigned len)
{
	unsigned size = family == AF_INET ? 4 : 16;
	uint8_t end[16];
	memcpy(end, addr, size);
	conf_points_add(ps, family, end);
	for (unsigned bit = len; bit < size * 8; bit++)
		end[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	/* end + 1, unless end is the last address of the family. */
	for (int i = (int)size - 1; i >= 0; i--) {
		if (++end[i] != 0) {
			conf_points_add(ps, family, end);
			return;
		}
	}
}

static void
conf_points_add_acl(conf_points_t *ps, const acl_t *acl, unsigned depth)
{
	if (acl == NULL || depth >= ACL_MAX_DEPTH)
		return;
	for (size_t i = 0; i < ps->nseen; i++)
		if (ps->seen[i] == acl)
			return;
	if (ps->nseen == ps->capseen) {
		size_t cap = ps->capseen ? ps->capseen * 2 : 16;
		const acl_t **s = realloc(ps->seen, cap * sizeof(*s));
		if (s == NULL)
			abort();
		ps->seen = s;
		ps->capseen = cap;
	}
	ps->seen[ps->nseen++] = acl;
	for (size_t i = 0; i < acl->count; i++) {
		const acl_elem_t *e = &acl->elems[i];
		if (e->kind == ACL_PREFIX)
			conf_points_add_prefix(ps, e->family, e->addr, e->prefixlen);
		else if (e->kind == ACL_NESTED)
			conf_points_add_acl(ps, e->nested, depth + 1);
	}
}

static const uint8_t conf_v4mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 };

static void
conf_points_init(conf_points_t *ps)
{
	static const uint8_t zero[16];
	memset(ps, 0, sizeof(*ps));
	conf_points_add(ps, AF_INET, zero);
	conf_points_add(ps, AF_INET6, zero);
	conf_points_add_prefix(ps, AF_INET6, conf_v4mapped, 96);
}

static int
conf_point_cmp(const void *a, const void *b)
{
	const conf_point_t *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, 16);
}

/* Sort, drop duplicates and the points inside the mapped block. */
static void
conf_points_finish(conf_points_t *ps)
{
	qsort(ps->p, ps->n, sizeof(*ps->p), conf_point_cmp);
	size_t out = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (out > 0 && conf_point_cmp(&ps->p[out - 1], &ps->p[i]) == 0)
			continue;
		if (ps->p[i].family == AF_INET6 && memcmp(ps->p[i].a, conf_v4mapped, 12) == 0)
			continue;
		ps->p[out++] = ps->p[i];
	}
	ps->n = out;
	free(ps->seen);
	ps->seen = NULL;
	ps->nseen = ps->capseen = 0;
}

static void
conf_points_free(conf_points_t *ps)
{
	free(ps->p);
	free(ps->seen);
	memset(ps, 0, sizeof(*ps));
}

/* Prefixes that are not "public": the private ones below plus special
 * purpose blocks no real client has. */
struct conf_range {
	int family;
	uint8_t a[16];
	unsigned len;
	bool private_;
};

static const struct conf_range conf_special[] = {
	{ AF_INET, { 10 }, 8, true },
	{ AF_INET, { 172, 16 }, 12, true },
	{ AF_INET, { 192, 168 }, 16, true },
	{ AF_INET, { 100, 64 }, 10, true },          /* shared address space (CGN) */
	{ AF_INET, { 169, 254 }, 16, true },         /* link-local */
	{ AF_INET, { 127 }, 8, true },               /* loopback */
	{ AF_INET, { 0 }, 8, false },                /* "this network" */
	{ AF_INET, { 192, 0, 0 }, 24, false },       /* IETF protocol assignments */
	{ AF_INET, { 192, 0, 2 }, 24, false },       /* TEST-NET-1 */
	{ AF_INET, { 198, 18 }, 15, false },         /* benchmarking */
	{ AF_INET, { 198, 51, 100 }, 24, false },    /* TEST-NET-2 */
	{ AF_INET, { 203, 0, 113 }, 24, false },     /* TEST-NET-3 */
	{ AF_INET, { 224 }, 4, false },              /* multicast */
	{ AF_INET, { 240 }, 4, false },              /* reserved, broadcast */
	/* IPv6: only 2000::/3 is global unicast; everything outside it is
	 * not a public client address. */
	{ AF_INET6, { 0x00 }, 3, false },            /* ::/3: unspecified, loopback, ... */
	{ AF_INET6, { 0x40 }, 2, false },            /* 4000::/2 */
	{ AF_INET6, { 0x80 }, 1, false },            /* 8000::/1: ULA, link-local, multicast */
	{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 }, 32, false },  /* documentation */
	{ AF_INET6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, true },  /* ::1 */
	{ AF_INET6, { 0xfc }, 7, true },             /* ULA */
	{ AF_INET6, { 0xfe, 0x80 }, 10, true },      /* link-local */
	{ AF_INET6, { 0xfe, 0xc0 }, 10, true },      /* old site-local */
};

static bool
conf_range_contains(const struct conf_range *r, const uint8_t *a)
{
	unsigned bytes = r->len / 8, bits = r->len % 8;
	if (memcmp(r->a, a, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (r->a[bytes] & mask) == (a[bytes] & mask);
}

/* private_only: the conf_addr_is_private set; else every non-public block. */
static bool
conf_addr_in_special(int family, const uint8_t *addr, bool private_only)
{
	if (family == AF_INET6 && memcmp(addr, conf_v4mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < sizeof(conf_special) / sizeof(conf_special[0]); i++) {
		const struct conf_range *r = &conf_special[i];
		if (r->family == family && (r->private_ || !private_only) &&
		    conf_range_contains(r, addr))
			return true;
	}
	return false;
}

bool
conf_addr_is_private(int family, const uint8_t *addr)
{
	if (addr == NULL || (family != AF_INET && family != AF_INET6))
		return false;
	return conf_addr_in_special(family, addr, true);
}

bool
conf_acl_reaches_public(const acl_t *acl)
{
	if (acl == NULL)
		return true;
	conf_points_t ps;
	conf_points_init(&ps);
	conf_points_add_acl(&ps, acl, 0);
	for (size_t i = 0; i < sizeof(conf_special) / sizeof(conf_special[0]); i++)
		conf_points_add_prefix(&ps, conf_special[i].family, conf_special[i].a,
				       conf_special[i].len);
	conf_points_finish(&ps);
	bool found = false;
	for (size_t i = 0; i < ps.n && !found; i++) {
		const conf_point_t *p = &ps.p[i];
		if (!conf_addr_in_special(p->family, p->a, false) &&
		    acl_match_addr(acl, p->family, p->a) == ACL_MATCH)
			found = true;
	}
	conf_points_free(&ps);
	return found;
}

/* Beyond this many (view, client point, destination point) cells the
 * reachability check is skipped: no warning rather than a slow start. */
#define CONF_CHECK_MAX_CELLS (20u * 1000 * 1000)

void
conf_check_views(const conf_t *c, diag_t *d)
{
	if (c == NULL)
		return;
	for (size_t v = 0; v < c->nviews; v++) {
		const conf_view_t *view = &c->views[v];
		if (view->nzones == 0 && !view->recursion)
			diag_warn(d, c->path, view->line, "view '%s' has no zones and recursion is "
				  "off: every query it gets is REFUSED", view->name);
	}
	if (c->nviews == 0)
		return;

	conf_points_t cp, dp;
	conf_points_init(&cp);
	conf_points_init(&dp);
	bool any_dest = false;
	for (size_t v = 0; v < c->nviews; v++) {
		conf_points_add_acl(&cp, c->views[v].match_clients, 0);
		if (c->views[v].match_destinations != NULL) {
			any_dest = true;
			conf_points_add_acl(&dp, c->views[v].match_destinations, 0);
		}
	}
	conf_points_finish(&cp);
	conf_points_finish(&dp);
	if (!any_dest)
		dp.n = 1;   /* every destination list is "any": one point stands for all */
	size_t nv = c->nviews;
	if (cp.n * dp.n > CONF_CHECK_MAX_CELLS / nv || nv > 100000) {
		conf_points_free(&cp);
		conf_points_free(&dp);
		return;
	}

	/* mc[v * cp.n + i]: view v's clients match point i; md likewise. */
	bool *mc = malloc(nv * cp.n * sizeof(bool));
	bool *md = malloc(nv * dp.n * sizeof(bool));
	bool *blame = malloc(nv * sizeof(bool));
	if (mc == NULL || md == NULL || blame == NULL)
		abort();
	for (size_t v = 0; v < nv; v++) {
		for (size_t i = 0; i < cp.n; i++)
			mc[v * cp.n + i] = acl_match_addr(c->views[v].match_clients, cp.p[i].family,
							  cp.p[i].a) == ACL_MATCH;
		for (size_t j = 0; j < dp.n; j++)
			md[v * dp.n + j] = acl_match_addr(c->views[v].match_destinations,
							  dp.p[j].family, dp.p[j].a) == ACL_MATCH;
	}

	for (size_t v = 0; v < nv; v++) {
		const conf_view_t *view = &c->views[v];
		bool matches_some = false, reachable = false;
		memset(blame, 0, nv * sizeof(bool));
		for (size_t i = 0; i < cp.n && !reachable; i++) {
			if (!mc[v * cp.n + i])
				continue;
			for (size_t j = 0; j < dp.n && !reachable; j++) {
				if (!md[v * dp.n + j])
					continue;
				matches_some = true;
				size_t e;
				for (e = 0; e < v; e++)
					if (mc[e * cp.n + i] && md[e * dp.n + j])
						break;
				if (e == v)
					reachable = true;
				else
					blame[e] = true;
			}
		}
		if (reachable)
			continue;
		if (!matches_some) {
			diag_warn(d, c->path, view->line, "view '%s' matches no client%s; it is never "
				  "used", view->name, view->match_destinations ? " and destination" : "");
			continue;
		}
		char names[512];
		size_t off = 0, nb = 0;
		names[0] = '\0';
		for (size_t e = 0; e < v; e++) {
			if (!blame[e] || off >= sizeof(names))
				continue;
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s'%s'",
						nb ? ", " : "", c->views[e].name);
			nb++;
		}
		diag_warn(d, c->path, view->line, "view '%s' is never used: every client it matches "
			  "is taken by earlier view%s %s", view->name, nb > 1 ? "s" : "", names);
	}
	free(mc);
	free(md);
	free(blame);
	conf_points_free(&cp);
	conf_points_free(&dp);
}

size_t
conf_zone_count(const conf_t *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nviews; i++)
		n += c->views[i].nzones;
	return n;
}

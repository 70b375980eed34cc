/* conf_yaml.c -- the config file's YAML into a small tree of nodes with lines.
 *
 * libyaml's event API builds the tree, so every node keeps its line, style
 * and explicit tag, and aliases can be refused. Nothing is done to the text
 * before libyaml reads it: what horizond accepts is YAML to every other tool.
 * When libyaml stops on an unquoted '!' (a tag) or an IPv6 address with a
 * leading ':' in a flow list (not a plain value in YAML 1.1), the message
 * says how to quote it. Also here: typed access to nodes, and the messages,
 * held and sorted by line.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "arena.h"
#include "conf_internal.h"

#define CONF_MAX_YAML_DEPTH 64

/* ---------------------------------------------------------------------------
 * Messages
 */

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

void
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

void
conf_error(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conf_msg_add(x, line, false, fmt, ap);
	va_end(ap);
	x->errors++;
}

void
conf_warn(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conf_msg_add(x, line, true, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------
 * The tree
 */

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

/* The source text at a libyaml mark (line and column count characters from
 * 0), or NULL if the mark is not inside text. */
static const char *
conf_yaml_at(const char *text, size_t len, const yaml_mark_t *m)
{
	size_t i = 0;
	for (size_t line = 0; line < m->line; line++) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (nl == NULL)
			return NULL;
		i = (size_t)(nl - text) + 1;
	}
	for (size_t col = 0; col < m->column && i < len && text[i] != '\n'; col++) {
		i++;
		while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
			i++;   /* UTF-8 continuation bytes: one character */
	}
	return i < len ? text + i : NULL;
}

/* The length of the flow-list element that starts at s: up to a blank, a
 * comma or a bracket. */
static int
conf_yaml_token_len(const char *s, const char *end)
{
	const char *p = s;
	while (p < end && p - s < 100 && strchr(" \t\r\n,[]{}", *p) == NULL)
		p++;
	return (int)(p - s);
}

/* Made only of what an IPv6 address@port or prefix holds. */
static bool
conf_yaml_looks_v6(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF:.@/%", s[i]) == NULL)
			return false;
	return n > 1;
}

/* Report libyaml's error; for the two mistakes the YAML rules make easy, an
 * unquoted '!x' (a tag) and an IPv6 address starting with ':' inside [ ] or
 * { } (not a plain value in YAML 1.1), say how to write it instead. */
/* The offset of a bare IPv6 token that starts with ':' and made libyaml
 * stop, or -1 if the error is another one. */
static long
conf_yaml_bare_v6(const yaml_parser_t *p, const char *text, size_t len)
{
	const char *at = conf_yaml_at(text, len, &p->problem_mark);
	if (at != NULL && *at == ':' && conf_yaml_looks_v6(at, conf_yaml_token_len(at, text + len)))
		return (long)(at - text);
	return -1;
}

static void
conf_yaml_syntax_error(conf_ctx_t *x, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem != NULL ? p->problem : "unknown problem";
	const char *end = text + len, *at;
	if (p->context != NULL && strcmp(p->context, "while scanning a tag") == 0 &&
	    (at = conf_yaml_at(text, len, &p->context_mark)) != NULL && *at == '!') {
		conf_error(x, (unsigned long)p->context_mark.line + 1, "YAML syntax error: unquoted "
			   "'!' starts a YAML tag: write \"%.*s\" in quotes",
			   conf_yaml_token_len(at, end), at);
		return;
	}
	if ((at = conf_yaml_at(text, len, &p->problem_mark)) != NULL && *at == ':' &&
	    conf_yaml_looks_v6(at, conf_yaml_token_len(at, end))) {
		conf_error(x, (unsigned long)p->problem_mark.line + 1, "YAML syntax error: an IPv6 "
			   "address starting with ':' must be quoted inside [ ] or { }: write "
			   "\"%.*s\"", conf_yaml_token_len(at, end), at);
		return;
	}
	if (p->context != NULL)
		conf_error(x, (unsigned long)p->problem_mark.line + 1,
			   "YAML syntax error: %s (%s at line %lu)", problem, p->context,
			   (unsigned long)p->context_mark.line + 1);
	else
		conf_error(x, (unsigned long)p->problem_mark.line + 1, "YAML syntax error: %s",
			   problem);
}

/* One pass of libyaml over text. A bare IPv6 token that stops it is not
 * reported when *v6_at can take its offset (the caller quotes it and tries
 * again); *v6_at stays -1 otherwise. */
static ynode_t *
conf_yaml_parse(conf_ctx_t *x, const char *text, size_t len, bool *empty, long *v6_at)
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
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (v6_at != NULL && (*v6_at = conf_yaml_bare_v6(&p, text, len)) >= 0) {
				ok = false;
				break;
			}
			conf_yaml_syntax_error(x, &p, text, len);
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
	if (!ok)
		return NULL;
	if (root == NULL)
		*empty = true;
	return root;
}

/* INTERFACE.md's own example writes `listen: [127.0.0.1@5300, ::1@5300]`,
 * which YAML 1.1 (libyaml, PyYAML) does not take as a plain value. There is
 * no pre-lexer: the text goes to libyaml as it is, and only when libyaml
 * stops at such a token is that one token quoted, with a warning that says
 * so, and the text read again. Every other YAML error is an error. */
ynode_t *
conf_yaml_load(conf_ctx_t *x, const char *text, size_t len, bool *empty)
{
	for (unsigned tries = 0;; tries++) {
		long at = -1;
		size_t before = x->nmsgs;
		/* a retry would repeat what the failed pass reported: not then */
		bool may_retry = tries < 64;
		ynode_t *root = conf_yaml_parse(x, text, len, empty, may_retry ? &at : NULL);
		if (at < 0)
			return root;
		if (x->nmsgs != before) {
			conf_error(x, 0, "YAML syntax error: an IPv6 address starting with ':' must be "
				   "quoted inside [ ] or { }");
			return NULL;
		}
		int tl = conf_yaml_token_len(text + at, text + len);
		unsigned long line = 1;
		for (long i = 0; i < at; i++)
			line += text[i] == '\n';
		conf_warn(x, line, "an IPv6 address starting with ':' inside [ ] or { } is not valid "
			  "YAML (other YAML tools reject this file): write \"%.*s\" in quotes", tl,
			  text + at);
		char *next = arena_alloc(x->tmp, len + 3);
		memcpy(next, text, (size_t)at);
		next[at] = '"';
		memcpy(next + at + 1, text + at, (size_t)tl);
		next[at + 1 + tl] = '"';
		memcpy(next + at + 2 + tl, text + at + tl, len - (size_t)at - (size_t)tl);
		text = next;
		len += 2;
	}
}

/* ---------------------------------------------------------------------------
 * Typed access to nodes
 */

bool
conf_is_null(const ynode_t *n)
{
	if (n == NULL)
		return true;
	if (n->type != YN_SCALAR || !n->plain || n->tag != NULL)
		return false;
	return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	       strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

const char *
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
bool
conf_check_tag(conf_ctx_t *x, const ynode_t *n, const char *what)
{
	/* the YAML 1.1 types every loader knows (no !!python/..., !!binary...) */
	static const char *const std[] = { "str", "int", "bool", "float", "null", "seq", "map" };
	if (n->tag == NULL)
		return true;
	if (strncmp(n->tag, "tag:yaml.org,2002:", 18) == 0)
		for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++)
			if (strcmp(n->tag + 18, std[i]) == 0)
				return true;
	if (n->type == YN_SCALAR && n->tag[0] == '!' && (n->len == 0 || strcmp(n->tag, "!") == 0))
		/* - !lan reads as the tag !lan on an empty value, ! lan as the
		 * non-specific tag on "lan": a negation meant, surely */
		conf_error(x, n->line, "%s: unquoted '!' starts a YAML tag: write \"%s%s\" in "
			   "quotes", what, n->tag, n->value);
	else if (n->type == YN_SCALAR)
		conf_error(x, n->line, "%s: unexpected YAML tag '%s' before '%s' (a value "
			   "starting with '!' must be quoted, e.g. \"!lan\")", what, n->tag, n->value);
	else
		conf_error(x, n->line, "%s: unexpected YAML tag '%s'", what, n->tag);
	return false;
}

/* A string value; NULL (with the error reported) if n is not one. */
const char *
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

bool
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

bool
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
bool
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

bool
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
void
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


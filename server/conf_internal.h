/* conf_internal.h -- what the config loader's files share; private to server/.
 *
 * The loader is three steps in three files, plus the nat: section:
 *   conf_yaml.c   YAML text -> a small tree of ynode_t (line, tag, style per
 *                 node), typed access to nodes, and the message list
 *   conf.c        the schema: the walk over the tree that fills conf_t
 *   conf_check.c  checks over the whole conf_t (ACL graph, translate: nat,
 *                 shared writable files, view reachability)
 *   nat_conf.c    the nat: section into a nat_map_t
 * include/conf.h is the public interface; nothing here is used outside
 * these files. Everything the tree and the messages hold lives in the
 * context's tmp arena, freed when conf_parse() returns.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_CONF_INTERNAL_H
#define HZ_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "conf.h"
#include "diag.h"

/* ---------------------------------------------------------------------------
 * The YAML tree (conf_yaml.c)
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

/* One message, held until conf_msg_flush(). */
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

/* Parse text into a tree in x->tmp. NULL after a YAML syntax error (libyaml
 * cannot go on after one; the error is reported, with a hint when it is an
 * unquoted '!' or a leading ':' in a flow list) or for an empty stream
 * (*empty set). */
ynode_t *conf_yaml_load(conf_ctx_t *x, const char *text, size_t len, bool *empty);

/* Messages are held and printed sorted by line when parsing ends (the walk
 * does not visit the file strictly top to bottom). conf_error() counts in
 * x->errors. */
void conf_error(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void conf_warn(conf_ctx_t *x, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Hand every held message to x->d, in line order. */
void conf_msg_flush(conf_ctx_t *x);

/* ---------------------------------------------------------------------------
 * Typed access to nodes (conf_yaml.c). "what" names the value in messages.
 * Each reports what is wrong with n and returns false/NULL; a poisoned node
 * (an alias, already reported) fails silently.
 */

/* Empty, ~ or null, untagged and unquoted (or n itself NULL). */
bool conf_is_null(const ynode_t *n);
/* "nothing", "a list", "a map" or "a string", for messages. */
const char *conf_describe(const ynode_t *n);
/* Only the standard tags (!!str, !!int...) are allowed. */
bool conf_check_tag(conf_ctx_t *x, const ynode_t *n, const char *what);
/* A string value (the node's own text, in x->tmp). */
const char *conf_get_string(conf_ctx_t *x, const ynode_t *n, const char *what, bool allow_empty);
bool conf_get_uint(conf_ctx_t *x, const ynode_t *n, const char *what, unsigned min, unsigned max,
		   unsigned *out);
/* true/false, yes/no, on/off, any letter case. */
bool conf_get_bool(conf_ctx_t *x, const ynode_t *n, const char *what, bool *out);
/* A list; a null counts as an empty list (false, nothing reported) only if allow_null. */
bool conf_expect_seq(conf_ctx_t *x, const ynode_t *n, const char *what, bool allow_null);
bool conf_expect_map(conf_ctx_t *x, const ynode_t *n, const char *what);
/* Walk a map's keys: values of known keys land in vals[] (by index into
 * names[], NULL when absent); unknown and duplicate keys are reported. */
void conf_map_keys(conf_ctx_t *x, const ynode_t *map, const char *where,
		   const char *const *names, size_t nnames, const ynode_t **vals);

/* ---------------------------------------------------------------------------
 * Checks over the parsed conf_t (conf_check.c)
 */

/* Cycles (reported, and broken) and nesting depth of the named ACLs. */
void conf_check_acl_graph(conf_ctx_t *x);
/* Every zone with translate: nat needs a nat: section with mappings. */
void conf_check_translate(conf_ctx_t *x);
/* A zone file that takes updates belongs to one zone entry only. */
void conf_check_writable_files(conf_ctx_t *x);

/* ---------------------------------------------------------------------------
 * The nat: section (nat_conf.c)
 */

/* nat: (a list of mappings, or a map with map/lan/wan-interface/apply)
 * into x->c->nat, in x->c's arena. */
void nat_conf_parse(conf_ctx_t *x, const ynode_t *node);

#endif

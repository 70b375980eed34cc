/* zonefile.c -- read an RFC 1035 master file with ldns into plain wire RRs.
 *
 * DESIGN. The whole file is read into memory and handed to ldns through
 * fmemopen(), one record per ldns_rr_new_frm_fp_l() call. Having the text
 * lets us do what ldns does not do (well) by itself:
 *  - line numbers: ldns counts lines it consumed, including blank lines and
 *    comments around a record, so we find the record's first token in the
 *    text and report the line it starts on;
 *  - directives: ldns only reports that it saw $INCLUDE (the argument is
 *    lost), treats a relative $ORIGIN as absolute and "$TTL 0" as "no TTL",
 *    so all three are parsed here from the text; ldns gets a sentinel default
 *    TTL so we can tell a record without TTL from one with an explicit TTL;
 *  - truncation: ldns silently closes an unterminated quoted string at end
 *    of input and accepts rdata longer than 65535 octets; both are errors.
 * Each ldns_rr is converted to a zrr_t in the zone arena and freed at once.
 * Validation (duplicates, CNAME rules, apex) is done while streaming, with
 * per-name and per-RR hash tables that live only during the parse.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "zonefile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "arena.h"

#define ZF_MAX_INCLUDE_DEPTH 10
#define ZF_TTL_MISSING 0xFFFFFFFFu     /* sentinel default TTL given to ldns */
#define ZF_TTL_MAX 0x7FFFFFFFu          /* RFC 2181 section 8 */
#define ZF_SNIPPET 60

/* One distinct owner name (compared case-insensitively). */
typedef struct zf_name {
	const uint8_t *lc;      /* lower-cased wire name, scratch arena */
	uint16_t len;
	uint32_t hash;
	bool cname;             /* has a CNAME */
	bool other;             /* has data other than CNAME, RRSIG, NSEC */
	bool ns;                /* has NS */
} zf_name_t;

/* Duplicate-detection key for rrs[i]; parallel to the rrs array. */
typedef struct zf_rrkey {
	uint32_t name;          /* index into names */
	uint32_t hash;
	const uint8_t *canon;   /* canonical (RFC 4034 6.2) rdata */
} zf_rrkey_t;

/* Open-addressing table of indexes (slot value = index + 1, 0 = empty). */
typedef struct zf_table {
	uint32_t *slots;
	size_t mask;
	size_t used;
} zf_table_t;

typedef struct zf_parser {
	zonefile_t *z;
	diag_t *d;
	arena_t *scratch;       /* freed when parsing ends */
	uint16_t apex_len;

	zrr_t *rrs;             /* malloc'd while parsing, copied to the arena */
	zf_rrkey_t *keys;
	size_t count, cap;
	zf_table_t rrtab;

	zf_name_t *names;
	size_t nnames, names_cap;
	zf_table_t nametab;

	size_t soa_index;       /* SIZE_MAX: none yet */
	bool ttl_pending;       /* some record waits for the SOA minimum */
	bool warned_no_ttl;

	int depth;
	char *stack[ZF_MAX_INCLUDE_DEPTH + 1]; /* realpath of each open file */
} zf_parser_t;

/* What one file being parsed carries: its own $ORIGIN, $TTL and owner. */
typedef struct zf_frame {
	const char *path;       /* zone arena copy, referenced by zrr_t.file */
	const char *text;
	size_t len;
	ldns_rdf *origin;       /* owned */
	uint32_t ttl;
	bool ttl_set;
	/* line bookkeeping: line number of offset line_off */
	size_t line_off;
	unsigned long line;
} zf_frame_t;

static void zf_parse_text(zf_parser_t *p, zf_frame_t *f);
static bool zf_parse_file(zf_parser_t *p, const char *path, const char *text, size_t len,
			  const ldns_rdf *origin, uint32_t ttl, bool ttl_set,
			  const char *inc_file, unsigned long inc_line);

static void *
zf_xrealloc(void *ptr, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		fprintf(stderr, "horizond: out of memory\n");
		abort();
	}
	void *q = realloc(ptr, n * size);
	if (q == NULL && n * size != 0) {
		fprintf(stderr, "horizond: out of memory (%zu bytes)\n", n * size);
		abort();
	}
	return q;
}

static uint32_t
zf_hash(uint32_t h, const uint8_t *p, size_t n)
{
	/* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void
zf_table_init(zf_table_t *t)
{
	t->mask = 1023;
	t->used = 0;
	t->slots = calloc(t->mask + 1, sizeof(*t->slots));
	if (t->slots == NULL) {
		fprintf(stderr, "horizond: out of memory\n");
		abort();
	}
}

/* Make room for one more entry; hash_of(ctx, index) gives stored hashes. */
static void
zf_table_grow(zf_table_t *t, uint32_t (*hash_of)(const zf_parser_t *, uint32_t),
	      const zf_parser_t *p)
{
	if ((t->used + 1) * 2 <= t->mask + 1)
		return;
	size_t nmask = t->mask * 2 + 1;
	uint32_t *ns = calloc(nmask + 1, sizeof(*ns));
	if (ns == NULL) {
		fprintf(stderr, "horizond: out of memory\n");
		abort();
	}
	for (size_t i = 0; i <= t->mask; i++) {
		if (t->slots[i] == 0)
			continue;
		size_t j = hash_of(p, t->slots[i] - 1) & nmask;
		while (ns[j] != 0)
			j = (j + 1) & nmask;
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->mask = nmask;
}

static uint32_t
zf_name_hash_of(const zf_parser_t *p, uint32_t i)
{
	return p->names[i].hash;
}

static uint32_t
zf_rr_hash_of(const zf_parser_t *p, uint32_t i)
{
	return p->keys[i].hash;
}

/* Lower-case copy of a wire name (only A-Z in labels; length octets < 64). */
static void
zf_wire_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (uint8_t)(src[i] + 32) : src[i];
}

/* Intern the lower-cased owner; returns its index in p->names. */
static uint32_t
zf_name_intern(zf_parser_t *p, const uint8_t *lc, uint16_t len)
{
	uint32_t h = zf_hash(2166136261u, lc, len);
	size_t j = h & p->nametab.mask;
	while (p->nametab.slots[j] != 0) {
		zf_name_t *n = &p->names[p->nametab.slots[j] - 1];
		if (n->hash == h && n->len == len && memcmp(n->lc, lc, len) == 0)
			return p->nametab.slots[j] - 1;
		j = (j + 1) & p->nametab.mask;
	}
	if (p->nnames == p->names_cap) {
		p->names_cap = p->names_cap ? p->names_cap * 2 : 1024;
		p->names = zf_xrealloc(p->names, p->names_cap, sizeof(*p->names));
	}
	uint32_t idx = (uint32_t)p->nnames++;
	zf_name_t *n = &p->names[idx];
	memset(n, 0, sizeof(*n));
	n->lc = arena_memdup(p->scratch, lc, len);
	n->len = len;
	n->hash = h;
	p->nametab.slots[j] = idx + 1;
	p->nametab.used++;
	zf_table_grow(&p->nametab, zf_name_hash_of, p);
	return idx;
}

/* Index of an identical RR already loaded, or SIZE_MAX. */
static size_t
zf_rr_find(const zf_parser_t *p, const zf_rrkey_t *k, uint16_t type, uint16_t rdlen)
{
	size_t j = k->hash & p->rrtab.mask;
	while (p->rrtab.slots[j] != 0) {
		size_t i = p->rrtab.slots[j] - 1;
		const zf_rrkey_t *o = &p->keys[i];
		if (o->hash == k->hash && o->name == k->name && p->rrs[i].type == type &&
		    p->rrs[i].rdlen == rdlen && memcmp(o->canon, k->canon, rdlen) == 0)
			return i;
		j = (j + 1) & p->rrtab.mask;
	}
	return SIZE_MAX;
}

static void
zf_rr_insert(zf_parser_t *p, size_t i)
{
	size_t j = p->keys[i].hash & p->rrtab.mask;
	while (p->rrtab.slots[j] != 0)
		j = (j + 1) & p->rrtab.mask;
	p->rrtab.slots[j] = (uint32_t)i + 1;
	p->rrtab.used++;
	zf_table_grow(&p->rrtab, zf_rr_hash_of, p);
}

/* True if lower-cased wire name lc is apex or below it. */
static bool
zf_in_zone(const zf_parser_t *p, const uint8_t *lc, size_t len)
{
	const uint8_t *apex = p->z->origin;
	size_t alen = p->z->origin_len;
	size_t off = 0;
	/* walk label boundaries; the suffix must start on one */
	while (off < len) {
		if (len - off == alen)
			return memcmp(lc + off, apex, alen) == 0;
		if (lc[off] == 0)
			break;
		off += (size_t)lc[off] + 1;
	}
	return false;
}

/* Line number of text offset off (offsets only move forward per frame). */
static unsigned long
zf_line_at(zf_frame_t *f, size_t off)
{
	if (off < f->line_off) {
		f->line_off = 0;
		f->line = 1;
	}
	const char *s = f->text + f->line_off;
	const char *e = f->text + off;
	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		if (nl == NULL)
			break;
		f->line++;
		s = nl + 1;
	}
	f->line_off = off;
	return f->line;
}

/* Offset of the first token at or after off, skipping blanks and comments;
 * f->len if there is none. */
static size_t
zf_skip_blank(const zf_frame_t *f, size_t off)
{
	while (off < f->len) {
		char c = f->text[off];
		if (c == ';') {
			const char *nl = memchr(f->text + off, '\n', f->len - off);
			if (nl == NULL)
				return f->len;
			off = (size_t)(nl - f->text);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			off++;
		} else {
			return off;
		}
	}
	return f->len;
}

/* The first line of the record at off, for messages: printable, shortened. */
static void
zf_snippet(const zf_frame_t *f, size_t off, char *buf, size_t size)
{
	size_t n = 0;
	while (off < f->len && f->text[off] != '\n' && f->text[off] != ';' && n + 4 < size) {
		unsigned char c = (unsigned char)f->text[off++];
		buf[n++] = (c == '\t' || isprint(c)) ? (char)c : '?';
		if (n >= ZF_SNIPPET) {
			buf[n++] = '.';
			buf[n++] = '.';
			buf[n++] = '.';
			break;
		}
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
}

/* Scan the text ldns consumed for one record: returns an error message if a
 * quoted string or a parenthesis was left open, which ldns lets through at
 * end of input, or if the record is longer than ldns' rdata text buffer,
 * which it silently truncates. */
static const char *
zf_check_balance(const zf_frame_t *f, size_t from, size_t to)
{
	bool quote = false;
	int paren = 0;
	size_t chars = 0;       /* outside comments */
	for (size_t i = from; i < to; i++) {
		char c = f->text[i];
		chars++;
		if (c == '\\') {
			i++;
			chars++;
		} else if (quote) {
			if (c == '"')
				quote = false;
		} else if (c == '"') {
			quote = true;
		} else if (c == ';') {
			chars--;
			while (i + 1 < to && f->text[i + 1] != '\n')
				i++;
		} else if (c == '(') {
			paren++;
		} else if (c == ')') {
			paren--;
		}
	}
	if (chars > LDNS_MAX_PACKETLEN)
		return "record longer than 65535 characters";
	if (quote)
		return "unterminated quoted string";
	if (paren > 0)
		return "unbalanced parentheses: '(' without ')'";
	if (paren < 0)
		return "unbalanced parentheses: ')' without '('";
	return NULL;
}

/* Find the TTL field of the record starting at tok, the way ldns does: the
 * token after the owner (none if the line starts blank), if it starts with
 * a digit. Copies it to buf; false if the record has no TTL. */
static bool
zf_ttl_text(const zf_frame_t *f, size_t tok, char *buf, size_t size)
{
	size_t i = tok;
	if (tok == 0 || f->text[tok - 1] == '\n') {
		while (i < f->len && !strchr(" \t\r\n(;", f->text[i]))
			i += f->text[i] == '\\' ? 2 : 1;
	}
	int paren = 0;
	while (i < f->len) {
		char c = f->text[i];
		if (c == '(') {
			paren++;
		} else if (c == ';' && paren > 0) {
			while (i < f->len && f->text[i] != '\n')
				i++;
			continue;
		} else if (!(c == ' ' || c == '\t' || c == '\r' || (c == '\n' && paren > 0))) {
			break;
		}
		i++;
	}
	if (i >= f->len || !isdigit((unsigned char)f->text[i]))
		return false;
	size_t n = 0;
	while (i < f->len && !strchr(" \t\r\n();", f->text[i]) && n + 1 < size)
		buf[n++] = f->text[i++];
	buf[n] = '\0';
	return true;
}

/* Split a directive line into tokens, storing the first max of them as
 * NUL-terminated copies in buf. Handles "quoted" tokens; stops at ';' or end
 * of line. Returns the number of tokens (which may exceed max), or -1 if a
 * quote is left open or buf is too small. */
static int
zf_split_line(const zf_frame_t *f, size_t off, char *buf, size_t size,
	      const char **tok, int max)
{
	int n = 0;
	size_t b = 0;
	while (off < f->len && f->text[off] != '\n') {
		char c = f->text[off];
		if (c == ' ' || c == '\t' || c == '\r') {
			off++;
			continue;
		}
		if (c == ';')
			break;
		bool store = n < max;
		if (store)
			tok[n] = buf + b;
		n++;
		bool quoted = (c == '"');
		if (quoted)
			off++;
		while (off < f->len && f->text[off] != '\n') {
			c = f->text[off];
			if (quoted ? c == '"' : (c == ' ' || c == '\t' || c == '\r' || c == ';'))
				break;
			if (store) {
				if (b + 2 >= size)
					return -1;
				buf[b++] = c;
			}
			off++;
		}
		if (quoted) {
			if (off >= f->len || f->text[off] != '"')
				return -1;
			off++;
		}
		if (store)
			buf[b++] = '\0';
	}
	return n;
}

/* Parse a domain name argument, relative to origin when not absolute. */
static ldns_rdf *
zf_dname_arg(const char *s, const ldns_rdf *origin)
{
	if (strcmp(s, "@") == 0)
		return origin != NULL ? ldns_rdf_clone(origin) : NULL;
	ldns_rdf *r = ldns_dname_new_frm_str(s);
	if (r == NULL)
		return NULL;
	if (!ldns_dname_str_absolute(s) && origin != NULL) {
		if (ldns_dname_cat(r, origin) != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(r);
			return NULL;
		}
	}
	return r;
}

/* Read a whole regular file; NULL with errno set on failure. */
static char *
zf_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		/* no directories, devices or FIFOs (/dev/zero would never end) */
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTSUP;
		return NULL;
	}
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	size_t n = 0;
	char *buf = zf_xrealloc(NULL, cap, 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = zf_xrealloc(buf, cap, 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

/* Include path relative to the directory of the including file. */
static char *
zf_include_path(const char *including, const char *name)
{
	if (name[0] == '/')
		return strdup(name);
	const char *slash = strrchr(including, '/');
	size_t dlen = slash != NULL ? (size_t)(slash - including) + 1 : 0;
	size_t nlen = strlen(name);
	char *s = malloc(dlen + nlen + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, including, dlen);
	memcpy(s + dlen, name, nlen + 1);
	return s;
}

/* Parse and load one file named by $INCLUDE (or the top-level file).
 * Returns false if the file could not be read (already reported). */
static bool
zf_parse_file(zf_parser_t *p, const char *path, const char *text, size_t len,
	      const ldns_rdf *origin, uint32_t ttl, bool ttl_set,
	      const char *inc_file, unsigned long inc_line)
{
	char *real = realpath(path, NULL);
	if (real != NULL) {
		for (int i = 0; i < p->depth; i++) {
			if (p->stack[i] != NULL && strcmp(p->stack[i], real) == 0) {
				diag_error(p->d, inc_file, inc_line,
					   "include loop: %s is already being read", path);
				free(real);
				return false;
			}
		}
	}
	char *owned = NULL;
	if (text == NULL) {
		owned = zf_slurp(path, &len);
		if (owned == NULL) {
			const char *why = errno == ENOTSUP ? "not a regular file" : strerror(errno);
			if (inc_file != NULL)
				diag_error(p->d, inc_file, inc_line, "cannot read included file %s: %s",
					   path, why);
			else
				diag_error(p->d, path, 0, "cannot read zone file: %s", why);
			free(real);
			return false;
		}
		text = owned;
	}
	p->stack[p->depth++] = real;

	zf_frame_t f = {
		.path = arena_strdup(p->z->arena, path),
		.text = text,
		.len = len,
		.origin = ldns_rdf_clone(origin),
		.ttl = ttl,
		.ttl_set = ttl_set,
		.line_off = 0,
		.line = 1,
	};
	zf_parse_text(p, &f);
	ldns_rdf_deep_free(f.origin);

	p->depth--;
	free(p->stack[p->depth]);
	p->stack[p->depth] = NULL;
	free(owned);
	return true;
}

static void
zf_directive(zf_parser_t *p, zf_frame_t *f, size_t off, unsigned long line)
{
	char buf[4096];
	const char *tok[4] = { NULL, NULL, NULL, NULL };
	int n = zf_split_line(f, off, buf, sizeof(buf), tok, 4);
	if (n <= 0) {
		diag_error(p->d, f->path, line, "malformed directive");
		return;
	}
	if (strcasecmp(tok[0], "$ORIGIN") == 0) {
		if (n != 2) {
			diag_error(p->d, f->path, line, "$ORIGIN needs exactly one domain name");
			return;
		}
		ldns_rdf *o = zf_dname_arg(tok[1], f->origin);
		if (o == NULL) {
			diag_error(p->d, f->path, line, "$ORIGIN: invalid domain name '%s'", tok[1]);
			return;
		}
		ldns_rdf_deep_free(f->origin);
		f->origin = o;
	} else if (strcasecmp(tok[0], "$TTL") == 0) {
		const char *end = NULL;
		if (n != 2 || !isdigit((unsigned char)tok[1][0])) {
			diag_error(p->d, f->path, line, "$TTL needs exactly one TTL value");
			return;
		}
		errno = 0;
		uint32_t v = ldns_str2period(tok[1], &end);
		if (end == NULL || *end != '\0') {
			diag_error(p->d, f->path, line, "$TTL: invalid TTL '%s'", tok[1]);
			return;
		}
		if (v > ZF_TTL_MAX) {
			diag_warn(p->d, f->path, line, "$TTL %s exceeds 2^31-1, using 0", tok[1]);
			v = 0;
		}
		f->ttl = v;
		f->ttl_set = true;
	} else if (strcasecmp(tok[0], "$INCLUDE") == 0) {
		if (n < 2 || n > 3) {
			diag_error(p->d, f->path, line, "$INCLUDE needs a file name and an optional origin");
			return;
		}
		if (p->depth >= ZF_MAX_INCLUDE_DEPTH) {
			diag_error(p->d, f->path, line, "$INCLUDE nested more than %d deep",
				   ZF_MAX_INCLUDE_DEPTH);
			return;
		}
		ldns_rdf *o = NULL;
		if (n == 3) {
			o = zf_dname_arg(tok[2], f->origin);
			if (o == NULL) {
				diag_error(p->d, f->path, line, "$INCLUDE: invalid origin '%s'", tok[2]);
				return;
			}
		}
		char *ipath = zf_include_path(f->path, tok[1]);
		if (ipath == NULL) {
			fprintf(stderr, "horizond: out of memory\n");
			abort();
		}
		/* The included file starts with this file's origin and TTL; its
		 * own $ORIGIN/$TTL do not leak back (RFC 1035 section 5.1). */
		zf_parse_file(p, ipath, NULL, 0, o != NULL ? o : f->origin, f->ttl, f->ttl_set,
			      f->path, line);
		free(ipath);
		ldns_rdf_deep_free(o);
	} else {
		diag_error(p->d, f->path, line, "unknown directive %s", tok[0]);
	}
}

/* Convert one parsed record, validate it and append it. Frees nothing.
 * ttl_explicit: the record has a TTL field (else ldns' TTL is our sentinel). */
static void
zf_add_rr(zf_parser_t *p, zf_frame_t *f, ldns_rr *rr, bool ttl_explicit, unsigned long line)
{
	char namebuf[LDNS_MAX_DOMAINLEN * 4 + 2];
	const ldns_rdf *own = ldns_rr_owner(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	uint16_t rclass = (uint16_t)ldns_rr_get_class(rr);

	if (own == NULL || ldns_rdf_size(own) == 0 || ldns_rdf_size(own) > LDNS_MAX_DOMAINLEN) {
		diag_error(p->d, f->path, line, "invalid owner name");
		return;
	}
	uint16_t olen = (uint16_t)ldns_rdf_size(own);
	/* copied: ldns_rr2canonical() below lower-cases the rr in place */
	uint8_t owire[LDNS_MAX_DOMAINLEN + 1];
	uint8_t lc[LDNS_MAX_DOMAINLEN + 1];
	memcpy(owire, ldns_rdf_data(own), olen);
	zf_wire_lower(lc, owire, olen);

	char *ostr = ldns_rdf2str(own);
	snprintf(namebuf, sizeof(namebuf), "%s", ostr != NULL ? ostr : "?");
	free(ostr);

	if (rclass != LDNS_RR_CLASS_IN) {
		char *cs = ldns_rr_class2str((ldns_rr_class)rclass);
		diag_error(p->d, f->path, line, "class %s is not supported (only IN)",
			   cs != NULL ? cs : "?");
		free(cs);
		return;
	}
	if (!zf_in_zone(p, lc, olen)) {
		diag_error(p->d, f->path, line, "%s is outside the zone %s", namebuf,
			   p->z->origin_text);
		return;
	}

	size_t rdlen = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *r = ldns_rr_rdf(rr, i);
		if (r != NULL)
			rdlen += ldns_rdf_size(r);
	}
	if (rdlen > 65535) {
		diag_error(p->d, f->path, line, "rdata of %s is %zu octets, more than 65535",
			   namebuf, rdlen);
		return;
	}

	/* Build the rdata in file case, then the canonical form for the
	 * duplicate check (ldns lower-cases names in the RFC 4034 6.2 types). */
	uint8_t *rdata = arena_alloc(p->z->arena, rdlen);
	size_t pos = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *r = ldns_rr_rdf(rr, i);
		if (r == NULL)
			continue;
		if (ldns_rdf_size(r) > 0)   /* an empty rdf may have no data at all */
			memcpy(rdata + pos, ldns_rdf_data(r), ldns_rdf_size(r));
		pos += ldns_rdf_size(r);
	}
	ldns_rr2canonical(rr);
	uint8_t *canon = rdata;
	pos = 0;
	bool same = true;
	for (size_t i = 0; i < ldns_rr_rd_count(rr) && same; i++) {
		const ldns_rdf *r = ldns_rr_rdf(rr, i);
		if (r == NULL)
			continue;
		same = ldns_rdf_size(r) == 0 ||
		       memcmp(rdata + pos, ldns_rdf_data(r), ldns_rdf_size(r)) == 0;
		pos += ldns_rdf_size(r);
	}
	if (!same) {
		canon = arena_alloc(p->scratch, rdlen);
		pos = 0;
		for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
			const ldns_rdf *r = ldns_rr_rdf(rr, i);
			if (r == NULL)
				continue;
			if (ldns_rdf_size(r) > 0)
				memcpy(canon + pos, ldns_rdf_data(r), ldns_rdf_size(r));
			pos += ldns_rdf_size(r);
		}
	}

	zf_rrkey_t key;
	key.name = zf_name_intern(p, lc, olen);
	key.canon = canon;
	uint32_t h = zf_hash(2166136261u, (const uint8_t *)&key.name, sizeof(key.name));
	uint8_t tb[2] = { (uint8_t)(type >> 8), (uint8_t)type };
	h = zf_hash(h, tb, 2);
	key.hash = zf_hash(h, canon, rdlen);

	uint32_t ttl = ldns_rr_ttl(rr);
	if (!ttl_explicit) {
		if (f->ttl_set) {
			ttl = f->ttl;
		} else {
			/* No $TTL yet: the SOA minimum, filled in at the end. */
			if (!p->warned_no_ttl) {
				diag_warn(p->d, f->path, line,
					  "no TTL and no $TTL: using the SOA minimum as TTL");
				p->warned_no_ttl = true;
			}
			p->ttl_pending = true;
		}
	} else if (ttl > ZF_TTL_MAX) {
		diag_warn(p->d, f->path, line, "TTL %u of %s exceeds 2^31-1, using 0", ttl, namebuf);
		ttl = 0;
	}

	size_t dup = zf_rr_find(p, &key, type, (uint16_t)rdlen);
	if (dup != SIZE_MAX) {
		/* Identical RR: dropped, as BIND does. */
		uint32_t dttl = p->rrs[dup].ttl;
		if (ttl != ZF_TTL_MISSING && dttl != ZF_TTL_MISSING && dttl != ttl)
			diag_warn(p->d, f->path, line,
				  "duplicate record for %s with a different TTL (%u, first %u) ignored",
				  namebuf, ttl, dttl);
		return;
	}

	zf_name_t *nm = &p->names[key.name];
	bool at_apex = (olen == p->apex_len && memcmp(lc, p->z->origin, olen) == 0);
	switch (type) {
	case LDNS_RR_TYPE_SOA:
		if (!at_apex) {
			diag_error(p->d, f->path, line, "SOA record for %s is not at the zone apex %s",
				   namebuf, p->z->origin_text);
			return;
		}
		if (p->soa_index != SIZE_MAX) {
			diag_error(p->d, f->path, line, "more than one SOA record (first at %s:%lu)",
				   p->rrs[p->soa_index].file, p->rrs[p->soa_index].line);
			return;
		}
		if (rdlen < 20) {
			diag_error(p->d, f->path, line, "SOA rdata too short");
			return;
		}
		break;
	case LDNS_RR_TYPE_CNAME:
		if (nm->cname) {
			diag_error(p->d, f->path, line, "more than one CNAME at %s", namebuf);
			return;
		}
		if (nm->other) {
			diag_error(p->d, f->path, line, "CNAME and other data at %s", namebuf);
			return;
		}
		break;
	case LDNS_RR_TYPE_RRSIG:
	case LDNS_RR_TYPE_NSEC:
		break;
	default:
		if (nm->cname) {
			diag_error(p->d, f->path, line, "CNAME and other data at %s", namebuf);
			return;
		}
		break;
	}

	if (p->count == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->rrs = zf_xrealloc(p->rrs, p->cap, sizeof(*p->rrs));
		p->keys = zf_xrealloc(p->keys, p->cap, sizeof(*p->keys));
	}
	size_t i = p->count++;
	zrr_t *z = &p->rrs[i];
	/* Consecutive records usually share the owner: share the bytes too. */
	if (i > 0 && p->rrs[i - 1].owner_len == olen && memcmp(p->rrs[i - 1].owner, owire, olen) == 0)
		z->owner = p->rrs[i - 1].owner;
	else
		z->owner = arena_memdup(p->z->arena, owire, olen);
	z->owner_len = olen;
	z->type = type;
	z->rclass = rclass;
	z->ttl = ttl;
	z->rdlen = (uint16_t)rdlen;
	z->rdata = rdata;
	z->file = f->path;
	z->line = line;
	p->keys[i] = key;
	zf_rr_insert(p, i);

	if (type == LDNS_RR_TYPE_SOA)
		p->soa_index = i;
	if (type == LDNS_RR_TYPE_CNAME)
		nm->cname = true;
	else if (type != LDNS_RR_TYPE_RRSIG && type != LDNS_RR_TYPE_NSEC)
		nm->other = true;
	if (type == LDNS_RR_TYPE_NS)
		nm->ns = true;
}

static void
zf_parse_text(zf_parser_t *p, zf_frame_t *f)
{
	if (f->len == 0)
		return;
	const char *nul = memchr(f->text, '\0', f->len);
	if (nul != NULL) {
		diag_error(p->d, f->path, zf_line_at(f, (size_t)(nul - f->text)),
			   "NUL byte in zone file (not a text file?)");
		return;
	}

	/* A last line without newline that holds data means a cut file. */
	if (f->text[f->len - 1] != '\n') {
		const char *lastnl = NULL;
		for (size_t i = f->len; i > 0; i--) {
			if (f->text[i - 1] == '\n') {
				lastnl = f->text + i - 1;
				break;
			}
		}
		size_t tail = lastnl != NULL ? (size_t)(lastnl - f->text) + 1 : 0;
		size_t tok = zf_skip_blank(f, tail);
		if (tok < f->len)
			diag_error(p->d, f->path, zf_line_at(f, tok),
				   "last line has no newline: file truncated?");
	}

	FILE *fp = fmemopen((void *)f->text, f->len, "r");
	if (fp == NULL) {
		diag_error(p->d, f->path, 0, "cannot open text stream: %s", strerror(errno));
		return;
	}
	ldns_rdf *prev = NULL;
	for (;;) {
		long start = ftell(fp);
		if (start < 0)
			break;
		size_t tok = zf_skip_blank(f, (size_t)start);
		if (tok >= f->len)
			break;
		unsigned long line = zf_line_at(f, tok);
		bool directive = f->text[tok] == '$' && (tok == 0 || f->text[tok - 1] == '\n');

		ldns_rr *rr = NULL;
		ldns_rdf *origin = ldns_rdf_clone(f->origin);
		uint32_t dttl = ZF_TTL_MISSING;
		int lnr = 0;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &dttl, &origin, &prev, &lnr);
		/* ldns frees and replaces *origin on $ORIGIN; we track our own. */
		ldns_rdf_deep_free(origin);
		long end = ftell(fp);
		if (end <= start) {
			/* no progress: never loop forever on input ldns chokes on */
			if (rr != NULL)
				ldns_rr_free(rr);
			diag_error(p->d, f->path, line, "cannot parse record");
			break;
		}
		if ((size_t)end > f->len)
			end = (long)f->len;

		if (directive) {
			if (rr != NULL)
				ldns_rr_free(rr);
			zf_directive(p, f, tok, line);
			continue;
		}
		if (s == LDNS_STATUS_SYNTAX_EMPTY)
			continue;
		char snip[ZF_SNIPPET + 8];
		if (s != LDNS_STATUS_OK) {
			const char *msg = ldns_get_errorstr_by_id(s);
			zf_snippet(f, tok, snip, sizeof(snip));
			if (s == LDNS_STATUS_SYNTAX_TTL || s == LDNS_STATUS_SYNTAX_ORIGIN ||
			    s == LDNS_STATUS_SYNTAX_INCLUDE)
				msg = "directive not at the start of a line";
			diag_error(p->d, f->path, line, "%s: %s", msg != NULL ? msg : "parse error", snip);
			if (rr != NULL)
				ldns_rr_free(rr);
			continue;
		}
		if (rr == NULL)
			continue;
		const char *bal = zf_check_balance(f, tok, (size_t)end);
		if (bal != NULL) {
			zf_snippet(f, tok, snip, sizeof(snip));
			diag_error(p->d, f->path, line, "%s: %s", bal, snip);
			ldns_rr_free(rr);
			continue;
		}
		char ttlbuf[32];
		bool ttl_explicit = zf_ttl_text(f, tok, ttlbuf, sizeof(ttlbuf));
		if (ttl_explicit && strspn(ttlbuf, "0123456789") == strlen(ttlbuf) &&
		    (strlen(ttlbuf) > 10 || strtoull(ttlbuf, NULL, 10) > UINT32_MAX)) {
			/* ldns would wrap it around silently */
			diag_error(p->d, f->path, line, "TTL %s does not fit in 32 bits", ttlbuf);
			ldns_rr_free(rr);
			continue;
		}
		zf_add_rr(p, f, rr, ttl_explicit, line);
		ldns_rr_free(rr);
	}
	ldns_rdf_deep_free(prev);
	fclose(fp);
}

static void
zf_finish(zf_parser_t *p, const char *path)
{
	zonefile_t *z = p->z;
	if (p->count == 0) {
		diag_error(p->d, path, 0, "zone %s is empty: no records", z->origin_text);
		return;
	}
	if (p->soa_index == SIZE_MAX) {
		/* reported where the zone's data starts */
		diag_error(p->d, p->rrs[0].file, p->rrs[0].line, "no SOA record at the zone apex %s",
			   z->origin_text);
	} else if (p->ttl_pending) {
		const zrr_t *soa = &p->rrs[p->soa_index];
		const uint8_t *m = soa->rdata + soa->rdlen - 4;
		uint32_t min = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		if (min > ZF_TTL_MAX)
			min = 0;
		for (size_t i = 0; i < p->count; i++) {
			if (p->rrs[i].ttl == ZF_TTL_MISSING)
				p->rrs[i].ttl = min;
		}
	}
	uint32_t apex = zf_name_intern(p, z->origin, z->origin_len);
	if (!p->names[apex].ns) {
		/* reported at the SOA, or where the zone's data starts */
		const zrr_t *at = p->soa_index != SIZE_MAX ? &p->rrs[p->soa_index] : &p->rrs[0];
		diag_error(p->d, at->file, at->line, "no NS records at the zone apex %s", z->origin_text);
	}
}

static zonefile_t *
zf_load(const char *origin, const char *path, const char *text, size_t len, diag_t *d)
{
	if (path == NULL)
		path = "(zone)";
	ldns_rdf *o = origin != NULL ? ldns_dname_new_frm_str(origin) : NULL;
	if (o == NULL) {
		diag_error(d, path, 0, "invalid zone name '%s'", origin != NULL ? origin : "(null)");
		return NULL;
	}
	if (!ldns_dname_str_absolute(origin)) {
		/* "example.com" means the absolute name */
		ldns_rdf *root = ldns_dname_new_frm_str(".");
		ldns_status s = ldns_dname_cat(o, root);
		ldns_rdf_deep_free(root);
		if (s != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(o);
			diag_error(d, path, 0, "invalid zone name '%s'", origin);
			return NULL;
		}
	}
	ldns_dname2canonical(o);

	arena_t *a = arena_new(0);
	zonefile_t *z = arena_zalloc(a, sizeof(*z));
	z->arena = a;
	z->origin_len = (uint16_t)ldns_rdf_size(o);
	z->origin = arena_memdup(a, ldns_rdf_data(o), z->origin_len);
	char *otext = ldns_rdf2str(o);
	z->origin_text = arena_strdup(a, otext != NULL ? otext : "?");
	free(otext);
	z->path = arena_strdup(a, path);

	zf_parser_t p;
	memset(&p, 0, sizeof(p));
	p.z = z;
	p.d = d;
	p.scratch = arena_new(0);
	p.apex_len = z->origin_len;
	p.soa_index = SIZE_MAX;
	zf_table_init(&p.rrtab);
	zf_table_init(&p.nametab);

	/* Count our own errors even if the caller passed no diag_t. */
	diag_t local = { 0, 0, NULL, 0 };
	if (d == NULL)
		p.d = d = &local;
	unsigned errors_before = d->errors;

	if (zf_parse_file(&p, path, text, len, o, 0, false, NULL, 0))
		zf_finish(&p, path);
	ldns_rdf_deep_free(o);

	if (p.count > 0) {
		z->rrs = arena_memdup(a, p.rrs, p.count * sizeof(*p.rrs));
		z->count = p.count;
		if (p.soa_index != SIZE_MAX)
			z->soa = &z->rrs[p.soa_index];
	}
	free(p.rrs);
	free(p.keys);
	free(p.names);
	free(p.rrtab.slots);
	free(p.nametab.slots);
	arena_free(&p.scratch);

	if (d->errors != errors_before) {
		zonefile_free(&z);
		return NULL;
	}
	return z;
}

zonefile_t *
zonefile_read(const char *origin, const char *path, diag_t *d)
{
	return zf_load(origin, path, NULL, 0, d);
}

zonefile_t *
zonefile_parse(const char *origin, const char *path, const char *text, size_t len, diag_t *d)
{
	/* An empty text is an empty zone, not a request to read path. */
	return zf_load(origin, path, text != NULL ? text : "", text != NULL ? len : 0, d);
}

void
zonefile_free(zonefile_t **zp)
{
	if (zp == NULL || *zp == NULL)
		return;
	arena_t *a = (*zp)->arena;
	arena_free(&a);
	*zp = NULL;
}

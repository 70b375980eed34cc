/* zonefile.c -- read an RFC 1035 master file into plain wire RRs.
 *
 * DESIGN. The text is parsed by Knot DNS's zone scanner (libzscanner), a
 * Ragel state machine that turns one record at a time into wire form. We
 * chose it over ldns' ldns_rr_new_frm_fp_l() on evidence (docs/performance.md,
 * docs/differences.md): loading two 137k-record zones fell from 0.88 s to
 * 0.32 s of CPU, it accepts the class before the TTL as RFC 1035 allows, and
 * it range-checks every number where ldns silently wrapped MX 70000 or a TTL
 * of 10000000w. Around it, this file does what the scanner does not do, or
 * not the way we need:
 *  - files: we read each file ourselves (refusing FIFOs and devices without
 *    ever blocking on them) and handle $INCLUDE ourselves (the scanner only
 *    reports it): depth limit, loops, paths relative to the including file,
 *    zrr_t.file for every record, FILE:LINE for every error inside includes;
 *  - line numbers: we keep the text, so we report the line a record starts
 *    on (the scanner counts the line it ends on) by walking the text between
 *    two records, which holds only blanks, comments and directives;
 *  - TTLs: a record without TTL before any $TTL takes the SOA MINIMUM (with a
 *    warning, as BIND); TTLs above 2^31-1 become 0 with a warning;
 *  - $GENERATE, which the scanner does not know: the directive is split
 *    here, each record's text is made by zonegen_expand() and parsed by a
 *    second scanner that shares the current $ORIGIN;
 *  - names with characters BIND takes bare but the scanner only escaped
 *    ("a+b"): the record is read again with them escaped;
 *  - messages: text of the file is quoted only from the zone file named in
 *    the configuration, never from an $INCLUDEd file (which could be any
 *    file on the machine: "$INCLUDE /etc/shadow").
 * Each record is copied into the zone arena at once; the zrr_t array is an
 * arena block reserved for the top file's lines, grown in place (mremap) by
 * $INCLUDE and $GENERATE and handed to the zone arena at the end, so the
 * records never exist twice. Validation (duplicates, CNAME rules, apex) is
 * done while streaming, with per-name and per-RR hash tables sized once for
 * the file's lines, that live only during the parse. ldns turns the zone name into wire
 * form and reads the records of the old or rare types the scanner has no
 * name for (WKS, HIP, A6, NSAP, ...), which BIND still reads.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "zonefile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <libzscanner/scanner.h>

#include "arena.h"
#include "zonegen.h"

#define ZF_MAX_INCLUDE_DEPTH 10
#define ZF_TTL_MISSING 0xFFFFFFFFu     /* "take the SOA minimum" until the end */
#define ZF_TTL_MAX 0x7FFFFFFFu          /* RFC 2181 section 8 */
#define ZF_SNIPPET 60
#define ZF_TYPE_SOA 6
#define ZF_TYPE_NS 2
#define ZF_TYPE_CNAME 5
#define ZF_TYPE_RRSIG 46
#define ZF_TYPE_NSEC 47
/* At most this many records are reserved for before they are read. */
#define ZF_RESERVE_MAX (2u << 20)
/* Records one $GENERATE may make (BIND has no limit; a /8 of PTRs is 16M).
 * The fuzz build lowers it so that one input stays fast. */
#ifndef ZF_GENERATE_MAX
#define ZF_GENERATE_MAX 1048576L
#endif

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

	zrr_t *rrs;             /* an arena block (zf_reserve), the zone's at the end */
	zf_rrkey_t *keys;
	size_t count, cap;
	zf_table_t rrtab;

	zf_name_t *names;
	size_t nnames, names_cap;
	zf_table_t nametab;

	size_t soa_index;       /* SIZE_MAX: none yet */
	bool ttl_pending;       /* some record waits for the SOA minimum */
	bool warned_no_ttl;

	zs_scanner_t *gen;      /* parses $GENERATE's records; NULL until needed */
	uint8_t *canon;         /* 65535 octets for zf_canonical() */

	int depth;
	char *stack[ZF_MAX_INCLUDE_DEPTH + 1]; /* realpath of each open file */
} zf_parser_t;

/* What one file being parsed carries: its scanner, $TTL and position. */
typedef struct zf_frame {
	const char *path;       /* zone arena copy, referenced by zrr_t.file */
	const char *text;
	size_t len;
	zs_scanner_t *s;        /* owns the file's $ORIGIN and previous owner */
	uint8_t origin[LDNS_MAX_DOMAINLEN + 1]; /* $ORIGIN in effect, wire */
	size_t origin_len;
	uint32_t ttl;
	bool ttl_set;
	bool echo;              /* may quote this file's text in messages */
	bool loaded_any;        /* a record of this file was accepted */
	size_t pos;             /* where the scanner's previous step ended */
	/* line bookkeeping: line number of offset line_off */
	size_t line_off;
	unsigned long line;
} zf_frame_t;

static bool zf_parse_file(zf_parser_t *p, const char *path, const char *text, size_t len,
			  const uint8_t *origin, size_t origin_len, uint32_t ttl, bool ttl_set,
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

/* An empty table sized for n entries at once (at most half full), so that it
 * is not rehashed and reallocated log2(n) times while it fills. */
static void
zf_table_presize(zf_table_t *t, size_t n)
{
	if (t->used != 0 || n * 2 <= t->mask + 1 || n > SIZE_MAX / 8)
		return;
	size_t size = t->mask + 1;
	while (size < n * 2)
		size *= 2;
	uint32_t *slots = calloc(size, sizeof(*slots));
	if (slots == NULL) {
		fprintf(stderr, "horizond: out of memory\n");
		abort();
	}
	free(t->slots);
	t->slots = slots;
	t->mask = size - 1;
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

/* Intern the lower-cased owner; returns its index in p->names. kept: the
 * same bytes where they outlive the parse (the record's owner in the zone's
 * arena, if the file wrote it in lower case), else NULL (then copied). */
static uint32_t
zf_name_intern(zf_parser_t *p, const uint8_t *lc, uint16_t len, const uint8_t *kept)
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
		if (p->names_cap > SIZE_MAX / sizeof(*p->names)) {
			fprintf(stderr, "horizond: out of memory\n");
			abort();
		}
		p->names = arena_block_resize(p->names, p->names_cap * sizeof(*p->names));
	}
	uint32_t idx = (uint32_t)p->nnames++;
	zf_name_t *n = &p->names[idx];
	memset(n, 0, sizeof(*n));
	n->lc = kept != NULL ? kept : arena_memdup_bytes(p->scratch, lc, len);
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

/* Scan the text of one record the scanner rejected: returns a message if a
 * quoted string or a parenthesis was left open (the clearer reason). */
static const char *
zf_check_balance(const zf_frame_t *f, size_t from, size_t to)
{
	bool quote = false;
	int paren = 0;
	for (size_t i = from; i < to; i++) {
		char c = f->text[i];
		if (c == '\\') {
			i++;
		} else if (quote) {
			if (c == '"')
				quote = false;
		} else if (c == '"') {
			quote = true;
		} else if (c == ';') {
			while (i + 1 < to && f->text[i + 1] != '\n')
				i++;
		} else if (c == '(') {
			paren++;
		} else if (c == ')') {
			paren--;
		}
	}
	if (quote)
		return "unterminated quoted string";
	if (paren > 0)
		return "unbalanced parentheses: '(' without ')'";
	if (paren < 0)
		return "unbalanced parentheses: ')' without '('";
	return NULL;
}

/* Names in the rdata of these types are lower-cased for the duplicate check
 * (the RFC 4034 section 6.2 list, as ldns_rr2canonical() has it). The spec
 * lists the rdata fields: a number skips that many octets, S skips a
 * <character-string>, N is a domain name. */
static const char *
zf_canon_spec(uint16_t type)
{
	switch (type) {
	case LDNS_RR_TYPE_NS: case LDNS_RR_TYPE_MD: case LDNS_RR_TYPE_MF:
	case LDNS_RR_TYPE_CNAME: case LDNS_RR_TYPE_MB: case LDNS_RR_TYPE_MG:
	case LDNS_RR_TYPE_MR: case LDNS_RR_TYPE_PTR: case LDNS_RR_TYPE_NXT:
	case LDNS_RR_TYPE_DNAME:
		return "N";
	case LDNS_RR_TYPE_SOA: case LDNS_RR_TYPE_MINFO: case LDNS_RR_TYPE_RP:
		return "NN";
	case LDNS_RR_TYPE_MX: case LDNS_RR_TYPE_AFSDB: case LDNS_RR_TYPE_RT:
	case LDNS_RR_TYPE_KX:
		return "2N";
	case LDNS_RR_TYPE_PX:
		return "2NN";
	case LDNS_RR_TYPE_SRV:
		return "6N";
	case LDNS_RR_TYPE_NAPTR:
		return "4SSSN";
	case LDNS_RR_TYPE_SIG: case LDNS_RR_TYPE_RRSIG:
		return "18N";
	default:
		return NULL;
	}
}

/* Copy rdata to out with the names of zf_canon_spec() lower-cased; true if
 * that changed anything. Rdata given in RFC 3597 \# form may be malformed:
 * every step is bounded by len. */
static bool
zf_canonical(uint16_t type, const uint8_t *rdata, size_t len, uint8_t *out)
{
	const char *spec = zf_canon_spec(type);
	if (spec == NULL || len == 0)
		return false;
	memcpy(out, rdata, len);
	bool changed = false;
	size_t pos = 0;
	while (*spec != '\0' && pos < len) {
		if (isdigit((unsigned char)*spec)) {
			pos += strtoul(spec, (char **)&spec, 10);
		} else if (*spec++ == 'S') {
			pos += 1 + (size_t)out[pos];
		} else {
			while (pos < len && out[pos] != 0 && out[pos] < 64) {
				size_t end = pos + 1 + out[pos];
				for (size_t i = pos + 1; i < end && i < len; i++) {
					if (out[i] >= 'A' && out[i] <= 'Z') {
						out[i] += 32;
						changed = true;
					}
				}
				pos = end;
			}
			pos++;
		}
	}
	return changed;
}

/* Wire name as text for messages ("www.example.com."), escaped. */
static const char *
zf_name_text(const uint8_t *w, size_t len, char *buf, size_t size)
{
	size_t n = 0, pos = 0;
	while (pos < len && w[pos] != 0 && n + 6 < size) {
		size_t l = w[pos++];
		for (size_t i = 0; i < l && pos < len && n + 6 < size; i++) {
			unsigned char c = w[pos++];
			if (c <= ' ' || c >= 0x7f)
				n += (size_t)snprintf(buf + n, size - n, "\\%03u", c);
			else if (strchr(".\\\";()$@", c) != NULL)
				n += (size_t)snprintf(buf + n, size - n, "\\%c", c);
			else
				buf[n++] = (char)c;
		}
		buf[n++] = '.';
	}
	if (n == 0)
		buf[n++] = '.';
	buf[n] = '\0';
	return buf;
}

/* End of the item (record or directive) starting at off: the offset of the
 * newline that ends it outside parentheses and quotes, or f->len. */
static size_t
zf_item_end(const zf_frame_t *f, size_t off)
{
	int paren = 0;
	bool quote = false;
	for (size_t i = off; i < f->len; i++) {
		char c = f->text[i];
		if (c == '\\') {
			i++;
		} else if (quote) {
			if (c == '"')
				quote = false;
			else if (c == '\n' && paren == 0)
				return i;
		} else if (c == '"') {
			quote = true;
		} else if (c == ';') {
			const char *nl = memchr(f->text + i, '\n', f->len - i);
			if (nl == NULL)
				return f->len;
			i = (size_t)(nl - f->text) - 1;
		} else if (c == '(') {
			paren++;
		} else if (c == ')') {
			if (paren > 0)
				paren--;
		} else if (c == '\n' && paren == 0) {
			return i;
		}
	}
	return f->len;
}

/* Split the item at off into tokens, storing the first max of them as
 * NUL-terminated copies in buf ("quoted" tokens without their quotes,
 * quoted[i] set; backslash escapes kept as they are). With multiline, a
 * parenthesis continues the item over newlines (as for records); without,
 * the item is one line and a parenthesis is an error. Returns the number of
 * tokens (which may exceed max); -1 for an open quote or a buf too small,
 * -2 for a parenthesis when !multiline. With head (the first fields of a
 * record), it stops after max tokens and cuts tokens that do not fit. */
static int
zf_tokens(const zf_frame_t *f, size_t off, bool multiline, bool head, char *buf, size_t size,
	  const char **tok, bool *quoted, int max)
{
	int n = 0, paren = 0;
	size_t b = 0;
	while (off < f->len) {
		char c = f->text[off];
		if (c == '\n' && paren == 0)
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			off++;
			continue;
		}
		if (c == ';') {
			if (paren == 0)
				break;
			while (off < f->len && f->text[off] != '\n')
				off++;
			continue;
		}
		if (c == '(' || c == ')') {
			if (!multiline)
				return -2;
			paren += c == '(' ? 1 : -1;
			off++;
			continue;
		}
		bool store = n < max;
		if (!store && head)
			return n;
		if (store && b + 1 >= size)
			return head ? n : -1;
		bool q = (c == '"');
		if (store) {
			tok[n] = buf + b;
			if (quoted != NULL)
				quoted[n] = q;
		}
		n++;
		if (q)
			off++;
		while (off < f->len) {
			c = f->text[off];
			if (q ? (c == '"' || c == '\n')
			      : (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' ||
				 c == '(' || c == ')' || c == '"'))
				break;
			size_t k = (c == '\\' && off + 1 < f->len) ? 2 : 1;
			if (store && b + k + 1 < size) {
				memcpy(buf + b, f->text + off, k);
				b += k;
			} else if (store && !head) {
				return -1;
			}
			off += k;
		}
		if (store)
			buf[b++] = '\0';
		if (q) {
			if (off >= f->len || f->text[off] != '"')
				return head ? n : -1;
			off++;
		}
	}
	return n;
}

/* A TTL as the scanner reads it: a number, or blocks like 1w2d3h4m5s;
 * false if it is not one or does not fit in 32 bits. */
static bool
zf_parse_ttl(const char *s, uint32_t *out)
{
	uint64_t total = 0;
	bool blocks = false;
	if (!isdigit((unsigned char)*s))
		return false;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return false;
		uint64_t num = 0;
		while (isdigit((unsigned char)*s)) {
			num = num * 10 + (uint64_t)(*s++ - '0');
			if (num > UINT32_MAX)
				return false;
		}
		if (*s == '\0') {
			if (blocks)
				return false;   /* "1h30": the scanner wants a unit */
			total = num;
			break;
		}
		switch (tolower((unsigned char)*s++)) {
		case 's': break;
		case 'm': num *= 60; break;
		case 'h': num *= 3600; break;
		case 'd': num *= 86400; break;
		case 'w': num *= 604800; break;
		default: return false;
		}
		total += num;
		if (total > UINT32_MAX)
			return false;
		blocks = true;
	}
	*out = (uint32_t)total;
	return true;
}

static bool
zf_is_class(const char *s)
{
	static const char *const classes[] = { "IN", "CH", "CHAOS", "HS", "HESIOD", "CS",
					       "NONE", "ANY" };
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strcasecmp(s, classes[i]) == 0)
			return true;
	}
	return strncasecmp(s, "CLASS", 5) == 0 && s[5] != '\0' &&
	       strspn(s + 5, "0123456789") == strlen(s + 5);
}

/* The TTL and class fields of the record starting at tok (either order, each
 * optional, as RFC 1035 allows): copies them ("" if absent). */
static void
zf_head_fields(const zf_frame_t *f, size_t tok, char *ttl, char *cls, size_t size)
{
	char buf[2048];
	const char *t[3];
	ttl[0] = cls[0] = '\0';
	int n = zf_tokens(f, tok, true, true, buf, sizeof(buf), t, NULL, 3);
	bool owner = tok == 0 || f->text[tok - 1] == '\n';
	for (int i = owner ? 1 : 0; i < n && i < (owner ? 3 : 2); i++) {
		if (isdigit((unsigned char)t[i][0]) && ttl[0] == '\0')
			snprintf(ttl, size, "%s", t[i]);
		else if (zf_is_class(t[i]) && cls[0] == '\0')
			snprintf(cls, size, "%s", t[i]);
		else
			break;
	}
}

/* Declared in zonefile.h. Opened with O_NONBLOCK so that a FIFO without
 * writer cannot block us. */
char *
zonefile_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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

/* What kind of non-regular file path is, for the message. */
static const char *
zf_kind(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return "not a regular file";
	if (S_ISFIFO(st.st_mode))
		return "not a regular file (a FIFO)";
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return "not a regular file (a device)";
	if (S_ISSOCK(st.st_mode))
		return "not a regular file (a socket)";
	return "not a regular file";
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

/* The auxiliary scanner: $GENERATE's records, relative $ORIGIN/$INCLUDE
 * origins. Made on first use, remade after an error (a failed parse may
 * leave it in a state the next line would inherit). */
static zs_scanner_t *
zf_aux(zf_parser_t *p)
{
	if (p->gen == NULL) {
		p->gen = zf_xrealloc(NULL, 1, sizeof(*p->gen));
		if (zs_init(p->gen, ".", 1, 0) != 0) {
			fprintf(stderr, "horizond: cannot set up the zone scanner\n");
			abort();
		}
	}
	return p->gen;
}

static void
zf_aux_reset(zf_parser_t *p)
{
	if (p->gen != NULL) {
		zs_deinit(p->gen);
		free(p->gen);
		p->gen = NULL;
	}
}

/* Parse one record line (ending in '\n') with the auxiliary scanner, under
 * origin. Returns the scanner holding the record in its r_ fields, or NULL
 * with *err set to the scanner's error code. */
static zs_scanner_t *
zf_aux_parse(zf_parser_t *p, const uint8_t *origin, size_t olen, const char *line, size_t len,
	     int *err)
{
	zs_scanner_t *a = zf_aux(p);
	memcpy(a->zone_origin, origin, olen);
	a->zone_origin_length = (uint32_t)olen;
	*err = ZS_UNCOVERED_STATE;
	if (zs_set_input_string(a, line, len) != 0 || zs_parse_record(a) != 0) {
		zf_aux_reset(p);
		return NULL;
	}
	if (a->state != ZS_STATE_DATA) {
		if (a->state == ZS_STATE_ERROR)
			*err = a->error.code;
		else if (a->state == ZS_STATE_INCLUDE)
			*err = ZS_BAD_OWNER;
		zf_aux_reset(p);
		return NULL;
	}
	return a;
}

/* After reading a record from zf_aux_parse(): consume the rest of the line
 * so that the next line starts in a clean state. */
static void
zf_aux_done(zf_parser_t *p)
{
	zs_scanner_t *a = p->gen;
	for (int i = 0; a != NULL && i < 4; i++) {
		if (zs_parse_record(a) != 0 || a->state == ZS_STATE_ERROR ||
		    a->state == ZS_STATE_DATA || a->state == ZS_STATE_INCLUDE) {
			zf_aux_reset(p);
			return;
		}
		if (a->state == ZS_STATE_EOF)
			return;
	}
	zf_aux_reset(p);
}

/* Domain name text relative to origin, as wire (out: 255 bytes). */
static bool
zf_resolve_name(zf_parser_t *p, const uint8_t *origin, size_t olen, const char *name,
		uint8_t *out, size_t *outlen)
{
	char line[1100];
	if (name[0] == '$' || strlen(name) > 1024)
		return false;
	int n = snprintf(line, sizeof(line), "%s A 0.0.0.0\n", name);
	int err;
	zs_scanner_t *a = zf_aux_parse(p, origin, olen, line, (size_t)n, &err);
	if (a == NULL)
		return false;
	memcpy(out, a->r_owner, a->r_owner_length);
	*outlen = a->r_owner_length;
	zf_aux_done(p);
	return true;
}

/* Room for cap records in rrs and keys. They grow in place (arena blocks:
 * mremap, no copy), and rrs is handed to the zone's arena when the parse
 * ends, so the records never exist twice. */
static void
zf_reserve(zf_parser_t *p, size_t cap)
{
	if (cap < 1024)
		cap = 1024;
	if (cap <= p->cap)
		return;
	if (cap > SIZE_MAX / sizeof(*p->rrs)) {
		fprintf(stderr, "horizond: out of memory\n");
		abort();
	}
	p->rrs = arena_block_resize(p->rrs, cap * sizeof(*p->rrs));
	p->keys = arena_block_resize(p->keys, cap * sizeof(*p->keys));
	p->cap = cap;
}

/* Convert one parsed record, validate it and append it.
 * ttl_explicit: the record has a TTL field (else the $TTL or SOA minimum). */
static void
zf_add_rr(zf_parser_t *p, zf_frame_t *f, const uint8_t *owire, size_t olen, uint16_t type,
	  uint32_t ttl, bool ttl_explicit, const uint8_t *rd, size_t rdlen, unsigned long line)
{
	char namebuf[LDNS_MAX_DOMAINLEN * 4 + 2];
	if (olen == 0 || olen > LDNS_MAX_DOMAINLEN || rdlen > 65535) {
		diag_error(p->d, f->path, line, "invalid record");
		return;
	}
	uint8_t lc[LDNS_MAX_DOMAINLEN + 1];
	zf_wire_lower(lc, owire, olen);

	if (!zf_in_zone(p, lc, olen)) {
		/* as BIND: "ignoring out-of-zone data" */
		diag_warn(p->d, f->path, line, "%s is outside the zone %s: ignored",
			  zf_name_text(owire, olen, namebuf, sizeof(namebuf)), p->z->origin_text);
		return;
	}
	f->loaded_any = true;

	uint8_t *rdata = arena_alloc_bytes(p->z->arena, rdlen);
	if (rdlen > 0)
		memcpy(rdata, rd, rdlen);
	/* the canonical form for the duplicate check, when it differs */
	uint8_t *canon = rdata;
	if (zf_canonical(type, rdata, rdlen, p->canon))
		canon = arena_memdup_bytes(p->scratch, p->canon, rdlen);

	/* Consecutive records usually share the owner: share the bytes too.
	 * Written in lower case, they are also the name's key (no copy). */
	const uint8_t *owner;
	const zrr_t *prev = p->count > 0 ? &p->rrs[p->count - 1] : NULL;
	if (prev != NULL && prev->owner_len == olen && memcmp(prev->owner, owire, olen) == 0)
		owner = prev->owner;
	else
		owner = arena_memdup_bytes(p->z->arena, owire, olen);

	zf_rrkey_t key;
	key.name = zf_name_intern(p, lc, (uint16_t)olen,
				  memcmp(owner, lc, olen) == 0 ? owner : NULL);
	key.canon = canon;
	uint32_t h = zf_hash(2166136261u, (const uint8_t *)&key.name, sizeof(key.name));
	uint8_t tb[2] = { (uint8_t)(type >> 8), (uint8_t)type };
	h = zf_hash(h, tb, 2);
	key.hash = zf_hash(h, canon, rdlen);

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
			ttl = ZF_TTL_MISSING;
		}
	} else if (ttl > ZF_TTL_MAX) {
		diag_warn(p->d, f->path, line, "TTL %u of %s exceeds 2^31-1, using 0", ttl,
			  zf_name_text(owire, olen, namebuf, sizeof(namebuf)));
		ttl = 0;
	}

	size_t dup = zf_rr_find(p, &key, type, (uint16_t)rdlen);
	if (dup != SIZE_MAX) {
		/* Identical RR: dropped, as BIND does. */
		uint32_t dttl = p->rrs[dup].ttl;
		if (ttl != ZF_TTL_MISSING && dttl != ZF_TTL_MISSING && dttl != ttl)
			diag_warn(p->d, f->path, line,
				  "duplicate record for %s with a different TTL (%u, first %u) ignored",
				  zf_name_text(owire, olen, namebuf, sizeof(namebuf)), ttl, dttl);
		return;
	}

	zf_name_t *nm = &p->names[key.name];
	bool at_apex = (olen == p->apex_len && memcmp(lc, p->z->origin, olen) == 0);
	switch (type) {
	case LDNS_RR_TYPE_SOA:
		if (!at_apex) {
			diag_error(p->d, f->path, line, "SOA record for %s is not at the zone apex %s",
				   zf_name_text(owire, olen, namebuf, sizeof(namebuf)),
				   p->z->origin_text);
			return;
		}
		if (p->soa_index != SIZE_MAX) {
			diag_error(p->d, f->path, line, "more than one SOA record (first at %s:%lu)",
				   p->rrs[p->soa_index].file, p->rrs[p->soa_index].line);
			return;
		}
		if (rdlen < 22) {   /* two names of at least one octet, five numbers */
			diag_error(p->d, f->path, line, "SOA rdata too short");
			return;
		}
		break;
	case LDNS_RR_TYPE_CNAME:
		if (nm->cname) {
			diag_error(p->d, f->path, line, "more than one CNAME at %s",
				   zf_name_text(owire, olen, namebuf, sizeof(namebuf)));
			return;
		}
		if (nm->other) {
			diag_error(p->d, f->path, line, "CNAME and other data at %s",
				   zf_name_text(owire, olen, namebuf, sizeof(namebuf)));
			return;
		}
		break;
	case LDNS_RR_TYPE_RRSIG:
	case LDNS_RR_TYPE_NSEC:
		break;
	default:
		if (nm->cname) {
			diag_error(p->d, f->path, line, "CNAME and other data at %s",
				   zf_name_text(owire, olen, namebuf, sizeof(namebuf)));
			return;
		}
		break;
	}

	if (p->count == p->cap)
		zf_reserve(p, p->cap * 2);
	size_t i = p->count++;
	zrr_t *z = &p->rrs[i];
	z->owner = owner;
	z->owner_len = (uint16_t)olen;
	z->type = type;
	z->rclass = LDNS_RR_CLASS_IN;
	z->ttl = ttl;
	z->name_id = key.name;
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

/* Does the item at off start with directive word w (then a blank or end)? */
static bool
zf_is_directive(const zf_frame_t *f, size_t off, const char *w)
{
	size_t n = strlen(w);
	if (off + n > f->len || strncasecmp(f->text + off, w, n) != 0)
		return false;
	return off + n == f->len || strchr(" \t\r\n;(", f->text[off + n]) != NULL;
}

static bool
zf_at_line_start(const zf_frame_t *f, size_t off)
{
	return off == 0 || f->text[off - 1] == '\n';
}

/* A $TTL the scanner accepted: track it (records without TTL take it). */
static void
zf_ttl_directive(zf_parser_t *p, zf_frame_t *f, size_t off, unsigned long line)
{
	char buf[256];
	const char *tok[2];
	uint32_t v;
	if (zf_tokens(f, off, true, false, buf, sizeof(buf), tok, NULL, 2) != 2 ||
	    !zf_parse_ttl(tok[1], &v)) {
		v = f->s->default_ttl;  /* the scanner's reading, if ours differs */
	}
	if (v > ZF_TTL_MAX) {
		diag_warn(p->d, f->path, line, "$TTL %u exceeds 2^31-1, using 0", v);
		v = 0;
	}
	f->ttl = v;
	f->ttl_set = true;
}

/* A $ORIGIN the scanner accepted: keep our copy of the origin in step (the
 * scanner overwrites its own when a later $ORIGIN fails). */
static void
zf_origin_directive(zf_parser_t *p, zf_frame_t *f, size_t off)
{
	char buf[1100];
	const char *tok[2];
	uint8_t w[LDNS_MAX_DOMAINLEN + 1];
	size_t wl;
	if (zf_tokens(f, off, true, false, buf, sizeof(buf), tok, NULL, 2) == 2 &&
	    zf_resolve_name(p, f->origin, f->origin_len, tok[1], w, &wl)) {
		memcpy(f->origin, w, wl);
		f->origin_len = wl;
	} else {
		memcpy(f->origin, f->s->zone_origin, f->s->zone_origin_length);
		f->origin_len = f->s->zone_origin_length;
	}
}

/* Walk the text from f->pos: blanks, comments and the directives the scanner
 * processed before the item it stopped in (all: up to the end of the file).
 * Returns the offset of that item's first token. */
static size_t
zf_walk_gap(zf_parser_t *p, zf_frame_t *f, size_t end, bool all)
{
	size_t off = f->pos;
	for (;;) {
		off = zf_skip_blank(f, off);
		if (off >= f->len || (!all && off >= end))
			return off;
		size_t iend = zf_item_end(f, off);
		if (!all && iend >= end)
			return off;
		if (f->text[off] == '$' && zf_at_line_start(f, off)) {
			if (zf_is_directive(f, off, "$TTL"))
				zf_ttl_directive(p, f, off, zf_line_at(f, off));
			else if (zf_is_directive(f, off, "$ORIGIN"))
				zf_origin_directive(p, f, off);
		}
		off = iend;
	}
}

static void
zf_include(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line);

/* $GENERATE range lhs [ttl] [class] type rhs: BIND's order of the optional
 * fields is class, ttl, class. */
static void
zf_generate(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line)
{
	char buf[8192];
	const char *tok[9];
	bool quoted[9];
	int n = zf_tokens(f, item, false, false, buf, sizeof(buf), tok, quoted, 9);
	if (n == -2) {
		diag_error(p->d, f->path, line, "$GENERATE: parentheses are not supported");
		return;
	}
	if (n < 0) {
		diag_error(p->d, f->path, line, "$GENERATE: unterminated quoted string or line too long");
		return;
	}
	int i = 3;
	const char *cls = NULL, *ttltext = NULL;
	uint32_t ttl = 0;
	if (i < n && zf_is_class(tok[i]))
		cls = tok[i++];
	if (i < n && zf_parse_ttl(tok[i], &ttl))
		ttltext = tok[i++];
	else if (i < n && isdigit((unsigned char)tok[i][0])) {
		diag_error(p->d, f->path, line, "$GENERATE: invalid TTL%s%s%s", f->echo ? " '" : "",
			   f->echo ? tok[i] : "", f->echo ? "'" : "");
		return;
	}
	if (cls == NULL && i < n && zf_is_class(tok[i]))
		cls = tok[i++];
	if (n < 5 || i + 2 > n) {
		diag_error(p->d, f->path, line,
			   "$GENERATE needs a range, a lhs, a type and a rhs");
		return;
	}
	if (i + 2 < n) {
		diag_error(p->d, f->path, line, "$GENERATE: extra text after the rhs");
		return;
	}
	const char *type = tok[i], *rhs = tok[i + 1];
	if (cls != NULL && strcasecmp(cls, "IN") != 0) {
		diag_error(p->d, f->path, line, "class %s is not supported (only IN)", cls);
		return;
	}
	long start, stop, step;
	if (zonegen_range(tok[1], &start, &stop, &step) != 0) {
		diag_error(p->d, f->path, line, "$GENERATE: invalid range%s%s%s", f->echo ? " '" : "",
			   f->echo ? tok[1] : "", f->echo ? "'" : "");
		return;
	}
	if ((stop - start) / step >= ZF_GENERATE_MAX) {
		diag_error(p->d, f->path, line, "$GENERATE: more than %ld records", ZF_GENERATE_MAX);
		return;
	}
	if (ttltext != NULL && ttl > ZF_TTL_MAX) {
		diag_warn(p->d, f->path, line, "$GENERATE TTL %u exceeds 2^31-1, using 0", ttl);
		ttl = 0;
	}
	(void)quoted;

	/* one line for the scanner: "lhs type rhs\n" */
	size_t cap = 2048 + strlen(type) + 65536 + 8;
	char *text = zf_xrealloc(NULL, cap, 1);
	for (long v = start; v <= stop; v += step) {
		size_t len = 0;
		zonegen_err_t e = zonegen_expand(tok[2], v, text + 1, 2048);
		if (e == ZONEGEN_OK) {
			/* a name that starts with "$" must not read as a directive */
			if (text[1] == '$') {
				text[0] = '\\';
				len = 1 + strlen(text + 1);
			} else {
				len = strlen(text + 1);
				memmove(text, text + 1, len + 1);
			}
			len += (size_t)snprintf(text + len, cap - len, " %s ", type);
			e = zonegen_expand(rhs, v, text + len, cap - len - 1);
		}
		if (e != ZONEGEN_OK) {
			diag_error(p->d, f->path, line, "$GENERATE: %s (for value %ld)",
				   zonegen_strerror(e), v);
			break;
		}
		len += strlen(text + len);
		text[len++] = '\n';
		int err;
		zs_scanner_t *a = zf_aux_parse(p, f->origin, f->origin_len, text, len, &err);
		if (a == NULL) {
			diag_error(p->d, f->path, line, "$GENERATE: %s (for value %ld)",
				   zs_strerror(err), v);
			break;
		}
		zf_add_rr(p, f, a->r_owner, a->r_owner_length, a->r_type, ttl, ttltext != NULL,
			  a->r_data, a->r_data_length, line);
		zf_aux_done(p);
	}
	free(text);
}

/* A directive the scanner rejected. $GENERATE is ours; relative $ORIGIN and
 * $INCLUDE origins (the scanner wants absolute names) are resolved here. */
static void
zf_directive_error(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line, int code)
{
	char buf[4096];
	const char *tok[4] = { NULL, NULL, NULL, NULL };
	int n = zf_tokens(f, item, true, false, buf, sizeof(buf), tok, NULL, 4);
	if (zf_is_directive(f, item, "$GENERATE")) {
		zf_generate(p, f, item, line);
		return;
	}
	/* arguments are quoted only from the files of the configuration */
	const char *q = f->echo ? " '" : "", *qe = f->echo ? "'" : "";
	const char *arg = n >= 2 && f->echo ? tok[1] : "";
	if (n <= 0) {
		diag_error(p->d, f->path, line, "malformed directive");
	} else if (zf_is_directive(f, item, "$ORIGIN")) {
		/* the scanner wrote part of the failed name over its origin */
		memcpy(f->s->zone_origin, f->origin, f->origin_len);
		f->s->zone_origin_length = (uint32_t)f->origin_len;
		uint8_t w[LDNS_MAX_DOMAINLEN + 1];
		size_t wl;
		if (n != 2) {
			diag_error(p->d, f->path, line, "$ORIGIN needs exactly one domain name");
		} else if (zf_resolve_name(p, f->origin, f->origin_len, tok[1], w, &wl)) {
			/* a relative $ORIGIN: relative to the current one */
			memcpy(f->origin, w, wl);
			f->origin_len = wl;
			memcpy(f->s->zone_origin, w, wl);
			f->s->zone_origin_length = (uint32_t)wl;
		} else {
			diag_error(p->d, f->path, line, "$ORIGIN: invalid domain name%s%s%s", q, arg, qe);
		}
	} else if (zf_is_directive(f, item, "$TTL")) {
		uint32_t v;
		if (n != 2)
			diag_error(p->d, f->path, line, "$TTL needs exactly one TTL value");
		else if (strspn(tok[1], "0123456789sSmMhHdDwW") == strlen(tok[1]) &&
			 isdigit((unsigned char)tok[1][0]) && !zf_parse_ttl(tok[1], &v))
			diag_error(p->d, f->path, line, "$TTL%s%s%s does not fit in 32 bits", q, arg, qe);
		else
			diag_error(p->d, f->path, line, "$TTL: invalid TTL%s%s%s", q, arg, qe);
	} else if (zf_is_directive(f, item, "$INCLUDE")) {
		if (n < 2 || n > 3)
			diag_error(p->d, f->path, line,
				   "$INCLUDE needs a file name and an optional origin");
		else if (code == ZS_BAD_INCLUDE_ORIGIN)
			zf_include(p, f, item, line);   /* relative origin */
		else
			diag_error(p->d, f->path, line, "$INCLUDE: %s", zs_strerror(code));
	} else {
		diag_error(p->d, f->path, line, "unknown directive%s%s", f->echo ? " " : "",
			   f->echo ? tok[0] : "");
	}
}

/* The record at item as one line (malloc'd): comments and parentheses out.
 * escape: characters to escape with a backslash outside quoted strings. */
static char *
zf_flatten(const zf_frame_t *f, size_t item, const char *escape)
{
	size_t end = zf_item_end(f, item);
	char *flat = zf_xrealloc(NULL, 2 * (end - item) + 2, 1);
	size_t k = 0;
	bool q = false;
	for (size_t j = item; j < end; j++) {
		char c = f->text[j];
		if (c == '\\' && j + 1 < end) {
			flat[k++] = c;
			flat[k++] = f->text[++j];
			continue;
		}
		if (c == '"')
			q = !q;
		if (!q && c == ';') {
			while (j + 1 < end && f->text[j + 1] != '\n')
				j++;
			continue;
		}
		if (!q && escape != NULL && c != '\0' && strchr(escape, c) != NULL)
			flat[k++] = '\\';
		flat[k++] = (!q && strchr("()\n\r", c) != NULL) ? ' ' : c;
	}
	flat[k] = '\0';
	return flat;
}

/* A name with a character BIND takes as it is but the scanner only escaped
 * ("a+b", "x=y"): read the record again with those characters escaped,
 * which means the same in names and in text. True if that loaded it. */
static bool
zf_escaped_record(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line)
{
	char *flat = zf_flatten(f, item, "+=,!#%&'?^`{|}~<>[]");
	size_t len = strlen(flat);
	char *text = zf_xrealloc(NULL, len + 3, 1);
	/* a blank owner stays blank: the previous owner is copied below */
	size_t k = 0;
	if (!zf_at_line_start(f, item))
		text[k++] = ' ';
	memcpy(text + k, flat, len);
	k += len;
	text[k++] = '\n';
	free(flat);
	zs_scanner_t *a = zf_aux(p);
	uint32_t olen = f->s->r_owner_length <= sizeof(a->r_owner) ? f->s->r_owner_length : 0;
	memcpy(a->r_owner, f->s->r_owner, olen);
	a->r_owner_length = olen;
	int err;
	a = zf_aux_parse(p, f->origin, f->origin_len, text, k, &err);
	free(text);
	if (a == NULL)
		return false;
	char ttl[64], cls[64];
	zf_head_fields(f, item, ttl, cls, sizeof(ttl));
	zf_add_rr(p, f, a->r_owner, a->r_owner_length, a->r_type, a->r_ttl, ttl[0] != '\0',
		  a->r_data, a->r_data_length, line);
	/* the next blank owner means this one */
	memcpy(f->s->r_owner, a->r_owner, a->r_owner_length);
	f->s->r_owner_length = a->r_owner_length;
	zf_aux_done(p);
	return true;
}

/* Types Knot's scanner reads (its grammar, libzscanner 3.2). */
static bool
zf_scanner_type(const char *t)
{
	static const char *const known[] = {
		"A", "NS", "CNAME", "SOA", "PTR", "HINFO", "MINFO", "MX", "TXT", "RP", "AFSDB",
		"RT", "KEY", "AAAA", "LOC", "SRV", "NAPTR", "KX", "CERT", "DNAME", "APL", "DS",
		"SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY", "DHCID", "NSEC3", "NSEC3PARAM",
		"TLSA", "SMIMEA", "CDS", "CDNSKEY", "OPENPGPKEY", "CSYNC", "ZONEMD", "SPF", "NID",
		"L32", "L64", "LP", "EUI48", "EUI64", "URI", "CAA", "SVCB", "HTTPS",
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcasecmp(t, known[i]) == 0)
			return true;
	}
	return strncasecmp(t, "TYPE", 4) == 0;
}

/* Skip one token of flattened record text (quotes and escapes kept). */
static const char *
zf_skip_token(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	bool q = false;
	while (*s != '\0' && (q || (*s != ' ' && *s != '\t'))) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			q = !q;
		s++;
	}
	return s;
}

/* A record of a type the scanner does not know but ldns does (WKS, HIP,
 * A6, NSAP, ...: old or rare types BIND still reads): parsed by ldns, which
 * is good at those. True if it was handled (loaded or reported). */
static bool
zf_ldns_record(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line)
{
	char buf[4096];
	const char *tok[4];
	int n = zf_tokens(f, item, true, true, buf, sizeof(buf), tok, NULL, 4);
	bool owner = zf_at_line_start(f, item);
	int i = owner ? 1 : 0, fields = 0;
	const char *ttl = NULL;
	while (i < n && i < 4 && fields < 2 &&
	       (isdigit((unsigned char)tok[i][0]) || zf_is_class(tok[i]))) {
		if (isdigit((unsigned char)tok[i][0]))
			ttl = tok[i];
		else if (strcasecmp(tok[i], "IN") != 0)
			return false;   /* reported as a class error */
		i++;
		fields++;
	}
	if (i >= n || i >= 4 || zf_scanner_type(tok[i]) ||
	    ldns_get_rr_type_by_name(tok[i]) == 0)
		return false;

	char *flat = zf_flatten(f, item, NULL);
	/* owner [ttl] IN type rdata, the order ldns wants */
	const char *rest = flat;
	for (int j = 0; j <= i; j++)
		rest = zf_skip_token(rest);
	char ownerbuf[LDNS_MAX_DOMAINLEN * 4 + 2];
	const char *own = owner ? tok[0]
				: zf_name_text(f->s->r_owner, f->s->r_owner_length, ownerbuf,
					       sizeof(ownerbuf));
	size_t len = strlen(own) + strlen(rest) + 64 + strlen(tok[i]);
	char *text = zf_xrealloc(NULL, len, 1);
	snprintf(text, len, "%s %s IN %s %s", own, ttl != NULL ? ttl : "", tok[i], rest);
	free(flat);

	ldns_rdf *origin = ldns_dname_new_frm_data((uint16_t)f->origin_len, f->origin);
	ldns_rr *rr = NULL;
	ldns_status st = origin != NULL ? ldns_rr_new_frm_str(&rr, text, 0, origin, NULL)
					: LDNS_STATUS_MEM_ERR;
	free(text);
	ldns_rdf_deep_free(origin);
	if (st != LDNS_STATUS_OK || rr == NULL) {
		diag_error(p->d, f->path, line, "%s record: %s", tok[i], ldns_get_errorstr_by_id(st));
		if (rr != NULL)
			ldns_rr_free(rr);
		return true;
	}
	size_t rdlen = 0;
	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++)
		rdlen += ldns_rdf_size(ldns_rr_rdf(rr, j));
	uint32_t v = 0;
	if (ttl != NULL && !zf_parse_ttl(ttl, &v)) {
		diag_error(p->d, f->path, line, "TTL %s does not fit in 32 bits", f->echo ? ttl : "value");
	} else if (rdlen > 65535) {
		diag_error(p->d, f->path, line, "%s record: rdata over 65535 octets", tok[i]);
	} else {
		uint8_t *rd = zf_xrealloc(NULL, rdlen > 0 ? rdlen : 1, 1);
		size_t pos = 0;
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			const ldns_rdf *r = ldns_rr_rdf(rr, j);
			if (ldns_rdf_size(r) > 0)   /* an empty rdf may have no data */
				memcpy(rd + pos, ldns_rdf_data(r), ldns_rdf_size(r));
			pos += ldns_rdf_size(r);
		}
		const ldns_rdf *o = ldns_rr_owner(rr);
		zf_add_rr(p, f, ldns_rdf_data(o), ldns_rdf_size(o), (uint16_t)ldns_rr_get_type(rr), v,
			  ttl != NULL, rd, rdlen, line);
		free(rd);
	}
	ldns_rr_free(rr);
	return true;
}

/* An error the scanner reported in the item at item. */
static void
zf_scan_error(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line)
{
	int code = f->s->error.code;
	if (item < f->len && f->text[item] == '$' && zf_at_line_start(f, item)) {
		zf_directive_error(p, f, item, line, code);
		return;
	}
	if ((code == ZS_UNSUPPORTED_TYPE || code == ZS_BAD_NUMBER) && zf_ldns_record(p, f, item, line))
		return;
	if (code == ZS_BAD_DNAME_CHAR && zf_escaped_record(p, f, item, line))
		return;
	char ttl[64], cls[64], msg[160];
	const char *what = zf_check_balance(f, item, zf_item_end(f, item));
	uint32_t v;
	if (what != NULL) {
		/* an open quote or parenthesis: say so, not what it led to */
	} else if (code == ZS_UNSUPPORTED_TYPE || code == ZS_NUMBER32_OVERFLOW ||
		   code == ZS_NUMBER64_OVERFLOW || code == ZS_BAD_TIME_UNIT) {
		zf_head_fields(f, item, ttl, cls, sizeof(ttl));
		if (cls[0] != '\0' && strcasecmp(cls, "IN") != 0) {
			for (char *c = cls; *c != '\0'; c++)
				*c = (char)toupper((unsigned char)*c);
			snprintf(msg, sizeof(msg), "class %s is not supported (only IN)", cls);
			what = msg;
		} else if (ttl[0] != '\0' && !zf_parse_ttl(ttl, &v) &&
			   strspn(ttl, "0123456789sSmMhHdDwW") == strlen(ttl)) {
			snprintf(msg, sizeof(msg), "TTL %s does not fit in 32 bits",
				 f->echo ? ttl : "value");
			what = msg;
		}
	}
	if (what == NULL)
		what = zs_strerror(code);
	if (f->echo) {
		char snip[ZF_SNIPPET + 8];
		zf_snippet(f, item, snip, sizeof(snip));
		diag_error(p->d, f->path, line, "%s: %s", what, snip);
	} else if (!f->loaded_any) {
		/* "$INCLUDE /etc/shadow": say what is wrong, show nothing of it */
		diag_error(p->d, f->path, line,
			   "%s (included file; its text is not shown: is it a zone file?)", what);
		f->loaded_any = true;   /* say it once */
	} else {
		diag_error(p->d, f->path, line, "%s", what);
	}
}

/* $INCLUDE file [origin]: file relative to the including file's directory,
 * origin relative to the current origin. */
static void
zf_include(zf_parser_t *p, zf_frame_t *f, size_t item, unsigned long line)
{
	char buf[4096];
	const char *tok[4];
	int n = zf_tokens(f, item, true, false, buf, sizeof(buf), tok, NULL, 4);
	if (n < 2 || n > 3) {
		diag_error(p->d, f->path, line, "$INCLUDE needs a file name and an optional origin");
		return;
	}
	if (p->depth >= ZF_MAX_INCLUDE_DEPTH) {
		diag_error(p->d, f->path, line, "$INCLUDE nested more than %d deep",
			   ZF_MAX_INCLUDE_DEPTH);
		return;
	}
	uint8_t w[LDNS_MAX_DOMAINLEN + 1];
	size_t wl = f->origin_len;
	memcpy(w, f->origin, wl);
	if (n == 3 && !zf_resolve_name(p, f->origin, f->origin_len, tok[2], w, &wl)) {
		diag_error(p->d, f->path, line, "$INCLUDE: invalid origin%s%s%s", f->echo ? " '" : "",
			   f->echo ? tok[2] : "", f->echo ? "'" : "");
		return;
	}
	/* the file name without its backslash escapes */
	char name[4096];
	size_t k = 0;
	for (const char *s = tok[1]; *s != '\0' && k + 1 < sizeof(name); s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		name[k++] = *s;
	}
	name[k] = '\0';
	char *ipath = zf_include_path(f->path, name);
	if (ipath == NULL) {
		fprintf(stderr, "horizond: out of memory\n");
		abort();
	}
	/* The included file starts with this file's origin and TTL; its own
	 * $ORIGIN/$TTL do not leak back (RFC 1035 section 5.1). */
	zf_parse_file(p, ipath, NULL, 0, w, wl, f->ttl, f->ttl_set, f->path, line);
	free(ipath);
}

/* Where the scanner is in f->text (its final block is a "\n" of its own). */
static size_t
zf_scan_pos(const zf_frame_t *f)
{
	uintptr_t c = (uintptr_t)f->s->input.current, b = (uintptr_t)f->text;
	return c >= b && c <= b + f->len ? (size_t)(c - b) : f->len;
}

/* Where a step ended in ZS_UNCOVERED_STATE (the scanner then does not say
 * where it stopped): the first $INCLUDE or record after f->pos, since a
 * step ends at each of those; the $TTL and $ORIGIN before it were read. */
static size_t
zf_walk_to_failure(zf_parser_t *p, zf_frame_t *f)
{
	size_t off = f->pos;
	for (;;) {
		off = zf_skip_blank(f, off);
		if (off >= f->len || f->text[off] != '$' || !zf_at_line_start(f, off) ||
		    zf_is_directive(f, off, "$INCLUDE"))
			return off;
		if (zf_is_directive(f, off, "$TTL"))
			zf_ttl_directive(p, f, off, zf_line_at(f, off));
		else if (zf_is_directive(f, off, "$ORIGIN"))
			zf_origin_directive(p, f, off);
		off = zf_item_end(f, off);
	}
}

/* A new scanner for the rest of the file from offset at, with the origin
 * and the previous owner of the old one. */
static bool
zf_restart(zf_frame_t *f, size_t at)
{
	uint8_t owner[sizeof(f->s->r_owner)];
	uint32_t olen = f->s->r_owner_length;
	if (olen > sizeof(owner))
		olen = 0;
	memcpy(owner, f->s->r_owner, olen);
	zs_deinit(f->s);
	if (zs_init(f->s, ".", LDNS_RR_CLASS_IN, 0) != 0) {
		fprintf(stderr, "horizond: cannot set up the zone scanner\n");
		abort();
	}
	memcpy(f->s->zone_origin, f->origin, f->origin_len);
	f->s->zone_origin_length = (uint32_t)f->origin_len;
	memcpy(f->s->r_owner, owner, olen);
	f->s->r_owner_length = olen;
	f->pos = at;
	return zs_set_input_string(f->s, f->text + at, f->len - at) == 0;
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

	/* A last line without newline is read (as BIND does), but it may be a
	 * file cut short: warn. */
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
			diag_warn(p->d, f->path, zf_line_at(f, tok),
				  "last line has no newline: file cut short?");
	}

	zs_scanner_t *s = f->s;
	if (zs_set_input_string(s, f->text, f->len) != 0) {
		diag_error(p->d, f->path, 0, "cannot scan: %s", zs_strerror(s->error.code));
		return;
	}
	f->pos = 0;
	for (;;) {
		int rc = zs_parse_record(s);
		if (s->state == ZS_STATE_EOF || s->state == ZS_STATE_NONE ||
		    s->state == ZS_STATE_STOP || (rc != 0 && s->state != ZS_STATE_ERROR))
			break;
		size_t end = zf_scan_pos(f);
		bool lost = s->state == ZS_STATE_ERROR && s->error.code == ZS_UNCOVERED_STATE;
		size_t item = lost ? zf_walk_to_failure(p, f) : zf_walk_gap(p, f, end, false);
		unsigned long line = zf_line_at(f, item < f->len ? item : f->len);
		if (s->state == ZS_STATE_DATA) {
			char ttl[64], cls[64];
			zf_head_fields(f, item, ttl, cls, sizeof(ttl));
			zf_add_rr(p, f, s->r_owner, s->r_owner_length, s->r_type, s->r_ttl,
				  ttl[0] != '\0', s->r_data, s->r_data_length, line);
			f->pos = end;
		} else if (s->state == ZS_STATE_INCLUDE) {
			zf_include(p, f, item, line);
			/* The scanner leaves a Ragel call frame behind for every
			 * $INCLUDE it reports, and has room for 16
			 * (ZS_RAGEL_STACK_SIZE): the 17th smashed its stack. A
			 * fresh scanner goes on after each one. */
			if (end >= f->len || !zf_restart(f, end))
				break;
		} else {
			zf_scan_error(p, f, item, line);
			/* Go on after the item, as we see its end (the scanner
			 * would skip to the next ')' even if the error line
			 * closed its parenthesis, and swallow good records). */
			size_t iend = zf_item_end(f, item);
			if (iend >= f->len)
				return;
			if (lost) {
				if (!zf_restart(f, iend))
					return;
				continue;
			}
			s->multiline = false;
			s->error.fatal = false;
			if (zs_set_input_string(s, f->text + iend, f->len - iend) != 0)
				return;
			f->pos = iend;
		}
	}
	zf_walk_gap(p, f, f->len, true);
}

/* Parse and load one file named by $INCLUDE (or the top-level file).
 * Returns false if the file could not be read (already reported). */
static bool
zf_parse_file(zf_parser_t *p, const char *path, const char *text, size_t len,
	      const uint8_t *origin, size_t origin_len, uint32_t ttl, bool ttl_set,
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
		owned = zonefile_slurp(path, &len);
		if (owned == NULL) {
			const char *why = errno == ENOTSUP ? zf_kind(path) : strerror(errno);
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
	/* CRLF line ends: the scanner takes only LF, BIND takes both */
	if (len > 0 && memchr(text, '\r', len) != NULL) {
		if (owned == NULL) {
			owned = zf_xrealloc(NULL, len, 1);
			memcpy(owned, text, len);
			text = owned;
		}
		for (size_t i = 0; i + 1 < len; i++) {
			if (owned[i] == '\r' && owned[i + 1] == '\n')
				owned[i] = ' ';
		}
	}
	p->stack[p->depth++] = real;
	if (inc_file == NULL) {
		/* A record starts on a line of its own: the top file's lines bound
		 * its records (not those of $INCLUDE or $GENERATE, which grow the
		 * arrays). The guess is also held to 16 bytes of text a record, so
		 * that the tables (16 bytes a record, all touched) never take more
		 * memory than the text of a file of blank lines or comments, and
		 * to 2M records; past that the arrays and tables grow as before. */
		size_t lines = 1;
		for (const char *c = text, *e = text + len; (c = memchr(c, '\n', (size_t)(e - c))) != NULL; c++)
			lines++;
		size_t guess = lines < len / 16 + 1 ? lines : len / 16 + 1;
		if (guess > ZF_RESERVE_MAX)
			guess = ZF_RESERVE_MAX;
		zf_reserve(p, guess);
		zf_table_presize(&p->rrtab, guess);
		zf_table_presize(&p->nametab, guess);
	}

	zf_frame_t f = {
		.path = arena_strdup(p->z->arena, path),
		.text = text,
		.len = len,
		.ttl = ttl,
		.ttl_set = ttl_set,
		.echo = inc_file == NULL,
		.line_off = 0,
		.line = 1,
	};
	memcpy(f.origin, origin, origin_len);
	f.origin_len = origin_len;
	f.s = zf_xrealloc(NULL, 1, sizeof(*f.s));
	if (zs_init(f.s, ".", LDNS_RR_CLASS_IN, 0) != 0) {
		fprintf(stderr, "horizond: cannot set up the zone scanner\n");
		abort();
	}
	memcpy(f.s->zone_origin, origin, origin_len);
	f.s->zone_origin_length = (uint32_t)origin_len;
	zf_parse_text(p, &f);
	zs_deinit(f.s);
	free(f.s);

	p->depth--;
	free(p->stack[p->depth]);
	p->stack[p->depth] = NULL;
	free(owned);
	return true;
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
	uint32_t apex = zf_name_intern(p, z->origin, z->origin_len, z->origin);
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
	p.canon = zf_xrealloc(NULL, 65536, 1);

	/* Count our own errors even if the caller passed no diag_t. */
	diag_t local = { 0, 0, NULL, 0 };
	if (d == NULL)
		p.d = d = &local;
	unsigned errors_before = d->errors;

	if (zf_parse_file(&p, path, text, len, z->origin, z->origin_len, 0, false, NULL, 0))
		zf_finish(&p, path);
	ldns_rdf_deep_free(o);

	arena_block_free(p.keys);
	if (p.count > 0) {
		/* the records stay where they were read: trimmed, then the arena's */
		z->rrs = arena_block_resize(p.rrs, p.count * sizeof(*p.rrs));
		arena_block_adopt(a, z->rrs);
		z->count = p.count;
		z->nnames = (uint32_t)p.nnames;
		z->named = z->rrs;
		z->named_count = z->count;
		if (p.soa_index != SIZE_MAX)
			z->soa = &z->rrs[p.soa_index];
	} else {
		arena_block_free(p.rrs);
	}
	arena_block_free(p.names);
	free(p.rrtab.slots);
	free(p.nametab.slots);
	free(p.canon);
	zf_aux_reset(&p);
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

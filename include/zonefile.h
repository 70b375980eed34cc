/* zonefile.h -- read an RFC 1035 master file into plain wire RRs.
 *
 * zonefile_read() parses the file with Knot DNS's zone scanner (libzscanner;
 * server/zonefile.c says why not ldns), converts every record to
 * uncompressed wire form right away (so a big zone never sits in memory as
 * parser objects), and validates the result: exactly one SOA, at the apex;
 * NS at the apex; no CNAME next to other data at the same name; class IN
 * only. Every problem is reported as FILE:LINE through the diag_t; the
 * function returns NULL if there was any error (warnings do not count).
 *
 * Details:
 * - LINE is the line a record starts on (its first token), also for records
 *   spread over several lines with parentheses, and inside $INCLUDEd files.
 * - Owner, TTL and class: the class (IN) may come before or after the TTL
 *   (RFC 1035); numbers are range-checked (MX 70000, a TTL of 10000000w or
 *   a serial of 2^32 are errors, never wrapped).
 * - TTL: a record without TTL takes the $TTL in effect; before any $TTL it
 *   takes the SOA MINIMUM field, with one warning (what BIND does). A TTL
 *   above 2^31-1 is a warning and becomes 0 (RFC 2181 section 8).
 * - $ORIGIN may be relative (to the current origin).
 * - $INCLUDE file [origin]: file relative to the including file's directory,
 *   origin relative to the current origin; the included file starts with the
 *   including file's $ORIGIN and $TTL, and its own changes do not leak back.
 *   At most 10 levels deep; including a file that is being read is an error.
 *   Only regular files are read: a FIFO, device or directory is refused at
 *   once (opened with O_NONBLOCK, never blocks). Messages never quote the
 *   text of an $INCLUDEd file (it could be any file: "$INCLUDE /etc/shadow").
 * - $GENERATE range lhs [ttl] [class] type rhs, as BIND 9.18 (zonegen.h):
 *   "$", "${offset,width,base}" with base d, o, x, X, n, N; "$$"; "\$";
 *   range start-stop[/step]; at most 1,048,576 records per directive.
 * - A record outside the zone is ignored with a warning (as BIND).
 * - Identical records (owner compared case-insensitively, rdata in
 *   canonical form) are dropped silently; if only the TTL differs, with a
 *   warning. Owner and rdata keep the case of the file.
 * - A last line without newline is read, with a warning (as BIND); an
 *   unterminated quoted string or parenthesis is an error.
 * - Also errors: class other than IN, rdata over 65535 octets, unknown
 *   $-directives, NUL bytes, an empty zone. RFC 3597 \# syntax is accepted.
 *   CRLF line ends are read as LF.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ZONEFILE_H
#define HZ_ZONEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct arena;

/* Pointers first, then the small fields: 48 bytes, not 56 (a zone of a
 * million records holds a million of them while it is built). */
typedef struct zrr {
	const uint8_t *owner;   /* uncompressed wire name, case as in the file */
	const uint8_t *rdata;   /* uncompressed wire rdata, names in file case */
	const char *file;       /* the file it came from (differs for $INCLUDE) */
	unsigned long line;
	uint32_t ttl;
	uint32_t name_id;       /* the owner's number: see zonefile_name_count() */
	uint16_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint16_t rdlen;
} zrr_t;

typedef struct zonefile {
	const uint8_t *origin;  /* apex as wire name, lower case */
	uint16_t origin_len;
	const char *origin_text;/* "example.com." */
	const char *path;
	zrr_t *rrs;             /* in file order */
	size_t count;
	/* The reader numbers the distinct owners (compared without case) from 0
	 * to nnames - 1 in order of first appearance, in rrs[i].name_id, and
	 * the build groups the records by it instead of sorting them by name.
	 * Valid only while rrs is still the array the reader numbered (named,
	 * named_count): a copy of the struct with records of its own (the
	 * signer's) is sorted instead. See zonefile_name_count(). */
	uint32_t nnames;
	const zrr_t *named;
	size_t named_count;
	const zrr_t *soa;       /* points into rrs */
	struct arena *arena;    /* owns everything */
} zonefile_t;

/* zf->nnames if zf's records carry the reader's owner numbers, else 0. */
static inline uint32_t
zonefile_name_count(const zonefile_t *zf)
{
	return zf->rrs == zf->named && zf->count == zf->named_count ? zf->nnames : 0;
}

/* origin: zone name as text ("example.com" or "example.com."). */
zonefile_t *zonefile_read(const char *origin, const char *path, diag_t *d);

/* Same, from text in memory (tests, fuzzers); path is used for messages and
 * to resolve $INCLUDE. */
zonefile_t *zonefile_parse(const char *origin, const char *path,
			   const char *text, size_t len, diag_t *d);

/* Accepts NULL; clears *z. */
void zonefile_free(zonefile_t **z);

/* The whole of a regular file (malloc'ed, *len bytes, NUL behind them);
 * NULL with errno set on failure: anything but a regular file is refused
 * (ENOTSUP; EISDIR for a directory) without blocking on a FIFO. For the zone
 * files and the other files horizond reads back (xfr_hist.c). */
char *zonefile_slurp(const char *path, size_t *len);

#endif

/* zonegen.h -- the text side of BIND's $GENERATE directive.
 *
 * $GENERATE range lhs [ttl] [class] type rhs
 *
 * zonefile.c splits the directive into its fields and, for every value of
 * the range, turns lhs and rhs into text with zonegen_expand() and hands the
 * record line to the zone scanner. The semantics are BIND 9.18's
 * (lib/dns/master.c, genname() and nibbles()):
 *   - range is start-stop or start-stop/step, 0 <= start <= stop < 2^31,
 *     step >= 1;
 *   - in lhs and rhs, "$" is the value; "${offset}", "${offset,width}" and
 *     "${offset,width,base}" add offset (may be negative), pad with zeros to
 *     width, and print in base d (decimal), o (octal), x/X (hex) or n/N
 *     (nibbles, lower/upper case: the hex digits in reverse order separated
 *     by dots, as in ip6.arpa names; width counts the dots too);
 *   - an offset stays in force for the later plain "$" of the same
 *     template ("${10} host-$" gives "11 host-11" for 1), a quirk of BIND's
 *     genname() kept for the same records;
 *   - "$$" is a literal "$"; a backslash keeps itself and the next character
 *     (so "\$" reaches the name parser as an escaped "$").
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_ZONEGEN_H
#define HZ_ZONEGEN_H

#include <stddef.h>

typedef enum zonegen_err {
	ZONEGEN_OK = 0,
	ZONEGEN_SYNTAX = -1, /* a "${...}" that does not parse */
	ZONEGEN_NOSPACE = -2, /* the text (or one number) is too long */
	ZONEGEN_RANGE = -3,  /* value + offset overflows, or is negative in nibble mode */
} zonegen_err_t;

/* Parse "start-stop[/step]". Returns 0, or -1 if it is not a valid range. */
int zonegen_range(const char *text, long *start, long *stop, long *step);

/* Expand template tmpl for value into out (cap bytes, NUL-terminated). */
zonegen_err_t zonegen_expand(const char *tmpl, long value, char *out, size_t cap);

/* A short phrase for an error ("invalid ${...} modifier", ...). */
const char *zonegen_strerror(zonegen_err_t e);

#endif

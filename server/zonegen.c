/* zonegen.c -- expand the lhs/rhs templates of BIND's $GENERATE.
 *
 * Own code because neither ldns nor Knot's zone scanner knows $GENERATE; the
 * behaviour follows BIND 9.18 (see zonegen.h) and is checked against
 * named-checkzone by the unit tests and the differential suite.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "zonegen.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* BIND prints each number into a 128-byte buffer and fails when it does
 * not fit: keep the same limit so the same templates fail. */
#define ZG_NUMBUF 128

/* Parse an optionally signed decimal number as sscanf("%d") would (leading
 * blanks allowed). Returns the end, or NULL if there are no digits. */
static const char *
zg_number(const char *s, long long *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return NULL;
	long long v = 0;
	while (isdigit((unsigned char)*s)) {
		if (v < LLONG_MAX / 10)
			v = v * 10 + (*s - '0');
		s++;
	}
	*out = neg ? -v : v;
	return s;
}

int
zonegen_range(const char *text, long *start, long *stop, long *step)
{
	long long a, b, c = 1;
	const char *s = zg_number(text, &a);
	if (s == NULL || *s != '-')
		return -1;
	s = zg_number(s + 1, &b);
	if (s == NULL)
		return -1;
	if (*s == '/') {
		s = zg_number(s + 1, &c);
		if (s == NULL)
			return -1;
	}
	if (*s != '\0' || a < 0 || b < 0 || a > INT_MAX || b > INT_MAX || b < a || c < 1 ||
	    c > INT_MAX)
		return -1;
	*start = (long)a;
	*stop = (long)b;
	*step = (long)c;
	return 0;
}

/* BIND's nibbles(): hex digits of value, lowest first, separated by dots;
 * width counts digits and dots. Returns the length it would have. */
static size_t
zg_nibbles(char *buf, size_t cap, unsigned long width, char mode, unsigned long value)
{
	static const char hex[] = "0123456789abcdef0123456789ABCDEF";
	size_t n = 0;
	do {
		char c = hex[(value & 0x0f) + (mode == 'n' ? 0 : 16)];
		value >>= 4;
		if (n + 1 < cap)
			buf[n] = c;
		n++;
		if (width > 0)
			width--;
		if (width > 0 || value != 0) {
			if (n + 1 < cap)
				buf[n] = '.';
			n++;
			if (width > 0)
				width--;
		}
	} while (value != 0 || width > 0);
	buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* One "$" or "${offset,width,base}" (s points after "$"): the number as
 * text. *delta is in and out: as in BIND, a plain "$" after "${10}" in the
 * same template adds 10 too (genname() keeps the offset in one variable). */
static zonegen_err_t
zg_modifier(const char **sp, long value, long long *deltap, char *num)
{
	const char *s = *sp;
	long long delta = *deltap, width = 0;
	char base = 'd';
	if (*s == '{') {
		s = zg_number(s + 1, &delta);
		if (s == NULL || (*s != ',' && *s != '}'))
			return ZONEGEN_SYNTAX;
		if (*s == ',') {
			s = zg_number(s + 1, &width);
			if (s == NULL || width < 0 || (*s != ',' && *s != '}'))
				return ZONEGEN_SYNTAX;
			if (*s == ',') {
				s++;
				if (*s == '\0' || strchr("doxXnN", *s) == NULL || s[1] != '}')
					return ZONEGEN_SYNTAX;
				base = *s++;
			}
		}
		s++;    /* the closing brace */
		if (delta < INT_MIN || delta > INT_MAX)
			return ZONEGEN_RANGE;
	}
	*sp = s;
	*deltap = delta;
	if (width >= ZG_NUMBUF)
		return ZONEGEN_NOSPACE;
	if (value > 0 && delta > INT_MAX - value)
		return ZONEGEN_RANGE;
	int v = (int)(value + delta);
	int w = (int)width;
	int n;
	switch (base) {
	case 'n':
	case 'N':
		/* BIND shifts a negative int right for ever: refuse it */
		if (v < 0)
			return ZONEGEN_RANGE;
		n = (int)zg_nibbles(num, ZG_NUMBUF, (unsigned long)w, base, (unsigned long)v);
		break;
	case 'o':
		n = snprintf(num, ZG_NUMBUF, "%0*o", w, (unsigned)v);
		break;
	case 'x':
		n = snprintf(num, ZG_NUMBUF, "%0*x", w, (unsigned)v);
		break;
	case 'X':
		n = snprintf(num, ZG_NUMBUF, "%0*X", w, (unsigned)v);
		break;
	default:
		n = snprintf(num, ZG_NUMBUF, "%0*d", w, v);
		break;
	}
	return n < 0 || n >= ZG_NUMBUF ? ZONEGEN_NOSPACE : ZONEGEN_OK;
}

zonegen_err_t
zonegen_expand(const char *tmpl, long value, char *out, size_t cap)
{
	size_t n = 0;
	long long delta = 0;
	char num[ZG_NUMBUF];
#define ZG_PUT(c)                                  \
	do {                                       \
		if (n + 1 >= cap)                  \
			return ZONEGEN_NOSPACE;    \
		out[n++] = (c);                    \
	} while (0)
	for (const char *s = tmpl; *s != '\0';) {
		if (*s == '$') {
			s++;
			if (*s == '$') {
				/* a literal "$": escaped, so that the zone
				 * scanner takes it in names as in text */
				ZG_PUT('\\');
				ZG_PUT('$');
				s++;
				continue;
			}
			zonegen_err_t e = zg_modifier(&s, value, &delta, num);
			if (e != ZONEGEN_OK)
				return e;
			for (const char *c = num; *c != '\0'; c++)
				ZG_PUT(*c);
		} else if (*s == '\\') {
			ZG_PUT(*s++);
			if (*s != '\0')
				ZG_PUT(*s++);
		} else {
			ZG_PUT(*s++);
		}
	}
#undef ZG_PUT
	if (cap == 0)
		return ZONEGEN_NOSPACE;
	out[n] = '\0';
	return ZONEGEN_OK;
}

const char *
zonegen_strerror(zonegen_err_t e)
{
	switch (e) {
	case ZONEGEN_OK:
		return "ok";
	case ZONEGEN_SYNTAX:
		return "invalid ${offset,width,base} modifier";
	case ZONEGEN_NOSPACE:
		return "expanded text too long";
	case ZONEGEN_RANGE:
		return "value out of range";
	}
	return "error";
}

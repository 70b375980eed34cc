/* dname.c -- domain names in wire form: parsing, hashing, comparing.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dname.h"

#include <stdio.h>
#include <string.h>

#define L(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define R4(b) L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
#define R64(b) R16(b), R16(b + 16), R16(b + 32), R16(b + 48)
const uint8_t dname_lower[256] = { R64(0), R64(64), R64(128), R64(192) };

int
dname_parse_query(const uint8_t *pkt, size_t len, size_t *pos,
		  uint8_t *lower, uint8_t *offs, unsigned *nlabels)
{
	size_t p = *pos;
	unsigned n = 0;
	size_t out = 0;
	for (;;) {
		if (p >= len)
			return -1;
		uint8_t l = pkt[p];
		if (l == 0)
			break;
		if (l > 63)                 /* compression pointer or reserved label type */
			return -1;
		if (out + 1 + l + 1 > DNAME_MAXLEN || p + 1 + l > len)
			return -1;
		offs[n++] = (uint8_t)out;
		lower[out++] = l;
		for (unsigned i = 1; i <= l; i++)
			lower[out++] = dname_lower[pkt[p + i]];
		p += 1 + (size_t)l;
	}
	lower[out++] = 0;
	*pos = p + 1;
	*nlabels = n;
	return (int)out;
}

/* FNV-1a over (length, bytes) of each label, from the rightmost label. */
#define HASH_SEED 0x811c9dc5u
static inline uint32_t
hash_label(uint32_t h, const uint8_t *label)
{
	unsigned l = label[0];
	for (unsigned i = 0; i <= l; i++) {
		h ^= label[i];
		h *= 0x01000193u;
	}
	return h;
}

void
dname_suffix_hashes(const uint8_t *lower, const uint8_t *offs,
		    unsigned nlabels, uint32_t *hashes)
{
	uint32_t h = HASH_SEED;
	hashes[nlabels] = h;
	for (unsigned i = nlabels; i-- > 0;) {
		h = hash_label(h, lower + offs[i]);
		hashes[i] = h;
	}
}

uint32_t
dname_hash(const uint8_t *lower)
{
	uint8_t offs[DNAME_MAXLABELS];
	unsigned n = 0;
	for (size_t p = 0; lower[p] != 0; p += 1 + (size_t)lower[p])
		offs[n++] = (uint8_t)p;
	uint32_t hashes[DNAME_MAXLABELS + 1];
	dname_suffix_hashes(lower, offs, n, hashes);
	return hashes[0];
}

size_t
dname_length(const uint8_t *name)
{
	size_t p = 0;
	while (name[p] != 0)
		p += 1 + (size_t)name[p];
	return p + 1;
}

unsigned
dname_label_count(const uint8_t *name)
{
	unsigned n = 0;
	for (size_t p = 0; name[p] != 0; p += 1 + (size_t)name[p])
		n++;
	return n;
}

void
dname_to_lower(uint8_t *dst, const uint8_t *src)
{
	size_t len = dname_length(src);
	for (size_t p = 0; p < len;) {
		uint8_t l = src[p];
		dst[p] = l;
		for (size_t i = 1; i <= l; i++)
			dst[p + i] = dname_lower[src[p + i]];
		p += 1 + (size_t)l;
	}
}

bool
dname_equal(const uint8_t *a, const uint8_t *b)
{
	size_t len = dname_length(a);
	if (len != dname_length(b))
		return false;
	for (size_t i = 0; i < len; i++)
		if (dname_lower[a[i]] != dname_lower[b[i]])
			return false;
	return true;
}

bool
dname_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned n = dname_label_count(name), m = dname_label_count(parent);
	if (m > n)
		return false;
	const uint8_t *p = name;
	for (unsigned i = 0; i < n - m; i++)
		p += 1 + *p;
	return dname_equal(p, parent);
}

void
dname_to_text(const uint8_t *name, char *buf, size_t size)
{
	size_t o = 0;
	if (size == 0)
		return;
	if (name[0] == 0) {
		snprintf(buf, size, ".");
		return;
	}
	for (size_t p = 0; name[p] != 0 && o + 5 < size; p += 1 + (size_t)name[p]) {
		for (unsigned i = 1; i <= name[p] && o + 5 < size; i++) {
			uint8_t c = name[p + i];
			if (c == '.' || c == '\\')
				o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
			else if (c > 32 && c < 127)
				buf[o++] = (char)c;
			else
				o += (size_t)snprintf(buf + o, size - o, "\\%03u", c);
		}
		buf[o++] = '.';
	}
	buf[o < size ? o : size - 1] = '\0';
}

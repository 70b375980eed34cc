/* dname.c -- domain names in wire form: parsing, hashing, comparing.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dname.h"

#include <stdio.h>
#include <string.h>

#define L(c) ((uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))
#define R4(b) L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
#define R64(b) R16(b), R16(b + 16), R16(b + 32), R16(b + 48)
const uint8_t dname_lower[256] = { R64(0), R64(64), R64(128), R64(192) };

/* Hashing: each label is hashed on its own while it is read (FNV-1a over
 * its length byte and lower-cased bytes), then the label hashes are folded
 * from the right, so every suffix's hash costs one multiply more. The low
 * bits index the tables, and FNV's low bits mix poorly: every output gets
 * murmur3's fmix32 finish. */
#define FNV_SEED 0x811c9dc5u
#define FNV_PRIME 0x01000193u

static inline uint32_t
hash_finish(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline void
fold_suffixes(const uint32_t *label_hash, unsigned n, uint32_t *hashes)
{
	uint32_t h = FNV_SEED;
	hashes[n] = hash_finish(h);
	for (unsigned i = n; i-- > 0;) {
		h = (h ^ label_hash[i]) * FNV_PRIME;
		h = (h ^ (h >> 15)) * 0x2c1b3c6du;
		hashes[i] = hash_finish(h);
	}
}

int
dname_parse_query(const uint8_t *pkt, size_t len, size_t *pos,
		  uint8_t *lower, uint8_t *offs, unsigned *nlabels, uint32_t *hashes)
{
	uint32_t label_hash[DNAME_MAXLABELS];
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
		offs[n] = (uint8_t)out;
		lower[out++] = l;
		uint32_t h = (FNV_SEED ^ l) * FNV_PRIME;
		for (unsigned i = 1; i <= l; i++) {
			uint8_t c = dname_lower[pkt[p + i]];
			lower[out++] = c;
			h = (h ^ c) * FNV_PRIME;
		}
		label_hash[n++] = h;
		p += 1 + (size_t)l;
	}
	lower[out++] = 0;
	*pos = p + 1;
	*nlabels = n;
	if (hashes != NULL)
		fold_suffixes(label_hash, n, hashes);
	return (int)out;
}

uint32_t
dname_hash(const uint8_t *lower)
{
	uint8_t copy[DNAME_MAXLEN], offs[DNAME_MAXLABELS];
	uint32_t hashes[DNAME_MAXLABELS + 1];
	unsigned n;
	size_t pos = 0;
	dname_parse_query(lower, DNAME_MAXLEN, &pos, copy, offs, &n, hashes);
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

bool
dname_skip_wire(const uint8_t *msg, size_t lim, size_t *pos)
{
	size_t p = *pos, end = 0, total = 0;
	bool jumped = false;
	for (unsigned hops = 0; hops < 256; hops++) {
		if (p >= lim)
			return false;
		uint8_t l = msg[p];
		if ((l & 0xC0) == 0xC0) {
			if (p + 2 > lim)
				return false;
			size_t target = (size_t)(l & 0x3F) << 8 | msg[p + 1];
			if (target < 12 || target >= p)
				return false;
			if (!jumped)
				end = p + 2;
			jumped = true;
			p = target;
			continue;
		}
		if (l > 63)
			return false;
		total += 1u + l;
		if (total > DNAME_MAXLEN)
			return false;
		if (l == 0) {
			*pos = jumped ? end : p + 1;
			return true;
		}
		p += 1u + l;
	}
	return false;
}

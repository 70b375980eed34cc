/* dname.c -- domain names in wire form: parsing, hashing, comparing.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dname.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define L(c) ((uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))
#define R4(b) L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
#define R64(b) R16(b), R16(b + 16), R16(b + 32), R16(b + 48)
const uint8_t dname_lower[256] = { R64(0), R64(64), R64(128), R64(192) };

/* Hashing: the suffixes are hashed from the right, so one pass yields the
 * hash of every suffix (the lookup walks up with no re-hashing): the root's
 * hash is a constant, and a suffix's hash goes on from its parent's with
 * the words of its first label (length byte and lower-cased bytes, eight at
 * a time, the last one zero-padded). Each word is mixed in with one 64x64
 * bit multiply whose halves are folded ("mum", as wyhash); the tables
 * index with the low bits of the 32-bit output.
 *
 * The root's hash is the process's random seed (dname_seed), so no client
 * can work out names that share a chain of a zone's table or of a
 * recursive view's cache, which keys on the same hash (cache.c): it is
 * computed once, by the parser, for both.
 *
 * The hot path's own code rather than a byte loop: the name is lower-cased
 * a word at a time (load, lower-case in the register, store) and a short
 * label is one word to hash: about half the instructions of the byte-wise
 * FNV it replaced (bench/callgrind.sh). Reads never leave pkt[0..len) or
 * lower[0..DNAME_MAXLEN): a name's last partial word is loaded either from
 * its start (when 8 bytes are there) or ending at its last byte, and
 * shifted. */
#define HASH_MUL 0x9e3779b97f4a7c15ull

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDS_LE 1
#else
#define WORDS_LE 0
#endif

/* Lower-case the ASCII letters of eight bytes at once (bytes >= 0x80 and
 * everything but 'A'..'Z' unchanged, as dname_lower[]; label lengths are
 * below 'A', so a word may span labels). */
static inline uint64_t
lower8(uint64_t x)
{
	uint64_t low7 = x & ~HIGHS;
	uint64_t ge_a = low7 + ONES * (0x80 - 'A');       /* high bit: >= 'A' */
	uint64_t gt_z = low7 + ONES * (0x80 - 'Z' - 1);   /* high bit: > 'Z' */
	uint64_t upper = ge_a & ~gt_z & ~x & HIGHS;
	return x | (upper >> 2);
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline void
store64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The first r (1..8) bytes at src as a zero-padded word, in the order of a
 * little-endian load (the byte loop builds the same word); [lo, hi) is the
 * memory that may be read. */
static inline uint64_t
part_word(const uint8_t *lo, const uint8_t *hi, const uint8_t *src, unsigned r)
{
	if (WORDS_LE && src + 8 <= hi)
		return load64(src) & (~0ull >> (64 - 8 * r));
	if (WORDS_LE && src + r >= lo + 8)
		return load64(src + r - 8) >> (64 - 8 * r);
	uint64_t w = 0;
	for (unsigned i = 0; i < r; i++)
		w |= (uint64_t)src[i] << (8 * i);
	return w;
}

/* The 128-bit product's halves folded together: every output bit depends
 * on every input bit, in one multiply. */
static inline uint64_t
mum(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint32_t
hash_out(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

/* Set before main() runs (a constructor), so every hash of the process --
 * every zone built at start-up, on a reload, by --check, in the tests and
 * the fuzzers, and every query -- uses the one seed: a seed set later would
 * leave the zones built before it unreachable. Never written after. */
static uint64_t dname_seed;
static uint32_t dname_root_hash;   /* hash_out(dname_seed): the root's */

static void __attribute__((constructor))
dname_seed_init(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		/* no getrandom (seccomp, an old kernel): what varies per start */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = mum((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32,
			   (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&ts ^ HASH_MUL);
	}
	dname_seed = seed;
	dname_root_hash = hash_out(seed);
}

int
dname_parse_query(const uint8_t *pkt, size_t len, size_t *pos,
		  uint8_t *lower, uint8_t *offs, unsigned *nlabels, uint32_t *hashes)
{
	/* the labels' lengths and offsets. One bound for each length byte:
	 * inside the packet, and at most DNAME_MAXLEN - 1 bytes after the
	 * name's start (the root byte ends the name at DNAME_MAXLEN at most);
	 * a label's bytes lie before the next length byte, so they are inside
	 * too */
	size_t start = *pos, p = start;
	size_t lim = start >= len ? start : len - start < DNAME_MAXLEN ? len : start + DNAME_MAXLEN;
	unsigned n = 0;
	for (;;) {
		if (p >= lim)
			return -1;
		unsigned l = pkt[p];
		if (l == 0)
			break;
		if (l > 63)                 /* compression pointer or reserved label type */
			return -1;
		offs[n++] = (uint8_t)(p - start);
		p += 1 + (size_t)l;
	}
	size_t nlen = p - start + 1;
	/* the name, lower-cased, a word at a time */
	const uint8_t *src = pkt + start;
	size_t k = 0;
	for (; k + 8 <= nlen; k += 8)
		store64(lower + k, lower8(load64(src + k)));
	if (k < nlen) {
		uint64_t w = lower8(part_word(pkt, pkt + len, src + k, (unsigned)(nlen - k)));
		if (k + 8 <= DNAME_MAXLEN)
			store64(lower + k, w);   /* zeros behind the name */
		else
			for (size_t i = k; i < nlen; i++, w >>= 8)
				lower[i] = (uint8_t)w;
	}
	*pos = p + 1;
	*nlabels = n;
	if (hashes == NULL)
		return (int)nlen;
	/* every suffix's hash, from the root up */
	const uint8_t *end = lower + DNAME_MAXLEN;
	uint64_t h = dname_seed;
	hashes[n] = dname_root_hash;
	for (unsigned i = n; i-- > 0;) {
		const uint8_t *l = lower + offs[i];
		unsigned bytes = l[0] + 1u;
		for (; bytes > 8; bytes -= 8, l += 8)
			h = mum(h ^ load64(l), HASH_MUL);
		h = mum(h ^ part_word(lower, end, l, bytes), HASH_MUL);
		hashes[i] = hash_out(h);
	}
	return (int)nlen;
}

uint32_t
dname_hash(const uint8_t *lower)
{
	uint8_t copy[DNAME_MAXLEN], offs[DNAME_MAXLABELS];
	uint32_t hashes[DNAME_MAXLABELS + 1];
	unsigned n;
	size_t pos = 0;
	/* the name's own length: the word reads stay inside it */
	dname_parse_query(lower, dname_length(lower), &pos, copy, offs, &n, hashes);
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
	/* Length bytes are below 64, so lower-casing whole words leaves them
	 * as they are: no need to walk the labels. */
	size_t len = dname_length(src), p = 0;
	for (; p + 8 <= len; p += 8)
		store64(dst + p, lower8(load64(src + p)));
	for (; p < len; p++)
		dst[p] = dname_lower[src[p]];
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

/* Both public walks below: inlined into each, so the one without avoid
 * (every TCP query's transfer check, every OPT record's owner) carries no
 * test for it (horizond under callgrind with dnsperf -m tcp: about 140 ->
 * 110 instructions a call). */
static inline __attribute__((always_inline)) bool
skip_wire(const uint8_t *msg, size_t lim, size_t *pos, const uint8_t *avoid)
{
	/* bound: what the walk may read. After a jump it is the pointer's own
	 * position, so a name never reaches into bytes not yet checked. */
	size_t p = *pos, end = 0, total = 0, bound = lim;
	bool jumped = false;
#define AVOIDED(i) (avoid != NULL && (avoid[(i) >> 3] >> ((i) & 7) & 1))
	for (unsigned hops = 0; hops < 256; hops++) {
		if (p >= bound || AVOIDED(p))
			return false;
		uint8_t l = msg[p];
		if ((l & 0xC0) == 0xC0) {
			if (p + 2 > bound || AVOIDED(p + 1))
				return false;
			size_t target = (size_t)(l & 0x3F) << 8 | msg[p + 1];
			if (target < 12 || target >= p)
				return false;
			if (!jumped)
				end = p + 2;
			jumped = true;
			bound = p;
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
		if (p + 1 + l >= bound)
			return false;
		for (size_t i = p + 1; avoid != NULL && i <= p + l; i++)
			if (AVOIDED(i))
				return false;
		p += 1u + l;
	}
#undef AVOIDED
	return false;
}

bool
dname_skip_wire_avoid(const uint8_t *msg, size_t lim, size_t *pos, const uint8_t *avoid)
{
	return skip_wire(msg, lim, pos, avoid);
}

bool
dname_skip_wire(const uint8_t *msg, size_t lim, size_t *pos)
{
	return skip_wire(msg, lim, pos, NULL);
}

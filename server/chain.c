/* chain.c -- answers assembled from parts (see chain.h).
 *
 * Every part is a message we wrote ourselves (a zone's answer) or one the
 * cache vetted (cache.c), but names are still read with bounds checks and
 * pointers must go backwards, so a bad part is refused, never followed.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "chain.h"

#include <string.h>

#include "dname.h"
#include "wire.h"

#define CHAIN_DICT 16   /* names written in the chain that owners may point at */

/* Read the possibly compressed name at msg[*pos] into name (uncompressed,
 * case kept); advance *pos past it. Returns the length, 0 if malformed. */
static size_t
chain_read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *name)
{
	size_t p = *pos, n = 0, limit = *pos;   /* pointers must go below limit */
	bool jumped = false;
	for (;;) {
		if (p >= len)
			return 0;
		uint8_t l = msg[p];
		if ((l & 0xC0) == 0xC0) {
			if (p + 1 >= len)
				return 0;
			size_t to = (size_t)(l & 0x3F) << 8 | msg[p + 1];
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			if (to >= limit || to < 12)
				return 0;
			limit = to;
			p = to;
			continue;
		}
		if (l & 0xC0)
			return 0;
		if (p + 1 + l > len || n + 1 + l > DNAME_MAXLEN)
			return 0;
		memcpy(name + n, msg + p, 1 + (size_t)l);
		n += 1 + (size_t)l;
		p += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	if (!jumped)
		*pos = p;
	return n;
}

/* Step over the question; false if malformed. */
static bool
chain_skip_question(const uint8_t *msg, size_t len, size_t *pos)
{
	*pos = 12;
	if (len < 12 || get16(msg + 4) != 1 || !dname_skip_wire(msg, len, pos) || *pos + 4 > len)
		return false;
	*pos += 4;
	return true;
}

/* Step over one record; *type and *rdata get its type and rdata offset. */
static bool
chain_skip_rr(const uint8_t *msg, size_t len, size_t *pos, uint16_t *type, size_t *rdata)
{
	if (!dname_skip_wire(msg, len, pos) || *pos + 10 > len)
		return false;
	*type = get16(msg + *pos);
	size_t rdlen = get16(msg + *pos + 8);
	*rdata = *pos + 10;
	if (*rdata + rdlen > len)
		return false;
	*pos = *rdata + rdlen;
	return true;
}

size_t
chain_target(const uint8_t *msg, size_t len, uint8_t *target, unsigned *cnames, bool *loop)
{
	size_t pos, start, rdata = 0;
	uint16_t type = 0;
	*cnames = 0;
	*loop = false;
	if (!chain_skip_question(msg, len, &pos))
		return 0;
	start = pos;
	unsigned an = get16(msg + 6);
	for (unsigned i = 0; i < an; i++) {
		uint16_t t;
		size_t r;
		if (!chain_skip_rr(msg, len, &pos, &t, &r))
			return 0;
		if (t == LDNS_RR_TYPE_CNAME)
			(*cnames)++;
		if (t != LDNS_RR_TYPE_RRSIG) {   /* DO=1: a CNAME's RRSIGs follow it */
			type = t;
			rdata = r;
		}
	}
	if (an == 0 || type != LDNS_RR_TYPE_CNAME)
		return 0;
	size_t n = chain_read_name(msg, len, &rdata, target);
	if (n == 0)
		return 0;
	/* a target that owns a CNAME of the answer: the chain loops */
	pos = start;
	for (unsigned i = 0; i < an && !*loop; i++) {
		uint8_t owner[DNAME_MAXLEN];
		size_t at = pos, r;
		if (!chain_skip_rr(msg, len, &pos, &type, &r))
			return 0;
		*loop = type == LDNS_RR_TYPE_CNAME && chain_read_name(msg, len, &at, owner) > 0 &&
			dname_equal(owner, target);
	}
	dname_to_lower(target, target);
	return n;
}

typedef struct chain_dict {
	uint8_t name[CHAIN_DICT][DNAME_MAXLEN];   /* lower case */
	uint16_t off[CHAIN_DICT];
	unsigned n;
} chain_dict_t;

static void
dict_add(chain_dict_t *d, const uint8_t *name, size_t off)
{
	if (d->n == CHAIN_DICT || off >= 0x4000 || name[0] == 0)
		return;
	dname_to_lower(d->name[d->n], name);
	d->off[d->n++] = (uint16_t)off;
}

static int
dict_find(const chain_dict_t *d, const uint8_t *name)
{
	for (unsigned i = 0; i < d->n; i++)
		if (dname_equal(d->name[i], name))
			return (int)i;
	return -1;
}

bool
chain_append(uint8_t *msg, size_t *lenp, size_t cap, const uint8_t *part, size_t plen)
{
	size_t len = *lenp, pos;
	uint8_t name[DNAME_MAXLEN], last[DNAME_MAXLEN];
	unsigned cn;
	chain_dict_t dict;
	dict.n = 0;
	/* the target of the chain so far is the owner of what comes next */
	size_t tpos;
	bool loop;
	if (chain_target(msg, len, last, &cn, &loop) > 0 && chain_skip_question(msg, len, &tpos)) {
		size_t rdata = 0;
		uint16_t type;
		for (unsigned i = 0; i < get16(msg + 6); i++)
			chain_skip_rr(msg, len, &tpos, &type, &rdata);
		dict_add(&dict, last, rdata);
	}
	if (!chain_skip_question(part, plen, &pos))
		return false;
	unsigned count[3] = { get16(part + 6), get16(part + 8), get16(part + 10) };
	unsigned kept[3] = { 0, 0, 0 };
	size_t o = len;
	for (unsigned sec = 0; sec < 3; sec++) {
		for (unsigned i = 0; i < count[sec]; i++) {
			size_t n = chain_read_name(part, plen, &pos, name);
			if (n == 0 || pos + 10 > plen)
				return false;
			uint16_t type = get16(part + pos);
			size_t rdlen = get16(part + pos + 8), rd = pos + 10;
			if (rd + rdlen > plen)
				return false;
			if (type == LDNS_RR_TYPE_OPT) {   /* not ours to copy */
				pos = rd + rdlen;
				continue;
			}
			int hit = dict_find(&dict, name);
			if (o + (hit >= 0 ? 2 : n) + 10 > cap)
				return false;
			if (hit >= 0) {
				put16(msg + o, (uint16_t)(0xC000 | dict.off[hit]));
				o += 2;
			} else {
				memcpy(msg + o, name, n);
				dict_add(&dict, name, o);
				o += n;
			}
			memcpy(msg + o, part + pos, 8);   /* type, class, TTL */
			size_t rdlen_at = o + 8;
			o += 10;
			size_t skip, tail;
			unsigned names = wire_rdata_names(type, &skip, &tail);   /* tail: copied as the rest */
			size_t start = o;
			if (names == 0 || rdlen < skip) {
				if (o + rdlen > cap)
					return false;
				memcpy(msg + o, part + rd, rdlen);
				o += rdlen;
			} else {
				size_t r = rd + skip;
				if (o + skip > cap)
					return false;
				memcpy(msg + o, part + rd, skip);
				o += skip;
				for (unsigned k = 0; k < names; k++) {
					size_t m = chain_read_name(part, rd + rdlen, &r, name);
					if (m == 0 || o + m > cap)
						return false;
					memcpy(msg + o, name, m);
					if (type == LDNS_RR_TYPE_CNAME)
						dict_add(&dict, name, o);
					o += m;
				}
				size_t rest = rd + rdlen - r;   /* SOA: the five numbers */
				if (o + rest > cap)
					return false;
				memcpy(msg + o, part + r, rest);
				o += rest;
			}
			put16(msg + rdlen_at, (uint16_t)(o - start));
			pos = rd + rdlen;
			kept[sec]++;
		}
	}
	if (pos != plen)
		return false;
	put16(msg + 6, (uint16_t)(get16(msg + 6) + kept[0]));
	put16(msg + 8, (uint16_t)(get16(msg + 8) + kept[1]));
	put16(msg + 10, (uint16_t)(get16(msg + 10) + kept[2]));
	*lenp = o;
	return true;
}

static size_t
chain_put_opt(uint8_t *msg, size_t len, bool edns_do, uint16_t edns_size)
{
	uint8_t *p = msg + len;
	p[0] = 0;
	put16(p + 1, LDNS_RR_TYPE_OPT);
	put16(p + 3, edns_size);
	p[5] = 0;
	p[6] = 0;
	p[7] = edns_do ? 0x80 : 0;
	p[8] = 0;
	put16(p + 9, 0);
	put16(msg + 10, (uint16_t)(get16(msg + 10) + 1));
	return len + 11;
}

size_t
chain_finish(uint8_t *msg, size_t len, uint8_t rcode, bool aa, size_t limit,
	     bool edns, bool edns_do, uint16_t edns_size)
{
	size_t opt = edns ? 11 : 0, head, pos;
	msg[2] = (uint8_t)((msg[2] & ~0x06) | (aa ? 0x04 : 0));
	msg[3] = (uint8_t)((msg[3] & 0x90) | (rcode & 0x0F));    /* RA, CD kept; AD clear */
	if (!chain_skip_question(msg, len, &pos))
		return len;
	head = pos;
	if (len + opt > limit) {
		/* the additional section first, then everything */
		unsigned noadd = (unsigned)get16(msg + 6) + get16(msg + 8);
		uint16_t type;
		size_t rdata;
		for (unsigned i = 0; i < noadd && chain_skip_rr(msg, len, &pos, &type, &rdata); i++)
			;
		if (pos + opt <= limit) {
			len = pos;
			put16(msg + 10, 0);
		} else {
			len = head;
			memset(msg + 6, 0, 6);
			msg[2] |= 0x02;
		}
	}
	return edns ? chain_put_opt(msg, len, edns_do, edns_size) : len;
}

size_t
chain_fail(uint8_t *msg, size_t len, uint8_t rcode, size_t limit,
	   bool edns, bool edns_do, uint16_t edns_size)
{
	size_t pos;
	if (chain_skip_question(msg, len, &pos))
		len = pos;
	memset(msg + 6, 0, 6);
	return chain_finish(msg, len, rcode, false, limit, edns, edns_do, edns_size);
}

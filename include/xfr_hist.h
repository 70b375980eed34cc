/* xfr_hist.h -- the IXFR history of the zones transferred out: for each
 * (view, zone) the records of the version last seen and a bounded list of
 * changes between the versions seen (RFC 1995).
 *
 * DESIGN. A change is the difference between two record sets (what BIND's
 * ixfr-from-differences does), whatever made it: dynamic updates (several
 * condense into one change, which RFC 1995 allows), a reload of an edited
 * file, a NAT map that changed. The zone store's records are read on the
 * control thread when a transfer out runs (xfr_out.h): each time the serial
 * differs from the version last seen, the difference is added. So every
 * serial a secondary can hold from us -- it got it by a transfer -- has its
 * changes kept, up to XFR_HIST_MAX of them per (view, zone); an older serial
 * gets the zone in AXFR form. The history lives in memory and is written to
 * state-dir at a clean stop, read back after the restart (a crash loses
 * what changed since the last clean stop). All of it runs on the control
 * thread alone (saving: after it has stopped).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_XFR_HIST_H
#define HZ_XFR_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonefile.h"

#define XFR_HIST_MAX 16   /* changes kept per (view, zone) */

/* One record, as it goes on the wire: owner (lower case), type, class,
 * TTL, rdata length, rdata; no compression. */
typedef struct xfr_rr {
	uint8_t *wire;
	uint16_t len;
} xfr_rr_t;

/* A zone's records at one serial: the SOA apart, the others sorted. */
typedef struct xfr_version {
	uint32_t serial;
	xfr_rr_t soa;
	xfr_rr_t *rrs;
	size_t n;
} xfr_version_t;

/* From one serial to the next: the records removed and added (RFC 1995 4). */
typedef struct xfr_change {
	uint32_t from, to;
	xfr_rr_t old_soa, new_soa;
	xfr_rr_t *del, *add;
	size_t ndel, nadd;
} xfr_change_t;

/* The version of zf (its SOA holds the serial); NULL if zf has no SOA.
 * Aborts when out of memory (arena.h's policy for building data). */
xfr_version_t *xfr_version_new(const zonefile_t *zf);
void xfr_version_free(xfr_version_t **v);

/* The records of b that a lacks (add) and of a that b lacks (del). A
 * record whose TTL changed is removed and added. */
void xfr_diff(const xfr_version_t *a, const xfr_version_t *b, xfr_change_t *out);
void xfr_change_clear(xfr_change_t *c);

typedef struct xfr_hist xfr_hist_t;

/* The history of zone apex (lower-case wire) in view (by name). The first
 * time, it is read from its file under state_dir if a clean stop left one
 * there (xfr_hist_save_all; a file that cannot be used is logged and
 * ignored), else made empty; state_dir NULL: in memory only. Freed at
 * exit. */
xfr_hist_t *xfr_hist_get(const char *view, const uint8_t *apex, const char *state_dir);

/* At a clean stop, after the control thread: every history that has a file
 * and a version is written there (durable_replace), so that the
 * secondaries' serials keep their incremental transfers across the
 * restart. A crash loses what changed since the last clean stop: AXFR for
 * those, never a wrong IXFR. 0, or -1 if one could not be written (logged). */
int xfr_hist_save_all(void);

/* Drop every history from memory (what a restart does; tests). */
void xfr_hist_forget_all(void);

/* The file's contents for h (malloc'ed, *len bytes), and h made from such
 * contents (all or nothing: false leaves h empty); for the file and the
 * tests. */
uint8_t *xfr_hist_serialize(const xfr_hist_t *h, size_t *len);
bool xfr_hist_restore(xfr_hist_t *h, const uint8_t *buf, size_t len);

/* zf is what the view serves now: if its serial is not the one last seen,
 * keep the change from that version (dropping the oldest past
 * XFR_HIST_MAX) and remember zf's records. */
void xfr_hist_note(xfr_hist_t *h, const zonefile_t *zf);

/* The changes that lead from serial from to the newest version, oldest
 * first, into out (at most XFR_HIST_MAX); 0 if the history does not reach
 * back to from. */
size_t xfr_hist_chain(const xfr_hist_t *h, uint32_t from, const xfr_change_t **out);

#endif

/* journal.h -- the append-only record of applied dynamic updates.
 *
 * Every update that changed a zone is appended to "<zonefile>.jnl" (and
 * fsync'ed) before it is served. The journal is text, one transaction per
 * block:
 *
 *   begin 2024010103 2025-01-31T10:00:00Z key=dhcp-key client=127.0.0.2#40123
 *   - laptop.example.com.	300	IN	A	192.168.1.49
 *   + laptop.example.com.	300	IN	A	192.168.1.50
 *   commit 2024010103
 *
 * "-" lines are records removed, "+" lines records added (master-file
 * syntax, absolute names), in the order they were applied; the number is
 * the zone's SOA serial after the transaction. A block without its commit
 * line (a crash while writing) is skipped with a warning. Blank lines and
 * lines starting with ';' are ignored.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_JOURNAL_H
#define HZ_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "diag.h"
#include "zonefile.h"

struct arena;

typedef struct journal_op {
	char op;          /* '+' add, '-' remove */
	zrr_t rr;
} journal_op_t;

/* "<zonefile>.jnl", malloc'ed. */
char *journal_path(const char *zonefile);

/* Append one transaction and fsync it. comment goes on the begin line
 * (no newlines). Returns 0, or -1 with the reason logged. */
int journal_append(const char *path, uint32_t serial, const char *comment,
		   const journal_op_t *ops, size_t nops);

/* Called for every record line of every committed transaction, in order.
 * rr points into temporary memory (copy what you keep). Return false to
 * report the record as unusable (the callback reports why through d). */
typedef bool (*journal_op_fn)(void *arg, char op, const zrr_t *rr, diag_t *d);

/* Replay path (missing file: nothing to do). origin: the zone ("example.com.")
 * for relative names. Problems are reported as FILE:LINE through d. Returns
 * the number of transactions replayed, or -1 if the journal is unreadable
 * or malformed (nothing of it should then be used). */
long journal_replay(const char *path, const char *origin, journal_op_fn fn, void *arg,
		    diag_t *d);

/* Record conversion shared with the update code. */
ldns_rr *journal_rr_to_ldns(const zrr_t *rr);
/* rr's owner and rdata copied into a (uncompressed wire); false if the
 * record does not fit (rdata > 65535). file/line left to the caller. */
bool journal_rr_from_ldns(const ldns_rr *rr, struct arena *a, zrr_t *out);

#endif

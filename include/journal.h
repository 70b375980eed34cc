/* journal.h -- the append-only record of applied dynamic updates, and the
 * compacted state that replaces it when it grows.
 *
 * Every update that changed a zone is appended to "<zonefile>.jnl" (and
 * fsync'ed) before it is served. The journal is text, one transaction per
 * block:
 *
 *   journal 5f0c6a21d9e3b742
 *   begin 2024010103 2025-01-31T10:00:00Z key=dhcp-key client=127.0.0.2#40123
 *   - laptop.example.com.	300	IN	A	192.168.1.49
 *   + laptop.example.com.	300	IN	A	192.168.1.50
 *   commit 2024010103
 *
 * "journal ID" (first line; journals written before it existed have none)
 * names this file, so that a compacted state can say which journal it
 * covers. "-" lines are records removed, "+" lines records added
 * (master-file syntax, absolute names), in the order they were applied; the
 * number is the zone's SOA serial after the transaction. Blank lines and
 * lines starting with ';' are ignored.
 *
 * A crash can leave the end of the file cut short or filled with zeros (a
 * power cut), and journals written before the tail was cut at open can hold
 * such a fragment completed by the next block's newline. So: everything after
 * the last committed transaction that does not end in a good commit is a
 * write cut short (skipped with a warning, and cut away by journal_cut before
 * the next append); a line with NUL bytes, or that is the start of a valid
 * line, directly followed by a begin line, is such a fragment too. Any other
 * malformed line that is followed by a committed transaction is an error.
 *
 * The compacted state (in server.state-dir, written by journal_compact) has
 * the same syntax: a "covers ID OFFSET" line (the journal and the byte
 * offset up to which it holds that journal's transactions; ID "-" for a
 * journal without a journal line) and one transaction holding the zone's
 * difference from its file. Replay order: zone file, state, journal (the
 * part the state does not cover).
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

#define JOURNAL_ID_LEN 16   /* hex digits */

/* What journal_read found. */
typedef struct journal_info {
	char id[JOURNAL_ID_LEN + 1];        /* "journal" line; "" if none */
	char covers_id[JOURNAL_ID_LEN + 1]; /* "covers" line ("-": a journal without id) */
	long long covers_end;               /* -1: no covers line */
	long long end;     /* offset just past the last committed transaction (or the
	                      journal line): where the next append must start */
	long long size;    /* bytes in the file (0: no file) */
	long txns;         /* committed transactions replayed */
} journal_info_t;

/* "<zonefile>.jnl", malloc'ed. */
char *journal_path(const char *zonefile);

/* Append one transaction and fsync it (and its directory when the file is
 * created, with a new journal line). The file must end with a complete
 * line: cut it with journal_cut first. comment goes on the begin line (no
 * newlines). Returns 0, or -1 with the reason logged. */
int journal_append(const char *path, uint32_t serial, const char *comment,
		   const journal_op_t *ops, size_t nops);

/* Cut the file back to end (journal_info_t.end), fsync, and warn (log) with
 * what was cut. A missing file with end 0 is fine. Returns 0, or -1 (logged)
 * if it cannot, or if the file is now shorter than end (changed on disk). */
int journal_cut(const char *path, long long end);

/* Called for every record line of every committed transaction, in order.
 * rr points into temporary memory (copy what you keep). Return false to
 * report the record as unusable (the callback reports why through d). */
typedef bool (*journal_op_fn)(void *arg, char op, const zrr_t *rr, diag_t *d);

/* Replay path (missing file: nothing to do). origin: the zone ("example.com.")
 * for relative names. If the file's journal id equals skip_id ("-" matches
 * a journal without id) and skip_to >= 0, the transactions before offset
 * skip_to are not replayed (a compacted state holds them). Problems are
 * reported as FILE:LINE through d. Returns the number of transactions
 * replayed, or -1 if the file is unreadable or malformed (nothing of it
 * should then be used). info (may be NULL) gets what was found. */
long journal_read(const char *path, const char *origin, const char *skip_id, long long skip_to,
		  journal_op_fn fn, void *arg, diag_t *d, journal_info_t *info);

/* journal_read without skipping or info. */
long journal_replay(const char *path, const char *origin, journal_op_fn fn, void *arg,
		    diag_t *d);

/* Compaction, crash-safe at every step: (1) write "<state>.tmp" with the
 * covers line for the journal as it is now (its id and size) and one
 * transaction of ops with the given serial, fsync; (2) rename it to state,
 * fsync state's directory (created if missing); (3) write "<jnl>.tmp" with a
 * new journal line, fsync; (4) rename it to jnl, fsync its directory. A
 * crash before (2) leaves the old state and journal; between (2) and (4)
 * the new state covers the whole old journal. stop_after (1..3) stops
 * after that step, as a crash would (tests); 0 runs all. The caller keeps
 * anyone from appending meanwhile. Returns 0, or -1 (logged). */
int journal_compact(const char *jnl, const char *state, uint32_t serial,
		    const journal_op_t *ops, size_t nops, int stop_after);

/* Record conversion shared with the update code. */
ldns_rr *journal_rr_to_ldns(const zrr_t *rr);
/* rr's owner and rdata copied into a (uncompressed wire); false if the
 * record does not fit (rdata > 65535). file/line left to the caller. */
bool journal_rr_from_ldns(const ldns_rr *rr, struct arena *a, zrr_t *out);

#endif

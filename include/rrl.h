/* rrl.h -- response rate limiting (RRL) of a view's UDP answers.
 *
 * DESIGN. BIND's RRL, per view (conf_rate_limit_t): every UDP answer is
 * charged to a token bucket of (client prefix, answer class[, name, type]):
 * answers with data, NODATA and referrals per question name and type at
 * responses-per-second; NXDOMAIN at nxdomains-per-second and errors at
 * errors-per-second, one bucket per client prefix (BIND keys those two by
 * the zone; one prefix rarely floods more than one zone). A bucket earns its
 * rate each second, holds at most one second's worth, and may owe at most
 * `window` seconds' worth, so a client that stops is forgiven after window
 * seconds. An answer from an empty bucket is limited: every slip-th goes out
 * as an empty TC answer (a real client retries over TCP, a forged victim gets
 * nothing larger than the query), the others are dropped.
 *
 * The buckets live in a fixed-size table per worker thread (rrl_table_t,
 * made on that thread's first rate-limited answer): no lock, no allocation
 * per query, nothing shared between workers. The table is direct-mapped with
 * two ways on a keyed hash; a full table forgets the less recently used of
 * the two buckets. Only UDP answers are limited (TCP proves the address);
 * a view without rate-limit costs the UDP path one test of conf->rate_limited.
 * A view with rate-limit also answers ANY over UDP with an empty TC answer
 * (RFC 8482 lets a server answer ANY differently per transport): the full
 * answer comes over TCP.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_RRL_H
#define HZ_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "query.h"

struct snapshot;

#define RRL_TABLE_SIZE 16384   /* buckets per worker thread (power of 2) */

typedef enum rrl_action {
	RRL_PASS,                  /* send the answer */
	RRL_SLIP,                  /* send an empty answer with TC */
	RRL_DROP,                  /* send nothing */
} rrl_action_t;

typedef struct rrl_table rrl_table_t;

typedef struct rrl_stats {
	unsigned long long limited, slipped, dropped;
} rrl_stats_t;

/* A table with a random hash key. NULL: no memory. */
rrl_table_t *rrl_table_new(void);
/* Release; clears *t. Accepts NULL. */
void rrl_table_free(rrl_table_t **t);
void rrl_table_stats(const rrl_table_t *t, rrl_stats_t *out);

/* Charge one answer answer[0..len) (as query.h built it) to a client src of
 * view number view_id with settings rl at time now_s (seconds, any
 * monotonic clock): what to do with it. */
rrl_action_t rrl_account(rrl_table_t *t, const conf_rate_limit_t *rl, unsigned view_id,
			 const struct sockaddr *src, const uint8_t *answer, size_t len,
			 uint32_t now_s);

/* Cut answer[0..len) to its header and question with TC set and no
 * records; returns the new length. */
size_t rrl_truncate(uint8_t *answer, size_t len);

/* The UDP path: if the view that answers from has rate-limit, charge the
 * answer to this thread's table and return its length as sent (shorter: TC;
 * 0: dropped); otherwise len. A client that sent a valid server cookie
 * (cookie.h: it proved its address) is not limited. Call only when snap's
 * config has rate_limited. *action says what the limiter did (RRL_PASS for
 * answers it does not limit, ANY cut to TC included), for the metrics. */
size_t rrl_apply(const struct snapshot *snap, const query_src_t *from, uint8_t *answer, size_t len,
		 bool cookie_valid, rrl_action_t *action);

#endif

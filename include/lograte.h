/* lograte.h -- at most a few log lines per client address and interval.
 *
 * Refusals that anyone can provoke (unsigned updates, bad TSIG) must not
 * flood the log: each client address may log LOGRATE_BURST lines per
 * LOGRATE_INTERVAL seconds; the next line after a pause says how many were
 * held back. A small fixed table, one mutex: only for slow paths.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_LOGRATE_H
#define HZ_LOGRATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define LOGRATE_SLOTS 64
#define LOGRATE_BURST 10
#define LOGRATE_INTERVAL 60

typedef struct lograte_slot {
	uint8_t addr[16];
	sa_family_t family;
	time_t start;                 /* of the current interval */
	unsigned lines, held;         /* logged in it; held back since the last line */
} lograte_slot_t;

typedef struct lograte {
	pthread_mutex_t lock;
	lograte_slot_t slot[LOGRATE_SLOTS];
} lograte_t;

#define LOGRATE_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

/* The one the server logs refused updates and bad TSIG through. */
extern lograte_t lograte_refused;

/* May a line about a client at src (its address; the port is ignored) be
 * logged at time now? If so, *held is how many lines about it were held
 * back since the last one logged. Any thread. */
bool lograte_allow(lograte_t *rl, const struct sockaddr *src, time_t now, unsigned *held);

/* log_warning() the message if lograte_allow() lets it through, with the
 * count of lines held back appended. */
void lograte_warning(lograte_t *rl, const struct sockaddr *src, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "192.0.2.1#53000": a client's address and port, as the logs show it. */
void lograte_client_text(const struct sockaddr *sa, char *buf, size_t size);

#endif

/* ctl.h -- the horizonctl control socket.
 *
 * DESIGN. One thread accepts on a unix stream socket (server.control, mode
 * 0600: only its owner, root or the server's user, may connect) and serves
 * one client at a time: the client writes one command line, the server
 * writes "ok\n" or "error\n" and then the text, and closes. Commands that
 * read the zones take the zone store's writer lock while they format into
 * memory and write to the client after releasing it, so a slow client never
 * holds up updates. `reload` waits for the reload thread's result
 * (reload_request_wait), like SIGHUP but with an answer.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_CTL_H
#define HZ_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "reload.h"
#include "server.h"

#define CTL_DEFAULT_SOCKET "/run/horizond/control"
#define CTL_MAX_LINE 1024

enum ctl_verb { CTL_STATUS, CTL_RELOAD, CTL_FLUSH, CTL_STATS, CTL_DUMP };

/* A parsed command line. view and name are empty when not given. */
typedef struct ctl_cmd {
	enum ctl_verb verb;
	char view[256];
	char name[256];    /* flush: the name; dump: the zone */
} ctl_cmd_t;

/* Parse "status", "reload", "flush [VIEW [NAME]]", "stats", "dump VIEW ZONE"
 * (words separated by blanks, a trailing newline allowed). Returns 0, or -1
 * with *why set to a static message. Pure (the horizonctl client checks its
 * arguments with it too). */
int ctl_parse(const char *line, ctl_cmd_t *out, const char **why);

typedef struct ctl ctl_t;

/* Bind the socket at path (a stale socket file is replaced; mode 0600);
 * ctl_start() starts the thread (after privileges are dropped: privs.h). conf_path names the config for status; srv and
 * started (CLOCK_MONOTONIC at start) must outlive the ctl_t. Returns NULL on
 * failure (logged). */
ctl_t *ctl_new(const char *path, const char *conf_path, server_t *srv,
	       const struct timespec *started);

/* Start serving; reload must outlive c. Returns 0, or -1 (logged). */
int ctl_start(ctl_t *c, reload_t *reload);

/* Stop the thread (a command in progress finishes first), remove the socket
 * file and release; clears *c. Accepts NULL. */
void ctl_free(ctl_t **c);

#endif

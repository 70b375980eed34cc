/* privs.h -- drop root once the sockets are bound (server.user).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_PRIVS_H
#define HZ_PRIVS_H

/* Become user (and its primary group, with no supplementary groups),
 * keeping CAP_NET_BIND_SERVICE -- permitted and effective, nothing else --
 * so that a reload can still bind a new port-53 address. Call before any
 * thread starts (credentials are per thread at the system-call level;
 * glibc syncs setuid across threads, but capset does not). Returns 0, or
 * -1 (logged). */
int privs_drop(const char *user);

#endif

/* sdnotify.h -- tell systemd (Type=notify) how the server is doing.
 *
 * The documented datagram protocol (sd_notify(3)): one "KEY=VALUE\n..."
 * datagram to the unix socket named by $NOTIFY_SOCKET (a path, or an
 * abstract name when it starts with '@'). Written here, a dozen lines,
 * rather than linking libsystemd for one function: the daemon keeps no
 * systemd dependency and runs the same under Docker or by hand.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_SDNOTIFY_H
#define HZ_SDNOTIFY_H

/* Send state (e.g. "READY=1") if $NOTIFY_SOCKET is set. Returns 1 if sent,
 * 0 if there is no socket to tell, -1 on error (logged at debug). Any
 * thread. */
int sdnotify_send(const char *state);

#endif

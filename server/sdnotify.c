/* sdnotify.c -- the sd_notify datagram protocol (sdnotify.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

int
sdnotify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL || path[0] == '\0')
		return 0;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path)) {
		log_debug("NOTIFY_SOCKET=%s: not a unix socket path", path);
		return -1;
	}
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';   /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	ssize_t w = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	int err = errno;
	close(fd);
	if (w < 0) {
		log_debug("NOTIFY_SOCKET=%s: %s", path, strerror(err));
		return -1;
	}
	return 1;
}

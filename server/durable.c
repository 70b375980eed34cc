/* durable.c -- crash-safe file writes (durable.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
durable_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int
durable_fsync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
durable_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	/* fchmod: the umask must not loosen or tighten what the caller asked */
	int rc = durable_write_all(fd, data, len) == 0 && fchmod(fd, mode) == 0 && fsync(fd) == 0
			 ? 0 : -1;
	int saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return durable_fsync_dir(path);
}

int
durable_mkdirs(const char *dir, mode_t mode)
{
	char p[4096];
	if ((size_t)snprintf(p, sizeof(p), "%s", dir) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) == 0) {
			if (durable_fsync_dir(p) != 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		*s = c;
		if (c == '\0')
			return 0;
	}
}

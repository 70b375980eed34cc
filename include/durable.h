/* durable.h -- writing files so that they survive a crash: the whole buffer
 * written, the file and its directory fsync'ed, a new version put in place
 * by rename. One copy for the journal, the DNSSEC keys, the copies of
 * secondary zones and the router rules.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DURABLE_H
#define HZ_DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/* Write all of buf to fd (retrying short writes and EINTR). 0, or -1 with
 * errno set (EIO if write returned 0). */
int durable_write_all(int fd, const void *buf, size_t len);

/* fsync the directory holding path, so that a new or renamed entry in it
 * survives a crash. 0, or -1 with errno set. */
int durable_fsync_dir(const char *path);

/* Replace path with data, atomically and durably: "<path>.tmp" written with
 * mode, fsync'ed, renamed over path, then the directory fsync'ed. 0, or -1
 * with errno set (the temporary file removed, path untouched). */
int durable_replace(const char *path, const void *data, size_t len, mode_t mode);

/* mkdir -p: dir and every missing directory above it, made with mode, each
 * new entry made durable. 0 (also if dir exists), or -1 with errno set. */
int durable_mkdirs(const char *dir, mode_t mode);

#endif

/* tmpdir.h -- for unit tests: a temporary directory of files written from
 * text (configs, zone files). Header-only (each test is its own program).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TEST_TMPDIR_H
#define HZ_TEST_TMPDIR_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tmpdir {
	char path[64];
} tmpdir_t;

/* Make a new directory /tmp/<prefix>.XXXXXX. */
static inline void
tmpdir_make(tmpdir_t *t, const char *prefix)
{
	snprintf(t->path, sizeof(t->path), "/tmp/%s.XXXXXX", prefix);
	ck_assert_ptr_nonnull(mkdtemp(t->path));
}

/* The path of name inside the directory, in buf. */
static inline const char *
tmpdir_file(const tmpdir_t *t, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", t->path, name);
	ck_assert(n > 0 && (size_t)n < size);
	return buf;
}

/* Write text to the file name, opened with mode ("w": replaced if it
 * exists, "a": added at its end). */
static inline void
tmpdir_write(const tmpdir_t *t, const char *name, const char *text, const char *mode)
{
	char path[256];
	FILE *f = fopen(tmpdir_file(t, name, path, sizeof(path)), mode);
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Write text to the file name (replaced if it exists). */
static inline void
tmpdir_put(const tmpdir_t *t, const char *name, const char *text)
{
	tmpdir_write(t, name, text, "w");
}

/* Remove the directory and everything in it. */
static inline void
tmpdir_remove(tmpdir_t *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
	ck_assert_int_eq(system(cmd), 0);
}

#endif

/* tmpdir.h -- for unit tests: a temporary directory with config and zone
 * files written from strings. Header-only (each test is its own program).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TEST_TMPDIR_H
#define HZ_TEST_TMPDIR_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Create a directory from template tmpl ("/tmp/x.XXXXXX") into dir (room
 * for strlen(tmpl) + 1). */
static inline void
tmpdir_make(char *dir, const char *tmpl)
{
	strcpy(dir, tmpl);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Write text to dir/name. */
static inline void
tmpdir_write(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Remove dir and everything in it. */
static inline void
tmpdir_remove(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

#endif

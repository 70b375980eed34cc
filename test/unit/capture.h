/* capture.h -- for unit tests: collect a diag_t's messages in memory.
 * Header-only (each test is its own program).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TEST_CAPTURE_H
#define HZ_TEST_CAPTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

typedef struct capture {
	diag_t d;
	char *buf;
	size_t len;
} capture_t;

static inline void
capture_start(capture_t *cap)
{
	memset(cap, 0, sizeof(*cap));
	cap->d.out = open_memstream(&cap->buf, &cap->len);
	ck_assert_ptr_nonnull(cap->d.out);
}

/* Everything printed so far. */
static inline const char *
capture_text(capture_t *cap)
{
	fflush(cap->d.out);
	return cap->buf != NULL ? cap->buf : "";
}

static inline void
capture_end(capture_t *cap)
{
	fclose(cap->d.out);
	free(cap->buf);
	memset(cap, 0, sizeof(*cap));
}

#endif

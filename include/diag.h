/* diag.h -- "FILE:LINE: message" diagnostics for config and zone files.
 *
 * Loaders never stop at the first problem: they report each one through a
 * diag_t, which counts them, and the caller decides from the counts.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_DIAG_H
#define HZ_DIAG_H

#include <stdio.h>

typedef struct diag {
	unsigned errors;
	unsigned warnings;
	FILE *out;          /* where messages go; NULL means stderr */
	int quiet;          /* nonzero: count only, print nothing (fuzzers) */
} diag_t;

/* Print "FILE:LINE: message" (line 0: "FILE: message") and count an error. */
void diag_error(diag_t *d, const char *file, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Print "FILE:LINE: warning: message" and count a warning. */
void diag_warn(diag_t *d, const char *file, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif

/* diag.c -- "FILE:LINE: message" diagnostics.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static void __attribute__((format(printf, 5, 0)))
diag_vprint(diag_t *d, const char *kind, const char *file, unsigned long line,
	    const char *fmt, va_list ap)
{
	if (d != NULL && d->quiet)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	FILE *out = (d != NULL && d->out != NULL) ? d->out : stderr;
	if (line > 0)
		fprintf(out, "%s:%lu: %s%s\n", file, line, kind, msg);
	else
		fprintf(out, "%s: %s%s\n", file, kind, msg);
}

void
diag_error(diag_t *d, const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vprint(d, "", file, line, fmt, ap);
	va_end(ap);
	if (d != NULL)
		d->errors++;
}

void
diag_warn(diag_t *d, const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vprint(d, "warning: ", file, line, fmt, ap);
	va_end(ap);
	if (d != NULL)
		d->warnings++;
}

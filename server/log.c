/* log.c -- leveled logging to stderr.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int log_verbosity = HZ_LOG_NOTICE;

static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug",
};

void
log_msg(int level, const char *fmt, ...)
{
	if (level > log_verbosity)
		return;
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ldZ horizond %s: ",
		      ts.tv_nsec / 1000000, level_names[level < 0 ? 0 : level > 4 ? 4 : level]);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per message so lines from several threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

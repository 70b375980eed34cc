/* log.c -- leveled logging to stderr.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int log_verbosity = HZ_LOG_NOTICE;

static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug",
};

/* syslog priorities of our levels: err, warning, notice, info, debug */
static const int level_prio[] = { 3, 4, 5, 6, 7 };

/* Is stderr the journal? systemd sets JOURNAL_STREAM to the device and
 * inode of the stream it connected; a redirected stderr no longer matches
 * (sd-daemon(3) "JOURNAL_STREAM"). Decided once. */
static bool
log_to_journal(void)
{
	static _Atomic int cached = -1;
	int v = atomic_load_explicit(&cached, memory_order_relaxed);
	if (v >= 0)
		return v == 1;
	v = 0;
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (env != NULL && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		v = 1;
	atomic_store_explicit(&cached, v, memory_order_relaxed);
	return v == 1;
}

void
log_msg(int level, const char *fmt, ...)
{
	if (level > log_verbosity)
		return;
	char line[1024];
	int lv = level < 0 ? 0 : level > 4 ? 4 : level;
	int n;
	if (log_to_journal()) {
		/* the journal stamps the time itself and reads the <N> prefix
		 * as the priority */
		n = snprintf(line, sizeof(line), "<%d>%s: ", level_prio[lv], level_names[lv]);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ldZ horizond %s: ",
			      ts.tv_nsec / 1000000, level_names[lv]);
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per message so lines from several threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

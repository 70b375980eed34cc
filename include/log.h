/* log.h -- leveled logging to stderr.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_LOG_H
#define HZ_LOG_H

enum log_level {
	HZ_LOG_ERR = 0,
	HZ_LOG_WARNING,
	HZ_LOG_NOTICE,
	HZ_LOG_INFO,
	HZ_LOG_DEBUG,
};

/* Messages above this level are dropped before formatting. Default NOTICE. */
extern int log_verbosity;

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(HZ_LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(HZ_LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(HZ_LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    do { if (log_verbosity >= HZ_LOG_INFO) log_msg(HZ_LOG_INFO, __VA_ARGS__); } while (0)
#define log_debug(...)   do { if (log_verbosity >= HZ_LOG_DEBUG) log_msg(HZ_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif

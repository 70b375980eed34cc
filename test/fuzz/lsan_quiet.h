/* lsan_quiet.h -- LSAN_QUIET(expr): evaluate expr with LeakSanitizer looking
 * away. For the harnesses' own use of ldns as an independent parser of
 * arbitrary bytes: ldns 1.8.3 leaks on some of its error paths (for example
 * an RR whose owner name is broken), which is not our code's leak.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_LSAN_QUIET_H
#define HZ_LSAN_QUIET_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HZ_HAVE_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HZ_HAVE_LSAN 1
#endif

#ifdef HZ_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_QUIET(expr) (__lsan_disable(), lsan_quiet_result_ = (expr), __lsan_enable(), lsan_quiet_result_)
static int lsan_quiet_result_;
#else
#define LSAN_QUIET(expr) (expr)
#endif

#endif

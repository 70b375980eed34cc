/* rrtext.h -- for unit tests: a record of an ldns packet section as one
 * line of text, and a Check assertion on it. Header-only (each test is its
 * own program).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TEST_RRTEXT_H
#define HZ_TEST_RRTEXT_H

#include <check.h>
#include <ldns/ldns.h>
#include <string.h>

/* The text of section's record i ("www.example.com. 3600 IN A 1.2.3.4");
 * the caller frees it. */
static inline char *
rr_text(ldns_rr_list *l, size_t i)
{
	ck_assert_uint_gt(ldns_rr_list_rr_count(l), i);
	char *s = ldns_rr2str(ldns_rr_list_rr(l, i));
	s[strcspn(s, "\n")] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return s;
}

#define ck_rr(list, i, expect) do { \
		char *s_ = rr_text((list), (i)); \
		ck_assert_str_eq(s_, (expect)); \
		free(s_); \
	} while (0)

#endif

/* testlib.h -- what many unit test programs need alike: running the suite,
 * a check on message text, writing and reading files, a config or a zone
 * from text, a client address, and a query or an update sent through the
 * real query path (query_answer, zonestore_update) as a packet on the wire.
 * tmpdir.h makes a directory for the files, capture.h collects messages.
 * testlib.c is linked into every unit test program (test/CMakeLists.txt).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_TEST_TESTLIB_H
#define HZ_TEST_TESTLIB_H

#include <check.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct capture;
struct conf;
struct node;
struct snapshot;
struct zone;

/* The text haystack contains needle; a failure shows both. */
#define ck_assert_has(haystack, needle) do { \
		const char *h_ = (haystack), *n_ = (needle); \
		ck_assert_msg(strstr(h_, n_) != NULL, "'%s' not found in:\n%s", n_, h_); \
	} while (0)

/* Run su (taken over) and return main()'s exit status: EXIT_SUCCESS when
 * every test passed. */
int tl_run_suite(Suite *su);

/* Write len bytes of data to path, opened with mode ("w", "a"). */
void tl_write_file(const char *path, const void *data, size_t len, const char *mode);

/* Write text to path (replaced if it exists). */
void tl_put_file(const char *path, const char *text);

/* The whole file, NUL-terminated, malloc'ed (the caller frees it); *len its
 * size if len is not NULL. NULL if it cannot be opened. */
char *tl_read_file(const char *path, size_t *len);

/* The config text parsed as TL_CONF_PATH (messages name that file), its
 * messages captured in cap from here on (capture.h: capture_end it). NULL
 * if refused. */
#define TL_CONF_PATH "/etc/horizond/test.yaml"
struct conf *tl_conf(struct capture *cap, const char *text);

/* The config text must be refused with a message that contains want. */
void tl_conf_refused(const char *text, const char *want);

/* The zone origin of text (a master file, read as "test.zone", its
 * messages not shown): it must parse and build. Free it with zone_unref. */
struct zone *tl_zone(const char *origin, const char *text);

/* name as text ("a.b.example.", no escapes) into lower-case wire in out
 * (DNAME_MAXLEN bytes); returns its length. */
size_t tl_name_wire(const char *name, uint8_t *out);

/* The node of name (text) in z, or NULL. */
const struct node *tl_find(const struct zone *z, const char *name);

/* An IPv4 client address, ip:40000. */
struct sockaddr_in tl_addr(const char *ip);

/* The wire form of p (p stays the caller's); *len its length. Free it. */
uint8_t *tl_wire(const ldns_pkt *p, size_t *len);

/* The answer of the query path of snap to q (freed here), sent from ip over
 * TCP (tcp) or UDP, parsed back (the caller frees it). */
ldns_pkt *tl_ask(const struct snapshot *snap, ldns_pkt *q, const char *ip, bool tcp);

/* Send the UPDATE p (freed here) from ip to zonestore_update(); the reply
 * goes to out (outmax) and its length is returned. If the zone changed, the
 * new snapshot replaces *snap (the old one is freed, its conf kept as the
 * new one shares it) and *swapped (if not NULL) is set. */
size_t tl_update(struct snapshot **snap, ldns_pkt *p, const char *ip, uint8_t *out,
		 size_t outmax, bool *swapped);

/* The same for an UPDATE already on the wire (wire stays the caller's). */
size_t tl_update_wire(struct snapshot **snap, const uint8_t *wire, size_t wlen, const char *ip,
		      uint8_t *out, size_t outmax, bool *swapped);

#endif

/* test_conf.c -- unit tests for the YAML config loader and view checks.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "testlib.h"
#include "tmpdir.h"

#define CONF_DIR HZ_TEST_DATA "/conf"

static bool
text_has_line(const char *text, const char *prefix, const char *needle)
{
	const char *p = text;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024];
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (strstr(line, prefix) != NULL && strstr(line, needle) != NULL)
			return true;
		p += n;
		if (*p == '\n')
			p++;
	}
	return false;
}

/* A line of text has both prefix and needle; a failure shows the text. */
#define ck_assert_line(text, prefix, needle) do { \
		const char *t_ = (text); \
		ck_assert_msg(text_has_line(t_, (prefix), (needle)), "no line with '%s' and '%s' in:\n%s", \
			      (prefix), (needle), t_); \
	} while (0)

static const conf_view_t *
find_view(const conf_t *c, const char *name)
{
	for (size_t i = 0; i < c->nviews; i++)
		if (strcmp(c->views[i].name, name) == 0)
			return &c->views[i];
	return NULL;
}

static enum acl_result
match4(const acl_t *acl, const char *text)
{
	uint8_t a[4];
	ck_assert_int_eq(inet_pton(AF_INET, text, a), 1);
	return acl_match_addr(acl, AF_INET, a);
}

static enum acl_result
match6(const acl_t *acl, const char *text)
{
	uint8_t a[16];
	ck_assert_int_eq(inet_pton(AF_INET6, text, a), 1);
	return acl_match_addr(acl, AF_INET6, a);
}

static unsigned
port_of(const conf_sockaddr_t *sa)
{
	if (sa->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&sa->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&sa->ss)->sin6_port);
}

/* ---- good configs ---- */

START_TEST(test_good_full)
{
	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_load(CONF_DIR "/good-full.yaml", &cap.d);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(cap.d.errors, 0);
	ck_assert_uint_eq(cap.d.warnings, 0);
	ck_assert_str_eq(c->dir, CONF_DIR);

	ck_assert_uint_eq(c->nlisten, 3);
	ck_assert_int_eq(c->listen[0].ss.ss_family, AF_INET);
	ck_assert_uint_eq(port_of(&c->listen[0]), 5300);
	ck_assert_int_eq(c->listen[0].len, sizeof(struct sockaddr_in));
	ck_assert_str_eq(c->listen[0].text, "127.0.0.1@5300");
	ck_assert_uint_eq(c->listen[0].line, 3);
	ck_assert_int_eq(c->listen[1].ss.ss_family, AF_INET6);
	ck_assert_uint_eq(port_of(&c->listen[1]), 5301);
	ck_assert_int_eq(c->listen[1].len, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(port_of(&c->listen[2]), 53);   /* listen defaults to 53 */

	ck_assert_uint_eq(c->workers, 2);
	ck_assert_uint_eq(c->tcp_idle_timeout, 30);
	ck_assert_uint_eq(c->tcp_clients, 100);
	ck_assert_uint_eq(c->edns_udp_size, 1400);
	ck_assert_str_eq(c->identity, "ns1.example");
	ck_assert_str_eq(c->version, "");

	ck_assert_uint_eq(c->nacls, 4);
	ck_assert_str_eq(c->acls[0].name, "lan");
	ck_assert_uint_eq(c->acls[0].count, 4);
	ck_assert_uint_eq(c->acls[0].line, 11);
	ck_assert_str_eq(c->acls[2].name, "early");
	ck_assert_ptr_eq(c->acls[2].elems[0].nested, &c->acls[3]);
	ck_assert_int_eq(match4(&c->acls[1], "10.1.1.1"), ACL_MATCH);
	/* office = [lan, !10.9/16]: lan decides first */
	ck_assert_int_eq(match4(&c->acls[1], "10.9.1.1"), ACL_MATCH);
	ck_assert_int_eq(match4(&c->acls[2], "127.0.0.5"), ACL_MATCH);

	ck_assert_uint_eq(c->nviews, 2);
	const conf_view_t *in = &c->views[0];
	ck_assert_str_eq(in->name, "internal");
	ck_assert_uint_eq(in->line, 16);
	ck_assert(in->recursion);
	ck_assert_int_eq(match4(in->match_clients, "10.66.1.1"), ACL_DENY);
	ck_assert_int_eq(match4(in->match_clients, "10.67.1.1"), ACL_MATCH);
	ck_assert_int_eq(match4(in->match_clients, "127.0.0.2"), ACL_MATCH);
	ck_assert_int_eq(match4(in->match_clients, "127.0.0.3"), ACL_NOMATCH);
	ck_assert_int_eq(match6(in->match_clients, "fd00::1"), ACL_MATCH);
	ck_assert_ptr_nonnull(in->match_destinations);
	ck_assert_int_eq(match6(in->match_destinations, "::1"), ACL_MATCH);
	ck_assert_uint_eq(in->nforwarders, 3);
	ck_assert_uint_eq(port_of(&in->forwarders[0]), 5399);
	ck_assert_uint_eq(port_of(&in->forwarders[1]), 53);
	ck_assert_uint_eq(port_of(&in->forwarders[2]), 53);
	ck_assert_uint_eq(in->nzones, 2);
	ck_assert_str_eq(in->zones[0].name, "example.com");
	ck_assert_str_eq(in->zones[0].file, "internal/example.com.zone");
	ck_assert_str_eq(in->zones[0].path, CONF_DIR "/internal/example.com.zone");
	ck_assert_uint_eq(in->zones[0].line, 22);
	ck_assert_str_eq(in->zones[1].name, "Example.NET.");
	ck_assert_str_eq(in->zones[1].path, "/etc/horizond/example.net.zone");

	const conf_view_t *ex = &c->views[1];
	ck_assert_str_eq(ex->name, "external");
	ck_assert(!ex->recursion);
	ck_assert_ptr_null(ex->match_destinations);
	ck_assert_uint_eq(ex->nforwarders, 0);
	ck_assert_int_eq(match6(ex->match_clients, "2001:db8::1"), ACL_MATCH);

	conf_check_views(c, &cap.d);
	ck_assert_uint_eq(cap.d.warnings, 0);
	conf_free(&c);
	ck_assert_ptr_null(c);
	conf_free(&c);       /* NULL is fine */
	conf_free(NULL);
	capture_end(&cap);
}
END_TEST

START_TEST(test_good_minimal_defaults)
{
	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_load(CONF_DIR "/good-minimal.yaml", &cap.d);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(c->nlisten, 1);
	ck_assert_uint_eq(c->workers, 0);
	ck_assert_uint_eq(c->tcp_idle_timeout, 10);
	ck_assert_uint_eq(c->tcp_clients, 256);
	ck_assert_uint_eq(c->tcp_max_lifetime, 120);
	ck_assert_uint_eq(c->edns_udp_size, 1232);
	ck_assert_ptr_null(c->identity);
	ck_assert_ptr_null(c->version);
	ck_assert_uint_eq(c->nacls, 0);
	ck_assert_uint_eq(c->nviews, 1);
	ck_assert(!c->views[0].recursion);
	ck_assert_str_eq(c->views[0].zones[0].path, CONF_DIR "/example.com.zone");
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* server.tcp-max-lifetime: 0 (no limit) to a day; default 120 (see
 * test_good_minimal_defaults). */
START_TEST(test_tcp_max_lifetime)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, "server: {listen: [127.0.0.1@5300], tcp-max-lifetime: 0}\n"
				   "views: [{name: v, match-clients: [any]}]\n");
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(c->tcp_max_lifetime, 0);
	conf_free(&c);
	capture_end(&cap);
	c = tl_conf(&cap, "server: {listen: [127.0.0.1@5300], tcp-max-lifetime: 86401}\n"
				   "views: [{name: v, match-clients: [any]}]\n");
	ck_assert_ptr_null(c);
	ck_assert_line(capture_text(&cap), "test.yaml:1", "server.tcp-max-lifetime");
	capture_end(&cap);
}
END_TEST

/* A recursive view's TTL caps: positive 1 day, negative 3 h (BIND's
 * max-ncache-ttl) by default; cache-max-negative-ttl sets the latter. */
START_TEST(test_cache_ttl_caps)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, "server: {listen: [127.0.0.1@5300]}\n"
				     "views: [{name: a, match-clients: [any], recursion: true,\n"
				     "         forwarders: [127.0.0.1@5353]},\n"
				     "        {name: b, match-clients: [any], recursion: true,\n"
				     "         forwarders: [127.0.0.1@5353], cache-max-negative-ttl: 600}]\n");
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(c->views[0].cache_max_ttl, 86400);
	ck_assert_uint_eq(c->views[0].cache_max_negative_ttl, 10800);
	ck_assert_uint_eq(c->views[1].cache_max_negative_ttl, 600);
	conf_free(&c);
	capture_end(&cap);
	c = tl_conf(&cap, "server: {listen: [127.0.0.1@5300]}\n"
			     "views: [{name: a, match-clients: [any], recursion: true,\n"
			     "         forwarders: [127.0.0.1@5353], cache-max-negative-ttl: -1}]\n");
	ck_assert_ptr_null(c);
	ck_assert_line(capture_text(&cap), "test.yaml:3", "cache-max-negative-ttl");
	capture_end(&cap);
}
END_TEST

START_TEST(test_good_tags)
{
	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_load(CONF_DIR "/good-tags.yaml", &cap.d);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	const conf_view_t *out = find_view(c, "outside");
	const conf_view_t *in = find_view(c, "inside");
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(in);
	ck_assert_uint_eq(out->match_clients->count, 2);
	ck_assert(out->match_clients->elems[0].negated);
	ck_assert_int_eq(out->match_clients->elems[0].kind, ACL_NESTED);
	ck_assert_int_eq(match4(out->match_clients, "10.1.2.3"), ACL_DENY);
	ck_assert_int_eq(match4(out->match_clients, "8.8.8.8"), ACL_MATCH);
	ck_assert_uint_eq(in->match_clients->count, 4);
	ck_assert_int_eq(match4(in->match_clients, "192.168.1.1"), ACL_DENY);
	ck_assert_int_eq(match4(in->match_clients, "172.16.1.1"), ACL_DENY);
	ck_assert_int_eq(match4(in->match_clients, "1.1.1.1"), ACL_MATCH);
	conf_check_views(c, &cap.d);     /* outside still gets 192.168/16 */
	ck_assert_uint_eq(cap.d.warnings, 0);
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

START_TEST(test_relative_config_path)
{
	capture_t cap;
	const char *text = "server: {listen: [127.0.0.1@5300]}\n"
			   "views:\n"
			   "  - {name: a, match-clients: [any], zones: [{name: x, file: x.zone}]}\n";
	capture_start(&cap);
	conf_t *c = conf_parse("horizond.yaml", text, strlen(text), &cap.d);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_str_eq(c->dir, ".");
	ck_assert_str_eq(c->views[0].zones[0].path, "./x.zone");
	ck_assert_str_eq(c->views[0].zones[0].name, "x");
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* server.state-dir: default, relative to the config's directory, absolute
 * as written, copied to every zone; a bad value is a FILE:LINE error. */
/* Secondary zones: primaries, transfer-key, allow-notify, notify, notify-key; each view
 * its own copy under state-dir (docs/transfers.md). */
START_TEST(test_secondary_zones)
{
	capture_t cap;
	const char *text =
		"server: {listen: [127.0.0.1@5300], state-dir: /srv/hz}\n"
		"keys: [{name: xfr-key, secret: \"eGZyLXNlY3JldA==\"}]\n"
		"views:\n"
		"  - name: int\n"
		"    match-clients: [127.0.0.2]\n"
		"    zones:\n"
		"      - {name: Example.com., primaries: [192.0.2.1, \"2001:db8::1@5353\"], "
		"transfer-key: xfr-key, notify: [192.0.2.9@5300], allow-notify: [192.0.2.7, key xfr-key]}\n"
		"  - name: ext/1\n"
		"    match-clients: [any]\n"
		"    zones:\n"
		"      - {name: example.com, primaries: [192.0.2.1]}\n"
		"      - {name: example.net, file: n.zone, notify: [192.0.2.8], notify-key: xfr-key}\n";
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	const conf_zone_t *a = &c->views[0].zones[0], *b = &c->views[1].zones[0];
	ck_assert(conf_zone_secondary(a) && conf_zone_secondary(b));
	ck_assert(!conf_zone_secondary(&c->views[1].zones[1]));
	ck_assert_uint_eq(a->nprimaries, 2);
	ck_assert_str_eq(a->primaries[1].text, "2001:db8::1@5353");
	ck_assert_ptr_eq(a->transfer_key, &c->keys[0]);
	ck_assert_ptr_null(b->transfer_key);
	ck_assert_ptr_eq(c->views[1].zones[1].notify_key, &c->keys[0]);
	ck_assert_ptr_null(a->notify_key);
	ck_assert_ptr_nonnull(a->allow_notify);
	ck_assert_uint_eq(a->allow_notify->count, 2);
	ck_assert_ptr_eq(a->allow_notify->elems[1].key, &c->keys[0]);
	ck_assert_ptr_null(b->allow_notify);
	ck_assert_uint_eq(a->nnotify, 1);
	ck_assert_uint_eq(ntohs(((const struct sockaddr_in *)&c->views[1].zones[1].notify[0].ss)->sin_port),
			  53);
	/* one copy per view; names made safe for a path */
	ck_assert_str_eq(a->path, "/srv/hz/secondary/int/Example.com.zone");
	ck_assert_str_eq(b->path, "/srv/hz/secondary/ext_1/example.com.zone");
	conf_free(&c);
	capture_end(&cap);
	/* notify-key names a defined key and goes with notify: */
	static const char bad[] =
		"server: {listen: [127.0.0.1@5300]}\n"
		"keys: [{name: xfr-key, secret: \"eGZyLXNlY3JldA==\"}]\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [any]\n"
		"    zones:\n"
		"      - {name: a.example, file: a.zone, notify: [192.0.2.8], notify-key: nosuch}\n" /* 7 */
		"      - {name: b.example, file: b.zone, notify-key: xfr-key}\n"                    /* 8 */
		"      - {name: c.example, file: c.zone, allow-notify: [192.0.2.7]}\n";             /* 9 */
	c = tl_conf(&cap, bad);
	ck_assert_ptr_null(c);
	const char *msgs = capture_text(&cap);
	ck_assert_line(msgs, "test.yaml:7: ", "notify-key: undefined key 'nosuch'");
	ck_assert_line(msgs, "test.yaml:8: ", "notify-key: signs the zone's NOTIFYs: give notify: too");
	ck_assert_line(msgs, "test.yaml:9: ", "allow-notify: only for a secondary zone (give primaries:)");
	capture_end(&cap);
}
END_TEST

START_TEST(test_state_dir)
{
	capture_t cap;
	const char *zones = "views:\n"
			    "  - {name: a, match-clients: [any], zones: [{name: x, file: x.zone}]}\n";
	char text[512];
	snprintf(text, sizeof(text), "server: {listen: [127.0.0.1@5300]}\n%s", zones);
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_str_eq(c->state_dir, "/var/lib/horizond");
	ck_assert_str_eq(c->views[0].zones[0].state_dir, "/var/lib/horizond");
	conf_free(&c);
	capture_end(&cap);
	/* the zones come first here: they still get the state dir */
	snprintf(text, sizeof(text), "%sserver: {listen: [127.0.0.1@5300], state-dir: state}\n", zones);
	c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_str_eq(c->state_dir, "/etc/horizond/state");
	ck_assert_str_eq(c->views[0].zones[0].state_dir, "/etc/horizond/state");
	conf_free(&c);
	capture_end(&cap);
	snprintf(text, sizeof(text), "server: {listen: [127.0.0.1@5300], state-dir: /srv/hz}\n%s", zones);
	c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_str_eq(c->state_dir, "/srv/hz");
	conf_free(&c);
	capture_end(&cap);
	snprintf(text, sizeof(text), "server:\n  listen: [127.0.0.1@5300]\n  state-dir: [a, b]\n%s", zones);
	tl_conf_refused(text, "/etc/horizond/test.yaml:3: server.state-dir: expected a string");
	snprintf(text, sizeof(text), "server:\n  listen: [127.0.0.1@5300]\n  state-dir:\n%s", zones);
	tl_conf_refused(text, "/etc/horizond/test.yaml:3: server.state-dir: missing value");
}
END_TEST

START_TEST(test_acl_nesting_limit_ok)
{
	/* 15 named levels is the most a loaded config may have; it must load
	 * and the innermost prefix must still be reached by acl_match. */
	char text[4096];
	size_t off = (size_t)snprintf(text, sizeof(text), "server: {listen: [127.0.0.1]}\nacls:\n");
	for (int i = 15; i > 1; i--)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "  a%d: [a%d]\n", i, i - 1);
	off += (size_t)snprintf(text + off, sizeof(text) - off,
				"  a1: [10.0.0.0/8]\nviews:\n  - {name: v, match-clients: [a15], "
				"zones: [{name: x, file: x}]}\n");
	ck_assert_uint_lt(off, sizeof(text));
	capture_t cap;
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_int_eq(match4(c->views[0].match_clients, "10.2.3.4"), ACL_MATCH);
	ck_assert_int_eq(match4(c->views[0].match_clients, "11.2.3.4"), ACL_NOMATCH);
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

START_TEST(test_good_interface_example)
{
	/* INTERFACE.md's example, with "::1@5300" quoted. */
	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_load(CONF_DIR "/good-interface.yaml", &cap.d);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(c->nlisten, 2);
	ck_assert_int_eq(c->listen[1].ss.ss_family, AF_INET6);
	ck_assert_str_eq(c->listen[1].text, "::1@5300");
	ck_assert_uint_eq(port_of(&c->listen[1]), 5300);
	ck_assert_int_eq(match6(&c->acls[0], "fd00::1"), ACL_MATCH);
	ck_assert_uint_eq(c->views[0].nforwarders, 1);
	conf_check_views(c, &cap.d);
	ck_assert_uint_eq(cap.d.warnings, 0);
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* identity: "" and version: "" are accepted: they hide the CHAOS answers
 * (hostname.bind/id.server, version.bind), which are then REFUSED. */
START_TEST(test_empty_identity_and_version)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap,
		"server:\n"
		"  listen: [127.0.0.1]\n"
		"  identity: \"\"\n"
		"  version: ''\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [any]\n"
		"    zones: [{name: x, file: x}]\n");
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(cap.d.errors, 0);
	ck_assert_str_eq(c->identity, "");
	ck_assert_str_eq(c->version, "");
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* IPv6 addresses as YAML takes them: quoted in flow lists, bare in block
 * lists and where they do not start with ':'. Quoted text is kept as it is. */
START_TEST(test_ipv6_in_lists)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap,
		"server: {listen: [\"::1@5300\",\"::2\", \"::3\", '::4', 127.0.0.1]}  # [::9\n"
		"acls:\n"
		"  a: [ \"::1\", '::ffff:10.0.0.0/104',\"::/0\", fd00::/8, 2001:db8::1 ]\n"
		"  b: [\"x, ::5\", 'y ::6']\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [a]\n"
		"    match-destinations:\n"
		"      - ::1\n"
		"    zones: [{name: x, file: x}]\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 2);
	ck_assert_line(capture_text(&cap), "test.yaml:4: ", "'x, ::5': bad address");
	ck_assert_line(capture_text(&cap), "test.yaml:4: ", "'y ::6': bad address");
	capture_end(&cap);

	c = tl_conf(&cap,
		"server: {listen: [\"::1@5300\",\"::2\", \"::3\", '::4', 127.0.0.1]}  # [::9\n"
		"acls:\n"
		"  a: [ \"::1\", '::ffff:10.0.0.0/104',\"::/0\", fd00::/8, 2001:db8::1 ]\n"
		"views:\n"
		"  - name: v\n"
		"    match-clients: [a]\n"
		"    match-destinations:\n"
		"      - ::1\n"
		"    zones: [{name: x, file: x}]\n");
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(c->nlisten, 5);
	ck_assert_str_eq(c->listen[0].text, "::1@5300");
	ck_assert_str_eq(c->listen[1].text, "::2");
	ck_assert_uint_eq(port_of(&c->listen[1]), 53);
	ck_assert_str_eq(c->listen[3].text, "::4");
	ck_assert_uint_eq(c->acls[0].count, 5);
	ck_assert_int_eq(c->acls[0].elems[1].family, AF_INET);
	ck_assert_int_eq(match4(&c->acls[0], "10.1.1.1"), ACL_MATCH);
	ck_assert_int_eq(match6(&c->acls[0], "2001:db8::1"), ACL_MATCH);
	ck_assert_int_eq(match6(c->views[0].match_destinations, "::1"), ACL_MATCH);
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* What libyaml cannot parse stops it (one error per text); for an unquoted
 * '!' or a leading ':' in a flow list the message says how to quote it. */
START_TEST(test_unquoted_hints)
{
	static const struct {
		const char *text;
		const char *prefix;     /* FILE:LINE */
		const char *needle;
		bool warn;              /* quoted for the reader, with a warning */
	} cases[] = {
		/* INTERFACE.md's example line: still read, as the interface promises */
		{ "server:\n  listen: [127.0.0.1@5300, ::1@5300]   # x\nviews:\n  - name: v\n"
		  "    match-clients: [any]\n    recursion: true\n    forwarders: [127.0.0.1@5399]\n",
		  "test.yaml:2: ",
		  "warning: an IPv6 address starting with ':' inside [ ] or { } is not valid YAML "
		  "(other YAML tools reject this file): write \"::1@5300\" in quotes", true },
		{ "server: {listen: [\"x\",::1 ]}\n", "test.yaml:1: ", "write \"::1\" in quotes", true },
		{ "acls:\n  a: [ ::ffff:10.0.0.0/104,b]\n", "test.yaml:2: ",
		  "write \"::ffff:10.0.0.0/104\" in quotes", true },
		{ "nat: [{public: ::1, private: x}]\n", "test.yaml:1: ", "write \"::1\" in quotes", true },
		/* columns count characters: é is two bytes */
		{ "server: {identity: \"h\xc3\xa9\xc3\xa9\", listen: [::2@53]}\n", "test.yaml:1: ",
		  "write \"::2@53\" in quotes", true },
		{ "views:\n  - match-clients: [!10.0.0.0/8]\n", "test.yaml:2: ",
		  "unquoted '!' starts a YAML tag: write \"!10.0.0.0/8\" in quotes", false },
		{ "views:\n  - match-clients: [lan,\n      \"!x\", !lan]\n", "test.yaml:3: ",
		  "unquoted '!' starts a YAML tag: write \"!lan\" in quotes", false },
		/* other syntax errors keep libyaml's words */
		{ "a: [:x]\n", "test.yaml:1: ", "YAML syntax error: did not find expected node content", false },
		{ "a: [x\n", "test.yaml:2: ", "YAML syntax error: did not find expected ',' or ']'", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture_t cap;
		conf_t *c = tl_conf(&cap, cases[i].text);
		const char *out = capture_text(&cap);
		ck_assert_msg(text_has_line(out, cases[i].prefix, cases[i].needle),
			      "case %zu: missing '%s%s' in: %s", i, cases[i].prefix, cases[i].needle, out);
		if (cases[i].warn) {
			/* read on: whatever else is wrong, it is not YAML syntax */
			ck_assert_msg(strstr(out, "YAML syntax error") == NULL, "case %zu: %s", i, out);
			if (i == 0)
				ck_assert_msg(c != NULL && cap.d.errors == 0, "case 0: %s", out);
		} else {
			ck_assert_msg(c == NULL, "case %zu loaded", i);
			ck_assert_msg(cap.d.errors == 1, "case %zu: %u errors: %s", i, cap.d.errors, out);
		}
		conf_free(&c);
		capture_end(&cap);
	}
}
END_TEST

START_TEST(test_load_missing_file)
{
	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_load(CONF_DIR "/does-not-exist.yaml", &cap.d);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 1);
	ck_assert_line(capture_text(&cap), "does-not-exist.yaml: ", "cannot open");
	capture_end(&cap);

	capture_start(&cap);
	c = conf_load(CONF_DIR, &cap.d);     /* a directory */
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 1);
	capture_end(&cap);
}
END_TEST

START_TEST(test_forwarders_without_recursion_warns)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, "server: {listen: [127.0.0.1]}\nviews:\n"
				     "  - name: a\n    match-clients: [any]\n"
				     "    forwarders: [127.0.0.1@5399]\n"
				     "    zones: [{name: x, file: x}]\n");
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_uint_eq(cap.d.warnings, 1);
	ck_assert_line(capture_text(&cap), "test.yaml:5: warning:", "forwarders are ignored");
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

START_TEST(test_garbage_does_not_crash)
{
	static const char *const inputs[] = {
		"", "\n", "---\n", "~\n", "42\n", "[\n", "{a: b}\n", "server: [1, 2]\n",
		"server:\n  listen: [\"\"]\nviews: [{}]\n", "\"\\0\": 1\n",
		"views:\n  - name: \"a\\0b\"\n    match-clients: [any]\n",
		"acls: {a: [b], b: [c], c: [a]}\nserver: {listen: [1.2.3.4]}\nviews: [{name: v, match-clients: [a]}]\n",
		"acls: {? [x] : [any]}\n", "acls: !!map {a: !!seq [any]}\n",
		"views: [{name: a, match-clients: [any], zones: [{name: ., file: root}]}]\n",
		"server: {listen: [127.0.0.1]}\nviews: [*x]\n",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		capture_t cap;
		conf_t *c = tl_conf(&cap, inputs[i]);
		ck_assert_msg(c == NULL || cap.d.errors == 0, "input %zu", i);
		if (c == NULL)
			ck_assert_msg(cap.d.errors > 0, "input %zu: NULL without an error", i);
		conf_free(&c);
		capture_end(&cap);
	}
}
END_TEST

/* ---- the corpus of broken configs ----
 *
 * Each test/data/conf/bad-*.yaml says what it expects in comments:
 *   # expect: LINE text      -> an error "FILE:LINE: ...text..."
 * The number of errors must equal the number of expect lines, and every
 * message printed must be one of them (no cascades). */

static const char *const bad_files[] = {
	"bad-acls.yaml", "bad-addresses.yaml", "bad-deep.yaml", "bad-empty.yaml",
	"bad-missing.yaml", "bad-not-a-map.yaml", "bad-server.yaml", "bad-tags.yaml",
	"bad-types.yaml", "bad-unknown-keys.yaml", "bad-unquoted.yaml", "bad-views.yaml",
	"bad-yaml-syntax.yaml", "bad-yaml-tab.yaml",
};
#define NBAD (sizeof(bad_files) / sizeof(bad_files[0]))

START_TEST(test_bad_corpus)
{
	const char *name = bad_files[_i];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", CONF_DIR, name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);

	struct { unsigned long line; char text[256]; } exp[64];
	size_t nexp = 0;
	char buf[512];
	while (fgets(buf, sizeof(buf), f) != NULL) {
		const char *p = buf;
		while (*p == ' ')
			p++;
		if (strncmp(p, "# expect: ", 10) != 0)
			continue;
		ck_assert_uint_lt(nexp, 64);
		char *end;
		exp[nexp].line = strtoul(p + 10, &end, 10);
		ck_assert_msg(end != p + 10 && *end == ' ', "%s: bad expect line", name);
		snprintf(exp[nexp].text, sizeof(exp[nexp].text), "%s", end + 1);
		exp[nexp].text[strcspn(exp[nexp].text, "\n")] = '\0';
		nexp++;
	}
	fclose(f);
	ck_assert_msg(nexp > 0, "%s has no expectations", name);

	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_load(path, &cap.d);
	const char *out = capture_text(&cap);
	ck_assert_msg(c == NULL, "%s loaded", name);
	ck_assert_msg(cap.d.errors == nexp, "%s: %u errors, expected %zu:\n%s", name, cap.d.errors,
		      nexp, out);
	for (size_t i = 0; i < nexp; i++) {
		char prefix[600];
		snprintf(prefix, sizeof(prefix), "%s:%lu: ", path, exp[i].line);
		ck_assert_msg(text_has_line(out, prefix, exp[i].text),
			      "%s: missing '%s%s' in:\n%s", name, prefix, exp[i].text, out);
	}
	/* Messages come out in line order. */
	unsigned long last = 0;
	size_t plen = strlen(path);
	for (const char *p = out; (p = strstr(p, path)) != NULL; p += plen) {
		if (p[plen] != ':')
			continue;
		unsigned long line = strtoul(p + plen + 1, NULL, 10);
		ck_assert_msg(line >= last, "%s: line %lu printed after line %lu", name, line, last);
		last = line;
	}
	capture_end(&cap);
}
END_TEST

START_TEST(test_bad_corpus_complete)
{
	/* Every bad-*.yaml in the directory is in bad_files[]. */
	DIR *dir = opendir(CONF_DIR);
	ck_assert_ptr_nonnull(dir);
	struct dirent *de;
	size_t seen = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		bool listed = false;
		for (size_t i = 0; i < NBAD; i++)
			listed = listed || strcmp(bad_files[i], de->d_name) == 0;
		ck_assert_msg(listed, "%s is not in bad_files[]", de->d_name);
		seen++;
	}
	closedir(dir);
	ck_assert_uint_eq(seen, NBAD);
}
END_TEST

/* ---- conf_check_views ---- */

static unsigned
check_views_warnings(const char *views_yaml, const char *needle)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "server: {listen: [127.0.0.1@5300]}\n"
		 "acls:\n"
		 "  lan: [10.0.0.0/8, 192.168.0.0/16]\n"
		 "  everyone: [lan, any]\n"
		 "  nobody: [none]\n"
		 "views:\n%s", views_yaml);
	capture_t cap;
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	unsigned before = cap.d.warnings;
	conf_check_views(c, &cap.d);
	unsigned n = cap.d.warnings - before;
	if (needle != NULL)
		ck_assert_msg(text_has_line(capture_text(&cap), "test.yaml:", needle),
			      "missing '%s' in:\n%s", needle, capture_text(&cap));
	conf_free(&c);
	capture_end(&cap);
	return n;
}

#define Z "    zones: [{name: example.com, file: x}]\n"

START_TEST(test_views_unreachable_after_any)
{
	ck_assert_uint_eq(check_views_warnings(
		"  - name: all\n    match-clients: [any]\n" Z
		"  - name: late\n    match-clients: [lan]\n" Z,
		"test.yaml:10: warning: view 'late' is never used: every client it matches is "
		"taken by earlier view 'all'"), 1);
	/* an ACL that is "any" */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: all\n    match-clients: [everyone]\n" Z
		"  - name: late\n    match-clients: [127.0.0.1]\n" Z, "view 'late' is never used"), 1);
	/* v4 and v6 halves written as prefixes cover everything too */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: all\n    match-clients: [0.0.0.0/0, \"::/0\"]\n" Z
		"  - name: late\n    match-clients: [any]\n" Z, "view 'late' is never used"), 1);
}
END_TEST

START_TEST(test_views_unreachable_covered)
{
	/* Covered by a broader earlier prefix. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: ten\n    match-clients: [10.0.0.0/8]\n" Z
		"  - name: sub\n    match-clients: [10.1.0.0/16]\n" Z, "view 'sub' is never used"), 1);
	/* Covered by two earlier views together; both named. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: low\n    match-clients: [10.0.0.0/9]\n" Z
		"  - name: high\n    match-clients: [10.128.0.0/9]\n" Z
		"  - name: all10\n    match-clients: [10.0.0.0/8]\n" Z,
		"view 'all10' is never used: every client it matches is taken by earlier views "
		"'low', 'high'"), 1);
	/* A mapped-IPv6 prefix is IPv4. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: ten\n    match-clients: [10.0.0.0/8]\n" Z
		"  - name: mapped\n    match-clients: [\"::ffff:10.1.0.0/112\"]\n" Z,
		"view 'mapped' is never used"), 1);
	/* Matches nobody at all. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: lanv\n    match-clients: [lan]\n" Z
		"  - name: never\n    match-clients: [nobody]\n" Z, "view 'never' matches no client"), 1);
	ck_assert_uint_eq(check_views_warnings(
		"  - name: never\n    match-clients: [\"!any\", 10.0.0.1]\n" Z,
		"view 'never' matches no client"), 1);
}
END_TEST

START_TEST(test_views_reachable_silent)
{
	/* The usual split: internal first, then everyone else. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: in\n    match-clients: [lan]\n" Z
		"  - name: out\n    match-clients: [any]\n" Z, NULL), 0);
	/* Earlier "any" limited by match-destinations leaves other destinations. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: a\n    match-clients: [any]\n    match-destinations: [127.0.0.1]\n" Z
		"  - name: b\n    match-clients: [any]\n" Z, NULL), 0);
	/* A hole in the earlier view. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: a\n    match-clients: [\"!10.1.0.0/16\", 10.0.0.0/8]\n" Z
		"  - name: b\n    match-clients: [10.1.2.0/24]\n" Z, NULL), 0);
	/* Earlier IPv4-only any leaves IPv6. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: a\n    match-clients: [0.0.0.0/0]\n" Z
		"  - name: b\n    match-clients: [any]\n" Z, NULL), 0);
	/* Two halves that leave the last address uncovered. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: low\n    match-clients: [10.0.0.0/9]\n" Z
		"  - name: high\n    match-clients: [10.128.0.0/10, 10.192.0.0/11, 10.224.0.0/12, "
		"10.240.0.0/13, 10.248.0.0/14, 10.252.0.0/15, 10.254.0.0/16, 10.255.0.0/17, "
		"10.255.128.0/18, 10.255.192.0/19, 10.255.224.0/20, 10.255.240.0/21, "
		"10.255.248.0/22, 10.255.252.0/23, 10.255.254.0/24, 10.255.255.0/25, "
		"10.255.255.128/26, 10.255.255.192/27, 10.255.255.224/28, 10.255.255.240/29, "
		"10.255.255.248/30, 10.255.255.252/31, 10.255.255.254/32]\n" Z
		"  - name: all10\n    match-clients: [10.0.0.0/8]\n" Z, NULL), 0);
	/* The later view has match-destinations the earlier one does not cover. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: a\n    match-clients: [lan]\n    match-destinations: [\"::1\"]\n" Z
		"  - name: b\n    match-clients: [10.0.0.1]\n    match-destinations: [127.0.0.1]\n" Z,
		NULL), 0);
	/* A forwarding-only view needs no zones. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: fwd\n    match-clients: [lan]\n    recursion: true\n"
		"    forwarders: [127.0.0.1@5399]\n"
		"  - name: out\n    match-clients: [any]\n" Z, NULL), 0);
}
END_TEST

START_TEST(test_views_destinations_shadow)
{
	/* Same clients and destinations as an earlier view: shadowed. */
	ck_assert_uint_eq(check_views_warnings(
		"  - name: a\n    match-clients: [any]\n    match-destinations: [127.0.0.0/8]\n" Z
		"  - name: b\n    match-clients: [lan]\n    match-destinations: [127.0.0.1]\n" Z,
		"view 'b' is never used"), 1);
}
END_TEST

START_TEST(test_views_no_zones)
{
	ck_assert_uint_eq(check_views_warnings(
		"  - name: empty\n    match-clients: [lan]\n    zones: []\n"
		"  - name: out\n    match-clients: [any]\n" Z,
		"test.yaml:7: warning: view 'empty' has no zones and recursion is off"), 1);
	ck_assert_uint_eq(check_views_warnings(
		"  - name: empty\n    match-clients: [lan]\n"
		"  - name: out\n    match-clients: [any]\n" Z, "view 'empty' has no zones"), 1);
}
END_TEST

/* ---- conf_acl_reaches_public / conf_addr_is_private ---- */

static bool
reaches_public(const char *list)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "server: {listen: [127.0.0.1@5300]}\n"
		 "acls:\n"
		 "  lan: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7]\n"
		 "  lanish: [\"!10.1.0.0/16\", lan]\n"
		 "views:\n  - name: v\n    match-clients: %s\n" Z, list);
	capture_t cap;
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "%s: %s", list, capture_text(&cap));
	bool r = conf_acl_reaches_public(c->views[0].match_clients);
	conf_free(&c);
	capture_end(&cap);
	return r;
}

START_TEST(test_reaches_public)
{
	ck_assert(reaches_public("[any]"));
	ck_assert(!reaches_public("[lan]"));
	ck_assert(reaches_public("[\"!lan\", any]"));
	ck_assert(!reaches_public("[127.0.0.3]"));
	ck_assert(!reaches_public("[10.0.0.0/8]"));
	ck_assert(!reaches_public("[none]"));
	ck_assert(!reaches_public("[\"!any\"]"));
	ck_assert(!reaches_public("[lanish]"));
	ck_assert(!reaches_public("[\"!lanish\", lan]"));    /* 10.1/16 only, still private */
	ck_assert(!reaches_public("[192.0.2.0/24, \"2001:db8::/32\", \"fe80::/10\", \"::1\"]"));
	ck_assert(!reaches_public("[100.64.0.0/10, 169.254.0.0/16, \"::ffff:10.0.0.0/104\"]"));
	ck_assert(reaches_public("[8.8.8.8]"));
	ck_assert(reaches_public("[\"2a00::/12\"]"));
	ck_assert(reaches_public("[0.0.0.0/0]"));
	ck_assert(reaches_public("[\"::/0\"]"));
	ck_assert(reaches_public("[11.0.0.0/8]"));
	ck_assert(reaches_public("[10.0.0.0/7]"));           /* 11/8 is public */
	ck_assert(reaches_public("[\"!0.0.0.0/1\", \"!128.0.0.0/1\", any]"));   /* IPv6 left */
	ck_assert(!reaches_public("[\"!0.0.0.0/1\", \"!128.0.0.0/1\", \"!::/0\", any]"));
	ck_assert(!reaches_public("[\"!2000::/3\", \"::/0\"]"));
	ck_assert(reaches_public("[\"!2000::/4\", \"::/0\"]"));   /* 3000::/4 */
	ck_assert(conf_acl_reaches_public(NULL));
}
END_TEST

static bool
private4(const char *s)
{
	uint8_t a[4];
	ck_assert_int_eq(inet_pton(AF_INET, s, a), 1);
	return conf_addr_is_private(AF_INET, a);
}

static bool
private6(const char *s)
{
	uint8_t a[16];
	ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
	return conf_addr_is_private(AF_INET6, a);
}

START_TEST(test_addr_is_private)
{
	ck_assert(private4("10.0.0.1"));
	ck_assert(private4("172.16.0.1"));
	ck_assert(private4("172.31.255.255"));
	ck_assert(!private4("172.32.0.0"));
	ck_assert(private4("192.168.3.4"));
	ck_assert(private4("100.64.0.1"));
	ck_assert(private4("100.127.255.255"));
	ck_assert(!private4("100.128.0.0"));
	ck_assert(private4("169.254.1.1"));
	ck_assert(private4("127.0.0.3"));
	ck_assert(!private4("8.8.8.8"));
	ck_assert(!private4("192.0.2.1"));      /* documentation: not private, not public */
	ck_assert(private6("::1"));
	ck_assert(private6("fe80::1"));
	ck_assert(private6("fd12::1"));
	ck_assert(private6("fc00::"));
	ck_assert(!private6("fe00::"));
	ck_assert(private6("::ffff:10.1.2.3"));
	ck_assert(!private6("::ffff:8.8.8.8"));
	ck_assert(!private6("2001:db8::1"));
	ck_assert(!private6("2a01::1"));
	ck_assert(!conf_addr_is_private(AF_UNIX, (const uint8_t *)"\0\0\0\0"));
}
END_TEST

/* ---- a zone file that takes updates belongs to one zone ---- */

#define TWO_VIEWS_HEAD "server: {listen: [127.0.0.1]}\nviews:\n"

START_TEST(test_writable_file_shared_with_another_view)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: lan\n    match-clients: [127.0.0.2]\n    zones:\n"
		"      - name: example.com\n        file: lan.zone\n        allow-update: [127.0.0.2]\n"
		"  - name: guests\n    match-clients: [any]\n    zones:\n"
		"      - name: example.com\n        file: lan.zone\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 1);
	/* at the second entry (line 12), naming the first (line 6) */
	const char *t = capture_text(&cap);
	ck_assert_line(t, "test.yaml:12: ", "view 'guests': zone example.com: file 'lan.zone'");
	ck_assert_line(t, "test.yaml:12: ", "in view 'lan' (line 6), and that one allows updates");
	capture_end(&cap);

	/* the read-only entry first: reported at the writable one */
	c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: guests\n    match-clients: [127.0.0.3]\n    zones:\n"
		"      - {name: example.com, file: lan.zone}\n"
		"  - name: lan\n    match-clients: [any]\n    zones:\n"
		"      - {name: example.com, file: lan.zone, allow-update: [127.0.0.2]}\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 1);
	t = capture_text(&cap);
	ck_assert_line(t, "test.yaml:10: ", "view 'guests' (line 6), and this one allows updates");
	capture_end(&cap);

	/* both writable, and another zone name in the same view: one error each */
	c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: lan\n    match-clients: [127.0.0.2]\n    zones:\n"
		"      - {name: example.com, file: lan.zone, allow-update: [127.0.0.2]}\n"
		"      - {name: example.net, file: lan.zone}\n"
		"  - name: guests\n    match-clients: [any]\n    zones:\n"
		"      - {name: example.com, file: lan.zone, allow-update: [127.0.0.3]}\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 2);
	t = capture_text(&cap);
	ck_assert_line(t, "test.yaml:7: ", "zone example.net: file 'lan.zone'");
	ck_assert_line(t, "test.yaml:11: ", "(line 6), and both allow updates");
	capture_end(&cap);
}
END_TEST

/* dnssec-*: defaults, values, options without dnssec-signing, bad values,
 * and views that would sign one zone name with different keys. */
START_TEST(test_dnssec_keys)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: lan\n    match-clients: [127.0.0.2]\n    zones:\n"
		"      - {name: example.com, file: lan.zone, dnssec-signing: true}\n"
		"  - name: guests\n    match-clients: [any]\n    zones:\n"
		"      - {name: example.com, file: out.zone, dnssec-signing: true, dnssec-nsec3: true,\n"
		"         dnssec-validity: 7200, dnssec-serial: unixtime}\n"
		"      - {name: example.net, file: net.zone, dnssec-signing: true, dnssec-algorithm: ed25519,\n"
		"         dnssec-keys: ksk-zsk, dnssec-zsk-lifetime: 2592000, dnssec-serial: date}\n");
	ck_assert_ptr_nonnull(c);
	const conf_zone_t *z = &c->views[0].zones[0];
	ck_assert(z->dnssec_signing && !z->dnssec_nsec3 && !z->dnssec_ksk_zsk);
	ck_assert_int_eq(z->dnssec_algorithm, 13);
	ck_assert_uint_eq(z->dnssec_validity, 14 * 86400);
	ck_assert_uint_eq(z->dnssec_zsk_lifetime, 90 * 86400);
	ck_assert_int_eq(z->dnssec_serial, CONF_SERIAL_INCREMENT);
	z = &c->views[1].zones[0];
	ck_assert(z->dnssec_nsec3);
	ck_assert_uint_eq(z->dnssec_validity, 7200);
	ck_assert_int_eq(z->dnssec_serial, CONF_SERIAL_UNIXTIME);
	z = &c->views[1].zones[1];
	ck_assert_int_eq(z->dnssec_algorithm, 15);
	ck_assert(z->dnssec_ksk_zsk);
	ck_assert_uint_eq(z->dnssec_zsk_lifetime, 30 * 86400);
	ck_assert_int_eq(z->dnssec_serial, CONF_SERIAL_DATE);
	conf_free(&c);
	capture_end(&cap);

	c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: lan\n    match-clients: [any]\n    zones:\n"
		"      - {name: example.com, file: lan.zone, dnssec-nsec3: true}\n"
		"      - {name: example.net, file: lan.zone, dnssec-signing: true, dnssec-algorithm: rsasha1}\n"
		"      - {name: example.org, file: lan.zone, dnssec-signing: true, dnssec-keys: three}\n"
		"      - {name: example.info, file: lan.zone, dnssec-signing: true, dnssec-validity: 10}\n"
		"      - {name: example.biz, file: lan.zone, dnssec-signing: true, dnssec-serial: keep}\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 5);
	const char *t = capture_text(&cap);
	ck_assert_line(t, "test.yaml:6: ", "dnssec-nsec3 needs dnssec-signing: true");
	ck_assert_line(t, "test.yaml:7: ", "unknown algorithm 'rsasha1'");
	ck_assert_line(t, "test.yaml:8: ", "'three' is neither csk nor ksk-zsk");
	ck_assert_line(t, "test.yaml:9: ", "dnssec-validity");
	ck_assert_line(t, "test.yaml:10: ", "'keep' is not increment, unixtime or date");
	capture_end(&cap);

	c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: lan\n    match-clients: [127.0.0.2]\n    zones:\n"
		"      - {name: example.com, file: lan.zone, dnssec-signing: true}\n"
		"  - name: guests\n    match-clients: [any]\n    zones:\n"
		"      - {name: EXAMPLE.com., file: out.zone, dnssec-signing: true, dnssec-algorithm: ed25519}\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 1);
	t = capture_text(&cap);
	ck_assert_line(t, "test.yaml:10: ", "must be the same in every view that signs it "
		       "(view lan, line 6)");
	capture_end(&cap);
}
END_TEST

START_TEST(test_readonly_file_shared_is_fine)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, TWO_VIEWS_HEAD
		"  - name: lan\n    match-clients: [127.0.0.2]\n    zones:\n"
		"      - {name: example.com, file: shared.zone}\n"
		"      - {name: example.org, file: org.zone, allow-update: [127.0.0.2]}\n"
		"  - name: guests\n    match-clients: [any]\n    zones:\n"
		"      - {name: example.com, file: shared.zone}\n");
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

/* Another spelling of the same file (a symbolic link, "./", an absolute
 * path) is the same file. */
START_TEST(test_writable_file_other_spelling)
{
	tmpdir_t dir;
	tmpdir_make(&dir, "hz-test-conf");
	char path[256], link[256], yaml[256];
	tmpdir_file(&dir, "lan.zone", path, sizeof(path));
	tmpdir_file(&dir, "alias.zone", link, sizeof(link));
	tmpdir_file(&dir, "test.yaml", yaml, sizeof(yaml));
	tl_put_file(path, "");
	ck_assert_int_eq(symlink("lan.zone", link), 0);
	char text[1024];
	snprintf(text, sizeof(text), TWO_VIEWS_HEAD
		 "  - name: lan\n    match-clients: [127.0.0.2]\n    zones:\n"
		 "      - {name: example.com, file: ./lan.zone, allow-update: [127.0.0.2]}\n"
		 "  - name: guests\n    match-clients: [127.0.0.3]\n    zones:\n"
		 "      - {name: example.com, file: %s}\n"
		 "  - name: other\n    match-clients: [any]\n    zones:\n"
		 "      - {name: example.com, file: alias.zone}\n", path);
	capture_t cap;
	capture_start(&cap);
	conf_t *c = conf_parse(yaml, text, strlen(text), &cap.d);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cap.d.errors, 2);
	ck_assert_line(capture_text(&cap), "test.yaml:10: ", "view 'guests'");
	ck_assert_line(capture_text(&cap), "test.yaml:14: ", "view 'other'");
	capture_end(&cap);
	tmpdir_remove(&dir);
}
END_TEST

/* "key NAME" in match-clients, named ACLs and allow-transfer: resolved to
 * the key (keys may come after acls in the file); an unknown key is a
 * FILE:LINE error; allow-transfer defaults to nobody (NULL). */
START_TEST(test_key_elements)
{
	static const char good[] =
		"server: {listen: [127.0.0.1@5300]}\n"
		"acls:\n"
		"  xfr: [key int-xfr]\n"
		"views:\n"
		"  - name: internal\n"
		"    match-clients: [\"!key ext-xfr\", xfr, 10.0.0.0/8]\n"
		"    zones:\n"
		"      - {name: a.example, file: a.zone, allow-transfer: [key int-xfr, 10.0.0.5]}\n"
		"      - {name: b.example, file: b.zone}\n"
		"keys:\n"
		"  - {name: int-xfr, algorithm: hmac-sha256, secret: \"c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ=\"}\n"
		"  - {name: ext-xfr, algorithm: hmac-sha256, secret: \"c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ=\"}\n";
	capture_t cap;
	conf_t *c = tl_conf(&cap, good);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	const acl_t *mc = c->views[0].match_clients;
	ck_assert_uint_eq(mc->count, 3);
	ck_assert_int_eq(mc->elems[0].kind, ACL_KEY);
	ck_assert(mc->elems[0].negated);
	ck_assert_ptr_eq(mc->elems[0].key, &c->keys[1]);
	ck_assert_int_eq(c->acls[0].elems[0].kind, ACL_KEY);
	ck_assert_ptr_eq(c->acls[0].elems[0].key, &c->keys[0]);
	const acl_t *at = c->views[0].zones[0].allow_transfer;
	ck_assert_ptr_nonnull(at);
	ck_assert_uint_eq(at->count, 2);
	ck_assert_ptr_eq(at->elems[0].key, &c->keys[0]);
	ck_assert_ptr_null(c->views[0].zones[1].allow_transfer);
	conf_free(&c);
	capture_end(&cap);

	static const char bad[] =
		"server: {listen: [127.0.0.1@5300]}\n"
		"views:\n"
		"  - name: internal\n"
		"    match-clients: [key nosuch]\n"                      /* 4 */
		"    zones:\n"
		"      - name: a.example\n"
		"        file: a.zone\n"
		"        allow-transfer: [10.0.0.1, key other]\n";      /* 8 */
	c = tl_conf(&cap, bad);
	ck_assert_ptr_null(c);
	const char *msgs = capture_text(&cap);
	ck_assert_line(msgs, "test.yaml:4: ", "undefined key 'nosuch'");
	ck_assert_line(msgs, "test.yaml:8: ", "undefined key 'other'");
	capture_end(&cap);
}
END_TEST

/* server.control, server.metrics, server.user (operations.md): defaults,
 * relative control path, port 9153 by default, "" turns the socket off;
 * "[::]@53" is accepted like "::@53"; bad values are FILE:LINE errors. */
START_TEST(test_server_ops_keys)
{
	capture_t cap;
	const char *zones = "views:\n"
			    "  - {name: a, match-clients: [any], zones: [{name: x, file: x.zone}]}\n";
	char text[512];
	snprintf(text, sizeof(text), "server: {listen: [127.0.0.1@5300]}\n%s", zones);
	conf_t *c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_str_eq(c->control, "/run/horizond/control");
	ck_assert_ptr_null(c->metrics);
	ck_assert_ptr_null(c->user);
	ck_assert(!c->query_log);
	ck_assert_int_eq(c->views[0].query_log, -1);
	conf_free(&c);
	capture_end(&cap);
	snprintf(text, sizeof(text), "server: {listen: ['[::]@5300'], control: run/ctl, "
		 "metrics: 127.0.0.1, user: horizond, query-log: true}\n"
		 "views:\n  - {name: a, match-clients: [any], query-log: false, "
		 "zones: [{name: x, file: x.zone}]}\n");
	c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert(c->query_log);
	ck_assert_int_eq(c->views[0].query_log, 0);
	ck_assert_int_eq(c->listen[0].ss.ss_family, AF_INET6);
	ck_assert_str_eq(c->control, "/etc/horizond/run/ctl");
	ck_assert_ptr_nonnull(c->metrics);
	ck_assert_uint_eq(ntohs(((const struct sockaddr_in *)&c->metrics->ss)->sin_port), 9153);
	ck_assert_str_eq(c->user, "horizond");
	conf_free(&c);
	capture_end(&cap);
	snprintf(text, sizeof(text), "server: {listen: [127.0.0.1@5300], control: \"\", "
		 "metrics: '[::1]@9100'}\n%s", zones);
	c = tl_conf(&cap, text);
	ck_assert_msg(c != NULL, "errors: %s", capture_text(&cap));
	ck_assert_str_eq(c->control, "");
	ck_assert_int_eq(c->metrics->ss.ss_family, AF_INET6);
	conf_free(&c);
	capture_end(&cap);
	snprintf(text, sizeof(text), "server:\n  listen: [127.0.0.1@5300]\n  metrics: nowhere@1\n"
		 "  user: [a]\n%s", zones);
	tl_conf_refused(text, "/etc/horizond/test.yaml:3: server.metrics: 'nowhere@1': bad address");
	tl_conf_refused(text, "/etc/horizond/test.yaml:4: server.user: expected a string");
	char longpath[200];
	memset(longpath, 'p', 150);
	longpath[0] = '/';
	longpath[150] = '\0';
	snprintf(text, sizeof(text), "server:\n  listen: [127.0.0.1@5300]\n  control: %s\n%s",
		 longpath, zones);
	tl_conf_refused(text, "/etc/horizond/test.yaml:3: server.control: longer than 107 bytes");
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_good_full);
	tcase_add_test(tc, test_good_minimal_defaults);
	tcase_add_test(tc, test_good_tags);
	tcase_add_test(tc, test_tcp_max_lifetime);
	tcase_add_test(tc, test_cache_ttl_caps);
	tcase_add_test(tc, test_relative_config_path);
	tcase_add_test(tc, test_acl_nesting_limit_ok);
	tcase_add_test(tc, test_good_interface_example);
	tcase_add_test(tc, test_ipv6_in_lists);
	tcase_add_test(tc, test_unquoted_hints);
	tcase_add_test(tc, test_empty_identity_and_version);
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_forwarders_without_recursion_warns);
	tcase_add_test(tc, test_garbage_does_not_crash);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad_corpus, 0, (int)NBAD);
	tcase_add_test(tc, test_bad_corpus_complete);
	suite_add_tcase(s, tc);

	tc = tcase_create("check_views");
	tcase_add_test(tc, test_views_unreachable_after_any);
	tcase_add_test(tc, test_views_unreachable_covered);
	tcase_add_test(tc, test_views_reachable_silent);
	tcase_add_test(tc, test_views_destinations_shadow);
	tcase_add_test(tc, test_views_no_zones);
	suite_add_tcase(s, tc);

	tc = tcase_create("public");
	tcase_add_test(tc, test_reaches_public);
	tcase_add_test(tc, test_addr_is_private);
	tcase_add_test(tc, test_state_dir);
	tcase_add_test(tc, test_secondary_zones);
	tcase_add_test(tc, test_server_ops_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("writable_files");
	tcase_add_test(tc, test_writable_file_shared_with_another_view);
	tcase_add_test(tc, test_readonly_file_shared_is_fine);
	tcase_add_test(tc, test_dnssec_keys);
	tcase_add_test(tc, test_writable_file_other_spelling);
	tcase_add_test(tc, test_key_elements);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(conf_suite());
}

/* test_nat.c -- unit tests for the NAT map: prefixes, translation, overlap
 * checks, the nat: config section, zone rewrite and router rules text.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "conf.h"
#include "nat.h"
#include "testlib.h"
#include "zonefile.h"

static nat_rule_t
rule(const char *pub, const char *priv, unsigned long line)
{
	nat_rule_t r;
	const char *why = NULL;
	memset(&r, 0, sizeof(r));
	ck_assert_msg(nat_parse_prefix(pub, true, &r.pub, &why) == 0, "%s: %s", pub, why);
	ck_assert_msg(nat_parse_prefix(priv, true, &r.priv, &why) == 0, "%s: %s", priv, why);
	r.line = line;
	return r;
}

/* Translate text address through m; "" if not covered. */
static const char *
xlate(const nat_map_t *m, const char *addr)
{
	static char out[INET6_ADDRSTRLEN];
	uint8_t a[16], o[16];
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(fam, addr, a), 1);
	if (nat_map_translate(m, fam, a, o) == NULL)
		return "";
	ck_assert_ptr_nonnull(inet_ntop(fam, o, out, sizeof(out)));
	return out;
}

START_TEST(test_parse_prefix)
{
	nat_prefix_t p;
	const char *why = NULL;
	char buf[64];
	ck_assert_int_eq(nat_parse_prefix("203.0.113.10", true, &p, &why), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_int_eq(p.len, 32);
	nat_prefix_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "203.0.113.10");
	ck_assert_int_eq(nat_parse_prefix("2001:db8:1::/64", true, &p, &why), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_int_eq(p.len, 64);
	nat_prefix_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8:1::/64");

	ck_assert_int_eq(nat_parse_prefix("203.0.113.17/28", true, &p, &why), -1);
	ck_assert_has(why, "host bits");
	ck_assert_int_eq(nat_parse_prefix("192.168.1.1/24", false, &p, &why), 0);
	nat_prefix_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.168.1.0/24");
	ck_assert_int_eq(nat_parse_prefix("203.0.113.0/33", true, &p, &why), -1);
	ck_assert_has(why, "0 to 32");
	ck_assert_int_eq(nat_parse_prefix("fd00::/129", true, &p, &why), -1);
	ck_assert_int_eq(nat_parse_prefix("203.0.113.0/", true, &p, &why), -1);
	ck_assert_int_eq(nat_parse_prefix("203.0.113.0/2x", true, &p, &why), -1);
	ck_assert_int_eq(nat_parse_prefix("www.example.com", true, &p, &why), -1);
	ck_assert_int_eq(nat_parse_prefix("", true, &p, &why), -1);
	ck_assert_int_eq(nat_parse_prefix("203.0.113.256", true, &p, &why), -1);
}
END_TEST

START_TEST(test_parse_port)
{
	nat_port_t p;
	const char *why = NULL;
	ck_assert_int_eq(nat_parse_port("80/tcp", &p, &why), 0);
	ck_assert_int_eq(p.port, 80);
	ck_assert_int_eq(p.proto, NAT_PROTO_TCP);
	ck_assert_int_eq(nat_parse_port("53/udp", &p, &why), 0);
	ck_assert_int_eq(p.proto, NAT_PROTO_UDP);
	ck_assert_int_eq(nat_parse_port("65535/tcp", &p, &why), 0);
	ck_assert_int_eq(nat_parse_port("80", &p, &why), -1);
	ck_assert_int_eq(nat_parse_port("0/tcp", &p, &why), -1);
	ck_assert_int_eq(nat_parse_port("65536/tcp", &p, &why), -1);
	ck_assert_int_eq(nat_parse_port("80/sctp", &p, &why), -1);
	ck_assert_int_eq(nat_parse_port("/tcp", &p, &why), -1);
	ck_assert_int_eq(nat_parse_port("8o/tcp", &p, &why), -1);
}
END_TEST

START_TEST(test_translate)
{
	nat_rule_t rules[3] = {
		rule("203.0.113.10", "192.168.1.20", 1),
		rule("203.0.113.16/28", "192.168.1.32/28", 2),
		rule("2001:db8:1::/64", "fd00:1::/64", 3),
	};
	nat_map_t m = { .rules = rules, .nrules = 3 };
	/* v4 single */
	ck_assert_str_eq(xlate(&m, "203.0.113.10"), "192.168.1.20");
	ck_assert_str_eq(xlate(&m, "203.0.113.11"), "");
	/* v4 prefix keeps host bits */
	ck_assert_str_eq(xlate(&m, "203.0.113.16"), "192.168.1.32");
	ck_assert_str_eq(xlate(&m, "203.0.113.23"), "192.168.1.39");
	ck_assert_str_eq(xlate(&m, "203.0.113.31"), "192.168.1.47");
	ck_assert_str_eq(xlate(&m, "203.0.113.32"), "");
	ck_assert_str_eq(xlate(&m, "203.0.113.15"), "");
	/* v6 prefix */
	ck_assert_str_eq(xlate(&m, "2001:db8:1::20"), "fd00:1::20");
	ck_assert_str_eq(xlate(&m, "2001:db8:1:0:abcd:ef01:2345:6789"),
			 "fd00:1::abcd:ef01:2345:6789");
	ck_assert_str_eq(xlate(&m, "2001:db8:1:1::20"), "");
	/* families never cross */
	ck_assert_str_eq(xlate(&m, "::ffff:203.0.113.10"), "");

	/* A prefix length that is not a multiple of 8: /27 keeps 5 host bits. */
	nat_rule_t odd = rule("198.51.100.96/27", "10.9.8.224/27", 1);
	nat_map_t m2 = { .rules = &odd, .nrules = 1 };
	ck_assert_str_eq(xlate(&m2, "198.51.100.117"), "10.9.8.245");
	/* /60 in IPv6 */
	nat_rule_t v6 = rule("2001:db8:0:10::/60", "fd12:3456:789a:f0::/60", 1);
	nat_map_t m3 = { .rules = &v6, .nrules = 1 };
	ck_assert_str_eq(xlate(&m3, "2001:db8:0:1a::1"), "fd12:3456:789a:fa::1");
	ck_assert_str_eq(xlate(NULL, "203.0.113.10"), "");
}
END_TEST

/* Collect nat_map_check reports. */
typedef struct reports {
	unsigned n;
	unsigned long lines[8];
	char text[1024];
} reports_t;

static void
report_cb(void *ctx, unsigned long line, const char *msg)
{
	reports_t *r = ctx;
	if (r->n < 8)
		r->lines[r->n] = line;
	r->n++;
	strncat(r->text, msg, sizeof(r->text) - strlen(r->text) - 2);
	strcat(r->text, "\n");
}

START_TEST(test_overlaps)
{
	nat_rule_t ok_rules[3] = {
		rule("203.0.113.10", "192.168.1.20", 5),
		rule("203.0.113.16/28", "192.168.1.32/28", 8),
		rule("2001:db8:1::/64", "fd00:1::/64", 11),
	};
	nat_map_t ok = { .rules = ok_rules, .nrules = 3 };
	reports_t r = { 0 };
	ck_assert_uint_eq(nat_map_check(&ok, report_cb, &r), 0);

	/* public inside another mapping's public prefix */
	nat_rule_t pub[2] = {
		rule("203.0.113.16/28", "192.168.1.16/28", 5),
		rule("203.0.113.20", "192.168.1.100", 9),
	};
	nat_map_t mp = { .rules = pub, .nrules = 2 };
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(nat_map_check(&mp, report_cb, &r), 1);
	ck_assert_uint_eq(r.lines[0], 9);
	ck_assert_has(r.text, "public 203.0.113.20 overlaps public 203.0.113.16/28 "
					     "of the mapping at line 5");

	/* two mappings to the same private host */
	nat_rule_t priv[2] = {
		rule("203.0.113.10", "192.168.1.20", 3),
		rule("198.51.100.10", "192.168.1.20", 4),
	};
	nat_map_t mv = { .rules = priv, .nrules = 2 };
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(nat_map_check(&mv, report_cb, &r), 1);
	ck_assert_uint_eq(r.lines[0], 4);
	ck_assert_has(r.text, "private 192.168.1.20 overlaps private");

	/* IPv6 prefixes overlapping */
	nat_rule_t six[2] = {
		rule("2001:db8:1::/48", "fd00:1::/48", 3),
		rule("2001:db8:1:5::/64", "fd00:2::/64", 7),
	};
	nat_map_t m6 = { .rules = six, .nrules = 2 };
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(nat_map_check(&m6, report_cb, &r), 1);
	ck_assert_uint_eq(r.lines[0], 7);

	/* an address both public (one mapping) and private (another) */
	nat_rule_t cross[2] = {
		rule("10.0.0.0/24", "192.168.1.0/24", 3),
		rule("203.0.113.0/24", "10.0.0.0/24", 6),
	};
	nat_map_t mc = { .rules = cross, .nrules = 2 };
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(nat_map_check(&mc, report_cb, &r), 1);
	ck_assert_has(r.text, "both public and private");

	/* a mapping onto itself */
	nat_rule_t self = rule("192.168.1.0/24", "192.168.1.0/24", 2);
	nat_map_t ms = { .rules = &self, .nrules = 1 };
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(nat_map_check(&ms, report_cb, &r), 1);

	/* rule_check: families and lengths */
	nat_rule_t mixed = rule("203.0.113.10", "fd00::20", 1);
	ck_assert_ptr_nonnull(strstr(nat_rule_check(&mixed), "different families"));
	nat_rule_t len = rule("203.0.113.0/28", "192.168.1.0/24", 1);
	ck_assert_ptr_nonnull(strstr(nat_rule_check(&len), "different lengths"));
	ck_assert_ptr_null(nat_rule_check(&ok_rules[1]));
}
END_TEST

#define CONF_HEAD "server:\n  listen: [127.0.0.1@5300]\n"
#define CONF_VIEWS                                  \
	"views:\n"                                  \
	"  - name: internal\n"                      \
	"    match-clients: [any]\n"                \
	"    zones:\n"                              \
	"      - name: example.com\n"               \
	"        file: example.com.zone\n"          \
	"        translate: nat\n"

START_TEST(test_conf_good)
{
	capture_t cap;
	conf_t *c = tl_conf(&cap, CONF_HEAD
			       "nat:\n"                                   /* 3 */
			       "  apply: false\n"
			       "  wan-interface: eth0\n"
			       "  lan: [192.168.1.0/24, \"fd00:1::/64\"]\n"
			       "  map:\n"
			       "    - public: 203.0.113.10\n"                /* 8 */
			       "      private: 192.168.1.20\n"
			       "      ports: [80/tcp, 443/tcp, 53/udp]\n"
			       "    - { public: 203.0.113.16/28, private: 192.168.1.32/28 }\n"
			       "    - public: \"2001:db8:1::/64\"\n"
			       "      private: \"fd00:1::/64\"\n"
			       CONF_VIEWS);
	ck_assert_msg(c != NULL, "%s", capture_text(&cap));
	ck_assert_ptr_nonnull(c->nat);
	ck_assert_uint_eq(c->nat->nrules, 3);
	ck_assert_uint_eq(c->nat->rules[0].line, 8);
	ck_assert_uint_eq(c->nat->rules[0].nports, 3);
	ck_assert_uint_eq(c->nat->rules[0].ports[2].proto, NAT_PROTO_UDP);
	ck_assert_uint_eq(c->nat->nlan, 2);
	ck_assert_str_eq(c->nat->wan_interface, "eth0");
	ck_assert(!c->nat->apply);
	ck_assert(c->views[0].zones[0].translate_nat);
	conf_free(&c);
	capture_end(&cap);

	/* the short form: nat is the list of mappings */
	c = tl_conf(&cap, CONF_HEAD
		       "nat:\n"
		       "  - public: 203.0.113.10\n"
		       "    private: 192.168.1.20\n"
		       CONF_VIEWS);
	ck_assert_msg(c != NULL, "%s", capture_text(&cap));
	ck_assert_uint_eq(c->nat->nrules, 1);
	ck_assert_uint_eq(c->nat->nlan, 0);
	ck_assert_ptr_null(c->nat->wan_interface);
	conf_free(&c);
	capture_end(&cap);
}
END_TEST

START_TEST(test_conf_bad)
{
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.10\n"
			"    private: 192.168.1.20\n"
			"  - public: 203.0.113.10\n"               /* 6 */
			"    private: 192.168.1.21\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:6: nat: public 203.0.113.10 overlaps public "
			"203.0.113.10 of the mapping at line 4");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.0/28\n"             /* 4 */
			"    private: 192.168.1.0/24\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat mapping: public and private prefixes "
			"have different lengths");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.10\n"               /* 4 */
			"    private: \"fd00::20\"\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat mapping: public and private are of "
			"different families");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.17/28\n"            /* 4 */
			"    private: 192.168.1.16/28\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat: public: '203.0.113.17/28': host bits set");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.10\n"
			"    private: 192.168.1.300\n"             /* 5 */
			CONF_VIEWS,
			"/etc/horizond/test.yaml:5: nat: private: '192.168.1.300': bad address");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.10\n"               /* 4 */
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat mapping: missing required key 'private'");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.10\n"
			"    private: 192.168.1.20\n"
			"    ports: [80/tcp, 8080]\n"              /* 6 */
			CONF_VIEWS,
			"/etc/horizond/test.yaml:6: nat: ports: '8080': expected port/protocol");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  - public: 203.0.113.10\n"
			"    private: 192.168.1.20\n"
			"    port: [80/tcp]\n"                     /* 6 */
			CONF_VIEWS,
			"/etc/horizond/test.yaml:6: unknown key 'port' in a nat mapping");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  lan: [192.168.1.0/33]\n"                /* 4 */
			"  map: []\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat: lan: '192.168.1.0/33': prefix length");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  apply: true\n"                         /* 4: where the map starts */
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat: missing required key 'map'");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  wan-interface: \"eth 0\"\n"              /* 4 */
			"  map: [{public: 203.0.113.10, private: 192.168.1.20}]\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat: wan-interface: 'eth 0' is not an "
			"interface name");
	tl_conf_refused(CONF_HEAD
			"nat:\n"
			"  apply: maybe\n"                         /* 4 */
			"  map: [{public: 203.0.113.10, private: 192.168.1.20}]\n"
			CONF_VIEWS,
			"/etc/horizond/test.yaml:4: nat: apply: expected true or false");
	/* translate: nat without a map; a translation that does not exist */
	tl_conf_refused(CONF_HEAD CONF_VIEWS,
			"/etc/horizond/test.yaml:7: view 'internal': zone example.com: "
			"translate: nat, but the configuration has no nat mappings");
	tl_conf_refused(CONF_HEAD
			"views:\n"
			"  - name: internal\n"
			"    match-clients: [any]\n"
			"    zones:\n"
			"      - name: example.com\n"
			"        file: example.com.zone\n"
			"        translate: nat64\n",             /* 9 */
			"/etc/horizond/test.yaml:9: view 'internal': zone: translate: unknown "
			"translation 'nat64'");
	tl_conf_refused(CONF_HEAD "nat: 5\n" CONF_VIEWS,
			"/etc/horizond/test.yaml:3: nat: expected a list of mappings or a map");
}
END_TEST

static const char zone_text[] =
	"$ORIGIN example.com.\n"
	"$TTL 300\n"
	"@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"@ IN NS ns1\n"
	"ns1 IN A 198.51.100.53\n"
	"www IN A 203.0.113.10\n"
	"www IN AAAA 2001:db8:1::20\n"
	"Both IN A 203.0.113.10\n"
	"both IN A 192.168.1.20\n"
	"host IN A 203.0.113.23\n"
	"txt IN TXT \"203.0.113.10\"\n";

START_TEST(test_zone_rewrite)
{
	nat_rule_t rules[3] = {
		rule("203.0.113.10", "192.168.1.20", 1),
		rule("203.0.113.16/28", "192.168.1.32/28", 2),
		rule("2001:db8:1::/64", "fd00:1::/64", 3),
	};
	nat_map_t m = { .rules = rules, .nrules = 3 };
	capture_t cap;
	capture_start(&cap);
	zonefile_t *zf = zonefile_parse("example.com", "/tmp/example.com.zone", zone_text,
					strlen(zone_text), &cap.d);
	ck_assert_msg(zf != NULL, "%s", capture_text(&cap));
	ck_assert_uint_eq(zf->count, 9);
	ck_assert_uint_eq(nat_zonefile_translate(zf, &m), 4);
	/* "Both A 203.0.113.10" became "both A 192.168.1.20": one is dropped */
	ck_assert_uint_eq(zf->count, 8);
	ck_assert_ptr_nonnull(zf->soa);
	ck_assert_uint_eq(zf->soa->type, 6);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	ck_assert_int_eq(nat_zonefile_print(zf, out), 0);
	fclose(out);
	ck_assert_str_eq(text,
			 "example.com.\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n"
			 "example.com.\t300\tIN\tNS\tns1.example.com.\n"
			 "ns1.example.com.\t300\tIN\tA\t198.51.100.53\n"
			 "www.example.com.\t300\tIN\tA\t192.168.1.20\n"
			 "www.example.com.\t300\tIN\tAAAA\tfd00:1::20\n"
			 "Both.example.com.\t300\tIN\tA\t192.168.1.20\n"
			 "host.example.com.\t300\tIN\tA\t192.168.1.39\n"
			 "txt.example.com.\t300\tIN\tTXT\t\"203.0.113.10\"\n");
	free(text);
	/* translating again changes nothing: private addresses are not public */
	ck_assert_uint_eq(nat_zonefile_translate(zf, &m), 0);
	zonefile_free(&zf);
	capture_end(&cap);
}
END_TEST

START_TEST(test_same_translation)
{
	nat_rule_t a[2] = { rule("203.0.113.10", "192.168.1.20", 1),
			    rule("2001:db8:1::/64", "fd00:1::/64", 2) };
	nat_rule_t b[2] = { rule("203.0.113.10", "192.168.1.20", 7),
			    rule("2001:db8:1::/64", "fd00:1::/64", 9) };
	nat_rule_t c[2] = { rule("203.0.113.10", "192.168.1.21", 1),
			    rule("2001:db8:1::/64", "fd00:1::/64", 2) };
	nat_map_t ma = { .rules = a, .nrules = 2 }, mb = { .rules = b, .nrules = 2 };
	nat_map_t mc = { .rules = c, .nrules = 2 }, m1 = { .rules = a, .nrules = 1 };
	b[0].nports = 0;
	ck_assert(nat_map_same_translation(&ma, &mb));
	ck_assert(!nat_map_same_translation(&ma, &mc));
	ck_assert(!nat_map_same_translation(&ma, &m1));
	ck_assert(!nat_map_same_translation(&ma, NULL));
	ck_assert(nat_map_same_translation(NULL, NULL));
}
END_TEST

/* A response: header, question www.example.net A, then records of
 * (type, rdata) with owner pointers to the question. */
static size_t
doctor_msg(uint8_t *buf, const uint16_t *types, const uint8_t (*rdata)[16],
	   const uint8_t *rdlen, unsigned n)
{
	static const uint8_t head[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
		0, 1, 0, 1,
	};
	size_t len = sizeof(head);
	memcpy(buf, head, len);
	buf[7] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t rr[12] = { 0xC0, 0x0C, (uint8_t)(types[i] >> 8), (uint8_t)types[i], 0, 1,
				   0, 0, 1, 0x2c, 0, rdlen[i] };
		memcpy(buf + len, rr, 12);
		memcpy(buf + len + 12, rdata[i], rdlen[i]);
		len += 12 + rdlen[i];
	}
	return len;
}

START_TEST(test_doctor_message)
{
	nat_rule_t rules[2] = {
		rule("203.0.113.10", "192.168.1.20", 1),
		rule("2001:db8:1::/64", "fd00:1::/64", 2),
	};
	nat_map_t m = { .rules = rules, .nrules = 2 };
	uint8_t buf[512];
	static const uint8_t rd[4][16] = {
		{ 203, 0, 113, 10 },
		{ 198, 51, 100, 7 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25 },
		{ 0 },
	};
	uint16_t types[3] = { 1, 1, 28 };
	uint8_t lens[3] = { 4, 4, 16 };
	size_t len = doctor_msg(buf, types, rd, lens, 3);
	buf[3] |= 0x20;   /* AD, as from a validating upstream */
	ck_assert_uint_eq(nat_doctor_message(&m, buf, len), 2);
	ck_assert_uint_eq(buf[3] & 0x20, 0);   /* rewritten: no longer validated */
	/* first A rewritten, second untouched, AAAA by prefix with host bits */
	const uint8_t *a1 = buf + 33 + 12, *a2 = a1 + 4 + 12, *a3 = a2 + 4 + 12;
	ck_assert_mem_eq(a1, ((const uint8_t[]){ 192, 168, 1, 20 }), 4);
	ck_assert_mem_eq(a2, ((const uint8_t[]){ 198, 51, 100, 7 }), 4);
	ck_assert_mem_eq(a3, ((const uint8_t[]){ 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25 }), 16);
	/* with an RRSIG in the message nothing changes */
	uint16_t stypes[2] = { 1, 46 };
	uint8_t slens[2] = { 4, 4 };
	len = doctor_msg(buf, stypes, rd, slens, 2);
	buf[3] |= 0x20;
	ck_assert_uint_eq(nat_doctor_message(&m, buf, len), 0);
	ck_assert_uint_eq(buf[3] & 0x20, 0x20);   /* untouched: AD stays */
	ck_assert_mem_eq(buf + 33 + 12, ((const uint8_t[]){ 203, 0, 113, 10 }), 4);
	/* a record cut short: nothing changes */
	len = doctor_msg(buf, types, rd, lens, 1);
	ck_assert_uint_eq(nat_doctor_message(&m, buf, len - 1), 0);
	ck_assert_uint_eq(nat_doctor_message(NULL, buf, len), 0);
}
END_TEST

static nat_map_t *
golden_map(void)
{
	static nat_rule_t rules[3];
	static nat_port_t ports[3] = { { 80, NAT_PROTO_TCP }, { 443, NAT_PROTO_TCP },
				       { 53, NAT_PROTO_UDP } };
	static nat_prefix_t lan[2];
	static nat_map_t m;
	const char *why;
	rules[0] = rule("203.0.113.10", "192.168.1.20", 1);
	rules[0].ports = ports;
	rules[0].nports = 3;
	rules[1] = rule("203.0.113.16/28", "192.168.1.32/28", 2);
	rules[2] = rule("2001:db8:1::/64", "fd00:1::/64", 3);
	ck_assert_int_eq(nat_parse_prefix("192.168.1.0/24", false, &lan[0], &why), 0);
	ck_assert_int_eq(nat_parse_prefix("fd00:1::/64", false, &lan[1], &why), 0);
	m = (nat_map_t){ .rules = rules, .nrules = 3, .lan = lan, .nlan = 2,
			 .wan_interface = "eth0" };
	return &m;
}

START_TEST(test_rules_nft)
{
	const char *why = NULL;
	char *text = nat_rules_render(golden_map(), NAT_RULES_NFTABLES, &why);
	ck_assert_msg(text != NULL, "%s", why);
	ck_assert_str_eq(text,
		"# horizond NAT rules (nftables), generated by horizond --nat-rules nftables.\n"
		"# Load with: nft -f FILE (needs CAP_NET_ADMIN). Loading it again replaces\n"
		"# table inet horizond as a whole, in one transaction; nothing else is touched.\n"
		"table inet horizond\n"
		"delete table inet horizond\n"
		"table inet horizond {\n"
		"\tset lan4 {\n"
		"\t\ttype ipv4_addr\n"
		"\t\tflags interval\n"
		"\t\telements = { 192.168.1.0/24 }\n"
		"\t}\n"
		"\tset lan6 {\n"
		"\t\ttype ipv6_addr\n"
		"\t\tflags interval\n"
		"\t\telements = { fd00:1::/64 }\n"
		"\t}\n"
		"\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tip daddr 203.0.113.10 tcp dport { 80, 443 } dnat ip to 192.168.1.20\n"
		"\t\tip daddr 203.0.113.10 udp dport { 53 } dnat ip to 192.168.1.20\n"
		"\t\tip daddr 203.0.113.16/28 dnat ip prefix to ip daddr map { 203.0.113.16/28 : 192.168.1.32/28 }\n"
		"\t\tip6 daddr 2001:db8:1::/64 dnat ip6 prefix to ip6 daddr map { 2001:db8:1::/64 : fd00:1::/64 }\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\tip saddr @lan4 ip daddr 192.168.1.20 ct status dnat ct original ip daddr 203.0.113.10 masquerade\n"
		"\t\tip saddr @lan4 ip daddr 192.168.1.32/28 ct status dnat ct original ip daddr 203.0.113.16/28 masquerade\n"
		"\t\tip6 saddr @lan6 ip6 daddr fd00:1::/64 ct status dnat ct original ip6 daddr 2001:db8:1::/64 masquerade\n"
		"\t\toifname \"eth0\" ip saddr 192.168.1.32/28 snat ip prefix to ip saddr map { 192.168.1.32/28 : 203.0.113.16/28 }\n"
		"\t\toifname \"eth0\" ip6 saddr fd00:1::/64 snat ip6 prefix to ip6 saddr map { fd00:1::/64 : 2001:db8:1::/64 }\n"
		"\t}\n"
		"}\n");
	free(text);
}
END_TEST

START_TEST(test_rules_iptables)
{
	const char *why = NULL;
	char *text = nat_rules_render(golden_map(), NAT_RULES_IPTABLES, &why);
	ck_assert_msg(text != NULL, "%s", why);
	ck_assert_str_eq(text,
		"# horizond NAT rules (iptables), generated by horizond --nat-rules iptables.\n"
		"# Load with: iptables-restore < FILE (needs CAP_NET_ADMIN). This replaces the whole\n"
		"# nat table: the built-in chains only jump to the HORIZOND-* chains.\n"
		"*nat\n"
		":PREROUTING ACCEPT [0:0]\n"
		":INPUT ACCEPT [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n"
		":POSTROUTING ACCEPT [0:0]\n"
		":HORIZOND-PREROUTING - [0:0]\n"
		":HORIZOND-POSTROUTING - [0:0]\n"
		"-A PREROUTING -j HORIZOND-PREROUTING\n"
		"-A POSTROUTING -j HORIZOND-POSTROUTING\n"
		"-A HORIZOND-PREROUTING -d 203.0.113.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.20\n"
		"-A HORIZOND-PREROUTING -d 203.0.113.10/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 192.168.1.20\n"
		"-A HORIZOND-PREROUTING -d 203.0.113.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 192.168.1.20\n"
		"-A HORIZOND-PREROUTING -d 203.0.113.16/28 -j NETMAP --to 192.168.1.32/28\n"
		"-A HORIZOND-POSTROUTING -s 192.168.1.0/24 -d 192.168.1.20/32 -m conntrack --ctstate DNAT --ctorigdst 203.0.113.10/32 -j MASQUERADE\n"
		"-A HORIZOND-POSTROUTING -s 192.168.1.0/24 -d 192.168.1.32/28 -m conntrack --ctstate DNAT --ctorigdst 203.0.113.16/28 -j MASQUERADE\n"
		"-A HORIZOND-POSTROUTING -o eth0 -s 192.168.1.32/28 -j NETMAP --to 203.0.113.16/28\n"
		"COMMIT\n");
	free(text);

	text = nat_rules_render(golden_map(), NAT_RULES_IP6TABLES, &why);
	ck_assert_msg(text != NULL, "%s", why);
	ck_assert_has(text, "-A HORIZOND-PREROUTING -d 2001:db8:1::/64 -j NETMAP --to fd00:1::/64\n");
	ck_assert_ptr_null(strstr(text, "203.0.113"));
	free(text);
}
END_TEST

START_TEST(test_rules_errors)
{
	const char *why = NULL;
	nat_map_t *m = golden_map();
	enum nat_rules_format f;
	ck_assert_int_eq(nat_rules_parse_format("nftables", &f), 0);
	ck_assert_int_eq(f, NAT_RULES_NFTABLES);
	ck_assert_int_eq(nat_rules_parse_format("iptables", &f), 0);
	ck_assert_int_eq(f, NAT_RULES_IPTABLES);
	ck_assert_int_eq(nat_rules_parse_format("pf", &f), -1);

	ck_assert_ptr_null(nat_rules_render(NULL, NAT_RULES_NFTABLES, &why));
	ck_assert_has(why, "no nat mappings");
	/* hairpin rules need LAN prefixes of the family */
	m->nlan = 1;   /* IPv4 only */
	ck_assert_ptr_null(nat_rules_render(m, NAT_RULES_NFTABLES, &why));
	ck_assert_has(why, "no IPv6 prefix");
	char *text = nat_rules_render(m, NAT_RULES_IPTABLES, &why);
	ck_assert_ptr_nonnull(text);
	free(text);
	m->nlan = 0;
	ck_assert_ptr_null(nat_rules_render(m, NAT_RULES_IPTABLES, &why));
	ck_assert_has(why, "no IPv4 prefix");
	/* a family with no mapping */
	m->nlan = 2;
	m->nrules = 2;   /* IPv4 only */
	ck_assert_ptr_null(nat_rules_render(m, NAT_RULES_IP6TABLES, &why));
	ck_assert_has(why, "no IPv6 mapping");
	/* no wan-interface: no outbound SNAT */
	m->wan_interface = NULL;
	text = nat_rules_render(m, NAT_RULES_NFTABLES, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "snat"));
	ck_assert_ptr_null(strstr(text, "lan6"));
	free(text);
}
END_TEST

static Suite *
nat_suite(void)
{
	Suite *s = suite_create("nat");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_prefix);
	tcase_add_test(tc, test_parse_port);
	tcase_add_test(tc, test_translate);
	tcase_add_test(tc, test_doctor_message);
	tcase_add_test(tc, test_overlaps);
	tcase_add_test(tc, test_conf_good);
	tcase_add_test(tc, test_conf_bad);
	tcase_add_test(tc, test_zone_rewrite);
	tcase_add_test(tc, test_same_translation);
	tcase_add_test(tc, test_rules_nft);
	tcase_add_test(tc, test_rules_iptables);
	tcase_add_test(tc, test_rules_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(nat_suite());
}

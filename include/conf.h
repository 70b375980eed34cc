/* conf.h -- the YAML configuration, parsed with libyaml into conf_t.
 *
 * conf_load() reads the whole file, reports every problem as FILE:LINE
 * through a diag_t and returns NULL if there was any error. The conf_t owns
 * all its memory (one arena); conf_free() releases it. Modules are built from
 * conf_t, never from YAML. Relative paths (zone files) are resolved against
 * the config file's directory when loading, so conf_zone_t.path is usable as
 * it is.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_CONF_H
#define HZ_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "diag.h"

#define CONF_DEFAULT_STATE_DIR "/var/lib/horizond"
#define CONF_DEFAULT_CONTROL "/run/horizond/control"
#define CONF_DEFAULT_METRICS_PORT 9153

typedef struct conf_sockaddr {
	struct sockaddr_storage ss;  /* address and port */
	socklen_t len;
	const char *text;            /* as written, e.g. "127.0.0.1@5300" */
	unsigned long line;
} conf_sockaddr_t;

/* keys: a TSIG key for dynamic updates (docs/dynamic-updates.md). */
typedef struct conf_key {
	const char *name;            /* as written, e.g. "dhcp-key" */
	const char *algorithm;       /* "hmac-sha256", "hmac-sha1", ... (lower case) */
	const char *secret;          /* base64, as written (checked) */
	unsigned long line;
} conf_key_t;

/* One element of a zone's allow-update list: "key NAME" (the update is
 * TSIG-signed with that key) or an address-match element. The first element
 * that matches decides; no match, or no list, refuses the update. */
typedef struct conf_update_elem {
	const conf_key_t *key;       /* non-NULL: a key element */
	acl_elem_t addr;             /* otherwise: address, prefix, ACL, any, none, !x */
	unsigned long line;
} conf_update_elem_t;

typedef struct conf_zone {
	const char *name;            /* as written, e.g. "example.com" */
	const char *file;            /* as written */
	const char *path;            /* resolved against the config directory */
	unsigned long line;
	bool translate_nat;          /* translate: nat -- serve with conf_t.nat applied */
	/* dynamic updates (RFC 2136) and synthesized reverse answers */
	conf_update_elem_t *allow_update;   /* NULL: updates refused */
	size_t nallow_update;
	bool auto_ptr;               /* PTR answers for the zone's A/AAAA records */
	const acl_t *allow_transfer; /* who may AXFR/IXFR it (key NAME elements too);
	                                NULL: nobody (REFUSED) */
	const char *state_dir;       /* conf_t.state_dir (compacted journals go there) */
	/* online signing (docs/dnssec.md "Online signing"); keys under state_dir */
	bool dnssec_signing;         /* dnssec-signing: true */
	int dnssec_algorithm;        /* dnssec-algorithm: ldns algorithm number, default 13
	                                (ECDSAP256SHA256); 15 with "ed25519" */
	bool dnssec_ksk_zsk;         /* dnssec-keys: ksk-zsk (default csk: one key) */
	bool dnssec_nsec3;           /* dnssec-nsec3: true -- RFC 9276: 0 iterations, no salt */
	unsigned dnssec_validity;    /* dnssec-validity: RRSIG lifetime, seconds, default 14 days */
	unsigned dnssec_zsk_lifetime;/* dnssec-zsk-lifetime: ZSK roll period, seconds, default 90 days */
	int dnssec_serial;           /* dnssec-serial: how signing raises the served SOA serial,
	                                CONF_SERIAL_* (default increment) */
	unsigned long dnssec_line;   /* line of the dnssec-signing key */
	/* zone transfers in and NOTIFY (docs/transfers.md) */
	conf_sockaddr_t *notify;     /* NOTIFY targets after every new serial; port 53 if not given */
	size_t nnotify;
	conf_sockaddr_t *primaries;  /* non-empty: a secondary zone; port 53 if not given */
	size_t nprimaries;
	const conf_key_t *transfer_key;  /* signs SOA queries and transfers in; NULL: unsigned */
	const acl_t *allow_notify;   /* secondary zones: who besides the primaries may NOTIFY
	                                (key NAME elements too); NULL: the primaries only */
	const conf_key_t *notify_key;    /* signs NOTIFY out (answers must be signed back); NULL: unsigned */
	const char *view_name;       /* the view the zone is in (names a secondary's copy) */
} conf_zone_t;

/* dnssec-serial (BIND's serial-update-method, Knot's serial-policy) */
enum { CONF_SERIAL_INCREMENT, CONF_SERIAL_UNIXTIME, CONF_SERIAL_DATE };

/* Is cz a secondary zone (primaries: given)? */
static inline bool
conf_zone_secondary(const conf_zone_t *cz)
{
	return cz->nprimaries > 0;
}


/* A view's rate-limit: map (response rate limiting, rrl.h), BIND's names
 * and defaults. A rate of 0 leaves that class of answers unlimited. */
typedef struct conf_rate_limit {
	unsigned responses_per_second;    /* answers with data, NODATA, referrals */
	unsigned errors_per_second;       /* REFUSED, SERVFAIL, FORMERR...; default: responses */
	unsigned nxdomains_per_second;    /* NXDOMAIN; default: responses */
	unsigned slip;                    /* every slip-th limited answer goes out as TC; 0: drop
	                                     them all; default 2 */
	unsigned window;                  /* seconds of debt a client may build up, default 15 */
	unsigned ipv4_prefix_length;      /* clients counted together, default 24 */
	unsigned ipv6_prefix_length;      /* default 56 */
	const acl_t *exempt_clients;      /* never limited; NULL: none */
} conf_rate_limit_t;

typedef struct conf_view {
	const char *name;
	unsigned long line;
	const acl_t *match_clients;       /* never NULL for a valid config */
	const acl_t *match_destinations;  /* NULL: any destination */
	bool recursion;                   /* default false */
	conf_sockaddr_t *forwarders;      /* port 53 if not given */
	size_t nforwarders;
	/* Recursive views only (see docs/resolver.md). */
	unsigned long long cache_size;    /* cache-size, bytes, default 32M; 0: no cache */
	unsigned cache_min_ttl;           /* cache-min-ttl, seconds, default 0 */
	unsigned cache_max_ttl;           /* cache-max-ttl, seconds, default 86400 */
	unsigned cache_max_negative_ttl;  /* cache-max-negative-ttl, seconds, default 10800 */
	bool doh_canary;                  /* doh-canary: NXDOMAIN for use-application-dns.net, default true */
	int query_log;                    /* query-log: -1 unset (server.query-log), 0 off, 1 on */
	int nat_doctoring;                /* nat-doctoring: rewrite mapped public addresses in
	                                     forwarded answers; -1 unset (on when recursive and
	                                     nat: maps something), 0 off, 1 on */
	conf_zone_t *zones;
	size_t nzones;
	const conf_rate_limit_t *rate_limit;   /* rate-limit: NULL: off */
} conf_view_t;

typedef struct conf {
	const char *path;            /* the config file as given */
	const char *dir;             /* its directory */

	/* server: */
	conf_sockaddr_t *listen;     /* server.listen; required, at least one */
	size_t nlisten;
	unsigned workers;            /* server.workers; 0 in the file = number of CPUs */
	unsigned tcp_idle_timeout;   /* server.tcp-idle-timeout, seconds, default 10 */
	unsigned tcp_clients;        /* server.tcp-clients, per worker, default 256 */
	unsigned tcp_max_lifetime;   /* server.tcp-max-lifetime, seconds, default 120; 0 = none */
	unsigned edns_udp_size;      /* server.edns-udp-size, default 1232, 512..4096 */
	const char *identity;        /* server.identity: hostname.bind/id.server; NULL = gethostname(), "" = refuse */
	const char *version;         /* server.version: version.bind answer; NULL = "horizond <version>"; "" = refuse */
	const char *state_dir;       /* server.state-dir, resolved; default CONF_DEFAULT_STATE_DIR.
	                                Created when first needed (journal compaction). */
	const char *control;         /* server.control: horizonctl's unix socket, resolved;
	                                default CONF_DEFAULT_CONTROL; "" = none */
	const conf_sockaddr_t *metrics;  /* server.metrics (port 9153 if not given); NULL = off */
	const char *user;            /* server.user: drop to this user after binding; NULL = stay */
	bool query_log;              /* server.query-log: default for views, default false */
	bool any_query_log;          /* computed: some view logs its queries */

	/* acls: */
	acl_t *acls;                 /* named ACLs, in file order */
	size_t nacls;

	/* keys: TSIG keys, in file order */
	conf_key_t *keys;
	size_t nkeys;

	/* views: */
	conf_view_t *views;          /* in file order */
	size_t nviews;

	bool rate_limited;           /* some view has rate-limit: (the UDP path asks rrl.h) */

	/* nat: (see nat.h); NULL if the section is absent */
	struct nat_map *nat;

	struct arena *arena;         /* owns everything above */
} conf_t;

/* Parse the file. Returns NULL if any error was reported (all are reported). */
conf_t *conf_load(const char *path, diag_t *d);

/* Parse YAML text held in memory; "path" is used for messages and to resolve
 * relative zone paths. For tests and fuzzers. */
conf_t *conf_parse(const char *path, const char *text, size_t len, diag_t *d);

/* Do two names (of zones, keys) as written name the same domain name?
 * Case-insensitive, trailing dot optional: "Example.COM." and "example.com". */
bool conf_name_equal(const char *a, const char *b);

/* The number of zones over all views. */
size_t conf_zone_count(const conf_t *c);

/* Release everything; clears *c. Accepts NULL. */
void conf_free(conf_t **c);

/* Warnings about view mistakes that need no zone data: a view no client can
 * reach because earlier views take all its clients, a view with no zones.
 * Reported through d as warnings. */
void conf_check_views(const conf_t *c, diag_t *d);

/* Does this list match at least one public (not RFC 1918/loopback/link-local/
 * ULA/documentation...) address? Used for the "private address served to
 * public clients" warning. */
bool conf_acl_reaches_public(const acl_t *acl);

/* Is this address private (RFC 1918, 100.64/10, link-local, loopback, ULA fc00::/7)? */
bool conf_addr_is_private(int family, const uint8_t *addr);

#endif

#!/usr/bin/env bash
# test_xfrin_knot.sh -- horizond as a secondary of Knot DNS (knotd, started
# here with its own config in the temp dir, stopped by PID):
# - the zone is transferred at start (AXFR, TSIG with transfer-key) and
#   served; the copy is kept under server.state-dir, per view;
# - allow-notify: a NOTIFY from another address it names, or signed with a
#   key it names, refreshes the copy; from any other address: REFUSED;
# - Knot's NOTIFY after a change makes horizond refresh at once (the SOA
#   refresh is an hour), by IXFR (Knot serves differences), and horizond
#   passes the new serial on with its own NOTIFY (notify:, to a listener);
# - restarted while Knot is down, horizond serves the kept copy;
# - with the primary down, the zone expires after SOA expire: SERVFAIL.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"
. "$(dirname "$0")/peers_lib.sh"

command -v knotd >/dev/null || { echo "knotd not found (apt-get install knot)"; exit 77; }
command -v knotc >/dev/null || { echo "knotc not found (apt-get install knot)"; exit 77; }
hz_init
HPORT=$HZ_PORT
peer_ports KPORT LPORT
K=$HZ_TMP/knot
/usr/bin/python3 "$HZ_SOURCE_DIR/test/system/data/notify/notify_listener.py" "$LPORT" \
	"$HZ_TMP/listener.log" answer >"$HZ_TMP/listener.out" 2>&1 &
LPID=$!
trap 'peers_stop; kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; hz_cleanup' EXIT

knot_conf "$K" "$KPORT" xfr-key "$XFR_SECRET" <<CONF
remote:
  - id: hz
    address: 127.0.0.1@$HPORT
acl:
  - id: xfr
    address: 127.0.0.0/8
    key: xfr-key
    action: transfer
template:
  - id: default
    storage: "$K"
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
zone:
  - domain: example.com
    file: example.com.zone
    notify: hz
    acl: xfr
CONF

start_knot() {
	knot_start "$K"
	xfr_wait 20 peer_serves "$KPORT" example.com -y "hmac-sha256:xfr-key:$XFR_SECRET"
}

peers_hz_conf "$HZ_TMP/hz.yaml" xfr-key "$XFR_SECRET" <<CONF
views:
  - name: ext
    match-clients: [any]
    zones:
      - name: example.com
        primaries: [127.0.0.1@$KPORT]
        transfer-key: xfr-key
        notify: [127.0.0.1@$LPORT]
        allow-notify: [127.0.0.4, key xfr-key]
CONF
COPY=$HZ_TMP/state/secondary/ext/example.com.zone

# serial 1: the refresh is an hour, so only NOTIFY brings serial 2
xfr_zone "$K/example.com.zone" 1 3600 3600 3600
start_knot || hz_die "knotd did not start" "$(tail -n 20 "$K/knot.log" "$K/knotd.out")"
hz_ok "knotd serves example.com on 127.0.0.1@$KPORT"

hz_start "$HZ_TMP/hz.yaml" || hz_done
xfr_expect "the zone is transferred at start and served" 20 xfr_answer_is 127.0.0.3 www.example.com A 192.0.2.1
hz_check "the transfer is logged with view, key, serial and record count" \
	grep -q "zone example.com in view ext: transferred in (AXFR) from 127.0.0.1@$KPORT, key xfr-key, serial 1, 4 records" "$HZ_LOG"
hz_check "the copy is kept under state-dir, per view" grep -q "www.example.com.*192.0.2.1" "$COPY"
hz_q 127.0.0.3 example.com SOA
hz_expect_flag "answers are authoritative" aa

# NOTIFY: Knot reloads serial 2 and notifies; the refresh alone would wait an hour
xfr_zone "$K/example.com.zone" 2 3600 3600 3600 'new IN A 192.0.2.2'
knotc -c "$K/knot.conf" zone-reload example.com >/dev/null 2>&1
xfr_expect "Knot's NOTIFY brings serial 2 at once" 20 xfr_answer_is 127.0.0.3 new.example.com A 192.0.2.2
hz_check "NOTIFY from the primary is logged" grep -q "NOTIFY from a primary" "$HZ_LOG"
hz_check "serial 2 came by IXFR (Knot's differences)" \
	grep -q "transferred in (IXFR, incremental) from 127.0.0.1@$KPORT, key xfr-key, serial 2, 5 records" "$HZ_LOG"
hz_check "the kept copy has serial 2" grep -q "new.example.com.*192.0.2.2" "$COPY"
xfr_expect "after the transfer in, horizond's own NOTIFY goes out" 10 grep -q "notify: zone example.com in view ext, serial 2: 127.0.0.1@$LPORT answered NOERROR" "$HZ_LOG"

# a reload keeps the transferred data (the zone is the entry's, not re-read)
hz_reload
hz_check "a reload succeeds" grep -q "reload: done" "$HZ_LOG"
hz_q 127.0.0.3 new.example.com A
hz_expect_in "after a reload: still serial 2's data" ANSWER "192.0.2.2"

# a NOTIFY from an address that is no primary is refused
hz_q 127.0.0.3 +opcode=notify example.com SOA
hz_expect_rcode "NOTIFY from a non-primary address" REFUSED
hz_check "... and it refreshes nothing" sh -c "! grep -q 'NOTIFY allowed by allow-notify' '$HZ_LOG'"
# allow-notify (BIND's): a NOTIFY from an address it names, or signed with a
# key it names, refreshes the copy too
allowed() { grep -c "zone example.com.* in view ext: NOTIFY allowed by allow-notify, refreshing" "$HZ_LOG"; }
allowed_above() { [ "$(allowed)" -gt "$1" ]; }
hz_q 127.0.0.4 +opcode=notify example.com SOA
hz_expect_rcode "NOTIFY from an address in allow-notify" NOERROR
xfr_expect "... refreshes the copy (logged)" 5 allowed_above 0
hz_q 127.0.0.3 +opcode=notify example.com SOA -y "hmac-sha256:xfr-key:$XFR_SECRET"
hz_expect_rcode "NOTIFY signed with a key in allow-notify" NOERROR
xfr_expect "... refreshes the copy (logged)" 5 allowed_above 1

# serial 3: short timers for the expiry below (expire 20 s: the restart below,
# after stopping Knot, must stay inside it on a loaded machine)
xfr_zone "$K/example.com.zone" 3 1 1 20 'new IN A 192.0.2.3'
knotc -c "$K/knot.conf" zone-reload example.com >/dev/null 2>&1
xfr_expect "serial 3 is served" 20 xfr_answer_is 127.0.0.3 new.example.com A 192.0.2.3
hz_stop

# the primary is down at start: the kept copy serves at once
peers_stop
hz_start "$HZ_TMP/hz.yaml" || hz_done
hz_q 127.0.0.3 new.example.com A
hz_expect_in "the primary down at start: the kept copy serves" ANSWER "192.0.2.3"

# ... until SOA expire (20 s) passes without a refresh: SERVFAIL, as BIND
xfr_expect "the zone expires after SOA expire: SERVFAIL" 45 xfr_rcode_is 127.0.0.3 www.example.com A SERVFAIL
hz_check "the expiry is logged" grep -q "zone example.com in view ext: expired" "$HZ_LOG"

# the primary comes back: the zone serves again
start_knot || hz_fail "knotd restarts"
xfr_expect "the primary back: the zone serves again" 30 xfr_rcode_is 127.0.0.3 www.example.com A NOERROR
hz_stop
hz_done

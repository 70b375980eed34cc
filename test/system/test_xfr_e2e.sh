#!/usr/bin/env bash
# test_xfr_e2e.sh -- horizond as a hidden primary with two views, end to end:
# the transfers out (test_xfr_out.sh) and NOTIFY out (test_notify.sh) with
# real secondaries that pick the view by TSIG key and follow NOTIFY alone.
# - one zone, example.com, in two views with different data; the external
#   zone allows transfers to key ext-xfr and notifies three secondaries;
# - BIND 9 (named), Knot DNS (knotd) and NSD secondaries, each signing with
#   ext-xfr, load the external view and never an internal record;
# - after a serial change and a SIGHUP reload of horizond, all three serve the
#   new data thanks to horizond's NOTIFY (their refresh is an hour, no rndc,
#   knotc or nsd-control is used), by an incremental IXFR (horizond's log says
#   so for each, BIND's and Knot's logs too); horizond signs its NOTIFY with
#   ext-xfr (notify-key), and Knot's acl and NSD's allow-notify accept a
#   NOTIFY only with that key (unsigned, Knot denies it and NSD answers
#   NOTAUTH); each reads the new serial from the NOTIFY's SOA;
# - the same after a dynamic update (nsupdate -y) to the external zone;
# - after a restart of horizond (clean stop: the IXFR history kept in
#   state-dir), the next update reaches BIND and Knot by an incremental IXFR;
# - the internal view is untouched throughout.
# named, knotd and nsd run from their own temp configs, on 127.0.0.1, started and
# stopped by PID. The int-xfr cases (AXFR from outside, unsigned refused, a
# signed query) are test_xfr_out.sh's.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"
. "$(dirname "$0")/peers_lib.sh"

PATH=$PATH:/usr/sbin
for tool in named knotd nsd nsupdate; do
	command -v $tool >/dev/null || { echo "FAIL - $tool not found (scripts/packages.txt: bind9, knot, nsd, dnsutils)"; exit 1; }
done

hz_init
HPORT=$HZ_PORT
peer_ports BPORT KPORT NPORT
INT_SECRET="aW50ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw=="
EXT_SECRET="ZXh0ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw=="
UPD="hmac-sha256:upd:dXBkYXRlLWtleS1mb3ItdGhlLXRyYW5zZmVyLXRlc3Q="
BSRC=127.0.0.6      # the transfer sources of BIND, Knot and NSD: horizond's
KSRC=127.0.0.7      # log tells the secondaries apart by them
NSRC=127.0.0.8
trap 'peers_stop; hz_cleanup' EXIT

# --- horizond: the hidden primary -------------------------------------------
# refresh 3600: within this test only NOTIFY makes a secondary ask again
zone() { # zone FILE SERIAL RECORD...
	local f=$1 serial=$2
	shift 2
	{
		echo '$ORIGIN example.com.'
		echo '$TTL 300'
		echo "@ IN SOA ns1.example.com. hostmaster.example.com. $serial 3600 600 86400 60"
		echo '@ IN NS ns1.example.com.'
		printf '%s\n' "$@"
	} >"$f"
}
zone "$HZ_TMP/internal.zone" 10 'ns1 IN A 192.168.1.53' 'www IN A 192.168.1.20' \
	'secret IN TXT "internal only"'
zone "$HZ_TMP/external.zone" 1 'ns1 IN A 203.0.113.53' 'www IN A 203.0.113.10'
peers_hz_conf "$HZ_TMP/hz.yaml" int-xfr "$INT_SECRET" ext-xfr "$EXT_SECRET" upd "${UPD##*:}" <<CONF
views:
  - name: internal
    match-clients: ["!key ext-xfr", key int-xfr, 127.0.0.2]
    zones:
      - name: example.com
        file: internal.zone
        allow-transfer: [key int-xfr]
  - name: external
    match-clients: [any]
    zones:
      - name: example.com
        file: external.zone
        allow-transfer: [key ext-xfr]
        allow-update: [key upd]
        notify: [127.0.0.1@$BPORT, 127.0.0.1@$KPORT, 127.0.0.1@$NPORT]
        notify-key: ext-xfr
CONF
hz_start "$HZ_TMP/hz.yaml" || hz_done

# --- BIND 9 secondary ----------------------------------------------------------
# debug level 3: named logs whether a transfer's answer was incremental
B=$HZ_TMP/named
NAMED_ARGS="-d 3" named_start "$B" "$BPORT" "transfer-source $BSRC" <<CONF
controls { };
key ext-xfr { algorithm hmac-sha256; secret "$EXT_SECRET"; };
zone "example.com" {
	type secondary;
	primaries { 127.0.0.1 port $HPORT key ext-xfr; };
	allow-notify { 127.0.0.1; };
	file "example.com.db";
	masterfile-format text;
};
CONF

# --- Knot DNS secondary ---------------------------------------------------------
K=$HZ_TMP/knot
knot_conf "$K" "$KPORT" ext-xfr "$EXT_SECRET" <<CONF
remote:
  - id: horizond
    address: 127.0.0.1@$HPORT
    via: $KSRC
    key: ext-xfr
acl:
  - id: notify-from-horizond
    address: 127.0.0.1
    key: ext-xfr
    action: notify
template:
  - id: default
    storage: "$K"
    zonefile-sync: 0
zone:
  - domain: example.com
    master: horizond
    acl: notify-from-horizond
    file: example.com.zone
CONF
knot_start "$K"

# --- NSD secondary ----------------------------------------------------------------
# horizond's NOTIFY is signed with ext-xfr (notify-key): NSD allows only that
N=$HZ_TMP/nsd
nsd_start "$N" "$NPORT" "xfrdir: \"$N\"" <<CONF
remote-control:
	control-enable: no
key:
	name: "ext-xfr"
	algorithm: hmac-sha256
	secret: "$EXT_SECRET"
zone:
	name: "example.com"
	zonefile: "example.com.zone"
	request-xfr: 127.0.0.1@$HPORT ext-xfr
	allow-notify: 127.0.0.1 ext-xfr
	outgoing-interface: $NSRC
CONF

# sec_is PORT NAME TYPE WANT: the secondary on PORT answers WANT (short form)
sec_is() {
	[ "$(dig @127.0.0.1 -p "$1" +norec +short +time=1 +tries=1 "$2" "$3" 2>/dev/null)" = "$4" ]
}
# sec_rcode PORT NAME TYPE: the secondary's rcode
sec_rcode() {
	dig @127.0.0.1 -p "$1" +norec +time=2 +tries=1 "$2" "$3" 2>&1 | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}
# no_internal NAME PORT COPY: the secondary holds no record of the internal view
no_internal() {
	local rc
	rc=$(sec_rcode "$2" secret.example.com TXT)
	[ "$rc" = NXDOMAIN ] && hz_ok "$1: no internal record (secret TXT: NXDOMAIN)" ||
		hz_fail "$1: no internal record (secret TXT: expected NXDOMAIN, got '$rc')"
	if [ -s "$3" ] && ! grep -q '192\.168\.\|internal only' "$3"; then
		hz_ok "$1: its copy holds no internal data"
	else
		hz_fail "$1: its copy holds no internal data" "$(cat "$3" 2>&1)"
	fi
}
# ixfr_count SRC SERIAL: horizond's incremental transfers to SRC (view
# external, key ext-xfr) up to SERIAL
ixfr_count() {
	grep -c "transfer out: client $1#[0-9]* view external zone example.com. key ext-xfr: IXFR (incremental) serial $2," "$HZ_LOG"
}
ixfr_count_is() { [ "$(ixfr_count "$1" "$2")" = "$3" ]; }
# named_ixfr_count: incremental answers named applied (debug level 3)
named_ixfr_count() { grep -c "transfer of 'example.com/IN' from 127.0.0.1#$HPORT: got incremental response" "$B/named.log"; }
named_ixfr_count_is() { [ "$(named_ixfr_count)" = "$1" ]; }
knot_ixfr_count() { grep -c "\[example.com.\] IXFR, incoming, remote 127.0.0.1@$HPORT.*finished" "$K/knot.log"; }
knot_ixfr_count_is() { [ "$(knot_ixfr_count)" = "$1" ]; }
# notify_counts: the NOTIFYs for example.com named and knotd logged, "B K"
notify_counts() {
	echo "$(grep -c "received notify for zone 'example.com'" "$B/named.log")" \
		"$(grep -c "\[example.com.\] notify, incoming, remote 127.0.0.1@" "$K/knot.log")"
}
# notify_counts_above "B K": each secondary logged more NOTIFYs than then
# (the NOTIFY at horizond's start may reach them too, when they are up by
# its first retry)
notify_counts_above() {
	local now
	now=$(notify_counts)
	[ "${now% *}" -gt "${1% *}" ] && [ "${now#* }" -gt "${1#* }" ]
}
# all_serve WHAT NAME WANT: the three secondaries answer WANT for NAME A
all_serve() {
	xfr_expect "$1: BIND serves it (NOTIFY, no rndc)" 15 sec_is "$BPORT" "$2" A "$3"
	xfr_expect "$1: Knot serves it (NOTIFY, no knotc)" 15 sec_is "$KPORT" "$2" A "$3"
	xfr_expect "$1: NSD serves it (NOTIFY, no nsd-control)" 15 sec_is "$NPORT" "$2" A "$3"
}

# --- the initial transfers: the external view, nothing internal ----------------
xfr_expect "BIND secondary loads the external view" 20 sec_is "$BPORT" www.example.com A 203.0.113.10
xfr_expect "Knot secondary loads the external view" 20 sec_is "$KPORT" www.example.com A 203.0.113.10
xfr_expect "NSD secondary loads the external view" 20 sec_is "$NPORT" www.example.com A 203.0.113.10
no_internal "BIND" "$BPORT" "$B/example.com.db"
xfr_expect "Knot writes its copy" 20 test -s "$K/example.com.zone"
no_internal "Knot" "$KPORT" "$K/example.com.zone"
hz_check "NSD: no internal record (secret TXT: NXDOMAIN)" test "$(sec_rcode "$NPORT" secret.example.com TXT)" = NXDOMAIN
hz_check "horizond logs BIND's AXFR in view external with key ext-xfr" \
	grep -q "transfer out: client $BSRC#[0-9]* view external zone example.com. key ext-xfr: AXFR serial 1," "$HZ_LOG"
hz_check "horizond logs Knot's AXFR in view external with key ext-xfr" \
	grep -q "transfer out: client $KSRC#[0-9]* view external zone example.com. key ext-xfr: AXFR serial 1," "$HZ_LOG"

# --- a serial change and a reload: NOTIFY, then IXFR ------------------------------
b0=$(named_ixfr_count)
k0=$(knot_ixfr_count)
n0=$(notify_counts)
zone "$HZ_TMP/external.zone" 2 'ns1 IN A 203.0.113.53' 'www IN A 203.0.113.11'
hz_reload
all_serve "after the reload (serial 2)" www.example.com 203.0.113.11
xfr_expect "horizond: BIND's transfer was an IXFR (incremental)" 10 ixfr_count_is "$BSRC" 2 1
xfr_expect "horizond: Knot's transfer was an IXFR (incremental)" 10 ixfr_count_is "$KSRC" 2 1
xfr_expect "horizond: NSD's transfer was an IXFR (incremental)" 10 ixfr_count_is "$NSRC" 2 1
xfr_expect "BIND's log: got incremental response" 10 named_ixfr_count_is $((b0 + 1))
xfr_expect "Knot's log: IXFR, incoming, finished" 10 knot_ixfr_count_is $((k0 + 1))
xfr_expect "BIND and Knot received horizond's NOTIFY" 10 notify_counts_above "$n0"
# the NOTIFY carries the zone's SOA (RFC 1996 3.7): both read the new serial from it
hz_check "BIND read serial 2 from the NOTIFY" grep -q "notify from 127.0.0.1#[0-9]*: serial 2" "$B/named.log"
hz_check "Knot read serial 2 from the NOTIFY" grep -q "\[example.com.\] notify, incoming, remote 127.0.0.1@[0-9]*.*serial 2" "$K/knot.log"
# signed with notify-key, answered signed: horizond takes each answer
for port in "$BPORT" "$KPORT" "$NPORT"; do
	xfr_expect "the signed NOTIFY (serial 2) to 127.0.0.1@$port: a signed NOERROR answer" 10 \
		grep -q "serial 2: 127.0.0.1@$port answered NOERROR" "$HZ_LOG"
done
hz_check "no answer without the key's signature" sh -c "! grep -q 'is not signed with key' '$HZ_LOG'"

# --- a dynamic update: NOTIFY, then IXFR -------------------------------------------
n0=$(notify_counts)
out=$(hz_nsupdate 127.0.0.3 example.com -y "$UPD" <<<"update add new.example.com. 300 A 203.0.113.99
update delete www.example.com. A
update add www.example.com. 300 A 203.0.113.12")
if [ -z "$out" ]; then hz_ok "nsupdate -y upd to the external zone"; else hz_fail "nsupdate -y upd" "$out"; fi
all_serve "after the update (serial 3)" new.example.com 203.0.113.99
xfr_expect "after the update: BIND serves the changed www" 10 sec_is "$BPORT" www.example.com A 203.0.113.12
xfr_expect "after the update: Knot serves the changed www" 10 sec_is "$KPORT" www.example.com A 203.0.113.12
xfr_expect "horizond: BIND's transfer was an IXFR (incremental)" 10 ixfr_count_is "$BSRC" 3 1
xfr_expect "horizond: Knot's transfer was an IXFR (incremental)" 10 ixfr_count_is "$KSRC" 3 1
xfr_expect "horizond: NSD's transfer was an IXFR (incremental)" 10 ixfr_count_is "$NSRC" 3 1
xfr_expect "BIND's log: got incremental response again" 10 named_ixfr_count_is $((b0 + 2))
xfr_expect "Knot's log: IXFR, incoming, finished again" 10 knot_ixfr_count_is $((k0 + 2))
xfr_expect "BIND and Knot received horizond's NOTIFY again" 10 notify_counts_above "$n0"
no_internal "BIND after the updates" "$BPORT" "$B/example.com.db"
no_internal "Knot after the updates" "$KPORT" "$K/example.com.zone"
hz_check "NSD after the updates: no internal record" test "$(sec_rcode "$NPORT" secret.example.com TXT)" = NXDOMAIN
hz_check "no transfer ever left the internal view" \
	test "$(grep -c 'transfer out: .* view internal ' "$HZ_LOG")" = 0
hz_q 127.0.0.2 www.example.com A
hz_expect_in "the internal view is untouched" ANSWER "$(hz_rr www.example.com. A 192.168.1.20)"
hz_q 127.0.0.2 new.example.com A
hz_expect_rcode "the update did not reach the internal view" NXDOMAIN

# --- a restart keeps the IXFR history: the next change goes out incremental ------
# (the history of serials 1-3 is written to state-dir at the clean stop and read
# back; without it the first transfer after a restart is the AXFR form)
hz_stop
hz_start "$HZ_TMP/hz.yaml" "$HZ_TMP/horizond-restarted.log" || hz_done
b1=$(named_ixfr_count) k1=$(knot_ixfr_count)
out=$(hz_nsupdate 127.0.0.3 example.com -y "$UPD" <<<"update add after-restart.example.com. 300 A 203.0.113.77")
if [ -z "$out" ]; then hz_ok "nsupdate after the restart"; else hz_fail "nsupdate after the restart" "$out"; fi
all_serve "after the restart (serial 4)" after-restart.example.com 203.0.113.77
xfr_expect "after the restart: BIND's transfer was an IXFR (incremental)" 10 ixfr_count_is "$BSRC" 4 1
xfr_expect "after the restart: Knot's transfer was an IXFR (incremental)" 10 ixfr_count_is "$KSRC" 4 1
xfr_expect "after the restart: BIND's log: got incremental response" 10 named_ixfr_count_is $((b1 + 1))
xfr_expect "after the restart: Knot's log: IXFR, incoming, finished" 10 knot_ixfr_count_is $((k1 + 1))

peers_stop
hz_stop
hz_done

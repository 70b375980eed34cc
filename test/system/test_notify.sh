#!/usr/bin/env bash
# test_notify.sh -- NOTIFY out (RFC 1996): horizond as the primary of a zone
# with `notify: [...]` announces every new serial -- at start, after a
# reload that changed the zone, after a dynamic update -- to each target,
# with the zone's SOA in the answer section (RFC 1996 3.7), signed with the
# zone's notify-key if it has one (an unsigned answer to a signed NOTIFY is
# ignored), and retries a target that does not answer (5 tries, then a log line).
# The targets are notify_listener.py (one answers, one stays silent) and a
# BIND secondary (named, started here, stopped by PID), whose log shows each
# NOTIFY it accepted.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"
. "$(dirname "$0")/peers_lib.sh"

. "$(dirname "$0")/python_lib.sh"
PY=$(hz_python dns.message) || { echo "no python3 with dnspython (apt-get install python3-dnspython)"; exit 77; }

hz_init
HPORT=$HZ_PORT
peer_ports APORT SPORT BPORT KPORT UPORT
NK_SECRET=$(head -c 32 /dev/urandom | base64)
NAMED=$(command -v named || echo /usr/sbin/named)
[ -x "$NAMED" ] || { echo "BIND's named not found (apt-get install bind9)"; exit 77; }
B=$HZ_TMP/named
named_start "$B" "$BPORT" <<CONF
controls { };
zone "example.com" {
	type secondary;
	primaries { 127.0.0.1 port $HPORT; };
	file "example.com.db";
};
CONF
LIS="$HZ_SOURCE_DIR/test/system/data/notify/notify_listener.py"
"$PY" "$LIS" "$APORT" "$HZ_TMP/answer.log" answer >"$HZ_TMP/answer.out" 2>&1 &
APID=$!
"$PY" "$LIS" "$SPORT" "$HZ_TMP/silent.log" silent >"$HZ_TMP/silent.out" 2>&1 &
SPID=$!
"$PY" "$LIS" "$KPORT" "$HZ_TMP/keyed.log" answer "nk:$NK_SECRET" >"$HZ_TMP/keyed.out" 2>&1 &
KLPID=$!
"$PY" "$LIS" "$UPORT" "$HZ_TMP/nokey.log" answer >"$HZ_TMP/nokey.out" 2>&1 &
ULPID=$!
trap 'kill "$APID" "$SPID" "$KLPID" "$ULPID" 2>/dev/null; wait "$APID" "$SPID" "$KLPID" "$ULPID" 2>/dev/null; peers_stop; hz_cleanup' EXIT
xfr_wait 10 sh -c "grep -qs listening '$HZ_TMP/answer.log' && grep -qs listening '$HZ_TMP/silent.log' && grep -qs listening '$HZ_TMP/keyed.log' && grep -qs listening '$HZ_TMP/nokey.log'" ||
	hz_die "the NOTIFY listeners did not start" "$(cat "$HZ_TMP"/*.out)"
xfr_wait 20 grep -q "running" "$B/named.log" || hz_die "named did not start" "$(tail -n 20 "$B/named.log")"

cp "$HZ_SOURCE_DIR/test/system/data/notify/example.com.zone" "$HZ_TMP/"
sed 's/example\.com/signed.example/g' "$HZ_TMP/example.com.zone" >"$HZ_TMP/signed.example.zone"
peers_hz_conf "$HZ_TMP/hz.yaml" nk "$NK_SECRET" <<CONF
views:
  - name: lan
    match-clients: [any]
    zones:
      - name: example.com
        file: example.com.zone
        allow-update: [127.0.0.2]
        notify: [127.0.0.1@$APORT, 127.0.0.1@$SPORT, 127.0.0.1@$BPORT]
      - name: signed.example
        file: signed.example.zone
        notify: [127.0.0.1@$KPORT, 127.0.0.1@$UPORT]
        notify-key: nk
CONF

named_count() { grep -c "received notify for zone 'example.com'" "$B/named.log"; }
named_count_is() { [ "$(named_count)" = "$1" ]; }
count() { grep -c "^NOTIFY example.com. id=.* aa=1" "$1"; }
count_is() { [ "$(count "$1")" = "$2" ]; }

hz_start "$HZ_TMP/hz.yaml" || hz_done
xfr_expect "at start: NOTIFY (AA) to the answering target" 10 count_is "$HZ_TMP/answer.log" 1
xfr_expect "the BIND secondary accepts the NOTIFY" 10 named_count_is 1
# RFC 1996 3.7: the zone's SOA in the answer section, as BIND and Knot send it
hz_check "the NOTIFY carries the SOA with serial 1" grep -q "^NOTIFY example.com. id=.* serial=1\$" "$HZ_TMP/answer.log"
xfr_expect "the answer is logged" 10 grep -q "notify: zone example.com in view lan, serial 1: 127.0.0.1@$APORT answered NOERROR" "$HZ_LOG"

# notify-key: signed (TSIG, checked by the listener that has the key) and
# answered signed; an unsigned answer (the listener without the key) is
# ignored: horizond keeps trying and gives up after 5 tries
xfr_expect "notify-key: the NOTIFY is signed with the key" 10 grep -q "^NOTIFY signed.example. id=.* serial=1 tsig=nk\$" "$HZ_TMP/keyed.log"
xfr_expect "notify-key: the signed answer is taken" 10 grep -q "zone signed.example in view lan, serial 1: 127.0.0.1@$KPORT answered NOERROR" "$HZ_LOG"
xfr_expect "notify-key: an unsigned answer is ignored, logged" 10 grep -q "zone signed.example in view lan, serial 1: the answer from 127.0.0.1@$UPORT is not signed with key nk: ignored" "$HZ_LOG"

# the silent target gets 5 tries (after 1, 2, 4, 8 s), then a log line
xfr_expect "a silent target: given up after 5 tries, logged" 40 grep -q "notify: zone example.com in view lan, serial 1: no answer from 127.0.0.1@$SPORT after 5 tries" "$HZ_LOG"
ids=$(grep -c "^NOTIFY example.com." "$HZ_TMP/silent.log")
if [ "$ids" = 5 ] && [ "$(sort -u "$HZ_TMP/silent.log" | grep -c '^NOTIFY')" = 1 ]; then
	hz_ok "the silent target got the same NOTIFY 5 times"
else
	hz_fail "the silent target got the same NOTIFY 5 times" "$(cat "$HZ_TMP/silent.log")"
fi
hz_check "the answering target was not retried" count_is "$HZ_TMP/answer.log" 1
xfr_expect "notify-key: the target that answers unsigned is given up after 5 tries" 10 grep -q "zone signed.example in view lan, serial 1: no answer from 127.0.0.1@$UPORT after 5 tries" "$HZ_LOG"
hz_check "notify-key: it got the signed NOTIFY 5 times" test "$(grep -c '^NOTIFY-SIGNED' "$HZ_TMP/nokey.log")" = 5
hz_check "notify-key: the target with the key got it once" test "$(grep -c '^NOTIFY signed.example.' "$HZ_TMP/keyed.log")" = 1

# a reload that changes the serial notifies; one that changes nothing does not
hz_reload
hz_check "a reload without changes sends no NOTIFY" count_is "$HZ_TMP/answer.log" 1
sed -i 's/ 1 3600 600/ 2 3600 600/' "$HZ_TMP/example.com.zone"
echo 'new IN A 192.0.2.2' >>"$HZ_TMP/example.com.zone"
hz_reload
xfr_expect "after a reload with serial 2: NOTIFY" 10 count_is "$HZ_TMP/answer.log" 2
xfr_expect "after a reload with serial 2: the BIND secondary got it" 10 named_count_is 2
hz_check "the NOTIFY carries serial 2" grep -q "^NOTIFY example.com. id=.* serial=2\$" "$HZ_TMP/answer.log"

# a dynamic update (serial 3) notifies
out=$(hz_nsupdate 127.0.0.2 example.com <<<"update add dyn.example.com. 300 A 192.0.2.3")
hz_q 127.0.0.2 dyn.example.com A
hz_expect_in "the update is served" ANSWER "192.0.2.3"
xfr_expect "after an update: NOTIFY" 10 count_is "$HZ_TMP/answer.log" 3
xfr_expect "after an update: the BIND secondary got it" 10 named_count_is 3
hz_check "serial 3 is announced" grep -q "serial 3: 127.0.0.1@$APORT answered NOERROR" "$HZ_LOG"
hz_check "the NOTIFY after the update carries serial 3" grep -q "^NOTIFY example.com. id=.* serial=3\$" "$HZ_TMP/answer.log"
hz_stop
hz_done

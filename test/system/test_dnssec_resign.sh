#!/usr/bin/env bash
# test_dnssec_resign.sh -- timed re-signing raises the served SOA serial
# (dnssec-serial), so secondaries pick up the fresh signatures. One server is
# its own primary and secondary (as test_metrics_xfr.sh): view "primary"
# (127.0.0.1, the address NOTIFY and transfers leave from) signs example.com
# online with a 20 s validity (signed again every ~10 s) and NOTIFYs the
# server itself; view "secondary" (127.0.0.2) keeps a transferred copy. The
# secondary must see a higher serial and new RRSIGs after a re-sign without
# polling (SOA refresh one hour: only the NOTIFY brings it), the AXFR must
# pass dnssec-verify, and after a restart the serial goes on from the last
# one served (kept under state-dir), not from the file's.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"

command -v dnssec-verify >/dev/null || { echo "FAIL - dnssec-verify not found" >&2; exit 1; }
hz_init

xfr_zone "$HZ_TMP/example.com.zone" 7 3600 600 86400 'mail IN A 192.0.2.25' 'mail IN MX 10 mail'
cat >"$HZ_TMP/hz.yaml" <<CONF
server:
  listen: [127.0.0.1@$HZ_PORT]
  control: ""
  state-dir: $HZ_TMP/state
views:
  - name: primary
    match-clients: [127.0.0.1]
    zones:
      - name: example.com
        file: $HZ_TMP/example.com.zone
        allow-transfer: [127.0.0.1]
        notify: [127.0.0.1@$HZ_PORT]
        dnssec-signing: true
        dnssec-validity: 20
  - name: secondary
    match-clients: [127.0.0.2]
    zones:
      - name: example.com
        primaries: [127.0.0.1@$HZ_PORT]
CONF

serial() { # serial SRC: the SOA serial SRC's view serves
	hz_dig "$1" +short example.com SOA 2>/dev/null | awk '{ print $3 }'
}
soa_sig() { # soa_sig SRC: the SOA's RRSIG as SRC's view serves it
	hz_dig "$1" +dnssec +noall +answer example.com SOA 2>/dev/null | awk '$4 == "RRSIG"'
}
serial_above() { # serial_above SRC N: SRC's serial is newer than N
	local s
	s=$(serial "$1")
	[ -n "$s" ] && [ "$s" -gt "$2" ]
}

hz_start "$HZ_TMP/hz.yaml" || hz_done
xfr_expect "the secondary has the signed copy" 20 serial_above 127.0.0.2 0
s0=$(serial 127.0.0.1)
hz_check "the first signing serves the file's serial" test "$s0" = 7
sig0=$(soa_sig 127.0.0.2)
hz_check "the secondary's copy is signed" test -n "$sig0"

# the primary signs again ~10 s after it started (half the validity)
xfr_expect "a re-sign raises the primary's serial" 40 serial_above 127.0.0.1 "$s0"
hz_check "... and logs it" grep -q 'zone example.com.*signed again' "$HZ_LOG"
s1=$(serial 127.0.0.1)
# no SOA poll for an hour: only the NOTIFY of the new serial brings it
xfr_expect "the secondary transfers the new serial (NOTIFY)" 20 serial_above 127.0.0.2 "$s0"
sig1=$(soa_sig 127.0.0.2)
if [ -n "$sig1" ] && [ "$sig1" != "$sig0" ]; then
	hz_ok "the secondary serves the new SOA signature"
else
	hz_fail "the secondary serves the new SOA signature" "before: $sig0 / after: $sig1"
fi

dig @127.0.0.1 -p "$HZ_PORT" -b 127.0.0.1 +time=5 +tries=1 example.com AXFR >"$HZ_TMP/axfr" 2>&1
out=$(dnssec-verify -z -o example.com "$HZ_TMP/axfr" 2>&1)
if printf '%s\n' "$out" | grep -q 'Zone fully signed'; then
	hz_ok "dnssec-verify accepts the re-signed zone's AXFR"
else
	hz_fail "dnssec-verify accepts the re-signed zone's AXFR" "$out"
fi
hz_check "the AXFR carries the new serial" \
	test "$(awk '$4 == "SOA" { print $7; exit }' "$HZ_TMP/axfr")" -ge "$s1"
kept=$(cat "$HZ_TMP/state/"example.com.*.serial 2>/dev/null)
hz_check "the last served serial is kept under state-dir" test -n "$kept"
hz_stop

# a restart signs afresh: a serial above every one served before
last=$kept
hz_start "$HZ_TMP/hz.yaml" || hz_done
s2=$(serial 127.0.0.1)
if [ -n "$s2" ] && [ "$s2" -gt "$last" ]; then
	hz_ok "after a restart the serial goes on ($last -> $s2)"
else
	hz_fail "after a restart the serial goes on" "kept $last, served ${s2:-nothing}"
fi
hz_stop
hz_done

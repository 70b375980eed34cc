#!/usr/bin/env bash
# test_dnssec_autoptr.sh -- the reverse zones auto-ptr synthesizes from a zone
# signed online are signed too, each with keys of its own name: a PTR, an
# NXDOMAIN and a NODATA in the IPv4 /24 and the IPv6 /64 validate at delv
# (trust anchor: the reverse zone's own CDS), --dump-view of each reverse
# zone passes dnssec-verify, a name a dynamic update adds gets a signed PTR
# that validates, and the reverse zone of an auto-ptr zone that is not
# signed stays unsigned. No network: loopback only.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnssec_lib.sh"

dnssec_need delv dnssec-verify nsupdate
hz_init
UPD=hmac-sha256:upd:dXBkYXRlLWtleS1mb3ItdGhlLXRyYW5zZmVyLXRlc3Q=
LAN=127.0.0.2
R4=2.0.192.in-addr.arpa
R6=0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa
RPLAIN=100.51.198.in-addr.arpa
cat >"$HZ_TMP/lan.test.zone" <<'ZONE'
$ORIGIN lan.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.10
www IN AAAA 2001:db8::10
ZONE
cat >"$HZ_TMP/plain.test.zone" <<'ZONE'
$ORIGIN plain.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 86400 300
@ IN NS ns1
ns1 IN A 198.51.100.53
ZONE
cat >"$HZ_TMP/hz.yaml" <<CONF
server:
  listen: [127.0.0.1@$HZ_PORT]
  control: ""
  state-dir: $HZ_TMP/state
keys:
  - name: upd
    algorithm: hmac-sha256
    secret: "dXBkYXRlLWtleS1mb3ItdGhlLXRyYW5zZmVyLXRlc3Q="
views:
  - name: lan
    match-clients: [any]
    zones:
      - name: lan.test
        file: $HZ_TMP/lan.test.zone
        auto-ptr: true
        allow-update: [key upd]
        dnssec-signing: true
      - name: plain.test
        file: $HZ_TMP/plain.test.zone
        auto-ptr: true
CONF

out=$(timeout 20 "$HORIZOND" -c "$HZ_TMP/hz.yaml" --check 2>&1)
hz_check "--check accepts the config" test $? -eq 0
for r in $R4 $R6; do
	timeout 20 "$HORIZOND" -c "$HZ_TMP/hz.yaml" --dump-view lan --zone "$r" >"$HZ_TMP/$r.signed" 2>&1
	out=$(dnssec-verify -z -o "$r" "$HZ_TMP/$r.signed" 2>&1)
	if printf '%s\n' "$out" | grep -q 'Zone fully signed'; then
		hz_ok "$r: --dump-view passes dnssec-verify"
	else
		hz_fail "$r: --dump-view passes dnssec-verify" "$out"
	fi
done
hz_check "$R4: signed with keys of its own name" \
	grep -q "^K$R4\.+013+.*\.key" <(ls "$HZ_TMP/state/keys")

hz_start "$HZ_TMP/hz.yaml" || hz_done
DELV_ANCHORS=$HZ_TMP/anchors.conf
echo "trust-anchors {" >"$DELV_ANCHORS"
for r in $R4 $R6; do
	cds=$(hz_dig $LAN +short "$r" CDS | awk '$3 == 2 { d = ""; for (i = 4; i <= NF; i++) d = d $i; print $1, $2, $3, d }')
	hz_check "$r: one SHA-256 CDS" test "$(printf '%s\n' "$cds" | grep -c .)" -eq 1
	set -- $cds
	echo "  $r. static-ds $1 $2 $3 \"$4\";" >>"$DELV_ANCHORS"
done
echo "};" >>"$DELV_ANCHORS"

validates() { # validates ROOT NAME TYPE WANT: delv fully validates, WANT in its output
	local out
	out=$(delv @127.0.0.1 -p "$HZ_PORT" -b $LAN -a "$DELV_ANCHORS" +root="$1" "$2" "$3" 2>&1)
	if printf '%s\n' "$out" | grep -q "fully validated" && printf '%s\n' "$out" | grep -q -- "$4"; then
		hz_ok "$2 $3: fully validated ($4)"
	else
		hz_fail "$2 $3: fully validated ($4)" "$out"
	fi
}
validates $R4 "10.$R4" PTR "PTR.*www.lan.test."
validates $R4 "11.$R4" PTR "resolution failed: ncache nxdomain"
validates $R4 "10.$R4" TXT "resolution failed: ncache nxrrset"
validates $R6 "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.$R6" PTR "PTR.*www.lan.test."
validates $R6 "1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.$R6" PTR "resolution failed: ncache nxdomain"

hz_q $LAN +dnssec "53.$RPLAIN" PTR
hz_expect_in "the reverse zone of an unsigned auto-ptr zone answers" ANSWER "ns1.plain.test."
hz_expect_notin "... unsigned" ANSWER "RRSIG"

# an update to the signed zone: its new address gets a signed PTR
out=$(hz_nsupdate $LAN lan.test -y "$UPD" <<<"update add printer.lan.test 300 IN A 192.0.2.40")
hz_check "update to lan.test accepted" test $? -eq 0
validates $R4 "40.$R4" PTR "PTR.*printer.lan.test."
hz_stop
hz_done

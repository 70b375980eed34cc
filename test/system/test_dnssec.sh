#!/usr/bin/env bash
# test_dnssec.sh -- zones signed offline (BIND's dnssec-keygen and
# dnssec-signzone, NSEC and NSEC3) validate at real validating resolvers:
# Unbound (AD set) and delv ("fully validated"), with the zone's key as trust
# anchor. Two views serve each zone, each its own data, signed with the same
# keys; each resolver asks from its view's address (127.0.0.2 LAN, 127.0.0.3
# outside). Positive, CNAME, NXDOMAIN, NODATA, empty non-terminal, wildcard,
# wildcard NODATA, CNAME to a missing name and to a wildcard, a DNAME and what
# it leads to, no DS at a delegation. Without DO
# nothing changes; NSEC3 owner names are not names of the zone; a signed
# answer too large for the client's buffer gets TC. --check warns about
# signatures that expire soon or have expired, and about signed zones under
# `translate: nat`.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnssec_lib.sh"

dnssec_need dnssec-keygen dnssec-signzone delv unbound
DATA=$HZ_SOURCE_DIR/test/system/data/dnssec
hz_init
SRV_PORT=$HZ_PORT
trap dnssec_cleanup EXIT

# --- sign: one KSK and one ZSK per zone, both views' data signed with them ---
ZONES="nsec.test nsec3.test"
W=$HZ_TMP/zones
mkdir -p "$W"
DELV_ANCHORS=$HZ_TMP/anchors.conf
UB_ANCHORS=$HZ_TMP/unbound-anchors
echo "trust-anchors {" >"$DELV_ANCHORS"
: >"$UB_ANCHORS"
sign() {   # sign ZONE VIEW ADDR KSK ZSK OPTIONS...: $W/ZONE.VIEW.signed
	local z=$1 v=$2 addr=$3 ksk=$4 zsk=$5
	shift 5
	sed -e "s/@ORIGIN@/$z/" -e "s/@VIEW@/$v/g" -e "s/@ADDR@/$addr/g" "$DATA/zone.in" >"$W/$z.$v"
	cat "$W/$ksk.key" "$W/$zsk.key" >>"$W/$z.$v"
	(cd "$W" && dnssec-signzone -q "$@" -o "$z" -f "$z.$v.signed" -K . "$z.$v" "$ksk.key" "$zsk.key") \
		>"$HZ_TMP/sign.log" 2>&1 || hz_die "dnssec-signzone $z ($v)" "$(cat "$HZ_TMP/sign.log")"
}
for z in $ZONES; do
	ksk=$(cd "$W" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K . "$z") || hz_die "dnssec-keygen $z"
	zsk=$(cd "$W" && dnssec-keygen -q -a ECDSAP256SHA256 -K . "$z") || hz_die "dnssec-keygen $z"
	opts=()
	[ "$z" = nsec3.test ] && opts=(-3 -)    # NSEC3, no salt, no extra iterations
	sign "$z" lan 192.0.2.1 "$ksk" "$zsk" "${opts[@]}"
	sign "$z" outside 198.51.100.1 "$ksk" "$zsk" "${opts[@]}"
	awk '$3 == "DNSKEY" && $4 == 257 { printf "  %s static-key %s %s %s \"%s%s\";\n", $1, $4, $5, $6, $7, $8 }' \
		"$W/$ksk.key" >>"$DELV_ANCHORS"
	awk '$3 == "DNSKEY" && $4 == 257 { printf "trust-anchor: \"%s DNSKEY %s %s %s %s%s\"\n", $1, $4, $5, $6, $7, $8 }' \
		"$W/$ksk.key" >>"$UB_ANCHORS"
done
echo "};" >>"$DELV_ANCHORS"

hz_make_config "$DATA/horizond.yaml.in" "$HZ_TMP/horizond.yaml" "$W"
hz_start "$HZ_TMP/horizond.yaml" || hz_done

# --- two Unbounds, one per view: validating, stubbed to horizond --------------
ub_start 127.0.0.2 $ZONES
UB_LAN=$UB_PORT
ub_start 127.0.0.3 $ZONES
UB_OUT=$UB_PORT

for view in lan outside; do
	if [ "$view" = lan ]; then port=$UB_LAN src=127.0.0.2 addr=192.0.2.1
	else port=$UB_OUT src=127.0.0.3 addr=198.51.100.1; fi
	for z in $ZONES; do
		dnssec_check_zone $view $port $src $z $addr
	done
done

# --- what horizond sends ------------------------------------------------------
hz_q 127.0.0.3 +dnssec www.nsec.test A
hz_expect_in "DO=1: RRSIG with the answer" ANSWER "RRSIG[[:space:]]+A "
hz_q 127.0.0.3 +dnssec mail.nsec.test A
hz_q 127.0.0.3 +dnssec nsec.test MX
hz_expect_in "DO=1: RRSIG in the additional section" ADDITIONAL "RRSIG[[:space:]]+A "
hz_q 127.0.0.3 www.nsec.test A
hz_expect_notin "DO=0: no RRSIG" ANSWER "RRSIG"
hz_q 127.0.0.3 nope.nsec.test A
hz_expect_notin "DO=0 NXDOMAIN: no NSEC" AUTHORITY "IN[[:space:]]+NSEC"
hz_q 127.0.0.3 +dnssec child.nsec.test A
hz_expect_in "DO=1 referral: NSEC proves no DS" AUTHORITY "^child\.nsec\.test\.[[:space:]].*NSEC"
hz_q 127.0.0.3 +dnssec host.wild.nsec.test A
hz_expect_in "DO=1 wildcard: RRSIG labels field 3 (the expansion)" ANSWER "RRSIG[[:space:]]+A[[:space:]]+13[[:space:]]+3 "
hz_expect_in "DO=1 wildcard: the NSEC that the name does not exist" AUTHORITY "NSEC"
h=$(awk '$4 == "NSEC3" { print $1; exit }' "$W/nsec3.test.outside.signed")
hz_q 127.0.0.3 +dnssec "$h" A
hz_expect_rcode "an NSEC3 owner name ($h) is no name of the zone" NXDOMAIN
hz_q 127.0.0.3 +dnssec +bufsize=512 +ignore nope.nsec3.test A
hz_expect_rcode "DO=1 NXDOMAIN (NSEC3) in 512 bytes" NXDOMAIN
hz_expect_flag "DO=1 NXDOMAIN (NSEC3) in 512 bytes" tc
hz_q 127.0.0.3 +dnssec +tcp nope.nsec3.test A
hz_expect_count "DO=1 NXDOMAIN (NSEC3) over TCP: SOA, 3 NSEC3, their RRSIGs" AUTHORITY 8
hz_stop

# --- --check -------------------------------------------------------------------
ksk=$(cd "$W" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K . soon.test)
zsk=$(cd "$W" && dnssec-keygen -q -a ECDSAP256SHA256 -K . soon.test)
sign soon.test x 192.0.2.1 "$ksk" "$zsk" -e now+172800
mv "$W/soon.test.x.signed" "$W/soon.test.signed"
ksk=$(cd "$W" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K . old.test)
zsk=$(cd "$W" && dnssec-keygen -q -a ECDSAP256SHA256 -K . old.test)
sign old.test x 192.0.2.1 "$ksk" "$zsk" -P -s 20200101000000 -e 20200201000000   # -P: verification would fail
mv "$W/old.test.x.signed" "$W/old.test.signed"
hz_make_config "$DATA/check.yaml.in" "$HZ_TMP/check.yaml" "$W"
out=$(timeout 20 "$HORIZOND" --check -c "$HZ_TMP/check.yaml" 2>&1)
for re in 'zone soon\.test\.: the RRSIG of .* expires in (4[0-8]|3[0-9]) hours' \
	  'zone old\.test\.: the RRSIG of .* expired [0-9]+ days ago' \
	  'view "lan": zone soon\.test\. is signed and translated by `translate: nat`'; do
	if printf '%s\n' "$out" | grep -Eq "$re"; then hz_ok "--check: /$re/"; else hz_fail "--check: no /$re/" "$out"; fi
done
if printf '%s\n' "$out" | grep -q 'nsec'; then hz_fail "--check: nothing about other zones" "$out"; else hz_ok "--check: nothing about other zones"; fi
hz_done

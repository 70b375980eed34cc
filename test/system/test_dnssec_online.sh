#!/usr/bin/env bash
# test_dnssec_online.sh -- zones signed online (dnssec-signing: true) in two
# views validate at real validating resolvers against ONE DS, taken from
# horizond itself (its CDS, checked against dnssec-dsfromkey of the DNSKEY
# each view serves): Unbound (AD) and delv ("fully validated"), asking from a
# LAN address (127.0.0.2, internal view) and an outside one (127.0.0.3,
# external view), each view returning its own data. Positive, CNAME,
# NXDOMAIN, NODATA, empty non-terminal, wildcard, wildcard NODATA, DNAME, no
# DS at a delegation; with NSEC (nsec.test) and NSEC3 (nsec3.test,
# dnssec-nsec3: true). A name added by a TSIG-signed dynamic update to the
# internal view validates there and stays NXDOMAIN (validated) outside.
# Each view's zone as transferred by AXFR (TSIG) is accepted by BIND's
# dnssec-verify, is the same in a second AXFR, and carries the RRSIG
# queries for www A are answered with.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnssec_lib.sh"

dnssec_need delv unbound dnssec-dsfromkey dnssec-verify nsupdate
hz_init
SRV_PORT=$HZ_PORT
trap dnssec_cleanup EXIT
LAN=127.0.0.2
OUT=127.0.0.3
INT_XFR=hmac-sha256:int-xfr:aW50ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw==
EXT_XFR=hmac-sha256:ext-xfr:ZXh0ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw==
UPD=hmac-sha256:upd:dXBkYXRlLWtleS1mb3ItdGhlLXRyYW5zZmVyLXRlc3Q=

# --- the zones: test_dnssec.sh's data, unsigned, one file per view ----------
ZONES="nsec.test nsec3.test"
W=$HZ_TMP/zones
mkdir -p "$W/state"
for z in $ZONES; do
	sed -e "s/@ORIGIN@/$z/" -e "s/@VIEW@/internal/g" -e "s/@ADDR@/192.0.2.1/g" \
		"$HZ_SOURCE_DIR/test/system/data/dnssec/zone.in" >"$W/$z.internal"
	sed -e "s/@ORIGIN@/$z/" -e "s/@VIEW@/external/g" -e "s/@ADDR@/198.51.100.1/g" \
		"$HZ_SOURCE_DIR/test/system/data/dnssec/zone.in" >"$W/$z.external"
done
hz_make_config "$HZ_SOURCE_DIR/test/system/data/dnssec_online/horizond.yaml.in" "$HZ_TMP/horizond.yaml" "$W"
hz_start "$HZ_TMP/horizond.yaml" || hz_done

# --- one DS per zone, from horizond: what a parent would publish --------------
DELV_ANCHORS=$HZ_TMP/anchors.conf
UB_ANCHORS=$HZ_TMP/unbound-anchors
echo "trust-anchors {" >"$DELV_ANCHORS"
: >"$UB_ANCHORS"
for z in $ZONES; do
	# the CDS (SHA-256) horizond publishes, the same in both views
	cds_lan=$(hz_dig $LAN +short "$z" CDS | awk '$3 == 2' | sort)
	cds_out=$(hz_dig $OUT +short "$z" CDS | awk '$3 == 2' | sort)
	if [ "$(printf '%s\n' "$cds_lan" | grep -c .)" -eq 1 ] && [ "$cds_lan" = "$cds_out" ]; then
		hz_ok "$z: one SHA-256 CDS, the same in both views"
	else
		hz_fail "$z: one SHA-256 CDS, the same in both views" "internal: $cds_lan / external: $cds_out"
	fi
	# ... and it is the DS of the key with the SEP flag each view serves
	for src in $LAN $OUT; do
		hz_dig $src +noall +answer "$z" DNSKEY >"$W/$z.dnskey.$src"
		ds=$(dnssec-dsfromkey -2 -f "$W/$z.dnskey.$src" "$z" 2>&1 | awk '{ print $4, $5, $6, $7 }')
		# compare field by field (dig splits long digests with spaces)
		want=$(printf '%s\n' "$cds_lan" | awk '{ d = ""; for (i = 4; i <= NF; i++) d = d $i; print $1, $2, $3, toupper(d) }')
		got=$(printf '%s\n' "$ds" | awk '{ print $1, $2, $3, toupper($4) }')
		if [ -n "$want" ] && [ "$got" = "$want" ]; then
			hz_ok "$z: dnssec-dsfromkey of the DNSKEY served to $src is the CDS"
		else
			hz_fail "$z: dnssec-dsfromkey of the DNSKEY served to $src is the CDS" "dsfromkey: $got / CDS: $want"
		fi
	done
	set -- $want
	echo "trust-anchor: \"$z. DS $1 $2 $3 $4\"" >>"$UB_ANCHORS"
	echo "  $z. static-ds $1 $2 $3 \"$4\";" >>"$DELV_ANCHORS"
done
echo "};" >>"$DELV_ANCHORS"

# --- every kind of answer validates, in each view, with its own data --------
ub_start $LAN $ZONES
UB_LAN=$UB_PORT
ub_start $OUT $ZONES
UB_OUT=$UB_PORT

for view in internal external; do
	if [ "$view" = internal ]; then port=$UB_LAN src=$LAN addr=192.0.2.1
	else port=$UB_OUT src=$OUT addr=198.51.100.1; fi
	for z in $ZONES; do
		dnssec_check_zone $view $port $src $z $addr
	done
done

# --- a dynamic update to the internal view: the new name validates -----------
for z in $ZONES; do
	out=$(hz_nsupdate $LAN "$z" -y "$UPD" <<<"update add printer.$z 300 IN A 192.0.2.40")
	hz_check "$z: update (TSIG upd) to the internal view accepted" test $? -eq 0
done
# fresh Unbounds: the old ones may answer from the NSEC/NSEC3 ranges they cached
ub_start $LAN $ZONES
UB_LAN=$UB_PORT
ub_start $OUT $ZONES
UB_OUT=$UB_PORT
for z in $ZONES; do
	dnssec_check internal $UB_LAN $LAN $z "printer.$z" A NOERROR "$(hz_rr "printer.$z." A 192.0.2.40)"
	dnssec_check internal $UB_LAN $LAN $z "printer.$z" TXT NOERROR
	dnssec_check internal $UB_LAN $LAN $z "nope.$z" A NXDOMAIN
	dnssec_check external $UB_OUT $OUT $z "printer.$z" A NXDOMAIN
done

# --- each view's zone, as transferred by AXFR, passes dnssec-verify ---------
axfr_fetch() { # axfr_fetch VIEW SRC KEY ZONE FILE: the zone's records in FILE
	local view=$1 src=$2 key=$3 z=$4 f=$5
	dig @127.0.0.1 -p "$SRV_PORT" -b "$src" -y "$key" +onesoa +nocmd +nostats +time=5 +tries=1 \
		"$z" AXFR >"$f.dig" 2>&1
	grep -v '[[:space:]]TSIG[[:space:]]' "$f.dig" >"$f"    # the messages' signatures, no zone data
	if ! grep -q "IN[[:space:]]*SOA" "$f" || grep -q 'Transfer failed' "$f"; then
		hz_fail "$z ($view): AXFR" "$(head -n 20 "$f.dig")"
		return 1
	fi
}
axfr_verify() { # axfr_verify VIEW SRC KEY ZONE: $W/ZONE.VIEW.axfr
	local view=$1 src=$2 key=$3 z=$4 f=$W/$4.$1.axfr out
	axfr_fetch "$@" "$f" || return
	# -z: horizond's default key is a CSK (SEP flag, signs everything)
	out=$(dnssec-verify -z -o "$z" "$f" 2>&1)
	if printf '%s\n' "$out" | grep -q 'Zone fully signed'; then
		hz_ok "$z ($view): dnssec-verify accepts the AXFR"
	else
		hz_fail "$z ($view): dnssec-verify accepts the AXFR" "$out"
	fi
}
for z in $ZONES; do
	axfr_verify internal $OUT "$INT_XFR" $z    # the key picks the view
	axfr_verify external $LAN "$EXT_XFR" $z
	hz_check "$z: the internal AXFR holds the update" grep -q "^printer\.$z\..*192\.0\.2\.40" "$W/$z.internal.axfr"
	hz_check "$z: the external AXFR holds its own data" grep -q "^www\.$z\..*198\.51\.100\.1" "$W/$z.external.axfr"
	hz_check "$z: ... and not the internal data" test "$(grep -c '192\.0\.2\.1$\|192\.0\.2\.40' "$W/$z.external.axfr")" -eq 0
	k_int=$(awk '$4 == "DNSKEY"' "$W/$z.internal.axfr" | cut -f5- | sort)
	k_ext=$(awk '$4 == "DNSKEY"' "$W/$z.external.axfr" | cut -f5- | sort)
	hz_check "$z: one DNSKEY set in both transfers" test -n "$k_int" -a "$k_int" = "$k_ext"
done
# --- transfers carry the signatures queries are answered with ---------------
# (they used to sign the zone again for each transfer: new ECDSA signatures
# every time, so two AXFRs of one serial differed, and IXFR deleted RRSIGs a
# secondary never had)
for z in $ZONES; do
	f=$W/$z.internal.axfr
	if axfr_fetch internal $OUT "$INT_XFR" $z "$f.again"; then
		hz_check "$z: two AXFRs at the same serial are identical" cmp -s "$f" "$f.again"
	fi
	q_sig=$(hz_dig $LAN +noall +answer +dnssec "www.$z" A | awk '$4 == "RRSIG" && $5 == "A"' | cut -f5-)
	x_sig=$(awk -v o="www.$z." '$1 == o && $4 == "RRSIG" && $5 == "A"' "$f" | cut -f5-)
	if [ -n "$q_sig" ] && [ "$q_sig" = "$x_sig" ]; then
		hz_ok "$z: the RRSIG of www A that queries get is the one the AXFR carries"
	else
		hz_fail "$z: the RRSIG of www A that queries get is the one the AXFR carries" \
			"query: $q_sig / AXFR: $x_sig"
	fi
done
if [ "$(grep -c 'NSEC3PARAM' "$W/nsec3.test.internal.axfr")" -ge 1 ] && [ "$(grep -c 'NSEC3' "$W/nsec.test.internal.axfr")" -eq 0 ]; then
	hz_ok "nsec3.test is signed with NSEC3, nsec.test with NSEC"
else
	hz_fail "nsec3.test is signed with NSEC3, nsec.test with NSEC"
fi

hz_stop
hz_done

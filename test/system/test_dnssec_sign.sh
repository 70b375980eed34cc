#!/usr/bin/env bash
# test_dnssec_sign.sh -- online signing (dnssec-signing: true) in two views:
# --dump-view of each view is accepted by BIND's dnssec-verify and by
# ldns-verify-zone, with the same DNSKEY set (one key, made on first use,
# mode 0600, under server.state-dir/keys); CDS/CDNSKEY are served; an update
# is signed (its new RRset gets an RRSIG, the zone still verifies); the keys
# survive a restart. No network: loopback only.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

for tool in dnssec-verify ldns-verify-zone nsupdate; do
	command -v "$tool" >/dev/null || { echo "$tool not found (scripts/packages.txt)"; exit 1; }
done
hz_init
cp "$HZ_SOURCE_DIR/test/system/data/dnssec_sign/"*.zone "$HZ_TMP/"
CONF=$HZ_TMP/horizond.yaml
hz_make_config "$HZ_SOURCE_DIR/test/system/data/dnssec_sign/horizond.yaml.in" "$CONF" "$HZ_TMP"
LAN=127.0.0.2
OUT=127.0.0.3

out=$(timeout 20 "$HORIZOND" -c "$CONF" --check 2>&1)
hz_check "--check accepts the signed zones" test $? -eq 0

dump() { # dump VIEW FILE: the view's zone as served, signed
	timeout 20 "$HORIZOND" -c "$CONF" --dump-view "$1" --zone example.com >"$2" 2>"$2.err"
}
# verify FILE DESC: BIND's and ldns' zone verifiers accept FILE. A CSK is a
# key with the SEP flag that signs everything: dnssec-verify -z.
verify() {
	out=$(dnssec-verify -z -o example.com "$1" 2>&1)
	if printf '%s\n' "$out" | grep -q 'Zone fully signed'; then hz_ok "dnssec-verify: $2"
	else hz_fail "dnssec-verify: $2" "$out"; fi
	out=$(ldns-verify-zone "$1" 2>&1)
	if [ $? -eq 0 ]; then hz_ok "ldns-verify-zone: $2"; else hz_fail "ldns-verify-zone: $2" "$out"; fi
}
dnskeys() { awk '$4 == "DNSKEY" { print $5, $6, $7, $8 }' "$1" | sort; }

dump lan "$HZ_TMP/lan.signed"
hz_check "--dump-view lan" test -s "$HZ_TMP/lan.signed"
dump outside "$HZ_TMP/out.signed"
hz_check "--dump-view outside" test -s "$HZ_TMP/out.signed"
verify "$HZ_TMP/lan.signed" "lan view (NSEC)"
verify "$HZ_TMP/out.signed" "outside view (NSEC3)"
hz_check "lan view signs with NSEC" grep -qP '\tNSEC\t' "$HZ_TMP/lan.signed"
hz_check "outside view signs with NSEC3, RFC 9276 parameters" \
	grep -qP '\tNSEC3PARAM\t1 0 0 -' "$HZ_TMP/out.signed"
hz_check "each view keeps its own data" grep -q '198.51.100.20' "$HZ_TMP/out.signed"
hz_check "... and the lan data stays in the lan view" test "$(grep -c '198.51.100' "$HZ_TMP/lan.signed")" -eq 0
keys_lan=$(dnskeys "$HZ_TMP/lan.signed")
keys_out=$(dnskeys "$HZ_TMP/out.signed")
if [ -n "$keys_lan" ] && [ "$keys_lan" = "$keys_out" ] && [ "$(printf '%s\n' "$keys_lan" | wc -l)" -eq 1 ]; then
	hz_ok "both views carry the same single DNSKEY"
else
	hz_fail "both views carry the same single DNSKEY" "lan: $keys_lan / outside: $keys_out"
fi
for f in "$HZ_TMP"/state/keys/*; do
	mode=$(stat -c %a "$f")
	[ "$mode" = 600 ] || hz_fail "$f has mode 600" "$mode"
done
hz_check "two key files (.key, .pem) of example.com under state-dir/keys" \
	test "$(ls "$HZ_TMP/state/keys" | grep -c '^Kexample\.com\.+')" -eq 2
# the lan view's auto-ptr reverse zone is signed with keys of its own name
hz_check "two key files of 1.168.192.in-addr.arpa (auto-ptr)" \
	test "$(ls "$HZ_TMP/state/keys" | grep -c '^K1\.168\.192\.in-addr\.arpa\.+')" -eq 2
hz_check "CDS and CDNSKEY in the zone" grep -qP '\tCDS\t.*\n?' "$HZ_TMP/lan.signed"

# translate: nat is signed after the translation, with the same keys
hz_make_config "$HZ_SOURCE_DIR/test/system/data/dnssec_sign/nat.yaml.in" "$HZ_TMP/nat.yaml" "$HZ_TMP"
out=$(timeout 20 "$HORIZOND" -c "$HZ_TMP/nat.yaml" --check 2>&1)
hz_check "--check accepts a signed translate: nat zone" test $? -eq 0
CONF_SAVED=$CONF
CONF=$HZ_TMP/nat.yaml
dump internal "$HZ_TMP/nat-int.signed"
dump external "$HZ_TMP/nat-ext.signed"
CONF=$CONF_SAVED
verify "$HZ_TMP/nat-int.signed" "translated view"
verify "$HZ_TMP/nat-ext.signed" "untranslated view of the same file"
hz_check "the translated view signs the private address" grep -qP '^www.example.com.\t300\tIN\tA\t192.168.1.20' "$HZ_TMP/nat-int.signed"
hz_check "the same keys for the translated and the untranslated view" \
	test "$(dnskeys "$HZ_TMP/nat-int.signed")" = "$(dnskeys "$HZ_TMP/nat-ext.signed")"

# a zone file that holds DNSSEC records cannot be signed online: FILE:LINE
hz_make_config "$HZ_SOURCE_DIR/test/system/data/dnssec_sign/presigned.yaml.in" "$HZ_TMP/presigned.yaml" "$HZ_TMP"
out=$(timeout 20 "$HORIZOND" -c "$HZ_TMP/presigned.yaml" --check 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "presigned.zone:6: zone example.com. has dnssec-signing: true but its file holds DNSKEY records"; then
	hz_ok "--check: DNSKEY in a file signed online is a FILE:LINE error"
else
	hz_fail "--check: DNSKEY in a file signed online is a FILE:LINE error" "rc=$rc $out"
fi

hz_start "$CONF" || hz_done
hz_q "$OUT" example.com CDS
hz_expect_count "CDS served to the outside" ANSWER 1
hz_q "$LAN" example.com CDNSKEY
hz_expect_count "CDNSKEY served to the LAN" ANSWER 1
served_out=$(hz_dig "$OUT" +short example.com DNSKEY | sort)
served_lan=$(hz_dig "$LAN" +short example.com DNSKEY | sort)
if [ -n "$served_out" ] && [ "$served_out" = "$served_lan" ]; then hz_ok "one DNSKEY set served to both views"
else hz_fail "one DNSKEY set served to both views" "$served_lan / $served_out"; fi

# an update: the new RRset is signed, in the served zone and in the journal
out=$(hz_nsupdate "$LAN" example.com <<<"update add printer.example.com 300 IN A 192.168.1.40")
hz_check "update accepted" test $? -eq 0
hz_q "$LAN" printer.example.com RRSIG
if hz_section ANSWER | grep -qP '\tRRSIG\tA 13 3 300 '; then hz_ok "the updated RRset is served with a new RRSIG"
else hz_fail "the updated RRset is served with a new RRSIG" "$HZ_OUT"; fi
dump lan "$HZ_TMP/lan.updated"
hz_check "the update is in the signed zone" grep -q '^printer.example.com.*192.168.1.40' "$HZ_TMP/lan.updated"
verify "$HZ_TMP/lan.updated" "lan view after an update"

# a restart reads the same keys
hz_stop
hz_start "$CONF" || hz_done
again=$(hz_dig "$OUT" +short example.com DNSKEY | sort)
if [ "$again" = "$served_out" ]; then hz_ok "the keys survive a restart"
else hz_fail "the keys survive a restart" "$served_out / $again"; fi
hz_check "still two key files per zone" test "$(ls "$HZ_TMP/state/keys" | wc -l)" -eq 4
hz_stop
hz_done

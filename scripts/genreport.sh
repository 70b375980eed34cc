#!/usr/bin/env bash
# genreport.sh -- run ISC's DNS compliance tester (genreport, from the public
# DNS-Compliance-Testing source) against BIND 9 and against horizond, both
# serving the same zone on loopback, and print the two reports side by side.
# Not part of CI: the tester's source is not in this repository.
#
#   scripts/genreport.sh SRC_DIR [HORIZOND_BINARY]
#
# SRC_DIR is a checkout of DNS-Compliance-Testing (no download is done here).
# It is copied to a temporary directory and built there (autotools; needs
# autoconf, automake, libtool, pkg-config, libssl-dev); SRC_DIR is left as
# it is. A genreport binary already built in SRC_DIR is used as is.
# HORIZOND_BINARY defaults to build/horizond. named (bind9) must be installed.
#
# Both servers listen on 127.0.0.1, each on its own free high port
# (genreport -P PORT). Output: the report of each server (one line per
# address: "zone server address: test=result ...") and a list of the tests
# whose result differs. Exit status 1 if a test BIND passes ("ok") fails
# against horizond.
# SPDX-License-Identifier: BSD-3-Clause
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: scripts/genreport.sh SRC_DIR [HORIZOND_BINARY]}
horizond=${2:-$root/build/horizond}
named=$(command -v named || echo /usr/sbin/named)
[ -x "$horizond" ] || { echo "genreport.sh: no horizond binary at $horizond" >&2; exit 1; }
[ -x "$named" ] || { echo "genreport.sh: BIND's named not found (apt-get install bind9)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hz-genreport.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# --- the tester ------------------------------------------------------------
genreport=$src/genreport
if [ ! -x "$genreport" ]; then
	echo "building genreport from $src in $work/src" >&2
	cp -a "$src" "$work/src"
	(
		cd "$work/src"
		autoreconf -fi
		./configure
		# glibc keeps ns_get16, ns_makecanon & co. in libresolv, which
		# configure does not look for
		make LIBS="-lresolv -lcrypto"
	) >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
	genreport=$work/src/genreport
fi

# --- the zone and the two servers ------------------------------------------
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		[ -z "$(ss -Htuan "( sport = :$p )" 2>/dev/null)" ] && { echo "$p"; return; }
	done
}
bport=$(free_port)
hport=$(free_port)
while [ "$hport" = "$bport" ]; do hport=$(free_port); done

zone=genreport.test
cat >"$work/zone" <<EOF
\$TTL 3600
@	IN SOA	ns1 hostmaster 1 3600 900 604800 300
@	NS	ns1
@	NS	ns2
@	MX	10 mail
@	TXT	"genreport test zone"
ns1	A	127.0.0.1
ns2	AAAA	::1
mail	A	192.0.2.25
www	A	192.0.2.80
www	AAAA	2001:db8::80
EOF

cat >"$work/named.conf" <<EOF
options {
	directory "$work";
	pid-file "$work/named.pid";
	session-keyfile "$work/session.key";
	managed-keys-directory "$work";
	listen-on port $bport { 127.0.0.1; };
	listen-on-v6 { none; };
	automatic-interface-scan no;
	recursion no;
	notify no;
	dnssec-validation no;
	empty-zones-enable no;
};
controls { };
zone "$zone" { type primary; file "$work/zone"; };
EOF

cat >"$work/horizond.yaml" <<EOF
server:
  listen: [127.0.0.1@$hport]
  workers: 1
views:
  - name: all
    match-clients: [any]
    zones:
      - name: $zone
        file: $work/zone
EOF

"$named" -g -c "$work/named.conf" >"$work/named.log" 2>&1 &
pids+=($!)
"$horizond" --allow-root -c "$work/horizond.yaml" >"$work/horizond.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	if dig +short +time=1 +tries=1 @127.0.0.1 -p "$bport" "$zone" SOA >/dev/null 2>&1 &&
	   dig +short +time=1 +tries=1 @127.0.0.1 -p "$hport" "$zone" SOA >/dev/null 2>&1; then
		break
	fi
	sleep 0.2
done

# --- the runs --------------------------------------------------------------
# -f: the FULL and EDNS tests, -c: COMMON, then the TYPE tests apart (-t
# replaces the set); -o keeps the input order.
report() {  # PORT NAME
	echo "$zone $2 127.0.0.1" | "$genreport" -P "$1" -f -c -o
	echo "$zone $2 127.0.0.1" | "$genreport" -P "$1" -t -o
}
report "$bport" bind >"$work/bind.txt"
report "$hport" horizond >"$work/horizond.txt"
# a sanitizer build (HZ_SANITIZE=ON) reports on stderr
if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$work/horizond.log"; then
	cat "$work/horizond.log" >&2
	echo "FAIL: sanitizer report in horizond's log" >&2
	exit 1
fi
echo "== BIND $("$named" -v | awk '{print $2}')"
cat "$work/bind.txt"
echo "== horizond"
cat "$work/horizond.txt"

# One "test=result" per line, per server, then compare. A result is "ok"
# (passed), "ok,NAME..." (passed, and the server also supports the EDNS
# options named: cookie, expire, subnet), or the list of what was wrong.
split() { tr ' ' '\n' <"$1" | grep '=' | sort -t= -k1,1 -u; }
split "$work/bind.txt" >"$work/bind.res"
split "$work/horizond.txt" >"$work/horizond.res"
echo "== differences (test: BIND | horizond)"
join -t= -a1 -a2 -e '(none)' -o 0,1.2,2.2 "$work/bind.res" "$work/horizond.res" |
	awk -F= '$2 != $3 { print $1 ": " $2 " | " $3 }' | tee "$work/diff.txt"
failed=$(awk -F'[:|]' '{ b = $2; h = $3; gsub(/ /, "", b); gsub(/ /, "", h)
	sub(/,.*/, "", b); sub(/,.*/, "", h)
	if (b == "ok" && h != "ok") print $1 }' "$work/diff.txt")
if [ -n "$failed" ]; then
	echo "FAIL: passed by BIND, failed by horizond:" $failed >&2
	exit 1
fi
echo "every test BIND passes passes against horizond"

#!/usr/bin/env bash
# test_leak.sh -- nothing of the internal view ever reaches an outside client.
#
# Serves zones/horizond.yaml and, from the outside source 127.0.0.3, asks for
# every name of the internal zone with every type it has (and more: ANY,
# wildcard matches, names below internal-only names, mixed case, DNSSEC OK,
# a tiny EDNS buffer, AXFR), over UDP and TCP. No response may hold a private
# address (RFC 1918, ULA fc00::/7) or an internal-only name anywhere in
# dig's full output, apart from the echo of our own question.
#
# The same battery from the inside source 127.0.0.2 must find them: that
# shows the detectors work.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init
command -v named-checkzone >/dev/null || hz_die "named-checkzone not found (apt-get install bind9-utils)"

cp -r "$HZ_SOURCE_DIR/zones" "$HZ_TMP/zones"
sed -i "s/@5300/@$HZ_PORT/g" "$HZ_TMP/zones/horizond.yaml"
ZIN=$HZ_TMP/zones/internal/example.com.zone
ZEX=$HZ_TMP/zones/external/example.com.zone

# Canonical "owner ttl class type rdata" lines of both zones.
named-checkzone -q -D -o "$HZ_TMP/in.txt" example.com "$ZIN" || hz_die "internal zone does not load"
named-checkzone -q -D -o "$HZ_TMP/ex.txt" example.com "$ZEX" || hz_die "external zone does not load"

owners() { awk '{ print tolower($1) }' "$1" | sort -u; }
# Names only the internal zone has (nas, intranet, printer, *).
INTERNAL_ONLY=$(comm -23 <(owners "$HZ_TMP/in.txt") <(owners "$HZ_TMP/ex.txt"))
[ -n "$INTERNAL_ONLY" ] || hz_die "the example internal zone has no internal-only names to test"

NAMES=$(owners "$HZ_TMP/in.txt")
TYPES=$(awk '{ print $4 }' "$HZ_TMP/in.txt" | sort -u)
EXTRA_TYPES="ANY PTR SRV CAA HINFO DNAME DS NSEC TYPE65534"

# Regexes for what must not leak. Private IPv4: 10/8, 172.16/12, 192.168/16.
# ULA: fc00::/7 written as fcXX: or fdXX:.
PRIV_RE='(^|[^0-9.])(10\.[0-9]+\.[0-9]+\.[0-9]+|172\.(1[6-9]|2[0-9]|3[01])\.[0-9]+\.[0-9]+|192\.168\.[0-9]+\.[0-9]+)([^0-9]|$)|(^|[^0-9a-f:])f[cd][0-9a-f]{0,2}:[0-9a-f:]*'
NAME_RE=
for n in $INTERNAL_ONLY; do
	n=${n//./\\.}
	n=${n//\*/\\*}
	NAME_RE="$NAME_RE${NAME_RE:+|}$n"
done
NAME_RE="(^|[^a-z0-9-])($NAME_RE)"

hz_start "$HZ_TMP/zones/horizond.yaml" || hz_done

# strip_echo: drop what dig prints of our own query (its command line and
# the question section), keep everything the server sent.
strip_echo() {
	awk '
		/^; <<>> DiG/ { next }
		/^;; QUESTION SECTION:/ { q = 1; next }
		q && /^$/ { q = 0; next }
		q { next }
		{ print }'
}

# The queries, as a dig batch file (one dig process for all of them: fast).
BATCH=$HZ_TMP/queries.txt
: >"$BATCH"
for n in $NAMES sub.nas.example.com. NaS.ExAmPlE.CoM. zzz.example.com. a.b.example.com.; do
	for t in $TYPES $EXTRA_TYPES; do
		echo "$n $t" >>"$BATCH"
	done
	# DNSSEC OK bit, and a minimum-size EDNS buffer (TC on big answers).
	echo "$n ANY +dnssec" >>"$BATCH"
	echo "$n ANY +bufsize=512 +ignore" >>"$BATCH"
done
# The batch runs twice, over UDP and over TCP (dig ignores +tcp on batch lines).
QUERIES=$(($(wc -l <"$BATCH") * 2))

# battery SRC: run every query from SRC, plus an AXFR (a zone transfer must
# not hand the zone over either); the stripped output goes to
# $HZ_TMP/battery-SRC.txt. Every query must have been answered.
battery() {
	local src=$1 out=$HZ_TMP/battery-$1.txt answered
	{
		hz_dig "$src" +notcp -f "$BATCH" 2>&1
		hz_dig "$src" +tcp -f "$BATCH" 2>&1
	} | strip_echo >"$out"
	answered=$(grep -c 'status: ' "$out")
	if [ "$answered" -eq "$QUERIES" ]; then
		hz_ok "$src: all $QUERIES queries answered"
	else
		hz_fail "$src: $answered of $QUERIES queries answered" "$(grep -m 3 -B 3 'timed out\|no servers\|error' "$out")"
	fi
	hz_dig "$src" example.com AXFR 2>&1 | strip_echo >>"$out"
}

battery 127.0.0.3
EXT=$HZ_TMP/battery-127.0.0.3.txt
hits=$(grep -Ei "$PRIV_RE" "$EXT" | sort -u | head -n 10)
if [ -z "$hits" ]; then
	hz_ok "external: no private address in $QUERIES responses"
else
	hz_fail "external: private addresses leaked" "$hits"
fi
hits=$(grep -Ei "$NAME_RE" "$EXT" | sort -u | head -n 10)
if [ -z "$hits" ]; then
	hz_ok "external: no internal-only name ($(echo "$INTERNAL_ONLY" | tr "\n" " ")) in $QUERIES responses"
else
	hz_fail "external: internal-only names leaked" "$hits"
fi
# And the outside did get the public data, so the queries were real ones.
if grep -q '203\.0\.113\.10' "$EXT"; then
	hz_ok "external: public address 203.0.113.10 served"
else
	hz_fail "external: public address 203.0.113.10 served" "$(head -n 40 "$EXT")"
fi

# Control: the inside sees all of it, so the detectors above can fire.
battery 127.0.0.2
INT=$HZ_TMP/battery-127.0.0.2.txt
if grep -Eqi "$PRIV_RE" "$INT"; then
	hz_ok "internal (control): private addresses are detected"
else
	hz_fail "internal (control): private addresses are detected" "$(head -n 40 "$INT")"
fi
for n in $INTERNAL_ONLY; do
	[ "$n" = "*.example.com." ] && continue   # never an owner in a response: wildcards are expanded
	if grep -Eqi "(^|[^a-z0-9-])${n//./\\.}" "$INT"; then
		hz_ok "internal (control): $n is detected"
	else
		hz_fail "internal (control): $n is detected" "$(head -n 40 "$INT")"
	fi
done

hz_stop
hz_done

#!/usr/bin/env bash
# test_nat_rules.sh -- the NAT map from the outside: --dump-view prints the
# translated zone, a translate: nat view answers with private addresses and
# follows reloads (also a reload that changes only the map), --check reports
# nat problems as FILE:LINE, and --nat-rules output is accepted by the kernel
# (nft -c -f, iptables-restore --test) and is idempotent when loaded twice.
#
# The kernel checks run in a network namespace of their own (nothing on the
# host is touched). Where namespaces or netfilter are refused (no
# CAP_NET_ADMIN/CAP_SYS_ADMIN, no nft), those checks are reported as SKIPPED
# and, if everything else passed, the test exits 77 (ctest: skipped), never 0.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

DATA=$HZ_SOURCE_DIR/test/system/data/nat
SKIPPED=()
NS=

hz_init
MAIN_PID=$BASHPID
cleanup_all() {
	# Only this shell: a watchdog subshell killed right after its fork can
	# run the parent's EXIT trap (see test_netns.sh).
	[ "$BASHPID" = "$MAIN_PID" ] || return 0
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	hz_cleanup
}
trap cleanup_all EXIT

cp "$DATA/example.com.zone" "$HZ_TMP/example.com.zone"
hz_make_config "$DATA/nat.yaml.in" "$HZ_TMP/nat.yaml" "$HZ_TMP"
CONF=$HZ_TMP/nat.yaml

# --- --check and --dump-view -----------------------------------------------

out=$("$HORIZOND" -c "$CONF" --check 2>&1)
hz_check "--check accepts the nat config" test $? -eq 0

out=$("$HORIZOND" -c "$CONF" --dump-view internal --zone example.com 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$out" = "$(cat "$DATA/internal.dump")" ]; then
	hz_ok "--dump-view internal prints the translated zone (golden file)"
else
	hz_fail "--dump-view internal (status $rc) differs from internal.dump" \
		"$(diff <(printf '%s\n' "$out") "$DATA/internal.dump")"
fi
out=$("$HORIZOND" -c "$CONF" --dump-view external --zone example.com. 2>&1)
if printf '%s\n' "$out" | grep -Eq '^www\.example\.com\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+203\.0\.113\.10$' &&
	! printf '%s\n' "$out" | grep -q '192\.168\.'; then
	hz_ok "--dump-view external prints the zone as written"
else
	hz_fail "--dump-view external" "$out"
fi
"$HORIZOND" -c "$CONF" --dump-view nosuch --zone example.com >/dev/null 2>"$HZ_TMP/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "no view named 'nosuch'" "$HZ_TMP/err"; then
	hz_ok "--dump-view with an unknown view: exit 1"
else
	hz_fail "--dump-view with an unknown view: exit $rc" "$(cat "$HZ_TMP/err")"
fi
"$HORIZOND" -c "$CONF" --dump-view internal --zone example.org >/dev/null 2>"$HZ_TMP/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "has no zone 'example.org'" "$HZ_TMP/err"; then
	hz_ok "--dump-view with an unknown zone: exit 1"
else
	hz_fail "--dump-view with an unknown zone: exit $rc" "$(cat "$HZ_TMP/err")"
fi

out=$("$HORIZOND" -c "$DATA/bad-overlap.yaml" --check 2>&1)
rc=$?
if [ $rc -eq 1 ] &&
	printf '%s\n' "$out" | grep -q "bad-overlap.yaml:7: nat: public 203.0.113.8 overlaps public 203.0.113.0/28 of the mapping at line 5" &&
	printf '%s\n' "$out" | grep -q "bad-overlap.yaml:9: nat mapping: public and private are of different families"; then
	hz_ok "--check reports nat overlaps and mixed families as FILE:LINE"
else
	hz_fail "--check on bad-overlap.yaml (status $rc)" "$out"
fi

# --- serving and reloads -----------------------------------------------------

# ask SOURCE NAME TYPE: the answer's data, one per line, sorted.
ask() {
	hz_dig "$1" +short "$2" "$3" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() { # expect DESC WANT GOT
	if [ "$2" = "$3" ]; then hz_ok "$1: $2"; else hz_fail "$1: expected '$2', got '$3'"; fi
}
reload_count=0
# hup: SIGHUP and wait for the next "reload: done" or "reload failed".
hup() {
	reload_count=$((reload_count + 1))
	kill -HUP "$HZ_PID"
	for _ in $(seq 1 200); do
		[ "$(grep -cE 'reload: done|reload failed' "$HZ_LOG")" -ge "$reload_count" ] && return 0
		sleep 0.05
	done
	hz_fail "reload $reload_count did not finish" "$(tail -n 5 "$HZ_LOG")"
}

if hz_start "$CONF"; then
	expect "internal www A" "192.168.1.20" "$(ask 127.0.0.2 www.example.com A)"
	expect "internal www AAAA" "fd00:1::20" "$(ask 127.0.0.2 www.example.com AAAA)"
	expect "internal host46 A (prefix keeps host bits)" "192.168.1.46" "$(ask 127.0.0.2 host46.example.com A)"
	expect "internal v6host AAAA" "fd00:1::abcd:1" "$(ask 127.0.0.2 v6host.example.com AAAA)"
	expect "internal other AAAA (not in the map)" "2001:db8:2::1" "$(ask 127.0.0.2 other.example.com AAAA)"
	expect "internal ns1 A (not in the map)" "198.51.100.53" "$(ask 127.0.0.2 ns1.example.com A)"
	expect "internal TXT untouched" '"203.0.113.10 stays text"' "$(ask 127.0.0.2 txt.example.com TXT)"
	expect "external www A" "203.0.113.10" "$(ask 127.0.0.3 www.example.com A)"
	expect "external www AAAA" "2001:db8:1::20" "$(ask 127.0.0.3 www.example.com AAAA)"
	expect "external host46 A" "203.0.113.46" "$(ask 127.0.0.3 host46.example.com A)"

	# Only the map changes (the zone file does not): the translated zone
	# must be rebuilt, the untranslated one may be kept.
	sed -i 's/private: 192.168.1.20$/private: 192.168.1.21/' "$CONF"
	hup
	expect "after a map-only reload: internal www A" "192.168.1.21" "$(ask 127.0.0.2 www.example.com A)"
	expect "after a map-only reload: external www A" "203.0.113.10" "$(ask 127.0.0.3 www.example.com A)"

	# The zone file changes: both views follow.
	sed -i 's/^www     IN A   203.0.113.10$/www     IN A   203.0.113.40/' "$HZ_TMP/example.com.zone"
	hup
	expect "after a zone reload: internal www A" "192.168.1.40" "$(ask 127.0.0.2 www.example.com A)"
	expect "after a zone reload: external www A" "203.0.113.40" "$(ask 127.0.0.3 www.example.com A)"

	# translate: nat removed: the internal view serves the file as written.
	sed -i '/translate: nat/d' "$CONF"
	hup
	expect "without translate: internal www A" "203.0.113.40" "$(ask 127.0.0.2 www.example.com A)"

	# A bad map keeps the old data.
	printf 'nat:\n  - public: 203.0.113.10\n    private: 192.168.1.300\n' >"$HZ_TMP/bad-nat.yaml"
	sed -e '/^nat:/,/^views:/{/^views:/!d}' "$CONF" >"$HZ_TMP/tmp.yaml"
	cat "$HZ_TMP/tmp.yaml" "$HZ_TMP/bad-nat.yaml" >"$CONF"
	hup
	if grep -q 'reload failed' "$HZ_LOG"; then hz_ok "a bad nat map fails the reload"; else hz_fail "a bad nat map fails the reload" "$(tail -n 5 "$HZ_LOG")"; fi
	expect "after a failed reload: internal www A" "203.0.113.40" "$(ask 127.0.0.2 www.example.com A)"
	hz_stop
fi

# --- --nat-rules -------------------------------------------------------------

hz_make_config "$DATA/nat.yaml.in" "$CONF" "$HZ_TMP"
for fmt in nftables iptables ip6tables; do
	if "$HORIZOND" -c "$CONF" --nat-rules "$fmt" >"$HZ_TMP/rules.$fmt" 2>"$HZ_TMP/err" && [ -s "$HZ_TMP/rules.$fmt" ]; then
		hz_ok "--nat-rules $fmt prints a ruleset"
	else
		hz_fail "--nat-rules $fmt" "$(cat "$HZ_TMP/err")"
	fi
done
if grep -q 'ip daddr 203.0.113.10 tcp dport { 80, 443 } dnat ip to 192.168.1.20' "$HZ_TMP/rules.nftables" &&
	grep -q 'ip saddr @lan4 ip daddr 192.168.1.20 ct status dnat ct original ip daddr 203.0.113.10 masquerade' "$HZ_TMP/rules.nftables"; then
	hz_ok "nftables rules hold the port forward and its hairpin masquerade"
else
	hz_fail "nftables rules content" "$(cat "$HZ_TMP/rules.nftables")"
fi
"$HORIZOND" -c "$CONF" --nat-rules pf >/dev/null 2>"$HZ_TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "unknown format 'pf'" "$HZ_TMP/err"; then hz_ok "--nat-rules pf: usage error"; else hz_fail "--nat-rules pf: exit $rc" "$(cat "$HZ_TMP/err")"; fi
sed '/^  lan:/d' "$CONF" >"$HZ_TMP/nolan.yaml"
"$HORIZOND" -c "$HZ_TMP/nolan.yaml" --nat-rules nftables >/dev/null 2>"$HZ_TMP/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "nat.lan lists no IPv4 prefix" "$HZ_TMP/err"; then hz_ok "--nat-rules without nat.lan: exit 1 with the reason"; else hz_fail "--nat-rules without nat.lan: exit $rc" "$(cat "$HZ_TMP/err")"; fi

# Kernel checks in a namespace of our own.
kernel_skip() {
	SKIPPED+=("$1")
	echo "SKIPPED - $1"
}
NS=hz-natrules-$$
if ! command -v nft >/dev/null || ! command -v iptables-restore >/dev/null; then
	kernel_skip "nft or iptables-restore not installed (apt-get install nftables iptables)"
elif ! ip netns add "$NS" 2>"$HZ_TMP/err"; then
	kernel_skip "cannot create a network namespace here ($(head -n 1 "$HZ_TMP/err")); ruleset not checked by the kernel"
	NS=
elif ! ip netns exec "$NS" nft list ruleset >/dev/null 2>"$HZ_TMP/err"; then
	kernel_skip "nftables refused in a namespace ($(head -n 1 "$HZ_TMP/err"))"
else
	inns() { ip netns exec "$NS" "$@"; }
	if inns nft -c -f "$HZ_TMP/rules.nftables" 2>"$HZ_TMP/err"; then
		hz_ok "nft -c -f accepts the nftables rules"
	else
		hz_fail "nft -c -f rejects the nftables rules" "$(cat "$HZ_TMP/err")"
	fi
	if inns iptables-restore --test <"$HZ_TMP/rules.iptables" 2>"$HZ_TMP/err"; then
		hz_ok "iptables-restore --test accepts the iptables rules"
	else
		hz_fail "iptables-restore --test rejects the iptables rules" "$(cat "$HZ_TMP/err")"
	fi
	if inns ip6tables-restore --test <"$HZ_TMP/rules.ip6tables" 2>"$HZ_TMP/err"; then
		hz_ok "ip6tables-restore --test accepts the ip6tables rules"
	else
		hz_fail "ip6tables-restore --test rejects the ip6tables rules" "$(cat "$HZ_TMP/err")"
	fi
	# Idempotent: loading twice leaves the same table; other tables stay.
	inns nft add table ip other
	inns nft -f "$HZ_TMP/rules.nftables" && inns nft list table inet horizond >"$HZ_TMP/once"
	inns nft -f "$HZ_TMP/rules.nftables" && inns nft list table inet horizond >"$HZ_TMP/twice"
	if [ -s "$HZ_TMP/once" ] && cmp -s "$HZ_TMP/once" "$HZ_TMP/twice" && inns nft list table ip other >/dev/null 2>&1; then
		hz_ok "nft -f twice: the same table inet horizond, other tables untouched"
	else
		hz_fail "nft -f twice is not idempotent" "$(diff "$HZ_TMP/once" "$HZ_TMP/twice")"
	fi
	inns nft delete table inet horizond
	inns iptables-restore <"$HZ_TMP/rules.iptables" && inns iptables-save -t nat | grep '^-A' >"$HZ_TMP/once"
	inns iptables-restore <"$HZ_TMP/rules.iptables" && inns iptables-save -t nat | grep '^-A' >"$HZ_TMP/twice"
	if [ -s "$HZ_TMP/once" ] && cmp -s "$HZ_TMP/once" "$HZ_TMP/twice"; then
		hz_ok "iptables-restore twice: the same nat table ($(wc -l <"$HZ_TMP/once") rules)"
	else
		hz_fail "iptables-restore twice is not idempotent" "$(diff "$HZ_TMP/once" "$HZ_TMP/twice")"
	fi
fi

echo "$HZ_PASS passed, $HZ_FAILS failed, ${#SKIPPED[@]} skipped"
if [ "$HZ_FAILS" -ne 0 ] || [ "$HZ_PASS" -eq 0 ]; then
	exit 1
fi
if [ "${#SKIPPED[@]}" -ne 0 ]; then
	echo "SKIPPED (exit 77): ${SKIPPED[*]}"
	exit 77
fi
exit 0

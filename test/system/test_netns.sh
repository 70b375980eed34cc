#!/usr/bin/env bash
# test_netns.sh -- hairpin NAT end to end, with real TCP connections between
# Linux network namespaces that this test creates and removes.
#
#   outside 203.0.113.99 --wan-- router 203.0.113.10 (wan0)
#                                       192.168.1.1  (lan0)
#                                          |
#                                   switch (bridge)
#                                    |           |
#                      client 192.168.1.50   web 192.168.1.20:80
#
# The router forwards 203.0.113.10:80 to 192.168.1.20:80 (DNAT) and runs
# horizond on 192.168.1.1@53 and 203.0.113.10@53: a LAN view with
# `translate: nat` and an external view, one zone file with public addresses.
#
#  1. The classic failure: with only the DNAT rule, the LAN client dialling
#     203.0.113.10:80 gets no connection (the server's SYN-ACK comes straight
#     from 192.168.1.20, and the client answers it with a RST), while the
#     outside client gets through.
#  2. Split DNS: the LAN client resolves www.example.com to 192.168.1.20 and
#     connects directly; the outside client resolves 203.0.113.10 and
#     connects through the port forward.
#  3. With `horizond --nat-rules nftables` loaded in the router (and then the
#     iptables variant), a LAN client that dials 203.0.113.10 literally
#     connects too, masqueraded behind 192.168.1.1.
#
# The namespaces have no link to the host's network: only the addresses
# above, no route out. Everything is removed on exit (trap). Without
# CAP_SYS_ADMIN/CAP_NET_ADMIN (no namespaces, no nftables) the test prints
# why and exits 77, which ctest reports as skipped given SKIP_RETURN_CODE 77.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

SKIP=77
ID=$$
NS_SW=hz-sw-$ID NS_RT=hz-rt-$ID NS_CL=hz-cl-$ID NS_SV=hz-sv-$ID NS_OUT=hz-out-$ID
ALL_NS="$NS_SW $NS_RT $NS_CL $NS_SV $NS_OUT"
WEB_PID=

skip() {
	echo "SKIPPED (exit $SKIP): $*"
	exit $SKIP
}

for tool in ip nft iptables-restore curl dig python3; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (see scripts/packages.txt)"
done
[ -x "$HORIZOND" ] || { echo "FAIL - no horizond binary at $HORIZOND"; exit 1; }
HZ_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hz-netns.XXXXXX")

MAIN_PID=$BASHPID
cleanup() {
	# Only the test's own shell cleans up: a subshell that is killed right
	# after it was forked (lib.sh's stop watchdog) can still run the
	# parent's EXIT trap before bash resets it, and would tear the
	# namespaces down in the middle of the test.
	[ "$BASHPID" = "$MAIN_PID" ] || return 0
	if [ -n "$HZ_PID" ] && kill -0 "$HZ_PID" 2>/dev/null; then
		kill -KILL "$HZ_PID" 2>/dev/null
		wait "$HZ_PID" 2>/dev/null
	fi
	if [ -n "$WEB_PID" ] && kill -0 "$WEB_PID" 2>/dev/null; then
		kill "$WEB_PID" 2>/dev/null
		wait "$WEB_PID" 2>/dev/null
	fi
	local ns
	for ns in $ALL_NS; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$HZ_FAILS" -ne 0 ]; then
		for f in horizond.log web.log; do
			[ -f "$HZ_TMP/$f" ] && { echo "--- $f:"; tail -n 20 "$HZ_TMP/$f"; }
		done
	fi
	rm -rf "$HZ_TMP"
}
trap cleanup EXIT

if ! ip netns add "$NS_SW" 2>"$HZ_TMP/err"; then
	skip "cannot create network namespaces here: $(head -n 1 "$HZ_TMP/err") (needs CAP_SYS_ADMIN)"
fi
for ns in $NS_RT $NS_CL $NS_SV $NS_OUT; do
	ip netns add "$ns" || { echo "FAIL - ip netns add $ns"; exit 1; }
done
if ! ip netns exec "$NS_RT" nft list ruleset >/dev/null 2>"$HZ_TMP/err"; then
	skip "nftables is refused in a network namespace: $(head -n 1 "$HZ_TMP/err")"
fi

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- the network ------------------------------------------------------------
setup() {
	set -e
	for ns in $ALL_NS; do nsx "$ns" ip link set lo up; done
	# the LAN switch
	nsx "$NS_SW" ip link add br0 type bridge
	nsx "$NS_SW" ip link set br0 up
	ip link add lan0 netns "$NS_RT" type veth peer name p-rt netns "$NS_SW"
	ip link add eth0 netns "$NS_CL" type veth peer name p-cl netns "$NS_SW"
	ip link add eth0 netns "$NS_SV" type veth peer name p-sv netns "$NS_SW"
	for p in p-rt p-cl p-sv; do
		nsx "$NS_SW" ip link set "$p" master br0
		nsx "$NS_SW" ip link set "$p" up
	done
	# the WAN link
	ip link add wan0 netns "$NS_RT" type veth peer name eth0 netns "$NS_OUT"
	# the router: forwards, and sends no ICMP redirects (a router that
	# hairpins must not tell LAN clients to bypass it)
	nsx "$NS_RT" ip addr add 192.168.1.1/24 dev lan0
	nsx "$NS_RT" ip addr add 203.0.113.10/24 dev wan0
	nsx "$NS_RT" ip link set lan0 up
	nsx "$NS_RT" ip link set wan0 up
	nsx "$NS_RT" sysctl -qw net.ipv4.ip_forward=1
	nsx "$NS_RT" sysctl -qw net.ipv4.conf.all.send_redirects=0
	nsx "$NS_RT" sysctl -qw net.ipv4.conf.lan0.send_redirects=0
	# LAN hosts
	nsx "$NS_CL" ip addr add 192.168.1.50/24 dev eth0
	nsx "$NS_CL" ip link set eth0 up
	nsx "$NS_CL" ip route add default via 192.168.1.1
	nsx "$NS_SV" ip addr add 192.168.1.20/24 dev eth0
	nsx "$NS_SV" ip link set eth0 up
	nsx "$NS_SV" ip route add default via 192.168.1.1
	# the outside client: same link as the router's WAN side, no other route
	nsx "$NS_OUT" ip addr add 203.0.113.99/24 dev eth0
	nsx "$NS_OUT" ip link set eth0 up
	set +e
}
if ! (setup) 2>"$HZ_TMP/err"; then
	echo "FAIL - building the namespaces: $(cat "$HZ_TMP/err")"
	exit 1
fi
hz_ok "namespaces: router, switch, LAN client, web server, outside client"

# The web server, logging each request's client address. Started with
# ip netns exec directly (not through a shell function), so that $! is the
# server itself (ip execs it) and the cleanup can stop it by PID.
mkdir -p "$HZ_TMP/www"
echo "hello from 192.168.1.20" >"$HZ_TMP/www/index.html"
ip netns exec "$NS_SV" python3 -m http.server 80 --bind 192.168.1.20 --directory "$HZ_TMP/www" \
	>"$HZ_TMP/web.log" 2>&1 &
WEB_PID=$!
for _ in $(seq 1 50); do
	nsx "$NS_SV" curl -s --noproxy '*' --max-time 1 http://192.168.1.20/ >/dev/null 2>&1 && break
	sleep 0.1
done

# fetch NS URL: the page body, empty on failure (3 s at most).
fetch() {
	nsx "$1" curl -s --noproxy '*' --connect-timeout 3 --max-time 5 "$2" 2>/dev/null
}
# served_to ADDR: how many requests the web server logged from ADDR.
served_to() {
	grep -c "^$1 - - " "$HZ_TMP/web.log"
}
client_rsts() {
	nsx "$NS_CL" awk '/^Tcp:/ { if (seen) { for (i = 1; i <= NF; i++) if (h[i] == "OutRsts") print $i } else { seen = 1; for (i = 1; i <= NF; i++) h[i] = $i } }' /proc/net/snmp
}
expect_page() { # DESC NS URL
	local body
	body=$(fetch "$2" "$3")
	if [ "$body" = "hello from 192.168.1.20" ]; then hz_ok "$1"; else hz_fail "$1" "curl $3 from $2 got: '$body'"; fi
}

# --- 1. the classic failure: DNAT only ----------------------------------------
nsx "$NS_RT" nft -f - <<'EOF'
table ip classic {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 203.0.113.10 tcp dport 80 dnat to 192.168.1.20
	}
}
EOF
expect_page "1. outside client reaches 203.0.113.10:80 through the port forward" "$NS_OUT" http://203.0.113.10/
rst_before=$(client_rsts)
lan_before=$(served_to 192.168.1.50)
body=$(fetch "$NS_CL" http://203.0.113.10/)
rst_after=$(client_rsts)
if [ -z "$body" ] && [ "$(served_to 192.168.1.50)" -eq "$lan_before" ]; then
	hz_ok "1. LAN client dialling 203.0.113.10:80 with only DNAT on the router: no connection"
else
	hz_fail "1. LAN client dialling 203.0.113.10:80 should fail without hairpin SNAT" "got: '$body'"
fi
if [ "$rst_after" -gt "$rst_before" ]; then
	hz_ok "1. ... the client reset the SYN-ACK that came from 192.168.1.20 ($((rst_after - rst_before)) RSTs)"
else
	hz_fail "1. the client sent no RST (expected: SYN-ACK from the private address is refused)" "OutRsts $rst_before -> $rst_after"
fi

# --- 2. split DNS with translate: nat ------------------------------------------
cat >"$HZ_TMP/example.com.zone" <<'EOF'
$ORIGIN example.com.
$TTL 300
@    IN SOA ns1 hostmaster 1 3600 600 86400 300
@    IN NS  ns1
ns1  IN A   203.0.113.10
www  IN A   203.0.113.10
EOF
cat >"$HZ_TMP/horizond.yaml" <<EOF
server:
  listen: [192.168.1.1@53, 203.0.113.10@53]
nat:
  lan: [192.168.1.0/24]
  wan-interface: wan0
  map:
    - public: 203.0.113.10
      private: 192.168.1.20
      ports: [80/tcp]
views:
  - name: lan
    match-clients: [192.168.1.0/24]
    zones:
      - name: example.com
        file: example.com.zone
        translate: nat
  - name: external
    match-clients: [any]
    zones:
      - name: example.com
        file: example.com.zone
EOF
HZ_LOG=$HZ_TMP/horizond.log
# $! is horizond itself: ip netns exec execs it (see the web server above).
ip netns exec "$NS_RT" "$HORIZOND" --allow-root -c "$HZ_TMP/horizond.yaml" </dev/null >"$HZ_LOG" 2>&1 &
HZ_PID=$!
for _ in $(seq 1 $((HZ_START_TIMEOUT * 10))); do
	grep -qw ready "$HZ_LOG" && break
	kill -0 "$HZ_PID" 2>/dev/null || break
	sleep 0.1
done
if grep -qw ready "$HZ_LOG"; then
	hz_ok "2. horizond runs in the router namespace on 192.168.1.1@53 and 203.0.113.10@53"
else
	hz_die "2. horizond did not start" "$(tail -n 20 "$HZ_LOG")"
fi
lan_addr=$(nsx "$NS_CL" dig @192.168.1.1 +short +time=2 +tries=1 www.example.com A)
out_addr=$(nsx "$NS_OUT" dig @203.0.113.10 +short +time=2 +tries=1 www.example.com A)
if [ "$lan_addr" = 192.168.1.20 ]; then hz_ok "2. LAN client resolves www.example.com to 192.168.1.20"; else hz_fail "2. LAN client resolves www.example.com" "got '$lan_addr'"; fi
if [ "$out_addr" = 203.0.113.10 ]; then hz_ok "2. outside client resolves www.example.com to 203.0.113.10"; else hz_fail "2. outside client resolves www.example.com" "got '$out_addr'"; fi
n=$(served_to 192.168.1.50)
expect_page "2. LAN client connects to the address it resolved (${lan_addr:-none})" "$NS_CL" "http://${lan_addr:-0.0.0.0}/"
if [ "$(served_to 192.168.1.50)" -gt "$n" ]; then hz_ok "2. ... directly: the server sees 192.168.1.50"; else hz_fail "2. the server did not see 192.168.1.50" "$(tail -n 3 "$HZ_TMP/web.log")"; fi
n=$(served_to 203.0.113.99)
expect_page "2. outside client connects to the address it resolved (${out_addr:-none})" "$NS_OUT" "http://${out_addr:-0.0.0.0}/"
if [ "$(served_to 203.0.113.99)" -gt "$n" ]; then hz_ok "2. ... through the port forward: the server sees 203.0.113.99"; else hz_fail "2. the server did not see 203.0.113.99" "$(tail -n 3 "$HZ_TMP/web.log")"; fi
hz_stop

# --- 3. the rules from --nat-rules ----------------------------------------------
nsx "$NS_RT" nft delete table ip classic
if "$HORIZOND" -c "$HZ_TMP/horizond.yaml" --nat-rules nftables >"$HZ_TMP/rules.nft" 2>"$HZ_TMP/err" &&
	nsx "$NS_RT" nft -f "$HZ_TMP/rules.nft" 2>"$HZ_TMP/err" && nsx "$NS_RT" nft -f "$HZ_TMP/rules.nft" 2>"$HZ_TMP/err"; then
	hz_ok "3. horizond --nat-rules nftables loads in the router (twice)"
else
	hz_fail "3. loading the nftables rules" "$(cat "$HZ_TMP/err")"
fi
n=$(served_to 192.168.1.1)
expect_page "3. LAN client dialling 203.0.113.10:80 literally connects (nftables hairpin)" "$NS_CL" http://203.0.113.10/
if [ "$(served_to 192.168.1.1)" -gt "$n" ]; then hz_ok "3. ... masqueraded: the server sees 192.168.1.1"; else hz_fail "3. the server did not see 192.168.1.1" "$(tail -n 3 "$HZ_TMP/web.log")"; fi
expect_page "3. outside client still connects through the forward (nftables)" "$NS_OUT" http://203.0.113.10/

nsx "$NS_RT" nft delete table inet horizond
body=$(fetch "$NS_CL" http://203.0.113.10/)
if [ -z "$body" ]; then hz_ok "3. rules removed: the LAN client fails again"; else hz_fail "3. rules removed, yet the LAN client connected" "$body"; fi
if "$HORIZOND" -c "$HZ_TMP/horizond.yaml" --nat-rules iptables >"$HZ_TMP/rules.ipt" 2>"$HZ_TMP/err" &&
	nsx "$NS_RT" iptables-restore <"$HZ_TMP/rules.ipt" 2>"$HZ_TMP/err"; then
	hz_ok "3. horizond --nat-rules iptables loads in the router"
else
	hz_fail "3. loading the iptables rules" "$(cat "$HZ_TMP/err")"
fi
expect_page "3. LAN client dialling 203.0.113.10:80 literally connects (iptables hairpin)" "$NS_CL" http://203.0.113.10/
expect_page "3. outside client still connects through the forward (iptables)" "$NS_OUT" http://203.0.113.10/

# --- nat.apply: true: horizond loads the nftables rules itself on start ---------
nsx "$NS_RT" iptables -t nat -F
nsx "$NS_RT" iptables -t nat -X
sed 's/^  lan: /  apply: true\n  lan: /' "$HZ_TMP/horizond.yaml" >"$HZ_TMP/apply.yaml"
ip netns exec "$NS_RT" "$HORIZOND" --allow-root -c "$HZ_TMP/apply.yaml" </dev/null >"$HZ_LOG" 2>&1 &
HZ_PID=$!
for _ in $(seq 1 $((HZ_START_TIMEOUT * 10))); do
	grep -qw ready "$HZ_LOG" && break
	kill -0 "$HZ_PID" 2>/dev/null || break
	sleep 0.1
done
if grep -q 'nat.apply: nftables table inet horizond loaded' "$HZ_LOG" &&
	nsx "$NS_RT" nft list table inet horizond >/dev/null 2>&1; then
	hz_ok "apply: true: horizond loaded table inet horizond on start"
else
	hz_fail "apply: true: no table inet horizond after start" "$(tail -n 5 "$HZ_LOG")"
fi
expect_page "apply: true: LAN client dialling 203.0.113.10:80 connects" "$NS_CL" http://203.0.113.10/
# a reload loads the rules again: drop the table, HUP, it is back
nsx "$NS_RT" nft delete table inet horizond
kill -HUP "$HZ_PID"
for _ in $(seq 1 50); do
	[ "$(grep -c 'nat.apply: nftables table inet horizond loaded' "$HZ_LOG")" -ge 2 ] && break
	sleep 0.1
done
if [ "$(grep -c 'nat.apply: nftables table inet horizond loaded' "$HZ_LOG")" -ge 2 ] &&
	nsx "$NS_RT" nft list table inet horizond >/dev/null 2>&1; then
	hz_ok "apply: true: a reload loads the rules again"
else
	hz_fail "apply: true: no table inet horizond after a reload" "$(tail -n 5 "$HZ_LOG")"
fi
hz_stop

hz_done

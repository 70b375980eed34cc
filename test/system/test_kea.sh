#!/usr/bin/env bash
# test_kea.sh -- the Kea setup of docs/dynamic-updates.md, for real: Kea's
# DHCPv4 server and its DHCP-DDNS daemon lease an address to ISC dhclient and
# register the client's name, forward and reverse, in horizond with
# TSIG-signed updates, in network namespaces this test creates and removes.
#
#   laptop (dhclient) eth0 ---+
#                              lan0 (bridge)       router: kea-dhcp4 (lan0),
#   other  (dhclient) eth0 ---+ 192.168.1.1        kea-dhcp-ddns (127.0.0.1),
#                               203.0.113.10 wan0  horizond (127.0.0.1,
#   outside 203.0.113.99 eth0 ---------+           192.168.1.1, 203.0.113.10)
#
# The six configuration files (horizond.yaml, three zone files,
# kea-dhcp4.conf, kea-dhcp-ddns.conf) are taken from the blocks of
# docs/dynamic-updates.md marked `<!-- kea-test: PATH -->`, so the page and
# the test cannot drift apart; only /var/lib/kea/ (the lease file) is moved
# into the temp dir. Checked:
#  - the client gets a lease, and the DHCP search list and name server;
#  - on the laptop, getent (the glibc stub resolver, through the resolv.conf
#    written from the DHCP options) finds laptop.example.com, plain `laptop`
#    (search list), and the address's PTR;
#  - the outside client (external view) sees neither name nor PTR;
#  - another machine that also calls itself "laptop" gets an address but not
#    the name, and its release does not remove the laptop's name (Kea's
#    DHCID prerequisites, RFC 4703, evaluated by horizond);
#  - a restart of horizond keeps both (journal);
#  - `dhclient -r` (DHCPRELEASE) makes Kea remove both, also after a restart.
#  - with a wrong secret in kea-dhcp-ddns.conf, Kea logs a "corrupt
#    response", horizond logs BADSIG, and nothing is registered (the
#    troubleshooting note of the doc).
#
# Nothing leaves the namespaces: no namespace has a route out, Kea's
# NCR channel and the updates use the router's loopback. dhclient runs with
# our own -sf script (written below), not Debian's dhclient-script, which
# would write temp files into the host's /etc and may set the host name:
# ours sets the address and writes only /etc/netns/<laptop>/resolv.conf, the
# file that `ip netns exec` mounts as the laptop's /etc/resolv.conf. Leases,
# pid and lock files of dhclient and Kea live in the temp dir; the host's
# /etc/resolv.conf is checked unchanged at the end. Kea and dhclient are
# started by this test with its own files and stopped by PID; the Debian
# services of the packages are not used.
#
# Without CAP_SYS_ADMIN/CAP_NET_ADMIN (no namespaces) the test exits 77
# (skipped). Missing Kea or dhclient is a failure: scripts/packages.txt
# lists them.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

SKIP=77
ID=$$
NS_RT=hz-krt-$ID NS_CL=hz-kcl-$ID NS_CL2=hz-kc2-$ID NS_OUT=hz-kout-$ID
ALL_NS="$NS_RT $NS_CL $NS_CL2 $NS_OUT"
DOC=$HZ_SOURCE_DIR/docs/dynamic-updates.md
WAIT=30                     # seconds: bound for each thing we wait for
KEA4_PID='' D2_PID=''
declare -A DHCLIENT_PID=()  # namespace -> pid of its dhclient
MADE_ETC_NETNS=

skip() {
	echo "SKIPPED (exit $SKIP): $*"
	exit $SKIP
}

[ -x "$HORIZOND" ] || { echo "FAIL - no horizond binary at $HORIZOND"; exit 1; }
command -v ip >/dev/null || skip "ip (iproute2) is not installed: no namespaces"
HZ_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hz-kea.XXXXXX")
ROOT=$HZ_TMP/root           # the files of the doc, as under /
RUN=$HZ_TMP/run             # pid, lock and lease files of Kea and dhclient
mkdir -p "$ROOT" "$RUN"

# resolv_state: what the host's /etc/resolv.conf is now (checksum, or absent).
resolv_state() {
	if [ -e /etc/resolv.conf ]; then sha256sum </etc/resolv.conf; else echo absent; fi
}
HOST_RESOLV=$(resolv_state)

# stop_pid PID: SIGTERM our child PID, KILL it after $HZ_STOP_TIMEOUT s;
# its exit status in HZ_RC.
stop_pid() {
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null
		hz_wait_exit "$1" "$HZ_STOP_TIMEOUT"
	else
		wait "$1" 2>/dev/null
		HZ_RC=$?
	fi
}

MAIN_PID=$BASHPID
cleanup() {
	# only the test's own shell: see test_netns.sh
	[ "$BASHPID" = "$MAIN_PID" ] || return 0
	local pid ns
	for pid in "${DHCLIENT_PID[@]}" "$KEA4_PID" "$D2_PID" "$HZ_PID"; do
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for ns in $ALL_NS; do
		ip netns del "$ns" 2>/dev/null
	done
	for ns in $NS_CL $NS_CL2; do
		rm -rf "/etc/netns/$ns"
	done
	[ -n "$MADE_ETC_NETNS" ] && rmdir /etc/netns 2>/dev/null
	if [ "$HZ_FAILS" -ne 0 ]; then
		for f in horizond.log kea-dhcp-ddns.log kea-dhcp-ddns-wrong-secret.log kea-dhcp4.log \
			"dhclient-$NS_CL.log" "dhclient-$NS_CL2.log"; do
			[ -f "$HZ_TMP/$f" ] && { echo "--- $f:"; tail -n 25 "$HZ_TMP/$f"; }
		done
	fi
	rm -rf "$HZ_TMP"
}
trap cleanup EXIT

if ! ip netns add "$NS_RT" 2>"$HZ_TMP/err"; then
	skip "cannot create network namespaces here: $(head -n 1 "$HZ_TMP/err") (needs CAP_SYS_ADMIN)"
fi
for ns in $NS_CL $NS_CL2 $NS_OUT; do
	ip netns add "$ns" || { echo "FAIL - ip netns add $ns"; exit 1; }
done
# A chroot may create namespaces but not enter them ("mount --make-rslave /"
# failed): nothing here could run, so skip as test_netns.sh does.
if ! ip netns exec "$NS_RT" true 2>"$HZ_TMP/err"; then
	skip "cannot enter a network namespace here: $(head -n 1 "$HZ_TMP/err")"
fi
for tool in kea-dhcp4 kea-dhcp-ddns dhclient dig getent sha256sum; do
	command -v "$tool" >/dev/null ||
		hz_die "$tool is not installed (bash scripts/deps.sh installs scripts/packages.txt)"
done

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- the network -------------------------------------------------------------
setup() {
	set -e
	for ns in $ALL_NS; do nsx "$ns" ip link set lo up; done
	# the router's LAN: a bridge named lan0, one port per LAN machine
	nsx "$NS_RT" ip link add lan0 type bridge
	ip link add p-cl netns "$NS_RT" type veth peer name eth0 netns "$NS_CL"
	ip link add p-cl2 netns "$NS_RT" type veth peer name eth0 netns "$NS_CL2"
	ip link add wan0 netns "$NS_RT" type veth peer name eth0 netns "$NS_OUT"
	for p in p-cl p-cl2; do
		nsx "$NS_RT" ip link set "$p" master lan0
		nsx "$NS_RT" ip link set "$p" up
	done
	nsx "$NS_RT" ip addr add 192.168.1.1/24 dev lan0
	nsx "$NS_RT" ip addr add 203.0.113.10/24 dev wan0
	nsx "$NS_RT" ip link set lan0 up
	nsx "$NS_RT" ip link set wan0 up
	# the LAN machines' eth0 is up (so lan0 has a carrier when Kea opens
	# it) but has no address: dhclient gets one
	nsx "$NS_CL" ip link set eth0 up
	nsx "$NS_CL2" ip link set eth0 up
	nsx "$NS_OUT" ip addr add 203.0.113.99/24 dev eth0
	nsx "$NS_OUT" ip link set eth0 up
	set +e
}
if ! (setup) 2>"$HZ_TMP/err"; then
	hz_die "building the namespaces" "$(cat "$HZ_TMP/err")"
fi

# The LAN machines' own /etc files (ip netns exec mounts each file of
# /etc/netns/NS over /etc): resolv.conf for dhclient to fill, and hosts and
# nsswitch.conf so that getent asks DNS only, not the host's /etc/hosts.
[ -d /etc/netns ] || MADE_ETC_NETNS=1
for ns in $NS_CL $NS_CL2; do
	mkdir -p "/etc/netns/$ns"
	echo "# written by dhclient (test_kea.sh)" >"/etc/netns/$ns/resolv.conf"
	printf '127.0.0.1\tlocalhost\n' >"/etc/netns/$ns/hosts"
	printf 'hosts: files dns\n' >"/etc/netns/$ns/nsswitch.conf"
done
hz_ok "namespaces: router, laptop, another LAN machine, outside client"

# --- the configuration, from the doc -----------------------------------------
# extract_doc DOC ROOT: write every fenced block that follows a line
# `<!-- kea-test: PATH -->` to ROOT/PATH; print how many were written.
extract_doc() {
	local line path='' inblock=0 n=0
	while IFS= read -r line; do
		if [ "$inblock" -eq 1 ]; then
			if [[ $line == '```'* ]]; then
				inblock=0 path='' n=$((n + 1))
			else
				printf '%s\n' "$line" >>"$2/$path"
			fi
		elif [[ $line =~ ^'<!-- kea-test: '([A-Za-z0-9_./-]+)' -->'$ ]]; then
			path=${BASH_REMATCH[1]}
			mkdir -p "$2/$(dirname "$path")"
			: >"$2/$path"
		elif [ -n "$path" ] && [[ $line == '```'* ]]; then
			inblock=1
		fi
	done <"$1"
	echo "$n"
}
n=$(extract_doc "$DOC" "$ROOT")
HZ_CONF=$ROOT/etc/horizond/horizond.yaml
KEA4_CONF=$ROOT/etc/kea/kea-dhcp4.conf
D2_CONF=$ROOT/etc/kea/kea-dhcp-ddns.conf
for f in "$HZ_CONF" "$KEA4_CONF" "$D2_CONF" "$ROOT/etc/horizond/internal/example.com.zone" \
	"$ROOT/etc/horizond/internal/1.168.192.in-addr.arpa.zone" "$ROOT/etc/horizond/external/example.com.zone"; do
	[ -s "$f" ] || hz_die "docs/dynamic-updates.md has no kea-test block for ${f#"$ROOT"/}"
done
hz_check "6 configuration files taken from docs/dynamic-updates.md" [ "$n" -eq 6 ]
# the lease file into the temp dir; nothing else differs from the page
sed -i "s|\"/var/lib/kea/|\"$ROOT/var/lib/kea/|" "$KEA4_CONF"
mkdir -p "$ROOT/var/lib/kea"

# config_ok DESC COMMAND...: COMMAND (a config check) exits 0 within 20 s.
config_ok() {
	local desc=$1 out
	shift
	if out=$(timeout 20 "$@" 2>&1); then hz_ok "$desc"; else hz_fail "$desc" "$out"; fi
}
config_ok "horizond --check accepts the doc's horizond.yaml" "$HORIZOND" --check -c "$HZ_CONF"
config_ok "kea-dhcp4 -t accepts the doc's kea-dhcp4.conf" ip netns exec "$NS_RT" kea-dhcp4 -t "$KEA4_CONF"
config_ok "kea-dhcp-ddns -t accepts the doc's kea-dhcp-ddns.conf" kea-dhcp-ddns -t "$D2_CONF"

# --- the daemons ---------------------------------------------------------------
# wait_log LOG PATTERN PID: wait until LOG has PATTERN (grep -E) while PID lives.
wait_log() {
	for _ in $(seq 1 $((WAIT * 10))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_horizond LOG: horizond in the router. ip netns exec execs it, so
# $! is horizond itself and it can be stopped by PID.
start_horizond() {
	HZ_LOG=$HZ_TMP/$1
	ip netns exec "$NS_RT" "$HORIZOND" --allow-root -c "$HZ_CONF" </dev/null >"$HZ_LOG" 2>&1 &
	HZ_PID=$!
	if wait_log "$HZ_LOG" '\bready\b' "$HZ_PID"; then
		hz_ok "horizond runs in the router ($1)"
	else
		hz_die "horizond did not start ($1)" "$(tail -n 20 "$HZ_LOG")"
	fi
}
start_horizond horizond.log

# Kea's pid and lock files go to $RUN; its logs (stdout, as configured) to
# $HZ_TMP. env execs Kea, so $! is the daemon.
# start_d2 CONF LOG: kea-dhcp-ddns with CONF, logging to $HZ_TMP/LOG (a new
# file each time, so that waiting for its start line waits for this one);
# sets D2_LOG.
start_d2() {
	D2_LOG=$HZ_TMP/$2
	ip netns exec "$NS_RT" env KEA_PIDFILE_DIR="$RUN" KEA_LOCKFILE_DIR="$RUN" \
		kea-dhcp-ddns -c "$1" </dev/null >"$D2_LOG" 2>&1 &
	D2_PID=$!
	wait_log "$D2_LOG" DHCP_DDNS_STARTED "$D2_PID" ||
		hz_die "kea-dhcp-ddns did not start" "$(tail -n 20 "$D2_LOG")"
}
start_d2 "$D2_CONF" kea-dhcp-ddns.log
ip netns exec "$NS_RT" env KEA_PIDFILE_DIR="$RUN" KEA_LOCKFILE_DIR="$RUN" \
	kea-dhcp4 -c "$KEA4_CONF" </dev/null >"$HZ_TMP/kea-dhcp4.log" 2>&1 &
KEA4_PID=$!
wait_log "$HZ_TMP/kea-dhcp4.log" DHCP4_STARTED "$KEA4_PID" ||
	hz_die "kea-dhcp4 did not start" "$(tail -n 20 "$HZ_TMP/kea-dhcp4.log")"
hz_ok "kea-dhcp-ddns and kea-dhcp4 run in the router"

# --- the laptop leases an address ----------------------------------------------
# Both LAN machines send the host name "laptop". Their -sf script applies
# the lease to the interface and writes the namespace's resolv.conf (and
# nothing else); every file of a client is $RUN/dhclient-NS.*.
cat >"$RUN/dhclient.conf" <<'EOF'
send host-name "laptop";
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, domain-search;
EOF
# dhclient_args NS: the arguments of NS's dhclient (interface eth0).
dhclient_args() {
	DHCLIENT_ARGS=(-4 -v -cf "$RUN/dhclient.conf" -lf "$RUN/dhclient-$1.leases"
		-pf "$RUN/dhclient-$1.pid" -sf "$RUN/dhclient-$1.script" eth0)
}
# dhclient_script NS: write NS's -sf script.
dhclient_script() {
	local f=$RUN/dhclient-$1.script
	cat >"$f" <<EOF
#!/bin/sh
# dhclient -sf script of test_kea.sh: the address, the default route and
# /etc/netns/$1/resolv.conf (the namespace's /etc/resolv.conf); nothing else.
ip=$(command -v ip)
resolv_conf=/etc/netns/$1/resolv.conf
EOF
	cat >>"$f" <<'EOF'
case $reason in
PREINIT)
	$ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
	if [ -n "${old_ip_address:-}" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
		$ip -4 addr flush dev "$interface"
	fi
	$ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
	for r in ${new_routers:-}; do $ip -4 route replace default via "$r" dev "$interface"; break; done
	{
		[ -n "${new_domain_name:-}" ] && echo "search $new_domain_name"
		for s in ${new_domain_name_servers:-}; do echo "nameserver $s"; done
	} >"$resolv_conf.new" && cat "$resolv_conf.new" >"$resolv_conf" && rm -f "$resolv_conf.new" ;;
EXPIRE|FAIL|RELEASE|STOP)
	$ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
	chmod 755 "$f"
}
# start_dhclient NS: start dhclient in NS, wait for its address and set
# LEASED to it (empty if none came). -d: it stays in the foreground, so $! is
# dhclient (ip netns exec execs it) and can be stopped by PID.
start_dhclient() {
	local pid
	dhclient_script "$1"
	dhclient_args "$1"
	ip netns exec "$1" dhclient -d "${DHCLIENT_ARGS[@]}" </dev/null >"$HZ_TMP/dhclient-$1.log" 2>&1 &
	pid=$!
	DHCLIENT_PID[$1]=$pid
	LEASED=
	for _ in $(seq 1 $((WAIT * 10))); do
		LEASED=$(nsx "$1" ip -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
		[ -n "$LEASED" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# release_dhclient NS: dhclient -r in NS (DHCPRELEASE); it stops NS's
# running dhclient, named by the pid file.
release_dhclient() {
	local pid=${DHCLIENT_PID[$1]}
	dhclient_args "$1"
	if nsx "$1" dhclient -r "${DHCLIENT_ARGS[@]}" </dev/null >>"$HZ_TMP/dhclient-$1.log" 2>&1; then
		hz_ok "dhclient -r in $1 releases the lease"
	else
		hz_fail "dhclient -r in $1" "$(tail -n 5 "$HZ_TMP/dhclient-$1.log")"
	fi
	for _ in $(seq 1 $((WAIT * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		hz_fail "dhclient -r did not stop the running dhclient in $1"
	else
		hz_ok "dhclient -r stopped the running dhclient in $1"
	fi
	wait "$pid" 2>/dev/null
	unset "DHCLIENT_PID[$1]"
}

start_dhclient "$NS_CL"
ADDR=$LEASED
case $ADDR in
192.168.1.1[0-9][0-9]) hz_ok "the laptop leased $ADDR from kea-dhcp4" ;;
*) hz_die "the laptop got no address from the pool (got '$ADDR')" "$(tail -n 10 "$HZ_TMP/dhclient-$NS_CL.log")" ;;
esac
REV=$(echo "$ADDR" | awk -F. '{ print $4 "." $3 "." $2 "." $1 ".in-addr.arpa" }')
if grep -q "^$ADDR," "$ROOT/var/lib/kea/kea-leases4.csv" 2>/dev/null; then
	hz_ok "the lease is in Kea's lease file in the temp dir"
else
	hz_fail "Kea's lease file lacks $ADDR" "$(cat "$ROOT/var/lib/kea/kea-leases4.csv" 2>&1)"
fi
resolv=$(cat "/etc/netns/$NS_CL/resolv.conf")
if grep -qx 'search example.com' <<<"$resolv" && grep -qx 'nameserver 192.168.1.1' <<<"$resolv"; then
	hz_ok "DHCP gave the laptop search example.com and nameserver 192.168.1.1"
else
	hz_fail "the laptop's resolv.conf lacks the DHCP search list or name server" "$resolv"
fi

# --- the names, with the laptop's stub resolver --------------------------------
# lan_getent KEY: getent hosts KEY on the laptop (glibc, its resolv.conf).
lan_getent() {
	nsx "$NS_CL" timeout 20 getent hosts "$1"
}
# expect_getent DESC KEY: getent hosts KEY on the laptop says "ADDR laptop.example.com".
expect_getent() {
	local got
	got=$(lan_getent "$2" | tr -s ' \t' ' ')
	if [ "$got" = "$ADDR laptop.example.com" ]; then
		hz_ok "$1: getent hosts $2 -> $got"
	else
		hz_fail "$1: getent hosts $2 on the laptop, expected '$ADDR laptop.example.com'" "got '$got'"
	fi
}
# router_dig ARGS: dig horizond in the router from 127.0.0.1 (internal view).
router_dig() {
	nsx "$NS_RT" dig @127.0.0.1 -b 127.0.0.1 +norec +time=2 +tries=1 "$@"
}
status_of() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n 1; }

for _ in $(seq 1 $((WAIT * 2))); do
	[ -n "$(router_dig +short laptop.example.com A)" ] && [ -n "$(router_dig +short -x "$ADDR")" ] && break
	sleep 0.5
done
corrupt=$(grep -E 'RESP_CORRUPT' "$D2_LOG")
if [ -z "$corrupt" ]; then
	hz_ok "kea-dhcp-ddns logs no corrupt response (TSIG accepted)"
else
	hz_fail "kea-dhcp-ddns: horizond's answers are a corrupt response to Kea" \
		"$(printf '%s\n' "$corrupt" | head -n 4; grep -E 'update from' "$HZ_LOG" | head -n 4)"
fi
n=$(grep -c 'DHCP_DDNS_ADD_SUCCEEDED' "$D2_LOG")
hz_check "kea-dhcp-ddns logged DHCP_DDNS_ADD_SUCCEEDED ($n)" [ "$n" -eq 1 ]
expect_getent "registered" laptop.example.com
expect_getent "short name through the DHCP search list" laptop
expect_getent "reverse (PTR)" "$ADDR"
if router_dig +short laptop.example.com DHCID | grep -q .; then
	hz_ok "Kea's DHCID record is stored next to the A record"
else
	hz_fail "no DHCID record at laptop.example.com" "$(router_dig laptop.example.com DHCID)"
fi
n=$(grep -cE "update from 127\.0\.0\.1#[0-9]+ view internal zone (example\.com|1\.168\.192\.in-addr\.arpa)\. key dhcp-key: NOERROR" "$HZ_LOG")
hz_check "horizond logged the signed forward and reverse updates ($n)" [ "$n" -ge 2 ]

# --- the external view never sees it -------------------------------------------
out=$(nsx "$NS_OUT" dig @203.0.113.10 +norec +time=2 +tries=1 laptop.example.com A)
if [ "$(status_of <<<"$out")" = NXDOMAIN ]; then
	hz_ok "outside client: laptop.example.com is NXDOMAIN"
else
	hz_fail "outside client: laptop.example.com should be NXDOMAIN" "$out"
fi
out=$(nsx "$NS_OUT" dig @203.0.113.10 +norec +time=2 +tries=1 -x "$ADDR")
if [ -n "$(status_of <<<"$out")" ] && ! grep -qi 'laptop' <<<"$out"; then
	hz_ok "outside client: no PTR for $ADDR ($(status_of <<<"$out"))"
else
	hz_fail "outside client: the PTR of $ADDR must not be visible" "$out"
fi

# --- another machine named "laptop" does not take the name over -----------------
# Kea's D2 adds a name only if it is free, or if its DHCID says the same
# client owns it (RFC 4703 prerequisites); it removes only names whose DHCID
# is the releasing client's. horizond evaluates those prerequisites.
# d2_count PATTERN: lines of kea-dhcp-ddns's log matching PATTERN (grep -E).
d2_count() {
	grep -cE "$1" "$D2_LOG"
}
# wait_d2 PATTERN N: wait until kea-dhcp-ddns has logged N lines matching PATTERN.
wait_d2() {
	for _ in $(seq 1 $((WAIT * 10))); do
		[ "$(d2_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# laptop_is_only ADDR DESC: laptop.example.com has the one A record ADDR.
laptop_is_only() {
	local got
	got=$(router_dig +short laptop.example.com A)
	if [ "$got" = "$1" ]; then hz_ok "$2: laptop.example.com is still $1 only"; else hz_fail "$2: laptop.example.com should be $1 only" "got '$got'"; fi
}
adds=$(d2_count 'DHCP_DDNS_ADD_(SUCCEEDED|FAILED)')
if start_dhclient "$NS_CL2" && [ "$LEASED" != "$ADDR" ]; then
	ADDR2=$LEASED
	hz_ok "another machine sending the host name laptop leased $ADDR2"
else
	hz_die "the other LAN machine got no address of its own (got '$LEASED')" "$(tail -n 10 "$HZ_TMP/dhclient-$NS_CL2.log")"
fi
if wait_d2 'DHCP_DDNS_ADD_FAILED' 1 && [ "$(d2_count 'DHCP_DDNS_ADD_(SUCCEEDED|FAILED)')" -eq $((adds + 1)) ]; then
	hz_ok "kea-dhcp-ddns: adding laptop.example.com for $ADDR2 failed (name owned by another DHCID)"
else
	hz_fail "kea-dhcp-ddns should have failed to add laptop.example.com for $ADDR2" \
		"$(grep -E 'DHCP_DDNS_(ADD|FORWARD|REVERSE)_' "$D2_LOG" | tail -n 4)"
fi
laptop_is_only "$ADDR" "the other machine's lease"
st=$(router_dig -x "$ADDR2" | status_of)
if [ "$st" = NXDOMAIN ]; then hz_ok "no PTR for $ADDR2"; else hz_fail "no PTR expected for $ADDR2, got '$st'" "$(router_dig -x "$ADDR2")"; fi
removes=$(d2_count 'DHCP_DDNS_REMOVE_(SUCCEEDED|FAILED)')
release_dhclient "$NS_CL2"
if wait_d2 'DHCP_DDNS_REMOVE_(SUCCEEDED|FAILED)' $((removes + 1)); then
	hz_ok "kea-dhcp-ddns handled the other machine's release"
else
	hz_fail "kea-dhcp-ddns logged no outcome for the other machine's release"
fi
laptop_is_only "$ADDR" "the other machine's release"
expect_getent "the other machine's release" laptop.example.com

# --- a restart keeps the names (journal) -----------------------------------------
hz_stop
start_horizond horizond-restart1.log
expect_getent "after a restart" laptop.example.com
expect_getent "after a restart" "$ADDR"

# --- a release removes them --------------------------------------------------------
removes=$(d2_count 'DHCP_DDNS_REMOVE_SUCCEEDED')
release_dhclient "$NS_CL"
if wait_d2 'DHCP_DDNS_REMOVE_SUCCEEDED' $((removes + 1)); then
	hz_ok "kea-dhcp-ddns removed the laptop's names (DHCP_DDNS_REMOVE_SUCCEEDED)"
else
	hz_fail "kea-dhcp-ddns logged no DHCP_DDNS_REMOVE_SUCCEEDED after the laptop's release" \
		"$(grep -E 'DHCP_DDNS_' "$D2_LOG" | tail -n 4)"
fi
for _ in $(seq 1 $((WAIT * 2))); do
	[ -z "$(router_dig +short laptop.example.com ANY)" ] && [ -z "$(router_dig +short -x "$ADDR")" ] && break
	sleep 0.5
done
# released_gone DESC: the name (A and DHCID) and the PTR are gone (asked in
# the router: the laptop has no address any more).
released_gone() {
	local st
	st=$(router_dig laptop.example.com A | status_of)
	if [ "$st" = NXDOMAIN ]; then hz_ok "$1: laptop.example.com is NXDOMAIN"; else hz_fail "$1: laptop.example.com should be NXDOMAIN, got '$st'" "$(router_dig laptop.example.com ANY)"; fi
	st=$(router_dig -x "$ADDR" | status_of)
	if [ "$st" = NXDOMAIN ]; then hz_ok "$1: $REV is NXDOMAIN"; else hz_fail "$1: $REV should be NXDOMAIN, got '$st'" "$(router_dig -x "$ADDR")"; fi
}
released_gone "after the release"
hz_stop
start_horizond horizond-restart2.log
released_gone "after the release and a restart"

# --- a wrong secret: Kea says "corrupt response", horizond says why ------------
stop_pid "$D2_PID"
D2_PID=
sed 's|"secret": "[^"]*"|"secret": "d3JvbmctLXNlY3JldC1mb3ItdGhlLWtleQ=="|' "$D2_CONF" >"$RUN/d2-wrong-secret.conf"
start_d2 "$RUN/d2-wrong-secret.conf" kea-dhcp-ddns-wrong-secret.log
if start_dhclient "$NS_CL2"; then
	hz_ok "wrong secret: the other machine leased $LEASED"
else
	hz_fail "wrong secret: the other machine got no address" "$(tail -n 10 "$HZ_TMP/dhclient-$NS_CL2.log")"
fi
if wait_d2 'DHCP_DDNS_FORWARD_ADD_RESP_CORRUPT' 1; then
	hz_ok "wrong secret: kea-dhcp-ddns logs DHCP_DDNS_FORWARD_ADD_RESP_CORRUPT"
else
	hz_fail "wrong secret: no DHCP_DDNS_FORWARD_ADD_RESP_CORRUPT from kea-dhcp-ddns" "$(grep -E 'DHCP_DDNS_' "$D2_LOG" | tail -n 4)"
fi
n=$(grep -cE 'update from 127\.0\.0\.1#[0-9]+ .*zone example\.com\. key dhcp-key: NOTAUTH: BADSIG' "$HZ_LOG")
hz_check "wrong secret: horizond logs NOTAUTH: BADSIG ($n)" [ "$n" -ge 1 ]
st=$(router_dig laptop.example.com A | status_of)
hz_check "wrong secret: laptop.example.com is not registered ($st)" [ "$st" = NXDOMAIN ]
release_dhclient "$NS_CL2"

# --- shut down -----------------------------------------------------------------------
stop_pid "$KEA4_PID"
hz_check "kea-dhcp4 stopped by PID (status $HZ_RC)" [ "$HZ_RC" -eq 0 ]
KEA4_PID=
stop_pid "$D2_PID"
hz_check "kea-dhcp-ddns stopped by PID (status $HZ_RC)" [ "$HZ_RC" -eq 0 ]
D2_PID=
hz_stop
hz_check "the host's /etc/resolv.conf is unchanged" [ "$(resolv_state)" = "$HOST_RESOLV" ]
hz_check "no dhclient temp files in the host's /etc" [ -z "$(ls /etc/resolv.conf.dhclient-new* 2>/dev/null)" ]

hz_done

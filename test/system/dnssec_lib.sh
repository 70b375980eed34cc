# dnssec_lib.sh -- what the DNSSEC system tests share (sourced after lib.sh,
# after hz_init): validating Unbounds stubbed to horizond, and a check that
# an answer validates at Unbound (AD) and at delv ("fully validated").
# The caller sets before use:
#   SRV_PORT     horizond's port
#   UB_ANCHORS   file of Unbound `trust-anchor: "..."` lines
#   DELV_ANCHORS file with a BIND `trust-anchors { ... };` block for delv
# SPDX-License-Identifier: BSD-3-Clause

UB_PIDS=()

# dnssec_need TOOL...: exit 77 (skipped) when a tool is missing.
dnssec_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh)"; exit 77; }
	done
}

# dnssec_cleanup: the EXIT trap: stop the Unbounds, then hz_cleanup.
dnssec_cleanup() {
	[ "$BASHPID" = "${HZ_MAIN_PID:-$BASHPID}" ] || return 0
	local p
	for p in "${UB_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	hz_cleanup
}

# ub_start SRC ZONE...: an Unbound on 127.0.0.1 at a port of its own,
# validating with $UB_ANCHORS, that asks horizond (stub zones) from source
# address SRC; sets UB_PORT.
ub_start() {
	local src=$1 dir=$HZ_TMP/unbound-$1 z
	shift
	mkdir -p "$dir"
	while hz_pick_port; [ "$HZ_PORT" = "$SRV_PORT" ]; do :; done
	UB_PORT=$HZ_PORT
	HZ_PORT=$SRV_PORT
	{
		echo "server:"
		echo "  interface: 127.0.0.1@$UB_PORT"
		echo "  port: $UB_PORT"
		echo "  outgoing-interface: $src"
		echo "  access-control: 127.0.0.0/8 allow"
		echo "  do-not-query-localhost: no"
		echo "  do-ip6: no"
		echo "  username: \"\""
		echo "  chroot: \"\""
		echo "  directory: \"$dir\""
		echo "  pidfile: \"$dir/unbound.pid\""
		echo "  logfile: \"$dir/unbound.log\""
		echo "  use-syslog: no"
		echo "  num-threads: 1"
		echo "  module-config: \"validator iterator\""
		echo "  qname-minimisation: no"
		echo "  val-log-level: 2"
		echo "  root-hints: \"\""
		echo "  local-zone: \"test.\" nodefault"    # Unbound serves test. itself (RFC 6761)
		sed 's/^/  /' "$UB_ANCHORS"
		for z in "$@"; do
			echo "stub-zone:"
			echo "  name: \"$z\""
			echo "  stub-addr: 127.0.0.1@$SRV_PORT"
		done
	} >"$dir/unbound.conf"
	unbound -d -c "$dir/unbound.conf" >"$dir/unbound.out" 2>&1 &
	UB_PIDS+=($!)
	for _ in $(seq 1 100); do
		dig @127.0.0.1 -p "$UB_PORT" +time=1 +tries=1 "$1" SOA >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	hz_die "unbound ($src) did not start" "$(cat "$dir/unbound.out" "$dir/unbound.log" 2>/dev/null)"
}

# ub_q PORT ARGS...: ask an Unbound (recursion desired), output in $HZ_OUT
ub_q() {
	local port=$1
	shift
	HZ_OUT=$(dig @127.0.0.1 -p "$port" +time=3 +tries=2 +dnssec "$@" 2>&1)
}

# dnssec_check VIEW PORT SRC ZONE NAME TYPE RCODE [REGEX]: the Unbound at
# PORT says RCODE with AD (and an answer record matching REGEX); delv asking
# horizond from SRC fully validates it.
dnssec_check() {
	local view=$1 port=$2 src=$3 z=$4 name=$5 type=$6 rcode=$7 re=${8:-}
	local d="$view: $name $type" out
	ub_q "$port" "$name" "$type"
	hz_expect_rcode "$d (unbound)" "$rcode"
	hz_expect_flag "$d (unbound)" ad
	[ -n "$re" ] && hz_expect_in "$d (unbound)" ANSWER "$re"
	out=$(delv @127.0.0.1 -p "$SRV_PORT" -b "$src" -a "$DELV_ANCHORS" +root="$z" "$name" "$type" 2>&1)
	if printf '%s\n' "$out" | grep -q "fully validated"; then
		hz_ok "$d (delv from $src): fully validated"
	else
		hz_fail "$d (delv from $src): not validated" "$out"
	fi
}

# dnssec_check_zone VIEW PORT SRC ZONE ADDR: every kind of answer of a zone
# made from data/dnssec/zone.in (ADDR: the view's address for www, VIEW in
# its TXT records) validates, as dnssec_check: positive, CNAME, MX with its
# additional data, NXDOMAIN, NODATA, empty non-terminal, wildcard, wildcard
# NODATA, CNAME to a missing name, no DS at a delegation, DNAME, CNAME to a
# wildcard, NXDOMAIN below a DNAME.
dnssec_check_zone() {
	local view=$1 port=$2 src=$3 z=$4 addr=$5
	dnssec_check "$view" "$port" "$src" "$z" "www.$z" A NOERROR "$(hz_rr "www.$z." A "$addr")"
	dnssec_check "$view" "$port" "$src" "$z" "www.$z" TXT NOERROR "\"view $view\""
	dnssec_check "$view" "$port" "$src" "$z" "$z" MX NOERROR "MX"
	dnssec_check "$view" "$port" "$src" "$z" "alias.$z" A NOERROR "$(hz_rr "www.$z." A "$addr")"
	dnssec_check "$view" "$port" "$src" "$z" "nope.$z" A NXDOMAIN
	dnssec_check "$view" "$port" "$src" "$z" "a.b.nope.$z" AAAA NXDOMAIN
	dnssec_check "$view" "$port" "$src" "$z" "www.$z" AAAA NOERROR
	dnssec_check "$view" "$port" "$src" "$z" "ent.$z" A NOERROR
	dnssec_check "$view" "$port" "$src" "$z" "y.ent.$z" TXT NOERROR
	dnssec_check "$view" "$port" "$src" "$z" "host.wild.$z" A NOERROR "$(hz_rr "host.wild.$z." A "$addr")"
	dnssec_check "$view" "$port" "$src" "$z" "a.b.wild.$z" TXT NOERROR "\"wildcard $view\""
	dnssec_check "$view" "$port" "$src" "$z" "host.wild.$z" MX NOERROR
	dnssec_check "$view" "$port" "$src" "$z" "deadend.$z" A NXDOMAIN
	dnssec_check "$view" "$port" "$src" "$z" "child.$z" DS NOERROR
	dnssec_check "$view" "$port" "$src" "$z" "www.old.$z" A NOERROR "$(hz_rr "www.new.$z." A "$addr")"
	dnssec_check "$view" "$port" "$src" "$z" "towild.$z" A NOERROR "$(hz_rr "host.wild.$z." A "$addr")"
	dnssec_check "$view" "$port" "$src" "$z" "nx.old.$z" A NXDOMAIN
}

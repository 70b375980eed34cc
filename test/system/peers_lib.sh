# peers_lib.sh -- third-party DNS servers (BIND's named, Knot's knotd, NSD)
# as peers of horizond in the transfer and NOTIFY tests: free ports for
# them, their configs in the temp dir, start-up in the background, stop by
# PID. Each listens on 127.0.0.1 only and talks to nothing else (no
# recursion, no NOTIFY or control channel of its own unless a test adds
# one). Source it after lib.sh and xfrin_lib.sh (xfr_wait, xfr_stop_pid).
# SPDX-License-Identifier: BSD-3-Clause

# The PIDs of the peers started (empty: not running); peers_stop stops them.
NAMED_PID=
KNOT_PID=
NSD_PID=

# peer_ports VAR...: set each VAR to a free port; all differ from each other
# and from $HZ_PORT, which stays horizond's.
peer_ports() {
	local keep=$HZ_PORT taken=" $HZ_PORT " var
	for var in "$@"; do
		hz_pick_port
		while [[ $taken == *" $HZ_PORT "* ]]; do hz_pick_port; done
		taken+="$HZ_PORT "
		printf -v "$var" '%s' "$HZ_PORT"
	done
	HZ_PORT=$keep
}

# peers_hz_conf OUT [KEY-NAME SECRET]... <VIEWS: write horizond's config OUT:
# 127.0.0.1@$HZ_PORT, two workers, server.state-dir $HZ_TMP/state, the TSIG
# keys named (hmac-sha256), then VIEWS (its views: section).
peers_hz_conf() {
	local out=$1
	shift
	{
		printf 'server:\n  listen: [127.0.0.1@%s]\n  workers: 2\n  state-dir: %s\n' \
			"$HZ_PORT" "$HZ_TMP/state"
		[ $# -eq 0 ] || echo 'keys:'
		while [ $# -ge 2 ]; do
			printf '  - name: %s\n    algorithm: hmac-sha256\n    secret: "%s"\n' "$1" "$2"
			shift 2
		done
		cat
	} >"$out"
}

# peer_serves PORT ZONE [DIG-OPTION...]: the peer on PORT answers ZONE's SOA
# (for xfr_wait while it starts).
peer_serves() {
	local port=$1 zone=$2
	shift 2
	dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 "$@" "$zone" SOA 2>/dev/null | grep -q .
}

# named_start DIR PORT [OPTION...] <CONF: start named -g on 127.0.0.1@PORT.
# DIR/named.conf holds the common options, each OPTION ("transfer-source
# 127.0.0.6") added to them, then CONF (keys, controls, zones); DIR is
# named's directory. Log: DIR/named.log. $NAMED (default: named) is the
# binary, $NAMED_ARGS more arguments ("-d 3").
named_start() {
	local dir=$1 port=$2 opt
	shift 2
	mkdir -p "$dir"
	{
		echo 'options {'
		printf '\tdirectory "%s";\n\tpid-file "%s/named.pid";\n' "$dir" "$dir"
		printf '\tlisten-on port %s { 127.0.0.1; };\n\tlisten-on-v6 { none; };\n' "$port"
		printf '\trecursion no;\n\tnotify no;\n\tdnssec-validation no;\n'
		for opt in "$@"; do printf '\t%s;\n' "$opt"; done
		echo '};'
		cat
	} >"$dir/named.conf"
	# shellcheck disable=SC2086 # NAMED_ARGS: several words
	"${NAMED:-named}" -g ${NAMED_ARGS:-} -c "$dir/named.conf" >"$dir/named.log" 2>&1 &
	NAMED_PID=$!
}

# knot_conf DIR PORT KEY-ID SECRET <CONF: write DIR/knot.conf for knotd on
# 127.0.0.1@PORT (run dir DIR, journal in DIR/db, log DIR/knot.log) with the
# TSIG key KEY-ID (hmac-sha256, SECRET), then CONF (remotes, acls,
# templates, zones).
knot_conf() {
	local dir=$1 port=$2 id=$3 secret=$4
	mkdir -p "$dir/db"
	{
		cat <<CONF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
log:
  - target: "$dir/knot.log"
    any: info
database:
    storage: "$dir/db"
key:
  - id: $id
    algorithm: hmac-sha256
    secret: $secret
CONF
		cat
	} >"$dir/knot.conf"
}

# knot_start DIR: start knotd with DIR/knot.conf (knot_conf); its output is
# added to DIR/knotd.out.
knot_start() {
	knotd -c "$1/knot.conf" >>"$1/knotd.out" 2>&1 &
	KNOT_PID=$!
}

# nsd_start DIR PORT [OPTION...] <CONF: start nsd -d on 127.0.0.1@PORT with
# DIR/nsd.conf: its server clause (zones, state and PID file in DIR, no user
# change, no chroot), each OPTION ("xfrdir: DIR") added to it, then CONF
# (remote-control, keys, zones). Output (and the log, unless an OPTION
# names a logfile): DIR/nsd.out.
nsd_start() {
	local dir=$1 port=$2 opt
	shift 2
	mkdir -p "$dir"
	{
		cat <<CONF
server:
    ip-address: 127.0.0.1@$port
    zonesdir: "$dir"
    database: ""
    pidfile: "$dir/nsd.pid"
    xfrdfile: "$dir/xfrd.state"
    zonelistfile: "$dir/zone.list"
    username: ""
    chroot: ""
    verbosity: 2
CONF
		for opt in "$@"; do echo "    $opt"; done
		cat
	} >"$dir/nsd.conf"
	nsd -d -c "$dir/nsd.conf" >"$dir/nsd.out" 2>&1 &
	NSD_PID=$!
}

# peers_stop: stop every peer started (for the EXIT trap, or before a test
# that must not have them).
peers_stop() {
	xfr_stop_pid "$NAMED_PID"
	NAMED_PID=
	xfr_stop_pid "$KNOT_PID"
	KNOT_PID=
	xfr_stop_pid "$NSD_PID"
	NSD_PID=
}

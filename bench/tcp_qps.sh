#!/usr/bin/env bash
# tcp_qps.sh -- queries per second over TCP, pipelined on many connections,
# horizond next to NSD on the same zone and the same queries.
#
#   bench/tcp_qps.sh [-b HORIZOND] [-d SECONDS] [-c CONNECTIONS] [-q OUTSTANDING]
#                    [-n NAMES] [-w WORKERS] [-x]
#
# bench/gen_zone.py writes the zone (NAMES hosts, default 10000) and the
# queries; horizond serves its two-view config (both views the same size),
# NSD (if installed; -x: skip it) the external view's zone alone, each with
# WORKERS (default 1) threads or processes ("server-count" for NSD). dnsperf
# -m tcp opens CONNECTIONS (default 100) connections and keeps OUTSTANDING
# (default 200) queries in flight over them, so every connection carries
# pipelined queries. Each server's user and system CPU per query is read from
# /proc/PID/stat. Traffic goes to 127.0.0.1 only. Not a test: ctest never
# runs it.
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
secs=10 conns=100 outstanding=200 names=10000 workers=1 nsd=yes
while getopts b:d:c:q:n:w:xh opt; do
	case $opt in
	b) bin=$OPTARG ;;
	d) secs=$OPTARG ;;
	c) conns=$OPTARG ;;
	q) outstanding=$OPTARG ;;
	n) names=$OPTARG ;;
	w) workers=$OPTARG ;;
	x) nsd=no ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
command -v dnsperf >/dev/null || { echo "dnsperf is not installed (apt-get install dnsperf)"; exit 1; }
[ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; }
[ "$nsd" = yes ] && ! command -v nsd >/dev/null && { echo "nsd not installed: horizond only"; nsd=no; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-tcp.XXXXXX")
pid=
# stop: horizond is $pid; NSD is stopped through its main process (the
# pidfile's), which takes its server and xfrd processes with it
stop() {
	[ -n "$pid" ] || return 0
	[ -s "$tmp/nsd.pid" ] && kill -TERM "$(cat "$tmp/nsd.pid")" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	pid=
}
cleanup() {
	stop
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$here/bench/gen_zone.py" "$tmp" "$names" >/dev/null
# tcp-clients: one source may hold a quarter of them (tcp.c), and every
# connection here comes from 127.0.0.1
sed -i "s/127.0.0.1@5353/127.0.0.1@$port/; s/^  listen:.*/&\n  workers: $workers\n  tcp-clients: $((conns * 8))/" "$tmp/horizond.yaml"
awk '{print $1, $2}' "$tmp/queries.txt" >"$tmp/dnsperf.txt"
cat >"$tmp/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$port
  server-count: $workers
  tcp-count: $((conns * 2))
  tcp-query-count: 0
  username: ""
  chroot: ""
  zonesdir: "$tmp"
  database: ""
  zonelistfile: "$tmp/zone.list"
  xfrdfile: "$tmp/xfrd.state"
  pidfile: "$tmp/nsd.pid"
  logfile: "$tmp/nsd.log"
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: external.zone
CONF

# wait_answer: the server answers over TCP (dig keeps to 127.0.0.1)
wait_answer() {
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 1
		dig +tcp +time=1 +tries=1 -p "$port" @127.0.0.1 host1.bench.test A 2>/dev/null |
			grep -q 'status: NOERROR' && return 0
		sleep 0.1
	done
	return 1
}

# $1 and all its descendants
tree() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do tree "$c"; done
}

# user and system ticks of $pid and its descendants (NSD answers in a
# server process forked by its main process)
cpu_ticks() {
	local p u=0 s=0
	for p in $(tree "$pid"); do
		# fields 14 and 15, counted after the name in parentheses (NSD's
		# have spaces: "(nsd: server 1)")
		read -r pu ps < <(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12, $13}')
		pu=${pu:-0} ps=${ps:-0}
		u=$((u + pu)) s=$((s + ps))
	done
	echo "$u $s"
}

# measure NAME: load the running server ($pid) and print one result line
measure() {
	local name=$1
	read -r u0 s0 < <(cpu_ticks)
	dnsperf -m tcp -s 127.0.0.1 -p "$port" -d "$tmp/dnsperf.txt" -l "$secs" -c "$conns" \
		-q "$outstanding" >"$tmp/dnsperf.$name" 2>&1 || { cat "$tmp/dnsperf.$name"; exit 1; }
	read -r u1 s1 < <(cpu_ticks)
	local done_q qps lost
	done_q=$(awk '/Queries completed/ {print $3; exit}' "$tmp/dnsperf.$name")
	lost=$(awk '/Queries lost/ {print $3; exit}' "$tmp/dnsperf.$name")
	qps=$(awk '/Queries per second/ {print $4; exit}' "$tmp/dnsperf.$name")
	awk -v n="$name" -v q="$qps" -v d="$done_q" -v l="$lost" -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
		-v hz="$(getconf CLK_TCK)" 'BEGIN {
		printf "result: %-9s tcp, %s s: %8.0f qps, %s answered, %s lost; CPU per query user %.2f us, system %.2f us\n",
			n, '"$secs"', q, d, l, u / hz / d * 1e6, s / hz / d * 1e6 }'
}

echo "zone: $names hosts per view; $conns connections, $outstanding queries outstanding, $workers worker(s); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" --allow-root -c "$tmp/horizond.yaml" 2>"$tmp/horizond.err" &
pid=$!
wait_answer || { echo "horizond did not answer"; cat "$tmp/horizond.err"; exit 1; }
measure horizond
stop

if [ "$nsd" = yes ]; then
	nsd -d -c "$tmp/nsd.conf" 2>"$tmp/nsd.err" &
	pid=$!
	wait_answer || { echo "nsd did not answer"; cat "$tmp/nsd.err" "$tmp/nsd.log" 2>/dev/null; exit 1; }
	measure nsd
	stop
	for _ in $(seq 1 50); do pgrep -f "nsd -d -c $tmp/nsd.conf" >/dev/null || break; sleep 0.1; done
fi

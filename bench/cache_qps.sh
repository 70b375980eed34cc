#!/usr/bin/env bash
# cache_qps.sh -- cache-hit answers per second of a recursive view, measured
# with dnsperf. Starts two horizond on loopback: an "upstream" serving the
# zone bench.test (200 names, TTL 3600) and the resolver under test, whose
# only view is recursive and forwards to it. Every name is asked once to fill
# the cache, then dnsperf asks them over and over: every answer is a cache
# hit (the upstream's query count at the end shows it).
#
#   bench/cache_qps.sh [-b HORIZOND] [-d SECONDS] [-c CLIENTS] [-T THREADS]
#                      [-w WORKERS] [-Q MAXQPS]
#
# Defaults: build/horizond, 10 s, 8 clients, 1 dnsperf thread, 0 workers
# (one per CPU), no rate limit. Traffic goes to 127.0.0.1 only. Not a test:
# ctest never runs it. Compare with bench/udp_qps.sh (authoritative answers).
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
secs=10 clients=8 threads=1 workers=0 maxqps=
while getopts b:d:c:T:w:Q:h opt; do
	case $opt in
	b) bin=$OPTARG ;;
	d) secs=$OPTARG ;;
	c) clients=$OPTARG ;;
	T) threads=$OPTARG ;;
	w) workers=$OPTARG ;;
	Q) maxqps=$OPTARG ;;
	*) sed -n '2,15p' "$0"; exit 2 ;;
	esac
done
command -v dnsperf >/dev/null || { echo "dnsperf is not installed (apt-get install dnsperf)"; exit 1; }
[ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-bench.XXXXXX")
pid= upid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$upid" ] && kill -TERM "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
uport=$(free_port)
while [ "$uport" = "$port" ]; do uport=$(free_port); done

{
	echo '$ORIGIN bench.test.'
	echo '$TTL 3600'
	echo '@ IN SOA ns1 hostmaster 1 3600 600 86400 3600'
	echo '@ IN NS ns1'
	echo 'ns1 IN A 192.0.2.53'
	for i in $(seq 1 200); do echo "host$i IN A 192.0.2.$((i % 250 + 1))"; done
} >"$tmp/bench.zone"
cat >"$tmp/upstream.yaml" <<YAML
server:
  listen: [127.0.0.1@$uport]
  workers: 1
views:
  - name: all
    match-clients: [any]
    zones:
      - name: bench.test
        file: bench.zone
YAML
cat >"$tmp/resolver.yaml" <<YAML
server:
  listen: [127.0.0.1@$port]
  workers: $workers
views:
  - name: lan
    match-clients: [any]
    recursion: true
    forwarders: [127.0.0.1@$uport]
YAML
for i in $(seq 1 200); do echo "host$i.bench.test A"; done >"$tmp/queries.txt"

start() { # start CONF LOG -> sets started_pid
	"$bin" --allow-root -c "$1" 2>"$2" &
	started_pid=$!
	for _ in $(seq 1 100); do
		grep -q 'notice: ready' "$2" && return 0
		kill -0 "$started_pid" 2>/dev/null || { cat "$2"; exit 1; }
		sleep 0.1
	done
	echo "not ready: $1"; cat "$2"; exit 1
}
start "$tmp/upstream.yaml" "$tmp/upstream.err"; upid=$started_pid
start "$tmp/resolver.yaml" "$tmp/resolver.err"; pid=$started_pid
grep 'notice: ready' "$tmp/resolver.err"

# Fill the cache: every name once.
dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries.txt" -n 1 -c 1 >"$tmp/warm.out" 2>&1 ||
	{ cat "$tmp/warm.out"; exit 1; }

cpu_ticks() { awk '{print $14, $15}' "/proc/$pid/stat"; }
read -r u0 s0 < <(cpu_ticks)
args=(-s 127.0.0.1 -p "$port" -d "$tmp/queries.txt" -l "$secs" -c "$clients" -T "$threads")
[ -n "$maxqps" ] && args+=(-Q "$maxqps")
dnsperf "${args[@]}" >"$tmp/dnsperf.out" 2>&1 || { cat "$tmp/dnsperf.out"; exit 1; }
read -r u1 s1 < <(cpu_ticks)
grep -E 'Queries (sent|completed|lost)|Response codes|Queries per second|Average Latency|Latency StdDev' "$tmp/dnsperf.out"
done_q=$(awk '/Queries completed/ {print $3; exit}' "$tmp/dnsperf.out")
hz=$(getconf CLK_TCK)
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v q="$done_q" -v hz="$hz" 'BEGIN {
	printf "server CPU per query: user %.2f us, system %.2f us\n", u / hz / q * 1e6, s / hz / q * 1e6 }'
qps=$(awk '/Queries per second/ {print $4; exit}' "$tmp/dnsperf.out")
lat=$(awk '/Average Latency/ {print $4 * 1000; exit}' "$tmp/dnsperf.out")
kill -TERM "$pid"; wait "$pid"; pid=
kill -TERM "$upid"; wait "$upid"; upid=
grep -E 'notice: (stopped|worker)' "$tmp/resolver.err" || true
up=$(sed -n 's/.*stopped: udp \([0-9]*\) queries.*/\1/p' "$tmp/upstream.err")
printf 'result: cache hits, %s CPUs, %s s: %.0f qps, average latency %.3f ms; upstream saw %s queries\n' \
	"$(nproc)" "$secs" "$qps" "$lat" "$up"

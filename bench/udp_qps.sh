#!/usr/bin/env bash
# udp_qps.sh -- start horizond on loopback with a small two-view config and
# measure queries per second and latency with dnsperf.
#
#   bench/udp_qps.sh [-b HORIZOND] [-d SECONDS] [-c CLIENTS] [-T THREADS]
#                    [-w WORKERS] [-m udp|tcp] [-Q MAXQPS]
#
# Defaults: build/horizond, 10 s, 8 clients, 1 dnsperf thread, 0 workers (one
# per CPU), udp, no rate limit. Traffic goes to 127.0.0.1 only. To profile
# the server while this runs: perf stat -p "$(pgrep -n horizond)" -- sleep 5
# (see docs/operations.md).
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
secs=10 clients=8 threads=1 workers=0 mode=udp maxqps=
while getopts b:d:c:T:w:m:Q:h opt; do
	case $opt in
	b) bin=$OPTARG ;;
	d) secs=$OPTARG ;;
	c) clients=$OPTARG ;;
	T) threads=$OPTARG ;;
	w) workers=$OPTARG ;;
	m) mode=$OPTARG ;;
	Q) maxqps=$OPTARG ;;
	*) sed -n '2,13p' "$0"; exit 2 ;;
	esac
done
command -v dnsperf >/dev/null || { echo "dnsperf is not installed (apt-get install dnsperf)"; exit 1; }
[ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for view in internal external; do
	{
		echo '$ORIGIN example.com.'
		echo '$TTL 300'
		echo '@ IN SOA ns1 hostmaster 1 3600 600 86400 300'
		echo '@ IN NS ns1'
		echo 'ns1 IN A 192.0.2.53'
		for i in $(seq 1 200); do echo "host$i IN A 192.0.2.$((i % 250 + 1))"; done
		[ $view = internal ] && echo 'www IN A 10.0.0.1' || echo 'www IN A 192.0.2.1'
	} >"$tmp/$view.zone"
done
cat >"$tmp/bench.yaml" <<YAML
server:
  listen: [127.0.0.1@$port]
  workers: $workers
views:
  - name: internal
    match-clients: [127.0.0.2]
    zones:
      - name: example.com
        file: internal.zone
  - name: external
    match-clients: [any]
    zones:
      - name: example.com
        file: external.zone
YAML
{
	echo "www.example.com A"
	echo "example.com SOA"
	echo "nothere.example.com A"
	for i in $(seq 1 50); do echo "host$i.example.com A"; done
} >"$tmp/queries.txt"

"$bin" --allow-root -c "$tmp/bench.yaml" 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 1 100); do
	grep -q 'notice: ready' "$tmp/stderr" && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/stderr"; exit 1; }
	sleep 0.1
done
grep 'notice: ready' "$tmp/stderr"

# CPU the server spends, split into its own (user) and the kernel's (system)
cpu_ticks() { awk '{print $14, $15}' "/proc/$pid/stat"; }
read -r u0 s0 < <(cpu_ticks)
args=(-s 127.0.0.1 -p "$port" -d "$tmp/queries.txt" -l "$secs" -c "$clients" -T "$threads" -m "$mode")
[ -n "$maxqps" ] && args+=(-Q "$maxqps")
if [ -n "${HZ_PERF_RECORD:-}" ]; then
	# profile the server's own code while the load runs: HZ_PERF_RECORD=perf.data
	perf record -q -o "$HZ_PERF_RECORD" -p "$pid" -- sleep "$((secs - 1))" >/dev/null 2>&1 &
	perf_pid=$!
fi
dnsperf "${args[@]}" >"$tmp/dnsperf.out" 2>&1 || { cat "$tmp/dnsperf.out"; exit 1; }
[ -n "${perf_pid:-}" ] && wait "$perf_pid"
read -r u1 s1 < <(cpu_ticks)
grep -E 'Queries (sent|completed|lost)|Response codes|Queries per second|Average Latency|Latency StdDev' "$tmp/dnsperf.out"
done_q=$(awk '/Queries completed/ {print $3; exit}' "$tmp/dnsperf.out")
hz=$(getconf CLK_TCK)
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v q="$done_q" -v hz="$hz" 'BEGIN {
	printf "server CPU per query: user %.2f us, system %.2f us\n", u / hz / q * 1e6, s / hz / q * 1e6 }'
qps=$(awk '/Queries per second/ {print $4; exit}' "$tmp/dnsperf.out")
lat=$(awk '/Average Latency/ {print $4 * 1000; exit}' "$tmp/dnsperf.out")
kill -TERM "$pid"; wait "$pid"; pid=
grep 'notice: stopped' "$tmp/stderr" || true
printf 'result: %s %s, %s s: %.0f qps, average latency %.3f ms\n' "$mode" "$(nproc) CPUs" "$secs" "$qps" "$lat"

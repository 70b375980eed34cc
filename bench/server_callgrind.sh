#!/usr/bin/env bash
# server_callgrind.sh -- user-space instructions per query of the whole server
# (UDP batches, libevent, view selection, answer, syscall wrappers), counted
# by valgrind so the figure does not depend on machine noise.
# Runs horizond under callgrind twice on a small two-view config, answering
# Q1 and then Q2 queries sent by dnsperf at a modest rate (valgrind is slow),
# and divides the difference in instructions by Q2 - Q1: start-up and
# shut-down cancel out. Traffic goes to 127.0.0.1 only.
#   bench/server_callgrind.sh [Q1] [Q2] [QPS] [WORKERS]
#                                   (default 5000 25000 3000 1)
# WORKERS > 1 spreads the queries over that many worker threads (SO_REUSEPORT
# sockets; dnsperf's 4 sockets are hashed to them), so the figure shows
# whether a query costs more when workers run side by side.
# HZ_CG_KEEP=DIR keeps the two callgrind outputs there (callgrind_annotate).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${HZ_BUILD_DIR:-$here/../build}
q1=${1:-5000} q2=${2:-25000} qps=${3:-3000} workers=${4:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_zone.py" "$work" 1000 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127.0.0.1@5353/127.0.0.1@$port/; s/^  listen:.*/&\n  workers: $workers/" "$work/horizond.yaml"
awk '{print $1, $2}' "$work/queries.txt" >"$work/dnsperf.txt"

run() {
	local n=$1 out=$work/cg.$1
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$build/horizond" -c "$work/horizond.yaml" 2>"$work/log.$n" &
	local pid=$!
	for _ in $(seq 1 300); do grep -qw ready "$work/log.$n" && break; sleep 0.2; done
	dnsperf -s 127.0.0.1 -p "$port" -d "$work/dnsperf.txt" -Q "$qps" -n 100 \
		-l $(( n / qps + 30 )) -c 4 -q 100 2>/dev/null | awk '/Queries completed/ {print $3}' >"$work/done.$n" &
	local dp=$!
	# stop dnsperf once n answers are in: count from the server's stats
	sleep $(( n / qps + 1 ))
	kill -INT "$dp" 2>/dev/null; wait "$dp" 2>/dev/null || true
	kill -TERM "$pid"; wait "$pid" || true
	local answered
	answered=$(grep -o 'udp [0-9]* queries, [0-9]* answers' "$work/log.$n" | awk '{print $4}')
	local ir
	ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	[ -n "${HZ_CG_KEEP:-}" ] && cp "$out" "$HZ_CG_KEEP/cg.$n"
	echo "$answered $ir"
}
read -r a1 i1 < <(run "$q1")
read -r a2 i2 < <(run "$q2")
echo "run 1: $a1 answers, $i1 instructions; run 2: $a2 answers, $i2 instructions"
echo "user-space instructions per query (whole server, $workers worker(s)): $(( (i2 - i1) / (a2 - a1) ))"

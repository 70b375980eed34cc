#!/usr/bin/env bash
# peer_callgrind.sh -- user-space instructions per answered query of
# horizond, NSD and Knot DNS on the same zone and the same load, counted by
# valgrind (callgrind): a comparison that does not depend on the machine's
# noise, which the CPU times of bench/compare.sh do (on this VM the user time
# of one binary moves between 0.27 and 0.60 µs a query from round to round).
#
#   bench/peer_callgrind.sh [-s "horizond nsd knot"] [Q1] [Q2] [QPS]
#                                                  (default 5000 25000 3000)
#
# Each server runs with one worker (horizond workers: 1, NSD server-count: 1,
# Knot udp-workers: 1) on gen_zone.py's external zone (1,000 hosts), one
# view for horizond, under callgrind twice: dnsperf sends every query once
# (warm-up), then Q1 (first run) or Q2 (second run) queries at QPS with 100
# in flight. Every process of the server is counted (NSD forks: the children
# too). The difference of the two runs' instructions divided by the
# difference of their answered queries is what a query costs; start-up,
# zone loading and shut-down cancel out. Traffic goes to 127.0.0.1 only.
# Not a test: ctest never runs it.
# SPDX-License-Identifier: BSD-3-Clause
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${HZ_BUILD_DIR:-$here/../build}
servers="horizond nsd knot"
while getopts s:h opt; do
	case $opt in
	s) servers=$OPTARG ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
q1=${1:-5000} q2=${2:-25000} qps=${3:-3000}
for tool in valgrind dnsperf callgrind_annotate python3; do
	command -v $tool >/dev/null || { echo "$tool is not installed"; exit 1; }
done
work=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill -KILL "$spid" 2>/dev/null; rm -rf "$work"' EXIT
python3 "$here/gen_zone.py" "$work" 1000 >/dev/null
awk '{print $1, $2}' "$work/queries.txt" >"$work/dnsperf.txt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

. "$here/compare/peers.sh"   # conf_nsd, conf_knot: as bench/compare.sh runs them

# conf SERVER DIR: the server's configuration in DIR
conf() {
	local d=$2
	case $1 in
	horizond)
		printf 'server:\n  listen: [127.0.0.1@%s]\n  workers: 1\n  control: ""\nviews:\n  - name: all\n    match-clients: [any]\n    zones:\n      - name: bench.test\n        file: %s\n' \
			"$port" "$work/external.zone" >"$d/conf" ;;
	nsd | knot) "conf_$1" "$d" "$work" 1 1 "$port" ;;
	esac
}

cmd() {
	case $1 in
	horizond) echo "$build/horizond --allow-root -c $2/conf" ;;
	nsd) echo "nsd -d -c $2/conf" ;;
	knot) echo "knotd -c $2/conf" ;;
	esac
}

# run SERVER N: "answered instructions" of one run with N counted queries
run() {
	local s=$1 n=$2 d=$work/$1.$2
	mkdir -p "$d"
	conf "$s" "$d"
	# shellcheck disable=SC2046
	valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$d/cg.%p" \
		$(cmd "$s" "$d") >"$d/log" 2>&1 &
	spid=$!
	# ready once an answer comes back (valgrind is slow to start)
	local ok=
	for _ in $(seq 1 300); do
		if dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" host1.bench.test A 2>/dev/null | grep -q .; then
			ok=1; break
		fi
		sleep 0.2
	done
	[ -n "$ok" ] || { echo "$s did not answer:" >&2; tail -5 "$d/log" >&2; exit 1; }
	dnsperf -s 127.0.0.1 -p "$port" -d "$work/dnsperf.txt" -n 1 -c 1 -q 20 >/dev/null 2>&1
	local answered
	answered=$(dnsperf -s 127.0.0.1 -p "$port" -d "$work/dnsperf.txt" -Q "$qps" -l $((n / qps)) \
		-c 4 -q 100 2>&1 | awk '/Queries completed:/ { print $3 }')
	kill -TERM "$spid"
	# NSD's children and valgrind's own exit: wait for every output file
	wait "$spid" 2>/dev/null || true
	spid=
	sleep 2
	local ir=0 f v
	for f in "$d"/cg.*; do
		v=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
		ir=$((ir + ${v:-0}))
	done
	echo "$answered $ir"
}

for s in $servers; do
	bin=$(cmd "$s" .)
	command -v "${bin%% *}" >/dev/null || { echo "$s: ${bin%% *} not installed"; continue; }
	read -r a1 i1 < <(run "$s" "$q1")
	read -r a2 i2 < <(run "$s" "$q2")
	[ $((a2 - a1)) -gt 0 ] || { echo "$s: no more answers in run 2 ($a1, $a2)"; continue; }
	echo "$s: run 1 $a1 answers, $i1 instructions; run 2 $a2 answers, $i2 instructions;" \
		"per query: $(( (i2 - i1) / (a2 - a1) ))"
done

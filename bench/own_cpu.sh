#!/usr/bin/env bash
# own_cpu.sh -- each server's own CPU time per UDP query, measured as its
# whole CPU time per query minus that of bench/echo_server.c (epoll,
# recvmmsg, sendmmsg, no DNS work) under the same load. Why: the user/system
# split the kernel reports (/proc/PID/stat, what bench/compare.sh shows) is
# sampled at the timer tick, and on this VM one binary's user time moved
# between 0.16 and 0.60 µs a query from run to run; the whole CPU time of a
# thread (/proc/PID/task/TID/schedstat, nanoseconds) is exact, and the
# kernel's part of it is what the echo server spends.
#
#   bench/own_cpu.sh [-s "echo horizond nsd knot"] [-d SECONDS] [-r ROUNDS]
#                    [-n NAMES] [-b HORIZOND] [-u [-p FILE]]
#
# Every server runs pinned to CPU 0 with one worker on gen_zone.py's external
# zone (NAMES hosts, default 100000; horizond with its one view), as
# bench/compare.sh runs them; dnsperf runs on CPU 1 with 8 clients for
# SECONDS (default 10) after a 2 s warm-up. The servers take turns for ROUNDS
# rounds (default 3); each round's "own" figure is the server's time minus
# the echo server's of the same round.
#
# -u also gives each server's user time per query, sampled: `perf record -e
# cpu-clock -F 5000 -C 0` over the SECONDS of the measured load (a software
# timer at 5 kHz, not the 250 Hz tick that /proc's split comes from, and
# nothing else samples that CPU's mode), counting the samples whose
# instruction address is in user space and belongs to the server. user =
# those samples / 5,000 per second / the queries answered meanwhile (dnsperf's
# rate over the same seconds). The sampling costs the CPU a few percent,
# which shows in the "all" column. -p FILE keeps the last horizond round's
# recording (perf report -i FILE --comm horizond --sort dso,sym).
# Traffic goes to 127.0.0.1 only. Not a test: ctest never runs it.
# SPDX-License-Identifier: BSD-3-Clause
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
hz_bin=$here/build/horizond
echo_bin=$here/build/bench/echo_server
servers="echo horizond nsd knot" secs=10 rounds=3 names=100000 sampled= keep=
while getopts s:d:r:n:b:up:h opt; do
	case $opt in
	s) servers=$OPTARG ;;
	d) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	n) names=$OPTARG ;;
	b) hz_bin=$OPTARG ;;
	u) sampled=1 ;;
	p) keep=$OPTARG ;;
	*) sed -n '2,32p' "$0"; exit 2 ;;
	esac
done
case " $servers " in *" echo "*) ;; *) servers="echo $servers" ;; esac
for tool in dnsperf taskset python3 dig ${sampled:+perf}; do
	command -v $tool >/dev/null || { echo "$tool is not installed"; exit 1; }
done
[ -x "$echo_bin" ] || { echo "no $echo_bin (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-own.XXXXXX")
spid=
cleanup() {
	[ -n "$spid" ] && kill -TERM "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/bench/compare/peers.sh"   # conf_nsd, conf_knot
. "$here/bench/compare/user_sampled.sh"   # user_sample_start, user_sample_us
python3 "$here/bench/gen_zone.py" "$tmp" "$names" >/dev/null
awk '{ print $1, $2 }' "$tmp/queries.txt" >"$tmp/dnsperf.txt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# every thread of the server's processes (NSD forks)
tree() {
	local p=$1 c
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
# nanoseconds on a CPU, all threads of all the server's processes
cpu_ns() {
	local p
	for p in $(tree "$spid"); do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

start() {
	local s=$1 d=$tmp/$1
	mkdir -p "$d"
	case $s in
	echo) taskset -c 0 "$echo_bin" "$port" >"$d/log" 2>&1 & ;;
	horizond)
		printf 'server:\n  listen: [127.0.0.1@%s]\n  workers: 1\n  control: ""\nviews:\n  - name: all\n    match-clients: [any]\n    zones:\n      - name: bench.test\n        file: %s\n' \
			"$port" "$tmp/external.zone" >"$d/conf"
		taskset -c 0 "$hz_bin" --allow-root -c "$d/conf" >"$d/log" 2>&1 & ;;
	nsd) conf_nsd "$d" "$tmp" 1 1 "$port"; taskset -c 0 nsd -d -c "$d/conf" >"$d/log" 2>&1 & ;;
	knot) conf_knot "$d" "$tmp" 1 1 "$port"; taskset -c 0 knotd -c "$d/conf" >"$d/log" 2>&1 & ;;
	esac
	spid=$!
	for _ in $(seq 1 300); do
		if [ "$s" = echo ]; then
			grep -q ready "$d/log" && return 0
		elif dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" host1.bench.test A 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	echo "$s did not answer" >&2
	return 1
}

stop() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
}

# one round of one server: "ns-per-query queries user-ns-per-query"
measure() {
	taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/dnsperf.txt" -c 8 -l 2 >/dev/null 2>&1
	local c0 c1 done_q user=- rec= ppid=
	if [ -n "$sampled" ]; then
		rec=$tmp/perf.data
		user_sample_start "$rec" "$secs"
		ppid=$!
	fi
	c0=$(cpu_ns)
	done_q=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/dnsperf.txt" -c 8 -l "$secs" 2>&1 |
		awk '/Queries completed:/ { print $3 }')
	c1=$(cpu_ns)
	if [ -n "$rec" ]; then
		wait "$ppid"
		# in ns, as the other columns before the table
		user=$(user_sample_us "$rec" "${done_q:-0}" $(tree "$spid") | awk '{ printf "%.0f\n", $1 * 1000 }')
		[ -n "$keep" ] && [ "$1" = horizond ] && cp "$rec" "$keep"
	fi
	echo "$(( (c1 - c0) / (done_q > 0 ? done_q : 1) )) $done_q $user"
}

declare -A T U
for r in $(seq 1 "$rounds"); do
	for s in $servers; do
		case $s in
		nsd) command -v nsd >/dev/null || continue ;;
		knot) command -v knotd >/dev/null || continue ;;
		esac
		start "$s" || { stop; continue; }
		read -r ns q us < <(measure "$s")
		stop
		T[$s.$r]=$ns U[$s.$r]=$us
		echo "[$(date -u +%T)] round $r $s: $ns ns per query ($q queries in ${secs} s${sampled:+, user $us ns})" >&2
	done
done

fmt() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)];
	printf "%.2f (%.2f-%.2f)", m / 1000, v[1] / 1000, v[NR] / 1000 }'; }
echo "| server | CPU per query, all (µs) | own: minus the echo server's (µs) |${sampled:+ user, sampled (µs) |}"
echo "| --- | --- | --- |${sampled:+ --- |}"
for s in $servers; do
	all= own= user=
	for r in $(seq 1 "$rounds"); do
		[ -n "${T[$s.$r]-}" ] || continue
		all+="${T[$s.$r]} "
		own+="$(( ${T[$s.$r]} - ${T[echo.$r]:-0} )) "
		user+="${U[$s.$r]-} "
	done
	[ -n "$all" ] || continue
	col=
	[ -n "$sampled" ] && col=" $(fmt <<<"$user") |"
	if [ "$s" = echo ]; then
		echo "| echo_server | $(fmt <<<"$all") | - |$col"
	else
		echo "| $s | $(fmt <<<"$all") | $(fmt <<<"$own") |$col"
	fi
done

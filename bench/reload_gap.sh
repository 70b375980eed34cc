#!/usr/bin/env bash
# reload_gap.sh -- how long do answers stop while a big zone reloads?
#
#   bench/reload_gap.sh [-s SERVER] [-b HORIZOND] [-r RECORDS] [-n HUPS] [-d SECONDS]
#                       [-w WORKERS] [-W WINDOW] [-q QPS] [-E] [-P] [-S] [-c CPUS] [-C CPUS]
#
# Starts SERVER (horizond, the default; nsd, knot or bind for the same
# measurement of a peer, configured by bench/compare/peers.sh with WORKERS
# workers and reloaded the way its manual says: SIGHUP, for Knot SIGUSR1)
# on a free loopback port with a zone of RECORDS A records
# (default 100000) and a small one, then runs bench/reload_gap.py twice for
# SECONDS each (default 20): once with nothing else happening (baseline), once
# while the big zone gets a new serial (written to a new file, renamed over the
# old) and SIGHUP, HUPS times (default 5), one after the other, each once the
# new serial is served. Prints both summaries (longest gap between consecutive
# answers, lost, SERVFAIL), how long each reload took from the signal to the
# new serial served, and horizond's reload lines of the log. Defaults: build/horizond, 2 workers, 4 queries in
# flight, as fast as the answers come; -q QPS paces the client to at most
# QPS queries a second (unpaced, the Python client takes a whole CPU of two,
# and the workers wait for theirs behind it). Traffic goes to 127.0.0.1 from
# 127.0.0.2 and 127.0.0.3 only. -E first runs the same client for SECONDS
# against bench/echo_server.c (answers by bouncing the query: no DNS work, no
# memory to speak of): its longest gaps are the machine's own floor, which no
# server can go below.
# -P (root): runs bench/stall_probe beside every run: a SCHED_FIFO thread per
# CPU that notes when a CPU could run no thread at all (on a virtual machine,
# the host took it away). Each run then also reports its longest gap minus
# the time such stalls cover (max_unexplained_gap_ms): the part a server
# could be blamed for.
# -S (horizond only; root, package linux-perf): `perf sched record` from the first SIGHUP to
# the last reload's end, then bench/reload_sched.py: how long horizond's
# threads waited for a CPU, and how long behind another horizond thread (a
# worker behind the reload's build), which on a shared machine tells the
# server's own stalls from other programs'. -c CPUS pins the server, -C CPUS
# the client (taskset lists, e.g. -c 1 -C 0: the worker and the reload's
# build share one CPU, and the scheduler cannot move the worker away).
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
records=100000 hups=5 secs=20 workers=2 window=4 sched= server_cpus= client_cpus= qps= control= probe=
server=horizond
while getopts s:b:r:n:d:w:W:q:EPSc:C:h opt; do
	case $opt in
	s) server=$OPTARG ;;
	b) bin=$OPTARG ;;
	r) records=$OPTARG ;;
	n) hups=$OPTARG ;;
	d) secs=$OPTARG ;;
	w) workers=$OPTARG ;;
	W) window=$OPTARG ;;
	q) qps=$OPTARG ;;
	E) control=1 ;;
	P) probe=1 ;;
	S) sched=1 ;;
	c) server_cpus=$OPTARG ;;
	C) client_cpus=$OPTARG ;;
	*) sed -n '2,39p' "$0"; exit 2 ;;
	esac
done
case $server in
horizond) [ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; } ;;
nsd | knot | bind)
	peer_bin=${server/knot/knotd}
	peer_bin=${peer_bin/bind/named}
	command -v "$peer_bin" >/dev/null || { echo "no $peer_bin installed (scripts/deps.sh)"; exit 1; }
	[ -z "$sched" ] || { echo "-S is for horizond (its thread names)"; exit 2; } ;;
*) echo "-s: horizond, nsd, knot or bind"; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-gap.XXXXXX")
pid= client= perf= prober=
cleanup() {
	[ -n "$prober" ] && kill -TERM "$prober" 2>/dev/null && wait "$prober" 2>/dev/null
	[ -n "$perf" ] && kill -INT "$perf" 2>/dev/null && wait "$perf" 2>/dev/null
	[ -n "$client" ] && kill "$client" 2>/dev/null && wait "$client" 2>/dev/null
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# big_zone SERIAL: the big zone on stdout.
big_zone() {
	awk -v n="$records" -v serial="$1" 'BEGIN {
		print "$ORIGIN big.test."
		print "$TTL 300"
		print "@ IN SOA ns1 hostmaster " serial " 3600 600 86400 300"
		print "@ IN NS ns1"
		print "ns1 IN A 192.0.2.53"
		for (i = 0; i < n; i++)
			printf "host%d IN A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
	}'
}
big_zone 1 >"$tmp/big.zone"
printf '%s\n' '$ORIGIN small.test.' '$TTL 300' '@ IN SOA ns1 hostmaster 1 3600 600 86400 300' \
	'@ IN NS ns1' 'ns1 IN A 192.0.2.53' 'www IN A 192.0.2.1' >"$tmp/small.zone"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
. "$here/bench/compare/peers.sh"   # conf_nsd, conf_knot, conf_bind
mkdir -p "$tmp/peer"
[ "$server" = horizond ] ||
	PEER_ZONES="big.test=$tmp/big.zone small.test=$tmp/small.zone" "conf_$server" "$tmp/peer" "$tmp" 1 "$workers" "$port"
cat >"$tmp/gap.yaml" <<YAML
server:
  listen: [127.0.0.1@$port]
  workers: $workers
views:
  - name: all
    match-clients: [any]
    zones:
      - name: big.test
        file: big.zone
      - name: small.test
        file: small.zone
YAML
# Names spread over the whole big zone, some misses, the small zone.
awk -v n="$records" 'BEGIN {
	srand(42)
	for (i = 0; i < 5000; i++) {
		r = rand()
		if (r < 0.8) printf "host%d.big.test A\n", int(rand() * n)
		else if (r < 0.9) printf "nothere%d.big.test A\n", i
		else print "www.small.test A"
	}
}' >"$tmp/names.txt"

client_args=(-p "$port" -b 127.0.0.2 -b 127.0.0.3 -f "$tmp/names.txt" -w "$window" -d "$secs" ${qps:+-r "$qps"})
if [ -n "$probe" ]; then
	probe_bin=$here/build/bench/stall_probe
	[ -x "$probe_bin" ] || { echo "no $probe_bin (build first)"; exit 1; }
	"$probe_bin" >"$tmp/stalls.txt" &
	prober=$!
	for _ in $(seq 1 100); do grep -q ready "$tmp/stalls.txt" && break; sleep 0.05; done
	grep -q ready "$tmp/stalls.txt" || { echo "stall_probe did not start (root needed)"; exit 1; }
	client_args+=(-P "$tmp/stalls.txt")
fi
if [ -n "$control" ]; then
	echo_bin=$here/build/bench/echo_server
	[ -x "$echo_bin" ] || { echo "no $echo_bin (build first)"; exit 1; }
	${server_cpus:+taskset -c "$server_cpus"} "$echo_bin" "$port" >"$tmp/echo.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -q ready "$tmp/echo.log" && break; sleep 0.05; done
	echo "--- control: $secs s against bench/echo_server, the same client"
	${client_cpus:+taskset -c "$client_cpus"} python3 "$here/bench/reload_gap.py" "${client_args[@]}" | tee "$tmp/echo.out"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	pid=
fi

# serial_served: the big zone's serial as the server answers it (empty: none yet)
serial_served() {
	dig +short +time=1 +tries=1 +norecurse -b 127.0.0.9 @127.0.0.1 -p "$port" big.test SOA 2>/dev/null |
		awk 'NF == 7 { print $3 }'
}
# wait_serial SERIAL: until the server answers it (10 minutes at most). One
# dig every 0.1 s: each is a process that competes with the server for a CPU
# (every 20 ms, the digs held the workers' CPUs for 77 ms over 3 reloads).
wait_serial() {
	local i
	for i in $(seq 1 6000); do
		[ "$(serial_served)" = "$1" ] && return 0
		kill -0 "$pid" 2>/dev/null || { echo "$server exited:"; tail -n 20 "$tmp/stderr" "$tmp/peer/knot.log" 2>/dev/null; exit 1; }
		[ "$server" = horizond ] && grep -q 'reload failed' "$tmp/stderr" && { echo "reload failed"; exit 1; }
		sleep 0.1
	done
	echo "$server never served serial $1"
	exit 1
}

t0=$(date +%s%N)
case $server in
horizond) ${server_cpus:+taskset -c "$server_cpus"} "$bin" --allow-root -c "$tmp/gap.yaml" 2>"$tmp/stderr" & ;;
nsd) ${server_cpus:+taskset -c "$server_cpus"} nsd -d -c "$tmp/peer/conf" >"$tmp/stderr" 2>&1 & ;;
knot) ${server_cpus:+taskset -c "$server_cpus"} knotd -c "$tmp/peer/conf" >"$tmp/stderr" 2>&1 & ;;
bind) ${server_cpus:+taskset -c "$server_cpus"} named -g -n "$workers" -c "$tmp/peer/conf" >"$tmp/stderr" 2>&1 & ;;
esac
pid=$!
wait_serial 1
echo "$server: initial load ($records records, start to the first answer): $(( ($(date +%s%N) - t0) / 1000000 )) ms"

echo "--- baseline: $secs s, no reload"
${client_cpus:+taskset -c "$client_cpus"} python3 "$here/bench/reload_gap.py" "${client_args[@]}" | tee "$tmp/base.out"

echo "--- $secs s with $hups reloads of the big zone"
${client_cpus:+taskset -c "$client_cpus"} python3 "$here/bench/reload_gap.py" "${client_args[@]}" -g "$tmp/gaps.txt" >"$tmp/reload.out" &
client=$!
sleep 1
if [ -n "$sched" ]; then
	perf sched record -o "$tmp/sched.data" >/dev/null 2>&1 &
	perf=$!
fi
reload_signal=HUP
[ "$server" = knot ] && reload_signal=USR1   # knotd(8): SIGHUP reloads the configuration only
: >"$tmp/reload_times"
for i in $(seq 1 "$hups"); do
	big_zone $((i + 1)) >"$tmp/big.zone.new"
	mv "$tmp/big.zone.new" "$tmp/big.zone"
	r0=$(date +%s%N)
	kill -"$reload_signal" "$pid"
	wait_serial $((i + 1))
	echo "reload $i: $(( ($(date +%s%N) - r0) / 1000000 )) ms from SIG$reload_signal to the new serial served" >>"$tmp/reload_times"
	sleep 0.5
done
if [ -n "$perf" ]; then
	kill -INT "$perf"
	wait "$perf" || true
	perf=
fi
kill -0 "$client" 2>/dev/null || echo "warning: the client ended before the last reload; raise -d"
wait "$client"
client=
cat "$tmp/reload.out"
echo "--- reloads:"
cat "$tmp/reload_times"
[ "$server" = horizond ] && grep -E 'reload: (done|zone )' "$tmp/stderr"
echo "--- the longest gaps between answers during the reload run (start, UTC; length, ms):"
sort -k2 -n -r "$tmp/gaps.txt" | head -n 10
if [ -n "$sched" ]; then
	echo "--- waits for a CPU from the first SIGHUP to the last reload's end (perf sched):"
	python3 "$here/bench/reload_sched.py" "$tmp/sched.data" "$pid"
fi
val() { awk -v k="$1" '$1 == k {print $2}' "$2"; }
r=$tmp/reload.out b=$tmp/base.out
printf 'result: %s, %s records, %s reloads, %s workers, %s qps: longest gap between answers %s ms (baseline %s), ' \
	"$server" "$records" "$hups" "$workers" "$(val qps "$r")" "$(val max_gap_ms "$r")" "$(val max_gap_ms "$b")"
printf 'longest with a query in flight %s ms (baseline %s), longest query %s ms (baseline %s), lost %s, servfail %s\n' \
	"$(val max_server_gap_ms "$r")" "$(val max_server_gap_ms "$b")" "$(val max_latency_ms "$r")" \
	"$(val max_latency_ms "$b")" "$(val lost "$r")" "$(val servfail "$r")"
if [ -n "$control" ]; then
	printf 'control, the echo server: longest gap %s ms, longest with a query in flight %s ms, longest query %s ms\n' \
		"$(val max_gap_ms "$tmp/echo.out")" "$(val max_server_gap_ms "$tmp/echo.out")" "$(val max_latency_ms "$tmp/echo.out")"
fi
if [ -n "$probe" ]; then
	for run in ${control:+echo} base reload; do
		printf 'stalls of a whole CPU (stall_probe), %s run: %s, longest %s ms; longest gap with a query in flight minus those stalls: %s ms\n' \
			"$run" "$(val stalls "$tmp/$run.out")" "$(val longest_stall_ms "$tmp/$run.out")" \
			"$(val max_unexplained_gap_ms "$tmp/$run.out")"
	done
fi

#!/usr/bin/env bash
# compare.sh -- horizond next to NSD, Knot DNS and BIND, measured in one run on
# the same machine with the same zone data and the same load.
#
#   bench/compare.sh [-b HORIZOND] [-n NAMES] [-d SECONDS] [-c UDP-CLIENTS]
#                    [-C TCP-CLIENTS] [-q TCP-OUTSTANDING] [-r ROUNDS]
#                    [-s "horizond nsd knot bind"] [-B BIG-NAMES] [-o RAW]
#
# bench/gen_zone.py writes the benchmark: two views x NAMES hosts (default
# 100000) for horizond and for BIND (views chosen by source address: 127.0.0.2
# internal, anything else external), the external zone alone for NSD and Knot
# (they have no views). Each server runs as the current user from a config in
# a temp dir, on 127.0.0.1 and a free high port, pinned to CPU 0 with one
# worker (horizond workers: 1, NSD server-count: 1, Knot udp/tcp-workers: 1,
# named -n 1). The servers take turns for ROUNDS rounds (default 3), so that
# each sees about the same share of the machine's other load; the tables show
# the median (lowest-highest) of the rounds. Measured in each round:
#  - start to first correct answer: bench/compare/probe.py asks for the last
#    host of the zone from 127.0.0.2 and 127.0.0.3 every 2 ms until both get
#    their view's address;
#  - peak RSS (VmHWM) once the answer came, and VmRSS/PSS (smaps_rollup)
#    after the load runs. A server of several processes (NSD forks) shows the
#    largest process and the sum over all (forked pages count in each);
#  - UDP and TCP queries per second: two dnsperf, one from 127.0.0.2 and one
#    from 127.0.0.3 (each with its view's queries from gen_zone.py), pinned to
#    CPU 1, for SECONDS each (default 10); UDP-CLIENTS in all (default 8),
#    TCP-CLIENTS connections (default 100) with TCP-OUTSTANDING queries in
#    flight in all (default 400: pipelined);
#  - the server's user and system CPU per answered query (utime/stime of
#    every process of the server from /proc/PID/stat, before and after: the
#    kernel splits them by sampling at the timer tick, which does not repeat
#    on our VM), and for the pinned UDP load, when perf is installed, the
#    user CPU sampled at 5 kHz (perf record -e cpu-clock -C 0: samples in the
#    server's user space / 5000 / answers; bench/own_cpu.sh -u does the same);
#  - horizond only: horizonctl reload of the unchanged config (5 times), the
#    peak RSS during the reload of a changed zone (VmHWM reset through
#    /proc/PID/clear_refs first), and UDP with workers: 2, pinned to CPU 0 and
#    not pinned (dnsperf not pinned either), next to workers: 1 not pinned.
# About 6 minutes with the defaults on two busy CPUs, 7-9 with -B 1000000.
# -B NAMES adds a single zone of that many hosts (e.g. 1000000) served by each
# server once, after the rounds: start to first answer, peak and steady
# memory, and for horizond an unchanged and a changed reload.
#
# Prints Markdown tables; the raw figures (one "server key value" a line) and
# dnsperf's outputs go to RAW (default compare-YYYYmmddTHHMMSS.txt in the
# current directory). A server whose binary is missing gets a column that says
# so. Traffic goes to 127.0.0.0/8 only. Every process started here is stopped
# and the temp dir removed on exit, also on ^C. Not a test: ctest never runs it.
# SPDX-License-Identifier: BSD-3-Clause
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
hz_bin="$here/build/horizond"
names=100000 secs=10 uclients=8 tclients=100 tq=400 rounds=3 big=0
servers="horizond nsd knot bind" raw=
while getopts b:n:d:c:C:q:r:s:B:o:h opt; do
	case $opt in
	b) hz_bin=$OPTARG ;;
	n) names=$OPTARG ;;
	d) secs=$OPTARG ;;
	c) uclients=$OPTARG ;;
	C) tclients=$OPTARG ;;
	q) tq=$OPTARG ;;
	r) rounds=$OPTARG ;;
	s) servers=$OPTARG ;;
	B) big=$OPTARG ;;
	o) raw=$OPTARG ;;
	*) sed -n '2,44p' "$0"; exit 2 ;;
	esac
done
hzctl_bin="$(dirname "$hz_bin")/horizonctl"
[ -n "$raw" ] || raw="$PWD/compare-$(date -u +%Y%m%dT%H%M%S).txt"
for tool in dnsperf taskset python3; do
	command -v $tool >/dev/null || { echo "$tool is not installed"; exit 1; }
done
[ "$(nproc)" -ge 2 ] || echo "note: one CPU only: server and dnsperf share it"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-compare.XXXXXX")
spid=       # the server under test (its children are found through /proc)
started_in= # seconds from its start to the first correct answers
load_max=0  # the highest 1-minute load average seen before a load run
loaders=()  # dnsperf processes running
cleanup() {
	local p
	for p in "${loaders[@]}"; do kill -TERM "$p" 2>/dev/null; done
	stop_server
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- processes -------------------------------------------------------------

# tree PID: PID and all its descendants, one a line
tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			keep[root] = 1; print root
			do {
				more = 0
				for (p in parent)
					if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; print p; more = 1 }
			} while (more)
		}'
}

stop_server() {
	[ -n "$spid" ] || return 0
	local pids i
	pids=$(tree "$spid")
	kill -TERM "$spid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
}

# status_kb FIELD: FIELD (VmHWM, VmRSS) of each process of the server, "max sum" in KiB
status_kb() {
	local p
	for p in $(tree "$spid"); do
		awk -v f="$1:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null
	done | awk '{ s += $1; if ($1 > m) m = $1 } END { print m + 0, s + 0 }'
}

# pss_kb: proportional set size of the whole server (shared pages split), KiB
pss_kb() {
	local p
	for p in $(tree "$spid"); do
		awk '$1 == "Pss:" { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}

# cpu_ticks: user and system clock ticks of every process of the server
cpu_ticks() {
	local p
	for p in $(tree "$spid"); do
		sed 's/.*) //' "/proc/$p/stat" 2>/dev/null
	done | awk '{ u += $12; s += $13 } END { print u + 0, s + 0 }'
}

nprocs() { tree "$spid" | wc -l; }

# --- results ---------------------------------------------------------------

declare -A R
# put SERVER KEY VALUE: keep a figure and write it to the raw file
put() {
	R[$1.$2]=$3
	printf '%s %s %s\n' "$1" "$2" "$3" >>"$raw"
}
get() { echo "${R[$1.$2]-}"; }
note() { echo "[$(date -u +%T)] $*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- the benchmark data ----------------------------------------------------

data=$tmp/data
note "generating $names names x 2 views"
python3 "$here/bench/gen_zone.py" "$data" "$names" >/dev/null || exit 1
for src in 127.0.0.2 127.0.0.3; do
	awk -v s=$src '$3 == s { print $1, $2 }' "$data/queries.txt" >"$data/q-$src.txt"
done
if [ "$big" -gt 0 ]; then
	note "generating $big names x 1 view"
	python3 "$here/bench/gen_zone.py" "$tmp/big" "$big" --one-view >/dev/null || exit 1
fi

# expect N VIEW: the address of the last host of an N-host zone in VIEW
expect() {
	local i=$(($1 - 1))
	if [ "$2" = internal ]; then
		echo "10.$((i >> 16 & 255)).$((i >> 8 & 255)).$((i & 255))"
	else
		echo "198.18.$((i >> 8 & 255)).$((i & 255))"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- the servers -----------------------------------------------------------
# conf_SERVER DIR DATA VIEWS WORKERS PORT writes a config into DIR for the
# zones in DATA (VIEWS 2: internal + external, 1: external only);
# run_SERVER DIR starts it in the foreground, logging to DIR/log.

conf_horizond() {
	local d=$1 data=$2 views=$3 workers=$4 port=$5
	{
		echo "server:"
		echo "  listen: [127.0.0.1@$port]"
		echo "  workers: $workers"
		# room for all of dnsperf's connections (one source may hold a quarter)
		echo "  tcp-clients: $((tclients * 4 > 256 ? tclients * 4 : 256))"
		echo "  control: $d/control"
		echo "  state-dir: $d/state"
		echo "views:"
		if [ "$views" = 2 ]; then
			echo "  - name: internal"
			echo "    match-clients: [10.0.0.0/8, 127.0.0.2]"
			echo "    zones:"
			echo "      - name: bench.test"
			echo "        file: $data/internal.zone"
		fi
		echo "  - name: external"
		echo "    match-clients: [any]"
		echo "    zones:"
		echo "      - name: bench.test"
		echo "        file: $data/external.zone"
	} >"$d/conf"
}
run_horizond() { exec "$hz_bin" --allow-root -c "$1/conf" >"$1/log" 2>&1; }

. "$here/bench/compare/peers.sh"   # conf_nsd, conf_knot, conf_bind
. "$here/bench/compare/user_sampled.sh"   # user_sample_start, user_sample_us
run_nsd() { exec nsd -d -c "$1/conf" >"$1/log" 2>&1; }

run_knot() { exec knotd -c "$1/conf" >"$1/log" 2>&1; }

run_bind() { exec named -g -n 1 -c "$1/conf" >"$1/log" 2>&1; }

bin_of() {
	case $1 in
	horizond) echo "$hz_bin" ;;
	nsd) command -v nsd ;;
	knot) command -v knotd ;;
	bind) command -v named ;;
	esac
}
# views_of SERVER: how many views the server serves the benchmark with
views_of() { case $1 in horizond | bind) echo 2 ;; *) echo 1 ;; esac; }

# start SERVER DIR CPUS NAMES VIEWS PORT: start the server (configured in DIR)
# pinned to CPUS ("" = not pinned) and wait for the first correct answers;
# started_in is the seconds that took. The server keeps running ($spid).
start() {
	local server=$1 d=$2 cpus=$3 n=$4 views=$5 port=$6 t0 int ext
	ext=$(expect "$n" external)
	int=$ext
	[ "$views" = 2 ] && int=$(expect "$n" internal)
	rm -f "$d/log"
	t0=$(date +%s.%N)
	# the subshell pins itself, then run_* execs the server: $! is the server
	(
		[ -z "$cpus" ] || taskset -pc "$cpus" "$BASHPID" >/dev/null
		"run_$server" "$d"
	) &
	spid=$!
	if ! started_in=$(python3 "$here/bench/compare/probe.py" "$t0" "$port" --pid "$spid" --timeout 600 \
		"127.0.0.2,host$((n - 1)).bench.test,$int" "127.0.0.3,host$((n - 1)).bench.test,$ext"); then
		note "$server did not answer; its log:"
		tail -n 20 "$d/log" "$d/knot.log" 2>/dev/null >&2
		stop_server
		return 1
	fi
}

# load SERVER TAG MODE CLIENTS OUTSTANDING CPUS PORT: two dnsperf (from
# 127.0.0.2 and 127.0.0.3) for $secs seconds; records qps, answers, lost and
# the server's CPU per answer under SERVER TAG.*
load() {
	local server=$1 tag=$2 mode=$3 c=$4 q=$5 cpus=$6 port=$7 src u0 s0 u1 s1 done_q lost qps hz
	local pin=()
	[ -n "$cpus" ] && pin=(taskset -c "$cpus")
	put "$server" "$tag.loadavg_before" "$(loadavg | tr ' ' /)"
	load_max=$(awk -v m="$load_max" '{ print ($1 > m ? $1 : m) }' /proc/loadavg)
	read -r u0 s0 < <(cpu_ticks)
	# the pinned UDP load: the server's user time sampled on its CPU
	local rec= ppid=
	if [ "$mode" = udp ] && [ -n "$cpus" ] && command -v perf >/dev/null; then
		rec=$tmp/perf.data
		user_sample_start "$rec" "$secs"
		ppid=$!
	fi
	loaders=()
	for src in 127.0.0.2 127.0.0.3; do
		"${pin[@]}" dnsperf -s 127.0.0.1 -p "$port" -a $src -d "$data/q-$src.txt" -m "$mode" \
			-l "$secs" -c $((c / 2 > 0 ? c / 2 : 1)) -q $((q / 2 > 0 ? q / 2 : 1)) \
			>"$tmp/dnsperf-$src.out" 2>&1 &
		loaders+=($!)
	done
	wait "${loaders[@]}"
	loaders=()
	read -r u1 s1 < <(cpu_ticks)
	for src in 127.0.0.2 127.0.0.3; do
		{
			echo "=== $server $tag from $src: dnsperf -m $mode -c $((c / 2)) -q $((q / 2)) -l $secs"
			grep -E 'Queries|Response codes|Average Latency|Error|error' "$tmp/dnsperf-$src.out"
		} >>"$raw"
	done
	done_q=$(cat "$tmp"/dnsperf-*.out | awk '/Queries completed/ { s += $3 } END { print s + 0 }')
	lost=$(cat "$tmp"/dnsperf-*.out | awk '/Queries lost/ { s += $3 } END { print s + 0 }')
	qps=$(cat "$tmp"/dnsperf-*.out | awk '/Queries per second/ { s += $4 } END { printf "%.0f", s }')
	hz=$(getconf CLK_TCK)
	put "$server" "$tag.qps" "$qps"
	put "$server" "$tag.answered" "$done_q"
	put "$server" "$tag.lost" "$lost"
	put "$server" "$tag.user_us" "$(awk -v t=$((u1 - u0)) -v q="$done_q" -v hz="$hz" 'BEGIN { if (q) printf "%.2f", t / hz / q * 1e6 }')"
	put "$server" "$tag.sys_us" "$(awk -v t=$((s1 - s0)) -v q="$done_q" -v hz="$hz" 'BEGIN { if (q) printf "%.2f", t / hz / q * 1e6 }')"
	if [ -n "$rec" ]; then
		wait "$ppid"
		put "$server" "$tag.user_sampled_us" \
			"$(user_sample_us "$rec" "$done_q" $(tree "$spid") | awk '{ printf "%.2f", $1 }')"
		rm -f "$rec"
	fi
	rm -f "$tmp"/dnsperf-*.out
}

# memory SERVER TAG: peak RSS so far, current RSS and PSS of the server
memory() {
	local hwm rss
	read -r -a hwm < <(status_kb VmHWM)
	read -r -a rss < <(status_kb VmRSS)
	put "$1" "$2.procs" "$(nprocs)"
	put "$1" "$2.hwm_max_kib" "${hwm[0]}"
	put "$1" "$2.hwm_sum_kib" "${hwm[1]}"
	put "$1" "$2.rss_max_kib" "${rss[0]}"
	put "$1" "$2.rss_sum_kib" "${rss[1]}"
	put "$1" "$2.pss_kib" "$(pss_kb)"
}

# reload_ctl D: one horizonctl reload; prints the server's "done in" ms
reload_ctl() {
	"$hzctl_bin" -s "$1/control" reload | awk '/done in/ { print $4 }'
}

# reloads SERVER TAG D DATA: horizond's unchanged reloads and the peak RSS
# during the reload of a changed zone
reloads() {
	local server=$1 tag=$2 d=$3 data=$4 i ms=() t0 t1 p hwm rss
	[ -x "$hzctl_bin" ] || { note "no $hzctl_bin: no reload figures"; return; }
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		ms+=("$(reload_ctl "$d")")
		t1=$(date +%s%N)
		put "$server" "$tag.reload_unchanged_$i" "${ms[-1]} ms (horizonctl wall $(((t1 - t0) / 1000)) us)"
	done
	put "$server" "$tag.reload_unchanged_ms" "$(printf '%s\n' "${ms[@]}" | sort -n | sed -n '1p;$p' | uniq | paste -sd-)"
	read -r -a rss < <(status_kb VmRSS)
	put "$server" "$tag.before_reload_rss_kib" "${rss[1]}"
	# a new serial in a new file renamed over the old one (as an editor would)
	sed '2s/ hostmaster 1 / hostmaster 2 /' "$data/external.zone" >"$data/external.zone.new"
	mv "$data/external.zone.new" "$data/external.zone"
	for p in $(tree "$spid"); do
		echo 5 2>/dev/null >"/proc/$p/clear_refs" || note "cannot reset VmHWM of $p: the reload peak includes the start"
	done
	put "$server" "$tag.reload_changed_ms" "$(reload_ctl "$d")"
	read -r -a hwm < <(status_kb VmHWM)
	read -r -a rss < <(status_kb VmRSS)
	put "$server" "$tag.reload_changed_hwm_kib" "${hwm[1]}"
	put "$server" "$tag.after_reload_rss_kib" "${rss[1]}"
	sed '2s/ hostmaster 2 / hostmaster 1 /' "$data/external.zone" >"$data/external.zone.new"
	mv "$data/external.zone.new" "$data/external.zone"
}

# bench_round SERVER K: round K of the benchmark for one server; its figures
# go under rK.*, horizond's reload figures (round 1 only) under steady.*
bench_round() {
	local s=$1 k=$2 d=$tmp/run/$1 port views w
	views=$(views_of "$s")
	mkdir -p "$d"
	port=$(free_port)
	"conf_$s" "$d" "$data" "$views" 1 "$port"
	start "$s" "$d" 0 "$names" "$views" "$port" || return 1
	put "$s" "r$k.start_s" "$started_in"
	memory "$s" "r$k.start"
	note "$s, round $k: started in $started_in s; UDP, TCP"
	load "$s" "r$k.udp" udp "$uclients" 200 1 "$port"
	load "$s" "r$k.tcp" tcp "$tclients" "$tq" 1 "$port"
	memory "$s" "r$k.steady"
	if [ "$s" = horizond ]; then
		if [ "$k" = 1 ]; then
			note "$s: reloads"
			reloads "$s" steady "$d" "$data"
		fi
		stop_server
		note "$s, round $k: workers: 2 pinned, workers: 1 and 2 not pinned"
		conf_horizond "$d" "$data" 2 2 "$port"
		start "$s" "$d" 0 "$names" 2 "$port" || return 1
		load "$s" "r$k.w2_pinned" udp "$uclients" 200 1 "$port"
		stop_server
		for w in 1 2; do
			conf_horizond "$d" "$data" 2 "$w" "$port"
			start "$s" "$d" "" "$names" 2 "$port" || return 1
			load "$s" "r$k.w${w}_free" udp "$uclients" 200 "" "$port"
			stop_server
		done
	fi
	stop_server
}

# summarize SERVER KEY HOW: the rounds' figures rK.KEY as one figure under
# KEY. HOW: range = "median (min-max)", max, sum
summarize() {
	local s=$1 key=$2 how=$3 k vals=()
	for k in $(seq 1 "$rounds"); do
		[ -n "${R[$s.r$k.$key]-}" ] && vals+=("${R[$s.r$k.$key]}")
	done
	[ ${#vals[@]} -gt 0 ] || return 0
	put "$s" "$key" "$(printf '%s\n' "${vals[@]}" | sort -g | awk -v how="$how" '
		{ v[NR] = $1; s += $1 }
		END {
			if (how == "max") print v[NR]
			else if (how == "sum") print s
			else if (v[1] == v[NR]) print v[1]
			else printf "%s (%s-%s)\n", v[int((NR + 1) / 2)], v[1], v[NR]
		}')"
}

# bench_big SERVER: start and memory of one zone of $big hosts
bench_big() {
	local s=$1 d=$tmp/runbig/$1 port
	mkdir -p "$d"
	port=$(free_port)
	"conf_$s" "$d" "$tmp/big" 1 1 "$port"
	start "$s" "$d" 0 "$big" 1 "$port" || { put "$s" big.status "did not answer"; return; }
	put "$s" big.start_s "$started_in"
	memory "$s" big.start
	sleep 2
	memory "$s" big.steady
	[ "$s" = horizond ] && reloads "$s" big "$d" "$tmp/big"
	stop_server
	put "$s" big.status ok
}

# --- run -------------------------------------------------------------------

: >"$raw"
{
	echo "# bench/compare.sh $*"
	echo "# $(date -u '+%F %T UTC'), $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "# horizond $hz_bin ($(git -C "$here" describe --always --dirty 2>/dev/null))"
} >>"$raw"
put run loadavg_start "$(loadavg | tr ' ' /)"
for s in $servers; do
	b=$(bin_of "$s")
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		put "$s" status "not installed"
		continue
	fi
	case $s in
	nsd) put "$s" version "$(nsd -v 2>&1 | awk 'NR == 1 { print $3 }')" ;;
	knot) put "$s" version "$(knotd -V 2>&1 | awk 'NR == 1 { print $NF }')" ;;
	bind) put "$s" version "$(named -v | awk '{ sub(/-.*/, "", $2); print $2 }')" ;;
	horizond) put "$s" version "$(git -C "$here" rev-parse --short HEAD 2>/dev/null)" ;;
	esac
	put "$s" status ok
done
# the servers take turns, round after round, so that each sees the machine's
# other load about as much as the others
for k in $(seq 1 "$rounds"); do
	for s in $servers; do
		[ "$(get "$s" status)" = ok ] || continue
		bench_round "$s" "$k" || put "$s" status "did not answer"
	done
done
for s in $servers; do
	[ "$(get "$s" status)" = ok ] || continue
	for key in start_s udp.qps udp.user_us udp.user_sampled_us udp.sys_us tcp.qps tcp.user_us tcp.sys_us \
		w2_pinned.qps w2_pinned.user_us w2_pinned.sys_us w1_free.qps w1_free.user_us \
		w1_free.sys_us w2_free.qps w2_free.user_us w2_free.sys_us; do
		summarize "$s" "$key" range
	done
	for key in udp.lost tcp.lost; do summarize "$s" "$key" sum; done
	for when in start steady; do
		for key in procs hwm_max_kib hwm_sum_kib rss_max_kib rss_sum_kib pss_kib; do
			summarize "$s" "$when.$key" max
		done
	done
done
if [ "$big" -gt 0 ]; then
	for s in $servers; do
		[ "$(get "$s" status)" = ok ] && bench_big "$s"
	done
fi
put run loadavg_end "$(loadavg | tr ' ' /)"
put run loadavg_max "$load_max"

# --- the tables ------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf(k >= 10240 ? "%.0f" : "%.1f", k / 1024) }'; }
# cell SERVER KEY [FORMAT]: a figure, or why there is none
cell() {
	local st v
	st=$(get "$1" status)
	[ "$st" = ok ] || { echo "${st:-not run}"; return; }
	v=$(get "$1" "$2")
	[ -n "$v" ] || { echo "-"; return; }
	case ${3-} in
	pss) echo "$(mib "$v") MiB" ;;
	mem) # max process (sum over N processes)
		local n
		n=$(get "$1" "${2%.*}.procs")
		if [ "${n:-1}" -gt 1 ]; then
			echo "$(mib "$v") MiB (Σ $n processes $(mib "$(get "$1" "${2/_max_/_sum_}")"))"
		else
			echo "$(mib "$v") MiB"
		fi ;;
	*) echo "$v" ;;
	esac
}
row() {
	local label=$1 s line
	shift
	line="| $label |"
	for s in $servers; do line+=" $(cell "$s" "$@") |"; done
	echo "$line"
}
head_row() {
	local s line="| |" sep="|---|"
	for s in $servers; do
		case $s in
		horizond) line+=" horizond ($(views_of "$s") views × $names) |" ;;
		nsd) line+=" NSD $(get nsd version) (1 × $names) |" ;;
		knot) line+=" Knot $(get knot version) (1 × $names) |" ;;
		bind) line+=" BIND $(get bind version) ($(views_of "$s") views × $names) |" ;;
		esac
		sep+="---|"
	done
	echo "$line"
	echo "$sep"
}
hz_status=$(get horizond status)
{
	echo
	head_row
	row "start to first correct answer (s)" start_s
	row "peak RSS at start (VmHWM)" start.hwm_max_kib mem
	row "RSS after the load runs" steady.rss_max_kib mem
	row "PSS after the load runs (all processes)" steady.pss_kib pss
	row "UDP queries/s ($uclients clients, $secs s)" udp.qps
	row "user CPU per UDP query (µs)" udp.user_us
	row "user CPU per UDP query, sampled at 5 kHz (µs)" udp.user_sampled_us
	row "system CPU per UDP query (µs)" udp.sys_us
	row "UDP queries lost" udp.lost
	row "TCP queries/s ($tclients connections, $tq in flight)" tcp.qps
	row "user CPU per TCP query (µs)" tcp.user_us
	row "TCP queries lost" tcp.lost
	echo
	echo "Median (lowest-highest) of $rounds rounds; memory: the highest; lost: the sum."
	if [ "$hz_status" = ok ]; then
		echo
		echo "horizond alone (same data):"
		echo
		echo "| | figure |"
		echo "|---|---|"
		echo "| reload of the unchanged config (horizonctl reload, 5 times) | $(get horizond steady.reload_unchanged_ms) ms |"
		echo "| reload of a changed zone (external, new serial) | $(get horizond steady.reload_changed_ms) ms |"
		echo "| peak RSS during that reload (VmHWM reset before) | $(mib "$(get horizond steady.reload_changed_hwm_kib)") MiB ($(awk -v a="$(get horizond steady.reload_changed_hwm_kib)" -v b="$(get horizond steady.before_reload_rss_kib)" 'BEGIN { if (b) printf "%.2f", a / b }') × the RSS before it) |"
		echo
		echo "| UDP, $uclients clients, $secs s, $rounds rounds | queries/s | user µs/query | system µs/query |"
		echo "|---|---|---|---|"
		for t in udp:"workers: 1, pinned to CPU 0" w2_pinned:"workers: 2, pinned to CPU 0" \
			w1_free:"workers: 1, not pinned" w2_free:"workers: 2, not pinned"; do
			echo "| ${t#*:} | $(get horizond "${t%%:*}.qps") | $(get horizond "${t%%:*}.user_us") | $(get horizond "${t%%:*}.sys_us") |"
		done
	fi
	if [ "$big" -gt 0 ]; then
		echo
		echo "One zone of $big hosts, every server (one start):"
		echo
		head_row | sed "s/([12] views\? × $names)/(1 × $big)/g; s/(1 × $names)/(1 × $big)/g"
		row "start to first correct answer (s)" big.start_s
		row "peak RSS at start (VmHWM)" big.start.hwm_max_kib mem
		row "RSS 2 s later" big.steady.rss_max_kib mem
		row "PSS 2 s later" big.steady.pss_kib pss
		if [ "$hz_status" = ok ]; then
			echo
			echo "horizond at $big hosts: unchanged reload $(get horizond big.reload_unchanged_ms) ms;" \
				"changed zone reload $(get horizond big.reload_changed_ms) ms, peak RSS" \
				"$(mib "$(get horizond big.reload_changed_hwm_kib)") MiB during it" \
				"(RSS before $(mib "$(get horizond big.before_reload_rss_kib)") MiB)."
		fi
	fi
	echo
	echo "Load average (1, 5, 15 min): $(get run loadavg_start) at the start, $(get run loadavg_end)" \
		"at the end, 1-minute up to $(get run loadavg_max) before a load run ($(nproc) CPUs; the" \
		"server and dnsperf themselves count for about 2)."
} | tee -a "$raw"
echo "raw figures: $raw" >&2

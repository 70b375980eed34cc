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
# Besides the figure, it prints how many datagrams a wake-up found on
# average and splits the cost into the UDP callback's share per query and
# the rest (libevent's dispatch) per wake-up: the whole figure moves with
# the batch size, the two parts do not.
# HZ_CG_KEEP=DIR keeps the two callgrind outputs there (callgrind_annotate).
# HZ_CG_MODE: views (default: gen_zone.py's two views), auth (one view, the
# same zone) or cache (a recursive view answering from its cache: compare
# with auth). HZ_CG_INFLIGHT: queries dnsperf keeps in flight (default 100).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${HZ_BUILD_DIR:-$here/../build}
q1=${1:-5000} q2=${2:-25000} qps=${3:-3000} workers=${4:-1}
mode=${HZ_CG_MODE:-views}
# queries dnsperf keeps in flight (HZ_CG_INFLIGHT, default 100 over 4
# sockets): how many arrive together per wake-up (1 to 2 under valgrind)
# moves the figure by about a tenth, so compare runs of the same kind
inflight=${HZ_CG_INFLIGHT:-100}
clients=$(( inflight < 4 ? inflight : 4 ))
work=$(mktemp -d)
upid=
trap '[ -n "$upid" ] && kill -TERM "$upid" 2>/dev/null; rm -rf "$work"' EXIT
python3 "$here/gen_zone.py" "$work" 1000 >/dev/null
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
sed -i "s/127.0.0.1@5353/127.0.0.1@$port/; s/^  listen:.*/&\n  workers: $workers/" "$work/horizond.yaml"
awk '{print $1, $2}' "$work/queries.txt" >"$work/dnsperf.txt"
case $mode in
views) ;;   # gen_zone.py's two views
auth)       # one authoritative view, the external zone
	printf 'server:\n  listen: [127.0.0.1@%s]\n  workers: %s\nviews:\n  - name: all\n    match-clients: [any]\n    zones:\n      - name: bench.test\n        file: external.zone\n' \
		"$port" "$workers" >"$work/horizond.yaml" ;;
cache)      # one recursive view forwarding to an upstream horizond (not
	    # under valgrind) that serves the external zone; every name is
	    # asked once before the count starts, so all answers are cache hits
	uport=$(free_port)
	printf 'server:\n  listen: [127.0.0.1@%s]\n  workers: 1\nviews:\n  - name: all\n    match-clients: [any]\n    zones:\n      - name: bench.test\n        file: external.zone\n' \
		"$uport" >"$work/upstream.yaml"
	printf 'server:\n  listen: [127.0.0.1@%s]\n  workers: %s\nviews:\n  - name: lan\n    match-clients: [any]\n    recursion: true\n    forwarders: [127.0.0.1@%s]\n' \
		"$port" "$workers" "$uport" >"$work/horizond.yaml"
	"$build/horizond" --allow-root -c "$work/upstream.yaml" 2>"$work/upstream.log" &
	upid=$!
	for _ in $(seq 1 100); do grep -qw ready "$work/upstream.log" && break; sleep 0.1; done ;;
*) echo "HZ_CG_MODE: views, auth or cache"; exit 2 ;;
esac

run() {
	local n=$1 out=$work/cg.$1
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$build/horizond" --allow-root -c "$work/horizond.yaml" 2>"$work/log.$n" &
	local pid=$!
	for _ in $(seq 1 300); do grep -qw ready "$work/log.$n" && break; sleep 0.2; done
	# the same warm-up in both runs (cancels out): every query once
	dnsperf -s 127.0.0.1 -p "$port" -d "$work/dnsperf.txt" -n 1 -c 1 -q 20 >/dev/null 2>&1
	dnsperf -s 127.0.0.1 -p "$port" -d "$work/dnsperf.txt" -Q "$qps" -l $(( n / qps )) \
		-c "$clients" -q "$inflight" >/dev/null 2>&1
	kill -TERM "$pid"; wait "$pid" || true
	local answered
	answered=$(grep -o 'udp [0-9]* queries, [0-9]* answers' "$work/log.$n" | awk '{print $4}')
	local ir
	ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	[ -n "${HZ_CG_KEEP:-}" ] && cp "$out" "$HZ_CG_KEEP/cg.$n"
	echo "$answered $ir $(wakeups "$out")"
}

# wakeups FILE: the UDP read callback's calls (wake-ups) and its inclusive
# instructions (the batch loop, recvmmsg/sendmmsg and the answers; what is
# left of the total is mostly libevent's dispatch, paid once per wake-up)
wakeups() {
	local calls incl
	calls=$(python3 - "$1" <<'PY'
import re, sys
names, cur, total = {}, None, 0
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
    if m:
        if m.group(2):
            names[m.group(1)] = m.group(2).strip()
        cur = names.get(m.group(1), "") if line.startswith("cfn=") else None
        continue
    if cur and line.startswith("calls=") and cur.startswith("udp_read_cb"):
        total += int(line.split("=")[1].split()[0])
print(total)
PY
)
	incl=$(callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		awk '/udp\.c:udp_read_cb/ { gsub(",", "", $1); if ($1 + 0 > max) max = $1 + 0 } END { print max + 0 }')
	echo "$calls ${incl:-0}"
}
read -r a1 i1 w1 u1 < <(run "$q1")
read -r a2 i2 w2 u2 < <(run "$q2")
echo "run 1: $a1 answers, $i1 instructions, $w1 wake-ups; run 2: $a2 answers, $i2 instructions, $w2 wake-ups"
[ $(( a2 - a1 )) -ge $(( (q2 - q1) / 2 )) ] ||
	echo "warning: only $(( a2 - a1 )) more answers in run 2 (expected about $(( q2 - q1 ))): the machine is too busy for this rate"
da=$(( a2 - a1 )) dw=$(( w2 - w1 ))
[ "$dw" -gt 0 ] || dw=1
awk -v da="$da" -v dw="$dw" -v di=$(( i2 - i1 )) -v du=$(( u2 - u1 )) 'BEGIN {
	printf "datagrams per wake-up: %.2f; in the UDP callback: %.0f instructions per query; outside it (libevent, epoll): %.0f per wake-up\n",
		da / dw, du / da, (di - du) / dw }'
echo "user-space instructions per query (whole server, $mode, $workers worker(s)): $(( (i2 - i1) / (a2 - a1) ))"

#!/usr/bin/env bash
# reload_many.sh -- what a reload costs with many zones, when few change.
#
#   bench/reload_many.sh [-b HORIZOND] [-z ZONES] [-r RECORDS] [-n RUNS]
#
# Writes ZONES small zones (default 1000; RECORDS A records each, default 20)
# split over two views, starts horizond on a free loopback port and prints:
# the initial load (start to "ready"), then "reload: done" times for a SIGHUP
# with nothing changed, with one zone changed (new serial, written to a new
# file and renamed) and with every zone file touched (all parsed again), each
# repeated RUNS times (default 3). Defaults: build/horizond.
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
zones=1000 records=20 runs=3
while getopts b:z:r:n:h opt; do
	case $opt in
	b) bin=$OPTARG ;;
	z) zones=$OPTARG ;;
	r) records=$OPTARG ;;
	n) runs=$OPTARG ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
[ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-many.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# zone FILE NAME SERIAL: one small zone, written to FILE.new and renamed.
zone() {
	awk -v name="$2" -v serial="$3" -v n="$records" 'BEGIN {
		print "$ORIGIN " name "."
		print "$TTL 300"
		print "@ IN SOA ns1 hostmaster " serial " 3600 600 86400 300"
		print "@ IN NS ns1"
		print "ns1 IN A 192.0.2.53"
		for (i = 1; i <= n; i++) printf "host%d IN A 192.0.2.%d\n", i, i % 250 + 1
	}' >"$1.new"
	mv "$1.new" "$1"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
half=$((zones / 2))
mkdir -p "$tmp/internal" "$tmp/external"
{
	echo "server:"
	echo "  listen: [127.0.0.1@$port]"
	echo "  workers: 2"
	echo "views:"
	for view in internal external; do
		echo "  - name: $view"
		[ $view = internal ] && echo "    match-clients: [127.0.0.2]" || echo "    match-clients: [any]"
		echo "    zones:"
		if [ $view = internal ]; then from=1 to=$half; else from=$((half + 1)) to=$zones; fi
		for i in $(seq "$from" "$to"); do
			echo "      - name: zone$i.test"
			echo "        file: $view/zone$i.zone"
			zone "$tmp/$view/zone$i.zone" "zone$i.test" 1
		done
	done
} >"$tmp/many.yaml"

t0=$(date +%s%N)
"$bin" --allow-root -c "$tmp/many.yaml" 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 1 600); do
	grep -q 'notice: ready' "$tmp/stderr" && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/stderr"; exit 1; }
	sleep 0.01
done
grep -q 'notice: ready' "$tmp/stderr" || { echo "horizond not ready"; exit 1; }
echo "initial load: $zones zones x $((records + 3)) records in 2 views: $(( ($(date +%s%N) - t0) / 1000000 )) ms from start to ready"

# hup LABEL: SIGHUP, wait for the next "reload: done", print its timing.
hup() {
	local before
	before=$(grep -c 'reload: done' "$tmp/stderr" || true)
	kill -HUP "$pid"
	until [ "$(grep -c 'reload: done' "$tmp/stderr")" -gt "$before" ]; do
		grep -q 'reload failed' "$tmp/stderr" && { cat "$tmp/stderr"; exit 1; }
		sleep 0.01
	done
	printf '%-26s %s | %s\n' "$1:" "$(grep 'reload: done' "$tmp/stderr" | tail -n 1 | sed 's/.*zones; //')" \
		"$(grep 'reload: zones:' "$tmp/stderr" | tail -n 1 | sed 's/.*zones: //')"
}

serial=1
for _ in $(seq 1 "$runs"); do
	hup "nothing changed"
done
for _ in $(seq 1 "$runs"); do
	serial=$((serial + 1))
	zone "$tmp/external/zone$zones.zone" "zone$zones.test" "$serial"
	hup "one zone changed"
done
for _ in $(seq 1 "$runs"); do
	touch "$tmp"/internal/*.zone "$tmp"/external/*.zone
	hup "all $zones zones touched"
done
grep -q 'in view external: serial 1 -> 2' "$tmp/stderr" && echo "log: $(grep -m1 'serial 1 -> 2' "$tmp/stderr" | sed 's/.*notice: //')"

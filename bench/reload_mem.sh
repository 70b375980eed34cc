#!/usr/bin/env bash
# reload_mem.sh -- peak memory of a reload that parses every zone again,
# against the memory the server holds when steady.
#
#   bench/reload_mem.sh [-b HORIZOND] [-n NAMES] [-v VIEWS] [-r RELOADS]
#
# Writes the benchmark setup of bench/gen_zone.py (NAMES hosts per zone,
# default 100000) into a temporary directory, serves both views (-v 2, the
# default: two zones) or only the internal one (-v 1: one zone), starts
# horizond on a free loopback port and prints, from /proc/PID/status:
#   load peak       VmHWM once ready (start to first answer);
#   steady          VmRSS a second after ready;
#   reload peak     VmHWM over RELOADS reloads (default 3) in which every
#                   zone file is touched, so every zone is parsed and built
#                   again beside the old one (the peak is reset after the
#                   load by writing 5 to /proc/PID/clear_refs);
#   after reload    VmRSS a second after the last reload;
# and the ratios to steady. Defaults: build/horizond, 1 worker.
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
names=100000 views=2 reloads=3
while getopts b:n:v:r:h opt; do
	case $opt in
	b) bin=$OPTARG ;;
	n) names=$OPTARG ;;
	v) views=$OPTARG ;;
	r) reloads=$OPTARG ;;
	*) sed -n '2,18p' "$0"; exit 2 ;;
	esac
done
[ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; }
case $views in 1 | 2) ;; *) echo "-v: 1 or 2"; exit 2 ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-mem.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

python3 "$here/bench/gen_zone.py" "$tmp" "$names"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# gen_zone.py's config on our port, one worker; -v 1: the internal view only
awk -v port="$port" -v views="$views" '
	/listen:/ { print "  listen: [127.0.0.1@" port "]"; print "  workers: 1"; next }
	/- name: external/ && views == 1 { exit }
	{ print }' "$tmp/horizond.yaml" >"$tmp/mem.yaml"
[ "$views" = 1 ] && rm -f "$tmp/external.zone"

"$bin" --allow-root -c "$tmp/mem.yaml" 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 1 1200); do
	grep -q 'notice: ready' "$tmp/stderr" && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/stderr"; exit 1; }
	sleep 0.05
done
grep -q 'notice: ready' "$tmp/stderr" || { echo "horizond not ready"; exit 1; }
kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
load_peak=$(kib VmHWM)
sleep 1
steady=$(kib VmRSS)
echo 5 >"/proc/$pid/clear_refs"   # VmHWM := VmRSS from here on

for _ in $(seq 1 "$reloads"); do
	before=$(grep -c 'reload: done' "$tmp/stderr" || true)
	touch "$tmp"/*.zone
	kill -HUP "$pid"
	until [ "$(grep -c 'reload: done' "$tmp/stderr")" -gt "$before" ]; do
		grep -q 'reload failed' "$tmp/stderr" && { cat "$tmp/stderr"; exit 1; }
		sleep 0.05
	done
done
reload_peak=$(kib VmHWM)
sleep 1
after=$(kib VmRSS)
grep 'reload: done' "$tmp/stderr" | sed 's/.*notice: /log: /'
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$steady" 'BEGIN { printf "%.2f", a / b }'; }
echo "result: $views view(s) x $names names, $reloads reloads: steady $(mib "$steady"); load peak" \
	"$(mib "$load_peak") ($(ratio "$load_peak") x steady); reload peak $(mib "$reload_peak")" \
	"($(ratio "$reload_peak") x steady); after the reloads $(mib "$after")"

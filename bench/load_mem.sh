#!/usr/bin/env bash
# load_mem.sh -- how fast does horizond load, and how much memory does loading take?
#
#   bench/load_mem.sh [-b HORIZOND] [-n NAMES] [-v VIEWS] [-r RUNS] [-k]
#
# Writes the two-view benchmark (bench/gen_zone.py DIR NAMES: two zones of
# NAMES hosts, 1.37 records per name) to a temporary directory (-v 1: only
# the view "internal" and its zone), then
# RUNS times (default 3):
#   - `horizond --check` under /usr/bin/time: elapsed, user and system CPU, peak RSS;
#   - the daemon on a free loopback port: the time from its start to the
#     first correct answer (host0.bench.test A from 127.0.0.2, the internal
#     view), its peak RSS (VmHWM) and its steady RSS (VmRSS a second after
#     the first answer), and the ratio of the two.
# Defaults: build/horizond, 100000 names. -k keeps the directory (printed).
# The zone files of 1,000,000 names take 2 x 23 MB: they are deleted at the
# end unless -k. Traffic goes to 127.0.0.1 from 127.0.0.2 only.
# SPDX-License-Identifier: BSD-3-Clause
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/horizond"
names=100000 runs=3 keep=0 views=2
while getopts b:n:v:r:kh opt; do
	case $opt in
	b) bin=$OPTARG ;;
	n) names=$OPTARG ;;
	v) views=$OPTARG ;;
	r) runs=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
[ -x "$bin" ] || { echo "no horizond at $bin (build first, or -b PATH)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hz-load.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

python3 "$here/bench/gen_zone.py" "$tmp" "$names"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127.0.0.1@5353/127.0.0.1@$port/" "$tmp/horizond.yaml"
if [ "$views" = 1 ]; then
	sed -i '/- name: external/,$d' "$tmp/horizond.yaml"
	rm "$tmp/external.zone"
fi
echo "zones: $views x $names names, $(cat "$tmp"/*.zone | wc -l) lines, $(du -ch "$tmp"/*.zone | tail -n 1 | cut -f1)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "--- horizond --check (elapsed, user and system CPU, peak RSS)"
for _ in $(seq 1 "$runs"); do
	/usr/bin/time -f '%e s elapsed %U s user %S s sys %M KiB peak' "$bin" -c "$tmp/horizond.yaml" --check \
		2>&1 >/dev/null | tail -n 1
done

# first_answer PORT T0: waits (at most 120 s) until host0.bench.test A is
# answered from the internal view; prints the seconds since T0 (date +%s.%N).
first_answer() {
	python3 - "$1" "$2" <<'PY'
import socket, struct, sys, time
port, t0 = int(sys.argv[1]), float(sys.argv[2])
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l for l in (b"host0", b"bench", b"test")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
s.settimeout(0.002)
while time.time() - t0 < 120:
    try:
        s.sendto(q, ("127.0.0.1", port))
        r = s.recv(512)
    except OSError:   # not listening yet (refused) or no answer yet
        time.sleep(0.002)
        continue
    # the expected answer: ours, NOERROR, one A record 10.0.0.0
    if r[:2] == q[:2] and r[3] & 15 == 0 and struct.unpack(">H", r[6:8])[0] == 1 \
            and r.endswith(bytes([10, 0, 0, 0])):
        print("%.3f" % (time.time() - t0))
        sys.exit(0)
sys.exit("no answer within 120 s")
PY
}

echo "--- daemon: start to first answer, peak RSS (VmHWM), steady RSS (VmRSS)"
for _ in $(seq 1 "$runs"); do
	t0=$(date +%s.%N)
	"$bin" --allow-root -c "$tmp/horizond.yaml" 2>"$tmp/stderr" &
	pid=$!
	t=$(first_answer "$port" "$t0") || { cat "$tmp/stderr"; exit 1; }
	sleep 1
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	echo "$t s to first answer, peak $((hwm / 1024)) MiB ($hwm KiB), steady $((rss / 1024)) MiB" \
		"($rss KiB), peak/steady $(awk -v h="$hwm" -v r="$rss" 'BEGIN { printf "%.2f", h / r }')"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
done

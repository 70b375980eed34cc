#!/usr/bin/env bash
# test_reload_mm.sh -- a reload never makes a worker wait for the process's
# memory map. While the background thread unmaps a retired snapshot, a
# thread that calls mmap, mprotect, munmap or brk waits for the memory-map
# lock as a writer, and the kernel hands the lock over only about a tick
# later: a worker whose first malloc()/free() (glibc then sets up the
# thread's arena) came with the first reload stopped answering for 9.6 ms
# (docs/performance.md, "Gaps in the answers..."). So: traced with strace,
# no worker thread (hz-worker-N) makes a memory-management system call from
# its first answers through two reloads of a 20 000-record zone, with a
# client keeping queries in flight across them.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

command -v strace >/dev/null || { echo "SKIP: strace not installed (scripts/deps.sh)"; exit 77; }
strace -f -qq -o /dev/null true 2>/dev/null || { echo "SKIP: strace cannot trace here (ptrace refused)"; exit 77; }
# ASan's allocator maps memory in whatever thread allocates: the claim is
# about horizond on the C library's malloc.
if ldd "$HORIZOND" 2>/dev/null | grep -q libasan; then
	echo "SKIP: sanitizer build (its allocator is not the one horizond runs on)"
	exit 77
fi

net_big_zone 1
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "host%d.big.test A\nnothere%d.big.test A\n", i * 9 % 20000, i }' \
	>"$NET_TMP/names.txt"

NET_PORT=$(net_pick_port)
NET_CONF="$NET_TMP/horizond.yaml"
NET_ERR="$NET_TMP/stderr"
printf '%s\n' 'server:' "  listen: [127.0.0.1@$NET_PORT]" '  workers: 2' 'views:' '  - name: all' \
	'    match-clients: [any]' '    zones:' '      - name: big.test' '        file: big.zone' >"$NET_CONF"
# -ff: one file per thread, $NET_TMP/mm.TID
strace -f -ff -qq -e trace=%memory -e signal=none -o "$NET_TMP/mm" "$HORIZOND" --allow-root -c "$NET_CONF" 2>"$NET_ERR" &
NET_PID=$!   # strace's; net_cleanup kills it, and horizond with it
net_wait_log 'notice: ready' 1 60 || { cat "$NET_ERR"; net_fail "horizond under strace: not ready"; net_finish; }
hz_pid=$(pgrep -P "$NET_PID" -x horizond)
[ -n "$hz_pid" ] || { net_fail "no horizond process under strace"; net_finish; }

workers=()
for t in /proc/"$hz_pid"/task/*; do
	case $(cat "$t/comm" 2>/dev/null) in hz-worker-*) workers+=("${t##*/}") ;; esac
done
net_check "two worker threads named hz-worker-N" 2 "${#workers[@]}"

# mm_calls TID: how many memory-management calls that thread has made so far.
mm_calls() {
	if [ -f "$NET_TMP/mm.$1" ]; then grep -c . "$NET_TMP/mm.$1"; else echo 0; fi
}

# Queries first, then the count starts: the client's four source addresses
# spread over the workers' sockets by the SO_REUSEPORT hash (which worker gets
# which is the kernel's choice), and answering allocates nothing.
client=(python3 "$HZ_SOURCE_DIR/bench/reload_gap.py" -p "$NET_PORT" -b 127.0.0.2 -b 127.0.0.3
	-b 127.0.0.4 -b 127.0.0.5 -f "$NET_TMP/names.txt" -t 2)
"${client[@]}" -d 2 >"$NET_TMP/warm.out" 2>&1
net_check "answers before the reloads" 0 "$(awk '$1 == "lost" {print $2}' "$NET_TMP/warm.out")"
declare -A before
for t in "${workers[@]}"; do before[$t]=$(mm_calls "$t"); done

"${client[@]}" -d 60 >"$NET_TMP/during.out" 2>&1 &
client_pid=$!
sleep 1
for serial in 2 3; do
	net_big_zone "$serial"
	n=$(grep -c 'reload: done' "$NET_ERR")
	kill -HUP "$hz_pid"
	net_wait_log 'reload: done' $((n + 1)) 60 && net_ok "reload to serial $serial" \
		|| net_fail "reload to serial $serial: no 'reload: done'"
	sleep 1   # the old snapshot is unmapped meanwhile, with queries in flight
done
kill -TERM "$client_pid"
wait "$client_pid"
net_check "no query lost across the reloads" 0 "$(awk '$1 == "lost" {print $2}' "$NET_TMP/during.out")"
net_check "the new serial is served" 3 "$(net_dig @127.0.0.1 -p "$NET_PORT" +short big.test SOA | awk '{print $3}')"

for t in "${workers[@]}"; do
	after=$(mm_calls "$t")
	if [ "$after" = "${before[$t]}" ]; then
		net_ok "worker $(cat /proc/"$hz_pid"/task/"$t"/comm): no memory-management call across the reloads"
	else
		net_fail "worker $t made $((after - before[$t])) memory-management calls across the reloads:"
		tail -n +$((before[$t] + 1)) "$NET_TMP/mm.$t" | head -5 | sed 's/^/    | /'
	fi
done
# The trace saw the background thread unmap: otherwise the test proves nothing.
bg_calls=0
for t in /proc/"$hz_pid"/task/*; do
	[ "$(cat "$t/comm" 2>/dev/null)" = hz-background ] && bg_calls=$(grep -c '^munmap' "$NET_TMP/mm.${t##*/}")
done
[ "$bg_calls" -gt 0 ] && net_ok "the background thread unmapped retired memory ($bg_calls munmap calls)" \
	|| net_fail "no munmap on the background thread: the trace missed the frees"

kill -TERM "$hz_pid"
wait "$NET_PID"
net_check "exit status after SIGTERM (strace passes it on)" 0 "$?"
NET_PID=
net_finish

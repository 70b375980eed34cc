#!/usr/bin/env bash
# test_journal.sh -- the journal against crashes, with the real binary and
# nsupdate: the journal cut inside its last block (a few offsets), a tail of
# zeros or garbage; each time the server starts, takes one more update, and
# after a restart serves every acknowledged update. Then compaction: a
# journal past its bound is folded into server.state-dir at start, and a
# hand edit of the zone file afterwards keeps the updates.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

DATA="$HZ_SOURCE_DIR/test/system/data/journal"
KEY="hmac-sha256:dhcp-key:c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="

if ! command -v nsupdate >/dev/null; then
	echo "nsupdate not found (apt-get install bind9-dnsutils)"
	exit 1
fi

# add NAME ADDRESS: a signed update; prints nsupdate's complaints (none: ok).
add() {
	printf 'server 127.0.0.1 %s\nlocal 127.0.0.2\nzone example.com\nupdate add %s 300 A %s\nsend\n' \
		"$NET_PORT" "$1" "$2" | nsupdate -t 5 -u 1 -y "$KEY" 2>&1
}
ask() { net_dig @127.0.0.1 -p "$NET_PORT" -b 127.0.0.2 +short "$1" "${2:-A}"; }

RUN=0
# start the server again (it was stopped); false if it does not become ready
start() {
	RUN=$((RUN + 1))
	NET_ERR="$NET_TMP/stderr.run$RUN"
	"$HORIZOND" --allow-root -c "$NET_CONF" 2>"$NET_ERR" &
	NET_PID=$!
	if ! net_wait_log 'notice: ready' 1 20; then
		cat "$NET_ERR"
		kill -KILL "$NET_PID" 2>/dev/null
		wait "$NET_PID" 2>/dev/null
		NET_PID=
		return 1
	fi
}
restart() { net_stop >/dev/null; start; }

if ! net_start "$DATA/journal.yaml.in" "$DATA/internal.zone"; then
	net_fail "server start"
	net_finish
fi
JNL="$NET_TMP/internal.zone.jnl"
net_check "first update" "" "$(add one.example.com 192.168.1.51)"
net_check "second update" "" "$(add two.example.com 192.168.1.52)"
ACKED=$(stat -c %s "$JNL")
net_check "third update" "" "$(add three.example.com 192.168.1.53)"
FULL=$(stat -c %s "$JNL")
net_stop >/dev/null
cp "$JNL" "$NET_TMP/full.jnl"

# --- a crash inside the last block, zeros, garbage -----------------------------
mid=$(( (ACKED + FULL) / 2 ))
for tail in "cut:$((ACKED + 1))" "cut:$mid" "cut:$((FULL - 1))" "cut:$((FULL - 3))" zeros garbage; do
	case $tail in
	cut:*) head -c "${tail#cut:}" "$NET_TMP/full.jnl" >"$JNL" ;;
	zeros) { head -c "$ACKED" "$NET_TMP/full.jnl"; head -c 4096 /dev/zero; } >"$JNL" ;;
	garbage) { head -c "$ACKED" "$NET_TMP/full.jnl"; printf 'commi\nxyz\x01'; } >"$JNL" ;;
	esac
	if ! start; then
		net_fail "$tail: server starts"
		continue
	fi
	net_check "$tail: the tail is cut at start, with a warning" "1" \
		"$(grep -c 'warning: journal .*internal.zone.jnl: cut [0-9]* bytes\? after the last committed' "$NET_ERR")"
	net_check "$tail: journal ends with the last commit" "$ACKED" "$(stat -c %s "$JNL")"
	net_check "$tail: one more update" "" "$(add "after-${tail%%:*}$RUN.example.com" 192.168.2.$RUN)"
	if ! restart; then
		net_fail "$tail: restart after the update"
		continue
	fi
	net_check "$tail: update 1 served" "192.168.1.51" "$(ask one.example.com)"
	net_check "$tail: update 2 served" "192.168.1.52" "$(ask two.example.com)"
	net_check "$tail: the update after the crash served" "192.168.2.$((RUN - 1))" \
		"$(ask "after-${tail%%:*}$((RUN - 1)).example.com")"
	net_check "$tail: the cut update is not" "" "$(ask three.example.com)"
	net_stop >/dev/null
done

# --- compaction --------------------------------------------------------------------
# a journal past its bound (64 KiB here) is compacted when the server starts
python3 - "$JNL" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    for i in range(1000):
        f.write("begin %d 2025-01-31T10:00:00Z key=dhcp-key client=127.0.0.2#1\n" % (1000 + i))
        f.write("+ h%d.example.com.\t300\tIN\tA\t10.1.%d.%d\n" % (i, i // 250, i % 250))
        f.write("commit %d\n" % (1000 + i))
PY
BIG=$(stat -c %s "$JNL")
if start; then
	net_check "compacted at start (log)" "1" "$(grep -c 'notice: zone example.com.: journal .* compacted into .*/state/example.com.[0-9a-f]*.state' "$NET_ERR")"
	net_check "state dir created, one state file" "1" "$(ls "$NET_TMP/state" | grep -c '\.state$')"
	net_check "journal started anew" "25" "$(stat -c %s "$JNL")"
	net_check "journal was large" "1" "$([ "$BIG" -gt 65536 ] && echo 1)"
	net_check "compacted records served" "10.1.3.231" "$(ask h981.example.com)"
	net_check "update after compaction" "" "$(add seven.example.com 192.168.1.57)"
else
	net_fail "start with a large journal"
fi
if restart; then
	net_check "after restart: compacted records" "10.1.0.7" "$(ask h7.example.com)"
	net_check "after restart: update after compaction" "192.168.1.57" "$(ask seven.example.com)"
	net_check "after restart: earlier updates" "192.168.1.51" "$(ask one.example.com)"
	net_check "after restart: serial" "104" "$(ask example.com SOA | awk '{print $3}')"
	# a hand edit of the zone file: the file's new record, the updates kept
	sed -i 's/ 100 3600/ 5000 3600/' "$NET_TMP/internal.zone"
	echo "printer IN A 192.168.1.30" >>"$NET_TMP/internal.zone"
	touch -d '+2 seconds' "$NET_TMP/internal.zone"
	kill -HUP "$NET_PID"
	net_wait_log 'reload: done' 1 20 || net_fail "reload did not finish"
	net_check "hand edit: new file record" "192.168.1.30" "$(ask printer.example.com)"
	net_check "hand edit: compacted update kept" "10.1.0.7" "$(ask h7.example.com)"
	net_check "hand edit: journal update kept" "192.168.1.57" "$(ask seven.example.com)"
	net_check "hand edit: the file's newer serial" "5000" "$(ask example.com SOA | awk '{print $3}')"
	net_stop
else
	net_fail "restart after compaction"
fi
net_finish

#!/usr/bin/env bash
# test_ctl.sh -- horizonctl over server.control: status, reload (waits and
# says how it went), flush (a flushed name is no longer answered from the
# cache), stats, dump (updates included); the socket is mode 0600; bad
# commands exit 1 or 2. SIGUSR1/SIGUSR2 leave the server running.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

HORIZONCTL=${HORIZONCTL:-$HZ_BUILD_DIR/horizonctl}
[ -x "$HORIZONCTL" ] || { echo "FAIL - no horizonctl at $HORIZONCTL" >&2; exit 1; }
command -v nsupdate >/dev/null || { echo "FAIL - nsupdate not found" >&2; exit 1; }
hz_init
DATA=$HZ_SOURCE_DIR/test/system/data/ctl
SOCK=$HZ_TMP/control.sock
ctl() { timeout 30 "$HORIZONCTL" -s "$SOCK" "$@"; }

printf '%s\n' '$ORIGIN example.com.' '$TTL 300' \
	'@ IN SOA ns1 hostmaster 7 3600 600 86400 300' '@ IN NS ns1' 'ns1 IN A 192.0.2.53' \
	>"$HZ_TMP/example.com.zone"
printf '%s\n' '$ORIGIN upstream.test.' '$TTL 300' \
	'@ IN SOA ns1 hostmaster 1 3600 600 86400 300' '@ IN NS ns1' 'ns1 IN A 192.0.2.1' \
	'www IN A 192.0.2.11' >"$HZ_TMP/upstream.test.zone"
hz_make_config "$DATA/ctl.yaml.in" "$HZ_TMP/ctl.yaml" "$HZ_TMP"
sed -i "s|@MPORT@|$((HZ_PORT + 1))|" "$HZ_TMP/ctl.yaml"
hz_start "$HZ_TMP/ctl.yaml" || hz_done

hz_check "the control socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600

# --- status -------------------------------------------------------------------
out=$(ctl status); rc=$?
hz_check "status exits 0" test $rc -eq 0
hz_check "status names the views" grep -q '^view lan: 1 zone, recursion$' <<<"$out"
hz_check "status names zones and serials" grep -q '^  example.com. serial 7$' <<<"$out"
hz_check "status: no reload yet" grep -q '^last reload: none$' <<<"$out"

# --- reload: waits and prints the result ----------------------------------------
sed -i 's/hostmaster 7 /hostmaster 8 /' "$HZ_TMP/example.com.zone"
out=$(ctl reload); rc=$?
hz_check "reload exits 0" test $rc -eq 0
hz_check "reload says it is done" grep -q '^reload: done in' <<<"$out"
hz_check "the new serial is in service when reload returns" \
	grep -q '^  example.com. serial 8$' <<<"$(ctl status)"
hz_check "status tells the last reload" grep -q '^last reload: ok at .* (1 ok, 0 failed)$' <<<"$(ctl status)"
cp "$HZ_TMP/example.com.zone" "$HZ_TMP/example.com.good"
echo 'broken line here' >>"$HZ_TMP/example.com.zone"
out=$(ctl reload 2>&1); rc=$?
hz_check "a failed reload exits 1" test $rc -eq 1
hz_check "a failed reload says so" grep -q 'reload failed' <<<"$out"
hz_check "status tells the failed reload" grep -q '^last reload: failed at .* (1 ok, 1 failed)$' <<<"$(ctl status)"
cp "$HZ_TMP/example.com.good" "$HZ_TMP/example.com.zone"

# --- flush: a flushed name is answered from upstream again ----------------------
hz_q 127.0.0.2 www.upstream.test A +rec
hz_expect_in "forwarded" ANSWER "$(hz_rr www.upstream.test. A 192.0.2.11)"
hz_q 127.0.0.2 www.upstream.test A +norec
hz_expect_rcode "RD=0: answered from the cache" NOERROR
out=$(ctl flush lan www.upstream.test); rc=$?
hz_check "flush VIEW NAME exits 0" test $rc -eq 0
hz_check "flush VIEW NAME drops the name's answer" grep -q '^view lan: 1 cached answer dropped$' <<<"$out"
hz_q 127.0.0.2 www.upstream.test A +norec
hz_expect_rcode "after flush: no longer answered from the cache" REFUSED
hz_q 127.0.0.2 www.upstream.test A +rec
hz_q 127.0.0.2 ns1.upstream.test A +rec
out=$(ctl flush); rc=$?
hz_check "flush (all) drops both answers" grep -q '^view lan: 2 cached answers dropped$' <<<"$out"
hz_q 127.0.0.2 ns1.upstream.test A +norec
hz_expect_rcode "after flush of all: no longer answered from the cache" REFUSED
ctl flush upstream >/dev/null 2>&1
hz_check "flush of a view without cache exits 1" test $? -eq 1
ctl flush nosuchview >/dev/null 2>&1
hz_check "flush of an unknown view exits 1" test $? -eq 1

# --- dump: updates included -------------------------------------------------------
hz_nsupdate 127.0.0.2 example.com <<<'update add dyn.example.com. 300 IN A 192.0.2.7' >/dev/null
out=$(ctl dump lan example.com); rc=$?
hz_check "dump exits 0" test $rc -eq 0
hz_check "dump starts with the SOA" grep -q 'SOA' <<<"$(head -n 1 <<<"$out")"
hz_check "dump holds the update" grep -Eq '^dyn\.example\.com\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.7$' <<<"$out"
hz_check "dump of a file zone" grep -Eq '^www\.upstream\.test\.' <<<"$(ctl dump upstream upstream.test)"
out=$(ctl dump lan nosuch.zone 2>&1); rc=$?
hz_check "dump of an unknown zone exits 1" test $rc -eq 1
hz_check "dump of an unknown zone says why" grep -q "view 'lan' has no zone 'nosuch.zone'" <<<"$out"

# --- stats: the metrics text ------------------------------------------------------
# two refused updates: one the worker refuses (no allow-update for 127.0.0.3:
# no view), one the control thread refuses (a prerequisite fails)
hz_nsupdate 127.0.0.3 example.com <<<'update add x.example.com. 300 IN A 192.0.2.8' >/dev/null
hz_nsupdate 127.0.0.2 example.com <<<'prereq yxdomain nosuch.example.com.' >/dev/null
out=$(ctl stats); rc=$?
hz_check "stats counts accepted updates" grep -q '^horizond_updates_total{result="accepted"} 1$' <<<"$out"
hz_check "stats counts refused updates (worker and control thread)" grep -q '^horizond_updates_total{result="refused"} 2$' <<<"$out"
hz_check "stats exits 0" test $rc -eq 0
hz_check "stats counts UDP queries" grep -Eq '^horizond_queries_total\{transport="udp"\} [1-9]' <<<"$out"
hz_check "stats has the zone serials" grep -q '^horizond_zone_serial{view="lan",zone="example.com."} 9$' <<<"$out"
hz_check "stats counts reloads" grep -q '^horizond_reloads_total{result="failed"} 1$' <<<"$out"

# --- usage errors -------------------------------------------------------------------
"$HORIZONCTL" -s "$SOCK" frobnicate >/dev/null 2>&1
hz_check "an unknown command exits 2" test $? -eq 2
"$HORIZONCTL" -s "$SOCK" dump lan >/dev/null 2>&1
hz_check "dump without ZONE exits 2" test $? -eq 2
printf 'frobnicate\n' | timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR); sys.stdout.write(s.makefile().read())' "$SOCK" >"$HZ_TMP/raw.out"
hz_check "the server refuses an unknown command itself" grep -q '^error$' <<<"$(head -n 1 "$HZ_TMP/raw.out")"
"$HORIZONCTL" -s "$HZ_TMP/nosuch.sock" status >/dev/null 2>&1
hz_check "no server at the socket: exit 1" test $? -eq 1

# --- a second server on the same socket does not steal it ------------------------
sed "s|127.0.0.1@$HZ_PORT|127.0.0.1@$((HZ_PORT + 2))|; s|127.0.0.1@$((HZ_PORT + 1))|127.0.0.1@$((HZ_PORT + 3))|" \
	"$HZ_TMP/ctl.yaml" >"$HZ_TMP/second.yaml"
timeout 20 "$HORIZOND" --allow-root -c "$HZ_TMP/second.yaml" >"$HZ_TMP/second.log" 2>&1
rc=$?
hz_check "a second server on a live control socket does not start" test $rc -eq 1
hz_check "and says why" grep -q 'another server is listening there' "$HZ_TMP/second.log"
hz_check "the first server's socket still answers" ctl status

# --- SIGUSR1/SIGUSR2 never stop the server --------------------------------------
kill -USR1 "$HZ_PID"; kill -USR2 "$HZ_PID"
hz_check "SIGUSR1/2 leave the server running" ctl status
hz_check "the server still answers" test "$(hz_dig 127.0.0.2 ns1.example.com A +short)" = 192.0.2.53

hz_stop
hz_check "the socket is removed on stop" test ! -e "$SOCK"
hz_done

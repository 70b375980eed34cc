#!/usr/bin/env bash
# test_xfrin_bad.sh -- broken primaries (fake_primary.py) cannot hurt a
# secondary zone: a garbage transfer message is refused with a log line
# naming the primary and the zone keeps answering SERVFAIL (no data yet);
# a record outside the zone is dropped with a log line (as BIND: "ignoring
# out-of-zone data") and never reaches the copy; a good primary listed after
# a broken one is used; a primary that never answers does not delay a
# stop (the transfer under way is cut at once, not after its timeout).
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"

. "$(dirname "$0")/python_lib.sh"
PY=$(hz_python dns.message) || { echo "no python3 with dnspython"; exit 77; }
hz_init
HPORT=$HZ_PORT
ports=()
for _ in 1 2 3 4; do
	hz_pick_port
	ports+=("$HZ_PORT")
done
HZ_PORT=$HPORT
FAKE="$HZ_SOURCE_DIR/test/system/data/xfrin/fake_primary.py"
pids=()
for i in 0 1 2 3; do
	mode=$(echo garbage outzone good silent | cut -d' ' -f$((i + 1)))
	"$PY" "$FAKE" "${ports[$i]}" "$HZ_TMP/$mode.log" "$mode" >"$HZ_TMP/$mode.out" 2>&1 &
	pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null; hz_cleanup' EXIT
xfr_wait 10 sh -c "grep -qs listening '$HZ_TMP/garbage.log' && grep -qs listening '$HZ_TMP/outzone.log' && grep -qs listening '$HZ_TMP/good.log' && grep -qs listening '$HZ_TMP/silent.log'" ||
	hz_die "the fake primaries did not start" "$(cat "$HZ_TMP"/*.out)"

cat >"$HZ_TMP/hz.yaml" <<CONF
server:
  listen: [127.0.0.1@$HPORT]
  workers: 1
  state-dir: $HZ_TMP/state
views:
  - name: a
    match-clients: [127.0.0.2]
    zones:
      - name: example.com
        primaries: [127.0.0.1@${ports[0]}]
  - name: b
    match-clients: [127.0.0.3]
    zones:
      - name: example.com
        primaries: [127.0.0.1@${ports[1]}]
  - name: d
    match-clients: [127.0.0.5]
    zones:
      - name: example.com
        primaries: [127.0.0.1@${ports[3]}]
  - name: c
    match-clients: [any]
    zones:
      - name: example.com
        primaries: [127.0.0.1@${ports[0]}, 127.0.0.1@${ports[2]}]
CONF
hz_start "$HZ_TMP/hz.yaml" || hz_done
xfr_expect "garbage from a primary: logged with the primary" 20 \
	grep -q "zone example.com in view a: AXFR from 127.0.0.1@${ports[0]}: malformed message" "$HZ_LOG"
xfr_expect "a record outside the zone: dropped, logged" 20 \
	grep -q "zone example.com in view b: transfer from 127.0.0.1@${ports[1]}: ignoring out-of-zone data (www.example.org.)" "$HZ_LOG"
hz_q 127.0.0.2 www.example.com A
hz_expect_rcode "view a: still no data" SERVFAIL
xfr_expect "view b: the zone serves without the record" 20 \
	xfr_answer_is 127.0.0.3 www.example.com A 192.0.2.1
hz_check "view b's copy lacks the out-of-zone record" \
	sh -c "! grep -q example.org '$HZ_TMP/state/secondary/b/example.com.zone'"
xfr_expect "view c: the second primary, a good one, is used" 20 \
	xfr_answer_is 127.0.0.4 www.example.com A 192.0.2.1
hz_check "view c's transfer is logged" \
	grep -q "zone example.com in view c: transferred in (AXFR) from 127.0.0.1@${ports[2]}, key none, serial 5, 4 records" "$HZ_LOG"
xfr_expect "the silent primary got the SOA query" 20 grep -q SOA "$HZ_TMP/silent.log"
hz_stop   # within HZ_STOP_TIMEOUT (10 s), the socket timeout: the transfer is cut at once
hz_done

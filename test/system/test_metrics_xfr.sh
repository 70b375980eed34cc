#!/usr/bin/env bash
# test_metrics_xfr.sh -- horizond_transfers_total and horizond_notify_total.
# One server is its own primary and secondary: view "primary" (the address
# 127.0.0.1 the transfer thread and the NOTIFY thread send from) serves
# example.com and allows it to 127.0.0.1, view "secondary" (127.0.0.2) takes
# its copy from 127.0.0.1@PORT (one AXFR in, one AXFR out), view "other"
# refuses transfers; the primary zone's NOTIFY at start goes to the server
# itself, which acknowledges it. The scrape passes `promtool check metrics`.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"

command -v promtool >/dev/null || { echo "FAIL - promtool not found (apt-get install prometheus)" >&2; exit 1; }
command -v curl >/dev/null || { echo "FAIL - curl not found" >&2; exit 1; }
hz_init
MPORT=$((HZ_PORT + 1))
hz_port_free "$MPORT" || { echo "FAIL - port $MPORT busy" >&2; exit 1; }

xfr_zone "$HZ_TMP/example.com.zone" 7 3600 600 86400
cat >"$HZ_TMP/hz.yaml" <<CONF
server:
  listen: [127.0.0.1@$HZ_PORT]
  control: ""
  metrics: 127.0.0.1@$MPORT
  state-dir: $HZ_TMP/state
views:
  - name: primary
    match-clients: [127.0.0.1]
    zones:
      - name: example.com
        file: $HZ_TMP/example.com.zone
        allow-transfer: [127.0.0.1]
        notify: [127.0.0.1@$HZ_PORT]
  - name: secondary
    match-clients: [127.0.0.2]
    zones:
      - name: example.com
        primaries: [127.0.0.1@$HZ_PORT]
  - name: other
    match-clients: [any]
    zones:
      - name: example.com
        file: $HZ_TMP/example.com.zone
CONF
hz_start "$HZ_TMP/hz.yaml" || hz_done

scrape() {
	curl -s --noproxy '*' --max-time 10 "http://127.0.0.1:$MPORT/metrics" >"$HZ_TMP/metrics.txt"
}
m() { scrape && grep -Fxq -- "$1" "$HZ_TMP/metrics.txt"; }

xfr_expect "the secondary view has its copy" 20 xfr_answer_is 127.0.0.2 www.example.com A 192.0.2.1
xfr_expect "the NOTIFY at start is answered" 20 m 'horizond_notify_total{result="answered"} 1'
dig @127.0.0.1 -p "$HZ_PORT" -b 127.0.0.3 +time=5 +tries=1 example.com AXFR >/dev/null 2>&1
dig @127.0.0.1 -p "$HZ_PORT" -b 127.0.0.1 +time=5 +tries=1 example.com IXFR=7 >/dev/null 2>&1
scrape
if out=$(promtool check metrics <"$HZ_TMP/metrics.txt" 2>&1); then
	hz_ok "promtool check metrics passes"
else
	hz_fail "promtool check metrics passes" "$out"
fi
c() { grep -Fxq -- "$1" "$HZ_TMP/metrics.txt"; }
hz_check "out: the secondary's AXFR" c 'horizond_transfers_total{direction="out",type="axfr",result="done"} 1'
hz_check "out: the IXFR of a current client" c 'horizond_transfers_total{direction="out",type="ixfr",result="done"} 1'
hz_check "out: the refused AXFR" c 'horizond_transfers_total{direction="out",type="axfr",result="refused"} 1'
hz_check "out: nothing failed" c 'horizond_transfers_total{direction="out",type="axfr",result="failed"} 0'
hz_check "in: the secondary's AXFR" c 'horizond_transfers_total{direction="in",type="axfr",result="done"} 1'
hz_check "in: nothing refused" c 'horizond_transfers_total{direction="in",type="axfr",result="refused"} 0'
hz_check "NOTIFY: one sent" c 'horizond_notify_total{result="sent"} 1'
hz_check "NOTIFY: none failed" c 'horizond_notify_total{result="failed"} 0'
hz_stop
hz_done

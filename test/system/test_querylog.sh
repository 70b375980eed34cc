#!/usr/bin/env bash
# test_querylog.sh -- query-log: one line per query with client, view, name,
# type, rcode, flags, transport and latency, for the views that have it on
# (server.query-log is the default, a view's query-log overrides it); a
# reload turns it on and off. Written by the logger thread, not the workers.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

hz_init
hz_zone "$HZ_TMP/example.com.zone" example.com
write_conf() {   # write_conf SERVER-QUERY-LOG OUTSIDE-QUERY-LOG-LINE
	cat >"$HZ_TMP/q.yaml" <<YAML
server:
  listen: [127.0.0.1@$HZ_PORT]
  control: ""
  query-log: $1
views:
  - name: inside
    match-clients: [127.0.0.2]
    zones:
      - name: example.com
        file: example.com.zone
  - name: outside
    match-clients: [127.0.0.3]
    $2
    zones:
      - name: example.com
        file: example.com.zone
YAML
}
# wait_log PATTERN: the logger writes a few times a second
wait_log() { for _ in $(seq 1 100); do grep -Eq "$1" "$HZ_LOG" && return 0; sleep 0.1; done; return 1; }

write_conf true "query-log: false"
hz_start "$HZ_TMP/q.yaml" || hz_done
hz_q 127.0.0.2 ns1.example.com A
hz_q 127.0.0.2 nosuch.example.com AAAA +tcp
hz_q 127.0.0.3 ns1.example.com MX
hz_check "a UDP query is logged with client, view, name, type, rcode, flags, latency" \
	wait_log 'notice: query: client 127\.0\.0\.2#[0-9]+ view inside ns1\.example\.com\. A NOERROR flags aa udp [0-9]+us$'
hz_check "a TCP query, NXDOMAIN" \
	wait_log 'query: client 127\.0\.0\.2#[0-9]+ view inside nosuch\.example\.com\. AAAA NXDOMAIN flags aa tcp [0-9]+us$'

# reload: off on the server, on in outside only
write_conf false "query-log: true"
hz_reload
cp "$HZ_LOG" "$HZ_TMP/before-reload.log"
hz_q 127.0.0.2 ns1.example.com TXT
hz_q 127.0.0.3 ns1.example.com MX
hz_check "after the reload: outside is logged" wait_log 'query: client 127\.0\.0\.3#[0-9]+ view outside ns1\.example\.com\. MX NOERROR'
hz_stop
# after the stop every record has been written: now absence means something
hz_check "a view with query-log: false is not logged" sh -c "! grep -q 'view outside ns1.example.com. MX NOERROR flags aa udp [0-9]*us$' '$HZ_TMP/before-reload.log'"
hz_check "after the reload: inside is not logged" sh -c "! grep -q 'view inside ns1.example.com. TXT' '$HZ_LOG'"
hz_check "exactly one outside line (after the reload)" test "$(grep -c 'view outside' "$HZ_LOG")" -eq 1
hz_done

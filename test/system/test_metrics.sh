#!/usr/bin/env bash
# test_metrics.sh -- server.metrics: http://ADDR:PORT/metrics passes
# `promtool check metrics` and counts queries per view (a view name that
# needs escaping included), per transport, RCODE and QTYPE; zone serials;
# other paths get 404. `horizonctl stats` prints the same families. The
# forwarder's counters and latency histogram per view, against the fake
# upstream of test_forward.sh (slow, refused and unanswered names); idle
# TCP connections evicted from a full table, and forwarded questions
# rejected past a client's share.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { echo "FAIL - promtool not found (apt-get install prometheus)" >&2; exit 1; }
hz_init
DATA=$HZ_SOURCE_DIR/test/system/data/metrics
MPORT=$((HZ_PORT + 1))
hz_port_free "$MPORT" || { echo "FAIL - port $MPORT busy" >&2; exit 1; }
FPORT=$((HZ_PORT + 2))
hz_port_free "$FPORT" || { echo "FAIL - port $FPORT busy" >&2; exit 1; }
python3 "$HZ_SOURCE_DIR/test/system/data/forward/fake_upstream.py" "$FPORT" "$HZ_TMP/fake.log" \
	>"$HZ_TMP/fake.out" 2>&1 &
FAKE_PID=$!
trap '[ "$BASHPID" = "$HZ_MAIN_PID" ] && kill -KILL "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null; hz_cleanup' EXIT
for _ in $(seq 1 50); do grep -q ready "$HZ_TMP/fake.out" && break; sleep 0.1; done

printf '%s\n' '$ORIGIN example.com.' '$TTL 300' \
	'@ IN SOA ns1 hostmaster 42 3600 600 86400 300' '@ IN NS ns1' 'ns1 IN A 192.0.2.53' \
	>"$HZ_TMP/example.com.zone"
hz_make_config "$DATA/metrics.yaml.in" "$HZ_TMP/m.yaml" "$HZ_TMP"
sed -i -e "s|@MPORT@|$MPORT|" -e "s|@FPORT@|$FPORT|" "$HZ_TMP/m.yaml"
hz_start "$HZ_TMP/m.yaml" || hz_done

# fetch PATH: the body (and "STATUS n" on the last line) over loopback only
fetch() {
	timeout 20 python3 - "$MPORT" "$1" <<'PY'
import sys, urllib.request, urllib.error
url = "http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2])
try:
    r = urllib.request.urlopen(url, timeout=10)
    sys.stdout.write(r.read().decode()); print("STATUS %d %s" % (r.status, r.headers.get("Content-Type")))
except urllib.error.HTTPError as e:
    print("STATUS %d" % e.code)
PY
}

for _ in 1 2 3; do hz_q 127.0.0.2 ns1.example.com A; done
hz_q 127.0.0.3 ns1.example.com AAAA
hz_q 127.0.0.3 nosuch.example.com MX
hz_q 127.0.0.4 ns1.example.com A        # no view: REFUSED
hz_q 127.0.0.2 ns1.example.com A +tcp

# scrape WHAT: /metrics into $HZ_TMP/metrics.txt (the status in $body), and
# `promtool check metrics` on it
scrape() {
	body=$(fetch /metrics)
	sed '$d' <<<"$body" >"$HZ_TMP/metrics.txt"
	local out
	if out=$(promtool check metrics <"$HZ_TMP/metrics.txt" 2>&1); then
		hz_ok "promtool check metrics passes$1"
	else
		hz_fail "promtool check metrics passes$1" "$out"
	fi
}
m() { grep -Fxq -- "$1" "$HZ_TMP/metrics.txt"; }

scrape ""
hz_check "/metrics answers 200 in the text format" \
	grep -q '^STATUS 200 text/plain; version=0.0.4; charset=utf-8$' <<<"$(tail -n 1 <<<"$body")"
hz_check "queries of the first view (name escaped), udp" m 'horizond_view_queries_total{view="in\"side",transport="udp"} 3'
hz_check "queries of the first view, tcp" m 'horizond_view_queries_total{view="in\"side",transport="tcp"} 1'
hz_check "queries of the second view" m 'horizond_view_queries_total{view="outside",transport="udp"} 2'
hz_check "queries no view took" m 'horizond_view_queries_total{view="(none)",transport="udp"} 1'
hz_check "responses by rcode: NOERROR" m 'horizond_responses_total{transport="udp",rcode="NOERROR"} 4'
hz_check "responses by rcode: NXDOMAIN" m 'horizond_responses_total{transport="udp",rcode="NXDOMAIN"} 1'
hz_check "responses by rcode: REFUSED" m 'horizond_responses_total{transport="udp",rcode="REFUSED"} 1'
hz_check "queries by qtype: A" m 'horizond_qtype_queries_total{qtype="A"} 4'
hz_check "queries by qtype: MX" m 'horizond_qtype_queries_total{qtype="MX"} 1'
hz_check "zone serials per view" m 'horizond_zone_serial{view="outside",zone="example.com."} 42'
hz_check "received messages per transport" m 'horizond_queries_total{transport="udp"} 6'
hz_check "no reload yet" m 'horizond_reloads_total{result="ok"} 0'
hz_check "no forwarder series for views without forwarders" \
	test -z "$(grep '^horizond_forward_.*view="outside"' "$HZ_TMP/metrics.txt")"
hz_check "forwarder: nothing sent yet" m 'horizond_forward_queries_total{view="fwd"} 0'
hz_check "no TCP connection evicted yet" m 'horizond_tcp_evicted_total 0'
hz_check "forwarder: nothing rejected yet (client_share)" m 'horizond_forward_rejected_total{view="fwd",reason="client_share"} 0'

# The fake upstream answers slow.test after 600 ms, refuses other names and
# never answers *.blackhole.test (a timeout after 1.5 s).
fq() { dig @127.0.0.1 -p "$HZ_PORT" -b 127.0.0.5 +time=8 +tries=1 "$@" >/dev/null 2>&1; }
fq slow.test A
fq other.test A
fq x.blackhole.test A
scrape " with forwarder metrics"
hz_check "forwarder: questions sent" m 'horizond_forward_queries_total{view="fwd"} 3'
hz_check "forwarder: answers accepted (slow and refused)" m 'horizond_forward_answers_total{view="fwd"} 2'
hz_check "forwarder: a timeout" m 'horizond_forward_failures_total{view="fwd",reason="timeout"} 1'
hz_check "forwarder: REFUSED from upstream" m 'horizond_forward_failures_total{view="fwd",reason="rcode"} 1'
hz_check "forwarder: nothing malformed" m 'horizond_forward_failures_total{view="fwd",reason="malformed"} 0'
hz_check "forwarder: latency count" m 'horizond_forward_latency_seconds_count{view="fwd"} 2'
hz_check "forwarder: latency +Inf bucket" m 'horizond_forward_latency_seconds_bucket{view="fwd",le="+Inf"} 2'
# the slow answer took at least 600 ms: at most the refusal is under 0.5 s
le05=$(sed -n 's/^horizond_forward_latency_seconds_bucket{view="fwd",le="0.5"} //p' "$HZ_TMP/metrics.txt")
hz_check "forwarder: the slow answer is above the 0.5 s bucket (got ${le05:-none})" \
	test "${le05:-9}" -le 1
sum=$(sed -n 's/^horizond_forward_latency_seconds_sum{view="fwd"} //p' "$HZ_TMP/metrics.txt")
hz_check "forwarder: latency sum at least 0.6 s (got ${sum:-none})" \
	awk -v s="${sum:-0}" 'BEGIN { exit !(s >= 0.6) }'

# A full TCP table (8 slots) closes its oldest idle connection for a fresh
# client (tcpabuse.py of test_tcp_abuse.sh; idle ones from 127.0.0.10..13).
out=$(timeout 60 python3 "$HZ_SOURCE_DIR/test/system/data/abuse/tcpabuse.py" evict 127.0.0.1 "$HZ_PORT" 127.0.0.2 8 2>&1)
hz_check "tcp: the oldest idle connection made room ($out)" test "$out" = "fresh answered, closed [0]"
# One client asks 700 new names of the never-answering upstream: past its
# share (512 of the worker's 4096 pending questions) they are answered
# SERVFAIL at once, and counted.
timeout 60 python3 - "$HZ_PORT" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.5", 0))
s.setblocking(False)
for i in range(700):
    name = b"share%d" % i
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0)
    q += bytes([len(name)]) + name + b"\x09blackhole\x04test\x00" + struct.pack("!HH", 1, 1)
    try:
        s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError:
        pass
    if i % 50 == 49:
        time.sleep(0.01)   # within the socket buffers, well within the 1.5 s timeout
PY
sleep 0.3
scrape " with eviction and rejection counts"
hz_check "tcp: the eviction is counted" m 'horizond_tcp_evicted_total 1'
share=$(sed -n 's/^horizond_forward_rejected_total{view="fwd",reason="client_share"} //p' "$HZ_TMP/metrics.txt")
hz_check "forwarder: questions past the client's share counted (${share:-none}, at most 188)" \
	test "${share:-0}" -ge 1 -a "${share:-0}" -le 188
hz_check "forwarder: no overload" m 'horizond_forward_rejected_total{view="fwd",reason="overload"} 0'

hz_reload
body=$(fetch /metrics)
hz_check "a reload is counted" grep -Fxq 'horizond_reloads_total{result="ok"} 1' <<<"$body"
hz_check "other paths: 404" grep -q '^STATUS 404$' <<<"$(fetch /)"

hz_stop
hz_done

#!/usr/bin/env bash
# test_tcp_abuse.sh -- TCP stays useful while clients misbehave (issue 15):
# a message trickled byte by byte is cut at its deadline, one address holds
# at most a quarter of the slots, a full table closes its oldest idle
# connection for a fresh client, fresh clients are served while slowloris
# connections are open, and running out of descriptors neither spins nor
# floods the log. Clients: 127.0.0.2 fresh, 127.0.0.3 abusive, 127.0.0.10..
# idle.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"
DATA="$(cd "$(dirname "$0")" && pwd)/data/abuse"
T="python3 $DATA/tcpabuse.py"

if ! net_start "$DATA/tcp.yaml.in" "$DATA/example.net.zone"; then
	net_fail "server start"
	net_finish
fi
P=$NET_PORT

# One byte every 0.5 s: the old idle timer restarted on each byte and the
# query (about 35 bytes) would have taken 17 s; the deadline is 3 s.
t=$($T trickle 127.0.0.1 "$P" 127.0.0.3 0.5 10 2>&1)
python3 -c "import sys; v=sys.argv[1]; sys.exit(0 if v!='never' and 2<=float(v)<=6 else 1)" "$t" \
	&& net_ok "trickled message cut at its deadline (${t}s, tcp-idle-timeout 3)" \
	|| net_fail "trickle: closed after '$t' (expected 2..6 s)"

# A query every second keeps the connection busy (the idle timeout never
# fires): tcp-max-lifetime 4 closes it after the answer to the query that
# finds it older than 4 s. Before: never closed.
t=$($T lifetime 127.0.0.1 "$P" 127.0.0.3 1 12 2>&1)
python3 -c "
import re, sys
m = re.fullmatch(r'(\d+)/(\d+) answered, closed ([0-9.]+)', sys.argv[1])
sys.exit(0 if m and m[1] == m[2] and 3.5 <= float(m[3]) <= 8 else 1)" "$t" \
	&& net_ok "busy connection closed at its lifetime, every query answered ($t; tcp-max-lifetime 4)" \
	|| net_fail "lifetime: '$t' (expected all answered, closed after 3.5..8 s)"

net_check "per source: 2 of 10 connections from one address kept (8 slots / 4)" \
	"2 kept, 2 answered" "$($T per-source 127.0.0.1 "$P" 127.0.0.3 10 2>&1)"
sleep 0.3   # those are closed by now
net_check "per source: the same over IPv6 (::1)" \
	"2 kept, 2 answered" "$($T per-source ::1 "$P" ::1 10 2>&1)"
sleep 0.3

net_check "full table: the oldest idle connection makes room for a fresh client" \
	"fresh answered, closed [0]" "$($T evict 127.0.0.1 "$P" 127.0.0.2 8 2>&1)"

# The same with every connection accepted in one burst (the worker stopped
# while they are made): equal coarse times, the first accepted goes. Before:
# the last accepted was closed.
sleep 0.3
kill -STOP "$NET_PID"
net_check "full table, connections accepted in one burst: the first accepted makes room" \
	"fresh answered, closed [0]" "$($T evict-burst 127.0.0.1 "$P" 127.0.0.2 8 "$NET_PID" 2>&1)"
kill -CONT "$NET_PID" 2>/dev/null
sleep 0.3

net_check "fresh clients served while 20 slowloris connections are open" \
	"10 answered, slowest under 2 s" "$($T slowloris 127.0.0.1 "$P" 127.0.0.3 20 127.0.0.2 10 2>&1)"
net_check "udp answers meanwhile" "192.0.2.10" \
	"$(dig @127.0.0.1 -p "$P" -b 127.0.0.2 +short +time=2 +tries=1 www.example.net A)"
net_stop

# Out of descriptors: with 'ulimit -n 40' and 150 connections held open,
# accept fails with EMFILE. The old listener retried at once, logging each
# failure (millions of lines); now it pauses and logs at most one line per
# 10 s.
NET_PORT=$(net_pick_port)
sed -e "s/@PORT@/$NET_PORT/g" -e "s/tcp-clients: 8/tcp-clients: 1000/" "$DATA/tcp.yaml.in" \
	>"$NET_TMP/fd.yaml"
cp "$DATA/example.net.zone" "$NET_TMP/"
NET_ERR="$NET_TMP/fd.err"
(ulimit -n 40 && exec "$HORIZOND" --allow-root -c "$NET_TMP/fd.yaml") 2>"$NET_ERR" &
NET_PID=$!
if net_wait_log 'ready' 1 20; then
	python3 - "$NET_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(150):
    s = socket.socket(); s.bind(("127.0.0.%d" % (20 + i % 50), 0)); s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port)); held.append(s)
    except OSError:
        s.close()
time.sleep(3)
PY
	n=$(grep -c 'accept' "$NET_ERR")
	[ "$n" -ge 1 ] && [ "$n" -le 3 ] && net_ok "EMFILE: $n accept log line(s) in 3 s" \
		|| net_fail "EMFILE: $n accept log lines: $(grep accept "$NET_ERR" | head -3)"
	net_check "EMFILE: udp still answers" "192.0.2.10" \
		"$(dig @127.0.0.1 -p "$NET_PORT" +short +time=2 +tries=1 www.example.net A)"
	net_check "EMFILE: tcp answers once the flood is gone" "192.0.2.10" \
		"$(dig @127.0.0.1 -p "$NET_PORT" +tcp +short +time=2 +tries=2 www.example.net A)"
	net_stop
else
	net_fail "server with ulimit -n 40 did not start: $(tail -3 "$NET_ERR")"
	kill "$NET_PID" 2>/dev/null
fi
net_finish

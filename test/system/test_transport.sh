#!/usr/bin/env bash
# test_transport.sh -- UDP and TCP behaviour of the real horizond on loopback:
# v4 and v6, pipelining, idle timeout, connection cap, bad framing, reply
# source address, clean stop on SIGTERM.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

# --- a server with three addresses, two workers, idle 2 s, 2 TCP clients per worker
if ! net_start "$NET_DATA/transport.yaml.in" "$NET_DATA/example.net.zone"; then
	net_fail "server start"
	net_finish
fi
P=$NET_PORT
echo "horizond pid $NET_PID on port $P"

out=$(net_dig @127.0.0.1 -p "$P" -b 127.0.0.2 www.example.net A)
net_check "udp v4: answer" "192.0.2.10" "$(net_dig @127.0.0.1 -p "$P" -b 127.0.0.2 +short www.example.net A)"
echo "$out" | grep -q 'status: NOERROR' && net_ok "udp v4: NOERROR" || net_fail "udp v4: status: $out"
echo "$out" | grep -qE 'flags: qr aa' && net_ok "udp v4: AA set" || net_fail "udp v4: flags: $out"

net_check "udp v6: answer" "2001:db8::10" "$(net_dig @::1 -p "$P" +short www.example.net AAAA)"
net_check "tcp v4: answer" "192.0.2.10" "$(net_dig @127.0.0.1 -p "$P" -b 127.0.0.2 +tcp +short www.example.net A)"
net_check "tcp v6: answer" "2001:db8::10" "$(net_dig @::1 -p "$P" +tcp +short www.example.net AAAA)"
net_check "kdig tcp: answer" "192.0.2.10" \
	"$(kdig @127.0.0.1 -p "$P" +tcp +short +timeout=2 +retry=1 www.example.net A 2>&1)"

# Two questions on one connection with dig +keepopen.
n=$(net_dig @127.0.0.1 -p "$P" +tcp +keepopen www.example.net A www.example.net AAAA | grep -c 'status: NOERROR')
net_check "tcp keepopen: two answers" 2 "$n"

out=$($NET_CLIENT pipeline 127.0.0.1 "$P" www.example.net 10 2>&1)
net_check "tcp pipelining: 10 queries in one write, answers in order" "ok 10 in order" "$out"
out=$($NET_CLIENT pipeline ::1 "$P" www.example.net 50 2>&1)
net_check "tcp pipelining v6: 50 queries" "ok 50 in order" "$out"
out=$($NET_CLIENT halfclose 127.0.0.1 "$P" www.example.net 2>&1)
net_check "tcp half-close: answers still written" "ok" "$out"

# The reply leaves from the address the query was sent to.
net_check "udp reply source 127.0.0.4" "127.0.0.4" "$($NET_CLIENT srcaddr 127.0.0.4 "$P" www.example.net 2>&1)"
net_check "udp reply source 127.0.0.1" "127.0.0.1" "$($NET_CLIENT srcaddr 127.0.0.1 "$P" www.example.net 2>&1)"
net_check "tcp on 127.0.0.4: answer" "192.0.2.10" "$(net_dig @127.0.0.4 -p "$P" +tcp +short www.example.net A)"

# in_range VALUE LOW HIGH (decimals)
in_range() { python3 -c "import sys; v=sys.argv[1]; sys.exit(0 if v!='never' and $2<=float(v)<=$3 else 1)" "$1"; }

t=$($NET_CLIENT idle 127.0.0.1 "$P" 8 2>&1)
in_range "$t" 1.5 4.5 && net_ok "idle connection closed after ${t}s (timeout 2 s)" \
	|| net_fail "idle timeout: closed after '$t'"
t=$($NET_CLIENT idle-reset 127.0.0.1 "$P" www.example.net 1.2 3 8 2>&1)
in_range "$t" 1.5 4.5 && net_ok "activity resets the idle timer (3 queries 1.2 s apart, then closed after ${t}s)" \
	|| net_fail "idle reset: '$t'"
t=$($NET_CLIENT oversize 127.0.0.1 "$P" 8 2>&1)
in_range "$t" 1.5 4.5 && net_ok "length prefix larger than the data: closed after ${t}s, nothing answered" \
	|| net_fail "oversize length prefix: '$t'"
t=$($NET_CLIENT zerolen 127.0.0.1 "$P" 5 2>&1)
in_range "$t" 0 1 && net_ok "zero-length message: closed at once (${t}s)" || net_fail "zero length: '$t'"

# Cap 2 per worker, 2 workers: of 10 simultaneous connections 2..4 are served.
n=$($NET_CLIENT cap 127.0.0.1 "$P" www.example.net 10 2>&1)
if [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] && [ "$n" -le 4 ]; then
	net_ok "tcp cap: $n of 10 connections served (cap 2 x 2 workers)"
else
	net_fail "tcp cap: '$n' of 10 served, expected 2..4"
fi
net_check "udp still answers after the TCP tests" "192.0.2.10" \
	"$(net_dig @127.0.0.1 -p "$P" +short www.example.net A)"

# Stop with an idle TCP connection open: still a prompt exit 0.
python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $P)); time.sleep(5)" &
holder=$!
sleep 0.3
t0=$(date +%s.%N)
net_stop
t1=$(date +%s.%N)
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
in_range "$(python3 -c "print($t1 - $t0)")" 0 3.5 && net_ok "stop with an open idle connection is prompt" \
	|| net_fail "stop took $(python3 -c "print($t1 - $t0)") s"
grep -qE 'stopped: .*tcp [0-9]+ connections, [0-9]+ queries, [1-9][0-9]* refused' "$NET_ERR" \
	&& net_ok "refused connections counted" || net_fail "stats line: $(grep stopped: "$NET_ERR")"
net_check "exactly one ready line" 1 "$(grep -c 'notice: ready' "$NET_ERR")"

# --- a wildcard socket: the reply's source must be the address asked (pktinfo)
if net_start "$NET_DATA/wildcard.yaml.in" "$NET_DATA/example.net.zone"; then
	P=$NET_PORT
	net_check "wildcard: reply source 127.0.0.4" "127.0.0.4" "$($NET_CLIENT srcaddr 127.0.0.4 "$P" www.example.net 2>&1)"
	net_check "wildcard: reply source 127.0.0.7" "127.0.0.7" "$($NET_CLIENT srcaddr 127.0.0.7 "$P" www.example.net 2>&1)"
	net_check "wildcard: dig via 127.0.0.5" "192.0.2.10" "$(net_dig @127.0.0.5 -p "$P" +short www.example.net A)"
	net_stop
else
	net_fail "wildcard server start"
fi

net_finish

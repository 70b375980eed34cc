#!/usr/bin/env bash
# test_reload.sh -- SIGHUP reloads: changed record, broken zone and config
# (old data stays), view/ACL change, listen change, a burst of HUPs, and 50
# reloads under continuous query load with nothing lost.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

INSIDE=127.0.0.2
EXTRA=

# write_zone FILE SERIAL ADDRESS [BROKEN]: write-then-rename, as docs/operations.md says.
write_zone() {
	local tmp="$1.tmp.$$"
	{
		echo '$ORIGIN example.org.'
		echo '$TTL 300'
		echo "@ IN SOA ns1.example.org. hostmaster.example.org. $2 3600 600 86400 300"
		echo '@ IN NS ns1'
		echo 'ns1 IN A 192.0.2.53'
		if [ "${4:-}" = broken ]; then
			echo "www IN A 300.0.0.1"         # line 6: not an address
		else
			echo "www IN A $3"
		fi
	} >"$tmp"
	mv "$tmp" "$1"
}

# write_conf: render the template with the current INSIDE and EXTRA.
write_conf() {
	sed -e "s/@PORT@/$NET_PORT/g" -e "s/@INSIDE@/$INSIDE/" -e "s/@EXTRA@/$EXTRA/" \
		"$NET_DATA/reload.yaml.in" >"$NET_CONF.tmp"
	mv "$NET_CONF.tmp" "$NET_CONF"
}

# hup_and_wait PATTERN: send SIGHUP and wait for one more log line matching PATTERN.
hup_and_wait() {
	local before
	before=$(grep -cE "$1" "$NET_ERR")
	kill -HUP "$NET_PID"
	net_wait_log "$1" $((before + 1)) 20
}

ask() { # ask SOURCE NAME [TYPE]
	net_dig @127.0.0.1 -p "$NET_PORT" -b "$1" +short "$2" "${3:-A}"
}

write_zone "$NET_TMP/internal.zone" 1 10.0.0.1
write_zone "$NET_TMP/external.zone" 1 192.0.2.1
sed -e "s/@INSIDE@/$INSIDE/" -e "s/@EXTRA@/$EXTRA/" "$NET_DATA/reload.yaml.in" >"$NET_TMP/reload.yaml.in"
if ! net_start "$NET_TMP/reload.yaml.in"; then
	net_fail "server start"
	net_finish
fi
echo "horizond pid $NET_PID on port $NET_PORT"

net_check "internal view before reload" "10.0.0.1" "$(ask 127.0.0.2 www.example.org)"
net_check "external view before reload" "192.0.2.1" "$(ask 127.0.0.3 www.example.org)"

# --- 1. a changed record
write_zone "$NET_TMP/external.zone" 2 192.0.2.2
hup_and_wait 'reload: done' && net_ok "reload after a record change" || net_fail "reload: no 'reload: done'"
net_check "new record served" "192.0.2.2" "$(ask 127.0.0.3 www.example.org)"
net_check "other view unchanged" "10.0.0.1" "$(ask 127.0.0.2 www.example.org)"

# --- 2. a broken zone: the old data stays, the error names FILE:LINE
write_zone "$NET_TMP/external.zone" 3 192.0.2.3 broken
hup_and_wait 'reload failed' && net_ok "broken zone: reload failed" || net_fail "broken zone: no 'reload failed'"
grep -qE 'external\.zone:6:' "$NET_ERR" && net_ok "broken zone: error logged as external.zone:6:" \
	|| net_fail "broken zone: no external.zone:6: in the log"
net_check "broken zone: old answer still served" "192.0.2.2" "$(ask 127.0.0.3 www.example.org)"
net_check "broken zone: other view still served" "10.0.0.1" "$(ask 127.0.0.2 www.example.org)"

# --- 3. a broken config: the same
write_zone "$NET_TMP/external.zone" 4 192.0.2.4
INSIDE=300.1.1.1
write_conf
hup_and_wait 'reload failed' && net_ok "broken config: reload failed" || net_fail "broken config: no 'reload failed'"
grep -qE 'horizond\.yaml:[0-9]+:' "$NET_ERR" && net_ok "broken config: error logged as horizond.yaml:LINE:" \
	|| net_fail "broken config: no horizond.yaml:LINE: in the log"
net_check "broken config: old answer still served" "192.0.2.2" "$(ask 127.0.0.3 www.example.org)"

# --- 4. a view/ACL change moves clients between views
INSIDE=127.0.0.3
write_conf
hup_and_wait 'reload: done' && net_ok "reload after an ACL change" || net_fail "ACL change: no 'reload: done'"
net_check "127.0.0.3 moved to the internal view" "10.0.0.1" "$(ask 127.0.0.3 www.example.org)"
net_check "127.0.0.2 moved to the external view" "192.0.2.4" "$(ask 127.0.0.2 www.example.org)"

# --- 5. listen addresses added and removed on reload
EXTRA=", 127.0.0.5@$NET_PORT"
write_conf
hup_and_wait 'reload: done' && net_ok "reload adding a listen address" || net_fail "listen add: no 'reload: done'"
net_check "new listen address answers (udp)" "192.0.2.4" \
	"$(net_dig @127.0.0.5 -p "$NET_PORT" -b 127.0.0.2 +short www.example.org A)"
net_check "new listen address answers (tcp)" "192.0.2.4" \
	"$(net_dig @127.0.0.5 -p "$NET_PORT" -b 127.0.0.2 +tcp +short www.example.org A)"
EXTRA=
write_conf
hup_and_wait 'reload: done' && net_ok "reload removing a listen address" || net_fail "listen remove: no 'reload: done'"
out=$(dig +time=1 +tries=1 @127.0.0.5 -p "$NET_PORT" +short www.example.org A 2>&1)
echo "$out" | grep -qE 'timed out|no servers|refused' && net_ok "removed listen address no longer answers" \
	|| net_fail "removed listen address still answers: $out"
net_check "remaining address still answers (v6)" "192.0.2.4" \
	"$(net_dig @::1 -p "$NET_PORT" +short www.example.org A)"

# --- 6. a burst of 20 HUPs: alive, and the answers are right
done_before=$(grep -c 'reload: done' "$NET_ERR")
write_zone "$NET_TMP/external.zone" 5 192.0.2.5
for i in $(seq 1 20); do kill -HUP "$NET_PID"; done
sleep 0.5
net_wait_log 'reload: done' $((done_before + 1)) 20
# Wait until the reloads settle (no new "done" for a second).
prev=-1
for i in $(seq 1 40); do
	cur=$(grep -c 'reload: done' "$NET_ERR")
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 1
done
n=$((cur - done_before))
kill -0 "$NET_PID" 2>/dev/null && net_ok "alive after 20 HUPs ($n reloads ran)" || net_fail "died after a HUP burst"
[ "$n" -ge 1 ] && [ "$n" -le 20 ] && net_ok "HUP burst: between 1 and 20 reloads" || net_fail "HUP burst: $n reloads"
net_check "answer after the burst" "192.0.2.5" "$(ask 127.0.0.2 www.example.org)"
net_check "other view after the burst" "10.0.0.1" "$(ask 127.0.0.3 www.example.org)"

# --- 7. 50 reloads under continuous load: nothing lost, no SERVFAIL
perf_out="$NET_TMP/dnsperf.out"
dnsperf -s 127.0.0.1 -p "$NET_PORT" -d "$NET_DATA/queries.txt" -l 20 -Q 2000 -t 2 >"$perf_out" 2>&1 &
perf_pid=$!
sleep 1
reload_ok=0
for i in $(seq 1 50); do
	write_zone "$NET_TMP/external.zone" $((100 + i)) "192.0.2.$((100 + i))"
	hup_and_wait 'reload: (done|failed)' && reload_ok=$((reload_ok + 1))
done
kill -0 "$perf_pid" 2>/dev/null && net_ok "50 reloads finished while dnsperf was still sending" \
	|| net_fail "dnsperf ended before the 50 reloads did"
wait "$perf_pid"
net_check "50 reloads under load all done" 50 "$reload_ok"
net_check "no reload failed under load" 2 "$(grep -c 'reload failed' "$NET_ERR")"
lost=$(awk '/Queries lost:/ {print $3}' "$perf_out")
sent=$(awk '/Queries sent:/ {print $3}' "$perf_out")
codes=$(grep 'Response codes:' "$perf_out")
echo "dnsperf: sent $sent, lost $lost; $codes"
[ -n "$sent" ] && [ "$sent" -gt 10000 ] && net_ok "dnsperf sent $sent queries" || net_fail "dnsperf sent '$sent'"
net_check "zero lost queries across 50 reloads" 0 "$lost"
echo "$codes" | grep -qE 'SERVFAIL|REFUSED|FORMERR' && net_fail "unexpected rcodes: $codes" \
	|| net_ok "no SERVFAIL/REFUSED under reload"
net_check "last zone version served" "192.0.2.150" "$(ask 127.0.0.2 www.example.org)"

net_stop
net_finish

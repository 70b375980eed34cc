#!/usr/bin/env bash
# test_reload.sh -- SIGHUP reloads: changed record (serial logged), broken
# zone and config (old data stays), view/ACL change, listen change, a burst
# of HUPs, 50 reloads under continuous query load with nothing lost, a file
# changed without a new serial (warned), zone files caught half-written (old
# data stays, FILE:LINE logged), and a 20 000-record zone reloaded while a
# client keeps queries in flight (none lost, no SERVFAIL).
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

# log_mark: remember how long the log is; log_since prints what came after.
log_mark() { LOG_MARK=$(wc -l <"$NET_ERR"); }
log_since() { tail -n +$((LOG_MARK + 1)) "$NET_ERR"; }

# expect_log DESC PATTERN: the log since log_mark has a line matching PATTERN (grep -E).
expect_log() {
	if log_since | grep -qE "$2"; then net_ok "$1"; else
		net_fail "$1: no line matching '$2' in the log:"
		log_since | sed 's/^/    | /'
	fi
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

# --- 1. a changed record; the serial change is logged per zone, the zone of
# the other view is kept unchanged and counted, not logged
write_zone "$NET_TMP/external.zone" 2 192.0.2.2
log_mark
hup_and_wait 'reload: done' && net_ok "reload after a record change" || net_fail "reload: no 'reload: done'"
expect_log "serial change logged" 'notice: reload: zone example\.org\. in view external: serial 1 -> 2$'
expect_log "unchanged zone counted" 'reload: zones: 1 unchanged \(kept, not parsed\), 1 reloaded \(0 with an unchanged serial\)'
log_since | grep -q 'in view internal' && net_fail "the unchanged zone was logged on its own" \
	|| net_ok "the unchanged zone is not logged on its own"
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

# --- 8. new data without a new serial: served, and a warning says so
write_zone "$NET_TMP/external.zone" 150 192.0.2.151
log_mark
hup_and_wait 'reload: done' && net_ok "reload with an unchanged serial" || net_fail "same serial: no 'reload: done'"
expect_log "same serial warned" \
	'warning: reload: zone example\.org\. in view external: files changed but the serial is still 150; secondaries would not notice'
net_check "same serial: the new data is served" "192.0.2.151" "$(ask 127.0.0.2 www.example.org)"

# --- 9. zone files caught half-written (written in place, no rename): the
# reload fails with FILE:LINE and the old data stays in service
write_zone "$NET_TMP/full.zone" 152 192.0.2.152
{ head -n 5 "$NET_TMP/full.zone"; printf 'www IN A 19'; } >"$NET_TMP/external.zone"
log_mark
hup_and_wait 'reload failed' && net_ok "zone cut in a record: reload failed" || net_fail "cut in a record: no 'reload failed'"
expect_log "zone cut in a record: error at external.zone:6" 'external\.zone:6: '
net_check "zone cut in a record: old answer still served" "192.0.2.151" "$(ask 127.0.0.2 www.example.org)"
head -n 3 "$NET_TMP/full.zone" >"$NET_TMP/external.zone"     # ends after the SOA: no NS
log_mark
hup_and_wait 'reload failed' && net_ok "zone cut after the SOA: reload failed" || net_fail "cut after the SOA: no 'reload failed'"
# zonefile.c reports this one without a line number (the whole file is at fault)
expect_log "zone cut after the SOA: error names external.zone" 'external\.zone(:[0-9]+)?: no NS records'
net_check "zone cut after the SOA: old answer still served" "192.0.2.151" "$(ask 127.0.0.2 www.example.org)"
net_check "zone cut after the SOA: old SOA still served" "150" \
	"$(ask 127.0.0.2 example.org SOA | awk '{print $3}')"
net_check "zone cut after the SOA: other view still served" "10.0.0.1" "$(ask 127.0.0.3 www.example.org)"
mv "$NET_TMP/full.zone" "$NET_TMP/external.zone"
hup_and_wait 'reload: done' && net_ok "the complete file reloads" || net_fail "complete file: no 'reload: done'"
net_check "the complete file is served" "192.0.2.152" "$(ask 127.0.0.2 www.example.org)"
net_stop

# --- 10. a bigger zone reloaded while a client keeps queries in flight
# (bench/reload_gap.py; timing is printed, not asserted)
net_big_zone 1
printf '%s\n' 'server:' '  listen: [127.0.0.1@@PORT@]' '  workers: 2' 'views:' '  - name: all' \
	'    match-clients: [any]' '    zones:' '      - name: big.test' '        file: big.zone' >"$NET_TMP/big.yaml.in"
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "host%d.big.test A\nnothere%d.big.test A\n", i * 9 % 20000, i }' \
	>"$NET_TMP/big-names.txt"
if net_start "$NET_TMP/big.yaml.in"; then
	gap_out="$NET_TMP/gap.out"
	python3 "$HZ_SOURCE_DIR/bench/reload_gap.py" -p "$NET_PORT" -b 127.0.0.2 -b 127.0.0.3 \
		-f "$NET_TMP/big-names.txt" -d 120 -t 2 >"$gap_out" 2>&1 &
	gap_pid=$!
	sleep 1
	big_ok=0
	for i in $(seq 2 6); do
		net_big_zone "$i"
		hup_and_wait 'reload: (done|failed)' && big_ok=$((big_ok + 1))
	done
	kill -0 "$gap_pid" 2>/dev/null && net_ok "big zone: client still running after the reloads" \
		|| net_fail "big zone: the client ended early"
	kill -TERM "$gap_pid"
	wait "$gap_pid"
	echo "reload_gap.py:" $(tr '\n' ' ' <"$gap_out")
	net_check "big zone: 5 reloads done" 5 "$big_ok"
	net_check "big zone: no reload failed" 0 "$(grep -c 'reload failed' "$NET_ERR")"
	net_check "big zone: last serial logged" 1 "$(grep -c 'zone big\.test\. in view all: serial 5 -> 6' "$NET_ERR")"
	val() { awk -v k="$1" '$1 == k {print $2}' "$gap_out"; }
	answered=$(val answered)
	[ -n "$answered" ] && [ "$answered" -ge 1000 ] && net_ok "big zone: $answered answers during the reloads" \
		|| net_fail "big zone: answered '$answered'"
	net_check "big zone: every query answered" "$(val sent)" "$answered"
	net_check "big zone: zero lost queries" 0 "$(val lost)"
	net_check "big zone: no SERVFAIL" 0 "$(val servfail)"
	net_check "big zone: no REFUSED" 0 "$(val refused)"
	net_check "big zone: no malformed or stray answers" 0 "$(val bad)"
	net_check "big zone: the new serial is served" 6 \
		"$(net_dig @127.0.0.1 -p "$NET_PORT" +short big.test SOA | awk '{print $3}')"
	net_stop
else
	net_fail "big zone: server start"
fi
net_finish

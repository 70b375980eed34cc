#!/usr/bin/env bash
# test_xfr_out.sh -- zone transfers out, per view, with real peers:
# - allow-transfer: an unsigned AXFR from outside is refused (and logged);
#   one signed with int-xfr from an outside address gets the internal view,
#   one signed with ext-xfr from a LAN address the external view ("key NAME"
#   in match-clients); a query signed with int-xfr lands in the internal view;
# - a multi-message AXFR with TSIG on every message (dig and kdig check each);
# - the auto-ptr reverse zone and a translate: nat zone transfer as the view
#   serves them;
# - IXFR: the SOA alone for a current client, the incremental form after an
#   update and after a reload of an edited file, AXFR form for an unknown
#   serial; the history kept across a restart (a damaged file: AXFR); UDP: AXFR FORMERR, IXFR the SOA alone (as BIND 9.18);
# - a BIND 9 secondary (TSIG key ext-xfr, transfer source a LAN address)
#   loads the external view, never an internal record, and its copy passes
#   named-checkzone; so do Knot DNS and NSD secondaries (when installed);
# - readers that read nothing: bounded per worker, the workers keep answering.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/xfrin_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/peers_lib.sh"
hz_init
trap 'peers_stop; hz_cleanup' EXIT
DATA=$HZ_SOURCE_DIR/test/system/data/xfr
INT="hmac-sha256:int-xfr:aW50ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw=="
EXT="hmac-sha256:ext-xfr:ZXh0ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw=="
UPD="hmac-sha256:upd:dXBkYXRlLWtleS1mb3ItdGhlLXRyYW5zZmVyLXRlc3Q="
LAN=127.0.0.2
OUT=127.0.0.3
for tool in kdig nsupdate named named-checkzone; do
	command -v $tool >/dev/null || PATH=$PATH:/usr/sbin
	command -v $tool >/dev/null || { echo "$tool not found (bind9, bind9-utils, knot-dnsutils)"; exit 1; }
done

cp "$DATA"/*.zone "$HZ_TMP/"
hz_make_config "$DATA/xfr.yaml.in" "$HZ_TMP/xfr.yaml" "$HZ_TMP"
hz_start "$HZ_TMP/xfr.yaml" || hz_done

# xfr SRC ZONE TYPE [dig options]: a transfer over TCP, output in $HZ_OUT
xfr() {
	local src=$1 zone=$2 type=$3
	shift 3
	HZ_OUT=$(timeout 30 dig @127.0.0.1 -p "$HZ_PORT" -b "$src" +time=5 +tries=1 "$@" "$zone" "$type" 2>&1)
}
# records: the record lines of $HZ_OUT (no comments, no TSIG)
records() { printf '%s\n' "$HZ_OUT" | grep -v '^;' | grep -v '^$' | awk '$4 != "TSIG"'; }
expect() { # expect DESC WANT GOT
	if [ "$2" = "$3" ]; then hz_ok "$1"; else hz_fail "$1: expected '$2', got '$3'" "$HZ_OUT"; fi
}

# --- who may transfer, and which view ------------------------------------
xfr $OUT example.com AXFR
expect "unsigned AXFR from outside: refused" "; Transfer failed." "$(printf '%s\n' "$HZ_OUT" | grep 'Transfer failed')"
expect "the refusal is logged" 1 "$(grep -c "transfer out: client $OUT#[0-9]* view external zone example.com. key -: AXFR REFUSED: allow-transfer" "$HZ_LOG")"

xfr $OUT example.com AXFR -y "$INT"
expect "int-xfr from outside: the internal view" 1 "$(records | grep -c 'secret.example.com.*internal only')"
expect "int-xfr: SOA first and last, serial 10" "10 10" "$(records | awk '$4 == "SOA" {printf "%s%s", sep, $7; sep=" "}')"
expect "the transfer is logged with view, key, serial and records" 1 \
	"$(grep -c "transfer out: client $OUT#[0-9]* view internal zone example.com. key int-xfr: AXFR serial 10, records 7, messages 1" "$HZ_LOG")"

xfr $LAN example.com AXFR -y "$EXT"
expect "ext-xfr from a LAN address: the external view" 0 "$(records | grep -c 'secret\|192\.168\.')"
expect "ext-xfr: every record (1506 + the closing SOA)" 1507 "$(records | wc -l)"
msgs=$(printf '%s\n' "$HZ_OUT" | sed -n 's/.*XFR size: [0-9]* records (messages \([0-9]*\),.*/\1/p')
if [ "${msgs:-0}" -gt 1 ]; then hz_ok "several messages ($msgs), each TSIG-checked by dig"; else hz_fail "several messages: got '$msgs'" "$HZ_OUT"; fi
HZ_OUT=$(timeout 30 kdig @127.0.0.1 -p "$HZ_PORT" -b $LAN -y "$EXT" example.com AXFR 2>&1)
expect "kdig checks the TSIG of every message too" 1507 "$(records | grep -c 'IN')"

xfr $OUT example.com AXFR -y "hmac-sha256:int-xfr:d3JvbmctLXNlY3JldC1mb3ItdGhlLWtleQ=="
expect "wrong secret: no transfer" 0 "$(records | wc -l)"
xfr 127.0.0.5 example.com AXFR
expect "allow-transfer by address (127.0.0.5, unsigned): the external view" 1507 "$(records | wc -l)"
xfr 127.0.0.5 plain.example AXFR
expect "a zone without allow-transfer: refused" "; Transfer failed." "$(printf '%s\n' "$HZ_OUT" | grep 'Transfer failed')"

hz_q $OUT secret.example.com TXT -y "$INT"
hz_expect_in "a query signed with int-xfr from outside: the internal view" ANSWER 'internal only'
hz_q $OUT secret.example.com TXT
hz_expect_rcode "the same query unsigned: the external view" NXDOMAIN

xfr 127.0.0.8 example.com AXFR
expect "a translate: nat zone transfers as its view serves it (NAT applied)" "10.0.0.80" \
	"$(records | awk '$1 == "www.example.com." && $4 == "A" {print $5}')"
expect "... every record of it" 1507 "$(records | wc -l)"

xfr $OUT 1.168.192.in-addr.arpa AXFR -y "$INT"
expect "the auto-ptr reverse zone transfers" 1 "$(records | grep -c '20.1.168.192.in-addr.arpa.*PTR.*nas.example.com')"

# --- UDP ------------------------------------------------------------------
HZ_OUT=$(dig @127.0.0.1 -p "$HZ_PORT" -b $OUT +notcp +time=2 +tries=1 -y "$INT" example.com IXFR=3 2>&1)
expect "IXFR over UDP: the SOA alone" "example.com. SOA 10" "$(records | awk '{print $1, $4, $7}')"
status=$(kdig @127.0.0.1 -p "$HZ_PORT" -b $OUT +notcp +time=2 +retry=0 -t IXFR=3 example.com 2>&1 | sed -n "s/.*server replied with error '\([A-Z]*\)'.*/\1/p")
expect "IXFR over UDP, unsigned from outside: REFUSED" REFUSED "$status"
status=$(kdig @127.0.0.1 -p "$HZ_PORT" -b 127.0.0.5 +notcp +time=2 +retry=0 -t AXFR example.com 2>&1 | sed -n "s/.*server replied with error '\([A-Z]*\)'.*/\1/p")
expect "AXFR over UDP: FORMERR (as BIND)" FORMERR "$status"

# --- IXFR -------------------------------------------------------------------
xfr $OUT example.com IXFR=10 -y "$INT"
expect "IXFR of a current client: the SOA alone" "example.com. SOA 10" "$(records | awk '{print $1, $4, $7}')"

out=$(hz_nsupdate $LAN example.com -y "$UPD" <<<"update add laptop.example.com 300 A 192.168.1.50
update delete printer.example.com A")
expect "update (serial 11)" "" "$out"
xfr $OUT example.com IXFR=10 -y "$INT"
expect "IXFR after an update: the incremental form" \
	"SOA 11|SOA 10|printer.example.com. A|SOA 11|laptop.example.com. A|SOA 11" \
	"$(records | awk '{ if ($4 == "SOA") s = "SOA " $7; else s = $1 " " $4; printf "%s%s", sep, s; sep = "|" }')"
expect "logged as incremental" 1 "$(grep -c 'view internal zone example.com. key int-xfr: IXFR (incremental) serial 11, records 6' "$HZ_LOG")"
xfr $OUT example.com IXFR=5 -y "$INT"
expect "IXFR from a serial the history lacks: the AXFR form" "SOA 11|NS|A" \
	"$(records | head -n 3 | awk '{ s = $4 == "SOA" ? "SOA " $7 : $4; printf "%s%s", sep, s; sep = "|" }')"

# --- readers that read nothing --------------------------------------------------
# 10 transfers of a 2 MB zone that nobody reads: at most 4 run per worker (2
# workers), the others are refused; the workers go on answering meanwhile.
coproc STALL { /usr/bin/python3 "$DATA/stall.py" "$HZ_PORT" 127.0.0.5 big.example 10 30; }
STALL_PID=$STALL_PID
read -r line <&"${STALL[0]}"
expect "10 stalled transfers started" sent "$line"
refused=0
for _ in $(seq 1 50); do
	refused=$(grep -c 'zone big.example. key -: AXFR REFUSED: too many transfers' "$HZ_LOG")
	[ "$refused" -ge 2 ] && break
	sleep 0.1
done
if [ "$refused" -ge 2 ]; then hz_ok "transfers beyond 4 per worker refused ($refused of 10)"; else hz_fail "transfers beyond 4 per worker refused: $refused"; fi
answered=0
for i in $(seq 1 10); do
	[ "$(hz_dig $OUT +short www.example.com A)" = 192.0.2.80 ] && answered=$((answered + 1))
	[ "$(hz_dig $OUT +tcp +short mail.example.com A)" = 192.0.2.25 ] && answered=$((answered + 1))
done
expect "UDP and TCP queries answered while the transfers stall" 20 "$answered"
exec {STALL[1]}>&-
wait "$STALL_PID" 2>/dev/null
aborted=0
for _ in $(seq 1 100); do
	aborted=$(grep -c 'zone big.example. key -: AXFR serial 1, .*aborted' "$HZ_LOG")
	[ "$aborted" -eq $((10 - refused)) ] && break
	sleep 0.1
done
expect "the stalled transfers are dropped (and logged) when their clients go" $((10 - refused)) "$aborted"
ok=0
for i in $(seq 1 9); do
	xfr 127.0.0.5 example.com AXFR
	[ "$(records | wc -l)" -eq 1507 ] && ok=$((ok + 1))
done
expect "then 9 transfers in a row succeed (no slot leaked)" 9 "$ok"

# --- a BIND 9 secondary --------------------------------------------------------
# free ports for the secondaries and named's control channel (HZ_PORT stays horizond's)
peer_ports NPORT CPORT KPORT SPORT
mkdir -p "$HZ_TMP/named"
cat >"$HZ_TMP/named/rndc.conf" <<CONF
key rndc-key { algorithm hmac-sha256; secret "cm5kYy1rZXktZm9yLXRoZS10cmFuc2Zlci10ZXN0cw=="; };
options { default-key rndc-key; default-server 127.0.0.1; default-port $CPORT; };
CONF
# root hints on loopback, no validation, the control channel on a free
# port: named talks to nothing but 127.0.0.0/8 (and binds no fixed port)
printf '. 3600000 IN NS a.root.test.\na.root.test. 3600000 IN A 127.0.0.7\n' >"$HZ_TMP/named/root.hint"
named_start "$HZ_TMP/named" "$NPORT" "transfer-source 127.0.0.2" "query-source address 127.0.0.2" <<CONF
key rndc-key { algorithm hmac-sha256; secret "cm5kYy1rZXktZm9yLXRoZS10cmFuc2Zlci10ZXN0cw=="; };
controls { inet 127.0.0.1 port $CPORT allow { 127.0.0.1; } keys { rndc-key; }; };
zone "." { type hint; file "root.hint"; };
key ext-xfr { algorithm hmac-sha256; secret "ZXh0ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw=="; };
zone "example.com" {
	type secondary;
	primaries { 127.0.0.1 port $HZ_PORT key ext-xfr; };
	file "example.com.db";
	masterfile-format text;
};
CONF
before_named=$(grep -c "transfer out: client $LAN#[0-9]* view external zone example.com. key ext-xfr: AXFR serial 2024010101, records 1507" "$HZ_LOG")
for _ in $(seq 1 100); do
	[ -s "$HZ_TMP/named/example.com.db" ] && grep -q 'transfer of .example.com/IN.* completed\|zone example.com/IN: loaded' "$HZ_TMP/named/named.log" && break
	sleep 0.2
done
[ -s "$HZ_TMP/named/example.com.db" ] || hz_fail "BIND secondary: no copy" "$(tail -n 20 "$HZ_TMP/named/named.log")"
got=$(dig @127.0.0.1 -p "$NPORT" +norec +short +time=2 +tries=1 www.example.com A)
expect "BIND secondary serves the external view" "192.0.2.80" "$got"
[ "$got" = 192.0.2.80 ] || sed -n '/loading configuration/,$p' "$HZ_TMP/named/named.log" | grep -v 'automatic empty zone' | head -n 40
got=$(dig @127.0.0.1 -p "$NPORT" +norec +time=2 +tries=1 secret.example.com TXT | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
expect "BIND secondary: no internal record" NXDOMAIN "$got"
expect "its copy holds no internal address" 0 "$(grep -c '192\.168\.' "$HZ_TMP/named/example.com.db")"
if named-checkzone -i none -q example.com "$HZ_TMP/named/example.com.db"; then
	hz_ok "named-checkzone -i none accepts the transferred copy"
else
	hz_fail "named-checkzone -i none" "$(named-checkzone -i none example.com "$HZ_TMP/named/example.com.db" 2>&1 | tail -5)"
fi
expect "the secondary's transfer is logged (view external, key ext-xfr)" $((before_named + 1)) \
	"$(grep -c "transfer out: client $LAN#[0-9]* view external zone example.com. key ext-xfr: AXFR serial 2024010101, records 1507" "$HZ_LOG")"
# (named keeps running: it refreshes after the reload below)

# --- Knot DNS and NSD secondaries ------------------------------------------------
# secondary NAME: after its copy arrived, it serves the external view only
secondary() {
	local name=$1 port=$2 got
	for _ in $(seq 1 100); do
		[ "$(dig @127.0.0.1 -p "$port" +norec +short +time=1 +tries=1 www.example.com A 2>/dev/null)" = 192.0.2.80 ] && break
		sleep 0.2
	done
	got=$(dig @127.0.0.1 -p "$port" +norec +short +time=2 +tries=1 www.example.com A)
	expect "$name secondary serves the external view" 192.0.2.80 "$got"
	[ "$got" = 192.0.2.80 ] || tail -n 20 "$HZ_TMP/$name"/*.log "$HZ_TMP/$name"/*.out
	got=$(dig @127.0.0.1 -p "$port" +norec +time=2 +tries=1 secret.example.com TXT | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
	expect "$name secondary: no internal record" NXDOMAIN "$got"
}
if command -v knotd >/dev/null; then
	knot_conf "$HZ_TMP/knot" "$KPORT" ext-xfr ZXh0ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw== <<CONF
remote:
  - id: horizond
    address: 127.0.0.1@$HZ_PORT
    via: $LAN
    key: ext-xfr
template:
  - id: default
    storage: "$HZ_TMP/knot"
zone:
  - domain: example.com
    master: horizond
    file: "example.com.zone"
    zonefile-sync: 0
CONF
	knot_start "$HZ_TMP/knot"
	secondary knot "$KPORT"
	xfr_stop_pid "$KNOT_PID"
	KNOT_PID=
else
	echo "knotd not found: no Knot secondary (apt-get install knot)"
fi
if command -v nsd >/dev/null; then
	nsd_start "$HZ_TMP/nsd" "$SPORT" "xfrdir: \"$HZ_TMP/nsd\"" <<CONF
remote-control:
	control-enable: no
key:
	name: "ext-xfr"
	algorithm: hmac-sha256
	secret: "ZXh0ZXJuYWwtdHJhbnNmZXIta2V5LWZvci10ZXN0cw=="
zone:
	name: "example.com"
	zonefile: "example.com.zone"
	request-xfr: 127.0.0.1@$HZ_PORT ext-xfr
	outgoing-interface: $LAN
CONF
	secondary nsd "$SPORT"
	xfr_stop_pid "$NSD_PID"
	NSD_PID=
else
	echo "nsd not found: no NSD secondary (apt-get install nsd)"
fi

# --- IXFR after a reload of an edited file ------------------------------------
sed -i -e 's/2024010101/2024010102/' -e 's/^www .*/www     IN A   192.0.2.81/' "$HZ_TMP/external.zone"
xfr $LAN example.com AXFR -y "$EXT"
expect "the file edited, not yet reloaded: SERVFAIL, not the new file" "; Transfer failed." \
	"$(printf '%s\n' "$HZ_OUT" | grep 'Transfer failed')"
expect "... logged: reload first" 1 "$(grep -c 'zone example.com. view external: the file has serial 2024010102, the server serves 2024010101: reload first' "$HZ_LOG")"
hz_reload
xfr $LAN example.com IXFR=2024010101 -y "$EXT"
expect "IXFR after a reload: the difference of the files" \
	"SOA 2024010102|SOA 2024010101|www.example.com. A 192.0.2.80|SOA 2024010102|www.example.com. A 192.0.2.81|SOA 2024010102" \
	"$(records | awk '{ if ($4 == "SOA") s = "SOA " $7; else s = $1 " " $4 " " $5; printf "%s%s", sep, s; sep = "|" }')"

# --- the BIND secondary refreshes: it asks for IXFR and applies ours -----------
ixfrs=$(grep -c "transfer out: client $LAN#[0-9]* view external zone example.com. key ext-xfr: IXFR (incremental) serial 2024010102, records 6" "$HZ_LOG")
timeout 20 rndc -c "$HZ_TMP/named/rndc.conf" refresh example.com >/dev/null 2>&1 ||
	hz_fail "rndc refresh" "$(timeout 20 rndc -c "$HZ_TMP/named/rndc.conf" refresh example.com 2>&1)"
got=
for _ in $(seq 1 150); do
	got=$(dig @127.0.0.1 -p "$NPORT" +norec +short +time=1 +tries=1 www.example.com A 2>/dev/null)
	[ "$got" = 192.0.2.81 ] && break
	sleep 0.2
done
expect "BIND secondary, refreshed, serves the reloaded data" 192.0.2.81 "$got"
expect "by an IXFR (incremental) from 2024010101" $((ixfrs + 1)) \
	"$(grep -c "transfer out: client $LAN#[0-9]* view external zone example.com. key ext-xfr: IXFR (incremental) serial 2024010102, records 6" "$HZ_LOG")"
[ "$got" = 192.0.2.81 ] || grep -i 'transfer\|ixfr\|refresh' "$HZ_TMP/named/named.log" | tail -n 10
xfr_stop_pid "$NAMED_PID"
NAMED_PID=

# --- the IXFR history across a restart ------------------------------------------
# kept in state-dir at a clean stop, read back: a secondary's serial from
# before the restart still gets the incremental form
hz_stop
hists=$(ls "$HZ_TMP"/state/ixfr-*.hist 2>/dev/null | wc -l)
if [ "$hists" -ge 2 ]; then hz_ok "a clean stop keeps the IXFR histories in state-dir ($hists files)"; else hz_fail "IXFR histories in state-dir: $hists" "$(ls -l "$HZ_TMP/state")"; fi
hz_start "$HZ_TMP/xfr.yaml" "$HZ_TMP/horizond2.log" || hz_done
sed -i -e 's/2024010102/2024010103/' -e 's/^www .*/www     IN A   192.0.2.82/' "$HZ_TMP/external.zone"
hz_reload
xfr $LAN example.com IXFR=2024010101 -y "$EXT"
expect "after a restart: IXFR from a serial of before it, the incremental form" \
	"SOA 2024010103|SOA 2024010101|www.example.com. A 192.0.2.80|SOA 2024010102|www.example.com. A 192.0.2.81|SOA 2024010102|www.example.com. A 192.0.2.81|SOA 2024010103|www.example.com. A 192.0.2.82|SOA 2024010103" \
	"$(records | awk '{ if ($4 == "SOA") s = "SOA " $7; else s = $1 " " $4 " " $5; printf "%s%s", sep, s; sep = "|" }')"
expect "... the history read back is logged" 1 "$(grep -c 'transfer out: zone example.com. view external: IXFR history read from .*/state/ixfr-[0-9a-f]*.hist: [0-9]* changes* up to serial 2024010102' "$HZ_LOG")"
# a damaged file is refused whole: the AXFR form, logged
hz_stop
for f in "$HZ_TMP"/state/ixfr-*.hist; do truncate -s -1 "$f"; done
hz_start "$HZ_TMP/xfr.yaml" "$HZ_TMP/horizond3.log" || hz_done
xfr $LAN example.com IXFR=2024010102 -y "$EXT"
expect "a damaged history: the AXFR form" 1507 "$(records | wc -l)"
expect "... logged" 1 "$(grep -c 'transfer out: zone example.com. view external: the IXFR history .*ixfr-[0-9a-f]*.hist is damaged: ignored' "$HZ_LOG")"

hz_stop
hz_done

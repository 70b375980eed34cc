#!/usr/bin/env bash
# test_update.sh -- dynamic updates with nsupdate: TSIG-signed add from the
# LAN view's address, visible at once, kept across SIGHUP and restart (the
# journal), wrong key and unsigned updates refused and logged, views kept
# apart, prerequisites, delete, TCP, and auto-ptr answers.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

DATA="$HZ_SOURCE_DIR/test/system/data/update"
KEY="hmac-sha256:dhcp-key:c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
WRONG="hmac-sha256:dhcp-key:d3JvbmctLXNlY3JldC1mb3ItdGhlLWtleQ=="
LAN=127.0.0.2
OUT=127.0.0.3

if ! command -v nsupdate >/dev/null; then
	echo "nsupdate not found (apt-get install bind9-dnsutils)"
	exit 1
fi

# nsu SOURCE [nsupdate options...] <<< commands: send an update from SOURCE.
# Only the server and address given here are ever contacted.
nsu() {
	local src=$1
	shift
	{
		echo "server 127.0.0.1 $NET_PORT"
		echo "local $src"
		echo "zone example.com"
		cat
		echo "send"
	} | nsupdate -t 5 -u 1 "$@" 2>&1
}

ask() { # ask SOURCE NAME [TYPE]
	net_dig @127.0.0.1 -p "$NET_PORT" -b "$1" +short "$2" "${3:-A}"
}
rev() { # rev SOURCE ADDRESS
	net_dig @127.0.0.1 -p "$NET_PORT" -b "$1" +short -x "$2"
}
status() { # status SOURCE NAME TYPE
	net_dig @127.0.0.1 -p "$NET_PORT" -b "$1" "$2" "$3" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}

restart() {
	kill -TERM "$NET_PID"
	wait "$NET_PID"
	net_check "exit status after SIGTERM" 0 "$?"
	NET_ERR="$NET_TMP/stderr.restart.$1"
	"$HORIZOND" --allow-root -c "$NET_CONF" 2>"$NET_ERR" &
	NET_PID=$!
	if ! net_wait_log 'notice: ready' 1 20; then
		net_fail "restart $1"
		cat "$NET_ERR"
	fi
}

hup_and_wait() {
	local before
	before=$(grep -c 'reload: done' "$NET_ERR")
	kill -HUP "$NET_PID"
	net_wait_log 'reload: done' $((before + 1)) 20 || net_fail "reload did not finish"
}

if ! net_start "$DATA/update.yaml.in" "$DATA/internal.zone" "$DATA/external.zone"; then
	net_fail "server start"
	net_finish
fi
echo "horizond pid $NET_PID on port $NET_PORT"
JNL="$NET_TMP/internal.zone.jnl"

# --- add, signed, from the LAN ---------------------------------------------
out=$(nsu $LAN -y "$KEY" <<<"update add laptop.example.com 300 A 192.168.1.50")
net_check "signed add: nsupdate succeeds" "" "$out"
net_check "added record answers at once (LAN)" "192.168.1.50" "$(ask $LAN laptop.example.com)"
net_check "external view does not see it" "NXDOMAIN" "$(status $OUT laptop.example.com A)"
net_check "serial incremented" "101" "$(ask $LAN example.com SOA | awk '{print $3}')"
net_check "journal written" "1" "$(grep -c '^+ laptop.example.com.' "$JNL")"
net_check "update logged" "1" "$(grep -c 'update from 127.0.0.2#[0-9]* view lan zone example.com. key dhcp-key: NOERROR' "$NET_ERR")"

# --- auto-ptr ---------------------------------------------------------------
net_check "auto-ptr: new address" "laptop.example.com." "$(rev $LAN 192.168.1.50)"
net_check "auto-ptr: zone file address" "www.example.com." "$(rev $LAN 192.168.1.20)"
net_check "auto-ptr: AA answer" "1" "$(net_dig @127.0.0.1 -p "$NET_PORT" -b $LAN -x 192.168.1.20 | grep -c 'flags: qr aa')"
net_check "auto-ptr: unknown address NXDOMAIN" "NXDOMAIN" "$(status $LAN 99.1.168.192.in-addr.arpa PTR)"
net_check "auto-ptr: not in the external view" "REFUSED" "$(status $OUT 50.1.168.192.in-addr.arpa PTR)"

# --- refused updates --------------------------------------------------------
out=$(nsu $LAN -y "$WRONG" <<<"update add wrongkey.example.com 300 A 192.168.1.51")
net_check "wrong key: NOTAUTH" "1" "$(grep -c 'NOTAUTH' <<<"$out")"
net_check "wrong key: record absent" "NXDOMAIN" "$(status $LAN wrongkey.example.com A)"
net_check "wrong key: logged" "1" "$(grep -c 'update from 127.0.0.2#[0-9]* .*NOTAUTH: BADSIG' "$NET_ERR")"
out=$(nsu $LAN <<<"update add unsigned.example.com 300 A 192.168.1.52")
net_check "unsigned: REFUSED" "1" "$(grep -c 'update failed: REFUSED' <<<"$out")"
net_check "unsigned: record absent" "NXDOMAIN" "$(status $LAN unsigned.example.com A)"
net_check "unsigned: logged" "1" "$(grep -c 'update from 127.0.0.2#[0-9]* view lan .*REFUSED' "$NET_ERR")"
out=$(nsu $LAN -y "hmac-sha256:nosuchkey:c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ=" \
	<<<"update add nokey.example.com 300 A 192.168.1.53")
net_check "unknown key: NOTAUTH(BADKEY)" "1" "$(grep -c 'NOTAUTH(BADKEY)' <<<"$out")"
out=$(nsu $LAN -y "$KEY" <<<"update add www.example.org 300 A 192.168.1.54")
net_check "name outside the zone: NOTZONE" "1" "$(grep -c 'NOTZONE' <<<"$out")"

# --- prerequisites, TCP -----------------------------------------------------
out=$(nsu $LAN -v -y "$KEY" <<<"prereq nxdomain laptop.example.com
update add laptop.example.com 300 A 192.168.1.60")
net_check "prereq nxdomain on an existing name: YXDOMAIN" "1" "$(grep -c 'YXDOMAIN' <<<"$out")"
net_check "failed prereq changes nothing" "192.168.1.50" "$(ask $LAN laptop.example.com)"
out=$(nsu $LAN -v -y "$KEY" <<<"prereq yxrrset laptop.example.com A 192.168.1.50
update delete laptop.example.com A 192.168.1.50
update add laptop.example.com 600 A 192.168.1.51")
net_check "TCP: value-dependent prereq + replace" "" "$out"
net_check "TCP: replaced address" "192.168.1.51" "$(ask $LAN laptop.example.com)"
net_check "TCP: new TTL" "600" "$(net_dig @127.0.0.1 -p "$NET_PORT" -b $LAN +noall +answer laptop.example.com A | awk '{print $2}')"
net_check "auto-ptr follows the change" "laptop.example.com." "$(rev $LAN 192.168.1.51)"
net_check "old PTR gone" "NXDOMAIN" "$(status $LAN 50.1.168.192.in-addr.arpa PTR)"

# --- the external view has its own zone and journal ------------------------
out=$(nsu $OUT -y "$KEY" <<<"update add vpn.example.com 300 A 192.0.2.99")
net_check "external update succeeds" "" "$out"
net_check "external view sees its update" "192.0.2.99" "$(ask $OUT vpn.example.com)"
net_check "LAN view does not" "NXDOMAIN" "$(status $LAN vpn.example.com A)"
net_check "external journal beside its file" "1" "$(grep -c '^+ vpn.example.com.' "$NET_TMP/external.zone.jnl")"

# --- reload -------------------------------------------------------------------
hup_and_wait
net_check "after SIGHUP (file unchanged)" "192.168.1.51" "$(ask $LAN laptop.example.com)"
echo "printer IN A 192.168.1.30" >>"$NET_TMP/internal.zone"
touch -d '+2 seconds' "$NET_TMP/internal.zone"
hup_and_wait
net_check "after SIGHUP (file changed): update replayed" "192.168.1.51" "$(ask $LAN laptop.example.com)"
net_check "after SIGHUP (file changed): new file record" "192.168.1.30" "$(ask $LAN printer.example.com)"
net_check "after SIGHUP: serial kept" "102" "$(ask $LAN example.com SOA | awk '{print $3}')"
net_check "after SIGHUP: auto-ptr for the file's new record" "printer.example.com." "$(rev $LAN 192.168.1.30)"

# --- restart: the journal ------------------------------------------------------
restart 1
net_check "after restart: update kept" "192.168.1.51" "$(ask $LAN laptop.example.com)"
net_check "after restart: external update kept" "192.0.2.99" "$(ask $OUT vpn.example.com)"
net_check "after restart: serial kept" "102" "$(ask $LAN example.com SOA | awk '{print $3}')"

# --- delete ----------------------------------------------------------------------
out=$(nsu $LAN -y "$KEY" <<<"update delete laptop.example.com")
net_check "delete name succeeds" "" "$out"
net_check "deleted name is gone" "NXDOMAIN" "$(status $LAN laptop.example.com A)"
net_check "its PTR is gone" "NXDOMAIN" "$(status $LAN 51.1.168.192.in-addr.arpa PTR)"
out=$(nsu $LAN -y "$KEY" <<<"update delete example.com NS")
net_check "apex NS cannot be deleted" "ns1.example.com." "$(ask $LAN example.com NS)"

# --- a journal cut short by a crash ------------------------------------------------
printf 'begin 999 2025-01-01T00:00:00Z key=x\n+ torn.example.com. 300 IN A 192.168.1.77\n+ half' >>"$JNL"
restart 2
net_check "torn journal tail: server starts, tail skipped" "NXDOMAIN" "$(status $LAN torn.example.com A)"
net_check "torn journal tail: earlier deletes still applied" "NXDOMAIN" "$(status $LAN laptop.example.com A)"
net_check "torn journal tail: warned" "1" "$(grep -c 'warning: .*without commit skipped' "$NET_ERR")"
out=$(nsu $LAN -y "$KEY" <<<"update add after.example.com 300 A 192.168.1.78")
net_check "update after a torn tail" "192.168.1.78" "$(ask $LAN after.example.com)"
restart 3
net_check "journal still readable after appending past a torn tail" "192.168.1.78" "$(ask $LAN after.example.com)"

# every run of the server (restarts included), not only the last one
if grep -lE 'runtime error|AddressSanitizer|LeakSanitizer' "$NET_TMP"/stderr.* >/dev/null 2>&1; then
	net_fail "sanitizer output in an earlier run's stderr"
	grep -hE -A20 'runtime error|AddressSanitizer|LeakSanitizer' "$NET_TMP"/stderr.* | head -40
fi
net_stop
net_finish

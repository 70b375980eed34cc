#!/usr/bin/env bash
# test_tsig.sh -- TSIG against the real binary: an update signed with an
# Original ID other than the header ID (as Kea's DHCP-DDNS sends them,
# RFC 8945 4.3.1) registers its name.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

DATA="$HZ_SOURCE_DIR/test/system/data/tsig"
SECRET="c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
KEY="dhcp-key:hmac-sha256:$SECRET"
LAN=127.0.0.2

PY=
for cand in /usr/bin/python3 python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import dns.tsig' 2>/dev/null; then
		PY=$cand
		break
	fi
done
if [ -z "$PY" ]; then
	echo "no python3 with dnspython (apt-get install python3-dnspython)"
	exit 1
fi

# client [options] ACTION ARGS...: tsig_client.py against the server.
client() {
	"$PY" "$DATA/tsig_client.py" --port "$NET_PORT" "$@" 2>&1
}
ask() { # ask SOURCE NAME [TYPE]
	net_dig @127.0.0.1 -p "$NET_PORT" -b "$1" +short "$2" "${3:-A}"
}

if ! net_start "$DATA/tsig.yaml.in" "$DATA/lan.zone" "$DATA/external.zone"; then
	net_fail "server start"
	net_finish
fi
echo "horizond pid $NET_PID on port $NET_PORT"

# --- Original ID (Kea) --------------------------------------------------------
for tr in udp tcp; do
	opt= addr=192.168.1.61
	[ $tr = tcp ] && opt=--tcp addr=192.168.1.62
	out=$(client $opt --source $LAN --key "$KEY" --original-id-xor 0x1234 \
		update example.com. "kea-$tr.example.com. 300 A $addr")
	net_check "$tr: update signed with another Original ID: NOERROR, signed reply" \
		"rcode=NOERROR tsig=signed error=0 mac=ok" "$(cut -d' ' -f1-4 <<<"$out")"
	net_check "$tr: the name is registered" "$addr" "$(ask $LAN kea-$tr.example.com)"
done

net_stop
net_finish

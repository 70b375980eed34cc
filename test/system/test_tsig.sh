#!/usr/bin/env bash
# test_tsig.sh -- TSIG against the real binary, over UDP and TCP:
# - an update signed with an Original ID other than the header ID (as Kea's
#   DHCP-DDNS sends them, RFC 8945 4.3.1) registers its name;
# - signed queries get signed answers (dig -y, kdig -y, nsupdate -y without
#   a zone line), also truncated ones (TC) and forwarded ones -- a forwarded
#   answer too big for the client's UDP size is cut to TC and signed, even
#   with a long question and a long key (header and TSIG only);
# - BADKEY and BADSIG are answered NOTAUTH with an unsigned TSIG error
#   record, BADTIME signed with the server's time; the fudge a request
#   claims is clamped to 300 s;
# - a flood of updates from one address (unsigned: refused before the queue;
#   signed with a wrong secret: at most its share of the queue) does not
#   keep another address's signed updates out, and logs at most 10 lines.
# Replies are checked by tsig_client.py, which computes the MAC itself.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/net_lib.sh"

DATA="$HZ_SOURCE_DIR/test/system/data/tsig"
SECRET="c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
KEY="dhcp-key:hmac-sha256:$SECRET"
WRONG="dhcp-key:hmac-sha256:d3JvbmctLXNlY3JldC1mb3ItdGhlLWtleQ=="
DIGKEY="hmac-sha256:dhcp-key:$SECRET"
LAN=127.0.0.2
RES=127.0.0.4

. "$(dirname "$0")/python_lib.sh"
if ! PY=$(hz_python dns.tsig); then
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

for tool in dig kdig nsupdate; do
	if ! command -v $tool >/dev/null; then
		echo "$tool not found (apt-get install bind9-dnsutils knot-dnsutils)"
		exit 1
	fi
done

# The fake upstream of test_forward.sh answers slow.test after 600 ms: the
# recursive view's answer is sent later, by the forwarder.
FAKE=$(net_pick_port)
FAKE_LOG=$NET_TMP/fake.log
python3 "$HZ_SOURCE_DIR/test/system/data/forward/fake_upstream.py" "$FAKE" "$FAKE_LOG" \
	>"$NET_TMP/fake.out" 2>&1 &
FAKE_PID=$!
stop_fake() { kill -KILL "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; net_cleanup; }
trap stop_fake EXIT
for _ in $(seq 1 50); do grep -q ready "$NET_TMP/fake.out" && break; sleep 0.1; done
sed "s/@FAKE@/$FAKE/g" "$DATA/tsig.yaml.in" >"$NET_TMP/tsig.yaml.in"

if ! net_start "$NET_TMP/tsig.yaml.in" "$DATA/lan.zone" "$DATA/external.zone"; then
	net_fail "server start"
	net_finish
fi
echo "horizond pid $NET_PID on port $NET_PORT, fake upstream $FAKE"

# first N fields of the client's line
fields() { cut -d' ' -f1-"$1" <<<"$2"; }

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

# --- signed queries get signed answers ----------------------------------------
for tr in udp tcp; do
	opt=
	[ $tr = tcp ] && opt=+tcp
	out=$(net_dig $opt -y "$DIGKEY" @127.0.0.1 -p "$NET_PORT" -b $LAN example.com SOA 2>&1)
	net_check "$tr: dig -y: exit status" 0 "$?"
	net_check "$tr: dig -y: no verification error" 0 "$(grep -cE "Couldn't verify|expected a TSIG|could not be validated" <<<"$out")"
	net_check "$tr: dig -y: answer and TSIG" "2" "$(grep -cE 'IN[[:space:]]+SOA[[:space:]]+ns1|TSIG[[:space:]]+hmac-sha256. [0-9]+ 300 32 ' <<<"$out")"
	kopt=
	[ $tr = tcp ] && kopt=+tcp
	out=$(kdig $kopt +time=2 +retry=1 -y "$DIGKEY" @127.0.0.1 -p "$NET_PORT" -b $LAN example.com SOA 2>&1)
	net_check "$tr: kdig -y: exit status" 0 "$?"
	net_check "$tr: kdig -y: no verification warning" 0 "$(grep -ciE 'failed to verify|TSIG.*(missing|fail)' <<<"$out")"
	net_check "$tr: kdig -y: NOERROR with the SOA" 1 "$(grep -c 'SOA[[:space:]]*ns1.example.com.' <<<"$out")"
done
out=$(net_dig -y "$DIGKEY" +ignore +noedns @127.0.0.1 -p "$NET_PORT" -b $LAN big.example.com TXT 2>&1)
net_check "dig -y: a truncated answer is signed too" "1 1 0" \
	"$(grep -c 'flags: qr aa tc' <<<"$out") $(grep -c 'TSIG[[:space:]]*hmac-sha256' <<<"$out") $(grep -cE "Couldn't verify|could not be validated" <<<"$out")"
out=$(client --source $LAN --key "$KEY" query big.example.com TXT)
net_check "udp, 512 bytes: TC, signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=1 answers=0" "$(fields 6 "$out")"
out=$(client --source $LAN --key "$KEY" --edns 0 --bufsize 1232 query big.example.com TXT)
net_check "udp, EDNS 1232: whole answer, signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=12" "$(fields 6 "$out")"
out=$(client --tcp --source $LAN --key "$KEY" query big.example.com TXT)
net_check "tcp: whole answer, signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=12" "$(fields 6 "$out")"
out=$(client --source 127.0.0.3 --key "$KEY" query www.example.com A)
net_check "another view, same key: its answer, signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=1" "$(fields 6 "$out")"
net_check "unsigned query: no TSIG" "rcode=NOERROR tsig=none" "$(fields 2 "$(client --source $LAN query example.com SOA)")"

# --- forwarded by a recursive view ---------------------------------------------
out=$(client --source $RES --rd --key "$KEY" query slow.test A)
net_check "forwarded (answered later): signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=1" "$(fields 6 "$out")"
out=$(client --source $RES --rd --tcp --key "$KEY" query slow.test A)
net_check "forwarded, from the cache, tcp: signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=1" "$(fields 6 "$out")"
# a big forwarded answer (40 A records, about 650 bytes): TC and signed over
# UDP (from the upstream's answer, then from the cache), whole over TCP
for from in upstream cache; do
	out=$(client --source $RES --rd --key "$KEY" query big.test A)
	net_check "forwarded, too big for 512 bytes, from the $from: TC, signed" \
		"rcode=NOERROR tsig=signed error=0 mac=ok tc=1 answers=0" "$(fields 6 "$out")"
done
out=$(client --source $RES --rd --tcp --key "$KEY" query big.test A)
net_check "forwarded, big, tcp: the whole answer, signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=40" "$(fields 6 "$out")"
# A long question (206 bytes) and a long key's TSIG (356 bytes) leave no
# room for the question in 512 bytes: the header and the TSIG, with TC --
# not an answer over 512 bytes, nor (from the cache, or RD=0) none at all.
L=$(printf 'l%.0s' $(seq 1 60))
LONGKEY="$L.$L.$L.$L.long-key:hmac-sha512:$SECRET"
Q63=$(printf 'q%.0s' $(seq 1 63))
LONGQ=$Q63.$Q63.$Q63.big.test
for from in upstream cache; do
	out=$(client --source $RES --rd --key "$LONGKEY" query $LONGQ A)
	net_check "long question, long key, forwarded, from the $from: TC, signed" \
		"rcode=NOERROR tsig=signed error=0 mac=ok tc=1 answers=0" "$(fields 6 "$out")"
	size=$(sed -n 's/.* size=\([0-9]*\).*/\1/p' <<<"$out")
	net_check "long question, long key, from the $from: within 512 bytes" 1 "$([ "${size:-9999}" -le 512 ] && echo 1)"
done
out=$(client --source $RES --key "$LONGKEY" query "$(printf 'r%.0s' $(seq 1 63)).$Q63.$Q63.big.test" A)
net_check "long question, long key, RD=0, not cached: REFUSED, signed" \
	"rcode=REFUSED tsig=signed error=0 mac=ok" "$(fields 4 "$out")"
size=$(sed -n 's/.* size=\([0-9]*\).*/\1/p' <<<"$out")
net_check "long question, long key, RD=0: within 512 bytes" 1 "$([ "${size:-9999}" -le 512 ] && echo 1)"
out=$(client --source $RES --rd --tcp --key "$LONGKEY" query $LONGQ A)
net_check "long question, long key, tcp: the whole answer, signed" "rcode=NOERROR tsig=signed error=0 mac=ok tc=0 answers=40" "$(fields 6 "$out")"
out=$(client --source $RES --key "$KEY" query nothing.test A)
net_check "recursive view, RD=0, not cached (REFUSED): signed" "rcode=REFUSED tsig=signed error=0 mac=ok" "$(fields 4 "$out")"
out=$(client --source $RES --rd --key "$KEY" --verify-secret "${WRONG##*:}" query slow.test A)
net_check "the client's check fails with another secret" "mac=bad" "$(cut -d' ' -f4 <<<"$out")"

# --- errors ----------------------------------------------------------------------
for tr in udp tcp; do
	opt=
	[ $tr = tcp ] && opt=--tcp
	out=$(client $opt --source $LAN --key "$WRONG" query example.com SOA)
	net_check "$tr: wrong secret: NOTAUTH, unsigned BADSIG" "rcode=NOTAUTH tsig=unsigned error=16" "$(fields 3 "$out")"
	out=$(client $opt --source $LAN --key "nokey:hmac-sha256:$SECRET" query example.com SOA)
	net_check "$tr: unknown key: NOTAUTH, unsigned BADKEY" "rcode=NOTAUTH tsig=unsigned error=17" "$(fields 3 "$out")"
	out=$(client $opt --source $LAN --key "dhcp-key:hmac-sha1:$SECRET" query example.com SOA)
	net_check "$tr: another algorithm: NOTAUTH, unsigned BADKEY" "rcode=NOTAUTH tsig=unsigned error=17" "$(fields 3 "$out")"
	out=$(client $opt --source $LAN --key "$KEY" --time-offset 1000 query example.com SOA)
	now=$(date +%s)
	net_check "$tr: clock 1000 s off: NOTAUTH, signed BADTIME" "rcode=NOTAUTH tsig=signed error=18 mac=ok" "$(fields 4 "$out")"
	other=$(sed -n 's/.*other_time=\([0-9]*\).*/\1/p' <<<"$out")
	net_check "$tr: BADTIME carries the server's time" 1 "$([ -n "$other" ] && [ $((now - other)) -ge -5 ] && [ $((now - other)) -le 5 ] && echo 1)"
	out=$(client $opt --source $LAN --key "$KEY" --time-offset 1000 update example.com. "late-$tr.example.com. 300 A 192.168.1.70")
	net_check "$tr: update, clock 1000 s off: signed BADTIME" "rcode=NOTAUTH tsig=signed error=18 mac=ok" "$(fields 4 "$out")"
	out=$(client $opt --source $LAN --key "$WRONG" update example.com. "bad-$tr.example.com. 300 A 192.168.1.71")
	net_check "$tr: update, wrong secret: unsigned BADSIG" "rcode=NOTAUTH tsig=unsigned error=16" "$(fields 3 "$out")"
done
# (at most 10 lines a minute per address: some of the lines above are held back)
net_check "log: a bad update names the client's view" 1 \
	"$(grep -m1 -c 'warning: update from 127.0.0.2#[0-9]* view lan zone example.com. key dhcp-key: NOTAUTH: BADSIG' "$NET_ERR")"
net_check "log: a bad query names the client's view" 1 \
	"$(grep -m1 -c 'warning: query from 127.0.0.2#[0-9]* view lan for example.com. key dhcp-key: NOTAUTH: BADSIG' "$NET_ERR")"
net_check "refused updates changed nothing" "" "$(ask $LAN late-udp.example.com)$(ask $LAN bad-tcp.example.com)"

# --- fudge: at most 300 s, whatever the request claims ------------------------
out=$(client --source $LAN --key "$KEY" --time-offset 200 query example.com SOA)
net_check "200 s off, fudge 300: answered" "rcode=NOERROR tsig=signed error=0 mac=ok" "$(fields 4 "$out")"
out=$(client --source $LAN --key "$KEY" --time-offset 1000 --fudge 36000 query example.com SOA)
net_check "1000 s off, fudge 36000 claimed: BADTIME" "rcode=NOTAUTH tsig=signed error=18 mac=ok" "$(fields 4 "$out")"
out=$(client --source $LAN --key "$KEY" --time-offset -1000 --fudge 65535 \
	update example.com. "fudge.example.com. 300 A 192.168.1.72")
net_check "update 1000 s early, fudge 65535 claimed: BADTIME" "rcode=NOTAUTH tsig=signed error=18" "$(fields 3 "$out")"
net_check "... and not applied" "" "$(ask $LAN fudge.example.com)"

# --- nsupdate finds the zone with a signed SOA query -------------------------------
for tr in udp tcp; do
	opt=
	[ $tr = tcp ] && opt=-v
	out=$(printf 'server 127.0.0.1 %s\nlocal %s\nupdate add nozone-%s.example.com 300 A 192.168.1.80\nsend\n' \
		"$NET_PORT" $LAN $tr | nsupdate $opt -t 5 -u 1 -y "$DIGKEY" 2>&1)
	net_check "$tr: nsupdate -y without a zone line: exit status" 0 "$?"
	net_check "$tr: nsupdate -y without a zone line: no TSIG complaint" "" "$out"
	net_check "$tr: nsupdate -y without a zone line: registered" "192.168.1.80" "$(ask $LAN nozone-$tr.example.com)"
done

# --- a flood from 127.0.0.3 does not keep 127.0.0.2's updates out --------------
out=$(client --source 127.0.0.3 update example.com. "one.example.com. 300 A 192.0.2.9")
net_check "unsigned update, zone without allow-update: REFUSED" "rcode=REFUSED tsig=none" "$(fields 2 "$out")"
before=$(grep -c 'update from 127.0.0.3#' "$NET_ERR")
timeout 120 "$PY" "$DATA/tsig_client.py" --port "$NET_PORT" --source 127.0.0.3 flood example.com. 3000 >/dev/null &
F1=$!
timeout 120 "$PY" "$DATA/tsig_client.py" --port "$NET_PORT" --source 127.0.0.3 --key "$WRONG" \
	flood example.com. 1000 >/dev/null &
F2=$!
ok=0
for i in 1 2 3 4 5 6 7 8; do
	out=$(client --source $LAN --key "$KEY" --timeout 10 update example.com. "during-$i.example.com. 300 A 192.168.1.$((100 + i))")
	[ "$(fields 4 "$out")" = "rcode=NOERROR tsig=signed error=0 mac=ok" ] && ok=$((ok + 1))
done
wait $F1 $F2
net_check "signed updates from 127.0.0.2 during the flood" 8 "$ok"
net_check "... and they answer" "192.168.1.108" "$(ask $LAN during-8.example.com)"
after=$(grep -c 'update from 127.0.0.3#' "$NET_ERR")
net_check "4000 refused updates: at most 10 log lines a minute" 1 \
	"$([ $((after - before)) -ge 1 ] && [ $((after - before)) -le 10 ] && echo 1)"
net_check "the server still answers" "192.168.1.20" "$(ask $LAN www.example.com)"

net_stop
net_finish

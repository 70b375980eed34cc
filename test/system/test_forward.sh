#!/usr/bin/env bash
# test_forward.sh -- horizond as the LAN resolver: recursive views forward to
# upstream resolvers (two more horizond instances and a hostile python fake),
# cache per view, failover, TCP retry on TC, spoofing resistance, coalescing,
# RFC 6303 locally served zones, the DoH canary, RD=0, reload keeps or flushes
# the cache. Upstream query counts come from the upstreams' own stop lines
# and the fake's query log.
#
# Clients: 127.0.0.2 internal (recursive, own zone home.test), 127.0.0.3
# external (not recursive), 127.0.0.4 lab (recursive, other upstream,
# doh-canary off), 127.0.0.5 spoof (the fake), 127.0.0.6 failover (dead
# port first).
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

DATA=$HZ_SOURCE_DIR/test/system/data/forward
hz_init
RES_PORT=$HZ_PORT
pick_other() { # a free port different from the ones given
	local p
	while :; do
		hz_pick_port
		p=$HZ_PORT
		case " $* " in *" $p "*) continue ;; esac
		echo "$p"
		return
	done
}
UP1=$(pick_other "$RES_PORT")
UP2=$(pick_other "$RES_PORT" "$UP1")
DEAD=$(pick_other "$RES_PORT" "$UP1" "$UP2")
FAKE=$(pick_other "$RES_PORT" "$UP1" "$UP2" "$DEAD")
HZ_PORT=$RES_PORT
echo "resolver $RES_PORT, upstreams $UP1 $UP2, dead $DEAD, fake $FAKE"

render() { # render TEMPLATE OUT [FORWARDERS-OF-INTERNAL]
	sed -e "s|@PORT@|$RES_PORT|g" -e "s|@UP1@|$UP1|g" -e "s|@UP2@|$UP2|g" \
	    -e "s|@DEAD@|$DEAD|g" -e "s|@FAKE@|$FAKE|g" -e "s|@DIR@|$DATA|g" "$1" >"$2.tmp"
	if [ -n "${3:-}" ]; then
		sed -i "0,/forwarders: .*/s||forwarders: [$3]|" "$2.tmp"
	fi
	mv "$2.tmp" "$2"
}

# --- the view keys in --check ----------------------------------------------
cat >"$HZ_TMP/bad.yaml" <<'YAML'
server:
  listen: [127.0.0.1@5300]
views:
  - name: a
    match-clients: [any]
    recursion: true
    forwarders: [127.0.0.1@5399]
    cache-size: 12X
    cache-min-ttl: 500
    cache-max-ttl: 100
    doh-canary: maybe
  - name: b
    match-clients: [any]
    cache-size: 1G
YAML
out=$("$HORIZOND" -c "$HZ_TMP/bad.yaml" --check 2>&1)
rc=$?
check_msg() { # check_msg DESC REGEX
	if printf '%s\n' "$out" | grep -Eq -- "$2"; then hz_ok "$1"; else hz_fail "$1" "$out"; fi
}
if [ "$rc" -eq 1 ]; then hz_ok "--check: bad cache keys exit 1"; else hz_fail "--check: exit $rc, expected 1" "$out"; fi
check_msg "--check: bad cache-size" "bad\.yaml:8: view 'a': cache-size: expected a size such as 64M"
check_msg "--check: min above max" "bad\.yaml:9: view 'a': cache-min-ttl \(500\) is larger than cache-max-ttl \(100\)"
check_msg "--check: bad doh-canary" "bad\.yaml:11: view 'a': doh-canary: expected true or false"
check_msg "--check: cache key without recursion" "bad\.yaml:14: warning: view 'b': cache-size.*only matter with recursion"

# --- upstreams ------------------------------------------------------------
declare -A UP_PID UP_LOG
UP_UDP=0
UP_TCP=0

up_start() { # up_start NAME TEMPLATE
	local conf=$HZ_TMP/$1.yaml
	render "$2" "$conf"
	UP_LOG[$1]=$HZ_TMP/$1.log
	"$HORIZOND" --allow-root -c "$conf" </dev/null >"${UP_LOG[$1]}" 2>&1 &
	UP_PID[$1]=$!
	for _ in $(seq 1 100); do
		grep -qw ready "${UP_LOG[$1]}" && return 0
		sleep 0.1
	done
	hz_die "upstream $1 did not start" "$(tail -n 5 "${UP_LOG[$1]}")"
}

up_stop() { # up_stop NAME: stop it, set UP_UDP and UP_TCP to the queries it saw
	kill -TERM "${UP_PID[$1]}"
	hz_wait_exit "${UP_PID[$1]}" 10
	local line
	line=$(grep 'stopped:' "${UP_LOG[$1]}")
	UP_UDP=$(printf '%s\n' "$line" | sed -n 's/.*udp \([0-9]*\) queries.*/\1/p')
	UP_TCP=$(printf '%s\n' "$line" | sed -n 's/.*tcp [0-9]* connections, \([0-9]*\) queries.*/\1/p')
}

stop_all() {
	[ "$BASHPID" = "${HZ_MAIN_PID:-$BASHPID}" ] || return 0   # not in subshells
	for n in "${!UP_PID[@]}"; do kill -KILL "${UP_PID[$n]}" 2>/dev/null; done
	[ -n "${FAKE_PID:-}" ] && kill -KILL "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	hz_cleanup
}
trap stop_all EXIT

up_start up1 "$DATA/upstream1.yaml.in"
up_start up2 "$DATA/upstream2.yaml.in"
FAKE_LOG=$HZ_TMP/fake.log
: >"$FAKE_LOG"
python3 "$DATA/fake_upstream.py" "$FAKE" "$FAKE_LOG" >"$HZ_TMP/fake.out" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 50); do grep -q ready "$HZ_TMP/fake.out" && break; sleep 0.1; done

CONF=$HZ_TMP/resolver.yaml
render "$DATA/resolver.yaml.in" "$CONF"
hz_start "$CONF" || hz_done

# rq SRC ARGS...: a recursive query (RD=1) to the resolver, output in $HZ_OUT.
rq() {
	local src=$1
	shift
	HZ_OUT=$(dig @127.0.0.1 -p "$RES_PORT" -b "$src" +time=5 +tries=1 "$@" 2>&1)
}

# --- forwarding and views -------------------------------------------------
rq 127.0.0.2 nas.home.test A
hz_expect_rcode "internal: own zone" NOERROR
hz_expect_flag "internal: own zone" aa
hz_expect_flag "internal: own zone, recursive view" ra
hz_expect_in "internal: own zone" ANSWER "$(hz_rr nas.home.test. A 192.168.1.30)"

rq 127.0.0.2 www.upstream.test A
hz_expect_rcode "internal: forwarded" NOERROR
hz_expect_flag "internal: forwarded" ra
hz_expect_noflag "internal: forwarded" aa
hz_expect_in "internal: forwarded" ANSWER "$(hz_rr www.upstream.test. A 192.0.2.11)"

rq 127.0.0.2 WwW.UpStReAm.TeSt A
hz_expect_in "internal: the client's case in the question" QUESTION '^;WwW\.UpStReAm\.TeSt\.'

rq 127.0.0.3 www.upstream.test A
hz_expect_rcode "external: foreign name" REFUSED
hz_expect_noflag "external: foreign name" ra
rq 127.0.0.3 www.home.test A
hz_expect_rcode "external: own zone" NOERROR
hz_expect_noflag "external: own zone, non-recursive view" ra
hz_expect_in "external: own zone" ANSWER "$(hz_rr www.home.test. A 203.0.113.10)"

# --- cache: one upstream query within the TTL, another after it ------------
rq 127.0.0.2 short.upstream.test A
hz_expect_in "cache: first ask" ANSWER "$(hz_rr short.upstream.test. A 192.0.2.10)"
rq 127.0.0.2 short.upstream.test A
hz_expect_in "cache: second ask (cached)" ANSWER "$(hz_rr short.upstream.test. A 192.0.2.10)"
ttl=$(hz_section ANSWER | awk '{print $2}')
if [ "${ttl:-9}" -le 2 ]; then hz_ok "cache: TTL counts down (got $ttl)"; else hz_fail "cache: TTL $ttl > 2" "$HZ_OUT"; fi

# --- views never share cache entries ---------------------------------------
rq 127.0.0.4 short.upstream.test A
hz_expect_in "lab view: its own upstream, not internal's cache" ANSWER \
	"$(hz_rr short.upstream.test. A 198.51.100.10)"

# --- TC from the upstream: retried over TCP --------------------------------
rq 127.0.0.2 big.upstream.test TXT +bufsize=4096
hz_expect_rcode "big TXT" NOERROR
hz_expect_count "big TXT (resolver answers TC over UDP, dig retries TCP)" ANSWER 16
rq 127.0.0.2 big.upstream.test TXT +tcp
hz_expect_count "big TXT over TCP (cached)" ANSWER 16
rq 127.0.0.2 big.upstream.test TXT +bufsize=512 +ignore
hz_expect_flag "big TXT to a 512-byte client" tc

# --- failover: the first forwarder is a dead port ---------------------------
rq 127.0.0.6 www2.upstream.test A
hz_expect_rcode "failover" NOERROR
hz_expect_in "failover: answered by the second forwarder" ANSWER "$(hz_rr www2.upstream.test. A 192.0.2.12)"

# --- RFC 6303 and the canary: answered locally -----------------------------
rq 127.0.0.2 1.1.168.192.in-addr.arpa PTR
hz_expect_rcode "RFC 6303 192.168 PTR" NXDOMAIN
hz_expect_flag "RFC 6303 192.168 PTR" aa
hz_expect_in "RFC 6303 192.168 PTR" AUTHORITY '^168\.192\.in-addr\.arpa\.[[:space:]]+10800[[:space:]]+IN[[:space:]]+SOA[[:space:]]+168\.192\.in-addr\.arpa\. nobody\.invalid\. 1 3600 1200 604800 10800$'
rq 127.0.0.2 10.in-addr.arpa SOA
hz_expect_rcode "RFC 6303 10/8 apex SOA" NOERROR
hz_expect_count "RFC 6303 10/8 apex SOA" ANSWER 1
rq 127.0.0.2 4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa PTR
hz_expect_rcode "RFC 6303 fe80::/10 PTR" NXDOMAIN
rq 127.0.0.2 5.2.20.172.in-addr.arpa PTR
hz_expect_rcode "RFC 6303 172.20 PTR" NXDOMAIN
rq 127.0.0.3 1.1.168.192.in-addr.arpa PTR
hz_expect_rcode "RFC 6303 only in recursive views (external: REFUSED)" REFUSED

rq 127.0.0.2 use-application-dns.net A
hz_expect_rcode "DoH canary in internal" NXDOMAIN
hz_expect_count "DoH canary in internal" ANSWER 0
rq 127.0.0.4 use-application-dns.net A
hz_expect_rcode "doh-canary: false in lab (forwarded)" NOERROR
hz_expect_in "doh-canary: false in lab" ANSWER "$(hz_rr use-application-dns.net. A 192.0.2.66)"

# --- RD=0: from the cache only ---------------------------------------------
rq 127.0.0.2 www.upstream.test A +norec
hz_expect_rcode "RD=0, cached name" NOERROR
hz_expect_in "RD=0, cached name" ANSWER "$(hz_rr www.upstream.test. A 192.0.2.11)"
rq 127.0.0.2 www9.upstream.test A +norec
hz_expect_rcode "RD=0, uncached name: not forwarded" REFUSED
hz_expect_flag "RD=0, uncached name" ra

# --- reload: same forwarders keep the cache; changed ones flush it ----------
reload_and_wait() {
	local before
	before=$(grep -c 'reload: done' "$HZ_LOG")
	kill -HUP "$HZ_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c 'reload: done' "$HZ_LOG")" -gt "$before" ] && return 0
		sleep 0.1
	done
	hz_fail "reload did not finish" "$(tail -n 5 "$HZ_LOG")"
}
reload_and_wait
rq 127.0.0.2 www.upstream.test A +norec
hz_expect_rcode "reload, same forwarders: cache kept (RD=0 answer)" NOERROR
render "$DATA/resolver.yaml.in" "$CONF" "127.0.0.1@$UP1, 127.0.0.1@$DEAD"
reload_and_wait
rq 127.0.0.2 www.upstream.test A +norec
hz_expect_rcode "reload, forwarders changed: cache flushed" REFUSED
rq 127.0.0.2 www.upstream.test A
hz_expect_in "reload, forwarders changed: forwarded again" ANSWER "$(hz_rr www.upstream.test. A 192.0.2.11)"

# --- cache expiry (short has TTL 2) -----------------------------------------
sleep 3
rq 127.0.0.2 short.upstream.test A
hz_expect_in "cache: after the TTL" ANSWER "$(hz_rr short.upstream.test. A 192.0.2.10)"

# --- spoofing resistance ----------------------------------------------------
rq 127.0.0.5 spoof.test A
hz_expect_rcode "spoof: real answer accepted" NOERROR
hz_expect_in "spoof: real answer accepted" ANSWER "$(hz_rr spoof.test. A 192.0.2.99)"
hz_expect_notin "spoof: no forged data" ANSWER '6\.6\.6\.'
rq 127.0.0.5 onlyspoof.test A
hz_expect_rcode "spoof: only forged replies -> SERVFAIL" SERVFAIL
hz_expect_notin "spoof: only forged replies" ANSWER '6\.6\.6\.'

# --- coalescing: identical questions in flight, one upstream query per worker
pids=
for i in 1 2 3 4 5 6; do
	dig @127.0.0.1 -p "$RES_PORT" -b 127.0.0.5 +time=5 +tries=1 +short slow.test A >"$HZ_TMP/slow.$i" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
wait_ok=0
for i in 1 2 3 4 5 6; do
	[ "$(cat "$HZ_TMP/slow.$i")" = "192.0.2.98" ] && wait_ok=$((wait_ok + 1))
done
if [ "$wait_ok" -eq 6 ]; then hz_ok "coalescing: 6 clients answered"; else hz_fail "coalescing: $wait_ok of 6 clients answered" "$(cat "$HZ_TMP"/slow.*)"; fi
n=$(grep -c 'QUERY slow.test 1' "$FAKE_LOG")
if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then
	hz_ok "coalescing: the fake upstream saw $n query(ies) for 6 clients (2 workers)"
else
	hz_fail "coalescing: the fake upstream saw $n queries for 6 clients" "$(cat "$FAKE_LOG")"
fi
n=$(grep -c 'QUERY spoof.test' "$FAKE_LOG")
if [ "$n" -eq 1 ]; then hz_ok "spoof: one upstream query"; else hz_fail "spoof: $n upstream queries" "$(cat "$FAKE_LOG")"; fi

# --- what the upstreams saw -------------------------------------------------
hz_stop
up_stop up1
# www (once; the mixed-case ask is a cache hit), short (twice: first and
# after the TTL), big (UDP, then TCP), www2 (failover view), www again
# after the forwarders changed: 6 over UDP, 1 over TCP.
if [ "$UP_UDP" = 6 ] && [ "$UP_TCP" = 1 ]; then
	hz_ok "upstream 1 saw exactly 6 UDP and 1 TCP queries (no REFUSED, RFC 6303, canary or RD=0 name leaked)"
else
	hz_fail "upstream 1 saw $UP_UDP UDP and $UP_TCP TCP queries, expected 6 and 1"
fi
up_stop up2
if [ "$UP_UDP" = 2 ] && [ "$UP_TCP" = 0 ]; then
	hz_ok "upstream 2 saw exactly 2 queries (short, canary with doh-canary off)"
else
	hz_fail "upstream 2 saw $UP_UDP UDP and $UP_TCP TCP queries, expected 2 and 0"
fi
kill -TERM "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
FAKE_PID=
dropped=$(sed -n 's/.*, \([0-9]*\) dropped (wrong source.*/\1/p' "$HZ_LOG" | awk '{s += $1} END {print s + 0}')
if [ "$dropped" -ge 6 ]; then hz_ok "forged replies counted as dropped ($dropped)"; else hz_fail "forged replies dropped: $dropped, expected >= 6" "$(grep forwarder "$HZ_LOG")"; fi
hz_done

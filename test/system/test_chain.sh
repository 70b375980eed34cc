#!/usr/bin/env bash
# test_chain.sh -- a recursive view answers the whole CNAME/DNAME chain, as
# BIND does with recursion: into another zone of the view, out through the
# forwarder (filling and using the view's cache), over UDP and TCP, for A
# and AAAA; a view without recursion keeps the chain inside the zone.
# Doctored answers lose AD. Upstreams: a second horizond (upstream.test) and
# the python fake (AD set).
#
# Clients: 127.0.0.2 lan (recursive, doctoring), 127.0.0.5 ad (recursive,
# forwards to the fake), 127.0.0.3 external (not recursive).
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

DATA=$HZ_SOURCE_DIR/test/system/data/chain
FAKE_PY=$HZ_SOURCE_DIR/test/system/data/forward/fake_upstream.py
hz_init
RES_PORT=$HZ_PORT
while hz_pick_port; [ "$HZ_PORT" = "$RES_PORT" ]; do :; done
UP=$HZ_PORT
while hz_pick_port; [ "$HZ_PORT" = "$RES_PORT" ] || [ "$HZ_PORT" = "$UP" ]; do :; done
FAKE=$HZ_PORT
HZ_PORT=$RES_PORT

stop_all() {
	[ "$BASHPID" = "${HZ_MAIN_PID:-$BASHPID}" ] || return 0
	[ -n "${UP_PID:-}" ] && kill -KILL "$UP_PID" 2>/dev/null
	[ -n "${FAKE_PID:-}" ] && kill -KILL "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	hz_cleanup
}
trap stop_all EXIT

sed -e "s|@UP@|$UP|g" -e "s|@DIR@|$DATA|g" "$DATA/upstream.yaml.in" >"$HZ_TMP/upstream.yaml"
sed -e "s|@LISTEN@|127.0.0.1@$RES_PORT|g" -e "s|@LAN@|127.0.0.2|g" -e "s|@UP@|$UP|g" \
    -e "s|@FAKE@|$FAKE|g" -e "s|@DIR@|$DATA|g" "$DATA/resolver.yaml.in" >"$HZ_TMP/resolver.yaml"

"$HORIZOND" --allow-root -c "$HZ_TMP/upstream.yaml" </dev/null >"$HZ_TMP/upstream.log" 2>&1 &
UP_PID=$!
python3 "$FAKE_PY" "$FAKE" "$HZ_TMP/fake.log" >"$HZ_TMP/fake.out" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 100); do
	grep -qw ready "$HZ_TMP/upstream.log" && grep -q ready "$HZ_TMP/fake.out" && break
	sleep 0.1
done
grep -qw ready "$HZ_TMP/upstream.log" || hz_die "upstream not ready" "$(cat "$HZ_TMP/upstream.log")"
grep -q ready "$HZ_TMP/fake.out" || hz_die "fake upstream not ready" "$(cat "$HZ_TMP/fake.out")"
hz_start "$HZ_TMP/resolver.yaml" || hz_done

# --- out through the forwarder ------------------------------------------------
for tr in +notcp +tcp; do
	hz_q 127.0.0.2 +rec "$tr" alias.home.test A
	hz_expect_rcode "lan $tr: alias A" NOERROR
	hz_expect_flag "lan $tr: alias A" aa
	hz_expect_flag "lan $tr: alias A" ra
	hz_expect_count "lan $tr: alias A" ANSWER 2
	hz_expect_in "lan $tr: alias A, the CNAME" ANSWER "$(hz_rr alias.home.test. CNAME www.upstream.test.)"
	hz_expect_in "lan $tr: alias A, the target's A" ANSWER "$(hz_rr www.upstream.test. A 192.0.2.11)"
	hz_q 127.0.0.2 +rec "$tr" alias2.home.test AAAA
	hz_expect_rcode "lan $tr: alias2 AAAA" NOERROR
	hz_expect_count "lan $tr: alias2 AAAA (two CNAMEs, the AAAA)" ANSWER 3
	hz_expect_in "lan $tr: alias2 AAAA" ANSWER "$(hz_rr www.upstream.test. AAAA 2001:db8::11)"
done
# the chain filled the view's cache: RD=0 answers from it alone
hz_q 127.0.0.2 www.upstream.test A
hz_expect_rcode "lan: target cached by the chain (RD=0)" NOERROR
hz_expect_in "lan: target cached by the chain (RD=0)" ANSWER "$(hz_rr www.upstream.test. A 192.0.2.11)"
hz_q 127.0.0.2 alias.home.test A
hz_expect_count "lan: chain from the cache with RD=0" ANSWER 2
# RD=0 and a target not cached: the chain so far, nothing sent upstream
hz_q 127.0.0.2 topub.home.test A
hz_expect_rcode "lan: uncached target with RD=0" NOERROR
hz_expect_count "lan: uncached target with RD=0, the CNAME only" ANSWER 1
# the upstream's own NXDOMAIN, behind our CNAME (AA kept, as BIND)
hz_q 127.0.0.2 +rec tonx.home.test A
hz_expect_rcode "lan: tonx" NXDOMAIN
hz_expect_flag "lan: tonx" aa
hz_expect_in "lan: tonx, the CNAME" ANSWER "$(hz_rr tonx.home.test. CNAME nx.upstream.test.)"
hz_expect_in "lan: tonx, the upstream's SOA" AUTHORITY '^upstream\.test\..*SOA'
# DNAME out of the zone
hz_q 127.0.0.2 +rec +tcp www.up.home.test AAAA
hz_expect_count "lan: DNAME to the forwarder" ANSWER 3
hz_expect_in "lan: DNAME to the forwarder" ANSWER "$(hz_rr www.up.home.test. CNAME www.upstream.test.)"
hz_expect_in "lan: DNAME to the forwarder" ANSWER "$(hz_rr www.upstream.test. AAAA 2001:db8::11)"

# --- into another zone of the view, and DNAME inside the zone -------------------
hz_q 127.0.0.2 +rec toother.home.test A
hz_expect_count "lan: into other.test" ANSWER 2
hz_expect_in "lan: into other.test" ANSWER "$(hz_rr www.other.test. A 192.168.2.2)"
hz_q 127.0.0.2 +rec www.old.home.test A
hz_expect_in "lan: DNAME in the zone" ANSWER '^old\.home\.test\..*DNAME[[:space:]]+new\.home\.test\.$'
hz_expect_in "lan: DNAME in the zone" ANSWER "$(hz_rr www.new.home.test. A 192.168.1.80)"

# --- doctoring: the mapped address becomes the private one, AD goes --------------
hz_q 127.0.0.2 +rec topub.home.test A
hz_expect_in "lan: doctored end of a chain" ANSWER "$(hz_rr pub.upstream.test. A 192.168.1.20)"
hz_q 127.0.0.5 +rec +adflag ad.test A
hz_expect_in "ad: doctored" ANSWER "$(hz_rr ad.test. A 192.168.1.20)"
hz_expect_noflag "ad: doctored answer" ad
hz_q 127.0.0.5 +rec +adflag adplain.test A
hz_expect_in "ad: not doctored" ANSWER "$(hz_rr adplain.test. A 198.51.100.7)"
hz_expect_flag "ad: not doctored, AD passed on" ad
hz_q 127.0.0.5 +rec +adflag toad.home.test A
hz_expect_count "ad: chain" ANSWER 2
hz_expect_noflag "ad: a chain from our zone" ad

# --- a view without recursion: the CNAME only ------------------------------------
hz_q 127.0.0.3 +rec alias.home.test A
hz_expect_rcode "external: alias A" NOERROR
hz_expect_noflag "external: alias A" ra
hz_expect_count "external: alias A, the CNAME only" ANSWER 1

hz_stop
kill -TERM "$UP_PID"
hz_wait_exit "$UP_PID" 10
UP_PID=
# the upstream was asked once per target: the cache served the rest
# (www A, www AAAA, nx A, pub A; all else came from the cache or our zones)
line=$(grep 'stopped:' "$HZ_TMP/upstream.log")
n=$(printf '%s\n' "$line" | sed -n 's/.*udp \([0-9]*\) queries.*/\1/p')
if [ "${n:-x}" = 4 ]; then
	hz_ok "upstream saw 4 queries"
else
	hz_fail "upstream saw ${n:-?} queries, expected 4" "$line"
fi
hz_done

#!/usr/bin/env bash
# test_doctoring.sh -- DNS doctoring: in a recursive view, forwarded answers
# that hold a mapped public address (nat:) get the private one instead; a view
# with nat-doctoring: false gets the answer as the upstream gave it.
# Upstream: a second horizond serving example.net (dyn -> 203.0.113.10).
# Clients: 127.0.0.2 (view lan, doctoring on by default), 127.0.0.4 (view lab,
# doctoring off). Only 127.0.0.1 is contacted.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

DATA=$HZ_SOURCE_DIR/test/system/data/doctoring
hz_init
RES_PORT=$HZ_PORT
while hz_pick_port; [ "$HZ_PORT" = "$RES_PORT" ]; do :; done
UP=$HZ_PORT
HZ_PORT=$RES_PORT

sed -e "s|@UP@|$UP|g" -e "s|@DIR@|$DATA|g" "$DATA/upstream.yaml.in" >"$HZ_TMP/upstream.yaml"
sed -e "s|@UP@|$UP|g" -e "s|@PORT@|$RES_PORT|g" "$DATA/resolver.yaml.in" >"$HZ_TMP/resolver.yaml"

"$HORIZOND" --allow-root -c "$HZ_TMP/upstream.yaml" </dev/null >"$HZ_TMP/upstream.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 100); do grep -qw ready "$HZ_TMP/upstream.log" && break; sleep 0.1; done
grep -qw ready "$HZ_TMP/upstream.log" || hz_die "upstream not ready" "$(cat "$HZ_TMP/upstream.log")"
hz_start "$HZ_TMP/resolver.yaml" || hz_done

# view lan: the public address of the mapped host comes back private
hz_q 127.0.0.2 +rec dyn.example.net A
hz_expect_rcode "lan: dyn A" NOERROR
hz_expect_flag "lan: dyn A" ra
hz_expect_in "lan: dyn A doctored" ANSWER 'dyn\.example\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.168\.1\.20$'
hz_expect_notin "lan: dyn A" ANSWER '203\.0\.113\.10'
# only mapped addresses change; the TTL is the upstream's
hz_q 127.0.0.2 +rec both.example.net A
hz_expect_in "lan: both A, mapped one" ANSWER 'A[[:space:]]+192\.168\.1\.20$'
hz_expect_in "lan: both A, unmapped one kept" ANSWER 'A[[:space:]]+198\.51\.100\.7$'
hz_q 127.0.0.2 +rec other.example.net A
hz_expect_in "lan: unmapped host untouched" ANSWER 'A[[:space:]]+198\.51\.100\.7$'
# IPv6 prefix mapping keeps the host part
hz_q 127.0.0.2 +rec v6.example.net AAAA
hz_expect_in "lan: v6 AAAA doctored by prefix" ANSWER 'AAAA[[:space:]]+fd00:1::25$'
# a second ask comes from the cache, still doctored
hz_q 127.0.0.2 +rec dyn.example.net A
hz_expect_in "lan: cached answer doctored" ANSWER 'A[[:space:]]+192\.168\.1\.20$'
# DO=1: signed data must not be changed, so nothing is rewritten
hz_q 127.0.0.2 +rec +dnssec dyn.example.net A
hz_expect_in "lan: DO=1 left alone" ANSWER 'A[[:space:]]+203\.0\.113\.10$'

# view lab: nat-doctoring: false
hz_q 127.0.0.4 +rec dyn.example.net A
hz_expect_in "lab: doctoring off" ANSWER 'A[[:space:]]+203\.0\.113\.10$'

hz_stop
# the forwarder counts what it rewrote (dyn, both, v6)
if grep -Eq '[1-9][0-9]* addresses doctored' "$HZ_LOG"; then
	hz_ok "stop line counts doctored addresses"
else
	hz_fail "no doctored count in the stop line" "$(grep forwarder "$HZ_LOG")"
fi
kill -TERM "$UP_PID"; wait "$UP_PID"
hz_done

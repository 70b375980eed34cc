#!/usr/bin/env bash
# test_forward_fairness.sh -- one LAN client flooding new names at an upstream
# that never answers them must not take every pending upstream slot of the
# worker (issue 15): its own excess queries fail (SERVFAIL, counted), another
# client's new name is still forwarded and answered. And an upstream's
# records outside the question's chain are not relayed. Clients: 127.0.0.7
# floods, 127.0.0.2 is everyone else. The upstream is the fake
# (data/forward/fake_upstream.py: *.blackhole.test is never answered,
# slow.test after 600 ms).
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

DATA=$HZ_SOURCE_DIR/test/system/data/forward
hz_init
RES_PORT=$HZ_PORT
while :; do hz_pick_port; [ "$HZ_PORT" != "$RES_PORT" ] && break; done
FAKE=$HZ_PORT
HZ_PORT=$RES_PORT

FAKE_LOG=$HZ_TMP/fake.log
python3 "$DATA/fake_upstream.py" "$FAKE" "$FAKE_LOG" >"$HZ_TMP/fake.out" 2>&1 &
FAKE_PID=$!
stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
for _ in $(seq 1 50); do grep -q ready "$HZ_TMP/fake.out" && break; sleep 0.1; done

sed -e "s|@PORT@|$RES_PORT|g" -e "s|@FAKE@|$FAKE|g" "$DATA/fairness.yaml.in" >"$HZ_TMP/r.yaml"
hz_start "$HZ_TMP/r.yaml" || { stop_fake; hz_done; }

# 6,000 new names in about 0.2 s, more than the worker's 4,096 pending slots;
# none is answered, so they stay pending for the 1.5 s upstream timeout.
python3 - "$RES_PORT" <<'PY'
import random, socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.7", 0))
s.setblocking(False)
for burst in range(30):
    for i in range(200):
        name = b"r%d-%d" % (burst * 200 + i, random.randrange(1 << 30))
        q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0)
        q += bytes([len(name)]) + name + b"\x09blackhole\x04test\x00" + struct.pack("!HH", 1, 1)
        try:
            s.sendto(q, ("127.0.0.1", port))
        except BlockingIOError:
            pass
    time.sleep(0.005)
PY
sleep 0.2
hz_q 127.0.0.2 slow.test A +rec +time=3 +tries=1
hz_expect_rcode "another client's new name during the flood" NOERROR
hz_expect_in "another client's new name during the flood" ANSWER '192\.0\.2\.98'
hz_q 127.0.0.7 more.blackhole.test A +rec +time=3 +tries=1
hz_expect_rcode "the flooding client past its share" SERVFAIL

# Records outside the question's chain are not relayed (scrub.h).
hz_q 127.0.0.2 extra.test A +rec
hz_expect_in "extra records: the answer" ANSWER 'extra\.test\..*A.*192\.0\.2\.97'
hz_expect_notin "extra records: out-of-bailiwick A dropped" ANSWER '6\.6\.6\.9'
hz_expect_notin "extra records: wrong type (MX) dropped" ANSWER 'MX'
hz_expect_notin "extra records: foreign NS dropped" AUTHORITY 'evil'
hz_q 127.0.0.2 chain.test A +rec
hz_expect_in "a CNAME chain in reverse order is kept" ANSWER 'target\.test\..*192\.0\.2\.96'
hz_expect_in "a CNAME chain in reverse order is kept" ANSWER 'chain\.test\..*CNAME'

hz_stop
stop_fake
n=$(grep -oE '[0-9]+ over a client.s share' "$HZ_LOG" | grep -oE '^[0-9]+')
[ "${n:-0}" -gt 0 ] && hz_ok "refusals over the client's share counted ($n)" \
	|| hz_fail "no refusals over a client's share counted" "$(grep forwarder: "$HZ_LOG")"
hz_done

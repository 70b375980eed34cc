#!/usr/bin/env bash
# test_log_flood.sh -- packets anyone can send do not flood the log (issue
# 15): 400 malformed and 400 unsigned UPDATEs from one outside address are
# all answered (FORMERR, REFUSED) at once, never queued to the control
# thread, and leave a handful of log lines (lograte.h: 10 per address a
# minute). Client: 127.0.0.3.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
DATA=$HZ_SOURCE_DIR/test/system/data/abuse
hz_init
hz_make_config "$DATA/rrl.yaml.in" "$HZ_TMP/r.yaml"
sed -i '/rate-limit:/,/exempt-clients/d' "$HZ_TMP/r.yaml"
cp "$DATA/example.net.zone" "$HZ_TMP/"
hz_start "$HZ_TMP/r.yaml" || hz_done

out=$(python3 - "$HZ_PORT" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 0))
s.settimeout(0.5)
hdr = lambda i: struct.pack("!HHHHHH", i, 5 << 11, 1, 0, 1, 0)
# a compressed zone name (nothing before it to point at): malformed
bad = b"\xc0\x0c" + struct.pack("!HH", 6, 1)
# a well-formed unsigned update of example.net: refused (no allow-update)
good = b"\7example\3net\0" + struct.pack("!HH", 6, 1) + b"\3www\7example\3net\0" + \
    struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 77])
rc = {}
for kind, body in (("bad", bad), ("good", good)):
    for i in range(400):
        s.sendto(hdr(i) + body, ("127.0.0.1", port))
        try:
            m = s.recv(512)
            rc[(kind, m[3] & 15)] = rc.get((kind, m[3] & 15), 0) + 1
        except socket.timeout:
            pass
print(rc.get(("bad", 1), 0), rc.get(("good", 5), 0))
PY
)
read -r formerr refused <<<"$out"
hz_check "400 malformed updates answered FORMERR at once ($formerr)" [ "$formerr" -eq 400 ]
hz_check "400 unsigned updates answered REFUSED ($refused)" [ "$refused" -eq 400 ]
hz_stop
n=$(grep -c 'update from' "$HZ_LOG")
[ "$n" -ge 1 ] && [ "$n" -le 12 ] && hz_ok "$n update log lines for 800 updates" \
	|| hz_fail "$n update log lines for 800 updates" "$(grep 'update from' "$HZ_LOG" | head -5)"
hz_done

#!/usr/bin/env bash
# test_systemd_notify.sh -- Type=notify: with NOTIFY_SOCKET set, horizond
# sends READY=1 once it serves, RELOADING=1 (with MONOTONIC_USEC) and READY=1
# around a reload, STOPPING=1 on SIGTERM -- as datagrams to the socket, which
# a python listener records here in place of systemd. Also the abstract
# namespace form ("@name"). Log lines carry <N> priority prefixes when stderr
# is the journal (JOURNAL_STREAM).
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

hz_init
hz_zone "$HZ_TMP/example.com.zone" example.com
cat >"$HZ_TMP/n.yaml" <<YAML
server:
  listen: [127.0.0.1@$HZ_PORT]
  control: ""
views:
  - name: all
    match-clients: [any]
    zones:
      - name: example.com
        file: example.com.zone
YAML

# listen SOCKET LOG: record each datagram as one line (newlines as '|')
LISTENER=
listen() {
	python3 -u - "$1" "$2" <<'PY' &
import socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
s.settimeout(60)
with open(log, "a") as f:
    f.write("LISTENING\n"); f.flush()
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        f.write(d.decode().replace("\n", "|") + "\n"); f.flush()
PY
	LISTENER=$!
	for _ in $(seq 1 50); do grep -q LISTENING "$2" 2>/dev/null && return 0; sleep 0.1; done
	hz_fail "the notify listener did not start"
}
stop_listener() { [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null; LISTENER=; }
trap 'stop_listener; hz_cleanup' EXIT
# wait_for LOG PATTERN: up to 20 s
wait_for() { for _ in $(seq 1 200); do grep -Eq "$2" "$1" && return 0; sleep 0.1; done; return 1; }

NLOG=$HZ_TMP/notify.log
listen "$HZ_TMP/notify.sock" "$NLOG"
NOTIFY_SOCKET=$HZ_TMP/notify.sock hz_start "$HZ_TMP/n.yaml" || hz_done
hz_check "READY=1 once it serves" wait_for "$NLOG" '^READY=1\|STATUS=serving$'
hz_reload
hz_check "RELOADING=1 with MONOTONIC_USEC on reload" wait_for "$NLOG" '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$'
hz_check "READY=1 again after the reload" test "$(grep -c '^READY=1' "$NLOG")" -eq 2
hz_check "the order: READY, RELOADING, READY" \
	test "$(grep -v LISTENING "$NLOG" | cut -d'|' -f1 | tr '\n' ' ')" = "READY=1 RELOADING=1 READY=1 "
hz_stop
hz_check "STOPPING=1 on SIGTERM" wait_for "$NLOG" '^STOPPING=1$'
stop_listener

# the abstract namespace ("@name", as systemd may pass it)
ABS="@horizond-test-$$-$RANDOM"
NLOG2=$HZ_TMP/notify2.log
listen "$ABS" "$NLOG2"
NOTIFY_SOCKET=$ABS hz_start "$HZ_TMP/n.yaml" || hz_done
hz_check "READY=1 over an abstract socket" wait_for "$NLOG2" '^READY=1'
hz_stop
stop_listener

# no NOTIFY_SOCKET: nothing is sent, nothing breaks; plain log lines
hz_start "$HZ_TMP/n.yaml" || hz_done
hz_check "runs without NOTIFY_SOCKET" test "$(hz_dig 127.0.0.2 ns1.example.com A +short)" = 192.0.2.53
hz_check "stderr not the journal: timestamped lines" grep -Eq '^20[0-9-]+T[0-9:.]+Z horizond notice: ready' "$HZ_LOG"
hz_stop

# stderr is the journal (JOURNAL_STREAM names its device:inode): priority
# prefixes instead of timestamps
JLOG=$HZ_TMP/journal.log
: >"$JLOG"
JOURNAL_STREAM=$(stat -c '%d:%i' "$JLOG") hz_start "$HZ_TMP/n.yaml" "$JLOG" || hz_done
hz_check "journal: notice as <5>" grep -q '^<5>notice: ready' "$JLOG"
hz_check "journal: no timestamps" sh -c "! grep -Eq '^20[0-9-]+T' '$JLOG'"
hz_stop
hz_done

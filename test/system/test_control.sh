#!/usr/bin/env bash
# test_control.sh -- zone events on the control thread: a dynamic update is
# applied and answered while a reload's external command (nat.apply running
# nft) is still running, and the reload ends well once the command does.
#
# A fake nft (first on the server's PATH) blocks until the test lets it go,
# so the test depends on order, not timing: were the update to wait for the
# reload's external command, it would not be answered while nft waits.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

command -v nsupdate >/dev/null || { echo "FAIL - nsupdate not found (apt-get install bind9-dnsutils)" >&2; exit 1; }
hz_init
DATA=$HZ_SOURCE_DIR/test/system/data/control

# the fake nft: while $HZ_TMP/block exists it says it started and waits for
# $HZ_TMP/go (60 s at most, so that a failing test cannot hang)
mkdir "$HZ_TMP/bin"
cat >"$HZ_TMP/bin/nft" <<FAKE
#!/bin/sh
if [ -e "$HZ_TMP/block" ]; then
	: >"$HZ_TMP/started"
	i=0
	while [ ! -e "$HZ_TMP/go" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
fi
exit 0
FAKE
chmod +x "$HZ_TMP/bin/nft"

hz_zone "$HZ_TMP/example.com.zone" example.com
hz_make_config "$DATA/control.yaml.in" "$HZ_TMP/control.yaml" "$HZ_TMP"
export PATH="$HZ_TMP/bin:$PATH"   # the fake nft for the server
hz_start "$HZ_TMP/control.yaml" || hz_done
hz_check "nat.apply ran the (fake) nft on start" grep -q 'nat.apply: nftables table inet horizond loaded' "$HZ_LOG"

# a reload whose nft blocks
: >"$HZ_TMP/block"
kill -HUP "$HZ_PID"
for _ in $(seq 1 200); do
	[ -e "$HZ_TMP/started" ] && break
	sleep 0.1
done
hz_check "the reload runs nft" test -e "$HZ_TMP/started"

out=$(hz_nsupdate 127.0.0.2 example.com <<<'update add dyn.example.com. 300 IN A 192.0.2.7')
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'reload: done' "$HZ_LOG"; then
	hz_ok "an update is answered while the reload's nft still runs"
else
	hz_fail "an update during the reload's nft (nsupdate status $rc)" "$out"
fi
hz_q 127.0.0.2 dyn.example.com A
hz_expect_in "the update is served at once" "ANSWER" "192.0.2.7"

# let nft finish: the reload ends, and the update stays
: >"$HZ_TMP/go"
for _ in $(seq 1 200); do
	grep -q 'reload: done' "$HZ_LOG" && break
	sleep 0.1
done
hz_check "the reload ends once nft does" grep -q 'reload: done' "$HZ_LOG"
hz_q 127.0.0.2 dyn.example.com A
hz_expect_in "the update is still served after the reload" "ANSWER" "192.0.2.7"

hz_stop
hz_done

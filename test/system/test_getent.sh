#!/usr/bin/env bash
# test_getent.sh -- what issue #10 asks for: a LAN stub resolver (glibc's,
# through getent) looks up a name whose CNAME leads out of the view's zone
# and gets the address. glibc reads /etc/resolv.conf, which names port 53
# only: so horizond listens on 127.0.1.53@53, and getent runs in a private
# mount namespace (unshare -m) in which a resolv.conf of our own is
# bind-mounted over /etc/resolv.conf. The host's file is never touched.
# Skipped (77) when the namespace or the port cannot be had.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

DATA=$HZ_SOURCE_DIR/test/system/data/chain
STUB=127.0.1.53
hz_init
UP=$HZ_PORT

skip() {
	echo "test_getent: SKIP: $1"
	hz_cleanup
	exit 77
}
command -v getent >/dev/null 2>&1 || skip "no getent"
command -v unshare >/dev/null 2>&1 || skip "no unshare"
unshare -m true 2>/dev/null || skip "cannot make a mount namespace (needs root)"
grep -Eq '^hosts:.*\bdns\b' /etc/nsswitch.conf 2>/dev/null || skip "nsswitch.conf does not use dns for hosts"
[ -e /var/run/nscd/socket ] && skip "nscd runs: getent would ask it, not our resolv.conf"
python3 - "$STUB" <<'PY' || skip "cannot bind $STUB port 53"
import socket, sys
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, t)
    s.bind((sys.argv[1], 53))
    s.close()
PY

stop_all() {
	[ "$BASHPID" = "${HZ_MAIN_PID:-$BASHPID}" ] || return 0
	[ -n "${UP_PID:-}" ] && kill -KILL "$UP_PID" 2>/dev/null
	hz_cleanup
}
trap stop_all EXIT

sed -e "s|@UP@|$UP|g" -e "s|@DIR@|$DATA|g" "$DATA/upstream.yaml.in" >"$HZ_TMP/upstream.yaml"
# glibc's stub asks from 127.0.0.1 (the kernel's source for 127.0.1.53):
# that is the LAN client here
sed -e "s|@LISTEN@|$STUB@53|g" -e "s|@LAN@|127.0.0.1|g" -e "s|@UP@|$UP|g" \
    -e "s|@FAKE@|$UP|g" -e "s|@DIR@|$DATA|g" "$DATA/resolver.yaml.in" >"$HZ_TMP/resolver.yaml"
"$HORIZOND" --allow-root -c "$HZ_TMP/upstream.yaml" </dev/null >"$HZ_TMP/upstream.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 100); do grep -qw ready "$HZ_TMP/upstream.log" && break; sleep 0.1; done
grep -qw ready "$HZ_TMP/upstream.log" || hz_die "upstream not ready" "$(cat "$HZ_TMP/upstream.log")"
hz_start "$HZ_TMP/resolver.yaml" || hz_done

printf 'nameserver %s\noptions attempts:1 timeout:2\n' "$STUB" >"$HZ_TMP/resolv.conf"
# stub NAME DATABASE: getent DATABASE NAME with our resolv.conf
stub() {
	timeout 20 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec getent "$2" "$3"' \
		sh "$HZ_TMP/resolv.conf" "$2" "$1" 2>&1
}

# getent hosts asks AAAA first (gethostbyname2 AF_INET6), ahostsv4 asks A
out=$(stub alias.home.test hosts)
if printf '%s\n' "$out" | grep -Eq '^2001:db8::11[[:space:]]+www\.upstream\.test[[:space:]]+alias\.home\.test$'; then
	hz_ok "getent hosts alias.home.test: the upstream's AAAA, with the alias"
else
	hz_fail "getent hosts alias.home.test" "$out"
fi
out=$(stub alias.home.test ahostsv4)
if printf '%s\n' "$out" | grep -Eq '^192\.0\.2\.11[[:space:]]+STREAM[[:space:]]+www\.upstream\.test$'; then
	hz_ok "getent ahostsv4 alias.home.test: the upstream's A"
else
	hz_fail "getent ahostsv4 alias.home.test" "$out"
fi
# two CNAMEs, then the other zone of the view; and a DNAME
out=$(stub toother.home.test ahostsv4)
if printf '%s\n' "$out" | grep -Eq '^192\.168\.2\.2[[:space:]]'; then
	hz_ok "getent ahostsv4 toother.home.test: another zone of the view"
else
	hz_fail "getent ahostsv4 toother.home.test" "$out"
fi
out=$(stub www.up.home.test ahostsv4)
if printf '%s\n' "$out" | grep -Eq '^192\.0\.2\.11[[:space:]]'; then
	hz_ok "getent ahostsv4 www.up.home.test: through a DNAME"
else
	hz_fail "getent ahostsv4 www.up.home.test" "$out"
fi
# the host's own resolv.conf is untouched
if grep -q "$STUB" /etc/resolv.conf; then
	hz_fail "/etc/resolv.conf was changed" "$(cat /etc/resolv.conf)"
else
	hz_ok "/etc/resolv.conf untouched"
fi

hz_stop
kill -TERM "$UP_PID"
hz_wait_exit "$UP_PID" 10
UP_PID=
hz_done

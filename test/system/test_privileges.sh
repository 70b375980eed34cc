#!/usr/bin/env bash
# test_privileges.sh -- server.user: started as root, horizond binds its
# sockets, then runs as that user and group (nobody/nogroup: nothing is
# created on this host) with CAP_NET_BIND_SERVICE as its only capability,
# answers, reloads, and a reload can still bind a new privileged port. An
# unknown user stops the start with a clear error. Without server.user, a
# start as root is refused unless told explicitly (--allow-root or
# user: root). Skipped (77) when not run as root.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP - needs root"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP - no user nobody"; exit 77; }
# A process that is nobody must be able to reach / and /proc: a chroot made
# in a 0700 directory (../shared/tools/fresh-debian) closes even "/" to it,
# and then nothing a dropped process does (LeakSanitizer's exit check reads
# /proc/self/task) can work, whatever horizond does.
runuser -u nobody -- test -r /proc/self/status 2>/dev/null ||
	{ echo "SKIP - user nobody cannot reach /proc here (closed root directory)"; exit 77; }
hz_init
chmod 755 "$HZ_TMP"   # the dropped server reads its zones on reload
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(getent passwd nobody | cut -d: -f4)

hz_zone "$HZ_TMP/example.com.zone" example.com
chmod 644 "$HZ_TMP/example.com.zone"
write_conf() {   # write_conf USER LISTEN... (USER - : no server.user)
	local user=$1
	shift
	cat >"$HZ_TMP/p.yaml" <<YAML
server:
  listen: [$(IFS=,; echo "$*")]
  control: ""
$([ "$user" = - ] || echo "  user: $user")
views:
  - name: all
    match-clients: [any]
    zones:
      - name: example.com
        file: example.com.zone
YAML
	chmod 644 "$HZ_TMP/p.yaml"
}

# a free privileged port for the reload
LOW=
for _ in $(seq 1 50); do
	p=$((600 + RANDOM % 400))
	if hz_port_free "$p"; then LOW=$p; break; fi
done
[ -n "$LOW" ] || { echo "FAIL - no free port below 1024" >&2; exit 1; }

write_conf nobody "127.0.0.1@$HZ_PORT"
hz_start "$HZ_TMP/p.yaml" || hz_done
st=/proc/$HZ_PID/status
hz_check "runs as nobody (uid)" test "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "$st")" = "$NOBODY_UID$NOBODY_UID$NOBODY_UID$NOBODY_UID"
hz_check "runs as nobody's group (gid)" test "$(awk '/^Gid:/ { print $2 $3 $4 $5 }' "$st")" = "$NOBODY_GID$NOBODY_GID$NOBODY_GID$NOBODY_GID"
hz_check "no supplementary groups but its own" test "$(awk '/^Groups:/ { print $2 }' "$st")" = "$NOBODY_GID"
# CAP_NET_BIND_SERVICE is bit 10: 0x400, in every thread
for t in /proc/$HZ_PID/task/*; do
	caps=$(awk '/^CapPrm:|^CapEff:/ { printf "%s ", $2 }' "$t/status")
	if [ "$caps" != "0000000000000400 0000000000000400 " ]; then
		hz_fail "thread $(basename "$t") keeps only CAP_NET_BIND_SERVICE (got $caps)"
		break
	fi
done
hz_check "every thread keeps only CAP_NET_BIND_SERVICE" test "${caps:-}" = "0000000000000400 0000000000000400 "
hz_check "no ambient or inheritable capabilities" \
	test "$(awk '/^CapInh:|^CapAmb:/ { printf "%s ", $2 }' "$st")" = "0000000000000000 0000000000000000 "
hz_check "no_new_privs is set" grep -q '^NoNewPrivs:[[:space:]]*1' "$st"
hz_check "the log says so" grep -q 'running as nobody' "$HZ_LOG"
hz_check "answers as nobody" test "$(hz_dig 127.0.0.2 ns1.example.com A +short)" = 192.0.2.53

# a reload (as nobody) that adds a privileged port. It needs nobody to reach
# the config: a parent of the temp dir that is closed to others (a chroot
# made under a 0700 directory, as ../shared/tools/fresh-debian does) makes
# that impossible whatever horizond does, so those checks are skipped there.
write_conf nobody "127.0.0.1@$HZ_PORT" "127.0.0.1@$LOW"
if runuser -u nobody -- test -r "$HZ_TMP/p.yaml" 2>/dev/null; then
	hz_reload
	hz_check "the reload is done as nobody" grep -q 'reload: done' <<<"$HZ_RELOAD_LOG"
	hz_check "the reload bound the privileged port" grep -q "now listening on 127.0.0.1@$LOW" <<<"$HZ_RELOAD_LOG"
	out=$(dig @127.0.0.1 -p "$LOW" -b 127.0.0.2 +norec +time=2 +tries=1 +short ns1.example.com A 2>&1)
	hz_check "answers on the privileged port bound after the drop (port $LOW)" test "$out" = 192.0.2.53
else
	echo "(nobody cannot read $HZ_TMP/p.yaml: a parent directory is closed to others; reload checks skipped)"
fi
hz_stop

# an unknown user: no start
write_conf no-such-user-horizond "127.0.0.1@$HZ_PORT"
timeout 20 "$HORIZOND" -c "$HZ_TMP/p.yaml" >"$HZ_TMP/bad.log" 2>&1
rc=$?
hz_check "an unknown server.user stops the start (exit 1)" test $rc -eq 1
hz_check "and says why" grep -q "server.user: no user 'no-such-user-horizond'" "$HZ_TMP/bad.log"

# root without server.user: refused, and the error names both ways out
write_conf - "127.0.0.1@$HZ_PORT"
timeout 20 "$HORIZOND" -c "$HZ_TMP/p.yaml" >"$HZ_TMP/root.log" 2>&1
rc=$?
hz_check "root without server.user is refused (exit 1)" test $rc -eq 1
hz_check "the error names server.user" grep -q 'started as root without server.user.*Set server.user' "$HZ_TMP/root.log"
hz_check "the error names the override" grep -q -- '--allow-root (or user: root)' "$HZ_TMP/root.log"
hz_check "nothing was served" sh -c "! grep -qw ready '$HZ_TMP/root.log'"
# --allow-root: stays root on purpose (hz_start passes it)
hz_start "$HZ_TMP/p.yaml" || hz_done
hz_check "--allow-root: runs as root" test "$(awk '/^Uid:/ { print $3 }' "/proc/$HZ_PID/status")" = 0
hz_check "--allow-root: warns" grep -q 'running as root (--allow-root)' "$HZ_LOG"
hz_check "--allow-root: answers" test "$(hz_dig 127.0.0.2 ns1.example.com A +short)" = 192.0.2.53
hz_stop
# user: root is the same choice written in the config, no flag needed
write_conf root "127.0.0.1@$HZ_PORT"
HZ_LOG=$HZ_TMP/userroot.log
"$HORIZOND" -c "$HZ_TMP/p.yaml" </dev/null >"$HZ_LOG" 2>&1 &
HZ_PID=$!
for _ in $(seq 1 100); do
	grep -qw ready "$HZ_LOG" || ! kill -0 "$HZ_PID" 2>/dev/null && break
	sleep 0.1
done
hz_check "user: root: starts without --allow-root" grep -qw ready "$HZ_LOG"
hz_check "user: root: warns that it stays root" grep -q 'server.user is root (uid 0): staying root' "$HZ_LOG"
hz_check "user: root: answers" test "$(hz_dig 127.0.0.2 ns1.example.com A +short)" = 192.0.2.53
hz_stop
hz_done

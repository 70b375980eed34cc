#!/usr/bin/env bash
# test_systemd_unit.sh -- dist/horizond.service passes `systemd-analyze
# verify` (with the built binaries in place of the installed ones) and rates
# well in `systemd-analyze security` (exposure at most 2.0); the sysusers
# and tmpfiles entries create the horizond user and its directories -- in a
# scratch root (--root), never on this host. Skipped (77) without systemd's
# tools.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

for t in systemd-analyze systemd-sysusers systemd-tmpfiles; do
	command -v "$t" >/dev/null || { echo "SKIP - $t not found"; exit 77; }
done
hz_init
DIST=$HZ_SOURCE_DIR/dist
BIN=$(cd "$(dirname "$HORIZOND")" && pwd)
UNIT=$HZ_TMP/horizond.service
sed -e "s|@SBINDIR@|$BIN|g" -e "s|@SYSCONFDIR@|/etc|g" "$DIST/horizond.service.in" >"$UNIT"

if out=$(timeout 60 systemd-analyze verify --man=no "$UNIT" 2>&1); then
	hz_ok "systemd-analyze verify accepts the unit"
else
	hz_fail "systemd-analyze verify accepts the unit" "$out"
fi
# the check can fail: a unit naming a missing binary is refused
sed "s|^ExecStart=$BIN/horizond|ExecStart=$HZ_TMP/missing/horizond|" "$UNIT" >"$HZ_TMP/bad.service"
hz_check "verify refuses a unit whose binary is missing" \
	sh -c "! timeout 60 systemd-analyze verify --man=no '$HZ_TMP/bad.service' >/dev/null 2>&1"
out=$(timeout 60 systemd-analyze security --offline=true --threshold=20 "$UNIT" 2>&1)
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	hz_ok "systemd-analyze security: exposure $score (at most 2.0)"
else
	hz_fail "systemd-analyze security: exposure at most 2.0 (got '${score}')" "$(tail -n 5 <<<"$out")"
fi
for k in Type=notify ExecReload= AmbientCapabilities=CAP_NET_BIND_SERVICE ProtectSystem=strict \
	StateDirectory=horizond RuntimeDirectory=horizond NoNewPrivileges=yes; do
	hz_check "the unit sets $k" grep -q "^$k" "$UNIT"
done

# sysusers + tmpfiles in a scratch root
ROOT=$HZ_TMP/root
mkdir -p "$ROOT/etc" "$ROOT/var/lib" "$ROOT/run"
timeout 60 systemd-sysusers --root="$ROOT" "$DIST/horizond.sysusers" >/dev/null 2>&1
hz_check "sysusers creates the horizond user" grep -q '^horizond:' "$ROOT/etc/passwd"
hz_check "sysusers creates the horizond group" grep -q '^horizond:' "$ROOT/etc/group"
hz_check "the user has no login shell" grep -Eq '^horizond:.*:(/usr/sbin/nologin|/sbin/nologin|/bin/false)$' "$ROOT/etc/passwd"
timeout 60 systemd-tmpfiles --root="$ROOT" --create "$DIST/horizond.tmpfiles" >/dev/null 2>&1
uid=$(awk -F: '$1 == "horizond" { print $3 }' "$ROOT/etc/passwd")
hz_check "tmpfiles creates the state dir, 0750, owned by horizond" \
	test "$(stat -c '%a %u' "$ROOT/var/lib/horizond" 2>/dev/null)" = "750 $uid"
hz_check "tmpfiles creates the runtime dir" test -d "$ROOT/run/horizond"
hz_done

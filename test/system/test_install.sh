#!/usr/bin/env bash
# test_install.sh -- `cmake --install` (into a DESTDIR, never onto this host)
# places horizond, horizonctl, the unit (with the installed paths), the
# sysusers/tmpfiles entries, the man pages and /etc/horizond/horizond.yaml
# (absolute /etc, whatever the prefix), never overwrites an edited config on
# reinstall, and the installed config passes --check; the man pages render
# without warnings; `cpack -G DEB` builds a .deb whose control archive marks
# the config as conffiles and has a postinst that creates the user.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

command -v cmake >/dev/null || { echo "SKIP - no cmake"; exit 77; }
[ -f "$HZ_BUILD_DIR/cmake_install.cmake" ] || { echo "SKIP - no build tree at $HZ_BUILD_DIR"; exit 77; }
hz_init
ROOT=$HZ_TMP/root

DESTDIR=$ROOT timeout 120 cmake --install "$HZ_BUILD_DIR" --prefix /usr >"$HZ_TMP/install.log" 2>&1
hz_check "cmake --install succeeds" test $? -eq 0
for f in usr/sbin/horizond usr/sbin/horizonctl usr/lib/systemd/system/horizond.service \
	usr/lib/sysusers.d/horizond.conf usr/lib/tmpfiles.d/horizond.conf \
	usr/share/man/man8/horizond.8 usr/share/man/man8/horizonctl.8 usr/share/man/man5/horizond.yaml.5 \
	etc/horizond/horizond.yaml etc/horizond/internal/example.com.zone; do
	hz_check "installs /$f" test -e "$ROOT/$f"
done
hz_check "nothing under /usr/etc" test ! -e "$ROOT/usr/etc"
hz_check "the unit names the installed binary" grep -q '^ExecStart=/usr/sbin/horizond -c /etc/horizond/horizond.yaml$' \
	"$ROOT/usr/lib/systemd/system/horizond.service"
out=$(timeout 20 "$ROOT/usr/sbin/horizond" -c "$ROOT/etc/horizond/horizond.yaml" --check 2>&1)
hz_check "the installed config passes --check" grep -q ': ok: 2 views, 2 zones, 0 warnings$' <<<"$out"

# reinstall: an edited config stays
echo '# edited by the operator' >>"$ROOT/etc/horizond/horizond.yaml"
echo '; edited' >>"$ROOT/etc/horizond/internal/example.com.zone"
DESTDIR=$ROOT timeout 120 cmake --install "$HZ_BUILD_DIR" --prefix /usr >"$HZ_TMP/install2.log" 2>&1
hz_check "a reinstall keeps the edited config" grep -q '^# edited by the operator$' "$ROOT/etc/horizond/horizond.yaml"
hz_check "a reinstall keeps edited zone files" grep -q '^; edited$' "$ROOT/etc/horizond/internal/example.com.zone"
hz_check "and says so" grep -q 'Kept (exists): .*/etc/horizond/horizond.yaml' "$HZ_TMP/install2.log"
# /usr/local: the config still goes to /etc
DESTDIR=$HZ_TMP/local timeout 120 cmake --install "$HZ_BUILD_DIR" --prefix /usr/local >/dev/null 2>&1
hz_check "prefix /usr/local: the config still in /etc/horizond" test -f "$HZ_TMP/local/etc/horizond/horizond.yaml"
hz_check "prefix /usr/local: the unit names /usr/local/sbin" \
	grep -q '^ExecStart=/usr/local/sbin/horizond ' "$HZ_TMP/local/usr/local/lib/systemd/system/horizond.service"

# man pages: rendered with warnings on, none printed
if command -v man >/dev/null; then
	for m in man8/horizond.8 man8/horizonctl.8 man5/horizond.yaml.5; do
		w=$(LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$ROOT/usr/share/man/$m" 2>&1 >/dev/null)
		if [ -z "$w" ]; then hz_ok "man --warnings: $m is clean"; else hz_fail "man --warnings: $m" "$w"; fi
	done
else
	echo "(man not installed: man page checks skipped)"
fi

# the .deb
if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
	(cd "$HZ_BUILD_DIR" && timeout 300 cpack -G DEB -B "$HZ_TMP/pkg") >"$HZ_TMP/cpack.log" 2>&1
	deb=$(ls "$HZ_TMP"/pkg/horizond_*.deb 2>/dev/null | head -n 1)
	hz_check "cpack -G DEB builds a .deb" test -n "$deb"
	[ -n "$deb" ] || tail -n 20 "$HZ_TMP/cpack.log"
	if [ -n "$deb" ]; then
		contents=$(dpkg-deb -c "$deb")
		for f in ./usr/sbin/horizond ./usr/sbin/horizonctl ./usr/lib/systemd/system/horizond.service \
			./usr/share/man/man8/horizonctl.8 ./etc/horizond/horizond.yaml; do
			hz_check "the .deb holds $f" grep -q " $f\$" <<<"$contents"
		done
		mkdir "$HZ_TMP/ctrl"
		dpkg-deb -e "$deb" "$HZ_TMP/ctrl"
		hz_check "the config is a conffile" grep -qx /etc/horizond/horizond.yaml "$HZ_TMP/ctrl/conffiles"
		hz_check "the postinst creates the user" grep -q 'systemd-sysusers /usr/lib/sysusers.d/horizond.conf' "$HZ_TMP/ctrl/postinst"
		hz_check "the package depends on libevent's evhttp library" \
			grep -q 'libevent-extra' <<<"$(dpkg-deb -f "$deb" Depends)"
	fi
else
	echo "(cpack or dpkg-deb missing: .deb checks skipped)"
fi
hz_done

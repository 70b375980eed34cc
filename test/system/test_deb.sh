#!/usr/bin/env bash
# test_deb.sh -- the .deb that `cpack -G DEB` builds really installs: in a
# throwaway world (a private mount and PID namespace with overlayfs over
# /etc, /usr and /var and a fresh tmpfs on /run, all of it gone when the
# namespace ends) `dpkg -i` installs it, the postinst creates the horizond
# user, `systemd-analyze verify` accepts the installed unit (its man:
# references included), the installed man pages render without warnings,
# the installed /usr/sbin/horizond serves the installed config (on a high
# port, as user horizond) and `dpkg --purge` removes it. Afterwards the host
# has no horizond package, user or /etc/horizond that it did not have before.
# Skipped (77) when not root, without dpkg/cpack/unshare, where overlayfs
# cannot be mounted (a chroot, a restricted container), or where horizond is
# already installed on this host.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

# --- inside the namespace: "$0" --inside DEB DIR PORT ------------------------
if [ "${1:-}" = --inside ]; then
	DEB=$2 HZ_TMP=$3 HZ_PORT=$4
	export TMPDIR=$HZ_TMP/tmp   # nothing a maintainer script makes lands in the host's /tmp
	mkdir -p "$TMPDIR"
	trap 'echo "$HZ_PASS $HZ_FAILS" >"$HZ_TMP/inside.counts"' EXIT
	OVL=$HZ_TMP/ovl
	mkdir -p "$OVL"
	mount -t tmpfs -o mode=0755 horizond-deb-test "$OVL" || { echo "FAIL - tmpfs"; exit 1; }
	for d in etc usr var; do
		mkdir -p "$OVL/upper/$d" "$OVL/work/$d"
		mount -t overlay horizond-deb-test \
			-o "lowerdir=/$d,upperdir=$OVL/upper/$d,workdir=$OVL/work/$d" "/$d" ||
			{ hz_fail "overlay on /$d"; exit 1; }
	done
	# a fresh /run: no host daemon's socket (systemd's, nscd's) is reachable
	mount -t tmpfs -o mode=0755 horizond-deb-test /run || { hz_fail "tmpfs on /run"; exit 1; }
	[ "$DEB" != --probe ] || exit 0

	if dpkg -i "$DEB" >"$HZ_TMP/dpkg-i.log" 2>&1; then
		hz_ok "dpkg -i installs the .deb"
	else
		hz_fail "dpkg -i installs the .deb" "$(tail -n 20 "$HZ_TMP/dpkg-i.log")"
	fi
	hz_check "dpkg -s: install ok installed" \
		test "$(dpkg-query -W -f='${Status}' horizond 2>/dev/null)" = "install ok installed"
	hz_check "the postinst created the user horizond" sh -c "getent passwd horizond >/dev/null"
	hz_check "the user horizond has no login shell" \
		grep -Eq ':(/usr/sbin/nologin|/sbin/nologin|/bin/false)$' <<<"$(getent passwd horizond)"
	hz_check "the postinst created /var/lib/horizond" test -d /var/lib/horizond
	hz_check "the config is at /etc/horizond/horizond.yaml" test -f /etc/horizond/horizond.yaml
	out=$(timeout 20 /usr/sbin/horizond --check 2>&1)
	hz_check "the installed horizond --check accepts the installed config (no -c)" \
		grep -q ': ok: 2 views, 2 zones, 0 warnings$' <<<"$out"

	if command -v systemd-analyze >/dev/null; then
		# without --man=no: the unit's man: references must resolve to the installed pages
		if out=$(timeout 60 systemd-analyze verify /usr/lib/systemd/system/horizond.service 2>&1); then
			hz_ok "systemd-analyze verify accepts the installed unit"
		else
			hz_fail "systemd-analyze verify accepts the installed unit" "$out"
		fi
	else
		echo "(systemd-analyze not installed: unit check skipped)"
	fi
	if command -v man >/dev/null; then
		for p in "8 horizond" "8 horizonctl" "5 horizond.yaml"; do
			# shellcheck disable=SC2086 # section and name
			w=$(LC_ALL=C.UTF-8 MANPAGER=cat timeout 60 man --warnings -E UTF-8 $p 2>&1 >/dev/null)
			rc=$?
			if [ $rc -eq 0 ] && [ -z "$w" ]; then
				hz_ok "man --warnings $p: installed, no warnings"
			else
				hz_fail "man --warnings $p: installed, no warnings (status $rc)" "$w"
			fi
		done
	else
		echo "(man not installed: man page checks skipped)"
	fi

	# the installed binary with a copy of the installed config on a high
	# port, dropping to the packaged user (zones: the installed ones)
	sed -e "s|^  listen: .*|  listen: [127.0.0.1@$HZ_PORT]|" -e 's|^  # user: horizond .*|  user: horizond|' \
		/etc/horizond/horizond.yaml >/etc/horizond/test-deb.yaml
	hz_check "the copy drops to user horizond" grep -q '^  user: horizond$' /etc/horizond/test-deb.yaml
	HORIZOND=/usr/sbin/horizond
	if hz_start /etc/horizond/test-deb.yaml; then
		uid=$(awk '/^Uid:/ { print $2 }' "/proc/$HZ_PID/status")
		hz_check "the installed horizond runs as user horizond" test "$uid" = "$(id -u horizond)"
		hz_check "the installed horizond answers (external view)" \
			test "$(hz_dig 127.0.0.3 www.example.com A +short)" = 203.0.113.10
		hz_check "the installed horizonctl talks to it over /run/horizond/control" \
			sh -c "timeout 20 /usr/sbin/horizonctl status >/dev/null"
		hz_stop
	fi
	rm -f /etc/horizond/test-deb.yaml

	if dpkg --purge horizond >"$HZ_TMP/dpkg-purge.log" 2>&1; then
		hz_ok "dpkg --purge removes it"
	else
		hz_fail "dpkg --purge removes it" "$(tail -n 20 "$HZ_TMP/dpkg-purge.log")"
	fi
	hz_check "the package is gone" sh -c '! dpkg -s horizond >/dev/null 2>&1'
	hz_check "the binary is gone" test ! -e /usr/sbin/horizond
	hz_check "the purge removed the config (conffiles)" test ! -e /etc/horizond/horizond.yaml
	exit 0
fi

# --- outside: build the .deb, run the test in the namespace, check the host --
[ "$(id -u)" -eq 0 ] || { echo "SKIP - needs root (mount namespace, dpkg)"; exit 77; }
for t in unshare cpack dpkg dpkg-deb dpkg-query; do
	command -v "$t" >/dev/null || { echo "SKIP - $t not found"; exit 77; }
done
[ -f "$HZ_BUILD_DIR/CPackConfig.cmake" ] || { echo "SKIP - no CPack config in $HZ_BUILD_DIR"; exit 77; }
if dpkg-query -W horizond >/dev/null 2>&1; then
	echo "SKIP - horizond is known to dpkg on this host: the test could not tell its install apart"
	exit 77
fi
hz_init
host_state() {   # what the host has of horizond; must not change
	getent passwd horizond
	getent group horizond
	ls -d /etc/horizond /usr/sbin/horizond /usr/sbin/horizonctl \
		/usr/lib/systemd/system/horizond.service /var/lib/horizond 2>/dev/null
	dpkg-query -W horizond 2>&1 | grep -v 'no packages found matching'
	grep -c horizond-deb-test /proc/self/mountinfo
}
BEFORE=$(host_state)
NS=(timeout -s KILL 300 unshare --mount --propagation private --pid --fork --kill-child --mount-proc)

if ! "${NS[@]}" bash "$0" --inside --probe "$HZ_TMP/probe" 0 >"$HZ_TMP/probe.log" 2>&1 ||
	[ ! -s "$HZ_TMP/probe/inside.counts" ]; then
	# a chroot or a container without the mount privilege: no throwaway world here
	echo "SKIP - cannot mount overlayfs in a mount namespace here: $(tail -n 2 "$HZ_TMP/probe.log")"
	exit 77
fi

(cd "$HZ_BUILD_DIR" && timeout 300 cpack -G DEB -B "$HZ_TMP/pkg") >"$HZ_TMP/cpack.log" 2>&1
deb=$(ls "$HZ_TMP"/pkg/horizond_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || hz_die "cpack -G DEB builds a .deb" "$(tail -n 20 "$HZ_TMP/cpack.log")"
hz_ok "cpack -G DEB builds $(basename "$deb")"
# every path of the package is under an overlay: nothing can reach the host
outside=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -Ev '^\./($|(etc|usr)(/|$))')
[ -z "$outside" ] || hz_die "the .deb installs only under /etc and /usr" "$outside"
hz_ok "the .deb installs only under /etc and /usr (overlaid)"

"${NS[@]}" bash "$0" --inside "$deb" "$HZ_TMP/in" "$HZ_PORT" 2>&1
if [ -s "$HZ_TMP/in/inside.counts" ]; then
	read -r p f <"$HZ_TMP/in/inside.counts"
	HZ_PASS=$((HZ_PASS + p)) HZ_FAILS=$((HZ_FAILS + f))
else
	hz_fail "the test inside the namespace ran to its end"
fi
HZ_LOG=$HZ_TMP/in/horizond.log   # shown on failure

AFTER=$(host_state)
if [ "$AFTER" = "$BEFORE" ]; then
	hz_ok "the host is unchanged: no horizond package, user, group or files, no mount left"
else
	hz_fail "the host is unchanged" "$(diff <(echo "$BEFORE") <(echo "$AFTER"))"
fi
hz_check "the host does not know the package (dpkg -s fails)" sh -c '! dpkg -s horizond >/dev/null 2>&1'
hz_done

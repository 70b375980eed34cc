# net_lib.sh -- helpers for the transport and reload system tests: free port,
# start horizond and wait for "ready", stop it by PID, count results.
# Source it; needs HORIZOND (and HZ_SOURCE_DIR for data).
# SPDX-License-Identifier: BSD-3-Clause

NET_PASSED=0
NET_FAILED=0
NET_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hz-net.XXXXXX")
NET_PID=
NET_PORT=
NET_ERR=
NET_DATA="${HZ_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/test/system/data/net"
NET_CLIENT="python3 $NET_DATA/dnsclient.py"

: "${HORIZOND:?HORIZOND must point at the horizond binary}"

net_ok() { NET_PASSED=$((NET_PASSED + 1)); echo "ok: $*"; }
net_fail() { NET_FAILED=$((NET_FAILED + 1)); echo "FAIL: $*"; }

# net_check NAME EXPECTED ACTUAL
net_check() {
	if [ "$2" = "$3" ]; then net_ok "$1"; else net_fail "$1: expected '$2', got '$3'"; fi
}

# A port below the kernel's ephemeral range (as lib.sh's hz_pick_port) that is
# free for UDP and TCP on 127.0.0.1 and ::1.
net_pick_port() {
	python3 - <<'PY'
import random, socket
try:
    top = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    top = 32768
lo, hi = (10000, top - 1) if top - 1 >= 11000 else (20000, 29999)
for _ in range(100):
    port = random.randint(lo, hi)
    socks = []
    try:
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(fam, typ)
                socks.append(s)
                s.bind((host, port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    break
PY
}

# net_render TEMPLATE OUT: copy with @PORT@ replaced.
net_render() {
	sed "s/@PORT@/$NET_PORT/g" "$1" >"$2"
}

# net_wait_log PATTERN COUNT SECONDS: wait until the server's stderr has at
# least COUNT lines matching PATTERN (grep -E). Returns 1 on timeout or if
# the server died.
net_wait_log() {
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -le $deadline ]; do
		local n
		n=$(grep -cE "$1" "$NET_ERR" 2>/dev/null)
		[ "${n:-0}" -ge "$2" ] && return 0
		kill -0 "$NET_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# net_start TEMPLATE [EXTRA FILES...]: pick a port, render the config into
# the temp dir (next to copies of the extra files), start horizond, wait for
# "ready". Retries with another port if the bind failed. Sets NET_PID,
# NET_PORT, NET_ERR, NET_CONF.
net_start() {
	local template=$1
	shift
	local f
	for f in "$@"; do cp "$f" "$NET_TMP/"; done
	local try
	for try in 1 2 3 4 5; do
		NET_PORT=$(net_pick_port)
		NET_CONF="$NET_TMP/horizond.yaml"
		NET_ERR="$NET_TMP/stderr.$NET_PORT"
		net_render "$template" "$NET_CONF"
		"$HORIZOND" --allow-root -c "$NET_CONF" 2>"$NET_ERR" &
		NET_PID=$!
		if net_wait_log 'notice: ready' 1 20; then
			return 0
		fi
		if kill -0 "$NET_PID" 2>/dev/null; then
			kill -KILL "$NET_PID"
			wait "$NET_PID" 2>/dev/null
			echo "horizond did not become ready:"; cat "$NET_ERR"
			return 1
		fi
		wait "$NET_PID" 2>/dev/null
		if ! grep -q 'bind: Address already in use' "$NET_ERR"; then
			echo "horizond exited before ready:"; cat "$NET_ERR"
			return 1
		fi
	done
	return 1
}

# Sanitizer or UB reports in the server's stderr fail the test.
net_check_sanitizers() {
	if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer|ThreadSanitizer' "$NET_ERR"; then
		net_fail "sanitizer output in stderr"
		grep -E -A20 'runtime error|AddressSanitizer|LeakSanitizer|ThreadSanitizer' "$NET_ERR" | head -60
	else
		net_ok "no sanitizer output"
	fi
}

# net_stop: SIGTERM by PID, exit status must be 0 within 10 s.
net_stop() {
	[ -n "$NET_PID" ] || return 0
	kill -TERM "$NET_PID"
	local i
	for i in $(seq 1 100); do
		kill -0 "$NET_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NET_PID" 2>/dev/null; then
		net_fail "horizond still running 10 s after SIGTERM"
		kill -KILL "$NET_PID"
	fi
	wait "$NET_PID"
	local rc=$?
	net_check "exit status after SIGTERM" 0 "$rc"
	NET_PID=
	net_check_sanitizers
}

net_cleanup() {
	if [ -n "$NET_PID" ]; then
		kill -KILL "$NET_PID" 2>/dev/null
		wait "$NET_PID" 2>/dev/null
	fi
	rm -rf "$NET_TMP"
}
trap net_cleanup EXIT

# Print the summary line and exit 0 only if nothing failed.
net_finish() {
	echo "$NET_PASSED passed, $NET_FAILED failed"
	[ "$NET_FAILED" -eq 0 ] && [ "$NET_PASSED" -gt 0 ]
	exit $?
}

# net_big_zone SERIAL: $NET_TMP/big.zone, big.test with 20 000 A records and
# that serial, written to a new file and renamed over the old one (as
# docs/operations.md says to), for reloads of a zone of some size.
net_big_zone() {
	awk -v serial="$1" 'BEGIN {
		print "$ORIGIN big.test."; print "$TTL 300"
		print "@ IN SOA ns1 hostmaster " serial " 3600 600 86400 300"
		print "@ IN NS ns1"; print "ns1 IN A 192.0.2.53"
		for (i = 0; i < 20000; i++) printf "host%d IN A 10.0.%d.%d\n", i, int(i / 256) % 256, i % 256
	}' >"$NET_TMP/big.zone.new"
	mv "$NET_TMP/big.zone.new" "$NET_TMP/big.zone"
}

# net_dig ARGS...: dig with short timeouts, never the system resolver.
net_dig() {
	dig +time=2 +tries=2 +norecurse "$@"
}

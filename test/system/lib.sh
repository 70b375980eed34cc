# lib.sh -- shared helpers for horizond system tests (source it, don't run it).
#
# A system test starts the real daemon on loopback and talks to it with dig:
#
#   . "$(dirname "$0")/lib.sh"
#   hz_init                                   # temp dir, port, exit trap
#   hz_make_config "$HZ_SOURCE_DIR/test/data/x.yaml.in" "$HZ_TMP/x.yaml"
#   hz_start "$HZ_TMP/x.yaml"
#   hz_q 127.0.0.2 www.example.com A          # dig; output in $HZ_OUT
#   hz_expect_rcode "www A" NOERROR
#   hz_stop                                   # SIGTERM, expects exit 0
#   hz_done                                   # "N passed, M failed", exit status
#
# Environment (set by ctest, see test/CMakeLists.txt): HORIZOND (the binary),
# HZ_SOURCE_DIR, HZ_BUILD_DIR. When run by hand, the defaults below find
# build/horizond next to this checkout.
#
# Only 127.0.0.0/8 and ::1 are ever contacted.
# SPDX-License-Identifier: BSD-3-Clause

HZ_SOURCE_DIR=${HZ_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HZ_BUILD_DIR=${HZ_BUILD_DIR:-$HZ_SOURCE_DIR/build}
HORIZOND=${HORIZOND:-$HZ_BUILD_DIR/horizond}
HZ_START_TIMEOUT=${HZ_START_TIMEOUT:-20}   # seconds; ASan builds start slower
HZ_STOP_TIMEOUT=${HZ_STOP_TIMEOUT:-10}

HZ_PASS=0
HZ_FAILS=0
HZ_PID=
HZ_LOG=
HZ_TMP=
HZ_PORT=
HZ_OUT=
HZ_LAST_DETAILS=
HZ_RC=

# --- results --------------------------------------------------------------

# hz_ok DESC: count a passed check.
hz_ok() {
	HZ_PASS=$((HZ_PASS + 1))
	echo "ok   - $1"
}

# hz_fail DESC [DETAILS]: count a failed check; DETAILS (e.g. dig output) is
# printed indented so the ctest log shows what was seen (once, if several
# checks in a row fail on the same answer).
hz_fail() {
	HZ_FAILS=$((HZ_FAILS + 1))
	echo "FAIL - $1"
	if [ $# -gt 1 ] && [ -n "$2" ]; then
		if [ "$2" = "$HZ_LAST_DETAILS" ]; then
			echo "       | (same answer as above)"
		else
			printf '%s\n' "$2" | sed 's/^/       | /'
			HZ_LAST_DETAILS=$2
		fi
	fi
}

# hz_check DESC COMMAND...: ok if COMMAND succeeds, fail otherwise.
hz_check() {
	local desc=$1
	shift
	if "$@"; then hz_ok "$desc"; else hz_fail "$desc" "command failed: $*"; fi
}

# hz_done: print the summary line and exit 0 only if something passed and
# nothing failed.
hz_done() {
	echo "$HZ_PASS passed, $HZ_FAILS failed"
	if [ "$HZ_FAILS" -ne 0 ] || [ "$HZ_PASS" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# hz_die MESSAGE: a test cannot go on (server did not start...).
hz_die() {
	hz_fail "$1" "${2:-}"
	hz_done
}

# --- setup and teardown ---------------------------------------------------

# hz_init: check the binary and tools, make $HZ_TMP, pick $HZ_PORT and
# install an exit trap that stops a server left running.
hz_init() {
	[ -x "$HORIZOND" ] || { echo "FAIL - no horizond binary at $HORIZOND" >&2; exit 1; }
	command -v dig >/dev/null || { echo "FAIL - dig not found (apt-get install dnsutils)" >&2; exit 1; }
	HZ_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hz-test.XXXXXX")
	hz_pick_port
	HZ_MAIN_PID=$BASHPID
	trap hz_cleanup EXIT
}

# hz_cleanup: kill a server still running (test aborted), show its log if the
# test failed, remove the temp dir.
hz_cleanup() {
	# only the test's own shell cleans up, never a subshell that inherited
	# the trap (a watchdog killed right after its fork)
	[ "$BASHPID" = "${HZ_MAIN_PID:-}" ] || return 0
	if [ -n "$HZ_PID" ] && kill -0 "$HZ_PID" 2>/dev/null; then
		kill -KILL "$HZ_PID" 2>/dev/null
		wait "$HZ_PID" 2>/dev/null
	fi
	if [ "$HZ_FAILS" -ne 0 ] && [ -n "$HZ_LOG" ] && [ -f "$HZ_LOG" ]; then
		echo "--- last lines of $HZ_LOG:"
		tail -n 30 "$HZ_LOG"
	fi
	[ -n "$HZ_TMP" ] && rm -rf "$HZ_TMP"
}

# hz_port_free PORT: no socket uses PORT (TCP or UDP, any state, any
# address): a connected client socket on it would make our bind fail too.
hz_port_free() {
	[ -z "$(ss -Htuan "( sport = :$1 )" 2>/dev/null)" ]
}

# hz_pick_port: set HZ_PORT to a free port below the kernel's ephemeral range
# (so client sockets of other programs do not take it meanwhile), chosen at
# random so tests that ctest runs in parallel do not collide. The three ports
# above it must be free too: tests put metrics and second listeners there.
hz_pick_port() {
	local p lo=10000 hi top
	read -r top _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || top=32768
	hi=$((top - 1))
	[ "$hi" -gt $((lo + 1000)) ] || { lo=20000; hi=29999; }
	for _ in $(seq 1 100); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo - 2)))
		if hz_port_free "$p" && hz_port_free $((p + 1)) && hz_port_free $((p + 2)) &&
			hz_port_free $((p + 3)); then
			HZ_PORT=$p
			return 0
		fi
	done
	echo "FAIL - no free port found" >&2
	exit 1
}

# hz_make_config TEMPLATE OUT [DIR]: copy TEMPLATE to OUT replacing @PORT@
# with $HZ_PORT and @DIR@ with DIR (default: TEMPLATE's own directory, made
# absolute, so templates can name zone files that sit beside them).
hz_make_config() {
	local tpl=$1 out=$2 dir=${3:-}
	[ -n "$dir" ] || dir=$(cd "$(dirname "$tpl")" && pwd)
	sed -e "s|@PORT@|$HZ_PORT|g" -e "s|@DIR@|$dir|g" "$tpl" >"$out"
}

# hz_zone FILE ORIGIN [RECORD...]: write a small zone file for ORIGIN (no
# final dot): SOA serial 1, NS ns1, ns1 A 192.0.2.53, then each RECORD line.
hz_zone() {
	local f=$1 origin=$2
	shift 2
	printf '%s\n' "\$ORIGIN $origin." '$TTL 300' \
		'@ IN SOA ns1 hostmaster 1 3600 600 86400 300' '@ IN NS ns1' 'ns1 IN A 192.0.2.53' \
		"$@" >"$f"
}

# hz_start CONFIG [LOG]: start $HORIZOND -c CONFIG in the background with
# stderr in LOG (default $HZ_TMP/horizond.log), wait until it logs its
# "ready" line. Sets HZ_PID and HZ_LOG. Returns 1 (after a hz_fail) if the
# server exits or is not ready within $HZ_START_TIMEOUT seconds (then it is
# killed).
hz_start() {
	local conf=$1
	HZ_LOG=${2:-$HZ_TMP/horizond.log}
	: >"$HZ_LOG"
	"$HORIZOND" --allow-root -c "$conf" </dev/null >>"$HZ_LOG" 2>&1 &
	HZ_PID=$!
	for _ in $(seq 1 $((HZ_START_TIMEOUT * 10))); do
		# -w: the word itself ("already in use" must not count).
		if grep -qw 'ready' "$HZ_LOG"; then
			return 0
		fi
		if ! kill -0 "$HZ_PID" 2>/dev/null; then
			wait "$HZ_PID"
			hz_fail "horizond -c $conf exited (status $?) before it was ready" "$(tail -n 20 "$HZ_LOG")"
			HZ_PID=
			return 1
		fi
		sleep 0.1
	done
	hz_fail "horizond -c $conf not ready after ${HZ_START_TIMEOUT}s" "$(tail -n 20 "$HZ_LOG")"
	# a server that hangs while loading must not outlive the test
	kill -KILL "$HZ_PID" 2>/dev/null
	wait "$HZ_PID" 2>/dev/null
	HZ_PID=
	return 1
}

# hz_wait_exit PID TIMEOUT: wait for our child PID; kill -KILL it if it has
# not exited after TIMEOUT seconds. Sets HZ_RC to its exit status. (Not
# usable as $(...): a subshell cannot wait for its parent's children.)
hz_wait_exit() {
	local pid=$1 limit=$2 dog
	# A watchdog, because a child that exited stays a zombie (kill -0 still
	# succeeds) until it is waited for, so polling cannot tell.
	( trap - EXIT; sleep "$limit"; kill -KILL "$pid" 2>/dev/null ) >/dev/null 2>&1 &
	dog=$!
	wait "$pid"
	HZ_RC=$?
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
}

# hz_stop: SIGTERM the server, wait, and check it exited with status 0 and
# that its log is free of sanitizer reports.
hz_stop() {
	if [ -z "$HZ_PID" ]; then
		hz_fail "hz_stop: no server running"
		return 1
	fi
	kill -TERM "$HZ_PID"
	hz_wait_exit "$HZ_PID" "$HZ_STOP_TIMEOUT"
	HZ_PID=
	if [ "$HZ_RC" -eq 0 ]; then
		hz_ok "horizond exits 0 on SIGTERM"
	else
		hz_fail "horizond exits 0 on SIGTERM (status $HZ_RC; 137 = killed after ${HZ_STOP_TIMEOUT}s)" "$(tail -n 20 "$HZ_LOG")"
	fi
	hz_sanitizer_check "$HZ_LOG"
}

# hz_reload: SIGHUP the server and wait (20 s at most) until it logs the end
# of that reload ("reload: done" or "reload failed"). Sets HZ_RELOAD_LOG to
# the log lines written meanwhile. Returns 1 (after a hz_fail) on timeout.
hz_reload() {
	local lines ends
	lines=$(wc -l <"$HZ_LOG")
	ends=$(grep -c 'reload: done\|reload failed' "$HZ_LOG")
	kill -HUP "$HZ_PID"
	for _ in $(seq 1 200); do
		if [ "$(grep -c 'reload: done\|reload failed' "$HZ_LOG")" -gt "$ends" ]; then
			HZ_RELOAD_LOG=$(tail -n +$((lines + 1)) "$HZ_LOG")
			return 0
		fi
		sleep 0.1
	done
	HZ_RELOAD_LOG=$(tail -n +$((lines + 1)) "$HZ_LOG")
	hz_fail "no end of the reload 20 s after SIGHUP" "$HZ_RELOAD_LOG"
	return 1
}

# hz_sanitizer_check LOG: fail if LOG holds an ASan/UBSan/LSan report.
hz_sanitizer_check() {
	local hits
	hits=$(grep -E 'runtime error|AddressSanitizer|LeakSanitizer' "$1" 2>/dev/null | head -n 5)
	if [ -n "$hits" ]; then
		hz_fail "no sanitizer reports in $(basename "$1")" "$hits"
	else
		hz_ok "no sanitizer reports in $(basename "$1")"
	fi
}

# --- queries --------------------------------------------------------------

# hz_dig SRC ARGS...: dig the server from source address SRC (an address in
# 127.0.0.0/8 or ::1; an IPv6 source talks to the server on ::1), no
# recursion desired, one try of 2 s. Extra ARGS go to dig as they are.
hz_dig() {
	local src=$1 server=127.0.0.1
	shift
	case $src in *:*) server=::1 ;; esac
	dig "@$server" -p "$HZ_PORT" -b "$src" +norec +time=2 +tries=1 "$@"
}

# hz_nsupdate SRC ZONE [NSUPDATE-OPTIONS...] <<<COMMANDS: send one dynamic
# update for ZONE from SRC to the server (UDP, 5 s, one retry; the whole run
# bounded by 30 s so that a server that never answers cannot hang the test).
# nsupdate's output is printed; its status is returned.
hz_nsupdate() {
	local src=$1 zone=$2
	shift 2
	{
		echo "server 127.0.0.1 $HZ_PORT"
		echo "local $src"
		echo "zone $zone"
		cat
		echo "send"
	} | timeout 30 nsupdate -t 5 -u 1 "$@" 2>&1
}

# hz_q SRC ARGS...: hz_dig, output kept in $HZ_OUT for the hz_expect_* checks.
hz_q() {
	HZ_OUT=$(hz_dig "$@" 2>&1)
}

# hz_rcode: the status of the last answer ("NOERROR", "NXDOMAIN", ...), or
# nothing if there was no answer.
hz_rcode() {
	printf '%s\n' "$HZ_OUT" | sed -n 's/.*status: \([A-Z0-9]*\),.*/\1/p' | tail -n 1
}

# hz_flags: the header flags of the last answer, e.g. "qr aa".
hz_flags() {
	printf '%s\n' "$HZ_OUT" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' | tail -n 1
}

# hz_section NAME: the records of section NAME (QUESTION, ANSWER, AUTHORITY,
# ADDITIONAL) of the last answer, one per line.
hz_section() {
	printf '%s\n' "$HZ_OUT" | awk -v want=";; $1 SECTION:" '
		$0 == want { on = 1; next }
		on && /^$/ { exit }
		on { print }'
}

# hz_has_flag FLAG: the last answer has header flag FLAG (qr, aa, tc, ra...).
hz_has_flag() {
	case " $(hz_flags) " in *" $1 "*) return 0 ;; esac
	return 1
}

# hz_expect_rcode DESC RCODE
hz_expect_rcode() {
	local got
	got=$(hz_rcode)
	if [ "$got" = "$2" ]; then hz_ok "$1: $2"; else hz_fail "$1: expected $2, got '${got:-no answer}'" "$HZ_OUT"; fi
}

# hz_expect_flag DESC FLAG / hz_expect_noflag DESC FLAG
hz_expect_flag() {
	if hz_has_flag "$2"; then hz_ok "$1: flag $2"; else hz_fail "$1: expected flag $2, flags '$(hz_flags)'" "$HZ_OUT"; fi
}
hz_expect_noflag() {
	if hz_has_flag "$2"; then hz_fail "$1: unexpected flag $2" "$HZ_OUT"; else hz_ok "$1: no flag $2"; fi
}

# hz_expect_in DESC SECTION REGEX: some record of SECTION matches REGEX
# (extended, case-insensitive; fields are whitespace-separated as dig prints).
hz_expect_in() {
	if hz_section "$2" | grep -Eqi -- "$3"; then
		hz_ok "$1: $2 has /$3/"
	else
		hz_fail "$1: $2 section lacks /$3/" "$HZ_OUT"
	fi
}

# hz_expect_notin DESC SECTION REGEX: no record of SECTION matches REGEX.
hz_expect_notin() {
	if hz_section "$2" | grep -Eqi -- "$3"; then
		hz_fail "$1: $2 section must not have /$3/" "$HZ_OUT"
	else
		hz_ok "$1: $2 lacks /$3/"
	fi
}

# hz_expect_count DESC SECTION N: SECTION holds exactly N records.
hz_expect_count() {
	local n
	n=$(hz_section "$2" | grep -c .)
	if [ "$n" -eq "$3" ]; then hz_ok "$1: $3 record(s) in $2"; else hz_fail "$1: expected $3 record(s) in $2, got $n" "$HZ_OUT"; fi
}

# hz_rr NAME TYPE DATA: a regex for one record line as dig prints it
# ("www.example.com. 300 IN A 192.168.1.20"), any TTL.
hz_rr() {
	local name=${1//./\\.}
	local data=${3//./\\.}
	printf '^%s[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+%s[[:space:]]+%s$' "$name" "$2" "$data"
}

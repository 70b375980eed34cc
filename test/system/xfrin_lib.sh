# xfrin_lib.sh -- helpers for the secondary-zone tests (test_xfrin_*.sh):
# write a zone for the third-party primary, wait for an answer to change.
# Source it after lib.sh.
# SPDX-License-Identifier: BSD-3-Clause

XFR_SECRET="eGZyLXNlY3JldC1mb3ItdGhlLXNlY29uZGFyeS0xMjM0"

# xfr_zone FILE SERIAL REFRESH RETRY EXPIRE [EXTRA-RECORD...]: example.com.
xfr_zone() {
	local f=$1 serial=$2 refresh=$3 retry=$4 expire=$5
	shift 5
	{
		echo '$ORIGIN example.com.'
		echo '$TTL 300'
		echo "@ IN SOA ns1.example.com. hostmaster.example.com. $serial $refresh $retry $expire 60"
		echo '@ IN NS ns1.example.com.'
		echo 'ns1 IN A 192.0.2.53'
		echo 'www IN A 192.0.2.1'
		for r in "$@"; do echo "$r"; done
	} >"$f"
}

# xfr_wait SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds;
# false after SECONDS (a bound against hangs, not a timing assumption).
xfr_wait() {
	local limit=$1
	shift
	for _ in $(seq 1 $((limit * 5))); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# xfr_expect DESC SECONDS COMMAND...: a check that COMMAND succeeds within
# SECONDS (xfr_wait); on failure the server log's tail is shown.
xfr_expect() {
	local desc=$1 limit=$2
	shift 2
	if xfr_wait "$limit" "$@"; then
		hz_ok "$desc"
	else
		hz_fail "$desc" "$(tail -n 20 "$HZ_LOG")"
	fi
}

# xfr_answer_is SRC NAME TYPE WANT: the server's short answer is WANT.
xfr_answer_is() {
	[ "$(hz_dig "$1" +short "$2" "$3" 2>/dev/null)" = "$4" ]
}

# xfr_rcode_is SRC NAME TYPE RCODE
xfr_rcode_is() {
	hz_q "$1" "$2" "$3"
	[ "$(hz_rcode)" = "$4" ]
}

# xfr_stop_pid PID: SIGTERM a primary we started, KILL after 10 s.
xfr_stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	hz_wait_exit "$1" 10
}

# user_sampled.sh -- a server's user time, sampled on its CPU (source it),
# for bench/compare.sh and bench/own_cpu.sh. The kernel's user/system split
# (/proc/PID/stat) is taken at the 250 Hz timer tick and did not repeat on
# our VM; perf's software timer samples the CPU at 5 kHz instead, and a
# sample whose instruction address is below the kernel's is user time.
# SPDX-License-Identifier: BSD-3-Clause

USER_SAMPLE_HZ=5000

# user_sample_start FILE SECONDS: record CPU 0 for SECONDS into FILE, in the
# background ($! is perf's PID: wait for it before user_sample_us).
user_sample_start() {
	perf record -q -e cpu-clock -F "$USER_SAMPLE_HZ" -C 0 -o "$1" -- sleep "$2" >/dev/null 2>&1 &
}

# user_sample_us FILE QUERIES PID...: the user µs per query of the processes
# PID... in FILE's recording ("%.3f"; empty if QUERIES is 0).
user_sample_us() {
	local rec=$1 q=$2
	shift 2
	perf script -i "$rec" -F pid,ip 2>/dev/null |
		awk -v pids=" $* " -v q="$q" -v hz="$USER_SAMPLE_HZ" '
			index(pids, " " $1 " ") && $2 !~ /^ffff/ { u++ }
			END { if (q > 0) printf "%.3f\n", u / hz / q * 1e6 }'
}

#!/usr/bin/env bash
# test.sh -- install dependencies, then build and run the whole test suite
# twice: a normal build (build/) and an ASan+UBSan build (build-asan/).
# Then each fuzz harness runs briefly (scripts/fuzz.sh). Exit status 0 only
# if everything passes. Run as root on Debian 12 (deps.sh installs
# packages); on a machine that has them all, any user will do.
# HZ_JOBS sets build and ctest parallelism (default: number of CPUs).
# SPDX-License-Identifier: BSD-3-Clause
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
jobs=${HZ_JOBS:-$(nproc)}
export HZ_JOBS=$jobs

scripts/deps.sh || exit 1

# run_suite DIR CMAKE-OPTIONS...: build in DIR and run ctest there.
run_suite() {
	local dir=$1
	shift
	echo "=== $dir: build"
	scripts/build.sh "$dir" "$@" || return 1
	echo "=== $dir: test"
	ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

status=0
run_suite build || status=1

# Sanitizers: stop at the first report, with a stack; leaks fail the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_suite build-asan -DHZ_SANITIZE=ON || status=1

# A short fuzzing run of every harness (clang + libFuzzer, ASan + UBSan):
# a fixed number of executions from a fixed seed, so the run is the same on
# every machine; the 10-minute runs are recorded in docs/fuzzing.md.
# HZ_FUZZ_RUNS=0 skips it.
fuzz_runs=${HZ_FUZZ_RUNS:-100000}
if [ "$fuzz_runs" -gt 0 ]; then
	echo "=== fuzz: $fuzz_runs runs per harness, seed 1"
	if FUZZ_RUNS=$fuzz_runs scripts/fuzz.sh 600; then
		echo "=== fuzz: every harness ran clean"
	else
		echo "=== fuzz: FAILED (see above)"
		status=1
	fi
fi

if [ $status -eq 0 ]; then
	echo "=== all tests passed (build/ and build-asan/)"
else
	echo "=== FAILED: see the output above"
fi
exit $status

#!/usr/bin/env bash
# fuzz.sh -- build the libFuzzer harnesses with clang (ASan+UBSan) and run each
# for SECONDS (default 60), one after another, from a copy of its seed corpus.
#
#   scripts/fuzz.sh [SECONDS]
#
# A dictionary test/fuzz/<target>.dict is passed with -dict when present.
# Environment: FUZZ_TARGETS="query conf" to run only some harnesses;
# FUZZ_RUNS=N runs N executions from seed 1 instead of SECONDS (the same run
# on every machine); FUZZ_BUILD_DIR (default build-fuzz); FUZZ_KEEP_CORPUS=1 keeps the grown
# corpus in $FUZZ_BUILD_DIR/corpus/<target>. Exits 1 if any harness reports a
# crash, leak, timeout, out-of-memory or UBSan error; its input is left in
# $FUZZ_BUILD_DIR/artifacts/<target>/ -- copy it into test/fuzz/<target>.in/
# as regress-<what> (.gitignore drops crash-*)
# so the replay tests (ctest -R fuzz/) reproduce it.
# SPDX-License-Identifier: BSD-3-Clause
set -euo pipefail

seconds=${1:-60}
case $seconds in
	''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
case $build in /*) ;; *) build=$PWD/$build ;; esac

command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang)" >&2; exit 2; }

CC=clang cmake -S "$src" -B "$build" -DHZ_FUZZ=ON -DHZ_SANITIZE=ON -DHZ_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=${FUZZ_TARGETS:-$(cd "$src/test/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
cmake --build "$build" -j2 --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
summary=""
for t in $targets; do
	bin=$build/test/fuzz/fuzz_$t
	seeds=$src/test/fuzz/$t.in
	artifacts=$build/artifacts/$t
	log=$build/fuzz-$t.log
	mkdir -p "$artifacts"
	work=$(mktemp -d "${TMPDIR:-/tmp}/hzfuzz-$t.XXXXXX")
	mkdir "$work/corpus"
	cp "$seeds"/* "$work/corpus/"
	if [ -n "${FUZZ_RUNS:-}" ]; then what="$FUZZ_RUNS runs from seed 1"; else what="${seconds}s"; fi
	echo "== fuzz_$t: $what, $(ls "$seeds" | wc -l) seeds, log $log"
	dict=()
	if [ -f "$src/test/fuzz/$t.dict" ]; then
		dict=(-dict="$src/test/fuzz/$t.dict")
	fi
	rc=0
	# run in an empty directory: harnesses that follow relative paths
	# ($INCLUDE in zone files) find nothing of ours there
	# FUZZ_RUNS=N: N executions from a fixed seed instead of SECONDS of time,
	# so a run is the same on every machine (the test suite uses this)
	if [ -n "${FUZZ_RUNS:-}" ]; then
		budget=(-runs="$FUZZ_RUNS" -seed=1)
	else
		budget=(-max_total_time="$seconds")
	fi
	(cd "$work" && "$bin" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
		corpus) >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$last")
	units=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
	found=$(ls "$artifacts" | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ] || grep -qE 'runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log"; then
		status=1
		echo "!! fuzz_$t FAILED (exit $rc); inputs in $artifacts:" >&2
		ls -l "$artifacts" >&2
		grep -E -A30 'runtime error|ERROR: ' "$log" | head -60 >&2 || true
		line="fuzz_$t: FAILED, execs=${execs:-?} cov=${cov:-?} ft=${ft:-?}"
	else
		line="fuzz_$t: ok, ${FUZZ_RUNS:+seed 1, }execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} corpus=${units:-?}"
	fi
	echo "$line"
	summary+="$line"$'\n'
	if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
		mkdir -p "$build/corpus/$t"
		cp "$work/corpus"/* "$build/corpus/$t/"
	fi
	rm -rf "$work"
done
printf '\n%s' "$summary"
exit $status

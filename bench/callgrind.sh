#!/usr/bin/env bash
# callgrind.sh [NAMES] -- instructions per query of query_answer(), counted by
# valgrind (repeatable: does not depend on machine noise).
# Runs bench/query_bench on a generated two-view zone of NAMES hosts (default
# 100000) twice, with 1 and 3 passes over the 10,000 queries; the difference
# divided by 20,000 is the cost of one query, without loading and set-up.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${HZ_BUILD_DIR:-$here/../build}
names=${1:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_zone.py" "$work" "$names"
count() {
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" \
		"$build/bench/query_bench" "$work/horizond.yaml" "$work/queries.txt" "$1" >/dev/null 2>&1
	callgrind_annotate "$work/cg.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
one=$(count 1)
three=$(count 3)
echo "names: $names per view, 2 views; queries: 10000 (70% A, 10% AAAA, 10% CNAME, 10% NXDOMAIN)"
echo "instructions per query: $(( (three - one) / 20000 ))"

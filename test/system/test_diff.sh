#!/bin/bash
# test_diff.sh -- differential test against BIND 9 (test/diff/run.py).
# Needs bind9 and python3-dnspython (listed in scripts/packages.txt); a
# missing dependency is a failure, not a skip.
# SPDX-License-Identifier: BSD-3-Clause
set -u
src=${HZ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${HORIZOND:?HORIZOND must name the horizond binary}"

. "$(dirname "$0")/python_lib.sh"
if ! py=$(hz_python dns.message yaml); then
	echo "test_diff: FAIL: no python3 with dnspython and yaml (apt-get install python3-dnspython python3-yaml)" >&2
	exit 1
fi
if ! command -v named >/dev/null 2>&1 && [ ! -x /usr/sbin/named ]; then
	echo "test_diff: FAIL: BIND's named not found (apt-get install bind9)" >&2
	exit 1
fi
export PATH="$PATH:/usr/sbin"
exec "$py" "$src/test/diff/run.py" --horizond "$HORIZOND"

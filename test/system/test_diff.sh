#!/bin/bash
# test_diff.sh -- differential test against BIND 9 (test/diff/run.py).
# Needs bind9 and python3-dnspython (listed in scripts/packages.txt); a
# missing dependency is a failure, not a skip.
# SPDX-License-Identifier: BSD-3-Clause
set -u
src=${HZ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${HORIZOND:?HORIZOND must name the horizond binary}"

# Debian's python3 has python3-dnspython; a python3 earlier in PATH (pyenv,
# venv) may not.
py=
for cand in /usr/bin/python3 python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import dns.message, yaml' 2>/dev/null; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "test_diff: FAIL: no python3 with dnspython and yaml (apt-get install python3-dnspython python3-yaml)" >&2
	exit 1
fi
if ! command -v named >/dev/null 2>&1 && [ ! -x /usr/sbin/named ]; then
	echo "test_diff: FAIL: BIND's named not found (apt-get install bind9)" >&2
	exit 1
fi
export PATH="$PATH:/usr/sbin"
exec "$py" "$src/test/diff/run.py" --horizond "$HORIZOND"

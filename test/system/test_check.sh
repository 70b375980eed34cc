#!/usr/bin/env bash
# test_check.sh -- horizond -c FILE --check: every mistake reported as
# FILE:LINE, exit 1 on errors, warnings alone exit 0, nothing bound.
#
# The configs in test/data/check/ carry their expectations: a line ending in
# "# <- error" (or "; <- error" in a zone file) must be reported as
# "FILE:LINE: message", a "<- warning" line as "FILE:LINE: warning: message".
# Zone file markers are only expected when the config itself has none (a
# config with errors need not get as far as reading zones).
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init
DATA=$HZ_SOURCE_DIR/test/data/check

# run_check CONFIG: run --check, output in $HZ_OUT, exit status in $HZ_RC.
run_check() {
	HZ_OUT=$("$HORIZOND" -c "$1" --check 2>&1 </dev/null)
	HZ_RC=$?
}

# markers FILE KIND: line numbers of FILE marked "<- KIND".
markers() {
	grep -n -- "<- $2\$" "$1" | cut -d: -f1
}

# zone_files CONFIG: the zone files CONFIG names, as paths.
zone_files() {
	sed -n 's/^[[:space:]]*file:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$1" |
		while read -r f; do echo "$(dirname "$1")/$f"; done
}

# expect_reported CONFIG FILE LINE KIND: the output names FILE:LINE as an
# error (KIND=error) or a warning.
expect_reported() {
	local conf=$1 base line=$3 kind=$4 hits
	base=$(basename "$2")
	hits=$(printf '%s\n' "$HZ_OUT" | grep -E "(^|/)${base//./\\.}:$line: ")
	if [ "$kind" = warning ]; then
		hits=$(printf '%s\n' "$hits" | grep ': warning: ')
	else
		hits=$(printf '%s\n' "$hits" | grep -v ': warning: ')
	fi
	if [ -n "$hits" ]; then
		hz_ok "$(basename "$conf"): $kind at $base:$line"
	else
		hz_fail "$(basename "$conf"): expected $kind at $base:$line" "$HZ_OUT"
	fi
}

# expect_markers CONFIG KIND: every KIND marker of CONFIG (else of its zone
# files) is reported.
expect_markers() {
	local conf=$1 kind=$2 line z found=0
	for line in $(markers "$conf" "$kind"); do
		expect_reported "$conf" "$conf" "$line" "$kind"
		found=1
	done
	[ "$found" -eq 1 ] && return
	for z in $(zone_files "$conf"); do
		for line in $(markers "$z" "$kind"); do
			expect_reported "$conf" "$z" "$line" "$kind"
			found=1
		done
	done
	[ "$found" -eq 1 ] || hz_fail "$(basename "$conf"): test data has no '<- $kind' marker"
}

expect_exit() {
	if [ "$HZ_RC" -eq "$2" ]; then
		hz_ok "$1: exit $2"
	else
		hz_fail "$1: expected exit $2, got $HZ_RC" "$HZ_OUT"
	fi
}

# --- the shipped configs are clean -----------------------------------------
for conf in "$HZ_SOURCE_DIR/zones/horizond.yaml" "$HZ_SOURCE_DIR/zones/docker.yaml"; do
	name=zones/$(basename "$conf")
	run_check "$conf"
	expect_exit "$name --check" 0
	# Only the summary line: no "FILE:LINE: ..." and no "warning:" lines.
	if printf '%s\n' "$HZ_OUT" | grep -Eq ':[0-9]+: |warning: |error'; then
		hz_fail "$name --check: no errors or warnings" "$HZ_OUT"
	else
		hz_ok "$name --check: no errors or warnings"
	fi
done

# --check binds nothing: it succeeds while another program holds the port
# (without SO_REUSEPORT, so any bind by horizond to it would fail).
cp -r "$HZ_SOURCE_DIR/zones" "$HZ_TMP/zones"
sed -i "s/@5300/@$HZ_PORT/g" "$HZ_TMP/zones/horizond.yaml"
python3 - "$HZ_PORT" "$HZ_TMP/held" <<'PY' &
import socket, sys, time, os
port = int(sys.argv[1])
socks = []
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(fam, typ)
        s.bind((addr, port))
        if typ == socket.SOCK_STREAM:
            s.listen(1)
        socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(30)
PY
holder=$!
for _ in $(seq 1 50); do [ -e "$HZ_TMP/held" ] && break; sleep 0.1; done
if [ -e "$HZ_TMP/held" ]; then
	run_check "$HZ_TMP/zones/horizond.yaml"
	expect_exit "--check while the listen port is taken" 0
	if printf '%s\n' "$HZ_OUT" | grep -q 'ready'; then
		hz_fail "--check does not serve" "$HZ_OUT"
	else
		hz_ok "--check does not serve"
	fi
else
	hz_fail "could not hold port $HZ_PORT for the --check bind test"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# --- a config that is not there ----------------------------------------------
run_check "$HZ_TMP/no-such-file.yaml"
expect_exit "missing config" 1
if printf '%s\n' "$HZ_OUT" | grep -q 'no-such-file\.yaml'; then
	hz_ok "missing config: names the file"
else
	hz_fail "missing config: names the file" "$HZ_OUT"
fi

# --- one mistake per config: exit 1 and FILE:LINE ------------------------------
for name in bad-yaml unknown-key bad-prefix undefined-acl duplicate-view duplicate-zone bad-record \
	shared-writable; do
	conf=$DATA/$name.yaml
	run_check "$conf"
	expect_exit "$name.yaml" 1
	expect_markers "$conf" error
done
# ... and the message names the other entry too (the one that allows updates)
if printf '%s\n' "$HZ_OUT" | grep -q "shared-writable\.yaml:15: .*in view 'lan' (line 9), and that one allows updates"; then
	hz_ok "shared-writable.yaml: names both entries"
else
	hz_fail "shared-writable.yaml: names both entries" "$HZ_OUT"
fi

# A zone without an SOA: reported at the config's zone entry, or in the zone
# file itself (which has no line to point at).
conf=$DATA/no-soa.yaml
run_check "$conf"
expect_exit "no-soa.yaml" 1
line=$(markers "$conf" error)
if printf '%s\n' "$HZ_OUT" | grep -Eq "(^|/)no-soa\.yaml:$line: |(^|/)no-soa\.zone(:[0-9]+)?: .*SOA"; then
	hz_ok "no-soa.yaml: reported at no-soa.yaml:$line or no-soa.zone"
else
	hz_fail "no-soa.yaml: reported at no-soa.yaml:$line or no-soa.zone" "$HZ_OUT"
fi

# Several mistakes in one file: all of them are reported.
conf=$DATA/many.yaml
run_check "$conf"
expect_exit "many.yaml" 1
expect_markers "$conf" error

# --- warnings alone: exit 0 --------------------------------------------------
for name in warn-unreachable warn-no-zones; do
	conf=$DATA/$name.yaml
	run_check "$conf"
	expect_exit "$name.yaml" 0
	expect_markers "$conf" warning
done

# A private address served to public clients: where the warning points
# (the zone file's record, the view, the zone entry) is the server's choice.
conf=$DATA/warn-private.yaml
run_check "$conf"
expect_exit "warn-private.yaml" 0
if printf '%s\n' "$HZ_OUT" | grep -Eq '(warn-private\.yaml|private\.zone)(:[0-9]+)?: warning: '; then
	hz_ok "warn-private.yaml: warning about the private address"
else
	hz_fail "warn-private.yaml: warning about the private address" "$HZ_OUT"
fi

hz_done

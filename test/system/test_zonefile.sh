#!/usr/bin/env bash
# test_zonefile.sh -- the zone-file reader through the real binary: a zone
# file or $INCLUDE that is a FIFO is refused at once (--check, start, and a
# SIGHUP reload: the loader never blocks and SIGTERM still stops the server,
# issue 9 item 8); a last line without newline loads and --check warns; an
# $INCLUDEd file that is not a zone file is reported without quoting it;
# class-before-TTL and $GENERATE records are served (issue 10).
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init

D=$HZ_TMP
CONF=$D/horizond.yaml
cat >"$CONF" <<EOF
server:
  listen: [127.0.0.1@$HZ_PORT]
views:
  - name: all
    match-clients: [any]
    zones:
      - name: example.org
        file: zone.db
EOF

# write_zone [EXTRA-LINE]: a good zone, written then renamed into place.
write_zone() {
	{
		echo '$TTL 300'
		echo '@ IN SOA ns1 hostmaster 1 3600 600 86400 300'
		echo '@ IN NS ns1'
		echo 'ns1 IN 600 A 192.0.2.53'
		echo '$GENERATE 1-20 host-${0,2} A 192.0.2.$'
		[ $# -gt 0 ] && echo "$1"
	} >"$D/zone.tmp"
	mv "$D/zone.tmp" "$D/zone.db"
}

# check DESC WANT-RC PATTERN: horizond --check under a 20 s bound; exits
# WANT-RC and prints a line matching PATTERN (grep -E).
check() {
	local out rc
	out=$(timeout 20 "$HORIZOND" -c "$CONF" --check 2>&1)
	rc=$?
	if [ "$rc" -eq 124 ]; then
		hz_fail "$1: --check still running after 20 s" "$out"
	elif [ "$rc" -ne "$2" ]; then
		hz_fail "$1: --check exit status $rc, expected $2" "$out"
	elif ! grep -qE "$3" <<<"$out"; then
		hz_fail "$1: no line matching '$3'" "$out"
	else
		hz_ok "$1"
	fi
	CHECK_OUT=$out
}

# --- a FIFO as zone file, as $INCLUDE -------------------------------------------------
mkfifo "$D/zone.db"
check "zone file is a FIFO: refused at once" 1 \
	"zone\.db: cannot read zone file: not a regular file \(a FIFO\)"
rm "$D/zone.db"
mkfifo "$D/part.fifo"
write_zone '$INCLUDE part.fifo'
check "\$INCLUDE of a FIFO: refused at once, at FILE:LINE" 1 \
	"zone\.db:6: cannot read included file .*part\.fifo: not a regular file \(a FIFO\)"

# --- no newline after the last line: loads, --check warns ---------------------------
write_zone
printf 'last IN A 192.0.2.99' >>"$D/zone.db"
check "no newline at the end: loads, --check warns" 0 \
	"zone\.db:6: warning: last line has no newline"

# --- an \$INCLUDE of a file that is not a zone file: nothing of it is quoted --------
printf 'root:$y$j9T$S3CRETHASH:19000:0:99999:7:::\n' >"$D/shadow"
write_zone "\$INCLUDE $D/shadow"
check "\$INCLUDE of a non-zone file: reported at its FILE:LINE" 1 \
	"shadow:1: invalid domain name character \(included file; its text is not shown"
if grep -q 'S3CRET\|root' <<<"$CHECK_OUT"; then
	hz_fail "\$INCLUDE of a non-zone file: its text is not printed" "$CHECK_OUT"
else
	hz_ok "\$INCLUDE of a non-zone file: its text is not printed"
fi

# --- serving, then a reload that meets a FIFO, then SIGTERM ---------------------------
write_zone 'www IN 120 A 192.0.2.80'
hz_start "$CONF" || hz_done
hz_q 127.0.0.1 www.example.org A
WWW_RE='^www\.example\.org\.[[:space:]]+120[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80$'
hz_expect_in "class before TTL served, with its TTL" ANSWER "$WWW_RE"
hz_q 127.0.0.1 host-07.example.org A
hz_expect_in "\$GENERATE record served" ANSWER "$(hz_rr host-07.example.org. A 192.0.2.7)"

write_zone '$INCLUDE part.fifo'
before=$(grep -c 'reload failed' "$HZ_LOG")
kill -HUP "$HZ_PID"
for _ in $(seq 1 200); do
	[ "$(grep -c 'reload failed' "$HZ_LOG")" -gt "$before" ] && break
	sleep 0.1
done
if [ "$(grep -c 'reload failed' "$HZ_LOG")" -gt "$before" ] &&
	grep -q 'not a regular file (a FIFO)' "$HZ_LOG"; then
	hz_ok "reload meeting a FIFO fails at once, old data kept"
else
	hz_fail "reload meeting a FIFO fails at once, old data kept" "$(tail -n 20 "$HZ_LOG")"
fi
hz_q 127.0.0.1 www.example.org A
hz_expect_in "old data still served after the failed reload" ANSWER "$WWW_RE"
hz_stop
hz_done

#!/usr/bin/env bash
# test_autoptr.sh -- zones auto-ptr synthesizes, across reloads: a SIGHUP
# that changes nothing logs nothing about them and keeps them; a real
# reverse zone that takes over from a synthesized one is "added", not a
# serial change, and the other way round "removed"; a serial that goes
# backwards is a warning. --dump-view prints them, and zones with updates
# as they are served (file + journal).
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init

KEY="hmac-sha256:dhcp-key:c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
CONF=$HZ_TMP/horizond.yaml

cat >"$HZ_TMP/lan.zone" <<'EOF'
$TTL 300
@ SOA ns1 hostmaster 100 3600 900 604800 300
@ NS ns1
ns1 A 192.168.1.1
www A 192.168.1.20
nas AAAA 2001:db8:1:2::20
EOF
write_net_zone() { # write_net_zone SERIAL
	printf '$TTL 300\n@ SOA ns1 hostmaster %s 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n' "$1" \
		>"$HZ_TMP/net.zone.tmp"
	mv "$HZ_TMP/net.zone.tmp" "$HZ_TMP/net.zone"
}
write_net_zone 100
cat >"$HZ_TMP/rev.zone" <<'EOF'
$TTL 300
@ SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300
@ NS ns1.example.com.
20 PTR static-www.example.com.
EOF

write_conf() { # write_conf [EXTRA-ZONE-ENTRY]
	cat >"$CONF.tmp" <<EOF
server:
  listen: [127.0.0.1@$HZ_PORT]
  workers: 1
keys:
  - name: dhcp-key
    algorithm: hmac-sha256
    secret: "${KEY##*:}"
views:
  - name: dhcp
    match-clients: [any]
    zones:
      - name: example.com
        file: lan.zone
        allow-update: [key dhcp-key]
        auto-ptr: true
      - {name: example.net, file: net.zone}
EOF
	[ $# -gt 0 ] && echo "      - $1" >>"$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}

log_has() { # log_has DESC REGEX
	if grep -Eq -- "$2" <<<"$HZ_RELOAD_LOG"; then hz_ok "$1"; else hz_fail "$1: no /$2/ in the reload's log" "$HZ_RELOAD_LOG"; fi
}
log_lacks() { # log_lacks DESC REGEX
	if grep -Eq -- "$2" <<<"$HZ_RELOAD_LOG"; then hz_fail "$1: /$2/ in the reload's log" "$HZ_RELOAD_LOG"; else hz_ok "$1"; fi
}
nsu() { hz_nsupdate 127.0.0.2 example.com -y "$KEY"; }

write_conf
hz_start "$CONF" || hz_done

# --- a SIGHUP that changes nothing ---------------------------------------------
hz_reload
log_has "no change: reload done" 'reload: done'
log_lacks "no change: no serial warning" 'files changed but the serial'
log_lacks "no change: synthesized zones not mentioned" 'in-addr\.arpa|ip6\.arpa'
log_has "no change: every zone kept (2 configured, 2 synthesized)" \
	'reload: zones: 4 unchanged \(kept, not parsed\), 0 reloaded \(0 with an unchanged serial\), 0 added, 0 removed'

# --- after an update, too ---------------------------------------------------------
out=$(nsu <<<"update add laptop.example.com 300 A 192.168.1.50")
hz_check "update accepted" test -z "$out"
hz_q 127.0.0.2 -x 192.168.1.50
hz_expect_in "update: its PTR" ANSWER 'PTR[[:space:]]+laptop\.example\.com\.$'
hz_reload
log_lacks "after an update: no serial warning" 'files changed but the serial'
log_has "after an update: every zone kept" 'reload: zones: 4 unchanged'

# --- a zone file that changed: its reverse zone follows, without a warning ---------
sed -i 's/ 100 3600/ 150 3600/' "$HZ_TMP/lan.zone"
echo 'printer A 192.168.1.30' >>"$HZ_TMP/lan.zone"
hz_reload
log_has "changed file: serial logged" 'zone example\.com\. in view dhcp: serial 101 -> 150'
log_lacks "changed file: nothing about the synthesized zones at notice level" 'in-addr\.arpa|ip6\.arpa'
hz_q 127.0.0.2 -x 192.168.1.30
hz_expect_in "changed file: the new record's PTR" ANSWER 'PTR[[:space:]]+printer\.example\.com\.$'

# --- a real reverse zone takes over, then leaves -----------------------------------
write_conf "{name: 1.168.192.in-addr.arpa, file: rev.zone}"
hz_reload
log_has "real reverse zone: added" \
	'notice: reload: zone 1\.168\.192\.in-addr\.arpa\. in view dhcp: added, serial 1 \(replaces the reverse zone auto-ptr synthesized\)'
log_lacks "real reverse zone: no serial change" 'in-addr\.arpa\. in view dhcp: serial'
log_lacks "real reverse zone: no warning" 'warning'
hz_q 127.0.0.2 -x 192.168.1.20
hz_expect_in "real reverse zone: answers" ANSWER 'PTR[[:space:]]+static-www\.example\.com\.$'
write_conf
hz_reload
log_has "real reverse zone gone: removed, synthesized again" \
	'notice: reload: zone 1\.168\.192\.in-addr\.arpa\. in view dhcp: removed \(was serial 1\); auto-ptr synthesizes it now'
log_lacks "real reverse zone gone: no serial change" 'in-addr\.arpa\. in view dhcp: serial'
hz_q 127.0.0.2 -x 192.168.1.20
hz_expect_in "synthesized again: answers" ANSWER 'PTR[[:space:]]+www\.example\.com\.$'

# --- a serial that goes backwards ---------------------------------------------------
write_net_zone 50
hz_reload
log_has "serial backwards: warning" \
	'warning: reload: zone example\.net\. in view dhcp: serial went backwards, 100 -> 50'

# --- --dump-view prints what is served: file + journal, auto-ptr zones -------------
dump() { # dump ZONE: horizond --dump-view dhcp --zone ZONE, output in $DUMP, status in $DUMP_RC
	DUMP=$(timeout 30 "$HORIZOND" -c "$CONF" --dump-view dhcp --zone "$1" 2>&1)
	DUMP_RC=$?
}
dump_has() { # dump_has DESC REGEX
	if grep -Eq -- "$2" <<<"$DUMP"; then hz_ok "$1"; else hz_fail "$1: no /$2/ in the dump" "$DUMP"; fi
}
out=$(nsu <<<"update delete www.example.com A")
hz_check "update: delete www" test -z "$out"
dump example.com
hz_check "dump example.com: exit 0" test "$DUMP_RC" -eq 0
hz_check "dump example.com: the SOA is the first line" \
	grep -Eq "^example\.com\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]" <<<"$(head -n 1 <<<"$DUMP")"
dump_has "dump example.com: the serial of the last update" \
	"^example\.com\..*SOA[[:space:]]+ns1\.example\.com\. hostmaster\.example\.com\. 151 "
dump_has "dump example.com: a record added by an update" \
	'^laptop\.example\.com\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.168\.1\.50$'
dump_has "dump example.com: the file's records" '^printer\.example\.com\..*A[[:space:]]+192\.168\.1\.30$'
if grep -q '^www\.example\.com\.' <<<"$DUMP"; then
	hz_fail "dump example.com: a record deleted by an update is gone" "$DUMP"
else
	hz_ok "dump example.com: a record deleted by an update is gone"
fi
dump 1.168.192.in-addr.arpa
hz_check "dump 1.168.192.in-addr.arpa: exit 0" test "$DUMP_RC" -eq 0
dump_has "dump 1.168.192.in-addr.arpa: SOA" '^1\.168\.192\.in-addr\.arpa\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]'
dump_has "dump 1.168.192.in-addr.arpa: NS" '^1\.168\.192\.in-addr\.arpa\.[[:space:]]+300[[:space:]]+IN[[:space:]]+NS[[:space:]]+ns1\.example\.com\.$'
dump_has "dump 1.168.192.in-addr.arpa: the PTR of the update" '^50\.1\.168\.192\.in-addr\.arpa\..*PTR[[:space:]]+laptop\.example\.com\.$'
dump_has "dump 1.168.192.in-addr.arpa: the PTR of the file" '^30\.1\.168\.192\.in-addr\.arpa\..*PTR[[:space:]]+printer\.example\.com\.$'
if grep -q '^20\.1\.168' <<<"$DUMP"; then
	hz_fail "dump 1.168.192.in-addr.arpa: the deleted name's PTR is gone" "$DUMP"
else
	hz_ok "dump 1.168.192.in-addr.arpa: the deleted name's PTR is gone"
fi
dump 2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.
dump_has "dump of the ip6.arpa zone (any case, trailing dot)" \
	'^0\.2\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.2\.0\.0\.0\.1\.0\.0\.0\.8\.b\.d\.0\.1\.0\.0\.2\.ip6\.arpa\..*PTR[[:space:]]+nas\.example\.com\.$'
dump 9.168.192.in-addr.arpa
hz_check "dump of a zone the view does not have: exit 1" test "$DUMP_RC" -eq 1
dump_has "dump of a zone the view does not have: says so" "view 'dhcp' has no zone '9\.168\.192\.in-addr\.arpa'"

hz_stop
hz_done

#!/usr/bin/env bash
# test_xfrin_nsd.sh -- horizond as a secondary of NSD (started here with its
# own config in the temp dir, stopped by PID), in two views:
# - the "int" view (127.0.0.2) transfers with transfer-key (NSD's
#   provide-xfr insists on it), the "ext" view without a key; each view
#   keeps its own copy under server.state-dir;
# - NSD's NOTIFY after a reload brings the new serial at once (AXFR: NSD
#   keeps no differences of reloaded zone files);
# - a secondary whose transfer-key NSD does not know keeps its old data.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xfrin_lib.sh"
. "$(dirname "$0")/peers_lib.sh"

command -v nsd >/dev/null || { echo "nsd not found (apt-get install nsd)"; exit 77; }
command -v nsd-control >/dev/null || { echo "nsd-control not found (apt-get install nsd)"; exit 77; }
hz_init
HPORT=$HZ_PORT
peer_ports NPORT
N=$HZ_TMP/nsd
mkdir -p "$N"
trap 'peers_stop; hz_cleanup' EXIT

peers_hz_conf "$HZ_TMP/hz.yaml" xfr-key "$XFR_SECRET" other-key b3RoZXItc2VjcmV0LW5vdC1rbm93bi10by1uc2Q= <<CONF
views:
  - name: int
    match-clients: [127.0.0.2]
    zones:
      - name: example.com
        primaries: [127.0.0.1@$NPORT]
        transfer-key: xfr-key
      - name: example.net
        primaries: [127.0.0.1@$NPORT]
  - name: ext
    match-clients: [any]
    zones:
      - name: example.com
        primaries: [127.0.0.1@$NPORT]
        transfer-key: other-key
      - name: example.net
        primaries: [127.0.0.1@$NPORT]
CONF

xfr_zone "$N/example.com.zone" 1 3600 3600 3600
sed 's/example\.com/example.net/g' "$N/example.com.zone" >"$N/example.net.zone"
nsd_start "$N" "$NPORT" "logfile: \"$N/nsd.log\"" <<CONF
remote-control:
    control-enable: yes
    control-interface: "$N/nsd.sock"
key:
    name: xfr-key
    algorithm: hmac-sha256
    secret: "$XFR_SECRET"
zone:
    name: example.com
    zonefile: example.com.zone
    provide-xfr: 127.0.0.0/8 xfr-key
    notify: 127.0.0.1@$HPORT NOKEY
zone:
    name: example.net
    zonefile: example.net.zone
    provide-xfr: 127.0.0.0/8 NOKEY
    notify: 127.0.0.1@$HPORT NOKEY
CONF
if xfr_wait 20 peer_serves "$NPORT" example.com; then
	hz_ok "nsd serves example.com on 127.0.0.1@$NPORT"
else
	hz_die "nsd did not start" "$(tail -n 20 "$N/nsd.out" "$N/nsd.log" 2>/dev/null)"
fi

hz_start "$HZ_TMP/hz.yaml" || hz_done
xfr_expect "int view: example.com transferred with transfer-key and served" 20 xfr_answer_is 127.0.0.2 www.example.com A 192.0.2.1
xfr_expect "ext view: example.net transferred without a key and served" 20 xfr_answer_is 127.0.0.3 www.example.net A 192.0.2.1
hz_check "int's transfer is logged with view and key" \
	grep -q "zone example.com in view int: transferred in (AXFR) from 127.0.0.1@$NPORT, key xfr-key, serial 1, 4 records" "$HZ_LOG"
hz_check "each view keeps its own copy" \
	test -f "$HZ_TMP/state/secondary/int/example.net.zone" -a -f "$HZ_TMP/state/secondary/ext/example.net.zone"
# NSD refuses a transfer signed with a key it does not know: ext's
# example.com has no data (SERVFAIL), and never int's
xfr_expect "a transfer NSD refuses is logged" 20 grep -q "zone example.com in view ext: .*other-key" "$HZ_LOG"
hz_q 127.0.0.3 www.example.com A
hz_expect_rcode "ext view: example.com without a transfer: SERVFAIL" SERVFAIL

# NOTIFY after NSD reloads serial 2 (the SOA refresh is an hour)
xfr_zone "$N/example.com.zone" 2 3600 3600 3600 'new IN A 192.0.2.2'
nsd-control -c "$N/nsd.conf" reload example.com >/dev/null 2>&1
xfr_expect "NSD's NOTIFY brings serial 2 at once" 20 xfr_answer_is 127.0.0.2 new.example.com A 192.0.2.2
hz_check "serial 2 is logged" grep -q "zone example.com in view int: transferred in .*serial 2, 5 records" "$HZ_LOG"
hz_stop
hz_done

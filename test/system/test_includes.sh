#!/usr/bin/env bash
# test_includes.sh -- a zone made of 70 $INCLUDE files: a SIGHUP after the
# last include changed reloads the zone (once only the first 64 files were
# tracked, so the change was never seen), for a plain zone and for one that
# takes updates.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init

N=70
for zone in plain dyn; do
	mkdir -p "$HZ_TMP/$zone"
	{
		echo '$TTL 300'
		echo '@ SOA ns1 hostmaster 1 3600 900 604800 300'
		echo '@ NS ns1'
		echo 'ns1 A 192.0.2.1'
		for i in $(seq 1 $N); do
			echo "host$i A 192.0.2.$i" >"$HZ_TMP/$zone/inc$i.zone"
			echo "\$INCLUDE inc$i.zone"
		done
	} >"$HZ_TMP/$zone/main.zone"
done
cat >"$HZ_TMP/horizond.yaml" <<EOF
server:
  listen: [127.0.0.1@$HZ_PORT]
  workers: 1
views:
  - name: all
    match-clients: [any]
    zones:
      - {name: plain.example, file: plain/main.zone}
      - {name: dyn.example, file: dyn/main.zone, allow-update: [127.0.0.2]}
EOF

hz_start "$HZ_TMP/horizond.yaml" || hz_done
for zone in plain dyn; do
	hz_q 127.0.0.2 host$N.$zone.example A
	hz_expect_in "$zone: the last include is served" ANSWER "A[[:space:]]+192\.0\.2\.$N$"
	# write-then-rename, another size: whatever the clock's granularity
	echo "host$N A 198.51.100.$N ; changed" >"$HZ_TMP/$zone/new.tmp"
	mv "$HZ_TMP/$zone/new.tmp" "$HZ_TMP/$zone/inc$N.zone"
done
hz_reload
for zone in plain dyn; do
	hz_q 127.0.0.2 host$N.$zone.example A
	hz_expect_in "$zone: a change in include $N is reloaded" ANSWER "A[[:space:]]+198\.51\.100\.$N$"
done
hz_stop
hz_done

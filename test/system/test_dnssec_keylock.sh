#!/usr/bin/env bash
# test_dnssec_keylock.sh -- concurrent first key creation: several horizond
# processes started at once on one empty state-dir (each signs the same 24
# zones online, in two views) must end with ONE key per zone, the one every
# process signed with (the flock on state-dir/keys/.K<zone>.lock around
# reading and making the keys). Without the lock the processes race: each
# finds no key and makes its own. No network: --dump-view binds nothing.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"

hz_init
NZONES=24
NPROC=4
{
	echo "server:"
	echo "  listen: [127.0.0.1@$HZ_PORT]"
	echo "  control: \"\""
	echo "  state-dir: $HZ_TMP/state"
	echo "views:"
	for view in lan outside; do
		echo "  - name: $view"
		echo "    match-clients: [$([ $view = lan ] && echo 127.0.0.2 || echo any)]"
		echo "    zones:"
		for i in $(seq 1 $NZONES); do
			echo "      - name: z$i.test"
			echo "        file: $HZ_TMP/z.zone"
			echo "        dnssec-signing: true"
		done
	done
} >"$HZ_TMP/hz.yaml"
cat >"$HZ_TMP/z.zone" <<'ZONE'
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.1
ZONE

# every process prints the DNSKEY it signed the last zone with
pids=()
for p in $(seq 1 $NPROC); do
	timeout 60 "$HORIZOND" -c "$HZ_TMP/hz.yaml" --dump-view outside --zone "z$NZONES.test" \
		>"$HZ_TMP/dump.$p" 2>"$HZ_TMP/err.$p" &
	pids+=($!)
done
rc=0
p=0
for pid in "${pids[@]}"; do
	p=$((p + 1))
	wait "$pid" && continue
	st=$?
	rc=1
	echo "process $p exited with $st; its stderr:"
	sed 's/^/  | /' "$HZ_TMP/err.$p"
done
hz_check "$NPROC processes sign at once, all succeed" test "$rc" -eq 0

bad=""
for i in $(seq 1 $NZONES); do
	n=$(ls "$HZ_TMP/state/keys" | grep -c "^Kz$i\.test\.+.*\.key$")
	[ "$n" -eq 1 ] || bad="$bad z$i.test:$n"
done
if [ -z "$bad" ]; then
	hz_ok "one key per zone in state-dir/keys"
else
	hz_fail "one key per zone in state-dir/keys" "zones with another count of keys:$bad"
fi
keys=$(for p in $(seq 1 $NPROC); do awk '$4 == "DNSKEY" { print $8 }' "$HZ_TMP/dump.$p"; done | sort -u)
hz_check "every process signed with the same key" test "$(printf '%s\n' "$keys" | grep -c .)" -eq 1
hz_check "a lock file per zone, mode 600" test "$(stat -c %a "$HZ_TMP/state/keys/.Kz1.test..lock")" = 600
hz_done

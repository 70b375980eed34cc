#!/usr/bin/env bash
# test_deep_names.sh -- zones whose names are deep and many: a /64 ip6.arpa
# zone with six PTRs at random addresses, an ip6.arpa zone with thousands of
# random 32-nibble PTRs, a name 120 labels deep (119 empty non-terminals).
# Each must pass --check within a time bound (the zone build once spun for
# ever on them) and be served. Then auto-ptr: one signed update adding eight
# AAAA records in one /64 is answered, served in reverse, and survives a
# restart (the update thread once spun holding the writer lock, and every
# restart spun replaying the journal).
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init

LIMIT=30   # seconds; a hang is what is tested, so be generous (ASan, load)
KEY="hmac-sha256:dhcp-key:c2VjcmV0LWZvci10aGUtbGFuLWRoY3Ata2V5LTEyMzQ="
SIX=0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa

# The zones, generated with a fixed seed; the names every zone must answer
# go to $HZ_TMP/<zone>.names.
python3 - "$HZ_TMP" "$SIX" <<'PY'
import random, sys
tmp, six = sys.argv[1], sys.argv[2]
head = ("$TTL 300\n@ SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300\n"
        "@ NS ns1.example.com.\n")

def rev(addr):
    nibbles = "%032x" % addr
    return ".".join(reversed(nibbles)) + ".ip6.arpa."

def write(name, body, names):
    with open("%s/%s.zone" % (tmp, name), "w") as f:
        f.write(head + body)
    with open("%s/%s.names" % (tmp, name), "w") as f:
        f.write("".join(n + "\n" for n in names))

rnd = random.Random(64)
names = [rev(0x20010db8000000000000000000000000 | rnd.getrandbits(64)) for _ in range(6)]
write("six", "".join("%s PTR host%d.example.com.\n" % (n, i) for i, n in enumerate(names)), names)

names = sorted({rev(rnd.getrandbits(128)) for _ in range(4000)})
write("many", "".join("%s PTR h%d.example.com.\n" % (n, i) for i, n in enumerate(names)), names)

deep = "a." * 120 + "deep.example."
write("deep", "%s TXT \"120 labels\"\n" % deep, [deep])
PY

write_conf() { # write_conf OUT ZONE-ENTRIES...
	local out=$1
	shift
	{
		echo "server:"
		echo "  listen: [127.0.0.1@$HZ_PORT]"
		echo "  workers: 1"
		echo "views:"
		echo "  - name: all"
		echo "    match-clients: [any]"
		echo "    zones:"
		printf '      - %s\n' "$@"
	} >"$out"
}
E_SIX="{name: $SIX, file: six.zone}"
E_MANY="{name: ip6.arpa, file: many.zone}"
E_DEEP="{name: deep.example, file: deep.zone}"

# --check, each zone on its own, within the time bound
for z in six many deep; do
	case $z in six) e=$E_SIX ;; many) e=$E_MANY ;; deep) e=$E_DEEP ;; esac
	write_conf "$HZ_TMP/$z.yaml" "$e"
	out=$(timeout "$LIMIT" "$HORIZOND" -c "$HZ_TMP/$z.yaml" --check 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		hz_ok "$z: --check passes within ${LIMIT}s"
	else
		hz_fail "$z: --check passes within ${LIMIT}s (status $rc; 124 = timed out)" "$out"
	fi
done

# served: every PTR of the six, a sample of the many, the deep name and an
# empty non-terminal above it (NODATA)
write_conf "$HZ_TMP/all.yaml" "$E_SIX" "$E_MANY" "$E_DEEP"
if hz_start "$HZ_TMP/all.yaml"; then
	i=0
	while read -r n; do
		hz_q 127.0.0.2 "$n" PTR
		hz_expect_in "six: PTR $i" ANSWER "PTR[[:space:]]+host$i\.example\.com\.$"
		i=$((i + 1))
	done <"$HZ_TMP/six.names"
	for n in $(sed -n '1p;1000p;2000p;$p' "$HZ_TMP/many.names"); do
		hz_q 127.0.0.2 "$n" PTR
		hz_expect_in "many: $n" ANSWER "PTR[[:space:]]+h[0-9]+\.example\.com\.$"
	done
	deep=$(cat "$HZ_TMP/deep.names")
	hz_q 127.0.0.2 "$deep" TXT
	hz_expect_in "deep: the 120-label name" ANSWER '"120 labels"'
	hz_q 127.0.0.2 "${deep#a.a.a.}" TXT
	hz_expect_rcode "deep: an empty non-terminal" NOERROR
	hz_expect_count "deep: an empty non-terminal" ANSWER 0
	hz_stop
fi

# --- auto-ptr: eight AAAA in one /64 through one signed update -----------------
cat >"$HZ_TMP/lan.zone" <<'EOF'
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
EOF
cat >"$HZ_TMP/update.yaml" <<EOF
server:
  listen: [127.0.0.1@$HZ_PORT]
  workers: 1
keys:
  - name: dhcp-key
    algorithm: hmac-sha256
    secret: "${KEY##*:}"
views:
  - name: lan
    match-clients: [any]
    zones:
      - name: example.com
        file: lan.zone
        allow-update: [key dhcp-key]
        auto-ptr: true
EOF
ADDRS=$(python3 -c '
import random
r = random.Random(8)
for i in range(8):
    print("2001:db8:1:2:%x:%x:%x:%x" % tuple(r.getrandbits(16) for _ in range(4)))')

if hz_start "$HZ_TMP/update.yaml"; then
	out=$(i=0
		for a in $ADDRS; do
			echo "update add pc$i.example.com 300 AAAA $a"
			i=$((i + 1))
		done | hz_nsupdate 127.0.0.2 example.com -y "$KEY")
	rc=$?
	if [ "$rc" -eq 0 ]; then
		hz_ok "eight AAAA in one /64: the update is answered"
	else
		hz_fail "eight AAAA in one /64: the update is answered (nsupdate status $rc)" "$out"
	fi
	check_reverse() { # check_reverse WHEN
		local i=0 a
		for a in $ADDRS; do
			hz_q 127.0.0.2 -x "$a"
			hz_expect_in "$1: reverse of $a" ANSWER "PTR[[:space:]]+pc$i\.example\.com\.$"
			i=$((i + 1))
		done
	}
	check_reverse "after the update"
	hz_stop
	# the journal is replayed on start: the server must come up
	if hz_start "$HZ_TMP/update.yaml"; then
		check_reverse "after a restart"
		hz_stop
	fi
fi

hz_done

#!/usr/bin/env bash
# test_rrl.sh -- response rate limiting per view (issue 15): 300 identical
# queries from one outside address in about 0.2 s with responses-per-second:
# 5, slip: 2 get a few full answers and many TC; the internal view, and an
# exempt client, lose none. Clients: 127.0.0.2 internal, 127.0.0.3 and
# 127.0.0.9 (exempt-clients) external.
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
DATA=$HZ_SOURCE_DIR/test/system/data/abuse
hz_init

# --- the key in --check: bad values get FILE:LINE
cat >"$HZ_TMP/bad.yaml" <<YAML
server:
  listen: [127.0.0.1@$HZ_PORT]
views:
  - name: external
    match-clients: [any]
    rate-limit:
      responses-per-second: 5
      slip: 11
      windw: 3
YAML
out=$(timeout 20 "$HORIZOND" --check -c "$HZ_TMP/bad.yaml" 2>&1)
echo "$out" | grep -q 'bad.yaml:8:.*slip' && hz_ok "rate-limit: slip out of range at its line" \
	|| hz_fail "rate-limit: slip 11 not reported" "$out"
echo "$out" | grep -q 'bad.yaml:9:.*windw' && hz_ok "rate-limit: unknown key at its line" \
	|| hz_fail "rate-limit: unknown key not reported" "$out"

hz_make_config "$DATA/rrl.yaml.in" "$HZ_TMP/rrl.yaml"
MPORT=$((HZ_PORT + 1))
hz_port_free "$MPORT" || { echo "FAIL - port $MPORT busy" >&2; exit 1; }
sed -i "s|^  workers: 1$|&\n  metrics: 127.0.0.1@$MPORT|" "$HZ_TMP/rrl.yaml"   # the flood is counted there
cp "$DATA/example.net.zone" "$HZ_TMP/"
hz_start "$HZ_TMP/rrl.yaml" || hz_done

read -r full tc <<<"$(python3 "$DATA/udpflood.py" 127.0.0.3 "$HZ_PORT" 300)"
[ "$full" -ge 1 ] && [ "$full" -le 20 ] && hz_ok "external flood: $full full answers of 300 (at most ~20)" \
	|| hz_fail "external flood: $full full answers of 300"
[ "$tc" -ge 100 ] && [ "$tc" -le 160 ] && hz_ok "external flood: $tc TC answers (slip 2: about half the rest)" \
	|| hz_fail "external flood: $tc TC answers"
# the metrics count what was limited: every TC the flood got, and the rest
# of the 300 that were not answered in full as dropped
metrics=$(timeout 20 python3 -c "import sys, urllib.request
sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:%s/metrics' % sys.argv[1], timeout=10).read().decode())" "$MPORT")
hz_check "metrics: answers sent as TC counted ($tc)" \
	grep -Fxq "horizond_rrl_limited_total{view=\"external\",action=\"slip\"} $tc" <<<"$metrics"
hz_check "metrics: dropped answers counted ($((300 - full - tc)))" \
	grep -Fxq "horizond_rrl_limited_total{view=\"external\",action=\"drop\"} $((300 - full - tc))" <<<"$metrics"
hz_check "metrics: no rate-limit counters for the internal view" \
	bash -c '! grep -q "horizond_rrl_limited_total{view=\"internal\"" <<<"$1"' _ "$metrics"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <<<"$metrics" 2>&1) && hz_ok "promtool check metrics passes" \
		|| hz_fail "promtool check metrics passes" "$out"
fi
read -r full tc <<<"$(python3 "$DATA/udpflood.py" 127.0.0.2 "$HZ_PORT" 300)"
hz_check "internal view: all 300 answered in full ($full, TC $tc)" [ "$full" -eq 300 ]
read -r full tc <<<"$(python3 "$DATA/udpflood.py" 127.0.0.9 "$HZ_PORT" 300)"
hz_check "exempt client: all 300 answered in full ($full, TC $tc)" [ "$full" -eq 300 ]
hz_q 127.0.0.3 www.example.net A +tcp
hz_expect_in "external over TCP: not limited" ANSWER '192\.0\.2\.10'
hz_q 127.0.0.9 www.example.net ANY +notcp +ignore
hz_expect_flag "ANY over UDP in a rate-limited view (RFC 8482)" tc
hz_check "ANY over UDP: no records" [ -z "$(hz_section ANSWER)" ]
hz_q 127.0.0.9 www.example.net ANY +tcp
hz_expect_in "ANY over TCP: the full answer" ANSWER '192\.0\.2\.10'
hz_q 127.0.0.2 www.example.net ANY +notcp +ignore
hz_expect_noflag "ANY over UDP in the internal view (no rate-limit)" tc

hz_stop
grep -qE 'rate limit: [0-9]+ answers limited \([0-9]+ sent as TC, [0-9]+ dropped\)' "$HZ_LOG" \
	&& hz_ok "limited answers counted at stop" || hz_fail "no rate limit line at stop" "$(tail -5 "$HZ_LOG")"
hz_done

#!/usr/bin/env bash
# test_cookie.sh -- DNS COOKIE (RFC 7873, RFC 9018 server cookies; issue 15):
# a client cookie gets a server cookie over UDP and TCP (dig says "good"), a
# server cookie sent back is accepted, a 4-byte COOKIE is FORMERR, and a
# client with a valid server cookie is exempt from rate limiting. Clients:
# 127.0.0.3 (external view, rate-limited), 127.0.0.2 (internal).
# SPDX-License-Identifier: BSD-3-Clause
set -u
. "$(dirname "$0")/lib.sh"
DATA=$HZ_SOURCE_DIR/test/system/data/abuse
hz_init
hz_make_config "$DATA/rrl.yaml.in" "$HZ_TMP/c.yaml"
cp "$DATA/example.net.zone" "$HZ_TMP/"
hz_start "$HZ_TMP/c.yaml" || hz_done

cookie_re='COOKIE: [0-9a-f]{16}01000000[0-9a-f]{24} \(good\)'
hz_q 127.0.0.2 www.example.net A +cookie
echo "$HZ_OUT" | grep -Eq "$cookie_re" && hz_ok "udp: a client cookie gets a server cookie" \
	|| hz_fail "udp: no server cookie" "$HZ_OUT"
full=$(echo "$HZ_OUT" | grep -Eo 'COOKIE: [0-9a-f]{48}' | cut -d' ' -f2)
hz_q 127.0.0.2 www.example.net A +cookie="$full"
echo "$HZ_OUT" | grep -Eq "$cookie_re" && hz_expect_in "udp: our server cookie sent back" ANSWER '192\.0\.2\.10' \
	|| hz_fail "udp: server cookie sent back" "$HZ_OUT"
hz_q 127.0.0.2 www.example.net A +cookie +tcp
echo "$HZ_OUT" | grep -Eq "$cookie_re" && hz_ok "tcp: a client cookie gets a server cookie" \
	|| hz_fail "tcp: no server cookie" "$HZ_OUT"
hz_q 127.0.0.2 www.example.net A +nocookie
echo "$HZ_OUT" | grep -q 'COOKIE:' && hz_fail "no cookie asked, none given" "$HZ_OUT" \
	|| hz_ok "no client cookie: no COOKIE in the answer"
hz_check "a 4-byte COOKIE option: FORMERR" \
	[ "$(python3 "$DATA/cookieclient.py" badlen 127.0.0.3 "$HZ_PORT")" = 1 ]
read -r full tc <<<"$(python3 "$DATA/cookieclient.py" flood 127.0.0.3 "$HZ_PORT" 300)"
hz_check "valid server cookie: 300 of 300 answered in full despite rate-limit ($full, TC $tc)" \
	[ "$full" -eq 300 ]
hz_stop
hz_done

#!/usr/bin/env bash
# test_example.sh -- serve zones/horizond.yaml (the example in the README and
# docs/views.md) and check that each view gets its own answers.
#
# Sources: 127.0.0.2 is listed in the internal view's match-clients, so it
# stands for a LAN client. 127.0.0.3, 127.0.0.1 and ::1 are in neither the
# "lan" ACL (RFC 1918 + fc00::/7; ::1 is not in fc00::/7) nor the literal
# 127.0.0.2, so they fall through to the external view (match-clients [any]).
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init

# The example config as shipped, with its zone files beside it, on our port.
cp -r "$HZ_SOURCE_DIR/zones" "$HZ_TMP/zones"
sed -i "s/@5300/@$HZ_PORT/g" "$HZ_TMP/zones/horizond.yaml"
hz_start "$HZ_TMP/zones/horizond.yaml" || hz_done

IN=127.0.0.2
OUT=127.0.0.3
SOA_RE='^example\.com\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\.example\.com\.'

# --- A and AAAA, per view ---------------------------------------------------
hz_q $IN www.example.com A
hz_expect_rcode "internal www A" NOERROR
hz_expect_flag "internal www A" aa
hz_expect_in "internal www A" ANSWER "$(hz_rr www.example.com. A 192.168.1.20)"
hz_expect_count "internal www A" ANSWER 1

hz_q $OUT www.example.com A
hz_expect_rcode "external www A" NOERROR
hz_expect_flag "external www A" aa
hz_expect_in "external www A" ANSWER "$(hz_rr www.example.com. A 203.0.113.10)"
hz_expect_count "external www A" ANSWER 1

hz_q $IN www.example.com AAAA
hz_expect_flag "internal www AAAA" aa
hz_expect_in "internal www AAAA" ANSWER "$(hz_rr www.example.com. AAAA fd00:1::20)"
hz_expect_count "internal www AAAA" ANSWER 1

hz_q $OUT www.example.com AAAA
hz_expect_flag "external www AAAA" aa
hz_expect_in "external www AAAA" ANSWER "$(hz_rr www.example.com. AAAA 2001:db8::10)"
hz_expect_count "external www AAAA" ANSWER 1

# Not recursive: we never asked (+norec) and the server never offers.
hz_expect_noflag "external www AAAA" ra

# --- MX with its target's addresses in the additional section --------------
hz_q $IN example.com MX
hz_expect_in "internal MX" ANSWER "$(hz_rr example.com. MX '10 mail.example.com.')"
hz_expect_in "internal MX" ADDITIONAL "$(hz_rr mail.example.com. A 192.168.1.25)"
hz_expect_notin "internal MX" ADDITIONAL '203\.0\.113\.'

hz_q $OUT example.com MX
hz_expect_in "external MX" ANSWER "$(hz_rr example.com. MX '10 mail.example.com.')"
hz_expect_in "external MX" ADDITIONAL "$(hz_rr mail.example.com. A 203.0.113.25)"
hz_expect_notin "external MX" ADDITIONAL '192\.168\.'

# --- NS with view-specific glue ---------------------------------------------
hz_q $IN example.com NS
hz_expect_in "internal NS" ANSWER "$(hz_rr example.com. NS ns1.example.com.)"
hz_expect_in "internal NS" ADDITIONAL "$(hz_rr ns1.example.com. A 192.168.1.2)"

hz_q $OUT example.com NS
hz_expect_in "external NS" ANSWER "$(hz_rr example.com. NS ns1.example.com.)"
hz_expect_in "external NS" ADDITIONAL "$(hz_rr ns1.example.com. A 203.0.113.2)"

hz_q $OUT example.com SOA
hz_expect_flag "external SOA" aa
hz_expect_in "external SOA" ANSWER "$SOA_RE"

# --- TCP -----------------------------------------------------------------------
hz_q $IN +tcp www.example.com A
hz_expect_flag "internal www A over TCP" aa
hz_expect_in "internal www A over TCP" ANSWER "$(hz_rr www.example.com. A 192.168.1.20)"

hz_q $OUT +tcp www.example.com A
hz_expect_flag "external www A over TCP" aa
hz_expect_in "external www A over TCP" ANSWER "$(hz_rr www.example.com. A 203.0.113.10)"

# --- other sources: ::1 and 127.0.0.1 are external ----------------------------
hz_q ::1 www.example.com A
hz_expect_flag "::1 www A (external view)" aa
hz_expect_in "::1 www A (external view)" ANSWER "$(hz_rr www.example.com. A 203.0.113.10)"

hz_q ::1 +tcp www.example.com AAAA
hz_expect_in "::1 www AAAA over TCP (external view)" ANSWER "$(hz_rr www.example.com. AAAA 2001:db8::10)"

hz_q 127.0.0.1 www.example.com A
hz_expect_in "127.0.0.1 www A (external view)" ANSWER "$(hz_rr www.example.com. A 203.0.113.10)"

# --- internal-only names ------------------------------------------------------
hz_q $IN nas.example.com A
hz_expect_in "internal nas A" ANSWER "$(hz_rr nas.example.com. A 192.168.1.30)"

# A CNAME to a name in the same zone: the target's A comes with it.
hz_q $IN intranet.example.com A
hz_expect_rcode "internal intranet A" NOERROR
hz_expect_in "internal intranet A" ANSWER "$(hz_rr intranet.example.com. CNAME nas.example.com.)"
hz_expect_in "internal intranet A" ANSWER "$(hz_rr nas.example.com. A 192.168.1.30)"

for name in nas intranet printer; do
	hz_q $OUT $name.example.com A
	hz_expect_rcode "external $name A" NXDOMAIN
	hz_expect_flag "external $name A" aa
	hz_expect_count "external $name A" ANSWER 0
	hz_expect_in "external $name A" AUTHORITY "$SOA_RE"
done

# The wildcard exists only inside.
hz_q $IN foo.example.com A
hz_expect_rcode "internal wildcard foo A" NOERROR
hz_expect_in "internal wildcard foo A" ANSWER "$(hz_rr foo.example.com. A 192.168.1.20)"
hz_q $OUT foo.example.com A
hz_expect_rcode "external foo A (no wildcard outside)" NXDOMAIN

# --- NODATA: the name exists, the type does not ----------------------------
hz_q $OUT www.example.com TXT
hz_expect_rcode "external www TXT (NODATA)" NOERROR
hz_expect_flag "external www TXT (NODATA)" aa
hz_expect_count "external www TXT (NODATA)" ANSWER 0
hz_expect_in "external www TXT (NODATA)" AUTHORITY "$SOA_RE"

hz_q $IN www.example.com TXT
hz_expect_rcode "internal www TXT (NODATA)" NOERROR
hz_expect_count "internal www TXT (NODATA)" ANSWER 0
hz_expect_in "internal www TXT (NODATA)" AUTHORITY "$SOA_RE"

hz_q $OUT example.com TXT
hz_expect_in "external apex TXT" ANSWER 'IN[[:space:]]+TXT[[:space:]]+"v=spf1 mx -all"$'

# --- names outside every zone of the view: REFUSED (recursion is off) -------
for src in $IN $OUT; do
	hz_q "$src" www.example.org A
	hz_expect_rcode "$src www.example.org A (no such zone)" REFUSED
	hz_expect_count "$src www.example.org A (no such zone)" ANSWER 0
	hz_q "$src" com SOA
	hz_expect_rcode "$src com SOA (parent of the zone)" REFUSED
done

# --- the question is echoed as it was asked ----------------------------------
hz_q $OUT wWw.ExAmPlE.cOm A
hz_expect_in "mixed-case question" QUESTION '^;wWw\.ExAmPlE\.cOm\.[[:space:]]+IN[[:space:]]+A$'
hz_expect_in "mixed-case question" ANSWER '[[:space:]]A[[:space:]]+203\.0\.113\.10$'
if printf '%s\n' "$HZ_OUT" | grep -q 'WARNING: .*case'; then
	hz_fail "dig reports no case mismatch" "$HZ_OUT"
else
	hz_ok "dig reports no case mismatch"
fi

# --- EDNS ---------------------------------------------------------------------
hz_q $OUT +edns=0 www.example.com A
if printf '%s\n' "$HZ_OUT" | grep -q '^;; OPT PSEUDOSECTION:'; then
	hz_ok "EDNS query gets an OPT record"
else
	hz_fail "EDNS query gets an OPT record" "$HZ_OUT"
fi
if printf '%s\n' "$HZ_OUT" | grep -q '^; EDNS: version: 0'; then
	hz_ok "EDNS version 0 in the reply"
else
	hz_fail "EDNS version 0 in the reply" "$HZ_OUT"
fi

hz_q $OUT +noedns www.example.com A
hz_expect_rcode "query without EDNS" NOERROR
if printf '%s\n' "$HZ_OUT" | grep -q '^;; OPT PSEUDOSECTION:'; then
	hz_fail "query without EDNS gets no OPT record" "$HZ_OUT"
else
	hz_ok "query without EDNS gets no OPT record"
fi

# EDNS version 1 is unknown: BADVERS (RFC 6891 6.1.3), with an OPT of version 0.
hz_q $OUT +edns=1 +noednsnegotiation www.example.com A
hz_expect_rcode "EDNS version 1" BADVERS
hz_expect_count "EDNS version 1" ANSWER 0

hz_stop
hz_done

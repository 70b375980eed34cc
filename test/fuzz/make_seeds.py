#!/usr/bin/env python3
"""make_seeds.py -- write the seed corpus of fuzz_query to test/fuzz/query.in/.

Each seed is what fuzz_query.c reads: byte 0 picks the client (bits 0-2: the
source address, bit 3: local address 127.0.1.1 for the "dest" view, bit 4: no
local address), byte 1 bit 0 picks TCP, the rest is the DNS message. Good
queries of every kind the fuzz world (test/fuzz/data/) can answer, and hostile
ones. The output is committed; run this again after changing it:
    python3 test/fuzz/make_seeds.py
Only the standard library (struct) is used.
SPDX-License-Identifier: BSD-3-Clause
"""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "query.in")

# source selectors (see fuzz_sources[] in fuzz_query.c)
INTERNAL, LAN, EXTERNAL, BLOCKED, V6, ULA, MAPPED, V6PUB = range(8)
DEST = 8
NODST = 16

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "OPT": 41, "DS": 43, "DNSKEY": 48, "IXFR": 251, "AXFR": 252,
         "MAILB": 253, "MAILA": 254, "ANY": 255, "TYPE999": 999}


def name(text):
    """Uncompressed wire form of a dotted name."""
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


def opt(size=1232, version=0, do=False, rdata=b"", owner=b"\0"):
    ttl = (0 << 24) | (version << 16) | (0x8000 if do else 0)
    return owner + struct.pack("!HHIH", 41, size, ttl, len(rdata)) + rdata


def query(qname, qtype="A", qclass=1, edns=None, flags=0x0100, qid=0x1234):
    """A well-formed query; edns: None, or a dict of opt() arguments."""
    t = TYPES[qtype] if isinstance(qtype, str) else qtype
    msg = header(qid, flags, ar=1 if edns is not None else 0)
    msg += name(qname) + struct.pack("!HH", t, qclass)
    if edns is not None:
        msg += opt(**edns)
    return msg


SEEDS = {}


def seed(label, msg, src=INTERNAL, tcp=False):
    assert label not in SEEDS, label
    SEEDS[label] = bytes([src, 1 if tcp else 0]) + msg


E = {}                       # EDNS with defaults
# --- good queries ---------------------------------------------------------
seed("a-internal", query("www.example.com"))
seed("a-external", query("www.example.com"), EXTERNAL)
seed("a-dest-view", query("www.example.com"), EXTERNAL | DEST)
seed("a-nodst", query("www.example.com"), EXTERNAL | NODST)
seed("a-blocked", query("www.example.com"), BLOCKED)
seed("aaaa-ula", query("www.example.com", "AAAA", edns=E), ULA)
seed("aaaa-v6pub-tcp", query("www.example.com", "AAAA"), V6PUB, tcp=True)
seed("a-mapped", query("nas.example.com"), MAPPED)
seed("a-mixedcase", query("WwW.ExAmPlE.CoM"), LAN)
seed("apex-mx", query("example.com", "MX"))
seed("apex-ns", query("example.com", "NS", edns=E))
seed("apex-soa", query("example.com", "SOA"))
seed("apex-any", query("example.com", "ANY", edns=E))
seed("apex-txt", query("example.com", "TXT"))
seed("apex-unknown-type", query("example.com", "TYPE999"))
seed("cname", query("intranet.example.com"))
seed("cname-chain", query("chain1.example.com", "AAAA", edns={"do": True}))
seed("cname-outside", query("outside.example.com"))
seed("cname-into-deleg", query("intodeleg.example.com"))
seed("cname-loop", query("loop1.example.com"))
seed("cname-qtype", query("chain2.example.com", "CNAME"))
seed("wildcard-a", query("anything.example.com"))
seed("wildcard-mx", query("anything.example.com", "MX"))
seed("wildcard-nodata", query("anything.example.com", "SRV"))
seed("wildcard-cname", query("x.y.wild.example.com", "AAAA"))
seed("wildcard-deep", query("q.deep.a.b.example.com", "TXT"))
seed("empty-nonterminal", query("nonterm.x.example.com"))
seed("nxdomain-external", query("nothere.example.com"), EXTERNAL)
seed("nodata-external", query("www.example.com", "MX"), EXTERNAL)
seed("srv", query("_sip._udp.example.com", "SRV"))
seed("srv-external", query("_xmpp._tcp.example.com", "SRV"), V6)
seed("referral-glue", query("host.sub.example.com"))
seed("referral-at-cut", query("sub.example.com", "NS"))
seed("referral-ds", query("sub.example.com", "DS"))
seed("referral-outofzone", query("a.b.ext.example.com", "AAAA"))
# signed zones (data/signed/), DO=1: RRSIGs and NSEC/NSEC3 proofs
DO = {"do": True}
for z in ("nsec.test", "nsec3.test"):
    seed("dnssec-a-" + z, query("www." + z, edns=DO), EXTERNAL)
    seed("dnssec-mx-additional-" + z, query(z, "MX", edns=DO))
    seed("dnssec-any-" + z, query(z, "ANY", edns=DO))
    seed("dnssec-dnskey-" + z, query(z, "DNSKEY", edns=DO))
    seed("dnssec-cname-" + z, query("alias." + z, edns=DO))
    seed("dnssec-cname-nx-" + z, query("deadend." + z, edns=DO))
    seed("dnssec-cname-wild-" + z, query("towild." + z, edns=DO))
    seed("dnssec-nxdomain-" + z, query("a.b.nothere." + z, "AAAA", edns=DO), EXTERNAL)
    seed("dnssec-nodata-" + z, query("www." + z, "AAAA", edns=DO))
    seed("dnssec-ent-" + z, query("y.ent." + z, edns=DO))
    seed("dnssec-wild-" + z, query("a.b.wild." + z, edns=DO))
    seed("dnssec-wild-nodata-" + z, query("q.wild." + z, "MX", edns=DO))
    seed("dnssec-wild-cname-" + z, query("q.cn." + z, edns=DO))
    seed("dnssec-referral-nods-" + z, query("host.child." + z, edns=DO))
    seed("dnssec-referral-ds-" + z, query("host.secure." + z, edns=DO))
    seed("dnssec-ds-" + z, query("secure." + z, "DS", edns=DO))
    seed("dnssec-tc-" + z, query("big." + z, "TXT", edns={"do": True, "size": 512}))
    seed("dnssec-nx-512-" + z, query("zz.nothere." + z, edns={"do": True, "size": 512}))
    seed("dnssec-no-do-" + z, query("nothere." + z, edns=E), EXTERNAL)
    seed("dnssec-dname-" + z, query("www.old." + z, edns=DO))
    seed("dnssec-dname-nx-" + z, query("nx.old." + z, "AAAA", edns=DO))
seed("dnssec-nsec3-owner", query("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.nsec3.test", edns=DO))
seed("glue-name", query("ns.sub.example.com"))
seed("child-www", query("www.child.example.com"))
seed("child-apex-ds", query("child.example.com", "DS"))
seed("child-apex-soa", query("child.example.com", "SOA"))
seed("child-wildcard", query("zz.child.example.com", "TXT"))
seed("child-back-cname", query("back.child.example.com"))
seed("tc-big-txt-udp", query("big.example.net", "TXT"))
seed("tc-big-txt-edns", query("big.example.net", "TXT", edns=E))
seed("tc-big-txt-tcp", query("big.example.net", "TXT"), tcp=True)
seed("tc-mid-txt-udp", query("mid.example.net", "TXT"))
seed("mid-txt-edns", query("mid.example.net", "TXT", edns=E))
seed("many-a-edns512", query("many.example.net", edns={"size": 512}), EXTERNAL)
seed("many-a-edns4096", query("many.example.net", edns={"size": 4096}), EXTERNAL)
seed("mx-additional", query("mx.example.net", "MX"))
seed("mx-additional-edns", query("mx.example.net", "MX", edns={"size": 1400}))
seed("any-big", query("mx.example.net", "ANY", edns={"size": 700}))
seed("refused-nozone", query("www.example.org"))
seed("refused-root", query("."), EXTERNAL)
seed("chaos-version", query("version.bind", "TXT", qclass=3))
seed("chaos-hostname", query("hostname.bind", "TXT", qclass=3))
seed("chaos-id-a", query("id.server", "A", qclass=3))
seed("chaos-other", query("authors.bind", "TXT", qclass=3))
seed("class-hs", query("www.example.com", "A", qclass=4))
seed("class-any", query("www.example.com", "A", qclass=255))
seed("axfr", query("example.com", "AXFR"), tcp=True)
seed("ixfr", query("example.com", "IXFR"))
seed("maila", query("example.com", "MAILA"))
seed("qtype-opt", query("example.com", "OPT"))
seed("edns-do-cd", query("www.example.com", edns={"do": True}, flags=0x0110))
seed("edns-size-0", query("www.example.com", edns={"size": 0}))
seed("edns-size-max", query("big.example.net", "TXT", edns={"size": 65535}))
seed("edns-option", query("www.example.com",
                          edns={"rdata": struct.pack("!HH", 10, 8) + b"cookie!!"}))
seed("no-rd", query("www.example.com", flags=0))
seed("dname-a", query("www.old.example.com"), EXTERNAL)
seed("dname-occluded", query("x.old.example.com"), EXTERNAL)
seed("dname-via-cname", query("todname.example.com", "AAAA", edns=E), EXTERNAL)
seed("dname-qtype-cname", query("WwW.OlD.example.com", "CNAME"), EXTERNAL)
seed("dname-yxdomain", query("x" * 60 + ".long.example.com"), EXTERNAL)
seed("chain-recursive-zone", query("tonet.example.com", "MX", edns=E), V6PUB)
seed("chain-recursive-dname", query("mx.tonetdname.example.com", "A"), V6PUB, tcp=True)
seed("chain-recursive-out", query("toout.example.com"), V6PUB)
seed("chain-recursive-rd0", query("toout.example.com", flags=0), V6PUB)

# --- hostile --------------------------------------------------------------
q = query("www.example.com")
seed("bad-empty", b"")
seed("bad-short", q[:5])
seed("bad-header-only", q[:12])
seed("bad-qdcount-0", header(qd=0))
seed("bad-qdcount-0-with-q", header(qd=0) + q[12:])
seed("bad-qdcount-2", header(qd=2) + q[12:] + q[12:])
seed("bad-ancount", header(an=1) + q[12:])
seed("bad-nscount", header(ns=1) + q[12:])
seed("bad-qr-set", query("www.example.com", flags=0x8100))
for op in (1, 2, 4, 5, 15):
    seed("bad-opcode-%d" % op, query("www.example.com", flags=0x0100 | op << 11))
seed("bad-compress-loop", header() + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
seed("bad-compress-fwd", header() + b"\x03www\xc0\x14" + struct.pack("!HH", 1, 1) + b"\x00")
seed("bad-compress-loop-ar",
     header(ar=1) + name("www.example.com") + struct.pack("!HH", 1, 1) +
     b"\xc0\x21" + struct.pack("!HHIH", 41, 1232, 0, 0))
seed("bad-label-64", header() + b"\x40" + b"a" * 64 + b"\0" + struct.pack("!HH", 1, 1))
seed("bad-label-type-80", header() + b"\x80abc\0" + struct.pack("!HH", 1, 1))
long = b"".join(b"\x3f" + b"a" * 63 for _ in range(4)) + b"\0"      # 257 bytes
seed("bad-name-over-255", header() + long + struct.pack("!HH", 1, 1))
seed("name-exactly-255", header() +
     b"".join(b"\x3f" + b"a" * 63 for _ in range(3)) + b"\x3d" + b"b" * 61 + b"\0" +
     struct.pack("!HH", 1, 1))
seed("many-labels", header() + b"\x01a" * 127 + b"\0" + struct.pack("!HH", 1, 1))
seed("bad-name-unterminated", header() + b"\x03www\x07example")
seed("bad-question-cut", q[:-3])
seed("bad-trailing-garbage", q + b"\xde\xad\xbe\xef")
seed("bad-trailing-garbage-edns", query("www.example.com", edns=E) + b"\0")
seed("bad-two-opts", header(ar=2) + q[12:] + opt() + opt(size=4096))
seed("bad-opt-in-answer", header(an=1) + q[12:] + opt())
seed("bad-opt-not-root", header(ar=1) + q[12:] + opt(owner=name("example.com")))
seed("bad-opt-compressed-owner", header(ar=1) + q[12:] + opt(owner=b"\xc0\x0c"))
seed("bad-edns-version-1", query("www.example.com", edns={"version": 1}))
seed("bad-edns-version-255-tcp", query("www.example.com", edns={"version": 255}), tcp=True)
seed("bad-opt-rdlen-long", header(ar=1) + q[12:] + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 40))
seed("bad-opt-cut", header(ar=1) + q[12:] + opt()[:6])
seed("bad-arcount-max", header(ar=0xFFFF) + q[12:] + opt())
seed("bad-tsig-like-ar", header(ar=1) + q[12:] + name("key.") +
     struct.pack("!HHIH", 250, 255, 0, 4) + b"\0\0\0\0")

def tsig(key="dhcp-key.", alg="hmac-sha256.", mac=b"\x5a" * 32, orig_id=0x1234, error=0, other=b""):
    """A TSIG record (RFC 8945 4.2) with an arbitrary MAC: the fuzz world has
    no keys, so these take the signed-query path to BADKEY."""
    rd = name(alg) + struct.pack("!HIH", 0, 1700000000, 300) + struct.pack("!H", len(mac)) + mac
    rd += struct.pack("!HHH", orig_id, error, len(other)) + other
    return name(key) + struct.pack("!HHIH", 250, 255, 0, len(rd)) + rd


seed("tsig-query", header(ar=1) + q[12:] + tsig())
seed("tsig-query-edns", header(ar=2) + q[12:] + opt() + tsig(), src=LAN)
seed("tsig-query-tcp", header(ar=1) + q[12:] + tsig(other=b"\0" * 6), tcp=True)
seed("bad-tsig-not-last", header(ar=2) + q[12:] + tsig() + opt())
seed("bad-tsig-rdata-cut", header(ar=1) + q[12:] + name("k.") + struct.pack("!HHIH", 250, 255, 0, 3) + b"\0\0\0")
seed("bad-all-ff", b"\xff" * 64)
seed("bad-all-zero", b"\0" * 64)
seed("bad-zero-id-tcp", query("www.example.com", qid=0), tcp=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.startswith("seed-"):
            os.unlink(os.path.join(OUT, f))
    for label, data in SEEDS.items():
        with open(os.path.join(OUT, "seed-" + label), "wb") as fh:
            fh.write(data)
    print("%d seeds written to %s" % (len(SEEDS), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()

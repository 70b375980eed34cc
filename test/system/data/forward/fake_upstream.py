#!/usr/bin/env python3
# fake_upstream.py -- a hostile little upstream resolver for test_forward.sh.
#
#   fake_upstream.py PORT LOGFILE
#
# Listens on 127.0.0.1@PORT (UDP) and logs one line per query received
# ("QUERY <name> <type>") to LOGFILE. How it answers depends on the name:
#
#   spoof.test      three forged replies first -- from another source port,
#                   with a wrong ID, with the right ID but another question --
#                   then the real answer (A 192.0.2.99)
#   onlyspoof.test  the three forged replies only, never the real one
#   slow.test       the real answer (A 192.0.2.98) after 600 ms, so that
#                   identical questions pile up in the resolver meanwhile
#   ad.test         A 203.0.113.10 with AD set (as from a validating
#                   resolver; test_chain.sh's NAT map rewrites this address)
#   adplain.test    A 198.51.100.7 with AD set (not rewritten)
#   *.blackhole.test  never answered (a dead upstream for these names)
#   extra.test      A 192.0.2.97 with extra records that are not its
#                   business: evil.example A 6.6.6.9 and extra.test MX in
#                   the answer, evil.example NS in the authority section
#   chain.test      CNAME target.test, target.test A 192.0.2.96, in reverse
#                   order (the chain must still be followed)
#   big.test, *.big.test  A 192.0.2.1 ... 192.0.2.40: 650 bytes and more,
#                   too much for a 512-byte client (test_tsig.sh: truncated,
#                   signed)
#   anything else   REFUSED
#
# Forged replies carry 6.6.6.x addresses so a test sees if one got through.
# Only 127.0.0.1 is used. Stops on SIGTERM.
# SPDX-License-Identifier: BSD-3-Clause
import signal
import socket
import struct
import sys
import threading
import time


def parse_question(msg):
    """Return (id, flags, qname wire, qname text, qtype, qclass) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    pos, labels = 12, []
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        if n == 0:
            pos += 1
            break
        if n > 63:
            return None
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    if pos + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return qid, flags, msg[12:pos], ".".join(labels).lower(), qtype, qclass


def wire_name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def answer(qid, flags, qwire, qtype, qclass, addr, rcode=0, ad=False):
    """A response with one A record for the question (or just an rcode)."""
    hdr_flags = 0x8000 | 0x0400 | (flags & 0x0100) | rcode   # QR AA RD? rcode
    if ad:
        hdr_flags |= 0x0020
    an = 1 if rcode == 0 else 0
    msg = struct.pack("!HHHHHH", qid, hdr_flags, 1, an, 0, 0)
    msg += qwire + struct.pack("!HH", qtype, qclass)
    if an:
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return msg


def rr(name, rtype, rdata, ttl=60):
    return wire_name(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def extra_answer(qid, flags, qwire, qtype, qclass, name):
    """extra.test / chain.test: answers with records to keep and to drop;
    big.test: forty A records (owner: the question, compressed)."""
    if name == "extra.test":
        an = [rr("extra.test", 1, socket.inet_aton("192.0.2.97")),
              rr("evil.example", 1, socket.inet_aton("6.6.6.9"), 86400),
              rr("extra.test", 15, struct.pack("!H", 10) + wire_name("mail.evil.example"))]
        ns = [rr("evil.example", 2, wire_name("ns.evil.example"))]
    elif name == "big.test" or name.endswith(".big.test"):
        an = [b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.%d" % i)
              for i in range(1, 41)]
        ns = []
    else:
        an = [rr("target.test", 1, socket.inet_aton("192.0.2.96")),
              rr("chain.test", 5, wire_name("target.test"))]
        ns = []
    hdr = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100), 1, len(an), len(ns), 0)
    return hdr + qwire + struct.pack("!HH", qtype, qclass) + b"".join(an) + b"".join(ns)


def main():
    port = int(sys.argv[1])
    log = open(sys.argv[2], "a", buffering=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # the wrong source port
    other.bind(("127.0.0.1", 0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)

    def forge(peer, qid, flags, qwire, qtype, qclass):
        other.sendto(answer(qid, flags, qwire, qtype, qclass, "6.6.6.6"), peer)
        time.sleep(0.02)
        sock.sendto(answer(qid ^ 0x5A5A, flags, qwire, qtype, qclass, "6.6.6.7"), peer)
        time.sleep(0.02)
        sock.sendto(answer(qid, flags, wire_name("other.test"), qtype, qclass, "6.6.6.8"), peer)
        time.sleep(0.02)

    def slow(peer, qid, flags, qwire, qtype, qclass):
        time.sleep(0.6)
        sock.sendto(answer(qid, flags, qwire, qtype, qclass, "192.0.2.98"), peer)

    while True:
        msg, peer = sock.recvfrom(65535)
        q = parse_question(msg)
        if q is None:
            continue
        qid, flags, qwire, name, qtype, qclass = q
        log.write("QUERY %s %d\n" % (name, qtype))
        if name.endswith(".blackhole.test"):
            continue
        if (name in ("extra.test", "chain.test", "big.test") or name.endswith(".big.test")) \
                and qtype == 1:
            sock.sendto(extra_answer(qid, flags, qwire, qtype, qclass, name), peer)
            continue
        if name == "spoof.test":
            forge(peer, qid, flags, qwire, qtype, qclass)
            sock.sendto(answer(qid, flags, qwire, qtype, qclass, "192.0.2.99"), peer)
        elif name == "onlyspoof.test":
            forge(peer, qid, flags, qwire, qtype, qclass)
        elif name in ("ad.test", "adplain.test") and qtype == 1:
            addr = "203.0.113.10" if name == "ad.test" else "198.51.100.7"
            sock.sendto(answer(qid, flags, qwire, qtype, qclass, addr, ad=True), peer)
        elif name == "slow.test":
            threading.Thread(target=slow, args=(peer, qid, flags, qwire, qtype, qclass),
                             daemon=True).start()
        else:
            sock.sendto(answer(qid, flags, qwire, qtype, qclass, "0.0.0.0", rcode=5), peer)


if __name__ == "__main__":
    main()

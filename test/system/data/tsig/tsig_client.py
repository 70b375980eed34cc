#!/usr/bin/env python3
"""tsig_client.py -- send one TSIG-signed (or unsigned) query or update to
horizond and describe the reply on one line, for test_tsig.sh.

  tsig_client.py [options] query NAME TYPE
  tsig_client.py [options] update ZONE "NAME TTL TYPE RDATA"
  tsig_client.py [options] flood ZONE COUNT     (updates, no waiting for replies)

Output: rcode=R tsig=none|signed|unsigned error=E mac=ok|bad|- tc=0|1
        answers=N other_time=T size=S  (other_time: the server's time of a
        BADTIME; size: the reply's length in bytes)
The reply's MAC is checked here, independently of dnspython's own check,
following RFC 8945 4.3 and 5.3 (Original ID in the header, request MAC
first). Only the address given with --server is contacted.
SPDX-License-Identifier: BSD-3-Clause"""
import argparse
import base64
import hmac
import socket
import struct
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update

ALGS = {"hmac-sha256": "sha256", "hmac-sha1": "sha1", "hmac-sha512": "sha512",
        "hmac-sha384": "sha384", "hmac-sha224": "sha224", "hmac-md5": "md5"}


def skip_name(w, p):
    while True:
        n = w[p]
        if n & 0xC0 == 0xC0:
            return p + 2
        p += 1
        if n == 0:
            return p
        p += n


def name_wire_lower(w, p):
    """The uncompressed, lower-case wire form of the name at p."""
    out = b""
    while True:
        n = w[p]
        if n & 0xC0 == 0xC0:
            p = ((n & 0x3F) << 8) | w[p + 1]
            continue
        out += bytes([n]) + w[p + 1:p + 1 + n].lower()
        if n == 0:
            return out
        p += 1 + n


def last_rr(w):
    """(start, owner, type, rdata offset, rdlen) of the last RR, or None."""
    qd, an, ns, ar = struct.unpack("!4H", w[4:12])
    p = 12
    for _ in range(qd):
        p = skip_name(w, p) + 4
    last = None
    for _ in range(an + ns + ar):
        start = p
        p = skip_name(w, p)
        t, _c, _ttl, rdlen = struct.unpack("!HHIH", w[p:p + 10])
        last = (start, name_wire_lower(w, start), t, p + 10, rdlen)
        p += 10 + rdlen
    return last


def check_reply(w, secret, alg, req_mac):
    """Describe the reply's TSIG: (state, error, mac, other_time)."""
    rr = last_rr(w)
    if rr is None or rr[2] != 250:
        return "none", 0, "-", "-"
    start, owner, _t, rd, rdlen = rr
    p = rd
    alg_wire = name_wire_lower(w, p)
    p = skip_name(w, p)
    signed_hi, signed_lo, fudge, maclen = struct.unpack("!HIHH", w[p:p + 10])
    p += 10
    mac = w[p:p + maclen]
    p += maclen
    orig_id, error, olen = struct.unpack("!HHH", w[p:p + 6])
    other = w[p + 6:p + 6 + olen]
    other_time = "-"
    if olen == 6:
        hi, lo = struct.unpack("!HI", other)
        other_time = str(hi << 32 | lo)
    if maclen == 0:
        return "unsigned", error, "-", other_time
    ar = struct.unpack("!H", w[10:12])[0] - 1
    msg = struct.pack("!H", orig_id) + w[2:10] + struct.pack("!H", ar) + w[12:start]
    var = owner + struct.pack("!HI", 255, 0) + alg_wire + struct.pack("!HIH", signed_hi, signed_lo, fudge)
    var += struct.pack("!HH", error, olen) + other
    data = (struct.pack("!H", len(req_mac)) + req_mac if req_mac else b"") + msg + var
    want = hmac.new(base64.b64decode(secret), data, ALGS[alg]).digest()
    return "signed", error, "ok" if hmac.compare_digest(want, mac) else "bad", other_time


def exchange(args, wire):
    fam = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    if args.tcp:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        s.bind((args.source, 0))
        s.connect((args.server, args.port))
        s.sendall(struct.pack("!H", len(wire)) + wire)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            buf += chunk
        s.close()
        return buf[2:2 + struct.unpack("!H", buf[:2])[0]]
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(args.timeout)
    s.bind((args.source, 0))
    s.sendto(wire, (args.server, args.port))
    while True:
        reply, _ = s.recvfrom(65535)
        if reply[:2] == wire[:2]:
            s.close()
            return reply


def build(args):
    if args.action == "query":
        m = dns.message.make_query(args.args[0], args.args[1])
        if args.edns is not None:
            m.use_edns(args.edns, payload=args.bufsize)
        if not args.rd:
            m.flags &= ~dns.flags.RD
    else:
        m = dns.update.UpdateMessage(args.args[0])
        if len(args.args) > 1:
            name, ttl, rtype, rdata = args.args[1].split(None, 3)
            m.add(name, int(ttl), rtype, rdata)
    return m


def sign(m, args):
    kname, alg, secret = args.key.split(":", 2)
    ring = dns.tsigkeyring.from_text({kname: (alg, secret)})
    kw = {"keyname": kname, "fudge": args.fudge, "algorithm": dns.name.from_text(alg)}
    if args.original_id_xor:
        kw["original_id"] = m.id ^ args.original_id_xor
    m.use_tsig(ring, **kw)
    real = time.time
    time.time = lambda: real() + args.time_offset   # dnspython signs at to_wire()
    try:
        wire = m.to_wire()
    finally:
        time.time = real
    return wire, alg, secret


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--source", default="127.0.0.2")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--key", help="NAME:ALGORITHM:SECRET")
    ap.add_argument("--verify-secret", help="check the reply's MAC with this secret instead")
    ap.add_argument("--fudge", type=int, default=300)
    ap.add_argument("--time-offset", type=int, default=0)
    ap.add_argument("--original-id-xor", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--edns", type=int, default=None)
    ap.add_argument("--bufsize", type=int, default=1232)
    ap.add_argument("--rd", action="store_true")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("action", choices=["query", "update", "flood"])
    ap.add_argument("args", nargs="+")
    args = ap.parse_args()

    if args.action == "flood":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((args.source, 0))
        for i in range(int(args.args[1])):
            m = dns.update.UpdateMessage(args.args[0])
            m.add("flood%d.%s" % (i, args.args[0]), 300, "A", "192.0.2.1")
            wire = sign(m, args)[0] if args.key else m.to_wire()
            s.sendto(wire, (args.server, args.port))
        s.close()
        print("sent", args.args[1])
        return 0

    m = build(args)
    alg = secret = None
    if args.key:
        wire, alg, secret = sign(m, args)
        if args.verify_secret:
            secret = args.verify_secret
    else:
        wire = m.to_wire()
    try:
        reply = exchange(args, wire)
    except (OSError, EOFError) as e:
        print("error=%s" % e)
        return 1
    rcode = reply[3] & 0x0F
    tc = (reply[2] >> 1) & 1
    state, error, mac, other_time = ("none", 0, "-", "-")
    if args.key:
        state, error, mac, other_time = check_reply(reply, secret, alg, m.mac)
    else:
        rr = last_rr(reply)
        if rr is not None and rr[2] == 250:
            state = "present"
    answers = struct.unpack("!H", reply[6:8])[0]
    print("rcode=%s tsig=%s error=%d mac=%s tc=%d answers=%d other_time=%s size=%d" % (
        dns.rcode.to_text(rcode), state, error, mac, tc, answers, other_time, len(reply)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

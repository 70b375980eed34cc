#!/usr/bin/env python3
"""fake_primary.py PORT LOG MODE -- a broken primary for test_xfrin_bad.sh.

TCP on 127.0.0.1@PORT, unsigned. SOA queries get a valid SOA (serial 5);
zone transfers (AXFR, IXFR) get what MODE says:
  garbage   the reply's ID, then random bytes
  outzone   a well-formed AXFR with a record outside the zone
  good      a valid AXFR
  silent    nothing, not even to the SOA query: the connection stays open
Each request's type is logged to LOG. SPDX-License-Identifier: BSD-3-Clause
"""
import os
import socket
import struct
import sys
import time

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset

port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ZONE = "example.com."
SOA = f"{ZONE} 300 IN SOA ns1.{ZONE} h.{ZONE} 5 3600 600 86400 60"
BODY = [f"{ZONE} 300 IN NS ns1.{ZONE}", f"ns1.{ZONE} 300 IN A 192.0.2.53",
        f"www.{ZONE} 300 IN A 192.0.2.1"]


def rr(text):
    name, ttl, cls, typ, data = text.split(" ", 4)
    return dns.rrset.from_text(name, int(ttl), cls, typ, data)


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def send(c, wire):
    c.sendall(struct.pack("!H", len(wire)) + wire)


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(8)
with open(log, "a", buffering=1) as out:
    out.write("listening\n")
    while True:
        c, _ = s.accept()
        try:
            wire = recv_exact(c, struct.unpack("!H", recv_exact(c, 2))[0])
            q = dns.message.from_wire(wire)
        except Exception as e:  # a broken request is a test failure: log it
            out.write(f"unparsable {e}\n")
            c.close()
            continue
        qtype = dns.rdatatype.to_text(q.question[0].rdtype)
        out.write(qtype + "\n")
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if mode == "silent":
            time.sleep(3600)
        elif qtype == "SOA":
            r.answer.append(rr(SOA))
            send(c, r.to_wire())
        elif mode == "garbage":
            send(c, wire[:2] + b"\x84\x00" + os.urandom(60))
        else:
            extra = ["www.example.org. 300 IN A 192.0.2.66"] if mode == "outzone" else []
            for t in [SOA] + BODY + extra:
                r.answer.append(rr(t))
            r.answer.append(rr(SOA))
            send(c, r.to_wire())
        c.close()

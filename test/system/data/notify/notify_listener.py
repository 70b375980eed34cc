#!/usr/bin/env python3
"""notify_listener.py PORT LOG MODE -- a NOTIFY target for test_notify.sh.

Listens on 127.0.0.1@PORT (UDP) and appends one line per NOTIFY received to
LOG: "NOTIFY <zone> id=<id> aa=<0|1> serial=<the answer section's SOA
serial, or none>". MODE "answer" acknowledges each one (NOERROR,
AA, as a secondary does); "silent" never answers, so the sender retries.
Stops on SIGTERM. SPDX-License-Identifier: BSD-3-Clause
"""
import socket
import sys

import dns.flags
import dns.message
import dns.opcode
import dns.rdatatype

port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
with open(log, "a", buffering=1) as out:
    out.write("listening\n")
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            msg = dns.message.from_wire(data)
        except Exception as e:  # a broken message is a test failure: log it
            out.write(f"BROKEN {e}\n")
            continue
        if msg.opcode() != dns.opcode.NOTIFY or msg.flags & dns.flags.QR:
            out.write(f"OTHER opcode={msg.opcode()}\n")
            continue
        zone = msg.question[0].name.to_text() if msg.question else "-"
        soa = [rr for rrset in msg.answer if rrset.rdtype == dns.rdatatype.SOA for rr in rrset]
        serial = soa[0].serial if len(soa) == 1 else "none"
        out.write(f"NOTIFY {zone} id={msg.id} aa={int(bool(msg.flags & dns.flags.AA))} serial={serial}\n")
        if mode == "answer":
            reply = dns.message.make_response(msg)
            reply.flags |= dns.flags.AA
            sock.sendto(reply.to_wire(), peer)

#!/usr/bin/env python3
"""notify_listener.py PORT LOG MODE [KEY:SECRET] -- a NOTIFY target for test_notify.sh.

Listens on 127.0.0.1@PORT (UDP) and appends one line per NOTIFY received to
LOG: "NOTIFY <zone> id=<id> aa=<0|1> serial=<the answer section's SOA
serial, or none>". MODE "answer" acknowledges each one (NOERROR,
AA, as a secondary does); "silent" never answers, so the sender retries.
With KEY:SECRET (hmac-sha256) a signed NOTIFY is checked and answered signed
(the line then ends in " tsig=KEY"); without it a signed NOTIFY is logged
"NOTIFY-SIGNED" and answered unsigned, as a secondary that does not
check the key would.
Stops on SIGTERM. SPDX-License-Identifier: BSD-3-Clause
"""
import socket
import sys

import dns.flags
import dns.message
import dns.opcode
import dns.rdatatype
import dns.tsigkeyring

port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
keyring = None
if len(sys.argv) > 4:
    kname, secret = sys.argv[4].split(":", 1)
    keyring = dns.tsigkeyring.from_text({kname: ("hmac-sha256", secret)})


def unsigned_answer(data):
    """The answer to the NOTIFY data, unsigned, built from its bytes."""
    end = 12
    while data[end] != 0:
        end += 1 + data[end]
    end += 5  # the root label, type and class
    return (data[:2] + bytes([data[2] | 0x84, 0]) + b"\0\1\0\0\0\0\0\0" + data[12:end])


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
with open(log, "a", buffering=1) as out:
    out.write("listening\n")
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            msg = dns.message.from_wire(data, keyring=keyring)
        except dns.message.UnknownTSIGKey:
            out.write("NOTIFY-SIGNED\n")
            if mode == "answer":
                sock.sendto(unsigned_answer(data), peer)
            continue
        except Exception as e:  # a broken message is a test failure: log it
            out.write(f"BROKEN {e}\n")
            continue
        if msg.opcode() != dns.opcode.NOTIFY or msg.flags & dns.flags.QR:
            out.write(f"OTHER opcode={msg.opcode()}\n")
            continue
        zone = msg.question[0].name.to_text() if msg.question else "-"
        soa = [rr for rrset in msg.answer if rrset.rdtype == dns.rdatatype.SOA for rr in rrset]
        serial = soa[0].serial if len(soa) == 1 else "none"
        tsig = f" tsig={msg.keyname.to_text(omit_final_dot=True)}" if msg.had_tsig else ""
        out.write(f"NOTIFY {zone} id={msg.id} aa={int(bool(msg.flags & dns.flags.AA))} serial={serial}{tsig}\n")
        if mode == "answer":
            reply = dns.message.make_response(msg)
            reply.flags |= dns.flags.AA
            sock.sendto(reply.to_wire(), peer)

#!/usr/bin/env python3
# cookieclient.py CMD SRC PORT -- DNS COOKIE checks for test_cookie.sh
# (www.example.net A to 127.0.0.1@PORT from SRC, UDP):
#   badlen    a 4-byte COOKIE option: print the rcode
#   flood N   learn a server cookie, then send N queries carrying it: print
#             "FULL TC" (answers with records, TC answers)
# Loopback only.
# SPDX-License-Identifier: BSD-3-Clause
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from udpflood import QUESTION, flood  # noqa: E402

cmd, src, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


def query(qid, cookie):
    opt_data = struct.pack("!HH", 10, len(cookie)) + cookie
    return (struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + QUESTION
            + b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opt_data)) + opt_data)


def find_cookie(msg):
    """The COOKIE option's data in a reply's OPT record (the last record), or None."""
    i = msg.rfind(struct.pack("!HH", 10, 24))
    return msg[i + 4:i + 28] if i > 0 else None


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
s.settimeout(2)
dst = ("127.0.0.1", port)
if cmd == "badlen":
    s.sendto(query(1, b"\1\2\3\4"), dst)
    print(s.recv(4096)[3] & 15)
elif cmd == "flood":
    cc = os.urandom(8)
    s.sendto(query(1, cc), dst)
    full = find_cookie(s.recv(4096))
    assert full is not None and full[:8] == cc, "no server cookie"
    full_answers, tc = flood(s, dst, lambda i: query(i, full), int(sys.argv[4]))
    print(full_answers, tc)

#!/usr/bin/env python3
# udpflood.py SRC PORT COUNT -- send COUNT identical UDP queries for
# www.example.net A from SRC to 127.0.0.1@PORT within about 0.2 s, collect
# the replies for 1 s and print "FULL TC" (answers with records, empty TC
# answers). flood() is shared with cookieclient.py. Loopback only.
# SPDX-License-Identifier: BSD-3-Clause
import socket
import struct
import sys
import time

QUESTION = b"\3www\7example\3net\0" + struct.pack("!HH", 1, 1)


def flood(s, dst, make_query, count):
    """Send make_query(i) for i < count from socket s (bursts of 50), reading
    replies meanwhile so the receive buffer never overflows, then for 1 s
    more. Returns (full answers, TC answers)."""
    got = [0, 0]

    def take(msg):
        flags, an = struct.unpack("!HH", msg[2:4] + msg[6:8])
        if flags & 0x0200:
            got[1] += 1
        elif an > 0:
            got[0] += 1

    def drain():
        s.setblocking(False)
        try:
            while True:
                take(s.recv(4096))
        except BlockingIOError:
            pass

    for i in range(count):
        s.sendto(make_query(i), dst)
        if i % 50 == 49:
            time.sleep(0.01)
            drain()
    s.settimeout(0.2)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        try:
            take(s.recv(4096))
        except socket.timeout:
            continue
    return got[0], got[1]


if __name__ == "__main__":
    src, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, 0))
    full, tc = flood(sock, ("127.0.0.1", port),
                     lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0) + QUESTION, count)
    print(full, tc)

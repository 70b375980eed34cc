#!/usr/bin/env python3
# udpflood.py SRC PORT COUNT -- send COUNT identical UDP queries for
# www.example.net A from SRC to 127.0.0.1@PORT within about 0.2 s, collect
# the replies for 1 s and print "FULL TC" (answers with records, empty TC
# answers). Loopback only.
# SPDX-License-Identifier: BSD-3-Clause
import socket
import struct
import sys
import time

src, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
q = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + b"\3www\7example\3net\0" + struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
full = tc = 0


def take(msg):
    global full, tc
    flags, an = struct.unpack("!H", msg[2:4])[0], struct.unpack("!H", msg[6:8])[0]
    if flags & 0x0200:
        tc += 1
    elif an > 0:
        full += 1


def drain():
    # read what has come so far, so our receive buffer never overflows
    s.setblocking(False)
    try:
        while True:
            take(s.recv(4096))
    except BlockingIOError:
        pass
    s.setblocking(True)


for i in range(count):
    s.sendto(struct.pack("!H", i) + q[2:], ("127.0.0.1", port))
    if i % 50 == 49:
        time.sleep(0.01)
        drain()
deadline = time.monotonic() + 1.0
s.settimeout(0.2)
while time.monotonic() < deadline:
    try:
        take(s.recv(4096))
    except socket.timeout:
        continue
print(full, tc)

#!/usr/bin/env python3
"""stall.py PORT SOURCE ZONE N SECONDS: open N TCP connections from SOURCE to
127.0.0.1:PORT, send an AXFR for ZONE on each, read nothing; print "sent",
hold them SECONDS at most (or until stdin closes), then close them.
A reader that never reads: the server must not stall on it (test_xfr_out.sh)."""
import socket
import struct
import sys
import select


def query(zone, qid):
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in zone.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 252, 1)
    return struct.pack(">H", len(q)) + q


def main():
    port, src, zone, n, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # small: the server's output backs up
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(query(zone, 1000 + i))
        socks.append(s)
    print("sent", flush=True)
    select.select([sys.stdin], [], [], secs)
    for s in socks:
        s.close()


main()

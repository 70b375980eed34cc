#!/usr/bin/env python3
"""probe.py T0 PORT SRC,NAME,ADDR... [--pid PID] [--timeout S]

Start-to-first-answer probe for bench/compare.sh. From each source address
SRC (a loopback address: the server's view is chosen by it) it asks
127.0.0.1:PORT for NAME A every 2 ms until the answer holds the A record ADDR,
then prints the seconds from T0 (a Unix time, `date +%s.%N` taken just before
the server was started) to the moment the last of the sources got its correct
answer. Wrong answers (REFUSED, SERVFAIL while loading, an older address)
and silence are simply asked again. Exit 1 if the server process PID is gone
or nothing correct came within the timeout (default 300 s)."""
import os
import random
import select
import socket
import struct
import sys
import time


def query(qid, name):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + wire + struct.pack("!HH", 1, 1)


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n >= 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += n + 1


def has_a(msg, qid, addr):
    """True if msg answers query qid with NOERROR and the A record addr."""
    if len(msg) < 12:
        return False
    rid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    if rid != qid or not flags & 0x8000 or flags & 0xF != 0:
        return False
    try:
        off = 12
        for _ in range(qd):
            off = skip_name(msg, off) + 4
        for _ in range(an):
            off = skip_name(msg, off)
            rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10
            if rtype == 1 and msg[off:off + rdlen] == addr:
                return True
            off += rdlen
    except (IndexError, struct.error):
        return False
    return False


def main():
    args, pid, timeout = [], None, 300.0
    it = iter(sys.argv[1:])
    for a in it:
        if a == "--pid":
            pid = int(next(it))
        elif a == "--timeout":
            timeout = float(next(it))
        else:
            args.append(a)
    if len(args) < 3:
        sys.exit(__doc__)
    t0, port = float(args[0]), int(args[1])
    todo = {}  # socket -> (qid, query, expected rdata)
    for spec in args[2:]:
        src, name, addr = spec.split(",")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        qid = random.randrange(65536)
        todo[s] = (qid, query(qid, name), socket.inet_aton(addr))
    deadline = time.time() + timeout
    while todo:
        now = time.time()
        if now > deadline:
            print(f"probe: no correct answer within {timeout:.0f} s", file=sys.stderr)
            return 1
        if pid is not None and not os.path.exists(f"/proc/{pid}"):
            print(f"probe: server process {pid} is gone", file=sys.stderr)
            return 1
        for s, (_, q, _) in todo.items():
            try:
                s.send(q)
            except ConnectionRefusedError:  # the port is not bound yet
                pass
        end = time.time() + 0.002
        while todo and (left := end - time.time()) > 0:
            ready, _, _ = select.select(list(todo), [], [], left)
            for s in ready:
                try:
                    msg = s.recv(4096)
                except ConnectionRefusedError:
                    continue
                qid, _, addr = todo[s]
                if has_a(msg, qid, addr):
                    del todo[s]
                    s.close()
    print(f"{time.time() - t0:.3f}")
    return 0


sys.exit(main())

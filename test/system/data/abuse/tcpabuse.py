#!/usr/bin/env python3
# tcpabuse.py -- misbehaving TCP clients for test_tcp_abuse.sh: trickling
# (slowloris), many connections from one address, idle connections filling
# every slot. Each command prints one line the test compares. Loopback only.
# SPDX-License-Identifier: BSD-3-Clause
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/net")
from dnsclient import build_query, parse, tcp_read_msg  # noqa: E402


def connect(src, host, port):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((host, port))
    return s


def closed_by_server(s, wait=0.3):
    """True if the server has closed s (EOF or reset) within wait seconds."""
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def ask(s, name, qid):
    """One query on s; True if its answer (same id) came back."""
    _, q = build_query(name, qid=qid)
    try:
        s.settimeout(3)
        s.sendall(struct.pack("!H", len(q)) + q)
        msg = tcp_read_msg(s)
        return msg is not None and parse(msg)[0] == qid
    except OSError:
        return False


def cmd_trickle(host, port, src, every, limit):
    """Send one query one byte every `every` seconds: print how long until
    the server closed the connection, or 'never' within limit seconds."""
    s = connect(src, host, port)
    _, q = build_query("www.example.net", qid=7)
    data = struct.pack("!H", len(q)) + q
    t0 = time.monotonic()
    for b in data:
        if time.monotonic() - t0 > limit:
            break
        try:
            s.send(bytes([b]))
        except OSError:
            print("%.1f" % (time.monotonic() - t0))
            return 0
        if closed_by_server(s, every):
            print("%.1f" % (time.monotonic() - t0))
            return 0
    print("never")
    return 0


def cmd_lifetime(host, port, src, every, limit):
    """One query every `every` seconds on one connection: print whether
    every query sent was answered and when the server closed it, or
    'never' within limit seconds."""
    s = connect(src, host, port)
    t0 = time.monotonic()
    qid = sent = answered = 0
    while time.monotonic() - t0 < limit:
        qid += 1
        sent += 1
        answered += ask(s, "www.example.net", qid)
        if closed_by_server(s, every):
            print("%d/%d answered, closed %.1f" % (answered, sent, time.monotonic() - t0))
            return 0
    print("%d/%d answered, never" % (answered, sent))
    return 0


def cmd_per_source(host, port, src, count):
    """Open count connections from src: print how many the server kept."""
    conns = [connect(src, host, port) for _ in range(count)]
    time.sleep(0.3)
    kept = [s for s in conns if not closed_by_server(s, 0.05)]
    answered = sum(ask(s, "www.example.net", 100 + i) for i, s in enumerate(kept))
    print("%d kept, %d answered" % (len(kept), answered))
    return 0


def cmd_evict(host, port, fresh, slots):
    """Fill every slot with idle connections (two per address 127.0.0.10..),
    then ask from a fresh address: print whether it was answered and how
    many of the idle ones the server closed (the oldest first)."""
    idle = []
    for i in range(slots):
        idle.append(connect("127.0.0.%d" % (10 + i // 2), host, port))
        time.sleep(0.02)   # a clear order: the first is the oldest
    time.sleep(0.2)
    s = connect(fresh, host, port)
    ok = ask(s, "www.example.net", 55)
    gone = [i for i, c in enumerate(idle) if closed_by_server(c, 0.05)]
    print("fresh %s, closed %s" % ("answered" if ok else "not answered", gone))
    return 0


def cmd_evict_burst(host, port, fresh, slots, pid):
    """As evict, but the server (pid) is stopped (SIGSTOP by the caller)
    while every connection is made: the worker accepts them all in one burst
    once continued, within one tick of the coarse clock, so only the order
    of acceptance can tell the oldest."""
    idle = [connect("127.0.0.%d" % (10 + i // 2), host, port) for i in range(slots)]
    s = connect(fresh, host, port)   # the kernel completes the handshake
    os.kill(pid, signal.SIGCONT)
    ok = ask(s, "www.example.net", 56)
    gone = [i for i, c in enumerate(idle) if closed_by_server(c, 0.05)]
    print("fresh %s, closed %s" % ("answered" if ok else "not answered", gone))
    return 0


def cmd_slowloris(host, port, src, count, fresh, queries):
    """count connections from src each trickle a message, while `queries`
    fresh connections from `fresh` ask one question each: print how many
    were answered and the slowest answer's time (seconds)."""
    slow = []
    for _ in range(count):
        try:
            c = connect(src, host, port)
            c.send(b"\x00")   # half a length prefix, then nothing more
            slow.append(c)
        except OSError:
            pass
    answered, worst = 0, 0.0
    for i in range(queries):
        t0 = time.monotonic()
        try:
            s = connect(fresh, host, port)
            if ask(s, "www.example.net", 200 + i):
                answered += 1
            s.close()
        except OSError:
            pass
        worst = max(worst, time.monotonic() - t0)
    for c in slow:
        c.close()
    print("%d answered, slowest %s" % (answered, "under 2 s" if worst < 2 else "%.1f s" % worst))
    return 0


def main(argv):
    cmd, host, port = argv[1], argv[2], int(argv[3])
    a = argv[4:]
    if cmd == "trickle":
        return cmd_trickle(host, port, a[0], float(a[1]), float(a[2]))
    if cmd == "lifetime":
        return cmd_lifetime(host, port, a[0], float(a[1]), float(a[2]))
    if cmd == "per-source":
        return cmd_per_source(host, port, a[0], int(a[1]))
    if cmd == "evict":
        return cmd_evict(host, port, a[0], int(a[1]))
    if cmd == "evict-burst":
        return cmd_evict_burst(host, port, a[0], int(a[1]), int(a[2]))
    if cmd == "slowloris":
        return cmd_slowloris(host, port, a[0], int(a[1]), a[2], int(a[3]))
    print("unknown command " + cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

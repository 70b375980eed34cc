#!/usr/bin/env python3
# dnsclient.py -- small DNS client for the transport tests: raw UDP/TCP
# behaviour that dig cannot show (pipelining, idle timeout, connection cap,
# bad framing, reply source address). Loopback addresses only.
# SPDX-License-Identifier: BSD-3-Clause
import random
import socket
import struct
import sys
import time


def build_query(name, qtype=1, qid=None, rd=False):
    qid = random.randrange(65536) if qid is None else qid
    flags = 0x0100 if rd else 0
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".") if l) + b"\0"
    return qid, struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def parse(msg):
    """Return (id, flags, rcode, [A/AAAA addresses in the answer])."""
    qid, flags, qd, an, _ns, _ar = struct.unpack("!HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28 and rdlen == 16:
            addrs.append(socket.inet_ntop(socket.AF_INET6, rdata))
        off += rdlen
    return qid, flags, flags & 0xF, addrs


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def tcp_read_msg(s):
    hdr = recv_exact(s, 2)
    if hdr is None:
        return None
    return recv_exact(s, struct.unpack("!H", hdr)[0])


def tcp_connect(host, port, timeout=5.0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def wait_closed(s, limit):
    """Seconds until the peer closes (EOF or reset), or None after limit."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return time.monotonic() - t0
    except ConnectionResetError:
        return time.monotonic() - t0
    except socket.timeout:
        return None


def cmd_srcaddr(host, port, name):
    """Ask over UDP on an unconnected socket; print the reply's source address."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    qid, q = build_query(name)
    s.sendto(q, (host, port))
    msg, peer = s.recvfrom(65535)
    rid, flags, rcode, _ = parse(msg)
    if rid != qid or not flags & 0x8000:
        print("bad reply id/flags")
        return 1
    print(peer[0])
    return 0


def cmd_pipeline(host, port, name, count):
    """Send count queries in one write; the answers must come back in order."""
    s = tcp_connect(host, port)
    ids, blob = [], b""
    for i in range(count):
        qid, q = build_query(name, qtype=1 if i % 2 == 0 else 6, qid=1000 + i)
        ids.append(qid)
        blob += struct.pack("!H", len(q)) + q
    s.sendall(blob)
    got = []
    for _ in range(count):
        msg = tcp_read_msg(s)
        if msg is None:
            print("connection closed after %d answers" % len(got))
            return 1
        rid, flags, rcode, _ = parse(msg)
        if not flags & 0x8000:
            print("answer without QR")
            return 1
        got.append(rid)
    if got != ids:
        print("answers out of order: %s" % got)
        return 1
    print("ok %d in order" % count)
    return 0


def cmd_idle(host, port, limit):
    """Connect, send nothing: print how long until the server closes."""
    s = tcp_connect(host, port)
    t = wait_closed(s, limit)
    print("never" if t is None else "%.2f" % t)
    return 0


def cmd_idle_reset(host, port, name, every, times, limit):
    """Query every `every` seconds `times` times (each must be answered, so
    activity resets the idle timer), then print how long until close."""
    s = tcp_connect(host, port)
    for i in range(times):
        time.sleep(every)
        qid, q = build_query(name, qid=2000 + i)
        s.sendall(struct.pack("!H", len(q)) + q)
        msg = tcp_read_msg(s)
        if msg is None or parse(msg)[0] != qid:
            print("closed or bad answer at query %d" % i)
            return 1
    t = wait_closed(s, limit)
    print("never" if t is None else "%.2f" % t)
    return 0


def cmd_cap(host, port, name, count):
    """Open count connections at once, then query on each: print how many
    were answered."""
    conns = [tcp_connect(host, port) for _ in range(count)]
    time.sleep(0.3)
    answered = 0
    for i, s in enumerate(conns):
        qid, q = build_query(name, qid=3000 + i)
        try:
            s.sendall(struct.pack("!H", len(q)) + q)
            s.settimeout(2)
            msg = tcp_read_msg(s)
            if msg is not None and parse(msg)[0] == qid:
                answered += 1
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            pass
    for s in conns:
        s.close()
    print(answered)
    return 0


def cmd_oversize(host, port, limit):
    """A length prefix larger than what follows: nothing may be answered and
    the server must close; print how long that took."""
    s = tcp_connect(host, port)
    qid, q = build_query("example.net")
    s.sendall(struct.pack("!H", 1000) + q)
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        data = b""
    except socket.timeout:
        print("never")
        return 0
    if data:
        print("answered a truncated message")
        return 1
    print("%.2f" % (time.monotonic() - t0))
    return 0


def cmd_zerolen(host, port, limit):
    """A zero-length message closes the connection at once."""
    s = tcp_connect(host, port)
    s.sendall(b"\0\0")
    t = wait_closed(s, limit)
    print("never" if t is None else "%.2f" % t)
    return 0


def cmd_halfclose(host, port, name):
    """Send two queries, shut down our side: both answers must still come."""
    s = tcp_connect(host, port)
    blob, ids = b"", []
    for i in range(2):
        qid, q = build_query(name, qid=4000 + i)
        ids.append(qid)
        blob += struct.pack("!H", len(q)) + q
    s.sendall(blob)
    s.shutdown(socket.SHUT_WR)
    got = []
    while True:
        msg = tcp_read_msg(s)
        if msg is None:
            break
        got.append(parse(msg)[0])
    print("ok" if got == ids else "got %s" % got)
    return 0 if got == ids else 1


def main(argv):
    cmd, host, port = argv[1], argv[2], int(argv[3])
    rest = argv[4:]
    if cmd == "srcaddr":
        return cmd_srcaddr(host, port, rest[0])
    if cmd == "pipeline":
        return cmd_pipeline(host, port, rest[0], int(rest[1]))
    if cmd == "idle":
        return cmd_idle(host, port, float(rest[0]))
    if cmd == "idle-reset":
        return cmd_idle_reset(host, port, rest[0], float(rest[1]), int(rest[2]), float(rest[3]))
    if cmd == "cap":
        return cmd_cap(host, port, rest[0], int(rest[1]))
    if cmd == "oversize":
        return cmd_oversize(host, port, float(rest[0]))
    if cmd == "zerolen":
        return cmd_zerolen(host, port, float(rest[0]))
    if cmd == "halfclose":
        return cmd_halfclose(host, port, rest[0])
    print("unknown command " + cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""hostile.py -- malformed and unexpected packets, sent to horizond.

Each case is raw bytes plus the documented expectation (docs/differences.md,
"Malformed queries"): an rcode in a reply that echoes the query ID with QR
set, or silence. After each case a well-formed query must still be answered:
the server is alive. BIND gets the same bytes: unless a case is marked as a
documented difference (BIND_DIFFERS), horizond's reply header (flags, rcode,
section counts) must be BIND's too, and an OPT must be in both or neither.
SPDX-License-Identifier: BSD-3-Clause
"""
import socket
import struct
import time

SILENCE = "silence"
QID = 0x4A7C


def _hdr(flags=0x0000, qd=1, an=0, ns=0, ar=0, qid=QID):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def _name(text):
    out = b""
    for label in text.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


QUESTION = _name("www.example.com") + struct.pack("!HH", 1, 1)
# OPT RR: root owner, type 41, payload 1232, ext-rcode/version/flags 0, rdlen 0
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
A_RR = _name("www.example.com") + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
# a record of type TSIG (250) with an empty RDATA: only its place is wrong
TSIG_LIKE = _name("key.example") + struct.pack("!HHIH", 250, 255, 0, 0)
# OPT of EDNS version 1 (BADVERS)
OPT_V1 = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x00010000, 0)
# AA TC RD RA Z AD CD
ALL_FLAGS = 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0040 | 0x0020 | 0x0010


def _opcode(op):
    return op << 11


# (name, transport, bytes, expected rcode name or SILENCE)
CASES = [
    ("empty datagram", "udp", b"", SILENCE),
    ("header of 5 bytes", "udp", _hdr()[:5], SILENCE),
    ("header of 11 bytes", "udp", _hdr()[:11], SILENCE),
    ("QR=1 on a well-formed query", "udp", _hdr(flags=0x8000) + QUESTION, SILENCE),
    ("QR=1 with rcode and garbage", "udp", _hdr(flags=0x8005) + b"\xff" * 20, SILENCE),
    ("QDCOUNT 0, nothing else", "udp", _hdr(qd=0), "FORMERR"),
    ("QDCOUNT 2, two questions", "udp", _hdr(qd=2) + QUESTION + QUESTION, "FORMERR"),
    ("QDCOUNT 1 but no question bytes", "udp", _hdr(), "FORMERR"),
    ("question cut inside the name", "udp", _hdr() + QUESTION[:7], "FORMERR"),
    ("question without type/class", "udp", _hdr() + _name("www.example.com"), "FORMERR"),
    ("compression pointer to itself", "udp", _hdr() + b"\xc0\x0c" + struct.pack("!HH", 1, 1), "FORMERR"),
    ("compression pointer loop of two", "udp",
     _hdr() + b"\x03www\xc0\x12" + b"\xc0\x0c" + struct.pack("!HH", 1, 1), "FORMERR"),
    ("forward compression pointer", "udp",
     _hdr() + b"\x03www\xc0\x16" + struct.pack("!HH", 1, 1) + b"\x07example\x03com\x00", "FORMERR"),
    # offset 2 holds the flags (0x0000), which would read as the root name;
    # no real client points into the header: horizond refuses the packet
    ("pointer into the header", "udp", _hdr() + b"\xc0\x02" + struct.pack("!HH", 1, 1),
     "FORMERR"),
    ("label length 64 (0x40 label type)", "udp",
     _hdr() + b"\x40" + b"a" * 64 + b"\x00" + struct.pack("!HH", 1, 1), "FORMERR"),
    ("label type 0x80", "udp", _hdr() + b"\x80abc\x00" + struct.pack("!HH", 1, 1), "FORMERR"),
    ("name longer than 255 octets", "udp",
     _hdr() + (b"\x3f" + b"a" * 63) * 4 + b"\x05bcdef\x00" + struct.pack("!HH", 1, 1), "FORMERR"),
    # bytes after the last record are ignored, as BIND does
    ("trailing garbage after the question", "udp", _hdr() + QUESTION + b"\xde\xad\xbe\xef", "NOERROR"),
    ("trailing bytes after an OPT", "udp", _hdr(ar=1) + QUESTION + OPT + b"\x00" * 5, "NOERROR"),
    ("trailing OPT-like bytes, ARCOUNT 0", "udp", _hdr() + QUESTION + OPT, "NOERROR"),
    ("ANCOUNT 1 announced, nothing there", "udp", _hdr(an=1) + QUESTION, "FORMERR"),
    ("a record in the answer section", "udp", _hdr(an=1) + QUESTION + A_RR, "NOERROR"),
    ("a record in the authority section", "udp", _hdr(ns=1) + QUESTION + A_RR, "NOERROR"),
    ("QDCOUNT 0 with an OPT", "udp", _hdr(qd=0, ar=1) + OPT, "FORMERR"),
    ("QDCOUNT 1, question cut, with an OPT", "udp", _hdr(ar=1) + QUESTION[:7], "FORMERR"),
    ("OPT in the answer section", "udp", _hdr(an=1) + QUESTION + OPT, "FORMERR"),
    ("OPT in the authority section", "udp", _hdr(ns=1) + QUESTION + OPT, "FORMERR"),
    ("TSIG-typed record in the answer section", "udp", _hdr(an=1) + QUESTION + TSIG_LIKE, "FORMERR"),
    ("two OPT records", "udp", _hdr(ar=2) + QUESTION + OPT + OPT, "FORMERR"),
    ("OPT with a non-root owner", "udp",
     _hdr(ar=1) + QUESTION + _name("x") + struct.pack("!HHIH", 41, 1232, 0, 0), "FORMERR"),
    ("OPT with rdlength past the end", "udp",
     _hdr(ar=1) + QUESTION + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 20) + b"\x00\x0a", "FORMERR"),
    ("opcode IQUERY (1)", "udp", _hdr(flags=_opcode(1)) + QUESTION, "NOTIMP"),
    ("opcode STATUS (2)", "udp", _hdr(flags=_opcode(2)) + QUESTION, "NOTIMP"),
    ("opcode 3 (unassigned)", "udp", _hdr(flags=_opcode(3)) + QUESTION, "NOTIMP"),
    # genreport's opcodeflg: no flag of the request comes back
    ("opcode 15, all flags set", "udp", _hdr(flags=_opcode(15) | ALL_FLAGS) + QUESTION, "NOTIMP"),
    ("opcode 15, all flags set, EDNS", "udp",
     _hdr(flags=_opcode(15) | ALL_FLAGS, ar=1) + QUESTION + OPT, "NOTIMP"),
    # BADVERS (16): 0 in the header's rcode, 1 in the OPT's extended rcode
    ("opcode 15, EDNS version 1", "udp", _hdr(flags=_opcode(15), ar=1) + QUESTION + OPT_V1, "NOERROR"),
    ("opcode 15, QDCOUNT 0", "udp", _hdr(flags=_opcode(15), qd=0), "NOTIMP"),
    ("opcode 15, QDCOUNT 2", "udp", _hdr(flags=_opcode(15), qd=2) + QUESTION + QUESTION, "FORMERR"),
    ("opcode 15, class ANY", "udp", _hdr(flags=_opcode(15)) + _name("example.com") +
     struct.pack("!HH", 1, 255), "FORMERR"),
    ("opcode 15, OPT cut short", "udp", _hdr(flags=_opcode(15), ar=1) + QUESTION + OPT[:6], "FORMERR"),
    ("opcode NOTIFY (4)", "udp", _hdr(flags=_opcode(4) | 0x0400) + _name("example.com") +
     struct.pack("!HH", 6, 1), "NOERROR"),
    ("opcode NOTIFY, RD and CD set, EDNS", "udp", _hdr(flags=_opcode(4) | 0x0510, ar=1) +
     _name("example.com") + struct.pack("!HH", 6, 1) + OPT, "NOERROR"),
    ("opcode NOTIFY below the apex", "udp", _hdr(flags=_opcode(4)) + _name("www.example.com") +
     struct.pack("!HH", 6, 1), "NOTAUTH"),
    ("opcode NOTIFY, zone not served", "udp", _hdr(flags=_opcode(4)) + _name("example.org") +
     struct.pack("!HH", 6, 1), "NOTAUTH"),
    ("opcode NOTIFY, type A", "udp", _hdr(flags=_opcode(4)) + QUESTION, "FORMERR"),
    ("opcode NOTIFY, class CH", "udp", _hdr(flags=_opcode(4)) + _name("example.com") +
     struct.pack("!HH", 6, 3), "NOTIMP"),
    ("opcode NOTIFY, class ANY", "udp", _hdr(flags=_opcode(4)) + _name("example.com") +
     struct.pack("!HH", 6, 255), "FORMERR"),
    ("opcode NOTIFY, QDCOUNT 0, EDNS", "udp", _hdr(flags=_opcode(4), qd=0, ar=1) + OPT, "FORMERR"),
    ("opcode NOTIFY, EDNS version 1", "udp", _hdr(flags=_opcode(4), ar=1) + _name("example.com") +
     struct.pack("!HH", 6, 1) + OPT_V1, "NOERROR"),
    # the zone allows no dynamic updates (docs/dynamic-updates.md)
    ("opcode UPDATE (5)", "udp", _hdr(flags=_opcode(5), qd=1) + _name("example.com") +
     struct.pack("!HH", 6, 1), "REFUSED"),
    ("opcode DSO (6)", "udp", _hdr(flags=_opcode(6), qd=0), "NOTIMP"),
    ("opcode 15", "udp", _hdr(flags=_opcode(15)) + QUESTION, "NOTIMP"),
    ("QDCOUNT 0 over TCP", "tcp", _hdr(qd=0), "FORMERR"),
    ("trailing garbage over TCP", "tcp", _hdr() + QUESTION + b"\x00" * 7, "NOERROR"),
    ("opcode 15, all flags set, over TCP", "tcp", _hdr(flags=_opcode(15) | ALL_FLAGS) + QUESTION, "NOTIMP"),
    ("QR=1 over TCP", "tcp", _hdr(flags=0x8000) + QUESTION, SILENCE),
    ("header of 11 bytes over TCP", "tcp", _hdr()[:11], SILENCE),
    # the length prefix says 200; 31 bytes follow and the client stops sending
    ("TCP length prefix larger than the data", "tcp-short", _hdr() + QUESTION, SILENCE),
]


def _send(wire, transport, port, timeout=1.0):
    """Send raw bytes from 127.0.0.1 to 127.0.0.1:port; reply bytes or None."""
    if transport == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(timeout)
            s.bind(("127.0.0.1", 0))
            s.sendto(wire, ("127.0.0.1", port))
            return s.recvfrom(65535)[0]
        except (socket.timeout, OSError):
            return None
        finally:
            s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", port))
        if transport == "tcp-short":
            s.sendall(struct.pack("!H", 200) + wire)
            s.shutdown(socket.SHUT_WR)
        else:
            s.sendall(struct.pack("!H", len(wire)) + wire)
        hdr = s.recv(2)
        if len(hdr) < 2:
            return None
        want = struct.unpack("!H", hdr)[0]
        data = b""
        while len(data) < want:
            chunk = s.recv(want - len(data))
            if not chunk:
                break
            data += chunk
        return data
    except (socket.timeout, OSError):
        return None
    finally:
        s.close()


RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
          9: "NOTAUTH"}


# Cases where horizond's reply is documented to differ from BIND's
# (docs/differences.md, "Malformed queries"): only the rcode is checked.
BIND_DIFFERS = {
    "pointer into the header",     # BIND reads the flags as the root name
    "opcode UPDATE (5)",           # update.c's reply (docs/dynamic-updates.md)
}


def _header(reply):
    """What must be the same as BIND's: flags, rcode, section counts, OPT present."""
    if reply is None or len(reply) < 12:
        return None
    flags, qd, an, ns, ar = struct.unpack("!HHHHH", reply[2:12])
    return f"flags {flags:#06x} qd {qd} an {an} ns {ns} ar {ar} opt {_has_opt(reply, qd, an + ns + ar)}"


def _skip_name(msg, pos):
    while pos < len(msg):
        if msg[pos] >= 0xC0:
            return pos + 2
        if msg[pos] == 0:
            return pos + 1
        pos += 1 + msg[pos]
    raise IndexError("name runs past the end")


def _has_opt(msg, qd, nrr):
    """Whether an OPT record is among the nrr records (walked by hand:
    dnspython refuses replies with unknown opcodes)."""
    try:
        pos = 12
        for _ in range(qd):
            pos = _skip_name(msg, pos) + 4
        for _ in range(nrr):
            pos = _skip_name(msg, pos)
            rtype, rdlen = struct.unpack("!H6xH", msg[pos:pos + 10])
            if rtype == 41:
                return True
            pos += 10 + rdlen
        return False
    except (IndexError, struct.error):
        return "unparsable"


def _outcome(reply):
    """What the reply says: 'silence', an rcode name, or a description of a bad reply."""
    if reply is None:
        return SILENCE
    if len(reply) < 12:
        return f"short reply of {len(reply)} bytes"
    qid, flags = struct.unpack("!HH", reply[:4])
    if qid != QID:
        return f"reply with wrong id {qid:#x}"
    if not flags & 0x8000:
        return "reply without QR"
    return RCODES.get(flags & 0xF, f"rcode {flags & 0xF}")


def _alive(exchange, port):
    """A well-formed query is answered (any rcode): the server still works."""
    wire = _hdr(qid=0x1111) + QUESTION
    return exchange(wire, "127.0.0.1", "127.0.0.1", port, "udp", timeout=2.0) is not None


def hostile_run(hz, bind, exchange, verbose=False):
    """Run every case on horizond (hz may be None: then BIND only, informative).
    Returns (passed, failed)."""
    passed = failed = 0
    print("\nMalformed queries (expected per docs/differences.md):")
    for name, transport, wire, want in CASES:
        ref = _outcome(_send(wire, transport, bind.port)) if bind is not None else "-"
        if hz is None:
            print(f"  {name:42} expect {want:8} bind {ref}")
            continue
        t0 = time.monotonic()
        reply = _send(wire, transport, hz.port)
        got = _outcome(reply)
        alive = _alive(exchange, hz.port) and hz.alive()
        ok = got == want and alive
        if ok and bind is not None and name not in BIND_DIFFERS:
            mine, theirs = _header(reply), _header(_send(wire, transport, bind.port))
            if mine != theirs:
                ok = False
                got = f"{got}, header {mine} where BIND's is {theirs}"
        if ok:
            passed += 1
            if verbose:
                print(f"  ok   {name:42} {got:8} (bind {ref})")
        else:
            failed += 1
            extra = "" if alive else "; horizond no longer answers"
            print(f"FAIL hostile/{name}: expected {want}, horizond {got}{extra} "
                  f"(bind: {ref}; {time.monotonic() - t0:.1f}s)")
    return passed, failed

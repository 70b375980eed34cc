#!/usr/bin/env python3
# reload_gap.py -- keep a few UDP queries in flight against horizond and
# report the longest gap between two consecutive answers, lost queries and
# rcodes. Used by bench/reload_gap.sh (gap while a big zone reloads) and by
# test/system/test_reload.sh (nothing lost, no SERVFAIL across reloads).
#
#   reload_gap.py -p PORT -f NAMES [-s 127.0.0.1] [-b SRC]... [-w WINDOW]
#                 [-d SECONDS] [-n COUNT] [-t TIMEOUT] [-r QPS] [-g GAPFILE]
#                 [-P STALLFILE]
#
# NAMES holds one "name [type]" per line (type defaults to A). The client
# sends until COUNT queries or SECONDS have gone, keeping WINDOW queries
# outstanding (closed loop: a new query leaves when an answer arrives), each
# from the next of the -b source addresses in turn. -r QPS: at most QPS
# queries a second (paced: otherwise this client takes a whole CPU, and on a
# two-CPU machine it then competes with the server's workers for theirs). A query unanswered after
# TIMEOUT seconds is lost (and replaced). SIGTERM or SIGINT ends the run
# early: no more queries are sent, those in flight are waited for. The summary is printed as
# "key value" lines for scripts, e.g. "lost 0", "servfail 0",
# "max_gap_ms 1.234". Only loopback addresses are accepted.
#
# Times of answers are the kernel's receive timestamps (SO_TIMESTAMPNS): on
# loopback that is when the server sent the answer, whenever this client gets
# to read it. Three figures:
#   max_gap_ms         longest time between two consecutive answers;
#   max_server_gap_ms  the same, but a gap starts no earlier than the send
#                      time of the query that ends it (read when send()
#                      returns): time in which this client (descheduled on a
#                      busy machine) had nothing in flight is not blamed on
#                      the server;
#   max_latency_ms     longest time from sending a query to its answer.
# -P STALLFILE: the output of bench/stall_probe (read when the run ends), the
# times when a CPU could run no thread at all (the hypervisor had taken it, or
# the kernel would not be preempted). Each gap of max_server_gap_ms is then
# also counted without the time it overlaps such a stall on any CPU (client
# and server need one each):
#   max_unexplained_gap_ms  the longest remainder: what the machine's stalls
#                           do not explain;
#   stalls, longest_stall_ms  stalls of the probe within this run.
# SPDX-License-Identifier: BSD-3-Clause
import argparse
import ipaddress
import selectors
import signal
import socket
import struct
import sys
import time

# Linux <asm-generic/socket.h>; Python does not export it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
          "AAAA": 28, "SRV": 33, "ANY": 255}
RCODES = {0: "noerror", 1: "formerr", 2: "servfail", 3: "nxdomain", 4: "notimp", 5: "refused"}


def loopback(addr):
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def read_names(path):
    """Question sections (name + type + class IN) from "name [type]" lines."""
    questions = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            qtype = parts[1].upper() if len(parts) > 1 else "A"
            if qtype not in QTYPES:
                sys.exit("%s:%d: unknown type %s" % (path, lineno, qtype))
            questions.append(encode_name(parts[0]) + struct.pack("!HH", QTYPES[qtype], 1))
    if not questions:
        sys.exit("%s: no names" % path)
    return questions


def read_stalls(path, start, end):
    """Merged (from, to) wall-time intervals in which a CPU ran nothing,
    from stall_probe lines "HH:MM:SS.mmmZ EPOCH cpu N late MS", clipped to
    the run [start, end]."""
    spans = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 6 and parts[2] == "cpu" and parts[4] == "late":
                at = float(parts[1])
                until = at + float(parts[5]) / 1e3
                if until > start and at < end:
                    spans.append((max(at, start), min(until, end)))
    spans.sort()
    merged = []
    for at, until in spans:
        if merged and at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((at, until))
    return merged, len(spans), max((u - t for t, u in spans), default=0.0)


def overlap(at, until, merged):
    """How much of [at, until] the merged intervals cover."""
    covered = 0.0
    for s_at, s_until in merged:
        if s_at >= until:
            break
        covered += max(0.0, min(until, s_until) - max(at, s_at))
    return covered


def parse_args():
    ap = argparse.ArgumentParser(description="longest gap between answers under load")
    ap.add_argument("-s", "--server", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("-b", "--source", action="append", default=[],
                    help="source address (repeat for several; default 127.0.0.1)")
    ap.add_argument("-f", "--names", required=True)
    ap.add_argument("-w", "--window", type=int, default=4)
    ap.add_argument("-d", "--duration", type=float, default=10.0)
    ap.add_argument("-n", "--count", type=int, default=10**9)
    ap.add_argument("-t", "--timeout", type=float, default=1.0)
    ap.add_argument("-r", "--rate", type=float, default=0.0,
                    help="at most this many queries a second (0: as fast as answers come)")
    ap.add_argument("-g", "--gaps", help="write every gap over 1 ms here (wall time, ms)")
    ap.add_argument("-P", "--stalls", help="bench/stall_probe's output: subtract those stalls")
    a = ap.parse_args()
    a.source = a.source or ["127.0.0.1"]
    for addr in [a.server] + a.source:
        if not loopback(addr):
            sys.exit("%s: not a loopback address; this client only talks to 127.0.0.0/8 and ::1" % addr)
    if a.window < 1 or a.duration <= 0 or a.count < 1 or a.timeout <= 0 or a.rate < 0:
        sys.exit("window, duration, count and timeout must be positive, rate not negative")
    return a


def main():
    a = parse_args()
    questions = read_names(a.names)
    fam = socket.AF_INET6 if ":" in a.server else socket.AF_INET
    sel = selectors.DefaultSelector()
    socks = []
    for src in a.source:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.connect((a.server, a.port))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sel.register(s, selectors.EVENT_READ, len(socks))
        socks.append(s)

    pending = {}        # (socket index, id) -> (send time, question index, wall send time)
    timed_out = set()
    counts = {"sent": 0, "answered": 0, "lost": 0, "late": 0, "bad": 0}
    rcodes = {}
    answer_times = []
    next_id = [0] * len(socks)
    qi = 0
    turn = 0

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))

    wall0, t0 = time.time(), time.perf_counter()
    deadline = t0 + a.duration
    last_sweep = t0
    while True:
        now = time.perf_counter()
        if stop:
            deadline = min(deadline, now)
        wait = 0.01
        while len(pending) < a.window and counts["sent"] < a.count and now < deadline:
            if a.rate > 0:
                # the schedule: query number `sent` leaves at t0 + sent / rate
                due = t0 + counts["sent"] / a.rate
                if due > now:
                    wait = min(wait, due - now)
                    break
            si = turn % len(socks)
            turn += 1
            qid = next_id[si]
            next_id[si] = (qid + 1) & 0xFFFF
            if (si, qid) in pending or (si, qid) in timed_out:
                continue     # this id is still in use after 65536 queries: skip it
            q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + questions[qi]
            try:
                socks[si].send(q)
                # After send(): on loopback the query is in the server's
                # socket buffer by now, so a stall of this client before
                # send() is not counted against the server.
                wall_sent = time.time()
            except (BlockingIOError, ConnectionRefusedError):
                counts["lost"] += 1     # nobody listening (server gone) or buffer full
                counts["sent"] += 1
                continue
            pending[(si, qid)] = (now, qi, wall_sent)
            qi = (qi + 1) % len(questions)
            counts["sent"] += 1
        if not pending and (counts["sent"] >= a.count or now >= deadline):
            break
        for key, _ in sel.select(timeout=wait):
            si = key.data
            while True:
                try:
                    msg, anc, _, _ = socks[si].recvmsg(65535, socket.CMSG_SPACE(16))
                except (BlockingIOError, ConnectionRefusedError):
                    break
                t = None
                for level, kind, data in anc:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
                        sec, nsec = struct.unpack("qq", data[:16])
                        t = sec + nsec / 1e9
                if t is None:
                    t = time.time()
                if len(msg) < 12:
                    counts["bad"] += 1
                    continue
                qid, flags = struct.unpack("!HH", msg[:4])
                entry = pending.pop((si, qid), None)
                if entry is None:
                    if (si, qid) in timed_out:
                        timed_out.discard((si, qid))
                        counts["late"] += 1
                    else:
                        counts["bad"] += 1
                    continue
                if not flags & 0x8000 or msg[12:12 + len(questions[entry[1]])].lower() != \
                        questions[entry[1]].lower():
                    counts["bad"] += 1     # not a response, or not to our question
                    continue
                counts["answered"] += 1
                rc = RCODES.get(flags & 0xF, "rcode%d" % (flags & 0xF))
                rcodes[rc] = rcodes.get(rc, 0) + 1
                answer_times.append((t, entry[2]))
        now = time.perf_counter()
        if now - last_sweep > 0.01:
            last_sweep = now
            while pending:
                k, (sent_at, _, _) = next(iter(pending.items()))
                if now - sent_at < a.timeout:
                    break
                del pending[k]
                timed_out.add(k)
                counts["lost"] += 1
    elapsed = time.perf_counter() - t0

    # Gaps between consecutive answers (kernel receive time), from the start.
    answer_times.sort()
    gaps = []
    server_gap = latency = 0.0
    prev = wall0
    for t, sent in answer_times:
        gaps.append((t - prev, prev))
        server_gap = max(server_gap, t - max(prev, sent))
        latency = max(latency, t - sent)
        prev = t
    gaps_sorted = sorted(g for g, _ in gaps)

    def pct(p):
        if not gaps_sorted:
            return 0.0
        return gaps_sorted[min(len(gaps_sorted) - 1, int(p * len(gaps_sorted)))] * 1e3

    worst = max(gaps, default=(0.0, wall0))
    if a.stalls:
        wall_end = max(time.time(), prev)
        merged, n_stalls, longest_stall = read_stalls(a.stalls, wall0, wall_end)
        unexplained = 0.0
        prev = wall0
        for t, sent in answer_times:
            at = max(prev, sent)
            if t - at > unexplained:   # only a gap longer than the best so far can beat it
                unexplained = max(unexplained, t - at - overlap(at, t, merged))
            prev = t
    if a.gaps:
        with open(a.gaps, "w") as f:
            for g, at in gaps:
                if g > 0.001:
                    w = at
                    f.write("%s.%03dZ %.3f\n" % (time.strftime("%H:%M:%S", time.gmtime(w)),
                                                  int(w * 1000) % 1000, g * 1e3))
    print("seconds %.2f" % elapsed)
    for k in ("sent", "answered", "lost", "late", "bad"):
        print("%s %d" % (k, counts[k]))
    for rc in ("noerror", "nxdomain", "servfail", "refused", "formerr"):
        print("%s %d" % (rc, rcodes.pop(rc, 0)))
    for rc, n in sorted(rcodes.items()):
        print("%s %d" % (rc, n))
    print("qps %.0f" % (counts["answered"] / elapsed if elapsed > 0 else 0))
    print("gap_p50_ms %.3f" % pct(0.50))
    print("gap_p999_ms %.3f" % pct(0.999))
    print("max_gap_ms %.3f" % (worst[0] * 1e3))
    print("max_server_gap_ms %.3f" % (server_gap * 1e3))
    print("max_latency_ms %.3f" % (latency * 1e3))
    w = worst[1]
    print("max_gap_at %s.%03dZ" % (time.strftime("%H:%M:%S", time.gmtime(w)), int(w * 1000) % 1000))
    print("gaps_over_5ms %d" % sum(1 for g in gaps_sorted if g > 0.005))
    if a.stalls:
        print("stalls %d" % n_stalls)
        print("longest_stall_ms %.3f" % (longest_stall * 1e3))
        print("max_unexplained_gap_ms %.3f" % (unexplained * 1e3))
    return 0


if __name__ == "__main__":
    sys.exit(main())

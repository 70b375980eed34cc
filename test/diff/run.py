#!/usr/bin/env python3
"""run.py -- differential test: BIND 9 and horizond answer the same queries.

Starts `named` and horizond on loopback from configs generated out of
scenario.yaml (gen.py), sends every (probe, transport, query) case to both
from the same source address, and compares the normalised answers: rcode,
flags, question (exact case), EDNS, and the answer/authority/additional
sections as sets of RRsets with TTLs. Mismatches listed in differences.yaml
are counted as passed with a documented difference. Every answer horizond
gives to a client outside the internal view is checked for leaks (private
addresses, internal-only names). Then hostile packets go to horizond alone
(see hostile.py) and the server must answer as documented and stay alive.

Usage: run.py [--horizond PATH] [--bind-only] [--show PATTERN] [--keep]
  HORIZOND in the environment is used when --horizond is not given.
Last line: "N passed, M failed" (", K skipped"); exit 1 on any failure.
SPDX-License-Identifier: BSD-3-Clause
"""
import argparse
import fnmatch
import ipaddress
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases  # noqa: E402
import gen  # noqa: E402
import hostile  # noqa: E402

TIMEOUT = 2.0
PRIVATE_NETS = [ipaddress.ip_network(n) for n in
                ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]


# ---------------------------------------------------------------- servers

def tool(name):
    """Path of a BIND program: PATH first, then Debian's sbin/bin."""
    for cand in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return name

def port_is_free(port, addrs):
    """Can we bind UDP and TCP on port for every listen address?"""
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(fam, typ)
            try:
                s.bind((a, port))
            except OSError:
                return False
            finally:
                s.close()
    return True


def port_pick(addrs, avoid=()):
    # below the kernel's ephemeral range, as lib.sh's hz_pick_port: a client
    # socket of another program could take a port above it between the check
    # and the server's bind
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            top = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        top = 32768
    lo, hi = 10000, top - 1
    if hi < lo + 1000:
        lo, hi = 20000, 29999
    for _ in range(200):
        p = random.randint(lo, hi)
        if p not in avoid and port_is_free(p, addrs):
            return p
    raise RuntimeError("no free port found")


class Server:
    """A child process serving DNS on loopback, stopped by its PID."""

    def __init__(self, name, argv, port, addrs, logpath):
        self.name, self.argv, self.port, self.addrs, self.logpath = name, argv, port, addrs, logpath
        self.proc = None

    def start(self, ready_timeout=30.0):
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + ready_timeout
        # ready when every listen address answers over UDP and TCP
        pending = [(a, t) for a in self.addrs for t in ("udp", "tcp")]
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.proc.returncode} "
                                   f"during startup; log:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not answering on {pending} after "
                                   f"{ready_timeout:.0f}s; log:\n{self.log_tail()}")
            a, t = pending[0]
            q = dns.message.make_query("example.com.", "SOA")
            if exchange(q.to_wire(), a, a, self.port, t, timeout=0.3) is not None:
                pending.pop(0)
            else:
                time.sleep(0.1)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def log_tail(self, n=30):
        try:
            with open(self.logpath, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"


# ---------------------------------------------------------------- wire

def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def exchange(wire, src, dst, port, transport, timeout=TIMEOUT):
    """Send one message from src to dst:port; the reply's bytes, or None."""
    fam = _family(dst)
    if transport == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.settimeout(timeout)
            s.bind((src, 0))
            s.sendto(wire, (dst, port))
            while True:
                data, peer = s.recvfrom(65535)
                if peer[1] == port:
                    return data
        except (socket.timeout, OSError):
            return None
        finally:
            s.close()
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.bind((src, 0))
        s.connect((dst, port))
        s.sendall(struct.pack("!H", len(wire)) + wire)
        hdr = recv_exact(s, 2)
        if hdr is None:
            return None
        return recv_exact(s, struct.unpack("!H", hdr)[0])
    except (socket.timeout, OSError):
        return None
    finally:
        s.close()


def query_make(qname, qtype, qclass, variant):
    v = cases.VARIANTS[variant]
    q = dns.message.make_query(dns.name.from_text(qname), dns.rdatatype.from_text(qtype),
                               dns.rdataclass.from_text(qclass), use_edns=False)
    q.flags = dns.flags.RD if v.get("rd") else 0
    if v.get("edns"):
        q.use_edns(v.get("version", 0), dns.flags.DO if v.get("do") else 0, v.get("payload", 1232))
    return q


# ---------------------------------------------------------------- normalise

FLAG_NAMES = ("QR", "AA", "TC", "RD", "RA", "AD", "CD")


def rrset_text(rrset):
    """One RRset as comparable text: owner (lower-cased: case of owners in
    sections is a compression artefact), TTL, class, type, sorted rdata."""
    rd = sorted(r.to_text() for r in rrset)
    return (f"{rrset.name.to_text().lower()} {rrset.ttl} "
            f"{dns.rdataclass.to_text(rrset.rdclass)} {dns.rdatatype.to_text(rrset.rdtype)} "
            + " | ".join(rd))


def normalise(wire, query_id):
    """dict field -> comparable value, for a reply's bytes (None = no reply)."""
    if wire is None:
        return {"reply": "none"}
    try:
        m = dns.message.from_wire(wire)
    except Exception as e:  # dnspython raises many types for bad wire data
        return {"reply": f"unparseable ({type(e).__name__}: {e})"}
    flags = dns.flags.to_text(m.flags).split()
    out = {
        "reply": "ok" if m.id == query_id else f"wrong id {m.id}",
        "opcode": dns.opcode.to_text(m.opcode()),
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": " ".join(f for f in FLAG_NAMES if f in flags),
        "question": " ; ".join(q.to_text() for q in m.question),
        "answer": sorted(rrset_text(r) for r in m.answer),
        "authority": sorted(rrset_text(r) for r in m.authority),
        "additional": sorted(rrset_text(r) for r in m.additional),
    }
    if m.edns < 0:
        out["edns"] = "none"
    else:
        do = "DO" if m.ednsflags & dns.flags.DO else "-"
        opts = ",".join(sorted(o.to_text() for o in m.options))
        out["edns"] = f"version {m.edns} size {m.payload} {do} opts [{opts}]"
    out["_msg"] = m
    return out


FIELDS = ("reply", "opcode", "rcode", "flags", "question", "edns", "answer", "authority", "additional")


def compare(a, b):
    """List of field names whose values differ. When both replies are
    truncated (TC), the sections are not compared: what a server packs into a
    truncated reply is an artefact (BIND fills it with a rotating subset);
    the client has to retry over TCP, where everything is compared."""
    skip = ()
    if "TC" in (a.get("flags") or "").split() and "TC" in (b.get("flags") or "").split():
        skip = ("answer", "authority", "additional")
    return [f for f in FIELDS if f not in skip and a.get(f) != b.get(f)]


def fmt(v):
    if isinstance(v, list):
        return "\n".join("      " + x for x in v) if v else "      (empty)"
    return "      " + str(v)


# ---------------------------------------------------------------- leak check

def _under(name, parents):
    return any(name == p or name.is_subdomain(p) for p in parents)


def leak_find(norm, internal_names):
    """Private addresses or internal-only names in a reply's answer,
    authority or additional section (the question is the client's own)."""
    m = norm.get("_msg")
    if m is None:
        return []
    found = []
    for section in (m.answer, m.authority, m.additional):
        for rrset in section:
            if _under(rrset.name, internal_names):
                found.append(f"internal name {rrset.name}")
            for rd in rrset:
                if rd.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    ip = ipaddress.ip_address(rd.address)
                    if any(ip in n for n in PRIVATE_NETS):
                        found.append(f"private address {ip} at {rrset.name}")
                for attr in ("target", "exchange", "mname"):
                    t = getattr(rd, attr, None)
                    if isinstance(t, dns.name.Name) and _under(t, internal_names):
                        found.append(f"internal name {t} in {rrset.name} "
                                     f"{dns.rdatatype.to_text(rd.rdtype)}")
    return found


# ---------------------------------------------------------------- differences

def differences_load(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    table = doc.get("differences") or []
    for i, d in enumerate(table):
        for k in ("case", "field", "reason"):
            if k not in d:
                raise ValueError(f"{path}: entry {i + 1}: missing '{k}'")
        d["used"] = 0
    return table


def difference_find(table, case_id, field):
    for d in table:
        fields = d["field"] if isinstance(d["field"], list) else [d["field"]]
        if field in fields and fnmatch.fnmatchcase(case_id, d["case"]):
            return d
    return None


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--horizond", default=os.environ.get("HORIZOND"))
    ap.add_argument("--bind-only", action="store_true",
                    help="only start BIND: check that every case gets an answer and the views are right")
    ap.add_argument("--show", metavar="PATTERN", help="print both replies of cases matching PATTERN")
    ap.add_argument("--self-test", action="store_true",
                    help="check the harness: a second BIND stands in for horizond (no hostile cases)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--named", default=tool("named"))
    args = ap.parse_args()

    if not os.path.exists(args.named):
        print("run.py: BIND's named not found (install the bind9 package)", file=sys.stderr)
        return 1
    if not args.bind_only and not args.self_test and not (args.horizond and os.access(args.horizond, os.X_OK)):
        print("run.py: no horizond binary (set HORIZOND or --horizond)", file=sys.stderr)
        return 1

    sc = gen.scenario_load()
    table = differences_load(os.path.join(HERE, "differences.yaml"))
    addrs = [str(a) for a in sc["listen"]]
    bport = port_pick(addrs)
    hport = port_pick(addrs, avoid=(bport,))
    uport = port_pick(["127.0.0.1"], avoid=(bport, hport))
    work = tempfile.mkdtemp(prefix="hz-diff-")
    nconf, hconf = gen.gen_write(sc, work, bport, hport, uport)

    # Check BIND's view of the files first. named-checkzone -i none: no
    # integrity checks, which could look names up through the system resolver.
    checks = [[tool("named-checkconf"), nconf]]
    for v in sc["views"]:
        for z in v["zones"]:
            checks.append([tool("named-checkzone"), "-q", "-i", "none", z["name"],
                           os.path.join(gen.ZONES, z["file"])])
    for z in (sc.get("upstream") or {}).get("zones", []):
        checks.append([tool("named-checkzone"), "-q", "-i", "none", z["name"],
                       os.path.join(gen.ZONES, z["file"])])
    for argv in checks:
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"run.py: {' '.join(argv)} failed:\n{r.stdout}{r.stderr}", file=sys.stderr)
            return 1
    servers = []
    if sc.get("upstream"):
        # the recursive views of both servers forward here: start it first
        servers.append(Server("upstream", [args.named, "-g", "-c", os.path.join(work, "upstream", "named.conf")],
                              uport, ["127.0.0.1"], os.path.join(work, "upstream", "named.log")))
    bind = Server("named", [args.named, "-g", "-c", nconf], bport, addrs, os.path.join(work, "named.log"))
    servers.append(bind)
    hz = None
    if args.self_test:
        wdir2 = os.path.join(work, "second")
        os.makedirs(wdir2)
        nconf2 = os.path.join(wdir2, "named.conf")
        with open(nconf2, "w", encoding="utf-8") as f:
            f.write(gen.named_conf_text(sc, wdir2, hport, uport))
        hz = Server("named-2", [args.named, "-g", "-c", nconf2], hport, addrs,
                    os.path.join(wdir2, "named.log"))
        servers.append(hz)
    elif not args.bind_only:
        r = subprocess.run([args.horizond, "-c", hconf, "--check"], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"run.py: horizond --check rejects the generated config:\n{r.stdout}{r.stderr}",
                  file=sys.stderr)
            return 1
        hz = Server("horizond", [args.horizond, "--allow-root", "-c", hconf], hport, addrs,
                    os.path.join(work, "horizond.log"))
        servers.append(hz)
    try:
        for s in servers:
            s.start()
        return run_all(sc, table, bind, hz, args)
    except RuntimeError as e:
        print(f"run.py: {e}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run_all(sc, table, bind, hz, args):
    passed = failed = 0
    documented = {}    # reason -> list of (case, field)
    internal_names = [dns.name.from_text(n) for n in sc.get("internal_only_names", [])]
    leak_selftest = False

    # 1. every probe lands in the view the scenario says (checked on BIND: it
    # validates the scenario and the generated named.conf).
    for p in sc["probes"]:
        q = query_make("whichview.example.com", "TXT", "IN", "plain")
        n = normalise(exchange(q.to_wire(), p["src"], p["dst"], bind.port, "udp"), q.id)
        want = "REFUSED" if p["view"] is None else f'"view={p["view"]}"'
        got = n.get("rcode") if p["view"] is None else " ".join(
            r.split(" ", 4)[4] for r in n.get("answer", []))
        if got == want:
            passed += 1
        else:
            failed += 1
            print(f"FAIL view check {p['src']}>{p['dst']}: BIND says {got!r}, scenario says {want}")

    # 2. the differential cases
    ncases = 0
    for p in sc["probes"]:
        outside = p["view"] != sc.get("internal_view")
        for transport in ("udp", "tcp"):
            for qname, qtype, qclass, variant in cases.SETS[p["set"]]:
                case_id = f"{p['src']}>{p['dst']}/{transport}/{qname}/{qclass}/{qtype}/{variant}"
                ncases += 1
                q = query_make(qname, qtype, qclass, variant)
                wire = q.to_wire()
                nb = normalise(exchange(wire, p["src"], p["dst"], bind.port, transport), q.id)
                if hz is None:
                    if nb["reply"] != "ok":
                        failed += 1
                        print(f"FAIL {case_id}: BIND gave no usable reply ({nb['reply']})")
                    else:
                        passed += 1
                    if args.show and fnmatch.fnmatchcase(case_id, args.show):
                        show(case_id, nb, None)
                    continue
                nh = normalise(exchange(wire, p["src"], p["dst"], hz.port, transport), q.id)
                if nh["reply"] != "ok" and not hz.alive():
                    # stop at once: every later case would wait for its timeout
                    raise RuntimeError(f"horizond died at {case_id}; log:\n{hz.log_tail()}")
                if args.show and fnmatch.fnmatchcase(case_id, args.show):
                    show(case_id, nb, nh)
                bad = []
                for field in compare(nb, nh):
                    d = difference_find(table, case_id, field)
                    if d is not None:
                        d["used"] += 1
                        documented.setdefault(d["reason"], []).append((case_id, field))
                    else:
                        bad.append(field)
                leaks = leak_find(nh, internal_names) if outside else []
                if not outside and qname == "intranet.example.com" and leak_find(nh, internal_names):
                    leak_selftest = True
                if bad or leaks:
                    failed += 1
                    for field in bad:
                        print(f"FAIL {case_id}: {field}\n    bind:\n{fmt(nb.get(field))}\n"
                              f"    horizond:\n{fmt(nh.get(field))}")
                    for leak in leaks:
                        print(f"FAIL {case_id}: LEAK to a client outside the internal view: {leak}")
                else:
                    passed += 1

    # the leak check must be able to fail: horizond's internal answer for
    # intranet.example.com, fed to it, has to be flagged.
    if hz is not None:
        if leak_selftest:
            passed += 1
        else:
            failed += 1
            print("FAIL leak check self-test: internal answer for intranet.example.com not flagged")

    # 3. hostile packets, to horizond only (BIND's reaction is printed as reference)
    if hz is None:
        hostile.hostile_run(None, bind, exchange)
    elif not args.self_test:
        hp, hf = hostile.hostile_run(hz, bind, exchange, verbose=bool(args.show))
        passed += hp
        failed += hf
        if not hz.alive():
            failed += 1
            print(f"FAIL horizond died; log:\n{hz.log_tail()}")

    if documented:
        print("\nDocumented differences (differences.yaml; counted as passed):")
        for reason, items in documented.items():
            print(f"  {len(items):4d} x {reason}")
            for case_id, field in items[:3]:
                print(f"         e.g. {case_id} [{field}]")
    stale = [d for d in table if d["used"] == 0]
    if hz is not None and stale:
        print("\nNote: differences.yaml entries that matched nothing this run:")
        for d in stale:
            print(f"  {d['case']} [{d['field']}]")
    print(f"\n{ncases} differential cases, {len(sc['probes'])} probes")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def show(case_id, nb, nh):
    """Both replies of one case, one field a line (differing fields marked)."""
    print(f"--- {case_id}")
    for f in FIELDS:
        b = nb.get(f)
        b = " || ".join(b) if isinstance(b, list) else b
        if nh is None:
            print(f"  {f:10} {b}")
            continue
        h = nh.get(f)
        h = " || ".join(h) if isinstance(h, list) else h
        if b == h:
            print(f"  {f:10} {b}")
        else:
            print(f"! {f:10} bind:     {b}\n  {'':10} horizond: {h}")


if __name__ == "__main__":
    sys.exit(main())

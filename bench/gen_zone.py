#!/usr/bin/env python3
"""gen_zone.py DIR NAMES [--one-view] -- write a two-view benchmark setup into
DIR: horizond.yaml (views internal/external, one zone each), internal.zone and
external.zone with NAMES hosts (A + every 4th an AAAA, every 10th a CNAME,
every 50th an MX), and queries.txt (one "name type source" per line) for
bench/query_bench and dnsperf-style tools.

--one-view: only external.zone, a horizond.yaml with the one view "external"
(any client), and queries from 127.0.0.3 only -- the single-zone setup that
bench/compare.sh serves with every server (e.g. at a million names)."""
import os
import random
import sys

def main():
    args = [a for a in sys.argv[1:] if a != "--one-view"]
    one_view = len(args) != len(sys.argv) - 1
    if len(args) != 2:
        sys.exit("usage: gen_zone.py DIR NAMES [--one-view]")
    out, n = args[0], int(args[1])
    os.makedirs(out, exist_ok=True)
    views = (("internal", "10.{}.{}.{}"), ("external", "198.18.{}.{}"))
    if one_view:
        views = views[1:]
    for view, net in views:
        with open(os.path.join(out, view + ".zone"), "w") as f:
            f.write("$TTL 3600\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\n")
            f.write("ns1 A 192.0.2.1\n")
            for i in range(n):
                if view == "internal":
                    addr = net.format(i >> 16 & 255, i >> 8 & 255, i & 255)
                else:
                    addr = net.format(i >> 8 & 255, i & 255)
                f.write(f"host{i} A {addr}\n")
                if i % 4 == 0:
                    f.write(f"host{i} AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}\n")
                if i % 10 == 0:
                    f.write(f"alias{i} CNAME host{i}\n")
                if i % 50 == 0:
                    f.write(f"host{i} MX 10 host{i + 1}\n")
    with open(os.path.join(out, "horizond.yaml"), "w") as f:
        if one_view:
            f.write("""server:
  listen: [127.0.0.1@5353]
views:
  - name: external
    match-clients: [any]
    zones:
      - name: bench.test
        file: external.zone
""")
        else:
            f.write("""server:
  listen: [127.0.0.1@5353]
views:
  - name: internal
    match-clients: [10.0.0.0/8, 127.0.0.2]
    zones:
      - name: bench.test
        file: internal.zone
  - name: external
    match-clients: [any]
    zones:
      - name: bench.test
        file: external.zone
""")
    rnd = random.Random(42)
    with open(os.path.join(out, "queries.txt"), "w") as f:
        for _ in range(10000):
            i = rnd.randrange(n)
            src = rnd.choice(("127.0.0.3",) if one_view else ("127.0.0.2", "127.0.0.3"))
            r = rnd.random()
            if r < 0.70:
                f.write(f"host{i}.bench.test A {src}\n")
            elif r < 0.80:
                f.write(f"host{i}.bench.test AAAA {src}\n")
            elif r < 0.90:
                f.write(f"alias{i - i % 10}.bench.test A {src}\n")
            else:
                f.write(f"nx{i}.bench.test A {src}\n")

main()

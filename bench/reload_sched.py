#!/usr/bin/env python3
# reload_sched.py -- who kept horizond's threads from a CPU during a run
# recorded with `perf sched record` (bench/reload_gap.sh -S does that).
#
#   reload_sched.py PERF_DATA PID
#
# Reads `perf sched timehist` and, for every thread of PID, each time it
# waited runnable for a CPU (scheduling delay) over 0.1 ms, looks at what ran
# on that CPU meanwhile. Prints per thread (name[tid], busiest first): run
# time, the longest delay and, the point of it, the longest delay spent
# behind another thread of the same process (e.g. a query worker waiting
# while the reload's build held its CPU) and the total of such delays; then
# the other programs that delayed horizond most. Thread names are what
# horizond sets (hz-worker-N, hz-background, hz-control, hz-reload) or
# "horizond" (the main thread).
# A wait is charged to what ran on the CPU the thread finally ran on: a
# thread that waited on one CPU and was moved to another by the load
# balancer is charged to the wrong programs (`perf sched timehist -M` shows
# the moves).
# SPDX-License-Identifier: BSD-3-Clause
import bisect
import collections
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: reload_sched.py PERF_DATA PID")
    data, pid = sys.argv[1], sys.argv[2]
    out = subprocess.run(["perf", "sched", "timehist", "-i", data], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    events = []   # (end time s, cpu, task, sched delay ms, run time ms)
    for line in out:
        p = line.split()
        if len(p) < 6:
            continue
        try:
            events.append((float(p[0]), int(p[1].strip("[]")), p[2], float(p[4]), float(p[5])))
        except ValueError:
            continue
    ours = re.compile(r"\[(\d+)/%s\]$" % re.escape(pid))
    bycpu = collections.defaultdict(list)   # per CPU, in time order
    for e in events:
        bycpu[e[1]].append(e)
    ends = {cpu: [e[0] for e in evs] for cpu, evs in bycpu.items()}
    run = collections.Counter()
    longest = collections.Counter()
    behind_own = collections.Counter()
    behind_whom = {}
    behind_own_total = collections.Counter()
    others = collections.Counter()
    for end, cpu, task, delay, ran in events:
        if not ours.search(task):
            continue
        run[task] += ran
        longest[task] = max(longest[task], delay)
        if delay < 0.1:
            continue
        w1 = end - ran / 1e3         # switched in
        w0 = w1 - delay / 1e3        # woken
        evs = bycpu[cpu]
        for k in range(bisect.bisect_right(ends[cpu], w0), len(evs)):
            f_end, _, f_task, _, f_ran = evs[k]
            if f_end - f_ran / 1e3 >= w1:
                break     # what ran on a CPU runs one after the other
            overlap = min(w1, f_end) - max(w0, f_end - f_ran / 1e3)
            if overlap <= 0 or f_task == task:
                continue
            if ours.search(f_task):
                if overlap * 1e3 > behind_own[task]:
                    behind_own[task] = overlap * 1e3
                    behind_whom[task] = re.sub(r"/.*", "]", f_task)
                behind_own_total[task] += overlap * 1e3
            else:
                others[re.sub(r"\[.*", "", f_task)] += overlap * 1e3
    print("%-28s %10s %12s %16s %16s  %s" % ("thread", "run ms", "longest wait", "longest behind",
                                             "total behind", "(behind whom)"))
    print("%-28s %10s %12s %16s %16s" % ("", "", "for a CPU", "own threads", "own threads"))
    for task, ms in run.most_common():
        print("%-28s %10.1f %12.3f %16.3f %16.3f  %s" % (task, ms, longest[task], behind_own[task],
                                                         behind_own_total[task],
                                                         behind_whom.get(task, "")))
    print("other programs that held horizond's CPUs (ms): " +
          ", ".join("%s %.1f" % (k, v) for k, v in others.most_common(6)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

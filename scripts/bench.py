#!/usr/bin/env python3
"""Times plan and apply of the examples against the running emulator.

Run through scripts/bench.sh (which starts and seeds moto). For each example:
first plan (nothing cached), first apply, then steady-state plan and no-op
apply, each repeated; prints the median wall time and the API calls the
binary reports (`--output json` -> api_calls.total).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def run(args, cwd):
    start = time.perf_counter()
    out = subprocess.run([BIN, *args, "--output", "json", "--log-level", "error"], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{args} failed: {out.stderr}")
    return elapsed, json.loads(out.stdout)["api_calls"]["total"]


def main():
    rows = []
    for example in ("daemon.yml", "task.yml"):
        work = tempfile.mkdtemp()
        shutil.copy(os.path.join(ROOT, "examples", example), work)
        cfg = ["-c", example]
        t, calls = run(["plan", "--no-update", *cfg], work)
        rows.append((example, "plan (fresh, no cache)", t, calls, 1))
        t, calls = run(["apply", "--force", *cfg], work)
        rows.append((example, "first apply", t, calls, 1))
        for label, args in (("plan (steady state)", ["plan", *cfg]), ("apply (no-op)", ["apply", "--force", *cfg]), ("plan --no-cache", ["plan", "--no-cache", *cfg])):
            samples = [run(args, work) for _ in range(RUNS)]
            rows.append((example, label, statistics.median(s[0] for s in samples), samples[-1][1], RUNS))
        shutil.rmtree(work)
    print(f"| example | command | median wall (s) | API calls | runs |")
    print(f"|---|---|---|---|---|")
    for example, label, t, calls, n in rows:
        print(f"| {example} | {label} | {t:.3f} | {calls} | {n} |")


if __name__ == "__main__":
    main()

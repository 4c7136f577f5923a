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
    calls = json.loads(out.stdout)["api_calls"]
    return elapsed, calls["total"], calls["rounds"]


def fresh_emulator():
    """Each example gets an empty account (the examples share task names,
    and a second stack never changes the first one's resources): the
    emulator is reset and seeded again. Returns the seed's description."""
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/moto-api/reset", data=b"", method="POST"))
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "seed_moto.py"), *os.environ.get("SEED_ARGS", "").split()],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def prepare_worker(work, seed):
    """The worker example needs a secret, a parameter and a file system."""
    fs = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "seed_worker.py"), seed],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    path = os.path.join(work, "worker.yml")
    with open(path) as f:
        text = f.read().replace("fs-0123456789abcdef0", fs)
    with open(path, "w") as f:
        f.write(text)


def main():
    rows = []
    examples = sorted(f for f in os.listdir(os.path.join(ROOT, "examples")) if f.endswith(".yml") and f != "full-schema.yml")
    for example in examples:
        seed = fresh_emulator()
        work = tempfile.mkdtemp()
        shutil.copy(os.path.join(ROOT, "examples", example), work)
        if example == "worker.yml":
            prepare_worker(work, seed)
        cfg = ["-c", example]
        t, calls, rounds = run(["plan", "--no-update", *cfg], work)
        rows.append((example, "plan (fresh, no cache)", t, calls, rounds, 1))
        t, calls, rounds = run(["apply", "--yes", *cfg], work)
        rows.append((example, "first apply", t, calls, rounds, 1))
        for label, args in (("plan (steady state)", ["plan", *cfg]), ("apply (no-op)", ["apply", "--yes", *cfg]), ("plan --no-cache", ["plan", "--no-cache", *cfg])):
            samples = [run(args, work) for _ in range(RUNS)]
            rows.append((example, label, statistics.median(s[0] for s in samples), samples[-1][1], max(s[2] for s in samples), RUNS))
        shutil.rmtree(work)
    print("| example | command | median wall (s) | API calls | sequential rounds | runs |")
    print("|---|---|---|---|---|---|")
    for example, label, t, calls, rounds, n in rows:
        print(f"| {example} | {label} | {t:.3f} | {calls} | {rounds} | {n} |")


if __name__ == "__main__":
    main()

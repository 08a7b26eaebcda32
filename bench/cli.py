#!/usr/bin/env python3
"""Times gatewalk's headless commands against a private sandbox and reports wall
time and peak memory (max RSS) per command, median of N runs.

    python3 bench/cli.py [--runs 3] [--bin target/release/gatewalk]

Targets (see bench/RESULTS.md): `status`/`sessions` under 50 ms and 30 MB;
a full ten-step `apply` in the sandbox under 15 s; no command above 60 MB peak
RSS. The sandbox runs at pace `instant` (the strict layer's rules without its
simulated waits), so these measure gatewalk itself (start-up, SDK set-up,
request handling, its polls), not AWS.
"""
import argparse, os, resource, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--bin", default="target/release/gatewalk")
a = ap.parse_args()
if not os.path.exists(a.bin):
    sys.exit(f"{a.bin} not found: build it with `cargo build --release` first")

commands = [
    ("apply (all ten steps)", ["--session", "bench", "apply"]),
    ("apply again (converge, no changes)", ["--session", "bench", "apply"]),
    ("validate (10 steps, concurrent)", ["--session", "bench", "validate"]),
    ("inspect", ["--session", "bench", "inspect"]),
    ("status", ["--session", "bench", "status"]),
    ("sessions", ["sessions"]),
    ("teardown --yes", ["--session", "bench", "teardown", "--yes"]),
]
results = {name: [] for name, _ in commands}
peaks = {name: 0 for name, _ in commands}
for _ in range(a.runs):
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([a.bin, "--sandbox", "--pace", "instant", "sandbox", "start"], env=dict(os.environ, GATEWALK_HOME=home), check=True, capture_output=True)
        try:
            for name, args in commands:
                # Each measurement in a fresh child so ru_maxrss is that child's.
                out = subprocess.run(
                    [sys.executable, "-c",
                     "import resource,subprocess,sys,time,os;t=time.perf_counter();"
                     "p=subprocess.run(sys.argv[1:],capture_output=True);"
                     "d=time.perf_counter()-t;"
                     "print(p.returncode, d, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                     a.bin, "--sandbox", *args],
                    env=dict(os.environ, GATEWALK_HOME=home), capture_output=True, text=True, check=True)
                rc, dt, rss = out.stdout.split()
                if rc != "0":
                    sys.exit(f"{name} failed")
                results[name].append(float(dt))
                peaks[name] = max(peaks[name], int(rss))
        finally:
            subprocess.run([a.bin, "sandbox", "stop"], env=dict(os.environ, GATEWALK_HOME=home), capture_output=True)

print(f"| command | median wall time | peak RSS |  ({a.runs} runs, {a.bin})")
print("|---|---|---|")
for name, _ in commands:
    print(f"| {name} | {statistics.median(results[name])*1000:.0f} ms | {peaks[name]/1024:.1f} MiB |")

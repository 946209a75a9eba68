#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench smoke test: run zc-bench on a few cases of every kind, very briefly,
and check it exits 0 and writes JSON with the counters bench/report reads.

It checks behaviour, not speed: every case ran without error, moved
messages, and reports consistent counters (rates > 0, p50 <= p99 <= max).

usage: smoke.py PATH/TO/zc-bench
"""
import json
import math
import os
import subprocess
import sys
import tempfile

CASES = {
    # name (without /real_time): counters it must carry
    "tput/spsc16/proc:thread/size:0/batch:32": ["items_per_second"],
    "tput/stream/proc:thread/pages:normal/size:4096": ["items_per_second", "bytes_per_second"],
    "tput/pipe/proc:thread/size:64/batch:1": ["items_per_second", "bytes_per_second"],
    "tput/rpmsg/proc:thread/size:512/batch:1": ["items_per_second", "bytes_per_second"],
    "tput/zc/wait:busy/proc:thread/pages:normal/size:64/batch:32": ["items_per_second", "bytes_per_second"],
    "tput/zc_copy/wait:sleep/proc:thread/pages:normal/size:4096/batch:1": ["items_per_second", "bytes_per_second"],
    "rtt/eventfd/proc:thread": ["p50_ns", "p99_ns", "p999_ns", "max_ns"],
    "rtt/cacheline/proc:thread": ["p50_ns", "p99_ns", "p999_ns", "max_ns"],
    "rtt/zc/wait:busy/proc:thread/pages:normal/size:64": ["p50_ns", "p99_ns", "p999_ns", "max_ns"],
}


def fail(msg):
    print("bench smoke: FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    exe = sys.argv[1]
    pattern = "^(" + "|".join(n.replace("/", "/") for n in CASES) + ")(/real_time)?$"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        hist = os.path.join(tmp, "hist.jsonl")
        cmd = [exe, "--benchmark_filter=" + pattern, "--benchmark_min_time=0.01",
               "--benchmark_format=json", "--benchmark_out=" + out,
               "--benchmark_out_format=json", "--hist-out=" + hist]
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=240)
        if proc.returncode != 0:
            fail("zc-bench exited %d: %s" % (proc.returncode, proc.stderr.decode()[-500:]))
        try:
            with open(out) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            fail("no JSON output: %s" % e)
        if "context" not in doc or "benchmarks" not in doc:
            fail("JSON lacks context or benchmarks")
        seen = {}
        for b in doc["benchmarks"]:
            name = b.get("run_name", b["name"]).replace("/real_time", "")
            seen[name] = b
        for name, counters in CASES.items():
            b = seen.get(name)
            if b is None:
                fail("case %s did not run" % name)
            if b.get("error_occurred"):
                fail("case %s failed: %s" % (name, b.get("error_message")))
            if b.get("iterations", 0) < 1:
                fail("case %s ran no iterations" % name)
            for c in counters:
                v = b.get(c)
                # NaN and infinity compare false with everything: test them apart.
                if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                    fail("case %s: counter %s missing, not finite or not positive (%r)"
                         % (name, c, v))
            for t in ("real_time", "cpu_time"):
                v = b.get(t)
                if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                    fail("case %s: %s missing, not finite or not positive (%r)" % (name, t, v))
            if "bytes_per_second" in counters:
                # Bytes and items describe one run: bytes/s is items/s times the size.
                size = int(name.split("size:")[1].split("/")[0])
                want = b["items_per_second"] * size
                if abs(b["bytes_per_second"] - want) > 0.01 * want:
                    fail("case %s: %r bytes/s is not %r items/s x %d B"
                         % (name, b["bytes_per_second"], b["items_per_second"], size))
            if "p50_ns" in counters:
                if not b["p50_ns"] <= b["p99_ns"] <= b["p999_ns"] <= b["max_ns"]:
                    fail("case %s: percentiles out of order" % name)
        # Each latency case also left its whole histogram.
        with open(hist) as f:
            hists = [json.loads(line) for line in f]
        got = {h["name"] for h in hists if sum(c for _, c in h["ns"]) > 0}
        for name, counters in CASES.items():
            if "p50_ns" in counters and name not in got:
                fail("no histogram for %s" % name)
        # bench/report turns that JSON into the report (charts only when
        # matplotlib is there); the ratio it must compute is one we ran.
        report = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report")
        docs = os.path.join(tmp, "docs")
        proc = subprocess.run([sys.executable, report, "--json", out, "--hist", hist,
                               "--out", docs, "--command", "smoke"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if proc.returncode != 0:
            fail("bench/report exited %d: %s" % (proc.returncode, proc.stderr.decode()[-500:]))
        with open(os.path.join(docs, "performance-bench.md")) as f:
            md = f.read()
        row = [l for l in md.splitlines()
               if l.startswith("| RTT 64 B busy p50: zc / cache-line ping-pong (thread)")]
        if not row or "n/a" in row[0].split("|")[4]:
            fail("the report lacks the zc / cache-line round-trip ratio: %r" % row)
    print("bench smoke: %d cases ran with their counters; the report computed its ratios"
          % len(CASES))


if __name__ == "__main__":
    main()

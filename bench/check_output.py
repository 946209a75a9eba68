#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a benchmark registered as a test and check what it printed, not only
its exit status: the result line is there and well-formed, and its figures
are present and sane (finite, above zero, percentiles in order, the counts
it was asked for). Speed is never judged: shared CPUs make it noise.

usage: check_output.py KIND -- COMMAND ARGS...
  KIND  fw-echo    zc-fw-bench echo: "echo MODE, S-byte frames, N round trips:
                   mean M us, p50 A us, p99 B us, max C us"
        fw-source  zc-fw-bench source: "source, S-byte frames, N frames...:
                   R frames/s, T MB/s, K bad"
The count and size are taken from the command's --count/--size options.
Exit 0 pass, 1 fail.
"""
import math
import re
import subprocess
import sys

NUM = r"([-+0-9.naifNAIF]+)"
PATTERNS = {
    "fw-echo": re.compile(r"^echo (\S+), (\d+)-byte frames, (\d+) round trips: "
                          r"mean %s us, p50 %s us, p99 %s us, max %s us$" % (NUM, NUM, NUM, NUM)),
    "fw-source": re.compile(r"^source, (\d+)-byte frames, (\d+) frames[^:]*: "
                            r"%s frames/s, %s MB/s, (\d+) bad$" % (NUM, NUM)),
}


def fail(msg, out=""):
    print("check_output: FAIL: " + msg)
    if out:
        print(out)
    sys.exit(1)


def opt(cmd, name, default):
    return int(cmd[cmd.index(name) + 1], 0) if name in cmd else default


def figure(s, what, out):
    try:
        v = float(s)
    except ValueError:
        fail(f"{what} is not a number ({s!r})", out)
    if not math.isfinite(v) or v <= 0:
        fail(f"{what} is not a finite figure above zero ({s})", out)
    return v


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--" or sys.argv[1] not in PATTERNS:
        print(__doc__)
        sys.exit(2)
    kind, cmd = sys.argv[1], sys.argv[3:]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    out = p.stdout
    if p.returncode != 0:
        fail(f"{cmd[0]} exited {p.returncode}", out)
    rows = [m for m in map(PATTERNS[kind].match, out.splitlines()) if m]
    if len(rows) != 1:
        fail(f"want exactly one {kind} result line, got {len(rows)}", out)
    m = rows[0]
    if kind == "fw-echo":
        size, count = int(m.group(2)), int(m.group(3))
        want_size, want_count = opt(cmd, "--size", 64), opt(cmd, "--count", 20000)
        mean, p50, p99, mx = (figure(m.group(i), n, out) for i, n in
                              ((4, "mean"), (5, "p50"), (6, "p99"), (7, "max")))
        if not p50 <= p99 <= mx or not mean <= mx:
            fail(f"figures out of order: mean {mean} p50 {p50} p99 {p99} max {mx}", out)
    else:
        size, count = int(m.group(1)), int(m.group(2))
        want_size, want_count = opt(cmd, "--size", 64), opt(cmd, "--count", 20000)
        rate, mbs = figure(m.group(3), "frames/s", out), figure(m.group(4), "MB/s", out)
        if int(m.group(5)) != 0:
            fail(f"{m.group(5)} bad frames", out)
        # MB/s and frames/s describe the same run: they must agree (1% for rounding).
        if abs(rate * size / 1e6 - mbs) > 0.01 * mbs + 0.1:
            fail(f"{rate} frames/s of {size} B is not {mbs} MB/s", out)
    if size != want_size or count != want_count:
        fail(f"ran {count} x {size} B, asked for {want_count} x {want_size} B", out)
    print(out.strip())
    print(f"check_output: {kind}: result line well-formed, figures sane")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run probe_overhead in several processes and summarise the ratios.

One process compares the loop with probes against two copies without
(A/B and A/A). Code and data placement differ from process to process
(ASLR), and on a small VM that alone moves a loop by tens of percent, so
the figure to read is the median over processes of each ratio, next to
the A/A noise floor measured the same way.

usage: overhead.py PROBE_OVERHEAD [--runs N] [--bursts 1,16] [--msgs M] [--rounds R]
"""
import argparse
import re
import statistics
import subprocess

p = argparse.ArgumentParser()
p.add_argument("bench")
p.add_argument("--runs", type=int, default=9)
p.add_argument("--bursts", default="1,16")
p.add_argument("--msgs", type=int, default=200000)
p.add_argument("--rounds", type=int, default=15)
a = p.parse_args()

pat = re.compile(r"probes ([\d.]+), no probes ([\d.]+), no probes again ([\d.]+)")
print(f"{'burst':>5} {'probes ns':>10} {'no-probes ns':>13} "
      f"{'probes/no-probes':>17} {'A/A noise':>10}   (medians of {a.runs} processes)")
for burst in a.bursts.split(","):
    on, off, ratio, aa = [], [], [], []
    for _ in range(a.runs):
        out = subprocess.run([a.bench, "--burst", burst, "--msgs", str(a.msgs),
                              "--rounds", str(a.rounds)], check=True,
                             capture_output=True, text=True).stdout
        m = pat.search(out)
        t_on, t_off, t_ctl = (float(x) for x in m.groups())
        on.append(t_on)
        off.append(t_off)
        ratio.append(t_on / t_off)
        aa.append(t_ctl / t_off)
    print(f"{burst:>5} {statistics.median(on):>10.2f} {statistics.median(off):>13.2f} "
          f"{statistics.median(ratio):>17.3f} {statistics.median(aa):>10.3f}"
          f"   ratio range {min(ratio):.2f}-{max(ratio):.2f}, A/A range {min(aa):.2f}-{max(aa):.2f}")

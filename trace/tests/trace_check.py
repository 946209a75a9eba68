#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a known zc workload under zc-trace and check what the tracer reports.

Scenarios (--scenario):
  stream     zc_stream (host and forked remote, zero-copy path, sleeping
             waits, 8 slots for back-pressure); zc-trace -p HOST -p REMOTE -H
             -j. Checks every counter against the workload's own counters,
             that the per-interval rows add up to the totals, that the
             send->recv histogram holds every frame, and that the tracer
             exits by itself when the targets do.
  write      zc_stream --write with messages larger than a slot (fragments;
             the probes fire in libzc.so); zc-trace system-wide on
             libzc.so, stopped with SIGINT.
  loopback   probe_overhead (both sides of a channel in one thread):
             send->recv matching when sender and receiver are one thread.
  emitter    probe_emitter fires the probes with hand-picked arguments: ids
             wrapping at 65536, both directions of a channel on the same id,
             the burst forms, reserve->send, a receive never sent.
  emitter_ns the same, the emitter run from a bind mount that exists only
             in its own mount namespace (a container's view of its files).
  nobtf      the emitter traced by a zc-trace that sees no kernel BTF: -H is
             refused in one sentence, the counts still work.
  text       the emitter traced with the human output: header, totals row,
             histogram titles.
  errors     the one-sentence errors: target without probes, no such
             process, not root.

Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


failures = []


def check(cond, what):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}")
        failures.append(what)


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


# What zc-trace --check says (trace/src/preflight.c) when the machine, not
# zc-trace, is the reason it cannot trace: only these may turn into SKIP.
CANNOT_TRACE_HERE = (
    "zc-trace must run as root",
    "the kernel refused to load a BPF program",
    "this kernel cannot run BPF tracing programs",
    "this kernel has no uprobes",
    "this kernel has no BTF",
)


def preflight(tracer, hist):
    """SKIP (never a silent pass) when this machine cannot trace; any other
    failure of --check (a crash, a signal, an unknown message) fails."""
    args = [tracer, "--check"] + (["-H"] if hist else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if r.returncode == 0:
        return
    err = r.stderr.strip()
    if r.returncode == 1 and err.count("\n") == 0 and err.startswith("zc-trace: ") \
            and any(err[len("zc-trace: "):].startswith(m) for m in CANNOT_TRACE_HERE):
        skip(err)
    print(f"FAIL zc-trace --check exited {r.returncode}"
          f"{' (signal %d)' % -r.returncode if r.returncode < 0 else ''}: "
          f"{err or 'no message'}")
    sys.exit(1)


def read_line(proc, deadline, what):
    """One line of proc's stdout, or fail the test at the deadline."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(timeout=left):
            raise TimeoutError(f"timed out waiting for {what}")
        line = proc.stdout.readline()
        if not line:
            raise EOFError(f"{what}: the process ended first")
        return line


def hide_btf(cmd):
    """cmd run where /sys/kernel/btf is empty: a kernel without BTF."""
    import shlex
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs none /sys/kernel/btf && exec " + shlex.join(cmd)]


def start_tracer(tracer, args, no_btf=False):
    cmd = [tracer, "-j"] + args
    if no_btf:
        cmd = hide_btf(cmd)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    lines = []
    while True:
        try:
            line = read_line(proc, deadline, "zc-trace to attach")
        except (EOFError, TimeoutError):
            proc.kill()
            print(proc.stderr.read())
            raise
        rec = json.loads(line)
        lines.append(rec)
        if rec.get("type") == "attached":
            return proc, lines


def collect(proc, lines, timeout):
    out, err = proc.communicate(timeout=timeout)
    for line in out.splitlines():
        if line.strip():
            lines.append(json.loads(line))
    return lines, err


def rows_by(lines, kind):
    return [rec for rec in lines if rec.get("type") == kind]


def total_row(total, pid, chan):
    for row in total["channels"]:
        if row["pid"] == pid and row["chan"] == chan:
            return row
    return None


def interval_sum(intervals, pid, chan, field):
    return sum(row[field] for rec in intervals for row in rec["channels"]
               if row["pid"] == pid and row["chan"] == chan)


def kv(line):
    words = line.split()
    return words[0], {k: int(v) for k, v in (w.split("=") for w in words[1:])}


def run_stream(a, extra, trace_args_fn, stop_tracer):
    stream = subprocess.Popen([a.stream] + extra, stdout=subprocess.PIPE,
                              text=True)
    try:
        ready = read_line(stream, time.monotonic() + 30, "zc_stream ready").split()
        assert ready[0] == "ready", ready
        host, remote = int(ready[1]), int(ready[2])
        tracer, lines = start_tracer(a.tracer, trace_args_fn(host, remote))
        os.kill(remote, signal.SIGUSR1)
        os.kill(host, signal.SIGUSR1)
        out, _ = stream.communicate(timeout=120)
    except Exception:
        stream.kill()
        raise
    check(stream.returncode == 0, "the workload ran to completion")
    stats = dict(kv(line) for line in out.splitlines() if "=" in line)
    if stop_tracer:
        time.sleep(0.2)
        tracer.send_signal(signal.SIGINT)
    try:
        lines, err = collect(tracer, lines, 15)
    except subprocess.TimeoutExpired:
        tracer.kill()
        check(False, "zc-trace exits by itself")
        finish()
    check(tracer.returncode == 0,
          f"zc-trace exits cleanly (status {tracer.returncode}) {err.strip()}")
    return host, remote, stats, lines


def scenario_stream(a):
    preflight(a.tracer, True)
    count = 3000
    host, remote, st, lines = run_stream(
        a, ["--count", str(count), "--len", "200", "--sleep"],
        lambda h, r: ["-p", str(h), "-p", str(r), "-H"], False)
    totals = rows_by(lines, "total")
    check(len(totals) == 1, "one totals record")
    if not totals:
        finish()
    total, intervals = totals[0], rows_by(lines, "interval")
    check(total.get("lost_events") == 0, "no event lost to a full map")
    h, r = st["host"], st["remote"]
    check(h["tx_frames"] == count and r["rx_frames"] == count,
          f"the workload moved {count} frames ({h['tx_frames']}, {r['rx_frames']})")
    th, tr = total_row(total, host, 0), total_row(total, remote, 0)
    check(th is not None and tr is not None, "rows for both processes, channel 0")
    if th is None or tr is None:
        finish()
    check(th["tx_msgs"] == h["tx_frames"],
          f"host tx frames: traced {th['tx_msgs']} == sent {h['tx_frames']}")
    check(th["tx_bytes"] == h["tx_bytes"],
          f"host tx bytes: traced {th['tx_bytes']} == sent {h['tx_bytes']}")
    check(tr["rx_msgs"] == r["rx_frames"],
          f"remote rx frames: traced {tr['rx_msgs']} == received {r['rx_frames']}")
    check(tr["rx_bytes"] == r["rx_bytes"],
          f"remote rx bytes: traced {tr['rx_bytes']} == received {r['rx_bytes']}")
    check(tr["releases"] == count, f"remote released {tr['releases']} == {count}")
    check(th["full"] == h["full"] and h["full"] > 0,
          f"back-pressure events: traced {th['full']} == counted {h['full']} (> 0)")
    check(th["kicks"] == h["kicks"] and tr["kicks"] == r["kicks"],
          f"kicks: traced {th['kicks']}/{tr['kicks']} == counted {h['kicks']}/{r['kicks']}")
    wh, wr = total_row(total, host, None), total_row(total, remote, None)
    check((wh["wakes"] if wh else 0) == h["sleeps"] and
          (wr["wakes"] if wr else 0) == r["sleeps"] and r["sleeps"] > 0,
          f"wakes: traced {wh and wh['wakes']}/{wr and wr['wakes']} == sleeps {h['sleeps']}/{r['sleeps']}")
    for pid, chan, field in ((host, 0, "tx_msgs"), (host, 0, "tx_bytes"),
                             (remote, 0, "rx_msgs"), (host, 0, "kicks"),
                             (host, 0, "full"), (remote, None, "wakes")):
        row = total_row(total, pid, chan)
        s = interval_sum(intervals, pid, chan, field)
        check(s == row[field], f"per-interval {field} of {pid} add up to the total ({s})")
    hists = {(x["kind"], x["chan"]): x for x in total.get("hists", [])}
    sr = hists.get(("send_recv", 0))
    check(sr is not None and sr["count"] == count,
          f"send->recv histogram holds every frame ({sr and sr['count']} == {count})")
    if sr:
        check(sum(b["count"] for b in sr["buckets"]) == sr["count"],
              "send->recv buckets add up")
    check(tr["unmatched"] == 0, "every recv matched its send")
    kw = hists.get(("kick_wake", None))
    kicks = th["kicks"] + tr["kicks"]
    check(kw is not None and 0 < kw["count"] <= kicks,
          f"kick->wake samples: 0 < {kw and kw['count']} <= {kicks} kicks")
    finish()


def scenario_write(a):
    preflight(a.tracer, False)
    if not a.lib:
        skip("no libzc.so path given")
    count, length = 200, 10000  # 3 fragments per message in 4 KiB slots
    host, remote, st, lines = run_stream(
        a, ["--count", str(count), "--len", str(length), "--write"],
        lambda h, r: ["-l", a.lib], True)
    totals = rows_by(lines, "total")
    check(len(totals) == 1, "one totals record after SIGINT")
    if not totals:
        finish()
    total, intervals = totals[0], rows_by(lines, "interval")
    h, r = st["host"], st["remote"]
    check(r["msgs"] == count, f"{count} messages of {length} bytes arrived")
    check(h["tx_frames"] > count, f"messages were fragmented ({h['tx_frames']} frames)")
    th, tr = total_row(total, host, 0), total_row(total, remote, 0)
    check(th is not None and tr is not None, "rows for both processes, channel 0")
    if th is None or tr is None:
        finish()
    check(th["tx_msgs"] == h["tx_frames"],
          f"host tx frames (in libzc.so): traced {th['tx_msgs']} == sent {h['tx_frames']}")
    check(th["tx_bytes"] == h["tx_bytes"],
          f"host tx bytes: traced {th['tx_bytes']} == sent {h['tx_bytes']}")
    check(tr["rx_msgs"] == r["rx_frames"],
          f"remote rx frames: traced {tr['rx_msgs']} == received {r['rx_frames']}")
    s = interval_sum(intervals, host, 0, "tx_msgs")
    check(s == th["tx_msgs"], f"per-interval tx frames add up to the total ({s})")
    finish()


def scenario_loopback(a):
    preflight(a.tracer, True)
    msgs = 5000
    bench = subprocess.Popen([a.bench, "--wait", "--only", "probes", "--msgs",
                              str(msgs), "--rounds", "1", "--burst", "4"],
                             stdout=subprocess.PIPE, text=True)
    try:
        pid = int(read_line(bench, time.monotonic() + 30, "ready").split()[1])
        tracer, lines = start_tracer(a.tracer, ["-p", str(pid), "-H"])
        os.kill(pid, signal.SIGUSR1)
        bench.communicate(timeout=60)
    except Exception:
        bench.kill()
        raise
    check(bench.returncode == 0, "the loop ran")
    lines, err = collect(tracer, lines, 15)
    check(tracer.returncode == 0, f"zc-trace exits with its target {err.strip()}")
    total = rows_by(lines, "total")[0]
    row = total_row(total, pid, 0)
    check(row is not None and row["tx_msgs"] == msgs and row["rx_msgs"] == msgs,
          f"one thread, both sides: {msgs} sent and received traced")
    sr = [x for x in total.get("hists", []) if x["kind"] == "send_recv"]
    check(len(sr) == 1 and sr[0]["count"] == msgs,
          f"send->recv matched within one thread ({sr and sr[0]['count']})")
    finish()


def emitter_in_mount_ns(emitter, mnt):
    """The emitter seen through a bind mount that exists only in its own
    mount namespace, as a containerised application's files are."""
    import shutil
    if not shutil.which("unshare"):
        skip("no unshare (util-linux) to make a mount namespace")
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        skip("cannot create a mount namespace here")
    return ["unshare", "--mount", "--propagation", "private", "--fork", "sh",
            "-c", f'mount --bind "{os.path.dirname(os.path.abspath(emitter))}" "{mnt}"'
            f' && exec "{mnt}/{os.path.basename(emitter)}"']


def scenario_emitter(a, in_ns=False, no_btf=False):
    preflight(a.tracer, not no_btf)
    if no_btf:
        import shutil
        if not shutil.which("unshare") or subprocess.run(
                ["unshare", "--mount", "true"], capture_output=True).returncode:
            skip("cannot create a mount namespace to hide the kernel's BTF")
        r = subprocess.run(hide_btf([a.tracer, "--check", "-H"]),
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and "has no BTF" in r.stderr and
              "without -H" in r.stderr,
              f"no BTF: -H refused in one sentence ({r.stderr.strip()})")
    cmd = [a.emitter]
    if in_ns:
        import tempfile
        mnt = tempfile.mkdtemp(prefix="zt-ns-")
        cmd = emitter_in_mount_ns(a.emitter, mnt)
    emitter = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        pid = int(read_line(emitter, time.monotonic() + 30, "ready").split()[1])
        tracer, lines = start_tracer(
            a.tracer, ["-p", str(pid)] + ([] if no_btf else ["-H"]), no_btf)
        os.kill(pid, signal.SIGUSR1)
        emitter.communicate(timeout=60)
    except Exception:
        emitter.kill()
        raise
    check(emitter.returncode == 0, "the emitter ran")
    lines, err = collect(tracer, lines, 15)
    if in_ns:
        os.rmdir(mnt)
        paths = [o["path"] for rec in lines if rec.get("type") == "attached"
                 for o in rec["objects"]]
        check(any(p.startswith(f"/proc/{pid}/root/") for p in paths),
              f"found through the process's own root: {paths}")
    check(tracer.returncode == 0, f"zc-trace exits with its target {err.strip()}")
    total = rows_by(lines, "total")[0]
    check(total.get("lost_events") == 0, "no event lost to a full map")
    want = {  # chan: expected counters (the rest 0)
        1: dict(tx_msgs=16, tx_bytes=160, rx_msgs=16, rx_bytes=160,
                releases=16, kicks=2),
        2: dict(tx_msgs=2, tx_bytes=2, rx_msgs=2, rx_bytes=2),
        3: dict(tx_msgs=5, tx_bytes=500, rx_msgs=5, rx_bytes=500),
        4: dict(tx_msgs=1, tx_bytes=1, rx_msgs=1, rx_bytes=1, reserves=1),
        5: dict(full=3),
        6: dict(rx_msgs=1, rx_bytes=1, unmatched=1),
        7: dict(broken=1, broken_err=-71),
        8: dict(tx_msgs=4, tx_bytes=4, rx_msgs=4, rx_bytes=4),
    }
    if no_btf:  # counts only: nothing is matched, so nothing is unmatched
        del want[6]["unmatched"]
    fields = ("tx_msgs", "tx_bytes", "rx_msgs", "rx_bytes", "releases",
              "kicks", "full", "reserves", "wakes", "unmatched", "broken",
              "broken_err")
    for chan, exp in want.items():
        row = total_row(total, pid, chan) or {}
        got = {f: row.get(f, 0) for f in fields}
        full = {f: exp.get(f, 0) for f in fields}
        check(got == full, f"chan {chan} counters {got}")
    if no_btf:
        check("hists" not in total, "no histograms without -H")
        finish()
    hists = {(x["kind"], x["chan"]): x for x in total.get("hists", [])}

    def count(kind, chan):
        h = hists.get((kind, chan))
        return h["count"] if h else 0
    check(count("send_recv", 1) == 16, "16 frames matched across the id wrap")
    check(count("send_recv", 3) == 5, "a burst of 5 matched across the wrap")
    check(count("send_recv", 4) == 1 and count("reserve_send", 4) == 1,
          "reserve->send sampled once")
    # chan 2: frames at least 140 ms and 300 ms old (see probe_emitter.c); a
    # thread matching its own send would see one of ~0 instead. Sleeps only
    # ever run long on a busy machine, so only the lower bound is checked:
    # both samples at 2^27 ns (134 ms) or more, never in a bucket below.
    b2 = hists.get(("send_recv", 2), {"buckets": []})["buckets"]
    check(count("send_recv", 2) == 2 and all(b["lo_ns"] >= 1 << 27 for b in b2),
          f"same id both ways: each recv matched the other thread's send {b2}")
    # chan 8: two regions, same index and ids; id 1 frames at least 140 and
    # 300 ms old when each receiver takes its own peer's (probe_emitter.c),
    # ~0 when one took the other region's: two samples 134 ms or older.
    b8 = hists.get(("send_recv", 8), {"buckets": []})["buckets"]
    old = sum(b["count"] for b in b8 if b["lo_ns"] >= 1 << 27)
    check(count("send_recv", 8) == 4 and old >= 2,
          f"two regions on one channel index: each receiver kept its peer {b8}")
    rs = hists.get(("reserve_send", 4), {"buckets": []})["buckets"]
    check(all(b["lo_ns"] >= 1 << 22 for b in rs),
          f"reserve->send spans the 5 ms between them {rs}")
    finish()


def scenario_text(a):
    """The human output: header, per-interval rows, totals, histograms."""
    preflight(a.tracer, True)
    import re
    emitter = subprocess.Popen([a.emitter], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(read_line(emitter, time.monotonic() + 30, "ready").split()[1])
        tracer = subprocess.Popen([a.tracer, "-p", str(pid), "-H", "-i", "0.2"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        deadline = time.monotonic() + 30
        while "Ctrl-C to stop" not in tracer.stderr.readline():
            if time.monotonic() > deadline or tracer.poll() is not None:
                raise TimeoutError("zc-trace did not attach")
        os.kill(pid, signal.SIGUSR1)
        emitter.communicate(timeout=60)
        out, _ = tracer.communicate(timeout=15)
    except Exception:
        emitter.kill()
        raise
    print(out)
    check(tracer.returncode == 0, "zc-trace exits with its target")
    check(re.search(r"^TIME +PID CHAN +TX msg/s +RX msg/s", out, re.M) is not None,
          "the rate header")
    check(re.search(rf"^\s*{pid}\s+1\s+16\s+160\s+16\s+160\s+2\s+0\s+0$", out, re.M)
          is not None, "the totals row of channel 1 (16 frames, 160 bytes, 2 kicks)")
    check(re.search(r"^send_recv latency \(ns\), chan 1, 16 samples:$", out, re.M)
          is not None, "the send->recv histogram of channel 1")
    check(re.search(rf"^\s*{pid}\s+7 channel broken: Protocol error \(-71\)$", out, re.M)
          is not None, "the broken channel, with its error")
    check(re.search(r"^reserve_send latency \(ns\), chan 4, 1 samples:$", out, re.M)
          is not None, "the reserve->send histogram of channel 4")
    finish()


def scenario_errors(a):
    preflight(a.tracer, False)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        r = subprocess.run([a.tracer, "-p", str(sleeper.pid)],
                           capture_output=True, text=True, timeout=30)
    finally:
        sleeper.kill()
        sleeper.wait()
    check(r.returncode == 1 and "has no zc probes" in r.stderr
          and r.stderr.count("\n") == 1,
          f"a process without probes: one sentence ({r.stderr.strip()})")
    r = subprocess.run([a.tracer, "-b", "/bin/true"], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 1 and "has no zc probes" in r.stderr,
          f"a binary without probes ({r.stderr.strip()})")
    r = subprocess.run([a.tracer, "-p", "999999999"], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 1 and "no process 999999999" in r.stderr,
          f"no such process ({r.stderr.strip()})")
    r = subprocess.run([a.tracer, "-i", "x"], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 1 and "-i wants" in r.stderr, "a bad interval")
    # Not root: drop to nobody where setpriv exists and nobody can run it.
    setpriv = "/usr/bin/setpriv"
    if os.path.exists(setpriv):
        r = subprocess.run([setpriv, "--reuid=65534", "--regid=65534",
                            "--clear-groups", "--inh-caps=-all",
                            a.tracer, "-b", "/bin/true"],
                           capture_output=True, text=True, timeout=30)
        if r.returncode == 126 or "Permission denied" in r.stderr:
            print("note: nobody cannot execute the build tree; not-root check left out")
        else:
            check(r.returncode == 1 and "must run as root" in r.stderr,
                  f"not root: one sentence ({r.stderr.strip()})")
    finish()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scenario", required=True,
                   choices=["stream", "write", "loopback", "emitter",
                            "emitter_ns", "nobtf", "text", "errors"])
    p.add_argument("--tracer", required=True)
    p.add_argument("--stream")
    p.add_argument("--bench")
    p.add_argument("--emitter")
    p.add_argument("--lib")
    p.add_argument("--libzc-without-probes", action="store_true")
    a = p.parse_args()
    if a.libzc_without_probes and a.scenario in ("stream", "write"):
        skip("libzc was built with -Dprobes=false: it has no probes to trace")
    {"stream": scenario_stream, "write": scenario_write,
     "loopback": scenario_loopback, "emitter": scenario_emitter,
     "emitter_ns": lambda a: scenario_emitter(a, in_ns=True),
     "nobtf": lambda a: scenario_emitter(a, no_btf=True),
     "text": scenario_text,
     "errors": scenario_errors}[a.scenario](a)


if __name__ == "__main__":
    main()

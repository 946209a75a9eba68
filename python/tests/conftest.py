# SPDX-License-Identifier: MIT
"""Shared fixtures: unique region names, an in-process peer, C remotes.

$ZC (the zc tool) and $ZC_FW_ECHO (the echo firmware run as a process)
come from python/meson.build; a test needing one that is absent skips.
"""
import itertools
import os
import shutil
import subprocess
import threading

import pytest

import zc

_seq = itertools.count()


@pytest.fixture
def uri():
    """A region name no other test (or test run) uses."""
    return f"pytest-{os.getpid()}-{next(_seq)}"


def attach_in_thread(uri, channels=(), timeout=10):
    """Attach as the remote from a thread while the caller waits for it.

    Returns (thread, box): once joined, box holds 'region' and the opened
    channels by name, or 'error'.
    """
    box = {}

    def run():
        try:
            r = zc.Region.attach(uri, timeout)
            box["region"] = r
            for name in channels:
                box[name] = r.channel_open(name, timeout=timeout)
        except Exception as e:  # reported by the test that joins
            box["error"] = e

    t = threading.Thread(target=run)
    t.start()
    return t, box


@pytest.fixture
def pair(uri):
    """A host and a remote region in this process, with channel 'data'
    announced by the host and opened by the remote: (host, hch, remote, rch)."""
    host = zc.Region.create(uri, slot_size=4096, slots=16)
    hch = host.channel_create("data")
    t, box = attach_in_thread(uri, ["data"])
    host.wait_peer(10)
    t.join()
    if "error" in box:
        raise box["error"]
    yield host, hch, box["region"], box["data"]
    for obj in (box["data"], box["region"], hch, host):
        obj.close()


def tool(var):
    path = os.environ.get(var)
    if not path or not shutil.which(path):
        pytest.skip(f"${var} is not set to a built program (run through meson test)")
    return path


class Child:
    """A C peer in a child process, stopped (and reaped) at the end."""

    def __init__(self, argv):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def wait(self, timeout=30):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


@pytest.fixture
def children():
    started = []

    def start(argv):
        c = Child(argv)
        started.append(c)
        return c

    yield start
    for c in started:
        c.kill()

# SPDX-License-Identifier: MIT
"""Python against the C peers: 'zc remote', the echo firmware, 'zc ping'."""
import errno
import hashlib
import threading
import zlib

import numpy as np
import pytest

import zc
from conftest import tool


def host_with_echo(uri, children, argv_of, **params):
    host = zc.Region.create(uri, **params)
    ch = host.channel_create("echo")
    child = children(argv_of(uri))
    host.wait_peer(20)
    return host, ch, child


def zc_remote(uri):
    return [tool("ZC"), "remote", uri, "--mode", "echo", "--timeout", "20", "--quiet"]


def test_python_host_zc_remote_round_trip(uri, children):
    host, ch, child = host_with_echo(uri, children, zc_remote,
                                     slot_size=4096, slots=32)
    assert host.peer_alive
    for i in range(200):
        a = np.arange(i, i + 500, dtype=np.int16)
        ch.send(a, timeout=10)
        with ch.recv_buffer(timeout=10) as m:
            assert m.zero_copy
            b = np.frombuffer(m, dtype=np.int16)
            assert np.array_equal(a, b)
            del b
    # Large messages, fragmented both ways (the remote reassembles and
    # writes each back whole), checked by CRC and hash.
    rng = np.random.default_rng(1)
    for size in (4081, 100_000, 4 * 1024 * 1024 + 3):
        data = rng.integers(0, 256, size=size, dtype=np.uint8).tobytes()
        ch.write(data, timeout=30)
        back = ch.read(timeout=30)
        assert len(back) == size
        assert zlib.crc32(back) == zlib.crc32(data)
        assert hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
    ch.close()
    host.close()
    rc, out, err = child.wait()
    assert rc == 0, err  # the remote saw its host leave


def test_remote_killed_then_next_remote(uri, children):
    host, ch, child = host_with_echo(uri, children, zc_remote,
                                     slot_size=4096, slots=16)
    ch.send(b"one")
    assert ch.recv(timeout=10) == b"one"
    child.kill()
    with pytest.raises(BrokenPipeError) as e:
        ch.recv(timeout=20)
    assert e.value.errno == errno.EPIPE
    assert not host.peer_alive
    first = host.address
    children(zc_remote(uri))
    host.wait_peer(20)
    assert host.stats()["peer_resets"] == 1
    ch.send(b"two")
    with ch.recv_buffer(timeout=10) as m:
        assert bytes(m) == b"two"
        assert host.address <= m.address < host.address + host.size
    del first
    ch.close()
    host.close()


def test_python_host_echo_firmware(uri, children):
    fw = tool("ZC_FW_ECHO")
    host = zc.Region.create(uri, slot_size=4096, slots=16)
    child = children([fw, "--timeout", "20000", "--quiet", uri])
    host.wait_peer(20)
    ch = host.channel_open("echo", timeout=20)  # the firmware announces it
    for i in range(100):
        ch.send(np.full(100, i, dtype=np.uint32), timeout=10)
        with ch.recv_buffer(timeout=10) as m:
            assert m.src != 0 and (np.frombuffer(m, dtype=np.uint32) == i).all()
    # The firmware echoes frame by frame: a message over more slots than
    # the channel has needs a reader while it is written.
    data = np.random.default_rng(2).integers(0, 2**32, size=300_000, dtype=np.uint32)
    errors = []

    def writer():
        try:
            ch.write(data, timeout=30)
        except Exception as e:
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    out = np.empty_like(data)
    n = ch.recv_into(out, timeout=30)
    t.join()
    assert not errors and n == data.nbytes and np.array_equal(out, data)
    ch.close()
    host.close()
    child.wait()


def test_python_remote_serves_zc_ping(uri, children):
    ping = children([tool("ZC"), "ping", uri, "--count", "50", "--interval", "0",
                     "--size", "1000", "--timeout", "20"])
    remote = zc.Region.attach(uri, timeout=20)
    ch = remote.channel_open("echo", timeout=20)
    served = 0
    try:
        while True:
            with ch.recv_buffer(timeout=20) as m:
                ch.send(m)  # straight from the received slot to a free one
            served += 1
    except BrokenPipeError:
        pass  # zc ping is done and gone
    rc, out, err = ping.wait()
    assert rc == 0, out + err
    assert served == 50
    ch.close()
    remote.close()

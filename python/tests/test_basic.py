# SPDX-License-Identifier: MIT
"""Messages both ways between two regions of this process, and errors."""
import errno
import hashlib
import threading

import numpy as np
import pytest

import zc
from conftest import attach_in_thread


def test_bytes_round_trip(pair):
    host, hch, remote, rch = pair
    assert host.role == "host" and remote.role == "remote"
    assert hch.send(b"hello") == 5
    assert rch.recv() == b"hello"
    rch.send(bytearray(b"back"))
    assert hch.recv(timeout=5) == b"back"
    hch.send(b"")
    assert rch.recv() == b""


def test_numpy_send_and_recv(pair):
    host, hch, remote, rch = pair
    a = np.arange(256, dtype=np.complex64)
    hch.send(a)
    got = np.frombuffer(rch.recv(), dtype=np.complex64)
    assert np.array_equal(got, a)
    hch.send(memoryview(a)[10:20])
    assert np.array_equal(np.frombuffer(rch.recv(), dtype=np.complex64), a[10:20])


def test_recv_into(pair):
    host, hch, remote, rch = pair
    hch.send(np.arange(100, dtype=np.int16))
    out = np.zeros(200, dtype=np.int16)
    assert rch.recv_into(out) == 200
    assert np.array_equal(out[:100], np.arange(100, dtype=np.int16))
    hch.send(bytes(64))
    small = bytearray(8)
    with pytest.raises(zc.Error) as e:
        rch.recv_into(small)
    assert e.value.errno == errno.EMSGSIZE and "64 bytes" in str(e.value)
    assert rch.next_size() == 64  # still queued
    assert rch.recv() == bytes(64)


def test_nonblocking_recv_returns_none(pair):
    host, hch, remote, rch = pair
    assert rch.recv(timeout=0) is None
    assert rch.recv_buffer(timeout=0) is None
    assert rch.next_size(timeout=0) is None
    assert rch.wait_rx(timeout=0) is False
    hch.send(b"x")
    assert rch.wait_rx(timeout=5) is True
    assert rch.recv(timeout=0) == b"x"


def test_timeout_is_timeout_error(pair):
    host, hch, remote, rch = pair
    with pytest.raises(TimeoutError) as e:
        rch.recv(timeout=0.05)
    assert isinstance(e.value, zc.Error)
    assert e.value.errno == errno.ETIMEDOUT
    assert e.value.strerror == zc.strerror(errno.ETIMEDOUT)


def test_full_channel_back_pressure(pair):
    host, hch, remote, rch = pair
    sent = 0
    while True:
        try:
            hch.send(b"m%d" % sent, timeout=0)
        except BlockingIOError as e:
            assert e.errno == errno.EAGAIN and isinstance(e, zc.Error)
            break
        sent += 1
    assert sent == host.geometry["slots"]
    assert hch.reserve(timeout=0) is None
    for i in range(sent):
        assert rch.recv() == b"m%d" % i
    hch.send(b"again", timeout=5)
    assert rch.recv() == b"again"


def test_large_fragmented_messages(pair):
    host, hch, remote, rch = pair
    rng = np.random.default_rng(13)
    big = rng.integers(0, 256, size=3 * 1024 * 1024 + 17, dtype=np.uint8)
    want = hashlib.sha256(big).hexdigest()
    errors = []

    def writer():
        try:
            for _ in range(3):
                hch.write(big, timeout=30)
        except Exception as e:
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    got = [rch.read(timeout=30), rch.recv_buffer(timeout=30)]
    out = np.empty_like(big)
    n = rch.recv_into(out, timeout=30)
    t.join()
    assert not errors
    assert hashlib.sha256(got[0]).hexdigest() == want
    assert not got[1].zero_copy and hashlib.sha256(got[1]).hexdigest() == want
    got[1].release()
    assert n == big.size and hashlib.sha256(out).hexdigest() == want
    assert hch.stats()["tx_msgs"] > 3 * (big.size // hch.payload_size)


def test_attach_nothing_there(uri):
    with pytest.raises(FileNotFoundError) as e:
        zc.Region.attach(uri, timeout=0)
    assert e.value.errno == errno.ENOENT
    assert isinstance(e.value, zc.Error)
    assert "no such region" in e.value.strerror


def test_channel_errors(uri):
    with zc.Region.create(uri, slot_size=4096, slots=8) as host:
        a = host.channel_create("a")
        with pytest.raises(FileExistsError) as e:
            host.channel_create("a")
        assert e.value.errno == errno.EEXIST
        with pytest.raises(zc.Error) as e:
            host.channel_create("n" * 40)
        assert e.value.errno == errno.ENAMETOOLONG and "31 bytes" in str(e.value)
        with pytest.raises(zc.Error) as e:
            zc.Region.create(uri + "x", slot_size=1000)
        assert e.value.errno == errno.EINVAL
        with pytest.raises(ValueError):
            host.channel_create("b", mode="fast")
        with pytest.raises(zc.Error) as e:
            host.channel_open("nobody", timeout=0.05)  # no peer yet
        assert e.value.errno == errno.ENOTCONN and "wait_peer" in e.value.strerror
    assert host.closed
    with pytest.raises(ValueError):
        host.channel_create("c")


def test_close_closes_channels(uri):
    host = zc.Region.create(uri, slot_size=4096, slots=8)
    ch = host.channel_create("a")
    host.close()
    assert ch.closed
    with pytest.raises(ValueError):
        ch.send(b"x")


def test_seq_channel(uri):
    with zc.Region.create(uri, slot_size=4096, slots=16) as host:
        hch = host.channel_create("s", mode="seq")
        t, box = attach_in_thread(uri, ["s"])
        host.wait_peer(10)
        t.join()
        rch = box["s"]
        assert hch.mode == "seq" and rch.mode == "seq"
        for i in range(40):
            hch.send(np.full(8, i, dtype=np.int64))
            with rch.recv_buffer() as m:
                a = np.frombuffer(m, dtype=np.int64)
                assert (a == i).all()
                del a
        rch.close()
        box["region"].close()


def test_lost_peer_is_broken_pipe(uri):
    host = zc.Region.create(uri, slot_size=4096, slots=8)
    hch = host.channel_create("data")
    t, box = attach_in_thread(uri, ["data"])
    host.wait_peer(10)
    t.join()
    box["data"].send(b"last words")
    box["data"].close()
    box["region"].close()
    assert hch.recv(timeout=5) == b"last words"  # delivered before the loss
    with pytest.raises(BrokenPipeError) as e:
        hch.recv(timeout=5)
    assert e.value.errno == errno.EPIPE and "gone" in e.value.strerror
    # The next peer gets the channel back.
    t, box = attach_in_thread(uri, ["data"])
    host.wait_peer(10)
    t.join()
    box["data"].send(b"new peer")
    assert hch.recv(timeout=5) == b"new peer"
    box["data"].close()
    box["region"].close()
    hch.close()
    host.close()


def test_one_receiver_at_a_time(pair):
    host, hch, remote, rch = pair
    started = threading.Event()
    result = []

    def blocked():
        started.set()
        result.append(rch.recv(timeout=30))

    t = threading.Thread(target=blocked)
    t.start()
    started.wait()
    # The other thread is inside recv (or about to be): a second receiver
    # is refused, never let in beside it. Wait until it is in.
    while not rch_busy(rch):
        pass
    with pytest.raises(RuntimeError):
        rch.recv(timeout=0)
    with pytest.raises(RuntimeError):
        remote.close()
    hch.send(b"wake")
    t.join()
    assert result == [b"wake"]


def rch_busy(ch):
    try:
        ch.next_size(timeout=0)
    except RuntimeError:
        return True
    return False


def test_blocking_recv_is_interruptible(pair):
    import signal

    host, hch, remote, rch = pair

    class Alarm(Exception):
        pass

    def on_alarm(sig, frame):
        raise Alarm()

    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(Alarm):
            rch.recv()  # forever, but a signal handler still runs
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    hch.send(b"still works")
    assert rch.recv(timeout=5) == b"still works"


def test_open_creates_then_attaches(uri):
    with zc.Region.open(uri, slot_size=4096, slots=8) as host:
        assert host.created and host.role == "host"
        hch = host.channel_create("data")
        box = {}
        t = threading.Thread(target=lambda: box.update(r=zc.Region.open(uri, timeout=10)))
        t.start()
        host.wait_peer(10)
        t.join()
        remote = box["r"]
        assert not remote.created and remote.role == "remote"
        rch = remote.channel_open("data")
        rch.send(b"via open")
        assert hch.recv(timeout=5) == b"via open"
        rch.close()
        remote.close()
        hch.close()


def test_evict_peer(uri, pair):
    host, hch, remote, rch = pair
    rch.send(b"before")
    assert hch.recv(timeout=5) == b"before"
    host.evict_peer()
    with pytest.raises(BrokenPipeError):
        rch.recv(timeout=10)  # the evicted remote sees its host gone
    t, box = attach_in_thread(uri, ["data"])
    host.wait_peer(10)
    t.join()
    box["data"].send(b"after")
    assert hch.recv(timeout=5) == b"after"
    box["data"].close()
    box["region"].close()

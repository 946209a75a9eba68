# SPDX-License-Identifier: MIT
"""Zero-copy: received and reserved buffers are the slots themselves."""
import ctypes
import gc

import numpy as np
import pytest

import zc


def inside(region, addr, n=1):
    return region.address <= addr and addr + n <= region.address + region.size


def test_frombuffer_is_the_slot(pair):
    host, hch, remote, rch = pair
    hch.send(np.arange(64, dtype=np.float32))
    m = rch.recv_buffer()
    assert m.zero_copy and len(m) == 256
    a = np.frombuffer(m, dtype=np.float32)
    ptr = a.__array_interface__["data"][0]
    assert ptr == m.address and inside(remote, ptr, a.nbytes)
    assert not a.flags.writeable  # the peer's data
    assert np.array_equal(a, np.arange(64, dtype=np.float32))
    # The host writes the same bytes through its own mapping of the region:
    # the array sees it, so it is no copy.
    off = ptr - remote.address
    ctypes.memmove(host.address + off, np.full(64, 7.5, dtype=np.float32).ctypes.data, 256)
    assert (a == 7.5).all()
    del a
    m.release()


def test_release_refused_while_viewed(pair):
    host, hch, remote, rch = pair
    hch.send(b"abcdefgh")
    with pytest.raises(BufferError):
        with rch.recv_buffer() as m:
            a = np.frombuffer(m, dtype=np.uint8)
    assert not m.released and bytes(a) == b"abcdefgh"
    with pytest.raises(BufferError):
        remote.close()
    with pytest.raises(BufferError):
        rch.close()
    with pytest.raises(BufferError):
        m.release()
    del a
    m.release()
    m.release()  # again: nothing
    assert m.released
    for use in (memoryview, bytes, len, lambda m: np.frombuffer(m, dtype=np.uint8),
                lambda m: m.tobytes(), lambda m: m.address):
        with pytest.raises(ValueError):
            use(m)


def test_context_manager_releases(pair):
    host, hch, remote, rch = pair
    slots = host.geometry["slots"]
    # More messages than slots: each must come back for the next to go.
    for i in range(3 * slots):
        hch.send(i.to_bytes(4, "little"), timeout=5)
        with rch.recv_buffer() as m:
            assert int.from_bytes(memoryview(m), "little") == i
        assert m.released


def test_dropped_message_gives_its_slot_back(pair):
    host, hch, remote, rch = pair
    slots = host.geometry["slots"]
    for rounds in range(3):
        for i in range(slots):
            hch.send(b"x" * 100, timeout=0)
        held = [rch.recv_buffer() for _ in range(slots)]
        assert hch.reserve(timeout=0) is None  # every slot is with the remote
        del held
        gc.collect()
    hch.send(b"fits again", timeout=5)
    assert rch.recv() == b"fits again"


def test_reserve_fill_in_place_send(pair):
    host, hch, remote, rch = pair
    with hch.reserve() as b:
        assert b.capacity == hch.payload_size and inside(host, b.address, b.capacity)
        a = np.frombuffer(b, dtype=np.int32)  # writable: ours until sent
        a[:10] = np.arange(10)
        with pytest.raises(BufferError):
            b.send(40)
        del a
        b.send(40)
    assert b.sent
    with pytest.raises(ValueError):
        memoryview(b)
    with rch.recv_buffer() as m:
        assert np.array_equal(np.frombuffer(m, dtype=np.int32), np.arange(10))
    with hch.reserve() as b:
        memoryview(b)[:3] = b"abc"
        b.send(3)
    assert rch.recv() == b"abc"


def test_unsent_reservation_is_kept(pair):
    host, hch, remote, rch = pair
    with hch.reserve() as b:
        addr = b.address
    assert rch.recv(timeout=0) is None  # nothing went out
    with hch.reserve() as b2:
        assert b2.address == addr  # the same slot, reserved still
        memoryview(b2)[:2] = b"ok"
        b2.send(2)
    assert rch.recv() == b"ok"
    with hch.reserve():
        pass
    hch.send(b"into the kept slot")
    assert rch.recv() == b"into the kept slot"


def test_send_length_checked(pair):
    host, hch, remote, rch = pair
    b = hch.reserve()
    with pytest.raises(ValueError):
        b.send(b.capacity + 1)
    b.send(b.capacity)
    assert len(rch.recv()) == hch.payload_size


def test_release_while_another_thread_receives(pair):
    """libzc lets one thread receive at a time: a release from another
    thread meanwhile is handed to the receiving thread, never lost."""
    import threading

    host, hch, remote, rch = pair
    slots = host.geometry["slots"]
    for i in range(slots - 1):
        hch.send(b"held")
    held = [rch.recv_buffer() for _ in range(slots - 1)]
    got = []
    t = threading.Thread(target=lambda: got.append(rch.recv(timeout=30)))
    t.start()
    while True:  # until the thread is inside recv
        try:
            rch.next_size(timeout=0)
        except RuntimeError:
            break
    for m in held:
        m.release()
        assert m.released
    hch.send(b"wake")  # the one free slot
    t.join()
    assert got == [b"wake"]
    for i in range(slots):  # every slot came back
        hch.send(b"%d" % i, timeout=0)
    assert [rch.recv() for _ in range(slots)] == [b"%d" % i for i in range(slots)]


def test_new_peer_refused_while_a_slot_is_viewed(uri):
    from conftest import attach_in_thread

    host = zc.Region.create(uri, slot_size=4096, slots=8)
    hch = host.channel_create("data")
    t, box = attach_in_thread(uri, ["data"])
    host.wait_peer(10)
    t.join()
    box["data"].send(b"from the old peer")
    m = hch.recv_buffer(timeout=5)
    a = np.frombuffer(m, dtype=np.uint8)
    box["data"].close()
    box["region"].close()
    with pytest.raises(BrokenPipeError):
        hch.recv(timeout=10)
    # The next peer gets fresh memory and the old mapping goes: not while
    # an array still views it.
    with pytest.raises(BufferError):
        host.wait_peer(0)
    assert bytes(a) == b"from the old peer"
    del a
    t, box = attach_in_thread(uri, ["data"])
    host.wait_peer(10)
    t.join()
    assert m.released  # its slot was taken back with the old peer
    with pytest.raises(ValueError):
        memoryview(m)
    box["data"].send(b"new")
    assert hch.recv(timeout=5) == b"new"
    box["data"].close()
    box["region"].close()
    hch.close()
    host.close()

# SPDX-License-Identifier: MIT
"""The doorbell in event loops: asyncio's add_reader and selectors.

The peer sends only once the loop is known to be asleep on the doorbell
(after prepare_wait() said nothing is waiting), so the message can reach
the loop only through the doorbell: the reader firing is what is tested,
with no timing in it.
"""
import asyncio
import selectors
import threading

import pytest


async def recv_async(region, ch, asleep=None, woke=None):
    """The tutorial's loop: drain, arm, sleep on the doorbell, repeat."""
    loop = asyncio.get_running_loop()
    while True:
        msg = ch.recv(timeout=0)
        if msg is not None:
            return msg
        if region.prepare_wait():
            continue  # arrived meanwhile: no sleep
        bell = asyncio.Event()

        def ring():
            if woke is not None:
                woke.append(1)
            bell.set()

        loop.add_reader(region.fileno(), ring)
        try:
            if asleep is not None:
                asleep.set()
            await bell.wait()
        finally:
            loop.remove_reader(region.fileno())
            region.done_wait()


def peer_sending_when(event, ch, payloads):
    def run():
        for p in payloads:
            event.wait()
            event.clear()
            ch.send(p)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_asyncio_add_reader_wakes(pair):
    host, hch, remote, rch = pair
    asleep = threading.Event()
    woke = []
    payloads = [b"a%d" % i for i in range(20)]
    t = peer_sending_when(asleep, hch, payloads)

    async def main():
        return [await asyncio.wait_for(recv_async(remote, rch, asleep, woke), 30)
                for _ in payloads]

    got = asyncio.run(main())
    t.join()
    assert got == payloads
    assert len(woke) >= len(payloads)  # each one came through the doorbell


def test_asyncio_channel_fileno_and_echo(pair):
    host, hch, remote, rch = pair
    assert rch.fileno() == remote.fileno()

    def echo():
        for _ in range(10):
            with rch.recv_buffer(timeout=30) as m:
                rch.send(m)

    t = threading.Thread(target=echo)
    t.start()

    async def main():
        out = []
        for i in range(10):
            hch.send(b"ping%d" % i)
            out.append(await asyncio.wait_for(recv_async(host, hch), 30))
        return out

    assert asyncio.run(main()) == [b"ping%d" % i for i in range(10)]
    t.join()


def test_selectors_wake(pair):
    host, hch, remote, rch = pair
    asleep = threading.Event()
    payloads = [b"s%d" % i for i in range(20)]
    t = peer_sending_when(asleep, hch, payloads)
    sel = selectors.DefaultSelector()
    sel.register(remote.fileno(), selectors.EVENT_READ, "zc")
    got, wakes = [], 0
    while len(got) < len(payloads):
        msg = rch.recv(timeout=0)
        if msg is not None:
            got.append(msg)
            continue
        if remote.prepare_wait():
            continue
        asleep.set()
        events = sel.select(timeout=30)
        remote.done_wait()
        assert [key.data for key, _ in events] == ["zc"], "the doorbell did not ring"
        wakes += 1
    sel.close()
    t.join()
    assert got == payloads and wakes >= len(payloads)


def test_prepare_wait_sees_waiting_message(pair):
    host, hch, remote, rch = pair
    hch.send(b"already here")
    assert remote.prepare_wait() is True
    remote.done_wait()
    assert rch.recv(timeout=0) == b"already here"
    assert remote.prepare_wait() is False
    remote.done_wait()


def test_prepare_wait_lost_peer(pair):
    host, hch, remote, rch = pair
    rch.close()
    remote.close()
    with pytest.raises(BrokenPipeError):
        for _ in range(1000):  # the loss is noticed on a later check at most
            host.prepare_wait()
            host.done_wait()
            host.wait(timeout=0.01)


def test_asyncio_send_waits_for_slots(pair):
    """A full channel: the doorbell also rings when the peer gives slots back."""
    host, hch, remote, rch = pair
    n = 0
    while True:
        try:
            hch.send(b"fill", timeout=0)
            n += 1
        except BlockingIOError:
            break
    asleep = threading.Event()

    def drain():
        asleep.wait()
        for _ in range(n):
            assert rch.recv(timeout=30) == b"fill"

    t = threading.Thread(target=drain)
    t.start()

    async def send_async(data):
        loop = asyncio.get_running_loop()
        while True:
            try:
                return hch.send(data, timeout=0)
            except BlockingIOError:
                pass
            if host.prepare_wait():
                continue
            bell = asyncio.Event()
            loop.add_reader(host.fileno(), bell.set)
            try:
                asleep.set()
                await bell.wait()
            finally:
                loop.remove_reader(host.fileno())
                host.done_wait()

    assert asyncio.run(asyncio.wait_for(send_async(b"room at last"), 30)) == 12
    t.join()
    assert rch.recv(timeout=5) == b"room at last"

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus fuzz/corpus/<target>/ (small, committed): valid
regions and well-formed operation sequences, from which the fuzzers mutate
towards the corners. The formats follow each target's reading of its
input (fuzz_*.c). Deterministic: run it again after changing a format.

usage: fuzz/make_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC, SB, ENTRY, RHDR = 0x315A435A, 4096, 128, 256
FEAT = 0x3  # FRAG | NEED_WAKEUP
MORE, CONT, TOTAL = 1, 2, 4


def align(x, a):
    return (x + a - 1) & ~(a - 1)


def geom(slot_size, slots, channels, max_msg, pool_align=4096):
    entries = 1
    while entries < slots:
        entries <<= 1
    rings_off = align(SB + channels * ENTRY, 4096)
    stride = align(RHDR + entries * 8, 64)
    pa = max(pool_align, slot_size)
    pool_off = align(rings_off + channels * 4 * stride, pa)
    size = align(pool_off + channels * 2 * slots * slot_size, pa)
    return dict(slot_size=slot_size, slots=slots, entries=entries, channels=channels,
                max_msg=max_msg, rings_off=rings_off, stride=stride, pool_off=pool_off,
                size=size)


def superblock(g):
    b = bytearray(512)
    struct.pack_into("<IHHII", b, 0, MAGIC, 1, 1, FEAT, SB)
    struct.pack_into("<QIIII", b, 0x10, g["size"], g["slot_size"], g["slots"],
                     g["entries"], g["channels"])
    struct.pack_into("<QQQQQ", b, 0x28, g["max_msg"], SB, g["rings_off"], g["stride"],
                     g["pool_off"])
    return bytes(b)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u8(*v): return bytes(x & 0xff for x in v)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


def geom_seeds():
    for i, (ss, sl, ch, mm, pa) in enumerate([(65536, 64, 16, 64 << 20, 4096),
                                               (256, 1, 2, 64, 4096),
                                               (2 << 20, 2, 2, 1 << 20, 2 << 20),
                                               (4096, 48, 4, 1 << 16, 4096)]):
        g = geom(ss, sl, ch, mm, pa)
        write("fuzz_geom", "valid-%d" % i, superblock(g) + u64(g["size"]))
        write("fuzz_geom", "short-%d" % i, superblock(g) + u64(g["size"] - 4096))


# fuzz_dataplane: geo mode maxb, then ops (op % 12).
def dp_send(slot, length, flags=0, total=None, last=0x42, ring=True):
    b = (u8(0) + (u8(slot) if ring else b"") + u16(length) + u8(flags) + u8(0))
    if flags & TOTAL and length >= 8:
        b += u8(0) + u16(total)
    if length:
        b += u8(last)
    return b


def dataplane_seeds():
    for mode in (0, 1, 2, 3):       # bit 0: SEQ, bit 1: we are the remote
        ring = mode & 1 == 0
        geo = 0 | (3 << 2)          # 256 B slots; RING: 4 slots, SEQ: 8
        head = u8(geo, mode, 8)     # max_msg 64 + 8 * 64
        recv = u8(3, 4)             # receive up to 5
        rel = u8(4, 3, 0)           # release up to 4 from the first
        whole = dp_send(0, 100, ring=ring) + dp_send(1, 240, ring=ring) + recv + rel
        write("fuzz_dataplane", "whole-%d" % mode, head + whole)
        # A message of three fragments, read with zc_read (cap 600).
        frag = (dp_send(0, 240, MORE | TOTAL, total=232 + 240 + 100, ring=ring) +
                dp_send(1, 240, MORE | CONT, ring=ring) +
                dp_send(2, 100, CONT, ring=ring) + u8(5) + u16(600) + u8(0))
        write("fuzz_dataplane", "frag-%d" % mode, head + frag)
        # Reserve, send, the peer takes and returns them, reserve again; write.
        tx = (u8(6, 3) + u8(7, 3) + u16(10) + u16(200) + u16(0) + u16(1) +
              u8(1, 3) + u8(6, 7) + u8(8) + u16(700) + u8(9))
        write("fuzz_dataplane", "send-%d" % mode, head + tx)
        # A new peer in the middle of a message.
        write("fuzz_dataplane", "reset-%d" % mode,
              head + dp_send(0, 240, MORE | TOTAL, total=400, ring=ring) + u8(10) +
              dp_send(0, 50, ring=ring) + recv + u8(9))


def chantab_seeds():
    # geo: 256 B slots, 2 slots, 4 channels; peer announces "b" in entry 0
    # of its half (RING or SEQ), we open it, receive; create "a"; reset.
    for role, mode in ((0, 0), (0, 1), (1, 0), (1, 1)):    # role 1: we are the remote
        geo = (1 << 1) | (1 << 4) | (role << 7)
        ann = u8(0, 0) + u8(0, mode << 2, 1) + u32(5)
        opn = u8(2, 1, 1)
        write("fuzz_chantab", "open-%d%s" % (mode, "-remote" if role else ""),
              u8(geo) + ann + opn + u8(8, 1) + u8(3, 2, 0) + u8(7, 1) + u8(5, 0) +
              ann + opn + u8(4, 1))


def fw_seeds():
    # geo: 256 B slots, 2 slots, 4 channels, full mapping; no superblock lies.
    for mode in (0, 1):
        geo = (1 << 1) | (1 << 3)
        ann = u8(0) + u8(0, (2 if mode == 0 else 2 | 8))          # "fz"
        snd = u8(1) + u8(0) + (u8(0) if mode == 0 else b"") + u16(20) + u8(0)
        write("fuzz_fw", "echo-%d" % mode, u8(geo) + u8(0) + ann + u8(3, 3) + snd + u8(3, 3, 3))
        frag = (u8(1, 0) + (u8(1) if mode == 0 else b"") + u16(240) + u8(MORE | TOTAL) + u16(300) +
                u8(1, 0) + (u8(0) if mode == 0 else b"") + u16(68) + u8(CONT))
        write("fuzz_fw", "frag-%d" % mode, u8(geo) + u8(0) + ann + u8(3) + frag + u8(3, 3))
    write("fuzz_fw", "lie-pool", u8((1 << 1) | (1 << 3)) + u8(1) + u16(0x48) + u8(8) +
          u64(0xfffffffffff00000) + u8(3))


if __name__ == "__main__":
    geom_seeds()
    dataplane_seeds()
    chantab_seeds()
    fw_seeds()

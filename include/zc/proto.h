/* SPDX-License-Identifier: MIT */
/*
 * zc/proto.h - the shared-region format, version 1.
 *
 * Everything another party can read or write lives here, addressed by
 * offset from the region base (each side maps the region at a different
 * address; a real remote core sees physical addresses). All fields are
 * little-endian. docs/protocol.md gives the same layout byte by byte; any
 * change to it needs a version bump.
 *
 * Freestanding: included by libzc, the firmware and the kernel driver.
 */
#ifndef ZC_PROTO_H
#define ZC_PROTO_H

#include "env.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zc region format is little-endian; big-endian hosts are not supported"
#endif

#define ZC_MAGIC		0x315a435aU	/* bytes "ZCZ1" */
#define ZC_VERSION_MAJOR	1
#define ZC_VERSION_MINOR	2	/* 1.1: channel modes (zc_chan_entry.mode); 1.2: ZC_FRAME_ABORT */

/* Feature bits in zc_superblock.features. */
#define ZC_FEAT_FRAG		(1U << 0) /* fragments + total-length prefix */
#define ZC_FEAT_NEED_WAKEUP	(1U << 1) /* kicks suppressed unless asked for */
#define ZC_FEAT_HUGEPAGES	(1U << 2) /* informational: pool on huge pages */
#define ZC_FEATURES_KNOWN	(ZC_FEAT_FRAG | ZC_FEAT_NEED_WAKEUP | ZC_FEAT_HUGEPAGES)
/* Features a peer must understand to use the region. */
#define ZC_FEATURES_REQUIRED	(ZC_FEAT_FRAG | ZC_FEAT_NEED_WAKEUP)

/* Sides. A direction is named after the side that transmits on it. */
#define ZC_SIDE_HOST		0
#define ZC_SIDE_REMOTE		1

/* zc_side_state.state */
#define ZC_STATE_ABSENT		0
#define ZC_STATE_UP		1
#define ZC_STATE_CLOSED		2

/* Geometry limits. */
#define ZC_SLOT_MIN		256U
#define ZC_SLOT_MAX		(2U << 20)	/* 2 MiB: one huge page */
#define ZC_SLOTS_MAX		65536U		/* per channel and direction */
#define ZC_CHANNELS_MAX		256U
#define ZC_NAME_MAX		32		/* including the NUL */
#define ZC_SB_SIZE		4096U
#define ZC_CHAN_ENTRY_SIZE	128U
#define ZC_RING_HDR_SIZE	256U

/*
 * Per-side state, one 128-byte block per side. Only the owning side writes
 * it, with one exception: need_wakeup is set by its owner before sleeping
 * and cleared by the peer (atomic exchange) when it sends the kick, so a
 * burst of sends to a sleeping side costs one kick, not one per send.
 * need_wakeup sits on its own cache line because the peer reads it after
 * every burst while the owner's counters change all the time.
 */
struct zc_side_state {
	zc_u32 state;		/* ZC_STATE_* */
	zc_u32 pid;		/* informational */
	zc_u32 heartbeat;	/* bumped by a live side that has no other way to show life */
	zc_u32 features;	/* features this side accepted */
	zc_u32 kicks;		/* doorbells this side rang */
	zc_u32 wakeups;		/* times this side went to sleep and was woken */
	zc_u8 pad0[ZC_CACHELINE - 24];
	zc_u32 need_wakeup;	/* 1: sleeping (or about to); kick me */
	zc_u8 pad1[ZC_CACHELINE - 4];
};

/* The superblock: the first ZC_SB_SIZE bytes of the region. */
struct zc_superblock {
	zc_u32 magic;		/* 0x000 ZC_MAGIC */
	zc_u16 version_major;	/* 0x004 */
	zc_u16 version_minor;	/* 0x006 */
	zc_u32 features;	/* 0x008 ZC_FEAT_* */
	zc_u32 sb_size;		/* 0x00c ZC_SB_SIZE */
	zc_u64 region_size;	/* 0x010 bytes, whole region */
	zc_u32 slot_size;	/* 0x018 bytes, power of two */
	zc_u32 slots;		/* 0x01c slots per channel per direction */
	zc_u32 ring_entries;	/* 0x020 power of two, >= slots */
	zc_u32 channels;	/* 0x024 entries in the channel table */
	zc_u64 max_msg;		/* 0x028 largest reassembled message */
	zc_u64 chan_off;	/* 0x030 channel table */
	zc_u64 rings_off;	/* 0x038 first ring */
	zc_u64 ring_stride;	/* 0x040 bytes per ring */
	zc_u64 pool_off;	/* 0x048 first slot */
	zc_u32 generation;	/* 0x050 bumped by the host each time it resets for a new peer */
	zc_u32 reserved0;	/* 0x054 */
	zc_u8 reserved1[0x100 - 0x58];
	struct zc_side_state side[2];	/* 0x100, 0x180 */
};

/* zc_chan_entry.state[side] */
#define ZC_CHAN_FREE		0
#define ZC_CHAN_OPEN		1	/* this side announced or accepted it */
#define ZC_CHAN_CLOSED		2	/* this side closed it */

/*
 * zc_chan_entry.mode, chosen by the announcer. RING (0, all of format 1.0)
 * passes slot numbers through descriptor rings, slots in any order. SEQ
 * (1.1) uses each direction's slots strictly in turn and the receiver polls
 * the next slot's own header for the expected message id: one cache line
 * carries "ready", the header and the first 48 payload bytes, where RING
 * moves an index line, a descriptor line and the slot. A peer that does
 * not know a channel's mode must refuse to open it.
 */
#define ZC_CHAN_MODE_RING	0
#define ZC_CHAN_MODE_SEQ	1
#define ZC_SEQ_SLOTS_MAX	32768U	/* a stale id must differ from the next */

/*
 * A channel table entry. Entries [0, channels/2) are announced by the host,
 * [channels/2, channels) by the remote: each field has a single writer, so
 * no compare-and-swap is needed even on a remote core whose shared memory
 * has no exclusive monitor.
 */
struct zc_chan_entry {
	char name[ZC_NAME_MAX];	/* 0x00 NUL-terminated, written by the announcer */
	zc_u32 state[2];	/* 0x20 per side ZC_CHAN_* */
	zc_u32 addr[2];		/* 0x28 per side local address (RPMsg src) */
	zc_u32 epoch;		/* 0x30 bumped by the announcer for each announcement */
	zc_u32 mode;		/* 0x34 ZC_CHAN_MODE_*, written by the announcer */
	zc_u8 reserved[ZC_CHAN_ENTRY_SIZE - 0x38];
};

/*
 * A descriptor: which slot, and how many bytes of it the frame uses
 * (header included). Rings carry descriptors; return rings carry the slot
 * numbers of freed slots (len unused).
 */
struct zc_desc {
	zc_u32 slot;
	zc_u32 len;
};

/*
 * A ring in shared memory. The producer and consumer indices are free
 * running 32-bit counters, each alone on a 128-byte block (two cache lines:
 * the adjacent-line prefetcher would otherwise bounce them together).
 */
struct zc_ring_hdr {
	zc_u32 prod;
	zc_u8 pad0[128 - 4];
	zc_u32 cons;
	zc_u8 pad1[128 - 4];
	/* struct zc_desc desc[ring_entries] follows */
};

/* Ring k of channel c: k = 2 * direction + (0 data, 1 return). */
#define ZC_RING_DATA		0
#define ZC_RING_RETURN		1
#define ZC_RINGS_PER_CHAN	4

/* The 16-byte frame header at the start of every slot in use. */
struct zc_frame_hdr {
	zc_u32 src;		/* sender's address */
	zc_u32 dst;		/* receiver's address */
	zc_u16 msg_id;		/* per channel and direction, +1 every frame */
	zc_u16 chan;		/* channel table index */
	zc_u16 len;		/* payload length, bits 0..15 */
	zc_u16 flags;		/* ZC_FRAME_* in bits 0..7, payload length bits 16..23 in 8..15 */
};

#define ZC_FRAME_MORE		0x0001	/* more fragments of this message follow */
#define ZC_FRAME_CONT		0x0002	/* continues a message (not its first fragment) */
#define ZC_FRAME_TOTAL		0x0004	/* payload starts with the u64 total message length */
/*
 * 1.2: the sender abandoned the multi-fragment message it had under way
 * (its zc_write() timed out or failed mid-message); this frame starts
 * something new. Only on a frame without CONT. A receiver with a message
 * in progress discards it and reports that; with none, it ignores the flag.
 */
#define ZC_FRAME_ABORT		0x0008
#define ZC_FRAME_FLAGS_MASK	0x00ff
#define ZC_FRAME_KNOWN		(ZC_FRAME_MORE | ZC_FRAME_CONT | ZC_FRAME_TOTAL | \
				 ZC_FRAME_ABORT)
#define ZC_FRAME_HDR_SIZE	16U
#define ZC_FRAME_TOTAL_SIZE	8U

ZC_STATIC_ASSERT(sizeof(struct zc_side_state) == 128, "side state is 128 bytes");
ZC_STATIC_ASSERT(sizeof(struct zc_superblock) == 0x200, "superblock fields end at 0x200");
ZC_STATIC_ASSERT(sizeof(struct zc_chan_entry) == ZC_CHAN_ENTRY_SIZE, "channel entry size");
ZC_STATIC_ASSERT(sizeof(struct zc_ring_hdr) == ZC_RING_HDR_SIZE, "ring header size");
ZC_STATIC_ASSERT(sizeof(struct zc_frame_hdr) == ZC_FRAME_HDR_SIZE, "frame header is 16 bytes");
ZC_STATIC_ASSERT(sizeof(struct zc_desc) == 8, "descriptor is 8 bytes");

#endif /* ZC_PROTO_H */

/* SPDX-License-Identifier: MIT */
/*
 * zc_trace_maps.h - the map keys and values zc-trace's BPF program and its
 * loader share. Both sides see the same layout: fixed-width types only, no
 * pointers, explicit padding.
 */
#ifndef ZC_TRACE_MAPS_H
#define ZC_TRACE_MAPS_H

/* Row for events that belong to a process, not a channel (wake). */
#define ZT_CHAN_NONE	0xffffffffU

/* Latency histograms (log2 of nanoseconds). */
enum zt_hist_kind {
	ZT_H_SEND_RECV = 0,	/* zc:send -> zc:recv of the same frame */
	ZT_H_KICK_WAKE,		/* zc:kick -> zc:wake of the thread it woke */
	ZT_H_RESERVE_SEND,	/* zc:reserve -> zc:send on the same thread */
	ZT_H_KMOD_DOORBELL,	/* zc.ko: zc_kick -> zc_doorbell to the other end (key: link) */
	ZT_H_KINDS
};
#define ZT_HIST_SLOTS	64

/* Per process and channel counters, cumulative since attach. */
struct zt_chan_key {
	__u32 tgid;
	__u32 chan;
};

struct zt_chan_val {
	__u64 tx_msgs;
	__u64 tx_bytes;
	__u64 rx_msgs;
	__u64 rx_bytes;
	__u64 releases;		/* slots given back (zc:release n) */
	__u64 kicks;
	__u64 full;		/* back-pressure: no free slot to reserve */
	__u64 reserves;
	__u64 wakes;
	__u64 unmatched;	/* recv whose send was not seen (sent before attach, or untraced sender) */
	__u64 broken;		/* zc:broken: the channel was marked broken */
	__s64 broken_err;	/* the negative errno of the last break (not a counter) */
};

struct zt_hist_key {
	__u32 kind;		/* enum zt_hist_kind */
	__u32 chan;		/* ZT_CHAN_NONE for kick->wake */
};

struct zt_hist_val {
	__u64 slot[ZT_HIST_SLOTS];	/* slot i: [2^i, 2^(i+1)) ns; slot 0 also holds 0 */
};

/* A frame in flight: who sent which id on which channel. */
struct zt_flight_key {
	__u32 chan;
	__u32 msg_id;
	__u32 sender;		/* thread id of the sender */
	__u32 pad;
};

/* zc.ko tracepoints, counted per link, event and side. */
enum zt_kmod_event {
	ZT_K_KICK = 0,		/* zc:zc_kick: a bound end wrote its kick eventfd */
	ZT_K_DOORBELL,		/* zc:zc_doorbell delivered */
	ZT_K_DOORBELL_LOST,	/* zc:zc_doorbell with no end bound */
	ZT_K_BIND,
	ZT_K_UNBIND,
	ZT_K_MMAP,
	ZT_K_EVENTS
};

struct zt_kmod_key {
	__u32 link;
	__u32 event;		/* enum zt_kmod_event */
	__u32 side;		/* the driver's role: 1 host, 2 remote; 0 for mmap */
	__u32 pad;
};

#endif /* ZC_TRACE_MAPS_H */

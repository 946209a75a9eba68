// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * zc_trace.bpf.c - turn libzc's USDT probes and zc.ko's tracepoints into
 * counters and latency histograms that zc-trace reads every interval.
 *
 * Everything is counted in hash maps with atomic adds: the handlers run in
 * the traced threads on any CPU, and a per-CPU map would cost a 2-core
 * machine little but make the reader's job bigger for no gain here.
 *
 * Nothing here reads a kernel structure, so this object loads on kernels
 * without BTF; the one program that does (kick->wake) is zc_waking.bpf.c.
 */
#include "zc_kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "zc_trace_maps.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by the loader before load: 1 when histograms were asked for. */
const volatile int want_hist = 0;

/* Frames one burst probe may name (ZC_BURST_MAX in dataplane.h). */
#define ZT_BURST_MAX	64
/* Senders remembered per channel when matching a recv to its send (2^n). */
#define ZT_SENDERS	4

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct zt_chan_key);
	__type(value, struct zt_chan_val);
} chan_stats SEC(".maps");

/*
 * Events that could not be recorded because a map was full: counted, so
 * the report can say its figures are short rather than be silently wrong.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

static __always_inline void lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost_events, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct zt_hist_key);
	__type(value, struct zt_hist_val);
} hists SEC(".maps");

/*
 * Frames sent and not yet received, keyed by (channel, message id, sender
 * thread). The probes carry no region or direction, so the sender's thread
 * id tells the two directions of a channel apart: the receiver tries the
 * senders last seen on that channel, another thread's first. LRU: frames
 * whose receiver is not traced must not fill the map.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct zt_flight_key);
	__type(value, __u64);
} in_flight SEC(".maps");

struct zt_senders {
	__u32 tid[ZT_SENDERS];
	__u32 next;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* channel */
	__type(value, struct zt_senders);
} chan_senders SEC(".maps");

/* A thread on a channel: the key of reserved_at and partner. */
struct zt_reserve_key {
	__u32 tid;
	__u32 chan;
};

/* Receiving thread on a channel -> the sender it last matched there. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct zt_reserve_key);
	__type(value, __u32);
} partner SEC(".maps");

/* Thread id -> time of its last zc:reserve, per channel. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct zt_reserve_key);
	__type(value, __u64);
} reserved_at SEC(".maps");

#include "zc_kick_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct zt_kmod_key);
	__type(value, __u64);
} kmod_events SEC(".maps");

static __always_inline struct zt_chan_val *chan_row(__u32 chan)
{
	struct zt_chan_key k = {
		.tgid = (__u32)(bpf_get_current_pid_tgid() >> 32),
		.chan = chan,
	};
	struct zt_chan_val zero = {}, *v;

	v = bpf_map_lookup_elem(&chan_stats, &k);
	if (v)
		return v;
	bpf_map_update_elem(&chan_stats, &k, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&chan_stats, &k);
	if (!v)
		lost();
	return v;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffffULL) << 4; v >>= s; r |= s;
	s = (v > 0xffULL) << 3; v >>= s; r |= s;
	s = (v > 0xfULL) << 2; v >>= s; r |= s;
	s = (v > 0x3ULL) << 1; v >>= s; r |= s;
	r |= (__u32)(v >> 1);
	return r;
}

static __always_inline void hist_add(__u32 kind, __u32 chan, __u64 delta_ns)
{
	struct zt_hist_key k = { .kind = kind, .chan = chan };
	struct zt_hist_val *h;
	__u64 slot;

	h = bpf_map_lookup_elem(&hists, &k);
	if (!h) {
		/* Zeroed in place: a 512-byte value does not fit the stack. */
		static const struct zt_hist_val zero;

		bpf_map_update_elem(&hists, &k, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &k);
		if (!h) {
			lost();
			return;
		}
	}
	/*
	 * log2 of a u64 is at most 63 already, and the compiler knows it: it
	 * would drop a plain mask, and an older verifier (6.1) cannot prove
	 * the bound through the shifts. The empty asm hides the value so the
	 * mask stays, right before the access.
	 */
	slot = log2_u64(delta_ns);
	asm volatile("" : "+r"(slot));
	slot &= ZT_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slot[slot], 1);
}

static __always_inline void remember_sender(__u32 chan, __u32 tid)
{
	struct zt_senders *s, fresh = {};
	__u32 i, n;

	s = bpf_map_lookup_elem(&chan_senders, &chan);
	if (!s) {
		fresh.tid[0] = tid;
		fresh.next = 1;
		bpf_map_update_elem(&chan_senders, &chan, &fresh, BPF_NOEXIST);
		return;
	}
	for (i = 0; i < ZT_SENDERS; i++)
		if (s->tid[i] == tid)
			return;
	/* A hint only: two new senders racing here may lose one, rarely. */
	n = s->next;
	s->tid[n & (ZT_SENDERS - 1)] = tid;
	s->next = n + 1;
}

/* One frame @msg_id sent on @chan by this thread, at @now. */
static __always_inline void sent_one(__u32 chan, __u32 msg_id, __u32 tid,
				     __u64 now)
{
	struct zt_flight_key fk = {
		.chan = chan,
		.msg_id = msg_id & 0xffff,	/* ids wrap at 65536 */
		.sender = tid,
	};

	bpf_map_update_elem(&in_flight, &fk, &now, BPF_ANY);
}

/* reserve->send: from this thread's last zc:reserve on @chan. */
static __always_inline void reserve_to_send(__u32 chan, __u32 tid, __u64 now)
{
	struct zt_reserve_key rk = { .tid = tid, .chan = chan };
	__u64 *t = bpf_map_lookup_elem(&reserved_at, &rk);

	if (t && now >= *t)
		hist_add(ZT_H_RESERVE_SEND, chan, now - *t);
}

SEC("usdt")
int BPF_USDT(zc_send, long chan, long len, long msg_id)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 c = (__u32)chan & 0xffff;
	struct zt_chan_val *v = chan_row(c);

	if (v) {
		__sync_fetch_and_add(&v->tx_msgs, 1);
		__sync_fetch_and_add(&v->tx_bytes, (__u64)(__u32)len);
	}
	if (want_hist) {
		sent_one(c, (__u32)msg_id, tid, now);
		remember_sender(c, tid);
		reserve_to_send(c, tid, now);
	}
	return 0;
}

/*
 * The burst form: one probe for @n frames with ids @first_id.. and @bytes
 * of payload in all. Per-frame probes inside the burst loop cost the
 * untraced data path measurably (docs/trace.md); one per burst does not.
 */
SEC("usdt")
int BPF_USDT(zc_send_burst, long chan, long n, long first_id, long bytes)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 c = (__u32)chan & 0xffff, i, cnt = (__u32)n;
	struct zt_chan_val *v = chan_row(c);

	if (v) {
		__sync_fetch_and_add(&v->tx_msgs, (__u64)cnt);
		__sync_fetch_and_add(&v->tx_bytes, (__u64)bytes);
	}
	if (!want_hist || cnt == 0)
		return 0;
	for (i = 0; i < ZT_BURST_MAX && i < cnt; i++)
		sent_one(c, (__u32)first_id + i, tid, now);
	remember_sender(c, tid);
	reserve_to_send(c, tid, now);
	return 0;
}

/* Take the in-flight send of @fk if there is one. */
static __always_inline int take_send(struct zt_flight_key *fk, __u64 *sent)
{
	__u64 *t = bpf_map_lookup_elem(&in_flight, fk);

	if (!t)
		return 0;
	*sent = *t;
	bpf_map_delete_elem(&in_flight, fk);
	return 1;
}

/*
 * Find and consume the send of (chan, id): first from the thread this
 * receiver last matched on this channel (its peer: right even when other
 * regions use the same channel index and ids at the same moment), else
 * another thread's, else our own.
 */
static __always_inline int match_send(__u32 chan, __u32 msg_id, __u32 tid,
				      __u64 *sent)
{
	struct zt_flight_key fk = { .chan = chan, .msg_id = msg_id };
	struct zt_reserve_key pk = { .tid = tid, .chan = chan };
	struct zt_senders *s;
	__u32 *peer, i;

	peer = bpf_map_lookup_elem(&partner, &pk);
	if (peer) {
		fk.sender = *peer;
		if (take_send(&fk, sent))
			return 1;
	}
	s = bpf_map_lookup_elem(&chan_senders, &chan);
	if (!s)
		return 0;
	for (i = 0; i < 2 * ZT_SENDERS; i++) {
		__u32 cand = s->tid[i & (ZT_SENDERS - 1)];

		if (!cand || ((i < ZT_SENDERS) == (cand == tid)))
			continue;
		fk.sender = cand;
		if (!take_send(&fk, sent))
			continue;
		bpf_map_update_elem(&partner, &pk, &cand, BPF_ANY);
		return 1;
	}
	return 0;
}

/* One frame @msg_id received on @chan: its send->recv latency. */
static __always_inline void received_one(__u32 chan, __u32 msg_id, __u32 tid,
					 __u64 now, struct zt_chan_val *v)
{
	__u64 sent;

	if (match_send(chan, msg_id & 0xffff, tid, &sent) && now >= sent)
		hist_add(ZT_H_SEND_RECV, chan, now - sent);
	else if (v)
		__sync_fetch_and_add(&v->unmatched, 1);
}

SEC("usdt")
int BPF_USDT(zc_recv, long chan, long len, long msg_id)
{
	__u32 c = (__u32)chan & 0xffff;
	struct zt_chan_val *v = chan_row(c);

	if (v) {
		__sync_fetch_and_add(&v->rx_msgs, 1);
		__sync_fetch_and_add(&v->rx_bytes, (__u64)(__u32)len);
	}
	if (want_hist)
		received_one(c, (__u32)msg_id, (__u32)bpf_get_current_pid_tgid(),
			     bpf_ktime_get_ns(), v);
	return 0;
}

SEC("usdt")
int BPF_USDT(zc_recv_burst, long chan, long n, long first_id, long bytes)
{
	__u32 c = (__u32)chan & 0xffff, i, cnt = (__u32)n, tid;
	struct zt_chan_val *v = chan_row(c);
	__u64 now;

	if (v) {
		__sync_fetch_and_add(&v->rx_msgs, (__u64)cnt);
		__sync_fetch_and_add(&v->rx_bytes, (__u64)bytes);
	}
	if (!want_hist)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	now = bpf_ktime_get_ns();
	for (i = 0; i < ZT_BURST_MAX && i < cnt; i++)
		received_one(c, (__u32)first_id + i, tid, now, v);
	return 0;
}

SEC("usdt")
int BPF_USDT(zc_release, long chan, long n)
{
	struct zt_chan_val *v = chan_row((__u32)chan & 0xffff);

	if (v)
		__sync_fetch_and_add(&v->releases, (__u64)(__u32)n);
	return 0;
}

SEC("usdt")
int BPF_USDT(zc_full, long chan)
{
	struct zt_chan_val *v = chan_row((__u32)chan & 0xffff);

	if (v)
		__sync_fetch_and_add(&v->full, 1);
	return 0;
}

/* A peer broke the protocol (a bad index, length or id): err is -errno. */
SEC("usdt")
int BPF_USDT(zc_broken, long chan, long err)
{
	struct zt_chan_val *v = chan_row((__u32)chan & 0xffff);

	if (v) {
		__sync_fetch_and_add(&v->broken, 1);
		v->broken_err = (__s64)(int)err;
	}
	return 0;
}

SEC("usdt")
int BPF_USDT(zc_reserve, long chan, long n)
{
	struct zt_chan_val *v = chan_row((__u32)chan & 0xffff);

	if (v)
		__sync_fetch_and_add(&v->reserves, (__u64)(__u32)n);
	if (want_hist && n > 0) {
		struct zt_reserve_key rk = {
			.tid = (__u32)bpf_get_current_pid_tgid(),
			.chan = (__u32)chan & 0xffff,
		};
		__u64 now = bpf_ktime_get_ns();

		bpf_map_update_elem(&reserved_at, &rk, &now, BPF_ANY);
	}
	return 0;
}

SEC("usdt")
int BPF_USDT(zc_kick, long chan)
{
	struct zt_chan_val *v = chan_row((__u32)chan & 0xffff);

	if (v)
		__sync_fetch_and_add(&v->kicks, 1);
	if (want_hist) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		__u64 now = bpf_ktime_get_ns();

		bpf_map_update_elem(&kick_pending, &tid, &now, BPF_ANY);
	}
	return 0;
}

SEC("usdt")
int BPF_USDT(zc_wake, long sleeps)
{
	struct zt_chan_val *v = chan_row(ZT_CHAN_NONE);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *t, now;

	(void)sleeps;
	if (v)
		__sync_fetch_and_add(&v->wakes, 1);
	if (!want_hist)
		return 0;
	t = bpf_map_lookup_elem(&woken_by_kick, &tid);
	if (!t)
		return 0;	/* a timeout or a peer event, not a kick */
	now = bpf_ktime_get_ns();
	if (now >= *t)
		hist_add(ZT_H_KICK_WAKE, ZT_CHAN_NONE, now - *t);
	bpf_map_delete_elem(&woken_by_kick, &tid);
	return 0;
}

/*
 * zc.ko tracepoints. The records are laid out by TP_STRUCT__entry in
 * kmod/zc_trace.h after the 8-byte common header; the loader checks these
 * offsets against the event's format file before it loads the programs.
 */
struct zt_tp_kick {
	__u64 common;
	__u32 link;
	__u32 from;
	__u64 count;
};

struct zt_tp_doorbell {
	__u64 common;
	__u32 link;
	__u32 to;
	bool delivered;
};

struct zt_tp_bind {
	__u64 common;
	__u32 link;
	__u32 role;
};

struct zt_tp_mmap {
	__u64 common;
	__u32 link;
};

/*
 * A kick waiting for the driver to ring the other end's doorbell, per link
 * and kicking role (1 host, 2 remote). The earliest one is kept: kicks that
 * arrive before the doorbell is rung are answered by that one doorbell.
 */
struct zt_kick_key {
	__u32 link;
	__u32 from;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct zt_kick_key);
	__type(value, __u64);
} kmod_kicked_at SEC(".maps");

static __always_inline void kmod_count(__u32 link, __u32 event, __u32 side)
{
	struct zt_kmod_key k = { .link = link, .event = event, .side = side };
	__u64 zero = 0, *v;

	v = bpf_map_lookup_elem(&kmod_events, &k);
	if (!v) {
		/* Zero first, then add: another CPU may create it meanwhile. */
		bpf_map_update_elem(&kmod_events, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&kmod_events, &k);
		if (!v) {
			lost();
			return;
		}
	}
	__sync_fetch_and_add(v, 1);
}

SEC("tracepoint/zc/zc_kick")
int zc_tp_kick(struct zt_tp_kick *e)
{
	kmod_count(e->link, ZT_K_KICK, e->from);
	if (want_hist) {
		struct zt_kick_key k = { .link = e->link, .from = e->from };
		__u64 now = bpf_ktime_get_ns();

		bpf_map_update_elem(&kmod_kicked_at, &k, &now, BPF_NOEXIST);
	}
	return 0;
}

SEC("tracepoint/zc/zc_doorbell")
int zc_tp_doorbell(struct zt_tp_doorbell *e)
{
	kmod_count(e->link, e->delivered ? ZT_K_DOORBELL : ZT_K_DOORBELL_LOST,
		   e->to);
	if (want_hist) {
		/* The doorbell to one end answers the other end's kick. */
		struct zt_kick_key k = { .link = e->link, .from = 3 - e->to };
		__u64 *t = bpf_map_lookup_elem(&kmod_kicked_at, &k), now;

		if (!t)
			return 0;
		now = bpf_ktime_get_ns();
		if (e->delivered && now >= *t)
			hist_add(ZT_H_KMOD_DOORBELL, e->link, now - *t);
		bpf_map_delete_elem(&kmod_kicked_at, &k);
	}
	return 0;
}

SEC("tracepoint/zc/zc_bind")
int zc_tp_bind(struct zt_tp_bind *e)
{
	kmod_count(e->link, ZT_K_BIND, e->role);
	return 0;
}

SEC("tracepoint/zc/zc_unbind")
int zc_tp_unbind(struct zt_tp_bind *e)
{
	kmod_count(e->link, ZT_K_UNBIND, e->role);
	return 0;
}

SEC("tracepoint/zc/zc_mmap")
int zc_tp_mmap(struct zt_tp_mmap *e)
{
	kmod_count(e->link, ZT_K_MMAP, 0);
	return 0;
}

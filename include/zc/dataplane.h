/* SPDX-License-Identifier: MIT */
/*
 * zc/dataplane.h - the zero-copy data path of one channel, freestanding.
 *
 * This is the code every home shares: libzc (channel.h), the firmware and
 * the kernel driver bind a struct zc_channel to a channel of a mapped
 * region with zc_chan_bind() and call the inline burst functions. Each
 * home supplies the two slow paths: zc__kick() (ring the peer's doorbell)
 * and zc__break() (mark the channel broken and say why).
 */
#ifndef ZC_DATAPLANE_H
#define ZC_DATAPLANE_H

#include "ring.h"
#include "frame.h"
#include "layout.h"

#ifndef __KERNEL__
#include <stdint.h>
#include <stddef.h>
#else
typedef u8 uint8_t;
typedef u16 uint16_t;
typedef u32 uint32_t;
typedef u64 uint64_t;
#endif

#if defined(__clang__) && defined(ZC_PROBES)
/*
 * The USDT probes (sys/sdt.h's macros) pass empty variadic arguments, a
 * GNU extension clang -pedantic reports at each use here: an application
 * built with -std=c99 -pedantic -Werror must still be able to include us.
 * Only that one diagnostic, only in this header (popped at its end).
 */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-zero-variadic-macro-arguments"
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct zc_region;

/* One message buffer: a slot being filled (tx) or held (rx). */
struct zc_buf {
	void *data;		/* payload, inside the shared pool */
	uint32_t len;		/* payload bytes: set before zc_send, set by zc_recv */
	uint32_t cap;		/* payload capacity of the slot */
	uint32_t slot;		/* slot number (internal) */
	uint16_t id;		/* message id (rx) */
	uint16_t flags;		/* ZC_FRAME_* fragment flags (rx) */
	uint32_t src;		/* sender's address (rx) */
	uint32_t dst;		/* receiver's address (rx) */
};

/* Channel counters (process-local). */
struct zc_channel_stats {
	uint64_t tx_msgs, tx_bytes, rx_msgs, rx_bytes;
	uint64_t tx_full;	/* times a sender found no free slot (back-pressure) */
	uint64_t tx_aborted;	/* messages zc_write() abandoned mid-way (flagged ZC_FRAME_ABORT) */
	uint64_t rx_aborted;	/* partial messages discarded: the sender aborted, or was lost */
};

/* Internal state, public only so the data path can be inline. */
struct zc_channel {
	struct zc_ring tx;	/* our frames to the peer: we produce */
	struct zc_ring tx_free;	/* our slots coming back: we consume */
	struct zc_ring rx;	/* the peer's frames: we consume */
	struct zc_ring rx_free;	/* the peer's slots going back: we produce */
	uint8_t *tx_base;	/* our slot 0 */
	uint8_t *rx_base;	/* the peer's slot 0 */
	uint8_t *tx_owned;	/* per tx slot: 1 while reserved by us */
	uint8_t *rx_held;	/* per rx slot: 1 while received and not released */
	uint32_t slots;
	uint32_t slot_shift;
	uint32_t slot_size;
	uint32_t src, dst;	/* our address, the peer's */
	uint16_t index;		/* channel table index */
	uint16_t tx_id;		/* next message id we send */
	uint16_t rx_id;		/* next message id we expect */
	uint16_t tx_abort;	/* a message was abandoned mid-way: flag the next frame ZC_FRAME_ABORT */
	int broken;		/* 0, or the negative errno that broke it */
	int tx_blocked;		/* the last reserve found no free slot */
	int seq;		/* ZC_CHAN_MODE_SEQ: slots in turn, no rings */
	uint32_t seq_resv;	/* SEQ: frames reserved (tx.head: sent) */
	uint32_t seq_rel;	/* SEQ: frames released (rx.head: received) */
	uint32_t *peer_wakeup;	/* the peer's need_wakeup word */
	uint32_t *peer_addr;	/* the peer's address in the channel entry */
	struct zc_reasm reasm;
	struct zc_channel_stats stats;
	struct zc_region *region; /* owner (libzc region, firmware link, kernel device) */
	uint32_t epoch;		/* announcement this handle belongs to */
	int announcer;		/* side that announced it */
	const char *why;	/* what broke it */
	char name[ZC_NAME_MAX];
};
typedef struct zc_channel zc_channel;

/* Internal slow paths the inline calls use. */
int zc__break(zc_channel *ch, int err, const char *why);
void zc__kick(zc_channel *ch);

/* After publishing to the peer: ring its doorbell only if it sleeps. */
static inline void zc__notify(zc_channel *ch)
{
	/*
	 * Full fence: our index store must be visible before we read the
	 * peer's need_wakeup, pairing with the fence a sleeper puts between
	 * setting need_wakeup and re-checking the rings (Dekker). Without it
	 * both could miss each other and the peer would sleep on a message.
	 */
	zc_fence_full();
	if (zc_load_relaxed(ch->peer_wakeup))
		zc__kick(ch);
}

#define ZC_BURST_MAX 64

/* Hand the checked frame in rx slot @s (at @p, header @h) to the caller. */
static inline void zc__rx_take(zc_channel *ch, struct zc_buf *b, uint32_t s,
			       uint8_t *p, const struct zc_frame_hdr *h,
			       uint32_t len)
{
	ch->rx_id++;
	ch->rx_held[s] = 1;
	b->slot = s;
	b->data = p + ZC_FRAME_HDR_SIZE;
	b->len = len;
	b->cap = ch->slot_size - ZC_FRAME_HDR_SIZE;
	b->id = h->msg_id;
	b->flags = h->flags & ZC_FRAME_FLAGS_MASK;
	b->src = h->src;
	b->dst = h->dst;
}

#include "dataplane_seq.h"

/*
 * Reserve up to @n free slots (at most ZC_BURST_MAX) for sending. Returns
 * how many were reserved (0: none free now, the peer holds them all: back
 * pressure) or a negative errno. Each buf's data/cap are set.
 */
static inline int zc_reserve_burst(zc_channel *ch, struct zc_buf *bufs,
				   unsigned int n)
{
	struct zc_desc d[ZC_BURST_MAX];
	int got, i;

	if (zc_unlikely(ch->broken))
		return ch->broken;
	if (n > ZC_BURST_MAX)
		n = ZC_BURST_MAX;
	if (ch->seq) {
		got = zc__seq_reserve(ch, bufs, n);
		if (zc_unlikely(got < 0))
			return got;
		goto counted;
	}
	got = zc_ring_consume_burst(&ch->tx_free, d, n);
	if (zc_unlikely(got < 0))
		return zc__break(ch, got, "return ring index out of range");
	for (i = 0; i < got; i++) {
		uint32_t s = d[i].slot;

		if (zc_unlikely(s >= ch->slots || ch->tx_owned[s]))
			return zc__break(ch, -ZC_EPROTO,
					 "peer returned a slot it does not hold");
		ch->tx_owned[s] = 1;
		bufs[i].slot = s;
		bufs[i].data = ch->tx_base + ((size_t)s << ch->slot_shift) +
			       ZC_FRAME_HDR_SIZE;
		bufs[i].cap = ch->slot_size - ZC_FRAME_HDR_SIZE;
		bufs[i].len = 0;
	}
counted:
	if (zc_unlikely(got == 0)) {
		ch->stats.tx_full++;
		ch->tx_blocked = 1;
		ZC_PROBE1(full, ch->index);
	} else {
		ch->tx_blocked = 0;
		ZC_PROBE2(reserve, ch->index, got);
	}
	return got;
}

/* Build the frame header of a reserved buffer (internal). */
static inline int zc__frame(zc_channel *ch, struct zc_buf *b, uint16_t flags,
			    struct zc_desc *d)
{
	struct zc_frame_hdr *h;

	if (zc_unlikely(b->slot >= ch->slots || !ch->tx_owned[b->slot] ||
			b->len > ch->slot_size - ZC_FRAME_HDR_SIZE))
		return -ZC_EINVAL;
	h = (struct zc_frame_hdr *)(ch->tx_base +
				    ((size_t)b->slot << ch->slot_shift));
	zc_frame_set(h, ch->src, ch->dst, ch->tx_id++, ch->index, b->len, flags);
	ch->tx_owned[b->slot] = 0;
	d->slot = b->slot;
	d->len = b->len + ZC_FRAME_HDR_SIZE;
	return 0;
}

/*
 * Send @n reserved buffers with fragment flags @flags (NULL: whole
 * messages). Returns 0 or a negative errno (-EINVAL: a buffer not reserved
 * on this channel, out of reservation order on a SEQ channel, or longer
 * than its slot; nothing was sent then).
 */
static inline int zc__send_frames(zc_channel *ch, struct zc_buf *bufs,
				  const zc_u16 *flags, unsigned int n)
{
	struct zc_desc d[ZC_BURST_MAX];
	uint16_t first_id = ch->tx_id;
	uint64_t bytes = 0;
	unsigned int i;
	zc_u16 abort_fl;
	int rc;

	if (zc_unlikely(ch->broken))
		return ch->broken;
	if (zc_unlikely(n > ZC_BURST_MAX))
		return -ZC_EINVAL;
	if (zc_unlikely(n == 0))
		return 0;
	if (ch->seq) {
		if (zc_unlikely(zc__seq_check_send(ch, bufs, n)))
			return -ZC_EINVAL;
	} else {
		for (i = 0; i < n; i++)
			if (zc_unlikely(bufs[i].slot >= ch->slots ||
					!ch->tx_owned[bufs[i].slot] ||
					bufs[i].len > ch->slot_size - ZC_FRAME_HDR_SIZE))
				return -ZC_EINVAL;
	}
	for (i = 0; i < n; i++)
		bytes += bufs[i].len;
	/* The announcer learns the peer's address when the peer opens. */
	if (zc_unlikely(!ch->dst))
		ch->dst = zc_load_relaxed(ch->peer_addr);
	/* One probe a burst, before the peer can see it (send->recv latency). */
	ZC_PROBE4(send_burst, ch->index, n, first_id, bytes);
	/*
	 * A zc_write() that gave up mid-message owes the reader an ABORT on
	 * the first frame it sends next (a register OR per frame, no branch).
	 */
	abort_fl = ch->tx_abort ? ZC_FRAME_ABORT : 0;
	ch->tx_abort = 0;
	if (ch->seq) {
		zc__seq_publish(ch, bufs, flags, n, abort_fl);
	} else {
		for (i = 0; i < n; i++) {
			zc__frame(ch, &bufs[i], (flags ? flags[i] : 0) | abort_fl,
				  &d[i]);
			abort_fl = 0;
		}
		/* We own every slot we send, and the ring holds them all: it fits. */
		rc = zc_ring_produce_bulk(&ch->tx, d, n);
		if (zc_unlikely(rc != (int)n))
			return zc__break(ch, rc < 0 ? rc : -ZC_EPROTO,
					 "peer consumer index out of range");
	}
	ch->stats.tx_bytes += bytes;
	ch->stats.tx_msgs += n;
	zc__notify(ch);
	return 0;
}

/*
 * Send @n reserved buffers (their len set) in order, as whole messages.
 * Returns @n or a negative errno (-EINVAL: a buffer not reserved on this
 * channel, not the next reserved on a SEQ channel, or longer than its
 * slot; nothing was sent then).
 */
static inline int zc_send_burst(zc_channel *ch, struct zc_buf *bufs,
				unsigned int n)
{
	int rc = zc__send_frames(ch, bufs, 0, n);

	return rc ? rc : (int)n;
}

/*
 * Receive up to @n frames (at most ZC_BURST_MAX) without copying: each buf
 * points into the pool and stays valid until released. Returns the count
 * (0: nothing waiting) or a negative errno: -EPROTO for a corrupt
 * descriptor or header, -EBADMSG for a message-id gap, duplicate or
 * reorder.
 */
static inline int zc_recv_burst(zc_channel *ch, struct zc_buf *bufs,
				unsigned int n)
{
	struct zc_desc d[ZC_BURST_MAX];
	uint16_t first_id = ch->rx_id;
	uint64_t bytes = 0;
	int got, i;

	if (zc_unlikely(ch->broken))
		return ch->broken;
	if (n > ZC_BURST_MAX)
		n = ZC_BURST_MAX;
	if (ch->seq) {
		got = zc__seq_recv(ch, bufs, n, &bytes);
		if (zc_unlikely(got < 0))
			return got;
		goto counted;
	}
	got = zc_ring_consume_burst(&ch->rx, d, n);
	if (zc_unlikely(got < 0))
		return zc__break(ch, got, "peer producer index out of range");
	for (i = 0; i < got; i++) {
		struct zc_frame_hdr h;
		uint32_t s = d[i].slot;
		uint8_t *p;
		int len;

		if (zc_unlikely(s >= ch->slots || ch->rx_held[s]))
			return zc__break(ch, -ZC_EPROTO,
					 "descriptor names a slot out of range or already held");
		p = ch->rx_base + ((size_t)s << ch->slot_shift);
		/* One read of the header: the peer may rewrite the slot. */
		__builtin_memcpy(&h, p, sizeof(h));
		len = zc_frame_check(&h, d[i].len, ch->slot_size, ch->index,
				     ch->rx_id);
		if (zc_unlikely(len < 0))
			return zc__break(ch, len, len == -ZC_EBADMSG ?
					 "message id out of sequence (lost, duplicated or reordered frame)" :
					 "frame header length or flags corrupt");
		zc__rx_take(ch, &bufs[i], s, p, &h, (uint32_t)len);
		bytes += (uint32_t)len;
	}
counted:
	ch->stats.rx_bytes += bytes;
	ch->stats.rx_msgs += (unsigned int)got;
	if (got)
		ZC_PROBE4(recv_burst, ch->index, got, first_id, bytes);
	return got;
}

/*
 * Release @n received buffers, giving their slots back to the peer (in any
 * order). Returns @n or -EINVAL for a buffer not held on this channel.
 */
static inline int zc_release_burst(zc_channel *ch, const struct zc_buf *bufs,
				   unsigned int n)
{
	struct zc_desc d[ZC_BURST_MAX];
	unsigned int i;
	int rc;

	if (zc_unlikely(n > ZC_BURST_MAX))
		return -ZC_EINVAL;
	for (i = 0; i < n; i++)
		if (zc_unlikely(bufs[i].slot >= ch->slots ||
				!ch->rx_held[bufs[i].slot]))
			return -ZC_EINVAL;
	for (i = 0; i < n; i++)
		ch->rx_held[bufs[i].slot] = 0;
	ZC_PROBE2(release, ch->index, n);
	if (zc_unlikely(ch->broken))
		return (int)n;	/* nobody to give them to */
	if (ch->seq) {
		zc__seq_release(ch);
		zc__notify(ch);
		return (int)n;
	}
	for (i = 0; i < n; i++) {
		d[i].slot = bufs[i].slot;
		d[i].len = 0;
	}
	rc = zc_ring_produce_bulk(&ch->rx_free, d, n);
	if (zc_unlikely(rc != (int)n))
		return zc__break(ch, rc < 0 ? rc : -ZC_EPROTO,
				 "peer return-ring index out of range");
	zc__notify(ch);
	return (int)n;
}

/* Frames waiting to be received (0 if none; negative if broken). */
static inline int zc_rx_ready(zc_channel *ch)
{
	int n;

	if (zc_unlikely(ch->broken))
		return ch->broken;
	if (ch->seq)
		return zc__seq_avail(ch, ZC_BURST_MAX);
	n = zc_ring_avail(&ch->rx, 1);
	return n < 0 ? zc__break(ch, n, "peer producer index out of range") : n;
}

/*
 * Is a frame waiting? Positive (on a RING channel the count, on SEQ 1), 0,
 * or negative if broken: what a waiter polls.
 * On a SEQ channel it looks at the next slot only, where counting them
 * would pull in lines the sender is about to write (a wasted transfer).
 */
static inline int zc_rx_any(zc_channel *ch)
{
	if (!ch->seq || zc_unlikely(ch->broken))
		return zc_rx_ready(ch);
	return zc__seq_avail(ch, 1);
}

/*
 * Slots free to reserve, looking again at what the peer returned only when
 * fewer than @want are known free (so a caller waiting for @want slots
 * polls cheaply). Negative if broken.
 */
static inline int zc_tx_avail(zc_channel *ch, uint32_t want)
{
	int n;

	if (zc_unlikely(ch->broken))
		return ch->broken;
	if (ch->seq)
		return zc__seq_free(ch, want);
	n = zc_ring_avail(&ch->tx_free, want);
	return n < 0 ? zc__break(ch, n, "return ring index out of range") : n;
}

/* Slots free to reserve now (0 if none; negative if broken). */
static inline int zc_tx_ready(zc_channel *ch)
{
	return zc_tx_avail(ch, 1);
}

/* The mode the announcer wrote in channel @c's entry (peer-written: check it). */
static inline zc_u32 zc_chan_mode(uint8_t *base, const struct zc_geom *g,
				  uint32_t c)
{
	return zc_load_relaxed(&((struct zc_chan_entry *)(base + g->chan_off))[c].mode);
}

/*
 * Reset the four rings of channel @c to empty, each return ring full of its
 * direction's slot numbers (a SEQ channel, @mode ZC_CHAN_MODE_SEQ: its
 * slots' id words to the lap before the first). Only the side announcing
 * the channel does this, before publishing the announcement (or the host,
 * for a new peer), with the mode it keeps privately: the entry's mode word
 * is shared memory the peer can rewrite, so the announcer never reads its
 * own announcement back.
 */
static inline void zc_chan_reset_mode(uint8_t *base, const struct zc_geom *g,
				      uint32_t c, zc_u32 mode)
{
	uint32_t dir, i;

	for (dir = 0; dir < 2; dir++) {
		struct zc_ring_hdr *data = (struct zc_ring_hdr *)
			(base + zc_ring_off(g, c, dir, ZC_RING_DATA));
		struct zc_ring_hdr *ret = (struct zc_ring_hdr *)
			(base + zc_ring_off(g, c, dir, ZC_RING_RETURN));
		struct zc_desc *d = (struct zc_desc *)(ret + 1);

		zc_ring_reset(data, 0);
		if (mode == ZC_CHAN_MODE_SEQ && zc_seq_slots_ok(g->slots))
			zc__seq_reset_dir(base, g, c, dir);
		for (i = 0; i < g->slots; i++) {
			d[i].slot = i;
			d[i].len = 0;
		}
		zc_store_relaxed(&ret->cons, 0);
		/* Release: the slot numbers are in place before the index says so. */
		zc_store_release(&ret->prod, g->slots);
	}
}

/* zc_chan_reset_mode() with the mode read from the entry (format 1.1 callers). */
static inline void zc_chan_reset(uint8_t *base, const struct zc_geom *g,
				 uint32_t c)
{
	zc_chan_reset_mode(base, g, c, zc_chan_mode(base, g, c));
}

/*
 * Bind @ch to channel @c of the region mapped at @base, as side @side, in
 * @mode (the announcer passes the mode it keeps; an opener the one it read
 * from the entry, once). @tx_owned and @rx_held are caller-provided arrays
 * of g->slots bytes (zeroed here). Addresses and ids start afresh. A mode
 * this code does not know, or SEQ with a slot count it cannot use (not a
 * power of two, or above ZC_SEQ_SLOTS_MAX), leaves @ch broken with
 * -EPROTONOSUPPORT.
 */
static inline void zc_chan_bind_mode(struct zc_channel *ch, uint8_t *base,
				     const struct zc_geom *g, uint32_t c,
				     int side, uint8_t *tx_owned,
				     uint8_t *rx_held, zc_u32 mode)
{
	struct zc_superblock *sb = (struct zc_superblock *)base;
	uint32_t i, peer = side ^ 1;

	zc_ring_attach(&ch->tx, (struct zc_ring_hdr *)
		       (base + zc_ring_off(g, c, side, ZC_RING_DATA)),
		       g->ring_entries, 1);
	zc_ring_attach(&ch->tx_free, (struct zc_ring_hdr *)
		       (base + zc_ring_off(g, c, side, ZC_RING_RETURN)),
		       g->ring_entries, 0);
	zc_ring_attach(&ch->rx, (struct zc_ring_hdr *)
		       (base + zc_ring_off(g, c, peer, ZC_RING_DATA)),
		       g->ring_entries, 0);
	zc_ring_attach(&ch->rx_free, (struct zc_ring_hdr *)
		       (base + zc_ring_off(g, c, peer, ZC_RING_RETURN)),
		       g->ring_entries, 1);
	ch->tx_base = base + zc_slot_off(g, c, side, 0);
	ch->rx_base = base + zc_slot_off(g, c, peer, 0);
	for (i = 0; i < g->slots; i++) {
		tx_owned[i] = 0;
		rx_held[i] = 0;
	}
	ch->tx_owned = tx_owned;
	ch->rx_held = rx_held;
	ch->slots = g->slots;
	ch->slot_shift = g->slot_shift;
	ch->slot_size = g->slot_size;
	ch->index = (uint16_t)c;
	ch->tx_id = 0;
	ch->rx_id = 0;
	ch->tx_abort = 0;
	ch->broken = 0;
	ch->why = 0;
	ch->seq = mode == ZC_CHAN_MODE_SEQ;
	ch->seq_resv = ch->tx.head;
	ch->seq_rel = ch->rx.head;
	if (mode > ZC_CHAN_MODE_SEQ || (ch->seq && !zc_seq_slots_ok(g->slots))) {
		ch->broken = -ZC_EPROTONOSUPPORT;
		ch->why = "channel mode unknown to this side, or too many slots for it";
	}
	ch->peer_wakeup = &sb->side[peer].need_wakeup;
	ch->peer_addr = &((struct zc_chan_entry *)(base + g->chan_off))[c].addr[peer];
	ch->dst = 0;
	ch->reasm.active = 0;
	ch->reasm.got = 0;
	ch->reasm.total = 0;
}

/* zc_chan_bind_mode() with the mode read from the entry once (an opener). */
static inline void zc_chan_bind(struct zc_channel *ch, uint8_t *base,
				const struct zc_geom *g, uint32_t c, int side,
				uint8_t *tx_owned, uint8_t *rx_held)
{
	zc_chan_bind_mode(ch, base, g, c, side, tx_owned, rx_held,
			  zc_chan_mode(base, g, c));
}

#ifdef __cplusplus
}
#endif
#if defined(__clang__) && defined(ZC_PROBES)
#pragma clang diagnostic pop
#endif
#endif /* ZC_DATAPLANE_H */

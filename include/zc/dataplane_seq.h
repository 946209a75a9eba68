/* SPDX-License-Identifier: MIT */
/*
 * zc/dataplane_seq.h - the data path of SEQ channels (ZC_CHAN_MODE_SEQ).
 * Included by dataplane.h only, which calls these from its burst calls.
 *
 * A SEQ channel uses the slots of each direction strictly in turn: frame
 * k of a direction lives in slot k % slots. The receiver polls the next
 * slot's header for the id it expects; the sender writes payload and header
 * and stores the 32-bit word holding msg_id and chan last, with release
 * ordering. Before the first lap the reset writes every slot's id as that
 * of the lap before, (slot - slots) mod 2^16, so an unwritten slot never
 * looks ready, and because slots divides 2^16 and is at most 2^15 the
 * stale id of a slot always differs from the id expected there next.
 *
 * Slots come back through a counter instead of a return ring: the data
 * ring header's cons is "frames released", advanced by the receiver over
 * every leading released slot (so slots may be released in any order but
 * are reused in turn), read by the sender only when it runs short. The
 * header's prod counts frames sent, for observers; the receiver never
 * reads it. Every word read from shared memory is checked as in the ring.
 */
#ifndef ZC_DATAPLANE_H
/* Included on its own: dataplane.h includes us where the calls need us. */
#include "dataplane.h"
#elif !defined(ZC_DATAPLANE_SEQ_H)
#define ZC_DATAPLANE_SEQ_H

#define ZC__SEQ_WORD_OFF	__builtin_offsetof(struct zc_frame_hdr, msg_id)

/* The msg_id|chan word of slot @s of the pool at @base. */
static inline zc_u32 *zc__seq_word(const zc_channel *ch, uint8_t *base,
				   uint32_t s)
{
	return (zc_u32 *)(base + ((size_t)s << ch->slot_shift) +
			  ZC__SEQ_WORD_OFF);
}

static inline zc_u32 zc__seq_word_val(zc_u16 id, zc_u16 chan)
{
	return (zc_u32)id | ((zc_u32)chan << 16);
}

#define ZC__SEQ_BAD_WORD "slot id word is neither the next id nor the last lap's"

/*
 * Sender: slots free to reserve, re-reading the released counter when
 * fewer than @want are known free. A corrupt counter breaks the channel.
 */
static inline int zc__seq_free(zc_channel *ch, uint32_t want)
{
	uint32_t used = ch->seq_resv - ch->tx.cached, rel;
	uint32_t room = ch->slots - used;

	/*
	 * want <= room <= slots in one compare, as in zc_ring_free(): a
	 * corrupt counter read at bind (used > slots) takes the slow path.
	 */
	want = want < ch->slots ? want : ch->slots;
	if (zc_likely(room - want <= ch->slots - want))
		return (int)room;
	/* Acquire: the receiver is done with the slots it released. */
	rel = zc_load_acquire(ch->tx.cons);
	/*
	 * Released never passes sent and never moves back; and never lags
	 * sent by more than the slots (the cached value, read at bind, may
	 * be the peer's scribble).
	 */
	if (zc_unlikely((uint32_t)(ch->tx.head - rel) >
			(uint32_t)(ch->tx.head - ch->tx.cached) ||
			(uint32_t)(ch->tx.head - rel) > ch->slots))
		return zc__break(ch, -ZC_EPROTO,
				 "peer released slots it was never sent");
	ch->tx.cached = rel;
	return (int)(ch->slots - (ch->seq_resv - rel));
}

static inline int zc__seq_reserve(zc_channel *ch, struct zc_buf *bufs,
				  unsigned int n)
{
	int room = zc__seq_free(ch, n);
	unsigned int i;

	if (zc_unlikely(room < 0))
		return room;
	if ((unsigned int)room < n)
		n = (unsigned int)room;
	for (i = 0; i < n; i++) {
		uint32_t s = (ch->seq_resv + i) & (ch->slots - 1);

		bufs[i].slot = s;
		bufs[i].data = ch->tx_base + ((size_t)s << ch->slot_shift) +
			       ZC_FRAME_HDR_SIZE;
		bufs[i].cap = ch->slot_size - ZC_FRAME_HDR_SIZE;
		bufs[i].len = 0;
	}
	ch->seq_resv += n;
	return (int)n;
}

/* Are these the next @n reserved slots, in order, each len fitting? */
static inline int zc__seq_check_send(const zc_channel *ch,
				     const struct zc_buf *bufs, unsigned int n)
{
	unsigned int i;

	if (zc_unlikely(ch->seq_resv - ch->tx.head < n))
		return -ZC_EINVAL;
	for (i = 0; i < n; i++)
		if (zc_unlikely(bufs[i].slot !=
				((ch->tx.head + i) & (ch->slots - 1)) ||
				bufs[i].len > ch->slot_size - ZC_FRAME_HDR_SIZE))
			return -ZC_EINVAL;
	return 0;
}

/* Write the frames' headers, each one's id word last, and count them sent. */
static inline void zc__seq_publish(zc_channel *ch, const struct zc_buf *bufs,
				   const zc_u16 *flags, unsigned int n,
				   zc_u16 first_fl)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct zc_frame_hdr *h = (struct zc_frame_hdr *)
			(ch->tx_base + ((size_t)bufs[i].slot << ch->slot_shift));
		zc_u32 len = bufs[i].len;
		zc_u16 fl = (flags ? flags[i] : 0) | first_fl;

		first_fl = 0;
		h->src = ch->src;
		h->dst = ch->dst;
		h->len = (zc_u16)len;
		h->flags = (zc_u16)((fl & ZC_FRAME_FLAGS_MASK) | ((len >> 16) << 8));
		/* Release: payload and header before the id that says "ready". */
		zc_store_release(zc__seq_word(ch, ch->tx_base, bufs[i].slot),
				 zc__seq_word_val(ch->tx_id++, ch->index));
	}
	ch->tx.head += n;
	zc_store_relaxed(ch->tx.prod, ch->tx.head);
}

/*
 * Receiver: is frame @k (counted from the next one) there? 1 yes, 0 not
 * yet, or -ZC_EPROTO when the slot's id is neither the expected one nor
 * the stale one of the lap before.
 */
static inline int zc__seq_peek(zc_channel *ch, uint32_t k)
{
	uint32_t seq = ch->rx.head + k;
	zc_u32 w = zc_load_acquire(zc__seq_word(ch, ch->rx_base,
						seq & (ch->slots - 1)));

	if (zc_likely(w == zc__seq_word_val((zc_u16)seq, ch->index)))
		return 1;
	if (w == zc__seq_word_val((zc_u16)(seq - ch->slots), ch->index))
		return 0;
	return -ZC_EPROTO;
}

/* Frames ready now, counting at most @max; a corrupt next word breaks. */
static inline int zc__seq_avail(zc_channel *ch, uint32_t max)
{
	uint32_t k;

	for (k = 0; k < max; k++) {
		int rc = zc__seq_peek(ch, k);

		if (rc < 0 && k == 0)
			return zc__break(ch, rc, ZC__SEQ_BAD_WORD);
		if (rc <= 0)
			break;
	}
	return (int)k;
}

static inline int zc__seq_recv(zc_channel *ch, struct zc_buf *bufs,
			       unsigned int n, uint64_t *bytes)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct zc_frame_hdr h;
		uint32_t s = ch->rx.head & (ch->slots - 1);
		int rc = zc__seq_peek(ch, 0), len;
		uint8_t *p;

		if (rc == 0)
			break;
		if (zc_unlikely(rc < 0))
			return zc__break(ch, rc, ZC__SEQ_BAD_WORD);
		/* The sender wrote into a slot we still hold: it reused it early. */
		if (zc_unlikely(ch->rx_held[s]))
			return zc__break(ch, -ZC_EPROTO,
					 "peer reused a slot before it was released");
		p = ch->rx_base + ((size_t)s << ch->slot_shift);
		/* Start the next slot's transfer while this one is checked. */
		{
			const uint8_t *ahead = ch->rx_base +
				((size_t)((s + 4) & (ch->slots - 1)) << ch->slot_shift);

			__builtin_prefetch(ahead);
			__builtin_prefetch(ahead + 64);	/* a 64 B payload ends there */
		}
		__builtin_memcpy(&h, p, sizeof(h));
		len = zc_frame_check(&h, zc_frame_len(&h) + ZC_FRAME_HDR_SIZE,
				     ch->slot_size, ch->index, ch->rx_id);
		if (zc_unlikely(len < 0))
			return zc__break(ch, len, "frame header length or flags corrupt");
		ch->rx.head++;
		zc__rx_take(ch, &bufs[i], s, p, &h, (uint32_t)len);
		*bytes += (uint32_t)len;
	}
	return (int)i;
}

/* After rx_held was cleared for some slots: give back the leading run. */
static inline void zc__seq_release(zc_channel *ch)
{
	uint32_t rel = ch->seq_rel;

	while (rel != ch->rx.head && !ch->rx_held[rel & (ch->slots - 1)])
		rel++;
	if (rel == ch->seq_rel)
		return;
	ch->seq_rel = rel;
	/* Release: our reads of these slots finish before the sender reuses them. */
	zc_store_release(ch->rx.cons, rel);
}

/*
 * Reset direction @dir of SEQ channel @c: counters to 0 and every slot's
 * id word to the lap before the first.
 */
static inline void zc__seq_reset_dir(uint8_t *base, const struct zc_geom *g,
				     uint32_t c, uint32_t dir)
{
	uint32_t i;

	for (i = 0; i < g->slots; i++) {
		struct zc_frame_hdr *h = (struct zc_frame_hdr *)
			(base + zc_slot_off(g, c, dir, i));

		zc_frame_set(h, 0, 0, (zc_u16)(i - g->slots), (zc_u16)c, 0, 0);
	}
}

#endif /* ZC_DATAPLANE_H, ZC_DATAPLANE_SEQ_H */

/* SPDX-License-Identifier: MIT */
/*
 * zc/frame.h - frames (16-byte header + payload in a slot) and fragments.
 *
 * Message ids run in sequence per channel and direction, one per frame, so
 * the receiver knows the exact id to expect: a gap, a duplicate or a
 * reordered fragment shows up as an unexpected id. A message longer than
 * a slot travels as consecutive frames: the first has ZC_FRAME_MORE and
 * ZC_FRAME_TOTAL (its payload starts with the u64 total length, so the
 * receiver can refuse an oversized message before copying anything), the
 * middle ones MORE|CONT, the last CONT. Freestanding.
 */
#ifndef ZC_FRAME_H
#define ZC_FRAME_H

#include "proto.h"

/* Frame payload length, 24 bits: 16 in len, 8 in the top of flags. */
static inline zc_u32 zc_frame_len(const struct zc_frame_hdr *h)
{
	return (zc_u32)h->len | ((zc_u32)(h->flags >> 8) << 16);
}

static inline void zc_frame_set(struct zc_frame_hdr *h, zc_u32 src, zc_u32 dst,
				zc_u16 id, zc_u16 chan, zc_u32 len, zc_u16 flags)
{
	h->src = src;
	h->dst = dst;
	h->msg_id = id;
	h->chan = chan;
	h->len = (zc_u16)len;
	h->flags = (zc_u16)((flags & ZC_FRAME_FLAGS_MASK) | ((len >> 16) << 8));
}

/*
 * Check a received frame. @h is a private copy of the header (read once
 * from the slot: the peer may change the slot meanwhile); @desc_len is the
 * descriptor's length. Returns the payload length or a negative error:
 *   -ZC_EPROTO  lengths disagree, overflow the slot, or unknown flags
 *   -ZC_EBADMSG wrong channel or message id (gap, duplicate, reorder)
 */
static inline int zc_frame_check(const struct zc_frame_hdr *h, zc_u32 desc_len,
				 zc_u32 slot_size, zc_u16 chan, zc_u16 want_id)
{
	zc_u32 len = zc_frame_len(h);

	if (desc_len < ZC_FRAME_HDR_SIZE || desc_len > slot_size ||
	    len != desc_len - ZC_FRAME_HDR_SIZE ||
	    (h->flags & ZC_FRAME_FLAGS_MASK & ~ZC_FRAME_KNOWN))
		return -ZC_EPROTO;
	if ((h->flags & ZC_FRAME_TOTAL) &&
	    ((h->flags & (ZC_FRAME_MORE | ZC_FRAME_CONT)) != ZC_FRAME_MORE ||
	     len < ZC_FRAME_TOTAL_SIZE))
		return -ZC_EPROTO;
	if ((h->flags & (ZC_FRAME_ABORT | ZC_FRAME_CONT)) ==
	    (ZC_FRAME_ABORT | ZC_FRAME_CONT))
		return -ZC_EPROTO;
	if (h->chan != chan || h->msg_id != want_id)
		return -ZC_EBADMSG;
	return (int)len;
}

/* Reassembly state of one channel direction. */
struct zc_reasm {
	zc_u64 total;		/* announced length of the message in progress */
	zc_u64 got;		/* bytes received so far */
	int active;		/* inside a multi-fragment message */
};

/*
 * Feed one checked frame's flags and payload length to the reassembler.
 * Returns the number of payload bytes that belong to the message (the
 * total-length prefix excluded), with *@done set when the message is
 * complete, or -ZC_EBADMSG when the fragment does not fit the message in
 * progress (a first fragment in the middle of a message, a continuation
 * with none in progress, more bytes than announced, or fewer at the end)
 * and -ZC_EMSGSIZE when the announced total exceeds @max_msg.
 * -ZC_ECANCELED: the frame carries ZC_FRAME_ABORT while a message is in
 * progress: the sender abandoned that message. The state is reset, so a
 * caller that discards what it reassembled may feed the same frame again
 * as the start of the next message; a caller that treats every negative
 * return as fatal stays safe.
 */
static inline int zc_reasm_feed(struct zc_reasm *s, zc_u16 flags, zc_u32 len,
				zc_u64 total, zc_u64 max_msg, int *done)
{
	zc_u32 body = len;

	*done = 0;
	if (!(flags & ZC_FRAME_CONT)) {
		if (s->active && (flags & ZC_FRAME_ABORT)) {
			s->active = 0;
			s->got = 0;
			s->total = 0;
			return -ZC_ECANCELED;
		}
		if (s->active)
			return -ZC_EBADMSG;
		if (!(flags & ZC_FRAME_MORE)) {	/* a whole message */
			*done = 1;
			return (int)len;
		}
		if (!(flags & ZC_FRAME_TOTAL))
			return -ZC_EBADMSG;
		if (total > max_msg)
			return -ZC_EMSGSIZE;
		body = len - ZC_FRAME_TOTAL_SIZE;
		s->active = 1;
		s->total = total;
		s->got = 0;
	} else if (!s->active) {
		return -ZC_EBADMSG;
	}
	if (s->got + body > s->total)
		return -ZC_EBADMSG;
	s->got += body;
	if (!(flags & ZC_FRAME_MORE)) {
		if (s->got != s->total)
			return -ZC_EBADMSG;
		s->active = 0;
		*done = 1;
	}
	return (int)body;
}

/* Number of frames a @total-byte message needs with @slot_size slots. */
static inline zc_u64 zc_frag_count(zc_u64 total, zc_u32 slot_size)
{
	zc_u64 room = slot_size - ZC_FRAME_HDR_SIZE;

	if (total <= room)
		return 1;
	/* The first fragment also carries the 8-byte total. */
	return 1 + (total - (room - ZC_FRAME_TOTAL_SIZE) + room - 1) / room;
}

#endif /* ZC_FRAME_H */

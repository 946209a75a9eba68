// SPDX-License-Identifier: MIT
/*
 * The copying API: zc_write() fragments a message of any size (up to the
 * region's max_msg) over as many slots as it needs; zc_read() reassembles
 * it. Fragments are ordinary frames with consecutive message ids, so the
 * checks of the zero-copy path (ids in sequence, lengths inside the slot)
 * apply to each; zc_reasm_feed() checks that they form one message.
 *
 * Both return within their timeout, also in the middle of a message, and
 * neither leaves the stream so that the other side misreads it:
 *  - a zc_write() that gives up after its first fragment went out cannot
 *    take the fragments back, so it abandons the message: the next frame
 *    this side sends carries ZC_FRAME_ABORT, and the reader discards what
 *    it had of the message and says so (-ECANCELED). The caller was told
 *    the message was not sent (-ETIMEDOUT) and may send it again. Waiting
 *    for a slot to send the ABORT in would be the very wait that timed
 *    out, hence "on the next frame".
 *  - a zc_read() that times out between fragments keeps what it has (a
 *    copy the library holds) and resumes the same message on the next
 *    call: the writer did nothing wrong by being slow, so nothing is lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/*
 * How long a zc_read() with timeout 0 goes on reassembling a message whose
 * fragments keep coming: a whole message already queued is read in one
 * call, a stream that never ends is not.
 */
#define READ_POLL_NS	(50ULL * 1000000ULL)

/* A wait that ran out: -EAGAIN for a call that was not to wait at all. */
static int expired(int rc, int timeout_ms)
{
	return rc == -EAGAIN && timeout_ms != 0 ? -ETIMEDOUT : rc;
}

/* zc_write() gave up mid-message: the next frame tells the reader. */
static void abandon(zc_channel *ch)
{
	ch->tx_abort = 1;
	ch->stats.tx_aborted++;
}

ssize_t zc_write(zc_channel *ch, const void *buf, size_t len, int timeout_ms)
{
	const uint8_t *src = buf;
	uint32_t room = ch->slot_size - ZC_FRAME_HDR_SIZE;
	uint64_t deadline = zc__deadline(timeout_ms);
	struct zc_buf bufs[ZC_BURST_MAX];
	uint16_t flags[ZC_BURST_MAX];
	size_t off = 0;
	int first = 1, rc;

	if (ch->broken)
		return ch->broken;
	if (len > ch->region->g.max_msg)
		return -EMSGSIZE;
	if (len <= room) {
		rc = zc_reserve(ch, &bufs[0], timeout_ms);
		if (rc)
			return rc;
		memcpy(bufs[0].data, src, len);
		bufs[0].len = (uint32_t)len;
		rc = zc_send(ch, &bufs[0]);
		return rc ? rc : (ssize_t)len;
	}
	while (off < len) {
		/* Exactly the frames still needed, so no slot is reserved in vain. */
		uint64_t left = first ? zc_frag_count(len, ch->slot_size) :
				(len - off + room - 1) / room;
		unsigned int i, want = left < ZC_BURST_MAX ? (unsigned int)left :
				       ZC_BURST_MAX;
		int n = zc_reserve_burst(ch, bufs, want);

		if (n == 0) {
			rc = expired(zc_wait_tx(ch, zc__ms_left(deadline)), timeout_ms);
			if (!rc)
				continue;
			n = rc;
		}
		if (n < 0) {
			/* Once the first fragment is out, the reader must hear of it. */
			if (!first)
				abandon(ch);
			return n;
		}
		for (i = 0; i < (unsigned int)n && off < len; i++) {
			uint8_t *dst = bufs[i].data;
			uint32_t cap = room;
			size_t chunk;

			flags[i] = ZC_FRAME_CONT;
			if (first) {
				uint64_t total = len;

				memcpy(dst, &total, sizeof(total));
				dst += ZC_FRAME_TOTAL_SIZE;
				cap -= ZC_FRAME_TOTAL_SIZE;
				flags[i] = ZC_FRAME_TOTAL;
				first = 0;
			}
			chunk = len - off < cap ? len - off : cap;
			memcpy(dst, src + off, chunk);
			off += chunk;
			bufs[i].len = (uint32_t)(chunk + (dst - (uint8_t *)bufs[i].data));
			if (off < len)
				flags[i] |= ZC_FRAME_MORE;
		}
		rc = zc__send_frames(ch, bufs, flags, i);
		if (rc)
			return rc;
	}
	return (ssize_t)len;
}

void zc__read_forget(zc_channel *ch, int count)
{
	struct zc__chan *lc = zc__lib(ch);

	if (count && ch->reasm.active)
		ch->stats.rx_aborted++;
	free(lc->rd_stash);
	lc->rd_stash = NULL;
	ch->reasm.active = 0;
	ch->reasm.got = 0;
	ch->reasm.total = 0;
}

/*
 * Look at the next frame without consuming it (one is waiting): its header,
 * checked, and its payload. The peer may rewrite the slot afterwards, so
 * zc_read() checks the consumed frames again; this only decides what to do.
 */
static int peek(zc_channel *ch, struct zc_frame_hdr *h, const uint8_t **payload)
{
	struct zc_desc d;
	const uint8_t *p;
	int len;

	if (ch->seq) {
		/* zc_wait_rx() saw the id word; the length comes from the header. */
		d.slot = ch->rx.head & (ch->slots - 1);
		memcpy(h, ch->rx_base + ((size_t)d.slot << ch->slot_shift),
		       sizeof(*h));
		d.len = zc_frame_len(h) + ZC_FRAME_HDR_SIZE;
	} else {
		d = ch->rx.desc[ch->rx.head & ch->rx.mask];
	}
	if (d.slot >= ch->slots || ch->rx_held[d.slot])
		return zc__break(ch, -EPROTO,
				 "descriptor names a slot out of range or already held");
	p = ch->rx_base + ((size_t)d.slot << ch->slot_shift);
	memcpy(h, p, sizeof(*h));
	len = zc_frame_check(h, d.len, ch->slot_size, ch->index, ch->rx_id);
	if (len < 0)
		return zc__break(ch, len, len == -EBADMSG ?
				 "message id out of sequence (lost, duplicated or reordered frame)" :
				 "frame header length or flags corrupt");
	*payload = p + ZC_FRAME_HDR_SIZE;
	return len;
}

/* The size of the message the next frame starts (none is in progress). */
static ssize_t peek_size(zc_channel *ch)
{
	struct zc_frame_hdr h;
	const uint8_t *p;
	uint64_t total;
	int len = peek(ch, &h, &p);

	if (len < 0)
		return len;
	if (h.flags & ZC_FRAME_CONT)
		return zc__break(ch, -EBADMSG,
				 "a fragment continues a message that never started");
	/* An ABORT with nothing in progress here: nothing to discard. */
	if (!(h.flags & ZC_FRAME_TOTAL))
		return len;
	memcpy(&total, p, sizeof(total));
	if (total > ch->region->g.max_msg)
		return zc__break(ch, -EMSGSIZE,
				 "peer announced a message larger than max_msg");
	return (ssize_t)total;
}

ssize_t zc_next_size(zc_channel *ch, int timeout_ms)
{
	int rc;

	if (ch->broken)
		return ch->broken;
	/* A message half read by a zc_read() that timed out comes first. */
	if (ch->reasm.active)
		return (ssize_t)ch->reasm.total;
	rc = zc_wait_rx(ch, timeout_ms);
	return rc ? rc : peek_size(ch);
}

/*
 * The rest of a message did not come in time: keep the @off bytes so far,
 * in a buffer of the message's @total bytes, where the next calls go on
 * reassembling it (so a caller polling with timeout 0 costs no copy per
 * call). Without memory for it, wait for the rest instead (0) rather than
 * lose it.
 */
static int keep_partial(zc_channel *ch, const uint8_t *dst, size_t off,
			uint64_t total)
{
	struct zc__chan *lc = zc__lib(ch);

	if (lc->rd_stash)
		return 1;	/* it is there already */
	lc->rd_stash = malloc(total ? (size_t)total : 1);
	if (!lc->rd_stash)
		return 0;
	memcpy(lc->rd_stash, dst, off);
	return 1;
}

ssize_t zc_read(zc_channel *ch, void *buf, size_t cap, int timeout_ms)
{
	struct zc__chan *lc = zc__lib(ch);
	uint64_t deadline = zc__deadline(timeout_ms);
	/* A poll (timeout 0) reads what is queued, but not forever. */
	uint64_t limit = timeout_ms == 0 ? deadline + READ_POLL_NS : deadline;
	uint8_t *dst = buf;
	size_t off = 0, room = cap;
	ssize_t size;

	if (ch->broken)
		return ch->broken;
	if (ch->reasm.active) {
		/* Resume the message a timed-out call left half read, in its stash. */
		if (ch->reasm.total > cap)
			return -EMSGSIZE;
		dst = lc->rd_stash;
		room = (size_t)ch->reasm.total;
		off = (size_t)ch->reasm.got;
	} else {
		size = zc_next_size(ch, timeout_ms);
		if (size < 0)
			return size;
		if ((size_t)size > cap)
			return -EMSGSIZE;	/* still queued: the caller may grow its buffer */
	}
	for (;;) {
		const uint8_t *p;
		struct zc_buf b;
		uint64_t total = 0;
		int body, rc, done;

		if (ch->reasm.active) {
			struct zc_frame_hdr h;

			/*
			 * Past the deadline with the message still open: stop
			 * even if frames keep coming (a peer sending empty
			 * fragments forever never lets the wait below say so).
			 */
			if (limit != UINT64_MAX && zc__now_ns() >= limit &&
			    keep_partial(ch, dst, off, ch->reasm.total))
				return timeout_ms ? -ETIMEDOUT : -EAGAIN;
			rc = expired(zc_wait_rx(ch, zc__ms_left(deadline)), timeout_ms);
			if (rc == -ETIMEDOUT || rc == -EAGAIN) {
				if (keep_partial(ch, dst, off, ch->reasm.total))
					return rc;
				rc = zc_wait_rx(ch, -1);
			}
			if (rc) {
				/* The sender is gone (or broke the channel) mid-message. */
				zc__read_forget(ch, 1);
				return rc;
			}
			rc = peek(ch, &h, &p);
			if (rc < 0) {
				zc__read_forget(ch, 0);
				return rc;
			}
			if ((h.flags & (ZC_FRAME_CONT | ZC_FRAME_ABORT)) ==
			    ZC_FRAME_ABORT) {
				/* The writer gave up on it; the next message stays queued. */
				zc__read_forget(ch, 1);
				return -ECANCELED;
			}
		}
		rc = zc_recv(ch, &b, 0);	/* a frame is waiting */
		if (rc) {
			zc__read_forget(ch, 0);
			return rc;
		}
		p = b.data;
		if (b.flags & ZC_FRAME_TOTAL) {
			memcpy(&total, p, sizeof(total));
			p += ZC_FRAME_TOTAL_SIZE;
		}
		body = zc_reasm_feed(&ch->reasm, b.flags, b.len, total,
				     ch->region->g.max_msg, &done);
		if (body < 0) {
			zc_release(ch, &b);
			zc__read_forget(ch, 0);
			return zc__break(ch, body,
					 "fragments do not form one message (missing start, overlong or short)");
		}
		/*
		 * The frame sizes were checked before; the peer may have
		 * changed them since: the bytes, and the total a first
		 * fragment announces (the stash is made that big, and it
		 * must fit the buffer the message was sized for).
		 */
		if (off + (size_t)body > room ||
		    (ch->reasm.active && ch->reasm.total > room)) {
			zc_release(ch, &b);
			zc__read_forget(ch, 0);
			return zc__break(ch, -EPROTO,
					 "peer changed a message after it was sent");
		}
		memcpy(dst + off, p, (size_t)body);
		off += (size_t)body;
		zc_release(ch, &b);
		if (done)
			break;
	}
	if (dst != buf) {	/* reassembled in the stash: hand it over */
		memcpy(buf, dst, off);
		free(lc->rd_stash);
		lc->rd_stash = NULL;
	}
	return (ssize_t)off;
}

// SPDX-License-Identifier: MIT
/*
 * The copying API: zc_write() fragments a message of any size (up to the
 * region's max_msg) over as many slots as it needs; zc_read() reassembles
 * it. Fragments are ordinary frames with consecutive message ids, so the
 * checks of the zero-copy path (ids in sequence, lengths inside the slot)
 * apply to each; zc_reasm_feed() checks that they form one message.
 */
#include <errno.h>
#include <string.h>
#include "internal.h"

ssize_t zc_write(zc_channel *ch, const void *buf, size_t len, int timeout_ms)
{
	const uint8_t *src = buf;
	uint32_t room = ch->slot_size - ZC_FRAME_HDR_SIZE;
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

		if (n < 0)
			return n;
		if (n == 0) {
			/*
			 * Once the first fragment is out the message must be
			 * finished, or the stream would be left mid-message:
			 * only a lost peer (or a broken channel) stops us then.
			 */
			rc = zc_wait_tx(ch, first ? timeout_ms : -1);
			if (rc)
				return rc;
			continue;
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

/*
 * Look at the next frame without consuming it: the size of the message it
 * starts. The peer may rewrite the slot afterwards, so zc_read() checks
 * the consumed frames again; this only sizes the caller's buffer.
 */
static ssize_t peek_size(zc_channel *ch)
{
	struct zc_desc d;
	struct zc_frame_hdr h;
	const uint8_t *p;
	uint64_t total;
	int len;

	if (ch->seq) {
		/* zc_wait_rx() saw the id word; the length comes from the header. */
		d.slot = ch->rx.head & (ch->slots - 1);
		memcpy(&h, ch->rx_base + ((size_t)d.slot << ch->slot_shift),
		       sizeof(h));
		d.len = zc_frame_len(&h) + ZC_FRAME_HDR_SIZE;
	} else {
		d = ch->rx.desc[ch->rx.head & ch->rx.mask];
	}
	if (d.slot >= ch->slots || ch->rx_held[d.slot])
		return zc__break(ch, -EPROTO,
				 "descriptor names a slot out of range or already held");
	p = ch->rx_base + ((size_t)d.slot << ch->slot_shift);
	memcpy(&h, p, sizeof(h));
	len = zc_frame_check(&h, d.len, ch->slot_size, ch->index, ch->rx_id);
	if (len < 0)
		return zc__break(ch, len, len == -EBADMSG ?
				 "message id out of sequence (lost, duplicated or reordered frame)" :
				 "frame header length or flags corrupt");
	if (h.flags & ZC_FRAME_CONT)
		return zc__break(ch, -EBADMSG,
				 "a fragment continues a message that never started");
	if (!(h.flags & ZC_FRAME_TOTAL))
		return len;
	memcpy(&total, p + ZC_FRAME_HDR_SIZE, sizeof(total));
	if (total > ch->region->g.max_msg)
		return zc__break(ch, -EMSGSIZE,
				 "peer announced a message larger than max_msg");
	return (ssize_t)total;
}

ssize_t zc_next_size(zc_channel *ch, int timeout_ms)
{
	int rc = zc_wait_rx(ch, timeout_ms);

	return rc ? rc : peek_size(ch);
}

ssize_t zc_read(zc_channel *ch, void *buf, size_t cap, int timeout_ms)
{
	uint8_t *dst = buf;
	ssize_t size = zc_next_size(ch, timeout_ms);
	size_t off = 0;
	int done = 0;

	if (size < 0)
		return size;
	if ((size_t)size > cap)
		return -EMSGSIZE;	/* still queued: the caller may grow its buffer */
	while (!done) {
		const uint8_t *p;
		struct zc_buf b;
		uint64_t total = 0;
		int body, rc;

		rc = zc_recv(ch, &b, -1);	/* the rest of a started message */
		if (rc)
			return rc;
		p = b.data;
		if (b.flags & ZC_FRAME_TOTAL) {
			memcpy(&total, p, sizeof(total));
			p += ZC_FRAME_TOTAL_SIZE;
		}
		body = zc_reasm_feed(&ch->reasm, b.flags, b.len, total,
				     ch->region->g.max_msg, &done);
		if (body < 0) {
			zc_release(ch, &b);
			return zc__break(ch, body,
					 "fragments do not form one message (missing start, overlong or short)");
		}
		/* The frame sizes were checked before; the peer may have changed them since. */
		if (off + (size_t)body > cap) {
			zc_release(ch, &b);
			return zc__break(ch, -EPROTO,
					 "peer changed a message after it was sent");
		}
		memcpy(dst + off, p, (size_t)body);
		off += (size_t)body;
		zc_release(ch, &b);
	}
	return (ssize_t)off;
}

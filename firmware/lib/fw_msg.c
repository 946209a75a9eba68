// SPDX-License-Identifier: MIT
/*
 * fw_msg.c - whole messages on a firmware channel: fragmenting on the way
 * out, reassembly into a caller buffer on the way in, and refusing
 * malformed messages without dropping the channel.
 */
#include "zc_fw.h"

void zc_fw_reject(struct zc_fw_chan *fc, const char *why)
{
	fc->rejected++;
	zc_fw_logf(fc->fw, "channel %s: message refused: %s", fc->ch.name, why);
}

#define FW_SEND_BATCH 8

int zc_fw_send_fill(struct zc_fw_chan *fc, zc_u32 len,
		    void (*fill)(void *ctx, void *dst, zc_u32 off, zc_u32 n),
		    void *ctx)
{
	struct zc_channel *ch = &fc->ch;
	zc_u32 room = ch->slot_size - ZC_FRAME_HDR_SIZE, off = 0, i = 0;
	zc_u64 frags = zc_frag_count(len, ch->slot_size);
	int avail;

	if (ch->broken)
		return ch->broken;
	if (len == 0 || frags > ch->slots)
		return -ZC_EMSGSIZE;
	/* Asking for all of them re-reads the index when the cache has fewer. */
	avail = zc_tx_avail(ch, (zc_u32)frags);
	if (avail < 0)
		return avail;
	if ((zc_u64)avail < frags) {
		fc->want_tx = (zc_u32)frags;	/* wake when that many are back */
		return 0;
	}
	while (i < frags) {
		struct zc_buf b[FW_SEND_BATCH];
		zc_u16 fl[FW_SEND_BATCH];
		int rc;
		zc_u32 n = frags - i < FW_SEND_BATCH ? (zc_u32)(frags - i) : FW_SEND_BATCH, k;

		/* We are the only consumer of the return ring: they are there. */
		if (zc_reserve_burst(ch, b, n) != (int)n)
			return zc__break(ch, -ZC_EPROTO, "return ring lost slots it showed");
		for (k = 0; k < n; k++, i++) {
			zc_u16 flags = 0;
			zc_u32 pre = 0, body;

			if (frags > 1) {
				flags = i == 0 ? ZC_FRAME_MORE | ZC_FRAME_TOTAL :
					i + 1 < frags ? ZC_FRAME_MORE | ZC_FRAME_CONT :
					ZC_FRAME_CONT;
				if (i == 0) {
					/* The receiver can refuse it before copying a byte. */
					zc_u64 total = len;

					zc_fw_copy(b[k].data, &total, sizeof(total));
					pre = ZC_FRAME_TOTAL_SIZE;
				}
			}
			body = len - off < room - pre ? len - off : room - pre;
			fill(ctx, (zc_u8 *)b[k].data + pre, off, body);
			off += body;
			b[k].len = pre + body;
			fl[k] = flags;
		}
		/* RING or SEQ alike; the slots are ours and fit: only a peer
		 * that broke the channel makes this fail. */
		rc = zc__send_frames(ch, b, fl, n);
		if (rc)
			return rc;
	}
	return (int)len;
}

static void fw_fill_copy(void *ctx, void *dst, zc_u32 off, zc_u32 n)
{
	zc_fw_copy(dst, (const zc_u8 *)ctx + off, n);
}

int zc_fw_send_msg(struct zc_fw_chan *fc, const void *buf, zc_u32 len)
{
	return zc_fw_send_fill(fc, len, fw_fill_copy, (void *)(size_t)buf);
}

int zc_fw_recv_msg(struct zc_fw_chan *fc, void *buf, zc_u32 cap)
{
	struct zc_reasm *rs = &fc->ch.reasm;
	struct zc_buf b;
	int n, len, done;

	for (;;) {
		zc_u64 total = 0;
		zc_u32 skip = 0, off;

		n = zc_recv_burst(&fc->ch, &b, 1);
		if (n <= 0)
			return n;
		if (fc->discarding) {
			/* The tail of a message we refused: drop it quietly. */
			if (b.flags & ZC_FRAME_CONT) {
				if (!(b.flags & ZC_FRAME_MORE))
					fc->discarding = 0;
				zc_release_burst(&fc->ch, &b, 1);
				continue;
			}
			fc->discarding = 0;
		}
		if (b.flags & ZC_FRAME_TOTAL) {
			/* zc_frame_check() made sure the prefix is there. */
			zc_fw_copy(&total, b.data, ZC_FRAME_TOTAL_SIZE);
			skip = ZC_FRAME_TOTAL_SIZE;
		}
		len = zc_reasm_feed(rs, b.flags, b.len, total, cap, &done);
		if (len == -ZC_ECANCELED)	/* writer gave up: start afresh */
			len = zc_reasm_feed(rs, b.flags, b.len, total, cap,
					    &done);
		if (len == -ZC_EMSGSIZE) {
			fc->discarding = 1;
			zc_release_burst(&fc->ch, &b, 1);
			zc_fw_reject(fc, "message longer than this channel accepts");
			return -ZC_EMSGSIZE;
		}
		if (len < 0) {
			zc_release_burst(&fc->ch, &b, 1);
			return zc__break(&fc->ch, len,
					 "fragments out of sequence");
		}
		/* Where this fragment's bytes go: reasm just counted them. */
		off = (zc_u32)(rs->got - (zc_u32)len);
		if (!(b.flags & (ZC_FRAME_MORE | ZC_FRAME_CONT))) {
			/* A whole message in one frame: reasm did not bound it. */
			off = 0;
			if ((zc_u32)len > cap) {
				zc_release_burst(&fc->ch, &b, 1);
				zc_fw_reject(fc, "message longer than this channel accepts");
				return -ZC_EMSGSIZE;
			}
		}
		/* Bounded: reasm keeps got + len <= total <= cap. */
		zc_fw_copy((zc_u8 *)buf + off, (const zc_u8 *)b.data + skip,
			   (zc_u32)len);
		zc_release_burst(&fc->ch, &b, 1);
		if (!done)
			continue;
		if (b.flags & (ZC_FRAME_MORE | ZC_FRAME_CONT))
			len = (int)rs->total;
		if (len == 0) {
			zc_fw_reject(fc, "empty message");
			continue;
		}
		return len;
	}
}

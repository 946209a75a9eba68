// SPDX-License-Identifier: MIT
/*
 * fw_msg.c - whole messages on a firmware channel: reassembly of fragments
 * into a caller buffer, and refusing malformed messages without dropping
 * the channel.
 */
#include "zc_fw.h"

void zc_fw_reject(struct zc_fw_chan *fc, const char *why)
{
	fc->rejected++;
	zc_fw_logf(fc->fw, "channel %s: message refused: %s", fc->ch.name, why);
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

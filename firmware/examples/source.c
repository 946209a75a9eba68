// SPDX-License-Identifier: MIT
/*
 * source - a sensor/ADC-style stream: frames of a requested size at a
 * requested rate, each with a sequence number and a CRC32C, written in
 * place in the slot (zero-copy). Controlled over src.ctl.
 */
#include "zc_fw.h"
#include "zc_fw_proto.h"
#include "fw_examples.h"

#define SRC_BURST 16

static struct zc_fw_chan src_ctl, src_data;

static struct {
	int running;
	zc_u32 size, rate, count;
	zc_u64 seq;		/* next frame number */
	zc_u64 t0;		/* start time, ns */
	zc_u32 reply;		/* status to send on ctl, 0: none */
	zc_u32 reply_status;
} src;

static int source_init(struct zc_fw *fw)
{
	int rc = zc_fw_announce(fw, &src_ctl, ZC_SRC_CTL_NAME, ZC_SRC_ADDR);

	if (rc < 0)
		return rc;
	return zc_fw_announce(fw, &src_data, ZC_SRC_DATA_NAME, ZC_SRC_ADDR + 1);
}

/* Fill one frame in place; the payload never exists anywhere else. */
void zc_src_fill(void *payload, zc_u64 seq, zc_u32 size)
{
	struct zc_src_frame *f = (struct zc_src_frame *)payload;
	zc_u8 *p = (zc_u8 *)payload;
	zc_u32 i;

	for (i = sizeof(*f); i < size; i++)
		p[i] = zc_src_byte(seq, i);
	f->seq = seq;
	f->size = size;
	f->crc = zc_fw_crc32c(zc_fw_crc32c(0, &f->seq, sizeof(f->seq)),
			      p + sizeof(*f), size - (zc_u32)sizeof(*f));
}

static int source_reply(void)
{
	struct zc_src_status *st;
	struct zc_buf b = { 0 };	/* GCC -O3 cannot see that reserve fills it */

	if (!src.reply || !zc_fw_live(&src_ctl))
		return 0;
	if (zc_fw_reserve(&src_ctl, &b, 1) != 1)
		return 0;
	st = (struct zc_src_status *)b.data;
	st->cmd = src.reply;
	st->status = src.reply_status;
	st->sent = src.seq;
	b.len = sizeof(*st);
	src.reply = 0;
	zc_send_burst(&src_ctl.ch, &b, 1);
	return 1;
}

static int source_ctl(struct zc_fw *fw)
{
	struct zc_src_start req;
	int n, work = 0;

	while (!src.reply) {
		n = zc_fw_recv_msg(&src_ctl, &req, sizeof(req));
		if (n == -ZC_EMSGSIZE)
			continue;
		if (n <= 0)
			break;
		work++;
		if (n >= 8 && req.cmd == ZC_SRC_CMD_STOP) {
			src.running = 0;
			fw->deadline_ns = 0;
			src.reply = ZC_SRC_CMD_STOP;
			src.reply_status = 0;
			continue;
		}
		if (n != (int)sizeof(req) || req.cmd != ZC_SRC_CMD_START) {
			zc_fw_reject(&src_ctl, "not a source command");
			continue;
		}
		src.reply = ZC_SRC_CMD_START;
		if (req.size < sizeof(struct zc_src_frame) ||
		    req.size > fw->g.slot_size - ZC_FRAME_HDR_SIZE) {
			zc_fw_reject(&src_ctl, "frame size does not fit a slot");
			src.reply_status = ZC_EINVAL;
			continue;
		}
		src.reply_status = 0;
		src.size = req.size;
		src.rate = req.rate;
		src.count = req.count;
		src.seq = 0;
		src.t0 = fw->hal->now_ns(fw->hal_ctx);
		src.running = 1;
	}
	return work;
}

/* Frames due by now at the requested rate (all of them when unpaced). */
static zc_u64 source_due(struct zc_fw *fw)
{
	zc_u64 want = ~(zc_u64)0, el;

	if (src.rate) {
		el = fw->hal->now_ns(fw->hal_ctx) - src.t0;
		want = el / 1000000000u * src.rate +
		       el % 1000000000u * src.rate / 1000000000u + 1;
	}
	if (src.count && want > src.count)
		want = src.count;
	return want > src.seq ? want - src.seq : 0;
}

static int source_poll(struct zc_fw *fw)
{
	struct zc_buf b[SRC_BURST];
	int work = source_ctl(fw) + source_reply();
	zc_u64 due;
	int got, i;

	if (!src.running || !zc_fw_live(&src_data))
		return work;
	due = source_due(fw);
	if (due == 0) {
		/* Sleep until the next frame is due. */
		fw->deadline_ns = src.t0 + (src.seq * 1000000000u) / src.rate;
		return work;
	}
	got = zc_fw_reserve(&src_data, b, due < SRC_BURST ? (unsigned int)due
							   : SRC_BURST);
	if (got <= 0) {
		/* Back-pressure: the host's release wakes us, not the clock. */
		fw->deadline_ns = 0;
		return work;
	}
	for (i = 0; i < got; i++) {
		zc_src_fill(b[i].data, src.seq + (zc_u64)i, src.size);
		b[i].len = src.size;
	}
	zc_send_burst(&src_data.ch, b, (unsigned int)got);
	src.seq += (zc_u64)got;
	if (src.count && src.seq >= src.count) {
		src.running = 0;
		fw->deadline_ns = 0;
		src.reply = ZC_SRC_CMD_DONE;
		src.reply_status = 0;
		work += source_reply();
	}
	return work + got;
}

const struct zc_fw_app zc_fw_source_app = {
	.name = "source",
	.init = source_init,
	.poll = source_poll,
	.accept = 0,
};

// SPDX-License-Identifier: MIT
/*
 * fir - a DSP stage: float samples in on fir.data, filtered samples out on
 * the same channel, computed from the host's slot straight into ours (the
 * samples are never copied). Taps arrive on fir.ctl, fragmented if they
 * need more than one slot.
 */
#include "zc_fw.h"
#include "fir_core.h"
#include "fw_examples.h"

#define FIR_BURST 16

static struct zc_fw_chan fir_ctl, fir_data;
static struct zc_fir fir;
static union {
	struct zc_fir_taps hdr;
	zc_u8 bytes[sizeof(struct zc_fir_taps) + 8 * ZC_FIR_TAPS_MAX];
} fir_msg;
static struct zc_fir_status fir_reply;	/* cmd 0: nothing to send */

static int fir_init(struct zc_fw *fw)
{
	int rc = zc_fw_announce(fw, &fir_ctl, ZC_FIR_CTL_NAME, ZC_FIR_ADDR);

	if (rc < 0)
		return rc;
	return zc_fw_announce(fw, &fir_data, ZC_FIR_DATA_NAME, ZC_FIR_ADDR + 1);
}

static int fir_send_reply(void)
{
	struct zc_buf b;

	if (!fir_reply.cmd || !zc_fw_live(&fir_ctl))
		return 0;
	if (zc_fw_reserve(&fir_ctl, &b, 1) != 1)
		return 0;
	zc_fw_copy(b.data, &fir_reply, sizeof(fir_reply));
	b.len = sizeof(fir_reply);
	fir_reply.cmd = 0;
	zc_send_burst(&fir_ctl.ch, &b, 1);
	return 1;
}

static void fir_taps(int n)
{
	const struct zc_fir_taps *t = &fir_msg.hdr;
	zc_u32 w;

	fir_reply.cmd = ZC_FIR_CMD_TAPS;
	fir_reply.status = ZC_EINVAL;
	fir_reply.kind = fir.kind;
	fir_reply.ntaps = fir.ntaps;
	if (n < (int)sizeof(*t) || t->cmd != ZC_FIR_CMD_TAPS) {
		zc_fw_reject(&fir_ctl, "not a taps command");
		return;
	}
	w = t->kind == ZC_FIR_COMPLEX ? 8 : 4;
	if (t->ntaps == 0 || t->ntaps > ZC_FIR_TAPS_MAX ||
	    (zc_u32)n != sizeof(*t) + t->ntaps * w ||
	    zc_fir_set(&fir, t->kind, t->ntaps,
		       (const float *)(const void *)(t + 1)) < 0) {
		zc_fw_reject(&fir_ctl, "taps message inconsistent");
		return;
	}
	fir_reply.status = 0;
	fir_reply.kind = fir.kind;
	fir_reply.ntaps = fir.ntaps;
}

static int fir_ctl_poll(void)
{
	int n, work = fir_send_reply();

	/* A new request waits until the last answer is out. */
	while (!fir_reply.cmd) {
		n = zc_fw_recv_msg(&fir_ctl, fir_msg.bytes, sizeof(fir_msg));
		if (n == -ZC_EMSGSIZE) {
			fir_reply.cmd = ZC_FIR_CMD_TAPS;
			fir_reply.status = ZC_EMSGSIZE;
			fir_reply.kind = fir.kind;
			fir_reply.ntaps = fir.ntaps;
			work++;
			break;
		}
		if (n <= 0)
			break;
		fir_taps(n);
		work++;
	}
	return work + fir_send_reply();
}

static int fir_data_poll(void)
{
	zc_u32 ss = zc_fir_sample_size(&fir);
	int work = 0;

	while (work < FIR_BURST && zc_fw_live(&fir_data)) {
		/* GCC -O3 cannot see that recv and reserve fill them. */
		struct zc_buf in = { 0 }, out = { 0 };

		if (zc_rx_ready(&fir_data.ch) <= 0)
			break;
		if (zc_tx_ready(&fir_data.ch) <= 0) {
			fir_data.want_tx = 1;	/* back-pressure */
			break;
		}
		if (zc_recv_burst(&fir_data.ch, &in, 1) != 1)
			break;
		work++;
		if (!ss || in.len == 0 || in.len % ss) {
			zc_release_burst(&fir_data.ch, &in, 1);
			zc_fw_reject(&fir_data, ss ? "not a whole number of samples"
						   : "samples before any taps");
			continue;
		}
		/* A slot was free a moment ago and only we take them. */
		if (zc_fw_reserve(&fir_data, &out, 1) != 1) {
			zc_release_burst(&fir_data.ch, &in, 1);
			break;
		}
		zc_fir_run(&fir, (const float *)in.data, (float *)out.data,
			   in.len / ss);
		out.len = in.len;
		zc_release_burst(&fir_data.ch, &in, 1);
		zc_send_burst(&fir_data.ch, &out, 1);
	}
	return work;
}

static int fir_poll(struct zc_fw *fw)
{
	(void)fw;
	return fir_ctl_poll() + fir_data_poll();
}

const struct zc_fw_app zc_fw_fir_app = {
	.name = "fir",
	.init = fir_init,
	.poll = fir_poll,
	.accept = 0,
};

// SPDX-License-Identifier: MIT
/*
 * echo - every frame goes back to its sender, unchanged (latency tests,
 * interop). Two channels, so a test can break one and watch the other go on.
 */
#include "zc_fw.h"
#include "zc_fw_proto.h"
#include "fw_examples.h"

#define ECHO_BURST 16

static struct zc_fw_chan echo_chans[2];

static int echo_init(struct zc_fw *fw)
{
	int rc = zc_fw_announce(fw, &echo_chans[0], ZC_ECHO_NAME, ZC_ECHO_ADDR);

	if (rc < 0)
		return rc;
	return zc_fw_announce(fw, &echo_chans[1], ZC_ECHO2_NAME, ZC_ECHO_ADDR + 1);
}

/* Echo what both arrived and has a free slot to go back in. */
static int echo_chan_poll(struct zc_fw_chan *fc)
{
	struct zc_buf rx[ECHO_BURST], tx[ECHO_BURST];
	struct zc_desc d[ECHO_BURST];
	int in, room, n, i;

	if (!zc_fw_live(fc))
		return 0;
	in = zc_rx_ready(&fc->ch);
	if (in <= 0)
		return 0;
	room = zc_tx_ready(&fc->ch);
	if (room <= 0) {
		fc->want_tx = 1;	/* back-pressure: wait for our slots */
		return 0;
	}
	n = in < room ? in : room;
	if (n > ECHO_BURST)
		n = ECHO_BURST;
	/* Single consumer of both rings: what was ready is still there. */
	if (zc_fw_reserve(fc, tx, (unsigned int)n) != n)
		return 0;
	if (zc_recv_burst(&fc->ch, rx, (unsigned int)n) != n)
		return 0;	/* the host corrupted the ring: channel broken */
	for (i = 0; i < n; i++) {
		zc_fw_copy(tx[i].data, rx[i].data, rx[i].len);
		tx[i].len = rx[i].len;
		/* Keep the fragment flags: a fragmented message comes back whole. */
		zc__frame(&fc->ch, &tx[i], rx[i].flags & ZC_FRAME_KNOWN, &d[i]);
	}
	zc_release_burst(&fc->ch, rx, (unsigned int)n);
	/* Our reserved slots, at most the ring's size: it fits. */
	if (zc_ring_produce_bulk(&fc->ch.tx, d, (unsigned int)n) != n)
		return zc__break(&fc->ch, -ZC_EPROTO, "host consumer index out of range");
	fc->ch.stats.tx_msgs += (zc_u64)n;
	zc__notify(&fc->ch);
	return n;
}

static int echo_poll(struct zc_fw *fw)
{
	(void)fw;
	return echo_chan_poll(&echo_chans[0]) + echo_chan_poll(&echo_chans[1]);
}

const struct zc_fw_app zc_fw_echo_app = {
	.name = "echo",
	.init = echo_init,
	.poll = echo_poll,
	.serves = 0,
};

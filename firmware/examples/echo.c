// SPDX-License-Identifier: MIT
/*
 * echo - every frame goes back to its sender, unchanged (latency tests,
 * interop). Two channels, so a test can break one and watch the other go
 * on; a host that announces "echo" itself (zc ping) is served too.
 */
#include "zc_fw.h"
#include "zc_fw_proto.h"
#include "fw_examples.h"

#define ECHO_BURST 16

/* Two we announce, two for the host's own "echo"/"echo.b" (zc ping style). */
#define ECHO_CHANS 4
static struct zc_fw_chan echo_chans[ECHO_CHANS];

static int echo_init(struct zc_fw *fw)
{
	int rc = zc_fw_announce(fw, &echo_chans[0], ZC_ECHO_NAME, ZC_ECHO_ADDR);

	if (rc == 0)
		rc = zc_fw_announce(fw, &echo_chans[1], ZC_ECHO2_NAME,
				    ZC_ECHO_ADDR + 1);
	/* A region too small to announce in can still have the host's. */
	return rc == -ZC_FW_ENOSPC ? 0 : rc;
}

static struct zc_fw_chan *echo_accept(struct zc_fw *fw, const char *name,
				      zc_u32 *addr)
{
	int k;

	(void)fw;
	if (!zc_fw_strneq(name, ZC_ECHO_NAME, ZC_NAME_MAX) &&
	    !zc_fw_strneq(name, ZC_ECHO2_NAME, ZC_NAME_MAX))
		return 0;
	for (k = 2; k < ECHO_CHANS; k++)
		if (!echo_chans[k].open) {
			*addr = ZC_ECHO_ADDR + (zc_u32)k;
			return &echo_chans[k];
		}
	return 0;
}

/* Echo what both arrived and has a free slot to go back in. */
static int echo_chan_poll(struct zc_fw_chan *fc)
{
	struct zc_buf rx[ECHO_BURST], tx[ECHO_BURST];
	zc_u16 fl[ECHO_BURST];
	int in, room, n, i, rc;

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
		fl[i] = rx[i].flags & ZC_FRAME_KNOWN;
	}
	zc_release_burst(&fc->ch, rx, (unsigned int)n);
	/* Our reserved slots, in order (RING or SEQ): only a broken channel fails. */
	rc = zc__send_frames(&fc->ch, tx, fl, (unsigned int)n);
	return rc ? rc : n;
}

static int echo_poll(struct zc_fw *fw)
{
	int k, work = 0;

	(void)fw;
	for (k = 0; k < ECHO_CHANS; k++)
		work += echo_chan_poll(&echo_chans[k]);
	return work;
}

const struct zc_fw_app zc_fw_echo_app = {
	.name = "echo",
	.init = echo_init,
	.poll = echo_poll,
	.accept = echo_accept,
};

// SPDX-License-Identifier: MIT
/*
 * probe_loop.c - a send/recv loop over the inline data path, compiled
 * twice into probe_overhead: once as is (the USDT probes in dataplane.h
 * are nops) and once with -DZC_NO_PROBES, so both run in the same process
 * on the same memory and their ratio is the probes' cost.
 *
 * ZT_LOOP names the function each build defines.
 */
#include <zc/dataplane.h>

#include "probe_loop.h"

/*
 * Move @msgs messages of @len bytes from @tx to @rx in bursts of @burst:
 * reserve, fill the length, send, receive, release. Returns the messages
 * received, or a negative errno if the data path failed.
 */
long ZT_LOOP(zc_channel *tx, zc_channel *rx, long msgs, unsigned int burst,
	     uint32_t len)
{
	struct zc_buf out[ZC_BURST_MAX], in[ZC_BURST_MAX];
	long done = 0;

	if (burst == 0 || burst > ZC_BURST_MAX)
		return -ZC_EINVAL;
	while (done < msgs) {
		unsigned int want = burst;
		int got, i, n;

		if (msgs - done < (long)want)
			want = (unsigned int)(msgs - done);
		got = zc_reserve_burst(tx, out, want);
		if (got <= 0)
			return got < 0 ? got : -ZC_EAGAIN;
		for (i = 0; i < got; i++) {
			out[i].len = len;
			((volatile uint8_t *)out[i].data)[0] = (uint8_t)done;
		}
		n = zc_send_burst(tx, out, (unsigned int)got);
		if (n != got)
			return n < 0 ? n : -ZC_EPROTO;
		n = zc_recv_burst(rx, in, (unsigned int)got);
		if (n != got)
			return n < 0 ? n : -ZC_EPROTO;
		n = zc_release_burst(rx, in, (unsigned int)got);
		if (n != got)
			return n < 0 ? n : -ZC_EPROTO;
		done += got;
	}
	return done;
}

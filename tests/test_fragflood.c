// SPDX-License-Identifier: MIT
/*
 * A hostile peer that never lets a message end: after the first fragment
 * (MORE|TOTAL, total 100) it sends empty middle fragments (MORE|CONT, no
 * payload), always one more before the reader looks. Each is a valid frame
 * and adds nothing, so the message is never complete and never too long:
 * a zc_read() that looked at its deadline only when no frame was waiting
 * never returned. It must return -ETIMEDOUT within its timeout (keeping
 * what it has, as for a slow writer), -EAGAIN for timeout 0, and, once
 * the peer ends the message, read it whole.
 *
 * Deterministic: the "peer" sends its next fragment from inside the
 * reader's own clock_gettime() (interposed here; libzc asks the clock
 * before every wait), so the reader never finds the ring empty, however
 * the threads are scheduled. alarm() catches a hang; the calls take 300 ms.
 */
#include <sys/syscall.h>
#include <time.h>
#include "harness.h"

static zc_channel *flood_ch;	/* the peer's end, while it floods */
static pthread_t reader;
static int in_hook;

static int send_frame(zc_channel *ch, uint16_t fl, const void *p, uint32_t len)
{
	struct zc_buf b;

	if (zc_reserve_burst(ch, &b, 1) != 1)
		return -EAGAIN;
	memcpy(b.data, p, len);
	b.len = len;
	return zc__send_frames(ch, &b, &fl, 1);
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (flood_ch && !in_hook && pthread_equal(pthread_self(), reader)) {
		in_hook = 1;
		send_frame(flood_ch, ZC_FRAME_MORE | ZC_FRAME_CONT, "", 0);
		in_hook = 0;
	}
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

int main(void)
{
	struct zc_params p;
	zc_region *host, *remote;
	zc_channel *hch, *rch;
	uint8_t buf[256], first[16], rest[92];
	uint64_t total = 100;
	ssize_t n;
	int i;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	p.max_msg = 1 << 20;
	alarm(60);
	pair_open(test_name("fragflood"), &p, &host, &remote, &hch, &rch);
	memcpy(first, &total, 8);
	memset(first + 8, 'a', 8);
	CHECK_RC(send_frame(rch, ZC_FRAME_MORE | ZC_FRAME_TOTAL, first, 16), 0);
	reader = pthread_self();
	flood_ch = rch;
	CHECK_RC(zc_read(hch, buf, sizeof(buf), 300), -ETIMEDOUT);
	CHECK_RC(zc_read(hch, buf, sizeof(buf), 300), -ETIMEDOUT);
	CHECK_RC(zc_read(hch, buf, sizeof(buf), 0), -EAGAIN);
	flood_ch = NULL;
	printf("a flood of empty fragments: zc_read returns within its timeout\n");
	memset(rest, 'b', sizeof(rest));
	/* Behind the flood's last fragments: a poll takes them, freeing slots. */
	for (i = 0; send_frame(rch, ZC_FRAME_CONT, rest, sizeof(rest)); i++) {
		CHECK(i < 100);
		CHECK_RC(zc_read(hch, buf, sizeof(buf), 0), -EAGAIN);
	}
	/* What it had is kept: the whole message, once it ends. */
	n = zc_read(hch, buf, sizeof(buf), 5000);
	CHECK_RC(n, 100);
	for (i = 0; i < 100; i++)
		CHECK(buf[i] == (i < 8 ? 'a' : 'b'));
	printf("then ended: read whole\n");
	pair_close(host, remote, hch, rch);
	printf("OK\n");
	return 0;
}

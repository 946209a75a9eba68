// SPDX-License-Identifier: MIT
/*
 * A peer that changes a message's announced total after zc_read() sized
 * it: zc_read() looks at the first fragment (total 10: it fits the
 * caller's 64 bytes), then consumes it, and the peer has rewritten the
 * total in the slot meanwhile (to max_msg). zc_read() checked the bytes it
 * copied against the caller's buffer but kept the new total: a read that
 * then timed out allocated max_msg bytes for its stash (a 64-byte caller
 * made the library allocate up to 1 TiB, and wait forever when that
 * failed), and every later call said -EMSGSIZE. The total a consumed
 * first fragment announces must fit the buffer it was sized for, or the
 * channel is broken (-EPROTO: the peer changed a message after it was
 * sent).
 *
 * Deterministic: zc_recv() is interposed here (libzc's zc_read() calls it
 * through the PLT) and rewrites the slot just before the real one reads
 * it. The test checks the hook ran, so it cannot pass by missing it.
 */
#include <dlfcn.h>
#include "harness.h"

static zc_channel *victim;	/* the reader's channel, while armed */
static int hooked;

int zc_recv(zc_channel *ch, struct zc_buf *b, int timeout_ms)
{
	static int (*real)(zc_channel *, struct zc_buf *, int);

	if (!real)
		real = (int (*)(zc_channel *, struct zc_buf *, int))
			dlsym(RTLD_NEXT, "zc_recv");
	if (ch == victim) {
		/* The peer's slot the next frame is in: rewrite its total. */
		uint32_t s = ch->seq ? ch->rx.head & (ch->slots - 1) :
			     ch->rx.desc[ch->rx.head & ch->rx.mask].slot;
		uint8_t *p = ch->rx_base + ((size_t)s << ch->slot_shift);
		uint64_t total = 1ULL << 30;

		memcpy(p + ZC_FRAME_HDR_SIZE, &total, sizeof(total));
		victim = NULL;
		hooked = 1;
	}
	return real(ch, b, timeout_ms);
}

int main(void)
{
	struct zc_params p;
	zc_region *host, *remote;
	zc_channel *hch, *rch;
	uint8_t buf[64];
	ssize_t n;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	p.max_msg = 1ULL << 30;
	alarm(60);
	pair_open(test_name("totalswap"), &p, &host, &remote, &hch, &rch);
	/* The first fragment of a message, 8 bytes of it... */
	{
		struct zc_buf b;
		uint16_t fl = ZC_FRAME_MORE | ZC_FRAME_TOTAL;
		uint64_t total = 2000;

		CHECK_RC(zc_reserve(rch, &b, 1000), 0);
		memcpy(b.data, &total, sizeof(total));
		memset((uint8_t *)b.data + 8, 'm', 8);
		b.len = 16;
		CHECK_RC(zc__send_frames(rch, &b, &fl, 1), 0);
	}
	/* ...that the test makes say 10 for the look, then 2^30 for the take. */
	{
		uint32_t s = hch->seq ? hch->rx.head & (hch->slots - 1) :
			     hch->rx.desc[hch->rx.head & hch->rx.mask].slot;
		uint64_t ten = 10;

		memcpy(hch->rx_base + ((size_t)s << hch->slot_shift) +
		       ZC_FRAME_HDR_SIZE, &ten, sizeof(ten));
	}
	victim = hch;
	n = zc_read(hch, buf, sizeof(buf), 300);
	CHECK(hooked);
	printf("zc_read: %zd (%s)\n", n, n < 0 ? zc_strerror((int)n) : "");
	CHECK_RC(n, -EPROTO);
	CHECK(zc_channel_error(hch) != NULL);
	pair_close(host, remote, hch, rch);
	printf("OK\n");
	return 0;
}

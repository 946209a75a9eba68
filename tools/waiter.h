/* SPDX-License-Identifier: MIT */
/*
 * tools/waiter.h - how the CLI's loops wait for a region: the library's
 * three wait modes (busy, spin-then-sleep, sleep), or io_uring, where the
 * doorbell is a multishot poll in the tool's own struct io_uring
 * (zc/uring.h) - so "zc bench --wait uring" measures that path too.
 */
#ifndef ZC_TOOLS_WAITER_H
#define ZC_TOOLS_WAITER_H

#include <liburing.h>
#include <zc/zc.h>

enum tool_wait {
	TOOL_WAIT_BUSY,
	TOOL_WAIT_SPIN,
	TOOL_WAIT_SLEEP,
	TOOL_WAIT_URING,
};

/* "busy", "spin", "sleep", "uring"; prints a sentence on failure. */
int parse_tool_wait(const char *opt, const char *s, enum tool_wait *out);
const char *tool_wait_name(enum tool_wait w);

struct waiter {
	zc_region *r;
	enum tool_wait mode;
	struct io_uring ring;
	int have_ring;
};

/* Set @r's wait mode (io_uring: the library sleeps, we wait in our ring). */
int waiter_init(struct waiter *w, zc_region *r, enum tool_wait mode);
void waiter_fini(struct waiter *w);

/*
 * Wait until something may be ready anywhere in the region (a frame, slots
 * back for a sender that ran out, a peer change). 0, -ETIMEDOUT, -EPIPE
 * when the peer is gone, or another negative errno.
 */
int waiter_wait(struct waiter *w, int timeout_ms);

/* Wait for slots to reserve on @ch. */
int waiter_wait_tx(struct waiter *w, zc_channel *ch, int timeout_ms);

/* Receive one frame on @ch, waiting up to @timeout_ms. */
int waiter_recv(struct waiter *w, zc_channel *ch, struct zc_buf *b,
		int timeout_ms);

#endif /* ZC_TOOLS_WAITER_H */

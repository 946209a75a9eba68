/* SPDX-License-Identifier: MIT */
/* tools/waiter.c - waiting the library's way or io_uring's (waiter.h). */
#include "waiter.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <zc/uring.h>

#include "args.h"
#include "proc.h"

#define DOORBELL_TAG 0x7a63	/* user_data of the doorbell's completions */

static const char *const names[] = {
	[TOOL_WAIT_BUSY] = "busy",
	[TOOL_WAIT_SPIN] = "spin",
	[TOOL_WAIT_SLEEP] = "sleep",
	[TOOL_WAIT_URING] = "uring",
};

int parse_tool_wait(const char *opt, const char *s, enum tool_wait *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (s && !strcmp(s, names[i])) {
			*out = (enum tool_wait)i;
			return 0;
		}
	}
	zc_errorf("%s expects busy, spin, sleep or uring, not '%s'", opt,
		  s ? s : "");
	return -1;
}

const char *tool_wait_name(enum tool_wait w)
{
	return names[w];
}

/*
 * With one CPU to run on (and its peer likely on the same one), a spinning
 * side only keeps its peer off the CPU it needs: both lose the whole spin
 * on every hand-over (a 64-byte round trip costs 2 x 50 us instead of two
 * wake-ups). Then "spin" spins 1 ns. A process pinned on purpose to a CPU
 * of its own (zc bench, --cpu) is not in that case.
 */
static int single_cpu(void)
{
	cpu_set_t set;

	return !pinned_apart && sched_getaffinity(0, sizeof(set), &set) == 0 &&
	       CPU_COUNT(&set) < 2;
}

int waiter_init(struct waiter *w, zc_region *r, enum tool_wait mode)
{
	static const enum zc_wait_mode lib[] = {
		[TOOL_WAIT_BUSY] = ZC_WAIT_BUSY,
		[TOOL_WAIT_SPIN] = ZC_WAIT_SPIN_SLEEP,
		[TOOL_WAIT_SLEEP] = ZC_WAIT_SLEEP,
		/* The library's own rare waits (a full ring in zc_reserve)
		 * sleep on the doorbell; ours go through the ring. */
		[TOOL_WAIT_URING] = ZC_WAIT_SLEEP,
	};
	int rc;

	memset(w, 0, sizeof(*w));
	w->r = r;
	w->mode = mode;
	rc = zc_set_wait_mode(r, lib[mode],
			      mode == TOOL_WAIT_SPIN && single_cpu() ? 1 : 0);
	if (rc < 0 || mode != TOOL_WAIT_URING)
		return rc;
	rc = io_uring_queue_init(8, &w->ring, 0);
	if (rc < 0)
		return rc;
	w->have_ring = 1;
	rc = zc_uring_arm(r, &w->ring, DOORBELL_TAG);
	if (rc < 0)
		waiter_fini(w);
	return rc;
}

void waiter_fini(struct waiter *w)
{
	if (w->have_ring)
		io_uring_queue_exit(&w->ring);
	w->have_ring = 0;
}

static int uring_wait(struct waiter *w, int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int rc, err = 0;

	/* Ask for a kick and look once more: work may have just arrived. */
	rc = zc_uring_prepare_wait(w->r);
	if (rc)
		return rc > 0 ? 0 : rc;
	rc = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
	io_uring_for_each_cqe(&w->ring, head, cqe) {
		if (cqe->user_data == DOORBELL_TAG) {
			int h = zc_uring_handle(w->r, &w->ring, cqe);

			if (h < 0)
				err = h;
		}
		seen++;
	}
	io_uring_cq_advance(&w->ring, seen);
	zc_uring_done_wait(w->r);
	if (err)
		return err;
	if (rc == -ETIME)
		return -ETIMEDOUT;
	return rc < 0 && rc != -EINTR ? rc : 0;
}

int waiter_wait(struct waiter *w, int timeout_ms)
{
	if (w->mode == TOOL_WAIT_URING)
		return uring_wait(w, timeout_ms);
	return zc_region_wait(w->r, timeout_ms);
}

int waiter_wait_tx(struct waiter *w, zc_channel *ch, int timeout_ms)
{
	if (w->mode == TOOL_WAIT_URING)
		return uring_wait(w, timeout_ms);
	return zc_wait_tx(ch, timeout_ms);
}

int waiter_recv(struct waiter *w, zc_channel *ch, struct zc_buf *b,
		int timeout_ms)
{
	uint64_t deadline;
	int rc;

	if (w->mode != TOOL_WAIT_URING)
		return zc_recv(ch, b, timeout_ms);
	deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	for (;;) {
		uint64_t now;

		rc = zc_recv_burst(ch, b, 1);
		if (rc)
			return rc < 0 ? rc : 0;
		now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		rc = uring_wait(w, (int)((deadline - now + 999999) / 1000000));
		if (rc < 0 && rc != -ETIMEDOUT)
			return rc;
	}
}

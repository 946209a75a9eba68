/* SPDX-License-Identifier: MIT */
/*
 * zc_hal.h - what the firmware library needs from the core it runs on.
 *
 * Four things: a doorbell to the host (kick), a way to sleep until the
 * host's doorbell rings (wait), a clock (now_ns), and somewhere to say a
 * sentence (log). The region itself is handed to zc_fw_attach() as a base
 * address and a size: every address the data path uses is base + an offset
 * it computed from the validated geometry (a descriptor carries a slot
 * *number*, never an address), so the only translation a core needs is the
 * address at which its bus window shows region offset 0. A core that sees
 * the region through an MPU window or a remapped alias passes that alias.
 *
 * Barriers come from zc/env.h (the __atomic builtins: on Cortex-M they
 * become DMB, which also orders normal memory against the mailbox write
 * when the mailbox is in the Device memory region, as it is on every
 * Cortex-M memory map).
 *
 * A const ops table rather than link-time functions, so one image can hold
 * more than one link (the loopback self-test holds both ends of one).
 */
#ifndef ZC_HAL_H
#define ZC_HAL_H

#include <zc/env.h>

/* hal->wait() result when the timeout passed with no doorbell. */
#define ZC_FW_ETIMEDOUT 110

struct zc_hal {
	/* Ring the host's doorbell. Called only when the host asked for it. */
	void (*kick)(void *ctx);
	/*
	 * Sleep until our doorbell rings or @timeout_us passes (~0U: no
	 * timeout). 0 on a doorbell (or a spurious wakeup: callers re-check
	 * the rings), -ZC_FW_ETIMEDOUT, or -ZC_EPIPE when the host is gone.
	 */
	int (*wait)(void *ctx, zc_u32 timeout_us);
	/* Monotonic nanoseconds (for pacing; may wrap after centuries). */
	zc_u64 (*now_ns)(void *ctx);
	/* One line of text for a human (UART, semihosting, stderr); may be NULL. */
	void (*log)(void *ctx, const char *line);
};

#endif /* ZC_HAL_H */

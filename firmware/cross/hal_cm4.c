// SPDX-License-Identifier: MIT
/*
 * hal_cm4.c - the HAL of a Cortex-M4F remote core: the host's doorbell is
 * an interrupt that sets a flag, waiting is WFI with interrupts masked
 * around the check (so a doorbell between "nothing to do" and WFI still
 * wakes it: a pending interrupt ends WFI even while masked), kicking the
 * host is one store to the mailbox, time is a 1 kHz SysTick.
 */
#include "zc_hal.h"
#include "cm4.h"
#include "hal_cm4.h"

static volatile zc_u32 cm4_bell;
static volatile zc_u32 cm4_ms;

void zc_cm4_doorbell_irq(void)
{
	CM4_REG(ZC_CM4_MBOX_ACK) = 1;
	cm4_bell = 1;
}

void zc_cm4_systick(void)
{
	cm4_ms = cm4_ms + 1;
}

void zc_cm4_hal_init(void)
{
	CM4_REG(CM4_SYST_RVR) = ZC_CM4_HZ / 1000 - 1;
	CM4_REG(CM4_SYST_CVR) = 0;
	CM4_REG(CM4_SYST_CSR) = 7;	/* core clock, interrupt, enable */
	CM4_REG(CM4_NVIC_ISER0 + 4 * (ZC_CM4_DOORBELL_IRQ / 32)) =
		1u << (ZC_CM4_DOORBELL_IRQ % 32);
}

static void cm4_kick(void *ctx)
{
	(void)ctx;
	/* Device memory: the store is ordered after the DMB of the release. */
	__asm__ __volatile__("dmb" ::: "memory");
	CM4_REG(ZC_CM4_MBOX_KICK) = 1;
}

static int cm4_wait(void *ctx, zc_u32 timeout_us)
{
	zc_u32 start = cm4_ms, limit = timeout_us == ~0U ? ~0U :
				       (timeout_us + 999) / 1000;

	(void)ctx;
	for (;;) {
		__asm__ __volatile__("cpsid i" ::: "memory");
		if (cm4_bell) {
			cm4_bell = 0;
			__asm__ __volatile__("cpsie i" ::: "memory");
			return 0;
		}
		if (limit != ~0U && cm4_ms - start >= limit) {
			__asm__ __volatile__("cpsie i" ::: "memory");
			return -ZC_FW_ETIMEDOUT;
		}
		__asm__ __volatile__("wfi\n\tcpsie i\n\tisb" ::: "memory");
	}
}

static zc_u64 cm4_now_ns(void *ctx)
{
	(void)ctx;
	return (zc_u64)cm4_ms * 1000000u;
}

const struct zc_hal zc_cm4_hal = {
	.kick = cm4_kick,
	.wait = cm4_wait,
	.now_ns = cm4_now_ns,
	.log = 0,	/* a board with a UART sets one */
};

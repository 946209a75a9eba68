// SPDX-License-Identifier: MIT
/*
 * loopback_cm4.c - the loopback self-test as a Cortex-M4F image for QEMU
 * (mps2-an386): prints through ARM semihosting and leaves QEMU with exit
 * status 0 on success, 1 on failure. It also drives the Cortex-M4F HAL
 * itself: SysTick time, a WFI wait that times out, a doorbell interrupt
 * (pended through the NVIC, as the mailbox would) that ends a WFI wait, and
 * a kick that reaches the mailbox register. The image is built with the
 * mailbox registers in spare RAM (the board model has no mailbox).
 */
#include "zc_hal.h"
#include "cm4.h"
#include "hal_cm4.h"
#include "loopback.h"

#define SYS_WRITE0	0x04
#define SYS_EXIT	0x18
#define ADP_EXIT_OK	0x20026	/* ADP_Stopped_ApplicationExit */
#define ADP_EXIT_ERROR	0x20023	/* ADP_Stopped_RunTimeErrorUnknown */
#define CM4_NVIC_ISPR0	0xe000e200u

static int semihost(int op, const void *arg)
{
	register int r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ __volatile__("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

static void print_line(const char *line)
{
	semihost(SYS_WRITE0, line);
	semihost(SYS_WRITE0, "\n");
}

static int hal_check(int ok, const char *what)
{
	print_line(what);
	if (!ok)
		print_line("FAIL: Cortex-M4F HAL check above");
	return ok ? 0 : 1;
}

static int hal_checks(void)
{
	zc_u64 t0, t1;
	int fails = 0;

	zc_cm4_hal_init();
	t0 = zc_cm4_hal.now_ns(0);
	fails += hal_check(zc_cm4_hal.wait(0, 3000) == -ZC_FW_ETIMEDOUT,
			   "cm4 hal: WFI wait with no doorbell times out");
	t1 = zc_cm4_hal.now_ns(0);
	fails += hal_check(t1 - t0 >= 3000000u && t1 - t0 < 1000000000u,
			   "cm4 hal: SysTick clock advanced by the wait");
	/* The host's doorbell, as the mailbox would raise it. */
	CM4_REG(CM4_NVIC_ISPR0 + 4 * (ZC_CM4_DOORBELL_IRQ / 32)) =
		1u << (ZC_CM4_DOORBELL_IRQ % 32);
	fails += hal_check(zc_cm4_hal.wait(0, 100000) == 0 &&
			   CM4_REG(ZC_CM4_MBOX_ACK) == 1,
			   "cm4 hal: doorbell interrupt ends the wait and is acknowledged");
	CM4_REG(ZC_CM4_MBOX_KICK) = 0;
	zc_cm4_hal.kick(0);
	fails += hal_check(CM4_REG(ZC_CM4_MBOX_KICK) == 1,
			   "cm4 hal: kick writes the mailbox");
	return fails;
}

int main(void)
{
	int rc;

	rc = hal_checks();
	rc |= zc_fw_loopback(print_line);
	semihost(SYS_EXIT, (const void *)(size_t)(rc ? ADP_EXIT_ERROR : ADP_EXIT_OK));
	return rc;
}

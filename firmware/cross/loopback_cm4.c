// SPDX-License-Identifier: MIT
/*
 * loopback_cm4.c - the loopback self-test as a Cortex-M4F image for QEMU
 * (mps2-an386): prints through ARM semihosting and leaves QEMU with exit
 * status 0 on success, 1 on failure.
 */
#include <zc/env.h>
#include "loopback.h"

#define SYS_WRITE0	0x04
#define SYS_EXIT	0x18
#define ADP_EXIT_OK	0x20026	/* ADP_Stopped_ApplicationExit */
#define ADP_EXIT_ERROR	0x20023	/* ADP_Stopped_RunTimeErrorUnknown */

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

int main(void)
{
	int rc = zc_fw_loopback(print_line);

	semihost(SYS_EXIT, (const void *)(size_t)(rc ? ADP_EXIT_ERROR : ADP_EXIT_OK));
	return rc;
}

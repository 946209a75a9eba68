// SPDX-License-Identifier: MIT
/*
 * startup_cm4.c - reset and vectors for a Cortex-M4F: copy .data, clear
 * .bss, turn the FPU on (the FIR runs in single-precision hardware), call
 * main(). No C library.
 */
#include "cm4.h"

extern zc_u32 _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
void zc_cm4_reset(void);

static void cm4_hang(void)
{
	for (;;)
		__asm__ __volatile__("wfi");
}

void zc_cm4_reset(void)
{
	zc_u32 *s = _sidata, *d = _sdata;

	while (d < _edata)
		*d++ = *s++;
	for (d = _sbss; d < _ebss; d++)
		*d = 0;
	/* CP10/CP11 full access before the first float instruction. */
	CM4_REG(CM4_CPACR) |= 0xfU << 20;
	__asm__ __volatile__("dsb\n\tisb" ::: "memory");
	main();
	cm4_hang();
}

void zc_cm4_default_irq(void)
{
	cm4_hang();
}

/* Weak: an image without a doorbell (the loopback test) needs none. */
void zc_cm4_doorbell_irq(void) __attribute__((weak, alias("zc_cm4_default_irq")));
void zc_cm4_systick(void) __attribute__((weak, alias("zc_cm4_default_irq")));

typedef void (*cm4_vector)(void);

__attribute__((section(".isr_vector"), used))
const cm4_vector zc_cm4_vectors[16 + ZC_CM4_IRQS] = {
	[0] = (cm4_vector)(void *)_estack,
	[1] = zc_cm4_reset,
	[2] = zc_cm4_default_irq,		/* NMI */
	[3] = zc_cm4_default_irq,		/* HardFault */
	[4] = zc_cm4_default_irq,		/* MemManage */
	[5] = zc_cm4_default_irq,		/* BusFault */
	[6] = zc_cm4_default_irq,		/* UsageFault */
	[11] = zc_cm4_default_irq,		/* SVCall */
	[14] = zc_cm4_default_irq,		/* PendSV */
	[15] = zc_cm4_systick,
	[16 + ZC_CM4_DOORBELL_IRQ] = zc_cm4_doorbell_irq,
};

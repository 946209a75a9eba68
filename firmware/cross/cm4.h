/* SPDX-License-Identifier: MIT */
/*
 * cm4.h - the few Cortex-M4 system registers the firmware touches, and
 * the board glue a port sets: which interrupt the host's doorbell raises,
 * and which register rings the host. The defaults suit a generic board;
 * override them with -D for a real one (an IPCC, MU or mailbox block).
 */
#ifndef ZC_CM4_H
#define ZC_CM4_H

#include <zc/env.h>

#define CM4_REG(a)		(*(volatile zc_u32 *)(a))
#define CM4_CPACR		0xe000ed88u
#define CM4_SYST_CSR		0xe000e010u
#define CM4_SYST_RVR		0xe000e014u
#define CM4_SYST_CVR		0xe000e018u
#define CM4_NVIC_ISER0		0xe000e100u

#ifndef ZC_CM4_IRQS
#define ZC_CM4_IRQS		32
#endif
#ifndef ZC_CM4_DOORBELL_IRQ
#define ZC_CM4_DOORBELL_IRQ	0	/* the host's doorbell to us */
#endif
#ifndef ZC_CM4_MBOX_KICK
#define ZC_CM4_MBOX_KICK	0x40020000u /* write 1: interrupt the host */
#endif
#ifndef ZC_CM4_MBOX_ACK
#define ZC_CM4_MBOX_ACK		0x40020004u /* write 1: clear our doorbell */
#endif
#ifndef ZC_CM4_HZ
#define ZC_CM4_HZ		25000000u  /* core clock (mps2: 25 MHz) */
#endif

#endif /* ZC_CM4_H */

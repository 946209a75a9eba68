/* SPDX-License-Identifier: MIT */
/* hal_cm4.h - the Cortex-M4F HAL (doorbell interrupt, WFI, SysTick). */
#ifndef ZC_HAL_CM4_H
#define ZC_HAL_CM4_H

#include "zc_hal.h"

extern const struct zc_hal zc_cm4_hal;
void zc_cm4_hal_init(void);
void zc_cm4_doorbell_irq(void);
void zc_cm4_systick(void);

#endif /* ZC_HAL_CM4_H */

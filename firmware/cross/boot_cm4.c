// SPDX-License-Identifier: MIT
/*
 * boot_cm4.c - main() of an example firmware image on a Cortex-M4F: wait
 * for the host to format the shared window, attach, serve until the host
 * stops us or goes away, then wait for the next host.
 */
#include "zc_fw.h"
#include "fw_examples.h"
#include "hal_cm4.h"

#ifndef ZC_FW_APP
#error "define ZC_FW_APP to the application (zc_fw_echo_app, ...)"
#endif

extern zc_u8 __zc_region_start[], __zc_region_size[];

static struct zc_fw fw;

int main(void)
{
	zc_cm4_hal_init();
	for (;;) {
		int rc = zc_fw_attach(&fw, __zc_region_start,
				      (zc_u64)(size_t)__zc_region_size,
				      ZC_SIDE_REMOTE, &zc_cm4_hal, 0);

		if (rc == 0) {
			zc_fw_run(&fw, &ZC_FW_APP);
			zc_fw_detach(&fw);
		}
		/* No region yet, or the host left: look again in a while. */
		zc_cm4_hal.wait(0, 10000);
	}
}

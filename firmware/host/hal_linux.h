/* SPDX-License-Identifier: MIT */
/*
 * hal_linux.h - the emulated remote core's HAL: a Linux process attached
 * to a host's region through libzc (shm backend, or /dev/zcN in the remote
 * role). Kept apart from zc_fw.h: this half links libzc, whose zc__kick and
 * zc__break must not meet the firmware's (see zc_fw.h).
 */
#ifndef ZC_HAL_LINUX_H
#define ZC_HAL_LINUX_H

#include "zc_hal.h"

struct zc_hal_linux;

/* Attach to @uri as remote (waiting up to @timeout_ms). 0 or negative errno;
 * on failure a sentence is printed on stderr. */
int zc_hal_linux_open(const char *uri, int timeout_ms, const char *app,
		      struct zc_hal_linux **out);
void zc_hal_linux_close(struct zc_hal_linux *h);

/* The mapping and the ops table to hand to zc_fw_attach(). */
void *zc_hal_linux_base(const struct zc_hal_linux *h);
zc_u64 zc_hal_linux_size(const struct zc_hal_linux *h);
extern const struct zc_hal zc_hal_linux_ops;

#endif /* ZC_HAL_LINUX_H */

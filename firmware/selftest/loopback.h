/* SPDX-License-Identifier: MIT */
/* loopback.h - the firmware self-test: both ends of a region in one image. */
#ifndef ZC_FW_LOOPBACK_H
#define ZC_FW_LOOPBACK_H

/* Run every check, printing one line per step; 0 if all passed. */
int zc_fw_loopback(void (*print)(const char *line));

#endif /* ZC_FW_LOOPBACK_H */

/* SPDX-License-Identifier: MIT */
/* zc/crc32c.h - CRC32C (Castagnoli), for payload checks in tests and firmware. */
#ifndef ZC_CRC32C_H
#define ZC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Continue a CRC32C over @len bytes; start with crc = 0. Freestanding. */
uint32_t zc_crc32c(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* ZC_CRC32C_H */

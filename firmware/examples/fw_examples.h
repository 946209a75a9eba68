/* SPDX-License-Identifier: MIT */
/* fw_examples.h - the example applications, and the FIR kernel they share. */
#ifndef ZC_FW_EXAMPLES_H
#define ZC_FW_EXAMPLES_H

#include "zc_fw.h"

extern const struct zc_fw_app zc_fw_echo_app;
extern const struct zc_fw_app zc_fw_source_app;
extern const struct zc_fw_app zc_fw_fir_app;

/* Fill one source frame (header, pattern, CRC) in place. */
void zc_src_fill(void *payload, zc_u64 seq, zc_u32 size);

#endif /* ZC_FW_EXAMPLES_H */

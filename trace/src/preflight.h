/* SPDX-License-Identifier: MIT */
/* preflight.h - say clearly what the machine lacks before libbpf does. */
#ifndef ZT_PREFLIGHT_H
#define ZT_PREFLIGHT_H

#include <stddef.h>

/*
 * Each returns 0, or -1 with a sentence a person can act on in @why.
 */
int zt_check_privileges(char *why, size_t len);
int zt_check_bpf(char *why, size_t len);
int zt_check_uprobes(char *why, size_t len);
int zt_check_btf(char *why, size_t len);

#endif

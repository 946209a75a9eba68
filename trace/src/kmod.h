/* SPDX-License-Identifier: MIT */
/* kmod.h - find zc.ko's tracepoints and check their record layout. */
#ifndef ZT_KMOD_H
#define ZT_KMOD_H

#include <stddef.h>

/*
 * 1 if zc.ko is loaded and its tracepoints have the record layout
 * zc_trace.bpf.c reads; 0 if not, with a sentence in @why. Mounts tracefs
 * on /sys/kernel/tracing when the module is loaded and no tracefs is.
 */
int zt_kmod_usable(char *why, size_t len);

#endif

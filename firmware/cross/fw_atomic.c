// SPDX-License-Identifier: MIT
/*
 * fw_atomic.c - the one libatomic helper the shared headers need on ARMv7-M.
 *
 * zc_geom_validate() (zc/layout.h) reads the superblock's 64-bit fields
 * with zc_load_relaxed(); ARMv7-M has no 64-bit exclusive load (no
 * LDREXD), so GCC calls __atomic_load_8. Those fields are written once by
 * the host before it publishes the magic with a release store, and every
 * one is re-checked after reading, so two 32-bit loads suffice; masking
 * interrupts makes them atomic against this core's own handlers.
 */
#include <zc/env.h>

zc_u64 __atomic_load_8(const volatile void *p, int order);

zc_u64 __atomic_load_8(const volatile void *p, int order)
{
	const volatile zc_u32 *w = (const volatile zc_u32 *)p;
	zc_u32 primask, lo, hi;

	__asm__ __volatile__("mrs %0, primask\n\tcpsid i" : "=r"(primask) :: "memory");
	lo = w[0];
	hi = w[1];
	__asm__ __volatile__("msr primask, %0" :: "r"(primask) : "memory");
	if (order != __ATOMIC_RELAXED)
		__asm__ __volatile__("dmb" ::: "memory");
	return (zc_u64)hi << 32 | lo;
}

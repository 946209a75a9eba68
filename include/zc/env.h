/* SPDX-License-Identifier: MIT */
/*
 * zc/env.h - the per-environment primitives the shared ring/frame code needs.
 *
 * The ring, frame and fragment code (ring.h, frame.h, proto.h) is written
 * once and compiled in three homes: libzc (userspace), firmware/
 * (freestanding, no libc) and the kernel driver. This header is the only
 * place that differs between them: fixed-width types, acquire/release
 * accesses, and the full fence the need-wakeup handshake depends on.
 *
 * Userspace and firmware use the GCC/Clang __atomic builtins rather than
 * <stdatomic.h> types: they are what stdatomic lowers to, they work on
 * plain integers in a shared mapping, need no libatomic for 32-bit
 * accesses on Cortex-M, and also compile in the C++ benchmark harness.
 */
#ifndef ZC_ENV_H
#define ZC_ENV_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <asm/processor.h>
#include <linux/atomic.h>

typedef u8 zc_u8;
typedef u16 zc_u16;
typedef u32 zc_u32;
typedef u64 zc_u64;

#define zc_load_acquire(p)	smp_load_acquire(p)
#define zc_store_release(p, v)	smp_store_release(p, v)
#define zc_load_relaxed(p)	READ_ONCE(*(p))
#define zc_store_relaxed(p, v)	WRITE_ONCE(*(p), v)
#define zc_fence_full()		smp_mb()
#define zc_xchg(p, v)		xchg(p, v)
#define zc_likely(x)		likely(x)
#define zc_unlikely(x)		unlikely(x)
#define zc_cpu_relax()		cpu_relax()

#else /* userspace and freestanding firmware */

#include <stdint.h>
#include <stddef.h>

typedef uint8_t zc_u8;
typedef uint16_t zc_u16;
typedef uint32_t zc_u32;
typedef uint64_t zc_u64;

#define zc_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define zc_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define zc_load_relaxed(p)	__atomic_load_n(p, __ATOMIC_RELAXED)
#define zc_store_relaxed(p, v)	__atomic_store_n(p, v, __ATOMIC_RELAXED)
#define zc_xchg(p, v)		__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define zc_likely(x)		__builtin_expect(!!(x), 1)
#define zc_unlikely(x)		__builtin_expect(!!(x), 0)

#if defined(__SANITIZE_THREAD__)
#define ZC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZC_TSAN 1
#endif
#endif

#ifdef ZC_TSAN
/*
 * TSan does not model stand-alone fences (GCC even refuses them with
 * -Werror=tsan). A seq_cst read-modify-write is a full barrier on every
 * target we build for and is something TSan understands.
 */
static inline void zc_fence_full(void)
{
	static zc_u32 zc_fence_word;

	__atomic_fetch_add(&zc_fence_word, 0, __ATOMIC_SEQ_CST);
}
#else
#define zc_fence_full()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#if defined(__x86_64__) || defined(__i386__)
#define zc_cpu_relax()		__builtin_ia32_pause()
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH_7EM__))
#define zc_cpu_relax()		__asm__ __volatile__("yield" ::: "memory")
#else
#define zc_cpu_relax()		__asm__ __volatile__("" ::: "memory")
#endif

#endif /* __KERNEL__ */

/*
 * Read a 64-bit field of shared memory once, without needing 64-bit atomics
 * (a 32-bit core has none, and libatomic is not there freestanding). Used
 * only for values that are validated after reading, where a torn read is
 * just one more bad value.
 */
static inline zc_u64 zc_load_u64_once(const zc_u64 *p)
{
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ == 4
	const zc_u32 *w = (const zc_u32 *)p;

	return (zc_u64)zc_load_relaxed(&w[0]) |
	       ((zc_u64)zc_load_relaxed(&w[1]) << 32);
#else
	return zc_load_relaxed(p);
#endif
}

/*
 * Error numbers returned (negated) by the shared code. They equal Linux's
 * errno values so userspace and the kernel can pass them on unchanged;
 * the firmware has no errno.h, hence the copies.
 */
#define ZC_EAGAIN	11
#define ZC_EINVAL	22
#define ZC_EPIPE	32
#define ZC_EPROTO	71
#define ZC_EBADMSG	74
#define ZC_EMSGSIZE	90
#define ZC_EPROTONOSUPPORT 93
#define ZC_ECANCELED	125

#define ZC_CACHELINE 64

/*
 * USDT probes (see docs/trace.md): a single nop each when no tracer is
 * attached. Userspace only; -DZC_NO_PROBES compiles them out.
 */
#if !defined(__KERNEL__) && !defined(ZC_NO_PROBES) && defined(__has_include)
#if __has_include(<sys/sdt.h>) && defined(__linux__)
#include <sys/sdt.h>
#define ZC_PROBES 1
#define ZC_PROBE1(n, a)			DTRACE_PROBE1(zc, n, a)
#define ZC_PROBE2(n, a, b)		DTRACE_PROBE2(zc, n, a, b)
#define ZC_PROBE3(n, a, b, c)		DTRACE_PROBE3(zc, n, a, b, c)
#define ZC_PROBE4(n, a, b, c, d)	DTRACE_PROBE4(zc, n, a, b, c, d)
#endif
#endif
#ifndef ZC_PROBES
/* Compiled out, the arguments are still "used": no unused-variable warnings. */
#define ZC_PROBE1(n, a)			do { (void)(a); } while (0)
#define ZC_PROBE2(n, a, b)		do { (void)(a); (void)(b); } while (0)
#define ZC_PROBE3(n, a, b, c)		do { (void)(a); (void)(b); (void)(c); } while (0)
#define ZC_PROBE4(n, a, b, c, d)	do { (void)(a); (void)(b); (void)(c); (void)(d); } while (0)
#endif

#ifdef __cplusplus
#define ZC_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define ZC_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

#endif /* ZC_ENV_H */

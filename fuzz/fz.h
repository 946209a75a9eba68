/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fz.h - what the libFuzzer targets share: reading the fuzz input as
 * a stream of small integers, and the invariant checks (a failed one
 * aborts, which libFuzzer reports as a crash with the input saved).
 */
#ifndef ZC_FUZZ_FZ_H
#define ZC_FUZZ_FZ_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fuzz input, consumed from the front; zeros once it runs out. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline int fz_more(const struct fz_in *in)
{
	return in->n > 0;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	return (uint16_t)(fz_u8(in) | fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	return (uint32_t)fz_u16(in) | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	return (uint64_t)fz_u32(in) | (uint64_t)fz_u32(in) << 32;
}

/* Copy up to @n input bytes to @dst (the rest of @dst is left alone). */
static inline size_t fz_bytes(struct fz_in *in, void *dst, size_t n)
{
	if (n > in->n)
		n = in->n;
	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
	return n;
}

#define FZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s: ",	\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		abort();						\
	}								\
} while (0)

/*
 * An error a shared-memory path may return: a negative errno, and one of
 * those the API documents for a peer's misbehaviour or absence (anything
 * else, say -ENOMEM or a positive value, is a bug on a read path).
 */
static inline int fz_errno_ok(long rc)
{
	switch (-rc) {
	case EPROTO: case EBADMSG: case EMSGSIZE: case EINVAL: case EPIPE:
	case ETIMEDOUT: case EAGAIN: case EPROTONOSUPPORT: case ENOTCONN:
	case ENOENT: case EEXIST: case ENOSPC:
	case ECANCELED:	/* a message the sender aborted (ZC_FRAME_ABORT) */
		return 1;
	}
	return 0;
}

#define FZ_ERR(rc, what) FZ_ASSERT(fz_errno_ok(rc), "%s returned %ld", what, (long)(rc))

#endif /* ZC_FUZZ_FZ_H */

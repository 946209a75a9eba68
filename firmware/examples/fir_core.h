/* SPDX-License-Identifier: MIT */
/*
 * fir_core.h - a streaming FIR filter over float samples, real or complex,
 * freestanding. The firmware runs it from an rx slot straight into a tx
 * slot; the benchmark runs the very same code in one host thread to show
 * what the data plane costs.
 */
#ifndef ZC_FIR_CORE_H
#define ZC_FIR_CORE_H

#include "zc_fw_proto.h"

struct zc_fir {
	zc_u32 kind;		/* ZC_FIR_REAL or ZC_FIR_COMPLEX; 0: no taps yet */
	zc_u32 ntaps;
	float taps[2 * ZC_FIR_TAPS_MAX];
	/* The last ntaps-1 input samples, oldest first (zeros at the start). */
	float hist[2 * ZC_FIR_TAPS_MAX];
};

/* Load taps (interleaved re, im when complex) and clear the history.
 * Returns 0 or -ZC_EINVAL. */
int zc_fir_set(struct zc_fir *f, zc_u32 kind, zc_u32 ntaps, const float *taps);

/* Filter @n samples from @x into @y (distinct buffers), carrying history. */
void zc_fir_run(struct zc_fir *f, const float *x, float *y, zc_u32 n);

/* Bytes per sample of the loaded kind (0 if none). */
static inline zc_u32 zc_fir_sample_size(const struct zc_fir *f)
{
	return f->kind == ZC_FIR_COMPLEX ? 8 : f->kind == ZC_FIR_REAL ? 4 : 0;
}

#endif /* ZC_FIR_CORE_H */

// SPDX-License-Identifier: MIT
/*
 * fir_core.c - direct-form FIR, streaming across calls.
 *
 * Output sample i needs inputs i-ntaps+1 .. i. The ones from this call are
 * read in place from @x (a slot, for the firmware); older ones come from
 * the history kept from the previous call, so no input is copied into a
 * delay line.
 */
#include "fir_core.h"

int zc_fir_set(struct zc_fir *f, zc_u32 kind, zc_u32 ntaps, const float *taps)
{
	zc_u32 i, w = kind == ZC_FIR_COMPLEX ? 2 : 1;

	if ((kind != ZC_FIR_REAL && kind != ZC_FIR_COMPLEX) || ntaps == 0 ||
	    ntaps > ZC_FIR_TAPS_MAX)
		return -ZC_EINVAL;
	for (i = 0; i < ntaps * w; i++)
		f->taps[i] = taps[i];
	for (i = 0; i < 2 * ZC_FIR_TAPS_MAX; i++)
		f->hist[i] = 0.0f;
	f->kind = kind;
	f->ntaps = ntaps;
	return 0;
}

static void fir_real(const struct zc_fir *f, const float *x, float *y,
		     zc_u32 n)
{
	const float *h = f->taps, *old = f->hist;
	zc_u32 hl = f->ntaps - 1, i, k;

	for (i = 0; i < n; i++) {
		zc_u32 kx = i < hl ? i : hl;
		float acc = 0.0f;

		for (k = 0; k <= kx; k++)
			acc += h[k] * x[i - k];
		/* Taps past this call's first sample: old[hl - 1] is x[-1]. */
		for (; k <= hl; k++)
			acc += h[k] * old[hl + i - k];
		y[i] = acc;
	}
}

static void fir_complex(const struct zc_fir *f, const float *x, float *y,
			zc_u32 n)
{
	const float *h = f->taps, *old = f->hist;
	zc_u32 hl = f->ntaps - 1, i, k;

	for (i = 0; i < n; i++) {
		zc_u32 kx = i < hl ? i : hl;
		float re = 0.0f, im = 0.0f;

		for (k = 0; k <= kx; k++) {
			const float *s = &x[2 * (i - k)];

			re += h[2 * k] * s[0] - h[2 * k + 1] * s[1];
			im += h[2 * k] * s[1] + h[2 * k + 1] * s[0];
		}
		for (; k <= hl; k++) {
			const float *s = &old[2 * (hl + i - k)];

			re += h[2 * k] * s[0] - h[2 * k + 1] * s[1];
			im += h[2 * k] * s[1] + h[2 * k + 1] * s[0];
		}
		y[2 * i] = re;
		y[2 * i + 1] = im;
	}
}

/* Keep the last ntaps-1 samples of (history, x) as the new history. */
static void fir_keep(struct zc_fir *f, const float *x, zc_u32 n)
{
	zc_u32 w = f->kind == ZC_FIR_COMPLEX ? 2 : 1;
	zc_u32 hl = (f->ntaps - 1) * w, nn = n * w, i;

	if (nn >= hl) {
		for (i = 0; i < hl; i++)
			f->hist[i] = x[nn - hl + i];
		return;
	}
	for (i = 0; i < hl - nn; i++)
		f->hist[i] = f->hist[i + nn];
	for (i = 0; i < nn; i++)
		f->hist[hl - nn + i] = x[i];
}

void zc_fir_run(struct zc_fir *f, const float *x, float *y, zc_u32 n)
{
	if (f->kind == ZC_FIR_COMPLEX)
		fir_complex(f, x, y, n);
	else
		fir_real(f, x, y, n);
	fir_keep(f, x, n);
}

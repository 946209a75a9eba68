// SPDX-License-Identifier: MIT
/*
 * test_fw_fir - the fir firmware as an emulated remote core: long streams
 * of real and complex samples, in frames of every size, many in flight,
 * come back filtered as a double-precision reference on the host says, to
 * float tolerance; taps travel fragmented when they need several slots;
 * new taps restart the filter.
 *   test_fw_fir PATH-TO-zc-fw-fir
 */
#include <math.h>
#include "fw_harness.h"

struct stream {
	uint32_t kind, ntaps, w;	/* w: floats per sample */
	float taps[2 * ZC_FIR_TAPS_MAX];
	float *in;			/* every input sample, for the reference */
	uint64_t n;
};

static uint32_t rng = 12345;

static float frand(void)
{
	rng = rng * 1664525u + 1013904223u;
	return (float)((int32_t)(rng >> 8) - (1 << 23)) / (float)(1 << 23);
}

static void load_taps(zc_channel *ctl, struct stream *s, uint32_t kind,
		      uint32_t ntaps)
{
	size_t len = sizeof(struct zc_fir_taps) + ntaps * 4 * (kind == ZC_FIR_COMPLEX ? 2 : 1);
	struct zc_fir_taps *t = calloc(1, len);
	struct zc_fir_status st;
	ssize_t n;

	REQUIRE(t, "malloc");
	s->kind = kind;
	s->ntaps = ntaps;
	s->w = kind == ZC_FIR_COMPLEX ? 2 : 1;
	t->cmd = ZC_FIR_CMD_TAPS;
	t->kind = kind;
	t->ntaps = ntaps;
	for (uint32_t i = 0; i < ntaps * s->w; i++)
		s->taps[i] = ((float *)(t + 1))[i] = frand() / (float)ntaps * 4;
	n = zc_write(ctl, t, len, 5000);
	REQUIRE(n == (ssize_t)len, "taps write: %s", zc_strerror((int)n));
	n = zc_read(ctl, &st, sizeof(st), 5000);
	REQUIRE(n == (ssize_t)sizeof(st), "taps reply: %s", zc_strerror((int)n));
	CHECK(st.status == 0 && st.ntaps == ntaps && st.kind == kind,
	      "taps refused: status %u ntaps %u kind %u", st.status, st.ntaps, st.kind);
	free(t);
}

/* Worst |error| over the stream, relative to the filter's gain bound. */
static double compare(const struct stream *s, const float *out)
{
	double gain = 0, worst = 0;

	for (uint32_t k = 0; k < s->ntaps * s->w; k++)
		gain += fabs(s->taps[k]);
	for (uint64_t i = 0; i < s->n; i++) {
		double re = 0, im = 0;

		for (uint64_t k = 0; k < s->ntaps && k <= i; k++) {
			const float *x = &s->in[(i - k) * s->w];
			const float *h = &s->taps[k * s->w];

			if (s->w == 1) {
				re += (double)h[0] * x[0];
			} else {
				re += (double)h[0] * x[0] - (double)h[1] * x[1];
				im += (double)h[0] * x[1] + (double)h[1] * x[0];
			}
		}
		worst = fmax(worst, fabs(re - out[i * s->w]));
		if (s->w == 2)
			worst = fmax(worst, fabs(im - out[i * s->w + 1]));
	}
	return worst / gain;
}

/* Stream @nsamples through fir.data in frames of 1..max samples. */
static void run_stream(zc_channel *data, struct stream *s, uint64_t nsamples)
{
	uint32_t ss = 4 * s->w, max = 0;
	uint64_t sent = 0, got = 0;
	float *out;
	double err;

	s->n = nsamples;
	s->in = malloc(nsamples * ss);
	out = malloc(nsamples * ss);
	REQUIRE(s->in && out, "malloc");
	for (uint64_t i = 0; i < nsamples * s->w; i++)
		s->in[i] = frand();
	while (got < nsamples) {
		struct zc_buf b[8];
		int n, i;

		/* One slot at a time, so none is reserved past the stream's end. */
		for (i = 0; i < 8 && sent < nsamples; i++) {
			uint32_t cnt;

			n = zc_reserve_burst(data, &b[i], 1);
			REQUIRE(n >= 0, "reserve: %s", zc_strerror(n));
			if (n == 0)
				break;

			max = b[i].cap / ss;
			cnt = (uint32_t)((sent * 2654435761u) % max) + 1;
			if (cnt > nsamples - sent)
				cnt = (uint32_t)(nsamples - sent);
			memcpy(b[i].data, &s->in[sent * s->w], cnt * ss);
			b[i].len = cnt * ss;
			sent += cnt;
		}
		if (i > 0)
			REQUIRE(zc_send_burst(data, b, (unsigned)i) == i, "send");
		n = zc_recv_burst(data, b, 8);
		REQUIRE(n >= 0, "recv: %s", zc_strerror(n));
		if (n == 0 && (sent == nsamples || !zc_tx_ready(data))) {
			int rc = zc_wait_rx(data, 10000);

			REQUIRE(rc == 0, "fir stalled at %llu of %llu: %s",
				(unsigned long long)got, (unsigned long long)nsamples,
				zc_strerror(rc));
		}
		for (i = 0; i < n; i++) {
			uint32_t cnt = b[i].len / ss;

			REQUIRE(b[i].len % ss == 0 && got + cnt <= nsamples,
				"output frame of %u bytes", b[i].len);
			memcpy(&out[got * s->w], b[i].data, b[i].len);
			got += cnt;
		}
		if (n > 0)
			zc_release_burst(data, b, (unsigned)n);
	}
	err = compare(s, out);
	CHECK(err < 2e-6, "%s FIR, %u taps, %llu samples: worst error %.3g of the gain",
	      s->w == 2 ? "complex" : "real", s->ntaps,
	      (unsigned long long)nsamples, err);
	printf("%s FIR, %u taps, %llu samples: worst error %.3g of the gain\n",
	       s->w == 2 ? "complex" : "real", s->ntaps,
	       (unsigned long long)nsamples, err);
	free(s->in);
	free(out);
}

int main(int argc, char **argv)
{
	static struct stream s;
	struct zc_fw_chan_report rep;
	struct zc_params p;
	struct fw_proc f;
	zc_channel *ctl, *data;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-zc-fw-fir\n", argv[0]);
		return 1;
	}
	fw_deadline(280);
	zc_params_default(&p);
	p.slot_size = 1024;	/* 200 complex taps need two fragments */
	p.slots = 16;
	p.max_msg = 1 << 16;
	fw_start(&f, argv[1], &p, NULL);
	ctl = fw_open(&f, ZC_FIR_CTL_NAME, 0x3000);
	data = fw_open(&f, ZC_FIR_DATA_NAME, 0x3001);

	load_taps(ctl, &s, ZC_FIR_REAL, 64);
	run_stream(data, &s, 300000);
	load_taps(ctl, &s, ZC_FIR_COMPLEX, 200);
	run_stream(data, &s, 60000);
	load_taps(ctl, &s, ZC_FIR_REAL, 1);
	run_stream(data, &s, 5000);
	load_taps(ctl, &s, ZC_FIR_COMPLEX, 7);
	run_stream(data, &s, 100000);

	rep = fw_report(&f, ZC_FIR_DATA_NAME);
	CHECK(rep.rx_msgs == rep.tx_msgs && rep.rejected == 0 && rep.broken == 0,
	      "fir.data counters: rx %llu tx %llu rejected %u broken %u",
	      (unsigned long long)rep.rx_msgs, (unsigned long long)rep.tx_msgs,
	      rep.rejected, rep.broken);
	fw_stop(&f);
	return fw_result("test_fw_fir");
}

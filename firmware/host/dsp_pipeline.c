// SPDX-License-Identifier: MIT
/*
 * zc-dsp-pipeline - a DSP data pipeline through the fir firmware, zero-copy
 * both ways: the source block writes samples straight into reserved slots,
 * the firmware filters them from our slot into its own, and the sink block
 * reads the filtered samples in place before releasing the slot. Reports
 * samples/s and per-frame end-to-end latency, checks the output against a
 * reference, and runs the very same FIR code (fir_core.c) in this one
 * thread with no data plane, to show what the data plane costs.
 *
 *   zc-dsp-pipeline [--fw PATH] [--samples N] [--taps T] [--frame S]
 *                   [--complex] [--inflight K] [--busy | --sleep] [--uring]
 *                   [--check-every M]
 *
 * --busy: both sides spin (lowest latency, two cores); --sleep: both sleep
 * on their doorbells whenever they wait (the CPU figures then show the
 * work, not the spinning); default: spin a little, then sleep. --uring: the
 * host waits in its own io_uring (as a framework's event loop would), with
 * zc's doorbell armed in it, instead of in zc_wait_rx().
 *
 * Exit status 0 when every checked sample matched the reference (77 when
 * --uring is asked for and the kernel has no io_uring).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zc/zc.h>
#include <zc/uring.h>
#include "fir_core.h"

#define URING_TAG 0x7a63	/* our doorbell's completions in the app's ring */

extern char **environ;

struct opts {
	const char *fw;
	uint64_t samples;
	uint32_t taps, frame, inflight, check_every;
	int complex, busy, sleep, uring;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Input sample @i, component @c: a function of the index, so the checker
 * can recompute any stretch of input without keeping the stream. */
static float input(uint64_t i, uint32_t c)
{
	uint64_t z = (i * 2 + c + 1) * 0x9e3779b97f4a7c15ULL;

	z ^= z >> 29;
	z *= 0xbf58476d1ce4e5b9ULL;
	z ^= z >> 32;
	return (float)((int32_t)(z >> 40) - (1 << 23)) / (float)(1 << 23);
}

static void fill(float *x, uint64_t first, uint32_t n, uint32_t w)
{
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < w; c++)
			x[i * w + c] = input(first + i, c);
}

/* |output - reference| / gain for sample @i (double-precision reference). */
static double check_sample(const float *taps, uint32_t ntaps, uint32_t w,
			   uint64_t i, const float *y, double gain)
{
	double re = 0, im = 0;

	for (uint64_t k = 0; k < ntaps && k <= i; k++) {
		const float *h = &taps[k * w];
		float x0 = input(i - k, 0), x1 = w == 2 ? input(i - k, 1) : 0;

		if (w == 1) {
			re += (double)h[0] * x0;
		} else {
			re += (double)h[0] * x0 - (double)h[1] * x1;
			im += (double)h[0] * x1 + (double)h[1] * x0;
		}
	}
	return fmax(fabs(re - y[0]), w == 2 ? fabs(im - y[1]) : 0) / gain;
}

/*
 * Wait for the firmware the way an event-loop framework would: zc's doorbell
 * is one more completion source in the application's ring.
 */
static int uring_wait(zc_region *r, struct io_uring *ring)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int rc = zc_uring_prepare_wait(r);

	if (rc)
		return rc < 0 ? rc : 0;	/* work arrived meanwhile: do not sleep */
	rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, NULL);
	zc_uring_done_wait(r);
	if (rc < 0)
		return rc == -ETIME ? -ETIMEDOUT : rc;
	rc = 0;
	io_uring_for_each_cqe(ring, head, cqe) {
		seen++;
		if (cqe->user_data == URING_TAG && !rc)
			rc = zc_uring_handle(r, ring, cqe);
	}
	io_uring_cq_advance(ring, seen);
	return rc;
}

static double cpu_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: zc-dsp-pipeline [--fw PATH] [--samples N] [--taps T] "
		"[--frame S] [--complex] [--inflight K] [--busy | --sleep] [--uring] [--check-every M]\n");
	exit(2);
}

static void parse(struct opts *o, int argc, char **argv)
{
	static char self_dir_fw[PATH_MAX];
	ssize_t n;

	o->fw = NULL;
	o->samples = 10000000;
	o->taps = 64;
	o->frame = 1024;
	o->inflight = 16;
	o->check_every = 61;
	o->complex = o->busy = o->sleep = o->uring = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--complex"))
			o->complex = 1;
		else if (!strcmp(a, "--busy"))
			o->busy = 1, o->sleep = 0;
		else if (!strcmp(a, "--sleep"))
			o->sleep = 1, o->busy = 0;
		else if (!strcmp(a, "--uring"))
			o->uring = 1;
		else if (!v)
			usage();
		else if (!strcmp(a, "--fw"))
			o->fw = v, i++;
		else if (!strcmp(a, "--samples"))
			o->samples = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--taps"))
			o->taps = (uint32_t)strtoul(v, NULL, 0), i++;
		else if (!strcmp(a, "--frame"))
			o->frame = (uint32_t)strtoul(v, NULL, 0), i++;
		else if (!strcmp(a, "--inflight"))
			o->inflight = (uint32_t)strtoul(v, NULL, 0), i++;
		else if (!strcmp(a, "--check-every"))
			o->check_every = (uint32_t)strtoul(v, NULL, 0), i++;
		else
			usage();
	}
	if (o->taps == 0 || o->taps > ZC_FIR_TAPS_MAX || o->frame == 0 ||
	    o->frame > 8192 || o->inflight == 0 || o->inflight > 64 ||
	    o->samples == 0 || o->check_every == 0) {
		fprintf(stderr, "zc-dsp-pipeline: taps 1..%u, frame 1..8192 samples, "
			"inflight 1..64, samples and check-every at least 1\n",
			ZC_FIR_TAPS_MAX);
		exit(2);
	}
	if (!o->fw) {
		/* Default: the fir firmware built beside this program. */
		n = readlink("/proc/self/exe", self_dir_fw, sizeof(self_dir_fw) - 16);
		if (n > 0) {
			self_dir_fw[n] = 0;
			strcpy(strrchr(self_dir_fw, '/') + 1, "zc-fw-fir");
			o->fw = self_dir_fw;
		}
	}
}

/* The same filter, same frames, one host thread, no data plane: samples/s
 * (and the CPU seconds it took in *@cpu). */
static double baseline(const struct opts *o, const float *taps, double *cpu)
{
	uint32_t w = o->complex ? 2 : 1;
	static struct zc_fir fir;
	float *x = malloc(o->frame * w * 4), *y = malloc(o->frame * w * 4);
	volatile float sink = 0;
	double t0;

	if (!x || !y)
		exit(1);
	zc_fir_set(&fir, o->complex ? ZC_FIR_COMPLEX : ZC_FIR_REAL, o->taps, taps);
	t0 = now_s();
	*cpu = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	for (uint64_t s = 0; s < o->samples; s += o->frame) {
		uint32_t n = o->samples - s < o->frame ? (uint32_t)(o->samples - s) : o->frame;

		fill(x, s, n, w);
		zc_fir_run(&fir, x, y, n);
		sink += y[0];
	}
	t0 = now_s() - t0;
	*cpu = cpu_s(CLOCK_THREAD_CPUTIME_ID) - *cpu;
	(void)sink;
	free(x);
	free(y);
	return (double)o->samples / t0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct zc_params p;
	zc_region *r;
	zc_channel *ctl, *data, *mgmt;
	uint32_t w, ss, slot = 256;
	float taps[2 * ZC_FIR_TAPS_MAX];
	char uri[64];
	pid_t pid;
	double gain = 0, worst = 0, t0, el, base = 0, *lat, *sent_at;
	double host_cpu, fw_cpu, base_cpu;
	struct io_uring ring;
	struct rusage ru;
	uint64_t in = 0, out = 0, frames = 0, back = 0, checked = 0, nframes;
	int rc, st, fail = 0;

	parse(&o, argc, argv);
	w = o.complex ? 2 : 1;
	ss = 4 * w;
	while (slot - ZC_FRAME_HDR_SIZE < o.frame * ss)
		slot <<= 1;
	for (uint32_t i = 0; i < o.taps * w; i++) {
		taps[i] = input(UINT64_MAX / 2 + i, 0) / (float)o.taps * 2;
		gain += fabs(taps[i]);
	}
	nframes = (o.samples + o.frame - 1) / o.frame;
	lat = calloc(nframes, sizeof(*lat));
	sent_at = calloc(nframes, sizeof(*sent_at));
	if (!lat || !sent_at)
		return 1;

	if (o.uring) {
		rc = io_uring_queue_init(8, &ring, 0);
		if (rc == -ENOSYS || rc == -EPERM) {
			/* A sandbox without io_uring: nothing to test here (skip). */
			fprintf(stderr, "zc-dsp-pipeline: io_uring is not available: %s\n",
				strerror(-rc));
			return 77;
		}
		if (rc) {
			fprintf(stderr, "zc-dsp-pipeline: cannot set up io_uring: %s\n",
				strerror(-rc));
			return 1;
		}
	}
	zc_params_default(&p);
	p.slot_size = slot;
	p.slots = o.inflight < 16 ? 16 : o.inflight;
	p.channels = 8;
	p.max_msg = 1 << 20;
	snprintf(uri, sizeof(uri), "dsp.%d", (int)getpid());
	rc = zc_create(uri, &p, &r);
	if (rc < 0) {
		fprintf(stderr, "zc-dsp-pipeline: cannot create region: %s\n", zc_strerror(rc));
		return 1;
	}
	{
		char *args[] = { (char *)o.fw, (char *)"--quiet",
				 (char *)(o.busy ? "--busy" : o.sleep ? "--sleep" : "--spin"),
				 (char *)"20000", uri, NULL };

		if (o.busy || o.sleep)
			args[3] = uri, args[4] = NULL;
		rc = o.fw ? posix_spawn(&pid, o.fw, NULL, NULL, args, environ) : ENOENT;
		if (rc) {
			fprintf(stderr, "zc-dsp-pipeline: cannot start the fir firmware %s: %s\n",
				o.fw ? o.fw : "(none)", strerror(rc));
			return 1;
		}
	}
	if (o.busy)
		zc_set_wait_mode(r, ZC_WAIT_BUSY, 0);
	else if (o.sleep)
		zc_set_wait_mode(r, ZC_WAIT_SLEEP, 0);
	rc = zc_wait_peer(r, 10000);
	if (!rc)
		rc = zc_channel_open(r, "fir.ctl", 0x10, 10000, &ctl);
	if (!rc)
		rc = zc_channel_open(r, "fir.data", 0x11, 10000, &data);
	if (!rc)
		rc = zc_channel_open(r, ZC_FW_MGMT_NAME, 0x12, 10000, &mgmt);
	if (rc) {
		fprintf(stderr, "zc-dsp-pipeline: the fir firmware did not come up: %s\n",
			zc_strerror(rc));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return 1;
	}
	{
		size_t len = sizeof(struct zc_fir_taps) + o.taps * ss;
		struct zc_fir_taps *t = calloc(1, len);
		struct zc_fir_status fs;

		t->cmd = ZC_FIR_CMD_TAPS;
		t->kind = o.complex ? ZC_FIR_COMPLEX : ZC_FIR_REAL;
		t->ntaps = o.taps;
		memcpy(t + 1, taps, o.taps * ss);
		if (zc_write(ctl, t, len, 5000) != (ssize_t)len ||
		    zc_read(ctl, &fs, sizeof(fs), 5000) != (ssize_t)sizeof(fs) ||
		    fs.status) {
			fprintf(stderr, "zc-dsp-pipeline: the firmware refused the taps\n");
			return 1;
		}
		free(t);
	}

	if (o.uring) {
		rc = zc_uring_arm(r, &ring, URING_TAG);
		if (rc) {
			fprintf(stderr, "zc-dsp-pipeline: cannot arm the doorbell in io_uring: %s\n",
				zc_strerror(rc));
			return 1;
		}
	}

	/* The pipeline: at most @inflight frames between source and sink. */
	t0 = now_s();
	host_cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	while (out < o.samples) {
		struct zc_buf b[16];
		int n, i;

		/* Source block: samples are generated in the slot itself. */
		while (in < o.samples && frames - back < o.inflight) {
			uint32_t cnt = o.samples - in < o.frame ? (uint32_t)(o.samples - in) : o.frame;

			if (zc_reserve_burst(data, b, 1) != 1)
				break;
			fill(b[0].data, in, cnt, w);
			b[0].len = cnt * ss;
			sent_at[frames++] = now_s();
			zc_send_burst(data, b, 1);
			in += cnt;
		}
		/* Sink block: read the filtered samples where they landed. */
		n = zc_recv_burst(data, b, 16);
		if (n < 0) {
			fprintf(stderr, "zc-dsp-pipeline: %s\n", zc_channel_error(data));
			return 1;
		}
		if (n == 0) {
			rc = o.uring ? uring_wait(r, &ring) : zc_wait_rx(data, 10000);
			if (rc) {
				fprintf(stderr, "zc-dsp-pipeline: stalled at sample %llu: %s\n",
					(unsigned long long)out, zc_strerror(rc));
				return 1;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			uint32_t cnt = b[i].len / ss;
			const float *y = b[i].data;

			lat[back] = now_s() - sent_at[back];
			back++;
			for (uint64_t s = out; s < out + cnt; s++) {
				if (s % o.check_every)
					continue;
				worst = fmax(worst, check_sample(taps, o.taps, w, s,
								 &y[(s - out) * w], gain));
				checked++;
			}
			out += cnt;
		}
		zc_release_burst(data, b, (unsigned)n);
	}
	el = now_s() - t0;
	host_cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - host_cpu;

	{
		struct zc_fw_req q = { .cmd = ZC_FW_CMD_STOP };

		zc_write(mgmt, &q, sizeof(q), 5000);
		zc_read(mgmt, &q, sizeof(q), 5000);
		waitpid(pid, &st, 0);
	}
	/* The firmware's whole life: setup is small next to the stream. */
	getrusage(RUSAGE_CHILDREN, &ru);
	fw_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
		 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	base = baseline(&o, taps, &base_cpu);
	qsort(lat, nframes, sizeof(*lat), cmp_double);
	fail = worst > 2e-6;
	printf("zc-dsp-pipeline: %s FIR, %u taps, %u-sample frames, %u in flight, %s%s\n",
	       o.complex ? "complex" : "real", o.taps, o.frame, o.inflight,
	       o.busy ? "busy-poll" : o.sleep ? "sleep" : "spin-then-sleep",
	       o.uring ? ", host waits in io_uring" : "");
	printf("  pipeline: %llu samples in %.3f s = %.2f Msamples/s\n",
	       (unsigned long long)o.samples, el, o.samples / el / 1e6);
	printf("  latency per frame (send to filtered frame back): p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       lat[nframes / 2] * 1e6, lat[nframes * 99 / 100] * 1e6, lat[nframes - 1] * 1e6);
	printf("  same FIR, one host thread, no data plane: %.2f Msamples/s; pipeline/baseline = %.2f\n",
		       base / 1e6, o.samples / el / base);
	printf("  CPU: host %.3f s + firmware %.3f s = %.1f ns/sample; one thread, no data plane: %.1f ns/sample; cpu ratio %.2f\n",
	       host_cpu, fw_cpu, (host_cpu + fw_cpu) / o.samples * 1e9,
	       base_cpu / o.samples * 1e9, (host_cpu + fw_cpu) / base_cpu);
	printf("  checked %llu samples against the double-precision reference: worst error %.3g of the gain: %s\n",
	       (unsigned long long)checked, worst, fail ? "FAIL" : "ok");
	zc_close(r);
	if (o.uring)
		io_uring_queue_exit(&ring);
	free(lat);
	free(sent_at);
	return fail || !WIFEXITED(st) || WEXITSTATUS(st) ? 1 : 0;
}

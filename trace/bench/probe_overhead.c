// SPDX-License-Identifier: MIT
/*
 * probe_overhead - what the USDT probes cost the data path when nobody
 * traces it: the same send/recv loop built with and without the probes,
 * run alternately in one process on the same channels, reported as the
 * ratio of the medians (timings on a shared VM are noisy; a ratio measured
 * side by side is not).
 *
 * With --wait it prints its pid and waits for SIGUSR1 before running, so a
 * tracer can attach first (the trace tests use it as a known workload).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe_loop.h"

/* The inline data path's two slow paths: never reached in this loop
 * (nobody sleeps, so nobody asks for a kick), except on a bug. */
void zc__kick(zc_channel *ch)
{
	(void)ch;
}

int zc__break(zc_channel *ch, int err, const char *why)
{
	ch->broken = err;
	ch->why = why;
	return err;
}

struct loopback {
	uint8_t *base;
	struct zc_geom g;
	zc_channel host, remote;
	uint8_t *owned[4];
};

/* One channel of a private region, bound as both sides in this process. */
static int loopback_init(struct loopback *lb, uint32_t slot_size, uint32_t slots)
{
	int i;

	memset(lb, 0, sizeof(*lb));
	if (zc_geom_compute(&lb->g, slot_size, slots, 2, 1 << 20, 4096))
		return -EINVAL;
	lb->base = aligned_alloc(4096, lb->g.region_size);
	if (!lb->base)
		return -ENOMEM;
	memset(lb->base, 0, lb->g.region_size);
	for (i = 0; i < 4; i++) {
		lb->owned[i] = calloc(slots, 1);
		if (!lb->owned[i])
			return -ENOMEM;
	}
	zc_chan_reset(lb->base, &lb->g, 0);
	zc_chan_bind(&lb->host, lb->base, &lb->g, 0, ZC_SIDE_HOST,
		     lb->owned[0], lb->owned[1]);
	zc_chan_bind(&lb->remote, lb->base, &lb->g, 0, ZC_SIDE_REMOTE,
		     lb->owned[2], lb->owned[3]);
	return 0;
}

static void loopback_free(struct loopback *lb)
{
	int i;

	for (i = 0; i < 4; i++)
		free(lb->owned[i]);
	free(lb->base);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void usage(FILE *f)
{
	fputs("usage: probe_overhead [--msgs N] [--rounds R] [--burst B] [--len BYTES]\n"
	      "                      [--only probes|noprobes] [--wait]\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "msgs", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "len", required_argument, NULL, 'l' },
		{ "only", required_argument, NULL, 'o' },
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long msgs = 1000000, rounds = 11, burst = 1, len = 64;
	int only = 0, wait_sig = 0, c, r;	/* only: 1 probes, 2 noprobes */
	double *t_on, *t_off;
	struct loopback lb;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'n': msgs = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 'b': burst = atol(optarg); break;
		case 'l': len = atol(optarg); break;
		case 'o':
			only = strcmp(optarg, "probes") == 0 ? 1 :
			       strcmp(optarg, "noprobes") == 0 ? 2 : -1;
			break;
		case 'w': wait_sig = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (msgs <= 0 || rounds <= 0 || burst <= 0 || burst > ZC_BURST_MAX ||
	    len < 0 || len > 256 - (long)ZC_FRAME_HDR_SIZE || only < 0) {
		usage(stderr);
		return 1;
	}
	if (loopback_init(&lb, 256, 64)) {
		fprintf(stderr, "probe_overhead: out of memory\n");
		return 1;
	}
	if (wait_sig) {
		sigset_t set, old;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, &old);
		signal(SIGUSR1, on_usr1);
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		while (!go)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	t_on = calloc((size_t)rounds, sizeof(double));
	t_off = calloc((size_t)rounds, sizeof(double));
	if (!t_on || !t_off)
		return 1;
	for (r = 0; r < rounds; r++) {
		double t0;
		long got;

		if (only != 2) {
			t0 = now_ns();
			got = zt_loop_probes(&lb.host, &lb.remote, msgs,
					     (unsigned int)burst, (uint32_t)len);
			t_on[r] = (now_ns() - t0) / (double)msgs;
			if (got != msgs)
				goto broken;
		}
		if (only != 1) {
			t0 = now_ns();
			got = zt_loop_noprobes(&lb.host, &lb.remote, msgs,
					       (unsigned int)burst, (uint32_t)len);
			t_off[r] = (now_ns() - t0) / (double)msgs;
			if (got != msgs)
				goto broken;
		}
	}
	qsort(t_on, (size_t)rounds, sizeof(double), cmp_double);
	qsort(t_off, (size_t)rounds, sizeof(double), cmp_double);
	if (only == 1)
		printf("burst %ld: probes %.2f ns/msg (median of %ld rounds of %ld)\n",
		       burst, t_on[rounds / 2], rounds, msgs);
	else if (only == 2)
		printf("burst %ld: no probes %.2f ns/msg (median of %ld rounds of %ld)\n",
		       burst, t_off[rounds / 2], rounds, msgs);
	else
		printf("burst %ld: probes %.2f ns/msg, no probes %.2f ns/msg (medians of %ld alternating rounds of %ld): ratio %.3f\n",
		       burst, t_on[rounds / 2], t_off[rounds / 2], rounds, msgs,
		       t_on[rounds / 2] / t_off[rounds / 2]);
	free(t_on);
	free(t_off);
	loopback_free(&lb);
	return 0;
broken:
	fprintf(stderr, "probe_overhead: the data path failed: %s\n",
		lb.host.why ? lb.host.why : lb.remote.why ? lb.remote.why : "?");
	return 1;
}

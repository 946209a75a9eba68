// SPDX-License-Identifier: MIT
/*
 * probe_overhead - what the USDT probes cost the data path when nobody
 * traces it: the same send/recv loop built with and without the probes,
 * run in rotation in one process on the same channels, reported as the
 * ratio of the medians (timings on a shared VM are noisy; a ratio measured
 * side by side much less). A second copy without probes gives the A/A
 * ratio: how far two identical loops differ by placement alone, the noise
 * floor to read the probes' ratio against. overhead.py repeats this over
 * several processes.
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

/*
 * This thread's CPU time, not wall time: on a shared 2-core VM the loop is
 * descheduled now and then, and that would land on whichever variant ran.
 */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run variant @which (0 probes, 1 no probes, 2 no probes again) once. */
static int timed(int which, struct loopback *lb, long msgs, long burst,
		 long len, double *ns_per_msg)
{
	static long (*const loops[3])(zc_channel *, zc_channel *, long,
				      unsigned int, uint32_t) = {
		zt_loop_probes, zt_loop_noprobes, zt_loop_control,
	};
	double t0 = now_ns();
	long got = loops[which](&lb->host, &lb->remote, msgs,
				(unsigned int)burst, (uint32_t)len);

	*ns_per_msg = (now_ns() - t0) / (double)msgs;
	return got == msgs ? 0 : -1;
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
	double *t_on, *t_off, *t_ctl, m_on, m_off, m_ctl;
	int k;
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
	t_ctl = calloc((size_t)rounds, sizeof(double));
	if (!t_on || !t_off || !t_ctl)
		return 1;
	for (r = 0; r < rounds; r++) {
		/* Rotate the order so no variant always runs first (warm). */
		for (k = 0; k < 3; k++) {
			int which = (r + k) % 3;

			if ((only == 1 && which != 0) || (only == 2 && which != 1))
				continue;
			if (timed(which, &lb, msgs, burst, len,
				  which == 0 ? &t_on[r] : which == 1 ?
				  &t_off[r] : &t_ctl[r]))
				goto broken;
		}
	}
	qsort(t_on, (size_t)rounds, sizeof(double), cmp_double);
	qsort(t_off, (size_t)rounds, sizeof(double), cmp_double);
	qsort(t_ctl, (size_t)rounds, sizeof(double), cmp_double);
	m_on = t_on[rounds / 2];
	m_off = t_off[rounds / 2];
	m_ctl = t_ctl[rounds / 2];
	if (only == 1)
		printf("burst %ld: probes %.2f ns/msg (median of %ld rounds of %ld)\n",
		       burst, m_on, rounds, msgs);
	else if (only == 2)
		printf("burst %ld: no probes %.2f ns/msg (median of %ld rounds of %ld)\n",
		       burst, m_off, rounds, msgs);
	else
		printf("burst %ld: probes %.2f, no probes %.2f, no probes again %.2f ns/msg "
		       "(medians of %ld rotating rounds of %ld): "
		       "probes/no-probes %.3f, noise floor (A/A) %.3f\n",
		       burst, m_on, m_off, m_ctl, rounds, msgs, m_on / m_off,
		       m_ctl / m_off);
	free(t_on);
	free(t_off);
	free(t_ctl);
	loopback_free(&lb);
	return 0;
broken:
	fprintf(stderr, "probe_overhead: the data path failed: %s\n",
		lb.host.why ? lb.host.why : lb.remote.why ? lb.remote.why : "?");
	return 1;
}

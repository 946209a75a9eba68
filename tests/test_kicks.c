// SPDX-License-Identifier: MIT
/*
 * Need-wakeup suppression: streaming 1M messages to a consumer that keeps
 * polling costs far fewer doorbells than messages, and none are lost: a
 * consumer that sleeps between bursts is always woken (the stream would
 * stall otherwise and the test time out).
 */
#include "harness.h"

#define N 1000000ULL

static const char *region;
static int mode;

static int consumer(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b[32];
	uint64_t got = 0;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_set_wait_mode(r, (enum zc_wait_mode)mode, 0), 0);
	CHECK_RC(zc_channel_open(r, "k", 2, 5000, &ch), 0);
	check_chan_mode(ch);
	while (got < N) {
		int n = zc_recv_burst(ch, b, 32), i;

		CHECK(n >= 0);
		if (!n) {
			CHECK_RC(zc_wait_rx(ch, 10000), 0);
			continue;
		}
		for (i = 0; i < n; i++) {
			CHECK(b[i].len == 64);
			CHECK(*(uint64_t *)b[i].data == got);
			got++;
		}
		CHECK_RC(zc_release_burst(ch, b, (unsigned int)n), n);
	}
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

static void run(enum zc_wait_mode m, const char *what)
{
	struct zc_params p;
	struct zc_region_stats st;
	zc_region *r;
	zc_channel *ch;
	uint64_t sent = 0;
	pid_t pid;

	region = test_name(what);
	mode = (int)m;
	zc_params_default(&p);
	p.slot_size = 256;
	p.slots = 256;
	p.channels = 2;
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_set_wait_mode(r, m, 0), 0);
	CHECK_RC(zc_channel_create(r, "k", 1, &ch), 0);
	check_chan_mode(ch);
	pid = spawn(consumer, NULL);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	while (sent < N) {
		struct zc_buf b[32];
		unsigned int want = N - sent < 32 ? (unsigned int)(N - sent) : 32;
		int n = zc_reserve_burst(ch, b, want), i;

		CHECK(n >= 0);
		if (!n) {
			CHECK_RC(zc_wait_tx(ch, 10000), 0);
			continue;
		}
		for (i = 0; i < n; i++) {
			memset(b[i].data, 0, 64);
			*(uint64_t *)b[i].data = sent++;
			b[i].len = 64;
		}
		CHECK_RC(zc_send_burst(ch, b, (unsigned int)n), n);
	}
	CHECK(reap(pid) == 0);
	zc_region_stats(r, &st);
	printf("kicks (%s): %llu messages, %llu kicks from the producer, %llu sleeps\n",
	       what, (unsigned long long)N, (unsigned long long)st.kicks_sent,
	       (unsigned long long)st.sleeps);
	if (m == ZC_WAIT_BUSY)
		/* A consumer that never sleeps never asks for a kick. */
		CHECK(st.kicks_sent == 0);
	else if (m == ZC_WAIT_SPIN_SLEEP)
		CHECK(st.kicks_sent < N / 10);
	else
		CHECK(st.kicks_sent < N);
	zc_channel_close(ch);
	zc_close(r);
}

int main(void)
{
	run(ZC_WAIT_BUSY, "busy");
	run(ZC_WAIT_SPIN_SLEEP, "spin");
	/* Sleeping at once: the most kicks, still no lost wake-up. */
	run(ZC_WAIT_SLEEP, "sleep");
	printf("kicks: ok\n");
	return 0;
}

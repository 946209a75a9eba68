// SPDX-License-Identifier: MIT
/*
 * Losing a peer: a remote killed mid-stream is noticed by the host within a
 * second (blocked in a wait, or streaming), frames it had already sent are
 * still delivered, in-flight frames to it are counted, its slots are
 * reclaimed, and a new remote attaches and streams on the same channel. A
 * host that dies is noticed by its remote the same way. A second remote is
 * turned away while one is attached.
 */
#include "harness.h"

static const char *region;

/* Remote: send @arg frames, then stream-receive until killed. */
static int remote_victim(void *arg)
{
	long sends = (long)arg, i;
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;

	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_channel_open(r, "p", 2, 5000, &ch), 0);
	check_chan_mode(ch);
	for (i = 0; i < sends; i++) {
		CHECK_RC(zc_reserve(ch, &b, 5000), 0);
		*(long *)b.data = i;
		b.len = sizeof(long);
		CHECK_RC(zc_send(ch, &b), 0);
	}
	for (;;) {
		/* Receive and release a little, slowly, so the host's ring fills. */
		int rc = zc_recv(ch, &b, 5000);

		if (rc == 0) {
			usleep(1000);
			zc_release(ch, &b);
		} else if (rc != -ETIMEDOUT) {
			return 0;	/* the host is gone: so are we */
		}
	}
	return 0;
}

/* Remote: echo one message back, then check the host's death is noticed. */
static int remote_survivor(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	uint64_t t0;
	int rc;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_channel_open(r, "p", 2, 5000, &ch), 0);
	CHECK_RC(zc_recv(ch, &b, 5000), 0);
	CHECK_RC(zc_release(ch, &b), 0);
	CHECK_RC(zc_reserve(ch, &b, 5000), 0);
	b.len = 0;
	CHECK_RC(zc_send(ch, &b), 0);
	/* The host now kills itself; we must notice while blocked in a wait. */
	t0 = (uint64_t)time(NULL);
	rc = zc_wait_rx(ch, 10000);
	CHECK_RC(rc, -EPIPE);
	CHECK((uint64_t)time(NULL) - t0 <= 2);
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

static int second_remote(void *arg)
{
	zc_region *other;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &other), -EBUSY);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int host_that_dies(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;

	(void)arg;
	CHECK_RC(zc_create(region, NULL, &r), 0);
	CHECK_RC(zc_channel_create(r, "p", 1, &ch), 0);
	check_chan_mode(ch);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	CHECK_RC(zc_reserve(ch, &b, 5000), 0);
	b.len = 1;
	CHECK_RC(zc_send(ch, &b), 0);
	CHECK_RC(zc_recv(ch, &b, 5000), 0);
	kill(getpid(), SIGKILL);
	return 1;
}

int main(void)
{
	struct zc_params p;
	struct zc_region_stats st;
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	pid_t pid, pid2;
	double t0, noticed;
	long got = 0;
	int rc, i, sent = 0;

	region = test_name("peer");
	zc_params_default(&p);
	p.slot_size = 512;
	p.slots = 16;
	p.channels = 2;
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_channel_create(r, "p", 1, &ch), 0);

	/* 1. The victim sends 5 frames; we fill its ring, then kill it. */
	pid = spawn(remote_victim, (void *)5L);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	/* A second remote is turned away while this one is attached. */
	pid2 = spawn(second_remote, NULL);
	while (waitpid(pid2, &rc, WNOHANG) == 0) {
		CHECK(zc_peer_alive(r));	/* also answers callers */
		usleep(1000);
	}
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	while (zc_reserve(ch, &b, 0) == 0) {
		b.len = 8;
		CHECK_RC(zc_send(ch, &b), 0);
		sent++;
	}
	CHECK(sent > 0);
	/* Let the victim's frames arrive (10 s at most), then kill it. */
	for (i = 0; zc_rx_ready(ch) < 5; i++) {
		CHECK(i < 10000);
		usleep(1000);
	}
	kill(pid, SIGKILL);
	t0 = now_s();
	CHECK(reap(pid) == 128 + SIGKILL);
	/* Its five frames are still delivered; then the loss is reported. */
	for (;;) {
		rc = zc_recv(ch, &b, 5000);
		if (rc)
			break;
		CHECK(*(long *)b.data == got);
		got++;
		CHECK_RC(zc_release(ch, &b), 0);
	}
	noticed = now_s() - t0;
	CHECK_RC(rc, -EPIPE);
	CHECK(got == 5);
	CHECK(noticed < 5.0);	/* ~1 ms here; margin for loaded TCG */
	printf("peer: killed remote noticed after %.1f ms, its %ld frames delivered first\n",
	       noticed * 1e3, got);
	CHECK(!zc_peer_alive(r));
	/*
	 * Sending to a lost peer: the slots it released before it died may
	 * still be taken (they are counted as discarded at the next reset),
	 * then -EPIPE, never a hang.
	 */
	for (i = 0; (rc = zc_reserve(ch, &b, 2000)) == 0; i++) {
		CHECK(i < (int)p.slots);
		b.len = 8;
		CHECK_RC(zc_send(ch, &b), 0);
		sent++;
	}
	CHECK_RC(rc, -EPIPE);

	/* 2. A new remote attaches: all slots are ours again. */
	pid = spawn(remote_victim, (void *)3L);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	zc_region_stats(r, &st);
	CHECK(st.peer_resets == 1);
	CHECK(st.frames_discarded > 0 && st.frames_discarded <= (uint64_t)sent);
	printf("peer: new remote attached; %llu frames the dead one never took were counted\n",
	       (unsigned long long)st.frames_discarded);
	CHECK(zc_tx_ready(ch) == (int)p.slots);
	for (got = 0; got < 3; got++) {
		CHECK_RC(zc_recv(ch, &b, 5000), 0);
		CHECK(*(long *)b.data == got);
		CHECK_RC(zc_release(ch, &b), 0);
	}
	/* While the victim is busy, we stream to it and kill it mid-stream. */
	{
		for (i = 0; i < 8; i++) {
			CHECK_RC(zc_reserve(ch, &b, 5000), 0);
			b.len = 8;
			CHECK_RC(zc_send(ch, &b), 0);
		}
	}
	kill(pid, SIGKILL);
	t0 = now_s();
	for (;;) {
		rc = zc_reserve(ch, &b, 5000);
		if (rc)
			break;
		b.len = 8;
		CHECK_RC(zc_send(ch, &b), 0);
	}
	noticed = now_s() - t0;
	CHECK_RC(rc, -EPIPE);
	CHECK(noticed < 5.0);	/* ~1 ms here; margin for loaded TCG */
	reap(pid);
	printf("peer: remote killed mid-stream noticed by the sender after %.1f ms\n",
	       noticed * 1e3);
	zc_channel_close(ch);
	zc_close(r);

	/* 3. The host dies; the remote notices. */
	region = test_name("peer2");
	pid = spawn(host_that_dies, NULL);
	usleep(100000);
	pid2 = spawn(remote_survivor, NULL);
	CHECK(reap(pid2) == 0);
	CHECK(reap(pid) == 128 + SIGKILL);
	printf("peer: ok\n");
	return 0;
}

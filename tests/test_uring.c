// SPDX-License-Identifier: MIT
/*
 * io_uring mode: the host waits on two channels and a pipe of its own with
 * one io_uring_submit_and_wait(), through a multishot poll armed by libzc,
 * and answers each message with its kicks queued on the same ring. The
 * remote sleeps between messages, so every exchange needs both doorbells;
 * a lost kick would stall the test into its timeout.
 */
#include <liburing.h>
#include "zc/uring.h"
#include "harness.h"

#define ROUNDS 2000
#define TAG_PIPE 0x91
#define TAG_BELL 0xbe11

static const char *region;
static int pipefd[2];

static int remote_main(void *arg)
{
	zc_region *r;
	zc_channel *a, *b;
	int i;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_set_wait_mode(r, ZC_WAIT_SLEEP, 0), 0);
	CHECK_RC(zc_channel_open(r, "a", 2, 5000, &a), 0);
	CHECK_RC(zc_channel_open(r, "b", 2, 5000, &b), 0);
	check_chan_mode(b);
	for (i = 0; i < ROUNDS; i++) {
		zc_channel *ch = (i & 1) ? b : a;
		struct zc_buf m;

		CHECK_RC(zc_reserve(ch, &m, 5000), 0);
		*(int *)m.data = i;
		m.len = sizeof(int);
		CHECK_RC(zc_send(ch, &m), 0);
		if (i % 100 == 0)
			CHECK(write(pipefd[1], "x", 1) == 1);
		/* The reply comes on the same channel. */
		CHECK_RC(zc_recv(ch, &m, 5000), 0);
		CHECK(*(int *)m.data == -i);
		CHECK_RC(zc_release(ch, &m), 0);
	}
	zc_channel_close(a);
	zc_channel_close(b);
	zc_close(r);
	return 0;
}

static int serve(zc_channel *ch)
{
	struct zc_buf m, reply;
	int n = 0;

	while (zc_recv_burst(ch, &m, 1) == 1) {
		int v = *(int *)m.data;

		CHECK_RC(zc_release(ch, &m), 0);
		CHECK_RC(zc_reserve(ch, &reply, 5000), 0);
		*(int *)reply.data = -v;
		reply.len = sizeof(int);
		CHECK_RC(zc_send(ch, &reply), 0);
		n++;
	}
	return n;
}

static int remote_sleeper(void *arg)
{
	zc_region *r;
	zc_channel *ch;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_channel_open(r, "a", 2, 5000, &ch), 0);
	pause();	/* until killed */
	return 0;
}

static pid_t killer_target;

static int killer(void *arg)
{
	(void)arg;
	usleep(200000);
	kill(killer_target, SIGKILL);
	return 0;
}

/* A peer killed while we sleep in io_uring ends the wait with -EPIPE. */
static void test_peer_death(void)
{
	struct io_uring ring;
	struct zc_params p;
	zc_region *r;
	zc_channel *a;
	pid_t pid, kpid;
	uint64_t t0;
	int rc = 0;

	region = test_name("uring-death");
	CHECK(io_uring_queue_init(8, &ring, 0) == 0);
	zc_params_default(&p);
	p.slot_size = 256;
	p.slots = 8;
	p.channels = 2;
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_channel_create(r, "a", 1, &a), 0);
	check_chan_mode(a);
	pid = spawn(remote_sleeper, NULL);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	CHECK_RC(zc_uring_arm(r, &ring, TAG_BELL), 0);
	killer_target = pid;
	kpid = spawn(killer, NULL);
	t0 = (uint64_t)time(NULL);
	while (rc == 0) {
		struct io_uring_cqe *cqe;

		rc = zc_uring_prepare_wait(r);
		if (rc)
			break;
		CHECK(io_uring_submit_and_wait(&ring, 1) >= 0);
		CHECK(io_uring_peek_cqe(&ring, &cqe) == 0);
		CHECK(cqe->user_data == TAG_BELL);
		rc = zc_uring_handle(r, &ring, cqe);
		io_uring_cqe_seen(&ring, cqe);
		zc_uring_done_wait(r);
	}
	CHECK_RC(rc, -EPIPE);
	CHECK((uint64_t)time(NULL) - t0 <= 2);
	CHECK(reap(kpid) == 0);
	CHECK(reap(pid) == 128 + SIGKILL);
	printf("uring: a peer killed while we slept in io_uring ended the wait with -EPIPE\n");
	zc_channel_close(a);
	zc_close(r);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	struct io_uring ring;
	struct zc_params p;
	zc_region *r;
	zc_channel *a, *b;
	struct zc_region_stats st;
	char pbuf[64];
	int served = 0, pipe_reads = 0, rc;
	pid_t pid;

	region = test_name("uring");
	if (io_uring_queue_init(64, &ring, 0) < 0)
		SKIP("io_uring is not available here");
	CHECK(pipe(pipefd) == 0);
	zc_params_default(&p);
	p.slot_size = 256;
	p.slots = 8;
	p.channels = 4;
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_channel_create(r, "a", 1, &a), 0);
	CHECK_RC(zc_channel_create(r, "b", 1, &b), 0);
	pid = spawn(remote_main, NULL);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	rc = zc_uring_arm(r, &ring, TAG_BELL);
	if (rc == -EOPNOTSUPP)
		SKIP("this kernel has no multishot poll");
	CHECK_RC(rc, 0);
	CHECK_RC(zc_uring_kick_via(r, &ring), 0);
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_read(sqe, pipefd[0], pbuf, sizeof(pbuf), 0);
		io_uring_sqe_set_data64(sqe, TAG_PIPE);
	}
	while (served < ROUNDS) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;

		served += serve(a);
		served += serve(b);
		if (served == ROUNDS)
			break;
		rc = zc_uring_prepare_wait(r);
		CHECK(rc >= 0);
		if (rc > 0) {
			/* Our replies' kicks are queued: get them out. */
			CHECK(io_uring_submit(&ring) >= 0);
			continue;
		}
		CHECK(io_uring_submit_and_wait(&ring, 1) >= 0);
		io_uring_for_each_cqe(&ring, head, cqe) {
			if (cqe->user_data == TAG_BELL) {
				CHECK_RC(zc_uring_handle(r, &ring, cqe), 0);
			} else if (cqe->user_data == TAG_PIPE) {
				struct io_uring_sqe *sqe;

				CHECK(cqe->res > 0);
				pipe_reads++;
				sqe = io_uring_get_sqe(&ring);
				io_uring_prep_read(sqe, pipefd[0], pbuf, sizeof(pbuf), 0);
				io_uring_sqe_set_data64(sqe, TAG_PIPE);
			} else {
				/* Only failed kick writes complete (CQE_SKIP_SUCCESS). */
				fprintf(stderr, "kick write failed: %d\n", cqe->res);
				return 1;
			}
			seen++;
		}
		io_uring_cq_advance(&ring, seen);
		zc_uring_done_wait(r);
	}
	CHECK(io_uring_submit(&ring) >= 0);	/* the last reply's kick */
	CHECK(reap(pid) == 0);
	zc_region_stats(r, &st);
	printf("uring: %d requests served from one io_uring wait loop, %d pipe reads "
	       "in the same loop, %llu kicks sent through io_uring\n", served,
	       pipe_reads, (unsigned long long)st.kicks_sent);
	CHECK(pipe_reads > 0);
	CHECK(st.kicks_sent > 0);
	zc_channel_close(a);
	zc_channel_close(b);
	zc_close(r);
	io_uring_queue_exit(&ring);
	test_peer_death();
	return 0;
}

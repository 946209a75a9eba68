// SPDX-License-Identifier: GPL-2.0
/*
 * Doorbell wiring corner cases: a kick written before the bind is stale and
 * dropped; an eventfd shared between one end's doorbell and the other's
 * kick cannot make the driver ping-pong forever; and the host can ring and
 * wait through io_uring alone (IORING_OP_WRITE on the kick eventfd,
 * IORING_OP_POLL_ADD on the doorbell), with no ioctl and no read/write.
 */
#include <liburing.h>

#include "zc_test.h"

static uint64_t efd_count(int fd)
{
	uint64_t v = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 100) == 1 && read(fd, &v, 8) != 8)
		FAIL("read: %s", strerror(errno));
	return v;
}

static void stale_kick(int link)
{
	struct zc_end r, h;
	uint64_t five = 5;
	unsigned long long k0 = zc_sysfs(link, "kicks_host");

	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	h.fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	h.doorbell = EXPECT_OK(eventfd(0, 0));
	h.kick = EXPECT_OK(eventfd(0, 0));
	CHECK(write(h.kick, &five, 8) == 8, "pre-kick");
	EXPECT_OK(zc_bind(h.fd, ZC_ROLE_HOST, h.doorbell, h.kick));
	CHECK(zc_wait_doorbell(&r, 100) == 0, "a kick from before the bind arrived");
	CHECK(zc_sysfs(link, "kicks_host") == k0, "stale kick counted");
	zc_kick(&h);
	CHECK(zc_wait_doorbell(&r, 2000) == 1, "kick after bind lost");
	zc_end_close(&h);
	zc_end_close(&r);
}

static void shared_eventfd(int link)
{
	unsigned long long loops0 = zc_sysfs(link, "kick_loops");
	int x = EXPECT_OK(eventfd(0, 0));
	int hk = EXPECT_OK(eventfd(0, 0));
	int rd = EXPECT_OK(eventfd(0, 0));
	int hf = EXPECT_OK(zc_open_link(link, O_RDWR));
	int rf = EXPECT_OK(zc_open_link(link, O_RDWR));
	uint64_t one = 1;

	/* x is the host's doorbell and the remote's kick */
	EXPECT_OK(zc_bind(hf, ZC_ROLE_HOST, x, hk));
	EXPECT_OK(zc_bind(rf, ZC_ROLE_REMOTE, rd, x));
	CHECK(write(x, &one, 8) == 8, "remote kick");
	usleep(100000);
	/* exactly one doorbell: the driver did not re-forward its own signal */
	CHECK(efd_count(x) == 1, "host doorbell count wrong");
	CHECK(efd_count(rd) == 0, "remote got a doorbell it did not ask for");
	CHECK(zc_sysfs(link, "kick_loops") == loops0 + 1, "loops +%llu",
	      zc_sysfs(link, "kick_loops") - loops0);
	CHECK(efd_count(x) == 0, "activity after the loop was cut");
	close(hf);
	close(rf);
	close(x);
	close(hk);
	close(rd);
}

static void uring_host(int link)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct zc_end h, r;
	uint64_t one = 1;
	int i;

	zc_end_open(&h, link, ZC_ROLE_HOST);
	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	EXPECT_OK(-io_uring_queue_init(8, &ring, 0) ? -1 : 0);
	for (i = 0; i < 100; i++) {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_write(sqe, h.kick, &one, 8, 0);
		sqe->user_data = 1;
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_poll_add(sqe, h.doorbell, POLLIN);
		sqe->user_data = 2;
		CHECK(io_uring_submit(&ring) == 2, "submit");

		/* the remote answers with a plain eventfd write */
		CHECK(zc_wait_doorbell(&r, 2000) == 1, "round %d: no doorbell", i);
		zc_kick(&r);

		for (int n = 0; n < 2; n++) {
			CHECK(io_uring_wait_cqe(&ring, &cqe) == 0, "wait cqe");
			if (cqe->user_data == 1)
				CHECK(cqe->res == 8, "write res %d", cqe->res);
			else
				CHECK(cqe->res & POLLIN, "poll res 0x%x", cqe->res);
			io_uring_cqe_seen(&ring, cqe);
		}
		CHECK(efd_count(h.doorbell) == 1, "round %d: host doorbell", i);
	}
	io_uring_queue_exit(&ring);
	zc_end_close(&h);
	zc_end_close(&r);
}

int main(int argc, char **argv)
{
	int link = argc > 1 ? atoi(argv[1]) : 0;

	zc_test_name = "wiring";
	stale_kick(link);
	shared_eventfd(link);
	uring_host(link);
	printf("wiring: stale kick dropped, shared-eventfd loop cut, 100 io_uring round trips\n");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/zcN-rpmsgM endpoints of a kernel-hosted link, against the
 * emulated firmware's echo (zc_echo, a libzc remote): one write() is one
 * message and one read() returns it; messages up to the slot payload pass,
 * larger ones are -EMSGSIZE; O_NONBLOCK gives -EAGAIN; poll() reports
 * readable and writable; a short read truncates; two endpoints are
 * independent; with no remote attached a write waits (-EAGAIN with
 * O_NONBLOCK); a killed remote gives -EPIPE and EPOLLHUP within a second on
 * the files open at the time, for good; a new remote is accepted and
 * reopened endpoints work again.
 *
 * usage: zc_rpmsg LINK   (zc.ko loaded with rpmsg_link=LINK rpmsg_chans=2)
 */
#include "zc_test.h"

static int link_id;

static pid_t start_echo(void)
{
	char uri[32];
	pid_t pid = EXPECT_OK(fork());

	snprintf(uri, sizeof(uri), "kmod:/dev/zc%d", link_id);
	if (pid == 0) {
		execl("/tests/zc_echo", "zc_echo", uri, "2", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int ept_open(int m, int flags)
{
	char path[48];

	snprintf(path, sizeof(path), "/dev/zc%d-rpmsg%d", link_id, m);
	return open(path, O_RDWR | O_CLOEXEC | flags);
}

static void fill(uint8_t *b, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seed * 13 + i * 7);
}

/* Send one message and read its echo, comparing every byte. */
static void roundtrip(int fd, size_t len, unsigned int seed)
{
	static uint8_t out[65536], in[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	fill(out, len, seed);
	n = write(fd, out, len);
	CHECK(n == (ssize_t)len, "write %zu: %zd %s", len, n, strerror(errno));
	CHECK(poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLIN),
	      "no echo for a %zu-byte message (revents 0x%x)", len, pfd.revents);
	n = read(fd, in, sizeof(in));
	CHECK(n == (ssize_t)len, "read %zd, want %zu", n, len);
	CHECK(!memcmp(in, out, len), "echo of %zu bytes differs", len);
}

int main(int argc, char **argv)
{
	struct zc_kmod_info info;
	struct pollfd pfd;
	uint8_t big[65536], small[8];
	size_t max;
	double t0, dt;
	pid_t echo;
	int fd, fd1, zfd, i;

	zc_test_name = "rpmsg";
	link_id = argc > 1 ? atoi(argv[1]) : 1;
	zfd = EXPECT_OK(zc_open_link(link_id, O_RDWR));
	EXPECT_OK(zc_info(zfd, &info));
	CHECK(info.flags & ZC_INFO_F_KERNEL_HOST, "flags 0x%x", info.flags);
	/* the kernel holds the host role */
	{
		int a = EXPECT_OK(eventfd(0, 0)), b = EXPECT_OK(eventfd(0, 0));

		EXPECT_ERR(zc_bind(zfd, ZC_ROLE_HOST, a, b), EBUSY);
		close(a);
		close(b);
	}
	close(zfd);
	max = info.slot_size - 16;

	fd = EXPECT_OK(ept_open(0, O_NONBLOCK));
	/* nothing to read yet: O_NONBLOCK says so */
	EXPECT_ERR(read(fd, small, sizeof(small)), EAGAIN);
	/* no remote yet: not writable, and a write would wait */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	CHECK(poll(&pfd, 1, 0) == 0, "revents 0x%x with no remote", pfd.revents);
	EXPECT_ERR(write(fd, big, 10), EAGAIN);
	/* too big for one slot */
	EXPECT_ERR(write(fd, big, max + 1), EMSGSIZE);

	echo = start_echo();
	/* becomes writable once the remote is accepted */
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	CHECK(poll(&pfd, 1, 10000) == 1 && pfd.revents == POLLOUT,
	      "not writable after the remote attached (revents 0x%x)",
	      pfd.revents);
	{
		void *bad = mmap(NULL, 4096, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(bad != MAP_FAILED, "mmap");
		EXPECT_ERR(write(fd, bad, 16), EFAULT);
		/* the copy fails before a slot is reserved: none is lost */
		munmap(bad, 4096);
	}
	close(fd);
	fd = EXPECT_OK(ept_open(0, 0));
	fd1 = EXPECT_OK(ept_open(1, 0));
	for (i = 0; i < 200; i++)
		roundtrip(fd, 1 + (i * 37) % max, i);
	roundtrip(fd, max, 1);		/* a full slot: far above 496 bytes */
	roundtrip(fd1, 1000, 2);	/* the second endpoint */
	roundtrip(fd, 0, 3);		/* an empty message is a message */

	/* a short read returns the start of the message, the rest is dropped */
	fill(big, 300, 9);
	CHECK(write(fd, big, 300) == 300, "write");
	CHECK(read(fd, small, sizeof(small)) == sizeof(small), "short read");
	CHECK(!memcmp(small, big, sizeof(small)), "short read data");
	roundtrip(fd, 10, 4);		/* and the stream goes on */

	/* many in flight, then read them all back in order */
	for (i = 0; i < 40; i++) {
		fill(big, 100, 100 + i);
		CHECK(write(fd, big, 100) == 100, "write %d", i);
	}
	for (i = 0; i < 40; i++) {
		uint8_t want[100];

		fill(want, 100, 100 + i);
		CHECK(read(fd, big, sizeof(big)) == 100, "read %d", i);
		CHECK(!memcmp(big, want, 100), "message %d out of order", i);
	}

	/* the remote dies: readers and pollers see it within a second */
	kill(echo, SIGKILL);
	t0 = zc_now();
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLHUP),
	      "no POLLHUP after the remote died (revents 0x%x)", pfd.revents);
	dt = zc_now() - t0;
	EXPECT_ERR(read(fd, big, sizeof(big)), EPIPE);
	EXPECT_ERR(write(fd, big, 10), EPIPE);
	zc_reap(echo, SIGKILL);

	/* a new remote is accepted; the old files stay dead, new ones work */
	echo = start_echo();
	close(fd1);
	fd1 = EXPECT_OK(ept_open(1, 0));
	roundtrip(fd1, 500, 5);		/* the write waits for the accept */
	EXPECT_ERR(read(fd, big, sizeof(big)), EPIPE);
	EXPECT_ERR(write(fd, big, 10), EPIPE);
	close(fd);
	fd = EXPECT_OK(ept_open(0, 0));
	roundtrip(fd1, max, 6);
	kill(echo, SIGKILL);
	zc_reap(echo, SIGKILL);
	close(fd);
	close(fd1);
	printf("rpmsg: %zu-byte messages, O_NONBLOCK, poll, two endpoints ok; remote death seen in %.1f ms; new remote accepted\n",
	       max, dt * 1e3);
	return 0;
}

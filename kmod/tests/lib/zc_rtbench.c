// SPDX-License-Identifier: GPL-2.0
/*
 * Round trips through the same emulated remote (zc_echo, libzc), two ways:
 *   copy:      write()/read() on /dev/zc1-rpmsg0 (kernel-hosted link 1)
 *   zero-copy: libzc on kmod:/dev/zc0, the message built and checked in
 *              place in the pool (zc_reserve/zc_send, zc_recv/zc_release)
 * Prints round trips per second for each size and the ratio. TCG timings
 * are only relative. Both hosts use their default waiting: the read()
 * path sleeps in the kernel at once, libzc spins 50 us before sleeping.
 *
 * usage: zc_rtbench [round-trips]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zc/zc.h"

#define DIE(...) do {							\
	fprintf(stderr, "zc_rtbench:%d: ", __LINE__);			\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t echo(const char *uri)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/tests/zc_echo", "zc_echo", uri, "1", (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		DIE("fork");
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static double copy_path(size_t len, long n)
{
	static uint8_t out[4096], in[4096];
	double t0;
	long i;
	int fd = open("/dev/zc1-rpmsg0", O_RDWR);

	if (fd < 0)
		DIE("open /dev/zc1-rpmsg0: %s", strerror(errno));
	t0 = now();
	for (i = 0; i < n; i++) {
		out[0] = (uint8_t)i;
		out[len - 1] = (uint8_t)~i;
		if (write(fd, out, len) != (ssize_t)len)
			DIE("write: %s", strerror(errno));
		if (read(fd, in, sizeof(in)) != (ssize_t)len ||
		    in[0] != (uint8_t)i || in[len - 1] != (uint8_t)~i)
			DIE("bad echo %ld", i);
	}
	t0 = now() - t0;
	close(fd);
	return n / t0;
}

static double zero_copy(zc_channel *ch, size_t len, long n)
{
	struct zc_buf b;
	double t0 = now();
	long i;

	for (i = 0; i < n; i++) {
		uint8_t *p;

		if (zc_reserve(ch, &b, 5000))
			DIE("reserve");
		p = b.data;
		p[0] = (uint8_t)i;
		p[len - 1] = (uint8_t)~i;
		b.len = (uint32_t)len;
		if (zc_send(ch, &b) || zc_recv(ch, &b, 5000))
			DIE("send/recv");
		p = b.data;
		if (b.len != len || p[0] != (uint8_t)i || p[len - 1] != (uint8_t)~i)
			DIE("bad echo %ld", i);
		zc_release(ch, &b);
	}
	return n / (now() - t0);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 4080 };
	long n = argc > 1 ? atol(argv[1]) : 5000;
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	pid_t pid;
	unsigned int i;
	double copy[2], zc[2];
	int rc;

	pid = echo("kmod:/dev/zc1");
	copy_path(64, 200);	/* warm up: the echo attaches meanwhile */
	for (i = 0; i < 2; i++)
		copy[i] = copy_path(sizes[i], n);
	stop(pid);

	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 64;
	p.channels = 2;
	p.max_msg = 4096;
	rc = zc_create("kmod:/dev/zc0", &p, &r);
	if (rc)
		DIE("create: %s", zc_strerror(rc));
	rc = zc_channel_create(r, "rpmsg0", 0x400, &ch);
	if (rc)
		DIE("channel: %s", zc_strerror(rc));
	pid = echo("kmod:/dev/zc0");
	rc = zc_wait_peer(r, 5000);
	if (rc)
		DIE("wait_peer: %s", zc_strerror(rc));
	zero_copy(ch, 64, 200);
	for (i = 0; i < 2; i++)
		zc[i] = zero_copy(ch, sizes[i], n);
	stop(pid);
	zc_channel_close(ch);
	zc_close(r);

	for (i = 0; i < 2; i++)
		printf("ZC-BENCH %4zu B round trips/s: copy (/dev/zc1-rpmsg0) %.0f, zero-copy (libzc kmod) %.0f, ratio %.2f\n",
		       sizes[i], copy[i], zc[i], zc[i] / copy[i]);
	return 0;
}

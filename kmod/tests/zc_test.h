/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zc_test.h - helpers for the zc.ko guest tests. Each test is a static
 * program that exits 0 on success and 1 on the first failed check, saying
 * which check and why.
 */
#ifndef ZC_TEST_H
#define ZC_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zc_kmod.h"

static const char *zc_test_name = "?";

#define FAIL(fmt, ...) do {						\
	fprintf(stderr, "%s:%d: %s: " fmt "\n", __FILE__, __LINE__,	\
		zc_test_name, ##__VA_ARGS__);				\
	exit(1);							\
} while (0)

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond))							\
		FAIL("check '%s' failed: " fmt, #cond, ##__VA_ARGS__);	\
} while (0)

/* expr must fail (return -1) with exactly errno e. */
#define EXPECT_ERR(expr, e) do {					\
	errno = 0;							\
	long __r = (long)(expr);					\
	if (__r != -1 || errno != (e))					\
		FAIL("'%s' returned %ld errno %d (%s), want -1 errno %d (%s)", \
		     #expr, __r, errno, strerror(errno), (e), strerror(e)); \
} while (0)

/* expr must succeed (return >= 0). */
#define EXPECT_OK(expr) ({						\
	errno = 0;							\
	long __r = (long)(expr);					\
	if (__r < 0)							\
		FAIL("'%s' failed: %s", #expr, strerror(errno));	\
	__r;								\
})

static inline int zc_open_link(int link, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), ZC_KMOD_DEV_PREFIX "%d", link);
	return open(path, flags | O_CLOEXEC);
}

static inline int zc_bind(int fd, unsigned int role, int doorbell, int kick)
{
	struct zc_kmod_bind b;

	memset(&b, 0, sizeof(b));
	b.role = role;
	b.doorbell_fd = doorbell;
	b.kick_fd = kick;
	return ioctl(fd, ZC_IOC_BIND, &b);
}

static inline int zc_info(int fd, struct zc_kmod_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	return ioctl(fd, ZC_IOC_GET_INFO, info);
}

static inline int zc_peer(int fd, struct zc_kmod_peer *p)
{
	memset(p, 0xa5, sizeof(*p));
	return ioctl(fd, ZC_IOC_PEER_STATE, p);
}

/* One bound end: the /dev/zcN file and its two eventfds. */
struct zc_end {
	int fd;
	int doorbell;
	int kick;
};

static inline void zc_end_open(struct zc_end *e, int link, unsigned int role)
{
	e->fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	e->doorbell = EXPECT_OK(eventfd(0, EFD_CLOEXEC));
	e->kick = EXPECT_OK(eventfd(0, EFD_CLOEXEC));
	EXPECT_OK(zc_bind(e->fd, role, e->doorbell, e->kick));
}

static inline void zc_end_close(struct zc_end *e)
{
	close(e->fd);
	close(e->doorbell);
	close(e->kick);
}

static inline void zc_kick(struct zc_end *e)
{
	uint64_t one = 1;

	if (write(e->kick, &one, sizeof(one)) != sizeof(one))
		FAIL("kick write: %s", strerror(errno));
}

/* Wait for a doorbell; returns the eventfd count, 0 on timeout. */
static inline uint64_t zc_wait_doorbell(struct zc_end *e, int timeout_ms)
{
	struct pollfd pfd = { .fd = e->doorbell, .events = POLLIN };
	uint64_t v;
	int r;

	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		FAIL("poll doorbell: %s", strerror(errno));
	if (r == 0)
		return 0;
	if (read(e->doorbell, &v, sizeof(v)) != sizeof(v))
		FAIL("read doorbell: %s", strerror(errno));
	return v;
}

static inline unsigned long long zc_sysfs(int link, const char *attr)
{
	char path[96], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/misc/zc%d/%s", link, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		FAIL("read %s", path);
	buf[n] = 0;
	return strtoull(buf, NULL, 0);
}

static inline double zc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reap a child; it must have exited 0 (or been killed by @sig if nonzero). */
static inline void zc_reap(pid_t pid, int sig)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		FAIL("waitpid: %s", strerror(errno));
	if (sig) {
		if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
			FAIL("child %d: status 0x%x, want signal %d", pid, st, sig);
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		FAIL("child %d failed: status 0x%x", pid, st);
	}
}

#endif /* ZC_TEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-hosted link against hostile or stalled users, each a case the
 * old code failed:
 *
 *  - uffd: a write() and a read() on endpoints whose user buffers stall in
 *    userfaultfd must not keep a new remote from being accepted (the
 *    endpoint lock was held across the user copy while the accept took it
 *    uninterruptibly, under the link's bind mutex: the bind hung in D).
 *  - queued: what the last remote sent and nobody read is gone once it
 *    is: a file opened after its loss reads nothing (it used to read them).
 *  - slots: a new remote finds no byte of the last remote's payloads in
 *    the pool.
 *  - scribble: a remote that overwrites the whole pool (superblock,
 *    channel entries and their mode, rings, slots) and leaves: the next
 *    remote finds the region exactly as a fresh one (generation bumped)
 *    and the endpoints work again (the kernel used to keep the scribbled
 *    superblock and re-read the mode from shared memory).
 *
 * usage: zc_khost LINK   (zc.ko loaded with rpmsg_link=LINK rpmsg_chans=2)
 */
#include <linux/userfaultfd.h>
#include <pthread.h>

#include "zc_test.h"

/* The superblock fields these checks need (docs/protocol.md). */
#define SB_MAGIC	0x000
#define SB_POOL_OFF	0x048
#define SB_GENERATION	0x050
#define ZC_MAGIC_LE	0x315a435aU	/* "ZCZ1" */

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

static void stop_echo(pid_t pid)
{
	kill(pid, SIGKILL);
	zc_reap(pid, SIGKILL);
}

static int ept_open(int m, int flags)
{
	char path[48];

	snprintf(path, sizeof(path), "/dev/zc%d-rpmsg%d", link_id, m);
	return open(path, O_RDWR | O_CLOEXEC | flags);
}

/* Wait until a remote is accepted: an endpoint turns writable. */
static int wait_accepted(int m, double timeout)
{
	int fd = EXPECT_OK(ept_open(m, O_NONBLOCK));
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r = poll(&pfd, 1, (int)(timeout * 1000));

	close(fd);
	return r == 1 && (pfd.revents & POLLOUT);
}

static void roundtrip(int fd, const void *msg, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static uint8_t in[65536];

	CHECK(write(fd, msg, len) == (ssize_t)len, "write: %s", strerror(errno));
	CHECK(poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLIN), "no echo");
	CHECK(read(fd, in, sizeof(in)) == (ssize_t)len, "read");
	CHECK(!memcmp(in, msg, len), "echo differs");
}

/* ---- uffd ----------------------------------------------------------- */

struct stalled {
	int fd;
	void *buf;
	int is_read;
	ssize_t ret;
	int err;
};

static void *stalled_io(void *arg)
{
	struct stalled *s = arg;

	s->ret = s->is_read ? read(s->fd, s->buf, 100) : write(s->fd, s->buf, 100);
	s->err = errno;
	return NULL;
}

/*
 * The old code's failure also stalled this test: its poll() took the lock
 * the stalled copy held. Resolve the faults after 20 s in any case, so
 * such a failure is reported, not timed out.
 */
static int wd_uffd;
static struct uffdio_range wd_range;
static volatile int wd_fired;

static void *watchdog(void *arg)
{
	struct uffdio_zeropage zp = { .range = wd_range };

	(void)arg;
	sleep(20);
	wd_fired = 1;
	ioctl(wd_uffd, UFFDIO_ZEROPAGE, &zp);
	return NULL;
}

static void uffd_vs_accept(void)
{
	pthread_t twd;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zp;
	struct stalled w, r;
	pthread_t tw, tr;
	long pg = getpagesize();
	uint8_t msg[100];
	pid_t a, b;
	double t0, dt;
	int uffd, fd0, fd1;
	uint8_t *area;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	CHECK(uffd >= 0, "userfaultfd: %s", strerror(errno));
	EXPECT_OK(ioctl(uffd, UFFDIO_API, &api));
	area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(area != MAP_FAILED, "mmap");
	reg.range.start = (uintptr_t)area;
	reg.range.len = 2 * pg;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	EXPECT_OK(ioctl(uffd, UFFDIO_REGISTER, &reg));
	wd_uffd = uffd;
	wd_range = reg.range;

	a = start_echo();
	CHECK(wait_accepted(0, 10), "first remote not accepted");
	fd0 = EXPECT_OK(ept_open(0, 0));
	fd1 = EXPECT_OK(ept_open(1, 0));
	/* a message waits on endpoint 1 for the stalled reader */
	memset(msg, 0x3c, sizeof(msg));
	CHECK(write(fd1, msg, sizeof(msg)) == sizeof(msg), "write");
	{
		struct pollfd pfd = { .fd = fd1, .events = POLLIN };

		CHECK(poll(&pfd, 1, 5000) == 1, "no echo on endpoint 1");
	}
	w = (struct stalled){ .fd = fd0, .buf = area, .is_read = 0 };
	r = (struct stalled){ .fd = fd1, .buf = area + pg, .is_read = 1 };
	CHECK(pthread_create(&tw, NULL, stalled_io, &w) == 0, "thread");
	CHECK(pthread_create(&tr, NULL, stalled_io, &r) == 0, "thread");
	usleep(300000);		/* both are inside their user copy now */
	CHECK(pthread_create(&twd, NULL, watchdog, NULL) == 0, "thread");

	/* the remote goes and another comes: its bind must not wait on them */
	stop_echo(a);
	t0 = zc_now();
	b = start_echo();
	if (!wait_accepted(0, 10) || wd_fired) {
		/* let the old code's bind finish, then fail */
		zp = (struct uffdio_zeropage){ .range = reg.range };
		ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
		FAIL("a remote's bind waited on a user copy stalled in userfaultfd");
	}
	dt = zc_now() - t0;
	pthread_cancel(twd);
	pthread_join(twd, NULL);

	/* release the copies: the write's file talked to the lost remote */
	zp = (struct uffdio_zeropage){ .range = reg.range };
	EXPECT_OK(ioctl(uffd, UFFDIO_ZEROPAGE, &zp));
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	CHECK(w.ret == -1 && w.err == EPIPE, "stalled write: %zd %s", w.ret,
	      strerror(w.err));
	/* the read had taken its message before the copy stalled */
	CHECK(r.ret == 100 || (r.ret == -1 && (r.err == EFAULT || r.err == EPIPE)),
	      "stalled read: %zd %s", r.ret, strerror(r.err));
	close(fd0);
	close(fd1);
	fd0 = EXPECT_OK(ept_open(0, 0));
	roundtrip(fd0, msg, sizeof(msg));
	close(fd0);
	stop_echo(b);
	munmap(area, 2 * pg);
	close(uffd);
	printf("khost: new remote accepted in %.1f ms while two user copies stalled\n",
	       dt * 1e3);
}

/* ---- queued messages, slots, scribbles -------------------------------- */

struct raw_remote {
	int fd, db, kick;
	uint8_t *m;
	size_t size;
};

static void raw_attach(struct raw_remote *rr)
{
	struct zc_kmod_info info;

	rr->fd = EXPECT_OK(zc_open_link(link_id, O_RDWR));
	rr->db = EXPECT_OK(eventfd(0, 0));
	rr->kick = EXPECT_OK(eventfd(0, 0));
	EXPECT_OK(zc_info(rr->fd, &info));
	EXPECT_OK(zc_bind(rr->fd, ZC_ROLE_REMOTE, rr->db, rr->kick));
	rr->size = info.pool_size;
	rr->m = mmap(NULL, rr->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     rr->fd, 0);
	CHECK(rr->m != MAP_FAILED, "mmap: %s", strerror(errno));
}

static void raw_detach(struct raw_remote *rr)
{
	munmap(rr->m, rr->size);
	close(rr->fd);
	close(rr->db);
	close(rr->kick);
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static int find_pattern(const uint8_t *m, size_t size, const uint8_t *pat,
			size_t len)
{
	size_t i;

	for (i = 0; i + len <= size; i += 16)	/* payloads start 16-aligned */
		if (m[i] == pat[0] && !memcmp(m + i, pat, len))
			return 1;
	return 0;
}

static void hostile_remote(void)
{
	struct raw_remote rr;
	uint8_t pat[64], small[16], *snap;
	size_t pool_off, i;
	uint32_t gen;
	pid_t e;
	int fd;

	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(0xc0 ^ (i * 29));

	/* queued: the remote echoes a message nobody reads, then dies */
	e = start_echo();
	CHECK(wait_accepted(0, 10), "echo not accepted");
	fd = EXPECT_OK(ept_open(0, 0));
	CHECK(write(fd, pat, sizeof(pat)) == sizeof(pat), "write");
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		CHECK(poll(&pfd, 1, 5000) == 1, "no echo");
	}
	stop_echo(e);
	close(fd);
	fd = EXPECT_OK(ept_open(0, O_NONBLOCK));
	EXPECT_ERR(read(fd, small, sizeof(small)), EAGAIN);
	close(fd);

	/* slots: the next remote finds none of those bytes */
	raw_attach(&rr);
	CHECK(rd32(rr.m, SB_MAGIC) == ZC_MAGIC_LE, "magic 0x%x",
	      rd32(rr.m, SB_MAGIC));
	CHECK(!find_pattern(rr.m, rr.size, pat, sizeof(pat)),
	      "the last remote's payload is still in the pool");
	pool_off = rd64(rr.m, SB_POOL_OFF);
	CHECK(pool_off > 0 && pool_off < rr.size, "pool_off %zu", pool_off);
	for (i = pool_off; i < rr.size; i++)
		CHECK(rr.m[i] == 0, "slot byte %zu not cleared", i);
	snap = malloc(pool_off);
	CHECK(snap, "malloc");
	memcpy(snap, rr.m, pool_off);
	gen = rd32(snap, SB_GENERATION);

	/* scribble: every byte, the channel entries' mode included */
	memset(rr.m, 0xa5, rr.size);
	raw_detach(&rr);
	fd = EXPECT_OK(ept_open(0, O_NONBLOCK));
	EXPECT_ERR(read(fd, small, sizeof(small)), EAGAIN);
	close(fd);

	raw_attach(&rr);
	CHECK(rd32(rr.m, SB_GENERATION) != gen, "generation not bumped");
	memcpy(rr.m + SB_GENERATION, snap + SB_GENERATION, 4);
	for (i = 0; i < pool_off; i++)
		CHECK(rr.m[i] == snap[i],
		      "byte 0x%zx of the region head is 0x%02x, a fresh region has 0x%02x",
		      i, rr.m[i], snap[i]);
	for (i = pool_off; i < rr.size; i++)
		CHECK(rr.m[i] == 0, "slot byte %zu not cleared", i);
	raw_detach(&rr);
	free(snap);

	/* and the link works for a well-behaved remote again */
	e = start_echo();
	CHECK(wait_accepted(0, 10), "echo not accepted after the scribbler");
	fd = EXPECT_OK(ept_open(0, 0));
	roundtrip(fd, pat, sizeof(pat));
	close(fd);
	fd = EXPECT_OK(ept_open(1, 0));
	roundtrip(fd, pat, 10);
	close(fd);
	stop_echo(e);
	printf("khost: queued messages dropped, slots cleared, scribbled region re-published\n");
}

/* usage: zc_khost LINK [uffd|remote] */
int main(int argc, char **argv)
{
	const char *only = argc > 2 ? argv[2] : NULL;

	zc_test_name = "khost";
	link_id = argc > 1 ? atoi(argv[1]) : 1;
	if (!only || !strcmp(only, "uffd"))
		uffd_vs_accept();
	if (!only || !strcmp(only, "remote"))
		hostile_remote();
	printf("khost: all checks passed\n");
	return 0;
}

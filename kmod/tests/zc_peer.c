// SPDX-License-Identifier: GPL-2.0
/*
 * Peer loss: a remote killed mid-stream is noticed by the host within a
 * second (EPOLLHUP on /dev/zcN, a doorbell, ZC_PEER_LOST); a host blocked
 * on its doorbell alone is woken; a new remote can attach and clears the
 * hang-up; and the remote sees the host go the same way (through epoll).
 */
#include <sys/epoll.h>

#include "zc_test.h"

static void *map_pool(int fd, size_t *size)
{
	struct zc_kmod_info info;
	void *p;

	EXPECT_OK(zc_info(fd, &info));
	*size = info.pool_size;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/*
 * Wait for the peer to attach. EPOLLHUP stays up while a lost peer is
 * absent, so a level-triggered poll() would spin; edge-triggered epoll
 * wakes on the attach event (EPOLLPRI) itself.
 */
static void wait_attach(int fd, uint32_t want_events)
{
	struct epoll_event ev = { .events = EPOLLPRI | EPOLLET };
	struct zc_kmod_peer p;
	double t0 = zc_now();
	int ep = EXPECT_OK(epoll_create1(EPOLL_CLOEXEC));

	EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	for (;;) {
		CHECK(zc_now() - t0 < 10, "peer never attached");
		if (epoll_wait(ep, &ev, 1, 1000) != 1)
			continue;
		EXPECT_OK(zc_peer(fd, &p));
		if (p.state == ZC_PEER_UP)
			break;
	}
	close(ep);
	CHECK(p.events == want_events, "events %u, want %u", p.events,
	      want_events);
	/* acknowledged and up: nothing to report */
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };

	CHECK(poll(&pfd, 1, 0) == 0, "revents 0x%x with the peer up",
	      pfd.revents);
}

/* A remote that streams sequence numbers into the pool and kicks. */
static void streaming_remote(int link)
{
	struct zc_end r;
	volatile uint64_t *pool;
	size_t size;
	uint64_t seq = 0;

	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	pool = map_pool(r.fd, &size);
	for (;;) {
		__atomic_store_n(&pool[0], ++seq, __ATOMIC_RELEASE);
		zc_kick(&r);
		if (!(seq % 64))
			usleep(1000);
	}
}

static void idle_remote(int link)
{
	struct zc_end r;

	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int link = argc > 1 ? atoi(argv[1]) : 0;
	struct zc_kmod_peer p;
	struct pollfd pfd;
	struct zc_end h;
	uint64_t *pool, seen = 0, last = 0;
	double t0, dt_kill, dt_sleep;
	size_t size;
	pid_t pid, killer;
	int i;

	zc_test_name = "peer";
	zc_end_open(&h, link, ZC_ROLE_HOST);
	pool = map_pool(h.fd, &size);

	/* no peer yet: no hang-up, nothing pending */
	pfd = (struct pollfd){ .fd = h.fd, .events = POLLIN | POLLPRI };
	CHECK(poll(&pfd, 1, 0) == 0, "revents 0x%x with no peer", pfd.revents);

	/* 1. a streaming remote, killed mid-stream */
	pid = EXPECT_OK(fork());
	if (pid == 0)
		streaming_remote(link);
	wait_attach(h.fd, 1);
	for (i = 0; i < 50; i++) {
		CHECK(zc_wait_doorbell(&h, 5000), "stream stalled");
		seen = __atomic_load_n(&pool[0], __ATOMIC_ACQUIRE);
		CHECK(seen >= last, "sequence went back");
		last = seen;
	}
	CHECK(seen > 0, "no data from the remote");
	kill(pid, SIGKILL);
	t0 = zc_now();
	pfd = (struct pollfd){ .fd = h.fd, .events = POLLPRI };
	CHECK(poll(&pfd, 1, 1000) == 1, "remote death not noticed within 1 s");
	dt_kill = zc_now() - t0;
	CHECK(pfd.revents & POLLHUP, "revents 0x%x, want POLLHUP", pfd.revents);
	CHECK(pfd.revents & POLLPRI, "revents 0x%x, want POLLPRI", pfd.revents);
	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.state == ZC_PEER_LOST && p.events == 2, "state %u events %u",
	      p.state, p.events);
	/* the hang-up persists after the ack, while the peer is absent */
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLHUP,
	      "revents 0x%x after ack", pfd.revents);
	zc_reap(pid, SIGKILL);
	CHECK(zc_sysfs(link, "remote_bound") == 0, "remote still bound");
	/* drain what the stream left on the doorbell */
	while (zc_wait_doorbell(&h, 0))
		;

	/* 2. a new remote clears the hang-up; its death wakes a doorbell sleeper */
	pid = EXPECT_OK(fork());
	if (pid == 0)
		idle_remote(link);
	wait_attach(h.fd, 3);
	{
		/* the killer records when it killed, in memory we share */
		volatile double *killed_at = mmap(NULL, sizeof(double),
						  PROT_READ | PROT_WRITE,
						  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		uint64_t v = 0;
		ssize_t r;

		CHECK(killed_at != MAP_FAILED, "mmap");
		*killed_at = 0;
		killer = EXPECT_OK(fork());
		if (killer == 0) {
			usleep(300000);
			*killed_at = zc_now();
			kill(pid, SIGKILL);
			exit(0);
		}
		/* block in read(2) on the doorbell alone, as a naive host would */
		alarm(5);
		r = read(h.doorbell, &v, sizeof(v));
		alarm(0);
		CHECK(r == sizeof(v) && v >= 1, "doorbell read %zd", r);
		CHECK(*killed_at > 0, "woken before the remote was killed");
		dt_sleep = zc_now() - *killed_at;
		CHECK(dt_sleep < 1.0, "doorbell sleeper woke %.3f s after the kill",
		      dt_sleep);
		munmap((void *)killed_at, sizeof(double));
	}
	zc_reap(killer, 0);
	zc_reap(pid, SIGKILL);
	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.state == ZC_PEER_LOST && p.events == 4, "state %u events %u",
	      p.state, p.events);

	/* 3. the remote sees the host go, through epoll */
	pid = EXPECT_OK(fork());
	if (pid == 0) {
		struct epoll_event ev = { .events = EPOLLPRI };
		struct zc_end r;
		int ep;

		zc_test_name = "peer/remote";
		/*
		 * The host's file lives on in any process that holds its fd
		 * or a mapping of it: drop the copies fork() gave us.
		 */
		munmap(pool, size);
		zc_end_close(&h);
		zc_end_open(&r, link, ZC_ROLE_REMOTE);
		/* the host may already be leaving: it saw us attach */
		EXPECT_OK(zc_peer(r.fd, &p));
		CHECK(p.state != ZC_PEER_NONE, "state %u", p.state);
		ep = EXPECT_OK(epoll_create1(0));
		EXPECT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ev));
		CHECK(epoll_wait(ep, &ev, 1, 10000) == 1, "host loss not seen");
		CHECK(ev.events & EPOLLHUP, "events 0x%x", ev.events);
		EXPECT_OK(zc_peer(r.fd, &p));
		CHECK(p.state == ZC_PEER_LOST, "state %u", p.state);
		CHECK(zc_wait_doorbell(&r, 0) >= 1, "no doorbell on host loss");
		exit(0);
	}
	wait_attach(h.fd, 5);
	munmap(pool, size);
	zc_end_close(&h);
	zc_reap(pid, 0);

	printf("peer: kill noticed in %.1f ms, doorbell sleeper woken %.1f ms after the kill\n",
	       dt_kill * 1e3, dt_sleep * 1e3);
	return 0;
}

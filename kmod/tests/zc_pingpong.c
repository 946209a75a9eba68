// SPDX-License-Identifier: GPL-2.0
/*
 * Two processes, host and remote role, exchange kicks through eventfds
 * only (no ioctl on the data path) and check data written through the
 * shared mapping by one is seen by the other. Also: a kick with no peer is
 * dropped and counted, a burst of kicks is coalesced but never lost, and
 * the counters add up exactly.
 */
#include "zc_test.h"

struct shm_msg {
	uint64_t seq;
	uint8_t payload[1024];
};

static void fill(struct shm_msg *m, uint64_t seq, uint8_t salt)
{
	size_t i;

	for (i = 0; i < sizeof(m->payload); i++)
		m->payload[i] = (uint8_t)(seq * 31 + i + salt);
	__atomic_store_n(&m->seq, seq, __ATOMIC_RELEASE);
}

static void verify(struct shm_msg *m, uint64_t seq, uint8_t salt)
{
	uint64_t got = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
	size_t i;

	CHECK(got == seq, "seq %llu want %llu", (unsigned long long)got,
	      (unsigned long long)seq);
	for (i = 0; i < sizeof(m->payload); i++)
		CHECK(m->payload[i] == (uint8_t)(seq * 31 + i + salt),
		      "payload byte %zu of message %llu", i,
		      (unsigned long long)seq);
}

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

static int remote_main(int link, long n, int go_fd)
{
	struct zc_end r;
	struct shm_msg *h2r, *r2h;
	uint64_t total = 0, v;
	size_t size;
	uint8_t *pool;
	long i;

	zc_test_name = "pingpong/remote";
	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	pool = map_pool(r.fd, &size);
	h2r = (struct shm_msg *)pool;
	r2h = (struct shm_msg *)(pool + size / 2);

	for (i = 1; i <= n; i++) {
		v = zc_wait_doorbell(&r, 10000);
		CHECK(v == 1, "doorbell %ld: count %llu", i, (unsigned long long)v);
		verify(h2r, i, 1);
		fill(r2h, i, 2);
		zc_kick(&r);
	}

	/* burst phase: wait for the go, then drain until the host says stop */
	CHECK(read(go_fd, &v, sizeof(v)) == sizeof(v), "go");
	do {
		v = zc_wait_doorbell(&r, 2000);
		total += v;
	} while (v);
	CHECK(total >= 1, "a burst of kicks produced no doorbell");
	struct zc_kmod_peer p;

	EXPECT_OK(zc_peer(r.fd, &p));
	CHECK(p.doorbells == (uint64_t)n + total, "remote doorbells %llu, want %llu",
	      (unsigned long long)p.doorbells, (unsigned long long)(n + total));
	CHECK(p.kicks_sent == (uint64_t)n, "remote kicks %llu",
	      (unsigned long long)p.kicks_sent);
	printf("pingpong: burst of 200 kicks arrived as %llu doorbell counts\n",
	       (unsigned long long)total);
	return 0;
}

int main(int argc, char **argv)
{
	int link = argc > 1 ? atoi(argv[1]) : 0;
	long n = argc > 2 ? atol(argv[2]) : 3000;
	unsigned long long kh, kr, dh, dr, dropped, loops;
	struct shm_msg *h2r, *r2h;
	struct zc_kmod_peer p;
	struct zc_end h;
	struct pollfd pfd;
	int go[2];
	double t0, dt;
	uint64_t one = 1;
	size_t size;
	uint8_t *pool;
	pid_t pid;
	long i;

	zc_test_name = "pingpong";
	kh = zc_sysfs(link, "kicks_host");
	kr = zc_sysfs(link, "kicks_remote");
	dh = zc_sysfs(link, "doorbells_host");
	dr = zc_sysfs(link, "doorbells_remote");
	dropped = zc_sysfs(link, "kicks_dropped");
	loops = zc_sysfs(link, "kick_loops");

	zc_end_open(&h, link, ZC_ROLE_HOST);
	pool = map_pool(h.fd, &size);
	h2r = (struct shm_msg *)pool;
	r2h = (struct shm_msg *)(pool + size / 2);

	/* nobody listens yet: the kick is dropped and counted, not queued */
	zc_kick(&h);
	for (i = 0; i < 100 && zc_sysfs(link, "kicks_dropped") == dropped; i++)
		usleep(10000);
	CHECK(zc_sysfs(link, "kicks_dropped") == dropped + 1, "dropped %llu",
	      zc_sysfs(link, "kicks_dropped") - dropped);

	EXPECT_OK(pipe(go));
	pid = EXPECT_OK(fork());
	if (pid == 0)
		exit(remote_main(link, n, go[0]));

	/* the remote's bind raises EPOLLPRI on our file until acknowledged */
	pfd = (struct pollfd){ .fd = h.fd, .events = POLLPRI };
	CHECK(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLPRI),
	      "no EPOLLPRI on peer attach (revents 0x%x)", pfd.revents);
	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.state == ZC_PEER_UP && p.events == 1, "state %u events %u",
	      p.state, p.events);
	CHECK(poll(&pfd, 1, 0) == 0, "EPOLLPRI still set after the ack (0x%x)",
	      pfd.revents);

	t0 = zc_now();
	for (i = 1; i <= n; i++) {
		uint64_t v;

		fill(h2r, i, 1);
		zc_kick(&h);
		v = zc_wait_doorbell(&h, 10000);
		CHECK(v == 1, "doorbell %ld: count %llu", i, (unsigned long long)v);
		verify(r2h, i, 2);
	}
	dt = zc_now() - t0;

	/* a burst without waiting: coalesced, but at least one arrives */
	for (i = 0; i < 200; i++)
		zc_kick(&h);
	CHECK(write(go[1], &one, sizeof(one)) == sizeof(one), "go");
	zc_reap(pid, 0);

	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.kicks_sent == (uint64_t)n + 201, "host kicks %llu",
	      (unsigned long long)p.kicks_sent);
	CHECK(p.doorbells == (uint64_t)n, "host doorbells %llu",
	      (unsigned long long)p.doorbells);
	CHECK(p.state == ZC_PEER_LOST, "state %u after the remote exited",
	      p.state);

	CHECK(zc_sysfs(link, "kicks_host") - kh == (unsigned long long)n + 201,
	      "kicks_host +%llu", zc_sysfs(link, "kicks_host") - kh);
	CHECK(zc_sysfs(link, "kicks_remote") - kr == (unsigned long long)n,
	      "kicks_remote +%llu", zc_sysfs(link, "kicks_remote") - kr);
	CHECK(zc_sysfs(link, "doorbells_host") - dh == (unsigned long long)n,
	      "doorbells_host +%llu", zc_sysfs(link, "doorbells_host") - dh);
	CHECK(zc_sysfs(link, "doorbells_remote") - dr >= (unsigned long long)n + 1,
	      "doorbells_remote +%llu", zc_sysfs(link, "doorbells_remote") - dr);
	CHECK(zc_sysfs(link, "kick_loops") == loops, "unexpected kick loops");

	munmap(pool, size);
	zc_end_close(&h);
	printf("pingpong: %ld round trips in %.3f s (%.0f/s, %.1f us each)\n",
	       n, dt, n / dt, dt / n * 1e6);
	return 0;
}

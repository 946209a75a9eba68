// SPDX-License-Identifier: GPL-2.0
/*
 * ZC_IOC_EVICT (issue 9 item 12): the host takes the role away from a live
 * remote. Afterwards nothing the remote (or a child that inherited its
 * mapping) writes through its old mapping reaches the pool, its ioctls,
 * mmap and kicks go nowhere, its poll reports the hang-up (waking a poller),
 * the host's mapping is untouched and sees the remote lost, and a new
 * remote binds and works. Only the host may evict, only with a writable
 * file; ZC_EVICT_F_IF_EVENTS refuses (ESTALE) when the remote is not the
 * one the host means.
 *
 * usage: zc_evict [LINK]
 */
#include <pthread.h>

#include "zc_test.h"

static int evict(int fd, unsigned int flags, unsigned int events)
{
	struct zc_kmod_evict e;

	memset(&e, 0, sizeof(e));
	e.flags = flags;
	e.events = events;
	return ioctl(fd, ZC_IOC_EVICT, &e);
}

static int poll_fd;
static short poll_revents;

/* A remote asleep in poll() on its file, as libzc's remote is. */
static void *poller(void *arg)
{
	struct pollfd pfd = { .fd = poll_fd, .events = POLLIN };

	(void)arg;
	if (poll(&pfd, 1, 20000) == 1)
		poll_revents = pfd.revents;
	return NULL;
}

static void all_are(const uint8_t *p, size_t n, uint8_t v, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			FAIL("%s: byte %zu is 0x%02x, want 0x%02x", what, i, p[i], v);
}

int main(int argc, char **argv)
{
	int link = argc > 1 ? atoi(argv[1]) : 0;
	struct zc_end h, r, n;
	struct zc_kmod_info info;
	struct zc_kmod_peer p;
	struct zc_kmod_evict bad;
	struct pollfd pfd;
	unsigned long long ev0;
	unsigned int events;
	uint8_t *hp, *rp, *np;
	size_t size, pg = (size_t)sysconf(_SC_PAGESIZE);
	pthread_t t;
	int go[2], ro, unbound;
	pid_t child;
	char c;

	zc_test_name = "evict";
	zc_end_open(&h, link, ZC_ROLE_HOST);
	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	EXPECT_OK(zc_info(h.fd, &info));
	CHECK(info.flags & ZC_INFO_F_EVICT, "flags 0x%x", info.flags);
	size = info.pool_size;
	hp = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, h.fd, 0);
	rp = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	CHECK(hp != MAP_FAILED && rp != MAP_FAILED, "mmap: %s", strerror(errno));

	/* Shared while the remote is bound. */
	memset(rp, 0x11, size);
	all_are(hp, size, 0x11, "host's view of the remote's write");
	memset(hp, 0x22, size);
	all_are(rp, size, 0x22, "remote's view of the host's write");

	/* Who may not evict. */
	ro = EXPECT_OK(zc_open_link(link, O_RDONLY));
	EXPECT_ERR(evict(ro, 0, 0), EBADF);
	close(ro);
	unbound = EXPECT_OK(zc_open_link(link, O_RDWR));
	EXPECT_ERR(evict(unbound, 0, 0), ENOTCONN);
	close(unbound);
	EXPECT_ERR(evict(r.fd, 0, 0), EPERM);
	EXPECT_ERR(evict(h.fd, 0x80, 0), EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.__reserved[1] = 1;
	EXPECT_ERR(ioctl(h.fd, ZC_IOC_EVICT, &bad), EINVAL);
	EXPECT_ERR(ioctl(h.fd, ZC_IOC_EVICT, NULL), EFAULT);

	/* A child with the remote's mapping (fork), told when to write. */
	CHECK(pipe(go) == 0, "pipe");
	child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		memset(rp, 0xcc, size);	/* no SIGBUS: it maps scratch */
		_exit(rp[size - 1] == 0xcc ? 0 : 3);
	}
	close(go[0]);

	poll_fd = r.fd;
	CHECK(pthread_create(&t, NULL, poller, NULL) == 0, "pthread_create");
	usleep(200000);	/* let it sleep in poll() */

	/* A remote other than the one the host means is not evicted. */
	EXPECT_OK(zc_peer(h.fd, &p));
	events = p.events;
	EXPECT_ERR(evict(h.fd, ZC_EVICT_F_IF_EVENTS, events + 1), ESTALE);
	CHECK(zc_sysfs(link, "remote_bound") == 1, "ESTALE evicted");
	while (zc_wait_doorbell(&h, 0))	/* no stale doorbells below */
		;

	ev0 = zc_sysfs(link, "evictions");
	EXPECT_OK(evict(h.fd, ZC_EVICT_F_IF_EVENTS, events));
	CHECK(zc_sysfs(link, "evictions") == ev0 + 1, "evictions counter");
	CHECK(zc_sysfs(link, "remote_bound") == 0, "role still bound");

	/* The remote found out, even asleep. */
	pthread_join(t, NULL);
	CHECK((poll_revents & (POLLHUP | POLLERR)) == (POLLHUP | POLLERR),
	      "poller woke with revents 0x%x", poll_revents);
	pfd.fd = r.fd;
	pfd.events = POLLIN | POLLPRI;
	CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)) ==
	      (POLLHUP | POLLERR), "revents 0x%x", pfd.revents);
	CHECK(zc_wait_doorbell(&r, 0) > 0, "the remote's doorbell was not rung");

	/* Everything it asks for is refused. */
	EXPECT_ERR(zc_peer(r.fd, &p), EPIPE);
	EXPECT_ERR(zc_info(r.fd, &info), EPIPE);
	EXPECT_ERR(zc_bind(r.fd, ZC_ROLE_REMOTE, r.doorbell, r.kick), EPIPE);
	EXPECT_ERR(evict(r.fd, 0, 0), EPIPE);
	errno = 0;
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED, r.fd, 0) == MAP_FAILED &&
	      errno == EPIPE, "mmap after eviction: errno %d", errno);

	/* Its writes through the old mapping reach nobody ... */
	memset(rp, 0xee, size);
	all_are(hp, size, 0x22, "host after the evicted remote's write");
	/* ... they land in one private page: every page of it aliases it */
	rp[0] = 0x5a;
	CHECK(rp[pg] == 0x5a && rp[size - pg] == 0x5a, "not the scratch page");
	/* and neither do its child's. */
	CHECK(write(go[1], "w", 1) == 1, "pipe write");
	zc_reap(child, 0);
	close(go[1]);
	all_are(hp, size, 0x22, "host after the evicted child's write");

	/* Its kicks are not forwarded (the eviction itself rang the host). */
	while (zc_wait_doorbell(&h, 0))
		;
	zc_kick(&r);
	CHECK(zc_wait_doorbell(&h, 300) == 0, "an evicted remote's kick rang the host");

	/* The host saw the remote go, as if it had closed; its mapping works. */
	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.state == ZC_PEER_LOST && p.events == events + 1,
	      "host: state %u events %u (had %u)", p.state, p.events, events);
	memset(hp, 0x33, size);
	all_are(hp, size, 0x33, "host's own mapping");

	/* A new remote binds, shares the pool with the host, and rings. */
	zc_end_open(&n, link, ZC_ROLE_REMOTE);
	np = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, n.fd, 0);
	CHECK(np != MAP_FAILED, "new remote's mmap: %s", strerror(errno));
	all_are(np, size, 0x33, "new remote's view");
	memset(np, 0x44, size);
	all_are(hp, size, 0x44, "host's view of the new remote");
	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.state == ZC_PEER_UP && p.events == events + 2,
	      "host: state %u events %u", p.state, p.events);
	zc_kick(&n);
	CHECK(zc_wait_doorbell(&h, 2000) > 0, "new remote's kick");
	zc_kick(&h);
	CHECK(zc_wait_doorbell(&n, 2000) > 0, "host's kick to the new remote");
	/* The old one's writes still go nowhere. */
	memset(rp, 0xee, size);
	all_are(np, size, 0x44, "new remote after the old one's write");

	/* Closing the evicted file changes nothing for the new remote. */
	munmap(rp, size);
	zc_end_close(&r);
	CHECK(zc_sysfs(link, "remote_bound") == 1, "old close unbound the new remote");
	EXPECT_OK(zc_peer(h.fd, &p));
	CHECK(p.state == ZC_PEER_UP && p.events == events + 2,
	      "host after the old close: state %u events %u", p.state, p.events);

	/* Evict without a condition; then there is nobody to evict. */
	EXPECT_OK(evict(h.fd, 0, 0));
	EXPECT_ERR(evict(h.fd, 0, 0), ENOENT);
	munmap(np, size);
	zc_end_close(&n);
	munmap(hp, size);
	zc_end_close(&h);
	CHECK(zc_sysfs(link, "mappings") == 0, "mappings left: %llu",
	      zc_sysfs(link, "mappings"));
	CHECK(zc_sysfs(link, "host_bound") == 0, "host left bound");
	printf("evict: a live remote evicted (mapping zapped, child's too, role freed), a new one bound\n");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Open/bind/mmap/kick/close races from several processes and threads.
 * Correctness here is: only the documented errnos, no hang, no kernel
 * warning (checked by the harness), and everything unbound and unmapped at
 * the end.
 */
#include <pthread.h>

#include "zc_test.h"

#define NPROC	6
#define ITERS	300

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void churn(int id, int nlinks)
{
	unsigned int s = 0x9e3779b9u * (id + 1);
	long pg = getpagesize();
	int it;

	for (it = 0; it < ITERS; it++) {
		int link = rnd(&s) % nlinks;
		int fd = EXPECT_OK(zc_open_link(link, O_RDWR));
		struct zc_kmod_info info;
		int db = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
		int kick = EXPECT_OK(eventfd(0, 0));
		uint8_t *m = MAP_FAILED;
		size_t len = 0;
		uint64_t one = 1;
		int bound = 0, k;

		EXPECT_OK(zc_info(fd, &info));
		if (rnd(&s) % 2) {
			unsigned int role = 1 + rnd(&s) % 2;

			if (zc_bind(fd, role, db, kick) == 0)
				bound = 1;
			else
				CHECK(errno == EBUSY, "bind: %s", strerror(errno));
		}
		if (rnd(&s) % 2) {
			size_t pages = info.pool_size / pg;
			size_t off = rnd(&s) % pages;
			size_t n = 1 + rnd(&s) % (pages + 1);

			len = n * pg;
			m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				 off * pg);
			if (!bound) {
				/* only a bound file maps the pool */
				CHECK(m == MAP_FAILED && errno == ENOTCONN,
				      "unbound mmap: %s", strerror(errno));
			} else if (off + n > pages) {
				CHECK(m == MAP_FAILED && errno == EINVAL,
				      "out-of-range mmap off %zu n %zu", off, n);
			} else {
				CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
				m[rnd(&s) % len] ^= 1;
			}
		}
		for (k = rnd(&s) % 8; k > 0; k--)
			CHECK(write(kick, &one, 8) == 8, "kick");
		if (bound && rnd(&s) % 2) {
			/* drop the eventfds before the device file */
			close(db);
			close(kick);
			db = kick = -1;
		}
		if (rnd(&s) % 2) {
			close(fd);
			fd = -1;
			if (m != MAP_FAILED)
				m[0] ^= 1;	/* still mapped after close */
		}
		if (m != MAP_FAILED)
			munmap(m, len);
		if (fd >= 0)
			close(fd);
		if (db >= 0)
			close(db);
		if (kick >= 0)
			close(kick);
	}
}

/* One thread kicks a shared eventfd nonstop while the main thread binds and
 * releases files that use it as their kick eventfd. */
static volatile int stop;
static int shared_kick;

static void *kicker(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	while (!stop)
		if (write(shared_kick, &one, 8) != 8)
			FAIL("kick: %s", strerror(errno));
	return NULL;
}

static void bind_release_vs_kick(void)
{
	pthread_t th;
	int i, db = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
	pid_t pid;

	/* a remote that drains its doorbell, so kicks are delivered */
	pid = EXPECT_OK(fork());
	if (pid == 0) {
		struct zc_end r;

		zc_end_open(&r, 0, ZC_ROLE_REMOTE);
		for (;;)
			zc_wait_doorbell(&r, 1000);
	}
	shared_kick = EXPECT_OK(eventfd(0, 0));
	pthread_create(&th, NULL, kicker, NULL);
	for (i = 0; i < 500; i++) {
		int fd = EXPECT_OK(zc_open_link(0, O_RDWR));

		while (zc_bind(fd, ZC_ROLE_HOST, db, shared_kick)) {
			CHECK(errno == EBUSY, "bind: %s", strerror(errno));
			usleep(100);
		}
		if (i % 3 == 0)
			usleep(100);
		close(fd);
	}
	stop = 1;
	pthread_join(th, NULL);
	kill(pid, SIGKILL);
	zc_reap(pid, SIGKILL);
	close(shared_kick);
	close(db);
}

int main(void)
{
	int nlinks = access("/dev/zc1", F_OK) == 0 ? 2 : 1;
	unsigned long long kicks0 = zc_sysfs(0, "kicks_host");
	pid_t pids[NPROC];
	int i, l;

	zc_test_name = "race";
	for (i = 0; i < NPROC; i++) {
		pids[i] = EXPECT_OK(fork());
		if (pids[i] == 0) {
			churn(i, nlinks);
			exit(0);
		}
	}
	for (i = 0; i < NPROC; i++)
		zc_reap(pids[i], 0);

	bind_release_vs_kick();
	CHECK(zc_sysfs(0, "kicks_host") > kicks0, "no kicks went through");

	for (l = 0; l < nlinks; l++) {
		CHECK(zc_sysfs(l, "host_bound") == 0, "zc%d host bound", l);
		CHECK(zc_sysfs(l, "remote_bound") == 0, "zc%d remote bound", l);
		CHECK(zc_sysfs(l, "mappings") == 0, "zc%d mappings %llu", l,
		      zc_sysfs(l, "mappings"));
	}
	printf("race: %d processes x %d iterations, 500 bind/release under kicks: clean\n",
	       NPROC, ITERS);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks a user of /dev/zcN could make on the driver's kick handling and
 * role rules, each with a time bound the old code broke:
 *
 *  - semaphore: an EFD_SEMAPHORE kick eventfd (a read takes 1, not the
 *    count) with 2^31 pending used to hold a CPU ~20 s in BIND's stale
 *    drain, and once bound, one write of 2^31 held a CPU ~40 s in the
 *    wake-up callback. BIND must refuse it at once, with the counter left
 *    as it was.
 *  - a counting kick with 2^63 pending binds at once.
 *  - full counter: a writer asleep on a full kick counter is woken when
 *    BIND drops the stale count (it used to sleep for good).
 *  - read-only open: BIND refused (-EBADF), so no role, no kick, no
 *    ZC_BIND_F_CLEAR of the pool.
 *  - relay: an eventfd wired as link 0's host doorbell and link 1's
 *    remote kick forwards link 0's doorbells to link 1's host (one
 *    per-CPU flag for all links used to drop them); a relay cycle across
 *    two links is cut after a bounded number of hops and counted.
 *
 * usage: zc_harden   (zc.ko loaded with links >= 2)
 */
#include "zc_test.h"

static uint64_t efd_read_nb(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, 8) != 8)
		return 0;
	return v;
}

static void semaphore_refused(void)
{
	int fd = EXPECT_OK(zc_open_link(0, O_RDWR));
	int db = EXPECT_OK(eventfd(0, 0));
	int sem = EXPECT_OK(eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK));
	uint64_t big = 1ULL << 31, v;
	double t0, dt;
	int i;

	/* nothing pending: refused all the same */
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, db, sem), EINVAL);
	CHECK(efd_read_nb(sem) == 0, "refused bind left a count behind");

	/* 2^31 pending: refused at once, not after 2^31 reads */
	CHECK(write(sem, &big, 8) == 8, "write 2^31");
	t0 = zc_now();
	errno = 0;
	i = zc_bind(fd, ZC_ROLE_HOST, db, sem);
	dt = zc_now() - t0;
	CHECK(i == -1 && errno == EINVAL,
	      "semaphore kick bound (ret %d errno %d) after %.3f s", i, errno, dt);
	CHECK(dt < 0.5, "refusal took %.3f s", dt);

	/* the count is as the user left it: 2^31 reads of 1 would follow */
	for (i = 0; i < 3; i++) {
		CHECK(read(sem, &v, 8) == 8 && v == 1, "semaphore read %d", i);
	}
	CHECK(zc_sysfs(0, "host_bound") == 0, "a refused bind left a role");
	printf("harden: EFD_SEMAPHORE kick with 2^31 pending refused in %.1f ms\n",
	       dt * 1e3);
	close(sem);
	close(db);
	close(fd);
}

static void counting_fast(void)
{
	int fd = EXPECT_OK(zc_open_link(0, O_RDWR));
	int db = EXPECT_OK(eventfd(0, 0));
	int kick = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
	uint64_t big = 1ULL << 63;
	double t0, dt;

	CHECK(write(kick, &big, 8) == 8, "write 2^63");
	t0 = zc_now();
	EXPECT_OK(zc_bind(fd, ZC_ROLE_HOST, db, kick));
	dt = zc_now() - t0;
	CHECK(dt < 0.5, "bind with 2^63 stale took %.3f s", dt);
	CHECK(efd_read_nb(kick) == 0, "stale count survived the bind");
	/* a huge kick once bound is one read too */
	t0 = zc_now();
	CHECK(write(kick, &big, 8) == 8, "write 2^63 bound");
	dt = zc_now() - t0;
	CHECK(dt < 0.5, "kick of 2^63 took %.3f s", dt);
	close(kick);
	close(db);
	close(fd);
}

/* A writer blocked on a full kick counter wakes when BIND drains it. */
static void full_counter_writer(void)
{
	int fd = EXPECT_OK(zc_open_link(0, O_RDWR));
	int db = EXPECT_OK(eventfd(0, 0));
	int kick = EXPECT_OK(eventfd(0, 0));
	uint64_t full = 0xfffffffffffffffeULL;
	int st;
	pid_t pid;
	double t0;

	CHECK(write(kick, &full, 8) == 8, "fill the counter");
	pid = EXPECT_OK(fork());
	if (pid == 0) {
		uint64_t one = 1;

		/* blocks: the counter has no room */
		_exit(write(kick, &one, 8) == 8 ? 0 : 1);
	}
	/* until it sleeps in eventfd_write() (wchan), 2 s at most */
	t0 = zc_now();
	for (;;) {
		char path[64], wchan[64] = "";
		int wfd;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
		wfd = open(path, O_RDONLY);
		n = wfd >= 0 ? read(wfd, wchan, sizeof(wchan) - 1) : -1;
		if (wfd >= 0)
			close(wfd);
		if (n > 0 && !strncmp(wchan, "eventfd_write", 13))
			break;
		if (zc_now() - t0 > 2.0)
			break;
		usleep(10000);
	}
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "the writer did not block");
	EXPECT_OK(zc_bind(fd, ZC_ROLE_HOST, db, kick));
	t0 = zc_now();
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (zc_now() - t0 > 2.0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			FAIL("a writer blocked on the full kick counter was never woken by BIND's drain");
		}
		usleep(10000);
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer status 0x%x", st);
	close(kick);
	close(db);
	close(fd);
}

static void read_only_refused(void)
{
	int ro = EXPECT_OK(zc_open_link(0, O_RDONLY));
	int db = EXPECT_OK(eventfd(0, 0)), kick = EXPECT_OK(eventfd(0, 0));
	struct zc_kmod_bind b = { .role = ZC_ROLE_HOST, .flags = ZC_BIND_F_CLEAR,
				  .doorbell_fd = db, .kick_fd = kick };
	struct zc_kmod_info info;
	struct zc_end r;
	uint8_t *m;

	/* a remote's view of the pool, with bytes the clear would zero */
	zc_end_open(&r, 0, ZC_ROLE_REMOTE);
	EXPECT_OK(zc_info(r.fd, &info));
	m = mmap(NULL, info.pool_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 r.fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(m, 0x5a, 4096);

	EXPECT_ERR(ioctl(ro, ZC_IOC_BIND, &b), EBADF);
	b.flags = 0;
	EXPECT_ERR(ioctl(ro, ZC_IOC_BIND, &b), EBADF);
	b.role = ZC_ROLE_REMOTE;
	EXPECT_ERR(ioctl(ro, ZC_IOC_BIND, &b), EBADF);
	CHECK(m[0] == 0x5a && m[4095] == 0x5a, "a read-only opener cleared the pool");
	CHECK(zc_sysfs(0, "host_bound") == 0, "a read-only opener holds the host role");
	/* it may still look */
	EXPECT_OK(zc_info(ro, &info));
	munmap(m, info.pool_size);
	zc_end_close(&r);
	close(ro);
	close(db);
	close(kick);
}

/* e: link 0's host doorbell and link 1's remote kick. */
static void relay(void)
{
	unsigned long long l0 = zc_sysfs(0, "kick_loops"),
			   l1 = zc_sysfs(1, "kick_loops");
	int e = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
	struct zc_end r0, h1;
	int h0, r1, h0kick, r1db;
	int i;

	zc_end_open(&r0, 0, ZC_ROLE_REMOTE);
	zc_end_open(&h1, 1, ZC_ROLE_HOST);
	h0 = EXPECT_OK(zc_open_link(0, O_RDWR));
	h0kick = EXPECT_OK(eventfd(0, 0));
	EXPECT_OK(zc_bind(h0, ZC_ROLE_HOST, e, h0kick));
	r1 = EXPECT_OK(zc_open_link(1, O_RDWR));
	r1db = EXPECT_OK(eventfd(0, 0));
	EXPECT_OK(zc_bind(r1, ZC_ROLE_REMOTE, r1db, e));
	for (i = 0; i < 20; i++) {
		/* link 0's remote kicks: link 0's host doorbell is e ... */
		zc_kick(&r0);
		/* ... which, as link 1's remote kick, rings link 1's host */
		CHECK(zc_wait_doorbell(&h1, 2000) == 1,
		      "round %d: link 0's doorbell was not relayed to link 1", i);
	}
	CHECK(zc_sysfs(0, "kick_loops") == l0 && zc_sysfs(1, "kick_loops") == l1,
	      "a relay was counted as a loop");
	close(r1);
	close(r1db);
	close(h0);
	close(h0kick);
	zc_end_close(&h1);
	zc_end_close(&r0);
	close(e);
}

/*
 * A cycle: e = link 0 host doorbell = link 1 remote kick, f = link 1 host
 * doorbell = link 0 remote kick. One write to f would go round forever in
 * irq_work; it must stop by itself, counted once.
 */
static void relay_cycle(void)
{
	unsigned long long l0 = zc_sysfs(0, "kick_loops"),
			   l1 = zc_sysfs(1, "kick_loops");
	unsigned long long k0, k1, k0b, k1b;
	int e = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
	int f = EXPECT_OK(eventfd(0, EFD_NONBLOCK));
	int h0 = EXPECT_OK(zc_open_link(0, O_RDWR)), r0 = EXPECT_OK(zc_open_link(0, O_RDWR));
	int h1 = EXPECT_OK(zc_open_link(1, O_RDWR)), r1 = EXPECT_OK(zc_open_link(1, O_RDWR));
	int x[4], i;
	uint64_t one = 1;

	for (i = 0; i < 4; i++)
		x[i] = EXPECT_OK(eventfd(0, 0));
	EXPECT_OK(zc_bind(h0, ZC_ROLE_HOST, e, x[0]));
	EXPECT_OK(zc_bind(r0, ZC_ROLE_REMOTE, x[1], f));
	EXPECT_OK(zc_bind(h1, ZC_ROLE_HOST, f, x[2]));
	EXPECT_OK(zc_bind(r1, ZC_ROLE_REMOTE, x[3], e));
	k0 = zc_sysfs(0, "kicks_remote");
	k1 = zc_sysfs(1, "kicks_remote");
	CHECK(write(f, &one, 8) == 8, "kick the cycle");
	usleep(300000);
	k0b = zc_sysfs(0, "kicks_remote");
	k1b = zc_sysfs(1, "kicks_remote");
	usleep(200000);
	CHECK(zc_sysfs(0, "kicks_remote") == k0b && zc_sysfs(1, "kicks_remote") == k1b,
	      "the relay cycle is still going");
	CHECK(zc_sysfs(0, "kick_loops") + zc_sysfs(1, "kick_loops") == l0 + l1 + 1,
	      "loops +%llu +%llu, want one cut", zc_sysfs(0, "kick_loops") - l0,
	      zc_sysfs(1, "kick_loops") - l1);
	printf("harden: relay cycle cut after %llu hops\n",
	       (k0b - k0) + (k1b - k1));
	CHECK((k0b - k0) + (k1b - k1) <= 64, "cycle ran %llu hops",
	      (k0b - k0) + (k1b - k1));
	close(h0);
	close(r0);
	close(h1);
	close(r1);
	for (i = 0; i < 4; i++)
		close(x[i]);
	close(e);
	close(f);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "semaphore", semaphore_refused },
	{ "bigkick", counting_fast },
	{ "fullcounter", full_counter_writer },
	{ "readonly", read_only_refused },
	{ "relay", relay },
	{ "cycle", relay_cycle },
};

/* usage: zc_harden [case ...]  (default: all, in order) */
int main(int argc, char **argv)
{
	unsigned int i;
	int a, ran = 0;

	zc_test_name = "harden";
	CHECK(access("/dev/zc1", F_OK) == 0, "needs two links");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (a = 1; a < argc; a++)
			if (!strcmp(argv[a], cases[i].name))
				break;
		if (argc > 1 && a == argc)
			continue;
		zc_test_name = cases[i].name;
		cases[i].fn();
		ran++;
	}
	CHECK(ran == (argc > 1 ? argc - 1 : ran), "unknown case name");
	CHECK(zc_sysfs(0, "host_bound") == 0 && zc_sysfs(0, "remote_bound") == 0 &&
	      zc_sysfs(1, "host_bound") == 0 && zc_sysfs(1, "remote_bound") == 0,
	      "roles left bound");
	printf("harden: %d case(s) passed\n", ran);
	return 0;
}

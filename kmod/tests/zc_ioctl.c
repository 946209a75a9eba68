// SPDX-License-Identifier: GPL-2.0
/*
 * Every ioctl with good and bad arguments: exact errno for each mistake,
 * role rules, the error counter, and the CAP_SYS_ADMIN gate on phys_base.
 */
#include "zc_test.h"

static void check_info(int fd, int link)
{
	struct zc_kmod_info info;

	EXPECT_OK(zc_info(fd, &info));
	CHECK(info.abi_version == ZC_KMOD_ABI_VERSION, "abi %u", info.abi_version);
	CHECK(info.link_id == (unsigned int)link, "link %u", info.link_id);
	CHECK(info.pool_size == zc_sysfs(link, "pool_size"), "pool %llu",
	      (unsigned long long)info.pool_size);
	CHECK(info.slot_size == zc_sysfs(link, "slot_size"), "slot %u",
	      info.slot_size);
	CHECK(info.nr_slots == info.pool_size / info.slot_size, "nr_slots %u",
	      info.nr_slots);
	CHECK(info.page_size == (unsigned int)getpagesize(), "page %u",
	      info.page_size);
	CHECK(info.__pad == 0 && !info.__reserved[0] && !info.__reserved[1] &&
	      !info.__reserved[2] && !info.__reserved[3], "reserved not zeroed");
	CHECK(!!(info.flags & ZC_INFO_F_CONTIG) == !!zc_sysfs(link, "contiguous"),
	      "flags 0x%x", info.flags);
	CHECK(info.flags & ZC_INFO_F_SW_MAILBOX, "flags 0x%x", info.flags);
	if (info.flags & ZC_INFO_F_CONTIG) {
		/* the tests run as root */
		CHECK(info.flags & ZC_INFO_F_PHYS_VALID, "flags 0x%x", info.flags);
		CHECK(info.phys_base && !(info.phys_base % info.page_size),
		      "phys 0x%llx", (unsigned long long)info.phys_base);
	} else {
		CHECK(!(info.flags & ZC_INFO_F_PHYS_VALID) && !info.phys_base,
		      "vmalloc pool reports phys 0x%llx",
		      (unsigned long long)info.phys_base);
	}
}

/* An unprivileged caller with an open fd must not learn physical addresses. */
static void check_phys_hidden(int link)
{
	int fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	pid_t pid = fork();

	if (pid == 0) {
		struct zc_kmod_info info;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FAIL("drop privileges: %s", strerror(errno));
		EXPECT_OK(zc_info(fd, &info));
		CHECK(!info.phys_base && !(info.flags & ZC_INFO_F_PHYS_VALID),
		      "unprivileged caller sees phys 0x%llx",
		      (unsigned long long)info.phys_base);
		/* a fresh open of the 0600 node is refused */
		EXPECT_ERR(zc_open_link(link, O_RDWR), EACCES);
		exit(0);
	}
	zc_reap(pid, 0);
	close(fd);
}

/* ZC_BIND_F_CLEAR zeroes the pool; a plain host bind leaves it alone. */
static void check_clear(int link)
{
	struct zc_kmod_info info;
	int fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	int db = EXPECT_OK(eventfd(0, 0)), kick = EXPECT_OK(eventfd(0, 0));
	struct zc_kmod_bind b = { .role = ZC_ROLE_HOST, .doorbell_fd = db,
				  .kick_fd = kick };
	uint8_t *m;
	size_t i;

	/*
	 * Watch through the remote role's mapping (only a bound file maps);
	 * it keeps that file, and the role, alive until the munmap below.
	 */
	int mfd = EXPECT_OK(zc_open_link(link, O_RDWR));
	int rdb = EXPECT_OK(eventfd(0, 0)), rkick = EXPECT_OK(eventfd(0, 0));

	EXPECT_OK(zc_info(fd, &info));
	EXPECT_OK(zc_bind(mfd, ZC_ROLE_REMOTE, rdb, rkick));
	m = mmap(NULL, info.pool_size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	close(mfd);
	close(rdb);
	close(rkick);
	memset(m, 0xee, info.pool_size);
	EXPECT_OK(ioctl(fd, ZC_IOC_BIND, &b));
	CHECK(m[0] == 0xee && m[info.pool_size - 1] == 0xee, "plain bind cleared");
	close(fd);
	fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	b.flags = ZC_BIND_F_CLEAR;
	EXPECT_OK(ioctl(fd, ZC_IOC_BIND, &b));
	for (i = 0; i < info.pool_size; i++)
		CHECK(m[i] == 0, "byte %zu not cleared", i);
	munmap(m, info.pool_size);
	close(fd);
	close(db);
	close(kick);
}

int main(void)
{
	struct zc_kmod_bind b;
	struct zc_kmod_peer p;
	struct zc_kmod_info info;
	unsigned long long err0, err1;
	int fd, fd2, fd3, efd1, efd2, efd3, efd4, pfd[2], dupfd, nfail = 0;

	zc_test_name = "ioctl";
	fd = EXPECT_OK(zc_open_link(0, O_RDWR));
	efd1 = EXPECT_OK(eventfd(0, 0));
	efd2 = EXPECT_OK(eventfd(0, 0));
	EXPECT_OK(pipe(pfd));
	err0 = zc_sysfs(0, "errors");

	check_info(fd, 0);

	/* unknown commands, including a known number with the wrong size */
	EXPECT_ERR(ioctl(fd, _IO(ZC_IOC_MAGIC, 0x7f), 0), ENOTTY); nfail++;
	EXPECT_ERR(ioctl(fd, _IOR(ZC_IOC_MAGIC, 0x00, __u32), &b), ENOTTY); nfail++;
	EXPECT_ERR(ioctl(fd, _IOW(ZC_IOC_MAGIC, 0x01, __u64), &b), ENOTTY); nfail++;
	EXPECT_ERR(ioctl(fd, _IOR('T', 0x00, struct zc_kmod_info), &info), ENOTTY); nfail++;
	EXPECT_ERR(ioctl(fd, TCGETS, &info), ENOTTY); nfail++;

	/* bad user pointers */
	EXPECT_ERR(ioctl(fd, ZC_IOC_GET_INFO, NULL), EFAULT); nfail++;
	EXPECT_ERR(ioctl(fd, ZC_IOC_GET_INFO, (void *)1), EFAULT); nfail++;
	EXPECT_ERR(ioctl(fd, ZC_IOC_BIND, NULL), EFAULT); nfail++;

	/* peer state before any bind */
	EXPECT_ERR(zc_peer(fd, &p), ENOTCONN); nfail++;

	/* malformed bind arguments */
	memset(&b, 0, sizeof(b));
	b.role = ZC_ROLE_HOST;
	b.doorbell_fd = efd1;
	b.kick_fd = efd2;
	b.flags = 0x80000000u;
	EXPECT_ERR(ioctl(fd, ZC_IOC_BIND, &b), EINVAL); nfail++;
	b.flags = 0;
	b.__reserved[1] = 1;
	EXPECT_ERR(ioctl(fd, ZC_IOC_BIND, &b), EINVAL); nfail++;
	b.__reserved[1] = 0;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_NONE, efd1, efd2), EINVAL); nfail++;
	EXPECT_ERR(zc_bind(fd, 3, efd1, efd2), EINVAL); nfail++;
	EXPECT_ERR(zc_bind(fd, 0xffffffffu, efd1, efd2), EINVAL); nfail++;

	/* bad file descriptors */
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, -1, efd2), EBADF); nfail++;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, efd1, -1), EBADF); nfail++;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, 999, efd2), EBADF); nfail++;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, efd1, 999), EBADF); nfail++;
	/* not eventfds */
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, pfd[0], efd2), EINVAL); nfail++;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, efd1, pfd[1]), EINVAL); nfail++;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, fd, efd2), EINVAL); nfail++;
	/* one eventfd as both doorbell and kick, also through a dup */
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, efd1, efd1), EINVAL); nfail++;
	dupfd = EXPECT_OK(dup(efd1));
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, dupfd, efd1), EINVAL); nfail++;
	close(dupfd);

	/* the clear flag is for the host only */
	b.flags = ZC_BIND_F_CLEAR;
	b.role = ZC_ROLE_REMOTE;
	EXPECT_ERR(ioctl(fd, ZC_IOC_BIND, &b), EINVAL); nfail++;
	b.flags = 2;
	b.role = ZC_ROLE_HOST;
	EXPECT_ERR(ioctl(fd, ZC_IOC_BIND, &b), EINVAL); nfail++;
	b.flags = 0;

	/* none of that bound anything */
	CHECK(zc_sysfs(0, "host_bound") == 0, "host bound after failed binds");
	EXPECT_OK(zc_info(fd, &info));
	CHECK(info.roles_bound == 0, "roles 0x%x", info.roles_bound);

	/* a good bind, then a second one on the same file */
	EXPECT_OK(zc_bind(fd, ZC_ROLE_HOST, efd1, efd2));
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, efd1, efd2), EALREADY); nfail++;
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_REMOTE, efd1, efd2), EALREADY); nfail++;
	EXPECT_OK(zc_peer(fd, &p));
	CHECK(p.role == ZC_ROLE_HOST && p.state == ZC_PEER_NONE && p.events == 0,
	      "role %u state %u events %u", p.role, p.state, p.events);
	CHECK(p.kicks_sent == 0 && p.doorbells == 0 && !p.__pad &&
	      !p.__reserved[0] && !p.__reserved[1], "counters not zero");

	/* the host role is taken: another opener gets EBUSY */
	fd2 = EXPECT_OK(zc_open_link(0, O_RDWR));
	efd3 = EXPECT_OK(eventfd(0, 0));
	efd4 = EXPECT_OK(eventfd(0, 0));
	EXPECT_ERR(zc_bind(fd2, ZC_ROLE_HOST, efd3, efd4), EBUSY); nfail++;
	/* ... but can still take the remote role */
	EXPECT_OK(zc_bind(fd2, ZC_ROLE_REMOTE, efd3, efd4));
	EXPECT_OK(zc_info(fd, &info));
	CHECK(info.roles_bound == ((1u << ZC_ROLE_HOST) | (1u << ZC_ROLE_REMOTE)),
	      "roles 0x%x", info.roles_bound);
	/* and a third opener finds both taken */
	fd3 = EXPECT_OK(zc_open_link(0, O_RDWR));
	EXPECT_ERR(zc_bind(fd3, ZC_ROLE_REMOTE, efd3, efd4), EBUSY); nfail++;
	EXPECT_ERR(zc_bind(fd3, ZC_ROLE_HOST, efd3, efd4), EBUSY); nfail++;

	EXPECT_OK(zc_peer(fd, &p));
	CHECK(p.state == ZC_PEER_UP && p.events == 1, "state %u events %u",
	      p.state, p.events);
	EXPECT_OK(zc_peer(fd2, &p));
	CHECK(p.role == ZC_ROLE_REMOTE && p.state == ZC_PEER_UP && p.events == 0,
	      "role %u state %u events %u", p.role, p.state, p.events);

	/* every failure above, and nothing else, was counted */
	err1 = zc_sysfs(0, "errors");
	CHECK(err1 - err0 == (unsigned long long)nfail, "errors +%llu, want +%d",
	      err1 - err0, nfail);

	/* the other link is independent */
	if (access("/dev/zc1", F_OK) == 0) {
		int l1 = EXPECT_OK(zc_open_link(1, O_RDWR));

		check_info(l1, 1);
		EXPECT_OK(zc_bind(l1, ZC_ROLE_HOST, efd3, efd4));
		close(l1);
	}

	close(fd3);
	close(fd2);
	close(fd);
	CHECK(zc_sysfs(0, "host_bound") == 0 && zc_sysfs(0, "remote_bound") == 0,
	      "roles still bound after close");

	check_clear(0);
	check_phys_hidden(0);
	printf("ioctl: %d bad calls refused with the right errno\n", nfail);
	return 0;
}

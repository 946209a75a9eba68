// SPDX-License-Identifier: GPL-2.0
/*
 * mmap rules: only a bound file maps (so a read-only open, which cannot
 * bind, cannot map), shared only, range checked, sub-ranges at the right
 * offset, no growth by mremap, and a mapping outlives the file descriptor it
 * came from and keeps that file's role bound. A contiguous pool is
 * contiguous at the reported physical base.
 */
#include "zc_test.h"

/*
 * A contiguous pool really is: the page frames behind the mapping (from
 * /proc/self/pagemap, readable by root) are consecutive and start at the
 * reported phys_base.
 */
static void check_phys(uint8_t *map, size_t size, uint64_t phys_base)
{
	long pg = getpagesize();
	int pm = EXPECT_OK(open("/proc/self/pagemap", O_RDONLY));
	size_t i;

	for (i = 0; i < size / pg; i++) {
		uint64_t e, pfn;
		off_t off = ((uintptr_t)map / pg + i) * sizeof(e);

		CHECK(pread(pm, &e, sizeof(e), off) == sizeof(e), "pagemap");
		CHECK(e & (1ULL << 63), "page %zu not present", i);
		pfn = e & ((1ULL << 55) - 1);
		CHECK(pfn == phys_base / pg + i,
		      "page %zu at pfn 0x%llx, want 0x%llx", i,
		      (unsigned long long)pfn,
		      (unsigned long long)(phys_base / pg + i));
	}
	close(pm);
}

int main(int argc, char **argv)
{
	int link = argc > 1 ? atoi(argv[1]) : 0;
	struct zc_kmod_info info;
	long pg = getpagesize();
	unsigned long long mm0, err0;
	struct zc_end h, r;
	size_t size, i;
	uint8_t *a, *b, *c;
	int fd, fd2, rofd, ufd, db, kick;
	void *m;

	zc_test_name = "mmap";
	ufd = EXPECT_OK(zc_open_link(link, O_RDWR));
	EXPECT_OK(zc_info(ufd, &info));
	size = info.pool_size;
	mm0 = zc_sysfs(link, "mmaps");
	err0 = zc_sysfs(link, "errors");
	CHECK(zc_sysfs(link, "mappings") == 0, "stale mappings");

	/* an unbound file holds no role: it may not reach the pool */
	EXPECT_ERR(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ufd, 0),
		   ENOTCONN);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, ufd, 0), ENOTCONN);
	/* a read-only open cannot take a role, so it cannot map either */
	rofd = EXPECT_OK(zc_open_link(link, O_RDONLY));
	db = EXPECT_OK(eventfd(0, 0));
	kick = EXPECT_OK(eventfd(0, 0));
	EXPECT_ERR(zc_bind(rofd, ZC_ROLE_HOST, db, kick), EBADF);
	EXPECT_ERR(zc_bind(rofd, ZC_ROLE_REMOTE, db, kick), EBADF);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, rofd, 0), ENOTCONN);
	CHECK(zc_sysfs(link, "host_bound") == 0 &&
	      zc_sysfs(link, "remote_bound") == 0, "a read-only open bound");
	close(rofd);
	close(ufd);
	CHECK(zc_sysfs(link, "errors") - err0 == 5, "errors +%llu, want +5",
	      zc_sysfs(link, "errors") - err0);

	zc_end_open(&h, link, ZC_ROLE_HOST);
	fd = h.fd;
	err0 = zc_sysfs(link, "errors");
	/* private mappings would silently stop sharing */
	EXPECT_ERR(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0),
		   EINVAL);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	/* out of range: too long, offset past the end, straddling the end */
	EXPECT_ERR(mmap(NULL, size + pg, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, size), EINVAL);
	EXPECT_ERR(mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, size - pg),
		   EINVAL);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 1ULL << 40), EINVAL);
	/* unaligned offset (refused by the VFS before the driver sees it) */
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 100), EINVAL);
	CHECK(zc_sysfs(link, "errors") - err0 == 6, "errors +%llu, want +6",
	      zc_sysfs(link, "errors") - err0);

	/* the whole pool, shared */
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED, "%s", strerror(errno));
	for (i = 0; i < size; i += sizeof(uint64_t))
		*(uint64_t *)(a + i) = i ^ 0x5a5a5a5a5a5aULL;
	if (info.flags & ZC_INFO_F_CONTIG)
		check_phys(a, size, info.phys_base);

	/* the other role's file and a sub-range at page 1 see the same bytes */
	zc_end_open(&r, link, ZC_ROLE_REMOTE);
	fd2 = r.fd;
	b = mmap(NULL, size - pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, pg);
	CHECK(b != MAP_FAILED, "%s", strerror(errno));
	for (i = 0; i < size - pg; i += sizeof(uint64_t))
		CHECK(*(uint64_t *)(b + i) == ((i + pg) ^ 0x5a5a5a5a5a5aULL),
		      "sub-range mismatch at %zu", i);
	b[0] = 0x42;
	CHECK(a[pg] == 0x42, "write through sub-range not visible");
	/* the last page alone, read-only */
	c = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd2, size - pg);
	CHECK(c != MAP_FAILED, "%s", strerror(errno));
	CHECK(*(uint64_t *)c == ((size - pg) ^ 0x5a5a5a5a5a5aULL), "last page");
	CHECK(zc_sysfs(link, "mappings") == 3, "mappings %llu",
	      zc_sysfs(link, "mappings"));

	/* mremap may not grow a checked range; shrinking is harmless */
	m = mremap(c, pg, 2 * pg, MREMAP_MAYMOVE);
	CHECK(m == MAP_FAILED, "mremap grew the mapping");
	EXPECT_OK(munmap(c, pg));

	/* a split VMA is counted as two */
	EXPECT_OK(munmap(b + pg, pg));
	CHECK(zc_sysfs(link, "mappings") == 3, "mappings after split %llu",
	      zc_sysfs(link, "mappings"));
	EXPECT_OK(munmap(b, pg));
	EXPECT_OK(munmap(b + 2 * pg, size - 3 * pg));

	/*
	 * After close: no new mappings, but the old one stays valid, and it
	 * keeps its file's role: the host role stays taken while the host's
	 * mapping lives; the remote's file, unmapped, is released at close.
	 */
	zc_end_close(&h);
	zc_end_close(&r);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0), EBADF);
	CHECK(zc_sysfs(link, "host_bound") == 1, "a mapped host was unbound");
	CHECK(zc_sysfs(link, "remote_bound") == 0, "an unmapped remote stayed");
	a[7] = 0x77;
	fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	EXPECT_ERR(zc_bind(fd, ZC_ROLE_HOST, db, kick), EBUSY);
	EXPECT_OK(zc_bind(fd, ZC_ROLE_REMOTE, db, kick));
	b = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(b != MAP_FAILED, "%s", strerror(errno));
	CHECK(b[7] == 0x77, "mapping stopped sharing after close");
	close(fd);

	EXPECT_OK(munmap(a, size));
	CHECK(zc_sysfs(link, "host_bound") == 0, "host bound after its munmap");
	EXPECT_OK(munmap(b, pg));
	CHECK(zc_sysfs(link, "remote_bound") == 0, "remote bound after munmap");
	CHECK(zc_sysfs(link, "mappings") == 0, "mappings %llu at the end",
	      zc_sysfs(link, "mappings"));
	CHECK(zc_sysfs(link, "mmaps") - mm0 == 4, "mmaps +%llu, want +4",
	      zc_sysfs(link, "mmaps") - mm0);
	close(db);
	close(kick);
	printf("mmap: %zu-byte pool, %s, all checks passed\n", size,
	       (info.flags & ZC_INFO_F_CONTIG) ? "contiguous" : "vmalloc");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mmap rules: shared only, range checked, sub-ranges at the right offset,
 * no growth by mremap, read-only opens map read-only, and a mapping outlives
 * the file descriptor it came from. A contiguous pool is contiguous at the
 * reported physical base.
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
	size_t size, i;
	uint8_t *a, *b, *c;
	int fd, fd2, rofd;
	void *m;

	zc_test_name = "mmap";
	fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	EXPECT_OK(zc_info(fd, &info));
	size = info.pool_size;
	mm0 = zc_sysfs(link, "mmaps");
	err0 = zc_sysfs(link, "errors");
	CHECK(zc_sysfs(link, "mappings") == 0, "stale mappings");

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

	/* a second file and a sub-range at page 1 see the same bytes */
	fd2 = EXPECT_OK(zc_open_link(link, O_RDWR));
	b = mmap(NULL, size - pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, pg);
	CHECK(b != MAP_FAILED, "%s", strerror(errno));
	for (i = 0; i < size - pg; i += sizeof(uint64_t))
		CHECK(*(uint64_t *)(b + i) == ((i + pg) ^ 0x5a5a5a5a5a5aULL),
		      "sub-range mismatch at %zu", i);
	b[0] = 0x42;
	CHECK(a[pg] == 0x42, "write through sub-range not visible");
	/* the last page alone */
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

	/* read-only open: shared read-only works, writable shared does not */
	rofd = EXPECT_OK(zc_open_link(link, O_RDONLY));
	c = mmap(NULL, size, PROT_READ, MAP_SHARED, rofd, 0);
	CHECK(c != MAP_FAILED, "%s", strerror(errno));
	CHECK(c[pg] == 0x42, "read-only view");
	EXPECT_ERR(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0),
		   EACCES);
	EXPECT_ERR(mprotect(c, pg, PROT_READ | PROT_WRITE), EACCES);
	EXPECT_OK(munmap(c, size));
	close(rofd);

	/* after close: no new mappings, but the old one stays valid */
	close(fd);
	close(fd2);
	EXPECT_ERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0), EBADF);
	a[7] = 0x77;
	fd = EXPECT_OK(zc_open_link(link, O_RDWR));
	b = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(b != MAP_FAILED, "%s", strerror(errno));
	CHECK(b[7] == 0x77, "mapping stopped sharing after close");
	close(fd);

	EXPECT_OK(munmap(a, size));
	EXPECT_OK(munmap(b, pg));
	CHECK(zc_sysfs(link, "mappings") == 0, "mappings %llu at the end",
	      zc_sysfs(link, "mappings"));
	CHECK(zc_sysfs(link, "mmaps") - mm0 == 5, "mmaps +%llu, want +5",
	      zc_sysfs(link, "mmaps") - mm0);
	printf("mmap: %zu-byte pool, %s, all checks passed\n", size,
	       (info.flags & ZC_INFO_F_CONTIG) ? "contiguous" : "vmalloc");
	return 0;
}

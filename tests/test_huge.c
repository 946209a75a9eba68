// SPDX-License-Identifier: MIT
/*
 * Huge pages: with pages reserved, ZC_HUGE_REQUIRE and ZC_HUGE_TRY both give
 * a region whose pool really sits in huge pages (the kernel's count of free
 * huge pages drops by the pool's size) that a peer can attach to and use;
 * without, ZC_HUGE_TRY falls back to normal pages (with a message) and
 * ZC_HUGE_REQUIRE fails with -ENOMEM. ZC_REQUIRE_HUGE=1 (set by CI, which
 * reserves pages) makes "no pages reserved" a failure, not a pass of the
 * fallback alone.
 */
#include <sys/mount.h>
#include "harness.h"

/* A "HugePages_...:" count from /proc/meminfo, -1 if absent. */
static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t k = strlen(key);
	long n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == ':' &&
		    sscanf(line + k + 1, "%ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static long reserved_huge_pages(void)
{
	return meminfo("HugePages_Free");
}

/* Huge pages taken from the pool: faulted in (Free drops) or reserved (Rsvd grows). */
static long huge_in_use(void)
{
	return meminfo("HugePages_Total") - meminfo("HugePages_Free") +
	       meminfo("HugePages_Rsvd");
}

static const char *region;

static int remote_main(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_channel_open(r, "h", 2, 5000, &ch), 0);
	CHECK_RC(zc_recv(ch, &b, 5000), 0);
	CHECK(b.len == 1 << 20);
	CHECK(((uint8_t *)b.data)[12345] == 0x5a);
	CHECK_RC(zc_release(ch, &b), 0);
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

/*
 * Host on huge pages (MFD_HUGETLB, or a file in @dir; policy @huge), remote
 * attaches, 1 MiB goes over.
 */
static void one_region(const char *dir, enum zc_huge huge)
{
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	long before = huge_in_use(), pool_pages;
	pid_t pid;

	zc_params_default(&p);
	p.slot_size = 2 << 20;
	p.slots = 2;
	p.channels = 2;
	p.hugepages = huge;
	p.hugetlbfs = dir;
	region = test_name(dir ? "hugefs" : "huge");
	CHECK_RC(zc_create(region, &p, &r), 0);
	/* Pages are reserved: ZC_HUGE_TRY must not fall back either. */
	CHECK(!strcmp(zc_backend_name(r), "shm-hugetlb"));
	CHECK(zc_geometry(r)->features & ZC_FEAT_HUGEPAGES);
	/* The pool really is in huge pages: the kernel counts them taken. */
	pool_pages = (long)((zc_geometry(r)->region_size - zc_geometry(r)->pool_off) >> 21);
	printf("huge: %ld huge pages in use before, %ld after creating (pool: %ld)\n",
	       before, huge_in_use(), pool_pages);
	CHECK(huge_in_use() - before >= pool_pages);
	CHECK_RC(zc_channel_create(r, "h", 1, &ch), 0);
	pid = spawn(remote_main, NULL);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	CHECK_RC(zc_reserve(ch, &b, 5000), 0);
	memset(b.data, 0x5a, 1 << 20);
	b.len = 1 << 20;
	CHECK_RC(zc_send(ch, &b), 0);
	CHECK(reap(pid) == 0);
	zc_channel_close(ch);
	zc_close(r);
	printf("huge: region on huge pages (%s, %s) used by two processes\n",
	       dir ? "hugetlbfs file" : "MFD_HUGETLB memfd",
	       huge == ZC_HUGE_TRY ? "ZC_HUGE_TRY" : "ZC_HUGE_REQUIRE");
}

int main(void)
{
	struct zc_params p;
	zc_region *r;
	long free_pages = reserved_huge_pages();

	zc_params_default(&p);
	p.slot_size = 2 << 20;
	p.slots = 2;
	p.channels = 2;
	region = test_name("huge");
	if (free_pages < 16) {	/* one region needs about 10 */
		const char *req = getenv("ZC_REQUIRE_HUGE");

		if (req && !strcmp(req, "1")) {
			fprintf(stderr, "huge: ZC_REQUIRE_HUGE=1 but only %ld huge pages are free "
				"(want 16: echo 64 > /proc/sys/vm/nr_hugepages)\n", free_pages);
			return 1;
		}
		p.hugepages = ZC_HUGE_REQUIRE;
		CHECK_RC(zc_create(region, &p, &r), -ENOMEM);
		p.hugepages = ZC_HUGE_TRY;
		CHECK_RC(zc_create(region, &p, &r), 0);
		CHECK(!strcmp(zc_backend_name(r), "shm"));
		zc_close(r);
		printf("huge: %ld huge pages free: fallback and -ENOMEM checked; "
		       "reserve pages (echo 64 > /proc/sys/vm/nr_hugepages) to test more\n",
		       free_pages);
		return 0;
	}
	one_region(NULL, ZC_HUGE_REQUIRE);
	one_region(NULL, ZC_HUGE_TRY);
	/* A hugetlbfs mount, when we may mount one (root). */
	{
		char dir[] = "/tmp/zc-hugetlbfs-XXXXXX";

		if (mkdtemp(dir) && mount("none", dir, "hugetlbfs", 0, NULL) == 0) {
			one_region(dir, ZC_HUGE_REQUIRE);
			umount(dir);
		} else {
			printf("huge: cannot mount hugetlbfs here (not root?): file path not tested\n");
		}
		rmdir(dir);
	}
	return 0;
}

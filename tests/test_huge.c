// SPDX-License-Identifier: MIT
/*
 * Huge pages: with pages reserved, ZC_HUGE_REQUIRE gives a region on huge
 * pages that a peer can attach to and use; without, ZC_HUGE_TRY falls back
 * to normal pages (with a message) and ZC_HUGE_REQUIRE fails with -ENOMEM.
 */
#include <sys/mount.h>
#include "harness.h"

static long reserved_huge_pages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
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

/* Host on huge pages (MFD_HUGETLB, or a file in @dir), remote attaches, 1 MiB goes over. */
static void one_region(const char *dir)
{
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	pid_t pid;

	zc_params_default(&p);
	p.slot_size = 2 << 20;
	p.slots = 2;
	p.channels = 2;
	p.hugepages = ZC_HUGE_REQUIRE;
	p.hugetlbfs = dir;
	region = test_name(dir ? "hugefs" : "huge");
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK(!strcmp(zc_backend_name(r), "shm-hugetlb"));
	CHECK(zc_geometry(r)->features & ZC_FEAT_HUGEPAGES);
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
	printf("huge: region on huge pages (%s) used by two processes\n",
	       dir ? "hugetlbfs file" : "MFD_HUGETLB memfd");
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
	one_region(NULL);
	/* A hugetlbfs mount, when we may mount one (root). */
	{
		char dir[] = "/tmp/zc-hugetlbfs-XXXXXX";

		if (mkdtemp(dir) && mount("none", dir, "hugetlbfs", 0, NULL) == 0) {
			one_region(dir);
			umount(dir);
		} else {
			printf("huge: cannot mount hugetlbfs here (not root?): file path not tested\n");
		}
		rmdir(dir);
	}
	return 0;
}

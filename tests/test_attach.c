// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 17: zc_attach()'s timeout covers waiting for the host to
 * appear (a remote started first waits for it, as `zc remote --timeout`
 * does); a region that never appears is -ENOENT once the timeout passed,
 * at once with timeout 0; zc_open() still creates at once; a missing
 * /dev/zcN is -ENODEV ("zc.ko not loaded"), not "no such region".
 * Margins are generous: a 300 ms timeout must take at least ~250 ms and
 * return within 5 s.
 */
#include <time.h>
#include "harness.h"

static const char *region;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A host that comes up late, serves one message, and waits for the goodbye. */
static int late_host(void *arg)
{
	struct zc_params p;
	zc_region *h;
	zc_channel *ch;

	(void)arg;
	usleep(700 * 1000);
	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	if (zc_create(region, &p, &h) || zc_channel_create(h, "t", 1, &ch) ||
	    zc_wait_peer(h, 10000) || zc_write(ch, "late", 4, 5000) != 4)
		return 2;
	zc_region_wait(h, 5000);
	zc_channel_close(ch);
	zc_close(h);
	return 0;
}

int main(void)
{
	struct zc_params p;
	zc_region *r = NULL;
	zc_channel *ch;
	char buf[16];
	double t0, dt;
	int created;
	pid_t pid;

	if (getenv("ZC_TEST_URI") && *getenv("ZC_TEST_URI"))
		SKIP("attach: shm regions of its own, and a kmod path that does not exist");
	region = test_name("attach");

	/* Nobody there, no waiting: at once. */
	t0 = now_s();
	CHECK_RC(zc_attach(region, 0, &r), -ENOENT);
	CHECK(now_s() - t0 < 5.0);
	/* Nobody comes: -ENOENT after the timeout, not before. */
	t0 = now_s();
	CHECK_RC(zc_attach(region, 300, &r), -ENOENT);
	dt = now_s() - t0;
	printf("absent host, 300 ms: -ENOENT after %.3f s\n", dt);
	CHECK(dt >= 0.25 && dt < 5.0);
	CHECK(r == NULL);

	/* The remote first, the host 0.7 s later: the 10 s timeout covers it. */
	pid = spawn(late_host, NULL);
	t0 = now_s();
	CHECK_RC(zc_attach(region, 10000, &r), 0);
	printf("late host: attached after %.3f s\n", now_s() - t0);
	CHECK_RC(zc_channel_open(r, "t", 2, 5000, &ch), 0);
	CHECK_RC(zc_read(ch, buf, sizeof(buf), 5000), 4);
	CHECK(!memcmp(buf, "late", 4));
	zc_channel_close(ch);
	zc_close(r);
	CHECK_RC(reap(pid), 0);

	/* zc_open() does not wait for a host that is not there: it becomes it. */
	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	t0 = now_s();
	CHECK_RC(zc_open(region, &p, 10000, &r, &created), 0);
	CHECK(created && now_s() - t0 < 5.0);
	zc_close(r);

	/* No such device: say so. */
	CHECK_RC(zc_attach("kmod:/dev/zc-absent-test-device", 300, &r), -ENODEV);
	CHECK_RC(zc_create("kmod:/dev/zc-absent-test-device", &p, &r), -ENODEV);
	printf("absent device: %s\n", zc_strerror(-ENODEV));
	CHECK(strstr(zc_strerror(-ENODEV), "zc.ko"));
	CHECK(!strstr(zc_strerror(-ENODEV), "region or channel"));
	printf("attach: OK\n");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: unload is refused while a file is open or a mapping
 * exists and succeeds once both are gone; bad parameters are refused at
 * load; the module reloads with the parameters given in argv[1].
 */
#include "zc_test.h"

#define KO "/mod/zc.ko"

static int load(const char *params)
{
	int fd = EXPECT_OK(open(KO, O_RDONLY | O_CLOEXEC));
	int r = syscall(SYS_finit_module, fd, params, 0);
	int e = errno;

	close(fd);
	errno = e;
	return r;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "zc", O_NONBLOCK);
}

int main(int argc, char **argv)
{
	const char *reload = argc > 1 ? argv[1] : "";
	static const char *const bad[] = {
		"links=0", "links=17", "slot_size=100", "slot_size=32",
		"slot_size=131072", "pool_size=0", "pool_size=5000",
		"pool_size=2147483648", "slot_size=65536 pool_size=12288",
		"rpmsg_link=1", "rpmsg_link=-2", "rpmsg_link=0 rpmsg_chans=9",
		"rpmsg_link=0 rpmsg_chans=0", "rpmsg_link=0 slot_size=128",
		"rpmsg_link=0 pool_size=65536", "rpmsg_link=0 rpmsg_names=a,,b",
		"rpmsg_link=0 rpmsg_names=a/b",
		"rpmsg_link=0 rpmsg_names=a,b,c,d,e,f,g,h,i",
		"rpmsg_link=0 rpmsg_names=abcdefghijklmnopqrstuvwx",
	};
	long pg = getpagesize();
	unsigned int i;
	void *m;
	int fd;

	zc_test_name = "unload";
	CHECK(access("/sys/module/zc", F_OK) == 0, "zc is not loaded");

	/* an open file pins the module */
	fd = EXPECT_OK(zc_open_link(0, O_RDWR));
	EXPECT_ERR(unload(), EWOULDBLOCK);
	/* so does a mapping whose file was closed (only a bound file maps) */
	{
		int db = EXPECT_OK(eventfd(0, 0)), kick = EXPECT_OK(eventfd(0, 0));

		EXPECT_OK(zc_bind(fd, ZC_ROLE_HOST, db, kick));
		close(db);
		close(kick);
	}
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	close(fd);
	EXPECT_ERR(unload(), EWOULDBLOCK);
	((volatile char *)m)[0] = 1;
	EXPECT_OK(munmap(m, pg));

	EXPECT_OK(unload());
	CHECK(access("/dev/zc0", F_OK) && errno == ENOENT, "/dev/zc0 remains");
	CHECK(access("/sys/module/zc", F_OK) && errno == ENOENT,
	      "/sys/module/zc remains");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERR(load(bad[i]), EINVAL);
		CHECK(access("/dev/zc0", F_OK), "%s left /dev/zc0", bad[i]);
	}

	EXPECT_OK(load(reload));
	fd = EXPECT_OK(zc_open_link(0, O_RDWR));
	close(fd);
	printf("unload: refused while open and while mapped; %u bad parameter sets refused; reloaded with '%s'\n",
	       i, reload);
	return 0;
}

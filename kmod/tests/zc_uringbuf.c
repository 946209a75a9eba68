// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring fixed buffers on the pool mapping, as docs/kmod.md states them:
 * kernels before 6.3 refuse to register file-backed memory other than
 * shmem or hugetlbfs (-EOPNOTSUPP), later ones register the pool, and a
 * fixed write and read then move the pool's own bytes. Either way the
 * outcome must be exactly that; anything else fails.
 *
 * usage: zc_uringbuf [LINK]
 */
#include <liburing.h>
#include <sys/utsname.h>

#include "zc_test.h"

#define LEN	65536

static int kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &a, &b);
	return a > maj || (a == maj && b >= min);
}

int main(int argc, char **argv)
{
	int link = argc > 1 ? atoi(argv[1]) : 0;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct zc_end h;
	struct iovec iov;
	uint8_t *pool, back[LEN];
	int file, ret, i;

	zc_test_name = "uringbuf";
	zc_end_open(&h, link, ZC_ROLE_HOST);
	pool = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, h.fd, 0);
	CHECK(pool != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < LEN; i++)
		pool[i] = (uint8_t)(i * 31 + 7);
	CHECK(io_uring_queue_init(4, &ring, 0) == 0, "io_uring_queue_init");
	iov.iov_base = pool;
	iov.iov_len = LEN;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret == -EOPNOTSUPP) {
		CHECK(!kernel_at_least(6, 12),
		      "fixed buffers refused on a kernel that takes them on the pool");
		printf("uringbuf: io_uring fixed buffers on the pool: EOPNOTSUPP, as documented for this kernel\n");
		goto out;
	}
	CHECK(ret == 0, "io_uring_register_buffers: %s", strerror(-ret));

	/* the pool's bytes out through the fixed buffer ... */
	file = EXPECT_OK(open("/tmp/uringbuf", O_RDWR | O_CREAT | O_TRUNC, 0600));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write_fixed(sqe, file, pool, LEN, 0, 0);
	CHECK(io_uring_submit(&ring) == 1, "submit");
	CHECK(io_uring_wait_cqe(&ring, &cqe) == 0 && cqe->res == LEN,
	      "write_fixed res %d", cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	CHECK(pread(file, back, LEN, 0) == LEN && !memcmp(back, pool, LEN),
	      "write_fixed moved other bytes");
	/* ... and back in, over a cleared pool */
	memset(pool, 0, LEN);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, file, pool, LEN, 0, 0);
	CHECK(io_uring_submit(&ring) == 1, "submit");
	CHECK(io_uring_wait_cqe(&ring, &cqe) == 0 && cqe->res == LEN,
	      "read_fixed res %d", cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	CHECK(!memcmp(back, pool, LEN), "read_fixed left other bytes");
	close(file);
	unlink("/tmp/uringbuf");
	io_uring_unregister_buffers(&ring);
	printf("uringbuf: io_uring fixed buffers on the pool: registered, 64 KiB written and read back exact\n");
out:
	io_uring_queue_exit(&ring);
	munmap(pool, LEN);
	zc_end_close(&h);
	return 0;
}

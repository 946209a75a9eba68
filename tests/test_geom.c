// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 8: zc_geom_validate() (libzc's attach, the firmware's attach
 * and zc info use it) must keep every ring and slot of an accepted region
 * inside the mapping, whatever offsets and sizes the creator wrote: sums of
 * offsets and lengths from shared memory must not wrap. Checked here with
 * 128-bit arithmetic over hostile superblocks, and end to end: a fake host
 * whose pool_off is near 2^64 is refused by zc_attach().
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include "harness.h"

typedef unsigned __int128 u128;

static struct zc_geom good;
static uint64_t mapped;
static struct zc_superblock *sb;
static unsigned long accepted, refused;

/* Everything an accepted geometry lets a side touch lies in [0, mapped). */
static void check_inside(const struct zc_geom *g)
{
	u128 rings_end = (u128)g->rings_off +
			 (u128)g->channels * ZC_RINGS_PER_CHAN * g->ring_stride;
	u128 pool_end = (u128)g->pool_off +
			((u128)g->channels * 2 * g->slots << g->slot_shift);
	u128 table_end = (u128)g->chan_off + (u128)g->channels * ZC_CHAN_ENTRY_SIZE;

	CHECK(g->slot_size == 1U << g->slot_shift);
	CHECK(table_end <= g->rings_off);
	CHECK(rings_end <= g->pool_off);
	CHECK(pool_end <= g->region_size);
	CHECK(g->region_size <= mapped);
	CHECK((u128)zc_slot_off(g, g->channels - 1, 1, g->slots - 1) + g->slot_size
	      <= mapped);
	CHECK(zc_slot_off(g, 0, 0, 0) >= g->pool_off);
}

static void try_sb(void)
{
	struct zc_geom g;
	int rc = zc_geom_validate(&g, sb, mapped);

	if (rc == 0) {
		check_inside(&g);
		accepted++;
	} else {
		CHECK(rc == -EPROTO || rc == -EMSGSIZE || rc == -EBADMSG);
		refused++;
	}
}

static void reset_sb(void)
{
	memset(sb, 0, sizeof(*sb));
	zc_sb_write(sb, &good);
	zc_sb_publish(sb);
}

static void test_validate(void)
{
	static const uint64_t big[] = { 0, 1, 4096, 1ULL << 32, 1ULL << 40,
		1ULL << 62, 1ULL << 63, 0xffffffffffffffffULL,
		0xfffffffffffff000ULL, 0xffffffffffff0000ULL,
		0xfffffffffff40000ULL, 0xfffffffffff00000ULL,
		0xffffffffc0000000ULL };
	uint64_t k, i, j;

	CHECK_RC(zc_geom_compute(&good, 1024, 8, 4, 1 << 20, 4096), 0);
	mapped = good.region_size;
	sb = aligned_alloc(4096, mapped);
	CHECK(sb);
	reset_sb();
	try_sb();
	CHECK(accepted == 1);

	/* pool_off just below 2^64, in every page-aligned step near the top:
	 * pool_off + pool bytes wraps to a small number (the review's attack). */
	for (k = 1; k <= 4096; k++) {
		reset_sb();
		sb->pool_off = 0 - k * 4096;
		try_sb();
		CHECK_RC(zc_geom_validate(&(struct zc_geom){ 0 }, sb, mapped), -EPROTO);
	}
	/* The same with every region_size the mapping allows. */
	for (k = 1; k <= 64; k++)
		for (i = 0; i <= mapped; i += 4096) {
			reset_sb();
			sb->pool_off = 0 - k * 4096;
			sb->region_size = i;
			try_sb();
		}
	/* Pairs of hostile values for each 64-bit offset and size. */
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		for (j = 0; j < sizeof(big) / sizeof(big[0]); j++) {
			reset_sb();
			sb->pool_off = big[i];
			sb->region_size = big[j];
			try_sb();
			reset_sb();
			sb->rings_off = big[i];
			sb->ring_stride = big[j];
			try_sb();
			reset_sb();
			sb->chan_off = big[i];
			sb->max_msg = big[j];
			try_sb();
			reset_sb();
			sb->pool_off = good.pool_off + big[i];
			sb->region_size = good.region_size + big[j];
			try_sb();
		}
	printf("validate: %lu accepted, %lu refused, all accepted ones inside the mapping\n",
	       accepted, refused);
	free(sb);
}

/* A fake host that hands out a region whose pool_off wraps. */
static int fake_host(void *arg)
{
	int lfd = *(int *)arg, mem, fds[3], conn;
	struct zc_geom g;
	struct zc_superblock *s;
	struct { uint32_t magic; int32_t status; uint64_t size; uint32_t flags, pad; }
		h = { .magic = 0x4f4c4548U };
	char cbuf[CMSG_SPACE(3 * sizeof(int))], c;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	CHECK(zc_geom_compute(&g, 1024, 8, 4, 1 << 20, 4096) == 0);
	mem = memfd_create("fake", MFD_ALLOW_SEALING);
	CHECK(mem >= 0 && ftruncate(mem, (off_t)g.region_size) == 0);
	s = mmap(NULL, g.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	CHECK(s != MAP_FAILED);
	zc_sb_write(s, &g);
	s->pool_off = 0 - 4096ULL;	/* slots "at" -4096: below the mapping */
	zc_sb_publish(s);
	CHECK(fcntl(mem, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	h.size = g.region_size;
	fds[0] = mem;
	fds[1] = eventfd(0, 0);
	fds[2] = eventfd(0, 0);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	conn = accept(lfd, NULL, NULL);
	CHECK(conn >= 0);
	CHECK(sendmsg(conn, &m, 0) == (ssize_t)sizeof(h));
	(void)!read(conn, &c, 1);	/* until the attacher decided */
	return 0;
}

static void test_attach(void)
{
	const char *name = test_name("geom");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	zc_region *r = NULL;
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	pid_t pid;

	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, name, n);
	CHECK(lfd >= 0);
	CHECK(bind(lfd, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + n)) == 0);
	CHECK(listen(lfd, 1) == 0);
	pid = spawn(fake_host, &lfd);
	CHECK_RC(zc_attach(name, 5000, &r), -EPROTO);
	CHECK(r == NULL);
	kill(pid, SIGKILL);
	reap(pid);
	close(lfd);
	printf("attach: a pool_off near 2^64 is refused\n");
}

int main(void)
{
	if (getenv("ZC_TEST_URI") && strncmp(getenv("ZC_TEST_URI"), "shm", 3))
		SKIP("geom: the fake host is a shm host");
	test_validate();
	test_attach();
	printf("geom: OK\n");
	return 0;
}

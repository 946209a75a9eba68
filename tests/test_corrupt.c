// SPDX-License-Identifier: MIT
/*
 * A hostile or buggy peer: corrupt descriptors, headers, message ids,
 * fragment flags, return rings, and superblocks / truncated regions handed
 * over by a fake host. Each must give a clear error (and a broken channel
 * saying why), never a crash, a hang or an out-of-bounds access (CI runs
 * this under ASan+UBSan).
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "harness.h"

static struct zc_params params(void)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	p.max_msg = 1 << 20;
	return p;
}

/* The descriptor of the @back-th last frame the host sent. */
static struct zc_desc *desc_back(zc_channel *hch, uint32_t back)
{
	return &hch->tx.desc[(hch->tx.head - back) & hch->tx.mask];
}

static struct zc_desc *last_desc(zc_channel *hch)
{
	return desc_back(hch, 1);
}

static struct zc_frame_hdr *hdr_back(zc_channel *hch, uint32_t back)
{
	struct zc_desc *d = desc_back(hch, back);

	return (struct zc_frame_hdr *)(hch->tx_base + ((size_t)d->slot << hch->slot_shift));
}

static struct zc_frame_hdr *last_hdr(zc_channel *hch)
{
	return hdr_back(hch, 1);
}

static void send_one(zc_channel *ch, uint32_t len)
{
	struct zc_buf b;

	CHECK_RC(zc_reserve(ch, &b, 1000), 0);
	memset(b.data, 0xab, len);
	b.len = len;
	CHECK_RC(zc_send(ch, &b), 0);
}

enum corruption { SLOT_RANGE, DESC_LEN, HDR_LEN, HDR_FLAGS, ID_GAP,
		  ID_DUP, WRONG_CHAN, NR_CORRUPTIONS };
static const char *names[] = { "slot out of range", "descriptor length",
	"header length", "unknown flags", "message id gap",
	"duplicate message id", "wrong channel id" };

static void test_frame_corruption(enum corruption what)
{
	struct zc_params p = params();
	zc_region *h, *r;
	zc_channel *hch, *rch;
	struct zc_buf b[4];
	int want = (what == ID_GAP || what == ID_DUP || what == WRONG_CHAN) ?
		   -EBADMSG : -EPROTO;

	pair_open(test_name("corrupt"), &p, &h, &r, &hch, &rch);
	send_one(hch, 100);
	CHECK_RC(zc_recv_burst(rch, b, 4), 1);		/* a good one first */
	CHECK_RC(zc_release_burst(rch, b, 1), 1);
	send_one(hch, 100);
	switch (what) {
	case SLOT_RANGE:
		last_desc(hch)->slot = p.slots + 3;
		break;
	case DESC_LEN:
		last_desc(hch)->len = p.slot_size + 16;
		break;
	case HDR_LEN:
		last_hdr(hch)->len = 900;
		break;
	case HDR_FLAGS:
		last_hdr(hch)->flags |= 0x80;
		break;
	case ID_GAP:
		last_hdr(hch)->msg_id += 1;
		break;
	case ID_DUP:
		last_hdr(hch)->msg_id -= 1;
		break;
	case WRONG_CHAN:
		last_hdr(hch)->chan ^= 1;
		break;
	default:
		break;
	}
	CHECK_RC(zc_recv_burst(rch, b, 4), want);
	CHECK(zc_channel_error(rch) != NULL);
	/* Broken stays broken, for every call. */
	CHECK_RC(zc_recv_burst(rch, b, 4), want);
	CHECK_RC(zc_reserve(rch, b, 0), want);
	CHECK_RC(zc_read(rch, b, 10, 0), want);
	printf("corrupt %-22s -> %s (%s)\n", names[what], zc_strerror(want),
	       zc_channel_error(rch));
	pair_close(h, r, hch, rch);
}

/* The remote hands back a slot the host never sent, or sends it twice. */
static void test_return_ring(void)
{
	struct zc_params p = params();
	zc_region *h, *r;
	zc_channel *hch, *rch;
	struct zc_buf b[8];
	int n;

	pair_open(test_name("retring"), &p, &h, &r, &hch, &rch);
	/* Drain all free slots: the host now holds all 8. */
	CHECK_RC(zc_reserve_burst(hch, b, 8), 8);
	/* The remote forges a return of slot 3, which the host holds. */
	{
		struct zc_desc d = { 3, 0 };

		CHECK_RC(zc_ring_produce_bulk(&rch->rx_free, &d, 1), 1);
	}
	n = zc_reserve_burst(hch, b, 1);
	CHECK_RC(n, -EPROTO);
	printf("corrupt %-22s -> %s\n", "forged slot return", zc_channel_error(hch));
	pair_close(h, r, hch, rch);

	/* A consumer index that runs ahead of the producer. */
	pair_open(test_name("retring2"), &p, &h, &r, &hch, &rch);
	send_one(hch, 10);
	zc_store_release(hch->tx.cons, 77);
	/* The producer reads the consumer index only when it needs room. */
	CHECK_RC(zc_ring_free(&hch->tx, hch->tx.size), -ZC_EPROTO);
	/* A producer index running ahead of the ring on the receive side. */
	zc_store_release(hch->tx.prod, hch->tx.head + 100);
	CHECK_RC(zc_recv_burst(rch, b, 1), -EPROTO);
	printf("corrupt %-22s -> %s\n", "producer index", zc_channel_error(rch));
	pair_close(h, r, hch, rch);
}

/* Fragments that do not form a message. */
static void test_fragments(void)
{
	struct zc_params p = params();
	zc_region *h, *r;
	zc_channel *hch, *rch;
	static uint8_t big[5000], out[5000];
	struct zc_buf b;
	ssize_t n;

	pair_open(test_name("frag"), &p, &h, &r, &hch, &rch);
	/* A continuation with no message in progress. */
	send_one(hch, 50);
	last_hdr(hch)->flags |= ZC_FRAME_CONT;
	n = zc_read(rch, out, sizeof(out), 1000);
	CHECK_RC(n, -EBADMSG);
	printf("corrupt %-22s -> %s\n", "orphan continuation", zc_channel_error(rch));
	pair_close(h, r, hch, rch);

	/* A message whose fragments add up to more than announced. */
	pair_open(test_name("frag2"), &p, &h, &r, &hch, &rch);
	CHECK_RC(zc_write(hch, big, sizeof(big), 1000), (ssize_t)sizeof(big));
	hdr_back(hch, 2)->flags &= (uint16_t)~ZC_FRAME_MORE;	/* ends a fragment early */
	CHECK_RC(zc_read(rch, out, sizeof(out), 1000), -EBADMSG);
	pair_close(h, r, hch, rch);

	/* A total longer than max_msg. */
	pair_open(test_name("frag3"), &p, &h, &r, &hch, &rch);
	CHECK_RC(zc_reserve(hch, &b, 1000), 0);
	{
		uint64_t total = (uint64_t)p.max_msg + 1;

		memcpy(b.data, &total, sizeof(total));
	}
	b.len = 100;
	CHECK_RC(zc_send(hch, &b), 0);
	last_hdr(hch)->flags |= ZC_FRAME_MORE | ZC_FRAME_TOTAL;
	CHECK_RC(zc_read(rch, out, sizeof(out), 1000), -EMSGSIZE);
	CHECK(zc_channel_error(rch) != NULL);
	pair_close(h, r, hch, rch);
}

/* ---- a fake host that serves a hand-made region ---- */

struct hello {
	uint32_t magic;
	int32_t status;
	uint64_t size;
	uint32_t flags;
	uint32_t pad;
};

enum sb_corruption { SB_OK, SB_MAGIC, SB_VERSION, SB_FEATURES, SB_SLOT,
		     SB_STRIDE, SB_POOL, SB_TRUNCATED, SB_TINY, SB_UNSEALED,
		     SB_NOT_EVENTFD, SB_FEW_FDS, SB_BUSY, NR_SB };
static const char *sb_names[] = { "good region", "bad magic", "version 2",
	"unknown required feature", "slot size not pow2", "ring stride",
	"pool offset", "truncated region", "file smaller than superblock",
	"unsealed memfd", "doorbell not an eventfd", "missing descriptors",
	"host busy" };
static const int sb_want[] = { 0, -EPROTO, -EBADMSG, -EBADMSG, -EPROTO,
	-EPROTO, -EPROTO, -EMSGSIZE, -EMSGSIZE, -EPROTO, -EPROTO, -EPROTO,
	-EBUSY };

static int fake_listen(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, name, n);
	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + n)) == 0);
	CHECK(listen(fd, 1) == 0);
	return fd;
}

static int fake_host(enum sb_corruption what, int lfd)
{
	struct zc_geom g;
	struct zc_superblock *sb;
	struct hello h = { .magic = 0x4f4c4548U };
	int mem, fds[3], conn, nfds = 3;
	uint64_t size;
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	CHECK(zc_geom_compute(&g, 1024, 8, 4, 1 << 20, 4096) == 0);
	size = g.region_size;
	mem = memfd_create("fake", MFD_ALLOW_SEALING);
	CHECK(mem >= 0);
	CHECK(ftruncate(mem, (off_t)size) == 0);
	sb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	CHECK(sb != MAP_FAILED);
	zc_sb_write(sb, &g);
	zc_sb_publish(sb);
	h.size = size;
	switch (what) {
	case SB_MAGIC: sb->magic ^= 1; break;
	case SB_VERSION: sb->version_major = 2; break;
	case SB_FEATURES: sb->features &= ~ZC_FEAT_FRAG; break;
	case SB_SLOT: sb->slot_size = 1000; break;
	case SB_STRIDE: sb->ring_stride += 64; break;
	case SB_POOL: sb->pool_off -= 4096; break;
	case SB_TRUNCATED:
		CHECK(ftruncate(mem, (off_t)(size - 4096)) == 0);
		h.size = size - 4096;
		break;
	case SB_TINY:
		CHECK(ftruncate(mem, 100) == 0);
		h.size = 100;
		break;
	case SB_BUSY: h.status = -EBUSY; nfds = 0; break;
	case SB_FEW_FDS: nfds = 1; break;
	default: break;
	}
	if (what != SB_UNSEALED)
		CHECK(fcntl(mem, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	fds[0] = mem;
	fds[1] = what == SB_NOT_EVENTFD ? mem : eventfd(0, 0);
	fds[2] = eventfd(0, 0);
	conn = accept(lfd, NULL, NULL);
	CHECK(conn >= 0);
	if (nfds) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	CHECK(sendmsg(conn, &m, 0) == (ssize_t)sizeof(h));
	/* Hold the connection until the attacher has decided. */
	{
		char c;

		(void)!read(conn, &c, 1);
	}
	return 0;
}

static int fake_what;
static int fake_lfd;

static int fake_main(void *arg)
{
	(void)arg;
	return fake_host((enum sb_corruption)fake_what, fake_lfd);
}

static void test_superblocks(void)
{
	int what;

	for (what = 0; what < NR_SB; what++) {
		const char *name = test_name(sb_names[what][0] == 'g' ? "sbgood" : "sb");
		zc_region *r = NULL;
		pid_t pid;
		int rc;

		fake_lfd = fake_listen(name);
		fake_what = what;
		pid = spawn(fake_main, NULL);
		rc = zc_attach(name, 2000, &r);
		printf("region %-28s -> %d %s\n", sb_names[what], rc,
		       rc ? zc_strerror(rc) : "");
		CHECK_RC(rc, sb_want[what]);
		if (r)
			zc_close(r);
		close(fake_lfd);
		kill(pid, SIGKILL);
		reap(pid);
	}
}

int main(void)
{
	int i;

	for (i = 0; i < NR_CORRUPTIONS; i++)
		test_frame_corruption((enum corruption)i);
	test_return_ring();
	test_fragments();
	test_superblocks();
	printf("corrupt: ok\n");
	return 0;
}

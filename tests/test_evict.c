// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 12: a departed or evicted peer can touch nothing the next
 * peer uses, and a host can evict a live peer that broke a channel.
 *  A. A peer says CLOSED but keeps its connection and its mapping, and goes
 *     on writing all over it after the host took a new peer: the new peer's
 *     region, channel and messages are untouched (fresh memory per peer),
 *     and the old peer is cut off (it sees its host gone).
 *  B. A live peer breaks the host's channel: zc_wait_peer() alone keeps it
 *     (it is alive); zc_evict_peer() cuts it off and the next peer gets a
 *     working channel.
 *  C. A host waiting through io_uring is woken by the next peer's kicks,
 *     on the doorbell it got for that peer (the library re-arms the ring).
 */
#include <liburing.h>
#include "zc/uring.h"
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

static const char *region;
static int to_child[2], to_parent[2];

static void say(int fd, char c)
{
	CHECK(write(fd, &c, 1) == 1);
}

static char hear(int fd)
{
	char c = 0;

	CHECK(read(fd, &c, 1) == 1);
	return c;
}

/* Up to 5 s for the host to be seen gone: 0, else 3. */
static int saw_host_gone(zc_region *r)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!zc_peer_alive(r))
			return 0;
		usleep(10000);
	}
	return 3;
}

/* Write 0xa5 over everything of the region but our own side's state word. */
static void scribble(zc_region *r)
{
	const struct zc_geom *g = zc_geometry(r);
	struct zc_superblock *sb = zc_base(r);

	memset(sb->reserved1, 0xa5, sizeof(sb->reserved1));
	sb->generation = 0xa5a5a5a5U;
	sb->side[ZC_SIDE_HOST].state = ZC_STATE_CLOSED;
	memset((uint8_t *)sb + g->chan_off, 0xa5, g->region_size - g->chan_off);
}

/* A: says goodbye in shared memory, keeps everything, scribbles later. */
static int lingerer(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	int rc;

	(void)arg;
	if (zc_attach(region, 5000, &r) || zc_channel_open(r, "t", 2, 1000, &ch))
		return 2;
	zc_store_release(&((struct zc_superblock *)zc_base(r))->side[ZC_SIDE_REMOTE].state,
			 ZC_STATE_CLOSED);
	say(to_parent[1], 'r');
	if (hear(to_child[0]) != 's')
		return 4;
	scribble(r);
	say(to_parent[1], 'd');
	rc = saw_host_gone(r);
	zc_channel_close(ch);	/* into its old memory: nobody reads it */
	zc_close(r);
	return rc;
}

/* B: breaks the host's channel with a message id out of sequence. */
static int breaker(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	struct zc_frame_hdr *h;
	int rc;

	(void)arg;
	if (zc_attach(region, 5000, &r) || zc_channel_open(r, "t", 2, 1000, &ch) ||
	    zc_reserve(ch, &b, 1000))
		return 2;
	b.len = 10;
	h = (struct zc_frame_hdr *)((uint8_t *)b.data - ZC_FRAME_HDR_SIZE);
	if (zc_send(ch, &b))
		return 2;
	h->msg_id += 5;	/* the host reads it after our word */
	say(to_parent[1], 'r');
	rc = saw_host_gone(r);
	if (rc == 0) {
		scribble(r);	/* evicted: whatever it writes now reaches nobody */
		say(to_parent[1], 'd');
	}
	zc_channel_close(ch);
	zc_close(r);
	return rc;
}

static zc_region *attach_new(zc_region *h)
{
	struct pair_attach a = { .name = region };
	pthread_t t;

	CHECK(pthread_create(&t, NULL, pair_attach_thread, &a) == 0);
	CHECK_RC(zc_wait_peer(h, 5000), 0);
	pthread_join(t, NULL);
	CHECK_RC(a.rc, 0);
	return a.r;
}

/* The new peer's view is clean and the channel carries messages exactly. */
static void check_new_peer(zc_region *h, zc_channel *hch, zc_region *r)
{
	struct zc_superblock *sb = zc_base(r);
	static uint8_t out[20000], in[20000];
	zc_channel *rch;
	size_t i;
	int k;

	for (i = 0; i < sizeof(sb->reserved1); i++)
		CHECK(sb->reserved1[i] == 0);
	CHECK(sb->generation != 0xa5a5a5a5U);
	CHECK(sb->side[ZC_SIDE_HOST].state == ZC_STATE_UP);
	CHECK(zc_peer_alive(r) && zc_peer_alive(h));
	CHECK_RC(zc_channel_open(r, "t", 3, 1000, &rch), 0);
	CHECK(zc_channel_error(hch) == NULL);
	for (k = 0; k < 50; k++) {
		size_t n = (size_t)(k * 397) % 7000;	/* fits the 8 slots */

		for (i = 0; i < n; i++)
			out[i] = pattern((uint64_t)k, i);
		CHECK_RC(zc_write(hch, out, n, 2000), (long)n);
		CHECK_RC(zc_read(rch, in, sizeof(in), 2000), (long)n);
		CHECK(!memcmp(in, out, n));
		CHECK_RC(zc_write(rch, out, n / 3, 2000), (long)(n / 3));
		CHECK_RC(zc_read(hch, in, sizeof(in), 2000), (long)(n / 3));
		CHECK(!memcmp(in, out, n / 3));
	}
	zc_channel_close(rch);
}

static void test_lingering_peer(void)
{
	struct zc_params p = params();
	zc_region *h, *r;
	zc_channel *hch;
	pid_t pid;

	CHECK_RC(zc_create(region, &p, &h), 0);
	CHECK_RC(zc_channel_create(h, "t", 1, &hch), 0);
	pid = spawn(lingerer, NULL);
	CHECK_RC(zc_wait_peer(h, 5000), 0);
	CHECK(hear(to_parent[0]) == 'r');
	CHECK(!zc_peer_alive(h));	/* it said goodbye */
	r = attach_new(h);		/* while it still holds everything */
	say(to_child[1], 's');
	CHECK(hear(to_parent[0]) == 'd');
	check_new_peer(h, hch, r);
	CHECK_RC(reap(pid), 0);		/* and it was cut off */
	zc_close(r);
	zc_channel_close(hch);
	zc_close(h);
	printf("lingering peer: cut off, its writes reach nobody\n");
}

static void test_evict_breaker(void)
{
	struct zc_params p = params();
	zc_region *h, *r;
	zc_channel *hch;
	struct zc_buf b;
	pid_t pid;

	CHECK_RC(zc_create(region, &p, &h), 0);
	CHECK_RC(zc_channel_create(h, "t", 1, &hch), 0);
	pid = spawn(breaker, NULL);
	CHECK_RC(zc_wait_peer(h, 5000), 0);
	CHECK(hear(to_parent[0]) == 'r');
	CHECK_RC(zc_recv(hch, &b, 1000), -EBADMSG);
	CHECK(zc_channel_error(hch) != NULL);
	/* Alive: waiting for a peer changes nothing. */
	CHECK_RC(zc_wait_peer(h, 0), 0);
	CHECK(zc_channel_error(hch) != NULL);
	CHECK_RC(zc_evict_peer(h), 0);
	CHECK(!zc_peer_alive(h));
	CHECK(hear(to_parent[0]) == 'd');	/* it saw us go, then scribbled */
	r = attach_new(h);
	check_new_peer(h, hch, r);
	CHECK_RC(reap(pid), 0);
	CHECK_RC(zc_evict_peer(h), 0);		/* a second peer, evicted too */
	CHECK(!zc_peer_alive(r) || saw_host_gone(r) == 0);
	zc_close(r);
	zc_channel_close(hch);
	zc_close(h);
	printf("evict: a live peer that broke a channel is replaced\n");
}

/* A peer that attaches, says hello and goes. */
static int quitter(void *arg)
{
	zc_region *r;
	zc_channel *ch;

	(void)arg;
	if (zc_attach(region, 5000, &r) || zc_channel_open(r, "t", 2, 1000, &ch))
		return 2;
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

/* The next one sends a message once the host sleeps, and waits for the reply. */
static int late_sender(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	int rc;

	(void)arg;
	if (zc_attach(region, 5000, &r) || zc_channel_open(r, "t", 2, 1000, &ch))
		return 2;
	usleep(300 * 1000);
	rc = zc_reserve(ch, &b, 1000);
	if (!rc) {
		memcpy(b.data, "wake", 4);
		b.len = 4;
		rc = zc_send(ch, &b);
	}
	if (!rc)
		rc = zc_recv(ch, &b, 10000);
	if (!rc)
		rc = zc_release(ch, &b);
	zc_channel_close(ch);
	zc_close(r);
	return rc ? 3 : 0;
}

static void test_uring_new_peer(void)
{
	struct zc_params p = params();
	struct io_uring ring;
	zc_region *h;
	zc_channel *hch;
	struct zc_buf b;
	int timeouts = 0, got = 0, rounds, rc;
	pid_t pid;

	CHECK_RC(zc_create(region, &p, &h), 0);
	CHECK_RC(zc_channel_create(h, "t", 1, &hch), 0);
	CHECK(io_uring_queue_init(16, &ring, 0) == 0);
	rc = zc_uring_arm(h, &ring, 0x5eed);
	if (rc == -EOPNOTSUPP) {
		printf("uring: not supported here, part C skipped\n");
		goto out;
	}
	CHECK_RC(rc, 0);
	pid = spawn(quitter, NULL);
	CHECK_RC(zc_wait_peer(h, 5000), 0);
	CHECK_RC(reap(pid), 0);
	pid = spawn(late_sender, NULL);
	CHECK_RC(zc_wait_peer(h, 5000), 0);	/* new memory, new doorbells */
	for (rounds = 0; rounds < 50 && !got; rounds++) {
		struct __kernel_timespec ts = { .tv_sec = 5 };
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;

		rc = zc_uring_prepare_wait(h);
		CHECK(rc >= 0);
		if (rc == 0) {
			rc = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
			if (rc == -ETIME)
				timeouts++;
			io_uring_for_each_cqe(&ring, head, cqe) {
				if (cqe->user_data == 0x5eed)
					CHECK_RC(zc_uring_handle(h, &ring, cqe), 0);
				n++;
			}
			io_uring_cq_advance(&ring, n);
		}
		zc_uring_done_wait(h);
		if (zc_recv_burst(hch, &b, 1) == 1) {
			CHECK(b.len == 4 && !memcmp(b.data, "wake", 4));
			CHECK_RC(zc_release(hch, &b), 0);
			got = 1;
		}
	}
	CHECK(got);
	CHECK_RC(timeouts, 0);	/* woken by its kick, not found after 5 s */
	CHECK_RC(zc_reserve(hch, &b, 1000), 0);
	b.len = 1;
	CHECK_RC(zc_send(hch, &b), 0);
	io_uring_submit(&ring);
	CHECK_RC(reap(pid), 0);
	printf("uring: the new peer's kick wakes the host's ring\n");
out:
	zc_channel_close(hch);
	zc_close(h);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	const char *uri = getenv("ZC_TEST_URI");

	if (uri && !strncmp(uri, "kmod:", 5)) {
		/* The driver cannot revoke a remote's mapping: no eviction there. */
		SKIP("evict: shm only (kmod: zc_evict_peer() is -EOPNOTSUPP)");
	}
	region = test_name("evict");
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	test_lingering_peer();
	test_evict_breaker();
	test_uring_new_peer();
	printf("evict: OK\n");
	return 0;
}

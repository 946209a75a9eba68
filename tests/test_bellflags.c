// SPDX-License-Identifier: MIT
/*
 * A hostile peer and the doorbells it shares (shm backend). Both sides
 * hold the same open file descriptions of both eventfds, so either can
 * change their file status flags for the other: clear O_NONBLOCK, and
 * fill a counter to 2^64-2. Neither may hang the other side.
 *  A. The peer clears O_NONBLOCK on the host's doorbell: a host whose
 *     zc_recv() sleeps and times out must still return (it drained the
 *     doorbell with a read that blocked on an empty counter).
 *  B. The peer fills its own doorbell to 2^64-2, clears O_NONBLOCK on it
 *     and asks for a wakeup: the host's send must still return (its kick
 *     write blocked on the full counter), and the kick is not lost in
 *     meaning (the peer's doorbell is already readable).
 *  C. The same against the remote: a hostile host clears O_NONBLOCK on
 *     the remote's doorbell; the remote's zc_recv() times out and returns.
 *  D. A flood: the peer writes 2^64-2 to the host's doorbell; the host
 *     drains it and its waits still time out and deliver.
 * A hang is caught by alarm(): SIGALRM fails the test (its margin is tens
 * of seconds over calls of 300 ms).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
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

static void clear_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	CHECK(fl >= 0);
	CHECK(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0);
}

static void fill(int fd)
{
	uint64_t v = UINT64_MAX - 1;

	CHECK(write(fd, &v, sizeof(v)) == sizeof(v));
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void)
{
	struct zc_params p = params();
	zc_region *host, *remote;
	zc_channel *hch, *rch;
	struct zc_buf b;
	uint64_t v;

	if (strcmp(test_backend(), "shm"))
		SKIP("the doorbells of the kmod backend are not shared with the peer");
	alarm(60);
	pair_open(test_name("bellflags"), &p, &host, &remote, &hch, &rch);
	CHECK_RC(zc_set_wait_mode(host, ZC_WAIT_SLEEP, 0), 0);
	CHECK_RC(zc_set_wait_mode(remote, ZC_WAIT_SLEEP, 0), 0);

	/* A: the host's doorbell made blocking, nothing pending. */
	clear_nonblock(zc_doorbell_fd(host));
	CHECK_RC(zc_recv(hch, &b, 300), -ETIMEDOUT);
	CHECK_RC(zc_recv(hch, &b, 300), -ETIMEDOUT);
	printf("A: a blocking host doorbell: zc_recv times out\n");

	/* B: the remote's doorbell full and blocking, the remote asking to be kicked. */
	clear_nonblock(zc_doorbell_fd(remote));
	fill(zc_doorbell_fd(remote));
	zc_store_release(&((struct zc_superblock *)zc_base(host))
			 ->side[ZC_SIDE_REMOTE].need_wakeup, 1);
	CHECK_RC(zc_reserve(hch, &b, 1000), 0);
	b.len = 1;
	((uint8_t *)b.data)[0] = 42;
	CHECK_RC(zc_send(hch, &b), 0);
	CHECK(readable(zc_doorbell_fd(remote)));
	/* The message is there all the same. */
	CHECK_RC(zc_recv(rch, &b, 1000), 0);
	CHECK(b.len == 1 && ((uint8_t *)b.data)[0] == 42);
	CHECK_RC(zc_release(rch, &b), 0);
	printf("B: a full, blocking remote doorbell: the host's send returns\n");

	/* C: the remote's doorbell blocking and empty (drain it first). */
	CHECK(read(zc_doorbell_fd(remote), &v, sizeof(v)) == sizeof(v));
	CHECK_RC(zc_recv(rch, &b, 300), -ETIMEDOUT);
	CHECK_RC(zc_recv(rch, &b, 300), -ETIMEDOUT);
	printf("C: a blocking remote doorbell: the remote's zc_recv times out\n");

	/* D: a flood on the host's doorbell (still blocking from A). */
	fill(zc_doorbell_fd(host));
	CHECK_RC(zc_recv(hch, &b, 300), -ETIMEDOUT);
	CHECK(!readable(zc_doorbell_fd(host)));
	CHECK_RC(zc_reserve(rch, &b, 1000), 0);
	b.len = 3;
	memcpy(b.data, "abc", 3);
	CHECK_RC(zc_send(rch, &b), 0);
	CHECK_RC(zc_recv(hch, &b, 1000), 0);
	CHECK(b.len == 3 && !memcmp(b.data, "abc", 3));
	CHECK_RC(zc_release(hch, &b), 0);
	printf("D: a flood of 2^64-2 kicks: drained, the next message arrives\n");

	pair_close(host, remote, hch, rch);
	printf("OK\n");
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Callers flooding a host that has its peer (shm backend): each is turned
 * away with -EBUSY when the host next looks at its door, but the host
 * turned away callers until none was left, so callers arriving as fast as
 * it answered kept it there for good (inside zc_peer_alive(), a wait, any
 * call that looks at the peer). The host must answer a bounded number per
 * look and get on with its work. Deterministic: accept4() is interposed
 * here and, while the flood is on, always has another caller (one end of
 * a fresh socket pair). alarm() catches the endless loop.
 *
 * And the other way round: a caller that arrives as the host's peer dies,
 * before the host noticed, is the next peer, not one to turn away: the
 * host looked at its door first and said -EBUSY to it, then found its
 * peer gone and waited for a newcomer that had already been sent away.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include "harness.h"

static volatile int flood;
static volatile long answered;

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int sv[2];

	if (!flood)
		return (int)syscall(SYS_accept4, fd, sa, len, flags);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	close(sv[1]);
	answered++;
	return sv[0];
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct zc_params p;
	zc_region *host, *remote;
	zc_channel *hch, *rch;
	const char *name;
	struct zc_buf b;
	int s;

	if (strcmp(test_backend(), "shm"))
		SKIP("the kmod backend has no door to knock at");
	alarm(60);
	name = test_name("callflood");
	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	pair_open(name, &p, &host, &remote, &hch, &rch);
	/* One real caller at the door, so the host looks there. */
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CHECK(s >= 0);
	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, name, strlen(name));
	CHECK(connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + strlen(name))) == 0);
	flood = 1;
	CHECK(zc_peer_alive(host) == 1);
	CHECK_RC(zc_recv(hch, &b, 300), -ETIMEDOUT);
	CHECK(zc_peer_alive(host) == 1);
	flood = 0;
	printf("a flood of callers: the host answered %ld and went on\n", answered);
	CHECK(answered > 0);
	close(s);

	/* The peer goes (its connection hangs up) while a caller is at the door. */
	zc_channel_close(rch);
	zc_close(remote);
	/* As if it had died without its goodbye: only the hang-up tells. */
	zc_store_release(&((struct zc_superblock *)zc_base(host))
			 ->side[ZC_SIDE_REMOTE].state, ZC_STATE_UP);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	CHECK(connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + strlen(name))) == 0);
	CHECK_RC(zc_wait_peer(host, 5000), 0);
	{
		struct { uint32_t magic; int32_t status; uint64_t size; uint32_t fl, pad; } hello;
		char cbuf[CMSG_SPACE(4 * sizeof(int))];
		struct iovec iov = { .iov_base = &hello, .iov_len = sizeof(hello) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		int fds[4], i, nf;

		CHECK(recvmsg(s, &m, MSG_CMSG_CLOEXEC) == (ssize_t)sizeof(hello));
		printf("a caller as the peer left: hello status %d\n", hello.status);
		CHECK(hello.status == 0);
		cm = CMSG_FIRSTHDR(&m);
		CHECK(cm);
		nf = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(cm), (size_t)nf * sizeof(int));
		for (i = 0; i < nf; i++)
			close(fds[i]);
	}
	close(s);
	zc_channel_close(hch);
	zc_close(host);
	printf("OK\n");
	return 0;
}

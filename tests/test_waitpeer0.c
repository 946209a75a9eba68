// SPDX-License-Identifier: MIT
/*
 * zc_wait_peer() with timeout 0 takes a caller already at the door (shm
 * backend): it used to give up before looking (the deadline "now" had
 * passed by the time it checked), so a host polling for a peer with
 * timeout 0 never got one. Deterministic: the caller's connect() has
 * returned (it is queued) before the host looks. Also after a peer left:
 * the next one, already waiting, is taken by a timeout-0 call.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include "harness.h"

static int caller(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(s >= 0);
	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, name, strlen(name));
	CHECK(connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + strlen(name))) == 0);
	return s;
}

/* The hello the host sent @s: its status (descriptors closed). */
static int hello_status(int s)
{
	struct { uint32_t magic; int32_t status; uint64_t size; uint32_t fl, pad; } h;
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	CHECK(recvmsg(s, &m, MSG_CMSG_CLOEXEC) == (ssize_t)sizeof(h));
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		int fds[4], i, n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		memcpy(fds, CMSG_DATA(cm), (size_t)n * sizeof(int));
		for (i = 0; i < n; i++)
			close(fds[i]);
	}
	return h.status;
}

int main(void)
{
	struct zc_params p;
	const char *name;
	zc_region *h;
	int s;

	if (strcmp(test_backend(), "shm"))
		SKIP("callers at the door are the shm backend's");
	alarm(60);
	name = test_name("waitpeer0");
	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	CHECK_RC(zc_create(name, &p, &h), 0);
	CHECK_RC(zc_wait_peer(h, 0), -ETIMEDOUT);	/* nobody there */
	s = caller(name);
	CHECK_RC(zc_wait_peer(h, 0), 0);
	CHECK(hello_status(s) == 0);
	printf("timeout 0, a caller waiting: taken\n");
	close(s);	/* it leaves; the next one is already waiting */
	s = caller(name);
	while (zc_peer_alive(h))
		usleep(1000);
	CHECK_RC(zc_wait_peer(h, 0), 0);
	CHECK(hello_status(s) == 0);
	printf("after a peer left: the waiting one taken with timeout 0\n");
	close(s);
	zc_close(h);
	printf("OK\n");
	return 0;
}

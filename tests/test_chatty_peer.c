// SPDX-License-Identifier: MIT
/*
 * A peer that talks on the connection after the hello (shm backend): it
 * sends bytes and descriptors (SCM_RIGHTS) on the socket, which carries
 * nothing after the hello. Unread, they kept the connection readable, so
 * every poll() a sleeping host made returned at once: each sleep turned
 * into a busy loop, thousands of wake-ups a second. The host must sleep
 * as before (a few wake-ups in 1.5 s: its slices are 500 ms), close the
 * descriptors it was sent, still count the peer as alive, and notice it
 * leave. (A thousand wake-ups is no timing margin: the busy loop makes
 * thousands even on a loaded machine, a sleeper three or four.)
 */
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "harness.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CHECK(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void send_fds(int s, int n)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	int fds[8], i;
	struct iovec iov = { .iov_base = "junk", .iov_len = 4 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = CMSG_SPACE((size_t)n * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	for (i = 0; i < n; i++)
		CHECK((fds[i] = eventfd(0, EFD_CLOEXEC)) >= 0);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
	CHECK(sendmsg(s, &m, MSG_NOSIGNAL) == 4);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct zc_params p;
	struct zc_region_stats st0, st1;
	const char *name;
	char hello[24], cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof(hello) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	zc_region *host;
	int s, got[4], ngot, i, base;

	if (strcmp(test_backend(), "shm"))
		SKIP("a fake peer speaks the shm handshake only");
	alarm(60);
	name = test_name("chatty");
	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	CHECK_RC(zc_create(name, &p, &host), 0);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, name, strlen(name));
	CHECK(connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + strlen(name))) == 0);
	CHECK_RC(zc_wait_peer(host, 5000), 0);
	CHECK(recvmsg(s, &m, MSG_CMSG_CLOEXEC) == (ssize_t)sizeof(hello));
	cm = CMSG_FIRSTHDR(&m);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS);
	ngot = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	CHECK(ngot == 3);
	memcpy(got, CMSG_DATA(cm), (size_t)ngot * sizeof(int));

	CHECK_RC(zc_set_wait_mode(host, ZC_WAIT_SLEEP, 0), 0);
	/* Settle the host's own descriptors before counting them. */
	CHECK_RC(zc_region_wait(host, 10), -ETIMEDOUT);
	base = count_fds();
	CHECK(send(s, "x", 1, MSG_NOSIGNAL) == 1);
	send_fds(s, 3);
	send_fds(s, 8);
	zc_region_stats(host, &st0);
	CHECK_RC(zc_region_wait(host, 1500), -ETIMEDOUT);
	zc_region_stats(host, &st1);
	printf("1.5 s asleep with a chatty peer: %llu wake-ups\n",
	       (unsigned long long)(st1.sleeps - st0.sleeps));
	CHECK(st1.sleeps - st0.sleeps < 1000);
	CHECK(zc_peer_alive(host) == 1);
	if (count_fds() != base) {
		fprintf(stderr, "%d descriptors before, %d after\n", base, count_fds());
		return 1;
	}
	close(s);
	for (i = 0; i < 500 && zc_peer_alive(host); i++)
		usleep(10000);
	CHECK(!zc_peer_alive(host));
	for (i = 0; i < ngot; i++)
		close(got[i]);
	zc_close(host);
	printf("OK\n");
	return 0;
}

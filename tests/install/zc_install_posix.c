/* SPDX-License-Identifier: MIT */
/*
 * Built out of tree against the installed zc (scripts/check-install.sh):
 * a C99 POSIX program (-std=c99 -pedantic -Wall -Wextra -Werror) that
 * forks a remote and moves messages both ways, zero-copy and copying, with
 * zc/uring.h pulling in liburing as POSIX programs get it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zc/zc.h>
#include <zc/uring.h>

static char uri[64];

static int remote(void)
{
	zc_region *r;
	zc_channel *ch;
	char buf[20000];
	ssize_t n;
	int rc = zc_attach(uri, 10000, &r);

	if (rc)
		return 2;
	rc = zc_channel_open(r, "echo", 2, 5000, &ch);
	while (rc == 0) {
		n = zc_read(ch, buf, sizeof(buf), 5000);
		if (n <= 0) {
			rc = n == -EPIPE ? 0 : (int)n;
			break;
		}
		if (zc_write(ch, buf, (size_t)n, 5000) != n)
			rc = 3;
	}
	zc_channel_close(ch);
	zc_close(r);
	return rc ? 4 : 0;
}

int main(void)
{
	static char out[20000], in[20000];
	struct zc_params p;
	zc_region *h;
	zc_channel *ch;
	struct io_uring ring;
	int rc, st, i;
	pid_t pid;

	sprintf(uri, "install-posix-%d", (int)getpid());
	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 16;
	p.channels = 2;
	if (zc_create(uri, &p, &h) || zc_channel_create(h, "echo", 1, &ch))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(remote());
	rc = zc_wait_peer(h, 10000);
	for (i = 0; rc == 0 && i < 100; i++) {
		size_t n = (size_t)(i * 191) % sizeof(out) + 1, k;

		for (k = 0; k < n; k++)
			out[k] = (char)(i + k);
		if (zc_write(ch, out, n, 5000) != (ssize_t)n ||
		    zc_read(ch, in, sizeof(in), 5000) != (ssize_t)n ||
		    memcmp(in, out, n))
			rc = -1;
	}
	/* io_uring is there for POSIX programs (arming it is up to the app). */
	if (rc == 0 && io_uring_queue_init(8, &ring, 0) == 0) {
		rc = zc_uring_arm(h, &ring, 42);
		if (rc == -EOPNOTSUPP)
			rc = 0;
		io_uring_queue_exit(&ring);
	}
	zc_channel_close(ch);
	zc_close(h);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		rc = -2;
	printf("install-posix: %s\n", rc ? "FAIL" : "ok");
	return rc != 0;
}

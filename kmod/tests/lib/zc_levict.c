// SPDX-License-Identifier: GPL-2.0
/*
 * zc_evict_peer() over the kmod backend (issue 9 item 12): the host evicts
 * a live remote; the remote sees its host gone, and what it then writes
 * over its whole mapping (it keeps running: no SIGBUS) reaches nobody; the
 * next remote attaches to a clean region and the host's channel carries
 * messages both ways with it. Then that one is evicted too, and a third
 * remote attaching while the host is not looking is accepted, not evicted.
 *
 * usage: zc_levict URI (kmod:/dev/zcN)
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zc/zc.h"

static const char *uri;
static int to_parent[2];

#define FAIL(...) do { fprintf(stderr, "zc_levict: " __VA_ARGS__);	\
		       fprintf(stderr, "\n"); exit(1); } while (0)
#define CHECK_RC(expr, want) do { int __rc = (int)(expr);		\
	if (__rc != (want))						\
		FAIL("%s:%d: %s = %d (%s), want %d", __FILE__, __LINE__, \
		     #expr, __rc, zc_strerror(__rc), (want));		\
} while (0)

static void say(char c)
{
	if (write(to_parent[1], &c, 1) != 1)
		_exit(9);
}

static char hear(void)
{
	char c = 0;

	if (read(to_parent[0], &c, 1) != 1)
		FAIL("the child said nothing");
	return c;
}

/* A remote: sends @msg, then either waits for the host's reply or, evicted, scribbles. */
static int remote(const char *msg, int expect_evict)
{
	char buf[64];
	zc_region *r;
	zc_channel *ch;
	ssize_t n;
	int i;

	if (zc_attach(uri, 10000, &r) || zc_channel_open(r, "t", 2, 5000, &ch))
		return 2;
	if (zc_write(ch, msg, strlen(msg), 5000) != (ssize_t)strlen(msg))
		return 3;
	say('s');
	if (!expect_evict) {
		n = zc_read(ch, buf, sizeof(buf), 10000);
		if (n != 3 || memcmp(buf, "ack", 3))
			return 4;
		zc_channel_close(ch);
		zc_close(r);
		return 0;
	}
	for (i = 0; i < 500 && zc_peer_alive(r); i++)
		usleep(10000);
	if (zc_peer_alive(r))
		return 5;	/* it never saw the eviction */
	/* Everything of the region, superblock included: reaches nobody. */
	memset(zc_base(r), 0xa5, zc_geometry(r)->region_size);
	say('d');
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

static pid_t spawn(const char *msg, int expect_evict)
{
	pid_t pid = fork();

	if (pid < 0)
		FAIL("fork");
	if (pid == 0)
		_exit(remote(msg, expect_evict));
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		FAIL("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("remote %d: status 0x%x", (int)pid, st);
}

static void expect_msg(zc_channel *ch, const char *want)
{
	char buf[64];
	ssize_t n = zc_read(ch, buf, sizeof(buf), 10000);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n))
		FAIL("host read %zd (%s), want \"%s\"", n,
		     n < 0 ? zc_strerror((int)n) : "bytes", want);
}

int main(int argc, char **argv)
{
	struct zc_params p;
	zc_region *h;
	zc_channel *hch;
	pid_t a, b, c;

	uri = argc > 1 ? argv[1] : "kmod:/dev/zc0";
	if (pipe(to_parent))
		FAIL("pipe");
	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	CHECK_RC(zc_create(uri, &p, &h), 0);
	CHECK_RC(zc_channel_create(h, "t", 1, &hch), 0);

	/* A: a live remote, evicted; it scribbles once it noticed. */
	a = spawn("one", 1);
	CHECK_RC(zc_wait_peer(h, 10000), 0);
	if (hear() != 's')
		FAIL("remote A");
	expect_msg(hch, "one");
	CHECK_RC(zc_wait_peer(h, 0), 0);	/* alive: kept */
	CHECK_RC(zc_evict_peer(h), 0);
	if (zc_peer_alive(h))
		FAIL("evicted peer still alive");
	if (hear() != 'd')
		FAIL("remote A did not scribble");
	reap(a);

	/* B: the next remote gets a clean region and a working channel. */
	b = spawn("two", 0);
	CHECK_RC(zc_wait_peer(h, 10000), 0);
	if (hear() != 's')
		FAIL("remote B");
	expect_msg(hch, "two");
	if (zc_write(hch, "ack", 3, 5000) != 3)
		FAIL("host write to B");
	reap(b);

	/* C: attaches after B left, before the host looks: accepted. */
	c = spawn("three", 0);
	CHECK_RC(zc_wait_peer(h, 10000), 0);
	if (hear() != 's')
		FAIL("remote C");
	expect_msg(hch, "three");
	if (zc_write(hch, "ack", 3, 5000) != 3)
		FAIL("host write to C");
	reap(c);

	zc_channel_close(hch);
	zc_close(h);
	printf("zc_levict: a live remote evicted over %s, the next two served\n", uri);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * A hostile host against an attaching remote (shm backend): a fake host
 * listens on the region's socket and answers zc_attach() with everything
 * protocol.md's handshake refuses. Each attach must fail with a clean
 * negative errno within its timeout, leak no descriptor, and never crash:
 *  - a region descriptor that is a pipe, an unsealed memfd, a sealed one
 *    smaller than the hello (or the superblock) says, garbage in it;
 *  - a socket in place of an eventfd; no descriptors; more than three;
 *  - a short hello, a bad status, a host that closes at once, one that
 *    accepts and never answers, one that never accepts (its backlog full:
 *    connect() blocked for good);
 *  - a memfd the host shrinks and only then seals, between the remote's
 *    look at its size and at its seals (made deterministic by catching the
 *    remote's F_GET_SEALS here): mapped at the old size, the remote died
 *    of SIGBUS on its first read.
 * alarm() catches a hang.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <dirent.h>
#include "harness.h"

#define HELLO_MAGIC 0x4f4c4548U

struct hello {
	uint32_t magic;
	int32_t status;
	uint64_t size;
	uint32_t flags;
	uint32_t pad;
};

/* Set by a case: at the remote's F_GET_SEALS, shrink this memfd and seal it. */
static volatile int shrink_at_seals;

static long real_fcntl(int fd, int cmd, va_list ap)
{
	long arg = va_arg(ap, long);

	return syscall(SYS_fcntl, fd, cmd, arg);
}

static int fcntl_hook(int fd, int cmd, va_list ap)
{
	if (cmd == F_GET_SEALS && shrink_at_seals) {
		shrink_at_seals = 0;
		/* What the host does to the same file, at the worst moment. */
		CHECK(ftruncate(fd, 0) == 0);
		CHECK(syscall(SYS_fcntl, fd, F_ADD_SEALS,
			      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
	}
	return (int)real_fcntl(fd, cmd, ap);
}

/* (With _FILE_OFFSET_BITS=64, as libzc is built, this defines fcntl64.) */
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cmd);
	rc = fcntl_hook(fd, cmd, ap);
	va_end(ap);
	return rc;
}


enum what {
	W_PIPE, W_UNSEALED, W_SMALL, W_SB_SHORT, W_GARBAGE, W_SOCK_BELL,
	W_NO_FDS, W_EXTRA_FDS, W_SHORT_HELLO, W_BAD_STATUS, W_CLOSE, W_SILENT,
	W_BACKLOG, W_SHRINK_RACE, W_SEM_BELL, W_VALID,
};

struct fake {
	enum what what;
	char name[64];
	int lfd;
};

static int fake_listen(const char *name, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	memcpy(sa.sun_path + 1, "zc.", 3);
	memcpy(sa.sun_path + 4, name, n);
	CHECK(bind(fd, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + n)) == 0);
	CHECK(listen(fd, backlog) == 0);
	return fd;
}

static int memfd(uint64_t size, int seal, int fillbyte)
{
	int fd = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)size) == 0);
	if (fillbyte >= 0 && size) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		CHECK(p != MAP_FAILED);
		memset(p, fillbyte, size);
		munmap(p, size);
	}
	if (seal)
		CHECK(syscall(SYS_fcntl, fd, F_ADD_SEALS,
			      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
	return fd;
}

/* A sealed memfd holding a well-formed region: only the doorbells are wrong. */
static int good_region(uint64_t *size)
{
	struct zc_geom g;
	void *p;
	int fd;

	CHECK(zc_geom_compute(&g, 1024, 8, 4, 1 << 20, 4096) == 0);
	fd = memfd(g.region_size, 0, 0);
	p = mmap(NULL, g.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	zc_sb_write(p, &g);
	zc_sb_publish(p);
	munmap(p, g.region_size);
	CHECK(syscall(SYS_fcntl, fd, F_ADD_SEALS,
		      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
	*size = g.region_size;
	return fd;
}

static void send_hello(int c, const struct hello *h, size_t hlen,
		       const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)h, .iov_len = hlen };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	CHECK(sendmsg(c, &m, MSG_NOSIGNAL) == (ssize_t)hlen);
}

static void *fake_host(void *p)
{
	struct fake *f = p;
	struct hello h = { .magic = HELLO_MAGIC, .size = 1 << 20 };
	int fds[8], n = 3, i, c;
	char b;

	if (f->what == W_BACKLOG)
		return NULL;	/* never accepts */
	c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(c >= 0);
	fds[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fds[2] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	switch (f->what) {
	case W_PIPE: {
		int pp[2];

		CHECK(pipe(pp) == 0);
		close(pp[1]);
		fds[0] = pp[0];
		break;
	}
	case W_UNSEALED: fds[0] = memfd(1 << 20, 0, -1); break;
	case W_SMALL: fds[0] = memfd(1 << 16, 1, -1); break;
	case W_SB_SHORT: fds[0] = memfd(100, 1, 0); h.size = 100; break;
	case W_GARBAGE: fds[0] = memfd(1 << 20, 1, 0xff); break;
	case W_SOCK_BELL:
		fds[0] = memfd(1 << 20, 1, 0);
		close(fds[2]);
		fds[2] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case W_NO_FDS: fds[0] = memfd(1 << 20, 1, 0); n = 0; break;
	case W_EXTRA_FDS:
		fds[0] = memfd(1 << 20, 1, 0);
		for (n = 3; n < 8; n++)
			fds[n] = eventfd(0, EFD_CLOEXEC);
		break;
	case W_SHORT_HELLO: fds[0] = memfd(1 << 20, 1, 0); break;
	case W_BAD_STATUS: fds[0] = memfd(1 << 20, 1, 0); h.status = -ENOMEM; break;
	case W_SHRINK_RACE: fds[0] = memfd(1 << 20, 0, 0); break;
	case W_SEM_BELL:
		/* A semaphore: each read takes 1 of 2^64-2, the doorbell never drains. */
		fds[0] = good_region(&h.size);
		close(fds[1]);
		fds[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
		break;
	case W_VALID: fds[0] = good_region(&h.size); break;
	default: fds[0] = memfd(1, 0, -1); n = 0; break;
	}
	if (f->what == W_CLOSE) {
		close(c);
		goto out;
	}
	if (f->what != W_SILENT)
		send_hello(c, &h, f->what == W_SHORT_HELLO ? 10 : sizeof(h), fds, n);
	/* Until the remote hangs up (or gives up waiting). */
	while (read(c, &b, 1) > 0)
		;
	close(c);
out:
	for (i = 0; i < (n > 3 ? n : 3); i++)
		close(fds[i]);
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	CHECK(d);
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static void one(enum what what, const char *label, int want1, int want2)
{
	struct fake f = { .what = what };
	zc_region *r = NULL;
	int base, rc, fill[8], nfill = 0, i;
	pthread_t t;

	snprintf(f.name, sizeof(f.name), "hostile-host-%d-%d", (int)getpid(), (int)what);
	f.lfd = fake_listen(f.name, 0);
	if (what == W_BACKLOG) {
		/* Fill the backlog: the next blocking connect() would sleep. */
		for (nfill = 0; nfill < 8; nfill++) {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };
			size_t n = strlen(f.name);

			fill[nfill] = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
			memcpy(sa.sun_path + 1, "zc.", 3);
			memcpy(sa.sun_path + 4, f.name, n);
			if (connect(fill[nfill], (struct sockaddr *)&sa,
				    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + n)) < 0) {
				CHECK(errno == EAGAIN);
				close(fill[nfill]);
				break;
			}
		}
		CHECK(nfill < 8);
	}
	base = count_fds();
	CHECK(pthread_create(&t, NULL, fake_host, &f) == 0);
	shrink_at_seals = what == W_SHRINK_RACE;
	rc = zc_attach(f.name, 1000, &r);
	shrink_at_seals = 0;
	if (rc != want1 && rc != want2) {
		fprintf(stderr, "%s: zc_attach returned %d (%s), want %d or %d\n",
			label, rc, zc_strerror(rc), want1, want2);
		exit(1);
	}
	if (what == W_VALID) {
		CHECK(r != NULL);
		zc_close(r);
	}
	CHECK(what == W_VALID || r == NULL);
	pthread_join(t, NULL);
	/* The fake host's descriptors are closed by now; ours must be too. */
	if (count_fds() != base) {
		fprintf(stderr, "%s: %d descriptors before, %d after\n", label,
			base, count_fds());
		exit(1);
	}
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	close(f.lfd);
	printf("%s: %d (%s)\n", label, rc, zc_strerror(rc));
}

int main(void)
{
	if (strcmp(test_backend(), "shm"))
		SKIP("a fake host speaks the shm handshake only");
	alarm(90);
	one(W_PIPE, "region fd is a pipe", -EPROTO, -EPROTO);
	one(W_UNSEALED, "unsealed memfd", -EPROTO, -EPROTO);
	one(W_SMALL, "memfd smaller than the hello says", -EMSGSIZE, -EMSGSIZE);
	one(W_SB_SHORT, "memfd smaller than a superblock", -EMSGSIZE, -EMSGSIZE);
	one(W_GARBAGE, "garbage superblock", -EPROTO, -EPROTO);
	one(W_SOCK_BELL, "a socket for an eventfd", -EPROTO, -EPROTO);
	one(W_NO_FDS, "no descriptors", -EPROTO, -EPROTO);
	one(W_EXTRA_FDS, "eight descriptors", -EPROTO, -EPROTO);
	one(W_SHORT_HELLO, "a 10-byte hello", -EPROTO, -EPROTO);
	one(W_BAD_STATUS, "status -ENOMEM", -EPROTO, -EPROTO);
	one(W_CLOSE, "host closes at once", -ENOENT, -EPROTO);
	one(W_SILENT, "host never answers", -ETIMEDOUT, -ETIMEDOUT);
	one(W_BACKLOG, "host never accepts (backlog full)", -ETIMEDOUT, -EBUSY);
	one(W_VALID, "a well-formed region (the cases' control)", 0, 0);
	one(W_SEM_BELL, "a semaphore eventfd for the remote's doorbell", -EPROTO, -EPROTO);
	one(W_SHRINK_RACE, "memfd shrunk, then sealed, between size and seal checks",
	    -EMSGSIZE, -EMSGSIZE);
	printf("OK\n");
	return 0;
}

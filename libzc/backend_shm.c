// SPDX-License-Identifier: MIT
/*
 * The shm backend, the embedded default: the region lives in a sealed
 * memfd (or on huge pages), the doorbells are two eventfds, and a second,
 * unrelated process finds them by name: the host listens on the abstract
 * UNIX socket "@zc.NAME" and passes the three descriptors with SCM_RIGHTS.
 * The connection stays open for the life of the attachment, so either side
 * sees the other die as a hang-up on it, within one poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "internal.h"

#define HELLO_MAGIC	0x4f4c4548U	/* "HELO" */
#define NAME_MAX_LEN	100
#define HUGE_PAGE	(2U << 20)

struct shm_hello {
	uint32_t magic;
	int32_t status;		/* 0, or -EBUSY: the region already has a peer */
	uint64_t size;
	uint32_t flags;		/* HELLO_UNSEALED: a hugetlbfs file, no seals */
	uint32_t pad;
};
#define HELLO_UNSEALED	1U

struct shm_ctx {
	int listen_fd;
	int mem_fd;
	int bell_host;		/* the host's doorbell: the remote kicks it */
	int bell_remote;	/* the remote's doorbell */
	int conn_fd;
	int unsealed;
};

static int sock_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(name);

	if (n == 0)
		return -EINVAL;
	if (n > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* Abstract namespace: nothing to clean up when a process dies. */
	memcpy(sa->sun_path + 1, "zc.", 3);
	memcpy(sa->sun_path + 4, name, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 4 + n);
	return 0;
}

static void ctx_close(struct shm_ctx *c)
{
	int *fds[] = { &c->listen_fd, &c->mem_fd, &c->bell_host,
		       &c->bell_remote, &c->conn_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

static struct shm_ctx *ctx_new(void)
{
	struct shm_ctx *c = calloc(1, sizeof(*c));

	if (c)
		c->listen_fd = c->mem_fd = c->bell_host = c->bell_remote =
			c->conn_fd = -1;
	return c;
}

/* A memfd on huge pages, or a file on a hugetlbfs mount. */
static int huge_memory(const char *name, const struct zc_params *p,
		       uint64_t size, int *unsealed)
{
	char path[PATH_MAX];
	int fd;

	if (!p->hugetlbfs) {
		fd = memfd_create(name, MFD_CLOEXEC | MFD_HUGETLB |
					MFD_ALLOW_SEALING);
		*unsealed = 0;
	} else {
		snprintf(path, sizeof(path), "%s/zc.%s.XXXXXX", p->hugetlbfs, name);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);	/* lives as long as the mappings */
		*unsealed = 1;
	}
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)zc_align_up(size, HUGE_PAGE)) < 0) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

static int shm_create(zc_region *r, const char *target,
		      const struct zc_params *p, uint64_t size)
{
	struct sockaddr_un sa;
	struct shm_ctx *c;
	socklen_t sl;
	void *base = MAP_FAILED;
	int rc;

	rc = sock_addr(target, &sa, &sl);
	if (rc)
		return rc;
	c = ctx_new();
	if (!c)
		return -ENOMEM;
	c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
				       SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0)
		goto fail_errno;
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sl) < 0) {
		rc = errno == EADDRINUSE ? -EEXIST : -errno;
		goto fail;
	}
	if (listen(c->listen_fd, 4) < 0)
		goto fail_errno;

	r->backend_name = "shm";
	if (p->hugepages != ZC_HUGE_NO) {
		c->mem_fd = huge_memory(target, p, size, &c->unsealed);
		if (c->mem_fd >= 0) {
			size = zc_align_up(size, HUGE_PAGE);
			base = mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_SHARED, c->mem_fd, 0);
			if (base == MAP_FAILED) {
				close(c->mem_fd);
				c->mem_fd = -1;
			} else {
				r->backend_name = "shm-hugetlb";
				if (!c->unsealed &&
				    fcntl(c->mem_fd, F_ADD_SEALS, F_SEAL_SHRINK |
					  F_SEAL_GROW | F_SEAL_SEAL) < 0)
					c->unsealed = 1;
			}
		}
		if (base == MAP_FAILED) {
			if (p->hugepages == ZC_HUGE_REQUIRE) {
				rc = -ENOMEM;
				goto fail;
			}
			fprintf(stderr, "zc: no huge pages available (reserve some in /proc/sys/vm/nr_hugepages or with hugeadm); using normal pages\n");
			c->unsealed = 0;
		}
	}
	if (base == MAP_FAILED) {
		c->mem_fd = memfd_create(target, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (c->mem_fd < 0)
			goto fail_errno;
		if (ftruncate(c->mem_fd, (off_t)size) < 0)
			goto fail_errno;
		/* Sealed: neither side can shrink the region under the other's feet (SIGBUS). */
		if (fcntl(c->mem_fd, F_ADD_SEALS,
			  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
			goto fail_errno;
		base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    c->mem_fd, 0);
		if (base == MAP_FAILED)
			goto fail_errno;
	}
	c->bell_host = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->bell_remote = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->bell_host < 0 || c->bell_remote < 0)
		goto fail_errno;
	r->bctx = c;
	r->base = base;
	r->map_size = size;
	r->bell_fd = c->bell_host;
	r->kick_fd = c->bell_remote;
	r->aux_fd = c->listen_fd;
	return 0;

fail_errno:
	rc = -errno;
fail:
	if (base != MAP_FAILED)
		munmap(base, size);
	ctx_close(c);
	free(c);
	return rc;
}

static int send_hello(int fd, const struct shm_ctx *c, int32_t status,
		      uint64_t size)
{
	struct shm_hello h = { .magic = HELLO_MAGIC, .status = status,
			       .size = size,
			       .flags = c->unsealed ? HELLO_UNSEALED : 0 };
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[3] = { c->mem_fd, c->bell_remote, c->bell_host };

	if (status == 0) {
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	}
	return sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(h) ? 0 : -errno;
}

/* Turn away callers while we have a peer: they get -EBUSY at once. */
static void refuse_callers(struct shm_ctx *c)
{
	int fd;

	while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		send_hello(fd, c, -EBUSY, 0);
		close(fd);
	}
}

static int shm_accept(zc_region *r, int timeout_ms)
{
	struct shm_ctx *c = r->bctx;
	struct pollfd pfd = { .fd = c->listen_fd, .events = POLLIN };
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX :
			    zc__now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int fd, rc;

	if (c->conn_fd >= 0) {
		close(c->conn_fd);
		c->conn_fd = -1;
		r->peer_fd = -1;
	}
	for (;;) {
		uint64_t now = zc__now_ns();
		int ms = -1;

		if (timeout_ms >= 0) {
			if (now >= deadline)
				return -ETIMEDOUT;
			ms = (int)((deadline - now + 999999) / 1000000);
		}
		rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc <= 0)
			continue;
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (send_hello(fd, c, 0, r->map_size) == 0)
			break;
		close(fd);	/* it went away before the hello: wait for another */
	}
	c->conn_fd = fd;
	r->peer_fd = fd;
	return 0;
}

/*
 * The peer is gone when its end of the connection hangs up. One poll()
 * looks at the connection and, on the host, at the door: only a caller
 * actually waiting there costs an accept().
 */
static int shm_peer_check(zc_region *r)
{
	struct shm_ctx *c = r->bctx;
	struct pollfd pfd[2] = {
		{ .fd = c->conn_fd, .events = POLLIN | POLLRDHUP },
		{ .fd = c->listen_fd, .events = POLLIN },
	};
	int n = r->role == ZC_SIDE_HOST && c->listen_fd >= 0 ? 2 : 1;
	char b;

	if (c->conn_fd < 0)
		return 0;
	if (poll(pfd, (nfds_t)n, 0) <= 0)
		return 1;
	if (n == 2 && (pfd[1].revents & POLLIN))
		refuse_callers(c);
	if (pfd[0].revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL))
		return 0;
	return !(pfd[0].revents & POLLIN) ||
	       recv(c->conn_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
}

static int is_eventfd(int fd)
{
	char link[64], path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 1;	/* no /proc: cannot tell, trust the kernel's checks */
	link[n] = 0;
	return !strcmp(link, "anon_inode:[eventfd]");
}

static int recv_hello(int fd, struct shm_hello *h, int fds[3], int timeout_ms)
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = h, .iov_len = sizeof(*h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;
	int rc, nfd = 0;

	rc = poll(&pfd, 1, timeout_ms);
	if (rc == 0)
		return -ETIMEDOUT;
	if (rc < 0)
		return -errno;
	rc = 0;
	n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int got = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			int i, tmp[8];

			if (got > 8)
				got = 8;
			memcpy(tmp, CMSG_DATA(cm), (size_t)got * sizeof(int));
			for (i = 0; i < got; i++) {
				if (nfd < 3)
					fds[nfd++] = tmp[i];
				else
					close(tmp[i]);
			}
		}
	}
	if (n == 0)
		rc = -ENOENT;	/* the host closed without a word */
	else if (n != (ssize_t)sizeof(*h) || h->magic != HELLO_MAGIC)
		rc = -EPROTO;
	else if (h->status < 0)
		rc = h->status == -EBUSY ? -EBUSY : -EPROTO;
	else if (nfd != 3 || (m.msg_flags & MSG_CTRUNC))
		rc = -EPROTO;
	if (rc) {
		while (nfd)
			close(fds[--nfd]);
		return rc;
	}
	return 0;
}

static int shm_attach(zc_region *r, const char *target, int timeout_ms)
{
	struct sockaddr_un sa;
	struct shm_hello h;
	struct shm_ctx *c;
	struct stat st;
	socklen_t sl;
	int fds[3], rc, seals;
	void *base;

	rc = sock_addr(target, &sa, &sl);
	if (rc)
		return rc;
	c = ctx_new();
	if (!c)
		return -ENOMEM;
	c->conn_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->conn_fd < 0)
		goto fail_errno;
	if (connect(c->conn_fd, (struct sockaddr *)&sa, sl) < 0) {
		rc = (errno == ECONNREFUSED || errno == ENOENT) ? -ENOENT : -errno;
		goto fail;
	}
	rc = recv_hello(c->conn_fd, &h, fds, timeout_ms);
	if (rc)
		goto fail;
	c->mem_fd = fds[0];
	c->bell_remote = fds[1];
	c->bell_host = fds[2];
	rc = -EPROTO;
	if (!is_eventfd(c->bell_remote) || !is_eventfd(c->bell_host))
		goto fail;
	if (fstat(c->mem_fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto fail;
	seals = fcntl(c->mem_fd, F_GET_SEALS);
	/* Unsealed, the host could truncate the region and crash us with SIGBUS. */
	if (!(h.flags & HELLO_UNSEALED) &&
	    (seals < 0 || !(seals & F_SEAL_SHRINK)))
		goto fail;
	rc = -EMSGSIZE;
	if (st.st_size < (off_t)ZC_SB_SIZE || (uint64_t)st.st_size < h.size)
		goto fail;
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, c->mem_fd, 0);
	if (base == MAP_FAILED)
		goto fail_errno;
	r->backend_name = (h.flags & HELLO_UNSEALED) ? "shm-hugetlb" : "shm";
	r->bctx = c;
	r->base = base;
	r->map_size = (uint64_t)st.st_size;
	r->bell_fd = c->bell_remote;
	r->kick_fd = c->bell_host;
	r->peer_fd = c->conn_fd;
	return 0;

fail_errno:
	rc = -errno;
fail:
	ctx_close(c);
	free(c);
	return rc;
}

static void shm_close(zc_region *r)
{
	struct shm_ctx *c = r->bctx;

	if (r->base)
		munmap(r->base, r->map_size);
	if (c) {
		ctx_close(c);
		free(c);
	}
}

const struct zc_backend_ops zc_backend_shm = {
	.name = "shm",
	.create = shm_create,
	.attach = shm_attach,
	.accept = shm_accept,
	.peer_check = shm_peer_check,
	.close = shm_close,
};

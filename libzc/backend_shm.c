// SPDX-License-Identifier: MIT
/*
 * The shm backend, the embedded default: the region lives in a sealed
 * memfd (on huge pages too: MFD_HUGETLB memfds take seals), the doorbells
 * are two eventfds, and a second, unrelated process finds them by name:
 * the host listens on the abstract UNIX socket "@zc.NAME" and passes the
 * three descriptors with SCM_RIGHTS. The connection stays open for the
 * life of the attachment, so either side sees the other die as a hang-up
 * on it, within one poll.
 *
 * Each peer session gets its own memory and doorbells: a peer keeps its
 * mapping and descriptors as long as it likes, so when it leaves (or is
 * evicted) the host renews all three before the next peer comes, and the
 * old peer can reach nothing the next one uses.
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
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>
#include "internal.h"

#define HELLO_MAGIC	0x4f4c4548U	/* "HELO" */
#define NAME_MAX_LEN	100
#define HUGE_PAGE	(2U << 20)
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT	26
#endif
#define HUGETLBFS_FS_MAGIC 0x958458f6	/* linux/magic.h HUGETLBFS_MAGIC */
#define CONNECT_RETRY_MS 20		/* a remote waiting for its host looks this often */

struct shm_hello {
	uint32_t magic;
	int32_t status;		/* 0, or -EBUSY: the region already has a peer */
	uint64_t size;
	uint32_t flags;		/* HELLO_UNSEALED: retired, refused (see protocol.md) */
	uint32_t pad;
};
#define HELLO_UNSEALED	1U

struct shm_ctx {
	int listen_fd;
	int mem_fd;
	int bell_host;		/* the host's doorbell: the remote kicks it */
	int bell_remote;	/* the remote's doorbell */
	int conn_fd;
	enum zc_huge huge;	/* the policy the host was created with */
	uint64_t huge_page;	/* its huge page size */
	unsigned int huge_size_flag; /* MFD_HUGE_* for a hugetlbfs mount's page size */
	uint64_t size;		/* the region's size, before page alignment */
	char name[NAME_MAX_LEN + 1];
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

/*
 * The huge page size of the hugetlbfs mount at @dir. A file there could
 * not be sealed (the peer could truncate it and kill us with SIGBUS), so
 * the mount only says which page size to ask MFD_HUGETLB for.
 */
static int hugetlbfs_page(const char *dir, uint64_t *page)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return -errno;
	if ((unsigned long)sf.f_type != HUGETLBFS_FS_MAGIC || sf.f_bsize <= 0 ||
	    !zc_is_pow2((uint64_t)sf.f_bsize))
		return -EINVAL;
	*page = (uint64_t)sf.f_bsize;
	return 0;
}

/*
 * A memfd of @size bytes (huge pages: rounded up to one), sealed against
 * shrinking and growing, mapped at *@base. 0 or a negative errno.
 */
static int sealed_memory(const char *name, unsigned int flags, uint64_t size,
			 int *fd_out, void **base)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | flags);
	int rc;

	if (fd < 0)
		return -errno;
	/* Sealed: neither side can shrink the region under the other's feet (SIGBUS). */
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	*base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*base == MAP_FAILED)
		goto fail;
	*fd_out = fd;
	return 0;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

/*
 * The region's memory per the host's policy: huge pages when asked (and,
 * with ZC_HUGE_TRY, normal pages when there are none). Sets c->mem_fd,
 * *@base, *@mapped and r->backend_name.
 */
static int make_memory(zc_region *r, struct shm_ctx *c, void **base,
		       uint64_t *mapped)
{
	int rc;

	r->backend_name = "shm";
	if (c->huge != ZC_HUGE_NO) {
		unsigned int fl = MFD_HUGETLB;
		uint64_t size = zc_align_up(c->size, c->huge_page);

		rc = sealed_memory(c->name, fl | c->huge_size_flag, size,
				   &c->mem_fd, base);
		if (rc == 0) {
			r->backend_name = "shm-hugetlb";
			*mapped = size;
			return 0;
		}
		if (c->huge == ZC_HUGE_REQUIRE)
			return -ENOMEM;
		fprintf(stderr, "zc: no huge pages available (reserve some in /proc/sys/vm/nr_hugepages or with hugeadm); using normal pages\n");
	}
	*mapped = c->size;
	return sealed_memory(c->name, 0, c->size, &c->mem_fd, base);
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
	snprintf(c->name, sizeof(c->name), "%s", target);
	c->huge = p->hugepages;
	c->huge_page = HUGE_PAGE;
	c->size = size;
	if (c->huge != ZC_HUGE_NO && p->hugetlbfs) {
		rc = hugetlbfs_page(p->hugetlbfs, &c->huge_page);
		if (rc && c->huge == ZC_HUGE_REQUIRE) {
			fprintf(stderr, "zc: %s is not a hugetlbfs mount\n",
				p->hugetlbfs);
			goto fail;
		}
		if (rc) {
			fprintf(stderr, "zc: %s is not a hugetlbfs mount; using normal pages\n",
				p->hugetlbfs);
			c->huge = ZC_HUGE_NO;
		} else {
			/* The mount's page size, by its log2 (MFD_HUGE_2MB etc.). */
			c->huge_size_flag = (12U + zc_log2_u32((uint32_t)
					     (c->huge_page >> 12))) << MFD_HUGE_SHIFT;
		}
	}
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

	rc = make_memory(r, c, &base, &size);
	if (rc) {
		base = MAP_FAILED;
		goto fail;
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
			       .size = size };
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

/*
 * Turn away callers while we have a peer: they get -EBUSY at once. A few
 * per look (the backlog's worth): callers arriving as fast as we answer
 * must not keep us here; the rest are answered at the next look.
 */
static void refuse_callers(struct shm_ctx *c)
{
	int fd, i;

	for (i = 0; i < 8 &&
	     (fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0; i++) {
		send_hello(fd, c, -EBUSY, 0);
		close(fd);
	}
}

static int shm_accept(zc_region *r, int timeout_ms)
{
	struct shm_ctx *c = r->bctx;
	struct pollfd pfd = { .fd = c->listen_fd, .events = POLLIN };
	uint64_t deadline = zc__deadline(timeout_ms);
	int fd, rc;

	if (c->conn_fd >= 0) {
		close(c->conn_fd);
		c->conn_fd = -1;
		r->peer_fd = -1;
	}
	for (;;) {
		/*
		 * Look at the door at least once, also with timeout 0 (a
		 * caller already waiting there is taken: a host polling for
		 * a peer with timeout 0 never got one).
		 */
		int ms = zc__ms_left(deadline);

		rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc <= 0) {
			if (ms == 0)
				return -ETIMEDOUT;
			continue;
		}
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (ms == 0)
				return -ETIMEDOUT;
			continue;
		}
		if (send_hello(fd, c, 0, r->map_size) == 0)
			break;
		close(fd);	/* it went away before the hello: wait for another */
	}
	c->conn_fd = fd;
	r->peer_fd = fd;
	return 0;
}

/* Host: cut the peer off; it sees the connection hang up. */
static void shm_evict(zc_region *r)
{
	struct shm_ctx *c = r->bctx;

	if (c->conn_fd >= 0) {
		shutdown(c->conn_fd, SHUT_RDWR);
		close(c->conn_fd);
		c->conn_fd = -1;
	}
	r->peer_fd = -1;
}

/*
 * Host: new memory and doorbells for the next peer. The old ones stay with
 * whoever still holds them (an old peer's mapping keeps its memory alive),
 * which is nobody we serve.
 */
static int shm_renew(zc_region *r)
{
	struct shm_ctx *c = r->bctx;
	struct shm_ctx old = *c;
	const char *old_name = r->backend_name;
	uint64_t mapped;
	void *base;
	int rc;

	c->bell_host = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->bell_remote = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rc = c->bell_host < 0 || c->bell_remote < 0 ? -errno : 0;
	if (!rc)
		rc = make_memory(r, c, &base, &mapped);
	if (rc) {
		if (c->bell_host >= 0)
			close(c->bell_host);
		if (c->bell_remote >= 0)
			close(c->bell_remote);
		*c = old;
		r->backend_name = old_name;
		return rc;
	}
	munmap(r->base, r->map_size);
	close(old.mem_fd);
	close(old.bell_host);
	close(old.bell_remote);
	r->base = base;
	r->sb = (struct zc_superblock *)base;
	r->map_size = mapped;
	r->bell_fd = c->bell_host;
	r->kick_fd = c->bell_remote;
	r->fresh = 1;
	if (strstr(r->backend_name, "huge"))
		r->g.features |= ZC_FEAT_HUGEPAGES;
	else
		r->g.features &= ~ZC_FEAT_HUGEPAGES;
	return 0;
}

/*
 * Nothing is sent on the connection after the hello: whatever a peer sends
 * there anyway (bytes, descriptors) is read and dropped, or it would keep
 * every poll() that watches the connection readable, and each sleep of
 * ours would turn into a busy loop. At most a few messages per call;
 * descriptors that came with them are closed. 0: the peer hung up.
 */
static int discard_input(int fd)
{
	int i;

	for (i = 0; i < 16; i++) {
		char data[256], cbuf[CMSG_SPACE(16 * sizeof(int))];
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n == 0)
			return 0;
		if (n < 0)
			return 1;	/* EAGAIN: all read */
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS) {
				size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) /
						sizeof(int);
				int fdk;

				for (k = 0; k < nfd; k++) {
					memcpy(&fdk, CMSG_DATA(cm) + k * sizeof(int),
					       sizeof(fdk));
					close(fdk);
				}
			}
	}
	return 1;
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

	int alive;

	if (c->conn_fd < 0)
		return 0;
	if (poll(pfd, (nfds_t)n, 0) <= 0)
		return 1;
	alive = !(pfd[0].revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) &&
		(!(pfd[0].revents & POLLIN) || discard_input(c->conn_fd));
	/*
	 * Callers are turned away only while the peer is there: one that
	 * came as the old peer died is the next peer, left for accept().
	 */
	if (alive && n == 2 && (pfd[1].revents & POLLIN))
		refuse_callers(c);
	return alive;
}

/*
 * A doorbell the host passed us: an eventfd, and not an EFD_SEMAPHORE one
 * (a read takes 1 from it, so a counter the host filled to 2^64-2 would
 * never drain and every sleep of ours would spin). Made non-blocking
 * (the host may have left it blocking; the wait code copes with a host
 * that clears the flag later, too).
 */
static int is_eventfd(int fd)
{
	char link[64], path[40], info[512];
	ssize_t n;
	int ifd, fl;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 1;	/* no /proc: cannot tell, trust the kernel's checks */
	link[n] = 0;
	if (strcmp(link, "anon_inode:[eventfd]"))
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ifd = open(path, O_RDONLY | O_CLOEXEC);
	if (ifd >= 0) {
		n = read(ifd, info, sizeof(info) - 1);
		close(ifd);
		if (n > 0) {
			info[n] = 0;
			/* Kernels before 6.6 do not say; then we cannot tell. */
			if (strstr(info, "eventfd-semaphore: 1"))
				return 0;
		}
	}
	fl = fcntl(fd, F_GETFL);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
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

/*
 * Connect to the host's socket; with @wait_host, a host not listening yet
 * is looked for again every CONNECT_RETRY_MS until @deadline.
 */
static int connect_host(const struct sockaddr_un *sa, socklen_t sl,
			int wait_host, uint64_t deadline)
{
	for (;;) {
		/*
		 * Non-blocking: a host that listens but never accepts fills its
		 * backlog, and a blocking connect() would then sleep past any
		 * timeout. Full is EAGAIN at once, looked at again like a host
		 * not up yet; -ETIMEDOUT (-EBUSY without waiting) when it stays so.
		 */
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
				SOCK_NONBLOCK, 0), ms, err;

		if (fd < 0)
			return -errno;
		if (connect(fd, (const struct sockaddr *)sa, sl) == 0)
			return fd;
		err = errno;
		close(fd);
		if (err != ECONNREFUSED && err != ENOENT && err != EAGAIN)
			return -err;
		if (!wait_host)
			return err == EAGAIN ? -EBUSY : -ENOENT;
		ms = zc__ms_left(deadline);
		if (ms == 0)	/* it never appeared, or never took us */
			return err == EAGAIN ? -ETIMEDOUT : -ENOENT;
		poll(NULL, 0, ms < 0 || ms > CONNECT_RETRY_MS ? CONNECT_RETRY_MS : ms);
	}
}

static int shm_attach(zc_region *r, const char *target, int timeout_ms,
		      int wait_host)
{
	uint64_t deadline = zc__deadline(timeout_ms);
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
	rc = connect_host(&sa, sl, wait_host && timeout_ms != 0, deadline);
	if (rc < 0)
		goto fail;
	c->conn_fd = rc;
	rc = recv_hello(c->conn_fd, &h, fds, zc__ms_left(deadline));
	if (rc)
		goto fail;
	c->mem_fd = fds[0];
	c->bell_remote = fds[1];
	c->bell_host = fds[2];
	rc = -EPROTO;
	if (!is_eventfd(c->bell_remote) || !is_eventfd(c->bell_host))
		goto fail;
	/*
	 * Unsealed, the host could truncate the region and crash us with
	 * SIGBUS: refused, whatever the hello says (HELLO_UNSEALED is retired).
	 * The seals first, then the size: once F_SEAL_SHRINK is on, the size
	 * can only grow, but a size read before could be shrunk (and only
	 * then sealed) by the host before we looked at the seals.
	 */
	seals = fcntl(c->mem_fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		goto fail;
	if (fstat(c->mem_fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto fail;
	rc = -EMSGSIZE;
	if (st.st_size < (off_t)ZC_SB_SIZE || (uint64_t)st.st_size < h.size)
		goto fail;
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, c->mem_fd, 0);
	if (base == MAP_FAILED)
		goto fail_errno;
	r->backend_name = "shm";
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
	.evict = shm_evict,
	.renew = shm_renew,
	.close = shm_close,
};

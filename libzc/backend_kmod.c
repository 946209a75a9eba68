// SPDX-License-Identifier: MIT
/*
 * The kmod backend: the region is the pool of a zc.ko link ("kmod:/dev/zcN"),
 * the doorbells are two eventfds bound to it, and the /dev/zcN file itself
 * is the peer-loss fd (EPOLLHUP while a lost peer is absent, EPOLLPRI on
 * every attach/detach). The data path never enters the driver: a kick is a
 * write to our kick eventfd, which the driver forwards to the peer's
 * doorbell eventfd (or, on a SoC, to the mailbox).
 *
 * The region "exists" while a host is bound to the link: a remote that
 * finds no host gets -ENOENT at once, as with the shm backend, and one that
 * finds a remote already bound gets -EBUSY. As with shm, a remote's attach
 * completes only once the host accepts it (zc_wait_peer()): the host's
 * accept rings the newcomer's doorbell. The host binds with
 * ZC_BIND_F_CLEAR, so the driver zeroes the pool before a remote can see
 * the host; the magic the remote checks is the current host's. A remote
 * that is lost or evicted (zc_evict_peer()) loses its role and its mapping
 * (ZC_IOC_EVICT) before the host writes the region again for the next one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"
#include "uapi/zc_kmod.h"

struct kmod_ctx {
	int dev_fd;
	int ep_fd;		/* edge-triggered EPOLLPRI on dev_fd */
	int bell_fd;
	int kick_fd;
	int accepted;		/* a remote was accepted: accepted_events is its */
	uint32_t accepted_events; /* the attach/detach count when it was */
	struct zc_kmod_info info;
};

static void ctx_free(struct kmod_ctx *c)
{
	if (c->dev_fd >= 0)
		close(c->dev_fd);
	if (c->ep_fd >= 0)
		close(c->ep_fd);
	if (c->bell_fd >= 0)
		close(c->bell_fd);
	if (c->kick_fd >= 0)
		close(c->kick_fd);
	free(c);
}

static int peer_state_ev(struct kmod_ctx *c, uint32_t *events)
{
	struct zc_kmod_peer p;

	memset(&p, 0, sizeof(p));
	if (ioctl(c->dev_fd, ZC_IOC_PEER_STATE, &p) < 0)
		return -errno;
	if (events)
		*events = p.events;
	return (int)p.state;
}

static int peer_state(struct kmod_ctx *c)
{
	return peer_state_ev(c, NULL);
}

/*
 * Open @path, check the driver speaks our ABI, and bind @role with two
 * fresh eventfds. Errors: -ENODEV (no such device: zc.ko not loaded or
 * fewer links), -ENOTTY (not a zc device), -EPROTO (driver ABI mismatch),
 * -EBUSY (role taken).
 */
static int ctx_open(const char *path, unsigned int role, unsigned int flags,
		    struct kmod_ctx **out)
{
	struct epoll_event ev = { .events = EPOLLPRI | EPOLLET };
	struct zc_kmod_bind b;
	struct kmod_ctx *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ep_fd = c->bell_fd = c->kick_fd = -1;
	c->dev_fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->dev_fd < 0) {
		/* Not "no such region": there is no device to look in. */
		rc = errno == ENOENT || errno == ENXIO || errno == ENODEV ?
		     -ENODEV : -errno;
		goto fail;
	}
	if (ioctl(c->dev_fd, ZC_IOC_GET_INFO, &c->info) < 0) {
		rc = -errno;	/* ENOTTY: not a zc device */
		goto fail;
	}
	if (c->info.abi_version != ZC_KMOD_ABI_VERSION) {
		rc = -EPROTO;
		goto fail;
	}
	c->bell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (c->bell_fd < 0 || c->kick_fd < 0 || c->ep_fd < 0)
		goto fail_errno;
	/* Armed before the bind, so no attach/detach edge is missed. */
	if (epoll_ctl(c->ep_fd, EPOLL_CTL_ADD, c->dev_fd, &ev) < 0)
		goto fail_errno;
	memset(&b, 0, sizeof(b));
	b.role = role;
	b.flags = flags;
	b.doorbell_fd = c->bell_fd;
	b.kick_fd = c->kick_fd;
	if (ioctl(c->dev_fd, ZC_IOC_BIND, &b) < 0)
		goto fail_errno;
	*out = c;
	return 0;

fail_errno:
	rc = -errno;
fail:
	ctx_free(c);
	return rc;
}

static void *map_pool(struct kmod_ctx *c)
{
	void *p = mmap(NULL, c->info.pool_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, c->dev_fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void ctx_install(zc_region *r, struct kmod_ctx *c, void *base)
{
	r->bctx = c;
	r->backend_name = "kmod";
	r->base = base;
	r->map_size = c->info.pool_size;
	r->bell_fd = c->bell_fd;
	r->kick_fd = c->kick_fd;
	r->aux_fd = -1;
}

static int kmod_create(zc_region *r, const char *target,
		       const struct zc_params *p, uint64_t size)
{
	struct kmod_ctx *c;
	void *base;
	int rc;

	if (p->hugepages == ZC_HUGE_REQUIRE)
		return -EOPNOTSUPP;	/* the driver owns the pool's pages */
	rc = ctx_open(target, ZC_ROLE_HOST, ZC_BIND_F_CLEAR, &c);
	if (rc)
		return rc == -EBUSY ? -EEXIST : rc;
	if (size > c->info.pool_size) {
		fprintf(stderr, "zc: %s has a %llu-byte pool, the region needs %llu: load zc.ko with pool_size=%llu or more, or ask for fewer/smaller slots\n",
			target, (unsigned long long)c->info.pool_size,
			(unsigned long long)size,
			(unsigned long long)((size + c->info.page_size - 1) /
					     c->info.page_size * c->info.page_size));
		ctx_free(c);
		return -ENOSPC;
	}
	base = map_pool(c);
	if (!base) {
		rc = -errno;
		ctx_free(c);
		return rc;
	}
	ctx_install(r, c, base);
	r->peer_fd = -1;	/* until a remote is accepted */
	return 0;
}

/* Host: wait until a remote is bound. */
static int kmod_accept(zc_region *r, int timeout_ms)
{
	struct kmod_ctx *c = r->bctx;
	uint64_t deadline = zc__deadline(timeout_ms);
	struct epoll_event ev;
	uint64_t one = 1;
	uint32_t events = 0;
	int st, ms;

	r->peer_fd = -1;
	for (;;) {
		st = peer_state_ev(c, &events);
		if (st < 0)
			return st;
		/*
		 * A remote bound is a new one only if it attached since the one
		 * we accepted last: one that wrote CLOSED but keeps its role
		 * (and its mapping) is still the old peer.
		 */
		if (st == ZC_PEER_UP && (!c->accepted || events != c->accepted_events))
			break;
		ms = zc__ms_left(deadline);
		if (ms == 0)
			return -ETIMEDOUT;
		/* edge-triggered: a lost peer's lasting EPOLLHUP does not spin */
		if (epoll_wait(c->ep_fd, &ev, 1, ms) < 0 && errno != EINTR)
			return -errno;
	}
	/*
	 * The old remote could write the pool until it let go of its role:
	 * write the region again from private state now that it has, before
	 * the newcomer (which maps only once accepted) is told.
	 */
	if (c->accepted)
		zc__region_format(r);
	c->accepted = 1;
	c->accepted_events = events;
	/* Tell the newcomer it is accepted (the region is reset for it). */
	if (write(c->kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	r->peer_fd = c->dev_fd;
	return 0;
}

#define HOST_RETRY_MS 20	/* a remote waiting for its host looks this often */

/*
 * Remote: bind, make sure a host is there (with @wait_host, waiting for one
 * to bind until the deadline), wait for its superblock.
 */
static int kmod_attach(zc_region *r, const char *target, int timeout_ms,
		       int wait_host)
{
	uint64_t deadline = zc__deadline(timeout_ms);
	struct kmod_ctx *c;
	struct zc_superblock *sb;
	void *base;
	uint64_t one;
	int rc, st;

	for (;;) {
		int ms;

		rc = ctx_open(target, ZC_ROLE_REMOTE, 0, &c);
		if (rc)
			return rc;
		st = peer_state(c);
		if (st == ZC_PEER_UP)
			break;
		/* No host: no region. Let go of the role while we wait. */
		ctx_free(c);
		if (st < 0)
			return st;
		if (!wait_host || timeout_ms == 0)
			return -ENOENT;
		ms = zc__ms_left(deadline);
		if (ms == 0)
			return -ENOENT;	/* it never appeared */
		usleep(1000U * (unsigned int)(ms < 0 || ms > HOST_RETRY_MS ?
					      HOST_RETRY_MS : ms));
	}
	/* Wait for the host's accept, which rings our (new) doorbell. */
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->bell_fd, .events = POLLIN },
			{ .fd = c->dev_fd, .events = 0 },	/* EPOLLHUP: host lost */
		};
		int ms = zc__ms_left(deadline);

		if (ms == 0) {
			ctx_free(c);
			return -ETIMEDOUT;
		}
		if (poll(pfd, 2, ms) < 0 && errno != EINTR) {
			rc = -errno;
			ctx_free(c);
			return rc;
		}
		if (pfd[0].revents & POLLIN)
			break;
		if (pfd[1].revents & POLLHUP) {
			ctx_free(c);
			return -ENOENT;
		}
	}
	if (read(c->bell_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		(void)0;	/* non-blocking; only draining */
	base = map_pool(c);
	if (!base) {
		rc = -errno;
		ctx_free(c);
		return rc;
	}
	/*
	 * The host's bind zeroed the pool before we could see the host, so
	 * any magic here is its own; it stores the magic last, with release.
	 * A doorbell that was not the accept (a kick meant for a lost
	 * predecessor) could let us through early: the remote side is then
	 * not yet reset to ABSENT, and we wait for that too.
	 */
	sb = base;
	while (zc_load_acquire(&sb->magic) != ZC_MAGIC ||
	       zc_load_acquire(&sb->side[ZC_SIDE_REMOTE].state) !=
	       ZC_STATE_ABSENT) {
		if (peer_state(c) != ZC_PEER_UP) {
			rc = -ENOENT;
			goto fail;
		}
		if (zc__ms_left(deadline) == 0) {
			rc = -ETIMEDOUT;
			goto fail;
		}
		usleep(1000);
	}
	ctx_install(r, c, base);
	r->peer_fd = c->dev_fd;
	return 0;

fail:
	munmap(base, c->info.pool_size);
	ctx_free(c);
	return rc;
}

static int kmod_peer_check(zc_region *r)
{
	struct kmod_ctx *c = r->bctx;

	return peer_state(c) == ZC_PEER_UP;
}

/*
 * Host: take the remote's role away (ZC_IOC_EVICT). The driver zaps its
 * mappings of the pool, so what it writes from now on reaches nobody, and
 * frees the role for the next remote, which kmod_accept() sees as a new
 * attach. The pool stays: the host formats it again before the newcomer is
 * accepted. ENOENT/ESTALE: the remote had gone by itself.
 */
static void kmod_evict(zc_region *r)
{
	struct kmod_ctx *c = r->bctx;
	struct zc_kmod_evict e;

	/*
	 * Only the remote we accepted: one that bound since it left is the
	 * next peer (ESTALE), to be accepted, not evicted.
	 */
	memset(&e, 0, sizeof(e));
	if (c->accepted) {
		e.flags = ZC_EVICT_F_IF_EVENTS;
		e.events = c->accepted_events;
	}
	if (ioctl(c->dev_fd, ZC_IOC_EVICT, &e) < 0 && errno != ENOENT &&
	    errno != ESTALE)
		fprintf(stderr, "zc: %s: evicting the remote: %s\n",
			r->backend_name, strerror(errno));
	r->peer_fd = -1;
}

static void kmod_close(zc_region *r)
{
	struct kmod_ctx *c = r->bctx;

	if (!c)
		return;
	if (r->base)
		munmap(r->base, c->info.pool_size);
	r->base = NULL;
	/* Closing the device file releases the role: the peer sees EPOLLHUP. */
	ctx_free(c);
	r->bctx = NULL;
	r->bell_fd = r->kick_fd = r->peer_fd = -1;
}

const struct zc_backend_ops zc_backend_kmod = {
	.name = "kmod",
	.create = kmod_create,
	.attach = kmod_attach,
	.accept = kmod_accept,
	.peer_check = kmod_peer_check,
	.evict = kmod_evict,
	.close = kmod_close,
};

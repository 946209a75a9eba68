// SPDX-License-Identifier: MIT
/*
 * io_uring integration: a multishot poll on the doorbell eventfd in the
 * application's own ring. Multishot poll posts a completion for every
 * wake-up of the eventfd, so the counter need not be drained (one read per
 * kick saved); the kernel ends the multishot when it must (CQ overflow),
 * which zc_uring_handle() notices and re-arms. A second poll, on the
 * backend's peer descriptor and for hang-ups only, ends the wait when the
 * peer dies; its completions carry the same user_data and are told apart
 * by their hang-up bits, which an eventfd never reports.
 */
#include <errno.h>
#include <poll.h>
#include "internal.h"
#include "zc/uring.h"

static int arm(zc_region *r, struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_multishot(sqe, r->bell_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, r->ring_user_data);
	return 0;
}

#define HANGUP_BITS (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)

static int arm_peer_watch(zc_region *r, struct io_uring *ring)
{
	struct io_uring_sqe *sqe;

	if (r->peer_fd < 0)
		return 0;
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, r->peer_fd, POLLRDHUP);
	io_uring_sqe_set_data64(sqe, r->ring_user_data);
	return 0;
}

int zc_uring_arm(zc_region *r, struct io_uring *ring, uint64_t user_data)
{
	int rc;

	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	int ok = probe && io_uring_opcode_supported(probe, IORING_OP_POLL_ADD);

	if (probe)
		io_uring_free_probe(probe);
	if (!ok)
		return -EOPNOTSUPP;
	if (!user_data)
		return -EINVAL;	/* 0 marks the library's own kick writes */
	r->ring_user_data = user_data;
	r->arm_ring = ring;
	r->uring_bell_stale = 0;
	r->uring_watch_needed = r->peer_fd < 0;
	rc = arm(r, ring);
	return rc ? rc : arm_peer_watch(r, ring);
}

/*
 * A host that accepted a new peer may have new doorbells (the shm backend
 * renews them) and surely has a new peer descriptor: queue the polls on
 * them in the app's ring, submitted with its next submit. The polls on the
 * old ones end when those files do, or fire once for nothing.
 */
void zc__uring_rearm(zc_region *r)
{
	if (!r->arm_ring || !r->ring_user_data)
		return;
	if (r->uring_bell_stale && arm(r, r->arm_ring) == 0)
		r->uring_bell_stale = 0;
	if (r->uring_watch_needed && r->peer_fd >= 0 &&
	    arm_peer_watch(r, r->arm_ring) == 0)
		r->uring_watch_needed = 0;
}

int zc_uring_handle(zc_region *r, struct io_uring *ring,
		    const struct io_uring_cqe *cqe)
{
	/*
	 * -EBADF: a poll queued on a doorbell or peer descriptor that a new
	 * peer replaced before the app submitted it. Poll what is current.
	 */
	if (cqe->res == -EBADF) {
		int rc = arm(r, ring);

		return rc ? rc : arm_peer_watch(r, ring);
	}
	if (cqe->res < 0 && cqe->res != -ECANCELED)
		return cqe->res == -EINVAL ? -EOPNOTSUPP : cqe->res;
	if (cqe->res > 0 && (cqe->res & HANGUP_BITS)) {
		/* The peer watch fired: ask the backend. */
		if (!zc__peer_alive(r))
			return r->had_peer ? -EPIPE : -ENOTCONN;
		return arm_peer_watch(r, ring);
	}
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		int rc = arm(r, ring);

		if (rc)
			return rc;
	}
	if (!zc__peer_alive_cached(r))
		return r->had_peer ? -EPIPE : -ENOTCONN;
	return 0;
}

int zc_uring_prepare_wait(zc_region *r)
{
	int rc;

	zc_store_relaxed(&zc__self(r)->need_wakeup, 1);
	/* Full fence: the flag is visible before we look at the rings again. */
	zc_fence_full();
	rc = zc__any_ready(r);
	if (rc)
		zc_store_relaxed(&zc__self(r)->need_wakeup, 0);
	if (rc < 0)
		return rc;
	/* The peer watch covers sleeping; now and then also ask the backend
	 * (it answers callers at the door). */
	if (!rc && !(zc__now_ns() - __atomic_load_n(&r->last_peer_check_ns,
						    __ATOMIC_RELAXED) > 1000000ULL ?
		     zc__peer_alive(r) : zc__peer_alive_cached(r)))
		return r->had_peer ? -EPIPE : -ENOTCONN;
	return rc;
}

void zc_uring_done_wait(zc_region *r)
{
	zc_store_relaxed(&zc__self(r)->need_wakeup, 0);
	ZC_PROBE1(wake, r->stats.sleeps);
	r->stats.sleeps++;
}

int zc_uring_kick_via(zc_region *r, struct io_uring *ring)
{
	r->kick_ring = ring;
	return 0;
}

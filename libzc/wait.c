// SPDX-License-Identifier: MIT
/*
 * Waiting and kicking: busy-poll, spin-then-sleep, sleep; the need-wakeup
 * handshake with the peer; noticing a lost peer.
 *
 * A side about to sleep sets its need_wakeup word, fences, and re-checks
 * its rings; a peer that has just published fences and reads the word, and
 * kicks only if it is set (zc__notify in dataplane.h). Either the sleeper
 * sees the new entries or the publisher sees the flag: no lost wake-up,
 * and no kick for a side that is awake.
 *
 * Several threads of one process may sleep on one region: one of them
 * polls the doorbell eventfd, the others wait on a condition variable the
 * poller broadcasts after it wakes and drains the eventfd. Only the poller
 * drains, and only after poll() returned, so a kick can never be drained
 * away between another thread's re-check and its sleep.
 */
#include <errno.h>
#include <poll.h>
#include <sys/uio.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

#define PEER_CHECK_NS	1000000ULL	/* busy loops look for a dead peer every 1 ms */
#define SLEEP_SLICE_MS	500		/* sleepers re-check peer state at least this often */

uint64_t zc__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Drain our doorbell without ever blocking. We made the eventfd
 * non-blocking, but the peer holds the same open file description and can
 * clear O_NONBLOCK on it: a plain read() of an empty counter would then
 * sleep for good. RWF_NOWAIT asks for the non-blocking read per call
 * (eventfd honours it since Linux 5.12); an older kernel refuses the flag,
 * and then we read only what a zero-timeout poll() says is there.
 */
void zc__bell_drain(zc_region *r)
{
	uint64_t v;
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	struct pollfd p = { .fd = r->bell_fd, .events = POLLIN };

	if (preadv2(r->bell_fd, &iov, 1, -1, RWF_NOWAIT) >= 0 ||
	    (errno != EOPNOTSUPP && errno != EINVAL && errno != ENOSYS))
		return;	/* drained, or nothing was pending (EAGAIN) */
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		(void)!read(r->bell_fd, &v, sizeof(v));
}

/*
 * Kick the peer's doorbell without ever blocking. As above the peer can
 * clear O_NONBLOCK on it, and it can fill its counter to 2^64-2, where a
 * blocking write() sleeps until somebody reads: eventfd writes take no
 * per-call RWF_NOWAIT, so ask poll() first. A counter that is full needs
 * no kick (its owner is woken already). Only a sleeping peer is kicked,
 * so this costs nothing on a busy data path.
 */
static void kick_write(zc_region *r)
{
	static const uint64_t one = 1;
	struct pollfd p = { .fd = r->kick_fd, .events = POLLOUT };

	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT)) {
		if (p.revents & (POLLERR | POLLNVAL))
			__atomic_store_n(&r->peer_gone, 1, __ATOMIC_RELAXED);
		return;
	}
	if (write(r->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		__atomic_store_n(&r->peer_gone, 1, __ATOMIC_RELAXED);
}

static void ring_doorbell(zc_region *r)
{
	if (r->kick_ring) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(r->kick_ring);

		if (sqe) {
			io_uring_prep_write(sqe, r->kick_fd, &r->kick_value,
					    sizeof(r->kick_value), 0);
			/* No completion on success: the app's CQ stays its own. */
			io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
			io_uring_sqe_set_data64(sqe, 0);
			return;
		}
		/* SQ full: fall back to a direct write rather than lose the kick. */
	}
	kick_write(r);
}

void zc__kick_always(zc_region *r)
{
	ring_doorbell(r);
	__atomic_fetch_add(&r->stats.kicks_sent, 1, __ATOMIC_RELAXED);
}

void zc__kick(zc_channel *ch)
{
	zc_region *r = ch->region;

	/*
	 * Exchange, not a plain store: of several senders that all saw the
	 * flag, only the first rings; the sleeper sets it again if it sleeps
	 * again.
	 */
	if (!zc_xchg(ch->peer_wakeup, 0))
		return;
	ZC_PROBE1(kick, ch->index);
	ring_doorbell(r);
	__atomic_fetch_add(&r->stats.kicks_sent, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&zc__self(r)->kicks, 1, __ATOMIC_RELAXED);
}

/*
 * Any thread waiting on the region may ask; peer_gone and the time of the
 * last check are shared between them, hence the atomics.
 */
int zc__peer_alive(zc_region *r)
{
	uint32_t st;

	__atomic_store_n(&r->last_peer_check_ns, zc__now_ns(), __ATOMIC_RELAXED);
	if (__atomic_load_n(&r->peer_gone, __ATOMIC_RELAXED) || !r->had_peer)
		return 0;
	st = zc_load_acquire(&zc__peer(r)->state);
	if (st == ZC_STATE_CLOSED || !r->ops->peer_check(r)) {
		__atomic_store_n(&r->peer_gone, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return 1;
}

int zc__peer_alive_cached(zc_region *r)
{
	if (__atomic_load_n(&r->peer_gone, __ATOMIC_RELAXED) || !r->had_peer)
		return 0;
	if (zc_load_acquire(&zc__peer(r)->state) == ZC_STATE_CLOSED) {
		__atomic_store_n(&r->peer_gone, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return 1;
}

int zc_peer_alive(zc_region *r)
{
	return zc__peer_alive(r);
}

static int peer_error(zc_region *r)
{
	return r->had_peer ? -EPIPE : -ENOTCONN;
}

/* Sleep until kicked, @deadline passes, or the peer may have changed. */
static int sleep_on_doorbell(zc_region *r, int (*ready)(void *), void *arg,
			     uint64_t deadline)
{
	struct zc_side_state *self = zc__self(r);
	int rc = 0;

	/*
	 * The backend's descriptors are in the poll set, so a lost peer or a
	 * caller at the door ends the poll: ask the backend (a system call or
	 * two) only then, on the first round, or when a slice times out.
	 */
	int ask_backend = r->peer_fd < 0 || zc__now_ns() -
			  __atomic_load_n(&r->last_peer_check_ns, __ATOMIC_RELAXED) >
			  PEER_CHECK_NS;

	pthread_mutex_lock(&r->sleep_lock);
	r->sleepers++;
	for (;;) {
		uint64_t seq = r->wake_seq, now;
		struct pollfd pfd[3];
		int n = 0, ms, woke;

		zc_store_relaxed(&self->need_wakeup, 1);
		/* Full fence: the flag is visible before we re-read the rings. */
		zc_fence_full();
		rc = ready(arg);
		if (rc)
			break;
		if (!(ask_backend ? zc__peer_alive(r) : zc__peer_alive_cached(r))) {
			rc = ready(arg);	/* deliver what it sent before dying */
			if (!rc)
				rc = peer_error(r);
			break;
		}
		ask_backend = r->peer_fd < 0;
		now = zc__now_ns();
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		ms = SLEEP_SLICE_MS;
		if (deadline - now < (uint64_t)ms * 1000000ULL)
			ms = (int)((deadline - now + 999999) / 1000000);
		if (r->poller) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)ms * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			while (seq == r->wake_seq && r->poller &&
			       pthread_cond_timedwait(&r->wake_cond,
						      &r->sleep_lock, &ts) == 0)
				;
			continue;
		}
		r->poller = 1;
		pthread_mutex_unlock(&r->sleep_lock);

		pfd[n].fd = r->bell_fd;
		pfd[n++].events = POLLIN;
		if (r->peer_fd >= 0) {
			pfd[n].fd = r->peer_fd;
			pfd[n++].events = POLLIN;
		}
		if (r->aux_fd >= 0) {
			pfd[n].fd = r->aux_fd;
			pfd[n++].events = POLLIN;
		}
		woke = poll(pfd, (nfds_t)n, ms);
		if (woke <= 0 || (n > 1 && (pfd[1].revents ||
					    (n > 2 && pfd[2].revents))))
			ask_backend = 1;

		pthread_mutex_lock(&r->sleep_lock);
		ZC_PROBE1(wake, r->stats.sleeps);
		zc__bell_drain(r);
		r->stats.sleeps++;
		__atomic_fetch_add(&self->wakeups, 1, __ATOMIC_RELAXED);
		r->poller = 0;
		r->wake_seq++;
		pthread_cond_broadcast(&r->wake_cond);
	}
	/* The last sleeper out stops asking for kicks. */
	if (--r->sleepers == 0)
		zc_store_relaxed(&self->need_wakeup, 0);
	pthread_mutex_unlock(&r->sleep_lock);
	return rc < 0 ? rc : 0;
}

int zc__wait(zc_region *r, int (*ready)(void *arg), void *arg, int timeout_ms)
{
	uint64_t now, deadline, spin_end;
	int rc, i;

	rc = ready(arg);
	if (rc)
		return rc < 0 ? rc : 0;
	if (timeout_ms == 0)
		return -EAGAIN;
	now = zc__now_ns();
	deadline = timeout_ms < 0 ? UINT64_MAX :
		   now + (uint64_t)timeout_ms * 1000000ULL;
	if (r->wait_mode != ZC_WAIT_SLEEP) {
		spin_end = r->wait_mode == ZC_WAIT_BUSY ? deadline :
			   now + r->spin_ns;
		for (;;) {
			for (i = 0; i < 64; i++) {
				rc = ready(arg);
				if (rc)
					return rc < 0 ? rc : 0;
				zc_cpu_relax();
			}
			now = zc__now_ns();
			if (now - __atomic_load_n(&r->last_peer_check_ns,
						  __ATOMIC_RELAXED) >= PEER_CHECK_NS &&
			    !zc__peer_alive(r)) {
				rc = ready(arg);
				return rc ? (rc < 0 ? rc : 0) : peer_error(r);
			}
			if (now >= spin_end)
				break;
		}
		if (now >= deadline)
			return -ETIMEDOUT;
	}
	return sleep_on_doorbell(r, ready, arg, deadline);
}

int zc_set_wait_mode(zc_region *r, enum zc_wait_mode mode, uint64_t spin_ns)
{
	if (mode != ZC_WAIT_BUSY && mode != ZC_WAIT_SPIN_SLEEP &&
	    mode != ZC_WAIT_SLEEP)
		return -EINVAL;
	r->wait_mode = mode;
	if (spin_ns)
		r->spin_ns = spin_ns;
	return 0;
}

static int region_ready(void *arg)
{
	zc_region *r = arg;

	return zc__any_ready(r);
}

int zc_region_wait(zc_region *r, int timeout_ms)
{
	return zc__wait(r, region_ready, r, timeout_ms);
}

int zc_kick_peer(zc_region *r)
{
	ZC_PROBE1(kick, UINT32_MAX);
	zc__kick_always(r);
	return __atomic_load_n(&r->peer_gone, __ATOMIC_RELAXED) ? -EPIPE : 0;
}

int zc_doorbell_fd(const zc_region *r)
{
	return r->bell_fd;
}

/* SPDX-License-Identifier: MIT */
/*
 * zc/uring.h - waiting (and kicking) through the application's io_uring.
 *
 * zc_uring_arm() puts a multishot poll on the region's doorbell eventfd
 * into the caller's own struct io_uring, so one io_uring_wait_cqe() covers
 * every channel of the region and all the application's other I/O. Before
 * waiting, call zc_uring_prepare_wait(): it tells the peer to kick us and
 * re-checks the channels, closing the race between "nothing to do" and
 * "asleep". Needs liburing (Debian 12: 2.3; multishot poll needs 5.13+).
 *
 *   zc_uring_arm(r, &ring, TAG);
 *   for (;;) {
 *       drain every channel with zc_recv_burst() ...
 *       if (zc_uring_prepare_wait(r) > 0) continue;   // work arrived meanwhile
 *       io_uring_submit_and_wait(&ring, 1);
 *       for each cqe: if (cqe->user_data == TAG) zc_uring_handle(r, &ring, cqe);
 *                     else handle the app's own completion;
 *       zc_uring_done_wait(r);
 *   }
 */
#ifndef ZC_URING_H
#define ZC_URING_H

#include "region.h"

/*
 * liburing.h needs POSIX.1-2008 (sigset_t, AT_FDCWD): pulled in for a
 * program compiled with it (the default gnu modes define it), merely
 * declared for one compiled as strict ISO C (-std=c99), which includes
 * <liburing.h> itself, with _POSIX_C_SOURCE set, where it uses io_uring.
 */
#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200809L
#include <liburing.h>
#else
struct io_uring;
struct io_uring_cqe;
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Arm a multishot poll on @r's doorbell in @ring; its completions carry
 * @user_data. Queues an SQE (submitted with the app's next submit).
 * -EBUSY if the submission queue is full, -EOPNOTSUPP if the kernel lacks
 * multishot poll.
 */
int zc_uring_arm(zc_region *r, struct io_uring *ring, uint64_t user_data);

/*
 * Handle a completion carrying the armed user_data: re-arms the poll when
 * the kernel ended it (no IORING_CQE_F_MORE). Returns 0, or -EPIPE when
 * the peer is gone.
 */
int zc_uring_handle(zc_region *r, struct io_uring *ring,
		    const struct io_uring_cqe *cqe);

/*
 * About to wait in io_uring: ask the peer for a kick and re-check every
 * channel of @r. Returns 1 if something is already waiting (do not sleep),
 * 0 if it is safe to sleep, -EPIPE if the peer is gone.
 */
int zc_uring_prepare_wait(zc_region *r);

/* Back from waiting: stop asking the peer for kicks. */
void zc_uring_done_wait(zc_region *r);

/*
 * Send this side's kicks as io_uring writes on @ring instead of write()
 * calls: they go out with the app's next io_uring_submit(). NULL restores
 * direct writes. The kicking thread must own @ring's submission queue.
 */
int zc_uring_kick_via(zc_region *r, struct io_uring *ring);

#ifdef __cplusplus
}
#endif
#endif /* ZC_URING_H */

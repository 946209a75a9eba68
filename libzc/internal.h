/* SPDX-License-Identifier: MIT */
/*
 * libzc/internal.h - the region object and the backend seam.
 *
 * A backend supplies memory and doorbells; everything about the region's
 * contents (superblock, channels, rings) is common code in region.c and
 * channel.c. The shm backend (backend_shm.c) is the embedded default; the
 * kmod backend (backend_kmod.c) maps /dev/zcN.
 */
#ifndef ZC_LIBZC_INTERNAL_H
#define ZC_LIBZC_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <liburing.h>
#include "zc/zc.h"

/* Internal functions: not part of the ABI (libzc.map exports zc_*). */
#define ZC_HIDDEN __attribute__((visibility("hidden")))

struct zc_backend_ops {
	const char *name;
	/*
	 * Host: provide @size bytes of zeroed shared memory and the doorbells;
	 * set r->base/map_size, r->bell_fd, r->kick_fd, r->peer_fd = -1.
	 */
	int (*create)(zc_region *r, const char *target, const struct zc_params *p,
		      uint64_t size);
	/*
	 * Remote: map the region published under @target and take the
	 * doorbells; set r->base/map_size (the mapped length: the validation
	 * of the superblock against it is common code), r->bell_fd,
	 * r->kick_fd, r->peer_fd. @wait_host: a host not there yet is waited
	 * for within @timeout_ms (-ETIMEDOUT), else -ENOENT at once.
	 */
	int (*attach)(zc_region *r, const char *target, int timeout_ms,
		      int wait_host);
	/*
	 * Host: wait for a remote to attach; set r->peer_fd. The region has
	 * already been reset for the newcomer. @timeout_ms as usual.
	 */
	int (*accept)(zc_region *r, int timeout_ms);
	/* Is the peer still there? 1 yes, 0 gone. May answer late callers. */
	int (*peer_check)(zc_region *r);
	/*
	 * Host, optional: cut the current peer off (it sees a hang-up). NULL:
	 * the backend cannot take a live peer's access away.
	 */
	void (*evict)(zc_region *r);
	/*
	 * Host, optional: replace the region's memory and doorbells with
	 * fresh ones for the next peer (the old peer's mappings and
	 * descriptors then reach only memory nobody uses any more); update
	 * r->base/sb, r->bell_fd, r->kick_fd and set r->fresh = 1. NULL: the
	 * memory stays, and the host zeroes it before formatting it again.
	 */
	int (*renew)(zc_region *r);
	void (*close)(zc_region *r);
};

ZC_HIDDEN extern const struct zc_backend_ops zc_backend_shm;
#ifdef ZC_HAVE_KMOD_BACKEND
ZC_HIDDEN extern const struct zc_backend_ops zc_backend_kmod;
#endif

struct zc_region {
	const struct zc_backend_ops *ops;
	void *bctx;			/* backend's own state */
	const char *backend_name;	/* may be refined by the backend */
	uint8_t *base;
	uint64_t map_size;
	struct zc_superblock *sb;
	struct zc_geom g;
	int role;
	int bell_fd;			/* our doorbell: the peer's kicks land here */
	int kick_fd;			/* the peer's doorbell */
	int peer_fd;			/* readable/hung up when the peer is lost; -1 none */
	int aux_fd;			/* readable: the backend wants peer_check() called; -1 none */
	int had_peer;			/* a peer attached at least once */
	int forgotten;			/* the last peer was forgotten (evicted, region reset) */
	int fresh;			/* the memory is new and zeroed (renew) */
	struct io_uring *arm_ring;	/* the app ring zc_uring_arm() armed, or NULL */
	int uring_bell_stale;		/* its doorbell poll is on a doorbell we renewed */
	int uring_watch_needed;		/* its peer watch is not on the current peer */
	uint32_t epochs[ZC_CHANNELS_MAX]; /* our announcements' epochs (private) */
	struct zc__chan *stale;		/* handles of a lost peer's channels, detached */
	int peer_gone;			/* sticky once noticed, until a new peer */
	uint32_t generation;		/* of the peer we serve */
	enum zc_wait_mode wait_mode;
	uint64_t spin_ns;
	uint32_t chan_mode;		/* ZC_CHAN_MODE_* for zc_channel_create() */
	struct io_uring *kick_ring;	/* kicks via io_uring, or NULL */
	uint64_t kick_value;		/* the 8 bytes an io_uring kick writes */
	uint64_t ring_user_data;	/* armed multishot poll, or 0 */
	pthread_mutex_t lock;		/* control path: channel table, handles */
	zc_channel *chans[ZC_CHANNELS_MAX];
	uint32_t closed_epoch[ZC_CHANNELS_MAX]; /* peer announcements we closed */
	struct zc_region_stats stats;
	uint64_t last_peer_check_ns;
	/* Sleeping: one thread polls the doorbell, others wait on wake_cond. */
	pthread_mutex_t sleep_lock;
	pthread_cond_t wake_cond;
	uint64_t wake_seq;
	int sleepers;			/* threads inside the sleep phase */
	int poller;			/* one of them is in poll() */
	uint64_t frames_discarded;	/* sent to a peer that died before taking them */
};

/*
 * A channel handle as libzc allocates it: the public, inline-visible part
 * first (the same pointer), then what only the copying calls use.
 */
struct zc__chan {
	struct zc_channel ch;
	uint8_t *rd_stash;	/* zc_read() timed out mid-message: the bytes so far */
	struct zc__chan *next_stale; /* on zc_region.stale */
};

static inline struct zc__chan *zc__lib(zc_channel *ch)
{
	return (struct zc__chan *)ch;
}

/* Forget a half-read message (reset, close); counts it when @count. */
ZC_HIDDEN void zc__read_forget(zc_channel *ch, int count);

static inline struct zc_side_state *zc__self(zc_region *r)
{
	return &r->sb->side[r->role];
}

static inline struct zc_side_state *zc__peer(zc_region *r)
{
	return &r->sb->side[r->role ^ 1];
}

static inline struct zc_chan_entry *zc__entry(zc_region *r, uint32_t c)
{
	return (struct zc_chan_entry *)(r->base + r->g.chan_off) + c;
}

ZC_HIDDEN uint64_t zc__now_ns(void);

/* The zc__now_ns() at which a wait of @timeout_ms ends (UINT64_MAX: never). */
static inline uint64_t zc__deadline(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX :
	       zc__now_ns() + (uint64_t)timeout_ms * 1000000ULL;
}

/* Milliseconds left until @deadline, rounded up, for poll(): -1 none, 0 past. */
static inline int zc__ms_left(uint64_t deadline)
{
	uint64_t now;

	if (deadline == UINT64_MAX)
		return -1;
	now = zc__now_ns();
	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}
/* Returns 1 if the peer is alive, 0 if it is gone (and records that). */
ZC_HIDDEN int zc__peer_alive(zc_region *r);
/* The same from what is already known, without asking the backend. */
ZC_HIDDEN int zc__peer_alive_cached(zc_region *r);
/*
 * Wait until @ready(@arg) is non-zero (returned, if negative) or the peer is
 * gone (-EPIPE) or @timeout_ms passes (-ETIMEDOUT); per the wait mode.
 */
ZC_HIDDEN int zc__wait(zc_region *r, int (*ready)(void *arg), void *arg, int timeout_ms);
/* Re-publish our half of the channel table and reset its rings (host, new peer). */
ZC_HIDDEN void zc__channels_reset_for_peer(zc_region *r);
/* Count the frames the old peer never took (host, before the memory goes). */
ZC_HIDDEN void zc__channels_count_discarded(zc_region *r);
/*
 * Host: write the whole region from private state (superblock, both side
 * states, the channel table, our rings), zeroing it first unless r->fresh.
 * Takes r->lock.
 */
ZC_HIDDEN void zc__region_format(zc_region *r);
/* Host, io_uring: arm the app's ring again on new doorbells / a new peer. */
ZC_HIDDEN void zc__uring_rearm(zc_region *r);
/* 1 if any open channel of @r has a frame or returned slot waiting. */
ZC_HIDDEN int zc__any_ready(zc_region *r);
/* Ring the peer's doorbell whether or not it asked (control path). */
ZC_HIDDEN void zc__kick_always(zc_region *r);
/* Drain our doorbell eventfd without blocking. */
ZC_HIDDEN void zc__bell_drain(zc_region *r);

#endif /* ZC_LIBZC_INTERNAL_H */

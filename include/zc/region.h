/* SPDX-License-Identifier: MIT */
/*
 * zc/region.h - regions: one shared mapping between a host and a remote.
 *
 * A region holds the superblock, the channel table, the rings and the slot
 * pool (layout in docs/protocol.md). The side that creates it takes the
 * host role; the side that attaches takes the remote role. A region is
 * named by a URI:
 *   "NAME" or "shm:NAME"   userspace shared memory (memfd + eventfds),
 *                          found by other processes over the abstract UNIX
 *                          socket "@zc.NAME" (the embedded default)
 *   "kmod:/dev/zcN"        the zc.ko driver's pool and doorbells
 * Functions return 0 or a negative errno; zc_strerror() explains it.
 */
#ifndef ZC_REGION_H
#define ZC_REGION_H

#include <stddef.h>
#include <stdint.h>
#include "layout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zc_region zc_region;

/* Huge page policy for the pool (zc_params.hugepages). */
enum zc_huge {
	ZC_HUGE_NO = 0,		/* normal pages */
	ZC_HUGE_TRY,		/* huge pages if reserved, else normal pages and a message */
	ZC_HUGE_REQUIRE,	/* huge pages or -ENOMEM */
};

/* How a waiting call waits (zc_set_wait_mode). */
enum zc_wait_mode {
	ZC_WAIT_BUSY = 0,	/* spin, never sleep: lowest latency, burns a core */
	ZC_WAIT_SPIN_SLEEP,	/* spin for spin_ns, then sleep on the doorbell (default) */
	ZC_WAIT_SLEEP,		/* sleep at once */
};

/* Region geometry and policy, for zc_create(). */
struct zc_params {
	uint32_t slot_size;	/* bytes per slot, power of two, 256 B .. 2 MiB (64 KiB) */
	uint32_t slots;		/* slots per channel and direction (64) */
	uint32_t channels;	/* channel table entries, even, 2..256 (16) */
	uint64_t max_msg;	/* largest message zc_read() reassembles (64 MiB) */
	enum zc_huge hugepages;	/* (ZC_HUGE_NO) */
	const char *hugetlbfs;	/* a hugetlbfs mount: its page size is used (the memory
				 * is a sealed MFD_HUGETLB memfd, not a file there:
				 * a file cannot be sealed against truncation);
				 * NULL: the default huge page size */
	uint32_t chan_mode;	/* ZC_CHAN_MODE_RING or _SEQ, for zc_channel_create()
				 * (RING; $ZC_CHAN_MODE=seq makes it SEQ; SEQ needs
				 * slots a power of two, at most 32768: -EINVAL) */
};

/* Fill @p with the defaults shown above. */
void zc_params_default(struct zc_params *p);

/*
 * Create a region as host and publish it under @uri. Returns at once: the
 * peer attaches later (see zc_wait_peer()). @p may be NULL for defaults.
 */
int zc_create(const char *uri, const struct zc_params *p, zc_region **out);

/*
 * Attach to the region published under @uri, as the remote side, waiting up
 * to @timeout_ms (-1: forever) for its host to appear and answer (0: only
 * if it is there now). -ENOENT: no such region (none appeared in time);
 * -ETIMEDOUT: its host did not answer in time; -ENODEV: no such device
 * (kmod: /dev/zcN absent, zc.ko not loaded); -EBUSY: it already has a peer;
 * -EPROTO/-EBADMSG/-EMSGSIZE: the region is corrupt, of another version,
 * or truncated.
 */
int zc_attach(const char *uri, int timeout_ms, zc_region **out);

/*
 * Attach to @uri if it exists now, else create it (then the caller is the
 * host and should zc_wait_peer()). *@created tells which happened.
 * @timeout_ms bounds the wait for an existing host's answer only.
 */
int zc_open(const char *uri, const struct zc_params *p, int timeout_ms,
	    zc_region **out, int *created);

/*
 * Host: wait up to @timeout_ms for a remote to attach. Called again after a
 * peer was lost (-EPIPE) or evicted, it first forgets the old peer: it
 * reclaims every slot, writes the whole region again from what the host
 * keeps privately (superblock, its side, its channel entries, their modes
 * and rings) and breaks and detaches the channels the old peer announced
 * (close those handles as usual). With the shm backend the next peer gets
 * fresh memory and doorbells, so a peer that left (or said it did) can
 * touch nothing the next one uses: zc_base() and zc_doorbell_fd() change
 * then (an io_uring armed with zc_uring_arm() is re-armed by the library).
 * The host's channels must be idle (no other thread inside them) meanwhile.
 */
int zc_wait_peer(zc_region *r, int timeout_ms);

/*
 * Host: evict the current peer, alive or not (for example one that broke a
 * channel: a live peer keeps zc_wait_peer() returning 0 at once). Its
 * connection is closed (it sees the host gone) and the region is forgotten
 * as zc_wait_peer() does; then zc_wait_peer() waits for the next peer.
 * Returns 0, or -EOPNOTSUPP where the backend cannot take a live peer's
 * access away. With kmod the driver revokes the remote's role and zaps its
 * mapping of the pool (ZC_IOC_EVICT): what it writes afterwards reaches
 * nobody, and the host formats the same pool again for the next peer.
 */
int zc_evict_peer(zc_region *r);

/* 1 while a peer is attached and alive, 0 once it is gone. */
int zc_peer_alive(zc_region *r);

/*
 * Say goodbye to the peer, unmap and release everything. Channels still open
 * are closed with the region: their handles are invalid afterwards.
 */
void zc_close(zc_region *r);

/* ZC_SIDE_HOST or ZC_SIDE_REMOTE. */
int zc_role(const zc_region *r);

/* The validated geometry of @r. */
const struct zc_geom *zc_geometry(const zc_region *r);

/* Base address of the mapping (for tools that dump the region). */
void *zc_base(const zc_region *r);

/* Backend name ("shm", "shm-hugetlb", "kmod") of @r. */
const char *zc_backend_name(const zc_region *r);

/*
 * Choose how waiting calls wait; @spin_ns is the spin before sleeping in
 * ZC_WAIT_SPIN_SLEEP (0 keeps the default, 50 us: about what a sleeping
 * thread takes to wake, so spinning never costs more than twice the best).
 */
int zc_set_wait_mode(zc_region *r, enum zc_wait_mode mode, uint64_t spin_ns);

/*
 * Wait until something arrives on any channel of @r (a message, returned
 * slots, a peer change), or @timeout_ms passes (-ETIMEDOUT). Uses the
 * region's wait mode. One sleeping thread per region at a time.
 */
int zc_region_wait(zc_region *r, int timeout_ms);

/*
 * Ring the peer's doorbell now, whether or not it asked for a kick. For code
 * that runs its own need-wakeup handshake on the region (the firmware's
 * Linux HAL); channels kick for themselves.
 */
int zc_kick_peer(zc_region *r);

/* The eventfd this side's doorbell rings on (readable after a kick). */
int zc_doorbell_fd(const zc_region *r);

/* Counters of this side (process-local, since create/attach). */
struct zc_region_stats {
	uint64_t kicks_sent;	/* doorbells we rang */
	uint64_t sleeps;	/* times we slept on the doorbell */
	uint64_t peer_resets;	/* peers lost and replaced */
	uint64_t frames_discarded; /* frames a lost peer never took (reported, not lost silently) */
};
void zc_region_stats(const zc_region *r, struct zc_region_stats *st);

/* A sentence for a negative errno returned by any zc call. */
const char *zc_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* ZC_REGION_H */

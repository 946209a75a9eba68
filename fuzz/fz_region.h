/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fz_region.h - a libzc region in a heap buffer of exactly its size
 * (so ASan sees any access past it), as host or as remote, driven through
 * the real library calls. Its backend has no memory, socket or doorbell of its own: the
 * fuzz input plays the peer by writing into the buffer, and the peer is
 * "gone" for the waits, so no call blocks (a lost peer's frames are still
 * delivered, then -EPIPE) and zc_wait_peer() runs the new-peer reset.
 */
#ifndef ZC_FUZZ_FZ_REGION_H
#define ZC_FUZZ_FZ_REGION_H

#include "fz.h"
#include "internal.h"

static int fz_peer_check(zc_region *r)
{
	(void)r;
	return 0;
}

static int fz_accept(zc_region *r, int timeout_ms)
{
	(void)r;
	(void)timeout_ms;
	return 0;
}

static void fz_close(zc_region *r)
{
	free(r->base);
}

static const struct zc_backend_ops fz_ops = {
	.name = "fuzz",
	.accept = fz_accept,
	.peer_check = fz_peer_check,
	.close = fz_close,
};

/* Our side of the region, and the peer's (the input's). */
#define FZ_ME(r)	((uint32_t)(r)->role)
#define FZ_PEER(r)	((uint32_t)(r)->role ^ 1)

/*
 * A formatted region, this process on side @role, whose peer attached once
 * and is gone; NULL if the geometry is refused.
 */
static inline zc_region *fz_region(uint32_t slot_size, uint32_t slots,
				   uint32_t channels, uint64_t max_msg,
				   uint32_t mode, int role)
{
	zc_region *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	if (zc_geom_compute(&r->g, slot_size, slots, channels, max_msg, 4096)) {
		free(r);
		return NULL;
	}
	r->base = calloc(1, r->g.region_size);
	if (!r->base)
		abort();
	r->ops = &fz_ops;
	r->backend_name = fz_ops.name;
	r->map_size = r->g.region_size;
	r->sb = (struct zc_superblock *)r->base;
	r->role = role;
	r->bell_fd = r->kick_fd = r->peer_fd = r->aux_fd = -1;
	r->wait_mode = ZC_WAIT_BUSY;
	r->spin_ns = 1;
	r->kick_value = 1;
	r->chan_mode = mode;
	r->had_peer = 1;
	r->peer_gone = 1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->sleep_lock, NULL);
	pthread_cond_init(&r->wake_cond, NULL);
	zc_sb_write(r->sb, &r->g);
	r->sb->side[ZC_SIDE_HOST].state = ZC_STATE_UP;
	r->sb->side[ZC_SIDE_HOST].features = r->g.features;
	r->sb->side[ZC_SIDE_REMOTE].state = ZC_STATE_UP;
	zc_sb_publish(r->sb);
	return r;
}

/*
 * The peer scribbles: one of the areas it can write (which the input
 * picks, so mutations stay meaningful), at an offset inside it. The whole
 * region is the peer's to write; the areas only aim the fuzzer.
 */
static inline void fz_scribble(zc_region *r, uint32_t c, struct fz_in *in)
{
	const struct zc_geom *g = &r->g;
	uint8_t area = fz_u8(in) % 8;
	uint64_t start, len, off;
	uint8_t n = fz_u8(in) % 17;

	switch (area) {
	case 0:	/* the peer's data ring (we consume) */
		start = zc_ring_off(g, c, FZ_PEER(r), ZC_RING_DATA);
		len = g->ring_stride;
		break;
	case 1:	/* our return ring: the peer gives our slots back there */
		start = zc_ring_off(g, c, FZ_ME(r), ZC_RING_RETURN);
		len = g->ring_stride;
		break;
	case 2:	/* our data ring: the peer owns its consumer index */
		start = zc_ring_off(g, c, FZ_ME(r), ZC_RING_DATA);
		len = g->ring_stride;
		break;
	case 3:	/* the peer's return ring: it consumes what we release */
		start = zc_ring_off(g, c, FZ_PEER(r), ZC_RING_RETURN);
		len = g->ring_stride;
		break;
	case 4:	/* the peer's slots (frame headers and payloads) */
		start = zc_slot_off(g, c, FZ_PEER(r), 0);
		len = (uint64_t)g->slots << g->slot_shift;
		break;
	case 5:	/* the superblock, side states included */
		start = 0;
		len = sizeof(struct zc_superblock);
		break;
	case 6:	/* the channel table */
		start = g->chan_off;
		len = (uint64_t)g->channels * ZC_CHAN_ENTRY_SIZE;
		break;
	default:	/* anywhere */
		start = 0;
		len = g->region_size;
		break;
	}
	off = fz_u32(in) % len;
	if (n > len - off)
		n = (uint8_t)(len - off);
	fz_bytes(in, r->base + start + off, n);
}

#endif /* ZC_FUZZ_FZ_REGION_H */

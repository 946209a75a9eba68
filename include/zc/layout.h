/* SPDX-License-Identifier: MIT */
/*
 * zc/layout.h - region geometry: compute it for a new region, validate it
 * when attaching to one somebody else wrote.
 *
 * The superblock lives in shared memory, so every side works from a private,
 * validated copy (struct zc_geom) and never re-reads geometry from the
 * region: a peer that rewrites the superblock later cannot move a ring or a
 * slot out of bounds. Freestanding (libzc, firmware, kernel).
 */
#ifndef ZC_LAYOUT_H
#define ZC_LAYOUT_H

#include "proto.h"

/* A validated, private copy of the region geometry. */
struct zc_geom {
	zc_u64 region_size;
	zc_u64 max_msg;
	zc_u64 chan_off;
	zc_u64 rings_off;
	zc_u64 ring_stride;
	zc_u64 pool_off;
	zc_u32 slot_size;
	zc_u32 slots;
	zc_u32 ring_entries;
	zc_u32 channels;
	zc_u32 features;
	zc_u32 slot_shift;
};

static inline int zc_is_pow2(zc_u64 x)
{
	return x && !(x & (x - 1));
}

/*
 * Can a SEQ channel use @slots slots per direction? Frame k lives in slot
 * k % slots, computed as a mask, and the stale id of a slot must differ
 * from the next expected there: a power of two, at most ZC_SEQ_SLOTS_MAX.
 */
static inline int zc_seq_slots_ok(zc_u32 slots)
{
	return zc_is_pow2(slots) && slots <= ZC_SEQ_SLOTS_MAX;
}

static inline zc_u64 zc_align_up(zc_u64 x, zc_u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline zc_u32 zc_log2_u32(zc_u32 x)
{
	zc_u32 n = 0;

	while (x > 1) {
		x >>= 1;
		n++;
	}
	return n;
}

/* Offset of slot @slot transmitted in direction @dir of channel @chan. */
static inline zc_u64 zc_slot_off(const struct zc_geom *g, zc_u32 chan,
				 zc_u32 dir, zc_u32 slot)
{
	return g->pool_off +
	       ((((zc_u64)chan * 2 + dir) * g->slots + slot) << g->slot_shift);
}

/* Offset of ring @kind (ZC_RING_DATA/RETURN) of direction @dir of @chan. */
static inline zc_u64 zc_ring_off(const struct zc_geom *g, zc_u32 chan,
				 zc_u32 dir, zc_u32 kind)
{
	return g->rings_off +
	       ((zc_u64)chan * ZC_RINGS_PER_CHAN + dir * 2 + kind) * g->ring_stride;
}

/*
 * Fill @g for a new region. @pool_align is the alignment of the pool (the
 * page or huge-page size; slots larger than it are aligned to their size).
 * Returns 0 or -ZC_EINVAL when a parameter is out of range.
 */
static inline int zc_geom_compute(struct zc_geom *g, zc_u32 slot_size,
				  zc_u32 slots, zc_u32 channels,
				  zc_u64 max_msg, zc_u64 pool_align)
{
	zc_u32 entries = 1;
	zc_u64 pool_bytes;

	if (!zc_is_pow2(slot_size) || slot_size < ZC_SLOT_MIN ||
	    slot_size > ZC_SLOT_MAX || slots == 0 || slots > ZC_SLOTS_MAX ||
	    channels < 2 || channels > ZC_CHANNELS_MAX || (channels & 1) ||
	    !zc_is_pow2(pool_align) || max_msg == 0 ||
	    max_msg > ((zc_u64)1 << 40))
		return -ZC_EINVAL;
	while (entries < slots)
		entries <<= 1;
	g->slot_size = slot_size;
	g->slot_shift = zc_log2_u32(slot_size);
	g->slots = slots;
	g->ring_entries = entries;
	g->channels = channels;
	g->max_msg = max_msg;
	g->features = ZC_FEAT_FRAG | ZC_FEAT_NEED_WAKEUP;
	g->chan_off = ZC_SB_SIZE;
	g->rings_off = zc_align_up(g->chan_off +
				   (zc_u64)channels * ZC_CHAN_ENTRY_SIZE, 4096);
	g->ring_stride = zc_align_up(ZC_RING_HDR_SIZE +
				     (zc_u64)entries * sizeof(struct zc_desc),
				     ZC_CACHELINE);
	if (slot_size > pool_align)
		pool_align = slot_size;
	g->pool_off = zc_align_up(g->rings_off + (zc_u64)channels *
				  ZC_RINGS_PER_CHAN * g->ring_stride, pool_align);
	pool_bytes = (zc_u64)channels * 2 * slots * slot_size;
	g->region_size = zc_align_up(g->pool_off + pool_bytes, pool_align);
	return 0;
}

/*
 * Write @g into a new region's superblock, everything but the magic: the
 * creator stores that last, with release ordering, once the region is
 * ready (zc_sb_publish).
 */
static inline void zc_sb_write(struct zc_superblock *sb, const struct zc_geom *g)
{
	sb->version_major = ZC_VERSION_MAJOR;
	sb->version_minor = ZC_VERSION_MINOR;
	sb->features = g->features;
	sb->sb_size = ZC_SB_SIZE;
	sb->region_size = g->region_size;
	sb->slot_size = g->slot_size;
	sb->slots = g->slots;
	sb->ring_entries = g->ring_entries;
	sb->channels = g->channels;
	sb->max_msg = g->max_msg;
	sb->chan_off = g->chan_off;
	sb->rings_off = g->rings_off;
	sb->ring_stride = g->ring_stride;
	sb->pool_off = g->pool_off;
	sb->generation = 0;
}

/* Make a region written with zc_sb_write() visible to a peer. */
static inline void zc_sb_publish(struct zc_superblock *sb)
{
	/* Release: a peer that sees the magic sees every field before it. */
	zc_store_release(&sb->magic, ZC_MAGIC);
}

/*
 * Validate a superblock somebody else wrote (@sb points into the shared
 * mapping of @mapped bytes) and fill the private copy @g. Each field is read
 * exactly once, then recomputed from the geometry parameters and compared,
 * so every offset is known to be consistent and inside the mapping.
 * Returns 0 or:
 *   -ZC_EPROTO   not a zc region, or inconsistent geometry
 *   -ZC_EMSGSIZE the region claims more bytes than are mapped (truncated)
 *   -ZC_EBADMSG  incompatible version or required feature unknown
 */
static inline int zc_geom_validate(struct zc_geom *g,
				   const struct zc_superblock *sb,
				   zc_u64 mapped)
{
	struct zc_geom want;
	zc_u32 magic, features, sb_size;
	zc_u16 major;
	zc_u64 pool_align;

	if (mapped < ZC_SB_SIZE)
		return -ZC_EMSGSIZE;
	magic = zc_load_relaxed(&sb->magic);
	if (magic != ZC_MAGIC)
		return -ZC_EPROTO;
	major = zc_load_relaxed(&sb->version_major);
	features = zc_load_relaxed(&sb->features);
	if (major != ZC_VERSION_MAJOR ||
	    (features & ~ZC_FEATURES_KNOWN & 0xffff0000U) ||
	    (features & ZC_FEATURES_REQUIRED) != ZC_FEATURES_REQUIRED)
		return -ZC_EBADMSG;
	sb_size = zc_load_relaxed(&sb->sb_size);
	g->region_size = zc_load_u64_once(&sb->region_size);
	g->slot_size = zc_load_relaxed(&sb->slot_size);
	g->slots = zc_load_relaxed(&sb->slots);
	g->ring_entries = zc_load_relaxed(&sb->ring_entries);
	g->channels = zc_load_relaxed(&sb->channels);
	g->max_msg = zc_load_u64_once(&sb->max_msg);
	g->chan_off = zc_load_u64_once(&sb->chan_off);
	g->rings_off = zc_load_u64_once(&sb->rings_off);
	g->ring_stride = zc_load_u64_once(&sb->ring_stride);
	g->pool_off = zc_load_u64_once(&sb->pool_off);
	g->features = features;
	if (sb_size != ZC_SB_SIZE || !zc_is_pow2(g->slot_size))
		return -ZC_EPROTO;
	/* The pool alignment the creator used is implied by pool_off. */
	pool_align = g->pool_off & -g->pool_off;
	if (pool_align > ((zc_u64)1 << 30) || pool_align < 4096)
		return -ZC_EPROTO;
	if (zc_geom_compute(&want, g->slot_size, g->slots, g->channels,
			    g->max_msg, pool_align) < 0)
		return -ZC_EPROTO;
	/*
	 * The creator may have aligned the pool more than we would. The pool
	 * must end inside the region, compared without a sum: pool_off is the
	 * creator's word and may be near 2^64, where pool_off + pool bytes
	 * wraps to a small number and every slot offset lands below the
	 * mapping. (pool bytes are below 2^47: 256 channels x 2 x 65536
	 * slots x 2 MiB, so they do not overflow.)
	 */
	if (g->ring_entries != want.ring_entries || g->chan_off != want.chan_off ||
	    g->rings_off != want.rings_off ||
	    g->ring_stride != want.ring_stride || g->pool_off < want.pool_off ||
	    g->pool_off > g->region_size ||
	    g->region_size - g->pool_off < ((zc_u64)g->channels * 2 * g->slots
					    << want.slot_shift))
		return -ZC_EPROTO;
	if (g->region_size > mapped)
		return -ZC_EMSGSIZE;
	g->slot_shift = want.slot_shift;
	return 0;
}

#endif /* ZC_LAYOUT_H */

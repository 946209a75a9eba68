// SPDX-License-Identifier: MIT
/*
 * fuzz_geom - zc_geom_validate(), the one gate between a superblock some
 * other party wrote and every offset libzc, the firmware and `zc info`
 * compute from it. Input: the superblock's 512 bytes, then the mapped
 * size (u64). When the superblock is accepted, everything the geometry
 * names (channel table, every ring, every slot) must lie inside the mapping,
 * computed without wrapping; otherwise the error must be one of the three
 * documented.
 */
#include "fz.h"
#include "zc/layout.h"

typedef unsigned __int128 u128;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct zc_superblock *sb = calloc(1, ZC_SB_SIZE);
	struct zc_geom g;
	uint64_t mapped;
	int rc;

	fz_bytes(&in, sb, sizeof(*sb));
	mapped = fz_u64(&in);
	rc = zc_geom_validate(&g, sb, mapped);
	free(sb);
	if (rc) {
		FZ_ASSERT(rc == -ZC_EPROTO || rc == -ZC_EMSGSIZE || rc == -ZC_EBADMSG,
			  "zc_geom_validate returned %d", rc);
		return 0;
	}
	FZ_ASSERT(g.region_size <= mapped, "region %llu > mapped %llu",
		  (unsigned long long)g.region_size, (unsigned long long)mapped);
	FZ_ASSERT(zc_is_pow2(g.slot_size) && g.slot_size >= ZC_SLOT_MIN &&
		  g.slot_size <= ZC_SLOT_MAX && (1U << g.slot_shift) == g.slot_size,
		  "slot size %u shift %u", g.slot_size, g.slot_shift);
	FZ_ASSERT(g.slots >= 1 && g.slots <= ZC_SLOTS_MAX &&
		  zc_is_pow2(g.ring_entries) && g.ring_entries >= g.slots,
		  "slots %u ring entries %u", g.slots, g.ring_entries);
	FZ_ASSERT(g.channels >= 2 && g.channels <= ZC_CHANNELS_MAX && !(g.channels & 1),
		  "channels %u", g.channels);
	FZ_ASSERT(g.max_msg > 0, "max_msg 0");
	/* The table, then the rings, then the pool, in order and inside. */
	FZ_ASSERT(g.chan_off >= ZC_SB_SIZE &&
		  (u128)g.chan_off + (u128)g.channels * ZC_CHAN_ENTRY_SIZE <= g.rings_off,
		  "channel table [%llu, +%u entries) runs into the rings at %llu",
		  (unsigned long long)g.chan_off, g.channels,
		  (unsigned long long)g.rings_off);
	FZ_ASSERT(g.ring_stride >= ZC_RING_HDR_SIZE + (u128)g.ring_entries * sizeof(struct zc_desc),
		  "ring stride %llu too small", (unsigned long long)g.ring_stride);
	FZ_ASSERT((u128)g.rings_off + (u128)g.channels * ZC_RINGS_PER_CHAN * g.ring_stride <= g.pool_off,
		  "rings run into the pool");
	FZ_ASSERT((u128)g.pool_off + ((u128)g.channels * 2 * g.slots << g.slot_shift) <= g.region_size,
		  "pool [%llu, +%llu) ends past the region (%llu bytes)",
		  (unsigned long long)g.pool_off,
		  (unsigned long long)((uint64_t)g.channels * 2 * g.slots << g.slot_shift),
		  (unsigned long long)g.region_size);
	/* What the data path computes from it is then inside too. */
	FZ_ASSERT((u128)zc_slot_off(&g, g.channels - 1, 1, g.slots - 1) + g.slot_size <= g.region_size,
		  "last slot outside the region");
	FZ_ASSERT((u128)zc_ring_off(&g, g.channels - 1, 1, ZC_RING_RETURN) + g.ring_stride <= g.pool_off,
		  "last ring outside the ring area");
	return 0;
}

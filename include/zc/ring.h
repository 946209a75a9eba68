/* SPDX-License-Identifier: MIT */
/*
 * zc/ring.h - lock-free single-producer single-consumer descriptor ring.
 *
 * The ring itself (two indices and the descriptor array) is in shared
 * memory; struct zc_ring is one side's private view of it. Each side keeps
 * its own index privately and only publishes it, so a peer that scribbles
 * on the shared indices cannot move ours; the peer's index is read with
 * acquire ordering, cached, and re-read only when the cache says the ring
 * looks full (producer) or empty (consumer). Every index read from shared
 * memory is checked: a producer index that claims more entries than the
 * ring holds, or a consumer index that claims to have consumed entries
 * never produced, returns -ZC_EPROTO.
 *
 * Bulk calls move all @n or nothing; burst calls move as many as they can.
 * No locks, no compare-and-swap, no system call. Freestanding.
 */
#ifndef ZC_RING_H
#define ZC_RING_H

#include "proto.h"

struct zc_ring {
	zc_u32 *prod;		/* shared producer index */
	zc_u32 *cons;		/* shared consumer index */
	struct zc_desc *desc;	/* shared descriptor array */
	zc_u32 size;		/* entries, power of two */
	zc_u32 mask;
	zc_u32 head;		/* our own index (prod if producer, cons if consumer) */
	zc_u32 cached;		/* the peer's index as last read */
};

/*
 * Attach a view to the ring whose header is at @hdr. @producer says which
 * end we are; our index is taken from the shared header once, at attach
 * time (the region's creator zeroes it when it resets the region).
 */
static inline void zc_ring_attach(struct zc_ring *r, struct zc_ring_hdr *hdr,
				  zc_u32 entries, int producer)
{
	r->prod = &hdr->prod;
	r->cons = &hdr->cons;
	r->desc = (struct zc_desc *)(hdr + 1);
	r->size = entries;
	r->mask = entries - 1;
	if (producer) {
		r->head = zc_load_relaxed(r->prod);
		r->cached = zc_load_acquire(r->cons);
	} else {
		r->head = zc_load_relaxed(r->cons);
		r->cached = zc_load_acquire(r->prod);
	}
}

/* Reset a ring to empty, starting both indices at @start. Creator only. */
static inline void zc_ring_reset(struct zc_ring_hdr *hdr, zc_u32 start)
{
	zc_store_relaxed(&hdr->prod, start);
	zc_store_relaxed(&hdr->cons, start);
}

/*
 * Producer: free entries, re-reading the consumer index only if fewer than
 * @want are known to be free. Negative on a corrupt consumer index.
 */
static inline int zc_ring_free(struct zc_ring *r, zc_u32 want)
{
	zc_u32 used = r->head - r->cached;
	zc_u32 room = r->size - used;

	/* More than the ring holds is never free: ask for all of it (a cmov). */
	want = want < r->size ? want : r->size;
	/*
	 * One compare for want <= room <= size: room - want wraps past
	 * size - want both when room < want and when the cached consumer
	 * index is corrupt (used > size, so room > size: a ring the peer
	 * reset under us, or an index read at attach). Either way the slow
	 * path re-reads and checks it.
	 */
	if (zc_likely(room - want <= r->size - want))
		return (int)room;
	/* Acquire: the consumer's reads of the entries it released are done. */
	r->cached = zc_load_acquire(r->cons);
	used = r->head - r->cached;
	if (zc_unlikely(used > r->size))
		return -ZC_EPROTO;
	return (int)(r->size - used);
}

/* Consumer: entries ready, re-reading the producer index when needed. */
static inline int zc_ring_avail(struct zc_ring *r, zc_u32 want)
{
	zc_u32 avail = r->cached - r->head;

	/* want <= avail <= size in one compare, as in zc_ring_free(). */
	want = want < r->size ? want : r->size;
	if (zc_likely(avail - want <= r->size - want))
		return (int)avail;
	/* Acquire: the descriptors (and the slots they name) are written. */
	r->cached = zc_load_acquire(r->prod);
	avail = r->cached - r->head;
	if (zc_unlikely(avail > r->size))
		return -ZC_EPROTO;
	return (int)avail;
}

static inline void zc_ring_write_(struct zc_ring *r, const struct zc_desc *d,
				  zc_u32 n)
{
	zc_u32 i;

	for (i = 0; i < n; i++)
		r->desc[(r->head + i) & r->mask] = d[i];
	r->head += n;
	/* Release: descriptors and slot contents before the new index. */
	zc_store_release(r->prod, r->head);
}

static inline void zc_ring_read_(struct zc_ring *r, struct zc_desc *d, zc_u32 n)
{
	zc_u32 i;

	for (i = 0; i < n; i++)
		d[i] = r->desc[(r->head + i) & r->mask];
	r->head += n;
	/* Release: our reads of the entries finish before the producer reuses them. */
	zc_store_release(r->cons, r->head);
}

/* Produce all @n descriptors or none. Returns @n, 0, or -ZC_EPROTO. */
static inline int zc_ring_produce_bulk(struct zc_ring *r,
				       const struct zc_desc *d, zc_u32 n)
{
	int room = zc_ring_free(r, n);

	if (room < 0)
		return room;
	if ((zc_u32)room < n)
		return 0;
	zc_ring_write_(r, d, n);
	return (int)n;
}

/* Produce as many of @n descriptors as fit. Returns the count or -ZC_EPROTO. */
static inline int zc_ring_produce_burst(struct zc_ring *r,
					const struct zc_desc *d, zc_u32 n)
{
	int room = zc_ring_free(r, n);

	if (room < 0)
		return room;
	if ((zc_u32)room < n)
		n = (zc_u32)room;
	if (n)
		zc_ring_write_(r, d, n);
	return (int)n;
}

/* Consume exactly @n descriptors or none. Returns @n, 0, or -ZC_EPROTO. */
static inline int zc_ring_consume_bulk(struct zc_ring *r, struct zc_desc *d,
				       zc_u32 n)
{
	int avail = zc_ring_avail(r, n);

	if (avail < 0)
		return avail;
	if ((zc_u32)avail < n)
		return 0;
	zc_ring_read_(r, d, n);
	return (int)n;
}

/* Consume up to @n descriptors. Returns the count or -ZC_EPROTO. */
static inline int zc_ring_consume_burst(struct zc_ring *r, struct zc_desc *d,
					zc_u32 n)
{
	int avail = zc_ring_avail(r, n);

	if (avail < 0)
		return avail;
	if ((zc_u32)avail < n)
		n = (zc_u32)avail;
	if (n)
		zc_ring_read_(r, d, n);
	return (int)n;
}

#endif /* ZC_RING_H */

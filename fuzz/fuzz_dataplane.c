// SPDX-License-Identifier: MIT
/*
 * fuzz_dataplane - the receive paths of RING and SEQ channels with
 * reassembly (zc_recv_burst, zc_read, zc_next_size), the release and
 * return paths (zc_release_burst, zc_reserve_burst over slots the peer
 * gave back), sending, and the host's reset for a new peer, all through
 * libzc's real calls on a region in a heap buffer (fz_region.h).
 *
 * Input: three bytes of geometry, mode and role (host or remote: the
 * input is the other side), then operations, one byte each
 * plus arguments: the peer (the input) sends frames, returns slots, or
 * scribbles anywhere; the host receives, reads, releases, reserves, sends,
 * writes, or waits for a new peer. Invariants: every buffer handed out
 * lies inside its slot, lengths are within the slot and the caller's
 * buffer, errors are negative errno values the API documents, and a
 * broken channel says why.
 */
#include "fz_region.h"

#define HELD_MAX ZC_BURST_MAX

struct state {
	zc_region *r;
	zc_channel *ch;
	uint32_t c;
	/* The peer's own counters (what a well-behaved peer would keep). */
	uint32_t peer_prod;	/* RING: frames it produced; SEQ: frames sent */
	uint16_t peer_id;
	/* What the host holds. */
	struct zc_buf held[HELD_MAX];
	unsigned int nheld;
	struct zc_buf resv[HELD_MAX];
	unsigned int nresv;
	uint8_t *scratch;
	size_t scratch_len;
};

static uint8_t *slot_at(struct state *s, uint32_t side, uint32_t slot)
{
	return s->r->base + zc_slot_off(&s->r->g, s->c, side, slot);
}

static struct zc_ring_hdr *ring_at(struct state *s, uint32_t side, uint32_t kind)
{
	return (struct zc_ring_hdr *)(s->r->base + zc_ring_off(&s->r->g, s->c, side, kind));
}

static void check_broken(struct state *s)
{
	if (s->ch->broken)
		FZ_ASSERT(zc_channel_error(s->ch) != NULL && fz_errno_ok(s->ch->broken),
			  "broken with %d and no reason", s->ch->broken);
}

/* The peer sends one frame: header (id, length, flags from the input) and a descriptor or id word. */
static void peer_send(struct state *s, struct fz_in *in)
{
	const struct zc_geom *g = &s->r->g;
	uint32_t room = g->slot_size - ZC_FRAME_HDR_SIZE;
	uint32_t slot = s->ch->seq ? s->peer_prod & (g->slots - 1) : fz_u8(in) % g->slots;
	uint32_t len = fz_u16(in) % (room + 1);
	uint8_t fl = fz_u8(in), bad = fz_u8(in);
	uint16_t flags = fl & 0x80 ? fl : fl & ZC_FRAME_KNOWN;
	uint16_t id = s->peer_id + (bad & 0x80 ? (bad & 3) : 0);
	struct zc_frame_hdr *h = (struct zc_frame_hdr *)slot_at(s, FZ_PEER(s->r), slot);
	uint8_t *payload = (uint8_t *)(h + 1);

	if (flags & ZC_FRAME_TOTAL && len >= ZC_FRAME_TOTAL_SIZE) {
		uint64_t total = fz_u8(in) & 1 ? fz_u64(in) : fz_u16(in);

		memcpy(payload, &total, sizeof(total));
	}
	if (len)	/* first and last byte: enough for the fuzzer to vary */
		payload[len - 1] = fz_u8(in);
	zc_frame_set(h, 0, 0, id, (uint16_t)s->c, len, flags);
	if (bad & 0x40)
		h->chan ^= 1;
	s->peer_id++;
	if (s->ch->seq) {
		struct zc_ring_hdr *d = ring_at(s, FZ_PEER(s->r), ZC_RING_DATA);

		s->peer_prod++;
		zc_store_relaxed(&d->prod, s->peer_prod);
	} else {
		struct zc_ring_hdr *d = ring_at(s, FZ_PEER(s->r), ZC_RING_DATA);
		struct zc_desc *desc = (struct zc_desc *)(d + 1);

		desc[s->peer_prod & (g->ring_entries - 1)].slot = bad & 0x20 ? fz_u32(in) : slot;
		desc[s->peer_prod & (g->ring_entries - 1)].len =
			len + ZC_FRAME_HDR_SIZE + (bad & 0x10 ? fz_u8(in) : 0);
		s->peer_prod++;
		zc_store_release(&d->prod, s->peer_prod);
	}
}

/* The peer takes @n of our frames and gives their slots back. */
static void peer_return(struct state *s, struct fz_in *in)
{
	const struct zc_geom *g = &s->r->g;
	struct zc_ring_hdr *d = ring_at(s, FZ_ME(s->r), ZC_RING_DATA);
	uint32_t n = fz_u8(in) % 8 + 1, i;

	if (s->ch->seq) {
		/* Released counter: a well-behaved peer never passes what was sent. */
		uint32_t cons = zc_load_relaxed(&d->cons), prod = zc_load_relaxed(&d->prod);

		for (i = 0; i < n && cons != prod; i++)
			cons++;
		zc_store_release(&d->cons, cons);
		return;
	}
	for (i = 0; i < n; i++) {
		struct zc_ring_hdr *ret = ring_at(s, FZ_ME(s->r), ZC_RING_RETURN);
		struct zc_desc *rd = (struct zc_desc *)(ret + 1);
		struct zc_desc *dd = (struct zc_desc *)(d + 1);
		uint32_t cons = zc_load_relaxed(&d->cons), rp = zc_load_relaxed(&ret->prod);

		if (cons == zc_load_relaxed(&d->prod))
			break;
		rd[rp & (g->ring_entries - 1)].slot = dd[cons & (g->ring_entries - 1)].slot;
		rd[rp & (g->ring_entries - 1)].len = 0;
		zc_store_release(&d->cons, cons + 1);
		zc_store_release(&ret->prod, rp + 1);
	}
}

static void host_recv(struct state *s, struct fz_in *in)
{
	unsigned int want = fz_u8(in) % 8 + 1, i;
	struct zc_buf b[8];
	int n;

	if (want > HELD_MAX - s->nheld)
		want = HELD_MAX - s->nheld;
	if (!want)
		return;
	n = zc_recv_burst(s->ch, b, want);
	if (n < 0) {
		FZ_ERR(n, "zc_recv_burst");
		return;
	}
	FZ_ASSERT((unsigned int)n <= want, "received %d of %u", n, want);
	for (i = 0; i < (unsigned int)n; i++) {
		uint32_t room = s->r->g.slot_size - ZC_FRAME_HDR_SIZE;

		FZ_ASSERT(b[i].slot < s->r->g.slots, "slot %u", b[i].slot);
		FZ_ASSERT((uint8_t *)b[i].data == slot_at(s, FZ_PEER(s->r), b[i].slot) +
			  ZC_FRAME_HDR_SIZE, "data outside its slot");
		FZ_ASSERT(b[i].len <= room && b[i].cap == room, "len %u cap %u", b[i].len, b[i].cap);
		if (b[i].len)	/* ASan: the whole payload is mapped */
			(void)*(volatile uint8_t *)((uint8_t *)b[i].data + b[i].len - 1);
		s->held[s->nheld++] = b[i];
	}
}

static void host_release(struct state *s, struct fz_in *in)
{
	unsigned int n = fz_u8(in) % 4 + 1, i;
	int rc;

	if (n > s->nheld)
		n = s->nheld;
	if (!n)
		return;
	/* From the middle, so releases come out of order. */
	i = fz_u8(in) % (s->nheld - n + 1);
	rc = zc_release_burst(s->ch, &s->held[i], n);
	if (rc < 0)
		FZ_ERR(rc, "zc_release_burst");
	else
		FZ_ASSERT((unsigned int)rc == n, "released %d of %u", rc, n);
	memmove(&s->held[i], &s->held[i + n], (s->nheld - i - n) * sizeof(s->held[0]));
	s->nheld -= n;
}

/*
 * The longest message a read may return: max_msg, or one whole frame (a
 * single-frame message is not held to a max_msg smaller than a slot:
 * only the total-length prefix of a fragmented one is checked).
 */
static uint64_t read_max(const struct state *s)
{
	uint64_t room = s->r->g.slot_size - ZC_FRAME_HDR_SIZE;

	return s->r->g.max_msg > room ? s->r->g.max_msg : room;
}

static void host_read(struct state *s, struct fz_in *in)
{
	size_t cap = fz_u16(in) % s->scratch_len;
	ssize_t n;

	if (fz_u8(in) & 1) {
		n = zc_next_size(s->ch, 0);
		if (n < 0)
			FZ_ERR(n, "zc_next_size");
		else
			FZ_ASSERT((uint64_t)n <= read_max(s), "next size %zd", n);
		return;
	}
	n = zc_read(s->ch, s->scratch, cap, 0);
	if (n < 0)
		FZ_ERR(n, "zc_read");
	else
		FZ_ASSERT((size_t)n <= cap && (uint64_t)n <= read_max(s),
			  "zc_read returned %zd into %zu bytes", n, cap);
}

static void host_reserve(struct state *s, struct fz_in *in)
{
	unsigned int want = fz_u8(in) % 8 + 1, i;
	int n;

	if (want > HELD_MAX - s->nresv)
		want = HELD_MAX - s->nresv;
	if (!want)
		return;
	n = zc_reserve_burst(s->ch, &s->resv[s->nresv], want);
	if (n < 0) {
		FZ_ERR(n, "zc_reserve_burst");
		return;
	}
	FZ_ASSERT((unsigned int)n <= want, "reserved %d of %u", n, want);
	for (i = s->nresv; i < s->nresv + (unsigned int)n; i++) {
		FZ_ASSERT(s->resv[i].slot < s->r->g.slots, "reserved slot %u", s->resv[i].slot);
		FZ_ASSERT((uint8_t *)s->resv[i].data == slot_at(s, FZ_ME(s->r), s->resv[i].slot) +
			  ZC_FRAME_HDR_SIZE, "reserved data outside its slot");
		((uint8_t *)s->resv[i].data)[s->resv[i].cap - 1] = 0x5a;
	}
	s->nresv += (unsigned int)n;
}

static void host_send(struct state *s, struct fz_in *in)
{
	unsigned int n = fz_u8(in) % 4 + 1, i;
	int rc;

	if (n > s->nresv)
		n = s->nresv;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		s->resv[i].len = fz_u16(in) % (s->resv[i].cap + 1);
	rc = zc_send_burst(s->ch, s->resv, n);
	if (rc < 0)
		FZ_ERR(rc, "zc_send_burst");
	else
		FZ_ASSERT((unsigned int)rc == n, "sent %d of %u", rc, n);
	memmove(&s->resv[0], &s->resv[n], (s->nresv - n) * sizeof(s->resv[0]));
	s->nresv -= n;
}

static void host_write(struct state *s, struct fz_in *in)
{
	size_t len = fz_u16(in) % s->scratch_len;
	ssize_t n;

	/* Reserved buffers would be stranded by a zc_write's own reserves in SEQ order. */
	if (s->nresv)
		return;
	n = zc_write(s->ch, s->scratch, len, 0);
	if (n < 0)
		FZ_ERR(n, "zc_write");
	else
		FZ_ASSERT((size_t)n == len, "zc_write returned %zd of %zu", n, len);
}

static void host_poll(struct state *s)
{
	int n = zc_rx_ready(s->ch);

	if (n < 0)
		FZ_ERR(n, "zc_rx_ready");
	else
		FZ_ASSERT((uint32_t)n <= s->r->g.ring_entries, "rx_ready %d", n);
	n = zc_tx_ready(s->ch);
	if (n < 0)
		FZ_ERR(n, "zc_tx_ready");
	else
		FZ_ASSERT((uint32_t)n <= s->r->g.ring_entries, "tx_ready %d", n);
	/* "1, 0, or negative" says dataplane.h; a RING channel answers its count. */
	n = zc_rx_any(s->ch);
	FZ_ASSERT(n <= (int)s->r->g.ring_entries, "rx_any %d", n);
	if (n < 0)
		FZ_ERR(n, "zc_rx_any");
}

/* The peer is lost: the host resets for the next one, then the input plays that one. */
static void host_new_peer(struct state *s)
{
	struct zc_region_stats st;
	int rc;

	rc = zc_wait_peer(s->r, 0);	/* a remote: -EINVAL, nothing reset */
	if (rc) {
		FZ_ERR(rc, "zc_wait_peer");
		return;
	}
	s->r->peer_gone = 1;	/* the newcomer is the input again: no waits */
	/* Buffers of the old peer are gone with it: the reset took them back. */
	s->nheld = 0;
	s->nresv = 0;
	s->peer_prod = 0;
	s->peer_id = 0;
	zc_region_stats(s->r, &st);
	FZ_ASSERT(st.frames_discarded <= (uint64_t)s->r->g.ring_entries * 1000000,
		  "discarded %llu", (unsigned long long)st.frames_discarded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t geo = fz_u8(&in), mode_b = fz_u8(&in), maxb = fz_u8(&in);
	uint32_t mode = mode_b & 1 ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING;
	uint32_t slot_size = 256U << (geo & 3);
	/* SEQ needs a power of two; RING takes any count. */
	uint32_t slots = mode == ZC_CHAN_MODE_SEQ ? 1U << ((geo >> 2) & 3) : ((geo >> 2) & 7) + 1;
	struct state s = { 0 };
	int ops = 0;

	/* As host (zc_create's side) or as remote (zc attach's): the data path is one. */
	s.r = fz_region(slot_size, slots, 2, 64 + (uint64_t)maxb * 64, mode,
			mode_b & 2 ? ZC_SIDE_REMOTE : ZC_SIDE_HOST);
	if (!s.r)
		return 0;
	if (zc_channel_create(s.r, "f", 1, &s.ch)) {
		zc_close(s.r);
		return 0;
	}
	FZ_ASSERT(s.ch->seq == (mode == ZC_CHAN_MODE_SEQ), "mode");
	s.c = s.ch->index;
	s.scratch_len = 4 * slot_size + 1;
	s.scratch = malloc(s.scratch_len);
	while (fz_more(&in) && ops++ < 256) {
		switch (fz_u8(&in) % 12) {
		case 0: peer_send(&s, &in); break;
		case 1: peer_return(&s, &in); break;
		case 2: fz_scribble(s.r, s.c, &in); break;
		case 3: host_recv(&s, &in); break;
		case 4: host_release(&s, &in); break;
		case 5: host_read(&s, &in); break;
		case 6: host_reserve(&s, &in); break;
		case 7: host_send(&s, &in); break;
		case 8: host_write(&s, &in); break;
		case 9: host_poll(&s); break;
		case 10: host_new_peer(&s); break;
		default: peer_send(&s, &in); break;
		}
		check_broken(&s);
	}
	free(s.scratch);
	zc_close(s.r);	/* closes the channel: gives back what we hold */
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz_chantab - libzc's reading of the channel table (libzc/channel.c),
 * as host or as remote (a geometry bit says which; the input is the other):
 * finding a peer's announcement by name, state and epoch, binding to it in
 * the mode the peer wrote, announcing in our half next to entries the peer
 * scribbled, closing, waiting on a channel the peer closed, and the host's
 * reset for a new peer (region.c), on a region in a heap buffer
 * (fz_region.h) with the input as the peer.
 *
 * Invariants: a channel opened is one the peer announced under that name,
 * in its half, in a mode we speak; one created is in our half; errors are
 * documented negative errno values; nothing reads or writes outside the
 * region (ASan).
 */
#include "fz_region.h"

#define HANDLES 8

static const char *const names[] = { "a", "b", "ctl", "data.0" };

static const char *pick_name(struct fz_in *in)
{
	return names[fz_u8(in) % (sizeof(names) / sizeof(names[0]))];
}

static struct zc_chan_entry *entry(zc_region *r, uint32_t c)
{
	return (struct zc_chan_entry *)(r->base + r->g.chan_off) + c;
}

/* First entry of side @side's half of the table. */
static uint32_t half_of(const zc_region *r, uint32_t side)
{
	return side == ZC_SIDE_HOST ? 0 : r->g.channels / 2;
}

/* The peer announces, or half-announces, in its half of the table. */
static void peer_announce(zc_region *r, struct fz_in *in)
{
	uint32_t half = r->g.channels / 2, c = half_of(r, FZ_PEER(r)) + fz_u8(in) % half;
	struct zc_chan_entry *e = entry(r, c);
	uint8_t how = fz_u8(in);
	const char *name = pick_name(in);

	memset(e->name, 0, sizeof(e->name));
	if (how & 1)
		fz_bytes(in, e->name, sizeof(e->name));	/* maybe no NUL at all */
	else
		memcpy(e->name, name, strlen(name));
	e->mode = how & 2 ? fz_u32(in) : (how >> 2) & 1;
	e->addr[FZ_PEER(r)] = fz_u32(in);
	e->epoch += how & 0x10 ? 0 : 1;
	if (e->mode <= ZC_CHAN_MODE_SEQ && !(how & 0x20))
		zc_chan_reset(r->base, &r->g, c);
	zc_store_release(&e->state[FZ_PEER(r)], how & 0x40 ? fz_u32(in) : ZC_CHAN_OPEN);
}

/* The peer opens or closes (or scribbles the state of) one of our entries. */
static void peer_state(zc_region *r, struct fz_in *in)
{
	struct zc_chan_entry *e = entry(r, fz_u8(in) % r->g.channels);
	uint8_t v = fz_u8(in);

	zc_store_release(&e->state[FZ_PEER(r)], v < 0xf0 ? v % 3 : fz_u32(in));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t geo = fz_u8(&in);
	uint32_t channels = 2 * (((geo >> 4) & 3) + 1);
	zc_channel *h[HANDLES] = { 0 };
	zc_region *r;
	int ops = 0, i;

	r = fz_region(256U << (geo & 1), 1U << ((geo >> 1) & 3), channels, 4096,
		      geo & 0x40 ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING,
		      geo & 0x80 ? ZC_SIDE_REMOTE : ZC_SIDE_HOST);
	if (!r)
		return 0;
	while (fz_more(&in) && ops++ < 128) {
		uint8_t op = fz_u8(&in), k = fz_u8(&in) % HANDLES;
		const char *name;
		zc_channel *ch;
		int rc;

		switch (op % 9) {
		case 0:
			peer_announce(r, &in);
			break;
		case 1:
			fz_scribble(r, fz_u8(&in) % channels, &in);
			break;
		case 2:
			if (h[k])
				break;
			name = pick_name(&in);
			rc = zc_channel_open(r, name, 7, 0, &ch);
			if (rc) {
				FZ_ERR(rc, "zc_channel_open");
				FZ_ASSERT(ch == NULL, "failed open left a handle");
				break;
			}
			FZ_ASSERT(ch->index >= half_of(r, FZ_PEER(r)) &&
				  ch->index < half_of(r, FZ_PEER(r)) + channels / 2,
				  "opened entry %u, not in the peer's half", ch->index);
			FZ_ASSERT(entry(r, ch->index)->state[FZ_PEER(r)] == ZC_CHAN_OPEN,
				  "opened an entry the peer has not announced");
			FZ_ASSERT(!strncmp(entry(r, ch->index)->name, name, ZC_NAME_MAX) &&
				  !strcmp(ch->name, name), "opened another name");
			FZ_ASSERT(!ch->broken && ch->seq == (entry(r, ch->index)->mode == ZC_CHAN_MODE_SEQ) &&
				  entry(r, ch->index)->mode <= ZC_CHAN_MODE_SEQ,
				  "opened a channel in mode %u", entry(r, ch->index)->mode);
			h[k] = ch;
			break;
		case 3:
			if (h[k])
				break;
			rc = zc_channel_create(r, pick_name(&in), 3, &ch);
			if (rc) {
				FZ_ERR(rc, "zc_channel_create");
				break;
			}
			FZ_ASSERT(ch->index >= half_of(r, FZ_ME(r)) &&
				  ch->index < half_of(r, FZ_ME(r)) + channels / 2,
				  "created entry %u, not in our half", ch->index);
			h[k] = ch;
			break;
		case 4:
			zc_channel_close(h[k]);
			h[k] = NULL;
			break;
		case 5:
			rc = zc_wait_peer(r, 0);	/* a remote: -EINVAL */
			if (rc) {
				FZ_ERR(rc, "zc_wait_peer");
				break;
			}
			r->peer_gone = 1;
			/* The old peer's channels are broken now, ours start over. */
			for (i = 0; i < HANDLES; i++)
				if (h[i] && h[i]->index >= channels / 2)
					FZ_ASSERT(h[i]->broken != 0, "peer channel survived the reset");
			break;
		case 6:
			peer_state(r, &in);
			break;
		case 7:
			if (!h[k])
				break;
			rc = zc_wait_rx(h[k], 0);
			if (rc < 0)
				FZ_ERR(rc, "zc_wait_rx");
			break;
		default:
			if (h[k]) {
				struct zc_buf b[4];
				int n = zc_recv_burst(h[k], b, 4);

				if (n < 0)
					FZ_ERR(n, "zc_recv_burst");
				else if (n > 0)
					FZ_ASSERT(zc_release_burst(h[k], b, (unsigned)n) == n,
						  "release what was received");
			}
			break;
		}
	}
	zc_close(r);	/* closes the handles still open */
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Channels: announcing and opening them by name (the RPMsg name service,
 * done in the channel table), closing them, and the blocking single-buffer
 * calls around the inline data path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* The half of the table side @side announces in. */
static void own_half(const zc_region *r, int side, uint32_t *lo, uint32_t *hi)
{
	uint32_t half = r->g.channels / 2;

	*lo = side == ZC_SIDE_HOST ? 0 : half;
	*hi = *lo + half;
}

/* Compare a name in shared memory (which may lack its NUL) with ours. */
static int name_is(const struct zc_chan_entry *e, const char *name)
{
	char copy[ZC_NAME_MAX];

	memcpy(copy, e->name, sizeof(copy));
	copy[ZC_NAME_MAX - 1] = 0;
	return !strcmp(copy, name);
}

static int check_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return -EINVAL;
	return n >= ZC_NAME_MAX ? -ENAMETOOLONG : 0;
}

static zc_channel *handle_new(zc_region *r, uint32_t c, const char *name,
			      int announcer, uint32_t addr, uint32_t mode)
{
	struct zc__chan *lc = calloc(1, sizeof(*lc));
	zc_channel *ch = &lc->ch;
	uint8_t *maps = calloc(2, r->g.slots);

	if (!lc || !maps) {
		free(lc);
		free(maps);
		return NULL;
	}
	zc_chan_bind_mode(ch, r->base, &r->g, c, r->role, maps,
			  maps + r->g.slots, mode);
	ch->region = r;
	ch->announcer = announcer;
	ch->src = addr;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	return ch;
}

int zc_channel_create(zc_region *r, const char *name, uint32_t addr,
		      zc_channel **out)
{
	return zc_channel_create_mode(r, name, addr, r->chan_mode, out);
}

int zc_channel_create_mode(zc_region *r, const char *name, uint32_t addr,
			   uint32_t mode, zc_channel **out)
{
	uint32_t lo, hi, c, free_c = UINT32_MAX;
	struct zc_chan_entry *e;
	zc_channel *ch;
	int rc = check_name(name);

	*out = NULL;
	if (rc)
		return rc;
	if (mode > ZC_CHAN_MODE_SEQ)
		return -EINVAL;
	/* SEQ slots are used in turn by mask: a power of two, at most 32768. */
	if (mode == ZC_CHAN_MODE_SEQ && !zc_seq_slots_ok(r->g.slots))
		return -EINVAL;
	own_half(r, r->role, &lo, &hi);
	pthread_mutex_lock(&r->lock);
	for (c = lo; c < hi; c++) {
		e = zc__entry(r, c);
		if (r->chans[c] && name_is(e, name)) {
			rc = -EEXIST;
			goto out;
		}
		/* Reusable once neither side holds it open. */
		if (!r->chans[c] && free_c == UINT32_MAX &&
		    zc_load_acquire(&e->state[r->role ^ 1]) != ZC_CHAN_OPEN)
			free_c = c;
	}
	if (free_c == UINT32_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	c = free_c;
	e = zc__entry(r, c);
	ch = handle_new(r, c, name, r->role, addr, mode);
	if (!ch) {
		rc = -ENOMEM;
		goto out;
	}
	zc_store_relaxed(&e->state[r->role], ZC_CHAN_FREE);
	memset(e->name, 0, sizeof(e->name));
	memcpy(e->name, name, strlen(name));
	e->addr[r->role] = addr;
	/* Our epoch and mode are ours: kept privately, only published. */
	ch->epoch = r->epochs[c] = r->epochs[c] + 1;
	zc_store_relaxed(&e->epoch, ch->epoch);
	zc_store_relaxed(&e->mode, mode);
	zc_chan_reset_mode(r->base, &r->g, c, mode);
	/* Re-read our indices: the reset just set them. */
	zc_chan_bind_mode(ch, r->base, &r->g, c, r->role, ch->tx_owned,
			  ch->rx_held, mode);
	/* Release: name, address and reset rings before the announcement. */
	zc_store_release(&e->state[r->role], ZC_CHAN_OPEN);
	r->chans[c] = ch;
	*out = ch;
out:
	pthread_mutex_unlock(&r->lock);
	/*
	 * A peer asleep (a remote core idling until told, like RPMsg's name
	 * service message) learns of the announcement now. Full fence: the
	 * state store before the need_wakeup read, as in zc__notify().
	 */
	if (!rc) {
		zc_fence_full();
		if (zc_xchg(&zc__peer(r)->need_wakeup, 0))
			zc__kick_always(r);
	}
	return rc;
}

/* Find the peer's open announcement of @name; -ENOENT if none. */
static int find_announced(zc_region *r, const char *name, uint32_t *found)
{
	uint32_t lo, hi, c;

	own_half(r, r->role ^ 1, &lo, &hi);
	for (c = lo; c < hi; c++) {
		struct zc_chan_entry *e = zc__entry(r, c);

		/* An announcement we closed stays closed until it is renewed. */
		if (zc_load_acquire(&e->state[r->role ^ 1]) == ZC_CHAN_OPEN &&
		    zc_load_relaxed(&e->epoch) != r->closed_epoch[c] &&
		    name_is(e, name)) {
			*found = c;
			return 0;
		}
	}
	return -ENOENT;
}

struct find_arg {
	zc_region *r;
	const char *name;
	uint32_t c;
};

static int announced_ready(void *p)
{
	struct find_arg *a = p;

	return find_announced(a->r, a->name, &a->c) == 0;
}

int zc_channel_open(zc_region *r, const char *name, uint32_t addr,
		    int timeout_ms, zc_channel **out)
{
	struct find_arg a = { .r = r, .name = name };
	struct zc_chan_entry *e;
	zc_channel *ch;
	int rc = check_name(name);

	*out = NULL;
	if (rc)
		return rc;
	rc = zc__wait(r, announced_ready, &a, timeout_ms);
	if (rc == -EAGAIN)
		rc = -ENOENT;
	if (rc)
		return rc;
	pthread_mutex_lock(&r->lock);
	if (r->chans[a.c]) {
		rc = -EEXIST;
		goto out;
	}
	/* The announcer's mode, read once: the handle keeps it from now on. */
	ch = handle_new(r, a.c, name, r->role ^ 1, addr,
			zc_chan_mode(r->base, &r->g, a.c));
	if (!ch) {
		rc = -ENOMEM;
		goto out;
	}
	if (ch->broken) {	/* a mode we do not speak: say so, do not open */
		rc = ch->broken;
		free(ch->tx_owned);
		free(ch);
		goto out;
	}
	e = zc__entry(r, a.c);
	ch->dst = zc_load_relaxed(&e->addr[r->role ^ 1]);
	ch->epoch = zc_load_relaxed(&e->epoch);
	e->addr[r->role] = addr;
	zc_store_release(&e->state[r->role], ZC_CHAN_OPEN);
	r->chans[a.c] = ch;
	*out = ch;
out:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void zc_channel_close(zc_channel *ch)
{
	zc_region *r;
	struct zc_chan_entry *e;
	uint32_t s;

	if (!ch)
		return;
	r = ch->region;
	/* Give back what we still hold, so the peer's slots are not stranded. */
	for (s = 0; s < ch->slots && !ch->broken; s++)
		if (ch->rx_held[s]) {
			struct zc_buf b = { .slot = s };

			zc_release_burst(ch, &b, 1);
		}
	pthread_mutex_lock(&r->lock);
	if (r->chans[ch->index] == ch) {
		e = zc__entry(r, ch->index);
		if (ch->announcer != r->role)
			r->closed_epoch[ch->index] = ch->epoch;
		zc_store_release(&e->state[r->role], ZC_CHAN_CLOSED);
		r->chans[ch->index] = NULL;
	} else {
		/* A lost peer's channel: its entry now belongs to the next one. */
		struct zc__chan **p = &r->stale;

		while (*p && *p != zc__lib(ch))
			p = &(*p)->next_stale;
		if (*p)
			*p = (*p)->next_stale;
	}
	pthread_mutex_unlock(&r->lock);
	/* Wake a peer sleeping on this channel so it sees the close. */
	if (zc_xchg(&zc__peer(r)->need_wakeup, 0))
		zc__kick_always(r);
	zc__read_forget(ch, 0);
	free(ch->tx_owned);
	free(ch);
}

int zc__break(zc_channel *ch, int err, const char *why)
{
	if (!ch->broken) {
		ch->broken = err;
		ch->why = why;
		ZC_PROBE2(broken, ch->index, err);
	}
	return ch->broken;
}

const char *zc_channel_error(const zc_channel *ch)
{
	return ch->broken ? ch->why : NULL;
}

void zc_channel_stats(const zc_channel *ch, struct zc_channel_stats *st)
{
	*st = ch->stats;
}

/*
 * Host, old peer gone: count what we sent that it never took (the index is
 * the old peer's word: clamp it to the ring). Before the memory goes.
 */
void zc__channels_count_discarded(zc_region *r)
{
	uint32_t lo, hi, c;

	own_half(r, r->role, &lo, &hi);
	for (c = lo; c < hi; c++) {
		zc_channel *ch = r->chans[c];
		uint32_t left;

		if (!ch || ch->broken)
			continue;
		left = ch->tx.head - zc_load_relaxed(ch->tx.cons);
		r->frames_discarded += left <= ch->slots ? left : ch->slots;
	}
}

/*
 * Host, new peer: write our half of the channel table from what we keep
 * privately (name, address, epoch, mode, state) and reset our channels'
 * rings in the region now mapped at r->base; the entries we do not hold
 * are freed. Nothing the old peer wrote there is read back.
 */
void zc__channels_reset_for_peer(zc_region *r)
{
	uint32_t lo, hi, c;

	own_half(r, r->role, &lo, &hi);
	for (c = lo; c < hi; c++) {
		struct zc_chan_entry *e = zc__entry(r, c);
		zc_channel *ch = r->chans[c];
		uint32_t mode;

		memset(e, 0, sizeof(*e));
		if (!ch)
			continue;
		mode = ch->seq ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING;
		memcpy(e->name, ch->name, strnlen(ch->name, ZC_NAME_MAX - 1));
		e->addr[r->role] = ch->src;
		e->epoch = ch->epoch;
		e->mode = mode;
		zc__read_forget(ch, 1);
		zc_chan_reset_mode(r->base, &r->g, c, mode);
		zc_chan_bind_mode(ch, r->base, &r->g, c, r->role, ch->tx_owned,
				  ch->rx_held, mode);
		ch->dst = 0;
		/* Release: the entry and rings before the announcement. */
		zc_store_release(&e->state[r->role], ZC_CHAN_OPEN);
	}
}

int zc__any_ready(zc_region *r)
{
	uint32_t c;

	for (c = 0; c < r->g.channels; c++) {
		zc_channel *ch = r->chans[c];
		int n;

		if (!ch)
			continue;
		n = zc_rx_any(ch);
		if (n)
			return n < 0 ? n : 1;
		/* Slots coming back matter only to a sender that ran out. */
		if (ch->tx_blocked) {
			n = zc_tx_ready(ch);
			if (n)
				return n < 0 ? n : 1;
		}
	}
	return 0;
}

/* The peer closed this channel (after it was opened on both sides)? */
static int peer_closed(zc_channel *ch)
{
	zc_region *r = ch->region;
	struct zc_chan_entry *e = zc__entry(r, ch->index);

	return zc_load_acquire(&e->state[r->role ^ 1]) == ZC_CHAN_CLOSED;
}

static int rx_ready(void *p)
{
	zc_channel *ch = p;
	int n = zc_rx_any(ch);

	if (n == 0 && peer_closed(ch) && zc_rx_any(ch) == 0)
		return -EPIPE;
	return n;
}

static int tx_ready(void *p)
{
	zc_channel *ch = p;
	int n = zc_tx_ready(ch);

	if (n == 0 && peer_closed(ch))
		return -EPIPE;
	return n;
}

int zc_wait_rx(zc_channel *ch, int timeout_ms)
{
	return zc__wait(ch->region, rx_ready, ch, timeout_ms);
}

int zc_wait_tx(zc_channel *ch, int timeout_ms)
{
	return zc__wait(ch->region, tx_ready, ch, timeout_ms);
}

/* What is left of @timeout_ms since @start (ns): a repeated wait keeps the bound. */
static int ms_since(uint64_t start, int timeout_ms)
{
	uint64_t spent = (zc__now_ns() - start) / 1000000ULL;

	if (timeout_ms <= 0)
		return timeout_ms;
	return spent >= (uint64_t)timeout_ms ? 0 : timeout_ms - (int)spent;
}

int zc_reserve(zc_channel *ch, struct zc_buf *b, int timeout_ms)
{
	uint64_t start = timeout_ms > 0 ? zc__now_ns() : 0;

	for (;;) {
		int n = zc_reserve_burst(ch, b, 1), left;

		if (n)
			return n < 0 ? n : 0;
		left = ms_since(start, timeout_ms);
		n = zc_wait_tx(ch, left);
		if (n)
			return n == -EAGAIN && timeout_ms ? -ETIMEDOUT : n;
	}
}

int zc_send(zc_channel *ch, struct zc_buf *b)
{
	int n = zc_send_burst(ch, b, 1);

	return n < 0 ? n : 0;
}

int zc_recv(zc_channel *ch, struct zc_buf *b, int timeout_ms)
{
	uint64_t start = timeout_ms > 0 ? zc__now_ns() : 0;

	for (;;) {
		int n = zc_recv_burst(ch, b, 1), left;

		if (n)
			return n < 0 ? n : 0;
		left = ms_since(start, timeout_ms);
		n = zc_wait_rx(ch, left);
		if (n)
			return n == -EAGAIN && timeout_ms ? -ETIMEDOUT : n;
	}
}

int zc_release(zc_channel *ch, const struct zc_buf *b)
{
	int n = zc_release_burst(ch, b, 1);

	return n < 0 ? n : 0;
}

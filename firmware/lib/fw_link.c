// SPDX-License-Identifier: MIT
/*
 * fw_link.c - attach to a region as the remote side, announce channels,
 * and the two slow paths of the shared data path (kick, break).
 */
#include "zc_fw.h"

/* Reachable from a zc_channel: the firmware channel embeds it first. */
static struct zc_fw_chan *fw_chan_of(struct zc_channel *ch)
{
	return (struct zc_fw_chan *)ch;
}

static struct zc_chan_entry *fw_entry(struct zc_fw *fw, zc_u32 e)
{
	return (struct zc_chan_entry *)(fw->base + fw->g.chan_off +
					(zc_u64)e * ZC_CHAN_ENTRY_SIZE);
}

int zc_fw_attach(struct zc_fw *fw, void *base, zc_u64 size, int side,
		 const struct zc_hal *hal, void *hal_ctx)
{
	const struct zc_superblock *sb = (const struct zc_superblock *)base;
	struct zc_side_state *me;
	zc_u32 i;
	int rc;

	fw->base = (zc_u8 *)base;
	fw->sb = (struct zc_superblock *)base;
	fw->hal = hal;
	fw->hal_ctx = hal_ctx;
	fw->side = side & 1;
	fw->stop = 0;
	fw->spin_polls = 64;
	fw->deadline_ns = 0;
	fw->nchans = 0;
	fw->next_entry = 0;
	fw->mgmt_cmd = 0;
	fw->mgmt_next = 0;
	fw->app_name = "";
	fw->cnt.broken = fw->cnt.unknown = fw->cnt.sleeps = fw->cnt.kicks = 0;
	fw->cnt.reannounced = 0;
	for (i = 0; i < ZC_CHANNELS_MAX / 2; i++)
		fw->host_epoch[i] = 0;

	rc = zc_geom_validate(&fw->g, sb, size);
	if (rc == -ZC_EBADMSG) {
		zc_fw_logf(fw, "region speaks zc %u.%u with features 0x%x; this firmware speaks %u.x and needs 0x%x",
			   (unsigned)zc_load_relaxed(&sb->version_major),
			   (unsigned)zc_load_relaxed(&sb->version_minor),
			   (unsigned)zc_load_relaxed(&sb->features),
			   (unsigned)ZC_VERSION_MAJOR,
			   (unsigned)ZC_FEATURES_REQUIRED);
		return rc;
	}
	if (rc < 0) {
		zc_fw_logf(fw, rc == -ZC_EMSGSIZE ?
			   "region claims more bytes than are mapped" :
			   "not a zc region, or its geometry is inconsistent");
		return rc;
	}
	if (fw->g.slots > ZC_FW_SLOTS_MAX) {
		zc_fw_logf(fw, "region has %u slots per channel; this firmware tracks at most %u",
			   (unsigned)fw->g.slots, (unsigned)ZC_FW_SLOTS_MAX);
		return -ZC_EINVAL;
	}

	me = &fw->sb->side[fw->side];
	/* We accept exactly the features we know; the host checks them. */
	zc_store_relaxed(&me->features, fw->g.features & ZC_FEATURES_KNOWN);
	zc_store_relaxed(&me->need_wakeup, 0);
	zc_store_relaxed(&me->heartbeat, zc_load_relaxed(&me->heartbeat) + 1);
	/* Release: the features are visible to whoever sees us UP. */
	zc_store_release(&me->state, ZC_STATE_UP);
	return 0;
}

void zc_fw_detach(struct zc_fw *fw)
{
	zc_u32 i;

	for (i = 0; i < fw->nchans; i++) {
		struct zc_fw_chan *fc = fw->chans[i];

		if (fc->open)
			zc_store_release(&fw_entry(fw, fc->entry)->state[fw->side],
					 ZC_CHAN_CLOSED);
		fc->open = 0;
	}
	zc_store_release(&fw->sb->side[fw->side].state, ZC_STATE_CLOSED);
}

int zc__fw_register(struct zc_fw *fw, struct zc_fw_chan *fc,
		       const char *name, zc_u32 addr)
{
	zc_u32 n = zc_fw_strlen(name), i;

	if (n == 0 || n >= ZC_NAME_MAX)
		return -ZC_EINVAL;
	if (fw->nchans == ZC_FW_CHANS_MAX)
		return -ZC_FW_ENOSPC;
	for (i = 0; i < ZC_NAME_MAX; i++)
		fc->ch.name[i] = i < n ? name[i] : 0;
	fc->fw = fw;
	fc->rejected = 0;
	fc->want_tx = 0;
	fc->discarding = 0;
	fc->ch.src = addr;
	fc->ch.dst = 0;
	fc->ch.region = (struct zc_region *)fw;
	fc->ch.announcer = fw->side;
	fc->ch.stats.tx_msgs = fc->ch.stats.tx_bytes = 0;
	fc->ch.stats.rx_msgs = fc->ch.stats.rx_bytes = 0;
	fc->ch.stats.tx_full = 0;
	return 0;
}

static int fw_entry_ours(const struct zc_fw *fw, zc_u32 e)
{
	zc_u32 i;

	for (i = 0; i < fw->nchans; i++)
		if (fw->chans[i]->open && fw->chans[i]->entry == e)
			return 1;
	return 0;
}

int zc_fw_announce(struct zc_fw *fw, struct zc_fw_chan *fc, const char *name,
		   zc_u32 addr)
{
	zc_u32 half = fw->g.channels / 2, lo = fw->side ? half : 0, i;
	struct zc_chan_entry *ent = 0;
	zc_u32 e = 0, epoch;
	int rc;

	for (i = 0; i < fw->nchans; i++)
		if (fw->chans[i]->ch.announcer == fw->side &&
		    zc_fw_strneq(fw->chans[i]->ch.name, name, ZC_NAME_MAX))
			return -ZC_FW_EEXIST;
	rc = zc__fw_register(fw, fc, name, addr);
	if (rc < 0)
		return rc;
	/* Our half only: each field of the table has exactly one writer. */
	for (i = 0; i < half; i++) {
		e = lo + (fw->next_entry + i) % half;
		if (zc_load_acquire(&fw_entry(fw, e)->state[fw->side]) !=
		    ZC_CHAN_OPEN && !fw_entry_ours(fw, e)) {
			ent = fw_entry(fw, e);
			break;
		}
	}
	if (!ent)
		return -ZC_FW_ENOSPC;
	fw->next_entry = (e - lo + 1) % half;

	for (i = 0; i < ZC_NAME_MAX; i++)
		ent->name[i] = fc->ch.name[i];
	zc_store_relaxed(&ent->addr[fw->side], addr);
	zc_store_relaxed(&ent->mode, ZC_CHAN_MODE_RING);
	/* The mode we just published, never read back: the host can rewrite it. */
	zc_chan_reset_mode(fw->base, &fw->g, e, ZC_CHAN_MODE_RING);
	zc_chan_bind_mode(&fc->ch, fw->base, &fw->g, e, fw->side, fc->tx_owned,
			  fc->rx_held, ZC_CHAN_MODE_RING);
	fc->ch.src = addr;
	epoch = zc_load_relaxed(&ent->epoch) + 1;
	zc_store_relaxed(&ent->epoch, epoch);
	fc->ch.epoch = epoch;
	fc->entry = e;
	fc->open = 1;
	fc->host_seen = 0;
	fw->chans[fw->nchans++] = fc;
	/*
	 * Release: name, address, epoch and the reset rings are all in place
	 * before the host can see the channel open and start using them.
	 */
	zc_store_release(&ent->state[fw->side], ZC_CHAN_OPEN);
	/* A host waiting in zc_channel_open() sleeps until told (Dekker again). */
	zc_fence_full();
	zc__kick(&fc->ch);
	return 0;
}

int zc_fw_bind_peer(struct zc_fw *fw, struct zc_fw_chan *fc, const char *name,
		    zc_u32 addr)
{
	zc_u32 half = fw->g.channels / 2, peer = fw->side ^ 1;
	zc_u32 lo = peer ? half : 0, i;
	int rc;

	rc = zc__fw_register(fw, fc, name, addr);
	if (rc < 0)
		return rc;
	for (i = lo; i < lo + half; i++) {
		struct zc_chan_entry *ent = fw_entry(fw, i);
		char seen[ZC_NAME_MAX];
		zc_u32 k;

		/* Acquire: the name and rings are published before the state. */
		if (zc_load_acquire(&ent->state[peer]) != ZC_CHAN_OPEN ||
		    fw_entry_ours(fw, i))
			continue;
		for (k = 0; k < ZC_NAME_MAX; k++)
			seen[k] = ent->name[k];
		seen[ZC_NAME_MAX - 1] = 0;
		if (!zc_fw_strneq(seen, fc->ch.name, ZC_NAME_MAX))
			continue;
		if (zc_chan_mode(fw->base, &fw->g, i) > ZC_CHAN_MODE_SEQ) {
			zc_fw_logf(fw, "channel %s refused: unknown mode %u", seen,
				   (unsigned)zc_chan_mode(fw->base, &fw->g, i));
			return -ZC_EPROTONOSUPPORT;
		}
		zc__fw_bind_entry(fw, fc, i);
		return 0;
	}
	return -ZC_EAGAIN;
}

void zc__fw_reannounce(struct zc_fw *fw, struct zc_fw_chan *fc)
{
	struct zc_chan_entry *ent = fw_entry(fw, fc->entry);
	zc_u32 addr = fc->ch.src, epoch, i;

	/* Closed while we reset: a host looking now waits for the new epoch. */
	zc_store_release(&ent->state[fw->side], ZC_CHAN_CLOSED);
	/* Publish again what we announced, from our own copy: the host may
	 * have rewritten the entry while the channel was down. */
	for (i = 0; i < ZC_NAME_MAX; i++)
		ent->name[i] = fc->ch.name[i];
	zc_store_relaxed(&ent->addr[fw->side], addr);
	zc_store_relaxed(&ent->mode, ZC_CHAN_MODE_RING);
	zc_chan_reset_mode(fw->base, &fw->g, fc->entry, ZC_CHAN_MODE_RING);
	zc_chan_bind_mode(&fc->ch, fw->base, &fw->g, fc->entry, fw->side,
			  fc->tx_owned, fc->rx_held, ZC_CHAN_MODE_RING);
	fc->ch.src = addr;
	fc->want_tx = 0;
	fc->discarding = 0;
	fc->host_seen = 0;
	epoch = zc_load_relaxed(&ent->epoch) + 1;
	zc_store_relaxed(&ent->epoch, epoch);
	fc->ch.epoch = epoch;
	fw->cnt.reannounced++;
	zc_fw_logf(fw, "channel %s offered again (epoch %u)", fc->ch.name,
		   (unsigned)epoch);
	zc_store_release(&ent->state[fw->side], ZC_CHAN_OPEN);
	zc_fence_full();
	zc__kick(&fc->ch);
}

void zc__fw_bind_entry(struct zc_fw *fw, struct zc_fw_chan *fc, zc_u32 e)
{
	struct zc_chan_entry *ent = fw_entry(fw, e);
	zc_u32 peer = fw->side ^ 1, addr = fc->ch.src;

	zc_chan_bind(&fc->ch, fw->base, &fw->g, e, fw->side, fc->tx_owned,
		     fc->rx_held);
	fc->ch.src = addr;
	fc->ch.dst = zc_load_relaxed(&ent->addr[peer]);
	fc->ch.epoch = zc_load_relaxed(&ent->epoch);
	fc->ch.announcer = (int)peer;
	fc->entry = e;
	fc->open = 1;
	fw->chans[fw->nchans++] = fc;
	zc_store_relaxed(&ent->addr[fw->side], addr);
	zc_store_release(&ent->state[fw->side], ZC_CHAN_OPEN);
}

void zc__fw_forget(struct zc_fw *fw, struct zc_fw_chan *fc)
{
	zc_u32 i, j;

	fc->open = 0;
	for (i = j = 0; i < fw->nchans; i++)
		if (fw->chans[i] != fc)
			fw->chans[j++] = fw->chans[i];
	fw->nchans = j;
}

/* The peer's doorbell, rung only if it said it is going to sleep. */
void zc__kick(struct zc_channel *ch)
{
	struct zc_fw *fw = fw_chan_of(ch)->fw;
	struct zc_side_state *me = &fw->sb->side[fw->side];

	/*
	 * Exchange, not load-then-store: one kick per sleep, however many
	 * bursts race to wake the same sleeper.
	 */
	if (zc_xchg(ch->peer_wakeup, 0)) {
		fw->hal->kick(fw->hal_ctx);
		/* After the HAL: a HAL that counts too (libzc's) is overruled. */
		fw->cnt.kicks++;
		zc_store_relaxed(&me->kicks, fw->cnt.kicks);
	}
}

int zc__break(struct zc_channel *ch, int err, const char *why)
{
	struct zc_fw_chan *fc = fw_chan_of(ch);
	struct zc_fw *fw = fc->fw;

	if (ch->broken)
		return ch->broken;
	ch->broken = err;
	ch->why = why;
	fw->cnt.broken++;
	zc_fw_logf(fw, "channel %s broken (error %d): %s", ch->name, -err, why);
	/* Tell the host we stopped serving it; the rest of the link goes on. */
	if (fc->open) {
		zc_store_release(&fw_entry(fw, fc->entry)->state[fw->side],
				 ZC_CHAN_CLOSED);
		/* Full fence, then wake a host asleep on it (as zc__notify). */
		zc_fence_full();
		zc__kick(ch);
	}
	return err;
}

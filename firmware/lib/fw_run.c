// SPDX-License-Identifier: MIT
/*
 * fw_run.c - the firmware main loop: poll the application, serve the
 * management channel, refuse host channels nobody here serves, and sleep
 * on the doorbell without ever missing a kick.
 */
#include "zc_fw.h"
#include "zc_fw_proto.h"

/* Work waiting on any live channel (or a channel just broke: look at it). */
static int fw_pending(struct zc_fw *fw)
{
	zc_u32 i;

	for (i = 0; i < fw->nchans; i++) {
		struct zc_fw_chan *fc = fw->chans[i];

		if (!zc_fw_live(fc))
			continue;
		if (zc_rx_ready(&fc->ch) != 0)
			return 1;
		/*
		 * As many slots came back as a sender that ran out needs. The
		 * want is cleared here, so a sender that stopped wanting them (a
		 * stopped source) costs one extra poll, not a spin that never
		 * sleeps.
		 */
		if (fc->want_tx) {
			int n = zc_tx_avail(&fc->ch, fc->want_tx);

			if (n < 0 || (zc_u32)n >= fc->want_tx) {
				fc->want_tx = 0;
				return 1;
			}
		}
	}
	return 0;
}

int zc_fw_sleep(struct zc_fw *fw, zc_u32 timeout_us)
{
	struct zc_side_state *me = &fw->sb->side[fw->side];
	int rc;

	zc_store_relaxed(&me->need_wakeup, 1);
	/*
	 * Full fence: need_wakeup must be visible before we re-read the ring
	 * indices, pairing with the fence in zc__notify() on the host between
	 * its index store and its need_wakeup load. Either the host sees our
	 * flag and kicks, or we see its index here; never neither.
	 */
	zc_fence_full();
	if (fw_pending(fw)) {
		zc_store_relaxed(&me->need_wakeup, 0);
		return 0;
	}
	fw->cnt.sleeps++;
	rc = fw->hal->wait(fw->hal_ctx, timeout_us);
	zc_store_relaxed(&me->need_wakeup, 0);
	zc_store_relaxed(&me->wakeups, zc_load_relaxed(&me->wakeups) + 1);
	return rc == -ZC_FW_ETIMEDOUT ? 0 : rc;
}

static struct zc_chan_entry *fw_entry(struct zc_fw *fw, zc_u32 e)
{
	return (struct zc_chan_entry *)(fw->base + fw->g.chan_off +
					(zc_u64)e * ZC_CHAN_ENTRY_SIZE);
}

static void fw_forget_entry(struct zc_fw *fw, zc_u32 e)
{
	zc_u32 i;

	for (i = 0; i < fw->nchans; i++) {
		struct zc_fw_chan *fc = fw->chans[i];

		if (fc->entry == e && fc->ch.announcer != fw->side) {
			zc__fw_forget(fw, fc);
			/*
			 * FREE, not CLOSED: the entry is the host's to reuse,
			 * and its next announcement must not look refused.
			 */
			zc_store_release(&fw_entry(fw, e)->state[fw->side],
					 ZC_CHAN_FREE);
			return;
		}
	}
}

/*
 * RPMsg name service, the other way: a channel the host announces is served
 * if the application accepts its name, else refused (our state CLOSED) and
 * counted, once per announcement. Also learn the host's address on our
 * channels.
 */
static void fw_scan_table(struct zc_fw *fw, const struct zc_fw_app *app)
{
	zc_u32 half = fw->g.channels / 2, peer = fw->side ^ 1;
	zc_u32 lo = peer ? half : 0, i;

	for (i = 0; i < half; i++) {
		struct zc_chan_entry *ent = fw_entry(fw, lo + i);
		struct zc_fw_chan *fc;
		char name[ZC_NAME_MAX];
		zc_u32 epoch, k, addr = 0;

		if (zc_load_acquire(&ent->state[peer]) != ZC_CHAN_OPEN) {
			/* The host closed it: stop serving, free the channel. */
			fw_forget_entry(fw, lo + i);
			continue;
		}
		epoch = zc_load_relaxed(&ent->epoch);
		if (fw->host_epoch[i] == epoch + 1)
			continue;
		/* A new announcement: whatever served the old one is stale. */
		fw_forget_entry(fw, lo + i);
		fw->host_epoch[i] = epoch + 1;
		for (k = 0; k < ZC_NAME_MAX; k++)
			name[k] = ent->name[k];
		name[ZC_NAME_MAX - 1] = 0;
		/* A mode the shared code does not know cannot be served. */
		if (zc_chan_mode(fw->base, &fw->g, lo + i) > ZC_CHAN_MODE_SEQ) {
			fw->cnt.unknown++;
			zc_fw_logf(fw, "host channel %s refused: unknown mode %u",
				   name, (unsigned)zc_chan_mode(fw->base, &fw->g, lo + i));
			zc_store_release(&ent->state[fw->side], ZC_CHAN_CLOSED);
			zc_fence_full();
			if (fw->nchans)
				zc__kick(&fw->chans[0]->ch);
			continue;
		}
		fc = app->accept ? app->accept(fw, name, &addr) : 0;
		if (fc && zc__fw_register(fw, fc, name, addr) == 0) {
			zc__fw_bind_entry(fw, fc, lo + i);
			zc_fw_logf(fw, "host channel %s accepted", name);
			continue;
		}
		fw->cnt.unknown++;
		zc_fw_logf(fw, "host channel %s refused: no such service here", name);
		zc_store_release(&ent->state[fw->side], ZC_CHAN_CLOSED);
		/* Wake a host already waiting on it (full fence as zc__notify). */
		zc_fence_full();
		if (fw->nchans)
			zc__kick(&fw->chans[0]->ch);
	}
	for (i = 0; i < fw->nchans; i++) {
		struct zc_fw_chan *fc = fw->chans[i];
		zc_u32 hs;

		if (!fc->open || fc->ch.announcer != fw->side)
			continue;
		hs = zc_load_acquire(&fw_entry(fw, fc->entry)->state[peer]);
		if (hs == ZC_CHAN_OPEN) {
			fc->host_seen = 1;
			fc->ch.dst = zc_load_relaxed(&fw_entry(fw, fc->entry)->addr[peer]);
		} else if (hs == ZC_CHAN_CLOSED && (fc->host_seen || fc->ch.broken)) {
			/*
			 * The host let go of it (after it broke, or at all): offer
			 * it again, fresh, so the host can open it anew.
			 */
			zc__fw_reannounce(fw, fc);
		}
	}
}

static void fw_report(struct zc_fw *fw, const struct zc_fw_chan *fc,
		      struct zc_fw_chan_report *r, zc_u32 index)
{
	zc_u32 k;

	r->cmd = ZC_FW_CMD_STATS;
	r->index = index;
	r->count = fw->nchans;
	r->entry = fc->entry;
	for (k = 0; k < sizeof(r->name); k++)
		r->name[k] = fc->ch.name[k];
	r->broken = (zc_u32)-fc->ch.broken;
	r->rejected = fc->rejected;
	r->link_broken = fw->cnt.broken;
	r->link_unknown = fw->cnt.unknown;
	r->sleeps = fw->cnt.sleeps;
	r->kicks = fw->cnt.kicks;
	r->epoch = fc->ch.epoch;
	r->link_reannounced = fw->cnt.reannounced;
	r->rx_msgs = fc->ch.stats.rx_msgs;
	r->tx_msgs = fc->ch.stats.tx_msgs;
	r->rx_bytes = fc->ch.stats.rx_bytes;
	r->tx_bytes = fc->ch.stats.tx_bytes;
}

static void fw_fill_pattern(void *ctx, void *dst, zc_u32 off, zc_u32 n)
{
	zc_u32 len = *(const zc_u32 *)ctx, i;

	for (i = 0; i < n; i++)
		((zc_u8 *)dst)[i] = zc_fw_pattern(len, off + i);
}

/* Answer the request in progress, as far as free slots allow. */
static int fw_mgmt_answer(struct zc_fw *fw)
{
	struct zc_fw_chan *fc = &fw->mgmt;
	struct zc_buf b;
	int work = 0;

	if (fw->mgmt_cmd == ZC_FW_CMD_PATTERN) {
		int rc = zc_fw_send_fill(fc, fw->mgmt_arg, fw_fill_pattern,
					 &fw->mgmt_arg);

		if (rc == 0)
			return 0;	/* wait for slots */
		if (rc == -ZC_EMSGSIZE)
			zc_fw_reject(fc, "pattern longer than the channel's slots hold");
		fw->mgmt_cmd = 0;
		return 1;
	}
	while (fw->mgmt_cmd) {
		if (zc_fw_reserve(fc, &b, 1) != 1)
			return work;
		if (fw->mgmt_cmd == ZC_FW_CMD_PING) {
			struct zc_fw_pong *p = (struct zc_fw_pong *)b.data;
			zc_u32 k, n = zc_fw_strlen(fw->app_name);

			p->cmd = ZC_FW_CMD_PING;
			p->nchans = fw->nchans;
			for (k = 0; k < sizeof(p->app); k++)
				p->app[k] = k < n && k < sizeof(p->app) - 1 ?
					    fw->app_name[k] : 0;
			b.len = sizeof(*p);
			fw->mgmt_cmd = 0;
		} else if (fw->mgmt_cmd == ZC_FW_CMD_STATS) {
			fw_report(fw, fw->chans[fw->mgmt_next],
				  (struct zc_fw_chan_report *)b.data,
				  fw->mgmt_next);
			b.len = sizeof(struct zc_fw_chan_report);
			if (++fw->mgmt_next >= fw->nchans)
				fw->mgmt_cmd = 0;
		} else {	/* ZC_FW_CMD_STOP: echo it, then leave */
			struct zc_fw_req *q = (struct zc_fw_req *)b.data;

			q->cmd = ZC_FW_CMD_STOP;
			q->arg = 0;
			b.len = sizeof(*q);
			fw->mgmt_cmd = 0;
			fw->stop = 1;
		}
		if (zc_send_burst(&fc->ch, &b, 1) != 1)
			return work;
		work++;
	}
	return work;
}

static int fw_mgmt_poll(struct zc_fw *fw)
{
	struct zc_fw_chan *fc = &fw->mgmt;
	struct zc_fw_req q;
	int work = 0, n;

	if (!zc_fw_live(fc))
		return 0;
	work += fw_mgmt_answer(fw);
	/* One request at a time: the next waits until this one is answered. */
	while (!fw->mgmt_cmd) {
		n = zc_fw_recv_msg(fc, &q, sizeof(q));
		if (n == -ZC_EMSGSIZE)
			continue;
		if (n <= 0)
			break;
		work++;
		if (n != (int)sizeof(q)) {
			zc_fw_reject(fc, "management request of the wrong size");
			continue;
		}
		if (q.cmd != ZC_FW_CMD_PING && q.cmd != ZC_FW_CMD_STATS &&
		    q.cmd != ZC_FW_CMD_STOP && q.cmd != ZC_FW_CMD_PATTERN) {
			zc_fw_reject(fc, "unknown management command");
			continue;
		}
		fw->mgmt_cmd = q.cmd;
		fw->mgmt_arg = q.arg;
		fw->mgmt_next = 0;
		work += fw_mgmt_answer(fw);
	}
	return work;
}

int zc_fw_run(struct zc_fw *fw, const struct zc_fw_app *app)
{
	zc_u32 idle = 0, busy_rounds = 0;
	int rc, work;

	fw->app_name = app->name;
	rc = app->init(fw);
	if (rc < 0) {
		zc_fw_logf(fw, "%s: cannot announce its channels (error %d)",
			   app->name, -rc);
		return rc;
	}
	/* After the application's: a small table serves the application first. */
	rc = zc_fw_announce(fw, &fw->mgmt, ZC_FW_MGMT_NAME, ZC_FW_MGMT_ADDR);
	if (rc < 0)
		zc_fw_logf(fw, "%s: no room for the management channel", app->name);
	fw->mgmt.open = rc == 0;
	zc_fw_logf(fw, "%s: up, %u channels announced", app->name,
		   (unsigned)fw->nchans);
	while (!fw->stop) {
		work = app->poll(fw);
		if (work < 0)
			return work;
		work += fw_mgmt_poll(fw);
		if (work) {
			idle = 0;
			/* A link that never idles still answers new host channels. */
			if ((++busy_rounds & 0x3fff) == 0)
				fw_scan_table(fw, app);
			continue;
		}
		if (fw->deadline_ns && fw->hal->now_ns(fw->hal_ctx) >= fw->deadline_ns)
			continue;	/* the application's time has come */
		if (++idle <= fw->spin_polls && (idle & 0xffff)) {
			zc_cpu_relax();
			continue;
		}
		if (zc_load_acquire(&fw->sb->side[fw->side ^ 1].state) ==
		    ZC_STATE_CLOSED) {
			/* The host said goodbye in the region itself. */
			zc_fw_logf(fw, "%s: host closed the region", app->name);
			return -ZC_EPIPE;
		}
		fw_scan_table(fw, app);
		if (idle <= fw->spin_polls) {
			/* Busy mode: only ask whether the host is still there. */
			rc = fw->hal->wait(fw->hal_ctx, 0);
		} else {
			zc_u32 us = ~0U;

			if (fw->deadline_ns) {
				zc_u64 now = fw->hal->now_ns(fw->hal_ctx);
				zc_u64 left = (fw->deadline_ns - now) / 1000;

				us = left > 1000000 ? 1000000 : (zc_u32)left;
			}
			rc = zc_fw_sleep(fw, us);
			idle = 0;
		}
		if (rc == -ZC_EPIPE) {
			zc_fw_logf(fw, "%s: host gone", app->name);
			return rc;
		}
	}
	zc_fw_logf(fw, "%s: stopped", app->name);
	return 0;
}

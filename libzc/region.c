// SPDX-License-Identifier: MIT
/*
 * Regions: choosing a backend from a URI, formatting a new region (host),
 * validating one somebody else formatted (remote), and handing the region
 * to a new peer after the old one was lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#define DEFAULT_SPIN_NS 50000ULL

/* ZC_CHAN_MODE=seq: the default mode of the channels this process announces. */
static uint32_t env_chan_mode(void)
{
	const char *m = getenv("ZC_CHAN_MODE");

	return m && !strcmp(m, "seq") ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING;
}

void zc_params_default(struct zc_params *p)
{
	memset(p, 0, sizeof(*p));
	p->slot_size = 64 * 1024;
	p->slots = 64;
	p->channels = 16;
	p->max_msg = 64ULL << 20;
	p->hugepages = ZC_HUGE_NO;
	p->chan_mode = env_chan_mode();
}

/* Pick the backend named by @uri's scheme; *@target is the rest. */
static int pick_backend(const char *uri, const struct zc_backend_ops **ops,
			const char **target)
{
	if (!uri || !*uri)
		return -EINVAL;
	if (!strncmp(uri, "kmod:", 5)) {
#ifdef ZC_HAVE_KMOD_BACKEND
		*ops = &zc_backend_kmod;
		*target = uri + 5;
		return 0;
#else
		return -EOPNOTSUPP;
#endif
	}
	*ops = &zc_backend_shm;
	*target = !strncmp(uri, "shm:", 4) ? uri + 4 : uri;
	return **target ? 0 : -EINVAL;
}

static zc_region *region_new(const struct zc_backend_ops *ops, int role)
{
	zc_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->ops = ops;
	r->backend_name = ops->name;
	r->role = role;
	r->bell_fd = r->kick_fd = r->peer_fd = r->aux_fd = -1;
	r->wait_mode = ZC_WAIT_SPIN_SLEEP;
	/* On one CPU a spinner only keeps its peer from running: sleep at once. */
	r->spin_ns = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? DEFAULT_SPIN_NS : 1;
	r->kick_value = 1;
	r->chan_mode = env_chan_mode();
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->sleep_lock, NULL);
	pthread_cond_init(&r->wake_cond, NULL);
	return r;
}

static void region_free(zc_region *r)
{
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->sleep_lock);
	pthread_cond_destroy(&r->wake_cond);
	free(r);
}

/*
 * The superblock and both side states from private state: the geometry we
 * computed, our generation, our side UP, the peer's side ABSENT. Nothing a
 * peer wrote there survives (magic last, with release).
 */
static void format_superblock(zc_region *r)
{
	struct zc_superblock *sb = r->sb;
	struct zc_side_state *h = &sb->side[ZC_SIDE_HOST];

	zc_store_relaxed(&sb->magic, 0);
	memset((uint8_t *)sb + sizeof(sb->magic), 0,
	       sizeof(*sb) - sizeof(sb->magic));
	zc_sb_write(sb, &r->g);
	sb->generation = r->generation;
	h->state = ZC_STATE_UP;
	h->pid = (uint32_t)getpid();
	h->features = r->g.features;
	zc_sb_publish(sb);
}

void zc__region_format(zc_region *r)
{
	uint32_t c;

	pthread_mutex_lock(&r->lock);
	zc_store_relaxed(&r->sb->magic, 0);
	/* Memory the old peer had: its slots must not reach the next one. */
	if (!r->fresh)
		memset(r->base + sizeof(r->sb->magic), 0,
		       r->g.region_size - sizeof(r->sb->magic));
	r->fresh = 0;
	for (c = r->g.channels / 2; c < r->g.channels; c++)
		r->closed_epoch[c] = 0;	/* epochs of the next peer start afresh */
	zc__channels_reset_for_peer(r);	/* our half of the table, our rings */
	format_superblock(r);
	pthread_mutex_unlock(&r->lock);
}

int zc_create(const char *uri, const struct zc_params *p, zc_region **out)
{
	const struct zc_backend_ops *ops;
	struct zc_params defaults;
	const char *target;
	zc_region *r;
	uint64_t align;
	int rc;

	*out = NULL;
	rc = pick_backend(uri, &ops, &target);
	if (rc)
		return rc;
	if (!p) {
		zc_params_default(&defaults);
		p = &defaults;
	}
	/* SEQ channels use their slots in turn by mask: say so now, not at the
	 * first receive. */
	if (p->chan_mode > ZC_CHAN_MODE_SEQ ||
	    (p->chan_mode == ZC_CHAN_MODE_SEQ && !zc_seq_slots_ok(p->slots)))
		return -EINVAL;
	r = region_new(ops, ZC_SIDE_HOST);
	if (!r)
		return -ENOMEM;
	r->chan_mode = p->chan_mode;
	align = p->hugepages != ZC_HUGE_NO ? (2U << 20) : 4096;
	rc = zc_geom_compute(&r->g, p->slot_size, p->slots, p->channels,
			     p->max_msg, align);
	if (rc)
		goto fail;
	rc = ops->create(r, target, p, r->g.region_size);
	if (rc)
		goto fail;
	if (r->backend_name && strstr(r->backend_name, "huge"))
		r->g.features |= ZC_FEAT_HUGEPAGES;
	r->sb = (struct zc_superblock *)r->base;
	format_superblock(r);
	*out = r;
	return 0;
fail:
	region_free(r);
	return rc;
}

static int attach(const char *uri, int timeout_ms, int wait_host,
		  zc_region **out)
{
	const struct zc_backend_ops *ops;
	struct zc_side_state *self;
	const char *target;
	zc_region *r;
	int rc;

	*out = NULL;
	rc = pick_backend(uri, &ops, &target);
	if (rc)
		return rc;
	r = region_new(ops, ZC_SIDE_REMOTE);
	if (!r)
		return -ENOMEM;
	rc = ops->attach(r, target, timeout_ms, wait_host);
	if (rc) {
		region_free(r);
		return rc;
	}
	r->sb = (struct zc_superblock *)r->base;
	rc = zc_geom_validate(&r->g, r->sb, r->map_size);
	if (rc) {
		ops->close(r);
		region_free(r);
		return rc;
	}
	r->had_peer = 1;
	r->generation = zc_load_relaxed(&r->sb->generation);
	self = zc__self(r);
	self->pid = (uint32_t)getpid();
	self->features = r->g.features & ZC_FEATURES_KNOWN;
	self->need_wakeup = 0;
	zc_store_release(&self->state, ZC_STATE_UP);
	*out = r;
	return 0;
}

int zc_attach(const char *uri, int timeout_ms, zc_region **out)
{
	return attach(uri, timeout_ms, 1, out);
}

int zc_open(const char *uri, const struct zc_params *p, int timeout_ms,
	    zc_region **out, int *created)
{
	/* A host that is not there now is one we become: do not wait for it. */
	int rc = attach(uri, timeout_ms, 0, out);

	*created = 0;
	if (rc != -ENOENT)
		return rc;
	rc = zc_create(uri, p, out);
	if (rc == -EEXIST)	/* somebody created it meanwhile */
		return attach(uri, timeout_ms, 0, out);
	if (rc == 0)
		*created = 1;
	return rc;
}

/*
 * Forget the old peer, gone or not: cut it off (the backend closes its
 * connection), give the region fresh memory and doorbells where the
 * backend can (so nothing the old peer still maps or holds reaches the
 * next one), and write the whole region again from private state: the
 * superblock, our side, our channel entries and rings. The channels the
 * old peer announced are broken (-EPIPE) and detached. Frames we had sent
 * that it never took are counted, not silently dropped.
 */
static int forget_peer(zc_region *r)
{
	uint32_t c;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	__atomic_store_n(&r->peer_gone, 1, __ATOMIC_RELAXED);
	zc__channels_count_discarded(r);
	for (c = r->g.channels / 2; c < r->g.channels; c++) {
		zc_channel *ch = r->chans[c];

		if (!ch)
			continue;
		zc__break(ch, -EPIPE, "the peer that announced this channel is gone");
		zc__read_forget(ch, 1);
		/* Its pointers are into memory that may go: nothing may use them. */
		zc__lib(ch)->next_stale = r->stale;
		r->stale = zc__lib(ch);
		r->chans[c] = NULL;
	}
	if (r->ops->evict)
		r->ops->evict(r);
	if (r->ops->renew)
		rc = r->ops->renew(r);
	pthread_mutex_unlock(&r->lock);
	if (rc)
		return rc;	/* the next call tries again: nobody gets old memory */
	r->uring_bell_stale |= r->ops->renew != NULL;
	r->uring_watch_needed = 1;
	r->generation++;
	zc__region_format(r);
	r->forgotten = 1;
	r->stats.peer_resets++;
	return 0;
}

int zc_wait_peer(zc_region *r, int timeout_ms)
{
	int rc;

	if (r->role != ZC_SIDE_HOST)
		return -EINVAL;
	if (r->had_peer && !r->forgotten && zc__peer_alive(r))
		return 0;
	if (r->had_peer && !r->forgotten) {
		rc = forget_peer(r);
		if (rc)
			return rc;
	}
	zc__bell_drain(r);
	rc = r->ops->accept(r, timeout_ms);
	if (rc)
		return rc;
	r->had_peer = 1;
	r->forgotten = 0;
	r->peer_gone = 0;
	r->last_peer_check_ns = 0;
	zc__uring_rearm(r);
	return 0;
}

int zc_evict_peer(zc_region *r)
{
	if (r->role != ZC_SIDE_HOST)
		return -EINVAL;
	if (!r->ops->evict)
		return -EOPNOTSUPP;
	if (!r->had_peer || r->forgotten)
		return 0;	/* nobody to evict */
	return forget_peer(r);
}

void zc_close(zc_region *r)
{
	uint32_t c;

	if (!r)
		return;
	for (c = 0; c < ZC_CHANNELS_MAX; c++)
		if (r->chans[c])
			zc_channel_close(r->chans[c]);
	while (r->stale)
		zc_channel_close(&r->stale->ch);
	/* Tell the peer now rather than letting it find the socket closed. */
	zc_store_release(&zc__self(r)->state, ZC_STATE_CLOSED);
	r->kick_ring = NULL;	/* the app's ring may be gone by now */
	if (zc_xchg(&zc__peer(r)->need_wakeup, 0))
		zc__kick_always(r);
	r->ops->close(r);
	region_free(r);
}

int zc_role(const zc_region *r)
{
	return r->role;
}

const struct zc_geom *zc_geometry(const zc_region *r)
{
	return &r->g;
}

void *zc_base(const zc_region *r)
{
	return r->base;
}

const char *zc_backend_name(const zc_region *r)
{
	return r->backend_name;
}

void zc_region_stats(const zc_region *r, struct zc_region_stats *st)
{
	st->kicks_sent = __atomic_load_n(&r->stats.kicks_sent, __ATOMIC_RELAXED);
	st->sleeps = r->stats.sleeps;
	st->peer_resets = r->stats.peer_resets;
	st->frames_discarded = r->frames_discarded;
}

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

static void format_superblock(zc_region *r)
{
	struct zc_superblock *sb = r->sb;

	zc_sb_write(sb, &r->g);
	sb->side[ZC_SIDE_HOST].state = ZC_STATE_UP;
	sb->side[ZC_SIDE_HOST].pid = (uint32_t)getpid();
	sb->side[ZC_SIDE_HOST].features = r->g.features;
	zc_sb_publish(sb);
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
	if (p->chan_mode > ZC_CHAN_MODE_SEQ ||
	    (p->chan_mode == ZC_CHAN_MODE_SEQ && p->slots > ZC_SEQ_SLOTS_MAX))
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

int zc_attach(const char *uri, int timeout_ms, zc_region **out)
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
	rc = ops->attach(r, target, timeout_ms);
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

int zc_open(const char *uri, const struct zc_params *p, int timeout_ms,
	    zc_region **out, int *created)
{
	int rc = zc_attach(uri, timeout_ms, out);

	*created = 0;
	if (rc != -ENOENT)
		return rc;
	rc = zc_create(uri, p, out);
	if (rc == -EEXIST)	/* somebody created it meanwhile */
		return zc_attach(uri, timeout_ms, out);
	if (rc == 0)
		*created = 1;
	return rc;
}

/*
 * Forget the old peer: its side state, the channels it announced, and
 * every frame and slot in flight on the channels we announced, so a new
 * peer starts from a clean region. Frames we had sent that it never took
 * are counted, not silently dropped.
 */
static void reset_for_new_peer(zc_region *r)
{
	struct zc_side_state *peer = zc__peer(r);
	uint32_t c;

	pthread_mutex_lock(&r->lock);
	for (c = 0; c < r->g.channels; c++) {
		struct zc_chan_entry *e = zc__entry(r, c);

		if (c >= r->g.channels / 2) {
			zc_store_relaxed(&e->state[ZC_SIDE_REMOTE], ZC_CHAN_FREE);
			zc_store_relaxed(&e->state[ZC_SIDE_HOST], ZC_CHAN_FREE);
			memset(e->name, 0, sizeof(e->name));
			if (r->chans[c])
				zc__break(r->chans[c], -EPIPE,
					  "the peer that announced this channel is gone");
		} else {
			zc_store_relaxed(&e->state[ZC_SIDE_REMOTE], ZC_CHAN_FREE);
			e->addr[ZC_SIDE_REMOTE] = 0;
		}
	}
	zc__channels_reset_for_peer(r);
	peer->state = ZC_STATE_ABSENT;
	peer->need_wakeup = 0;
	peer->pid = 0;
	r->generation++;
	zc_store_release(&r->sb->generation, r->generation);
	pthread_mutex_unlock(&r->lock);
}

int zc_wait_peer(zc_region *r, int timeout_ms)
{
	int rc;

	if (r->role != ZC_SIDE_HOST)
		return -EINVAL;
	if (r->had_peer && zc__peer_alive(r))
		return 0;
	if (r->had_peer) {
		reset_for_new_peer(r);
		r->stats.peer_resets++;
	}
	zc__bell_drain(r);
	rc = r->ops->accept(r, timeout_ms);
	if (rc)
		return rc;
	r->had_peer = 1;
	r->peer_gone = 0;
	r->last_peer_check_ns = 0;
	return 0;
}

void zc_close(zc_region *r)
{
	uint32_t c;

	if (!r)
		return;
	for (c = 0; c < ZC_CHANNELS_MAX; c++)
		if (r->chans[c])
			zc_channel_close(r->chans[c]);
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

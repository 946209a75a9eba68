// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/rpmsgX way: with rpmsg_link=N the kernel hosts link N's region
 * itself and gives each of its channels a character device,
 * /dev/zcN-rpmsgM, where one write() sends one message and one read()
 * returns one, copying as rpmsg_char does. The region format and the data
 * path are the shared freestanding code in include/zc/ (the same code
 * libzc and the firmware run), so a remote attaches to /dev/zcN in the
 * remote role exactly as it would to a userspace host, and opens the
 * channels "rpmsg0", "rpmsg1", ... by name.
 *
 * A message is at most one slot (slot_size - 16 bytes). Fragmented
 * messages from the remote are not reassembled here: each such frame fails
 * a read() with -EMSGSIZE and is discarded, never silently.
 *
 * Like an rpmsg endpoint whose remote went away, a file that was open when
 * the remote was lost is dead: read() and write() fail with -EPIPE and
 * poll() reports EPOLLHUP for good; reopen to talk to the next remote.
 * While no remote is attached, write() waits for one (-EAGAIN with
 * O_NONBLOCK), so nothing is queued that the next remote's reset would
 * drop.
 *
 * What the remote can write (the whole region) is never trusted: the
 * kernel keeps its geometry, its channel entries and their mode privately
 * and re-publishes all of them, into a cleared pool, whenever a remote goes
 * and before the next one is accepted. So one hostile remote cannot break
 * the link for the next, nor read what was queued for or by the last.
 *
 * No lock a bind needs is held across a user copy: messages go through a
 * kernel bounce buffer, so a copy that faults slowly (userfaultfd, FUSE)
 * stalls only its own caller, interruptibly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "zc/dataplane.h"
#include "zc_internal.h"

#define ZC_EPT_SLOTS		64
#define ZC_EPT_ADDR_BASE	0x400
#define ZC_EPT_MAX		8
#define ZC_EPT_REMOTE_MIN	2	/* table entries left for the remote */

struct zc_ept;

/* The kernel as the host of one link (the opaque type of ch->region). */
struct zc_region {
	struct zc_link *link;
	struct zc_geom g;
	u8 *base;
	struct zc_superblock *sb;
	unsigned int nr_ept;
	bool had_peer;
	bool peer_up;			/* a remote is attached and accepted */
	u32 losses;			/* remotes lost so far */
	u32 generation;
	atomic64_t bell_seq;		/* doorbells from the remote */
	wait_queue_head_t wq;		/* readers, writers, pollers */
	struct zc_ept *ept;
};

/* One open file of an endpoint. */
struct zc_ept_file {
	struct zc_ept *e;
	u32 losses;			/* kh->losses when opened */
};

struct zc_ept {
	struct zc_region *kh;
	struct zc_channel ch;
	u8 *maps;			/* tx_owned + rx_held, 2 * slots bytes */
	struct mutex lock;		/* ch; never held across a user copy */
	struct miscdevice misc;
	char chname[ZC_NAME_MAX];	/* the channel's name in the region */
	char name[48];			/* the device's: zcN-<chname> */
};

static struct zc_chan_entry *zc_entry(struct zc_region *kh, u32 c)
{
	return (struct zc_chan_entry *)(kh->base + kh->g.chan_off) + c;
}

/* Slow paths of the shared data path (include/zc/dataplane.h). */
void zc__kick(struct zc_channel *ch)
{
	struct zc_link *link = ch->region->link;

	atomic64_inc(&link->kicks[ZC_ROLE_HOST]);
	link->ops->ring(link, ZC_ROLE_HOST);
}

int zc__break(struct zc_channel *ch, int err, const char *why)
{
	if (!ch->broken) {
		ch->broken = err;
		ch->why = why;
		pr_warn_ratelimited("%s: channel %s broken: %s\n",
				    ch->region->link->name, ch->name, why);
	}
	return ch->broken;
}

/* Ask the remote for a kick before sleeping; pairs with zc__notify(). */
static void zc_want_kick(struct zc_region *kh)
{
	WRITE_ONCE(kh->sb->side[ZC_SIDE_HOST].need_wakeup, 1);
	/* Full fence: the flag is visible before we re-read the rings. */
	smp_mb();
}

/*
 * Our channel's state, from what we keep: the rpmsg path moves
 * descriptors, so its channels are RING, whatever the entry in shared
 * memory says now.
 */
static void zc_ept_bind(struct zc_ept *e, u32 c)
{
	struct zc_region *kh = e->kh;

	zc_chan_reset_mode(kh->base, &kh->g, c, ZC_CHAN_MODE_RING);
	zc_chan_bind_mode(&e->ch, kh->base, &kh->g, c, ZC_SIDE_HOST, e->maps,
			  e->maps + kh->g.slots, ZC_CHAN_MODE_RING);
	e->ch.region = kh;
	e->ch.src = ZC_EPT_ADDR_BASE + c;
	e->ch.dst = 0;
	memcpy(e->ch.name, e->chname, sizeof(e->ch.name));
	e->ch.epoch = 1;
	e->ch.announcer = ZC_SIDE_HOST;
}

static void zc_khost_format(struct zc_region *kh);

/*
 * Start the region over, as at load: every byte of the pool cleared (what
 * the last remote queued, scribbled or left in a slot goes), then the
 * superblock and our channel entries written again from kh and kh->ept.
 * Called with link->bind_mutex held, so no remote can bind meanwhile; the
 * endpoint locks keep readers and writers off the channels.
 */
static void zc_khost_reset(struct zc_region *kh)
{
	unsigned int c;

	for (c = 0; c < kh->nr_ept; c++)
		mutex_lock_nested(&kh->ept[c].lock, c);
	zc_pool_clear(kh->link);
	kh->generation++;
	zc_khost_format(kh);
	for (c = 0; c < kh->nr_ept; c++)
		mutex_unlock(&kh->ept[c].lock);
}

/* Called with link->bind_mutex held, when a remote binds. */
void zc_khost_accept(struct zc_region *kh)
{
	/*
	 * Between remotes nobody could write the pool (a mapping needs a
	 * bound role, and the last remote's role went with its last
	 * mapping), so this reset only matters if the newcomer wrote before
	 * its bind returned; it is cheap enough to do every time.
	 */
	if (kh->had_peer)
		zc_khost_reset(kh);
	kh->had_peer = true;
	WRITE_ONCE(kh->peer_up, true);
	/* The accept: a libzc remote completes its attach on this doorbell. */
	zc_link_doorbell(kh->link, ZC_ROLE_REMOTE);
	wake_up_interruptible_all(&kh->wq);
}

/*
 * Called with link->bind_mutex held, when the remote's file is released
 * (so its last mapping is gone). Its queued messages go now, not at the
 * next accept: an endpoint opened meanwhile must not read them.
 */
void zc_khost_peer_lost(struct zc_region *kh)
{
	WRITE_ONCE(kh->peer_up, false);
	WRITE_ONCE(kh->losses, kh->losses + 1);
	zc_khost_reset(kh);
	wake_up_interruptible_all(&kh->wq);
}

/* A doorbell from the remote; any context. */
void zc_khost_doorbell(struct zc_region *kh)
{
	atomic64_inc(&kh->bell_seq);
	wake_up_interruptible_all(&kh->wq);
}

static int zc_ept_open(struct inode *inode, struct file *file)
{
	struct zc_ept *e = container_of(file->private_data, struct zc_ept,
					misc);
	struct zc_ept_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	if (!pf)
		return -ENOMEM;
	pf->e = e;
	pf->losses = READ_ONCE(e->kh->losses);
	file->private_data = pf;
	return nonseekable_open(inode, file);
}

static int zc_ept_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/* The remote this file talked to is gone. */
static bool zc_ept_dead(struct zc_ept_file *pf)
{
	return READ_ONCE(pf->e->kh->losses) != pf->losses;
}

/* The largest message; also the bounce buffer a copy needs at most. */
static size_t zc_ept_max(struct zc_region *kh)
{
	return kh->g.slot_size - ZC_FRAME_HDR_SIZE;
}

static ssize_t zc_ept_read(struct file *file, char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	struct zc_ept_file *pf = file->private_data;
	struct zc_ept *e = pf->e;
	struct zc_region *kh = e->kh;
	struct zc_buf b;
	ssize_t ret;
	void *bounce;
	u64 seq;
	int n;

	len = min(len, zc_ept_max(kh));
	bounce = kvmalloc(max_t(size_t, len, 1), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	for (;;) {
		seq = atomic64_read(&kh->bell_seq);
		ret = -EPIPE;
		if (zc_ept_dead(pf))
			break;
		zc_want_kick(kh);
		ret = -ERESTARTSYS;
		if (mutex_lock_interruptible(&e->lock))
			break;
		n = zc_recv_burst(&e->ch, &b, 1);
		if (n == 1) {
			if (b.flags) {
				ret = -EMSGSIZE;	/* a fragment */
			} else {
				ret = min_t(size_t, len, b.len);
				memcpy(bounce, b.data, ret);
			}
			zc_release_burst(&e->ch, &b, 1);
			mutex_unlock(&e->lock);
			/* The message is consumed either way, as rpmsg_char's. */
			if (ret > 0 && copy_to_user(ubuf, bounce, ret))
				ret = -EFAULT;
			break;
		}
		mutex_unlock(&e->lock);
		ret = n;
		if (n < 0)
			break;
		ret = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			break;
		ret = -ERESTARTSYS;
		if (wait_event_interruptible(kh->wq,
					     atomic64_read(&kh->bell_seq) != seq ||
					     zc_ept_dead(pf)))
			break;
	}
	kvfree(bounce);
	return ret;
}

static ssize_t zc_ept_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	struct zc_ept_file *pf = file->private_data;
	struct zc_ept *e = pf->e;
	struct zc_region *kh = e->kh;
	struct zc_buf b;
	ssize_t ret;
	void *bounce;
	u64 seq;
	int n;

	if (len > zc_ept_max(kh))
		return -EMSGSIZE;
	/* The copy first, with no lock held and no slot reserved. */
	bounce = kvmalloc(max_t(size_t, len, 1), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	if (copy_from_user(bounce, ubuf, len)) {
		kvfree(bounce);
		return -EFAULT;
	}
	for (;;) {
		seq = atomic64_read(&kh->bell_seq);
		ret = -EPIPE;
		if (zc_ept_dead(pf))
			break;
		if (!READ_ONCE(kh->peer_up)) {
			ret = -EAGAIN;
			if (file->f_flags & O_NONBLOCK)
				break;
			ret = -ERESTARTSYS;
			if (wait_event_interruptible(kh->wq,
						     READ_ONCE(kh->peer_up) ||
						     zc_ept_dead(pf)))
				break;
			continue;
		}
		zc_want_kick(kh);
		ret = -ERESTARTSYS;
		if (mutex_lock_interruptible(&e->lock))
			break;
		n = zc_reserve_burst(&e->ch, &b, 1);
		if (n == 1) {
			memcpy(b.data, bounce, len);
			b.len = len;
			n = zc_send_burst(&e->ch, &b, 1);
			mutex_unlock(&e->lock);
			ret = n < 0 ? n : len;
			break;
		}
		mutex_unlock(&e->lock);
		ret = n;
		if (n < 0)
			break;
		ret = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			break;
		ret = -ERESTARTSYS;
		if (wait_event_interruptible(kh->wq,
					     atomic64_read(&kh->bell_seq) != seq ||
					     zc_ept_dead(pf)))
			break;
	}
	kvfree(bounce);
	return ret;
}

static __poll_t zc_ept_poll(struct file *file, poll_table *pt)
{
	struct zc_ept_file *pf = file->private_data;
	struct zc_ept *e = pf->e;
	struct zc_region *kh = e->kh;
	__poll_t mask = 0;
	int rx, tx;

	poll_wait(file, &kh->wq, pt);
	zc_want_kick(kh);
	mutex_lock(&e->lock);
	rx = zc_rx_ready(&e->ch);
	tx = zc_tx_ready(&e->ch);
	mutex_unlock(&e->lock);
	if (zc_ept_dead(pf))
		return EPOLLHUP | EPOLLERR;
	if (rx > 0)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (tx > 0 && READ_ONCE(kh->peer_up))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (rx < 0 || tx < 0)
		mask |= EPOLLERR;
	return mask;
}

static const struct file_operations zc_ept_fops = {
	.owner = THIS_MODULE,
	.open = zc_ept_open,
	.release = zc_ept_release,
	.read = zc_ept_read,
	.write = zc_ept_write,
	.poll = zc_ept_poll,
	/* no .llseek: nonseekable_open() makes lseek() -ESPIPE on every kernel */
};

/*
 * Format the region as its host and announce one channel per endpoint, all
 * from private state; the pool is zeroed (at allocation, or by the caller).
 */
static void zc_khost_format(struct zc_region *kh)
{
	struct zc_superblock *sb = kh->sb;
	const struct zc_geom *g = &kh->g;
	u32 c;

	zc_sb_write(sb, g);
	sb->generation = kh->generation;
	sb->side[ZC_SIDE_HOST].state = ZC_STATE_UP;
	sb->side[ZC_SIDE_HOST].features = g->features;
	sb->side[ZC_SIDE_HOST].need_wakeup = 1;

	for (c = 0; c < kh->nr_ept; c++) {
		struct zc_chan_entry *ent = zc_entry(kh, c);
		struct zc_ept *e = &kh->ept[c];

		memcpy(ent->name, e->chname, sizeof(ent->name));
		ent->addr[ZC_SIDE_HOST] = ZC_EPT_ADDR_BASE + c;
		ent->epoch = 1;
		ent->mode = ZC_CHAN_MODE_RING;
		zc_ept_bind(e, c);
		/* Release: name, address and rings before the announcement. */
		smp_store_release(&ent->state[ZC_SIDE_HOST], ZC_CHAN_OPEN);
	}
	zc_sb_publish(sb);
}

/*
 * Split @names ("echo,ctl") into channel names: 1-23 characters each, of
 * [A-Za-z0-9._-] (they name device nodes too), at most ZC_EPT_MAX.
 */
static int zc_parse_names(const char *names, char out[][ZC_NAME_MAX])
{
	unsigned int n = 0, len = 0;
	const char *p;

	for (p = names; ; p++) {
		if (*p == ',' || !*p) {
			if (!len)
				return -EINVAL;
			out[n++][len] = 0;
			len = 0;
			if (!*p)
				return n;
			continue;
		}
		if (n == ZC_EPT_MAX || len == 23 ||
		    !(isalnum(*p) || *p == '.' || *p == '_' || *p == '-'))
			return -EINVAL;
		out[n][len++] = *p;
	}
}

int zc_khost_create(struct zc_link *link, unsigned int nr_ept,
		    const char *names)
{
	char chnames[ZC_EPT_MAX][ZC_NAME_MAX];
	struct zc_region *kh;
	unsigned int i;
	int ret;

	memset(chnames, 0, sizeof(chnames));
	if (names && *names) {
		ret = zc_parse_names(names, chnames);
		if (ret < 0) {
			pr_err("rpmsg_names=%s: want up to %d comma-separated names of 1-23 characters [A-Za-z0-9._-]\n",
			       names, ZC_EPT_MAX);
			return ret;
		}
		nr_ept = ret;
	} else {
		for (i = 0; i < nr_ept; i++)
			snprintf(chnames[i], ZC_NAME_MAX, "rpmsg%u", i);
	}

	kh = kzalloc(sizeof(*kh), GFP_KERNEL);
	if (!kh)
		return -ENOMEM;
	kh->link = link;
	kh->base = link->pool;
	kh->sb = link->pool;
	kh->nr_ept = nr_ept;
	atomic64_set(&kh->bell_seq, 0);
	init_waitqueue_head(&kh->wq);
	/* Our half of the table holds our channels, the other the remote's. */
	ret = zc_geom_compute(&kh->g, link->slot_size, ZC_EPT_SLOTS,
			      2 * max_t(u32, nr_ept, ZC_EPT_REMOTE_MIN),
			      link->slot_size - ZC_FRAME_HDR_SIZE, PAGE_SIZE);
	if (ret || kh->g.region_size > link->pool_size) {
		pr_err("%s: rpmsg_chans=%u with %u-byte slots needs a %llu-byte pool (slot_size >= %u)\n",
		       link->name, nr_ept, link->slot_size,
		       ret ? 0ULL : (unsigned long long)kh->g.region_size,
		       ZC_SLOT_MIN);
		ret = -EINVAL;
		goto err_free;
	}
	kh->ept = kcalloc(nr_ept, sizeof(*kh->ept), GFP_KERNEL);
	if (!kh->ept) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < nr_ept; i++) {
		struct zc_ept *e = &kh->ept[i];

		e->kh = kh;
		memcpy(e->chname, chnames[i], ZC_NAME_MAX);
		mutex_init(&e->lock);
		e->maps = kzalloc(2 * kh->g.slots, GFP_KERNEL);
		if (!e->maps) {
			ret = -ENOMEM;
			goto err_epts;
		}
	}
	zc_khost_format(kh);

	for (i = 0; i < nr_ept; i++) {
		struct zc_ept *e = &kh->ept[i];

		snprintf(e->name, sizeof(e->name), "%s-%s", link->name,
			 e->chname);
		e->misc.minor = MISC_DYNAMIC_MINOR;
		e->misc.name = e->name;
		e->misc.fops = &zc_ept_fops;
		e->misc.mode = 0600;
		ret = misc_register(&e->misc);
		if (ret) {
			while (i--)
				misc_deregister(&kh->ept[i].misc);
			i = nr_ept;
			goto err_epts;
		}
	}
	/* From here a remote bind is accepted by the kernel host. */
	link->khost = kh;
	pr_info("%s: kernel host, %u rpmsg endpoint(s) (%s%s), %u-byte messages\n",
		link->name, nr_ept, kh->ept[0].name,
		nr_ept > 1 ? ", ..." : "", kh->g.slot_size - ZC_FRAME_HDR_SIZE);
	return 0;

err_epts:
	while (i--)
		kfree(kh->ept[i].maps);
	kfree(kh->ept);
err_free:
	kfree(kh);
	return ret;
}

void zc_khost_destroy(struct zc_link *link)
{
	struct zc_region *kh = link->khost;
	unsigned int i;

	if (!kh)
		return;
	for (i = 0; i < kh->nr_ept; i++) {
		misc_deregister(&kh->ept[i].misc);
		mutex_destroy(&kh->ept[i].lock);
		kfree(kh->ept[i].maps);
	}
	link->khost = NULL;
	kfree(kh->ept);
	kfree(kh);
}

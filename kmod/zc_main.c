// SPDX-License-Identifier: GPL-2.0
/*
 * zc.ko - shared buffer pool and eventfd doorbells between a Linux host and
 * a remote processor.
 *
 * Each link is a misc device /dev/zcN with one pool, allocated at load time.
 * The driver never interprets the pool: userspace (libzc) formats it. It
 * supplies memory (mmap, shared only), doorbells (eventfds) and peer-loss
 * notification (EPOLLHUP on the /dev/zcN file, plus a doorbell). The host
 * can evict the remote (ZC_IOC_EVICT): its mappings are zapped and its role
 * is freed for the next one.
 *
 * Lock order (outermost first):
 *   link->bind_mutex -> zc_file->fault_sem (write) -> nothing
 *   link->bind_mutex -> i_mmap_rwsem -> page table locks (the zap)
 *   link->bind_mutex -> link->lock -> eventfd wqh.lock
 *   mmap_lock or the VMA lock (a fault) -> fault_sem (read) -> PTL
 * No mmap_lock is ever taken under bind_mutex or fault_sem, and no user
 * memory is touched under either (copy_from/to_user run outside them).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "zc_internal.h"

#define CREATE_TRACE_POINTS
#include "zc_trace.h"

#define ZC_MAX_LINKS		16
#define ZC_MIN_SLOT		64
#define ZC_MAX_SLOT		65536	/* frame length field is 16 bits */
#define ZC_MAX_POOL		BIT(30)

static unsigned int links = 1;
module_param(links, uint, 0444);
MODULE_PARM_DESC(links, "Number of links, one /dev/zcN each (1-16, default 1)");

static unsigned long pool_size = 4UL << 20;
module_param(pool_size, ulong, 0444);
MODULE_PARM_DESC(pool_size,
		 "Pool bytes per link: page multiple, slot multiple, <= 1 GiB (default 4 MiB)");

static unsigned int slot_size = 2048;
module_param(slot_size, uint, 0444);
MODULE_PARM_DESC(slot_size, "Slot bytes: power of two, 64-65536 (default 2048)");

static int rpmsg_link = -1;
module_param(rpmsg_link, int, 0444);
MODULE_PARM_DESC(rpmsg_link,
		 "Link the kernel hosts, with /dev/zcN-rpmsgM read/write endpoints (-1: none)");

static unsigned int rpmsg_chans = 1;
module_param(rpmsg_chans, uint, 0444);
MODULE_PARM_DESC(rpmsg_chans,
		 "Endpoints rpmsg0.. on the rpmsg link (1-8, default 1)");

static char *rpmsg_names;
module_param(rpmsg_names, charp, 0444);
MODULE_PARM_DESC(rpmsg_names,
		 "Channel names for the rpmsg link's endpoints, comma-separated (overrides rpmsg_chans)");

static bool contig = true;
module_param(contig, bool, 0444);
MODULE_PARM_DESC(contig,
		 "Try a physically contiguous pool before vmalloc (default Y)");

static struct zc_link *zc_links;
static unsigned int zc_nr_links;

/*
 * A doorbell eventfd may also be somebody's kick eventfd: signalling it runs
 * that kick's wake-up callback synchronously, on this CPU, inside
 * eventfd_signal(). The callback needs to know it was caused by a doorbell,
 * and whose, to cut loops without dropping legitimate forwards:
 *
 *  - a doorbell of link L waking a kick of the same link L is the driver
 *    hearing its own signal (one eventfd as one end's doorbell and the
 *    other's kick): forwarding it would ping-pong forever, so it is dropped
 *    and counted in kick_loops;
 *  - a doorbell of link L waking a kick of another link is a relay the user
 *    wired on purpose and is forwarded, one hop further. Relays across links
 *    can still form a cycle, and every hop goes through irq_work, so a cycle
 *    would keep a CPU busy in hard-irq context forever. A chain that visits
 *    no (link, direction) twice has at most 2 * ZC_MAX_LINKS hops; a longer
 *    one is a cycle and is dropped at that bound, which keeps the work per
 *    user kick fixed.
 *
 * zc_bell_link/zc_bell_hops are only set with irqs off (under link->lock),
 * zc_ring_hops only inside zc_ring_work() (hard irq), so none can move to
 * another CPU or be seen by unrelated code on this one.
 */
#define ZC_MAX_HOPS	(2 * ZC_MAX_LINKS)
#define ZC_HOPS_NONE	INT_MAX		/* no kick pending in ring_hops */

static DEFINE_PER_CPU(struct zc_link *, zc_bell_link);
static DEFINE_PER_CPU(int, zc_bell_hops);
static DEFINE_PER_CPU(int, zc_ring_hops);

static inline void zc_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* Called under link->lock, irqs off: the per-CPU state cannot move. */
static void zc_ring_doorbell_locked(struct zc_file *f)
{
	__this_cpu_write(zc_bell_link, f->link);
	__this_cpu_write(zc_bell_hops, __this_cpu_read(zc_ring_hops));
	zc_eventfd_signal(f->doorbell);
	__this_cpu_write(zc_bell_link, NULL);
}

/* Deliver a doorbell to the end bound as @to. Any context. */
void zc_link_doorbell(struct zc_link *link, u32 to)
{
	struct zc_file *f;
	unsigned long flags;
	bool delivered = false;

	if (WARN_ON_ONCE(to != ZC_ROLE_HOST && to != ZC_ROLE_REMOTE))
		return;

	if (to == ZC_ROLE_HOST && link->khost) {
		zc_khost_doorbell(link->khost);
		atomic64_inc(&link->doorbells[to]);
		trace_zc_doorbell(link->id, to, true);
		return;
	}

	spin_lock_irqsave(&link->lock, flags);
	f = link->end[to];
	if (f) {
		zc_ring_doorbell_locked(f);
		atomic64_inc(&f->doorbells);
		delivered = true;
	}
	spin_unlock_irqrestore(&link->lock, flags);

	if (delivered)
		atomic64_inc(&link->doorbells[to]);
	else
		atomic64_inc(&link->kicks_dropped);
	trace_zc_doorbell(link->id, to, delivered);
}

static void zc_ring_work(struct irq_work *work)
{
	struct zc_file *f = container_of(work, struct zc_file, ring_work);
	int hops;

	/*
	 * Runs of this work can overlap on two CPUs, and one may take the
	 * kick another was queued for: a run that finds none has nothing to
	 * ring (and must not ring, or a relay cycle would gain fresh hops).
	 */
	hops = atomic_xchg(&f->ring_hops, ZC_HOPS_NONE);
	if (hops == ZC_HOPS_NONE)
		return;
	__this_cpu_write(zc_ring_hops, hops);
	f->link->ops->ring(f->link, f->role);
	__this_cpu_write(zc_ring_hops, 0);
}

/*
 * Wakeup callback on the kick eventfd's wait queue, called with its
 * wqh.lock held and irqs off. The eventfd core forbids signalling another
 * eventfd from here (current->in_eventfd), so the ring is deferred to
 * irq_work, which runs as soon as irqs are enabled again.
 *
 * The work done here is fixed: one read of the counter. On a counting
 * eventfd that read empties it, whatever was written; a semaphore eventfd
 * (which a read only decrements) is refused at bind, and would cost no
 * more than one read per wake-up here either.
 */
static int zc_kick_wake(wait_queue_entry_t *wait, unsigned int mode,
			int sync, void *key)
{
	struct zc_file *f = container_of(wait, struct zc_file, kick_wait);
	__poll_t events = key_to_poll(key);
	struct zc_link *bell = __this_cpu_read(zc_bell_link);
	int hops = 0, old;
	u64 cnt;

	if (!(events & EPOLLIN) || !f->kick_armed)
		return 0;

	if (bell) {
		/*
		 * A zc doorbell's signal. A loop is cut, leaving the count for
		 * the doorbell's reader; a relay to another link goes on (and,
		 * as a kick, takes the count: that eventfd's two users share it).
		 */
		hops = __this_cpu_read(zc_bell_hops) + 1;
		if (bell == f->link || hops > ZC_MAX_HOPS) {
			atomic64_inc(&f->link->loops);
			return 0;
		}
	}

	/*
	 * Every increment of the counter runs this callback under the same
	 * lock, and this read leaves it at 0: no writer can be blocked on a
	 * full counter behind it, so there is nobody to wake with EPOLLOUT
	 * (the bind's drain, which may find a full one, does wake them).
	 */
	eventfd_ctx_do_read(f->kick, &cnt);

	/* Coalesced kicks forward with the shortest chain among them. */
	old = atomic_read(&f->ring_hops);
	while (hops < old && !atomic_try_cmpxchg(&f->ring_hops, &old, hops))
		;

	atomic64_inc(&f->kicks_sent);
	atomic64_inc(&f->link->kicks[f->role]);
	trace_zc_kick(f->link->id, f->role, cnt);
	irq_work_queue(&f->ring_work);
	return 0;
}

static void zc_kick_queue(struct file *file, wait_queue_head_t *wqh,
			  poll_table *pt)
{
	struct zc_file *f = container_of(pt, struct zc_file, kick_pt);

	f->kick_wqh = wqh;
	add_wait_queue(wqh, &f->kick_wait);
}

static int zc_open(struct inode *inode, struct file *file)
{
	struct zc_link *link = container_of(file->private_data,
					    struct zc_link, misc);
	struct zc_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->link = link;
	init_rwsem(&f->fault_sem);
	/*
	 * This file's own address_space, as its f_mapping: its VMAs are linked
	 * there, so an eviction zaps exactly them (the inode's mapping would
	 * hold every opener's). Nothing is ever in its page cache.
	 */
	address_space_init_once(&f->mapping);
	f->mapping.host = inode;
	f->mapping.a_ops = inode->i_mapping->a_ops;
	file->f_mapping = &f->mapping;
	init_irq_work(&f->ring_work, zc_ring_work);
	atomic_set(&f->ring_hops, ZC_HOPS_NONE);
	atomic64_set(&f->kicks_sent, 0);
	atomic64_set(&f->doorbells, 0);
	file->private_data = f;
	return 0;
}

/* Called with link->bind_mutex held. */
static void zc_unbind(struct zc_file *f)
{
	struct zc_link *link = f->link;
	struct zc_file *peer;
	unsigned long flags;
	u64 cnt;

	spin_lock_irqsave(&link->lock, flags);
	link->end[f->role] = NULL;
	peer = link->end[zc_peer_role(f->role)];
	if (peer) {
		peer->peer_state = ZC_PEER_LOST;
		peer->peer_events++;
		/* wake a survivor that sleeps on its doorbell only */
		zc_ring_doorbell_locked(peer);
	}
	spin_unlock_irqrestore(&link->lock, flags);
	wake_up_interruptible_poll(&link->poll_wq, EPOLLHUP | EPOLLPRI);
	trace_zc_unbind(link->id, f->role, peer || link->khost);
	if (f->role == ZC_ROLE_REMOTE && link->khost)
		zc_khost_peer_lost(link->khost);

	/* No kick wakeup runs after this returns ... */
	eventfd_ctx_remove_wait_queue(f->kick, &f->kick_wait, &cnt);
	/* ... and no ring deferred by an earlier one is still pending. */
	irq_work_sync(&f->ring_work);

	if (link->ops->detach)
		link->ops->detach(link, f->role);
	eventfd_ctx_put(f->kick);
	eventfd_ctx_put(f->doorbell);
}

static int zc_release(struct inode *inode, struct file *file)
{
	struct zc_file *f = file->private_data;

	/* An evicted file was unbound by the eviction. */
	if (f->role) {
		mutex_lock(&f->link->bind_mutex);
		if (!f->evicted)
			zc_unbind(f);
		mutex_unlock(&f->link->bind_mutex);
	}
	/* Every VMA holds the file: none maps the scratch page any more. */
	if (f->scratch)
		put_page(f->scratch);
	kfree(f);
	return 0;
}

void zc_pool_clear(struct zc_link *link)
{
	size_t off, n;

	/* In pieces: a 1 GiB pool would otherwise hog the CPU. */
	for (off = 0; off < link->pool_size; off += n) {
		n = min_t(size_t, link->pool_size - off, SZ_1M);
		memset(link->pool + off, 0, n);
		cond_resched();
	}
}

/*
 * Watch @kick_file, unarmed: wake-ups are ignored until zc_kick_arm().
 * A kick eventfd must be a counting one. A read of a semaphore eventfd
 * (EFD_SEMAPHORE) takes 1, not the count, so userspace could make every
 * drain as long as it likes; the kernel exports no way to ask for the
 * flag, so ask the counter: with two counts added, one read takes both
 * unless it is a semaphore. A semaphore is refused with its count as it
 * was; a counting eventfd loses its counts, which were stale anyway.
 */
static int zc_kick_watch(struct zc_file *f, struct file *kick_file)
{
	unsigned long flags;
	u64 cnt, back;

	f->kick_wqh = NULL;
	f->kick_armed = false;
	init_waitqueue_func_entry(&f->kick_wait, zc_kick_wake);
	init_poll_funcptr(&f->kick_pt, zc_kick_queue);
	vfs_poll(kick_file, &f->kick_pt);
	if (WARN_ON_ONCE(!f->kick_wqh))
		return -EINVAL;

	zc_eventfd_signal(f->kick);
	zc_eventfd_signal(f->kick);
	spin_lock_irqsave(&f->kick_wqh->lock, flags);
	eventfd_ctx_do_read(f->kick, &cnt);
	if (cnt == 1) {
		/* Take back the second count we added, too. */
		eventfd_ctx_do_read(f->kick, &back);
		spin_unlock_irqrestore(&f->kick_wqh->lock, flags);
		remove_wait_queue(f->kick_wqh, &f->kick_wait);
		return -EINVAL;
	}
	/* As fs/eventfd.c's read: room in the counter wakes its writers. */
	if (cnt)
		wake_up_locked_poll(f->kick_wqh, EPOLLOUT);
	spin_unlock_irqrestore(&f->kick_wqh->lock, flags);
	return 0;
}

/*
 * Kicks flow from here on. Whatever was written since zc_kick_watch() is
 * stale (the bind had not returned): one read drops it, the counter being
 * a counting one.
 */
static void zc_kick_arm(struct zc_file *f)
{
	unsigned long flags;
	u64 cnt;

	spin_lock_irqsave(&f->kick_wqh->lock, flags);
	eventfd_ctx_do_read(f->kick, &cnt);
	if (cnt)
		wake_up_locked_poll(f->kick_wqh, EPOLLOUT);
	f->kick_armed = true;
	spin_unlock_irqrestore(&f->kick_wqh->lock, flags);
}

static int zc_bind(struct file *file, struct zc_file *f, void __user *argp)
{
	struct zc_link *link = f->link;
	struct zc_kmod_bind b;
	struct eventfd_ctx *doorbell, *kick;
	struct zc_file *peer;
	struct file *kick_file;
	unsigned long flags;
	int ret;

	/*
	 * A role writes the pool (ZC_BIND_F_CLEAR zeroes it) and rings the
	 * peer: a read-only opener may look (GET_INFO), not take part.
	 */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	if ((b.flags & ~ZC_BIND_F_CLEAR) || b.__reserved[0] || b.__reserved[1])
		return -EINVAL;
	if (b.role != ZC_ROLE_HOST && b.role != ZC_ROLE_REMOTE)
		return -EINVAL;
	if ((b.flags & ZC_BIND_F_CLEAR) && b.role != ZC_ROLE_HOST)
		return -EINVAL;
	if (b.role == ZC_ROLE_REMOTE &&
	    !(link->ops->caps & ZC_MBOX_CAP_SW_REMOTE))
		return -EOPNOTSUPP;

	/* Held for bounded work only, but a waiter must stay killable. */
	if (mutex_lock_killable(&link->bind_mutex))
		return -EINTR;
	if (f->role) {
		ret = -EALREADY;
		goto out_unlock;
	}
	/* end[] only changes under bind_mutex: this check stays true */
	if (READ_ONCE(link->end[b.role]) ||
	    (b.role == ZC_ROLE_HOST && link->khost)) {
		ret = -EBUSY;
		goto out_unlock;
	}

	doorbell = eventfd_ctx_fdget(b.doorbell_fd);	/* -EBADF or -EINVAL */
	if (IS_ERR(doorbell)) {
		ret = PTR_ERR(doorbell);
		goto out_unlock;
	}
	kick_file = fget(b.kick_fd);
	if (!kick_file) {
		ret = -EBADF;
		goto out_doorbell;
	}
	kick = eventfd_ctx_fileget(kick_file);
	if (IS_ERR(kick)) {
		ret = PTR_ERR(kick);
		goto out_kick_file;
	}
	if (kick == doorbell) {
		ret = -EINVAL;
		goto out_kick;
	}
	f->kick = kick;
	ret = zc_kick_watch(f, kick_file);
	if (ret)
		goto out_kick;

	if (link->ops->attach) {
		ret = link->ops->attach(link, b.role);
		if (ret)
			goto out_watch;
	}
	/* Before end[] is set: a remote must never see the host with old data. */
	if (b.flags & ZC_BIND_F_CLEAR)
		zc_pool_clear(link);

	spin_lock_irqsave(&link->lock, flags);
	f->role = b.role;
	f->doorbell = doorbell;
	f->peer_events = 0;
	f->peer_events_seen = 0;
	peer = link->end[zc_peer_role(b.role)];
	f->peer_state = peer || link->khost ? ZC_PEER_UP : ZC_PEER_NONE;
	if (peer) {
		peer->peer_state = ZC_PEER_UP;
		peer->peer_events++;
	}
	link->end[b.role] = f;
	spin_unlock_irqrestore(&link->lock, flags);
	if (peer)
		wake_up_interruptible_poll(&link->poll_wq, EPOLLPRI);

	zc_kick_arm(f);
	fput(kick_file);

	if (b.role == ZC_ROLE_REMOTE && link->khost)
		zc_khost_accept(link->khost);
	trace_zc_bind(link->id, b.role, task_tgid_nr(current));
	mutex_unlock(&link->bind_mutex);
	return 0;

out_watch:
	remove_wait_queue(f->kick_wqh, &f->kick_wait);
out_kick:
	f->kick = NULL;
	eventfd_ctx_put(kick);
out_kick_file:
	fput(kick_file);
out_doorbell:
	eventfd_ctx_put(doorbell);
out_unlock:
	mutex_unlock(&link->bind_mutex);
	return ret;
}

/*
 * Host: take the remote's role away (ZC_IOC_EVICT). In order, under
 * bind_mutex so that no remote can bind meanwhile:
 *  1. the remote's file is marked evicted under its fault_sem: a fault
 *     that already looked is done installing, any later one maps the
 *     scratch page (or SIGBUS), and its mmap and ioctls fail;
 *  2. every PTE of its mappings, in whichever process, is zapped: its own
 *     address_space links its VMAs only, never the host's;
 *  3. its role is released as if it had closed: its kick eventfd is no
 *     longer watched, the host sees the remote lost (one peer event), and
 *     the slot is free. Its doorbell is rung first, so a remote asleep on
 *     it wakes and finds out (poll: EPOLLHUP | EPOLLERR).
 * The zap takes i_mmap_rwsem and page table locks, never mmap_lock, so it
 * cannot invert with a fault of that remote (mmap_lock -> fault_sem).
 */
static int zc_evict(struct file *file, struct zc_file *f, void __user *argp)
{
	struct zc_link *link = f->link;
	struct zc_kmod_evict e;
	struct page *scratch;
	struct zc_file *r;
	unsigned long flags;
	int ret = 0;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	/* role and evicted are written once, under bind_mutex */
	if (!READ_ONCE(f->role))
		return -ENOTCONN;
	if (READ_ONCE(f->role) != ZC_ROLE_HOST)
		return -EPERM;
	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	if ((e.flags & ~ZC_EVICT_F_IF_EVENTS) || e.__reserved[0] ||
	    e.__reserved[1])
		return -EINVAL;

	/* Allocated before the lock; without it, the remote's faults SIGBUS. */
	scratch = alloc_page(GFP_KERNEL | __GFP_ZERO);

	if (mutex_lock_killable(&link->bind_mutex)) {
		ret = -EINTR;
		goto out_free;
	}
	/* end[] and peer_events of a bound host change under bind_mutex only */
	r = link->end[ZC_ROLE_REMOTE];
	if (!r) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if ((e.flags & ZC_EVICT_F_IF_EVENTS) &&
	    READ_ONCE(f->peer_events) != e.events) {
		ret = -ESTALE;
		goto out_unlock;
	}

	down_write(&r->fault_sem);
	WRITE_ONCE(r->evicted, true);
	r->scratch = scratch;
	scratch = NULL;
	up_write(&r->fault_sem);

	unmap_mapping_range(&r->mapping, 0, 0, 1);

	spin_lock_irqsave(&link->lock, flags);
	zc_ring_doorbell_locked(r);
	spin_unlock_irqrestore(&link->lock, flags);
	zc_unbind(r);	/* wakes poll_wq: the remote's poll sees the hang-up */

	atomic64_inc(&link->evictions);
	pr_debug("%s: remote evicted by pid %d\n", link->name,
		 task_tgid_nr(current));
out_unlock:
	mutex_unlock(&link->bind_mutex);
out_free:
	if (scratch)
		__free_page(scratch);
	return ret;
}

static int zc_get_info(struct zc_file *f, void __user *argp)
{
	struct zc_link *link = f->link;
	struct zc_kmod_info info;
	unsigned long flags;

	memset(&info, 0, sizeof(info));
	info.abi_version = ZC_KMOD_ABI_VERSION;
	info.link_id = link->id;
	info.pool_size = link->pool_size;
	info.slot_size = link->slot_size;
	info.nr_slots = link->pool_size / link->slot_size;
	info.page_size = PAGE_SIZE;
	if (link->contig) {
		info.flags |= ZC_INFO_F_CONTIG;
		/* A physical address helps an attacker; firmware loaders are root. */
		if (capable(CAP_SYS_ADMIN)) {
			info.phys_base = link->phys_base;
			info.flags |= ZC_INFO_F_PHYS_VALID;
		}
	}
	if (link->ops->caps & ZC_MBOX_CAP_SW_REMOTE)
		info.flags |= ZC_INFO_F_SW_MAILBOX;
	info.flags |= ZC_INFO_F_EVICT;
	if (link->khost) {
		info.flags |= ZC_INFO_F_KERNEL_HOST;
		info.roles_bound |= 1U << ZC_ROLE_HOST;
	}

	spin_lock_irqsave(&link->lock, flags);
	if (link->end[ZC_ROLE_HOST])
		info.roles_bound |= 1U << ZC_ROLE_HOST;
	if (link->end[ZC_ROLE_REMOTE])
		info.roles_bound |= 1U << ZC_ROLE_REMOTE;
	spin_unlock_irqrestore(&link->lock, flags);

	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static int zc_peer_state(struct zc_file *f, void __user *argp)
{
	struct zc_link *link = f->link;
	struct zc_kmod_peer p;
	unsigned long flags;

	/* role is written once, under bind_mutex, before the file is bound */
	if (!READ_ONCE(f->role))
		return -ENOTCONN;

	memset(&p, 0, sizeof(p));
	p.role = f->role;
	spin_lock_irqsave(&link->lock, flags);
	p.state = f->peer_state;
	p.events = f->peer_events;
	f->peer_events_seen = f->peer_events;
	spin_unlock_irqrestore(&link->lock, flags);
	p.kicks_sent = atomic64_read(&f->kicks_sent);
	p.doorbells = atomic64_read(&f->doorbells);

	if (copy_to_user(argp, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

static long zc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zc_file *f = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	/* An evicted file keeps nothing but the right to be closed. */
	if (READ_ONCE(f->evicted)) {
		ret = -EPIPE;
		goto out;
	}
	switch (cmd) {
	case ZC_IOC_GET_INFO:
		ret = zc_get_info(f, argp);
		break;
	case ZC_IOC_BIND:
		ret = zc_bind(file, f, argp);
		break;
	case ZC_IOC_PEER_STATE:
		ret = zc_peer_state(f, argp);
		break;
	case ZC_IOC_EVICT:
		ret = zc_evict(file, f, argp);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out:
	if (ret)
		atomic64_inc(&f->link->errors);
	return ret;
}

static __poll_t zc_poll(struct file *file, poll_table *pt)
{
	struct zc_file *f = file->private_data;
	struct zc_link *link = f->link;
	unsigned long flags;
	__poll_t mask = 0;

	poll_wait(file, &link->poll_wq, pt);

	spin_lock_irqsave(&link->lock, flags);
	if (READ_ONCE(f->evicted)) {
		mask |= EPOLLHUP | EPOLLERR;
	} else if (f->role) {
		if (f->peer_state == ZC_PEER_LOST)
			mask |= EPOLLHUP;
		if (f->peer_events != f->peer_events_seen)
			mask |= EPOLLPRI;
	}
	spin_unlock_irqrestore(&link->lock, flags);
	return mask;
}

static void zc_vm_open(struct vm_area_struct *vma)
{
	struct zc_file *f = vma->vm_private_data;

	atomic_inc(&f->link->mappings);
}

static void zc_vm_close(struct vm_area_struct *vma)
{
	struct zc_file *f = vma->vm_private_data;

	atomic_dec(&f->link->mappings);
}

/*
 * The PTE is installed here, under fault_sem, not by the core after we
 * return: an eviction between our check and the core's install would
 * otherwise leave a pool page mapped after the zap.
 */
static vm_fault_t zc_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct zc_file *f = vma->vm_private_data;
	struct zc_link *link = f->link;
	unsigned long off;
	struct page *page;
	int err;

	/* vmf->pgoff counts from the start of the pool, not of the VMA */
	if (vmf->pgoff >= link->pool_size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	off = vmf->pgoff << PAGE_SHIFT;

	down_read(&f->fault_sem);
	if (f->evicted)
		page = f->scratch;	/* private: shares nothing with anyone */
	else if (link->contig)
		page = virt_to_page(link->pool + off);
	else
		page = vmalloc_to_page(link->pool + off);
	err = page ? vm_insert_page(vma, vmf->address, page) : -EFAULT;
	up_read(&f->fault_sem);

	switch (err) {
	case 0:
	case -EBUSY:	/* another thread's fault got there first */
		return VM_FAULT_NOPAGE;
	case -ENOMEM:
		return VM_FAULT_OOM;
	default:
		return VM_FAULT_SIGBUS;
	}
}

static const struct vm_operations_struct zc_vm_ops = {
	.open = zc_vm_open,
	.close = zc_vm_close,
	.fault = zc_vm_fault,
};

static int zc_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct zc_file *f = file->private_data;
	struct zc_link *link = f->link;
	unsigned long pool_pages = link->pool_size >> PAGE_SHIFT;
	unsigned long npages = vma_pages(vma);
	vm_flags_t vm_flags;
	int ret = 0;

	/*
	 * The pool belongs to the two bound roles: a mapping is made through
	 * a bound file (which a read-only open cannot be), so it keeps that
	 * role bound for as long as it exists, and no other opener can reach
	 * the memory a later peer will use. The pool is shared with the peer;
	 * a private COW copy would silently stop seeing it.
	 */
	if (READ_ONCE(f->evicted))
		ret = -EPIPE;
	else if (!READ_ONCE(f->role))
		ret = -ENOTCONN;
	else if (!(vma->vm_flags & VM_MAYSHARE))
		ret = -EINVAL;
	else if (vma->vm_pgoff >= pool_pages ||
		 npages > pool_pages - vma->vm_pgoff)
		ret = -EINVAL;
	trace_zc_mmap(link->id, vma->vm_pgoff, vma->vm_end - vma->vm_start,
		      ret);
	if (ret) {
		atomic64_inc(&link->errors);
		return ret;
	}

	/*
	 * The range was checked once: refuse to let mremap() grow it. The
	 * fault inserts pages itself (VM_MIXEDMAP, set here, where mmap_lock
	 * is held for writing). A remote's mapping must be revocable, so it
	 * cannot be pinned (VM_IO: get_user_pages() refuses it), or a pin
	 * would outlive the eviction's zap; the host's can be.
	 */
	vm_flags = VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP;
	if (f->role == ZC_ROLE_REMOTE)
		vm_flags |= VM_IO;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, vm_flags);
#else
	vma->vm_flags |= vm_flags;
#endif
	vma->vm_ops = &zc_vm_ops;
	vma->vm_private_data = f;
	zc_vm_open(vma);
	atomic64_inc(&link->mmaps);
	return 0;
}

static const struct file_operations zc_fops = {
	.owner = THIS_MODULE,
	.open = zc_open,
	.release = zc_release,
	.unlocked_ioctl = zc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = zc_mmap,
	.poll = zc_poll,
	.llseek = noop_llseek,
};

/* sysfs: /sys/class/misc/zcN/ */

static struct zc_link *zc_dev_link(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct zc_link, misc);
}

#define ZC_ATTR_U64(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct zc_link *link = zc_dev_link(dev);			\
									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static DEVICE_ATTR_RO(_name)

ZC_ATTR_U64(pool_size, link->pool_size);
ZC_ATTR_U64(slot_size, link->slot_size);
ZC_ATTR_U64(contiguous, link->contig);
ZC_ATTR_U64(host_bound, READ_ONCE(link->end[ZC_ROLE_HOST]) != NULL);
ZC_ATTR_U64(remote_bound, READ_ONCE(link->end[ZC_ROLE_REMOTE]) != NULL);
ZC_ATTR_U64(kicks_host, atomic64_read(&link->kicks[ZC_ROLE_HOST]));
ZC_ATTR_U64(kicks_remote, atomic64_read(&link->kicks[ZC_ROLE_REMOTE]));
ZC_ATTR_U64(doorbells_host, atomic64_read(&link->doorbells[ZC_ROLE_HOST]));
ZC_ATTR_U64(doorbells_remote,
	    atomic64_read(&link->doorbells[ZC_ROLE_REMOTE]));
ZC_ATTR_U64(kicks_dropped, atomic64_read(&link->kicks_dropped));
ZC_ATTR_U64(kick_loops, atomic64_read(&link->loops));
ZC_ATTR_U64(mmaps, atomic64_read(&link->mmaps));
ZC_ATTR_U64(mappings, atomic_read(&link->mappings));
ZC_ATTR_U64(errors, atomic64_read(&link->errors));
ZC_ATTR_U64(evictions, atomic64_read(&link->evictions));

static ssize_t mailbox_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", zc_dev_link(dev)->ops->name);
}
static DEVICE_ATTR_RO(mailbox);

static struct attribute *zc_attrs[] = {
	&dev_attr_pool_size.attr,
	&dev_attr_slot_size.attr,
	&dev_attr_contiguous.attr,
	&dev_attr_mailbox.attr,
	&dev_attr_host_bound.attr,
	&dev_attr_remote_bound.attr,
	&dev_attr_kicks_host.attr,
	&dev_attr_kicks_remote.attr,
	&dev_attr_doorbells_host.attr,
	&dev_attr_doorbells_remote.attr,
	&dev_attr_kicks_dropped.attr,
	&dev_attr_kick_loops.attr,
	&dev_attr_mmaps.attr,
	&dev_attr_mappings.attr,
	&dev_attr_errors.attr,
	&dev_attr_evictions.attr,
	NULL,
};
ATTRIBUTE_GROUPS(zc);

/*
 * The largest order the page allocator hands out: MAX_ORDER counted one
 * past it until 6.4, then became inclusive, then was renamed MAX_PAGE_ORDER
 * in 6.8.
 */
#if defined(MAX_PAGE_ORDER)
#define ZC_TOP_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define ZC_TOP_ORDER	MAX_ORDER
#else
#define ZC_TOP_ORDER	(MAX_ORDER - 1)
#endif

static int zc_pool_alloc(struct zc_link *link)
{
	if (contig && get_order(pool_size) <= ZC_TOP_ORDER) {
		link->pool = alloc_pages_exact(pool_size, GFP_KERNEL |
					       __GFP_ZERO | __GFP_NOWARN);
		if (link->pool) {
			link->contig = true;
			link->phys_base = virt_to_phys(link->pool);
			return 0;
		}
	}
	/* vmalloc_user() zeroes and marks the area mappable to userspace */
	link->pool = vmalloc_user(pool_size);
	return link->pool ? 0 : -ENOMEM;
}

static void zc_pool_free(struct zc_link *link)
{
	if (link->contig)
		free_pages_exact(link->pool, link->pool_size);
	else
		vfree(link->pool);
}

static int zc_link_init(struct zc_link *link, u32 id)
{
	int ret, i;

	link->id = id;
	link->ops = &zc_mbox_sw_ops;
	link->pool_size = pool_size;
	link->slot_size = slot_size;
	spin_lock_init(&link->lock);
	mutex_init(&link->bind_mutex);
	init_waitqueue_head(&link->poll_wq);
	for (i = 0; i < ZC_NR_ROLES; i++) {
		atomic64_set(&link->kicks[i], 0);
		atomic64_set(&link->doorbells[i], 0);
	}
	atomic64_set(&link->kicks_dropped, 0);
	atomic64_set(&link->loops, 0);
	atomic64_set(&link->mmaps, 0);
	atomic_set(&link->mappings, 0);
	atomic64_set(&link->errors, 0);
	atomic64_set(&link->evictions, 0);

	ret = zc_pool_alloc(link);
	if (ret)
		return ret;

	snprintf(link->name, sizeof(link->name), "zc%u", id);
	if ((int)id == rpmsg_link) {
		ret = zc_khost_create(link, rpmsg_chans, rpmsg_names);
		if (ret) {
			zc_pool_free(link);
			return ret;
		}
	}
	link->misc.minor = MISC_DYNAMIC_MINOR;
	link->misc.name = link->name;
	link->misc.fops = &zc_fops;
	link->misc.groups = zc_groups;
	link->misc.mode = 0600;
	ret = misc_register(&link->misc);
	if (ret) {
		zc_khost_destroy(link);
		zc_pool_free(link);
		return ret;
	}
	pr_info("%s: %zu KiB pool (%s), %u-byte slots, %s mailbox\n",
		link->name, link->pool_size >> 10,
		link->contig ? "contiguous" : "vmalloc", link->slot_size,
		link->ops->name);
	return 0;
}

static void zc_link_exit(struct zc_link *link)
{
	misc_deregister(&link->misc);
	zc_khost_destroy(link);
	zc_pool_free(link);
	mutex_destroy(&link->bind_mutex);
}

static int zc_check_params(void)
{
	if (links < 1 || links > ZC_MAX_LINKS) {
		pr_err("links=%u: must be 1-%d\n", links, ZC_MAX_LINKS);
		return -EINVAL;
	}
	if (slot_size < ZC_MIN_SLOT || slot_size > ZC_MAX_SLOT ||
	    !is_power_of_2(slot_size)) {
		pr_err("slot_size=%u: must be a power of two, %d-%d\n",
		       slot_size, ZC_MIN_SLOT, ZC_MAX_SLOT);
		return -EINVAL;
	}
	if (rpmsg_link < -1 || rpmsg_link >= (int)links ||
	    rpmsg_chans < 1 || rpmsg_chans > 8) {
		pr_err("rpmsg_link=%d rpmsg_chans=%u: need -1..links-1 and 1-8\n",
		       rpmsg_link, rpmsg_chans);
		return -EINVAL;
	}
	if (!pool_size || pool_size > ZC_MAX_POOL ||
	    !PAGE_ALIGNED(pool_size) || pool_size % slot_size) {
		pr_err("pool_size=%lu: must be a multiple of %lu and of slot_size, <= %lu\n",
		       pool_size, PAGE_SIZE, ZC_MAX_POOL);
		return -EINVAL;
	}
	return 0;
}

static int __init zc_init(void)
{
	unsigned int i;
	int ret;

	ret = zc_check_params();
	if (ret)
		return ret;

	zc_links = kcalloc(links, sizeof(*zc_links), GFP_KERNEL);
	if (!zc_links)
		return -ENOMEM;
	for (i = 0; i < links; i++) {
		ret = zc_link_init(&zc_links[i], i);
		if (ret)
			goto err_links;
	}
	zc_nr_links = links;
	return 0;

err_links:
	while (i--)
		zc_link_exit(&zc_links[i]);
	kfree(zc_links);
	return ret;
}

/*
 * Every open file and every VMA (through vm_file) holds a module reference
 * via zc_fops.owner, so exit runs only when no end is bound and nothing is
 * mapped.
 */
static void __exit zc_exit(void)
{
	unsigned int i;

	for (i = 0; i < zc_nr_links; i++)
		zc_link_exit(&zc_links[i]);
	kfree(zc_links);
}

module_init(zc_init);
module_exit(zc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zc project");
MODULE_DESCRIPTION("zc: zero-copy buffer pool and eventfd doorbells for a remote processor");
MODULE_VERSION("0.1.0");

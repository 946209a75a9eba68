/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the zc.ko core and its mailbox backends.
 */
#ifndef _ZC_INTERNAL_H
#define _ZC_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "zc_kmod.h"

#define ZC_NR_ROLES	3	/* index 0 (ZC_ROLE_NONE) unused */

struct zc_link;
struct zc_region;	/* the kernel host of a link (zc_rpmsg.c) */

/*
 * A mailbox backend moves doorbells between the two ends of a link.
 *
 * The core calls ->ring() when the end bound as @from kicked its peer (a
 * write to its kick eventfd). It runs in hard-irq context (irq_work), so it
 * must not sleep; a backend whose transmit path sleeps queues its own work.
 * When the peer interrupts (a real mailbox IRQ), the backend calls
 * zc_link_doorbell(link, ZC_ROLE_HOST) from any context.
 *
 * ->attach()/->detach() are optional; they run in process context, under
 * the link's bind_mutex, when a role is bound/released (enable or mask a
 * mailbox channel, say). ->attach() failing fails the bind.
 */
struct zc_mbox_ops {
	const char *name;
	unsigned int caps;
#define ZC_MBOX_CAP_SW_REMOTE	BIT(0)	/* remote role is a local opener */
	void (*ring)(struct zc_link *link, u32 from);
	int (*attach)(struct zc_link *link, u32 role);
	void (*detach)(struct zc_link *link, u32 role);
};

extern const struct zc_mbox_ops zc_mbox_sw_ops;

/*
 * One open file of /dev/zcN.
 *
 * Each file has its own address_space (file->f_mapping), so its VMAs, and
 * only its, are found by unmap_mapping_range(&f->mapping, ...): evicting a
 * remote zaps that remote's mappings (its forks' too) and leaves the
 * host's alone. Every PTE of the pool is installed by zc_vm_fault() under
 * fault_sem (read); eviction sets @evicted under fault_sem (write), so once
 * it has zapped, no fault can put a pool page back.
 */
struct zc_file {
	struct zc_link *link;
	u32 role;			/* ZC_ROLE_*, set once under bind_mutex */
	bool evicted;			/* set once, under bind_mutex and fault_sem */
	struct page *scratch;		/* what an evicted file's faults map */
	struct rw_semaphore fault_sem;
	struct address_space mapping;

	/* Peer tracking, under link->lock. */
	u32 peer_state;			/* ZC_PEER_* */
	u32 peer_events;
	u32 peer_events_seen;

	struct eventfd_ctx *doorbell;	/* we signal it on a peer kick */
	struct eventfd_ctx *kick;	/* we watch it */
	wait_queue_entry_t kick_wait;
	poll_table kick_pt;
	wait_queue_head_t *kick_wqh;
	bool kick_armed;		/* under kick_wqh->lock: kicks count */
	atomic_t ring_hops;		/* kick pending for ring_work: relay hops */
	struct irq_work ring_work;	/* defers ->ring() out of the eventfd lock */

	atomic64_t kicks_sent;
	atomic64_t doorbells;
};

struct zc_link {
	u32 id;
	char name[16];
	struct miscdevice misc;
	const struct zc_mbox_ops *ops;
	struct zc_region *khost;	/* set: the kernel is this link's host */

	/* The pool: contiguous pages when possible, else vmalloc. */
	void *pool;
	size_t pool_size;
	u32 slot_size;
	bool contig;
	phys_addr_t phys_base;

	struct mutex bind_mutex;	/* serialises bind and unbind */
	spinlock_t lock;		/* end[], peer fields of zc_file */
	struct zc_file *end[ZC_NR_ROLES];
	wait_queue_head_t poll_wq;	/* peer attach/detach */

	atomic64_t kicks[ZC_NR_ROLES];		/* kicks made by role */
	atomic64_t doorbells[ZC_NR_ROLES];	/* doorbells delivered to role */
	atomic64_t kicks_dropped;		/* kicked with no peer bound */
	atomic64_t loops;			/* kick caused by our own signal */
	atomic64_t mmaps;
	atomic_t mappings;			/* live VMAs */
	atomic64_t errors;			/* failed ioctl/mmap calls */
	atomic64_t evictions;			/* remotes evicted (ZC_IOC_EVICT) */
};

static inline u32 zc_peer_role(u32 role)
{
	return role == ZC_ROLE_HOST ? ZC_ROLE_REMOTE : ZC_ROLE_HOST;
}

void zc_link_doorbell(struct zc_link *link, u32 to);
void zc_pool_clear(struct zc_link *link);

/* zc_rpmsg.c: the kernel as host, with /dev/zcN-rpmsgM endpoints. */
int zc_khost_create(struct zc_link *link, unsigned int nr_ept,
		    const char *names);
void zc_khost_destroy(struct zc_link *link);
void zc_khost_accept(struct zc_region *kh);
void zc_khost_peer_lost(struct zc_region *kh);
void zc_khost_doorbell(struct zc_region *kh);

#endif /* _ZC_INTERNAL_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * zc_kmod.h - userspace ABI of the zc.ko driver (/dev/zcN).
 *
 * Every structure uses fixed-width types with explicit padding, so 32- and
 * 64-bit callers see the same layout. The ioctl number encodes the size of
 * its argument, so a changed structure is a new ioctl; fields named
 * __reserved / __pad must be zero on input and are zero on output. Any new
 * semantics come with a bump of ZC_KMOD_ABI_VERSION, reported by
 * ZC_IOC_GET_INFO.
 */
#ifndef _UAPI_ZC_KMOD_H
#define _UAPI_ZC_KMOD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ZC_KMOD_ABI_VERSION	1

#define ZC_KMOD_DEV_PREFIX	"/dev/zc"

/* Roles an opener can bind to on one link. */
#define ZC_ROLE_NONE		0
#define ZC_ROLE_HOST		1
#define ZC_ROLE_REMOTE		2

/* zc_kmod_info.flags */
#define ZC_INFO_F_CONTIG	(1U << 0) /* pool is physically contiguous */
#define ZC_INFO_F_PHYS_VALID	(1U << 1) /* phys_base is filled in */
#define ZC_INFO_F_SW_MAILBOX	(1U << 2) /* remote role is a second opener */
#define ZC_INFO_F_KERNEL_HOST	(1U << 3) /* the kernel is the host (rpmsg_link) */
#define ZC_INFO_F_EVICT		(1U << 4) /* ZC_IOC_EVICT is supported */

/* zc_kmod_info.roles_bound: one bit per role, (1 << ZC_ROLE_x) */

struct zc_kmod_info {
	__u32 abi_version;	/* ZC_KMOD_ABI_VERSION */
	__u32 link_id;		/* N of /dev/zcN */
	__u64 pool_size;	/* bytes; a multiple of page_size */
	__u64 phys_base;	/* pool's physical base, CAP_SYS_ADMIN only */
	__u32 slot_size;	/* bytes; a power of two */
	__u32 nr_slots;		/* pool_size / slot_size */
	__u32 page_size;	/* mmap granularity */
	__u32 flags;		/* ZC_INFO_F_* */
	__u32 roles_bound;	/* (1 << ZC_ROLE_HOST) | (1 << ZC_ROLE_REMOTE) */
	__u32 __pad;
	__u64 __reserved[4];
};

/*
 * zc_kmod_bind.flags: ZC_BIND_F_CLEAR (host only) zeroes the whole pool
 * before the host role becomes visible to a remote, so a remote that sees
 * the host bound never reads a previous session's contents.
 */
#define ZC_BIND_F_CLEAR		(1U << 0)

struct zc_kmod_bind {
	__u32 role;		/* ZC_ROLE_HOST or ZC_ROLE_REMOTE */
	__u32 flags;		/* ZC_BIND_F_*; unknown bits: -EINVAL */
	__s32 doorbell_fd;	/* eventfd the driver signals on a peer kick */
	__s32 kick_fd;		/* eventfd the caller writes to kick the peer */
	__u64 __reserved[2];
};

/* zc_kmod_peer.state */
#define ZC_PEER_NONE		0 /* no peer has attached since our bind */
#define ZC_PEER_UP		1 /* the peer role is bound */
#define ZC_PEER_LOST		2 /* the peer was bound and has gone */

struct zc_kmod_peer {
	__u32 role;		/* caller's role */
	__u32 state;		/* ZC_PEER_* */
	__u32 events;		/* peer attach/detach events since our bind */
	__u32 __pad;
	__u64 kicks_sent;	/* kicks the caller made */
	__u64 doorbells;	/* doorbells delivered to the caller */
	__u64 __reserved[2];
};

/*
 * zc_kmod_evict.flags: ZC_EVICT_F_IF_EVENTS evicts only if the caller's
 * peer event count (zc_kmod_peer.events) is still @events, i.e. the remote
 * is the one the caller saw attach, not a newcomer that bound since the
 * one it means left (-ESTALE, nothing evicted).
 */
#define ZC_EVICT_F_IF_EVENTS	(1U << 0)

struct zc_kmod_evict {
	__u32 flags;		/* ZC_EVICT_F_*; unknown bits: -EINVAL */
	__u32 events;		/* with ZC_EVICT_F_IF_EVENTS */
	__u64 __reserved[2];
};

#define ZC_IOC_MAGIC		0xC7

/* Geometry, ABI version and (for CAP_SYS_ADMIN) the pool's physical base. */
#define ZC_IOC_GET_INFO		_IOR(ZC_IOC_MAGIC, 0x00, struct zc_kmod_info)
/* Claim a role and attach the two doorbell eventfds; once per open file. */
#define ZC_IOC_BIND		_IOW(ZC_IOC_MAGIC, 0x01, struct zc_kmod_bind)
/* Peer state; also acknowledges the peer events that raise EPOLLPRI. */
#define ZC_IOC_PEER_STATE	_IOR(ZC_IOC_MAGIC, 0x02, struct zc_kmod_peer)
/*
 * Host only: take the role away from the bound remote. Its mappings of the
 * pool are zapped (a later access maps one private scratch page, or gets
 * SIGBUS if none could be allocated), its kicks are no longer forwarded,
 * its file polls EPOLLHUP | EPOLLERR and its ioctls and mmap fail with
 * EPIPE. The role is free for the next remote at once; the host sees the
 * remote go (ZC_PEER_LOST, one peer event), as if it had closed.
 * Errors: EBADF (read-only open), ENOTCONN (not bound), EPERM (not the
 * host), ENOENT (no remote bound), ESTALE (see ZC_EVICT_F_IF_EVENTS). So that nothing outlives the zap, a
 * remote's mapping cannot be pinned (it is VM_IO: io_uring fixed buffers
 * and O_DIRECT on it fail with EFAULT); the host's can.
 */
#define ZC_IOC_EVICT		_IOW(ZC_IOC_MAGIC, 0x03, struct zc_kmod_evict)

#endif /* _UAPI_ZC_KMOD_H */

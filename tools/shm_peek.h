/* SPDX-License-Identifier: MIT */
/*
 * tools/shm_peek.h - find a live shm region's memory without attaching to
 * it, so "zc info NAME" can look at a region whose two sides are busy.
 *
 * The host of region NAME listens on the abstract socket "@zc.NAME"
 * (/proc/net/unix names its inode); the process holding that socket holds
 * the region's memfd ("/memfd:NAME") or hugetlbfs file ("zc.NAME.*"), which
 * /proc/PID/fd/N reopens read-only. Needs the rights to read that process's
 * fds (same user, or root).
 */
#ifndef ZC_TOOLS_SHM_PEEK_H
#define ZC_TOOLS_SHM_PEEK_H

#include <sys/types.h>

/* A read-only fd on region @name's memory, or a negative errno. */
int shm_peek_open(const char *name, pid_t *host_pid);

#endif /* ZC_TOOLS_SHM_PEEK_H */

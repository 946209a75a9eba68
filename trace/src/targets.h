/* SPDX-License-Identifier: MIT */
/* targets.h - what zc-trace attaches to: processes and ELF objects. */
#ifndef ZT_TARGETS_H
#define ZT_TARGETS_H

#include <stddef.h>
#include <sys/types.h>

/* An ELF object to attach to, for one process (pid) or all (-1). */
struct zt_object {
	char *path;
	pid_t pid;
	unsigned int probes;	/* 1 << ZT_P_x for each zc probe it has */
};

struct zt_objects {
	struct zt_object *v;
	size_t n, cap;
};

/*
 * Add every executable object mapped by @pid that carries zc probes (its
 * executable, libzc.so, ...). Returns how many were added, 0 if the
 * process has none, -ESRCH if it does not exist, or another negative errno.
 */
int zt_add_pid_objects(struct zt_objects *o, pid_t pid);

/*
 * Add @path for every process (system-wide). Returns 1, 0 if it has no zc
 * probes, or a negative errno (-ENOENT: no such file, -ENOEXEC: not ELF).
 */
int zt_add_path_object(struct zt_objects *o, const char *path);

void zt_objects_free(struct zt_objects *o);

/*
 * Find the libzc.so the dynamic linker would load (or, run from a build
 * tree, the one built beside zc-trace), into @buf. Returns 0 or
 * -ENOENT.
 */
int zt_find_libzc(char *buf, size_t len);

/* A pidfd for @pid (readable once it exits), or a negative errno. */
int zt_pidfd_open(pid_t pid);

#endif

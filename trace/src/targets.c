// SPDX-License-Identifier: MIT
/*
 * targets.c - find the ELF objects to attach to.
 *
 * The data-path probes live in static inline functions (dataplane.h), so
 * they are compiled into whatever includes the header: the application,
 * a benchmark, libzc.so for its zc_write()/zc_read() paths. Tracing one
 * process therefore means every mapped object with zc notes, not just
 * libzc.so.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "elf_probes.h"
#include "targets.h"

static int push(struct zt_objects *o, const char *path, pid_t pid,
		unsigned int probes)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].pid == pid && strcmp(o->v[i].path, path) == 0)
			return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 8;
		struct zt_object *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].path = strdup(path);
	if (!o->v[o->n].path)
		return -ENOMEM;
	o->v[o->n].pid = pid;
	o->v[o->n].probes = probes;
	o->n++;
	return 1;
}

static int same_file(const char *path, unsigned long ino)
{
	struct stat st;

	return stat(path, &st) == 0 && (unsigned long)st.st_ino == ino;
}

/*
 * A path, valid in our mount namespace, to the file @pid maps at @range
 * with inode @ino and names @path. /proc/PID/maps prints paths relative to
 * the reader's root where it can, so the path is tried as it is first;
 * a process in another mount namespace (a container) names its own files,
 * reached through /proc/PID/root; map_files always reaches the mapping
 * itself but makes a poor name to show, so it comes last.
 */
static int resolve(pid_t pid, const char *range, unsigned long ino,
		   const char *path, char *out, size_t len)
{
	if (same_file(path, ino)) {
		snprintf(out, len, "%s", path);
		return 0;
	}
	snprintf(out, len, "/proc/%d/root%s", (int)pid, path);
	if (same_file(out, ino))
		return 0;
	snprintf(out, len, "/proc/%d/map_files/%s", (int)pid, range);
	return same_file(out, ino) ? 0 : -ENOENT;
}

int zt_add_pid_objects(struct zt_objects *o, pid_t pid)
{
	char maps[64], line[PATH_MAX + 128], full[PATH_MAX + 64];
	int added = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		char range[64], perms[8], *path, *nl;
		unsigned long ino;
		unsigned int mask;
		int rc;

		/* start-end perms offset dev inode path */
		if (sscanf(line, "%63s %7s %*s %*s %lu", range, perms, &ino) != 3 ||
		    !strchr(perms, 'x') || ino == 0)
			continue;
		path = strchr(line, '/');
		if (!path)
			continue;	/* [vdso], anonymous */
		nl = strchr(path, '\n');
		if (nl)
			*nl = 0;
		if (strstr(path, " (deleted)"))
			continue;	/* replaced on disk: nothing to attach by path */
		if (resolve(pid, range, ino, path, full, sizeof(full)))
			continue;
		if (zt_elf_probes(full, &mask) < 0 || !mask)
			continue;
		rc = push(o, full, pid, mask);
		if (rc < 0) {
			fclose(f);
			return rc;
		}
		added += rc;
	}
	fclose(f);
	return added;
}

int zt_add_path_object(struct zt_objects *o, const char *path)
{
	char real[PATH_MAX];
	unsigned int mask;
	int rc;

	/* uprobes attach to the inode: resolve symlinks like libzc.so.0. */
	if (!realpath(path, real))
		return -errno;
	rc = zt_elf_probes(real, &mask);
	if (rc < 0)
		return rc;
	if (!mask)
		return 0;
	return push(o, real, -1, mask);
}

void zt_objects_free(struct zt_objects *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].path);
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
}

/* Run from a meson build tree: trace/zc-trace beside libzc/libzc.so.0. */
static int build_tree_libzc(char *buf, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -ENOENT;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	if ((size_t)snprintf(buf, len, "%s/../libzc/libzc.so.0", self) >= len ||
	    access(buf, R_OK) != 0)
		return -ENOENT;
	return 0;
}

int zt_find_libzc(char *buf, size_t len)
{
	static const char *const names[] = { "libzc.so.0", "libzc.so" };
	struct link_map *lm;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* RTLD_LAZY: only the path is wanted, nothing of it is called. */
		void *h = dlopen(names[i], RTLD_LAZY | RTLD_LOCAL);
		int found = 0;

		if (!h)
			continue;
		if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name &&
		    lm->l_name[0] && strlen(lm->l_name) < len) {
			strcpy(buf, lm->l_name);
			found = 1;
		}
		dlclose(h);
		if (found)
			return 0;
	}
	return build_tree_libzc(buf, len);
}

int zt_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : (int)fd;
#else
	(void)pid;
	return -ENOSYS;
#endif
}

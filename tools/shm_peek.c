/* SPDX-License-Identifier: MIT */
/* tools/shm_peek.c - a live shm region's memory, found via /proc (shm_peek.h). */
#include "shm_peek.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INODES 16

/* Inodes of every UNIX socket bound to "@zc.NAME". */
static int socket_inodes(const char *name, unsigned long *ino, int cap)
{
	char line[512], want[300];
	FILE *f = fopen("/proc/net/unix", "r");
	int n = 0;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "@zc.%s", name);
	while (fgets(line, sizeof(line), f) && n < cap) {
		unsigned long inode;
		char path[300];

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %299s", &inode,
			   path) == 2 && !strcmp(path, want))
			ino[n++] = inode;
	}
	fclose(f);
	return n;
}

static int link_of(const char *dir, const char *ent, char *out, size_t cap)
{
	char path[600];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, ent);
	n = readlink(path, out, cap - 1);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Is the fd link @l the memory of region @name? */
static int is_region_memory(const char *l, const char *name)
{
	size_t n = strlen(name);
	const char *base;

	if (!strncmp(l, "/memfd:", 7) && !strncmp(l + 7, name, n) &&
	    (l[7 + n] == '\0' || l[7 + n] == ' '))
		return 1;
	base = strrchr(l, '/');
	return base && !strncmp(base + 1, "zc.", 3) &&
	       !strncmp(base + 4, name, n) && base[4 + n] == '.';
}

/* In process @pid: holds one of @ino? Then open its region memory. */
static int open_in(const char *pid, const char *name, const unsigned long *ino,
		   int nino)
{
	char dir[300], l[600], want[64];
	struct dirent *e;
	DIR *d;
	int i, holds = 0, fd = -ENOENT;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!holds && (e = readdir(d))) {
		if (link_of(dir, e->d_name, l, sizeof(l)) < 0)
			continue;
		for (i = 0; i < nino; i++) {
			snprintf(want, sizeof(want), "socket:[%lu]", ino[i]);
			if (!strcmp(l, want))
				holds = 1;
		}
	}
	if (holds) {
		rewinddir(d);
		while ((e = readdir(d))) {
			if (link_of(dir, e->d_name, l, sizeof(l)) < 0 ||
			    !is_region_memory(l, name))
				continue;
			snprintf(l, sizeof(l), "%s/%s", dir, e->d_name);
			fd = open(l, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
			break;
		}
	}
	closedir(d);
	return holds ? fd : -ESRCH;
}

int shm_peek_open(const char *name, pid_t *host_pid)
{
	unsigned long ino[MAX_INODES];
	struct dirent *e;
	DIR *proc;
	int nino, fd = -ENOENT;

	nino = socket_inodes(name, ino, MAX_INODES);
	if (nino <= 0)
		return nino < 0 ? nino : -ENOENT;
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((e = readdir(proc))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		fd = open_in(e->d_name, name, ino, nino);
		if (fd == -ESRCH || fd == -EACCES || fd == -ENOENT) {
			/* Not this process (or not ours to look at): go on. */
			if (fd != -ENOENT)
				fd = -ENOENT;
			continue;
		}
		if (fd >= 0)
			*host_pid = (pid_t)atoi(e->d_name);
		break;
	}
	closedir(proc);
	return fd;
}

/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_trace.c - "zc trace ...": hands over to zc-trace (trace/), found
 * next to this binary in the build tree (../trace/zc-trace), beside it
 * once installed, or on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"

static int exec_if_there(const char *path, char **argv)
{
	if (access(path, X_OK) != 0)
		return -errno;
	argv[0] = (char *)path;
	execv(path, argv);
	return -errno;
}

int cmd_trace(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	(void)argc;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../trace/zc-trace", self);
			exec_if_there(path, argv);
			snprintf(path, sizeof(path), "%s/zc-trace", self);
			exec_if_there(path, argv);
		}
	}
	argv[0] = "zc-trace";
	execvp("zc-trace", argv);
	zc_errorf("zc-trace is not built or installed (it needs libbpf-dev, bpftool and clang; see docs/trace.md)");
	return 1;
}

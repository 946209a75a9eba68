/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_trace.c - "zc trace ...": hands over to zc-trace (trace/), found
 * next to this binary in the build tree (../trace/zc-trace), beside it
 * once installed, or on PATH. Without it, "zc trace --help" still answers
 * (exit 0), saying the tracer is not built; anything else is an error.
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

#define NOT_BUILT "zc-trace is not built or installed (it needs libbpf-dev, bpftool and clang; see docs/trace.md)"

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	char *slash;

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
	if (wants_help(argc, argv)) {
		printf("usage: zc trace [zc-trace options]\n"
		       "Run zc-trace with these arguments: live per-channel rates and, with -H,\n"
		       "latency histograms from libzc's USDT probes and zc.ko's tracepoints.\n"
		       "\n"
		       "%s: %s.\n", zc_cmd, NOT_BUILT);
		return 0;
	}
	zc_errorf(NOT_BUILT);
	return 1;
}

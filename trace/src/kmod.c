// SPDX-License-Identifier: MIT
/*
 * kmod.c - find zc.ko's tracepoints and check their record layout.
 *
 * The BPF side reads the records with a struct written after
 * kmod/zc_trace.h. A driver whose TRACE_EVENT fields moved would be read
 * wrongly and silently, so the offsets are checked against the format files
 * the kernel publishes, and a mismatch turns kernel tracing off with a
 * message instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kmod.h"

static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

struct field_want {
	const char *event, *field;
	int offset;
};

/* Must agree with struct zt_tp_* in bpf/zc_trace.bpf.c. */
static const struct field_want wanted[] = {
	{ "zc_kick", "link", 8 },	{ "zc_kick", "from", 12 },
	{ "zc_doorbell", "link", 8 },	{ "zc_doorbell", "to", 12 },
	{ "zc_doorbell", "delivered", 16 },
	{ "zc_bind", "link", 8 },	{ "zc_bind", "role", 12 },
	{ "zc_unbind", "link", 8 },	{ "zc_unbind", "role", 12 },
	{ "zc_mmap", "link", 8 },
};

static const char *events_dir(void)
{
	static char buf[128];
	size_t i;

	for (i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		snprintf(buf, sizeof(buf), "%s/events", tracefs_dirs[i]);
		if (access(buf, F_OK) == 0)
			return buf;
	}
	return NULL;
}

/* Offset of @field in @event's record, or -1. */
static int field_offset(const char *dir, const char *event, const char *field)
{
	char path[256], line[256], want[64];
	int off = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/zc/%s/format", dir, event);
	f = fopen(path, "re");
	if (!f)
		return -1;
	/* "\tfield:u32 link;\toffset:8;\tsize:4;\tsigned:0;" */
	snprintf(want, sizeof(want), " %s;", field);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want), *o;

		if (!p || !strstr(line, "field:"))
			continue;
		o = strstr(p, "offset:");
		if (o && sscanf(o, "offset:%d;", &off) == 1)
			break;
	}
	fclose(f);
	return off;
}

int zt_kmod_usable(char *why, size_t len)
{
	const char *dir;
	size_t i;

	if (access("/sys/module/zc", F_OK) != 0) {
		snprintf(why, len, "zc.ko is not loaded: kernel tracepoints not traced");
		return 0;
	}
	dir = events_dir();
	if (!dir) {
		if (mount("tracefs", tracefs_dirs[0], "tracefs", 0, NULL) != 0) {
			snprintf(why, len, "zc.ko is loaded but tracefs is not mounted and mounting it on %s failed (%s): kernel tracepoints not traced",
				 tracefs_dirs[0], strerror(errno));
			return 0;
		}
		dir = events_dir();
		if (!dir) {
			snprintf(why, len, "tracefs has no events directory: kernel tracepoints not traced");
			return 0;
		}
	}
	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		int off = field_offset(dir, wanted[i].event, wanted[i].field);

		if (off == wanted[i].offset)
			continue;
		if (off < 0)
			snprintf(why, len, "zc.ko has no tracepoint zc:%s with field %s (an older driver?): kernel tracepoints not traced",
				 wanted[i].event, wanted[i].field);
		else
			snprintf(why, len, "zc.ko's tracepoint zc:%s has field %s at offset %d, zc-trace expects %d: rebuild zc-trace with the driver; kernel tracepoints not traced",
				 wanted[i].event, wanted[i].field, off,
				 wanted[i].offset);
		return 0;
	}
	return 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_info.c - "zc info TARGET": geometry, sides, channels and ring
 * occupancy of a live region (attached briefly as the remote side) or of a
 * region file (a snapshot taken with --save).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zc/zc.h>

#include "args.h"
#include "commands.h"
#include "region_dump.h"
#include "shm_peek.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: zc info TARGET [options]\n"
"Show the geometry, the per-side state and counters, the channel table and\n"
"the ring occupancy of a region. TARGET is the path of a region file, or a\n"
"URI: a live shm region (NAME, shm:NAME) is read through its host's memory\n"
"without attaching (needs the rights to read the host's /proc/PID/fd);\n"
"otherwise (kmod:/dev/zcN, or no such rights) zc info attaches briefly as\n"
"the remote side, so the region must not have a remote already.\n"
"\n"
"  --save FILE       also write a copy of the live region to FILE\n"
"  --attach          attach as the remote side even when the memory is readable\n"
"  --timeout SEC     wait this long for the region's host (2)\n");
}

struct file_ctx {
	int fd;
};

static int file_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct file_ctx *fc = ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fc->fd, (char *)buf + got, len - got,
				  (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EMSGSIZE;	/* shrank under us */
		got += (size_t)n;
	}
	return 0;
}

struct mem_ctx {
	const uint8_t *base;
	uint64_t size;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem_ctx *mc = ctx;

	if (off > mc->size || len > mc->size - off)
		return -EMSGSIZE;
	memcpy(buf, mc->base + off, len);
	return 0;
}

static void explain(const char *what, int rc, uint64_t size)
{
	if (rc > 0) {
		zc_errorf("'%s' has %d corrupt field%s (marked 'corrupt' above)",
			  what, rc, rc == 1 ? "" : "s");
		return;
	}
	switch (rc) {
	case -EMSGSIZE:
		if (size < ZC_SB_SIZE) {
			zc_errorf("'%s' is too short to be a zc region: %" PRIu64
				  " bytes, less than a %u-byte superblock",
				  what, size, ZC_SB_SIZE);
			break;
		}
		zc_errorf("'%s' is truncated: %" PRIu64
			  " bytes is less than its superblock describes", what, size);
		break;
	case -EPROTO:
		zc_errorf("'%s' is not a zc region, or its geometry is corrupt", what);
		break;
	case -EBADMSG:
		zc_errorf("'%s' is a zc region of another version or with unknown required features",
			  what);
		break;
	default:
		zc_errorf("cannot read '%s': %s", what, zc_strerror(rc));
	}
}

static int is_uri(const char *t)
{
	struct stat st;

	if (!strncmp(t, "shm:", 4) || !strncmp(t, "kmod:", 5))
		return 1;
	/* A bare name is a URI unless it names a file. */
	return !strchr(t, '/') && stat(t, &st) != 0;
}

static int save_fd(const char *file, const struct region_src *src,
		   uint64_t size);

/* Dump the region in @fd (a file, or a live region's memory). */
static int info_fd(int fd, const char *what, const char *save_to)
{
	struct zc_superblock sb;
	struct zc_geom g;
	struct file_ctx fc = { .fd = fd };
	struct region_src src = { .read = file_read, .ctx = &fc, .what = what };
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		zc_errorf("'%s' is not a region file (use a URI such as kmod:/dev/zc0 for devices)",
			  what);
		return 1;
	}
	src.size = (uint64_t)st.st_size;
	rc = region_load_geom(&src, &g, &sb);
	if (rc == 0)
		rc = region_dump(stdout, &src, &g, &sb);
	if (rc >= 0 && save_to && save_fd(save_to, &src, g.region_size) < 0)
		return 1;
	if (rc != 0)
		explain(what, rc, src.size);
	return rc != 0 ? 1 : 0;
}

static int info_file(const char *path)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		zc_errorf("cannot open '%s': %s", path, strerror(errno));
		return 1;
	}
	rc = info_fd(fd, path, NULL);
	close(fd);
	return rc;
}

/* A live shm region, read through its host's memfd: nobody is disturbed. */
static int info_peek(const char *uri, const char *save_to, int *found)
{
	const char *name = strncmp(uri, "shm:", 4) ? uri : uri + 4;
	pid_t pid = 0;
	int fd, rc;

	fd = shm_peek_open(name, &pid);
	*found = fd >= 0;
	if (fd < 0)
		return 1;
	printf("backend     shm, host pid %d (read from its memory, not attached)\n",
	       (int)pid);
	rc = info_fd(fd, uri, save_to);
	close(fd);
	return rc;
}

/* Copy the first @size bytes of @src to @file. */
static int save_fd(const char *file, const struct region_src *src,
		   uint64_t size)
{
	static char chunk[1 << 16];
	FILE *f = fopen(file, "wb");
	uint64_t off;
	int rc = 0;

	for (off = 0; f && rc == 0 && off < size; off += sizeof(chunk)) {
		size_t n = size - off < sizeof(chunk) ? (size_t)(size - off) :
			   sizeof(chunk);

		rc = src->read(src->ctx, off, chunk, n);
		if (rc == 0 && fwrite(chunk, 1, n, f) != n)
			rc = -errno;
	}
	if (!f || rc < 0 || fclose(f)) {
		zc_errorf("cannot write '%s': %s", file,
			  rc < 0 ? strerror(-rc) : strerror(errno));
		if (f && rc < 0)
			fclose(f);
		return -1;
	}
	return 0;
}

static int info_live(const char *uri, int timeout_ms, const char *save_to)
{
	struct zc_superblock sb;
	struct zc_geom g;
	struct mem_ctx mc;
	struct region_src src = { .read = mem_read, .ctx = &mc, .what = uri };
	zc_region *r;
	int rc;

	rc = zc_attach(uri, timeout_ms, &r);
	if (rc < 0) {
		zc_errorf("cannot attach to '%s': %s", uri, zc_strerror(rc));
		return 1;
	}
	/* Our validated geometry bounds what we read of the live mapping. */
	mc.base = zc_base(r);
	mc.size = zc_geometry(r)->region_size;
	src.size = mc.size;
	rc = region_load_geom(&src, &g, &sb);
	if (rc == 0) {
		printf("backend     %s\n", zc_backend_name(r));
		rc = region_dump(stdout, &src, &g, &sb);
	}
	if (rc >= 0 && save_to && save_fd(save_to, &src, mc.size) < 0)
		rc = -EIO;
	else if (rc != 0)
		explain(uri, rc, src.size);
	zc_close(r);
	return rc != 0 ? 1 : 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "save", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *save_to = NULL;
	double timeout = 2;
	int c, attach = 0;

	while ((c = getopt_long(argc, argv, ":s:t:ah", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			save_to = optarg;
			break;
		case 't':
			if (parse_seconds("--timeout", optarg, 0, 86400, &timeout) < 0)
				return 2;
			break;
		case 'a':
			attach = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			option_error(c, argv);
			return 2;
		}
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			zc_errorf("needs a region URI or file (try 'zc info --help')");
		else
			zc_errorf("takes one region URI or file, not also '%s'",
				  argv[argc - 1]);
		return 2;
	}
	if (!is_uri(argv[optind])) {
		if (save_to) {
			zc_errorf("--save copies a live region; '%s' is a file already",
				  argv[optind]);
			return 2;
		}
		return info_file(argv[optind]);
	}
	if (!attach && strncmp(argv[optind], "kmod:", 5)) {
		int found, rc = info_peek(argv[optind], save_to, &found);

		if (found)
			return rc;
	}
	return info_live(argv[optind], (int)(timeout * 1000), save_to);
}

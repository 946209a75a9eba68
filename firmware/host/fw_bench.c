// SPDX-License-Identifier: MIT
/*
 * zc-fw-bench - what the emulated remote core costs, measured from the host:
 *   zc-fw-bench echo   [--busy | --sleep] [--size B] [--count N] [--fw DIR]
 *       round trips of one B-byte frame through the echo firmware
 *       (zero-copy both ways), both sides busy-polling or both sleeping
 *       on their doorbells; prints the percentiles.
 *   zc-fw-bench source [--size B] [--count N] [--verify] [--fw DIR]
 *       the source firmware unpaced: frames/s and MB/s the host takes in
 *       place (checking each frame's sequence, and its CRC with --verify).
 * The firmware binaries are found beside this program unless --fw says.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zc/zc.h>
#include "zc_fw_proto.h"

extern char **environ;

struct bench {
	const char *mode;	/* "--busy", "--sleep" or NULL (spin then sleep) */
	uint32_t size, count;
	int verify;
	char dir[PATH_MAX];
	zc_region *r;
	zc_channel *mgmt;
	pid_t pid;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "zc-fw-bench: %s: %s\n", what, zc_strerror(err));
	exit(1);
}

static void start(struct bench *b, const char *app, uint32_t slot)
{
	char exe[PATH_MAX + 16], uri[64];
	char *argv[5];
	struct zc_params p;
	int rc, n = 0;

	snprintf(exe, sizeof(exe), "%s/zc-fw-%s", b->dir, app);
	snprintf(uri, sizeof(uri), "fwbench.%d", (int)getpid());
	zc_params_default(&p);
	p.slot_size = slot;
	p.slots = 64;
	p.channels = 8;
	rc = zc_create(uri, &p, &b->r);
	if (rc)
		die("cannot create the region", rc);
	argv[n++] = exe;
	argv[n++] = (char *)"--quiet";
	if (b->mode)
		argv[n++] = (char *)b->mode;
	argv[n++] = uri;
	argv[n] = NULL;
	rc = posix_spawn(&b->pid, exe, NULL, NULL, argv, environ);
	if (rc) {
		fprintf(stderr, "zc-fw-bench: cannot start %s: %s\n", exe, strerror(rc));
		exit(1);
	}
	if (b->mode && !strcmp(b->mode, "--busy"))
		zc_set_wait_mode(b->r, ZC_WAIT_BUSY, 0);
	else if (b->mode && !strcmp(b->mode, "--sleep"))
		zc_set_wait_mode(b->r, ZC_WAIT_SLEEP, 0);
	rc = zc_wait_peer(b->r, 10000);
	if (!rc)
		rc = zc_channel_open(b->r, ZC_FW_MGMT_NAME, 0x10, 10000, &b->mgmt);
	if (rc)
		die("the firmware did not come up", rc);
}

static zc_channel *open_ch(struct bench *b, const char *name)
{
	zc_channel *ch;
	int rc = zc_channel_open(b->r, name, 0x20, 10000, &ch);

	if (rc)
		die(name, rc);
	return ch;
}

static void stop(struct bench *b)
{
	struct zc_fw_req q = { .cmd = ZC_FW_CMD_STOP };
	int st;

	zc_write(b->mgmt, &q, sizeof(q), 5000);
	zc_read(b->mgmt, &q, sizeof(q), 5000);
	waitpid(b->pid, &st, 0);
	zc_close(b->r);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench_echo(struct bench *b)
{
	double *rtt = calloc(b->count, sizeof(*rtt)), sum = 0;
	zc_channel *ch;
	struct zc_buf buf;

	if (!rtt)
		return 1;
	start(b, "echo", 4096);
	ch = open_ch(b, ZC_ECHO_NAME);
	for (uint32_t i = 0; i < b->count + 1000; i++) {
		double t0 = now_s();
		int rc = zc_reserve(ch, &buf, 5000);

		if (rc)
			die("reserve", rc);
		memset(buf.data, (int)i, b->size);
		buf.len = b->size;
		zc_send(ch, &buf);
		rc = zc_recv(ch, &buf, 5000);
		if (rc)
			die("echo", rc);
		if (buf.len != b->size || ((uint8_t *)buf.data)[0] != (uint8_t)i)
			die("echo came back wrong", -EBADMSG);
		zc_release(ch, &buf);
		if (i >= 1000)	/* the first thousand warm caches and branch predictors */
			rtt[i - 1000] = now_s() - t0;
	}
	stop(b);
	for (uint32_t i = 0; i < b->count; i++)
		sum += rtt[i];
	qsort(rtt, b->count, sizeof(*rtt), cmp_double);
	printf("echo %s, %u-byte frames, %u round trips: mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       b->mode ? b->mode + 2 : "spin-then-sleep", b->size, b->count,
	       sum / b->count * 1e6, rtt[b->count / 2] * 1e6,
	       rtt[(uint64_t)b->count * 99 / 100] * 1e6, rtt[b->count - 1] * 1e6);
	free(rtt);
	return 0;
}

static int bench_source(struct bench *b)
{
	struct zc_src_start req = { .cmd = ZC_SRC_CMD_START, .size = b->size,
				    .rate = 0, .count = b->count };
	struct zc_src_status st;
	zc_channel *ctl, *data;
	uint32_t slot = 256;
	uint64_t got = 0, bad = 0;
	double t0, el;

	while (slot - ZC_FRAME_HDR_SIZE < b->size)
		slot <<= 1;
	start(b, "source", slot);
	ctl = open_ch(b, ZC_SRC_CTL_NAME);
	data = open_ch(b, ZC_SRC_DATA_NAME);
	t0 = now_s();
	if (zc_write(ctl, &req, sizeof(req), 5000) != sizeof(req) ||
	    zc_read(ctl, &st, sizeof(st), 5000) != sizeof(st) || st.status) {
		fprintf(stderr, "zc-fw-bench: the source refused %u-byte frames\n", b->size);
		return 1;
	}
	while (got < b->count) {
		struct zc_buf f[32];
		int n = zc_recv_burst(data, f, 32);

		if (n < 0)
			die("source", n);
		if (n == 0) {
			n = zc_wait_rx(data, 5000);
			if (n)
				die("source stalled", n);
			continue;
		}
		for (int i = 0; i < n; i++, got++) {
			const struct zc_src_frame *h = f[i].data;

			bad += h->seq != got || f[i].len != b->size;
			if (b->verify)
				bad += h->crc != zc_crc32c(zc_crc32c(0, &h->seq, 8),
							   (const uint8_t *)f[i].data + sizeof(*h),
							   b->size - sizeof(*h));
		}
		zc_release_burst(data, f, (unsigned)n);
	}
	el = now_s() - t0;
	zc_read(ctl, &st, sizeof(st), 5000);	/* DONE */
	stop(b);
	printf("source, %u-byte frames, %u frames%s: %.0f frames/s, %.1f MB/s, %llu bad\n",
	       b->size, b->count, b->verify ? " (CRC checked on the host)" : "",
	       b->count / el, b->count * (double)b->size / el / 1e6,
	       (unsigned long long)bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct bench b = { .mode = NULL, .size = 64, .count = 20000 };
	ssize_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: zc-fw-bench echo|source [--busy|--sleep] "
			"[--size B] [--count N] [--verify] [--fw DIR]\n");
		return 2;
	}
	n = readlink("/proc/self/exe", b.dir, sizeof(b.dir) - 1);
	if (n > 0) {
		b.dir[n] = 0;
		*strrchr(b.dir, '/') = 0;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--busy") || !strcmp(argv[i], "--sleep"))
			b.mode = argv[i];
		else if (!strcmp(argv[i], "--verify"))
			b.verify = 1;
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			b.size = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			b.count = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--fw") && i + 1 < argc)
			snprintf(b.dir, sizeof(b.dir), "%s", argv[++i]);
		else {
			fprintf(stderr, "zc-fw-bench: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (b.count == 0 || b.size == 0 || b.size > 65536 - ZC_FRAME_HDR_SIZE) {
		fprintf(stderr, "zc-fw-bench: --count at least 1, --size 1 .. 65520\n");
		return 2;
	}
	if (!strcmp(argv[1], "echo")) {
		if (b.size > 4096 - ZC_FRAME_HDR_SIZE) {
			fprintf(stderr, "zc-fw-bench: echo frames are at most %u bytes\n",
				4096 - ZC_FRAME_HDR_SIZE);
			return 2;
		}
		return bench_echo(&b);
	}
	if (!strcmp(argv[1], "source")) {
		if (b.size < sizeof(struct zc_src_frame)) {
			fprintf(stderr, "zc-fw-bench: source frames are at least %zu bytes\n",
				sizeof(struct zc_src_frame));
			return 2;
		}
		return bench_source(&b);
	}
	fprintf(stderr, "zc-fw-bench: no benchmark called %s (echo, source)\n", argv[1]);
	return 2;
}

// SPDX-License-Identifier: MIT
/*
 * hal_linux.c - doorbells and time for the emulated remote core, over libzc.
 *
 * libzc maps the region and holds the connection to the host; the firmware
 * library does everything inside the region itself. The doorbell we sleep
 * on is libzc's eventfd for our side; a lost host shows up through
 * zc_peer_alive(), checked at least every WAIT_SLICE_MS while asleep.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zc/zc.h>
#include "hal_linux.h"

#define WAIT_SLICE_MS 100

struct zc_hal_linux {
	zc_region *r;
	const char *app;
};

int zc_hal_linux_open(const char *uri, int timeout_ms, const char *app,
		      struct zc_hal_linux **out)
{
	struct zc_hal_linux *h = calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	/* Like a core that boots before its host: wait for the region to appear. */
	for (int waited = 0;; waited += 20) {
		rc = zc_attach(uri, timeout_ms, &h->r);
		if (rc != -ENOENT || (timeout_ms >= 0 && waited >= timeout_ms))
			break;
		usleep(20000);
	}
	if (rc < 0) {
		fprintf(stderr, "zc-fw %s: cannot attach to region '%s': %s\n",
			app, uri, zc_strerror(rc));
		free(h);
		return rc;
	}
	h->app = app;
	*out = h;
	return 0;
}

void zc_hal_linux_close(struct zc_hal_linux *h)
{
	if (!h)
		return;
	zc_close(h->r);
	free(h);
}

void *zc_hal_linux_base(const struct zc_hal_linux *h)
{
	return zc_base(h->r);
}

zc_u64 zc_hal_linux_size(const struct zc_hal_linux *h)
{
	return zc_geometry(h->r)->region_size;
}

/*
 * The firmware library has already exchanged the host's need_wakeup word
 * (it only calls us when the host asked), so ring unconditionally.
 */
static void linux_kick(void *ctx)
{
	struct zc_hal_linux *h = ctx;

	zc_kick_peer(h->r);
}

static int linux_wait(void *ctx, zc_u32 timeout_us)
{
	struct zc_hal_linux *h = ctx;
	struct pollfd pfd = { .fd = zc_doorbell_fd(h->r), .events = POLLIN };
	uint64_t left_ms = timeout_us == ~0U ? UINT64_MAX :
			   (timeout_us + 999) / 1000;
	uint64_t v;

	for (;;) {
		int ms = left_ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : (int)left_ms;
		int n = poll(&pfd, 1, ms);

		if (n > 0) {
			/* Non-blocking eventfd: a racing drain just finds 0. */
			if (read(pfd.fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -ZC_EPIPE;
			return 0;
		}
		if (n < 0 && errno != EINTR)
			return -ZC_EPIPE;
		if (!zc_peer_alive(h->r))
			return -ZC_EPIPE;
		if (left_ms != UINT64_MAX) {
			if (left_ms <= (uint64_t)ms)
				return -ZC_FW_ETIMEDOUT;
			left_ms -= (uint64_t)ms;
		}
	}
}

static zc_u64 linux_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (zc_u64)ts.tv_sec * 1000000000ULL + (zc_u64)ts.tv_nsec;
}

static void linux_log(void *ctx, const char *line)
{
	struct zc_hal_linux *h = ctx;

	fprintf(stderr, "zc-fw %s: %s\n", h->app, line);
}

const struct zc_hal zc_hal_linux_ops = {
	.kick = linux_kick,
	.wait = linux_wait,
	.now_ns = linux_now_ns,
	.log = linux_log,
};

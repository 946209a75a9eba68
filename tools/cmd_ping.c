/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_ping.c - "zc ping URI": the host side for a remote core's echo
 * service. Creates the region, waits for the remote ("zc remote URI --mode
 * echo", or firmware), and times round trips one at a time, like ping(8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zc/zc.h>

#include "args.h"
#include "bench.h"
#include "commands.h"
#include "payload.h"
#include "proc.h"
#include "waiter.h"

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: zc ping URI [options]\n"
"Create region URI, wait for a remote core to attach and serve channel\n"
"'echo' (e.g. 'zc remote URI --mode echo'), then time round trips.\n"
"\n"
"  --size N          message size, up to 2 MiB less 16 B (64)\n"
"  --count N         round trips, 0 until interrupted (5)\n"
"  --interval S      pause between round trips (0.2)\n"
"  --wait MODE       busy, spin, sleep or uring (spin)\n"
"  --timeout SEC     wait this long for the remote core and each echo (10)\n");
}

struct ping_opts {
	const char *uri;
	uint64_t size, count;
	double interval, timeout;
	enum tool_wait wait;
};

static int parse_opts(int argc, char **argv, struct ping_opts *o)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct ping_opts){ .size = 64, .count = 5, .interval = 0.2,
				 .timeout = 10, .wait = TOOL_WAIT_SPIN };
	while ((c = getopt_long(argc, argv, ":s:c:i:w:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_size("--size", optarg, 0,
				       ZC_SLOT_MAX - ZC_FRAME_HDR_SIZE, &o->size) < 0)
				return -1;
			break;
		case 'c':
			if (parse_uint("--count", optarg, 0, UINT64_MAX, &o->count) < 0)
				return -1;
			break;
		case 'i':
			if (parse_seconds("--interval", optarg, 0, 3600, &o->interval) < 0)
				return -1;
			break;
		case 'w':
			if (parse_tool_wait("--wait", optarg, &o->wait) < 0)
				return -1;
			break;
		case 't':
			if (parse_seconds("--timeout", optarg, 0, 86400, &o->timeout) < 0)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			option_error(c, argv);
			return -1;
		}
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			zc_errorf("needs the region URI (try 'zc ping --help')");
		else
			zc_errorf("takes one region URI, not also '%s'",
				  argv[argc - 1]);
		return -1;
	}
	o->uri = argv[optind];
	return 0;
}

static int setup(const struct ping_opts *o, zc_region **r, zc_channel **ch,
		 struct waiter *w)
{
	struct zc_params p;
	int ms = (int)(o->timeout * 1000), rc;

	zc_params_default(&p);
	p.slot_size = ZC_SLOT_MIN;
	while (p.slot_size < o->size + ZC_FRAME_HDR_SIZE)
		p.slot_size <<= 1;
	p.slots = 8;
	p.channels = 2;
	rc = zc_create(o->uri, &p, r);
	if (rc < 0) {
		zc_errorf("cannot create region '%s': %s", o->uri, zc_strerror(rc));
		return rc;
	}
	rc = waiter_init(w, *r, o->wait);
	if (rc < 0) {
		zc_errorf("cannot set up waiting (%s): %s", tool_wait_name(o->wait),
			  zc_strerror(rc));
		zc_close(*r);
		return rc;
	}
	rc = zc_wait_peer(*r, ms);
	if (rc == -ETIMEDOUT)
		zc_errorf("no remote core attached to '%s' within %g s (start 'zc remote %s --mode echo')",
			  o->uri, o->timeout, o->uri);
	else if (rc < 0)
		zc_errorf("waiting for a remote core on '%s' failed: %s", o->uri,
			  zc_strerror(rc));
	if (rc == 0) {
		rc = zc_channel_create(*r, "echo", 1, ch);
		if (rc < 0)
			zc_errorf("cannot announce channel 'echo': %s",
				  zc_strerror(rc));
	}
	if (rc < 0) {
		waiter_fini(w);
		zc_close(*r);
	}
	return rc;
}

/* One round trip; 0, or a negative errno after printing why. */
static int one(const struct ping_opts *o, struct waiter *w, zc_channel *ch,
	       uint64_t seq, uint64_t *ns)
{
	struct zc_buf b;
	uint64_t t0 = 0;
	int rc, ok;

	rc = zc_reserve(ch, &b, (int)(o->timeout * 1000));
	if (rc == 0) {
		payload_fill(PAYLOAD_CRC, b.data, o->size, seq);
		b.len = (uint32_t)o->size;
		t0 = now_ns();
		rc = zc_send(ch, &b);
	}
	if (rc == 0)
		rc = waiter_recv(w, ch, &b, (int)(o->timeout * 1000));
	if (rc < 0) {
		if (rc == -ETIMEDOUT)
			zc_errorf("no echo of message %" PRIu64 " within %g s",
				  seq, o->timeout);
		else
			zc_errorf("round trip %" PRIu64 " failed: %s", seq,
				  zc_strerror(rc));
		return rc;
	}
	*ns = now_ns() - t0;
	ok = b.len == o->size &&
	     !payload_check(PAYLOAD_CRC, b.data, b.len, seq);
	zc_release(ch, &b);
	if (!ok) {
		zc_errorf("the echo of message %" PRIu64 " differs from what was sent",
			  seq);
		return -EBADMSG;
	}
	return 0;
}

/*
 * The pause between round trips, in steps, so a remote core that dies in a
 * long --interval is noticed within about a second, not at the next ping.
 */
#define PAUSE_STEP_NS 250000000ULL

static int pause_between(const struct ping_opts *o, zc_region *r)
{
	uint64_t end = now_ns() + (uint64_t)(o->interval * 1e9);

	for (;;) {
		uint64_t now = now_ns(), step;
		struct timespec ts;

		if (!zc_peer_alive(r)) {
			zc_errorf("the remote core on '%s' left", o->uri);
			return -EPIPE;
		}
		if (now >= end || interrupted)
			return 0;
		step = end - now < PAUSE_STEP_NS ? end - now : PAUSE_STEP_NS;
		ts.tv_sec = (time_t)(step / 1000000000ULL);
		ts.tv_nsec = (long)(step % 1000000000ULL);
		nanosleep(&ts, NULL);
	}
}

int cmd_ping(int argc, char **argv)
{
	struct ping_opts o;
	struct latency lat;
	struct sigaction sa;
	struct waiter w;
	zc_region *r;
	zc_channel *ch;
	uint64_t *ns, n = 0, cap;
	int rc = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	sigaction(SIGINT, &sa, NULL);
	cap = o.count ? o.count : 1 << 20;
	ns = malloc(sizeof(*ns) * cap);
	if (!ns) {
		zc_errorf("out of memory");
		return 1;
	}
	if (setup(&o, &r, &ch, &w) < 0) {
		free(ns);
		return 1;
	}
	printf("PING %s (%s): %" PRIu64 " bytes\n", o.uri, zc_backend_name(r),
	       o.size);
	while (!interrupted && n < cap) {
		rc = one(&o, &w, ch, n, &ns[n]);
		if (rc < 0)
			break;
		printf("%" PRIu64 " bytes from %s: seq=%" PRIu64 " time=%.1f us\n",
		       o.size, o.uri, n, (double)ns[n] / 1e3);
		fflush(stdout);
		n++;
		if (n < cap && o.interval > 0) {
			rc = pause_between(&o, r);
			if (rc < 0)
				break;
		}
	}
	if (n) {
		latency_summarize(ns, n, &lat);
		printf("--- %s: %" PRIu64 " round trips, rtt min/p50/p99/max = %.1f/%.1f/%.1f/%.1f us\n",
		       o.uri, n, lat.min_us, lat.p50_us, lat.p99_us, lat.max_us);
	}
	zc_channel_close(ch);
	waiter_fini(&w);
	zc_close(r);
	free(ns);
	return rc < 0 ? 1 : 0;
}

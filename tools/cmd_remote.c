/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_remote.c - "zc remote": the emulated remote core. It attaches
 * to a region as the remote side and serves channels (remote.h) from one
 * polling loop until the host leaves, every channel reached its --count,
 * or a signal asks it to stop (exit status 128 + the signal).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "proc.h"
#include "remote.h"
#include "waiter.h"

#define MAX_SERVICES 8

/* The signal that asked us to stop: we exit 128 + it, never 0, so whoever
 * had to stop us can tell that from a remote that saw its host leave. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: zc remote URI [options]\n"
"Attach to the region URI as the remote side and serve its channels.\n"
"Exits 0 when the host leaves (noticed within about a second, even if it was\n"
"killed) or every --count was reached, 1 on a failure or a bad message, and\n"
"128+N when signal N stopped it (130 for Ctrl-C).\n"
"\n"
"  --mode LIST       services, comma-separated: echo, sink, source (echo);\n"
"                    each serves the channel named after it\n"
"  --channel NAME    channel name, when --mode names one service\n"
"  --announce        announce the channels instead of opening the host's\n"
"  --size N          source: message size, at most a slot of the region less\n"
"                    its 16-byte header (4K)\n"
"  --count N         sink/source: stop after N messages (0: never)\n"
"  --check KIND      sink checks, source writes: none, pattern, crc (none)\n"
"  --wait MODE       busy, spin, sleep or uring (spin)\n"
"  --timeout SEC     wait this long for the region and channels (10)\n"
"  --cpu N           run on CPU N\n"
"  --quiet           print nothing but errors\n");
}

struct remote_opts {
	const char *uri;
	const char *channel;
	enum service_mode modes[MAX_SERVICES];
	int nmodes;
	int announce;
	uint64_t size, count;
	enum payload_kind kind;
	enum tool_wait wait;
	double timeout;
	int cpu;
	int quiet;
};

static int parse_modes(const char *s, struct remote_opts *o)
{
	char item[16];

	o->nmodes = 0;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (len >= sizeof(item) || o->nmodes == MAX_SERVICES)
			goto bad;
		memcpy(item, s, len);
		item[len] = '\0';
		if (parse_service_mode(item, &o->modes[o->nmodes]) < 0)
			goto bad;
		o->nmodes++;
		if (!s[len])
			return 0;
		s += len + 1;
	}
bad:
	zc_errorf("--mode expects echo, sink or source (or a comma-separated list), not '%s'",
		  s);
	return -1;
}

static int parse_opts(int argc, char **argv, struct remote_opts *o)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "channel", required_argument, NULL, 'c' },
		{ "announce", no_argument, NULL, 'a' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "check", required_argument, NULL, 'k' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	*o = (struct remote_opts){
		.modes = { SERVE_ECHO }, .nmodes = 1, .size = 4096,
		.kind = PAYLOAD_NONE, .wait = TOOL_WAIT_SPIN,
		.timeout = 10, .cpu = -1,
	};
	while ((c = getopt_long(argc, argv, ":m:c:as:n:k:w:t:C:qh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_modes(optarg, o) < 0)
				return -1;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) >= ZC_NAME_MAX) {
				zc_errorf("--channel expects a name of 1 to %d bytes",
					  ZC_NAME_MAX - 1);
				return -1;
			}
			o->channel = optarg;
			break;
		case 'a':
			o->announce = 1;
			break;
		case 's':
			if (parse_size("--size", optarg, 0,
				       ZC_SLOT_MAX - ZC_FRAME_HDR_SIZE, &o->size) < 0)
				return -1;
			break;
		case 'n':
			if (parse_uint("--count", optarg, 0, UINT64_MAX, &o->count) < 0)
				return -1;
			break;
		case 'k':
			if (parse_payload_kind(optarg, &o->kind) < 0) {
				zc_errorf("--check expects none, pattern or crc, not '%s'",
					  optarg);
				return -1;
			}
			break;
		case 'w':
			if (parse_tool_wait("--wait", optarg, &o->wait) < 0)
				return -1;
			break;
		case 't':
			if (parse_seconds("--timeout", optarg, 0, 86400, &o->timeout) < 0)
				return -1;
			break;
		case 'C':
			if (parse_uint("--cpu", optarg, 0, 4095, &v) < 0)
				return -1;
			o->cpu = (int)v;
			break;
		case 'q':
			o->quiet = 1;
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
			zc_errorf("needs the region URI (try 'zc remote --help')");
		else
			zc_errorf("takes one region URI, not also '%s'",
				  argv[argc - 1]);
		return -1;
	}
	o->uri = argv[optind];
	if (o->channel && o->nmodes != 1) {
		zc_errorf("--channel needs --mode to name exactly one service");
		return -1;
	}
	return 0;
}

static int open_services(zc_region *r, const struct remote_opts *o,
			 struct service *svc)
{
	int i, rc, ms = (int)(o->timeout * 1000);

	for (i = 0; i < o->nmodes; i++) {
		const char *name = o->channel ? o->channel :
				   service_mode_name(o->modes[i]);

		svc[i] = (struct service){
			.mode = o->modes[i], .kind = o->kind, .size = o->size,
			.limit = o->count,
		};
		if (o->announce)
			rc = zc_channel_create(r, name, 0x400 + (uint32_t)i,
					       &svc[i].ch);
		else
			rc = zc_channel_open(r, name, 0x400 + (uint32_t)i, ms,
					     &svc[i].ch);
		if (rc < 0) {
			zc_errorf("cannot %s channel '%s' on '%s': %s",
				  o->announce ? "announce" : "open", name, o->uri,
				  zc_strerror(rc));
			return rc;
		}
	}
	return 0;
}

/* Serve until done; 0 when the host left or every limit was reached. */
static int serve(struct waiter *w, const char *uri, struct service *svc,
		 int n)
{
	int i, rc, busy, all_done;

	while (!stop_requested) {
		busy = 0;
		all_done = 1;
		for (i = 0; i < n; i++) {
			rc = service_poll(&svc[i]);
			if (rc < 0) {
				if (rc == -EPIPE)
					return 0;
				zc_errorf("%s channel '%s' failed: %s",
					  service_mode_name(svc[i].mode),
					  svc[i].ch->name,
					  zc_reason(svc[i].ch, rc));
				return rc;
			}
			busy += rc;
			if (!svc[i].done || svc[i].mode == SERVE_ECHO)
				all_done = 0;
		}
		if (all_done)
			return 0;
		if (busy)
			continue;
		rc = waiter_wait(w, 1000);
		if (rc == 0)
			continue;	/* work arrived: no system call on this path */
		if (rc == -EPIPE || !zc_peer_alive(w->r)) {
			/* The host left: take what it sent before going. */
			for (i = 0; i < n; i++)
				while (service_poll(&svc[i]) > 0)
					;
			return 0;
		}
		if (rc < 0 && rc != -ETIMEDOUT && rc != -EINTR &&
		    rc != -EAGAIN) {
			zc_errorf("waiting on '%s' failed: %s", uri,
				  zc_strerror(rc));
			return rc;
		}
	}
	return 0;
}

/*
 * A remote core boots on its own schedule: if the host has not created the
 * region yet, keep trying until --timeout rather than fail at once.
 */
static int attach_when_there(const struct remote_opts *o, zc_region **r)
{
	uint64_t deadline = now_ns() + (uint64_t)(o->timeout * 1e9);
	int rc;

	for (;;) {
		uint64_t now = now_ns();
		int ms = now < deadline ? (int)((deadline - now) / 1000000) : 0;

		rc = zc_attach(o->uri, ms, r);
		if (rc != -ENOENT || now >= deadline || stop_requested)
			return rc;
		usleep(20000);
	}
}

int cmd_remote(int argc, char **argv)
{
	struct service svc[MAX_SERVICES];
	struct remote_opts o;
	struct sigaction sa;
	struct waiter w;
	zc_region *r;
	int rc, i, bad = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (pin_cpu(o.cpu) < 0) {
		zc_errorf("cannot run on CPU %d: %s", o.cpu, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = attach_when_there(&o, &r);
	if (rc < 0) {
		zc_errorf("cannot attach to '%s': %s", o.uri, zc_strerror(rc));
		return 1;
	}
	rc = waiter_init(&w, r, o.wait);
	if (rc < 0) {
		zc_errorf("cannot set up waiting (%s): %s", tool_wait_name(o.wait),
			  zc_strerror(rc));
		zc_close(r);
		return 1;
	}
	rc = open_services(r, &o, svc);
	if (rc < 0) {
		waiter_fini(&w);
		zc_close(r);
		return 1;
	}
	if (!o.quiet) {
		fprintf(stderr, "zc remote: attached to '%s' (%s); serving", o.uri,
			zc_backend_name(r));
		for (i = 0; i < o.nmodes; i++)
			fprintf(stderr, "%s %s on '%s'", i ? "," : "",
				service_mode_name(svc[i].mode), svc[i].ch->name);
		fprintf(stderr, ".\n");
	}
	rc = serve(&w, o.uri, svc, o.nmodes);
	for (i = 0; i < o.nmodes; i++) {
		if (!o.quiet)
			fprintf(stderr, "zc remote: %s '%s': %" PRIu64 " messages, %"
				PRIu64 " bytes, %" PRIu64 " bad.\n",
				service_mode_name(svc[i].mode), svc[i].ch->name,
				svc[i].all_msgs, svc[i].all_bytes, svc[i].all_bad);
		bad += svc[i].all_bad != 0;
		service_fini(&svc[i]);
		zc_channel_close(svc[i].ch);
	}
	waiter_fini(&w);
	zc_close(r);
	if (bad)
		zc_errorf("%d channel(s) received messages that failed the %s check",
			  bad, payload_kind_name(o.kind));
	if (rc < 0 || bad)
		return 1;
	return stop_requested ? 128 + stop_requested : 0;
}

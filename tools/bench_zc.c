/* SPDX-License-Identifier: MIT */
/*
 * tools/bench_zc.c - one message size of "zc bench": a region sized for it,
 * the emulated remote core in a child process, a streaming phase into its
 * sink and a ping-pong phase through its echo (bench.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zc/zc.h>

#include "args.h"
#include "bench.h"
#include "proc.h"

/* Nothing the remote does should take this long; past it, it is stuck. */
#define STALL_MS 5000
#define LAT_MAX_SAMPLES (4u << 20)
#define BURST_BYTES (128u << 10)

struct run {
	const struct bench_opts *o;
	const char *uri;
	uint64_t size;
	zc_region *r;
	zc_channel *sink, *echo;
	struct waiter w;
	pid_t child;
};

/*
 * Slots as small as the message allows, and about 4 MiB of them per
 * direction: a slot the producer rewrites should have left the consumer's
 * L2 for the shared L3 by then, or every line written costs a snoop of the
 * other core (measured on a Zen 4 VM: 4 KiB messages went from 9 GB/s with
 * 1 MiB of slots to 33 GB/s with 4 MiB). The smallest messages are bound
 * by per-message work instead, and do best with a small footprint.
 */
static void choose_geometry(const struct bench_opts *o, uint64_t size,
			    struct zc_params *p)
{
	uint32_t slot = ZC_SLOT_MIN, slots;

	zc_params_default(p);
	while (slot < size + ZC_FRAME_HDR_SIZE)
		slot <<= 1;
	slots = (4u << 20) / slot;
	if (slot == ZC_SLOT_MIN)
		slots = 256;
	if (slots < 8)
		slots = 8;
	if (slots > 4096)
		slots = 4096;
	p->slot_size = slot;
	p->slots = o->slots ? (uint32_t)o->slots : slots;
	p->chan_mode = o->chan_mode;
	p->channels = 4;	/* the host announces two: sink and echo */
	if (o->huge)
		p->hugepages = ZC_HUGE_TRY;
}

static int start_remote(struct run *run)
{
	const struct bench_opts *o = run->o;
	char *argv[20], cpu[16];
	int argc = 0;
	uint64_t deadline;
	int rc, status;

	argv[argc++] = "zc";
	argv[argc++] = "remote";
	argv[argc++] = (char *)run->uri;
	argv[argc++] = "--mode";
	argv[argc++] = "sink,echo";
	argv[argc++] = "--check";
	argv[argc++] = (char *)payload_kind_name(o->kind);
	argv[argc++] = "--wait";
	argv[argc++] = (char *)tool_wait_name(o->wait);
	argv[argc++] = "--timeout";
	argv[argc++] = "10";
	argv[argc++] = "--quiet";
	if (o->remote_cpu >= 0) {
		snprintf(cpu, sizeof(cpu), "%d", o->remote_cpu);
		argv[argc++] = "--cpu";
		argv[argc++] = cpu;
	}
	argv[argc] = NULL;
	run->child = spawn_self(argv);
	if (run->child < 0) {
		zc_errorf("cannot start the emulated remote core: %s",
			  strerror(-run->child));
		return run->child;
	}
	/* Wait for it in short steps, so a child that died is seen at once. */
	deadline = now_ns() + 10000000000ULL;
	for (;;) {
		rc = zc_wait_peer(run->r, 100);
		if (rc == 0)
			return 0;
		if (rc != -ETIMEDOUT) {
			zc_errorf("waiting for the emulated remote core failed: %s",
				  zc_strerror(rc));
			return rc;
		}
		if (waitpid(run->child, &status, WNOHANG) == run->child) {
			run->child = 0;
			zc_errorf("the emulated remote core exited before attaching to '%s'",
				  run->uri);
			return -ECHILD;
		}
		if (now_ns() > deadline) {
			zc_errorf("the emulated remote core did not attach to '%s' within 10 s",
				  run->uri);
			return -ETIMEDOUT;
		}
	}
}

static int fail(const char *what, int rc)
{
	zc_errorf("%s: %s", what, zc_strerror(rc));
	return rc;
}

/* Ask the sink what it got since the last summary. */
static int sink_summary(struct run *run, struct sink_summary *sum)
{
	struct zc_buf b;
	int rc;

	rc = zc_reserve(run->sink, &b, STALL_MS);
	if (rc < 0)
		return fail("the sink stopped returning slots", rc);
	b.len = 0;
	rc = zc_send(run->sink, &b);
	if (rc < 0)
		return fail("sending to the sink failed", rc);
	rc = waiter_recv(&run->w, run->sink, &b, STALL_MS);
	if (rc < 0)
		return fail("the sink did not answer", rc);
	if (b.len != sizeof(*sum)) {
		zc_release(run->sink, &b);
		zc_errorf("the sink answered with %u bytes instead of a %zu-byte summary",
			  b.len, sizeof(*sum));
		return -EPROTO;
	}
	memcpy(sum, b.data, sizeof(*sum));
	zc_release(run->sink, &b);
	if (sum->magic != SINK_SUMMARY_MAGIC) {
		zc_errorf("the sink's summary is not one (bad magic)");
		return -EPROTO;
	}
	return 0;
}

/*
 * Stream for @secs; the time runs until the sink confirms it consumed
 * everything, so the rate counts delivered messages, not queued ones.
 */
static int stream(struct run *run, double secs, struct bench_result *res)
{
	const struct bench_opts *o = run->o;
	struct zc_buf bufs[ZC_BURST_MAX];
	struct sink_summary sum;
	uint64_t seq = 0, t0, t_end, stalled = 0, batch = o->batch, iter;
	int n, i, rc;

	/*
	 * A burst is what the sink can start on: large messages go out a few
	 * at a time (about 128 KiB a burst), so the sink checks one while we
	 * fill the next, rather than both sides taking turns a burst each.
	 */
	if (batch * run->size > BURST_BYTES)
		batch = BURST_BYTES / run->size ? BURST_BYTES / run->size : 1;

	t0 = now_ns();
	t_end = t0 + (uint64_t)(secs * 1e9);
	for (iter = 0;; iter++) {
		/* The clock every 8 bursts: per burst of 64-byte messages it
		 * would cost more than the library calls. */
		if (!(iter & 7) && now_ns() >= t_end)
			break;
		n = zc_reserve_burst(run->sink, bufs, (unsigned int)batch);
		if (n < 0)
			return fail("reserving slots failed", n);
		if (n == 0) {
			rc = waiter_wait_tx(&run->w, run->sink, 100);
			if (rc == -ETIMEDOUT && ++stalled * 100 < STALL_MS)
				continue;
			if (rc < 0)
				return fail("the sink stopped returning slots", rc);
			continue;
		}
		stalled = 0;
		for (i = 0; i < n; i++) {
			payload_fill(o->kind, bufs[i].data, run->size, seq++);
			bufs[i].len = (uint32_t)run->size;
		}
		rc = zc_send_burst(run->sink, bufs, (unsigned int)n);
		if (rc < 0)
			return fail("sending failed", rc);
	}
	rc = sink_summary(run, &sum);
	if (rc < 0)
		return rc;
	res->seconds = (double)(now_ns() - t0) / 1e9;
	res->msgs = sum.msgs;
	res->bytes = sum.bytes;
	res->bad = sum.bad;
	if (sum.bad) {
		zc_errorf("the sink found %" PRIu64 " of %" PRIu64
			  " %s messages corrupt (first: number %" PRIu64 ")",
			  sum.bad, sum.msgs, payload_kind_name(o->kind),
			  sum.first_bad);
		return -EBADMSG;
	}
	if (sum.msgs != seq || sum.bytes != seq * run->size) {
		zc_errorf("sent %" PRIu64 " messages but the sink got %" PRIu64
			  " (%" PRIu64 " bytes)", seq, sum.msgs, sum.bytes);
		return -EBADMSG;
	}
	return 0;
}

/* One round trip through the echo service; *@rtt_ns excludes the fill. */
static int ping(struct run *run, uint64_t seq, uint64_t *rtt_ns)
{
	struct zc_buf b, rb;
	uint64_t t0;
	int rc, ok;

	rc = zc_reserve(run->echo, &b, STALL_MS);
	if (rc < 0)
		return fail("the echo service stopped returning slots", rc);
	payload_fill(run->o->kind, b.data, run->size, seq);
	b.len = (uint32_t)run->size;
	t0 = now_ns();
	rc = zc_send(run->echo, &b);
	if (rc < 0)
		return fail("sending to the echo service failed", rc);
	rc = waiter_recv(&run->w, run->echo, &rb, STALL_MS);
	*rtt_ns = now_ns() - t0;
	if (rc < 0)
		return fail("the echo service did not answer", rc);
	ok = rb.len == run->size &&
	     !payload_check(run->o->kind == PAYLOAD_NONE ? PAYLOAD_PATTERN :
			    run->o->kind, rb.data, rb.len, seq);
	zc_release(run->echo, &rb);
	if (!ok) {
		zc_errorf("the echo of message %" PRIu64 " differs from what was sent",
			  seq);
		return -EBADMSG;
	}
	return 0;
}

static int ping_pong(struct run *run, double secs, struct latency *lat)
{
	uint64_t *ns, n = 0, t_end, rtt;
	int rc = 0;

	ns = malloc(sizeof(*ns) * LAT_MAX_SAMPLES);
	if (!ns) {
		zc_errorf("out of memory for latency samples");
		return -ENOMEM;
	}
	/* A few untimed trips first: page faults and cold caches. */
	for (n = 0; n < 16 && rc == 0; n++)
		rc = ping(run, n, &rtt);
	t_end = now_ns() + (uint64_t)(secs * 1e9);
	for (n = 0; rc == 0 && n < LAT_MAX_SAMPLES && (n < 10 || now_ns() < t_end);
	     n++)
		rc = ping(run, n + 16, &ns[n]);
	if (rc == 0)
		latency_summarize(ns, n, lat);
	free(ns);
	return rc;
}

static int measure(struct run *run, struct bench_result *res)
{
	const struct bench_opts *o = run->o;
	struct zc_region_stats st0, st1;
	uint64_t hr0 = 0, hw0 = 0, hr1 = 0, hw1 = 0;
	uint64_t rr0 = 0, rw0 = 0, rr1 = 0, rw1 = 0;
	double warm = o->seconds * 0.1;
	int rc;

	if (warm < 0.02)
		warm = 0.02;
	if (warm > 0.3)
		warm = 0.3;
	rc = stream(run, warm, res);
	if (rc < 0)
		return rc;
	zc_region_stats(run->r, &st0);
	sched_times(0, &hr0, &hw0);
	sched_times(run->child, &rr0, &rw0);
	rc = stream(run, o->seconds, res);
	if (rc < 0)
		return rc;
	sched_times(0, &hr1, &hw1);
	sched_times(run->child, &rr1, &rw1);
	zc_region_stats(run->r, &st1);
	res->host_run_s = (double)(hr1 - hr0) / 1e9;
	res->host_wait_s = (double)(hw1 - hw0) / 1e9;
	res->remote_run_s = (double)(rr1 - rr0) / 1e9;
	res->remote_wait_s = (double)(rw1 - rw0) / 1e9;
	res->contended = res->host_wait_s > 0.1 * res->seconds ||
			 res->remote_wait_s > 0.1 * res->seconds;
	res->kicks = st1.kicks_sent - st0.kicks_sent;
	res->sleeps = st1.sleeps - st0.sleeps;
	res->msgs_per_s = (double)res->msgs / res->seconds;
	res->gb_per_s = (double)res->bytes / res->seconds / 1e9;
	return ping_pong(run, o->lat_seconds, &res->lat);
}

int bench_zc_size(const struct bench_opts *o, const char *uri, uint64_t size,
		  struct bench_result *res)
{
	struct run run = { .o = o, .uri = uri, .size = size };
	struct zc_params p;
	int rc, st;

	memset(res, 0, sizeof(*res));
	res->size = size;
	res->line_rtt_ns = cacheline_rtt_ns(o->remote_cpu, 0.02);
	choose_geometry(o, size, &p);
	res->slot_size = p.slot_size;
	res->slots = p.slots;
	rc = zc_create(uri, &p, &run.r);
	if (rc < 0) {
		zc_errorf("cannot create region '%s': %s", uri, zc_strerror(rc));
		return rc;
	}
	snprintf(res->backend, sizeof(res->backend), "%s",
		 zc_backend_name(run.r));
	rc = waiter_init(&run.w, run.r, o->wait);
	if (rc < 0) {
		zc_errorf("cannot set up waiting (%s): %s", tool_wait_name(o->wait),
			  zc_strerror(rc));
		zc_close(run.r);
		return rc;
	}
	rc = start_remote(&run);
	if (rc == 0) {
		rc = zc_channel_create(run.r, "sink", 1, &run.sink);
		if (rc < 0)
			fail("cannot announce channel 'sink'", rc);
	}
	if (rc == 0) {
		rc = zc_channel_create(run.r, "echo", 2, &run.echo);
		if (rc < 0)
			fail("cannot announce channel 'echo'", rc);
	}
	if (rc == 0)
		rc = measure(&run, res);
	if (run.echo)
		zc_channel_close(run.echo);
	if (run.sink)
		zc_channel_close(run.sink);
	waiter_fini(&run.w);
	zc_close(run.r);
	if (run.child > 0) {
		/* Our leaving is its signal to go; it must not linger. */
		int killed;

		st = reap_child_killed(run.child, 5000, &killed);
		if (killed && rc == 0) {
			zc_errorf("the emulated remote core did not exit within 5 s of the host leaving (it had to be stopped)");
			rc = -ECHILD;
		} else if (st != 0 && rc == 0) {
			zc_errorf("the emulated remote core exited with status %d",
				  st);
			rc = -ECHILD;
		}
	}
	return rc;
}

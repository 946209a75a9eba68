// SPDX-License-Identifier: MIT
/*
 * test_fw_echo - the echo firmware as an emulated remote core, in each of
 * its waiting modes: thousands of zero-copy frames of every size and a
 * fragmented message come back intact and in order on both channels; its
 * counters agree; it stops on request, and leaves when the host goes away.
 *   test_fw_echo PATH-TO-zc-fw-echo
 */
#include <pthread.h>
#include "fw_harness.h"

static uint8_t pattern(uint32_t msg, uint32_t i)
{
	return (uint8_t)(msg * 29 + i * 3 + (i >> 9));
}

/* @count frames of lengths cycling through 1..cap, pipelined in bursts. */
static void echo_frames(zc_channel *ch, uint32_t count, uint32_t addr)
{
	uint32_t sent = 0, got = 0, bad = 0, cap = 0;
	struct zc_buf b[16];
	int n, i;

	while (got < count) {
		if (sent < count) {
			n = zc_reserve_burst(ch, b, count - sent < 16 ? count - sent : 16);
			REQUIRE(n >= 0, "reserve: %s", zc_strerror(n));
			for (i = 0; i < n; i++, sent++) {
				cap = b[i].cap;
				b[i].len = sent * 7919 % cap + 1;
				for (uint32_t k = 0; k < b[i].len; k++)
					((uint8_t *)b[i].data)[k] = pattern(sent, k);
			}
			if (n > 0)
				REQUIRE(zc_send_burst(ch, b, (unsigned)n) == n, "send");
		}
		n = zc_recv_burst(ch, b, 16);
		REQUIRE(n >= 0, "recv: %s (%s)", zc_strerror(n),
			zc_channel_error(ch) ? zc_channel_error(ch) : "");
		if (n == 0) {
			int rc = zc_wait_rx(ch, 10000);

			REQUIRE(rc == 0, "echo stalled after %u of %u: %s", got,
				count, zc_strerror(rc));
			continue;
		}
		for (i = 0; i < n; i++, got++) {
			uint32_t len = got * 7919 % cap + 1;

			if (b[i].len != len || b[i].src != addr) {
				bad++;
				continue;
			}
			for (uint32_t k = 0; k < len; k++)
				bad += ((uint8_t *)b[i].data)[k] != pattern(got, k);
		}
		REQUIRE(zc_release_burst(ch, b, (unsigned)n) == n, "release");
	}
	CHECK(bad == 0, "%u bad frames or bytes in %u echoed", bad, count);
}

static void echo_message(zc_channel *ch, size_t len)
{
	uint8_t *out = malloc(len), *in = malloc(len);
	ssize_t n;

	REQUIRE(out && in, "malloc");
	for (size_t i = 0; i < len; i++)
		out[i] = pattern((uint32_t)len, (uint32_t)i);
	n = zc_write(ch, out, len, 10000);
	CHECK(n == (ssize_t)len, "zc_write: %s", zc_strerror((int)n));
	n = zc_read(ch, in, len, 10000);
	CHECK(n == (ssize_t)len && !memcmp(in, out, len),
	      "fragmented message of %zu bytes came back as %zd bytes", len, n);
	free(out);
	free(in);
}

/* The firmware's own fragmenter: libzc's zc_read() takes its messages. */
static void patterns(struct fw_proc *f, uint32_t cap, uint32_t slots)
{
	uint32_t sizes[] = { 1, cap, cap + 1, 50000, cap * (slots - 1) };
	static uint8_t buf[1 << 20];
	struct zc_fw_chan_report rep;
	struct zc_fw_req q = { .cmd = ZC_FW_CMD_PATTERN };

	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		ssize_t n;
		uint32_t bad = 0;

		q.arg = sizes[k];
		REQUIRE(zc_write(f->mgmt, &q, sizeof(q), 5000) == sizeof(q), "pattern request");
		n = zc_read(f->mgmt, buf, sizeof(buf), 5000);
		for (uint32_t i = 0; n == (ssize_t)sizes[k] && i < sizes[k]; i++)
			bad += buf[i] != zc_fw_pattern(sizes[k], i);
		CHECK(n == (ssize_t)sizes[k] && bad == 0,
		      "pattern of %u bytes came as %zd bytes, %u wrong", sizes[k], n, bad);
	}
	/* One slot more than the channel has: refused, counted, nothing sent. */
	q.arg = cap * slots + 1;
	REQUIRE(zc_write(f->mgmt, &q, sizeof(q), 5000) == sizeof(q), "pattern request");
	rep = fw_report(f, ZC_FW_MGMT_NAME);
	CHECK(rep.rejected == 1, "oversized pattern: zc.fw rejected %u", rep.rejected);
}

static void run(const char *exe, const char *mode)
{
	struct zc_params p;
	struct fw_proc f;
	struct zc_fw_pong pong;
	struct zc_fw_chan_report rep;
	zc_channel *a, *b;
	ssize_t n;

	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 32;
	p.max_msg = 1 << 20;
	fw_start(&f, exe, &p, mode);
	a = fw_open(&f, ZC_ECHO_NAME, 0x1000);
	b = fw_open(&f, ZC_ECHO2_NAME, 0x1001);

	fw_request(&f, ZC_FW_CMD_PING);
	n = zc_read(f.mgmt, &pong, sizeof(pong), 5000);
	CHECK(n == (ssize_t)sizeof(pong) && pong.cmd == ZC_FW_CMD_PING &&
	      !strcmp(pong.app, "echo") && pong.nchans == 3,
	      "ping answered %zd bytes, app '%.31s', %u channels", n, pong.app,
	      pong.nchans);

	echo_frames(a, 20000, ZC_ECHO_ADDR);
	echo_frames(b, 3000, ZC_ECHO_ADDR + 1);
	echo_message(a, 200000);	/* 49 fragments, back as one message */
	echo_message(b, 1);
	patterns(&f, p.slot_size - ZC_FRAME_HDR_SIZE, p.slots);

	rep = fw_report(&f, ZC_ECHO_NAME);
	CHECK(rep.rx_msgs == rep.tx_msgs && rep.rx_msgs == 20000 + zc_frag_count(200000, 4096) &&
	      rep.broken == 0 && rep.rejected == 0,
	      "echo counters: rx %llu tx %llu broken %u rejected %u",
	      (unsigned long long)rep.rx_msgs, (unsigned long long)rep.tx_msgs,
	      rep.broken, rep.rejected);
	if (mode && !strcmp(mode, "--sleep"))
		CHECK(rep.sleeps > 0 && rep.kicks > 0,
		      "a firmware that sleeps slept %u times, kicked %u",
		      rep.sleeps, rep.kicks);
	if (mode && !strcmp(mode, "--busy"))
		CHECK(rep.sleeps == 0, "a busy-polling firmware slept %u times",
		      rep.sleeps);
	fw_stop(&f);
	printf("echo %s: ok\n", mode ? mode : "(spin then sleep)");
}

/*
 * The host announces "echo" itself (as zc ping does) in a region with one
 * entry per side: the firmware serves it, drops it when the host closes
 * it, and serves the next announcement afresh.
 */
static void host_announces(const char *exe)
{
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	char uri[64];
	pid_t pid;
	char *argv[] = { (char *)exe, (char *)"--quiet", uri, NULL };
	int rc, st = 0, round;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 2;
	snprintf(uri, sizeof(uri), "fwtest.%d.ping", (int)getpid());
	REQUIRE(zc_create(uri, &p, &r) == 0, "create");
	REQUIRE(posix_spawn(&pid, exe, NULL, NULL, argv, environ) == 0, "spawn");
	fw_track(pid, 1);
	REQUIRE(zc_wait_peer(r, 10000) == 0, "firmware did not attach");
	/* Twice RING, then SEQ: the firmware follows the host's choice of mode. */
	for (round = 0; round < 3; round++) {
		zc_u32 mode = round < 2 ? ZC_CHAN_MODE_RING : ZC_CHAN_MODE_SEQ;

		/* The firmware lets go of the old entry when it next looks. */
		for (int tries = 0; tries < 500; tries++) {
			rc = zc_channel_create_mode(r, ZC_ECHO_NAME, 7, mode, &ch);
			if (rc != -ENOSPC)
				break;
			usleep(10000);
		}
		REQUIRE(rc == 0, "announce echo (mode %u): %s", mode, zc_strerror(rc));
		CHECK(ch->seq == (mode == ZC_CHAN_MODE_SEQ), "channel mode not as announced");
		echo_frames(ch, 2000, ZC_ECHO_ADDR + 2);
		echo_message(ch, 5000);
		zc_channel_close(ch);
	}
	zc_close(r);
	{
		struct fw_proc f = { .pid = pid };

		st = fw_reap(&f, 10000);
	}
	CHECK(st == 1, "firmware exit status %d after its host left", st);
	printf("echo on host-announced channels, RING and SEQ: ok\n");
}

struct echo_job {
	zc_channel *ch;
	uint32_t count, addr;
};

static void *echo_thread(void *arg)
{
	struct echo_job *j = arg;

	echo_frames(j->ch, j->count, j->addr);
	return NULL;
}

/* One host thread per channel, both at once: the firmware serves both. */
static void two_threads(const char *exe)
{
	struct zc_params p;
	struct fw_proc f;
	struct echo_job a, b;
	pthread_t ta, tb;

	zc_params_default(&p);
	p.slot_size = 2048;
	p.slots = 16;
	fw_start(&f, exe, &p, NULL);
	a = (struct echo_job){ fw_open(&f, ZC_ECHO_NAME, 0x1000), 20000, ZC_ECHO_ADDR };
	b = (struct echo_job){ fw_open(&f, ZC_ECHO2_NAME, 0x1001), 20000, ZC_ECHO_ADDR + 1 };
	REQUIRE(pthread_create(&ta, NULL, echo_thread, &a) == 0, "thread");
	REQUIRE(pthread_create(&tb, NULL, echo_thread, &b) == 0, "thread");
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	fw_stop(&f);
	printf("echo, two host threads on two channels: ok\n");
}

/* The host goes away without a word: the firmware must notice and exit. */
static void host_vanishes(const char *exe)
{
	struct fw_proc f;
	int st;

	fw_start(&f, exe, NULL, "--sleep");
	fw_open(&f, ZC_ECHO_NAME, 0x1000);
	zc_close(f.r);
	st = fw_reap(&f, 10000);
	CHECK(st == 1, "firmware exit status %d after its host left", st);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-zc-fw-echo\n", argv[0]);
		return 1;
	}
	fw_deadline(240);
	run(argv[1], NULL);
	run(argv[1], "--busy");
	run(argv[1], "--sleep");
	two_threads(argv[1]);
	host_vanishes(argv[1]);
	host_announces(argv[1]);
	return fw_result("test_fw_echo");
}

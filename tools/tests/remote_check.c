/* SPDX-License-Identifier: MIT */
/*
 * tools/tests/remote_check.c - drives "zc remote" (the emulated remote core)
 * from a host written here, and checks what it does:
 *   source  every message arrives in sequence with a good CRC32C, then the
 *           empty end-of-stream message; the remote exits 0;
 *   sink    a corrupted message among good ones is counted in the summary
 *           (and only that one), and the remote exits 1 because of it;
 *   echo    messages of many sizes come back byte for byte, fragmented
 *           ones whole;
 *   hostile a host that skips message ids gets a clear error from the
 *           remote, which exits 1 instead of echoing garbage or crashing;
 *   killed  a host SIGKILLed mid-service (no goodbye), in each --wait
 *           mode: the remote notices
 *           and exits 0;
 *   stopped a remote stopped by SIGTERM exits 128 + SIGTERM, never 0, so
 *           a stop is never mistaken for a host that left.
 * Every time, the remote must exit by itself once its host has left (or
 * broke the protocol): one we have to signal fails the check, whatever its
 * exit status, since a remote that never notices would otherwise pass.
 *
 *   remote_check ZC URI-PREFIX
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zc/zc.h>

#include "../payload.h"
#include "../proc.h"

#define TIMEOUT_MS 10000
/* How long a remote may take to notice its host left: docs/cli.md says
 * about a second; ten leave room for a loaded machine. */
#define NOTICE_MS 10000

static const char *zc_path;

#define CHECK(cond, ...) do {					\
	if (!(cond)) {						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);			\
		fputc('\n', stderr);				\
		exit(1);					\
	}							\
} while (0)

/* Create a region, start "zc remote URI ARGS...", announce @chan. */
static pid_t start(const char *uri, const char *chan, char **args,
		   zc_region **r, zc_channel **ch)
{
	struct zc_params p;
	char *argv[16] = { "zc", "remote", (char *)uri };
	int i, rc;
	pid_t pid;

	for (i = 0; args[i]; i++)
		argv[3 + i] = args[i];
	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 32;
	p.channels = 2;
	rc = zc_create(uri, &p, r);
	CHECK(rc == 0, "create %s: %s", uri, zc_strerror(rc));
	pid = spawn_exe(zc_path, argv);
	CHECK(pid > 0, "spawn %s", zc_path);
	rc = zc_wait_peer(*r, TIMEOUT_MS);
	CHECK(rc == 0, "remote did not attach: %s", zc_strerror(rc));
	rc = zc_channel_create(*r, chan, 1, ch);
	CHECK(rc == 0, "announce %s: %s", chan, zc_strerror(rc));
	return pid;
}

/* The remote's exit status, once it exited by itself; else the check fails. */
static int reap_remote(pid_t pid, const char *why)
{
	int killed, rc = reap_child_killed(pid, NOTICE_MS, &killed);

	CHECK(!killed, "zc remote did not exit by itself within %d s after %s: "
	      "it had to be sent %s (then its status was %d)",
	      NOTICE_MS / 1000, why, killed == SIGKILL ? "SIGKILL" : "SIGTERM",
	      rc);
	CHECK(rc >= 0, "waiting for zc remote: %s", strerror(-rc));
	return rc;
}

static int stop(pid_t pid, zc_region *r, zc_channel *ch)
{
	zc_channel_close(ch);
	zc_close(r);
	return reap_remote(pid, "its host closed the region");
}

static void check_source(const char *uri)
{
	char *args[] = { "--mode", "source", "--size", "1000", "--count",
			 "20000", "--check", "crc", "--quiet", NULL };
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	uint64_t seq = 0;
	pid_t pid;
	int rc;

	pid = start(uri, "source", args, &r, &ch);
	for (;;) {
		rc = zc_recv(ch, &b, TIMEOUT_MS);
		CHECK(rc == 0, "recv after %llu messages: %s",
		      (unsigned long long)seq, zc_strerror(rc));
		if (b.len == 0) {
			zc_release(ch, &b);
			break;
		}
		CHECK(b.len == 1000, "message %llu has %u bytes",
		      (unsigned long long)seq, b.len);
		CHECK(payload_check(PAYLOAD_CRC, b.data, b.len, seq) == 0,
		      "message %llu fails its CRC or sequence check",
		      (unsigned long long)seq);
		seq++;
		zc_release(ch, &b);
	}
	CHECK(seq == 20000, "source sent %llu messages, want 20000",
	      (unsigned long long)seq);
	rc = stop(pid, r, ch);
	CHECK(rc == 0, "source remote exited %d", rc);
	printf("ok: source: 20000 messages in sequence with good CRCs\n");
}

static void send_msg(zc_channel *ch, uint64_t seq, uint32_t len, int corrupt)
{
	struct zc_buf b;
	int rc;

	rc = zc_reserve(ch, &b, TIMEOUT_MS);
	CHECK(rc == 0, "reserve: %s", zc_strerror(rc));
	payload_fill(PAYLOAD_CRC, b.data, len, seq);
	if (corrupt)
		((uint8_t *)b.data)[len - 1] ^= 0x40;
	b.len = len;
	rc = zc_send(ch, &b);
	CHECK(rc == 0, "send: %s", zc_strerror(rc));
}

static void check_sink(const char *uri)
{
	char *args[] = { "--mode", "sink", "--check", "crc", "--quiet", NULL };
	struct sink_summary sum;
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	uint64_t seq;
	pid_t pid;
	int rc;

	pid = start(uri, "sink", args, &r, &ch);
	for (seq = 0; seq < 1011; seq++)
		send_msg(ch, seq, 64 + (uint32_t)(seq % 3000), seq == 1000);
	send_msg(ch, 0, 0, 0);	/* the empty message asks for the summary */
	rc = zc_recv(ch, &b, TIMEOUT_MS);
	CHECK(rc == 0 && b.len == sizeof(sum), "no summary: %s", zc_strerror(rc));
	memcpy(&sum, b.data, sizeof(sum));
	zc_release(ch, &b);
	CHECK(sum.magic == SINK_SUMMARY_MAGIC, "summary magic");
	CHECK(sum.msgs == 1011 && sum.bad == 1 && sum.first_bad == 1000,
	      "summary says %llu messages, %llu bad, first %llu; want 1011, 1, 1000",
	      (unsigned long long)sum.msgs, (unsigned long long)sum.bad,
	      (unsigned long long)sum.first_bad);
	rc = stop(pid, r, ch);
	CHECK(rc == 1, "sink remote exited %d after a bad message, want 1", rc);
	printf("ok: sink: the one corrupt message of 1011 was caught\n");
}

static void check_echo(const char *uri)
{
	char *args[] = { "--mode", "echo", "--quiet", NULL };
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	uint32_t len;
	pid_t pid;
	int rc, i;

	pid = start(uri, "echo", args, &r, &ch);
	for (i = 0; i < 500; i++) {
		len = (uint32_t)(i * 37) % 4081;
		send_msg(ch, (uint64_t)i, len, 0);
		rc = zc_recv(ch, &b, TIMEOUT_MS);
		CHECK(rc == 0, "echo %d: %s", i, zc_strerror(rc));
		CHECK(b.len == len, "echo %d: %u bytes, sent %u", i, b.len, len);
		CHECK(payload_check(PAYLOAD_CRC, b.data, b.len, (uint64_t)i) == 0,
		      "echo %d differs from what was sent", i);
		zc_release(ch, &b);
	}
	/* Messages larger than a slot travel in fragments (zc_write) and
	 * must come back whole, interleaved with single-slot ones. */
	{
		static const size_t sizes[] = { 4081, 8000, 12345, 1 << 20, 3 << 20 };
		uint8_t *out = malloc(3 << 20), *back = malloc(3 << 20);
		ssize_t got;
		size_t k;

		CHECK(out && back, "out of memory");
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			payload_fill(PAYLOAD_CRC, out, sizes[k], 1000 + k);
			got = zc_write(ch, out, sizes[k], TIMEOUT_MS);
			CHECK(got == (ssize_t)sizes[k], "zc_write %zu: %zd", sizes[k], got);
			got = zc_read(ch, back, 3 << 20, TIMEOUT_MS);
			CHECK(got == (ssize_t)sizes[k], "echo of %zu bytes: %zd (%s)",
			      sizes[k], got, got < 0 ? zc_strerror((int)got) : "");
			CHECK(payload_check(PAYLOAD_CRC, back, sizes[k], 1000 + k) == 0,
			      "echo of a %zu-byte message differs", sizes[k]);
			send_msg(ch, 2000 + k, 100, 0);
			rc = zc_recv(ch, &b, TIMEOUT_MS);
			CHECK(rc == 0 && b.len == 100 &&
			      payload_check(PAYLOAD_CRC, b.data, b.len, 2000 + k) == 0,
			      "single-slot echo after a fragmented one");
			zc_release(ch, &b);
		}
		free(out);
		free(back);
	}
	rc = stop(pid, r, ch);
	CHECK(rc == 0, "echo remote exited %d", rc);
	printf("ok: echo: 500 messages of 0..4080 bytes and fragmented ones up to 3 MiB came back intact\n");
}

/* The remote announces (as RPMsg's name service does); the host opens. */
static void check_announce(const char *uri)
{
	char *argv[] = { "zc", "remote", (char *)uri, "--mode", "echo",
			 "--channel", "svc.echo", "--announce", "--quiet", NULL };
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	pid_t pid;
	int rc, i;

	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 16;
	p.channels = 2;
	rc = zc_create(uri, &p, &r);
	CHECK(rc == 0, "create %s: %s", uri, zc_strerror(rc));
	pid = spawn_exe(zc_path, argv);
	CHECK(pid > 0, "spawn");
	rc = zc_wait_peer(r, TIMEOUT_MS);
	CHECK(rc == 0, "remote did not attach: %s", zc_strerror(rc));
	rc = zc_channel_open(r, "svc.echo", 9, TIMEOUT_MS, &ch);
	CHECK(rc == 0, "open the remote's channel: %s", zc_strerror(rc));
	for (i = 0; i < 50; i++) {
		send_msg(ch, (uint64_t)i, 512, 0);
		rc = zc_recv(ch, &b, TIMEOUT_MS);
		CHECK(rc == 0 && b.len == 512 &&
		      payload_check(PAYLOAD_CRC, b.data, b.len, (uint64_t)i) == 0,
		      "echo %d on the announced channel", i);
		zc_release(ch, &b);
	}
	rc = stop(pid, r, ch);
	CHECK(rc == 0, "announcing remote exited %d", rc);
	printf("ok: announce: the remote announced 'svc.echo', the host opened it, 50 echoes\n");
}

/* A host that skips message ids: the remote must say so and exit 1. */
static void check_hostile(const char *uri)
{
	char *args[] = { "--mode", "echo", NULL };
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	pid_t pid;
	int rc;

	pid = start(uri, "echo", args, &r, &ch);
	send_msg(ch, 0, 64, 0);
	rc = zc_recv(ch, &b, TIMEOUT_MS);
	CHECK(rc == 0, "first echo: %s", zc_strerror(rc));
	zc_release(ch, &b);
	ch->tx_id += 3;		/* frames 1..3 "lost" */
	send_msg(ch, 1, 64, 0);
	rc = reap_remote(pid, "a message-id gap");
	CHECK(rc == 1, "remote exited %d after a message-id gap, want 1", rc);
	zc_channel_close(ch);
	zc_close(r);
	printf("ok: hostile host: the remote reported the id gap and exited 1\n");
}

/*
 * The host process is SIGKILLed while the remote serves it: no goodbye,
 * only the kernel closing its descriptors. The remote must notice by
 * itself and exit 0 ("the host left"), as a core whose host crashed would.
 */
static void check_host_killed(const char *uri, const char *wait)
{
	char *argv[] = { "zc", "remote", (char *)uri, "--mode", "echo",
			 "--wait", (char *)wait, "--quiet", NULL };
	int ready[2], rc, st;
	pid_t host, pid;
	uint64_t t0;
	char c = 0;

	CHECK(pipe(ready) == 0, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	host = fork();
	CHECK(host >= 0, "fork: %s", strerror(errno));
	if (host == 0) {
		zc_region *r;
		zc_channel *ch;
		struct zc_params p;
		struct zc_buf b;

		close(ready[0]);
		zc_params_default(&p);
		p.slot_size = 4096;
		p.slots = 32;
		p.channels = 2;
		rc = zc_create(uri, &p, &r);
		CHECK(rc == 0, "host: create %s: %s", uri, zc_strerror(rc));
		CHECK(write(ready[1], "c", 1) == 1, "host: pipe");
		rc = zc_wait_peer(r, TIMEOUT_MS);
		CHECK(rc == 0, "host: remote did not attach: %s", zc_strerror(rc));
		rc = zc_channel_create(r, "echo", 1, &ch);
		CHECK(rc == 0, "host: announce echo: %s", zc_strerror(rc));
		send_msg(ch, 0, 256, 0);
		rc = zc_recv(ch, &b, TIMEOUT_MS);
		CHECK(rc == 0 && b.len == 256, "host: no echo: %s", zc_strerror(rc));
		zc_release(ch, &b);
		send_msg(ch, 1, 256, 0);	/* one the remote is still busy with */
		CHECK(write(ready[1], "e", 1) == 1, "host: pipe");
		for (;;)
			pause();
	}
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1 && c == 'c', "the host did not create %s", uri);
	pid = spawn_exe(zc_path, argv);
	CHECK(pid > 0, "spawn %s", zc_path);
	rc = (int)read(ready[0], &c, 1);
	if (rc != 1 || c != 'e') {
		kill(pid, SIGKILL);
		reap_child(pid, 1000);
		CHECK(0, "the host's echo through zc remote failed (see above)");
	}
	close(ready[0]);
	kill(host, SIGKILL);
	CHECK(waitpid(host, &st, 0) == host && WIFSIGNALED(st),
	      "the host did not die of SIGKILL");
	t0 = now_ns();
	rc = reap_remote(pid, "its host was SIGKILLed");
	CHECK(rc == 0, "remote exited %d after its host was killed, want 0", rc);
	printf("ok: killed host: the remote (--wait %s) noticed by itself in %.0f ms and exited 0\n",
	       wait, (double)(now_ns() - t0) / 1e6);
}

static void check_stopped(const char *uri)
{
	char *args[] = { "--mode", "echo", "--quiet", NULL };
	zc_region *r;
	zc_channel *ch;
	struct zc_buf b;
	pid_t pid;
	int rc;

	pid = start(uri, "echo", args, &r, &ch);
	send_msg(ch, 0, 64, 0);
	rc = zc_recv(ch, &b, TIMEOUT_MS);
	CHECK(rc == 0, "echo before the stop: %s", zc_strerror(rc));
	zc_release(ch, &b);
	kill(pid, SIGTERM);
	rc = reap_remote(pid, "SIGTERM");
	CHECK(rc == 128 + SIGTERM, "remote exited %d after SIGTERM, want %d",
	      rc, 128 + SIGTERM);
	zc_channel_close(ch);
	zc_close(r);
	printf("ok: stopped: SIGTERM ends the remote with status %d\n", rc);
}

int main(int argc, char **argv)
{
	static const char *const waits[] = { "spin", "busy", "sleep", "uring" };
	char uri[128];
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: remote_check ZC URI-PREFIX\n");
		return 2;
	}
	zc_path = argv[1];
	snprintf(uri, sizeof(uri), "%s-source", argv[2]);
	check_source(uri);
	snprintf(uri, sizeof(uri), "%s-sink", argv[2]);
	check_sink(uri);
	snprintf(uri, sizeof(uri), "%s-echo", argv[2]);
	check_echo(uri);
	snprintf(uri, sizeof(uri), "%s-announce", argv[2]);
	check_announce(uri);
	snprintf(uri, sizeof(uri), "%s-hostile", argv[2]);
	check_hostile(uri);
	for (i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		snprintf(uri, sizeof(uri), "%s-killed-%s", argv[2], waits[i]);
		check_host_killed(uri, waits[i]);
	}
	snprintf(uri, sizeof(uri), "%s-stopped", argv[2]);
	check_stopped(uri);
	return 0;
}

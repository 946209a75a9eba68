// SPDX-License-Identifier: MIT
/*
 * zc_stream - a known workload for the zc-trace tests: a host process
 * streams --count messages to a remote process it forks, over one channel
 * of a fresh shm region, then both print their own counters so the test
 * can compare them with what the tracer saw.
 *
 * It prints "ready HOST_PID REMOTE_PID" once both sides are set up; each
 * process then waits for its own SIGUSR1 (send the remote's first) before
 * it touches the channel, so a tracer can attach to both first and every
 * event falls inside its window.
 *
 *   --count N     messages to send (default 1000)
 *   --len BYTES   payload bytes per message (default 100)
 *   --write       copy with zc_write()/zc_read() (fragments messages larger
 *                 than a slot: the probes fire inside libzc.so); default is
 *                 the zero-copy path: the host calls zc_reserve()/zc_send()
 *                 (probes in libzc.so), the remote the inline
 *                 zc_recv_burst()/zc_release_burst() (probes in this
 *                 executable), so a tracer must find both
 *   --slots N     slots per direction (default 8: small, for back-pressure)
 *   --sleep       wait mode ZC_WAIT_SLEEP on both sides: every wait sleeps,
 *                 so kicks and wakes happen
 *
 * Output lines (key=value): "host tx_frames= tx_bytes= full= kicks= sleeps="
 * and "remote rx_frames= rx_bytes= kicks= sleeps= msgs=". Exit 0 when every
 * message arrived intact.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zc/zc.h>

struct cfg {
	long count;
	long len;
	int write;
	int sleep;
	uint32_t slots;
	char region[64];
};

static int fail(const char *what, int err)
{
	fprintf(stderr, "zc_stream: %s: %s\n", what, zc_strerror(err));
	return 1;
}

static uint8_t pattern(long seq, long i)
{
	return (uint8_t)(seq * 31 + i);
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

/* Wait for SIGUSR1, at most 60 s: a test that never signals must not hang. */
static int wait_for_go(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 6000 && !go; i++)
		nanosleep(&ts, NULL);
	return go ? 0 : -1;
}

static int corrupt(long seq)
{
	fprintf(stderr, "zc_stream: message %ld arrived corrupt\n", seq);
	return 1;
}

static int remote_main(const struct cfg *c)
{
	struct zc_region_stats rs;
	struct zc_channel_stats cs;
	uint8_t *buf = malloc((size_t)c->len + 1);
	zc_region *r;
	zc_channel *ch;
	long got;
	int rc;

	if (!buf)
		return 1;
	rc = zc_attach(c->region, 5000, &r);
	if (rc)
		return fail("attach", rc);
	if (c->sleep)
		zc_set_wait_mode(r, ZC_WAIT_SLEEP, 0);
	/*
	 * Wait outside libzc until the tracer is attached: a sleep on the
	 * doorbell before it would be in our counters and not in its.
	 */
	if (wait_for_go()) {
		fprintf(stderr, "zc_stream: no SIGUSR1 within 60 s\n");
		return 1;
	}
	rc = zc_channel_open(r, "stream", 2, 10000, &ch);
	if (rc)
		return fail("open channel", rc);
	got = 0;
	while (got < c->count) {
		struct zc_buf b[16];
		long i;
		int n, k;

		if (c->write) {
			ssize_t len = zc_read(ch, buf, (size_t)c->len + 1, 60000);

			if (len < 0)
				return fail("zc_read", (int)len);
			for (i = 0; i < len; i++)
				if (buf[i] != pattern(got, i))
					break;
			if (len != c->len || i != len)
				return corrupt(got);
			got++;
			continue;
		}
		rc = zc_wait_rx(ch, 60000);
		if (rc)
			return fail("zc_wait_rx", rc);
		n = zc_recv_burst(ch, b, 16);
		if (n < 0)
			return fail("zc_recv_burst", n);
		for (k = 0; k < n; k++, got++) {
			for (i = 0; i < (long)b[k].len; i++)
				if (((uint8_t *)b[k].data)[i] != pattern(got, i))
					break;
			if ((long)b[k].len != c->len || i != c->len)
				return corrupt(got);
		}
		rc = zc_release_burst(ch, b, (unsigned int)n);
		if (rc != n)
			return fail("zc_release_burst", rc < 0 ? rc : -EPROTO);
	}
	zc_channel_stats(ch, &cs);
	zc_region_stats(r, &rs);
	printf("remote rx_frames=%llu rx_bytes=%llu kicks=%llu sleeps=%llu msgs=%ld\n",
	       (unsigned long long)cs.rx_msgs, (unsigned long long)cs.rx_bytes,
	       (unsigned long long)rs.kicks_sent,
	       (unsigned long long)rs.sleeps, got);
	fflush(stdout);
	zc_channel_close(ch);
	zc_close(r);
	free(buf);
	return 0;
}

static int host_send(const struct cfg *c, zc_channel *ch)
{
	uint8_t *buf = malloc((size_t)c->len + 1);
	long seq, i;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (seq = 0; seq < c->count && !rc; seq++) {
		if (c->write) {
			ssize_t n;

			for (i = 0; i < c->len; i++)
				buf[i] = pattern(seq, i);
			n = zc_write(ch, buf, (size_t)c->len, 60000);
			rc = n < 0 ? (int)n : 0;
		} else {
			struct zc_buf b;

			rc = zc_reserve(ch, &b, 60000);
			if (rc)
				break;
			if ((long)b.cap < c->len) {
				rc = -EMSGSIZE;
				break;
			}
			for (i = 0; i < c->len; i++)
				((uint8_t *)b.data)[i] = pattern(seq, i);
			b.len = (uint32_t)c->len;
			rc = zc_send(ch, &b);
		}
	}
	free(buf);
	return rc;
}

static int parse(int argc, char **argv, struct cfg *c)
{
	static const struct option longs[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "len", required_argument, NULL, 'l' },
		{ "slots", required_argument, NULL, 's' },
		{ "write", no_argument, NULL, 'w' },
		{ "sleep", no_argument, NULL, 'S' },
		{ 0 }
	};
	int o;

	memset(c, 0, sizeof(*c));
	c->count = 1000;
	c->len = 100;
	c->slots = 8;
	while ((o = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (o) {
		case 'n': c->count = atol(optarg); break;
		case 'l': c->len = atol(optarg); break;
		case 's': c->slots = (uint32_t)atol(optarg); break;
		case 'w': c->write = 1; break;
		case 'S': c->sleep = 1; break;
		default: return -1;
		}
	}
	if (c->count <= 0 || c->len <= 0 || c->len > (1L << 24) ||
	    c->slots == 0 || optind != argc)
		return -1;
	snprintf(c->region, sizeof(c->region), "zt-stream-%d", (int)getpid());
	return 0;
}

int main(int argc, char **argv)
{
	struct zc_region_stats rs;
	struct zc_channel_stats cs;
	struct zc_params p;
	struct sigaction sa;
	zc_region *r;
	zc_channel *ch;
	struct cfg c;
	pid_t child;
	int rc, st;

	if (parse(argc, argv, &c)) {
		fprintf(stderr, "usage: zc_stream [--count N] [--len BYTES] [--slots N] [--write] [--sleep]\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = c.slots;
	p.channels = 2;
	rc = zc_create(c.region, &p, &r);
	if (rc)
		return fail("create region", rc);
	if (c.sleep)
		zc_set_wait_mode(r, ZC_WAIT_SLEEP, 0);
	rc = zc_channel_create(r, "stream", 1, &ch);
	if (rc)
		return fail("create channel", rc);
	fflush(stdout);
	child = fork();
	if (child < 0)
		return fail("fork", -errno);
	if (child == 0)
		_exit(remote_main(&c));
	rc = zc_wait_peer(r, 10000);
	if (rc)
		return fail("wait for the remote", rc);
	printf("ready %d %d\n", (int)getpid(), (int)child);
	fflush(stdout);
	if (wait_for_go()) {
		fprintf(stderr, "zc_stream: no SIGUSR1 within 60 s\n");
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return 1;
	}
	rc = host_send(&c, ch);
	if (rc) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return fail("send", rc);
	}
	/* The remote finishes before we close: our kicks to it stay counted. */
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "zc_stream: the remote failed\n");
		return 1;
	}
	zc_channel_stats(ch, &cs);
	zc_region_stats(r, &rs);
	printf("host tx_frames=%llu tx_bytes=%llu full=%llu kicks=%llu sleeps=%llu\n",
	       (unsigned long long)cs.tx_msgs, (unsigned long long)cs.tx_bytes,
	       (unsigned long long)cs.tx_full,
	       (unsigned long long)rs.kicks_sent,
	       (unsigned long long)rs.sleeps);
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

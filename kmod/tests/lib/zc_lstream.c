// SPDX-License-Identifier: GPL-2.0
/*
 * libzc over the kmod backend, in the guest: a stress stream of messages of
 * many sizes (single-slot and fragmented) from host to remote, every byte
 * and every sequence number checked, then the same stream over the shm
 * backend in the same guest, for the throughput ratio.
 *
 * usage: zc_lstream URI [messages]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zc/zc.h"

#define DIE(...) do {							\
	fprintf(stderr, "zc_lstream:%d: ", __LINE__);			\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)
#define ZC_OK(call) do {						\
	long rc_ = (long)(call);					\
	if (rc_ < 0)							\
		DIE("%s: %s", #call, zc_strerror((int)rc_));		\
} while (0)

#define MAX_MSG	(20 * 1024)

static size_t msg_len(uint64_t seq)
{
	/* mostly small, every 16th spans several 2 KiB slots */
	return seq % 16 == 15 ? 2048 + (seq * 977) % (MAX_MSG - 2048) :
			       8 + (seq * 131) % 1500;
}

static void fill(uint8_t *b, uint64_t seq, size_t len)
{
	size_t i;

	memcpy(b, &seq, sizeof(seq));
	for (i = sizeof(seq); i < len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int remote(const char *uri, uint64_t n)
{
	static uint8_t buf[MAX_MSG], want[MAX_MSG];
	zc_region *r;
	zc_channel *ch;
	uint64_t seq;

	ZC_OK(zc_attach(uri, 5000, &r));
	if (strncmp(uri, "kmod:", 5) == 0 && strcmp(zc_backend_name(r), "kmod"))
		DIE("backend %s for %s", zc_backend_name(r), uri);
	ZC_OK(zc_channel_open(r, "stream", 2, 5000, &ch));
	for (seq = 0; seq < n; seq++) {
		ssize_t got = zc_read(ch, buf, sizeof(buf), 10000);
		size_t len = msg_len(seq);

		if (got < 0)
			DIE("read %llu: %s", (unsigned long long)seq,
			    zc_strerror((int)got));
		if ((size_t)got != len)
			DIE("message %llu: %zd bytes, want %zu",
			    (unsigned long long)seq, got, len);
		fill(want, seq, len);
		if (memcmp(buf, want, len))
			DIE("message %llu corrupt", (unsigned long long)seq);
	}
	/* one reply: the host waits for it before closing */
	ZC_OK(zc_write(ch, &seq, sizeof(seq), 5000));
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

int main(int argc, char **argv)
{
	const char *uri = argc > 1 ? argv[1] : "kmod:/dev/zc0";
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 100000;
	static uint8_t buf[MAX_MSG];
	struct zc_region_stats st;
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	uint64_t seq, bytes = 0, echo = 0;
	double t0, dt;
	pid_t pid;
	int status;

	zc_params_default(&p);
	p.slot_size = 2048;
	p.slots = 256;
	p.channels = 2;
	p.max_msg = MAX_MSG;
	ZC_OK(zc_create(uri, &p, &r));
	ZC_OK(zc_channel_create(r, "stream", 1, &ch));
	pid = fork();
	if (pid < 0)
		DIE("fork");
	if (pid == 0)
		exit(remote(uri, n));
	ZC_OK(zc_wait_peer(r, 10000));
	t0 = now();
	for (seq = 0; seq < n; seq++) {
		size_t len = msg_len(seq);

		fill(buf, seq, len);
		ZC_OK(zc_write(ch, buf, len, 10000));
		bytes += len;
	}
	if (zc_read(ch, &echo, sizeof(echo), 10000) != sizeof(echo) || echo != n)
		DIE("remote did not confirm %llu messages",
		    (unsigned long long)n);
	dt = now() - t0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		DIE("remote failed (status 0x%x)", status);
	zc_region_stats(r, &st);
	printf("zc_lstream %s (%s): %llu messages, %.1f MB in %.3f s: %.0f msg/s, %.1f MB/s, %llu kicks, %llu sleeps\n",
	       uri, zc_backend_name(r), (unsigned long long)n, bytes / 1e6, dt,
	       n / dt, bytes / 1e6 / dt, (unsigned long long)st.kicks_sent,
	       (unsigned long long)st.sleeps);
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * tools/bench_baseline.c - what zc is measured against in the same run: a
 * pipe and a UNIX stream socket carrying blocks of the same size between
 * two threads, the writer filling every byte and the reader reading every
 * byte, exactly as the zc streaming phase does; and a ping-pong over each
 * for the round-trip latency.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "bench.h"
#include "proc.h"

#define LAT_MAX_SAMPLES (1u << 20)

struct peer {
	int rfd, wfd;		/* the thread reads rfd; echoes to wfd (or -1) */
	uint64_t size;
	uint64_t bytes;		/* read until EOF */
	int err;		/* errno of a failed read or write */
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly @len bytes; 0 at EOF before any, 1 when done. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return got ? -EPIPE : 0;
		got += (size_t)n;
	}
	return 1;
}

/* Stream reader: touch every byte, count until EOF. */
static void *sink_thread(void *arg)
{
	struct peer *p = arg;
	char *buf = malloc(p->size);
	ssize_t n;

	if (!buf) {
		p->err = ENOMEM;
		return NULL;
	}
	for (;;) {
		n = read(p->rfd, buf, p->size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				p->err = errno;
			break;
		}
		payload_check(PAYLOAD_NONE, buf, (size_t)n, 0);
		p->bytes += (uint64_t)n;
	}
	free(buf);
	return NULL;
}

static void *echo_thread(void *arg)
{
	struct peer *p = arg;
	char *buf = malloc(p->size);
	int rc;

	if (!buf) {
		p->err = ENOMEM;
		return NULL;
	}
	while ((rc = read_all(p->rfd, buf, p->size)) > 0) {
		rc = write_all(p->wfd, buf, p->size);
		if (rc < 0)
			break;
	}
	if (rc < 0)
		p->err = -rc;
	free(buf);
	return NULL;
}

/* A connected pair of fds, a pipe or a socket pair: [0] reads, [1] writes. */
typedef int (*make_pair_fn)(int fds[2]);

static int make_pipe(int fds[2])
{
	return pipe(fds) ? -errno : 0;
}

static int make_socket(int fds[2])
{
	/* A stream socket both ways; each end is used in one direction. */
	return socketpair(AF_UNIX, SOCK_STREAM, 0, fds) ? -errno : 0;
}

static int stream(const struct bench_opts *o, make_pair_fn make,
		  uint64_t size, struct baseline_result *res)
{
	struct peer p = { .size = size, .wfd = -1 };
	uint64_t t0, t_end, seq = 0;
	pthread_t tid;
	int fds[2], rc;
	char *buf;

	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	rc = make(fds);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	p.rfd = fds[0];
	if (start_thread(&tid, sink_thread, &p, o->remote_cpu)) {
		close(fds[0]);
		close(fds[1]);
		free(buf);
		return -EAGAIN;
	}
	t0 = now_ns();
	t_end = t0 + (uint64_t)(o->seconds * 1e9);
	while (rc == 0 && now_ns() < t_end) {
		payload_fill(PAYLOAD_PATTERN, buf, size, seq++);
		rc = write_all(fds[1], buf, size);
	}
	/* EOF tells the reader to stop; the time runs until it has read all. */
	close(fds[1]);
	pthread_join(tid, NULL);
	res->seconds = (double)(now_ns() - t0) / 1e9;
	close(fds[0]);
	free(buf);
	if (rc == 0 && p.err)
		rc = -p.err;
	res->bytes = p.bytes;
	res->msgs = p.bytes / size;
	res->msgs_per_s = (double)res->msgs / res->seconds;
	res->gb_per_s = (double)res->bytes / res->seconds / 1e9;
	return rc;
}

static int ping_pong(const struct bench_opts *o, make_pair_fn make,
		     uint64_t size, struct latency *lat)
{
	struct peer p = { .size = size };
	int to_peer[2], from_peer[2], rc;
	uint64_t *ns, n, t_end, t0;
	pthread_t tid;
	char *buf;

	buf = malloc(size);
	ns = malloc(sizeof(*ns) * LAT_MAX_SAMPLES);
	if (!buf || !ns) {
		free(buf);
		free(ns);
		return -ENOMEM;
	}
	rc = make(to_peer);
	if (rc == 0) {
		rc = make(from_peer);
		if (rc < 0) {
			close(to_peer[0]);
			close(to_peer[1]);
		}
	}
	if (rc < 0) {
		free(buf);
		free(ns);
		return rc;
	}
	p.rfd = to_peer[0];
	p.wfd = from_peer[1];
	if (start_thread(&tid, echo_thread, &p, o->remote_cpu)) {
		rc = -EAGAIN;
		goto out;
	}
	t_end = now_ns() + (uint64_t)(o->lat_seconds * 1e9);
	for (n = 0; rc == 0 && n < LAT_MAX_SAMPLES &&
		    (n < 10 || now_ns() < t_end); n++) {
		payload_fill(PAYLOAD_PATTERN, buf, size, n);
		t0 = now_ns();
		rc = write_all(to_peer[1], buf, size);
		if (rc == 0)
			rc = read_all(from_peer[0], buf, size) == 1 ? 0 : -EPIPE;
		ns[n] = now_ns() - t0;
	}
	close(to_peer[1]);
	to_peer[1] = -1;
	pthread_join(tid, NULL);
	if (rc == 0)
		latency_summarize(ns, n, lat);
out:
	if (to_peer[1] >= 0)
		close(to_peer[1]);
	close(to_peer[0]);
	close(from_peer[0]);
	close(from_peer[1]);
	free(buf);
	free(ns);
	return rc;
}

static int run(const struct bench_opts *o, const char *name, make_pair_fn make,
	       uint64_t size, struct baseline_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	res->name = name;
	res->what = "same bytes, a thread each side";
	res->size = size;
	res->compare_size = size;
	rc = stream(o, make, size, res);
	if (rc == 0)
		rc = ping_pong(o, make, size, &res->lat);
	if (rc < 0)
		zc_errorf("the %s baseline failed: %s", name, strerror(-rc));
	return rc;
}

int bench_pipe(const struct bench_opts *o, uint64_t size,
	       struct baseline_result *res)
{
	return run(o, "pipe", make_pipe, size, res);
}

int bench_unix_socket(const struct bench_opts *o, uint64_t size,
		      struct baseline_result *res)
{
	return run(o, "unix socket", make_socket, size, res);
}
